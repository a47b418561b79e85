//! The vulnerability battery's active probes, each one connection, each sent only where the
//! scan shows it can apply (so a modern server pays for one at most):
//!
//! * fallback-scsv: when the server accepts a version below its best, a hello for that lower
//!   version with TLS_FALLBACK_SCSV (RFC 7507): inappropriate_fallback is the right answer, a
//!   ServerHello the wrong one;
//! * heartbleed: when a scan ServerHello echoed the heartbeat extension, a heartbeat request
//!   claiming 16 bytes more than it carries, right after the server's first flight; a response
//!   echoing the claimed length proves the over-read (only its 8 header bytes are read);
//! * ccs-injection: when the server speaks TLS 1.2 or older and not TLS 1.3 (a TLS 1.3 server
//!   has a library from long after the fix, sslyze's reasoning), an early ChangeCipherSpec and a
//!   short application-data record after the first flight: bad_record_mac shows the server
//!   switched keys (vulnerable), unexpected_message or a close that it refused.
//!
//! * session-resumption: when the scan's TLS 1.2 ServerHellos carry a session id, two TLS 1.2
//!   handshakes by rustls, the second offering the first's session id (tickets not offered):
//!   whether the second was resumed.
//!
//! * client-renegotiation: when the server speaks TLS 1.2 or older, one handshake completed by
//!   hand with a suite the scan saw accepted, then a renegotiating ClientHello (see
//!   [`crate::observe::renegotiation`]).
//!
//! Every probe stops at the first answer that decides it, under the handshake timeout.

use crate::model::options::CheckOptions;
use crate::model::progress::Event;
use crate::model::scan::{
    BatteryProbes, ProbeAnswer, ProbeResult, SSLV3, TLS10, TLS11, TLS12, TLS13, TlsScan,
    VersionStatus, version_key,
};
use crate::observe::probe::{EndpointSpec, Retry, open_for_tls};
use crate::observe::shared::Caps;
use crate::observe::tls_session::{premaster_block, rsa_encrypt, rsa_key, rsa_key_exchange};
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use wire::tls::flight::{FlightOutcome, FlightParser};
use wire::tls::messages::{message, record};
use wire::tls::probe::{ProbeReply, ReplyReader};
use wire::tls::{content_type as ct, handshake_type as ht};

/// TLS_FALLBACK_SCSV (RFC 7507 section 2).
const FALLBACK_SCSV: u16 = 0x5600;
/// inappropriate_fallback (RFC 7507 section 2).
const INAPPROPRIATE_FALLBACK: u8 = 86;
/// bad_record_mac (RFC 5246 section 7.2.2).
const BAD_RECORD_MAC: u8 = 20;
/// How much more than it carries the heartbeat request claims.
const HEARTBEAT_EXTRA: u16 = 16;
/// The longest wait for an answer to a probe record after the flight.
const REPLY_WAIT: Duration = Duration::from_secs(5);

