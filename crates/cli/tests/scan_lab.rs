//! The scan against the lab's servers of known configuration: versions, suites, order, groups and
//! DHE size must equal the ground truth each scenario declares (checked there with OpenSSL and
//! rustls clients), and hostile answers must give "unknown", never a wrong "not offered".

mod common;
use common::*;
use serde_json::Value;

fn ids(v: &Value, version: &str) -> Vec<u16> {
    v["endpoints"][0]["versions"][version]["suites"]
        .as_array()
        .map(|a| {
            a.iter()
                .filter_map(|s| s["id"].as_str())
                .filter_map(|s| u16::from_str_radix(s.trim_start_matches("0x"), 16).ok())
                .collect()
        })
        .unwrap_or_default()
}

fn group_ids(names: &Value) -> Vec<String> {
    let mut g: Vec<String> = names["groups"]
        .as_array()
        .map(|a| {
            a.iter()
                .filter_map(|x| x.as_str().map(str::to_string))
                .collect()
        })
        .unwrap_or_default();
    g.sort();
    g
}

fn assert_truth(name: &str) {
    let s = lab::scenarios()
        .iter()
        .find(|s| s.name == name)
        .expect("scenario");
    let truth = s.expect_tls.expect("scenario with TLS ground truth");
    let r = check_scenario(name, &["--json"]);
    let v = r.json();
    let versions = &v["endpoints"][0]["versions"];
    for key in ["SSLv2", "SSLv3", "TLSv1.0", "TLSv1.1", "TLSv1.2", "TLSv1.3"] {
        let status = versions[key]["status"].as_str().unwrap_or("missing");
        if truth.versions.contains(&key) {
            assert_eq!(status, "offered", "{name} {key}: {}", versions[key]);
        } else {
            assert_ne!(
                status, "offered",
                "{name} {key} is not offered: {}",
                versions[key]
            );
        }
    }
    for (key, want) in truth.suites {
        let got = ids(&v, key);
        let order_known = versions[*key]["server_order"].as_bool();
        if truth.server_order == Some(true) {
            assert_eq!(&got, want, "{name} {key}: suites in the server's order");
        } else {
            let (mut g, mut w) = (got.clone(), want.to_vec());
            g.sort_unstable();
            w.sort_unstable();
            assert_eq!(g, w, "{name} {key}: suites");
        }
        if want.len() >= 2 {
            assert_eq!(
                order_known, truth.server_order,
                "{name} {key}: server order"
            );
        }
    }
    if let Some(groups) = truth.groups {
        let mut want: Vec<String> = groups.iter().map(|g| wire::tls::group_name(*g)).collect();
        want.sort();
        let ep = &v["endpoints"][0];
        if truth.versions.contains(&"TLSv1.3") {
            assert_eq!(
                group_ids(&ep["groups_tls13"]),
                want,
                "{name}: TLS 1.3 groups"
            );
        } else {
            assert_eq!(
                group_ids(&ep["groups_tls12"]),
                want,
                "{name}: TLS 1.2 curves"
            );
        }
    }
    if let Some(bits) = truth.dhe_bits {
        assert_eq!(v["endpoints"][0]["dhe_bits"], bits, "{name}: DHE bits");
    }
    eprintln!("{name}: {} connections", v["connections"]);
}

