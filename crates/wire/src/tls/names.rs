//! Human-readable names for TLS code points.
//!
//! Source of every name and number: the IANA "Transport Layer Security (TLS)
//! Parameters" registry (<https://www.iana.org/assignments/tls-parameters/>)
//! and the "TLS Extensiontype Values" registry
//! (<https://www.iana.org/assignments/tls-extensiontype-values/>), which in
//! turn cite RFC 5246, RFC 8446, RFC 8422, RFC 7919, RFC 5289, RFC 5288,
//! RFC 7905, RFC 6655, RFC 5932, RFC 6367, RFC 6209, RFC 8998 and
//! draft-ietf-tls-ecdhe-mlkem / draft-ietf-tls-mlkem. Names are the IANA
//! "Description" column (without the `_RESERVED` suffix on obsolete values).

/// GREASE values (RFC 8701 section 2): 0x0A0A, 0x1A1A, ..., 0xFAFA.
pub fn is_grease(v: u16) -> bool {
    let [hi, lo] = v.to_be_bytes();
    hi == lo && hi & 0x0f == 0x0a
}

fn hex(v: u16) -> String {
    format!("0x{v:04x}")
}

/// The IANA name of a TLS alert description (TLS Alerts registry), e.g.
/// `handshake_failure` for 40. `None` for unassigned values.
pub fn alert_description_name(code: u8) -> Option<&'static str> {
    Some(match code {
        0 => "close_notify",
        10 => "unexpected_message",
        20 => "bad_record_mac",
        21 => "decryption_failed",
        22 => "record_overflow",
        30 => "decompression_failure",
        40 => "handshake_failure",
        41 => "no_certificate",
        42 => "bad_certificate",
        43 => "unsupported_certificate",
        44 => "certificate_revoked",
        45 => "certificate_expired",
        46 => "certificate_unknown",
        47 => "illegal_parameter",
        48 => "unknown_ca",
        49 => "access_denied",
        50 => "decode_error",
        51 => "decrypt_error",
        52 => "too_many_cids_requested",
        60 => "export_restriction",
        70 => "protocol_version",
        71 => "insufficient_security",
        80 => "internal_error",
        86 => "inappropriate_fallback",
        90 => "user_canceled",
        100 => "no_renegotiation",
        109 => "missing_extension",
        110 => "unsupported_extension",
        111 => "certificate_unobtainable",
        112 => "unrecognized_name",
        113 => "bad_certificate_status_response",
        114 => "bad_certificate_hash_value",
        115 => "unknown_psk_identity",
        116 => "certificate_required",
        120 => "no_application_protocol",
        121 => "ech_required",
        _ => return None,
    })
}

/// An alert description for people: its IANA name (or `unknown`) and its number, e.g.
/// `handshake_failure (40)`.
pub fn alert_label(code: u8) -> String {
    format!(
        "{} ({code})",
        alert_description_name(code).unwrap_or("unknown")
    )
}

/// The alert level (RFC 5246 section 7.2): `warning` (1) or `fatal` (2).
pub fn alert_level_name(level: u8) -> Option<&'static str> {
    match level {
        1 => Some("warning"),
        2 => Some("fatal"),
        _ => None,
    }
}

/// The name of a handshake message type (TLS HandshakeType registry), in
/// the CamelCase spelling of the RFC structures (`ClientHello`,
/// `ServerKeyExchange`, ...), as used by [`MessageSummary::kind`].
/// `"Unknown"` for unassigned values.
///
/// [`MessageSummary::kind`]: crate::tls::MessageSummary::kind
pub fn handshake_type_name(t: u8) -> &'static str {
    match t {
        0 => "HelloRequest",
        1 => "ClientHello",
        2 => "ServerHello",
        3 => "HelloVerifyRequest",
        4 => "NewSessionTicket",
        5 => "EndOfEarlyData",
        6 => "HelloRetryRequest",
        8 => "EncryptedExtensions",
        9 => "RequestConnectionId",
        10 => "NewConnectionId",
        11 => "Certificate",
        12 => "ServerKeyExchange",
        13 => "CertificateRequest",
        14 => "ServerHelloDone",
        15 => "CertificateVerify",
        16 => "ClientKeyExchange",
        17 => "ClientCertificateRequest",
        20 => "Finished",
        21 => "CertificateUrl",
        22 => "CertificateStatus",
        23 => "SupplementalData",
        24 => "KeyUpdate",
        25 => "CompressedCertificate",
        26 => "EktKey",
        254 => "MessageHash",
        _ => "Unknown",
    }
}

