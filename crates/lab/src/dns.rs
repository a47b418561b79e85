//! A small authoritative DNS server for the lab, so that `check DOMAIN` can be
//! shown without NSD, Unbound or a network.
//!
//! [`LabDns::start`] serves unsigned zones from memory over UDP **and** TCP on
//! one loopback port. It answers like an authoritative-only server:
//!
//! * AA=1 for every name inside a served zone; REFUSED (AA=0) for names
//!   outside them (it is no resolver: RA=0, and the AD bit is never set).
//! * NXDOMAIN for a name that does not exist in a zone, NODATA (NOERROR, empty
//!   answer) for a name that exists without the type asked for (including
//!   empty non-terminals such as `_tcp.mx1.example.test`); both carry the
//!   zone's SOA in the authority section (RFC 2308).
//! * CNAMEs are followed inside the served data (RFC 1034 §4.3.2), with a loop
//!   guard; the response code is the one of the last name (RFC 6604). A chain
//!   that leaves the served zones ends with the CNAME to the outside.
//! * EDNS(0) is echoed (payload 1232, the DO bit copied; RFC 6891); EDNS
//!   versions above 0 get BADVERS.
//! * A UDP answer larger than the client's limit (its EDNS payload size capped
//!   at 1232, or 512 without EDNS) is sent truncated, with TC=1 and only the
//!   question, so that the client retries over TCP (RFC 7766).
//! * TCP: 2-byte length prefix, messages of at most 64 KiB, several queries
//!   per connection, an idle timeout, and a cap on open connections.
//!
//! Packets that cannot be parsed are ignored (a TCP connection that sends one
//! is closed). Nothing a client sends can make the server panic: decoding and
//! answering run under `catch_unwind` as a last resort, and no index or
//! `unwrap` depends on network input.
//!
//! Zones: [`LabDns::start`] serves, as zones, the owner names that have no
//! other owner name above them (e.g. records for `example.test`,
//! `mx1.example.test` and `_mta-sts.example.test` make one zone,
//! `example.test`); [`LabDns::start_zones`] takes the zone apexes explicitly.
//! Each zone gets a synthesized SOA (`ns.ZONE. hostmaster.ZONE. 1 3600 600
//! 86400 60`), answered at the apex. Wildcards, NS delegations, zone transfers
//! and DNSSEC signing are not supported; [`LabDns::start_bogus`] answers as a
//! validating resolver does for data whose signatures fail (SERVFAIL, and the
//! data with CD=1), which is what a checker behind such a resolver sees.

use std::collections::{HashMap, HashSet};
use std::fmt;
use std::io;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use hickory_proto::op::{Edns, Message, MessageType, OpCode, ResponseCode};
use hickory_proto::rr::rdata::tlsa::{CertUsage, Matching, Selector};
use hickory_proto::rr::rdata::{A, AAAA, CNAME, MX, SOA, TLSA, TXT};
use hickory_proto::rr::{DNSClass, Name, RData, Record, RecordType};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream, UdpSocket};
use tokio::task::JoinSet;
use tokio::time::timeout;

use crate::LabError;

/// The `scenario` of the [`LabError`]s returned by this module.
pub const LAB_DNS: &str = "lab-dns";

/// Largest UDP answer sent, whatever the client's EDNS size (the DNS flag day
/// 2020 value).
pub const UDP_PAYLOAD: u16 = 1232;

/// Largest UDP answer to a client without EDNS (RFC 1035 §4.2.1).
const UDP_PLAIN: usize = 512;

/// Largest TCP message read or written (the 2-byte length prefix).
pub const MAX_TCP_MESSAGE: usize = 65_535;

/// TTL of records made with the [`LabRecord`] helpers.
pub const DEFAULT_TTL: u32 = 300;

/// SOA minimum (negative caching TTL) and the TTL of the synthesized SOA.
const SOA_TTL: u32 = 60;

