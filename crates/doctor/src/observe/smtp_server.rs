//! One SMTP server session, for the lab's servers and the capture server (`client --listen`).
//!
//! It speaks enough ESMTP for a TLS checker or a sending application: the greeting, EHLO/HELO,
//! STARTTLS, AUTH PLAIN/LOGIN (every credential accepted, none kept or shown), MAIL/RCPT/DATA
//! (the message is read up to a size cap and discarded), RSET, NOOP, VRFY, QUIT. Command lines
//! are bounded, a silent client gets a 421 after the idle timeout, and a client that makes too
//! many protocol errors is disconnected. It never relays or stores mail.
//!
//! What differs between servers is data in [`Config`] (the greeting, how STARTTLS is answered,
//! the limits, the replies that differ) and code in [`Hooks`]: the TLS upgrade (rustls or
//! OpenSSL, a scripted misbehaviour, the capture server's ClientHello inspection) and
//! [`Event`]s for whoever records the session.

use crate::model::observation::Mode;
use crate::observe::smtp_line::{Line, read_line};
use std::future::Future;
use std::io;
use std::time::Duration;
use tokio::io::{AsyncBufReadExt, AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt, BufReader};
use tokio::time::timeout;

/// Any byte stream a session runs on (plain TCP, rustls or OpenSSL).
pub trait Io: AsyncRead + AsyncWrite + Unpin + Send {}
impl<T: AsyncRead + AsyncWrite + Unpin + Send> Io for T {}
/// A boxed [`Io`].
pub type BoxIo = Box<dyn Io>;

/// What stands in for anything the client sends during AUTH.
pub const REDACTED: &str = "<redacted>";

/// How long shutting down our side of a connection may take.
const SHUTDOWN_LIMIT: Duration = Duration::from_secs(2);
/// The most a lingering close reads (and discards) while it waits for the client to close.
const LINGER_BYTES: usize = 1024 * 1024;
/// STARTTLS answered with junk: how long to wait for the ClientHello.
const GARBAGE_WAIT: Duration = Duration::from_secs(10);

/// What the server does before the first command.
#[derive(Debug, Clone)]
pub enum Greeting {
    /// Sends this banner (the whole reply, CRLFs included).
    Banner(String),
    /// Postscreen's pregreet test: waits `delay`; a client that talks first is answered `reject`
    /// and disconnected, others get `banner`.
    Delayed {
        delay: Duration,
        banner: String,
        reject: String,
    },
    /// Sends this reply (a 421) and closes.
    Refuse(String),
    /// Says nothing: reads and discards until the client closes or `hold` has passed.
    Silent(Duration),
}

/// How the server answers STARTTLS.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StartTls {
    /// Advertised; `220 2.0.0 Ready to start TLS`, then [`Hooks::upgrade`].
    Offer,
    /// Not advertised; STARTTLS is an unknown command (502).
    NotOffered,
    /// Advertised, answered `454 4.7.0 TLS not available due to local problem`.
    Refused,
    /// Advertised, answered 220, then the connection is closed.
    CloseAfter,
    /// Advertised, answered 220; the ClientHello (or 10 s of silence) is answered with these
    /// non-TLS bytes and the connection closed.
    GarbageAfter(&'static [u8]),
}

/// The replies that differ between servers (each a whole reply, CRLF included).
#[derive(Debug, Clone)]
pub struct Replies {
    /// To a client silent for the idle timeout, before the connection is closed.
    pub idle: String,
    /// After the error that reached the limit, before the connection is closed.
    pub too_many_errors: String,
    /// To STARTTLS over TLS (counts as an error).
    pub tls_active: String,
    /// To STARTTLS with an argument (counts as an error); `None`: the argument is ignored.
    pub starttls_argument: Option<String>,
    /// To VRFY; `None`: VRFY is an unknown command.
    pub vrfy: Option<String>,
    /// After a message was received (and discarded).
    pub message_accepted: String,
}

