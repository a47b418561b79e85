//! The lab PKI: structure, signatures, extensions and path validation.

use std::sync::{Arc, OnceLock};

use lab::pki::{self, Issued, Issuer, KeyKind, LeafSpec, Pki, SigHash};
use openssl::stack::Stack;
use openssl::x509::store::X509StoreBuilder;
use openssl::x509::{X509, X509StoreContext};
use rustls::client::WebPkiServerVerifier;
use rustls::client::danger::ServerCertVerifier;
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use rustls::{CertificateError, RootCertStore};
use x509_parser::extensions::{GeneralName, ParsedExtension};
use x509_parser::oid_registry::Oid;
use x509_parser::prelude::*;

fn pki() -> &'static Pki {
    static PKI: OnceLock<Pki> = OnceLock::new();
    PKI.get_or_init(|| Pki::generate().expect("PKI generates"))
}

fn parse(der: &[u8]) -> X509Certificate<'_> {
    parse_x509_certificate(der).expect("parses").1
}

fn aia_urls(cert: &X509Certificate<'_>) -> Vec<String> {
    cert.extensions()
        .iter()
        .filter_map(|e| match e.parsed_extension() {
            ParsedExtension::AuthorityInfoAccess(aia) => Some(aia),
            _ => None,
        })
        .flat_map(|aia| aia.accessdescs.iter())
        .filter(|d| d.access_method.to_id_string() == "1.3.6.1.5.5.7.48.2")
        .filter_map(|d| match &d.access_location {
            GeneralName::URI(u) => Some(u.to_string()),
            _ => None,
        })
        .collect()
}

fn cn(name: &X509Name<'_>) -> String {
    name.iter_common_name()
        .next()
        .and_then(|c| c.as_str().ok())
        .unwrap_or("")
        .to_string()
}

fn rsa_bits(cert: &X509Certificate<'_>) -> usize {
    match cert.public_key().parsed() {
        Ok(x509_parser::public_key::PublicKey::RSA(rsa)) => rsa.key_size(),
        other => panic!("not RSA: {other:?}"),
    }
}

/// Signature check with OpenSSL (handles SHA-1 too).
fn signed_by(cert: &Issued, issuer: &Issued) -> bool {
    let cert = X509::from_der(&cert.cert_der).expect("der");
    let issuer = X509::from_der(&issuer.cert_der).expect("der");
    cert.verify(&issuer.public_key().expect("key"))
        .expect("verify runs")
}

/// Path validation with OpenSSL against the lab root only.
fn openssl_validates(leaf: &Issued, extra: &[&Issued]) -> bool {
    let mut store = X509StoreBuilder::new().expect("store");
    store
        .add_cert(X509::from_der(&pki().root.cert_der).expect("der"))
        .expect("add root");
    let store = store.build();
    let mut chain = Stack::new().expect("stack");
    for c in extra {
        chain
            .push(X509::from_der(&c.cert_der).expect("der"))
            .expect("push");
    }
    let leaf = X509::from_der(&leaf.cert_der).expect("der");
    let mut ctx = X509StoreContext::new().expect("ctx");
    ctx.init(&store, &leaf, &chain, |c| c.verify_cert())
        .expect("verify runs")
}

/// Path validation with rustls/webpki for mx.lab.test against the lab root.
fn webpki(leaf: &Issued, extra: &[&Issued]) -> Result<(), rustls::Error> {
    let mut roots = RootCertStore::empty();
    roots
        .add(CertificateDer::from(pki().root.cert_der.clone()))
        .expect("root");
    let verifier = WebPkiServerVerifier::builder_with_provider(
        Arc::new(roots),
        Arc::new(rustls::crypto::ring::default_provider()),
    )
    .build()
    .expect("verifier");
    let extra: Vec<CertificateDer<'static>> = extra
        .iter()
        .map(|c| CertificateDer::from(c.cert_der.clone()))
        .collect();
    verifier
        .verify_server_cert(
            &CertificateDer::from(leaf.cert_der.clone()),
            &extra,
            &ServerName::try_from(lab::LAB_HOST).expect("name"),
            &[],
            UnixTime::now(),
        )
        .map(|_| ())
}

