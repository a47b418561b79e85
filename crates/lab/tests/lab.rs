//! Starting and stopping the lab, CA files, ports and the scenario table.

mod common;

use std::time::Duration;

use common::*;
use lab::{LabConfig, LabError, Mode};
use tokio::io::AsyncReadExt;
use tokio::net::TcpStream;

const FINDING_CODES: &[&str] = &[
    "rate-limited",
    "chain-too-long",
    "chain-incomplete",
    "chain-order",
    "cert-self-signed",
    "cert-untrusted",
    "cert-name-mismatch",
    "cert-expired",
    "cert-not-yet-valid",
    "cert-expires-soon",
    "cert-weak-key",
    "cert-weak-signature",
    "starttls-not-offered",
    "starttls-refused",
    "smtp-rejected",
    "tls-handshake-failed",
    "no-tls12",
    "protocol-sslv2",
    "protocol-sslv3",
    "protocol-tls10",
    "protocol-tls11",
    "cipher-weak",
    "cipher-no-forward-secrecy",
    "dh-weak",
    "no-server-preference",
    "sni-cert-differs",
    "handshake-signature-invalid",
    "starttls-injection",
    // The vulnerability battery's own findings.
    "heartbleed",
    "ccs-injection",
    "robot",
    "tls-compression",
    "no-secure-renegotiation",
    "client-renegotiation",
    "no-fallback-scsv",
    "cbc-tls10",
    "cbc-lucky13",
];

#[test]
fn scenario_table() {
    let all = lab::scenarios();
    assert_eq!(all.len(), 48);
    assert_eq!(all[0].name, "good");
    let implicit: Vec<&str> = all
        .iter()
        .filter(|s| s.mode == Mode::Implicit)
        .map(|s| s.name)
        .collect();
    assert_eq!(implicit, ["implicit-tls"]);
    for s in all {
        for f in s.expect_findings {
            assert!(FINDING_CODES.contains(f), "{}: unknown finding {f}", s.name);
        }
        if let Some(phase) = s.expect_error_phase {
            assert!(["connect", "banner", "ehlo", "starttls", "handshake"].contains(&phase));
        }
    }
    let errors: Vec<&str> = all
        .iter()
        .filter(|s| s.expect_error_phase.is_some())
        .map(|s| s.name)
        .collect();
    assert_eq!(
        errors,
        ["silent", "garbage-banner", "endless-line", "reset", "drip"]
    );
    let ehlo = all
        .iter()
        .find(|s| s.name == "ehlo-refused")
        .expect("ehlo-refused");
    assert_eq!(
        ehlo.expect_findings,
        ["smtp-rejected", "starttls-not-offered"]
    );
}

#[tokio::test]
async fn all_scenarios_start_and_greet() {
    let dir = tempfile::tempdir().expect("dir");
    let nested = dir.path().join("a/b");
    let lab = lab::start(LabConfig::new(nested.clone()))
        .await
        .expect("lab starts");
    assert_eq!(lab.host, "mx.lab.test");
    // Every scenario (the table has 47, see scenario_table).
    assert_eq!(lab.endpoints.len(), lab::scenarios().len());
    assert_eq!(lab.ca_file, nested.join("lab-root-ca.pem"));

    let ca = std::fs::read_to_string(&lab.ca_file).expect("CA file");
    let certs = openssl::x509::X509::stack_from_pem(ca.as_bytes()).expect("parse");
    assert_eq!(certs.len(), 1, "the lab root only");
    let cn = |c: &openssl::x509::X509| {
        c.subject_name()
            .entries()
            .next()
            .and_then(|e| e.data().to_string().ok())
    };
    assert_eq!(cn(&certs[0]).as_deref(), Some(lab::pki::ROOT_CN));
    let other = std::fs::read_to_string(nested.join("lab-untrusted-root-ca.pem")).expect("file");
    let other = openssl::x509::X509::stack_from_pem(other.as_bytes()).expect("parse");
    assert_eq!(cn(&other[0]).as_deref(), Some(lab::pki::OTHER_ROOT_CN));

    // Every STARTTLS scenario without an expected banner error greets with 220
    // (banner-421 and busy's first connection with 421; banner-delay after 3 s is skipped here).
    for ep in &lab.endpoints {
        let s = ep.scenario;
        assert_eq!(ep.addr.ip(), std::net::IpAddr::from([127, 0, 0, 1]));
        if s.mode == Mode::Implicit || s.expect_error_phase.is_some() || s.name == "banner-delay" {
            continue;
        }
        let mut c = Smtp::new(TcpStream::connect(ep.addr).await.expect("connect"));
        let (code, lines) = c.reply().await;
        if s.name == "banner-421" || s.name == "busy" {
            // busy: the first connection of a burst is refused, as the next test shows.
            assert_eq!(code, 421);
        } else if s.name == "terminal-escapes" {
            assert_eq!(
                lines,
                [format!(
                    "220 mx.lab.test ESMTP smtp-tls-doctor lab (terminal-escapes) {}",
                    lab::TERMINAL_ESCAPES
                )]
            );
        } else {
            assert_eq!(
                lines,
                [format!(
                    "220 mx.lab.test ESMTP smtp-tls-doctor lab ({})",
                    s.name
                )]
            );
        }
    }
    lab.shutdown().await;
}

