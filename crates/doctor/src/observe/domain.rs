//! Checking a mail domain: MX lookup (RFC 5321 §5.1, RFC 7505), every MX host on every address,
//! MTA-STS (RFC 8461), DANE TLSA (RFC 7672) and TLS-RPT (RFC 8460).
//!
//! This module only observes: DNS answers, the policy fetch and each endpoint's observation are
//! recorded as they came. `domain_judge` turns them into findings, so a saved domain report can
//! be judged again.

use crate::model::cert::CertBytes;
use crate::model::dns::DnsAnswer;
use crate::model::dns::Outcome;
use crate::model::domain::DomainObservation;
use crate::model::domain::DomainOptions;
use crate::model::domain::DomainRun;
use crate::model::domain::MAX_ADDRESSES;
use crate::model::domain::MAX_MX_HOSTS;
use crate::model::domain::MAX_POLICY;
use crate::model::domain::MxHostObservation;
use crate::model::domain::PolicyFetch;
use crate::model::error::Error;
use crate::model::options::CheckOptions;
use crate::model::options::Sni;
use crate::observe::dns::Dns;
use crate::observe::dns::Rtype;
use crate::observe::endpoint::{MissingIssuer, observe_endpoint};
use crate::observe::http::{self, FetchError, Limits, Lookup, Request};
use crate::observe::probe::EndpointSpec;
use crate::observe::shared::Shared;
use futures_util::future::join_all;
use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;
use std::time::Duration;

/// The whole fetch (RFC 8461 §3.3 suggests senders allow 60 s; we ask less of a diagnosis).
const POLICY_TIME_LIMIT: Duration = Duration::from_secs(20);
/// At most this many endpoints are checked at once.
const ENDPOINTS_AT_ONCE: usize = 8;

/// Look the domain's MX up only (for deciding between a host and a domain check).
pub async fn has_mx(domain: &str, dns: &Dns) -> DnsAnswer {
    dns.lookup(domain, Rtype::MX).await
}

/// Observe a domain.
pub async fn observe_domain(
    domain: &str,
    dns: &Dns,
    opts: &CheckOptions,
    dopts: &DomainOptions,
    missing_issuer: &MissingIssuer<'_>,
    shared: &Shared,
) -> Result<DomainRun, Error> {
    let domain = domain.trim().trim_end_matches('.').to_ascii_lowercase();
    if !crate::model::options::is_hostname(&domain) {
        return Err(Error::NotADomain { input: domain });
    }
    let port = dopts.port;
    let known = dopts.known_mx.clone().filter(|m| m.name == domain);
    let mx_q = async {
        match known {
            Some(m) => m,
            None => dns.lookup(&domain, Rtype::MX).await,
        }
    };
    let sts_name = format!("_mta-sts.{domain}");
    let rpt_name = format!("_smtp._tls.{domain}");
    let sts_q = dns.lookup(&sts_name, Rtype::TXT);
    let rpt_q = dns.lookup(&rpt_name, Rtype::TXT);
    let (mx, mta_sts_txt, tlsrpt_txt) = tokio::join!(mx_q, sts_q, rpt_q);

    // The hosts: MX targets by preference (ties keep the order given), the implicit MX, or none.
    let mut targets: Vec<(String, Option<u16>)> = Vec::new();
    match mx.outcome {
        Outcome::Records => {
            let mut list = mx.mx_records();
            list.sort_by_key(|(p, _)| *p);
            let null = list.len() == 1 && list.first().is_some_and(|(_, e)| e.is_empty());
            if !null {
                for (p, e) in list {
                    if e.is_empty() {
                        continue; // a "." among real MX records: judged, not checked
                    }
                    if !targets.iter().any(|(h, _)| *h == e) {
                        targets.push((e, Some(p)));
                    }
                }
            }
        }
        Outcome::NoData => targets.push((domain.clone(), None)),
        Outcome::Nxdomain | Outcome::Error => {}
    }

    // Look every host up, concurrently; beyond the cap, hosts are listed but not checked.
    let extra: Vec<(String, Option<u16>)> = targets.split_off(targets.len().min(MAX_MX_HOSTS));
    let host_lookups = targets.iter().map(|(host, pref)| {
        let host = host.clone();
        let pref = *pref;
        async move { lookup_host(dns, &host, pref, port, opts).await }
    });
    let mut hosts: Vec<MxHostObservation> = join_all(host_lookups).await;
    for (host, preference) in extra {
        hosts.push(MxHostObservation {
            host,
            preference,
            a: None,
            aaaa: None,
            overridden: false,
            addresses: Vec::new(),
            tlsa: Vec::new(),
            skipped: Some(format!(
                "not checked: the domain has more than {MAX_MX_HOSTS} MX hosts"
            )),
        });
    }

    // The policy, beside the endpoints.
    let want_policy = mta_sts_txt.outcome == Outcome::Records
        && mta_sts_txt
            .texts()
            .iter()
            .any(|t| t.trim_start().to_ascii_lowercase().starts_with("v=sts"));
    let policy = async {
        if want_policy {
            Some(fetch_policy_shared(&domain, dns, opts, shared).await)
        } else {
            None
        }
    };

    // Every endpoint, a few at a time; each server address has its connection cap (`shared`).
    let endpoints = async {
        let mut specs: Vec<EndpointSpec> = Vec::new();
        for h in &hosts {
            if h.skipped.is_some() {
                continue;
            }
            for a in &h.addresses {
                let sni = match &opts.sni {
                    Sni::None => None,
                    Sni::Name(n) => Some(n.clone()),
                    Sni::Default => Some(h.host.clone()),
                };
                specs.push(EndpointSpec {
                    name: h.host.clone(),
                    address: SocketAddr::new(*a, port),
                    mode: opts.mode_for(port),
                    sni,
                });
            }
        }
        opts.progress.emit(crate::model::progress::Event::Planned {
            endpoints: specs.len(),
        });
        let cap = Arc::new(tokio::sync::Semaphore::new(ENDPOINTS_AT_ONCE));
        let runs = specs.into_iter().map(|spec| {
            let cap = cap.clone();
            async move {
                let _slot = cap.acquire().await.ok();
                observe_endpoint(&spec, opts, missing_issuer, shared).await
            }
        });
        join_all(runs).await
    };
    let (policy, endpoint_runs) = tokio::join!(policy, endpoints);
    let mut connections = 0;
    let mut eps = Vec::new();
    for (o, c) in endpoint_runs {
        connections += c;
        eps.push(o);
    }
    if let Some(p) = &policy
        && p.address.is_some()
    {
        connections += 1;
    }
    Ok(DomainRun {
        observation: DomainObservation {
            domain,
            port,
            dns: dns.describe(),
            mx,
            hosts,
            mta_sts_txt,
            mta_sts_policy: policy,
            tlsrpt_txt,
        },
        endpoints: eps,
        connections,
    })
}

