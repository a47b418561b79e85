//! The hand-written hostile TLS servers, byte for byte on the wire, and what
//! a rustls client (the checker's TLS library) makes of them (127.0.0.1
//! only).

mod common;
mod support;

use std::io::Write;
use std::net::TcpStream;
use std::sync::{Arc, OnceLock};
use std::time::{Duration, Instant};

use rustls::pki_types::ServerName;
use rustls::{AlertDescription, ClientConnection};
use support::*;

const SCENARIOS: &[&str] = &[
    "truncated-serverhello",
    "oversized-record",
    "alert-mid-handshake",
    "unknown-version",
    "silent-after-starttls",
];

fn lab() -> &'static SharedLab {
    static LAB: OnceLock<SharedLab> = OnceLock::new();
    LAB.get_or_init(|| SharedLab::start(SCENARIOS))
}

/// A TLS 1.3-style ClientHello: GREASE first, TLS 1.3 suites, then TLS 1.2
/// suites and the renegotiation SCSV; 32-byte session id.
fn modern_hello() -> Vec<u8> {
    client_hello(
        0x0301,
        0x0303,
        &[0x11; 32],
        &[0x3A3A, 0x1302, 0x1301, 0xC02F, 0xC030, 0x00FF],
        &[(0x002B, vec![4, 0x03, 0x04, 0x03, 0x03])],
    )
}

fn hello_answer(scenario: &str, hello: &[u8], wait: Duration, cap: usize) -> (Vec<u8>, bool) {
    let mut tcp = starttls(lab().addr(scenario));
    tcp.write_all(hello).expect("write");
    read_for(&mut tcp, wait, cap)
}

/// The STARTTLS handshake of a rustls client (TLS 1.3 and 1.2, any
/// certificate): the error it ends with.
fn rustls_error(scenario: &str, read_timeout: Duration) -> std::io::Error {
    let mut tcp: TcpStream = starttls(lab().addr(scenario));
    tcp.set_read_timeout(Some(read_timeout)).expect("timeout");
    let name = ServerName::try_from(lab::LAB_HOST).expect("name");
    let mut conn =
        ClientConnection::new(Arc::clone(&common::client_config(true)), name).expect("client");
    loop {
        if let Err(e) = conn.complete_io(&mut tcp) {
            return e;
        }
        assert!(
            conn.is_handshaking(),
            "{scenario}: the handshake must not complete"
        );
    }
}

fn rustls_inner(e: &std::io::Error) -> Option<rustls::Error> {
    e.get_ref()
        .and_then(|i| i.downcast_ref::<rustls::Error>())
        .cloned()
}

fn is_timeout(e: &std::io::Error) -> bool {
    matches!(
        e.kind(),
        std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut
    )
}

#[test]
fn truncated_serverhello_sends_30_bytes_then_nothing() {
    let start = Instant::now();
    let (resp, closed) = hello_answer(
        "truncated-serverhello",
        &modern_hello(),
        Duration::from_millis(1500),
        4096,
    );
    assert!(!closed, "the connection stays open");
    assert!(start.elapsed() >= Duration::from_millis(1400));
    assert_eq!(resp.len(), 30, "{resp:02x?}");
    // Record header announces 80 bytes; ServerHello of 76; TLS 1.2.
    assert_eq!(
        &resp[..11],
        &[
            0x16, 0x03, 0x03, 0x00, 0x50, 0x02, 0x00, 0x00, 0x4c, 0x03, 0x03
        ]
    );
}

#[test]
fn truncated_serverhello_leaves_rustls_waiting() {
    let e = rustls_error("truncated-serverhello", Duration::from_millis(1500));
    assert!(is_timeout(&e), "{e:?}");
}

#[test]
fn oversized_record_sends_65535_zeros_then_closes() {
    let (resp, closed) = hello_answer(
        "oversized-record",
        &modern_hello(),
        Duration::from_secs(5),
        100_000,
    );
    assert!(closed, "the server closes after the record");
    assert_eq!(resp.len(), 5 + 0xFFFF);
    assert_eq!(&resp[..5], &[0x16, 0x03, 0x03, 0xFF, 0xFF]);
    assert!(resp[5..].iter().all(|&b| b == 0));
}

#[test]
fn oversized_record_is_refused_by_rustls() {
    let e = rustls_error("oversized-record", Duration::from_secs(5));
    assert!(!is_timeout(&e), "{e:?}");
    assert_eq!(
        rustls_inner(&e),
        Some(rustls::Error::InvalidMessage(
            rustls::InvalidMessage::MessageTooLarge
        )),
        "{e:?}"
    );
}

