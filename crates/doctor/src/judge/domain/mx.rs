//! Rules of the MX hosts (RFC 5321 §5.1, RFC 7505): a null or implicit MX, hosts that cannot be
//! used, hosts or addresses that cannot be reached, and hosts that differ.

use crate::judge::diagnose::finding;
use crate::judge::domain::state::EpState;
use crate::judge::domain::state::endpoint_text;
use crate::judge::domain::state::of_host;
use crate::model::dns::{Dnssec, Outcome};
use crate::model::domain::DomainObservation;
use crate::model::domain::MxHostObservation;
use crate::model::finding::Finding;
use serde_json::json;

/// The MX records as (preference, exchange).
fn mx_records(obs: &DomainObservation) -> Vec<(u16, String)> {
    obs.mx.mx_records()
}

/// The domain publishes a null MX ("0 .", RFC 7505), alone: it accepts no mail.
pub(super) fn is_null_mx(obs: &DomainObservation) -> bool {
    let records = mx_records(obs);
    records.len() == 1 && records.iter().all(|(_, e)| e.is_empty())
}

/// The findings of the MX records and hosts: null MX, implicit MX, unusable hosts.
pub(super) fn record_findings(obs: &DomainObservation) -> Vec<Finding> {
    let mut findings: Vec<Finding> = null_mx(obs).into_iter().collect();
    findings.extend(implicit_mx(obs));
    findings.extend(obs.hosts.iter().filter_map(invalid_host));
    findings
}

/// `mx-null` for a null MX; `mx-host-invalid` for a null MX beside other MX records.
fn null_mx(obs: &DomainObservation) -> Option<Finding> {
    let records = mx_records(obs);
    if is_null_mx(obs) {
        Some(finding(
            "mx-null",
            format!(
                "{} publishes a null MX (\"0 .\", RFC 7505): it accepts no mail",
                obs.domain
            ),
            json!({"mx": obs.mx.records}),
        ))
    } else if records.len() > 1 && records.iter().any(|(_, e)| e.is_empty()) {
        Some(finding(
            "mx-host-invalid",
            "a null MX (\".\") stands beside other MX records; RFC 7505 §3 allows it only alone"
                .to_string(),
            json!({"mx": obs.mx.records}),
        ))
    } else {
        None
    }
}

/// `mx-implicit`: no MX record, so senders deliver to the domain's own address.
fn implicit_mx(obs: &DomainObservation) -> Option<Finding> {
    if obs.mx.outcome != Outcome::NoData {
        return None;
    }
    let addrs: Vec<String> = obs
        .hosts
        .first()
        .map(|h| h.addresses.iter().map(|a| a.to_string()).collect())
        .unwrap_or_default();
    Some(finding(
        "mx-implicit",
        format!(
            "{} has no MX record: senders deliver to its own address ({})",
            obs.domain,
            if addrs.is_empty() {
                "none".to_string()
            } else {
                addrs.join(", ")
            }
        ),
        json!({"addresses": addrs}),
    ))
}

/// `no-mx-record`: a bare name checked as a host whose MX lookup found none (no data, or no such
/// name): mail for it goes to the host itself (the implicit MX, RFC 5321 §5.1). A failed lookup
/// says nothing, so it gives no note.
pub(crate) fn no_mx_record(mx: &crate::model::dns::DnsAnswer) -> Option<Finding> {
    let how = match mx.outcome {
        Outcome::NoData => "the name has no MX record",
        Outcome::Nxdomain => "the name does not exist in DNS",
        Outcome::Records | Outcome::Error => return None,
    };
    Some(finding(
        "no-mx-record",
        format!(
            "{} has no MX record: mail for it goes to this host (implicit MX, RFC 5321 §5.1); checked as a mail domain it would also get its MTA-STS, DANE and TLS-RPT checked",
            mx.name
        ),
        json!({"name": mx.name, "mx_lookup": how, "rcode": mx.rcode, "server": mx.server}),
    ))
}

