//! The rule of TLS-RPT (RFC 8460): the _smtp._tls TXT record, and its absence beside MTA-STS or
//! DANE.

use crate::judge::diagnose::finding;
use crate::model::dns::Outcome;
use crate::model::domain::DomainObservation;
use crate::model::finding::Finding;
use serde_json::json;

/// `tlsrpt-invalid` for a failed lookup or a bad record; `tlsrpt-missing` when the domain
/// deploys MTA-STS (`sts`) or DANE (`dane`) without one.
pub(super) fn tlsrpt_finding(obs: &DomainObservation, sts: bool, dane: bool) -> Option<Finding> {
    let domain = &obs.domain;
    let rpt_texts = obs.tlsrpt_txt.texts();
    let rpt_like = rpt_texts
        .iter()
        .any(|t| t.trim_start().to_ascii_lowercase().starts_with("v=tlsrpt"));
    match obs.tlsrpt_txt.outcome {
        Outcome::Error => Some(finding(
            "tlsrpt-invalid",
            format!(
                "the _smtp._tls.{domain} TXT lookup failed: {}",
                obs.tlsrpt_txt.error.clone().unwrap_or_default()
            ),
            json!({"lookup": obs.tlsrpt_txt}),
        )),
        Outcome::Records if rpt_like => {
            let e = wire::tlsrpt::select_tlsrpt_txt(&rpt_texts).err()?;
            Some(finding(
                "tlsrpt-invalid",
                format!("_smtp._tls.{domain}: {e}"),
                json!({"records": rpt_texts}),
            ))
        }
        _ if sts || dane => Some(finding(
            "tlsrpt-missing",
            format!(
                "{domain} deploys {} but publishes no _smtp._tls TXT record: senders cannot report failures",
                match (sts, dane) {
                    (true, true) => "MTA-STS and DANE",
                    (true, false) => "MTA-STS",
                    _ => "DANE",
                }
            ),
            json!({}),
        )),
        _ => None,
    }
}