/// ServerHello (TLS 1.2, empty session id, no extensions) for the first
/// offered suite that is not GREASE, an SCSV or TLS 1.3, then the alert.
#[test]
fn alert_mid_handshake_bytes() {
    let (resp, closed) = hello_answer(
        "alert-mid-handshake",
        &modern_hello(),
        Duration::from_secs(5),
        4096,
    );
    assert!(closed);
    assert_eq!(resp.len(), 5 + 42 + 7, "{resp:02x?}");
    assert_eq!(
        &resp[..11],
        &[
            0x16, 0x03, 0x03, 0x00, 0x2a, 0x02, 0x00, 0x00, 0x26, 0x03, 0x03
        ]
    );
    assert_ne!(&resp[11 + 24..43], b"DOWNGRD\x01", "no downgrade sentinel");
    assert_eq!(&resp[43..47], &[0x00, 0xC0, 0x2F, 0x00]);
    assert_eq!(&resp[47..], &[0x15, 0x03, 0x03, 0x00, 0x02, 0x02, 0x28]);
}

#[test]
fn alert_mid_handshake_echoes_a_tls13_suite_when_there_is_nothing_else() {
    let hello = client_hello(0x0301, 0x0303, &[], &[0x1303, 0x1301], &[]);
    let (resp, closed) = hello_answer("alert-mid-handshake", &hello, Duration::from_secs(5), 4096);
    assert!(closed);
    assert_eq!(&resp[43..47], &[0x00, 0x13, 0x03, 0x00]);
}

#[test]
fn alert_mid_handshake_reads_a_hello_sent_byte_by_byte() {
    let mut tcp = starttls(lab().addr("alert-mid-handshake"));
    for b in modern_hello() {
        tcp.write_all(&[b]).expect("write");
    }
    let (resp, closed) = read_for(&mut tcp, Duration::from_secs(5), 4096);
    assert!(closed);
    assert_eq!(resp.len(), 54);
}

#[test]
fn alert_mid_handshake_reaches_rustls() {
    let e = rustls_error("alert-mid-handshake", Duration::from_secs(5));
    assert_eq!(
        rustls_inner(&e),
        Some(rustls::Error::AlertReceived(
            AlertDescription::HandshakeFailure
        )),
        "{e:?}"
    );
}

#[test]
fn unknown_version_bytes() {
    let (resp, closed) = hello_answer(
        "unknown-version",
        &modern_hello(),
        Duration::from_secs(5),
        4096,
    );
    assert!(closed);
    assert_eq!(resp.len(), 5 + 42, "{resp:02x?}");
    assert_eq!(
        &resp[..11],
        &[
            0x16, 0x03, 0x03, 0x00, 0x2a, 0x02, 0x00, 0x00, 0x26, 0x03, 0x05
        ]
    );
    // The client's first real suite (GREASE skipped), no extensions.
    assert_eq!(&resp[43..], &[0x00, 0x13, 0x02, 0x00]);
}

#[test]
fn unknown_version_is_refused_by_rustls() {
    let e = rustls_error("unknown-version", Duration::from_secs(5));
    assert_eq!(
        rustls_inner(&e),
        Some(rustls::Error::PeerIncompatible(
            rustls::PeerIncompatible::ServerDoesNotSupportTls12Or13
        )),
        "{e:?}"
    );
}

#[test]
fn silent_after_starttls_says_nothing() {
    let (resp, closed) = hello_answer(
        "silent-after-starttls",
        &modern_hello(),
        Duration::from_millis(1500),
        4096,
    );
    assert!(resp.is_empty() && !closed, "{resp:02x?} closed={closed}");
    let e = rustls_error("silent-after-starttls", Duration::from_millis(1500));
    assert!(is_timeout(&e), "{e:?}");
}

/// An SSL 2.0 hello, junk, or an alert is not a ClientHello: the hostile
/// servers close without sending anything.
#[test]
fn non_hello_first_flights_are_closed_silently() {
    let sslv2 = sslv2_client_hello(&[0x010080, 0x000035]);
    let junk = b"GET / HTTP/1.0\r\n\r\n".to_vec();
    let alert = vec![0x15, 0x03, 0x03, 0x00, 0x02, 0x02, 0x28];
    let oversized_hello = {
        let mut h = modern_hello();
        h[3] = 0x48; // record length 0x48xx: over 2^14
        h
    };
    for scenario in &SCENARIOS[..4] {
        for flight in [&sslv2, &junk, &alert, &oversized_hello] {
            let (resp, closed) = hello_answer(scenario, flight, Duration::from_secs(5), 4096);
            assert!(
                resp.is_empty() && closed,
                "{scenario}: {resp:02x?} closed={closed}"
            );
        }
    }
}
