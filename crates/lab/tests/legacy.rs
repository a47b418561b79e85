//! The scripted SSL 2.0 and SSL 3.0 servers, byte for byte on the wire,
//! and what OpenSSL and rustls clients (which speak neither) make of them
//! (127.0.0.1 only).

mod common;
mod support;

use std::io::Write;
use std::net::TcpStream;
use std::sync::{Arc, OnceLock};
use std::time::{Duration, Instant};

use lab::pki::INTERMEDIATE_CN;
use openssl::ssl::SslVersion;
use rustls::pki_types::ServerName;
use rustls::{AlertDescription, ClientConnection};
use support::*;
use x509_parser::prelude::*;

const SCENARIOS: &[&str] = &["sslv2-scripted", "sslv3-scripted"];

const SSLV2: &str = "sslv2-scripted";
const SSLV3: &str = "sslv3-scripted";

/// SSL_CK_RC4_128_WITH_MD5, SSL_CK_DES_192_EDE3_CBC_WITH_MD5.
const RC4_MD5: u32 = 0x010080;
const DES_CBC3_MD5: u32 = 0x0700C0;

const PROTOCOL_VERSION_TLS10: [u8; 7] = [0x15, 0x03, 0x01, 0x00, 0x02, 0x02, 0x46];
const PROTOCOL_VERSION_SSL3: [u8; 7] = [0x15, 0x03, 0x00, 0x00, 0x02, 0x02, 0x46];
const HANDSHAKE_FAILURE_SSL3: [u8; 7] = [0x15, 0x03, 0x00, 0x00, 0x02, 0x02, 0x28];

fn lab() -> &'static SharedLab {
    static LAB: OnceLock<SharedLab> = OnceLock::new();
    LAB.get_or_init(|| SharedLab::start(SCENARIOS))
}

/// STARTTLS, `flight`, then what the server sends within `wait`.
fn answer(scenario: &str, flight: &[u8], wait: Duration) -> (Vec<u8>, bool) {
    let mut tcp = starttls(lab().addr(scenario));
    tcp.write_all(flight).expect("write");
    read_for(&mut tcp, wait, 1 << 20)
}

/// True once `b` holds a whole SSL 2.0 record, or whole SSL 3.0 records
/// ending with ServerHelloDone.
fn complete_hello(b: &[u8]) -> bool {
    match b.first() {
        Some(&h) if h & 0x80 != 0 => {
            b.len() >= 2 && b.len() >= 2 + usize::from(u16_at(b, 0) & 0x7FFF)
        }
        Some(&0x16) => {
            let mut at = 0;
            while b.len() >= at + 5 {
                at += 5 + usize::from(u16_at(b, at + 3));
            }
            at == b.len() && b.ends_with(&[0x0E, 0x00, 0x00, 0x00])
        }
        _ => false,
    }
}

/// Reads until [`complete_hello`] (at most 5 s).
fn read_hello(tcp: &mut TcpStream) -> Vec<u8> {
    let deadline = Instant::now() + Duration::from_secs(5);
    let mut resp = Vec::new();
    while !complete_hello(&resp) {
        let left = deadline.saturating_duration_since(Instant::now());
        assert!(!left.is_zero(), "no complete hello: {resp:02x?}");
        let (more, closed) = read_for(tcp, left.min(Duration::from_millis(50)), 1 << 20);
        assert!(!closed, "closed after {resp:02x?}{more:02x?}");
        resp.extend_from_slice(&more);
    }
    resp
}

/// A hello the server answers with a hello: the answer. The server then
/// keeps the connection open (checked for 100 ms) and sends nothing more.
fn hello_answer(scenario: &str, flight: &[u8]) -> Vec<u8> {
    let mut tcp = starttls(lab().addr(scenario));
    tcp.write_all(flight).expect("write");
    hello_from(scenario, &mut tcp)
}

fn hello_from(scenario: &str, tcp: &mut TcpStream) -> Vec<u8> {
    let resp = read_hello(tcp);
    let (more, closed) = read_for(tcp, Duration::from_millis(100), 1 << 16);
    assert!(
        more.is_empty() && !closed,
        "{scenario}: the server waits for the client: {more:02x?} closed={closed}"
    );
    resp
}

/// A refusal: exactly `want`, then the server closes.
fn assert_refused(scenario: &str, flight: &[u8], want: &[u8]) {
    let (resp, closed) = answer(scenario, flight, Duration::from_secs(5));
    assert_eq!(resp, want, "{scenario}");
    assert!(closed, "{scenario}: the server closes after its refusal");
}