macro_rules! truth {
    ($($f:ident => $n:literal),* $(,)?) => { $( #[test] fn $f() { assert_truth($n) } )* };
}

truth! {
    tls10_tls12_cbc => "tls10-tls12-cbc",
    tls12_narrow_preference => "tls12-narrow-preference",
    tls13_only => "tls13-only",
    dhe_1024 => "dhe-1024",
    dual_cert => "dual-cert",
    one_byte_segments => "one-byte-segments",
    sslv2_scripted => "sslv2-scripted",
    sslv3_scripted => "sslv3-scripted",
}

/// Hostile TLS answers: every TLS version must be "unknown" with a reason (or, for a plain close,
/// "not offered"), never "offered", and the check must end within its time limits.
#[test]
fn hostile_answers_are_unknown_not_wrong() {
    for name in [
        "truncated-serverhello",
        "oversized-record",
        "alert-mid-handshake",
        "unknown-version",
    ] {
        let r = check_scenario(name, &["--json"]);
        let v = r.json();
        for key in ["TLSv1.0", "TLSv1.1", "TLSv1.2", "TLSv1.3"] {
            let e = &v["endpoints"][0]["versions"][key];
            assert_eq!(e["status"], "unknown", "{name} {key}: {e}");
            assert!(
                e["reason"].as_str().is_some_and(|r| !r.is_empty()),
                "{name} {key}: a reason"
            );
        }
        assert!(
            v["connections"].as_u64().unwrap_or(99) <= 12,
            "{name}: few connections, got {}",
            v["connections"]
        );
    }
}

#[test]
fn dual_cert_chains_per_key_type() {
    let v = check_scenario("dual-cert", &["--json"]).json();
    let chains = v["endpoints"][0]["scanned_chains"]
        .as_array()
        .expect("scanned chains");
    assert_eq!(chains.len(), 2, "an RSA and an ECDSA chain: {chains:?}");
    let primary = v["endpoints"][0]["chain_analysis"]["certificates"][0]["key_type"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    let others = v["endpoints"][0]["other_chain_analyses"]
        .as_array()
        .expect("other chains");
    assert_eq!(
        others.len(),
        1,
        "the chain of the other key type is judged too"
    );
    let other = others[0]["analysis"]["certificates"][0]["key_type"]
        .as_str()
        .unwrap_or_default();
    let mut kinds = vec![primary.as_str(), other];
    kinds.sort_unstable();
    assert_eq!(kinds, ["ECDSA", "RSA"]);
    assert_eq!(others[0]["analysis"]["trust"]["status"], "trusted");
}

#[test]
fn quick_skips_the_scan() {
    let v = check_scenario("good", &["--json", "--quick"]).json();
    assert!(v["endpoints"][0]["versions"].is_null());
    assert_eq!(v["connections"], 1);
}

/// A server that answers every third connection with 421: the scan backs off, retries, and still
/// measures everything; without retries, what it missed is "unknown", never "not offered".
#[test]
fn rate_limited_server_is_scanned_completely_with_retries() {
    let v = check_scenario("rate-limited", &["--json", "--retry-wait", "0.1"]).json();
    let ep = &v["endpoints"][0];
    let steps = ep["scan_steps"].as_array().expect("steps");
    assert!(
        steps
            .iter()
            .any(|s| s["answer"].as_str().unwrap_or_default().contains("421")),
        "some connections got 421"
    );
    for key in ["TLSv1.2", "TLSv1.3"] {
        assert_eq!(ep["versions"][key]["status"], "offered", "{key}");
        assert_eq!(ep["versions"][key]["complete"], true, "{key}");
        assert_eq!(
            ep["versions"][key]["suites"].as_array().map(Vec::len),
            Some(3),
            "{key}"
        );
    }
    // The lab refuses every third connection counted since it started: the first one of a check
    // may be the refused one (then there is nothing to scan); a later check starts elsewhere.
    let v = (0..3)
        .map(|_| check_scenario("rate-limited", &["--json", "--retries", "0"]).json())
        .find(|v| v["endpoints"][0]["versions"].is_object())
        .expect("a check whose first connection was not refused");
    let versions = v["endpoints"][0]["versions"].as_object().expect("versions");
    let unknown: Vec<&String> = versions
        .iter()
        .filter(|(_, x)| x["status"] == "unknown" || x["complete"] == false)
        .map(|(k, _)| k)
        .collect();
    assert!(
        !unknown.is_empty(),
        "without retries something stays unmeasured"
    );
    for (k, x) in versions {
        if matches!(k.as_str(), "TLSv1.2" | "TLSv1.3") {
            assert_ne!(
                x["status"], "not-offered",
                "{k} must never be called not offered: {x}"
            );
        }
    }
}

#[test]
fn sslv2_ciphers_are_named() {
    let v = check_scenario("sslv2-scripted", &["--json"]).json();
    let suites: Vec<&str> = v["endpoints"][0]["versions"]["SSLv2"]["suites"]
        .as_array()
        .expect("suites")
        .iter()
        .filter_map(|s| s["id"].as_str())
        .collect();
    assert_eq!(suites, ["0x010080", "0x0700C0"]);
    let names: Vec<&str> = v["endpoints"][0]["versions"]["SSLv2"]["suites"]
        .as_array()
        .expect("suites")
        .iter()
        .filter_map(|s| s["openssl"].as_str())
        .collect();
    assert_eq!(names, ["RC4-MD5", "DES-CBC3-MD5"]);
}

#[test]
fn sslv3_chain_is_read_from_the_certificate_message() {
    let v = check_scenario("sslv3-scripted", &["--json"]).json();
    let ep = &v["endpoints"][0];
    assert_eq!(ep["tls"]["completed"], false);
    assert_eq!(ep["scanned_chains"][0]["version"], "SSLv3");
    assert_eq!(
        ep["chain_analysis"]["certificates"]
            .as_array()
            .map(Vec::len),
        Some(2)
    );
    assert_eq!(ep["chain_analysis"]["trust"]["status"], "trusted");
}
