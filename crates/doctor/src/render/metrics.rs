//! The report as Prometheus metrics, in the text exposition format (version 0.0.4): for
//! node_exporter's textfile collector (`check --prometheus FILE`) and `serve`'s `/probe`.
//! docs/metrics.md lists every metric.
//!
//! Every metric family is written once, with its `# HELP` and `# TYPE` lines, and each series
//! once: series with equal labels are merged (the first value kept). Every series of a family
//! has the same label names. Label values that came from the network are escaped as the format
//! asks (`\\`, `\"`, `\n`); any other control character is written as the text `\xNN` (with its
//! backslash escaped), so that no value can break a line or the parser.

use crate::model::cert::ChainAnalysis;
use crate::model::finding::Severity;
use crate::model::report::{CheckReport, DomainReport, EndpointReport, Status};
use crate::model::scan::VersionStatus;
use std::collections::BTreeSet;
use std::fmt::Write as _;
use std::time::Duration;

/// One metric family: its name, help text, label names, and its series in the order added.
struct Family {
    name: &'static str,
    help: &'static str,
    labels: &'static [&'static str],
    series: Vec<(Vec<String>, f64)>,
    seen: BTreeSet<Vec<String>>,
}

impl Family {
    fn new(name: &'static str, help: &'static str, labels: &'static [&'static str]) -> Self {
        Family {
            name,
            help,
            labels,
            series: Vec::new(),
            seen: BTreeSet::new(),
        }
    }

    /// Adds a series; `values` are given in the order of `labels`. A second series with the
    /// same label values is dropped.
    fn add(&mut self, values: &[&str], value: f64) {
        let values: Vec<String> = values.iter().map(|v| (*v).to_string()).collect();
        if self.seen.insert(values.clone()) {
            self.series.push((values, value));
        }
    }

    fn write(&self, out: &mut String) {
        if self.series.is_empty() {
            return;
        }
        let _ = writeln!(out, "# HELP {} {}", self.name, self.help);
        let _ = writeln!(out, "# TYPE {} gauge", self.name);
        for (values, value) in &self.series {
            out.push_str(self.name);
            if !self.labels.is_empty() {
                out.push('{');
                for (i, (label, v)) in self.labels.iter().zip(values).enumerate() {
                    if i > 0 {
                        out.push(',');
                    }
                    let _ = write!(out, "{label}=\"{}\"", escape_label_value(v));
                }
                out.push('}');
            }
            let _ = writeln!(out, " {}", number(*value));
        }
    }
}

/// A label value in the exposition format: `\` as `\\`, `"` as `\"`, a line feed as `\n`;
/// other control characters (C0, DEL, C1) as the text `\xNN` (its backslash escaped).
pub fn escape_label_value(v: &str) -> String {
    let mut out = String::with_capacity(v.len());
    for c in v.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '"' => out.push_str("\\\""),
            '\n' => out.push_str("\\n"),
            c if c.is_control() => {
                let _ = write!(out, "\\\\x{:02x}", u32::from(c));
            }
            c => out.push(c),
        }
    }
    out
}

/// A sample value: integers without a fraction, others as Rust prints them (which Prometheus
/// parses); never NaN or infinite from this module.
fn number(v: f64) -> String {
    if v.is_finite() && v.fract() == 0.0 && v.abs() < 1e15 {
        format!("{v:.0}")
    } else {
        format!("{v}")
    }
}

fn flag(b: bool) -> f64 {
    if b { 1.0 } else { 0.0 }
}

/// Unix seconds of an RFC 3339 time, None when it does not parse.
fn unix_seconds(rfc3339: &str) -> Option<f64> {
    time::OffsetDateTime::parse(rfc3339, &time::format_description::well_known::Rfc3339)
        .ok()
        .map(|t| t.unix_timestamp() as f64)
}

