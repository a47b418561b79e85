//! Judging endpoints and a whole check: chain analysis per endpoint, findings, simulated peers,
//! and the verdict (the one problem that matters most).

use crate::judge::cert::{AnalysisInput, analyze};
use crate::judge::diagnose::{diagnose, is_check_error, rank};
use crate::model::cert::CertBytes;
use crate::model::cert::ChainAnalysis;
use crate::model::finding::{Finding, Severity};
use crate::model::observation::{EndpointObservation, Failure, FailureKind, Phase};
use crate::model::report::*;
use crate::model::trust::TrustStore;
use time::OffsetDateTime;

/// A setting of the check that a hint points at. Each front end names it its own way (the
/// command line: a flag; a web page: a form field); [`Setting::words`] is the plain name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Setting {
    /// The address to connect to for a name.
    Resolve,
    /// Implicit TLS instead of STARTTLS.
    ImplicitTls,
    ConnectTimeout,
    BannerTimeout,
    CommandTimeout,
    /// Which addresses the check may connect to (a service's fence).
    ConnectPolicy,
}

impl Setting {
    /// The setting in plain words, for a report read without a front end.
    pub fn words(self) -> &'static str {
        match self {
            Setting::Resolve => "the address to use for the name",
            Setting::ImplicitTls => "implicit TLS",
            Setting::ConnectTimeout => "the connect time limit",
            Setting::BannerTimeout => "the banner time limit",
            Setting::CommandTimeout => "the command time limit",
            Setting::ConnectPolicy => "the policy of where checks may connect",
        }
    }
}

/// What to do about a failure that stopped the check, in plain words.
pub fn hint(phase: Phase, kind: FailureKind) -> String {
    hint_naming(phase, kind, &|s| s.words().to_string())
}

/// [`hint`], with each setting named by `name` (the CLI passes its flags).
pub fn hint_naming(phase: Phase, kind: FailureKind, name: &dyn Fn(Setting) -> String) -> String {
    use FailureKind as K;
    use Phase as P;
    use Setting as S;
    match (phase, kind) {
        (P::Resolve, _) => format!("check the spelling of the host name, or give its address ({})", name(S::Resolve)),
        (P::Connect, K::Refused) => "check the port (25 for MX, 587 for submission with STARTTLS, 465 for implicit TLS), that the mail server runs and listens on this address (Postfix: inet_interfaces and master.cf; Exim: daemon_smtp_ports, local_interfaces), and the firewall".into(),
        (_, K::Policy) => format!("this address is fenced off: checking it needs a change of {}, by whoever runs this service", name(S::ConnectPolicy)),
        (P::Connect, K::Timeout) => format!("a firewall drops the packets (many networks block outgoing port 25), or the host is down; try from another network, or raise {}", name(S::ConnectTimeout)),
        (P::Connect, _) => "check the address and your network route to it".into(),
        (P::Banner, K::Timeout) => format!("the server accepted the connection but sent no complete greeting in time: a port that expects TLS first (465-style: try {}), a greet pause longer than the limit (raise {}), a tarpit, or not an SMTP service", name(S::ImplicitTls), name(S::BannerTimeout)),
        (P::Banner, K::NotSmtp) => format!("this port speaks something else than SMTP; if the bytes look like TLS, the port uses implicit TLS: try {}", name(S::ImplicitTls)),
        (P::Banner, K::LineTooLong) => "the server sends a line that never ends: this is not a working SMTP server".into(),
        (P::Banner, K::Closed) => "the server closed the connection before greeting: a connection limit, a blocklist or a TCP wrapper (Postfix postscreen/anvil, Exim smtp_accept_max_per_host, hosts.deny); try again later or from another address".into(),
        (P::Ehlo, K::Timeout) | (P::Starttls, K::Timeout) => format!("the server stopped answering: a greylisting or tarpitting delay, raise {}, or check the server's logs", name(S::CommandTimeout)),
        (P::Ehlo, _) | (P::Starttls, _) => "the server broke off the SMTP dialogue; its mail log says why".into(),
        (_, K::Timeout) => "the server stopped answering; raise the time limits or check its logs".into(),
        _ => "check the server's mail log for this connection".into(),
    }
}