#[test]
fn roots_and_intermediates() {
    let p = pki();
    let now = ::time::OffsetDateTime::now_utc().unix_timestamp();
    for (issued, subject, issuer) in [
        (&p.root, pki::ROOT_CN, pki::ROOT_CN),
        (&p.intermediate, pki::INTERMEDIATE_CN, pki::ROOT_CN),
        (&p.other_root, pki::OTHER_ROOT_CN, pki::OTHER_ROOT_CN),
        (
            &p.other_intermediate,
            pki::OTHER_INTERMEDIATE_CN,
            pki::OTHER_ROOT_CN,
        ),
    ] {
        let cert = parse(&issued.cert_der);
        assert_eq!(cn(cert.subject()), subject);
        assert_eq!(cn(cert.issuer()), issuer);
        assert_eq!(rsa_bits(&cert), 2048);
        let bc = cert.basic_constraints().expect("bc").expect("present");
        assert!(bc.value.ca, "{subject} is a CA");
        let ku = cert.key_usage().expect("ku").expect("present");
        assert!(ku.value.key_cert_sign() && ku.value.crl_sign());
        assert!(!ku.value.digital_signature());
        let v = cert.validity();
        assert!(v.not_before.timestamp() < now - 80_000);
        assert!(v.not_after.timestamp() > now + 9 * 365 * 86_400);
        assert!(issued.key_pem.starts_with("-----BEGIN PRIVATE KEY-----"));
        assert_eq!(
            cert.signature_algorithm.algorithm.to_id_string(),
            "1.2.840.113549.1.1.11"
        );
    }
    assert!(signed_by(&p.root, &p.root));
    assert!(signed_by(&p.intermediate, &p.root));
    assert!(!signed_by(&p.intermediate, &p.other_root));
    assert!(signed_by(&p.other_intermediate, &p.other_root));
    assert_eq!(
        aia_urls(&parse(&p.intermediate.cert_der)),
        [pki::AIA_ROOT_URL]
    );
    assert!(aia_urls(&parse(&p.root.cert_der)).is_empty());
    assert_eq!(
        parse(&p.root.cert_der).subject(),
        parse(&p.intermediate.cert_der).issuer()
    );
}

#[test]
fn good_leaf() {
    let p = pki();
    let leaf = p
        .leaf(&LeafSpec::valid_for(&["mx.lab.test", "lab.test"]))
        .expect("leaf");
    let cert = parse(&leaf.cert_der);
    assert_eq!(cert.issuer(), parse(&p.intermediate.cert_der).subject());
    assert_eq!(cn(cert.subject()), "mx.lab.test");
    let san = cert
        .subject_alternative_name()
        .expect("san")
        .expect("present");
    let names: Vec<String> = san
        .value
        .general_names
        .iter()
        .map(|n| match n {
            GeneralName::DNSName(d) => d.to_string(),
            other => panic!("{other:?}"),
        })
        .collect();
    assert_eq!(names, ["mx.lab.test", "lab.test"]);
    let eku = cert.extended_key_usage().expect("eku").expect("present");
    assert!(eku.value.server_auth);
    let ku = cert.key_usage().expect("ku").expect("present");
    assert!(ku.value.digital_signature() && !ku.value.key_cert_sign());
    let bc = cert.basic_constraints().expect("bc");
    assert!(bc.is_none_or(|bc| !bc.value.ca));
    assert_eq!(aia_urls(&cert), [pki::AIA_INTERMEDIATE_URL]);
    assert!(matches!(
        cert.public_key().parsed(),
        Ok(x509_parser::public_key::PublicKey::EC(_))
    ));
    assert!(leaf.key_pem.starts_with("-----BEGIN PRIVATE KEY-----"));
    assert!(signed_by(&leaf, &p.intermediate));
    assert!(openssl_validates(&leaf, &[&p.intermediate]));
    assert!(!openssl_validates(&leaf, &[]), "the intermediate is needed");
    webpki(&leaf, &[&p.intermediate]).expect("webpki accepts the good chain");
}

