//! The MX hosts of a mail domain, for "check a mail domain" tests.
//!
//! [`DomainLab::start`] serves every MX host of a domain over SMTP with
//! STARTTLS (rustls) on **one shared port**, on each of the host's loopback
//! addresses (127.0.0.2, 127.0.0.3, ::1, ...), so that a checker that always
//! connects to port 25 can be pointed at the lab with a single port override.
//! Each host presents a certificate of the chosen [`MxCert`] kind, issued by
//! the lab PKI ([`crate::pki`]); the DER of what is served is exported for
//! TLSA (DANE) records.
//!
//! The servers reuse the lab's SMTP session (line cap, idle timeout, no
//! relaying): nothing a client sends can make them panic.

use std::collections::{HashMap, HashSet};
use std::fmt;
use std::io;
use std::net::{IpAddr, SocketAddr};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use rustls::crypto::{CryptoProvider, ring};
use rustls::server::{ClientHello, ResolvesServerCert};
use rustls::sign::CertifiedKey;
use rustls_pki_types::pem::PemObject;
use rustls_pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};
use time::OffsetDateTime;
use tokio::net::{TcpListener, TcpStream};
use tokio::task::JoinSet;
use tokio::time::timeout;

use crate::LabError;
use crate::pki::{Issuer, LeafSpec, Pki};
use crate::smtp::{self, BoxIo, Config, Greeting, Hooks, StartTls};

/// The `scenario` of the [`LabError`]s returned by this module.
pub const DOMAIN_LAB: &str = "domain-lab";

/// Name of the lab root CA file written by [`DomainLab::start`].
pub const CA_FILE_NAME: &str = "domain-lab-root-ca.pem";

/// How many times a shared port is picked before giving up.
const PORT_ATTEMPTS: usize = 10;

/// Most connections one MX address serves at once; more are closed at once.
const MAX_CONNECTIONS: usize = 256;

/// The certificate an MX host presents.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MxCert {
    /// A valid chain (leaf + lab intermediate) for the name.
    Valid,
    /// A valid chain (leaf + lab intermediate), but for this other name.
    WrongName(String),
    /// A self-signed leaf for the name (chain: the leaf alone).
    SelfSigned,
    /// A leaf for the name issued by the lab intermediate that expired 10 days
    /// ago (chain: leaf + intermediate).
    Expired,
    /// A leaf for the name issued by the lab intermediate, sent without the
    /// intermediate (chain: the leaf alone).
    MissingIntermediate,
}

/// One MX host of the domain.
#[derive(Debug, Clone)]
pub struct MxServerSpec {
    /// The MX host name, e.g. "mx1.example.test": the name the certificate
    /// is made for (subjectAltName), unless `cert` says otherwise.
    pub name: String,
    /// Loopback addresses to listen on, e.g. 127.0.0.2, 127.0.0.3, ::1.
    pub addrs: Vec<IpAddr>,
    pub cert: MxCert,
    /// false: EHLO does not offer STARTTLS (and the command is refused).
    pub starttls: bool,
    /// TLS 1.2 only instead of TLS 1.2 and 1.3.
    pub tls12_only: bool,
    /// SNI name -> another certificate (for that SNI name), for a server that
    /// chooses its certificate by SNI. Without SNI, or with any other SNI
    /// name, the server presents `cert`.
    pub sni_certs: Vec<(String, MxCert)>,
}

impl MxServerSpec {
    /// A well-configured MX: valid chain, STARTTLS, TLS 1.2 and 1.3, no SNI
    /// dependence.
    pub fn new(name: &str, addrs: &[IpAddr]) -> Self {
        MxServerSpec {
            name: name.to_string(),
            addrs: addrs.to_vec(),
            cert: MxCert::Valid,
            starttls: true,
            tls12_only: false,
            sni_certs: Vec::new(),
        }
    }
}