/// Judge a domain's observations (fresh or saved): each endpoint for its own MX name, then the domain.
pub fn judge_domain_report(
    mut r: CheckReport,
    obs: crate::model::domain::DomainObservation,
    endpoints: Vec<EndpointObservation>,
    trust: &TrustStore,
    warn_days: u32,
    profiles: &[crate::model::profile::Profile],
) -> CheckReport {
    let now = checked_at(&r);
    r.names_checked = obs
        .hosts
        .iter()
        .filter(|h| h.skipped.is_none())
        .map(|h| h.host.clone())
        .collect();
    for o in endpoints {
        let names = vec![o.name.clone()];
        r.endpoints
            .push(judge_endpoint(o, trust, now, &names, warn_days, profiles));
    }
    crate::judge::battery::drown_across(&mut r.endpoints);
    let d = crate::judge::domain::judge_domain(obs, &r.endpoints, trust, now, warn_days);
    let domain = d.observation.domain.clone();
    let fatal = domain_failure(&d);
    r.domain = Some(d);
    if let Some(f) = fatal {
        return finish_error(r, &domain, None, f);
    }
    let all = domain_findings_first(&r);
    let senders = r
        .domain
        .as_ref()
        .map(|d| {
            d.senders
                .iter()
                .map(|s| format!("{}: {}", s.kind, s.result))
                .collect::<Vec<_>>()
                .join(", ")
        })
        .unwrap_or_default();
    r.verdict = domain_verdict(&domain, all.first(), &senders);
    r
}

/// Why a domain cannot be checked at all: no MX answer, or the domain does not exist.
fn domain_failure(d: &DomainReport) -> Option<Failure> {
    let message = match d.observation.mx.outcome {
        crate::model::dns::Outcome::Error => format!(
            "the MX lookup failed: {}",
            d.observation.mx.error.clone().unwrap_or_default()
        ),
        crate::model::dns::Outcome::Nxdomain => {
            format!("{} does not exist (NXDOMAIN)", d.observation.domain)
        }
        _ => return None,
    };
    Some(Failure {
        phase: Phase::Resolve,
        kind: FailureKind::Resolve,
        message,
    })
}

/// Every finding of a domain check, the domain's own first among equals (they say which senders
/// fail), then the endpoints', each group ranked, the whole sorted by severity.
fn domain_findings_first(r: &CheckReport) -> Vec<Finding> {
    let mut all: Vec<_> = r
        .domain
        .iter()
        .flat_map(|d| d.findings.iter().cloned())
        .collect();
    rank(&mut all);
    let mut from_endpoints: Vec<_> = r
        .endpoints
        .iter()
        .flat_map(|e| e.findings.iter().cloned())
        .collect();
    rank(&mut from_endpoints);
    all.extend(from_endpoints);
    all.sort_by_key(|f| f.severity);
    all
}

/// The verdict a finding gives: problems for an error, warnings for a warning.
fn finding_verdict(subject: &str, f: &Finding) -> Verdict {
    Verdict {
        status: if f.severity == Severity::Error {
            Status::Problems
        } else {
            Status::Warnings
        },
        code: Some(f.code.clone()),
        text: format!("{subject}: {} [{}]", f.summary, f.code),
    }
}

/// A domain's verdict from its most important finding; `senders` sums up a domain without one.
fn domain_verdict(domain: &str, top: Option<&Finding>, senders: &str) -> Verdict {
    match top {
        Some(f) if f.severity != Severity::Note => finding_verdict(domain, f),
        _ => Verdict {
            status: Status::Ok,
            code: None,
            text: format!("{domain}: nothing wrong found ({senders})"),
        },
    }
}

/// The report of a check that could not be done: the verdict says so, the error says why.
pub fn finish_error(
    mut r: CheckReport,
    host: &str,
    address: Option<String>,
    f: Failure,
) -> CheckReport {
    r.verdict = Verdict {
        status: Status::Error,
        code: None,
        text: format!(
            "could not check {host}: {} phase: {}",
            f.phase.as_str(),
            f.message
        ),
    };
    r.error = Some(CheckError {
        host: host.to_string(),
        address,
        phase: f.phase,
        kind: f.kind,
        hint: hint(f.phase, f.kind),
        message: f.message,
    });
    r
}

/// A failure that stopped the check of one endpoint: (host, address, failure).
type StopError = (String, String, Failure);

