//! Judging a captured connection: would the client's offer reach known servers, did it check
//! the certificate (`--verify-test`), and the finding.

use crate::judge::registry::lookup;
use crate::model::capture::CertKind;
use crate::model::capture::SKIPS_VERIFICATION;
use crate::model::capture::ServerVerdict;
use crate::model::capture::SmtpActions;
use crate::model::capture::TlsReport;
use crate::model::capture::Verification;
use crate::model::finding::Finding;
use crate::model::finding::Severity;
use crate::model::observation::Alert;
use crate::model::observation::Mode;
use crate::model::profile::Negotiated;
use crate::model::profile::Profile;
use serde_json::{Map, Value, json};
use wire::tls::ClientHelloInfo;
/// What `servers` in a report means, in one sentence.
pub const SERVERS_NOTE: &str = "An approximation: each profile of role sender or receiver \
    stands for a server that accepts the versions, suites and groups that peer offers when it \
    sends (an MTA's receiving side is usually configured alike, but need not be); the server is \
    taken to follow the client's suite order; signature algorithms, certificates and key sizes \
    are not considered.";

/// The profiles `servers` is judged against: role "sender" or "receiver".
pub fn server_profiles() -> Vec<Profile> {
    crate::judge::simulate::profiles()
        .into_iter()
        .filter(|p| p.role == "sender" || p.role == "receiver")
        .collect()
}

/// A version name ("TLSv1.2") as its wire code.
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

/// A suite id written as hex ("0xC02F") as a number.
fn hex_id(id: &str) -> Option<u16> {
    u16::from_str_radix(id.trim_start_matches("0x").trim_start_matches("0X"), 16).ok()
}

/// Codes named by `f`, comma-separated; "nothing" for none.
fn names_of(v: &[u16], f: fn(u16) -> String) -> String {
    if v.is_empty() {
        "nothing".to_string()
    } else {
        v.iter().map(|x| f(*x)).collect::<Vec<_>>().join(", ")
    }
}

/// A suite's IANA name, else its code in hex.
fn suite_short(id: u16) -> String {
    wire::tls::cipher_suite_name(id)
        .map(str::to_string)
        .unwrap_or_else(|| format!("0x{id:04x}"))
}

/// Would a server that accepts what profile `p` offers complete a handshake with this
/// ClientHello: the highest common version, then the first of the client's suites the server
/// accepts at that version, and for TLS 1.3 and ECDHE suites the first common group.
pub fn would_connect(h: &ClientHelloInfo, p: &Profile) -> ServerVerdict {
    match connect(h, p) {
        Ok(v) => v,
        Err(v) => *v,
    }
}

/// A verdict that the handshake fails (boxed: a verdict is large).
type Fails = Box<ServerVerdict>;

/// [`would_connect`] step by step; the first step that fails ends it (`Err`).
fn connect(h: &ClientHelloInfo, p: &Profile) -> Result<ServerVerdict, Fails> {
    let version = common_version(h, p)?;
    let common = common_suites(h, p, version)?;
    let groups = Groups::new(h, p, version);
    if version == 0x0304 {
        return match (common.first(), groups.common) {
            (Some(s), Some(g)) => Ok(ok(p, version, *s, Some(g))),
            _ => Err(Box::new(groups.none_in_common(p))),
        };
    }
    // TLS 1.2 and below: an ECDHE suite needs a common curve (a client without
    // supported_groups leaves the curve to the server); otherwise the server moves on.
    for s in &common {
        let ecdhe = wire::tls::suite_info(*s).is_some_and(|i| i.kx == wire::tls::Kx::Ecdhe);
        if !ecdhe || groups.client.is_empty() {
            return Ok(ok(p, version, *s, None));
        }
        if let Some(g) = groups.common {
            return Ok(ok(p, version, *s, Some(g)));
        }
    }
    Err(Box::new(groups.none_in_common(p)))
}

/// A verdict of profile `p`.
fn verdict(
    p: &Profile,
    result: &str,
    reason: Option<&str>,
    detail: String,
    negotiated: Option<Negotiated>,
) -> ServerVerdict {
    ServerVerdict {
        profile: p.id.clone(),
        name: p.name.clone(),
        result: result.to_string(),
        reason: reason.map(str::to_string),
        detail,
        negotiated,
    }
}

/// The highest of the client's versions the server accepts.
fn common_version(h: &ClientHelloInfo, p: &Profile) -> Result<u16, Fails> {
    let client_versions = wire::tls::fingerprint::offered_versions(h);
    let server_versions: Vec<u16> = p.versions.iter().filter_map(|v| version_code(v)).collect();
    client_versions
        .iter()
        .copied()
        .find(|v| server_versions.contains(v))
        .ok_or_else(|| {
            Box::new(verdict(
                p,
                "fails",
                Some("no-common-version"),
                format!(
                    "no version in common: the client offers {}; the server accepts {}",
                    names_of(&client_versions, wire::tls::version_name),
                    p.versions.join(", ")
                ),
                None,
            ))
        })
}

/// The client's suites usable at `version` that the server accepts, in the client's order.
fn common_suites(h: &ClientHelloInfo, p: &Profile, version: u16) -> Result<Vec<u16>, Fails> {
    let server_suites: Vec<u16> = if version == 0x0304 {
        &p.suites_tls13
    } else {
        &p.suites
    }
    .iter()
    .filter_map(|s| hex_id(s))
    .collect();
    let offered: Vec<u16> = h
        .cipher_suites
        .iter()
        .copied()
        .filter(|s| usable_at(*s, version))
        .collect();
    let common: Vec<u16> = offered
        .iter()
        .copied()
        .filter(|s| server_suites.contains(s))
        .collect();
    if !common.is_empty() {
        return Ok(common);
    }
    Err(Box::new(verdict(
        p,
        "fails",
        Some("no-common-suite"),
        format!(
            "at {} (the highest both speak) no cipher suite in common: the client offers {}; the server accepts {}",
            wire::tls::version_name(version),
            names_of(&offered, suite_short),
            names_of(&server_suites, suite_short)
        ),
        None,
    )))
}