/// `mx-host-invalid`: a host that cannot be used (not one left out on purpose), with the errors of
/// its address lookups.
fn invalid_host(h: &MxHostObservation) -> Option<Finding> {
    let why = h
        .skipped
        .as_ref()
        .filter(|w| !w.starts_with("not checked:"))?;
    // An address lookup that fails DNSSEC validation is `dnssec-bogus` (the zone's fault, with
    // its own fix); the host itself may be fine.
    if [&h.a, &h.aaaa]
        .iter()
        .any(|q| q.as_ref().is_some_and(|q| q.dnssec == Dnssec::Bogus))
    {
        return None;
    }
    let errors: Vec<String> = [&h.a, &h.aaaa]
        .iter()
        .filter_map(|q| q.as_ref().and_then(|q| q.error.clone()))
        .collect();
    Some(finding(
        "mx-host-invalid",
        if errors.is_empty() {
            why.clone()
        } else {
            format!("{why}; {}", errors.join("; "))
        },
        json!({"host": h.host, "preference": h.preference, "lookup_errors": errors}),
    ))
}

/// `mx-unreachable` and `mx-address-failed`, host by host.
pub(super) fn reachability_findings(
    obs: &DomainObservation,
    states: &[EpState<'_>],
) -> Vec<Finding> {
    let mut findings = Vec::new();
    for h in obs.hosts.iter().filter(|h| h.skipped.is_none()) {
        let eps = of_host(states, &h.host);
        if eps.is_empty() {
            continue;
        }
        if eps.iter().all(|s| !s.reachable) {
            findings.push(unreachable_host(&h.host, &eps));
        } else {
            findings.extend(failed_addresses(&h.host, &eps));
        }
    }
    findings
}

/// `mx-unreachable`: no address of the host can be reached.
fn unreachable_host(host: &str, eps: &[&EpState<'_>]) -> Finding {
    let details: Vec<String> = eps
        .iter()
        .map(|s| format!("{}: {}", s.ep.observation.address, endpoint_text(s).1))
        .collect();
    finding(
        "mx-unreachable",
        format!(
            "MX {host} cannot be reached on any address ({})",
            details.join("; ")
        ),
        json!({"host": host, "addresses": details}),
    )
}

/// `mx-address-failed`: an address that fails (or fails TLS) while another of the same host works.
fn failed_addresses(host: &str, eps: &[&EpState<'_>]) -> Vec<Finding> {
    let works = |s: &EpState<'_>| s.reachable && (!s.starttls || s.tls_done);
    let good: Vec<String> = eps
        .iter()
        .filter(|s| works(s))
        .map(|s| s.ep.observation.address.ip().to_string())
        .collect();
    eps.iter()
        .filter(|s| !works(s))
        .map(|s| {
            let (status, why) = endpoint_text(s);
            finding(
                "mx-address-failed",
                format!(
                    "MX {host} fails on {} ({status}: {why}) while {} works",
                    s.ep.observation.address,
                    good.join(", ")
                ),
                json!({"host": host, "address": s.ep.observation.address.to_string(), "status": status, "reason": why, "working": good}),
            )
        })
        .collect()
}

/// `mx-inconsistent`: reachable MX hosts (or addresses) that differ in STARTTLS, TLS version or
/// the certificate's validity.
pub(super) fn inconsistency(states: &[EpState<'_>]) -> Option<Finding> {
    let signature = |s: &EpState<'_>| -> String {
        format!(
            "STARTTLS {}, {}, certificate {}",
            if s.starttls { "offered" } else { "not offered" },
            s.version.as_deref().unwrap_or("no TLS"),
            if s.cert_valid { "valid" } else { "not valid" }
        )
    };
    let mut sigs: Vec<(String, String)> = states
        .iter()
        .filter(|s| s.reachable)
        .map(|s| {
            (
                format!(
                    "{} ({})",
                    s.ep.observation.name,
                    s.ep.observation.address.ip()
                ),
                signature(s),
            )
        })
        .collect();
    sigs.sort();
    let distinct: std::collections::BTreeSet<&String> = sigs.iter().map(|(_, s)| s).collect();
    if distinct.len() <= 1 {
        return None;
    }
    let lines: Vec<String> = sigs.iter().map(|(h, s)| format!("{h}: {s}")).collect();
    Some(finding(
        "mx-inconsistent",
        format!("the MX hosts differ: {}", lines.join("; ")),
        json!({"endpoints": lines}),
    ))
}
