//! The report as one self-contained HTML page, to attach to a ticket: CSS embedded, no script,
//! no external asset (a Content-Security-Policy forbids both), readable on a phone.
//!
//! Every string of the report is first escaped for the terminal by [`crate::render::safe`] (as
//! the text output is, so a control character shows visibly), then for HTML by [`esc`], in text
//! and in attribute values alike.

use crate::judge::registry::lookup;
use crate::model::cert::CertDetails;
use crate::model::cert::ChainAnalysis;
use crate::model::cert::TrustVerdict;
use crate::model::finding::Finding;
use crate::model::finding::Severity;
use crate::model::report::CheckReport;
use crate::model::report::DomainReport;
use crate::model::report::EndpointReport;
use crate::model::report::Status;
use crate::model::scan::TlsScan;
use crate::model::scan::VersionStatus;
use crate::render::safe;
use std::fmt::Write as _;
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

/// The page's style: fluid, one column, no external font or image.
const CSS: &str = "body{font-family:system-ui,sans-serif;margin:0;padding:0 1em 2em;max-width:60em;\
line-height:1.4;color:#222;background:#fff}\
h1,h2,h3{margin:1.2em 0 .4em}h1{font-size:1.3em}h2{font-size:1.15em;border-bottom:1px solid #ccc}\
h3{font-size:1em}.banner{padding:.8em 1em;margin:1em 0;border-radius:6px;font-weight:bold;color:#fff}\
.ok{background:#2e7d32}.warnings{background:#ef6c00}.problems{background:#c62828}.error{background:#6a1b9a}\
.sev{display:inline-block;min-width:5em;padding:0 .4em;border-radius:4px;color:#fff;font-size:.85em;text-align:center}\
.sev-error{background:#c62828}.sev-warning{background:#ef6c00}.sev-note{background:#00838f}\
.finding{border:1px solid #ddd;border-radius:6px;padding:.6em .8em;margin:.6em 0}\
pre,code{font-family:ui-monospace,monospace;font-size:.85em;white-space:pre-wrap;word-break:break-all}\
pre{background:#f5f5f5;padding:.5em;border-radius:4px;margin:.3em 0}\
.tbl{overflow-x:auto}table{border-collapse:collapse;margin:.4em 0}\
td,th{border:1px solid #ddd;padding:.2em .5em;text-align:left;vertical-align:top;font-size:.9em}\
.chain{list-style:none;padding:0;margin:0}.cert{border:2px solid #90a4ae;border-radius:6px;padding:.5em .8em;\
overflow-wrap:anywhere}.link{text-align:center;color:#607d8b;margin:.1em 0}\
.bar{position:relative;height:.8em;background:#e0e0e0;border-radius:4px;margin:.3em 0}\
.span{position:absolute;top:0;bottom:0;background:#81c784;border-radius:4px}.span.bad{background:#e57373}\
.now{position:absolute;top:-.3em;bottom:-.3em;width:2px;background:#000}\
.good{color:#2e7d32}.badt{color:#c62828}.muted{color:#666;font-size:.9em}";

/// `s` escaped for HTML text and attribute values: `& < > " '`.
pub fn esc(s: &str) -> String {
    let mut o = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => o.push_str("&amp;"),
            '<' => o.push_str("&lt;"),
            '>' => o.push_str("&gt;"),
            '"' => o.push_str("&quot;"),
            '\'' => o.push_str("&#39;"),
            c => o.push(c),
        }
    }
    o
}

/// The report as one HTML page.
pub fn render_html(report: &CheckReport) -> String {
    match safe::escaped(report) {
        Some(clean) => render(&clean),
        // Not expected (the report reads back from its JSON); the page is still made, each
        // string HTML-escaped, and then every control character of it (the page's own text has
        // none but newlines) shown as an escape.
        None => safe::escape_keeping_lines(&render(report)).into_owned(),
    }
}

fn status_class(s: Status) -> (&'static str, &'static str) {
    match s {
        Status::Ok => ("ok", "OK"),
        Status::Warnings => ("warnings", "WARNING"),
        Status::Problems => ("problems", "PROBLEM"),
        Status::Error => ("error", "NOT CHECKED"),
    }
}

