//! `check`: target → endpoint → probe → observation → analysis → findings → report.

use crate::cert::{AnalysisInput, analyze};
use crate::config::{CheckOptions, Sni, parse_target};
use crate::diagnose::{diagnose, is_check_error, rank};
use crate::observe::{EndpointObservation, Failure, FailureKind, Phase};
use crate::probe::{EndpointSpec, probe};
use crate::report::*;
use crate::trust::TrustStore;
use std::net::{IpAddr, SocketAddr};
use time::OffsetDateTime;

/// A mistake in what the user asked for (exit 64).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UsageError(pub String);

impl std::fmt::Display for UsageError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for UsageError {}

/// The names the certificate must cover: the host (unless it is an address), then `--name`s.
pub fn required_names(host: &str, opts: &CheckOptions) -> Vec<String> {
    let mut names = Vec::new();
    if host.parse::<IpAddr>().is_err() {
        names.push(host.to_string());
    }
    for n in &opts.names {
        let n = n.trim_end_matches('.').to_ascii_lowercase();
        if !names.contains(&n) {
            names.push(n);
        }
    }
    names
}

/// The trust store the options name (a mistake in them is a usage error).
pub fn load_trust(opts: &CheckOptions) -> Result<TrustStore, UsageError> {
    TrustStore::load_with(
        opts.trust,
        &opts.ca_files,
        &opts.truststores,
        opts.truststore_password.as_deref(),
    )
    .map_err(UsageError)
}

/// Check one server `HOST[:PORT]`.
pub async fn check(input: &str, opts: &CheckOptions) -> Result<CheckReport, UsageError> {
    let target = parse_target(input).map_err(UsageError)?;
    let trust = load_trust(opts)?;
    let now = OffsetDateTime::now_utc();
    let names = required_names(&target.host, opts);
    let mode = opts.mode_for(target.port);
    let sni = match &opts.sni {
        Sni::None => None,
        Sni::Name(n) => Some(n.clone()),
        Sni::Default => target
            .host
            .parse::<IpAddr>()
            .is_err()
            .then(|| target.host.clone()),
    };

    let address = match resolve(&target.host, target.port, opts).await {
        Ok(a) => a,
        Err(f) => {
            let report = base_report(input, &target.host, target.port, &trust, &names, now, 0);
            return Ok(finish_error(report, &target.host, None, f));
        }
    };
    let spec = EndpointSpec {
        name: target.host.clone(),
        address,
        mode,
        sni,
    };
    let sem = std::sync::Arc::new(tokio::sync::Semaphore::new(
        opts.scan.max_connections.max(1),
    ));
    let (obs, connections) = observe_endpoint(&spec, opts, &trust, now, &names, sem).await;
    let report = base_report(
        input,
        &target.host,
        target.port,
        &trust,
        &names,
        now,
        connections,
    );
    Ok(judge(
        report,
        vec![obs],
        &trust,
        opts.expiry_warn_days,
        &opts.profiles,
    ))
}

/// Everything learnt from one endpoint: the modern handshake, then (unless `--quick`) the scan
/// and the handshake without SNI side by side under the connection cap `sem`, then AIA fetches.
/// Returns the observation and the number of TCP connections made.
pub(crate) async fn observe_endpoint(
    spec: &EndpointSpec,
    opts: &CheckOptions,
    trust: &TrustStore,
    now: OffsetDateTime,
    names: &[String],
    sem: std::sync::Arc<tokio::sync::Semaphore>,
) -> (EndpointObservation, u32) {
    let mut obs = {
        let _permit = sem.acquire().await.ok();
        probe(spec, opts).await
    };
    let mut connections = 1;
    // The scan needs a server that gets as far as TLS; a refused or silent one is not asked again.
    // Beside it, under the same connection cap, the handshake without SNI: the certificate a peer
    // without SNI gets (Postfix and Exim send none by default).
    let want_scan = !opts.quick && obs.tls.is_some();
    let want_no_sni =
        !opts.quick && spec.sni.is_some() && obs.tls.as_ref().is_some_and(|t| t.completed);
    let scan = async {
        if want_scan {
            Some(crate::scan::scan_with(spec, opts, &opts.scan, sem.clone()).await)
        } else {
            None
        }
    };
    let no_sni = async {
        if !want_no_sni {
            return None;
        }
        let _permit = sem.acquire().await.ok()?;
        let plain = EndpointSpec {
            sni: None,
            ..spec.clone()
        };
        Some(probe(&plain, opts).await)
    };
    let (sc, plain) = tokio::join!(scan, no_sni);
    if let Some(sc) = sc {
        connections += sc.scan_connections;
        obs.scan = Some(sc);
    }
    if let Some(o) = plain {
        connections += 1;
        obs.no_sni = o.tls;
    }
    if opts.fetch_aia {
        fetch_missing(&mut obs, trust, now, names, opts).await;
    }
    (obs, connections)
}

