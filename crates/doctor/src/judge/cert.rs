//! Certificate analysis: the details of every certificate, and a pure judgement of a chain as
//! sent (path to a trust anchor, order, validity, names, key and signature strength).

use crate::model::cert::CertDetails;
use crate::model::cert::ChainAnalysis;
use crate::model::cert::NameCheck;
use crate::model::cert::TimeProblem;
use crate::model::cert::TrustVerdict;
use crate::model::cert::Weakness;
use crate::model::trust::TrustStore;
use ::time::OffsetDateTime;
use rustls_pki_types::{CertificateDer, SignatureVerificationAlgorithm, UnixTime};
use std::net::IpAddr;
use x509_parser::prelude::*;

/// Parameters of a chain judgement.
pub struct AnalysisInput<'a> {
    pub chain: &'a [Vec<u8>],
    pub trust: &'a TrustStore,
    pub now: OffsetDateTime,
    /// Names the leaf must cover (host name first).
    pub names: &'a [String],
    pub expiry_warn_days: u32,
    /// Certificates fetched through AIA: the trust is also judged with them added.
    pub fetched: &'a [Vec<u8>],
}

const OID_SHA1_RSA: &str = "1.2.840.113549.1.1.5";
const OID_MD5_RSA: &str = "1.2.840.113549.1.1.4";
const OID_MD2_RSA: &str = "1.2.840.113549.1.1.2";
const OID_SHA1_ECDSA: &str = "1.2.840.10045.4.1";
const OID_SHA1_DSA: &str = "1.2.840.10040.4.3";

/// Names of signature algorithms (OIDs from RFC 3279, 4055, 5758, 8410).
fn signature_name(oid: &str) -> String {
    match oid {
        OID_MD2_RSA => "md2WithRSAEncryption",
        OID_MD5_RSA => "md5WithRSAEncryption",
        OID_SHA1_RSA => "sha1WithRSAEncryption",
        "1.2.840.113549.1.1.11" => "sha256WithRSAEncryption",
        "1.2.840.113549.1.1.12" => "sha384WithRSAEncryption",
        "1.2.840.113549.1.1.13" => "sha512WithRSAEncryption",
        "1.2.840.113549.1.1.10" => "RSASSA-PSS",
        OID_SHA1_ECDSA => "ecdsa-with-SHA1",
        "1.2.840.10045.4.3.2" => "ecdsa-with-SHA256",
        "1.2.840.10045.4.3.3" => "ecdsa-with-SHA384",
        "1.2.840.10045.4.3.4" => "ecdsa-with-SHA512",
        OID_SHA1_DSA => "dsa-with-SHA1",
        "2.16.840.1.101.3.4.3.2" => "dsa-with-SHA256",
        "1.3.101.112" => "Ed25519",
        "1.3.101.113" => "Ed448",
        other => return other.to_string(),
    }
    .to_string()
}

/// The weak hash of a signature algorithm (MD2, MD5, SHA-1), if it uses one.
fn weak_signature(oid: &str) -> Option<&'static str> {
    match oid {
        OID_MD2_RSA => Some("MD2"),
        OID_MD5_RSA => Some("MD5"),
        OID_SHA1_RSA | OID_SHA1_ECDSA | OID_SHA1_DSA => Some("SHA-1"),
        _ => None,
    }
}

/// Names of elliptic curves by OID.
fn curve_name(oid: &str) -> String {
    match oid {
        "1.2.840.10045.3.1.7" => "P-256".into(),
        "1.3.132.0.34" => "P-384".into(),
        "1.3.132.0.35" => "P-521".into(),
        "1.3.132.0.10" => "secp256k1".into(),
        other => other.into(),
    }
}

/// A time as RFC 3339 text.
fn rfc3339(t: OffsetDateTime) -> String {
    t.format(&::time::format_description::well_known::Rfc3339)
        .unwrap_or_else(|_| t.to_string())
}

/// Bytes as upper-case hex pairs joined by colons (a fingerprint).
fn hex_colon(bytes: &[u8]) -> String {
    bytes
        .iter()
        .map(|b| format!("{b:02X}"))
        .collect::<Vec<_>>()
        .join(":")
}

/// A parsed certificate with what the analysis needs.
struct Parsed<'a> {
    der: &'a [u8],
    cert: X509Certificate<'a>,
    details: CertDetails,
}

/// Parse one certificate; trailing bytes make it unreadable.
fn parse(der: &[u8]) -> Result<Parsed<'_>, String> {
    let (rest, cert) = X509Certificate::from_der(der)
        .map_err(|e| format!("not a valid X.509 certificate: {e}"))?;
    if !rest.is_empty() {
        return Err(format!(
            "{} bytes of garbage after the certificate",
            rest.len()
        ));
    }
    let details = details_of(&cert, der);
    Ok(Parsed { der, cert, details })
}

