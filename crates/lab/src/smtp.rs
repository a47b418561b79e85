//! A small, robust SMTP session for the lab servers.
//!
//! It speaks enough ESMTP for a TLS checker or a test client: EHLO/HELO,
//! STARTTLS (with per-scenario misbehaviour), AUTH PLAIN/LOGIN (accepted,
//! never logged), MAIL/RCPT/DATA (accepted and discarded), RSET, NOOP, QUIT.
//! It never relays or stores mail.

use std::io;
use std::time::Duration;

use tokio::io::{AsyncBufReadExt, AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt, BufReader};
use tokio::time::timeout;

use crate::LAB_HOST;

/// Longest command line accepted (bytes, without CRLF).
pub(crate) const MAX_LINE: usize = 4096;
/// A connection that sends nothing for this long is closed.
pub(crate) const IDLE_TIMEOUT: Duration = Duration::from_secs(120);
/// Largest message accepted by DATA.
pub(crate) const MAX_MESSAGE: usize = 10 * 1024 * 1024;
/// Protocol errors tolerated before the connection is closed.
const MAX_ERRORS: u32 = 20;
/// How long a closing connection waits for the peer to close its side.
const CLOSE_DRAIN: Duration = Duration::from_secs(2);

/// Any byte stream a session can run on (plain TCP, rustls or OpenSSL).
pub(crate) trait Io: AsyncRead + AsyncWrite + Unpin + Send {}
impl<T: AsyncRead + AsyncWrite + Unpin + Send> Io for T {}
pub(crate) type BoxIo = Box<dyn Io>;

/// How the server answers STARTTLS.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum StartTls {
    /// Advertised; `220 2.0.0 Ready to start TLS`, then the TLS handshake.
    Offer,
    /// Not advertised; STARTTLS is an unknown command (502).
    NotOffered,
    /// Advertised, answered `454 4.7.0 TLS not available due to local problem`.
    Refused,
    /// Advertised, answered 220, then the connection is closed.
    CloseAfter,
    /// Advertised, answered 220; the ClientHello (or 10 s of silence) is
    /// answered with non-TLS junk and the connection closed.
    GarbageAfter,
}

/// Per-scenario SMTP behaviour.
#[derive(Debug, Clone)]
pub(crate) struct Profile {
    pub starttls: StartTls,
    /// EHLO is answered 502 (HELO still works).
    pub ehlo_refused: bool,
}

/// How a session ended.
pub(crate) enum SessionEnd {
    /// The connection is finished (closed or to be dropped).
    Closed,
    /// STARTTLS was accepted (220 sent): the caller must run the TLS handshake
    /// on this stream. Bytes the client pipelined after STARTTLS were discarded.
    StartTls(BoxIo),
}

/// garbage-after-starttls: how long to wait for the ClientHello.
const GARBAGE_WAIT: Duration = Duration::from_secs(10);

/// The 64 bytes of non-TLS junk sent by the garbage-after-starttls scenario.
pub(crate) const STARTTLS_GARBAGE: &[u8; 64] =
    b"HTTP/1.1 400 Bad Request\r\nContent-Type: text/plain\r\n\r\nnot TLS.\r\n";

/// The standard banner of a lab scenario.
pub(crate) fn banner(scenario: &str) -> String {
    format!("220 {LAB_HOST} ESMTP smtp-tls-doctor lab ({scenario})\r\n")
}

/// Runs an SMTP session until QUIT, EOF, timeout, error or STARTTLS.
///
/// `greeting` is sent first if given (None after STARTTLS). `tls` tells
/// whether the stream is already encrypted.
pub(crate) async fn run(
    io: BoxIo,
    profile: &Profile,
    tls: bool,
    greeting: Option<&str>,
) -> SessionEnd {
    let mut session = Session {
        r: BufReader::new(io),
        profile,
        tls,
        greeted: false,
        authenticated: false,
        mail: false,
        rcpts: 0,
        errors: 0,
    };
    if let Some(g) = greeting
        && session.send(g).await.is_err()
    {
        return SessionEnd::Closed;
    }
    match session.serve().await {
        Ok(Next::Close) | Err(_) => {
            let mut io = session.r.into_inner();
            close(&mut io).await;
            SessionEnd::Closed
        }
        Ok(Next::StartTls) => SessionEnd::StartTls(session.r.into_inner()),
    }
}

/// Closes gracefully: flush and shut down our side, then wait a little for
/// the peer to close its side so that it sees our last reply rather than a
/// reset.
pub(crate) async fn close<S: AsyncRead + AsyncWrite + Unpin + ?Sized>(io: &mut S) {
    let _ = timeout(CLOSE_DRAIN, io.shutdown()).await;
    let _ = timeout(CLOSE_DRAIN, async {
        let mut buf = [0u8; 4096];
        let mut total = 0usize;
        while total < 1024 * 1024 {
            match io.read(&mut buf).await {
                Ok(0) | Err(_) => break,
                Ok(n) => total += n,
            }
        }
    })
    .await;
}

