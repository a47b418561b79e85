//! The rules of the modern handshake: `tls-handshake-failed`, with the alert's meaning and what
//! the scan says about why; `handshake-signature-invalid`, from the handshake's signature and the
//! scan's.

use crate::judge::diagnose::finding;
use crate::model::finding::Finding;
use crate::model::observation::EndpointObservation;
use crate::model::scan::TlsScan;
use crate::model::scan::VersionStatus;
use crate::model::signature::SignatureCheck;
use serde_json::json;

/// The plain meaning of a TLS alert a server sends during the handshake.
pub fn alert_meaning(code: u8) -> &'static str {
    match code {
        40 => {
            "the server found nothing acceptable in our ClientHello: no cipher suite, group or signature algorithm in common"
        }
        42..=46 => {
            "the server did not like a certificate (it probably asked for a client certificate)"
        }
        47 => "the server rejected a value in our ClientHello",
        48 => "the server does not know the CA of a client certificate",
        50 => "the server could not parse our ClientHello",
        70 => {
            "no protocol version in common: the server only speaks versions our client does not offer (TLS 1.0/1.1 only, or SSLv3)"
        }
        71 => "the server demands stronger security than offered (suites or groups)",
        80 => {
            "the server had an internal error: often OpenSSL's security level refusing its own weak key or an old protocol"
        }
        86 => "the server saw a downgrade attempt",
        109 => "a required TLS extension was missing",
        110 => "the server did not accept one of our extensions",
        112 => "the server does not know the name we sent in SNI",
        116 => "the server requires a client certificate",
        120 => "no application protocol (ALPN) in common",
        _ => "the server aborted the handshake",
    }
}

/// `tls-handshake-failed`: the modern handshake did not complete. When the scan shows the server
/// speaks only versions before TLS 1.2, `no-tls12` says why instead; a server that completes no
/// handshake at all stays here.
pub(super) fn handshake_failed(obs: &EndpointObservation) -> Option<Finding> {
    let tls = obs.tls.as_ref()?;
    let scan = obs.scan.as_ref();
    if tls.completed || scan.is_some_and(only_before_tls12) {
        return None;
    }
    let failure = obs.failure.as_ref();
    let mut evidence = json!({
        "kind": failure.map(|f| f.kind),
        "message": failure.map(|f| f.message.clone()),
        "sni": tls.sni,
    });
    let summary = match (&tls.alert, failure) {
        (Some(a), _) => {
            if let Some(m) = evidence.as_object_mut() {
                m.insert("alert".into(), json!({"code": a.code, "name": a.name}));
            }
            format!(
                "the TLS handshake failed: the server sent the alert {} ({}): {}",
                a.name,
                a.code,
                alert_meaning(a.code)
            )
        }
        (None, Some(f)) => format!("the TLS handshake failed: {}", f.message),
        (None, None) => "the TLS handshake did not complete".to_string(),
    };
    let summary = match scan.and_then(modern_gap) {
        Some(gap) => {
            if let Some(m) = evidence.as_object_mut() {
                m.insert("scan_explains".into(), json!(gap));
            }
            format!("{summary}; {gap}")
        }
        None => summary,
    };
    Some(finding("tls-handshake-failed", summary, evidence))
}

/// A handshake signature of an endpoint that does not verify with its certificate's key.
#[derive(Debug, Clone, Copy)]
pub struct BadSignature<'a> {
    /// The handshake it was seen in: "the handshake", "the handshake without SNI", "the scan".
    pub seen_in: &'static str,
    /// "TLSv1.3"
    pub version: Option<&'a str>,
    /// The suite (the scan's connections).
    pub suite: Option<&'a str>,
    pub check: &'a SignatureCheck,
}

impl BadSignature<'_> {
    /// "the TLSv1.3 CertificateVerify (ECDSA_NISTP256_SHA256)", with the suite when known.
    pub fn words(&self) -> String {
        format!(
            "the {}{}{} ({})",
            self.version.map(|v| format!("{v} ")).unwrap_or_default(),
            self.check.message,
            self.suite.map(|s| format!(" for {s}")).unwrap_or_default(),
            self.check.scheme
        )
    }
}