/// The verdict as the banner's `data-verdict`: its word in kebab case, a stable hook for
/// scripts and tests.
fn verdict_word(s: Status) -> &'static str {
    match s {
        Status::Ok => "ok",
        Status::Warnings => "warning",
        Status::Problems => "problem",
        Status::Error => "not-checked",
    }
}

fn render(r: &CheckReport) -> String {
    let mut o = String::new();
    let (class, word) = status_class(r.verdict.status);
    let _ = write!(
        o,
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\
<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'; img-src data:\">\
<title>{} — {}</title><style>{CSS}</style></head><body>\n",
        esc(&r.target.input),
        word
    );
    let _ = writeln!(
        o,
        "<h1>smtp-tls-doctor: {}</h1><p class=\"muted\">checked at {} by {} {} · trust store {} · {} connection(s)</p>",
        esc(&r.target.input),
        esc(&r.checked_at),
        esc(&r.tool.name),
        esc(&r.tool.version),
        esc(&r.trust_store),
        r.connections
    );
    let _ = writeln!(
        o,
        "<div class=\"banner {class}\" id=\"verdict\" data-verdict=\"{}\">{word}: {}</div>",
        verdict_word(r.verdict.status),
        esc(&r.verdict.text)
    );
    if let Some(e) = &r.error {
        let _ = writeln!(
            o,
            "<h2>Why it could not be checked</h2><table><tr><th>host</th><td>{}{}</td></tr>\
<tr><th>phase</th><td>{}</td></tr><tr><th>cause</th><td>{}</td></tr><tr><th>what to do</th><td>{}</td></tr></table>",
            esc(&e.host),
            e.address
                .as_ref()
                .map(|a| format!(" ({})", esc(a)))
                .unwrap_or_default(),
            esc(e.phase.as_str()),
            esc(&e.message),
            esc(&e.hint)
        );
    }
    if let Some(d) = &r.domain {
        render_domain(&mut o, d);
    }
    for ep in &r.endpoints {
        render_endpoint(&mut o, r, ep);
    }
    o.push_str("</body></html>\n");
    o
}

/// One finding: severity, code, summary, evidence, fixes from the registry.
/// `software`: the server's software (its fix comes first, `judge::software::fix_order`).
fn render_findings(o: &mut String, findings: &[Finding], software: Option<&str>) {
    if findings.is_empty() {
        return;
    }
    let _ = writeln!(o, "<h3>Findings ({})</h3>", findings.len());
    for f in findings {
        let (cls, label) = match f.severity {
            Severity::Error => ("sev-error", "error"),
            Severity::Warning => ("sev-warning", "warning"),
            Severity::Note => ("sev-note", "note"),
        };
        let _ = write!(
            o,
            "<div class=\"finding\" data-code=\"{}\"><span class=\"sev {cls}\">{label}</span> <code>{}</code><p>{}</p>",
            esc(&f.code),
            esc(&f.code),
            esc(&f.summary)
        );
        if !f.evidence.is_empty() {
            let ev = serde_json::to_string(&f.evidence).unwrap_or_default();
            let _ = write!(
                o,
                "<details><summary>evidence</summary><pre>{}</pre></details>",
                esc(&ev)
            );
        }
        if let Some(def) = lookup(&f.code) {
            for fix in crate::judge::software::fix_order(def.fixes, software).1 {
                let _ = write!(
                    o,
                    "<p><b>fix ({}):</b></p><pre>{}</pre>",
                    esc(fix.software),
                    esc(fix.text)
                );
            }
            let _ = write!(
                o,
                "<p class=\"muted\">more: <code>smtp-tls-doctor explain {}</code></p>",
                esc(&f.code)
            );
        }
        o.push_str("</div>\n");
    }
}

