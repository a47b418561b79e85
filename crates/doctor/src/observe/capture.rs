//! Capture: an SMTP server that records what a *sending application* does, for
//! `smtp-tls-doctor client`.
//!
//! One connection is served by [`serve`]: the SMTP dialogue (STARTTLS or implicit TLS), the
//! client's ClientHello read from the wire before rustls sees it (the bytes are kept and replayed
//! into rustls), the negotiated version and suite, the alert the client sent if it aborted, the
//! AUTH mechanism (never the credentials), MAIL FROM / RCPT TO / DATA (the message is discarded).
//! The judgement is pure and separate: [`hello_report`] (the offer and its fingerprint),
//! [`would_connect`] (would this offer work against a server profile), [`judge_verification`]
//! (did the client accept a bad certificate) and [`render_text`].

use crate::model::capture::CertKind;
use crate::model::capture::ConnectionReport;
use crate::model::capture::HelloReport;
use crate::model::capture::SmtpActions;
use crate::model::capture::TlsReport;
use crate::model::capture::TranscriptLine;
use crate::model::observation::Mode;
use crate::observe::smtp_line::Line;
use crate::observe::smtp_line::read_line;
use crate::observe::stream::Replay;
use std::io;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::io::BufReader;
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
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
/// What stands in for anything the client sends during AUTH.
const REDACTED: &str = "<redacted>";

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
// Would the client connect to these servers
// ---------------------------------------------------------------------------------------------

/// Any byte stream the session runs on (TCP, then rustls on top of it).
pub trait Io: AsyncRead + AsyncWrite + Unpin + Send {}
impl<T: AsyncRead + AsyncWrite + Unpin + Send> Io for T {}
type BoxIo = Box<dyn Io>;

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

/// One line read from the client.
enum Next {
    Close,
    StartTls,
}

struct Session<'a> {
    r: BufReader<BoxIo>,
    log: &'a mut Log,
    smtp: &'a mut SmtpActions,
    hostname: &'a str,
    idle: Duration,
    tls: bool,
    greeted: bool,
    authenticated: bool,
    in_mail: bool,
    rcpts: u32,
    errors: u32,
}

