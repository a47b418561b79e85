//! Fetching a missing intermediate through its AIA caIssuers URL (RFC 5280 4.2.2.1): plain
//! HTTP/1.1, a size limit and a time limit. Browsers and Windows do this; most mail clients and
//! MTAs do not, which is why a server that omits its intermediate fails them.

use crate::model::cert::CertBytes;
use crate::model::observation::AiaFetch;
use crate::model::options::CheckOptions;
use crate::observe::http::{self, FetchError, Limits, Lookup, Request};
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
    let got = http::fetch(&Request {
        url,
        accept: "*/*",
        max_bytes: MAX_RESPONSE,
        limits: Limits::total(TIME_LIMIT),
        opts,
        lookup: Lookup::Options,
        admit: None,
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

/// The fetcher's error in this module's words.
fn message(e: &FetchError) -> String {
    match e {
        FetchError::Unresolved { host, why } => match why {
            Some(why) => format!("cannot resolve {host}: {why}"),
            None => format!("cannot resolve {host}: {e}"),
        },
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
