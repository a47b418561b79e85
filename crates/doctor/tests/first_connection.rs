//! The first connection is retried when the server closes it before any greeting (a busy
//! server that drops connections over its limit, as Postfix's anvil or a load balancer may): the
//! next connection is checked normally and the refusal is recorded. A server that closes every
//! connection is reported as such after the retries.

use std::time::Duration;
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpListener;

/// A plain SMTP server on loopback that closes its first `drop_first` connections at once and
/// serves the others (banner, EHLO without STARTTLS, QUIT).
async fn server(drop_first: usize) -> (std::net::SocketAddr, tokio::task::JoinHandle<()>) {
    let l = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let addr = l.local_addr().expect("addr");
    let task = tokio::spawn(async move {
        let mut n = 0;
        while let Ok((s, _)) = l.accept().await {
            n += 1;
            if n <= drop_first {
                drop(s);
                continue;
            }
            tokio::spawn(async move {
                let (r, mut w) = s.into_split();
                let mut r = BufReader::new(r);
                let _ = w.write_all(b"220 plain.test ESMTP\r\n").await;
                let mut line = String::new();
                while r.read_line(&mut line).await.is_ok_and(|n| n > 0) {
                    let reply: &[u8] = if line.to_ascii_uppercase().starts_with("QUIT") {
                        b"221 bye\r\n"
                    } else {
                        b"250 plain.test\r\n"
                    };
                    let _ = w.write_all(reply).await;
                    if reply.starts_with(b"221") {
                        return;
                    }
                    line.clear();
                }
            });
        }
    });
    (addr, task)
}

fn options() -> doctor::model::options::CheckOptions {
    let mut o = doctor::model::options::CheckOptions {
        quick: true,
        fetch_aia: false,
        ..Default::default()
    };
    o.scan.retries = 2;
    o.scan.backoff = Duration::from_millis(50);
    o.timeouts.banner = Duration::from_secs(5);
    o.timeouts.command = Duration::from_secs(5);
    o
}

#[tokio::test]
async fn a_close_before_the_greeting_is_retried() {
    let (addr, task) = server(1).await;
    let r = doctor::check::check(&addr.to_string(), &options())
        .await
        .expect("check");
    let obs = &r.endpoints[0].observation;
    assert_eq!(obs.refused_before.len(), 1, "{:?}", obs.refused_before);
    assert_eq!(obs.smtp.banner.as_ref().map(|b| b.code), Some(220));
    assert!(obs.failure.is_none(), "{:?}", obs.failure);
    assert_eq!(r.connections, 2);
    let codes: Vec<&str> = r.findings().map(|f| f.code.as_str()).collect();
    assert!(codes.contains(&"starttls-not-offered"), "{codes:?}");
    assert!(codes.contains(&"rate-limited"), "{codes:?}");
    task.abort();
}

#[tokio::test]
async fn a_server_that_closes_every_connection_is_reported_after_the_retries() {
    let (addr, task) = server(usize::MAX).await;
    let r = doctor::check::check(&addr.to_string(), &options())
        .await
        .expect("check");
    let obs = &r.endpoints[0].observation;
    assert_eq!(obs.refused_before.len(), 2, "{:?}", obs.refused_before);
    assert_eq!(r.connections, 3);
    let e = r.error.as_ref().expect("an error");
    assert_eq!(e.phase.as_str(), "banner", "{e:?}");
    assert_eq!(r.exit_code(), 2);
    task.abort();
}
