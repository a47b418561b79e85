//! The lab's own small public-key infrastructure.
//!
//! Two independent hierarchies are generated per lab:
//!
//! * the lab root ("smtp-tls-doctor Lab Root CA", written to the lab CA file)
//!   and its intermediate, which issues the lab's leaf certificates;
//! * an "unknown" root and intermediate that no client trusts.
//!
//! Roots and intermediates are RSA-2048 keys generated with OpenSSL (ring can
//! not generate RSA keys) and certified with rcgen. Leaves are made with rcgen
//! when possible (ECDSA P-256 or RSA >= 2048 signed with SHA-256) and with
//! OpenSSL's `X509Builder` otherwise (SHA-1 signatures, RSA keys below 2048
//! bits, which ring refuses to load).

use std::fmt;

use openssl::asn1::{Asn1Integer, Asn1Object, Asn1OctetString, Asn1Time};
use openssl::bn::{BigNum, MsbOption};
use openssl::ec::{EcGroup, EcKey};
use openssl::error::ErrorStack;
use openssl::hash::MessageDigest;
use openssl::nid::Nid;
use openssl::pkey::{PKey, Private};
use openssl::rsa::Rsa;
use openssl::x509::extension::{
    AuthorityKeyIdentifier, BasicConstraints, ExtendedKeyUsage, KeyUsage, SubjectAlternativeName,
    SubjectKeyIdentifier,
};
use openssl::x509::{X509, X509Builder, X509Extension, X509NameBuilder};
use rcgen::{
    CertificateParams, CustomExtension, DistinguishedName, DnType, ExtendedKeyUsagePurpose, IsCa,
    KeyPair, KeyUsagePurpose, SanType, SerialNumber,
};
use time::{Duration, OffsetDateTime};

/// Common name of the lab root (the one in the lab CA file).
pub const ROOT_CN: &str = "smtp-tls-doctor Lab Root CA";
/// Common name of the lab intermediate, issuer of the lab leaves.
pub const INTERMEDIATE_CN: &str = "smtp-tls-doctor Lab Intermediate CA";
/// Common name of the root that is *not* in the lab CA file.
pub const OTHER_ROOT_CN: &str = "Unknown Root CA (not in the lab CA file)";
/// Common name of the intermediate issued by the unknown root.
pub const OTHER_INTERMEDIATE_CN: &str = "Unknown Intermediate CA";

/// caIssuers URL carried by leaves issued by the lab intermediate.
pub const AIA_INTERMEDIATE_URL: &str = "http://ca.lab.test/intermediate.crt";
/// caIssuers URL carried by the lab intermediate.
pub const AIA_ROOT_URL: &str = "http://ca.lab.test/root.crt";
/// caIssuers URL carried by leaves issued by the unknown intermediate.
pub const AIA_OTHER_INTERMEDIATE_URL: &str = "http://ca.other.test/intermediate.crt";
/// caIssuers URL carried by the unknown intermediate.
pub const AIA_OTHER_ROOT_URL: &str = "http://ca.other.test/root.crt";

/// OID of the Authority Information Access extension (1.3.6.1.5.5.7.1.1).
const OID_AIA: &[u64] = &[1, 3, 6, 1, 5, 5, 7, 1, 1];

/// The lab's certificate authorities.
#[derive(Debug, Clone)]
pub struct Pki {
    /// The lab root; the only certificate in the lab CA file.
    pub root: Issued,
    /// Issued by `root`; issues the lab leaves.
    pub intermediate: Issued,
    /// A root NOT written to the lab CA file.
    pub other_root: Issued,
    /// Issued by `other_root`.
    pub other_intermediate: Issued,
}

/// A certificate and its private key.
#[derive(Clone)]
pub struct Issued {
    pub cert_der: Vec<u8>,
    pub cert_pem: String,
    /// PKCS#8 PEM ("-----BEGIN PRIVATE KEY-----").
    pub key_pem: String,
}

impl fmt::Debug for Issued {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Never print private keys.
        f.debug_struct("Issued")
            .field("cert_der", &format_args!("<{} bytes>", self.cert_der.len()))
            .field("key_pem", &"<redacted>")
            .finish()
    }
}

/// The key type of a leaf.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeyKind {
    EcdsaP256,
    /// RSA with the given modulus size in bits.
    Rsa(u32),
}

/// The hash of the issuer's signature on a leaf.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SigHash {
    Sha256,
    Sha1,
}

