//! DNS for domain checks: MX, A/AAAA, TLSA and TXT lookups, each recorded as an observation
//! ([`DnsAnswer`]) with its DNSSEC status, the aliases followed and a precise error.
//!
//! Two ways to learn DNSSEC status, and the report says which one was used:
//! * [`DnssecMode::ResolverAd`] (default): our own stub asks the resolver (`--dns`, else the
//!   system's) with the AD and DO bits set (RFC 6840 §5.7, RFC 3225) and reads the AD bit of the
//!   answer. Only as good as the resolver and the path to it (RFC 7672 §2.1 and RFC 6698 §4.1
//!   expect a validating resolver the sender trusts, usually on loopback).
//! * [`DnssecMode::Validate`] (`--dnssec-validate`): hickory's validating resolver checks every
//!   signature itself from a trust anchor (the root's by default, `--trust-anchor FILE` for others).
//!
//! Nothing here panics on a server's answer: every lookup ends in records or an error text, within
//! `timeout × attempts` for each query.

use crate::model::error::Error;
use hickory_resolver::proto::op::{Edns, Message, MessageType, OpCode, Query, ResponseCode};
use hickory_resolver::proto::rr::{Name, RData, Record, RecordType};

use crate::model::dns::DnsAnswer;
use crate::model::dns::DnsConfig;
use crate::model::dns::DnsInfo;
use crate::model::dns::DnsRecord;
use crate::model::dns::Dnssec;
use crate::model::dns::DnssecMode;
use crate::model::dns::Outcome;
use crate::model::dns::hex;
use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

/// A resolver for one check.
pub struct Dns {
    cfg: DnsConfig,
    servers: Vec<SocketAddr>,
    validating: Option<hickory_resolver::TokioResolver>,
    /// With a trust anchor file: the zones it anchors (None: the root's anchors, every name).
    anchored: Option<Vec<String>>,
    /// A bulk run's answers, each question asked once ([`Dns::with_cache`]).
    cache: Option<crate::observe::once::OnceMap<(String, RecordType), DnsAnswer>>,
}

/// Most aliases followed for one name (RFC 1034 leaves it open; resolvers use 8 to 16).
const MAX_CNAME_HOPS: usize = 10;
/// Our EDNS buffer size (the DNS flag day 2020 value).
const EDNS_PAYLOAD: u16 = 1232;

impl Dns {
    /// Sets up the resolver. Without `--dns` the system's configuration is read here (and only here).
    pub fn new(cfg: DnsConfig) -> Result<Dns, Error> {
        let servers = if cfg.servers.is_empty() {
            let (conf, _) = hickory_resolver::system_conf::read_system_conf().map_err(|e| {
                Error::NoSystemResolver {
                    reason: format!("cannot read the system's DNS configuration: {e}"),
                }
            })?;
            let s: Vec<SocketAddr> = conf
                .name_servers()
                .iter()
                .map(|n| SocketAddr::new(n.ip, 53))
                .collect::<std::collections::BTreeSet<_>>()
                .into_iter()
                .collect();
            if s.is_empty() {
                return Err(Error::NoSystemResolver {
                    reason: "the system's DNS configuration names no resolver".into(),
                });
            }
            s
        } else {
            cfg.servers.clone()
        };
        let validating = match &cfg.dnssec {
            DnssecMode::ResolverAd => None,
            DnssecMode::Validate { trust_anchor } => Some(validating_resolver(
                &servers,
                trust_anchor.as_deref(),
                &cfg,
            )?),
        };
        let anchored = match &cfg.dnssec {
            DnssecMode::Validate {
                trust_anchor: Some(p),
            } => Some(anchored_zones(p)?),
            _ => None,
        };
        Ok(Dns {
            cfg,
            servers,
            validating,
            anchored,
            cache: None,
        })
    }

    /// Keep up to `capacity` answers and give them again when the same question is asked (a
    /// bulk run: thousands of domains name the same few MX hosts). Answers are kept for the
    /// run, whatever their TTL: a run is one measurement.
    pub fn with_cache(mut self, capacity: usize) -> Dns {
        self.cache = Some(crate::observe::once::OnceMap::new(capacity));
        self
    }

