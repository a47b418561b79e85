//! Capture: an SMTP server that records what a *sending application* does, for
//! `smtp-tls-doctor client`.
//!
//! One connection is served by [`serve`] with the shared SMTP session
//! ([`crate::observe::smtp_server`]) and recorded through its hooks: the SMTP dialogue (STARTTLS
//! or implicit TLS), the client's ClientHello read from the wire before rustls sees it (the bytes
//! are kept and replayed into rustls), the negotiated version and suite, the alert the client
//! sent if it aborted, the AUTH mechanism (never the credentials), MAIL FROM / RCPT TO / DATA (the
//! message is discarded). [`hello_report`] decodes the offer and its fingerprint; the judgement
//! is in `judge::capture`, the text in `render::capture`.

use crate::model::capture::CertKind;
use crate::model::capture::ConnectionReport;
use crate::model::capture::HelloReport;
use crate::model::capture::SmtpActions;
use crate::model::capture::TlsReport;
use crate::model::capture::TranscriptLine;
use crate::model::observation::Mode;
use crate::observe::smtp_server::{
    self, BoxIo, Config, Event, Greeting, Hooks, REDACTED, Replies, StartTls,
};
use crate::observe::stream::Replay;
use std::io;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite};
use tokio::time::timeout;

/// Longest SMTP command line accepted (bytes, without CRLF).
const MAX_LINE: usize = 4096;
/// Largest message accepted by DATA (then 552 and the connection is closed).
const MAX_MESSAGE: usize = 25 * 1024 * 1024;
/// Protocol errors tolerated before the connection is closed.
const MAX_ERRORS: u32 = 20;
/// Transcript lines kept per connection.
const MAX_TRANSCRIPT: usize = 400;
/// Characters kept of one transcript line.
const MAX_TRANSCRIPT_LINE: usize = 300;

/// A rustls server configuration (TLS 1.2 and 1.3, ring, the client's suite order) that sends
/// exactly `chain` (DER, leaf first) with the PKCS#8 or PKCS#1/SEC1 PEM `key_pem`.
pub fn server_config(
    chain: Vec<Vec<u8>>,
    key_pem: &str,
) -> Result<Arc<rustls::ServerConfig>, String> {
    use rustls::pki_types::pem::PemObject;
    use rustls::pki_types::{CertificateDer, PrivateKeyDer};
    let key = PrivateKeyDer::from_pem_slice(key_pem.as_bytes())
        .map_err(|e| format!("cannot read the private key: {e}"))?;
    let chain: Vec<CertificateDer<'static>> = chain.into_iter().map(CertificateDer::from).collect();
    let config = rustls::ServerConfig::builder_with_provider(crate::observe::tls::provider())
        .with_protocol_versions(&[&rustls::version::TLS13, &rustls::version::TLS12])
        .map_err(|e| e.to_string())?
        .with_no_client_auth()
        .with_single_cert(chain, key)
        .map_err(|e| format!("cannot use the certificate: {e}"))?;
    // The client's suite order is kept (rustls' default), so that the negotiated suite is the
    // client's own first choice among what rustls offers.
    Ok(Arc::new(config))
}

