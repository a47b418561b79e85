//! An HTTPS server serving an MTA-STS policy (RFC 8461), for "check a mail
//! domain" tests.
//!
//! [`PolicyServer::start`] serves HTTP/1.1 over rustls (TLS 1.2 and 1.3) on a
//! loopback address: `GET /.well-known/mta-sts.txt` is answered with the
//! configured [`PolicyResponse`], any other path with 404. Every connection
//! carries one request: the request head is read with a 16 KiB cap and a
//! timeout, the answer has a `Content-Length` and `Connection: close`, then
//! the connection is closed. Each request's path and Host header are logged.
//! Nothing a client sends can make the server panic.

use std::io;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use rustls::crypto::ring;
use rustls_pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::task::{JoinHandle, JoinSet};
use tokio::time::timeout;

use crate::LabError;

/// The `scenario` of the [`LabError`]s returned by this module.
pub const POLICY_SERVER: &str = "mta-sts-policy-server";

/// The path of the MTA-STS policy.
pub const POLICY_PATH: &str = "/.well-known/mta-sts.txt";

/// Largest request head accepted (request line and headers).
pub const MAX_HEAD: usize = 16 * 1024;

/// Time for the TLS handshake, for the request head, and for the answer.
const IO_TIMEOUT: Duration = Duration::from_secs(10);

/// Most connections served at once; more are closed at once.
const MAX_CONNECTIONS: usize = 256;

/// The answer to `GET /.well-known/mta-sts.txt`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PolicyResponse {
    pub status: u16,
    /// The Content-Type header, verbatim (none if `None`).
    pub content_type: Option<String>,
    pub body: Vec<u8>,
    /// The Location header, verbatim (for 3xx).
    pub location: Option<String>,
    /// Wait this long (after reading the request) before answering.
    pub delay: Option<Duration>,
}

impl PolicyResponse {
    /// 200, `text/plain`, `body`.
    pub fn ok(body: &str) -> Self {
        PolicyResponse {
            status: 200,
            content_type: Some("text/plain".to_string()),
            body: body.as_bytes().to_vec(),
            location: None,
            delay: None,
        }
    }

    /// A redirect (`status` is e.g. 301 or 302) to `location`, empty body.
    pub fn redirect(status: u16, location: &str) -> Self {
        PolicyResponse {
            status,
            content_type: None,
            body: Vec::new(),
            location: Some(location.to_string()),
            delay: None,
        }
    }

    /// `status` with a short `text/plain` body (e.g. 404, 500).
    pub fn status(status: u16) -> Self {
        PolicyResponse {
            status,
            content_type: Some("text/plain".to_string()),
            body: format!("{status} {}\n", reason(status)).into_bytes(),
            location: None,
            delay: None,
        }
    }

    /// The same response after `delay`.
    pub fn delayed(mut self, delay: Duration) -> Self {
        self.delay = Some(delay);
        self
    }
}

/// Shared between the server handle and its connections.
#[derive(Debug)]
struct State {
    response: Mutex<PolicyResponse>,
    requests: Mutex<Vec<(String, Option<String>)>>,
}

/// Locks even after a panic elsewhere (the data stays usable).
fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// A running MTA-STS policy server. Dropping it (or
/// [`PolicyServer::shutdown`]) stops it and every open connection.
#[derive(Debug)]
pub struct PolicyServer {
    /// Where it listens.
    pub addr: SocketAddr,
    state: Arc<State>,
    task: Option<JoinHandle<()>>,
}

impl PolicyServer {
    /// Serves HTTPS/1.1 (rustls, TLS 1.2 and 1.3, ALPN "http/1.1") on `bind`
    /// (a loopback address, port 0 for an ephemeral port), presenting `chain`
    /// (DER, leaf first) with the PKCS#8 `key` (DER), e.g. from
    /// [`crate::domain::DomainLab::issue`].
    pub async fn start(
        bind: SocketAddr,
        chain: Vec<Vec<u8>>,
        key: Vec<u8>,
        response: PolicyResponse,
    ) -> Result<PolicyServer, LabError> {
        if !bind.ip().is_loopback() {
            return Err(LabError::Bind {
                scenario: POLICY_SERVER,
                addr: bind,
                source: io::Error::new(
                    io::ErrorKind::InvalidInput,
                    format!("{} is not a loopback address", bind.ip()),
                ),
            });
        }
        let tls_err = |message: String| LabError::Tls {
            scenario: POLICY_SERVER,
            message,
        };
        let certs: Vec<CertificateDer<'static>> =
            chain.into_iter().map(CertificateDer::from).collect();
        let key = PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(key));
        let mut config =
            rustls::ServerConfig::builder_with_provider(Arc::new(ring::default_provider()))
                .with_protocol_versions(&[&rustls::version::TLS13, &rustls::version::TLS12])
                .map_err(|e| tls_err(e.to_string()))?
                .with_no_client_auth()
                .with_single_cert(certs, key)
                .map_err(|e| tls_err(e.to_string()))?;
        config.alpn_protocols = vec![b"http/1.1".to_vec()];
        let acceptor = tokio_rustls::TlsAcceptor::from(Arc::new(config));

