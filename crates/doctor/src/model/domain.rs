//! What a domain check observed: MX hosts, their addresses, MTA-STS, TLSA and TLS-RPT answers.

use crate::model::cert::CertBytes;
use crate::model::dns::{DnsAnswer, DnsConfig, DnsInfo};
use crate::model::observation::EndpointObservation;
use serde::{Deserialize, Serialize};
use std::net::IpAddr;

/// What a domain check looked at.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DomainObservation {
    pub domain: String,
    /// The SMTP port every MX host was checked on (25 unless `--port`).
    pub port: u16,
    pub dns: DnsInfo,
    /// The MX lookup.
    pub mx: DnsAnswer,
    /// The hosts mail goes to, in preference order: the MX hosts, or the domain itself when it
    /// has no MX (RFC 5321 §5.1, "implicit MX").
    pub hosts: Vec<MxHostObservation>,
    /// `_mta-sts.DOMAIN` TXT (RFC 8461 §3.1).
    pub mta_sts_txt: DnsAnswer,
    /// The policy fetch, made when a TXT record is there.
    #[serde(default)]
    pub mta_sts_policy: Option<PolicyFetch>,
    /// `_smtp._tls.DOMAIN` TXT (RFC 8460 §3).
    pub tlsrpt_txt: DnsAnswer,
}

/// One MX host as looked up.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MxHostObservation {
    pub host: String,
    /// None for the implicit MX.
    pub preference: Option<u16>,
    #[serde(default)]
    pub a: Option<DnsAnswer>,
    #[serde(default)]
    pub aaaa: Option<DnsAnswer>,
    /// `--resolve` gave the address instead of DNS.
    #[serde(default)]
    pub overridden: bool,
    /// The addresses checked.
    pub addresses: Vec<IpAddr>,
    /// TLSA lookups in the order made (RFC 7672 §2.2.2: at the alias target first, then the MX name).
    #[serde(default)]
    pub tlsa: Vec<DnsAnswer>,
    /// Why the host was not checked, if it was not.
    #[serde(default)]
    pub skipped: Option<String>,
}

/// The MTA-STS policy fetch (RFC 8461 §3.3).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PolicyFetch {
    pub url: String,
    pub host: String,
    #[serde(default)]
    pub address: Option<String>,
    /// How the address was found.
    #[serde(default)]
    pub address_lookup: Vec<DnsAnswer>,
    #[serde(default)]
    pub tls_version: Option<String>,
    /// The policy host's chain as sent, leaf first.
    #[serde(default)]
    pub chain: Vec<CertBytes>,
    /// The policy host's handshake signature checked against its leaf's key (see
    /// `TlsObservation::handshake_signature`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub handshake_signature: Option<crate::model::signature::SignatureCheck>,
    #[serde(default)]
    pub status: Option<u16>,
    #[serde(default)]
    pub content_type: Option<String>,
    #[serde(default)]
    pub location: Option<String>,
    /// The body as text (invalid UTF-8 replaced; `body_not_utf8` then says so).
    #[serde(default)]
    pub body: Option<String>,
    #[serde(default)]
    pub body_not_utf8: bool,
    /// Where it stopped ("resolve", "connect", "handshake", "http") and why.
    #[serde(default)]
    pub phase: Option<String>,
    #[serde(default)]
    pub error: Option<String>,
    pub elapsed_ms: f64,
}

/// Largest policy read: RFC 8461 §3.3 lets senders cap the body at 64 KiB.
pub const MAX_POLICY: usize = 64 * 1024;
/// MX hosts checked (real domains have a handful; a hostile answer may carry thousands).
pub const MAX_MX_HOSTS: usize = 16;
/// Addresses checked per MX host.
pub const MAX_ADDRESSES: usize = 8;

/// Options of a domain check besides [`CheckOptions`].
#[derive(Debug, Clone)]
pub struct DomainOptions {
    pub dns: DnsConfig,
    /// `--port`: every MX host is checked on it.
    pub port: u16,
    /// The domain's MX answer when it is already known (the lookup that told a domain from a
    /// host): not asked again.
    pub known_mx: Option<DnsAnswer>,
}

/// Everything observed for a domain: the DNS/HTTPS side and each endpoint, plus the connection count.
pub struct DomainRun {
    pub observation: DomainObservation,
    pub endpoints: Vec<EndpointObservation>,
    pub connections: u32,
}

/// Is `input` a bare host name (no port, not an address) — a candidate for a domain check?
pub fn looks_like_domain(input: &str) -> bool {
    let t = input.trim().trim_end_matches('.');
    !t.contains(':') && t.parse::<IpAddr>().is_err() && crate::model::options::is_hostname(t)
}
