//! The client-renegotiation probe (doctor::observe::renegotiation) against real OpenSSL
//! servers: one per key exchange, bulk cipher, version and group the probe implements, each
//! with client-initiated renegotiation allowed and refused. The truth is OpenSSL's own switch
//! (SSL_OP_ALLOW_CLIENT_RENEGOTIATION), so a wrong key derivation, record protection or
//! Finished shows up as an `unknown` (the handshake does not complete) and a wrong verdict as
//! a mismatch. The servers speak TLS from the first byte (the probe's implicit-TLS path).

use std::net::{SocketAddr, TcpListener};
use std::sync::OnceLock;
use std::time::Duration;

use doctor::model::options::CheckOptions;
use doctor::model::scan::ProbeAnswer;
use doctor::observe::probe::EndpointSpec;
use lab::pki::{KeyKind, LeafSpec, Pki};
use openssl::bn::BigNum;
use openssl::dh::Dh;
use openssl::pkey::PKey;
use openssl::ssl::{Ssl, SslContext, SslMethod, SslOptions, SslVerifyMode, SslVersion};
use openssl::x509::X509;

const NAME: &str = "mx.lab.test";

fn pki() -> &'static Pki {
    static PKI: OnceLock<Pki> = OnceLock::new();
    PKI.get_or_init(|| Pki::generate().expect("lab PKI"))
}

struct Case {
    version: SslVersion,
    wire_version: u16,
    cipher: &'static str,
    groups: &'static str,
    key: KeyKind,
    ask_cert: bool,
}

const fn case(
    version: SslVersion,
    wire_version: u16,
    cipher: &'static str,
    groups: &'static str,
    key: KeyKind,
) -> Case {
    Case {
        version,
        wire_version,
        cipher,
        groups,
        key,
        ask_cert: false,
    }
}

/// One OpenSSL server for one connection: handshake, then reading (which is where OpenSSL
/// handles a renegotiating ClientHello) until the client goes.
fn serve(c: &Case, allow: bool) -> SocketAddr {
    let mut spec = LeafSpec::valid_for(&[NAME]);
    spec.key = c.key;
    let leaf = pki().leaf(&spec).expect("leaf");
    let mut b = SslContext::builder(SslMethod::tls_server()).expect("ctx");
    b.set_security_level(0);
    b.clear_options(SslOptions::NO_TLSV1 | SslOptions::NO_TLSV1_1);
    b.set_min_proto_version(Some(c.version)).expect("min");
    b.set_max_proto_version(Some(c.version)).expect("max");
    b.set_cipher_list(&format!("{}:@SECLEVEL=0", c.cipher))
        .expect("cipher");
    b.set_groups_list(c.groups).expect("groups");
    let dh = Dh::from_pqg(
        BigNum::get_rfc3526_prime_2048().expect("prime"),
        None,
        BigNum::from_u32(2).expect("g"),
    )
    .expect("dh");
    b.set_tmp_dh(&dh).expect("dh");
    if allow {
        // SSL_OP_ALLOW_CLIENT_RENEGOTIATION (OpenSSL 3.0 ssl.h: SSL_OP_BIT(8)).
        b.set_options(SslOptions::from_bits_retain(1 << 8));
    }
    if c.ask_cert {
        // Ask for a client certificate without requiring one.
        b.set_verify_callback(SslVerifyMode::PEER, |_, _| true);
    }
    b.set_certificate(&X509::from_der(&leaf.cert_der).expect("cert"))
        .expect("cert");
    b.set_private_key(&PKey::private_key_from_pem(leaf.key_pem.as_bytes()).expect("key"))
        .expect("key");
    b.add_extra_chain_cert(X509::from_der(&pki().intermediate.cert_der).expect("ica"))
        .expect("chain");
    let ctx = b.build();
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
    let addr = listener.local_addr().expect("addr");
    std::thread::spawn(move || {
        let Ok((tcp, _)) = listener.accept() else {
            return;
        };
        let _ = tcp.set_read_timeout(Some(Duration::from_secs(15)));
        let Ok(ssl) = Ssl::new(&ctx) else { return };
        let Ok(mut tls) = ssl.accept(tcp) else { return };
        let mut buf = [0u8; 1024];
        while matches!(std::io::Read::read(&mut tls, &mut buf), Ok(n) if n > 0) {}
    });
    addr
}

