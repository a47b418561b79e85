//! What each kind of sender does: opportunistic MTAs, MTA-STS senders and DANE senders; mail goes
//! to the most preferred MX that works for each.

use crate::model::dane::Tlsa;
use crate::model::dns::Outcome;
use crate::model::domain::DomainObservation;
use crate::model::report::AddressResult;
use crate::model::report::MxResult;
use crate::model::report::PolicySummary;
use crate::model::report::SenderOutcome;

/// An MX host and what opportunistic, MTA-STS and DANE senders get there.
type PerMx = (String, &'static str, &'static str, &'static str);

const OPP: &str = "Opportunistic senders (most MTAs: Postfix and Exim defaults)";
const STS: &str = "MTA-STS senders (Gmail, Microsoft 365, Yahoo)";
const DANE: &str = "DANE senders (Postfix/Exim with DANE, Microsoft 365)";

/// What one kind of sender does.
fn outcome(kind: &str, name: &str, result: &str, detail: String) -> SenderOutcome {
    SenderOutcome {
        kind: kind.into(),
        name: name.into(),
        result: result.into(),
        detail,
    }
}

/// What each kind of sender does (mail goes to the most preferred MX that works for it).
pub(super) fn senders(
    obs: &DomainObservation,
    mx: &[MxResult],
    policy: Option<&PolicySummary>,
    null_mx: bool,
) -> Vec<SenderOutcome> {
    if null_mx {
        return vec![
            outcome(
                "opportunistic",
                OPP,
                "no-mail",
                "the domain has a null MX: senders bounce at once".into(),
            ),
            outcome("mta-sts", STS, "no-mail", "the domain has a null MX".into()),
            outcome("dane", DANE, "no-mail", "the domain has a null MX".into()),
        ];
    }
    if mx
        .iter()
        .all(|m| m.skipped.is_some() || m.addresses.is_empty())
    {
        let why = no_usable_mx(obs);
        return vec![
            outcome("opportunistic", OPP, "fails", why.clone()),
            outcome("mta-sts", STS, "fails", why.clone()),
            outcome("dane", DANE, "fails", why),
        ];
    }
    let per: Vec<PerMx> = mx
        .iter()
        .filter(|m| m.skipped.is_none() && !m.addresses.is_empty())
        .map(|m| per_mx(m, policy))
        .collect();
    let (o, od) = reduce(&per, |p| p.1);
    let (s, sd) = reduce(&per, |p| p.2);
    let (d, dd) = reduce(&per, |p| p.3);
    vec![
        outcome("opportunistic", OPP, &o, od),
        outcome("mta-sts", STS, &s, format!("{}{sd}", sts_note(policy))),
        outcome("dane", DANE, &d, format!("{}{dd}", dane_note(mx))),
    ]
}

/// Why no MX host can be used at all.
fn no_usable_mx(obs: &DomainObservation) -> String {
    match obs.mx.outcome {
        Outcome::Nxdomain => "the domain does not exist".to_string(),
        Outcome::Error => format!(
            "the MX lookup failed: {}",
            obs.mx.error.clone().unwrap_or_default()
        ),
        _ => "no MX host is usable".to_string(),
    }
}

/// One MX host: (host, result for opportunistic, for MTA-STS, for DANE senders).
fn per_mx(m: &MxResult, policy: Option<&PolicySummary>) -> PerMx {
    let reach: Vec<&AddressResult> = m
        .addresses
        .iter()
        .filter(|a| a.status != "unreachable")
        .collect();
    if reach.is_empty() {
        return (m.host.clone(), "fails", "fails", "fails");
    }
    let all_tls = reach
        .iter()
        .all(|a| a.status == "ok" || a.status == "tls-problems");
    let any_tls = reach
        .iter()
        .any(|a| a.status == "ok" || a.status == "tls-problems");
    // TLS on some addresses counts: the detail lists each MX.
    let opp = if any_tls { "tls" } else { "plaintext" };
    let sts = sts_result(m, &reach, policy, opp);
    let dane = dane_result(m, &reach, all_tls, opp);
    (m.host.clone(), opp, sts, dane)
}

/// An MTA-STS sender at one MX: with an enforce policy, verified TLS on every reachable address
/// of a covered host, else it fails; without one, as an opportunistic sender (`opp`).
fn sts_result(
    m: &MxResult,
    reach: &[&AddressResult],
    policy: Option<&PolicySummary>,
    opp: &'static str,
) -> &'static str {
    match policy.filter(|p| p.usable).and_then(|p| p.mode.as_deref()) {
        Some("enforce") => {
            if m.mta_sts_covered == Some(true) && reach.iter().all(|a| a.status == "ok") {
                "verified-tls"
            } else {
                "fails"
            }
        }
        _ => opp,
    }
}

/// A DANE sender at one MX: with secure usable TLSA records, verified TLS when every reachable
/// address matches, else it fails; a failed lookup fails; without records, as an opportunistic
/// sender (`opp`).
fn dane_result(
    m: &MxResult,
    reach: &[&AddressResult],
    all_tls: bool,
    opp: &'static str,
) -> &'static str {
    match m.tlsa.as_str() {
        "lookup-failed" => "fails",
        "secure" => {
            let usable = m.tlsa_records.iter().any(Tlsa::usable);
            if !usable {
                if all_tls { "tls" } else { "fails" }
            } else if reach
                .iter()
                .all(|a| a.tlsa_results.iter().any(|r| r.result == "match"))
            {
                "verified-tls"
            } else {
                "fails"
            }
        }
        _ => opp,
    }
}

/// A kind of sender's result (the first MX that does not fail decides) and the per-MX detail.
fn reduce(per: &[PerMx], pick: impl Fn(&PerMx) -> &'static str) -> (String, String) {
    let first = per.iter().find(|p| pick(p) != "fails");
    let detail = per
        .iter()
        .map(|p| format!("{}: {}", p.0, pick(p)))
        .collect::<Vec<_>>()
        .join(", ");
    match first {
        Some(p) => (pick(p).to_string(), detail),
        None => ("fails".to_string(), detail),
    }
}

/// What the policy makes of MTA-STS senders, before the per-MX detail.
fn sts_note(policy: Option<&PolicySummary>) -> String {
    match policy {
        None => "no MTA-STS policy: they behave as opportunistic senders; ".to_string(),
        Some(p) if !p.usable => {
            "the MTA-STS policy is unusable: they behave as opportunistic senders; ".to_string()
        }
        Some(p) => match p.mode.as_deref() {
            Some("enforce") => "policy in enforce mode; ".to_string(),
            Some(m) => format!("policy in {m} mode (not enforced); "),
            None => String::new(),
        },
    }
}

/// What the TLSA records make of DANE senders, before the per-MX detail.
fn dane_note(mx: &[MxResult]) -> &'static str {
    if mx.iter().any(|m| m.tlsa == "secure") {
        ""
    } else {
        "no secure TLSA records: they behave as opportunistic senders; "
    }
}
