//! DNS side of the test harness, loopback only: never the system resolver.
//!
//! * [`DnsLab`]: a real authoritative server (NSD) serving zones the test writes, some of them
//!   DNSSEC-signed with `ldns-signzone` (ECDSAP256SHA256), and a validating resolver (Unbound)
//!   whose only upstream is that NSD, with a trust anchor for each signed zone, so answers from
//!   signed zones carry AD=1 and those from unsigned zones AD=0.
//! * [`BadDns`]: a misbehaving DNS server on UDP and TCP (same port) for "bad DNS answers" tests.
//! * [`query`] and friends: a small DNS client (EDNS0, DO=1, AD=1 in the query) whose messages
//!   hickory-proto builds and parses; [`BadDns`] answers with hickory-proto messages too.
//!
//! Needs the Debian packages `nsd`, `unbound` and `ldnsutils` ([`DNS_LAB`], [`DNS_LAB_SIGNED`]:
//! tests check them with `require` first; `bash scripts/test` installs them). Every
//! [`DnsLab::start`] is independent: own temp dir, own ports, own processes; they may run in
//! parallel. Set `DNSLAB_KEEP=1` to keep the temp dirs (configs, zones, logs) for a post-mortem.

use std::fmt::Write as _;
use std::io::{ErrorKind, Read, Write};
use std::net::{Ipv4Addr, Ipv6Addr, SocketAddr, TcpListener, TcpStream, UdpSocket};
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU32, AtomicUsize, Ordering};
use std::thread::JoinHandle;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use hickory_proto::op::{Edns, Header, Message, MessageType, OpCode, Query, ResponseCode};
use hickory_proto::rr::{Name, RData, Record};
use hickory_proto::serialize::binary::{BinDecodable, BinDecoder, BinEncodable};

use super::host::{Need, program};

pub use hickory_proto::rr::RecordType;

/// What [`DnsLab::start`] needs from the machine for unsigned zones ...
pub const DNS_LAB: &[Need] = &[Need::Nsd, Need::Unbound];
/// ... and for signed ones.
pub const DNS_LAB_SIGNED: &[Need] = &[Need::Nsd, Need::Unbound, Need::Ldns];

/// NSD and Unbound bind their ports themselves (neither can be handed a socket): a port picked
/// free may be taken before they bind it, and the start is tried again on another port.
const START_ATTEMPTS: u32 = 5;
/// How long [`DnsLab::start`] waits for each server to answer before it panics.
const READY_TIMEOUT: Duration = Duration::from_secs(10);
/// The owner name (relative to each zone) of the harness's NS record target.
pub const NS_LABEL: &str = "dnslab-ns";
/// A line of [`ZoneSpec::records`] whose comment contains this marker is served with broken
/// signatures in a signed zone: the resolver answers SERVFAIL (DNSSEC bogus) for that RRset.
pub const BOGUS_MARKER: &str = "dnslab:bogus";

/// One zone served by the [`DnsLab`].
#[derive(Clone, Debug)]
pub struct ZoneSpec {
    /// The zone's origin, e.g. "example.test" (a trailing dot is allowed).
    pub origin: String,
    /// Zone-file lines, names relative to the origin or absolute with a trailing dot. The
    /// harness adds `$ORIGIN`, `$TTL 3600`, the SOA, `@ NS dnslab-ns` and `dnslab-ns A
    /// 127.0.0.1` before them, so the first line must name its owner (no leading blank).
    /// In a signed zone, append `; dnslab:bogus` to a record to make its RRset bogus.
    pub records: String,
    /// Sign the zone (one ECDSAP256SHA256 key, flags 257, used as a CSK; NSEC).
    pub signed: bool,
}

/// A running authoritative server and validating resolver on loopback.
pub struct DnsLab {
    /// The authoritative server (nsd), 127.0.0.1:<port>, UDP and TCP.
    pub auth: SocketAddr,
    /// The validating resolver (unbound), 127.0.0.1:<port>, UDP and TCP.
    pub resolver: SocketAddr,
    /// The DNSKEY records (KSKs) of all signed zones, one per line in presentation format
    /// (`example.test. 3600 IN DNSKEY 257 3 13 <base64>`). Empty if no zone is signed.
    pub trust_anchor: PathBuf,
    /// The lab's temp dir: configs, zone files, keys and the logs of both servers.
    pub dir: PathBuf,
    /// The SOA serial of every zone of this lab (unique per lab; readiness checks it).
    pub serial: u32,
    // Declared before `_tmp`: the processes die before their directory is removed.
    nsd: Daemon,
    unbound: Daemon,
    _tmp: Option<tempfile::TempDir>,
}

