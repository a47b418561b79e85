//! SMTP-level behaviour of the lab scenarios (127.0.0.1 only).

mod common;

use std::time::{Duration, Instant};

use common::*;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio::time::timeout;

async fn connect(lab: &lab::RunningLab, scenario: &str) -> Smtp<TcpStream> {
    Smtp::new(
        TcpStream::connect(addr(lab, scenario))
            .await
            .expect("connect"),
    )
}

fn s(lines: &[&str]) -> Vec<String> {
    lines.iter().map(|l| l.to_string()).collect()
}

#[tokio::test]
async fn good_banner_and_ehlo_before_tls() {
    let (lab, _dir) = lab(&["good"]).await;
    let mut c = connect(&lab, "good").await;
    assert_eq!(
        c.reply().await,
        (
            220,
            s(&["220 mx.lab.test ESMTP smtp-tls-doctor lab (good)"])
        )
    );
    assert_eq!(
        c.cmd("EHLO client.test").await,
        (
            250,
            s(&[
                "250-mx.lab.test",
                "250-PIPELINING",
                "250-SIZE 10240000",
                "250-STARTTLS",
                "250-ENHANCEDSTATUSCODES",
                "250 8BITMIME"
            ])
        )
    );
    assert_eq!(
        c.cmd("HELO client.test").await,
        (250, s(&["250 mx.lab.test"]))
    );
    assert_eq!(
        c.cmd("AUTH PLAIN AHUAcA==").await.0,
        530,
        "no AUTH before TLS"
    );
    assert_eq!(
        c.cmd("VRFY root").await,
        (502, s(&["502 5.5.2 Error: command not recognized"]))
    );
    assert_eq!(c.cmd("ehlo lower.case").await.0, 250);
    assert_eq!(c.cmd("EHLO").await.0, 501);
    assert_eq!(c.cmd("DATA").await.0, 503);
    assert_eq!(c.cmd("QUIT").await, (221, s(&["221 2.0.0 Bye"])));
    c.expect_closed().await;
}

#[tokio::test]
async fn pipelined_plaintext_transaction() {
    let (lab, _dir) = lab(&["starttls-not-offered"]).await;
    let mut c = connect(&lab, "starttls-not-offered").await;
    assert_eq!(c.reply().await.0, 220);
    c.r.get_mut()
        .write_all(b"EHLO a.test\r\nMAIL FROM:<a@a.test>\r\nRCPT TO:<b@b.test>\r\nDATA\r\n")
        .await
        .expect("write");
    assert_eq!(c.reply().await.0, 250);
    assert_eq!(c.reply().await.0, 250);
    assert_eq!(c.reply().await.0, 250);
    assert_eq!(c.reply().await.0, 354);
    let (code, _) = c.cmd("hello\r\n.").await;
    assert_eq!(code, 250);
}

#[tokio::test]
async fn starttls_not_offered() {
    let (lab, _dir) = lab(&["starttls-not-offered"]).await;
    let mut c = connect(&lab, "starttls-not-offered").await;
    assert_eq!(c.reply().await.0, 220);
    let (code, lines) = c.cmd("EHLO client.test").await;
    assert_eq!(code, 250);
    assert!(!lines.iter().any(|l| l.contains("STARTTLS")), "{lines:?}");
    assert!(lines.contains(&"250-PIPELINING".to_string()));
    assert_eq!(
        c.cmd("STARTTLS").await,
        (502, s(&["502 5.5.1 Error: command not recognized"]))
    );
    // Still usable afterwards.
    assert_eq!(c.cmd("NOOP").await.0, 250);
}

#[tokio::test]
async fn starttls_refused() {
    let (lab, _dir) = lab(&["starttls-refused"]).await;
    let mut c = connect(&lab, "starttls-refused").await;
    assert_eq!(c.reply().await.0, 220);
    let (_, lines) = c.cmd("EHLO client.test").await;
    assert!(lines.contains(&"250-STARTTLS".to_string()), "{lines:?}");
    assert_eq!(
        c.cmd("STARTTLS").await,
        (
            454,
            s(&["454 4.7.0 TLS not available due to local problem"])
        )
    );
    assert_eq!(c.cmd("QUIT").await.0, 221);
}

#[tokio::test]
async fn ehlo_refused_helo_works() {
    let (lab, _dir) = lab(&["ehlo-refused"]).await;
    let mut c = connect(&lab, "ehlo-refused").await;
    assert_eq!(c.reply().await.0, 220);
    assert_eq!(
        c.cmd("EHLO client.test").await,
        (502, s(&["502 5.5.2 Error: command not recognized"]))
    );
    assert_eq!(
        c.cmd("HELO client.test").await,
        (250, s(&["250 mx.lab.test"]))
    );
    assert_eq!(c.cmd("STARTTLS").await.0, 502);
    assert_eq!(c.cmd("MAIL FROM:<a@a.test>").await.0, 250);
}