/// The running MX servers of a domain. Dropping it (or
/// [`DomainLab::shutdown`]) stops every server and every open connection.
pub struct DomainLab {
    /// The one port every MX server listens on, on all its addresses.
    pub port: u16,
    /// `<dir>/domain-lab-root-ca.pem`: the lab root (PEM) only.
    pub ca_file: PathBuf,
    /// MX name -> DER of the leaf it presents by default (without SNI).
    pub leaf_der: HashMap<String, Vec<u8>>,
    /// MX name -> the full chain it sends by default, leaf first.
    pub chain_der: HashMap<String, Vec<Vec<u8>>>,
    /// (MX name, SNI name) -> the chain sent for that SNI name, leaf first
    /// (only for the names in [`MxServerSpec::sni_certs`]).
    pub sni_chain_der: HashMap<(String, String), Vec<Vec<u8>>>,
    /// MX name -> the socket addresses it listens on.
    pub endpoints: HashMap<String, Vec<SocketAddr>>,
    /// DER of the lab root (the certificate in `ca_file`).
    pub root_der: Vec<u8>,
    /// DER of the lab intermediate, issuer of the lab leaves.
    pub intermediate_der: Vec<u8>,
    pki: Pki,
    /// MX name -> TCP connections accepted so far, on all its addresses.
    accepted: HashMap<String, Arc<AtomicU64>>,
    tasks: crate::Tasks,
}

impl fmt::Debug for DomainLab {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("DomainLab")
            .field("port", &self.port)
            .field("ca_file", &self.ca_file)
            .field("endpoints", &self.endpoints)
            .finish_non_exhaustive()
    }
}

impl DomainLab {
    /// Generates a PKI, writes `ca_file` into `dir` (created if missing),
    /// picks one port free on every address of every spec and serves each
    /// MX over SMTP with STARTTLS (rustls) on all its addresses.
    ///
    /// An address that cannot be bound (e.g. ::1 without IPv6) fails with
    /// [`LabError::Bind`] whose `source` keeps the OS error kind (e.g.
    /// `AddrNotAvailable`) and names the MX host. Non-loopback addresses,
    /// an address listed twice, duplicate MX names and a lab without any
    /// address fail with `Bind` of kind `InvalidInput`.
    pub async fn start(dir: &Path, mxs: &[MxServerSpec]) -> Result<DomainLab, LabError> {
        Self::start_inner(dir, None, mxs).await
    }

    /// [`DomainLab::start`] with an existing PKI (generating one costs four
    /// RSA keys; tests may share one).
    pub async fn start_with_pki(
        dir: &Path,
        pki: Pki,
        mxs: &[MxServerSpec],
    ) -> Result<DomainLab, LabError> {
        Self::start_inner(dir, Some(pki), mxs).await
    }

    async fn start_inner(
        dir: &Path,
        pki: Option<Pki>,
        mxs: &[MxServerSpec],
    ) -> Result<DomainLab, LabError> {
        validate(mxs)?;
        std::fs::create_dir_all(dir).map_err(|source| LabError::CreateDir {
            path: dir.to_path_buf(),
            source,
        })?;

        // Bind first: a missing address fails fast, before any key is made.
        let all_addrs: Vec<(usize, IpAddr)> = mxs
            .iter()
            .enumerate()
            .flat_map(|(i, mx)| mx.addrs.iter().map(move |a| (i, *a)))
            .collect();
        let (port, mut listeners) = bind_shared(&all_addrs, mxs).await?;

        // Leaf generation is CPU work: keep it off the async workers.
        let specs = mxs.to_vec();
        let (pki, built) = tokio::task::spawn_blocking(move || {
            let pki = match pki {
                Some(pki) => pki,
                None => Pki::generate()?,
            };
            let built = specs
                .iter()
                .map(|mx| build_mx(&pki, mx))
                .collect::<Result<Vec<_>, LabError>>()?;
            Ok::<_, LabError>((pki, built))
        })
        .await
        .map_err(|e| LabError::Internal(format!("certificate generation task failed: {e}")))??;

        let ca_file = dir.join(CA_FILE_NAME);
        std::fs::write(&ca_file, &pki.root.cert_pem).map_err(|source| LabError::Write {
            path: ca_file.clone(),
            source,
        })?;

        let mut lab = DomainLab {
            port,
            ca_file,
            leaf_der: HashMap::new(),
            chain_der: HashMap::new(),
            sni_chain_der: HashMap::new(),
            endpoints: HashMap::new(),
            root_der: pki.root.cert_der.clone(),
            intermediate_der: pki.intermediate.cert_der.clone(),
            pki,
            accepted: HashMap::new(),
            tasks: crate::Tasks::default(),
        };
        for (index, (mx, built)) in mxs.iter().zip(built).enumerate() {
            let default_chain = built.default_chain.clone();
            lab.leaf_der.insert(
                mx.name.clone(),
                default_chain.first().cloned().unwrap_or_default(),
            );
            lab.chain_der.insert(mx.name.clone(), default_chain);
            for (sni, chain) in &built.sni_chains {
                lab.sni_chain_der
                    .insert((mx.name.clone(), sni.clone()), chain.clone());
            }
            let banner = format!(
                "220 {} ESMTP smtp-tls-doctor domain lab\r\n",
                sanitize(&mx.name)
            );
            let starttls = if mx.starttls {
                StartTls::Offer
            } else {
                StartTls::NotOffered
            };
            let server = Arc::new(MxServer {
                config: smtp::config(Greeting::Banner(banner), starttls, false),
                acceptor: built.acceptor,
            });
            let counter = Arc::new(AtomicU64::new(0));
            lab.accepted.insert(mx.name.clone(), Arc::clone(&counter));
            let mut addrs = Vec::new();
            for (owner, listener, addr) in std::mem::take(&mut listeners) {
                if owner == index {
                    addrs.push(addr);
                    lab.tasks.push(tokio::spawn(serve(
                        listener,
                        Arc::clone(&server),
                        Arc::clone(&counter),
                    )));
                } else {
                    listeners.push((owner, listener, addr));
                }
            }
            lab.endpoints.insert(mx.name.clone(), addrs);
        }
        Ok(lab)
    }

