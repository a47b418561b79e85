//! The scan: every protocol version, cipher suite and group a server accepts, measured with
//! hand-built ClientHellos, one TCP connection each, up to the server's first flight.
//!
//! The plan spends few connections (each costs a TCP connect, banner, EHLO and STARTTLS, and
//! real MTAs punish bursts): versions are probed in parallel under a per-host cap; suites are
//! enumerated by elimination (offer all, remove the one chosen, repeat), so a version costs one
//! connection per accepted suite plus one; the server's preference is one more connection;
//! groups are enumerated the same way (TLS 1.3 through HelloRetryRequest with an empty key_share).
//! Whatever could not be measured is reported `unknown` with the reason, never "not offered".

use crate::model::cert::CertBytes;
use crate::model::options::CheckOptions;
use crate::model::scan::GroupsResult;
use crate::model::scan::HelloFeatures;
use crate::model::scan::SSLV2;
use crate::model::scan::SSLV3;
use crate::model::scan::ScanOptions;
use crate::model::scan::ScanStep;
use crate::model::scan::ScannedChain;
use crate::model::scan::ScannedSignature;
use crate::model::scan::SuiteEntry;
use crate::model::scan::TLS10;
use crate::model::scan::TLS11;
use crate::model::scan::TLS12;
use crate::model::scan::TLS13;
use crate::model::scan::TlsScan;
use crate::model::scan::VersionResult;
use crate::model::scan::VersionStatus;
use crate::model::scan::version_key;
use crate::observe::probe::EndpointSpec;
use crate::observe::probe::{Retry, open_for_tls};
use crate::observe::shared::Caps;
use std::collections::BTreeMap;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::Instant;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use wire::tls::client_hello::{ClientHelloSpec, build_client_hello, build_sslv2_client_hello};
use wire::tls::flight::{FlightOutcome, FlightParser, KeyExchange};
use wire::tls::suites::{Kx, suite_info, suites_for_version};

fn entry(id: u16) -> SuiteEntry {
    match suite_info(id) {
        Some(s) => SuiteEntry {
            id: format!("0x{id:04X}"),
            iana: s.iana.to_string(),
            openssl: s.openssl.map(str::to_string),
            kx: kebab(&format!("{:?}", s.kx)),
            auth: kebab(&format!("{:?}", s.auth)),
            enc: s.enc.to_string(),
            mac: s.mac.to_string(),
            bits: s.bits,
            forward_secrecy: s.forward_secret(),
        },
        None => SuiteEntry {
            id: format!("0x{id:04X}"),
            iana: format!("unassigned 0x{id:04X}"),
            openssl: None,
            kx: "unknown".into(),
            auth: "unknown".into(),
            enc: "unknown".into(),
            mac: "unknown".into(),
            bits: 0,
            forward_secrecy: false,
        },
    }
}

fn sslv2_entry(spec: u32) -> SuiteEntry {
    let (name, openssl) =
        wire::tls::suites::sslv2_cipher_name(spec).unwrap_or(("unknown SSLv2 cipher", "?"));
    let export = name.contains("EXPORT");
    SuiteEntry {
        id: format!("0x{spec:06X}"),
        iana: format!("SSL_CK_{name}"),
        openssl: Some(openssl.to_string()),
        kx: if export {
            "rsa-export".into()
        } else {
            "rsa".into()
        },
        auth: "rsa".into(),
        enc: name.split("_WITH_").next().unwrap_or(name).to_string(),
        mac: "MD5".into(),
        bits: if export {
            40
        } else if name.starts_with("DES_64") {
            56
        } else if name.starts_with("DES_192") {
            112
        } else {
            128
        },
        forward_secrecy: false,
    }
}

fn kebab(s: &str) -> String {
    let mut o = String::new();
    for (i, c) in s.chars().enumerate() {
        if c.is_ascii_uppercase() && i > 0 {
            o.push('-');
        }
        o.push(c.to_ascii_lowercase());
    }
    o
}

/// The client random of a ClientHello built by `build_client_hello`: one handshake record
/// (5-byte header), the message header (type 1, 3-byte length), client_version, then the random.
fn client_random(hello: &[u8]) -> Option<&[u8]> {
    (hello.first() == Some(&0x16) && hello.get(5) == Some(&1))
        .then(|| hello.get(11..43))
        .flatten()
}

/// What one connection got back.
#[derive(Debug, Clone)]
enum Answer {
    Flight(FlightOutcome),
    /// The server closed the connection; `received` bytes came first, starting with `first`.
    Closed {
        received: usize,
        first: Option<u8>,
    },
    /// Could not measure: the reason.
    Unknown(String),
}

