//! The one HTTP(S) fetcher: a GET of an `http://` or `https://` URL, recorded as it happened.
//! AIA caIssuers certificates (plain HTTP) and MTA-STS policies (HTTPS) are fetched through it.
//!
//! One request on one connection (HTTP/1.1, `Connection: close`). Redirects are never followed:
//! the status and `Location` are in the response like any other. The answer is read up to a byte
//! cap, within a time limit for the whole fetch and optional limits per stage. For `https://` the
//! probe's TLS connector ([`crate::observe::tls`]: TLS 1.3 and 1.2, SNI, a verifier that records
//! the chain as sent and accepts it) is set up for each fetch, so the chain is this fetch's.
//!
//! The host's address is found here and only here: a `--connect-to` or `--resolve` mapping, else
//! an address literal, else DNS ([`Lookup`]). Every address then passes [`Request::admit`] before
//! it is connected to: the one place for a rule on where fetches may go.
//!
//! Never panics on what a server sends; every failure is a [`FetchError`] at a [`Stage`].

use crate::model::dns::DnsAnswer;
use crate::model::options::{CheckOptions, FetchPolicy};
use crate::observe::dns::{Dns, Rtype};
use std::fmt;
use std::future::Future;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};

pub use wire::http::Response;

/// `http` or `https`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scheme {
    Http,
    Https,
}

/// A URL as far as a GET needs it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Url {
    pub scheme: Scheme,
    /// Lower case; an IPv6 literal without its brackets.
    pub host: String,
    pub port: u16,
    /// The path and query, starting with `/` (the fragment is dropped).
    pub path: String,
}

impl Url {
    /// Parse `http[s]://host[:port][/path][?query][#fragment]`. No user info, no spaces or
    /// control characters (they would end up in the request).
    pub fn parse(url: &str) -> Result<Url, String> {
        let (scheme, rest, default_port) = if let Some(r) = url.strip_prefix("http://") {
            (Scheme::Http, r, 80)
        } else if let Some(r) = url.strip_prefix("https://") {
            (Scheme::Https, r, 443)
        } else {
            return Err(format!(
                "only http:// and https:// URLs are fetched, not {url}"
            ));
        };
        let unusable = || format!("not a usable URL: {url}");
        let bad_port = || format!("bad port in {url}");
        let (hostport, path) = match rest.find(['/', '?', '#']) {
            Some(i) => rest.split_at_checked(i).ok_or_else(unusable)?,
            None => (rest, "/"),
        };
        let path = path.split('#').next().unwrap_or_default();
        let path = match path {
            "" => "/".to_string(),
            p if p.starts_with('?') => format!("/{p}"),
            p => p.to_string(),
        };
        if path.chars().any(|c| c == ' ' || c.is_control()) {
            return Err(unusable());
        }
        let port_of = |p: &str| p.parse::<u16>().ok().filter(|p| *p != 0);
        let (host, port) = if let Some(r) = hostport.strip_prefix('[') {
            let (h, after) = r.split_once(']').ok_or_else(unusable)?;
            let ip: Ipv6Addr = h.parse().map_err(|_| unusable())?;
            let port = match after {
                "" => default_port,
                p => port_of(p.strip_prefix(':').ok_or_else(unusable)?).ok_or_else(bad_port)?,
            };
            (ip.to_string(), port)
        } else {
            let (h, port) = match hostport.split_once(':') {
                Some((h, p)) => (h, port_of(p).ok_or_else(bad_port)?),
                None => (hostport, default_port),
            };
            let h = h.trim_end_matches('.').to_ascii_lowercase();
            let usable = !h.is_empty()
                && h.bytes()
                    .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_'));
            if !usable {
                return Err(unusable());
            }
            (h, port)
        };
        Ok(Url {
            scheme,
            host,
            port,
            path,
        })
    }

    /// The `Host` header (RFC 9110 §7.2): the host, and the port when it is not the scheme's.
    fn authority(&self) -> String {
        let host = if self.host.contains(':') {
            format!("[{}]", self.host)
        } else {
            self.host.clone()
        };
        let default = match self.scheme {
            Scheme::Http => 80,
            Scheme::Https => 443,
        };
        if self.port == default {
            host
        } else {
            format!("{host}:{}", self.port)
        }
    }
}

/// How the host's address is found when no `--connect-to`/`--resolve` mapping names it and it is
/// not an address literal.
#[derive(Clone, Copy)]
pub enum Lookup<'a> {
    /// A and AAAA through this resolver; the answers are recorded in [`Fetched::lookups`].
    Dns(&'a Dns),
    /// Through `--dns` servers when the options name some (answers recorded), else the system's
    /// resolver.
    Options,
}

/// Where an address came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Source {
    /// A `--connect-to` or `--resolve` mapping: the user chose it.
    Mapped,
    /// The URL names an address.
    Literal,
    /// A DNS answer.
    Dns,
    /// The system's resolver.
    System,
}

/// An address about to be connected to, as [`Request::admit`] sees it.
#[derive(Debug, Clone, Copy)]
pub struct Destination<'a> {
    pub host: &'a str,
    pub port: u16,
    pub address: SocketAddr,
    pub source: Source,
}