#[tokio::test]
async fn unknown_scenario_is_an_error() {
    let dir = tempfile::tempdir().expect("dir");
    let mut cfg = LabConfig::new(dir.path().to_path_buf());
    cfg.only = Some(vec!["good".into(), "no-such-thing".into()]);
    let err = lab::start(cfg).await.expect_err("unknown scenario");
    assert!(matches!(err, LabError::UnknownScenario(ref n) if n == "no-such-thing"));
    assert!(err.to_string().contains("no-such-thing"));
}

#[tokio::test]
async fn base_port_and_bind_errors() {
    // Ask for a port that was free a moment ago as the base (good is scenario 0); another
    // process may take it in between, so a bind error means: try another one.
    let dir = tempfile::tempdir().expect("dir");
    let mut started = None;
    for _ in 0..10 {
        let probe = std::net::TcpListener::bind("127.0.0.1:0").expect("probe");
        let port = probe.local_addr().expect("addr").port();
        drop(probe);
        let mut cfg = LabConfig::new(dir.path().to_path_buf());
        cfg.only = Some(vec!["good".into()]);
        cfg.base_port = Some(port);
        match lab::start(cfg).await {
            Ok(lab) => {
                started = Some((lab, port));
                break;
            }
            Err(LabError::Bind { .. }) => continue,
            Err(e) => panic!("lab start: {e}"),
        }
    }
    let (lab, port) = started.expect("a free base port within 10 tries");
    assert_eq!(addr(&lab, "good").port(), port);

    // The same port again: the bind error names the address.
    let dir = tempfile::tempdir().expect("dir");
    let mut cfg = LabConfig::new(dir.path().to_path_buf());
    cfg.only = Some(vec!["good".into()]);
    cfg.base_port = Some(port);
    let err = lab::start(cfg).await.expect_err("port in use");
    assert!(matches!(err, LabError::Bind { .. }), "{err:?}");
    assert!(
        err.to_string().contains(&format!("127.0.0.1:{port}")),
        "{err}"
    );

    // A base port too high for the scenario index.
    let dir = tempfile::tempdir().expect("dir");
    let mut cfg = LabConfig::new(dir.path().to_path_buf());
    cfg.only = Some(vec!["reset".into()]);
    cfg.base_port = Some(65530);
    assert!(matches!(
        lab::start(cfg).await,
        Err(LabError::PortOutOfRange { .. })
    ));
}

#[tokio::test]
async fn write_error_names_the_path() {
    let dir = tempfile::tempdir().expect("dir");
    let file = dir.path().join("not-a-dir");
    std::fs::write(&file, "x").expect("write");
    let mut cfg = LabConfig::new(file.clone());
    cfg.only = Some(vec!["good".into()]);
    let err = lab::start(cfg).await.expect_err("dir is a file");
    assert!(err.to_string().contains("not-a-dir"), "{err}");
}

#[tokio::test]
async fn shutdown_and_drop_stop_listeners_and_connections() {
    let (running, _dir) = lab(&["good", "silent"]).await;
    let good = addr(&running, "good");
    let mut held = TcpStream::connect(addr(&running, "silent"))
        .await
        .expect("connect");
    running.shutdown().await;
    assert!(TcpStream::connect(good).await.is_err(), "listener closed");
    let mut buf = [0u8; 8];
    let r = tokio::time::timeout(T, held.read(&mut buf))
        .await
        .expect("connection closed");
    assert!(matches!(r, Ok(0) | Err(_)));

    let (lab, _dir) = lab(&["good"]).await;
    let good = addr(&lab, "good");
    drop(lab);
    // The listener closes on drop (its task ends soon after).
    wait_closed(good).await;
}

