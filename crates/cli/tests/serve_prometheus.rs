//! `serve` scraped by a real Prometheus with deploy/prometheus/prometheus.yml (its relabelling
//! as documented; only the targets, the exporter's address and the intervals substituted) and
//! its alerts.yml: the lab's expired certificate shows up as
//! `smtp_tls_finding{code="cert-expired"} 1` for that target and not for a good one, the
//! exporter's own /metrics is scraped (`up == 1`), a target with a `module` label of its own is
//! checked with that module, the alerts fire for the right targets, every query of the Grafana
//! dashboard runs, and promtool accepts /probe's and /metrics' output.

mod common;

use common::web::{self, Proc, Serve, enc, get, poll};
use common::{Need, promtool_accepts, require};
use serde_json::Value;
use std::net::SocketAddr;
use std::path::Path;
use std::process::Command;
use std::time::Duration;

const SCRAPE: &str = "2s";

/// deploy/prometheus/prometheus.yml with the lab's targets, the exporter's address, short
/// intervals and the module `lab`; each substitution must find what it replaces. `quick_target`
/// goes in a second `static_configs` entry naming its own module, `lab-quick`, with the label
/// `module`, as the README says one can.
fn derived_config(targets: &[String], quick_target: &str, exporter: SocketAddr) -> String {
    let repo = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let text = std::fs::read_to_string(repo.join("deploy/prometheus/prometheus.yml"))
        .expect("deploy/prometheus/prometheus.yml");
    let replace = |text: String, from: &str, to: &str| {
        assert!(
            text.contains(from),
            "deploy/prometheus/prometheus.yml no longer has {from:?}: update this test"
        );
        text.replace(from, to)
    };
    let mut list: String = targets
        .iter()
        .map(|t| format!("          - {t}\n"))
        .collect();
    list.push_str(&format!(
        "      - targets:\n          - {quick_target}\n        labels:\n          module: lab-quick\n"
    ));
    let text = replace(
        text,
        "          - mx1.example.com:25\n          - mx2.example.com:25\n",
        &list,
    );
    let text = replace(text, "127.0.0.1:8025", &exporter.to_string());
    let text = replace(text, "module: [mx]", "module: [lab]");
    // Every interval and timeout, whatever its value, becomes SCRAPE.
    text.lines()
        .map(|l| {
            let key = l.trim_start();
            let indent = &l[..l.len() - key.len()];
            match key.split_once(':') {
                Some((k @ ("scrape_interval" | "scrape_timeout" | "evaluation_interval"), _)) => {
                    format!("{indent}{k}: {SCRAPE}\n")
                }
                _ => format!("{l}\n"),
            }
        })
        .collect()
}

struct Prometheus {
    proc: Proc,
    addr: SocketAddr,
}

/// Starts Prometheus on a free port of 127.0.0.1 (only there), retrying on another port when it
/// cannot bind, and waits until it is ready.
fn start_prometheus(dir: &Path) -> Prometheus {
    let mut failures = String::new();
    for attempt in 0..5 {
        let port = common::dns::free_port();
        let addr: SocketAddr = ([127, 0, 0, 1], port).into();
        let data = dir.join(format!("data-{attempt}"));
        let mut cmd = Command::new(common::host::program("prometheus").expect("prometheus"));
        cmd.arg(format!(
            "--config.file={}",
            dir.join("prometheus.yml").display()
        ))
        .arg(format!("--storage.tsdb.path={}", data.display()))
        .arg(format!("--web.listen-address={addr}"))
        .arg("--log.level=warn")
        .current_dir(dir);
        let mut proc = Proc::spawn(
            "prometheus",
            cmd,
            &dir.join(format!("prometheus-{attempt}.log")),
            false,
        );
        // Hang guard: Prometheus is ready within a second or two here.
        let ready = poll(Duration::from_secs(30), || {
            if !proc.alive() {
                return Some(false);
            }
            let r = web::request(addr, "GET", "/-/ready", None, Duration::from_secs(2)).ok()?;
            (r.status == 200).then_some(true)
        });
        match ready {
            Some(true) => return Prometheus { proc, addr },
            _ => {
                let tail = proc.log_tail();
                if tail.contains("address already in use") {
                    failures.push_str(&tail);
                    continue;
                }
                panic!("Prometheus did not become ready on {addr}:\n{tail}");
            }
        }
    }
    panic!("Prometheus could not bind a port in 5 attempts:\n{failures}");
}

