//! The scenario table and the server behind each scenario.

use std::pin::Pin;
use std::sync::Arc;
use std::time::Duration;

use openssl::bn::BigNum;
use openssl::dh::Dh;
use openssl::pkey::{PKey, Params};
use openssl::ssl::{Ssl, SslContext, SslMethod, SslOptions, SslVersion};
use openssl::x509::X509;
use rustls::crypto::{CryptoProvider, ring};
use rustls::server::{ClientHello, ResolvesServerCert};
use rustls::sign::CertifiedKey;
use rustls_pki_types::pem::PemObject;
use rustls_pki_types::{CertificateDer, PrivateKeyDer};
use time::OffsetDateTime;
use tokio::io::AsyncWriteExt;
use tokio::net::TcpStream;
use tokio::time::timeout;

use crate::hostile::{Hostile, OneByteWrites};
use crate::legacy::Legacy;
use crate::pki::{Issued, Issuer, KeyKind, LeafSpec, Pki, SigHash};
use crate::smtp::{self, BoxIo, Config, Greeting, Hooks, IDLE_TIMEOUT, StartTls};
use crate::{LAB_HOST, LabConfig, LabError, Mode, Scenario, TlsExpect};

const fn starttls(
    name: &'static str,
    summary: &'static str,
    diagnosis: &'static str,
    expect_findings: &'static [&'static str],
    expect_error_phase: Option<&'static str>,
) -> Scenario {
    Scenario {
        name,
        summary,
        diagnosis,
        mode: Mode::Starttls,
        expect_findings,
        expect_error_phase,
        expect_tls: None,
    }
}

/// A STARTTLS scenario with an enumeration claim.
const fn starttls_enum(
    name: &'static str,
    summary: &'static str,
    diagnosis: &'static str,
    expect_findings: &'static [&'static str],
    expect_error_phase: Option<&'static str>,
    expect_tls: &'static TlsExpect,
) -> Scenario {
    Scenario {
        name,
        summary,
        diagnosis,
        mode: Mode::Starttls,
        expect_findings,
        expect_error_phase,
        expect_tls: Some(expect_tls),
    }
}

