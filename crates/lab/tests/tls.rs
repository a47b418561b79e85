//! Real TLS handshakes against the lab servers (127.0.0.1 only).

mod common;

use std::pin::Pin;

use common::*;
use lab::pki::{INTERMEDIATE_CN, OTHER_INTERMEDIATE_CN};
use openssl::ssl::{SslConnector, SslMethod, SslVerifyMode, SslVersion};
use rustls::{AlertDescription, ProtocolVersion};
use tokio::net::TcpStream;
use x509_parser::prelude::*;

/// What a test needs to know about a certificate.
#[derive(Debug)]
struct Info {
    subject_cn: String,
    issuer_cn: String,
    self_issued: bool,
    dns_names: Vec<String>,
    key_algorithm: String,
    key_bits: usize,
    sig_oid: String,
    not_after: i64,
    not_before: i64,
}

fn info(der: &[u8]) -> Info {
    let (_, cert) = parse_x509_certificate(der).expect("certificate parses");
    let cn = |name: &X509Name<'_>| {
        name.iter_common_name()
            .next()
            .and_then(|cn| cn.as_str().ok())
            .unwrap_or("")
            .to_string()
    };
    let dns_names = cert
        .subject_alternative_name()
        .ok()
        .flatten()
        .map(|san| {
            san.value
                .general_names
                .iter()
                .filter_map(|n| match n {
                    GeneralName::DNSName(d) => Some(d.to_string()),
                    _ => None,
                })
                .collect()
        })
        .unwrap_or_default();
    let spki = cert.public_key();
    let (key_algorithm, key_bits) = match spki.parsed() {
        Ok(x509_parser::public_key::PublicKey::RSA(rsa)) => ("rsa".to_string(), rsa.key_size()),
        Ok(x509_parser::public_key::PublicKey::EC(ec)) => ("ec".to_string(), ec.key_size()),
        _ => ("other".to_string(), 0),
    };
    Info {
        subject_cn: cn(cert.subject()),
        issuer_cn: cn(cert.issuer()),
        self_issued: cert.subject() == cert.issuer(),
        dns_names,
        key_algorithm,
        key_bits,
        sig_oid: cert.signature_algorithm.algorithm.to_id_string(),
        not_after: cert.validity().not_after.timestamp(),
        not_before: cert.validity().not_before.timestamp(),
    }
}

fn now() -> i64 {
    ::time::OffsetDateTime::now_utc().unix_timestamp()
}

const DAY: i64 = 86_400;

/// STARTTLS + handshake (with SNI); returns the stream and the chain.
async fn starttls_chain(lab: &lab::RunningLab, scenario: &str) -> (Tls, Vec<Info>) {
    let tcp = starttls(addr(lab, scenario)).await;
    let tls = handshake(tcp, true).await.expect("handshake succeeds");
    let chain = peer_chain(&tls).iter().map(|c| info(c)).collect();
    (tls, chain)
}

fn assert_good_leaf(leaf: &Info) {
    assert_eq!(leaf.subject_cn, "mx.lab.test");
    assert_eq!(leaf.dns_names, ["mx.lab.test"]);
    assert_eq!(leaf.issuer_cn, INTERMEDIATE_CN);
    assert_eq!((leaf.key_algorithm.as_str(), leaf.key_bits), ("ec", 256));
    assert_eq!(
        leaf.sig_oid, "1.2.840.113549.1.1.11",
        "sha256WithRSAEncryption"
    );
}

