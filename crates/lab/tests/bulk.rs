//! The bulk world (lab::bulk): it starts, its DNS answers for its domains, its targets file and
//! expected list agree line by line, every class is there, its MX hosts greet and count their
//! connections, the tarpit stays silent. Only loopback is contacted.

use std::collections::HashSet;
use std::io::{Read, Write};
use std::net::{Ipv4Addr, SocketAddr, TcpStream, UdpSocket};
use std::time::Duration;

use hickory_proto::op::{Message, MessageType, OpCode, Query, ResponseCode};
use hickory_proto::rr::{Name, RData, RecordType};
use lab::bulk::{BulkSpec, BulkWorld, Class};

const T: Duration = Duration::from_secs(5);

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime")
}

fn udp(server: SocketAddr, name: &str, rtype: RecordType) -> Message {
    let mut q = Message::new(0x4242, MessageType::Query, OpCode::Query);
    q.add_query(Query::query(
        Name::from_ascii(format!("{name}.")).expect("name"),
        rtype,
    ));
    let s = UdpSocket::bind((Ipv4Addr::LOCALHOST, 0)).expect("udp socket");
    s.set_read_timeout(Some(T)).expect("timeout");
    s.send_to(&q.to_vec().expect("encode"), server)
        .expect("send");
    let mut buf = vec![0u8; 65_535];
    let (n, _) = s.recv_from(&mut buf).expect("a UDP answer");
    Message::from_vec(&buf[..n]).expect("decode")
}

fn mx_of(m: &Message) -> Vec<String> {
    m.answers
        .iter()
        .filter_map(|r| match &r.data {
            RData::MX(mx) => Some(mx.exchange.to_ascii().trim_end_matches('.').to_string()),
            _ => None,
        })
        .collect()
}

fn start(domains: usize, tarpit: bool) -> (BulkWorld, tokio::runtime::Runtime, tempfile::TempDir) {
    let rt = runtime();
    let dir = tempfile::tempdir().expect("temp dir");
    let world = rt
        .block_on(BulkWorld::start(dir.path(), &BulkSpec { domains, tarpit }))
        .expect("start the bulk world");
    (world, rt, dir)
}