/// The probes that apply to what the scan found; `None` when none does.
pub async fn probes(
    spec: &EndpointSpec,
    opts: &CheckOptions,
    caps: &Caps,
    scan: &TlsScan,
) -> Option<BatteryProbes> {
    let offered = |v: u16| {
        scan.versions
            .get(version_key(v))
            .is_some_and(|r| r.status == VersionStatus::Offered)
    };
    let versions: Vec<u16> = [SSLV3, TLS10, TLS11, TLS12, TLS13]
        .into_iter()
        .filter(|v| offered(*v))
        .collect();
    let legacy: Vec<u16> = versions.iter().copied().filter(|v| *v <= TLS12).collect();
    let mut out = BatteryProbes::default();
    let mut any = false;

    // A lower version than the best one the server accepts.
    if let [.., lower, _best] = versions.as_slice() {
        let r = run(spec, opts, caps, &mut out, |tcp, left| {
            fallback(tcp, left, spec, opts, *lower)
        })
        .await;
        out.fallback_scsv = Some(r);
        any = true;
    }
    // The highest version whose ServerHellos echoed heartbeat.
    let heartbeat = legacy.iter().rev().copied().find(|v| {
        scan.hello_features
            .get(version_key(*v))
            .is_some_and(|f| f.echoed("heartbeat"))
    });
    if let Some(v) = heartbeat {
        let r = run(spec, opts, caps, &mut out, |tcp, left| {
            heartbleed(tcp, left, spec, opts, v)
        })
        .await;
        out.heartbleed = Some(r);
        any = true;
    }
    if let Some(&v) = legacy.last()
        && !offered(TLS13)
    {
        let r = run(spec, opts, caps, &mut out, |tcp, left| {
            ccs_injection(tcp, left, spec, opts, v)
        })
        .await;
        out.ccs_injection = Some(r);
        any = true;
    }
    // ROBOT: the highest version at or below TLS 1.2 with RSA key-exchange suites (SSLv3 too:
    // its ClientKeyExchange is the bare ciphertext).
    let rsa_suites = |v: u16| -> Vec<u16> {
        scan.versions
            .get(version_key(v))
            .filter(|r| r.status == VersionStatus::Offered)
            .map(|r| {
                r.suites
                    .iter()
                    .filter(|s| s.kx == "rsa")
                    .filter_map(|s| u16::from_str_radix(s.id.trim_start_matches("0x"), 16).ok())
                    .collect()
            })
            .unwrap_or_default()
    };
    if let Some((v, suites)) = [TLS12, TLS11, TLS10, SSLV3]
        .into_iter()
        .map(|v| (v, rsa_suites(v)))
        .find(|(_, s)| !s.is_empty())
    {
        out.robot = Some(robot(spec, opts, caps, &mut out, v, suites).await);
        any = true;
    }
    // Client-initiated renegotiation: the highest of TLS 1.2, 1.1 and 1.0 with a suite the
    // hand-made handshake implements (ECDHE, DHE or RSA with AES-GCM, ChaCha20 or AES-CBC).
    let accepted = |v: u16| -> Vec<u16> {
        scan.versions
            .get(version_key(v))
            .filter(|r| r.status == VersionStatus::Offered)
            .map(|r| {
                r.suites
                    .iter()
                    .filter_map(|s| u16::from_str_radix(s.id.trim_start_matches("0x"), 16).ok())
                    .collect()
            })
            .unwrap_or_default()
    };
    if let Some((v, suites)) = [TLS12, TLS11, TLS10]
        .into_iter()
        .map(|v| (v, crate::observe::renegotiation::usable(&accepted(v), v)))
        .find(|(_, s)| !s.is_empty())
    {
        let r = run(spec, opts, caps, &mut out, |tcp, left| {
            crate::observe::renegotiation::probe(tcp, left, spec, opts, v, &suites)
        })
        .await;
        out.client_renegotiation = Some(r);
        any = true;
    } else if !legacy.is_empty() {
        let v = legacy.last().copied().unwrap_or(TLS12);
        out.client_renegotiation = Some(ProbeResult::new(
            v,
            ProbeAnswer::Unknown,
            if [TLS10, TLS11, TLS12].iter().any(|x| offered(*x)) {
                "not measured: none of the suites the server accepts is one the renegotiation \
                 probe implements (ECDHE, DHE or RSA key exchange with AES-GCM, ChaCha20-Poly1305 \
                 or AES-CBC)"
            } else {
                "not measured: the server speaks SSLv3 and no TLS version, and the renegotiation \
                 probe speaks TLS 1.0 to 1.2"
            },
        ));
        any = true;
    }
    let session_ids = scan
        .hello_features
        .get(version_key(TLS12))
        .is_some_and(|f| f.session_ids > 0);
    if offered(TLS12) && session_ids {
        out.session_resumption = Some(resumption(spec, opts, caps, &mut out).await);
        any = true;
    }
    any.then_some(out)
}

/// The ClientKeyExchange variants of ROBOT (Böck, Somorovsky and Young, 2017; the set sslyze
/// and testssl.sh send): a valid PKCS#1 v1.5 block, then one with wrong first bytes, one whose
/// 0x00 separator is missing, one with the separator in the middle of the padding, and one with
/// a wrong version in the premaster secret.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Robot {
    Valid,
    WrongHeader,
    NoSeparator,
    EarlySeparator,
    WrongVersion,
}

impl Robot {
    fn words(self) -> &'static str {
        match self {
            Robot::Valid => "valid block",
            Robot::WrongHeader => "wrong first bytes",
            Robot::NoSeparator => "no 0x00 separator",
            Robot::EarlySeparator => "separator in the padding",
            Robot::WrongVersion => "wrong version in the premaster secret",
        }
    }
}

