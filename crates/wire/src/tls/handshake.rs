//! Handshake message bodies: ClientHello, ServerHello / HelloRetryRequest,
//! Certificate and ServerKeyExchange (RFC 8446 section 4, RFC 5246
//! section 7.4, RFC 8422 section 5.4).

use serde::{Deserialize, Serialize};

use super::names::cipher_suite_name;
use super::reader::Reader;

/// Size of a handshake message header (type u8, length u24).
pub const HANDSHAKE_HEADER_LEN: usize = 4;

/// Handshake message types (IANA TLS HandshakeType registry).
pub mod handshake_type {
    /// hello_request (TLS 1.2 and earlier)
    pub const HELLO_REQUEST: u8 = 0;
    /// client_hello
    pub const CLIENT_HELLO: u8 = 1;
    /// server_hello (also carries HelloRetryRequest in TLS 1.3)
    pub const SERVER_HELLO: u8 = 2;
    /// new_session_ticket
    pub const NEW_SESSION_TICKET: u8 = 4;
    /// encrypted_extensions
    pub const ENCRYPTED_EXTENSIONS: u8 = 8;
    /// certificate
    pub const CERTIFICATE: u8 = 11;
    /// server_key_exchange
    pub const SERVER_KEY_EXCHANGE: u8 = 12;
    /// certificate_request
    pub const CERTIFICATE_REQUEST: u8 = 13;
    /// server_hello_done
    pub const SERVER_HELLO_DONE: u8 = 14;
    /// certificate_verify
    pub const CERTIFICATE_VERIFY: u8 = 15;
    /// client_key_exchange
    pub const CLIENT_KEY_EXCHANGE: u8 = 16;
    /// finished
    pub const FINISHED: u8 = 20;
    /// certificate_status (RFC 6066)
    pub const CERTIFICATE_STATUS: u8 = 22;
}

/// Extension types used here (IANA TLS ExtensionType Values registry).
pub mod extension_type {
    /// server_name (RFC 6066)
    pub const SERVER_NAME: u16 = 0;
    /// supported_groups (RFC 8422, RFC 7919)
    pub const SUPPORTED_GROUPS: u16 = 10;
    /// signature_algorithms (RFC 8446)
    pub const SIGNATURE_ALGORITHMS: u16 = 13;
    /// application_layer_protocol_negotiation (RFC 7301)
    pub const ALPN: u16 = 16;
    /// supported_versions (RFC 8446)
    pub const SUPPORTED_VERSIONS: u16 = 43;
    /// key_share (RFC 8446)
    pub const KEY_SHARE: u16 = 51;
    /// renegotiation_info (RFC 5746)
    pub const RENEGOTIATION_INFO: u16 = 0xff01;
}

/// The `random` of a HelloRetryRequest: SHA-256("HelloRetryRequest"),
/// RFC 8446 section 4.1.3.
pub const HELLO_RETRY_REQUEST_RANDOM: [u8; 32] = [
    0xcf, 0x21, 0xad, 0x74, 0xe5, 0x9a, 0x61, 0x11, 0xbe, 0x1d, 0x8c, 0x02, 0x1e, 0x65, 0xb8, 0x91,
    0xc2, 0xa2, 0x11, 0x16, 0x7a, 0xbb, 0x8c, 0x5e, 0x07, 0x9e, 0x09, 0xe2, 0xc8, 0xa8, 0x33, 0x9c,
];

/// Last 8 bytes of a ServerHello random from a TLS 1.3 capable server that
/// negotiates TLS 1.2 (RFC 8446 section 4.1.3).
const DOWNGRADE_TLS12: [u8; 8] = *b"DOWNGRD\x01";
/// ... that negotiates TLS 1.1 or below.
const DOWNGRADE_TLS11: [u8; 8] = *b"DOWNGRD\x00";

/// Why a handshake message body could not be parsed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum ParseError {
    /// The body ended inside the named field.
    Truncated {
        /// The field being read.
        what: &'static str,
    },
    /// Bytes were left over after the named structure.
    TrailingBytes {
        /// The structure that should have ended.
        what: &'static str,
    },
    /// The named field holds a value the RFC forbids.
    Invalid {
        /// The field.
        what: &'static str,
    },
}

impl std::fmt::Display for ParseError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ParseError::Truncated { what } => write!(f, "truncated {what}"),
            ParseError::TrailingBytes { what } => write!(f, "unexpected bytes after {what}"),
            ParseError::Invalid { what } => write!(f, "invalid {what}"),
        }
    }
}