/// What a server is, as data.
#[derive(Debug, Clone)]
pub struct Config {
    pub greeting: Greeting,
    /// The name in the EHLO and HELO replies.
    pub hostname: String,
    pub starttls: StartTls,
    /// EHLO (and STARTTLS) are unknown commands; HELO works.
    pub ehlo_refused: bool,
    /// The SIZE advertised in the EHLO reply.
    pub size: u64,
    /// SMTPUTF8 is advertised.
    pub smtputf8: bool,
    /// More EHLO keywords (`KEYWORD [params]`, sent as given), after the standard ones.
    pub extra_keywords: Vec<String>,
    /// Largest message accepted by DATA (then 552 and the connection is closed).
    pub max_message: usize,
    /// Longest command line accepted (bytes, without CRLF); longer: 500 and closed.
    pub max_line: usize,
    /// Protocol errors tolerated before the connection is closed.
    pub max_errors: u32,
    /// A client silent this long is disconnected.
    pub idle_timeout: Duration,
    /// The longest a whole connection may last, however busy the client keeps it (NOOP after
    /// NOOP): then it is ended as an idle one is. None: no limit.
    pub session_limit: Option<Duration>,
    /// When this connection must end (set by [`serve`] from `session_limit`).
    pub session_deadline: Option<tokio::time::Instant>,
    /// When the server ends a connection it shuts its side down, then waits up to this long
    /// for the client to close its side (so that the client sees the last reply rather than a
    /// reset). Zero: no wait.
    pub linger: Duration,
    pub replies: Replies,
}

impl Config {
    /// How long to wait for the client's next line: the idle timeout, cut to what is left of
    /// the session.
    fn wait_limit(&self) -> Duration {
        match self.session_deadline {
            Some(at) => self
                .idle_timeout
                .min(at.saturating_duration_since(tokio::time::Instant::now())),
            None => self.idle_timeout,
        }
    }
}

