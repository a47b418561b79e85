//! The command line: flags, errors, text output, JSON details, replay.

mod common;
use common::*;

#[test]
fn good_report_details() {
    let r = check_scenario("good", &["--json", "-v"]);
    assert_eq!(r.code, 0, "{}", r.stdout);
    let v = r.json();
    let ep = &v["endpoints"][0];
    assert_eq!(ep["mode"], "starttls");
    assert_eq!(ep["tls"]["completed"], true);
    assert_eq!(ep["tls"]["sni"], "mx.lab.test");
    assert!(
        ep["tls"]["version"]
            .as_str()
            .unwrap_or_default()
            .starts_with("TLSv1.")
    );
    assert!(
        ep["tls"]["cipher_suite"]["iana"]
            .as_str()
            .unwrap_or_default()
            .starts_with("TLS_")
    );
    assert!(ep["tls"]["group"].is_string());
    let certs = ep["chain_analysis"]["certificates"]
        .as_array()
        .expect("certificates");
    assert_eq!(certs.len(), 2, "leaf and intermediate");
    assert!(
        certs[0]["sans"]
            .as_array()
            .unwrap()
            .iter()
            .any(|s| s == "mx.lab.test")
    );
    assert_eq!(certs[0]["sha256"].as_str().unwrap().len(), 95);
    assert!(
        certs[0]["ca_issuers"][0]
            .as_str()
            .unwrap()
            .starts_with("http://")
    );
    assert_eq!(ep["chain_analysis"]["trust"]["status"], "trusted");
    // EHLO before and after STARTTLS
    let before: Vec<&str> = ep["smtp"]["capabilities"]["capabilities"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|c| c["keyword"].as_str())
        .collect();
    assert!(before.contains(&"STARTTLS") && before.contains(&"PIPELINING"));
    let after: Vec<&str> = ep["smtp"]["capabilities_after_tls"]["capabilities"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|c| c["keyword"].as_str())
        .collect();
    assert!(after.contains(&"AUTH") && !after.contains(&"STARTTLS"));
    // transcript: SMTP both ways and TLS messages
    let t: Vec<String> = ep["transcript"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            format!(
                "{} {} {}",
                e["from"].as_str().unwrap(),
                e["layer"].as_str().unwrap(),
                e["text"].as_str().unwrap()
            )
        })
        .collect();
    let joined = t.join("\n");
    for needle in [
        "client smtp EHLO",
        "client smtp STARTTLS",
        "server smtp 220 2.0.0",
        "client tls ClientHello",
        "server tls ServerHello",
        "client smtp QUIT",
    ] {
        assert!(
            joined.contains(needle),
            "transcript lacks {needle:?}:\n{joined}"
        );
    }
    assert!(ep["timings"]["handshake_ms"].as_f64().is_some());
    let scan = ep["scan_connections"].as_u64().expect("a scan by default");
    // the battery's active probes, only those the scan calls for (the lab's rustls server
    // supports TLS 1.2 and 1.3 only: the fallback SCSV probe does not apply)
    let probes = ep["probes"]["connections"].as_u64().unwrap_or(0);
    // the modern handshake, the scan, one handshake without SNI, the STARTTLS injection probe
    // and the battery's probes
    assert_eq!(v["connections"].as_u64(), Some(3 + scan + probes));
    assert_eq!(
        ep["checks"]["starttls-injection"]["status"], "ok",
        "{}",
        ep["checks"]
    );
    // The lab names itself in its banner; the scan adds its TLS stack (rustls).
    assert_eq!(ep["server_software"]["name"], "smtp-tls-doctor lab");
    assert_eq!(ep["server_software"]["confidence"], "high");
    let evidence = ep["server_software"]["evidence"].to_string();
    assert!(
        evidence.contains("TLS behaviour:") && evidence.contains("(rustls)"),
        "{evidence}"
    );
}