impl std::error::Error for ParseError {}

trait OrTruncated<T> {
    fn or_truncated(self, what: &'static str) -> Result<T, ParseError>;
}

impl<T> OrTruncated<T> for Option<T> {
    fn or_truncated(self, what: &'static str) -> Result<T, ParseError> {
        self.ok_or(ParseError::Truncated { what })
    }
}

fn expect_end(r: &Reader<'_>, what: &'static str) -> Result<(), ParseError> {
    if r.is_empty() {
        Ok(())
    } else {
        Err(ParseError::TrailingBytes { what })
    }
}

/// Reads an extensions block (`Extension extensions<0..2^16-1>`), which
/// TLS 1.2 and earlier allow to be absent altogether. Calls `f` for each
/// extension with its type and a reader over its data.
fn for_each_extension<'a>(
    r: &mut Reader<'a>,
    mut f: impl FnMut(u16, Reader<'a>) -> Result<(), ParseError>,
) -> Result<Vec<u16>, ParseError> {
    let mut types = Vec::new();
    if r.is_empty() {
        return Ok(types);
    }
    let mut exts = r.sub_u16().or_truncated("extensions")?;
    while !exts.is_empty() {
        let typ = exts.u16().or_truncated("extension type")?;
        let data = exts.sub_u16().or_truncated("extension data")?;
        types.push(typ);
        f(typ, data)?;
    }
    Ok(types)
}

fn read_u16_list(mut data: Reader<'_>, what: &'static str) -> Result<Vec<u16>, ParseError> {
    let mut list = data.sub_u16().or_truncated(what)?;
    expect_end(&data, what)?;
    list.u16_list().or_truncated(what)
}

/// The fields of a ClientHello that matter for a diagnosis.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ClientHelloInfo {
    /// `legacy_version` (0x0303 for TLS 1.2 and 1.3 clients).
    pub legacy_version: u16,
    /// Length of `legacy_session_id` (32 for TLS 1.3 middlebox compat).
    pub session_id_len: usize,
    /// Offered cipher suites, in order (GREASE included).
    pub cipher_suites: Vec<u16>,
    /// Offered compression methods (should be just `[0]`).
    pub compression_methods: Vec<u8>,
    /// Extension types in the order sent.
    pub extensions: Vec<u16>,
    /// The host name of the server_name extension.
    pub sni: Option<String>,
    /// The supported_versions extension (empty if absent).
    pub supported_versions: Vec<u16>,
    /// The supported_groups extension (empty if absent).
    pub supported_groups: Vec<u16>,
    /// Groups of the key_share entries (empty if absent).
    pub key_share_groups: Vec<u16>,
    /// The signature_algorithms extension (empty if absent).
    pub signature_algorithms: Vec<u16>,
    /// ALPN protocol names offered (empty if absent), lossy UTF-8.
    pub alpn: Vec<String>,
}

impl ClientHelloInfo {
    /// The highest version offered: the top non-GREASE entry of
    /// supported_versions, or `legacy_version` without that extension.
    pub fn max_version(&self) -> u16 {
        self.supported_versions
            .iter()
            .copied()
            .filter(|&v| !super::names::is_grease(v))
            .max()
            .unwrap_or(self.legacy_version)
    }
}

