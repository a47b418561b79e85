//! Hand-built ClientHellos (RFC 8446 section 4.1.2, RFC 5246 section
//! 7.4.1.2, RFC 6101 for SSLv3) for probing which versions, cipher suites
//! and groups a server accepts: every field is under the caller's control,
//! so that a probe can offer exactly one version, all suites but the ones
//! already found, every group, and so on.
//!
//! The encoding uses a length-prefixed writer that reserves the length
//! bytes of each vector and fills them in when the vector is done (as
//! rustls' codec does), so nested lengths are never counted by hand.

use super::handshake::{extension_type, handshake_type};
use super::record::{RECORD_HEADER_LEN, content_type};

pub use super::sslv2::build_sslv2_client_hello;

/// Largest record fragment a client may send (2^14, RFC 8446 section 5.1).
pub const MAX_FRAGMENT: usize = 1 << 14;

/// Most entries of each list that a ClientHello carries; longer lists are
/// cut (so that every vector length fits its prefix). For the suites, one
/// slot is kept for the renegotiation SCSV: at most `MAX_SUITES - 1` of
/// the caller's suites are sent.
pub const MAX_SUITES: usize = 32_767;
/// See [`MAX_SUITES`].
pub const MAX_GROUPS: usize = 4_096;
/// See [`MAX_SUITES`].
pub const MAX_SIG_ALGS: usize = 4_096;
/// See [`MAX_SUITES`].
pub const MAX_KEY_SHARES: usize = 16;
/// See [`MAX_SUITES`].
pub const MAX_VERSIONS: usize = 127;
/// Longest SNI host name sent (bytes); a longer name is cut at a character
/// boundary (DNS names have at most 253).
pub const MAX_SNI: usize = 255;

/// Extension code points used here that [`extension_type`] lacks (IANA
/// TLS ExtensionType Values registry).
mod ext {
    /// status_request (RFC 6066)
    pub const STATUS_REQUEST: u16 = 5;
    /// ec_point_formats (RFC 8422)
    pub const EC_POINT_FORMATS: u16 = 11;
    /// extended_master_secret (RFC 7627)
    pub const EXTENDED_MASTER_SECRET: u16 = 23;
    /// session_ticket (RFC 5077)
    pub const SESSION_TICKET: u16 = 35;
    /// psk_key_exchange_modes (RFC 8446)
    pub const PSK_KEY_EXCHANGE_MODES: u16 = 45;
    /// renegotiation_info (RFC 5746)
    pub const RENEGOTIATION_INFO: u16 = 0xff01;
    /// heartbeat (RFC 6520)
    pub const HEARTBEAT: u16 = 15;
    /// encrypt_then_mac (RFC 7366)
    pub const ENCRYPT_THEN_MAC: u16 = 22;
}

/// TLS_EMPTY_RENEGOTIATION_INFO_SCSV (RFC 5746 section 3.3).
const EMPTY_RENEGOTIATION_INFO_SCSV: u16 = 0x00ff;

/// What to put in a ClientHello.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClientHelloSpec {
    /// The highest version offered: 0x0300 (SSLv3) to 0x0304 (TLS 1.3).
    /// Up to TLS 1.2 it is the `client_version` field; from TLS 1.3 on
    /// `client_version` is 0x0303 and the version goes into
    /// supported_versions.
    pub max_version: u16,
    /// An explicit supported_versions list (sent as given, e.g.
    /// `[0x0304, 0x0303]`); `None` derives it: `[max_version]` when
    /// `max_version` is TLS 1.3 or above, no extension below.
    pub versions: Option<Vec<u16>>,
    /// The record-layer version: 0x0301 like OpenSSL, 0x0300 for SSLv3
    /// hellos.
    pub record_version: u16,
    /// Cipher suites, in preference order.
    pub suites: Vec<u16>,
    /// supported_groups (the extension is omitted when empty).
    pub groups: Vec<u16>,
    /// Groups to send a TLS 1.3 key_share for. Each gets a valid public
    /// value (see [`key_share_for_group`]); groups without one (ML-KEM
    /// hybrids, legacy curves) are skipped. The key_share extension is
    /// sent, possibly empty, whenever TLS 1.3 is offered: an empty one
    /// makes the server answer with a HelloRetryRequest naming its
    /// preferred group.
    pub key_shares: Vec<u16>,
    /// signature_algorithms (sent only when TLS 1.2 or later is offered,
    /// and not empty).
    pub sig_algs: Vec<u16>,
    /// server_name (SNI) host name.
    pub sni: Option<String>,
    /// ec_point_formats with `[uncompressed]` (set it when offering EC
    /// suites).
    pub ec_point_formats: bool,
    /// An empty extended_master_secret extension (RFC 7627).
    pub extended_master_secret: bool,
    /// An empty renegotiation_info extension (RFC 5746); with
    /// `no_extensions` the TLS_EMPTY_RENEGOTIATION_INFO_SCSV suite (0x00FF)
    /// is appended to the suites instead.
    pub renegotiation_info: bool,
    /// The renegotiated_connection field of renegotiation_info: empty on a first handshake,
    /// the client's Finished verify_data when renegotiating (RFC 5746 section 3.5). Cut to
    /// 255 bytes.
    pub renegotiated_connection: Vec<u8>,
    /// An empty session_ticket extension (RFC 5077).
    pub session_ticket: bool,
    /// status_request (OCSP stapling, RFC 6066).
    pub status_request: bool,
    /// An SSLv3-style hello without any extension block.
    pub no_extensions: bool,
    /// An empty encrypt_then_mac extension (RFC 7366).
    pub encrypt_then_mac: bool,
    /// A heartbeat extension with mode peer_allowed_to_send (RFC 6520).
    pub heartbeat: bool,
    /// The compression methods offered, in order (RFC 5246 section 7.4.1.2; 1 = DEFLATE,
    /// RFC 3749); empty means `[0]` (null only). A 0 is appended when missing: a hello must
    /// offer the null method.
    pub compression: Vec<u8>,
}

