//! Helpers shared by the lab's integration tests: a tiny SMTP client and a
//! rustls client that accepts any certificate; what the machine has (`host`, the same file as
//! crates/cli's: programs, loud skips, directories removed at exit).
#![allow(dead_code)]

#[path = "../../../cli/tests/common/host.rs"]
pub mod host;

#[allow(unused_imports)]
pub use host::{Need, require, skip};

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use lab::{LabConfig, RunningLab};
use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::crypto::{CryptoProvider, ring};
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use rustls::{DigitallySignedStruct, SignatureScheme};
use tokio::io::{AsyncBufReadExt, AsyncRead, AsyncWrite, AsyncWriteExt, BufReader};
use tokio::net::TcpStream;
use tokio::time::timeout;

pub const T: Duration = Duration::from_secs(10);

/// Polls until nothing accepts connections on `addr` any more (a server that was stopped);
/// panics after 200 tries, 50 ms apart.
pub async fn wait_closed(addr: SocketAddr) {
    for _ in 0..200 {
        if TcpStream::connect(addr).await.is_err() {
            return;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("{addr} still accepts connections");
}

/// Starts a lab with only the given scenarios; the temp dir must outlive it.
pub async fn lab(only: &[&str]) -> (RunningLab, tempfile::TempDir) {
    lab_with(only, |_| {}).await
}

pub async fn lab_with(
    only: &[&str],
    tweak: impl FnOnce(&mut LabConfig),
) -> (RunningLab, tempfile::TempDir) {
    let dir = tempfile::tempdir().expect("temp dir");
    let mut cfg = LabConfig::new(dir.path().to_path_buf());
    cfg.only = Some(only.iter().map(|s| s.to_string()).collect());
    tweak(&mut cfg);
    let lab = lab::start(cfg).await.expect("lab starts");
    (lab, dir)
}

pub fn addr(lab: &RunningLab, scenario: &str) -> SocketAddr {
    lab.endpoint(scenario).expect("scenario started").addr
}

/// A line-oriented SMTP client over any stream.
pub struct Smtp<S> {
    pub r: BufReader<S>,
}

impl<S: AsyncRead + AsyncWrite + Unpin> Smtp<S> {
    pub fn new(s: S) -> Self {
        Smtp {
            r: BufReader::new(s),
        }
    }

    /// Reads one (possibly multi-line) reply: the code and the full lines.
    pub async fn reply(&mut self) -> (u16, Vec<String>) {
        let mut lines = Vec::new();
        loop {
            let mut line = String::new();
            let n = timeout(T, self.r.read_line(&mut line))
                .await
                .expect("reply in time")
                .expect("read reply");
            assert!(n > 0, "unexpected EOF after {lines:?}");
            let line = line.trim_end_matches(['\r', '\n']).to_string();
            let more = line.as_bytes().get(3) == Some(&b'-');
            lines.push(line);
            if !more {
                break;
            }
        }
        let code = lines
            .last()
            .and_then(|l| l.get(..3))
            .and_then(|c| c.parse().ok())
            .expect("reply code");
        (code, lines)
    }

    pub async fn send(&mut self, line: &str) {
        let w = self.r.get_mut();
        w.write_all(line.as_bytes()).await.expect("write");
        w.write_all(b"\r\n").await.expect("write");
        w.flush().await.expect("flush");
    }

    pub async fn cmd(&mut self, line: &str) -> (u16, Vec<String>) {
        self.send(line).await;
        self.reply().await
    }

    /// Asserts that the server closes the connection (EOF or reset) soon.
    pub async fn expect_closed(&mut self) {
        let mut rest = Vec::new();
        let r = timeout(
            T,
            tokio::io::AsyncReadExt::read_to_end(&mut self.r, &mut rest),
        )
        .await
        .expect("server closes in time");
        if r.is_ok() {
            assert!(
                rest.is_empty(),
                "unexpected data: {:?}",
                String::from_utf8_lossy(&rest)
            );
        }
    }
}

/// Connects, reads the banner, EHLO, STARTTLS: returns the raw TCP stream
/// ready for the TLS handshake.
pub async fn starttls(addr: SocketAddr) -> TcpStream {
    let tcp = TcpStream::connect(addr).await.expect("connect");
    let mut c = Smtp::new(tcp);
    assert_eq!(c.reply().await.0, 220);
    let (code, lines) = c.cmd("EHLO client.test").await;
    assert_eq!(code, 250);
    assert!(lines.iter().any(|l| l == "250-STARTTLS"), "{lines:?}");
    assert_eq!(
        c.cmd("STARTTLS").await,
        (220, vec!["220 2.0.0 Ready to start TLS".to_string()])
    );
    assert!(c.r.buffer().is_empty());
    c.r.into_inner()
}

/// Accepts every certificate and every signature.
#[derive(Debug)]
pub struct AcceptAll(pub CryptoProvider);

impl ServerCertVerifier for AcceptAll {
    fn verify_server_cert(
        &self,
        _end_entity: &CertificateDer<'_>,
        _intermediates: &[CertificateDer<'_>],
        _server_name: &ServerName<'_>,
        _ocsp_response: &[u8],
        _now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        Ok(ServerCertVerified::assertion())
    }

    fn verify_tls12_signature(
        &self,
        _message: &[u8],
        _cert: &CertificateDer<'_>,
        _dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        // Unconditionally: ring cannot verify RSA-1024 signatures (weak-key).
        Ok(HandshakeSignatureValid::assertion())
    }

    fn verify_tls13_signature(
        &self,
        _message: &[u8],
        _cert: &CertificateDer<'_>,
        _dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        Ok(HandshakeSignatureValid::assertion())
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.0.signature_verification_algorithms.supported_schemes()
    }
}

pub fn client_config(sni: bool) -> Arc<rustls::ClientConfig> {
    let mut cfg = rustls::ClientConfig::builder_with_provider(Arc::new(ring::default_provider()))
        .with_protocol_versions(&[&rustls::version::TLS13, &rustls::version::TLS12])
        .expect("versions")
        .dangerous()
        .with_custom_certificate_verifier(Arc::new(AcceptAll(ring::default_provider())))
        .with_no_client_auth();
    cfg.enable_sni = sni;
    Arc::new(cfg)
}

pub type Tls = tokio_rustls::client::TlsStream<TcpStream>;

pub async fn handshake(tcp: TcpStream, sni: bool) -> std::io::Result<Tls> {
    let connector = tokio_rustls::TlsConnector::from(client_config(sni));
    let name = ServerName::try_from(lab::LAB_HOST).expect("name");
    timeout(T, connector.connect(name, tcp))
        .await
        .expect("handshake in time")
}

/// The certificates the server sent.
pub fn peer_chain(tls: &Tls) -> Vec<Vec<u8>> {
    tls.get_ref()
        .1
        .peer_certificates()
        .expect("peer certificates")
        .iter()
        .map(|c| c.to_vec())
        .collect()
}
