//! Observations: plain, serialisable facts about what a server did. No judgement lives here;
//! `diagnose` turns observations into findings, so a saved scan can be diagnosed again later.

use crate::model::cert::CertBytes;
use serde::{Deserialize, Serialize};
use std::net::SocketAddr;
use wire::smtp::{Ehlo, Reply};

/// How TLS is started on a connection.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Mode {
    /// Plain SMTP first, then `STARTTLS` (RFC 3207); ports 25 and 587.
    Starttls,
    /// TLS from the first byte (RFC 8314); port 465.
    ImplicitTls,
}

impl Mode {
    pub fn as_str(self) -> &'static str {
        match self {
            Mode::Starttls => "STARTTLS",
            Mode::ImplicitTls => "implicit TLS",
        }
    }
}

/// The phase of a connection in which something happened.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Phase {
    Resolve,
    Connect,
    Banner,
    Ehlo,
    Starttls,
    Handshake,
    /// EHLO and QUIT after the handshake.
    AfterTls,
}

impl Phase {
    pub fn as_str(self) -> &'static str {
        match self {
            Phase::Resolve => "resolve",
            Phase::Connect => "connect",
            Phase::Banner => "banner",
            Phase::Ehlo => "EHLO",
            Phase::Starttls => "STARTTLS",
            Phase::Handshake => "handshake",
            Phase::AfterTls => "after TLS",
        }
    }
}

/// Why a connection stopped before it did all it meant to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum FailureKind {
    /// Name resolution failed.
    Resolve,
    /// TCP connection refused (RST): nothing listens on that port.
    Refused,
    /// No route, network unreachable, host unreachable.
    Unreachable,
    /// The phase's time limit passed.
    Timeout,
    /// The peer closed the connection.
    Closed,
    /// The peer sent something that is not SMTP.
    NotSmtp,
    /// A line longer than the limit.
    LineTooLong,
    /// A TLS alert from the server.
    TlsAlert,
    /// The peer sent bytes that are not TLS where a TLS record was due.
    NotTls,
    /// Any other TLS protocol error.
    TlsError,
    /// Any other I/O error.
    Io,
    /// An SMTP 4xx/5xx reply (or no STARTTLS) stopped a connection of the scan.
    Rejected,
    /// The check's connect policy ([`crate::model::options::ConnectPolicy`]) refused the
    /// address: no connection was made.
    Policy,
}

/// What stopped a connection.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Failure {
    pub phase: Phase,
    pub kind: FailureKind,
    /// The precise cause in words (the OS error, the bytes seen, the alert).
    pub message: String,
}

impl Failure {
    /// Whether the server may well serve the next attempt: a 4xx refusal (a busy server:
    /// Postfix's anvil, Exim's smtp_accept_max), a refused or dropped connection, a timeout.
    pub fn transient(&self) -> bool {
        match self.kind {
            FailureKind::Rejected => self.message.contains("\"4"),
            FailureKind::Refused | FailureKind::Closed | FailureKind::Timeout | FailureKind::Io => {
                true
            }
            _ => false,
        }
    }
}

/// A TLS alert as received.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Alert {
    pub code: u8,
    pub name: String,
}

impl Alert {
    /// "the alert bad_certificate (42)", for sentences.
    pub fn words(&self) -> String {
        format!("the alert {} ({})", self.name, self.code)
    }
}

/// The SMTP side of one connection.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct SmtpObservation {
    /// The greeting, complete (all lines of a multi-line banner).
    pub banner: Option<Reply>,
    /// The reply to the first EHLO.
    pub ehlo: Option<Reply>,
    /// The reply to HELO, when EHLO was refused and HELO tried instead.
    pub helo: Option<Reply>,
    /// Capabilities from the EHLO before TLS (STARTTLS mode) or the only EHLO (implicit TLS).
    pub capabilities: Option<Ehlo>,
    /// The reply to STARTTLS.
    pub starttls: Option<Reply>,
    /// Bytes the server sent after its STARTTLS reply and before the handshake.
    pub bytes_after_starttls: usize,
    /// A printable excerpt of those bytes.
    pub after_starttls_excerpt: Option<String>,
    /// The reply to EHLO after the handshake (STARTTLS mode).
    pub ehlo_after_tls: Option<Reply>,
    /// Capabilities advertised after the handshake.
    pub capabilities_after_tls: Option<Ehlo>,
}

/// The cipher suite negotiated.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SuiteId {
    /// "0x1302"
    pub id: String,
    /// IANA name, e.g. "TLS_AES_256_GCM_SHA384".
    pub iana: String,
}