/// Parses a ClientHello body (without the 4-byte handshake header),
/// RFC 8446 section 4.1.2 / RFC 5246 section 7.4.1.2.
pub fn parse_client_hello(body: &[u8]) -> Result<ClientHelloInfo, ParseError> {
    let mut r = Reader::new(body);
    let legacy_version = r.u16().or_truncated("ClientHello version")?;
    r.skip(32).or_truncated("ClientHello random")?;
    let session_id = r.sub_u8().or_truncated("ClientHello session id")?;
    if session_id.remaining() > 32 {
        return Err(ParseError::Invalid {
            what: "ClientHello session id length",
        });
    }
    let mut suites = r.sub_u16().or_truncated("ClientHello cipher suites")?;
    let cipher_suites = suites
        .u16_list()
        .or_truncated("ClientHello cipher suites")?;
    let mut compression = r.sub_u8().or_truncated("ClientHello compression methods")?;
    let compression_methods = compression.rest().to_vec();

    let mut info = ClientHelloInfo {
        legacy_version,
        session_id_len: session_id.remaining(),
        cipher_suites,
        compression_methods,
        extensions: Vec::new(),
        sni: None,
        supported_versions: Vec::new(),
        supported_groups: Vec::new(),
        key_share_groups: Vec::new(),
        signature_algorithms: Vec::new(),
        alpn: Vec::new(),
    };

    info.extensions = for_each_extension(&mut r, |typ, mut data| {
        match typ {
            extension_type::SERVER_NAME => {
                let mut list = data.sub_u16().or_truncated("server_name list")?;
                expect_end(&data, "server_name")?;
                while !list.is_empty() {
                    let name_type = list.u8().or_truncated("server_name type")?;
                    let mut name = list.sub_u16().or_truncated("server_name host name")?;
                    if name_type == 0 && info.sni.is_none() {
                        info.sni = Some(String::from_utf8_lossy(name.rest()).into_owned());
                    }
                }
            }
            extension_type::SUPPORTED_VERSIONS => {
                let mut list = data.sub_u8().or_truncated("supported_versions")?;
                expect_end(&data, "supported_versions")?;
                info.supported_versions = list.u16_list().or_truncated("supported_versions")?;
            }
            extension_type::SUPPORTED_GROUPS => {
                info.supported_groups = read_u16_list(data, "supported_groups")?;
            }
            extension_type::SIGNATURE_ALGORITHMS => {
                info.signature_algorithms = read_u16_list(data, "signature_algorithms")?;
            }
            extension_type::KEY_SHARE => {
                let mut list = data.sub_u16().or_truncated("key_share")?;
                expect_end(&data, "key_share")?;
                while !list.is_empty() {
                    let group = list.u16().or_truncated("key_share group")?;
                    list.sub_u16().or_truncated("key_share key exchange")?;
                    info.key_share_groups.push(group);
                }
            }
            extension_type::ALPN => {
                let mut list = data.sub_u16().or_truncated("ALPN list")?;
                expect_end(&data, "ALPN")?;
                while !list.is_empty() {
                    let mut name = list.sub_u8().or_truncated("ALPN protocol name")?;
                    info.alpn
                        .push(String::from_utf8_lossy(name.rest()).into_owned());
                }
            }
            _ => {}
        }
        Ok(())
    })?;
    expect_end(&r, "ClientHello")?;
    Ok(info)
}

/// The fields of a ServerHello (or HelloRetryRequest) that matter for a
/// diagnosis.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ServerHelloInfo {
    /// `legacy_version` (0x0303 in TLS 1.3).
    pub legacy_version: u16,
    /// The negotiated version: supported_versions when present, else
    /// `legacy_version`.
    pub selected_version: u16,
    /// The selected cipher suite.
    pub cipher_suite: u16,
    /// The key_share group: the server's share in a ServerHello, the group
    /// asked for in a HelloRetryRequest.
    pub key_share_group: Option<u16>,
    /// Whether this is a TLS 1.3 HelloRetryRequest (special random).
    pub is_hello_retry: bool,
    /// Extension types in the order sent.
    pub extensions: Vec<u16>,
    /// The selected compression method (0 = none).
    pub compression_method: u8,
    /// Length of the session id (0: the session will not be cached, RFC 5246 section 7.4.1.3).
    pub session_id_len: u8,
    /// The ALPN protocol selected, if any (lossy UTF-8).
    pub alpn: Option<String>,
    /// RFC 8446 section 4.1.3 downgrade protection: `Some(0x0303)` if the
    /// random ends in `DOWNGRD\x01` (a TLS 1.3 server negotiating TLS 1.2),
    /// `Some(0x0302)` for `DOWNGRD\x00` (a TLS 1.2+ server negotiating
    /// TLS 1.1 or below).
    pub downgrade_sentinel: Option<u16>,
}