/// Most CNAMEs followed for one answer.
const MAX_CNAME_CHAIN: usize = 16;

/// Time a TCP client has for each message (and to send the next one).
const TCP_IDLE: Duration = Duration::from_secs(10);

/// Most TCP connections served at once; more are closed at once.
const MAX_TCP_CONNECTIONS: usize = 64;

/// Most queries answered on one TCP connection.
const MAX_TCP_QUERIES: usize = 1000;

/// How many times a port free for both UDP and TCP is picked.
const PORT_ATTEMPTS: usize = 10;

/// The data of a lab record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LabRData {
    A(Ipv4Addr),
    AAAA(Ipv6Addr),
    /// An exchange of "" or "." is the null MX (RFC 7505).
    MX {
        preference: u16,
        exchange: String,
    },
    /// One record of one or more character-strings (each at most 255 bytes).
    TXT(Vec<String>),
    /// TLSA (RFC 6698): `data` is the association data as bytes.
    TLSA {
        usage: u8,
        selector: u8,
        matching: u8,
        data: Vec<u8>,
    },
    /// An alias to `target`; no other record may share its owner.
    CNAME(String),
}

impl LabRData {
    fn type_name(&self) -> &'static str {
        match self {
            LabRData::A(_) => "A",
            LabRData::AAAA(_) => "AAAA",
            LabRData::MX { .. } => "MX",
            LabRData::TXT(_) => "TXT",
            LabRData::TLSA { .. } => "TLSA",
            LabRData::CNAME(_) => "CNAME",
        }
    }
}

/// One resource record: owner name (with or without the final dot, any
/// case), TTL and data.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LabRecord {
    pub owner: String,
    pub ttl: u32,
    pub data: LabRData,
}

impl LabRecord {
    /// A record with the [`DEFAULT_TTL`].
    pub fn new(owner: &str, data: LabRData) -> Self {
        LabRecord {
            owner: owner.to_string(),
            ttl: DEFAULT_TTL,
            data,
        }
    }

    pub fn a(owner: &str, addr: Ipv4Addr) -> Self {
        Self::new(owner, LabRData::A(addr))
    }

    pub fn aaaa(owner: &str, addr: Ipv6Addr) -> Self {
        Self::new(owner, LabRData::AAAA(addr))
    }

    /// An A or AAAA record for `addr`.
    pub fn addr(owner: &str, addr: IpAddr) -> Self {
        match addr {
            IpAddr::V4(a) => Self::a(owner, a),
            IpAddr::V6(a) => Self::aaaa(owner, a),
        }
    }

    pub fn mx(owner: &str, preference: u16, exchange: &str) -> Self {
        Self::new(
            owner,
            LabRData::MX {
                preference,
                exchange: exchange.to_string(),
            },
        )
    }

    /// A TXT record of these character-strings (a long text is split by the
    /// publisher into strings of at most 255 bytes; readers join them).
    pub fn txt(owner: &str, strings: &[&str]) -> Self {
        Self::new(
            owner,
            LabRData::TXT(strings.iter().map(|s| s.to_string()).collect()),
        )
    }

    pub fn tlsa(owner: &str, usage: u8, selector: u8, matching: u8, data: Vec<u8>) -> Self {
        Self::new(
            owner,
            LabRData::TLSA {
                usage,
                selector,
                matching,
                data,
            },
        )
    }

    pub fn cname(owner: &str, target: &str) -> Self {
        Self::new(owner, LabRData::CNAME(target.to_string()))
    }

    /// The same record with another TTL.
    pub fn with_ttl(mut self, ttl: u32) -> Self {
        self.ttl = ttl;
        self
    }
}

/// Lower case, without the final dot.
fn norm(name: &str) -> String {
    name.trim_end_matches('.').to_ascii_lowercase()
}