/// Nothing at all, then the server closes.
fn assert_closed_silently(scenario: &str, flight: &[u8]) {
    let (resp, closed) = answer(scenario, flight, Duration::from_secs(5));
    assert!(
        resp.is_empty() && closed,
        "{scenario}: {flight:02x?} got {resp:02x?} closed={closed}"
    );
}

/// A TLS 1.3-style ClientHello: GREASE first, TLS 1.3 suites, then TLS 1.2
/// suites and the renegotiation SCSV; supported_versions with GREASE.
fn modern_hello(suites_after_tls13: &[u16]) -> Vec<u8> {
    let mut suites = vec![0x3A3A, 0x1302, 0x1301];
    suites.extend_from_slice(suites_after_tls13);
    suites.push(0x00FF);
    client_hello(
        0x0301,
        0x0303,
        &[0x11; 32],
        &suites,
        &[(0x002B, vec![6, 0x7A, 0x7A, 0x03, 0x04, 0x03, 0x03])],
    )
}

/// What the tests check about a certificate.
#[derive(Debug, PartialEq, Eq)]
struct CertInfo {
    subject_cn: String,
    issuer_cn: String,
    dns_names: Vec<String>,
    rsa_bits: usize,
}

fn cert_info(der: &[u8]) -> CertInfo {
    let (rest, cert) = parse_x509_certificate(der).expect("certificate parses");
    assert!(rest.is_empty(), "nothing after the certificate");
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
    let rsa_bits = match cert.public_key().parsed() {
        Ok(x509_parser::public_key::PublicKey::RSA(rsa)) => rsa.key_size(),
        _ => 0,
    };
    CertInfo {
        subject_cn: cn(cert.subject()),
        issuer_cn: cn(cert.issuer()),
        dns_names,
        rsa_bits,
    }
}

/// The lab's RSA-2048 leaf for mx.lab.test, issued by the intermediate.
fn assert_rsa_leaf(der: &[u8]) {
    assert_eq!(
        cert_info(der),
        CertInfo {
            subject_cn: "mx.lab.test".into(),
            issuer_cn: INTERMEDIATE_CN.into(),
            dns_names: vec!["mx.lab.test".into()],
            rsa_bits: 2048,
        }
    );
}

fn u16_at(b: &[u8], at: usize) -> u16 {
    u16::from_be_bytes([b[at], b[at + 1]])
}

fn u24_at(b: &[u8], at: usize) -> usize {
    usize::from(b[at]) << 16 | usize::from(b[at + 1]) << 8 | usize::from(b[at + 2])
}

/// An SSL 2.0 SERVER-HELLO, field by field.
#[derive(Debug)]
struct V2ServerHello {
    session_id_hit: u8,
    certificate_type: u8,
    version: u16,
    certificate: Vec<u8>,
    specs: Vec<u32>,
    connection_id: Vec<u8>,
}

/// Parses an SSL 2.0 SERVER-HELLO record (two-byte header) that must be
/// all of `rec`.
fn v2_server_hello(rec: &[u8]) -> V2ServerHello {
    assert!(rec[0] & 0x80 != 0, "two-byte header: {:02x?}", &rec[..2]);
    let len = usize::from(u16_at(rec, 0) & 0x7FFF);
    assert_eq!(rec.len(), 2 + len, "one record, nothing after it");
    let m = &rec[2..];
    assert_eq!(m[0], 4, "SERVER-HELLO");
    let cert_len = usize::from(u16_at(m, 5));
    let specs_len = usize::from(u16_at(m, 7));
    let conn_len = usize::from(u16_at(m, 9));
    assert_eq!(specs_len % 3, 0);
    assert_eq!(11 + cert_len + specs_len + conn_len, len, "lengths add up");
    let certificate = m[11..11 + cert_len].to_vec();
    let specs = m[11 + cert_len..11 + cert_len + specs_len]
        .chunks_exact(3)
        .map(|c| u32::from_be_bytes([0, c[0], c[1], c[2]]))
        .collect();
    V2ServerHello {
        session_id_hit: m[1],
        certificate_type: m[2],
        version: u16_at(m, 3),
        certificate,
        specs,
        connection_id: m[11 + cert_len + specs_len..].to_vec(),
    }
}

/// The server's SSL 3.0 flight, message by message.
#[derive(Debug)]
struct V3Flight {
    version: u16,
    random: Vec<u8>,
    session_id: Vec<u8>,
    suite: u16,
    compression: u8,
    certificates: Vec<Vec<u8>>,
}

