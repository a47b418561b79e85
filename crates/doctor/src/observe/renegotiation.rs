//! Client-initiated renegotiation, measured: one connection that completes a TLS 1.0–1.2
//! handshake by hand (rustls never renegotiates), checks the server's Finished, then sends a
//! new ClientHello inside the session, as `openssl s_client`'s `R` command does. A server
//! that answers with a ServerHello accepts client-initiated renegotiation (each one costs it a
//! private-key operation the client can make it repeat: THC-SSL-DOS, 2011); a no_renegotiation
//! alert, another alert, a close or silence is a refusal.
//!
//! The new hello carries renegotiation_info with the client's verify_data when the server
//! speaks RFC 5746, and nothing when it does not (the CVE-2009-3555 case, reported as such).
//! An SMTP NOOP follows the hello in the same write, so a server that ignores the hello
//! without a word (rustls queues its no_renegotiation alert until it next writes) answers the
//! NOOP instead: no wait for a timeout. Records are processed in order, so a server that
//! renegotiates sends its ServerHello before any reply to the NOOP. Application data before
//! the answer (an implicit-TLS banner) is read past.
//!
//! Sources: RFC 5246 section 7.4.1.2 and appendix F.1.4; RFC 5746 sections 3.4 and 3.5;
//! OpenSSL 3.0's CHANGES (client-initiated renegotiation off by default,
//! SSL_OP_ALLOW_CLIENT_RENEGOTIATION); testssl.sh and sslyze test the same way (a
//! renegotiating client after a full handshake).

use crate::model::options::CheckOptions;
use crate::model::scan::{ProbeAnswer, ProbeResult};
use crate::observe::probe::EndpointSpec;
use crate::observe::tls_session::{self as ts, KeyExchange, Keys, Suite};
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio::time::Instant;
use wire::tls::messages::{Assembler, Message, ecdh_params, hello_secrets, message, record};
use wire::tls::{ClientHelloSpec, client_hello_message, content_type as ct, handshake_type as ht};

/// The longest wait for the answer to the renegotiation hello.
const REPLY_WAIT: Duration = Duration::from_secs(5);
/// The largest DH prime the probe computes with (bits): more is not a mail server.
const MAX_DH_BITS: u64 = 8192;
/// Application-data records read past while waiting for the answer.
const MAX_APP_RECORDS: usize = 16;
/// Bytes buffered from the server at most (one record and a header).
const MAX_BUFFER: usize = wire::tls::MAX_RECORD_PAYLOAD + 2 * wire::tls::RECORD_HEADER_LEN;
/// The most handshake bytes a first handshake may take (as the scan's flight parser).
const MAX_TRANSCRIPT: usize = wire::tls::flight::MAX_FLIGHT;
/// Bytes of application data looked at for the NOOP's reply.
const MAX_TEXT: usize = 4096;
/// Groups offered for ECDHE: those ring computes (x25519, secp256r1, secp384r1).
const GROUPS: [u16; 3] = [29, 23, 24];

/// Suites of `ids` the probe can complete in `version`, AEAD ones first (a server that
/// follows the client's order then picks what a current client would).
pub fn usable(ids: &[u16], version: u16) -> Vec<u16> {
    let mut out: Vec<u16> = ids
        .iter()
        .copied()
        .filter(|id| ts::suite(*id, version).is_some())
        .collect();
    out.sort_by_key(|id| {
        ts::suite(*id, version).is_some_and(|s| matches!(s.bulk, ts::Bulk::AesCbc { .. }))
    });
    out
}

/// The whole probe on a connection ready for TLS (after STARTTLS, or at once for implicit
/// TLS): `version` (TLS 1.0 to 1.2) with `suites` (those the server accepted in the scan).
pub async fn probe(
    tcp: TcpStream,
    leftover: Vec<u8>,
    spec: &EndpointSpec,
    opts: &CheckOptions,
    version: u16,
    suites: &[u16],
) -> ProbeResult {
    let result = |answer, detail: String| ProbeResult::new(version, answer, detail);
    let mut io = Io {
        tcp,
        buf: leftover,
        deadline: Instant::now() + opts.timeouts.handshake(),
    };
    let session = match handshake(&mut io, spec, version, suites).await {
        Ok(s) => s,
        Err(e) => {
            return result(
                ProbeAnswer::Unknown,
                format!(
                    "the {} handshake to renegotiate in did not complete: {e}",
                    wire::tls::version_name(version)
                ),
            );
        }
    };
    let (answer, what) = renegotiate(&mut io, opts, session.0, &session.1).await;
    let s = &session.1;
    let first = format!(
        "a handshake ({}, the server's Finished verified), then a new ClientHello inside it{}: ",
        suite_name(s.suite.id),
        if s.secure {
            " with the RFC 5746 verify_data"
        } else {
            " (the server does not speak RFC 5746, so none)"
        }
    );
    let tail = match answer {
        ProbeAnswer::Accepted if !s.secure => {
            "; without RFC 5746 this is insecure renegotiation (CVE-2009-3555)"
        }
        _ => "",
    };
    result(answer, format!("{first}{what}{tail}"))
}