static SCENARIOS: [Scenario; 48] = [
    starttls(
        "good",
        "correct setup: ECDSA leaf for mx.lab.test plus intermediate, TLS 1.2 and 1.3",
        "no problem: STARTTLS works and the certificate chain is complete and valid",
        &[],
        None,
    ),
    Scenario {
        name: "implicit-tls",
        summary: "correct setup on an implicit-TLS port: TLS handshake first, then the SMTP banner",
        diagnosis: "no problem: implicit TLS works and the certificate chain is complete and valid",
        mode: Mode::Implicit,
        expect_findings: &[],
        expect_error_phase: None,
        expect_tls: None,
    },
    starttls(
        "chain-incomplete",
        "sends only the leaf certificate, without the intermediate",
        "incomplete chain: the intermediate certificate is missing from the server's chain",
        &["chain-incomplete"],
        None,
    ),
    starttls(
        "chain-order",
        "sends the leaf, then an unrelated self-signed certificate, then the intermediate",
        "chain out of order: the server sends an unrelated certificate before the intermediate",
        &["chain-order"],
        None,
    ),
    starttls(
        "chain-too-long",
        "sends the leaf, the intermediate, then the root 24 times over (a CA bundle given as the chain)",
        "a chain of 26 certificates: only the first 20 are analysed; the duplicates are out of place",
        &["chain-order", "chain-too-long"],
        None,
    ),
    starttls(
        "self-signed",
        "serves a self-signed certificate for mx.lab.test",
        "self-signed certificate: no CA vouches for it",
        &["cert-self-signed"],
        None,
    ),
    starttls(
        "untrusted-root",
        "serves a chain that ends at a root that is not in the lab CA file",
        "untrusted certificate: the chain leads to an unknown root CA",
        &["cert-untrusted"],
        None,
    ),
    starttls(
        "wrong-name",
        "serves a certificate for mail.other.test and other.test only",
        "name mismatch: the certificate is not valid for mx.lab.test",
        &["cert-name-mismatch"],
        None,
    ),
    starttls(
        "expired",
        "serves a leaf certificate that expired 2 days ago",
        "expired certificate",
        &["cert-expired"],
        None,
    ),
    starttls(
        "not-yet-valid",
        "serves a leaf certificate that becomes valid only in 30 days",
        "certificate not yet valid",
        &["cert-not-yet-valid"],
        None,
    ),
    starttls(
        "expires-soon",
        "serves a leaf certificate that expires in 5 days",
        "certificate expires soon: renew it",
        &["cert-expires-soon"],
        None,
    ),
    starttls(
        "weak-key",
        "serves an RSA-1024 leaf certificate (OpenSSL, TLS 1.2, security level 0)",
        "weak key: the certificate's RSA key has only 1024 bits",
        &[
            "cert-weak-key",
            "cipher-no-forward-secrecy",
            "no-server-preference",
        ],
        None,
    ),
    starttls(
        "sha1-signature",
        "serves an RSA-2048 leaf certificate signed with SHA-1",
        "weak signature: the certificate is signed with SHA-1",
        &["cert-weak-signature"],
        None,
    ),
    starttls(
        "sni-required",
        "chooses the certificate by SNI: without SNI it serves a certificate for default.invalid",
        "fine with SNI, but peers that send none (Postfix, Exim) get a certificate for default.invalid",
        &["sni-cert-differs"],
        None,
    ),
    starttls(
        "starttls-not-offered",
        "EHLO does not advertise STARTTLS; STARTTLS is answered 502",
        "STARTTLS not offered: mail to this server travels unencrypted",
        &["starttls-not-offered"],
        None,
    ),
    starttls(
        "starttls-refused",
        "advertises STARTTLS but answers it 454 4.7.0 TLS not available due to local problem",
        "STARTTLS refused: the server advertises TLS but cannot start it",
        &["starttls-refused"],
        None,
    ),
    starttls(
        "ehlo-refused",
        "answers EHLO 502 (HELO works), so no extensions and no STARTTLS",
        "EHLO rejected: without ESMTP the server cannot offer STARTTLS",
        &["smtp-rejected", "starttls-not-offered"],
        None,
    ),
    starttls(
        "banner-delay",
        "sends its (multi-line) banner only after a delay and rejects clients that talk first",
        "no problem for patient clients (postscreen-style greeting delay)",
        &[],
        None,
    ),
    starttls(
        "banner-421",
        "greets with 421 4.7.0 too many connections and closes",
        "SMTP rejected: the server refuses the connection with 421",
        &["smtp-rejected"],
        None,
    ),
    starttls(
        "close-after-starttls",
        "answers STARTTLS with 220, then closes the connection",
        "TLS handshake failed: the server closes the connection after agreeing to STARTTLS",
        &["tls-handshake-failed"],
        None,
    ),
    starttls(
        "garbage-after-starttls",
        "answers STARTTLS with 220, then sends 64 bytes of plain-text junk and closes",
        "TLS handshake failed: the server answers the ClientHello with non-TLS data",
        &["tls-handshake-failed"],
        None,
    ),
    starttls(
        "tls10-only",
        "supports only TLS 1.0 (OpenSSL, security level 0)",
        "TLS handshake failed: the server supports only the obsolete TLS 1.0",
        &[
            "no-tls12",
            "protocol-tls10",
            "no-server-preference",
            "cbc-tls10",
        ],
        None,
    ),
    starttls(
        "silent",
        "accepts the connection and never says anything",
        "check incomplete: no SMTP banner (timeout)",
        &[],
        Some("banner"),
    ),
    starttls(
        "garbage-banner",
        "sends 200 bytes of binary junk (starting like a TLS record) instead of a banner",
        "check incomplete: the server does not speak SMTP (binary data instead of a banner)",
        &[],
        Some("banner"),
    ),
    starttls(
        "endless-line",
        "sends \"220 \" followed by an endless line of 'x' (64 KiB/s, up to 10 MiB)",
        "check incomplete: the banner line never ends",
        &[],
        Some("banner"),
    ),
    starttls(
        "reset",
        "accepts the connection and resets it at once",
        "check incomplete: the connection is reset before the banner",
        &[],
        Some("banner"),
    ),
    starttls(
        "drip",
        "drips its banner, its EHLO and STARTTLS replies and its answer to the ClientHello, one byte every 2 s",
        "check incomplete: no complete banner within the time limit (or the whole check's --deadline)",
        &[],
        Some("banner"),
    ),
    starttls_enum(
        "tls10-tls12-cbc",
        "TLS 1.0 to 1.2 with only CBC suites (RSA and ECDHE-RSA key exchange; OpenSSL, security level 0), accepting client-initiated renegotiation as OpenSSL did before 3.0",
        "TLS handshake failed: the server offers no AEAD cipher suite, only obsolete CBC ones",
        &[
            "tls-handshake-failed",
            "protocol-tls10",
            "protocol-tls11",
            "cipher-no-forward-secrecy",
            "no-server-preference",
            "cbc-tls10",
            "client-renegotiation",
        ],
        None,
        &TLS10_TLS12_CBC,
    ),
    starttls_enum(
        "tls12-narrow-preference",
        "TLS 1.2 only, three ECDHE-RSA AEAD suites in server order, groups P-384 and X25519 (OpenSSL)",
        "no problem: a narrow but modern TLS 1.2 configuration that enforces its own suite order",
        &[],
        None,
        &TLS12_NARROW_PREFERENCE,
    ),
    starttls_enum(
        "tls13-only",
        "TLS 1.3 only, suites AES-256-GCM and ChaCha20-Poly1305, groups X25519 and P-256 (OpenSSL)",
        "no problem: TLS 1.3 only",
        &["no-server-preference"],
        None,
        &TLS13_ONLY,
    ),
    starttls_enum(
        "dhe-1024",
        "TLS 1.2 with only DHE-RSA AES-GCM suites and a 1024-bit DH group (RFC 2409 group 2; OpenSSL, security level 0)",
        "TLS handshake failed: the server offers only finite-field DHE suites, with a weak 1024-bit group",
        &["tls-handshake-failed", "dh-weak", "no-server-preference"],
        None,
        &DHE_1024,
    ),
    starttls_enum(
        "dual-cert",
        "TLS 1.2 and 1.3 with two certificates for mx.lab.test, RSA-2048 and ECDSA P-256, each with its chain (OpenSSL)",
        "no problem: the server picks the RSA or the ECDSA certificate to suit the client",
        &["no-server-preference"],
        None,
        &DUAL_CERT,
    ),
    starttls_enum(
        "truncated-serverhello",
        "answers the ClientHello with the first 30 bytes of an 80-byte ServerHello record, then stays silent for 60 s",
        "TLS handshake failed: the server's ServerHello is cut short and never completed",
        &["tls-handshake-failed"],
        None,
        &ACCEPTS_NOTHING,
    ),
    starttls_enum(
        "oversized-record",
        "answers the ClientHello with a handshake record of length 65535 (over the TLS limit), then closes",
        "TLS handshake failed: the server sends a record larger than TLS allows",
        &["tls-handshake-failed"],
        None,
        &ACCEPTS_NOTHING,
    ),
    starttls_enum(
        "one-byte-segments",
        "correct setup (rustls, TLS 1.2 and 1.3, full chain), but every byte it sends is its own TCP segment",
        "no problem: the records arrive one byte at a time, which a client must reassemble",
        &[],
        None,
        &ONE_BYTE_SEGMENTS,
    ),
    starttls_enum(
        "alert-mid-handshake",
        "answers the ClientHello with a TLS 1.2 ServerHello, then a fatal handshake_failure alert, and closes",
        "TLS handshake failed: the server aborts the handshake with a handshake_failure alert after its ServerHello",
        &["tls-handshake-failed"],
        None,
        &ACCEPTS_NOTHING,
    ),
    starttls_enum(
        "unknown-version",
        "answers the ClientHello with a ServerHello for version 0x0305 (no supported_versions extension), then closes",
        "TLS handshake failed: the server selects a TLS version that does not exist",
        &["tls-handshake-failed"],
        None,
        &ACCEPTS_NOTHING,
    ),
    starttls_enum(
        "silent-after-starttls",
        "answers STARTTLS with 220, then sends nothing and keeps the connection open for 10 minutes",
        "TLS handshake failed: no answer to the ClientHello (timeout)",
        &["tls-handshake-failed"],
        None,
        &ACCEPTS_NOTHING,
    ),
    starttls(
        "terminal-escapes",
        "correct setup, but the banner and an EHLO keyword carry terminal escape sequences (set \
         the window title: ESC ] 0 ; ... BEL; clear the screen: ESC [ 2 J; blink: ESC [ 5 m)",
        "no TLS problem; the text report must show the sequences as \\x1b... and never pass them \
         to the terminal (the JSON report keeps them exactly)",
        &[],
        None,
    ),
    starttls(
        "rate-limited",
        "a good server that greets every third connection with 421 too many connections (like Postfix's anvil limits)",
        "OK, with a note that it rate-limits: a careful scanner backs off and retries, and still measures everything",
        &["rate-limited"],
        None,
    ),
    starttls(
        "busy",
        "a good server that greets the first connection of each burst (after 5 s of quiet) with 421, then serves",
        "OK, with a note that it rate-limits: the first connection is retried, not reported as a refusal",
        &["rate-limited"],
        None,
    ),
    starttls(
        "exim-busy",
        "a good server that refuses a third concurrent connection with Exim's 421 Too many concurrent SMTP connections",
        "OK, with a note that it rate-limits: the scan drops to one connection at a time and measures everything",
        &["rate-limited"],
        None,
    ),
    starttls_enum(
        "sslv2-scripted",
        "speaks only SSL 2.0 (scripted): a CLIENT-HELLO gets a SERVER-HELLO with an RSA-2048 certificate and RC4-MD5 and DES-CBC3-MD5; a TLS hello gets a protocol_version alert",
        "SSL 2.0 only: the server speaks only the broken SSL 2.0 protocol, no TLS version at all",
        // SSL 2.0 has only RSA key exchange: no forward secrecy either.
        &[
            "no-tls12",
            "protocol-sslv2",
            "cipher-weak",
            "cipher-no-forward-secrecy",
        ],
        None,
        &SSLV2_SCRIPTED,
    ),
    starttls_enum(
        "sslv3-scripted",
        "speaks only SSL 3.0 (scripted): any hello up to TLS 1.3 gets an SSL 3.0 ServerHello (RSA key exchange with 3DES, RC4 or AES-128-CBC, in server order), the RSA-2048 chain and ServerHelloDone",
        "SSL 3.0 only: the server speaks only the obsolete SSL 3.0 protocol (POODLE), no TLS version at all",
        &[
            "no-tls12",
            "protocol-sslv3",
            "cipher-weak",
            "cipher-no-forward-secrecy",
            // The battery: a ServerHello without renegotiation_info (its CBC suites are
            // POODLE's, under protocol-sslv3).
            "no-secure-renegotiation",
        ],
        None,
        &SSLV3_SCRIPTED,
    ),
    starttls(
        "key-mismatch-tls12",
        "TLS 1.2 only (rustls): sends the valid chain for mx.lab.test but signs its ServerKeyExchange with another ECDSA key",
        "the server does not hold its certificate's private key: the handshake signature does not verify, every client aborts",
        &["handshake-signature-invalid"],
        None,
    ),
    starttls(
        "key-mismatch-tls13",
        "TLS 1.3 only (rustls): sends the valid chain for mx.lab.test but signs its CertificateVerify with another ECDSA key",
        "the server does not hold its certificate's private key: the handshake signature does not verify, every client aborts",
        &["handshake-signature-invalid"],
        None,
    ),
    starttls(
        "starttls-injection",
        "like Postfix before 2.8.0: commands pipelined after STARTTLS stay in its input buffer and run inside TLS",
        "STARTTLS command injection (CVE-2011-0411): a command sent in plaintext after STARTTLS is answered inside TLS",
        &["starttls-injection"],
        None,
    ),
    starttls(
        "battery-scripted",
        "TLS 1.1 and 1.2 and SSL 2.0 (scripted) with the battery's weaknesses: export RSA, RC4 and 3DES suites (static RSA), DEFLATE, fallback SCSV ignored, heartbeat over-read echoed, early CCS accepted, an RSA padding oracle (ROBOT), SSLv2 with the TLS key",
        "an ancient TLS stack: Heartbleed, CCS injection and ROBOT (memory and keys exposed), SSLv2 with the TLS key (DROWN), export, RC4 and 3DES suites, compression, no fallback protection",
        &[
            "tls-handshake-failed",
            "heartbleed",
            "ccs-injection",
            "protocol-sslv2",
            "protocol-tls11",
            "cipher-weak",
            "cipher-no-forward-secrecy",
            "no-fallback-scsv",
            "tls-compression",
            "robot",
        ],
        None,
    ),
];