fn render_endpoint(o: &mut String, r: &CheckReport, ep: &EndpointReport) {
    let obs = &ep.observation;
    let _ = writeln!(
        o,
        "<h2>{} at {}</h2>",
        esc(&obs.name),
        esc(&obs.address.to_string())
    );
    render_findings(
        o,
        &ep.findings,
        ep.server_software.as_ref().map(|s| s.name.as_str()),
    );
    let _ = write!(
        o,
        "<h3>Connection</h3><div class=\"tbl\"><table><tr><th>server</th><td>{}:{} → {} ({})</td></tr>\
<tr><th>EHLO name</th><td>{}</td></tr>",
        esc(&obs.name),
        r.target.port,
        esc(&obs.address.to_string()),
        esc(obs.mode.as_str()),
        esc(&obs.ehlo_name)
    );
    if let Some(tls) = &obs.tls {
        let _ = write!(
            o,
            "<tr><th>SNI</th><td>{}</td></tr>",
            esc(tls.sni.as_deref().unwrap_or("(none sent)"))
        );
        if tls.completed {
            let _ = write!(
                o,
                "<tr><th>version</th><td>{}</td></tr><tr><th>suite</th><td>{}</td></tr>\
<tr><th>group</th><td>{}</td></tr>",
                esc(tls.version.as_deref().unwrap_or("?")),
                esc(tls
                    .cipher_suite
                    .as_ref()
                    .map(|s| s.iana.as_str())
                    .unwrap_or("?")),
                esc(tls.group.as_deref().unwrap_or("?"))
            );
        } else {
            o.push_str("<tr><th>TLS</th><td class=\"badt\">handshake failed</td></tr>");
        }
    }
    if let Some(b) = &obs.smtp.banner {
        let _ = write!(
            o,
            "<tr><th>banner</th><td><code>{}</code></td></tr>",
            esc(&b.to_wire_lines().join(" / "))
        );
    }
    if let Some(st) = &obs.smtp.starttls {
        let _ = write!(
            o,
            "<tr><th>STARTTLS</th><td><code>{}</code></td></tr>",
            esc(&st.to_wire_lines().join(" / "))
        );
    }
    if let Some(sw) = &ep.server_software {
        let _ = write!(
            o,
            "<tr><th>software</th><td id=\"software\">looks like {}{} ({} confidence: {})</td></tr>",
            esc(&sw.name),
            sw.version
                .as_deref()
                .map(|v| format!(" {}", esc(v)))
                .unwrap_or_default(),
            sw.confidence.as_str(),
            esc(&sw.evidence.join("; "))
        );
    }
    o.push_str("</table></div>\n");
    if let Some(sc) = &obs.scan {
        render_scan(o, sc);
    }
    render_checks(o, &ep.checks);
    if let Some(a) = &ep.chain_analysis {
        render_chain(o, r, a);
    }
    for other in &ep.other_chain_analyses {
        if let Some(leaf) = other.analysis.certificates.first() {
            let _ = write!(
                o,
                "<p>Another certificate, sent for {} ({}): {}, names {}</p>",
                esc(&other.suite),
                esc(&other.version),
                esc(&leaf.subject),
                esc(&leaf.sans.join(", "))
            );
        }
    }
    if let Some(leaf) = ep
        .no_sni_analysis
        .as_ref()
        .and_then(|a| a.certificates.first())
    {
        let _ = write!(
            o,
            "<p>Without SNI the server sends another certificate: {}, names {}</p>",
            esc(&leaf.subject),
            esc(&leaf.sans.join(", "))
        );
    }
}

/// The vulnerability battery and the other checks: the ones with a weakness first, each with
/// its status and evidence.
fn render_checks(o: &mut String, checks: &crate::model::checks::Checks) {
    use crate::model::checks::CheckStatus;
    if checks.is_empty() {
        return;
    }
    let _ = write!(
        o,
        "<h3>Vulnerability checks ({})</h3><div class=\"tbl\"><table id=\"checks\">\
<tr><th>check</th><th>status</th><th>evidence</th></tr>",
        checks.len()
    );
    let rank = |s: CheckStatus| match s {
        CheckStatus::Vulnerable => 0,
        CheckStatus::Unknown => 1,
        CheckStatus::NotSupported => 2,
        _ => 3,
    };
    let mut rows: Vec<_> = checks.iter().collect();
    rows.sort_by_key(|(id, c)| (rank(c.status), id.as_str()));
    for (id, c) in rows {
        let class = match c.status {
            CheckStatus::Vulnerable => "badt",
            CheckStatus::Ok | CheckStatus::Supported => "good",
            _ => "muted",
        };
        let _ = write!(
            o,
            "<tr data-check=\"{}\" data-status=\"{}\"><td><code>{}</code></td><td class=\"{class}\">{}</td><td>{}</td></tr>",
            esc(id),
            c.status.as_str(),
            esc(id),
            c.status.as_str(),
            esc(&c.evidence)
        );
    }
    o.push_str("</table></div>\n");
}