impl DnsLab {
    /// Writes the zones, signs the signed ones (ECDSAP256SHA256, algorithm 13), starts nsd and
    /// unbound on free loopback ports, and waits until both answer for every zone (signed zones
    /// with AD=1 through the resolver). Panics with the servers' logs on failure.
    pub fn start(zones: &[ZoneSpec]) -> DnsLab {
        let tmp = tempfile::Builder::new()
            .prefix("smtp-tls-doctor-dnslab-")
            .tempdir()
            .expect("create the DNS lab's temp dir");
        let dir = tmp.path().to_path_buf();
        let serial = unique_serial();
        let trust_anchor = dir.join("trust-anchors.keys");
        let mut anchors = String::new();
        let mut zone_files = Vec::new();
        for (i, z) in zones.iter().enumerate() {
            let origin = normalize_origin(&z.origin);
            let zdir = dir.join(format!("zone{i}"));
            std::fs::create_dir_all(&zdir).expect("create a zone dir");
            let text = zone_text(&origin, serial, &z.records);
            let plain = zdir.join("zone");
            std::fs::write(&plain, &text).expect("write a zone file");
            let served = if z.signed {
                let (signed, anchor) = sign_zone(&origin, &zdir, &plain);
                corrupt_bogus(&origin, &z.records, &signed);
                anchors.push_str(&anchor);
                anchors.push('\n');
                signed
            } else {
                plain
            };
            check_zone(&origin, &served);
            zone_files.push((origin, z.signed, served));
        }
        std::fs::write(&trust_anchor, &anchors).expect("write the trust anchors");

        let (nsd, auth) = start_with_retries(
            "nsd",
            &dir,
            |port| spawn_nsd(&dir, port, &zone_files),
            |_, addr| {
                for (origin, _, _) in &zone_files {
                    match try_query(
                        addr,
                        origin,
                        RecordType::SOA,
                        Transport::Udp,
                        Duration::from_millis(200),
                    ) {
                        // Our serial: our nsd, not another process that got the port first.
                        Ok(a) if a.rcode == 0 && a.aa && a.soa_serial() == Some(serial) => {}
                        // Not up yet, or (REFUSED) the zone did not load: the timeout's panic
                        // shows nsd's log.
                        _ => return Ready::NotYet,
                    }
                }
                if zone_files.is_empty() {
                    // No zone to ask for: any answer will do.
                    if try_query(
                        addr,
                        ".",
                        RecordType::SOA,
                        Transport::Udp,
                        Duration::from_millis(200),
                    )
                    .is_err()
                    {
                        return Ready::NotYet;
                    }
                }
                Ready::Yes
            },
        );

        let (unbound, resolver) = start_with_retries(
            "unbound",
            &dir,
            |port| spawn_unbound(&dir, port, auth, &trust_anchor, &zone_files),
            |_, addr| {
                for (origin, signed, _) in &zone_files {
                    match try_query(
                        addr,
                        origin,
                        RecordType::SOA,
                        Transport::Udp,
                        Duration::from_millis(500),
                    ) {
                        Ok(a) if a.rcode == 0 && a.soa_serial() == Some(serial) => {
                            if a.ad != *signed {
                                return Ready::Fatal(format!(
                                    "unbound answers the SOA of {origin} with AD={} but the zone is {}: {a:?}",
                                    a.ad,
                                    if *signed { "signed" } else { "unsigned" }
                                ));
                            }
                        }
                        _ => return Ready::NotYet,
                    }
                }
                if zone_files.is_empty()
                    && try_query(
                        addr,
                        ".",
                        RecordType::SOA,
                        Transport::Udp,
                        Duration::from_millis(200),
                    )
                    .is_err()
                {
                    return Ready::NotYet;
                }
                Ready::Yes
            },
        );

        let keep = std::env::var_os("DNSLAB_KEEP").is_some_and(|v| !v.is_empty() && v != "0");
        let tmp = if keep {
            eprintln!("DNSLAB_KEEP: keeping {}", dir.display());
            let _ = tmp.keep();
            None
        } else {
            Some(tmp)
        };
        DnsLab {
            auth,
            resolver,
            trust_anchor,
            dir,
            serial,
            nsd,
            unbound,
            _tmp: tmp,
        }
    }

    /// Both servers' logs, for a test's failure message.
    pub fn logs(&self) -> String {
        format!("{}\n{}", self.nsd.logs(), self.unbound.logs())
    }
}

impl Drop for DnsLab {
    fn drop(&mut self) {
        // Unbound first (else it may log errors about a dead nsd), then nsd; both process
        // groups are killed and reaped before the temp dir goes.
        self.unbound.stop();
        self.nsd.stop();
    }
}

/// Lines for an RRset of `records` TXT records at `owner`, each with `strings` character-strings
/// of 255 bytes (distinct content): `big_txt_records("big", 5, 4)` is about 5 KB, over any UDP
/// payload size, so a UDP answer comes back with TC=1.
pub fn big_txt_records(owner: &str, records: usize, strings: usize) -> String {
    let mut out = String::new();
    for r in 0..records {
        let _ = write!(out, "{owner} IN TXT");
        for s in 0..strings {
            let fill = (b'a' + ((r * strings + s) % 26) as u8) as char;
            let head = format!("r{r}s{s}-");
            let body: String = std::iter::repeat_n(fill, 255 - head.len()).collect();
            let _ = write!(out, " \"{head}{body}\"");
        }
        out.push('\n');
    }
    out
}

// ---------------------------------------------------------------------------------------------
// Zones and signing

fn normalize_origin(origin: &str) -> String {
    let o = origin.trim().trim_end_matches('.');
    assert!(!o.is_empty(), "a ZoneSpec needs a non-root origin");
    o.to_string()
}

fn unique_serial() -> u32 {
    static COUNTER: AtomicU32 = AtomicU32::new(0);
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.subsec_nanos())
        .unwrap_or(0);
    let mixed = nanos
        ^ std::process::id().rotate_left(16)
        ^ COUNTER
            .fetch_add(1, Ordering::Relaxed)
            .wrapping_mul(0x9E37_79B9);
    // Serials are compared as numbers; keep them in 1..2^31 for sanity.
    (mixed & 0x7FFF_FFFF).max(1)
}

fn zone_text(origin: &str, serial: u32, records: &str) -> String {
    format!(
        "$ORIGIN {origin}.\n$TTL 3600\n\
         @ IN SOA {NS_LABEL}.{origin}. hostmaster.{origin}. {serial} 3600 900 604800 300\n\
         @ IN NS {NS_LABEL}\n\
         {NS_LABEL} IN A 127.0.0.1\n\
         ; --- records of the test ---\n\
         {records}\n"
    )
}

