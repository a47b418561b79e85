//! deploy/prometheus: promtool accepts the scrape config and the alert rules, the alerts' unit
//! tests pass (each alert fires on sample series and stays quiet on healthy ones), and the
//! Grafana dashboard is a dashboard whose every query names only metrics the exporter writes
//! (docs/metrics.md, which must list exactly the renderer's metrics; docs/serve.md for the
//! exporter's own) or Prometheus' own `up`.
//! serve_prometheus.rs runs the same config against a real Prometheus and a real exporter.

mod common;

use common::{Need, require};
use serde_json::Value;
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::Command;

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn deploy() -> PathBuf {
    repo().join("deploy/prometheus")
}

fn promtool(args: &[&str]) {
    let out = Command::new("promtool")
        .args(args)
        .current_dir(deploy())
        .output()
        .expect("promtool runs");
    assert!(
        out.status.success(),
        "promtool {}: {}{}",
        args.join(" "),
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn promtool_accepts_the_config_and_the_rules() {
    if !require(&[Need::Promtool]) {
        return;
    }
    // check config also reads and checks the rule files it names (alerts.yml).
    promtool(&["check", "config", "prometheus.yml"]);
    promtool(&["check", "rules", "alerts.yml"]);
}

#[test]
fn the_alerts_fire_on_sample_series() {
    if !require(&[Need::Promtool]) {
        return;
    }
    promtool(&["test", "rules", "alerts_test.yml"]);
    // Every alert of alerts.yml has a test that expects it to fire.
    let rules = std::fs::read_to_string(deploy().join("alerts.yml")).expect("alerts.yml");
    let tests = std::fs::read_to_string(deploy().join("alerts_test.yml")).expect("alerts_test.yml");
    let alerts: Vec<&str> = rules
        .lines()
        .filter_map(|l| l.trim().strip_prefix("- alert: "))
        .collect();
    assert_eq!(alerts.len(), 7, "{alerts:?}");
    for a in alerts {
        let blocks: Vec<&str> = tests.split(&format!("alertname: {a}\n")).skip(1).collect();
        assert!(
            blocks.iter().any(|b| b
                .lines()
                .take_while(|l| !l.contains("alertname:"))
                .any(|l| l.trim() == "exp_alerts:")),
            "alerts_test.yml has no test in which {a} fires"
        );
    }
}

/// The metric names of docs/metrics.md's table.
fn documented_metrics() -> BTreeSet<String> {
    let doc = std::fs::read_to_string(repo().join("docs/metrics.md")).expect("docs/metrics.md");
    doc.lines()
        .filter_map(|l| l.strip_prefix("| `smtp_tls_"))
        .filter_map(|l| l.split_once('`'))
        .map(|(rest, _)| format!("smtp_tls_{rest}"))
        .collect()
}

/// The metric names of docs/metrics.md's table and of docs/serve.md's table of the exporter's
/// own metrics (`smtp_tls_doctor_*`).
fn known_metrics() -> BTreeSet<String> {
    let doc = std::fs::read_to_string(repo().join("docs/serve.md")).expect("docs/serve.md");
    let mut known = documented_metrics();
    known.extend(
        doc.lines()
            .filter_map(|l| l.strip_prefix("| `smtp_tls_doctor_"))
            .filter_map(|l| l.split_once('`'))
            .map(|(rest, _)| format!("smtp_tls_doctor_{rest}")),
    );
    known
}

/// The metric names the renderer declares (string literals in render/metrics.rs).
fn rendered_metrics() -> BTreeSet<String> {
    let src = std::fs::read_to_string(repo().join("crates/doctor/src/render/metrics.rs"))
        .expect("render/metrics.rs");
    // The code before its unit tests: `"smtp_tls_NAME"` literals.
    let code = src.split("#[cfg(test)]").next().unwrap_or_default();
    code.split("\"smtp_tls_")
        .skip(1)
        .filter_map(|rest| rest.split_once('"'))
        .map(|(name, _)| name)
        .filter(|name| {
            !name.is_empty() && name.bytes().all(|b| b.is_ascii_lowercase() || b == b'_')
        })
        .map(|name| format!("smtp_tls_{name}"))
        .collect()
}

/// The metric names a PromQL expression selects: identifiers outside label matchers, strings,
/// range brackets and grouping lists, that are neither functions (an identifier before `(`)
/// nor keywords. `label_values(metric, label)` (a Grafana template query) gives its metric.
fn metric_names(expr: &str) -> Vec<String> {
    const KEYWORDS: &[&str] = &[
        "and",
        "or",
        "unless",
        "bool",
        "offset",
        "inf",
        "nan", // operators and literals
        "sum",
        "min",
        "max",
        "avg",
        "group",
        "stddev",
        "stdvar",
        "count",
        "count_values",
        "bottomk",
        "topk",
        "quantile", // aggregations (`min by (x) (...)`)
    ];
    const GROUPING: &[&str] = &[
        "by",
        "without",
        "on",
        "ignoring",
        "group_left",
        "group_right",
    ];
    let chars: Vec<char> = expr.chars().collect();
    let mut names = Vec::new();
    let mut i = 0;
    let mut skip_list = false;
    while let Some(&c) = chars.get(i) {
        match c {
            '"' | '\'' | '`' => {
                i += 1;
                while let Some(&d) = chars.get(i) {
                    i += 1;
                    if d == '\\' {
                        i += 1;
                    } else if d == c {
                        break;
                    }
                }
            }
            '{' | '[' => {
                let close = if c == '{' { '}' } else { ']' };
                while chars.get(i).is_some_and(|&d| d != close) {
                    i += 1;
                }
                i += 1;
            }
            '(' if skip_list => {
                while chars.get(i).is_some_and(|&d| d != ')') {
                    i += 1;
                }
                i += 1;
                skip_list = false;
            }
            c if c.is_ascii_digit() || c == '.' => {
                while chars
                    .get(i)
                    .is_some_and(|d| d.is_ascii_alphanumeric() || *d == '.')
                {
                    i += 1;
                }
            }
            c if c.is_ascii_alphabetic() || c == '_' || c == ':' => {
                let start = i;
                while chars
                    .get(i)
                    .is_some_and(|d| d.is_ascii_alphanumeric() || *d == '_' || *d == ':')
                {
                    i += 1;
                }
                let word: String = chars[start..i].iter().collect();
                let next = chars[i..].iter().find(|d| !d.is_whitespace());
                if GROUPING.contains(&word.as_str()) {
                    skip_list = true;
                } else if word == "label_values" {
                    // label_values(metric, label): the metric is the first argument.
                    let rest: String = chars[i..].iter().collect();
                    if let Some(arg) = rest
                        .trim_start()
                        .strip_prefix('(')
                        .and_then(|r| r.split(',').next())
                    {
                        names.extend(metric_names(arg));
                    }
                    while chars.get(i).is_some_and(|&d| d != ')') {
                        i += 1;
                    }
                    i += 1;
                } else if next != Some(&'(') && !KEYWORDS.contains(&word.to_lowercase().as_str()) {
                    names.push(word);
                }
            }
            _ => i += 1,
        }
    }
    names
}

#[test]
fn the_metric_name_scanner_finds_metrics_only() {
    assert_eq!(
        metric_names(
            r#"min by (instance, endpoint) (smtp_tls_cert_not_after_seconds{position="0",x=~"a{b"} - time()) / 86400"#
        ),
        ["smtp_tls_cert_not_after_seconds"]
    );
    assert_eq!(
        metric_names(
            r#"sum(rate(foo_total[5m])) by (job) > on(job) group_left(a) bar offset 1h and 14 * 2"#
        ),
        ["foo_total", "bar"]
    );
    assert_eq!(
        metric_names("label_values(smtp_tls_probe_success, instance)"),
        ["smtp_tls_probe_success"]
    );
}

#[test]
fn docs_list_exactly_the_rendered_metrics() {
    let documented = documented_metrics();
    assert_eq!(documented, rendered_metrics());
    assert!(documented.contains("smtp_tls_finding"), "{documented:?}");
}

/// Metrics the deploy files may use besides the exporter's: Prometheus' own per-target series.
const PROMETHEUS_OWN: &[&str] = &["up"];

fn check_names(what: &str, expr: &str, known: &BTreeSet<String>) -> Vec<String> {
    let names = metric_names(expr);
    assert!(!names.is_empty(), "{what}: no metric in {expr:?}");
    for n in &names {
        assert!(
            known.contains(n) || PROMETHEUS_OWN.contains(&n.as_str()),
            "{what}: {n} (in {expr:?}) is neither in docs/metrics.md, docs/serve.md nor Prometheus' own {PROMETHEUS_OWN:?}"
        );
    }
    names
}

#[test]
fn the_dashboard_queries_name_documented_metrics() {
    let text = std::fs::read_to_string(deploy().join("grafana-dashboard.json"))
        .expect("grafana-dashboard.json");
    let dash: Value = serde_json::from_str(&text).expect("the dashboard is JSON");
    let known = known_metrics();
    assert!(dash["title"].as_str().is_some_and(|t| !t.is_empty()));
    assert!(dash["uid"].as_str().is_some_and(|t| !t.is_empty()));
    assert!(dash["schemaVersion"].as_u64().is_some_and(|v| v >= 30));
    let vars = dash["templating"]["list"]
        .as_array()
        .expect("templating.list");
    let var_names: Vec<&str> = vars.iter().filter_map(|v| v["name"].as_str()).collect();
    assert!(var_names.contains(&"datasource"), "{var_names:?}");
    for v in vars.iter().filter(|v| v["type"] == "query") {
        let q = v["query"]["query"]
            .as_str()
            .or(v["query"].as_str())
            .expect("a query variable's query");
        check_names(&format!("variable {}", v["name"]), q, &known);
    }

    let panels = dash["panels"].as_array().expect("panels");
    let mut ids = BTreeSet::new();
    let mut used = BTreeSet::new();
    for p in panels {
        let title = p["title"].as_str().expect("a panel title");
        assert!(
            ids.insert(p["id"].as_u64().expect("a panel id")),
            "{title}: id"
        );
        assert!(p["type"].as_str().is_some(), "{title}: type");
        for k in ["x", "y", "w", "h"] {
            assert!(p["gridPos"][k].as_u64().is_some(), "{title}: gridPos.{k}");
        }
        assert!(
            p["gridPos"]["x"].as_u64().unwrap_or(0) + p["gridPos"]["w"].as_u64().unwrap_or(0) <= 24,
            "{title}: wider than the grid"
        );
        assert_eq!(p["datasource"]["uid"], "${datasource}", "{title}");
        let targets = p["targets"].as_array().expect("targets");
        assert!(!targets.is_empty(), "{title}: no query");
        for t in targets {
            let expr = t["expr"].as_str().expect("a PromQL expr");
            used.extend(check_names(title, expr, &known));
        }
    }
    // The panels the dashboard promises (deploy/prometheus/README.md).
    for m in [
        "smtp_tls_probe_success",
        "smtp_tls_cert_not_after_seconds",
        "smtp_tls_finding",
        "smtp_tls_negotiated_info",
        "smtp_tls_mx_ok",
        "smtp_tls_check_duration_seconds",
        "smtp_tls_check_status",
        "smtp_tls_server_software_info",
        "smtp_tls_doctor_probes_total",
        "smtp_tls_doctor_refused_total",
        "up",
    ] {
        assert!(used.contains(m), "no panel shows {m}: {used:?}");
    }
}

/// The `expr:` values of a rule file (a one-line value, or a `|` block).
pub fn rule_exprs(yaml: &str) -> Vec<String> {
    let lines: Vec<&str> = yaml.lines().collect();
    let mut exprs = Vec::new();
    for (n, line) in lines.iter().enumerate() {
        let Some(value) = line.trim_start().strip_prefix("expr:") else {
            continue;
        };
        let indent = line.len() - line.trim_start().len();
        let value = value.trim();
        if value == "|" || value == ">" {
            let block: Vec<&str> = lines[n + 1..]
                .iter()
                .take_while(|l| l.trim().is_empty() || l.len() - l.trim_start().len() > indent)
                .map(|l| l.trim())
                .collect();
            exprs.push(block.join(" "));
        } else {
            exprs.push(value.to_string());
        }
    }
    exprs
}

#[test]
fn the_alerts_name_documented_metrics() {
    let rules = std::fs::read_to_string(deploy().join("alerts.yml")).expect("alerts.yml");
    let known = known_metrics();
    let exprs = rule_exprs(&rules);
    assert_eq!(exprs.len(), 7, "{exprs:?}");
    let mut used = BTreeSet::new();
    for e in &exprs {
        used.extend(check_names("alerts.yml", e, &known));
    }
    for m in [
        "smtp_tls_cert_not_after_seconds",
        "smtp_tls_finding",
        "smtp_tls_probe_success",
        "smtp_tls_check_status",
        "smtp_tls_doctor_refused_total",
        "up",
    ] {
        assert!(used.contains(m), "no alert on {m}: {used:?}");
    }
}