/// OpenSSL 3.0's default TLS 1.2 suites, in its order (as sent by
/// `openssl s_client -tls1_2`).
const OPENSSL_TLS12_SUITES: &[u16] = &[
    0xc02c, 0xc030, 0x009f, 0xcca9, 0xcca8, 0xccaa, 0xc02b, 0xc02f, 0x009e, 0xc024, 0xc028, 0x006b,
    0xc023, 0xc027, 0x0067, 0xc00a, 0xc014, 0x0039, 0xc009, 0xc013, 0x0033, 0x009d, 0x009c, 0x003d,
    0x003c, 0x0035, 0x002f,
];

/// OpenSSL 3.0's default TLS 1.3 suites, in its order.
const OPENSSL_TLS13_SUITES: &[u16] = &[0x1302, 0x1303, 0x1301];

/// OpenSSL 3.0's default supported_groups: x25519, secp256r1, x448,
/// secp521r1, secp384r1, ffdhe2048 ... ffdhe8192.
const OPENSSL_GROUPS: &[u16] = &[29, 23, 30, 25, 24, 256, 257, 258, 259, 260];

/// OpenSSL 3.0's default signature_algorithms (as sent by `openssl
/// s_client`): ECDSA, EdDSA, RSA-PSS, RSA PKCS#1, then the SHA-224 and DSA
/// pairs of RFC 5246.
const OPENSSL_SIG_ALGS: &[u16] = &[
    0x0403, 0x0503, 0x0603, 0x0807, 0x0808, 0x0809, 0x080a, 0x080b, 0x0804, 0x0805, 0x0806, 0x0401,
    0x0501, 0x0601, 0x0303, 0x0301, 0x0302, 0x0402, 0x0502, 0x0602,
];

impl ClientHelloSpec {
    /// A hello like OpenSSL 3.0 sends for `max_version` (0x0300..=0x0304):
    /// its default suites for that version (TLS 1.3: the three TLS 1.3
    /// suites only; below TLS 1.2 without the TLS 1.2-only ones), its
    /// groups (x25519, secp256r1, x448, secp521r1, secp384r1,
    /// ffdhe2048..8192), its 20 signature algorithms, an x25519 key share
    /// for TLS 1.3, extended_master_secret, renegotiation_info,
    /// ec_point_formats and session_ticket. SSLv3 hellos have no
    /// extensions (the renegotiation SCSV instead) and record version
    /// 0x0300.
    pub fn modern(max_version: u16) -> Self {
        let sslv3 = max_version <= 0x0300;
        let suites = if max_version >= 0x0304 {
            OPENSSL_TLS13_SUITES.to_vec()
        } else if max_version == 0x0303 {
            OPENSSL_TLS12_SUITES.to_vec()
        } else {
            OPENSSL_TLS12_SUITES
                .iter()
                .copied()
                .filter(|&id| super::suites::suite_info(id).is_some_and(|s| !s.tls12_only))
                .collect()
        };
        ClientHelloSpec {
            max_version,
            versions: None,
            record_version: if sslv3 { 0x0300 } else { 0x0301 },
            suites,
            groups: OPENSSL_GROUPS.to_vec(),
            key_shares: if max_version >= 0x0304 {
                vec![29]
            } else {
                Vec::new()
            },
            sig_algs: OPENSSL_SIG_ALGS.to_vec(),
            sni: None,
            ec_point_formats: !sslv3,
            extended_master_secret: !sslv3,
            renegotiation_info: true,
            renegotiated_connection: Vec::new(),
            session_ticket: !sslv3,
            status_request: false,
            no_extensions: sslv3,
            encrypt_then_mac: false,
            heartbeat: false,
            compression: Vec::new(),
        }
    }

    /// Whether the hello offers TLS 1.3 (or later).
    fn offers_tls13(&self) -> bool {
        match &self.versions {
            Some(list) => list
                .iter()
                .any(|&v| v >= 0x0304 && !super::names::is_grease(v)),
            None => self.max_version >= 0x0304,
        }
    }

    /// The supported_versions list to send, if any.
    fn supported_versions(&self) -> Option<Vec<u16>> {
        match &self.versions {
            Some(list) => Some(list.clone()),
            None if self.max_version >= 0x0304 => Some(vec![self.max_version]),
            None => None,
        }
    }
}