fn run_tool(cmd: &mut Command, what: &str) -> String {
    let out = cmd
        .output()
        .unwrap_or_else(|e| panic!("{what}: cannot run {cmd:?}: {e} (is the Debian package installed? ldns-* come with `ldnsutils`, nsd-* with `nsd`)"));
    if !out.status.success() {
        panic!(
            "{what}: {cmd:?} failed ({}):\n{}{}",
            out.status,
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
    }
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// Signs `plain` with a fresh key; returns the signed file and the trust anchor line.
fn sign_zone(origin: &str, zdir: &Path, plain: &Path) -> (PathBuf, String) {
    let base = run_tool(
        Command::new(tool("ldns-keygen"))
            .args(["-a", "ECDSAP256SHA256", "-k", "-r", "/dev/urandom", origin])
            .current_dir(zdir),
        &format!("key for {origin}"),
    )
    .trim()
    .to_string();
    let key_file = zdir.join(format!("{base}.key"));
    let key = std::fs::read_to_string(&key_file)
        .unwrap_or_else(|e| panic!("read {}: {e}", key_file.display()));
    // "example.test.\tIN\tDNSKEY\t257 3 13 <base64> ;{id = ...}"
    let fields: Vec<&str> = key
        .split(';')
        .next()
        .unwrap_or("")
        .split_whitespace()
        .collect();
    let anchor = match fields.as_slice() {
        [owner, "IN", "DNSKEY", flags, proto, alg, b64 @ ..] if !b64.is_empty() => {
            format!(
                "{owner} 3600 IN DNSKEY {flags} {proto} {alg} {}",
                b64.concat()
            )
        }
        _ => panic!(
            "unexpected ldns-keygen output in {}: {key}",
            key_file.display()
        ),
    };
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .expect("clock after 1970")
        .as_secs();
    let signed = zdir.join("zone.signed");
    run_tool(
        Command::new(tool("ldns-signzone"))
            .arg("-i")
            .arg((now - 86_400).to_string())
            .arg("-e")
            .arg((now + 30 * 86_400).to_string())
            .arg("-f")
            .arg(&signed)
            .arg(plain)
            .arg(&base)
            .current_dir(zdir),
        &format!("sign {origin}"),
    );
    (signed, anchor)
}

/// Breaks the signature of every RRSIG covering a record marked with [`BOGUS_MARKER`].
fn corrupt_bogus(origin: &str, records: &str, signed: &Path) {
    let mut targets: Vec<(String, String)> = Vec::new(); // (absolute owner, type), lowercase
    let mut last_owner = format!("{origin}.");
    for line in records.lines() {
        let (data, comment) = line.split_once(';').unwrap_or((line, ""));
        if data.trim().is_empty() || data.trim_start().starts_with('$') {
            continue;
        }
        let mut toks = data.split_whitespace();
        let owner = if data.starts_with(char::is_whitespace) {
            last_owner.clone()
        } else {
            let o = toks.next().unwrap_or("@");
            if o == "@" {
                format!("{origin}.")
            } else if o.ends_with('.') {
                o.to_string()
            } else {
                format!("{o}.{origin}.")
            }
        };
        last_owner = owner.clone();
        if !comment.contains(BOGUS_MARKER) {
            continue;
        }
        // Skip TTL and class to reach the type.
        let ty = toks
            .find(|t| {
                !t.chars().all(|c| c.is_ascii_digit())
                    && !matches!(t.to_ascii_uppercase().as_str(), "IN" | "CH" | "HS")
            })
            .unwrap_or_else(|| panic!("cannot find the type of the bogus record {line:?}"));
        targets.push((owner.to_ascii_lowercase(), ty.to_ascii_uppercase()));
    }
    if targets.is_empty() {
        return;
    }
    let text = std::fs::read_to_string(signed).expect("read the signed zone");
    let mut hits = vec![false; targets.len()];
    let mut out = String::with_capacity(text.len());
    for line in text.lines() {
        let toks: Vec<&str> = line.split_whitespace().collect();
        // "owner. TTL IN RRSIG TYPE alg labels ttl exp inc tag signer sig"
        let mut new_line = line.to_string();
        if toks.len() >= 13 && toks[3] == "RRSIG" {
            let key = (toks[0].to_ascii_lowercase(), toks[4].to_ascii_uppercase());
            if let Some(i) = targets.iter().position(|t| *t == key) {
                hits[i] = true;
                let sig = toks[12..].concat();
                // Flip one base64 digit in the middle of the signature.
                let mut b: Vec<u8> = sig.into_bytes();
                let mid = b.len() / 2;
                b[mid] = if b[mid] == b'A' { b'B' } else { b'A' };
                new_line = format!("{} {}", toks[..12].join(" "), String::from_utf8(b).unwrap());
            }
        }
        out.push_str(&new_line);
        out.push('\n');
    }
    for (i, hit) in hits.iter().enumerate() {
        assert!(
            *hit,
            "no RRSIG found for the bogus record {:?} in {}",
            targets[i],
            signed.display()
        );
    }
    std::fs::write(signed, out).expect("rewrite the signed zone");
}

/// A program by name, found as the tests' requirement checks find it (PATH, then the sbin
/// dirs, where nsd and unbound live and which a non-root PATH may lack).
fn tool(name: &str) -> PathBuf {
    program(name).unwrap_or_else(|| PathBuf::from(name))
}

fn check_zone(origin: &str, file: &Path) {
    run_tool(
        Command::new(tool("nsd-checkzone")).arg(origin).arg(file),
        &format!("check zone {origin}"),
    );
}

// ---------------------------------------------------------------------------------------------
// Processes

#[allow(non_camel_case_types)]
type pid_t = i32;
const SIGKILL: i32 = 9;
const PR_SET_PDEATHSIG: i32 = 1;
unsafe extern "C" {
    fn kill(pid: pid_t, sig: i32) -> i32;
    fn prctl(option: i32, arg2: u64, arg3: u64, arg4: u64, arg5: u64) -> i32;
}

type SpawnRequest = (Command, std::sync::mpsc::Sender<std::io::Result<Child>>);

/// Spawns `cmd` from one thread that lives as long as the test process, with
/// PR_SET_PDEATHSIG=SIGKILL: the servers die with the test process even when no Drop runs (a
/// lab kept in a static, a test binary killed on a timeout). The death signal follows the
/// spawning *thread*, hence the one long-lived thread rather than the caller's (test threads
/// end). nsd's own forks shut down when the process we spawned dies.
fn spawn_tied_to_process(mut cmd: Command) -> std::io::Result<Child> {
    static SPAWNER: std::sync::OnceLock<std::sync::Mutex<std::sync::mpsc::Sender<SpawnRequest>>> =
        std::sync::OnceLock::new();
    let tx = SPAWNER.get_or_init(|| {
        let (tx, rx) = std::sync::mpsc::channel::<SpawnRequest>();
        std::thread::Builder::new()
            .name("dnslab-spawner".into())
            .spawn(move || {
                for (mut cmd, reply) in rx {
                    // SAFETY: prctl is async-signal-safe; nothing else runs between fork and exec.
                    unsafe {
                        cmd.pre_exec(|| {
                            if prctl(PR_SET_PDEATHSIG, SIGKILL as u64, 0, 0, 0) != 0 {
                                return Err(std::io::Error::last_os_error());
                            }
                            Ok(())
                        });
                    }
                    let _ = reply.send(cmd.spawn());
                }
            })
            .expect("spawn the dnslab spawner thread");
        std::sync::Mutex::new(tx)
    });
    let (reply_tx, reply_rx) = std::sync::mpsc::channel();
    cmd.process_group(0);
    tx.lock()
        .unwrap_or_else(|e| e.into_inner())
        .send((cmd, reply_tx))
        .expect("the dnslab spawner thread is gone");
    reply_rx.recv().expect("the dnslab spawner thread is gone")
}

/// A server process in its own process group (nsd forks: xfrd and server children).
struct Daemon {
    name: &'static str,
    child: Option<Child>,
    logs: Vec<PathBuf>,
}

impl Daemon {
    fn alive(&mut self) -> bool {
        match &mut self.child {
            Some(c) => matches!(c.try_wait(), Ok(None)),
            None => false,
        }
    }

    fn logs(&self) -> String {
        let mut s = String::new();
        for p in &self.logs {
            let text = std::fs::read_to_string(p).unwrap_or_else(|e| format!("(unreadable: {e})"));
            let _ = write!(
                s,
                "--- {} ({}):\n{}\n",
                self.name,
                p.display(),
                text.trim_end()
            );
        }
        s
    }

    fn stop(&mut self) {
        if let Some(mut c) = self.child.take() {
            // The group id is the child's pid; the child is not reaped yet (at worst a zombie),
            // so that id cannot have been reused.
            let pgid = c.id() as pid_t;
            // SAFETY: plain libc call with a negative pid = our own child's process group.
            unsafe {
                kill(-pgid, SIGKILL);
            }
            let _ = c.wait();
        }
    }
}

impl Drop for Daemon {
    fn drop(&mut self) {
        self.stop();
    }
}

fn spawn_logged(
    name: &'static str,
    dir: &Path,
    mut cmd: Command,
    extra_log: Option<PathBuf>,
) -> Daemon {
    let out_path = dir.join(format!("{name}.out"));
    let out = std::fs::File::create(&out_path).expect("create a log file");
    let err = out.try_clone().expect("clone a log file");
    cmd.stdin(Stdio::null())
        .stdout(out)
        .stderr(err)
        .current_dir(dir);
    let shown = format!("{cmd:?}");
    let child = spawn_tied_to_process(cmd).unwrap_or_else(|e| {
        panic!("cannot start {name} ({shown}): {e} (is the Debian package `{name}` installed?)")
    });
    let mut logs = vec![out_path];
    logs.extend(extra_log);
    Daemon {
        name,
        child: Some(child),
        logs,
    }
}

enum Ready {
    Yes,
    NotYet,
    Fatal(String),
}

/// Starts a server on a free port, retrying on another port ([`START_ATTEMPTS`] in all) if the
/// port was taken in between, and waits until `ready` says so.
fn start_with_retries(
    name: &str,
    dir: &Path,
    mut spawn: impl FnMut(u16) -> Daemon,
    mut ready: impl FnMut(&mut Daemon, SocketAddr) -> Ready,
) -> (Daemon, SocketAddr) {
    let mut failures = String::new();
    for attempt in 1..=START_ATTEMPTS {
        let port = free_port();
        let addr = SocketAddr::from((Ipv4Addr::LOCALHOST, port));
        let mut d = spawn(port);
        let deadline = Instant::now() + READY_TIMEOUT;
        loop {
            if !d.alive() {
                let logs = d.logs();
                d.stop();
                if logs.contains("already in use") && attempt < START_ATTEMPTS {
                    let _ = write!(failures, "attempt {attempt}: port {port} taken\n{logs}\n");
                    break; // retry with another port
                }
                panic!(
                    "{name} exited before it answered (port {port}, dir {}):\n{failures}{logs}",
                    dir.display()
                );
            }
            match ready(&mut d, addr) {
                Ready::Yes => {
                    // Our process answered, not another one that held the port: the SOA serial
                    // is ours; and our process is still up.
                    if d.alive() {
                        return (d, addr);
                    }
                }
                Ready::NotYet => {}
                Ready::Fatal(msg) => {
                    let logs = d.logs();
                    d.stop();
                    panic!("{name} is not serving as expected: {msg}\n{logs}");
                }
            }
            if Instant::now() > deadline {
                let logs = d.logs();
                d.stop();
                panic!(
                    "{name} did not answer within {READY_TIMEOUT:?} on {addr} (dir {}):\n{failures}{logs}",
                    dir.display()
                );
            }
            std::thread::sleep(Duration::from_millis(10));
        }
    }
    unreachable!("the last attempt either returns or panics")
}

/// A port free on 127.0.0.1 for both UDP and TCP at the time of the call.
pub fn free_port() -> u16 {
    for _ in 0..50 {
        let udp =
            UdpSocket::bind((Ipv4Addr::LOCALHOST, 0)).expect("bind a UDP socket on 127.0.0.1");
        let port = udp.local_addr().expect("local addr").port();
        if TcpListener::bind((Ipv4Addr::LOCALHOST, port)).is_ok() {
            return port;
        }
    }
    panic!("no port free for both UDP and TCP on 127.0.0.1 after 50 tries");
}

fn spawn_nsd(dir: &Path, port: u16, zones: &[(String, bool, PathBuf)]) -> Daemon {
    let d = dir.display();
    let log = dir.join("nsd.log");
    // A new log per attempt: the retry decision reads it.
    let _ = std::fs::remove_file(&log);
    let mut conf = format!(
        "server:\n\
         \x20 ip-address: 127.0.0.1\n\
         \x20 port: {port}\n\
         \x20 do-ip4: yes\n\
         \x20 do-ip6: no\n\
         \x20 reuseport: no\n\
         \x20 username: \"\"\n\
         \x20 chroot: \"\"\n\
         \x20 zonesdir: \"{d}\"\n\
         \x20 database: \"\"\n\
         \x20 zonelistfile: \"{d}/nsd.zonelist\"\n\
         \x20 xfrdfile: \"{d}/nsd.xfrd.state\"\n\
         \x20 xfrdir: \"{d}\"\n\
         \x20 pidfile: \"\"\n\
         \x20 logfile: \"{}\"\n\
         \x20 server-count: 1\n\
         \x20 verbosity: 1\n\
         \x20 hide-version: yes\n\
         \x20 refuse-any: no\n\
         remote-control:\n\
         \x20 control-enable: no\n",
        log.display()
    );
    for (origin, _, file) in zones {
        let _ = write!(
            conf,
            "zone:\n  name: \"{origin}\"\n  zonefile: \"{}\"\n",
            file.display()
        );
    }
    let conf_path = dir.join("nsd.conf");
    std::fs::write(&conf_path, conf).expect("write nsd.conf");
    let mut cmd = Command::new(tool("nsd"));
    cmd.arg("-d").arg("-c").arg(&conf_path);
    spawn_logged("nsd", dir, cmd, Some(log))
}

fn spawn_unbound(
    dir: &Path,
    port: u16,
    auth: SocketAddr,
    trust_anchor: &Path,
    zones: &[(String, bool, PathBuf)],
) -> Daemon {
    let d = dir.display();
    let stub = format!("{}@{}", auth.ip(), auth.port());
    let mut conf = format!(
        "server:\n\
         \x20 interface: 127.0.0.1\n\
         \x20 port: {port}\n\
         \x20 do-ip4: yes\n\
         \x20 do-ip6: no\n\
         \x20 do-udp: yes\n\
         \x20 do-tcp: yes\n\
         \x20 so-reuseport: no\n\
         \x20 username: \"\"\n\
         \x20 chroot: \"\"\n\
         \x20 directory: \"{d}\"\n\
         \x20 pidfile: \"\"\n\
         \x20 use-syslog: no\n\
         \x20 logfile: \"\"\n\
         \x20 log-time-ascii: yes\n\
         \x20 verbosity: 1\n\
         \x20 val-log-level: 2\n\
         \x20 log-servfail: yes\n\
         \x20 num-threads: 1\n\
         \x20 outgoing-range: 64\n\
         \x20 num-queries-per-thread: 32\n\
         \x20 msg-cache-size: 1m\n\
         \x20 rrset-cache-size: 1m\n\
         \x20 key-cache-size: 1m\n\
         \x20 neg-cache-size: 1m\n\
         \x20 infra-cache-numhosts: 64\n\
         \x20 do-not-query-localhost: no\n\
         \x20 access-control: 127.0.0.0/8 allow\n\
         \x20 module-config: \"validator iterator\"\n\
         \x20 trust-anchor-signaling: no\n\
         \x20 root-key-sentinel: no\n\
         \x20 qname-minimisation: no\n\
         \x20 aggressive-nsec: no\n\
         \x20 prefetch: no\n\
         \x20 harden-referral-path: no\n\
         \x20 # Nothing outside the lab's zones: REFUSED, never the internet.\n\
         \x20 local-zone: \".\" refuse\n\
         \x20 local-zone: \"test.\" nodefault\n\
         \x20 local-zone: \"invalid.\" nodefault\n"
    );
    if zones.iter().any(|z| z.1) {
        let _ = writeln!(conf, "  trust-anchor-file: \"{}\"", trust_anchor.display());
    }
    for (origin, signed, _) in zones {
        let _ = writeln!(conf, "  local-zone: \"{origin}.\" transparent");
        if !signed {
            let _ = writeln!(conf, "  domain-insecure: \"{origin}.\"");
        }
    }
    for (origin, _, _) in zones {
        let _ = write!(
            conf,
            "stub-zone:\n  name: \"{origin}.\"\n  stub-addr: {stub}\n"
        );
    }
    // Even the root is the lab's nsd: whatever unbound looks up, it asks no one else.
    let _ = write!(conf, "stub-zone:\n  name: \".\"\n  stub-addr: {stub}\n");
    conf.push_str("remote-control:\n  control-enable: no\n");
    let conf_path = dir.join("unbound.conf");
    std::fs::write(&conf_path, conf).expect("write unbound.conf");
    let mut cmd = Command::new(tool("unbound"));
    cmd.arg("-d").arg("-c").arg(&conf_path);
    spawn_logged("unbound", dir, cmd, None)
}

// ---------------------------------------------------------------------------------------------
// A small DNS client: messages built and parsed by hickory-proto, sockets and timeouts here.

/// One resource record of an answer.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RawRecord {
    /// Absolute owner name with a trailing dot, as sent (case kept).
    pub name: String,
    pub rtype: RecordType,
    pub class: u16,
    pub ttl: u32,
    /// The record data as hickory-proto encodes it (names uncompressed).
    pub rdata: Vec<u8>,
    /// Presentation form of the data for A, AAAA, NS, CNAME, MX, TXT, SOA and TLSA (names
    /// absolute with a trailing dot, TXT strings quoted, TLSA data in lowercase hex); other
    /// types: `\# <len> <hex>`.
    pub data: String,
}

/// A parsed DNS response.
#[derive(Clone)]
pub struct RawAnswer {
    pub id: u16,
    /// The response code, with the EDNS extended bits when the whole message parsed.
    pub rcode: u16,
    pub aa: bool,
    pub tc: bool,
    pub rd: bool,
    pub ra: bool,
    pub ad: bool,
    pub cd: bool,
    /// ANCOUNT from the header.
    pub answer_count: u16,
    /// The answer section (empty when a truncated answer does not parse whole).
    pub answers: Vec<RawRecord>,
    pub authority: Vec<RawRecord>,
    /// The additional section without the OPT record.
    pub additional: Vec<RawRecord>,
    /// Whether the answer had an EDNS0 OPT record, and its DO bit.
    pub edns: bool,
    pub do_bit: bool,
    /// The whole message as received.
    pub wire: Vec<u8>,
}

impl std::fmt::Debug for RawAnswer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let rrs = |v: &[RawRecord]| -> Vec<String> {
            v.iter()
                .map(|r| format!("{} {} {} {}", r.name, r.ttl, r.rtype, r.data))
                .collect()
        };
        f.debug_struct("RawAnswer")
            .field("id", &self.id)
            .field("rcode", &self.rcode)
            .field("aa", &self.aa)
            .field("tc", &self.tc)
            .field("ra", &self.ra)
            .field("ad", &self.ad)
            .field("answer_count", &self.answer_count)
            .field("answers", &rrs(&self.answers))
            .field("authority", &rrs(&self.authority))
            .field("edns", &self.edns)
            .field("wire_len", &self.wire.len())
            .finish()
    }
}