#[test]
fn text_report_starts_with_the_verdict() {
    let r = check_scenario("chain-incomplete", &[]);
    assert_eq!(r.code, 1);
    let first = r.stdout.lines().next().unwrap_or_default();
    assert!(
        first.starts_with("PROBLEM: ") && first.contains("chain-incomplete"),
        "{first}"
    );
    assert!(
        first.contains("smtp-tls-doctor Lab Intermediate CA"),
        "names the missing issuer: {first}"
    );
    assert!(
        r.stdout.contains("http://ca.lab.test/intermediate.crt"),
        "names the AIA URL"
    );
    assert!(
        !r.stdout.contains('\x1b'),
        "no colour when not on a terminal"
    );
    let ok = check_scenario("good", &[]);
    assert!(ok.stdout.starts_with("OK: "), "{}", ok.stdout);
    assert!(ok.stdout.contains("Certificate chain as sent (2)"));
}

#[test]
fn no_sni_gets_the_default_certificate() {
    let r = check_scenario("sni-required", &["--json", "--no-sni"]);
    let v = r.json();
    assert_eq!(codes(&v), vec!["cert-name-mismatch"]);
    assert!(v["endpoints"][0]["tls"]["sni"].is_null());
    let r = check_scenario("sni-required", &["--json", "--sni", "mx.lab.test"]);
    let v = r.json();
    assert_eq!(
        codes(&v),
        vec!["sni-cert-differs"],
        "the no-SNI certificate is checked too"
    );
    let f = &v["endpoints"][0]["findings"][0];
    assert!(
        f["summary"].as_str().unwrap().contains("default.invalid"),
        "{f}"
    );
    assert_eq!(v["endpoints"][0]["no_sni"]["completed"], true);
    assert_eq!(r.code, 0, "a warning");
    // A peer that sends no SNI is shown what it gets.
    let r = check_scenario("sni-required", &["--json", "--as", "postfix"]);
    let notes = r.json()["endpoints"][0]["profiles"][0]["notes"].to_string();
    assert!(
        notes.contains("default.invalid") || notes.contains("default certificate"),
        "{notes}"
    );
}

#[test]
fn further_names_are_checked() {
    let r = check_scenario(
        "good",
        &[
            "--json",
            "--name",
            "smtp.other.test",
            "--name",
            "mx.lab.test",
        ],
    );
    let v = r.json();
    assert_eq!(r.code, 1);
    assert_eq!(codes(&v), vec!["cert-name-mismatch"]);
    let f = &v["endpoints"][0]["findings"][0];
    assert_eq!(f["evidence"]["name"], "smtp.other.test");
    assert!(
        f["evidence"]["covered_names"]
            .as_array()
            .unwrap()
            .iter()
            .any(|n| n == "mx.lab.test")
    );
}

#[test]
fn without_the_lab_ca_the_chain_is_untrusted() {
    let l = lab();
    let addr = l.addrs["good"];
    let r = run(&[
        "check",
        &format!("mx.lab.test:{}", addr.port()),
        "--resolve",
        &format!("mx.lab.test:{}", addr.ip()),
        "--json",
        "--no-fetch",
    ]);
    assert_eq!(codes(&r.json()), vec!["cert-untrusted"]);
    assert!(
        r.json()["trust_store"]
            .as_str()
            .unwrap()
            .contains("Mozilla")
    );
}

#[test]
fn expiry_window_is_settable() {
    let r = check_scenario("expires-soon", &["--json", "--expiry-warn-days", "2"]);
    assert_eq!(codes(&r.json()), Vec::<String>::new());
    let r = check_scenario("good", &["--json", "--expiry-warn-days", "365"]);
    assert_eq!(codes(&r.json()), vec!["cert-expires-soon"]);
    assert_eq!(r.code, 0, "a warning alone does not fail");
}

#[test]
fn mode_overrides() {
    // STARTTLS against an implicit-TLS port: the server talks TLS, we expected a banner.
    let r = check_scenario("implicit-tls", &["--json", "--starttls"]);
    assert_eq!(r.code, 2, "{}", r.stdout);
    assert_eq!(r.json()["error"]["phase"], "banner");
    // Implicit TLS against a STARTTLS port: the handshake meets a plain-text banner.
    let r = check_scenario("good", &["--json", "--implicit-tls"]);
    let v = r.json();
    assert_eq!(codes(&v), vec!["tls-handshake-failed"], "{}", r.stdout);
    assert_eq!(v["endpoints"][0]["failure"]["kind"], "not-tls");
}