/// What the first handshake established.
struct Established {
    suite: Suite,
    secure: bool,
    /// The client's Finished verify_data (the next hello's renegotiation_info).
    client_verify: Vec<u8>,
    hello: ClientHelloSpec,
}

fn suite_name(id: u16) -> String {
    wire::tls::suite_info(id)
        .map(|s| s.openssl.unwrap_or(s.iana).to_string())
        .unwrap_or_else(|| format!("{id:#06x}"))
}

/// The first complete SMTP reply line in `text` that is not a greeting (an implicit-TLS
/// banner, 220), escaped and cut short: the answer to the NOOP.
fn noop_reply(text: &[u8]) -> Option<String> {
    let mut lines = text.split(|b| *b == b'\n');
    // The last piece has no line end yet.
    let complete = text.iter().filter(|b| **b == b'\n').count();
    lines
        .by_ref()
        .take(complete)
        .find(|l| {
            l.len() >= 3 && l.iter().take(3).all(u8::is_ascii_digit) && !l.starts_with(b"220")
        })
        .map(|l| {
            let l = l.strip_suffix(b"\r").unwrap_or(l);
            wire::text::escape_excerpt(l, 60)
        })
}

/// The server's bytes, as records.
struct Io {
    tcp: TcpStream,
    buf: Vec<u8>,
    deadline: Instant,
}

enum Next {
    Record(u8, u16, Vec<u8>),
    /// Bytes that are not TLS (an SMTP reply written in plaintext after the server dropped
    /// the session): the escaped excerpt.
    Plain(String),
    Closed,
    Silent,
}

impl Io {
    async fn send(&mut self, bytes: &[u8]) -> Result<(), String> {
        match tokio::time::timeout_at(self.deadline, self.tcp.write_all(bytes)).await {
            Ok(Ok(())) => Ok(()),
            Ok(Err(e)) => Err(format!("sending failed ({e})")),
            Err(_) => Err("sending timed out".into()),
        }
    }

    async fn next(&mut self) -> Result<Next, String> {
        loop {
            let (records, _, err) = wire::tls::split_records(&self.buf);
            if let Some(r) = records.first() {
                let out = Next::Record(r.content_type, r.version, r.payload.to_vec());
                let used = r.wire_len();
                self.buf.drain(..used.min(self.buf.len()));
                return Ok(out);
            }
            match err {
                Some(wire::tls::RecordError::NotTls { excerpt }) => {
                    return Ok(Next::Plain(excerpt));
                }
                Some(e) => return Err(format!("the server's answer: {e}")),
                None => {}
            }
            if self.buf.len() >= MAX_BUFFER {
                return Err("the server sent an oversized record".into());
            }
            let mut chunk = vec![0u8; 16 * 1024];
            match tokio::time::timeout_at(self.deadline, self.tcp.read(&mut chunk)).await {
                Err(_) => return Ok(Next::Silent),
                Ok(Ok(0)) | Ok(Err(_)) => return Ok(Next::Closed),
                Ok(Ok(n)) => self
                    .buf
                    .extend_from_slice(chunk.get(..n).unwrap_or_default()),
            }
        }
    }
}

fn alert_words(payload: &[u8]) -> String {
    match payload {
        [level, d, ..] => format!(
            "the {} alert {}",
            wire::tls::alert_level_name(*level).unwrap_or("fatal"),
            wire::tls::alert_label(*d)
        ),
        _ => "a truncated alert".into(),
    }
}