/// Lower-case hex SHA-256 (ring) of `s`.
pub fn sha256_hex(s: &str) -> String {
    ring::digest::digest(&ring::digest::SHA256, s.as_bytes())
        .as_ref()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// Decodes a ClientHello body for the report.
pub fn hello_report(body: &[u8]) -> Result<HelloReport, String> {
    let h = wire::tls::parse_client_hello(body)
        .map_err(|e| format!("the ClientHello does not parse: {e}"))?;
    let pf = wire::tls::fingerprint::point_formats(body);
    let fp = wire::tls::fingerprint::fingerprint_string(&h, &pf);
    let grease = h
        .cipher_suites
        .iter()
        .chain(&h.extensions)
        .chain(&h.supported_groups)
        .chain(&h.supported_versions)
        .any(|v| wire::tls::is_grease(*v));
    let versions = if h.supported_versions.is_empty() {
        vec![wire::tls::version_name(h.legacy_version)]
    } else {
        wire::tls::fingerprint::offered_versions(&h)
            .into_iter()
            .map(wire::tls::version_name)
            .collect()
    };
    Ok(HelloReport {
        versions,
        legacy_version: wire::tls::version_name(h.legacy_version),
        cipher_suites: h
            .cipher_suites
            .iter()
            .map(|s| wire::tls::cipher_suite_display(*s))
            .collect(),
        groups: h
            .supported_groups
            .iter()
            .map(|g| wire::tls::group_name(*g))
            .collect(),
        key_shares: h
            .key_share_groups
            .iter()
            .map(|g| wire::tls::group_name(*g))
            .collect(),
        signature_algorithms: h
            .signature_algorithms
            .iter()
            .map(|s| wire::tls::signature_scheme_name(*s))
            .collect(),
        sni: h.sni.clone(),
        alpn: h.alpn.clone(),
        extensions: h
            .extensions
            .iter()
            .map(|e| wire::tls::extension_name(*e))
            .collect(),
        point_formats: pf,
        grease,
        fingerprint: sha256_hex(&fp),
        fingerprint_string: fp,
        codepoints: h,
    })
}

// ---------------------------------------------------------------------------------------------
// Serving one connection
// ---------------------------------------------------------------------------------------------

/// What to serve on one connection.
pub struct ServeParams {
    /// 1-based connection number.
    pub number: u64,
    pub mode: Mode,
    pub local: SocketAddr,
    pub peer: SocketAddr,
    /// The server configuration presenting `certificate`.
    pub tls: Arc<rustls::ServerConfig>,
    pub certificate: CertKind,
    /// Judge certificate verification (`--verify-test`).
    pub verify_test: bool,
    /// The host name in the banner and EHLO reply.
    pub hostname: String,
    /// A client silent this long is disconnected (also the handshake's limit).
    pub idle_timeout: Duration,
}

/// The longest a client may keep one connection, however busy (the capture server serves
/// several clients at once, and none may hold a slot for ever).
pub const SESSION_LIMIT: Duration = Duration::from_secs(300);

/// The capture server's SMTP behaviour: STARTTLS offered, AUTH over TLS, messages discarded.
fn config(p: &ServeParams) -> Config {
    Config {
        greeting: Greeting::Banner(format!(
            "220 {} ESMTP smtp-tls-doctor capture (messages are discarded)\r\n",
            p.hostname
        )),
        hostname: p.hostname.clone(),
        starttls: StartTls::Offer,
        ehlo_refused: false,
        size: u64::try_from(MAX_MESSAGE).unwrap_or(u64::MAX),
        smtputf8: true,
        extra_keywords: Vec::new(),
        max_message: MAX_MESSAGE,
        max_line: MAX_LINE,
        max_errors: MAX_ERRORS,
        idle_timeout: p.idle_timeout,
        session_limit: Some(SESSION_LIMIT),
        session_deadline: None,
        linger: Duration::ZERO,
        replies: Replies {
            idle: "421 4.4.2 Error: timeout exceeded\r\n".into(),
            too_many_errors: "421 4.7.0 Error: too many errors\r\n".into(),
            tls_active: "554 5.5.1 Error: TLS already active\r\n".into(),
            starttls_argument: Some("501 5.5.4 Syntax: STARTTLS\r\n".into()),
            vrfy: Some("252 2.0.0 Cannot VRFY user\r\n".into()),
            message_accepted: "250 2.0.0 Ok: message accepted and discarded (never relayed)\r\n"
                .into(),
        },
    }
}

/// The transcript, bounded.
struct Log {
    start: Instant,
    lines: Vec<TranscriptLine>,
    omitted: usize,
}

impl Log {
    fn push(&mut self, from: &str, text: &str) {
        if self.lines.len() >= MAX_TRANSCRIPT {
            self.omitted += 1;
            return;
        }
        let text: String = text.chars().take(MAX_TRANSCRIPT_LINE).collect();
        self.lines.push(TranscriptLine {
            at_ms: u64::try_from(self.start.elapsed().as_millis()).unwrap_or(u64::MAX),
            from: from.to_string(),
            text,
        });
    }
}

/// A printable version of a client line (control characters escaped).
fn printable(line: &[u8]) -> String {
    String::from_utf8_lossy(line)
        .chars()
        .map(|c| {
            if c.is_control() {
                format!("\\x{:02x}", u32::from(c))
            } else {
                c.to_string()
            }
        })
        .collect()
}

/// Records one connection: the transcript, what the client did, and the TLS upgrade (the
/// ClientHello read from the wire first, then rustls).
struct Connection<'a> {
    p: &'a ServeParams,
    log: Log,
    g: Gathered,
}

