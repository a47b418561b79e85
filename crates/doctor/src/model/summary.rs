//! The compact form of a report (`detail: "summary"`): the verdict, every finding with its
//! evidence, and per endpoint what was negotiated and the chain in brief, without the transcript,
//! the scan's steps and suites, the raw chains and the raw DNS answers and policy fetch.
//!
//! A projection of [`CheckReport`] made by a pure function ([`summarize`]): it copies judged and
//! observed fields, it judges nothing. Every field keeps the name and the shape it has in the full
//! report (a summary is the full report with fields left out), so that a reader's path such as
//! `.endpoints[0].chain_analysis.certificates[0].sha256` finds the same value in both; the only
//! additions are `detail` and, for a domain, `mta_sts_records` and `tlsrpt_records` (the TXT
//! strings, in place of the raw DNS answers). A summary holds no observations to judge again.

use crate::model::cert::{CertDetails, TrustVerdict};
use crate::model::finding::Finding;
use crate::model::observation::{Failure, Mode, SuiteId, TlsObservation};
use crate::model::profile::Simulation;
use crate::model::report::{
    CheckError, CheckReport, EndpointReport, MxResult, PolicySummary, SenderOutcome, TargetInfo,
    ToolInfo, Verdict,
};
use crate::model::scan::VersionStatus;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::net::SocketAddr;

/// How much a JSON report holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Detail {
    /// [`ReportSummary`]: verdict, findings, what was negotiated, the chain in brief.
    Summary,
    /// [`CheckReport`]: everything observed and judged (the default; it carries no `detail`).
    #[default]
    Full,
}

/// The compact report.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ReportSummary {
    pub schema_version: u32,
    /// Always [`Detail::Summary`]: tells a summary from a full report, which has no `detail`.
    pub detail: Detail,
    pub tool: ToolInfo,
    pub checked_at: String,
    pub target: TargetInfo,
    pub verdict: Verdict,
    pub error: Option<CheckError>,
    pub trust_store: String,
    pub names_checked: Vec<String>,
    pub connections: u32,
    pub endpoints: Vec<EndpointSummary>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub domain: Option<DomainSummary>,
}

/// One endpoint in brief.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EndpointSummary {
    pub name: String,
    pub address: SocketAddr,
    pub mode: Mode,
    /// The modern handshake without its chain.
    pub tls: Option<TlsSummary>,
    pub failure: Option<Failure>,
    /// The scan's status per protocol version (absent without a scan).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub versions: Option<BTreeMap<String, VersionSummary>>,
    pub chain_analysis: Option<ChainSummary>,
    pub findings: Vec<Finding>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub profiles: Vec<ProfileSummary>,
    /// Each check's status by id (the evidence of a vulnerable one is in its finding).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub checks: BTreeMap<String, crate::model::checks::CheckStatus>,
    /// The MTA the server looks like, as in the full report.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub server_software: Option<crate::model::software::ServerSoftware>,
}

/// What the modern handshake negotiated.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TlsSummary {
    pub completed: bool,
    pub sni: Option<String>,
    pub version: Option<String>,
    pub cipher_suite: Option<SuiteId>,
    pub group: Option<String>,
}

/// One protocol version of the scan.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct VersionSummary {
    pub status: VersionStatus,
}

/// The chain in brief: each certificate and where the chain leads.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChainSummary {
    pub certificates: Vec<CertSummary>,
    pub trust: TrustVerdict,
}

/// One certificate in brief.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CertSummary {
    pub subject: String,
    pub sans: Vec<String>,
    pub issuer: String,
    pub not_after: String,
    pub key_type: String,
    pub key_bits: Option<u32>,
    /// Upper-case hex, colon separated.
    pub sha256: String,
}

/// One simulated peer in brief.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProfileSummary {
    pub profile: String,
    pub result: String,
    pub reason: Option<String>,
}