#[test]
fn refused_port_is_a_connect_error() {
    // A port bound but not listening, held for the whole test: connecting to it is refused, and
    // no other process can start listening on it meanwhile.
    let held = tokio::net::TcpSocket::new_v4().expect("socket");
    held.bind("127.0.0.1:0".parse().expect("addr"))
        .expect("bind");
    let port = held.local_addr().expect("addr").port();
    let r = run(&["check", &format!("127.0.0.1:{port}"), "--json"]);
    assert_eq!(r.code, 2);
    let v = r.json();
    assert_eq!(v["error"]["phase"], "connect");
    assert_eq!(v["error"]["kind"], "refused");
    assert_eq!(v["error"]["host"], "127.0.0.1");
    let r = run(&["check", &format!("127.0.0.1:{port}")]);
    assert!(
        r.stdout
            .starts_with("NOT CHECKED: could not check 127.0.0.1: connect phase"),
        "{}",
        r.stdout
    );
    assert!(r.stdout.contains("what to do:"));
}

#[test]
fn usage_errors_exit_64() {
    for args in [
        vec!["check"],
        vec!["check", "host:notaport"],
        vec!["check", "mx.example.com", "--resolve", "nonsense"],
        vec!["check", "mx.example.com", "--banner-timeout", "-1"],
        vec!["check", "mx.example.com", "--sni", "not a name"],
        vec![
            "check",
            "mx.example.com",
            "--ca-file",
            "/nonexistent/ca.pem",
        ],
        vec!["check", "mx.example.com", "--starttls", "--implicit-tls"],
        vec!["frobnicate"],
        vec!["explain", "no-such-code"],
        // Without the `lab` feature there is no demo command at all: a usage error too.
        vec!["demo", "--only", "no-such-scenario"],
    ] {
        let r = run(&args);
        assert_eq!(r.code, 64, "{args:?}: {}{}", r.stdout, r.stderr);
        assert!(!r.stderr.is_empty(), "{args:?}: says why");
    }
    assert_eq!(run(&["--help"]).code, 0);
}

#[test]
fn explain_lists_and_explains() {
    let r = run(&["explain"]);
    assert_eq!(r.code, 0);
    for code in [
        "chain-incomplete",
        "chain-order",
        "cert-self-signed",
        "cert-untrusted",
        "cert-expired",
        "cert-not-yet-valid",
        "cert-expires-soon",
        "cert-name-mismatch",
        "cert-weak-key",
        "cert-weak-signature",
        "starttls-not-offered",
        "starttls-refused",
        "tls-handshake-failed",
        "smtp-rejected",
        "starttls-injection",
    ] {
        assert!(r.stdout.contains(code), "explain lists {code}");
        let e = run(&["explain", code]);
        assert_eq!(e.code, 0);
        assert!(e.stdout.contains("How to fix it"), "{code}");
    }
    let e = run(&["explain", "chain-incomplete"]);
    assert!(
        e.stdout.contains("Postfix") && e.stdout.contains("Exim") && e.stdout.contains("keytool")
    );
    // Why, who is exposed, and the fix per MTA (Postfix's fixed releases named).
    let e = run(&["explain", "starttls-injection"]);
    for needle in [
        "CVE-2011-0411",
        "2.8.0",
        "2.7.3",
        "2.4.16",
        "Exim",
        "Anyone on the path",
    ] {
        assert!(e.stdout.contains(needle), "{needle}:\n{}", e.stdout);
    }
}