/// Parses a ServerHello body (without the 4-byte handshake header),
/// RFC 8446 section 4.1.3 / RFC 5246 section 7.4.1.3, recognising a
/// HelloRetryRequest by its special random.
pub fn parse_server_hello(body: &[u8]) -> Result<ServerHelloInfo, ParseError> {
    let mut r = Reader::new(body);
    let legacy_version = r.u16().or_truncated("ServerHello version")?;
    let random = r.take(32).or_truncated("ServerHello random")?;
    let is_hello_retry = random == HELLO_RETRY_REQUEST_RANDOM;
    let downgrade_sentinel = match random.get(24..) {
        Some(tail) if tail == DOWNGRADE_TLS12 => Some(0x0303),
        Some(tail) if tail == DOWNGRADE_TLS11 => Some(0x0302),
        _ => None,
    };
    let session_id = r.sub_u8().or_truncated("ServerHello session id")?;
    if session_id.remaining() > 32 {
        return Err(ParseError::Invalid {
            what: "ServerHello session id length",
        });
    }
    let session_id_len = u8::try_from(session_id.remaining()).unwrap_or(32);
    let cipher_suite = r.u16().or_truncated("ServerHello cipher suite")?;
    let compression_method = r.u8().or_truncated("ServerHello compression method")?;

    let mut selected_version = None;
    let mut key_share_group = None;
    let mut alpn = None;
    let extensions = for_each_extension(&mut r, |typ, mut data| {
        match typ {
            extension_type::SUPPORTED_VERSIONS => {
                selected_version = Some(data.u16().or_truncated("supported_versions")?);
                expect_end(&data, "supported_versions")?;
            }
            extension_type::KEY_SHARE => {
                // HelloRetryRequest: NamedGroup selected_group;
                // ServerHello: KeyShareEntry server_share.
                key_share_group = Some(data.u16().or_truncated("key_share group")?);
                if !is_hello_retry {
                    data.sub_u16().or_truncated("key_share key exchange")?;
                }
                expect_end(&data, "key_share")?;
            }
            extension_type::ALPN => {
                let mut list = data.sub_u16().or_truncated("ALPN list")?;
                expect_end(&data, "ALPN")?;
                let mut name = list.sub_u8().or_truncated("ALPN protocol name")?;
                expect_end(&list, "ALPN list")?;
                alpn = Some(String::from_utf8_lossy(name.rest()).into_owned());
            }
            _ => {}
        }
        Ok(())
    })?;
    expect_end(&r, "ServerHello")?;
    Ok(ServerHelloInfo {
        legacy_version,
        selected_version: selected_version.unwrap_or(legacy_version),
        cipher_suite,
        key_share_group,
        is_hello_retry,
        extensions,
        compression_method,
        session_id_len,
        alpn,
        downgrade_sentinel,
    })
}

/// Parses a Certificate body into the DER certificates it carries, leaf
/// first. `tls13` selects the RFC 8446 section 4.4.2 layout (request
/// context and per-certificate extensions) instead of RFC 5246 section
/// 7.4.2.
pub fn parse_certificates(body: &[u8], tls13: bool) -> Result<Vec<&[u8]>, ParseError> {
    let mut r = Reader::new(body);
    if tls13 {
        r.sub_u8().or_truncated("certificate request context")?;
    }
    let mut list = r.sub_u24().or_truncated("certificate list")?;
    expect_end(&r, "Certificate")?;
    let mut certs = Vec::new();
    while !list.is_empty() {
        let mut cert = list.sub_u24().or_truncated("certificate")?;
        certs.push(cert.rest());
        if tls13 {
            list.sub_u16().or_truncated("certificate extensions")?;
        }
    }
    Ok(certs)
}

/// What a ServerKeyExchange (TLS 1.2 and earlier) reveals about the key
/// exchange.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum ServerKeyExchangeInfo {
    /// ECDHE over a named curve (RFC 8422 section 5.4, curve_type 3).
    Ecdhe {
        /// The named group.
        group: u16,
    },
    /// Finite-field DHE (RFC 5246 section 7.4.3): the prime's size.
    Dhe {
        /// Significant bits of `dh_p`.
        prime_bits: usize,
    },
    /// Something else (RSA export, PSK, SRP, explicit curves...).
    Other,
}

/// Interprets a ServerKeyExchange body. The cipher suite (from the
/// ServerHello) tells finite-field DHE apart from other key exchanges; an
/// ECDHE named curve is recognised without it.
pub fn parse_server_key_exchange(body: &[u8], cipher_suite: Option<u16>) -> ServerKeyExchangeInfo {
    let mut r = Reader::new(body);
    let is_dhe = cipher_suite
        .and_then(cipher_suite_name)
        .is_some_and(|n| n.starts_with("TLS_DHE_") || n.starts_with("TLS_DH_anon_"));
    if is_dhe {
        if let Some(mut p) = r.sub_u16() {
            let p = p.rest();
            let p = match p.iter().position(|&b| b != 0) {
                Some(i) => p.get(i..).unwrap_or_default(),
                None => &[],
            };
            let prime_bits = match p.first() {
                Some(&top) => (p.len() - 1) * 8 + (8 - top.leading_zeros() as usize),
                None => 0,
            };
            return ServerKeyExchangeInfo::Dhe { prime_bits };
        }
        return ServerKeyExchangeInfo::Other;
    }
    match (r.u8(), r.u16()) {
        (Some(3), Some(group)) => ServerKeyExchangeInfo::Ecdhe { group },
        _ => ServerKeyExchangeInfo::Other,
    }
}

