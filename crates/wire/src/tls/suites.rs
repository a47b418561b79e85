//! The IANA TLS Cipher Suites registry as data: key exchange,
//! authentication, cipher, MAC, key size and version constraints of every
//! assigned suite, with the OpenSSL name where OpenSSL has one.
//!
//! Sources:
//! * Code points and names: the IANA "TLS Cipher Suites" registry
//!   (<https://www.iana.org/assignments/tls-parameters/>, registry
//!   tls-parameters-4), which cites RFC 2712 (KRB5), RFC 4162 (SEED),
//!   RFC 4279 / 4785 / 5487 / 5489 (PSK), RFC 4346 (EXPORT), RFC 5054 (SRP),
//!   RFC 5246, RFC 5288 / 5289 (GCM, SHA-2), RFC 5932 / 6367 (CAMELLIA),
//!   RFC 6209 (ARIA), RFC 6655 / 7251 (CCM), RFC 7905 (ChaCha20-Poly1305),
//!   RFC 8422 (ECC), RFC 8442 (ECDHE_PSK AEAD), RFC 8446 (TLS 1.3),
//!   RFC 8492 (ECCPWD), RFC 8998 (ShangMi), RFC 9150 (integrity-only TLS
//!   1.3), RFC 9189 and RFC 9367 (GOST) and draft-irtf-cfrg-aegis-aead
//!   (AEGIS). The signalling values 0x00FF (TLS_EMPTY_RENEGOTIATION_INFO_SCSV,
//!   RFC 5746) and 0x5600 (TLS_FALLBACK_SCSV, RFC 7507) are not suites and
//!   are not in the table; neither are the reserved, never-assigned
//!   0x0060..=0x0066 "EXPORT1024" suites of old OpenSSL versions.
//! * Key exchange, authentication, cipher, MAC and key sizes: derived from
//!   the IANA names, cross-checked against the per-suite list of the
//!   rusticata tls-parser crate (`scripts/tls-ciphersuites.txt`, MIT /
//!   Apache-2.0), with these deliberate differences: 3DES counts 112
//!   effective bits (not 168), ChaCha20 256 bits, EXPORT suites 40 bits,
//!   anonymous (EC)DH is classed as ephemeral (`Dhe` / `Ecdhe`, as OpenSSL
//!   does: `ADH-*` and `AECDH-*` are `Kx=DH` / `Kx=ECDH`).
//! * OpenSSL names: `openssl ciphers -V 'ALL:COMPLEMENTOFALL:@SECLEVEL=0'`
//!   of OpenSSL 3.0, plus the names that OpenSSL's `ssl3.h` / `tls1.h`
//!   (and the Kerberos names of OpenSSL 0.9.8 - 1.0.2, the GOST names of
//!   `ssl/s3_lib.c`) define for suites this build lacks (RC4, 3DES, DES,
//!   EXPORT, SEED, IDEA, static DH / ECDH, ...). `None` where no OpenSSL
//!   version has ever had the suite.
//!
//! The SSL 2.0 cipher kinds are in [`super::sslv2`], re-exported here as
//! [`sslv2_cipher_name`].

use serde::Serialize;

pub use super::sslv2::sslv2_cipher_name;

/// Key exchange of a cipher suite (the part before `_WITH_` in the IANA
/// name). Serialised in kebab-case (`"dhe-export"`, `"tls13"`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Kx {
    /// None at all (TLS_NULL_WITH_NULL_NULL).
    Null,
    /// RSA key transport (static: no forward secrecy).
    Rsa,
    /// RSA_EXPORT: a temporary 512-bit RSA key in the ServerKeyExchange.
    RsaExport,
    /// Static DH with the DH key of the certificate (DH_DSS, DH_RSA).
    Dh,
    /// Ephemeral finite-field DH (DHE_DSS, DHE_RSA, and anonymous DH_anon).
    Dhe,
    /// Ephemeral DH limited to 512 bits (DHE_*_EXPORT, DH_anon_EXPORT).
    DheExport,
    /// Static ECDH with the EC key of the certificate (ECDH_ECDSA, ECDH_RSA).
    Ecdh,
    /// Ephemeral ECDH (ECDHE_ECDSA, ECDHE_RSA, and anonymous ECDH_anon).
    Ecdhe,
    /// Pre-shared key only (PSK).
    Psk,
    /// PSK with ephemeral DH (DHE_PSK, PSK_DHE).
    DhePsk,
    /// PSK with ephemeral ECDH (ECDHE_PSK).
    EcdhePsk,
    /// PSK with RSA key transport (RSA_PSK).
    RsaPsk,
    /// Secure Remote Password (SRP_SHA*, RFC 5054).
    Srp,
    /// Kerberos 5 (KRB5, RFC 2712).
    Krb5,
    /// GOST R 34.10-2012 key agreement (RFC 9189).
    Gost,
    /// ECC password-based (ECCPWD, RFC 8492).
    Eccpwd,
    /// A TLS 1.3 suite: the key exchange is negotiated separately, through
    /// key_share (any group).
    Tls13,
}

/// How the server is authenticated. Serialised in kebab-case.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Auth {
    /// Not at all: anonymous (EC)DH (`DH_anon`, `ECDH_anon`).
    Anon,
    /// RSA certificate.
    Rsa,
    /// DSA certificate.
    Dss,
    /// ECDSA certificate.
    Ecdsa,
    /// The pre-shared key (PSK, DHE_PSK, ECDHE_PSK).
    Psk,
    /// Kerberos 5.
    Krb5,
    /// GOST R 34.10-2012 certificate.
    Gost,
    /// The SRP password (SRP_SHA without RSA / DSS).
    Srp,
    /// The ECCPWD password.
    Eccpwd,
    /// A TLS 1.3 suite: by the certificate, whatever its type.
    Tls13,
    /// No key exchange either (TLS_NULL_WITH_NULL_NULL).
    Null,
}

/// Which versions may negotiate a suite (internal: builds the flags).
#[derive(Clone, Copy)]
enum Class {
    /// SSLv3 to TLS 1.2.
    Any,
    /// TLS 1.2 only (SHA-256 / SHA-384 PRF, AEAD ciphers, GOST).
    Tls12,
    /// TLS 1.3 only.
    Tls13,
    /// EXPORT (SSLv3 to TLS 1.0 in practice).
    Export,
}
use Class::{Any, Export, Tls12, Tls13};

/// One IANA cipher suite.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct SuiteInfo {
    /// The code point, e.g. 0xc02f.
    pub id: u16,
    /// The IANA name, e.g. `TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256`.
    pub iana: &'static str,
    /// The OpenSSL name, e.g. `ECDHE-RSA-AES128-GCM-SHA256`, if OpenSSL has
    /// (or had) the suite.
    pub openssl: Option<&'static str>,
    /// Key exchange.
    pub kx: Kx,
    /// Server authentication.
    pub auth: Auth,
    /// Bulk cipher: `"AES-128-GCM"`, `"AES-256-CBC"`, `"CHACHA20-POLY1305"`,
    /// `"3DES-EDE-CBC"`, `"RC4-128"`, `"RC4-40"`, `"DES-CBC"`,
    /// `"DES40-CBC"`, `"RC2-CBC-40"`, `"IDEA-CBC"`, `"SEED-CBC"`,
    /// `"CAMELLIA-128-CBC"`, `"ARIA-256-GCM"`, `"AES-128-CCM"`,
    /// `"AES-128-CCM-8"`, `"SM4-GCM"`, `"AEGIS-256"`, `"KUZNYECHIK-CTR"`,
    /// `"MAGMA-MGM-L"`, `"GOST28147-CNT"`, ... or `"NULL"`.
    pub enc: &'static str,
    /// MAC: `"AEAD"` (GCM, CCM, ChaCha20-Poly1305, MGM, AEGIS), `"SHA1"`,
    /// `"SHA256"`, `"SHA384"`, `"MD5"`, `"KUZNYECHIK-OMAC"`, `"MAGMA-OMAC"`,
    /// `"GOST28147-IMIT"` or `"NULL"`.
    pub mac: &'static str,
    /// Effective symmetric key bits: 0 for NULL encryption, 40 for EXPORT,
    /// 56 for DES, 112 for 3DES.
    pub bits: u16,
    /// A TLS 1.3 suite: 0x1301..=0x1307, and the TLS 1.3-only suites
    /// outside that block (0x00C6/0x00C7 ShangMi, 0xC0B4/0xC0B5
    /// integrity-only, 0xC103..=0xC106 GOST).
    pub tls13: bool,
    /// Requires TLS 1.2 (SHA-256 / SHA-384 PRF, GCM / CCM / ChaCha20 AEAD,
    /// GOST): may not be offered or accepted below TLS 1.2.
    pub tls12_only: bool,
    /// An EXPORT suite (40-bit keys; 512-bit RSA / DH).
    pub export: bool,
}

impl SuiteInfo {
    /// Whether the key exchange is ephemeral (EC)DH, so that a later leak
    /// of the server's key does not expose the session: DHE, ECDHE (also
    /// anonymous and EXPORT DHE), DHE_PSK, ECDHE_PSK and TLS 1.3.
    pub fn forward_secret(&self) -> bool {
        matches!(
            self.kx,
            Kx::Dhe | Kx::DheExport | Kx::Ecdhe | Kx::DhePsk | Kx::EcdhePsk | Kx::Tls13
        )
    }

    /// The main weakness of the suite, if it has one of these (checked in
    /// this order): `"NULL encryption"`, `"EXPORT"`, `"anonymous (no
    /// authentication)"`, `"RC4"`, `"DES"`, `"3DES"`, `"MD5 MAC"`.
    pub fn weakness(&self) -> Option<&'static str> {
        if self.enc == "NULL" {
            Some("NULL encryption")
        } else if self.export {
            Some("EXPORT")
        } else if self.auth == Auth::Anon || self.auth == Auth::Null {
            Some("anonymous (no authentication)")
        } else if self.enc.starts_with("RC4") {
            Some("RC4")
        } else if self.enc.starts_with("DES") {
            Some("DES")
        } else if self.enc.starts_with("3DES") {
            Some("3DES")
        } else if self.mac == "MD5" {
            Some("MD5 MAC")
        } else {
            None
        }
    }
}

#[allow(clippy::too_many_arguments)]
const fn s(
    id: u16,
    iana: &'static str,
    openssl: Option<&'static str>,
    kx: Kx,
    auth: Auth,
    enc: &'static str,
    mac: &'static str,
    bits: u16,
    class: Class,
) -> SuiteInfo {
    SuiteInfo {
        id,
        iana,
        openssl,
        kx,
        auth,
        enc,
        mac,
        bits,
        tls13: matches!(class, Class::Tls13),
        tls12_only: matches!(class, Class::Tls12),
        export: matches!(class, Class::Export),
    }
}