/// The protocol versions and their suites.
fn render_scan(o: &mut String, sc: &TlsScan) {
    let _ = write!(
        o,
        "<h3>Protocols and cipher suites ({} connections)</h3><div class=\"tbl\"><table>\
<tr><th>version</th><th>status</th><th>suites</th></tr>",
        sc.scan_connections
    );
    for (k, v) in &sc.versions {
        let status = match v.status {
            VersionStatus::Offered if matches!(k.as_str(), "TLSv1.2" | "TLSv1.3") => {
                "<span class=\"good\">offered</span>"
            }
            VersionStatus::Offered => "<span class=\"badt\">offered</span>",
            VersionStatus::NotOffered => "not offered",
            VersionStatus::Unknown => "unknown",
        };
        let suites = v
            .suites
            .iter()
            .map(|s| {
                format!(
                    "{} ({} bits{})",
                    esc(&s.iana),
                    s.bits,
                    if s.forward_secrecy { ", FS" } else { "" }
                )
            })
            .collect::<Vec<_>>()
            .join("<br>");
        let _ = write!(
            o,
            "<tr><td>{}</td><td>{status}</td><td>{suites}</td></tr>",
            esc(k)
        );
    }
    o.push_str("</table></div>\n");
}

/// The chain as a chain: leaf, then each issuer, then where the path ends.
fn render_chain(o: &mut String, r: &CheckReport, a: &ChainAnalysis) {
    let now = parse_time(&r.checked_at);
    let _ = write!(
        o,
        "<h3>Certificate chain ({} sent)</h3><ol class=\"chain\">",
        a.certificates.len()
    );
    for (i, d) in a.certificates.iter().enumerate() {
        if i > 0 {
            o.push_str("<li class=\"link\">↓ issued by</li>");
        }
        render_certificate(o, i, d, now);
    }
    let (good, path) = trust_text(&a.trust);
    let _ = write!(
        o,
        "<li class=\"link\">↓</li><li class=\"cert\"><b>{}</b> <span class=\"{}\">{}</span></li></ol>",
        if good { "anchor:" } else { "path:" },
        if good { "good" } else { "badt" },
        esc(&path)
    );
    for (i, e) in &a.unparsable {
        let _ = write!(o, "<p class=\"badt\">#{i} unreadable: {}</p>", esc(e));
    }
    if !a.names.is_empty() {
        o.push_str("<p>");
        for n in &a.names {
            let _ = write!(
                o,
                "name <code>{}</code> {}{}<br>",
                esc(&n.name),
                if n.covered {
                    "<span class=\"good\">matched</span>"
                } else {
                    "<span class=\"badt\">NOT matched</span>"
                },
                n.matched_by
                    .as_ref()
                    .map(|m| format!(" (by <code>{}</code>)", esc(m)))
                    .unwrap_or_default()
            );
        }
        o.push_str("</p>\n");
    }
}

fn parse_time(s: &str) -> Option<OffsetDateTime> {
    OffsetDateTime::parse(s, &Rfc3339).ok()
}

/// One certificate: subject, names, issuer and its validity bar.
fn render_certificate(o: &mut String, i: usize, d: &CertDetails, now: Option<OffsetDateTime>) {
    let _ = write!(
        o,
        "<li class=\"cert\"><b>#{i} {}</b><br><span class=\"muted\">issuer</span> {}{}",
        esc(&d.subject),
        esc(&d.issuer),
        if d.self_signed { " (self-signed)" } else { "" }
    );
    if !d.sans.is_empty() {
        let _ = write!(
            o,
            "<br><span class=\"muted\">names</span> {}",
            esc(&d.sans.join(", "))
        );
    }
    let _ = write!(
        o,
        "<br><span class=\"muted\">valid</span> {} → {}",
        esc(&d.not_before),
        esc(&d.not_after)
    );
    o.push_str(&validity_bar(d, now));
    let _ = write!(
        o,
        "<span class=\"muted\">sha256</span> <code>{}</code></li>",
        esc(&d.sha256)
    );
}

