//! `serve`: the real binary on 127.0.0.1:0 with a config of the test's own, against the lab and
//! against small SMTP servers of this file (counting their connections, or with a hostile
//! banner): the form, the report page, the JSON API, the exporter (promtool), the cache, the
//! fences (allowlist, private addresses, listening beyond loopback), the limits (rate, busy,
//! body size, slow clients), HTML escaping, the live-progress job stream, a clean stop.

mod common;

use common::{lab, promtool_accepts};
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

/// A running `serve`, stopped when dropped.
struct Serve {
    child: Child,
    addr: SocketAddr,
    _dir: tempfile::TempDir,
}

impl Serve {
    fn start(config: &str) -> Serve {
        Serve::start_with(config, &[])
    }

    fn start_with(config: &str, extra: &[&str]) -> Serve {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("serve.toml");
        std::fs::write(&path, config).expect("write config");
        let mut child = Command::new(env!("CARGO_BIN_EXE_smtp-tls-doctor"))
            .args(["serve", "--listen", "127.0.0.1:0", "--config"])
            .arg(&path)
            .args(extra)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("start serve");
        let stdout = child.stdout.take().expect("stdout");
        let (tx, rx) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            let mut line = String::new();
            let _ = BufReader::new(stdout).read_line(&mut line);
            let _ = tx.send(line);
        });
        let line = match rx.recv_timeout(Duration::from_secs(20)) {
            Ok(l) => l,
            Err(_) => {
                let _ = child.kill();
                panic!("serve printed no line within 20 s");
            }
        };
        let Some(addr) = line.trim().strip_prefix("listening on http://") else {
            let _ = child.kill();
            let mut err = String::new();
            if let Some(mut e) = child.stderr.take() {
                let _ = e.read_to_string(&mut err);
            }
            panic!("unexpected first line {line:?}; stderr: {err}");
        };
        Serve {
            addr: addr.parse().expect("an address"),
            child,
            _dir: dir,
        }
    }

    fn get(&self, path: &str) -> Resp {
        http(self.addr, "GET", path, None, &[])
    }

    fn post(&self, path: &str, content_type: &str, body: &[u8]) -> Resp {
        http(
            self.addr,
            "POST",
            path,
            Some(body),
            &[("Content-Type", content_type)],
        )
    }
}

impl Drop for Serve {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

#[derive(Debug)]
struct Resp {
    status: u16,
    headers: Vec<(String, String)>,
    body: String,
}

impl Resp {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.body)
            .unwrap_or_else(|e| panic!("not JSON ({e}): {} {}", self.status, self.body))
    }
}

/// One HTTP/1.1 request on a connection of its own (Connection: close), the answer read to the end.
fn http(
    addr: SocketAddr,
    method: &str,
    path: &str,
    body: Option<&[u8]>,
    headers: &[(&str, &str)],
) -> Resp {
    let mut s = TcpStream::connect(addr).expect("connect to serve");
    s.set_read_timeout(Some(Duration::from_secs(90))).ok();
    let mut req = format!("{method} {path} HTTP/1.1\r\nConnection: close\r\n");
    if !headers.iter().any(|(k, _)| k.eq_ignore_ascii_case("host")) {
        req.push_str(&format!("Host: {addr}\r\n"));
    }
    for (k, v) in headers {
        req.push_str(&format!("{k}: {v}\r\n"));
    }
    if let Some(b) = body {
        req.push_str(&format!("Content-Length: {}\r\n", b.len()));
    }
    req.push_str("\r\n");
    s.write_all(req.as_bytes()).expect("send");
    if let Some(b) = body {
        let _ = s.write_all(b);
    }
    let mut raw = Vec::new();
    let _ = s.read_to_end(&mut raw);
    let text = String::from_utf8_lossy(&raw).into_owned();
    let (head, rest) = text.split_once("\r\n\r\n").unwrap_or((&text, ""));
    let mut lines = head.lines();
    let status = lines
        .next()
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|c| c.parse().ok())
        .unwrap_or_else(|| panic!("no status line: {text:?}"));
    let headers: Vec<(String, String)> = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(k, v)| (k.trim().to_string(), v.trim().to_string()))
        .collect();
    let chunked = headers
        .iter()
        .any(|(k, v)| k.eq_ignore_ascii_case("transfer-encoding") && v.contains("chunked"));
    let body = if chunked {
        dechunk(rest)
    } else {
        rest.to_string()
    };
    Resp {
        status,
        headers,
        body,
    }
}