/// What the report shows of a certificate.
fn details_of(cert: &X509Certificate<'_>, der: &[u8]) -> CertDetails {
    let (key_type, key_bits, key_curve) = key_of(cert);
    let fp = ring::digest::digest(&ring::digest::SHA256, der);
    CertDetails {
        subject: cert.subject().to_string(),
        issuer: cert.issuer().to_string(),
        serial: cert.raw_serial_as_string(),
        sans: sans_of(cert),
        not_before: rfc3339(cert.validity().not_before.to_datetime()),
        not_after: rfc3339(cert.validity().not_after.to_datetime()),
        key_type,
        key_bits,
        key_curve,
        signature_algorithm: signature_name(&cert.signature_algorithm.algorithm.to_id_string()),
        sha256: hex_colon(fp.as_ref()),
        ca_issuers: ca_issuers_of(cert),
        is_ca: cert.is_ca(),
        self_signed: is_self_signed(cert),
    }
}

/// The DNS names and IP addresses of the subject alternative name extension.
fn sans_of(cert: &X509Certificate<'_>) -> Vec<String> {
    let mut sans = Vec::new();
    if let Ok(Some(san)) = cert.subject_alternative_name() {
        for n in &san.value.general_names {
            match n {
                GeneralName::DNSName(d) => sans.push(d.to_string()),
                GeneralName::IPAddress(ip) => {
                    if let Some(ip) = ip_from_bytes(ip) {
                        sans.push(ip.to_string());
                    }
                }
                _ => {}
            }
        }
    }
    sans
}

/// The caIssuers URLs of the authority information access extension.
fn ca_issuers_of(cert: &X509Certificate<'_>) -> Vec<String> {
    let mut ca_issuers = Vec::new();
    for ext in cert.extensions() {
        if let ParsedExtension::AuthorityInfoAccess(aia) = ext.parsed_extension() {
            for d in &aia.accessdescs {
                if d.access_method.to_id_string() == "1.3.6.1.5.5.7.48.2"
                    && let GeneralName::URI(u) = &d.access_location
                {
                    ca_issuers.push(u.to_string());
                }
            }
        }
    }
    ca_issuers
}

/// The key: (type, size in bits, curve).
fn key_of(cert: &X509Certificate<'_>) -> (String, Option<u32>, Option<String>) {
    let spki = cert.public_key();
    let alg = spki.algorithm.algorithm.to_id_string();
    match spki.parsed() {
        Ok(x509_parser::public_key::PublicKey::RSA(rsa)) => {
            ("RSA".to_string(), Some(rsa.key_size() as u32), None)
        }
        Ok(x509_parser::public_key::PublicKey::EC(ec)) => {
            let curve = spki
                .algorithm
                .parameters
                .as_ref()
                .and_then(|p| p.as_oid().ok())
                .map(|o| curve_name(&o.to_id_string()));
            ("ECDSA".to_string(), Some(ec.key_size() as u32), curve)
        }
        Ok(x509_parser::public_key::PublicKey::DSA(_)) => ("DSA".to_string(), None, None),
        _ if alg == "1.3.101.112" => ("Ed25519".to_string(), Some(256), None),
        _ if alg == "1.3.101.113" => ("Ed448".to_string(), Some(456), None),
        _ => (alg, None, None),
    }
}

/// An IP address SAN (4 or 16 bytes).
fn ip_from_bytes(b: &[u8]) -> Option<IpAddr> {
    match b.len() {
        4 => <[u8; 4]>::try_from(b).ok().map(IpAddr::from),
        16 => <[u8; 16]>::try_from(b).ok().map(IpAddr::from),
        _ => None,
    }
}

/// Subject equals issuer, and the signature verifies with the certificate's own key (or cannot be
/// checked for want of the algorithm: the names decide then).
fn is_self_signed(cert: &X509Certificate<'_>) -> bool {
    cert.subject().as_raw() == cert.issuer().as_raw()
        && !matches!(
            cert.verify_signature(None),
            Err(X509Error::SignatureVerificationError)
        )
}

/// `issuer` issued `cert`: names match, and the signature verifies when it can be checked.
pub(crate) fn issued_by(cert: &X509Certificate<'_>, issuer: &X509Certificate<'_>) -> bool {
    cert.issuer().as_raw() == issuer.subject().as_raw()
        && !matches!(
            cert.verify_signature(Some(issuer.public_key())),
            Err(X509Error::SignatureVerificationError)
        )
}

/// Legacy signature algorithms webpki leaves out, so that a SHA-1 chain is judged for its trust
/// and reported as weak instead of being "untrusted" for want of an algorithm.
#[derive(Debug)]
struct LegacyRsa {
    sig_alg: rustls_pki_types::AlgorithmIdentifier,
    ring: &'static ring::signature::RsaParameters,
}

impl SignatureVerificationAlgorithm for LegacyRsa {
    fn verify_signature(
        &self,
        public_key: &[u8],
        message: &[u8],
        signature: &[u8],
    ) -> Result<(), rustls_pki_types::InvalidSignature> {
        ring::signature::UnparsedPublicKey::new(self.ring, public_key)
            .verify(message, signature)
            .map_err(|_| rustls_pki_types::InvalidSignature)
    }
    fn public_key_alg_id(&self) -> rustls_pki_types::AlgorithmIdentifier {
        rustls_pki_types::alg_id::RSA_ENCRYPTION
    }
    fn signature_alg_id(&self) -> rustls_pki_types::AlgorithmIdentifier {
        self.sig_alg
    }
}

