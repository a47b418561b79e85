//! The MTA-STS policy as fetched (RFC 8461 §3.2, §3.3): reachable over HTTPS without redirects,
//! a certificate valid for the policy host, text/plain, and a valid policy.

use crate::judge::cert::AnalysisInput;
use crate::judge::cert::analyze;
use crate::judge::diagnose::finding;
use crate::judge::domain::state::cert_verdict;
use crate::model::cert::ChainAnalysis;
use crate::model::domain::PolicyFetch;
use crate::model::finding::Finding;
use crate::model::report::PolicySummary;
use crate::model::trust::TrustStore;
use serde_json::json;
use time::OffsetDateTime;

/// Judge a policy fetch: its summary (usable only with a valid TXT record, `txt_ok`), the policy
/// host's chain analysed, and the findings.
pub(super) fn judge_policy(
    p: &PolicyFetch,
    domain: &str,
    txt_ok: bool,
    trust: &TrustStore,
    now: OffsetDateTime,
    warn_days: u32,
) -> (PolicySummary, Option<ChainAnalysis>, Vec<Finding>) {
    let mut fs = Vec::new();
    let mut summary = PolicySummary {
        mode: None,
        max_age: None,
        mx: Vec::new(),
        errors: Vec::new(),
        warnings: Vec::new(),
        usable: false,
    };
    let analysis = policy_chain(p, trust, now, warn_days);
    let unreachable = unreachable(p, domain);
    let reachable = unreachable.is_none();
    fs.extend(unreachable);
    let cert_problem =
        signature_invalid(p).or_else(|| analysis.as_ref().and_then(|a| cert_invalid(p, a)));
    let cert_ok = cert_problem.is_none();
    fs.extend(cert_problem);
    let mut parsed_ok = false;
    if reachable && let Some(body) = &p.body {
        parsed_ok = read_policy(p, body, &mut summary);
        fs.extend(policy_text_finding(p, &summary));
    }
    summary.usable = txt_ok && reachable && cert_ok && parsed_ok;
    (summary, analysis, fs)
}

/// The policy host's chain, analysed for the policy host's name (None when none was sent).
fn policy_chain(
    p: &PolicyFetch,
    trust: &TrustStore,
    now: OffsetDateTime,
    warn_days: u32,
) -> Option<ChainAnalysis> {
    let chain: Vec<Vec<u8>> = p.chain.iter().map(|c| c.0.clone()).collect();
    (!chain.is_empty()).then(|| {
        analyze(&AnalysisInput {
            chain: &chain,
            trust,
            now,
            names: std::slice::from_ref(&p.host),
            expiry_warn_days: warn_days,
            fetched: &[],
        })
    })
}

/// `mta-sts-policy-unreachable`: the fetch failed, or answered anything but 200 (a redirect
/// included, which senders must not follow).
fn unreachable(p: &PolicyFetch, domain: &str) -> Option<Finding> {
    if let Some(e) = &p.error {
        return Some(finding(
            "mta-sts-policy-unreachable",
            format!(
                "_mta-sts.{domain} announces a policy, but {} cannot be fetched ({} phase): {e}",
                p.url,
                p.phase.as_deref().unwrap_or("http")
            ),
            json!({"url": p.url, "address": p.address, "phase": p.phase, "error": e}),
        ));
    }
    let status = p.status.filter(|s| *s != 200)?;
    let redirect = (300..400).contains(&status);
    Some(finding(
        "mta-sts-policy-unreachable",
        if redirect {
            format!(
                "{} answers {status} (a redirect to {}): RFC 8461 §3.3 forbids following redirects, so senders get no policy",
                p.url,
                p.location.as_deref().unwrap_or("?")
            )
        } else {
            format!("{} answers HTTP {status} instead of 200", p.url)
        },
        json!({"url": p.url, "status": status, "location": p.location}),
    ))
}

/// `mta-sts-policy-cert-invalid` for a policy host whose handshake signature does not verify with
/// its certificate's key: senders abort the handshake and get no policy, whatever the chain.
fn signature_invalid(p: &PolicyFetch) -> Option<Finding> {
    let c = p.handshake_signature.as_ref().filter(|c| c.is_invalid())?;
    Some(finding(
        "mta-sts-policy-cert-invalid",
        format!(
            "the policy host {}: its {} signature ({}) does not verify with the certificate's key (it does not hold the private key): senders abort the handshake and get no policy",
            p.host, c.message, c.scheme
        ),
        json!({"host": p.host, "handshake_signature": c}),
    ))
}

/// `mta-sts-policy-cert-invalid`: senders do not accept the policy host's certificate.
fn cert_invalid(p: &PolicyFetch, a: &ChainAnalysis) -> Option<Finding> {
    let (ok, why) = cert_verdict(a);
    if ok {
        return None;
    }
    Some(finding(
        "mta-sts-policy-cert-invalid",
        format!(
            "the policy host {}: {}",
            p.host,
            why.unwrap_or_else(|| "the certificate is not valid".into())
        ),
        json!({"host": p.host, "trust": a.trust, "names": a.names}),
    ))
}

/// Read the policy into `summary`: its media type, its encoding and its fields (errors and
/// warnings with their lines). Whether it is valid.
fn read_policy(p: &PolicyFetch, body: &str, summary: &mut PolicySummary) -> bool {
    let media = p
        .content_type
        .as_deref()
        .map(|c| {
            c.split(';')
                .next()
                .unwrap_or_default()
                .trim()
                .to_ascii_lowercase()
        })
        .unwrap_or_default();
    if media != "text/plain" {
        summary.errors.push(format!(
            "Content-Type is {} instead of text/plain (RFC 8461 §3.2)",
            p.content_type.as_deref().unwrap_or("missing")
        ));
    }
    if p.body_not_utf8 {
        summary
            .errors
            .push("the policy is not valid UTF-8 text".to_string());
    }
    match wire::mtasts::parse_policy(body.as_bytes()) {
        Ok(pol) => {
            summary.mode = Some(pol.mode.as_str().to_string());
            summary.max_age = Some(pol.max_age);
            summary.mx = pol.mx.clone();
            summary.warnings = pol
                .warnings
                .iter()
                .map(|w| issue_text(w.line, &w.message))
                .collect();
            summary.errors.is_empty()
        }
        Err(issues) => {
            summary
                .errors
                .extend(issues.iter().map(|w| issue_text(w.line, &w.message)));
            false
        }
    }
}

/// `mta-sts-policy-invalid` for a policy with errors, else `mta-sts-policy-nonstandard` for one
/// with warnings.
fn policy_text_finding(p: &PolicyFetch, summary: &PolicySummary) -> Option<Finding> {
    if !summary.errors.is_empty() {
        Some(finding(
            "mta-sts-policy-invalid",
            format!(
                "the policy at {} is invalid: {}",
                p.url,
                summary.errors.join("; ")
            ),
            json!({"url": p.url, "errors": summary.errors, "content_type": p.content_type}),
        ))
    } else if !summary.warnings.is_empty() {
        Some(finding(
            "mta-sts-policy-nonstandard",
            format!(
                "the policy at {} bends RFC 8461: {}",
                p.url,
                summary.warnings.join("; ")
            ),
            json!({"url": p.url, "warnings": summary.warnings}),
        ))
    } else {
        None
    }
}

/// A policy problem in words, with its line when it has one.
fn issue_text(line: usize, msg: &str) -> String {
    if line == 0 {
        msg.to_string()
    } else {
        format!("line {line}: {msg}")
    }
}
