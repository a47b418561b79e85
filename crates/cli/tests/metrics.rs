//! `check --prometheus FILE`: the metrics of a check against the lab, written atomically beside
//! the normal output, in a form promtool accepts.

mod common;

use common::{check_scenario, promtool_accepts};

/// The sample lines of `text` named `name`, as (labels, value).
fn series<'a>(text: &'a str, name: &str) -> Vec<(&'a str, &'a str)> {
    text.lines()
        .filter(|l| !l.starts_with('#'))
        .filter_map(|l| l.rsplit_once(' '))
        .filter_map(|(s, v)| {
            let (n, labels) = s.split_once('{').unwrap_or((s, ""));
            (n == name).then_some((labels, v))
        })
        .collect()
}

#[test]
fn expired_certificate_metrics_are_written_and_promtool_accepts_them() {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let path = dir.path().join("smtp_tls.prom");
    let path_text = path.to_string_lossy().into_owned();
    let r = check_scenario("expired", &["--prometheus", path_text.as_str()]);
    assert_eq!(r.code, 1, "problems: {}\n{}", r.stdout, r.stderr);
    assert!(
        r.stdout.contains("cert-expired"),
        "the normal output is still printed: {}",
        r.stdout
    );
    let text = std::fs::read_to_string(&path).expect("the metrics file");
    let names: Vec<_> = std::fs::read_dir(dir.path())
        .expect("the directory")
        .filter_map(|e| e.ok())
        .map(|e| e.file_name())
        .collect();
    assert_eq!(names.len(), 1, "no FILE.tmp left behind: {names:?}");

    assert!(
        text.lines()
            .any(|l| l == r#"smtp_tls_finding{code="cert-expired",severity="error"} 1"#),
        "{text}"
    );
    assert!(
        text.lines().any(|l| l == "smtp_tls_probe_success 1"),
        "{text}"
    );
    assert!(text.lines().any(|l| l == "smtp_tls_ok 0"), "{text}");
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .expect("after 1970")
        .as_secs_f64();
    let leaf: Vec<f64> = series(&text, "smtp_tls_cert_not_after_seconds")
        .into_iter()
        .filter(|(labels, _)| labels.contains(r#"position="0""#))
        .map(|(_, v)| v.parse().expect("a number"))
        .collect();
    assert_eq!(leaf.len(), 1, "{text}");
    assert!(leaf.iter().all(|t| *t < now), "the leaf expired: {text}");
    assert_eq!(
        series(&text, "smtp_tls_check_duration_seconds")
            .iter()
            .filter(|(labels, _)| labels.contains(r#"phase="total""#))
            .count(),
        1,
        "{text}"
    );

    promtool_accepts("the metrics file", &text);
}

#[test]
fn the_battery_checks_and_the_software_are_metrics() {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let path = dir.path().join("smtp_tls.prom");
    let path_text = path.to_string_lossy().into_owned();
    let r = check_scenario(
        "battery-scripted",
        &["--json", "--prometheus", path_text.as_str()],
    );
    let report = r.json();
    let text = std::fs::read_to_string(&path).expect("the metrics file");
    let endpoint = report["endpoints"][0]["address"]
        .as_str()
        .expect("an endpoint address")
        .to_string();
    let checks = report["endpoints"][0]["checks"]
        .as_object()
        .expect("the checks")
        .clone();
    assert!(checks.len() >= 20, "{checks:?}");
    // One series per check of the report, its status as the JSON has it.
    let series_of = series(&text, "smtp_tls_check_status");
    assert_eq!(series_of.len(), checks.len(), "{text}");
    for (id, c) in &checks {
        let status = c["status"].as_str().expect("a status");
        let line = format!(
            r#"smtp_tls_check_status{{endpoint="{endpoint}",check="{id}",status="{status}"}} 1"#
        );
        assert!(text.lines().any(|l| l == line), "{line} missing in\n{text}");
    }
    for id in ["heartbleed", "ccs-injection", "drown"] {
        let line = format!(
            r#"smtp_tls_check_status{{endpoint="{endpoint}",check="{id}",status="vulnerable"}} 1"#
        );
        assert!(text.lines().any(|l| l == line), "{line} missing in\n{text}");
    }
    let sw = &report["endpoints"][0]["server_software"];
    let line = format!(
        r#"smtp_tls_server_software_info{{endpoint="{endpoint}",name="{}",version="{}",confidence="{}"}} 1"#,
        sw["name"].as_str().expect("a name"),
        sw["version"].as_str().unwrap_or_default(),
        sw["confidence"].as_str().expect("a confidence"),
    );
    assert!(text.lines().any(|l| l == line), "{line} missing in\n{text}");
    promtool_accepts("the report's metrics", &text);

    // The injection check of a STARTTLS server that runs pipelined commands.
    let path = dir.path().join("injection.prom");
    let path_text = path.to_string_lossy().into_owned();
    let r = check_scenario("starttls-injection", &["--prometheus", path_text.as_str()]);
    assert_eq!(r.code, 1, "{}\n{}", r.stdout, r.stderr);
    let text = std::fs::read_to_string(&path).expect("the metrics file");
    assert!(
        series(&text, "smtp_tls_check_status")
            .iter()
            .any(|(labels, v)| labels
                .contains(r#"check="starttls-injection",status="vulnerable""#)
                && *v == "1"),
        "{text}"
    );
    promtool_accepts("the report's metrics", &text);
}

#[test]
fn prometheus_conflicts_with_targets() {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let list = dir.path().join("targets");
    std::fs::write(&list, "mx.example.test\n").expect("a target list");
    let prom = dir.path().join("x.prom");
    let r = common::run(&[
        "check",
        "--targets",
        &list.to_string_lossy(),
        "--prometheus",
        &prom.to_string_lossy(),
    ]);
    assert_eq!(r.code, 64, "a usage error: {}", r.stderr);
    assert!(r.stderr.contains("--prometheus"), "{}", r.stderr);
    assert!(!prom.exists());
}

#[test]
fn an_unwritable_prometheus_file_is_an_error_and_leaves_nothing() {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let path = dir.path().join("missing-dir").join("smtp_tls.prom");
    let path_text = path.to_string_lossy().into_owned();
    let r = check_scenario("expired", &["--prometheus", path_text.as_str()]);
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert!(
        r.stderr.contains("--prometheus") && r.stderr.contains("missing-dir"),
        "{}",
        r.stderr
    );
    assert!(!path.exists());
}