/// Who signs a leaf.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Issuer {
    /// The lab intermediate (chains to the lab root).
    Intermediate,
    /// The leaf itself (issuer = subject).
    SelfSigned,
    /// The unknown intermediate (chains to `other_root`).
    OtherIntermediate,
}

/// What leaf certificate to make.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LeafSpec {
    /// DNS names for the subjectAltName; the first one is also the subject CN.
    pub names: Vec<String>,
    pub not_before: OffsetDateTime,
    pub not_after: OffsetDateTime,
    pub key: KeyKind,
    pub sig: SigHash,
    pub issuer: Issuer,
}

impl LeafSpec {
    /// A good leaf: valid from now-1 day to now+90 days, ECDSA P-256, SHA-256,
    /// issued by the lab intermediate.
    pub fn valid_for(names: &[&str]) -> Self {
        let now = OffsetDateTime::now_utc();
        LeafSpec {
            names: names.iter().map(|n| n.to_string()).collect(),
            not_before: now - Duration::days(1),
            not_after: now + Duration::days(90),
            key: KeyKind::EcdsaP256,
            sig: SigHash::Sha256,
            issuer: Issuer::Intermediate,
        }
    }
}

/// Failure to generate a key or certificate.
#[derive(Debug)]
pub enum PkiError {
    Rcgen(rcgen::Error),
    OpenSsl(ErrorStack),
    Invalid(String),
}

/// The leaf's first name (its subject CN); a leaf without names cannot be made.
fn first_name(spec: &LeafSpec) -> Result<&str, PkiError> {
    spec.names
        .first()
        .map(String::as_str)
        .ok_or_else(|| PkiError::Invalid("a leaf needs at least one name".into()))
}

impl fmt::Display for PkiError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            PkiError::Rcgen(e) => write!(f, "certificate generation failed (rcgen): {e}"),
            PkiError::OpenSsl(e) => write!(f, "certificate generation failed (openssl): {e}"),
            PkiError::Invalid(msg) => write!(f, "invalid certificate request: {msg}"),
        }
    }
}

impl std::error::Error for PkiError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            PkiError::Rcgen(e) => Some(e),
            PkiError::OpenSsl(e) => Some(e),
            PkiError::Invalid(_) => None,
        }
    }
}

impl From<rcgen::Error> for PkiError {
    fn from(e: rcgen::Error) -> Self {
        PkiError::Rcgen(e)
    }
}

impl From<ErrorStack> for PkiError {
    fn from(e: ErrorStack) -> Self {
        PkiError::OpenSsl(e)
    }
}

/// The PEM a server config would use: private key, then leaf, then the given
/// extra certificates, in order.
pub fn chain_file_pem(leaf: &Issued, extra: &[&Issued]) -> String {
    let mut out = String::new();
    push_pem(&mut out, &leaf.key_pem);
    push_pem(&mut out, &leaf.cert_pem);
    for cert in extra {
        push_pem(&mut out, &cert.cert_pem);
    }
    out
}

fn push_pem(out: &mut String, pem: &str) {
    out.push_str(pem);
    if !pem.ends_with('\n') {
        out.push('\n');
    }
}

impl Pki {
    /// Generates both hierarchies (four RSA-2048 keys), valid from now-1 day
    /// to now+10 years.
    pub fn generate() -> Result<Pki, PkiError> {
        let now = OffsetDateTime::now_utc();
        let not_before = now - Duration::days(1);
        let not_after = now + Duration::days(3653);

        // Two independent hierarchies: generate them in parallel.
        let hierarchy = |root_cn: &str, intermediate_cn: &str, aia: &str| {
            let (root, root_key) = make_ca(root_cn, None, not_before, not_after)?;
            let (intermediate, _) = make_ca(
                intermediate_cn,
                Some((root_cn, &root_key, aia)),
                not_before,
                not_after,
            )?;
            Ok::<_, PkiError>((root, intermediate))
        };
        let (lab, other) = std::thread::scope(|scope| {
            let other =
                scope.spawn(|| hierarchy(OTHER_ROOT_CN, OTHER_INTERMEDIATE_CN, AIA_OTHER_ROOT_URL));
            let lab = hierarchy(ROOT_CN, INTERMEDIATE_CN, AIA_ROOT_URL);
            let other = other.join().unwrap_or_else(|_| {
                Err(PkiError::Invalid("key generation thread panicked".into()))
            });
            (lab, other)
        });
        let (root, intermediate) = lab?;
        let (other_root, other_intermediate) = other?;
        Ok(Pki {
            root,
            intermediate,
            other_root,
            other_intermediate,
        })
    }

