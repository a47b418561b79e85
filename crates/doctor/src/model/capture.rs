//! What the capture server (`client --listen`) recorded about one connection.

use crate::model::finding::Finding;
use crate::model::observation::{Alert, Mode};
use crate::model::profile::Negotiated;
use serde::{Deserialize, Serialize};
use wire::tls::ClientHelloInfo;

/// The finding reported for a client that goes on after accepting a bad certificate.
pub const SKIPS_VERIFICATION: &str = "client-skips-verification";
/// A certificate name no client asks for: the wrong-name certificate is made for it.
pub const WRONG_NAME: &str = "wrong-name.invalid";

// ---------------------------------------------------------------------------------------------
// The certificate presented
// ---------------------------------------------------------------------------------------------

/// The certificate the server presents on a connection.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum CertKind {
    /// Valid, for the configured name, issued by the capture CA (the file written at start).
    Good,
    /// Valid and issued by the capture CA, but for `wrong-name.invalid`.
    WrongName,
    /// For the configured name, but self-signed.
    SelfSigned,
    /// For the configured name, issued by the capture CA, expired two days ago.
    Expired,
}

impl CertKind {
    /// The `--verify-test` cycle: connection 1, 4, 7... get the first, and so on.
    pub const VERIFY_CYCLE: [CertKind; 3] =
        [CertKind::WrongName, CertKind::SelfSigned, CertKind::Expired];

    pub fn as_str(self) -> &'static str {
        match self {
            CertKind::Good => "good",
            CertKind::WrongName => "wrong-name",
            CertKind::SelfSigned => "self-signed",
            CertKind::Expired => "expired",
        }
    }

    /// "a self-signed certificate", for sentences.
    pub fn phrase(self) -> &'static str {
        match self {
            CertKind::Good => "a valid certificate",
            CertKind::WrongName => "a certificate for another name (wrong-name.invalid)",
            CertKind::SelfSigned => "a self-signed certificate",
            CertKind::Expired => "an expired certificate",
        }
    }
}
// ---------------------------------------------------------------------------------------------
// Reports
// ---------------------------------------------------------------------------------------------

/// Everything recorded about one connection: one JSON line of `client --json`
/// (docs/capture.md lists every field).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ConnectionReport {
    /// Always "connection" (the first line of `--json` output has "listening").
    #[serde(rename = "type")]
    pub kind: String,
    /// 1 for the first connection served, and so on.
    pub number: u64,
    /// The client's address, "IP:PORT".
    pub peer: String,
    /// The address the client connected to.
    pub local: String,
    pub mode: Mode,
    /// RFC 3339.
    pub started_at: String,
    pub duration_ms: u64,
    /// The first line of the text report.
    pub verdict: String,
    /// The certificate presented on this connection.
    pub certificate: CertKind,
    pub smtp: SmtpActions,
    /// The TLS handshake; null when the client never started one.
    pub tls: Option<TlsReport>,
    /// The ClientHello as the client sent it; null when none was received or it did not parse.
    pub client_hello: Option<HelloReport>,
    /// Why there is no `client_hello` although TLS started.
    pub client_hello_error: Option<String>,
    /// Only with `--verify-test`.
    pub verification: Option<Verification>,
    pub findings: Vec<Finding>,
    /// Would this client's offer work against each server profile.
    pub servers: Vec<ServerVerdict>,
    /// The caveat of `servers`.
    pub servers_note: String,
    pub transcript: Vec<TranscriptLine>,
    /// Transcript lines left out (the transcript keeps the first 400).
    pub transcript_omitted: usize,
}