fn dechunk(mut s: &str) -> String {
    let mut out = String::new();
    while let Some((size, rest)) = s.split_once("\r\n") {
        let Ok(n) = usize::from_str_radix(size.trim(), 16) else {
            break;
        };
        if n == 0 || rest.len() < n {
            out.push_str(rest.get(..n.min(rest.len())).unwrap_or(""));
            break;
        }
        out.push_str(&rest[..n]);
        s = rest[n..].trim_start_matches("\r\n");
    }
    out
}

/// A small SMTP server on loopback: greets with `banner` (or, `silent`, never), answers EHLO
/// without STARTTLS, and counts the connections it accepts.
struct FakeSmtp {
    addr: SocketAddr,
    connections: Arc<AtomicUsize>,
}

impl FakeSmtp {
    fn start(banner: &'static str, silent: bool) -> FakeSmtp {
        let l = TcpListener::bind("127.0.0.1:0").expect("bind");
        let addr = l.local_addr().expect("addr");
        let connections = Arc::new(AtomicUsize::new(0));
        let count = connections.clone();
        std::thread::spawn(move || {
            for s in l.incoming() {
                let Ok(mut s) = s else { continue };
                count.fetch_add(1, Ordering::SeqCst);
                std::thread::spawn(move || {
                    if silent {
                        std::thread::sleep(Duration::from_secs(20));
                        return;
                    }
                    let _ = s.write_all(format!("{banner}\r\n").as_bytes());
                    let mut r = BufReader::new(s.try_clone().expect("clone"));
                    let mut line = String::new();
                    while r.read_line(&mut line).map(|n| n > 0).unwrap_or(false) {
                        let cmd = line.to_ascii_uppercase();
                        let reply = if cmd.starts_with("EHLO") {
                            "250-fake.test\r\n250 SIZE 1000000\r\n"
                        } else if cmd.starts_with("QUIT") {
                            let _ = s.write_all(b"221 bye\r\n");
                            return;
                        } else {
                            "502 not here\r\n"
                        };
                        let _ = s.write_all(reply.as_bytes());
                        line.clear();
                    }
                });
            }
        });
        FakeSmtp { addr, connections }
    }

    fn count(&self) -> usize {
        self.connections.load(Ordering::SeqCst)
    }

    fn port(&self) -> u16 {
        self.addr.port()
    }
}

const GOOD_BANNER: &str = "220 fake.test ESMTP counting";

/// A module for the fake servers: quick, short limits, names resolving to loopback.
fn fake_module(name: &str, extra: &str) -> String {
    format!(
        "[modules.{name}]\nquick = true\nbanner_timeout = 5\ncommand_timeout = 5\nresolve = [\"fake.test:127.0.0.1\", \"evil.test:127.0.0.1\", \"mx.allowed.test:127.0.0.1\"]\n{extra}\n"
    )
}

/// The value of the series `name{labels}` (labels exactly as written, or none).
fn sample(text: &str, series: &str) -> Option<f64> {
    text.lines()
        .filter(|l| !l.starts_with('#'))
        .find_map(|l| l.rsplit_once(' ').filter(|(s, _)| *s == series))
        .and_then(|(_, v)| v.parse().ok())
}

fn assert_security_headers(r: &Resp) {
    assert_eq!(
        r.header("content-security-policy"),
        Some(
            "default-src 'none'; script-src 'self'; style-src 'unsafe-inline'; img-src data:; connect-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'"
        ),
        "{r:?}"
    );
    assert_eq!(r.header("x-content-type-options"), Some("nosniff"));
    assert_eq!(r.header("referrer-policy"), Some("no-referrer"));
}