/// Every signature scheme worth offering when probing (IANA TLS
/// SignatureScheme registry, plus the RFC 5246 hash/signature pairs it
/// does not list: MD5, SHA-224 and DSA): ECDSA, EdDSA, RSA-PSS, RSA
/// PKCS#1 (SHA-1 to SHA-512, and the TLS 1.3 legacy variants), DSA,
/// brainpool, SM2, GOST and ML-DSA.
pub fn all_sig_algs() -> Vec<u16> {
    vec![
        0x0403, 0x0503, 0x0603, // ecdsa_secp256r1_sha256 ...
        0x0807, 0x0808, // ed25519, ed448
        0x0809, 0x080a, 0x080b, // rsa_pss_pss_*
        0x0804, 0x0805, 0x0806, // rsa_pss_rsae_*
        0x081a, 0x081b, 0x081c, // ecdsa_brainpool*tls13_*
        0x0401, 0x0501, 0x0601, // rsa_pkcs1_sha256 ...
        0x0420, 0x0520, 0x0620, // rsa_pkcs1_*_legacy
        0x0303, 0x0301, 0x0302, // SHA-224 with ECDSA, RSA, DSA
        0x0402, 0x0502, 0x0602, // DSA with SHA-256 ...
        0x0203, 0x0201, 0x0202, // SHA-1 with ECDSA, RSA, DSA
        0x0103, 0x0101, 0x0102, // MD5 with ECDSA, RSA, DSA
        0x0708, // sm2sig_sm3
        0x0709, 0x070a, 0x070b, 0x070c, 0x070d, 0x070e, 0x070f, // gostr34102012_*
        0x0904, 0x0905, 0x0906, // mldsa44, mldsa65, mldsa87
    ]
}

/// Every named group worth offering when probing (IANA TLS Supported
/// Groups registry): x25519, x448, the NIST and SECG prime curves
/// (secp160k1 ... secp521r1), the binary curves (sect163k1 ... sect571r1),
/// brainpool (also the TLS 1.3 variants), GOST, SM2, the ffdhe groups and
/// ML-KEM (pure and hybrid).
pub fn all_groups() -> Vec<u16> {
    let mut groups = vec![29, 30];
    groups.extend(15..=25); // secp160k1 ... secp521r1
    groups.extend(1..=14); // sect163k1 ... sect571r1
    groups.extend(26..=28); // brainpoolP256r1 ... (TLS 1.2)
    groups.extend(31..=33); // brainpoolP256r1tls13 ...
    groups.extend(34..=41); // GC256A ... GC512C, curveSM2
    groups.extend(256..=260); // ffdhe2048 ... ffdhe8192
    groups.extend([0x11ec, 0x11eb, 0x11ed]); // X25519MLKEM768, SecP256r1MLKEM768, SecP384r1MLKEM1024
    groups.extend(512..=514); // MLKEM512, MLKEM768, MLKEM1024
    groups
}

