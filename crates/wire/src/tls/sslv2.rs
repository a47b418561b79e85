//! SSL 2.0 on the wire: its cipher kinds, a CLIENT-HELLO builder and a
//! parser for the server's first message (SERVER-HELLO or ERROR).
//!
//! Source: "The SSL Protocol" (Kipp Hickman, Netscape, 1995,
//! draft-hickman-netscape-ssl-00), sections "SSL Record Header Format",
//! "Client Only Protocol Messages", "Server Only Protocol Messages",
//! "Error Messages" and appendix A "Protocol Constant Values"; OpenSSL
//! names from OpenSSL 0.9.8 `ssl2.h` (`SSL2_TXT_*`). RFC 6176 forbids
//! SSL 2.0: a server that still answers one is a finding.
//!
//! Record header: two bytes when the high bit of the first is set (length
//! = the other 15 bits, no padding), else three bytes (length = the low 14
//! bits, bit 0x40 = "security escape", third byte = padding length). The
//! length counts everything after the header, padding included.

use super::handshake::ParseError;
use super::reader::Reader;

/// The SSL 2.0 protocol version, as sent in CLIENT-HELLO / SERVER-HELLO.
pub const SSL2_VERSION: u16 = 0x0002;

/// Largest record body with a two-byte header (15-bit length).
pub const SSL2_MAX_RECORD_2: usize = 0x7fff;
/// Largest record body with a three-byte header (14-bit length).
pub const SSL2_MAX_RECORD_3: usize = 0x3fff;

/// SSL 2.0 message types (appendix A.1).
pub mod sslv2_message {
    /// MSG-ERROR
    pub const ERROR: u8 = 0;
    /// MSG-CLIENT-HELLO
    pub const CLIENT_HELLO: u8 = 1;
    /// MSG-SERVER-HELLO
    pub const SERVER_HELLO: u8 = 4;
}

/// The seven SSL 2.0 cipher kinds (appendix A.2): 3-byte spec, SSL 2.0
/// name, OpenSSL name.
const CIPHER_KINDS: &[(u32, &str, &str)] = &[
    (0x010080, "SSL_CK_RC4_128_WITH_MD5", "RC4-MD5"),
    (0x020080, "SSL_CK_RC4_128_EXPORT40_WITH_MD5", "EXP-RC4-MD5"),
    (0x030080, "SSL_CK_RC2_128_CBC_WITH_MD5", "RC2-CBC-MD5"),
    (
        0x040080,
        "SSL_CK_RC2_128_CBC_EXPORT40_WITH_MD5",
        "EXP-RC2-CBC-MD5",
    ),
    (0x050080, "SSL_CK_IDEA_128_CBC_WITH_MD5", "IDEA-CBC-MD5"),
    (0x060040, "SSL_CK_DES_64_CBC_WITH_MD5", "DES-CBC-MD5"),
    (0x0700c0, "SSL_CK_DES_192_EDE3_CBC_WITH_MD5", "DES-CBC3-MD5"),
];

/// The SSL 2.0 name and the OpenSSL name of a 3-byte cipher spec, e.g.
/// `("SSL_CK_RC4_128_WITH_MD5", "RC4-MD5")` for 0x010080; `None` for
/// anything else (including TLS suites in SSLv2-compatible hellos,
/// 0x00XXXX).
pub fn sslv2_cipher_name(spec: u32) -> Option<(&'static str, &'static str)> {
    CIPHER_KINDS
        .iter()
        .find(|&&(s, _, _)| s == spec)
        .map(|&(_, name, openssl)| (name, openssl))
}

/// The seven SSL 2.0 cipher specs, in code order.
pub fn all_sslv2_cipher_specs() -> Vec<u32> {
    CIPHER_KINDS.iter().map(|&(s, _, _)| s).collect()
}

/// The name of an SSL 2.0 error code (appendix A.3).
pub fn sslv2_error_name(code: u16) -> Option<&'static str> {
    match code {
        0x0001 => Some("NO-CIPHER-ERROR"),
        0x0002 => Some("NO-CERTIFICATE-ERROR"),
        0x0004 => Some("BAD-CERTIFICATE-ERROR"),
        0x0006 => Some("UNSUPPORTED-CERTIFICATE-TYPE-ERROR"),
        _ => None,
    }
}