impl RawAnswer {
    /// `data` of the answer records of this type, in order.
    pub fn data_of(&self, rtype: RecordType) -> Vec<String> {
        self.answers
            .iter()
            .filter(|r| r.rtype == rtype)
            .map(|r| r.data.clone())
            .collect()
    }

    /// The serial of the first SOA in the answer or authority section.
    pub fn soa_serial(&self) -> Option<u32> {
        self.answers
            .iter()
            .chain(&self.authority)
            .find(|r| r.rtype == RecordType::SOA)
            .and_then(|r| r.data.split_whitespace().nth(2)?.parse().ok())
    }
}

#[derive(Debug)]
pub enum QueryError {
    /// No answer within the timeout.
    Timeout,
    /// An answer whose ID is not the query's.
    WrongId {
        sent: u16,
        got: u16,
    },
    /// Bytes that do not parse as a DNS response.
    Malformed(String),
    /// TCP: the server closed the connection without a (complete) answer.
    Closed,
    Io(std::io::Error),
}

impl std::fmt::Display for QueryError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            QueryError::Timeout => write!(f, "no answer within the timeout"),
            QueryError::WrongId { sent, got } => write!(f, "answer ID {got} for query ID {sent}"),
            QueryError::Malformed(m) => write!(f, "malformed answer: {m}"),
            QueryError::Closed => write!(f, "connection closed without an answer"),
            QueryError::Io(e) => write!(f, "I/O: {e}"),
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Transport {
    Udp,
    Tcp,
}

