//! The web side of the tests of `serve`: a small HTTP/1.1 client over std (for the exporter,
//! Prometheus' API and WebDriver; all on loopback), child processes killed on drop, `serve`
//! started on a free port with a config for the lab, and a hostile SMTP server whose banner is
//! HTML.
#![allow(dead_code)]

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

/// A response: status code, headers (names lower-cased) and body.
#[derive(Debug)]
pub struct Response {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl Response {
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }

    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }

    pub fn json(&self) -> serde_json::Value {
        serde_json::from_slice(&self.body)
            .unwrap_or_else(|e| panic!("not JSON ({e}): {}", self.text()))
    }
}

/// One request with `Connection: close`; the body is read to the end (chunked or not).
pub fn request(
    addr: SocketAddr,
    method: &str,
    path: &str,
    body: Option<&str>,
    timeout: Duration,
) -> std::io::Result<Response> {
    let mut s = TcpStream::connect_timeout(&addr, timeout)?;
    s.set_read_timeout(Some(timeout))?;
    s.set_write_timeout(Some(timeout))?;
    let mut req =
        format!("{method} {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\nAccept: */*\r\n");
    if let Some(b) = body {
        req.push_str(&format!(
            "Content-Type: application/json; charset=utf-8\r\nContent-Length: {}\r\n",
            b.len()
        ));
    }
    req.push_str("\r\n");
    if let Some(b) = body {
        req.push_str(b);
    }
    s.write_all(req.as_bytes())?;
    let raw = read_response(&mut s)?;
    parse_response(&raw).ok_or_else(|| {
        std::io::Error::other(format!(
            "{method} {path} on {addr}: not an HTTP response: {:?}",
            String::from_utf8_lossy(raw.get(..raw.len().min(200)).unwrap_or_default())
        ))
    })
}

/// The whole response: to the end of the body its Content-Length gives, or of its last chunk,
/// or else to EOF (chromedriver answers `Connection: close` and keeps the connection open).
fn read_response(s: &mut TcpStream) -> std::io::Result<Vec<u8>> {
    let mut raw = Vec::new();
    let mut buf = [0u8; 16384];
    loop {
        if let Some(end) = raw.windows(4).position(|w| w == b"\r\n\r\n") {
            let head = String::from_utf8_lossy(raw.get(..end).unwrap_or_default()).to_lowercase();
            let length = head
                .lines()
                .filter_map(|l| l.strip_prefix("content-length:"))
                .find_map(|v| v.trim().parse::<usize>().ok());
            let body = raw.len() - (end + 4);
            if length.is_some_and(|n| body >= n)
                || (head.contains("transfer-encoding: chunked") && raw.ends_with(b"0\r\n\r\n"))
            {
                return Ok(raw);
            }
        }
        let n = s.read(&mut buf)?;
        if n == 0 {
            return Ok(raw);
        }
        raw.extend_from_slice(buf.get(..n).unwrap_or_default());
    }
}

fn parse_response(raw: &[u8]) -> Option<Response> {
    let end = raw.windows(4).position(|w| w == b"\r\n\r\n")?;
    let head = std::str::from_utf8(raw.get(..end)?).ok()?;
    let mut lines = head.split("\r\n");
    let status: u16 = lines.next()?.split(' ').nth(1)?.parse().ok()?;
    let headers: Vec<(String, String)> = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(n, v)| (n.trim().to_ascii_lowercase(), v.trim().to_string()))
        .collect();
    let mut body = raw.get(end + 4..)?.to_vec();
    let chunked = headers
        .iter()
        .any(|(n, v)| n == "transfer-encoding" && v.eq_ignore_ascii_case("chunked"));
    if chunked {
        let mut out = Vec::new();
        let mut rest = body.as_slice();
        loop {
            let nl = rest.windows(2).position(|w| w == b"\r\n")?;
            let size_text = std::str::from_utf8(rest.get(..nl)?).ok()?;
            let size = usize::from_str_radix(size_text.split(';').next()?.trim(), 16).ok()?;
            rest = rest.get(nl + 2..)?;
            if size == 0 {
                break;
            }
            out.extend_from_slice(rest.get(..size)?);
            rest = rest.get(size + 2..)?;
        }
        body = out;
    }
    Some(Response {
        status,
        headers,
        body,
    })
}