/// Every IANA-assigned cipher suite, sorted by code point (a test checks
/// the order, so that [`suite_info`] can binary-search).
#[rustfmt::skip]
static SUITES: &[SuiteInfo] = &[
    s(0x0000, "TLS_NULL_WITH_NULL_NULL", None, Kx::Null, Auth::Null, "NULL", "NULL", 0, Any),
    s(0x0001, "TLS_RSA_WITH_NULL_MD5", Some("NULL-MD5"), Kx::Rsa, Auth::Rsa, "NULL", "MD5", 0, Any),
    s(0x0002, "TLS_RSA_WITH_NULL_SHA", Some("NULL-SHA"), Kx::Rsa, Auth::Rsa, "NULL", "SHA1", 0, Any),
    s(0x0003, "TLS_RSA_EXPORT_WITH_RC4_40_MD5", Some("EXP-RC4-MD5"), Kx::RsaExport, Auth::Rsa, "RC4-40", "MD5", 40, Export),
    s(0x0004, "TLS_RSA_WITH_RC4_128_MD5", Some("RC4-MD5"), Kx::Rsa, Auth::Rsa, "RC4-128", "MD5", 128, Any),
    s(0x0005, "TLS_RSA_WITH_RC4_128_SHA", Some("RC4-SHA"), Kx::Rsa, Auth::Rsa, "RC4-128", "SHA1", 128, Any),
    s(0x0006, "TLS_RSA_EXPORT_WITH_RC2_CBC_40_MD5", Some("EXP-RC2-CBC-MD5"), Kx::RsaExport, Auth::Rsa, "RC2-CBC-40", "MD5", 40, Export),
    s(0x0007, "TLS_RSA_WITH_IDEA_CBC_SHA", Some("IDEA-CBC-SHA"), Kx::Rsa, Auth::Rsa, "IDEA-CBC", "SHA1", 128, Any),
    s(0x0008, "TLS_RSA_EXPORT_WITH_DES40_CBC_SHA", Some("EXP-DES-CBC-SHA"), Kx::RsaExport, Auth::Rsa, "DES40-CBC", "SHA1", 40, Export),
    s(0x0009, "TLS_RSA_WITH_DES_CBC_SHA", Some("DES-CBC-SHA"), Kx::Rsa, Auth::Rsa, "DES-CBC", "SHA1", 56, Any),
    s(0x000a, "TLS_RSA_WITH_3DES_EDE_CBC_SHA", Some("DES-CBC3-SHA"), Kx::Rsa, Auth::Rsa, "3DES-EDE-CBC", "SHA1", 112, Any),
    s(0x000b, "TLS_DH_DSS_EXPORT_WITH_DES40_CBC_SHA", Some("EXP-DH-DSS-DES-CBC-SHA"), Kx::Dh, Auth::Dss, "DES40-CBC", "SHA1", 40, Export),
    s(0x000c, "TLS_DH_DSS_WITH_DES_CBC_SHA", Some("DH-DSS-DES-CBC-SHA"), Kx::Dh, Auth::Dss, "DES-CBC", "SHA1", 56, Any),
    s(0x000d, "TLS_DH_DSS_WITH_3DES_EDE_CBC_SHA", Some("DH-DSS-DES-CBC3-SHA"), Kx::Dh, Auth::Dss, "3DES-EDE-CBC", "SHA1", 112, Any),
    s(0x000e, "TLS_DH_RSA_EXPORT_WITH_DES40_CBC_SHA", Some("EXP-DH-RSA-DES-CBC-SHA"), Kx::Dh, Auth::Rsa, "DES40-CBC", "SHA1", 40, Export),
    s(0x000f, "TLS_DH_RSA_WITH_DES_CBC_SHA", Some("DH-RSA-DES-CBC-SHA"), Kx::Dh, Auth::Rsa, "DES-CBC", "SHA1", 56, Any),
    s(0x0010, "TLS_DH_RSA_WITH_3DES_EDE_CBC_SHA", Some("DH-RSA-DES-CBC3-SHA"), Kx::Dh, Auth::Rsa, "3DES-EDE-CBC", "SHA1", 112, Any),
    s(0x0011, "TLS_DHE_DSS_EXPORT_WITH_DES40_CBC_SHA", Some("EXP-DHE-DSS-DES-CBC-SHA"), Kx::DheExport, Auth::Dss, "DES40-CBC", "SHA1", 40, Export),
    s(0x0012, "TLS_DHE_DSS_WITH_DES_CBC_SHA", Some("DHE-DSS-DES-CBC-SHA"), Kx::Dhe, Auth::Dss, "DES-CBC", "SHA1", 56, Any),
    s(0x0013, "TLS_DHE_DSS_WITH_3DES_EDE_CBC_SHA", Some("DHE-DSS-DES-CBC3-SHA"), Kx::Dhe, Auth::Dss, "3DES-EDE-CBC", "SHA1", 112, Any),
    s(0x0014, "TLS_DHE_RSA_EXPORT_WITH_DES40_CBC_SHA", Some("EXP-DHE-RSA-DES-CBC-SHA"), Kx::DheExport, Auth::Rsa, "DES40-CBC", "SHA1", 40, Export),
    s(0x0015, "TLS_DHE_RSA_WITH_DES_CBC_SHA", Some("DHE-RSA-DES-CBC-SHA"), Kx::Dhe, Auth::Rsa, "DES-CBC", "SHA1", 56, Any),
    s(0x0016, "TLS_DHE_RSA_WITH_3DES_EDE_CBC_SHA", Some("DHE-RSA-DES-CBC3-SHA"), Kx::Dhe, Auth::Rsa, "3DES-EDE-CBC", "SHA1", 112, Any),
    s(0x0017, "TLS_DH_anon_EXPORT_WITH_RC4_40_MD5", Some("EXP-ADH-RC4-MD5"), Kx::DheExport, Auth::Anon, "RC4-40", "MD5", 40, Export),
    s(0x0018, "TLS_DH_anon_WITH_RC4_128_MD5", Some("ADH-RC4-MD5"), Kx::Dhe, Auth::Anon, "RC4-128", "MD5", 128, Any),
    s(0x0019, "TLS_DH_anon_EXPORT_WITH_DES40_CBC_SHA", Some("EXP-ADH-DES-CBC-SHA"), Kx::DheExport, Auth::Anon, "DES40-CBC", "SHA1", 40, Export),
    s(0x001a, "TLS_DH_anon_WITH_DES_CBC_SHA", Some("ADH-DES-CBC-SHA"), Kx::Dhe, Auth::Anon, "DES-CBC", "SHA1", 56, Any),
    s(0x001b, "TLS_DH_anon_WITH_3DES_EDE_CBC_SHA", Some("ADH-DES-CBC3-SHA"), Kx::Dhe, Auth::Anon, "3DES-EDE-CBC", "SHA1", 112, Any),
    s(0x001e, "TLS_KRB5_WITH_DES_CBC_SHA", Some("KRB5-DES-CBC-SHA"), Kx::Krb5, Auth::Krb5, "DES-CBC", "SHA1", 56, Any),
    s(0x001f, "TLS_KRB5_WITH_3DES_EDE_CBC_SHA", Some("KRB5-DES-CBC3-SHA"), Kx::Krb5, Auth::Krb5, "3DES-EDE-CBC", "SHA1", 112, Any),
    s(0x0020, "TLS_KRB5_WITH_RC4_128_SHA", Some("KRB5-RC4-SHA"), Kx::Krb5, Auth::Krb5, "RC4-128", "SHA1", 128, Any),
    s(0x0021, "TLS_KRB5_WITH_IDEA_CBC_SHA", Some("KRB5-IDEA-CBC-SHA"), Kx::Krb5, Auth::Krb5, "IDEA-CBC", "SHA1", 128, Any),
    s(0x0022, "TLS_KRB5_WITH_DES_CBC_MD5", Some("KRB5-DES-CBC-MD5"), Kx::Krb5, Auth::Krb5, "DES-CBC", "MD5", 56, Any),
    s(0x0023, "TLS_KRB5_WITH_3DES_EDE_CBC_MD5", Some("KRB5-DES-CBC3-MD5"), Kx::Krb5, Auth::Krb5, "3DES-EDE-CBC", "MD5", 112, Any),
    s(0x0024, "TLS_KRB5_WITH_RC4_128_MD5", Some("KRB5-RC4-MD5"), Kx::Krb5, Auth::Krb5, "RC4-128", "MD5", 128, Any),
    s(0x0025, "TLS_KRB5_WITH_IDEA_CBC_MD5", Some("KRB5-IDEA-CBC-MD5"), Kx::Krb5, Auth::Krb5, "IDEA-CBC", "MD5", 128, Any),
    s(0x0026, "TLS_KRB5_EXPORT_WITH_DES_CBC_40_SHA", Some("EXP-KRB5-DES-CBC-SHA"), Kx::Krb5, Auth::Krb5, "DES40-CBC", "SHA1", 40, Export),
    s(0x0027, "TLS_KRB5_EXPORT_WITH_RC2_CBC_40_SHA", Some("EXP-KRB5-RC2-CBC-SHA"), Kx::Krb5, Auth::Krb5, "RC2-CBC-40", "SHA1", 40, Export),
    s(0x0028, "TLS_KRB5_EXPORT_WITH_RC4_40_SHA", Some("EXP-KRB5-RC4-SHA"), Kx::Krb5, Auth::Krb5, "RC4-40", "SHA1", 40, Export),
    s(0x0029, "TLS_KRB5_EXPORT_WITH_DES_CBC_40_MD5", Some("EXP-KRB5-DES-CBC-MD5"), Kx::Krb5, Auth::Krb5, "DES40-CBC", "MD5", 40, Export),
    s(0x002a, "TLS_KRB5_EXPORT_WITH_RC2_CBC_40_MD5", Some("EXP-KRB5-RC2-CBC-MD5"), Kx::Krb5, Auth::Krb5, "RC2-CBC-40", "MD5", 40, Export),
    s(0x002b, "TLS_KRB5_EXPORT_WITH_RC4_40_MD5", Some("EXP-KRB5-RC4-MD5"), Kx::Krb5, Auth::Krb5, "RC4-40", "MD5", 40, Export),
    s(0x002c, "TLS_PSK_WITH_NULL_SHA", Some("PSK-NULL-SHA"), Kx::Psk, Auth::Psk, "NULL", "SHA1", 0, Any),
    s(0x002d, "TLS_DHE_PSK_WITH_NULL_SHA", Some("DHE-PSK-NULL-SHA"), Kx::DhePsk, Auth::Psk, "NULL", "SHA1", 0, Any),
    s(0x002e, "TLS_RSA_PSK_WITH_NULL_SHA", Some("RSA-PSK-NULL-SHA"), Kx::RsaPsk, Auth::Rsa, "NULL", "SHA1", 0, Any),
    s(0x002f, "TLS_RSA_WITH_AES_128_CBC_SHA", Some("AES128-SHA"), Kx::Rsa, Auth::Rsa, "AES-128-CBC", "SHA1", 128, Any),
    s(0x0030, "TLS_DH_DSS_WITH_AES_128_CBC_SHA", Some("DH-DSS-AES128-SHA"), Kx::Dh, Auth::Dss, "AES-128-CBC", "SHA1", 128, Any),
    s(0x0031, "TLS_DH_RSA_WITH_AES_128_CBC_SHA", Some("DH-RSA-AES128-SHA"), Kx::Dh, Auth::Rsa, "AES-128-CBC", "SHA1", 128, Any),
    s(0x0032, "TLS_DHE_DSS_WITH_AES_128_CBC_SHA", Some("DHE-DSS-AES128-SHA"), Kx::Dhe, Auth::Dss, "AES-128-CBC", "SHA1", 128, Any),
    s(0x0033, "TLS_DHE_RSA_WITH_AES_128_CBC_SHA", Some("DHE-RSA-AES128-SHA"), Kx::Dhe, Auth::Rsa, "AES-128-CBC", "SHA1", 128, Any),
    s(0x0034, "TLS_DH_anon_WITH_AES_128_CBC_SHA", Some("ADH-AES128-SHA"), Kx::Dhe, Auth::Anon, "AES-128-CBC", "SHA1", 128, Any),
    s(0x0035, "TLS_RSA_WITH_AES_256_CBC_SHA", Some("AES256-SHA"), Kx::Rsa, Auth::Rsa, "AES-256-CBC", "SHA1", 256, Any),
    s(0x0036, "TLS_DH_DSS_WITH_AES_256_CBC_SHA", Some("DH-DSS-AES256-SHA"), Kx::Dh, Auth::Dss, "AES-256-CBC", "SHA1", 256, Any),
    s(0x0037, "TLS_DH_RSA_WITH_AES_256_CBC_SHA", Some("DH-RSA-AES256-SHA"), Kx::Dh, Auth::Rsa, "AES-256-CBC", "SHA1", 256, Any),
    s(0x0038, "TLS_DHE_DSS_WITH_AES_256_CBC_SHA", Some("DHE-DSS-AES256-SHA"), Kx::Dhe, Auth::Dss, "AES-256-CBC", "SHA1", 256, Any),
    s(0x0039, "TLS_DHE_RSA_WITH_AES_256_CBC_SHA", Some("DHE-RSA-AES256-SHA"), Kx::Dhe, Auth::Rsa, "AES-256-CBC", "SHA1", 256, Any),
    s(0x003a, "TLS_DH_anon_WITH_AES_256_CBC_SHA", Some("ADH-AES256-SHA"), Kx::Dhe, Auth::Anon, "AES-256-CBC", "SHA1", 256, Any),
    s(0x003b, "TLS_RSA_WITH_NULL_SHA256", Some("NULL-SHA256"), Kx::Rsa, Auth::Rsa, "NULL", "SHA256", 0, Tls12),
    s(0x003c, "TLS_RSA_WITH_AES_128_CBC_SHA256", Some("AES128-SHA256"), Kx::Rsa, Auth::Rsa, "AES-128-CBC", "SHA256", 128, Tls12),
    s(0x003d, "TLS_RSA_WITH_AES_256_CBC_SHA256", Some("AES256-SHA256"), Kx::Rsa, Auth::Rsa, "AES-256-CBC", "SHA256", 256, Tls12),
    s(0x003e, "TLS_DH_DSS_WITH_AES_128_CBC_SHA256", Some("DH-DSS-AES128-SHA256"), Kx::Dh, Auth::Dss, "AES-128-CBC", "SHA256", 128, Tls12),
    s(0x003f, "TLS_DH_RSA_WITH_AES_128_CBC_SHA256", Some("DH-RSA-AES128-SHA256"), Kx::Dh, Auth::Rsa, "AES-128-CBC", "SHA256", 128, Tls12),
    s(0x0040, "TLS_DHE_DSS_WITH_AES_128_CBC_SHA256", Some("DHE-DSS-AES128-SHA256"), Kx::Dhe, Auth::Dss, "AES-128-CBC", "SHA256", 128, Tls12),
    s(0x0041, "TLS_RSA_WITH_CAMELLIA_128_CBC_SHA", Some("CAMELLIA128-SHA"), Kx::Rsa, Auth::Rsa, "CAMELLIA-128-CBC", "SHA1", 128, Any),
    s(0x0042, "TLS_DH_DSS_WITH_CAMELLIA_128_CBC_SHA", Some("DH-DSS-CAMELLIA128-SHA"), Kx::Dh, Auth::Dss, "CAMELLIA-128-CBC", "SHA1", 128, Any),
    s(0x0043, "TLS_DH_RSA_WITH_CAMELLIA_128_CBC_SHA", Some("DH-RSA-CAMELLIA128-SHA"), Kx::Dh, Auth::Rsa, "CAMELLIA-128-CBC", "SHA1", 128, Any),
    s(0x0044, "TLS_DHE_DSS_WITH_CAMELLIA_128_CBC_SHA", Some("DHE-DSS-CAMELLIA128-SHA"), Kx::Dhe, Auth::Dss, "CAMELLIA-128-CBC", "SHA1", 128, Any),
    s(0x0045, "TLS_DHE_RSA_WITH_CAMELLIA_128_CBC_SHA", Some("DHE-RSA-CAMELLIA128-SHA"), Kx::Dhe, Auth::Rsa, "CAMELLIA-128-CBC", "SHA1", 128, Any),
    s(0x0046, "TLS_DH_anon_WITH_CAMELLIA_128_CBC_SHA", Some("ADH-CAMELLIA128-SHA"), Kx::Dhe, Auth::Anon, "CAMELLIA-128-CBC", "SHA1", 128, Any),
    s(0x0067, "TLS_DHE_RSA_WITH_AES_128_CBC_SHA256", Some("DHE-RSA-AES128-SHA256"), Kx::Dhe, Auth::Rsa, "AES-128-CBC", "SHA256", 128, Tls12),
    s(0x0068, "TLS_DH_DSS_WITH_AES_256_CBC_SHA256", Some("DH-DSS-AES256-SHA256"), Kx::Dh, Auth::Dss, "AES-256-CBC", "SHA256", 256, Tls12),
    s(0x0069, "TLS_DH_RSA_WITH_AES_256_CBC_SHA256", Some("DH-RSA-AES256-SHA256"), Kx::Dh, Auth::Rsa, "AES-256-CBC", "SHA256", 256, Tls12),
    s(0x006a, "TLS_DHE_DSS_WITH_AES_256_CBC_SHA256", Some("DHE-DSS-AES256-SHA256"), Kx::Dhe, Auth::Dss, "AES-256-CBC", "SHA256", 256, Tls12),
    s(0x006b, "TLS_DHE_RSA_WITH_AES_256_CBC_SHA256", Some("DHE-RSA-AES256-SHA256"), Kx::Dhe, Auth::Rsa, "AES-256-CBC", "SHA256", 256, Tls12),
    s(0x006c, "TLS_DH_anon_WITH_AES_128_CBC_SHA256", Some("ADH-AES128-SHA256"), Kx::Dhe, Auth::Anon, "AES-128-CBC", "SHA256", 128, Tls12),
    s(0x006d, "TLS_DH_anon_WITH_AES_256_CBC_SHA256", Some("ADH-AES256-SHA256"), Kx::Dhe, Auth::Anon, "AES-256-CBC", "SHA256", 256, Tls12),
    s(0x0084, "TLS_RSA_WITH_CAMELLIA_256_CBC_SHA", Some("CAMELLIA256-SHA"), Kx::Rsa, Auth::Rsa, "CAMELLIA-256-CBC", "SHA1", 256, Any),
    s(0x0085, "TLS_DH_DSS_WITH_CAMELLIA_256_CBC_SHA", Some("DH-DSS-CAMELLIA256-SHA"), Kx::Dh, Auth::Dss, "CAMELLIA-256-CBC", "SHA1", 256, Any),
    s(0x0086, "TLS_DH_RSA_WITH_CAMELLIA_256_CBC_SHA", Some("DH-RSA-CAMELLIA256-SHA"), Kx::Dh, Auth::Rsa, "CAMELLIA-256-CBC", "SHA1", 256, Any),
    s(0x0087, "TLS_DHE_DSS_WITH_CAMELLIA_256_CBC_SHA", Some("DHE-DSS-CAMELLIA256-SHA"), Kx::Dhe, Auth::Dss, "CAMELLIA-256-CBC", "SHA1", 256, Any),
    s(0x0088, "TLS_DHE_RSA_WITH_CAMELLIA_256_CBC_SHA", Some("DHE-RSA-CAMELLIA256-SHA"), Kx::Dhe, Auth::Rsa, "CAMELLIA-256-CBC", "SHA1", 256, Any),
    s(0x0089, "TLS_DH_anon_WITH_CAMELLIA_256_CBC_SHA", Some("ADH-CAMELLIA256-SHA"), Kx::Dhe, Auth::Anon, "CAMELLIA-256-CBC", "SHA1", 256, Any),
    s(0x008a, "TLS_PSK_WITH_RC4_128_SHA", Some("PSK-RC4-SHA"), Kx::Psk, Auth::Psk, "RC4-128", "SHA1", 128, Any),
    s(0x008b, "TLS_PSK_WITH_3DES_EDE_CBC_SHA", Some("PSK-3DES-EDE-CBC-SHA"), Kx::Psk, Auth::Psk, "3DES-EDE-CBC", "SHA1", 112, Any),
    s(0x008c, "TLS_PSK_WITH_AES_128_CBC_SHA", Some("PSK-AES128-CBC-SHA"), Kx::Psk, Auth::Psk, "AES-128-CBC", "SHA1", 128, Any),
    s(0x008d, "TLS_PSK_WITH_AES_256_CBC_SHA", Some("PSK-AES256-CBC-SHA"), Kx::Psk, Auth::Psk, "AES-256-CBC", "SHA1", 256, Any),
    s(0x008e, "TLS_DHE_PSK_WITH_RC4_128_SHA", Some("DHE-PSK-RC4-SHA"), Kx::DhePsk, Auth::Psk, "RC4-128", "SHA1", 128, Any),
    s(0x008f, "TLS_DHE_PSK_WITH_3DES_EDE_CBC_SHA", Some("DHE-PSK-3DES-EDE-CBC-SHA"), Kx::DhePsk, Auth::Psk, "3DES-EDE-CBC", "SHA1", 112, Any),
    s(0x0090, "TLS_DHE_PSK_WITH_AES_128_CBC_SHA", Some("DHE-PSK-AES128-CBC-SHA"), Kx::DhePsk, Auth::Psk, "AES-128-CBC", "SHA1", 128, Any),
    s(0x0091, "TLS_DHE_PSK_WITH_AES_256_CBC_SHA", Some("DHE-PSK-AES256-CBC-SHA"), Kx::DhePsk, Auth::Psk, "AES-256-CBC", "SHA1", 256, Any),
    s(0x0092, "TLS_RSA_PSK_WITH_RC4_128_SHA", Some("RSA-PSK-RC4-SHA"), Kx::RsaPsk, Auth::Rsa, "RC4-128", "SHA1", 128, Any),
    s(0x0093, "TLS_RSA_PSK_WITH_3DES_EDE_CBC_SHA", Some("RSA-PSK-3DES-EDE-CBC-SHA"), Kx::RsaPsk, Auth::Rsa, "3DES-EDE-CBC", "SHA1", 112, Any),
    s(0x0094, "TLS_RSA_PSK_WITH_AES_128_CBC_SHA", Some("RSA-PSK-AES128-CBC-SHA"), Kx::RsaPsk, Auth::Rsa, "AES-128-CBC", "SHA1", 128, Any),
    s(0x0095, "TLS_RSA_PSK_WITH_AES_256_CBC_SHA", Some("RSA-PSK-AES256-CBC-SHA"), Kx::RsaPsk, Auth::Rsa, "AES-256-CBC", "SHA1", 256, Any),
    s(0x0096, "TLS_RSA_WITH_SEED_CBC_SHA", Some("SEED-SHA"), Kx::Rsa, Auth::Rsa, "SEED-CBC", "SHA1", 128, Any),
    s(0x0097, "TLS_DH_DSS_WITH_SEED_CBC_SHA", Some("DH-DSS-SEED-SHA"), Kx::Dh, Auth::Dss, "SEED-CBC", "SHA1", 128, Any),
    s(0x0098, "TLS_DH_RSA_WITH_SEED_CBC_SHA", Some("DH-RSA-SEED-SHA"), Kx::Dh, Auth::Rsa, "SEED-CBC", "SHA1", 128, Any),
    s(0x0099, "TLS_DHE_DSS_WITH_SEED_CBC_SHA", Some("DHE-DSS-SEED-SHA"), Kx::Dhe, Auth::Dss, "SEED-CBC", "SHA1", 128, Any),
    s(0x009a, "TLS_DHE_RSA_WITH_SEED_CBC_SHA", Some("DHE-RSA-SEED-SHA"), Kx::Dhe, Auth::Rsa, "SEED-CBC", "SHA1", 128, Any),
    s(0x009b, "TLS_DH_anon_WITH_SEED_CBC_SHA", Some("ADH-SEED-SHA"), Kx::Dhe, Auth::Anon, "SEED-CBC", "SHA1", 128, Any),
    s(0x009c, "TLS_RSA_WITH_AES_128_GCM_SHA256", Some("AES128-GCM-SHA256"), Kx::Rsa, Auth::Rsa, "AES-128-GCM", "AEAD", 128, Tls12),
    s(0x009d, "TLS_RSA_WITH_AES_256_GCM_SHA384", Some("AES256-GCM-SHA384"), Kx::Rsa, Auth::Rsa, "AES-256-GCM", "AEAD", 256, Tls12),
    s(0x009e, "TLS_DHE_RSA_WITH_AES_128_GCM_SHA256", Some("DHE-RSA-AES128-GCM-SHA256"), Kx::Dhe, Auth::Rsa, "AES-128-GCM", "AEAD", 128, Tls12),
    s(0x009f, "TLS_DHE_RSA_WITH_AES_256_GCM_SHA384", Some("DHE-RSA-AES256-GCM-SHA384"), Kx::Dhe, Auth::Rsa, "AES-256-GCM", "AEAD", 256, Tls12),
    s(0x00a0, "TLS_DH_RSA_WITH_AES_128_GCM_SHA256", Some("DH-RSA-AES128-GCM-SHA256"), Kx::Dh, Auth::Rsa, "AES-128-GCM", "AEAD", 128, Tls12),
    s(0x00a1, "TLS_DH_RSA_WITH_AES_256_GCM_SHA384", Some("DH-RSA-AES256-GCM-SHA384"), Kx::Dh, Auth::Rsa, "AES-256-GCM", "AEAD", 256, Tls12),
    s(0x00a2, "TLS_DHE_DSS_WITH_AES_128_GCM_SHA256", Some("DHE-DSS-AES128-GCM-SHA256"), Kx::Dhe, Auth::Dss, "AES-128-GCM", "AEAD", 128, Tls12),
    s(0x00a3, "TLS_DHE_DSS_WITH_AES_256_GCM_SHA384", Some("DHE-DSS-AES256-GCM-SHA384"), Kx::Dhe, Auth::Dss, "AES-256-GCM", "AEAD", 256, Tls12),
    s(0x00a4, "TLS_DH_DSS_WITH_AES_128_GCM_SHA256", Some("DH-DSS-AES128-GCM-SHA256"), Kx::Dh, Auth::Dss, "AES-128-GCM", "AEAD", 128, Tls12),
    s(0x00a5, "TLS_DH_DSS_WITH_AES_256_GCM_SHA384", Some("DH-DSS-AES256-GCM-SHA384"), Kx::Dh, Auth::Dss, "AES-256-GCM", "AEAD", 256, Tls12),
    s(0x00a6, "TLS_DH_anon_WITH_AES_128_GCM_SHA256", Some("ADH-AES128-GCM-SHA256"), Kx::Dhe, Auth::Anon, "AES-128-GCM", "AEAD", 128, Tls12),
    s(0x00a7, "TLS_DH_anon_WITH_AES_256_GCM_SHA384", Some("ADH-AES256-GCM-SHA384"), Kx::Dhe, Auth::Anon, "AES-256-GCM", "AEAD", 256, Tls12),
    s(0x00a8, "TLS_PSK_WITH_AES_128_GCM_SHA256", Some("PSK-AES128-GCM-SHA256"), Kx::Psk, Auth::Psk, "AES-128-GCM", "AEAD", 128, Tls12),
    s(0x00a9, "TLS_PSK_WITH_AES_256_GCM_SHA384", Some("PSK-AES256-GCM-SHA384"), Kx::Psk, Auth::Psk, "AES-256-GCM", "AEAD", 256, Tls12),
    s(0x00aa, "TLS_DHE_PSK_WITH_AES_128_GCM_SHA256", Some("DHE-PSK-AES128-GCM-SHA256"), Kx::DhePsk, Auth::Psk, "AES-128-GCM", "AEAD", 128, Tls12),
    s(0x00ab, "TLS_DHE_PSK_WITH_AES_256_GCM_SHA384", Some("DHE-PSK-AES256-GCM-SHA384"), Kx::DhePsk, Auth::Psk, "AES-256-GCM", "AEAD", 256, Tls12),
    s(0x00ac, "TLS_RSA_PSK_WITH_AES_128_GCM_SHA256", Some("RSA-PSK-AES128-GCM-SHA256"), Kx::RsaPsk, Auth::Rsa, "AES-128-GCM", "AEAD", 128, Tls12),
    s(0x00ad, "TLS_RSA_PSK_WITH_AES_256_GCM_SHA384", Some("RSA-PSK-AES256-GCM-SHA384"), Kx::RsaPsk, Auth::Rsa, "AES-256-GCM", "AEAD", 256, Tls12),
    s(0x00ae, "TLS_PSK_WITH_AES_128_CBC_SHA256", Some("PSK-AES128-CBC-SHA256"), Kx::Psk, Auth::Psk, "AES-128-CBC", "SHA256", 128, Tls12),
    s(0x00af, "TLS_PSK_WITH_AES_256_CBC_SHA384", Some("PSK-AES256-CBC-SHA384"), Kx::Psk, Auth::Psk, "AES-256-CBC", "SHA384", 256, Tls12),
    s(0x00b0, "TLS_PSK_WITH_NULL_SHA256", Some("PSK-NULL-SHA256"), Kx::Psk, Auth::Psk, "NULL", "SHA256", 0, Tls12),
    s(0x00b1, "TLS_PSK_WITH_NULL_SHA384", Some("PSK-NULL-SHA384"), Kx::Psk, Auth::Psk, "NULL", "SHA384", 0, Tls12),
    s(0x00b2, "TLS_DHE_PSK_WITH_AES_128_CBC_SHA256", Some("DHE-PSK-AES128-CBC-SHA256"), Kx::DhePsk, Auth::Psk, "AES-128-CBC", "SHA256", 128, Tls12),
    s(0x00b3, "TLS_DHE_PSK_WITH_AES_256_CBC_SHA384", Some("DHE-PSK-AES256-CBC-SHA384"), Kx::DhePsk, Auth::Psk, "AES-256-CBC", "SHA384", 256, Tls12),
    s(0x00b4, "TLS_DHE_PSK_WITH_NULL_SHA256", Some("DHE-PSK-NULL-SHA256"), Kx::DhePsk, Auth::Psk, "NULL", "SHA256", 0, Tls12),
    s(0x00b5, "TLS_DHE_PSK_WITH_NULL_SHA384", Some("DHE-PSK-NULL-SHA384"), Kx::DhePsk, Auth::Psk, "NULL", "SHA384", 0, Tls12),
    s(0x00b6, "TLS_RSA_PSK_WITH_AES_128_CBC_SHA256", Some("RSA-PSK-AES128-CBC-SHA256"), Kx::RsaPsk, Auth::Rsa, "AES-128-CBC", "SHA256", 128, Tls12),
    s(0x00b7, "TLS_RSA_PSK_WITH_AES_256_CBC_SHA384", Some("RSA-PSK-AES256-CBC-SHA384"), Kx::RsaPsk, Auth::Rsa, "AES-256-CBC", "SHA384", 256, Tls12),
    s(0x00b8, "TLS_RSA_PSK_WITH_NULL_SHA256", Some("RSA-PSK-NULL-SHA256"), Kx::RsaPsk, Auth::Rsa, "NULL", "SHA256", 0, Tls12),
    s(0x00b9, "TLS_RSA_PSK_WITH_NULL_SHA384", Some("RSA-PSK-NULL-SHA384"), Kx::RsaPsk, Auth::Rsa, "NULL", "SHA384", 0, Tls12),
    s(0x00ba, "TLS_RSA_WITH_CAMELLIA_128_CBC_SHA256", Some("CAMELLIA128-SHA256"), Kx::Rsa, Auth::Rsa, "CAMELLIA-128-CBC", "SHA256", 128, Tls12),
    s(0x00bb, "TLS_DH_DSS_WITH_CAMELLIA_128_CBC_SHA256", Some("DH-DSS-CAMELLIA128-SHA256"), Kx::Dh, Auth::Dss, "CAMELLIA-128-CBC", "SHA256", 128, Tls12),
    s(0x00bc, "TLS_DH_RSA_WITH_CAMELLIA_128_CBC_SHA256", Some("DH-RSA-CAMELLIA128-SHA256"), Kx::Dh, Auth::Rsa, "CAMELLIA-128-CBC", "SHA256", 128, Tls12),
    s(0x00bd, "TLS_DHE_DSS_WITH_CAMELLIA_128_CBC_SHA256", Some("DHE-DSS-CAMELLIA128-SHA256"), Kx::Dhe, Auth::Dss, "CAMELLIA-128-CBC", "SHA256", 128, Tls12),
    s(0x00be, "TLS_DHE_RSA_WITH_CAMELLIA_128_CBC_SHA256", Some("DHE-RSA-CAMELLIA128-SHA256"), Kx::Dhe, Auth::Rsa, "CAMELLIA-128-CBC", "SHA256", 128, Tls12),
    s(0x00bf, "TLS_DH_anon_WITH_CAMELLIA_128_CBC_SHA256", Some("ADH-CAMELLIA128-SHA256"), Kx::Dhe, Auth::Anon, "CAMELLIA-128-CBC", "SHA256", 128, Tls12),
    s(0x00c0, "TLS_RSA_WITH_CAMELLIA_256_CBC_SHA256", Some("CAMELLIA256-SHA256"), Kx::Rsa, Auth::Rsa, "CAMELLIA-256-CBC", "SHA256", 256, Tls12),
    s(0x00c1, "TLS_DH_DSS_WITH_CAMELLIA_256_CBC_SHA256", Some("DH-DSS-CAMELLIA256-SHA256"), Kx::Dh, Auth::Dss, "CAMELLIA-256-CBC", "SHA256", 256, Tls12),
    s(0x00c2, "TLS_DH_RSA_WITH_CAMELLIA_256_CBC_SHA256", Some("DH-RSA-CAMELLIA256-SHA256"), Kx::Dh, Auth::Rsa, "CAMELLIA-256-CBC", "SHA256", 256, Tls12),
    s(0x00c3, "TLS_DHE_DSS_WITH_CAMELLIA_256_CBC_SHA256", Some("DHE-DSS-CAMELLIA256-SHA256"), Kx::Dhe, Auth::Dss, "CAMELLIA-256-CBC", "SHA256", 256, Tls12),
    s(0x00c4, "TLS_DHE_RSA_WITH_CAMELLIA_256_CBC_SHA256", Some("DHE-RSA-CAMELLIA256-SHA256"), Kx::Dhe, Auth::Rsa, "CAMELLIA-256-CBC", "SHA256", 256, Tls12),
    s(0x00c5, "TLS_DH_anon_WITH_CAMELLIA_256_CBC_SHA256", Some("ADH-CAMELLIA256-SHA256"), Kx::Dhe, Auth::Anon, "CAMELLIA-256-CBC", "SHA256", 256, Tls12),
    s(0x00c6, "TLS_SM4_GCM_SM3", None, Kx::Tls13, Auth::Tls13, "SM4-GCM", "AEAD", 128, Tls13),
    s(0x00c7, "TLS_SM4_CCM_SM3", None, Kx::Tls13, Auth::Tls13, "SM4-CCM", "AEAD", 128, Tls13),
    s(0x1301, "TLS_AES_128_GCM_SHA256", Some("TLS_AES_128_GCM_SHA256"), Kx::Tls13, Auth::Tls13, "AES-128-GCM", "AEAD", 128, Tls13),
    s(0x1302, "TLS_AES_256_GCM_SHA384", Some("TLS_AES_256_GCM_SHA384"), Kx::Tls13, Auth::Tls13, "AES-256-GCM", "AEAD", 256, Tls13),
    s(0x1303, "TLS_CHACHA20_POLY1305_SHA256", Some("TLS_CHACHA20_POLY1305_SHA256"), Kx::Tls13, Auth::Tls13, "CHACHA20-POLY1305", "AEAD", 256, Tls13),
    s(0x1304, "TLS_AES_128_CCM_SHA256", Some("TLS_AES_128_CCM_SHA256"), Kx::Tls13, Auth::Tls13, "AES-128-CCM", "AEAD", 128, Tls13),
    s(0x1305, "TLS_AES_128_CCM_8_SHA256", Some("TLS_AES_128_CCM_8_SHA256"), Kx::Tls13, Auth::Tls13, "AES-128-CCM-8", "AEAD", 128, Tls13),
    s(0x1306, "TLS_AEGIS_256_SHA512", None, Kx::Tls13, Auth::Tls13, "AEGIS-256", "AEAD", 256, Tls13),
    s(0x1307, "TLS_AEGIS_128L_SHA256", None, Kx::Tls13, Auth::Tls13, "AEGIS-128L", "AEAD", 128, Tls13),
    s(0xc001, "TLS_ECDH_ECDSA_WITH_NULL_SHA", Some("ECDH-ECDSA-NULL-SHA"), Kx::Ecdh, Auth::Ecdsa, "NULL", "SHA1", 0, Any),
    s(0xc002, "TLS_ECDH_ECDSA_WITH_RC4_128_SHA", Some("ECDH-ECDSA-RC4-SHA"), Kx::Ecdh, Auth::Ecdsa, "RC4-128", "SHA1", 128, Any),
    s(0xc003, "TLS_ECDH_ECDSA_WITH_3DES_EDE_CBC_SHA", Some("ECDH-ECDSA-DES-CBC3-SHA"), Kx::Ecdh, Auth::Ecdsa, "3DES-EDE-CBC", "SHA1", 112, Any),
    s(0xc004, "TLS_ECDH_ECDSA_WITH_AES_128_CBC_SHA", Some("ECDH-ECDSA-AES128-SHA"), Kx::Ecdh, Auth::Ecdsa, "AES-128-CBC", "SHA1", 128, Any),
    s(0xc005, "TLS_ECDH_ECDSA_WITH_AES_256_CBC_SHA", Some("ECDH-ECDSA-AES256-SHA"), Kx::Ecdh, Auth::Ecdsa, "AES-256-CBC", "SHA1", 256, Any),
    s(0xc006, "TLS_ECDHE_ECDSA_WITH_NULL_SHA", Some("ECDHE-ECDSA-NULL-SHA"), Kx::Ecdhe, Auth::Ecdsa, "NULL", "SHA1", 0, Any),
    s(0xc007, "TLS_ECDHE_ECDSA_WITH_RC4_128_SHA", Some("ECDHE-ECDSA-RC4-SHA"), Kx::Ecdhe, Auth::Ecdsa, "RC4-128", "SHA1", 128, Any),
    s(0xc008, "TLS_ECDHE_ECDSA_WITH_3DES_EDE_CBC_SHA", Some("ECDHE-ECDSA-DES-CBC3-SHA"), Kx::Ecdhe, Auth::Ecdsa, "3DES-EDE-CBC", "SHA1", 112, Any),
    s(0xc009, "TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA", Some("ECDHE-ECDSA-AES128-SHA"), Kx::Ecdhe, Auth::Ecdsa, "AES-128-CBC", "SHA1", 128, Any),
    s(0xc00a, "TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA", Some("ECDHE-ECDSA-AES256-SHA"), Kx::Ecdhe, Auth::Ecdsa, "AES-256-CBC", "SHA1", 256, Any),
    s(0xc00b, "TLS_ECDH_RSA_WITH_NULL_SHA", Some("ECDH-RSA-NULL-SHA"), Kx::Ecdh, Auth::Rsa, "NULL", "SHA1", 0, Any),
    s(0xc00c, "TLS_ECDH_RSA_WITH_RC4_128_SHA", Some("ECDH-RSA-RC4-SHA"), Kx::Ecdh, Auth::Rsa, "RC4-128", "SHA1", 128, Any),
    s(0xc00d, "TLS_ECDH_RSA_WITH_3DES_EDE_CBC_SHA", Some("ECDH-RSA-DES-CBC3-SHA"), Kx::Ecdh, Auth::Rsa, "3DES-EDE-CBC", "SHA1", 112, Any),
    s(0xc00e, "TLS_ECDH_RSA_WITH_AES_128_CBC_SHA", Some("ECDH-RSA-AES128-SHA"), Kx::Ecdh, Auth::Rsa, "AES-128-CBC", "SHA1", 128, Any),
    s(0xc00f, "TLS_ECDH_RSA_WITH_AES_256_CBC_SHA", Some("ECDH-RSA-AES256-SHA"), Kx::Ecdh, Auth::Rsa, "AES-256-CBC", "SHA1", 256, Any),
    s(0xc010, "TLS_ECDHE_RSA_WITH_NULL_SHA", Some("ECDHE-RSA-NULL-SHA"), Kx::Ecdhe, Auth::Rsa, "NULL", "SHA1", 0, Any),
    s(0xc011, "TLS_ECDHE_RSA_WITH_RC4_128_SHA", Some("ECDHE-RSA-RC4-SHA"), Kx::Ecdhe, Auth::Rsa, "RC4-128", "SHA1", 128, Any),
    s(0xc012, "TLS_ECDHE_RSA_WITH_3DES_EDE_CBC_SHA", Some("ECDHE-RSA-DES-CBC3-SHA"), Kx::Ecdhe, Auth::Rsa, "3DES-EDE-CBC", "SHA1", 112, Any),
    s(0xc013, "TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA", Some("ECDHE-RSA-AES128-SHA"), Kx::Ecdhe, Auth::Rsa, "AES-128-CBC", "SHA1", 128, Any),
    s(0xc014, "TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA", Some("ECDHE-RSA-AES256-SHA"), Kx::Ecdhe, Auth::Rsa, "AES-256-CBC", "SHA1", 256, Any),
    s(0xc015, "TLS_ECDH_anon_WITH_NULL_SHA", Some("AECDH-NULL-SHA"), Kx::Ecdhe, Auth::Anon, "NULL", "SHA1", 0, Any),
    s(0xc016, "TLS_ECDH_anon_WITH_RC4_128_SHA", Some("AECDH-RC4-SHA"), Kx::Ecdhe, Auth::Anon, "RC4-128", "SHA1", 128, Any),
    s(0xc017, "TLS_ECDH_anon_WITH_3DES_EDE_CBC_SHA", Some("AECDH-DES-CBC3-SHA"), Kx::Ecdhe, Auth::Anon, "3DES-EDE-CBC", "SHA1", 112, Any),
    s(0xc018, "TLS_ECDH_anon_WITH_AES_128_CBC_SHA", Some("AECDH-AES128-SHA"), Kx::Ecdhe, Auth::Anon, "AES-128-CBC", "SHA1", 128, Any),
    s(0xc019, "TLS_ECDH_anon_WITH_AES_256_CBC_SHA", Some("AECDH-AES256-SHA"), Kx::Ecdhe, Auth::Anon, "AES-256-CBC", "SHA1", 256, Any),
    s(0xc01a, "TLS_SRP_SHA_WITH_3DES_EDE_CBC_SHA", Some("SRP-3DES-EDE-CBC-SHA"), Kx::Srp, Auth::Srp, "3DES-EDE-CBC", "SHA1", 112, Any),
    s(0xc01b, "TLS_SRP_SHA_RSA_WITH_3DES_EDE_CBC_SHA", Some("SRP-RSA-3DES-EDE-CBC-SHA"), Kx::Srp, Auth::Rsa, "3DES-EDE-CBC", "SHA1", 112, Any),
    s(0xc01c, "TLS_SRP_SHA_DSS_WITH_3DES_EDE_CBC_SHA", Some("SRP-DSS-3DES-EDE-CBC-SHA"), Kx::Srp, Auth::Dss, "3DES-EDE-CBC", "SHA1", 112, Any),
    s(0xc01d, "TLS_SRP_SHA_WITH_AES_128_CBC_SHA", Some("SRP-AES-128-CBC-SHA"), Kx::Srp, Auth::Srp, "AES-128-CBC", "SHA1", 128, Any),
    s(0xc01e, "TLS_SRP_SHA_RSA_WITH_AES_128_CBC_SHA", Some("SRP-RSA-AES-128-CBC-SHA"), Kx::Srp, Auth::Rsa, "AES-128-CBC", "SHA1", 128, Any),
    s(0xc01f, "TLS_SRP_SHA_DSS_WITH_AES_128_CBC_SHA", Some("SRP-DSS-AES-128-CBC-SHA"), Kx::Srp, Auth::Dss, "AES-128-CBC", "SHA1", 128, Any),
    s(0xc020, "TLS_SRP_SHA_WITH_AES_256_CBC_SHA", Some("SRP-AES-256-CBC-SHA"), Kx::Srp, Auth::Srp, "AES-256-CBC", "SHA1", 256, Any),
    s(0xc021, "TLS_SRP_SHA_RSA_WITH_AES_256_CBC_SHA", Some("SRP-RSA-AES-256-CBC-SHA"), Kx::Srp, Auth::Rsa, "AES-256-CBC", "SHA1", 256, Any),
    s(0xc022, "TLS_SRP_SHA_DSS_WITH_AES_256_CBC_SHA", Some("SRP-DSS-AES-256-CBC-SHA"), Kx::Srp, Auth::Dss, "AES-256-CBC", "SHA1", 256, Any),
    s(0xc023, "TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA256", Some("ECDHE-ECDSA-AES128-SHA256"), Kx::Ecdhe, Auth::Ecdsa, "AES-128-CBC", "SHA256", 128, Tls12),
    s(0xc024, "TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA384", Some("ECDHE-ECDSA-AES256-SHA384"), Kx::Ecdhe, Auth::Ecdsa, "AES-256-CBC", "SHA384", 256, Tls12),
    s(0xc025, "TLS_ECDH_ECDSA_WITH_AES_128_CBC_SHA256", Some("ECDH-ECDSA-AES128-SHA256"), Kx::Ecdh, Auth::Ecdsa, "AES-128-CBC", "SHA256", 128, Tls12),
    s(0xc026, "TLS_ECDH_ECDSA_WITH_AES_256_CBC_SHA384", Some("ECDH-ECDSA-AES256-SHA384"), Kx::Ecdh, Auth::Ecdsa, "AES-256-CBC", "SHA384", 256, Tls12),
    s(0xc027, "TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA256", Some("ECDHE-RSA-AES128-SHA256"), Kx::Ecdhe, Auth::Rsa, "AES-128-CBC", "SHA256", 128, Tls12),
    s(0xc028, "TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA384", Some("ECDHE-RSA-AES256-SHA384"), Kx::Ecdhe, Auth::Rsa, "AES-256-CBC", "SHA384", 256, Tls12),
    s(0xc029, "TLS_ECDH_RSA_WITH_AES_128_CBC_SHA256", Some("ECDH-RSA-AES128-SHA256"), Kx::Ecdh, Auth::Rsa, "AES-128-CBC", "SHA256", 128, Tls12),
    s(0xc02a, "TLS_ECDH_RSA_WITH_AES_256_CBC_SHA384", Some("ECDH-RSA-AES256-SHA384"), Kx::Ecdh, Auth::Rsa, "AES-256-CBC", "SHA384", 256, Tls12),
    s(0xc02b, "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256", Some("ECDHE-ECDSA-AES128-GCM-SHA256"), Kx::Ecdhe, Auth::Ecdsa, "AES-128-GCM", "AEAD", 128, Tls12),
    s(0xc02c, "TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384", Some("ECDHE-ECDSA-AES256-GCM-SHA384"), Kx::Ecdhe, Auth::Ecdsa, "AES-256-GCM", "AEAD", 256, Tls12),
    s(0xc02d, "TLS_ECDH_ECDSA_WITH_AES_128_GCM_SHA256", Some("ECDH-ECDSA-AES128-GCM-SHA256"), Kx::Ecdh, Auth::Ecdsa, "AES-128-GCM", "AEAD", 128, Tls12),
    s(0xc02e, "TLS_ECDH_ECDSA_WITH_AES_256_GCM_SHA384", Some("ECDH-ECDSA-AES256-GCM-SHA384"), Kx::Ecdh, Auth::Ecdsa, "AES-256-GCM", "AEAD", 256, Tls12),
    s(0xc02f, "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256", Some("ECDHE-RSA-AES128-GCM-SHA256"), Kx::Ecdhe, Auth::Rsa, "AES-128-GCM", "AEAD", 128, Tls12),
    s(0xc030, "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384", Some("ECDHE-RSA-AES256-GCM-SHA384"), Kx::Ecdhe, Auth::Rsa, "AES-256-GCM", "AEAD", 256, Tls12),
    s(0xc031, "TLS_ECDH_RSA_WITH_AES_128_GCM_SHA256", Some("ECDH-RSA-AES128-GCM-SHA256"), Kx::Ecdh, Auth::Rsa, "AES-128-GCM", "AEAD", 128, Tls12),
    s(0xc032, "TLS_ECDH_RSA_WITH_AES_256_GCM_SHA384", Some("ECDH-RSA-AES256-GCM-SHA384"), Kx::Ecdh, Auth::Rsa, "AES-256-GCM", "AEAD", 256, Tls12),
    s(0xc033, "TLS_ECDHE_PSK_WITH_RC4_128_SHA", Some("ECDHE-PSK-RC4-SHA"), Kx::EcdhePsk, Auth::Psk, "RC4-128", "SHA1", 128, Any),
    s(0xc034, "TLS_ECDHE_PSK_WITH_3DES_EDE_CBC_SHA", Some("ECDHE-PSK-3DES-EDE-CBC-SHA"), Kx::EcdhePsk, Auth::Psk, "3DES-EDE-CBC", "SHA1", 112, Any),
    s(0xc035, "TLS_ECDHE_PSK_WITH_AES_128_CBC_SHA", Some("ECDHE-PSK-AES128-CBC-SHA"), Kx::EcdhePsk, Auth::Psk, "AES-128-CBC", "SHA1", 128, Any),
    s(0xc036, "TLS_ECDHE_PSK_WITH_AES_256_CBC_SHA", Some("ECDHE-PSK-AES256-CBC-SHA"), Kx::EcdhePsk, Auth::Psk, "AES-256-CBC", "SHA1", 256, Any),
    s(0xc037, "TLS_ECDHE_PSK_WITH_AES_128_CBC_SHA256", Some("ECDHE-PSK-AES128-CBC-SHA256"), Kx::EcdhePsk, Auth::Psk, "AES-128-CBC", "SHA256", 128, Tls12),
    s(0xc038, "TLS_ECDHE_PSK_WITH_AES_256_CBC_SHA384", Some("ECDHE-PSK-AES256-CBC-SHA384"), Kx::EcdhePsk, Auth::Psk, "AES-256-CBC", "SHA384", 256, Tls12),
    s(0xc039, "TLS_ECDHE_PSK_WITH_NULL_SHA", Some("ECDHE-PSK-NULL-SHA"), Kx::EcdhePsk, Auth::Psk, "NULL", "SHA1", 0, Any),
    s(0xc03a, "TLS_ECDHE_PSK_WITH_NULL_SHA256", Some("ECDHE-PSK-NULL-SHA256"), Kx::EcdhePsk, Auth::Psk, "NULL", "SHA256", 0, Tls12),
    s(0xc03b, "TLS_ECDHE_PSK_WITH_NULL_SHA384", Some("ECDHE-PSK-NULL-SHA384"), Kx::EcdhePsk, Auth::Psk, "NULL", "SHA384", 0, Tls12),
    s(0xc03c, "TLS_RSA_WITH_ARIA_128_CBC_SHA256", None, Kx::Rsa, Auth::Rsa, "ARIA-128-CBC", "SHA256", 128, Tls12),
    s(0xc03d, "TLS_RSA_WITH_ARIA_256_CBC_SHA384", None, Kx::Rsa, Auth::Rsa, "ARIA-256-CBC", "SHA384", 256, Tls12),
    s(0xc03e, "TLS_DH_DSS_WITH_ARIA_128_CBC_SHA256", None, Kx::Dh, Auth::Dss, "ARIA-128-CBC", "SHA256", 128, Tls12),
    s(0xc03f, "TLS_DH_DSS_WITH_ARIA_256_CBC_SHA384", None, Kx::Dh, Auth::Dss, "ARIA-256-CBC", "SHA384", 256, Tls12),
    s(0xc040, "TLS_DH_RSA_WITH_ARIA_128_CBC_SHA256", None, Kx::Dh, Auth::Rsa, "ARIA-128-CBC", "SHA256", 128, Tls12),
    s(0xc041, "TLS_DH_RSA_WITH_ARIA_256_CBC_SHA384", None, Kx::Dh, Auth::Rsa, "ARIA-256-CBC", "SHA384", 256, Tls12),
    s(0xc042, "TLS_DHE_DSS_WITH_ARIA_128_CBC_SHA256", None, Kx::Dhe, Auth::Dss, "ARIA-128-CBC", "SHA256", 128, Tls12),
    s(0xc043, "TLS_DHE_DSS_WITH_ARIA_256_CBC_SHA384", None, Kx::Dhe, Auth::Dss, "ARIA-256-CBC", "SHA384", 256, Tls12),
    s(0xc044, "TLS_DHE_RSA_WITH_ARIA_128_CBC_SHA256", None, Kx::Dhe, Auth::Rsa, "ARIA-128-CBC", "SHA256", 128, Tls12),
    s(0xc045, "TLS_DHE_RSA_WITH_ARIA_256_CBC_SHA384", None, Kx::Dhe, Auth::Rsa, "ARIA-256-CBC", "SHA384", 256, Tls12),
    s(0xc046, "TLS_DH_anon_WITH_ARIA_128_CBC_SHA256", None, Kx::Dhe, Auth::Anon, "ARIA-128-CBC", "SHA256", 128, Tls12),
    s(0xc047, "TLS_DH_anon_WITH_ARIA_256_CBC_SHA384", None, Kx::Dhe, Auth::Anon, "ARIA-256-CBC", "SHA384", 256, Tls12),
    s(0xc048, "TLS_ECDHE_ECDSA_WITH_ARIA_128_CBC_SHA256", None, Kx::Ecdhe, Auth::Ecdsa, "ARIA-128-CBC", "SHA256", 128, Tls12),
    s(0xc049, "TLS_ECDHE_ECDSA_WITH_ARIA_256_CBC_SHA384", None, Kx::Ecdhe, Auth::Ecdsa, "ARIA-256-CBC", "SHA384", 256, Tls12),
    s(0xc04a, "TLS_ECDH_ECDSA_WITH_ARIA_128_CBC_SHA256", None, Kx::Ecdh, Auth::Ecdsa, "ARIA-128-CBC", "SHA256", 128, Tls12),
    s(0xc04b, "TLS_ECDH_ECDSA_WITH_ARIA_256_CBC_SHA384", None, Kx::Ecdh, Auth::Ecdsa, "ARIA-256-CBC", "SHA384", 256, Tls12),
    s(0xc04c, "TLS_ECDHE_RSA_WITH_ARIA_128_CBC_SHA256", None, Kx::Ecdhe, Auth::Rsa, "ARIA-128-CBC", "SHA256", 128, Tls12),
    s(0xc04d, "TLS_ECDHE_RSA_WITH_ARIA_256_CBC_SHA384", None, Kx::Ecdhe, Auth::Rsa, "ARIA-256-CBC", "SHA384", 256, Tls12),
    s(0xc04e, "TLS_ECDH_RSA_WITH_ARIA_128_CBC_SHA256", None, Kx::Ecdh, Auth::Rsa, "ARIA-128-CBC", "SHA256", 128, Tls12),
    s(0xc04f, "TLS_ECDH_RSA_WITH_ARIA_256_CBC_SHA384", None, Kx::Ecdh, Auth::Rsa, "ARIA-256-CBC", "SHA384", 256, Tls12),
    s(0xc050, "TLS_RSA_WITH_ARIA_128_GCM_SHA256", Some("ARIA128-GCM-SHA256"), Kx::Rsa, Auth::Rsa, "ARIA-128-GCM", "AEAD", 128, Tls12),
    s(0xc051, "TLS_RSA_WITH_ARIA_256_GCM_SHA384", Some("ARIA256-GCM-SHA384"), Kx::Rsa, Auth::Rsa, "ARIA-256-GCM", "AEAD", 256, Tls12),
    s(0xc052, "TLS_DHE_RSA_WITH_ARIA_128_GCM_SHA256", Some("DHE-RSA-ARIA128-GCM-SHA256"), Kx::Dhe, Auth::Rsa, "ARIA-128-GCM", "AEAD", 128, Tls12),
    s(0xc053, "TLS_DHE_RSA_WITH_ARIA_256_GCM_SHA384", Some("DHE-RSA-ARIA256-GCM-SHA384"), Kx::Dhe, Auth::Rsa, "ARIA-256-GCM", "AEAD", 256, Tls12),
    s(0xc054, "TLS_DH_RSA_WITH_ARIA_128_GCM_SHA256", Some("DH-RSA-ARIA128-GCM-SHA256"), Kx::Dh, Auth::Rsa, "ARIA-128-GCM", "AEAD", 128, Tls12),
    s(0xc055, "TLS_DH_RSA_WITH_ARIA_256_GCM_SHA384", Some("DH-RSA-ARIA256-GCM-SHA384"), Kx::Dh, Auth::Rsa, "ARIA-256-GCM", "AEAD", 256, Tls12),
    s(0xc056, "TLS_DHE_DSS_WITH_ARIA_128_GCM_SHA256", Some("DHE-DSS-ARIA128-GCM-SHA256"), Kx::Dhe, Auth::Dss, "ARIA-128-GCM", "AEAD", 128, Tls12),
    s(0xc057, "TLS_DHE_DSS_WITH_ARIA_256_GCM_SHA384", Some("DHE-DSS-ARIA256-GCM-SHA384"), Kx::Dhe, Auth::Dss, "ARIA-256-GCM", "AEAD", 256, Tls12),
    s(0xc058, "TLS_DH_DSS_WITH_ARIA_128_GCM_SHA256", Some("DH-DSS-ARIA128-GCM-SHA256"), Kx::Dh, Auth::Dss, "ARIA-128-GCM", "AEAD", 128, Tls12),
    s(0xc059, "TLS_DH_DSS_WITH_ARIA_256_GCM_SHA384", Some("DH-DSS-ARIA256-GCM-SHA384"), Kx::Dh, Auth::Dss, "ARIA-256-GCM", "AEAD", 256, Tls12),
    s(0xc05a, "TLS_DH_anon_WITH_ARIA_128_GCM_SHA256", Some("ADH-ARIA128-GCM-SHA256"), Kx::Dhe, Auth::Anon, "ARIA-128-GCM", "AEAD", 128, Tls12),
    s(0xc05b, "TLS_DH_anon_WITH_ARIA_256_GCM_SHA384", Some("ADH-ARIA256-GCM-SHA384"), Kx::Dhe, Auth::Anon, "ARIA-256-GCM", "AEAD", 256, Tls12),
    s(0xc05c, "TLS_ECDHE_ECDSA_WITH_ARIA_128_GCM_SHA256", Some("ECDHE-ECDSA-ARIA128-GCM-SHA256"), Kx::Ecdhe, Auth::Ecdsa, "ARIA-128-GCM", "AEAD", 128, Tls12),
    s(0xc05d, "TLS_ECDHE_ECDSA_WITH_ARIA_256_GCM_SHA384", Some("ECDHE-ECDSA-ARIA256-GCM-SHA384"), Kx::Ecdhe, Auth::Ecdsa, "ARIA-256-GCM", "AEAD", 256, Tls12),
    s(0xc05e, "TLS_ECDH_ECDSA_WITH_ARIA_128_GCM_SHA256", Some("ECDH-ECDSA-ARIA128-GCM-SHA256"), Kx::Ecdh, Auth::Ecdsa, "ARIA-128-GCM", "AEAD", 128, Tls12),
    s(0xc05f, "TLS_ECDH_ECDSA_WITH_ARIA_256_GCM_SHA384", Some("ECDH-ECDSA-ARIA256-GCM-SHA384"), Kx::Ecdh, Auth::Ecdsa, "ARIA-256-GCM", "AEAD", 256, Tls12),
    s(0xc060, "TLS_ECDHE_RSA_WITH_ARIA_128_GCM_SHA256", Some("ECDHE-ARIA128-GCM-SHA256"), Kx::Ecdhe, Auth::Rsa, "ARIA-128-GCM", "AEAD", 128, Tls12),
    s(0xc061, "TLS_ECDHE_RSA_WITH_ARIA_256_GCM_SHA384", Some("ECDHE-ARIA256-GCM-SHA384"), Kx::Ecdhe, Auth::Rsa, "ARIA-256-GCM", "AEAD", 256, Tls12),
    s(0xc062, "TLS_ECDH_RSA_WITH_ARIA_128_GCM_SHA256", Some("ECDH-ARIA128-GCM-SHA256"), Kx::Ecdh, Auth::Rsa, "ARIA-128-GCM", "AEAD", 128, Tls12),
    s(0xc063, "TLS_ECDH_RSA_WITH_ARIA_256_GCM_SHA384", Some("ECDH-ARIA256-GCM-SHA384"), Kx::Ecdh, Auth::Rsa, "ARIA-256-GCM", "AEAD", 256, Tls12),
    s(0xc064, "TLS_PSK_WITH_ARIA_128_CBC_SHA256", None, Kx::Psk, Auth::Psk, "ARIA-128-CBC", "SHA256", 128, Tls12),
    s(0xc065, "TLS_PSK_WITH_ARIA_256_CBC_SHA384", None, Kx::Psk, Auth::Psk, "ARIA-256-CBC", "SHA384", 256, Tls12),
    s(0xc066, "TLS_DHE_PSK_WITH_ARIA_128_CBC_SHA256", None, Kx::DhePsk, Auth::Psk, "ARIA-128-CBC", "SHA256", 128, Tls12),
    s(0xc067, "TLS_DHE_PSK_WITH_ARIA_256_CBC_SHA384", None, Kx::DhePsk, Auth::Psk, "ARIA-256-CBC", "SHA384", 256, Tls12),
    s(0xc068, "TLS_RSA_PSK_WITH_ARIA_128_CBC_SHA256", None, Kx::RsaPsk, Auth::Rsa, "ARIA-128-CBC", "SHA256", 128, Tls12),
    s(0xc069, "TLS_RSA_PSK_WITH_ARIA_256_CBC_SHA384", None, Kx::RsaPsk, Auth::Rsa, "ARIA-256-CBC", "SHA384", 256, Tls12),
    s(0xc06a, "TLS_PSK_WITH_ARIA_128_GCM_SHA256", Some("PSK-ARIA128-GCM-SHA256"), Kx::Psk, Auth::Psk, "ARIA-128-GCM", "AEAD", 128, Tls12),
    s(0xc06b, "TLS_PSK_WITH_ARIA_256_GCM_SHA384", Some("PSK-ARIA256-GCM-SHA384"), Kx::Psk, Auth::Psk, "ARIA-256-GCM", "AEAD", 256, Tls12),
    s(0xc06c, "TLS_DHE_PSK_WITH_ARIA_128_GCM_SHA256", Some("DHE-PSK-ARIA128-GCM-SHA256"), Kx::DhePsk, Auth::Psk, "ARIA-128-GCM", "AEAD", 128, Tls12),
    s(0xc06d, "TLS_DHE_PSK_WITH_ARIA_256_GCM_SHA384", Some("DHE-PSK-ARIA256-GCM-SHA384"), Kx::DhePsk, Auth::Psk, "ARIA-256-GCM", "AEAD", 256, Tls12),
    s(0xc06e, "TLS_RSA_PSK_WITH_ARIA_128_GCM_SHA256", Some("RSA-PSK-ARIA128-GCM-SHA256"), Kx::RsaPsk, Auth::Rsa, "ARIA-128-GCM", "AEAD", 128, Tls12),
    s(0xc06f, "TLS_RSA_PSK_WITH_ARIA_256_GCM_SHA384", Some("RSA-PSK-ARIA256-GCM-SHA384"), Kx::RsaPsk, Auth::Rsa, "ARIA-256-GCM", "AEAD", 256, Tls12),
    s(0xc070, "TLS_ECDHE_PSK_WITH_ARIA_128_CBC_SHA256", None, Kx::EcdhePsk, Auth::Psk, "ARIA-128-CBC", "SHA256", 128, Tls12),
    s(0xc071, "TLS_ECDHE_PSK_WITH_ARIA_256_CBC_SHA384", None, Kx::EcdhePsk, Auth::Psk, "ARIA-256-CBC", "SHA384", 256, Tls12),
    s(0xc072, "TLS_ECDHE_ECDSA_WITH_CAMELLIA_128_CBC_SHA256", Some("ECDHE-ECDSA-CAMELLIA128-SHA256"), Kx::Ecdhe, Auth::Ecdsa, "CAMELLIA-128-CBC", "SHA256", 128, Tls12),
    s(0xc073, "TLS_ECDHE_ECDSA_WITH_CAMELLIA_256_CBC_SHA384", Some("ECDHE-ECDSA-CAMELLIA256-SHA384"), Kx::Ecdhe, Auth::Ecdsa, "CAMELLIA-256-CBC", "SHA384", 256, Tls12),
    s(0xc074, "TLS_ECDH_ECDSA_WITH_CAMELLIA_128_CBC_SHA256", Some("ECDH-ECDSA-CAMELLIA128-SHA256"), Kx::Ecdh, Auth::Ecdsa, "CAMELLIA-128-CBC", "SHA256", 128, Tls12),
    s(0xc075, "TLS_ECDH_ECDSA_WITH_CAMELLIA_256_CBC_SHA384", Some("ECDH-ECDSA-CAMELLIA256-SHA384"), Kx::Ecdh, Auth::Ecdsa, "CAMELLIA-256-CBC", "SHA384", 256, Tls12),
    s(0xc076, "TLS_ECDHE_RSA_WITH_CAMELLIA_128_CBC_SHA256", Some("ECDHE-RSA-CAMELLIA128-SHA256"), Kx::Ecdhe, Auth::Rsa, "CAMELLIA-128-CBC", "SHA256", 128, Tls12),
    s(0xc077, "TLS_ECDHE_RSA_WITH_CAMELLIA_256_CBC_SHA384", Some("ECDHE-RSA-CAMELLIA256-SHA384"), Kx::Ecdhe, Auth::Rsa, "CAMELLIA-256-CBC", "SHA384", 256, Tls12),
    s(0xc078, "TLS_ECDH_RSA_WITH_CAMELLIA_128_CBC_SHA256", Some("ECDH-RSA-CAMELLIA128-SHA256"), Kx::Ecdh, Auth::Rsa, "CAMELLIA-128-CBC", "SHA256", 128, Tls12),
    s(0xc079, "TLS_ECDH_RSA_WITH_CAMELLIA_256_CBC_SHA384", Some("ECDH-RSA-CAMELLIA256-SHA384"), Kx::Ecdh, Auth::Rsa, "CAMELLIA-256-CBC", "SHA384", 256, Tls12),
    s(0xc07a, "TLS_RSA_WITH_CAMELLIA_128_GCM_SHA256", None, Kx::Rsa, Auth::Rsa, "CAMELLIA-128-GCM", "AEAD", 128, Tls12),
    s(0xc07b, "TLS_RSA_WITH_CAMELLIA_256_GCM_SHA384", None, Kx::Rsa, Auth::Rsa, "CAMELLIA-256-GCM", "AEAD", 256, Tls12),
    s(0xc07c, "TLS_DHE_RSA_WITH_CAMELLIA_128_GCM_SHA256", None, Kx::Dhe, Auth::Rsa, "CAMELLIA-128-GCM", "AEAD", 128, Tls12),
    s(0xc07d, "TLS_DHE_RSA_WITH_CAMELLIA_256_GCM_SHA384", None, Kx::Dhe, Auth::Rsa, "CAMELLIA-256-GCM", "AEAD", 256, Tls12),
    s(0xc07e, "TLS_DH_RSA_WITH_CAMELLIA_128_GCM_SHA256", None, Kx::Dh, Auth::Rsa, "CAMELLIA-128-GCM", "AEAD", 128, Tls12),
    s(0xc07f, "TLS_DH_RSA_WITH_CAMELLIA_256_GCM_SHA384", None, Kx::Dh, Auth::Rsa, "CAMELLIA-256-GCM", "AEAD", 256, Tls12),
    s(0xc080, "TLS_DHE_DSS_WITH_CAMELLIA_128_GCM_SHA256", None, Kx::Dhe, Auth::Dss, "CAMELLIA-128-GCM", "AEAD", 128, Tls12),
    s(0xc081, "TLS_DHE_DSS_WITH_CAMELLIA_256_GCM_SHA384", None, Kx::Dhe, Auth::Dss, "CAMELLIA-256-GCM", "AEAD", 256, Tls12),
    s(0xc082, "TLS_DH_DSS_WITH_CAMELLIA_128_GCM_SHA256", None, Kx::Dh, Auth::Dss, "CAMELLIA-128-GCM", "AEAD", 128, Tls12),
    s(0xc083, "TLS_DH_DSS_WITH_CAMELLIA_256_GCM_SHA384", None, Kx::Dh, Auth::Dss, "CAMELLIA-256-GCM", "AEAD", 256, Tls12),
    s(0xc084, "TLS_DH_anon_WITH_CAMELLIA_128_GCM_SHA256", None, Kx::Dhe, Auth::Anon, "CAMELLIA-128-GCM", "AEAD", 128, Tls12),
    s(0xc085, "TLS_DH_anon_WITH_CAMELLIA_256_GCM_SHA384", None, Kx::Dhe, Auth::Anon, "CAMELLIA-256-GCM", "AEAD", 256, Tls12),
    s(0xc086, "TLS_ECDHE_ECDSA_WITH_CAMELLIA_128_GCM_SHA256", None, Kx::Ecdhe, Auth::Ecdsa, "CAMELLIA-128-GCM", "AEAD", 128, Tls12),
    s(0xc087, "TLS_ECDHE_ECDSA_WITH_CAMELLIA_256_GCM_SHA384", None, Kx::Ecdhe, Auth::Ecdsa, "CAMELLIA-256-GCM", "AEAD", 256, Tls12),
    s(0xc088, "TLS_ECDH_ECDSA_WITH_CAMELLIA_128_GCM_SHA256", None, Kx::Ecdh, Auth::Ecdsa, "CAMELLIA-128-GCM", "AEAD", 128, Tls12),
    s(0xc089, "TLS_ECDH_ECDSA_WITH_CAMELLIA_256_GCM_SHA384", None, Kx::Ecdh, Auth::Ecdsa, "CAMELLIA-256-GCM", "AEAD", 256, Tls12),
    s(0xc08a, "TLS_ECDHE_RSA_WITH_CAMELLIA_128_GCM_SHA256", None, Kx::Ecdhe, Auth::Rsa, "CAMELLIA-128-GCM", "AEAD", 128, Tls12),
    s(0xc08b, "TLS_ECDHE_RSA_WITH_CAMELLIA_256_GCM_SHA384", None, Kx::Ecdhe, Auth::Rsa, "CAMELLIA-256-GCM", "AEAD", 256, Tls12),
    s(0xc08c, "TLS_ECDH_RSA_WITH_CAMELLIA_128_GCM_SHA256", None, Kx::Ecdh, Auth::Rsa, "CAMELLIA-128-GCM", "AEAD", 128, Tls12),
    s(0xc08d, "TLS_ECDH_RSA_WITH_CAMELLIA_256_GCM_SHA384", None, Kx::Ecdh, Auth::Rsa, "CAMELLIA-256-GCM", "AEAD", 256, Tls12),
    s(0xc08e, "TLS_PSK_WITH_CAMELLIA_128_GCM_SHA256", None, Kx::Psk, Auth::Psk, "CAMELLIA-128-GCM", "AEAD", 128, Tls12),
    s(0xc08f, "TLS_PSK_WITH_CAMELLIA_256_GCM_SHA384", None, Kx::Psk, Auth::Psk, "CAMELLIA-256-GCM", "AEAD", 256, Tls12),
    s(0xc090, "TLS_DHE_PSK_WITH_CAMELLIA_128_GCM_SHA256", None, Kx::DhePsk, Auth::Psk, "CAMELLIA-128-GCM", "AEAD", 128, Tls12),
    s(0xc091, "TLS_DHE_PSK_WITH_CAMELLIA_256_GCM_SHA384", None, Kx::DhePsk, Auth::Psk, "CAMELLIA-256-GCM", "AEAD", 256, Tls12),
    s(0xc092, "TLS_RSA_PSK_WITH_CAMELLIA_128_GCM_SHA256", None, Kx::RsaPsk, Auth::Rsa, "CAMELLIA-128-GCM", "AEAD", 128, Tls12),
    s(0xc093, "TLS_RSA_PSK_WITH_CAMELLIA_256_GCM_SHA384", None, Kx::RsaPsk, Auth::Rsa, "CAMELLIA-256-GCM", "AEAD", 256, Tls12),
    s(0xc094, "TLS_PSK_WITH_CAMELLIA_128_CBC_SHA256", Some("PSK-CAMELLIA128-SHA256"), Kx::Psk, Auth::Psk, "CAMELLIA-128-CBC", "SHA256", 128, Tls12),
    s(0xc095, "TLS_PSK_WITH_CAMELLIA_256_CBC_SHA384", Some("PSK-CAMELLIA256-SHA384"), Kx::Psk, Auth::Psk, "CAMELLIA-256-CBC", "SHA384", 256, Tls12),
    s(0xc096, "TLS_DHE_PSK_WITH_CAMELLIA_128_CBC_SHA256", Some("DHE-PSK-CAMELLIA128-SHA256"), Kx::DhePsk, Auth::Psk, "CAMELLIA-128-CBC", "SHA256", 128, Tls12),
    s(0xc097, "TLS_DHE_PSK_WITH_CAMELLIA_256_CBC_SHA384", Some("DHE-PSK-CAMELLIA256-SHA384"), Kx::DhePsk, Auth::Psk, "CAMELLIA-256-CBC", "SHA384", 256, Tls12),
    s(0xc098, "TLS_RSA_PSK_WITH_CAMELLIA_128_CBC_SHA256", Some("RSA-PSK-CAMELLIA128-SHA256"), Kx::RsaPsk, Auth::Rsa, "CAMELLIA-128-CBC", "SHA256", 128, Tls12),
    s(0xc099, "TLS_RSA_PSK_WITH_CAMELLIA_256_CBC_SHA384", Some("RSA-PSK-CAMELLIA256-SHA384"), Kx::RsaPsk, Auth::Rsa, "CAMELLIA-256-CBC", "SHA384", 256, Tls12),
    s(0xc09a, "TLS_ECDHE_PSK_WITH_CAMELLIA_128_CBC_SHA256", Some("ECDHE-PSK-CAMELLIA128-SHA256"), Kx::EcdhePsk, Auth::Psk, "CAMELLIA-128-CBC", "SHA256", 128, Tls12),
    s(0xc09b, "TLS_ECDHE_PSK_WITH_CAMELLIA_256_CBC_SHA384", Some("ECDHE-PSK-CAMELLIA256-SHA384"), Kx::EcdhePsk, Auth::Psk, "CAMELLIA-256-CBC", "SHA384", 256, Tls12),
    s(0xc09c, "TLS_RSA_WITH_AES_128_CCM", Some("AES128-CCM"), Kx::Rsa, Auth::Rsa, "AES-128-CCM", "AEAD", 128, Tls12),
    s(0xc09d, "TLS_RSA_WITH_AES_256_CCM", Some("AES256-CCM"), Kx::Rsa, Auth::Rsa, "AES-256-CCM", "AEAD", 256, Tls12),
    s(0xc09e, "TLS_DHE_RSA_WITH_AES_128_CCM", Some("DHE-RSA-AES128-CCM"), Kx::Dhe, Auth::Rsa, "AES-128-CCM", "AEAD", 128, Tls12),
    s(0xc09f, "TLS_DHE_RSA_WITH_AES_256_CCM", Some("DHE-RSA-AES256-CCM"), Kx::Dhe, Auth::Rsa, "AES-256-CCM", "AEAD", 256, Tls12),
    s(0xc0a0, "TLS_RSA_WITH_AES_128_CCM_8", Some("AES128-CCM8"), Kx::Rsa, Auth::Rsa, "AES-128-CCM-8", "AEAD", 128, Tls12),
    s(0xc0a1, "TLS_RSA_WITH_AES_256_CCM_8", Some("AES256-CCM8"), Kx::Rsa, Auth::Rsa, "AES-256-CCM-8", "AEAD", 256, Tls12),
    s(0xc0a2, "TLS_DHE_RSA_WITH_AES_128_CCM_8", Some("DHE-RSA-AES128-CCM8"), Kx::Dhe, Auth::Rsa, "AES-128-CCM-8", "AEAD", 128, Tls12),
    s(0xc0a3, "TLS_DHE_RSA_WITH_AES_256_CCM_8", Some("DHE-RSA-AES256-CCM8"), Kx::Dhe, Auth::Rsa, "AES-256-CCM-8", "AEAD", 256, Tls12),
    s(0xc0a4, "TLS_PSK_WITH_AES_128_CCM", Some("PSK-AES128-CCM"), Kx::Psk, Auth::Psk, "AES-128-CCM", "AEAD", 128, Tls12),
    s(0xc0a5, "TLS_PSK_WITH_AES_256_CCM", Some("PSK-AES256-CCM"), Kx::Psk, Auth::Psk, "AES-256-CCM", "AEAD", 256, Tls12),
    s(0xc0a6, "TLS_DHE_PSK_WITH_AES_128_CCM", Some("DHE-PSK-AES128-CCM"), Kx::DhePsk, Auth::Psk, "AES-128-CCM", "AEAD", 128, Tls12),
    s(0xc0a7, "TLS_DHE_PSK_WITH_AES_256_CCM", Some("DHE-PSK-AES256-CCM"), Kx::DhePsk, Auth::Psk, "AES-256-CCM", "AEAD", 256, Tls12),
    s(0xc0a8, "TLS_PSK_WITH_AES_128_CCM_8", Some("PSK-AES128-CCM8"), Kx::Psk, Auth::Psk, "AES-128-CCM-8", "AEAD", 128, Tls12),
    s(0xc0a9, "TLS_PSK_WITH_AES_256_CCM_8", Some("PSK-AES256-CCM8"), Kx::Psk, Auth::Psk, "AES-256-CCM-8", "AEAD", 256, Tls12),
    s(0xc0aa, "TLS_PSK_DHE_WITH_AES_128_CCM_8", Some("DHE-PSK-AES128-CCM8"), Kx::DhePsk, Auth::Psk, "AES-128-CCM-8", "AEAD", 128, Tls12),
    s(0xc0ab, "TLS_PSK_DHE_WITH_AES_256_CCM_8", Some("DHE-PSK-AES256-CCM8"), Kx::DhePsk, Auth::Psk, "AES-256-CCM-8", "AEAD", 256, Tls12),
    s(0xc0ac, "TLS_ECDHE_ECDSA_WITH_AES_128_CCM", Some("ECDHE-ECDSA-AES128-CCM"), Kx::Ecdhe, Auth::Ecdsa, "AES-128-CCM", "AEAD", 128, Tls12),
    s(0xc0ad, "TLS_ECDHE_ECDSA_WITH_AES_256_CCM", Some("ECDHE-ECDSA-AES256-CCM"), Kx::Ecdhe, Auth::Ecdsa, "AES-256-CCM", "AEAD", 256, Tls12),
    s(0xc0ae, "TLS_ECDHE_ECDSA_WITH_AES_128_CCM_8", Some("ECDHE-ECDSA-AES128-CCM8"), Kx::Ecdhe, Auth::Ecdsa, "AES-128-CCM-8", "AEAD", 128, Tls12),
    s(0xc0af, "TLS_ECDHE_ECDSA_WITH_AES_256_CCM_8", Some("ECDHE-ECDSA-AES256-CCM8"), Kx::Ecdhe, Auth::Ecdsa, "AES-256-CCM-8", "AEAD", 256, Tls12),
    s(0xc0b0, "TLS_ECCPWD_WITH_AES_128_GCM_SHA256", None, Kx::Eccpwd, Auth::Eccpwd, "AES-128-GCM", "AEAD", 128, Tls12),
    s(0xc0b1, "TLS_ECCPWD_WITH_AES_256_GCM_SHA384", None, Kx::Eccpwd, Auth::Eccpwd, "AES-256-GCM", "AEAD", 256, Tls12),
    s(0xc0b2, "TLS_ECCPWD_WITH_AES_128_CCM_SHA256", None, Kx::Eccpwd, Auth::Eccpwd, "AES-128-CCM", "AEAD", 128, Tls12),
    s(0xc0b3, "TLS_ECCPWD_WITH_AES_256_CCM_SHA384", None, Kx::Eccpwd, Auth::Eccpwd, "AES-256-CCM", "AEAD", 256, Tls12),
    s(0xc0b4, "TLS_SHA256_SHA256", None, Kx::Tls13, Auth::Tls13, "NULL", "SHA256", 0, Tls13),
    s(0xc0b5, "TLS_SHA384_SHA384", None, Kx::Tls13, Auth::Tls13, "NULL", "SHA384", 0, Tls13),
    s(0xc100, "TLS_GOSTR341112_256_WITH_KUZNYECHIK_CTR_OMAC", Some("GOST2012-KUZNYECHIK-KUZNYECHIKOMAC"), Kx::Gost, Auth::Gost, "KUZNYECHIK-CTR", "KUZNYECHIK-OMAC", 256, Tls12),
    s(0xc101, "TLS_GOSTR341112_256_WITH_MAGMA_CTR_OMAC", Some("GOST2012-MAGMA-MAGMAOMAC"), Kx::Gost, Auth::Gost, "MAGMA-CTR", "MAGMA-OMAC", 256, Tls12),
    s(0xc102, "TLS_GOSTR341112_256_WITH_28147_CNT_IMIT", Some("IANA-GOST2012-GOST8912-GOST8912"), Kx::Gost, Auth::Gost, "GOST28147-CNT", "GOST28147-IMIT", 256, Tls12),
    s(0xc103, "TLS_GOSTR341112_256_WITH_KUZNYECHIK_MGM_L", None, Kx::Tls13, Auth::Tls13, "KUZNYECHIK-MGM-L", "AEAD", 256, Tls13),
    s(0xc104, "TLS_GOSTR341112_256_WITH_MAGMA_MGM_L", None, Kx::Tls13, Auth::Tls13, "MAGMA-MGM-L", "AEAD", 256, Tls13),
    s(0xc105, "TLS_GOSTR341112_256_WITH_KUZNYECHIK_MGM_S", None, Kx::Tls13, Auth::Tls13, "KUZNYECHIK-MGM-S", "AEAD", 256, Tls13),
    s(0xc106, "TLS_GOSTR341112_256_WITH_MAGMA_MGM_S", None, Kx::Tls13, Auth::Tls13, "MAGMA-MGM-S", "AEAD", 256, Tls13),
    s(0xcca8, "TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256", Some("ECDHE-RSA-CHACHA20-POLY1305"), Kx::Ecdhe, Auth::Rsa, "CHACHA20-POLY1305", "AEAD", 256, Tls12),
    s(0xcca9, "TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256", Some("ECDHE-ECDSA-CHACHA20-POLY1305"), Kx::Ecdhe, Auth::Ecdsa, "CHACHA20-POLY1305", "AEAD", 256, Tls12),
    s(0xccaa, "TLS_DHE_RSA_WITH_CHACHA20_POLY1305_SHA256", Some("DHE-RSA-CHACHA20-POLY1305"), Kx::Dhe, Auth::Rsa, "CHACHA20-POLY1305", "AEAD", 256, Tls12),
    s(0xccab, "TLS_PSK_WITH_CHACHA20_POLY1305_SHA256", Some("PSK-CHACHA20-POLY1305"), Kx::Psk, Auth::Psk, "CHACHA20-POLY1305", "AEAD", 256, Tls12),
    s(0xccac, "TLS_ECDHE_PSK_WITH_CHACHA20_POLY1305_SHA256", Some("ECDHE-PSK-CHACHA20-POLY1305"), Kx::EcdhePsk, Auth::Psk, "CHACHA20-POLY1305", "AEAD", 256, Tls12),
    s(0xccad, "TLS_DHE_PSK_WITH_CHACHA20_POLY1305_SHA256", Some("DHE-PSK-CHACHA20-POLY1305"), Kx::DhePsk, Auth::Psk, "CHACHA20-POLY1305", "AEAD", 256, Tls12),
    s(0xccae, "TLS_RSA_PSK_WITH_CHACHA20_POLY1305_SHA256", Some("RSA-PSK-CHACHA20-POLY1305"), Kx::RsaPsk, Auth::Rsa, "CHACHA20-POLY1305", "AEAD", 256, Tls12),
    s(0xd001, "TLS_ECDHE_PSK_WITH_AES_128_GCM_SHA256", None, Kx::EcdhePsk, Auth::Psk, "AES-128-GCM", "AEAD", 128, Tls12),
    s(0xd002, "TLS_ECDHE_PSK_WITH_AES_256_GCM_SHA384", None, Kx::EcdhePsk, Auth::Psk, "AES-256-GCM", "AEAD", 256, Tls12),
    s(0xd003, "TLS_ECDHE_PSK_WITH_AES_128_CCM_8_SHA256", None, Kx::EcdhePsk, Auth::Psk, "AES-128-CCM-8", "AEAD", 128, Tls12),
    s(0xd005, "TLS_ECDHE_PSK_WITH_AES_128_CCM_SHA256", None, Kx::EcdhePsk, Auth::Psk, "AES-128-CCM", "AEAD", 128, Tls12),
];

