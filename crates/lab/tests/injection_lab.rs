//! Ground truth for the starttls-injection scenario, with a plain OpenSSL client (not the tool's
//! probe): `STARTTLS\r\nRSET\r\n` in one write is answered `250` inside TLS by the vulnerable
//! server, before the client sends anything there; a correct server (good) says nothing until
//! the client's own EHLO.

mod common;
mod support;

use std::io::{BufReader, Read, Write};
use std::time::Duration;

use openssl::ssl::{SslConnector, SslMethod, SslVerifyMode};
use support::*;

/// What the server sends inside TLS, unasked, within `wait`; then the reply to our EHLO.
fn pipelined_starttls(lab: &SharedLab, scenario: &str, wait: Duration) -> (String, String) {
    let mut r = BufReader::new(connect(lab.addr(scenario)));
    assert_eq!(reply(&mut r).0, 220);
    r.get_mut()
        .write_all(b"EHLO client.test\r\n")
        .expect("write");
    let (code, lines) = reply(&mut r);
    assert_eq!(code, 250);
    assert!(lines.iter().any(|l| l == "250-PIPELINING"), "{lines:?}");
    r.get_mut()
        .write_all(b"STARTTLS\r\nRSET\r\n")
        .expect("one write");
    assert_eq!(reply(&mut r).0, 220);
    assert!(r.buffer().is_empty(), "nothing more in plaintext");
    let tcp = r.into_inner();
    let mut b = SslConnector::builder(SslMethod::tls_client()).expect("connector");
    b.set_verify(SslVerifyMode::NONE);
    let mut tls = b
        .build()
        .configure()
        .expect("config")
        .verify_hostname(false)
        .connect("mx.lab.test", tcp)
        .expect("handshake");
    tls.get_ref().set_read_timeout(Some(wait)).expect("timeout");
    let mut unasked = Vec::new();
    let mut buf = [0u8; 512];
    loop {
        match tls.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => {
                unasked.extend_from_slice(&buf[..n]);
                if unasked.ends_with(b"\r\n") {
                    break;
                }
            }
            Err(_) => break,
        }
    }
    tls.get_ref()
        .set_read_timeout(Some(IO_TIMEOUT))
        .expect("timeout");
    tls.write_all(b"EHLO client.test\r\n").expect("EHLO");
    let mut r = BufReader::new(tls);
    let (_, ehlo) = reply(&mut r);
    (
        String::from_utf8_lossy(&unasked).into_owned(),
        ehlo.first().cloned().unwrap_or_default(),
    )
}

#[test]
fn the_vulnerable_server_answers_the_injected_rset_inside_tls() {
    let lab = SharedLab::start(&["starttls-injection", "good"]);
    let (unasked, ehlo) = pipelined_starttls(&lab, "starttls-injection", Duration::from_secs(5));
    assert_eq!(unasked, "250 2.0.0 Ok\r\n");
    assert!(ehlo.starts_with("250"), "{ehlo}");
    // A correct server drops the pipelined RSET: nothing inside TLS until our EHLO. (One second
    // of silence is a lower bound, not a proof; the vulnerable case above answers at once.)
    let (unasked, ehlo) = pipelined_starttls(&lab, "good", Duration::from_secs(1));
    assert_eq!(unasked, "");
    assert!(ehlo.starts_with("250"), "{ehlo}");
}