fn suite_id(openssl_name: &str) -> u16 {
    wire::tls::all_suites()
        .iter()
        .find(|s| s.openssl == Some(openssl_name))
        .map(|s| s.id)
        .unwrap_or_else(|| panic!("no suite {openssl_name}"))
}

fn run(c: &Case, allow: bool) -> doctor::model::scan::ProbeResult {
    let addr = serve(c, allow);
    let rt = tokio::runtime::Runtime::new().expect("runtime");
    rt.block_on(async {
        let spec = EndpointSpec {
            name: NAME.into(),
            address: addr,
            mode: doctor::model::observation::Mode::ImplicitTls,
            sni: Some(NAME.into()),
        };
        let opts = CheckOptions::default();
        let tcp = tokio::net::TcpStream::connect(addr).await.expect("connect");
        doctor::observe::renegotiation::probe(
            tcp,
            Vec::new(),
            &spec,
            &opts,
            c.wire_version,
            &[suite_id(c.cipher)],
        )
        .await
    })
}

#[test]
fn every_suite_family_completes_and_is_judged_like_openssl_says() {
    let rsa = KeyKind::Rsa(2048);
    let ec = KeyKind::EcdsaP256;
    let t12 = SslVersion::TLS1_2;
    let mut cases = vec![
        case(t12, 0x0303, "ECDHE-RSA-AES128-GCM-SHA256", "X25519", rsa),
        case(t12, 0x0303, "ECDHE-ECDSA-AES256-GCM-SHA384", "P-384", ec),
        case(t12, 0x0303, "ECDHE-RSA-CHACHA20-POLY1305", "P-256", rsa),
        case(t12, 0x0303, "DHE-RSA-AES128-GCM-SHA256", "X25519", rsa),
        case(t12, 0x0303, "AES256-GCM-SHA384", "X25519", rsa),
        case(t12, 0x0303, "ECDHE-RSA-AES256-SHA384", "X25519", rsa),
        case(t12, 0x0303, "AES128-SHA256", "X25519", rsa),
        case(
            SslVersion::TLS1_1,
            0x0302,
            "DHE-RSA-AES256-SHA",
            "X25519",
            rsa,
        ),
        case(
            SslVersion::TLS1_1,
            0x0302,
            "ECDHE-RSA-AES128-SHA",
            "P-256",
            rsa,
        ),
        case(
            SslVersion::TLS1,
            0x0301,
            "ECDHE-ECDSA-AES128-SHA",
            "P-256",
            ec,
        ),
        case(SslVersion::TLS1, 0x0301, "AES256-SHA", "X25519", rsa),
    ];
    let mut asking = case(t12, 0x0303, "ECDHE-RSA-AES128-GCM-SHA256", "X25519", rsa);
    asking.ask_cert = true;
    cases.push(asking);
    for c in &cases {
        for allow in [true, false] {
            let r = run(c, allow);
            let what = format!(
                "{} {:#06x} allow={allow}: {}",
                c.cipher, c.wire_version, r.detail
            );
            assert!(r.detail.contains("Finished verified"), "{what}");
            assert!(r.detail.contains(c.cipher), "{what}");
            if allow {
                assert_eq!(r.answer, ProbeAnswer::Accepted, "{what}");
                assert!(r.detail.contains("answered with a ServerHello"), "{what}");
            } else {
                assert_eq!(r.answer, ProbeAnswer::Refused, "{what}");
                assert!(r.detail.contains("no_renegotiation (100)"), "{what}");
            }
        }
    }
}