/// The full handshake: ClientHello, the server's flight to ServerHelloDone, the client's
/// flight (an empty Certificate if asked, ClientKeyExchange, ChangeCipherSpec, Finished) and
/// the server's ChangeCipherSpec and Finished, which is verified.
async fn handshake(
    io: &mut Io,
    spec: &EndpointSpec,
    version: u16,
    ids: &[u16],
) -> Result<(Keys, Established), String> {
    let offered = usable(ids, version);
    if offered.is_empty() {
        return Err("no suite this probe implements".into());
    }
    let mut hello = ClientHelloSpec::modern(version);
    hello.suites = offered.clone();
    hello.sni = spec.sni.clone();
    hello.groups = GROUPS.to_vec();
    hello.extended_master_secret = false;
    hello.session_ticket = false;
    hello.renegotiation_info = true;
    let client_random = ts::random32()?;
    let ch = client_hello_message(&hello, &client_random, &[]);
    let mut transcript = ch.clone();
    io.send(&record(ct::HANDSHAKE, 0x0301, &ch)).await?;

    let mut asm = Assembler::new();
    let mut server = None;
    let mut leaf: Option<Vec<u8>> = None;
    let mut ske: Option<Vec<u8>> = None;
    let mut cert_request = false;
    'flight: loop {
        match io.next().await? {
            Next::Record(ct::HANDSHAKE, _, payload) => {
                for m in asm.feed(&payload)? {
                    transcript.extend_from_slice(&m.raw);
                    if transcript.len() > MAX_TRANSCRIPT {
                        return Err("the server's first flight is longer than 1 MiB".into());
                    }
                    match m.typ {
                        ht::SERVER_HELLO => server = hello_secrets(m.body()),
                        ht::CERTIFICATE => {
                            leaf = wire::tls::parse_certificates(m.body(), false)
                                .ok()
                                .and_then(|c| c.first().map(|d| d.to_vec()));
                        }
                        ht::SERVER_KEY_EXCHANGE => ske = Some(m.body().to_vec()),
                        ht::CERTIFICATE_REQUEST => cert_request = true,
                        ht::SERVER_HELLO_DONE => break 'flight,
                        _ => {}
                    }
                }
            }
            Next::Record(ct::ALERT, _, p) if p.first() == Some(&1) && p.get(1) != Some(&0) => {}
            Next::Record(ct::ALERT, _, p) => {
                return Err(format!(
                    "the server answered the hello with {}",
                    alert_words(&p)
                ));
            }
            Next::Record(t, _, _) => {
                return Err(format!(
                    "a {} record in the server's first flight",
                    wire::tls::content_type_name(t)
                ));
            }
            Next::Plain(text) => {
                return Err(format!(
                    "the server answered the hello in plaintext: \"{text}\""
                ));
            }
            Next::Closed => return Err("the server closed the connection after the hello".into()),
            Next::Silent => return Err("the server did not finish its first flight in time".into()),
        }
    }
    let server = server.ok_or("no readable ServerHello")?;
    if server.version != version {
        return Err(format!(
            "the server answered with {}",
            wire::tls::version_name(server.version)
        ));
    }
    if !offered.contains(&server.cipher_suite) || server.compression != 0 {
        return Err("the server chose a suite or compression that was not offered".into());
    }
    let suite = ts::suite(server.cipher_suite, version).ok_or("the server's suite is unusable")?;

    let (premaster, cke) = key_exchange(&suite, version, ske.as_deref(), leaf.as_deref())?;
    let mut client_flight = Vec::new();
    if cert_request {
        // An empty certificate_list (RFC 5246 section 7.4.6).
        client_flight.extend_from_slice(&message(ht::CERTIFICATE, &[0, 0, 0]));
    }
    client_flight.extend_from_slice(&message(ht::CLIENT_KEY_EXCHANGE, &cke));
    transcript.extend_from_slice(&client_flight);
    let master = ts::master_secret(
        version,
        suite.sha384,
        &premaster,
        &client_random,
        &server.random,
    );
    let mut keys = ts::keys(version, &suite, &master, &client_random, &server.random);
    let client_verify = ts::verify_data(
        version,
        suite.sha384,
        &master,
        b"client finished",
        &transcript,
    );
    let finished = message(ht::FINISHED, &client_verify);
    let mut out = record(ct::HANDSHAKE, version, &client_flight);
    out.extend_from_slice(&wire::tls::probe::change_cipher_spec(version));
    out.extend_from_slice(&keys.client.seal(ct::HANDSHAKE, &finished)?);
    transcript.extend_from_slice(&finished);
    io.send(&out).await?;

    // The server's ChangeCipherSpec (a NewSessionTicket may come first), then its Finished.
    let mut changed = false;
    let mut asm = Assembler::new();
    loop {
        match io.next().await? {
            Next::Record(ct::CHANGE_CIPHER_SPEC, _, _) if !changed => changed = true,
            Next::Record(ct::HANDSHAKE, v, payload) => {
                let plain = if changed {
                    keys.server
                        .open(ct::HANDSHAKE, v, &payload)
                        .map_err(|e| format!("the server's Finished record: {e}"))?
                } else {
                    payload
                };
                for m in asm.feed(&plain)? {
                    if m.typ == ht::FINISHED && changed {
                        let expected = ts::verify_data(
                            version,
                            suite.sha384,
                            &master,
                            b"server finished",
                            &transcript,
                        );
                        if m.body() != expected.as_slice() {
                            return Err("the server's Finished does not verify".into());
                        }
                        return Ok((
                            keys,
                            Established {
                                suite,
                                secure: server.renegotiation_info.is_some(),
                                client_verify,
                                hello,
                            },
                        ));
                    }
                    transcript.extend_from_slice(&m.raw);
                    if transcript.len() > MAX_TRANSCRIPT {
                        return Err("the server's messages before its Finished pass 1 MiB".into());
                    }
                }
            }
            Next::Record(ct::ALERT, v, p) => {
                let p = if changed {
                    keys.server.open(ct::ALERT, v, &p).unwrap_or(p)
                } else {
                    p
                };
                return Err(format!(
                    "the server answered the key exchange with {}{}",
                    alert_words(&p),
                    if cert_request {
                        " (it asked for a client certificate; none was sent)"
                    } else {
                        ""
                    }
                ));
            }
            Next::Record(t, _, _) => {
                return Err(format!(
                    "a {} record instead of the server's Finished",
                    wire::tls::content_type_name(t)
                ));
            }
            Next::Plain(text) => {
                return Err(format!(
                    "the server answered the key exchange in plaintext: \"{text}\""
                ));
            }
            Next::Closed => {
                return Err("the server closed the connection after the key exchange".into());
            }
            Next::Silent => return Err("no Finished from the server in time".into()),
        }
    }
}