#[tokio::test]
async fn good_full_chain_tls13_then_smtp_after_tls() {
    let (lab, _dir) = lab(&["good"]).await;
    let (tls, chain) = starttls_chain(&lab, "good").await;
    assert_eq!(
        tls.get_ref().1.protocol_version(),
        Some(ProtocolVersion::TLSv1_3)
    );
    assert_eq!(chain.len(), 2);
    assert_good_leaf(&chain[0]);
    assert_eq!(chain[1].subject_cn, INTERMEDIATE_CN);
    assert_eq!(
        (chain[1].key_algorithm.as_str(), chain[1].key_bits),
        ("rsa", 2048)
    );

    // A full transaction after TLS.
    let mut c = Smtp::new(tls);
    let (code, lines) = c.cmd("EHLO client.test").await;
    assert_eq!(code, 250);
    assert_eq!(
        lines,
        [
            "250-mx.lab.test",
            "250-PIPELINING",
            "250-SIZE 10240000",
            "250-AUTH PLAIN LOGIN",
            "250-ENHANCEDSTATUSCODES",
            "250 8BITMIME"
        ]
    );
    assert_eq!(c.cmd("STARTTLS").await.0, 503);
    assert_eq!(c.cmd("AUTH PLAIN AHVzZXIAcGFzcw==").await.0, 235);
    assert_eq!(c.cmd("MAIL FROM:<a@client.test>").await.0, 250);
    assert_eq!(c.cmd("RCPT TO:<b@mx.lab.test>").await.0, 250);
    assert_eq!(c.cmd("DATA").await.0, 354);
    c.send("Subject: hi\r\n\r\n..leading dot\r\nbody").await;
    let (code, lines) = c.cmd(".").await;
    assert_eq!(code, 250);
    assert_eq!(lines, ["250 2.0.0 Ok: message accepted and discarded"]);
    assert_eq!(c.cmd("RSET").await.0, 250);
    assert_eq!(c.cmd("NOOP").await.0, 250);
    assert_eq!(c.cmd("QUIT").await.0, 221);
    c.expect_closed().await;
    lab.shutdown().await;
}

#[tokio::test]
async fn good_tls12_only_client() {
    let (lab, _dir) = lab(&["good"]).await;
    let tcp = starttls(addr(&lab, "good")).await;
    let cfg = rustls::ClientConfig::builder_with_provider(std::sync::Arc::new(
        rustls::crypto::ring::default_provider(),
    ))
    .with_protocol_versions(&[&rustls::version::TLS12])
    .expect("versions")
    .dangerous()
    .with_custom_certificate_verifier(std::sync::Arc::new(AcceptAll(
        rustls::crypto::ring::default_provider(),
    )))
    .with_no_client_auth();
    let name = rustls::pki_types::ServerName::try_from("mx.lab.test").expect("name");
    let tls = tokio_rustls::TlsConnector::from(std::sync::Arc::new(cfg))
        .connect(name, tcp)
        .await
        .expect("TLS 1.2 handshake");
    assert_eq!(
        tls.get_ref().1.protocol_version(),
        Some(ProtocolVersion::TLSv1_2)
    );
}

#[tokio::test]
async fn implicit_tls_handshake_then_banner() {
    let (lab, _dir) = lab(&["implicit-tls"]).await;
    let tcp = TcpStream::connect(addr(&lab, "implicit-tls"))
        .await
        .expect("connect");
    let tls = handshake(tcp, true).await.expect("handshake");
    let chain: Vec<Info> = peer_chain(&tls).iter().map(|c| info(c)).collect();
    assert_eq!(chain.len(), 2);
    assert_good_leaf(&chain[0]);
    let mut c = Smtp::new(tls);
    assert_eq!(
        c.reply().await,
        (
            220,
            vec!["220 mx.lab.test ESMTP smtp-tls-doctor lab (implicit-tls)".to_string()]
        )
    );
    let (_, lines) = c.cmd("EHLO client.test").await;
    assert!(!lines.iter().any(|l| l.contains("STARTTLS")), "{lines:?}");
    assert!(lines.iter().any(|l| l == "250-AUTH PLAIN LOGIN"));
    assert_eq!(c.cmd("QUIT").await.0, 221);
}

#[tokio::test]
async fn chain_incomplete_sends_leaf_only() {
    let (lab, _dir) = lab(&["chain-incomplete"]).await;
    let (_tls, chain) = starttls_chain(&lab, "chain-incomplete").await;
    assert_eq!(chain.len(), 1);
    assert_good_leaf(&chain[0]);
}

#[tokio::test]
async fn chain_order_sends_unrelated_cert_before_intermediate() {
    let (lab, _dir) = lab(&["chain-order"]).await;
    let (_tls, chain) = starttls_chain(&lab, "chain-order").await;
    assert_eq!(chain.len(), 3);
    assert_good_leaf(&chain[0]);
    assert!(chain[1].self_issued);
    assert_eq!(chain[1].subject_cn, "unrelated.lab.test");
    assert_eq!(chain[2].subject_cn, INTERMEDIATE_CN);
}

