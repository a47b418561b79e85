//! Fetching a missing intermediate through its AIA caIssuers URL (RFC 5280 4.2.2.1): plain
//! HTTP/1.1, a size limit and a time limit. Browsers and Windows do this; most mail clients and
//! MTAs do not, which is why a server that omits its intermediate fails them.

use crate::model::cert::CertBytes;
use crate::model::observation::AiaFetch;
use crate::model::options::CheckOptions;
use std::net::SocketAddr;
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

/// At most this much is read from a CA's server.
const MAX_RESPONSE: usize = 1024 * 1024;
const TIME_LIMIT: Duration = Duration::from_secs(10);

/// Split `http://host[:port]/path`.
fn split_url(url: &str) -> Result<(String, u16, String), String> {
    let rest = url
        .strip_prefix("http://")
        .ok_or_else(|| format!("only http:// caIssuers URLs are fetched, not {url}"))?;
    let (hostport, path) = match rest.find('/') {
        Some(i) => (&rest[..i], &rest[i..]),
        None => (rest, "/"),
    };
    let (host, port) = match hostport.rsplit_once(':') {
        Some((h, p)) if !h.contains(':') || h.ends_with(']') => (
            h,
            p.parse::<u16>().map_err(|_| format!("bad port in {url}"))?,
        ),
        _ => (hostport, 80),
    };
    let host = host
        .trim_start_matches('[')
        .trim_end_matches(']')
        .to_ascii_lowercase();
    if host.is_empty() || path.contains(['\r', '\n', ' ']) {
        return Err(format!("not a usable URL: {url}"));
    }
    Ok((host, port, path.to_string()))
}

/// Fetch the certificate at `url` (DER or PEM). Never fails: errors are in the result.
pub async fn fetch(url: &str, opts: &CheckOptions) -> AiaFetch {
    let mut out = AiaFetch {
        url: url.to_string(),
        address: None,
        certificate: None,
        error: None,
    };
    match tokio::time::timeout(TIME_LIMIT, get(url, opts, &mut out)).await {
        Err(_) => {
            out.error = Some(format!(
                "no complete answer within {} s",
                TIME_LIMIT.as_secs()
            ))
        }
        Ok(Err(e)) => out.error = Some(e),
        Ok(Ok(body)) => match certificate_of(&body) {
            Ok(der) => out.certificate = Some(CertBytes(der)),
            Err(e) => out.error = Some(e),
        },
    }
    out
}

async fn get(url: &str, opts: &CheckOptions, out: &mut AiaFetch) -> Result<Vec<u8>, String> {
    let (host, port, path) = split_url(url)?;
    let addr: SocketAddr = match opts.resolved(&host, port) {
        Some(a) => a,
        None => match host.parse() {
            Ok(ip) => SocketAddr::new(ip, port),
            Err(_) if !opts.dns.servers.is_empty() => SocketAddr::new(
                crate::observe::dns::first_address(&opts.dns, &host)
                    .await
                    .map_err(|e| format!("cannot resolve {host}: {e}"))?,
                port,
            ),
            Err(_) => tokio::net::lookup_host((host.as_str(), port))
                .await
                .map_err(|e| format!("cannot resolve {host}: {e}"))?
                .next()
                .ok_or_else(|| format!("{host} has no address"))?,
        },
    };
    out.address = Some(addr.to_string());
    let mut s = tokio::net::TcpStream::connect(addr)
        .await
        .map_err(|e| format!("connect to {addr}: {e}"))?;
    let req = format!(
        "GET {path} HTTP/1.1\r\nHost: {host}\r\nUser-Agent: smtp-tls-doctor/{}\r\nAccept: */*\r\nConnection: close\r\n\r\n",
        env!("CARGO_PKG_VERSION")
    );
    s.write_all(req.as_bytes())
        .await
        .map_err(|e| format!("send the request: {e}"))?;
    let mut buf = Vec::new();
    let mut chunk = [0u8; 8192];
    loop {
        let n = s
            .read(&mut chunk)
            .await
            .map_err(|e| format!("read the answer: {e}"))?;
        if n == 0 {
            break;
        }
        buf.extend_from_slice(chunk.get(..n).unwrap_or_default());
        if buf.len() > MAX_RESPONSE {
            return Err(format!("the answer exceeds {} KiB", MAX_RESPONSE / 1024));
        }
    }
    wire::http::parse_response(&buf)
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

#[cfg(test)]
mod tests {
    use super::*;
    use wire::http::parse_response;

    #[test]
    fn urls() {
        assert_eq!(
            split_url("http://ca.example/x.crt").ok(),
            Some(("ca.example".into(), 80, "/x.crt".into()))
        );
        assert_eq!(
            split_url("http://ca.example:8080/x").ok(),
            Some(("ca.example".into(), 8080, "/x".into()))
        );
        assert!(split_url("https://ca.example/x").is_err());
        assert!(split_url("ldap://x").is_err());
    }

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