    /// What the report says about how DNSSEC was judged.
    pub fn describe(&self) -> DnsInfo {
        let servers = self.servers.iter().map(|s| s.to_string()).collect();
        let dnssec = match &self.cfg.dnssec {
            DnssecMode::ResolverAd => {
                "the resolver's AD bit (trusting the resolver to validate)".to_string()
            }
            DnssecMode::Validate { trust_anchor: None } => {
                "validated by smtp-tls-doctor (hickory) from the root trust anchor".to_string()
            }
            DnssecMode::Validate {
                trust_anchor: Some(p),
            } => format!(
                "validated by smtp-tls-doctor (hickory) from the trust anchors in {}",
                p.display()
            ),
        };
        DnsInfo {
            servers,
            system: self.cfg.servers.is_empty(),
            dnssec,
        }
    }

    /// Look `name` up for `rtype`, following aliases.
    pub async fn lookup(&self, name: &str, rtype: RecordType) -> DnsAnswer {
        let name = name.trim_end_matches('.').to_ascii_lowercase();
        match &self.cache {
            Some(c) => {
                c.get_or_run((name.clone(), rtype), || self.lookup_now(&name, rtype))
                    .await
            }
            None => self.lookup_now(&name, rtype).await,
        }
    }

    async fn lookup_now(&self, name: &str, rtype: RecordType) -> DnsAnswer {
        let name = name.to_string();
        match &self.validating {
            Some(r) => {
                let a = validated_lookup(r, &name, rtype, &self.servers).await;
                if a.dnssec == Dnssec::Bogus && !self.anchored(&name) {
                    return self.outside_the_anchors(&name, rtype).await;
                }
                a
            }
            None => self.stub_lookup(&name, rtype).await,
        }
    }

    /// Whether a trust anchor covers `name`: with the root's anchors every name is; with a
    /// trust anchor file, the names at or under the zones it holds keys for.
    fn anchored(&self, name: &str) -> bool {
        match &self.anchored {
            None => true,
            Some(zones) => zones
                .iter()
                .any(|z| name == z || name.ends_with(&format!(".{z}"))),
        }
    }

    /// hickory calls data bogus also when no trust anchor covers its zone; RFC 4033 §5 calls
    /// that indeterminate, and such data is used as a non-validating resolver would use it.
    /// Only names outside every anchor get here: data under an anchor that does not validate
    /// stays bogus, and is never asked for again without validation (an on-path forger could
    /// strip the signatures from that second answer).
    async fn outside_the_anchors(&self, name: &str, rtype: RecordType) -> DnsAnswer {
        let mut a = self.stub_lookup(name, rtype).await;
        if a.outcome != Outcome::Error {
            a.dnssec = Dnssec::Indeterminate;
        }
        a
    }