/// Judge the endpoints of a host check, and the check's verdict: the worst finding, else the
/// first failure that stopped a check, else a failing simulated peer.
pub fn judge(
    mut r: CheckReport,
    observations: Vec<EndpointObservation>,
    trust: &TrustStore,
    warn_days: u32,
    profiles: &[crate::model::profile::Profile],
) -> CheckReport {
    let now = checked_at(&r);
    let mut error = None;
    for obs in observations {
        if error.is_none() {
            error = stop_error(&obs);
        }
        r.endpoints.push(judge_endpoint(
            obs,
            trust,
            now,
            &r.names_checked,
            warn_days,
            profiles,
        ));
    }
    crate::judge::battery::drown_across(&mut r.endpoints);
    // A bare name without MX records: a note on the endpoint checked (none when none was).
    if let (Some(note), Some(ep)) = (
        r.target
            .mx
            .as_ref()
            .and_then(crate::judge::domain::no_mx_record),
        r.endpoints.first_mut(),
    ) {
        ep.findings.push(note);
        rank(&mut ep.findings);
    }
    let target = format!("{}:{}", r.target.host, r.target.port);
    let mut all: Vec<_> = r.findings().cloned().collect();
    rank(&mut all);
    r.verdict = check_verdict(&target, all.first(), error.as_ref(), &r);
    // A simulated peer (--as) that fails is a problem too, when nothing worse was found.
    if matches!(r.verdict.status, Status::Ok | Status::Warnings)
        && let Some(v) = failing_peer_verdict(&target, &r)
    {
        r.verdict = v;
    }
    if let Some((host, address, f)) = error {
        r.error = Some(CheckError {
            host,
            address: Some(address),
            phase: f.phase,
            kind: f.kind,
            hint: hint(f.phase, f.kind),
            message: f.message,
        });
    }
    r
}

/// The failure that stopped the check of this endpoint, if one did (see [`is_check_error`]).
fn stop_error(obs: &EndpointObservation) -> Option<StopError> {
    let f = obs.failure.as_ref().filter(|_| is_check_error(obs))?;
    Some((obs.name.clone(), obs.address.to_string(), f.clone()))
}

/// A host check's verdict: an error finding first, then a failure that stopped the check, then a
/// warning, else OK.
fn check_verdict(
    target: &str,
    top: Option<&Finding>,
    error: Option<&StopError>,
    r: &CheckReport,
) -> Verdict {
    match (top, error) {
        (Some(f), _) if f.severity == Severity::Error => finding_verdict(target, f),
        (_, Some((host, _, f))) => Verdict {
            status: Status::Error,
            code: None,
            text: format!(
                "could not check {host}: {} phase: {}",
                f.phase.as_str(),
                f.message
            ),
        },
        (Some(f), None) if f.severity == Severity::Warning => finding_verdict(target, f),
        _ => Verdict {
            status: Status::Ok,
            code: None,
            text: ok_text(target, r),
        },
    }
}

/// The verdict when a simulated peer fails (the first failing one, endpoints in order).
fn failing_peer_verdict(target: &str, r: &CheckReport) -> Option<Verdict> {
    let s = r
        .endpoints
        .iter()
        .flat_map(|e| e.profiles.iter())
        .find(|s| s.result == "fails")?;
    Some(Verdict {
        status: Status::Problems,
        code: None,
        text: format!(
            "{target}: {} would fail ({}): {}",
            s.name,
            s.reason.as_deref().unwrap_or("?"),
            s.detail
        ),
    })
}

/// Judge one endpoint's observation: chain analysis for `names`, findings, simulated peers.
pub(crate) fn judge_endpoint(
    obs: EndpointObservation,
    trust: &TrustStore,
    now: OffsetDateTime,
    names: &[String],
    warn_days: u32,
    profiles: &[crate::model::profile::Profile],
) -> EndpointReport {
    let mut chains = ChainJudge::new(trust, now, names, warn_days);
    let judged = judge_chains(&obs, &mut chains);
    let mut findings = diagnose(&obs, judged.primary.as_ref());
    if let Some(ns) = &judged.no_sni {
        findings.push(crate::judge::diagnose::sni_cert_differs(ns));
    }
    findings.extend(judged.other_findings);
    findings.extend(crate::judge::injection::finding(&obs));
    let mut checks = if crate::judge::diagnose::is_check_error(&obs) {
        Default::default()
    } else {
        crate::judge::battery::checks(&obs)
    };
    findings.extend(crate::judge::battery::battery_findings(&checks, &obs));
    rank(&mut findings);
    let mut sims: Vec<_> = profiles
        .iter()
        .map(|p| {
            crate::judge::simulate::simulate(
                p,
                &obs,
                judged.primary.as_ref(),
                judged.no_sni.as_ref(),
                names,
            )
        })
        .collect();
    crate::judge::simulate::order(&mut sims);
    checks.extend(crate::judge::injection::checks(&obs));
    let server_software = crate::judge::software::identify(&obs);
    EndpointReport {
        observation: obs,
        chain_analysis: judged.primary,
        other_chain_analyses: judged.others,
        no_sni_analysis: judged.no_sni,
        findings,
        checks,
        profiles: sims,
        server_software,
    }
}