const ROBOT_VARIANTS: [Robot; 5] = [
    Robot::Valid,
    Robot::WrongHeader,
    Robot::NoSeparator,
    Robot::EarlySeparator,
    Robot::WrongVersion,
];

/// The PKCS#1 v1.5 encryption block of `k` bytes for `variant`: a conforming block
/// ([`premaster_block`]) with the variant's flaw written into it.
fn robot_block(variant: Robot, k: usize, version: u16) -> Option<Vec<u8>> {
    let (mut block, _) = premaster_block(k, version).ok()?;
    // The separator's place: after the header and the padding, 48 bytes before the end.
    let separator = k.checked_sub(49)?;
    let (at, bytes): (usize, &[u8]) = match variant {
        Robot::Valid => return Some(block),
        Robot::WrongHeader => (0, &[0x41, 0x17]),
        Robot::NoSeparator => (separator, &[0x11]),
        Robot::EarlySeparator => (10, &[0x00]),
        Robot::WrongVersion => (separator + 1, &[0x02, 0x02]),
    };
    block.get_mut(at..at + bytes.len())?.copy_from_slice(bytes);
    Some(block)
}

/// One ROBOT variant on one connection: the handshake up to ServerHelloDone, then
/// ClientKeyExchange, ChangeCipherSpec and a Finished record of random bytes; the answer in
/// words (the first record's kind, a close or silence).
async fn robot_once(
    mut tcp: TcpStream,
    leftover: Vec<u8>,
    spec: &EndpointSpec,
    opts: &CheckOptions,
    v: u16,
    suites: &[u16],
    variant: Robot,
) -> Result<String, String> {
    let h = crate::observe::scan::legacy_hello(spec.sni.clone(), v, suites.to_vec());
    let leaf = match flight(&mut tcp, leftover, &h, opts).await {
        Ok(FlightOutcome::Hello {
            hello,
            certificates,
            complete: true,
            ..
        }) if hello.selected_version == v => certificates.into_iter().next(),
        Ok(other) => return Err(format!("no complete first flight: {}", short(&other))),
        Err(e) => return Err(format!("no complete first flight: {e}")),
    };
    let (n, e) = leaf
        .as_deref()
        .and_then(rsa_key)
        .ok_or_else(|| "the server's certificate has no RSA key".to_string())?;
    let block = robot_block(variant, n.len(), v).ok_or("the RSA key is too small")?;
    let c = rsa_encrypt(&block, &n, &e).ok_or("the RSA key is unusable")?;
    let cke = message(ht::CLIENT_KEY_EXCHANGE, &rsa_key_exchange(v, &c));
    let mut records = record(ct::HANDSHAKE, v, &cke);
    records.extend(wire::tls::probe::change_cipher_spec(v));
    // A Finished the server cannot decrypt: 40 random bytes in a handshake record.
    let mut finished = [0u8; 40];
    let _ = ring::rand::SecureRandom::fill(&ring::rand::SystemRandom::new(), &mut finished);
    records.extend(record(ct::HANDSHAKE, v, &finished));
    Ok(match after(&mut tcp, &records, opts).await? {
        After::Reply(ProbeReply::Alert { description, .. }) => {
            format!("the alert {}", wire::tls::alert_label(description))
        }
        After::Reply(ProbeReply::Record { content_type, .. }) => {
            format!("{} record", wire::tls::content_type_name(content_type))
        }
        After::Reply(r) => reply_words(&r),
        After::Closed => "a close".into(),
        After::Silent => "silence".into(),
    })
}

