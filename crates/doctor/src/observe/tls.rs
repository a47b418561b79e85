//! The rustls side of the probe: a certificate verifier that records and decides nothing, and
//! the translation of handshake errors into observations.

use crate::model::observation::Alert;
use crate::model::observation::Failure;
use crate::model::observation::FailureKind;
use crate::model::observation::Phase;
use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::crypto::CryptoProvider;
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use rustls::{DigitallySignedStruct, ProtocolVersion, SignatureScheme};
use std::net::IpAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use wire::tls::Direction;

/// The one crypto provider of the tool (ring).
pub fn provider() -> Arc<CryptoProvider> {
    Arc::new(rustls::crypto::ring::default_provider())
}

/// Records the chain and the handshake signature's validity, and accepts everything, so that the
/// handshake goes on and the analysis, not the TLS library, gives the verdict.
#[derive(Debug)]
pub struct RecordingVerifier {
    provider: Arc<CryptoProvider>,
    chain: Mutex<Vec<Vec<u8>>>,
    signature_problem: Mutex<Option<String>>,
}

impl RecordingVerifier {
    pub fn new() -> Self {
        RecordingVerifier {
            provider: provider(),
            chain: Mutex::new(Vec::new()),
            signature_problem: Mutex::new(None),
        }
    }

    pub fn chain(&self) -> Vec<Vec<u8>> {
        self.chain.lock().map(|c| c.clone()).unwrap_or_default()
    }

    pub fn signature_problem(&self) -> Option<String> {
        self.signature_problem.lock().ok().and_then(|s| s.clone())
    }

    fn record_signature(
        &self,
        r: Result<HandshakeSignatureValid, rustls::Error>,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        if let Err(e) = r
            && let Ok(mut s) = self.signature_problem.lock()
        {
            *s = Some(e.to_string());
        }
        Ok(HandshakeSignatureValid::assertion())
    }
}

impl Default for RecordingVerifier {
    fn default() -> Self {
        Self::new()
    }
}

impl ServerCertVerifier for RecordingVerifier {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        _server_name: &ServerName<'_>,
        _ocsp_response: &[u8],
        _now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        if let Ok(mut c) = self.chain.lock() {
            *c = std::iter::once(end_entity)
                .chain(intermediates)
                .map(|d| d.as_ref().to_vec())
                .collect();
        }
        Ok(ServerCertVerified::assertion())
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        self.record_signature(rustls::crypto::verify_tls12_signature(
            message,
            cert,
            dss,
            &self.provider.signature_verification_algorithms,
        ))
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        self.record_signature(rustls::crypto::verify_tls13_signature(
            message,
            cert,
            dss,
            &self.provider.signature_verification_algorithms,
        ))
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        let mut s = self
            .provider
            .signature_verification_algorithms
            .supported_schemes();
        // Old TLS 1.2 servers sign with SHA-1 only; offering it lets their handshake complete.
        s.push(SignatureScheme::RSA_PKCS1_SHA1);
        s.push(SignatureScheme::ECDSA_SHA1_Legacy);
        s
    }
}

/// A connector offering TLS 1.3 and 1.2 with rustls' defaults, recording through `verifier`.
pub fn connector(
    verifier: Arc<RecordingVerifier>,
    send_sni: bool,
) -> Result<tokio_rustls::TlsConnector, rustls::Error> {
    let mut config = rustls::ClientConfig::builder_with_provider(provider())
        .with_protocol_versions(&[&rustls::version::TLS13, &rustls::version::TLS12])?
        .dangerous()
        .with_custom_certificate_verifier(verifier)
        .with_no_client_auth();
    config.enable_sni = send_sni;
    Ok(tokio_rustls::TlsConnector::from(Arc::new(config)))
}

/// The name handed to rustls: the SNI when there is one, else the address (rustls then sends none).
pub fn server_name(sni: Option<&str>, ip: IpAddr) -> ServerName<'static> {
    sni.and_then(|s| ServerName::try_from(s.to_string()).ok())
        .unwrap_or(ServerName::IpAddress(ip.into()))
}

pub fn version_name(v: ProtocolVersion) -> String {
    wire::tls::version_name(u16::from(v))
}

/// Turn a failed handshake into a failure with words, looking at the bytes the server sent.
pub fn classify_error(
    e: &std::io::Error,
    chunks: &[(Direction, Duration, Vec<u8>)],
) -> (Failure, Option<Alert>) {
    let f = classify(e, chunks);
    let alert = alert_of(e);
    (f, alert)
}

/// The alert carried by an I/O error from rustls, if the peer sent one.
pub(crate) fn alert_of(e: &std::io::Error) -> Option<Alert> {
    match e.get_ref().and_then(|i| i.downcast_ref::<rustls::Error>()) {
        Some(rustls::Error::AlertReceived(desc)) => {
            let code = u8::from(*desc);
            Some(Alert {
                code,
                name: wire::tls::alert_description_name(code)
                    .unwrap_or("unknown")
                    .to_string(),
            })
        }
        _ => None,
    }
}

fn classify(e: &std::io::Error, chunks: &[(Direction, Duration, Vec<u8>)]) -> Failure {
    let server: Vec<u8> = chunks
        .iter()
        .filter(|c| c.0 == Direction::ServerToClient)
        .flat_map(|c| c.2.iter().copied())
        .take(64)
        .collect();
    let rustls_err = e.get_ref().and_then(|i| i.downcast_ref::<rustls::Error>());
    if let Some(rustls::Error::AlertReceived(desc)) = rustls_err {
        let code = u8::from(*desc);
        let name = wire::tls::alert_description_name(code)
            .unwrap_or("unknown")
            .to_string();
        return Failure {
            phase: Phase::Handshake,
            kind: FailureKind::TlsAlert,
            message: format!("the server sent the TLS alert {name} ({code})"),
        };
    }
    if let Some(first) = server.first()
        && !(20..=24).contains(first)
    {
        return Failure {
            phase: Phase::Handshake,
            kind: FailureKind::NotTls,
            message: format!(
                "the server answered with bytes that are not TLS: {}",
                excerpt(&server)
            ),
        };
    }
    match e.kind() {
        std::io::ErrorKind::UnexpectedEof
        | std::io::ErrorKind::ConnectionReset
        | std::io::ErrorKind::BrokenPipe => Failure {
            phase: Phase::Handshake,
            kind: FailureKind::Closed,
            message: if server.is_empty() {
                "the server closed the connection without answering our ClientHello".into()
            } else {
                "the server closed the connection in the middle of the handshake".into()
            },
        },
        _ => Failure {
            phase: Phase::Handshake,
            kind: if rustls_err.is_some() {
                FailureKind::TlsError
            } else {
                FailureKind::Io
            },
            message: match rustls_err {
                Some(r) => format!("TLS error: {r}"),
                None => format!("{e}"),
            },
        },
    }
}

/// A printable excerpt of bytes for messages: at most 60 characters, others as \xNN.
pub fn excerpt(bytes: &[u8]) -> String {
    let mut s = String::new();
    for &b in bytes.iter().take(60) {
        match b {
            b'\r' => s.push_str("\\r"),
            b'\n' => s.push_str("\\n"),
            0x20..=0x7e => s.push(b as char),
            _ => s.push_str(&format!("\\x{b:02x}")),
        }
    }
    if bytes.len() > 60 {
        s.push('…');
    }
    format!("\"{s}\"")
}