/// The STARTTLS injection check across the lab: the vulnerable responder is caught end to end,
/// a correct server is ok, and where the probe cannot apply it says so.
#[test]
fn starttls_injection_across_the_lab() {
    let r = check_scenario("starttls-injection", &["--json"]);
    let v = r.json();
    let ep = &v["endpoints"][0];
    let c = &ep["checks"]["starttls-injection"];
    assert_eq!(c["status"], "vulnerable", "{c}");
    assert_eq!(
        ep["starttls_injection"]["tls_replies"][0], "250 2.0.0 Ok",
        "{ep}"
    );
    assert_eq!(ep["starttls_injection"]["pipelining_advertised"], true);
    assert_eq!(r.code, 1, "an error finding");
    assert_eq!(v["verdict"]["code"], "starttls-injection");
    // The text names the check and the guess.
    let t = check_scenario("starttls-injection", &[]);
    // Listed once, among the vulnerability checks (not again under Connection).
    assert!(
        t.stdout.contains("VULNERABLE starttls-injection: after"),
        "{}",
        t.stdout
    );
    assert!(!t.stdout.contains("injection  vulnerable:"), "{}", t.stdout);
    assert!(
        t.stdout
            .contains("the server looks like smtp-tls-doctor lab (banner"),
        "{}",
        t.stdout
    );
    // --quick runs no probe: no entry, one connection.
    let q = check_scenario("starttls-injection", &["--json", "--quick"]);
    let qv = q.json();
    assert!(qv["endpoints"][0]["checks"]["starttls-injection"].is_null());
    assert!(qv["endpoints"][0]["starttls_injection"].is_null());
    assert_eq!(qv["connections"], 1);
    assert_eq!(q.code, 0);
    for (name, status) in [
        ("implicit-tls", "not-applicable"),
        ("starttls-not-offered", "not-applicable"),
        ("dual-cert", "ok"),
    ] {
        let r = check_scenario(name, &["--json"]);
        let v = r.json();
        assert_eq!(
            v["endpoints"][0]["checks"]["starttls-injection"]["status"], status,
            "{name}: {}",
            v["endpoints"][0]["checks"]
        );
    }
}

#[test]
fn replay_from_json_gives_the_same_diagnosis() {
    let r = check_scenario("wrong-name", &["--json"]);
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("scan.json");
    std::fs::write(&path, &r.stdout).unwrap();
    let ca = lab().ca_file.to_string_lossy().into_owned();
    let again = run(&[
        "check",
        "--from-json",
        path.to_str().unwrap(),
        "--ca-file",
        &ca,
        "--json",
    ]);
    assert_eq!(again.code, 1);
    assert_eq!(codes(&again.json()), vec!["cert-name-mismatch"]);
    // Replayed with a further name the certificate does cover: still one mismatch only.
    let again = run(&[
        "check",
        "--from-json",
        path.to_str().unwrap(),
        "--ca-file",
        &ca,
        "--name",
        "other.test",
        "--json",
    ]);
    assert_eq!(codes(&again.json()), vec!["cert-name-mismatch"]);
    // Without the lab CA the same observations are judged untrusted too.
    let again = run(&["check", "--from-json", path.to_str().unwrap(), "--json"]);
    assert_eq!(
        codes(&again.json()),
        vec!["cert-name-mismatch", "cert-untrusted"]
    );
}