// Curve generators, uncompressed (0x04 || x || y): points on their curves,
// so valid ECDHE public values (RFC 8446 section 4.2.8.2). Values from
// `openssl ecparam -name NAME -param_enc explicit -text` (SEC 2 for the
// secp curves, RFC 5639 for brainpool) and checked to satisfy the curve
// equation.
/// Generator of secp256r1 (prime256v1) (65 bytes, uncompressed).
const G_SECP256R1: [u8; 65] = [
    0x04, 0x6b, 0x17, 0xd1, 0xf2, 0xe1, 0x2c, 0x42, 0x47, 0xf8, 0xbc, 0xe6, 0xe5, 0x63, 0xa4, 0x40,
    0xf2, 0x77, 0x03, 0x7d, 0x81, 0x2d, 0xeb, 0x33, 0xa0, 0xf4, 0xa1, 0x39, 0x45, 0xd8, 0x98, 0xc2,
    0x96, 0x4f, 0xe3, 0x42, 0xe2, 0xfe, 0x1a, 0x7f, 0x9b, 0x8e, 0xe7, 0xeb, 0x4a, 0x7c, 0x0f, 0x9e,
    0x16, 0x2b, 0xce, 0x33, 0x57, 0x6b, 0x31, 0x5e, 0xce, 0xcb, 0xb6, 0x40, 0x68, 0x37, 0xbf, 0x51,
    0xf5,
];
/// Generator of secp384r1 (97 bytes, uncompressed).
const G_SECP384R1: [u8; 97] = [
    0x04, 0xaa, 0x87, 0xca, 0x22, 0xbe, 0x8b, 0x05, 0x37, 0x8e, 0xb1, 0xc7, 0x1e, 0xf3, 0x20, 0xad,
    0x74, 0x6e, 0x1d, 0x3b, 0x62, 0x8b, 0xa7, 0x9b, 0x98, 0x59, 0xf7, 0x41, 0xe0, 0x82, 0x54, 0x2a,
    0x38, 0x55, 0x02, 0xf2, 0x5d, 0xbf, 0x55, 0x29, 0x6c, 0x3a, 0x54, 0x5e, 0x38, 0x72, 0x76, 0x0a,
    0xb7, 0x36, 0x17, 0xde, 0x4a, 0x96, 0x26, 0x2c, 0x6f, 0x5d, 0x9e, 0x98, 0xbf, 0x92, 0x92, 0xdc,
    0x29, 0xf8, 0xf4, 0x1d, 0xbd, 0x28, 0x9a, 0x14, 0x7c, 0xe9, 0xda, 0x31, 0x13, 0xb5, 0xf0, 0xb8,
    0xc0, 0x0a, 0x60, 0xb1, 0xce, 0x1d, 0x7e, 0x81, 0x9d, 0x7a, 0x43, 0x1d, 0x7c, 0x90, 0xea, 0x0e,
    0x5f,
];
/// Generator of secp521r1 (133 bytes, uncompressed).
const G_SECP521R1: [u8; 133] = [
    0x04, 0x00, 0xc6, 0x85, 0x8e, 0x06, 0xb7, 0x04, 0x04, 0xe9, 0xcd, 0x9e, 0x3e, 0xcb, 0x66, 0x23,
    0x95, 0xb4, 0x42, 0x9c, 0x64, 0x81, 0x39, 0x05, 0x3f, 0xb5, 0x21, 0xf8, 0x28, 0xaf, 0x60, 0x6b,
    0x4d, 0x3d, 0xba, 0xa1, 0x4b, 0x5e, 0x77, 0xef, 0xe7, 0x59, 0x28, 0xfe, 0x1d, 0xc1, 0x27, 0xa2,
    0xff, 0xa8, 0xde, 0x33, 0x48, 0xb3, 0xc1, 0x85, 0x6a, 0x42, 0x9b, 0xf9, 0x7e, 0x7e, 0x31, 0xc2,
    0xe5, 0xbd, 0x66, 0x01, 0x18, 0x39, 0x29, 0x6a, 0x78, 0x9a, 0x3b, 0xc0, 0x04, 0x5c, 0x8a, 0x5f,
    0xb4, 0x2c, 0x7d, 0x1b, 0xd9, 0x98, 0xf5, 0x44, 0x49, 0x57, 0x9b, 0x44, 0x68, 0x17, 0xaf, 0xbd,
    0x17, 0x27, 0x3e, 0x66, 0x2c, 0x97, 0xee, 0x72, 0x99, 0x5e, 0xf4, 0x26, 0x40, 0xc5, 0x50, 0xb9,
    0x01, 0x3f, 0xad, 0x07, 0x61, 0x35, 0x3c, 0x70, 0x86, 0xa2, 0x72, 0xc2, 0x40, 0x88, 0xbe, 0x94,
    0x76, 0x9f, 0xd1, 0x66, 0x50,
];
/// Generator of brainpoolP256r1 (65 bytes, uncompressed).
const G_BRAINPOOLP256R1: [u8; 65] = [
    0x04, 0x8b, 0xd2, 0xae, 0xb9, 0xcb, 0x7e, 0x57, 0xcb, 0x2c, 0x4b, 0x48, 0x2f, 0xfc, 0x81, 0xb7,
    0xaf, 0xb9, 0xde, 0x27, 0xe1, 0xe3, 0xbd, 0x23, 0xc2, 0x3a, 0x44, 0x53, 0xbd, 0x9a, 0xce, 0x32,
    0x62, 0x54, 0x7e, 0xf8, 0x35, 0xc3, 0xda, 0xc4, 0xfd, 0x97, 0xf8, 0x46, 0x1a, 0x14, 0x61, 0x1d,
    0xc9, 0xc2, 0x77, 0x45, 0x13, 0x2d, 0xed, 0x8e, 0x54, 0x5c, 0x1d, 0x54, 0xc7, 0x2f, 0x04, 0x69,
    0x97,
];
/// Generator of brainpoolP384r1 (97 bytes, uncompressed).
const G_BRAINPOOLP384R1: [u8; 97] = [
    0x04, 0x1d, 0x1c, 0x64, 0xf0, 0x68, 0xcf, 0x45, 0xff, 0xa2, 0xa6, 0x3a, 0x81, 0xb7, 0xc1, 0x3f,
    0x6b, 0x88, 0x47, 0xa3, 0xe7, 0x7e, 0xf1, 0x4f, 0xe3, 0xdb, 0x7f, 0xca, 0xfe, 0x0c, 0xbd, 0x10,
    0xe8, 0xe8, 0x26, 0xe0, 0x34, 0x36, 0xd6, 0x46, 0xaa, 0xef, 0x87, 0xb2, 0xe2, 0x47, 0xd4, 0xaf,
    0x1e, 0x8a, 0xbe, 0x1d, 0x75, 0x20, 0xf9, 0xc2, 0xa4, 0x5c, 0xb1, 0xeb, 0x8e, 0x95, 0xcf, 0xd5,
    0x52, 0x62, 0xb7, 0x0b, 0x29, 0xfe, 0xec, 0x58, 0x64, 0xe1, 0x9c, 0x05, 0x4f, 0xf9, 0x91, 0x29,
    0x28, 0x0e, 0x46, 0x46, 0x21, 0x77, 0x91, 0x81, 0x11, 0x42, 0x82, 0x03, 0x41, 0x26, 0x3c, 0x53,
    0x15,
];
/// Generator of brainpoolP512r1 (129 bytes, uncompressed).
const G_BRAINPOOLP512R1: [u8; 129] = [
    0x04, 0x81, 0xae, 0xe4, 0xbd, 0xd8, 0x2e, 0xd9, 0x64, 0x5a, 0x21, 0x32, 0x2e, 0x9c, 0x4c, 0x6a,
    0x93, 0x85, 0xed, 0x9f, 0x70, 0xb5, 0xd9, 0x16, 0xc1, 0xb4, 0x3b, 0x62, 0xee, 0xf4, 0xd0, 0x09,
    0x8e, 0xff, 0x3b, 0x1f, 0x78, 0xe2, 0xd0, 0xd4, 0x8d, 0x50, 0xd1, 0x68, 0x7b, 0x93, 0xb9, 0x7d,
    0x5f, 0x7c, 0x6d, 0x50, 0x47, 0x40, 0x6a, 0x5e, 0x68, 0x8b, 0x35, 0x22, 0x09, 0xbc, 0xb9, 0xf8,
    0x22, 0x7d, 0xde, 0x38, 0x5d, 0x56, 0x63, 0x32, 0xec, 0xc0, 0xea, 0xbf, 0xa9, 0xcf, 0x78, 0x22,
    0xfd, 0xf2, 0x09, 0xf7, 0x00, 0x24, 0xa5, 0x7b, 0x1a, 0xa0, 0x00, 0xc5, 0x5b, 0x88, 0x1f, 0x81,
    0x11, 0xb2, 0xdc, 0xde, 0x49, 0x4a, 0x5f, 0x48, 0x5e, 0x5b, 0xca, 0x4b, 0xd8, 0x8a, 0x27, 0x63,
    0xae, 0xd1, 0xca, 0x2b, 0x2f, 0xa8, 0xf0, 0x54, 0x06, 0x78, 0xcd, 0x1e, 0x0f, 0x3a, 0xd8, 0x08,
    0x92,
];