    /// Issues a leaf certificate according to `spec`.
    pub fn leaf(&self, spec: &LeafSpec) -> Result<Issued, PkiError> {
        if spec.names.is_empty() {
            return Err(PkiError::Invalid(
                "a leaf needs at least one DNS name".into(),
            ));
        }
        if spec.not_after <= spec.not_before {
            return Err(PkiError::Invalid(
                "not_after must be after not_before".into(),
            ));
        }
        let rcgen_can_do = spec.sig == SigHash::Sha256
            && match spec.key {
                KeyKind::EcdsaP256 => true,
                KeyKind::Rsa(bits) => bits >= 2048,
            };
        if rcgen_can_do {
            self.leaf_rcgen(spec)
        } else {
            self.leaf_openssl(spec)
        }
    }

    /// The issuing CA of a leaf and the caIssuers URL the leaf carries.
    fn issuer_of(&self, issuer: Issuer) -> Option<(&'static str, &Issued, &'static str)> {
        match issuer {
            Issuer::Intermediate => {
                Some((INTERMEDIATE_CN, &self.intermediate, AIA_INTERMEDIATE_URL))
            }
            Issuer::OtherIntermediate => Some((
                OTHER_INTERMEDIATE_CN,
                &self.other_intermediate,
                AIA_OTHER_INTERMEDIATE_URL,
            )),
            Issuer::SelfSigned => None,
        }
    }

    fn leaf_rcgen(&self, spec: &LeafSpec) -> Result<Issued, PkiError> {
        let (key, key_pem) = match spec.key {
            KeyKind::EcdsaP256 => {
                let key = KeyPair::generate_for(&rcgen::PKCS_ECDSA_P256_SHA256)?;
                let pem = key.serialize_pem();
                (key, pem)
            }
            KeyKind::Rsa(bits) => {
                let pem = rsa_pkcs8_pem(bits)?;
                let key = KeyPair::from_pkcs8_pem_and_sign_algo(&pem, &rcgen::PKCS_RSA_SHA256)?;
                (key, pem)
            }
        };

        let mut params = CertificateParams::default();
        params.distinguished_name = dn(first_name(spec)?);
        params.subject_alt_names = spec
            .names
            .iter()
            .map(|n| Ok(SanType::DnsName(n.clone().try_into()?)))
            .collect::<Result<Vec<_>, rcgen::Error>>()?;
        params.not_before = spec.not_before;
        params.not_after = spec.not_after;
        params.serial_number = Some(random_serial()?);
        params.is_ca = IsCa::ExplicitNoCa;
        params.key_usages = vec![KeyUsagePurpose::DigitalSignature];
        if matches!(spec.key, KeyKind::Rsa(_)) {
            params.key_usages.push(KeyUsagePurpose::KeyEncipherment);
        }
        params.extended_key_usages = vec![ExtendedKeyUsagePurpose::ServerAuth];

        let cert = match self.issuer_of(spec.issuer) {
            Some((cn, ca, aia)) => {
                params.use_authority_key_identifier_extension = true;
                params.custom_extensions = vec![aia_extension(aia)];
                let ca_key =
                    KeyPair::from_pkcs8_pem_and_sign_algo(&ca.key_pem, &rcgen::PKCS_RSA_SHA256)?;
                let issuer = rcgen::Issuer::new(ca_identity(cn), ca_key);
                params.signed_by(&key, &issuer)?
            }
            None => params.self_signed(&key)?,
        };
        Ok(Issued {
            cert_der: cert.der().to_vec(),
            cert_pem: cert.pem(),
            key_pem,
        })
    }