/// What the terminal-escapes scenario puts in its banner and in its EHLO keyword X-TERMINAL: set
/// the window title (OSC 0, ended by BEL), clear the screen (CSI 2 J), blink (CSI 5 m), reset.
pub const TERMINAL_ESCAPES: &str = "\x1b]0;pwned\x07\x1b[2J\x1b[5mblink\x1b[0m";

// IANA cipher suite ids.
const TLS_RSA_WITH_RC4_128_SHA: u16 = 0x0005;
const TLS_RSA_WITH_3DES_EDE_CBC_SHA: u16 = 0x000A;
const TLS_RSA_WITH_AES_128_CBC_SHA: u16 = 0x002F;
const TLS_RSA_WITH_AES_256_CBC_SHA: u16 = 0x0035;
const TLS_RSA_WITH_AES_128_CBC_SHA256: u16 = 0x003C;
const TLS_DHE_RSA_WITH_AES_128_GCM_SHA256: u16 = 0x009E;
const TLS_DHE_RSA_WITH_AES_256_GCM_SHA384: u16 = 0x009F;
const TLS_AES_128_GCM_SHA256: u16 = 0x1301;
const TLS_AES_256_GCM_SHA384: u16 = 0x1302;
const TLS_CHACHA20_POLY1305_SHA256: u16 = 0x1303;
const TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA: u16 = 0xC013;
const TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA: u16 = 0xC014;
const TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256: u16 = 0xC02B;
const TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384: u16 = 0xC02C;
const TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256: u16 = 0xC02F;
const TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384: u16 = 0xC030;
const TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256: u16 = 0xCCA8;
const TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256: u16 = 0xCCA9;
// IANA supported-group ids.
const SECP256R1: u16 = 0x0017;
const SECP384R1: u16 = 0x0018;
const SECP521R1: u16 = 0x0019;
const X25519: u16 = 0x001D;
const X448: u16 = 0x001E;
/// `EC_GROUPS` of the OpenSSL scenarios, in the server's order.
const EC_GROUP_IDS: &[u16] = &[X25519, SECP256R1, X448, SECP521R1, SECP384R1];

/// The CBC suites of tls10-tls12-cbc that exist before TLS 1.2.
const CBC_LEGACY: &[u16] = &[
    TLS_RSA_WITH_AES_128_CBC_SHA,
    TLS_RSA_WITH_AES_256_CBC_SHA,
    TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA,
    TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA,
];

static TLS10_TLS12_CBC: TlsExpect = TlsExpect {
    versions: &["TLSv1.0", "TLSv1.1", "TLSv1.2"],
    suites: &[
        ("TLSv1.0", CBC_LEGACY),
        ("TLSv1.1", CBC_LEGACY),
        (
            "TLSv1.2",
            &[
                TLS_RSA_WITH_AES_128_CBC_SHA,
                TLS_RSA_WITH_AES_256_CBC_SHA,
                TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA,
                TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA,
                TLS_RSA_WITH_AES_128_CBC_SHA256,
            ],
        ),
    ],
    server_order: Some(false),
    groups: Some(EC_GROUP_IDS),
    dhe_bits: None,
};

static TLS12_NARROW_PREFERENCE: TlsExpect = TlsExpect {
    versions: &["TLSv1.2"],
    suites: &[(
        "TLSv1.2",
        &[
            TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384,
            TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256,
            TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256,
        ],
    )],
    server_order: Some(true),
    // In the server's order: with server preference OpenSSL also picks the
    // group by its own order.
    groups: Some(&[SECP384R1, X25519]),
    dhe_bits: None,
};

static TLS13_ONLY: TlsExpect = TlsExpect {
    versions: &["TLSv1.3"],
    suites: &[(
        "TLSv1.3",
        &[TLS_AES_256_GCM_SHA384, TLS_CHACHA20_POLY1305_SHA256],
    )],
    server_order: Some(false),
    groups: Some(&[X25519, SECP256R1]),
    dhe_bits: None,
};

static DHE_1024: TlsExpect = TlsExpect {
    versions: &["TLSv1.2"],
    suites: &[(
        "TLSv1.2",
        &[
            TLS_DHE_RSA_WITH_AES_128_GCM_SHA256,
            TLS_DHE_RSA_WITH_AES_256_GCM_SHA384,
        ],
    )],
    server_order: Some(false),
    groups: None,
    dhe_bits: Some(1024),
};

static DUAL_CERT: TlsExpect = TlsExpect {
    versions: &["TLSv1.2", "TLSv1.3"],
    suites: &[
        (
            "TLSv1.2",
            &[
                TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256,
                TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256,
            ],
        ),
        // OpenSSL's default TLS 1.3 suites.
        (
            "TLSv1.3",
            &[
                TLS_AES_256_GCM_SHA384,
                TLS_CHACHA20_POLY1305_SHA256,
                TLS_AES_128_GCM_SHA256,
            ],
        ),
    ],
    server_order: Some(false),
    groups: Some(EC_GROUP_IDS),
    dhe_bits: None,
};