/// A valid TLS 1.3 key_share public value for `group`, or `None` for
/// groups without one here (ML-KEM and hybrids, legacy curves, GOST, SM2):
/// * x25519: the base point u = 9 (32 bytes, RFC 7748);
/// * x448: the base point u = 5 (56 bytes, RFC 7748);
/// * secp256r1 / secp384r1 / secp521r1 and brainpoolP*r1tls13 (RFC 8734):
///   the curve generator, uncompressed;
/// * ffdhe2048 ... ffdhe8192: the value 2 left-padded with zeros to the
///   size of p (RFC 8446 section 4.2.8.1; RFC 7919 requires 1 < Y < p-1).
///
/// A server computing a shared secret with these gets its own public value;
/// harmless for a probe that never finishes the handshake.
pub fn key_share_for_group(group: u16) -> Option<Vec<u8>> {
    let little_endian_u = |u: u8, len: usize| {
        let mut v = vec![0u8; len];
        if let Some(first) = v.first_mut() {
            *first = u;
        }
        v
    };
    let ffdhe = |bytes: usize| {
        let mut v = vec![0u8; bytes];
        if let Some(last) = v.last_mut() {
            *last = 2;
        }
        v
    };
    Some(match group {
        23 => G_SECP256R1.to_vec(),
        24 => G_SECP384R1.to_vec(),
        25 => G_SECP521R1.to_vec(),
        29 => little_endian_u(9, 32),
        30 => little_endian_u(5, 56),
        31 => G_BRAINPOOLP256R1.to_vec(),
        32 => G_BRAINPOOLP384R1.to_vec(),
        33 => G_BRAINPOOLP512R1.to_vec(),
        256 => ffdhe(2048 / 8),
        257 => ffdhe(3072 / 8),
        258 => ffdhe(4096 / 8),
        259 => ffdhe(6144 / 8),
        260 => ffdhe(8192 / 8),
        _ => return None,
    })
}

/// Size of a length prefix.
#[derive(Clone, Copy)]
enum Prefix {
    U8,
    U16,
    U24,
}

impl Prefix {
    fn size(self) -> usize {
        match self {
            Prefix::U8 => 1,
            Prefix::U16 => 2,
            Prefix::U24 => 3,
        }
    }

    fn max(self) -> usize {
        match self {
            Prefix::U8 => 0xff,
            Prefix::U16 => 0xffff,
            Prefix::U24 => 0xff_ffff,
        }
    }
}

/// An append-only encoder whose nested vectors get their length prefix
/// patched in once they are complete.
struct Writer {
    buf: Vec<u8>,
}

impl Writer {
    fn u8(&mut self, v: u8) {
        self.buf.push(v);
    }

    fn u16(&mut self, v: u16) {
        self.buf.extend_from_slice(&v.to_be_bytes());
    }

    fn bytes(&mut self, b: &[u8]) {
        self.buf.extend_from_slice(b);
    }

    fn u16s(&mut self, list: &[u16]) {
        for &v in list {
            self.u16(v);
        }
    }

    /// Writes a vector with a `prefix`-sized length: reserves the length
    /// bytes, lets `body` write the content, then fills in its length.
    /// The inputs are clamped beforehand so that every length fits; were
    /// one too long anyway, the prefix would saturate rather than panic.
    fn vec(&mut self, prefix: Prefix, body: impl FnOnce(&mut Writer)) {
        let at = self.buf.len();
        let n = prefix.size();
        self.buf.resize(at + n, 0);
        body(self);
        let len = (self.buf.len() - at - n).min(prefix.max());
        let be = u32::try_from(len).unwrap_or(u32::MAX).to_be_bytes();
        let src = be.get(4 - n..).unwrap_or_default();
        if let Some(dst) = self.buf.get_mut(at..at + n) {
            for (d, s) in dst.iter_mut().zip(src) {
                *d = *s;
            }
        }
    }

    /// An extension: type, then its data as a `uint16`-prefixed vector.
    fn ext(&mut self, typ: u16, body: impl FnOnce(&mut Writer)) {
        self.u16(typ);
        self.vec(Prefix::U16, body);
    }
}