/// A bar from a year before to a year after the validity, the validity marked, and "now".
fn validity_bar(d: &CertDetails, now: Option<OffsetDateTime>) -> String {
    let (Some(nb), Some(na), Some(now)) =
        (parse_time(&d.not_before), parse_time(&d.not_after), now)
    else {
        return String::new();
    };
    let (nb, na, now) = (
        nb.unix_timestamp(),
        na.unix_timestamp(),
        now.unix_timestamp(),
    );
    let lo = nb.min(now);
    let hi = na.max(now);
    let pad = ((hi - lo) / 10).max(1);
    let (lo, hi) = (lo - pad, hi + pad);
    let span = (hi - lo) as f64;
    let pct = |t: i64| (t - lo) as f64 * 100.0 / span;
    let inside = nb <= now && now <= na;
    format!(
        "<div class=\"bar\" title=\"not before .. not after; the line: the time of the check\">\
<div class=\"span{}\" style=\"left:{:.1}%;width:{:.1}%\"></div><div class=\"now\" style=\"left:{:.1}%\"></div></div>",
        if inside { "" } else { " bad" },
        pct(nb),
        pct(na) - pct(nb),
        pct(now)
    )
}

/// Where the path ends, and whether that is good.
fn trust_text(t: &TrustVerdict) -> (bool, String) {
    match t {
        TrustVerdict::Trusted { anchor } => (true, format!("trusted, via {anchor}")),
        TrustVerdict::SelfSigned => (false, "self-signed".into()),
        TrustVerdict::UntrustedRoot { root, .. } => {
            (false, format!("ends at the untrusted root {root}"))
        }
        TrustVerdict::Incomplete { missing_issuer, .. } => {
            (false, format!("incomplete: {missing_issuer} is missing"))
        }
        TrustVerdict::Invalid { reason } => (false, format!("invalid: {reason}")),
        TrustVerdict::NoCertificate { reason } => (false, reason.clone()),
    }
}

/// A TXT answer in one line: its records, or the lookup error, or "none".
fn txt_text(a: &crate::model::dns::DnsAnswer) -> String {
    let t = a.texts();
    if t.is_empty() {
        a.error.clone().unwrap_or_else(|| "none".into())
    } else {
        t.join(" | ")
    }
}