/// rustls with the ring provider and an ECDSA certificate.
static ONE_BYTE_SEGMENTS: TlsExpect = TlsExpect {
    versions: &["TLSv1.2", "TLSv1.3"],
    suites: &[
        (
            "TLSv1.2",
            &[
                TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384,
                TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256,
                TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256,
            ],
        ),
        (
            "TLSv1.3",
            &[
                TLS_AES_256_GCM_SHA384,
                TLS_AES_128_GCM_SHA256,
                TLS_CHACHA20_POLY1305_SHA256,
            ],
        ),
    ],
    server_order: Some(true),
    groups: Some(&[X25519, SECP256R1, SECP384R1]),
    dhe_bits: None,
};

/// The hand-written hostile servers: no handshake ever completes.
static ACCEPTS_NOTHING: TlsExpect = TlsExpect {
    versions: &[],
    suites: &[],
    server_order: None,
    groups: None,
    dhe_bits: None,
};

/// sslv2-scripted: SSL 2.0 only. Its cipher specs are 3-byte SSL 2.0 codes,
/// which the u16 suite lists cannot hold, so its list is empty. They are,
/// in the server's order (the SERVER-HELLO lists those the client offered):
/// SSL_CK_RC4_128_WITH_MD5 (0x010080, RC4-MD5) and
/// SSL_CK_DES_192_EDE3_CBC_WITH_MD5 (0x0700C0, DES-CBC3-MD5). SSL 2.0 has no
/// suite choice by the server, so no order either.
static SSLV2_SCRIPTED: TlsExpect = TlsExpect {
    versions: &["SSLv2"],
    suites: &[("SSLv2", &[])],
    server_order: None,
    groups: None,
    dhe_bits: None,
};

/// sslv3-scripted: SSL 3.0 only, three static-RSA suites in server order.
/// It answers SSL 3.0 to TLS hellos too, so no TLS handshake completes.
static SSLV3_SCRIPTED: TlsExpect = TlsExpect {
    versions: &["SSLv3"],
    suites: &[(
        "SSLv3",
        &[
            TLS_RSA_WITH_3DES_EDE_CBC_SHA,
            TLS_RSA_WITH_RC4_128_SHA,
            TLS_RSA_WITH_AES_128_CBC_SHA,
        ],
    )],
    server_order: Some(true),
    groups: None,
    dhe_bits: None,
};

/// All lab scenarios, in a fixed order (the order defines the port offset).
pub fn scenarios() -> &'static [Scenario] {
    &SCENARIOS
}

/// The TLS server side of a scenario.
enum Tls {
    Rustls(tokio_rustls::TlsAcceptor),
    OpenSsl(SslContext),
    /// A hand-written misbehaviour instead of a TLS server.
    Hostile(Hostile),
    /// A scripted SSL 2.0 or SSL 3.0 server.
    Legacy(Legacy),
    /// The scripted server with every weakness of the vulnerability battery.
    Battery(crate::scripted::Battery),
}

impl Tls {
    /// Runs the server handshake; None if it fails or times out.
    async fn accept(&self, io: BoxIo) -> Option<BoxIo> {
        match self {
            Tls::Rustls(acceptor) => {
                let stream = timeout(IDLE_TIMEOUT, acceptor.accept(io))
                    .await
                    .ok()?
                    .ok()?;
                Some(Box::new(stream))
            }
            Tls::OpenSsl(ctx) => {
                let ssl = Ssl::new(ctx).ok()?;
                let mut stream = tokio_openssl::SslStream::new(ssl, io).ok()?;
                timeout(IDLE_TIMEOUT, Pin::new(&mut stream).accept())
                    .await
                    .ok()?
                    .ok()?;
                Some(Box::new(stream))
            }
            Tls::Hostile(hostile) => {
                hostile.run(io).await;
                None
            }
            Tls::Legacy(legacy) => {
                legacy.run(io).await;
                None
            }
            Tls::Battery(battery) => {
                battery.run(io).await;
                None
            }
        }
    }
}

enum Kind {
    /// An SMTP session (silent: one that never greets).
    Smtp {
        mode: Mode,
        tls: Option<Tls>,
        config: Box<Config>,
        /// Every write goes out one byte at a time (one-byte-segments).
        one_byte_writes: bool,
        /// Bytes pipelined after STARTTLS are run as commands inside TLS (starttls-injection).
        keeps_pipelined: bool,
    },
    /// Greets with 421 too many connections and closes.
    Banner421,
    EximBusy,
    Drip(Duration),
    GarbageBanner,
    EndlessLine,
    Reset,
}

/// The server of one scenario; shared by all its connections.
pub(crate) struct Server {
    kind: Kind,
    /// Which connections get a 421 greeting instead of the scenario.
    refusal: Refusal,
    connections: std::sync::atomic::AtomicU32,
}

/// When a busy server refuses a connection with 421.
enum Refusal {
    Never,
    /// rate-limited: every Nth connection, as Postfix's anvil limits do.
    EveryNth(u32),
    /// busy: the first connection after `gap` of quiet (the first of each burst).
    FirstOfBurst {
        gap: Duration,
        last: std::sync::Mutex<Option<std::time::Instant>>,
    },
    /// exim-busy: a connection beyond `max` open at once, as Exim's smtp_accept_max_per_host.
    Concurrent {
        max: u32,
        open: std::sync::Arc<std::sync::atomic::AtomicU32>,
    },
}

/// Counts a connection as open until dropped.
struct OpenGuard(std::sync::Arc<std::sync::atomic::AtomicU32>);

impl Drop for OpenGuard {
    fn drop(&mut self) {
        self.0.fetch_sub(1, std::sync::atomic::Ordering::SeqCst);
    }
}

impl Refusal {
    /// Whether connection `n` (0-based) is refused; `hold` keeps it counted while it is open.
    fn refuses(&self, n: u32, hold: &mut Option<OpenGuard>) -> Option<&'static str> {
        match self {
            Refusal::Never => None,
            Refusal::EveryNth(every) => (*every > 0 && n % every == every - 1).then_some("postfix"),
            Refusal::FirstOfBurst { gap, last } => {
                let now = std::time::Instant::now();
                let mut last = last.lock().unwrap_or_else(|p| p.into_inner());
                let first = last.is_none_or(|t| now.duration_since(t) > *gap);
                *last = Some(now);
                first.then_some("postfix")
            }
            Refusal::Concurrent { max, open } => {
                let before = open.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
                *hold = Some(OpenGuard(open.clone()));
                (before >= *max).then_some("exim")
            }
        }
    }
}

/// drip: the banner one byte every `pause` (2 s in the lab), then for each line the client sends (EHLO,
/// STARTTLS) the reply likewise, then after the ClientHello a handshake_failure alert likewise.
/// Every wait is bounded by the idle timeout.
async fn drip(mut tcp: TcpStream, pause: Duration) {
    use tokio::io::AsyncReadExt;
    let replies = [
        format!("220 {LAB_HOST} ESMTP smtp-tls-doctor lab (drip)\r\n"),
        format!("250-{LAB_HOST}\r\n250 STARTTLS\r\n"),
        "220 2.0.0 Ready to start TLS\r\n".to_string(),
    ];
    let mut first = true;
    for reply in replies {
        if !first {
            // Wait for the client's line (bounded: a few hundred bytes, the idle timeout).
            let mut line = Vec::new();
            let mut byte = [0u8; 1];
            while line.len() < 512 && !line.ends_with(b"\n") {
                match timeout(IDLE_TIMEOUT, tcp.read(&mut byte)).await {
                    Ok(Ok(1)) => line.extend_from_slice(&byte),
                    _ => return,
                }
            }
        }
        first = false;
        for b in reply.bytes() {
            if tcp.write_all(&[b]).await.is_err() {
                return;
            }
            tokio::time::sleep(pause).await;
        }
    }
    // The handshake: after the client's ClientHello, a handshake_failure alert, dripped too.
    let mut hello = [0u8; 512];
    if !matches!(timeout(IDLE_TIMEOUT, tcp.read(&mut hello)).await, Ok(Ok(n)) if n > 0) {
        return;
    }
    for b in [0x15, 0x03, 0x03, 0x00, 0x02, 0x02, 0x28] {
        if tcp.write_all(&[b]).await.is_err() {
            return;
        }
        tokio::time::sleep(pause).await;
    }
}