/// Every IANA-assigned cipher suite (350 of them), sorted by code point.
pub fn all_suites() -> &'static [SuiteInfo] {
    SUITES
}

/// The registry entry of a cipher suite; `None` for unassigned values,
/// GREASE and the two signalling values (0x00FF, 0x5600).
pub fn suite_info(id: u16) -> Option<&'static SuiteInfo> {
    SUITES
        .binary_search_by_key(&id, |s| s.id)
        .ok()
        .and_then(|i| SUITES.get(i))
}

/// The suites a client may offer in a ClientHello whose highest version is
/// `version`, in code-point order: for TLS 1.3 (0x0304) only the TLS 1.3
/// suites; for TLS 1.2 (0x0303) every other suite; below (SSLv3 0x0300 to
/// TLS 1.1 0x0302) every suite that is neither TLS 1.3 nor TLS 1.2-only.
/// Values above 0x0304 are treated as TLS 1.3, values below 0x0300 as
/// SSLv3.
pub fn suites_for_version(version: u16) -> Vec<u16> {
    SUITES
        .iter()
        .filter(|s| match version {
            v if v >= 0x0304 => s.tls13,
            0x0303 => !s.tls13,
            _ => !s.tls13 && !s.tls12_only,
        })
        .map(|s| s.id)
        .collect()
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::indexing_slicing, clippy::panic)]
mod tests {
    use super::*;