/// Chain analyses against one trust store, moment, set of names and expiry warning: each
/// distinct chain (compared byte for byte before analysing) is analysed once, and its analysis
/// reused for every further copy of it.
struct ChainJudge<'a> {
    trust: &'a TrustStore,
    now: OffsetDateTime,
    names: &'a [String],
    warn_days: u32,
    /// The chains analysed as sent (nothing fetched added), with their analyses.
    seen: Vec<(&'a [CertBytes], ChainAnalysis)>,
    /// How many analyses ran (the tests count them).
    analysed: usize,
}

impl<'a> ChainJudge<'a> {
    fn new(
        trust: &'a TrustStore,
        now: OffsetDateTime,
        names: &'a [String],
        warn_days: u32,
    ) -> Self {
        ChainJudge {
            trust,
            now,
            names,
            warn_days,
            seen: Vec::new(),
            analysed: 0,
        }
    }

    /// Analyse `chain` with the certificates `fetched` through AIA added for a second verdict.
    fn analyze(&mut self, chain: &[CertBytes], fetched: &[Vec<u8>]) -> ChainAnalysis {
        self.analysed += 1;
        let chain: Vec<Vec<u8>> = chain.iter().map(|c| c.0.clone()).collect();
        analyze(&AnalysisInput {
            chain: &chain,
            trust: self.trust,
            now: self.now,
            names: self.names,
            expiry_warn_days: self.warn_days,
            fetched,
        })
    }

    /// The analysis of `chain` as sent; a chain analysed before is not analysed again.
    fn as_sent(&mut self, chain: &'a [CertBytes]) -> ChainAnalysis {
        if let Some((_, a)) = self.seen.iter().find(|(c, _)| *c == chain) {
            return a.clone();
        }
        let a = self.analyze(chain, &[]);
        self.seen.push((chain, a.clone()));
        a
    }
}

/// The chains of one endpoint, judged.
struct JudgedChains {
    /// The chain to judge (see [`EndpointObservation::chain`]), with the AIA fetches.
    primary: Option<ChainAnalysis>,
    /// The chain sent without SNI, when its leaf differs from the primary chain's.
    no_sni: Option<ChainAnalysis>,
    /// The scan's chains with another leaf (the ECDSA one beside the RSA one).
    others: Vec<OtherChain>,
    /// Those chains' certificate findings, each marked with the suite it was sent for.
    other_findings: Vec<Finding>,
}

/// Analyse the primary chain, the no-SNI chain and the scan's chains, each distinct one once.
/// A chain with the primary chain's bytes has its leaf: it is neither analysed nor reported.
fn judge_chains<'a>(obs: &'a EndpointObservation, chains: &mut ChainJudge<'a>) -> JudgedChains {
    let fetched: Vec<Vec<u8>> = obs
        .aia_fetches
        .iter()
        .filter_map(|f| f.certificate.as_ref().map(|c| c.0.clone()))
        .collect();
    let primary_chain = obs.chain();
    let primary = primary_chain.map(|chain| chains.analyze(chain, &fetched));
    let primary_leaf = primary.as_ref().and_then(leaf_sha256);
    let no_sni = no_sni_analysis(obs, primary_chain, primary_leaf, chains);
    let (others, other_findings) = other_chains(obs, primary_chain, primary_leaf, chains);
    JudgedChains {
        primary,
        no_sni,
        others,
        other_findings,
    }
}

/// The SHA-256 fingerprint of an analysed chain's leaf (its first readable certificate).
fn leaf_sha256(a: &ChainAnalysis) -> Option<&str> {
    a.certificates.first().map(|c| c.sha256.as_str())
}

/// The chain a client without SNI is sent, analysed, when its leaf differs from the primary's.
fn no_sni_analysis<'a>(
    obs: &'a EndpointObservation,
    primary_chain: Option<&[CertBytes]>,
    primary_leaf: Option<&str>,
    chains: &mut ChainJudge<'a>,
) -> Option<ChainAnalysis> {
    let chain = obs
        .no_sni
        .as_ref()
        .filter(|t| t.completed && !t.chain.is_empty())
        .map(|t| t.chain.as_slice())?;
    if primary_chain == Some(chain) {
        return None;
    }
    let a = chains.as_sent(chain);
    (leaf_sha256(&a) != primary_leaf).then_some(a)
}

