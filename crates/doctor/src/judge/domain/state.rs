//! One endpoint of an MX host as senders see it: reachable, STARTTLS, TLS, a valid certificate.

use crate::model::cert::ChainAnalysis;
use crate::model::cert::TrustVerdict;
use crate::model::observation::Mode;
use crate::model::observation::Phase;
use crate::model::report::EndpointReport;

/// The state of one endpoint, as senders see it.
pub(super) struct EpState<'a> {
    pub(super) ep: &'a EndpointReport,
    pub(super) reachable: bool,
    pub(super) starttls: bool,
    pub(super) tls_done: bool,
    pub(super) cert_valid: bool,
    pub(super) cert_problem: Option<String>,
    pub(super) version: Option<String>,
    pub(super) chain: Vec<Vec<u8>>,
    /// The server's handshake signature does not verify with its certificate's key: every
    /// sender aborts the handshake, so neither the chain nor a TLSA match counts. Why, in words.
    pub(super) bad_signature: Option<String>,
}

/// Sum up an endpoint's report for the domain's rules.
pub(super) fn assess(ep: &EndpointReport) -> EpState<'_> {
    let o = &ep.observation;
    let reachable = !matches!(
        o.failure.as_ref().map(|f| f.phase),
        Some(Phase::Resolve | Phase::Connect | Phase::Banner)
    ) && o.smtp.banner.as_ref().is_some_and(|b| b.code == 220);
    let starttls = match o.mode {
        Mode::ImplicitTls => true,
        Mode::Starttls => {
            o.smtp
                .capabilities
                .as_ref()
                .is_some_and(|c| c.has("STARTTLS"))
                && o.smtp.starttls.as_ref().is_none_or(|r| r.code == 220)
        }
    };
    let tls = o.tls.as_ref().filter(|t| t.completed);
    let chain: Vec<Vec<u8>> = tls
        .map(|t| t.chain.iter().map(|c| c.0.clone()).collect())
        .unwrap_or_default();
    let bad_signature = crate::judge::diagnose::invalid_signatures(o)
        .first()
        .map(|b| {
            format!(
                "{} signature does not verify with the certificate's key (the server does not hold its private key): senders abort the handshake",
                b.words()
            )
        });
    let (cert_valid, cert_problem) = match (&ep.chain_analysis, &bad_signature) {
        (_, Some(why)) if tls.is_some() => (false, Some(why.clone())),
        (Some(a), _) if tls.is_some() => cert_verdict(a),
        _ => (false, None),
    };
    EpState {
        ep,
        reachable,
        starttls,
        tls_done: tls.is_some(),
        cert_valid,
        cert_problem,
        version: tls.and_then(|t| t.version.clone()),
        chain,
        bad_signature,
    }
}

/// The endpoints of one MX host.
pub(super) fn of_host<'s, 'a>(states: &'s [EpState<'a>], host: &str) -> Vec<&'s EpState<'a>> {
    states
        .iter()
        .filter(|s| s.ep.observation.name == host)
        .collect()
}

/// A chain as a verifying sender judges it: trusted, in date, every name covered.
pub(super) fn cert_verdict(a: &ChainAnalysis) -> (bool, Option<String>) {
    // Verifying MTAs do not fetch missing intermediates: the chain as sent is what counts.
    let trusted = matches!(a.trust, TrustVerdict::Trusted { .. });
    if !trusted {
        let why = match &a.trust {
            TrustVerdict::SelfSigned => "the certificate is self-signed".to_string(),
            TrustVerdict::UntrustedRoot { root, .. } => {
                format!("the chain ends at an untrusted root ({root})")
            }
            TrustVerdict::Incomplete { missing_issuer, .. } => {
                format!("the chain is incomplete (the intermediate {missing_issuer} is not sent)")
            }
            TrustVerdict::Invalid { reason } => reason.clone(),
            TrustVerdict::NoCertificate { reason } => reason.clone(),
            TrustVerdict::Trusted { .. } => String::new(),
        };
        return (false, Some(why));
    }
    if let Some(t) = a
        .time_problems
        .iter()
        .find(|t| t.kind == "expired" || t.kind == "not-yet-valid")
    {
        return (
            false,
            Some(format!(
                "certificate #{} ({}) is {} ({})",
                t.index, t.subject, t.kind, t.date
            )),
        );
    }
    if let Some(n) = a.names.iter().find(|n| !n.covered) {
        return (
            false,
            Some(format!(
                "the certificate does not cover {} (it covers {})",
                n.name,
                a.covered_names.join(", ")
            )),
        );
    }
    (true, None)
}

/// An endpoint's status ("unreachable", "no-starttls", "tls-failed", "tls-problems", "ok") and
/// why.
pub(super) fn endpoint_text(s: &EpState<'_>) -> (String, String) {
    let o = &s.ep.observation;
    if !s.reachable {
        let why = o
            .failure
            .as_ref()
            .map(|f| format!("{} phase: {}", f.phase.as_str(), f.message))
            .unwrap_or_else(|| "no SMTP greeting".into());
        return ("unreachable".into(), why);
    }
    if !s.starttls {
        return (
            "no-starttls".into(),
            "no STARTTLS: mail arrives in plaintext".into(),
        );
    }
    if let Some(why) = &s.bad_signature {
        return ("tls-failed".into(), why.clone());
    }
    if !s.tls_done {
        let why = o
            .failure
            .as_ref()
            .map(|f| f.message.clone())
            .unwrap_or_else(|| "the TLS handshake failed".into());
        return ("tls-failed".into(), why);
    }
    match &s.cert_problem {
        Some(p) => ("tls-problems".into(), p.clone()),
        None if s.cert_valid => (
            "ok".into(),
            format!(
                "{} with a valid certificate",
                s.version.as_deref().unwrap_or("TLS")
            ),
        ),
        None => ("tls-problems".into(), "certificate not judged".into()),
    }
}