enum Next {
    /// Close gracefully.
    Close,
    StartTls,
}

pub(crate) use doctor::observe::smtp_line::{Line, read_line};

struct Session<'a> {
    r: BufReader<BoxIo>,
    profile: &'a Profile,
    tls: bool,
    greeted: bool,
    authenticated: bool,
    mail: bool,
    rcpts: u32,
    errors: u32,
}

impl Session<'_> {
    async fn send(&mut self, reply: &str) -> io::Result<()> {
        let w = self.r.get_mut();
        w.write_all(reply.as_bytes()).await?;
        w.flush().await
    }

    /// Reads one line with the idle timeout. `None`: the session is over
    /// (EOF, error, timeout or overlong line; a reply was sent if useful).
    async fn next_line(&mut self, cap: usize) -> io::Result<Option<Vec<u8>>> {
        match timeout(IDLE_TIMEOUT, read_line(&mut self.r, cap)).await {
            Err(_) => {
                let _ = self
                    .send("421 4.4.2 mx.lab.test Error: timeout exceeded\r\n")
                    .await;
                Ok(None)
            }
            Ok(Err(e)) => Err(e),
            Ok(Ok(Line::Eof)) => Ok(None),
            Ok(Ok(Line::TooLong)) => {
                let _ = self.send("500 5.5.2 Error: line too long\r\n").await;
                Ok(None)
            }
            Ok(Ok(Line::Text(l))) => Ok(Some(l)),
        }
    }

    /// Counts a protocol error; true when the client has made too many.
    async fn error(&mut self, reply: &str) -> io::Result<bool> {
        self.errors += 1;
        self.send(reply).await?;
        if self.errors >= MAX_ERRORS {
            self.send("421 4.7.0 mx.lab.test Error: too many errors\r\n")
                .await?;
            return Ok(true);
        }
        Ok(false)
    }

    fn starttls_advertised(&self) -> bool {
        !self.tls && self.profile.starttls != StartTls::NotOffered
    }

    fn reset_transaction(&mut self) {
        self.mail = false;
        self.rcpts = 0;
    }

    async fn serve(&mut self) -> io::Result<Next> {
        loop {
            let Some(line) = self.next_line(MAX_LINE).await? else {
                return Ok(Next::Close);
            };
            let text = String::from_utf8_lossy(&line);
            let (verb, arg) = match text.split_once(' ') {
                Some((v, a)) => (v.to_ascii_uppercase(), a.trim()),
                None => (text.trim().to_ascii_uppercase(), ""),
            };
            let arg = arg.to_string();
            let too_many = match verb.as_str() {
                "EHLO" if self.profile.ehlo_refused => {
                    self.error("502 5.5.2 Error: command not recognized\r\n")
                        .await?
                }
                "EHLO" | "HELO" if arg.is_empty() => {
                    let reply = format!("501 5.5.4 Syntax: {verb} hostname\r\n");
                    self.error(&reply).await?
                }
                "EHLO" => {
                    self.greeted = true;
                    self.reset_transaction();
                    let mut reply =
                        format!("250-{LAB_HOST}\r\n250-PIPELINING\r\n250-SIZE 10240000\r\n");
                    if self.starttls_advertised() {
                        reply.push_str("250-STARTTLS\r\n");
                    }
                    if self.tls {
                        reply.push_str("250-AUTH PLAIN LOGIN\r\n");
                    }
                    reply.push_str("250-ENHANCEDSTATUSCODES\r\n250 8BITMIME\r\n");
                    self.send(&reply).await?;
                    false
                }
                "HELO" => {
                    self.greeted = true;
                    self.reset_transaction();
                    self.send(&format!("250 {LAB_HOST}\r\n")).await?;
                    false
                }
                "STARTTLS" => match self.starttls_step().await? {
                    Some(next) => return Ok(next),
                    None => false,
                },
                "AUTH" => self.auth(&arg).await?,
                "MAIL" => {
                    if !self.greeted {
                        self.error("503 5.5.1 Error: send HELO/EHLO first\r\n")
                            .await?
                    } else if self.mail {
                        self.error("503 5.5.1 Error: nested MAIL command\r\n")
                            .await?
                    } else {
                        self.mail = true;
                        self.send("250 2.1.0 Ok\r\n").await?;
                        false
                    }
                }
                "RCPT" => {
                    if !self.mail {
                        self.error("503 5.5.1 Error: need MAIL command\r\n").await?
                    } else {
                        self.rcpts += 1;
                        self.send("250 2.1.5 Ok\r\n").await?;
                        false
                    }
                }
                "DATA" => {
                    if self.rcpts == 0 {
                        self.error("503 5.5.1 Error: need RCPT command\r\n").await?
                    } else {
                        self.send("354 End data with <CR><LF>.<CR><LF>\r\n").await?;
                        match self.data().await? {
                            DataEnd::Done => {
                                self.reset_transaction();
                                self.send("250 2.0.0 Ok: message accepted and discarded\r\n")
                                    .await?;
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
                "QUIT" => {
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

    /// Handles STARTTLS. `Some(next)` ends the plain-text session.
    async fn starttls_step(&mut self) -> io::Result<Option<Next>> {
        if self.tls {
            self.error("503 5.5.1 Error: TLS already active\r\n")
                .await?;
            return Ok(None);
        }
        if self.profile.ehlo_refused {
            self.error("502 5.5.2 Error: command not recognized\r\n")
                .await?;
            return Ok(None);
        }
        match self.profile.starttls {
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
                self.send("220 2.0.0 Ready to start TLS\r\n").await?;
                Ok(Some(Next::StartTls))
            }
            StartTls::CloseAfter => {
                self.send("220 2.0.0 Ready to start TLS\r\n").await?;
                Ok(Some(Next::Close))
            }
            StartTls::GarbageAfter => {
                self.send("220 2.0.0 Ready to start TLS\r\n").await?;
                // Answer the ClientHello (not the 220) with junk, so that the
                // client's TLS layer sees it whatever its buffering.
                let _ = timeout(GARBAGE_WAIT, self.r.fill_buf()).await;
                let w = self.r.get_mut();
                w.write_all(STARTTLS_GARBAGE).await?;
                w.flush().await?;
                Ok(Some(Next::Close))
            }
        }
    }

    /// AUTH PLAIN / LOGIN: every credential is accepted and none is kept.
    async fn auth(&mut self, arg: &str) -> io::Result<bool> {
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
        let mut parts = arg.split_whitespace();
        let mechanism = parts.next().unwrap_or("").to_ascii_uppercase();
        let initial = parts.next();
        let steps: &[&str] = match (mechanism.as_str(), initial) {
            ("PLAIN", Some(_)) => &[],
            ("PLAIN", None) => &["334 \r\n"],
            ("LOGIN", Some(_)) => &["334 UGFzc3dvcmQ6\r\n"],
            ("LOGIN", None) => &["334 VXNlcm5hbWU6\r\n", "334 UGFzc3dvcmQ6\r\n"],
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
            // The response holds a secret: it is only checked for "*".
            if response == b"*" {
                return self.error("501 5.7.0 Authentication aborted\r\n").await;
            }
        }
        self.authenticated = true;
        self.send("235 2.7.0 Authentication successful\r\n").await?;
        Ok(false)
    }

    /// Reads message data up to the lone "." line and discards it.
    async fn data(&mut self) -> io::Result<DataEnd> {
        let mut total = 0usize;
        loop {
            let remaining = MAX_MESSAGE.saturating_sub(total);
            match timeout(IDLE_TIMEOUT, read_line(&mut self.r, remaining)).await {
                Err(_) => {
                    let _ = self
                        .send("421 4.4.2 mx.lab.test Error: timeout exceeded\r\n")
                        .await;
                    return Ok(DataEnd::Gone);
                }
                Ok(r) => match r? {
                    Line::Eof => return Ok(DataEnd::Gone),
                    Line::TooLong => return Ok(DataEnd::TooBig),
                    Line::Text(l) if l == b"." => return Ok(DataEnd::Done),
                    Line::Text(l) => {
                        total += l.len() + 2;
                        if total > MAX_MESSAGE {
                            return Ok(DataEnd::TooBig);
                        }
                    }
                },
            }
        }
    }
}

enum DataEnd {
    Done,
    TooBig,
    Gone,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn read_line_variants() {
        let data: &[u8] = b"EHLO a\r\nNOOP\nxxxxxxxxxx\r\npartial";
        let mut r = BufReader::new(data);
        assert_eq!(
            read_line(&mut r, 100).await.ok(),
            Some(Line::Text(b"EHLO a".to_vec()))
        );
        assert_eq!(
            read_line(&mut r, 100).await.ok(),
            Some(Line::Text(b"NOOP".to_vec()))
        );
        assert_eq!(read_line(&mut r, 5).await.ok(), Some(Line::TooLong));
        assert_eq!(read_line(&mut r, 100).await.ok(), Some(Line::Eof));
    }

    #[tokio::test]
    async fn read_line_cap_without_newline() {
        let data = vec![b'x'; 100_000];
        let mut r = BufReader::new(&data[..]);
        assert_eq!(read_line(&mut r, MAX_LINE).await.ok(), Some(Line::TooLong));
    }

    #[test]
    fn garbage_is_64_bytes() {
        assert_eq!(STARTTLS_GARBAGE.len(), 64);
    }
}