/// A rule on where a fetch may connect: `Err(why)` refuses the address.
pub type Admit = dyn Fn(&Destination<'_>) -> Result<(), String> + Send + Sync;

/// The rule for URLs a server names (AIA caIssuers): an address the user mapped is always
/// admitted; any other is refused when [`internal_address`] names it.
pub fn admit_named_by_server(
    policy: FetchPolicy,
) -> impl Fn(&Destination<'_>) -> Result<(), String> + Send + Sync + 'static {
    move |d: &Destination<'_>| {
        if d.source == Source::Mapped {
            return Ok(());
        }
        match internal_address(d.address.ip(), policy) {
            Some(what) => Err(format!("the URL points at {what} ({})", d.address.ip())),
            None => Ok(()),
        }
    }
}

/// What kind of address a fetch from the outside must not reach, in words ("a loopback
/// address"), or None for an address on the Internet (or a private one the policy allows).
/// IPv4-mapped IPv6 addresses are judged as the IPv4 address they carry.
pub fn internal_address(ip: IpAddr, policy: FetchPolicy) -> Option<&'static str> {
    let ip = ip.to_canonical();
    let kind = match ip {
        IpAddr::V4(v4) => internal_v4(v4),
        IpAddr::V6(v6) => internal_v6(v6),
    };
    let kind = kind.filter(|k| !(policy.allow_private && *k == PRIVATE));
    kind.or_else(|| is_own_address(ip).then_some("an address of this host"))
}

const PRIVATE: &str = "a private address";

fn internal_v4(ip: Ipv4Addr) -> Option<&'static str> {
    let [a, b, ..] = ip.octets();
    if ip.is_loopback() {
        Some("a loopback address")
    } else if ip.is_link_local() {
        Some("a link-local address")
    } else if a == 0 {
        // 0.0.0.0/8, "this network": a connection to 0.0.0.0 reaches this host.
        Some("an unspecified address")
    } else if ip.is_multicast() {
        Some("a multicast address")
    } else if ip.is_broadcast() {
        Some("a broadcast address")
    } else if ip.is_private() || (a == 100 && (64..128).contains(&b)) {
        Some(PRIVATE)
    } else {
        None
    }
}

fn internal_v6(ip: Ipv6Addr) -> Option<&'static str> {
    let first = ip.segments().first().copied().unwrap_or_default();
    if ip.is_loopback() {
        Some("a loopback address")
    } else if first & 0xffc0 == 0xfe80 {
        Some("a link-local address")
    } else if ip.is_unspecified() {
        Some("an unspecified address")
    } else if ip.is_multicast() {
        Some("a multicast address")
    } else if first & 0xfe00 == 0xfc00 {
        Some(PRIVATE)
    } else {
        None
    }
}

/// One of this host's own addresses: a socket can be bound to it. (Where the system lets a
/// socket bind to any address, which documentation addresses show, nothing is counted as own.)
fn is_own_address(ip: IpAddr) -> bool {
    let bindable = |ip: IpAddr| std::net::UdpSocket::bind(SocketAddr::new(ip, 0)).is_ok();
    let documentation = match ip {
        IpAddr::V4(_) => IpAddr::V4(Ipv4Addr::new(192, 0, 2, 1)),
        IpAddr::V6(_) => IpAddr::V6(Ipv6Addr::new(0x2001, 0xdb8, 0, 0, 0, 0, 0, 1)),
    };
    bindable(ip) && !bindable(documentation)
}

/// Time limits. `total` bounds the whole fetch; the others bound one stage each.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    pub total: Duration,
    /// The TCP connection.
    pub connect: Option<Duration>,
    /// The TLS handshake.
    pub handshake: Option<Duration>,
    /// From the request sent to the end of the answer.
    pub answer: Option<Duration>,
}

impl Limits {
    /// One limit for the whole fetch, none per stage.
    pub fn total(total: Duration) -> Limits {
        Limits {
            total,
            connect: None,
            handshake: None,
            answer: None,
        }
    }
}

/// One GET.
pub struct Request<'a> {
    pub url: &'a str,
    /// The `Accept` header.
    pub accept: &'a str,
    /// Most bytes of answer read (status line, header fields and body together); a longer
    /// answer is [`FetchError::TooLarge`].
    pub max_bytes: usize,
    pub limits: Limits,
    /// Its `--connect-to`/`--resolve` mappings are honoured, and its `--dns` servers for
    /// [`Lookup::Options`].
    pub opts: &'a CheckOptions,
    pub lookup: Lookup<'a>,
    /// Asked before connecting to any address; `None` admits all.
    pub admit: Option<&'a Admit>,
}

/// The stages of a fetch, in order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Stage {
    Resolve,
    Connect,
    Handshake,
    Http,
}

impl Stage {
    /// "resolve", "connect", "handshake", "http".
    pub fn as_str(self) -> &'static str {
        match self {
            Stage::Resolve => "resolve",
            Stage::Connect => "connect",
            Stage::Handshake => "handshake",
            Stage::Http => "http",
        }
    }
}