#[test]
fn config_defaults() {
    let cfg = LabConfig::new("/tmp/x".into());
    assert_eq!(cfg.bind, std::net::IpAddr::from([127, 0, 0, 1]));
    assert_eq!(cfg.base_port, None);
    assert_eq!(cfg.only, None);
    assert_eq!(cfg.banner_delay, Duration::from_secs(3));
}

/// The busy scenarios: busy refuses the first connection of a burst and serves the next; exim-busy
/// refuses a third connection open at once with Exim's words and serves again once one closes.
#[tokio::test]
async fn busy_scenarios_refuse_as_their_servers_do() {
    let dir = tempfile::tempdir().expect("dir");
    let mut cfg = LabConfig::new(dir.path().to_path_buf());
    cfg.only = Some(vec!["busy".into(), "exim-busy".into()]);
    let lab = lab::start(cfg).await.expect("lab starts");
    let addr = |name: &str| {
        lab.endpoints
            .iter()
            .find(|e| e.scenario.name == name)
            .map(|e| e.addr)
            .expect("scenario")
    };
    let greet = |a| async move {
        let mut c = Smtp::new(TcpStream::connect(a).await.expect("connect"));
        let (code, lines) = c.reply().await;
        (c, code, lines)
    };
    let busy = addr("busy");
    let (_, first, _) = greet(busy).await;
    let (_, second, _) = greet(busy).await;
    assert_eq!((first, second), (421, 220));

    let exim = addr("exim-busy");
    let (a, one, _) = greet(exim).await;
    let (b, two, _) = greet(exim).await;
    let (_, three, lines) = greet(exim).await;
    assert_eq!((one, two, three), (220, 220, 421));
    assert!(
        lines
            .join(" ")
            .contains("Too many concurrent SMTP connections"),
        "{lines:?}"
    );
    drop((a, b));
    // Both closed: a new connection is served again (the server notices the close at once).
    let mut served = false;
    for _ in 0..50 {
        let (_, code, _) = greet(exim).await;
        if code == 220 {
            served = true;
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    assert!(served, "exim-busy serves again after the others closed");
    lab.shutdown().await;
}

/// The drip scenario (here 5 ms a byte instead of 2 s): the banner, the EHLO and STARTTLS
/// replies, and after the ClientHello a handshake_failure alert, each a byte at a time.
#[tokio::test]
async fn drip_drips_through_to_the_handshake() {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let dir = tempfile::tempdir().expect("dir");
    let mut cfg = LabConfig::new(dir.path().to_path_buf());
    cfg.only = Some(vec!["drip".into()]);
    cfg.drip_pause = std::time::Duration::from_millis(5);
    let lab = lab::start(cfg).await.expect("lab starts");
    let addr = lab.endpoints.first().map(|e| e.addr).expect("drip");
    let mut tcp = TcpStream::connect(addr).await.expect("connect");
    async fn until(tcp: &mut TcpStream, end: &[u8]) -> Vec<u8> {
        let mut got = Vec::new();
        let mut b = [0u8; 1];
        while !got.ends_with(end) {
            let n = tokio::time::timeout(std::time::Duration::from_secs(30), tcp.read(&mut b))
                .await
                .expect("a byte in time")
                .expect("read");
            assert_eq!(n, 1, "one byte at a time, then more: {got:?}");
            got.push(b[0]);
        }
        got
    }
    let banner = until(&mut tcp, b"\r\n").await;
    assert!(banner.starts_with(b"220 "), "{banner:?}");
    tcp.write_all(b"EHLO me.test\r\n").await.expect("send");
    let ehlo = until(&mut tcp, b"250 STARTTLS\r\n").await;
    assert!(ehlo.starts_with(b"250-"), "{ehlo:?}");
    tcp.write_all(b"STARTTLS\r\n").await.expect("send");
    let ready = until(&mut tcp, b"\r\n").await;
    assert!(ready.starts_with(b"220 "), "{ready:?}");
    tcp.write_all(&[0x16, 0x03, 0x01, 0x00, 0x01, 0x01])
        .await
        .expect("a hello");
    let alert = until(&mut tcp, &[0x02, 0x28]).await;
    assert_eq!(alert, [0x15, 0x03, 0x03, 0x00, 0x02, 0x02, 0x28]);
    lab.shutdown().await;
}