#[tokio::test]
async fn certificate_problems_on_the_wire() {
    let names = [
        "self-signed",
        "untrusted-root",
        "wrong-name",
        "expired",
        "not-yet-valid",
        "expires-soon",
    ];
    let (lab, _dir) = lab(&names).await;
    let now = now();

    let (_, chain) = starttls_chain(&lab, "self-signed").await;
    assert_eq!(chain.len(), 1);
    assert!(chain[0].self_issued);
    assert_eq!(chain[0].subject_cn, "mx.lab.test");
    assert_eq!(chain[0].dns_names, ["mx.lab.test"]);

    let (_, chain) = starttls_chain(&lab, "untrusted-root").await;
    assert_eq!(chain.len(), 2);
    assert_eq!(chain[0].issuer_cn, OTHER_INTERMEDIATE_CN);
    assert_eq!(chain[1].subject_cn, OTHER_INTERMEDIATE_CN);
    assert_eq!(chain[1].issuer_cn, lab::pki::OTHER_ROOT_CN);

    let (_, chain) = starttls_chain(&lab, "wrong-name").await;
    assert_eq!(chain.len(), 2);
    assert_eq!(chain[0].dns_names, ["mail.other.test", "other.test"]);

    let (_, chain) = starttls_chain(&lab, "expired").await;
    assert_eq!(chain.len(), 2);
    assert!((chain[0].not_after - (now - 2 * DAY)).abs() < 120);
    assert!((chain[0].not_before - (now - 100 * DAY)).abs() < 120);

    let (_, chain) = starttls_chain(&lab, "not-yet-valid").await;
    assert!((chain[0].not_before - (now + 30 * DAY)).abs() < 120);
    assert!((chain[0].not_after - (now + 120 * DAY)).abs() < 120);

    let (_, chain) = starttls_chain(&lab, "expires-soon").await;
    assert!(chain[0].not_before < now);
    assert!((chain[0].not_after - (now + 5 * DAY)).abs() < 120);
}

#[tokio::test]
async fn weak_key_serves_rsa1024_over_tls12() {
    let (lab, _dir) = lab(&["weak-key"]).await;
    let (tls, chain) = starttls_chain(&lab, "weak-key").await;
    assert_eq!(
        tls.get_ref().1.protocol_version(),
        Some(ProtocolVersion::TLSv1_2)
    );
    assert_eq!(chain.len(), 2);
    assert_eq!(
        (chain[0].key_algorithm.as_str(), chain[0].key_bits),
        ("rsa", 1024)
    );
    assert_eq!(chain[0].sig_oid, "1.2.840.113549.1.1.11");
    assert_eq!(chain[0].issuer_cn, INTERMEDIATE_CN);
    assert_eq!(chain[0].dns_names, ["mx.lab.test"]);
    let mut c = Smtp::new(tls);
    let (_, lines) = c.cmd("EHLO client.test").await;
    assert!(lines.iter().any(|l| l == "250-AUTH PLAIN LOGIN"));
}

#[tokio::test]
async fn sha1_signature_leaf() {
    let (lab, _dir) = lab(&["sha1-signature"]).await;
    let (_tls, chain) = starttls_chain(&lab, "sha1-signature").await;
    assert_eq!(chain.len(), 2);
    assert_eq!(
        chain[0].sig_oid, "1.2.840.113549.1.1.5",
        "sha1WithRSAEncryption"
    );
    assert_eq!(
        (chain[0].key_algorithm.as_str(), chain[0].key_bits),
        ("rsa", 2048)
    );
    assert_eq!(chain[0].issuer_cn, INTERMEDIATE_CN);
}

#[tokio::test]
async fn sni_required_picks_certificate_by_sni() {
    let (lab, _dir) = lab(&["sni-required"]).await;
    let (_tls, chain) = starttls_chain(&lab, "sni-required").await;
    assert_eq!(chain.len(), 2);
    assert_good_leaf(&chain[0]);

    let tcp = starttls(addr(&lab, "sni-required")).await;
    let tls = handshake(tcp, false).await.expect("handshake without SNI");
    let chain: Vec<Info> = peer_chain(&tls).iter().map(|c| info(c)).collect();
    assert_eq!(chain.len(), 2);
    assert_eq!(chain[0].dns_names, ["default.invalid"]);
    assert_eq!(chain[0].subject_cn, "default.invalid");
}