#[test]
fn the_form_and_its_script_are_served_with_the_headers() {
    let s = Serve::start("[server]\nallow_private = true\n[modules.lab]\nquick = true\n");
    let r = s.get("/");
    assert_eq!(r.status, 200);
    assert_security_headers(&r);
    for needle in [
        "<form id=\"check-form\" method=\"get\" action=\"/check\">",
        "name=\"target\"",
        "<select id=\"module\" name=\"module\"><option value=\"default\" selected>default</option><option value=\"lab\">lab</option></select>",
        "name=\"names\"",
        "type=\"checkbox\" name=\"as\" value=\"gmail-mx\"",
        "name=\"quick\" value=\"1\"",
        "id=\"submit\"",
        "id=\"progress\"",
    ] {
        assert!(r.body.contains(needle), "{needle} missing: {}", r.body);
    }
    // No inline script: every script element has a src on this server.
    for (i, _) in r.body.match_indices("<script") {
        assert!(
            r.body[i..].starts_with("<script src=\"/assets/app.js"),
            "{}",
            &r.body[i..]
        );
    }
    let js = s.get("/assets/app.js");
    assert_eq!(js.status, 200);
    assert!(
        js.header("content-type")
            .is_some_and(|c| c.starts_with("text/javascript"))
    );
    assert!(
        js.header("cache-control")
            .is_some_and(|c| c.contains("max-age=31536000"))
    );
    assert!(js.body.contains("/api/jobs") && js.body.contains("EventSource"));
    assert_security_headers(&js);
    assert_eq!(
        s.get("/favicon.ico").status,
        204,
        "no icon, and no failed request"
    );
    let nf = s.get("/nothing-here");
    assert_eq!(nf.status, 404);
    assert_security_headers(&nf);
    assert_eq!(s.post("/check", "text/plain", b"").status, 405);
    // On loopback, a request for another name (DNS rebinding from a web page) is not answered.
    let rebound = http(s.addr, "GET", "/", None, &[("Host", "evil.example:8025")]);
    assert_eq!(rebound.status, 421, "{}", rebound.body);
    assert_security_headers(&rebound);
    let local = http(s.addr, "GET", "/", None, &[("Host", "localhost:8025")]);
    assert_eq!(local.status, 200);
}

#[test]
fn a_lab_scenario_as_page_json_probe_and_metrics() {
    let l = lab();
    let port = l.addrs.get("wrong-name").expect("wrong-name").port();
    let config = format!(
        "[server]\nallow_private = true\n[modules.lab]\nquick = true\nca_file = \"{}\"\nresolve = [\"{}:127.0.0.1\"]\nbanner_timeout = 5\n",
        l.ca_file.display(),
        l.host
    );
    let s = Serve::start(&config);
    let target = format!("{}:{port}", l.host);
    let page = s.get(&format!("/check?target={target}&module=lab"));
    assert_eq!(page.status, 200, "{}", page.body);
    assert_security_headers(&page);
    assert!(
        page.header("content-type")
            .is_some_and(|c| c.starts_with("text/html"))
    );
    assert!(
        page.body
            .contains("id=\"verdict\" data-verdict=\"problem\""),
        "{}",
        page.body
    );
    assert!(
        page.body.contains("data-code=\"cert-name-mismatch\""),
        "{}",
        page.body
    );

    let api = s.post(
        "/api/check",
        "application/json",
        format!("{{\"target\": \"{target}\", \"module\": \"lab\", \"as\": [\"gmail-mx\"], \"quick\": true}}").as_bytes(),
    );
    assert_eq!(api.status, 200, "{}", api.body);
    let v = api.json();
    assert_eq!(v["verdict"]["code"], "cert-name-mismatch", "{v}");
    assert_eq!(v["schema_version"], 1);
    assert_eq!(
        v["endpoints"][0]["profiles"][0]["profile"], "gmail-mx",
        "{v}"
    );

    let bad = s.post("/api/check", "application/json", b"{\"target\": 5}");
    assert_eq!(bad.status, 400);
    assert!(bad.json()["error"]["kind"].is_string());
    let unknown = s.post(
        "/api/check",
        "application/json",
        b"{\"target\": \"x.test\", \"module\": \"nope\"}",
    );
    assert_eq!(unknown.status, 400);
    assert!(
        unknown.json()["error"]["message"]
            .as_str()
            .is_some_and(|m| m.contains("lab"))
    );

    let ex = s.get("/api/explain/cert-name-mismatch");
    assert_eq!(ex.status, 200);
    let e = ex.json();
    assert_eq!(e["code"], "cert-name-mismatch");
    assert!(e["fixes"].as_array().is_some_and(|f| !f.is_empty()));
    let nx = s.get("/api/explain/no-such-code");
    assert_eq!(nx.status, 404);
    assert_eq!(nx.json()["error"]["kind"], "unknown-code");

    let probe = s.get(&format!("/probe?target={target}&module=lab"));
    assert_eq!(probe.status, 200);
    assert_eq!(
        probe.header("content-type"),
        Some("text/plain; version=0.0.4; charset=utf-8")
    );
    assert_eq!(
        sample(&probe.body, "smtp_tls_probe_success"),
        Some(1.0),
        "{}",
        probe.body
    );
    promtool_accepts("/probe", &probe.body);

    let m = s.get("/metrics");
    assert_eq!(m.status, 200);
    assert_eq!(
        sample(
            &m.body,
            "smtp_tls_doctor_probes_total{module=\"lab\",result=\"problems\"}"
        ),
        Some(2.0),
        "page and API checks differ (as, quick), the probe is the page's again: {}",
        m.body
    );
    assert!(sample(&m.body, "smtp_tls_doctor_cache_hits_total").is_some_and(|n| n >= 1.0));
    promtool_accepts("/metrics", &m.body);
}