/// The scan's chains with another leaf than the primary chain's: judged and reported too, their
/// findings marked with the suite that made the server send them.
fn other_chains<'a>(
    obs: &'a EndpointObservation,
    primary_chain: Option<&[CertBytes]>,
    primary_leaf: Option<&str>,
    chains: &mut ChainJudge<'a>,
) -> (Vec<OtherChain>, Vec<Finding>) {
    let mut others = Vec::new();
    let mut findings = Vec::new();
    for sc in obs.scan.iter().flat_map(|s| s.scanned_chains.iter()) {
        if primary_chain == Some(sc.chain.as_slice()) {
            continue;
        }
        let a = chains.as_sent(&sc.chain);
        let leaf = leaf_sha256(&a);
        if leaf.is_none() || leaf == primary_leaf {
            continue;
        }
        for mut f in crate::judge::diagnose::certificate_findings(&a) {
            f.summary = format!("{} (the certificate sent for {})", f.summary, sc.suite);
            f.evidence
                .insert("suite".into(), serde_json::json!(sc.suite));
            findings.push(f);
        }
        others.push(OtherChain {
            version: sc.version.clone(),
            suite: sc.suite.clone(),
            analysis: a,
        });
    }
    (others, findings)
}

/// The moment of the check: certificates are judged at it (also when replayed).
fn checked_at(r: &CheckReport) -> OffsetDateTime {
    OffsetDateTime::parse(
        &r.checked_at,
        &time::format_description::well_known::Rfc3339,
    )
    .unwrap_or_else(|_| OffsetDateTime::now_utc())
}

/// The verdict's words when nothing is wrong: what the server offers, and which names were checked.
fn ok_text(target: &str, r: &CheckReport) -> String {
    let tls = r.endpoints.first().and_then(|e| e.observation.tls.as_ref());
    match tls {
        Some(t) if r.names_checked.is_empty() => format!(
            "{target} offers {} ({}) with a trusted certificate; no name was checked (the target is an address: give the name the certificate must cover)",
            t.version.as_deref().unwrap_or("TLS"),
            t.cipher_suite
                .as_ref()
                .map(|s| s.iana.as_str())
                .unwrap_or("?")
        ),
        Some(t) => format!(
            "{target} offers {} ({}) with a valid certificate for {}",
            t.version.as_deref().unwrap_or("TLS"),
            t.cipher_suite
                .as_ref()
                .map(|s| s.iana.as_str())
                .unwrap_or("?"),
            r.names_checked.join(", ")
        ),
        None => format!("{target}: nothing wrong found"),
    }
}

#[cfg(test)]
mod tests {
    use super::{ChainJudge, judge_chains};
    use crate::model::observation::EndpointObservation;
    use crate::model::trust::TrustStore;
    use serde_json::json;

    fn tls(chain: &[&str]) -> serde_json::Value {
        json!({"completed": true, "sni": null, "version": "TLSv1.3", "cipher_suite": null,
               "group": null, "chain": chain, "signature_problem": null, "alert": null})
    }

    fn scanned(suite: &str, chain: &[&str]) -> serde_json::Value {
        json!({"version": "TLSv1.2", "suite": suite, "chain": chain})
    }

    #[test]
    fn each_distinct_chain_is_analysed_once() {
        // "AAAA" and "BBBB" are base64 of bytes that are no certificate: cheap to analyse.
        let obs: EndpointObservation = serde_json::from_value(json!({
            "name": "mx.example.test", "address": "192.0.2.1:25", "mode": "starttls",
            "ehlo_name": "probe.example.test", "smtp": {}, "tls": tls(&["AAAA"]), "failure": null,
            "timings": {"total_ms": 1.0}, "transcript": [],
            "no_sni": tls(&["AAAA"]),
            "versions": {}, "scan_connections": 0, "scan_steps": [],
            "scanned_chains": [scanned("a", &["AAAA"]), scanned("b", &["BBBB"]),
                               scanned("c", &["BBBB"]), scanned("d", &["AAAA", "BBBB"])],
        }))
        .expect("fixture parses");
        let trust = TrustStore::new(Vec::new(), "none".into());
        let names = vec!["mx.example.test".to_string()];
        let mut chains = ChainJudge::new(&trust, time::OffsetDateTime::UNIX_EPOCH, &names, 21);
        let judged = judge_chains(&obs, &mut chains);
        // The primary chain, then BBBB once and AAAA+BBBB once; the no-SNI chain and the first
        // scanned chain are the primary chain's bytes.
        assert_eq!(chains.analysed, 3);
        assert!(judged.primary.is_some());
        assert!(judged.no_sni.is_none());
        assert!(
            judged.others.is_empty(),
            "no readable leaf: nothing to report"
        );
    }
}