    async fn stub_lookup(&self, name: &str, rtype: RecordType) -> DnsAnswer {
        let mut chain: Vec<String> = Vec::new();
        let mut current = name.to_string();
        let mut secure = true;
        // Each round asks for the current name; a recursive resolver answers the whole alias
        // chain at once, an authoritative-only server may stop at a zone boundary.
        for _round in 0..MAX_CNAME_HOPS {
            let resp = match self.exchange(&current, rtype, false).await {
                Ok(r) => r,
                Err((server, e)) => {
                    let mut a = DnsAnswer::failed(name, rtype, server, e);
                    a.cname_chain = chain;
                    return a;
                }
            };
            let (server, msg) = resp;
            let rcode = msg.metadata.response_code;
            secure &= msg.metadata.authentic_data;
            if rcode == ResponseCode::ServFail {
                // A validating resolver answers SERVFAIL to bogus data; asking again with CD
                // (checking disabled) tells a broken signature from a broken zone.
                let bogus = matches!(
                    self.exchange(&current, rtype, true).await,
                    Ok((_, m)) if m.metadata.response_code == ResponseCode::NoError
                        && !m.answers.is_empty()
                );
                let mut a = DnsAnswer::failed(
                    name,
                    rtype,
                    Some(server.clone()),
                    if bogus {
                        format!(
                            "SERVFAIL from {server} for {current} {rtype}, but an answer with DNSSEC checking disabled: the data is DNSSEC-bogus (bad or expired signatures)"
                        )
                    } else {
                        format!("SERVFAIL from {server} for {current} {rtype}")
                    },
                );
                a.rcode = Some(rcode.to_string());
                a.cname_chain = chain;
                if bogus {
                    a.dnssec = Dnssec::Bogus;
                }
                return a;
            }
            if rcode != ResponseCode::NoError && rcode != ResponseCode::NXDomain {
                let mut a = DnsAnswer::failed(
                    name,
                    rtype,
                    Some(server.clone()),
                    format!("{rcode} from {server} for {current} {rtype}"),
                );
                a.rcode = Some(rcode.to_string());
                a.cname_chain = chain;
                return a;
            }
            // Follow the aliases inside this answer.
            let mut hops_here = 0;
            loop {
                let next = msg.answers.iter().find_map(|r| match &r.data {
                    RData::CNAME(c) if name_eq(&r.name, &current) => Some(norm(&c.0)),
                    _ => None,
                });
                let Some(next) = next else { break };
                if next == name || chain.contains(&next) {
                    chain.push(next);
                    let mut a = DnsAnswer::failed(
                        name,
                        rtype,
                        Some(server.clone()),
                        format!("alias loop: {name} -> {}", chain.join(" -> ")),
                    );
                    a.rcode = Some(rcode.to_string());
                    a.cname_chain = chain;
                    return a;
                }
                chain.push(next.clone());
                current = next;
                hops_here += 1;
                if chain.len() > MAX_CNAME_HOPS {
                    let mut a = DnsAnswer::failed(
                        name,
                        rtype,
                        Some(server.clone()),
                        format!(
                            "more than {MAX_CNAME_HOPS} aliases from {name}: {}",
                            chain.join(" -> ")
                        ),
                    );
                    a.cname_chain = chain;
                    return a;
                }
            }
            let records: Vec<DnsRecord> = msg
                .answers
                .iter()
                .filter(|r| r.record_type() == rtype && name_eq(&r.name, &current))
                .filter_map(convert)
                .collect();
            let ad = if secure {
                Dnssec::Secure
            } else {
                Dnssec::Unauthenticated
            };
            if !records.is_empty() {
                return DnsAnswer {
                    name: name.to_string(),
                    rtype: rtype.to_string(),
                    outcome: Outcome::Records,
                    records,
                    cname_chain: chain,
                    dnssec: ad,
                    rcode: Some(rcode.to_string()),
                    error: None,
                    server: Some(server),
                };
            }
            // An alias whose target this answer does not cover: ask for the target.
            if hops_here > 0 && rcode == ResponseCode::NoError {
                continue;
            }
            return DnsAnswer {
                name: name.to_string(),
                rtype: rtype.to_string(),
                outcome: if rcode == ResponseCode::NXDomain {
                    Outcome::Nxdomain
                } else {
                    Outcome::NoData
                },
                records: Vec::new(),
                cname_chain: chain,
                dnssec: ad,
                rcode: Some(rcode.to_string()),
                error: None,
                server: Some(server),
            };
        }
        let mut a = DnsAnswer::failed(
            name,
            rtype,
            None,
            format!(
                "more than {MAX_CNAME_HOPS} aliases from {name}: {}",
                chain.join(" -> ")
            ),
        );
        a.cname_chain = chain;
        a
    }

    /// One question to the configured servers in turn: UDP, then TCP when truncated.
    async fn exchange(
        &self,
        name: &str,
        rtype: RecordType,
        checking_disabled: bool,
    ) -> Result<(String, Message), (Option<String>, String)> {
        let qname = Name::from_ascii(format!("{name}."))
            .map_err(|e| (None, format!("'{name}' is not a valid DNS name: {e}")))?;
        let mut last = (None, format!("no DNS server to ask for {name} {rtype}"));
        for attempt in 0..self.cfg.attempts.max(1) {
            for server in &self.servers {
                let id: u16 = query_id(name, attempt);
                let mut q = Message::new(id, MessageType::Query, OpCode::Query);
                q.metadata.recursion_desired = true;
                q.metadata.authentic_data = true;
                q.metadata.checking_disabled = checking_disabled;
                let asked = Query::query(qname.clone(), rtype);
                q.add_query(asked.clone());
                let mut edns = Edns::new();
                edns.set_max_payload(EDNS_PAYLOAD);
                edns.set_dnssec_ok(true);
                q.set_edns(edns);
                let bytes = match q.to_vec() {
                    Ok(b) => b,
                    Err(e) => return Err((None, format!("cannot encode the query: {e}"))),
                };
                let s = server.to_string();
                match udp_exchange(*server, &bytes, id, &asked, self.cfg.timeout).await {
                    Ok(m) if m.metadata.truncation => {
                        match tcp_exchange(*server, &bytes, id, &asked, self.cfg.timeout).await {
                            Ok(m) => return Ok((s, m)),
                            Err(e) => {
                                last = (
                                    Some(s.clone()),
                                    format!(
                                        "the answer for {name} {rtype} from {s} was truncated over UDP, and over TCP: {e}"
                                    ),
                                );
                            }
                        }
                    }
                    Ok(m) => return Ok((s, m)),
                    Err(e) => {
                        last = (Some(s.clone()), format!("{name} {rtype} from {s}: {e}"));
                    }
                }
            }
        }
        Err(last)
    }
}

