//! The domain judgement is a pure function of recorded observations: these fixtures are domain
//! observations as JSON (as in a saved domain report) and the findings and sender outcomes they
//! must give. No network, no certificate: endpoint reports are JSON too, with a chain analysis
//! written out where a valid certificate is needed.

use doctor::judge::domain::judge_domain;
use doctor::model::domain::DomainObservation;
use doctor::model::finding::Severity;
use doctor::model::options::TrustBase;
use doctor::model::report::DomainReport;
use doctor::model::report::EndpointReport;
use doctor::model::report::SenderOutcome;
use doctor::model::trust::TrustStore;
use serde_json::{Value, json};
use time::OffsetDateTime;

const DOMAIN: &str = "example.test";
const MX1: &str = "mx1.example.test";
const STS_TXT_NAME: &str = "_mta-sts.example.test";
const RPT_TXT_NAME: &str = "_smtp._tls.example.test";
const TLSA_MX1: &str = "_25._tcp.mx1.example.test";
const POLICY_URL: &str = "https://mta-sts.example.test/.well-known/mta-sts.txt";
const HASH: &str = "8cb0fc6c527506a053f4f14c8464bebbd6dede2738d11468dd953d7d6a3021f1";

// ---- Building observations ----

fn answer(name: &str, rtype: &str, outcome: &str, records: Value, dnssec: &str) -> Value {
    json!({
        "name": name,
        "rtype": rtype,
        "outcome": outcome,
        "records": records,
        "cname_chain": [],
        "dnssec": dnssec,
        "rcode": if outcome == "nxdomain" { "NXDOMAIN" } else { "NOERROR" },
        "error": null,
        "server": "192.0.2.53:53"
    })
}

/// A lookup that ended in an error (SERVFAIL, timeout, bogus data...).
fn failed(name: &str, rtype: &str, error: &str, dnssec: &str) -> Value {
    json!({
        "name": name,
        "rtype": rtype,
        "outcome": "error",
        "records": [],
        "cname_chain": [],
        "dnssec": dnssec,
        "rcode": "SERVFAIL",
        "error": error,
        "server": "192.0.2.53:53"
    })
}

fn mx(preference: u16, exchange: &str) -> Value {
    json!({"type": "MX", "preference": preference, "exchange": exchange})
}

fn txt(text: &str) -> Value {
    json!({"type": "TXT", "text": text})
}

fn tlsa(usage: u8, selector: u8, matching: u8) -> Value {
    json!({"type": "TLSA", "usage": usage, "selector": selector, "matching": matching, "data": HASH})
}

/// An MX host looked up: one A record (not validated), no AAAA, no TLSA.
fn host(name: &str, preference: Option<u16>) -> Value {
    json!({
        "host": name,
        "preference": preference,
        "a": answer(name, "A", "records", json!([{"type": "A", "address": "192.0.2.10"}]), "unauthenticated"),
        "aaaa": answer(name, "AAAA", "no-data", json!([]), "unauthenticated"),
        "overridden": false,
        "addresses": ["192.0.2.10"],
        "tlsa": [answer(&format!("_25._tcp.{name}"), "TLSA", "nxdomain", json!([]), "unauthenticated")],
        "skipped": null
    })
}

/// example.test: one MX (mx1), no MTA-STS, no TLS-RPT, no TLSA.
fn base() -> Value {
    json!({
        "domain": DOMAIN,
        "port": 25,
        "dns": {"servers": ["192.0.2.53:53"], "system": false, "dnssec": "the resolver's AD bit"},
        "mx": answer(DOMAIN, "MX", "records", json!([mx(10, MX1)]), "unauthenticated"),
        "hosts": [host(MX1, Some(10))],
        "mta_sts_txt": answer(STS_TXT_NAME, "TXT", "nxdomain", json!([]), "unauthenticated"),
        "mta_sts_policy": null,
        "tlsrpt_txt": answer(RPT_TXT_NAME, "TXT", "nxdomain", json!([]), "unauthenticated")
    })
}

fn sts_txt_ok() -> Value {
    answer(
        STS_TXT_NAME,
        "TXT",
        "records",
        json!([txt("v=STSv1; id=20240101T000000;")]),
        "unauthenticated",
    )
}

fn tlsrpt_ok() -> Value {
    answer(
        RPT_TXT_NAME,
        "TXT",
        "records",
        json!([txt("v=TLSRPTv1; rua=mailto:tlsrpt@example.test")]),
        "unauthenticated",
    )
}

/// A policy fetch that got an answer (no certificate chain recorded).
fn policy(status: u16, content_type: &str, body: &str) -> Value {
    json!({
        "url": POLICY_URL,
        "host": "mta-sts.example.test",
        "address": "192.0.2.80:443",
        "address_lookup": [],
        "tls_version": "TLSv1.3",
        "chain": [],
        "status": status,
        "content_type": content_type,
        "location": null,
        "body": body,
        "body_not_utf8": false,
        "phase": null,
        "error": null,
        "elapsed_ms": 12.5
    })
}

const POLICY_ENFORCE: &str =
    "version: STSv1\r\nmode: enforce\r\nmx: mx1.example.test\r\nmax_age: 604800\r\n";
const POLICY_TESTING: &str =
    "version: STSv1\r\nmode: testing\r\nmx: *.example.test\r\nmax_age: 604800\r\n";