/// `name` equals `zone` or lies below it (both normalized).
#[cfg(test)]
fn is_within(name: &str, zone: &str) -> bool {
    name == zone
        || name
            .strip_suffix(zone)
            .is_some_and(|head| head.ends_with('.'))
}

/// The parent of a normalized name ("" for a single label).
fn parent(name: &str) -> &str {
    name.split_once('.').map(|(_, p)| p).unwrap_or("")
}

fn invalid(message: String) -> LabError {
    LabError::Bind {
        scenario: LAB_DNS,
        addr: SocketAddr::new(IpAddr::V4(Ipv4Addr::LOCALHOST), 0),
        source: io::Error::new(io::ErrorKind::InvalidInput, message),
    }
}

fn parse_name(what: &str, name: &str) -> Result<Name, LabError> {
    let n = norm(name);
    if n.is_empty() {
        return Ok(Name::root());
    }
    Name::from_ascii(format!("{n}."))
        .map_err(|e| invalid(format!("{what} '{name}' is not a DNS name: {e}")))
}

/// One served zone.
#[derive(Debug)]
struct Zone {
    apex: String,
    soa: Record,
}

/// The data of every zone, ready to answer from.
#[derive(Debug)]
struct ZoneData {
    /// Longest apex first (the order [`LabDns::zones`] reports).
    zones: Vec<Zone>,
    /// Apex -> index in `zones`: the closest zone of a name is found by
    /// walking up its labels, not by a scan of every zone (thousands of
    /// domains may each be a zone).
    by_apex: HashMap<String, usize>,
    /// Normalized owner -> its records (hickory form).
    records: HashMap<String, Vec<Record>>,
    /// Every owner and every name between an owner and its zone apex (the
    /// empty non-terminals): the names that exist.
    names: HashSet<String>,
}

impl ZoneData {
    fn build(zones: Option<&[&str]>, records: Vec<LabRecord>) -> Result<ZoneData, LabError> {
        let owners: Vec<String> = records.iter().map(|r| norm(&r.owner)).collect();
        let mut apexes: Vec<String> = match zones {
            Some(z) => z.iter().map(|z| norm(z)).collect(),
            None => {
                let set: HashSet<&String> = owners.iter().collect();
                owners
                    .iter()
                    .filter(|o| {
                        let mut p = parent(o);
                        while !p.is_empty() {
                            if set.contains(&p.to_string()) {
                                return false;
                            }
                            p = parent(p);
                        }
                        true
                    })
                    .cloned()
                    .collect()
            }
        };
        apexes.sort_by(|a, b| b.len().cmp(&a.len()).then(a.cmp(b)));
        apexes.dedup();
        if apexes.is_empty() {
            return Err(invalid("no zone to serve: give at least one record".into()));
        }
        let mut zone_list = Vec::new();
        for apex in &apexes {
            if apex.is_empty() {
                return Err(invalid("the root zone cannot be served".into()));
            }
            let name = parse_name("zone", apex)?;
            let ns = parse_name("zone", &format!("ns.{apex}"))?;
            let mbox = parse_name("zone", &format!("hostmaster.{apex}"))?;
            let soa = SOA::new(ns, mbox, 1, 3600, 600, 86_400, SOA_TTL);
            zone_list.push(Zone {
                apex: apex.clone(),
                soa: Record::from_rdata(name, SOA_TTL, RData::SOA(soa)),
            });
        }

        let by_apex: HashMap<String, usize> = zone_list
            .iter()
            .enumerate()
            .map(|(i, z)| (z.apex.clone(), i))
            .collect();
        let mut data: HashMap<String, Vec<Record>> = HashMap::new();
        let mut names: HashSet<String> = apexes.iter().cloned().collect();
        for (r, owner) in records.iter().zip(owners) {
            let Some(zone) = closest_zone(&zone_list, &by_apex, &owner) else {
                return Err(invalid(format!(
                    "record {} {}: the owner is in none of the zones served ({})",
                    r.owner,
                    r.data.type_name(),
                    apexes.join(", ")
                )));
            };
            let name = parse_name("owner", &owner)?;
            let rdata = to_rdata(&r.owner, &r.data)?;
            let list = data.entry(owner.clone()).or_default();
            let is_cname = matches!(rdata, RData::CNAME(_));
            if list
                .iter()
                .any(|e| is_cname || matches!(e.data, RData::CNAME(_)))
            {
                return Err(invalid(format!(
                    "{}: a CNAME cannot stand beside other records at the same name (RFC 1034 §3.6.2)",
                    r.owner
                )));
            }
            list.push(Record::from_rdata(name, r.ttl, rdata));
            let mut n = owner.as_str();
            while n.len() > zone.apex.len() {
                names.insert(n.to_string());
                n = parent(n);
            }
        }
        Ok(ZoneData {
            zones: zone_list,
            by_apex,
            records: data,
            names,
        })
    }