/// GET, panicking with the address and path on a transport error.
pub fn get(addr: SocketAddr, path: &str) -> Response {
    request(addr, "GET", path, None, Duration::from_secs(30))
        .unwrap_or_else(|e| panic!("GET http://{addr}{path}: {e}"))
}

/// Percent-encoding of a query parameter value (RFC 3986 unreserved characters kept).
pub fn enc(v: &str) -> String {
    v.bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}

/// A child process, killed (and reaped) on drop, its stderr kept in a file for messages.
pub struct Proc {
    pub name: String,
    pub child: Child,
    pub log: PathBuf,
}

impl Proc {
    /// Starts `cmd` with stderr (and stdout unless piped by the caller) to `log`.
    pub fn spawn(name: &str, mut cmd: Command, log: &Path, pipe_stdout: bool) -> Proc {
        let file = std::fs::File::create(log).expect("a log file");
        let err = file.try_clone().expect("the log file again");
        cmd.stdin(Stdio::null()).stderr(err);
        if pipe_stdout {
            cmd.stdout(Stdio::piped());
        } else {
            cmd.stdout(file);
        }
        let child = cmd
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start {name}: {e}"));
        Proc {
            name: name.to_string(),
            child,
            log: log.to_path_buf(),
        }
    }

    /// Whether it is still running.
    pub fn alive(&mut self) -> bool {
        matches!(self.child.try_wait(), Ok(None))
    }

    /// The end of its log, for a failure message.
    pub fn log_tail(&self) -> String {
        let text = std::fs::read_to_string(&self.log).unwrap_or_default();
        let start = text.len().saturating_sub(4000);
        let start = (start..text.len())
            .find(|i| text.is_char_boundary(*i))
            .unwrap_or(text.len());
        format!(
            "--- {} log {} ---\n{}",
            self.name,
            self.log.display(),
            text.get(start..).unwrap_or_default()
        )
    }
}