/// The name of a record content type (TLS ContentType registry), in
/// CamelCase: `ChangeCipherSpec` (20), `Alert` (21), `Handshake` (22),
/// `ApplicationData` (23), `Heartbeat` (24), `Tls12Cid` (25), `Ack` (26).
/// `"Unknown"` otherwise.
pub fn content_type_name(t: u8) -> &'static str {
    match t {
        20 => "ChangeCipherSpec",
        21 => "Alert",
        22 => "Handshake",
        23 => "ApplicationData",
        24 => "Heartbeat",
        25 => "Tls12Cid",
        26 => "Ack",
        _ => "Unknown",
    }
}

/// A protocol version: `SSLv3`, `TLSv1.0` ... `TLSv1.3`; GREASE values as
/// `GREASE(0x1a1a)`; anything else as `0xNNNN`.
pub fn version_name(v: u16) -> String {
    match v {
        0x0002 => "SSLv2".to_owned(),
        0x0300 => "SSLv3".to_owned(),
        0x0301 => "TLSv1.0".to_owned(),
        0x0302 => "TLSv1.1".to_owned(),
        0x0303 => "TLSv1.2".to_owned(),
        0x0304 => "TLSv1.3".to_owned(),
        v if is_grease(v) => format!("GREASE({})", hex(v)),
        v => hex(v),
    }
}

/// IANA TLS Supported Groups registry (values 1..=41, 256..=260, 512..=514,
/// 4587..=4589, 65281, 65282; 0x6399 and 0x639a are the pre-standard Kyber
/// hybrids that browsers sent in 2023-2024 and that IANA lists as obsolete).
const GROUPS: &[(u16, &str)] = &[
    (1, "sect163k1"),
    (2, "sect163r1"),
    (3, "sect163r2"),
    (4, "sect193r1"),
    (5, "sect193r2"),
    (6, "sect233k1"),
    (7, "sect233r1"),
    (8, "sect239k1"),
    (9, "sect283k1"),
    (10, "sect283r1"),
    (11, "sect409k1"),
    (12, "sect409r1"),
    (13, "sect571k1"),
    (14, "sect571r1"),
    (15, "secp160k1"),
    (16, "secp160r1"),
    (17, "secp160r2"),
    (18, "secp192k1"),
    (19, "secp192r1"),
    (20, "secp224k1"),
    (21, "secp224r1"),
    (22, "secp256k1"),
    (23, "secp256r1"),
    (24, "secp384r1"),
    (25, "secp521r1"),
    (26, "brainpoolP256r1"),
    (27, "brainpoolP384r1"),
    (28, "brainpoolP512r1"),
    (29, "x25519"),
    (30, "x448"),
    (31, "brainpoolP256r1tls13"),
    (32, "brainpoolP384r1tls13"),
    (33, "brainpoolP512r1tls13"),
    (34, "GC256A"),
    (35, "GC256B"),
    (36, "GC256C"),
    (37, "GC256D"),
    (38, "GC512A"),
    (39, "GC512B"),
    (40, "GC512C"),
    (41, "curveSM2"),
    (256, "ffdhe2048"),
    (257, "ffdhe3072"),
    (258, "ffdhe4096"),
    (259, "ffdhe6144"),
    (260, "ffdhe8192"),
    (512, "MLKEM512"),
    (513, "MLKEM768"),
    (514, "MLKEM1024"),
    (0x11eb, "SecP256r1MLKEM768"),
    (0x11ec, "X25519MLKEM768"),
    (0x11ed, "SecP384r1MLKEM1024"),
    (0x6399, "X25519Kyber768Draft00"),
    (0x639a, "SecP256r1Kyber768Draft00"),
    (0xff01, "arbitrary_explicit_prime_curves"),
    (0xff02, "arbitrary_explicit_char2_curves"),
];

/// The IANA name of a named group (`x25519`, `secp256r1`, `ffdhe2048`,
/// `X25519MLKEM768`, ...); GREASE as `GREASE(0x0a0a)`; others as `0xNNNN`.
pub fn group_name(id: u16) -> String {
    named_or_hex(GROUPS, id)
}

