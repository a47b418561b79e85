//! The diagnosis: pure rules from observations (and the chain analysis) to findings.
//! No I/O here: the same observations always give the same findings, so a saved scan can be
//! diagnosed again, and every rule is tested from JSON fixtures.

use crate::cert::{ChainAnalysis, TrustVerdict};
use crate::findings::{Severity, lookup};
use crate::observe::{EndpointObservation, FailureKind, Mode, Phase};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value, json};

/// One thing found wrong, with its evidence.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Finding {
    pub code: String,
    pub severity: Severity,
    /// One line naming the evidence.
    pub summary: String,
    /// The facts behind it, as a JSON object.
    pub evidence: Map<String, Value>,
}

fn finding(code: &str, summary: String, evidence: Value) -> Finding {
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

fn quote(r: &wire::smtp::Reply) -> String {
    r.to_wire_lines().join(" / ")
}

/// The plain meaning of a TLS alert a server sends during the handshake.
pub fn alert_meaning(code: u8) -> &'static str {
    match code {
        40 => {
            "the server found nothing acceptable in our ClientHello: no cipher suite, group or signature algorithm in common"
        }
        42..=46 => {
            "the server did not like a certificate (it probably asked for a client certificate)"
        }
        47 => "the server rejected a value in our ClientHello",
        48 => "the server does not know the CA of a client certificate",
        50 => "the server could not parse our ClientHello",
        70 => {
            "no protocol version in common: the server only speaks versions our client does not offer (TLS 1.0/1.1 only, or SSLv3)"
        }
        71 => "the server demands stronger security than offered (suites or groups)",
        80 => {
            "the server had an internal error: often OpenSSL's security level refusing its own weak key or an old protocol"
        }
        86 => "the server saw a downgrade attempt",
        109 => "a required TLS extension was missing",
        110 => "the server did not accept one of our extensions",
        112 => "the server does not know the name we sent in SNI",
        116 => "the server requires a client certificate",
        120 => "no application protocol (ALPN) in common",
        _ => "the server aborted the handshake",
    }
}

/// Every finding for one endpoint.
pub fn diagnose(obs: &EndpointObservation, analysis: Option<&ChainAnalysis>) -> Vec<Finding> {
    let mut out = Vec::new();
    let smtp = &obs.smtp;

    // SMTP refusals: a 4xx/5xx greeting or EHLO answer.
    if let Some(b) = &smtp.banner
        && !b.is_positive()
    {
        out.push(finding(
            "smtp-rejected",
            format!(
                "the server refused the session at the greeting: \"{}\"",
                quote(b)
            ),
            json!({"phase": "banner", "reply": quote(b), "code": b.code}),
        ));
        return out;
    }
    if let Some(e) = &smtp.ehlo
        && !e.is_positive()
    {
        let helo = smtp.helo.as_ref();
        let summary = match helo {
            Some(h) if h.is_positive() => format!(
                "the server refused EHLO with \"{}\" and accepted HELO, which carries no extensions (STARTTLS included)",
                quote(e)
            ),
            Some(h) => format!(
                "the server refused EHLO (\"{}\") and HELO (\"{}\")",
                quote(e),
                quote(h)
            ),
            None => format!("the server refused EHLO: \"{}\"", quote(e)),
        };
        out.push(finding(
                "smtp-rejected",
                summary,
                json!({"phase": "ehlo", "reply": quote(e), "code": e.code, "helo_reply": helo.map(quote), "ehlo_name": obs.ehlo_name}),
            ));
        if !helo.is_some_and(|h| h.is_positive()) {
            return out;
        }
    }

    // STARTTLS.
    if obs.mode == Mode::Starttls && (smtp.ehlo.is_some() || smtp.helo.is_some()) {
        let offered = smtp
            .capabilities
            .as_ref()
            .is_some_and(|c| c.has("STARTTLS"));
        if !offered {
            let caps = smtp
                .capabilities
                .as_ref()
                .map(|c| c.keywords())
                .unwrap_or_default();
            out.push(finding(
                "starttls-not-offered",
                if smtp.helo.is_some() {
                    "STARTTLS cannot be used: the session fell back to HELO, which has no extensions".to_string()
                } else {
                    format!("the server's EHLO reply does not advertise STARTTLS (it offers: {})", if caps.is_empty() { "nothing".into() } else { caps.join(", ") })
                },
                json!({"capabilities": caps}),
            ));
            return out;
        }
        if let Some(r) = &smtp.starttls
            && r.code != 220
        {
            out.push(finding(
                "starttls-refused",
                format!(
                    "the server advertises STARTTLS but answers it with \"{}\"",
                    quote(r)
                ),
                json!({"reply": quote(r), "code": r.code}),
            ));
            return out;
        }
        if smtp.bytes_after_starttls > 0 {
            let ex = smtp.after_starttls_excerpt.clone().unwrap_or_default();
            let looks_smtp = ex
                .trim_start_matches('"')
                .as_bytes()
                .iter()
                .take(3)
                .all(u8::is_ascii_digit)
                && ex.len() > 4;
            if looks_smtp {
                out.push(finding(
                    "starttls-extra-bytes",
                    format!("the server sent {} bytes of SMTP after its STARTTLS reply, before the handshake: {ex}", smtp.bytes_after_starttls),
                    json!({"bytes": smtp.bytes_after_starttls, "excerpt": ex}),
                ));
            }
        }
    }

    // The handshake.
    if let Some(tls) = &obs.tls
        && !tls.completed
    {
        let failure = obs.failure.as_ref();
        let mut evidence = json!({
            "kind": failure.map(|f| f.kind),
            "message": failure.map(|f| f.message.clone()),
            "sni": tls.sni,
        });
        let summary = match (&tls.alert, failure) {
            (Some(a), _) => {
                evidence["alert"] = json!({"code": a.code, "name": a.name});
                format!(
                    "the TLS handshake failed: the server sent the alert {} ({}): {}",
                    a.name,
                    a.code,
                    alert_meaning(a.code)
                )
            }
            (None, Some(f)) => match f.kind {
                FailureKind::Timeout => format!("the TLS handshake failed: {}", f.message),
                FailureKind::Closed => format!("the TLS handshake failed: {}", f.message),
                FailureKind::NotTls => format!("the TLS handshake failed: {}", f.message),
                _ => format!("the TLS handshake failed: {}", f.message),
            },
            (None, None) => "the TLS handshake did not complete".to_string(),
        };
        out.push(finding("tls-handshake-failed", summary, evidence));
        return out;
    }

    if let Some(a) = analysis {
        out.extend(certificate_findings(obs, a));
    }
    out
}