    #[test]
    fn sorted_unique_and_complete() {
        for w in SUITES.windows(2) {
            assert!(w[0].id < w[1].id, "{:#06x} !< {:#06x}", w[0].id, w[1].id);
        }
        assert_eq!(SUITES.len(), 350);
        assert!(suite_info(0x00ff).is_none());
        assert!(suite_info(0x5600).is_none());
        assert!(suite_info(0x0a0a).is_none());
        for s in SUITES {
            assert!(s.iana.starts_with("TLS_"), "{}", s.iana);
            assert_eq!(suite_info(s.id), Some(s));
            // At most one class.
            assert!(u8::from(s.tls13) + u8::from(s.tls12_only) + u8::from(s.export) <= 1);
            assert_eq!(s.bits == 0, s.enc == "NULL", "{}", s.iana);
            if s.id >> 8 == 0x13 {
                assert!(s.tls13);
            }
            if s.mac == "AEAD" || s.mac == "SHA256" || s.mac == "SHA384" {
                assert!(s.tls13 || s.tls12_only, "{}", s.iana);
            }
            if s.iana.contains("_anon_") {
                assert_eq!(s.auth, Auth::Anon, "{}", s.iana);
            }
            if s.iana.contains("EXPORT") {
                assert!(s.export && s.bits == 40, "{}", s.iana);
            }
        }
        // OpenSSL names are unique too.
        let mut names: Vec<&str> = SUITES.iter().filter_map(|s| s.openssl).collect();
        let n = names.len();
        names.sort_unstable();
        names.dedup();
        assert_eq!(names.len(), n);
    }