/// Parses ServerHello, Certificate, ServerHelloDone in SSL 3.0 handshake
/// records that must be all of `resp`.
fn v3_flight(resp: &[u8]) -> V3Flight {
    let mut hs = Vec::new();
    let mut at = 0;
    while at < resp.len() {
        assert_eq!(
            &resp[at..at + 3],
            &[0x16, 0x03, 0x00],
            "SSL 3.0 handshake record"
        );
        let len = usize::from(u16_at(resp, at + 3));
        hs.extend_from_slice(&resp[at + 5..at + 5 + len]);
        at += 5 + len;
    }
    let mut messages = Vec::new();
    let mut at = 0;
    while at < hs.len() {
        let len = u24_at(&hs, at + 1);
        messages.push((hs[at], hs[at + 4..at + 4 + len].to_vec()));
        at += 4 + len;
    }
    assert_eq!(at, hs.len());
    let types: Vec<u8> = messages.iter().map(|(t, _)| *t).collect();
    assert_eq!(
        types,
        [2, 11, 14],
        "ServerHello, Certificate, ServerHelloDone"
    );
    let sh = &messages[0].1;
    let sid_len = usize::from(sh[34]);
    assert_eq!(sh.len(), 35 + sid_len + 3, "no extensions block");
    let cert = &messages[1].1;
    let list_len = u24_at(cert, 0);
    assert_eq!(list_len + 3, cert.len());
    let mut certificates = Vec::new();
    let mut at = 3;
    while at < cert.len() {
        let len = u24_at(cert, at);
        certificates.push(cert[at + 3..at + 3 + len].to_vec());
        at += 3 + len;
    }
    assert!(messages[2].1.is_empty(), "ServerHelloDone is empty");
    V3Flight {
        version: u16_at(sh, 0),
        random: sh[2..34].to_vec(),
        session_id: sh[35..35 + sid_len].to_vec(),
        suite: u16_at(sh, 35 + sid_len),
        compression: sh[37 + sid_len],
        certificates,
    }
}

/// The error a rustls client (TLS 1.3 and 1.2) ends with.
fn rustls_error(scenario: &str) -> rustls::Error {
    let mut tcp: TcpStream = starttls(lab().addr(scenario));
    tcp.set_read_timeout(Some(Duration::from_secs(5)))
        .expect("timeout");
    let name = ServerName::try_from(lab::LAB_HOST).expect("name");
    let mut conn =
        ClientConnection::new(Arc::clone(&common::client_config(true)), name).expect("client");
    loop {
        if let Err(e) = conn.complete_io(&mut tcp) {
            return e
                .get_ref()
                .and_then(|i| i.downcast_ref::<rustls::Error>())
                .cloned()
                .unwrap_or_else(|| panic!("{scenario}: not a TLS error: {e:?}"));
        }
        assert!(conn.is_handshaking(), "{scenario}: no handshake completes");
    }
}

/// No TLS version completes with OpenSSL (security level 0, every suite it
/// has), whatever it offers: per version, what its error says.
fn assert_no_tls(scenario: &str, why: impl Fn(SslVersion) -> &'static str) {
    let addr = lab().addr(scenario);
    for v in TLS_VERSIONS {
        match probe(addr, &Offer::all(v)) {
            Err(Failed::Handshake(e)) => assert!(
                e.contains(why(v)),
                "{scenario} {}: {e} (want {:?})",
                version_name(v),
                why(v)
            ),
            Err(Failed::Offer(e)) => panic!("{scenario} {}: no hello sent: {e}", version_name(v)),
            Ok(done) => panic!("{scenario}: {} accepted", done.version),
        }
    }
}

// ---- sslv2-scripted ----

#[test]
fn sslv2_server_hello_fields() {
    let hello = sslv2_client_hello(&[DES_CBC3_MD5, 0x020080, RC4_MD5, 0x000035]);
    let first = v2_server_hello(&hello_answer(SSLV2, &hello));
    assert_eq!(first.session_id_hit, 0);
    assert_eq!(first.certificate_type, 1, "X.509");
    assert_eq!(first.version, 0x0002);
    assert_rsa_leaf(&first.certificate);
    // The server's order, not the client's.
    assert_eq!(first.specs, [RC4_MD5, DES_CBC3_MD5]);
    assert_eq!(first.connection_id.len(), 16);

    // Same certificate, fresh connection id.
    let second = v2_server_hello(&hello_answer(SSLV2, &hello));
    assert_eq!(second.certificate, first.certificate);
    assert_ne!(second.connection_id, first.connection_id);
}