/// A domain in brief: no raw DNS answers, no raw policy fetch.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DomainSummary {
    pub domain: String,
    pub port: u16,
    /// The `_mta-sts.DOMAIN` TXT strings.
    pub mta_sts_records: Vec<String>,
    pub policy: Option<PolicySummary>,
    /// The `_smtp._tls.DOMAIN` TXT strings.
    pub tlsrpt_records: Vec<String>,
    pub mx_results: Vec<MxResult>,
    pub senders: Vec<SenderOutcome>,
    pub findings: Vec<Finding>,
}

impl ReportSummary {
    /// Every finding: the domain's, then every endpoint's (as [`CheckReport::findings`]).
    pub fn findings(&self) -> impl Iterator<Item = &Finding> {
        self.domain
            .iter()
            .flat_map(|d| d.findings.iter())
            .chain(self.endpoints.iter().flat_map(|e| e.findings.iter()))
    }
}

/// The summary of `report`.
pub fn summarize(report: &CheckReport) -> ReportSummary {
    ReportSummary {
        schema_version: report.schema_version,
        detail: Detail::Summary,
        tool: report.tool.clone(),
        checked_at: report.checked_at.clone(),
        target: report.target.clone(),
        verdict: report.verdict.clone(),
        error: report.error.clone(),
        trust_store: report.trust_store.clone(),
        names_checked: report.names_checked.clone(),
        connections: report.connections,
        endpoints: report.endpoints.iter().map(endpoint).collect(),
        domain: report.domain.as_ref().map(|d| DomainSummary {
            domain: d.observation.domain.clone(),
            port: d.observation.port,
            mta_sts_records: d.observation.mta_sts_txt.texts(),
            policy: d.policy.clone(),
            tlsrpt_records: d.observation.tlsrpt_txt.texts(),
            mx_results: d.mx_results.clone(),
            senders: d.senders.clone(),
            findings: d.findings.clone(),
        }),
    }
}

fn endpoint(e: &EndpointReport) -> EndpointSummary {
    let obs = &e.observation;
    EndpointSummary {
        name: obs.name.clone(),
        address: obs.address,
        mode: obs.mode,
        tls: obs.tls.as_ref().map(tls),
        failure: obs.failure.clone(),
        versions: obs.scan.as_ref().map(|s| {
            s.versions
                .iter()
                .map(|(k, v)| (k.clone(), VersionSummary { status: v.status }))
                .collect()
        }),
        chain_analysis: e.chain_analysis.as_ref().map(|a| ChainSummary {
            certificates: a.certificates.iter().map(cert).collect(),
            trust: a.trust.clone(),
        }),
        findings: e.findings.clone(),
        profiles: e.profiles.iter().map(profile).collect(),
        checks: e
            .checks
            .iter()
            .map(|(id, c)| (id.clone(), c.status))
            .collect(),
        server_software: e.server_software.clone(),
    }
}

fn tls(t: &TlsObservation) -> TlsSummary {
    TlsSummary {
        completed: t.completed,
        sni: t.sni.clone(),
        version: t.version.clone(),
        cipher_suite: t.cipher_suite.clone(),
        group: t.group.clone(),
    }
}

fn cert(c: &CertDetails) -> CertSummary {
    CertSummary {
        subject: c.subject.clone(),
        sans: c.sans.clone(),
        issuer: c.issuer.clone(),
        not_after: c.not_after.clone(),
        key_type: c.key_type.clone(),
        key_bits: c.key_bits,
        sha256: c.sha256.clone(),
    }
}

fn profile(s: &Simulation) -> ProfileSummary {
    ProfileSummary {
        profile: s.profile.clone(),
        result: s.result.clone(),
        reason: s.reason.clone(),
    }
}

/// Whether the JSON `text` is a summary (its `detail` says so), without reading the rest.
pub fn is_summary(text: &str) -> bool {
    #[derive(Deserialize)]
    struct Head {
        #[serde(default)]
        detail: Option<Detail>,
    }
    serde_json::from_str::<Head>(text).is_ok_and(|h| h.detail == Some(Detail::Summary))
}