#[test]
fn a_server_that_requires_a_client_certificate_is_unknown_and_says_why() {
    let rsa = KeyKind::Rsa(2048);
    let c = case(
        SslVersion::TLS1_2,
        0x0303,
        "ECDHE-RSA-AES128-GCM-SHA256",
        "X25519",
        rsa,
    );
    // Built by hand: PEER | FAIL_IF_NO_PEER_CERT.
    let mut spec = LeafSpec::valid_for(&[NAME]);
    spec.key = rsa;
    let leaf = pki().leaf(&spec).expect("leaf");
    let mut b = SslContext::builder(SslMethod::tls_server()).expect("ctx");
    b.set_min_proto_version(Some(c.version)).expect("min");
    b.set_max_proto_version(Some(c.version)).expect("max");
    b.set_verify(SslVerifyMode::PEER | SslVerifyMode::FAIL_IF_NO_PEER_CERT);
    b.set_certificate(&X509::from_der(&leaf.cert_der).expect("cert"))
        .expect("cert");
    b.set_private_key(&PKey::private_key_from_pem(leaf.key_pem.as_bytes()).expect("key"))
        .expect("key");
    let ctx = b.build();
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
    let addr = listener.local_addr().expect("addr");
    std::thread::spawn(move || {
        if let Ok((tcp, _)) = listener.accept()
            && let Ok(ssl) = Ssl::new(&ctx)
        {
            let _ = ssl.accept(tcp);
        }
    });
    let rt = tokio::runtime::Runtime::new().expect("runtime");
    let r = rt.block_on(async {
        let spec = EndpointSpec {
            name: NAME.into(),
            address: addr,
            mode: doctor::model::observation::Mode::ImplicitTls,
            sni: Some(NAME.into()),
        };
        let tcp = tokio::net::TcpStream::connect(addr).await.expect("connect");
        doctor::observe::renegotiation::probe(
            tcp,
            Vec::new(),
            &spec,
            &CheckOptions::default(),
            0x0303,
            &[suite_id(c.cipher)],
        )
        .await
    });
    assert_eq!(r.answer, ProbeAnswer::Unknown, "{}", r.detail);
    assert!(
        r.detail.contains("asked for a client certificate"),
        "{}",
        r.detail
    );
}

/// A hostile server: reads the ClientHello, then streams handshake messages of an unknown
/// type without end. The probe stops at its bound (1 MiB of handshake) with a precise reason,
/// not at the time limit.
#[test]
fn an_endless_first_flight_is_cut_off() {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
    let addr = listener.local_addr().expect("addr");
    std::thread::spawn(move || {
        use std::io::{Read, Write};
        let Ok((mut tcp, _)) = listener.accept() else {
            return;
        };
        let mut buf = [0u8; 4096];
        let _ = tcp.read(&mut buf);
        // One record holding four 4-KiB messages of type 99, again and again (64 MiB at most).
        let mut msg = vec![99u8, 0, 0x10, 0];
        msg.extend_from_slice(&[0x41; 4096]);
        let mut payload = Vec::new();
        for _ in 0..3 {
            payload.extend_from_slice(&msg);
        }
        let mut record = vec![22u8, 3, 3];
        record.extend_from_slice(&(payload.len() as u16).to_be_bytes());
        record.extend_from_slice(&payload);
        for _ in 0..5000 {
            if tcp.write_all(&record).is_err() {
                return;
            }
        }
    });
    let rt = tokio::runtime::Runtime::new().expect("runtime");
    let r = rt.block_on(async {
        let spec = EndpointSpec {
            name: NAME.into(),
            address: addr,
            mode: doctor::model::observation::Mode::ImplicitTls,
            sni: None,
        };
        let tcp = tokio::net::TcpStream::connect(addr).await.expect("connect");
        doctor::observe::renegotiation::probe(
            tcp,
            Vec::new(),
            &spec,
            &CheckOptions::default(),
            0x0303,
            &[suite_id("ECDHE-RSA-AES128-GCM-SHA256")],
        )
        .await
    });
    assert_eq!(r.answer, ProbeAnswer::Unknown, "{}", r.detail);
    assert!(r.detail.contains("longer than 1 MiB"), "{}", r.detail);
}
