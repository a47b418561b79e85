//! The diagnosis: pure rules from observations (and the chain analysis) to findings.
//! No I/O here: the same observations always give the same findings, so a saved scan can be
//! diagnosed again, and every rule is tested from JSON fixtures.

use crate::judge::registry::lookup;
use crate::model::cert::ChainAnalysis;
use crate::model::cert::TrustVerdict;
use crate::model::finding::Finding;
use crate::model::finding::Severity;
use crate::model::observation::EndpointObservation;
use crate::model::observation::Mode;
use crate::model::observation::Phase;
use crate::model::scan::SuiteEntry;
use crate::model::scan::TlsScan;
use crate::model::scan::VersionStatus;
use serde_json::{Map, Value, json};

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
    let scan = obs.scan.as_ref();
    if let Some(tls) = &obs.tls {
        // When the scan shows the server speaks only versions before TLS 1.2, `no-tls12` says why
        // the modern handshake failed; a server that completes no handshake at all stays here.
        let explained_by_scan = scan.is_some_and(|sc| {
            let st = |k: &str| sc.versions.get(k).map(|v| v.status);
            st("TLSv1.2") == Some(VersionStatus::NotOffered)
                && st("TLSv1.3") == Some(VersionStatus::NotOffered)
                && sc
                    .versions
                    .values()
                    .any(|v| v.status == VersionStatus::Offered)
        });
        if !tls.completed && !explained_by_scan {
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
                (None, Some(f)) => format!("the TLS handshake failed: {}", f.message),
                (None, None) => "the TLS handshake did not complete".to_string(),
            };
            let summary = match scan.and_then(modern_gap) {
                Some(gap) => {
                    evidence["scan_explains"] = json!(gap);
                    format!("{summary}; {gap}")
                }
                None => summary,
            };
            out.push(finding("tls-handshake-failed", summary, evidence));
        }
    }
    if let Some(sc) = scan {
        out.extend(scan_findings(sc));
    }

    if let Some(a) = analysis {
        out.extend(certificate_findings(a));
    }
    out
}

fn names(list: &[&SuiteEntry]) -> String {
    let mut v: Vec<&str> = Vec::new();
    for s in list {
        let n = s.openssl.as_deref().unwrap_or(s.iana.as_str());
        if !v.contains(&n) {
            v.push(n);
        }
    }
    if v.len() > 4 {
        format!("{} and {} more", v[..4].join(", "), v.len() - 4)
    } else {
        v.join(", ")
    }
}

/// What the scan says about why a modern client (TLS 1.2+, AEAD suites with ECDHE) fails.
fn modern_gap(sc: &TlsScan) -> Option<String> {
    let offered = |k: &str| {
        sc.versions
            .get(k)
            .filter(|v| v.status == VersionStatus::Offered)
    };
    if offered("TLSv1.3").is_some() {
        return None;
    }
    let v12 = offered("TLSv1.2")?;
    let modern = v12
        .suites
        .iter()
        .any(|s| s.mac == "AEAD" && s.forward_secrecy && s.kx.starts_with("ecdhe"));
    if modern {
        return None;
    }
    let aead = v12.suites.iter().any(|s| s.mac == "AEAD");
    Some(if !aead {
        "the scan shows why: the server's TLS 1.2 suites are all CBC (no AES-GCM or ChaCha20): rustls offers none of them, and Python 3.10+ refuses those with SHA-1 MACs".to_string()
    } else {
        format!(
            "the scan shows why: the server's TLS 1.2 AEAD suites use {} key exchange, not ECDHE, which modern clients such as rustls require",
            v12.suites
                .iter()
                .filter(|s| s.mac == "AEAD")
                .map(|s| s.kx.to_uppercase())
                .next()
                .unwrap_or_default()
        )
    })
}