#[tokio::test]
async fn banner_421_then_close() {
    let (lab, _dir) = lab(&["banner-421"]).await;
    let mut c = connect(&lab, "banner-421").await;
    assert_eq!(
        c.reply().await,
        (
            421,
            s(&["421 4.7.0 mx.lab.test Error: too many connections from 127.0.0.1"])
        )
    );
    c.expect_closed().await;
}

#[tokio::test]
async fn banner_delay_patient_client() {
    let delay = Duration::from_millis(300);
    let (lab, _dir) = lab_with(&["banner-delay"], |cfg| cfg.banner_delay = delay).await;
    let started = Instant::now();
    let mut c = connect(&lab, "banner-delay").await;
    assert_eq!(
        c.reply().await,
        (
            220,
            s(&[
                "220-mx.lab.test ESMTP greeting delayed",
                "220 mx.lab.test ready"
            ])
        )
    );
    assert!(started.elapsed() >= delay);
    let tcp = {
        let (_, lines) = c.cmd("EHLO client.test").await;
        assert!(lines.contains(&"250-STARTTLS".to_string()));
        assert_eq!(c.cmd("STARTTLS").await.0, 220);
        c.r.into_inner()
    };
    handshake(tcp, true)
        .await
        .expect("handshake after delayed banner");
}

#[tokio::test]
async fn banner_delay_rejects_early_talker() {
    // A delay no slow machine reaches before our EHLO does: the server answers the early
    // talker at once, so the test does not wait for it.
    let (lab, _dir) = lab_with(&["banner-delay"], |cfg| {
        cfg.banner_delay = Duration::from_secs(600)
    })
    .await;
    let mut c = connect(&lab, "banner-delay").await;
    c.send("EHLO impatient.test").await;
    assert_eq!(
        c.reply().await,
        (554, s(&["554 5.5.1 Error: SMTP protocol synchronization"]))
    );
    c.expect_closed().await;
}

#[tokio::test]
async fn close_after_starttls() {
    let (lab, _dir) = lab(&["close-after-starttls"]).await;
    let mut c = connect(&lab, "close-after-starttls").await;
    assert_eq!(c.reply().await.0, 220);
    let (_, lines) = c.cmd("EHLO client.test").await;
    assert!(lines.contains(&"250-STARTTLS".to_string()));
    assert_eq!(
        c.cmd("STARTTLS").await,
        (220, s(&["220 2.0.0 Ready to start TLS"]))
    );
    c.expect_closed().await;

    // A real client's handshake fails.
    let tcp = starttls(addr(&lab, "close-after-starttls")).await;
    assert!(handshake(tcp, true).await.is_err());
}

#[tokio::test]
async fn garbage_after_starttls() {
    let (lab, _dir) = lab(&["garbage-after-starttls"]).await;
    // The junk answers whatever the client sends after the 220.
    let mut tcp = starttls(addr(&lab, "garbage-after-starttls")).await;
    tcp.write_all(b"\x16\x03\x01").await.expect("write");
    let mut junk = Vec::new();
    timeout(T, tcp.read_to_end(&mut junk))
        .await
        .expect("closes")
        .expect("read");
    assert_eq!(junk.len(), 64);
    assert!(junk.starts_with(b"HTTP/1.1 400 Bad Request\r\n"));

    let tcp = starttls(addr(&lab, "garbage-after-starttls")).await;
    let err = handshake(tcp, true).await.expect_err("handshake fails");
    let inner = err
        .get_ref()
        .and_then(|e| e.downcast_ref::<rustls::Error>());
    assert!(
        matches!(inner, Some(rustls::Error::InvalidMessage(_))),
        "{err:?}"
    );
}

#[tokio::test]
async fn silent_sends_nothing() {
    let (lab, _dir) = lab(&["silent"]).await;
    let mut tcp = TcpStream::connect(addr(&lab, "silent"))
        .await
        .expect("connect");
    tcp.write_all(b"EHLO hello\r\n").await.expect("write");
    let mut buf = [0u8; 16];
    let r = timeout(Duration::from_millis(700), tcp.read(&mut buf)).await;
    assert!(r.is_err(), "silent must not answer or close: {r:?}");
    // Shutting the lab down closes the held connection.
    lab.shutdown().await;
    let r = timeout(T, tcp.read(&mut buf))
        .await
        .expect("closed after shutdown");
    assert!(matches!(r, Ok(0) | Err(_)), "{r:?}");
}

#[tokio::test]
async fn garbage_banner_is_binary() {
    let (lab, _dir) = lab(&["garbage-banner"]).await;
    let mut tcp = TcpStream::connect(addr(&lab, "garbage-banner"))
        .await
        .expect("connect");
    let mut data = Vec::new();
    timeout(T, tcp.read_to_end(&mut data))
        .await
        .expect("closes")
        .expect("read");
    assert_eq!(data.len(), 200);
    assert_eq!(&data[..3], &[0x16, 0x03, 0x03]);
    assert!(!data.starts_with(b"220"));
}

