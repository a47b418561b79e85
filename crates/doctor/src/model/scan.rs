//! What the scan measured: versions, suites, groups, chains (see `observe::scan`).

use crate::model::cert::CertBytes;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::time::Duration;

pub const SSLV2: u16 = 0x0002;
pub const SSLV3: u16 = 0x0300;
pub const TLS10: u16 = 0x0301;
pub const TLS11: u16 = 0x0302;
pub const TLS12: u16 = 0x0303;
pub const TLS13: u16 = 0x0304;

/// The version names used as keys in the report.
pub fn version_key(v: u16) -> &'static str {
    match v {
        SSLV2 => "SSLv2",
        SSLV3 => "SSLv3",
        TLS10 => "TLSv1.0",
        TLS11 => "TLSv1.1",
        TLS12 => "TLSv1.2",
        TLS13 => "TLSv1.3",
        _ => "unknown",
    }
}

/// How the scan behaves.
#[derive(Debug, Clone)]
pub struct ScanOptions {
    /// Connections open at once to the host.
    pub max_connections: usize,
    /// Retries of one step after a 421, a refused or dropped connection, with a growing pause.
    pub retries: u32,
    /// The first pause before a retry.
    pub backoff: Duration,
}

impl Default for ScanOptions {
    fn default() -> Self {
        ScanOptions {
            max_connections: 4,
            retries: 2,
            backoff: Duration::from_secs(2),
        }
    }
}

/// Whether a version is accepted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum VersionStatus {
    Offered,
    NotOffered,
    Unknown,
}

/// One accepted cipher suite, with the registry's facts about it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SuiteEntry {
    /// "0xC030" (SSLv2: "0x0700C0").
    pub id: String,
    pub iana: String,
    pub openssl: Option<String>,
    /// Key exchange, authentication, encryption, MAC, symmetric key bits.
    pub kx: String,
    pub auth: String,
    pub enc: String,
    pub mac: String,
    pub bits: u16,
    pub forward_secrecy: bool,
}

/// The result for one protocol version.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct VersionResult {
    pub status: VersionStatus,
    /// Why the status is what it is (the alert, the version the server answered with), and for
    /// `unknown`, what stopped the measurement.
    pub reason: Option<String>,
    /// Accepted suites: in the server's order when `server_order` is true.
    pub suites: Vec<SuiteEntry>,
    /// The server enforces its own order; null when not measured (fewer than two suites).
    pub server_order: Option<bool>,
    /// Every suite was measured (false when the scan was cut short).
    pub complete: bool,
}

/// Groups accepted for one kind of key exchange.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct GroupsResult {
    /// Group names, e.g. "x25519", in the order the server chose them.
    pub groups: Vec<String>,
    pub complete: bool,
    pub reason: Option<String>,
}

/// A certificate chain read from a plaintext Certificate message (TLS 1.2 and below).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ScannedChain {
    pub version: String,
    /// The suite that made the server send it (its authentication picks RSA or ECDSA).
    pub suite: String,
    pub chain: Vec<CertBytes>,
}

/// A TLS 1.2 ServerKeyExchange signature seen by the scan, checked against the leaf of the chain
/// sent in the same flight.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ScannedSignature {
    pub version: String,
    /// The suite of that connection.
    pub suite: String,
    pub check: crate::model::signature::SignatureCheck,
}

/// One connection of the scan, for the transcript.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ScanStep {
    pub at_ms: f64,
    pub what: String,
    pub answer: String,
}

/// Everything the scan measured.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct TlsScan {
    /// Keyed "SSLv2", "SSLv3", "TLSv1.0", "TLSv1.1", "TLSv1.2", "TLSv1.3".
    pub versions: BTreeMap<String, VersionResult>,
    /// TLS 1.3 key-share groups.
    pub groups_tls13: Option<GroupsResult>,
    /// TLS 1.2 ECDHE curves.
    pub groups_tls12: Option<GroupsResult>,
    /// Size of the DHE group, when a DHE suite was accepted (the smallest seen: servers such as
    /// OpenSSL's automatic choice size the group by the suite).
    pub dhe_bits: Option<u32>,
    /// The suite that got the smallest DHE group.
    pub dhe_suite: Option<String>,
    /// That group's name when its prime is a well-known one (RFC 2409, 3526, 5114, 7919), e.g.
    /// "RFC 2409 Oakley group 2 (1024-bit MODP)"; `None` for a prime of the server's own.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dhe_group: Option<String>,
    /// Chains seen in TLS 1.2 and below, one per distinct leaf.
    pub scanned_chains: Vec<ScannedChain>,
    /// TLS 1.2 ServerKeyExchange signatures checked (ECDHE and DHE suites), one per suite.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub scanned_signatures: Vec<ScannedSignature>,
    /// TCP connections the scan made.
    pub scan_connections: u32,
    /// Connections the server refused (a 421, a close before the greeting) and the scan retried.
    #[serde(default)]
    pub refusals: u32,
    /// One line per connection of the scan.
    pub scan_steps: Vec<ScanStep>,
    /// What the ServerHellos of each version answered to the extensions and compression the
    /// scan's hellos offer (keyed like `versions`; TLS 1.2 and below).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub hello_features: BTreeMap<String, HelloFeatures>,
    /// The certificate of an SSLv2 SERVER-HELLO.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sslv2_certificate: Option<CertBytes>,
    /// The active probes of the vulnerability battery (absent when none was run).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub probes: Option<BatteryProbes>,
}

