//! A lab "world" of many mail domains, for bulk checks (`check --targets`)
//! and their benchmarks.
//!
//! [`BulkWorld::start`] serves, on loopback, the zone `bulk.lab.test`
//! ([`crate::dns::LabDns`]) with `N` mail domains `d0001.bulk.lab.test` ...
//! and the MX hosts they share ([`crate::domain::DomainLab`], one port on
//! several loopback addresses 127.0.0.150 and up). Most domains point at
//! good hosts; a deterministic mix, spread through the targets file, is
//! broken in one known way each (see [`Class`]). The targets file also holds
//! comment lines, blank lines, invalid lines and duplicates of earlier lines,
//! and [`BulkWorld::expected`] says what a correct check reports for every
//! target line.
//!
//! The expected statuses and finding codes were established by checking one
//! domain of each class with `smtp-tls-doctor check DOMAIN --json` and
//! confirming the tool's verdict is the right one (crates/lab/tests/bulk.rs
//! tests the world itself; the CLI's bulk tests compare against this list).

use std::collections::HashMap;
use std::fmt::Write as _;
use std::io;
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use tokio::io::AsyncReadExt;
use tokio::net::{TcpListener, TcpStream};
use tokio::task::JoinSet;

use crate::LabError;
use crate::dns::{LabDns, LabRecord};
use crate::domain::{DomainLab, MxCert, MxServerSpec};

/// The zone every name of the world lies in.
pub const ZONE: &str = "bulk.lab.test";

/// The `scenario` of the [`LabError`]s returned by this module.
pub const BULK_LAB: &str = "bulk-lab";

/// The smallest world: enough for every class to appear once.
pub const MIN_DOMAINS: usize = 10;

/// How many good MX hosts the good domains share.
pub const GOOD_HOSTS: usize = 5;

/// Seconds of `--banner-timeout` in [`BulkWorld::check_args`] of a world
/// with tarpits (they never greet: without it each would cost the default
/// 60 s).
pub const TARPIT_BANNER_TIMEOUT: &str = "3";

/// Last octet of the first MX address (127.0.0.150): clear of the addresses
/// the demo (127.0.0.2-4) and the other tests (up to 127.0.0.100) use.
const FIRST_OCTET: u8 = 150;

/// Most connections the tarpit holds at once; more are closed at once.
const TARPIT_MAX: usize = 1024;

/// What is wrong with a target line (or that nothing is).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Class {
    /// MX on one of the good hosts (some domains have a second, backup MX).
    Good,
    /// The MX host's certificate is valid, but for another host name.
    NameMismatch,
    /// The MX host does not offer STARTTLS.
    NoStarttls,
    /// The MX host's A record points at a loopback address where nothing
    /// listens (connection refused).
    DeadAddress,
    /// The MX host has no A/AAAA record (the name does not exist).
    UnreachableMx,
    /// The domain does not exist (NXDOMAIN).
    Nxdomain,
    /// The MX host accepts TCP and never says anything (only with
    /// [`BulkSpec::tarpit`]).
    Tarpit,
    /// Not a domain name at all.
    Invalid,
}

impl Class {
    /// The kebab-case name used in [`Expected::class`].
    pub fn name(self) -> &'static str {
        match self {
            Class::Good => "good",
            Class::NameMismatch => "name-mismatch",
            Class::NoStarttls => "no-starttls",
            Class::DeadAddress => "dead-address",
            Class::UnreachableMx => "unreachable-mx",
            Class::Nxdomain => "nxdomain",
            Class::Tarpit => "tarpit",
            Class::Invalid => "invalid",
        }
    }

    /// Every class, in the order of [`Class::name`]'s match.
    pub const ALL: [Class; 8] = [
        Class::Good,
        Class::NameMismatch,
        Class::NoStarttls,
        Class::DeadAddress,
        Class::UnreachableMx,
        Class::Nxdomain,
        Class::Tarpit,
        Class::Invalid,
    ];

    /// The JSON `verdict.status` and the finding codes a correct check of a
    /// domain of this class reports (see the module docs for how these were
    /// established).
    pub fn expectation(self) -> (&'static str, &'static [&'static str]) {
        match self {
            Class::Good => ("ok", &[]),
            Class::NameMismatch => ("problems", &["cert-name-mismatch"]),
            Class::NoStarttls => ("problems", &["starttls-not-offered"]),
            // The domain's only MX cannot be reached: mail to it cannot be delivered.
            Class::DeadAddress => ("problems", &["mx-unreachable"]),
            // An MX host name without address records (RFC 5321 §5.1).
            Class::UnreachableMx => ("problems", &["mx-host-invalid"]),
            // No MX record: the name is checked as a host, which does not resolve.
            Class::Nxdomain => ("error", &[]),
            // The banner never comes (within the short --banner-timeout of check_args).
            Class::Tarpit => ("problems", &["mx-unreachable"]),
            // Not a name: the bulk mode writes an error object for the line.
            Class::Invalid => ("error", &[]),
        }
    }
}