fn certificate_findings(obs: &EndpointObservation, a: &ChainAnalysis) -> Vec<Finding> {
    let mut out = Vec::new();
    let subjects: Vec<&str> = a.certificates.iter().map(|c| c.subject.as_str()).collect();
    match &a.trust {
        TrustVerdict::Trusted { .. } => {}
        TrustVerdict::SelfSigned => out.push(finding(
            "cert-self-signed",
            format!("the certificate is self-signed ({}): no CA vouches for it", subjects.first().copied().unwrap_or("?")),
            json!({"subject": subjects.first()}),
        )),
        TrustVerdict::UntrustedRoot { root, sent } => out.push(finding(
            "cert-untrusted",
            if *sent {
                format!("the chain ends at the root \"{root}\", which is not in the trust store")
            } else {
                format!("the chain leads to \"{root}\", which is not in the trust store (a private CA, or a root missing from this store)")
            },
            json!({"root": root, "root_sent": sent, "chain": subjects}),
        )),
        TrustVerdict::Incomplete { missing_issuer, issued_to, ca_issuers } => out.push(finding(
            "chain-incomplete",
            match ca_issuers {
                Some(url) => format!(
                    "the server does not send the certificate of \"{missing_issuer}\", which issued \"{issued_to}\" (it can be downloaded from {url})"
                ),
                None => format!(
                    "the server does not send the certificate of \"{missing_issuer}\", which issued \"{issued_to}\", and the chain reaches no trusted root without it"
                ),
            },
            json!({"missing_issuer": missing_issuer, "issued_to": issued_to, "ca_issuers": ca_issuers, "sent": subjects}),
        )),
        TrustVerdict::Invalid { reason } => {
            let covered = !a.weak_signatures.is_empty() && reason.contains("not supported");
            if !covered {
                out.push(finding(
                    "cert-chain-invalid",
                    format!("the chain is invalid: {reason}"),
                    json!({"reason": reason, "chain": subjects}),
                ));
            }
        }
        TrustVerdict::NoCertificate { reason } => out.push(finding(
            "cert-chain-invalid",
            format!("no usable certificate: {reason}"),
            json!({"reason": reason}),
        )),
    }
    if !a.order_problems.is_empty()
        && !matches!(a.trust, TrustVerdict::SelfSigned if a.certificates.len() == 1)
    {
        out.push(finding(
            "chain-order",
            format!(
                "the chain is not sent in order: {}",
                a.order_problems.join("; ")
            ),
            json!({"problems": a.order_problems, "sent": subjects}),
        ));
    }
    for (kind, code) in [
        ("expired", "cert-expired"),
        ("not-yet-valid", "cert-not-yet-valid"),
        ("expires-soon", "cert-expires-soon"),
    ] {
        let hits: Vec<_> = a.time_problems.iter().filter(|t| t.kind == kind).collect();
        if hits.is_empty() {
            continue;
        }
        let parts: Vec<String> = hits
            .iter()
            .map(|t| {
                let which = if t.index == 0 {
                    "the server certificate".to_string()
                } else {
                    format!("certificate #{} ({})", t.index, t.subject)
                };
                match kind {
                    "expired" => format!("{which} expired on {} ({} days ago)", t.date, -t.days),
                    "not-yet-valid" => {
                        format!("{which} is valid only from {} (in {} days)", t.date, t.days)
                    }
                    _ => format!("{which} expires on {} (in {} days)", t.date, t.days),
                }
            })
            .collect();
        out.push(finding(
            code,
            parts.join("; "),
            json!({"certificates": hits}),
        ));
    }
    for n in a.names.iter().filter(|n| !n.covered) {
        out.push(finding(
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
        ));
    }
    if !a.weak_keys.is_empty() {
        let parts: Vec<String> = a
            .weak_keys
            .iter()
            .map(|w| format!("#{} {} has a {}", w.index, w.subject, w.what))
            .collect();
        out.push(finding(
            "cert-weak-key",
            format!("weak key in the chain: {}", parts.join("; ")),
            json!({"certificates": a.weak_keys}),
        ));
    }
    if !a.weak_signatures.is_empty() {
        let parts: Vec<String> = a
            .weak_signatures
            .iter()
            .map(|w| format!("#{} {} is signed with {}", w.index, w.subject, w.what))
            .collect();
        out.push(finding(
            "cert-weak-signature",
            format!("weak signature in the chain: {}", parts.join("; ")),
            json!({"certificates": a.weak_signatures}),
        ));
    }
    let _ = obs;
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
        crate::findings::REGISTRY
            .iter()
            .position(|d| d.code == code)
            .unwrap_or(usize::MAX)
    };
    findings.sort_by_key(|f| (f.severity, pos(&f.code)));
}
