//! The pipeline every front end uses: target → endpoints → observe → judge → report.
//!
//! Each stage runs once per check: the target is parsed and resolved, each endpoint observed
//! (`observe`), the observations judged (`judge`), and the report assembled. Saved observations
//! (`replay`) enter at the judging stage. Imports every layer below it.

pub mod bulk;
pub mod capture;

use crate::judge::endpoint::{finish_error, judge, judge_domain_report};
use crate::model::dns::{DnsAnswer, Outcome};
use crate::model::domain::{DomainOptions, looks_like_domain};
use crate::model::error::Error;
use crate::model::observation::{EndpointObservation, Failure};
use crate::model::options::{CheckOptions, Sni, parse_target};
use crate::model::report::*;
use crate::model::trust::TrustStore;
use crate::observe::dns::Dns;
use crate::observe::domain::has_mx;
use crate::observe::endpoint::{observe_endpoint, resolve};
use crate::observe::probe::EndpointSpec;
use crate::observe::shared::Shared;
use std::net::IpAddr;
use std::sync::Arc;
use time::OffsetDateTime;

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

/// The trust store the options name.
pub fn load_trust(opts: &CheckOptions) -> Result<TrustStore, Error> {
    TrustStore::load_with(
        opts.trust,
        &opts.ca_files,
        &opts.truststores,
        opts.truststore_password
            .as_ref()
            .map(crate::model::options::Secret::expose),
    )
}

/// The question observing asks while fetching issuers, answered by the chain analysis.
fn missing_issuer(
    trust: &TrustStore,
    now: OffsetDateTime,
) -> impl Fn(&[Vec<u8>], &[Vec<u8>]) -> Option<String> + Send + Sync + '_ {
    move |chain, fetched| crate::judge::cert::missing_issuer_url(chain, fetched, trust, now)
}

/// What the checks of one run share: connection caps, the observations and fetches made once
/// ([`Shared`]), and one resolver (with a cache in a bulk run).
/// The resolver is set up when first needed: a host check given by address never reads the
/// system's DNS configuration.
pub struct Context {
    shared: Shared,
    dns_config: crate::model::dns::DnsConfig,
    dns_cache: Option<usize>,
    dns: std::sync::OnceLock<Result<Arc<Dns>, Error>>,
    /// The trust store, read once per run (the run's options are the same for every target).
    trust: std::sync::OnceLock<Result<Arc<TrustStore>, Error>>,
}

impl Context {
    /// For one check.
    pub fn single(opts: &CheckOptions) -> Context {
        Context {
            shared: Shared::new(opts.scan.max_connections),
            dns_config: opts.dns.clone(),
            dns_cache: None,
            dns: std::sync::OnceLock::new(),
            trust: std::sync::OnceLock::new(),
        }
    }

    /// For a bulk run: every target checked under it shares its caches, the per-address
    /// connection caps (`--max-connections`), and at most `open` connections in all.
    pub fn bulk(opts: &CheckOptions, open: usize) -> Context {
        Context {
            shared: Shared::with_global(opts.scan.max_connections, Some(open)),
            dns_config: opts.dns.clone(),
            dns_cache: Some(DNS_ANSWERS_KEPT),
            dns: std::sync::OnceLock::new(),
            trust: std::sync::OnceLock::new(),
        }
    }

    /// The run's resolver.
    pub fn dns(&self) -> Result<Arc<Dns>, Error> {
        self.dns
            .get_or_init(|| {
                Dns::new(self.dns_config.clone()).map(|d| {
                    Arc::new(match self.dns_cache {
                        Some(n) => d.with_cache(n),
                        None => d,
                    })
                })
            })
            .clone()
    }

    /// The trust store `opts` name, read on first use (`opts` must be the run's options).
    pub fn trust(&self, opts: &CheckOptions) -> Result<Arc<TrustStore>, Error> {
        self.trust
            .get_or_init(|| load_trust(opts).map(Arc::new))
            .clone()
    }