/// What to build.
#[derive(Debug, Clone)]
pub struct BulkSpec {
    /// Mail domains (at least [`MIN_DOMAINS`]).
    pub domains: usize,
    /// Also a few domains whose MX accepts TCP and never answers.
    pub tarpit: bool,
}

/// What a correct check reports for one target line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Expected {
    /// 1-based line number in the targets file.
    pub line: usize,
    /// The line as written (without the newline).
    pub input: String,
    /// [`Class::name`].
    pub class: &'static str,
    /// "ok" | "warnings" | "problems" | "error", as the JSON `verdict.status`
    /// spells it.
    pub status: &'static str,
    /// Finding codes that must appear.
    pub codes: Vec<&'static str>,
}

/// The running world. Dropping it stops every server.
pub struct BulkWorld {
    pub dns: LabDns,
    pub mx: DomainLab,
    /// The SMTP port of every MX host (and of the tarpit).
    pub port: u16,
    /// The lab root CA (PEM), the trust anchor a check needs.
    pub ca_file: PathBuf,
    /// The targets file, line by line.
    pub lines: Vec<String>,
    /// One entry per target line (blank and comment lines have none), in
    /// file order.
    pub expected: Vec<Expected>,
    /// Every MX host name the world's DNS names, served or not.
    pub mx_hosts: Vec<String>,
    /// The domain names, in file order (each once), with their class.
    pub domains: Vec<(String, Class)>,
    /// MX host -> the class of the domains that use it.
    pub host_class: HashMap<String, Class>,
    /// The tarpit's host name and address, when it runs.
    pub tarpit: Option<(String, SocketAddr)>,
    tarpit_accepted: Arc<AtomicU64>,
    tarpit_tasks: crate::Tasks,
}

impl std::fmt::Debug for BulkWorld {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("BulkWorld")
            .field("dns", &self.dns.addr)
            .field("port", &self.port)
            .field("domains", &self.domains.len())
            .field("lines", &self.lines.len())
            .finish_non_exhaustive()
    }
}

/// The class of the `i`-th domain (0-based): a cycle of 20 in which the
/// first ten hold every broken class, so that even the smallest world has
/// them all; a quarter of the domains are broken (plus a tarpit in one cycle
/// of ten with `tarpit`).
fn class_of(i: usize, tarpit: bool) -> Class {
    match i % 20 {
        1 => Class::NameMismatch,
        3 => Class::NoStarttls,
        5 => Class::DeadAddress,
        7 => Class::UnreachableMx,
        9 => Class::Nxdomain,
        4 if tarpit && (i / 20).is_multiple_of(10) => Class::Tarpit,
        _ => Class::Good,
    }
}

fn v4(last: u8) -> Ipv4Addr {
    Ipv4Addr::new(127, 0, 0, last)
}

fn lab_err(message: String) -> LabError {
    LabError::Bind {
        scenario: BULK_LAB,
        addr: SocketAddr::new(IpAddr::V4(Ipv4Addr::LOCALHOST), 0),
        source: io::Error::new(io::ErrorKind::InvalidInput, message),
    }
}

/// The names and the targets file of a world, without any server: what
/// [`BulkWorld::start`] serves.
#[derive(Debug, Clone)]
struct Plan {
    lines: Vec<String>,
    expected: Vec<Expected>,
    domains: Vec<(String, Class)>,
}