/// IANA TLS SignatureScheme registry (RFC 8446 section 4.2.3 and later
/// additions).
const SIGNATURE_SCHEMES: &[(u16, &str)] = &[
    (0x0201, "rsa_pkcs1_sha1"),
    (0x0203, "ecdsa_sha1"),
    (0x0401, "rsa_pkcs1_sha256"),
    (0x0403, "ecdsa_secp256r1_sha256"),
    (0x0420, "rsa_pkcs1_sha256_legacy"),
    (0x0501, "rsa_pkcs1_sha384"),
    (0x0503, "ecdsa_secp384r1_sha384"),
    (0x0520, "rsa_pkcs1_sha384_legacy"),
    (0x0601, "rsa_pkcs1_sha512"),
    (0x0603, "ecdsa_secp521r1_sha512"),
    (0x0620, "rsa_pkcs1_sha512_legacy"),
    (0x0704, "eccsi_sha256"),
    (0x0705, "iso_ibs1"),
    (0x0706, "iso_ibs2"),
    (0x0707, "iso_chinese_ibs"),
    (0x0708, "sm2sig_sm3"),
    (0x0709, "gostr34102012_256a"),
    (0x070a, "gostr34102012_256b"),
    (0x070b, "gostr34102012_256c"),
    (0x070c, "gostr34102012_256d"),
    (0x070d, "gostr34102012_512a"),
    (0x070e, "gostr34102012_512b"),
    (0x070f, "gostr34102012_512c"),
    (0x0804, "rsa_pss_rsae_sha256"),
    (0x0805, "rsa_pss_rsae_sha384"),
    (0x0806, "rsa_pss_rsae_sha512"),
    (0x0807, "ed25519"),
    (0x0808, "ed448"),
    (0x0809, "rsa_pss_pss_sha256"),
    (0x080a, "rsa_pss_pss_sha384"),
    (0x080b, "rsa_pss_pss_sha512"),
    (0x081a, "ecdsa_brainpoolP256r1tls13_sha256"),
    (0x081b, "ecdsa_brainpoolP384r1tls13_sha384"),
    (0x081c, "ecdsa_brainpoolP512r1tls13_sha512"),
    (0x0904, "mldsa44"),
    (0x0905, "mldsa65"),
    (0x0906, "mldsa87"),
];

/// The IANA name of a signature scheme (`rsa_pss_rsae_sha256`, `ed25519`,
/// ...). TLS 1.2 hash/signature pairs that the registry does not name
/// (RFC 5246 section 7.4.1.4.1) are rendered as `{signature}_{hash}`, e.g.
/// `dsa_sha256`; GREASE as `GREASE(0x0a0a)`; others as `0xNNNN`.
pub fn signature_scheme_name(id: u16) -> String {
    if let Some(name) = lookup(SIGNATURE_SCHEMES, id) {
        return name.to_owned();
    }
    let [hash, sig] = id.to_be_bytes();
    // RFC 5246 section 7.4.1.4.1 HashAlgorithm and SignatureAlgorithm.
    let hash = match hash {
        1 => Some("md5"),
        2 => Some("sha1"),
        3 => Some("sha224"),
        4 => Some("sha256"),
        5 => Some("sha384"),
        6 => Some("sha512"),
        _ => None,
    };
    let sig = match sig {
        1 => Some("rsa"),
        2 => Some("dsa"),
        3 => Some("ecdsa"),
        _ => None,
    };
    match (sig, hash) {
        (Some(sig), Some(hash)) => format!("{sig}_{hash}"),
        _ => named_or_hex(&[], id),
    }
}

/// The IANA name of a cipher suite, e.g. `TLS_AES_128_GCM_SHA256` for
/// 0x1301, from the full registry in [`super::suites`], plus the two
/// signalling values (RFC 5746 TLS_EMPTY_RENEGOTIATION_INFO_SCSV 0x00FF,
/// RFC 7507 TLS_FALLBACK_SCSV 0x5600); `None` for unassigned values and
/// GREASE.
pub fn cipher_suite_name(id: u16) -> Option<&'static str> {
    match id {
        0x00ff => Some("TLS_EMPTY_RENEGOTIATION_INFO_SCSV"),
        0x5600 => Some("TLS_FALLBACK_SCSV"),
        _ => super::suites::suite_info(id).map(|s| s.iana),
    }
}

/// `0xc02f TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256`, or just the hex.
pub fn cipher_suite_display(id: u16) -> String {
    match cipher_suite_name(id) {
        Some(name) => format!("{} {name}", hex(id)),
        None if is_grease(id) => format!("GREASE({})", hex(id)),
        None => hex(id),
    }
}