#[test]
fn world_of_forty_domains() {
    let (w, rt, _dir) = start(40, true);
    // The targets file: one expected entry per target line, in order, at the right line.
    let text = w.targets_text();
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), w.lines.len());
    let targets: Vec<(usize, &str)> = lines
        .iter()
        .enumerate()
        .filter(|(_, l)| !l.trim().is_empty() && !l.trim_start().starts_with('#'))
        .map(|(i, l)| (i + 1, *l))
        .collect();
    assert_eq!(targets.len(), w.expected.len());
    for ((line, input), e) in targets.iter().zip(&w.expected) {
        assert_eq!((*line, *input), (e.line, e.input.as_str()));
    }
    assert!(lines.iter().any(|l| l.is_empty()), "a blank line");
    assert!(
        lines.iter().any(|l| l.starts_with("   #")),
        "an indented comment"
    );
    // Every class, and duplicates of earlier lines.
    let classes: HashSet<&str> = w.expected.iter().map(|e| e.class).collect();
    for c in Class::ALL {
        assert!(classes.contains(c.name()), "class {} missing", c.name());
    }
    let mut seen = HashSet::new();
    let dups = w
        .expected
        .iter()
        .filter(|e| !seen.insert(e.input.as_str()) && e.class != "invalid")
        .count();
    assert!(dups >= 2, "{dups} duplicates");
    assert_eq!(w.domains.len(), 40);
    let good = w.domains.iter().filter(|d| d.1 == Class::Good).count();
    assert!(good * 2 > w.domains.len(), "most domains are good");

    // DNS: a good domain has MX on the good hosts, whose A record is the address it listens on.
    let (good_domain, _) = w
        .domains
        .iter()
        .find(|d| d.1 == Class::Good)
        .expect("a good domain");
    let m = udp(w.dns.addr, good_domain, RecordType::MX);
    assert_eq!(m.metadata.response_code, ResponseCode::NoError);
    assert!(m.metadata.authoritative);
    let mx = mx_of(&m);
    assert!(!mx.is_empty(), "{good_domain}: {m:?}");
    for host in &mx {
        assert!(w.mx_hosts.contains(host), "{host}");
        let a = udp(w.dns.addr, host, RecordType::A);
        let ips: Vec<String> = a.answers.iter().map(|r| r.data.to_string()).collect();
        let served: Vec<String> =
            w.mx.addrs(host)
                .iter()
                .map(|s| s.ip().to_string())
                .collect();
        assert_eq!(ips, served, "{host}");
    }
    // NXDOMAIN, and the MX host without address.
    let (nx, _) = w
        .domains
        .iter()
        .find(|d| d.1 == Class::Nxdomain)
        .expect("an nxdomain domain");
    let m = udp(w.dns.addr, nx, RecordType::MX);
    assert_eq!(m.metadata.response_code, ResponseCode::NXDomain);
    let (un, _) = w
        .domains
        .iter()
        .find(|d| d.1 == Class::UnreachableMx)
        .expect("an unreachable-mx domain");
    let mx = mx_of(&udp(w.dns.addr, un, RecordType::MX));
    let [host] = mx.as_slice() else {
        panic!("{un}: {mx:?}");
    };
    for t in [RecordType::A, RecordType::AAAA] {
        assert!(udp(w.dns.addr, host, t).answers.is_empty(), "{host} {t}");
    }

    // An MX host greets, and counts the connection.
    let host = w.mx_hosts.first().expect("a host").clone();
    assert_eq!(w.connections_to(&host), Some(0));
    let addr = *w.mx.addrs(&host).first().expect("an address");
    let mut s = TcpStream::connect_timeout(&addr, T).expect("connect");
    s.set_read_timeout(Some(T)).expect("timeout");
    let mut banner = [0u8; 3];
    s.read_exact(&mut banner).expect("banner");
    assert_eq!(&banner, b"220");
    drop(s);
    assert_eq!(w.connections_to(&host), Some(1));
    assert_eq!(w.connections_to("mx-dead.bulk.lab.test"), None);

    // The tarpit accepts and says nothing.
    let (tarpit_host, tarpit_addr) = w.tarpit.clone().expect("a tarpit");
    let mut s = TcpStream::connect_timeout(&tarpit_addr, T).expect("connect to the tarpit");
    s.set_read_timeout(Some(Duration::from_millis(300)))
        .expect("timeout");
    s.write_all(b"EHLO x\r\n").expect("write");
    let mut buf = [0u8; 16];
    let r = s.read(&mut buf);
    assert!(
        matches!(&r, Err(e) if matches!(e.kind(), std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut)),
        "{r:?}"
    );
    assert_eq!(w.connections_to(&tarpit_host), Some(1));

    // The check flags name this world.
    let args = w.check_args();
    assert!(args.contains(&w.dns.addr.to_string()));
    assert!(args.contains(&w.port.to_string()));
    assert!(args.contains(&"--no-fetch".to_string()));
    let json = w.expected_json();
    assert_eq!(json.matches("\"line\":").count(), w.expected.len());

    rt.block_on(w.shutdown());
}

#[test]
fn too_small_a_world_is_refused() {
    let rt = runtime();
    let dir = tempfile::tempdir().expect("temp dir");
    let r = rt.block_on(BulkWorld::start(
        dir.path(),
        &BulkSpec {
            domains: 9,
            tarpit: false,
        },
    ));
    assert!(r.is_err());
}

/// Ten thousand domains: the zone builds and answers quickly (records and zones are indexed).
#[test]
fn ten_thousand_domains_answer_fast() {
    let t0 = std::time::Instant::now();
    let (w, rt, _dir) = start(10_000, false);
    let last = w.domains.last().expect("domains").0.clone();
    assert_eq!(last, "d10000.bulk.lab.test");
    let t1 = std::time::Instant::now();
    for (name, class) in w.domains.iter().step_by(97) {
        let m = udp(w.dns.addr, name, RecordType::MX);
        let want = if *class == Class::Nxdomain {
            ResponseCode::NXDomain
        } else {
            ResponseCode::NoError
        };
        assert_eq!(m.metadata.response_code, want, "{name}");
    }
    let queries = t1.elapsed();
    assert!(
        queries < Duration::from_secs(5),
        "104 queries took {queries:?} (start: {:?})",
        t1 - t0
    );
    rt.block_on(w.shutdown());
}