/// ROBOT: the five variants, one connection each; different answers are an oracle. As sslyze
/// does, an oracle is confirmed by a second pass (five more connections, only then): answers
/// that change between passes are noise (a rate limit, a flaky path), not an oracle.
async fn robot(
    spec: &EndpointSpec,
    opts: &CheckOptions,
    caps: &Caps,
    out: &mut BatteryProbes,
    v: u16,
    suites: Vec<u16>,
) -> ProbeResult {
    let first = match robot_pass(spec, opts, caps, out, v, &suites).await {
        Ok(a) => a,
        Err(r) => return r,
    };
    let same = |answers: &[(Robot, String)]| {
        let a0 = answers.first().map(|(_, a)| a.clone()).unwrap_or_default();
        answers.iter().all(|(_, a)| *a == a0).then_some(a0)
    };
    if let Some(a) = same(&first) {
        return ProbeResult::new(
            v,
            ProbeAnswer::Refused,
            format!(
                "five ClientKeyExchange messages (a valid PKCS#1 block and four malformed ones) all got {a}: no padding oracle"
            ),
        );
    }
    let list = |answers: &[(Robot, String)]| {
        answers
            .iter()
            .map(|(variant, a)| format!("{}: {a}", variant.words()))
            .collect::<Vec<_>>()
            .join("; ")
    };
    let second = match robot_pass(spec, opts, caps, out, v, &suites).await {
        Ok(a) => a,
        Err(r) => {
            return ProbeResult::new(
                v,
                ProbeAnswer::Unknown,
                format!(
                    "the answers differed ({}), and the confirming second pass failed: {}",
                    list(&first),
                    r.detail
                ),
            );
        }
    };
    if second != first {
        return ProbeResult::new(
            v,
            ProbeAnswer::Unknown,
            format!(
                "the answers differed, but not the same way twice (first pass: {}; second: {}): no stable oracle",
                list(&first),
                list(&second)
            ),
        );
    }
    ProbeResult::new(
        v,
        ProbeAnswer::Accepted,
        format!(
            "the server answers valid and malformed PKCS#1 blocks differently, the same way in two passes ({}): an RSA decryption oracle",
            list(&first)
        ),
    )
}

/// One pass of the five variants: each answer in words, or the result that stops the check.
async fn robot_pass(
    spec: &EndpointSpec,
    opts: &CheckOptions,
    caps: &Caps,
    out: &mut BatteryProbes,
    v: u16,
    suites: &[u16],
) -> Result<Vec<(Robot, String)>, ProbeResult> {
    let mut answers: Vec<(Robot, String)> = Vec::new();
    for variant in ROBOT_VARIANTS {
        let r = run(spec, opts, caps, out, |tcp, left| {
            let suites = suites.to_vec();
            async move {
                match robot_once(tcp, left, spec, opts, v, &suites, variant).await {
                    Ok(a) => ProbeResult::new(v, ProbeAnswer::Refused, a),
                    Err(e) => ProbeResult::new(v, ProbeAnswer::Unknown, e),
                }
            }
        })
        .await;
        if r.answer == ProbeAnswer::Unknown {
            return Err(ProbeResult::new(
                v,
                ProbeAnswer::Unknown,
                format!(
                    "the ClientKeyExchange ({}) could not be sent: {}",
                    variant.words(),
                    r.detail
                ),
            ));
        }
        answers.push((variant, r.detail));
    }
    Ok(answers)
}

/// Two TLS 1.2 handshakes sharing a session cache that keeps session ids only.
async fn resumption(
    spec: &EndpointSpec,
    opts: &CheckOptions,
    caps: &Caps,
    out: &mut BatteryProbes,
) -> ProbeResult {
    let mut config =
        match rustls::ClientConfig::builder_with_provider(crate::observe::tls::provider())
            .with_protocol_versions(&[&rustls::version::TLS12])
        {
            Ok(b) => b
                .dangerous()
                .with_custom_certificate_verifier(std::sync::Arc::new(
                    crate::observe::tls::RecordingVerifier::new(),
                ))
                .with_no_client_auth(),
            Err(e) => {
                return ProbeResult::new(
                    TLS12,
                    ProbeAnswer::Unknown,
                    format!("could not set up the TLS client: {e}"),
                );
            }
        };
    config.enable_sni = spec.sni.is_some();
    config.resumption = rustls::client::Resumption::in_memory_sessions(4)
        .tls12_resumption(rustls::client::Tls12Resumption::SessionIdOnly);
    let connector = tokio_rustls::TlsConnector::from(std::sync::Arc::new(config));
    let name = crate::observe::tls::server_name(spec.sni.as_deref(), spec.address.ip());
    let mut kinds = Vec::new();
    for round in 0..2 {
        let r = run(spec, opts, caps, out, |tcp, leftover| {
            let connector = connector.clone();
            let name = name.clone();
            async move {
                let stream = crate::observe::stream::Replay::new(tcp, leftover);
                match tokio::time::timeout(
                    opts.timeouts.handshake(),
                    connector.connect(name, stream),
                )
                .await
                {
                    Ok(Ok(tls)) => {
                        let kind = tls.get_ref().1.handshake_kind();
                        let resumed = kind == Some(rustls::HandshakeKind::Resumed);
                        ProbeResult::new(
                            TLS12,
                            if resumed {
                                ProbeAnswer::Accepted
                            } else {
                                ProbeAnswer::Refused
                            },
                            if resumed { "resumed" } else { "full" },
                        )
                    }
                    Ok(Err(e)) => ProbeResult::new(
                        TLS12,
                        ProbeAnswer::Unknown,
                        format!("TLS 1.2 handshake {} failed: {e}", round + 1),
                    ),
                    Err(_) => ProbeResult::new(
                        TLS12,
                        ProbeAnswer::Unknown,
                        format!("TLS 1.2 handshake {} timed out", round + 1),
                    ),
                }
            }
        })
        .await;
        if r.answer == ProbeAnswer::Unknown {
            return r;
        }
        kinds.push(r.answer);
    }
    match kinds.as_slice() {
        [_, ProbeAnswer::Accepted] => ProbeResult::new(
            TLS12,
            ProbeAnswer::Accepted,
            "a second TLS 1.2 handshake offering the first's session id was resumed",
        ),
        _ => ProbeResult::new(
            TLS12,
            ProbeAnswer::Refused,
            "a second TLS 1.2 handshake offering the first's session id got a full handshake",
        ),
    }
}