#[test]
fn a_result_is_served_again_within_min_interval_without_connecting() {
    let fake = FakeSmtp::start(GOOD_BANNER, false);
    let s = Serve::start(&format!(
        "[server]\nallow_private = true\n{}{}",
        fake_module("default", "min_interval = 60"),
        fake_module("fresh", "min_interval = 0")
    ));
    let path = format!("/probe?target=fake.test:{}", fake.port());
    let first = s.get(&path);
    assert_eq!(first.status, 200, "{}", first.body);
    promtool_accepts("/probe", &first.body);
    let after_first = fake.count();
    assert!(after_first >= 1, "the first probe connects");
    for _ in 0..3 {
        let again = s.get(&path);
        assert_eq!(again.status, 200);
        assert_eq!(again.body, first.body, "the same result");
    }
    assert_eq!(
        fake.count(),
        after_first,
        "no connection within min_interval"
    );
    let m = s.get("/metrics").body;
    assert_eq!(
        sample(&m, "smtp_tls_doctor_cache_hits_total"),
        Some(3.0),
        "{m}"
    );
    promtool_accepts("/metrics", &m);
    // min_interval = 0: every request checks anew.
    let fresh = format!("{path}&module=fresh");
    s.get(&fresh);
    let n = fake.count();
    s.get(&fresh);
    assert!(fake.count() > n, "a module without cache connects again");
}

#[test]
fn a_target_off_the_allowlist_is_refused_before_any_connection() {
    let fake = FakeSmtp::start(GOOD_BANNER, false);
    let s = Serve::start(&format!(
        "[server]\nallow_targets = [\"*.allowed.test\"]\nallow_private = true\n{}",
        fake_module("default", "")
    ));
    let p = fake.port();
    let page = s.get(&format!("/check?target=evil.test:{p}"));
    assert_eq!(page.status, 403, "{}", page.body);
    assert!(page.body.contains("allow_targets"), "{}", page.body);
    assert_security_headers(&page);
    let probe = s.get(&format!("/probe?target=evil.test:{p}"));
    assert_eq!(probe.status, 403);
    let api = s.post(
        "/api/check",
        "application/json",
        format!("{{\"target\": \"evil.test:{p}\"}}").as_bytes(),
    );
    assert_eq!(api.status, 403);
    assert_eq!(api.json()["error"]["kind"], "allowlist");
    let literal = s.get(&format!("/probe?target=127.0.0.1:{p}"));
    assert_eq!(
        literal.status, 403,
        "an address is on the list only by a CIDR"
    );
    assert_eq!(fake.count(), 0, "nothing connected");
    let m = s.get("/metrics").body;
    assert_eq!(
        sample(&m, "smtp_tls_doctor_refused_total{reason=\"allowlist\"}"),
        Some(4.0),
        "{m}"
    );
    // A name on the list is checked.
    let ok = s.get(&format!("/probe?target=mx.allowed.test:{p}"));
    assert_eq!(ok.status, 200, "{}", ok.body);
    assert!(fake.count() >= 1);
}

