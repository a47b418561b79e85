//! The capture server's certificates (`client`): a fresh root CA (the file the application is told
//! to trust), an intermediate it certifies, and leaves issued by the intermediate or self-signed.
//!
//! Made with rcgen and ring alone, so that a build without the lab (and the lab's OpenSSL) has
//! them. Every key is ECDSA P-256: ring generates no RSA keys, and a client that takes the
//! ECDSA P-256 leaf handles ECDSA P-256 signatures anyway. rcgen derives each serial number from
//! the (fresh) public key.

use rcgen::{
    BasicConstraints, CertificateParams, CertifiedIssuer, DistinguishedName, DnType,
    ExtendedKeyUsagePurpose, IsCa, KeyPair, KeyUsagePurpose, SanType,
};
use time::{Duration, OffsetDateTime};

/// Common name of the root, the certificate in the CA file.
pub const ROOT_CN: &str = "smtp-tls-doctor Capture Root CA";
/// Common name of the intermediate, issuer of the leaves.
pub const INTERMEDIATE_CN: &str = "smtp-tls-doctor Capture Intermediate CA";

/// Who signs a leaf.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Signer {
    /// The capture intermediate (chains to the capture root).
    Intermediate,
    /// The leaf's own key (issuer = subject).
    SelfSigned,
}

/// A leaf: the chain a server sends and the leaf's private key.
pub struct Leaf {
    /// DER: the leaf, then the intermediate when the intermediate issued the leaf.
    pub chain: Vec<Vec<u8>>,
    /// PKCS#8 PEM ("-----BEGIN PRIVATE KEY-----").
    pub key_pem: String,
}

/// The capture CA: the root's certificate and the intermediate that issues the leaves (the
/// root's key is not kept: it signs nothing else).
pub struct CapturePki {
    root_pem: String,
    intermediate: CertifiedIssuer<'static, KeyPair>,
}

impl CapturePki {
    /// A root and an intermediate, valid from a day ago for ten years.
    pub fn generate() -> Result<CapturePki, rcgen::Error> {
        let now = OffsetDateTime::now_utc();
        let (not_before, not_after) = (now - Duration::days(1), now + Duration::days(3653));

        let mut root = ca_params(ROOT_CN, not_before, not_after);
        root.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        let root = CertifiedIssuer::self_signed(root, KeyPair::generate()?)?;

        let mut intermediate = ca_params(INTERMEDIATE_CN, not_before, not_after);
        intermediate.is_ca = IsCa::Ca(BasicConstraints::Constrained(0));
        intermediate.use_authority_key_identifier_extension = true;
        let intermediate = CertifiedIssuer::signed_by(intermediate, KeyPair::generate()?, &root)?;

        Ok(CapturePki {
            root_pem: root.pem(),
            intermediate,
        })
    }

    /// The root certificate, PEM: what the application must trust.
    pub fn root_pem(&self) -> &str {
        &self.root_pem
    }

    /// A server certificate for the DNS name `name`, valid from `not_before` to `not_after`.
    pub fn leaf(
        &self,
        name: &str,
        not_before: OffsetDateTime,
        not_after: OffsetDateTime,
        signer: Signer,
    ) -> Result<Leaf, rcgen::Error> {
        let key = KeyPair::generate()?;
        let mut params = CertificateParams::default();
        params.distinguished_name = common_name(name);
        params.subject_alt_names = vec![SanType::DnsName(name.try_into()?)];
        params.not_before = not_before;
        params.not_after = not_after;
        params.is_ca = IsCa::ExplicitNoCa;
        params.key_usages = vec![KeyUsagePurpose::DigitalSignature];
        params.extended_key_usages = vec![ExtendedKeyUsagePurpose::ServerAuth];
        let chain = match signer {
            Signer::Intermediate => {
                params.use_authority_key_identifier_extension = true;
                let cert = params.signed_by(&key, &self.intermediate)?;
                vec![cert.der().to_vec(), self.intermediate.der().to_vec()]
            }
            Signer::SelfSigned => vec![params.self_signed(&key)?.der().to_vec()],
        };
        Ok(Leaf {
            chain,
            key_pem: key.serialize_pem(),
        })
    }
}