#[test]
fn sslv2_lists_only_specs_the_client_offered() {
    for (offer, want) in [
        (&[DES_CBC3_MD5, 0x060040][..], &[DES_CBC3_MD5][..]),
        (&[RC4_MD5], &[RC4_MD5]),
        (
            &[0x040080, RC4_MD5, 0x00002F, DES_CBC3_MD5],
            &[RC4_MD5, DES_CBC3_MD5],
        ),
    ] {
        let hello = v2_server_hello(&hello_answer(SSLV2, &sslv2_client_hello(offer)));
        assert_eq!(hello.specs, want, "offered {offer:06x?}");
    }
}

/// No spec in common: an SSL 2.0 ERROR (NO-CIPHER-ERROR), then close.
#[test]
fn sslv2_no_common_cipher_is_an_error() {
    assert_refused(
        SSLV2,
        &sslv2_client_hello(&[0x020080, 0x060040, 0x000035]),
        &[0x80, 0x03, 0x00, 0x00, 0x01],
    );
}

#[test]
fn sslv2_reads_a_hello_sent_byte_by_byte() {
    let mut tcp = starttls(lab().addr(SSLV2));
    for b in sslv2_client_hello(&[RC4_MD5]) {
        tcp.write_all(&[b]).expect("write");
    }
    let resp = hello_from(SSLV2, &mut tcp);
    assert_eq!(v2_server_hello(&resp).specs, [RC4_MD5]);
}

#[test]
fn sslv2_tls_hellos_get_a_protocol_version_alert() {
    for hello in [
        modern_hello(&[0xC02F, 0x002F]),
        client_hello(0x0300, 0x0300, &[], &[0x000A, 0x0005], &[]),
        client_hello(0x0301, 0x0302, &[], &[0x002F], &[]),
    ] {
        assert_refused(SSLV2, &hello, &PROTOCOL_VERSION_TLS10);
    }
}

#[test]
fn sslv2_other_first_flights_are_closed_silently() {
    let mut v3_in_v2 = sslv2_client_hello(&[RC4_MD5]);
    v3_in_v2[3..5].copy_from_slice(&[0x03, 0x01]); // an SSLv2-compatible TLS hello
    let mut short_challenge = sslv2_client_hello(&[RC4_MD5]);
    short_challenge[10] = 8;
    let mut server_hello = sslv2_client_hello(&[RC4_MD5]);
    server_hello[2] = 4;
    let junk = b"GET / HTTP/1.0\r\n\r\n".to_vec();
    let alert = vec![0x15, 0x03, 0x03, 0x00, 0x02, 0x02, 0x28];
    for flight in [v3_in_v2, short_challenge, server_hello, junk, alert] {
        assert_closed_silently(SSLV2, &flight);
    }
}

#[test]
fn sslv2_tls_clients_are_refused() {
    assert_eq!(
        rustls_error(SSLV2),
        rustls::Error::AlertReceived(AlertDescription::ProtocolVersion)
    );
    assert_no_tls(SSLV2, |_| "alert protocol version");
}

// ---- sslv3-scripted ----

#[test]
fn sslv3_flight_for_a_tls12_hello() {
    let hello = client_hello(
        0x0301,
        0x0303,
        &[],
        &[0xC02F, 0x002F, 0x0005, 0x000A, 0x00FF],
        &[],
    );
    let first = v3_flight(&hello_answer(SSLV3, &hello));
    assert_eq!(first.version, 0x0300);
    assert_eq!(first.suite, 0x000A, "the server's favourite");
    assert_eq!(first.compression, 0);
    assert_eq!(first.session_id.len(), 32);
    assert_ne!(&first.random[24..], b"DOWNGRD\x01");
    assert_ne!(&first.random[24..], b"DOWNGRD\x00");
    assert_eq!(first.certificates.len(), 2, "leaf + intermediate");
    assert_rsa_leaf(&first.certificates[0]);
    let inter = cert_info(&first.certificates[1]);
    assert_eq!(inter.subject_cn, INTERMEDIATE_CN);
    assert_eq!(inter.issuer_cn, lab::pki::ROOT_CN);

    // Fresh random and session id, same chain.
    let second = v3_flight(&hello_answer(SSLV3, &hello));
    assert_ne!(second.random, first.random);
    assert_ne!(second.session_id, first.session_id);
    assert_eq!(second.certificates, first.certificates);
}