#[test]
fn handshake_failure_names_the_alert() {
    let r = check_scenario("dhe-1024", &["--json"]);
    let v = r.json();
    let f = v["endpoints"][0]["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["code"] == "tls-handshake-failed")
        .cloned()
        .expect("tls-handshake-failed");
    let f = &f;
    assert_eq!(f["code"], "tls-handshake-failed");
    assert!(f["evidence"]["alert"]["name"].is_string(), "{f}");
}

/// An unreachable host, inside a network namespace of the test's own with no route at all: the
/// connect fails at once, and no packet leaves the machine.
#[test]
fn unreachable_host_in_an_empty_network_namespace() {
    if !require(&[Need::Ip, Need::Root]) {
        return;
    }
    let ip = host::program("ip").expect("ip");
    let ns = format!("std-unreach-{}", std::process::id());
    // One left over by an earlier run of a process with the same id.
    let _ = std::process::Command::new(&ip)
        .args(["netns", "del", &ns])
        .output();
    let add = std::process::Command::new(&ip)
        .args(["netns", "add", &ns])
        .output()
        .expect("run ip netns add");
    if !add.status.success() {
        // Root without the right to make network namespaces (an unprivileged container).
        skip(&format!(
            "needs to create a network namespace (ip netns add failed: {})",
            String::from_utf8_lossy(&add.stderr).trim()
        ));
        return;
    }
    let out = std::process::Command::new(&ip)
        .args([
            "netns",
            "exec",
            &ns,
            env!("CARGO_BIN_EXE_smtp-tls-doctor"),
            "check",
            "192.0.2.1:25",
            "--json",
        ])
        .output()
        .expect("ip netns exec");
    let _ = std::process::Command::new(&ip)
        .args(["netns", "del", &ns])
        .status();
    assert_eq!(out.status.code(), Some(2));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON");
    assert_eq!(v["error"]["phase"], "connect");
    assert_eq!(v["error"]["kind"], "unreachable");
    assert_eq!(v["error"]["host"], "192.0.2.1");
}

/// The library's hints name settings in plain words; the command line names its flags, in the
/// text and in the JSON, and a replayed report gets them too.
#[test]
fn hints_name_the_flags_to_change() {
    let r = check_scenario("silent", &["--json", "--banner-timeout", "0.5"]);
    assert_eq!(r.code, 2, "{}{}", r.stdout, r.stderr);
    let v = r.json();
    let hint = v["error"]["hint"].as_str().unwrap_or_default();
    assert!(
        hint.contains("--implicit-tls") && hint.contains("--banner-timeout"),
        "{hint}"
    );
    let dir = tempfile::tempdir().expect("tmp");
    let saved = dir.path().join("silent.json");
    let mut plain = v.clone();
    plain["error"]["hint"] = serde_json::json!("");
    std::fs::write(&saved, plain.to_string()).expect("write");
    let replayed = run(&["check", "--from-json", saved.to_str().unwrap_or_default()]);
    assert!(
        replayed.stdout.contains("--banner-timeout"),
        "{}{}",
        replayed.stdout,
        replayed.stderr
    );
}

/// A trust store password on the command line is readable by other users: a warning points at
/// the environment variable; from the environment there is no warning; the password itself is
/// never printed.
#[test]
fn a_password_on_the_command_line_gets_a_warning() {
    let r = run(&[
        "check",
        "--from-json",
        "/nonexistent/saved.json",
        "--truststore-password",
        "s3cret-pw",
    ]);
    assert!(
        r.stderr.contains("SMTP_TLS_DOCTOR_TRUSTSTORE_PASSWORD"),
        "{}",
        r.stderr
    );
    assert!(!r.stderr.contains("s3cret-pw") && !r.stdout.contains("s3cret-pw"));
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_smtp-tls-doctor"))
        .args(["check", "--from-json", "/nonexistent/saved.json"])
        .env("SMTP_TLS_DOCTOR_TRUSTSTORE_PASSWORD", "s3cret-pw")
        .output()
        .expect("runs");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!stderr.contains("warning"), "{stderr}");
    assert!(!stderr.contains("s3cret-pw"), "{stderr}");
}

/// The directory of the CA file on the line of `out` that starts with `marker`.
#[cfg(feature = "lab")]
fn ca_dir_after(out: &str, marker: &str) -> std::path::PathBuf {
    let line = out
        .lines()
        .find_map(|l| l.strip_prefix(marker))
        .unwrap_or_else(|| panic!("no line starting {marker:?} in\n{out}"));
    let ca = std::path::PathBuf::from(line.trim());
    let dir = ca.parent().expect("the CA file's directory").to_path_buf();
    let name = dir.file_name().and_then(|n| n.to_str()).unwrap_or("");
    assert!(
        name.starts_with("smtp-tls-doctor-lab-") && name.len() > "smtp-tls-doctor-lab-".len(),
        "{}",
        dir.display()
    );
    dir
}

