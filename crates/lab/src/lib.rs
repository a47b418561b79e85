//! A lab of deliberately broken SMTP servers on loopback.
//!
//! [`start`] generates a private PKI ([`pki::Pki`]), writes the lab root to
//! `<dir>/lab-root-ca.pem` and starts one real SMTP server per [`Scenario`],
//! each on its own port. Every scenario documents what it does wrong and the
//! exact set of finding codes a correct checker reports for it.
//!
//! The servers never relay or store mail. Each connection runs in its own
//! task with a 4096-byte line cap and a 120 s idle timeout; nothing a client
//! sends can make a server panic.

// Nothing from the network or the user may panic the program: no unwrap/expect, no unchecked
// indexing, no panic! outside tests (`wire` holds the same rule).
#![cfg_attr(
    not(test),
    deny(
        clippy::unwrap_used,
        clippy::expect_used,
        clippy::indexing_slicing,
        clippy::panic
    )
)]

use std::fmt;
use std::io;
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use tokio::net::TcpListener;
use tokio::task::{JoinHandle, JoinSet};

pub mod bulk;
pub mod dns;
pub mod domain;
mod hostile;
pub mod https;
mod legacy;
pub mod pki;
mod scenarios;
mod scripted;
mod smtp;

pub use scenarios::{TERMINAL_ESCAPES, scenarios};

/// The name every lab certificate is made for (except the broken ones).
pub const LAB_HOST: &str = "mx.lab.test";

/// How TLS is started on a scenario's port.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// Plain SMTP, upgraded with STARTTLS (port 25/587 style).
    Starttls,
    /// TLS from the first byte (port 465 style).
    Implicit,
}

/// One deliberately (mis)configured server.
#[derive(Debug)]
pub struct Scenario {
    /// kebab-case id, e.g. "chain-incomplete".
    pub name: &'static str,
    /// What the server does wrong, one line.
    pub summary: &'static str,
    /// The correct diagnosis in words, one line.
    pub diagnosis: &'static str,
    pub mode: Mode,
    /// Exact set of finding codes a correct check reports (empty = OK).
    pub expect_findings: &'static [&'static str],
    /// `Some(phase)` when the check cannot complete (exit 2):
    /// "connect" | "banner" | "ehlo" | "starttls" | "handshake".
    pub expect_error_phase: Option<&'static str>,
    /// What a full enumeration of versions, cipher suites and groups must
    /// find. `None`: the scenario makes no claim (all scenarios that predate
    /// enumeration). `Some` with empty `versions`: no handshake with this
    /// server can complete, whatever the client offers.
    pub expect_tls: Option<&'static TlsExpect>,
}

/// The exact TLS parameters a scenario's server accepts, established with
/// real handshakes (see `crates/lab/tests/tls_enum.rs`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TlsExpect {
    /// Versions the server accepts, by name: "SSLv2", "SSLv3", "TLSv1.0", "TLSv1.1", "TLSv1.2", "TLSv1.3".
    pub versions: &'static [&'static str],
    /// Per version, the exact cipher suites accepted (IANA ids), in the server's order when `server_order` is true.
    /// SSL 2.0's cipher specs are 3-byte codes that do not fit: its list is empty (the scenario
    /// documents its specs).
    pub suites: &'static [(&'static str, &'static [u16])],
    /// The server enforces its own suite order (per version where it matters).
    pub server_order: Option<bool>,
    /// TLS 1.3 key-share groups / TLS 1.2 ECDHE groups accepted (IANA ids), if the scenario pins them.
    pub groups: Option<&'static [u16]>,
    /// DHE group size in bits, when the scenario offers DHE.
    pub dhe_bits: Option<u32>,
}

impl TlsExpect {
    /// The cipher suites accepted with `version` (empty if the version is
    /// not accepted).
    pub fn suites_for(&self, version: &str) -> &'static [u16] {
        self.suites
            .iter()
            .find(|(v, _)| *v == version)
            .map(|(_, s)| *s)
            .unwrap_or(&[])
    }

    /// True when no handshake can complete.
    pub fn accepts_nothing(&self) -> bool {
        self.versions.is_empty()
    }
}

/// What to start, and where.
#[derive(Debug, Clone)]
pub struct LabConfig {
    /// Address to listen on (default 127.0.0.1).
    pub bind: IpAddr,
    /// None: ephemeral ports; Some(p): scenario i (index in [`scenarios()`])
    /// listens on p+i.
    pub base_port: Option<u16>,
    /// Where the root CA files are written (created if missing).
    pub dir: PathBuf,
    /// Scenario names to start; None = all.
    pub only: Option<Vec<String>>,
    /// Delay of the banner-delay scenario's greeting (default 3 s).
    pub banner_delay: Duration,
    /// The drip scenario's pause between two bytes (default 2 s).
    pub drip_pause: Duration,
}