    /// The closest zone containing `name`.
    fn zone_of(&self, name: &str) -> Option<&Zone> {
        closest_zone(&self.zones, &self.by_apex, name)
    }

    /// Fill the answer for `qname`/`qtype` into `resp` (rcode, AA, sections).
    fn resolve(&self, qname: &str, qtype: RecordType, resp: &mut Message) {
        let Some(mut zone) = self.zone_of(qname) else {
            resp.metadata.response_code = ResponseCode::Refused;
            return;
        };
        resp.metadata.authoritative = true;
        let mut current = qname.to_string();
        let mut seen = vec![current.clone()];
        loop {
            let here: &[Record] = self
                .records
                .get(&current)
                .map(Vec::as_slice)
                .unwrap_or_default();
            let alias = here.iter().find_map(|r| match &r.data {
                RData::CNAME(c) if qtype != RecordType::CNAME && qtype != RecordType::ANY => {
                    Some((r.clone(), norm(&c.0.to_ascii())))
                }
                _ => None,
            });
            if let Some((record, target)) = alias {
                resp.answers.push(record);
                // A loop, a chain too long, or a target outside our zones: the chain so far.
                if seen.contains(&target) || seen.len() > MAX_CNAME_CHAIN {
                    return;
                }
                let Some(z) = self.zone_of(&target) else {
                    return;
                };
                zone = z;
                seen.push(target.clone());
                current = target;
                continue;
            }
            let mut found: Vec<Record> = here
                .iter()
                .filter(|r| qtype == RecordType::ANY || r.record_type() == qtype)
                .cloned()
                .collect();
            if current == zone.apex && matches!(qtype, RecordType::SOA | RecordType::ANY) {
                found.push(zone.soa.clone());
            }
            if found.is_empty() {
                resp.authorities.push(zone.soa.clone());
                if !self.names.contains(&current) {
                    resp.metadata.response_code = ResponseCode::NXDomain;
                }
            } else {
                resp.answers.extend(found);
            }
            return;
        }
    }
}

/// The zone of `zones` closest to the normalized `name`: `name` itself, or
/// the nearest of its ancestors that is an apex.
fn closest_zone<'z>(
    zones: &'z [Zone],
    by_apex: &HashMap<String, usize>,
    name: &str,
) -> Option<&'z Zone> {
    let mut n = name;
    while !n.is_empty() {
        if let Some(zone) = by_apex.get(n).and_then(|&i| zones.get(i)) {
            return Some(zone);
        }
        n = parent(n);
    }
    None
}