/// An SSL 2.0 CLIENT-HELLO offering `cipher_specs` (each the low 24 bits
/// of a `u32`), version 0x0002, no session id and a 16-byte challenge, in
/// one record with a two-byte header. At most 10,914 specs fit in a record;
/// more are dropped.
pub fn build_sslv2_client_hello(cipher_specs: &[u32], challenge: &[u8; 16]) -> Vec<u8> {
    // 1 type + 2 version + 3 * 2 lengths + 16 challenge.
    const FIXED: usize = 1 + 2 + 6 + 16;
    let max_specs = (SSL2_MAX_RECORD_2 - FIXED) / 3;
    let specs = cipher_specs.get(..max_specs).unwrap_or(cipher_specs);
    let specs_len = specs.len() * 3;
    let body_len = FIXED + specs_len;
    let mut out = Vec::with_capacity(2 + body_len);
    // body_len <= 0x7fff: the casts below cannot truncate.
    out.extend_from_slice(&(0x8000 | body_len as u16).to_be_bytes());
    out.push(sslv2_message::CLIENT_HELLO);
    out.extend_from_slice(&SSL2_VERSION.to_be_bytes());
    out.extend_from_slice(&(specs_len as u16).to_be_bytes());
    out.extend_from_slice(&0u16.to_be_bytes()); // session id length
    out.extend_from_slice(&16u16.to_be_bytes()); // challenge length
    for spec in specs {
        let [_, a, b, c] = spec.to_be_bytes();
        out.extend_from_slice(&[a, b, c]);
    }
    out.extend_from_slice(challenge);
    out
}

/// A parsed SSL 2.0 SERVER-HELLO.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sslv2ServerHello {
    /// SESSION-ID-HIT: the server resumed a session (then no certificate).
    pub session_id_hit: bool,
    /// CERTIFICATE-TYPE (1 = X.509).
    pub certificate_type: u8,
    /// SERVER-VERSION (0x0002).
    pub version: u16,
    /// CERTIFICATE-DATA (DER).
    pub certificate: Vec<u8>,
    /// The cipher specs the server supports (of those offered).
    pub cipher_specs: Vec<u32>,
    /// CONNECTION-ID-DATA.
    pub connection_id: Vec<u8>,
}

/// The first message of an SSL 2.0 server.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Sslv2ServerMessage {
    /// SERVER-HELLO.
    Hello(Sslv2ServerHello),
    /// ERROR with its code (see [`sslv2_error_name`]).
    Error(u16),
}

/// Parses the data of an unencrypted SSL 2.0 record sent by a server
/// (after the record header and without padding): a SERVER-HELLO or an
/// ERROR message. Bytes after the message are ignored.
pub fn parse_sslv2_server_message(data: &[u8]) -> Result<Sslv2ServerMessage, ParseError> {
    let mut r = Reader::new(data);
    let truncated = |what| ParseError::Truncated { what };
    match r.u8().ok_or(truncated("SSLv2 message type"))? {
        sslv2_message::ERROR => Ok(Sslv2ServerMessage::Error(
            r.u16().ok_or(truncated("SSLv2 ERROR code"))?,
        )),
        sslv2_message::SERVER_HELLO => {
            let session_id_hit = r.u8().ok_or(truncated("SSLv2 SESSION-ID-HIT"))? != 0;
            let certificate_type = r.u8().ok_or(truncated("SSLv2 CERTIFICATE-TYPE"))?;
            let version = r.u16().ok_or(truncated("SSLv2 SERVER-VERSION"))?;
            let cert_len = r.u16().ok_or(truncated("SSLv2 CERTIFICATE-LENGTH"))?;
            let specs_len = r.u16().ok_or(truncated("SSLv2 CIPHER-SPECS-LENGTH"))?;
            let conn_len = r.u16().ok_or(truncated("SSLv2 CONNECTION-ID-LENGTH"))?;
            let certificate = r
                .take(usize::from(cert_len))
                .ok_or(truncated("SSLv2 CERTIFICATE-DATA"))?
                .to_vec();
            if specs_len % 3 != 0 {
                return Err(ParseError::Invalid {
                    what: "SSLv2 CIPHER-SPECS-LENGTH (not a multiple of 3)",
                });
            }
            let specs = r
                .take(usize::from(specs_len))
                .ok_or(truncated("SSLv2 CIPHER-SPECS-DATA"))?;
            let cipher_specs = specs
                .chunks_exact(3)
                .map(|c| match c {
                    [a, b, c] => u32::from_be_bytes([0, *a, *b, *c]),
                    _ => 0,
                })
                .collect();
            let connection_id = r
                .take(usize::from(conn_len))
                .ok_or(truncated("SSLv2 CONNECTION-ID-DATA"))?
                .to_vec();
            Ok(Sslv2ServerMessage::Hello(Sslv2ServerHello {
                session_id_hit,
                certificate_type,
                version,
                certificate,
                cipher_specs,
                connection_id,
            }))
        }
        _ => Err(ParseError::Invalid {
            what: "SSLv2 message type (expected SERVER-HELLO or ERROR)",
        }),
    }
}

/// Builders for SSL 2.0 server messages, for tests here and in `flight`.
#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::indexing_slicing, clippy::panic)]
pub(crate) mod build {
    /// An SSL 2.0 record with a two-byte header.
    pub fn record2(body: &[u8]) -> Vec<u8> {
        let mut v = (0x8000 | body.len() as u16).to_be_bytes().to_vec();
        v.extend_from_slice(body);
        v
    }