#[test]
fn private_addresses_are_refused_unless_allowed() {
    let fake = FakeSmtp::start(GOOD_BANNER, false);
    let s = Serve::start(&fake_module("default", ""));
    let p = fake.port();
    // An address: refused before the check.
    let literal = s.get(&format!("/check?target=127.0.0.1:{p}"));
    assert_eq!(literal.status, 403, "{}", literal.body);
    assert!(literal.body.contains("allow_private"), "{}", literal.body);
    // A name that resolves to loopback: the library's connect policy refuses the address.
    let page = s.get(&format!("/check?target=fake.test:{p}"));
    assert_eq!(page.status, 200, "{}", page.body);
    assert!(
        page.body.contains("data-verdict=\"not-checked\""),
        "{}",
        page.body
    );
    assert!(
        page.body
            .contains("refused by the connect policy: 127.0.0.1 (fake.test) is a loopback address"),
        "{}",
        page.body
    );
    assert!(
        page.body.contains("allow_private or allow_targets"),
        "{}",
        page.body
    );
    let api = s.post(
        "/api/check",
        "application/json",
        format!("{{\"target\": \"fake.test:{p}\", \"quick\": false}}").as_bytes(),
    );
    let v = api.json();
    assert_eq!(v["error"]["kind"], "policy", "{v}");
    assert_eq!(v["error"]["phase"], "connect", "{v}");
    let probe = s.get(&format!("/probe?target=fake.test:{p}"));
    assert_eq!(probe.status, 200);
    assert_eq!(
        sample(&probe.body, "smtp_tls_probe_success"),
        Some(0.0),
        "{}",
        probe.body
    );
    promtool_accepts("/probe", &probe.body);
    assert_eq!(fake.count(), 0, "nothing connected");
}

#[test]
fn listening_beyond_loopback_needs_an_allowlist() {
    let out = Command::new(env!("CARGO_BIN_EXE_smtp-tls-doctor"))
        .args(["serve", "--listen", "0.0.0.0:0"])
        .output()
        .expect("run");
    assert_eq!(out.status.code(), Some(64));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("allow_targets") && err.contains("--allow-any-target"),
        "{err}"
    );
    assert!(out.stdout.is_empty(), "it did not start");
    // A config error names the file and the key.
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("bad.toml");
    std::fs::write(&path, "[modules.lab]\nresolve = [\"not a mapping\"]\n").expect("write");
    let out = Command::new(env!("CARGO_BIN_EXE_smtp-tls-doctor"))
        .args(["serve", "--config"])
        .arg(&path)
        .output()
        .expect("run");
    assert_eq!(out.status.code(), Some(64));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains(&path.display().to_string())
            && err.contains("[modules.lab]")
            && err.contains("resolve"),
        "{err}"
    );
}

#[test]
fn rate_limits_answer_429_with_retry_after() {
    let fake = FakeSmtp::start(GOOD_BANNER, false);
    let s = Serve::start(&format!(
        "[server]\nallow_private = true\nper_client_per_minute = 2\n{}",
        fake_module("default", "")
    ));
    let path = format!("/probe?target=fake.test:{}", fake.port());
    assert_eq!(s.get(&path).status, 200);
    assert_eq!(s.get(&path).status, 200);
    let third = s.get(&path);
    assert_eq!(third.status, 429, "{}", third.body);
    assert!(
        third
            .header("retry-after")
            .and_then(|v| v.parse::<u64>().ok())
            .is_some_and(|s| (1..=60).contains(&s)),
        "{third:?}"
    );
    let page = s.get(&format!("/check?target=fake.test:{}", fake.port()));
    assert_eq!(page.status, 429);
    assert!(page.body.contains("per_client_per_minute"), "{}", page.body);
    let m = s.get("/metrics").body;
    assert_eq!(
        sample(&m, "smtp_tls_doctor_refused_total{reason=\"rate-limit\"}"),
        Some(2.0),
        "{m}"
    );
    assert_eq!(
        sample(
            &m,
            "smtp_tls_doctor_requests_total{route=\"/probe\",status=\"429\"}"
        ),
        Some(1.0),
        "{m}"
    );
}