#[test]
fn sha1_leaf() {
    let p = pki();
    let mut spec = LeafSpec::valid_for(&["mx.lab.test"]);
    spec.key = KeyKind::Rsa(2048);
    spec.sig = SigHash::Sha1;
    let leaf = p.leaf(&spec).expect("leaf");
    let cert = parse(&leaf.cert_der);
    assert_eq!(
        cert.signature_algorithm.algorithm,
        Oid::from(&[1, 2, 840, 113549, 1, 1, 5]).expect("oid")
    );
    assert_eq!(rsa_bits(&cert), 2048);
    assert_eq!(cert.issuer(), parse(&p.intermediate.cert_der).subject());
    assert_eq!(aia_urls(&cert), [pki::AIA_INTERMEDIATE_URL]);
    let ku = cert.key_usage().expect("ku").expect("present");
    assert!(ku.value.digital_signature() && ku.value.key_encipherment());
    assert!(
        cert.extended_key_usage()
            .expect("eku")
            .expect("present")
            .value
            .server_auth
    );
    assert!(
        !cert
            .basic_constraints()
            .expect("bc")
            .expect("present")
            .value
            .ca
    );
    assert!(signed_by(&leaf, &p.intermediate));
    assert!(matches!(
        webpki(&leaf, &[&p.intermediate]),
        Err(rustls::Error::InvalidCertificate(_))
    ));
}

#[test]
fn rsa1024_leaf() {
    let p = pki();
    let mut spec = LeafSpec::valid_for(&["mx.lab.test"]);
    spec.key = KeyKind::Rsa(1024);
    let leaf = p.leaf(&spec).expect("leaf");
    let cert = parse(&leaf.cert_der);
    assert_eq!(rsa_bits(&cert), 1024);
    assert_eq!(
        cert.signature_algorithm.algorithm.to_id_string(),
        "1.2.840.113549.1.1.11"
    );
    assert_eq!(aia_urls(&cert), [pki::AIA_INTERMEDIATE_URL]);
    let san = cert
        .subject_alternative_name()
        .expect("san")
        .expect("present");
    assert_eq!(san.value.general_names.len(), 1);
    assert!(signed_by(&leaf, &p.intermediate));
    assert!(leaf.key_pem.starts_with("-----BEGIN PRIVATE KEY-----"));
    // OpenSSL (no security level in X509_verify_cert's default flags here) accepts the path.
    assert!(openssl_validates(&leaf, &[&p.intermediate]));
}

#[test]
fn rsa2048_sha256_leaf_via_rcgen() {
    let p = pki();
    let mut spec = LeafSpec::valid_for(&["mx.lab.test"]);
    spec.key = KeyKind::Rsa(2048);
    let leaf = p.leaf(&spec).expect("leaf");
    let cert = parse(&leaf.cert_der);
    assert_eq!(rsa_bits(&cert), 2048);
    assert!(signed_by(&leaf, &p.intermediate));
    webpki(&leaf, &[&p.intermediate]).expect("valid");
}

#[test]
fn self_signed_leaf() {
    let p = pki();
    for sig in [SigHash::Sha256, SigHash::Sha1] {
        let mut spec = LeafSpec::valid_for(&["mx.lab.test"]);
        spec.issuer = Issuer::SelfSigned;
        spec.sig = sig;
        let leaf = p.leaf(&spec).expect("leaf");
        let cert = parse(&leaf.cert_der);
        assert_eq!(cert.subject(), cert.issuer());
        assert_eq!(cn(cert.subject()), "mx.lab.test");
        assert!(signed_by(&leaf, &leaf));
        assert!(!openssl_validates(&leaf, &[&p.intermediate]));
    }
}