/// The first `max` entries of `list`.
fn clamp<T>(list: &[T], max: usize) -> &[T] {
    list.get(..max).unwrap_or(list)
}

/// `s` cut to at most `max` bytes at a character boundary.
fn clamp_str(s: &str, max: usize) -> &str {
    let mut end = s.len().min(max);
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    s.get(..end).unwrap_or_default()
}

/// The ClientHello handshake message (header and body) for `spec`, without the record
/// header: what a handshake transcript hashes, or what goes encrypted into a record when
/// renegotiating.
pub fn client_hello_message(
    spec: &ClientHelloSpec,
    random: &[u8; 32],
    session_id: &[u8],
) -> Vec<u8> {
    let mut w = Writer { buf: Vec::new() };
    w.u8(handshake_type::CLIENT_HELLO);
    w.vec(Prefix::U24, |w| {
        // client_version / legacy_version: TLS 1.3 hellos say TLS 1.2.
        w.u16(spec.max_version.min(0x0303));
        w.bytes(random);
        w.vec(Prefix::U8, |w| w.bytes(clamp(session_id, 32)));
        w.vec(Prefix::U16, |w| {
            let suites = clamp(&spec.suites, MAX_SUITES - 1);
            w.u16s(suites);
            if spec.no_extensions
                && spec.renegotiation_info
                && !suites.contains(&EMPTY_RENEGOTIATION_INFO_SCSV)
            {
                w.u16(EMPTY_RENEGOTIATION_INFO_SCSV);
            }
        });
        w.vec(Prefix::U8, |w| {
            let methods = clamp(&spec.compression, 254);
            w.bytes(methods);
            if !methods.contains(&0) {
                w.u8(0); // null, which every hello must offer
            }
        });
        if !spec.no_extensions {
            w.vec(Prefix::U16, |w| extensions(w, spec));
        }
    });
    w.buf
}

/// The extensions block, in OpenSSL's order.
fn extensions(w: &mut Writer, spec: &ClientHelloSpec) {
    let tls13 = spec.offers_tls13();
    if let Some(host) = &spec.sni {
        w.ext(extension_type::SERVER_NAME, |w| {
            w.vec(Prefix::U16, |w| {
                w.u8(0); // host_name
                w.vec(Prefix::U16, |w| {
                    w.bytes(clamp_str(host, MAX_SNI).as_bytes())
                });
            });
        });
    }
    if spec.ec_point_formats {
        // uncompressed (0)
        w.ext(ext::EC_POINT_FORMATS, |w| w.vec(Prefix::U8, |w| w.u8(0)));
    }
    if !spec.groups.is_empty() {
        w.ext(extension_type::SUPPORTED_GROUPS, |w| {
            w.vec(Prefix::U16, |w| w.u16s(clamp(&spec.groups, MAX_GROUPS)));
        });
    }
    if spec.session_ticket {
        w.ext(ext::SESSION_TICKET, |_| {});
    }
    if spec.status_request {
        w.ext(ext::STATUS_REQUEST, |w| {
            w.u8(1); // ocsp
            w.vec(Prefix::U16, |_| {}); // responder_id_list
            w.vec(Prefix::U16, |_| {}); // request_extensions
        });
    }
    if spec.heartbeat {
        // peer_allowed_to_send (1)
        w.ext(ext::HEARTBEAT, |w| w.u8(1));
    }
    if spec.encrypt_then_mac {
        w.ext(ext::ENCRYPT_THEN_MAC, |_| {});
    }
    if spec.extended_master_secret {
        w.ext(ext::EXTENDED_MASTER_SECRET, |_| {});
    }
    if (spec.max_version >= 0x0303 || tls13) && !spec.sig_algs.is_empty() {
        w.ext(extension_type::SIGNATURE_ALGORITHMS, |w| {
            w.vec(Prefix::U16, |w| w.u16s(clamp(&spec.sig_algs, MAX_SIG_ALGS)));
        });
    }
    if let Some(versions) = spec.supported_versions() {
        w.ext(extension_type::SUPPORTED_VERSIONS, |w| {
            w.vec(Prefix::U8, |w| w.u16s(clamp(&versions, MAX_VERSIONS)));
        });
    }
    if tls13 {
        // psk_dhe_ke (1), as OpenSSL sends; no PSK is offered.
        w.ext(ext::PSK_KEY_EXCHANGE_MODES, |w| {
            w.vec(Prefix::U8, |w| w.u8(1))
        });
        w.ext(extension_type::KEY_SHARE, |w| {
            w.vec(Prefix::U16, |w| {
                for &group in clamp(&spec.key_shares, MAX_KEY_SHARES) {
                    if let Some(public) = key_share_for_group(group) {
                        w.u16(group);
                        w.vec(Prefix::U16, |w| w.bytes(&public));
                    }
                }
            });
        });
    }
    if spec.renegotiation_info {
        // renegotiated_connection: empty on a first handshake.
        w.ext(ext::RENEGOTIATION_INFO, |w| {
            w.vec(Prefix::U8, |w| {
                w.bytes(clamp(&spec.renegotiated_connection, 255));
            });
        });
    }
}