impl Hooks for Connection<'_> {
    fn event(&mut self, event: Event<'_>) {
        let smtp = &mut self.g.smtp;
        match event {
            Event::Server(line) => self.log.push("server", line),
            Event::Client(line) => self.log.push("client", &printable(line)),
            Event::ClientSecret => self.log.push("client", REDACTED),
            Event::Idle => self.log.push("note", "the client was silent too long"),
            Event::Closed { in_data: false } => {
                self.log.push("note", "the client closed the connection");
            }
            Event::Closed { in_data: true } => {
                self.log
                    .push("note", "the client closed the connection in DATA");
            }
            Event::Failed(e) => {
                if let Some(a) = crate::observe::tls::alert_of(e) {
                    self.log
                        .push("note", &format!("the client sent {}", a.words()));
                    if let Some(t) = self.g.tls.as_mut().filter(|t| t.alert.is_none()) {
                        t.alert = Some(a);
                    }
                } else {
                    self.log.push("note", &format!("connection ended: {e}"));
                }
            }
            Event::Greeted { verb, arg, tls } => {
                let name: String = arg
                    .split_whitespace()
                    .next()
                    .unwrap_or("")
                    .chars()
                    .take(255)
                    .collect();
                if smtp.greeting.is_none() {
                    smtp.greeting = Some(verb.to_string());
                    smtp.ehlo = Some(name.clone());
                }
                if tls && smtp.ehlo_after_tls.is_none() {
                    smtp.ehlo_after_tls = Some(name);
                }
            }
            Event::StartTls => smtp.starttls = true,
            Event::Auth { mechanism, tls } => {
                if !mechanism.is_empty()
                    && mechanism.len() <= 20
                    && mechanism
                        .bytes()
                        .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
                    && smtp.auth.is_none()
                {
                    smtp.auth = Some(mechanism.to_string());
                }
                if tls {
                    smtp.auth_over_tls = true;
                } else {
                    smtp.auth_without_tls = true;
                }
            }
            Event::AuthAccepted => smtp.auth_accepted = true,
            Event::Mail { tls } => {
                smtp.mail_from = true;
                if tls {
                    smtp.mail_over_tls = true;
                } else {
                    smtp.mail_without_tls = true;
                }
            }
            Event::Rcpt => smtp.rcpt_to = smtp.rcpt_to.saturating_add(1),
            Event::Data => smtp.data = true,
            Event::Message { bytes } => {
                self.log.push("client", ".");
                self.log.push(
                    "note",
                    &format!("[message of {bytes} bytes received and discarded]"),
                );
                smtp.messages = smtp.messages.saturating_add(1);
                smtp.message_bytes = smtp.message_bytes.saturating_add(bytes);
            }
            Event::Quit => smtp.quit = true,
        }
    }

    async fn upgrade(&mut self, io: BoxIo, pending: Vec<u8>) -> Option<BoxIo> {
        handshake(io, pending, self.p, &mut self.log, &mut self.g).await
    }
}

/// Reads the ClientHello (starting with `raw`, bytes already read) without consuming it for
/// rustls: returns all bytes read and the decoded hello or why there is none.
async fn read_hello(
    io: &mut BoxIo,
    mut raw: Vec<u8>,
    limit: Duration,
) -> (Vec<u8>, Result<HelloReport, String>, bool) {
    let deadline = tokio::time::Instant::now() + limit;
    let mut buf = vec![0u8; 8192];
    loop {
        match wire::tls::fingerprint::extract_client_hello(&raw) {
            Ok(Some(body)) => return (raw, hello_report(&body), false),
            Err(e) => return (raw, Err(e), false),
            Ok(None) => {}
        }
        match tokio::time::timeout_at(deadline, io.read(&mut buf)).await {
            Err(_) => {
                return (
                    raw,
                    Err(format!(
                        "no complete ClientHello within {} s",
                        limit.as_secs()
                    )),
                    true,
                );
            }
            Ok(Ok(0)) => {
                let e = if raw.is_empty() {
                    "the client closed the connection without starting the TLS handshake"
                } else {
                    "the client closed the connection in the middle of its ClientHello"
                };
                return (raw, Err(e.to_string()), true);
            }
            Ok(Ok(n)) => raw.extend_from_slice(buf.get(..n).unwrap_or_default()),
            Ok(Err(e)) => return (raw, Err(format!("connection error: {e}")), true),
        }
    }
}

/// Everything gathered while serving.
struct Gathered {
    smtp: SmtpActions,
    tls: Option<TlsReport>,
    hello: Option<HelloReport>,
    hello_error: Option<String>,
}