impl Drop for Proc {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Polls `f` every 50 ms until it gives a value or `limit` has passed.
pub fn poll<T>(limit: Duration, mut f: impl FnMut() -> Option<T>) -> Option<T> {
    let end = Instant::now() + limit;
    loop {
        if let Some(v) = f() {
            return Some(v);
        }
        if Instant::now() > end {
            return None;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// `smtp-tls-doctor serve`, running.
pub struct Serve {
    pub proc: Proc,
    pub addr: SocketAddr,
    pub dir: tempfile::TempDir,
}

impl Serve {
    pub fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.addr)
    }
}

/// A `[modules.lab]` table for the lab: its CA, mx.lab.test resolved to the lab's address,
/// no fetches (the lab's caIssuers name a host that must not be looked up), short limits.
pub fn lab_module(name: &str, min_interval: f64) -> String {
    let l = super::lab();
    let ip = l
        .addrs
        .values()
        .next()
        .map(|a| a.ip().to_string())
        .unwrap_or_else(|| "127.0.0.1".into());
    format!(
        "[modules.{name}]\n\
         ca_file = {ca:?}\n\
         resolve = [\"{host}:{ip}\"]\n\
         no_fetch = true\n\
         banner_timeout = 3\n\
         command_timeout = 3\n\
         handshake_timeout = 3\n\
         deadline = 20\n\
         min_interval = {min_interval:?}\n",
        ca = l.ca_file.to_string_lossy(),
        host = l.host,
    )
}

/// The `[server]` table for tests: the lab's name only, loopback addresses allowed.
pub fn lab_server_table() -> String {
    format!(
        "[server]\n\
         allow_targets = [\"{host}\"]\n\
         allow_private = true\n\
         max_concurrent_checks = 4\n\
         per_client_per_minute = 1000\n\
         global_per_minute = 1000\n\
         request_timeout = 30\n",
        host = super::lab().host
    )
}

/// Starts `serve --listen 127.0.0.1:0 --config FILE` with `config` and waits for its line
/// `listening on http://ADDR:PORT`.
pub fn start_serve(config: &str) -> Serve {
    let dir = tempfile::Builder::new()
        .prefix("smtp-tls-doctor-serve-")
        .tempdir()
        .expect("a temporary directory");
    let conf = dir.path().join("serve.toml");
    std::fs::write(&conf, config).expect("write the serve config");
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_smtp-tls-doctor"));
    cmd.args(["serve", "--listen", "127.0.0.1:0", "--config"])
        .arg(&conf)
        .env("NO_COLOR", "1");
    let mut proc = Proc::spawn("serve", cmd, &dir.path().join("serve.log"), true);
    let stdout = proc.child.stdout.take().expect("serve's stdout");
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        let mut lines = BufReader::new(stdout).lines();
        for line in lines.by_ref() {
            let Ok(line) = line else { break };
            if let Some(a) = line.trim().strip_prefix("listening on http://") {
                let _ = tx.send(a.to_string());
                break;
            }
        }
        // Keep reading: serve must never block on a full pipe.
        for _ in lines {}
    });
    // Hang guard only: serve binds at once.
    let addr = match rx.recv_timeout(Duration::from_secs(30)) {
        Ok(a) => a
            .parse::<SocketAddr>()
            .unwrap_or_else(|e| panic!("serve printed listening on {a}: {e}")),
        Err(e) => {
            std::thread::sleep(Duration::from_millis(200));
            panic!(
                "serve printed no `listening on` line ({e}):\n{}",
                proc.log_tail()
            )
        }
    };
    Serve { proc, addr, dir }
}

/// `host:port` of a lab scenario, as a target of the `lab` module.
pub fn lab_target(scenario: &str) -> String {
    let l = super::lab();
    let a = l
        .addrs
        .get(scenario)
        .unwrap_or_else(|| panic!("no lab scenario {scenario}"));
    format!("{}:{}", l.host, a.port())
}

/// The banner of the hostile HTML server.
pub const HOSTILE_HTML: &str = "<script>alert(1)</script><img src=x onerror=alert(1)>";

/// A plain SMTP server on 127.0.0.1 whose banner and EHLO reply carry HTML meant to run in a
/// page that shows them unescaped; it offers no STARTTLS. Runs until the test process exits.
pub fn hostile_html_smtp() -> SocketAddr {
    let l = TcpListener::bind("127.0.0.1:0").expect("bind the hostile SMTP server");
    let addr = l.local_addr().expect("its address");
    std::thread::spawn(move || {
        for conn in l.incoming() {
            let Ok(conn) = conn else { continue };
            std::thread::spawn(move || {
                let _ = hostile_session(conn);
            });
        }
    });
    addr
}

fn hostile_session(mut s: TcpStream) -> std::io::Result<()> {
    s.set_read_timeout(Some(Duration::from_secs(10)))?;
    s.write_all(format!("220 mx.lab.test ESMTP {HOSTILE_HTML}\r\n").as_bytes())?;
    let mut r = BufReader::new(s.try_clone()?);
    let mut line = String::new();
    loop {
        line.clear();
        if r.read_line(&mut line)? == 0 {
            return Ok(());
        }
        let verb = line.get(..4).unwrap_or_default().to_ascii_uppercase();
        let reply = match verb.as_str() {
            "EHLO" => format!("250-mx.lab.test {HOSTILE_HTML}\r\n250 PIPELINING\r\n"),
            "HELO" => "250 mx.lab.test\r\n".to_string(),
            "QUIT" => {
                s.write_all(b"221 bye\r\n")?;
                return Ok(());
            }
            _ => "502 5.5.2 no\r\n".to_string(),
        };
        s.write_all(reply.as_bytes())?;
    }
}