/// A domain with a valid MTA-STS TXT record, this policy and a valid TLS-RPT record (so that
/// tlsrpt-missing does not mix in).
fn with_policy(policy: Value) -> Value {
    let mut o = base();
    o["mta_sts_txt"] = sts_txt_ok();
    o["tlsrpt_txt"] = tlsrpt_ok();
    o["mta_sts_policy"] = policy;
    o
}

/// One MX endpoint that greets, offers STARTTLS and completes TLS 1.3. With `valid_cert`, its
/// chain analysis (written out, no certificate needed) says trusted and covering the name.
fn endpoint(name: &str, address: &str, valid_cert: bool) -> EndpointReport {
    let reply = |code: u16, line: &str| json!({"code": code, "lines": [line]});
    let analysis = if valid_cert {
        json!({
            "certificates": [],
            "unparsable": [],
            "trust": {"status": "trusted", "anchor": "Example Test Root"},
            "order_problems": [],
            "time_problems": [],
            "covered_names": [name],
            "names": [{"name": name, "covered": true, "matched_by": name}],
            "weak_keys": [],
            "weak_signatures": []
        })
    } else {
        Value::Null
    };
    serde_json::from_value(json!({
        "name": name,
        "address": address,
        "mode": "starttls",
        "ehlo_name": "probe.example.net",
        "smtp": {
            "banner": reply(220, "mx ESMTP"),
            "ehlo": {"code": 250, "lines": ["mx", "PIPELINING", "STARTTLS"]},
            "capabilities": {"greeting": "mx", "capabilities": [
                {"keyword": "PIPELINING", "params": []},
                {"keyword": "STARTTLS", "params": []}
            ]},
            "starttls": reply(220, "2.0.0 Ready to start TLS")
        },
        "tls": {"completed": true, "version": "TLSv1.3", "chain": []},
        "failure": null,
        "timings": {"total_ms": 1.0},
        "transcript": [],
        "chain_analysis": analysis,
        "findings": []
    }))
    .expect("endpoint fixture parses")
}

/// mx1 on 192.0.2.10, TLS 1.3, certificate valid for mx1.
fn mx1_ok() -> Vec<EndpointReport> {
    vec![endpoint(MX1, "192.0.2.10:25", true)]
}

// ---- Judging ----

fn trust() -> TrustStore {
    TrustStore::load_with(TrustBase::None, &[], &[], None).expect("an empty trust store")
}

fn now() -> OffsetDateTime {
    OffsetDateTime::from_unix_timestamp(1_767_225_600).expect("2026-01-01")
}

fn observation(v: Value) -> DomainObservation {
    serde_json::from_value(v).expect("domain fixture parses")
}

fn judge(v: Value, endpoints: &[EndpointReport]) -> DomainReport {
    judge_domain(observation(v), endpoints, &trust(), now(), 30)
}

fn codes(r: &DomainReport) -> Vec<&str> {
    r.findings.iter().map(|f| f.code.as_str()).collect()
}

fn summary<'a>(r: &'a DomainReport, code: &str) -> &'a str {
    r.findings
        .iter()
        .find(|f| f.code == code)
        .map(|f| f.summary.as_str())
        .unwrap_or_else(|| panic!("no {code} finding in {:?}", codes(r)))
}

fn sender<'a>(r: &'a DomainReport, kind: &str) -> &'a SenderOutcome {
    r.senders
        .iter()
        .find(|s| s.kind == kind)
        .unwrap_or_else(|| panic!("no {kind} sender in {:?}", r.senders))
}

/// (opportunistic, mta-sts, dane) results.
fn results(r: &DomainReport) -> (&str, &str, &str) {
    (
        sender(r, "opportunistic").result.as_str(),
        sender(r, "mta-sts").result.as_str(),
        sender(r, "dane").result.as_str(),
    )
}

fn assert_contains(hay: &str, needle: &str) {
    assert!(hay.contains(needle), "{needle:?} not in {hay:?}");
}

/// The policy fetch recorded no chain: nothing to judge, no certificate finding.
fn assert_no_policy_cert_finding(r: &DomainReport) {
    assert!(r.policy_chain.is_none(), "{:?}", r.policy_chain);
    assert!(
        !codes(r).contains(&"mta-sts-policy-cert-invalid"),
        "{:?}",
        codes(r)
    );
}

// ---- Baseline ----

#[test]
fn plain_domain_without_mta_sts_tlsa_or_tlsrpt_has_no_findings() {
    let r = judge(base(), &mx1_ok());
    assert!(r.findings.is_empty(), "{:?}", r.findings);
    assert_eq!(results(&r), ("tls", "tls", "tls"));
    assert_eq!(sender(&r, "opportunistic").detail, "mx1.example.test: tls");
    assert_contains(&sender(&r, "mta-sts").detail, "no MTA-STS policy");
    assert_contains(&sender(&r, "dane").detail, "no secure TLSA records");
    assert_eq!(r.mx_results.len(), 1);
    let m = &r.mx_results[0];
    assert_eq!((m.host.as_str(), m.preference), (MX1, Some(10)));
    assert_eq!(m.tlsa, "none");
    assert_eq!(m.mta_sts_covered, None);
    assert_eq!(m.addresses[0].status, "ok");
    assert!(m.addresses[0].certificate_valid);
    assert!(r.policy.is_none());
}