    /// Endpoints observed and still held for reuse.
    pub fn endpoints_held(&self) -> usize {
        self.shared.endpoints_held()
    }
}

/// DNS answers a bulk run keeps (a few hundred bytes each).
const DNS_ANSWERS_KEPT: usize = 50_000;

/// Check one server `HOST[:PORT]`.
pub async fn check(input: &str, opts: &CheckOptions) -> Result<CheckReport, Error> {
    check_in(input, opts, &Context::single(opts)).await
}

/// [`check`] within a run.
pub async fn check_in(
    input: &str,
    opts: &CheckOptions,
    ctx: &Context,
) -> Result<CheckReport, Error> {
    check_host_in(input, opts, ctx, None).await
}

/// [`check_in`] of a bare name whose MX lookup (`mx`, recorded in the report's target) found
/// none: the judge notes it (`no-mx-record`).
async fn check_host_in(
    input: &str,
    opts: &CheckOptions,
    ctx: &Context,
    mx: Option<DnsAnswer>,
) -> Result<CheckReport, Error> {
    let mut opts = opts.clone();
    opts.timeouts.start(crate::model::options::DEADLINE_HOST);
    let opts = &opts;
    let target = parse_target(input).map_err(|reason| Error::Target {
        input: input.to_string(),
        reason,
    })?;
    let trust = ctx.trust(opts)?;
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
            let mut report = base_report(input, &target.host, target.port, &trust, &names, now, 0);
            report.target.mx = mx;
            return Ok(finish_error(report, &target.host, None, f));
        }
    };
    let spec = EndpointSpec {
        name: target.host.clone(),
        address,
        mode,
        sni,
    };
    opts.progress
        .emit(crate::model::progress::Event::Planned { endpoints: 1 });
    let (obs, connections) =
        observe_endpoint(&spec, opts, &missing_issuer(&trust, now), &ctx.shared).await;
    let mut report = base_report(
        input,
        &target.host,
        target.port,
        &trust,
        &names,
        now,
        connections,
    );
    report.target.mx = mx;
    Ok(with_mta(
        judge(
            report,
            vec![obs],
            &trust,
            opts.expiry_warn_days,
            &opts.profiles,
        ),
        opts,
    ))
}

/// The server software given by the user (`CheckOptions::mta`) replaces the guess.
fn with_mta(mut r: CheckReport, opts: &CheckOptions) -> CheckReport {
    if let Some(name) = opts.mta.as_deref() {
        crate::judge::software::override_all(&mut r, name);
    }
    r
}

/// Check a mail domain: every MX host on every address, MTA-STS, DANE, TLS-RPT.
pub async fn check_domain(
    input: &str,
    opts: &CheckOptions,
    dopts: &DomainOptions,
) -> Result<CheckReport, Error> {
    let mut ctx = Context::single(opts);
    ctx.dns_config = dopts.dns.clone();
    check_domain_in(input, opts, dopts, &ctx).await
}

/// [`check_domain`] within a run (the run's resolver: `dopts.dns` is not read).
pub async fn check_domain_in(
    input: &str,
    opts: &CheckOptions,
    dopts: &DomainOptions,
    ctx: &Context,
) -> Result<CheckReport, Error> {
    let mut opts = opts.clone();
    opts.timeouts.start(crate::model::options::DEADLINE_DOMAIN);
    let opts = &opts;
    let trust = ctx.trust(opts)?;
    let dns = ctx.dns()?;
    let now = OffsetDateTime::now_utc();
    let run = crate::observe::domain::observe_domain(
        input,
        &dns,
        opts,
        dopts,
        &missing_issuer(&trust, now),
        &ctx.shared,
    )
    .await?;
    let report = base_report(
        input,
        &run.observation.domain,
        dopts.port,
        &trust,
        &[],
        now,
        run.connections,
    );
    Ok(with_mta(
        judge_domain_report(
            report,
            run.observation,
            run.endpoints,
            &trust,
            opts.expiry_warn_days,
            &opts.profiles,
        ),
        opts,
    ))
}