impl Session<'_> {
    async fn send(&mut self, reply: &str) -> io::Result<()> {
        for l in reply.lines() {
            self.log.push("server", l);
        }
        let w = self.r.get_mut();
        w.write_all(reply.as_bytes()).await?;
        w.flush().await
    }

    /// The next line, or None when the session is over (EOF, timeout, overlong line).
    async fn next_line(&mut self, cap: usize) -> io::Result<Option<Vec<u8>>> {
        match timeout(self.idle, read_line(&mut self.r, cap)).await {
            Err(_) => {
                self.log.push("note", "the client was silent too long");
                let _ = self.send("421 4.4.2 Error: timeout exceeded\r\n").await;
                Ok(None)
            }
            Ok(Err(e)) => Err(e),
            Ok(Ok(Line::Eof)) => {
                self.log.push("note", "the client closed the connection");
                Ok(None)
            }
            Ok(Ok(Line::TooLong)) => {
                let _ = self.send("500 5.5.2 Error: line too long\r\n").await;
                Ok(None)
            }
            Ok(Ok(Line::Text(l))) => Ok(Some(l)),
        }
    }

    /// Counts a protocol error; true when there were too many.
    async fn error(&mut self, reply: &str) -> io::Result<bool> {
        self.errors += 1;
        self.send(reply).await?;
        if self.errors >= MAX_ERRORS {
            self.send("421 4.7.0 Error: too many errors\r\n").await?;
            return Ok(true);
        }
        Ok(false)
    }

    async fn serve(&mut self) -> io::Result<Next> {
        loop {
            let Some(line) = self.next_line(MAX_LINE).await? else {
                return Ok(Next::Close);
            };
            let text = String::from_utf8_lossy(&line).into_owned();
            let (verb, arg) = match text.split_once(' ') {
                Some((v, a)) => (v.to_ascii_uppercase(), a.trim().to_string()),
                None => (text.trim().to_ascii_uppercase(), String::new()),
            };
            if verb == "AUTH" {
                // The mechanism is kept; an initial response is a secret.
                let mut parts = arg.split_whitespace();
                let mech = parts.next().unwrap_or("");
                let shown = if parts.next().is_some() {
                    format!("AUTH {mech} {REDACTED}")
                } else {
                    format!("AUTH {mech}")
                };
                self.log.push("client", &printable(shown.as_bytes()));
            } else {
                self.log.push("client", &printable(&line));
            }
            let too_many = match verb.as_str() {
                "EHLO" | "HELO" if arg.is_empty() => {
                    let reply = format!("501 5.5.4 Syntax: {verb} hostname\r\n");
                    self.error(&reply).await?
                }
                "EHLO" | "HELO" => {
                    self.greeting(&verb, &arg);
                    let reply = if verb == "EHLO" {
                        let mut r = format!(
                            "250-{}\r\n250-PIPELINING\r\n250-SIZE {MAX_MESSAGE}\r\n",
                            self.hostname
                        );
                        if !self.tls {
                            r.push_str("250-STARTTLS\r\n");
                        } else {
                            r.push_str("250-AUTH PLAIN LOGIN\r\n");
                        }
                        r.push_str("250-ENHANCEDSTATUSCODES\r\n250-8BITMIME\r\n250 SMTPUTF8\r\n");
                        r
                    } else {
                        format!("250 {}\r\n", self.hostname)
                    };
                    self.send(&reply).await?;
                    false
                }
                "STARTTLS" if self.tls => {
                    self.error("554 5.5.1 Error: TLS already active\r\n")
                        .await?
                }
                "STARTTLS" if !arg.is_empty() => {
                    self.error("501 5.5.4 Syntax: STARTTLS\r\n").await?
                }
                "STARTTLS" => {
                    self.smtp.starttls = true;
                    self.send("220 2.0.0 Ready to start TLS\r\n").await?;
                    return Ok(Next::StartTls);
                }
                "AUTH" => self.auth(&arg).await?,
                "MAIL" => {
                    if !self.greeted {
                        self.error("503 5.5.1 Error: send HELO/EHLO first\r\n")
                            .await?
                    } else if self.in_mail {
                        self.error("503 5.5.1 Error: nested MAIL command\r\n")
                            .await?
                    } else {
                        self.smtp.mail_from = true;
                        if self.tls {
                            self.smtp.mail_over_tls = true;
                        } else {
                            self.smtp.mail_without_tls = true;
                        }
                        self.in_mail = true;
                        self.send("250 2.1.0 Ok\r\n").await?;
                        false
                    }
                }
                "RCPT" => {
                    if !self.in_mail {
                        self.error("503 5.5.1 Error: need MAIL command\r\n").await?
                    } else {
                        self.rcpts += 1;
                        self.smtp.rcpt_to += 1;
                        self.send("250 2.1.5 Ok\r\n").await?;
                        false
                    }
                }
                "DATA" => {
                    if self.rcpts == 0 {
                        self.error("503 5.5.1 Error: need RCPT command\r\n").await?
                    } else {
                        self.smtp.data = true;
                        self.send("354 End data with <CR><LF>.<CR><LF>\r\n").await?;
                        match self.data().await? {
                            Some(bytes) => {
                                self.log.push(
                                    "note",
                                    &format!("[message of {bytes} bytes received and discarded]"),
                                );
                                self.smtp.messages += 1;
                                self.smtp.message_bytes += bytes;
                                self.in_mail = false;
                                self.rcpts = 0;
                                self.send(
                                    "250 2.0.0 Ok: message accepted and discarded (never relayed)\r\n",
                                )
                                .await?;
                                false
                            }
                            None => return Ok(Next::Close),
                        }
                    }
                }
                "RSET" => {
                    self.in_mail = false;
                    self.rcpts = 0;
                    self.send("250 2.0.0 Ok\r\n").await?;
                    false
                }
                "NOOP" => {
                    self.send("250 2.0.0 Ok\r\n").await?;
                    false
                }
                "VRFY" => {
                    self.send("252 2.0.0 Cannot VRFY user\r\n").await?;
                    false
                }
                "QUIT" => {
                    self.smtp.quit = true;
                    self.send("221 2.0.0 Bye\r\n").await?;
                    return Ok(Next::Close);
                }
                _ => {
                    self.error("502 5.5.2 Error: command not recognized\r\n")
                        .await?
                }
            };
            if too_many {
                return Ok(Next::Close);
            }
        }
    }

    fn greeting(&mut self, verb: &str, arg: &str) {
        self.greeted = true;
        self.in_mail = false;
        self.rcpts = 0;
        let name: String = arg
            .split_whitespace()
            .next()
            .unwrap_or("")
            .chars()
            .take(255)
            .collect();
        if self.smtp.greeting.is_none() {
            self.smtp.greeting = Some(verb.to_string());
            self.smtp.ehlo = Some(name.clone());
        }
        if self.tls && self.smtp.ehlo_after_tls.is_none() {
            self.smtp.ehlo_after_tls = Some(name);
        }
    }

    /// AUTH PLAIN / LOGIN: any credentials are accepted; what the client sends is neither
    /// logged nor kept (the transcript shows `<redacted>`).
    async fn auth(&mut self, arg: &str) -> io::Result<bool> {
        let mut parts = arg.split_whitespace();
        let mechanism = parts.next().unwrap_or("").to_ascii_uppercase();
        let initial = parts.next().is_some();
        if !mechanism.is_empty()
            && mechanism.len() <= 20
            && mechanism
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
            && self.smtp.auth.is_none()
        {
            self.smtp.auth = Some(mechanism.clone());
        }
        if self.tls {
            self.smtp.auth_over_tls = true;
        } else {
            self.smtp.auth_without_tls = true;
            return self
                .error("530 5.7.0 Must issue a STARTTLS command first\r\n")
                .await;
        }
        if !self.greeted {
            return self.error("503 5.5.1 Error: send EHLO first\r\n").await;
        }
        if self.authenticated {
            return self
                .error("503 5.5.1 Error: already authenticated\r\n")
                .await;
        }
        let steps: &[&str] = match (mechanism.as_str(), initial) {
            ("PLAIN", true) => &[],
            ("PLAIN", false) => &["334 \r\n"],
            ("LOGIN", true) => &["334 UGFzc3dvcmQ6\r\n"],
            ("LOGIN", false) => &["334 VXNlcm5hbWU6\r\n", "334 UGFzc3dvcmQ6\r\n"],
            ("", _) => return self.error("501 5.5.4 Syntax: AUTH mechanism\r\n").await,
            _ => {
                return self
                    .error("504 5.5.4 Error: Unsupported authentication mechanism\r\n")
                    .await;
            }
        };
        for step in steps {
            self.send(step).await?;
            let Some(response) = self.next_line(MAX_LINE).await? else {
                return Ok(true);
            };
            // A secret: only compared with "*" (the client's abort), never kept.
            let aborted = response == b"*";
            drop(response);
            self.log.push("client", REDACTED);
            if aborted {
                return self.error("501 5.7.0 Authentication aborted\r\n").await;
            }
        }
        self.authenticated = true;
        self.smtp.auth_accepted = true;
        self.send("235 2.7.0 Authentication successful\r\n").await?;
        Ok(false)
    }

    /// Reads message data up to the lone "." line and discards it: Some(bytes), or None when
    /// the client left or the message was too big (the connection is then closed).
    async fn data(&mut self) -> io::Result<Option<u64>> {
        let mut total = 0usize;
        loop {
            let remaining = MAX_MESSAGE.saturating_sub(total);
            match timeout(self.idle, read_line(&mut self.r, remaining)).await {
                Err(_) => {
                    let _ = self.send("421 4.4.2 Error: timeout exceeded\r\n").await;
                    return Ok(None);
                }
                Ok(r) => match r? {
                    Line::Eof => {
                        self.log
                            .push("note", "the client closed the connection in DATA");
                        return Ok(None);
                    }
                    Line::TooLong => {
                        self.send("552 5.3.4 Error: message file too big\r\n")
                            .await?;
                        return Ok(None);
                    }
                    Line::Text(l) if l == b"." => {
                        self.log.push("client", ".");
                        return Ok(Some(u64::try_from(total).unwrap_or(u64::MAX)));
                    }
                    Line::Text(l) => {
                        total += l.len() + 2;
                        if total > MAX_MESSAGE {
                            self.send("552 5.3.4 Error: message file too big\r\n")
                                .await?;
                            return Ok(None);
                        }
                    }
                },
            }
        }
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

/// Runs the SMTP session (plain or over TLS) and records what it learns.
async fn smtp_session(
    io: BoxIo,
    tls: bool,
    greeting: bool,
    p: &ServeParams,
    log: &mut Log,
    g: &mut Gathered,
) -> Option<(BoxIo, Vec<u8>)> {
    let mut s = Session {
        r: BufReader::new(io),
        log,
        smtp: &mut g.smtp,
        hostname: &p.hostname,
        idle: p.idle_timeout,
        tls,
        greeted: false,
        authenticated: false,
        in_mail: false,
        rcpts: 0,
        errors: 0,
    };
    if greeting {
        let banner = format!(
            "220 {} ESMTP smtp-tls-doctor capture (messages are discarded)\r\n",
            p.hostname
        );
        if s.send(&banner).await.is_err() {
            return None;
        }
    }
    match s.serve().await {
        Ok(Next::StartTls) => {
            // Bytes the client sent right after STARTTLS belong to the TLS handshake.
            let pending = s.r.buffer().to_vec();
            Some((s.r.into_inner(), pending))
        }
        Ok(Next::Close) => {
            let mut io = s.r.into_inner();
            let _ = timeout(Duration::from_secs(2), io.shutdown()).await;
            None
        }
        Err(e) => {
            if let Some(a) = crate::observe::tls::alert_of(&e) {
                s.log
                    .push("note", &format!("the client sent {}", a.words()));
                if let Some(t) = g.tls.as_mut().filter(|t| t.alert.is_none()) {
                    t.alert = Some(a);
                }
            } else {
                s.log.push("note", &format!("connection ended: {e}"));
            }
            None
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
    let mut log = Log {
        start,
        lines: Vec::new(),
        omitted: 0,
    };
    let mut g = Gathered {
        smtp: SmtpActions::default(),
        tls: None,
        hello: None,
        hello_error: None,
    };
    let io: BoxIo = Box::new(stream);
    match p.mode {
        Mode::ImplicitTls => {
            if let Some(tls) = handshake(io, Vec::new(), p, &mut log, &mut g).await {
                let _ = smtp_session(tls, true, true, p, &mut log, &mut g).await;
            }
        }
        Mode::Starttls => {
            if let Some((plain, pending)) = smtp_session(io, false, true, p, &mut log, &mut g).await
                && let Some(tls) = handshake(plain, pending, p, &mut log, &mut g).await
            {
                let _ = smtp_session(tls, true, false, p, &mut log, &mut g).await;
            }
        }
    }
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

// ---------------------------------------------------------------------------------------------
// Text
// ---------------------------------------------------------------------------------------------
