//! Handshake messages out of a stream of (decrypted) handshake-record payloads, for a client
//! that completes a TLS 1.0–1.2 handshake by hand (the client-renegotiation probe): the
//! [`Assembler`] joins fragments into whole messages (RFC 5246 section 6.2.1: a message may
//! span records, and a record may hold several messages), keeping each message's bytes as sent
//! because the Finished messages hash them; plus the few fields such a client needs from the
//! server's messages (the ServerHello's random and renegotiation_info, the ServerECDHParams
//! point).
//!
//! Bounded: a message longer than [`MAX_MESSAGE`] is an error, never buffered.
//!
//! Sources: RFC 5246 sections 6.2.1, 7.4 and 7.4.1.3; RFC 8422 section 5.4; RFC 5746
//! section 3.4.

use super::handshake::{HANDSHAKE_HEADER_LEN, extension_type};
use super::reader::Reader;

/// The longest handshake message accepted (64 KiB: a certificate chain of a few certificates
/// fits many times over).
pub const MAX_MESSAGE: usize = 1 << 16;

/// One whole handshake message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Message {
    /// HandshakeType (2 = server_hello, 11 = certificate, ...).
    pub typ: u8,
    /// The message as sent: the 4-byte header, then the body.
    pub raw: Vec<u8>,
}

impl Message {
    /// The body, after the 4-byte header.
    pub fn body(&self) -> &[u8] {
        self.raw.get(HANDSHAKE_HEADER_LEN..).unwrap_or_default()
    }
}

/// Joins handshake-record payloads into messages.
#[derive(Debug, Clone, Default)]
pub struct Assembler {
    pending: Vec<u8>,
}

impl Assembler {
    /// An empty assembler.
    pub fn new() -> Self {
        Assembler::default()
    }

    /// Whether part of a message is waiting for its next fragment.
    pub fn is_partial(&self) -> bool {
        !self.pending.is_empty()
    }

    /// Adds one record's payload; returns the messages it completed, in order, or why the
    /// stream is not a handshake (a message claiming more than [`MAX_MESSAGE`] bytes).
    pub fn feed(&mut self, payload: &[u8]) -> Result<Vec<Message>, String> {
        self.pending.extend_from_slice(payload);
        let mut out = Vec::new();
        while let Some(header) = self.pending.get(..HANDSHAKE_HEADER_LEN) {
            let mut r = Reader::new(header);
            let (Some(typ), Some(len)) = (r.u8(), r.u24()) else {
                break;
            };
            let len = len as usize;
            if len > MAX_MESSAGE {
                self.pending.clear();
                return Err(format!(
                    "a handshake message (type {typ}) claims {len} bytes, more than the {MAX_MESSAGE} accepted"
                ));
            }
            let total = HANDSHAKE_HEADER_LEN + len;
            if self.pending.len() < total {
                break;
            }
            let rest = self.pending.split_off(total);
            let raw = std::mem::replace(&mut self.pending, rest);
            out.push(Message { typ, raw });
        }
        Ok(out)
    }
}

/// What a TLS 1.0–1.2 client needs from a ServerHello body beyond
/// [`super::ServerHelloInfo`]: the random and the renegotiation_info extension's data.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HelloSecrets {
    /// server_version.
    pub version: u16,
    /// The 32-byte random.
    pub random: [u8; 32],
    /// cipher_suite.
    pub cipher_suite: u16,
    /// compression_method.
    pub compression: u8,
    /// The renegotiated_connection field of renegotiation_info, if the extension came.
    pub renegotiation_info: Option<Vec<u8>>,
}

/// Reads a TLS 1.0–1.2 ServerHello body (RFC 5246 section 7.4.1.3).
pub fn hello_secrets(body: &[u8]) -> Option<HelloSecrets> {
    let mut r = Reader::new(body);
    let version = r.u16()?;
    let random: [u8; 32] = r.take(32)?.try_into().ok()?;
    r.sub_u8()?;
    let cipher_suite = r.u16()?;
    let compression = r.u8()?;
    let mut renegotiation_info = None;
    if !r.is_empty() {
        let mut exts = r.sub_u16()?;
        while !exts.is_empty() {
            let typ = exts.u16()?;
            let mut data = exts.sub_u16()?;
            if typ == extension_type::RENEGOTIATION_INFO {
                renegotiation_info = Some(data.sub_u8()?.rest().to_vec());
            }
        }
    }
    Some(HelloSecrets {
        version,
        random,
        cipher_suite,
        compression,
        renegotiation_info,
    })
}

/// The named group and public point of a ServerKeyExchange's ServerECDHParams (RFC 8422
/// section 5.4: curve_type named_curve (3), the group, the point with a 1-byte length);
/// `None` for anything else (explicit curves, a short message).
pub fn ecdh_params(body: &[u8]) -> Option<(u16, &[u8])> {
    let mut r = Reader::new(body);
    if r.u8()? != 3 {
        return None;
    }
    let group = r.u16()?;
    let point = r.sub_u8()?.rest();
    if point.is_empty() {
        return None;
    }
    Some((group, point))
}

