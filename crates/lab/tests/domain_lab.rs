//! The domain lab: MX hosts on a shared port on several loopback addresses
//! (lab::domain) and the MTA-STS policy server (lab::https), exercised with
//! real clients (rustls in-process, the openssl CLI, curl).

mod common;

use std::io::Read;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::process::{Command, Stdio};
use std::sync::{Arc, OnceLock};
use std::time::{Duration, Instant};

use common::{Need, Smtp, T, client_config, peer_chain, require, starttls, wait_closed};
use lab::LabError;
use lab::domain::{DomainLab, MxCert, MxServerSpec};
use lab::https::{POLICY_PATH, PolicyResponse, PolicyServer};
use lab::pki::Pki;
use rustls::client::danger::ServerCertVerifier;
use rustls::crypto::ring;
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, ServerName};
use rustls::{CertificateError, ProtocolVersion};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio::time::timeout;

const MX1: &str = "mx1.example.test";
const MX2: &str = "mx2.example.test";
const STS_HOST: &str = "mta-sts.example.test";

fn v4(last: u8) -> IpAddr {
    IpAddr::V4(Ipv4Addr::new(127, 0, 0, last))
}

/// One PKI for the whole test binary (four RSA keys are slow in debug).
fn shared_pki() -> Pki {
    static PKI: OnceLock<Pki> = OnceLock::new();
    PKI.get_or_init(|| Pki::generate().expect("PKI")).clone()
}

async fn start(mxs: &[MxServerSpec]) -> (DomainLab, tempfile::TempDir) {
    let dir = tempfile::tempdir().expect("temp dir");
    let pki = tokio::task::spawn_blocking(shared_pki)
        .await
        .expect("PKI task");
    let lab = DomainLab::start_with_pki(dir.path(), pki, mxs)
        .await
        .expect("domain lab starts");
    (lab, dir)
}

fn spec(name: &str, addrs: &[IpAddr], cert: MxCert) -> MxServerSpec {
    let mut s = MxServerSpec::new(name, addrs);
    s.cert = cert;
    s
}

/// A rustls client trusting only the lab root of `ca_file`.
fn verifying_config(
    ca_file: &std::path::Path,
    versions: &[&'static rustls::SupportedProtocolVersion],
    sni: bool,
) -> Arc<rustls::ClientConfig> {
    let mut roots = rustls::RootCertStore::empty();
    for cert in CertificateDer::pem_file_iter(ca_file).expect("CA file") {
        roots.add(cert.expect("CA cert")).expect("root added");
    }
    let mut cfg = rustls::ClientConfig::builder_with_provider(Arc::new(ring::default_provider()))
        .with_protocol_versions(versions)
        .expect("versions")
        .with_root_certificates(roots)
        .with_no_client_auth();
    cfg.enable_sni = sni;
    Arc::new(cfg)
}

const BOTH: &[&rustls::SupportedProtocolVersion] =
    &[&rustls::version::TLS13, &rustls::version::TLS12];

type ClientTls = tokio_rustls::client::TlsStream<TcpStream>;

/// STARTTLS on `addr`, then a handshake with `cfg` for `name`.
async fn smtp_tls(
    addr: SocketAddr,
    cfg: Arc<rustls::ClientConfig>,
    name: &str,
) -> std::io::Result<ClientTls> {
    let tcp = starttls(addr).await;
    let name = ServerName::try_from(name.to_string()).expect("server name");
    timeout(T, tokio_rustls::TlsConnector::from(cfg).connect(name, tcp))
        .await
        .expect("handshake in time")
}

/// The rustls error inside a handshake's io::Error.
fn rustls_error(e: &std::io::Error) -> &rustls::Error {
    e.get_ref()
        .and_then(|inner| inner.downcast_ref::<rustls::Error>())
        .unwrap_or_else(|| panic!("not a rustls error: {e:?}"))
}

/// How verification failed, in words.
fn verify_failure(result: std::io::Result<ClientTls>) -> &'static str {
    let e = match result {
        Ok(_) => panic!("the certificate verified"),
        Err(e) => e,
    };
    match rustls_error(&e) {
        rustls::Error::InvalidCertificate(c) => match c {
            CertificateError::NotValidForName | CertificateError::NotValidForNameContext { .. } => {
                "name"
            }
            CertificateError::Expired | CertificateError::ExpiredContext { .. } => "expired",
            CertificateError::UnknownIssuer => "issuer",
            other => panic!("unexpected certificate error {other:?}"),
        },
        other => panic!("unexpected error {other:?}"),
    }
}

