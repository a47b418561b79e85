//! Rules of a certificate chain: trust, order, dates, names, key and signature strength; and the
//! certificate a client without SNI is shown.

use crate::judge::diagnose::finding;
use crate::model::cert::ChainAnalysis;
use crate::model::cert::TimeProblem;
use crate::model::cert::TrustVerdict;
use crate::model::finding::Finding;
use serde_json::json;

/// Findings about one certificate chain.
pub fn certificate_findings(a: &ChainAnalysis) -> Vec<Finding> {
    let mut out = trust_findings(a);
    out.extend(chain_order(a));
    out.extend(time_findings(a));
    out.extend(name_mismatches(a));
    out.extend(weak_keys(a));
    out.extend(weak_signatures(a));
    out.extend(too_long(a));
    out
}

/// More certificates sent than any chain needs: only the first ones were analysed.
fn too_long(a: &ChainAnalysis) -> Option<Finding> {
    let sent = a.sent_more?;
    Some(finding(
        "chain-too-long",
        format!(
            "the server sent {sent} certificates; only the first {} were analysed (a chain needs two to four)",
            a.certificates.len() + a.unparsable.len()
        ),
        json!({"sent": sent, "analysed": a.certificates.len() + a.unparsable.len()}),
    ))
}

/// The subjects of the chain's readable certificates, as sent.
fn subjects(a: &ChainAnalysis) -> Vec<&str> {
    a.certificates.iter().map(|c| c.subject.as_str()).collect()
}

/// What the trust verdict says: self-signed, untrusted, incomplete, invalid or no certificate.
fn trust_findings(a: &ChainAnalysis) -> Vec<Finding> {
    let subjects = subjects(a);
    match &a.trust {
        TrustVerdict::Trusted { .. } => Vec::new(),
        TrustVerdict::SelfSigned => vec![finding(
            "cert-self-signed",
            format!(
                "the certificate is self-signed ({}): no CA vouches for it",
                subjects.first().copied().unwrap_or("?")
            ),
            json!({"subject": subjects.first()}),
        )],
        TrustVerdict::UntrustedRoot { root, sent } => vec![finding(
            "cert-untrusted",
            if *sent {
                format!("the chain ends at the root \"{root}\", which is not in the trust store")
            } else {
                format!(
                    "the chain leads to \"{root}\", which is not in the trust store (a private CA, or a root missing from this store)"
                )
            },
            json!({"root": root, "root_sent": sent, "chain": subjects}),
        )],
        TrustVerdict::Incomplete { .. } => incomplete_findings(a, &subjects),
        TrustVerdict::Invalid { reason } => {
            // A chain refused for its SHA-1 signature is reported as a weak signature.
            let covered = !a.weak_signatures.is_empty() && reason.contains("not supported");
            if covered {
                return Vec::new();
            }
            vec![finding(
                "cert-chain-invalid",
                format!("the chain is invalid: {reason}"),
                json!({"reason": reason, "chain": subjects}),
            )]
        }
        TrustVerdict::NoCertificate { reason } => vec![finding(
            "cert-chain-invalid",
            format!("no usable certificate: {reason}"),
            json!({"reason": reason}),
        )],
    }
}

/// `chain-incomplete`, with what the intermediate fetched through AIA changed; and
/// `cert-untrusted` first when even with it the root is unknown.
fn incomplete_findings(a: &ChainAnalysis, subjects: &[&str]) -> Vec<Finding> {
    let TrustVerdict::Incomplete {
        missing_issuer,
        issued_to,
        ca_issuers,
    } = &a.trust
    else {
        return Vec::new();
    };
    let mut out = Vec::new();
    let base = match ca_issuers {
        Some(url) => format!(
            "the server does not send the certificate of \"{missing_issuer}\", which issued \"{issued_to}\" (it can be downloaded from {url})"
        ),
        None => format!(
            "the server does not send the certificate of \"{missing_issuer}\", which issued \"{issued_to}\", and the chain reaches no trusted root without it"
        ),
    };
    let (summary, after) = match &a.trust_with_fetched {
        Some(TrustVerdict::Trusted { anchor }) => (
            format!(
                "{base}; with it, fetched through AIA, the chain is trusted (via {anchor}): the server's configuration alone is wrong, and clients that do not fetch (Java, Python, OpenSSL, MTAs) fail"
            ),
            "trusted",
        ),
        Some(TrustVerdict::UntrustedRoot { root, .. }) => {
            out.push(finding(
                "cert-untrusted",
                format!(
                    "even with the missing intermediate fetched through AIA, the chain leads to \"{root}\", which this trust store lacks: the client's trust store needs it (or the server a public CA)"
                ),
                json!({"root": root, "root_sent": false, "chain": subjects, "after_fetch": true}),
            ));
            (base, "untrusted-root")
        }
        Some(_) => (base, "not-trusted"),
        None => (base, "not-fetched"),
    };
    out.push(finding(
        "chain-incomplete",
        summary,
        json!({"missing_issuer": missing_issuer, "issued_to": issued_to, "ca_issuers": ca_issuers, "sent": subjects, "after_fetch": after}),
    ));
    out
}