/// A handshake message: the type, the 3-byte length, the body.
pub fn message(typ: u8, body: &[u8]) -> Vec<u8> {
    let len = u32::try_from(body.len())
        .unwrap_or(u32::MAX)
        .min(0x00ff_ffff);
    let mut out = Vec::with_capacity(body.len() + HANDSHAKE_HEADER_LEN);
    out.push(typ);
    out.extend_from_slice(len.to_be_bytes().get(1..).unwrap_or_default());
    out.extend_from_slice(body);
    out
}

/// A record: content type, version, 2-byte length, payload (at most 2^14 + 2048 bytes as
/// the caller builds it).
pub fn record(content_type: u8, version: u16, payload: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(payload.len() + 5);
    out.push(content_type);
    out.extend_from_slice(&version.to_be_bytes());
    out.extend_from_slice(
        &u16::try_from(payload.len())
            .unwrap_or(u16::MAX)
            .to_be_bytes(),
    );
    out.extend_from_slice(payload);
    out
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::indexing_slicing, clippy::panic)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn messages_span_and_share_records() {
        let a = message(2, &[1, 2, 3]);
        let b = message(11, &[9; 300]);
        let c = message(14, &[]);
        let mut stream = a.clone();
        stream.extend_from_slice(&b);
        stream.extend_from_slice(&c);
        let mut asm = Assembler::new();
        let mut got = Vec::new();
        for chunk in stream.chunks(7) {
            got.extend(asm.feed(chunk).unwrap());
        }
        assert!(!asm.is_partial());
        let raws: Vec<_> = got.iter().map(|m| m.raw.clone()).collect();
        assert_eq!(raws, vec![a, b, c]);
        assert_eq!(got[1].typ, 11);
        assert_eq!(got[1].body().len(), 300);
    }

    #[test]
    fn an_oversized_message_is_refused_unbuffered() {
        let mut asm = Assembler::new();
        let err = asm.feed(&[11, 0x10, 0, 0, 1, 2]).unwrap_err();
        assert!(err.contains("more than the 65536"), "{err}");
        assert!(!asm.is_partial());
    }

    #[test]
    fn server_hello_fields() {
        let mut body = vec![3, 3];
        body.extend_from_slice(&[7; 32]);
        body.push(0);
        body.extend_from_slice(&[0xc0, 0x2f, 0]);
        // extensions: renegotiation_info with 2 bytes of data, then extended_master_secret
        let exts = [0xff, 1, 0, 3, 2, 0xaa, 0xbb, 0, 23, 0, 0];
        body.extend_from_slice(&[0, exts.len() as u8]);
        body.extend_from_slice(&exts);
        let h = hello_secrets(&body).unwrap();
        assert_eq!(h.version, 0x0303);
        assert_eq!(h.random, [7; 32]);
        assert_eq!(h.cipher_suite, 0xc02f);
        assert_eq!(h.renegotiation_info, Some(vec![0xaa, 0xbb]));
        let mut plain = vec![3, 1];
        plain.extend_from_slice(&[1; 32]);
        plain.extend_from_slice(&[0, 0, 0x2f, 0]);
        assert_eq!(hello_secrets(&plain).unwrap().renegotiation_info, None);
        assert!(hello_secrets(&plain[..20]).is_none());
    }

    #[test]
    fn ecdh_point() {
        assert_eq!(
            ecdh_params(&[3, 0, 29, 2, 5, 6, 9, 9]),
            Some((29, &[5u8, 6][..]))
        );
        assert_eq!(ecdh_params(&[1, 0, 29, 2, 5, 6]), None);
        assert_eq!(ecdh_params(&[3, 0, 29, 0]), None);
        assert_eq!(ecdh_params(&[3, 0]), None);
    }

    proptest! {
        #[test]
        fn any_split_gives_the_same_messages(data in proptest::collection::vec(any::<u8>(), 0..600), cut in 1usize..50) {
            let mut whole = Assembler::new();
            let a = whole.feed(&data);
            let mut parts = Assembler::new();
            let mut b = Ok(Vec::new());
            for chunk in data.chunks(cut) {
                match parts.feed(chunk) {
                    Ok(m) => { if let Ok(v) = b.as_mut() { v.extend(m) } }
                    Err(e) => { b = Err(e); break; }
                }
            }
            prop_assert_eq!(a.is_ok(), b.is_ok());
            if let (Ok(a), Ok(b)) = (a, b) { prop_assert_eq!(a, b); }
            let _ = hello_secrets(&data);
            let _ = ecdh_params(&data);
        }
    }
}