/// How long the silent scenario keeps a connection open.
const SILENT_HOLD: Duration = Duration::from_secs(600);
/// endless-line: bytes per chunk, pause between chunks (64 KiB/s), total.
const ENDLESS_CHUNK: usize = 8 * 1024;
const ENDLESS_PAUSE: Duration = Duration::from_millis(125);
const ENDLESS_TOTAL: usize = 10 * 1024 * 1024;

/// Builds the server of `scenario` (certificates are issued here).
pub(crate) fn build(
    scenario: &'static Scenario,
    pki: &Pki,
    cfg: &LabConfig,
) -> Result<Server, LabError> {
    let name = scenario.name;
    let tls_err = |message: String| LabError::Tls {
        scenario: name,
        message,
    };
    let rustls_server = |chain: &[&Issued], key: &Issued| -> Result<Option<Tls>, LabError> {
        Ok(Some(
            rustls_tls(chain, key).map_err(|e| tls_err(e.to_string()))?,
        ))
    };
    let good = || pki.leaf(&LeafSpec::valid_for(&[LAB_HOST]));
    let now = OffsetDateTime::now_utc();
    let days = time::Duration::days;

    let mut delay = None;
    let mut starttls = StartTls::Offer;
    let mut ehlo_refused = false;
    let mut one_byte_writes = false;
    let hostile = |h: Hostile| Some(Tls::Hostile(h));
    let openssl = |spec: &OpensslSpec<'_>| -> Result<Option<Tls>, LabError> {
        Ok(Some(Tls::OpenSsl(
            spec.build().map_err(|e| tls_err(e.to_string()))?,
        )))
    };
    let rsa_leaf = || {
        let mut spec = LeafSpec::valid_for(&[LAB_HOST]);
        spec.key = KeyKind::Rsa(2048);
        pki.leaf(&spec)
    };
    let tls = match name {
        "good" | "implicit-tls" | "banner-delay" | "rate-limited" | "busy" | "exim-busy" => {
            if name == "banner-delay" {
                delay = Some(cfg.banner_delay);
            }
            let leaf = good()?;
            rustls_server(&[&leaf, &pki.intermediate], &leaf)?
        }
        "chain-incomplete" => {
            let leaf = good()?;
            rustls_server(&[&leaf], &leaf)?
        }
        "chain-too-long" => {
            let leaf = good()?;
            let mut chain = vec![&leaf, &pki.intermediate];
            chain.extend(std::iter::repeat_n(&pki.root, 24));
            rustls_server(&chain, &leaf)?
        }
        "chain-order" => {
            let leaf = good()?;
            let mut unrelated = LeafSpec::valid_for(&["unrelated.lab.test"]);
            unrelated.issuer = Issuer::SelfSigned;
            let unrelated = pki.leaf(&unrelated)?;
            rustls_server(&[&leaf, &unrelated, &pki.intermediate], &leaf)?
        }
        "self-signed" => {
            let mut spec = LeafSpec::valid_for(&[LAB_HOST]);
            spec.issuer = Issuer::SelfSigned;
            let leaf = pki.leaf(&spec)?;
            rustls_server(&[&leaf], &leaf)?
        }
        "untrusted-root" => {
            let mut spec = LeafSpec::valid_for(&[LAB_HOST]);
            spec.issuer = Issuer::OtherIntermediate;
            let leaf = pki.leaf(&spec)?;
            rustls_server(&[&leaf, &pki.other_intermediate], &leaf)?
        }
        "wrong-name" => {
            let leaf = pki.leaf(&LeafSpec::valid_for(&["mail.other.test", "other.test"]))?;
            rustls_server(&[&leaf, &pki.intermediate], &leaf)?
        }
        "expired" | "not-yet-valid" | "expires-soon" => {
            let mut spec = LeafSpec::valid_for(&[LAB_HOST]);
            (spec.not_before, spec.not_after) = match name {
                "expired" => (now - days(100), now - days(2)),
                "not-yet-valid" => (now + days(30), now + days(120)),
                _ => (now - days(85), now + days(5)),
            };
            let leaf = pki.leaf(&spec)?;
            rustls_server(&[&leaf, &pki.intermediate], &leaf)?
        }
        "weak-key" => {
            let mut spec = LeafSpec::valid_for(&[LAB_HOST]);
            spec.key = KeyKind::Rsa(1024);
            let leaf = pki.leaf(&spec)?;
            let ctx = openssl_ctx(
                &leaf,
                &[&pki.intermediate],
                SslVersion::TLS1_2,
                SslVersion::TLS1_2,
                "ECDHE-RSA-AES128-GCM-SHA256:ECDHE-RSA-AES256-GCM-SHA384:\
                 ECDHE-RSA-CHACHA20-POLY1305:AES128-GCM-SHA256:@SECLEVEL=0",
            )
            .map_err(|e| tls_err(e.to_string()))?;
            Some(Tls::OpenSsl(ctx))
        }
        "sha1-signature" => {
            let mut spec = LeafSpec::valid_for(&[LAB_HOST]);
            spec.key = KeyKind::Rsa(2048);
            spec.sig = SigHash::Sha1;
            let leaf = pki.leaf(&spec)?;
            rustls_server(&[&leaf, &pki.intermediate], &leaf)?
        }
        "sni-required" => {
            let leaf = good()?;
            let fallback = pki.leaf(&LeafSpec::valid_for(&["default.invalid"]))?;
            let provider = provider();
            let lab = certified_key(&[&leaf, &pki.intermediate], &leaf, &provider);
            let fallback = certified_key(&[&fallback, &pki.intermediate], &fallback, &provider);
            let resolver = SniResolver {
                lab: Arc::new(lab.map_err(|e| tls_err(e.to_string()))?),
                fallback: Arc::new(fallback.map_err(|e| tls_err(e.to_string()))?),
            };
            let mut config = rustls::ServerConfig::builder_with_provider(Arc::new(provider))
                .with_protocol_versions(&[&rustls::version::TLS13, &rustls::version::TLS12])
                .map_err(|e| tls_err(e.to_string()))?
                .with_no_client_auth()
                .with_cert_resolver(Arc::new(resolver));
            config.ignore_client_order = true;
            Some(Tls::Rustls(tokio_rustls::TlsAcceptor::from(Arc::new(
                config,
            ))))
        }
        "tls10-only" => {
            let leaf = good()?;
            let ctx = openssl_ctx(
                &leaf,
                &[&pki.intermediate],
                SslVersion::TLS1,
                SslVersion::TLS1,
                "DEFAULT:@SECLEVEL=0",
            )
            .map_err(|e| tls_err(e.to_string()))?;
            Some(Tls::OpenSsl(ctx))
        }
        "tls10-tls12-cbc" => {
            let leaf = rsa_leaf()?;
            openssl(&OpensslSpec {
                min: SslVersion::TLS1,
                max: SslVersion::TLS1_2,
                security_level: 0,
                ciphers: Some(
                    "AES128-SHA:AES256-SHA:ECDHE-RSA-AES128-SHA:ECDHE-RSA-AES256-SHA:\
                     AES128-SHA256:@SECLEVEL=0",
                ),
                groups: Some(EC_GROUPS),
                client_renegotiation: true,
                ..OpensslSpec::new(&[&leaf], &[&pki.intermediate])
            })?
        }
        "tls12-narrow-preference" => {
            let leaf = rsa_leaf()?;
            openssl(&OpensslSpec {
                min: SslVersion::TLS1_2,
                max: SslVersion::TLS1_2,
                ciphers: Some(
                    "ECDHE-RSA-AES256-GCM-SHA384:ECDHE-RSA-CHACHA20-POLY1305:\
                     ECDHE-RSA-AES128-GCM-SHA256",
                ),
                server_preference: true,
                groups: Some("P-384:X25519"),
                ..OpensslSpec::new(&[&leaf], &[&pki.intermediate])
            })?
        }
        "tls13-only" => {
            let leaf = good()?;
            openssl(&OpensslSpec {
                min: SslVersion::TLS1_3,
                max: SslVersion::TLS1_3,
                ciphersuites: Some("TLS_AES_256_GCM_SHA384:TLS_CHACHA20_POLY1305_SHA256"),
                groups: Some("X25519:P-256"),
                ..OpensslSpec::new(&[&leaf], &[&pki.intermediate])
            })?
        }
        "dhe-1024" => {
            let leaf = rsa_leaf()?;
            let dh = rfc2409_group2().map_err(|e| tls_err(e.to_string()))?;
            openssl(&OpensslSpec {
                min: SslVersion::TLS1_2,
                max: SslVersion::TLS1_2,
                security_level: 0,
                ciphers: Some("DHE-RSA-AES128-GCM-SHA256:DHE-RSA-AES256-GCM-SHA384:@SECLEVEL=0"),
                dh: Some(dh),
                ..OpensslSpec::new(&[&leaf], &[&pki.intermediate])
            })?
        }
        "dual-cert" => {
            let rsa = rsa_leaf()?;
            let ecdsa = good()?;
            openssl(&OpensslSpec {
                min: SslVersion::TLS1_2,
                max: SslVersion::TLS1_3,
                ciphers: Some("ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256"),
                groups: Some(EC_GROUPS),
                ..OpensslSpec::new(&[&rsa, &ecdsa], &[&pki.intermediate])
            })?
        }
        "one-byte-segments" => {
            one_byte_writes = true;
            let leaf = good()?;
            rustls_server(&[&leaf, &pki.intermediate], &leaf)?
        }
        "truncated-serverhello" => hostile(Hostile::TruncatedServerHello),
        "oversized-record" => hostile(Hostile::OversizedRecord),
        "alert-mid-handshake" => hostile(Hostile::AlertMidHandshake),
        "unknown-version" => hostile(Hostile::UnknownVersion),
        "silent-after-starttls" => hostile(Hostile::Silent),
        "sslv2-scripted" => {
            let leaf = rsa_leaf()?;
            Some(Tls::Legacy(Legacy::Sslv2 {
                certificate: leaf.cert_der,
            }))
        }
        "battery-scripted" => {
            let leaf = rsa_leaf()?;
            Some(Tls::Battery(crate::scripted::Battery {
                key_pem: leaf.key_pem.clone(),
                chain: vec![leaf.cert_der, pki.intermediate.cert_der.clone()],
            }))
        }
        "sslv3-scripted" => {
            let leaf = rsa_leaf()?;
            Some(Tls::Legacy(Legacy::Sslv3 {
                chain: vec![leaf.cert_der, pki.intermediate.cert_der.clone()],
            }))
        }
        "key-mismatch-tls12" | "key-mismatch-tls13" => {
            let leaf = good()?;
            // A key of the same type (ECDSA P-256) that is not the leaf's: another leaf's.
            let other = good()?;
            let version = if name == "key-mismatch-tls12" {
                &rustls::version::TLS12
            } else {
                &rustls::version::TLS13
            };
            Some(
                mismatched_key_tls(&[&leaf, &pki.intermediate], &other, version)
                    .map_err(|e| tls_err(e.to_string()))?,
            )
        }
        "starttls-not-offered" => {
            starttls = StartTls::NotOffered;
            None
        }
        "starttls-refused" => {
            starttls = StartTls::Refused;
            None
        }
        "ehlo-refused" => {
            starttls = StartTls::NotOffered;
            ehlo_refused = true;
            None
        }
        "close-after-starttls" => {
            starttls = StartTls::CloseAfter;
            None
        }
        "garbage-after-starttls" => {
            starttls = StartTls::GarbageAfter(smtp::STARTTLS_GARBAGE);
            None
        }
        "banner-421" => {
            return Ok(Server {
                refusal: Refusal::Never,
                connections: std::sync::atomic::AtomicU32::new(0),
                kind: Kind::Banner421,
            });
        }
        "silent" => {
            return Ok(Server {
                refusal: Refusal::Never,
                connections: std::sync::atomic::AtomicU32::new(0),
                kind: Kind::Smtp {
                    mode: Mode::Starttls,
                    tls: None,
                    config: Box::new(smtp::config(
                        Greeting::Silent(SILENT_HOLD),
                        StartTls::NotOffered,
                        false,
                    )),
                    one_byte_writes: false,
                    keeps_pipelined: false,
                },
            });
        }
        "garbage-banner" => {
            return Ok(Server {
                refusal: Refusal::Never,
                connections: std::sync::atomic::AtomicU32::new(0),
                kind: Kind::GarbageBanner,
            });
        }
        "endless-line" => {
            return Ok(Server {
                refusal: Refusal::Never,
                connections: std::sync::atomic::AtomicU32::new(0),
                kind: Kind::EndlessLine,
            });
        }
        "reset" => {
            return Ok(Server {
                refusal: Refusal::Never,
                connections: std::sync::atomic::AtomicU32::new(0),
                kind: Kind::Reset,
            });
        }
        "drip" => {
            return Ok(Server {
                refusal: Refusal::Never,
                connections: std::sync::atomic::AtomicU32::new(0),
                kind: Kind::Drip(cfg.drip_pause),
            });
        }
        "terminal-escapes" | "starttls-injection" => {
            let leaf = good()?;
            rustls_server(&[&leaf, &pki.intermediate], &leaf)?
        }
        other => return Err(LabError::UnknownScenario(other.to_string())),
    };
    let greeting = match delay {
        // postscreen-style pregreet test: whoever talks first is rejected.
        Some(delay) if scenario.mode == Mode::Starttls => Greeting::Delayed {
            delay,
            banner: format!("220-{LAB_HOST} ESMTP greeting delayed\r\n220 {LAB_HOST} ready\r\n"),
            reject: "554 5.5.1 Error: SMTP protocol synchronization\r\n".into(),
        },
        _ if name == "terminal-escapes" => Greeting::Banner(format!(
            "220 {LAB_HOST} ESMTP smtp-tls-doctor lab ({name}) {TERMINAL_ESCAPES}\r\n"
        )),
        _ => Greeting::Banner(smtp::banner(name)),
    };
    let mut config = smtp::config(greeting, starttls, ehlo_refused);
    if name == "terminal-escapes" {
        config.extra_keywords = vec![format!("X-TERMINAL {TERMINAL_ESCAPES}")];
    }
    Ok(Server {
        refusal: match name {
            "rate-limited" => Refusal::EveryNth(3),
            "busy" => Refusal::FirstOfBurst {
                gap: Duration::from_secs(5),
                last: std::sync::Mutex::new(None),
            },
            "exim-busy" => Refusal::Concurrent {
                max: 2,
                open: std::sync::Arc::new(std::sync::atomic::AtomicU32::new(0)),
            },
            _ => Refusal::Never,
        },
        connections: std::sync::atomic::AtomicU32::new(0),
        kind: Kind::Smtp {
            mode: scenario.mode,
            tls,
            config: Box::new(config),
            one_byte_writes,
            keeps_pipelined: name == "starttls-injection",
        },
    })
}

