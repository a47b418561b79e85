//! Capture: an SMTP server that records what a *sending application* does, for
//! `smtp-tls-doctor client`.
//!
//! One connection is served by [`serve`]: the SMTP dialogue (STARTTLS or implicit TLS), the
//! client's ClientHello read from the wire before rustls sees it (the bytes are kept and replayed
//! into rustls), the negotiated version and suite, the alert the client sent if it aborted, the
//! AUTH mechanism (never the credentials), MAIL FROM / RCPT TO / DATA (the message is discarded).
//! The judgement is pure and separate: [`hello_report`] (the offer and its fingerprint),
//! [`would_connect`] (would this offer work against a server profile), [`judge_verification`]
//! (did the client accept a bad certificate) and [`render_text`].

use crate::diagnose::Finding;
use crate::findings::{Severity, lookup};
use crate::observe::{Alert, Mode};
use crate::simulate::{Negotiated, Profile};
use crate::smtp_line::{Line, read_line};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value, json};
use std::io;
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::{Duration, Instant};
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tokio::io::{BufReader, ReadBuf};
use tokio::time::timeout;
use wire::tls::{ClientHelloInfo, Reader, RecordError};

/// The finding reported for a client that goes on after accepting a bad certificate.
pub const SKIPS_VERIFICATION: &str = "client-skips-verification";

/// Largest ClientHello handshake message accepted (a post-quantum key share makes them ~1.8 KB;
/// RFC 8446 allows up to 2^24, nobody sends that).
pub const MAX_CLIENT_HELLO: usize = 64 * 1024;
/// Longest SMTP command line accepted (bytes, without CRLF).
const MAX_LINE: usize = 4096;
/// Largest message accepted by DATA (then 552 and the connection is closed).
const MAX_MESSAGE: usize = 25 * 1024 * 1024;
/// Protocol errors tolerated before the connection is closed.
const MAX_ERRORS: u32 = 20;
/// Transcript lines kept per connection.
const MAX_TRANSCRIPT: usize = 400;
/// Characters kept of one transcript line.
const MAX_TRANSCRIPT_LINE: usize = 300;
/// What stands in for anything the client sends during AUTH.
const REDACTED: &str = "<redacted>";
/// A certificate name no client asks for: the wrong-name certificate is made for it.
pub const WRONG_NAME: &str = "wrong-name.invalid";

// ---------------------------------------------------------------------------------------------
// The certificate presented
// ---------------------------------------------------------------------------------------------

/// The certificate the server presents on a connection.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum CertKind {
    /// Valid, for the configured name, issued by the capture CA (the file written at start).
    Good,
    /// Valid and issued by the capture CA, but for `wrong-name.invalid`.
    WrongName,
    /// For the configured name, but self-signed.
    SelfSigned,
    /// For the configured name, issued by the capture CA, expired two days ago.
    Expired,
}

impl CertKind {
    /// The `--verify-test` cycle: connection 1, 4, 7... get the first, and so on.
    pub const VERIFY_CYCLE: [CertKind; 3] =
        [CertKind::WrongName, CertKind::SelfSigned, CertKind::Expired];

    pub fn as_str(self) -> &'static str {
        match self {
            CertKind::Good => "good",
            CertKind::WrongName => "wrong-name",
            CertKind::SelfSigned => "self-signed",
            CertKind::Expired => "expired",
        }
    }

    /// "a self-signed certificate", for sentences.
    pub fn phrase(self) -> &'static str {
        match self {
            CertKind::Good => "a valid certificate",
            CertKind::WrongName => "a certificate for another name (wrong-name.invalid)",
            CertKind::SelfSigned => "a self-signed certificate",
            CertKind::Expired => "an expired certificate",
        }
    }
}

/// A rustls server configuration (TLS 1.2 and 1.3, ring, the client's suite order) that sends
/// exactly `chain` (DER, leaf first) with the PKCS#8 or PKCS#1/SEC1 PEM `key_pem`.
pub fn server_config(
    chain: Vec<Vec<u8>>,
    key_pem: &str,
) -> Result<Arc<rustls::ServerConfig>, String> {
    use rustls::pki_types::pem::PemObject;
    use rustls::pki_types::{CertificateDer, PrivateKeyDer};
    let key = PrivateKeyDer::from_pem_slice(key_pem.as_bytes())
        .map_err(|e| format!("cannot read the private key: {e}"))?;
    let chain: Vec<CertificateDer<'static>> = chain.into_iter().map(CertificateDer::from).collect();
    let config = rustls::ServerConfig::builder_with_provider(crate::tls::provider())
        .with_protocol_versions(&[&rustls::version::TLS13, &rustls::version::TLS12])
        .map_err(|e| e.to_string())?
        .with_no_client_auth()
        .with_single_cert(chain, key)
        .map_err(|e| format!("cannot use the certificate: {e}"))?;
    // The client's suite order is kept (rustls' default), so that the negotiated suite is the
    // client's own first choice among what rustls offers.
    Ok(Arc::new(config))
}

// ---------------------------------------------------------------------------------------------
// Reports
// ---------------------------------------------------------------------------------------------

/// Everything recorded about one connection: one JSON line of `client --json`
/// (docs/capture.md lists every field).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ConnectionReport {
    /// Always "connection" (the first line of `--json` output has "listening").
    #[serde(rename = "type")]
    pub kind: String,
    /// 1 for the first connection served, and so on.
    pub number: u64,
    /// The client's address, "IP:PORT".
    pub peer: String,
    /// The address the client connected to.
    pub local: String,
    pub mode: Mode,
    /// RFC 3339.
    pub started_at: String,
    pub duration_ms: u64,
    /// The first line of the text report.
    pub verdict: String,
    /// The certificate presented on this connection.
    pub certificate: CertKind,
    pub smtp: SmtpActions,
    /// The TLS handshake; null when the client never started one.
    pub tls: Option<TlsReport>,
    /// The ClientHello as the client sent it; null when none was received or it did not parse.
    pub client_hello: Option<HelloReport>,
    /// Why there is no `client_hello` although TLS started.
    pub client_hello_error: Option<String>,
    /// Only with `--verify-test`.
    pub verification: Option<Verification>,
    pub findings: Vec<Finding>,
    /// Would this client's offer work against each server profile.
    pub servers: Vec<ServerVerdict>,
    /// The caveat of `servers`.
    pub servers_note: String,
    pub transcript: Vec<TranscriptLine>,
    /// Transcript lines left out (the transcript keeps the first 400).
    pub transcript_omitted: usize,
}

/// What the client did in SMTP.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SmtpActions {
    /// "EHLO" or "HELO": the first greeting command.
    pub greeting: Option<String>,
    /// The name given with the first EHLO/HELO.
    pub ehlo: Option<String>,
    /// The name given with EHLO/HELO once TLS was on (after STARTTLS).
    pub ehlo_after_tls: Option<String>,
    /// The client sent STARTTLS.
    pub starttls: bool,
    /// The AUTH mechanism the client chose (upper case); the credentials are never kept.
    pub auth: Option<String>,
    /// The client sent AUTH once TLS was on.
    pub auth_over_tls: bool,
    /// The AUTH exchange ended with 235.
    pub auth_accepted: bool,
    /// The client tried AUTH before TLS was on (refused with 530; what it sent is not kept).
    pub auth_without_tls: bool,
    /// The client sent MAIL FROM (at any point).
    pub mail_from: bool,
    /// The client sent MAIL FROM before TLS was on.
    pub mail_without_tls: bool,
    /// The client sent MAIL FROM once TLS was on.
    pub mail_over_tls: bool,
    /// RCPT TO commands accepted.
    pub rcpt_to: u32,
    /// The client sent DATA and it was accepted (354).
    pub data: bool,
    /// Messages received completely (each answered 250 and discarded).
    pub messages: u32,
    /// Bytes of message data received in all (discarded).
    pub message_bytes: u64,
    /// The client ended with QUIT.
    pub quit: bool,
}

/// The TLS handshake as seen by the server.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct TlsReport {
    /// "completed" or "failed".
    pub handshake: String,
    /// "TLSv1.3", when completed.
    pub version: Option<String>,
    /// "0x1302 TLS_AES_256_GCM_SHA384", when completed.
    pub cipher_suite: Option<String>,
    /// The key-exchange group, e.g. "x25519", when completed (and known).
    pub group: Option<String>,
    /// The alert the client sent (during the handshake, or later instead of SMTP).
    pub alert: Option<Alert>,
    /// The client closed the connection during the handshake (after its ClientHello), without
    /// an alert.
    pub client_closed: bool,
    /// Why the handshake failed, in words.
    pub error: Option<String>,
}