/// When the chain is incomplete, fetch the missing issuer through its AIA caIssuers URL, and
/// that one's issuer in turn (three at most), recording each fetch as an observation.
async fn fetch_missing(
    obs: &mut EndpointObservation,
    trust: &TrustStore,
    now: OffsetDateTime,
    names: &[String],
    opts: &CheckOptions,
) {
    let from_tls = obs
        .tls
        .as_ref()
        .filter(|t| t.completed && !t.chain.is_empty())
        .map(|t| t.chain.clone());
    let from_scan = obs
        .scan
        .as_ref()
        .and_then(|s| s.scanned_chains.first())
        .map(|c| c.chain.clone());
    let Some(chain) = from_tls.or(from_scan) else {
        return;
    };
    let chain: Vec<Vec<u8>> = chain.into_iter().map(|c| c.0).collect();
    let mut fetched: Vec<Vec<u8>> = Vec::new();
    for _ in 0..3 {
        let input = AnalysisInput {
            chain: &chain,
            trust,
            now,
            names,
            expiry_warn_days: opts.expiry_warn_days,
            fetched: &fetched,
        };
        let a = analyze(&input);
        let verdict = if fetched.is_empty() {
            Some(a.trust)
        } else {
            a.trust_with_fetched
        };
        let Some(crate::cert::TrustVerdict::Incomplete {
            ca_issuers: Some(url),
            ..
        }) = verdict
        else {
            break;
        };
        if obs.aia_fetches.iter().any(|f| f.url == url) {
            break;
        }
        let f = crate::aia::fetch(&url, opts).await;
        let got = f.certificate.clone();
        obs.aia_fetches.push(f);
        match got {
            Some(c) => fetched.push(c.0),
            None => break,
        }
    }
}

/// Check a mail domain: every MX host on every address, MTA-STS, DANE, TLS-RPT.
pub async fn check_domain(
    input: &str,
    opts: &CheckOptions,
    dopts: &crate::domain::DomainOptions,
) -> Result<CheckReport, UsageError> {
    let trust = load_trust(opts)?;
    let dns = crate::dns::Dns::new(dopts.dns.clone()).map_err(UsageError)?;
    let now = OffsetDateTime::now_utc();
    let run = crate::domain::observe_domain(input, &dns, opts, dopts, &trust, now).await?;
    let report = base_report(
        input,
        &run.observation.domain,
        dopts.port,
        &trust,
        &[],
        now,
        run.connections,
    );
    Ok(judge_domain_report(
        report,
        run.observation,
        run.endpoints,
        &trust,
        opts.expiry_warn_days,
        &opts.profiles,
    ))
}

