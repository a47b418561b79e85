//! Rules of DANE for SMTP (RFC 7672): each MX host's TLSA records (secure, unsigned, failed),
//! their match against the chain each address serves, and the per-MX results.

use crate::judge::dane::match_chain;
use crate::judge::dane::record_for;
use crate::judge::diagnose::finding;
use crate::judge::domain::state::EpState;
use crate::judge::domain::state::endpoint_text;
use crate::judge::domain::state::of_host;
use crate::model::dane::Tlsa;
use crate::model::dane::TlsaResult;
use crate::model::dns::DnsAnswer;
use crate::model::dns::DnsRecord;
use crate::model::dns::Dnssec;
use crate::model::dns::Outcome;
use crate::model::domain::DomainObservation;
use crate::model::domain::MxHostObservation;
use crate::model::finding::Finding;
use crate::model::report::AddressResult;
use crate::model::report::MxResult;
use serde_json::json;

/// The DANE judgement of a domain.
pub(super) struct Dane {
    pub(super) findings: Vec<Finding>,
    /// Per MX host: its addresses, MTA-STS coverage and TLSA state.
    pub(super) mx_results: Vec<MxResult>,
    /// Some host has TLSA records (or a failed lookup).
    pub(super) any_tlsa: bool,
}

/// The TLSA state of one host.
struct HostTlsa {
    /// "secure", "unsigned", "lookup-failed" or "none".
    state: String,
    /// Where the records (or the failure) are.
    name: Option<String>,
    records: Vec<Tlsa>,
    findings: Vec<Finding>,
}

/// An endpoint whose chain the host's usable records judge, with the match results.
type Matched<'s, 'a> = (&'s EpState<'a>, Vec<TlsaResult>);

