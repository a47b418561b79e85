//! Smoke test of the DNS harness (tests/common/dns.rs): the lab's authoritative server and
//! validating resolver, each zone-data feature the domain tests rely on, and every BadDns kind.
//! Loopback only. The DnsLab tests need NSD, Unbound and ldnsutils (skipped loudly without them;
//! a failure under CI); the BadDns ones need nothing.

mod common;

use base64::Engine as _;
use common::dns::{
    BadDns, BadKind, DNS_LAB, DNS_LAB_SIGNED, DnsLab, QueryError, RecordType, Transport, ZoneSpec,
    big_txt_records, build_query, parse_message, query, query_tcp, try_query,
};
use common::require;
use std::net::{SocketAddr, UdpSocket};
use std::time::{Duration, Instant};

const HASH: &str = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";

fn signed_zone() -> ZoneSpec {
    ZoneSpec {
        origin: "example.test".into(),
        records: format!(
            "@ IN MX 10 mx1\n\
             @ IN MX 20 192.0.2.1.\n\
             mx1 IN A 127.0.0.2\n\
             mx1 IN AAAA ::1\n\
             _25._tcp.mx1 IN TLSA 3 1 1 {HASH}\n\
             mx2 IN A 127.0.0.3\n\
             _25._tcp.mx2 IN TLSA 3 1 1 {HASH} ; dnslab:bogus\n\
             _mta-sts IN TXT \"v=STSv1; id=20240101\"\n\
             _smtp._tls IN TXT \"v=TLSRPTv1;\" \" rua=mailto:tls@example.test\"\n\
             multi IN TXT \"one\" \"two \\\"quoted\\\"\" \"three\"\n\
             alias IN CNAME mx1\n\
             loop-a IN CNAME loop-b\n\
             loop-b IN CNAME loop-a\n\
             nullmx IN MX 0 .\n\
             {}",
            big_txt_records("big", 5, 4)
        ),
        signed: true,
    }
}

fn unsigned_zone() -> ZoneSpec {
    ZoneSpec {
        origin: "plain.test.".into(),
        records: format!(
            "@ 300 IN MX 10 mx\n\
             mx IN A 127.0.0.4\n\
             _25._tcp.mx IN TLSA 3 1 1 {HASH}\n\
             {}",
            big_txt_records("big", 5, 4)
        ),
        signed: false,
    }
}