/// The first address of `host` (A, then AAAA) through the `--dns` servers.
pub async fn first_address(cfg: &DnsConfig, host: &str) -> Result<IpAddr, String> {
    let dns = Dns::new(cfg.clone()).map_err(|e| e.to_string())?;
    let (a, aaaa) = tokio::join!(
        dns.lookup(host, RecordType::A),
        dns.lookup(host, RecordType::AAAA)
    );
    if let Some(ip) = a.addresses().into_iter().chain(aaaa.addresses()).next() {
        return Ok(ip);
    }
    let errors: Vec<String> = [&a, &aaaa].iter().filter_map(|q| q.error.clone()).collect();
    Err(
        if a.outcome == Outcome::Nxdomain && aaaa.outcome == Outcome::Nxdomain {
            format!("{host} does not exist (NXDOMAIN)")
        } else if errors.is_empty() {
            format!("{host} has no address (no A or AAAA record)")
        } else {
            errors.join("; ")
        },
    )
}

fn query_id(name: &str, attempt: usize) -> u16 {
    // Unpredictable enough for a diagnostic tool; the source port is random too.
    let mut b = [0u8; 2];
    if ring::rand::SecureRandom::fill(&ring::rand::SystemRandom::new(), &mut b).is_err() {
        let h = name
            .bytes()
            .fold(attempt as u16, |h, c| h.rotate_left(5) ^ u16::from(c));
        return h;
    }
    u16::from_be_bytes(b)
}

fn norm(n: &Name) -> String {
    n.to_ascii().trim_end_matches('.').to_ascii_lowercase()
}

fn name_eq(n: &Name, s: &str) -> bool {
    norm(n) == s
}

fn convert(r: &Record) -> Option<DnsRecord> {
    Some(match &r.data {
        RData::MX(mx) => DnsRecord::MX {
            preference: mx.preference,
            exchange: norm(&mx.exchange),
        },
        RData::A(a) => DnsRecord::A {
            address: IpAddr::V4(a.0),
        },
        RData::AAAA(a) => DnsRecord::AAAA {
            address: IpAddr::V6(a.0),
        },
        RData::TXT(t) => DnsRecord::TXT {
            text: t
                .txt_data
                .iter()
                .map(|s| String::from_utf8_lossy(s).into_owned())
                .collect::<Vec<_>>()
                .join(""),
        },
        RData::TLSA(t) => DnsRecord::TLSA {
            usage: u8::from(t.cert_usage),
            selector: u8::from(t.selector),
            matching: u8::from(t.matching),
            data: hex(&t.cert_data),
        },
        _ => return None,
    })
}
/// The zones a trust anchor file holds keys for (the owners of its DNSKEY and DS records), lower
/// case, without the final dot.
fn anchored_zones(path: &std::path::Path) -> Result<Vec<String>, Error> {
    let text = std::fs::read_to_string(path).map_err(|e| Error::TrustAnchor {
        path: path.to_path_buf(),
        reason: format!("cannot read it: {e}"),
    })?;
    let zones: Vec<String> = text
        .lines()
        .map(|l| l.split(';').next().unwrap_or(""))
        .filter(|l| {
            l.split_whitespace()
                .any(|t| t.eq_ignore_ascii_case("DNSKEY") || t.eq_ignore_ascii_case("DS"))
        })
        .filter_map(|l| l.split_whitespace().next())
        .map(|owner| owner.trim_end_matches('.').to_ascii_lowercase())
        .collect();
    if zones.is_empty() {
        return Err(Error::TrustAnchor {
            path: path.to_path_buf(),
            reason: "no DNSKEY or DS record in it".into(),
        });
    }
    Ok(zones)
}