/// Why a fetch stopped.
#[derive(Debug)]
pub enum FetchError {
    /// The URL cannot be fetched.
    Url(String),
    /// No address: the resolver's error, or `None` when the name simply has none.
    Unresolved {
        host: String,
        why: Option<String>,
    },
    /// [`Request::admit`] refused the address.
    Refused {
        address: SocketAddr,
        why: String,
    },
    ConnectTimeout {
        address: SocketAddr,
        limit: Duration,
    },
    Connect {
        address: SocketAddr,
        error: std::io::Error,
    },
    /// No TLS client could be set up (the connector, the server name).
    TlsSetup(String),
    HandshakeTimeout {
        address: SocketAddr,
    },
    Handshake {
        address: SocketAddr,
        error: std::io::Error,
    },
    /// Writing the request failed.
    Send(std::io::Error),
    /// Reading the answer failed (a reset, a TLS error).
    Read(std::io::Error),
    /// The answer is longer than [`Request::max_bytes`].
    TooLarge {
        limit: usize,
    },
    /// [`Limits::answer`] passed before the answer ended.
    AnswerTimeout {
        host: String,
        limit: Duration,
        received: usize,
    },
    /// [`Limits::total`] passed (at [`Fetched::stage`]).
    TimeLimit {
        host: String,
        limit: Duration,
    },
    /// The bytes are not a complete HTTP/1.x response (wire's words).
    BadAnswer(String),
}

impl fmt::Display for FetchError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            FetchError::Url(m) | FetchError::TlsSetup(m) | FetchError::BadAnswer(m) => {
                f.write_str(m)
            }
            FetchError::Unresolved { host, why: None } => {
                write!(f, "{host} has no address (no A or AAAA record)")
            }
            FetchError::Unresolved {
                host,
                why: Some(why),
            } => write!(f, "{host}: {why}"),
            FetchError::Refused { address, why } => write!(f, "not fetched from {address}: {why}"),
            FetchError::ConnectTimeout { address, limit } => {
                write!(f, "no TCP connection to {address} within {limit:?}")
            }
            FetchError::Connect { address, error } => {
                write!(f, "cannot connect to {address}: {error}")
            }
            FetchError::HandshakeTimeout { address } => {
                write!(f, "the TLS handshake with {address} did not finish in time")
            }
            FetchError::Handshake { address, error } => {
                write!(f, "TLS handshake with {address}: {error}")
            }
            FetchError::Send(e) => write!(f, "cannot send the request: {e}"),
            FetchError::Read(e) => write!(f, "reading the answer: {e}"),
            FetchError::TooLarge { limit } => {
                write!(f, "the answer exceeds {} KiB", limit / 1024)
            }
            FetchError::AnswerTimeout {
                host,
                limit,
                received,
            } => write!(
                f,
                "no complete answer from {host} within {limit:?} ({received} bytes received)"
            ),
            FetchError::TimeLimit { host, limit } => write!(
                f,
                "no complete answer from {host} within {:.1} s",
                limit.as_secs_f64()
            ),
        }
    }
}

impl std::error::Error for FetchError {}

/// A fetch as observed: everything that was learnt before it ended or stopped.
#[derive(Debug)]
pub struct Fetched {
    /// The A and AAAA answers, when DNS was asked.
    pub lookups: Vec<DnsAnswer>,
    /// The address connected to (set before connecting).
    pub address: Option<SocketAddr>,
    pub source: Option<Source>,
    /// `https`: the negotiated version, once the handshake completed.
    pub tls_version: Option<String>,
    /// `https`: the chain as sent, DER, leaf first (also when the handshake then failed).
    pub chain: Vec<Vec<u8>>,
    /// For https: the check of the server's handshake signature against the leaf's key.
    pub handshake_signature: Option<crate::model::signature::SignatureCheck>,
    /// The complete response, whatever its status.
    pub response: Option<Response>,
    /// Bytes of answer received.
    pub received: usize,
    /// The last stage begun: where the fetch stopped when `error` is set.
    pub stage: Stage,
    pub error: Option<FetchError>,
    pub elapsed: Duration,
}

/// Fetch `req.url`. Never fails: errors are in the result.
pub async fn fetch(req: &Request<'_>) -> Fetched {
    let started = Instant::now();
    let mut f = Fetched {
        lookups: Vec::new(),
        address: None,
        source: None,
        tls_version: None,
        chain: Vec::new(),
        handshake_signature: None,
        response: None,
        received: 0,
        stage: Stage::Resolve,
        error: None,
        elapsed: Duration::ZERO,
    };
    match Url::parse(req.url) {
        Err(e) => f.error = Some(FetchError::Url(e)),
        // The whole check's deadline cuts the fetch's own limit.
        Ok(url) => {
            let limit = req.opts.timeouts.within(req.limits.total);
            match tokio::time::timeout(limit, run(req, &url, &mut f)).await {
                Err(_) => {
                    f.error = Some(FetchError::TimeLimit {
                        host: url.host.clone(),
                        limit,
                    })
                }
                Ok(Err(e)) => f.error = Some(e),
                Ok(Ok(())) => {}
            }
        }
    }
    f.elapsed = started.elapsed();
    f
}

/// `fut`, within `limit` when there is one; `None` when the limit passed.
async fn within<F: Future>(limit: Option<Duration>, fut: F) -> Option<F::Output> {
    match limit {
        Some(l) => tokio::time::timeout(l, fut).await.ok(),
        None => Some(fut.await),
    }
}