#[tokio::test]
async fn tls10_only_rejects_modern_client() {
    let (lab, _dir) = lab(&["tls10-only"]).await;
    let tcp = starttls(addr(&lab, "tls10-only")).await;
    let err = handshake(tcp, true)
        .await
        .expect_err("TLS 1.2/1.3 client must fail");
    let inner = err
        .get_ref()
        .and_then(|e| e.downcast_ref::<rustls::Error>())
        .cloned();
    assert_eq!(
        inner,
        Some(rustls::Error::AlertReceived(
            AlertDescription::ProtocolVersion
        )),
        "{err:?}"
    );
}

#[tokio::test]
async fn tls10_only_really_speaks_tls10() {
    let (lab, _dir) = lab(&["tls10-only"]).await;
    let tcp = starttls(addr(&lab, "tls10-only")).await;
    let mut b = SslConnector::builder(SslMethod::tls_client()).expect("connector");
    b.set_security_level(0);
    b.set_cipher_list("DEFAULT:@SECLEVEL=0").expect("ciphers");
    b.set_min_proto_version(Some(SslVersion::TLS1))
        .expect("min");
    b.set_verify(SslVerifyMode::NONE);
    let ssl = b
        .build()
        .configure()
        .expect("configure")
        .into_ssl("mx.lab.test")
        .expect("ssl");
    let mut s = tokio_openssl::SslStream::new(ssl, tcp).expect("stream");
    Pin::new(&mut s).connect().await.expect("TLS 1.0 handshake");
    assert_eq!(s.ssl().version_str(), "TLSv1");
    let mut c = Smtp::new(s);
    assert_eq!(c.cmd("EHLO client.test").await.0, 250);
    assert_eq!(c.cmd("QUIT").await.0, 221);
}

#[tokio::test]
async fn starttls_discards_pipelined_bytes() {
    use tokio::io::AsyncWriteExt;
    let (lab, _dir) = lab(&["good"]).await;
    let tcp = TcpStream::connect(addr(&lab, "good"))
        .await
        .expect("connect");
    let mut c = Smtp::new(tcp);
    assert_eq!(c.reply().await.0, 220);
    assert_eq!(c.cmd("EHLO client.test").await.0, 250);
    // STARTTLS plus an injected command in one segment (RFC 3207 section 5).
    c.r.get_mut()
        .write_all(b"STARTTLS\r\nMAIL FROM:<injected@evil.test>\r\n")
        .await
        .expect("write");
    assert_eq!(c.reply().await.0, 220);
    let tls = handshake(c.r.into_inner(), true)
        .await
        .expect("handshake despite injected bytes");
    let mut c = Smtp::new(tls);
    // The injected MAIL was discarded: no transaction is open.
    assert_eq!(c.cmd("RCPT TO:<b@mx.lab.test>").await.0, 503);
}

/// key-mismatch-tls12 and -tls13 send the lab's valid chain but sign with another key: OpenSSL
/// refuses the handshake with "bad signature" even without verifying the certificate.
#[tokio::test]
async fn key_mismatch_fails_openssl_with_bad_signature() {
    let names = ["key-mismatch-tls12", "key-mismatch-tls13"];
    let (lab, _dir) = lab(&names).await;
    for (name, version) in names
        .into_iter()
        .zip([SslVersion::TLS1_2, SslVersion::TLS1_3])
    {
        let tcp = starttls(addr(&lab, name)).await;
        let mut b = SslConnector::builder(SslMethod::tls_client()).expect("connector");
        b.set_min_proto_version(Some(version)).expect("min");
        b.set_max_proto_version(Some(version)).expect("max");
        b.set_verify(SslVerifyMode::NONE);
        let ssl = b
            .build()
            .configure()
            .expect("configure")
            .into_ssl("mx.lab.test")
            .expect("ssl");
        let mut s = tokio_openssl::SslStream::new(ssl, tcp).expect("stream");
        let err = Pin::new(&mut s)
            .connect()
            .await
            .expect_err("the signature does not verify");
        let text = format!("{err}");
        assert!(text.contains("bad signature"), "{name}: {text}");
        // The chain itself is the lab's valid one.
        let chain = s.ssl().peer_cert_chain().map(|c| c.len()).unwrap_or(0);
        assert_eq!(chain, 2, "{name}");
    }
}
