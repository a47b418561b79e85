//! The diagnosis: pure rules from observations (and the chain analysis) to findings.
//! No I/O here: the same observations always give the same findings, so a saved scan can be
//! diagnosed again, and every rule is tested from JSON fixtures.
//!
//! * `smtp`: the SMTP dialogue up to STARTTLS;
//! * `handshake`: the modern TLS handshake, and the handshake signatures (the scan's too);
//! * `scan`: the scan of versions, suites and groups;
//! * `certificate`: one certificate chain, and the one sent without SNI.

mod certificate;
mod handshake;
mod scan;
mod smtp;

pub use certificate::certificate_findings;
pub use certificate::sni_cert_differs;
pub use handshake::BadSignature;
pub use handshake::alert_meaning;
pub use handshake::invalid_signatures;
pub use scan::scan_findings;

use crate::judge::registry::lookup;
use crate::model::cert::ChainAnalysis;
use crate::model::finding::Finding;
use crate::model::finding::Severity;
use crate::model::observation::EndpointObservation;
use crate::model::observation::Phase;
use serde_json::{Map, Value};

/// A finding with the registry's severity for `code` (an error for an unknown code); `evidence`
/// is kept when it is a JSON object.
pub(crate) fn finding(code: &str, summary: String, evidence: Value) -> Finding {
    let severity = lookup(code).map(|d| d.severity).unwrap_or(Severity::Error);
    let evidence = match evidence {
        Value::Object(m) => m,
        _ => Map::new(),
    };
    Finding {
        code: code.to_string(),
        severity,
        summary,
        evidence,
    }
}

/// Every finding for one endpoint: the SMTP dialogue's (a refusal ends the diagnosis: nothing
/// after it was observed), the handshake's, the scan's and the chain's, in that order.
pub fn diagnose(obs: &EndpointObservation, analysis: Option<&ChainAnalysis>) -> Vec<Finding> {
    let (mut out, go_on) = smtp::dialogue_findings(obs);
    if !go_on {
        return out;
    }
    out.extend(handshake::handshake_failed(obs));
    out.extend(handshake::signature_invalid(obs));
    if let Some(sc) = &obs.scan {
        out.extend(scan_findings(sc));
    }
    if let Some(a) = analysis {
        out.extend(certificate_findings(a));
    }
    out
}

/// Whether a failure means the check could not be done (exit 2), as opposed to a finding.
pub fn is_check_error(obs: &EndpointObservation) -> bool {
    match &obs.failure {
        None => false,
        Some(f) => !matches!(f.phase, Phase::Handshake | Phase::AfterTls),
    }
}

/// Findings sorted most important first: by severity, then by the registry's order.
pub fn rank(findings: &mut [Finding]) {
    let pos = |code: &str| {
        crate::judge::registry::REGISTRY
            .iter()
            .position(|d| d.code == code)
            .unwrap_or(usize::MAX)
    };
    findings.sort_by_key(|f| (f.severity, pos(&f.code)));
}