// AlgorithmIdentifier contents (without the outer SEQUENCE): OID sha1WithRSAEncryption, NULL.
static RSA_SHA1: LegacyRsa = LegacyRsa {
    sig_alg: rustls_pki_types::AlgorithmIdentifier::from_slice(&[
        0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x05, 0x05, 0x00,
    ]),
    ring: &ring::signature::RSA_PKCS1_1024_8192_SHA1_FOR_LEGACY_USE_ONLY,
};
// sha256WithRSAEncryption with keys from 1024 bits (webpki's own needs 2048).
static RSA_SHA256_1024: LegacyRsa = LegacyRsa {
    sig_alg: rustls_pki_types::alg_id::RSA_PKCS1_SHA256,
    ring: &ring::signature::RSA_PKCS1_1024_8192_SHA256_FOR_LEGACY_USE_ONLY,
};

/// The signature algorithms paths are verified with: the legacy RSA ones, then webpki's.
fn algorithms() -> Vec<&'static dyn SignatureVerificationAlgorithm> {
    let mut v: Vec<&'static dyn SignatureVerificationAlgorithm> = vec![&RSA_SHA1, &RSA_SHA256_1024];
    v.extend_from_slice(webpki::ALL_VERIFICATION_ALGS);
    v
}

/// A time as webpki takes it (before 1970 counts as 1970).
fn unix(t: OffsetDateTime) -> UnixTime {
    UnixTime::since_unix_epoch(std::time::Duration::from_secs(
        t.unix_timestamp().max(0) as u64
    ))
}

/// The caIssuers URL of the issuer a chain still lacks (with the certificates `fetched` so far
/// added), or None when nothing is missing or no URL names it. The names and the expiry warning
/// play no part in it.
pub fn missing_issuer_url(
    chain: &[Vec<u8>],
    fetched: &[Vec<u8>],
    trust: &TrustStore,
    now: OffsetDateTime,
) -> Option<String> {
    let a = analyze(&AnalysisInput {
        chain,
        trust,
        now,
        names: &[],
        expiry_warn_days: 0,
        fetched,
    });
    let verdict = if fetched.is_empty() {
        Some(a.trust)
    } else {
        a.trust_with_fetched
    };
    match verdict {
        Some(TrustVerdict::Incomplete {
            ca_issuers: Some(url),
            ..
        }) => Some(url),
        _ => None,
    }
}

/// `issuer` verifiably issued `cert`: the names match and the signature verifies with the
/// issuer's key. Unlike [`issued_by`], a signature that cannot be checked does not count.
fn verifies_as_issuer(cert: &X509Certificate<'_>, issuer: &X509Certificate<'_>) -> bool {
    cert.issuer().as_raw() == issuer.subject().as_raw()
        && cert.verify_signature(Some(issuer.public_key())).is_ok()
}

/// Of the certificates fetched through AIA, those that continue the chain as sent, in path
/// order: each verifies as the issuer ([`verifies_as_issuer`]) of the one before it, starting from
/// the top of the chain's issuer walk, up to a self-signed one. Only these are ever used: the URL
/// is the server's word, and what it serves anyone's.
pub fn fetched_issuers<'f>(chain: &[Vec<u8>], fetched: &'f [Vec<u8>]) -> Vec<&'f [u8]> {
    let parsed: Vec<Option<Parsed<'_>>> = chain.iter().map(|d| parse(d).ok()).collect();
    let walk = issuer_walk(&parsed);
    let Some(top) = walk.last().and_then(|&i| at(&parsed, i)) else {
        return Vec::new();
    };
    if top.details.self_signed {
        return Vec::new();
    }
    let candidates: Vec<Option<Parsed<'f>>> = fetched.iter().map(|d| parse(d).ok()).collect();
    let mut path: Vec<usize> = Vec::new();
    let mut current = &top.cert;
    while let Some((j, next)) = candidates.iter().enumerate().find_map(|(j, c)| {
        c.as_ref()
            .filter(|c| !path.contains(&j) && verifies_as_issuer(current, &c.cert))
            .map(|c| (j, c))
    }) {
        path.push(j);
        if next.details.self_signed {
            break;
        }
        current = &next.cert;
    }
    path.iter()
        .filter_map(|&j| fetched.get(j).map(Vec::as_slice))
        .collect()
}

/// The subjects of fetched certificates that are not used: they do not verify as an issuer on
/// the chain's path (or are unreadable).
fn fetched_not_issuers(chain: &[Vec<u8>], fetched: &[Vec<u8>]) -> Vec<String> {
    let used = fetched_issuers(chain, fetched);
    fetched
        .iter()
        .filter(|f| !used.contains(&f.as_slice()))
        .map(|f| {
            parse(f)
                .map(|p| p.details.subject)
                .unwrap_or_else(|e| format!("unreadable: {e}"))
        })
        .collect()
}