/// Judge each MX host's TLSA records against its endpoints; `covered` is each host's MTA-STS
/// coverage, in the same order.
pub(super) fn judge_dane(
    obs: &DomainObservation,
    states: &[EpState<'_>],
    covered: &[Option<bool>],
) -> Dane {
    let mut findings = Vec::new();
    let mut mx_results = Vec::new();
    let mut any_tlsa = false;
    for (h, covered) in obs.hosts.iter().zip(covered.iter()) {
        let mut t = judge_tlsa(h);
        findings.append(&mut t.findings);
        if t.state != "none" {
            any_tlsa = true;
        }
        let eps = of_host(states, &h.host);
        let (addresses, mismatched, stale) = address_results(h, &t, &eps);
        findings.extend(mismatched.iter().map(|m| mismatch(h, &t, m)));
        findings.extend(stale.iter().map(|m| stale_records(h, m)));
        mx_results.push(MxResult {
            host: h.host.clone(),
            preference: h.preference,
            addresses,
            mta_sts_covered: *covered,
            tlsa: t.state,
            tlsa_name: t.name,
            tlsa_records: t.records,
            skipped: h.skipped.clone(),
        });
    }
    Dane {
        findings,
        mx_results,
        any_tlsa,
    }
}

/// Each endpoint's result, with the endpoints whose chain no usable record matches, and those
/// that some usable record does not match (stale records).
fn address_results<'s, 'a>(
    h: &MxHostObservation,
    t: &HostTlsa,
    eps: &[&'s EpState<'a>],
) -> (
    Vec<AddressResult>,
    Vec<Matched<'s, 'a>>,
    Vec<Matched<'s, 'a>>,
) {
    let mut addresses = Vec::new();
    let mut mismatched = Vec::new();
    let mut stale = Vec::new();
    let secure = t.state == "secure";
    for &s in eps {
        let (status, detail) = endpoint_text(s);
        let mut results = if secure && s.reachable {
            match_chain(&t.records, &s.chain, std::slice::from_ref(&h.host))
        } else {
            Vec::new()
        };
        if s.bad_signature.is_some() {
            // The server cannot prove it holds the key: a DANE sender's handshake fails before
            // any match could count.
            for r in results.iter_mut().filter(|r| r.result == "match") {
                r.result = "no-match".into();
                r.detail = format!(
                    "{}, but the server's handshake signature does not verify with the certificate's key: the match does not count",
                    r.detail
                );
            }
        }
        let usable: Vec<&TlsaResult> = results.iter().filter(|r| r.result != "unusable").collect();
        if s.reachable && secure && !usable.is_empty() {
            if usable.iter().all(|r| r.result != "match") {
                mismatched.push((s, results.clone()));
            } else if usable.iter().any(|r| r.result == "no-match") {
                stale.push((s, results.clone()));
            }
        }
        addresses.push(AddressResult {
            address: s.ep.observation.address.to_string(),
            status,
            detail,
            tls_version: s.version.clone(),
            certificate_valid: s.cert_valid,
            tlsa_results: results,
        });
    }
    (addresses, mismatched, stale)
}

/// `dane-tlsa-mismatch`: no usable record matches what the endpoint serves (or it serves nothing).
fn mismatch(h: &MxHostObservation, t: &HostTlsa, (s, results): &Matched<'_, '_>) -> Finding {
    let current = s.chain.first().and_then(|c| record_for(c, 3, 1, 1));
    let why = if !s.starttls {
        "the server offers no STARTTLS, which DANE senders require".to_string()
    } else if let Some(why) = &s.bad_signature {
        why.clone()
    } else if !s.tls_done {
        "no TLS handshake completes".to_string()
    } else {
        "none of the records matches the certificate served".to_string()
    };
    finding(
        "dane-tlsa-mismatch",
        format!(
            "MX {} at {}: {why} (records at {}: {}){}",
            h.host,
            s.ep.observation.address,
            t.name.as_deref().unwrap_or("?"),
            t.records
                .iter()
                .map(Tlsa::text)
                .collect::<Vec<_>>()
                .join(", "),
            current
                .as_ref()
                .map(|c| format!("; the certificate served has {}", c.text()))
                .unwrap_or_default()
        ),
        json!({"host": h.host, "address": s.ep.observation.address.to_string(), "tlsa_name": t.name, "results": results, "record_for_served_certificate": current.map(|c| c.text())}),
    )
}

/// `dane-tlsa-stale`: records that match nothing the endpoint sends, beside one that does.
fn stale_records(h: &MxHostObservation, (s, results): &Matched<'_, '_>) -> Finding {
    let dead: Vec<String> = results
        .iter()
        .filter(|r| r.result == "no-match")
        .map(|r| r.record.text())
        .collect();
    finding(
        "dane-tlsa-stale",
        format!(
            "MX {} at {}: {} of the TLSA records match nothing the server sends ({})",
            h.host,
            s.ep.observation.address,
            dead.len(),
            dead.join(", ")
        ),
        json!({"host": h.host, "address": s.ep.observation.address.to_string(), "stale": dead}),
    )
}

/// The TLSA state of a host, with its findings.
fn judge_tlsa(h: &MxHostObservation) -> HostTlsa {
    let state = |state: &str, name: Option<String>, records, findings| HostTlsa {
        state: state.into(),
        name,
        records,
        findings,
    };
    if h.skipped.is_some() {
        return state("none", None, Vec::new(), Vec::new());
    }
    if let Some(q) = failed_lookup(h) {
        let f = lookup_failed(h, q);
        return state("lookup-failed", Some(q.name.clone()), Vec::new(), vec![f]);
    }
    let Some(q) = h.tlsa.iter().find(|q| q.outcome == Outcome::Records) else {
        return state("none", None, Vec::new(), Vec::new());
    };
    let records = tlsa_records(q);
    if let Some(f) = unsigned(h, q, &records) {
        return state("unsigned", Some(q.name.clone()), records, vec![f]);
    }
    let findings = unusable(h, &records).into_iter().collect();
    state("secure", Some(q.name.clone()), records, findings)
}

/// A failed or DNSSEC-bogus TLSA lookup before any records: DANE senders defer (RFC 7672 §2.2).
fn failed_lookup(h: &MxHostObservation) -> Option<&DnsAnswer> {
    h.tlsa
        .iter()
        .take_while(|q| q.outcome != Outcome::Records || q.dnssec == Dnssec::Bogus)
        .find(|q| q.outcome == Outcome::Error || q.dnssec == Dnssec::Bogus)
}

/// `dane-tlsa-lookup-failed`.
fn lookup_failed(h: &MxHostObservation, q: &DnsAnswer) -> Finding {
    finding(
        "dane-tlsa-lookup-failed",
        format!(
            "the TLSA lookup {} for MX {} failed: {}",
            q.name,
            h.host,
            q.error.clone().unwrap_or_else(|| {
                "the answer is DNSSEC-bogus (bad or expired signatures, or a broken denial of existence)".into()
            })
        ),
        json!({"host": h.host, "lookup": q}),
    )
}

/// The TLSA records of an answer.
fn tlsa_records(q: &DnsAnswer) -> Vec<Tlsa> {
    q.records
        .iter()
        .filter_map(|r| match r {
            DnsRecord::TLSA {
                usage,
                selector,
                matching,
                data,
            } => Some(Tlsa {
                usage: *usage,
                selector: *selector,
                matching: *matching,
                data: data.clone(),
            }),
            _ => None,
        })
        .collect()
}

/// `dane-unsigned`: DANE applies only with secure TLSA records and secure address records (RFC
/// 7672 §2.2.2); senders ignore these.
fn unsigned(h: &MxHostObservation, q: &DnsAnswer, records: &[Tlsa]) -> Option<Finding> {
    let address_insecure = !h.overridden
        && [&h.a, &h.aaaa].iter().any(|a| {
            a.as_ref()
                .is_some_and(|a| a.outcome == Outcome::Records && a.dnssec != Dnssec::Secure)
        });
    if q.dnssec == Dnssec::Secure && !address_insecure {
        return None;
    }
    let why = if q.dnssec != Dnssec::Secure {
        format!(
            "the TLSA records at {} are not DNSSEC-secure ({})",
            q.name,
            q.dnssec.as_str()
        )
    } else {
        format!(
            "the TLSA records at {} are secure, but the address records of {} are not",
            q.name, h.host
        )
    };
    Some(finding(
        "dane-unsigned",
        format!("MX {}: {why}: DANE senders ignore them", h.host),
        json!({"host": h.host, "tlsa_name": q.name, "dnssec": q.dnssec, "records": records.iter().map(Tlsa::text).collect::<Vec<_>>()}),
    ))
}

/// `dane-usage-unsuitable`: records with a usage SMTP senders ignore (PKIX-TA/PKIX-EE), or an
/// undefined selector or matching type.
fn unusable(h: &MxHostObservation, records: &[Tlsa]) -> Option<Finding> {
    let unusable: Vec<String> = records
        .iter()
        .filter(|r| !r.usable())
        .map(Tlsa::text)
        .collect();
    if unusable.is_empty() {
        return None;
    }
    Some(finding(
        "dane-usage-unsuitable",
        format!(
            "MX {}: {} of {} TLSA records use a usage SMTP senders ignore (0/1, or an undefined selector/matching type): {}",
            h.host,
            unusable.len(),
            records.len(),
            unusable.join(", ")
        ),
        json!({"host": h.host, "unusable": unusable}),
    ))
}