/// A UDP query (RD=1, AD=1, EDNS0 with DO=1, payload size 1232); panics if no well-formed
/// answer comes (3 tries of 700 ms).
pub fn query(server: SocketAddr, name: &str, rtype: RecordType) -> RawAnswer {
    let mut last = QueryError::Timeout;
    for _ in 0..3 {
        match try_query(
            server,
            name,
            rtype,
            Transport::Udp,
            Duration::from_millis(700),
        ) {
            Ok(a) => return a,
            Err(QueryError::Timeout) => last = QueryError::Timeout,
            Err(e) => panic!("query {name} {rtype} to {server} over UDP: {e}"),
        }
    }
    panic!("query {name} {rtype} to {server} over UDP: {last}");
}

/// The same query over TCP; panics on failure (5 s).
pub fn query_tcp(server: SocketAddr, name: &str, rtype: RecordType) -> RawAnswer {
    try_query(server, name, rtype, Transport::Tcp, Duration::from_secs(5))
        .unwrap_or_else(|e| panic!("query {name} {rtype} to {server} over TCP: {e}"))
}

/// One query, one answer or an error: no retry, and no fallback to TCP on TC.
pub fn try_query(
    server: SocketAddr,
    name: &str,
    rtype: RecordType,
    transport: Transport,
    timeout: Duration,
) -> Result<RawAnswer, QueryError> {
    let id = next_id();
    let msg = build_query(id, name, rtype);
    let wire = match transport {
        Transport::Udp => exchange_udp(server, &msg, timeout)?,
        Transport::Tcp => exchange_tcp(server, &msg, timeout)?,
    };
    let header = Header::read(&mut BinDecoder::new(&wire))
        .map_err(|e| QueryError::Malformed(format!("header: {e}")))?;
    if header.metadata.id != id {
        return Err(QueryError::WrongId {
            sent: id,
            got: header.metadata.id,
        });
    }
    parse_message(&wire).map_err(QueryError::Malformed)
}