fn plan(spec: &BulkSpec) -> Plan {
    let width = spec.domains.to_string().len().max(4);
    let domains: Vec<(String, Class)> = (0..spec.domains)
        .map(|i| {
            (
                format!("d{:0width$}.{ZONE}", i + 1),
                class_of(i, spec.tarpit),
            )
        })
        .collect();
    let mut lines: Vec<String> = Vec::new();
    let mut expected = Vec::new();
    let target = |lines: &mut Vec<String>, expected: &mut Vec<Expected>, input: &str, class| {
        lines.push(input.to_string());
        let (status, codes) = Class::expectation(class);
        expected.push(Expected {
            line: lines.len(),
            input: input.to_string(),
            class: Class::name(class),
            status,
            codes: codes.to_vec(),
        });
    };
    lines.push(format!(
        "# smtp-tls-doctor bulk lab: {} mail domains in {ZONE}",
        spec.domains
    ));
    lines.push(String::new());
    for (i, (name, class)) in domains.iter().enumerate() {
        if i % 100 == 0 && i > 0 {
            lines.push(format!("# domains {} and up", i + 1));
        }
        target(&mut lines, &mut expected, name, *class);
        let earlier = |back: usize| domains.get(i.wrapping_sub(back));
        match i % 20 {
            2 => lines.push(String::new()),
            4 => target(&mut lines, &mut expected, "not a domain!", Class::Invalid),
            6 => {
                // A duplicate of an earlier line, checked (and reported) again.
                if let Some((dup, dup_class)) = earlier(5) {
                    target(&mut lines, &mut expected, dup, *dup_class);
                }
            }
            7 => lines.push("   # an indented comment".into()),
            8 => target(&mut lines, &mut expected, "a..b", Class::Invalid),
            12 => {
                if let Some((dup, dup_class)) = earlier(12) {
                    target(&mut lines, &mut expected, dup, *dup_class);
                }
            }
            _ => {}
        }
    }
    Plan {
        lines,
        expected,
        domains,
    }
}