    fn leaf_openssl(&self, spec: &LeafSpec) -> Result<Issued, PkiError> {
        let pkey: PKey<Private> = match spec.key {
            KeyKind::EcdsaP256 => {
                let group = EcGroup::from_curve_name(Nid::X9_62_PRIME256V1)?;
                PKey::from_ec_key(EcKey::generate(&group)?)?
            }
            KeyKind::Rsa(bits) => PKey::from_rsa(Rsa::generate(bits)?)?,
        };
        let key_pem = pem_string(pkey.private_key_to_pem_pkcs8()?)?;

        let issuer = match self.issuer_of(spec.issuer) {
            Some((_, ca, aia)) => {
                let cert = X509::from_der(&ca.cert_der)?;
                let key = PKey::private_key_from_pem(ca.key_pem.as_bytes())?;
                Some((cert, key, aia))
            }
            None => None,
        };

        let mut name = X509NameBuilder::new()?;
        name.append_entry_by_nid(Nid::COMMONNAME, first_name(spec)?)?;
        let name = name.build();

        let mut b = X509Builder::new()?;
        b.set_version(2)?;
        let serial = random_serial_asn1()?;
        b.set_serial_number(&serial)?;
        b.set_subject_name(&name)?;
        match &issuer {
            Some((cert, _, _)) => b.set_issuer_name(cert.subject_name())?,
            None => b.set_issuer_name(&name)?,
        }
        b.set_pubkey(&pkey)?;
        let (not_before, not_after) = (asn1_time(spec.not_before)?, asn1_time(spec.not_after)?);
        b.set_not_before(&not_before)?;
        b.set_not_after(&not_after)?;

        b.append_extension(BasicConstraints::new().critical().build()?)?;
        let mut ku = KeyUsage::new();
        ku.critical().digital_signature();
        if matches!(spec.key, KeyKind::Rsa(_)) {
            ku.key_encipherment();
        }
        b.append_extension(ku.build()?)?;
        b.append_extension(ExtendedKeyUsage::new().server_auth().build()?)?;

        let mut san = SubjectAlternativeName::new();
        for n in &spec.names {
            san.dns(n);
        }
        let ski;
        let san_ext;
        let aki;
        {
            let ctx = b.x509v3_context(issuer.as_ref().map(|(c, _, _)| c.as_ref()), None);
            san_ext = san.build(&ctx)?;
            ski = SubjectKeyIdentifier::new().build(&ctx)?;
            aki = match &issuer {
                Some(_) => Some(AuthorityKeyIdentifier::new().keyid(true).build(&ctx)?),
                None => None,
            };
        }
        b.append_extension(san_ext)?;
        b.append_extension(ski)?;
        if let Some(aki) = aki {
            b.append_extension(aki)?;
        }

        match &issuer {
            Some((_, key, aia)) => {
                let oid = Asn1Object::from_str("1.3.6.1.5.5.7.1.1")?;
                let content = Asn1OctetString::new_from_bytes(&aia_der(aia))?;
                b.append_extension(X509Extension::new_from_der(&oid, false, &content)?)?;
                b.sign(key, digest(spec.sig))?;
            }
            None => b.sign(&pkey, digest(spec.sig))?,
        }
        let cert = b.build();
        Ok(Issued {
            cert_der: cert.to_der()?,
            cert_pem: pem_string(cert.to_pem()?)?,
            key_pem,
        })
    }
}

/// Generates a CA (RSA-2048): self-signed when `parent` is None, else signed
/// by the parent `(parent CN, parent key, caIssuers URL for the new CA)`.
fn make_ca(
    cn: &str,
    parent: Option<(&str, &KeyPair, &str)>,
    not_before: OffsetDateTime,
    not_after: OffsetDateTime,
) -> Result<(Issued, KeyPair), PkiError> {
    let key_pem = rsa_pkcs8_pem(2048)?;
    let key = KeyPair::from_pkcs8_pem_and_sign_algo(&key_pem, &rcgen::PKCS_RSA_SHA256)?;

    let mut params = ca_identity(cn);
    params.not_before = not_before;
    params.not_after = not_after;
    params.serial_number = Some(random_serial()?);
    let cert = match parent {
        None => {
            params.is_ca = IsCa::Ca(rcgen::BasicConstraints::Unconstrained);
            params.self_signed(&key)?
        }
        Some((parent_cn, parent_key, aia)) => {
            params.is_ca = IsCa::Ca(rcgen::BasicConstraints::Constrained(0));
            params.use_authority_key_identifier_extension = true;
            params.custom_extensions = vec![aia_extension(aia)];
            let issuer = rcgen::Issuer::new(ca_identity(parent_cn), parent_key);
            params.signed_by(&key, &issuer)?
        }
    };
    let issued = Issued {
        cert_der: cert.der().to_vec(),
        cert_pem: cert.pem(),
        key_pem,
    };
    Ok((issued, key))
}