#[test]
fn untrusted_chain() {
    let p = pki();
    let mut spec = LeafSpec::valid_for(&["mx.lab.test"]);
    spec.issuer = Issuer::OtherIntermediate;
    let leaf = p.leaf(&spec).expect("leaf");
    let cert = parse(&leaf.cert_der);
    assert_eq!(
        cert.issuer(),
        parse(&p.other_intermediate.cert_der).subject()
    );
    assert!(signed_by(&leaf, &p.other_intermediate));
    assert!(!openssl_validates(&leaf, &[&p.other_intermediate]));
    assert_eq!(
        webpki(&leaf, &[&p.other_intermediate]),
        Err(rustls::Error::InvalidCertificate(
            CertificateError::UnknownIssuer
        ))
    );
}

#[test]
fn validity_and_name_problems_are_real() {
    let p = pki();
    let now = ::time::OffsetDateTime::now_utc();
    let days = ::time::Duration::days;

    let mut spec = LeafSpec::valid_for(&["mx.lab.test"]);
    spec.not_before = now - days(100);
    spec.not_after = now - days(2);
    let expired = p.leaf(&spec).expect("leaf");
    assert!(matches!(
        webpki(&expired, &[&p.intermediate]),
        Err(rustls::Error::InvalidCertificate(
            CertificateError::Expired | CertificateError::ExpiredContext { .. }
        ))
    ));

    spec.not_before = now + days(30);
    spec.not_after = now + days(120);
    let future = p.leaf(&spec).expect("leaf");
    assert!(matches!(
        webpki(&future, &[&p.intermediate]),
        Err(rustls::Error::InvalidCertificate(
            CertificateError::NotValidYet | CertificateError::NotValidYetContext { .. }
        ))
    ));

    let wrong = p
        .leaf(&LeafSpec::valid_for(&["mail.other.test", "other.test"]))
        .expect("leaf");
    assert!(matches!(
        webpki(&wrong, &[&p.intermediate]),
        Err(rustls::Error::InvalidCertificate(
            CertificateError::NotValidForName | CertificateError::NotValidForNameContext { .. }
        ))
    ));
}

#[test]
fn invalid_specs_are_errors() {
    let p = pki();
    let empty = LeafSpec::valid_for(&[]);
    let err = p.leaf(&empty).expect_err("no names");
    assert!(err.to_string().contains("DNS name"), "{err}");
    let mut backwards = LeafSpec::valid_for(&["mx.lab.test"]);
    backwards.not_after = backwards.not_before;
    assert!(p.leaf(&backwards).is_err());
}

#[test]
fn chain_file_pem_order() {
    let p = pki();
    let leaf = p
        .leaf(&LeafSpec::valid_for(&["mx.lab.test"]))
        .expect("leaf");
    let pem = pki::chain_file_pem(&leaf, &[&p.intermediate]);
    let headers: Vec<&str> = pem
        .lines()
        .filter(|l| l.starts_with("-----BEGIN"))
        .collect();
    assert_eq!(
        headers,
        [
            "-----BEGIN PRIVATE KEY-----",
            "-----BEGIN CERTIFICATE-----",
            "-----BEGIN CERTIFICATE-----"
        ]
    );
    let certs = X509::stack_from_pem(pem.as_bytes()).expect("certs parse");
    assert_eq!(certs.len(), 2);
    assert_eq!(certs[0].to_der().expect("der"), leaf.cert_der);
    assert_eq!(certs[1].to_der().expect("der"), p.intermediate.cert_der);
    openssl::pkey::PKey::private_key_from_pem(pem.as_bytes()).expect("key parses");
    assert!(
        !format!("{leaf:?}").contains("PRIVATE"),
        "Debug never shows keys"
    );
}
