//! One endpoint observed: the modern handshake, then (unless quick) the scan, the handshake
//! without SNI and the STARTTLS injection probe under one connection cap, the battery's active
//! probes the scan calls for, then the AIA fetches of a missing issuer.

use crate::model::observation::{EndpointObservation, Failure, FailureKind, Phase};
use crate::model::options::CheckOptions;
use crate::model::progress::Event;
use crate::observe::aia::Cache;
use crate::observe::probe::{EndpointSpec, probe};
use crate::observe::shared::{Caps, EndpointKey, Shared};
use std::net::{IpAddr, SocketAddr};

/// Asked while fetching: given the chain as sent and the certificates fetched so far, the
/// caIssuers URL of the issuer still missing, if any. The pipeline answers it with the chain
/// analysis (`judge::cert::missing_issuer_url`): observing never judges.
pub type MissingIssuer<'a> = dyn Fn(&[Vec<u8>], &[Vec<u8>]) -> Option<String> + Send + Sync + 'a;

/// Everything learnt from one endpoint: the modern handshake, then (unless `--quick`) the scan
/// and the handshake without SNI side by side under the server address's connection cap, then
/// AIA fetches. Within a run (`shared`) an endpoint is observed once: every target that names
/// it gets the same observation (and the count of connections it took), and the AIA fetches
/// are shared (one per URL). Returns the observation and the number of TCP connections made.
pub async fn observe_endpoint(
    spec: &EndpointSpec,
    opts: &CheckOptions,
    missing_issuer: &MissingIssuer<'_>,
    shared: &Shared,
) -> (EndpointObservation, u32) {
    let key = EndpointKey {
        name: spec.name.clone(),
        address: spec.address,
        mode: spec.mode,
        sni: spec.sni.clone(),
    };
    shared
        .endpoint(key, || observe_once(spec, opts, missing_issuer, shared))
        .await
}

async fn observe_once(
    spec: &EndpointSpec,
    opts: &CheckOptions,
    missing_issuer: &MissingIssuer<'_>,
    shared: &Shared,
) -> (EndpointObservation, u32) {
    let caps = shared.caps(spec.address);
    let aia = shared.aia();
    let (mut obs, mut connections) = first_connection(spec, opts, &caps).await;
    // The scan needs a server that gets as far as TLS; a refused or silent one is not asked again.
    // Beside it, under the same connection cap, the handshake without SNI: the certificate a peer
    // without SNI gets (Postfix and Exim send none by default).
    let want_scan = !opts.quick && obs.tls.is_some();
    let want_no_sni =
        !opts.quick && spec.sni.is_some() && obs.tls.as_ref().is_some_and(|t| t.completed);
    let scan = async {
        if want_scan {
            Some(crate::observe::scan::scan_with(spec, opts, &opts.scan, caps.clone()).await)
        } else {
            None
        }
    };
    let no_sni = async {
        if !want_no_sni {
            return None;
        }
        let _permits = caps.one().await?;
        let plain = EndpointSpec {
            sni: None,
            ..spec.clone()
        };
        Some(probe(&plain, opts).await)
    };
    // The STARTTLS injection probe, under the same cap: a server that got us through TLS once.
    let want_injection = !opts.quick
        && spec.mode == crate::model::observation::Mode::Starttls
        && obs.tls.as_ref().is_some_and(|t| t.completed);
    let injection = async {
        if !want_injection {
            return None;
        }
        let _permits = caps.one().await?;
        Some(crate::observe::injection::probe_injection(spec, opts).await)
    };
    let (sc, plain, inj) = tokio::join!(scan, no_sni, injection);
    if let Some(i) = inj {
        connections += i.connections;
        obs.starttls_injection = Some(i);
    }
    if let Some(mut sc) = sc {
        connections += sc.scan_connections;
        // The battery's active probes, each only where the scan shows it can apply.
        sc.probes = crate::observe::battery::probes(spec, opts, &caps, &sc).await;
        connections += sc.probes.as_ref().map_or(0, |p| p.connections);
        obs.scan = Some(sc);
    }
    if let Some(o) = plain {
        connections += 1;
        obs.no_sni = o.tls;
    }
    if opts.fetch_aia {
        fetch_missing(&mut obs, opts, missing_issuer, aia).await;
    }
    opts.progress.emit(Event::EndpointDone {
        endpoint: spec.address,
    });
    (obs, connections)
}

