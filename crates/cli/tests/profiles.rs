//! Peer simulation (`--as`): from a server's observations alone, what each peer would negotiate,
//! or why it fails.

mod common;
use common::*;
use serde_json::Value;

fn sim<'a>(v: &'a Value, id: &str) -> &'a Value {
    v["endpoints"][0]["profiles"]
        .as_array()
        .and_then(|a| a.iter().find(|p| p["profile"] == id))
        .unwrap_or_else(|| panic!("no simulation for {id}: {}", v["endpoints"][0]["profiles"]))
}

fn run_as(scenario: &str, ids: &[&str]) -> Value {
    let mut args = vec!["--json"];
    for id in ids {
        args.push("--as");
        args.push(id);
    }
    check_scenario(scenario, &args).json()
}

#[test]
fn modern_server_suits_modern_peers() {
    let v = run_as(
        "good",
        &["python-3.10", "java-17", "openssl-3", "mta-sts-sender"],
    );
    for id in ["python-3.10", "java-17", "openssl-3", "mta-sts-sender"] {
        let s = sim(&v, id);
        assert_eq!(s["result"], "ok", "{id}: {s}");
        assert_eq!(s["negotiated"]["version"], "TLSv1.3", "{id}");
    }
    assert_eq!(v["verdict"]["status"], "ok");
}

#[test]
fn tls10_only_server() {
    let v = run_as("tls10-only", &["python-3.10", "java-8u291", "python-3.8"]);
    assert_eq!(sim(&v, "python-3.10")["reason"], "no-common-version");
    assert_eq!(sim(&v, "java-8u291")["reason"], "no-common-version");
    let old = sim(&v, "python-3.8");
    assert_eq!(old["result"], "ok", "{old}");
    assert_eq!(old["negotiated"]["version"], "TLSv1.0");
}

#[test]
fn names_and_self_signed_for_gmail() {
    let v = run_as("wrong-name", &["gmail-send-as", "gmail-mx"]);
    assert_eq!(sim(&v, "gmail-send-as")["reason"], "name-not-covered");
    assert_eq!(
        sim(&v, "gmail-mx")["result"],
        "ok",
        "an opportunistic sender does not check names"
    );
    let v = run_as(
        "self-signed",
        &["gmail-send-as", "python-smtplib-unverified"],
    );
    assert_eq!(sim(&v, "gmail-send-as")["reason"], "self-signed");
    assert_eq!(
        sim(&v, "python-smtplib-unverified")["result"],
        "ok",
        "smtplib's default context checks nothing"
    );
}

#[test]
fn missing_intermediate_java_fails_windows_fetches() {
    let v = run_as("chain-incomplete", &["java-17", "dotnet-windows"]);
    assert_eq!(sim(&v, "java-17")["reason"], "chain-not-trusted");
    assert_eq!(
        sim(&v, "dotnet-windows")["result"],
        "ok",
        "Windows fetches the intermediate through AIA"
    );
}

#[test]
fn cipher_and_dh_mismatches() {
    let v = run_as("tls10-tls12-cbc", &["python-3.10"]);
    assert_eq!(
        sim(&v, "python-3.10")["reason"],
        "no-common-suite",
        "Python 3.10+ offers no SHA-1 CBC or static-RSA suites"
    );
    let v = run_as("dhe-1024", &["openssl-3"]);
    assert_eq!(sim(&v, "openssl-3")["reason"], "dh-too-small");
}

#[test]
fn all_profiles_and_errors() {
    let v = run_as("good", &["all"]);
    let sims = v["endpoints"][0]["profiles"].as_array().expect("profiles");
    assert!(sims.len() >= 19, "every profile simulated");
    for id in [
        "gmail-mx",
        "gmail-send-as",
        "m365",
        "mta-sts-sender",
        "python-3.8",
        "python-3.10",
        "java-8",
        "java-8u291",
        "java-11",
        "java-17",
        "java-21",
        "openssl-1.0.1",
        "openssl-1.0.2",
        "openssl-1.1.1",
        "openssl-3",
        "postfix",
        "exim",
        "thunderbird",
        "apple-mail",
    ] {
        let _ = sim(&v, id);
    }
    // failing ones first
    let results: Vec<&str> = sims.iter().filter_map(|s| s["result"].as_str()).collect();
    let first_ok = results
        .iter()
        .position(|r| *r == "ok")
        .unwrap_or(results.len());
    assert!(
        results[first_ok..].iter().all(|r| *r != "fails"),
        "failing peers come first: {results:?}"
    );
    let r = check_scenario("good", &["--as", "no-such-peer"]);
    assert_eq!(r.code, 64);
    assert!(
        r.stderr.contains("python-3.10"),
        "names the profiles: {}",
        r.stderr
    );
    let r = run(&["profiles"]);
    assert_eq!(r.code, 0);
    assert!(r.stdout.contains("gmail-send-as") && r.stdout.contains("java-8u291"));
}