impl LabConfig {
    /// Loopback, ephemeral ports, all scenarios, 3 s banner delay.
    pub fn new(dir: PathBuf) -> Self {
        LabConfig {
            bind: IpAddr::V4(Ipv4Addr::LOCALHOST),
            base_port: None,
            dir,
            only: None,
            banner_delay: Duration::from_secs(3),
            drip_pause: Duration::from_secs(2),
        }
    }
}

/// A started scenario server.
#[derive(Debug, Clone)]
pub struct LabEndpoint {
    pub scenario: &'static Scenario,
    pub addr: SocketAddr,
}

/// The running lab. Dropping it (or [`RunningLab::shutdown`]) stops every
/// server and every open connection.
#[derive(Debug)]
pub struct RunningLab {
    /// [`LAB_HOST`]: the name to check and to send as SNI.
    pub host: String,
    /// `<dir>/lab-root-ca.pem`: the lab root only.
    pub ca_file: PathBuf,
    /// One endpoint per started scenario, in [`scenarios()`] order.
    pub endpoints: Vec<LabEndpoint>,
    tasks: Tasks,
}

/// The server tasks of a running lab part: aborted when dropped, awaited by [`Tasks::stop`].
#[derive(Debug, Default)]
pub struct Tasks(Vec<JoinHandle<()>>);

impl Tasks {
    pub fn new(tasks: Vec<JoinHandle<()>>) -> Self {
        Tasks(tasks)
    }

    pub fn push(&mut self, t: JoinHandle<()>) {
        self.0.push(t);
    }

    /// Aborts every task and waits until each has ended.
    pub async fn stop(&mut self) {
        let tasks = std::mem::take(&mut self.0);
        for t in &tasks {
            t.abort();
        }
        for t in tasks {
            let _ = t.await;
        }
    }
}

impl Drop for Tasks {
    fn drop(&mut self) {
        for t in &self.0 {
            t.abort();
        }
    }
}

impl RunningLab {
    /// The endpoint of the named scenario, if it was started.
    pub fn endpoint(&self, scenario: &str) -> Option<&LabEndpoint> {
        self.endpoints.iter().find(|e| e.scenario.name == scenario)
    }

    /// Stops all servers and waits until their tasks have ended.
    pub async fn shutdown(mut self) {
        self.tasks.stop().await;
    }
}

/// Why the lab could not start.
#[derive(Debug)]
pub enum LabError {
    /// `only` names a scenario that does not exist.
    UnknownScenario(String),
    /// base_port + index does not fit in a port number.
    PortOutOfRange {
        scenario: &'static str,
        base_port: u16,
    },
    /// The listening socket could not be bound.
    Bind {
        scenario: &'static str,
        addr: SocketAddr,
        source: io::Error,
    },
    /// Key or certificate generation failed.
    Pki(pki::PkiError),
    /// A TLS server configuration could not be built.
    Tls {
        scenario: &'static str,
        message: String,
    },
    /// The lab directory could not be created.
    CreateDir { path: PathBuf, source: io::Error },
    /// A CA file could not be written.
    Write { path: PathBuf, source: io::Error },
    /// A background task failed.
    Internal(String),
}

impl fmt::Display for LabError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            LabError::UnknownScenario(name) => write!(f, "unknown lab scenario {name:?}"),
            LabError::PortOutOfRange {
                scenario,
                base_port,
            } => write!(
                f,
                "port for scenario {scenario} is out of range (base port {base_port})"
            ),
            LabError::Bind {
                scenario,
                addr,
                source,
            } => {
                write!(
                    f,
                    "cannot listen on {addr} for scenario {scenario}: {source}"
                )
            }
            LabError::Pki(e) => write!(f, "cannot generate lab certificates: {e}"),
            LabError::Tls { scenario, message } => {
                write!(f, "cannot set up TLS for scenario {scenario}: {message}")
            }
            LabError::CreateDir { path, source } => {
                write!(f, "cannot create directory {}: {source}", path.display())
            }
            LabError::Write { path, source } => {
                write!(f, "cannot write {}: {source}", path.display())
            }
            LabError::Internal(msg) => write!(f, "internal error: {msg}"),
        }
    }
}