/// IANA TLS ExtensionType Values registry (the values met in hellos).
const EXTENSIONS: &[(u16, &str)] = &[
    (0, "server_name"),
    (1, "max_fragment_length"),
    (2, "client_certificate_url"),
    (3, "trusted_ca_keys"),
    (4, "truncated_hmac"),
    (5, "status_request"),
    (6, "user_mapping"),
    (7, "client_authz"),
    (8, "server_authz"),
    (9, "cert_type"),
    (10, "supported_groups"),
    (11, "ec_point_formats"),
    (12, "srp"),
    (13, "signature_algorithms"),
    (14, "use_srtp"),
    (15, "heartbeat"),
    (16, "application_layer_protocol_negotiation"),
    (17, "status_request_v2"),
    (18, "signed_certificate_timestamp"),
    (19, "client_certificate_type"),
    (20, "server_certificate_type"),
    (21, "padding"),
    (22, "encrypt_then_mac"),
    (23, "extended_master_secret"),
    (24, "token_binding"),
    (25, "cached_info"),
    (26, "tls_lts"),
    (27, "compress_certificate"),
    (28, "record_size_limit"),
    (29, "pwd_protect"),
    (30, "pwd_clear"),
    (31, "password_salt"),
    (32, "ticket_pinning"),
    (33, "tls_cert_with_extern_psk"),
    (34, "delegated_credential"),
    (35, "session_ticket"),
    (41, "pre_shared_key"),
    (42, "early_data"),
    (43, "supported_versions"),
    (44, "cookie"),
    (45, "psk_key_exchange_modes"),
    (47, "certificate_authorities"),
    (48, "oid_filters"),
    (49, "post_handshake_auth"),
    (50, "signature_algorithms_cert"),
    (51, "key_share"),
    (52, "transparency_info"),
    (54, "connection_id"),
    (57, "quic_transport_parameters"),
    (58, "ticket_request"),
    (59, "dnssec_chain"),
    (0xfd00, "ech_outer_extensions"),
    (0xfe0d, "encrypted_client_hello"),
    (0xff01, "renegotiation_info"),
];

/// The IANA name of an extension type (`server_name`, `key_share`, ...);
/// GREASE as `GREASE(0x0a0a)`; others as `0xNNNN`.
pub fn extension_name(id: u16) -> String {
    named_or_hex(EXTENSIONS, id)
}

fn lookup(table: &'static [(u16, &'static str)], id: u16) -> Option<&'static str> {
    table
        .binary_search_by_key(&id, |&(k, _)| k)
        .ok()
        .and_then(|i| table.get(i))
        .map(|&(_, name)| name)
}

fn named_or_hex(table: &'static [(u16, &'static str)], id: u16) -> String {
    match lookup(table, id) {
        Some(name) => name.to_owned(),
        None if is_grease(id) => format!("GREASE({})", hex(id)),
        None => hex(id),
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::indexing_slicing, clippy::panic)]
mod tests {
    use super::*;

    #[test]
    fn tables_are_sorted_and_unique() {
        for table in [GROUPS, SIGNATURE_SCHEMES, EXTENSIONS] {
            for w in table.windows(2) {
                assert!(w[0].0 < w[1].0, "{:#06x} !< {:#06x}", w[0].0, w[1].0);
            }
        }
    }

    #[test]
    fn cipher_suites() {
        assert_eq!(cipher_suite_name(0x1301), Some("TLS_AES_128_GCM_SHA256"));
        assert_eq!(cipher_suite_name(0x1302), Some("TLS_AES_256_GCM_SHA384"));
        assert_eq!(
            cipher_suite_name(0x1303),
            Some("TLS_CHACHA20_POLY1305_SHA256")
        );
        assert_eq!(cipher_suite_name(0x1304), Some("TLS_AES_128_CCM_SHA256"));
        assert_eq!(cipher_suite_name(0x1305), Some("TLS_AES_128_CCM_8_SHA256"));
        assert_eq!(
            cipher_suite_name(0xc02f),
            Some("TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256")
        );
        assert_eq!(
            cipher_suite_name(0xcca9),
            Some("TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256")
        );
        assert_eq!(
            cipher_suite_name(0x000a),
            Some("TLS_RSA_WITH_3DES_EDE_CBC_SHA")
        );
        assert_eq!(cipher_suite_name(0x0005), Some("TLS_RSA_WITH_RC4_128_SHA"));
        assert_eq!(
            cipher_suite_name(0x00ff),
            Some("TLS_EMPTY_RENEGOTIATION_INFO_SCSV")
        );
        assert_eq!(cipher_suite_name(0x5600), Some("TLS_FALLBACK_SCSV"));
        assert_eq!(cipher_suite_name(0xffff), None);
        assert_eq!(cipher_suite_name(0x0a0a), None);
        assert_eq!(
            cipher_suite_display(0x1301),
            "0x1301 TLS_AES_128_GCM_SHA256"
        );
        assert_eq!(cipher_suite_display(0x2a2a), "GREASE(0x2a2a)");
        assert_eq!(cipher_suite_display(0x1399), "0x1399");
    }

