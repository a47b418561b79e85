//! The diagnosis is a pure function of observations: these fixtures are observations as JSON (as
//! in a saved report) and the findings they must give.

use doctor::judge::diagnose::diagnose;
use doctor::model::observation::EndpointObservation;
use serde_json::json;

fn obs(
    smtp: serde_json::Value,
    tls: serde_json::Value,
    failure: serde_json::Value,
) -> EndpointObservation {
    serde_json::from_value(json!({
        "name": "mx.example.test", "address": "192.0.2.1:25", "mode": "starttls", "ehlo_name": "probe.example.test",
        "smtp": smtp, "tls": tls, "failure": failure,
        "timings": {"total_ms": 1.0}, "transcript": []
    }))
    .expect("fixture parses")
}

fn reply(code: u16, lines: &[&str]) -> serde_json::Value {
    json!({"code": code, "lines": lines})
}

fn caps(kw: &[&str]) -> serde_json::Value {
    json!({"greeting": "mx", "capabilities": kw.iter().map(|k| json!({"keyword": k, "params": []})).collect::<Vec<_>>()})
}

fn codes(o: &EndpointObservation) -> Vec<String> {
    diagnose(o, None).into_iter().map(|f| f.code).collect()
}

#[test]
fn banner_421_is_smtp_rejected_and_quoted() {
    let o = obs(
        json!({"banner": reply(421, &["4.7.0 mx Too many connections"])}),
        json!(null),
        json!(null),
    );
    let f = diagnose(&o, None);
    assert_eq!(f.len(), 1);
    assert_eq!(f[0].code, "smtp-rejected");
    assert!(
        f[0].summary.contains("421 4.7.0 mx Too many connections"),
        "{}",
        f[0].summary
    );
}

#[test]
fn ehlo_without_starttls() {
    let o = obs(
        json!({"banner": reply(220, &["mx"]), "ehlo": reply(250, &["mx", "PIPELINING"]), "capabilities": caps(&["PIPELINING"])}),
        json!(null),
        json!(null),
    );
    assert_eq!(codes(&o), vec!["starttls-not-offered"]);
}

#[test]
fn ehlo_refused_then_helo() {
    let o = obs(
        json!({"banner": reply(220, &["mx"]), "ehlo": reply(502, &["5.5.2 Error"]), "helo": reply(250, &["mx"])}),
        json!(null),
        json!(null),
    );
    assert_eq!(codes(&o), vec!["smtp-rejected", "starttls-not-offered"]);
}

#[test]
fn starttls_454() {
    let o = obs(
        json!({"banner": reply(220, &["mx"]), "ehlo": reply(250, &["mx", "STARTTLS"]), "capabilities": caps(&["STARTTLS"]),
               "starttls": reply(454, &["4.7.0 TLS not available due to local problem"])}),
        json!(null),
        json!(null),
    );
    let f = diagnose(&o, None);
    assert_eq!(f[0].code, "starttls-refused");
    assert!(f[0].summary.contains("454 4.7.0 TLS not available"));
}

#[test]
fn smtp_after_starttls_reply_is_flagged_and_garbage_is_a_handshake_failure() {
    let base = json!({"banner": reply(220, &["mx"]), "ehlo": reply(250, &["mx", "STARTTLS"]), "capabilities": caps(&["STARTTLS"]),
                      "starttls": reply(220, &["ready"]), "bytes_after_starttls": 14, "after_starttls_excerpt": "\"250 injected\\r\\n\""});
    let tls = json!({"completed": false, "chain": [], "sni": "mx.example.test"});
    let failure = json!({"phase": "handshake", "kind": "not-tls", "message": "the server answered with bytes that are not TLS"});
    let o = obs(base, tls, failure);
    assert_eq!(
        codes(&o),
        vec!["starttls-extra-bytes", "tls-handshake-failed"]
    );
}

#[test]
fn alerts_are_translated() {
    let base = json!({"banner": reply(220, &["mx"]), "ehlo": reply(250, &["mx", "STARTTLS"]), "capabilities": caps(&["STARTTLS"]), "starttls": reply(220, &["ready"])});
    let tls =
        json!({"completed": false, "chain": [], "alert": {"code": 70, "name": "protocol_version"}});
    let failure = json!({"phase": "handshake", "kind": "tls-alert", "message": "alert"});
    let f = diagnose(&obs(base, tls, failure), None);
    assert_eq!(f[0].code, "tls-handshake-failed");
    assert!(
        f[0].summary.contains("protocol_version (70)")
            && f[0].summary.contains("no protocol version in common"),
        "{}",
        f[0].summary
    );
}

#[test]
fn connect_failures_give_no_findings() {
    let failure = json!({"phase": "connect", "kind": "refused", "message": "connection refused"});
    let o = obs(json!({}), json!(null), failure);
    assert!(codes(&o).is_empty());
    assert!(doctor::judge::diagnose::is_check_error(&o));
}