impl Server {
    /// Serves one connection. Never panics on client behaviour; every wait
    /// is bounded.
    pub(crate) async fn handle(&self, tcp: TcpStream) {
        let _ = tcp.set_nodelay(true);
        let n = self
            .connections
            .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let mut hold = None;
        let kind = match self.refusal.refuses(n, &mut hold) {
            Some("exim") => &Kind::EximBusy,
            Some(_) => &Kind::Banner421,
            None => &self.kind,
        };
        match kind {
            Kind::Smtp {
                mode,
                tls,
                config,
                one_byte_writes,
                keeps_pipelined,
            } => {
                let io: BoxIo = if *one_byte_writes {
                    Box::new(OneByteWrites::new(tcp))
                } else {
                    Box::new(tcp)
                };
                let mut hooks = Upgrade {
                    tls: tls.as_ref(),
                    keeps_pipelined: *keeps_pipelined,
                };
                doctor::observe::smtp_server::serve(io, smtp::mode(*mode), config, &mut hooks)
                    .await;
            }
            Kind::Drip(pause) => drip(tcp, *pause).await,
            Kind::Reset => {
                // SO_LINGER 0: close() sends a RST instead of a FIN.
                let _ = tcp.set_zero_linger();
                drop(tcp);
            }
            Kind::Banner421 => {
                let ip = tcp
                    .peer_addr()
                    .map(|a| a.ip().to_string())
                    .unwrap_or_else(|_| "unknown".into());
                let reply =
                    format!("421 4.7.0 {LAB_HOST} Error: too many connections from {ip}\r\n");
                let config = smtp::config(Greeting::Refuse(reply), StartTls::NotOffered, false);
                serve(Box::new(tcp), Mode::Starttls, &config, None).await;
            }
            Kind::EximBusy => {
                let reply = format!(
                    "421 {LAB_HOST} Too many concurrent SMTP connections; please try again later.\r\n"
                );
                let config = smtp::config(Greeting::Refuse(reply), StartTls::NotOffered, false);
                serve(Box::new(tcp), Mode::Starttls, &config, None).await;
            }
            Kind::GarbageBanner => {
                let mut tcp = tcp;
                if tcp.write_all(&garbage_banner()).await.is_ok() {
                    smtp::close(&mut tcp).await;
                }
            }
            Kind::EndlessLine => {
                let mut tcp = tcp;
                let _ = endless_line(&mut tcp).await;
                smtp::close(&mut tcp).await;
            }
        }
    }
}

