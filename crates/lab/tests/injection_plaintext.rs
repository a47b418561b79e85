//! The injection probe (doctor::observe::injection) against a hand-made server that answers
//! the command pipelined after STARTTLS in plaintext, right behind its 220 and before TLS (RFC
//! 3207 says to discard it; some servers answer it instead). The probe starts its handshake at
//! once: the reply must be taken out of the stream before the first TLS byte and reported, the
//! handshake must complete, and nothing may come inside TLS before the EHLO's reply (the
//! command did not run there).

use std::io::{BufRead, BufReader, Write};
use std::net::TcpListener;

use doctor::model::options::CheckOptions;
use doctor::observe::probe::EndpointSpec;
use lab::pki::{LeafSpec, Pki};
use openssl::pkey::PKey;
use openssl::ssl::{SslAcceptor, SslMethod};
use openssl::x509::X509;

#[test]
fn a_plaintext_answer_before_tls_is_taken_out_and_reported() {
    let pki = Pki::generate().expect("pki");
    let leaf = pki
        .leaf(&LeafSpec::valid_for(&["mx.lab.test"]))
        .expect("leaf");
    let mut b = SslAcceptor::mozilla_intermediate_v5(SslMethod::tls_server()).expect("acceptor");
    b.set_certificate(&X509::from_der(&leaf.cert_der).expect("cert"))
        .expect("cert");
    b.set_private_key(&PKey::private_key_from_pem(leaf.key_pem.as_bytes()).expect("key"))
        .expect("key");
    let acceptor = b.build();
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
    let addr = listener.local_addr().expect("addr");
    std::thread::spawn(move || {
        let Ok((tcp, _)) = listener.accept() else {
            return;
        };
        let _ = tcp.set_read_timeout(Some(std::time::Duration::from_secs(10)));
        let mut r = BufReader::new(tcp);
        let mut line = String::new();
        let _ = r.get_mut().write_all(b"220 mx.lab.test ESMTP\r\n");
        // EHLO, then STARTTLS and RSET (in one segment: both in the reader's buffer).
        for _ in 0..3 {
            line.clear();
            if r.read_line(&mut line).unwrap_or(0) == 0 {
                return;
            }
            let cmd = line.trim_end().to_ascii_uppercase();
            let answer: &[u8] = if cmd.starts_with("EHLO") {
                b"250-mx.lab.test\r\n250-PIPELINING\r\n250 STARTTLS\r\n"
            } else if cmd == "STARTTLS" {
                b"220 2.0.0 Ready to start TLS\r\n"
            } else {
                // The pipelined RSET, answered in plaintext, before TLS.
                b"250 2.0.0 Ok\r\n"
            };
            if r.get_mut().write_all(answer).is_err() {
                return;
            }
        }
        let Ok(mut tls) = acceptor.accept(r.into_inner()) else {
            return;
        };
        let mut r = BufReader::new(&mut tls);
        loop {
            line.clear();
            if r.read_line(&mut line).unwrap_or(0) == 0 {
                return;
            }
            let cmd = line.trim_end().to_ascii_uppercase();
            let answer: &[u8] = if cmd.starts_with("EHLO") {
                b"250-mx.lab.test\r\n250 PIPELINING\r\n"
            } else {
                b"221 2.0.0 Bye\r\n"
            };
            if r.get_mut().write_all(answer).is_err() || !cmd.starts_with("EHLO") {
                return;
            }
        }
    });
    let rt = tokio::runtime::Runtime::new().expect("runtime");
    let inj = rt.block_on(async {
        let spec = EndpointSpec {
            name: "mx.lab.test".into(),
            address: addr,
            mode: doctor::model::observation::Mode::Starttls,
            sni: Some("mx.lab.test".into()),
        };
        doctor::observe::injection::probe_injection(&spec, &CheckOptions::default()).await
    });
    assert_eq!(
        inj.plaintext_replies,
        vec!["250 2.0.0 Ok".to_string()],
        "{inj:?}"
    );
    assert!(inj.handshake_completed, "{inj:?}");
    assert!(inj.tls_replies.is_empty(), "{inj:?}");
    assert_eq!(inj.ehlo_after_tls, Some(250), "{inj:?}");
    assert_eq!(inj.connections, 1);
    // The judgement of these facts (ok, "answered the pipelined command in plaintext") is
    // crates/doctor/tests/injection_fixtures.rs'.
}
