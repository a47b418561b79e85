//! The rule of DNSSEC-bogus answers: data whose signatures do not validate under a trust anchor
//! (RFC 4035 §5.5). A validating resolver answers SERVFAIL for it, so senders behind one cannot
//! use the record at all.

use crate::judge::diagnose::finding;
use crate::model::dns::{DnsAnswer, Dnssec};
use crate::model::domain::DomainObservation;
use crate::model::finding::Finding;
use serde_json::json;

/// The lookups of the domain check this rule covers: the MX, each host's A and AAAA, the
/// MTA-STS TXT and the policy host's address, the TLS-RPT TXT. (A bogus TLSA answer is
/// `dane-tlsa-lookup-failed`, which says why DANE senders defer.)
fn lookups(obs: &DomainObservation) -> impl Iterator<Item = &DnsAnswer> {
    let hosts = obs
        .hosts
        .iter()
        .flat_map(|h| h.a.iter().chain(h.aaaa.iter()));
    let policy = obs
        .mta_sts_policy
        .iter()
        .flat_map(|p| p.address_lookup.iter());
    std::iter::once(&obs.mx)
        .chain(hosts)
        .chain(std::iter::once(&obs.mta_sts_txt))
        .chain(policy)
        .chain(std::iter::once(&obs.tlsrpt_txt))
}

/// `dnssec-bogus`: one finding naming every bogus answer, or none.
pub(super) fn bogus_finding(obs: &DomainObservation) -> Option<Finding> {
    let bogus: Vec<&DnsAnswer> = lookups(obs).filter(|a| a.dnssec == Dnssec::Bogus).collect();
    let names: Vec<String> = bogus
        .iter()
        .map(|a| format!("{} {}", a.name, a.rtype))
        .collect();
    if names.is_empty() {
        return None;
    }
    Some(finding(
        "dnssec-bogus",
        format!(
            "DNSSEC validation fails for {}: validating resolvers answer SERVFAIL, and senders behind them cannot use it",
            names.join(", ")
        ),
        json!({"answers": bogus}),
    ))
}