    /// Issues a certificate chain (DER, leaf first) and its PKCS#8 private
    /// key (DER) for `name` from the lab PKI, shaped as `cert` says (e.g. for
    /// the MTA-STS policy server of [`crate::https`]).
    pub fn issue(&self, cert: &MxCert, name: &str) -> Result<(Vec<Vec<u8>>, Vec<u8>), LabError> {
        issue(&self.pki, cert, name)
    }

    /// The lab PKI (to start another lab with the same root).
    pub fn pki(&self) -> &Pki {
        &self.pki
    }

    /// The addresses `mx` listens on (empty if unknown).
    pub fn addrs(&self, mx: &str) -> Vec<SocketAddr> {
        self.endpoints.get(mx).cloned().unwrap_or_default()
    }

    /// TCP connections `mx` has accepted so far, on all its addresses (those
    /// closed at once for being over the per-address cap included); None for
    /// a name the lab does not serve.
    pub fn connections(&self, mx: &str) -> Option<u64> {
        self.accepted.get(mx).map(|c| c.load(Ordering::Relaxed))
    }

    /// Stops all servers and waits until their tasks have ended.
    pub async fn shutdown(mut self) {
        self.tasks.stop().await;
    }
}

/// Issues a chain and PKCS#8 key for `name` from `pki` (see
/// [`DomainLab::issue`]).
pub fn issue(pki: &Pki, cert: &MxCert, name: &str) -> Result<(Vec<Vec<u8>>, Vec<u8>), LabError> {
    let now = OffsetDateTime::now_utc();
    let (spec, with_intermediate) = match cert {
        MxCert::Valid => (LeafSpec::valid_for(&[name]), true),
        MxCert::WrongName(other) => (LeafSpec::valid_for(&[other.as_str()]), true),
        MxCert::SelfSigned => {
            let mut spec = LeafSpec::valid_for(&[name]);
            spec.issuer = Issuer::SelfSigned;
            (spec, false)
        }
        MxCert::Expired => {
            let mut spec = LeafSpec::valid_for(&[name]);
            spec.not_before = now - time::Duration::days(100);
            spec.not_after = now - time::Duration::days(10);
            (spec, true)
        }
        MxCert::MissingIntermediate => (LeafSpec::valid_for(&[name]), false),
    };
    let leaf = pki.leaf(&spec)?;
    let key = PrivatePkcs8KeyDer::from_pem_slice(leaf.key_pem.as_bytes())
        .map_err(|e| LabError::Internal(format!("cannot parse the leaf key: {e}")))?;
    let mut chain = vec![leaf.cert_der.clone()];
    if with_intermediate {
        chain.push(pki.intermediate.cert_der.clone());
    }
    Ok((chain, key.secret_pkcs8_der().to_vec()))
}