async fn lookup_host(
    dns: &Dns,
    host: &str,
    preference: Option<u16>,
    port: u16,
    opts: &CheckOptions,
) -> MxHostObservation {
    let mut h = MxHostObservation {
        host: host.to_string(),
        preference,
        a: None,
        aaaa: None,
        overridden: false,
        addresses: Vec::new(),
        tlsa: Vec::new(),
        skipped: None,
    };
    // RFC 5321 §5.1: the MX target is a domain name; "10 192.0.2.1." names a host "192.0.2.1",
    // which MTAs refuse to treat as an address.
    if host.parse::<IpAddr>().is_ok()
        || host
            .split('.')
            .all(|l| !l.is_empty() && l.bytes().all(|b| b.is_ascii_digit()))
    {
        h.skipped = Some(format!(
            "the MX target '{host}' is an IP address written as a name; RFC 5321 §5.1 requires a host name, and senders do not use it as an address"
        ));
        return h;
    }
    let overrides: Vec<IpAddr> = opts
        .resolve
        .iter()
        .filter(|r| r.name == host && r.port.is_none_or(|p| p == port))
        .map(|r| r.addr)
        .collect();
    let (a, aaaa) = tokio::join!(dns.lookup(host, Rtype::A), dns.lookup(host, Rtype::AAAA));
    if overrides.is_empty() {
        h.addresses.extend(a.addresses());
        h.addresses.extend(aaaa.addresses());
        h.addresses.dedup();
        h.addresses.truncate(MAX_ADDRESSES);
    } else {
        h.overridden = true;
        h.addresses = overrides;
    }
    // TLSA base name (RFC 7672 §2.2.2): the alias target when the address lookup went through a
    // CNAME, then the MX host name itself.
    let target = a
        .cname_chain
        .last()
        .or(aaaa.cname_chain.last())
        .filter(|t| *t != host)
        .cloned();
    if let Some(t) = target {
        let q = dns.lookup(&format!("_{port}._tcp.{t}"), Rtype::TLSA).await;
        let found = q.outcome == Outcome::Records;
        h.tlsa.push(q);
        if !found {
            h.tlsa.push(
                dns.lookup(&format!("_{port}._tcp.{host}"), Rtype::TLSA)
                    .await,
            );
        }
    } else {
        h.tlsa.push(
            dns.lookup(&format!("_{port}._tcp.{host}"), Rtype::TLSA)
                .await,
        );
    }
    let lookup_failed = a.outcome == Outcome::Error || aaaa.outcome == Outcome::Error;
    h.a = Some(a);
    h.aaaa = Some(aaaa);
    if h.addresses.is_empty() {
        h.skipped = Some(if lookup_failed {
            format!("{host}: no address could be looked up")
        } else {
            format!("{host} has no address (no A or AAAA record)")
        });
    }
    h
}