/// The answer is SSL 3.0 whatever the client's highest version.
#[test]
fn sslv3_answers_every_hello_from_ssl3_to_tls13() {
    for (what, hello, suite) in [
        (
            "SSL 3.0, no extensions",
            client_hello(0x0300, 0x0300, &[], &[0x002F, 0x0035], &[]),
            0x002F,
        ),
        (
            "TLS 1.0",
            client_hello(0x0301, 0x0301, &[], &[0x0005, 0x002F], &[]),
            0x0005,
        ),
        (
            "TLS 1.1 (the checker's legacy probe)",
            client_hello(
                0x0301,
                0x0302,
                &[],
                &[0xC013, 0x002F, 0x000A, 0x0005],
                &[(0xFF01, vec![0])],
            ),
            0x000A,
        ),
        ("TLS 1.3", modern_hello(&[0xC02F, 0x0005, 0x002F]), 0x0005),
    ] {
        let flight = v3_flight(&hello_answer(SSLV3, &hello));
        assert_eq!((flight.version, flight.suite), (0x0300, suite), "{what}");
        assert_eq!(flight.certificates.len(), 2, "{what}");
    }
}

/// Offered alone, each suite of the ground truth is accepted; offered in
/// reverse server order, the server still picks its favourite each time.
#[test]
fn sslv3_suites_and_server_order_match_the_ground_truth() {
    let want = expect_tls(SSLV3);
    assert_eq!(want.versions, ["SSLv3"]);
    assert_eq!(want.server_order, Some(true));
    let ids = want.suites_for("SSLv3");
    for &id in ids {
        let hello = client_hello(0x0300, 0x0300, &[], &[id], &[]);
        assert_eq!(v3_flight(&hello_answer(SSLV3, &hello)).suite, id);
    }
    let mut left = ids.to_vec();
    let mut order = Vec::new();
    while !left.is_empty() {
        let mut offer = left.clone();
        offer.reverse();
        let hello = client_hello(0x0301, 0x0303, &[], &offer, &[]);
        let chosen = v3_flight(&hello_answer(SSLV3, &hello)).suite;
        order.push(chosen);
        left.retain(|&s| s != chosen);
    }
    assert_eq!(order, ids);
}

/// Every other suite (and the SCSVs, and GREASE) at once: no suite in
/// common, a handshake_failure alert.
#[test]
fn sslv3_no_common_suite_is_a_handshake_failure() {
    let known = expect_tls(SSLV3).suites_for("SSLv3");
    let others: Vec<u16> = (0x0000..=0x00FF)
        .chain(0xC000..=0xC0FF)
        .chain(0xCCA8..=0xCCAE)
        .chain(0x1301..=0x1305)
        .chain([0x5600, 0x0A0A])
        .filter(|id| !known.contains(id))
        .collect();
    for hello in [
        client_hello(0x0301, 0x0303, &[], &others, &[]),
        client_hello(0x0300, 0x0300, &[], &[0x0035, 0x0004], &[]),
        modern_hello(&[0xC02F, 0xC030]),
    ] {
        assert_refused(SSLV3, &hello, &HANDSHAKE_FAILURE_SSL3);
    }
}

#[test]
fn sslv3_hello_below_ssl3_gets_a_protocol_version_alert() {
    let hello = client_hello(0x0300, 0x0200, &[], &[0x000A], &[]);
    assert_refused(SSLV3, &hello, &PROTOCOL_VERSION_SSL3);
}

#[test]
fn sslv3_reads_a_hello_sent_byte_by_byte() {
    let mut tcp = starttls(lab().addr(SSLV3));
    for b in modern_hello(&[0x002F]) {
        tcp.write_all(&[b]).expect("write");
    }
    let resp = hello_from(SSLV3, &mut tcp);
    assert_eq!(v3_flight(&resp).suite, 0x002F);
}

#[test]
fn sslv3_non_hellos_are_closed_silently() {
    let oversized = {
        let mut h = modern_hello(&[0x000A]);
        h[3] = 0x48; // record length 0x48xx: over 2^14
        h
    };
    for flight in [
        sslv2_client_hello(&[RC4_MD5, 0x000035, 0x00000A]),
        b"GET / HTTP/1.0\r\n\r\n".to_vec(),
        vec![0x15, 0x03, 0x03, 0x00, 0x02, 0x02, 0x28],
        oversized,
    ] {
        assert_closed_silently(SSLV3, &flight);
    }
}