#[test]
fn checks_beyond_the_cap_get_503() {
    let silent = FakeSmtp::start("", true);
    let other = FakeSmtp::start(GOOD_BANNER, false);
    let s = Serve::start(&format!(
        "[server]\nallow_private = true\nmax_concurrent_checks = 1\n{}",
        fake_module("default", "")
    ));
    let addr = s.addr;
    let slow_path = format!("/probe?target=fake.test:{}", silent.port());
    let slow = std::thread::spawn(move || http(addr, "GET", &slow_path, None, &[]));
    let t = Instant::now();
    while silent.count() == 0 && t.elapsed() < Duration::from_secs(10) {
        std::thread::sleep(Duration::from_millis(50));
    }
    let m = s.get("/metrics").body;
    assert_eq!(
        sample(&m, "smtp_tls_doctor_checks_in_flight"),
        Some(1.0),
        "{m}"
    );
    let t = Instant::now();
    let busy = s.get(&format!("/probe?target=fake.test:{}", other.port()));
    assert_eq!(busy.status, 503, "{}", busy.body);
    assert!(
        t.elapsed() >= Duration::from_millis(1500),
        "it waited for a slot first"
    );
    assert!(busy.header("retry-after").is_some());
    assert!(busy.body.contains("max_concurrent_checks"), "{}", busy.body);
    assert_eq!(other.count(), 0);
    let slow = slow.join().expect("the slow check");
    assert_eq!(slow.status, 200);
    assert_eq!(
        sample(&slow.body, "smtp_tls_probe_success"),
        Some(0.0),
        "a banner timeout: {}",
        slow.body
    );
    // The slot is free again.
    assert_eq!(
        s.get(&format!("/probe?target=fake.test:{}", other.port()))
            .status,
        200
    );
    let m = s.get("/metrics").body;
    assert_eq!(
        sample(&m, "smtp_tls_doctor_refused_total{reason=\"busy\"}"),
        Some(1.0),
        "{m}"
    );
}

