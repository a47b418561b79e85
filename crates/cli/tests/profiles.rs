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

// The seed-like cases of the client-side issue.

#[test]
fn tls10_server_python310_client_fix_on_both_sides() {
    let v = run_as("tls10-only", &["python-3.10"]);
    let s = sim(&v, "python-3.10");
    assert_eq!(s["result"], "fails");
    assert_eq!(s["reason"], "no-common-version");
    assert!(s["detail"].as_str().unwrap().contains("TLSv1.0"), "{s}");
    assert!(
        s["fix_server"]
            .as_str()
            .unwrap()
            .contains("smtpd_tls_protocols"),
        "{s}"
    );
    let client = s["fix_client"].as_str().expect("a client-side fix");
    assert!(
        client.contains("ctx.minimum_version = ssl.TLSVersion.TLSv1") && client.contains("stopgap"),
        "{client}"
    );
}

#[test]
fn name_entered_in_gmail_send_as() {
    let v = check_scenario(
        "good",
        &[
            "--json",
            "--as",
            "gmail-send-as",
            "--name",
            "mail.example.test",
        ],
    )
    .json();
    let s = sim(&v, "gmail-send-as");
    assert_eq!(s["reason"], "name-not-covered", "{s}");
    assert!(s["detail"].as_str().unwrap().contains("mail.example.test"));
    assert!(
        s["fix_server"]
            .as_str()
            .unwrap()
            .contains("mail.example.test")
    );
    assert_eq!(v["verdict"]["status"], "problems");
}

#[test]
fn omitted_intermediate_and_a_jks_without_it() {
    if !require(&[Need::Keytool]) {
        return;
    }
    use std::io::{Read, Write};
    let dir = tempfile::tempdir().expect("tmp");
    let jks = dir.path().join("cacerts.jks");
    let ca = lab().ca_file.to_str().unwrap().to_string();
    let st = std::process::Command::new("keytool")
        .args([
            "-importcert",
            "-noprompt",
            "-alias",
            "labroot",
            "-file",
            &ca,
            "-keystore",
            jks.to_str().unwrap(),
            "-storetype",
            "JKS",
            "-storepass",
            "changeit",
        ])
        .output()
        .expect("keytool");
    assert!(st.status.success());
    // A loopback AIA server with the intermediate, as the CA would publish it.
    let good = check_scenario("good", &["--json", "--quick"]).json();
    let der = {
        use base64::Engine;
        base64::engine::general_purpose::STANDARD
            .decode(good["endpoints"][0]["tls"]["chain"][1].as_str().unwrap())
            .unwrap()
    };
    let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = l.local_addr().unwrap().port();
    std::thread::spawn(move || {
        for mut s in l.incoming().flatten() {
            let _ = s.read(&mut [0u8; 2048]);
            let mut a =
                format!("HTTP/1.1 200 OK\r\nContent-Length: {}\r\n\r\n", der.len()).into_bytes();
            a.extend_from_slice(&der);
            let _ = s.write_all(&a);
        }
    });
    let missing = dir.path().join("missing.pem");
    let addr = lab().addrs["chain-incomplete"];
    let r = run(&[
        "check",
        &format!("mx.lab.test:{}", addr.port()),
        "--resolve",
        &format!("mx.lab.test:{}", addr.ip()),
        "--truststore",
        jks.to_str().unwrap(),
        "--as",
        "java-17",
        "--connect-to",
        &format!("ca.lab.test:80:127.0.0.1:{port}"),
        "--export-chain",
        missing.to_str().unwrap(),
        "--json",
    ]);
    let v = r.json();
    let s = &v["endpoints"][0]["profiles"][0];
    assert_eq!(s["profile"], "java-17");
    assert_eq!(s["reason"], "chain-not-trusted", "{s}");
    assert!(
        s["fix_client"]
            .as_str()
            .unwrap()
            .contains("keytool -importcert"),
        "{s}"
    );
    assert!(
        std::fs::read_to_string(&missing)
            .unwrap()
            .contains("BEGIN CERTIFICATE"),
        "the missing certificate exported"
    );
    assert!(
        r.stderr.contains("keytool -importcert") && r.stderr.contains(jks.to_str().unwrap()),
        "{}",
        r.stderr
    );
    // The server omits it: the finding says the server alone is wrong.
    assert_eq!(
        v["endpoints"][0]["findings"][0]["evidence"]["after_fetch"],
        "trusted"
    );
}