/// Diagnose saved observations again (`--from-json`), with the current trust store and names.
pub fn replay(saved: CheckReport, opts: &CheckOptions) -> Result<CheckReport, Error> {
    let trust = load_trust(opts)?;
    let now = OffsetDateTime::parse(
        &saved.checked_at,
        &time::format_description::well_known::Rfc3339,
    )
    .map_err(|e| Error::SavedReport {
        reason: format!("its checked_at is not an RFC 3339 time: {e}"),
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
        return Ok(with_mta(
            judge_domain_report(
                report,
                d.observation,
                observations,
                &trust,
                opts.expiry_warn_days,
                &opts.profiles,
            ),
            opts,
        ));
    }
    let mut report = base_report(
        &saved.target.input,
        &saved.target.host,
        saved.target.port,
        &trust,
        &names,
        now,
        saved.connections,
    );
    report.target.mx = saved.target.mx;
    if let Some(e) = saved.error.filter(|_| observations.is_empty()) {
        let f = Failure {
            phase: e.phase,
            kind: e.kind,
            message: e.message,
        };
        return Ok(finish_error(report, &e.host, e.address, f));
    }
    Ok(with_mta(
        judge(
            report,
            observations,
            &trust,
            opts.expiry_warn_days,
            &opts.profiles,
        ),
        opts,
    ))
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
            mx: None,
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

/// What a target is: one server, or a mail domain.
#[derive(Debug, Clone)]
pub enum TargetKind {
    /// `HOST[:PORT]` (the port asked for already added), and for a bare name the MX lookup that
    /// found no MX records (None when the name was not looked up, or the lookup failed).
    Host(String, Option<Box<DnsAnswer>>),
    /// A mail domain: every MX host, MTA-STS, DANE, TLS-RPT.
    Domain(Box<DomainOptions>),
}

/// A host or a mail domain? `force_domain` says so; else a bare name (no port, not an address,
/// not pinned to an address by a resolve override) with MX records is a domain, and anything
/// else a host. `port`: the port asked for (the host's, or every MX host's; 25 by default for
/// domains). Mistakes in the trust options are reported here, before any network traffic.
pub async fn target_kind(
    input: &str,
    opts: &CheckOptions,
    force_domain: bool,
    port: Option<u16>,
) -> Result<TargetKind, Error> {
    target_kind_in(input, opts, force_domain, port, &Context::single(opts)).await
}

/// [`target_kind`] within a run.
pub async fn target_kind_in(
    input: &str,
    opts: &CheckOptions,
    force_domain: bool,
    port: Option<u16>,
    ctx: &Context,
) -> Result<TargetKind, Error> {
    ctx.trust(opts)?;
    let domain = |known_mx| {
        TargetKind::Domain(Box::new(DomainOptions {
            dns: opts.dns.clone(),
            port: port.unwrap_or(25),
            known_mx,
        }))
    };
    if force_domain {
        if !looks_like_domain(input) {
            return Err(Error::NotADomain {
                input: input.to_string(),
            });
        }
        return Ok(domain(None));
    }
    let name = input.trim().trim_end_matches('.').to_ascii_lowercase();
    let pinned = opts.resolve.iter().any(|r| r.name == name);
    let mut no_mx = None;
    if looks_like_domain(input) && !pinned {
        // Without DNS servers given, the system's resolver decides; when it cannot be read, a
        // host check.
        if let Ok(dns) = ctx.dns() {
            let mx = has_mx(&name, &dns).await;
            match mx.outcome {
                Outcome::Records => return Ok(domain(Some(mx))),
                Outcome::NoData | Outcome::Nxdomain => no_mx = Some(Box::new(mx)),
                Outcome::Error => {}
            }
        }
    }
    Ok(TargetKind::Host(
        match port {
            Some(p) if !input.contains(':') => format!("{input}:{p}"),
            _ => input.to_string(),
        },
        no_mx,
    ))
}

/// Decide what `input` is ([`target_kind`]) and check it.
pub async fn run(
    input: &str,
    opts: &CheckOptions,
    force_domain: bool,
    port: Option<u16>,
) -> Result<CheckReport, Error> {
    run_in(input, opts, force_domain, port, &Context::single(opts)).await
}

/// [`run`] within a run's [`Context`].
pub async fn run_in(
    input: &str,
    opts: &CheckOptions,
    force_domain: bool,
    port: Option<u16>,
    ctx: &Context,
) -> Result<CheckReport, Error> {
    match target_kind_in(input, opts, force_domain, port, ctx).await? {
        TargetKind::Domain(dopts) => check_domain_in(input, opts, &dopts, ctx).await,
        TargetKind::Host(t, mx) => check_host_in(&t, opts, ctx, mx.map(|m| *m)).await,
    }
}

/// The certificates a client lacks, DER, each once: of every endpoint, the certificates fetched
/// through AIA caIssuers URLs that verify as issuers of its chain and, with it, reach an anchor
/// of `trust` (`judge::cert::exportable_issuers`; never a self-signed one).
pub fn missing_certificates(report: &CheckReport, trust: &TrustStore) -> Vec<Vec<u8>> {
    let now = OffsetDateTime::parse(
        &report.checked_at,
        &time::format_description::well_known::Rfc3339,
    )
    .unwrap_or_else(|_| OffsetDateTime::now_utc());
    let mut out: Vec<Vec<u8>> = Vec::new();
    for e in &report.endpoints {
        let obs = &e.observation;
        let Some(chain) = obs.chain() else {
            continue;
        };
        let chain: Vec<Vec<u8>> = chain.iter().map(|c| c.0.clone()).collect();
        let fetched: Vec<Vec<u8>> = obs
            .aia_fetches
            .iter()
            .filter_map(|f| f.certificate.as_ref().map(|c| c.0.clone()))
            .collect();
        for c in crate::judge::cert::exportable_issuers(&chain, &fetched, trust, now) {
            if !out.contains(&c) {
                out.push(c);
            }
        }
    }
    out
}

/// Write the certificates a client lacks ([`missing_certificates`], judged with the trust store
/// the options name) to a new file at `path` as PEM; returns how many were written (none:
/// nothing is written). An existing file is replaced only with `replace`, and never through a
/// symbolic link (`observe::aia::write_new_file`).
pub fn export_chain(
    path: &std::path::Path,
    report: &CheckReport,
    opts: &CheckOptions,
    replace: bool,
) -> Result<usize, Error> {
    let trust = load_trust(opts)?;
    let certs = missing_certificates(report, &trust);
    if certs.is_empty() {
        return Ok(0);
    }
    let pem: String = certs
        .iter()
        .map(|c| crate::observe::aia::to_pem(c))
        .collect();
    crate::observe::aia::write_new_file(path, pem.as_bytes(), replace)
        .map_err(|e| export_error(path, e))?;
    Ok(certs.len())
}

/// Whether [`export_chain`] may write at `path` (asked before a check, so that a refusal costs
/// no connection; the write itself checks again).
pub fn export_writable(path: &std::path::Path, replace: bool) -> Result<(), Error> {
    crate::observe::aia::may_write(path, replace)
        .map(|_| ())
        .map_err(|e| export_error(path, e))
}

fn export_error(path: &std::path::Path, e: crate::observe::aia::WriteError) -> Error {
    match e {
        crate::observe::aia::WriteError::Exists => Error::ExportExists {
            path: path.to_path_buf(),
        },
        other => Error::ExportChain {
            path: path.to_path_buf(),
            reason: other.to_string(),
        },
    }
}