/// A suite can be negotiated at `version`: a TLS 1.3 suite at TLS 1.3 only, a TLS 1.2-only suite
/// at TLS 1.2 only.
fn usable_at(id: u16, version: u16) -> bool {
    match wire::tls::suite_info(id) {
        Some(i) if version == 0x0304 => i.tls13,
        Some(i) => !i.tls13 && (version == 0x0303 || !i.tls12_only),
        None => false,
    }
}

/// The key-exchange groups: the client's (without GREASE), and the first of them the server
/// accepts.
struct Groups {
    version: u16,
    client: Vec<u16>,
    common: Option<u16>,
}

impl Groups {
    fn new(h: &ClientHelloInfo, p: &Profile, version: u16) -> Self {
        let client: Vec<u16> = h
            .supported_groups
            .iter()
            .copied()
            .filter(|g| !wire::tls::is_grease(*g))
            .collect();
        let common = client.iter().copied().find(|g| {
            let n = wire::tls::group_name(*g);
            p.groups.iter().any(|s| s.eq_ignore_ascii_case(&n))
        });
        Groups {
            version,
            client,
            common,
        }
    }

    /// No key-exchange group in common.
    fn none_in_common(&self, p: &Profile) -> ServerVerdict {
        verdict(
            p,
            "fails",
            Some("no-common-group"),
            format!(
                "at {} no key-exchange group in common: the client offers {}; the server accepts {}",
                wire::tls::version_name(self.version),
                names_of(&self.client, wire::tls::group_name),
                if p.groups.is_empty() {
                    "nothing".to_string()
                } else {
                    p.groups.join(", ")
                }
            ),
            None,
        )
    }
}

/// The handshake would complete with `suite` (and `group`) at `version`.
fn ok(p: &Profile, version: u16, suite: u16, group: Option<u16>) -> ServerVerdict {
    let n = Negotiated {
        version: wire::tls::version_name(version),
        suite: format!("0x{suite:04X}"),
        suite_name: wire::tls::cipher_suite_display(suite),
        group: group.map(wire::tls::group_name),
    };
    verdict(
        p,
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
}

// ---------------------------------------------------------------------------------------------
// Did the client verify the certificate
// ---------------------------------------------------------------------------------------------

/// Alerts that say "your certificate is not acceptable" (RFC 8446 section 6.2).
fn is_certificate_alert(code: u8) -> bool {
    matches!(code, 42..=46 | 48 | 49 | 116)
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
    let v = |(result, detail, alert): (&str, String, Option<Alert>)| Verification {
        certificate: cert,
        result: result.to_string(),
        detail,
        alert,
    };
    match tls {
        None => v(("no-tls", no_tls(mode, smtp).to_string(), None)),
        Some(t) if t.handshake == "completed" => v(after_handshake(cert, t, smtp)),
        Some(t) => v(handshake_refused(cert, t)),
    }
}

/// What a client that never started TLS did.
fn no_tls(mode: Mode, smtp: &SmtpActions) -> &'static str {
    if mode == Mode::Starttls && !smtp.starttls {
        if smtp.mail_from {
            "it did not send STARTTLS and sent MAIL FROM in plaintext"
        } else {
            "it did not send STARTTLS"
        }
    } else {
        "it left before the TLS handshake"
    }
}

/// A completed handshake: the client does not verify when it went on with AUTH or MAIL FROM;
/// leaving without either proves nothing. (result, detail, alert)
fn after_handshake(
    cert: CertKind,
    t: &TlsReport,
    smtp: &SmtpActions,
) -> (&'static str, String, Option<Alert>) {
    match went_on(smtp) {
        Some(what) => (
            "does-not-verify",
            format!("it accepted {} and sent {what}", cert.phrase()),
            t.alert.clone(),
        ),
        None => (
            "inconclusive",
            format!(
                "it completed the handshake with {} but left without sending AUTH or MAIL \
                 FROM{}: a client that checks the certificate after the handshake (JavaMail \
                 with mail.smtp.ssl.checkserveridentity=true) does this, and so does one \
                 that had nothing to send; run it again with a message to send",
                cert.phrase(),
                t.alert
                    .as_ref()
                    .map(|a| format!(" (it sent {})", a.words()))
                    .unwrap_or_default()
            ),
            t.alert.clone(),
        ),
    }
}

/// A handshake that did not complete: a certificate alert or a close after the certificate
/// means the client verifies; another alert or error proves nothing. (result, detail, alert)
fn handshake_refused(cert: CertKind, t: &TlsReport) -> (&'static str, String, Option<Alert>) {
    match &t.alert {
        Some(a) if is_certificate_alert(a.code) => (
            "verifies",
            format!("it refused {} with {}", cert.phrase(), a.words()),
            Some(a.clone()),
        ),
        Some(a) => (
            "inconclusive",
            format!(
                "it aborted the handshake with {}, which is not a certificate alert: it may have \
                 refused something else than {}",
                a.words(),
                cert.phrase()
            ),
            Some(a.clone()),
        ),
        None if t.client_closed => (
            "verifies",
            format!(
                "it closed the connection during the handshake after receiving {}",
                cert.phrase()
            ),
            None,
        ),
        None => (
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::observe::capture::{hello_report, sha256_hex};
    use wire::tls::fingerprint::*;

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
