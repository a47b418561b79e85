//! The STARTTLS command injection probe (CVE-2011-0411 class), as observed: one connection that
//! sends `STARTTLS\r\nRSET\r\n` in one write, does the handshake, and reads inside TLS before
//! sending anything there. Raw facts only; `judge::injection` decides.

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
    /// Bytes the server sent inside TLS before we sent anything there (0: none).
    pub tls_bytes_before_command: usize,
    /// A printable excerpt of them.
    pub tls_excerpt: Option<String>,
    /// Replies parsed from those bytes, each as "CODE text".
    pub tls_replies: Vec<String>,
    /// How long the read inside TLS waited for unsolicited bytes, in milliseconds.
    pub tls_wait_ms: f64,
    /// The reply code to our own EHLO inside TLS, when it came.
    pub ehlo_after_tls: Option<u16>,
    /// The whole probe's time, in milliseconds.
    pub total_ms: f64,
}