/// The TLS handshake on `io`; `prefix` holds bytes the SMTP layer read after STARTTLS.
async fn handshake(
    mut io: BoxIo,
    prefix: Vec<u8>,
    p: &ServeParams,
    log: &mut Log,
    g: &mut Gathered,
) -> Option<BoxIo> {
    let (raw, hello, gone) = read_hello(&mut io, prefix, p.idle_timeout).await;
    match hello {
        Ok(h) => {
            log.push(
                "note",
                &format!(
                    "ClientHello: {}; SNI {}; {} suites; fingerprint {}",
                    h.versions.join(", "),
                    h.sni.as_deref().unwrap_or("none"),
                    h.cipher_suites.len(),
                    h.fingerprint
                ),
            );
            g.hello = Some(h);
        }
        Err(e) => {
            log.push("note", &e);
            g.hello_error = Some(e.clone());
            if gone {
                g.tls = Some(TlsReport {
                    handshake: "failed".into(),
                    error: Some(e),
                    ..TlsReport::default()
                });
                return None;
            }
        }
    }
    let acceptor = tokio_rustls::TlsAcceptor::from(p.tls.clone());
    let stream = Replay::new(io, raw);
    match timeout(p.idle_timeout, acceptor.accept(stream)).await {
        Err(_) => {
            let e = format!(
                "the handshake did not finish within {} s",
                p.idle_timeout.as_secs()
            );
            log.push("note", &e);
            g.tls = Some(TlsReport {
                handshake: "failed".into(),
                error: Some(e),
                ..TlsReport::default()
            });
            None
        }
        Ok(Err(e)) => {
            let alert = crate::observe::tls::alert_of(&e);
            let client_closed = alert.is_none()
                && matches!(
                    e.kind(),
                    io::ErrorKind::UnexpectedEof
                        | io::ErrorKind::ConnectionReset
                        | io::ErrorKind::BrokenPipe
                );
            let error = match &alert {
                Some(a) => format!("the client sent {}", a.words()),
                None if client_closed => {
                    "the client closed the connection during the handshake".to_string()
                }
                // What the client sent instead of a ClientHello says more than rustls' error.
                None if g.hello_error.is_some() => g.hello_error.clone().unwrap_or_default(),
                None => match e.get_ref().and_then(|i| i.downcast_ref::<rustls::Error>()) {
                    Some(r) => format!("TLS error: {r}"),
                    None => format!("I/O error: {e}"),
                },
            };
            log.push("note", &format!("TLS handshake failed: {error}"));
            g.tls = Some(TlsReport {
                handshake: "failed".into(),
                alert,
                client_closed,
                error: Some(error),
                ..TlsReport::default()
            });
            None
        }
        Ok(Ok(tls)) => {
            let (_, conn) = tls.get_ref();
            let version = conn
                .protocol_version()
                .map(|v| wire::tls::version_name(u16::from(v)));
            let suite = conn
                .negotiated_cipher_suite()
                .map(|s| wire::tls::cipher_suite_display(u16::from(s.suite())));
            let group = conn
                .negotiated_key_exchange_group()
                .map(|k| wire::tls::group_name(u16::from(k.name())));
            log.push(
                "note",
                &format!(
                    "TLS handshake completed: {} {}{}",
                    version.as_deref().unwrap_or("?"),
                    suite.as_deref().unwrap_or("?"),
                    group
                        .as_deref()
                        .map(|g| format!(", group {g}"))
                        .unwrap_or_default()
                ),
            );
            g.tls = Some(TlsReport {
                handshake: "completed".into(),
                version,
                cipher_suite: suite,
                group,
                alert: None,
                client_closed: false,
                error: None,
            });
            Some(Box::new(tls))
        }
    }
}

/// Serves one connection to its end and records what the client did (the judgement and the
/// verdict line are left empty: `check::capture::serve` fills them in).
pub async fn serve<S: AsyncRead + AsyncWrite + Unpin + Send + 'static>(
    stream: S,
    p: &ServeParams,
) -> ConnectionReport {
    let started_at = time::OffsetDateTime::now_utc()
        .format(&time::format_description::well_known::Rfc3339)
        .unwrap_or_default();
    let start = Instant::now();
    let mut r = Connection {
        p,
        log: Log {
            start,
            lines: Vec::new(),
            omitted: 0,
        },
        g: Gathered {
            smtp: SmtpActions::default(),
            tls: None,
            hello: None,
            hello_error: None,
        },
    };
    smtp_server::serve(Box::new(stream), p.mode, &config(p), &mut r).await;
    let Connection { log, g, .. } = r;
    ConnectionReport {
        kind: "connection".into(),
        number: p.number,
        peer: p.peer.to_string(),
        local: p.local.to_string(),
        mode: p.mode,
        started_at,
        duration_ms: u64::try_from(start.elapsed().as_millis()).unwrap_or(u64::MAX),
        verdict: String::new(),
        certificate: p.certificate,
        findings: Vec::new(),
        smtp: g.smtp,
        tls: g.tls,
        client_hello: g.hello,
        client_hello_error: g.hello_error,
        verification: None,
        servers: Vec::new(),
        servers_note: String::new(),
        transcript: log.lines,
        transcript_omitted: log.omitted,
    }
}