    /// An SSL 2.0 SERVER-HELLO body: no session hit, X.509 certificate,
    /// version 0x0002, then certificate, specs and a 16-byte connection id.
    pub fn server_hello_body(cert: &[u8], specs: &[u32]) -> Vec<u8> {
        let mut b = vec![4, 0, 1, 0x00, 0x02];
        b.extend((cert.len() as u16).to_be_bytes());
        b.extend(((specs.len() * 3) as u16).to_be_bytes());
        b.extend(16u16.to_be_bytes());
        b.extend_from_slice(cert);
        for s in specs {
            b.extend_from_slice(&s.to_be_bytes()[1..]);
        }
        b.extend([0xc1; 16]);
        b
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::indexing_slicing, clippy::panic)]
mod tests {
    use super::build::*;
    use super::*;

    #[test]
    fn cipher_kinds() {
        assert_eq!(
            sslv2_cipher_name(0x010080),
            Some(("SSL_CK_RC4_128_WITH_MD5", "RC4-MD5"))
        );
        assert_eq!(sslv2_cipher_name(0x020080).unwrap().1, "EXP-RC4-MD5");
        assert_eq!(sslv2_cipher_name(0x030080).unwrap().1, "RC2-CBC-MD5");
        assert_eq!(sslv2_cipher_name(0x040080).unwrap().1, "EXP-RC2-CBC-MD5");
        assert_eq!(sslv2_cipher_name(0x050080).unwrap().1, "IDEA-CBC-MD5");
        assert_eq!(sslv2_cipher_name(0x060040).unwrap().1, "DES-CBC-MD5");
        assert_eq!(
            sslv2_cipher_name(0x0700c0),
            Some(("SSL_CK_DES_192_EDE3_CBC_WITH_MD5", "DES-CBC3-MD5"))
        );
        assert_eq!(sslv2_cipher_name(0x00002f), None);
        assert_eq!(all_sslv2_cipher_specs().len(), 7);
        assert_eq!(sslv2_error_name(1), Some("NO-CIPHER-ERROR"));
        assert_eq!(sslv2_error_name(3), None);
    }

    #[test]
    fn client_hello_layout() {
        let specs = all_sslv2_cipher_specs();
        let hello = build_sslv2_client_hello(&specs, &[0xab; 16]);
        let body_len = 9 + 21 + 16;
        assert_eq!(hello.len(), 2 + body_len);
        assert_eq!(hello[..2], [0x80, body_len as u8]);
        assert_eq!(hello[2], 1);
        assert_eq!(hello[3..5], [0, 2]);
        assert_eq!(hello[5..7], [0, 21]);
        assert_eq!(hello[7..9], [0, 0]);
        assert_eq!(hello[9..11], [0, 16]);
        assert_eq!(hello[11..14], [0x01, 0x00, 0x80]);
        assert_eq!(hello[29..32], [0x07, 0x00, 0xc0]);
        assert_eq!(hello[32..], [0xab; 16]);
        // Too many specs are clamped to what a record holds.
        let many = vec![0x010080; 20_000];
        let hello = build_sslv2_client_hello(&many, &[0; 16]);
        let len = usize::from(u16::from_be_bytes([hello[0], hello[1]]) & 0x7fff);
        assert_eq!(hello.len(), 2 + len);
        assert!(len <= SSL2_MAX_RECORD_2);
        assert_eq!(
            usize::from(u16::from_be_bytes([hello[5], hello[6]])),
            10_914 * 3
        );
    }

    #[test]
    fn server_messages() {
        let body = server_hello_body(&[0x30; 700], &[0x010080, 0x0700c0]);
        let Sslv2ServerMessage::Hello(h) = parse_sslv2_server_message(&body).unwrap() else {
            panic!("not a hello");
        };
        assert_eq!(h.version, 2);
        assert_eq!(h.certificate.len(), 700);
        assert_eq!(h.cipher_specs, [0x010080, 0x0700c0]);
        assert_eq!(h.connection_id, [0xc1; 16]);
        assert!(!h.session_id_hit);
        assert_eq!(h.certificate_type, 1);
        for n in 0..body.len() {
            assert!(
                parse_sslv2_server_message(&body[..n]).is_err(),
                "prefix {n}"
            );
        }
        assert_eq!(
            parse_sslv2_server_message(&[0, 0, 1]),
            Ok(Sslv2ServerMessage::Error(1))
        );
        assert!(parse_sslv2_server_message(&[0, 0]).is_err());
        assert!(parse_sslv2_server_message(&[2, 0, 0]).is_err());
        let mut odd = server_hello_body(&[], &[]);
        odd[8] = 2; // cipher specs length 2
        assert!(matches!(
            parse_sslv2_server_message(&odd),
            Err(ParseError::Invalid { .. })
        ));
        assert_eq!(record2(&[1, 2])[..2], [0x80, 2]);
    }
}