#[cfg(feature = "lab")]
#[test]
fn demo_lab_directory_is_new_and_removed() {
    let r = run(&["demo", "--only", "terminal-escapes"]);
    assert_eq!(r.code, 0, "{}{}", r.stdout, r.stderr);
    let dir = ca_dir_after(
        &r.stdout,
        "Lab root CA (trust it in your client to test it): ",
    );
    assert!(!dir.exists(), "{} is left behind", dir.display());
    // The demo's text holds the scenario's escapes as text only, and its summary says ok.
    assert!(!r.stdout.contains('\x1b') && !r.stdout.contains('\x07'));
    assert!(r.stdout.contains("\\x1b]0;pwned\\x07"), "{}", r.stdout);
    assert!(
        r.stdout
            .lines()
            .any(|l| l.starts_with("terminal-escapes") && l.trim_end().ends_with(" ok")),
        "{}",
        r.stdout
    );
}

#[cfg(feature = "lab")]
#[test]
fn lab_directory_is_private_while_it_runs_and_removed_after() {
    use std::io::{BufRead, BufReader};
    use std::process::{Command, Stdio};

    /// Kills the lab if the test fails before it stopped.
    struct Lab(std::process::Child);
    impl Drop for Lab {
        fn drop(&mut self) {
            if let Ok(None) = self.0.try_wait() {
                let _ = self.0.kill();
                let _ = self.0.wait();
            }
        }
    }
    let mut lab = Lab(Command::new(env!("CARGO_BIN_EXE_smtp-tls-doctor"))
        .args(["lab", "--only", "good"])
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("start the lab"));
    let mut out = BufReader::new(lab.0.stdout.take().expect("stdout"));
    let mut text = String::new();
    loop {
        let mut line = String::new();
        if out.read_line(&mut line).expect("read") == 0 {
            panic!("the lab ended early:\n{text}");
        }
        text.push_str(&line);
        if line.starts_with("The lab runs until Ctrl-C") {
            break;
        }
    }
    let dir = ca_dir_after(&text, "Lab root CA (trust it in your client to test it): ");
    assert!(dir.join("lab-root-ca.pem").is_file(), "{text}");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&dir)
            .expect("metadata")
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o700, "{}", dir.display());
        // Ctrl-C: the lab stops and removes its directory.
        std::thread::sleep(std::time::Duration::from_millis(300));
        let pid = lab.0.id().to_string();
        let kill = Command::new("kill").args(["-INT", &pid]).status();
        assert!(kill.is_ok_and(|s| s.success()));
        let status = lab.0.wait().expect("wait");
        assert!(status.success(), "{status}");
        assert!(!dir.exists(), "{} is left behind", dir.display());
    }
}

/// `--mta NAME` on a lab server: the report names the software as given, and its fix comes
/// first in the text (the others folded into one line) and in the HTML page.
#[test]
fn mta_given_orders_the_fixes() {
    let dir = tempfile::tempdir().unwrap();
    let page = dir.path().join("report.html");
    let p = page.to_str().unwrap();
    let r = check_scenario("chain-incomplete", &["--mta", "exim", "--html", p]);
    assert_eq!(r.code, 1);
    assert!(
        r.stdout.contains("the server is Exim (as given)"),
        "{}",
        r.stdout
    );
    let fixes: Vec<&str> = r
        .stdout
        .lines()
        .map(str::trim)
        .filter(|l| l.starts_with("fix ("))
        .collect();
    assert_eq!(fixes, ["fix (Exim):"], "{}", r.stdout);
    assert!(
        r.stdout.contains("fixes for Postfix") || r.stdout.contains("fixes for Any server"),
        "{}",
        r.stdout
    );
    let html = std::fs::read_to_string(&page).unwrap();
    let exim = html.find("fix (Exim)").expect("Exim's fix in the page");
    let postfix = html
        .find("fix (Postfix)")
        .expect("Postfix's fix in the page");
    assert!(exim < postfix, "Exim's fix first in the page");
    // Without --mta the lab is named from its banner and has no fix of its own: Postfix first.
    let r = check_scenario("chain-incomplete", &[]);
    let first = r
        .stdout
        .lines()
        .map(str::trim)
        .find(|l| l.starts_with("fix ("));
    assert_eq!(first, Some("fix (Postfix):"), "{}", r.stdout);
}