/// rustls offers none of the server's suites (only AEAD and TLS 1.3 ones):
/// it gets the handshake_failure alert, not an SSL 3.0 ServerHello. OpenSSL
/// gets the SSL 3.0 ServerHello for a TLS 1.0 to 1.2 hello and refuses the
/// version; its TLS 1.3 hello (TLS 1.3 suites only) gets the alert.
#[test]
fn sslv3_tls_clients_are_refused() {
    assert_eq!(
        rustls_error(SSLV3),
        rustls::Error::AlertReceived(AlertDescription::HandshakeFailure)
    );
    assert_no_tls(SSLV3, |v| {
        if v == SslVersion::TLS1_3 {
            "alert handshake failure"
        } else {
            "unsupported protocol"
        }
    });
}

// ---- both ----

/// After its hello a server waits up to 5 s for the client, then closes;
/// anything from the client makes it close at once. "At once" is shown
/// without a clock: a connection that got its hello earlier (so its 5 s hold
/// started first) is still open when the one that spoke has been closed.
#[test]
fn hello_then_wait_then_close() {
    // Hang guards for reads that must end with a close, not speed claims:
    // over 10 times the 5 s hold.
    const HANG_GUARD: Duration = Duration::from_secs(60);
    let flights = [
        (SSLV2, sslv2_client_hello(&[RC4_MD5])),
        (SSLV3, client_hello(0x0300, 0x0300, &[], &[0x000A], &[])),
    ];
    let checks: Vec<_> = flights
        .iter()
        .cloned()
        .map(|(s, hello)| {
            std::thread::spawn(move || {
                // Gets its hello first, then says nothing.
                let mut idle = starttls(lab().addr(s));
                idle.write_all(&hello).expect("write");
                read_hello(&mut idle);
                let held_since = Instant::now();
                // Gets its hello later, then speaks.
                let mut tcp = starttls(lab().addr(s));
                tcp.write_all(&hello).expect("write");
                hello_from(s, &mut tcp);
                tcp.write_all(&[0x80, 0x00]).expect("write");
                let (rest, closed) = read_for(&mut tcp, HANG_GUARD, 1 << 16);
                assert!(rest.is_empty() && closed, "{s}: {rest:02x?}");
                let (more, idle_closed) = read_for(&mut idle, Duration::from_millis(1), 1 << 16);
                assert!(
                    more.is_empty() && !idle_closed,
                    "{s}: the connection that spoke must be closed at once, not by the hold \
                     timer (which would have closed the older idle one first)"
                );
                // The idle one is closed when its hold ends.
                let (more, closed) = read_for(&mut idle, HANG_GUARD, 1 << 16);
                assert!(more.is_empty() && closed, "{s}: {more:02x?}");
                let held = held_since.elapsed();
                assert!(
                    held >= Duration::from_millis(4500),
                    "{s}: closed after {held:?}, before the hold ended"
                );
            })
        })
        .collect();
    for t in checks {
        if let Err(panic) = t.join() {
            std::panic::resume_unwind(panic);
        }
    }
}

#[test]
fn ground_truth() {
    let v2 = expect_tls(SSLV2);
    assert_eq!(v2.versions, ["SSLv2"]);
    assert_eq!(v2.suites, [("SSLv2", &[][..])]);
    assert_eq!(
        (v2.server_order, v2.groups, v2.dhe_bits),
        (None, None, None)
    );
    let v3 = expect_tls(SSLV3);
    assert_eq!(v3.suites, [("SSLv3", &[0x000A, 0x0005, 0x002F][..])]);
    assert_eq!((v3.groups, v3.dhe_bits), (None, None));
    let findings = |name: &str| {
        lab::scenarios()
            .iter()
            .find(|s| s.name == name)
            .expect("scenario")
            .expect_findings
    };
    assert_eq!(
        findings(SSLV2),
        [
            "no-tls12",
            "protocol-sslv2",
            "cipher-weak",
            "cipher-no-forward-secrecy"
        ]
    );
    assert_eq!(
        findings(SSLV3),
        [
            "no-tls12",
            "protocol-sslv3",
            "cipher-weak",
            "cipher-no-forward-secrecy",
            // Its SSL 3.0 ServerHello has no extensions: no renegotiation_info.
            "no-secure-renegotiation"
        ]
    );
    let names: Vec<&str> = lab::scenarios().iter().map(|s| s.name).collect();
    // The scripted servers come right after the busy scenarios.
    let at = names
        .iter()
        .position(|n| *n == "exim-busy")
        .expect("exim-busy");
    assert_eq!(&names[at..at + 3], ["exim-busy", SSLV2, SSLV3]);
}