#[test]
fn no_endpoint_reports_means_no_usable_mx() {
    let r = judge(base(), &[]);
    assert!(r.findings.is_empty(), "{:?}", r.findings);
    assert_eq!(results(&r), ("fails", "fails", "fails"));
    assert_eq!(sender(&r, "opportunistic").detail, "no MX host is usable");
}

// ---- MX ----

#[test]
fn null_mx_alone_is_mx_null_only_and_no_mail() {
    let mut o = base();
    o["mx"] = answer(
        DOMAIN,
        "MX",
        "records",
        json!([mx(0, "")]),
        "unauthenticated",
    );
    o["hosts"] = json!([]);
    let r = judge(o, &[]);
    assert_eq!(codes(&r), vec!["mx-null"]);
    assert_eq!(r.findings[0].severity, Severity::Note);
    let s = summary(&r, "mx-null");
    assert_contains(s, "null MX");
    assert_contains(s, "accepts no mail");
    assert_eq!(results(&r), ("no-mail", "no-mail", "no-mail"));
    assert_contains(&sender(&r, "opportunistic").detail, "bounce at once");
    assert!(r.mx_results.is_empty());
}

#[test]
fn null_mx_beside_real_mx_is_mx_host_invalid() {
    let mut o = base();
    o["mx"] = answer(
        DOMAIN,
        "MX",
        "records",
        json!([mx(0, ""), mx(10, MX1)]),
        "unauthenticated",
    );
    let r = judge(o, &mx1_ok());
    assert_eq!(codes(&r), vec!["mx-host-invalid"]);
    let s = summary(&r, "mx-host-invalid");
    assert_contains(s, "null MX");
    assert_contains(s, "RFC 7505 §3 allows it only alone");
    assert_eq!(
        r.findings[0].evidence["mx"].as_array().map(Vec::len),
        Some(2)
    );
    // The real MX still takes mail: this is no null MX.
    assert_eq!(results(&r), ("tls", "tls", "tls"));
}

#[test]
fn mx_no_data_is_mx_implicit() {
    let mut o = base();
    o["mx"] = answer(DOMAIN, "MX", "no-data", json!([]), "unauthenticated");
    o["hosts"] = json!([host(DOMAIN, None)]);
    let r = judge(o, &[endpoint(DOMAIN, "192.0.2.10:25", true)]);
    assert_eq!(codes(&r), vec!["mx-implicit"]);
    assert_eq!(r.findings[0].severity, Severity::Warning);
    let s = summary(&r, "mx-implicit");
    assert_contains(s, "example.test has no MX record");
    assert_contains(s, "(192.0.2.10)");
    assert_eq!(r.findings[0].evidence["addresses"], json!(["192.0.2.10"]));
    assert_eq!(results(&r), ("tls", "tls", "tls"));
    assert_eq!(sender(&r, "opportunistic").detail, "example.test: tls");
    assert_eq!(r.mx_results[0].preference, None);
}

#[test]
fn ip_literal_mx_is_skipped_and_mx_host_invalid() {
    let why = "the MX target '192.0.2.1' is an IP address written as a name; RFC 5321 §5.1 requires a host name, and senders do not use it as an address";
    let mut o = base();
    o["mx"] = answer(
        DOMAIN,
        "MX",
        "records",
        json!([mx(10, "192.0.2.1")]),
        "unauthenticated",
    );
    o["hosts"] = json!([{
        "host": "192.0.2.1", "preference": 10, "a": null, "aaaa": null, "overridden": false,
        "addresses": [], "tlsa": [], "skipped": why
    }]);
    let r = judge(o, &[]);
    assert_eq!(codes(&r), vec!["mx-host-invalid"]);
    assert_eq!(summary(&r, "mx-host-invalid"), why);
    assert_eq!(r.findings[0].evidence["host"], json!("192.0.2.1"));
    assert_eq!(r.findings[0].evidence["lookup_errors"], json!([]));
    assert_eq!(r.mx_results[0].skipped.as_deref(), Some(why));
    assert_eq!(r.mx_results[0].tlsa, "none");
    assert_eq!(results(&r), ("fails", "fails", "fails"));
    assert_eq!(sender(&r, "dane").detail, "no MX host is usable");
}

#[test]
fn mx_without_address_is_mx_host_invalid_with_the_lookup_error() {
    let mut h = host(MX1, Some(10));
    h["a"] = failed(
        MX1,
        "A",
        "SERVFAIL from 192.0.2.53:53 for mx1.example.test A",
        "unauthenticated",
    );
    h["addresses"] = json!([]);
    h["skipped"] = json!("mx1.example.test has no address (no A or AAAA record)");
    let mut o = base();
    o["hosts"] = json!([h]);
    let r = judge(o, &[]);
    assert_eq!(codes(&r), vec!["mx-host-invalid"]);
    assert_eq!(
        summary(&r, "mx-host-invalid"),
        "mx1.example.test has no address (no A or AAAA record); SERVFAIL from 192.0.2.53:53 for mx1.example.test A"
    );
    assert_eq!(results(&r), ("fails", "fails", "fails"));
}

// ---- MTA-STS TXT ----

#[test]
fn mta_sts_txt_lookup_error_is_txt_invalid() {
    let mut o = base();
    o["mta_sts_txt"] = failed(
        STS_TXT_NAME,
        "TXT",
        "SERVFAIL from 192.0.2.53:53 for _mta-sts.example.test TXT",
        "unauthenticated",
    );
    let r = judge(o, &mx1_ok());
    assert_eq!(codes(&r), vec!["mta-sts-txt-invalid"]);
    let s = summary(&r, "mta-sts-txt-invalid");
    assert_contains(s, "_mta-sts.example.test TXT lookup failed");
    assert_contains(s, "SERVFAIL from 192.0.2.53:53");
    assert!(r.policy.is_none());
    assert_eq!(results(&r), ("tls", "tls", "tls"));
    assert_contains(&sender(&r, "mta-sts").detail, "no MTA-STS policy");
}