/// A probe that could not run for the check's time limit.
const DEADLINE: &str = "deadline: the whole check's time limit ran out before this probe";

/// One probe connection under the cap: SMTP up to STARTTLS, then `probe`. A server that
/// refuses the connection for now (a 4xx greeting such as Exim's "too many connections", a
/// refused or dropped connection) is asked again with the scan's back-off (`--retries`,
/// `--retry-wait`), as the scan's own steps are; every attempt is a counted connection.
async fn run<'a, F, Fut>(
    spec: &'a EndpointSpec,
    opts: &'a CheckOptions,
    caps: &'a Caps,
    out: &mut BatteryProbes,
    probe: F,
) -> ProbeResult
where
    F: FnOnce(TcpStream, Vec<u8>) -> Fut,
    Fut: std::future::Future<Output = ProbeResult>,
{
    let unknown = |detail: String| ProbeResult {
        version: String::new(),
        answer: ProbeAnswer::Unknown,
        detail,
        downgrade_sentinel: false,
    };
    let mut probe = Some(probe);
    let mut retry = Retry::new(opts);
    loop {
        if opts.timeouts.expired() {
            return unknown(DEADLINE.into());
        }
        let Some(permits) = caps.one().await else {
            return unknown("the check was stopped".into());
        };
        out.connections += 1;
        opts.progress.emit(Event::ScanConnection {
            endpoint: spec.address,
        });
        let f = match open_for_tls(spec, opts).await {
            Ok((tcp, leftover)) => match probe.take() {
                Some(p) => return p(tcp, leftover).await,
                None => return unknown("internal: the probe ran already".into()),
            },
            Err(f) => f,
        };
        let last = format!(
            "could not start TLS ({} phase: {})",
            f.phase.as_str(),
            f.message
        );
        if !f.transient() {
            return unknown(last);
        }
        drop(permits);
        if retry.again().await {
            continue;
        }
        if opts.timeouts.expired() {
            return unknown(DEADLINE.into());
        }
        return unknown(format!(
            "{last}; gave up after {} attempts",
            retry.attempts()
        ));
    }
}

/// Sends `hello` and reads the server's first flight.
async fn flight(
    tcp: &mut TcpStream,
    leftover: Vec<u8>,
    hello: &[u8],
    opts: &CheckOptions,
) -> Result<FlightOutcome, String> {
    let limit = opts.timeouts.handshake();
    match tokio::time::timeout(limit, tcp.write_all(hello)).await {
        Ok(Ok(())) => {}
        _ => return Err("could not send the ClientHello".into()),
    }
    let mut parser = FlightParser::new(false);
    if !leftover.is_empty()
        && let Some(o) = parser.feed(&leftover)
    {
        return Ok(o);
    }
    let deadline = tokio::time::Instant::now() + limit;
    let mut buf = vec![0u8; 16 * 1024];
    loop {
        match tokio::time::timeout_at(deadline, tcp.read(&mut buf)).await {
            Err(_) | Ok(Ok(0)) | Ok(Err(_)) => {
                return parser.finish().map_err(|e| e.reason);
            }
            Ok(Ok(n)) => {
                if let Some(o) = parser.feed(buf.get(..n).unwrap_or_default()) {
                    return Ok(o);
                }
            }
        }
    }
}

