//! A mail domain for people: who delivers how, the domain's findings, the MX hosts, MTA-STS,
//! TLS-RPT and the DNS resolver.

use super::Style;
use super::field;
use super::fix_line;
use super::paint;
use super::sev_label;
use super::wrap_text;
use crate::judge::registry::lookup;
use crate::model::dns::DnsAnswer;
use crate::model::finding::Finding;
use crate::model::report::DomainReport;
use crate::model::report::MxResult;
use std::fmt::Write as _;

/// The domain's sections, in order.
pub(super) fn render_domain(o: &mut String, d: &DomainReport, style: Style) {
    let (c, w) = (style.color, style.width);
    render_senders(o, d, style);
    if !d.findings.is_empty() {
        let _ = writeln!(
            o,
            "\n{}",
            paint(&format!("Domain findings ({})", d.findings.len()), "1", c)
        );
        render_finding_list(o, &d.findings, style);
    }
    render_mx_hosts(o, d, style);
    render_mta_sts(o, d, style);
    let obs = &d.observation;
    let _ = writeln!(o, "\n{}", paint("TLS-RPT (RFC 8460)", "1", c));
    let text = format!("_smtp._tls.{}: {}", obs.domain, txt_text(&obs.tlsrpt_txt));
    field(o, "  TXT      ", &text, w);
    let _ = writeln!(o, "\n{}", paint("DNS", "1", c));
    let text = format!(
        "{}{}",
        obs.dns.servers.join(", "),
        if obs.dns.system { " (system)" } else { "" }
    );
    field(o, "  resolver ", &text, w);
    field(o, "  DNSSEC   ", &obs.dns.dnssec.to_string(), w);
}

/// Who delivers how: each kind of sender's result and detail.
fn render_senders(o: &mut String, d: &DomainReport, style: Style) {
    let c = style.color;
    let _ = writeln!(o, "\n{}", paint("Who delivers how", "1", c));
    for s in &d.senders {
        let res = match s.result.as_str() {
            "verified-tls" => paint("verified TLS", "1;32", c),
            "tls" => paint("TLS, unverified", "33", c),
            "plaintext" => paint("PLAINTEXT", "1;31", c),
            "fails" => paint("FAILS", "1;31", c),
            other => other.to_string(),
        };
        let _ = writeln!(o, "  {:<16} {}", res, s.name);
        field(o, "                   ", &s.detail, style.width);
    }
}

/// Findings with the first fix of each and where to read more.
fn render_finding_list(o: &mut String, findings: &[Finding], style: Style) {
    let (c, w) = (style.color, style.width);
    for f in findings {
        let head = format!(
            "  {} {}  ",
            sev_label(f.severity, c),
            paint(&f.code, "1", c)
        );
        wrap_text(o, &head, &f.summary, 12, w);
        if let Some(def) = lookup(&f.code) {
            if let Some(fix) = def.fixes.first() {
                let _ = writeln!(o, "            fix ({}):", fix.software);
                for line in fix.text.lines() {
                    fix_line(o, line, 14, w);
                }
            }
            let _ = writeln!(o, "            more: smtp-tls-doctor explain {}", f.code);
        }
    }
}

/// A TXT answer in one line: its records, or the lookup error, or "none".
fn txt_text(a: &DnsAnswer) -> String {
    let t = a.texts();
    if t.is_empty() {
        a.error.clone().unwrap_or_else(|| "none".into())
    } else {
        t.join(" | ")
    }
}

/// The MX hosts, by preference, each with its addresses and their TLSA results.
fn render_mx_hosts(o: &mut String, d: &DomainReport, style: Style) {
    let c = style.color;
    let obs = &d.observation;
    let _ = writeln!(o, "\n{}", paint("MX hosts", "1", c));
    if d.mx_results.is_empty() {
        let why = obs
            .mx
            .error
            .clone()
            .unwrap_or_else(|| format!("MX lookup: {:?}", obs.mx.outcome));
        wrap_text(o, "  ", &format!("none ({why})"), 4, style.width);
    }
    for m in &d.mx_results {
        render_mx_host(o, m, style);
    }
}

/// One MX host: preference, name, MTA-STS coverage and TLSA state; then its addresses.
fn render_mx_host(o: &mut String, m: &MxResult, style: Style) {
    let (c, w) = (style.color, style.width);
    let pref = m
        .preference
        .map(|p| p.to_string())
        .unwrap_or_else(|| "implicit".into());
    let sts = match m.mta_sts_covered {
        Some(true) => "MTA-STS: covered",
        Some(false) => "MTA-STS: NOT covered",
        None => "MTA-STS: -",
    };
    let head = format!("  {:>8}  ", pref);
    wrap_text(
        o,
        &head,
        &format!("{}   ({sts}, TLSA: {})", m.host, m.tlsa),
        14,
        w,
    );
    if let Some(why) = &m.skipped {
        field(o, "            not checked: ", why, w);
    }
    for a in &m.addresses {
        let st = match a.status.as_str() {
            "ok" => paint("ok", "32", c),
            other => paint(other, "31", c),
        };
        let head = format!("            {:<40} {st}  ", a.address);
        wrap_text(o, &head, &a.detail, 14, w);
        for t in &a.tlsa_results {
            let text = format!("{}  {}: {}", t.record.text(), t.result, t.detail);
            wrap_text(o, "              TLSA ", &text, 19, w);
        }
    }
}

/// MTA-STS: the TXT record, the policy fetch, and the policy read.
fn render_mta_sts(o: &mut String, d: &DomainReport, style: Style) {
    let (c, w) = (style.color, style.width);
    let obs = &d.observation;
    let _ = writeln!(o, "\n{}", paint("MTA-STS (RFC 8461)", "1", c));
    let text = format!("_mta-sts.{}: {}", obs.domain, txt_text(&obs.mta_sts_txt));
    field(o, "  TXT      ", &text, w);
    if let Some(p) = &obs.mta_sts_policy {
        let text = format!(
            "{} → {}{}",
            p.url,
            p.status
                .map(|s| format!("HTTP {s}"))
                .unwrap_or_else(|| "no answer".into()),
            p.error
                .as_ref()
                .map(|e| format!(" ({e})"))
                .unwrap_or_default()
        );
        field(o, "  policy   ", &text, w);
    }
    if let Some(ps) = &d.policy {
        let text = format!(
            "{}, max_age {}, mx {}{}",
            ps.mode.as_deref().unwrap_or("?"),
            ps.max_age
                .map(|m| m.to_string())
                .unwrap_or_else(|| "?".into()),
            if ps.mx.is_empty() {
                "-".to_string()
            } else {
                ps.mx.join(", ")
            },
            if ps.usable { "" } else { "  (unusable)" }
        );
        field(o, "  mode     ", &text, w);
    }
}