#[test]
fn two_sts_records_are_txt_invalid_and_the_policy_unusable() {
    let mut o = with_policy(policy(200, "text/plain", POLICY_ENFORCE));
    o["mta_sts_txt"] = answer(
        STS_TXT_NAME,
        "TXT",
        "records",
        json!([txt("v=STSv1; id=20240101;"), txt("v=STSv1; id=20240202;")]),
        "unauthenticated",
    );
    let r = judge(o, &mx1_ok());
    assert_eq!(codes(&r), vec!["mta-sts-txt-invalid"]);
    let s = summary(&r, "mta-sts-txt-invalid");
    assert_contains(s, "_mta-sts.example.test: 2 records start with v=STSv1");
    assert_contains(s, "exactly one");
    // The policy itself parses, but senders do not use it without a valid TXT record.
    let p = r.policy.as_ref().expect("policy summary");
    assert_eq!(p.mode.as_deref(), Some("enforce"));
    assert!(!p.usable);
    assert_eq!(r.mx_results[0].mta_sts_covered, None);
    assert_eq!(results(&r), ("tls", "tls", "tls"));
    assert_no_policy_cert_finding(&r);
}

#[test]
fn txt_records_that_are_not_sts_give_no_mta_sts_finding() {
    let mut o = base();
    o["mta_sts_txt"] = answer(
        STS_TXT_NAME,
        "TXT",
        "records",
        json!([txt("google-site-verification=abcdefghijklmnop")]),
        "unauthenticated",
    );
    let r = judge(o, &mx1_ok());
    // Not even tlsrpt-missing: the domain does not deploy MTA-STS.
    assert!(r.findings.is_empty(), "{:?}", r.findings);
    assert!(r.policy.is_none());
    assert_eq!(results(&r), ("tls", "tls", "tls"));
    assert_contains(&sender(&r, "mta-sts").detail, "no MTA-STS policy");
}

// ---- MTA-STS policy fetch ----

#[test]
fn policy_connect_error_is_unreachable() {
    let mut p = policy(200, "text/plain", "");
    p["status"] = Value::Null;
    p["content_type"] = Value::Null;
    p["body"] = Value::Null;
    p["tls_version"] = Value::Null;
    p["phase"] = json!("connect");
    p["error"] = json!("cannot connect to 192.0.2.80:443: Connection refused (os error 111)");
    let r = judge(with_policy(p), &mx1_ok());
    assert_eq!(codes(&r), vec!["mta-sts-policy-unreachable"]);
    let s = summary(&r, "mta-sts-policy-unreachable");
    assert_contains(s, POLICY_URL);
    assert_contains(s, "cannot be fetched (connect phase)");
    assert_contains(s, "Connection refused");
    assert_eq!(r.findings[0].evidence["phase"], json!("connect"));
    let ps = r.policy.as_ref().expect("policy summary");
    assert!(!ps.usable);
    assert_eq!(ps.mode, None);
    assert_eq!(results(&r), ("tls", "tls", "tls"));
    assert_no_policy_cert_finding(&r);
}

#[test]
fn policy_redirect_is_unreachable_naming_the_redirect() {
    let mut p = policy(301, "text/html", "<html>Moved</html>");
    p["location"] = json!("https://www.example.test/mta-sts.txt");
    let r = judge(with_policy(p), &mx1_ok());
    assert_eq!(codes(&r), vec!["mta-sts-policy-unreachable"]);
    let s = summary(&r, "mta-sts-policy-unreachable");
    assert_contains(s, "answers 301");
    assert_contains(s, "a redirect to https://www.example.test/mta-sts.txt");
    assert_contains(s, "forbids following redirects");
    assert_eq!(r.findings[0].evidence["status"], json!(301));
    // An unreachable policy is not judged for its content type or body.
    assert!(!codes(&r).contains(&"mta-sts-policy-invalid"));
    assert!(!r.policy.as_ref().expect("policy summary").usable);
    assert_eq!(results(&r), ("tls", "tls", "tls"));
    assert_no_policy_cert_finding(&r);
}

#[test]
fn policy_served_as_html_is_invalid() {
    let r = judge(
        with_policy(policy(200, "text/html; charset=utf-8", POLICY_ENFORCE)),
        &mx1_ok(),
    );
    assert_eq!(codes(&r), vec!["mta-sts-policy-invalid"]);
    let s = summary(&r, "mta-sts-policy-invalid");
    assert_contains(
        s,
        "Content-Type is text/html; charset=utf-8 instead of text/plain",
    );
    let p = r.policy.as_ref().expect("policy summary");
    assert_eq!(p.mode.as_deref(), Some("enforce"));
    assert!(!p.usable);
    assert_eq!(results(&r), ("tls", "tls", "tls"));
    assert_no_policy_cert_finding(&r);
}