#[test]
fn lab_serves_signed_and_unsigned_zones() {
    if !require(DNS_LAB_SIGNED) {
        return;
    }
    let t0 = Instant::now();
    let lab = DnsLab::start(&[signed_zone(), unsigned_zone()]);
    eprintln!("DnsLab::start (2 zones, 1 signed): {:?}", t0.elapsed());
    let (auth, res) = (lab.auth, lab.resolver);
    assert!(auth.ip().is_loopback() && res.ip().is_loopback());
    assert_ne!(auth.port(), res.port());
    let ctx = || lab.logs();

    // The authoritative server answers for both zones, with AA.
    for origin in ["example.test", "plain.test"] {
        let a = query(auth, origin, RecordType::SOA);
        assert!(a.aa && a.rcode == 0, "{a:?}");
        assert_eq!(a.soa_serial(), Some(lab.serial));
        let a = query(auth, origin, RecordType::MX);
        assert!(a.aa && a.rcode == 0 && a.answer_count >= 1, "{a:?}");
    }

    // Through the resolver: signed → AD=1, unsigned → AD=0.
    let a = query(res, "example.test", RecordType::MX);
    assert!(a.ad && a.rcode == 0 && a.ra, "{a:?}\n{}", ctx());
    let mut mx = a.data_of(RecordType::MX);
    mx.sort();
    assert_eq!(mx, ["10 mx1.example.test.", "20 192.0.2.1."]);
    let a = query(res, "plain.test", RecordType::MX);
    assert!(!a.ad && a.rcode == 0, "{a:?}");
    assert_eq!(a.data_of(RecordType::MX), ["10 mx.plain.test."]);
    assert_eq!(a.answers[0].ttl, 300);

    // A / AAAA.
    let a = query(res, "mx1.example.test", RecordType::A);
    assert!(a.ad, "{a:?}");
    assert_eq!(a.data_of(RecordType::A), ["127.0.0.2"]);
    let a = query(res, "mx1.example.test", RecordType::AAAA);
    assert!(a.ad, "{a:?}");
    assert_eq!(a.data_of(RecordType::AAAA), ["::1"]);
    assert_eq!(
        query(res, "mx.plain.test", RecordType::A).data_of(RecordType::A),
        ["127.0.0.4"]
    );

    // TXT with several character-strings (MTA-STS, TLS-RPT).
    let a = query(res, "_mta-sts.example.test", RecordType::TXT);
    assert!(a.ad);
    assert_eq!(a.data_of(RecordType::TXT), ["\"v=STSv1; id=20240101\""]);
    let a = query(res, "_smtp._tls.example.test", RecordType::TXT);
    assert_eq!(
        a.data_of(RecordType::TXT),
        ["\"v=TLSRPTv1;\" \" rua=mailto:tls@example.test\""]
    );
    let a = query(res, "multi.example.test", RecordType::TXT);
    assert_eq!(
        a.data_of(RecordType::TXT),
        ["\"one\" \"two \\\"quoted\\\"\" \"three\""]
    );
    let txt = &a.answers[0].rdata;
    assert_eq!(txt[0], 3, "first string's length byte");

    // TLSA: secure in the signed zone, insecure in the unsigned one.
    let a = query(res, "_25._tcp.mx1.example.test", RecordType::TLSA);
    assert!(a.ad && a.rcode == 0, "{a:?}");
    assert_eq!(a.data_of(RecordType::TLSA), [format!("3 1 1 {HASH}")]);
    let a = query(res, "_25._tcp.mx.plain.test", RecordType::TLSA);
    assert!(!a.ad && a.rcode == 0, "{a:?}");
    assert_eq!(a.data_of(RecordType::TLSA), [format!("3 1 1 {HASH}")]);

    // A bogus RRset: the validator says SERVFAIL, the authoritative server still serves it.
    let a = query(res, "_25._tcp.mx2.example.test", RecordType::TLSA);
    assert_eq!(a.rcode, 2, "bogus TLSA must SERVFAIL: {a:?}");
    let a = query(auth, "_25._tcp.mx2.example.test", RecordType::TLSA);
    assert!(a.aa && a.rcode == 0 && a.answer_count >= 1, "{a:?}");
    // Its neighbour is fine.
    assert!(query(res, "mx2.example.test", RecordType::A).ad);

    // Null MX; MX exchange written as an IP literal (checked above: "20 192.0.2.1.").
    let a = query(res, "nullmx.example.test", RecordType::MX);
    assert!(a.ad);
    assert_eq!(a.data_of(RecordType::MX), ["0 ."]);

    // CNAME to an address, and a CNAME loop.
    let a = query(res, "alias.example.test", RecordType::A);
    assert!(a.ad && a.rcode == 0, "{a:?}");
    assert_eq!(a.data_of(RecordType::CNAME), ["mx1.example.test."]);
    assert_eq!(a.data_of(RecordType::A), ["127.0.0.2"]);
    let a = query(auth, "loop-a.example.test", RecordType::A);
    assert!(a.aa && a.rcode == 0, "{a:?}");
    assert_eq!(a.data_of(RecordType::CNAME)[0], "loop-b.example.test.");
    let a = query(res, "loop-a.example.test", RecordType::A);
    assert_eq!(a.rcode, 2, "a CNAME loop through the resolver: {a:?}");

    // The big TXT RRset: TC over UDP, complete over TCP (auth and resolver).
    for (server, origin, signed) in [
        (auth, "example.test", false),
        (auth, "plain.test", false),
        (res, "example.test", true),
        (res, "plain.test", false),
    ] {
        let name = format!("big.{origin}");
        let a = query(server, &name, RecordType::TXT);
        assert!(
            a.tc,
            "{name} over UDP from {server} must be truncated: {a:?}"
        );
        let a = query_tcp(server, &name, RecordType::TXT);
        assert!(!a.tc && a.rcode == 0, "{a:?}");
        assert_eq!(a.ad, signed, "{name} AD from {server}");
        let txt = a.data_of(RecordType::TXT);
        assert_eq!(txt.len(), 5, "{name}: {txt:?}");
        let bytes: usize = a
            .answers
            .iter()
            .filter(|r| r.rtype == RecordType::TXT)
            .map(|r| r.rdata.len())
            .sum();
        assert!(bytes > 4096, "{bytes} bytes");
        assert!(
            txt.iter().all(|t| t.matches('"').count() == 8),
            "4 strings per record"
        );
    }

    // NXDOMAIN inside a signed zone is still secure; names outside the lab are refused.
    let a = query(res, "nope.example.test", RecordType::A);
    assert!(a.rcode == 3 && a.ad, "{a:?}");
    let a = query(res, "example.com", RecordType::A);
    assert_eq!(
        a.rcode, 5,
        "outside the lab: REFUSED, never the internet: {a:?}"
    );

    // The trust anchor is the zone's KSK as served.
    let anchors = std::fs::read_to_string(&lab.trust_anchor).unwrap();
    let lines: Vec<&str> = anchors.lines().collect();
    assert_eq!(lines.len(), 1, "{anchors}");
    let f: Vec<&str> = lines[0].split_whitespace().collect();
    assert_eq!(
        f[..7],
        ["example.test.", "3600", "IN", "DNSKEY", "257", "3", "13"]
    );
    let key = base64::engine::general_purpose::STANDARD
        .decode(f[7])
        .unwrap();
    assert_eq!(key.len(), 64, "P-256 public key");
    let a = query(auth, "example.test", RecordType::DNSKEY);
    let served: Vec<&[u8]> = a
        .answers
        .iter()
        .filter(|r| r.rtype == RecordType::DNSKEY)
        .map(|r| &r.rdata[4..])
        .collect();
    assert_eq!(served, [key.as_slice()]);
}