/// Runs a command with stdin closed, killed after 30 s; (success, stdout+stderr).
fn run(cmd: &mut Command) -> (bool, String) {
    let mut child = cmd
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("command starts");
    let deadline = Instant::now() + Duration::from_secs(30);
    let status = loop {
        if let Some(status) = child.try_wait().expect("wait") {
            break status;
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            panic!("command timed out: {cmd:?}");
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    let mut out = String::new();
    if let Some(mut o) = child.stdout.take() {
        let _ = o.read_to_string(&mut out);
    }
    if let Some(mut e) = child.stderr.take() {
        let _ = e.read_to_string(&mut out);
    }
    (status.success(), out)
}

/// `openssl s_client -starttls smtp` against `addr`, verifying `name`
/// against `ca_file` (+ extra args).
async fn s_client(
    addr: SocketAddr,
    name: &str,
    ca_file: &std::path::Path,
    extra: &[&str],
) -> (bool, String) {
    let mut cmd = Command::new("openssl");
    cmd.args(["s_client", "-starttls", "smtp", "-connect"])
        .arg(addr.to_string())
        .args(["-servername", name, "-verify_hostname", name, "-CAfile"])
        .arg(ca_file)
        .arg("-verify_return_error")
        .args(extra);
    tokio::task::spawn_blocking(move || run(&mut cmd))
        .await
        .expect("openssl task")
}

#[tokio::test]
async fn every_address_answers_on_the_shared_port() {
    let (lab, _dir) = start(&[
        spec(MX1, &[v4(2), v4(3)], MxCert::Valid),
        spec(MX2, &[v4(4)], MxCert::Valid),
    ])
    .await;
    assert_ne!(lab.port, 0);
    assert_eq!(
        lab.addrs(MX1),
        vec![
            SocketAddr::new(v4(2), lab.port),
            SocketAddr::new(v4(3), lab.port)
        ]
    );
    assert_eq!(lab.addrs(MX2), vec![SocketAddr::new(v4(4), lab.port)]);
    assert!(lab.ca_file.is_file());

    for (name, last) in [(MX1, 2), (MX1, 3), (MX2, 4)] {
        let addr = SocketAddr::new(v4(last), lab.port);
        let mut c = Smtp::new(TcpStream::connect(addr).await.expect("connect"));
        let (code, banner) = c.reply().await;
        assert_eq!(code, 220);
        assert!(
            banner[0].starts_with(&format!("220 {name} ESMTP")),
            "{banner:?}"
        );
        let (code, ehlo) = c.cmd("EHLO client.test").await;
        assert_eq!(code, 250);
        assert!(ehlo.iter().any(|l| l == "250-STARTTLS"), "{ehlo:?}");
        assert_eq!(c.cmd("QUIT").await.0, 221);

        // The default chain verifies for the MX name, on every address.
        let tls = smtp_tls(addr, verifying_config(&lab.ca_file, BOTH, true), name)
            .await
            .expect("valid chain verifies");
        let chain = peer_chain(&tls);
        assert_eq!(chain, lab.chain_der[name]);
        assert_eq!(chain[0], lab.leaf_der[name]);
        assert_eq!(chain.len(), 2);
        assert_eq!(chain[1], lab.intermediate_der);
        assert_eq!(
            tls.get_ref().1.protocol_version(),
            Some(ProtocolVersion::TLSv1_3)
        );
        // The SMTP session goes on inside TLS.
        let mut s = Smtp::new(tls);
        let (code, ehlo) = s.cmd("EHLO client.test").await;
        assert_eq!(code, 250);
        assert!(!ehlo.iter().any(|l| l == "250-STARTTLS"), "{ehlo:?}");
        assert_eq!(s.cmd("QUIT").await.0, 221);
    }
    // Each MX has its own leaf.
    assert_ne!(lab.leaf_der[MX1], lab.leaf_der[MX2]);
    let pem = std::fs::read(&lab.ca_file).expect("CA file");
    let root = CertificateDer::from_pem_slice(&pem).expect("root PEM");
    assert_eq!(root.as_ref(), &lab.root_der[..]);
}

#[tokio::test]
async fn openssl_cli_verifies_valid_and_rejects_broken() {
    if !require(&[Need::Openssl]) {
        return;
    }
    let (lab, _dir) = start(&[
        spec(MX1, &[v4(10), v4(11)], MxCert::Valid),
        spec(
            MX2,
            &[v4(12)],
            MxCert::WrongName("other.example.test".into()),
        ),
        spec("mx3.example.test", &[v4(13)], MxCert::SelfSigned),
        spec("mx4.example.test", &[v4(14)], MxCert::Expired),
        spec("mx5.example.test", &[v4(15)], MxCert::MissingIntermediate),
    ])
    .await;
    let at = |last| SocketAddr::new(v4(last), lab.port);

    for last in [10, 11] {
        let (ok, out) = s_client(at(last), MX1, &lab.ca_file, &[]).await;
        assert!(ok, "{out}");
        assert!(out.contains("Verify return code: 0 (ok)"), "{out}");
    }
    // X509_V_ERR_HOSTNAME_MISMATCH
    let (ok, out) = s_client(at(12), MX2, &lab.ca_file, &[]).await;
    assert!(!ok && out.contains("hostname mismatch"), "{out}");
    // X509_V_ERR_DEPTH_ZERO_SELF_SIGNED_CERT
    let (ok, out) = s_client(at(13), "mx3.example.test", &lab.ca_file, &[]).await;
    assert!(!ok && out.contains("self-signed certificate"), "{out}");
    // X509_V_ERR_CERT_HAS_EXPIRED
    let (ok, out) = s_client(at(14), "mx4.example.test", &lab.ca_file, &[]).await;
    assert!(!ok && out.contains("certificate has expired"), "{out}");
    // X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY
    let (ok, out) = s_client(at(15), "mx5.example.test", &lab.ca_file, &[]).await;
    assert!(
        !ok && out.contains("unable to get local issuer certificate"),
        "{out}"
    );
}

#[tokio::test]
async fn broken_certificates_fail_rustls_verification() {
    let (lab, _dir) = start(&[
        spec(
            MX1,
            &[v4(20)],
            MxCert::WrongName("other.example.test".into()),
        ),
        spec(MX2, &[v4(21)], MxCert::SelfSigned),
        spec("mx3.example.test", &[v4(22)], MxCert::Expired),
        spec("mx4.example.test", &[v4(23)], MxCert::MissingIntermediate),
    ])
    .await;
    let cfg = || verifying_config(&lab.ca_file, BOTH, true);
    let at = |last| SocketAddr::new(v4(last), lab.port);

    assert_eq!(verify_failure(smtp_tls(at(20), cfg(), MX1).await), "name");
    // ... but the chain is valid for the name it was made for.
    smtp_tls(at(20), cfg(), "other.example.test")
        .await
        .expect("valid for its own name");
    assert_eq!(verify_failure(smtp_tls(at(21), cfg(), MX2).await), "issuer");
    assert_eq!(
        verify_failure(smtp_tls(at(22), cfg(), "mx3.example.test").await),
        "expired"
    );
    assert_eq!(
        verify_failure(smtp_tls(at(23), cfg(), "mx4.example.test").await),
        "issuer"
    );

    // What was sent, seen by a client that accepts anything.
    let sent = |last, name: &'static str| {
        let lab = &lab;
        async move {
            let tls = smtp_tls(at(last), client_config(true), name)
                .await
                .expect("handshake");
            let chain = peer_chain(&tls);
            assert_eq!(chain, lab.chain_der[name]);
            assert_eq!(chain[0], lab.leaf_der[name]);
            chain
        }
    };
    assert_eq!(sent(20, MX1).await.len(), 2);
    assert_eq!(sent(21, MX2).await.len(), 1);
    assert_eq!(sent(22, "mx3.example.test").await.len(), 2);
    let missing = sent(23, "mx4.example.test").await;
    assert_eq!(missing.len(), 1, "the intermediate is not sent");
    assert!(!missing.contains(&lab.intermediate_der));

    // The missing intermediate is the only fault: with it, the leaf verifies.
    let roots = {
        let mut r = rustls::RootCertStore::empty();
        r.add(CertificateDer::from(lab.root_der.clone()))
            .expect("root");
        Arc::new(r)
    };
    let verifier = rustls::client::WebPkiServerVerifier::builder_with_provider(
        roots,
        Arc::new(ring::default_provider()),
    )
    .build()
    .expect("verifier");
    let leaf = CertificateDer::from(missing[0].clone());
    let intermediate = CertificateDer::from(lab.intermediate_der.clone());
    let name = ServerName::try_from("mx4.example.test").expect("name");
    let now = rustls::pki_types::UnixTime::now();
    verifier
        .verify_server_cert(&leaf, &[intermediate], &name, &[], now)
        .expect("leaf + intermediate verifies");
    assert!(
        verifier
            .verify_server_cert(&leaf, &[], &name, &[], now)
            .is_err()
    );
}

#[tokio::test]
async fn no_starttls_when_disabled() {
    let mut mx = spec(MX1, &[v4(30)], MxCert::Valid);
    mx.starttls = false;
    let (lab, _dir) = start(&[mx]).await;
    let addr = SocketAddr::new(v4(30), lab.port);
    let mut c = Smtp::new(TcpStream::connect(addr).await.expect("connect"));
    assert_eq!(c.reply().await.0, 220);
    let (code, ehlo) = c.cmd("EHLO client.test").await;
    assert_eq!(code, 250);
    assert!(
        !ehlo.iter().any(|l| l.contains("STARTTLS")),
        "STARTTLS offered: {ehlo:?}"
    );
    assert_eq!(c.cmd("STARTTLS").await.0, 502);
    assert_eq!(c.cmd("QUIT").await.0, 221);
    // A certificate is still issued (what it would serve).
    assert_eq!(lab.chain_der[MX1].len(), 2);
}

#[tokio::test]
async fn tls12_only_refuses_tls13() {
    if !require(&[Need::Openssl]) {
        return;
    }
    let mut mx = spec(MX1, &[v4(40)], MxCert::Valid);
    mx.tls12_only = true;
    let (lab, _dir) = start(&[mx]).await;
    let addr = SocketAddr::new(v4(40), lab.port);

    let tls13 = verifying_config(&lab.ca_file, &[&rustls::version::TLS13], true);
    let e = match smtp_tls(addr, tls13, MX1).await {
        Ok(_) => panic!("TLS 1.3 accepted"),
        Err(e) => e,
    };
    assert!(
        matches!(
            rustls_error(&e),
            rustls::Error::AlertReceived(rustls::AlertDescription::ProtocolVersion)
        ),
        "{e:?}"
    );

    let tls = smtp_tls(addr, verifying_config(&lab.ca_file, BOTH, true), MX1)
        .await
        .expect("TLS 1.2 works");
    assert_eq!(
        tls.get_ref().1.protocol_version(),
        Some(ProtocolVersion::TLSv1_2)
    );

    // The openssl CLI agrees.
    let (ok, out) = s_client(addr, MX1, &lab.ca_file, &["-tls1_3"]).await;
    assert!(!ok, "{out}");
    let (ok, out) = s_client(addr, MX1, &lab.ca_file, &["-tls1_2"]).await;
    assert!(ok && out.contains("Verify return code: 0 (ok)"), "{out}");
}

#[tokio::test]
async fn certificate_chosen_by_sni() {
    if !require(&[Need::Openssl]) {
        return;
    }
    let mut mx = spec(MX1, &[v4(50)], MxCert::SelfSigned);
    mx.sni_certs = vec![
        (MX1.to_string(), MxCert::Valid),
        (
            "alias.example.test".to_string(),
            MxCert::WrongName("else.example.test".into()),
        ),
    ];
    let (lab, _dir) = start(&[mx]).await;
    let addr = SocketAddr::new(v4(50), lab.port);
    let sni_chain = |sni: &str| lab.sni_chain_der[&(MX1.to_string(), sni.to_string())].clone();

    // With SNI = the MX name: the valid chain.
    let tls = smtp_tls(addr, verifying_config(&lab.ca_file, BOTH, true), MX1)
        .await
        .expect("valid with SNI");
    assert_eq!(peer_chain(&tls), sni_chain(MX1));
    assert_ne!(sni_chain(MX1)[0], lab.leaf_der[MX1]);

    // Without SNI: the default (self-signed) certificate.
    let no_sni = verifying_config(&lab.ca_file, BOTH, false);
    assert_eq!(verify_failure(smtp_tls(addr, no_sni, MX1).await), "issuer");
    let tls = smtp_tls(addr, client_config(false), MX1)
        .await
        .expect("handshake");
    assert_eq!(peer_chain(&tls), vec![lab.leaf_der[MX1].clone()]);
    assert_eq!(lab.chain_der[MX1], vec![lab.leaf_der[MX1].clone()]);

    // Another configured SNI name, case-insensitively.
    let tls = smtp_tls(addr, client_config(true), "ALIAS.example.test")
        .await
        .expect("handshake");
    assert_eq!(peer_chain(&tls), sni_chain("alias.example.test"));

    // An unknown SNI name: the default certificate.
    let tls = smtp_tls(addr, client_config(true), "unknown.example.test")
        .await
        .expect("handshake");
    assert_eq!(peer_chain(&tls)[0], lab.leaf_der[MX1]);

    // openssl sends SNI too.
    let (ok, out) = s_client(addr, MX1, &lab.ca_file, &[]).await;
    assert!(ok && out.contains("Verify return code: 0 (ok)"), "{out}");
}

#[tokio::test]
async fn ipv6_loopback_when_available() {
    if !require(&[Need::Openssl]) {
        return;
    }
    let v6 = IpAddr::V6(Ipv6Addr::LOCALHOST);
    let available = std::net::TcpListener::bind((v6, 0)).is_ok();
    let dir = tempfile::tempdir().expect("temp dir");
    let pki = tokio::task::spawn_blocking(shared_pki)
        .await
        .expect("PKI task");
    let result =
        DomainLab::start_with_pki(dir.path(), pki, &[spec(MX1, &[v4(60), v6], MxCert::Valid)])
            .await;
    if !available {
        match result {
            Err(LabError::Bind { addr, source, .. }) => {
                assert_eq!(addr.ip(), v6);
                assert!(source.to_string().contains(MX1), "{source}");
                eprintln!("::1 is not usable here: {source}");
                return;
            }
            other => panic!("expected a bind error for ::1, got {other:?}"),
        }
    }
    let lab = result.expect("lab on 127.0.0.60 and ::1");
    let addr = SocketAddr::new(v6, lab.port);
    assert!(lab.addrs(MX1).contains(&addr));
    let tls = smtp_tls(addr, verifying_config(&lab.ca_file, BOTH, true), MX1)
        .await
        .expect("valid over IPv6");
    assert_eq!(peer_chain(&tls), lab.chain_der[MX1]);
    let (ok, out) = s_client(addr, MX1, &lab.ca_file, &[]).await;
    assert!(ok && out.contains("Verify return code: 0 (ok)"), "{out}");
}

#[tokio::test]
async fn start_generates_its_own_pki_and_drop_stops_servers() {
    let dir = tempfile::tempdir().expect("temp dir");
    let lab = DomainLab::start(dir.path(), &[spec(MX1, &[v4(70), v4(71)], MxCert::Valid)])
        .await
        .expect("lab starts");
    assert_eq!(
        lab.ca_file,
        dir.path().join(lab::domain::CA_FILE_NAME),
        "CA file in dir"
    );
    let addrs = lab.addrs(MX1);
    smtp_tls(addrs[1], verifying_config(&lab.ca_file, BOTH, true), MX1)
        .await
        .expect("valid");
    drop(lab);
    for addr in addrs {
        wait_closed(addr).await;
    }
}

#[tokio::test]
async fn invalid_specs_are_clear_errors() {
    let dir = tempfile::tempdir().expect("temp dir");
    let kind = |r: Result<DomainLab, LabError>| match r {
        Err(LabError::Bind { source, .. }) => (source.kind(), source.to_string()),
        other => panic!("expected a bind error, got {other:?}"),
    };
    // Not loopback.
    let (k, msg) = kind(
        DomainLab::start(
            dir.path(),
            &[spec(
                MX1,
                &["192.0.2.1".parse().expect("ip")],
                MxCert::Valid,
            )],
        )
        .await,
    );
    assert_eq!(k, std::io::ErrorKind::InvalidInput);
    assert!(msg.contains("192.0.2.1") && msg.contains(MX1), "{msg}");
    // One address for two MX hosts.
    let (k, msg) = kind(
        DomainLab::start(
            dir.path(),
            &[
                spec(MX1, &[v4(80)], MxCert::Valid),
                spec(MX2, &[v4(80)], MxCert::Valid),
            ],
        )
        .await,
    );
    assert_eq!(k, std::io::ErrorKind::InvalidInput);
    assert!(msg.contains("127.0.0.80"), "{msg}");
    // Nothing to listen on.
    let (k, _) = kind(DomainLab::start(dir.path(), &[spec(MX1, &[], MxCert::Valid)]).await);
    assert_eq!(k, std::io::ErrorKind::InvalidInput);
}

#[tokio::test]
async fn hostile_smtp_input_does_not_stop_the_server() {
    let (lab, _dir) = start(&[spec(MX1, &[v4(90)], MxCert::Valid)]).await;
    let addr = SocketAddr::new(v4(90), lab.port);
    // An overlong line, binary junk, then a TLS ClientHello-like blob after
    // STARTTLS.
    let mut tcp = TcpStream::connect(addr).await.expect("connect");
    let _ = tcp.write_all(&vec![b'x'; 100_000]).await;
    drop(tcp);
    let mut tcp = starttls(addr).await;
    let _ = tcp.write_all(b"\x16\x03\x01\xff\xffjunk\r\n").await;
    let mut rest = Vec::new();
    let _ = timeout(T, tcp.read_to_end(&mut rest)).await;
    drop(tcp);
    smtp_tls(addr, verifying_config(&lab.ca_file, BOTH, true), MX1)
        .await
        .expect("still serving");
}

// ---------------------------------------------------------------------------
// MTA-STS policy server
// ---------------------------------------------------------------------------

const POLICY: &str = "version: STSv1\nmode: enforce\nmx: mx1.example.test\nmax_age: 86400\n";

async fn policy_server(response: PolicyResponse) -> (PolicyServer, DomainLab, tempfile::TempDir) {
    let (lab, dir) = start(&[spec(MX1, &[v4(100)], MxCert::Valid)]).await;
    let (chain, key) = lab.issue(&MxCert::Valid, STS_HOST).expect("issue");
    assert_eq!(chain.len(), 2);
    assert_eq!(chain[1], lab.intermediate_der);
    let server = PolicyServer::start("127.0.0.1:0".parse().expect("addr"), chain, key, response)
        .await
        .expect("policy server starts");
    (server, lab, dir)
}

/// A parsed HTTP response.
#[derive(Debug)]
struct Http {
    status: u16,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
}

impl Http {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

fn parse_http(raw: &[u8]) -> Http {
    let split = raw
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .expect("end of head");
    let head = String::from_utf8(raw[..split].to_vec()).expect("UTF-8 head");
    let mut lines = head.split("\r\n");
    let status_line = lines.next().expect("status line");
    let mut parts = status_line.splitn(3, ' ');
    assert_eq!(parts.next(), Some("HTTP/1.1"));
    let status = parts
        .next()
        .and_then(|s| s.parse().ok())
        .expect("status code");
    let headers = lines
        .map(|l| {
            let (n, v) = l.split_once(':').expect("header");
            (n.to_string(), v.trim().to_string())
        })
        .collect();
    Http {
        status,
        headers,
        body: raw[split + 4..].to_vec(),
    }
}

/// Sends `request` over TLS (verifying `STS_HOST` against the lab root) and
/// reads everything until the server closes.
async fn https_raw(
    server: &PolicyServer,
    ca_file: &std::path::Path,
    versions: &[&'static rustls::SupportedProtocolVersion],
    request: &[u8],
) -> (Vec<u8>, ProtocolVersion) {
    let tcp = TcpStream::connect(server.addr).await.expect("connect");
    let name = ServerName::try_from(STS_HOST).expect("name");
    let mut tls = timeout(
        T,
        tokio_rustls::TlsConnector::from(verifying_config(ca_file, versions, true))
            .connect(name, tcp),
    )
    .await
    .expect("handshake in time")
    .expect("certificate verifies for mta-sts name");
    let version = tls.get_ref().1.protocol_version().expect("version");
    tls.write_all(request).await.expect("write");
    tls.flush().await.expect("flush");
    let mut out = Vec::new();
    timeout(T, tls.read_to_end(&mut out))
        .await
        .expect("server closes in time")
        .expect("clean close (close_notify)");
    (out, version)
}

async fn get(server: &PolicyServer, ca_file: &std::path::Path, path: &str) -> Http {
    let req = format!("GET {path} HTTP/1.1\r\nHost: {STS_HOST}\r\nUser-Agent: lab-test\r\n\r\n");
    parse_http(&https_raw(server, ca_file, BOTH, req.as_bytes()).await.0)
}

#[tokio::test]
async fn policy_is_served_over_tls12_and_tls13() {
    let (server, lab, _dir) = policy_server(PolicyResponse::ok(POLICY)).await;
    let req = format!("GET {POLICY_PATH} HTTP/1.1\r\nHost: {STS_HOST}\r\n\r\n");
    for (versions, expect) in [
        (&[&rustls::version::TLS13][..], ProtocolVersion::TLSv1_3),
        (&[&rustls::version::TLS12][..], ProtocolVersion::TLSv1_2),
    ] {
        let (raw, version) = https_raw(&server, &lab.ca_file, versions, req.as_bytes()).await;
        assert_eq!(version, expect);
        let r = parse_http(&raw);
        assert_eq!(r.status, 200);
        assert_eq!(r.header("Content-Type"), Some("text/plain"));
        assert_eq!(
            r.header("Content-Length"),
            Some(POLICY.len().to_string().as_str())
        );
        assert_eq!(r.header("Connection"), Some("close"));
        assert_eq!(r.header("Location"), None);
        assert_eq!(r.body, POLICY.as_bytes());
    }
    assert_eq!(
        server.requests(),
        vec![
            (POLICY_PATH.to_string(), Some(STS_HOST.to_string())),
            (POLICY_PATH.to_string(), Some(STS_HOST.to_string())),
        ]
    );
}

#[tokio::test]
async fn other_paths_404_and_requests_are_logged() {
    let (server, lab, _dir) = policy_server(PolicyResponse::ok(POLICY)).await;
    let r = get(&server, &lab.ca_file, "/").await;
    assert_eq!(r.status, 404);
    let r = get(&server, &lab.ca_file, "/.well-known/mta-sts.txt.bak").await;
    assert_eq!(r.status, 404);
    // No Host header, HTTP/1.0, lower-case header names are all fine.
    let (raw, _) = https_raw(
        &server,
        &lab.ca_file,
        BOTH,
        format!("GET {POLICY_PATH} HTTP/1.0\r\n\r\n").as_bytes(),
    )
    .await;
    assert_eq!(parse_http(&raw).status, 200);
    let (raw, _) = https_raw(
        &server,
        &lab.ca_file,
        BOTH,
        format!("GET {POLICY_PATH}?x=1 HTTP/1.1\r\nhost: Other.Test:443\r\n\r\n").as_bytes(),
    )
    .await;
    assert_eq!(parse_http(&raw).status, 200);
    // HEAD: headers only.
    let (raw, _) = https_raw(
        &server,
        &lab.ca_file,
        BOTH,
        format!("HEAD {POLICY_PATH} HTTP/1.1\r\nHost: {STS_HOST}\r\n\r\n").as_bytes(),
    )
    .await;
    let r = parse_http(&raw);
    assert_eq!(r.status, 200);
    assert!(r.body.is_empty());
    assert_eq!(
        r.header("Content-Length"),
        Some(POLICY.len().to_string().as_str())
    );
    // Other methods.
    let (raw, _) = https_raw(
        &server,
        &lab.ca_file,
        BOTH,
        format!("POST {POLICY_PATH} HTTP/1.1\r\nHost: {STS_HOST}\r\nContent-Length: 0\r\n\r\n")
            .as_bytes(),
    )
    .await;
    assert_eq!(parse_http(&raw).status, 405);

    let host = Some(STS_HOST.to_string());
    assert_eq!(
        server.requests(),
        vec![
            ("/".to_string(), host.clone()),
            ("/.well-known/mta-sts.txt.bak".to_string(), host.clone()),
            (POLICY_PATH.to_string(), None),
            (
                format!("{POLICY_PATH}?x=1"),
                Some("Other.Test:443".to_string())
            ),
            (POLICY_PATH.to_string(), host.clone()),
            (POLICY_PATH.to_string(), host),
        ]
    );
}

#[tokio::test]
async fn redirects_statuses_content_types_and_updates() {
    let (server, lab, _dir) = policy_server(PolicyResponse::redirect(
        301,
        "https://elsewhere.example.test/.well-known/mta-sts.txt",
    ))
    .await;
    let r = get(&server, &lab.ca_file, POLICY_PATH).await;
    assert_eq!(r.status, 301);
    assert_eq!(
        r.header("Location"),
        Some("https://elsewhere.example.test/.well-known/mta-sts.txt")
    );
    assert_eq!(r.header("Content-Length"), Some("0"));
    assert!(r.body.is_empty());

    server.set_response(PolicyResponse {
        status: 200,
        content_type: Some("text/html; charset=utf-8".into()),
        body: b"<html>not a policy</html>".to_vec(),
        location: None,
        delay: None,
    });
    let r = get(&server, &lab.ca_file, POLICY_PATH).await;
    assert_eq!(r.status, 200);
    assert_eq!(r.header("Content-Type"), Some("text/html; charset=utf-8"));
    assert_eq!(r.body, b"<html>not a policy</html>");

    let mut no_type = PolicyResponse::ok(POLICY);
    no_type.content_type = None;
    server.set_response(no_type);
    let r = get(&server, &lab.ca_file, POLICY_PATH).await;
    assert_eq!(r.header("Content-Type"), None);
    assert_eq!(r.body, POLICY.as_bytes());

    server.set_response(PolicyResponse::status(500));
    let r = get(&server, &lab.ca_file, POLICY_PATH).await;
    assert_eq!(r.status, 500);
    assert_eq!(server.requests().len(), 4);
}

#[tokio::test]
async fn delayed_answer() {
    let delay = Duration::from_millis(700);
    let (server, lab, _dir) = policy_server(PolicyResponse::ok(POLICY).delayed(delay)).await;
    let started = Instant::now();
    let r = get(&server, &lab.ca_file, POLICY_PATH).await;
    assert!(started.elapsed() >= delay, "{:?}", started.elapsed());
    assert_eq!(r.status, 200);
    // Other paths are not delayed: with the policy delayed by ten minutes, "/" still gets its
    // 404 within https_raw's 10 s hang guard (no wall time is measured for it).
    server.set_response(PolicyResponse::ok(POLICY).delayed(Duration::from_secs(600)));
    assert_eq!(get(&server, &lab.ca_file, "/").await.status, 404);
}

#[tokio::test]
async fn hostile_http_input_is_bounded() {
    let (server, lab, _dir) = policy_server(PolicyResponse::ok(POLICY)).await;
    // A head over 16 KiB: 431, nothing logged.
    let mut big = format!("GET {POLICY_PATH} HTTP/1.1\r\nHost: {STS_HOST}\r\n").into_bytes();
    while big.len() <= 17 * 1024 {
        big.extend_from_slice(b"X-Filler: aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\r\n");
    }
    big.extend_from_slice(b"\r\n");
    let (raw, _) = https_raw(&server, &lab.ca_file, BOTH, &big).await;
    assert_eq!(parse_http(&raw).status, 431);
    // A malformed request line: 400.
    let (raw, _) = https_raw(&server, &lab.ca_file, BOTH, b"\xff\xfe garbage\r\n\r\n").await;
    assert_eq!(parse_http(&raw).status, 400);
    // Plain text instead of a ClientHello, then a client that goes away.
    let mut tcp = TcpStream::connect(server.addr).await.expect("connect");
    let _ = tcp.write_all(b"GET / HTTP/1.1\r\n\r\n").await;
    let mut rest = Vec::new();
    let _ = timeout(T, tcp.read_to_end(&mut rest)).await;
    drop(TcpStream::connect(server.addr).await.expect("connect"));
    assert!(server.requests().is_empty());
    // Still serving.
    assert_eq!(get(&server, &lab.ca_file, POLICY_PATH).await.status, 200);
}

#[tokio::test]
async fn curl_fetches_the_policy() {
    if !require(&[Need::Curl]) {
        return;
    }
    let (server, lab, _dir) = policy_server(PolicyResponse::ok(POLICY)).await;
    let url = format!("https://{STS_HOST}:{}{POLICY_PATH}", server.addr.port());
    let mut cmd = Command::new("curl");
    cmd.args(["--silent", "--show-error", "--include", "--max-time", "10"])
        .arg("--resolve")
        .arg(format!("{STS_HOST}:{}:127.0.0.1", server.addr.port()))
        .arg("--cacert")
        .arg(&lab.ca_file)
        .arg(&url);
    let (ok, out) = tokio::task::spawn_blocking(move || run(&mut cmd))
        .await
        .expect("curl task");
    assert!(ok, "{out}");
    assert!(out.starts_with("HTTP/1.1 200 OK\r\n"), "{out}");
    assert!(out.contains("Content-Type: text/plain\r\n"), "{out}");
    assert!(out.ends_with(POLICY), "{out}");
    assert_eq!(
        server.requests(),
        vec![(
            POLICY_PATH.to_string(),
            Some(format!("{STS_HOST}:{}", server.addr.port()))
        )]
    );
}
