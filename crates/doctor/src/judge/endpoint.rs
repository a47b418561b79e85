//! Judging endpoints and a whole check: chain analysis per endpoint, findings, simulated peers,
//! and the verdict (the one problem that matters most).

use crate::judge::cert::{AnalysisInput, analyze};
use crate::judge::diagnose::{diagnose, is_check_error, rank};
use crate::model::observation::{EndpointObservation, Failure, FailureKind, Phase};
use crate::model::report::*;
use crate::model::trust::TrustStore;
use time::OffsetDateTime;

/// What to do about a failure that stopped the check.
pub fn hint(phase: Phase, kind: FailureKind) -> String {
    use FailureKind as K;
    use Phase as P;
    match (phase, kind) {
        (P::Resolve, _) => "check the spelling of the host name, or give its address with --resolve NAME:ADDR".into(),
        (P::Connect, K::Refused) => "check the port (25 for MX, 587 for submission with STARTTLS, 465 for implicit TLS), that the mail server runs and listens on this address (Postfix: inet_interfaces and master.cf; Exim: daemon_smtp_ports, local_interfaces), and the firewall".into(),
        (P::Connect, K::Timeout) => "a firewall drops the packets (many networks block outgoing port 25), or the host is down; try from another network, or raise --connect-timeout".into(),
        (P::Connect, _) => "check the address and your network route to it".into(),
        (P::Banner, K::Timeout) => "the server accepted the connection but sent no complete greeting in time: a port that expects TLS first (465-style: try --implicit-tls), a greet pause longer than the limit (raise --banner-timeout), a tarpit, or not an SMTP service".into(),
        (P::Banner, K::NotSmtp) => "this port speaks something else than SMTP; if the bytes look like TLS, the port uses implicit TLS: try --implicit-tls".into(),
        (P::Banner, K::LineTooLong) => "the server sends a line that never ends: this is not a working SMTP server".into(),
        (P::Banner, K::Closed) => "the server closed the connection before greeting: a connection limit, a blocklist or a TCP wrapper (Postfix postscreen/anvil, Exim smtp_accept_max_per_host, hosts.deny); try again later or from another address".into(),
        (P::Ehlo, K::Timeout) | (P::Starttls, K::Timeout) => "the server stopped answering: a greylisting or tarpitting delay, raise --command-timeout, or check the server's logs".into(),
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
    let d = crate::judge::domain::judge_domain(obs, &r.endpoints, trust, now, warn_days);
    let domain = d.observation.domain.clone();
    // The domain cannot be checked at all: no MX answer, or the domain does not exist.
    let fatal = match d.observation.mx.outcome {
        crate::model::dns::Outcome::Error => Some((
            FailureKind::Resolve,
            format!(
                "the MX lookup failed: {}",
                d.observation.mx.error.clone().unwrap_or_default()
            ),
        )),
        crate::model::dns::Outcome::Nxdomain => Some((
            FailureKind::Resolve,
            format!("{domain} does not exist (NXDOMAIN)"),
        )),
        _ => None,
    };
    r.domain = Some(d);
    if let Some((kind, message)) = fatal {
        let f = Failure {
            phase: Phase::Resolve,
            kind,
            message,
        };
        return finish_error(r, &domain, None, f);
    }
    // The domain's own findings first among equals: they say which senders fail.
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
    r.verdict = match all.first() {
        Some(f) if f.severity == crate::model::finding::Severity::Error => Verdict {
            status: Status::Problems,
            code: Some(f.code.clone()),
            text: format!("{domain}: {} [{}]", f.summary, f.code),
        },
        Some(f) if f.severity == crate::model::finding::Severity::Warning => Verdict {
            status: Status::Warnings,
            code: Some(f.code.clone()),
            text: format!("{domain}: {} [{}]", f.summary, f.code),
        },
        _ => Verdict {
            status: Status::Ok,
            code: None,
            text: format!("{domain}: nothing wrong found ({senders})"),
        },
    };
    r
}

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
        if is_check_error(&obs)
            && error.is_none()
            && let Some(f) = &obs.failure
        {
            error = Some((obs.name.clone(), obs.address.to_string(), f.clone()));
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
    let target = format!("{}:{}", r.target.host, r.target.port);
    let mut all: Vec<_> = r.findings().cloned().collect();
    rank(&mut all);
    let top = all.first();
    r.verdict = match (top, &error) {
        (Some(f), _) if f.severity == crate::model::finding::Severity::Error => Verdict {
            status: Status::Problems,
            code: Some(f.code.clone()),
            text: format!("{target}: {} [{}]", f.summary, f.code),
        },
        (_, Some((host, _, f))) => Verdict {
            status: Status::Error,
            code: None,
            text: format!(
                "could not check {host}: {} phase: {}",
                f.phase.as_str(),
                f.message
            ),
        },
        (Some(f), None) if f.severity == crate::model::finding::Severity::Warning => Verdict {
            status: Status::Warnings,
            code: Some(f.code.clone()),
            text: format!("{target}: {} [{}]", f.summary, f.code),
        },
        _ => Verdict {
            status: Status::Ok,
            code: None,
            text: ok_text(&target, &r),
        },
    };
    // A simulated peer (--as) that fails is a problem too, when nothing worse was found.
    if matches!(r.verdict.status, Status::Ok | Status::Warnings) {
        let failing = r
            .endpoints
            .iter()
            .flat_map(|e| e.profiles.iter())
            .find(|s| s.result == "fails");
        if let Some(s) = failing {
            r.verdict = Verdict {
                status: Status::Problems,
                code: None,
                text: format!(
                    "{target}: {} would fail ({}): {}",
                    s.name,
                    s.reason.as_deref().unwrap_or("?"),
                    s.detail
                ),
            };
        }
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

/// Judge one endpoint's observation: chain analysis for `names`, findings, simulated peers.
pub(crate) fn judge_endpoint(
    obs: EndpointObservation,
    trust: &TrustStore,
    now: OffsetDateTime,
    names: &[String],
    warn_days: u32,
    profiles: &[crate::model::profile::Profile],
) -> EndpointReport {
    // The chain from the modern handshake; else the one a legacy handshake of the scan read
    // from the plaintext Certificate message (a server that only speaks TLS 1.0, say).
    let from_tls = obs
        .tls
        .as_ref()
        .filter(|t| t.completed && !t.chain.is_empty())
        .map(|t| &t.chain);
    let from_scan = obs
        .scan
        .as_ref()
        .and_then(|s| s.scanned_chains.first())
        .map(|c| &c.chain);
    let fetched: Vec<Vec<u8>> = obs
        .aia_fetches
        .iter()
        .filter_map(|f| f.certificate.as_ref().map(|c| c.0.clone()))
        .collect();
    let analysis = from_tls.or(from_scan).map(|chain| {
        let chain: Vec<Vec<u8>> = chain.iter().map(|c| c.0.clone()).collect();
        analyze(&AnalysisInput {
            chain: &chain,
            trust,
            now,
            names,
            expiry_warn_days: warn_days,
            fetched: &fetched,
        })
    });
    let mut findings = diagnose(&obs, analysis.as_ref());
    let primary_sha = analysis
        .as_ref()
        .and_then(|a| a.certificates.first())
        .map(|c| c.sha256.clone());
    let no_sni_analysis = obs
        .no_sni
        .as_ref()
        .filter(|t| t.completed && !t.chain.is_empty())
        .map(|t| {
            let chain: Vec<Vec<u8>> = t.chain.iter().map(|c| c.0.clone()).collect();
            analyze(&AnalysisInput {
                chain: &chain,
                trust,
                now,
                names,
                expiry_warn_days: warn_days,
                fetched: &[],
            })
        });
    let no_sni_analysis =
        no_sni_analysis.filter(|a| a.certificates.first().map(|c| c.sha256.clone()) != primary_sha);
    if let Some(ns) = &no_sni_analysis {
        findings.push(crate::judge::diagnose::sni_cert_differs(ns));
    }
    // Chains with another leaf (the ECDSA one beside the RSA one): judged and reported too.
    let primary_leaf = analysis
        .as_ref()
        .and_then(|a| a.certificates.first())
        .map(|c| c.sha256.clone());
    let mut other_chain_analyses = Vec::new();
    for sc in obs.scan.iter().flat_map(|s| s.scanned_chains.iter()) {
        let chain: Vec<Vec<u8>> = sc.chain.iter().map(|c| c.0.clone()).collect();
        let a = analyze(&AnalysisInput {
            chain: &chain,
            trust,
            now,
            names,
            expiry_warn_days: warn_days,
            fetched: &[],
        });
        let leaf = a.certificates.first().map(|c| c.sha256.clone());
        if leaf.is_none() || leaf == primary_leaf {
            continue;
        }
        for f in crate::judge::diagnose::certificate_findings(&a) {
            let mut f = f;
            f.summary = format!("{} (the certificate sent for {})", f.summary, sc.suite);
            f.evidence
                .insert("suite".into(), serde_json::json!(sc.suite));
            findings.push(f);
        }
        other_chain_analyses.push(OtherChain {
            version: sc.version.clone(),
            suite: sc.suite.clone(),
            analysis: a,
        });
    }
    rank(&mut findings);
    let mut sims: Vec<_> = profiles
        .iter()
        .map(|p| {
            crate::judge::simulate::simulate(
                p,
                &obs,
                analysis.as_ref(),
                no_sni_analysis.as_ref(),
                names,
            )
        })
        .collect();
    crate::judge::simulate::order(&mut sims);
    EndpointReport {
        observation: obs,
        chain_analysis: analysis,
        other_chain_analyses,
        no_sni_analysis,
        findings,
        profiles: sims,
    }
}

/// The moment of the check: certificates are judged at it (also when replayed).
fn checked_at(r: &CheckReport) -> OffsetDateTime {
    OffsetDateTime::parse(
        &r.checked_at,
        &time::format_description::well_known::Rfc3339,
    )
    .unwrap_or_else(|_| OffsetDateTime::now_utc())
}

fn ok_text(target: &str, r: &CheckReport) -> String {
    let tls = r.endpoints.first().and_then(|e| e.observation.tls.as_ref());
    match tls {
        Some(t) if r.names_checked.is_empty() => format!(
            "{target} offers {} ({}) with a trusted certificate; no name was checked (the target is an address: give --name)",
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