/// What came back after a probe record: the first record's header (and heartbeat header), the
/// close, or silence.
enum After {
    Reply(ProbeReply),
    Closed,
    Silent,
}

async fn after(tcp: &mut TcpStream, sent: &[u8], opts: &CheckOptions) -> Result<After, String> {
    let limit = opts.timeouts.within(REPLY_WAIT);
    match tokio::time::timeout(limit, tcp.write_all(sent)).await {
        Ok(Ok(())) => {}
        // A server that closed on us before we wrote refused in its way.
        Ok(Err(_)) => return Ok(After::Closed),
        Err(_) => return Err("could not send the probe record".into()),
    }
    let mut reader = ReplyReader::new();
    let deadline = tokio::time::Instant::now() + limit;
    // Never more than the reader needs (8 bytes): the rest of a reply is not read.
    let mut buf = [0u8; 8];
    loop {
        let want = 8usize.saturating_sub(reader.seen()).max(1);
        let slot = buf.get_mut(..want).unwrap_or_default();
        match tokio::time::timeout_at(deadline, tcp.read(slot)).await {
            Err(_) => return Ok(After::Silent),
            Ok(Ok(0)) | Ok(Err(_)) => return Ok(After::Closed),
            Ok(Ok(n)) => {
                if let Some(r) = reader.feed(slot.get(..n).unwrap_or_default()) {
                    return Ok(After::Reply(r));
                }
            }
        }
    }
}

/// A hello for version `v` with every suite of that version and the scan's extensions, plus
/// `extra` suites at the end.
fn hello(spec: &EndpointSpec, v: u16, extra: &[u16]) -> Vec<u8> {
    let mut suites = wire::tls::suites_for_version(v);
    suites.extend_from_slice(extra);
    crate::observe::scan::legacy_hello(spec.sni.clone(), v, suites)
}

/// A complete TLS 1.2-or-older first flight of version `v`, or why not.
fn complete_flight(o: Result<FlightOutcome, String>, v: u16) -> Result<(), String> {
    match o {
        Ok(FlightOutcome::Hello {
            hello,
            complete: true,
            ..
        }) if hello.selected_version == v => Ok(()),
        Ok(FlightOutcome::Hello { hello, .. }) if hello.selected_version != v => Err(format!(
            "the server answered with {} instead",
            wire::tls::version_name(hello.selected_version)
        )),
        Ok(FlightOutcome::Hello { .. }) => Err("the server did not finish its first flight".into()),
        Ok(FlightOutcome::Alert { description, .. }) => Err(format!(
            "the server refused the hello with the alert {}",
            wire::tls::alert_label(description)
        )),
        Ok(other) => Err(format!("an unexpected first flight: {}", short(&other))),
        Err(e) => Err(e),
    }
}

async fn fallback(
    mut tcp: TcpStream,
    leftover: Vec<u8>,
    spec: &EndpointSpec,
    opts: &CheckOptions,
    v: u16,
) -> ProbeResult {
    let h = hello(spec, v, &[FALLBACK_SCSV]);
    match flight(&mut tcp, leftover, &h, opts).await {
        Ok(FlightOutcome::Alert { description, .. }) if description == INAPPROPRIATE_FALLBACK => {
            ProbeResult::new(
                v,
                ProbeAnswer::Refused,
                "a hello for this lower version with TLS_FALLBACK_SCSV got the alert \
                 inappropriate_fallback (86)",
            )
        }
        Ok(FlightOutcome::Hello { hello, .. }) if hello.selected_version == v => {
            let sentinel = hello.downgrade_sentinel.is_some();
            ProbeResult {
                downgrade_sentinel: sentinel,
                ..ProbeResult::new(
                    v,
                    ProbeAnswer::Accepted,
                    format!(
                        "a hello for this lower version with TLS_FALLBACK_SCSV got a ServerHello ({}){}",
                        wire::tls::cipher_suite_display(hello.cipher_suite),
                        if sentinel {
                            ", whose random carries the RFC 8446 downgrade sentinel that TLS 1.3 clients check"
                        } else {
                            ""
                        }
                    ),
                )
            }
        }
        Ok(FlightOutcome::Alert { description, .. }) => ProbeResult::new(
            v,
            ProbeAnswer::Unknown,
            format!(
                "a hello with TLS_FALLBACK_SCSV got the alert {}, not inappropriate_fallback",
                wire::tls::alert_label(description)
            ),
        ),
        Ok(other) => ProbeResult::new(
            v,
            ProbeAnswer::Unknown,
            format!("a hello with TLS_FALLBACK_SCSV got {}", short(&other)),
        ),
        Err(e) => ProbeResult::new(v, ProbeAnswer::Unknown, e),
    }
}