/// Runs the SMTP session on `io`, with `tls` as the upgrade.
async fn serve(io: BoxIo, mode: Mode, config: &Config, tls: Option<&Tls>) {
    let mut hooks = Upgrade {
        tls,
        keeps_pipelined: false,
    };
    doctor::observe::smtp_server::serve(io, smtp::mode(mode), config, &mut hooks).await;
}

/// A scenario's hooks: its TLS server (none: the connection is dropped). Bytes a client
/// pipelined after STARTTLS are discarded, except by the starttls-injection server, which (like
/// Postfix before 2.8.0, CVE-2011-0411) leaves them in its input and reads them as the first
/// commands of the TLS session.
struct Upgrade<'a> {
    tls: Option<&'a Tls>,
    keeps_pipelined: bool,
}

impl Hooks for Upgrade<'_> {
    async fn upgrade(&mut self, io: BoxIo, pending: Vec<u8>) -> Option<BoxIo> {
        let tls = self.tls?.accept(io).await?;
        if self.keeps_pipelined && !pending.is_empty() {
            return Some(Box::new(doctor::observe::stream::Replay::new(tls, pending)));
        }
        Some(tls)
    }
}

async fn endless_line(tcp: &mut TcpStream) -> std::io::Result<()> {
    tcp.write_all(b"220 ").await?;
    let chunk = [b'x'; ENDLESS_CHUNK];
    let mut sent = 0;
    while sent < ENDLESS_TOTAL {
        match timeout(IDLE_TIMEOUT, tcp.write_all(&chunk)).await {
            Ok(result) => result?,
            Err(_) => return Ok(()),
        }
        sent += ENDLESS_CHUNK;
        tokio::time::sleep(ENDLESS_PAUSE).await;
    }
    Ok(())
}

/// 200 bytes that start like a TLS 1.2 ServerHello record, followed by
/// pseudo-random bytes (no line feed) and a final CRLF, so that a line-based
/// reader gets one line of binary junk.
pub(crate) fn garbage_banner() -> Vec<u8> {
    let mut out = vec![
        0x16, 0x03, 0x03, 0x00, 0xc3, 0x02, 0x00, 0x00, 0xbf, 0x03, 0x03,
    ];
    let mut state: u32 = 0x5eed_1ab5;
    while out.len() < 198 {
        // xorshift32
        state ^= state << 13;
        state ^= state >> 17;
        state ^= state << 5;
        let b = (state >> 24) as u8;
        out.push(if b == b'\n' || b == b'\r' { 0xff } else { b });
    }
    out.extend_from_slice(b"\r\n");
    out
}

fn provider() -> CryptoProvider {
    ring::default_provider()
}

fn cert_chain(chain: &[&Issued]) -> Vec<CertificateDer<'static>> {
    chain
        .iter()
        .map(|c| CertificateDer::from(c.cert_der.clone()))
        .collect()
}

fn private_key(key: &Issued) -> Result<PrivateKeyDer<'static>, rustls::Error> {
    PrivateKeyDer::from_pem_slice(key.key_pem.as_bytes())
        .map_err(|e| rustls::Error::General(format!("cannot parse private key: {e}")))
}

fn certified_key(
    chain: &[&Issued],
    key: &Issued,
    provider: &CryptoProvider,
) -> Result<CertifiedKey, rustls::Error> {
    CertifiedKey::from_der(cert_chain(chain), private_key(key)?, provider)
}

/// A rustls server (TLS 1.2 and 1.3, ring) that sends exactly `chain`.
fn rustls_tls(chain: &[&Issued], key: &Issued) -> Result<Tls, rustls::Error> {
    let mut config = rustls::ServerConfig::builder_with_provider(Arc::new(provider()))
        .with_protocol_versions(&[&rustls::version::TLS13, &rustls::version::TLS12])?
        .with_no_client_auth()
        .with_single_cert(cert_chain(chain), private_key(key)?)?;
    // A well-run server enforces its own suite order (the tool reports a note otherwise).
    config.ignore_client_order = true;
    Ok(Tls::Rustls(tokio_rustls::TlsAcceptor::from(Arc::new(
        config,
    ))))
}

