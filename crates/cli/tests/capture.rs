//! `client`: the capture server against real sending clients on loopback: Python's smtplib as
//! shipped on the machine, `openssl s_client`, swaks, and the tool's own probe. Each test runs
//! its own server on an ephemeral port (`--listen 127.0.0.1:0`) and reads the port from the
//! first line of stderr. A test whose client is missing is skipped loudly (a failure under CI).

mod common;

use common::{Need, require};
use serde_json::Value;
use std::io::{BufRead, BufReader, Read, Write};
use std::path::PathBuf;
use std::process::{Child, Command, Output, Stdio};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

/// The password the clients send: it must never appear in the output.
const SECRET: &str = "secret";
/// base64("\0user\0secret"), the AUTH PLAIN initial response, and base64("secret").
const SECRET_FORMS: [&str; 2] = ["AHVzZXIAc2VjcmV0", "c2VjcmV0"];

struct Capture {
    child: Child,
    port: u16,
    implicit_port: Option<u16>,
    ca: PathBuf,
    _dir: tempfile::TempDir,
    stdout: Option<JoinHandle<String>>,
    stderr: Option<JoinHandle<String>>,
    first_line: String,
}

struct Finished {
    code: i32,
    stdout: String,
    stderr: String,
}

impl Finished {
    /// The JSON lines of type "connection".
    fn connections(&self) -> Vec<Value> {
        self.stdout
            .lines()
            .filter(|l| !l.trim().is_empty())
            .map(|l| {
                serde_json::from_str::<Value>(l)
                    .unwrap_or_else(|e| panic!("not JSON ({e}): {l}\nstderr:\n{}", self.stderr))
            })
            .filter(|v| v["type"] == "connection")
            .collect()
    }

    fn assert_no_secret(&self) {
        let out = self.stdout.replace("extended_master_secret", "");
        assert!(
            !out.contains(SECRET),
            "the password appears in the output:\n{}",
            self.stdout
        );
        for f in SECRET_FORMS {
            assert!(!self.stdout.contains(f), "{f} appears in the output");
            assert!(!self.stderr.contains(f), "{f} appears on stderr");
        }
    }
}

fn port_after(line: &str, marker: &str) -> Option<u16> {
    let head = line.split(marker).next()?;
    head.rsplit(':').next()?.trim().parse().ok()
}

/// Starts `smtp-tls-doctor client --listen 127.0.0.1:0 ARGS` and waits until it listens.
fn start(args: &[&str]) -> Capture {
    let dir = tempfile::tempdir().expect("temp dir");
    let ca = dir.path().join("ca.pem");
    let mut child = Command::new(env!("CARGO_BIN_EXE_smtp-tls-doctor"))
        .args(["client", "--listen", "127.0.0.1:0", "--timeout", "10"])
        .arg("--ca-out")
        .arg(&ca)
        .args(args)
        .env("NO_COLOR", "1")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start smtp-tls-doctor client");
    let stdout = child.stdout.take().expect("stdout");
    let stdout = std::thread::spawn(move || {
        let mut s = String::new();
        let _ = BufReader::new(stdout).read_to_string(&mut s);
        s
    });
    let mut err = BufReader::new(child.stderr.take().expect("stderr"));
    let mut first_line = String::new();
    let _ = err.read_line(&mut first_line);
    let stderr = std::thread::spawn(move || {
        let mut s = String::new();
        let _ = err.read_to_string(&mut s);
        s
    });
    let port = port_after(&first_line, " (STARTTLS)")
        .unwrap_or_else(|| panic!("no port on the first line of stderr: {first_line:?}"));
    let implicit_port = port_after(&first_line, " (implicit TLS)");
    assert!(
        ca.exists(),
        "the CA file is written before the server listens"
    );
    Capture {
        child,
        port,
        implicit_port,
        ca,
        _dir: dir,
        stdout: Some(stdout),
        stderr: Some(stderr),
        first_line,
    }
}

impl Capture {
    fn ca(&self) -> String {
        self.ca.to_string_lossy().into_owned()
    }