#[test]
fn policy_mode_enforced_is_invalid() {
    let body = "version: STSv1\r\nmode: enforced\r\nmx: mx1.example.test\r\nmax_age: 604800\r\n";
    let r = judge(with_policy(policy(200, "text/plain", body)), &mx1_ok());
    assert_eq!(codes(&r), vec!["mta-sts-policy-invalid"]);
    let s = summary(&r, "mta-sts-policy-invalid");
    assert_contains(s, "line 2: mode must be one of enforce, testing or none");
    assert_contains(s, "enforced");
    let p = r.policy.as_ref().expect("policy summary");
    assert_eq!(p.mode, None);
    assert!(!p.usable);
    assert_eq!(results(&r), ("tls", "tls", "tls"));
    assert_no_policy_cert_finding(&r);
}

#[test]
fn policy_with_lf_line_endings_is_nonstandard_but_enforced() {
    let body = "version: STSv1\nmode: enforce\nmx: mx1.example.test\nmax_age: 604800\n";
    let r = judge(
        with_policy(policy(200, "text/plain; charset=utf-8", body)),
        &mx1_ok(),
    );
    assert_eq!(codes(&r), vec!["mta-sts-policy-nonstandard"]);
    assert_eq!(r.findings[0].severity, Severity::Warning);
    let s = summary(&r, "mta-sts-policy-nonstandard");
    assert_contains(s, "bends RFC 8461");
    assert_contains(s, "4 of 4 line endings are a bare LF");
    let p = r.policy.as_ref().expect("policy summary");
    assert!(p.usable);
    assert_eq!(p.mode.as_deref(), Some("enforce"));
    assert_eq!(p.max_age, Some(604_800));
    assert_eq!(p.mx, vec![MX1.to_string()]);
    assert_eq!(r.mx_results[0].mta_sts_covered, Some(true));
    // The only MX has a valid certificate: enforcing senders deliver, verified.
    assert_eq!(results(&r), ("tls", "verified-tls", "tls"));
    assert_contains(&sender(&r, "mta-sts").detail, "policy in enforce mode");
    assert_no_policy_cert_finding(&r);
}

#[test]
fn policy_in_testing_mode_is_a_note() {
    let r = judge(
        with_policy(policy(200, "text/plain", POLICY_TESTING)),
        &mx1_ok(),
    );
    assert_eq!(codes(&r), vec!["mta-sts-testing"]);
    assert_eq!(r.findings[0].severity, Severity::Note);
    assert_contains(summary(&r, "mta-sts-testing"), "testing mode");
    let p = r.policy.as_ref().expect("policy summary");
    assert!(p.usable);
    assert_eq!(p.mode.as_deref(), Some("testing"));
    assert!(p.warnings.is_empty(), "{:?}", p.warnings);
    assert_eq!(r.mx_results[0].mta_sts_covered, Some(true));
    assert_eq!(results(&r), ("tls", "tls", "tls"));
    assert_contains(
        &sender(&r, "mta-sts").detail,
        "policy in testing mode (not enforced)",
    );
    assert_no_policy_cert_finding(&r);
}

/// `senders()` has a branch for a fetched but unusable policy ("the MTA-STS policy is unusable:
/// they behave as opportunistic senders"), but `judge_domain` passes it `usable_policy` (the
/// summary filtered on `usable`), so that branch never runs and an invalid, unreachable or
/// TXT-orphaned policy is described as "no MTA-STS policy".
#[test]
fn unusable_policy_is_named_in_the_mta_sts_sender_detail() {
    for p in [
        policy(200, "text/html", POLICY_ENFORCE),
        policy(404, "text/html", "not found"),
    ] {
        let r = judge(with_policy(p), &mx1_ok());
        assert!(!r.policy.as_ref().expect("policy summary").usable);
        let d = &sender(&r, "mta-sts").detail;
        assert_contains(d, "the MTA-STS policy is unusable");
        assert!(!d.contains("no MTA-STS policy"), "{d}");
    }
}

// ---- TLS-RPT ----

#[test]
fn tlsrpt_with_ftp_rua_is_invalid() {
    let mut o = base();
    o["tlsrpt_txt"] = answer(
        RPT_TXT_NAME,
        "TXT",
        "records",
        json!([txt("v=TLSRPTv1; rua=ftp://reports.example.test/tlsrpt")]),
        "unauthenticated",
    );
    let r = judge(o, &mx1_ok());
    assert_eq!(codes(&r), vec!["tlsrpt-invalid"]);
    let s = summary(&r, "tlsrpt-invalid");
    assert_contains(s, "_smtp._tls.example.test");
    assert_contains(s, "\"ftp:\"");
    assert_contains(s, "only mailto: and https: are allowed");
    assert_eq!(results(&r), ("tls", "tls", "tls"));
}

#[test]
fn tlsrpt_missing_beside_mta_sts() {
    let mut o = with_policy(policy(200, "text/plain", POLICY_ENFORCE));
    o["tlsrpt_txt"] = answer(
        RPT_TXT_NAME,
        "TXT",
        "nxdomain",
        json!([]),
        "unauthenticated",
    );
    let r = judge(o, &mx1_ok());
    assert_eq!(codes(&r), vec!["tlsrpt-missing"]);
    assert_eq!(r.findings[0].severity, Severity::Note);
    let s = summary(&r, "tlsrpt-missing");
    assert_contains(s, "deploys MTA-STS but publishes no _smtp._tls TXT record");
    assert_eq!(results(&r), ("tls", "verified-tls", "tls"));
}

