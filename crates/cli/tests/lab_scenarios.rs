//! Every lab scenario, checked by the real binary: the exact finding codes, the exit status, and
//! for hostile servers the phase of the error.

mod common;
use common::*;

fn assert_scenario(name: &str) {
    let s = lab::scenarios()
        .iter()
        .find(|s| s.name == name)
        .unwrap_or_else(|| panic!("unknown scenario {name}"));
    // The banner comes after 1.5 s: a banner timeout far beyond that, so that a slow machine
    // does not turn the patient client's success into a timeout.
    let extra: &[&str] = if name == "banner-delay" {
        &["--json", "--banner-timeout", "30"]
    } else {
        &["--json"]
    };
    let r = check_scenario(name, extra);
    let v = r.json();
    match s.expect_error_phase {
        Some(phase) => {
            assert_eq!(r.code, 2, "{name}: exit status\n{}", r.stdout);
            assert_eq!(v["verdict"]["status"], "error", "{name}");
            let got = v["error"]["phase"].as_str().unwrap_or_default();
            assert!(
                got.eq_ignore_ascii_case(phase),
                "{name}: phase {got}, want {phase}"
            );
            let msg = v["error"]["message"].as_str().unwrap_or_default();
            assert!(
                !msg.is_empty() && !v["error"]["hint"].as_str().unwrap_or_default().is_empty(),
                "{name}: error needs a message and a hint"
            );
            assert_eq!(v["error"]["host"], "mx.lab.test");
        }
        None => {
            let want: Vec<String> = {
                let mut w: Vec<String> = s.expect_findings.iter().map(|c| c.to_string()).collect();
                w.sort();
                w
            };
            assert_eq!(codes(&v), want, "{name}: finding codes\n{}", r.stdout);
            assert_eq!(
                r.code,
                expected_exit(s.expect_findings),
                "{name}: exit status"
            );
            assert!(
                v["error"].is_null(),
                "{name}: unexpected error {}",
                v["error"]
            );
        }
    }
    assert_eq!(v["schema_version"], 1);
}