/// A complete ClientHello as TLS handshake records (content type 22,
/// `spec.record_version`), split into several records when the message is
/// longer than 2^14 bytes. `session_id` is cut to 32 bytes; the lists of
/// `spec` are cut to [`MAX_SUITES`], [`MAX_GROUPS`], ... entries.
pub fn build_client_hello(spec: &ClientHelloSpec, random: &[u8; 32], session_id: &[u8]) -> Vec<u8> {
    let message = client_hello_message(spec, random, session_id);
    let records = message.len().div_ceil(MAX_FRAGMENT);
    let mut out = Vec::with_capacity(message.len() + records * RECORD_HEADER_LEN);
    for fragment in message.chunks(MAX_FRAGMENT) {
        out.push(content_type::HANDSHAKE);
        out.extend_from_slice(&spec.record_version.to_be_bytes());
        // A fragment has at most 2^14 bytes.
        out.extend_from_slice(
            &u16::try_from(fragment.len())
                .unwrap_or(u16::MAX)
                .to_be_bytes(),
        );
        out.extend_from_slice(fragment);
    }
    out
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::indexing_slicing, clippy::panic)]
mod tests {
    use super::*;
    use crate::tls::handshake::{ClientHelloInfo, HANDSHAKE_HEADER_LEN, parse_client_hello};
    use crate::tls::record::split_records;

    /// Reassembles the handshake records of `wire` and parses the hello.
    fn parse(wire: &[u8]) -> (ClientHelloInfo, usize, Vec<u16>) {
        let (records, consumed, err) = split_records(wire);
        assert_eq!((consumed, err), (wire.len(), None));
        let mut message = Vec::new();
        let mut versions = Vec::new();
        for r in &records {
            assert_eq!(r.content_type, 22);
            assert!(r.payload.len() <= MAX_FRAGMENT);
            versions.push(r.version);
            message.extend_from_slice(r.payload);
        }
        assert_eq!(message[0], 1);
        let len = u32::from_be_bytes([0, message[1], message[2], message[3]]) as usize;
        assert_eq!(len, message.len() - HANDSHAKE_HEADER_LEN);
        (
            parse_client_hello(&message[HANDSHAKE_HEADER_LEN..]).unwrap(),
            records.len(),
            versions,
        )
    }

    #[test]
    fn modern_tls13_round_trip() {
        let mut spec = ClientHelloSpec::modern(0x0304);
        spec.sni = Some("mx.example.org".into());
        spec.key_shares = vec![29, 23, 24, 25, 30, 256, 0x11ec];
        spec.status_request = true;
        let wire = build_client_hello(&spec, &[7; 32], &[9; 32]);
        let (ch, records, versions) = parse(&wire);
        assert_eq!((records, versions), (1, vec![0x0301]));
        assert_eq!(ch.legacy_version, 0x0303);
        assert_eq!(ch.session_id_len, 32);
        assert_eq!(ch.cipher_suites, [0x1302, 0x1303, 0x1301]);
        assert_eq!(ch.compression_methods, [0]);
        assert_eq!(ch.sni.as_deref(), Some("mx.example.org"));
        assert_eq!(ch.supported_versions, [0x0304]);
        assert_eq!(ch.supported_groups, OPENSSL_GROUPS);
        // The ML-KEM hybrid has no share here and is skipped.
        assert_eq!(ch.key_share_groups, [29, 23, 24, 25, 30, 256]);
        assert_eq!(ch.signature_algorithms, OPENSSL_SIG_ALGS);
        assert_eq!(
            ch.extensions,
            [0, 11, 10, 35, 5, 23, 13, 43, 45, 51, 0xff01]
        );
        assert_eq!(ch.max_version(), 0x0304);
        // random and session id are where they belong.
        assert_eq!(wire[5 + 4 + 2..5 + 4 + 2 + 32], [7; 32]);
        assert_eq!(wire[5 + 4 + 2 + 32], 32);
    }

    #[test]
    fn key_share_values() {
        for (group, len) in [
            (23, 65),
            (24, 97),
            (25, 133),
            (29, 32),
            (30, 56),
            (31, 65),
            (32, 97),
            (33, 129),
            (256, 256),
            (257, 384),
            (258, 512),
            (259, 768),
            (260, 1024),
        ] {
            let v = key_share_for_group(group).unwrap();
            assert_eq!(v.len(), len, "group {group}");
            match group {
                29 => assert_eq!(v[0], 9),
                30 => assert_eq!(v[0], 5),
                256..=260 => {
                    assert_eq!(v[len - 1], 2);
                    assert!(v[..len - 1].iter().all(|&b| b == 0));
                }
                _ => assert_eq!(v[0], 4),
            }
        }
        // P-256 generator x coordinate starts 6b17d1f2, y ends 37bf51f5.
        assert_eq!(G_SECP256R1[1..5], [0x6b, 0x17, 0xd1, 0xf2]);
        assert_eq!(G_SECP256R1[61..], [0x37, 0xbf, 0x51, 0xf5]);
        assert!(key_share_for_group(0x11ec).is_none());
        assert!(key_share_for_group(1).is_none());
    }