/// Finite-field Diffie-Hellman parameters of a ServerKeyExchange
/// (`ServerDHParams`, RFC 5246 section 7.4.3), borrowed from the message.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ServerDhParams<'a> {
    /// The prime modulus `dh_p`, as sent (big-endian).
    pub p: &'a [u8],
    /// The generator `dh_g`, as sent.
    pub g: &'a [u8],
    /// The server's public value `dh_Ys`, as sent.
    pub ys: &'a [u8],
}

impl ServerDhParams<'_> {
    /// Significant bits of the prime (leading zero bytes and bits do not
    /// count): 2048 for ffdhe2048, 1024 for the weak Logjam-era groups.
    pub fn prime_bits(&self) -> u32 {
        let p = match self.p.iter().position(|&b| b != 0) {
            Some(i) => self.p.get(i..).unwrap_or_default(),
            None => &[],
        };
        match p.first() {
            // p.len() <= 65535: no overflow.
            Some(&top) => (p.len() as u32 - 1) * 8 + (8 - top.leading_zeros()),
            None => 0,
        }
    }
}

/// Reads `ServerDHParams` (`opaque dh_p<1..2^16-1>; opaque dh_g<1..2^16-1>;
/// opaque dh_Ys<1..2^16-1>`) from `r`, leaving the signature that follows
/// unread. Empty vectors are invalid.
pub fn parse_server_dh_params<'a>(r: &mut Reader<'a>) -> Result<ServerDhParams<'a>, ParseError> {
    let mut field = |what: &'static str| -> Result<&'a [u8], ParseError> {
        let v = r.sub_u16().or_truncated(what)?.rest();
        if v.is_empty() {
            return Err(ParseError::Invalid { what });
        }
        Ok(v)
    };
    let p = field("dh_p")?;
    let g = field("dh_g")?;
    let ys = field("dh_Ys")?;
    Ok(ServerDhParams { p, g, ys })
}

/// Builders for handshake messages, used by the tests of this crate.
#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::indexing_slicing, clippy::panic)]
pub(crate) mod build {
    use super::HELLO_RETRY_REQUEST_RANDOM;

    pub fn u16_vec(data: &[u8]) -> Vec<u8> {
        let mut v = (data.len() as u16).to_be_bytes().to_vec();
        v.extend_from_slice(data);
        v
    }

    pub fn u8_vec(data: &[u8]) -> Vec<u8> {
        let mut v = vec![data.len() as u8];
        v.extend_from_slice(data);
        v
    }

    pub fn u24_vec(data: &[u8]) -> Vec<u8> {
        let mut v = (data.len() as u32).to_be_bytes()[1..].to_vec();
        v.extend_from_slice(data);
        v
    }

    pub fn ext(typ: u16, data: &[u8]) -> Vec<u8> {
        let mut v = typ.to_be_bytes().to_vec();
        v.extend(u16_vec(data));
        v
    }

    pub fn u16s(list: &[u16]) -> Vec<u8> {
        list.iter().flat_map(|v| v.to_be_bytes()).collect()
    }

    /// A handshake message: type, u24 length, body.
    pub fn handshake(typ: u8, body: &[u8]) -> Vec<u8> {
        let mut v = vec![typ];
        v.extend(u24_vec(body));
        v
    }

    /// A record of the given content type.
    pub fn record(ct: u8, payload: &[u8]) -> Vec<u8> {
        let mut v = vec![ct, 3, 3];
        v.extend(u16_vec(payload));
        v
    }