        let bind_err = |source| LabError::Bind {
            scenario: POLICY_SERVER,
            addr: bind,
            source,
        };
        let listener = TcpListener::bind(bind).await.map_err(bind_err)?;
        let addr = listener.local_addr().map_err(bind_err)?;
        let state = Arc::new(State {
            response: Mutex::new(response),
            requests: Mutex::new(Vec::new()),
        });
        let task = tokio::spawn(serve(listener, acceptor, Arc::clone(&state)));
        Ok(PolicyServer {
            addr,
            state,
            task: Some(task),
        })
    }

    /// Every request received so far, in order: (request target as sent,
    /// Host header if any).
    pub fn requests(&self) -> Vec<(String, Option<String>)> {
        lock(&self.state.requests).clone()
    }

    /// Replaces the policy answer (for later connections).
    pub fn set_response(&self, response: PolicyResponse) {
        *lock(&self.state.response) = response;
    }

    /// Stops the server and waits until its task has ended.
    pub async fn shutdown(mut self) {
        if let Some(task) = self.task.take() {
            task.abort();
            let _ = task.await;
        }
    }
}

impl Drop for PolicyServer {
    fn drop(&mut self) {
        if let Some(task) = &self.task {
            task.abort();
        }
    }
}

/// Accept loop. Connection tasks live in a JoinSet owned by this task, so
/// aborting it also aborts every open connection.
async fn serve(listener: TcpListener, acceptor: tokio_rustls::TlsAcceptor, state: Arc<State>) {
    let mut connections = JoinSet::new();
    loop {
        match listener.accept().await {
            Ok((tcp, _peer)) => {
                while connections.try_join_next().is_some() {}
                if connections.len() >= MAX_CONNECTIONS {
                    drop(tcp);
                    continue;
                }
                let acceptor = acceptor.clone();
                let state = Arc::clone(&state);
                connections.spawn(async move { handle(tcp, acceptor, state).await });
            }
            Err(_) => tokio::time::sleep(Duration::from_millis(50)).await,
        }
    }
}

async fn handle(tcp: TcpStream, acceptor: tokio_rustls::TlsAcceptor, state: Arc<State>) {
    let _ = tcp.set_nodelay(true);
    let Ok(Ok(mut tls)) = timeout(IO_TIMEOUT, acceptor.accept(tcp)).await else {
        return;
    };
    let answer = match timeout(IO_TIMEOUT, read_head(&mut tls)).await {
        Err(_) => Some(simple(408)),
        Ok(Err(_)) | Ok(Ok(Head::Eof)) => None,
        Ok(Ok(Head::TooLarge)) => Some(simple(431)),
        Ok(Ok(Head::Complete(head))) => Some(respond(&head, &state).await),
    };
    if let Some(bytes) = answer {
        let _ = timeout(IO_TIMEOUT, async {
            tls.write_all(&bytes).await?;
            tls.flush().await
        })
        .await;
    }
    crate::smtp::close(&mut tls).await;
}

enum Head {
    /// The request head without its final empty line.
    Complete(Vec<u8>),
    TooLarge,
    /// The client closed before the end of the head.
    Eof,
}

/// Reads up to the empty line that ends the request head (CRLF or bare LF).
async fn read_head<S: AsyncRead + Unpin>(s: &mut S) -> io::Result<Head> {
    let mut head = Vec::new();
    let mut buf = [0u8; 2048];
    loop {
        let n = s.read(&mut buf).await?;
        if n == 0 {
            return Ok(Head::Eof);
        }
        let start = head.len().saturating_sub(3);
        head.extend_from_slice(buf.get(..n).unwrap_or_default());
        if let Some(end) = head_end(&head, start) {
            if end > MAX_HEAD {
                return Ok(Head::TooLarge);
            }
            head.truncate(end);
            return Ok(Head::Complete(head));
        }
        if head.len() > MAX_HEAD {
            return Ok(Head::TooLarge);
        }
    }
}

/// Index where the head's terminating empty line starts, searching from
/// `from`.
fn head_end(data: &[u8], from: usize) -> Option<usize> {
    (from..data.len()).find(|&i| {
        let rest = data.get(i..).unwrap_or_default();
        rest.starts_with(b"\r\n\r\n") || rest.starts_with(b"\n\n") || rest.starts_with(b"\n\r\n")
    })
}

/// A parsed request line and Host header.
#[derive(Debug, PartialEq, Eq)]
struct Request {
    method: String,
    target: String,
    host: Option<String>,
}