#[test]
fn labs_start_in_parallel_and_stop_cleanly() {
    if !require(DNS_LAB_SIGNED) {
        return;
    }
    let handles: Vec<_> = (0..4)
        .map(|i| {
            std::thread::spawn(move || {
                let t0 = Instant::now();
                let lab = DnsLab::start(&[ZoneSpec {
                    origin: "example.test".into(),
                    records: format!("@ IN MX 10 mx{i}\nmx{i} IN A 127.0.0.{}\n", i + 10),
                    signed: i % 2 == 0,
                }]);
                let took = t0.elapsed();
                let a = query(lab.resolver, "example.test", RecordType::MX);
                assert_eq!(
                    a.data_of(RecordType::MX),
                    [format!("10 mx{i}.example.test.")]
                );
                assert_eq!(a.ad, i % 2 == 0);
                if i % 2 == 1 {
                    assert_eq!(std::fs::read_to_string(&lab.trust_anchor).unwrap(), "");
                }
                (took, lab)
            })
        })
        .collect();
    let labs: Vec<(Duration, DnsLab)> = handles.into_iter().map(|h| h.join().unwrap()).collect();
    eprintln!(
        "4 parallel starts: {:?}",
        labs.iter().map(|l| l.0).collect::<Vec<_>>()
    );
    for (_, lab) in labs {
        let (auth, res, dir) = (lab.auth, lab.resolver, lab.dir.clone());
        let conf = dir.join("nsd.conf");
        drop(lab);
        assert!(!dir.exists() || std::env::var_os("DNSLAB_KEEP").is_some());
        // Nothing answers any more and no process of the lab is left (nsd forks).
        for server in [auth, res] {
            let r = try_query(
                server,
                "example.test",
                RecordType::SOA,
                Transport::Udp,
                Duration::from_millis(300),
            );
            assert!(matches!(r, Err(QueryError::Timeout)), "{server}: {r:?}");
        }
        let needle = conf.to_string_lossy().into_owned();
        for p in std::fs::read_dir("/proc").unwrap().flatten() {
            if let Ok(cmd) = std::fs::read(p.path().join("cmdline")) {
                let cmd = String::from_utf8_lossy(&cmd).replace('\0', " ");
                let stat = std::fs::read_to_string(p.path().join("stat")).unwrap_or_default();
                let zombie = stat
                    .rsplit(')')
                    .next()
                    .is_some_and(|s| s.trim_start().starts_with('Z'));
                assert!(zombie || !cmd.contains(&needle), "left over: {cmd}");
            }
        }
    }
}

#[test]
fn a_bad_zone_fails_fast_with_the_reason() {
    if !require(DNS_LAB) {
        return;
    }
    let started = std::panic::catch_unwind(|| {
        DnsLab::start(&[ZoneSpec {
            origin: "broken.test".into(),
            records: "@ IN MX not-a-number mx\n".into(),
            signed: false,
        }])
    });
    let err = started.err().expect("a bad zone must not start");
    let msg = err
        .downcast_ref::<String>()
        .cloned()
        .or_else(|| err.downcast_ref::<&str>().map(|s| s.to_string()))
        .unwrap_or_default();
    assert!(msg.contains("check zone broken.test"), "{msg}");
}