/// The TLS side of one connection.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct TlsObservation {
    /// The handshake completed.
    pub completed: bool,
    /// SNI sent, if any.
    pub sni: Option<String>,
    /// "TLSv1.3", "TLSv1.2".
    pub version: Option<String>,
    pub cipher_suite: Option<SuiteId>,
    /// Key-exchange group, e.g. "x25519".
    pub group: Option<String>,
    /// The certificate chain exactly as sent, leaf first.
    pub chain: Vec<CertBytes>,
    /// The server's handshake signature did not verify (with the reason). Recorded, not enforced.
    pub signature_problem: Option<String>,
    /// The check of the server's handshake signature (the TLS 1.3 CertificateVerify or the
    /// TLS 1.2 ServerKeyExchange) against the leaf's public key; absent when none was signed
    /// (a failed handshake, or a saved report from before the check).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub handshake_signature: Option<crate::model::signature::SignatureCheck>,
    /// An alert the server sent.
    pub alert: Option<Alert>,
    /// Whether the server stapled an OCSP response (rustls asks for one in every handshake);
    /// absent when the handshake did not get that far, or in a saved report from before.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ocsp_stapled: Option<bool>,
    /// A completed TLS 1.3 session: whether the server sent a NewSessionTicket before the
    /// dialogue ended (absent otherwise).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub session_ticket: Option<bool>,
}

/// Time spent per phase, in milliseconds.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Timings {
    pub connect_ms: Option<f64>,
    pub banner_ms: Option<f64>,
    pub ehlo_ms: Option<f64>,
    pub starttls_ms: Option<f64>,
    pub handshake_ms: Option<f64>,
    pub after_tls_ms: Option<f64>,
    pub total_ms: f64,
}

/// Who sent a transcript line.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Sender {
    Client,
    Server,
    /// A remark of the tool's (connected, closed, timed out).
    Note,
}

/// One line of the dialogue: an SMTP line or a TLS handshake message.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TranscriptEntry {
    /// Milliseconds since the connection started.
    pub at_ms: f64,
    pub from: Sender,
    /// "smtp", "tls" or "tcp".
    pub layer: String,
    pub text: String,
}

/// Everything seen on one connection to one address.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EndpointObservation {
    /// The host name being checked (or the address literal).
    pub name: String,
    pub address: SocketAddr,
    pub mode: Mode,
    /// The EHLO name sent.
    pub ehlo_name: String,
    pub smtp: SmtpObservation,
    /// Present when a handshake was attempted.
    pub tls: Option<TlsObservation>,
    /// Present when the connection stopped early.
    pub failure: Option<Failure>,
    pub timings: Timings,
    pub transcript: Vec<TranscriptEntry>,
    /// Versions, suites and groups measured with hand-built handshakes (absent with `--quick`).
    #[serde(flatten, default, skip_serializing_if = "Option::is_none")]
    pub scan: Option<crate::model::scan::TlsScan>,
    /// A second modern handshake without SNI (when the first sent one): what peers that send no
    /// SNI, such as Postfix and Exim by default, are shown.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub no_sni: Option<TlsObservation>,
    /// Missing intermediates fetched through their AIA caIssuers URLs.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub aia_fetches: Vec<crate::model::observation::AiaFetch>,
    /// Earlier attempts of the first connection that the server refused at the greeting (a 421,
    /// or closed before greeting), retried with the scan's back-off: what each got.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub refused_before: Vec<String>,
    /// The STARTTLS command injection probe (absent with `--quick`, in implicit TLS, without
    /// STARTTLS, and in reports saved before it).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub starttls_injection: Option<crate::model::injection::InjectionObservation>,
}

/// One fetch, as observed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AiaFetch {
    pub url: String,
    /// Where it connected.
    pub address: Option<String>,
    pub certificate: Option<CertBytes>,
    /// Why no certificate came back.
    pub error: Option<String>,
}

impl EndpointObservation {
    /// The chain to judge: the one from the modern handshake, else the one a legacy handshake of
    /// the scan read from the plaintext Certificate message (a server that only speaks TLS 1.0).
    pub fn chain(&self) -> Option<&[CertBytes]> {
        let from_tls = self
            .tls
            .as_ref()
            .filter(|t| t.completed && !t.chain.is_empty())
            .map(|t| t.chain.as_slice());
        let from_scan = self
            .scan
            .as_ref()
            .and_then(|s| s.scanned_chains.first())
            .map(|c| c.chain.as_slice());
        from_tls.or(from_scan)
    }
}
