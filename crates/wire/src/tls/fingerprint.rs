//! A client's ClientHello as a server sees it: gathered from the records the client sent,
//! its offered versions, and a JA3-style fingerprint string. Used by the capture server.

use super::reader::Reader;
use super::{ClientHelloInfo, RecordError};

/// Largest ClientHello handshake message accepted (a post-quantum key share makes them ~1.8 KB;
/// RFC 8446 allows up to 2^24, nobody sends that).
pub const MAX_CLIENT_HELLO: usize = 64 * 1024;

/// Looks for a complete ClientHello at the start of the raw bytes the client sent after
/// STARTTLS (or from the first byte, in implicit TLS). `Ok(None)`: more bytes are needed.
/// `Ok(Some(body))`: the ClientHello body (without its 4-byte header), gathered across as
/// many handshake records as the client split it into.
pub fn extract_client_hello(raw: &[u8]) -> Result<Option<Vec<u8>>, String> {
    let (records, _, err) = super::split_records(raw);
    let mut handshake = Vec::new();
    for rec in &records {
        if rec.content_type != super::content_type::HANDSHAKE {
            return Err(format!(
                "the client's first TLS record is {} instead of a handshake record",
                super::content_type_name(rec.content_type)
            ));
        }
        handshake.extend_from_slice(rec.payload);
        if let Some(body) = complete_hello(&handshake)? {
            return Ok(Some(body));
        }
    }
    if let Some(e) = err {
        return Err(match e {
            RecordError::Sslv2 => {
                "the client sent an SSL 2.0-format ClientHello (only very old clients do)"
                    .to_string()
            }
            RecordError::NotTls { excerpt } => {
                format!("the client sent text instead of a TLS ClientHello: \"{excerpt}\"")
            }
            other => other.to_string().replace("the peer", "the client"),
        });
    }
    if raw.len() > MAX_CLIENT_HELLO + 1024 {
        return Err(format!(
            "no complete ClientHello in the first {} bytes",
            raw.len()
        ));
    }
    Ok(None)
}

/// The ClientHello body once the handshake bytes hold all of it.
fn complete_hello(handshake: &[u8]) -> Result<Option<Vec<u8>>, String> {
    let mut r = Reader::new(handshake);
    let (Some(typ), Some(len)) = (r.u8(), r.u24()) else {
        return Ok(None);
    };
    if typ != super::handshake_type::CLIENT_HELLO {
        return Err(format!(
            "the client's first handshake message is {} instead of a ClientHello",
            super::handshake_type_name(typ)
        ));
    }
    let len = usize::try_from(len).unwrap_or(usize::MAX);
    if len > MAX_CLIENT_HELLO {
        return Err(format!(
            "the ClientHello announces {len} bytes, more than the {MAX_CLIENT_HELLO} accepted"
        ));
    }
    Ok(r.take(len).map(<[u8]>::to_vec))
}

/// The ec_point_formats extension (11) of a ClientHello body; empty when absent or malformed.
pub fn point_formats(body: &[u8]) -> Vec<u8> {
    let find = || {
        let mut r = Reader::new(body);
        r.skip(2 + 32)?;
        r.sub_u8()?;
        r.sub_u16()?;
        r.sub_u8()?;
        let mut exts = r.sub_u16()?;
        while !exts.is_empty() {
            let typ = exts.u16()?;
            let mut data = exts.sub_u16()?;
            if typ == 11 {
                let mut list = data.sub_u8()?;
                return Some(list.rest().to_vec());
            }
        }
        None
    };
    find().unwrap_or_default()
}

/// Numbers in decimal joined with `-`, as JA3 writes its lists.
pub fn join_dec<T: std::fmt::Display>(v: impl IntoIterator<Item = T>) -> String {
    v.into_iter()
        .map(|x| x.to_string())
        .collect::<Vec<_>>()
        .join("-")
}

/// The JA3-style string: `legacy_version,cipher_suites,extensions,supported_groups,
/// ec_point_formats`, every number in decimal, list items joined with `-`, GREASE values
/// (RFC 8701) removed from the suites, extensions and groups. (JA3 proper is the MD5 of this
/// string; `printf %s STRING | md5sum` gives it.)
pub fn fingerprint_string(h: &ClientHelloInfo, point_formats: &[u8]) -> String {
    let g = |v: &u16| !super::is_grease(*v);
    format!(
        "{},{},{},{},{}",
        h.legacy_version,
        join_dec(h.cipher_suites.iter().filter(|v| g(v))),
        join_dec(h.extensions.iter().filter(|v| g(v))),
        join_dec(h.supported_groups.iter().filter(|v| g(v))),
        join_dec(point_formats.iter()),
    )
}
/// The versions a ClientHello offers, highest first: supported_versions without GREASE, or
/// without that extension every version from TLS 1.0 up to legacy_version (a pre-TLS 1.3
/// client accepts any version up to the one it names; its own minimum is not on the wire).
pub fn offered_versions(h: &ClientHelloInfo) -> Vec<u16> {
    let mut v: Vec<u16> = h
        .supported_versions
        .iter()
        .copied()
        .filter(|v| !super::is_grease(*v))
        .collect();
    if v.is_empty() {
        v = (0x0301..=h.legacy_version.min(0x0303)).collect();
        if h.legacy_version == 0x0300 {
            v.push(0x0300);
        }
    }
    v.sort_unstable_by(|a, b| b.cmp(a));
    v.dedup();
    v
}