/// What the ServerHellos of one version answered. The scan's hellos (TLS 1.2 and below) offer
/// renegotiation_info, extended_master_secret, encrypt_then_mac, session_ticket,
/// status_request and heartbeat, and the compression methods DEFLATE and null: echoing an
/// extension (or choosing DEFLATE) is the server's answer.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct HelloFeatures {
    /// ServerHellos seen for this version.
    pub hellos: u32,
    /// Extensions echoed in any of them (IANA names, e.g. "renegotiation_info"), each once.
    pub extensions: Vec<String>,
    /// ServerHellos that chose a compression method other than null.
    pub compressed: u32,
    /// ServerHellos with a non-empty session id.
    pub session_ids: u32,
    /// Flights that carried a CertificateStatus message (a stapled OCSP response).
    pub certificate_status: u32,
    /// ServerHellos that chose a CBC suite, and how many of them echoed encrypt_then_mac.
    pub cbc_hellos: u32,
    pub cbc_encrypt_then_mac: u32,
}

impl HelloFeatures {
    /// Whether the extension named `name` was echoed.
    pub fn echoed(&self, name: &str) -> bool {
        self.extensions.iter().any(|e| e == name)
    }
}

/// How a server answered one probe record or hello of the battery.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum ProbeAnswer {
    /// It refused as a fixed server does (the expected alert, a close).
    Refused,
    /// It did what only a vulnerable server does.
    Accepted,
    /// Nothing could be concluded (see the detail).
    Unknown,
}

/// One active probe: the version it spoke, the answer and what was seen.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProbeResult {
    pub version: String,
    pub answer: ProbeAnswer,
    pub detail: String,
    /// The fallback probe's ServerHello carried the RFC 8446 section 4.1.3 downgrade sentinel
    /// in its random: a TLS 1.3 client detects the downgrade even though the SCSV was ignored.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub downgrade_sentinel: bool,
}

impl ProbeResult {
    /// A probe's result in `version` (a protocol number), without the downgrade sentinel.
    pub fn new(version: u16, answer: ProbeAnswer, detail: impl Into<String>) -> Self {
        ProbeResult {
            version: version_key(version).to_string(),
            answer,
            detail: detail.into(),
            downgrade_sentinel: false,
        }
    }
}

/// The battery's active probes, each one connection, each run only where it can apply.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct BatteryProbes {
    /// A hello for a lower version than the server's highest, with TLS_FALLBACK_SCSV.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub fallback_scsv: Option<ProbeResult>,
    /// A heartbeat request claiming more payload than it carries, after the first flight.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub heartbleed: Option<ProbeResult>,
    /// An early ChangeCipherSpec, then an application-data record, after the first flight.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ccs_injection: Option<ProbeResult>,
    /// ROBOT: five ClientKeyExchange messages (a valid PKCS#1 v1.5 block and four malformed
    /// ones, encrypted with the server's RSA key), each followed by ChangeCipherSpec and a
    /// Finished the server cannot decrypt: `accepted` when the answers differ (an oracle).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub robot: Option<ProbeResult>,
    /// Two TLS 1.2 handshakes by the tool's TLS library, the second offering the first's session
    /// id (no ticket): `accepted` when it was resumed, `refused` when it was a full handshake.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub session_resumption: Option<ProbeResult>,
    /// A TLS 1.0-1.2 handshake completed by hand (the server's Finished verified), then a new
    /// ClientHello inside the session: `accepted` when a ServerHello answers (client-initiated
    /// renegotiation allowed), `refused` for an alert, a close or silence. `unknown` without a
    /// connection when none of the server's suites is one the probe implements.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub client_renegotiation: Option<ProbeResult>,
    /// TCP connections the probes made.
    pub connections: u32,
}