macro_rules! scenarios {
    ($($f:ident => $n:literal),* $(,)?) => {
        $( #[test] fn $f() { assert_scenario($n) } )*
        const TESTED: &[&str] = &[$($n),*];
    };
}

scenarios! {
    good => "good",
    implicit_tls => "implicit-tls",
    chain_incomplete => "chain-incomplete",
    chain_order => "chain-order",
    self_signed => "self-signed",
    untrusted_root => "untrusted-root",
    wrong_name => "wrong-name",
    expired => "expired",
    not_yet_valid => "not-yet-valid",
    expires_soon => "expires-soon",
    weak_key => "weak-key",
    sha1_signature => "sha1-signature",
    sni_required => "sni-required",
    starttls_not_offered => "starttls-not-offered",
    starttls_refused => "starttls-refused",
    ehlo_refused => "ehlo-refused",
    banner_delay => "banner-delay",
    banner_421 => "banner-421",
    close_after_starttls => "close-after-starttls",
    garbage_after_starttls => "garbage-after-starttls",
    tls10_only => "tls10-only",
    silent => "silent",
    garbage_banner => "garbage-banner",
    endless_line => "endless-line",
    reset => "reset",
    tls10_tls12_cbc => "tls10-tls12-cbc",
    tls12_narrow_preference => "tls12-narrow-preference",
    tls13_only => "tls13-only",
    dhe_1024 => "dhe-1024",
    dual_cert => "dual-cert",
    truncated_serverhello => "truncated-serverhello",
    oversized_record => "oversized-record",
    one_byte_segments => "one-byte-segments",
    alert_mid_handshake => "alert-mid-handshake",
    unknown_version => "unknown-version",
    silent_after_starttls => "silent-after-starttls",
    rate_limited => "rate-limited",
    sslv2_scripted => "sslv2-scripted",
    sslv3_scripted => "sslv3-scripted",
    key_mismatch_tls12 => "key-mismatch-tls12",
    key_mismatch_tls13 => "key-mismatch-tls13",
}

#[test]
fn every_scenario_has_a_test() {
    for s in lab::scenarios() {
        assert!(
            TESTED.contains(&s.name),
            "lab scenario {} has no end-to-end test",
            s.name
        );
    }
}

/// A server that sends a valid chain but signs with another key: the verdict is the signature
/// (exit 1), never "a valid certificate", and every simulated peer fails with `bad-signature`,
/// also those that verify no certificate.
#[test]
fn key_mismatch_is_the_verdict_and_every_peer_fails() {
    for (name, message, version) in [
        ("key-mismatch-tls12", "ServerKeyExchange", "TLSv1.2"),
        ("key-mismatch-tls13", "CertificateVerify", "TLSv1.3"),
    ] {
        let r = check_scenario(
            name,
            &[
                "--json",
                "--as",
                "openssl-3",
                "--as",
                "python-smtplib-unverified",
                "--as",
                "postfix",
            ],
        );
        let v = r.json();
        assert_eq!(r.code, 1, "{name}: exit status\n{}", r.stdout);
        assert_eq!(v["verdict"]["status"], "problems", "{name}");
        assert_eq!(
            v["verdict"]["code"], "handshake-signature-invalid",
            "{name}"
        );
        let text = v["verdict"]["text"].as_str().unwrap_or_default();
        assert!(!text.contains("valid certificate"), "{name}: {text}");
        let ep = &v["endpoints"][0];
        // The handshake completed (the rest was observed), and its signature is recorded.
        assert_eq!(ep["tls"]["completed"], true, "{name}");
        let sig = &ep["tls"]["handshake_signature"];
        assert_eq!(sig["message"], message, "{name}: {sig}");
        assert_eq!(sig["verified"], false, "{name}: {sig}");
        assert_eq!(sig["unchecked"], false, "{name}: {sig}");
        let f = ep["findings"]
            .as_array()
            .and_then(|a| {
                a.iter()
                    .find(|f| f["code"] == "handshake-signature-invalid")
            })
            .unwrap_or_else(|| panic!("{name}: no finding"));
        assert_eq!(f["severity"], "error");
        let sigs = f["evidence"]["signatures"].as_array().expect("signatures");
        assert_eq!(sigs[0]["seen_in"], "the handshake", "{name}: {f}");
        assert_eq!(sigs[0]["version"], version, "{name}: {f}");
        if version == "TLSv1.2" {
            // The scan's ServerKeyExchange signatures, one per ECDHE_ECDSA suite, name the suite.
            let scanned: Vec<&serde_json::Value> =
                sigs.iter().filter(|s| s["seen_in"] == "the scan").collect();
            assert_eq!(scanned.len(), 3, "{name}: {f}");
            assert!(
                scanned.iter().all(|s| s["suite"]
                    .as_str()
                    .is_some_and(|x| x.contains("TLS_ECDHE_ECDSA_WITH_"))),
                "{name}: {f}"
            );
        } else {
            assert!(ep["scanned_signatures"].is_null(), "{name}: no TLS 1.2");
        }
        for p in ep["profiles"].as_array().expect("profiles") {
            assert_eq!(p["result"], "fails", "{name}: {p}");
            assert_eq!(p["reason"], "bad-signature", "{name}: {p}");
        }
    }
}

/// The scan's signature checks of a good server all verify; the handshake's too.
#[test]
fn good_server_signatures_verify() {
    let v = check_scenario("good", &["--json"]).json();
    let ep = &v["endpoints"][0];
    assert_eq!(
        ep["tls"]["handshake_signature"]["verified"], true,
        "{}",
        ep["tls"]
    );
    let scanned = ep["scanned_signatures"]
        .as_array()
        .expect("scanned signatures");
    assert!(!scanned.is_empty());
    for s in scanned {
        assert_eq!(s["check"]["verified"], true, "{s}");
        assert_eq!(s["version"], "TLSv1.2", "{s}");
    }
}