fn next_id() -> u16 {
    static COUNTER: AtomicU32 = AtomicU32::new(0);
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.subsec_nanos())
        .unwrap_or(0);
    (nanos ^ COUNTER.fetch_add(0x2F1B, Ordering::Relaxed) ^ std::process::id()) as u16
}

/// `name` as an absolute name ("example.test" and "example.test." are the same).
fn fqdn(name: &str) -> Name {
    let absolute = if name.ends_with('.') {
        name.to_string()
    } else {
        format!("{name}.")
    };
    Name::from_ascii(&absolute).unwrap_or_else(|e| panic!("bad name {name:?}: {e}"))
}

/// A query message: RD=1, AD=1, one question (class IN), EDNS0 OPT with DO=1, payload 1232.
pub fn build_query(id: u16, name: &str, rtype: RecordType) -> Vec<u8> {
    let mut m = Message::new(id, MessageType::Query, OpCode::Query);
    m.metadata.recursion_desired = true;
    m.metadata.authentic_data = true;
    m.add_query(Query::query(fqdn(name), rtype));
    let mut edns = Edns::new();
    edns.set_max_payload(1232);
    edns.set_dnssec_ok(true);
    m.set_edns(edns);
    m.to_vec().expect("encode a query")
}

fn exchange_udp(server: SocketAddr, msg: &[u8], timeout: Duration) -> Result<Vec<u8>, QueryError> {
    let local: SocketAddr = if server.is_ipv4() {
        (Ipv4Addr::LOCALHOST, 0).into()
    } else {
        (Ipv6Addr::LOCALHOST, 0).into()
    };
    let sock = UdpSocket::bind(local).map_err(QueryError::Io)?;
    sock.connect(server).map_err(QueryError::Io)?;
    sock.send(msg).map_err(QueryError::Io)?;
    let deadline = Instant::now() + timeout;
    let mut buf = vec![0u8; 65_535];
    loop {
        let left = deadline.saturating_duration_since(Instant::now());
        if left.is_zero() {
            return Err(QueryError::Timeout);
        }
        sock.set_read_timeout(Some(left)).map_err(QueryError::Io)?;
        match sock.recv(&mut buf) {
            Ok(n) => return Ok(buf[..n].to_vec()),
            Err(e) if matches!(e.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut) => {
                return Err(QueryError::Timeout);
            }
            // ICMP port unreachable from an earlier datagram: nobody listens (yet).
            Err(e) if e.kind() == ErrorKind::ConnectionRefused => {
                std::thread::sleep(left.min(Duration::from_millis(20)));
                return Err(QueryError::Timeout);
            }
            Err(e) if e.kind() == ErrorKind::Interrupted => continue,
            Err(e) => return Err(QueryError::Io(e)),
        }
    }
}

fn exchange_tcp(server: SocketAddr, msg: &[u8], timeout: Duration) -> Result<Vec<u8>, QueryError> {
    let deadline = Instant::now() + timeout;
    let mut s = TcpStream::connect_timeout(&server, timeout).map_err(|e| match e.kind() {
        ErrorKind::TimedOut | ErrorKind::WouldBlock => QueryError::Timeout,
        _ => QueryError::Io(e),
    })?;
    let len = u16::try_from(msg.len()).expect("a query fits a TCP frame");
    let mut framed = len.to_be_bytes().to_vec();
    framed.extend_from_slice(msg);
    s.write_all(&framed).map_err(QueryError::Io)?;
    let mut len = [0u8; 2];
    read_exact_until(&mut s, &mut len, deadline)?;
    let mut body = vec![0u8; usize::from(u16::from_be_bytes(len))];
    read_exact_until(&mut s, &mut body, deadline)?;
    Ok(body)
}