fn to_rdata(owner: &str, d: &LabRData) -> Result<RData, LabError> {
    Ok(match d {
        LabRData::A(a) => RData::A(A(*a)),
        LabRData::AAAA(a) => RData::AAAA(AAAA(*a)),
        LabRData::MX {
            preference,
            exchange,
        } => RData::MX(MX::new(*preference, parse_name("MX exchange", exchange)?)),
        LabRData::TXT(strings) => {
            if strings.is_empty() {
                return Err(invalid(format!(
                    "{owner} TXT: a TXT record holds at least one string"
                )));
            }
            if let Some(s) = strings.iter().find(|s| s.len() > 255) {
                return Err(invalid(format!(
                    "{owner} TXT: a string of {} bytes; each string holds at most 255 (split it)",
                    s.len()
                )));
            }
            RData::TXT(TXT::new(strings.clone()))
        }
        LabRData::TLSA {
            usage,
            selector,
            matching,
            data,
        } => RData::TLSA(TLSA::new(
            CertUsage::from(*usage),
            Selector::from(*selector),
            Matching::from(*matching),
            data.clone(),
        )),
        LabRData::CNAME(target) => RData::CNAME(CNAME(parse_name("CNAME target", target)?)),
    })
}

/// Counters of what the server answered.
#[derive(Debug, Default)]
struct Stats {
    udp: AtomicU64,
    tcp: AtomicU64,
    truncated: AtomicU64,
    ignored: AtomicU64,
}

struct Server {
    data: ZoneData,
    stats: Stats,
    /// Owner names whose data a validating resolver would find DNSSEC-bogus
    /// ([`LabDns::start_bogus`]).
    bogus: HashSet<String>,
}

impl Server {
    /// The answer to one packet, or None to ignore it. Never panics.
    fn handle(&self, packet: &[u8], udp: bool) -> Option<Vec<u8>> {
        let out = catch_unwind(AssertUnwindSafe(|| self.answer(packet, udp)))
            .ok()
            .flatten();
        match (&out, udp) {
            (None, _) => &self.stats.ignored,
            (Some(_), true) => &self.stats.udp,
            (Some(_), false) => &self.stats.tcp,
        }
        .fetch_add(1, Ordering::Relaxed);
        out
    }

    fn answer(&self, packet: &[u8], udp: bool) -> Option<Vec<u8>> {
        let req = Message::from_vec(packet).ok()?;
        if req.metadata.message_type != MessageType::Query {
            return None; // never answer an answer
        }
        let mut resp = Message::response(req.metadata.id, req.metadata.op_code);
        resp.metadata.recursion_desired = req.metadata.recursion_desired;
        resp.metadata.checking_disabled = req.metadata.checking_disabled;
        resp.queries = req.queries.clone();
        let mut limit = if udp { UDP_PLAIN } else { MAX_TCP_MESSAGE };
        if let Some(e) = &req.edns {
            let mut out = Edns::new();
            out.set_max_payload(UDP_PAYLOAD);
            out.set_dnssec_ok(e.flags().dnssec_ok);
            resp.set_edns(out);
            if udp {
                limit = usize::from(e.max_payload().clamp(512, UDP_PAYLOAD));
            }
            if e.version() > 0 {
                resp.metadata.response_code = ResponseCode::BADVERS;
                return encode(&resp, limit);
            }
        }
        if req.metadata.op_code != OpCode::Query {
            resp.metadata.response_code = ResponseCode::NotImp;
            return encode(&resp, limit);
        }
        let [q] = req.queries.as_slice() else {
            resp.metadata.response_code = ResponseCode::FormErr;
            return encode(&resp, limit);
        };
        let qtype = q.query_type();
        if !matches!(q.query_class(), DNSClass::IN | DNSClass::ANY)
            || matches!(qtype, RecordType::AXFR | RecordType::IXFR | RecordType::OPT)
        {
            resp.metadata.response_code = ResponseCode::Refused;
            return encode(&resp, limit);
        }
        let qname = norm(&q.name().to_ascii());
        self.data.resolve(&qname, qtype, &mut resp);
        if !req.metadata.checking_disabled
            && resp
                .answers
                .iter()
                .any(|r| self.bogus.contains(&norm(&r.name.to_ascii())))
        {
            // A validating resolver does not hand out data that fails validation.
            resp.answers.clear();
            resp.authorities.clear();
            resp.additionals.clear();
            resp.metadata.authoritative = false;
            resp.metadata.response_code = ResponseCode::ServFail;
        }
        let bytes = encode(&resp, limit)?;
        if resp_truncated(&bytes) {
            self.stats.truncated.fetch_add(1, Ordering::Relaxed);
        }
        Some(bytes)
    }
}

