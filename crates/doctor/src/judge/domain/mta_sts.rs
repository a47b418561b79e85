//! Rules of MTA-STS (RFC 8461): the TXT record, the policy (see `policy`), testing mode, MX
//! hosts the policy does not cover, and hosts that enforcing senders would refuse.

use crate::judge::diagnose::finding;
use crate::judge::domain::policy::judge_policy;
use crate::judge::domain::state::EpState;
use crate::judge::domain::state::endpoint_text;
use crate::judge::domain::state::of_host;
use crate::model::cert::ChainAnalysis;
use crate::model::dns::Outcome;
use crate::model::domain::DomainObservation;
use crate::model::domain::MxHostObservation;
use crate::model::finding::Finding;
use crate::model::finding::Severity;
use crate::model::report::PolicySummary;
use crate::model::trust::TrustStore;
use serde_json::json;
use time::OffsetDateTime;

/// The MTA-STS judgement of a domain.
pub(super) struct MtaSts {
    pub(super) findings: Vec<Finding>,
    /// The policy fetched, summed up.
    pub(super) policy: Option<PolicySummary>,
    /// The policy host's chain, analysed.
    pub(super) chain: Option<ChainAnalysis>,
    /// Per MX host (in the observation's order): covered by an enforce or testing policy's mx
    /// patterns, or None without such a policy (or for a host that cannot be used).
    pub(super) covered: Vec<Option<bool>>,
    /// A TXT record looks like MTA-STS (v=STS…), valid or not.
    pub(super) announced: bool,
}

/// Judge the domain's MTA-STS TXT record and policy, and each MX host against the policy.
pub(super) fn judge_mta_sts(
    obs: &DomainObservation,
    states: &[EpState<'_>],
    trust: &TrustStore,
    now: OffsetDateTime,
    warn_days: u32,
) -> MtaSts {
    let (txt_ok, announced, mut findings) = txt_findings(obs);
    let mut policy = None;
    let mut chain = None;
    if let Some(p) = &obs.mta_sts_policy {
        let (summary, analysis, fs) = judge_policy(p, &obs.domain, txt_ok, trust, now, warn_days);
        findings.extend(fs);
        policy = Some(summary);
        chain = analysis;
    }
    let usable = policy.as_ref().filter(|p| p.usable);
    let mode = usable.and_then(|p| p.mode.clone());
    if mode.as_deref() == Some("testing") {
        findings.push(finding(
            "mta-sts-testing",
            format!(
                "{}'s MTA-STS policy is in testing mode: failures are reported, not enforced",
                obs.domain
            ),
            json!({}),
        ));
    }
    let mut covered = Vec::new();
    for h in &obs.hosts {
        let c = host_covered(h, usable, mode.as_deref());
        covered.push(c);
        if c == Some(false) {
            findings.push(not_covered(h, usable, &mode));
        }
        if matches!(mode.as_deref(), Some("enforce" | "testing")) {
            for s in of_host(states, &h.host).into_iter().filter(|s| s.reachable) {
                findings.extend(enforce_would_fail(&h.host, s, &mode));
            }
        }
    }
    MtaSts {
        findings,
        policy,
        chain,
        covered,
        announced,
    }
}

/// The _mta-sts TXT record: (valid, looks like MTA-STS, `mta-sts-txt-invalid` findings).
fn txt_findings(obs: &DomainObservation) -> (bool, bool, Vec<Finding>) {
    let domain = &obs.domain;
    let sts_texts = obs.mta_sts_txt.texts();
    let sts_like = sts_texts
        .iter()
        .any(|t| t.trim_start().to_ascii_lowercase().starts_with("v=sts"));
    match obs.mta_sts_txt.outcome {
        Outcome::Error => {
            let f = finding(
                "mta-sts-txt-invalid",
                format!(
                    "the _mta-sts.{domain} TXT lookup failed: {}",
                    obs.mta_sts_txt.error.clone().unwrap_or_default()
                ),
                json!({"lookup": obs.mta_sts_txt}),
            );
            (false, sts_like, vec![f])
        }
        Outcome::Records if sts_like => match wire::mtasts::select_sts_txt(&sts_texts) {
            Ok(_) => (true, sts_like, Vec::new()),
            Err(e) => {
                let f = finding(
                    "mta-sts-txt-invalid",
                    format!("_mta-sts.{domain}: {e}"),
                    json!({"records": sts_texts}),
                );
                (false, sts_like, vec![f])
            }
        },
        _ => (false, sts_like, Vec::new()),
    }
}

/// Whether an enforce or testing policy's mx patterns cover the host (None without such a
/// policy, or for a host that cannot be used: it is reported as such, not as uncovered too).
fn host_covered(
    h: &MxHostObservation,
    usable: Option<&PolicySummary>,
    mode: Option<&str>,
) -> Option<bool> {
    match (usable, mode) {
        _ if h.skipped.is_some() => None,
        (Some(p), Some("enforce" | "testing")) => Some(
            p.mx.iter()
                .any(|pat| wire::mtasts::mx_matches(pat, &h.host)),
        ),
        _ => None,
    }
}

/// `mta-sts-mx-not-covered`: the host matches none of the policy's mx patterns (a warning in
/// testing mode).
fn not_covered(
    h: &MxHostObservation,
    usable: Option<&PolicySummary>,
    mode: &Option<String>,
) -> Finding {
    let testing = mode.as_deref() == Some("testing");
    let mut f = finding(
        "mta-sts-mx-not-covered",
        format!(
            "MX {} matches none of the policy's mx patterns ({}){}",
            h.host,
            usable.map(|p| p.mx.join(", ")).unwrap_or_default(),
            if testing {
                ": enforcing would reject it"
            } else {
                ": enforcing senders refuse to deliver to it"
            }
        ),
        json!({"host": h.host, "patterns": usable.map(|p| p.mx.clone()), "mode": mode}),
    );
    if testing {
        f.severity = Severity::Warning;
    }
    f
}

/// `mta-sts-enforce-would-fail`: a reachable endpoint an enforcing sender refuses (no STARTTLS, no
/// handshake, an invalid certificate); a warning in testing mode.
fn enforce_would_fail(host: &str, s: &EpState<'_>, mode: &Option<String>) -> Option<Finding> {
    let why = if !s.starttls {
        "it offers no STARTTLS".to_string()
    } else if !s.tls_done {
        format!("no TLS 1.2+ handshake completes ({})", endpoint_text(s).1)
    } else if !s.cert_valid {
        s.cert_problem
            .clone()
            .unwrap_or_else(|| "the certificate is not valid".into())
    } else {
        return None;
    };
    let testing = mode.as_deref() == Some("testing");
    let mut f = finding(
        "mta-sts-enforce-would-fail",
        format!(
            "MX {host} at {}: {why}{}",
            s.ep.observation.address,
            if testing {
                " (the policy is in testing mode: this fails once it enforces)"
            } else {
                ": enforcing MTA-STS senders do not deliver there"
            }
        ),
        json!({"host": host, "address": s.ep.observation.address.to_string(), "reason": why, "mode": mode}),
    );
    if testing {
        f.severity = Severity::Warning;
    }
    Some(f)
}