#[tokio::test]
async fn endless_line_never_ends() {
    let (lab, _dir) = lab(&["endless-line"]).await;
    let mut tcp = TcpStream::connect(addr(&lab, "endless-line"))
        .await
        .expect("connect");
    let mut data = Vec::new();
    let mut buf = [0u8; 16384];
    let started = Instant::now();
    while data.len() < 100_000 {
        let n = timeout(T, tcp.read(&mut buf))
            .await
            .expect("data")
            .expect("read");
        assert!(n > 0, "closed early");
        data.extend_from_slice(&buf[..n]);
    }
    assert!(data.starts_with(b"220 xxxx"));
    assert!(data[4..].iter().all(|&b| b == b'x'));
    // About 64 KiB per second: 100 kB take more than a second.
    assert!(
        started.elapsed() >= Duration::from_millis(900),
        "{:?}",
        started.elapsed()
    );
}

#[tokio::test]
async fn reset_closes_at_once() {
    let (lab, _dir) = lab(&["reset"]).await;
    let mut tcp = TcpStream::connect(addr(&lab, "reset"))
        .await
        .expect("connect");
    let mut buf = [0u8; 16];
    let r = timeout(T, tcp.read(&mut buf))
        .await
        .expect("closed in time");
    match r {
        Err(e) => assert_eq!(e.kind(), std::io::ErrorKind::ConnectionReset),
        Ok(n) => panic!("expected a reset, read {n} bytes"),
    }
}

#[tokio::test]
async fn overlong_line_is_rejected_and_closed() {
    let (lab, _dir) = lab(&["good"]).await;
    let mut c = connect(&lab, "good").await;
    assert_eq!(c.reply().await.0, 220);
    let long = format!("EHLO {}", "a".repeat(5000));
    c.send(&long).await;
    assert_eq!(
        c.reply().await,
        (500, s(&["500 5.5.2 Error: line too long"]))
    );
    c.expect_closed().await;

    // A line just at the limit is fine.
    let mut c = connect(&lab, "good").await;
    assert_eq!(c.reply().await.0, 220);
    let at_limit = format!("NOOP {}", "a".repeat(4096 - 5));
    assert_eq!(c.cmd(&at_limit).await.0, 250);
}

#[tokio::test]
async fn binary_junk_gets_errors_then_close() {
    let (lab, _dir) = lab(&["good"]).await;
    let mut tcp = TcpStream::connect(addr(&lab, "good"))
        .await
        .expect("connect");
    let junk: Vec<u8> = (0..30u8).flat_map(|i| [0xff, 0x00, i, b'\n']).collect();
    tcp.write_all(&junk).await.expect("write");
    let mut out = Vec::new();
    timeout(T, tcp.read_to_end(&mut out))
        .await
        .expect("closes")
        .ok();
    let text = String::from_utf8_lossy(&out);
    assert!(text.starts_with("220 "));
    assert_eq!(text.matches("502 5.5.2").count(), 20);
    assert!(
        text.ends_with("421 4.7.0 mx.lab.test Error: too many errors\r\n"),
        "{text}"
    );
}

#[tokio::test]
async fn auth_login_dialogue_after_tls() {
    let (lab, _dir) = lab(&["good"]).await;
    let tls = handshake(starttls(addr(&lab, "good")).await, true)
        .await
        .expect("tls");
    let mut c = Smtp::new(tls);
    assert_eq!(c.cmd("EHLO client.test").await.0, 250);
    assert_eq!(c.cmd("AUTH LOGIN").await, (334, s(&["334 VXNlcm5hbWU6"])));
    assert_eq!(c.cmd("dXNlcg==").await, (334, s(&["334 UGFzc3dvcmQ6"])));
    assert_eq!(c.cmd("cGFzcw==").await.0, 235);
    assert_eq!(c.cmd("AUTH PLAIN").await.0, 503);
}

#[tokio::test]
async fn message_too_big_is_rejected() {
    let (lab, _dir) = lab(&["starttls-not-offered"]).await;
    let mut c = connect(&lab, "starttls-not-offered").await;
    assert_eq!(c.reply().await.0, 220);
    assert_eq!(c.cmd("HELO a.test").await.0, 250);
    assert_eq!(c.cmd("MAIL FROM:<a@a.test>").await.0, 250);
    assert_eq!(c.cmd("RCPT TO:<b@b.test>").await.0, 250);
    assert_eq!(c.cmd("DATA").await.0, 354);
    let line = vec![b'y'; 998];
    let mut chunk = Vec::new();
    for _ in 0..1024 {
        chunk.extend_from_slice(&line);
        chunk.extend_from_slice(b"\r\n");
    }
    // ~11 MB; the server may close while we still write.
    let w = c.r.get_mut();
    for _ in 0..11 {
        if w.write_all(&chunk).await.is_err() {
            break;
        }
    }
    let mut rest = Vec::new();
    let _ = timeout(T, c.r.read_to_end(&mut rest))
        .await
        .expect("closes");
    assert!(
        String::from_utf8_lossy(&rest).starts_with("552 5.3.4"),
        "{:?}",
        String::from_utf8_lossy(&rest)
    );
}