fn read_exact_until(
    s: &mut TcpStream,
    buf: &mut [u8],
    deadline: Instant,
) -> Result<(), QueryError> {
    let mut done = 0;
    while done < buf.len() {
        let left = deadline.saturating_duration_since(Instant::now());
        if left.is_zero() {
            return Err(QueryError::Timeout);
        }
        s.set_read_timeout(Some(left)).map_err(QueryError::Io)?;
        match s.read(&mut buf[done..]) {
            Ok(0) => return Err(QueryError::Closed),
            Ok(n) => done += n,
            Err(e) if matches!(e.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut) => {
                return Err(QueryError::Timeout);
            }
            Err(e) if e.kind() == ErrorKind::Interrupted => {}
            Err(e)
                if matches!(
                    e.kind(),
                    ErrorKind::ConnectionReset | ErrorKind::ConnectionAborted
                ) =>
            {
                return Err(QueryError::Closed);
            }
            Err(e) => return Err(QueryError::Io(e)),
        }
    }
    Ok(())
}

/// Parses a whole DNS response with hickory-proto. A truncated one (TC=1) that does not parse
/// whole (it may end in the middle of a section) still gives its header, if its question
/// section parses.
pub fn parse_message(wire: &[u8]) -> Result<RawAnswer, String> {
    let header = Header::read(&mut BinDecoder::new(wire)).map_err(|e| format!("header: {e}"))?;
    if header.metadata.message_type != MessageType::Response {
        return Err("QR=0: a query, not a response".into());
    }
    let message = match Message::from_vec(wire) {
        Ok(m) => m,
        Err(e) if header.metadata.truncation => {
            let mut d = BinDecoder::new(wire);
            let _ = Header::read(&mut d);
            Message::read_queries(&mut d, usize::from(header.counts.queries))
                .map_err(|_| e.to_string())?;
            let mut m = Message::new(
                header.metadata.id,
                MessageType::Response,
                header.metadata.op_code,
            );
            m.metadata = header.metadata;
            m
        }
        Err(e) => return Err(e.to_string()),
    };
    let md = &message.metadata;
    let records = |rs: &[Record]| rs.iter().map(raw_record).collect::<Vec<_>>();
    Ok(RawAnswer {
        id: md.id,
        rcode: u16::from(md.response_code),
        aa: md.authoritative,
        tc: md.truncation,
        rd: md.recursion_desired,
        ra: md.recursion_available,
        ad: md.authentic_data,
        cd: md.checking_disabled,
        answer_count: header.counts.answers,
        answers: records(&message.answers),
        authority: records(&message.authorities),
        additional: records(&message.additionals),
        edns: message.edns.is_some(),
        do_bit: message.edns.as_ref().is_some_and(|e| e.flags().dnssec_ok),
        wire: wire.to_vec(),
    })
}

fn raw_record(r: &Record) -> RawRecord {
    let rdata = r.data.to_bytes().unwrap_or_default();
    RawRecord {
        name: r.name.to_string(),
        rtype: r.record_type(),
        class: u16::from(r.dns_class),
        ttl: r.ttl,
        data: present(&r.data, &rdata),
        rdata,
    }
}

fn hex(b: &[u8]) -> String {
    b.iter().fold(String::new(), |mut s, x| {
        let _ = write!(s, "{x:02x}");
        s
    })
}

/// The presentation form the tests compare with (see [`RawRecord::data`]).
fn present(data: &RData, rdata: &[u8]) -> String {
    match data {
        RData::A(a) => a.0.to_string(),
        RData::AAAA(a) => a.0.to_string(),
        RData::NS(n) => n.0.to_string(),
        RData::CNAME(n) => n.0.to_string(),
        RData::MX(mx) => format!("{} {}", mx.preference, mx.exchange),
        RData::SOA(soa) => format!(
            "{} {} {} {} {} {} {}",
            soa.mname, soa.rname, soa.serial, soa.refresh, soa.retry, soa.expire, soa.minimum
        ),
        RData::TXT(txt) => txt
            .txt_data
            .iter()
            .map(|s| {
                let mut q = String::from("\"");
                for &b in s.iter() {
                    match b {
                        b'"' | b'\\' => {
                            q.push('\\');
                            q.push(b as char);
                        }
                        0x20..=0x7E => q.push(b as char),
                        _ => {
                            let _ = write!(q, "\\{b:03}");
                        }
                    }
                }
                q.push('"');
                q
            })
            .collect::<Vec<_>>()
            .join(" "),
        RData::TLSA(t) => format!(
            "{} {} {} {}",
            u8::from(t.cert_usage),
            u8::from(t.selector),
            u8::from(t.matching),
            hex(&t.cert_data)
        ),
        _ => format!("\\# {} {}", rdata.len(), hex(rdata)),
    }
}

// ---------------------------------------------------------------------------------------------
// Misbehaving servers

/// How a [`BadDns`] misbehaves.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BadKind {
    /// Answers every query with rcode 2 (SERVFAIL), UDP and TCP.
    ServFail,
    /// Reads queries and never answers (TCP: accepts, reads, keeps the connection open).
    Silent,
    /// UDP: echoes the question with TC=1 and no answers; TCP: accepts and closes at once.
    TruncatedAlways,
    /// Answers with non-DNS bytes that start with the query's ID (UDP and TCP).
    Garbage,
    /// Answers a well-formed response (A 127.0.0.1 / AAAA ::1 for those types, else NODATA)
    /// whose message ID is not the query's (UDP and TCP).
    WrongId,
}

/// A misbehaving DNS server on 127.0.0.1, UDP and TCP on the same port, stopped on drop.
pub struct BadDns {
    pub addr: SocketAddr,
    pub kind: BadKind,
    stop: Arc<AtomicBool>,
    udp_queries: Arc<AtomicUsize>,
    tcp_connections: Arc<AtomicUsize>,
    threads: Vec<JoinHandle<()>>,
}

impl BadDns {
    pub fn start(kind: BadKind) -> BadDns {
        let (udp, tcp) = bind_pair();
        let addr = udp.local_addr().expect("local addr");
        let stop = Arc::new(AtomicBool::new(false));
        let udp_queries = Arc::new(AtomicUsize::new(0));
        let tcp_connections = Arc::new(AtomicUsize::new(0));
        udp.set_read_timeout(Some(Duration::from_millis(50)))
            .expect("set a timeout");
        tcp.set_nonblocking(true).expect("non-blocking listener");
        let t_udp = {
            let stop = stop.clone();
            let count = udp_queries.clone();
            std::thread::Builder::new()
                .name(format!("bad-dns-udp-{}", addr.port()))
                .spawn(move || udp_loop(udp, kind, &stop, &count))
                .expect("spawn a thread")
        };
        let t_tcp = {
            let stop = stop.clone();
            let count = tcp_connections.clone();
            std::thread::Builder::new()
                .name(format!("bad-dns-tcp-{}", addr.port()))
                .spawn(move || tcp_loop(tcp, kind, &stop, &count))
                .expect("spawn a thread")
        };
        BadDns {
            addr,
            kind,
            stop,
            udp_queries,
            tcp_connections,
            threads: vec![t_udp, t_tcp],
        }
    }

