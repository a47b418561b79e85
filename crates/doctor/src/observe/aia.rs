//! Fetching a missing intermediate through its AIA caIssuers URL (RFC 5280 4.2.2.1): plain
//! HTTP/1.1, a size limit and a time limit. Browsers and Windows do this; most mail clients and
//! MTAs do not, which is why a server that omits its intermediate fails them.
//!
//! The URL is the server's word, so where it may lead is restricted
//! ([`http::admit_named_by_server`] under [`CheckOptions::fetch_policy`]): no loopback,
//! link-local, unspecified, multicast or own address unless the user mapped the host. Redirects
//! are not followed. Each URL is fetched once per run ([`Cache`]), however many endpoints name it.
//! Whether a fetched certificate is the issuer is the judge's question, not this module's.

use crate::model::cert::CertBytes;
use crate::model::observation::AiaFetch;
use crate::model::options::CheckOptions;
use crate::observe::http::{self, FetchError, Limits, Lookup, Request};
use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

/// At most this much is read from a CA's server.
const MAX_RESPONSE: usize = 1024 * 1024;
const TIME_LIMIT: Duration = Duration::from_secs(10);

/// Fetch the certificate at `url` (DER or PEM). Never fails: errors are in the result.
pub async fn fetch(url: &str, opts: &CheckOptions) -> AiaFetch {
    let mut out = AiaFetch {
        url: url.to_string(),
        address: None,
        certificate: None,
        error: None,
    };
    if !url.starts_with("http://") {
        out.error = Some(format!(
            "only http:// caIssuers URLs are fetched, not {url}"
        ));
        return out;
    }
    let admit = http::admit_named_by_server(opts.fetch_policy);
    let got = http::fetch(&Request {
        url,
        accept: "*/*",
        max_bytes: MAX_RESPONSE,
        limits: Limits::total(TIME_LIMIT),
        opts,
        lookup: Lookup::Options,
        admit: Some(&admit),
    })
    .await;
    out.address = got.address.map(|a| a.to_string());
    let body = match (got.error, got.response) {
        (Some(e), _) => Err(message(&e)),
        (None, Some(r)) if r.status == 200 => Ok(r.body),
        (None, Some(r)) => Err(format!("the server answered {}", r.status_line)),
        (None, None) => Err("no answer".to_string()),
    };
    match body.and_then(|b| certificate_of(&b)) {
        Ok(der) => out.certificate = Some(CertBytes(der)),
        Err(e) => out.error = Some(e),
    }
    out
}

/// The fetches of one run, one per URL: a domain's endpoints that name the same caIssuers URL
/// share its fetch (fetches of one URL at the same time wait for the first). Clones share the
/// cache.
#[derive(Debug, Clone, Default)]
pub struct Cache(Arc<Mutex<HashMap<String, Arc<tokio::sync::OnceCell<AiaFetch>>>>>);

impl Cache {
    /// The fetch of `url` ([`fetch`]): made on the first call, the same record afterwards.
    pub async fn fetch(&self, url: &str, opts: &CheckOptions) -> AiaFetch {
        let cell = {
            let mut map = self.0.lock().unwrap_or_else(PoisonError::into_inner);
            map.entry(url.to_string()).or_default().clone()
        };
        cell.get_or_init(|| fetch(url, opts)).await.clone()
    }
}

/// The fetcher's error in this module's words.
fn message(e: &FetchError) -> String {
    match e {
        FetchError::Unresolved { host, why } => match why {
            Some(why) => format!("cannot resolve {host}: {why}"),
            None => format!("cannot resolve {host}: {e}"),
        },
        FetchError::Refused { why, .. } => format!("not fetched: {why}"),
        FetchError::Connect { address, error } => format!("connect to {address}: {error}"),
        FetchError::Send(error) => format!("send the request: {error}"),
        FetchError::Read(error) => format!("read the answer: {error}"),
        FetchError::TimeLimit { limit, .. } => {
            format!("no complete answer within {} s", limit.as_secs())
        }
        _ => e.to_string(),
    }
}

