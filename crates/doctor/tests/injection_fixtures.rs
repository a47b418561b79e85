//! `checks["starttls-injection"]` and the finding `starttls-injection` as a pure function of the
//! probe's recorded observation (as a saved report holds it).

use doctor::judge::injection::{check, checks, finding};
use doctor::model::checks::CheckStatus;
use doctor::model::observation::EndpointObservation;
use serde_json::{Value, json};

fn obs(mode: &str, smtp: Value, injection: Value) -> EndpointObservation {
    let mut o = json!({
        "name": "mx.example.test", "address": "192.0.2.1:25", "mode": mode,
        "ehlo_name": "probe.example.test", "smtp": smtp, "tls": null, "failure": null,
        "timings": {"total_ms": 1.0}, "transcript": []
    });
    if !injection.is_null() {
        o["starttls_injection"] = injection;
    }
    serde_json::from_value(o).expect("fixture parses")
}

fn starttls_offered() -> Value {
    json!({
        "banner": {"code": 220, "lines": ["mx ESMTP"]},
        "ehlo": {"code": 250, "lines": ["mx", "PIPELINING", "STARTTLS"]},
        "capabilities": {"greeting": "mx", "capabilities": [
            {"keyword": "PIPELINING", "params": []}, {"keyword": "STARTTLS", "params": []}]}
    })
}

fn probe(extra: Value) -> Value {
    let mut p = json!({
        "sent": "STARTTLS\r\nRSET\r\n", "pipelining_advertised": true,
        "starttls_reply": "220 2.0.0 Ready to start TLS", "plaintext_replies": [],
        "plaintext_bytes": 0, "handshake_completed": true, "failure": null,
        "tls_bytes_before_command": 0, "tls_excerpt": null, "tls_replies": [],
        "tls_wait_ms": 1000.0, "ehlo_after_tls": 250, "total_ms": 1300.0
    });
    if let (Some(p), Some(e)) = (p.as_object_mut(), extra.as_object()) {
        for (k, v) in e {
            p.insert(k.clone(), v.clone());
        }
    }
    p
}

#[test]
fn a_reply_inside_tls_before_our_command_is_vulnerable() {
    let o = obs(
        "starttls",
        starttls_offered(),
        probe(
            json!({"tls_bytes_before_command": 14, "tls_excerpt": "250 2.0.0 Ok\\r\\n",
                     "tls_replies": ["250 2.0.0 Ok"]}),
        ),
    );
    let r = check(&o).expect("judged");
    assert_eq!(r.status, CheckStatus::Vulnerable);
    assert!(r.evidence.contains("250 2.0.0 Ok"), "{}", r.evidence);
    let f = finding(&o).expect("a finding");
    assert_eq!(f.code, "starttls-injection");
    assert_eq!(f.severity, doctor::model::finding::Severity::Error);
    assert!(f.summary.contains("CVE-2011-0411"), "{}", f.summary);
    assert_eq!(f.evidence["tls_replies"], json!(["250 2.0.0 Ok"]));
    // Bytes that are no reply count too.
    let o = obs(
        "starttls",
        starttls_offered(),
        probe(json!({"tls_bytes_before_command": 3, "tls_excerpt": "xyz"})),
    );
    assert_eq!(check(&o).map(|r| r.status), Some(CheckStatus::Vulnerable));
}

#[test]
fn nothing_inside_tls_is_ok_and_says_how_pipelining_went() {
    let o = obs("starttls", starttls_offered(), probe(json!({})));
    let r = check(&o).expect("judged");
    assert_eq!(r.status, CheckStatus::Ok);
    assert!(
        r.evidence.contains("PIPELINING advertised")
            && r.evidence
                .contains("the first reply inside TLS answered our EHLO (250, 1000 ms after it)"),
        "{}",
        r.evidence
    );
    assert!(finding(&o).is_none());
    // The pipelined RSET answered in plaintext before TLS: not carried into TLS, still ok.
    let o = obs(
        "starttls",
        starttls_offered(),
        probe(json!({"plaintext_replies": ["250 2.0.0 Ok"], "pipelining_advertised": false})),
    );
    let r = check(&o).expect("judged");
    assert_eq!(r.status, CheckStatus::Ok);
    assert!(
        r.evidence.contains("PIPELINING not advertised")
            && r.evidence
                .contains("answered the pipelined command in plaintext"),
        "{}",
        r.evidence
    );
}

#[test]
fn failures_are_unknown_never_ok() {
    for extra in [
        json!({"handshake_completed": false, "failure": "handshake phase: the server closed the connection"}),
        json!({"starttls_reply": "454 4.7.0 TLS not available", "handshake_completed": false}),
        json!({"starttls_reply": null, "handshake_completed": false, "failure": "STARTTLS phase: timeout"}),
        // Through TLS, but our EHLO got no reply there: not known either way.
        json!({"ehlo_after_tls": null, "failure": "after-TLS phase: this is not an SMTP reply"}),
    ] {
        let o = obs("starttls", starttls_offered(), probe(extra.clone()));
        assert_eq!(
            check(&o).map(|r| r.status),
            Some(CheckStatus::Unknown),
            "{extra}"
        );
        assert!(finding(&o).is_none());
    }
}

#[test]
fn not_applicable_and_not_probed() {
    let o = obs("implicit-tls", starttls_offered(), Value::Null);
    assert_eq!(
        check(&o).map(|r| r.status),
        Some(CheckStatus::NotApplicable)
    );
    let no_starttls = json!({
        "banner": {"code": 220, "lines": ["mx ESMTP"]},
        "ehlo": {"code": 250, "lines": ["mx", "PIPELINING"]},
        "capabilities": {"greeting": "mx", "capabilities": [{"keyword": "PIPELINING", "params": []}]}
    });
    let o = obs("starttls", no_starttls, Value::Null);
    assert_eq!(
        check(&o).map(|r| r.status),
        Some(CheckStatus::NotApplicable)
    );
    // STARTTLS offered but not probed (--quick, a saved report from before): no entry.
    let o = obs("starttls", starttls_offered(), Value::Null);
    assert!(check(&o).is_none());
    assert!(checks(&o).is_empty());
}
