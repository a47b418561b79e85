//! Judging a mail domain: pure rules from a [`DomainObservation`] and its endpoints' reports to
//! domain findings, per-MX results and what each kind of sender does. No I/O.
//!
//! * `state`: each endpoint as senders see it;
//! * `mx`: the MX records and hosts (RFC 5321 §5.1, RFC 7505);
//! * `mta_sts` and `policy`: MTA-STS (RFC 8461);
//! * `tlsa`: DANE (RFC 7672);
//! * `tlsrpt`: TLS-RPT (RFC 8460);
//! * `senders`: what opportunistic, MTA-STS and DANE senders do;
//! * `dnssec`: answers whose DNSSEC signatures do not validate.

mod dnssec;
mod mta_sts;
mod mx;
pub(crate) use mx::no_mx_record;
mod policy;
mod senders;
mod state;
mod tlsa;
mod tlsrpt;

use crate::model::domain::DomainObservation;
use crate::model::report::DomainReport;
use crate::model::report::EndpointReport;
use crate::model::trust::TrustStore;
use time::OffsetDateTime;

/// Judge a domain. `endpoints` are the endpoint reports of every MX host and address.
pub fn judge_domain(
    obs: DomainObservation,
    endpoints: &[EndpointReport],
    trust: &TrustStore,
    now: OffsetDateTime,
    warn_days: u32,
) -> DomainReport {
    let states: Vec<state::EpState<'_>> = endpoints.iter().map(state::assess).collect();
    let mut findings = mx::record_findings(&obs);
    findings.extend(mx::reachability_findings(&obs, &states));
    findings.extend(mx::inconsistency(&states));
    let sts = mta_sts::judge_mta_sts(&obs, &states, trust, now, warn_days);
    findings.extend(sts.findings);
    let dane = tlsa::judge_dane(&obs, &states, &sts.covered);
    findings.extend(dane.findings);
    findings.extend(tlsrpt::tlsrpt_finding(&obs, sts.announced, dane.any_tlsa));
    findings.extend(dnssec::bogus_finding(&obs));
    crate::judge::diagnose::rank(&mut findings);
    let null_mx = mx::is_null_mx(&obs);
    let senders = senders::senders(&obs, &dane.mx_results, sts.policy.as_ref(), null_mx);
    DomainReport {
        observation: obs,
        policy: sts.policy,
        policy_chain: sts.chain,
        mx_results: dane.mx_results,
        senders,
        findings,
    }
}