/// Largest DNS message over UDP we accept (bigger datagrams are cut by the kernel anyway).
const UDP_BUFFER: usize = 4096;

async fn udp_exchange(
    server: SocketAddr,
    query: &[u8],
    id: u16,
    asked: &Query,
    timeout: Duration,
) -> Result<Message, String> {
    let bind: SocketAddr = if server.is_ipv4() {
        SocketAddr::from(([0, 0, 0, 0], 0))
    } else {
        SocketAddr::from(([0u16; 8], 0))
    };
    let sock = tokio::net::UdpSocket::bind(bind)
        .await
        .map_err(|e| format!("cannot open a UDP socket: {e}"))?;
    sock.connect(server)
        .await
        .map_err(|e| format!("cannot reach {server} over UDP: {e}"))?;
    sock.send(query)
        .await
        .map_err(|e| format!("cannot send to {server}: {e}"))?;
    let deadline = tokio::time::Instant::now() + timeout;
    let mut buf = vec![0u8; UDP_BUFFER];
    let mut rejected: Option<String> = None;
    loop {
        let got = tokio::time::timeout_at(deadline, sock.recv(&mut buf)).await;
        let n = match got {
            Err(_) => {
                return Err(match rejected {
                    Some(r) => format!("no valid answer within {timeout:?} ({r})"),
                    None => format!("no answer within {timeout:?}"),
                });
            }
            Ok(Err(e)) => return Err(format!("UDP receive: {e} (nothing listens?)")),
            Ok(Ok(n)) => n,
        };
        let data = buf.get(..n).unwrap_or_default();
        // Anything that is not the answer to our question is dropped, as resolvers do
        // (RFC 5452): a wrong ID or garbage must not end the wait.
        match check_answer(data, id, asked) {
            Ok(m) => return Ok(m),
            Err(why) => rejected = Some(why),
        }
    }
}

/// The answer to our question, or why `data` is not: it must parse, be a response, carry our
/// message ID and repeat our question (name, type and class), as RFC 5452 section 9.1 asks of
/// a resolver, so that an off-path forger must guess the ID, the port and the question.
fn check_answer(data: &[u8], id: u16, asked: &Query) -> Result<Message, String> {
    let m = Message::from_vec(data)
        .map_err(|e| format!("an unparseable answer of {} bytes: {e}", data.len()))?;
    if m.metadata.id != id {
        return Err(format!(
            "an answer with the wrong message ID {} (asked with {id})",
            m.metadata.id
        ));
    }
    if m.metadata.message_type != MessageType::Response {
        return Err("a query instead of a response".into());
    }
    match m.queries.as_slice() {
        [q] if q.name() == asked.name()
            && q.query_type() == asked.query_type()
            && q.query_class() == asked.query_class() =>
        {
            Ok(m)
        }
        [q] => Err(format!(
            "an answer to another question ({} {} instead of {} {})",
            q.name(),
            q.query_type(),
            asked.name(),
            asked.query_type()
        )),
        [] => Err("an answer that does not repeat the question".into()),
        _ => Err("an answer with several questions".into()),
    }
}

async fn tcp_exchange(
    server: SocketAddr,
    query: &[u8],
    id: u16,
    asked: &Query,
    timeout: Duration,
) -> Result<Message, String> {
    let work = async {
        let mut s = tokio::net::TcpStream::connect(server)
            .await
            .map_err(|e| format!("TCP connect to {server}: {e}"))?;
        let len = u16::try_from(query.len()).map_err(|_| "query too long".to_string())?;
        let mut framed = len.to_be_bytes().to_vec();
        framed.extend_from_slice(query);
        s.write_all(&framed)
            .await
            .map_err(|e| format!("TCP send to {server}: {e}"))?;
        let mut lenb = [0u8; 2];
        s.read_exact(&mut lenb)
            .await
            .map_err(|e| format!("TCP answer from {server} ended before its length: {e}"))?;
        // At most 65535 bytes by construction of the length prefix.
        let mut buf = vec![0u8; usize::from(u16::from_be_bytes(lenb))];
        s.read_exact(&mut buf)
            .await
            .map_err(|e| format!("TCP answer from {server} cut short: {e}"))?;
        check_answer(&buf, id, asked)
    };
    match tokio::time::timeout(timeout, work).await {
        Ok(r) => r,
        Err(_) => Err(format!("no TCP answer from {server} within {timeout:?}")),
    }
}