impl BulkWorld {
    /// Starts the world: writes the lab CA under `dir`, serves the MX hosts
    /// (127.0.0.150-156, one shared port), the tarpit (127.0.0.158, same
    /// port) with `tarpit`, and the DNS zone on 127.0.0.1 (a port the system
    /// picks). Fails with [`LabError::Bind`] of kind `InvalidInput` for fewer
    /// than [`MIN_DOMAINS`] domains, and of kind `AddrNotAvailable` where
    /// 127.0.0.150 and up cannot be bound (macOS without `ifconfig lo0
    /// alias`).
    pub async fn start(dir: &Path, spec: &BulkSpec) -> Result<BulkWorld, LabError> {
        if spec.domains < MIN_DOMAINS {
            return Err(lab_err(format!(
                "a bulk world has at least {MIN_DOMAINS} domains, not {}",
                spec.domains
            )));
        }
        let plan = plan(spec);

        let good: Vec<String> = (1..=GOOD_HOSTS).map(|k| format!("mx{k}.{ZONE}")).collect();
        let mismatch = format!("mx-mismatch.{ZONE}");
        let nostarttls = format!("mx-nostarttls.{ZONE}");
        let dead = format!("mx-dead.{ZONE}");
        let unreachable = format!("mx-unreachable.{ZONE}");
        let tarpit_host = format!("mx-tarpit.{ZONE}");
        let mut octet = FIRST_OCTET;
        let mut next_addr = || {
            let a = v4(octet);
            octet = octet.saturating_add(1);
            a
        };
        let mut specs = Vec::new();
        let mut host_addr: Vec<(String, Ipv4Addr)> = Vec::new();
        let mut host_class = HashMap::new();
        for name in &good {
            let a = next_addr();
            specs.push(MxServerSpec::new(name, &[IpAddr::V4(a)]));
            host_addr.push((name.clone(), a));
            host_class.insert(name.clone(), Class::Good);
        }
        let a = next_addr();
        let mut bad = MxServerSpec::new(&mismatch, &[IpAddr::V4(a)]);
        bad.cert = MxCert::WrongName(format!("other.{ZONE}"));
        specs.push(bad);
        host_addr.push((mismatch.clone(), a));
        host_class.insert(mismatch.clone(), Class::NameMismatch);
        let a = next_addr();
        let mut plain = MxServerSpec::new(&nostarttls, &[IpAddr::V4(a)]);
        plain.starttls = false;
        specs.push(plain);
        host_addr.push((nostarttls.clone(), a));
        host_class.insert(nostarttls.clone(), Class::NoStarttls);
        // 127.0.0.157: in DNS, nothing listens there.
        let dead_addr = next_addr();
        host_addr.push((dead.clone(), dead_addr));
        host_class.insert(dead.clone(), Class::DeadAddress);
        host_class.insert(unreachable.clone(), Class::UnreachableMx);
        let tarpit_addr = next_addr();

        let mx = DomainLab::start(&dir.join("bulk"), &specs).await?;
        let port = mx.port;

        let tarpit_accepted = Arc::new(AtomicU64::new(0));
        let mut tarpit_tasks = crate::Tasks::default();
        let mut tarpit = None;
        if spec.tarpit {
            let addr = SocketAddr::new(IpAddr::V4(tarpit_addr), port);
            let listener = TcpListener::bind(addr)
                .await
                .map_err(|source| LabError::Bind {
                    scenario: BULK_LAB,
                    addr,
                    source,
                })?;
            tarpit_tasks.push(tokio::spawn(serve_tarpit(
                listener,
                Arc::clone(&tarpit_accepted),
            )));
            host_addr.push((tarpit_host.clone(), tarpit_addr));
            host_class.insert(tarpit_host.clone(), Class::Tarpit);
            tarpit = Some((tarpit_host.clone(), addr));
        }

        let mut records = Vec::new();
        for (host, a) in &host_addr {
            records.push(LabRecord::a(host, *a));
        }
        let mut good_index = 0usize;
        for (name, class) in &plan.domains {
            match class {
                Class::Good => {
                    let k = good_index % GOOD_HOSTS;
                    good_index += 1;
                    if let Some(primary) = good.get(k) {
                        records.push(LabRecord::mx(name, 10, primary));
                    }
                    // Every third good domain has a backup MX on the next host.
                    if good_index.is_multiple_of(3)
                        && let Some(backup) = good.get((k + 1) % GOOD_HOSTS)
                    {
                        records.push(LabRecord::mx(name, 20, backup));
                    }
                }
                Class::NameMismatch => records.push(LabRecord::mx(name, 10, &mismatch)),
                Class::NoStarttls => records.push(LabRecord::mx(name, 10, &nostarttls)),
                Class::DeadAddress => records.push(LabRecord::mx(name, 10, &dead)),
                Class::UnreachableMx => records.push(LabRecord::mx(name, 10, &unreachable)),
                Class::Tarpit => records.push(LabRecord::mx(name, 10, &tarpit_host)),
                Class::Nxdomain | Class::Invalid => {}
            }
        }
        let dns = LabDns::start_zones(
            SocketAddr::new(IpAddr::V4(Ipv4Addr::LOCALHOST), 0),
            &[ZONE],
            records,
        )
        .await?;

        let mut mx_hosts = good.clone();
        mx_hosts.extend([mismatch, nostarttls, dead, unreachable]);
        if spec.tarpit {
            mx_hosts.push(tarpit_host);
        }
        let ca_file = mx.ca_file.clone();
        Ok(BulkWorld {
            dns,
            mx,
            port,
            ca_file,
            lines: plan.lines,
            expected: plan.expected,
            mx_hosts,
            domains: plan.domains,
            host_class,
            tarpit,
            tarpit_accepted,
            tarpit_tasks,
        })
    }

    /// The targets file: the lines joined with '\n', and a final newline.
    pub fn targets_text(&self) -> String {
        let mut text = self.lines.join("\n");
        text.push('\n');
        text
    }

    /// The flags a check of this world needs: its DNS server, its SMTP
    /// port, its CA, no AIA fetch (nothing leaves loopback), and with a
    /// tarpit a short `--banner-timeout` ([`TARPIT_BANNER_TIMEOUT`]).
    pub fn check_args(&self) -> Vec<String> {
        let mut args = vec![
            "--dns".to_string(),
            self.dns.addr.to_string(),
            "--port".to_string(),
            self.port.to_string(),
            "--ca-file".to_string(),
            self.ca_file.display().to_string(),
            "--no-fetch".to_string(),
        ];
        if self.tarpit.is_some() {
            args.push("--banner-timeout".into());
            args.push(TARPIT_BANNER_TIMEOUT.into());
        }
        args
    }

    /// TCP connections accepted so far by the MX host `mx` (the tarpit
    /// included); None for a host nothing serves (the dead and the
    /// unreachable ones) and unknown names.
    pub fn connections_to(&self, mx: &str) -> Option<u64> {
        match &self.tarpit {
            Some((host, _)) if host.eq_ignore_ascii_case(mx) => {
                Some(self.tarpit_accepted.load(Ordering::Relaxed))
            }
            _ => self.mx.connections(mx),
        }
    }