    #[test]
    fn alerts() {
        assert_eq!(alert_description_name(0), Some("close_notify"));
        assert_eq!(alert_description_name(10), Some("unexpected_message"));
        assert_eq!(alert_description_name(20), Some("bad_record_mac"));
        assert_eq!(alert_description_name(40), Some("handshake_failure"));
        assert_eq!(alert_description_name(42), Some("bad_certificate"));
        assert_eq!(alert_description_name(70), Some("protocol_version"));
        assert_eq!(alert_description_name(71), Some("insufficient_security"));
        assert_eq!(alert_description_name(80), Some("internal_error"));
        assert_eq!(alert_description_name(86), Some("inappropriate_fallback"));
        assert_eq!(alert_description_name(90), Some("user_canceled"));
        assert_eq!(alert_description_name(100), Some("no_renegotiation"));
        assert_eq!(alert_description_name(109), Some("missing_extension"));
        assert_eq!(alert_description_name(110), Some("unsupported_extension"));
        assert_eq!(alert_description_name(112), Some("unrecognized_name"));
        assert_eq!(
            alert_description_name(113),
            Some("bad_certificate_status_response")
        );
        assert_eq!(alert_description_name(115), Some("unknown_psk_identity"));
        assert_eq!(alert_description_name(116), Some("certificate_required"));
        assert_eq!(alert_description_name(120), Some("no_application_protocol"));
        assert_eq!(alert_description_name(121), Some("ech_required"));
        assert_eq!(alert_description_name(255), None);
        assert_eq!(alert_level_name(2), Some("fatal"));
        assert_eq!(alert_level_name(3), None);
    }

    #[test]
    fn versions_groups_schemes() {
        assert_eq!(version_name(0x0300), "SSLv3");
        assert_eq!(version_name(0x0301), "TLSv1.0");
        assert_eq!(version_name(0x0302), "TLSv1.1");
        assert_eq!(version_name(0x0303), "TLSv1.2");
        assert_eq!(version_name(0x0304), "TLSv1.3");
        assert_eq!(version_name(0x7f1c), "0x7f1c");
        assert_eq!(version_name(0x3a3a), "GREASE(0x3a3a)");

        assert_eq!(group_name(23), "secp256r1");
        assert_eq!(group_name(24), "secp384r1");
        assert_eq!(group_name(25), "secp521r1");
        assert_eq!(group_name(29), "x25519");
        assert_eq!(group_name(30), "x448");
        assert_eq!(group_name(256), "ffdhe2048");
        assert_eq!(group_name(260), "ffdhe8192");
        assert_eq!(group_name(0x11ec), "X25519MLKEM768");
        assert_eq!(group_name(0x11eb), "SecP256r1MLKEM768");
        assert_eq!(group_name(0x11ed), "SecP384r1MLKEM1024");
        assert_eq!(group_name(0x1234), "0x1234");
        assert_eq!(group_name(0xfafa), "GREASE(0xfafa)");

        assert_eq!(signature_scheme_name(0x0804), "rsa_pss_rsae_sha256");
        assert_eq!(signature_scheme_name(0x0403), "ecdsa_secp256r1_sha256");
        assert_eq!(signature_scheme_name(0x0807), "ed25519");
        assert_eq!(signature_scheme_name(0x0201), "rsa_pkcs1_sha1");
        assert_eq!(signature_scheme_name(0x0402), "dsa_sha256");
        assert_eq!(signature_scheme_name(0x0101), "rsa_md5");
        assert_eq!(signature_scheme_name(0xfe00), "0xfe00");

        assert_eq!(extension_name(0), "server_name");
        assert_eq!(extension_name(43), "supported_versions");
        assert_eq!(extension_name(51), "key_share");
        assert_eq!(extension_name(0xff01), "renegotiation_info");
        assert_eq!(extension_name(0xdada), "GREASE(0xdada)");
    }

    #[test]
    fn type_names() {
        assert_eq!(handshake_type_name(1), "ClientHello");
        assert_eq!(handshake_type_name(2), "ServerHello");
        assert_eq!(handshake_type_name(11), "Certificate");
        assert_eq!(handshake_type_name(12), "ServerKeyExchange");
        assert_eq!(handshake_type_name(14), "ServerHelloDone");
        assert_eq!(handshake_type_name(200), "Unknown");
        assert_eq!(content_type_name(20), "ChangeCipherSpec");
        assert_eq!(content_type_name(23), "ApplicationData");
        assert_eq!(content_type_name(99), "Unknown");
    }

    #[test]
    fn grease() {
        assert!(is_grease(0x0a0a));
        assert!(is_grease(0xfafa));
        assert!(!is_grease(0x0a1a));
        assert!(!is_grease(0x0b0b));
    }
}
