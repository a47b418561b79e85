//! DNS answers as observed: records, DNSSEC status, aliases, errors (see `observe::dns`).

use serde::{Deserialize, Serialize};
use std::net::{IpAddr, SocketAddr};
use std::path::PathBuf;
use std::time::Duration;

/// How DNSSEC status is learnt.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DnssecMode {
    /// Trust the AD bit of the resolver's answers.
    ResolverAd,
    /// Validate signatures ourselves (hickory), from these trust anchors (None: the root's).
    Validate { trust_anchor: Option<PathBuf> },
}

/// Where and how to ask.
#[derive(Debug, Clone)]
pub struct DnsConfig {
    /// `--dns ADDR[:PORT]`; empty: the system's resolvers (`/etc/resolv.conf`).
    pub servers: Vec<SocketAddr>,
    pub dnssec: DnssecMode,
    /// Per attempt.
    pub timeout: Duration,
    pub attempts: usize,
}

impl Default for DnsConfig {
    fn default() -> Self {
        DnsConfig {
            servers: Vec::new(),
            dnssec: DnssecMode::ResolverAd,
            timeout: Duration::from_secs(5),
            attempts: 2,
        }
    }
}

/// Parse `--dns ADDR[:PORT]` (`[v6]:port` or a bare v6 address; port 53 by default).
pub fn parse_dns_server(input: &str) -> Result<SocketAddr, String> {
    let usage = || format!("'{input}': expected ADDR or ADDR:PORT, e.g. 127.0.0.1:53");
    if let Ok(sa) = input.parse::<SocketAddr>() {
        return Ok(sa);
    }
    let bare = input
        .strip_prefix('[')
        .and_then(|s| s.strip_suffix(']'))
        .unwrap_or(input);
    if let Ok(ip) = bare.parse::<IpAddr>() {
        return Ok(SocketAddr::new(ip, 53));
    }
    Err(usage())
}

/// DNSSEC status of an answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Dnssec {
    /// Validated (signatures checked by us, or the resolver set AD).
    Secure,
    /// Provably unsigned (validation by us).
    Insecure,
    /// Signatures present but wrong: validating senders refuse the data.
    Bogus,
    /// No chain to a trust anchor could be built either way (validation by us).
    Indeterminate,
    /// The resolver did not set AD: unsigned, or the resolver does not validate.
    Unauthenticated,
}

impl Dnssec {
    pub fn as_str(self) -> &'static str {
        match self {
            Dnssec::Secure => "secure",
            Dnssec::Insecure => "insecure",
            Dnssec::Bogus => "bogus",
            Dnssec::Indeterminate => "indeterminate",
            Dnssec::Unauthenticated => "unauthenticated",
        }
    }
}

/// One record of an answer, in the form the report needs.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type")]
pub enum DnsRecord {
    MX {
        preference: u16,
        exchange: String,
    },
    A {
        address: IpAddr,
    },
    AAAA {
        address: IpAddr,
    },
    TXT {
        text: String,
    },
    TLSA {
        usage: u8,
        selector: u8,
        matching: u8,
        /// Hex, lower case.
        data: String,
    },
}

/// How a lookup ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Outcome {
    /// Records of the type asked for.
    Records,
    /// The name exists without records of this type (NOERROR, no data).
    NoData,
    /// The name does not exist.
    Nxdomain,
    /// No usable answer: SERVFAIL, REFUSED, timeout, garbage, an alias loop...
    Error,
}

/// One lookup, as observed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DnsAnswer {
    /// The name asked for (lower case, no trailing dot).
    pub name: String,
    /// "MX", "A", "AAAA", "TXT", "TLSA".
    pub rtype: String,
    pub outcome: Outcome,
    #[serde(default)]
    pub records: Vec<DnsRecord>,
    /// Aliases followed, in order: the targets of each CNAME from `name` on.
    #[serde(default)]
    pub cname_chain: Vec<String>,
    pub dnssec: Dnssec,
    /// The response code when one came ("NOERROR", "SERVFAIL"...).
    #[serde(default)]
    pub rcode: Option<String>,
    /// What went wrong, precisely, when `outcome` is `error`.
    #[serde(default)]
    pub error: Option<String>,
    /// Which server answered or was asked.
    #[serde(default)]
    pub server: Option<String>,
}

impl DnsAnswer {
    pub fn failed(
        name: &str,
        rtype: impl std::fmt::Display,
        server: Option<String>,
        error: String,
    ) -> Self {
        DnsAnswer {
            name: name.to_string(),
            rtype: rtype.to_string(),
            outcome: Outcome::Error,
            records: Vec::new(),
            cname_chain: Vec::new(),
            dnssec: Dnssec::Unauthenticated,
            rcode: None,
            error: Some(error),
            server,
        }
    }

    /// The name the records belong to: the last alias, or the name asked for.
    pub fn final_name(&self) -> &str {
        self.cname_chain
            .last()
            .map(String::as_str)
            .unwrap_or(&self.name)
    }

    /// The TXT strings of each record.
    pub fn texts(&self) -> Vec<String> {
        self.records
            .iter()
            .filter_map(|r| match r {
                DnsRecord::TXT { text } => Some(text.clone()),
                _ => None,
            })
            .collect()
    }

    /// The MX records as (preference, exchange), in the order given.
    pub fn mx_records(&self) -> Vec<(u16, String)> {
        self.records
            .iter()
            .filter_map(|r| match r {
                DnsRecord::MX {
                    preference,
                    exchange,
                } => Some((*preference, exchange.clone())),
                _ => None,
            })
            .collect()
    }

    /// The addresses of A/AAAA records.
    pub fn addresses(&self) -> Vec<IpAddr> {
        self.records
            .iter()
            .filter_map(|r| match r {
                DnsRecord::A { address } | DnsRecord::AAAA { address } => Some(*address),
                _ => None,
            })
            .collect()
    }
}

/// What the report says about DNS.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DnsInfo {
    pub servers: Vec<String>,
    /// True when the servers came from the system's configuration.
    pub system: bool,
    /// How DNSSEC status was learnt.
    pub dnssec: String,
}

/// Lower-case hex.
pub fn hex(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02x}")).collect()
}
