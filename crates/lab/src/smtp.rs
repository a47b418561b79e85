//! The lab's SMTP servers: the doctor's SMTP server session
//! ([`doctor::observe::smtp_server`]) with the lab's replies, greetings and STARTTLS
//! misbehaviours. Each server's TLS upgrade is its [`Hooks`] (bytes a client pipelines after
//! STARTTLS are discarded there, never carried into TLS).
//!
//! It speaks enough ESMTP for a TLS checker or a test client: EHLO/HELO, STARTTLS (with
//! per-scenario misbehaviour), AUTH PLAIN/LOGIN (accepted, never logged), MAIL/RCPT/DATA
//! (accepted and discarded), RSET, NOOP, QUIT. It never relays or stores mail.

use std::time::Duration;

use doctor::observe::smtp_server::Replies;
pub(crate) use doctor::observe::smtp_server::{BoxIo, Config, Greeting, Hooks, StartTls};

use crate::LAB_HOST;

/// Longest command line accepted (bytes, without CRLF).
const MAX_LINE: usize = 4096;
/// A connection that sends nothing for this long is closed.
pub(crate) const IDLE_TIMEOUT: Duration = Duration::from_secs(120);
/// Largest message accepted by DATA.
const MAX_MESSAGE: usize = 10 * 1024 * 1024;
/// The SIZE advertised in the EHLO reply.
const ADVERTISED_SIZE: u64 = 10_240_000;
/// Protocol errors tolerated before the connection is closed.
const MAX_ERRORS: u32 = 20;
/// How long a closing connection waits for the peer to close its side.
const CLOSE_DRAIN: Duration = Duration::from_secs(2);

/// The 64 bytes of non-TLS junk sent by the garbage-after-starttls scenario.
pub(crate) const STARTTLS_GARBAGE: &[u8; 64] =
    b"HTTP/1.1 400 Bad Request\r\nContent-Type: text/plain\r\n\r\nnot TLS.\r\n";

/// The standard banner of a lab scenario.
pub(crate) fn banner(scenario: &str) -> String {
    format!("220 {LAB_HOST} ESMTP smtp-tls-doctor lab ({scenario})\r\n")
}

/// A lab server's SMTP behaviour.
pub(crate) fn config(greeting: Greeting, starttls: StartTls, ehlo_refused: bool) -> Config {
    Config {
        greeting,
        hostname: LAB_HOST.to_string(),
        starttls,
        ehlo_refused,
        size: ADVERTISED_SIZE,
        smtputf8: false,
        extra_keywords: Vec::new(),
        max_message: MAX_MESSAGE,
        max_line: MAX_LINE,
        max_errors: MAX_ERRORS,
        idle_timeout: IDLE_TIMEOUT,
        session_limit: None,
        session_deadline: None,
        linger: CLOSE_DRAIN,
        replies: Replies {
            idle: format!("421 4.4.2 {LAB_HOST} Error: timeout exceeded\r\n"),
            too_many_errors: format!("421 4.7.0 {LAB_HOST} Error: too many errors\r\n"),
            tls_active: "503 5.5.1 Error: TLS already active\r\n".into(),
            starttls_argument: None,
            vrfy: None,
            message_accepted: "250 2.0.0 Ok: message accepted and discarded\r\n".into(),
        },
    }
}

/// The session's mode for a lab mode.
pub(crate) fn mode(mode: crate::Mode) -> doctor::model::observation::Mode {
    match mode {
        crate::Mode::Starttls => doctor::model::observation::Mode::Starttls,
        crate::Mode::Implicit => doctor::model::observation::Mode::ImplicitTls,
    }
}

/// Closes gracefully: flush and shut down our side, then wait a little for
/// the peer to close its side so that it sees our last reply rather than a
/// reset.
pub(crate) async fn close<S: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin + ?Sized>(
    io: &mut S,
) {
    doctor::observe::smtp_server::close(io, CLOSE_DRAIN).await;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn garbage_is_64_bytes() {
        assert_eq!(STARTTLS_GARBAGE.len(), 64);
    }
}