/// The parts of a CA's parameters that rcgen needs to act as its issuer:
/// subject name, key usages and key-identifier method. Deterministic, so the
/// issuer can be rebuilt from the CA's common name and key.
fn ca_identity(cn: &str) -> CertificateParams {
    let mut params = CertificateParams::default();
    params.distinguished_name = dn(cn);
    params.key_usages = vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign];
    params
}

fn dn(cn: &str) -> DistinguishedName {
    let mut dn = DistinguishedName::new();
    dn.push(DnType::CommonName, cn);
    dn
}

fn rsa_pkcs8_pem(bits: u32) -> Result<String, PkiError> {
    let key = PKey::from_rsa(Rsa::generate(bits)?)?;
    pem_string(key.private_key_to_pem_pkcs8()?)
}

fn pem_string(bytes: Vec<u8>) -> Result<String, PkiError> {
    String::from_utf8(bytes).map_err(|_| PkiError::Invalid("PEM output is not UTF-8".into()))
}

fn random_serial_bytes() -> Result<Vec<u8>, PkiError> {
    let mut bn = BigNum::new()?;
    // 127 bits with the top bit set: positive and always 16 bytes long.
    bn.rand(127, MsbOption::ONE, false)?;
    Ok(bn.to_vec())
}

fn random_serial() -> Result<SerialNumber, PkiError> {
    Ok(SerialNumber::from_slice(&random_serial_bytes()?))
}

fn random_serial_asn1() -> Result<Asn1Integer, PkiError> {
    Ok(BigNum::from_slice(&random_serial_bytes()?)?.to_asn1_integer()?)
}

fn asn1_time(t: OffsetDateTime) -> Result<Asn1Time, PkiError> {
    Ok(Asn1Time::from_unix(t.unix_timestamp())?)
}

fn digest(sig: SigHash) -> MessageDigest {
    match sig {
        SigHash::Sha256 => MessageDigest::sha256(),
        SigHash::Sha1 => MessageDigest::sha1(),
    }
}

fn aia_extension(url: &str) -> CustomExtension {
    CustomExtension::from_oid_content(OID_AIA, aia_der(url))
}

/// DER of `AuthorityInfoAccessSyntax` with a single caIssuers URI:
/// `SEQUENCE { SEQUENCE { OID 1.3.6.1.5.5.7.48.2, [6] IA5String url } }`.
fn aia_der(url: &str) -> Vec<u8> {
    const OID_CA_ISSUERS: &[u8] = &[0x06, 0x08, 0x2b, 0x06, 0x01, 0x05, 0x05, 0x07, 0x30, 0x02];
    let uri = der_tlv(0x86, url.as_bytes());
    let mut access = OID_CA_ISSUERS.to_vec();
    access.extend_from_slice(&uri);
    let description = der_tlv(0x30, &access);
    der_tlv(0x30, &description)
}

fn der_tlv(tag: u8, content: &[u8]) -> Vec<u8> {
    let mut out = vec![tag];
    let len = content.len();
    if len < 0x80 {
        out.push(len as u8);
    } else {
        let bytes: Vec<u8> = len
            .to_be_bytes()
            .iter()
            .copied()
            .skip_while(|b| *b == 0)
            .collect();
        out.push(0x80 | bytes.len() as u8);
        out.extend_from_slice(&bytes);
    }
    out.extend_from_slice(content);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn aia_der_encoding() {
        let der = aia_der("http://a/b");
        assert_eq!(
            der,
            [
                0x30, 0x18, 0x30, 0x16, 0x06, 0x08, 0x2b, 0x06, 0x01, 0x05, 0x05, 0x07, 0x30, 0x02,
                0x86, 0x0a, b'h', b't', b't', b'p', b':', b'/', b'/', b'a', b'/', b'b'
            ]
        );
    }

    #[test]
    fn der_long_length() {
        let content = vec![0u8; 300];
        let tlv = der_tlv(0x04, &content);
        assert_eq!(&tlv[..4], &[0x04, 0x82, 0x01, 0x2c]);
        assert_eq!(tlv.len(), 304);
    }

    #[test]
    fn chain_file_order() {
        let a = Issued {
            cert_der: vec![],
            cert_pem: "LEAF".into(),
            key_pem: "KEY\n".into(),
        };
        let b = Issued {
            cert_der: vec![],
            cert_pem: "INTER\n".into(),
            key_pem: String::new(),
        };
        assert_eq!(chain_file_pem(&a, &[&b]), "KEY\nLEAF\nINTER\n");
    }
}
