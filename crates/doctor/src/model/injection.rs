//! The STARTTLS command injection probe (CVE-2011-0411 class), as observed: one connection that
//! sends `STARTTLS\r\nRSET\r\n` in one write, does the handshake, and sends EHLO inside TLS:
//! replies before the EHLO's answer the injection. Raw facts only; `judge::injection` decides.

use serde::{Deserialize, Serialize};

/// What the injection probe saw.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct InjectionObservation {
    /// What was sent in one write after EHLO (`STARTTLS\r\nRSET\r\n`).
    pub sent: String,
    /// The EHLO before TLS advertised PIPELINING (RFC 2920).
    pub pipelining_advertised: bool,
    /// The reply to STARTTLS (its first line, with the code), if one came.
    pub starttls_reply: Option<String>,
    /// Further replies read in plaintext after the STARTTLS reply and before the handshake (the
    /// server answering the pipelined command before TLS), each as "CODE text".
    pub plaintext_replies: Vec<String>,
    /// Raw bytes the server sent after its STARTTLS reply that were no complete reply.
    pub plaintext_bytes: usize,
    /// The handshake completed.
    pub handshake_completed: bool,
    /// Why the handshake or the connection failed, when it did.
    pub failure: Option<String>,
    /// Bytes of the replies the server sent inside TLS before its reply to our EHLO (0: none),
    /// or of whatever it sent there that was no reply.
    pub tls_bytes_before_command: usize,
    /// A printable excerpt of them.
    pub tls_excerpt: Option<String>,
    /// Replies parsed from those bytes, each as "CODE text".
    pub tls_replies: Vec<String>,
    /// From our EHLO inside TLS to knowing which reply was its, in milliseconds (a second reply
    /// is waited for only when the first does not look like an EHLO reply).
    pub tls_wait_ms: f64,
    /// The reply code to our own EHLO inside TLS, when it came.
    pub ehlo_after_tls: Option<u16>,
    /// The whole probe's time, in milliseconds.
    pub total_ms: f64,
    /// TCP connections the probe made: 1, more when the server refused it for now (a 4xx
    /// greeting, a refused connection) and was asked again.
    pub connections: u32,
}