#[test]
fn request_limits_body_size_and_slow_clients() {
    let s = Serve::start("[server]\nmax_body = 1024\nrequest_timeout = 1\n");
    let big = vec![b'x'; 5000];
    let r = s.post("/api/check", "application/json", &big);
    assert_eq!(r.status, 413, "{}", r.body);
    assert_eq!(r.json()["error"]["kind"], "too-large");
    let long = format!("/check?target={}", "a".repeat(5000));
    assert_eq!(s.get(&long).status, 414);
    // A request head beyond 16 KiB, or with too many header fields: refused by the HTTP layer.
    let big_header = "b".repeat(20_000);
    let r = http(s.addr, "GET", "/", None, &[("X-Big", &big_header)]);
    assert_eq!(r.status, 431, "{r:?}");
    let many: Vec<(String, String)> = (0..150)
        .map(|i| (format!("X-H{i}"), "1".to_string()))
        .collect();
    let many: Vec<(&str, &str)> = many.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    let r = http(s.addr, "GET", "/", None, &many);
    assert_eq!(r.status, 431, "{r:?}");
    // Half a request head, then nothing: the server closes within request_timeout.
    let mut c = TcpStream::connect(s.addr).expect("connect");
    c.set_read_timeout(Some(Duration::from_secs(10))).ok();
    c.write_all(b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\n")
        .expect("send");
    let t = Instant::now();
    let mut buf = [0u8; 256];
    let n = c.read(&mut buf).unwrap_or(0);
    let waited = t.elapsed();
    assert!(
        waited >= Duration::from_millis(800) && waited < Duration::from_secs(5),
        "{waited:?}"
    );
    assert!(
        n == 0 || String::from_utf8_lossy(&buf[..n]).starts_with("HTTP/1.1 408"),
        "{:?}",
        String::from_utf8_lossy(&buf[..n])
    );
    // A body that stops half way: 408 within request_timeout.
    let mut c = TcpStream::connect(s.addr).expect("connect");
    c.set_read_timeout(Some(Duration::from_secs(10))).ok();
    c.write_all(
        b"POST /api/check HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 100\r\n\r\n{\"tar",
    )
    .expect("send");
    let mut raw = String::new();
    let _ = c.read_to_string(&mut raw);
    assert!(raw.starts_with("HTTP/1.1 408"), "{raw}");
}

#[test]
fn network_text_is_escaped_on_the_page() {
    let hostile = FakeSmtp::start(
        "220 <script>alert(1)</script><img src=x onerror=alert(1)> ESMTP",
        false,
    );
    let s = Serve::start(&format!(
        "[server]\nallow_private = true\n{}",
        fake_module("default", "")
    ));
    let page = s.get(&format!("/check?target=fake.test:{}", hostile.port()));
    assert_eq!(page.status, 200, "{}", page.body);
    assert_security_headers(&page);
    assert!(hostile.count() >= 1);
    assert!(!page.body.contains("<script>alert"), "{}", page.body);
    assert!(!page.body.contains("<img src=x"), "{}", page.body);
    assert!(
        !page.body.contains("<script"),
        "no script at all on the report page"
    );
    assert!(
        page.body
            .contains("&lt;script&gt;alert(1)&lt;/script&gt;&lt;img src=x onerror=alert(1)&gt;"),
        "the banner is shown, escaped: {}",
        page.body
    );
    assert!(
        page.body.contains("data-code=\"starttls-not-offered\""),
        "{}",
        page.body
    );
    // The target itself is user input, shown on the error page: escaped too.
    let e = s.get("/check?target=%3Cimg%20src%3Dx%20onerror%3Dalert(1)%3E");
    assert_eq!(e.status, 400);
    assert!(!e.body.contains("<img"), "{}", e.body);
}

#[test]
fn a_job_streams_progress_then_serves_its_report() {
    let fake = FakeSmtp::start(GOOD_BANNER, false);
    let s = Serve::start(&format!(
        "[server]\nallow_private = true\n{}",
        fake_module("default", "")
    ));
    let body = format!(
        "target=fake.test%3A{}&module=default&names=&quick=1",
        fake.port()
    );
    let job = s.post(
        "/api/jobs",
        "application/x-www-form-urlencoded",
        body.as_bytes(),
    );
    assert_eq!(job.status, 202, "{}", job.body);
    let j = job.json();
    let events = j["events"].as_str().expect("events URL").to_string();
    let result = j["result"].as_str().expect("result URL").to_string();
    let stream = s.get(&events);
    assert_eq!(stream.status, 200);
    assert_eq!(stream.header("content-type"), Some("text/event-stream"));
    let planned = stream.body.find("\"type\":\"planned\"").expect("planned");
    let phase = stream.body.find("\"phase\":\"banner\"").expect("a phase");
    let done = stream
        .body
        .find("\"type\":\"endpoint-done\"")
        .expect("endpoint done");
    let finished = stream.body.find("event: finished").expect("finished");
    assert!(
        planned < phase && phase < done && done < finished,
        "{}",
        stream.body
    );
    let page = s.get(&result);
    assert_eq!(page.status, 200);
    assert!(page.body.contains("id=\"verdict\""));
    assert!(
        page.body.contains("data-code=\"starttls-not-offered\""),
        "{}",
        page.body
    );
    assert_eq!(s.get("/jobs/0123456789abcdef").status, 404);
    let refused = s.post(
        "/api/jobs",
        "application/x-www-form-urlencoded",
        b"target=evil.test&module=nope",
    );
    assert_eq!(refused.status, 400);
    assert_eq!(refused.json()["error"]["kind"], "module");
}

#[test]
fn sigterm_stops_it_cleanly() {
    let mut s = Serve::start("");
    assert_eq!(s.get("/").status, 200);
    let killed = Command::new("kill")
        .args(["-TERM", &s.child.id().to_string()])
        .status()
        .expect("kill");
    assert!(killed.success());
    let t = Instant::now();
    loop {
        if let Some(st) = s.child.try_wait().expect("wait") {
            assert_eq!(st.code(), Some(0));
            break;
        }
        assert!(t.elapsed() < Duration::from_secs(10), "still running");
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// A mail domain on the allowlist whose second MX host is not: the first is checked, the second
/// refused by the connect policy inside the check (its name is only known from DNS).
#[test]
fn every_mx_host_of_a_domain_must_be_on_the_allowlist() {
    use lab::dns::{LabDns, LabRecord};
    use lab::domain::{DomainLab, MxServerSpec};
    use std::net::IpAddr;
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime");
    let dir = tempfile::tempdir().expect("tempdir");
    let d = "fence.lab.test";
    let mx1 = format!("mx1.{d}");
    let mx2 = "mx2.elsewhere.test".to_string();
    let a1: IpAddr = "127.0.0.172".parse().expect("addr");
    let a2: IpAddr = "127.0.0.173".parse().expect("addr");
    let mx = rt
        .block_on(DomainLab::start(
            dir.path(),
            &[
                MxServerSpec::new(&mx1, &[a1]),
                MxServerSpec::new(&mx2, &[a2]),
            ],
        ))
        .expect("MX servers");
    let records = vec![
        LabRecord::mx(d, 10, &mx1),
        LabRecord::mx(d, 20, &mx2),
        LabRecord::addr(&mx1, a1),
        LabRecord::addr(&mx2, a2),
    ];
    let dns = rt
        .block_on(LabDns::start("127.0.0.1:0".parse().expect("addr"), records))
        .expect("DNS server");
    let s = Serve::start(&format!(
        "[server]\nallow_targets = [\".{d}\"]\nallow_private = true\n[modules.default]\ndomain = true\nquick = true\nno_fetch = true\ndns = \"{}\"\nport = {}\nca_file = \"{}\"\n",
        dns.addr,
        mx.port,
        mx.ca_file.display()
    ));
    let r = s.post(
        "/api/check",
        "application/json",
        format!("{{\"target\": \"{d}\"}}").as_bytes(),
    );
    assert_eq!(r.status, 200, "{}", r.body);
    let v = r.json();
    let endpoints = v["endpoints"].as_array().expect("endpoints");
    let of = |name: &str| {
        endpoints
            .iter()
            .find(|e| e["name"] == name)
            .unwrap_or_else(|| panic!("no endpoint {name}: {v}"))
    };
    assert!(of(&mx1)["failure"].is_null(), "{}", of(&mx1));
    assert_eq!(of(&mx1)["tls"]["completed"], true, "{}", of(&mx1));
    let refused = &of(&mx2)["failure"];
    assert_eq!(refused["kind"], "policy", "{refused}");
    assert_eq!(refused["phase"], "connect", "{refused}");
    assert!(
        refused["message"]
            .as_str()
            .is_some_and(|m| m.contains("mx2.elsewhere.test (127.0.0.173) is not on the list")),
        "{refused}"
    );
    assert!(
        of(&mx2)["transcript"]
            .as_array()
            .is_some_and(|t| !t.iter().any(|l| l["text"] == "connected")),
        "no connection: {}",
        of(&mx2)
    );
    // The domain itself must be on the list too.
    let other = s.get("/probe?target=elsewhere.test");
    assert_eq!(other.status, 403);
    rt.block_on(async {
        dns.shutdown().await;
        mx.shutdown().await;
    });
}

/// Requests for a check that is running join it: one connection for three requests, even with
/// no cache (min_interval = 0).
#[test]
fn identical_requests_share_one_check_in_flight() {
    let silent = FakeSmtp::start("", true);
    let s = Serve::start(
        "[server]\nallow_private = true\n[modules.default]\nquick = true\nbanner_timeout = 2\nmin_interval = 0\nresolve = [\"fake.test:127.0.0.1\"]\n",
    );
    let addr = s.addr;
    let path = format!("/probe?target=fake.test:{}", silent.port());
    let threads: Vec<_> = (0..3)
        .map(|_| {
            let p = path.clone();
            std::thread::spawn(move || http(addr, "GET", &p, None, &[]))
        })
        .collect();
    for t in threads {
        let r = t.join().expect("request");
        assert_eq!(r.status, 200, "{}", r.body);
        assert_eq!(sample(&r.body, "smtp_tls_probe_success"), Some(0.0));
    }
    assert_eq!(silent.count(), 1, "one check for the three requests");
    let m = s.get("/metrics").body;
    assert_eq!(
        sample(
            &m,
            "smtp_tls_doctor_probes_total{module=\"default\",result=\"error\"}"
        ),
        Some(1.0),
        "{m}"
    );
}
