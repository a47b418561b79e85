//! The report as Prometheus metrics, in the text exposition format (version 0.0.4): for
//! node_exporter's textfile collector (the CLI writes a file of them) and `serve`'s `/probe`.
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

/// A sample value: integers without a fraction, others to the microsecond (durations in seconds
/// are the only fractions here), trailing zeros dropped; never NaN or infinite from this module.
fn number(v: f64) -> String {
    if v.is_finite() && v.fract() == 0.0 && v.abs() < 1e15 {
        format!("{v:.0}")
    } else {
        let s = format!("{v:.6}");
        let s = s.trim_end_matches('0');
        s.strip_suffix('.').unwrap_or(s).to_string()
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
    let mut check_status = Family::new(
        "smtp_tls_check_status",
        "Each named check of each endpoint (the vulnerability battery, starttls-injection), its status as a label, always 1.",
        &["endpoint", "check", "status"],
    );
    let mut software = Family::new(
        "smtp_tls_server_software_info",
        "The server software each endpoint looks like (or was given), its version when announced and the confidence of the guess, always 1.",
        &["endpoint", "name", "version", "confidence"],
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
        for (id, c) in &e.checks {
            check_status.add(&[&endpoint, id, c.status.as_str()], 1.0);
        }
        if let Some(s) = &e.server_software {
            let version = s.version.as_deref().unwrap_or("");
            software.add(&[&endpoint, &s.name, version, s.confidence.as_str()], 1.0);
        }
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
        &check_status,
        &software,
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

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::{Value, json};
    use std::collections::BTreeMap;

    /// The hostile subject: a double quote, a backslash, a newline, a carriage return.
    const SUBJECT: &str = "CN=evil\"quote\\back\nslash\rcr";

    fn cert(subject: &str, not_before: &str, not_after: &str, sha: &str) -> Value {
        json!({
            "subject": subject, "issuer": "CN=Lab CA", "serial": "01", "sans": [],
            "not_before": not_before, "not_after": not_after, "key_type": "ECDSA",
            "key_bits": 256, "key_curve": "P-256", "signature_algorithm": "ecdsa-with-SHA256",
            "sha256": sha, "ca_issuers": [], "is_ca": false, "self_signed": false
        })
    }

    fn chain(certs: Vec<Value>) -> Value {
        json!({
            "certificates": certs, "unparsable": [], "trust": {"status": "self-signed"},
            "order_problems": [], "time_problems": [], "covered_names": [], "names": [],
            "weak_keys": [], "weak_signatures": []
        })
    }

    fn version(status: &str) -> Value {
        json!({"status": status, "reason": null, "suites": [], "server_order": null, "complete": true})
    }

    fn finding(code: &str, severity: &str) -> Value {
        json!({"code": code, "severity": severity, "summary": "s", "evidence": {}})
    }

    fn endpoint(address: &str, findings: Vec<Value>) -> Value {
        json!({
            "name": "mx.example.test", "address": address, "mode": "starttls",
            "ehlo_name": "probe.example.test", "smtp": {},
            "tls": {
                "completed": true, "sni": "mx.example.test", "version": "TLSv1.3",
                "cipher_suite": {"id": "0x1302", "iana": "TLS_AES_256_GCM_SHA384"},
                "group": "X25519", "chain": []
            },
            "failure": null,
            "timings": {"connect_ms": 1.5, "handshake_ms": 20.0, "total_ms": 42.0},
            "transcript": [],
            "versions": {"TLSv1.0": version("not-offered"), "TLSv1.2": version("offered"),
                         "TLSv1.3": version("offered"), "SSLv3": version("unknown")},
            "scanned_chains": [], "scan_connections": 4, "scan_steps": [],
            "chain_analysis": chain(vec![
                cert(SUBJECT, "2020-01-01T00:00:00Z", "2021-01-01T00:00:00Z", "AA:BB"),
                cert("CN=Lab CA", "2019-01-01T00:00:00Z", "2030-01-01T00:00:00Z", "CC:DD"),
            ]),
            "findings": findings
        })
    }

    fn report(status: &str, endpoints: Vec<Value>, domain: Option<Value>) -> CheckReport {
        let mut r = json!({
            "schema_version": 1,
            "tool": {"name": "smtp-tls-doctor", "version": "0.0.0"},
            "checked_at": "2026-01-01T00:00:00Z",
            "target": {"input": "example.test", "host": "example.test", "port": 25},
            "verdict": {"status": status, "code": null, "text": ""},
            "error": null, "trust_store": "none", "names_checked": [], "connections": 2,
            "endpoints": endpoints
        });
        if let (Some(d), Some(o)) = (domain, r.as_object_mut()) {
            o.insert("domain".into(), d);
        }
        serde_json::from_value(r).expect("report fixture parses")
    }

    fn address(status: &str, tlsa: &[&str]) -> Value {
        let results: Vec<Value> = tlsa
            .iter()
            .map(|r| {
                json!({"record": {"usage": 3, "selector": 1, "matching": 1, "data": "ab"},
                       "result": r, "detail": ""})
            })
            .collect();
        json!({"address": "192.0.2.1:25", "status": status, "detail": "", "tls_version": null,
               "certificate_valid": true, "tlsa_results": results})
    }

    fn mx(host: &str, addresses: Vec<Value>, tlsa: bool) -> Value {
        let records = if tlsa {
            json!([{"usage": 3, "selector": 1, "matching": 1, "data": "ab"}])
        } else {
            json!([])
        };
        json!({"host": host, "preference": 10, "addresses": addresses, "mta_sts_covered": null,
               "tlsa": "secure", "tlsa_records": records})
    }

    fn domain(mx_results: Vec<Value>) -> Value {
        let none = |rtype: &str| {
            json!({"name": "example.test", "rtype": rtype, "outcome": "records", "records": [],
                   "cname_chain": [], "dnssec": "unauthenticated", "rcode": "NOERROR",
                   "error": null, "server": "192.0.2.53:53"})
        };
        json!({
            "domain": "example.test", "port": 25,
            "dns": {"servers": ["192.0.2.53:53"], "system": false, "dnssec": "AD bit"},
            "mx": none("MX"), "hosts": [], "mta_sts_txt": none("TXT"), "mta_sts_policy": null,
            "tlsrpt_txt": none("TXT"),
            "policy": {"mode": "enforce", "max_age": 86400, "mx": [], "errors": [],
                       "warnings": [], "usable": true},
            "mx_results": mx_results, "senders": [], "findings": [finding("tlsrpt-missing", "note")]
        })
    }

    /// Every sample line as (name, label text, value); comments apart.
    fn samples(text: &str) -> Vec<(String, String, String)> {
        text.lines()
            .filter(|l| !l.starts_with('#'))
            .map(|l| {
                let (series, value) = l.rsplit_once(' ').expect("a value");
                let (name, labels) = series.split_once('{').unwrap_or((series, ""));
                (name.to_string(), labels.to_string(), value.to_string())
            })
            .collect()
    }

    fn check_well_formed(text: &str) {
        assert!(text.ends_with('\n'));
        let mut help = BTreeMap::<String, usize>::new();
        let mut types = BTreeMap::<String, usize>::new();
        for l in text.lines() {
            let mut words = l.split(' ');
            match (words.next(), words.next(), words.next()) {
                (Some("#"), Some("HELP"), Some(name)) => *help.entry(name.into()).or_default() += 1,
                (Some("#"), Some("TYPE"), Some(name)) => {
                    assert_eq!(words.next(), Some("gauge"), "{l}");
                    *types.entry(name.into()).or_default() += 1
                }
                _ => {}
            }
        }
        let mut series = BTreeSet::new();
        let mut label_names = BTreeMap::<String, Vec<String>>::new();
        for (name, labels, value) in samples(text) {
            assert_eq!(help.get(&name), Some(&1), "HELP once for {name}");
            assert_eq!(types.get(&name), Some(&1), "TYPE once for {name}");
            assert!(value.parse::<f64>().is_ok(), "{name} {value}");
            assert!(
                series.insert(format!("{name}{{{labels}")),
                "duplicate series {name}{{{labels}"
            );
            let names: Vec<String> = labels
                .split("\",")
                .filter_map(|p| p.split_once('=').map(|(n, _)| n.to_string()))
                .collect();
            let expected = label_names.entry(name.clone()).or_insert(names.clone());
            assert_eq!(*expected, names, "label names of {name}");
        }
        for name in help.keys() {
            assert!(
                samples(text).iter().any(|s| &s.0 == name),
                "{name} has samples"
            );
        }
    }

    #[test]
    fn a_hostile_subject_is_escaped_and_breaks_no_line() {
        let r = report("problems", vec![endpoint("192.0.2.1:25", vec![])], None);
        let text = render_metrics(&r, Duration::from_millis(1500));
        check_well_formed(&text);
        assert!(
            text.contains(r#"subject="CN=evil\"quote\\back\nslash\\x0dcr""#),
            "{text}"
        );
        assert!(!text.contains('\r'));
        for l in text.lines() {
            assert!(
                l.starts_with("# ") || l.starts_with("smtp_tls_"),
                "a line broken: {l:?}"
            );
        }
        assert_eq!(escape_label_value("a\"b\\c\nd"), "a\\\"b\\\\c\\nd");
    }

    #[test]
    fn a_host_report_has_its_metrics() {
        let r = report(
            "problems",
            vec![endpoint(
                "192.0.2.1:25",
                vec![
                    finding("cert-expired", "error"),
                    finding("cert-expired", "error"),
                    finding("tls10-offered", "warning"),
                ],
            )],
            None,
        );
        let text = render_metrics(&r, Duration::from_millis(1500));
        check_well_formed(&text);
        for line in [
            "smtp_tls_probe_success 1",
            "smtp_tls_ok 0",
            r#"smtp_tls_finding{code="cert-expired",severity="error"} 1"#,
            r#"smtp_tls_finding{code="tls10-offered",severity="warning"} 1"#,
            r#"smtp_tls_cert_not_after_seconds{endpoint="192.0.2.1:25",position="1",subject="CN=Lab CA",issuer="CN=Lab CA",sha256="CC:DD"} 1893456000"#,
            r#"smtp_tls_cert_not_before_seconds{endpoint="192.0.2.1:25",position="1",subject="CN=Lab CA",issuer="CN=Lab CA",sha256="CC:DD"} 1546300800"#,
            r#"smtp_tls_protocol_offered{endpoint="192.0.2.1:25",version="TLSv1.0"} 0"#,
            r#"smtp_tls_protocol_offered{endpoint="192.0.2.1:25",version="TLSv1.3"} 1"#,
            r#"smtp_tls_negotiated_info{endpoint="192.0.2.1:25",version="TLSv1.3",suite="TLS_AES_256_GCM_SHA384",group="X25519"} 1"#,
            r#"smtp_tls_check_duration_seconds{endpoint="",phase="total"} 1.5"#,
            r#"smtp_tls_check_duration_seconds{endpoint="192.0.2.1:25",phase="handshake"} 0.02"#,
        ] {
            assert!(text.lines().any(|l| l == line), "{line} missing in\n{text}");
        }
        assert_eq!(text.matches("smtp_tls_finding{").count(), 2, "{text}");
        assert!(!text.contains("SSLv3"), "an unknown version is no series");
        assert!(
            !text.contains("smtp_tls_mx_ok"),
            "no domain metrics for a host"
        );
    }

    #[test]
    fn checks_and_the_software_named_have_one_series_each() {
        let mut ep = endpoint("192.0.2.1:25", vec![finding("heartbleed", "error")]);
        ep["checks"] = json!({
            "heartbleed": {"status": "vulnerable", "evidence": "echoed"},
            "fallback-scsv": {"status": "not-supported", "evidence": "ignored"},
            "poodle": {"status": "not-applicable", "evidence": "no SSLv3"}
        });
        // A hostile version as a server might announce it.
        ep["server_software"] = json!({"name": "Exim", "version": "4.96\"\n{x=\"1\"}",
            "confidence": "high", "evidence": ["banner: ESMTP Exim 4.96"]});
        let mut other = endpoint("192.0.2.2:25", vec![]);
        other["checks"] = json!({"heartbleed": {"status": "ok", "evidence": "refused"}});
        let text = render_metrics(
            &report("problems", vec![ep, other], None),
            Duration::from_secs(1),
        );
        check_well_formed(&text);
        for line in [
            r#"smtp_tls_check_status{endpoint="192.0.2.1:25",check="heartbleed",status="vulnerable"} 1"#,
            r#"smtp_tls_check_status{endpoint="192.0.2.1:25",check="fallback-scsv",status="not-supported"} 1"#,
            r#"smtp_tls_check_status{endpoint="192.0.2.1:25",check="poodle",status="not-applicable"} 1"#,
            r#"smtp_tls_check_status{endpoint="192.0.2.2:25",check="heartbleed",status="ok"} 1"#,
            r#"smtp_tls_server_software_info{endpoint="192.0.2.1:25",name="Exim",version="4.96\"\n{x=\"1\"}",confidence="high"} 1"#,
        ] {
            assert!(text.lines().any(|l| l == line), "{line} missing in\n{text}");
        }
        assert_eq!(text.matches("smtp_tls_check_status{").count(), 4, "{text}");
        assert_eq!(
            text.matches("smtp_tls_server_software_info{").count(),
            1,
            "none for an endpoint nothing named: {text}"
        );
        // Without checks or a guess (the fixture's default), neither family is written.
        let text = render_metrics(
            &report("ok", vec![endpoint("192.0.2.1:25", vec![])], None),
            Duration::ZERO,
        );
        assert!(!text.contains("smtp_tls_check_status"), "{text}");
        assert!(!text.contains("smtp_tls_server_software_info"), "{text}");
    }

    #[test]
    fn an_error_report_is_no_success() {
        let r = report("error", vec![], None);
        let text = render_metrics(&r, Duration::from_secs(3));
        check_well_formed(&text);
        assert!(text.lines().any(|l| l == "smtp_tls_probe_success 0"));
        assert!(text.lines().any(|l| l == "smtp_tls_ok 0"));
        assert!(!text.contains("smtp_tls_finding"));
    }

    #[test]
    fn a_domain_report_has_one_series_per_endpoint_and_mx() {
        let d = domain(vec![
            mx(
                "mx1.example.test",
                vec![address("ok", &["match"]), address("ok", &["match"])],
                true,
            ),
            mx("mx2.example.test", vec![address("tls-failed", &[])], false),
        ]);
        let r = report(
            "warnings",
            vec![
                endpoint("192.0.2.1:25", vec![]),
                endpoint("[2001:db8::1]:25", vec![]),
            ],
            Some(d),
        );
        let text = render_metrics(&r, Duration::from_secs(2));
        check_well_formed(&text);
        for line in [
            "smtp_tls_ok 1",
            r#"smtp_tls_finding{code="tlsrpt-missing",severity="note"} 1"#,
            r#"smtp_tls_mta_sts_mode{mode="enforce"} 1"#,
            "smtp_tls_dane_valid 1",
            r#"smtp_tls_mx_ok{mx="mx1.example.test"} 1"#,
            r#"smtp_tls_mx_ok{mx="mx2.example.test"} 0"#,
        ] {
            assert!(text.lines().any(|l| l == line), "{line} missing in\n{text}");
        }
        assert_eq!(
            text.matches("smtp_tls_cert_not_after_seconds{").count(),
            4,
            "two certificates at each of two endpoints:\n{text}"
        );

        let d = domain(vec![mx(
            "mx1.example.test",
            vec![address("ok", &["no-match"])],
            true,
        )]);
        let text = render_metrics(&report("problems", vec![], Some(d)), Duration::ZERO);
        check_well_formed(&text);
        assert!(text.lines().any(|l| l == "smtp_tls_dane_valid 0"), "{text}");
    }
}