/// What a ClientHello attempt means for the question asked.
enum Verdict {
    /// A ServerHello or HelloRetryRequest.
    Hello {
        version: u16,
        suite: u16,
        group: Option<u16>,
        certificates: Vec<Vec<u8>>,
        kx: Option<KeyExchange>,
    },
    /// The server said no (an alert, a close, an SSLv2 error).
    No(String),
    /// Nothing can be concluded.
    Unknown(String),
}

fn interpret(a: Answer) -> Verdict {
    match a {
        Answer::Flight(FlightOutcome::Hello {
            hello,
            complete: false,
            alert,
            ..
        }) if hello.selected_version != TLS13 => {
            // A ServerHello, then an abort or silence before ServerHelloDone: the suite it named
            // is not shown to work, and a server that names whatever is offered proves nothing.
            Verdict::Unknown(match alert {
                Some((_, d)) => format!(
                    "the server chose {} and then aborted with the alert {} ({d})",
                    wire::tls::cipher_suite_display(hello.cipher_suite),
                    wire::tls::alert_description_name(d).unwrap_or("unknown")
                ),
                None => format!(
                    "the server chose {} but did not finish its first flight",
                    wire::tls::cipher_suite_display(hello.cipher_suite)
                ),
            })
        }
        Answer::Flight(FlightOutcome::Hello {
            hello,
            certificates,
            key_exchange,
            ..
        }) => Verdict::Hello {
            version: hello.selected_version,
            suite: hello.cipher_suite,
            group: hello.key_share_group.or(match key_exchange {
                Some(KeyExchange::Ecdhe { group }) => Some(group),
                _ => None,
            }),
            certificates,
            kx: key_exchange,
        },
        Answer::Flight(FlightOutcome::HelloRetryRequest { hello }) => Verdict::Hello {
            version: hello.selected_version,
            suite: hello.cipher_suite,
            group: hello.key_share_group,
            certificates: Vec::new(),
            kx: None,
        },
        Answer::Flight(FlightOutcome::Alert { description, .. }) => Verdict::No(format!(
            "alert {} ({description})",
            wire::tls::alert_description_name(description).unwrap_or("unknown")
        )),
        Answer::Flight(FlightOutcome::Sslv2Error { code }) => {
            Verdict::No(format!("SSLv2 error {code}"))
        }
        Answer::Flight(FlightOutcome::Sslv2Hello { .. }) => {
            Verdict::Unknown("an SSLv2 answer to a TLS hello".into())
        }
        Answer::Flight(FlightOutcome::NotTls { excerpt }) => Verdict::Unknown(format!(
            "the server answered with bytes that are not TLS: {excerpt}"
        )),
        Answer::Flight(FlightOutcome::Malformed { reason }) => {
            Verdict::Unknown(format!("malformed answer: {reason}"))
        }
        Answer::Closed { received: 0, .. } => {
            Verdict::No("the server closed the connection".into())
        }
        // The start of an alert record, then the close: a refusal whose alert was cut short.
        Answer::Closed {
            first: Some(0x15), ..
        } => Verdict::No("the server began an alert and closed the connection".into()),
        Answer::Closed { received, .. } => Verdict::Unknown(format!(
            "the server closed the connection after {received} bytes that do not make a whole message"
        )),
        Answer::Unknown(r) => Verdict::Unknown(r),
    }
}

struct Scanner<'a> {
    spec: &'a EndpointSpec,
    opts: &'a CheckOptions,
    scan: &'a ScanOptions,
    caps: Caps,
    connections: AtomicU32,
    /// Connections refused (421, closed before the greeting) and retried.
    refusals: AtomicU32,
    /// After a refusal the scan takes every permit of the cap, one connection at a time, until
    /// a connection gets through again.
    throttled: std::sync::atomic::AtomicBool,
    steps: Mutex<Vec<ScanStep>>,
    /// TLS 1.2 ServerKeyExchange signatures checked, one per suite.
    signatures: Mutex<Vec<ScannedSignature>>,
    /// What the ServerHellos answered to the offered extensions, per version.
    features: Mutex<BTreeMap<String, HelloFeatures>>,
    /// The certificate of an SSLv2 SERVER-HELLO.
    sslv2_certificate: Mutex<Option<Vec<u8>>>,
    start: Instant,
}

/// A hello's random (zeros in the unheard-of case that the generator fails: a scan's hello
/// needs no secrecy).
fn random32() -> [u8; 32] {
    crate::observe::tls_session::random32().unwrap_or_default()
}

