//! The rustls side of the probe: a certificate verifier that records and decides nothing, and
//! the translation of handshake errors into observations.

use crate::model::observation::Alert;
use crate::model::observation::Failure;
use crate::model::observation::FailureKind;
use crate::model::observation::Phase;
use crate::model::signature::SignatureCheck;
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
    signature: Mutex<Option<SignatureCheck>>,
    ocsp_stapled: Mutex<Option<bool>>,
}

impl RecordingVerifier {
    pub fn new() -> Self {
        RecordingVerifier {
            provider: provider(),
            chain: Mutex::new(Vec::new()),
            signature_problem: Mutex::new(None),
            signature: Mutex::new(None),
            ocsp_stapled: Mutex::new(None),
        }
    }

    /// The check of the handshake signature (CertificateVerify or ServerKeyExchange), if the
    /// server sent one.
    pub fn handshake_signature(&self) -> Option<SignatureCheck> {
        self.signature.lock().ok().and_then(|s| s.clone())
    }

    /// Whether an OCSP response came with the certificate (`None` before the certificate was
    /// verified).
    pub fn ocsp_stapled(&self) -> Option<bool> {
        self.ocsp_stapled.lock().ok().and_then(|s| *s)
    }

    pub fn chain(&self) -> Vec<Vec<u8>> {
        self.chain.lock().map(|c| c.clone()).unwrap_or_default()
    }

    pub fn signature_problem(&self) -> Option<String> {
        self.signature_problem.lock().ok().and_then(|s| s.clone())
    }