/// A probe reply in words.
fn reply_words(r: &ProbeReply) -> String {
    match r {
        ProbeReply::Heartbeat {
            message_type,
            payload_length,
            ..
        } => format!("a heartbeat message (type {message_type}) claiming {payload_length} bytes"),
        ProbeReply::Alert { description, .. } => {
            format!("the alert {}", wire::tls::alert_label(*description))
        }
        ProbeReply::Record { content_type, .. } => {
            format!("{} record", wire::tls::content_type_name(*content_type))
        }
        ProbeReply::Malformed { reason } => format!("bytes that are not TLS ({reason})"),
    }
}

fn short(o: &FlightOutcome) -> String {
    match o {
        FlightOutcome::Hello { hello, .. } | FlightOutcome::HelloRetryRequest { hello } => {
            format!(
                "a ServerHello for {}",
                wire::tls::version_name(hello.selected_version)
            )
        }
        FlightOutcome::Alert { description, .. } => {
            format!("the alert {}", wire::tls::alert_label(*description))
        }
        FlightOutcome::Sslv2Hello { .. } | FlightOutcome::Sslv2Error { .. } => {
            "an SSLv2 answer".into()
        }
        FlightOutcome::NotTls { excerpt } => format!("bytes that are not TLS: {excerpt}"),
        FlightOutcome::Malformed { reason } => format!("a malformed answer: {reason}"),
    }
}

async fn heartbleed(
    mut tcp: TcpStream,
    leftover: Vec<u8>,
    spec: &EndpointSpec,
    opts: &CheckOptions,
    v: u16,
) -> ProbeResult {
    let h = hello(spec, v, &[]);
    if let Err(e) = complete_flight(flight(&mut tcp, leftover, &h, opts).await, v) {
        return ProbeResult::new(v, ProbeAnswer::Unknown, e);
    }
    let request = wire::tls::probe::heartbeat_request(v, 0x42, HEARTBEAT_EXTRA);
    let sent = wire::tls::probe::HEARTBEAT_PAYLOAD;
    let claimed = sent + usize::from(HEARTBEAT_EXTRA);
    match after(&mut tcp, &request, opts).await {
        Ok(After::Reply(r)) if r.is_heartbleed() => {
            let n = match r {
                ProbeReply::Heartbeat { payload_length, .. } => payload_length,
                _ => 0,
            };
            ProbeResult::new(
                v,
                ProbeAnswer::Accepted,
                format!(
                    "a heartbeat request carrying {sent} bytes and claiming {claimed} got a \
                     heartbeat response claiming {n}: the server read past the payload (the \
                     leaked bytes were not read)"
                ),
            )
        }
        Ok(After::Reply(ProbeReply::Heartbeat { payload_length, .. })) => ProbeResult::new(
            v,
            ProbeAnswer::Refused,
            format!(
                "a heartbeat request claiming {claimed} bytes got a response of {payload_length}, \
                 no more than it carried"
            ),
        ),
        Ok(After::Reply(ProbeReply::Alert { description, .. })) => ProbeResult::new(
            v,
            ProbeAnswer::Refused,
            format!(
                "a heartbeat request claiming {claimed} bytes but carrying {sent} got the alert {}",
                wire::tls::alert_label(description)
            ),
        ),
        Ok(After::Reply(ProbeReply::Record { content_type, .. })) => ProbeResult::new(
            v,
            ProbeAnswer::Refused,
            format!(
                "a heartbeat request claiming {claimed} bytes got {} record, no heartbeat response",
                wire::tls::content_type_name(content_type)
            ),
        ),
        Ok(After::Reply(ProbeReply::Malformed { reason })) => ProbeResult::new(
            v,
            ProbeAnswer::Unknown,
            format!("the answer to a heartbeat request was not TLS: {reason}"),
        ),
        Ok(After::Closed) => ProbeResult::new(
            v,
            ProbeAnswer::Refused,
            format!(
                "the server closed the connection on a heartbeat request claiming {claimed} bytes \
                 but carrying {sent}"
            ),
        ),
        Ok(After::Silent) => ProbeResult::new(
            v,
            ProbeAnswer::Refused,
            format!(
                "a heartbeat request claiming {claimed} bytes but carrying {sent} got no answer \
                 (discarded, as RFC 6520 asks)"
            ),
        ),
        Err(e) => ProbeResult::new(v, ProbeAnswer::Unknown, e),
    }
}