impl std::error::Error for LabError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            LabError::Bind { source, .. }
            | LabError::CreateDir { source, .. }
            | LabError::Write { source, .. } => Some(source),
            LabError::Pki(e) => Some(e),
            _ => None,
        }
    }
}

impl From<pki::PkiError> for LabError {
    fn from(e: pki::PkiError) -> Self {
        LabError::Pki(e)
    }
}

/// Most connections one scenario serves at once; more are closed at once.
const MAX_CONNECTIONS: usize = 256;

/// Generates the lab PKI, writes the CA files and starts the servers.
pub async fn start(cfg: LabConfig) -> Result<RunningLab, LabError> {
    let all = scenarios();
    let selected: Vec<(usize, &'static Scenario)> = match &cfg.only {
        None => all.iter().enumerate().collect(),
        Some(names) => {
            for name in names {
                if !all.iter().any(|s| s.name == name) {
                    return Err(LabError::UnknownScenario(name.clone()));
                }
            }
            all.iter()
                .enumerate()
                .filter(|(_, s)| names.iter().any(|n| n == s.name))
                .collect()
        }
    };

    std::fs::create_dir_all(&cfg.dir).map_err(|source| LabError::CreateDir {
        path: cfg.dir.clone(),
        source,
    })?;

    // Bind first: a busy port fails fast, before any key is generated.
    let mut listeners = Vec::with_capacity(selected.len());
    for &(index, scenario) in &selected {
        let port = match cfg.base_port {
            None => 0,
            Some(base) => u16::try_from(index)
                .ok()
                .and_then(|i| base.checked_add(i))
                .ok_or(LabError::PortOutOfRange {
                    scenario: scenario.name,
                    base_port: base,
                })?,
        };
        let addr = SocketAddr::new(cfg.bind, port);
        let listener = TcpListener::bind(addr)
            .await
            .map_err(|source| LabError::Bind {
                scenario: scenario.name,
                addr,
                source,
            })?;
        let local = listener.local_addr().map_err(|source| LabError::Bind {
            scenario: scenario.name,
            addr,
            source,
        })?;
        listeners.push((scenario, listener, local));
    }

    // Key generation is CPU work: keep it off the async workers.
    let build_cfg = cfg.clone();
    let build_list = selected.clone();
    let (pki, servers) = tokio::task::spawn_blocking(move || {
        let pki = pki::Pki::generate()?;
        let servers = build_list
            .iter()
            .map(|(_, s)| scenarios::build(s, &pki, &build_cfg).map(Arc::new))
            .collect::<Result<Vec<_>, LabError>>()?;
        Ok::<_, LabError>((pki, servers))
    })
    .await
    .map_err(|e| LabError::Internal(format!("certificate generation task failed: {e}")))??;

    let ca_file = cfg.dir.join("lab-root-ca.pem");
    write_file(&ca_file, &pki.root.cert_pem)?;
    write_file(
        &cfg.dir.join("lab-untrusted-root-ca.pem"),
        &pki.other_root.cert_pem,
    )?;

    let mut endpoints = Vec::with_capacity(listeners.len());
    let mut tasks = Vec::with_capacity(listeners.len());
    for ((scenario, listener, addr), server) in listeners.into_iter().zip(servers) {
        endpoints.push(LabEndpoint { scenario, addr });
        tasks.push(tokio::spawn(serve(listener, server)));
    }

    Ok(RunningLab {
        host: LAB_HOST.to_string(),
        ca_file,
        endpoints,
        tasks: Tasks::new(tasks),
    })
}

fn write_file(path: &std::path::Path, contents: &str) -> Result<(), LabError> {
    std::fs::write(path, contents).map_err(|source| LabError::Write {
        path: path.to_path_buf(),
        source,
    })
}

/// Accept loop of one scenario. Connection tasks live in a JoinSet owned by
/// this task, so aborting it also aborts every open connection.
async fn serve(listener: TcpListener, server: Arc<scenarios::Server>) {
    let mut connections = JoinSet::new();
    loop {
        match listener.accept().await {
            Ok((tcp, _peer)) => {
                while connections.try_join_next().is_some() {}
                if connections.len() >= MAX_CONNECTIONS {
                    drop(tcp);
                    continue;
                }
                let server = Arc::clone(&server);
                connections.spawn(async move { server.handle(tcp).await });
            }
            // Out of file descriptors or similar: back off a little.
            Err(_) => tokio::time::sleep(Duration::from_millis(50)).await,
        }
    }
}