impl Scanner<'_> {
    fn step(&self, what: &str, answer: &str) {
        if let Ok(mut s) = self.steps.lock() {
            s.push(ScanStep {
                at_ms: (self.start.elapsed().as_secs_f64() * 1e6).round() / 1e3,
                what: what.to_string(),
                answer: answer.to_string(),
            });
        }
    }

    /// One connection: SMTP up to STARTTLS, the hello, the server's first flight. Retries with a
    /// growing pause after a 421, a refused or dropped connection.
    async fn attempt(&self, what: &str, hello: &[u8], sslv2: bool) -> Answer {
        let mut retry = Retry::with(self.opts, self.scan);
        loop {
            if self.opts.timeouts.expired() {
                return Answer::Unknown(DEADLINE.into());
            }
            // One connection at a time while the server refuses (all the cap's permits).
            let permits = if self.throttled.load(Ordering::Relaxed) {
                self.caps.alone().await
            } else {
                self.caps.one().await
            };
            let Some(permits) = permits else {
                return Answer::Unknown("the scan was stopped".into());
            };
            self.connections.fetch_add(1, Ordering::Relaxed);
            self.opts
                .progress
                .emit(crate::model::progress::Event::ScanConnection {
                    endpoint: self.spec.address,
                });
            let (mut tcp, leftover) = match open_for_tls(self.spec, self.opts).await {
                Ok(x) => x,
                Err(f) => {
                    let last = format!("{} phase: {}", f.phase.as_str(), f.message);
                    let transient = f.transient();
                    if transient {
                        self.refusals.fetch_add(1, Ordering::Relaxed);
                        self.throttled.store(true, Ordering::Relaxed);
                    }
                    self.step(what, &format!("could not start TLS: {last}"));
                    if !transient {
                        return Answer::Unknown(last);
                    }
                    drop(permits);
                    if retry.again().await {
                        continue;
                    }
                    if self.opts.timeouts.expired() {
                        return Answer::Unknown(DEADLINE.into());
                    }
                    return Answer::Unknown(format!(
                        "gave up after {} attempts: {last}",
                        retry.attempts()
                    ));
                }
            };
            self.throttled.store(false, Ordering::Relaxed);
            let answer = match self.exchange(&mut tcp, leftover, hello, sslv2).await {
                Answer::Unknown(_) if self.opts.timeouts.expired() => {
                    Answer::Unknown(DEADLINE.into())
                }
                a => a,
            };
            let text = match &answer {
                Answer::Flight(f) => describe(f),
                Answer::Closed { received, .. } => format!("closed after {received} bytes"),
                Answer::Unknown(r) => r.clone(),
            };
            self.step(what, &text);
            return answer;
        }
    }

    /// Send `hello`, read the first flight, and check its ServerKeyExchange signature, if any.
    async fn exchange(
        &self,
        tcp: &mut tokio::net::TcpStream,
        leftover: Vec<u8>,
        hello: &[u8],
        sslv2: bool,
    ) -> Answer {
        let mut parser = FlightParser::new(sslv2);
        let answer = self.read_flight(tcp, leftover, hello, &mut parser).await;
        if let Answer::Flight(o) = &answer {
            self.check_signature(hello, &parser, o);
            self.note_features(&parser, o);
        }
        answer
    }

    /// What a complete TLS 1.2-or-older flight answered to the offered extensions and
    /// compression methods.
    fn note_features(&self, parser: &FlightParser, outcome: &FlightOutcome) {
        let FlightOutcome::Hello {
            hello,
            complete: true,
            ..
        } = outcome
        else {
            return;
        };
        if !(SSLV3..=TLS12).contains(&hello.selected_version) {
            return;
        }
        let Ok(mut map) = self.features.lock() else {
            return;
        };
        let f = map
            .entry(version_key(hello.selected_version).to_string())
            .or_default();
        f.hellos += 1;
        for &e in &hello.extensions {
            let name = wire::tls::extension_name(e);
            if !f.extensions.contains(&name) {
                f.extensions.push(name);
            }
        }
        if hello.compression_method != 0 {
            f.compressed += 1;
        }
        if hello.session_id_len > 0 {
            f.session_ids += 1;
        }
        if parser.certificate_status() {
            f.certificate_status += 1;
        }
        if suite_info(hello.cipher_suite).is_some_and(|i| i.enc.contains("CBC")) {
            f.cbc_hellos += 1;
            if hello.extensions.contains(&ENCRYPT_THEN_MAC) {
                f.cbc_encrypt_then_mac += 1;
            }
        }
    }

    /// A TLS 1.2 ServerKeyExchange signature in the flight, checked against the leaf of the
    /// chain in the same flight (the first check of each suite is kept).
    fn check_signature(&self, client_hello: &[u8], parser: &FlightParser, outcome: &FlightOutcome) {
        let FlightOutcome::Hello {
            hello,
            certificates,
            ..
        } = outcome
        else {
            return;
        };
        let (Some(signed), Some(leaf), Some(client_random)) = (
            parser.signed_params(),
            certificates.first(),
            client_random(client_hello),
        ) else {
            return;
        };
        let Some(check) =
            crate::observe::tls::check_server_key_exchange(client_random, &signed, leaf)
        else {
            return;
        };
        let suite = wire::tls::cipher_suite_display(hello.cipher_suite);
        if let Ok(mut v) = self.signatures.lock()
            && !v.iter().any(|s| s.suite == suite)
        {
            v.push(ScannedSignature {
                version: version_key(hello.selected_version).to_string(),
                suite,
                check,
            });
        }
    }

    async fn read_flight(
        &self,
        tcp: &mut tokio::net::TcpStream,
        leftover: Vec<u8>,
        hello: &[u8],
        parser: &mut FlightParser,
    ) -> Answer {
        let limit = self.opts.timeouts.handshake();
        if tokio::time::timeout(limit, tcp.write_all(hello))
            .await
            .map(|r| r.is_err())
            .unwrap_or(true)
        {
            return Answer::Unknown("could not send the ClientHello".into());
        }
        let mut received = leftover.len();
        let mut first = leftover.first().copied();
        if !leftover.is_empty()
            && let Some(o) = parser.feed(&leftover)
        {
            return Answer::Flight(o);
        }
        let deadline = tokio::time::Instant::now() + limit;
        let mut buf = vec![0u8; 16 * 1024];
        loop {
            match tokio::time::timeout_at(deadline, tcp.read(&mut buf)).await {
                Err(_) => {
                    return match parser.finish() {
                        Ok(o) => Answer::Flight(o),
                        Err(e) => Answer::Unknown(format!(
                            "no complete answer within {} s: {}",
                            limit.as_secs_f64(),
                            e.reason
                        )),
                    };
                }
                Ok(Ok(0)) | Ok(Err(_)) => {
                    return match parser.finish() {
                        Ok(o) => Answer::Flight(o),
                        Err(_) => Answer::Closed { received, first },
                    };
                }
                Ok(Ok(n)) => {
                    received += n;
                    first = first.or(buf.first().copied());
                    if let Some(o) = parser.feed(buf.get(..n).unwrap_or_default()) {
                        return Answer::Flight(o);
                    }
                }
            }
        }
    }

    fn tls_hello(
        &self,
        max_version: u16,
        suites: &[u16],
        groups: Option<Vec<u16>>,
        key_shares: Option<Vec<u16>>,
    ) -> Vec<u8> {
        let mut spec = ClientHelloSpec::modern(max_version);
        spec.suites = suites.to_vec();
        if let Some(g) = groups {
            spec.groups = g;
        }
        if let Some(k) = key_shares {
            spec.key_shares = k;
        }
        spec.sni = self.spec.sni.clone();
        battery_extensions(&mut spec);
        let mut session_id = [0u8; 32];
        session_id.copy_from_slice(&random32());
        build_client_hello(
            &spec,
            &random32(),
            if max_version == TLS13 {
                &session_id
            } else {
                &[]
            },
        )
    }

    /// Suites of one version by elimination. `first` is an answer already obtained for this
    /// version with every suite offered (it saves a connection).
    async fn suites(&self, v: u16, first: Option<Verdict>, out: &mut Collected) -> VersionResult {
        let mut remaining = suites_for_version(v);
        let offered_order = remaining.clone();
        let mut accepted: Vec<u16> = Vec::new();
        let mut status = VersionStatus::Unknown;
        let mut reason = None;
        let mut complete = false;
        let mut pending = first;
        loop {
            if remaining.is_empty() {
                complete = true;
                break;
            }
            let verdict = match pending.take() {
                Some(v) => v,
                None => {
                    let hello = self.tls_hello(v, &remaining, None, None);
                    interpret(
                        self.attempt(
                            &format!("{} with {} suites", version_key(v), remaining.len()),
                            &hello,
                            false,
                        )
                        .await,
                    )
                }
            };
            match verdict {
                Verdict::Hello { version, .. } if !(SSLV3..=v).contains(&version) => {
                    reason = Some(format!(
                        "the server answered a {} hello with {}, which is not a version it could choose",
                        version_key(v),
                        wire::tls::version_name(version)
                    ));
                    break;
                }
                Verdict::Hello {
                    version,
                    suite,
                    group,
                    certificates,
                    kx,
                } => {
                    if version != v {
                        if accepted.is_empty() {
                            status = VersionStatus::NotOffered;
                            reason = Some(format!(
                                "the server answered with {} instead",
                                wire::tls::version_name(version)
                            ));
                        } else {
                            reason = Some(format!(
                                "the server switched to {} mid-scan",
                                wire::tls::version_name(version)
                            ));
                        }
                        break;
                    }
                    if !remaining.contains(&suite) {
                        reason = Some(format!(
                            "the server chose the suite 0x{suite:04X}, which was not offered"
                        ));
                        break;
                    }
                    status = VersionStatus::Offered;
                    accepted.push(suite);
                    remaining.retain(|s| *s != suite);
                    out.note(v, suite, group, certificates, kx);
                }
                Verdict::No(why) => {
                    if accepted.is_empty() {
                        status = VersionStatus::NotOffered;
                        reason = Some(why);
                    } else {
                        complete = true;
                    }
                    break;
                }
                Verdict::Unknown(why) => {
                    reason = Some(why);
                    break;
                }
            }
        }
        let mut server_order = None;
        // A server that follows the client's order picks, each time, the first of the remaining
        // offered suites it accepts: the picks then come in our offered order. Picks in any other
        // order prove the server's own order, with no connection spent.
        let client_order: Vec<u16> = offered_order
            .iter()
            .copied()
            .filter(|s| accepted.contains(s))
            .collect();
        if accepted.len() >= 2 && complete && client_order != accepted {
            server_order = Some(true);
        } else if accepted.len() >= 2 && complete {
            let reversed: Vec<u16> = accepted.iter().rev().copied().collect();
            let hello = self.tls_hello(v, &reversed, None, None);
            if let Verdict::Hello { version, suite, .. } = interpret(
                self.attempt(&format!("{} preference", version_key(v)), &hello, false)
                    .await,
            ) && version == v
            {
                if Some(&suite) == accepted.first() {
                    server_order = Some(true);
                } else if Some(&suite) == reversed.first() {
                    server_order = Some(false);
                }
            }
        }
        VersionResult {
            status,
            reason,
            suites: accepted.into_iter().map(entry).collect(),
            server_order,
            complete,
        }
    }

    /// TLS 1.3 key-share groups: an empty key_share makes the server name its choice in a
    /// HelloRetryRequest; remove it and repeat.
    async fn groups13(&self, suites: &[u16], known: Vec<u16>) -> GroupsResult {
        self.groups_by_elimination(
            TLS13,
            suites,
            tls13_groups(),
            known,
            "groups",
            |v| match v {
                Verdict::Hello {
                    group,
                    version: TLS13,
                    ..
                } => *group,
                _ => None,
            },
        )
        .await
    }

    /// TLS 1.2 ECDHE curves: offer only ECDHE suites; the ServerKeyExchange names the curve.
    async fn groups12(&self, v: u16, ecdhe_suites: &[u16], known: Vec<u16>) -> GroupsResult {
        self.groups_by_elimination(
            v,
            ecdhe_suites,
            tls12_curves(),
            known,
            "curves",
            |v| match v {
                Verdict::Hello {
                    kx: Some(KeyExchange::Ecdhe { group }),
                    ..
                } => Some(*group),
                _ => None,
            },
        )
        .await
    }

    /// Offer `all` but `known`, learn the group the server picks (`picked`), remove it, repeat
    /// until the server refuses: then every accepted group is known.
    async fn groups_by_elimination(
        &self,
        v: u16,
        suites: &[u16],
        all: Vec<u16>,
        known: Vec<u16>,
        what: &str,
        picked: impl Fn(&Verdict) -> Option<u16>,
    ) -> GroupsResult {
        let mut remaining: Vec<u16> = all.into_iter().filter(|g| !known.contains(g)).collect();
        let mut found = known;
        let mut complete = false;
        let mut reason = None;
        // TLS 1.3: an empty key_share list, so that the answer is a HelloRetryRequest.
        let key_shares = (v == TLS13).then(Vec::new);
        while !remaining.is_empty() {
            let hello = self.tls_hello(v, suites, Some(remaining.clone()), key_shares.clone());
            let label = format!("{} {what} ({} offered)", version_key(v), remaining.len());
            let verdict = interpret(self.attempt(&label, &hello, false).await);
            match (&verdict, picked(&verdict)) {
                (_, Some(g)) if remaining.contains(&g) => {
                    found.push(g);
                    remaining.retain(|x| *x != g);
                }
                (Verdict::Hello { .. }, _) => {
                    reason = Some(format!(
                        "the server answered without naming one of the {what} it was offered"
                    ));
                    break;
                }
                (Verdict::No(_), _) => {
                    complete = true;
                    break;
                }
                (Verdict::Unknown(why), _) => {
                    reason = Some(why.clone());
                    break;
                }
            }
        }
        if remaining.is_empty() {
            complete = true;
        }
        GroupsResult {
            groups: found.into_iter().map(wire::tls::group_name).collect(),
            complete,
            reason,
        }
    }

    async fn sslv2(&self) -> VersionResult {
        let specs: Vec<u32> = vec![
            0x010080, 0x020080, 0x030080, 0x040080, 0x050080, 0x060040, 0x0700C0,
        ];
        let mut challenge = [0u8; 16];
        challenge.copy_from_slice(&random32()[..16]);
        let hello = build_sslv2_client_hello(&specs, &challenge);
        match self.attempt("SSLv2", &hello, true).await {
            Answer::Flight(FlightOutcome::Sslv2Hello {
                cipher_specs,
                certificate,
                ..
            }) => {
                if !certificate.is_empty()
                    && let Ok(mut c) = self.sslv2_certificate.lock()
                {
                    *c = Some(certificate);
                }
                let offered: Vec<u32> = cipher_specs
                    .into_iter()
                    .filter(|s| specs.contains(s))
                    .collect();
                VersionResult {
                    status: VersionStatus::Offered,
                    reason: if offered.is_empty() {
                        Some("SSLv2 spoken, with no cipher in common".into())
                    } else {
                        None
                    },
                    suites: offered.into_iter().map(sslv2_entry).collect(),
                    server_order: None,
                    complete: true,
                }
            }
            other => match interpret(other) {
                Verdict::No(why) => not_offered(why),
                Verdict::Hello { version, .. } => not_offered(format!(
                    "the server answered with {}",
                    wire::tls::version_name(version)
                )),
                Verdict::Unknown(why) if why.contains("not TLS") || why.contains("malformed") => {
                    // A TLS-only server often answers an SSLv2 hello with junk or an alert record.
                    not_offered(why)
                }
                Verdict::Unknown(why) => unknown(why),
            },
        }
    }
}