async fn run(req: &Request<'_>, url: &Url, f: &mut Fetched) -> Result<(), FetchError> {
    f.stage = Stage::Resolve;
    let (address, source) = resolve(req, url, f).await?;
    f.stage = Stage::Connect;
    if let Some(admit) = req.admit {
        admit(&Destination {
            host: &url.host,
            port: url.port,
            address,
            source,
        })
        .map_err(|why| FetchError::Refused { address, why })?;
    }
    f.address = Some(address);
    f.source = Some(source);
    let tcp = within(req.limits.connect, tokio::net::TcpStream::connect(address))
        .await
        .ok_or(FetchError::ConnectTimeout {
            address,
            limit: req.limits.connect.unwrap_or_default(),
        })?
        .map_err(|error| FetchError::Connect { address, error })?;
    let _ = tcp.set_nodelay(true);
    if url.scheme == Scheme::Http {
        f.stage = Stage::Http;
        return exchange(tcp, req, url, f).await;
    }
    f.stage = Stage::Handshake;
    let verifier = Arc::new(crate::observe::tls::RecordingVerifier::new());
    let connector = crate::observe::tls::connector(verifier.clone(), true)
        .map_err(|e| FetchError::TlsSetup(e.to_string()))?;
    let name = rustls::pki_types::ServerName::try_from(url.host.clone())
        .map_err(|e| FetchError::TlsSetup(format!("'{}' is not a server name: {e}", url.host)))?;
    let hs = within(req.limits.handshake, connector.connect(name, tcp))
        .await
        .ok_or(FetchError::HandshakeTimeout { address })?;
    f.chain = verifier.chain();
    f.handshake_signature = verifier.handshake_signature();
    let tls = hs.map_err(|error| FetchError::Handshake { address, error })?;
    f.tls_version = tls
        .get_ref()
        .1
        .protocol_version()
        .map(crate::observe::tls::version_name);
    f.stage = Stage::Http;
    exchange(tls, req, url, f).await
}

/// The address: a mapping, a literal, or a lookup (recorded).
async fn resolve(
    req: &Request<'_>,
    url: &Url,
    f: &mut Fetched,
) -> Result<(SocketAddr, Source), FetchError> {
    let (host, port) = (url.host.as_str(), url.port);
    if let Some(a) = req.opts.resolved(host, port) {
        return Ok((a, Source::Mapped));
    }
    if let Ok(ip) = host.parse::<IpAddr>() {
        return Ok((SocketAddr::new(ip, port), Source::Literal));
    }
    let unresolved = |why: Option<String>| FetchError::Unresolved {
        host: host.to_string(),
        why,
    };
    let own;
    let dns = match req.lookup {
        Lookup::Dns(d) => d,
        Lookup::Options if !req.opts.dns.servers.is_empty() => {
            own = Dns::new(req.opts.dns.clone()).map_err(|e| unresolved(Some(e.to_string())))?;
            &own
        }
        Lookup::Options => {
            return tokio::net::lookup_host((host, port))
                .await
                .map_err(|e| unresolved(Some(e.to_string())))?
                .next()
                .map(|a| (a, Source::System))
                .ok_or_else(|| unresolved(None));
        }
    };
    let (a, aaaa) = tokio::join!(dns.lookup(host, Rtype::A), dns.lookup(host, Rtype::AAAA));
    let first = a.addresses().into_iter().chain(aaaa.addresses()).next();
    let why = [&a, &aaaa]
        .iter()
        .filter_map(|q| q.error.clone())
        .collect::<Vec<_>>()
        .join("; ");
    f.lookups = vec![a, aaaa];
    first
        .map(|ip| (SocketAddr::new(ip, port), Source::Dns))
        .ok_or_else(|| unresolved((!why.is_empty()).then_some(why)))
}

/// Send the GET, read the answer to the close (at most `max_bytes`), parse it.
async fn exchange<S: AsyncRead + AsyncWrite + Unpin>(
    mut s: S,
    req: &Request<'_>,
    url: &Url,
    f: &mut Fetched,
) -> Result<(), FetchError> {
    let head = format!(
        "GET {} HTTP/1.1\r\nHost: {}\r\nUser-Agent: smtp-tls-doctor/{}\r\nAccept: {}\r\nConnection: close\r\n\r\n",
        url.path,
        url.authority(),
        env!("CARGO_PKG_VERSION"),
        req.accept
    );
    s.write_all(head.as_bytes())
        .await
        .map_err(FetchError::Send)?;
    let mut buf = Vec::new();
    let read = read_capped(&mut s, &mut buf, req.max_bytes, &mut f.received);
    match within(req.limits.answer, read).await {
        None => {
            return Err(FetchError::AnswerTimeout {
                host: url.host.clone(),
                limit: req.limits.answer.unwrap_or_default(),
                received: buf.len(),
            });
        }
        Some(r) => r?,
    }
    f.response = Some(wire::http::parse_full(&buf).map_err(FetchError::BadAnswer)?);
    Ok(())
}