/// The fetched certificates a client should add to its trust store (the export file): the
/// verified issuers ([`fetched_issuers`]) but a self-signed one (never trusted because a server
/// pointed at it), and only when with them the chain reaches an anchor of `trust`.
pub fn exportable_issuers(
    chain: &[Vec<u8>],
    fetched: &[Vec<u8>],
    trust: &TrustStore,
    now: OffsetDateTime,
) -> Vec<Vec<u8>> {
    let issuers: Vec<Vec<u8>> = fetched_issuers(chain, fetched)
        .into_iter()
        .filter(|d| parse(d).is_ok_and(|p| !p.details.self_signed))
        .map(<[u8]>::to_vec)
        .collect();
    if issuers.is_empty() {
        return issuers;
    }
    let combined: Vec<Vec<u8>> = chain.iter().chain(issuers.iter()).cloned().collect();
    let with = analyze(&AnalysisInput {
        chain: &combined,
        trust,
        now,
        names: &[],
        expiry_warn_days: 0,
        fetched: &[],
    });
    match with.trust {
        TrustVerdict::Trusted { .. } => issuers,
        _ => Vec::new(),
    }
}

/// Judge a chain. Pure: the same input gives the same output.
/// Certificates of a chain analysed at most. Real chains have two to four; a hostile server may
/// send hundreds (each a parse and an issuer search), so the rest are left out and reported.
pub const MAX_CHAIN: usize = 20;

pub fn analyze(input: &AnalysisInput<'_>) -> ChainAnalysis {
    let sent = input.chain.len();
    let capped;
    let input = if sent > MAX_CHAIN {
        capped = AnalysisInput {
            chain: input.chain.get(..MAX_CHAIN).unwrap_or_default(),
            ..*input
        };
        &capped
    } else {
        input
    };
    let mut a = ChainAnalysis {
        certificates: Vec::new(),
        unparsable: Vec::new(),
        trust: TrustVerdict::NoCertificate {
            reason: "the server sent no certificate".into(),
        },
        order_problems: Vec::new(),
        time_problems: Vec::new(),
        covered_names: Vec::new(),
        names: Vec::new(),
        weak_keys: Vec::new(),
        weak_signatures: Vec::new(),
        trust_with_fetched: trust_with_fetched(input),
        sent_more: (sent > MAX_CHAIN).then_some(sent),
        fetched_not_issuers: fetched_not_issuers(input.chain, input.fetched),
    };
    let parsed = parse_chain(input.chain, &mut a);
    let Some(Some(leaf)) = parsed.first() else {
        if let Some((_, e)) = a.unparsable.first() {
            a.trust = TrustVerdict::NoCertificate {
                reason: format!("the leaf certificate is unreadable: {e}"),
            };
        }
        return a;
    };
    let walk = issuer_walk(&parsed);
    a.order_problems = order_problems(&parsed, &walk);
    a.trust = trust_verdict(input, &parsed, &walk, leaf);
    a.time_problems = time_problems(input, &parsed, &walk);
    a.covered_names = covered_names(leaf);
    a.names = input
        .names
        .iter()
        .map(|name| {
            let matched_by = matched_by(name, leaf, &a.covered_names);
            NameCheck {
                name: name.clone(),
                covered: matched_by.is_some(),
                matched_by,
            }
        })
        .collect();
    (a.weak_keys, a.weak_signatures) = weaknesses(&parsed, &walk);
    a
}

/// The trust verdict with the certificates fetched through AIA added (None when none were).
/// Only those that verify as issuers count ([`fetched_issuers`]).
fn trust_with_fetched(input: &AnalysisInput<'_>) -> Option<TrustVerdict> {
    if input.fetched.is_empty() {
        return None;
    }
    let combined: Vec<Vec<u8>> = input
        .chain
        .iter()
        .cloned()
        .chain(
            fetched_issuers(input.chain, input.fetched)
                .into_iter()
                .map(<[u8]>::to_vec),
        )
        .collect();
    let with = analyze(&AnalysisInput {
        chain: &combined,
        fetched: &[],
        ..*input
    });
    Some(with.trust)
}

/// Parse every certificate of the chain, in order (None for an unreadable one); the details of
/// the readable ones and the errors of the others go into `a`.
fn parse_chain<'c>(chain: &'c [Vec<u8>], a: &mut ChainAnalysis) -> Vec<Option<Parsed<'c>>> {
    let mut parsed = Vec::new();
    for (i, der) in chain.iter().enumerate() {
        match parse(der) {
            Ok(p) => {
                a.certificates.push(p.details.clone());
                parsed.push(Some(p));
            }
            Err(e) => {
                a.unparsable.push((i, e));
                parsed.push(None);
            }
        }
    }
    parsed
}

/// The readable certificate at position `i` of the chain.
fn at<'p, 'c>(parsed: &'p [Option<Parsed<'c>>], i: usize) -> Option<&'p Parsed<'c>> {
    parsed.get(i).and_then(Option::as_ref)
}

