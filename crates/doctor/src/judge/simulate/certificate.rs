//! Whether a peer accepts the certificate: the chain (trust, dates, key and signature strength)
//! and the names it checks; and what a peer that sends no SNI is shown.

use crate::judge::simulate::outcome::Ended;
use crate::judge::simulate::outcome::fail;
use crate::judge::simulate::outcome::fail_with;
use crate::judge::simulate::outcome::unknown;
use crate::model::cert::ChainAnalysis;
use crate::model::cert::TrustVerdict;
use crate::model::observation::EndpointObservation;
use crate::model::profile::Negotiated;
use crate::model::profile::Profile;
use crate::model::profile::Simulation;

/// Why a peer refuses a chain: (reason, detail, server fix, client at fault).
type Refusal = (String, String, String, bool);

/// The words before the detail of a failure seen by a peer that sends no SNI.
const NO_SNI: &str = "this peer sends no SNI and gets the server's default certificate: ";

/// A server whose handshake signature does not verify with its certificate's key: the peer
/// aborts the handshake after `negotiated`. Every peer does, also one that verifies no
/// certificate: the signature check is part of TLS itself (OpenSSL, GnuTLS, Java, Go, rustls).
/// The first bad signature seen decides (a server with two certificates whose second one is
/// fine is not told apart here).
pub(super) fn bad_signature(
    p: &Profile,
    obs: &EndpointObservation,
    negotiated: &Negotiated,
    notes: &[String],
) -> Result<(), Ended> {
    let bad = crate::judge::diagnose::invalid_signatures(obs);
    let Some(b) = bad.first() else {
        return Ok(());
    };
    let mut s = fail(
        p,
        "bad-signature",
        format!(
            "{} signature, seen in {}, does not verify with the certificate's public key: the server does not hold its certificate's private key, and the peer aborts the handshake",
            b.words(),
            b.seen_in
        ),
        Some(
            "install the private key that belongs to the certificate (see `smtp-tls-doctor explain handshake-signature-invalid`)"
                .into(),
        ),
        false,
        notes.to_vec(),
    );
    s.negotiated = Some(negotiated.clone());
    Err(Box::new(s))
}

/// A peer that verifies the chain or the name: unknown without a chain, a failure (after
/// `negotiated`) when it refuses the chain or a name. `sni_note`: the chain is the one sent
/// without SNI.
pub(super) fn verify_certificate(
    p: &Profile,
    analysis: Option<&ChainAnalysis>,
    sni_note: bool,
    names: &[String],
    negotiated: &Negotiated,
    notes: &[String],
) -> Result<(), Ended> {
    if !(p.verifies_chain || p.verifies_name) {
        return Ok(());
    }
    let Some(a) = analysis else {
        return Err(Box::new(unknown(
            p,
            "no certificate chain was seen",
            notes.to_vec(),
        )));
    };
    if p.verifies_chain
        && let Some(f) = certificate_failure(p, a)
    {
        let mut s = fail_with(p, &f.0, "", f.1, Some(f.2), f.3, notes.to_vec());
        if sni_note {
            s.detail = format!("{NO_SNI}{}", s.detail);
        }
        s.negotiated = Some(negotiated.clone());
        return Err(Box::new(s));
    }
    if p.verifies_name
        && let Some(mut s) = name_not_covered(p, a, sni_note, names, notes)
    {
        s.negotiated = Some(negotiated.clone());
        return Err(Box::new(s));
    }
    Ok(())
}

/// The first name the peer checks that the certificate does not cover.
fn name_not_covered(
    p: &Profile,
    a: &ChainAnalysis,
    sni_note: bool,
    names: &[String],
    notes: &[String],
) -> Option<Simulation> {
    let wanted: Vec<&String> = match p.name_checked.as_str() {
        "none" => Vec::new(),
        _ => names.iter().collect(),
    };
    let n = wanted
        .iter()
        .find(|n| a.names.iter().any(|c| &c.name == **n && !c.covered))?;
    let mut s = fail_with(
        p,
        "name-not-covered",
        &a.covered_names.join(", "),
        format!(
            "the certificate does not cover {n}; it covers {}",
            a.covered_names.join(", ")
        ),
        Some(format!(
            "get a certificate that names {n} (or point the peer at a name the certificate covers)"
        )),
        false,
        notes.to_vec(),
    );
    if sni_note {
        s.detail = format!("{NO_SNI}{}", s.detail);
        s.fix_server = Some("serve a certificate covering the name also without SNI (Postfix: smtpd_tls_chain_files is the no-SNI default beside tls_server_sni_maps; Exim: the default branch of the tls_certificate expansion)".into());
    }
    Some(s)
}