    /// A realistic TLS 1.3 ClientHello body (like OpenSSL 3 with
    /// `-servername mx.example.org`).
    pub fn client_hello_body() -> Vec<u8> {
        let mut b = vec![0x03, 0x03];
        b.extend([0x11; 32]); // random
        b.extend(u8_vec(&[0x22; 32])); // session id
        b.extend(u16_vec(&u16s(&[
            0x1302, 0x1303, 0x1301, 0xc02c, 0xc030, 0xc02b, 0xc02f, 0x00ff,
        ])));
        b.extend(u8_vec(&[0])); // compression
        let mut exts = Vec::new();
        let mut sni = vec![0u8];
        sni.extend(u16_vec(b"mx.example.org"));
        exts.extend(ext(0, &u16_vec(&sni)));
        exts.extend(ext(11, &u8_vec(&[0, 1, 2]))); // ec_point_formats
        exts.extend(ext(10, &u16_vec(&u16s(&[0x11ec, 29, 23, 30, 24, 256])))); // groups
        exts.extend(ext(35, &[])); // session_ticket
        let mut alpn = u8_vec(b"smtp");
        alpn.extend(u8_vec(b"h2"));
        exts.extend(ext(16, &u16_vec(&alpn)));
        exts.extend(ext(22, &[])); // encrypt_then_mac
        exts.extend(ext(23, &[])); // extended_master_secret
        exts.extend(ext(13, &u16_vec(&u16s(&[0x0403, 0x0804, 0x0807, 0x0401])))); // sig algs
        exts.extend(ext(43, &u8_vec(&u16s(&[0x0304, 0x0303])))); // supported_versions
        exts.extend(ext(45, &u8_vec(&[1]))); // psk_key_exchange_modes
        let mut ks = 0x11ecu16.to_be_bytes().to_vec();
        ks.extend(u16_vec(&[0x33; 1216]));
        ks.extend(29u16.to_be_bytes());
        ks.extend(u16_vec(&[0x44; 32]));
        exts.extend(ext(51, &u16_vec(&ks))); // key_share
        b.extend(u16_vec(&exts));
        b
    }

    /// A TLS 1.3 ServerHello body selecting TLS_AES_256_GCM_SHA384 and x25519.
    pub fn server_hello_13_body() -> Vec<u8> {
        let mut b = vec![0x03, 0x03];
        b.extend([0x55; 32]);
        b.extend(u8_vec(&[0x22; 32]));
        b.extend(0x1302u16.to_be_bytes());
        b.push(0);
        let mut exts = ext(43, &0x0304u16.to_be_bytes());
        let mut ks = 29u16.to_be_bytes().to_vec();
        ks.extend(u16_vec(&[0x66; 32]));
        exts.extend(ext(51, &ks));
        b.extend(u16_vec(&exts));
        b
    }

    /// A HelloRetryRequest asking for secp256r1.
    pub fn hello_retry_body() -> Vec<u8> {
        let mut b = vec![0x03, 0x03];
        b.extend(HELLO_RETRY_REQUEST_RANDOM);
        b.extend(u8_vec(&[0x22; 32]));
        b.extend(0x1301u16.to_be_bytes());
        b.push(0);
        let mut exts = ext(43, &0x0304u16.to_be_bytes());
        exts.extend(ext(51, &23u16.to_be_bytes()));
        b.extend(u16_vec(&exts));
        b
    }

    /// A TLS 1.2 ServerHello selecting `suite`, with the TLS 1.3 downgrade
    /// sentinel and renegotiation_info.
    pub fn server_hello_12_body(suite: u16) -> Vec<u8> {
        let mut b = vec![0x03, 0x03];
        b.extend([0x77; 24]);
        b.extend(b"DOWNGRD\x01");
        b.extend(u8_vec(&[0x01; 32]));
        b.extend(suite.to_be_bytes());
        b.push(0);
        let mut exts = ext(0xff01, &[0]);
        exts.extend(ext(11, &u8_vec(&[0])));
        exts.extend(ext(23, &[]));
        b.extend(u16_vec(&exts));
        b
    }

    /// A TLS 1.2 Certificate body with certificates of the given sizes.
    pub fn certificate_12_body(sizes: &[usize]) -> Vec<u8> {
        let mut list = Vec::new();
        for (i, &n) in sizes.iter().enumerate() {
            list.extend(u24_vec(&vec![0x30 + i as u8; n]));
        }
        u24_vec(&list)
    }

    /// A DHE ServerKeyExchange body: `p` as given, g = 2, a 256-byte Ys
    /// and an RSA-PSS signature.
    pub fn dhe_ske_body(p: &[u8]) -> Vec<u8> {
        let mut b = u16_vec(p);
        b.extend(u16_vec(&[2]));
        b.extend(u16_vec(&[0x5a; 256]));
        b.extend(0x0804u16.to_be_bytes());
        b.extend(u16_vec(&[0x99; 256]));
        b
    }