/// The ClientHello, decoded.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct HelloReport {
    /// Versions offered, highest first: supported_versions without GREASE, or without that
    /// extension the legacy_version alone.
    pub versions: Vec<String>,
    /// legacy_version, e.g. "TLSv1.2".
    pub legacy_version: String,
    /// Cipher suites in the client's order, as "0x1302 TLS_AES_256_GCM_SHA384" (GREASE as
    /// "GREASE(0x0a0a)").
    pub cipher_suites: Vec<String>,
    /// supported_groups, in order ("x25519", "secp256r1", "X25519MLKEM768", ...).
    pub groups: Vec<String>,
    /// The groups of the key_share entries.
    pub key_shares: Vec<String>,
    /// signature_algorithms, in order ("ecdsa_secp256r1_sha256", ...).
    pub signature_algorithms: Vec<String>,
    /// The server_name (SNI); null when none was sent.
    pub sni: Option<String>,
    /// ALPN protocols offered.
    pub alpn: Vec<String>,
    /// Extension names in the order sent.
    pub extensions: Vec<String>,
    /// ec_point_formats values (0 = uncompressed).
    pub point_formats: Vec<u8>,
    /// The client sends GREASE values (RFC 8701).
    pub grease: bool,
    /// The JA3-style string the fingerprint is made of: `legacy_version,suites,extensions,
    /// groups,point_formats`, decimal, `-`-separated, GREASE removed.
    pub fingerprint_string: String,
    /// Lower-case hex SHA-256 of `fingerprint_string`.
    pub fingerprint: String,
    /// The same ClientHello as numbers (wire::tls::ClientHelloInfo).
    pub codepoints: ClientHelloInfo,
}

/// The result of `--verify-test` for one connection.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Verification {
    /// The certificate presented ("wrong-name", "self-signed", "expired").
    pub certificate: CertKind,
    /// "verifies", "does-not-verify", "inconclusive" or "no-tls".
    pub result: String,
    /// The evidence in words.
    pub detail: String,
    /// The alert the client sent, if any.
    pub alert: Option<Alert>,
}

/// Would the client's offer work against one server profile.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ServerVerdict {
    pub profile: String,
    pub name: String,
    /// "ok" or "fails".
    pub result: String,
    /// When it fails: "no-common-version", "no-common-suite", "no-common-group".
    pub reason: Option<String>,
    pub detail: String,
    pub negotiated: Option<Negotiated>,
}

/// One line of the dialogue.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TranscriptLine {
    /// Milliseconds since the connection was accepted.
    pub at_ms: u64,
    /// "client", "server" or "note".
    pub from: String,
    pub text: String,
}

// ---------------------------------------------------------------------------------------------
// The ClientHello: reading it off the wire, decoding it, fingerprinting it
// ---------------------------------------------------------------------------------------------