/// The premaster secret and the ClientKeyExchange body.
fn key_exchange(
    suite: &Suite,
    version: u16,
    ske: Option<&[u8]>,
    leaf: Option<&[u8]>,
) -> Result<(Vec<u8>, Vec<u8>), String> {
    use ring::agreement;
    match suite.kx {
        KeyExchange::Ecdhe => {
            let (group, point) = ske
                .and_then(ecdh_params)
                .ok_or("no named-curve ServerKeyExchange")?;
            let alg = match group {
                29 => &agreement::X25519,
                23 => &agreement::ECDH_P256,
                24 => &agreement::ECDH_P384,
                g => {
                    return Err(format!(
                        "the server chose the group {}, which was not offered",
                        wire::tls::group_name(g)
                    ));
                }
            };
            let rng = ring::rand::SystemRandom::new();
            let private = agreement::EphemeralPrivateKey::generate(alg, &rng)
                .map_err(|_| "no ECDH key".to_string())?;
            let public = private
                .compute_public_key()
                .map_err(|_| "no ECDH key".to_string())?;
            let premaster = agreement::agree_ephemeral(
                private,
                &agreement::UnparsedPublicKey::new(alg, point),
                |k| k.to_vec(),
            )
            .map_err(|_| "the server's ECDH point is invalid".to_string())?;
            let mut cke = vec![u8::try_from(public.as_ref().len()).unwrap_or(0)];
            cke.extend_from_slice(public.as_ref());
            Ok((premaster, cke))
        }
        KeyExchange::Dhe => {
            use num_bigint::BigUint;
            let body = ske.ok_or("no ServerKeyExchange for DHE")?;
            let params = wire::tls::parse_server_dh_params(&mut wire::tls::Reader::new(body))
                .map_err(|e| format!("the DH parameters do not parse ({e:?})"))?;
            let p = BigUint::from_bytes_be(params.p);
            let g = BigUint::from_bytes_be(params.g);
            let ys = BigUint::from_bytes_be(params.ys);
            if p.bits() > MAX_DH_BITS || p.bits() < 256 {
                return Err(format!("a DH prime of {} bits", p.bits()));
            }
            let x = BigUint::from_bytes_be(&ts::random32()?);
            let yc = g.modpow(&x, &p).to_bytes_be();
            let z = ys.modpow(&x, &p).to_bytes_be();
            let mut cke = u16::try_from(yc.len()).unwrap_or(0).to_be_bytes().to_vec();
            cke.extend_from_slice(&yc);
            Ok((z, cke))
        }
        KeyExchange::Rsa => {
            let (n, e) = leaf
                .and_then(ts::rsa_key)
                .ok_or("the server's certificate has no RSA key")?;
            let (block, premaster) = ts::premaster_block(n.len(), version)?;
            let c = ts::rsa_encrypt(&block, &n, &e).ok_or("the RSA key is unusable")?;
            let cke = ts::rsa_key_exchange(version, &c);
            Ok((premaster, cke))
        }
    }
}