    /// An ECDHE ServerKeyExchange body for `group`.
    pub fn ecdhe_ske_body(group: u16) -> Vec<u8> {
        let mut b = vec![3];
        b.extend(group.to_be_bytes());
        b.extend(u8_vec(&[0x04; 65]));
        b.extend(0x0804u16.to_be_bytes());
        b.extend(u16_vec(&[0x99; 256]));
        b
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::indexing_slicing, clippy::panic)]
mod tests {
    use super::build::*;
    use super::*;

    #[test]
    fn client_hello_fields() {
        let ch = parse_client_hello(&client_hello_body()).unwrap();
        assert_eq!(ch.legacy_version, 0x0303);
        assert_eq!(ch.session_id_len, 32);
        assert_eq!(ch.cipher_suites.len(), 8);
        assert_eq!(ch.cipher_suites[0], 0x1302);
        assert_eq!(ch.compression_methods, [0]);
        assert_eq!(ch.sni.as_deref(), Some("mx.example.org"));
        assert_eq!(ch.supported_versions, [0x0304, 0x0303]);
        assert_eq!(ch.supported_groups, [0x11ec, 29, 23, 30, 24, 256]);
        assert_eq!(ch.key_share_groups, [0x11ec, 29]);
        assert_eq!(ch.signature_algorithms.len(), 4);
        assert_eq!(ch.alpn, ["smtp", "h2"]);
        assert_eq!(ch.extensions, [0, 11, 10, 35, 16, 22, 23, 13, 43, 45, 51]);
        assert_eq!(ch.max_version(), 0x0304);
    }

    #[test]
    fn client_hello_without_extensions() {
        // An SSLv3-era hello: no extensions block at all.
        let mut b = vec![0x03, 0x00];
        b.extend([0; 32]);
        b.push(0);
        b.extend(u16_vec(&u16s(&[0x000a, 0x0005])));
        b.extend(u8_vec(&[0]));
        let ch = parse_client_hello(&b).unwrap();
        assert_eq!(ch.legacy_version, 0x0300);
        assert!(ch.extensions.is_empty());
        assert_eq!(ch.max_version(), 0x0300);
    }

    #[test]
    fn client_hello_truncations_are_errors() {
        let body = client_hello_body();
        // version, random, session id, 8 suites, compression: a valid
        // hello without extensions ends there.
        let no_ext = 2 + 32 + 33 + 18 + 2;
        for n in 0..body.len() {
            if let Ok(ch) = parse_client_hello(&body[..n]) {
                assert!(
                    n == no_ext && ch.extensions.is_empty(),
                    "prefix {n} accepted"
                )
            }
        }
        let mut long = body.clone();
        long.push(0);
        assert_eq!(
            parse_client_hello(&long),
            Err(ParseError::TrailingBytes {
                what: "ClientHello"
            })
        );
    }

    #[test]
    fn server_hello_13() {
        let sh = parse_server_hello(&server_hello_13_body()).unwrap();
        assert_eq!(sh.legacy_version, 0x0303);
        assert_eq!(sh.selected_version, 0x0304);
        assert_eq!(sh.cipher_suite, 0x1302);
        assert_eq!(sh.key_share_group, Some(29));
        assert!(!sh.is_hello_retry);
        assert_eq!(sh.extensions, [43, 51]);
        assert_eq!(sh.downgrade_sentinel, None);
    }

    #[test]
    fn hello_retry_request() {
        let hrr = parse_server_hello(&hello_retry_body()).unwrap();
        assert!(hrr.is_hello_retry);
        assert_eq!(hrr.selected_version, 0x0304);
        assert_eq!(hrr.key_share_group, Some(23));
    }

    #[test]
    fn server_hello_12_with_downgrade_sentinel() {
        let sh = parse_server_hello(&server_hello_12_body(0xc02f)).unwrap();
        assert_eq!(sh.selected_version, 0x0303);
        assert_eq!(sh.cipher_suite, 0xc02f);
        assert_eq!(sh.key_share_group, None);
        assert_eq!(sh.downgrade_sentinel, Some(0x0303));
        assert_eq!(sh.extensions, [0xff01, 11, 23]);
        let body = server_hello_12_body(0xc02f);
        let no_ext = 2 + 32 + 33 + 2 + 1;
        for n in 0..body.len() {
            if let Ok(sh) = parse_server_hello(&body[..n]) {
                assert!(
                    n == no_ext && sh.extensions.is_empty(),
                    "prefix {n} accepted"
                )
            }
        }
    }