/// The domain: who delivers how, its findings, the MX table, MTA-STS, DANE and TLS-RPT.
fn render_domain(o: &mut String, d: &DomainReport) {
    let obs = &d.observation;
    let _ = writeln!(
        o,
        "<h2>Domain {}</h2><h3>Who delivers how</h3><div class=\"tbl\"><table>",
        esc(&obs.domain)
    );
    for s in &d.senders {
        let cls = match s.result.as_str() {
            "verified-tls" => "good",
            _ => "badt",
        };
        let _ = write!(
            o,
            "<tr><td>{}</td><td class=\"{cls}\">{}</td><td>{}</td></tr>",
            esc(&s.name),
            esc(&s.result),
            esc(&s.detail)
        );
    }
    o.push_str("</table></div>\n");
    render_findings(o, &d.findings, None);
    o.push_str(
        "<h3>MX hosts</h3><div class=\"tbl\"><table class=\"mx\"><tr><th>pref</th><th>host</th>\
<th>address</th><th>status</th><th>TLS</th><th>MTA-STS</th><th>DANE/TLSA</th></tr>",
    );
    if d.mx_results.is_empty() {
        let why = obs.mx.error.clone().unwrap_or_else(|| "no MX hosts".into());
        let _ = write!(o, "<tr><td colspan=\"7\">none ({})</td></tr>", esc(&why));
    }
    for m in &d.mx_results {
        let pref = m
            .preference
            .map(|p| p.to_string())
            .unwrap_or_else(|| "implicit".into());
        let sts = match m.mta_sts_covered {
            Some(true) => "covered",
            Some(false) => "NOT covered",
            None => "-",
        };
        if m.addresses.is_empty() {
            let _ = write!(
                o,
                "<tr><td>{}</td><td>{}</td><td colspan=\"3\">{}</td><td>{sts}</td><td>{}</td></tr>",
                esc(&pref),
                esc(&m.host),
                esc(m.skipped.as_deref().unwrap_or("no address")),
                esc(&m.tlsa)
            );
        }
        for a in &m.addresses {
            let tlsa = a
                .tlsa_results
                .iter()
                .map(|t| {
                    format!(
                        "{}: {} {}",
                        esc(&t.record.text()),
                        esc(&t.result.to_string()),
                        esc(&t.detail)
                    )
                })
                .collect::<Vec<_>>();
            let _ = write!(
                o,
                "<tr><td>{}</td><td>{}</td><td>{}</td><td class=\"{}\">{}<br><span class=\"muted\">{}</span></td>\
<td>{}</td><td>{sts}</td><td>{}{}</td></tr>",
                esc(&pref),
                esc(&m.host),
                esc(&a.address),
                if a.status == "ok" { "good" } else { "badt" },
                esc(&a.status),
                esc(&a.detail),
                esc(a.tls_version.as_deref().unwrap_or("-")),
                esc(&m.tlsa),
                if tlsa.is_empty() {
                    String::new()
                } else {
                    format!("<br>{}", tlsa.join("<br>"))
                }
            );
        }
    }
    o.push_str("</table></div>\n");
    let _ = write!(
        o,
        "<h3>MTA-STS (RFC 8461)</h3><table><tr><th>TXT</th><td>_mta-sts.{}: {}</td></tr>",
        esc(&obs.domain),
        esc(&txt_text(&obs.mta_sts_txt))
    );
    if let Some(p) = &obs.mta_sts_policy {
        let _ = write!(
            o,
            "<tr><th>policy</th><td>{} → {}{}</td></tr>",
            esc(&p.url),
            p.status
                .map(|s| format!("HTTP {s}"))
                .unwrap_or_else(|| "no answer".into()),
            p.error
                .as_ref()
                .map(|e| format!(" ({})", esc(e)))
                .unwrap_or_default()
        );
    }
    if let Some(ps) = &d.policy {
        let _ = write!(
            o,
            "<tr><th>mode</th><td>{}, max_age {}, mx {}{}</td></tr>",
            esc(ps.mode.as_deref().unwrap_or("?")),
            ps.max_age
                .map(|m| m.to_string())
                .unwrap_or_else(|| "?".into()),
            esc(&ps.mx.join(", ")),
            if ps.usable { "" } else { " (unusable)" }
        );
    }
    let _ = writeln!(
        o,
        "</table><h3>TLS-RPT (RFC 8460)</h3><table><tr><th>TXT</th><td>_smtp._tls.{}: {}</td></tr></table>\
<h3>DNS</h3><table><tr><th>resolver</th><td>{}</td></tr><tr><th>DNSSEC</th><td>{}</td></tr></table>",
        esc(&obs.domain),
        esc(&txt_text(&obs.tlsrpt_txt)),
        esc(&obs.dns.servers.join(", ")),
        esc(&obs.dns.dnssec.to_string())
    );
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    const HOSTILE: &str = "<script>alert(1)</script><img src=x onerror=alert(1)> \" ' & \u{1b}[2J";

    fn cert(subject: &str, issuer: &str) -> serde_json::Value {
        json!({
            "subject": subject, "issuer": issuer, "serial": "01", "sans": ["mx.example.test"],
            "not_before": "2025-06-01T00:00:00Z", "not_after": "2026-06-01T00:00:00Z",
            "key_type": "ECDSA", "key_bits": 256, "key_curve": "P-256",
            "signature_algorithm": "ecdsa-with-SHA256", "sha256": "AB:CD", "ca_issuers": [],
            "is_ca": false, "self_signed": false
        })
    }

    fn report() -> CheckReport {
        serde_json::from_value(json!({
            "schema_version": 1,
            "tool": {"name": "smtp-tls-doctor", "version": "0.0.0"},
            "checked_at": "2026-01-01T00:00:00Z",
            "target": {"input": "mx.example.test", "host": "mx.example.test", "port": 25, "mx": null},
            "verdict": {"status": "problems", "code": "cert-name-mismatch", "text": HOSTILE},
            "error": null,
            "trust_store": "none",
            "names_checked": ["mx.example.test"],
            "connections": 1,
            "endpoints": [{
                "name": "mx.example.test", "address": "192.0.2.1:25", "mode": "starttls",
                "ehlo_name": "probe.example.test",
                "smtp": {"banner": {"code": 220, "lines": [HOSTILE]}}, "tls": null, "failure": null,
                "timings": {"total_ms": 1.0}, "transcript": [],
                "chain_analysis": {
                    "certificates": [cert(HOSTILE, "CN=Lab CA"), cert("CN=Lab CA", "CN=Lab Root")],
                    "unparsable": [],
                    "trust": {"status": "trusted", "anchor": "CN=Lab Root"},
                    "order_problems": [], "time_problems": [], "covered_names": [],
                    "names": [{"name": "mx.example.test", "covered": false, "matched_by": null}],
                    "weak_keys": [], "weak_signatures": []
                },
                "findings": [{
                    "code": "cert-name-mismatch", "severity": "error", "summary": HOSTILE,
                    "evidence": {"names": [HOSTILE]}
                }]
            }]
        }))
        .expect("report fixture parses")
    }

    #[test]
    fn every_string_is_escaped() {
        let page = render_html(&report());
        assert!(!page.contains("<script"), "{page}");
        assert!(!page.contains("<img"), "{page}");
        assert!(!page.contains("onerror=alert(1)>"), "{page}");
        assert!(page.contains("&lt;script&gt;alert(1)&lt;/script&gt;"));
        assert!(page.contains("&lt;img src=x onerror=alert(1)&gt; &quot; &#39; &amp; \\x1b[2J"));
        // No raw control character reaches the page.
        assert!(!page.chars().any(|c| c != '\n' && c.is_control()));
        assert!(page.contains("PROBLEM"));
        assert!(page.contains("banner problems"));
        // The server's banner too.
        assert!(page.contains("<code>220 &lt;script&gt;"), "{page}");
    }

    #[test]
    fn the_page_is_self_contained() {
        let page = render_html(&report());
        assert!(page.contains(
            "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'; img-src data:\">"
        ));
        assert!(page.contains("name=\"viewport\""));
        for bad in [
            "src=\"http",
            "href=\"http",
            "src='http",
            "href='http",
            "<link",
            "<script",
        ] {
            assert!(!page.contains(bad), "{bad} in page");
        }
    }

    #[test]
    fn the_chain_fixes_and_validity_are_shown() {
        let page = render_html(&report());
        assert!(page.contains("<code>cert-name-mismatch</code>"));
        // The stable hooks of scripts and browser tests.
        assert_eq!(page.matches("id=\"verdict\"").count(), 1);
        assert!(
            page.contains("id=\"verdict\" data-verdict=\"problem\""),
            "{page}"
        );
        assert!(page.contains("<div class=\"finding\" data-code=\"cert-name-mismatch\">"));
        let mut r = report();
        for (status, word) in [
            (Status::Ok, "ok"),
            (Status::Warnings, "warning"),
            (Status::Error, "not-checked"),
        ] {
            r.verdict.status = status;
            assert!(render_html(&r).contains(&format!("data-verdict=\"{word}\"")));
        }
        let fix = lookup("cert-name-mismatch")
            .and_then(|d| d.fixes.first())
            .map(|f| esc(f.text))
            .unwrap_or_default();
        assert!(!fix.is_empty() && page.contains(&fix));
        assert!(page.contains("#1 CN=Lab CA"));
        assert!(page.contains("trusted, via CN=Lab Root"));
        assert!(page.contains("NOT matched"));
        // 2026-01-01 lies inside 2025-06-01..2026-06-01: the bar is not marked bad.
        assert!(page.contains("class=\"span\""));
    }

    #[test]
    fn an_expired_certificate_bar_is_marked_and_now_lies_after_it() {
        let mut r = report();
        let leaf = &mut r.endpoints[0]
            .chain_analysis
            .as_mut()
            .expect("a chain")
            .certificates[0];
        leaf.not_after = "2025-12-01T00:00:00Z".into();
        let bar = validity_bar(leaf, parse_time(&r.checked_at));
        assert!(bar.contains("class=\"span bad\""), "{bar}");
        // The window is 2025-06-01 .. 2026-01-01 padded by a tenth each side: now at 11/12 of it.
        assert!(bar.contains("class=\"now\" style=\"left:91.7%\""), "{bar}");
        assert!(render_html(&r).contains("span bad"));
    }

    #[test]
    fn esc_escapes_the_five() {
        assert_eq!(esc("&<>\"'x"), "&amp;&lt;&gt;&quot;&#39;x");
    }
}