/// A TLS 1.2-or-older hello like the scan's: `max_version`, `suites`, SNI, the battery's
/// extensions and compression methods.
pub(crate) fn legacy_hello(sni: Option<String>, max_version: u16, suites: Vec<u16>) -> Vec<u8> {
    let mut spec = ClientHelloSpec::modern(max_version);
    spec.suites = suites;
    spec.sni = sni;
    battery_extensions(&mut spec);
    build_client_hello(&spec, &random32(), &[])
}

/// encrypt_then_mac (RFC 7366).
const ENCRYPT_THEN_MAC: u16 = 22;

/// The extensions and compression methods of the battery, offered harmlessly in every TLS 1.2
/// or older hello of the scan (a server's choice of suite does not depend on them): the
/// ServerHellos' answers are the observations of secure renegotiation (RFC 5746), extended
/// master secret (RFC 7627), encrypt-then-MAC (RFC 7366), session tickets (RFC 5077), OCSP
/// stapling (RFC 6066), heartbeat (RFC 6520) and compression (CRIME). A TLS 1.3 hello keeps
/// the null compression method alone (RFC 8446 section 4.1.2).
fn battery_extensions(spec: &mut ClientHelloSpec) {
    let tls13 = spec.max_version >= TLS13;
    if !tls13 {
        spec.compression = vec![1, 0];
    }
    if spec.no_extensions {
        // SSLv3: the renegotiation SCSV stands for renegotiation_info.
        return;
    }
    spec.renegotiation_info = true;
    spec.extended_master_secret = true;
    spec.session_ticket = true;
    spec.status_request = !tls13;
    spec.encrypt_then_mac = !tls13;
    spec.heartbeat = !tls13;
}