/// What the client did in SMTP.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SmtpActions {
    /// "EHLO" or "HELO": the first greeting command.
    pub greeting: Option<String>,
    /// The name given with the first EHLO/HELO.
    pub ehlo: Option<String>,
    /// The name given with EHLO/HELO once TLS was on (after STARTTLS).
    pub ehlo_after_tls: Option<String>,
    /// The client sent STARTTLS.
    pub starttls: bool,
    /// The AUTH mechanism the client chose (upper case); the credentials are never kept.
    pub auth: Option<String>,
    /// The client sent AUTH once TLS was on.
    pub auth_over_tls: bool,
    /// The AUTH exchange ended with 235.
    pub auth_accepted: bool,
    /// The client tried AUTH before TLS was on (refused with 530; what it sent is not kept).
    pub auth_without_tls: bool,
    /// The client sent MAIL FROM (at any point).
    pub mail_from: bool,
    /// The client sent MAIL FROM before TLS was on.
    pub mail_without_tls: bool,
    /// The client sent MAIL FROM once TLS was on.
    pub mail_over_tls: bool,
    /// RCPT TO commands accepted.
    pub rcpt_to: u32,
    /// The client sent DATA and it was accepted (354).
    pub data: bool,
    /// Messages received completely (each answered 250 and discarded).
    pub messages: u32,
    /// Bytes of message data received in all (discarded).
    pub message_bytes: u64,
    /// The client ended with QUIT.
    pub quit: bool,
}

/// The TLS handshake as seen by the server.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct TlsReport {
    /// "completed" or "failed".
    pub handshake: String,
    /// "TLSv1.3", when completed.
    pub version: Option<String>,
    /// "0x1302 TLS_AES_256_GCM_SHA384", when completed.
    pub cipher_suite: Option<String>,
    /// The key-exchange group, e.g. "x25519", when completed (and known).
    pub group: Option<String>,
    /// The alert the client sent (during the handshake, or later instead of SMTP).
    pub alert: Option<Alert>,
    /// The client closed the connection during the handshake (after its ClientHello), without
    /// an alert.
    pub client_closed: bool,
    /// Why the handshake failed, in words.
    pub error: Option<String>,
}

/// The ClientHello, decoded.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct HelloReport {
    /// Versions offered, highest first: supported_versions without GREASE, or without that
    /// extension the legacy_version alone.
    pub versions: Vec<String>,
    /// legacy_version, e.g. "TLSv1.2".
    pub legacy_version: String,
    /// Cipher suites in the client's order, as "0x1302 TLS_AES_256_GCM_SHA384" (GREASE as
    /// "GREASE(0x0a0a)").
    pub cipher_suites: Vec<String>,
    /// supported_groups, in order ("x25519", "secp256r1", "X25519MLKEM768", ...).
    pub groups: Vec<String>,
    /// The groups of the key_share entries.
    pub key_shares: Vec<String>,
    /// signature_algorithms, in order ("ecdsa_secp256r1_sha256", ...).
    pub signature_algorithms: Vec<String>,
    /// The server_name (SNI); null when none was sent.
    pub sni: Option<String>,
    /// ALPN protocols offered.
    pub alpn: Vec<String>,
    /// Extension names in the order sent.
    pub extensions: Vec<String>,
    /// ec_point_formats values (0 = uncompressed).
    pub point_formats: Vec<u8>,
    /// The client sends GREASE values (RFC 8701).
    pub grease: bool,
    /// The JA3-style string the fingerprint is made of: `legacy_version,suites,extensions,
    /// groups,point_formats`, decimal, `-`-separated, GREASE removed.
    pub fingerprint_string: String,
    /// Lower-case hex SHA-256 of `fingerprint_string`.
    pub fingerprint: String,
    /// The same ClientHello as numbers (wire::tls::ClientHelloInfo).
    pub codepoints: ClientHelloInfo,
}

/// The result of `--verify-test` for one connection.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Verification {
    /// The certificate presented ("wrong-name", "self-signed", "expired").
    pub certificate: CertKind,
    /// "verifies", "does-not-verify", "inconclusive" or "no-tls".
    pub result: String,
    /// The evidence in words.
    pub detail: String,
    /// The alert the client sent, if any.
    pub alert: Option<Alert>,
}

/// Would the client's offer work against one server profile.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ServerVerdict {
    pub profile: String,
    pub name: String,
    /// "ok" or "fails".
    pub result: String,
    /// When it fails: "no-common-version", "no-common-suite", "no-common-group".
    pub reason: Option<String>,
    pub detail: String,
    pub negotiated: Option<Negotiated>,
}

/// One line of the dialogue.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TranscriptLine {
    /// Milliseconds since the connection was accepted.
    pub at_ms: u64,
    /// "client", "server" or "note".
    pub from: String,
    pub text: String,
}

// ---------------------------------------------------------------------------------------------
// The ClientHello: reading it off the wire, decoding it, fingerprinting it
// ---------------------------------------------------------------------------------------------