/// A step of the session, for [`Hooks::event`]. No secret is ever passed.
#[derive(Debug)]
pub enum Event<'a> {
    /// A reply line the server sends (without CRLF).
    Server(&'a str),
    /// A command line the client sent (an AUTH initial response replaced by [`REDACTED`]).
    Client(&'a [u8]),
    /// A line the client sent in an AUTH exchange (a secret: not passed).
    ClientSecret,
    /// The client was silent for the idle timeout (a 421 follows).
    Idle,
    /// The client closed the connection; `in_data`: in the middle of a message.
    Closed { in_data: bool },
    /// The connection failed (an I/O or TLS error); it is closed.
    Failed(&'a io::Error),
    /// EHLO or HELO (`verb`, upper case) with argument `arg` is accepted.
    Greeted {
        verb: &'a str,
        arg: &'a str,
        tls: bool,
    },
    /// STARTTLS is accepted (the 220 follows).
    StartTls,
    /// AUTH with this mechanism (upper case, as sent: it may be empty or junk).
    Auth { mechanism: &'a str, tls: bool },
    /// The AUTH exchange succeeded.
    AuthAccepted,
    /// MAIL is accepted.
    Mail { tls: bool },
    /// RCPT is accepted.
    Rcpt,
    /// DATA is accepted (the 354 follows).
    Data,
    /// The message ended with its "." line; `bytes` (line endings included) were discarded.
    Message { bytes: u64 },
    /// QUIT (the 221 follows).
    Quit,
}

/// What differs between servers, as code.
pub trait Hooks: Send {
    /// Sees every step of the session.
    fn event(&mut self, event: Event<'_>) {
        let _ = event;
    }

    /// Runs the TLS handshake on `io`: after the 220 to STARTTLS, or first in implicit TLS.
    /// `pending` holds bytes the client sent after STARTTLS that were already read: a server
    /// replays them into TLS (see [`crate::observe::stream::Replay`]) or drops them. `None`: the
    /// connection is over.
    fn upgrade(
        &mut self,
        io: BoxIo,
        pending: Vec<u8>,
    ) -> impl Future<Output = Option<BoxIo>> + Send;
}

/// Serves one connection to its end: the greeting and the session in `mode`, with TLS from
/// [`Hooks::upgrade`] (first in implicit TLS, after STARTTLS otherwise). Never panics on
/// client behaviour; every wait is bounded.
pub async fn serve<H: Hooks>(io: BoxIo, mode: Mode, config: &Config, hooks: &mut H) {
    let mut timed;
    let config = match config.session_limit {
        Some(limit) => {
            timed = config.clone();
            timed.session_deadline = Some(tokio::time::Instant::now() + limit);
            &timed
        }
        None => config,
    };
    match mode {
        Mode::ImplicitTls => {
            if let Some(tls) = hooks.upgrade(io, Vec::new()).await {
                session(tls, true, true, config, hooks).await;
            }
        }
        Mode::Starttls => {
            if let End::StartTls(plain, pending) = session(io, false, true, config, hooks).await
                && let Some(tls) = hooks.upgrade(plain, pending).await
            {
                session(tls, true, false, config, hooks).await;
            }
        }
    }
}

/// Closes gracefully: flushes and shuts down our side, then waits up to `linger` for the peer
/// to close its side, so that it sees our last bytes rather than a reset.
pub async fn close<S: AsyncRead + AsyncWrite + Unpin + ?Sized>(io: &mut S, linger: Duration) {
    let _ = timeout(SHUTDOWN_LIMIT, io.shutdown()).await;
    if linger.is_zero() {
        return;
    }
    let _ = timeout(linger, async {
        let mut buf = [0u8; 4096];
        let mut total = 0usize;
        while total < LINGER_BYTES {
            match io.read(&mut buf).await {
                Ok(0) | Err(_) => break,
                Ok(n) => total += n,
            }
        }
    })
    .await;
}

/// How a session ended.
enum End {
    /// The connection is finished (closed, or to be dropped).
    Closed,
    /// STARTTLS was accepted (220 sent): the stream and the bytes read past STARTTLS.
    StartTls(BoxIo, Vec<u8>),
}

/// What the command loop asks for.
enum Next {
    Close,
    StartTls,
}

/// How DATA ended.
enum DataEnd {
    /// The "." line: the message's size.
    Done(usize),
    /// Over the cap; 552 to be sent, then closed.
    TooBig,
    /// The client left or was silent too long.
    Gone,
}

/// Runs one SMTP session (plain or over TLS) until QUIT, EOF, timeout, error or STARTTLS.
/// `greet`: the greeting comes first (not after STARTTLS).
async fn session<H: Hooks>(
    io: BoxIo,
    tls: bool,
    greet: bool,
    config: &Config,
    hooks: &mut H,
) -> End {
    let mut s = Session {
        r: BufReader::new(io),
        config,
        hooks,
        tls,
        greeted: false,
        authenticated: false,
        in_mail: false,
        rcpts: 0,
        errors: 0,
    };
    if greet && !s.greet().await {
        return End::Closed;
    }
    match s.serve().await {
        Ok(Next::StartTls) => {
            // What the client pipelined after STARTTLS: the upgrade decides.
            let pending = s.r.buffer().to_vec();
            End::StartTls(s.r.into_inner(), pending)
        }
        Ok(Next::Close) => {
            let mut io = s.r.into_inner();
            close(&mut io, config.linger).await;
            End::Closed
        }
        Err(e) => {
            s.hooks.event(Event::Failed(&e));
            let mut io = s.r.into_inner();
            close(&mut io, config.linger).await;
            End::Closed
        }
    }
}

struct Session<'a, H> {
    r: BufReader<BoxIo>,
    config: &'a Config,
    hooks: &'a mut H,
    tls: bool,
    greeted: bool,
    authenticated: bool,
    in_mail: bool,
    rcpts: u32,
    errors: u32,
}

impl<H: Hooks> Session<'_, H> {
    async fn send(&mut self, reply: &str) -> io::Result<()> {
        for line in reply.lines() {
            self.hooks.event(Event::Server(line));
        }
        let w = self.r.get_mut();
        w.write_all(reply.as_bytes()).await?;
        w.flush().await
    }

    /// The greeting; false when the connection is over.
    async fn greet(&mut self) -> bool {
        let config = self.config;
        match &config.greeting {
            Greeting::Banner(banner) => self.send(banner).await.is_ok(),
            Greeting::Delayed {
                delay,
                banner,
                reject,
            } => {
                let mut byte = [0u8; 1];
                tokio::select! {
                    _ = tokio::time::sleep(*delay) => {}
                    read = self.r.get_mut().read(&mut byte) => {
                        if let Ok(1..) = read && self.send(reject).await.is_ok() {
                            close(self.r.get_mut(), config.linger).await;
                        }
                        return false;
                    }
                }
                self.send(banner).await.is_ok()
            }
            Greeting::Refuse(reply) => {
                if self.send(reply).await.is_ok() {
                    close(self.r.get_mut(), config.linger).await;
                }
                false
            }
            Greeting::Silent(hold) => {
                let _ = timeout(*hold, async {
                    let mut buf = [0u8; 4096];
                    while let Ok(1..) = self.r.get_mut().read(&mut buf).await {}
                })
                .await;
                false
            }
        }
    }

    /// Reads one command line with the idle timeout. `None`: the session is over (EOF,
    /// timeout or overlong line; a reply was sent if useful).
    async fn next_line(&mut self) -> io::Result<Option<Vec<u8>>> {
        match timeout(
            self.config.wait_limit(),
            read_line(&mut self.r, self.config.max_line),
        )
        .await
        {
            Err(_) => {
                self.hooks.event(Event::Idle);
                let config = self.config;
                let _ = self.send(&config.replies.idle).await;
                Ok(None)
            }
            Ok(Err(e)) => Err(e),
            Ok(Ok(Line::Eof)) => {
                self.hooks.event(Event::Closed { in_data: false });
                Ok(None)
            }
            Ok(Ok(Line::TooLong)) => {
                let _ = self.send("500 5.5.2 Error: line too long\r\n").await;
                Ok(None)
            }
            Ok(Ok(Line::Text(l))) => Ok(Some(l)),
        }
    }

    /// Counts a protocol error; true when the client has made too many.
    async fn error(&mut self, reply: &str) -> io::Result<bool> {
        let config = self.config;
        self.errors = self.errors.saturating_add(1);
        self.send(reply).await?;
        if self.errors >= config.max_errors {
            self.send(&config.replies.too_many_errors).await?;
            return Ok(true);
        }
        Ok(false)
    }

    fn reset_transaction(&mut self) {
        self.in_mail = false;
        self.rcpts = 0;
    }

    fn starttls_advertised(&self) -> bool {
        !self.tls && self.config.starttls != StartTls::NotOffered
    }

    async fn serve(&mut self) -> io::Result<Next> {
        let config = self.config;
        loop {
            let Some(line) = self.next_line().await? else {
                return Ok(Next::Close);
            };
            let text = String::from_utf8_lossy(&line).into_owned();
            // The verb ends at any whitespace (RFC 5321 says one space; clients send tabs and
            // runs of spaces too, and an AUTH so written must still be recognised and redacted).
            let trimmed = text.trim_start();
            let (verb, arg) = match trimmed.split_once(|c: char| c.is_ascii_whitespace()) {
                Some((v, a)) => (v.to_ascii_uppercase(), a.trim().to_string()),
                None => (trimmed.trim().to_ascii_uppercase(), String::new()),
            };
            if verb == "AUTH" {
                // The mechanism is shown; an initial response is a secret.
                let mut parts = arg.split_whitespace();
                let mechanism = parts.next().unwrap_or("");
                let shown = if parts.next().is_some() {
                    format!("AUTH {mechanism} {REDACTED}")
                } else {
                    format!("AUTH {mechanism}")
                };
                self.hooks.event(Event::Client(shown.as_bytes()));
            } else {
                self.hooks.event(Event::Client(&line));
            }
            let too_many = match verb.as_str() {
                "EHLO" if config.ehlo_refused => {
                    self.error("502 5.5.2 Error: command not recognized\r\n")
                        .await?
                }
                "EHLO" | "HELO" if arg.is_empty() => {
                    let reply = format!("501 5.5.4 Syntax: {verb} hostname\r\n");
                    self.error(&reply).await?
                }
                "EHLO" | "HELO" => {
                    self.greeted = true;
                    self.reset_transaction();
                    self.hooks.event(Event::Greeted {
                        verb: &verb,
                        arg: &arg,
                        tls: self.tls,
                    });
                    let reply = if verb == "EHLO" {
                        self.ehlo_reply()
                    } else {
                        format!("250 {}\r\n", config.hostname)
                    };
                    self.send(&reply).await?;
                    false
                }
                "STARTTLS" => match self.starttls(&arg).await? {
                    Some(next) => return Ok(next),
                    None => false,
                },
                "AUTH" => self.auth(&arg).await?,
                "MAIL" => {
                    if !self.greeted {
                        self.error("503 5.5.1 Error: send HELO/EHLO first\r\n")
                            .await?
                    } else if self.in_mail {
                        self.error("503 5.5.1 Error: nested MAIL command\r\n")
                            .await?
                    } else {
                        self.hooks.event(Event::Mail { tls: self.tls });
                        self.in_mail = true;
                        self.send("250 2.1.0 Ok\r\n").await?;
                        false
                    }
                }
                "RCPT" => {
                    if !self.in_mail {
                        self.error("503 5.5.1 Error: need MAIL command\r\n").await?
                    } else {
                        self.hooks.event(Event::Rcpt);
                        self.rcpts = self.rcpts.saturating_add(1);
                        self.send("250 2.1.5 Ok\r\n").await?;
                        false
                    }
                }
                "DATA" => {
                    if self.rcpts == 0 {
                        self.error("503 5.5.1 Error: need RCPT command\r\n").await?
                    } else {
                        self.hooks.event(Event::Data);
                        self.send("354 End data with <CR><LF>.<CR><LF>\r\n").await?;
                        match self.data().await? {
                            DataEnd::Done(bytes) => {
                                let bytes = u64::try_from(bytes).unwrap_or(u64::MAX);
                                self.hooks.event(Event::Message { bytes });
                                self.reset_transaction();
                                self.send(&config.replies.message_accepted).await?;
                                false
                            }
                            DataEnd::TooBig => {
                                self.send("552 5.3.4 Error: message file too big\r\n")
                                    .await?;
                                return Ok(Next::Close);
                            }
                            DataEnd::Gone => return Ok(Next::Close),
                        }
                    }
                }
                "RSET" => {
                    self.reset_transaction();
                    self.send("250 2.0.0 Ok\r\n").await?;
                    false
                }
                "NOOP" => {
                    self.send("250 2.0.0 Ok\r\n").await?;
                    false
                }
                "VRFY" if config.replies.vrfy.is_some() => {
                    let reply = config.replies.vrfy.as_deref().unwrap_or_default();
                    self.send(reply).await?;
                    false
                }
                "QUIT" => {
                    self.hooks.event(Event::Quit);
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

    /// The EHLO reply: the name, then the keywords.
    fn ehlo_reply(&self) -> String {
        let c = self.config;
        let mut keywords = vec!["PIPELINING".to_string(), format!("SIZE {}", c.size)];
        if self.starttls_advertised() {
            keywords.push("STARTTLS".into());
        }
        if self.tls {
            keywords.push("AUTH PLAIN LOGIN".into());
        }
        keywords.push("ENHANCEDSTATUSCODES".into());
        keywords.push("8BITMIME".into());
        if c.smtputf8 {
            keywords.push("SMTPUTF8".into());
        }
        keywords.extend(c.extra_keywords.iter().cloned());
        let mut reply = format!("250-{}\r\n", c.hostname);
        let last = keywords.len().saturating_sub(1);
        for (i, k) in keywords.iter().enumerate() {
            let sep = if i == last { ' ' } else { '-' };
            reply.push_str(&format!("250{sep}{k}\r\n"));
        }
        reply
    }

    /// STARTTLS. `Some(next)` ends the session.
    async fn starttls(&mut self, arg: &str) -> io::Result<Option<Next>> {
        let config = self.config;
        if self.tls {
            self.error(&config.replies.tls_active).await?;
            return Ok(None);
        }
        if config.ehlo_refused {
            self.error("502 5.5.2 Error: command not recognized\r\n")
                .await?;
            return Ok(None);
        }
        if let Some(reply) = &config.replies.starttls_argument
            && !arg.is_empty()
        {
            self.error(reply).await?;
            return Ok(None);
        }
        let ready = "220 2.0.0 Ready to start TLS\r\n";
        match config.starttls {
            StartTls::NotOffered => {
                self.error("502 5.5.1 Error: command not recognized\r\n")
                    .await?;
                Ok(None)
            }
            StartTls::Refused => {
                self.send("454 4.7.0 TLS not available due to local problem\r\n")
                    .await?;
                Ok(None)
            }
            StartTls::Offer => {
                self.hooks.event(Event::StartTls);
                self.send(ready).await?;
                Ok(Some(Next::StartTls))
            }
            StartTls::CloseAfter => {
                self.hooks.event(Event::StartTls);
                self.send(ready).await?;
                Ok(Some(Next::Close))
            }
            StartTls::GarbageAfter(garbage) => {
                self.hooks.event(Event::StartTls);
                self.send(ready).await?;
                // Answer the ClientHello (not the 220) with junk, so that the client's TLS
                // layer sees it whatever its buffering.
                let _ = timeout(GARBAGE_WAIT, self.r.fill_buf()).await;
                let w = self.r.get_mut();
                w.write_all(garbage).await?;
                w.flush().await?;
                Ok(Some(Next::Close))
            }
        }
    }

    /// AUTH PLAIN / LOGIN: every credential is accepted; what the client sends is compared with
    /// "*" (its abort) and otherwise neither passed on nor kept.
    async fn auth(&mut self, arg: &str) -> io::Result<bool> {
        let mut parts = arg.split_whitespace();
        let mechanism = parts.next().unwrap_or("").to_ascii_uppercase();
        let initial = parts.next().is_some();
        self.hooks.event(Event::Auth {
            mechanism: &mechanism,
            tls: self.tls,
        });
        if !self.tls {
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
            let Some(response) = self.next_line().await? else {
                return Ok(true);
            };
            // A secret: only compared with "*" (the client's abort), never kept.
            let aborted = response == b"*";
            drop(response);
            self.hooks.event(Event::ClientSecret);
            if aborted {
                return self.error("501 5.7.0 Authentication aborted\r\n").await;
            }
        }
        self.authenticated = true;
        self.hooks.event(Event::AuthAccepted);
        self.send("235 2.7.0 Authentication successful\r\n").await?;
        Ok(false)
    }

    /// Reads message data up to the lone "." line and discards it.
    async fn data(&mut self) -> io::Result<DataEnd> {
        let config = self.config;
        let max = config.max_message;
        let mut total = 0usize;
        loop {
            let remaining = max.saturating_sub(total);
            match timeout(config.wait_limit(), read_line(&mut self.r, remaining)).await {
                Err(_) => {
                    self.hooks.event(Event::Idle);
                    let _ = self.send(&config.replies.idle).await;
                    return Ok(DataEnd::Gone);
                }
                Ok(r) => match r? {
                    Line::Eof => {
                        self.hooks.event(Event::Closed { in_data: true });
                        return Ok(DataEnd::Gone);
                    }
                    Line::TooLong => return Ok(DataEnd::TooBig),
                    Line::Text(l) if l == b"." => return Ok(DataEnd::Done(total)),
                    Line::Text(l) => {
                        total += l.len() + 2;
                        if total > max {
                            return Ok(DataEnd::TooBig);
                        }
                    }
                },
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::observe::stream::Replay;

    fn config(starttls: StartTls) -> Config {
        Config {
            greeting: Greeting::Banner("220 mx.test ESMTP\r\n".into()),
            hostname: "mx.test".into(),
            starttls,
            ehlo_refused: false,
            size: 1000,
            smtputf8: false,
            extra_keywords: Vec::new(),
            max_message: 100,
            max_line: 64,
            max_errors: 3,
            idle_timeout: Duration::from_secs(5),
            session_limit: None,
            session_deadline: None,
            linger: Duration::ZERO,
            replies: Replies {
                idle: "421 4.4.2 Error: timeout exceeded\r\n".into(),
                too_many_errors: "421 4.7.0 Error: too many errors\r\n".into(),
                tls_active: "554 5.5.1 Error: TLS already active\r\n".into(),
                starttls_argument: None,
                vrfy: None,
                message_accepted: "250 2.0.0 Ok\r\n".into(),
            },
        }
    }

    /// Records the events; the "TLS" upgrade is a pass-through that replays the pending bytes.
    #[derive(Default)]
    struct Rec(Vec<String>);

    impl Hooks for Rec {
        fn event(&mut self, e: Event<'_>) {
            self.0.push(match e {
                Event::Client(l) => format!("C: {}", String::from_utf8_lossy(l)),
                Event::Server(l) => format!("S: {l}"),
                other => format!("{other:?}"),
            });
        }

        async fn upgrade(&mut self, io: BoxIo, pending: Vec<u8>) -> Option<BoxIo> {
            self.0
                .push(format!("upgrade {:?}", String::from_utf8_lossy(&pending)));
            Some(Box::new(Replay::new(io, pending)))
        }
    }

    /// Sends `script` at once, then reads everything the server says until it closes.
    async fn talk(config: &Config, script: &[u8]) -> (String, Vec<String>) {
        let (mut client, server) = tokio::io::duplex(1 << 16);
        client.write_all(script).await.unwrap();
        client.shutdown().await.unwrap();
        let mut rec = Rec::default();
        let serving = serve(Box::new(server), Mode::Starttls, config, &mut rec);
        let reading = async {
            let mut out = Vec::new();
            let _ = client.read_to_end(&mut out).await;
            out
        };
        let ((), out) = tokio::join!(serving, reading);
        (String::from_utf8_lossy(&out).into_owned(), rec.0)
    }

    #[tokio::test]
    async fn pipelined_starttls_auth_is_redacted_and_pending_bytes_go_to_the_upgrade() {
        let script = b"EHLO a.test\r\nSTARTTLS\r\nEHLO b.test\r\nAUTH PLAIN c2VjcmV0\r\nQUIT\r\n";
        let (out, events) = talk(&config(StartTls::Offer), script).await;
        assert_eq!(
            out,
            "220 mx.test ESMTP\r\n\
             250-mx.test\r\n250-PIPELINING\r\n250-SIZE 1000\r\n250-STARTTLS\r\n\
             250-ENHANCEDSTATUSCODES\r\n250 8BITMIME\r\n\
             220 2.0.0 Ready to start TLS\r\n\
             250-mx.test\r\n250-PIPELINING\r\n250-SIZE 1000\r\n250-AUTH PLAIN LOGIN\r\n\
             250-ENHANCEDSTATUSCODES\r\n250 8BITMIME\r\n\
             235 2.7.0 Authentication successful\r\n\
             221 2.0.0 Bye\r\n"
        );
        let all = events.join("\n");
        assert!(all.contains("C: AUTH PLAIN <redacted>"), "{all}");
        assert!(
            all.contains("upgrade \"EHLO b.test\\r\\nAUTH PLAIN c2VjcmV0"),
            "{all}"
        );
        assert!(all.contains("Greeted { verb: \"EHLO\", arg: \"b.test\", tls: true }"));
        assert!(all.contains("AuthAccepted"), "{all}");
        let events: Vec<&String> = events
            .iter()
            .filter(|e| !e.starts_with("upgrade"))
            .collect();
        assert!(!events.iter().any(|e| e.contains("c2VjcmV0")), "{all}");
    }

    /// AUTH written with a tab, runs of spaces or leading blanks is still AUTH: its initial
    /// response is redacted, never passed on.
    #[tokio::test]
    async fn auth_with_any_whitespace_is_redacted() {
        for auth in [
            "AUTH\tPLAIN c2VjcmV0",
            "AUTH   PLAIN\tc2VjcmV0",
            "  auth plain c2VjcmV0",
        ] {
            let script = format!("EHLO a.test\r\nSTARTTLS\r\nEHLO b.test\r\n{auth}\r\nQUIT\r\n");
            let (out, events) = talk(&config(StartTls::Offer), script.as_bytes()).await;
            assert!(
                out.contains("235 2.7.0 Authentication successful"),
                "{auth}: {out}"
            );
            let events: Vec<&String> = events
                .iter()
                .filter(|e| !e.starts_with("upgrade"))
                .collect();
            assert!(
                !events.iter().any(|e| e.contains("c2VjcmV0")),
                "{auth}: {events:?}"
            );
            assert!(
                events.iter().any(|e| e.contains("<redacted>")),
                "{auth}: {events:?}"
            );
        }
    }

    /// A client that keeps the connection busy (NOOP after NOOP, never idle) is still ended at
    /// the session limit, as an idle one is.
    #[tokio::test]
    async fn a_busy_client_is_ended_at_the_session_limit() {
        let mut c = config(StartTls::Offer);
        c.session_limit = Some(Duration::from_millis(300));
        let (mut client, server) = tokio::io::duplex(1 << 16);
        let mut rec = Rec::default();
        let serving = serve(Box::new(server), Mode::Starttls, &c, &mut rec);
        let talking = async {
            let mut out = Vec::new();
            let mut buf = [0u8; 4096];
            // A hang guard far beyond the limit: 200 NOOPs, 50 ms apart (10 s).
            for _ in 0..200 {
                if client.write_all(b"NOOP\r\n").await.is_err() {
                    break;
                }
                tokio::time::sleep(Duration::from_millis(50)).await;
                match tokio::time::timeout(Duration::from_millis(10), client.read(&mut buf)).await {
                    Ok(Ok(0)) | Ok(Err(_)) => break,
                    Ok(Ok(n)) => out.extend_from_slice(buf.get(..n).unwrap_or_default()),
                    Err(_) => {}
                }
            }
            let _ =
                tokio::time::timeout(Duration::from_secs(1), client.read_to_end(&mut out)).await;
            String::from_utf8_lossy(&out).into_owned()
        };
        let ((), out) = tokio::join!(serving, talking);
        assert!(out.contains("250 2.0.0 Ok"), "{out}");
        assert!(out.contains("\r\n421 "), "{out}");
        let noops = out.matches("250 2.0.0 Ok").count();
        assert!(noops < 150, "the session went on for {noops} NOOPs");
        assert!(rec.0.iter().any(|e| e == "Idle"), "{:?}", rec.0);
    }

    #[tokio::test]
    async fn auth_login_responses_are_secrets() {
        let script =
            b"EHLO a.test\r\nSTARTTLS\r\nEHLO b.test\r\nAUTH LOGIN\r\ndXNlcg==\r\nc2VjcmV0\r\nQUIT\r\n";
        let (out, events) = talk(&config(StartTls::Offer), script).await;
        assert!(
            out.ends_with(
                "334 VXNlcm5hbWU6\r\n334 UGFzc3dvcmQ6\r\n235 2.7.0 Authentication successful\r\n221 2.0.0 Bye\r\n"
            ),
            "{out}"
        );
        let all = events.join("\n");
        assert_eq!(events.iter().filter(|e| *e == "ClientSecret").count(), 2);
        let events: Vec<&String> = events
            .iter()
            .filter(|e| !e.starts_with("upgrade"))
            .collect();
        assert!(
            !events
                .iter()
                .any(|e| e.contains("c2VjcmV0") || e.contains("dXNlcg")),
            "{all}"
        );
    }

    #[tokio::test]
    async fn too_many_errors_close_the_connection() {
        let (out, _) = talk(
            &config(StartTls::NotOffered),
            b"X\r\nSTARTTLS\r\nY\r\nZ\r\n",
        )
        .await;
        assert_eq!(
            out,
            "220 mx.test ESMTP\r\n\
             502 5.5.2 Error: command not recognized\r\n\
             502 5.5.1 Error: command not recognized\r\n\
             502 5.5.2 Error: command not recognized\r\n\
             421 4.7.0 Error: too many errors\r\n"
        );
    }

    #[tokio::test]
    async fn a_message_over_the_cap_is_refused_and_a_long_line_closes() {
        let big = format!(
            "HELO a\r\nMAIL FROM:<a@a>\r\nRCPT TO:<b@b>\r\nDATA\r\n{}\r\n.\r\nNOOP\r\n",
            "x".repeat(60)
        );
        let (out, events) = talk(&config(StartTls::Refused), big.as_bytes()).await;
        assert!(
            events.iter().any(|e| e == "Message { bytes: 62 }"),
            "{events:?}"
        );
        assert!(
            out.ends_with(
                "354 End data with <CR><LF>.<CR><LF>\r\n250 2.0.0 Ok\r\n250 2.0.0 Ok\r\n"
            ),
            "{out}"
        );
        let (out, events) = talk(
            &config(StartTls::Refused),
            b"HELO a\r\nMAIL FROM:<a@a>\r\nRCPT TO:<b@b>\r\nDATA\r\n",
        )
        .await;
        assert!(
            out.ends_with("354 End data with <CR><LF>.<CR><LF>\r\n"),
            "{out}"
        );
        assert!(events.iter().any(|e| e == "Closed { in_data: true }"));
        let long = format!("NOOP {}\r\n", "z".repeat(100));
        let (out, _) = talk(&config(StartTls::Refused), long.as_bytes()).await;
        assert!(out.ends_with("500 5.5.2 Error: line too long\r\n"), "{out}");
        let mut c = config(StartTls::Refused);
        c.max_message = 50;
        let (out, _) = talk(&c, big.as_bytes()).await;
        assert!(
            out.ends_with("552 5.3.4 Error: message file too big\r\n"),
            "{out}"
        );
    }

    #[tokio::test]
    async fn greetings() {
        let mut c = config(StartTls::Offer);
        c.greeting = Greeting::Refuse("421 4.7.0 busy\r\n".into());
        assert_eq!(talk(&c, b"EHLO a\r\n").await.0, "421 4.7.0 busy\r\n");
        c.greeting = Greeting::Delayed {
            delay: Duration::from_secs(5),
            banner: "220 late\r\n".into(),
            reject: "554 5.5.1 Error: SMTP protocol synchronization\r\n".into(),
        };
        assert_eq!(
            talk(&c, b"EHLO a\r\n").await.0,
            "554 5.5.1 Error: SMTP protocol synchronization\r\n"
        );
        c.greeting = Greeting::Silent(Duration::from_secs(5));
        assert_eq!(talk(&c, b"EHLO a\r\n").await.0, "");
    }

    #[tokio::test]
    async fn a_silent_client_gets_421() {
        let mut c = config(StartTls::Offer);
        c.idle_timeout = Duration::from_millis(100);
        let (mut client, server) = tokio::io::duplex(1 << 16);
        let mut rec = Rec::default();
        let serving = serve(Box::new(server), Mode::Starttls, &c, &mut rec);
        let reading = async {
            let mut out = Vec::new();
            let _ = client.read_to_end(&mut out).await;
            out
        };
        let ((), out) = tokio::join!(serving, reading);
        assert_eq!(
            String::from_utf8_lossy(&out),
            "220 mx.test ESMTP\r\n421 4.4.2 Error: timeout exceeded\r\n"
        );
        assert!(rec.0.iter().any(|e| e == "Idle"));
    }
}