fn parse(head: &[u8]) -> Option<Request> {
    let text = String::from_utf8_lossy(head);
    let mut lines = text.split('\n').map(|l| l.strip_suffix('\r').unwrap_or(l));
    let mut parts = lines.next()?.split(' ');
    let (method, target, version) = (parts.next()?, parts.next()?, parts.next()?);
    if parts.next().is_some()
        || method.is_empty()
        || target.is_empty()
        || !version.starts_with("HTTP/1.")
    {
        return None;
    }
    let host = lines.find_map(|line| {
        let (name, value) = line.split_once(':')?;
        name.trim()
            .eq_ignore_ascii_case("host")
            .then(|| value.trim().to_string())
    });
    Some(Request {
        method: method.to_string(),
        target: target.to_string(),
        host,
    })
}

async fn respond(head: &[u8], state: &State) -> Vec<u8> {
    let Some(req) = parse(head) else {
        return simple(400);
    };
    lock(&state.requests).push((req.target.clone(), req.host.clone()));
    let head_only = req.method == "HEAD";
    if req.method != "GET" && !head_only {
        return render(&PolicyResponse::status(405), &["Allow: GET, HEAD"], false);
    }
    let path = req.target.split('?').next().unwrap_or("");
    if path != POLICY_PATH {
        return render(&PolicyResponse::status(404), &[], head_only);
    }
    let response = lock(&state.response).clone();
    if let Some(delay) = response.delay {
        tokio::time::sleep(delay).await;
    }
    render(&response, &[], head_only)
}

/// A short text/plain answer.
fn simple(status: u16) -> Vec<u8> {
    render(&PolicyResponse::status(status), &[], false)
}

fn render(r: &PolicyResponse, extra: &[&str], head_only: bool) -> Vec<u8> {
    let mut out = format!("HTTP/1.1 {} {}\r\n", r.status, reason(r.status));
    if let Some(ct) = &r.content_type {
        out.push_str(&format!("Content-Type: {ct}\r\n"));
    }
    if let Some(location) = &r.location {
        out.push_str(&format!("Location: {location}\r\n"));
    }
    for h in extra {
        out.push_str(h);
        out.push_str("\r\n");
    }
    out.push_str(&format!(
        "Content-Length: {}\r\nConnection: close\r\n\r\n",
        r.body.len()
    ));
    let mut bytes = out.into_bytes();
    if !head_only {
        bytes.extend_from_slice(&r.body);
    }
    bytes
}

fn reason(status: u16) -> &'static str {
    match status {
        200 => "OK",
        204 => "No Content",
        301 => "Moved Permanently",
        302 => "Found",
        303 => "See Other",
        307 => "Temporary Redirect",
        308 => "Permanent Redirect",
        400 => "Bad Request",
        403 => "Forbidden",
        404 => "Not Found",
        405 => "Method Not Allowed",
        408 => "Request Timeout",
        431 => "Request Header Fields Too Large",
        500 => "Internal Server Error",
        502 => "Bad Gateway",
        503 => "Service Unavailable",
        _ => "Status",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parse_request() {
        let req = parse(
            b"GET /.well-known/mta-sts.txt HTTP/1.1\r\nhost:  mta-sts.example.test \r\nAccept: */*",
        )
        .expect("parses");
        assert_eq!(
            req,
            Request {
                method: "GET".into(),
                target: "/.well-known/mta-sts.txt".into(),
                host: Some("mta-sts.example.test".into()),
            }
        );
        assert_eq!(parse(b"GET /\r\n"), None);
        assert_eq!(parse(b"GET / SMTP/1.0"), None);
        assert_eq!(parse(b"GET  / HTTP/1.1"), None);
        assert_eq!(parse(b"\xff\xfe"), None);
        assert_eq!(parse(b"GET / HTTP/1.0").and_then(|r| r.host), None);
    }

    #[test]
    fn head_end_variants() {
        assert_eq!(head_end(b"GET / HTTP/1.1\r\n\r\nbody", 0), Some(14));
        assert_eq!(head_end(b"GET / HTTP/1.1\n\n", 0), Some(14));
        assert_eq!(head_end(b"GET / HTTP/1.1\r\n", 0), None);
    }

    #[tokio::test]
    async fn head_limits() {
        let big = vec![b'a'; MAX_HEAD + 10];
        let mut r = &big[..];
        assert!(matches!(read_head(&mut r).await, Ok(Head::TooLarge)));
        let mut r: &[u8] = b"GET / HTTP/1.1\r\nHost: x";
        assert!(matches!(read_head(&mut r).await, Ok(Head::Eof)));
        let mut r: &[u8] = b"GET / HTTP/1.1\r\nHost: x\r\n\r\n";
        match read_head(&mut r).await {
            Ok(Head::Complete(h)) => assert_eq!(h, b"GET / HTTP/1.1\r\nHost: x"),
            _ => panic!("complete head expected"),
        }
    }

    #[test]
    fn render_shape() {
        let bytes = render(&PolicyResponse::ok("version: STSv1\n"), &[], false);
        assert_eq!(
            String::from_utf8_lossy(&bytes),
            "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 15\r\nConnection: close\r\n\r\nversion: STSv1\n"
        );
    }
}