/// A `Bind` error of this module.
fn bind_error(addr: SocketAddr, kind: io::ErrorKind, message: String) -> LabError {
    LabError::Bind {
        scenario: DOMAIN_LAB,
        addr,
        source: io::Error::new(kind, message),
    }
}

fn validate(mxs: &[MxServerSpec]) -> Result<(), LabError> {
    let mut names = HashSet::new();
    let mut seen = HashSet::new();
    for mx in mxs {
        let unspecified = SocketAddr::new(IpAddr::from([127, 0, 0, 1]), 0);
        if !names.insert(mx.name.to_ascii_lowercase()) {
            return Err(bind_error(
                unspecified,
                io::ErrorKind::InvalidInput,
                format!("MX {} is listed twice", mx.name),
            ));
        }
        for &ip in &mx.addrs {
            let addr = SocketAddr::new(ip, 0);
            if !ip.is_loopback() {
                return Err(bind_error(
                    addr,
                    io::ErrorKind::InvalidInput,
                    format!("MX {}: {ip} is not a loopback address", mx.name),
                ));
            }
            if !seen.insert(ip) {
                return Err(bind_error(
                    addr,
                    io::ErrorKind::InvalidInput,
                    format!("MX {}: address {ip} is used twice", mx.name),
                ));
            }
        }
    }
    if seen.is_empty() {
        return Err(bind_error(
            SocketAddr::new(IpAddr::from([127, 0, 0, 1]), 0),
            io::ErrorKind::InvalidInput,
            "no MX has an address to listen on".into(),
        ));
    }
    Ok(())
}

/// Binds every `(mx index, address)` on one port: port 0 on the first
/// address, then the port the OS chose on the others. When another socket
/// already holds that port on one of the addresses, everything is released
/// and a new port is tried, up to [`PORT_ATTEMPTS`] times. Any other error
/// (an address that does not exist, no IPv6, ...) fails at once.
async fn bind_shared(
    addrs: &[(usize, IpAddr)],
    mxs: &[MxServerSpec],
) -> Result<(u16, Vec<(usize, TcpListener, SocketAddr)>), LabError> {
    let describe = |owner: usize, addr: SocketAddr, e: &io::Error| {
        let name = mxs.get(owner).map(|m| m.name.as_str()).unwrap_or("?");
        bind_error(
            addr,
            e.kind(),
            format!("MX {name}: cannot listen on {addr}: {e}"),
        )
    };
    let Some(&(first_owner, first_ip)) = addrs.first() else {
        return Err(bind_error(
            SocketAddr::new(IpAddr::from([127, 0, 0, 1]), 0),
            io::ErrorKind::InvalidInput,
            "no address to listen on".into(),
        ));
    };
    let mut last_conflict = None;
    for _ in 0..PORT_ATTEMPTS {
        let first_addr = SocketAddr::new(first_ip, 0);
        let first = TcpListener::bind(first_addr)
            .await
            .map_err(|e| describe(first_owner, first_addr, &e))?;
        let local = first
            .local_addr()
            .map_err(|e| describe(first_owner, first_addr, &e))?;
        let port = local.port();
        let mut bound = vec![(first_owner, first, local)];
        let mut conflict = None;
        for &(owner, ip) in addrs.iter().skip(1) {
            let addr = SocketAddr::new(ip, port);
            match TcpListener::bind(addr).await {
                Ok(l) => bound.push((owner, l, addr)),
                Err(e) if e.kind() == io::ErrorKind::AddrInUse => {
                    conflict = Some(describe(owner, addr, &e));
                    break;
                }
                Err(e) => return Err(describe(owner, addr, &e)),
            }
        }
        match conflict {
            None => return Ok((port, bound)),
            Some(e) => last_conflict = Some(e),
        }
    }
    Err(last_conflict.unwrap_or_else(|| LabError::Internal("no shared port found".into())))
}

/// The certificates and TLS server of one MX.
struct BuiltMx {
    default_chain: Vec<Vec<u8>>,
    sni_chains: Vec<(String, Vec<Vec<u8>>)>,
    acceptor: tokio_rustls::TlsAcceptor,
}

fn provider() -> CryptoProvider {
    ring::default_provider()
}