#[test]
fn tlsrpt_absent_without_mta_sts_or_tlsa_is_nothing() {
    let mut o = base();
    o["tlsrpt_txt"] = answer(RPT_TXT_NAME, "TXT", "no-data", json!([]), "unauthenticated");
    let r = judge(o, &mx1_ok());
    assert!(r.findings.is_empty(), "{:?}", r.findings);
    assert_eq!(results(&r), ("tls", "tls", "tls"));
}

// ---- DANE ----

/// base() with a valid TLS-RPT record and these TLSA lookups for mx1.
fn with_tlsa(tlsa_answers: Value) -> Value {
    let mut o = base();
    o["tlsrpt_txt"] = tlsrpt_ok();
    o["hosts"][0]["tlsa"] = tlsa_answers;
    o
}

#[test]
fn tlsa_lookup_error_is_lookup_failed_and_dane_senders_fail() {
    let o = with_tlsa(json!([failed(
        TLSA_MX1,
        "TLSA",
        "DNSSEC validation of _25._tcp.mx1.example.test TLSA failed: the data is bogus (bad or expired signatures, or a missing DNSKEY)",
        "bogus"
    )]));
    let r = judge(o, &mx1_ok());
    assert_eq!(codes(&r), vec!["dane-tlsa-lookup-failed"]);
    let s = summary(&r, "dane-tlsa-lookup-failed");
    assert_contains(
        s,
        "the TLSA lookup _25._tcp.mx1.example.test for MX mx1.example.test failed",
    );
    assert_contains(s, "the data is bogus");
    assert_eq!(r.mx_results[0].tlsa, "lookup-failed");
    assert_eq!(r.mx_results[0].tlsa_name.as_deref(), Some(TLSA_MX1));
    assert_eq!(results(&r), ("tls", "tls", "fails"));
}

#[test]
fn tlsa_lookup_error_without_tlsrpt_also_says_tlsrpt_missing() {
    let mut o = with_tlsa(json!([failed(
        TLSA_MX1,
        "TLSA",
        "timeout",
        "unauthenticated"
    )]));
    o["tlsrpt_txt"] = answer(
        RPT_TXT_NAME,
        "TXT",
        "nxdomain",
        json!([]),
        "unauthenticated",
    );
    let r = judge(o, &mx1_ok());
    assert_eq!(codes(&r), vec!["dane-tlsa-lookup-failed", "tlsrpt-missing"]);
    assert_contains(summary(&r, "tlsrpt-missing"), "deploys DANE");
}

#[test]
fn unauthenticated_tlsa_is_dane_unsigned() {
    let o = with_tlsa(json!([answer(
        TLSA_MX1,
        "TLSA",
        "records",
        json!([tlsa(3, 1, 1)]),
        "unauthenticated"
    )]));
    let r = judge(o, &mx1_ok());
    assert_eq!(codes(&r), vec!["dane-unsigned"]);
    let s = summary(&r, "dane-unsigned");
    assert_contains(
        s,
        "the TLSA records at _25._tcp.mx1.example.test are not DNSSEC-secure (unauthenticated)",
    );
    assert_contains(s, "DANE senders ignore them");
    assert_eq!(r.mx_results[0].tlsa, "unsigned");
    assert_eq!(r.mx_results[0].tlsa_records.len(), 1);
    // Not matched against the chain: DANE does not apply.
    assert!(r.mx_results[0].addresses[0].tlsa_results.is_empty());
    assert_eq!(results(&r), ("tls", "tls", "tls"));
    assert_contains(&sender(&r, "dane").detail, "no secure TLSA records");
}

/// mx1 with DNSSEC-secure address records.
fn secure_host(o: &mut Value) {
    o["hosts"][0]["a"]["dnssec"] = json!("secure");
    o["hosts"][0]["aaaa"]["dnssec"] = json!("secure");
}

#[test]
fn secure_tlsa_of_usage_0_and_1_is_unsuitable() {
    let mut o = with_tlsa(json!([answer(
        TLSA_MX1,
        "TLSA",
        "records",
        json!([tlsa(1, 1, 1), tlsa(0, 0, 1)]),
        "secure"
    )]));
    secure_host(&mut o);
    let r = judge(o, &mx1_ok());
    assert_eq!(codes(&r), vec!["dane-usage-unsuitable"]);
    let s = summary(&r, "dane-usage-unsuitable");
    assert_contains(s, "MX mx1.example.test: 2 of 2 TLSA records");
    assert_contains(s, &format!("1 1 1 {HASH}"));
    assert_contains(s, &format!("0 0 1 {HASH}"));
    let m = &r.mx_results[0];
    assert_eq!(m.tlsa, "secure");
    let res: Vec<&str> = m.addresses[0]
        .tlsa_results
        .iter()
        .map(|t| t.result.as_str())
        .collect();
    assert_eq!(res, vec!["unusable", "unusable"]);
    // RFC 7672 §2.2: secure but unusable records mean mandatory, unauthenticated TLS.
    assert_eq!(results(&r), ("tls", "tls", "tls"));
    assert!(
        !sender(&r, "dane").detail.contains("no secure TLSA records"),
        "{}",
        sender(&r, "dane").detail
    );
}