/// Findings from the scan of versions, suites and groups.
pub fn scan_findings(sc: &TlsScan) -> Vec<Finding> {
    let mut out = Vec::new();
    let status = |k: &str| sc.versions.get(k).map(|v| v.status);
    for (key, code) in [
        ("SSLv2", "protocol-sslv2"),
        ("SSLv3", "protocol-sslv3"),
        ("TLSv1.0", "protocol-tls10"),
        ("TLSv1.1", "protocol-tls11"),
    ] {
        if let Some(v) = sc
            .versions
            .get(key)
            .filter(|v| v.status == VersionStatus::Offered)
        {
            let list: Vec<&SuiteEntry> = v.suites.iter().collect();
            out.push(finding(
                code,
                format!("the server accepts {key} ({} suite{}: {})", list.len(), if list.len() == 1 { "" } else { "s" }, names(&list)),
                json!({"version": key, "suites": v.suites.iter().map(|s| &s.iana).collect::<Vec<_>>()}),
            ));
        }
    }
    let any_offered = sc
        .versions
        .values()
        .any(|v| v.status == VersionStatus::Offered);
    if any_offered
        && status("TLSv1.2") == Some(VersionStatus::NotOffered)
        && status("TLSv1.3") == Some(VersionStatus::NotOffered)
    {
        let best = ["TLSv1.1", "TLSv1.0", "SSLv3", "SSLv2"]
            .into_iter()
            .find(|k| status(k) == Some(VersionStatus::Offered))
            .unwrap_or("?");
        out.push(finding(
            "no-tls12",
            format!("the server cannot do TLS 1.2 or 1.3: its best is {best}"),
            json!({"best_version": best}),
        ));
    }
    let mut weak: Vec<(String, &SuiteEntry, &'static str)> = Vec::new();
    let mut no_fs: Vec<(String, &SuiteEntry)> = Vec::new();
    for (key, v) in &sc.versions {
        if v.status != VersionStatus::Offered {
            continue;
        }
        for s in &v.suites {
            let info = u16::from_str_radix(s.id.trim_start_matches("0x"), 16)
                .ok()
                .and_then(wire::tls::suites::suite_info);
            let why = if key == "SSLv2" {
                Some("SSLv2 cipher")
            } else {
                info.and_then(|i| i.weakness())
            };
            if let Some(w) = why {
                weak.push((key.clone(), s, w));
            }
            if key != "TLSv1.3" && !s.forward_secrecy && s.kx != "null" {
                no_fs.push((key.clone(), s));
            }
        }
    }
    if !weak.is_empty() {
        let list: Vec<&SuiteEntry> = weak.iter().map(|w| w.1).collect();
        let mut kinds: Vec<&str> = weak.iter().map(|w| w.2).collect();
        kinds.sort_unstable();
        kinds.dedup();
        out.push(finding(
            "cipher-weak",
            format!("the server accepts weak cipher suites ({}): {}", kinds.join(", "), names(&list)),
            json!({"suites": weak.iter().map(|(v, s, w)| json!({"version": v, "suite": s.iana, "openssl": s.openssl, "weakness": w})).collect::<Vec<_>>()}),
        ));
    }
    if !no_fs.is_empty() {
        let list: Vec<&SuiteEntry> = no_fs.iter().map(|w| w.1).collect();
        out.push(finding(
            "cipher-no-forward-secrecy",
            format!("the server accepts suites without forward secrecy (static RSA or DH key exchange): {}", names(&list)),
            json!({"suites": no_fs.iter().map(|(v, s)| json!({"version": v, "suite": s.iana, "openssl": s.openssl})).collect::<Vec<_>>()}),
        ));
    }
    if let Some(bits) = sc.dhe_bits.filter(|b| *b < 2048) {
        out.push(finding(
            "dh-weak",
            format!(
                "the server's DHE group has {bits} bits (below 2048){}",
                sc.dhe_suite
                    .as_ref()
                    .map(|s| format!(", with {s}"))
                    .unwrap_or_default()
            ),
            json!({"bits": bits, "suite": sc.dhe_suite}),
        ));
    }
    let unordered: Vec<&str> = sc
        .versions
        .iter()
        .filter(|(_, v)| v.server_order == Some(false))
        .map(|(k, _)| k.as_str())
        .collect();
    if !unordered.is_empty() {
        out.push(finding(
            "no-server-preference",
            format!(
                "the server follows the client's suite order for {}",
                unordered.join(", ")
            ),
            json!({"versions": unordered}),
        ));
    }
    out
}

/// Findings about one certificate chain.
pub fn certificate_findings(a: &ChainAnalysis) -> Vec<Finding> {
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
        TrustVerdict::Incomplete { missing_issuer, issued_to, ca_issuers } => {
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
                    format!("{base}; with it, fetched through AIA, the chain is trusted (via {anchor}): the server's configuration alone is wrong, and clients that do not fetch (Java, Python, OpenSSL, MTAs) fail"),
                    "trusted",
                ),
                Some(TrustVerdict::UntrustedRoot { root, .. }) => {
                    out.push(finding(
                        "cert-untrusted",
                        format!("even with the missing intermediate fetched through AIA, the chain leads to \"{root}\", which this trust store lacks: the client's trust store needs it (or the server a public CA)"),
                        json!({"root": root, "root_sent": false, "chain": subjects, "after_fetch": true}),
                    ));
                    (base.clone(), "untrusted-root")
                }
                Some(_) => (base.clone(), "not-trusted"),
                None => (base.clone(), "not-fetched"),
            };
            out.push(finding(
                "chain-incomplete",
                summary,
                json!({"missing_issuer": missing_issuer, "issued_to": issued_to, "ca_issuers": ca_issuers, "sent": subjects, "after_fetch": after}),
            ));
        }
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