    #[test]
    fn server_hello_with_alpn_and_no_extensions() {
        let mut b = vec![0x03, 0x01];
        b.extend([0; 32]);
        b.push(0);
        b.extend(0x002fu16.to_be_bytes());
        b.push(0);
        let sh = parse_server_hello(&b).unwrap();
        assert_eq!(sh.selected_version, 0x0301);
        assert!(sh.extensions.is_empty());
        b.extend(u16_vec(&ext(16, &u16_vec(&u8_vec(b"smtp")))));
        let sh = parse_server_hello(&b).unwrap();
        assert_eq!(sh.alpn.as_deref(), Some("smtp"));
    }

    #[test]
    fn certificates() {
        let body = certificate_12_body(&[1200, 1100]);
        let certs = parse_certificates(&body, false).unwrap();
        assert_eq!(
            certs.iter().map(|c| c.len()).collect::<Vec<_>>(),
            [1200, 1100]
        );
        assert!(parse_certificates(&body[..body.len() - 1], false).is_err());
        // TLS 1.3 layout.
        let mut entry = u24_vec(&[0x30; 10]);
        entry.extend(u16_vec(&[]));
        let mut b13 = u8_vec(&[]);
        b13.extend(u24_vec(&entry));
        let certs = parse_certificates(&b13, true).unwrap();
        assert_eq!(certs, [&[0x30; 10][..]]);
        assert!(parse_certificates(&[], false).is_err());
        assert_eq!(parse_certificates(&[0, 0, 0], false).unwrap().len(), 0);
    }

    #[test]
    fn server_key_exchange() {
        assert_eq!(
            parse_server_key_exchange(&ecdhe_ske_body(29), Some(0xc02f)),
            ServerKeyExchangeInfo::Ecdhe { group: 29 }
        );
        assert_eq!(
            parse_server_key_exchange(&ecdhe_ske_body(23), None),
            ServerKeyExchangeInfo::Ecdhe { group: 23 }
        );
        // DHE with a 1024-bit prime (top bit set).
        let mut p = vec![0x80];
        p.extend([0xff; 127]);
        let mut dhe = u16_vec(&p);
        dhe.extend(u16_vec(&[2]));
        assert_eq!(
            parse_server_key_exchange(&dhe, Some(0x0033)),
            ServerKeyExchangeInfo::Dhe { prime_bits: 1024 }
        );
        // Leading zero byte and a smaller top byte: 8 + 3 bits.
        let dhe = u16_vec(&[0, 0x05, 0xff]);
        assert_eq!(
            parse_server_key_exchange(&dhe, Some(0x009e)),
            ServerKeyExchangeInfo::Dhe { prime_bits: 11 }
        );
        assert_eq!(
            parse_server_key_exchange(&[], Some(0x009e)),
            ServerKeyExchangeInfo::Other
        );
        assert_eq!(
            parse_server_key_exchange(&[1, 2], None),
            ServerKeyExchangeInfo::Other
        );
    }

    #[test]
    fn server_dh_params() {
        let mut p = vec![0, 0x80];
        p.extend([0xff; 255]);
        let body = dhe_ske_body(&p);
        let mut r = Reader::new(&body);
        let params = parse_server_dh_params(&mut r).unwrap();
        assert_eq!(params.prime_bits(), 2048);
        assert_eq!(params.g, [2]);
        assert_eq!(params.ys.len(), 256);
        // The signature is left unread.
        assert_eq!(r.remaining(), 2 + 2 + 256);
        let small = ServerDhParams {
            p: &[0, 0, 0x05, 0xff],
            g: &[2],
            ys: &[1],
        };
        assert_eq!(small.prime_bits(), 11);
        assert_eq!(
            ServerDhParams {
                p: &[0],
                g: &[2],
                ys: &[1]
            }
            .prime_bits(),
            0
        );
        for n in 0..(2 + 257 + 3 + 258) {
            assert!(
                parse_server_dh_params(&mut Reader::new(&body[..n])).is_err(),
                "{n}"
            );
        }
        assert_eq!(
            parse_server_dh_params(&mut Reader::new(&[0, 1, 7, 0, 0, 0, 1, 1])),
            Err(ParseError::Invalid { what: "dh_g" })
        );
    }

    #[test]
    fn parse_error_messages() {
        assert_eq!(
            ParseError::Truncated {
                what: "ServerHello random"
            }
            .to_string(),
            "truncated ServerHello random"
        );
    }
}