    /// The expected results as a JSON array of
    /// `{"line","input","class","status","codes"}` (the file `lab --bulk`
    /// writes next to the targets).
    pub fn expected_json(&self) -> String {
        let mut out = String::from("[\n");
        for (i, e) in self.expected.iter().enumerate() {
            let codes: Vec<String> = e.codes.iter().map(|c| json_string(c)).collect();
            let _ = write!(
                out,
                "  {{\"line\": {}, \"input\": {}, \"class\": {}, \"status\": {}, \"codes\": [{}]}}",
                e.line,
                json_string(&e.input),
                json_string(e.class),
                json_string(e.status),
                codes.join(", ")
            );
            out.push_str(if i + 1 < self.expected.len() {
                ",\n"
            } else {
                "\n"
            });
        }
        out.push_str("]\n");
        out
    }

    /// One line per MX host: its name, class and the connections it
    /// accepted ("-" where nothing listens).
    pub fn connections_report(&self) -> String {
        let mut out = String::new();
        for host in &self.mx_hosts {
            let class = self.host_class.get(host).map(|c| c.name()).unwrap_or("?");
            let n = self
                .connections_to(host)
                .map(|n| n.to_string())
                .unwrap_or_else(|| "-".into());
            let _ = writeln!(out, "{host}\t{class}\t{n}");
        }
        out
    }

    /// Stops every server and waits until their tasks have ended.
    pub async fn shutdown(mut self) {
        self.tarpit_tasks.stop().await;
        self.dns.shutdown().await;
        self.mx.shutdown().await;
    }
}

/// A JSON string literal.
fn json_string(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            c if u32::from(c) < 0x20 => {
                let _ = write!(out, "\\u{:04x}", u32::from(c));
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// The tarpit: accepts, never writes, reads and discards until the client
/// closes. Connection tasks live in a JoinSet owned by this task, so
/// aborting it also closes every connection.
async fn serve_tarpit(listener: TcpListener, accepted: Arc<AtomicU64>) {
    let mut connections = JoinSet::new();
    loop {
        match listener.accept().await {
            Ok((tcp, _peer)) => {
                accepted.fetch_add(1, Ordering::Relaxed);
                while connections.try_join_next().is_some() {}
                if connections.len() >= TARPIT_MAX {
                    drop(tcp);
                    continue;
                }
                connections.spawn(hold(tcp));
            }
            Err(_) => tokio::time::sleep(std::time::Duration::from_millis(50)).await,
        }
    }
}

async fn hold(mut tcp: TcpStream) {
    let mut buf = [0u8; 512];
    // Up to 10 minutes of silence, then the connection is dropped.
    let _ = tokio::time::timeout(std::time::Duration::from_secs(600), async {
        while matches!(tcp.read(&mut buf).await, Ok(n) if n > 0) {}
    })
    .await;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plan_is_deterministic_and_complete() {
        let spec = BulkSpec {
            domains: 10,
            tarpit: true,
        };
        let p = plan(&spec);
        let q = plan(&spec);
        assert_eq!(p.lines, q.lines);
        for class in Class::ALL {
            assert!(
                p.expected.iter().any(|e| e.class == class.name()),
                "{class:?} missing"
            );
        }
        let targets = p
            .lines
            .iter()
            .filter(|l| !l.trim().is_empty() && !l.trim_start().starts_with('#'))
            .count();
        assert_eq!(targets, p.expected.len());
        for e in &p.expected {
            assert_eq!(p.lines.get(e.line - 1), Some(&e.input));
        }
    }

    #[test]
    fn names_widen_past_9999() {
        let p = plan(&BulkSpec {
            domains: 10_000,
            tarpit: false,
        });
        assert_eq!(
            p.domains.first().map(|d| d.0.as_str()),
            Some("d00001.bulk.lab.test")
        );
        assert_eq!(
            p.domains.last().map(|d| d.0.as_str()),
            Some("d10000.bulk.lab.test")
        );
        assert!(!p.expected.iter().any(|e| e.class == "tarpit"));
    }

    #[test]
    fn json_is_escaped() {
        assert_eq!(json_string("a\"b\\c\n"), "\"a\\\"b\\\\c\\u000a\"");
    }
}