async fn ccs_injection(
    mut tcp: TcpStream,
    leftover: Vec<u8>,
    spec: &EndpointSpec,
    opts: &CheckOptions,
    v: u16,
) -> ProbeResult {
    let h = hello(spec, v, &[]);
    if let Err(e) = complete_flight(flight(&mut tcp, leftover, &h, opts).await, v) {
        return ProbeResult::new(v, ProbeAnswer::Unknown, e);
    }
    let mut records = wire::tls::probe::change_cipher_spec(v);
    records.extend(wire::tls::probe::application_data(v, &[0, 0]));
    match after(&mut tcp, &records, opts).await {
        Ok(After::Reply(ProbeReply::Alert { description, .. }))
            if description == BAD_RECORD_MAC =>
        {
            ProbeResult::new(
                v,
                ProbeAnswer::Accepted,
                "an early ChangeCipherSpec was accepted: the record after it got bad_record_mac \
                 (20), so the server had switched to keys from an empty master secret",
            )
        }
        Ok(After::Reply(ProbeReply::Alert { description, .. })) => ProbeResult::new(
            v,
            ProbeAnswer::Refused,
            format!(
                "an early ChangeCipherSpec got the alert {}",
                wire::tls::alert_label(description)
            ),
        ),
        Ok(After::Closed) => ProbeResult::new(
            v,
            ProbeAnswer::Refused,
            "the server closed the connection on an early ChangeCipherSpec",
        ),
        Ok(After::Silent) => ProbeResult::new(
            v,
            ProbeAnswer::Unknown,
            "no answer to an early ChangeCipherSpec and a record after it",
        ),
        Ok(After::Reply(r)) => ProbeResult::new(
            v,
            ProbeAnswer::Unknown,
            format!("an early ChangeCipherSpec got {}", reply_words(&r)),
        ),
        Err(e) => ProbeResult::new(v, ProbeAnswer::Unknown, e),
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::indexing_slicing, clippy::panic)]
mod tests {
    use super::*;

    #[test]
    fn robot_blocks_are_malformed_as_named() {
        let k = 256;
        let valid = robot_block(Robot::Valid, k, 0x0303).unwrap();
        assert_eq!(valid.len(), k);
        assert_eq!(&valid[..2], &[0, 2]);
        assert!(valid[2..k - 49].iter().all(|&b| b != 0));
        assert_eq!(valid[k - 49], 0);
        assert_eq!(&valid[k - 48..k - 46], &[3, 3]);
        assert_eq!(
            &robot_block(Robot::WrongHeader, k, 0x0303).unwrap()[..2],
            &[0x41, 0x17]
        );
        assert_ne!(
            robot_block(Robot::NoSeparator, k, 0x0303).unwrap()[k - 49],
            0
        );
        assert_eq!(
            robot_block(Robot::EarlySeparator, k, 0x0303).unwrap()[10],
            0
        );
        let wrong = robot_block(Robot::WrongVersion, k, 0x0303).unwrap();
        assert_eq!(&wrong[k - 48..k - 46], &[2, 2]);
        assert!(
            robot_block(Robot::Valid, 58, 0x0303).is_none(),
            "too small for 8 padding bytes"
        );
    }

    #[test]
    fn raw_rsa_is_m_to_the_e_mod_n() {
        // n = 2^521 - 1 (a Mersenne prime: no real key, but m^e mod n is checkable), e = 3.
        let mut n = vec![0x01];
        n.extend(std::iter::repeat_n(0xff, 65));
        let mut m = vec![0u8; 66];
        m[65] = 2;
        let c = rsa_encrypt(&m, &n, &[3]).unwrap();
        assert_eq!(c.len(), 66);
        assert_eq!(c[65], 8);
        assert!(c[..65].iter().all(|&b| b == 0));
        // A block not below the modulus is refused.
        assert!(rsa_encrypt(&n, &n, &[3]).is_none());
    }
}