/// The TC bit of an encoded message.
fn resp_truncated(bytes: &[u8]) -> bool {
    bytes.get(2).is_some_and(|b| b & 0x02 != 0)
}

/// Encode `resp`; when it exceeds `limit`, send the header, the question and
/// the OPT record only, with TC=1 (RFC 2181 §9, RFC 7766 §5).
fn encode(resp: &Message, limit: usize) -> Option<Vec<u8>> {
    let full = resp.to_vec().ok()?;
    if full.len() <= limit {
        return Some(full);
    }
    let mut short = resp.clone();
    short.answers.clear();
    short.authorities.clear();
    short.additionals.clear();
    short.metadata.truncation = true;
    let bytes = short.to_vec().ok()?;
    (bytes.len() <= limit).then_some(bytes)
}

/// A running lab DNS server. Dropping it (or [`LabDns::shutdown`]) stops the
/// UDP and TCP servers and every open connection.
pub struct LabDns {
    /// Where it listens, for UDP and TCP alike.
    pub addr: SocketAddr,
    /// The zone apexes served (lower case, no final dot), closest first.
    pub zones: Vec<String>,
    server: Arc<Server>,
    tasks: crate::Tasks,
}

impl fmt::Debug for LabDns {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("LabDns")
            .field("addr", &self.addr)
            .field("zones", &self.zones)
            .finish_non_exhaustive()
    }
}

impl LabDns {
    /// Serves `records` on `bind` (a loopback address; port 0 for a port the
    /// system picks that is free for both UDP and TCP). The zones are the
    /// owner names with no other owner above them (see the module docs).
    ///
    /// Invalid data (a name that is not a DNS name, a TXT string over 255
    /// bytes, a CNAME beside other records) and a non-loopback address fail
    /// with [`LabError::Bind`] of kind `InvalidInput`.
    pub async fn start(bind: SocketAddr, records: Vec<LabRecord>) -> Result<LabDns, LabError> {
        Self::start_inner(bind, None, records, &[]).await
    }

    /// [`LabDns::start`], answering as a validating resolver does in front of
    /// a signed zone whose signatures over the data of the `bogus` owner names
    /// do not verify (expired, or made with a key the DS does not name): an
    /// answer that holds their records is SERVFAIL to a query without the CD
    /// bit, and the data itself, unvalidated, to a query with CD=1 (RFC 4035
    /// §3.2.2 and §5.5; what Unbound and BIND do). The AD bit is never set.
    pub async fn start_bogus(
        bind: SocketAddr,
        records: Vec<LabRecord>,
        bogus: &[&str],
    ) -> Result<LabDns, LabError> {
        Self::start_inner(bind, None, records, bogus).await
    }

    /// [`LabDns::start`] with the zone apexes given: every record must lie in
    /// one of them; names below a zone without records are NXDOMAIN.
    pub async fn start_zones(
        bind: SocketAddr,
        zones: &[&str],
        records: Vec<LabRecord>,
    ) -> Result<LabDns, LabError> {
        Self::start_inner(bind, Some(zones), records, &[]).await
    }