    /// Waits for the server to stop by itself (--once / --count). The 120 s limit is a hang guard
    /// (over 10 times the server's --timeout 10), not a speed claim.
    fn finish(mut self) -> Finished {
        let deadline = Instant::now() + Duration::from_secs(120);
        let status = loop {
            match self.child.try_wait() {
                Ok(Some(s)) => break s,
                Ok(None) if Instant::now() < deadline => {
                    std::thread::sleep(Duration::from_millis(50))
                }
                _ => {
                    let _ = self.child.kill();
                    let _ = self.child.wait();
                    let out = self.stdout.take().and_then(|h| h.join().ok());
                    panic!(
                        "the capture server did not stop by itself; stdout so far:\n{}",
                        out.unwrap_or_default()
                    );
                }
            }
        };
        let stdout = self
            .stdout
            .take()
            .and_then(|h| h.join().ok())
            .unwrap_or_default();
        let stderr = self
            .stderr
            .take()
            .and_then(|h| h.join().ok())
            .unwrap_or_default();
        Finished {
            code: status.code().unwrap_or(-1),
            stdout,
            stderr: format!("{}{stderr}", self.first_line),
        }
    }
}

impl Drop for Capture {
    fn drop(&mut self) {
        if let Ok(None) = self.child.try_wait() {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}

fn python(script: &str, args: &[String]) -> Output {
    Command::new("python3")
        .arg("-c")
        .arg(script)
        .args(args)
        .stdin(Stdio::null())
        .output()
        .expect("run python3")
}

fn assert_ok(o: &Output, what: &str) {
    assert!(
        o.status.success(),
        "{what} failed: {}\nstdout:\n{}\nstderr:\n{}",
        o.status,
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    );
}

/// smtplib trusting the capture CA: STARTTLS, AUTH, one message.
const PY_SEND_VERIFIED: &str = r#"
import smtplib, ssl, sys
port, ca = int(sys.argv[1]), sys.argv[2]
ctx = ssl.create_default_context(cafile=ca)
s = smtplib.SMTP('localhost', port, local_hostname='app.example', timeout=10)
s.starttls(context=ctx)
s.login('user', 'secret')
s.sendmail('from@example.com', ['to@example.com'], 'Subject: capture test\r\n\r\nhello\r\n')
s.quit()
"#;

/// smtplib as most code uses it: starttls() without a context.
const PY_SEND_UNVERIFIED: &str = r#"
import smtplib, sys
port = int(sys.argv[1])
s = smtplib.SMTP('127.0.0.1', port, timeout=10)
s.starttls()
s.login('user', 'secret')
s.sendmail('from@example.com', ['to@example.com'], 'Subject: capture test\r\n\r\nhello\r\n')
s.quit()
"#;

/// smtplib with a verifying context: must refuse the certificate (exit 0), or exit 3.
const PY_EXPECT_REFUSAL: &str = r#"
import smtplib, ssl, sys
port, ca = int(sys.argv[1]), sys.argv[2]
ctx = ssl.create_default_context(cafile=ca)
s = smtplib.SMTP('localhost', port, timeout=10)
try:
    s.starttls(context=ctx)
except ssl.SSLCertVerificationError as e:
    print('refused:', e.verify_message)
    sys.exit(0)
print('accepted a certificate it should have refused')
s.login('user', 'secret')
sys.exit(3)
"#;

#[test]
fn python_smtplib_trusting_the_ca_is_captured() {
    if !require(&[Need::Python3]) {
        return;
    }
    let cap = start(&["--once", "--json"]);
    let o = python(PY_SEND_VERIFIED, &[cap.port.to_string(), cap.ca()]);
    assert_ok(&o, "smtplib with the capture CA");
    let f = cap.finish();
    assert_eq!(f.code, 0, "{}", f.stderr);
    let first = f.stdout.lines().next().unwrap_or("");
    let listening: Value = serde_json::from_str(first).expect("listening line");
    assert_eq!(listening["type"], "listening");
    assert_eq!(listening["name"], "localhost");
    let conns = f.connections();
    assert_eq!(conns.len(), 1, "{}", f.stdout);
    let c = &conns[0];
    let h = &c["client_hello"];
    let versions: Vec<&str> = h["versions"]
        .as_array()
        .expect("versions")
        .iter()
        .filter_map(Value::as_str)
        .collect();
    assert!(versions.contains(&"TLSv1.3"), "{versions:?}");
    assert_eq!(h["sni"], "localhost");
    assert!(
        h["cipher_suites"]
            .as_array()
            .expect("suites")
            .iter()
            .any(|s| s == "0x1302 TLS_AES_256_GCM_SHA384")
    );
    assert!(h["groups"].as_array().is_some_and(|g| !g.is_empty()));
    assert!(
        h["signature_algorithms"]
            .as_array()
            .is_some_and(|g| !g.is_empty())
    );
    let fp = h["fingerprint"].as_str().expect("fingerprint");
    assert_eq!(fp.len(), 64);
    assert!(fp.bytes().all(|b| b.is_ascii_hexdigit()));
    assert!(
        h["fingerprint_string"]
            .as_str()
            .is_some_and(|s| s.starts_with("771,"))
    );
    assert_eq!(c["mode"], "starttls");
    assert_eq!(c["certificate"], "good");
    assert_eq!(c["tls"]["handshake"], "completed");
    assert_eq!(c["tls"]["version"], "TLSv1.3");
    assert_eq!(c["smtp"]["ehlo"], "app.example");
    assert_eq!(c["smtp"]["starttls"], true);
    assert_eq!(c["smtp"]["auth"], "PLAIN");
    assert_eq!(c["smtp"]["auth_accepted"], true);
    assert_eq!(c["smtp"]["mail_from"], true);
    assert_eq!(c["smtp"]["rcpt_to"], 1);
    assert_eq!(c["smtp"]["data"], true);
    assert_eq!(c["smtp"]["messages"], 1);
    assert_eq!(c["smtp"]["quit"], true);
    assert!(c["verification"].is_null());
    assert_eq!(c["findings"].as_array().map(Vec::len), Some(0));
    let servers = c["servers"].as_array().expect("servers");
    assert!(!servers.is_empty());
    for s in servers {
        assert_eq!(
            s["result"], "ok",
            "a current Python reaches every server: {s}"
        );
    }
    let transcript = c["transcript"].to_string();
    assert!(transcript.contains("AUTH PLAIN <redacted>"), "{transcript}");
    f.assert_no_secret();
}

#[test]
fn text_report_puts_the_verdict_first() {
    if !require(&[Need::Python3]) {
        return;
    }
    let cap = start(&["--once", "-v"]);
    let o = python(PY_SEND_VERIFIED, &[cap.port.to_string(), cap.ca()]);
    assert_ok(&o, "smtplib with the capture CA");
    let f = cap.finish();
    assert_eq!(f.code, 0, "{}", f.stderr);
    let first = f.stdout.lines().next().unwrap_or("");
    assert!(
        first.starts_with("Client from 127.0.0.1:")
            && first.contains("TLSv1.3 TLS_AES_256_GCM_SHA384")
            && first.contains("AUTH PLAIN")
            && first.contains("message accepted"),
        "{first}"
    );
    assert!(f.stdout.contains("SNI: localhost"), "{}", f.stdout);
    assert!(
        f.stdout.contains("C: AUTH PLAIN <redacted>"),
        "{}",
        f.stdout
    );
    f.assert_no_secret();
}

#[test]
fn python_smtplib_without_context_does_not_verify() {
    if !require(&[Need::Python3]) {
        return;
    }
    let cap = start(&["--verify-test", "--count", "3", "--json"]);
    for _ in 0..3 {
        let o = python(PY_SEND_UNVERIFIED, &[cap.port.to_string()]);
        assert_ok(&o, "smtplib starttls() without a context");
    }
    let f = cap.finish();
    assert_eq!(f.code, 1, "a client that does not verify gives exit 1");
    let conns = f.connections();
    assert_eq!(conns.len(), 3, "{}", f.stdout);
    for (c, cert) in conns.iter().zip(["wrong-name", "self-signed", "expired"]) {
        assert_eq!(c["certificate"], cert);
        let v = &c["verification"];
        assert_eq!(v["result"], "does-not-verify", "{cert}: {v}");
        assert_eq!(v["certificate"], cert);
        assert_eq!(c["findings"][0]["code"], "client-skips-verification");
        assert_eq!(c["findings"][0]["severity"], "error");
        assert!(
            c["verdict"]
                .as_str()
                .is_some_and(|s| s.contains("does NOT verify certificates")
                    && s.contains("[client-skips-verification]")),
            "{}",
            c["verdict"]
        );
        assert_eq!(c["tls"]["handshake"], "completed");
        assert!(c["client_hello"]["sni"].is_null(), "no SNI for an address");
    }
    assert!(
        conns[1]["verdict"].as_str().is_some_and(|s| s
            .contains("it accepted a self-signed certificate and sent AUTH PLAIN and MAIL FROM")),
        "{}",
        conns[1]["verdict"]
    );
    f.assert_no_secret();
}

#[test]
fn python_with_a_verifying_context_refuses_every_bad_certificate() {
    if !require(&[Need::Python3]) {
        return;
    }
    let cap = start(&["--verify-test", "--count", "3", "--json"]);
    let mut refusals = Vec::new();
    for _ in 0..3 {
        let o = python(PY_EXPECT_REFUSAL, &[cap.port.to_string(), cap.ca()]);
        assert_ok(&o, "smtplib with create_default_context()");
        refusals.push(String::from_utf8_lossy(&o.stdout).into_owned());
    }
    let f = cap.finish();
    assert_eq!(f.code, 0, "a verifying client gives exit 0: {}", f.stdout);
    let conns = f.connections();
    assert_eq!(conns.len(), 3);
    for (c, cert) in conns.iter().zip(["wrong-name", "self-signed", "expired"]) {
        let v = &c["verification"];
        assert_eq!(v["result"], "verifies", "{cert}: {v}");
        assert_eq!(v["certificate"], cert);
        assert!(
            v["alert"]["name"].is_string(),
            "{cert}: the alert sent: {v}"
        );
        assert_eq!(c["tls"]["handshake"], "failed");
        assert_eq!(c["findings"].as_array().map(Vec::len), Some(0));
        assert_eq!(c["smtp"]["auth"], Value::Null);
    }
    // OpenSSL's alerts for these failures.
    assert_eq!(conns[1]["verification"]["alert"]["name"], "unknown_ca");
    assert_eq!(
        conns[2]["verification"]["alert"]["name"],
        "certificate_expired"
    );
    assert!(
        refusals[0].contains("Hostname mismatch") && refusals[1].contains("self-signed"),
        "{refusals:?}"
    );
}

#[test]
fn plaintext_client_is_not_a_verification_result() {
    if !require(&[Need::Python3]) {
        return;
    }
    let script = r#"
import smtplib, sys
s = smtplib.SMTP('127.0.0.1', int(sys.argv[1]), timeout=10)
s.sendmail('from@example.com', ['to@example.com'], 'Subject: plain\r\n\r\nhello\r\n')
s.quit()
"#;
    let cap = start(&["--verify-test", "--once", "--json"]);
    let o = python(script, &[cap.port.to_string()]);
    assert_ok(&o, "smtplib without STARTTLS");
    let f = cap.finish();
    assert_eq!(f.code, 0);
    let c = &f.connections()[0];
    assert_eq!(c["verification"]["result"], "no-tls");
    assert!(c["tls"].is_null());
    assert_eq!(c["smtp"]["mail_without_tls"], true);
    assert_eq!(c["smtp"]["messages"], 1);
    assert!(
        c["verdict"]
            .as_str()
            .is_some_and(|v| v.contains("no TLS (no STARTTLS)")),
        "{}",
        c["verdict"]
    );
}

#[test]
fn implicit_tls_port() {
    if !require(&[Need::Python3]) {
        return;
    }
    let script = r#"
import smtplib, ssl, sys
ctx = ssl.create_default_context(cafile=sys.argv[2])
s = smtplib.SMTP_SSL('localhost', int(sys.argv[1]), context=ctx, timeout=10)
s.ehlo('implicit.example')
s.quit()
"#;
    let cap = start(&["--implicit-port", "0", "--once", "--json"]);
    let port = cap.implicit_port.expect("the implicit TLS port is printed");
    assert_ne!(port, cap.port);
    let o = python(script, &[port.to_string(), cap.ca()]);
    assert_ok(&o, "smtplib.SMTP_SSL");
    let f = cap.finish();
    assert_eq!(f.code, 0);
    let c = &f.connections()[0];
    assert_eq!(c["mode"], "implicit-tls");
    assert_eq!(c["tls"]["handshake"], "completed");
    assert_eq!(c["smtp"]["starttls"], false);
    assert_eq!(c["smtp"]["ehlo"], "implicit.example");
    assert_eq!(c["client_hello"]["sni"], "localhost");
}

#[test]
fn openssl_s_client_hello_is_parsed() {
    if !require(&[Need::Openssl]) {
        return;
    }
    let cap = start(&["--once", "--json"]);
    let connect = format!("127.0.0.1:{}", cap.port);
    let mut child = Command::new("openssl")
        .args([
            "s_client",
            "-starttls",
            "smtp",
            "-connect",
            &connect,
            "-servername",
            "x",
        ])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run openssl s_client");
    if let Some(mut stdin) = child.stdin.take() {
        let _ = stdin.write_all(b"EHLO t\nQUIT\n");
    }
    let _ = child.wait_with_output();
    let f = cap.finish();
    assert_eq!(f.code, 0);
    let c = &f.connections()[0];
    let h = &c["client_hello"];
    assert_eq!(h["sni"], "x");
    let suites = h["cipher_suites"].as_array().expect("suites");
    assert!(suites.len() > 5, "{suites:?}");
    assert!(suites.iter().any(|s| s == "0x1302 TLS_AES_256_GCM_SHA384"));
    assert!(
        suites
            .iter()
            .any(|s| s == "0xc02f TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256")
    );
    let groups = h["groups"].as_array().expect("groups");
    assert!(groups.iter().any(|g| g == "x25519"), "{groups:?}");
    assert!(
        h["extensions"]
            .as_array()
            .is_some_and(|e| e.iter().any(|x| x == "server_name"))
    );
    assert_eq!(c["smtp"]["starttls"], true);
    assert_eq!(c["tls"]["handshake"], "completed");
}

#[test]
fn swaks_is_captured_and_does_not_verify_by_default() {
    if !require(&[Need::Swaks]) {
        return;
    }
    let cap = start(&["--verify-test", "--once", "--json"]);
    let port = cap.port.to_string();
    let o = Command::new("swaks")
        .args([
            "--server",
            "127.0.0.1",
            "--port",
            &port,
            "--tls",
            "--tls-sni",
            "localhost",
            "--ehlo",
            "swaks.example",
            "--from",
            "from@example.com",
            "--to",
            "to@example.com",
            "--auth",
            "PLAIN",
            "--auth-user",
            "user",
            "--auth-password",
            SECRET,
            "--timeout",
            "10",
        ])
        .stdin(Stdio::null())
        .output()
        .expect("run swaks");
    assert_ok(&o, "swaks");
    let f = cap.finish();
    assert_eq!(f.code, 1, "swaks does not verify by default");
    let c = &f.connections()[0];
    assert_eq!(c["smtp"]["ehlo"], "swaks.example");
    assert_eq!(c["smtp"]["auth"], "PLAIN");
    assert_eq!(c["smtp"]["messages"], 1);
    assert_eq!(c["client_hello"]["sni"], "localhost");
    assert_eq!(c["verification"]["result"], "does-not-verify");
    assert_eq!(c["findings"][0]["code"], "client-skips-verification");
    f.assert_no_secret();
}

#[test]
fn the_tools_own_probe_is_captured() {
    let cap = start(&["--once", "--json"]);
    let target = format!("127.0.0.1:{}", cap.port);
    let ca = cap.ca();
    let out = Command::new(env!("CARGO_BIN_EXE_smtp-tls-doctor"))
        .args([
            "check",
            &target,
            "--quick",
            "--ca-file",
            &ca,
            "--name",
            "localhost",
            "--ehlo",
            "probe.example",
        ])
        .env("NO_COLOR", "1")
        .output()
        .expect("run check");
    let report = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(0), "{report}");
    assert!(report.starts_with("OK:"), "{report}");
    let f = cap.finish();
    assert_eq!(f.code, 0);
    let c = &f.connections()[0];
    assert_eq!(c["smtp"]["ehlo"], "probe.example");
    assert_eq!(c["smtp"]["quit"], true);
    let h = &c["client_hello"];
    assert!(h["sni"].is_null(), "no SNI for an address: {h}");
    assert_eq!(h["versions"][0], "TLSv1.3");
    assert!(
        h["cipher_suites"]
            .as_array()
            .is_some_and(|s| s.iter().any(|x| x == "0x1301 TLS_AES_128_GCM_SHA256"))
    );
    assert_eq!(c["tls"]["version"], "TLSv1.3");
}

#[test]
fn usage_errors() {
    for args in [
        vec!["client", "--name", "127.0.0.1"],
        vec!["client", "--listen", "mail.example.com"],
        vec!["client", "--timeout", "0"],
        vec!["client", "--once", "--count", "2"],
    ] {
        let out = Command::new(env!("CARGO_BIN_EXE_smtp-tls-doctor"))
            .args(&args)
            .stdin(Stdio::null())
            .output()
            .expect("run");
        assert_eq!(out.status.code(), Some(64), "{args:?}");
    }
}

/// Several clients at once: one that connects and stays silent does not hold up another, whose
/// report comes first; the silent one is reported when its idle time runs out.
#[test]
fn a_silent_client_does_not_hold_up_another() {
    use std::io::{BufRead, Write};
    let cap = start(&["--count", "2", "--json"]);
    // The first client: greeted, then silent (the server's --timeout 10 ends it).
    let silent = std::net::TcpStream::connect(("127.0.0.1", cap.port)).expect("connect");
    let mut banner = String::new();
    BufReader::new(silent.try_clone().expect("clone"))
        .read_line(&mut banner)
        .expect("banner");
    assert!(banner.starts_with("220 "), "{banner}");
    // The second: a whole plain session.
    let mut other = std::net::TcpStream::connect(("127.0.0.1", cap.port)).expect("connect");
    let mut r = BufReader::new(other.try_clone().expect("clone"));
    let mut line = String::new();
    r.read_line(&mut line).expect("banner");
    other
        .write_all(b"EHLO second.test\r\nQUIT\r\n")
        .expect("send");
    let mut rest = String::new();
    let _ = r.read_to_string(&mut rest);
    assert!(rest.contains("221"), "{rest}");
    let f = cap.finish();
    let conns = f.connections();
    assert_eq!(conns.len(), 2, "{}", f.stdout);
    // The quick one was reported first although it came second.
    assert_eq!(conns[0]["number"], 2, "{}", f.stdout);
    assert_eq!(conns[0]["smtp"]["ehlo"], "second.test", "{}", f.stdout);
    assert_eq!(conns[1]["number"], 1);
    drop(silent);
}

/// Sixteen sessions at once, not more: sixteen silent clients are all greeted, a seventeenth
/// waits with its connection open (no greeting) until one of them leaves, then is greeted.
#[test]
fn sixteen_sessions_at_once_and_the_next_waits_for_a_slot() {
    use std::io::BufRead;
    let cap = start(&["--count", "17", "--json"]);
    let greet = |s: &std::net::TcpStream, wait: Duration| -> Option<String> {
        s.set_read_timeout(Some(wait)).expect("timeout");
        let mut line = String::new();
        match BufReader::new(s.try_clone().expect("clone")).read_line(&mut line) {
            Ok(n) if n > 0 => Some(line),
            _ => None,
        }
    };
    let mut silent = Vec::new();
    for i in 0..16 {
        let s = std::net::TcpStream::connect(("127.0.0.1", cap.port)).expect("connect");
        let banner = greet(&s, Duration::from_secs(10));
        assert!(
            banner.as_deref().is_some_and(|b| b.starts_with("220 ")),
            "client {i}: {banner:?}"
        );
        silent.push(s);
    }
    let next = std::net::TcpStream::connect(("127.0.0.1", cap.port)).expect("connect");
    assert_eq!(
        greet(&next, Duration::from_secs(1)),
        None,
        "a 17th session was served"
    );
    drop(silent.pop());
    let banner = greet(&next, Duration::from_secs(10));
    assert!(
        banner.as_deref().is_some_and(|b| b.starts_with("220 ")),
        "{banner:?}"
    );
    drop(next);
    drop(silent);
    let _ = cap.finish();
}

/// The capture server's own limits on the wire: EHLO announces SIZE 26214400 (the DATA cap,
/// 25 MiB); a command line of 4,000 bytes is answered and the session goes on; one over 4,096
/// bytes (the RFC 5321 limits with slack) gets 500 and the connection is closed.
#[test]
fn the_capture_servers_line_and_size_limits() {
    use std::io::{BufRead, Write};
    let cap = start(&["--count", "1", "--json"]);
    let s = std::net::TcpStream::connect(("127.0.0.1", cap.port)).expect("connect");
    s.set_read_timeout(Some(Duration::from_secs(10)))
        .expect("timeout");
    let mut w = s.try_clone().expect("clone");
    let mut r = BufReader::new(s);
    let reply = |r: &mut BufReader<std::net::TcpStream>| -> Vec<String> {
        let mut lines = Vec::new();
        loop {
            let mut line = String::new();
            if r.read_line(&mut line).unwrap_or(0) == 0 {
                return lines;
            }
            let last = line.as_bytes().get(3) != Some(&b'-');
            lines.push(line.trim_end().to_string());
            if last {
                return lines;
            }
        }
    };
    assert!(reply(&mut r)[0].starts_with("220 "));
    w.write_all(b"EHLO limits.test\r\n").expect("write");
    let ehlo = reply(&mut r);
    assert!(
        ehlo.iter()
            .any(|l| l[4..].eq_ignore_ascii_case("SIZE 26214400")),
        "{ehlo:?}"
    );
    let long = format!("NOOP {}\r\n", "x".repeat(3995));
    w.write_all(long.as_bytes()).expect("write");
    let answer = reply(&mut r);
    assert!(
        answer.first().is_some_and(|l| l.starts_with("250")),
        "{answer:?}"
    );
    let too_long = format!("NOOP {}\r\n", "x".repeat(5000));
    w.write_all(too_long.as_bytes()).expect("write");
    let answer = reply(&mut r);
    assert!(
        answer.first().is_some_and(|l| l.starts_with("500")),
        "{answer:?}"
    );
    // Closed: nothing more comes.
    assert!(reply(&mut r).is_empty());
    drop(w);
    let _ = cap.finish();
}

/// The EHLO name the escape test's client gives: window title, clear screen, blink.
const EVIL_EHLO: &str = "\x1b]0;pwned\x07evil\x1b[2J\x1b[5m.example";

/// A client of its own on the wire: the banner, `EHLO name`, QUIT.
fn ehlo_and_quit(port: u16, name: &str) {
    let s = std::net::TcpStream::connect(("127.0.0.1", port)).expect("connect");
    s.set_read_timeout(Some(Duration::from_secs(10)))
        .expect("timeout");
    let mut w = s.try_clone().expect("clone");
    let mut r = BufReader::new(s);
    fn reply(r: &mut BufReader<std::net::TcpStream>) -> String {
        loop {
            let mut line = String::new();
            let n = r.read_line(&mut line).expect("read a reply");
            assert!(n > 0, "the server closed early");
            if line.as_bytes().get(3) != Some(&b'-') {
                return line;
            }
        }
    }
    assert!(reply(&mut r).starts_with("220 "));
    write!(w, "EHLO {name}\r\n").expect("write");
    assert!(reply(&mut r).starts_with("250 "));
    w.write_all(b"QUIT\r\n").expect("write");
    assert!(reply(&mut r).starts_with("221 "));
}

/// No terminal control character in `text` but line feeds.
fn assert_no_controls(text: &str) {
    let bad: Vec<char> = text
        .chars()
        .filter(|&c| c != '\n' && c.is_control())
        .collect();
    assert!(bad.is_empty(), "control characters {bad:?} in\n{text}");
}

#[test]
fn escape_sequences_from_the_client_are_shown_not_sent() {
    // Text: the verdict line, the greeting, the transcript show the escapes.
    let cap = start(&["--once", "-v"]);
    ehlo_and_quit(cap.port, EVIL_EHLO);
    let f = cap.finish();
    assert_eq!(f.code, 0, "{}", f.stderr);
    assert!(!f.stdout.contains('\x1b') && !f.stdout.contains('\x07'));
    assert_no_controls(&f.stdout);
    let shown = "\\x1b]0;pwned\\x07evil\\x1b[2J\\x1b[5m.example";
    let first = f.stdout.lines().next().unwrap_or("");
    assert!(first.contains(&format!("EHLO {shown}")), "{first}");
    assert!(
        f.stdout.contains(&format!("greeting: EHLO {shown}")),
        "{}",
        f.stdout
    );
    assert!(
        f.stdout.contains(&format!("C: EHLO {shown}")),
        "{}",
        f.stdout
    );

    // JSON keeps the exact name; the text of that very report shows none of it raw, nor of any
    // other string of it.
    let cap = start(&["--once", "--json"]);
    ehlo_and_quit(cap.port, EVIL_EHLO);
    let f = cap.finish();
    assert_eq!(f.code, 0, "{}", f.stderr);
    let c = &f.connections()[0];
    assert_eq!(c["smtp"]["ehlo"], EVIL_EHLO);
    assert!(c["verdict"].as_str().is_some_and(|v| v.contains(EVIL_EHLO)));
    let mut report: doctor::model::capture::ConnectionReport =
        serde_json::from_value(c.clone()).expect("a connection report");
    report.local.push_str("\x1b[2J");
    report.verdict.push_str("\u{9b}5m\r");
    for l in &mut report.transcript {
        l.text.push_str("\x1b]0;t\x1b\\");
    }
    let text = doctor::render::capture::render_text(&report, true);
    assert_no_controls(&text);
    assert!(text.contains("\\x1b]0;t\\x1b\\"), "{text}");
    assert!(text.contains("\\u{9b}5m\\r"), "{text}");
}

#[test]
fn default_ca_file_is_in_a_private_directory_removed_at_the_end() {
    let mut child = Command::new(env!("CARGO_BIN_EXE_smtp-tls-doctor"))
        .args([
            "client",
            "--listen",
            "127.0.0.1:0",
            "--timeout",
            "10",
            "--once",
        ])
        .env("NO_COLOR", "1")
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start smtp-tls-doctor client");
    let mut err = BufReader::new(child.stderr.take().expect("stderr"));
    let (mut first, mut second) = (String::new(), String::new());
    let _ = err.read_line(&mut first);
    let _ = err.read_line(&mut second);
    let port = port_after(&first, " (STARTTLS)").expect("the port");
    let ca = PathBuf::from(
        second
            .split_once("trust this CA file: ")
            .map(|(_, p)| p.trim_end())
            .unwrap_or_else(|| panic!("no CA file on the second line: {second:?}")),
    );
    assert!(ca.is_file(), "{}", ca.display());
    let dir = ca.parent().expect("its directory").to_path_buf();
    let dir_name = dir.file_name().and_then(|n| n.to_str()).unwrap_or("");
    assert!(
        dir_name.starts_with("smtp-tls-doctor-client-")
            && dir_name != format!("smtp-tls-doctor-client-{}", child.id()),
        "{}",
        dir.display()
    );
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&dir)
            .expect("metadata")
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o700, "{}", dir.display());
    }
    ehlo_and_quit(port, "app.example");
    let status = child.wait().expect("wait");
    let _ = err.read_to_string(&mut String::new());
    assert!(status.success());
    assert!(!dir.exists(), "{} is left behind", dir.display());
}
