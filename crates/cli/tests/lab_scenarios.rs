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
    chain_too_long => "chain-too-long",
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
    busy => "busy",
    exim_busy => "exim-busy",
    drip => "drip",
    sslv2_scripted => "sslv2-scripted",
    sslv3_scripted => "sslv3-scripted",
    terminal_escapes => "terminal-escapes",
    key_mismatch_tls12 => "key-mismatch-tls12",
    key_mismatch_tls13 => "key-mismatch-tls13",
    starttls_injection => "starttls-injection",
    battery_scripted => "battery-scripted",
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

/// A server that refuses concurrent connections: the scan drops to one connection at a time and
/// still measures everything (the busy scenario's refused first connection is covered by its
/// exact codes above). A server that refuses every time is still `smtp-rejected` (banner-421),
/// after the retries.
#[test]
fn busy_servers_are_retried_not_reported_as_refusing() {
    let r = check_scenario("exim-busy", &["--json"]);
    let v = r.json();
    assert_eq!(r.code, 0, "{}", r.stdout);
    assert!(v["endpoints"][0]["refusals"].as_u64().unwrap_or(0) > 0);
    assert_eq!(
        v["endpoints"][0]["versions"]["TLSv1.2"]["status"],
        "offered"
    );
    assert_eq!(
        v["endpoints"][0]["versions"]["TLSv1.3"]["status"],
        "offered"
    );

    let r = check_scenario("banner-421", &["--json"]);
    let v = r.json();
    let codes: Vec<&str> = v["endpoints"][0]["findings"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|f| f["code"].as_str())
        .collect();
    assert_eq!(codes, ["smtp-rejected"], "{}", r.stdout);
    assert_eq!(
        v["endpoints"][0]["refused_before"].as_array().map(Vec::len),
        Some(2),
        "every retry was refused too"
    );
}

/// `--deadline` ends a whole check: a server that drips its banner one byte every 2 s is left
/// after the deadline, not after the banner's own limit, and the error says "deadline"; a server
/// that never answers the handshake leaves the scan unmeasured with the reason "deadline".
#[test]
fn the_deadline_ends_the_whole_check() {
    let started = std::time::Instant::now();
    let r = check_scenario(
        "drip",
        &["--json", "--banner-timeout", "120", "--deadline", "3"],
    );
    // A hang guard, 10x the deadline (not a speed claim).
    assert!(started.elapsed() < std::time::Duration::from_secs(30));
    assert_eq!(r.code, 2, "{}{}", r.stdout, r.stderr);
    let v = r.json();
    assert_eq!(v["error"]["phase"], "banner", "{}", r.stdout);
    let msg = v["error"]["message"].as_str().unwrap_or_default();
    assert!(msg.contains("deadline"), "{msg}");

    let r = check_scenario(
        "silent-after-starttls",
        &["--json", "--handshake-timeout", "120", "--deadline", "3"],
    );
    let v = r.json();
    let versions = v["endpoints"][0]["versions"]
        .as_object()
        .cloned()
        .unwrap_or_default();
    assert!(!versions.is_empty(), "{}", r.stdout);
    for (name, result) in versions {
        assert_eq!(result["status"], "unknown", "{name}: {result}");
        let reason = result["reason"].as_str().unwrap_or_default();
        assert!(reason.starts_with("deadline"), "{name}: {reason}");
    }
}

/// Every hostile scenario also under a short `--deadline`: the check ends with a verdict (no
/// panic, no hang), and a check error names its phase.
#[test]
fn hostile_scenarios_under_a_short_deadline() {
    let hostile = [
        "silent",
        "garbage-banner",
        "endless-line",
        "reset",
        "drip",
        "truncated-serverhello",
        "oversized-record",
        "alert-mid-handshake",
        "unknown-version",
        "silent-after-starttls",
        "one-byte-segments",
        // Servers that refuse, sign with another key, send too much or poison the terminal.
        "banner-421",
        "busy",
        "exim-busy",
        "rate-limited",
        "key-mismatch-tls12",
        "key-mismatch-tls13",
        "chain-too-long",
        "terminal-escapes",
    ];
    for name in hostile {
        let started = std::time::Instant::now();
        let r = check_scenario(name, &["--json", "--deadline", "2"]);
        // A hang guard (10x the deadline), not a speed claim.
        assert!(
            started.elapsed() < std::time::Duration::from_secs(20),
            "{name} ran past its deadline"
        );
        assert!([0, 1, 2].contains(&r.code), "{name}: exit {}", r.code);
        assert!(!r.stderr.contains("panicked"), "{name}: {}", r.stderr);
        let v = r.json();
        if r.code == 2 {
            assert!(v["error"]["phase"].is_string(), "{name}: {}", r.stdout);
        }
    }
}

/// `s` without the colour sequences the renderer itself writes (`ESC [ digits ; m`).
fn without_own_colours(s: &str) -> String {
    let mut o = String::new();
    let mut rest = s;
    while let Some(i) = rest.find("\x1b[") {
        o.push_str(&rest[..i]);
        let after = &rest[i + 2..];
        let end = after
            .find(|c: char| !(c.is_ascii_digit() || c == ';'))
            .unwrap_or(after.len());
        if after[end..].starts_with('m') {
            rest = &after[end + 1..];
        } else {
            o.push('\x1b');
            rest = &rest[i + 1..];
        }
    }
    o.push_str(rest);
    o
}

/// No terminal control byte in `text` but line feeds.
fn assert_no_controls(text: &str, what: &str) {
    let bad: Vec<char> = text
        .chars()
        .filter(|&c| c != '\n' && (c.is_control() || ('\u{202a}'..='\u{202e}').contains(&c)))
        .collect();
    assert!(
        bad.is_empty(),
        "{what}: control characters {bad:?} in\n{text}"
    );
}

