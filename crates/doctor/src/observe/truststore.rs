//! Trust stores as a client has them: PEM bundles, PKCS#12 (keytool's default since Java 9) and
//! Java's JKS, so that a Java user sees what "PKIX path building failed" means for their cacerts.

use crate::model::error::Error;
use std::path::Path;

/// Files larger than this are not trust stores.
const MAX_STORE: u64 = 64 * 1024 * 1024;

/// The certificates of a trust store file, and what kind of file it was.
pub fn load(path: &Path, password: Option<&str>) -> Result<(Vec<Vec<u8>>, &'static str), Error> {
    let fail = |reason: String| Error::TrustStoreFile {
        path: path.to_path_buf(),
        reason,
    };
    let meta = std::fs::metadata(path).map_err(|e| fail(format!("cannot read it: {e}")))?;
    if meta.len() > MAX_STORE {
        return Err(fail(format!(
            "{} bytes is too large for a trust store",
            meta.len()
        )));
    }
    let bytes = std::fs::read(path).map_err(|e| fail(format!("cannot read it: {e}")))?;
    if bytes.starts_with(&[0xFE, 0xED, 0xFE, 0xED]) {
        let certs = parse_jks(&bytes, password).map_err(|e| fail(format!("(JKS) {e}")))?;
        return Ok((certs, "JKS"));
    }
    if bytes.windows(11).any(|w| w == b"-----BEGIN ") {
        use rustls_pki_types::pem::PemObject;
        let mut certs = Vec::new();
        for c in rustls_pki_types::CertificateDer::pem_slice_iter(&bytes) {
            let c = c.map_err(|e| fail(format!("(PEM) {e}")))?;
            certs.push(c.as_ref().to_vec());
        }
        if certs.is_empty() {
            return Err(fail("a PEM file without any CERTIFICATE block".into()));
        }
        return Ok((certs, "PEM"));
    }
    if bytes.first() == Some(&0x30) {
        let certs = parse_pkcs12(&bytes, password).map_err(|e| match e {
            Pkcs12Error::NeedsPassword(reason) => Error::TrustStorePassword {
                path: path.to_path_buf(),
                reason: format!("(PKCS#12) {reason}"),
            },
            Pkcs12Error::Other(reason) => fail(format!("(PKCS#12) {reason}")),
        })?;
        return Ok((certs, "PKCS#12"));
    }
    Err(fail("neither JKS, PKCS#12 nor a PEM bundle".into()))
}

/// Why a PKCS#12 file could not be read: a password would help, or not.
enum Pkcs12Error {
    NeedsPassword(String),
    Other(String),
}

fn parse_pkcs12(bytes: &[u8], password: Option<&str>) -> Result<Vec<Vec<u8>>, Pkcs12Error> {
    use p12_keystore::{KeyStore, KeyStoreEntry, Pkcs12ImportPolicy};
    // Java's cacerts uses "changeit"; keytool-made stores need the password to decrypt.
    let passwords: Vec<&str> = match password {
        Some(p) => vec![p],
        None => vec!["changeit", ""],
    };
    let mut last = String::new();
    for pw in passwords {
        // keytool's stores import with Strict; OpenSSL's certificate-only bundles need Raw.
        for policy in [Pkcs12ImportPolicy::Strict, Pkcs12ImportPolicy::Raw] {
            match KeyStore::from_pkcs12(bytes, pw, policy) {
                Ok(ks) => {
                    let mut certs = Vec::new();
                    for (_, e) in ks.entries() {
                        match e {
                            KeyStoreEntry::Certificate(c) => certs.push(c.as_der().to_vec()),
                            KeyStoreEntry::PrivateKeyChain(k) => {
                                // Java trusts the certificate of a key entry too.
                                if let Some(c) = k.certs().first() {
                                    certs.push(c.as_der().to_vec());
                                }
                            }
                            _ => {}
                        }
                    }
                    if !certs.is_empty() {
                        return Ok(certs);
                    }
                    last = "no certificate in it".into();
                }
                Err(e) => last = e.to_string(),
            }
        }
    }
    Err(if password.is_none() {
        Pkcs12Error::NeedsPassword(last)
    } else {
        Pkcs12Error::Other(last)
    })
}

/// A Java KeyStore: magic 0xFEEDFEED, version 1 or 2, entries (1 = private key with its chain,
/// 2 = trusted certificate), then SHA-1(password as UTF-16BE, "Mighty Aphrodite", everything
/// before) as an integrity check, verified when a password is given.
pub fn parse_jks(bytes: &[u8], password: Option<&str>) -> Result<Vec<Vec<u8>>, String> {
    let mut r = wire::tls::Reader::new(bytes);
    let short = || "the file is cut short".to_string();
    let magic = r.u32().ok_or_else(short)?;
    if magic != 0xFEED_FEED {
        return Err("not a JKS file".into());
    }
    let version = r.u32().ok_or_else(short)?;
    if version != 1 && version != 2 {
        return Err(format!("unknown JKS version {version}"));
    }
    let count = r.u32().ok_or_else(short)?;
    if count > 100_000 {
        return Err(format!("{count} entries is not plausible"));
    }
    let utf = |r: &mut wire::tls::Reader<'_>| -> Option<()> {
        let n = r.u16()?;
        r.take(usize::from(n)).map(|_| ())
    };
    let cert = |r: &mut wire::tls::Reader<'_>| -> Option<Vec<u8>> {
        if version == 2 {
            utf(r)?; // certificate type, "X.509"
        }
        let n = r.u32()?;
        r.take(usize::try_from(n).ok()?).map(<[u8]>::to_vec)
    };
    let mut certs = Vec::new();
    for _ in 0..count {
        let tag = r.u32().ok_or_else(short)?;
        utf(&mut r).ok_or_else(short)?; // alias
        r.take(8).ok_or_else(short)?; // timestamp
        match tag {
            1 => {
                let n = r.u32().ok_or_else(short)?;
                r.take(usize::try_from(n).map_err(|_| short())?)
                    .ok_or_else(short)?;
                let chain = r.u32().ok_or_else(short)?;
                for i in 0..chain {
                    let c = cert(&mut r).ok_or_else(short)?;
                    if i == 0 {
                        certs.push(c);
                    }
                }
            }
            2 => certs.push(cert(&mut r).ok_or_else(short)?),
            other => return Err(format!("unknown JKS entry type {other}")),
        }
    }
    let body_len = r.used();
    let digest = r.take(20).ok_or_else(short)?;
    if let Some(pw) = password {
        let mut ctx = ring::digest::Context::new(&ring::digest::SHA1_FOR_LEGACY_USE_ONLY);
        for u in pw.encode_utf16() {
            ctx.update(&u.to_be_bytes());
        }
        ctx.update(b"Mighty Aphrodite");
        ctx.update(bytes.get(..body_len).unwrap_or_default());
        if ctx.finish().as_ref() != digest {
            return Err(
                "the password is wrong or the file was altered (integrity check failed)".into(),
            );
        }
    }
    Ok(certs)
}