/// A certificate in DER or PEM. (PKCS#7 bundles, .p7c, are named as such.)
pub fn certificate_of(body: &[u8]) -> Result<Vec<u8>, String> {
    if body.windows(11).any(|w| w == b"-----BEGIN ") {
        use rustls_pki_types::pem::PemObject;
        return rustls_pki_types::CertificateDer::pem_slice_iter(body)
            .next()
            .ok_or("a PEM answer without a certificate")?
            .map(|c| c.as_ref().to_vec())
            .map_err(|e| format!("bad PEM: {e}"));
    }
    match x509_parser::parse_x509_certificate(body) {
        Ok(_) => Ok(body.to_vec()),
        Err(_) if body.first() == Some(&0x30) => {
            Err("the answer is DER but not a certificate (a PKCS#7 .p7c bundle is not read)".into())
        }
        Err(_) => Err(format!(
            "the answer is not a certificate ({} bytes)",
            body.len()
        )),
    }
}

/// A certificate as PEM.
pub fn to_pem(der: &[u8]) -> String {
    use base64::Engine;
    let b64 = base64::engine::general_purpose::STANDARD.encode(der);
    let mut out = String::from("-----BEGIN CERTIFICATE-----\n");
    for chunk in b64.as_bytes().chunks(64) {
        out.push_str(&String::from_utf8_lossy(chunk));
        out.push('\n');
    }
    out.push_str("-----END CERTIFICATE-----\n");
    out
}

/// Why an export file was not written.
#[derive(Debug)]
pub enum WriteError {
    /// Something is there already and replacing was not asked for.
    Exists,
    /// Replacing was asked for, but the path is not a regular file (a symbolic link is never
    /// followed, a directory or device never replaced): `what` it is.
    NotAFile(&'static str),
    Io(std::io::Error),
}

impl std::fmt::Display for WriteError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            WriteError::Exists => f.write_str("the file exists (nothing written)"),
            WriteError::NotAFile(what) => {
                write!(f, "it is {what}, not a regular file: not replaced")
            }
            WriteError::Io(e) => e.fmt(f),
        }
    }
}

/// Whether [`write_new_file`] may write at `path` (nothing is changed): `Ok(true)` when a
/// regular file is there that `replace` allows to replace, `Ok(false)` when nothing is there.
pub fn may_write(path: &std::path::Path, replace: bool) -> Result<bool, WriteError> {
    match std::fs::symlink_metadata(path) {
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(false),
        Err(e) => Err(WriteError::Io(e)),
        Ok(_) if !replace => Err(WriteError::Exists),
        Ok(m) => {
            let t = m.file_type();
            if t.is_symlink() {
                Err(WriteError::NotAFile("a symbolic link"))
            } else if t.is_dir() {
                Err(WriteError::NotAFile("a directory"))
            } else if !t.is_file() {
                Err(WriteError::NotAFile("a special file"))
            } else {
                Ok(true)
            }
        }
    }
}

/// Write `contents` to a new file at `path`. Never through a symbolic link: the file is created
/// with `create_new` (O_CREAT|O_EXCL, which fails on anything there, a link included). With
/// `replace`, a regular file already there is removed first; a symbolic link, a directory or
/// anything else is left alone and refused.
pub fn write_new_file(
    path: &std::path::Path,
    contents: &[u8],
    replace: bool,
) -> Result<(), WriteError> {
    use std::io::Write;
    if may_write(path, replace)? {
        std::fs::remove_file(path).map_err(WriteError::Io)?;
    }
    let mut file = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(path)
        .map_err(|e| match e.kind() {
            // Something appeared between the look and the creation.
            std::io::ErrorKind::AlreadyExists => WriteError::Exists,
            _ => WriteError::Io(e),
        })?;
    file.write_all(contents)
        .and_then(|()| file.sync_all())
        .map_err(WriteError::Io)
}

#[cfg(test)]
mod tests {
    use super::*;
    use wire::http::parse_response;