#[test]
fn terminal_escapes_are_shown_not_sent() {
    let escaped = "\\x1b]0;pwned\\x07\\x1b[2J\\x1b[5mblink\\x1b[0m";
    // Text, with the transcript: the banner, the EHLO keyword, the transcript lines.
    let r = check_scenario("terminal-escapes", &["-v"]);
    assert_eq!(r.code, 0, "{}\n{}", r.stdout, r.stderr);
    assert!(!r.stdout.contains('\x1b') && !r.stdout.contains('\x07'));
    assert_no_controls(&r.stdout, "text");
    // The fields wrap to the width: read them with single spaces.
    let flat = r.stdout.split_whitespace().collect::<Vec<_>>().join(" ");
    assert!(
        flat.contains(&format!(
            "banner 220 mx.lab.test ESMTP smtp-tls-doctor lab (terminal-escapes) {escaped}"
        )),
        "the banner's escapes are shown:\n{}",
        r.stdout
    );
    assert!(
        flat.contains(&format!("8BITMIME, X-TERMINAL {escaped}")),
        "the EHLO keyword's escapes are shown:\n{}",
        r.stdout
    );
    // In colour, only the renderer's own colour sequences reach the terminal.
    let r = check_scenario("terminal-escapes", &["-v", "--color", "always"]);
    assert!(r.stdout.contains("\x1b[1m"), "colour is on:\n{}", r.stdout);
    assert_no_controls(&without_own_colours(&r.stdout), "text in colour");
    assert!(r.stdout.contains(escaped));
    // JSON keeps the exact text.
    let v = check_scenario("terminal-escapes", &["--json"]).json();
    let smtp = &v["endpoints"][0]["smtp"];
    assert_eq!(
        smtp["banner"]["lines"][0].as_str(),
        Some(
            format!(
                "mx.lab.test ESMTP smtp-tls-doctor lab (terminal-escapes) {}",
                lab::TERMINAL_ESCAPES
            )
            .as_str()
        ),
        "{smtp}"
    );
    let params: Vec<&str> = smtp["capabilities"]["capabilities"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|c| c["keyword"] == "X-TERMINAL")
        .flat_map(|c| c["params"].as_array().into_iter().flatten())
        .filter_map(|p| p.as_str())
        .collect();
    assert_eq!(params, [lab::TERMINAL_ESCAPES], "{smtp}");
}

/// Every string of a real report poisoned with escape sequences, wherever the report still reads
/// back (enum names, addresses and times do not): the text shows none of them raw.
#[test]
fn no_report_string_reaches_the_terminal_raw() {
    use doctor::model::report::CheckReport;
    use doctor::render::text::{Style, render_text};
    use serde::Deserialize;
    use serde_json::Value;

    const POISON: &str = "\x1b]0;t\x07\x1b[2J\r\u{9b}5m";

    fn leaves(v: &Value, path: &mut Vec<String>, out: &mut Vec<Vec<String>>) {
        match v {
            Value::String(_) => out.push(path.clone()),
            Value::Array(a) => {
                for (i, x) in a.iter().enumerate() {
                    path.push(i.to_string());
                    leaves(x, path, out);
                    path.pop();
                }
            }
            Value::Object(m) => {
                for (k, x) in m {
                    path.push(k.clone());
                    leaves(x, path, out);
                    path.pop();
                }
            }
            _ => {}
        }
    }
    fn at<'a>(v: &'a mut Value, path: &[String]) -> &'a mut Value {
        path.iter().fold(v, |v, k| match v {
            Value::Array(a) => &mut a[k.parse::<usize>().unwrap()],
            Value::Object(m) => m.get_mut(k).unwrap(),
            _ => unreachable!(),
        })
    }

    for (scenario, extra) in [
        ("wrong-name", &["--json", "-v"][..]),
        ("starttls-refused", &["--json", "-v"][..]),
        ("garbage-banner", &["--json", "-v"][..]),
    ] {
        let original = check_scenario(scenario, extra).json();
        let mut paths = Vec::new();
        leaves(&original, &mut Vec::new(), &mut paths);
        let mut poisoned = original.clone();
        let mut count = 0;
        for p in &paths {
            let s = at(&mut poisoned, p);
            let old = s.as_str().unwrap().to_string();
            *s = Value::String(format!("{old}{POISON}"));
            if CheckReport::deserialize(&poisoned).is_ok() {
                count += 1;
            } else {
                *at(&mut poisoned, p) = Value::String(old);
            }
        }
        assert!(count > 15, "{scenario}: only {count} strings poisoned");
        let report: CheckReport = serde_json::from_value(poisoned).unwrap();
        for color in [false, true] {
            let text = render_text(
                &report,
                Style {
                    color,
                    transcript: true,
                    width: 60,
                },
            );
            assert_no_controls(&without_own_colours(&text), scenario);
            assert!(
                text.contains("\\x1b]0;t\\x07\\x1b[2J\\r\\u{9b}5m"),
                "{text}"
            );
        }
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
        // The text's chain section does not leave "trusted" standing alone.
        let text = check_scenario(name, &[]).stdout;
        let path = text
            .lines()
            .position(|l| l.trim_start().starts_with("path "))
            .unwrap_or_else(|| panic!("{name}: no path line\n{text}"));
        // The lines after it (wrapped to the width), as one text.
        let next: String = text
            .lines()
            .skip(path + 1)
            .take(3)
            .collect::<Vec<_>>()
            .join(" ")
            .split_whitespace()
            .collect::<Vec<_>>()
            .join(" ");
        assert!(
            next.contains(&format!("{message} signature does not verify"))
                && next.contains("not valid on this connection"),
            "{name}: {next}\n{text}"
        );
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