/// A rustls server (one version, ring) that sends `chain` but signs its handshakes with the key
/// of `key`, which is not the leaf's: `CertifiedKey::new` does not compare them (as
/// `with_single_cert` would, refusing).
fn mismatched_key_tls(
    chain: &[&Issued],
    key: &Issued,
    version: &'static rustls::SupportedProtocolVersion,
) -> Result<Tls, rustls::Error> {
    let provider = provider();
    let signing_key = provider.key_provider.load_private_key(private_key(key)?)?;
    let certified = CertifiedKey::new(cert_chain(chain), signing_key);
    let mut config = rustls::ServerConfig::builder_with_provider(Arc::new(provider))
        .with_protocol_versions(&[version])?
        .with_no_client_auth()
        .with_cert_resolver(Arc::new(rustls::sign::SingleCertAndKey::from(certified)));
    config.ignore_client_order = true;
    Ok(Tls::Rustls(tokio_rustls::TlsAcceptor::from(Arc::new(
        config,
    ))))
}

/// An OpenSSL server context at security level 0 for the given versions.
fn openssl_ctx(
    leaf: &Issued,
    extra: &[&Issued],
    min: SslVersion,
    max: SslVersion,
    ciphers: &str,
) -> Result<SslContext, openssl::error::ErrorStack> {
    OpensslSpec {
        min,
        max,
        security_level: 0,
        ciphers: Some(ciphers),
        ..OpensslSpec::new(&[leaf], extra)
    }
    .build()
}

/// What an OpenSSL server context is made of. The context starts from
/// `SslMethod::tls_server()` (not a Mozilla profile, whose NO_TLSV1 options
/// `set_min_proto_version` would not clear).
struct OpensslSpec<'a> {
    /// One leaf per key type (OpenSSL keeps one RSA and one ECDSA slot and
    /// picks the one that suits the client).
    leaves: &'a [&'a Issued],
    /// Sent after whichever leaf is chosen (all leaves share one issuer).
    extra: &'a [&'a Issued],
    min: SslVersion,
    max: SslVersion,
    /// 0 for legacy protocols and weak parameters; 2 is Debian's default.
    security_level: u32,
    /// TLS 1.2 and older suites (OpenSSL cipher string); None: default.
    ciphers: Option<&'a str>,
    /// TLS 1.3 suites; None: OpenSSL's default (AES-256-GCM, ChaCha20, AES-128-GCM).
    ciphersuites: Option<&'a str>,
    /// Supported groups; None: OpenSSL's default.
    groups: Option<&'a str>,
    /// SSL_OP_CIPHER_SERVER_PREFERENCE.
    server_preference: bool,
    /// Fixed DHE parameters.
    dh: Option<Dh<Params>>,
    /// SSL_OP_ALLOW_CLIENT_RENEGOTIATION: accept client-initiated renegotiation, as OpenSSL
    /// did by default before 3.0.
    client_renegotiation: bool,
}

impl<'a> OpensslSpec<'a> {
    fn new(leaves: &'a [&'a Issued], extra: &'a [&'a Issued]) -> Self {
        OpensslSpec {
            leaves,
            extra,
            min: SslVersion::TLS1_2,
            max: SslVersion::TLS1_3,
            security_level: 2,
            ciphers: None,
            ciphersuites: None,
            groups: None,
            server_preference: false,
            dh: None,
            client_renegotiation: false,
        }
    }

    fn build(&self) -> Result<SslContext, openssl::error::ErrorStack> {
        let mut b = SslContext::builder(SslMethod::tls_server())?;
        b.set_security_level(self.security_level);
        b.clear_options(SslOptions::NO_TLSV1 | SslOptions::NO_TLSV1_1 | SslOptions::NO_TLSV1_2);
        b.set_min_proto_version(Some(self.min))?;
        b.set_max_proto_version(Some(self.max))?;
        if let Some(ciphers) = self.ciphers {
            b.set_cipher_list(ciphers)?;
        }
        if let Some(suites) = self.ciphersuites {
            b.set_ciphersuites(suites)?;
        }
        if let Some(groups) = self.groups {
            b.set_groups_list(groups)?;
        }
        if self.server_preference {
            b.set_options(SslOptions::CIPHER_SERVER_PREFERENCE);
        }
        if let Some(dh) = &self.dh {
            b.set_tmp_dh(dh)?;
        }
        if self.client_renegotiation {
            b.set_options(SslOptions::from_bits_retain(
                ALLOW_CLIENT_RENEGOTIATION as _,
            ));
        }
        for leaf in self.leaves {
            let cert = X509::from_der(&leaf.cert_der)?;
            let key = PKey::private_key_from_pem(leaf.key_pem.as_bytes())?;
            b.set_certificate(&cert)?;
            b.set_private_key(&key)?;
            b.check_private_key()?;
        }
        for cert in self.extra {
            b.add_extra_chain_cert(X509::from_der(&cert.cert_der)?)?;
        }
        Ok(b.build())
    }
}

/// SSL_OP_ALLOW_CLIENT_RENEGOTIATION (OpenSSL 3.0's ssl.h: SSL_OP_BIT(8)); the openssl crate
/// has no name for it.
pub(crate) const ALLOW_CLIENT_RENEGOTIATION: u64 = 1 << 8;

/// OpenSSL 3.0's default elliptic-curve groups, pinned so that the lab
/// accepts the same groups with every OpenSSL version (3.0 would also accept
/// the RFC 7919 ffdhe groups in TLS 1.3, later versions ML-KEM hybrids).
const EC_GROUPS: &str = "X25519:P-256:X448:P-521:P-384";

/// The 1024-bit MODP group of RFC 2409 (Oakley group 2), generator 2: the
/// classic weak DHE group (Logjam).
fn rfc2409_group2() -> Result<Dh<Params>, openssl::error::ErrorStack> {
    Dh::from_pqg(
        BigNum::get_rfc2409_prime_1024()?,
        None,
        BigNum::from_u32(2)?,
    )
}

/// sni-required: lab names get the lab chain; no SNI (or a foreign name)
/// gets a chain for default.invalid, like Exim's tls_sni defaults.
#[derive(Debug)]
struct SniResolver {
    lab: Arc<CertifiedKey>,
    fallback: Arc<CertifiedKey>,
}

impl ResolvesServerCert for SniResolver {
    fn resolve(&self, client_hello: ClientHello<'_>) -> Option<Arc<CertifiedKey>> {
        let is_lab = client_hello
            .server_name()
            .map(|n| {
                let n = n.to_ascii_lowercase();
                n == LAB_HOST || n == "lab.test" || n.ends_with(".lab.test")
            })
            .unwrap_or(false);
        Some(if is_lab {
            Arc::clone(&self.lab)
        } else {
            Arc::clone(&self.fallback)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_unique_kebab_case() {
        let all = scenarios();
        for (i, s) in all.iter().enumerate() {
            assert!(
                s.name
                    .chars()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-'),
                "{}",
                s.name
            );
            assert!(
                all[i + 1..].iter().all(|o| o.name != s.name),
                "duplicate {}",
                s.name
            );
            assert!(!s.summary.is_empty() && !s.diagnosis.is_empty());
            assert!(s.expect_error_phase.is_none() || s.expect_findings.is_empty());
        }
    }

    #[test]
    fn garbage_banner_shape() {
        let g = garbage_banner();
        assert_eq!(g.len(), 200);
        assert_eq!(&g[..3], &[0x16, 0x03, 0x03]);
        assert_eq!(g.iter().filter(|&&b| b == b'\n').count(), 1);
        assert!(g.ends_with(b"\r\n"));
        assert!(!g.starts_with(b"220"));
    }
}