/// Every handshake signature of `obs` that was checked and does not verify: the handshake's,
/// the one without SNI, then the scan's (one per suite).
pub fn invalid_signatures(obs: &EndpointObservation) -> Vec<BadSignature<'_>> {
    let handshakes = [
        ("the handshake", &obs.tls),
        ("the handshake without SNI", &obs.no_sni),
    ];
    let mut out: Vec<BadSignature<'_>> = handshakes
        .into_iter()
        .filter_map(|(seen_in, t)| {
            let t = t.as_ref()?;
            let check = t.handshake_signature.as_ref().filter(|c| c.is_invalid())?;
            Some(BadSignature {
                seen_in,
                version: t.version.as_deref(),
                suite: None,
                check,
            })
        })
        .collect();
    out.extend(
        obs.scan
            .iter()
            .flat_map(|s| s.scanned_signatures.iter())
            .filter(|s| s.check.is_invalid())
            .map(|s| BadSignature {
                seen_in: "the scan",
                version: Some(s.version.as_str()),
                suite: Some(s.suite.as_str()),
                check: &s.check,
            }),
    );
    out
}

/// `handshake-signature-invalid`: the server signs its handshake with a key that is not its
/// certificate's, so no client completes a handshake with it.
pub(super) fn signature_invalid(obs: &EndpointObservation) -> Option<Finding> {
    let bad = invalid_signatures(obs);
    bad.first()?;
    let mut words: Vec<String> = bad.iter().map(BadSignature::words).collect();
    // The handshake without SNI often shows the same signature as the one with SNI.
    words.dedup();
    let summary = format!(
        "the server's handshake signature does not verify with the public key of the certificate it sends ({}): it signs with another key than its certificate's, so every client aborts the handshake (OpenSSL: \"bad signature\")",
        words.join("; ")
    );
    let evidence = json!({
        "signatures": bad.iter().map(|b| json!({
            "seen_in": b.seen_in,
            "version": b.version,
            "suite": b.suite,
            "message": b.check.message,
            "scheme": b.check.scheme,
            "error": b.check.error,
        })).collect::<Vec<_>>(),
    });
    Some(finding("handshake-signature-invalid", summary, evidence))
}

/// The scan found versions before TLS 1.2 offered, and neither TLS 1.2 nor 1.3.
fn only_before_tls12(sc: &TlsScan) -> bool {
    let st = |k: &str| sc.versions.get(k).map(|v| v.status);
    st("TLSv1.2") == Some(VersionStatus::NotOffered)
        && st("TLSv1.3") == Some(VersionStatus::NotOffered)
        && sc
            .versions
            .values()
            .any(|v| v.status == VersionStatus::Offered)
}

/// What the scan says about why a modern client (TLS 1.2+, AEAD suites with ECDHE) fails.
fn modern_gap(sc: &TlsScan) -> Option<String> {
    let offered = |k: &str| {
        sc.versions
            .get(k)
            .filter(|v| v.status == VersionStatus::Offered)
    };
    if offered("TLSv1.3").is_some() {
        return None;
    }
    let v12 = offered("TLSv1.2")?;
    let modern = v12
        .suites
        .iter()
        .any(|s| s.mac == "AEAD" && s.forward_secrecy && s.kx.starts_with("ecdhe"));
    if modern {
        return None;
    }
    let aead = v12.suites.iter().any(|s| s.mac == "AEAD");
    Some(if !aead {
        "the scan shows why: the server's TLS 1.2 suites are all CBC (no AES-GCM or ChaCha20): rustls offers none of them, and Python 3.10+ refuses those with SHA-1 MACs".to_string()
    } else {
        format!(
            "the scan shows why: the server's TLS 1.2 AEAD suites use {} key exchange, not ECDHE, which modern clients such as rustls require",
            v12.suites
                .iter()
                .filter(|s| s.mac == "AEAD")
                .map(|s| s.kx.to_uppercase())
                .next()
                .unwrap_or_default()
        )
    })
}