fn ca_params(cn: &str, not_before: OffsetDateTime, not_after: OffsetDateTime) -> CertificateParams {
    let mut params = CertificateParams::default();
    params.distinguished_name = common_name(cn);
    params.key_usages = vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign];
    params.not_before = not_before;
    params.not_after = not_after;
    params
}

fn common_name(cn: &str) -> DistinguishedName {
    let mut dn = DistinguishedName::new();
    dn.push(DnType::CommonName, cn);
    dn
}

#[cfg(test)]
mod tests {
    use super::*;
    use rustls::pki_types::{CertificateDer, ServerName, UnixTime};

    /// Verifies `leaf` for `name` at `at` with the capture root as the only trust anchor, the way
    /// a client would (rustls' WebPKI verifier).
    fn verify(pki: &CapturePki, leaf: &Leaf, name: &str, at: OffsetDateTime) -> Result<(), String> {
        use rustls::pki_types::pem::PemObject;
        let mut roots = rustls::RootCertStore::empty();
        let root =
            CertificateDer::from_pem_slice(pki.root_pem().as_bytes()).map_err(|e| e.to_string())?;
        roots.add(root).map_err(|e| e.to_string())?;
        let provider = std::sync::Arc::new(rustls::crypto::ring::default_provider());
        let verifier = rustls::client::WebPkiServerVerifier::builder_with_provider(
            std::sync::Arc::new(roots),
            provider,
        )
        .build()
        .map_err(|e| e.to_string())?;
        let chain: Vec<CertificateDer<'static>> = leaf
            .chain
            .iter()
            .cloned()
            .map(CertificateDer::from)
            .collect();
        let server_name = ServerName::try_from(name.to_string()).map_err(|e| e.to_string())?;
        let secs = u64::try_from(at.unix_timestamp()).map_err(|e| e.to_string())?;
        rustls::client::danger::ServerCertVerifier::verify_server_cert(
            verifier.as_ref(),
            &chain[0],
            &chain[1..],
            &server_name,
            &[],
            UnixTime::since_unix_epoch(std::time::Duration::from_secs(secs)),
        )
        .map(|_| ())
        // Debug names the variant: NotValidForName..., Expired..., UnknownIssuer.
        .map_err(|e| format!("{e:?}"))
    }

    #[test]
    fn leaves_verify_only_when_they_should() {
        let pki = CapturePki::generate().expect("pki");
        let now = OffsetDateTime::now_utc();
        let day = Duration::days(1);
        let good = pki
            .leaf("localhost", now - day, now + 90 * day, Signer::Intermediate)
            .expect("good leaf");
        assert_eq!(good.chain.len(), 2, "leaf and intermediate");
        assert!(good.key_pem.starts_with("-----BEGIN PRIVATE KEY-----"));
        verify(&pki, &good, "localhost", now).expect("the good leaf verifies");

        let wrong = verify(&pki, &good, "other.example", now).expect_err("another name");
        assert!(wrong.contains("NotValidForName"), "{wrong}");

        let expired = pki
            .leaf(
                "localhost",
                now - 92 * day,
                now - 2 * day,
                Signer::Intermediate,
            )
            .expect("expired leaf");
        let e = verify(&pki, &expired, "localhost", now).expect_err("expired");
        assert!(e.contains("Expired"), "{e}");

        let self_signed = pki
            .leaf("localhost", now - day, now + 90 * day, Signer::SelfSigned)
            .expect("self-signed leaf");
        assert_eq!(self_signed.chain.len(), 1);
        let e = verify(&pki, &self_signed, "localhost", now).expect_err("self-signed");
        assert!(e.contains("UnknownIssuer"), "{e}");
    }

    #[test]
    fn the_ca_file_holds_the_root_only() {
        let pki = CapturePki::generate().expect("pki");
        assert_eq!(pki.root_pem().matches("BEGIN CERTIFICATE").count(), 1);
        assert!(!pki.root_pem().contains("PRIVATE KEY"));
    }
}