async fn read_capped<S: AsyncRead + Unpin>(
    s: &mut S,
    buf: &mut Vec<u8>,
    cap: usize,
    received: &mut usize,
) -> Result<(), FetchError> {
    let mut chunk = [0u8; 8192];
    loop {
        match s.read(&mut chunk).await {
            Ok(0) => return Ok(()),
            Ok(n) => {
                buf.extend_from_slice(chunk.get(..n).unwrap_or_default());
                *received = buf.len();
                if buf.len() > cap {
                    return Err(FetchError::TooLarge { limit: cap });
                }
            }
            // Many TLS servers close without close_notify; what arrived is parsed.
            Err(e) if e.kind() == std::io::ErrorKind::UnexpectedEof => return Ok(()),
            Err(e) => return Err(FetchError::Read(e)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::options::ConnectTo;
    use std::sync::Mutex;
    use std::sync::atomic::{AtomicUsize, Ordering};
    use tokio::net::{TcpListener, TcpStream};

    /// What a test server saw: connections accepted and request heads read.
    #[derive(Default)]
    struct Seen {
        connections: AtomicUsize,
        requests: Mutex<Vec<String>>,
    }

    /// Serve every connection on `listener` with `answer`, after reading the request head.
    fn serve<F, Fut>(listener: TcpListener, answer: F) -> Arc<Seen>
    where
        F: Fn(TcpStream) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = ()> + Send + 'static,
    {
        let seen = Arc::new(Seen::default());
        let s = seen.clone();
        tokio::spawn(async move {
            while let Ok((mut conn, _)) = listener.accept().await {
                s.connections.fetch_add(1, Ordering::SeqCst);
                let mut head = Vec::new();
                let mut byte = [0u8; 1];
                while !head.ends_with(b"\r\n\r\n") && conn.read(&mut byte).await.unwrap_or(0) == 1 {
                    head.push(byte[0]);
                }
                s.requests
                    .lock()
                    .unwrap()
                    .push(String::from_utf8_lossy(&head).into_owned());
                tokio::spawn(answer(conn));
            }
        });
        seen
    }

    /// Answer every request with `bytes`, then close.
    fn serve_bytes(listener: TcpListener, bytes: Vec<u8>) -> Arc<Seen> {
        let bytes = Arc::new(bytes);
        serve(listener, move |mut conn| {
            let bytes = bytes.clone();
            async move {
                let _ = conn.write_all(&bytes).await;
                let _ = conn.shutdown().await;
            }
        })
    }

    async fn listener() -> (TcpListener, SocketAddr) {
        let l = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let a = l.local_addr().unwrap();
        (l, a)
    }

    fn request<'a>(url: &'a str, opts: &'a CheckOptions) -> Request<'a> {
        Request {
            url,
            accept: "*/*",
            max_bytes: 64 * 1024,
            limits: Limits::total(Duration::from_secs(5)),
            opts,
            lookup: Lookup::Options,
            admit: None,
        }
    }

    #[test]
    fn internal_addresses() {
        let open = FetchPolicy {
            allow_private: true,
        };
        let closed = FetchPolicy {
            allow_private: false,
        };
        let kind = |ip: &str, p| internal_address(ip.parse().unwrap(), p);
        for (ip, want) in [
            ("127.0.0.1", "a loopback address"),
            ("127.8.9.10", "a loopback address"),
            ("::1", "a loopback address"),
            ("::ffff:127.0.0.1", "a loopback address"),
            ("169.254.169.254", "a link-local address"),
            ("fe80::1", "a link-local address"),
            ("febf::1", "a link-local address"),
            ("0.0.0.0", "an unspecified address"),
            ("0.1.2.3", "an unspecified address"),
            ("::", "an unspecified address"),
            ("224.0.0.1", "a multicast address"),
            ("ff02::1", "a multicast address"),
            ("255.255.255.255", "a broadcast address"),
        ] {
            assert_eq!(kind(ip, open), Some(want), "{ip}");
            assert_eq!(kind(ip, closed), Some(want), "{ip}");
        }
        for ip in [
            "10.1.2.3",
            "172.16.0.1",
            "172.31.255.254",
            "192.168.1.1",
            "100.64.0.1",
            "fd00::1",
            "::ffff:10.0.0.1",
        ] {
            assert_eq!(kind(ip, closed), Some("a private address"), "{ip}");
        }
        for ip in [
            "8.8.8.8",
            "172.32.0.1",
            "100.128.0.1",
            "2001:4860::8888",
            "fec0::1",
        ] {
            assert_eq!(kind(ip, open), None, "{ip}");
            assert_eq!(kind(ip, closed), None, "{ip}");
        }
        // This host's own address (the one it would send from), private or not.
        let own = std::net::UdpSocket::bind("0.0.0.0:0")
            .and_then(|s| s.connect("192.0.2.1:9").and_then(|()| s.local_addr()));
        if let Ok(a) = own
            && !a.ip().is_unspecified()
        {
            assert_eq!(
                internal_address(a.ip(), open),
                Some("an address of this host"),
                "{a}"
            );
        }
    }

    #[test]
    fn the_command_lines_policy_admits_private_ranges_only() {
        // The policy the command line uses (`FetchPolicy::default()`, also the options').
        let cli = FetchPolicy::default();
        assert!(cli.allow_private);
        assert_eq!(CheckOptions::default().fetch_policy, cli);
        let serve = FetchPolicy {
            allow_private: false,
        };
        let judge = |policy: FetchPolicy, ip: &str, source: Source| {
            let rule = admit_named_by_server(policy);
            let address = SocketAddr::new(ip.parse().unwrap(), 80);
            rule(&Destination {
                host: "ca.example.test",
                port: 80,
                address,
                source,
            })
        };
        let private = [
            "10.0.0.1",
            "172.16.5.5",
            "192.168.1.1",
            "100.64.0.1",
            "fc00::1",
        ];
        for ip in private {
            for source in [Source::Literal, Source::Dns, Source::System] {
                assert_eq!(judge(cli, ip, source), Ok(()), "{ip} {source:?}");
                assert_eq!(
                    judge(serve, ip, source),
                    Err(format!("the URL points at a private address ({ip})")),
                    "{ip} {source:?}"
                );
            }
        }
        for (ip, what) in [
            ("127.0.0.1", "a loopback address"),
            ("::1", "a loopback address"),
            ("169.254.169.254", "a link-local address"),
            ("169.254.0.1", "a link-local address"),
            ("fe80::1", "a link-local address"),
            ("0.0.0.0", "an unspecified address"),
            ("::", "an unspecified address"),
            ("224.0.0.251", "a multicast address"),
            ("ff02::1", "a multicast address"),
        ] {
            for policy in [cli, serve] {
                for source in [Source::Literal, Source::Dns, Source::System] {
                    assert_eq!(
                        judge(policy, ip, source),
                        Err(format!("the URL points at {what} ({ip})")),
                        "{ip} {source:?} {policy:?}"
                    );
                }
            }
        }
        // What the user mapped is admitted whatever it is.
        for ip in ["127.0.0.1", "fe80::1", "10.0.0.1"] {
            assert_eq!(judge(serve, ip, Source::Mapped), Ok(()), "{ip}");
        }
    }

    #[tokio::test]
    async fn the_rule_for_urls_a_server_names() {
        let (l, addr) = listener().await;
        let seen = serve_bytes(l, b"HTTP/1.1 200 OK\r\n\r\nok".to_vec());
        let rule = admit_named_by_server(FetchPolicy::default());
        let opts = CheckOptions::default();
        let url = format!("http://{addr}/");
        let mut req = request(&url, &opts);
        req.admit = Some(&rule);
        let f = fetch(&req).await;
        assert!(
            matches!(&f.error, Some(FetchError::Refused { why, .. })
                if why == "the URL points at a loopback address (127.0.0.1)"),
            "{:?}",
            f.error
        );
        assert_eq!(seen.connections.load(Ordering::SeqCst), 0);
        // The user's mapping admits it.
        let mapped = CheckOptions {
            resolve: vec![crate::model::options::ResolveOverride {
                name: "ca.example.test".into(),
                port: None,
                addr: addr.ip(),
            }],
            ..CheckOptions::default()
        };
        let url = format!("http://ca.example.test:{}/", addr.port());
        let mut req = request(&url, &mapped);
        req.admit = Some(&rule);
        let f = fetch(&req).await;
        assert!(f.error.is_none(), "{:?}", f.error);
        assert_eq!(seen.connections.load(Ordering::SeqCst), 1);
    }

    #[test]
    fn urls() {
        let u = |s: &str| Url::parse(s).map(|u| (u.scheme, u.host, u.port, u.path));
        assert_eq!(
            u("http://ca.example/x.crt"),
            Ok((Scheme::Http, "ca.example".into(), 80, "/x.crt".into()))
        );
        assert_eq!(
            u("http://CA.Example:8080/x?y=1#frag"),
            Ok((Scheme::Http, "ca.example".into(), 8080, "/x?y=1".into()))
        );
        assert_eq!(
            u("https://mta-sts.example"),
            Ok((Scheme::Https, "mta-sts.example".into(), 443, "/".into()))
        );
        assert_eq!(
            u("http://[2001:db8::1]:81/c"),
            Ok((Scheme::Http, "2001:db8::1".into(), 81, "/c".into()))
        );
        assert_eq!(
            u("http://[::1]/c"),
            Ok((Scheme::Http, "::1".into(), 80, "/c".into()))
        );
        assert_eq!(
            u("ldap://x"),
            Err("only http:// and https:// URLs are fetched, not ldap://x".into())
        );
        assert_eq!(
            u("http://ca.example:99999/x"),
            Err("bad port in http://ca.example:99999/x".into())
        );
        for bad in [
            "http:///x",
            "http://user@ca.example/x",
            "http://ca.example/a b",
            "http://ca.example/a\r\nX: y",
            "http://ca\r\n.example/",
            "http://[::1/x",
            "http://[zz]/x",
            "http://[::1]x/",
        ] {
            assert_eq!(u(bad), Err(format!("not a usable URL: {bad}")), "{bad:?}");
        }
        let a = |s: &str| Url::parse(s).map(|u| u.authority());
        assert_eq!(a("http://ca.example/"), Ok("ca.example".into()));
        assert_eq!(a("http://ca.example:8080/"), Ok("ca.example:8080".into()));
        assert_eq!(a("https://ca.example:443/"), Ok("ca.example".into()));
        assert_eq!(a("https://[::1]:8443/"), Ok("[::1]:8443".into()));
    }

    #[tokio::test]
    async fn a_mapped_fetch_records_the_request_and_the_answer() {
        let (l, addr) = listener().await;
        let seen = serve_bytes(
            l,
            b"HTTP/1.1 200 OK\r\nContent-Type: application/pkix-cert\r\nContent-Length: 5\r\n\r\nhello"
                .to_vec(),
        );
        let opts = CheckOptions {
            connect_to: vec![ConnectTo {
                host: "ca.example.test".into(),
                port: 80,
                to: addr,
            }],
            ..CheckOptions::default()
        };
        let f = fetch(&request("http://ca.example.test/x.crt", &opts)).await;
        assert!(f.error.is_none(), "{:?}", f.error);
        assert_eq!(f.address, Some(addr));
        assert_eq!(f.source, Some(Source::Mapped));
        assert_eq!(f.stage, Stage::Http);
        let r = f.response.unwrap();
        assert_eq!(r.status, 200);
        assert_eq!(r.header("content-type"), Some("application/pkix-cert"));
        assert_eq!(r.body, b"hello");
        let req = seen.requests.lock().unwrap().clone();
        assert_eq!(req.len(), 1);
        assert!(
            req[0].starts_with("GET /x.crt HTTP/1.1\r\nHost: ca.example.test\r\n"),
            "{}",
            req[0]
        );
        assert!(req[0].contains("\r\nAccept: */*\r\nConnection: close\r\n"));
    }

    #[tokio::test]
    async fn a_body_over_the_cap_is_an_error_not_a_response() {
        let (l, addr) = listener().await;
        let mut answer = b"HTTP/1.1 200 OK\r\nContent-Length: 100000\r\n\r\n".to_vec();
        answer.resize(answer.len() + 100_000, b'x');
        serve_bytes(l, answer);
        let opts = CheckOptions::default();
        let url = format!("http://{addr}/big");
        let f = fetch(&request(&url, &opts)).await;
        assert!(
            matches!(f.error, Some(FetchError::TooLarge { limit: 65536 })),
            "{:?}",
            f.error
        );
        assert_eq!(f.stage, Stage::Http);
        assert!(f.response.is_none());
        assert!(f.received > 64 * 1024 && f.received <= 64 * 1024 + 8192);
        assert_eq!(
            f.error.map(|e| e.to_string()),
            Some("the answer exceeds 64 KiB".into())
        );
    }

    /// A server that sends the head at once, then one byte of body every 50 ms.
    fn drip(l: TcpListener) -> Arc<Seen> {
        serve(l, |mut conn| async move {
            let _ = conn
                .write_all(b"HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\n")
                .await;
            for _ in 0..1000 {
                tokio::time::sleep(Duration::from_millis(50)).await;
                if conn.write_all(b"x").await.is_err() {
                    return;
                }
            }
        })
    }

    #[tokio::test]
    async fn a_slow_drip_stops_at_the_time_limit() {
        let (l, addr) = listener().await;
        drip(l);
        let opts = CheckOptions::default();
        let url = format!("http://{addr}/slow");
        let mut req = request(&url, &opts);
        req.limits = Limits::total(Duration::from_millis(400));
        let f = fetch(&req).await;
        assert!(
            matches!(&f.error, Some(FetchError::TimeLimit { host, .. }) if host == "127.0.0.1"),
            "{:?}",
            f.error
        );
        assert_eq!(f.stage, Stage::Http);
        assert!(f.received > 0, "what arrived is counted");
        assert!(f.response.is_none());
        assert!(f.elapsed < Duration::from_secs(5), "{:?}", f.elapsed);

        // The whole check's deadline cuts a longer limit of the fetch.
        let (l, addr) = listener().await;
        drip(l);
        let mut short = CheckOptions::default();
        short.timeouts.check = Some(Duration::from_millis(300));
        short.timeouts.start(Duration::from_secs(120));
        let url = format!("http://{addr}/slow");
        let mut req = request(&url, &short);
        req.limits = Limits::total(Duration::from_secs(30));
        let f = fetch(&req).await;
        assert!(
            matches!(&f.error, Some(FetchError::TimeLimit { limit, .. }) if *limit <= Duration::from_millis(300)),
            "{:?}",
            f.error
        );
        assert!(f.elapsed < Duration::from_secs(5), "{:?}", f.elapsed);

        // The same with a limit on the answer alone: the bytes received are told.
        let (l, addr) = listener().await;
        drip(l);
        let url = format!("http://{addr}/slow");
        let mut req = request(&url, &opts);
        req.limits.answer = Some(Duration::from_millis(300));
        let f = fetch(&req).await;
        match &f.error {
            Some(FetchError::AnswerTimeout { received, .. }) => {
                assert!(*received > 40, "{received}");
                assert_eq!(*received, f.received);
            }
            e => panic!("{e:?}"),
        }
        assert!(f.elapsed < Duration::from_secs(5), "{:?}", f.elapsed);
    }

    #[tokio::test]
    async fn a_reset_is_a_read_error() {
        let (l, addr) = listener().await;
        serve(l, |conn| async move {
            let _ = conn.set_zero_linger();
            drop(conn);
        });
        let opts = CheckOptions::default();
        let url = format!("http://{addr}/reset");
        let f = fetch(&request(&url, &opts)).await;
        match &f.error {
            Some(FetchError::Read(e)) => {
                assert_eq!(e.kind(), std::io::ErrorKind::ConnectionReset, "{e}")
            }
            e => panic!("{e:?}"),
        }
        assert_eq!(f.stage, Stage::Http);
        assert_eq!(f.address, Some(addr));
    }

    #[tokio::test]
    async fn a_redirect_is_recorded_not_followed() {
        let (l, addr) = listener().await;
        let answer = format!(
            "HTTP/1.1 301 Moved Permanently\r\nLocation: http://{addr}/elsewhere\r\nContent-Length: 0\r\n\r\n"
        );
        let seen = serve_bytes(l, answer.into_bytes());
        let opts = CheckOptions::default();
        let url = format!("http://{addr}/here");
        let f = fetch(&request(&url, &opts)).await;
        assert!(f.error.is_none(), "{:?}", f.error);
        let r = f.response.unwrap();
        assert_eq!(r.status, 301);
        let location = format!("http://{addr}/elsewhere");
        assert_eq!(r.header("location"), Some(location.as_str()));
        assert_eq!(seen.connections.load(Ordering::SeqCst), 1);
        assert_eq!(seen.requests.lock().unwrap().len(), 1);
    }

    #[tokio::test]
    async fn garbage_instead_of_http() {
        let opts = CheckOptions::default();
        for (answer, error) in [
            (
                &b"220 mail.example ESMTP\r\n"[..],
                "the answer is not HTTP (no end of headers)",
            ),
            (
                &b"SSH-2.0-OpenSSH_9.6\r\n\r\n"[..],
                "the answer is not HTTP: SSH-2.0-OpenSSH_9.6",
            ),
            (
                &b"HTTP/1.1 200 OK\r\nContent-Length: 99\r\n\r\nabc"[..],
                "the answer was cut short (3 of 99 bytes)",
            ),
            (&b""[..], "the answer is not HTTP (no end of headers)"),
        ] {
            let (l, addr) = listener().await;
            serve_bytes(l, answer.to_vec());
            let url = format!("http://{addr}/");
            let f = fetch(&request(&url, &opts)).await;
            assert!(
                matches!(&f.error, Some(FetchError::BadAnswer(m)) if m == error),
                "{:?}",
                f.error
            );
            assert_eq!(f.stage, Stage::Http);
            assert!(f.response.is_none());
        }
    }

    #[tokio::test]
    async fn https_to_a_plaintext_server_stops_in_the_handshake() {
        let (l, addr) = listener().await;
        let l2 = l;
        tokio::spawn(async move {
            while let Ok((mut conn, _)) = l2.accept().await {
                let _ = conn.write_all(b"220 mail.example ESMTP\r\n").await;
                let _ = conn.shutdown().await;
            }
        });
        let opts = CheckOptions::default();
        let url = format!("https://{addr}/.well-known/mta-sts.txt");
        let f = fetch(&request(&url, &opts)).await;
        assert!(
            matches!(&f.error, Some(FetchError::Handshake { address, .. }) if *address == addr),
            "{:?}",
            f.error
        );
        assert_eq!(f.stage, Stage::Handshake);
        assert!(f.chain.is_empty() && f.tls_version.is_none());
    }

    #[tokio::test]
    async fn connect_errors_and_the_address_rule() {
        let opts = CheckOptions::default();
        // Nothing listens.
        let (l, addr) = listener().await;
        drop(l);
        let url = format!("http://{addr}/");
        let f = fetch(&request(&url, &opts)).await;
        assert!(
            matches!(&f.error, Some(FetchError::Connect { .. })),
            "{:?}",
            f.error
        );
        assert_eq!(f.stage, Stage::Connect);
        assert_eq!(f.address, Some(addr));

        // A rule refusing loopback unless the user mapped it: asked before any connection.
        let (l, addr) = listener().await;
        let seen = serve_bytes(l, b"HTTP/1.1 200 OK\r\n\r\nok".to_vec());
        let rule = |d: &Destination<'_>| {
            if d.address.ip().is_loopback() && d.source != Source::Mapped {
                Err("loopback".to_string())
            } else {
                Ok(())
            }
        };
        let url = format!("http://{addr}/");
        let mut req = request(&url, &opts);
        req.admit = Some(&rule);
        let f = fetch(&req).await;
        assert!(
            matches!(&f.error, Some(FetchError::Refused { why, .. }) if why == "loopback"),
            "{:?}",
            f.error
        );
        assert_eq!(f.stage, Stage::Connect);
        assert_eq!(f.address, None);
        assert_eq!(seen.connections.load(Ordering::SeqCst), 0);

        let mapped = CheckOptions {
            connect_to: vec![ConnectTo {
                host: "ca.example.test".into(),
                port: 80,
                to: addr,
            }],
            ..CheckOptions::default()
        };
        let mut req = request("http://ca.example.test/", &mapped);
        req.admit = Some(&rule);
        let f = fetch(&req).await;
        assert!(f.error.is_none(), "{:?}", f.error);
        assert_eq!(f.response.map(|r| r.body), Some(b"ok".to_vec()));
    }
}