    /// UDP datagrams received so far.
    pub fn udp_queries(&self) -> usize {
        self.udp_queries.load(Ordering::SeqCst)
    }

    /// TCP connections accepted so far.
    pub fn tcp_connections(&self) -> usize {
        self.tcp_connections.load(Ordering::SeqCst)
    }
}

impl Drop for BadDns {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        for t in self.threads.drain(..) {
            let _ = t.join();
        }
    }
}

fn bind_pair() -> (UdpSocket, TcpListener) {
    for _ in 0..50 {
        let udp =
            UdpSocket::bind((Ipv4Addr::LOCALHOST, 0)).expect("bind a UDP socket on 127.0.0.1");
        let port = udp.local_addr().expect("local addr").port();
        if let Ok(tcp) = TcpListener::bind((Ipv4Addr::LOCALHOST, port)) {
            return (udp, tcp);
        }
    }
    panic!("no port free for both UDP and TCP on 127.0.0.1 after 50 tries");
}

fn udp_loop(sock: UdpSocket, kind: BadKind, stop: &AtomicBool, count: &AtomicUsize) {
    let mut buf = vec![0u8; 65_535];
    let mut rng = XorShift::new();
    while !stop.load(Ordering::SeqCst) {
        let (n, peer) = match sock.recv_from(&mut buf) {
            Ok(x) => x,
            Err(_) => continue, // timeout: look at the stop flag
        };
        count.fetch_add(1, Ordering::SeqCst);
        let reply = match kind {
            BadKind::Silent => None,
            _ => bad_reply(kind, &buf[..n], &mut rng),
        };
        if let Some(r) = reply {
            let _ = sock.send_to(&r, peer);
        }
    }
}

fn tcp_loop(listener: TcpListener, kind: BadKind, stop: &Arc<AtomicBool>, count: &AtomicUsize) {
    let mut conns: Vec<JoinHandle<()>> = Vec::new();
    while !stop.load(Ordering::SeqCst) {
        match listener.accept() {
            Ok((s, _)) => {
                count.fetch_add(1, Ordering::SeqCst);
                if kind == BadKind::TruncatedAlways {
                    drop(s); // accept and close at once
                    continue;
                }
                let stop = stop.clone();
                conns.push(std::thread::spawn(move || tcp_conn(s, kind, &stop)));
            }
            Err(e) if e.kind() == ErrorKind::WouldBlock => {
                std::thread::sleep(Duration::from_millis(10))
            }
            Err(_) => std::thread::sleep(Duration::from_millis(10)),
        }
        conns.retain(|c| !c.is_finished());
    }
    for c in conns {
        let _ = c.join();
    }
}

fn tcp_conn(mut s: TcpStream, kind: BadKind, stop: &AtomicBool) {
    let _ = s.set_nonblocking(false);
    let _ = s.set_read_timeout(Some(Duration::from_millis(50)));
    let mut rng = XorShift::new();
    let mut pending: Vec<u8> = Vec::new();
    let mut buf = [0u8; 4096];
    while !stop.load(Ordering::SeqCst) {
        match s.read(&mut buf) {
            Ok(0) => return,
            Ok(n) => pending.extend_from_slice(&buf[..n]),
            Err(e)
                if matches!(
                    e.kind(),
                    ErrorKind::WouldBlock | ErrorKind::TimedOut | ErrorKind::Interrupted
                ) =>
            {
                continue;
            }
            Err(_) => return,
        }
        while pending.len() >= 2 {
            let len = u16::from_be_bytes([pending[0], pending[1]]) as usize;
            if pending.len() < 2 + len {
                break;
            }
            let msg: Vec<u8> = pending.drain(..2 + len).skip(2).collect();
            if kind == BadKind::Silent {
                continue;
            }
            if let Some(r) = bad_reply(kind, &msg, &mut rng) {
                let mut framed = (r.len() as u16).to_be_bytes().to_vec();
                framed.extend_from_slice(&r);
                if s.write_all(&framed).is_err() {
                    return;
                }
            }
        }
    }
}

/// The answer a [`BadDns`] of `kind` gives to the query `q` (None: no answer at all).
fn bad_reply(kind: BadKind, q: &[u8], rng: &mut XorShift) -> Option<Vec<u8>> {
    if kind == BadKind::Garbage {
        if q.len() < 2 {
            return None;
        }
        let mut g = vec![q[0], q[1]];
        for _ in 0..30 {
            g.push(rng.next() as u8);
        }
        // QR=1 so it reads as a response, and a question count no 32 bytes can hold.
        g[2] |= 0x80;
        g[4] = 0xFF;
        g[5] = 0xFF;
        return Some(g);
    }
    let query = Message::from_vec(q).ok()?;
    let [question] = query.queries.as_slice() else {
        return None;
    };
    let mut m = Message::new(
        query.metadata.id,
        MessageType::Response,
        query.metadata.op_code,
    );
    m.metadata.recursion_desired = query.metadata.recursion_desired;
    m.metadata.recursion_available = true;
    m.add_query(question.clone());
    match kind {
        BadKind::ServFail => m.metadata.response_code = ResponseCode::ServFail,
        BadKind::TruncatedAlways => {
            m.metadata.authoritative = true;
            m.metadata.truncation = true;
        }
        BadKind::WrongId => {
            m.metadata.id ^= 0xA5A5;
            m.metadata.authoritative = true;
            let data = match question.query_type() {
                RecordType::A => Some(RData::A(Ipv4Addr::LOCALHOST.into())),
                RecordType::AAAA => Some(RData::AAAA(Ipv6Addr::LOCALHOST.into())),
                _ => None,
            };
            if let Some(data) = data {
                m.add_answer(Record::from_rdata(question.name().clone(), 300, data));
            }
        }
        BadKind::Silent | BadKind::Garbage => return None,
    }
    m.to_vec().ok()
}

struct XorShift(u64);

impl XorShift {
    fn new() -> XorShift {
        let seed = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map(|d| d.as_nanos() as u64)
            .unwrap_or(1);
        XorShift(seed | 1)
    }

    fn next(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        self.0 = x;
        x
    }
}