    fn record_signature(
        &self,
        message: &str,
        cert: &CertificateDer<'_>,
        scheme: SignatureScheme,
        r: Result<HandshakeSignatureValid, rustls::Error>,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        if let Ok(mut s) = self.signature.lock() {
            *s = Some(signature_check(message, cert.as_ref(), scheme, &r));
        }
        if let Err(e) = r
            && let Ok(mut s) = self.signature_problem.lock()
        {
            *s = Some(e.to_string());
        }
        // Not enforced here: the handshake goes on, so that the rest is observed too, and the
        // judge turns an invalid signature into its finding.
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
        ocsp_response: &[u8],
        _now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        if let Ok(mut s) = self.ocsp_stapled.lock() {
            *s = Some(!ocsp_response.is_empty());
        }
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
        self.record_signature(
            "ServerKeyExchange",
            cert,
            dss.scheme,
            rustls::crypto::verify_tls12_signature(
                message,
                cert,
                dss,
                &self.provider.signature_verification_algorithms,
            ),
        )
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        self.record_signature(
            "CertificateVerify",
            cert,
            dss.scheme,
            rustls::crypto::verify_tls13_signature(
                message,
                cert,
                dss,
                &self.provider.signature_verification_algorithms,
            ),
        )
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

/// Check a TLS 1.2 ServerKeyExchange signature seen by the scan: `signed` is its
/// `digitally-signed` element as sent, over `client_random + server_random + params`
/// (RFC 5246 section 7.4.3, RFC 8422 section 5.4), checked against `leaf` with rustls' own
/// function and the provider's algorithms, as the modern handshake is. `None` when `signed`
/// does not decode.
pub fn check_server_key_exchange(
    client_random: &[u8],
    signed: &wire::tls::flight::SignedParams,
    leaf: &[u8],
) -> Option<SignatureCheck> {
    use rustls::internal::msgs::codec::{Codec, Reader};
    // rustls offers no constructor for a DigitallySignedStruct: it is decoded from the bytes
    // the server sent, as rustls decodes it in a handshake.
    let dss = DigitallySignedStruct::read(&mut Reader::init(&signed.signed)).ok()?;
    let mut message =
        Vec::with_capacity(client_random.len() + signed.server_random.len() + signed.params.len());
    message.extend_from_slice(client_random);
    message.extend_from_slice(&signed.server_random);
    message.extend_from_slice(&signed.params);
    let cert = CertificateDer::from(leaf);
    let r = rustls::crypto::verify_tls12_signature(
        &message,
        &cert,
        &dss,
        &provider().signature_verification_algorithms,
    );
    Some(signature_check("ServerKeyExchange", leaf, dss.scheme, &r))
}

/// The outcome of a signature verification as an observation. A signature that does not verify
/// is told apart from one the provider cannot check: a scheme it has no algorithm for (SHA-1,
/// Ed448, P-521), or an RSA key outside the 2048 to 8192 bits its algorithms accept (which
/// webpki reports as a bad signature).
pub fn signature_check(
    message: &str,
    leaf: &[u8],
    scheme: SignatureScheme,
    r: &Result<HandshakeSignatureValid, rustls::Error>,
) -> SignatureCheck {
    let scheme_name = format!("{scheme:?}");
    let mut c = SignatureCheck {
        message: message.to_string(),
        scheme: scheme_name.clone(),
        verified: r.is_ok(),
        unchecked: false,
        error: None,
    };
    let Err(e) = r else {
        return c;
    };
    let key = leaf_key(leaf);
    let signed_with = scheme_family(scheme);
    let (unchecked, why) = match (&key, signed_with) {
        (None, _) => (
            true,
            format!("the leaf certificate's key cannot be read ({e})"),
        ),
        // A key type of its own (an RSA-PSS-only key, say) is left to the provider.
        (Some((kind, _)), Some(with))
            if *kind != with
                && ["RSA", "ECDSA", "Ed25519", "Ed448", "DSA"].contains(&kind.as_str()) =>
        {
            (
                false,
                format!(
                    "the server signed with {with} ({scheme_name}), but the key of its certificate is {kind}"
                ),
            )
        }
        (Some((kind, Some(bits))), _) if *kind == "RSA" && !(2048..=8192).contains(bits) => (
            true,
            format!(
                "the provider verifies RSA signatures of 2048 to 8192-bit keys only; this key has {bits} bits"
            ),
        ),
        _ if matches!(
            e,
            rustls::Error::InvalidCertificate(rustls::CertificateError::BadSignature)
        ) =>
        {
            (
                false,
                format!(
                    "the {message} signature ({scheme_name}) does not verify with the certificate's public key"
                ),
            )
        }
        _ => (true, format!("the signature could not be checked: {e}")),
    };
    c.unchecked = unchecked;
    c.error = Some(why);
    c
}

/// The leaf's key type ("RSA", "ECDSA", "Ed25519", "Ed448", or the algorithm's OID) and, for
/// RSA, its size in bits.
fn leaf_key(leaf: &[u8]) -> Option<(String, Option<u32>)> {
    let (_, cert) = x509_parser::parse_x509_certificate(leaf).ok()?;
    let spki = cert.public_key();
    let alg = spki.algorithm.algorithm.to_id_string();
    Some(match spki.parsed() {
        Ok(x509_parser::public_key::PublicKey::RSA(rsa)) => {
            ("RSA".to_string(), u32::try_from(rsa.key_size()).ok())
        }
        Ok(x509_parser::public_key::PublicKey::EC(_)) => ("ECDSA".to_string(), None),
        Ok(x509_parser::public_key::PublicKey::DSA(_)) => ("DSA".to_string(), None),
        _ if alg == "1.3.101.112" => ("Ed25519".to_string(), None),
        _ if alg == "1.3.101.113" => ("Ed448".to_string(), None),
        _ => (alg, None),
    })
}

/// The key type a signature scheme signs with, in [`leaf_key`]'s words (RFC 8446 section
/// 4.2.3: the TLS 1.2 code points are hash, then signature: 1 RSA, 2 DSA, 3 ECDSA).
fn scheme_family(scheme: SignatureScheme) -> Option<&'static str> {
    let v = u16::from(scheme);
    match (v >> 8, v & 0xff) {
        (0x08, 0x04..=0x06 | 0x09..=0x0b) => Some("RSA"),
        (0x08, 0x07) => Some("Ed25519"),
        (0x08, 0x08) => Some("Ed448"),
        (0x08, 0x1a..=0x1c) => Some("ECDSA"),
        (0x08, _) => None,
        (_, 1) => Some("RSA"),
        (_, 2) => Some("DSA"),
        (_, 3) => Some("ECDSA"),
        _ => None,
    }
}

/// A connector offering TLS 1.3 and 1.2 with rustls' defaults, recording through `verifier`.
pub fn connector(
    verifier: Arc<RecordingVerifier>,
    send_sni: bool,
) -> Result<tokio_rustls::TlsConnector, rustls::Error> {
    let config = modern_config(verifier, send_sni)?;
    Ok(tokio_rustls::TlsConnector::from(Arc::new(config)))
}

/// The modern handshake's client config: TLS 1.3 and 1.2, rustls' defaults, `verifier`.
fn modern_config(
    verifier: Arc<RecordingVerifier>,
    send_sni: bool,
) -> Result<rustls::ClientConfig, rustls::Error> {
    let mut config = rustls::ClientConfig::builder_with_provider(provider())
        .with_protocol_versions(&[&rustls::version::TLS13, &rustls::version::TLS12])?
        .dangerous()
        .with_custom_certificate_verifier(verifier)
        .with_no_client_auth();
    config.enable_sni = send_sni;
    Ok(config)
}

/// [`connector`] whose session store records whether a TLS 1.3 ticket arrived (and never hands
/// one out again, so that no later handshake is resumed).
pub fn recording_connector(
    verifier: Arc<RecordingVerifier>,
    tickets: Arc<TicketRecorder>,
    send_sni: bool,
) -> Result<tokio_rustls::TlsConnector, rustls::Error> {
    let mut config = modern_config(verifier, send_sni)?;
    config.resumption = rustls::client::Resumption::store(tickets);
    Ok(tokio_rustls::TlsConnector::from(Arc::new(config)))
}

/// A session store that keeps nothing and notes whether the server sent a TLS 1.3
/// NewSessionTicket.
#[derive(Debug, Default)]
pub struct TicketRecorder {
    tls13: std::sync::atomic::AtomicBool,
}

impl TicketRecorder {
    pub fn tls13_ticket(&self) -> bool {
        self.tls13.load(std::sync::atomic::Ordering::Relaxed)
    }
}

impl rustls::client::ClientSessionStore for TicketRecorder {
    fn set_kx_hint(&self, _: ServerName<'static>, _: rustls::NamedGroup) {}

    fn kx_hint(&self, _: &ServerName<'_>) -> Option<rustls::NamedGroup> {
        None
    }

    fn set_tls12_session(
        &self,
        _: ServerName<'static>,
        _: rustls::client::Tls12ClientSessionValue,
    ) {
    }

    fn tls12_session(&self, _: &ServerName<'_>) -> Option<rustls::client::Tls12ClientSessionValue> {
        None
    }

    fn remove_tls12_session(&self, _: &ServerName<'static>) {}

    fn insert_tls13_ticket(
        &self,
        _: ServerName<'static>,
        _: rustls::client::Tls13ClientSessionValue,
    ) {
        self.tls13.store(true, std::sync::atomic::Ordering::Relaxed);
    }

    fn take_tls13_ticket(
        &self,
        _: &ServerName<'static>,
    ) -> Option<rustls::client::Tls13ClientSessionValue> {
        None
    }
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
