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

/// A completed STARTTLS handshake whose signature check is `check` (null: no check recorded).
fn signed(check: serde_json::Value) -> EndpointObservation {
    let base = json!({"banner": reply(220, &["mx"]), "ehlo": reply(250, &["mx", "STARTTLS"]), "capabilities": caps(&["STARTTLS"]), "starttls": reply(220, &["ready"])});
    let tls = json!({"completed": true, "chain": [], "sni": "mx.example.test", "version": "TLSv1.3",
                     "handshake_signature": check});
    obs(base, tls, json!(null))
}

#[test]
fn an_invalid_handshake_signature_is_an_error() {
    let o = signed(
        json!({"message": "CertificateVerify", "scheme": "ECDSA_NISTP256_SHA256",
                          "verified": false, "unchecked": false,
                          "error": "the CertificateVerify signature (ECDSA_NISTP256_SHA256) does not verify with the certificate's public key"}),
    );
    let f = diagnose(&o, None);
    assert_eq!(codes(&o), vec!["handshake-signature-invalid"]);
    assert_eq!(f[0].severity, doctor::model::finding::Severity::Error);
    assert!(
        f[0].summary
            .contains("the TLSv1.3 CertificateVerify (ECDSA_NISTP256_SHA256)"),
        "{}",
        f[0].summary
    );
    assert_eq!(f[0].evidence["signatures"][0]["seen_in"], "the handshake");
    assert_eq!(
        f[0].evidence["signatures"][0]["scheme"],
        "ECDSA_NISTP256_SHA256"
    );
}

#[test]
fn a_valid_unchecked_or_missing_signature_is_no_finding() {
    let valid = json!({"message": "CertificateVerify", "scheme": "ED25519", "verified": true});
    let unchecked = json!({"message": "ServerKeyExchange", "scheme": "RSA_PKCS1_SHA1", "verified": false,
                           "unchecked": true, "error": "the signature could not be checked"});
    for check in [valid, unchecked, json!(null)] {
        assert!(codes(&signed(check.clone())).is_empty(), "{check}");
    }
    // A saved report from before the check has no field at all.
    let base = json!({"banner": reply(220, &["mx"]), "ehlo": reply(250, &["mx", "STARTTLS"]), "capabilities": caps(&["STARTTLS"]), "starttls": reply(220, &["ready"])});
    let old = obs(
        base,
        json!({"completed": true, "chain": [], "signature_problem": null}),
        json!(null),
    );
    assert!(codes(&old).is_empty());
}

#[test]
fn the_scans_server_key_exchange_signatures_name_their_suite() {
    let mut v = serde_json::to_value(signed(json!({"message": "CertificateVerify",
        "scheme": "ECDSA_NISTP256_SHA256", "verified": true})))
    .expect("serialises");
    let bad = |suite: &str| {
        json!({"version": "TLSv1.2", "suite": suite, "check": {"message": "ServerKeyExchange",
               "scheme": "RSA_PSS_SHA256", "verified": false, "unchecked": false, "error": "does not verify"}})
    };
    let good = json!({"version": "TLSv1.2", "suite": "0xC02B TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256",
                      "check": {"message": "ServerKeyExchange", "scheme": "ECDSA_NISTP256_SHA256", "verified": true}});
    let scan = json!({"versions": {}, "scanned_chains": [], "scan_connections": 0, "scan_steps": [],
                      "scanned_signatures": [bad("0xC02F TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256"), good]});
    for (k, x) in scan.as_object().expect("object") {
        v[k] = x.clone();
    }
    let o: EndpointObservation = serde_json::from_value(v).expect("fixture parses");
    let f = diagnose(&o, None);
    assert_eq!(codes(&o), vec!["handshake-signature-invalid"]);
    let sigs = f[0].evidence["signatures"].as_array().expect("array");
    assert_eq!(sigs.len(), 1, "only the bad one: {sigs:?}");
    assert_eq!(sigs[0]["seen_in"], "the scan");
    assert_eq!(
        sigs[0]["suite"],
        "0xC02F TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256"
    );
    assert!(
        f[0].summary
            .contains("ServerKeyExchange for 0xC02F TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256"),
        "{}",
        f[0].summary
    );
}