#[test]
fn secure_tlsa_with_insecure_address_records_is_dane_unsigned() {
    // The TLSA answer is secure, the A answer (from base()) is not.
    let o = with_tlsa(json!([answer(
        TLSA_MX1,
        "TLSA",
        "records",
        json!([tlsa(3, 1, 1)]),
        "secure"
    )]));
    let r = judge(o, &mx1_ok());
    assert_eq!(codes(&r), vec!["dane-unsigned"]);
    let s = summary(&r, "dane-unsigned");
    assert_contains(
        s,
        "the TLSA records at _25._tcp.mx1.example.test are secure, but the address records of mx1.example.test are not",
    );
    assert_eq!(r.mx_results[0].tlsa, "unsigned");
    assert_eq!(results(&r), ("tls", "tls", "tls"));
}

#[test]
fn secure_tlsa_with_overridden_addresses_applies() {
    // --resolve gave the address: the A record's DNSSEC status does not count.
    let mut o = with_tlsa(json!([answer(
        TLSA_MX1,
        "TLSA",
        "records",
        json!([tlsa(3, 1, 1)]),
        "secure"
    )]));
    o["hosts"][0]["overridden"] = json!(true);
    let r = judge(o, &mx1_ok());
    // DANE applies; the endpoint fixture sends no certificate, so nothing matches.
    assert_eq!(codes(&r), vec!["dane-tlsa-mismatch"]);
    assert_eq!(r.mx_results[0].tlsa, "secure");
    assert_eq!(
        r.mx_results[0].addresses[0].tlsa_results[0].result,
        "no-match"
    );
    assert_eq!(results(&r), ("tls", "tls", "fails"));
}

/// RFC 7672 §2.1.1/§2.2 and the project's own words (`Dnssec::Bogus`: "validating senders refuse
/// the data"; registry dane-tlsa-lookup-failed: "SERVFAIL, a timeout, or DNSSEC-bogus data"):
/// bogus TLSA data is a lookup failure, after which DANE senders defer. `validated_lookup`
/// (dns.rs) records answers whose records carry a bogus proof as outcome "records" with dnssec
/// "bogus".
#[test]
fn bogus_tlsa_records_are_a_lookup_failure() {
    let mut o = with_tlsa(json!([answer(
        TLSA_MX1,
        "TLSA",
        "records",
        json!([tlsa(3, 1, 1)]),
        "bogus"
    )]));
    secure_host(&mut o);
    let r = judge(o, &mx1_ok());
    assert_eq!(codes(&r), vec!["dane-tlsa-lookup-failed"]);
    assert_eq!(r.mx_results[0].tlsa, "lookup-failed");
    assert_eq!(sender(&r, "dane").result, "fails");
}

/// As above, for a bogus denial of existence (`validated_lookup` maps an NSEC error with a bogus
/// proof to outcome "no-data"/"nxdomain" with dnssec "bogus").
#[test]
fn bogus_tlsa_denial_is_a_lookup_failure() {
    let mut o = with_tlsa(json!([answer(
        TLSA_MX1,
        "TLSA",
        "no-data",
        json!([]),
        "bogus"
    )]));
    secure_host(&mut o);
    let r = judge(o, &mx1_ok());
    assert_eq!(codes(&r), vec!["dane-tlsa-lookup-failed"]);
    assert_eq!(r.mx_results[0].tlsa, "lookup-failed");
    assert_eq!(sender(&r, "dane").result, "fails");
}

// ---- Determinism and replay ----

/// An observation that gives several findings of every part of the judge.
fn busy_observation() -> Value {
    let mut o = with_policy(policy(
        200,
        "text/plain",
        "version: STSv1\nmode: testing\nmx: mx1.example.test\nmax_age: 3600\n",
    ));
    o["mx"] = answer(
        DOMAIN,
        "MX",
        "records",
        json!([mx(10, MX1), mx(20, "192.0.2.1")]),
        "unauthenticated",
    );
    o["hosts"] = json!([host(MX1, Some(10)), {
        "host": "192.0.2.1", "preference": 20, "a": null, "aaaa": null, "overridden": false,
        "addresses": [], "tlsa": [], "skipped": "an IP address written as a name"
    }]);
    o["hosts"][0]["tlsa"] = json!([answer(
        TLSA_MX1,
        "TLSA",
        "records",
        json!([tlsa(3, 1, 1)]),
        "unauthenticated"
    )]);
    o["tlsrpt_txt"] = answer(
        RPT_TXT_NAME,
        "TXT",
        "records",
        json!([txt("v=TLSRPTv1; rua=ftp://x.example.test/")]),
        "unauthenticated",
    );
    o
}

#[test]
fn busy_observation_gives_its_findings() {
    let r = judge(busy_observation(), &mx1_ok());
    let mut c = codes(&r);
    c.sort_unstable();
    assert_eq!(
        c,
        vec![
            "dane-unsigned",
            // The skipped IP-literal MX is mx-host-invalid, not also "not covered".
            "mta-sts-policy-nonstandard",
            "mta-sts-testing",
            "mx-host-invalid",
            "tlsrpt-invalid",
        ]
    );
}

#[test]
fn same_input_judged_twice_is_identical() {
    let eps = mx1_ok();
    let a = judge(busy_observation(), &eps);
    let b = judge(busy_observation(), &eps);
    assert_eq!(a, b);
    assert_eq!(
        serde_json::to_string(&a).expect("serializes"),
        serde_json::to_string(&b).expect("serializes")
    );
}