/// Why the peer refuses the chain, if it does: trust first, then dates, then strength.
fn certificate_failure(p: &Profile, a: &ChainAnalysis) -> Option<Refusal> {
    trust_failure(p, a)
        .or_else(|| date_failure(a))
        .or_else(|| strength_failure(p, a))
}

/// A chain the peer does not trust: self-signed (unless it accepts that), an intermediate not sent
/// (unless it fetches it), an unknown root, an invalid chain.
fn trust_failure(p: &Profile, a: &ChainAnalysis) -> Option<Refusal> {
    match &a.trust {
        TrustVerdict::SelfSigned if !p.accepts_self_signed => Some((
            "self-signed".into(),
            "the certificate is self-signed".into(),
            "use a CA-issued certificate (e.g. Let's Encrypt)".into(),
            false,
        )),
        TrustVerdict::Incomplete {
            missing_issuer,
            ca_issuers,
            ..
        } if !(p.fetches_missing_intermediates && ca_issuers.is_some()) => Some((
            "chain-not-trusted".into(),
            format!("the server does not send {missing_issuer}, and this peer does not fetch it"),
            "send the intermediate certificate(s) after the leaf (see `smtp-tls-doctor explain chain-incomplete`)".into(),
            false,
        )),
        TrustVerdict::UntrustedRoot { root, .. } => Some((
            "chain-not-trusted".into(),
            format!("the chain leads to {root}, which is not in the trust store"),
            "use a certificate from a public CA, or have the peer trust the private root".into(),
            true,
        )),
        TrustVerdict::Invalid { reason } => Some((
            "chain-not-trusted".into(),
            format!("the chain is invalid: {reason}"),
            "get a correct certificate from the CA".into(),
            false,
        )),
        _ => None,
    }
}

/// An expired certificate, else one not yet valid.
fn date_failure(a: &ChainAnalysis) -> Option<Refusal> {
    if let Some(t) = a.time_problems.iter().find(|t| t.kind == "expired") {
        return Some((
            "expired".into(),
            format!("{} expired on {}", t.subject, t.date),
            "renew the certificate and reload the server".into(),
            false,
        ));
    }
    let t = a.time_problems.iter().find(|t| t.kind == "not-yet-valid")?;
    Some((
        "not-yet-valid".into(),
        format!("{} is valid only from {}", t.subject, t.date),
        "check the clocks; reissue".into(),
        false,
    ))
}

/// An RSA key smaller than the peer accepts, else a SHA-1 signature a peer that refuses them sees.
fn strength_failure(p: &Profile, a: &ChainAnalysis) -> Option<Refusal> {
    if p.min_rsa_bits > 0
        && let Some(c) = a
            .certificates
            .iter()
            .find(|c| c.key_type == "RSA" && c.key_bits.is_some_and(|b| b < p.min_rsa_bits))
    {
        return Some((
            "weak-key".into(),
            format!(
                "{} has an RSA key of {} bits; the peer needs {}",
                c.subject,
                c.key_bits.unwrap_or(0),
                p.min_rsa_bits
            ),
            "a new key of 2048 bits or more (or ECDSA P-256)".into(),
            false,
        ));
    }
    let w = a
        .weak_signatures
        .first()
        .filter(|_| p.rejects_sha1_certificates)?;
    Some((
        "weak-signature".into(),
        format!("{} is signed with {}", w.subject, w.what),
        "reissue with SHA-256".into(),
        false,
    ))
}

/// The note for a peer that sends no SNI: the certificate it gets instead, if it differs, and
/// whether that one covers the names.
pub(super) fn no_sni_note(
    p: &Profile,
    obs: &EndpointObservation,
    no_sni_analysis: Option<&ChainAnalysis>,
) -> Option<String> {
    match (p.sends_sni, no_sni_analysis) {
        (false, Some(ns)) => {
            let uncovered: Vec<&str> = ns
                .names
                .iter()
                .filter(|n| !n.covered)
                .map(|n| n.name.as_str())
                .collect();
            Some(format!(
                "this peer sends no SNI and gets the server's default certificate ({}){}",
                ns.certificates
                    .first()
                    .map(|c| c.subject.as_str())
                    .unwrap_or("?"),
                if uncovered.is_empty() {
                    String::new()
                } else {
                    format!(
                        ", which does not cover {}: harmless while it does not verify, fatal once it does (e.g. Postfix smtp_tls_security_level = verify or secure)",
                        uncovered.join(", ")
                    )
                }
            ))
        }
        (false, None) if obs.no_sni.is_some() => Some(
            "this peer sends no SNI: it gets the same certificate as a client with SNI here".into(),
        ),
        (false, None) => Some("this peer sends no SNI: a server that picks its certificate by SNI shows it its default certificate (not measured here)".into()),
        _ => None,
    }
}