impl Prometheus {
    /// An instant query's result vector.
    fn query(&self, q: &str) -> Vec<Value> {
        let r = get(self.addr, &format!("/api/v1/query?query={}", enc(q)));
        let v = r.json();
        assert_eq!(
            v["status"],
            "success",
            "query {q}: {}\n{}",
            r.text(),
            self.proc.log_tail()
        );
        v["data"]["result"].as_array().cloned().unwrap_or_default()
    }

    fn alerts(&self) -> Vec<Value> {
        let v = get(self.addr, "/api/v1/alerts").json();
        v["data"]["alerts"].as_array().cloned().unwrap_or_default()
    }
}

fn value(series: &Value) -> &str {
    series["value"][1].as_str().unwrap_or("")
}

#[test]
fn prometheus_scrapes_the_lab_through_serve_and_the_alerts_fire() {
    if !require(&[Need::Prometheus, Need::Promtool]) {
        return;
    }
    let expired = web::lab_target("expired");
    let soon = web::lab_target("expires-soon");
    let good = web::lab_target("good");
    let quick = web::lab_target("wrong-name");
    let serve: Serve = web::start_serve(&format!(
        "{}\n{}\n{}quick = true\n",
        web::lab_server_table(),
        web::lab_module("lab", 1.0),
        web::lab_module("lab-quick", 1.0)
    ));

    let repo = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    // The exporter's answers as they are, before Prometheus: promtool accepts them.
    let probe = get(
        serve.addr,
        &format!("/probe?target={}&module=lab", enc(&expired)),
    );
    assert_eq!(
        probe.status,
        200,
        "{}\n{}",
        probe.text(),
        serve.proc.log_tail()
    );
    assert!(
        probe
            .text()
            .lines()
            .any(|l| l == r#"smtp_tls_finding{code="cert-expired",severity="error"} 1"#),
        "{}",
        probe.text()
    );
    promtool_accepts("/probe", &probe.text());
    let own = get(serve.addr, "/metrics");
    assert_eq!(own.status, 200, "{}", own.text());
    promtool_accepts("/metrics", &own.text());
    // Each family of /metrics is in docs/serve.md's table (the dashboard and alerts use them).
    let doc = std::fs::read_to_string(repo.join("docs/serve.md")).expect("docs/serve.md");
    let own_text = own.text();
    let families: Vec<&str> = own_text
        .lines()
        .filter_map(|l| l.strip_prefix("# TYPE "))
        .filter_map(|l| l.split(' ').next())
        .collect();
    assert!(families.len() >= 5, "{own_text}");
    for f in &families {
        assert!(
            doc.contains(&format!("| `{f}` |")),
            "/metrics has {f}, docs/serve.md does not list it"
        );
    }

    let dir = tempfile::Builder::new()
        .prefix("smtp-tls-doctor-prometheus-")
        .tempdir()
        .expect("a temporary directory");
    let config = derived_config(
        &[expired.clone(), soon.clone(), good.clone()],
        &quick,
        serve.addr,
    );
    std::fs::write(dir.path().join("prometheus.yml"), &config).expect("write prometheus.yml");
    std::fs::copy(
        repo.join("deploy/prometheus/alerts.yml"),
        dir.path().join("alerts.yml"),
    )
    .expect("copy alerts.yml");
    let prom = start_prometheus(dir.path());

    // Until every target has been scraped once with success (hang guard: a few scrapes of 2 s).
    let scraped = poll(Duration::from_secs(40), || {
        let up = prom.query(r#"up{job="smtp_tls"} == 1"#);
        let own = prom.query(r#"up{job="smtp_tls_doctor"} == 1"#);
        (up.len() == 4 && own.len() == 1).then_some(())
    });
    assert!(
        scraped.is_some(),
        "not every target scraped: {:?}\nconfig:\n{config}\n{}\n{}",
        prom.query("up"),
        prom.proc.log_tail(),
        serve.proc.log_tail()
    );

    // The documented relabelling: instance is the target, the module a label.
    let found = prom.query(r#"smtp_tls_finding{code="cert-expired"}"#);
    assert_eq!(found.len(), 1, "{found:?}");
    let s = &found[0];
    assert_eq!(s["metric"]["instance"], expired.as_str(), "{s}");
    assert_eq!(s["metric"]["module"], "lab", "{s}");
    assert_eq!(s["metric"]["job"], "smtp_tls", "{s}");
    assert_eq!(s["metric"]["severity"], "error", "{s}");
    assert_eq!(value(s), "1", "{s}");

    let success = prom.query("smtp_tls_probe_success");
    assert_eq!(success.len(), 4, "{success:?}");
    assert!(success.iter().all(|s| value(s) == "1"), "{success:?}");
    // The target with a module of its own: checked with it (quick: no scan, so no
    // smtp_tls_protocol_offered, which the full checks have), and labelled with it.
    let q = prom.query(&format!(r#"smtp_tls_finding{{instance="{quick}"}}"#));
    assert!(
        q.iter()
            .any(|s| s["metric"]["code"] == "cert-name-mismatch"
                && s["metric"]["module"] == "lab-quick"),
        "{q:?}"
    );
    let offered = |t: &str| prom.query(&format!(r#"smtp_tls_protocol_offered{{instance="{t}"}}"#));
    assert!(offered(&quick).is_empty(), "{:?}", offered(&quick));
    assert!(!offered(&good).is_empty(), "the full check scanned");
    let good_findings = prom.query(&format!(
        r#"smtp_tls_finding{{instance="{good}",severity="error"}}"#
    ));
    assert!(good_findings.is_empty(), "{good_findings:?}");
    let ok = prom.query(&format!(r#"smtp_tls_ok{{instance="{good}"}}"#));
    assert_eq!(ok.len(), 1, "{ok:?}");
    assert_eq!(value(&ok[0]), "1", "{ok:?}");

    // The battery's checks of the good server, none vulnerable, and the software it looks like.
    let checks = prom.query(&format!(r#"smtp_tls_check_status{{instance="{good}"}}"#));
    assert!(checks.len() >= 20, "{checks:?}");
    let vulnerable = prom.query(&format!(
        r#"smtp_tls_check_status{{instance="{good}",status="vulnerable"}}"#
    ));
    assert!(vulnerable.is_empty(), "{vulnerable:?}");
    let software = prom.query(&format!(
        r#"smtp_tls_server_software_info{{instance="{good}"}}"#
    ));
    assert_eq!(software.len(), 1, "{software:?}");
    assert_eq!(
        software[0]["metric"]["name"], "smtp-tls-doctor lab",
        "{software:?}"
    );

    // The alerts (evaluation every 2 s): the expired target has both; expires-soon only the
    // expiry one; the good target none.
    let firing = |name: &str| -> Vec<String> {
        prom.alerts()
            .iter()
            .filter(|a| a["labels"]["alertname"] == name && a["state"] == "firing")
            .filter_map(|a| a["labels"]["instance"].as_str().map(str::to_string))
            .collect()
    };
    let alerts = poll(Duration::from_secs(20), || {
        let mut expiry = firing("SmtpTlsCertificateExpiresSoon");
        expiry.sort();
        let errors = firing("SmtpTlsErrorFinding");
        let mut want = vec![expired.clone(), soon.clone()];
        want.sort();
        (expiry == want && errors.contains(&expired) && errors.contains(&quick)).then_some(errors)
    })
    .unwrap_or_else(|| panic!("the alerts do not fire as expected: {:?}", prom.alerts()));
    assert!(!alerts.contains(&good), "{alerts:?}");
    assert!(
        !alerts.contains(&soon),
        "expires-soon is a warning: {alerts:?}"
    );
    let down = firing("SmtpTlsExporterDown");
    assert!(down.is_empty(), "{down:?}");

    // Every query of the Grafana dashboard runs on these series, and those for host checks
    // return data (smtp_tls_mx_ok is for mail domains only).
    let dash: Value = serde_json::from_str(
        &std::fs::read_to_string(repo.join("deploy/prometheus/grafana-dashboard.json"))
            .expect("the dashboard"),
    )
    .expect("the dashboard is JSON");
    let panels = dash["panels"].as_array().cloned().unwrap_or_default();
    let mut ran = 0;
    for p in &panels {
        for t in p["targets"].as_array().into_iter().flatten() {
            let expr = t["expr"]
                .as_str()
                .unwrap_or_default()
                .replace("$instance", ".*")
                .replace("$__rate_interval", "1m");
            ran += 1;
            if expr.contains("smtp_tls_mx_ok") {
                prom.query(&expr);
                continue;
            }
            // A rate needs two scrapes of a series within its window: a few seconds.
            let result = poll(Duration::from_secs(20), || {
                let r = prom.query(&expr);
                (!r.is_empty()).then_some(r)
            });
            assert!(
                result.is_some(),
                "panel {}: {expr} returns nothing",
                p["title"]
            );
        }
    }
    assert!(ran >= 6, "{ran} queries");
    let days = prom.query(&format!(
        r#"min by (instance) (smtp_tls_cert_not_after_seconds{{position="0",instance="{soon}"}} - time()) / 86400"#
    ));
    let d: f64 = days
        .first()
        .map(|s| value(s).parse().unwrap_or(f64::NAN))
        .unwrap_or(f64::NAN);
    assert!((4.0..=5.0).contains(&d), "expires-soon: {d} days: {days:?}");
    drop(prom);
    drop(serve);
}