    #[test]
    fn responses() {
        assert_eq!(
            parse_response(b"HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\nabcdef").ok(),
            Some(b"abc".to_vec())
        );
        assert_eq!(parse_response(b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n2\r\nde\r\n0\r\n\r\n").ok(), Some(b"abcde".to_vec()));
        assert_eq!(
            parse_response(b"HTTP/1.0 200 OK\r\n\r\nxyz").ok(),
            Some(b"xyz".to_vec())
        );
        assert!(parse_response(b"HTTP/1.1 404 Not Found\r\n\r\n").is_err());
        assert!(parse_response(b"garbage").is_err());
        assert!(parse_response(b"HTTP/1.1 200 OK\r\nContent-Length: 99\r\n\r\nabc").is_err());
        assert!(
            parse_response(b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n").is_err()
        );
    }

    /// A loopback HTTP server answering 404 to every request; returns its address and a
    /// counter of the connections it accepted.
    async fn counting_server() -> (std::net::SocketAddr, Arc<std::sync::atomic::AtomicUsize>) {
        use tokio::io::{AsyncReadExt, AsyncWriteExt};
        let l = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = l.local_addr().unwrap();
        let count = Arc::new(std::sync::atomic::AtomicUsize::new(0));
        let c = count.clone();
        tokio::spawn(async move {
            while let Ok((mut conn, _)) = l.accept().await {
                c.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
                let mut buf = [0u8; 1024];
                let _ = conn.read(&mut buf).await;
                let _ = conn
                    .write_all(b"HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n")
                    .await;
            }
        });
        (addr, count)
    }

    #[tokio::test]
    async fn loopback_is_fetched_only_when_mapped() {
        let (addr, count) = counting_server().await;
        let opts = CheckOptions::default();
        let f = fetch(&format!("http://{addr}/x.crt"), &opts).await;
        assert_eq!(
            f.error.as_deref(),
            Some("not fetched: the URL points at a loopback address (127.0.0.1)")
        );
        assert!(f.certificate.is_none() && f.address.is_none());
        assert_eq!(count.load(std::sync::atomic::Ordering::SeqCst), 0);

        let mapped = CheckOptions {
            connect_to: vec![crate::model::options::ConnectTo {
                host: "ca.example.test".into(),
                port: 80,
                to: addr,
            }],
            ..CheckOptions::default()
        };
        let f = fetch("http://ca.example.test/x.crt", &mapped).await;
        assert!(
            f.error.as_deref().is_some_and(|e| e.contains("404")),
            "{f:?}"
        );
        assert_eq!(count.load(std::sync::atomic::Ordering::SeqCst), 1);
    }

    #[tokio::test]
    async fn the_cache_fetches_each_url_once() {
        let (addr, count) = counting_server().await;
        let opts = CheckOptions {
            connect_to: vec![crate::model::options::ConnectTo {
                host: "ca.example.test".into(),
                port: 80,
                to: addr,
            }],
            ..CheckOptions::default()
        };
        let cache = Cache::default();
        let url = "http://ca.example.test/x.crt";
        let all = futures_util::future::join_all((0..6).map(|_| {
            let cache = cache.clone();
            let opts = &opts;
            async move { cache.fetch(url, opts).await }
        }))
        .await;
        assert_eq!(count.load(std::sync::atomic::Ordering::SeqCst), 1);
        assert!(all.iter().all(|f| f == &all[0]), "{all:?}");
        let other = cache.fetch("http://ca.example.test/y.crt", &opts).await;
        assert_eq!(other.url, "http://ca.example.test/y.crt");
        assert_eq!(count.load(std::sync::atomic::Ordering::SeqCst), 2);
    }

    #[test]
    fn never_panics_on_junk() {
        for n in 0..400u32 {
            let junk: Vec<u8> = (0..(n % 97))
                .map(|i| (i.wrapping_mul(n) % 251) as u8)
                .collect();
            let mut with_head = b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n".to_vec();
            with_head.extend_from_slice(&junk);
            let _ = parse_response(&junk);
            let _ = parse_response(&with_head);
            let _ = certificate_of(&junk);
        }
    }
}