    async fn start_inner(
        bind: SocketAddr,
        zones: Option<&[&str]>,
        records: Vec<LabRecord>,
        bogus: &[&str],
    ) -> Result<LabDns, LabError> {
        if !bind.ip().is_loopback() {
            return Err(LabError::Bind {
                scenario: LAB_DNS,
                addr: bind,
                source: io::Error::new(
                    io::ErrorKind::InvalidInput,
                    format!("{} is not a loopback address", bind.ip()),
                ),
            });
        }
        let data = ZoneData::build(zones, records)?;
        let (tcp, udp, addr) = bind_both(bind).await?;
        let server = Arc::new(Server {
            data,
            stats: Stats::default(),
            bogus: bogus.iter().map(|b| norm(b)).collect(),
        });
        let zones = server.data.zones.iter().map(|z| z.apex.clone()).collect();
        let tasks = vec![
            tokio::spawn(serve_udp(udp, Arc::clone(&server))),
            tokio::spawn(serve_tcp(tcp, Arc::clone(&server))),
        ];
        Ok(LabDns {
            addr,
            zones,
            server,
            tasks: crate::Tasks::new(tasks),
        })
    }

    /// Queries answered over UDP so far.
    pub fn udp_queries(&self) -> u64 {
        self.server.stats.udp.load(Ordering::Relaxed)
    }

    /// Queries answered over TCP so far.
    pub fn tcp_queries(&self) -> u64 {
        self.server.stats.tcp.load(Ordering::Relaxed)
    }

    /// Answers sent truncated (TC=1) so far.
    pub fn truncated_answers(&self) -> u64 {
        self.server.stats.truncated.load(Ordering::Relaxed)
    }

    /// Packets ignored (unparseable, or not a query) so far.
    pub fn ignored_packets(&self) -> u64 {
        self.server.stats.ignored.load(Ordering::Relaxed)
    }

    /// Stops both servers and waits until their tasks have ended.
    pub async fn shutdown(mut self) {
        self.tasks.stop().await;
    }
}

/// A TCP listener and a UDP socket on the same address and port.
async fn bind_both(bind: SocketAddr) -> Result<(TcpListener, UdpSocket, SocketAddr), LabError> {
    let err = |addr: SocketAddr, e: io::Error| LabError::Bind {
        scenario: LAB_DNS,
        addr,
        source: e,
    };
    let mut last = None;
    for _ in 0..PORT_ATTEMPTS {
        let tcp = TcpListener::bind(bind).await.map_err(|e| err(bind, e))?;
        let addr = tcp.local_addr().map_err(|e| err(bind, e))?;
        match UdpSocket::bind(addr).await {
            Ok(udp) => return Ok((tcp, udp, addr)),
            // The system's pick is taken for UDP: try another one.
            Err(e) if e.kind() == io::ErrorKind::AddrInUse && bind.port() == 0 => {
                last = Some(err(addr, e));
            }
            Err(e) => return Err(err(addr, e)),
        }
    }
    Err(last.unwrap_or_else(|| err(bind, io::Error::other("no port free for UDP and TCP"))))
}

async fn serve_udp(sock: UdpSocket, server: Arc<Server>) {
    let mut buf = vec![0u8; MAX_TCP_MESSAGE];
    loop {
        match sock.recv_from(&mut buf).await {
            Ok((n, peer)) => {
                let packet = buf.get(..n).unwrap_or_default();
                if let Some(answer) = server.handle(packet, true) {
                    let _ = sock.send_to(&answer, peer).await;
                }
            }
            // E.g. an ICMP error for an earlier answer: keep serving, without spinning.
            Err(_) => tokio::time::sleep(Duration::from_millis(10)).await,
        }
    }
}

/// Accept loop. Connection tasks live in a JoinSet owned by this task, so
/// aborting it also aborts every open connection.
async fn serve_tcp(listener: TcpListener, server: Arc<Server>) {
    let mut connections = JoinSet::new();
    loop {
        match listener.accept().await {
            Ok((tcp, _peer)) => {
                while connections.try_join_next().is_some() {}
                if connections.len() >= MAX_TCP_CONNECTIONS {
                    drop(tcp);
                    continue;
                }
                let server = Arc::clone(&server);
                connections.spawn(async move { serve_connection(tcp, &server).await });
            }
            Err(_) => tokio::time::sleep(Duration::from_millis(50)).await,
        }
    }
}