fn validating_resolver(
    servers: &[SocketAddr],
    anchor: Option<&std::path::Path>,
    cfg: &DnsConfig,
) -> Result<hickory_resolver::TokioResolver, Error> {
    use hickory_resolver::config::{NameServerConfig, ResolverConfig, ResolverOpts};
    use hickory_resolver::net::runtime::TokioRuntimeProvider;
    let ns: Vec<NameServerConfig> = servers
        .iter()
        .map(|s| {
            let mut n = NameServerConfig::udp_and_tcp(s.ip());
            for c in &mut n.connections {
                c.port = s.port();
            }
            n
        })
        .collect();
    let config = ResolverConfig::from_name_servers(ns);
    let mut opts = ResolverOpts::default();
    opts.validate = true;
    opts.timeout = cfg.timeout;
    opts.attempts = cfg.attempts;
    opts.edns0 = true;
    opts.preserve_intermediates = true;
    opts.ndots = 0;
    opts.use_hosts_file = hickory_resolver::config::ResolveHosts::Never;
    let mut b = hickory_resolver::TokioResolver::builder_with_config(
        config,
        TokioRuntimeProvider::default(),
    )
    .with_options(opts);
    if let Some(p) = anchor {
        let ta = hickory_resolver::proto::dnssec::TrustAnchors::from_file(p).map_err(|e| {
            Error::TrustAnchor {
                path: p.to_path_buf(),
                reason: format!("not a file of DNSKEY records: {e}"),
            }
        })?;
        b = b.with_trust_anchor(Arc::new(ta));
    }
    b.build().map_err(|e| Error::Dns {
        reason: format!("cannot set up the validating resolver: {e}"),
    })
}

async fn validated_lookup(
    r: &hickory_resolver::TokioResolver,
    name: &str,
    rtype: RecordType,
    servers: &[SocketAddr],
) -> DnsAnswer {
    use hickory_resolver::net::{DnsError, NetError};
    use hickory_resolver::proto::dnssec::Proof;
    let server = servers.first().map(|s| s.to_string());
    let proof_to = |p: Proof| match p {
        Proof::Secure => Dnssec::Secure,
        Proof::Insecure => Dnssec::Insecure,
        Proof::Bogus => Dnssec::Bogus,
        _ => Dnssec::Indeterminate,
    };
    let fqdn = format!("{name}.");
    match r.lookup(fqdn.as_str(), rtype).await {
        Ok(lookup) => {
            let mut chain: Vec<String> = Vec::new();
            let mut current = name.to_string();
            let mut worst = Dnssec::Secure;
            let rank = |d: Dnssec| match d {
                Dnssec::Secure => 0,
                Dnssec::Insecure => 1,
                Dnssec::Unauthenticated => 2,
                Dnssec::Indeterminate => 3,
                Dnssec::Bogus => 4,
            };
            loop {
                let next = lookup.answers().iter().find_map(|rec| match &rec.data {
                    RData::CNAME(c) if name_eq(&rec.name, &current) => {
                        Some((norm(&c.0), proof_to(rec.proof)))
                    }
                    _ => None,
                });
                let Some((next, p)) = next else { break };
                if rank(p) > rank(worst) {
                    worst = p;
                }
                if chain.contains(&next) || next == name || chain.len() > MAX_CNAME_HOPS {
                    chain.push(next);
                    let mut a = DnsAnswer::failed(
                        name,
                        rtype,
                        server,
                        format!("alias loop: {name} -> {}", chain.join(" -> ")),
                    );
                    a.cname_chain = chain;
                    return a;
                }
                chain.push(next.clone());
                current = next;
            }
            let mut records = Vec::new();
            for rec in lookup.answers() {
                if rec.record_type() == rtype {
                    let p = proof_to(rec.proof);
                    if rank(p) > rank(worst) {
                        worst = p;
                    }
                    if let Some(c) = convert(rec) {
                        records.push(c);
                    }
                }
            }
            DnsAnswer {
                name: name.to_string(),
                rtype: rtype.to_string(),
                outcome: if records.is_empty() {
                    Outcome::NoData
                } else {
                    Outcome::Records
                },
                records,
                cname_chain: chain,
                dnssec: worst,
                rcode: Some("NOERROR".into()),
                error: None,
                server,
            }
        }
        Err(NetError::Dns(DnsError::NoRecordsFound(nr))) => DnsAnswer {
            name: name.to_string(),
            rtype: rtype.to_string(),
            outcome: if nr.response_code == ResponseCode::NXDomain {
                Outcome::Nxdomain
            } else {
                Outcome::NoData
            },
            records: Vec::new(),
            cname_chain: Vec::new(),
            dnssec: Dnssec::Indeterminate,
            rcode: Some(nr.response_code.to_string()),
            error: None,
            server,
        },
        Err(NetError::Dns(DnsError::Nsec {
            proof, response, ..
        })) => DnsAnswer {
            name: name.to_string(),
            rtype: rtype.to_string(),
            outcome: if response.response_code == ResponseCode::NXDomain {
                Outcome::Nxdomain
            } else {
                Outcome::NoData
            },
            records: Vec::new(),
            cname_chain: Vec::new(),
            dnssec: proof_to(proof),
            rcode: Some(response.response_code.to_string()),
            error: None,
            server,
        },
        Err(NetError::Dns(DnsError::DnssecBogus)) => {
            let mut a = DnsAnswer::failed(
                name,
                rtype,
                server,
                format!(
                    "DNSSEC validation of {name} {rtype} failed: the data is bogus (bad or expired signatures, or a missing DNSKEY)"
                ),
            );
            a.dnssec = Dnssec::Bogus;
            a
        }
        Err(e) => DnsAnswer::failed(name, rtype, server, format!("{name} {rtype}: {e}")),
    }
}