/// `chain-order`: certificates off the leaf's path or out of order (a lone self-signed
/// certificate aside).
fn chain_order(a: &ChainAnalysis) -> Option<Finding> {
    if a.order_problems.is_empty()
        || matches!(a.trust, TrustVerdict::SelfSigned if a.certificates.len() == 1)
    {
        return None;
    }
    Some(finding(
        "chain-order",
        format!(
            "the chain is not sent in order: {}",
            a.order_problems.join("; ")
        ),
        json!({"problems": a.order_problems, "sent": subjects(a)}),
    ))
}

/// `cert-expired`, `cert-not-yet-valid`, `cert-expires-soon`: one finding per kind, naming every
/// certificate of that kind.
fn time_findings(a: &ChainAnalysis) -> Vec<Finding> {
    let mut out = Vec::new();
    for (kind, code) in [
        ("expired", "cert-expired"),
        ("not-yet-valid", "cert-not-yet-valid"),
        ("expires-soon", "cert-expires-soon"),
    ] {
        let hits: Vec<_> = a.time_problems.iter().filter(|t| t.kind == kind).collect();
        if hits.is_empty() {
            continue;
        }
        let parts: Vec<String> = hits.iter().map(|t| time_text(kind, t)).collect();
        out.push(finding(
            code,
            parts.join("; "),
            json!({"certificates": hits}),
        ));
    }
    out
}

/// One certificate's date problem in words.
fn time_text(kind: &str, t: &TimeProblem) -> String {
    let which = if t.index == 0 {
        "the server certificate".to_string()
    } else {
        format!("certificate #{} ({})", t.index, t.subject)
    };
    match kind {
        "expired" => format!("{which} expired on {} ({} days ago)", t.date, -t.days),
        "not-yet-valid" => format!("{which} is valid only from {} (in {} days)", t.date, t.days),
        _ => format!("{which} expires on {} (in {} days)", t.date, t.days),
    }
}

/// `cert-name-mismatch`: one finding per name checked that the leaf does not cover.
fn name_mismatches(a: &ChainAnalysis) -> Vec<Finding> {
    a.names
        .iter()
        .filter(|n| !n.covered)
        .map(|n| {
            finding(
                "cert-name-mismatch",
                format!(
                    "the certificate does not cover the name {}; it covers only: {}",
                    n.name,
                    if a.covered_names.is_empty() {
                        "no name at all".to_string()
                    } else {
                        a.covered_names.join(", ")
                    }
                ),
                json!({"name": n.name, "covered_names": a.covered_names}),
            )
        })
        .collect()
}

/// `cert-weak-key`: weak keys on the path.
fn weak_keys(a: &ChainAnalysis) -> Option<Finding> {
    if a.weak_keys.is_empty() {
        return None;
    }
    let parts: Vec<String> = a
        .weak_keys
        .iter()
        .map(|w| format!("#{} {} has a {}", w.index, w.subject, w.what))
        .collect();
    Some(finding(
        "cert-weak-key",
        format!("weak key in the chain: {}", parts.join("; ")),
        json!({"certificates": a.weak_keys}),
    ))
}

/// `cert-weak-signature`: weak signatures on the path.
fn weak_signatures(a: &ChainAnalysis) -> Option<Finding> {
    if a.weak_signatures.is_empty() {
        return None;
    }
    let parts: Vec<String> = a
        .weak_signatures
        .iter()
        .map(|w| format!("#{} {} is signed with {}", w.index, w.subject, w.what))
        .collect();
    Some(finding(
        "cert-weak-signature",
        format!("weak signature in the chain: {}", parts.join("; ")),
        json!({"certificates": a.weak_signatures}),
    ))
}

/// Without SNI the server presents another certificate.
pub fn sni_cert_differs(ns: &ChainAnalysis) -> Finding {
    let leaf = ns.certificates.first();
    let subject = leaf.map(|c| c.subject.as_str()).unwrap_or("?");
    let uncovered: Vec<&str> = ns
        .names
        .iter()
        .filter(|n| !n.covered)
        .map(|n| n.name.as_str())
        .collect();
    let summary = if uncovered.is_empty() {
        format!(
            "without SNI the server presents another certificate ({subject}); it covers the names checked"
        )
    } else {
        format!(
            "without SNI the server presents another certificate ({subject}, for {}), which does not cover {}: peers that send no SNI (Postfix, Exim by default) see it",
            if ns.covered_names.is_empty() {
                "no name".to_string()
            } else {
                ns.covered_names.join(", ")
            },
            uncovered.join(", ")
        )
    };
    finding(
        "sni-cert-differs",
        summary,
        json!({"no_sni_subject": subject, "no_sni_names": ns.covered_names, "not_covered": uncovered, "trust": ns.trust}),
    )
}