/// [`fetch_policy`], once per run (`shared`).
async fn fetch_policy_shared(
    domain: &str,
    dns: &Dns,
    opts: &CheckOptions,
    shared: &Shared,
) -> PolicyFetch {
    shared
        .policy(domain.to_string(), || fetch_policy(domain, dns, opts))
        .await
}

/// Fetch `https://mta-sts.DOMAIN/.well-known/mta-sts.txt` (RFC 8461 §3.3): certificate recorded
/// for judgement, no redirects followed, the body capped at 64 KiB, the answer within the reply
/// time limit (--command-timeout) like an SMTP reply.
pub async fn fetch_policy(domain: &str, dns: &Dns, opts: &CheckOptions) -> PolicyFetch {
    let host = format!("mta-sts.{domain}");
    let url = format!("https://{host}/.well-known/mta-sts.txt");
    // Under a connect policy that fences internal addresses (a service), the policy host is
    // held to the same rule as a URL a server names.
    let fenced = http::admit_named_by_server(opts.fetch_policy);
    let admit: Option<&http::Admit> = if opts.connect_policy.allow_private {
        None
    } else {
        Some(&fenced)
    };
    let got = http::fetch(&Request {
        url: &url,
        accept: "text/plain",
        max_bytes: MAX_POLICY + 16 * 1024,
        limits: Limits {
            total: POLICY_TIME_LIMIT,
            connect: Some(opts.timeouts.connect()),
            handshake: Some(opts.timeouts.handshake()),
            answer: Some(opts.timeouts.command()),
        },
        opts,
        lookup: Lookup::Dns(dns),
        admit,
    })
    .await;
    let mut f = PolicyFetch {
        url,
        host,
        address: got.address.map(|a| a.to_string()),
        address_lookup: got.lookups,
        tls_version: got.tls_version,
        chain: got.chain.into_iter().map(CertBytes).collect(),
        handshake_signature: got.handshake_signature,
        status: None,
        content_type: None,
        location: None,
        body: None,
        body_not_utf8: false,
        phase: None,
        error: None,
        elapsed_ms: got.elapsed.as_secs_f64() * 1000.0,
    };
    let stop = match (got.error, got.response) {
        (Some(FetchError::TooLarge { limit }), _) => Some(format!(
            "the answer exceeds {} KiB (RFC 8461 §3.3 lets senders refuse policies over 64 KiB)",
            limit / 1024
        )),
        (Some(e), _) => Some(e.to_string()),
        (None, Some(resp)) => {
            f.status = Some(resp.status);
            f.content_type = resp.header("content-type").map(str::to_string);
            f.location = resp.header("location").map(str::to_string);
            if resp.body.len() > MAX_POLICY {
                Some(format!(
                    "the policy is {} bytes; RFC 8461 §3.3 lets senders refuse policies over 64 KiB",
                    resp.body.len()
                ))
            } else {
                match String::from_utf8(resp.body) {
                    Ok(s) => f.body = Some(s),
                    Err(e) => {
                        f.body_not_utf8 = true;
                        f.body = Some(String::from_utf8_lossy(e.as_bytes()).into_owned());
                    }
                }
                None
            }
        }
        (None, None) => Some("no answer".to_string()),
    };
    if let Some(e) = stop {
        f.phase = Some(got.stage.as_str().to_string());
        f.error = Some(e);
    }
    f
}

#[cfg(test)]
mod tests {
    use crate::model::domain::looks_like_domain;

    #[test]
    fn domain_candidates() {
        assert!(looks_like_domain("example.com"));
        assert!(looks_like_domain("example.com."));
        assert!(!looks_like_domain("example.com:25"));
        assert!(!looks_like_domain("192.0.2.1"));
        assert!(!looks_like_domain("::1"));
    }
}