/// `RecordType` from its name, for callers outside this module.
pub use hickory_resolver::proto::rr::RecordType as Rtype;

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::dns::parse_dns_server;

    #[test]
    fn dns_server_syntax() {
        assert_eq!(
            parse_dns_server("127.0.0.1").unwrap(),
            "127.0.0.1:53".parse().unwrap()
        );
        assert_eq!(
            parse_dns_server("127.0.0.1:5353").unwrap(),
            "127.0.0.1:5353".parse().unwrap()
        );
        assert_eq!(
            parse_dns_server("::1").unwrap(),
            "[::1]:53".parse().unwrap()
        );
        assert_eq!(
            parse_dns_server("[::1]:5353").unwrap(),
            "[::1]:5353".parse().unwrap()
        );
        assert!(parse_dns_server("dns.example").is_err());
    }

    proptest::proptest! {
        /// Any bytes from the network give an answer or an error, never a panic; an error
        /// always says why.
        #[test]
        fn any_bytes_are_judged(data in proptest::collection::vec(proptest::prelude::any::<u8>(), 0..600), id in proptest::prelude::any::<u16>()) {
            if let Err(why) = check_answer(&data, id, &asked_mx()) {
                proptest::prop_assert!(!why.is_empty());
            }
        }

        /// A well-formed response is accepted only with our ID, and its records convert.
        #[test]
        fn responses_need_our_id(id in proptest::prelude::any::<u16>(), other in proptest::prelude::any::<u16>(), pref in proptest::prelude::any::<u16>()) {
            let mut m = Message::new(id, MessageType::Response, OpCode::Query);
            m.add_query(asked_mx());
            let name = Name::from_ascii("example.test.").map_err(|e| proptest::test_runner::TestCaseError::fail(e.to_string()))?;
            let mx = Name::from_ascii("mx.example.test.").map_err(|e| proptest::test_runner::TestCaseError::fail(e.to_string()))?;
            m.add_answer(Record::from_rdata(name, 60, RData::MX(hickory_resolver::proto::rr::rdata::MX::new(pref, mx))));
            let bytes = m.to_vec().map_err(|e| proptest::test_runner::TestCaseError::fail(e.to_string()))?;
            let got = check_answer(&bytes, id, &asked_mx());
            proptest::prop_assert!(got.is_ok());
            if let Ok(got) = got {
                let recs: Vec<DnsRecord> = got.answers.iter().filter_map(convert).collect();
                proptest::prop_assert_eq!(recs, vec![DnsRecord::MX { preference: pref, exchange: "mx.example.test".into() }]);
            }
            if other != id {
                proptest::prop_assert!(check_answer(&bytes, other, &asked_mx()).is_err());
            }
        }
    }

    #[test]
    fn garbage_is_not_an_answer() {
        assert!(check_answer(&[1, 2, 3], 1, &asked_mx()).is_err());
        assert!(check_answer(&[], 1, &asked_mx()).is_err());
    }

    /// The question every test asks: example.test MX.
    fn asked_mx() -> Query {
        Query::query(
            Name::from_ascii("example.test.").expect("a valid name"),
            RecordType::MX,
        )
    }

    /// RFC 5452: with the right ID, an answer to another name, type or class, or without the
    /// question, is not the answer; the name matches whatever its case (0x20 randomisation).
    #[test]
    fn answers_must_repeat_the_question() {
        let answer = |q: Option<Query>| {
            let mut m = Message::new(7, MessageType::Response, OpCode::Query);
            if let Some(q) = q {
                m.add_query(q);
            }
            m.to_vec().expect("encodes")
        };
        let name = |s: &str| Name::from_ascii(s).expect("a valid name");
        assert!(check_answer(&answer(Some(asked_mx())), 7, &asked_mx()).is_ok());
        let upper = Query::query(name("EXAMPLE.Test."), RecordType::MX);
        assert!(check_answer(&answer(Some(upper)), 7, &asked_mx()).is_ok());
        let other_name = Query::query(name("evil.test."), RecordType::MX);
        let why = check_answer(&answer(Some(other_name)), 7, &asked_mx()).err();
        assert!(why.is_some_and(|w| w.contains("another question")));
        let other_type = Query::query(name("example.test."), RecordType::TXT);
        assert!(check_answer(&answer(Some(other_type)), 7, &asked_mx()).is_err());
        let mut other_class = asked_mx();
        other_class.set_query_class(hickory_resolver::proto::rr::DNSClass::CH);
        assert!(check_answer(&answer(Some(other_class)), 7, &asked_mx()).is_err());
        assert!(check_answer(&answer(None), 7, &asked_mx()).is_err());
    }

    /// RFC 5452: every query leaves from its own random port with a random ID. A loopback
    /// server records what each of several lookups sent and answers "no data".
    #[tokio::test]
    async fn queries_use_random_ids_and_source_ports() {
        let server = tokio::net::UdpSocket::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let addr = server.local_addr().expect("address");
        let seen = Arc::new(std::sync::Mutex::new(Vec::<(u16, u16)>::new()));
        let record = Arc::clone(&seen);
        let task = tokio::spawn(async move {
            let mut buf = vec![0u8; 2048];
            loop {
                let Ok((n, from)) = server.recv_from(&mut buf).await else {
                    return;
                };
                let Ok(q) = Message::from_vec(buf.get(..n).unwrap_or_default()) else {
                    continue;
                };
                record
                    .lock()
                    .expect("not poisoned")
                    .push((q.metadata.id, from.port()));
                let mut r = Message::new(q.metadata.id, MessageType::Response, OpCode::Query);
                for question in &q.queries {
                    r.add_query(question.clone());
                }
                if let Ok(bytes) = r.to_vec() {
                    let _ = server.send_to(&bytes, from).await;
                }
            }
        });
        let dns = Dns::new(DnsConfig {
            servers: vec![addr],
            timeout: Duration::from_secs(2),
            attempts: 1,
            ..DnsConfig::default()
        })
        .expect("a resolver");
        const N: usize = 16;
        for i in 0..N {
            let a = dns
                .lookup(&format!("host{i}.example.test"), RecordType::A)
                .await;
            assert_eq!(a.outcome, Outcome::NoData, "{a:?}");
        }
        task.abort();
        let seen = seen.lock().expect("not poisoned").clone();
        assert_eq!(seen.len(), N, "one query per lookup: {seen:?}");
        let ids: Vec<u16> = seen.iter().map(|q| q.0).collect();
        let ports: Vec<u16> = seen.iter().map(|q| q.1).collect();
        let distinct = |v: &[u16]| v.iter().collect::<std::collections::HashSet<_>>().len();
        // 16 random values of 16 bits collide rarely; a counter or a constant is caught.
        assert!(distinct(&ids) >= N - 2, "IDs repeat: {ids:?}");
        assert!(distinct(&ports) >= N - 2, "source ports repeat: {ports:?}");
        let steps = |v: &[u16]| v.windows(2).all(|w| w[1].wrapping_sub(w[0]) <= 2);
        assert!(!steps(&ids), "IDs count up: {ids:?}");
        assert!(!steps(&ports), "source ports count up: {ports:?}");
    }
}