/// The metrics of one check. `duration` is the whole check's, measured by the caller.
pub fn render_metrics(report: &CheckReport, duration: Duration) -> String {
    const CERT_LABELS: &[&str] = &["endpoint", "position", "subject", "issuer", "sha256"];
    let mut success = Family::new(
        "smtp_tls_probe_success",
        "1 when the check completed (its verdict is not error), 0 when it could not be done.",
        &[],
    );
    let mut ok = Family::new(
        "smtp_tls_ok",
        "1 when the report holds no finding of severity error.",
        &[],
    );
    let mut finding = Family::new(
        "smtp_tls_finding",
        "1 for each finding present, by code and severity.",
        &["code", "severity"],
    );
    let mut not_after = Family::new(
        "smtp_tls_cert_not_after_seconds",
        "The notAfter of each certificate as sent, in unix seconds (position 0 is the leaf).",
        CERT_LABELS,
    );
    let mut not_before = Family::new(
        "smtp_tls_cert_not_before_seconds",
        "The notBefore of each certificate as sent, in unix seconds (position 0 is the leaf).",
        CERT_LABELS,
    );
    let mut offered = Family::new(
        "smtp_tls_protocol_offered",
        "1 when the server accepts the protocol version, 0 when it refuses it (scanned versions only).",
        &["endpoint", "version"],
    );
    let mut negotiated = Family::new(
        "smtp_tls_negotiated_info",
        "The protocol version, cipher suite and key exchange group of the handshake, always 1.",
        &["endpoint", "version", "suite", "group"],
    );
    let mut durations = Family::new(
        "smtp_tls_check_duration_seconds",
        "How long the check took (phase total, endpoint empty) and each phase of each endpoint's connection.",
        &["endpoint", "phase"],
    );
    let mut mta_sts = Family::new(
        "smtp_tls_mta_sts_mode",
        "The mode of the domain's MTA-STS policy as parsed, always 1.",
        &["mode"],
    );
    let mut dane = Family::new(
        "smtp_tls_dane_valid",
        "1 when every address of every MX host with TLSA records serves a chain matching one of them.",
        &[],
    );
    let mut mx_ok = Family::new(
        "smtp_tls_mx_ok",
        "1 when every address of the MX host was checked with status ok, else 0.",
        &["mx"],
    );

    success.add(&[], flag(report.verdict.status != Status::Error));
    ok.add(
        &[],
        flag(
            report.verdict.status != Status::Error
                && !report.findings().any(|f| f.severity == Severity::Error),
        ),
    );
    for f in report.findings() {
        finding.add(&[&f.code, severity_name(f.severity)], 1.0);
    }
    durations.add(&["", "total"], duration.as_secs_f64());

    for e in &report.endpoints {
        let endpoint = e.observation.address.to_string();
        if let Some(chain) = &e.chain_analysis {
            certificates(&endpoint, chain, &mut not_after, &mut not_before);
        }
        endpoint_metrics(&endpoint, e, &mut offered, &mut negotiated, &mut durations);
    }
    if let Some(d) = &report.domain {
        domain_metrics(d, &mut mta_sts, &mut dane, &mut mx_ok);
    }

    let mut out = String::new();
    for family in [
        &success,
        &ok,
        &finding,
        &not_after,
        &not_before,
        &offered,
        &negotiated,
        &durations,
        &mta_sts,
        &dane,
        &mx_ok,
    ] {
        family.write(&mut out);
    }
    out
}

fn severity_name(s: Severity) -> &'static str {
    match s {
        Severity::Error => "error",
        Severity::Warning => "warning",
        Severity::Note => "note",
    }
}

fn certificates(
    endpoint: &str,
    chain: &ChainAnalysis,
    not_after: &mut Family,
    not_before: &mut Family,
) {
    for (position, c) in chain.certificates.iter().enumerate() {
        let position = position.to_string();
        let labels = [
            endpoint,
            position.as_str(),
            c.subject.as_str(),
            c.issuer.as_str(),
            c.sha256.as_str(),
        ];
        if let Some(t) = unix_seconds(&c.not_after) {
            not_after.add(&labels, t);
        }
        if let Some(t) = unix_seconds(&c.not_before) {
            not_before.add(&labels, t);
        }
    }
}

fn endpoint_metrics(
    endpoint: &str,
    e: &EndpointReport,
    offered: &mut Family,
    negotiated: &mut Family,
    durations: &mut Family,
) {
    let o = &e.observation;
    if let Some(scan) = &o.scan {
        for (version, result) in &scan.versions {
            match result.status {
                VersionStatus::Offered => offered.add(&[endpoint, version], 1.0),
                VersionStatus::NotOffered => offered.add(&[endpoint, version], 0.0),
                VersionStatus::Unknown => {}
            }
        }
    }
    if let Some(tls) = o.tls.as_ref().filter(|t| t.completed) {
        let version = tls.version.as_deref().unwrap_or("");
        let suite = tls.cipher_suite.as_ref().map_or("", |s| s.iana.as_str());
        let group = tls.group.as_deref().unwrap_or("");
        negotiated.add(&[endpoint, version, suite, group], 1.0);
    }
    let t = &o.timings;
    for (phase, ms) in [
        ("connect", t.connect_ms),
        ("banner", t.banner_ms),
        ("ehlo", t.ehlo_ms),
        ("starttls", t.starttls_ms),
        ("handshake", t.handshake_ms),
        ("after-tls", t.after_tls_ms),
        ("connection", Some(t.total_ms)),
    ] {
        if let Some(ms) = ms.filter(|ms| ms.is_finite()) {
            durations.add(&[endpoint, phase], ms / 1000.0);
        }
    }
}

fn domain_metrics(d: &DomainReport, mta_sts: &mut Family, dane: &mut Family, mx_ok: &mut Family) {
    if let Some(mode) = d.policy.as_ref().and_then(|p| p.mode.as_deref()) {
        mta_sts.add(&[mode], 1.0);
    }
    let with_tlsa: Vec<_> = d
        .mx_results
        .iter()
        .filter(|m| !m.tlsa_records.is_empty())
        .collect();
    if !with_tlsa.is_empty() {
        let valid = with_tlsa.iter().all(|m| {
            !m.addresses.is_empty()
                && m.addresses
                    .iter()
                    .all(|a| a.tlsa_results.iter().any(|r| r.result == "match"))
        });
        dane.add(&[], flag(valid));
    }
    for m in &d.mx_results {
        let good = m.skipped.is_none()
            && !m.addresses.is_empty()
            && m.addresses.iter().all(|a| a.status == "ok");
        mx_ok.add(&[&m.host], flag(good));
    }
}