/// Sends the renegotiation hello and reads the answer: what happened, in words.
async fn renegotiate(
    io: &mut Io,
    opts: &CheckOptions,
    mut keys: Keys,
    s: &Established,
) -> (ProbeAnswer, String) {
    let mut hello = s.hello.clone();
    hello.renegotiation_info = s.secure;
    hello.renegotiated_connection = s.client_verify.clone();
    let random = match ts::random32() {
        Ok(r) => r,
        Err(e) => return (ProbeAnswer::Unknown, e),
    };
    let ch = client_hello_message(&hello, &random, &[]);
    let sealed = match keys.client.seal(ct::HANDSHAKE, &ch) {
        Ok(r) => r,
        Err(e) => return (ProbeAnswer::Unknown, e),
    };
    let noop = match keys.client.seal(ct::APPLICATION_DATA, b"NOOP\r\n") {
        Ok(r) => r,
        Err(e) => return (ProbeAnswer::Unknown, e),
    };
    let mut both = sealed;
    both.extend_from_slice(&noop);
    io.deadline = Instant::now() + opts.timeouts.within(REPLY_WAIT);
    if io.send(&both).await.is_err() {
        return (
            ProbeAnswer::Refused,
            "the server closed the connection before it could be sent".into(),
        );
    }
    let mut asm = Assembler::new();
    let mut app = 0usize;
    let mut text: Vec<u8> = Vec::new();
    let before = |app: usize| {
        if app > 0 {
            format!(" (after {app} application-data record(s), read past)")
        } else {
            String::new()
        }
    };
    loop {
        let next = match io.next().await {
            Ok(n) => n,
            Err(e) => return (ProbeAnswer::Unknown, format!("the answer: {e}")),
        };
        match next {
            Next::Record(t @ (ct::HANDSHAKE | ct::ALERT | ct::APPLICATION_DATA), v, payload) => {
                let plain = match keys.server.open(t, v, &payload) {
                    Ok(p) => p,
                    Err(e) => {
                        return (
                            ProbeAnswer::Unknown,
                            format!("the answer's record did not decrypt ({e})"),
                        );
                    }
                };
                match t {
                    ct::APPLICATION_DATA => {
                        app += 1;
                        text.extend(plain.iter().take(MAX_TEXT.saturating_sub(text.len())));
                        if let Some(reply) = noop_reply(&text) {
                            return (
                                ProbeAnswer::Refused,
                                format!(
                                    "no ServerHello: the server went on to answer the NOOP sent after the hello ({reply}), ignoring the hello"
                                ),
                            );
                        }
                        if app > MAX_APP_RECORDS {
                            return (
                                ProbeAnswer::Unknown,
                                "the server kept sending application data".into(),
                            );
                        }
                    }
                    ct::ALERT => {
                        let words = alert_words(&plain);
                        return (
                            ProbeAnswer::Refused,
                            format!("the server declined with {words}{}", before(app)),
                        );
                    }
                    _ => {
                        let msgs: Vec<Message> = match asm.feed(&plain) {
                            Ok(m) => m,
                            Err(e) => return (ProbeAnswer::Unknown, e),
                        };
                        match msgs.iter().find(|m| m.typ != ht::HELLO_REQUEST) {
                            Some(m) if m.typ == ht::SERVER_HELLO => {
                                return (
                                    ProbeAnswer::Accepted,
                                    format!(
                                        "the server answered with a ServerHello{}: it accepts client-initiated renegotiation",
                                        before(app)
                                    ),
                                );
                            }
                            Some(m) => {
                                return (
                                    ProbeAnswer::Unknown,
                                    format!(
                                        "the server answered with a {} message",
                                        wire::tls::handshake_type_name(m.typ)
                                    ),
                                );
                            }
                            None => {}
                        }
                    }
                }
            }
            Next::Record(t, _, _) => {
                return (
                    ProbeAnswer::Unknown,
                    format!(
                        "the server answered with a {} record",
                        wire::tls::content_type_name(t)
                    ),
                );
            }
            Next::Plain(text) => {
                return (
                    ProbeAnswer::Refused,
                    format!(
                        "the server dropped the TLS session and wrote in plaintext: \"{text}\"{}",
                        before(app)
                    ),
                );
            }
            Next::Closed => {
                return (
                    ProbeAnswer::Refused,
                    format!("the server closed the connection{}", before(app)),
                );
            }
            Next::Silent => {
                return (
                    ProbeAnswer::Refused,
                    format!(
                        "no answer within {} s{}: the server ignored it",
                        opts.timeouts.within(REPLY_WAIT).as_secs(),
                        before(app)
                    ),
                );
            }
        }
    }
}