    #[test]
    fn tls12_and_older() {
        let spec = ClientHelloSpec::modern(0x0303);
        let (ch, _, versions) = parse(&build_client_hello(&spec, &[0; 32], &[]));
        assert_eq!(versions, [0x0301]);
        assert_eq!(ch.legacy_version, 0x0303);
        assert_eq!(ch.session_id_len, 0);
        assert_eq!(ch.cipher_suites, OPENSSL_TLS12_SUITES);
        assert!(ch.supported_versions.is_empty() && ch.key_share_groups.is_empty());
        assert_eq!(ch.extensions, [11, 10, 35, 23, 13, 0xff01]);

        let spec = ClientHelloSpec::modern(0x0301);
        let (ch, _, _) = parse(&build_client_hello(&spec, &[0; 32], &[]));
        assert_eq!(ch.legacy_version, 0x0301);
        assert_eq!(
            ch.cipher_suites,
            [
                0xc00a, 0xc014, 0x0039, 0xc009, 0xc013, 0x0033, 0x0035, 0x002f
            ]
        );
        // No signature_algorithms below TLS 1.2.
        assert_eq!(ch.extensions, [11, 10, 35, 23, 0xff01]);

        let spec = ClientHelloSpec::modern(0x0300);
        let wire = build_client_hello(&spec, &[0; 32], &[]);
        let (ch, _, versions) = parse(&wire);
        assert_eq!(versions, [0x0300]);
        assert_eq!(ch.legacy_version, 0x0300);
        assert!(ch.extensions.is_empty());
        assert_eq!(ch.cipher_suites.last(), Some(&0x00ff));
        // version 2 + random 32 + session id 1 + 9 suites 20 + compression 2
        assert_eq!(wire.len(), 5 + 4 + 2 + 32 + 1 + 20 + 2);
    }

    #[test]
    fn explicit_versions_and_empty_key_share() {
        let mut spec = ClientHelloSpec::modern(0x0304);
        spec.versions = Some(vec![0x0304, 0x0303]);
        spec.key_shares.clear();
        spec.suites = vec![0x1301, 0xc02f];
        let (ch, _, _) = parse(&build_client_hello(&spec, &[0; 32], &[]));
        assert_eq!(ch.supported_versions, [0x0304, 0x0303]);
        assert!(ch.extensions.contains(&51));
        assert!(ch.key_share_groups.is_empty());
        // Explicit versions without TLS 1.3: no key_share.
        spec.versions = Some(vec![0x0303]);
        spec.max_version = 0x0303;
        let (ch, _, _) = parse(&build_client_hello(&spec, &[0; 32], &[]));
        assert_eq!(ch.supported_versions, [0x0303]);
        assert!(!ch.extensions.contains(&51) && !ch.extensions.contains(&45));
    }

    #[test]
    fn thousand_suites_split_into_records() {
        let mut spec = ClientHelloSpec::modern(0x0303);
        spec.suites = (0..1000u16).collect();
        spec.groups = all_groups();
        spec.sig_algs = all_sig_algs();
        let (ch, records, _) = parse(&build_client_hello(&spec, &[1; 32], &[]));
        assert_eq!(records, 1);
        assert_eq!(ch.cipher_suites.len(), 1000);

        // 10,000 suites: a 20 KB message in two records.
        spec.suites = (0..10_000u16).collect();
        let wire = build_client_hello(&spec, &[1; 32], &[]);
        let (ch, records, _) = parse(&wire);
        assert_eq!(records, 2);
        assert_eq!(ch.cipher_suites.len(), 10_000);
        assert_eq!(wire[3..5], [0x40, 0x00]); // first fragment: 2^14 bytes

        // More than a suite vector can hold: cut to fit.
        spec.suites = vec![0x002f; 40_000];
        spec.no_extensions = true;
        let (ch, records, _) = parse(&build_client_hello(&spec, &[1; 32], &[]));
        assert_eq!(records, 5);
        assert_eq!(ch.cipher_suites.len(), MAX_SUITES);
        assert_eq!(ch.cipher_suites.last(), Some(&0x00ff));
    }

    #[test]
    fn clamps_session_id_and_sni() {
        let mut spec = ClientHelloSpec::modern(0x0303);
        spec.sni = Some("é".repeat(200));
        let (ch, _, _) = parse(&build_client_hello(&spec, &[1; 32], &[5; 40]));
        assert_eq!(ch.session_id_len, 32);
        let sni = ch.sni.unwrap();
        assert!(sni.len() <= MAX_SNI && sni.len() >= MAX_SNI - 1);
        assert!(sni.chars().all(|c| c == 'é'));
    }

    #[test]
    fn all_lists_are_unique_and_named() {
        let groups = all_groups();
        let mut sorted = groups.clone();
        sorted.sort_unstable();
        sorted.dedup();
        assert_eq!(sorted.len(), groups.len());
        assert!(
            groups
                .iter()
                .all(|&g| !crate::tls::group_name(g).starts_with("0x"))
        );
        let sigs = all_sig_algs();
        let mut sorted = sigs.clone();
        sorted.sort_unstable();
        sorted.dedup();
        assert_eq!(sorted.len(), sigs.len());
        assert!(
            sigs.iter()
                .all(|&s| !crate::tls::signature_scheme_name(s).starts_with("0x"))
        );
        assert!(OPENSSL_SIG_ALGS.iter().all(|s| sigs.contains(s)));
        assert!(OPENSSL_GROUPS.iter().all(|g| groups.contains(g)));
    }

    #[test]
    fn sslv2_builder_is_reexported() {
        let hello = build_sslv2_client_hello(&[0x010080], &[0; 16]);
        assert_eq!(hello[2], 1);
    }
}