/// Length-prefixed queries (RFC 1035 §4.2.2, RFC 7766), one after another,
/// until the client closes, stalls, or sends garbage.
async fn serve_connection(mut tcp: TcpStream, server: &Server) {
    let _ = tcp.set_nodelay(true);
    for _ in 0..MAX_TCP_QUERIES {
        let mut len = [0u8; 2];
        if !matches!(timeout(TCP_IDLE, tcp.read_exact(&mut len)).await, Ok(Ok(_))) {
            return;
        }
        // At most 65535 bytes by construction.
        let n = usize::from(u16::from_be_bytes(len));
        if n == 0 {
            return;
        }
        let mut msg = vec![0u8; n];
        if !matches!(timeout(TCP_IDLE, tcp.read_exact(&mut msg)).await, Ok(Ok(_))) {
            return;
        }
        let Some(answer) = server.handle(&msg, false) else {
            return;
        };
        let Ok(alen) = u16::try_from(answer.len()) else {
            return;
        };
        let mut out = Vec::with_capacity(answer.len() + 2);
        out.extend_from_slice(&alen.to_be_bytes());
        out.extend_from_slice(&answer);
        if !matches!(timeout(TCP_IDLE, tcp.write_all(&out)).await, Ok(Ok(()))) {
            return;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_and_zones() {
        assert!(is_within("a.example.test", "example.test"));
        assert!(is_within("example.test", "example.test"));
        assert!(!is_within("badexample.test", "example.test"));
        assert_eq!(parent("a.b.c"), "b.c");
        assert_eq!(parent("c"), "");
        let d = ZoneData::build(
            None,
            vec![
                LabRecord::mx("Example.Test.", 10, "mx1.example.test"),
                LabRecord::a("mx1.example.test", Ipv4Addr::LOCALHOST),
                LabRecord::txt("_a._b.deep.example.test", &["x"]),
                LabRecord::a("other.test", Ipv4Addr::LOCALHOST),
            ],
        )
        .expect("zones");
        let apexes: Vec<&str> = d.zones.iter().map(|z| z.apex.as_str()).collect();
        assert_eq!(apexes, ["example.test", "other.test"]);
        assert!(d.names.contains("_b.deep.example.test"));
        assert!(d.names.contains("deep.example.test"));
        assert!(!d.names.contains("example"));
    }

    #[test]
    fn bad_data_is_refused() {
        let long = "x".repeat(256);
        for records in [
            vec![LabRecord::txt("a.test", &[long.as_str()])],
            vec![LabRecord::txt("a.test", &[])],
            vec![
                LabRecord::cname("a.test", "b.test"),
                LabRecord::a("a.test", Ipv4Addr::LOCALHOST),
            ],
            vec![LabRecord::a("bad..name", Ipv4Addr::LOCALHOST)],
            vec![],
        ] {
            assert!(ZoneData::build(None, records).is_err());
        }
        assert!(
            ZoneData::build(
                Some(&["example.test"]),
                vec![LabRecord::a("elsewhere.test", Ipv4Addr::LOCALHOST)]
            )
            .is_err()
        );
    }

    #[test]
    fn garbage_is_ignored() {
        let server = Server {
            data: ZoneData::build(None, vec![LabRecord::a("a.test", Ipv4Addr::LOCALHOST)])
                .expect("zone"),
            stats: Stats::default(),
            bogus: HashSet::new(),
        };
        let mut state = 0x1234_5678_u32;
        for len in 0..600 {
            let packet: Vec<u8> = (0..len)
                .map(|_| {
                    state ^= state << 13;
                    state ^= state >> 17;
                    state ^= state << 5;
                    state.to_le_bytes()[0]
                })
                .collect();
            let _ = server.handle(&packet, true);
            let _ = server.handle(&packet, false);
        }
    }
}