    #[allow(clippy::too_many_arguments)]
    fn check(
        id: u16,
        iana: &str,
        openssl: Option<&str>,
        kx: Kx,
        auth: Auth,
        enc: &str,
        mac: &str,
        bits: u16,
    ) -> &'static SuiteInfo {
        let s = suite_info(id).unwrap_or_else(|| panic!("{id:#06x} missing"));
        assert_eq!(
            (s.iana, s.openssl, s.kx, s.auth, s.enc, s.mac, s.bits),
            (iana, openssl, kx, auth, enc, mac, bits),
            "{id:#06x}"
        );
        s
    }

    #[test]
    fn spot_checks() {
        let s = check(
            0x002f,
            "TLS_RSA_WITH_AES_128_CBC_SHA",
            Some("AES128-SHA"),
            Kx::Rsa,
            Auth::Rsa,
            "AES-128-CBC",
            "SHA1",
            128,
        );
        assert!(!s.forward_secret() && !s.tls12_only && !s.tls13 && s.weakness().is_none());
        check(
            0x0035,
            "TLS_RSA_WITH_AES_256_CBC_SHA",
            Some("AES256-SHA"),
            Kx::Rsa,
            Auth::Rsa,
            "AES-256-CBC",
            "SHA1",
            256,
        );
        let s = check(
            0x000a,
            "TLS_RSA_WITH_3DES_EDE_CBC_SHA",
            Some("DES-CBC3-SHA"),
            Kx::Rsa,
            Auth::Rsa,
            "3DES-EDE-CBC",
            "SHA1",
            112,
        );
        assert_eq!(s.weakness(), Some("3DES"));
        let s = check(
            0x0005,
            "TLS_RSA_WITH_RC4_128_SHA",
            Some("RC4-SHA"),
            Kx::Rsa,
            Auth::Rsa,
            "RC4-128",
            "SHA1",
            128,
        );
        assert_eq!(s.weakness(), Some("RC4"));
        let s = check(
            0x0004,
            "TLS_RSA_WITH_RC4_128_MD5",
            Some("RC4-MD5"),
            Kx::Rsa,
            Auth::Rsa,
            "RC4-128",
            "MD5",
            128,
        );
        assert_eq!(s.weakness(), Some("RC4"));
        let s = check(
            0xc02f,
            "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256",
            Some("ECDHE-RSA-AES128-GCM-SHA256"),
            Kx::Ecdhe,
            Auth::Rsa,
            "AES-128-GCM",
            "AEAD",
            128,
        );
        assert!(s.forward_secret() && s.tls12_only && s.weakness().is_none());
        check(
            0xc030,
            "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384",
            Some("ECDHE-RSA-AES256-GCM-SHA384"),
            Kx::Ecdhe,
            Auth::Rsa,
            "AES-256-GCM",
            "AEAD",
            256,
        );
        let s = check(
            0xcca8,
            "TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256",
            Some("ECDHE-RSA-CHACHA20-POLY1305"),
            Kx::Ecdhe,
            Auth::Rsa,
            "CHACHA20-POLY1305",
            "AEAD",
            256,
        );
        assert!(s.tls12_only);
        let s = check(
            0x009e,
            "TLS_DHE_RSA_WITH_AES_128_GCM_SHA256",
            Some("DHE-RSA-AES128-GCM-SHA256"),
            Kx::Dhe,
            Auth::Rsa,
            "AES-128-GCM",
            "AEAD",
            128,
        );
        assert!(s.forward_secret() && s.tls12_only);
        let s = check(
            0x1301,
            "TLS_AES_128_GCM_SHA256",
            Some("TLS_AES_128_GCM_SHA256"),
            Kx::Tls13,
            Auth::Tls13,
            "AES-128-GCM",
            "AEAD",
            128,
        );
        assert!(s.tls13 && !s.tls12_only && s.forward_secret());
        check(
            0x1302,
            "TLS_AES_256_GCM_SHA384",
            Some("TLS_AES_256_GCM_SHA384"),
            Kx::Tls13,
            Auth::Tls13,
            "AES-256-GCM",
            "AEAD",
            256,
        );
        check(
            0x1303,
            "TLS_CHACHA20_POLY1305_SHA256",
            Some("TLS_CHACHA20_POLY1305_SHA256"),
            Kx::Tls13,
            Auth::Tls13,
            "CHACHA20-POLY1305",
            "AEAD",
            256,
        );
        check(
            0x1305,
            "TLS_AES_128_CCM_8_SHA256",
            Some("TLS_AES_128_CCM_8_SHA256"),
            Kx::Tls13,
            Auth::Tls13,
            "AES-128-CCM-8",
            "AEAD",
            128,
        );
        let s = check(
            0x0000,
            "TLS_NULL_WITH_NULL_NULL",
            None,
            Kx::Null,
            Auth::Null,
            "NULL",
            "NULL",
            0,
        );
        assert_eq!(s.weakness(), Some("NULL encryption"));
        let s = check(
            0x0003,
            "TLS_RSA_EXPORT_WITH_RC4_40_MD5",
            Some("EXP-RC4-MD5"),
            Kx::RsaExport,
            Auth::Rsa,
            "RC4-40",
            "MD5",
            40,
        );
        assert!(s.export && !s.tls12_only);
        assert_eq!(s.weakness(), Some("EXPORT"));
        let s = check(
            0x0018,
            "TLS_DH_anon_WITH_RC4_128_MD5",
            Some("ADH-RC4-MD5"),
            Kx::Dhe,
            Auth::Anon,
            "RC4-128",
            "MD5",
            128,
        );
        assert_eq!(s.weakness(), Some("anonymous (no authentication)"));
        let s = check(
            0x0009,
            "TLS_RSA_WITH_DES_CBC_SHA",
            Some("DES-CBC-SHA"),
            Kx::Rsa,
            Auth::Rsa,
            "DES-CBC",
            "SHA1",
            56,
        );
        assert_eq!(s.weakness(), Some("DES"));
        let s = check(
            0x0014,
            "TLS_DHE_RSA_EXPORT_WITH_DES40_CBC_SHA",
            Some("EXP-DHE-RSA-DES-CBC-SHA"),
            Kx::DheExport,
            Auth::Rsa,
            "DES40-CBC",
            "SHA1",
            40,
        );
        assert!(s.forward_secret());
        check(
            0x0016,
            "TLS_DHE_RSA_WITH_3DES_EDE_CBC_SHA",
            Some("DHE-RSA-DES-CBC3-SHA"),
            Kx::Dhe,
            Auth::Rsa,
            "3DES-EDE-CBC",
            "SHA1",
            112,
        );
        let s = check(
            0xc100,
            "TLS_GOSTR341112_256_WITH_KUZNYECHIK_CTR_OMAC",
            Some("GOST2012-KUZNYECHIK-KUZNYECHIKOMAC"),
            Kx::Gost,
            Auth::Gost,
            "KUZNYECHIK-CTR",
            "KUZNYECHIK-OMAC",
            256,
        );
        assert!(s.tls12_only);
        let s = check(
            0xc103,
            "TLS_GOSTR341112_256_WITH_KUZNYECHIK_MGM_L",
            None,
            Kx::Tls13,
            Auth::Tls13,
            "KUZNYECHIK-MGM-L",
            "AEAD",
            256,
        );
        assert!(s.tls13);
        check(
            0xc0b0,
            "TLS_ECCPWD_WITH_AES_128_GCM_SHA256",
            None,
            Kx::Eccpwd,
            Auth::Eccpwd,
            "AES-128-GCM",
            "AEAD",
            128,
        );
        check(
            0xc0aa,
            "TLS_PSK_DHE_WITH_AES_128_CCM_8",
            Some("DHE-PSK-AES128-CCM8"),
            Kx::DhePsk,
            Auth::Psk,
            "AES-128-CCM-8",
            "AEAD",
            128,
        );
        let s = check(
            0xc0b4,
            "TLS_SHA256_SHA256",
            None,
            Kx::Tls13,
            Auth::Tls13,
            "NULL",
            "SHA256",
            0,
        );
        assert!(s.tls13);
        check(
            0x0001,
            "TLS_RSA_WITH_NULL_MD5",
            Some("NULL-MD5"),
            Kx::Rsa,
            Auth::Rsa,
            "NULL",
            "MD5",
            0,
        );
        let s = check(
            0x0007,
            "TLS_RSA_WITH_IDEA_CBC_SHA",
            Some("IDEA-CBC-SHA"),
            Kx::Rsa,
            Auth::Rsa,
            "IDEA-CBC",
            "SHA1",
            128,
        );
        assert_eq!(s.weakness(), None);
        let s = check(
            0xc01a,
            "TLS_SRP_SHA_WITH_3DES_EDE_CBC_SHA",
            Some("SRP-3DES-EDE-CBC-SHA"),
            Kx::Srp,
            Auth::Srp,
            "3DES-EDE-CBC",
            "SHA1",
            112,
        );
        assert!(!s.forward_secret());
    }

    #[test]
    fn suites_per_version() {
        let v13 = suites_for_version(0x0304);
        assert_eq!(v13.len(), 15);
        assert!(v13.iter().all(|&id| suite_info(id).unwrap().tls13));
        assert!(v13.contains(&0x1301) && v13.contains(&0x00c6) && v13.contains(&0xc103));
        let v12 = suites_for_version(0x0303);
        assert_eq!(v12.len(), SUITES.len() - v13.len());
        assert!(v12.contains(&0xc02f) && v12.contains(&0x0003) && !v12.contains(&0x1301));
        let v10 = suites_for_version(0x0301);
        assert!(v10.contains(&0x002f) && v10.contains(&0x0003) && v10.contains(&0x000a));
        assert!(!v10.contains(&0xc02f) && !v10.contains(&0x003c) && !v10.contains(&0xcca8));
        assert_eq!(suites_for_version(0x0300), v10);
        assert_eq!(suites_for_version(0x0302), v10);
        assert!(v10.windows(2).all(|w| w[0] < w[1]));
    }
}
