//! The report: the whole result of a check, as JSON (docs/json.md) and as text for people.

use crate::model::cert::ChainAnalysis;
use crate::model::dane::{Tlsa, TlsaResult};
use crate::model::domain::DomainObservation;
use crate::model::finding::Finding;
use crate::model::observation::{EndpointObservation, FailureKind, Phase};
use serde::{Deserialize, Serialize};

/// Bumped when a field changes meaning or disappears; new fields do not bump it.
pub const SCHEMA_VERSION: u32 = 1;

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ToolInfo {
    pub name: String,
    pub version: String,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct TargetInfo {
    /// As given on the command line.
    pub input: String,
    pub host: String,
    pub port: u16,
    /// The MX lookup of a bare name checked as a host (it found no MX records, so the name is no
    /// mail domain of its own); absent when the target was not looked up (a port or an address
    /// given, a name pinned to an address, DNS not usable) and in a domain check.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mx: Option<crate::model::dns::DnsAnswer>,
}

/// "ok": nothing wrong; "problems": findings of severity error; "warnings": warnings only;
/// "error": the check could not be done.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    Ok,
    Warnings,
    Problems,
    Error,
}

/// The first line of the report.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Verdict {
    pub status: Status,
    /// The code of the finding that matters most, if any.
    pub code: Option<String>,
    pub text: String,
}

/// Why the check could not be done.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct CheckError {
    pub host: String,
    pub address: Option<String>,
    pub phase: Phase,
    pub kind: FailureKind,
    pub message: String,
    /// What to do about it.
    pub hint: String,
}

/// One endpoint: what was seen, what the chain analysis says, and the findings.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct EndpointReport {
    #[serde(flatten)]
    pub observation: EndpointObservation,
    pub chain_analysis: Option<ChainAnalysis>,
    /// Further chains the scan met (a server with an RSA and an ECDSA certificate sends each for
    /// the suites of its kind), each judged like the first.
    #[serde(default)]
    pub other_chain_analyses: Vec<OtherChain>,
    /// The chain a peer without SNI gets, when its leaf differs from the one sent with SNI.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub no_sni_analysis: Option<ChainAnalysis>,
    pub findings: Vec<Finding>,
    /// The vulnerability battery and the other judged checks (`starttls-injection`), keyed by
    /// id, each with its status and evidence (docs/json.md); empty without a scan or probe.
    #[serde(default, skip_serializing_if = "std::collections::BTreeMap::is_empty")]
    pub checks: crate::model::checks::Checks,
    /// Simulated peers (`--as`), failing ones first.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub profiles: Vec<crate::model::profile::Simulation>,
    /// The MTA the server looks like (`judge::software`), or as given by the user; null when
    /// nothing told.
    #[serde(default)]
    pub server_software: Option<crate::model::software::ServerSoftware>,
}

/// A further certificate chain and the suite that made the server send it.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct OtherChain {
    pub version: String,
    pub suite: String,
    pub analysis: ChainAnalysis,
}

/// The whole result of `check`.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct CheckReport {
    pub schema_version: u32,
    pub tool: ToolInfo,
    /// RFC 3339 time of the check: certificates are judged valid or not at this moment.
    pub checked_at: String,
    pub target: TargetInfo,
    pub verdict: Verdict,
    pub error: Option<CheckError>,
    /// Where the trust anchors came from.
    pub trust_store: String,
    /// The names the certificate must cover.
    pub names_checked: Vec<String>,
    /// TCP connections made by the whole check.
    pub connections: u32,
    pub endpoints: Vec<EndpointReport>,
    /// A domain check (`check DOMAIN`): DNS, MTA-STS, DANE, TLS-RPT and the per-MX results.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub domain: Option<crate::model::report::DomainReport>,
}

impl CheckReport {
    /// 0 nothing wrong (or warnings only), 1 problems that make some peer fail, 2 not checked.
    pub fn exit_code(&self) -> i32 {
        match self.verdict.status {
            Status::Ok | Status::Warnings => 0,
            Status::Problems => 1,
            Status::Error => 2,
        }
    }

    /// Every finding: the domain's, then every endpoint's.
    pub fn findings(&self) -> impl Iterator<Item = &Finding> {
        self.domain
            .iter()
            .flat_map(|d| d.findings.iter())
            .chain(self.endpoints.iter().flat_map(|e| e.findings.iter()))
    }
}

/// The judgement of a domain, beside its observation.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DomainReport {
    #[serde(flatten)]
    pub observation: DomainObservation,
    /// The MTA-STS policy as parsed, when one was fetched.
    #[serde(default)]
    pub policy: Option<PolicySummary>,
    /// The policy host's certificate chain, judged for mta-sts.DOMAIN.
    #[serde(default)]
    pub policy_chain: Option<ChainAnalysis>,
    /// One entry per MX host, in preference order.
    pub mx_results: Vec<MxResult>,
    /// What each kind of sender does, first line of the report.
    pub senders: Vec<SenderOutcome>,
    pub findings: Vec<Finding>,
}

/// The parsed MTA-STS policy.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PolicySummary {
    /// "enforce", "testing", "none"; None when the policy did not parse.
    pub mode: Option<String>,
    pub max_age: Option<u64>,
    pub mx: Vec<String>,
    /// Problems that make senders discard it.
    pub errors: Vec<String>,
    /// Deviations senders tolerate.
    pub warnings: Vec<String>,
    /// Senders can use it: TXT valid, fetched with a valid certificate, parsed.
    pub usable: bool,
}

/// One MX host's result.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MxResult {
    pub host: String,
    pub preference: Option<u16>,
    pub addresses: Vec<AddressResult>,
    /// Matched by an `mx:` pattern of a usable policy (None: no usable policy).
    pub mta_sts_covered: Option<bool>,
    /// "secure", "unsigned", "lookup-failed", "none"
    pub tlsa: String,
    /// The TLSA records that apply, and where they were found.
    #[serde(default)]
    pub tlsa_name: Option<String>,
    #[serde(default)]
    pub tlsa_records: Vec<Tlsa>,
    /// Why the host was not checked.
    #[serde(default)]
    pub skipped: Option<String>,
}

/// One address of an MX host.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AddressResult {
    pub address: String,
    /// "ok", "tls-problems", "no-starttls", "tls-failed", "unreachable"
    pub status: String,
    pub detail: String,
    pub tls_version: Option<String>,
    /// The certificate is trusted, in date and valid for the MX name.
    pub certificate_valid: bool,
    /// DANE: each applicable record against the chain served.
    #[serde(default)]
    pub tlsa_results: Vec<TlsaResult>,
}

/// What one kind of sender does with the domain's mail.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SenderOutcome {
    /// "opportunistic", "mta-sts", "dane".
    pub kind: String,
    /// Who they are, in words.
    pub name: String,
    /// "verified-tls", "tls", "plaintext", "fails", "no-mail".
    pub result: String,
    pub detail: String,
}