/// Judge a domain's observations (fresh or saved): each endpoint for its own MX name, then the domain.
fn judge_domain_report(
    mut r: CheckReport,
    obs: crate::domain::DomainObservation,
    endpoints: Vec<EndpointObservation>,
    trust: &TrustStore,
    warn_days: u32,
    profiles: &[crate::simulate::Profile],
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
    let d = crate::domain_judge::judge_domain(obs, &r.endpoints, trust, now, warn_days);
    let domain = d.observation.domain.clone();
    // The domain cannot be checked at all: no MX answer, or the domain does not exist.
    let fatal = match d.observation.mx.outcome {
        crate::dns::Outcome::Error => Some((
            FailureKind::Resolve,
            format!(
                "the MX lookup failed: {}",
                d.observation.mx.error.clone().unwrap_or_default()
            ),
        )),
        crate::dns::Outcome::Nxdomain => Some((
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
        Some(f) if f.severity == crate::findings::Severity::Error => Verdict {
            status: Status::Problems,
            code: Some(f.code.clone()),
            text: format!("{domain}: {} [{}]", f.summary, f.code),
        },
        Some(f) if f.severity == crate::findings::Severity::Warning => Verdict {
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

/// Diagnose saved observations again (`--from-json`), with the current trust store and names.
pub fn replay(saved: CheckReport, opts: &CheckOptions) -> Result<CheckReport, UsageError> {
    let trust = load_trust(opts)?;
    let now = OffsetDateTime::parse(
        &saved.checked_at,
        &time::format_description::well_known::Rfc3339,
    )
    .map_err(|e| {
        UsageError(format!(
            "the saved report's checked_at is not an RFC 3339 time: {e}"
        ))
    })?;
    let mut names = saved.names_checked.clone();
    for n in required_names(&saved.target.host, opts) {
        if !names.contains(&n) {
            names.push(n);
        }
    }
    let observations: Vec<EndpointObservation> =
        saved.endpoints.into_iter().map(|e| e.observation).collect();
    if let Some(d) = saved.domain {
        let report = base_report(
            &saved.target.input,
            &saved.target.host,
            saved.target.port,
            &trust,
            &[],
            now,
            saved.connections,
        );
        return Ok(judge_domain_report(
            report,
            d.observation,
            observations,
            &trust,
            opts.expiry_warn_days,
            &opts.profiles,
        ));
    }
    let report = base_report(
        &saved.target.input,
        &saved.target.host,
        saved.target.port,
        &trust,
        &names,
        now,
        saved.connections,
    );
    if let Some(e) = saved.error.filter(|_| observations.is_empty()) {
        let f = Failure {
            phase: e.phase,
            kind: e.kind,
            message: e.message,
        };
        return Ok(finish_error(report, &e.host, e.address, f));
    }
    Ok(judge(
        report,
        observations,
        &trust,
        opts.expiry_warn_days,
        &opts.profiles,
    ))
}

async fn resolve(host: &str, port: u16, opts: &CheckOptions) -> Result<SocketAddr, Failure> {
    if let Some(a) = opts.resolved(host, port) {
        return Ok(a);
    }
    if let Ok(ip) = host.parse::<IpAddr>() {
        return Ok(SocketAddr::new(ip, port));
    }
    if !opts.dns.servers.is_empty() {
        let budget = opts.dns.timeout * 4 + opts.timeouts.connect;
        return match tokio::time::timeout(budget, crate::dns::first_address(&opts.dns, host)).await
        {
            Err(_) => Err(Failure {
                phase: Phase::Resolve,
                kind: FailureKind::Timeout,
                message: format!("no DNS answer for {host} in time"),
            }),
            Ok(Err(e)) => Err(Failure {
                phase: Phase::Resolve,
                kind: FailureKind::Resolve,
                message: format!("cannot resolve {host}: {e}"),
            }),
            Ok(Ok(ip)) => Ok(SocketAddr::new(ip, port)),
        };
    }
    let lookup =
        tokio::time::timeout(opts.timeouts.connect, tokio::net::lookup_host((host, port))).await;
    match lookup {
        Err(_) => Err(Failure {
            phase: Phase::Resolve,
            kind: FailureKind::Timeout,
            message: format!("no DNS answer for {host} in time"),
        }),
        Ok(Err(e)) => Err(Failure {
            phase: Phase::Resolve,
            kind: FailureKind::Resolve,
            message: format!("cannot resolve {host}: {e}"),
        }),
        Ok(Ok(mut addrs)) => addrs.next().ok_or_else(|| Failure {
            phase: Phase::Resolve,
            kind: FailureKind::Resolve,
            message: format!("{host} has no address"),
        }),
    }
}

fn base_report(
    input: &str,
    host: &str,
    port: u16,
    trust: &TrustStore,
    names: &[String],
    now: OffsetDateTime,
    connections: u32,
) -> CheckReport {
    CheckReport {
        schema_version: SCHEMA_VERSION,
        tool: ToolInfo {
            name: "smtp-tls-doctor".into(),
            version: env!("CARGO_PKG_VERSION").into(),
        },
        checked_at: now
            .format(&time::format_description::well_known::Rfc3339)
            .unwrap_or_default(),
        target: TargetInfo {
            input: input.to_string(),
            host: host.to_string(),
            port,
        },
        verdict: Verdict {
            status: Status::Ok,
            code: None,
            text: String::new(),
        },
        error: None,
        trust_store: trust.description.clone(),
        names_checked: names.to_vec(),
        connections,
        endpoints: Vec::new(),
        domain: None,
    }
}

fn finish_error(
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

fn judge(
    mut r: CheckReport,
    observations: Vec<EndpointObservation>,
    trust: &TrustStore,
    warn_days: u32,
    profiles: &[crate::simulate::Profile],
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
        (Some(f), _) if f.severity == crate::findings::Severity::Error => Verdict {
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
        (Some(f), None) if f.severity == crate::findings::Severity::Warning => Verdict {
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
    profiles: &[crate::simulate::Profile],
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
        findings.push(crate::diagnose::sni_cert_differs(ns));
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
        for f in crate::diagnose::certificate_findings(&a) {
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
            crate::simulate::simulate(p, &obs, analysis.as_ref(), no_sni_analysis.as_ref(), names)
        })
        .collect();
    crate::simulate::order(&mut sims);
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