fn certified_key(
    chain: &[Vec<u8>],
    key: &[u8],
    provider: &CryptoProvider,
) -> Result<Arc<CertifiedKey>, String> {
    let certs = chain
        .iter()
        .map(|c| CertificateDer::from(c.clone()))
        .collect();
    let key = PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(key.to_vec()));
    CertifiedKey::from_der(certs, key, provider)
        .map(Arc::new)
        .map_err(|e| e.to_string())
}

fn build_mx(pki: &Pki, mx: &MxServerSpec) -> Result<BuiltMx, LabError> {
    let tls_err = |message: String| LabError::Tls {
        scenario: DOMAIN_LAB,
        message: format!("MX {}: {message}", mx.name),
    };
    let provider = provider();
    let (default_chain, default_key) = issue(pki, &mx.cert, &mx.name)?;
    let default = certified_key(&default_chain, &default_key, &provider).map_err(tls_err)?;
    let mut by_name = Vec::new();
    let mut sni_chains = Vec::new();
    for (sni, cert) in &mx.sni_certs {
        let (chain, key) = issue(pki, cert, sni)?;
        let ck = certified_key(&chain, &key, &provider).map_err(tls_err)?;
        by_name.push((sni.to_ascii_lowercase(), ck));
        sni_chains.push((sni.clone(), chain));
    }
    let versions: &[&'static rustls::SupportedProtocolVersion] = if mx.tls12_only {
        &[&rustls::version::TLS12]
    } else {
        &[&rustls::version::TLS13, &rustls::version::TLS12]
    };
    let mut config = rustls::ServerConfig::builder_with_provider(Arc::new(provider))
        .with_protocol_versions(versions)
        .map_err(|e| tls_err(e.to_string()))?
        .with_no_client_auth()
        .with_cert_resolver(Arc::new(SniCerts { default, by_name }));
    config.ignore_client_order = true;
    Ok(BuiltMx {
        default_chain,
        sni_chains,
        acceptor: tokio_rustls::TlsAcceptor::from(Arc::new(config)),
    })
}

/// Chooses the certificate by SNI; `default` without SNI or for other names.
#[derive(Debug)]
struct SniCerts {
    default: Arc<CertifiedKey>,
    by_name: Vec<(String, Arc<CertifiedKey>)>,
}

impl ResolvesServerCert for SniCerts {
    fn resolve(&self, client_hello: ClientHello<'_>) -> Option<Arc<CertifiedKey>> {
        let chosen = client_hello.server_name().and_then(|sni| {
            let sni = sni.to_ascii_lowercase();
            self.by_name
                .iter()
                .find(|(name, _)| *name == sni)
                .map(|(_, ck)| ck)
        });
        Some(Arc::clone(chosen.unwrap_or(&self.default)))
    }
}

/// Keeps a host name printable in the banner (no CR/LF injection).
fn sanitize(name: &str) -> String {
    name.chars()
        .map(|c| if c.is_ascii_graphic() { c } else { '?' })
        .collect()
}

/// One MX host, shared by all its addresses and connections.
struct MxServer {
    config: Config,
    acceptor: tokio_rustls::TlsAcceptor,
}

impl MxServer {
    async fn handle(&self, tcp: TcpStream) {
        let _ = tcp.set_nodelay(true);
        let mode = doctor::model::observation::Mode::Starttls;
        let mut hooks = Upgrade(&self.acceptor);
        doctor::observe::smtp_server::serve(Box::new(tcp), mode, &self.config, &mut hooks).await;
    }
}

/// An MX host's hooks: rustls after STARTTLS. Bytes a client pipelined after STARTTLS are
/// discarded.
struct Upgrade<'a>(&'a tokio_rustls::TlsAcceptor);

impl Hooks for Upgrade<'_> {
    async fn upgrade(&mut self, io: BoxIo, _pending: Vec<u8>) -> Option<BoxIo> {
        let stream = timeout(smtp::IDLE_TIMEOUT, self.0.accept(io))
            .await
            .ok()?
            .ok()?;
        Some(Box::new(stream))
    }
}

/// Accept loop of one address. Connection tasks live in a JoinSet owned by
/// this task, so aborting it also aborts every open connection.
async fn serve(listener: TcpListener, server: Arc<MxServer>, accepted: Arc<AtomicU64>) {
    let mut connections = JoinSet::new();
    loop {
        match listener.accept().await {
            Ok((tcp, _peer)) => {
                accepted.fetch_add(1, Ordering::Relaxed);
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