fn not_offered(why: String) -> VersionResult {
    VersionResult {
        status: VersionStatus::NotOffered,
        reason: Some(why),
        suites: Vec::new(),
        server_order: None,
        complete: true,
    }
}

fn unknown(why: String) -> VersionResult {
    VersionResult {
        status: VersionStatus::Unknown,
        reason: Some(why),
        suites: Vec::new(),
        server_order: None,
        complete: false,
    }
}

/// What the scan learnt on the side of the suite enumeration.
#[derive(Default)]
struct Collected {
    chains: Vec<ScannedChain>,
    dhe: Option<(u32, u16, Option<&'static str>)>,
    groups13: Vec<u16>,
    groups12: Vec<u16>,
}

impl Collected {
    fn note(
        &mut self,
        v: u16,
        suite: u16,
        group: Option<u16>,
        certificates: Vec<Vec<u8>>,
        kx: Option<KeyExchange>,
    ) {
        if let Some(KeyExchange::Dhe {
            prime_bits,
            known_group,
            ..
        }) = &kx
            && self.dhe.is_none_or(|(b, _, _)| *prime_bits < b)
        {
            self.dhe = Some((*prime_bits, suite, *known_group));
        }
        if let Some(g) = group {
            let list = if v == TLS13 {
                &mut self.groups13
            } else {
                &mut self.groups12
            };
            let is_ecdhe = v == TLS13 || suite_info(suite).is_some_and(|s| s.kx == Kx::Ecdhe);
            if is_ecdhe && !list.contains(&g) {
                list.push(g);
            }
        }
        if let Some(leaf) = certificates.first()
            && !self
                .chains
                .iter()
                .any(|c| c.chain.first().is_some_and(|l| &l.0 == leaf))
        {
            self.chains.push(ScannedChain {
                version: version_key(v).to_string(),
                suite: wire::tls::cipher_suite_display(suite),
                chain: certificates.into_iter().map(CertBytes).collect(),
            });
        }
    }
}

/// Groups worth asking a TLS 1.3 server about (IANA Supported Groups).
fn tls13_groups() -> Vec<u16> {
    vec![
        0x001D, 0x0017, 0x0018, 0x0019, 0x001E, 0x11EC, 0x11EB, 0x11ED, 0x0100, 0x0101, 0x0102,
        0x0103, 0x0104,
    ]
}

/// Curves for TLS 1.2 ECDHE (RFC 8422 and the deprecated RFC 4492 ones), without FFDHE.
fn tls12_curves() -> Vec<u16> {
    wire::tls::client_hello::all_groups()
        .into_iter()
        .filter(|g| !(0x0100..=0x01FF).contains(g) && *g < 0x1100)
        .collect()
}

fn describe(f: &FlightOutcome) -> String {
    match f {
        FlightOutcome::Hello {
            hello,
            key_exchange,
            certificates,
            ..
        } => format!(
            "ServerHello {} {}{}{}",
            wire::tls::version_name(hello.selected_version),
            wire::tls::cipher_suite_display(hello.cipher_suite),
            hello
                .key_share_group
                .map(|g| format!(" group {}", wire::tls::group_name(g)))
                .unwrap_or_default(),
            match key_exchange {
                Some(KeyExchange::Ecdhe { group }) =>
                    format!(", ECDHE {}", wire::tls::group_name(*group)),
                Some(KeyExchange::Dhe { prime_bits, .. }) => format!(", DHE {prime_bits} bits"),
                _ if !certificates.is_empty() => format!(", {} certificates", certificates.len()),
                _ => String::new(),
            }
        ),
        FlightOutcome::HelloRetryRequest { hello } => format!(
            "HelloRetryRequest {} group {}",
            wire::tls::cipher_suite_display(hello.cipher_suite),
            hello
                .key_share_group
                .map(wire::tls::group_name)
                .unwrap_or_else(|| "?".into())
        ),
        FlightOutcome::Sslv2Hello { cipher_specs, .. } => {
            format!("SSLv2 SERVER-HELLO with {} ciphers", cipher_specs.len())
        }
        FlightOutcome::Alert { level, description } => format!(
            "alert {} {} ({description})",
            if *level == 2 { "fatal" } else { "warning" },
            wire::tls::alert_description_name(*description).unwrap_or("unknown")
        ),
        FlightOutcome::Sslv2Error { code } => format!("SSLv2 ERROR {code}"),
        FlightOutcome::NotTls { excerpt } => format!("not TLS: {excerpt}"),
        FlightOutcome::Malformed { reason } => format!("malformed: {reason}"),
    }
}

/// Scan one endpoint.
pub async fn scan(spec: &EndpointSpec, opts: &CheckOptions, scan_opts: &ScanOptions) -> TlsScan {
    scan_with(
        spec,
        opts,
        scan_opts,
        Caps::single(scan_opts.max_connections),
    )
    .await
}

/// Why a measurement is unknown when the whole check's time ran out.
const DEADLINE: &str = "deadline: the whole check's time limit ran out before this was measured";

/// Scan under connection caps shared with other connections to the same server address (and,
/// in a bulk run, with every connection of the run): after a refusal the scan takes all of the
/// server's permits at once.
pub async fn scan_with(
    spec: &EndpointSpec,
    opts: &CheckOptions,
    scan_opts: &ScanOptions,
    caps: Caps,
) -> TlsScan {
    let s = Scanner {
        spec,
        opts,
        scan: scan_opts,
        caps,
        connections: AtomicU32::new(0),
        refusals: AtomicU32::new(0),
        throttled: std::sync::atomic::AtomicBool::new(false),
        steps: Mutex::new(Vec::new()),
        signatures: Mutex::new(Vec::new()),
        features: Mutex::new(BTreeMap::new()),
        sslv2_certificate: Mutex::new(None),
        start: Instant::now(),
    };
    let sslv2 = s.sslv2();
    let legacy = async {
        // One hello offering up to TLS 1.1 answers for SSLv3, 1.0 and 1.1 at once when the server
        // refuses them all (the common case); otherwise each offered version is enumerated.
        let mut c = Collected::default();
        let hello = s.tls_hello(TLS11, &suites_for_version(TLS11), None, None);
        let first = interpret(s.attempt("TLSv1.1 and below", &hello, false).await);
        let mut results = BTreeMap::new();
        match first {
            Verdict::No(why) => {
                for v in [SSLV3, TLS10, TLS11] {
                    results.insert(
                        v,
                        not_offered(format!("{why} to a hello offering up to TLS 1.1")),
                    );
                }
            }
            Verdict::Unknown(why) => {
                for v in [SSLV3, TLS10, TLS11] {
                    results.insert(v, unknown(why.clone()));
                }
            }
            Verdict::Hello { version, .. } if !(SSLV3..=TLS11).contains(&version) => {
                let why = format!(
                    "the server answered a TLS 1.1 hello with {}",
                    wire::tls::version_name(version)
                );
                for v in [SSLV3, TLS10, TLS11] {
                    results.insert(v, unknown(why.clone()));
                }
            }
            hello @ Verdict::Hello { version, .. } => {
                // The highest version at or below 1.1 is `version`: those above it are not offered.
                for v in [SSLV3, TLS10, TLS11].into_iter().filter(|v| *v > version) {
                    results.insert(
                        v,
                        not_offered(format!(
                            "the server answered a TLS 1.1 hello with {}",
                            wire::tls::version_name(version)
                        )),
                    );
                }
                results.insert(version, s.suites(version, Some(hello), &mut c).await);
                for v in [SSLV3, TLS10].into_iter().filter(|v| *v < version) {
                    let r = s.suites(v, None, &mut c).await;
                    results.insert(v, r);
                }
            }
        }
        (results, c)
    };
    let tls12 = async {
        let mut c = Collected::default();
        let r = s.suites(TLS12, None, &mut c).await;
        let ecdhe: Vec<u16> = r
            .suites
            .iter()
            .filter_map(|e| u16::from_str_radix(e.id.trim_start_matches("0x"), 16).ok())
            .filter(|id| suite_info(*id).is_some_and(|i| i.kx == Kx::Ecdhe))
            .collect();
        let groups = if ecdhe.is_empty() {
            None
        } else {
            Some(s.groups12(TLS12, &ecdhe, c.groups12.clone()).await)
        };
        (r, groups, c)
    };
    let tls13 = async {
        let mut c = Collected::default();
        let r = s.suites(TLS13, None, &mut c).await;
        let ids: Vec<u16> = r
            .suites
            .iter()
            .filter_map(|e| u16::from_str_radix(e.id.trim_start_matches("0x"), 16).ok())
            .collect();
        let groups = if ids.is_empty() {
            None
        } else {
            Some(s.groups13(&ids, c.groups13.clone()).await)
        };
        (r, groups, c)
    };
    let (v2, (legacy, c_legacy), (r12, g12, c12), (r13, g13, c13)) =
        tokio::join!(sslv2, legacy, tls12, tls13);

    let mut out = TlsScan::default();
    out.versions.insert(version_key(SSLV2).into(), v2);
    for (v, r) in legacy {
        out.versions.insert(version_key(v).into(), r);
    }
    out.versions.insert(version_key(TLS12).into(), r12);
    out.versions.insert(version_key(TLS13).into(), r13);
    out.groups_tls12 = g12;
    out.groups_tls13 = g13;
    for c in [c12, c_legacy, c13] {
        if let Some((b, suite, known)) = c.dhe
            && out.dhe_bits.is_none_or(|x| b < x)
        {
            out.dhe_bits = Some(b);
            out.dhe_suite = Some(wire::tls::cipher_suite_display(suite));
            out.dhe_group = known.map(str::to_string);
        }
        for ch in c.chains {
            if !out
                .scanned_chains
                .iter()
                .any(|x| x.chain.first() == ch.chain.first())
            {
                out.scanned_chains.push(ch);
            }
        }
    }
    out.scan_connections = s.connections.load(Ordering::Relaxed);
    out.refusals = s.refusals.load(Ordering::Relaxed);
    out.scan_steps = s.steps.into_inner().unwrap_or_default();
    out.scanned_signatures = s.signatures.into_inner().unwrap_or_default();
    out.hello_features = s.features.into_inner().unwrap_or_default();
    out.sslv2_certificate = s
        .sslv2_certificate
        .into_inner()
        .ok()
        .flatten()
        .map(CertBytes);
    out
}