/// Looks for a complete ClientHello at the start of the raw bytes the client sent after
/// STARTTLS (or from the first byte, in implicit TLS). `Ok(None)`: more bytes are needed.
/// `Ok(Some(body))`: the ClientHello body (without its 4-byte header), gathered across as
/// many handshake records as the client split it into.
pub fn extract_client_hello(raw: &[u8]) -> Result<Option<Vec<u8>>, String> {
    let (records, _, err) = wire::tls::split_records(raw);
    let mut handshake = Vec::new();
    for rec in &records {
        if rec.content_type != wire::tls::content_type::HANDSHAKE {
            return Err(format!(
                "the client's first TLS record is {} instead of a handshake record",
                wire::tls::content_type_name(rec.content_type)
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
    if typ != wire::tls::handshake_type::CLIENT_HELLO {
        return Err(format!(
            "the client's first handshake message is {} instead of a ClientHello",
            wire::tls::handshake_type_name(typ)
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

fn join_dec<T: std::fmt::Display>(v: impl IntoIterator<Item = T>) -> String {
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
    let g = |v: &u16| !wire::tls::is_grease(*v);
    format!(
        "{},{},{},{},{}",
        h.legacy_version,
        join_dec(h.cipher_suites.iter().filter(|v| g(v))),
        join_dec(h.extensions.iter().filter(|v| g(v))),
        join_dec(h.supported_groups.iter().filter(|v| g(v))),
        join_dec(point_formats.iter()),
    )
}

/// Lower-case hex SHA-256 (ring) of `s`.
pub fn sha256_hex(s: &str) -> String {
    ring::digest::digest(&ring::digest::SHA256, s.as_bytes())
        .as_ref()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// The versions a ClientHello offers, highest first: supported_versions without GREASE, or
/// without that extension every version from TLS 1.0 up to legacy_version (a pre-TLS 1.3
/// client accepts any version up to the one it names; its own minimum is not on the wire).
pub fn offered_versions(h: &ClientHelloInfo) -> Vec<u16> {
    let mut v: Vec<u16> = h
        .supported_versions
        .iter()
        .copied()
        .filter(|v| !wire::tls::is_grease(*v))
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

/// Decodes a ClientHello body for the report.
pub fn hello_report(body: &[u8]) -> Result<HelloReport, String> {
    let h = wire::tls::parse_client_hello(body)
        .map_err(|e| format!("the ClientHello does not parse: {e}"))?;
    let pf = point_formats(body);
    let fp = fingerprint_string(&h, &pf);
    let grease = h
        .cipher_suites
        .iter()
        .chain(&h.extensions)
        .chain(&h.supported_groups)
        .chain(&h.supported_versions)
        .any(|v| wire::tls::is_grease(*v));
    let versions = if h.supported_versions.is_empty() {
        vec![wire::tls::version_name(h.legacy_version)]
    } else {
        offered_versions(&h)
            .into_iter()
            .map(wire::tls::version_name)
            .collect()
    };
    Ok(HelloReport {
        versions,
        legacy_version: wire::tls::version_name(h.legacy_version),
        cipher_suites: h
            .cipher_suites
            .iter()
            .map(|s| wire::tls::cipher_suite_display(*s))
            .collect(),
        groups: h
            .supported_groups
            .iter()
            .map(|g| wire::tls::group_name(*g))
            .collect(),
        key_shares: h
            .key_share_groups
            .iter()
            .map(|g| wire::tls::group_name(*g))
            .collect(),
        signature_algorithms: h
            .signature_algorithms
            .iter()
            .map(|s| wire::tls::signature_scheme_name(*s))
            .collect(),
        sni: h.sni.clone(),
        alpn: h.alpn.clone(),
        extensions: h
            .extensions
            .iter()
            .map(|e| wire::tls::extension_name(*e))
            .collect(),
        point_formats: pf,
        grease,
        fingerprint: sha256_hex(&fp),
        fingerprint_string: fp,
        codepoints: h,
    })
}

// ---------------------------------------------------------------------------------------------
// Would the client connect to these servers
// ---------------------------------------------------------------------------------------------

/// What `servers` in a report means, in one sentence.
pub const SERVERS_NOTE: &str = "An approximation: each profile of role sender or receiver \
    stands for a server that accepts the versions, suites and groups that peer offers when it \
    sends (an MTA's receiving side is usually configured alike, but need not be); the server is \
    taken to follow the client's suite order; signature algorithms, certificates and key sizes \
    are not considered.";

/// The profiles `servers` is judged against: role "sender" or "receiver".
pub fn server_profiles() -> Vec<Profile> {
    crate::simulate::profiles()
        .into_iter()
        .filter(|p| p.role == "sender" || p.role == "receiver")
        .collect()
}

fn version_code(name: &str) -> Option<u16> {
    match name {
        "SSLv3" => Some(0x0300),
        "TLSv1.0" => Some(0x0301),
        "TLSv1.1" => Some(0x0302),
        "TLSv1.2" => Some(0x0303),
        "TLSv1.3" => Some(0x0304),
        _ => None,
    }
}

fn hex_id(id: &str) -> Option<u16> {
    u16::from_str_radix(id.trim_start_matches("0x").trim_start_matches("0X"), 16).ok()
}

fn names_of(v: &[u16], f: fn(u16) -> String) -> String {
    if v.is_empty() {
        "nothing".to_string()
    } else {
        v.iter().map(|x| f(*x)).collect::<Vec<_>>().join(", ")
    }
}

fn suite_short(id: u16) -> String {
    wire::tls::cipher_suite_name(id)
        .map(str::to_string)
        .unwrap_or_else(|| format!("0x{id:04x}"))
}

/// Would a server that accepts what profile `p` offers complete a handshake with this
/// ClientHello: the highest common version, then the first of the client's suites the server
/// accepts at that version, and for TLS 1.3 and ECDHE suites the first common group.
pub fn would_connect(h: &ClientHelloInfo, p: &Profile) -> ServerVerdict {
    let verdict = |result: &str, reason: Option<&str>, detail: String, neg| ServerVerdict {
        profile: p.id.clone(),
        name: p.name.clone(),
        result: result.to_string(),
        reason: reason.map(str::to_string),
        detail,
        negotiated: neg,
    };
    let client_versions = offered_versions(h);
    let server_versions: Vec<u16> = p.versions.iter().filter_map(|v| version_code(v)).collect();
    let Some(version) = client_versions
        .iter()
        .copied()
        .find(|v| server_versions.contains(v))
    else {
        return verdict(
            "fails",
            Some("no-common-version"),
            format!(
                "no version in common: the client offers {}; the server accepts {}",
                names_of(&client_versions, wire::tls::version_name),
                p.versions.join(", ")
            ),
            None,
        );
    };
    let vname = wire::tls::version_name(version);
    let server_suites: Vec<u16> = if version == 0x0304 {
        &p.suites_tls13
    } else {
        &p.suites
    }
    .iter()
    .filter_map(|s| hex_id(s))
    .collect();
    let usable_at = |id: u16| match wire::tls::suite_info(id) {
        Some(i) if version == 0x0304 => i.tls13,
        Some(i) => !i.tls13 && (version == 0x0303 || !i.tls12_only),
        None => false,
    };
    let common: Vec<u16> = h
        .cipher_suites
        .iter()
        .copied()
        .filter(|s| usable_at(*s) && server_suites.contains(s))
        .collect();
    if common.is_empty() {
        let offered: Vec<u16> = h
            .cipher_suites
            .iter()
            .copied()
            .filter(|s| usable_at(*s))
            .collect();
        return verdict(
            "fails",
            Some("no-common-suite"),
            format!(
                "at {vname} (the highest both speak) no cipher suite in common: the client offers {}; the server accepts {}",
                names_of(&offered, suite_short),
                names_of(&server_suites, suite_short)
            ),
            None,
        );
    }
    let client_groups: Vec<u16> = h
        .supported_groups
        .iter()
        .copied()
        .filter(|g| !wire::tls::is_grease(*g))
        .collect();
    let common_group = client_groups.iter().copied().find(|g| {
        let n = wire::tls::group_name(*g);
        p.groups.iter().any(|s| s.eq_ignore_ascii_case(&n))
    });
    let no_group = || {
        verdict(
            "fails",
            Some("no-common-group"),
            format!(
                "at {vname} no key-exchange group in common: the client offers {}; the server accepts {}",
                names_of(&client_groups, wire::tls::group_name),
                if p.groups.is_empty() {
                    "nothing".to_string()
                } else {
                    p.groups.join(", ")
                }
            ),
            None,
        )
    };
    let negotiated = |suite: u16, group: Option<u16>| Negotiated {
        version: vname.clone(),
        suite: format!("0x{suite:04X}"),
        suite_name: wire::tls::cipher_suite_display(suite),
        group: group.map(wire::tls::group_name),
    };
    let ok = |suite: u16, group: Option<u16>| {
        let n = negotiated(suite, group);
        verdict(
            "ok",
            None,
            format!(
                "would connect: {} with {}{}",
                n.version,
                suite_short(suite),
                n.group
                    .as_ref()
                    .map(|g| format!(", group {g}"))
                    .unwrap_or_default()
            ),
            Some(n),
        )
    };
    if version == 0x0304 {
        return match (common.first(), common_group) {
            (Some(s), Some(g)) => ok(*s, Some(g)),
            _ => no_group(),
        };
    }
    // TLS 1.2 and below: an ECDHE suite needs a common curve (a client without
    // supported_groups leaves the curve to the server); otherwise the server moves on.
    for s in &common {
        let ecdhe = wire::tls::suite_info(*s).is_some_and(|i| i.kx == wire::tls::Kx::Ecdhe);
        if !ecdhe {
            return ok(*s, None);
        }
        if client_groups.is_empty() {
            return ok(*s, None);
        }
        if let Some(g) = common_group {
            return ok(*s, Some(g));
        }
    }
    no_group()
}

// ---------------------------------------------------------------------------------------------
// Did the client verify the certificate
// ---------------------------------------------------------------------------------------------

/// Alerts that say "your certificate is not acceptable" (RFC 8446 section 6.2).
fn is_certificate_alert(code: u8) -> bool {
    matches!(code, 42..=46 | 48 | 49 | 116)
}

fn alert_words(a: &Alert) -> String {
    format!("the alert {} ({})", a.name, a.code)
}

/// How the client went on after the handshake, for sentences: "sent AUTH PLAIN and MAIL FROM".
fn went_on(s: &SmtpActions) -> Option<String> {
    let mut parts = Vec::new();
    if s.auth_over_tls {
        parts.push(
            format!("AUTH {}", s.auth.as_deref().unwrap_or(""))
                .trim_end()
                .to_string(),
        );
    }
    if s.mail_over_tls {
        parts.push("MAIL FROM".to_string());
    }
    (!parts.is_empty()).then(|| parts.join(" and "))
}

/// Judges `--verify-test` for one connection from what happened on it.
pub fn judge_verification(
    cert: CertKind,
    mode: Mode,
    tls: Option<&TlsReport>,
    smtp: &SmtpActions,
) -> Verification {
    let v = |result: &str, detail: String, alert: Option<Alert>| Verification {
        certificate: cert,
        result: result.to_string(),
        detail,
        alert,
    };
    let Some(t) = tls else {
        let what = if mode == Mode::Starttls && !smtp.starttls {
            if smtp.mail_from {
                "it did not send STARTTLS and sent MAIL FROM in plaintext"
            } else {
                "it did not send STARTTLS"
            }
        } else {
            "it left before the TLS handshake"
        };
        return v("no-tls", what.to_string(), None);
    };
    if t.handshake == "completed" {
        return match went_on(smtp) {
            Some(what) => v(
                "does-not-verify",
                format!("it accepted {} and sent {what}", cert.phrase()),
                t.alert.clone(),
            ),
            None => v(
                "inconclusive",
                format!(
                    "it completed the handshake with {} but left without sending AUTH or MAIL \
                     FROM{}: a client that checks the certificate after the handshake (JavaMail \
                     with mail.smtp.ssl.checkserveridentity=true) does this, and so does one \
                     that had nothing to send; run it again with a message to send",
                    cert.phrase(),
                    t.alert
                        .as_ref()
                        .map(|a| format!(" (it sent {})", alert_words(a)))
                        .unwrap_or_default()
                ),
                t.alert.clone(),
            ),
        };
    }
    match &t.alert {
        Some(a) if is_certificate_alert(a.code) => v(
            "verifies",
            format!("it refused {} with {}", cert.phrase(), alert_words(a)),
            Some(a.clone()),
        ),
        Some(a) => v(
            "inconclusive",
            format!(
                "it aborted the handshake with {}, which is not a certificate alert: it may have \
                 refused something else than {}",
                alert_words(a),
                cert.phrase()
            ),
            Some(a.clone()),
        ),
        None if t.client_closed => v(
            "verifies",
            format!(
                "it closed the connection during the handshake after receiving {}",
                cert.phrase()
            ),
            None,
        ),
        None => v(
            "inconclusive",
            format!(
                "the handshake failed before the certificate mattered: {}",
                t.error.as_deref().unwrap_or("unknown error")
            ),
            None,
        ),
    }
}

/// The finding for a connection, if any.
pub fn findings(verification: Option<&Verification>, tls: Option<&TlsReport>) -> Vec<Finding> {
    let Some(v) = verification.filter(|v| v.result == "does-not-verify") else {
        return Vec::new();
    };
    let mut evidence = Map::new();
    evidence.insert("certificate".into(), json!(v.certificate.as_str()));
    evidence.insert("detail".into(), Value::String(v.detail.clone()));
    if let Some(t) = tls {
        evidence.insert("version".into(), json!(t.version));
        evidence.insert("cipher_suite".into(), json!(t.cipher_suite));
    }
    vec![Finding {
        code: SKIPS_VERIFICATION.to_string(),
        severity: lookup(SKIPS_VERIFICATION)
            .map(|d| d.severity)
            .unwrap_or(Severity::Error),
        summary: format!("the client does not verify certificates: {}", v.detail),
        evidence,
    }]
}

// ---------------------------------------------------------------------------------------------
// Serving one connection
// ---------------------------------------------------------------------------------------------

/// Any byte stream the session runs on (TCP, then rustls on top of it).
pub trait Io: AsyncRead + AsyncWrite + Unpin + Send {}
impl<T: AsyncRead + AsyncWrite + Unpin + Send> Io for T {}
type BoxIo = Box<dyn Io>;

/// What to serve on one connection.
pub struct ServeParams {
    /// 1-based connection number.
    pub number: u64,
    pub mode: Mode,
    pub local: SocketAddr,
    pub peer: SocketAddr,
    /// The server configuration presenting `certificate`.
    pub tls: Arc<rustls::ServerConfig>,
    pub certificate: CertKind,
    /// Judge certificate verification (`--verify-test`).
    pub verify_test: bool,
    /// The host name in the banner and EHLO reply.
    pub hostname: String,
    /// A client silent this long is disconnected (also the handshake's limit).
    pub idle_timeout: Duration,
    /// Server profiles to judge the ClientHello against ([`server_profiles`]).
    pub servers: Vec<Profile>,
}

/// A stream that first replays bytes already read, then reads from `inner`.
struct Replay<S> {
    prefix: Vec<u8>,
    pos: usize,
    inner: S,
}

impl<S: AsyncRead + Unpin> AsyncRead for Replay<S> {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let this = &mut *self;
        if let Some(rest) = this.prefix.get(this.pos..).filter(|r| !r.is_empty()) {
            let n = rest.len().min(buf.remaining());
            buf.put_slice(rest.get(..n).unwrap_or_default());
            this.pos += n;
            return Poll::Ready(Ok(()));
        }
        Pin::new(&mut this.inner).poll_read(cx, buf)
    }
}

impl<S: AsyncWrite + Unpin> AsyncWrite for Replay<S> {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        data: &[u8],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.inner).poll_write(cx, data)
    }
    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_flush(cx)
    }
    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_shutdown(cx)
    }
}

/// The transcript, bounded.
struct Log {
    start: Instant,
    lines: Vec<TranscriptLine>,
    omitted: usize,
}

impl Log {
    fn push(&mut self, from: &str, text: &str) {
        if self.lines.len() >= MAX_TRANSCRIPT {
            self.omitted += 1;
            return;
        }
        let text: String = text.chars().take(MAX_TRANSCRIPT_LINE).collect();
        self.lines.push(TranscriptLine {
            at_ms: u64::try_from(self.start.elapsed().as_millis()).unwrap_or(u64::MAX),
            from: from.to_string(),
            text,
        });
    }
}

/// A printable version of a client line (control characters escaped).
fn printable(line: &[u8]) -> String {
    String::from_utf8_lossy(line)
        .chars()
        .map(|c| {
            if c.is_control() {
                format!("\\x{:02x}", u32::from(c))
            } else {
                c.to_string()
            }
        })
        .collect()
}

/// One line read from the client.
enum Next {
    Close,
    StartTls,
}

struct Session<'a> {
    r: BufReader<BoxIo>,
    log: &'a mut Log,
    smtp: &'a mut SmtpActions,
    hostname: &'a str,
    idle: Duration,
    tls: bool,
    greeted: bool,
    authenticated: bool,
    in_mail: bool,
    rcpts: u32,
    errors: u32,
}

impl Session<'_> {
    async fn send(&mut self, reply: &str) -> io::Result<()> {
        for l in reply.lines() {
            self.log.push("server", l);
        }
        let w = self.r.get_mut();
        w.write_all(reply.as_bytes()).await?;
        w.flush().await
    }

    /// The next line, or None when the session is over (EOF, timeout, overlong line).
    async fn next_line(&mut self, cap: usize) -> io::Result<Option<Vec<u8>>> {
        match timeout(self.idle, read_line(&mut self.r, cap)).await {
            Err(_) => {
                self.log.push("note", "the client was silent too long");
                let _ = self.send("421 4.4.2 Error: timeout exceeded\r\n").await;
                Ok(None)
            }
            Ok(Err(e)) => Err(e),
            Ok(Ok(Line::Eof)) => {
                self.log.push("note", "the client closed the connection");
                Ok(None)
            }
            Ok(Ok(Line::TooLong)) => {
                let _ = self.send("500 5.5.2 Error: line too long\r\n").await;
                Ok(None)
            }
            Ok(Ok(Line::Text(l))) => Ok(Some(l)),
        }
    }

    /// Counts a protocol error; true when there were too many.
    async fn error(&mut self, reply: &str) -> io::Result<bool> {
        self.errors += 1;
        self.send(reply).await?;
        if self.errors >= MAX_ERRORS {
            self.send("421 4.7.0 Error: too many errors\r\n").await?;
            return Ok(true);
        }
        Ok(false)
    }

    async fn serve(&mut self) -> io::Result<Next> {
        loop {
            let Some(line) = self.next_line(MAX_LINE).await? else {
                return Ok(Next::Close);
            };
            let text = String::from_utf8_lossy(&line).into_owned();
            let (verb, arg) = match text.split_once(' ') {
                Some((v, a)) => (v.to_ascii_uppercase(), a.trim().to_string()),
                None => (text.trim().to_ascii_uppercase(), String::new()),
            };
            if verb == "AUTH" {
                // The mechanism is kept; an initial response is a secret.
                let mut parts = arg.split_whitespace();
                let mech = parts.next().unwrap_or("");
                let shown = if parts.next().is_some() {
                    format!("AUTH {mech} {REDACTED}")
                } else {
                    format!("AUTH {mech}")
                };
                self.log.push("client", &printable(shown.as_bytes()));
            } else {
                self.log.push("client", &printable(&line));
            }
            let too_many = match verb.as_str() {
                "EHLO" | "HELO" if arg.is_empty() => {
                    let reply = format!("501 5.5.4 Syntax: {verb} hostname\r\n");
                    self.error(&reply).await?
                }
                "EHLO" | "HELO" => {
                    self.greeting(&verb, &arg);
                    let reply = if verb == "EHLO" {
                        let mut r = format!(
                            "250-{}\r\n250-PIPELINING\r\n250-SIZE {MAX_MESSAGE}\r\n",
                            self.hostname
                        );
                        if !self.tls {
                            r.push_str("250-STARTTLS\r\n");
                        } else {
                            r.push_str("250-AUTH PLAIN LOGIN\r\n");
                        }
                        r.push_str("250-ENHANCEDSTATUSCODES\r\n250-8BITMIME\r\n250 SMTPUTF8\r\n");
                        r
                    } else {
                        format!("250 {}\r\n", self.hostname)
                    };
                    self.send(&reply).await?;
                    false
                }
                "STARTTLS" if self.tls => {
                    self.error("554 5.5.1 Error: TLS already active\r\n")
                        .await?
                }
                "STARTTLS" if !arg.is_empty() => {
                    self.error("501 5.5.4 Syntax: STARTTLS\r\n").await?
                }
                "STARTTLS" => {
                    self.smtp.starttls = true;
                    self.send("220 2.0.0 Ready to start TLS\r\n").await?;
                    return Ok(Next::StartTls);
                }
                "AUTH" => self.auth(&arg).await?,
                "MAIL" => {
                    if !self.greeted {
                        self.error("503 5.5.1 Error: send HELO/EHLO first\r\n")
                            .await?
                    } else if self.in_mail {
                        self.error("503 5.5.1 Error: nested MAIL command\r\n")
                            .await?
                    } else {
                        self.smtp.mail_from = true;
                        if self.tls {
                            self.smtp.mail_over_tls = true;
                        } else {
                            self.smtp.mail_without_tls = true;
                        }
                        self.in_mail = true;
                        self.send("250 2.1.0 Ok\r\n").await?;
                        false
                    }
                }
                "RCPT" => {
                    if !self.in_mail {
                        self.error("503 5.5.1 Error: need MAIL command\r\n").await?
                    } else {
                        self.rcpts += 1;
                        self.smtp.rcpt_to += 1;
                        self.send("250 2.1.5 Ok\r\n").await?;
                        false
                    }
                }
                "DATA" => {
                    if self.rcpts == 0 {
                        self.error("503 5.5.1 Error: need RCPT command\r\n").await?
                    } else {
                        self.smtp.data = true;
                        self.send("354 End data with <CR><LF>.<CR><LF>\r\n").await?;
                        match self.data().await? {
                            Some(bytes) => {
                                self.log.push(
                                    "note",
                                    &format!("[message of {bytes} bytes received and discarded]"),
                                );
                                self.smtp.messages += 1;
                                self.smtp.message_bytes += bytes;
                                self.in_mail = false;
                                self.rcpts = 0;
                                self.send(
                                    "250 2.0.0 Ok: message accepted and discarded (never relayed)\r\n",
                                )
                                .await?;
                                false
                            }
                            None => return Ok(Next::Close),
                        }
                    }
                }
                "RSET" => {
                    self.in_mail = false;
                    self.rcpts = 0;
                    self.send("250 2.0.0 Ok\r\n").await?;
                    false
                }
                "NOOP" => {
                    self.send("250 2.0.0 Ok\r\n").await?;
                    false
                }
                "VRFY" => {
                    self.send("252 2.0.0 Cannot VRFY user\r\n").await?;
                    false
                }
                "QUIT" => {
                    self.smtp.quit = true;
                    self.send("221 2.0.0 Bye\r\n").await?;
                    return Ok(Next::Close);
                }
                _ => {
                    self.error("502 5.5.2 Error: command not recognized\r\n")
                        .await?
                }
            };
            if too_many {
                return Ok(Next::Close);
            }
        }
    }

    fn greeting(&mut self, verb: &str, arg: &str) {
        self.greeted = true;
        self.in_mail = false;
        self.rcpts = 0;
        let name: String = arg
            .split_whitespace()
            .next()
            .unwrap_or("")
            .chars()
            .take(255)
            .collect();
        if self.smtp.greeting.is_none() {
            self.smtp.greeting = Some(verb.to_string());
            self.smtp.ehlo = Some(name.clone());
        }
        if self.tls && self.smtp.ehlo_after_tls.is_none() {
            self.smtp.ehlo_after_tls = Some(name);
        }
    }

    /// AUTH PLAIN / LOGIN: any credentials are accepted; what the client sends is neither
    /// logged nor kept (the transcript shows `<redacted>`).
    async fn auth(&mut self, arg: &str) -> io::Result<bool> {
        let mut parts = arg.split_whitespace();
        let mechanism = parts.next().unwrap_or("").to_ascii_uppercase();
        let initial = parts.next().is_some();
        if !mechanism.is_empty()
            && mechanism.len() <= 20
            && mechanism
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
            && self.smtp.auth.is_none()
        {
            self.smtp.auth = Some(mechanism.clone());
        }
        if self.tls {
            self.smtp.auth_over_tls = true;
        } else {
            self.smtp.auth_without_tls = true;
            return self
                .error("530 5.7.0 Must issue a STARTTLS command first\r\n")
                .await;
        }
        if !self.greeted {
            return self.error("503 5.5.1 Error: send EHLO first\r\n").await;
        }
        if self.authenticated {
            return self
                .error("503 5.5.1 Error: already authenticated\r\n")
                .await;
        }
        let steps: &[&str] = match (mechanism.as_str(), initial) {
            ("PLAIN", true) => &[],
            ("PLAIN", false) => &["334 \r\n"],
            ("LOGIN", true) => &["334 UGFzc3dvcmQ6\r\n"],
            ("LOGIN", false) => &["334 VXNlcm5hbWU6\r\n", "334 UGFzc3dvcmQ6\r\n"],
            ("", _) => return self.error("501 5.5.4 Syntax: AUTH mechanism\r\n").await,
            _ => {
                return self
                    .error("504 5.5.4 Error: Unsupported authentication mechanism\r\n")
                    .await;
            }
        };
        for step in steps {
            self.send(step).await?;
            let Some(response) = self.next_line(MAX_LINE).await? else {
                return Ok(true);
            };
            // A secret: only compared with "*" (the client's abort), never kept.
            let aborted = response == b"*";
            drop(response);
            self.log.push("client", REDACTED);
            if aborted {
                return self.error("501 5.7.0 Authentication aborted\r\n").await;
            }
        }
        self.authenticated = true;
        self.smtp.auth_accepted = true;
        self.send("235 2.7.0 Authentication successful\r\n").await?;
        Ok(false)
    }

    /// Reads message data up to the lone "." line and discards it: Some(bytes), or None when
    /// the client left or the message was too big (the connection is then closed).
    async fn data(&mut self) -> io::Result<Option<u64>> {
        let mut total = 0usize;
        loop {
            let remaining = MAX_MESSAGE.saturating_sub(total);
            match timeout(self.idle, read_line(&mut self.r, remaining)).await {
                Err(_) => {
                    let _ = self.send("421 4.4.2 Error: timeout exceeded\r\n").await;
                    return Ok(None);
                }
                Ok(r) => match r? {
                    Line::Eof => {
                        self.log
                            .push("note", "the client closed the connection in DATA");
                        return Ok(None);
                    }
                    Line::TooLong => {
                        self.send("552 5.3.4 Error: message file too big\r\n")
                            .await?;
                        return Ok(None);
                    }
                    Line::Text(l) if l == b"." => {
                        self.log.push("client", ".");
                        return Ok(Some(u64::try_from(total).unwrap_or(u64::MAX)));
                    }
                    Line::Text(l) => {
                        total += l.len() + 2;
                        if total > MAX_MESSAGE {
                            self.send("552 5.3.4 Error: message file too big\r\n")
                                .await?;
                            return Ok(None);
                        }
                    }
                },
            }
        }
    }
}

/// Reads the ClientHello (starting with `raw`, bytes already read) without consuming it for
/// rustls: returns all bytes read and the decoded hello or why there is none.
async fn read_hello(
    io: &mut BoxIo,
    mut raw: Vec<u8>,
    limit: Duration,
) -> (Vec<u8>, Result<HelloReport, String>, bool) {
    let deadline = tokio::time::Instant::now() + limit;
    let mut buf = vec![0u8; 8192];
    loop {
        match extract_client_hello(&raw) {
            Ok(Some(body)) => return (raw, hello_report(&body), false),
            Err(e) => return (raw, Err(e), false),
            Ok(None) => {}
        }
        match tokio::time::timeout_at(deadline, io.read(&mut buf)).await {
            Err(_) => {
                return (
                    raw,
                    Err(format!(
                        "no complete ClientHello within {} s",
                        limit.as_secs()
                    )),
                    true,
                );
            }
            Ok(Ok(0)) => {
                let e = if raw.is_empty() {
                    "the client closed the connection without starting the TLS handshake"
                } else {
                    "the client closed the connection in the middle of its ClientHello"
                };
                return (raw, Err(e.to_string()), true);
            }
            Ok(Ok(n)) => raw.extend_from_slice(buf.get(..n).unwrap_or_default()),
            Ok(Err(e)) => return (raw, Err(format!("connection error: {e}")), true),
        }
    }
}

/// Everything gathered while serving.
struct Gathered {
    smtp: SmtpActions,
    tls: Option<TlsReport>,
    hello: Option<HelloReport>,
    hello_error: Option<String>,
}

/// The TLS handshake on `io`; `prefix` holds bytes the SMTP layer read after STARTTLS.
async fn handshake(
    mut io: BoxIo,
    prefix: Vec<u8>,
    p: &ServeParams,
    log: &mut Log,
    g: &mut Gathered,
) -> Option<BoxIo> {
    let (raw, hello, gone) = read_hello(&mut io, prefix, p.idle_timeout).await;
    match hello {
        Ok(h) => {
            log.push(
                "note",
                &format!(
                    "ClientHello: {}; SNI {}; {} suites; fingerprint {}",
                    h.versions.join(", "),
                    h.sni.as_deref().unwrap_or("none"),
                    h.cipher_suites.len(),
                    h.fingerprint
                ),
            );
            g.hello = Some(h);
        }
        Err(e) => {
            log.push("note", &e);
            g.hello_error = Some(e.clone());
            if gone {
                g.tls = Some(TlsReport {
                    handshake: "failed".into(),
                    error: Some(e),
                    ..TlsReport::default()
                });
                return None;
            }
        }
    }
    let acceptor = tokio_rustls::TlsAcceptor::from(p.tls.clone());
    let stream = Replay {
        prefix: raw,
        pos: 0,
        inner: io,
    };
    match timeout(p.idle_timeout, acceptor.accept(stream)).await {
        Err(_) => {
            let e = format!(
                "the handshake did not finish within {} s",
                p.idle_timeout.as_secs()
            );
            log.push("note", &e);
            g.tls = Some(TlsReport {
                handshake: "failed".into(),
                error: Some(e),
                ..TlsReport::default()
            });
            None
        }
        Ok(Err(e)) => {
            let alert = crate::tls::alert_of(&e);
            let client_closed = alert.is_none()
                && matches!(
                    e.kind(),
                    io::ErrorKind::UnexpectedEof
                        | io::ErrorKind::ConnectionReset
                        | io::ErrorKind::BrokenPipe
                );
            let error = match &alert {
                Some(a) => format!("the client sent {}", alert_words(a)),
                None if client_closed => {
                    "the client closed the connection during the handshake".to_string()
                }
                // What the client sent instead of a ClientHello says more than rustls' error.
                None if g.hello_error.is_some() => g.hello_error.clone().unwrap_or_default(),
                None => match e.get_ref().and_then(|i| i.downcast_ref::<rustls::Error>()) {
                    Some(r) => format!("TLS error: {r}"),
                    None => format!("I/O error: {e}"),
                },
            };
            log.push("note", &format!("TLS handshake failed: {error}"));
            g.tls = Some(TlsReport {
                handshake: "failed".into(),
                alert,
                client_closed,
                error: Some(error),
                ..TlsReport::default()
            });
            None
        }
        Ok(Ok(tls)) => {
            let (_, conn) = tls.get_ref();
            let version = conn
                .protocol_version()
                .map(|v| wire::tls::version_name(u16::from(v)));
            let suite = conn
                .negotiated_cipher_suite()
                .map(|s| wire::tls::cipher_suite_display(u16::from(s.suite())));
            let group = conn
                .negotiated_key_exchange_group()
                .map(|k| wire::tls::group_name(u16::from(k.name())));
            log.push(
                "note",
                &format!(
                    "TLS handshake completed: {} {}{}",
                    version.as_deref().unwrap_or("?"),
                    suite.as_deref().unwrap_or("?"),
                    group
                        .as_deref()
                        .map(|g| format!(", group {g}"))
                        .unwrap_or_default()
                ),
            );
            g.tls = Some(TlsReport {
                handshake: "completed".into(),
                version,
                cipher_suite: suite,
                group,
                alert: None,
                client_closed: false,
                error: None,
            });
            Some(Box::new(tls))
        }
    }
}

/// Runs the SMTP session (plain or over TLS) and records what it learns.
async fn smtp_session(
    io: BoxIo,
    tls: bool,
    greeting: bool,
    p: &ServeParams,
    log: &mut Log,
    g: &mut Gathered,
) -> Option<(BoxIo, Vec<u8>)> {
    let mut s = Session {
        r: BufReader::new(io),
        log,
        smtp: &mut g.smtp,
        hostname: &p.hostname,
        idle: p.idle_timeout,
        tls,
        greeted: false,
        authenticated: false,
        in_mail: false,
        rcpts: 0,
        errors: 0,
    };
    if greeting {
        let banner = format!(
            "220 {} ESMTP smtp-tls-doctor capture (messages are discarded)\r\n",
            p.hostname
        );
        if s.send(&banner).await.is_err() {
            return None;
        }
    }
    match s.serve().await {
        Ok(Next::StartTls) => {
            // Bytes the client sent right after STARTTLS belong to the TLS handshake.
            let pending = s.r.buffer().to_vec();
            Some((s.r.into_inner(), pending))
        }
        Ok(Next::Close) => {
            let mut io = s.r.into_inner();
            let _ = timeout(Duration::from_secs(2), io.shutdown()).await;
            None
        }
        Err(e) => {
            if let Some(a) = crate::tls::alert_of(&e) {
                s.log
                    .push("note", &format!("the client sent {}", alert_words(&a)));
                if let Some(t) = g.tls.as_mut().filter(|t| t.alert.is_none()) {
                    t.alert = Some(a);
                }
            } else {
                s.log.push("note", &format!("connection ended: {e}"));
            }
            None
        }
    }
}

/// Serves one connection to its end and reports what the client did.
pub async fn serve<S: AsyncRead + AsyncWrite + Unpin + Send + 'static>(
    stream: S,
    p: &ServeParams,
) -> ConnectionReport {
    let started_at = time::OffsetDateTime::now_utc()
        .format(&time::format_description::well_known::Rfc3339)
        .unwrap_or_default();
    let start = Instant::now();
    let mut log = Log {
        start,
        lines: Vec::new(),
        omitted: 0,
    };
    let mut g = Gathered {
        smtp: SmtpActions::default(),
        tls: None,
        hello: None,
        hello_error: None,
    };
    let io: BoxIo = Box::new(stream);
    match p.mode {
        Mode::ImplicitTls => {
            if let Some(tls) = handshake(io, Vec::new(), p, &mut log, &mut g).await {
                let _ = smtp_session(tls, true, true, p, &mut log, &mut g).await;
            }
        }
        Mode::Starttls => {
            if let Some((plain, pending)) = smtp_session(io, false, true, p, &mut log, &mut g).await
                && let Some(tls) = handshake(plain, pending, p, &mut log, &mut g).await
            {
                let _ = smtp_session(tls, true, false, p, &mut log, &mut g).await;
            }
        }
    }
    let verification = p
        .verify_test
        .then(|| judge_verification(p.certificate, p.mode, g.tls.as_ref(), &g.smtp));
    let servers = g
        .hello
        .as_ref()
        .map(|h| {
            p.servers
                .iter()
                .map(|s| would_connect(&h.codepoints, s))
                .collect()
        })
        .unwrap_or_default();
    let mut report = ConnectionReport {
        kind: "connection".into(),
        number: p.number,
        peer: p.peer.to_string(),
        local: p.local.to_string(),
        mode: p.mode,
        started_at,
        duration_ms: u64::try_from(start.elapsed().as_millis()).unwrap_or(u64::MAX),
        verdict: String::new(),
        certificate: p.certificate,
        findings: findings(verification.as_ref(), g.tls.as_ref()),
        smtp: g.smtp,
        tls: g.tls,
        client_hello: g.hello,
        client_hello_error: g.hello_error,
        verification,
        servers,
        servers_note: SERVERS_NOTE.to_string(),
        transcript: log.lines,
        transcript_omitted: log.omitted,
    };
    report.verdict = verdict_line(&report);
    report
}

// ---------------------------------------------------------------------------------------------
// Text
// ---------------------------------------------------------------------------------------------

/// The first line: who, what TLS, and the verdict.
pub fn verdict_line(r: &ConnectionReport) -> String {
    let tls = match &r.tls {
        Some(t) if t.handshake == "completed" => {
            let suite = t
                .cipher_suite
                .as_deref()
                .map(|s| s.split_once(' ').map(|(_, n)| n).unwrap_or(s))
                .unwrap_or("?");
            format!("{} {suite}", t.version.as_deref().unwrap_or("?"))
        }
        Some(t)
            if r.verification
                .as_ref()
                .is_some_and(|v| v.result == "verifies") =>
        {
            "TLS handshake aborted by the client".to_string()
        }
        Some(t) => format!(
            "TLS handshake failed ({})",
            t.error.as_deref().unwrap_or("unknown error")
        ),
        None if r.mode == Mode::Starttls && !r.smtp.starttls => "no TLS (no STARTTLS)".into(),
        None => "no TLS".into(),
    };
    let behaviour = match &r.verification {
        Some(v) => match v.result.as_str() {
            "does-not-verify" => format!("it does NOT verify certificates ({})", v.detail),
            "verifies" => format!("it verifies certificates ({})", v.detail),
            "no-tls" => format!("certificate verification not tested: {}", v.detail),
            _ => format!("verification inconclusive: {}", v.detail),
        },
        None => {
            let s = &r.smtp;
            let mut parts = Vec::new();
            if let Some(n) = &s.ehlo {
                parts.push(format!("{} {n}", s.greeting.as_deref().unwrap_or("EHLO")));
            }
            if let Some(m) = &s.auth {
                parts.push(format!("AUTH {m}"));
            }
            if s.mail_without_tls {
                parts.push("MAIL FROM without TLS".into());
            }
            match s.messages {
                0 if s.mail_from => parts.push("no message completed".into()),
                0 => parts.push("no message sent".into()),
                1 => parts.push(format!(
                    "message accepted ({} bytes, discarded)",
                    s.message_bytes
                )),
                n => parts.push(format!(
                    "{n} messages accepted ({} bytes, discarded)",
                    s.message_bytes
                )),
            }
            if let Some(a) = r.tls.as_ref().and_then(|t| t.alert.as_ref()) {
                parts.push(format!("it sent {}", alert_words(a)));
            }
            parts.join("; ")
        }
    };
    let code = r
        .findings
        .first()
        .map(|f| format!(" [{}]", f.code))
        .unwrap_or_default();
    format!("Client from {}: {tls}; {behaviour}{code}", r.peer)
}

fn list(v: &[String]) -> String {
    if v.is_empty() {
        "none".into()
    } else {
        v.join(", ")
    }
}

/// The human report of one connection, verdict first.
pub fn render_text(r: &ConnectionReport, transcript: bool) -> String {
    let mut o = format!("{}\n", r.verdict);
    o.push_str(&format!(
        "  connection {} to {} ({}), {}, {} ms; certificate presented: {}\n",
        r.number,
        r.local,
        r.mode.as_str(),
        r.started_at,
        r.duration_ms,
        r.certificate.phrase()
    ));
    for f in &r.findings {
        o.push_str(&format!(
            "  {} [{}]: {}\n",
            f.severity.as_str().to_uppercase(),
            f.code,
            f.summary
        ));
        if let Some(d) = lookup(&f.code) {
            o.push_str(&format!("    {}\n", d.title));
            for fix in d.fixes {
                o.push_str(&format!("    fix ({}):\n", fix.software));
                for line in fix.text.lines() {
                    o.push_str(&format!("      {line}\n"));
                }
            }
            o.push_str(&format!(
                "    (`smtp-tls-doctor explain {}` has the whole text)\n",
                f.code
            ));
        }
    }
    let s = &r.smtp;
    o.push_str("  SMTP:\n");
    o.push_str(&format!(
        "    greeting: {}\n",
        match (&s.greeting, &s.ehlo) {
            (Some(g), Some(n)) => format!("{g} {n}"),
            _ => "none".into(),
        }
    ));
    if let Some(n) = &s.ehlo_after_tls {
        o.push_str(&format!("    EHLO after TLS: {n}\n"));
    }
    o.push_str(&format!(
        "    STARTTLS: {}\n",
        match r.mode {
            Mode::ImplicitTls => "not needed (implicit TLS)",
            Mode::Starttls if s.starttls => "yes",
            Mode::Starttls => "no",
        }
    ));
    o.push_str(&format!(
        "    AUTH: {}{}\n",
        s.auth.as_deref().unwrap_or("none"),
        if s.auth_without_tls {
            " (tried before TLS: refused)"
        } else if s.auth_accepted {
            " (accepted; credentials not kept)"
        } else {
            ""
        }
    ));
    o.push_str(&format!(
        "    MAIL FROM: {}; RCPT TO: {}; DATA: {}; messages: {} ({} bytes, discarded); QUIT: {}\n",
        if s.mail_without_tls {
            "yes, without TLS"
        } else if s.mail_from {
            "yes"
        } else {
            "no"
        },
        s.rcpt_to,
        if s.data { "yes" } else { "no" },
        s.messages,
        s.message_bytes,
        if s.quit { "yes" } else { "no" }
    ));
    if let Some(t) = &r.tls {
        o.push_str("  TLS:\n");
        o.push_str(&format!("    handshake: {}\n", t.handshake));
        if let Some(v) = &t.version {
            o.push_str(&format!("    version: {v}\n"));
        }
        if let Some(c) = &t.cipher_suite {
            o.push_str(&format!("    cipher suite: {c}\n"));
        }
        if let Some(g) = &t.group {
            o.push_str(&format!("    group: {g}\n"));
        }
        if let Some(a) = &t.alert {
            o.push_str(&format!(
                "    alert from the client: {} ({})\n",
                a.name, a.code
            ));
        }
        if let Some(e) = &t.error {
            o.push_str(&format!("    error: {e}\n"));
        }
    }
    if let Some(h) = &r.client_hello {
        o.push_str("  ClientHello:\n");
        o.push_str(&format!(
            "    versions offered: {} (legacy_version {})\n",
            list(&h.versions),
            h.legacy_version
        ));
        o.push_str(&format!(
            "    SNI: {}\n",
            h.sni.as_deref().unwrap_or("none")
        ));
        o.push_str(&format!("    ALPN: {}\n", list(&h.alpn)));
        o.push_str(&format!("    cipher suites ({}):\n", h.cipher_suites.len()));
        for c in &h.cipher_suites {
            o.push_str(&format!("      {c}\n"));
        }
        o.push_str(&format!("    groups: {}\n", list(&h.groups)));
        o.push_str(&format!("    key shares: {}\n", list(&h.key_shares)));
        o.push_str(&format!(
            "    signature algorithms: {}\n",
            list(&h.signature_algorithms)
        ));
        o.push_str(&format!("    extensions: {}\n", list(&h.extensions)));
        o.push_str(&format!(
            "    point formats: {}\n",
            if h.point_formats.is_empty() {
                "none".to_string()
            } else {
                join_dec(h.point_formats.iter())
            }
        ));
        o.push_str(&format!(
            "    fingerprint (SHA-256 of the JA3 string): {}\n",
            h.fingerprint
        ));
        o.push_str(&format!("    JA3 string: {}\n", h.fingerprint_string));
    } else if let Some(e) = &r.client_hello_error {
        o.push_str(&format!("  ClientHello: {e}\n"));
    }
    if !r.servers.is_empty() {
        o.push_str("  Would it connect to these servers (approximation, see below):\n");
        let width = r.servers.iter().map(|s| s.profile.len()).max().unwrap_or(0);
        for s in &r.servers {
            o.push_str(&format!(
                "    {:<5} {:<width$} {}\n",
                if s.result == "ok" { "ok" } else { "FAILS" },
                s.profile,
                s.detail
            ));
        }
        o.push_str(&format!("    ({})\n", r.servers_note));
    }
    if transcript {
        o.push_str("  Transcript (AUTH redacted, message bodies not kept):\n");
        for l in &r.transcript {
            let who = match l.from.as_str() {
                "client" => "C:",
                "server" => "S:",
                _ => "  ",
            };
            o.push_str(&format!("    {:>6} ms {who} {}\n", l.at_ms, l.text));
        }
        if r.transcript_omitted > 0 {
            o.push_str(&format!(
                "    ... {} more lines not kept\n",
                r.transcript_omitted
            ));
        }
    }
    o
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A ClientHello body with the given pieces (TLS 1.2 legacy_version, empty session id).
    fn hello_body(suites: &[u16], exts: &[(u16, Vec<u8>)]) -> Vec<u8> {
        let mut b = vec![0x03, 0x03];
        b.extend_from_slice(&[7u8; 32]);
        b.push(0);
        b.extend_from_slice(&u16::try_from(suites.len() * 2).unwrap_or(0).to_be_bytes());
        for s in suites {
            b.extend_from_slice(&s.to_be_bytes());
        }
        b.extend_from_slice(&[1, 0]);
        let mut e = Vec::new();
        for (t, d) in exts {
            e.extend_from_slice(&t.to_be_bytes());
            e.extend_from_slice(&u16::try_from(d.len()).unwrap_or(0).to_be_bytes());
            e.extend_from_slice(d);
        }
        b.extend_from_slice(&u16::try_from(e.len()).unwrap_or(0).to_be_bytes());
        b.extend_from_slice(&e);
        b
    }

    fn u16_list(v: &[u16], len_bytes: usize) -> Vec<u8> {
        let mut out = Vec::new();
        let n = v.len() * 2;
        if len_bytes == 1 {
            out.push(u8::try_from(n).unwrap_or(0));
        } else {
            out.extend_from_slice(&u16::try_from(n).unwrap_or(0).to_be_bytes());
        }
        for x in v {
            out.extend_from_slice(&x.to_be_bytes());
        }
        out
    }

    fn sample() -> Vec<u8> {
        hello_body(
            &[0x1a1a, 0x1301, 0x1302, 0xc02f, 0x00ff],
            &[
                (0x2a2a, vec![]),
                (0, {
                    let name = b"mail.example";
                    let mut d = Vec::new();
                    d.extend_from_slice(&u16::try_from(name.len() + 3).unwrap_or(0).to_be_bytes());
                    d.push(0);
                    d.extend_from_slice(&u16::try_from(name.len()).unwrap_or(0).to_be_bytes());
                    d.extend_from_slice(name);
                    d
                }),
                (10, u16_list(&[0x3a3a, 0x001d, 0x0017], 2)),
                (11, vec![2, 0, 1]),
                (13, u16_list(&[0x0403, 0x0804], 2)),
                (43, u16_list(&[0x4a4a, 0x0304, 0x0303], 1)),
            ],
        )
    }

    fn record(ct: u8, payload: &[u8]) -> Vec<u8> {
        let mut r = vec![ct, 3, 1];
        r.extend_from_slice(&u16::try_from(payload.len()).unwrap_or(0).to_be_bytes());
        r.extend_from_slice(payload);
        r
    }

    fn handshake_msg(body: &[u8]) -> Vec<u8> {
        let len = u32::try_from(body.len()).unwrap_or(0).to_be_bytes();
        let mut m = vec![1, len[1], len[2], len[3]];
        m.extend_from_slice(body);
        m
    }

    #[test]
    fn fingerprint_recipe() {
        let body = sample();
        let r = hello_report(&body).expect("parses");
        assert_eq!(
            r.fingerprint_string,
            "771,4865-4866-49199-255,0-10-11-13-43,29-23,0-1"
        );
        assert_eq!(r.fingerprint, sha256_hex(&r.fingerprint_string));
        assert_eq!(r.fingerprint.len(), 64);
        assert!(r.grease);
        assert_eq!(r.versions, vec!["TLSv1.3", "TLSv1.2"]);
        assert_eq!(r.sni.as_deref(), Some("mail.example"));
        assert_eq!(r.groups, vec!["GREASE(0x3a3a)", "x25519", "secp256r1"]);
        assert_eq!(r.point_formats, vec![0, 1]);
        assert_eq!(
            r.cipher_suites.get(1).map(String::as_str),
            Some("0x1301 TLS_AES_128_GCM_SHA256")
        );
        // The SHA-256 of "abc" (FIPS 180-2 test vector): the hash is ring's SHA-256.
        assert_eq!(
            sha256_hex("abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
    }

    #[test]
    fn client_hello_across_records_and_chunks() {
        let msg = handshake_msg(&sample());
        let (a, b) = msg.split_at(20);
        let mut raw = record(22, a);
        raw.extend_from_slice(&record(22, b));
        // Every prefix is "need more", the whole is the body.
        for cut in 0..raw.len() {
            assert_eq!(
                extract_client_hello(raw.get(..cut).unwrap_or_default()),
                Ok(None),
                "cut {cut}"
            );
        }
        assert_eq!(extract_client_hello(&raw), Ok(Some(sample())));
    }

    #[test]
    fn not_a_client_hello() {
        assert!(
            extract_client_hello(b"EHLO client\r\n")
                .is_err_and(|e| e.contains("text instead of a TLS ClientHello"))
        );
        assert!(
            extract_client_hello(&record(21, &[2, 40]))
                .is_err_and(|e| e.to_lowercase().contains("alert"))
        );
        let mut server_hello = handshake_msg(&[0; 10]);
        server_hello[0] = 2;
        assert!(
            extract_client_hello(&record(22, &server_hello))
                .is_err_and(|e| e.contains("instead of a ClientHello"))
        );
        assert!(
            extract_client_hello(&record(22, &[1, 0xff, 0xff, 0xff]))
                .is_err_and(|e| e.contains("more than"))
        );
    }

    fn profile(versions: &[&str], suites: &[&str], suites13: &[&str], groups: &[&str]) -> Profile {
        let s = |v: &[&str]| v.iter().map(|x| x.to_string()).collect::<Vec<_>>();
        Profile {
            id: "test".into(),
            name: "Test server".into(),
            role: "sender".into(),
            versions: s(versions),
            suites: s(suites),
            suites_tls13: s(suites13),
            groups: s(groups),
            sends_sni: true,
            verifies_chain: false,
            verifies_name: false,
            name_checked: "none".into(),
            accepts_self_signed: true,
            fetches_missing_intermediates: false,
            min_rsa_bits: 0,
            min_dh_bits: 0,
            rejects_sha1_certificates: false,
            falls_back_to_plaintext: true,
            fix_client: None,
            notes: String::new(),
            sources: vec!["test".into()],
        }
    }

    #[test]
    fn would_connect_verdicts() {
        let h = wire::tls::parse_client_hello(&sample()).expect("parses");
        let modern = profile(
            &["TLSv1.2", "TLSv1.3"],
            &["0xC02F"],
            &["0x1302", "0x1301"],
            &["x25519"],
        );
        let v = would_connect(&h, &modern);
        assert_eq!(v.result, "ok", "{v:?}");
        let n = v.negotiated.expect("negotiated");
        assert_eq!(n.version, "TLSv1.3");
        assert_eq!(n.suite, "0x1301", "the client's order");
        assert_eq!(n.group.as_deref(), Some("x25519"));

        let old = profile(&["TLSv1.0", "TLSv1.1"], &["0x002F"], &[], &["secp256r1"]);
        assert_eq!(
            would_connect(&h, &old).reason.as_deref(),
            Some("no-common-version")
        );
        let cbc = profile(&["TLSv1.2"], &["0x002F"], &[], &["x25519"]);
        let v = would_connect(&h, &cbc);
        assert_eq!(v.reason.as_deref(), Some("no-common-suite"));
        assert!(
            v.detail.contains("TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256"),
            "{}",
            v.detail
        );
        let curves = profile(
            &["TLSv1.2", "TLSv1.3"],
            &["0xC02F"],
            &["0x1301"],
            &["secp384r1"],
        );
        assert_eq!(
            would_connect(&h, &curves).reason.as_deref(),
            Some("no-common-group")
        );
        let tls12 = profile(&["TLSv1.2"], &["0xC02F"], &[], &["secp256r1"]);
        let v = would_connect(&h, &tls12);
        assert_eq!(v.result, "ok");
        assert_eq!(
            v.negotiated.and_then(|n| n.group).as_deref(),
            Some("secp256r1")
        );
    }

    #[test]
    fn server_profiles_are_senders() {
        let s = server_profiles();
        assert!(!s.is_empty());
        assert!(s.iter().all(|p| p.role == "sender" || p.role == "receiver"));
        assert!(s.iter().any(|p| p.id == "postfix"));
    }

    fn done(version: &str) -> TlsReport {
        TlsReport {
            handshake: "completed".into(),
            version: Some(version.into()),
            cipher_suite: Some("0x1302 TLS_AES_256_GCM_SHA384".into()),
            ..TlsReport::default()
        }
    }

    #[test]
    fn verification_judgement() {
        let mail = SmtpActions {
            starttls: true,
            mail_from: true,
            mail_over_tls: true,
            ..SmtpActions::default()
        };
        let t = done("TLSv1.3");
        let v = judge_verification(CertKind::SelfSigned, Mode::Starttls, Some(&t), &mail);
        assert_eq!(v.result, "does-not-verify");
        assert_eq!(
            v.detail,
            "it accepted a self-signed certificate and sent MAIL FROM"
        );
        let f = findings(Some(&v), Some(&t));
        assert_eq!(f.len(), 1);
        assert_eq!(f.first().map(|f| f.code.as_str()), Some(SKIPS_VERIFICATION));

        let quiet = SmtpActions {
            starttls: true,
            ..SmtpActions::default()
        };
        let v = judge_verification(CertKind::Expired, Mode::Starttls, Some(&t), &quiet);
        assert_eq!(v.result, "inconclusive");
        assert!(findings(Some(&v), Some(&t)).is_empty());

        let refused = TlsReport {
            handshake: "failed".into(),
            alert: Some(Alert {
                code: 48,
                name: "unknown_ca".into(),
            }),
            error: Some("the client sent the alert unknown_ca (48)".into()),
            ..TlsReport::default()
        };
        let v = judge_verification(CertKind::SelfSigned, Mode::Starttls, Some(&refused), &quiet);
        assert_eq!(v.result, "verifies");
        assert!(v.detail.contains("unknown_ca"));

        let closed = TlsReport {
            handshake: "failed".into(),
            client_closed: true,
            error: Some("the client closed the connection during the handshake".into()),
            ..TlsReport::default()
        };
        assert_eq!(
            judge_verification(
                CertKind::WrongName,
                Mode::ImplicitTls,
                Some(&closed),
                &quiet
            )
            .result,
            "verifies"
        );
        let plain = SmtpActions {
            mail_from: true,
            mail_without_tls: true,
            ..SmtpActions::default()
        };
        let v = judge_verification(CertKind::WrongName, Mode::Starttls, None, &plain);
        assert_eq!(v.result, "no-tls");
        assert!(v.detail.contains("plaintext"));
    }

    #[test]
    fn registry_declares_the_finding() {
        let d = lookup(SKIPS_VERIFICATION).expect("declared in the registry");
        assert_eq!(d.severity, Severity::Error);
    }
}