#[test]
fn saved_report_judges_again_identically() {
    let eps = mx1_ok();
    let first = judge(busy_observation(), &eps);
    let saved = serde_json::to_string_pretty(&first).expect("serializes");
    // The observation is flattened into the report: read it back from the saved report.
    let obs: DomainObservation = serde_json::from_str(&saved).expect("observation reads back");
    assert_eq!(obs, first.observation);
    let again = judge_domain(obs, &eps, &trust(), now(), 30);
    assert_eq!(again, first);
    assert_eq!(
        serde_json::to_string_pretty(&again).expect("serializes"),
        saved
    );
    // The whole report reads back too.
    let back: DomainReport = serde_json::from_str(&saved).expect("report reads back");
    assert_eq!(back, first);
}

/// With `--dnssec-validate`, an answer whose signatures do not validate is the error
/// `dnssec-bogus` naming it (an MX host's address and the TLS-RPT TXT here), never a quiet
/// "indeterminate".
#[test]
fn bogus_answers_are_an_error_finding() {
    let mut o = base();
    o["hosts"][0]["a"]["dnssec"] = json!("bogus");
    o["tlsrpt_txt"]["dnssec"] = json!("bogus");
    let r = judge(o, &mx1_ok());
    assert!(codes(&r).contains(&"dnssec-bogus"), "{:?}", codes(&r));
    let s = summary(&r, "dnssec-bogus");
    for part in [MX1, "A", RPT_TXT_NAME, "SERVFAIL"] {
        assert!(s.contains(part), "{part} in {s}");
    }
    let f = r.findings.iter().find(|f| f.code == "dnssec-bogus");
    assert_eq!(
        f.map(|f| f.severity),
        Some(doctor::model::finding::Severity::Error)
    );
    // Nothing bogus, no finding.
    let r = judge(base(), &mx1_ok());
    assert!(!codes(&r).contains(&"dnssec-bogus"));
}

// ---- Handshake signatures ----

/// A TLS 1.3 CertificateVerify that does not verify with the leaf's key.
fn bad_signature() -> Value {
    json!({"message": "CertificateVerify", "scheme": "ECDSA_NISTP256_SHA256", "verified": false,
           "unchecked": false, "error": "does not verify with the certificate's public key"})
}

/// mx1 serving the three bytes 00 00 00 as its "certificate" (a DANE-EE 3 0 0 record of them
/// matches without parsing), with this handshake signature check.
fn mx1_serving_bytes(signature: Value) -> Vec<EndpointReport> {
    let mut ep = serde_json::to_value(endpoint(MX1, "192.0.2.10:25", true)).expect("serialises");
    ep["tls"]["chain"] = json!(["AAAA"]);
    ep["tls"]["handshake_signature"] = signature;
    vec![serde_json::from_value(ep).expect("endpoint reads back")]
}

#[test]
fn a_dane_match_does_not_count_over_a_bad_handshake_signature() {
    let ee = json!({"type": "TLSA", "usage": 3, "selector": 0, "matching": 0, "data": "000000"});
    let mut o = with_tlsa(json!([answer(
        TLSA_MX1,
        "TLSA",
        "records",
        json!([ee]),
        "secure"
    )]));
    secure_host(&mut o);
    let good = json!({"message": "CertificateVerify", "scheme": "ECDSA_NISTP256_SHA256", "verified": true});
    let r = judge(o.clone(), &mx1_serving_bytes(good));
    assert!(r.findings.is_empty(), "{:?}", r.findings);
    assert_eq!(results(&r), ("tls", "tls", "verified-tls"));

    let r = judge(o, &mx1_serving_bytes(bad_signature()));
    assert_eq!(codes(&r), vec!["dane-tlsa-mismatch"]);
    assert_contains(
        summary(&r, "dane-tlsa-mismatch"),
        "the TLSv1.3 CertificateVerify (ECDSA_NISTP256_SHA256) signature does not verify",
    );
    let a = &r.mx_results[0].addresses[0];
    assert_eq!(a.status, "tls-failed");
    assert!(!a.certificate_valid);
    assert_eq!(a.tlsa_results[0].result, "no-match");
    assert_contains(&a.tlsa_results[0].detail, "the match does not count");
    assert_eq!(sender(&r, "dane").result, "fails");
}

#[test]
fn an_enforced_policy_fails_over_a_bad_handshake_signature() {
    let o = with_policy(policy(200, "text/plain", POLICY_ENFORCE));
    let r = judge(o.clone(), &mx1_ok());
    assert!(r.findings.is_empty(), "{:?}", r.findings);
    assert_eq!(sender(&r, "mta-sts").result, "verified-tls");
    // The MX's signature does not verify: no sender gets a verified connection there.
    let r = judge(o, &mx1_serving_bytes(bad_signature()));
    assert_eq!(sender(&r, "mta-sts").result, "fails");
    assert_eq!(r.mx_results[0].addresses[0].status, "tls-failed");
}

#[test]
fn a_policy_fetched_over_a_bad_handshake_signature_does_not_count() {
    let mut p = policy(200, "text/plain", POLICY_ENFORCE);
    p["handshake_signature"] = bad_signature();
    let r = judge(with_policy(p), &mx1_ok());
    assert!(
        codes(&r).contains(&"mta-sts-policy-cert-invalid"),
        "{:?}",
        codes(&r)
    );
    assert_contains(
        summary(&r, "mta-sts-policy-cert-invalid"),
        "its CertificateVerify signature (ECDSA_NISTP256_SHA256) does not verify",
    );
    assert!(
        !r.policy.as_ref().is_some_and(|p| p.usable),
        "{:?}",
        r.policy
    );
}