/// The first connection, retried with the scan's back-off (`--retries`, `--retry-wait`) while the
/// server refuses it at the greeting: a busy server (Postfix anvil, Exim's
/// smtp_accept_max_per_host) that serves the next connection is not a broken one. What the
/// refused attempts got is kept; a server that refuses every attempt gives the last refusal.
async fn first_connection(
    spec: &EndpointSpec,
    opts: &CheckOptions,
    caps: &Caps,
) -> (EndpointObservation, u32) {
    let mut refused = Vec::new();
    let mut connections = 0;
    let mut retry = crate::observe::probe::Retry::new(opts);
    loop {
        let mut obs = {
            let _permits = caps.one().await;
            probe(spec, opts).await
        };
        connections += 1;
        if opts.timeouts.expired()
            && let Some(f) = obs.failure.as_mut()
            && f.kind == FailureKind::Timeout
        {
            f.message = format!(
                "deadline: the whole check's time limit ran out ({})",
                f.message
            );
        }
        match refusal(&obs) {
            Some(what) if retry.again().await => refused.push(what),
            _ => {
                obs.refused_before = refused;
                return (obs, connections);
            }
        }
    }
}

/// What a refusal at the greeting looked like: a 421 banner, or a close before any greeting.
fn refusal(obs: &EndpointObservation) -> Option<String> {
    if let Some(b) = obs.smtp.banner.as_ref().filter(|b| b.code == 421) {
        return Some(b.to_wire_lines().join(" / "));
    }
    obs.failure
        .as_ref()
        .filter(|f| f.phase == Phase::Banner && f.kind == FailureKind::Closed)
        .map(|f| f.message.clone())
}

/// When the chain is incomplete, fetch the missing issuer through its AIA caIssuers URL, and
/// that one's issuer in turn (three at most), recording each fetch as an observation. The judge
/// takes a fetched certificate only when it verifies as the issuer; one that does not leaves the
/// same URL missing, and the fetching stops.
async fn fetch_missing(
    obs: &mut EndpointObservation,
    opts: &CheckOptions,
    missing_issuer: &MissingIssuer<'_>,
    aia: &Cache,
) {
    let Some(chain) = obs.chain() else {
        return;
    };
    let chain: Vec<Vec<u8>> = chain.iter().map(|c| c.0.clone()).collect();
    let mut fetched: Vec<Vec<u8>> = Vec::new();
    for _ in 0..3 {
        let Some(url) = missing_issuer(&chain, &fetched) else {
            break;
        };
        if obs.aia_fetches.iter().any(|f| f.url == url) {
            break;
        }
        let f = aia.fetch(&url, opts).await;
        let got = f.certificate.clone();
        obs.aia_fetches.push(f);
        match got {
            Some(c) => fetched.push(c.0),
            None => break,
        }
    }
}

pub async fn resolve(host: &str, port: u16, opts: &CheckOptions) -> Result<SocketAddr, Failure> {
    if let Some(a) = opts.resolved(host, port) {
        return Ok(a);
    }
    if let Ok(ip) = host.parse::<IpAddr>() {
        return Ok(SocketAddr::new(ip, port));
    }
    if !opts.dns.servers.is_empty() {
        let budget = opts.dns.timeout * 4 + opts.timeouts.connect();
        return match tokio::time::timeout(
            budget,
            crate::observe::dns::first_address(&opts.dns, host),
        )
        .await
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
    let lookup = tokio::time::timeout(
        opts.timeouts.connect(),
        tokio::net::lookup_host((host, port)),
    )
    .await;
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