fn udp_raw(server: SocketAddr, msg: &[u8]) -> Vec<u8> {
    let s = UdpSocket::bind("127.0.0.1:0").unwrap();
    s.set_read_timeout(Some(Duration::from_secs(2))).unwrap();
    s.send_to(msg, server).unwrap();
    let mut buf = vec![0u8; 4096];
    let n = s.recv(&mut buf).unwrap();
    buf.truncate(n);
    buf
}

const SHORT: Duration = Duration::from_secs(1);

#[test]
fn bad_dns_servfail() {
    let bad = BadDns::start(BadKind::ServFail);
    let a = query(bad.addr, "example.test", RecordType::MX);
    assert_eq!(a.rcode, 2);
    assert_eq!(a.answer_count, 0);
    let a = query_tcp(bad.addr, "example.test", RecordType::MX);
    assert_eq!(a.rcode, 2);
    assert_eq!((bad.udp_queries(), bad.tcp_connections()), (1, 1));
}

#[test]
fn bad_dns_silent() {
    let bad = BadDns::start(BadKind::Silent);
    let t0 = Instant::now();
    let r = try_query(
        bad.addr,
        "example.test",
        RecordType::A,
        Transport::Udp,
        SHORT,
    );
    assert!(matches!(r, Err(QueryError::Timeout)), "{r:?}");
    assert!(t0.elapsed() >= SHORT);
    let r = try_query(
        bad.addr,
        "example.test",
        RecordType::A,
        Transport::Tcp,
        SHORT,
    );
    assert!(matches!(r, Err(QueryError::Timeout)), "{r:?}");
    assert_eq!((bad.udp_queries(), bad.tcp_connections()), (1, 1));
    // Dropping it with a TCP connection still open does not hang: its threads look at the stop
    // flag every 50 ms. The 30 s limit is a hang guard, not a speed claim.
    let held = std::net::TcpStream::connect(bad.addr).unwrap();
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        drop(bad);
        let _ = tx.send(());
    });
    rx.recv_timeout(Duration::from_secs(30))
        .expect("dropping a BadDns with an open TCP connection hangs");
    drop(held);
}

#[test]
fn bad_dns_truncated_always() {
    let bad = BadDns::start(BadKind::TruncatedAlways);
    let a = query(bad.addr, "big.example.test", RecordType::TXT);
    assert!(a.tc && a.rcode == 0 && a.answer_count == 0, "{a:?}");
    let r = try_query(
        bad.addr,
        "big.example.test",
        RecordType::TXT,
        Transport::Tcp,
        SHORT,
    );
    assert!(matches!(r, Err(QueryError::Closed)), "{r:?}");
}

#[test]
fn bad_dns_garbage() {
    let bad = BadDns::start(BadKind::Garbage);
    for t in [Transport::Udp, Transport::Tcp] {
        // Malformed (not WrongId): the ID matched, the rest does not parse.
        let r = try_query(bad.addr, "example.test", RecordType::MX, t, SHORT);
        assert!(matches!(r, Err(QueryError::Malformed(_))), "{t:?}: {r:?}");
    }
    let raw = udp_raw(
        bad.addr,
        &build_query(0xBEEF, "example.test", RecordType::MX),
    );
    assert_eq!(raw[..2], [0xBE, 0xEF]);
    assert!(parse_message(&raw).is_err());
}

#[test]
fn bad_dns_wrong_id() {
    let bad = BadDns::start(BadKind::WrongId);
    for t in [Transport::Udp, Transport::Tcp] {
        let r = try_query(bad.addr, "mx.example.test", RecordType::A, t, SHORT);
        assert!(matches!(r, Err(QueryError::WrongId { .. })), "{t:?}: {r:?}");
    }
    let raw = udp_raw(
        bad.addr,
        &build_query(0x1234, "mx.example.test", RecordType::A),
    );
    let a = parse_message(&raw).expect("well-formed");
    assert_ne!(a.id, 0x1234);
    assert_eq!(a.rcode, 0);
    assert_eq!(a.data_of(RecordType::A), ["127.0.0.1"]);
    assert_eq!(a.answers[0].name, "mx.example.test.");
}
