//! A mail domain for people: who delivers how, the domain's findings, the MX hosts, MTA-STS,
//! TLS-RPT and the DNS resolver.

use super::Style;
use super::paint;
use super::sev_label;
use crate::judge::registry::lookup;
use crate::model::dns::DnsAnswer;
use crate::model::finding::Finding;
use crate::model::report::DomainReport;
use crate::model::report::MxResult;
use std::fmt::Write as _;

/// The domain's sections, in order.
pub(super) fn render_domain(o: &mut String, d: &DomainReport, style: Style) {
    let c = style.color;
    render_senders(o, d, c);
    if !d.findings.is_empty() {
        let _ = writeln!(
            o,
            "\n{}",
            paint(&format!("Domain findings ({})", d.findings.len()), "1", c)
        );
        render_finding_list(o, &d.findings, c);
    }
    render_mx_hosts(o, d, c);
    render_mta_sts(o, d, c);
    let obs = &d.observation;
    let _ = writeln!(o, "\n{}", paint("TLS-RPT (RFC 8460)", "1", c));
    let _ = writeln!(
        o,
        "  TXT      _smtp._tls.{}: {}",
        obs.domain,
        txt_text(&obs.tlsrpt_txt)
    );
    let _ = writeln!(o, "\n{}", paint("DNS", "1", c));
    let _ = writeln!(
        o,
        "  resolver {}{}",
        obs.dns.servers.join(", "),
        if obs.dns.system { " (system)" } else { "" }
    );
    let _ = writeln!(o, "  DNSSEC   {}", obs.dns.dnssec);
}

/// Who delivers how: each kind of sender's result and detail.
fn render_senders(o: &mut String, d: &DomainReport, c: bool) {
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
        let _ = writeln!(o, "                   {}", s.detail);
    }
}

/// Findings with the first fix of each and where to read more.
fn render_finding_list(o: &mut String, findings: &[Finding], c: bool) {
    for f in findings {
        let _ = writeln!(
            o,
            "  {} {}  {}",
            sev_label(f.severity, c),
            paint(&f.code, "1", c),
            f.summary
        );
        if let Some(def) = lookup(&f.code) {
            if let Some(fix) = def.fixes.first() {
                let _ = writeln!(o, "            fix ({}):", fix.software);
                for line in fix.text.lines() {
                    let _ = writeln!(o, "              {line}");
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
fn render_mx_hosts(o: &mut String, d: &DomainReport, c: bool) {
    let obs = &d.observation;
    let _ = writeln!(o, "\n{}", paint("MX hosts", "1", c));
    if d.mx_results.is_empty() {
        let _ = writeln!(
            o,
            "  none ({})",
            obs.mx
                .error
                .clone()
                .unwrap_or_else(|| format!("MX lookup: {:?}", obs.mx.outcome))
        );
    }
    for m in &d.mx_results {
        render_mx_host(o, m, c);
    }
}

/// One MX host: preference, name, MTA-STS coverage and TLSA state; then its addresses.
fn render_mx_host(o: &mut String, m: &MxResult, c: bool) {
    let pref = m
        .preference
        .map(|p| p.to_string())
        .unwrap_or_else(|| "implicit".into());
    let sts = match m.mta_sts_covered {
        Some(true) => "MTA-STS: covered",
        Some(false) => "MTA-STS: NOT covered",
        None => "MTA-STS: -",
    };
    let _ = writeln!(o, "  {:>8}  {}   ({sts}, TLSA: {})", pref, m.host, m.tlsa);
    if let Some(why) = &m.skipped {
        let _ = writeln!(o, "            not checked: {why}");
    }
    for a in &m.addresses {
        let st = match a.status.as_str() {
            "ok" => paint("ok", "32", c),
            other => paint(other, "31", c),
        };
        let _ = writeln!(o, "            {:<40} {st}  {}", a.address, a.detail);
        for t in &a.tlsa_results {
            let _ = writeln!(
                o,
                "              TLSA {}  {}: {}",
                t.record.text(),
                t.result,
                t.detail
            );
        }
    }
}

/// MTA-STS: the TXT record, the policy fetch, and the policy read.
fn render_mta_sts(o: &mut String, d: &DomainReport, c: bool) {
    let obs = &d.observation;
    let _ = writeln!(o, "\n{}", paint("MTA-STS (RFC 8461)", "1", c));
    let _ = writeln!(
        o,
        "  TXT      _mta-sts.{}: {}",
        obs.domain,
        txt_text(&obs.mta_sts_txt)
    );
    if let Some(p) = &obs.mta_sts_policy {
        let _ = writeln!(
            o,
            "  policy   {} → {}{}",
            p.url,
            p.status
                .map(|s| format!("HTTP {s}"))
                .unwrap_or_else(|| "no answer".into()),
            p.error
                .as_ref()
                .map(|e| format!(" ({e})"))
                .unwrap_or_default()
        );
    }
    if let Some(ps) = &d.policy {
        let _ = writeln!(
            o,
            "  mode     {}, max_age {}, mx {}{}",
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
    }
}