/// The issuer walk from the leaf (position 0) through what was sent: the path as the server meant
/// it, as positions in the chain, up to a self-signed certificate or one whose issuer was not sent.
fn issuer_walk(parsed: &[Option<Parsed<'_>>]) -> Vec<usize> {
    let mut walk = vec![0usize];
    while let Some(cur) = walk.last().and_then(|&i| at(parsed, i)) {
        if cur.details.self_signed {
            break;
        }
        let next = parsed
            .iter()
            .enumerate()
            .find(|(j, c)| {
                !walk.contains(j) && c.as_ref().is_some_and(|c| issued_by(&cur.cert, &c.cert))
            })
            .map(|(j, _)| j);
        match next {
            Some(j) => walk.push(j),
            None => break,
        }
    }
    walk
}

/// Order (RFC 5246 7.4.2: each certificate certifies the one before it): certificates off the
/// leaf's path, and issuers not sent right after what they issued.
fn order_problems(parsed: &[Option<Parsed<'_>>], walk: &[usize]) -> Vec<String> {
    let mut problems = Vec::new();
    for (i, p) in parsed.iter().enumerate().skip(1) {
        if !walk.contains(&i) {
            let subject = p
                .as_ref()
                .map(|p| p.details.subject.clone())
                .unwrap_or_else(|| "unreadable".into());
            problems.push(format!(
                "certificate #{i} ({subject}) is not part of the leaf's chain"
            ));
        }
    }
    for (&prev, &idx) in walk.iter().zip(walk.iter().skip(1)) {
        if idx != prev + 1 {
            let subject = at(parsed, idx)
                .map(|p| p.details.subject.clone())
                .unwrap_or_default();
            problems.push(format!(
                "certificate #{idx} ({subject}) issued certificate #{prev} but is not sent right after it"
            ));
        }
    }
    problems
}

/// Trust: a path from the leaf through the chain to an anchor, judged apart from time (the dates
/// are findings of their own).
fn trust_verdict(
    input: &AnalysisInput<'_>,
    parsed: &[Option<Parsed<'_>>],
    walk: &[usize],
    leaf: &Parsed<'_>,
) -> TrustVerdict {
    if leaf.details.self_signed {
        return TrustVerdict::SelfSigned;
    }
    let paths = PathBuilder::new(input, leaf);
    let mut result = paths.verify_at(input.now);
    if is_time_error(&result)
        && let Some(t) = moment_all_valid(parsed, walk)
    {
        // Verify at a moment when every certificate on the walk is valid.
        result = paths.verify_at(t);
    }
    let top = walk.last().and_then(|&i| at(parsed, i)).unwrap_or(leaf);
    match result {
        Ok(anchor) => TrustVerdict::Trusted { anchor },
        // No moment when the whole path is valid: judge trust by names and signatures alone.
        Err(webpki::Error::CertExpired { .. }) | Err(webpki::Error::CertNotValidYet { .. }) => {
            match anchor_of_top(input.trust, top) {
                Some(c) => TrustVerdict::Trusted {
                    anchor: c.subject().to_string(),
                },
                None => untrusted(top),
            }
        }
        Err(webpki::Error::UnknownIssuer) => untrusted(top),
        Err(e) => TrustVerdict::Invalid {
            reason: webpki_words(&e),
        },
    }
}

/// webpki's path building from one leaf, through the chain as sent, to the store's anchors.
struct PathBuilder<'a> {
    trust: &'a TrustStore,
    anchors: &'a [rustls_pki_types::TrustAnchor<'static>],
    intermediates: Vec<CertificateDer<'a>>,
    leaf: CertificateDer<'a>,
    algs: Vec<&'static dyn SignatureVerificationAlgorithm>,
}

impl<'a> PathBuilder<'a> {
    fn new(input: &AnalysisInput<'a>, leaf: &Parsed<'a>) -> Self {
        PathBuilder {
            trust: input.trust,
            anchors: &input.trust.prepared().webpki,
            intermediates: input
                .chain
                .iter()
                .skip(1)
                .map(|d| CertificateDer::from(d.as_slice()))
                .collect(),
            leaf: CertificateDer::from(leaf.der),
            algs: algorithms(),
        }
    }

    /// The subject of the anchor of a valid path at `t`, or why there is none.
    fn verify_at(&self, t: OffsetDateTime) -> Result<String, webpki::Error> {
        let ee = webpki::EndEntityCert::try_from(&self.leaf)?;
        let path = ee.verify_for_usage(
            &self.algs,
            self.anchors,
            &self.intermediates,
            unix(t),
            webpki::KeyUsage::server_auth(),
            None,
            None,
        )?;
        Ok(anchor_name(self.trust, path.anchor().subject.as_ref()))
    }
}

/// The subject of the store's anchor whose Name has the contents `anchor_subject`.
fn anchor_name(trust: &TrustStore, anchor_subject: &[u8]) -> String {
    trust
        .prepared()
        .names
        .iter()
        .flatten()
        // webpki keeps the Name's contents; x509-parser the whole TLV: compare past the header.
        .find(|n| {
            let raw = &n.subject_raw;
            raw.ends_with(anchor_subject) && raw.len() - anchor_subject.len() <= 4
        })
        .map(|n| n.subject.clone())
        .unwrap_or_else(|| "a trust anchor".into())
}

/// The path failed for a certificate's dates alone.
fn is_time_error(result: &Result<String, webpki::Error>) -> bool {
    matches!(
        result,
        Err(webpki::Error::CertExpired { .. }) | Err(webpki::Error::CertNotValidYet { .. })
    )
}

/// The middle of the time when every certificate on the walk is valid, if there is such a time.
fn moment_all_valid(parsed: &[Option<Parsed<'_>>], walk: &[usize]) -> Option<OffsetDateTime> {
    let on_walk = || walk.iter().filter_map(|&i| at(parsed, i));
    let from = on_walk()
        .map(|p| p.cert.validity().not_before.to_datetime())
        .max();
    let to = on_walk()
        .map(|p| p.cert.validity().not_after.to_datetime())
        .min();
    match (from, to) {
        (Some(from), Some(to)) if from < to => Some(from + (to - from) / 2),
        _ => None,
    }
}

/// The anchor that issued the top of the walk, or is it (same name and key), by names and
/// signatures alone. Only the anchors whose subject is the top's issuer (or subject) are parsed.
fn anchor_of_top<'t>(trust: &'t TrustStore, top: &Parsed<'_>) -> Option<X509Certificate<'t>> {
    let issuer = top.cert.issuer().as_raw();
    let subject = top.cert.subject().as_raw();
    let key = top.cert.public_key().raw;
    trust
        .prepared()
        .names
        .iter()
        .zip(&trust.anchors)
        .filter(|(n, _)| {
            n.as_ref().is_some_and(|n| {
                n.subject_raw == issuer || (n.subject_raw == subject && n.spki_raw == key)
            })
        })
        .filter_map(|(_, d)| X509Certificate::from_der(d).ok().map(|(_, c)| c))
        .find(|c| {
            issued_by(&top.cert, c)
                || c.subject().as_raw() == top.cert.subject().as_raw()
                    && c.public_key().raw == top.cert.public_key().raw
        })
}

/// Validity of every certificate on the walk (a self-signed root's dates matter too: a client
/// with it as an anchor ignores them, but most senders never get there).
fn time_problems(
    input: &AnalysisInput<'_>,
    parsed: &[Option<Parsed<'_>>],
    walk: &[usize],
) -> Vec<TimeProblem> {
    walk.iter()
        .filter_map(|&i| time_problem(input, i, at(parsed, i)?))
        .collect()
}

/// Expired, not yet valid, or expiring within the warning: the certificate at position `index`.
fn time_problem(input: &AnalysisInput<'_>, index: usize, p: &Parsed<'_>) -> Option<TimeProblem> {
    let nb = p.cert.validity().not_before.to_datetime();
    let na = p.cert.validity().not_after.to_datetime();
    let warn = ::time::Duration::days(i64::from(input.expiry_warn_days));
    let (kind, date) = if input.now > na {
        ("expired", na)
    } else if input.now < nb {
        ("not-yet-valid", nb)
    } else if na - input.now < warn {
        ("expires-soon", na)
    } else {
        return None;
    };
    Some(TimeProblem {
        index,
        subject: p.details.subject.clone(),
        kind: kind.into(),
        date: rfc3339(date),
        days: (date - input.now).whole_days(),
    })
}

/// The names the leaf covers: its subject alternative names, else its common names.
fn covered_names(leaf: &Parsed<'_>) -> Vec<String> {
    if leaf.details.sans.is_empty() {
        leaf.cert
            .subject()
            .iter_common_name()
            .filter_map(|cn| cn.as_str().ok())
            .map(str::to_string)
            .collect()
    } else {
        leaf.details.sans.clone()
    }
}

/// The pattern of the leaf that covers `name`: an IP address only by an IP address SAN, a name by
/// a DNS SAN (or, without SANs, by a common name).
fn matched_by(name: &str, leaf: &Parsed<'_>, covered_names: &[String]) -> Option<String> {
    let sans = &leaf.details.sans;
    if let Ok(ip) = name.parse::<IpAddr>() {
        sans.iter()
            .find(|s| s.parse::<IpAddr>().ok() == Some(ip))
            .cloned()
    } else if sans.is_empty() {
        covered_names
            .iter()
            .find(|p| name_matches(p, name))
            .cloned()
    } else {
        sans.iter()
            .filter(|s| s.parse::<IpAddr>().is_err())
            .find(|p| name_matches(p, name))
            .cloned()
    }
}

/// Strength, for every certificate on the walk: (weak keys, weak signatures). A self-signed
/// root's own signature is not judged (nobody checks it); its key still signs the next one, so its
/// size counts.
fn weaknesses(parsed: &[Option<Parsed<'_>>], walk: &[usize]) -> (Vec<Weakness>, Vec<Weakness>) {
    let mut keys = Vec::new();
    let mut signatures = Vec::new();
    for (i, p) in walk.iter().filter_map(|&i| Some((i, at(parsed, i)?))) {
        let d = &p.details;
        if let Some(what) = weak_key(d) {
            keys.push(Weakness {
                index: i,
                subject: d.subject.clone(),
                what,
            });
        }
        if !d.self_signed
            && let Some(h) = weak_signature(&p.cert.signature_algorithm.algorithm.to_id_string())
        {
            signatures.push(Weakness {
                index: i,
                subject: d.subject.clone(),
                what: format!("{h} ({})", d.signature_algorithm),
            });
        }
    }
    (keys, signatures)
}

/// A key too weak to trust: RSA under 2048 bits, DSA, ECDSA under 224 bits.
fn weak_key(d: &CertDetails) -> Option<String> {
    match (d.key_type.as_str(), d.key_bits) {
        ("RSA", Some(b)) if b < 2048 => Some(format!("RSA {b} bits")),
        ("DSA", _) => Some("DSA key".to_string()),
        ("ECDSA", Some(b)) if b < 224 => Some(format!("ECDSA {b} bits")),
        _ => None,
    }
}

/// Why no path to an anchor exists, from the top of the issuer walk. A self-signed top is a
/// root nobody trusts. A CA certificate at the top means the server sent its intermediates and the
/// missing issuer is (almost always) the root: the client lacks it. A leaf at the top means the
/// intermediate was not sent.
fn untrusted(top: &Parsed<'_>) -> TrustVerdict {
    if top.details.self_signed {
        TrustVerdict::UntrustedRoot {
            root: top.details.subject.clone(),
            sent: true,
        }
    } else if top.details.is_ca {
        TrustVerdict::UntrustedRoot {
            root: top.details.issuer.clone(),
            sent: false,
        }
    } else {
        TrustVerdict::Incomplete {
            missing_issuer: top.details.issuer.clone(),
            issued_to: top.details.subject.clone(),
            ca_issuers: top.details.ca_issuers.first().cloned(),
        }
    }
}

/// RFC 6125 6.4: case-insensitive; a wildcard only as the whole leftmost label, matching exactly
/// one label, and never a public-suffix-like "*.com" (at least two labels after it).
pub fn name_matches(pattern: &str, name: &str) -> bool {
    let p = pattern.trim_end_matches('.').to_ascii_lowercase();
    let n = name.trim_end_matches('.').to_ascii_lowercase();
    if let Some(rest) = p.strip_prefix("*.") {
        if rest.split('.').count() < 2 {
            return false;
        }
        return n
            .split_once('.')
            .is_some_and(|(first, tail)| !first.is_empty() && tail == rest);
    }
    p == n
}

#[allow(deprecated)] // older variants may still be produced
fn webpki_words(e: &webpki::Error) -> String {
    use webpki::Error as E;
    match e {
        E::CaUsedAsEndEntity => "the server certificate is a CA certificate".into(),
        E::EndEntityUsedAsCa => "a certificate that is not a CA (no CA basic constraint) issued another certificate".into(),
        E::RequiredEkuNotFound | E::RequiredEkuNotFoundContext(_) => {
            "the server certificate does not allow server authentication (extended key usage serverAuth missing)".into()
        }
        E::PathLenConstraintViolated => "the chain is longer than an issuer's path length constraint allows".into(),
        E::NameConstraintViolation => "a CA's name constraints forbid the server's names".into(),
        E::InvalidSignatureForPublicKey => {
            "a signature in the chain does not verify with its issuer's key".into()
        }
        E::UnsupportedSignatureAlgorithm
        | E::UnsupportedSignatureAlgorithmContext(_)
        | E::UnsupportedSignatureAlgorithmForPublicKey
        | E::UnsupportedSignatureAlgorithmForPublicKeyContext(_) => "a signature algorithm in the chain is not supported".into(),
        E::BadDer | E::BadDerTime => "a certificate is not well-formed DER".into(),
        E::MaximumPathBuildCallsExceeded | E::MaximumPathDepthExceeded | E::MaximumSignatureChecksExceeded => {
            "the chain is too long or too tangled to build a path".into()
        }
        other => format!("{other:?}"),
    }
}

#[cfg(test)]
mod tests {
    use super::{AnalysisInput, MAX_CHAIN, analyze, name_matches};
    use crate::model::trust::TrustStore;

    /// A hostile server's 500 "certificates": only MAX_CHAIN are looked at, the count is kept,
    /// and the finding says so.
    #[test]
    fn a_long_chain_is_cut_and_reported() {
        let chain: Vec<Vec<u8>> = (0..500u32).map(|i| i.to_be_bytes().to_vec()).collect();
        let trust = TrustStore::new(Vec::new(), "none".into());
        let a = analyze(&AnalysisInput {
            chain: &chain,
            trust: &trust,
            now: time::OffsetDateTime::UNIX_EPOCH,
            names: &[],
            expiry_warn_days: 21,
            fetched: &[],
        });
        assert_eq!(a.sent_more, Some(500));
        assert_eq!(a.certificates.len() + a.unparsable.len(), MAX_CHAIN);
        let codes: Vec<String> = crate::judge::diagnose::certificate_findings(&a)
            .into_iter()
            .map(|f| f.code)
            .collect();
        assert!(codes.contains(&"chain-too-long".to_string()), "{codes:?}");
        let short = analyze(&AnalysisInput {
            chain: chain.get(..3).unwrap_or_default(),
            trust: &trust,
            now: time::OffsetDateTime::UNIX_EPOCH,
            names: &[],
            expiry_warn_days: 21,
            fetched: &[],
        });
        assert_eq!(short.sent_more, None);
    }

    /// A small PKI made with rcgen: CAs and leaves, each as DER.
    mod pki {
        use rcgen::{BasicConstraints, CertificateParams, DnType, IsCa, Issuer, KeyPair};

        pub struct Ca {
            pub der: Vec<u8>,
            params: CertificateParams,
            key: KeyPair,
        }

        fn params(cn: &str, ca: bool) -> CertificateParams {
            let mut p = CertificateParams::new(vec![format!("{}.example.test", cn.to_lowercase())])
                .expect("params");
            p.distinguished_name.push(DnType::CommonName, cn);
            p.is_ca = if ca {
                IsCa::Ca(BasicConstraints::Unconstrained)
            } else {
                IsCa::ExplicitNoCa
            };
            p
        }

        /// A self-signed CA.
        pub fn root(cn: &str) -> Ca {
            let key = KeyPair::generate().expect("a key");
            let params = params(cn, true);
            let der = params.self_signed(&key).expect("signs").der().to_vec();
            Ca { der, params, key }
        }

        /// A CA issued by `parent`.
        pub fn intermediate(cn: &str, parent: &Ca) -> Ca {
            let key = KeyPair::generate().expect("a key");
            let params = params(cn, true);
            let der = params
                .signed_by(&key, &Issuer::from_params(&parent.params, &parent.key))
                .expect("signs")
                .der()
                .to_vec();
            Ca { der, params, key }
        }

        /// A server certificate issued by `ca`.
        pub fn leaf(cn: &str, ca: &Ca) -> Vec<u8> {
            let key = KeyPair::generate().expect("a key");
            params(cn, false)
                .signed_by(&key, &Issuer::from_params(&ca.params, &ca.key))
                .expect("signs")
                .der()
                .to_vec()
        }
    }

    fn store(anchors: &[&[u8]]) -> TrustStore {
        TrustStore::new(
            anchors
                .iter()
                .map(|d| rustls_pki_types::CertificateDer::from(d.to_vec()))
                .collect(),
            "test".into(),
        )
    }

    /// `--export-chain` exports a fetched certificate only when it verifies as the missing
    /// issuer, is not self-signed, and with it the chain reaches an anchor of the trust store.
    #[test]
    fn exportable_issuers_lead_to_a_root_and_are_never_self_signed() {
        use super::{exportable_issuers, fetched_issuers};
        let now = time::OffsetDateTime::now_utc();
        let root = pki::root("Root");
        let inter = pki::intermediate("Inter", &root);
        let chain = vec![pki::leaf("MX", &inter)];
        let trust = store(&[&root.der]);

        // The missing intermediate, leading to the store's root: exported.
        let fetched = vec![inter.der.clone()];
        assert_eq!(
            exportable_issuers(&chain, &fetched, &trust, now),
            vec![inter.der.clone()]
        );
        // With the root fetched too: the intermediate only, never the self-signed root.
        let fetched = vec![root.der.clone(), inter.der.clone()];
        assert_eq!(
            fetched_issuers(&chain, &fetched).len(),
            2,
            "both verify as issuers"
        );
        assert_eq!(
            exportable_issuers(&chain, &fetched, &trust, now),
            vec![inter.der.clone()]
        );

        // A self-signed issuer fetched over the network is never exported, even when it is the
        // issuer and an anchor of the store.
        let direct = vec![pki::leaf("Direct", &root)];
        let fetched = vec![root.der.clone()];
        assert_eq!(
            fetched_issuers(&direct, &fetched),
            vec![root.der.as_slice()],
            "the root verifies as the issuer"
        );
        assert!(exportable_issuers(&direct, &fetched, &trust, now).is_empty());
        let own = pki::root("Own");
        let own_leaf = vec![pki::leaf("Own-MX", &own)];
        let fetched = vec![own.der.clone()];
        assert_eq!(fetched_issuers(&own_leaf, &fetched).len(), 1);
        assert!(exportable_issuers(&own_leaf, &fetched, &trust, now).is_empty());
        assert!(exportable_issuers(&own_leaf, &fetched, &store(&[&own.der]), now).is_empty());

        // A real issuer that leads to a root outside the store: not exported.
        let other_root = pki::root("Other Root");
        let other = pki::intermediate("Other", &other_root);
        let other_chain = vec![pki::leaf("Other-MX", &other)];
        let fetched = vec![other.der.clone()];
        assert_eq!(
            fetched_issuers(&other_chain, &fetched),
            vec![other.der.as_slice()]
        );
        assert!(exportable_issuers(&other_chain, &fetched, &trust, now).is_empty());
        assert_eq!(
            exportable_issuers(&other_chain, &fetched, &store(&[&other_root.der]), now),
            vec![other.der.clone()],
            "the same issuer is exported against a store with its root"
        );
        // A fetched certificate that is not the issuer: nothing.
        let fetched = vec![other.der.clone()];
        assert!(exportable_issuers(&chain, &fetched, &trust, now).is_empty());
    }

    #[test]
    fn wildcards() {
        assert!(name_matches("mx.example.com", "MX.example.com."));
        assert!(name_matches("*.example.com", "mx.example.com"));
        assert!(!name_matches("*.example.com", "example.com"));
        assert!(!name_matches("*.example.com", "a.mx.example.com"));
        assert!(!name_matches("*.com", "example.com"));
        assert!(!name_matches("mx.example.com", "mx2.example.com"));
        assert!(!name_matches("m*.example.com", "mx.example.com"));
    }
}
