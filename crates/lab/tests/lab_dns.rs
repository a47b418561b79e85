//! The lab's authoritative DNS server (lab::dns), queried over real UDP and TCP
//! sockets with hickory-proto messages: authority, NXDOMAIN, NODATA, CNAME
//! chains, REFUSED, EDNS, truncation and the retry over TCP, garbage.

use std::io::{Read, Write};
use std::net::{Ipv4Addr, Ipv6Addr, SocketAddr, TcpStream, UdpSocket};
use std::time::Duration;

use hickory_proto::op::{Edns, Message, MessageType, OpCode, Query, ResponseCode};
use hickory_proto::rr::{Name, RData, RecordType};
use lab::LabError;
use lab::dns::{LabDns, LabRecord};

const ZONE: &str = "example.test";
const T: Duration = Duration::from_secs(5);

/// A runtime and a running server (std sockets talk to it from the test thread).
struct Served {
    dns: LabDns,
    _rt: tokio::runtime::Runtime,
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .expect("runtime")
}

fn serve(records: Vec<LabRecord>) -> Served {
    let rt = runtime();
    let dns = rt
        .block_on(LabDns::start(loopback(), records))
        .expect("start the lab DNS server");
    Served { dns, _rt: rt }
}

fn loopback() -> SocketAddr {
    SocketAddr::from((Ipv4Addr::LOCALHOST, 0))
}

fn big_txt() -> Vec<LabRecord> {
    (0..8)
        .map(|i| {
            LabRecord::txt(
                &format!("big.{ZONE}"),
                &[format!("{i}{}", "x".repeat(200)).as_str()],
            )
        })
        .collect()
}

fn records() -> Vec<LabRecord> {
    let mut r = vec![
        LabRecord::mx(ZONE, 10, &format!("mx1.{ZONE}")),
        LabRecord::mx(ZONE, 20, &format!("mx2.{ZONE}")),
        LabRecord::a(&format!("mx1.{ZONE}"), Ipv4Addr::new(127, 0, 0, 2)),
        LabRecord::a(&format!("mx1.{ZONE}"), Ipv4Addr::new(127, 0, 0, 3)),
        LabRecord::aaaa(&format!("mx1.{ZONE}"), Ipv6Addr::LOCALHOST),
        LabRecord::a(&format!("mx2.{ZONE}"), Ipv4Addr::new(127, 0, 0, 4)).with_ttl(60),
        LabRecord::txt(&format!("_mta-sts.{ZONE}"), &["v=STSv1; ", "id=1;"]),
        LabRecord::tlsa(&format!("_25._tcp.mx1.{ZONE}"), 3, 1, 1, vec![0xab; 32]),
        LabRecord::cname(&format!("alias.{ZONE}"), &format!("alias2.{ZONE}")),
        LabRecord::cname(&format!("alias2.{ZONE}"), &format!("mx2.{ZONE}")),
        LabRecord::cname(&format!("dangling.{ZONE}"), &format!("nowhere.{ZONE}")),
        LabRecord::cname(&format!("loop1.{ZONE}"), &format!("loop2.{ZONE}")),
        LabRecord::cname(&format!("loop2.{ZONE}"), &format!("loop1.{ZONE}")),
        LabRecord::cname(&format!("out.{ZONE}"), "mail.elsewhere.invalid"),
    ];
    r.extend(big_txt());
    r
}

fn query(name: &str, rtype: RecordType, edns: Option<u16>) -> (u16, Vec<u8>) {
    let id = 0x4242;
    let mut q = Message::new(id, MessageType::Query, OpCode::Query);
    q.metadata.recursion_desired = true;
    q.add_query(Query::query(
        Name::from_ascii(format!("{name}.")).expect("name"),
        rtype,
    ));
    if let Some(size) = edns {
        let mut e = Edns::new();
        e.set_max_payload(size);
        e.set_dnssec_ok(true);
        q.set_edns(e);
    }
    (id, q.to_vec().expect("encode"))
}

fn udp_raw(server: SocketAddr, bytes: &[u8], wait: Duration) -> Option<Vec<u8>> {
    let s = UdpSocket::bind(loopback()).expect("udp socket");
    s.set_read_timeout(Some(wait)).expect("timeout");
    s.send_to(bytes, server).expect("send");
    let mut buf = vec![0u8; 65_535];
    match s.recv_from(&mut buf) {
        Ok((n, _)) => Some(buf[..n].to_vec()),
        Err(_) => None,
    }
}

fn udp(server: SocketAddr, name: &str, rtype: RecordType, edns: Option<u16>) -> (Message, usize) {
    let (id, bytes) = query(name, rtype, edns);
    let raw = udp_raw(server, &bytes, T).expect("a UDP answer");
    let m = Message::from_vec(&raw).expect("decode the answer");
    assert_eq!(m.metadata.id, id);
    assert_eq!(m.metadata.message_type, MessageType::Response);
    (m, raw.len())
}

fn tcp_connect(server: SocketAddr) -> TcpStream {
    let s = TcpStream::connect_timeout(&server, T).expect("tcp connect");
    s.set_read_timeout(Some(T)).expect("timeout");
    s
}

fn tcp_send(s: &mut TcpStream, bytes: &[u8]) {
    let len = u16::try_from(bytes.len()).expect("length");
    s.write_all(&len.to_be_bytes()).expect("write");
    s.write_all(bytes).expect("write");
}

fn tcp_read(s: &mut TcpStream) -> Option<Message> {
    let mut len = [0u8; 2];
    s.read_exact(&mut len).ok()?;
    let mut buf = vec![0u8; usize::from(u16::from_be_bytes(len))];
    s.read_exact(&mut buf).ok()?;
    Some(Message::from_vec(&buf).expect("decode the TCP answer"))
}

fn tcp(server: SocketAddr, name: &str, rtype: RecordType) -> Message {
    let mut s = tcp_connect(server);
    tcp_send(&mut s, &query(name, rtype, Some(1232)).1);
    tcp_read(&mut s).expect("a TCP answer")
}

fn soa_in_authority(m: &Message) -> bool {
    m.authorities.len() == 1
        && m.authorities
            .iter()
            .all(|r| matches!(r.data, RData::SOA(_)) && r.name.to_ascii() == format!("{ZONE}."))
}

#[test]
fn authoritative_answers_of_every_type() {
    let s = serve(records());
    let addr = s.dns.addr;
    assert!(addr.ip().is_loopback() && addr.port() != 0);
    assert_eq!(s.dns.zones, vec![ZONE.to_string()]);

    let (m, _) = udp(addr, ZONE, RecordType::MX, None);
    assert_eq!(m.metadata.response_code, ResponseCode::NoError);
    assert!(m.metadata.authoritative, "AA");
    assert!(
        !m.metadata.authentic_data,
        "never AD: the zones are unsigned"
    );
    assert!(!m.metadata.recursion_available);
    assert!(m.metadata.recursion_desired, "RD is copied");
    let mut mx: Vec<(u16, String)> = m
        .answers
        .iter()
        .filter_map(|r| match &r.data {
            RData::MX(mx) => Some((mx.preference, mx.exchange.to_ascii())),
            _ => None,
        })
        .collect();
    mx.sort();
    assert_eq!(
        mx,
        vec![(10, format!("mx1.{ZONE}.")), (20, format!("mx2.{ZONE}."))]
    );
    assert_eq!(m.queries.len(), 1, "the question is echoed");

    let (m, _) = udp(addr, "MX1.Example.TEST", RecordType::A, None);
    let mut a: Vec<String> = m
        .answers
        .iter()
        .filter_map(|r| match &r.data {
            RData::A(a) => Some(a.0.to_string()),
            _ => None,
        })
        .collect();
    a.sort();
    assert_eq!(a, ["127.0.0.2", "127.0.0.3"], "names are case-insensitive");
    assert!(m.answers.iter().all(|r| r.ttl == 300));

    let (m, _) = udp(addr, &format!("mx1.{ZONE}"), RecordType::AAAA, None);
    assert!(
        matches!(&m.answers[..], [r] if matches!(&r.data, RData::AAAA(x) if x.0 == Ipv6Addr::LOCALHOST))
    );

    let (m, _) = udp(addr, &format!("mx2.{ZONE}"), RecordType::A, None);
    assert!(matches!(&m.answers[..], [r] if r.ttl == 60));

    let (m, _) = udp(addr, &format!("_mta-sts.{ZONE}"), RecordType::TXT, None);
    let strings: Vec<Vec<u8>> = m
        .answers
        .iter()
        .flat_map(|r| match &r.data {
            RData::TXT(t) => t.txt_data.iter().map(|s| s.to_vec()).collect(),
            _ => Vec::new(),
        })
        .collect();
    assert_eq!(
        strings,
        vec![b"v=STSv1; ".to_vec(), b"id=1;".to_vec()],
        "one record, two strings"
    );

    let (m, _) = udp(
        addr,
        &format!("_25._tcp.mx1.{ZONE}"),
        RecordType::TLSA,
        None,
    );
    match &m.answers[..] {
        [r] => match &r.data {
            RData::TLSA(t) => {
                assert_eq!(u8::from(t.cert_usage), 3);
                assert_eq!(u8::from(t.selector), 1);
                assert_eq!(u8::from(t.matching), 1);
                assert_eq!(t.cert_data, vec![0xab; 32]);
            }
            other => panic!("not TLSA: {other:?}"),
        },
        other => panic!("one TLSA record expected: {other:?}"),
    }

    // The synthesized SOA at the apex.
    let (m, _) = udp(addr, ZONE, RecordType::SOA, None);
    assert!(matches!(&m.answers[..], [r] if matches!(r.data, RData::SOA(_))));
    assert!(m.metadata.authoritative);
}

#[test]
fn nxdomain_nodata_and_refused() {
    let s = serve(records());
    let addr = s.dns.addr;

    // A name that does not exist: NXDOMAIN, AA, the SOA for negative caching.
    let (m, _) = udp(addr, &format!("nosuch.{ZONE}"), RecordType::A, None);
    assert_eq!(m.metadata.response_code, ResponseCode::NXDomain);
    assert!(m.metadata.authoritative);
    assert!(m.answers.is_empty());
    assert!(soa_in_authority(&m), "{:?}", m.authorities);
    // The TLSA name of an MX without TLSA records.
    let (m, _) = udp(
        addr,
        &format!("_25._tcp.mx2.{ZONE}"),
        RecordType::TLSA,
        None,
    );
    assert_eq!(m.metadata.response_code, ResponseCode::NXDomain);

    // A name that exists without the type: NODATA.
    let (m, _) = udp(addr, &format!("mx2.{ZONE}"), RecordType::AAAA, None);
    assert_eq!(m.metadata.response_code, ResponseCode::NoError);
    assert!(m.metadata.authoritative);
    assert!(m.answers.is_empty());
    assert!(soa_in_authority(&m));
    // An empty non-terminal exists too (RFC 8020: it is not NXDOMAIN).
    let (m, _) = udp(addr, &format!("_tcp.mx1.{ZONE}"), RecordType::TXT, None);
    assert_eq!(m.metadata.response_code, ResponseCode::NoError);
    assert!(m.answers.is_empty() && soa_in_authority(&m));
    // The apex without A records.
    let (m, _) = udp(addr, ZONE, RecordType::A, None);
    assert_eq!(m.metadata.response_code, ResponseCode::NoError);
    assert!(m.answers.is_empty() && soa_in_authority(&m));

    // Outside the zones: REFUSED, not authoritative, nothing else.
    for name in [
        "example.com",
        "test",
        "badexample.test",
        "mx1.example.test.evil",
    ] {
        let (m, _) = udp(addr, name, RecordType::A, None);
        assert_eq!(m.metadata.response_code, ResponseCode::Refused, "{name}");
        assert!(!m.metadata.authoritative, "{name}");
        assert!(m.answers.is_empty() && m.authorities.is_empty(), "{name}");
    }
    // Zone transfers are not served.
    let (m, _) = udp(addr, ZONE, RecordType::AXFR, None);
    assert_eq!(m.metadata.response_code, ResponseCode::Refused);
}

#[test]
fn explicit_zones_make_missing_names_nxdomain() {
    let rt = runtime();
    let dns = rt
        .block_on(LabDns::start_zones(
            loopback(),
            &["zone.test", "other.test"],
            vec![LabRecord::a("host.zone.test", Ipv4Addr::LOCALHOST)],
        ))
        .expect("start");
    let (m, _) = udp(dns.addr, "nosuch.other.test", RecordType::A, None);
    assert_eq!(m.metadata.response_code, ResponseCode::NXDomain);
    let (m, _) = udp(dns.addr, "zone.test", RecordType::MX, None);
    assert_eq!(m.metadata.response_code, ResponseCode::NoError);
    assert!(
        m.authorities
            .iter()
            .any(|r| r.name.to_ascii() == "zone.test.")
    );
    // A record outside the zones given is a mistake.
    let e = rt
        .block_on(LabDns::start_zones(
            loopback(),
            &["zone.test"],
            vec![LabRecord::a("host.elsewhere.test", Ipv4Addr::LOCALHOST)],
        ))
        .expect_err("outside its zone");
    assert!(e.to_string().contains("none of the zones"), "{e}");
}

#[test]
fn cname_chains_are_followed_with_a_loop_guard() {
    let s = serve(records());
    let addr = s.dns.addr;

    let (m, _) = udp(addr, &format!("alias.{ZONE}"), RecordType::A, None);
    assert_eq!(m.metadata.response_code, ResponseCode::NoError);
    let kinds: Vec<(String, RecordType)> = m
        .answers
        .iter()
        .map(|r| (r.name.to_ascii(), r.record_type()))
        .collect();
    assert_eq!(
        kinds,
        vec![
            (format!("alias.{ZONE}."), RecordType::CNAME),
            (format!("alias2.{ZONE}."), RecordType::CNAME),
            (format!("mx2.{ZONE}."), RecordType::A),
        ]
    );

    // The chain ends at a missing name: the CNAME, and NXDOMAIN for its target (RFC 6604).
    let (m, _) = udp(addr, &format!("dangling.{ZONE}"), RecordType::A, None);
    assert_eq!(m.metadata.response_code, ResponseCode::NXDomain);
    assert_eq!(m.answers.len(), 1);
    assert!(soa_in_authority(&m));

    // Asking for the CNAME itself does not follow it.
    let (m, _) = udp(addr, &format!("alias.{ZONE}"), RecordType::CNAME, None);
    assert!(matches!(&m.answers[..], [r] if r.record_type() == RecordType::CNAME));

    // A loop ends: each alias once.
    let (m, _) = udp(addr, &format!("loop1.{ZONE}"), RecordType::A, None);
    assert_eq!(m.metadata.response_code, ResponseCode::NoError);
    assert_eq!(m.answers.len(), 2, "{:?}", m.answers);
    assert!(
        m.answers
            .iter()
            .all(|r| r.record_type() == RecordType::CNAME)
    );

    // A target outside the zones: the CNAME only; the client asks elsewhere.
    let (m, _) = udp(addr, &format!("out.{ZONE}"), RecordType::A, None);
    assert_eq!(m.metadata.response_code, ResponseCode::NoError);
    assert!(matches!(&m.answers[..], [r] if r.record_type() == RecordType::CNAME));
    assert!(m.authorities.is_empty());
}

#[test]
fn edns_is_echoed_and_large_answers_are_truncated_then_served_over_tcp() {
    let s = serve(records());
    let addr = s.dns.addr;

    // EDNS in, EDNS out (DO copied); none in, none out.
    let (m, _) = udp(addr, &format!("mx1.{ZONE}"), RecordType::A, Some(4096));
    let e = m.edns.as_ref().expect("EDNS echoed");
    assert_eq!(e.max_payload(), 1232);
    assert_eq!(e.version(), 0);
    assert!(e.flags().dnssec_ok);
    let (m, _) = udp(addr, &format!("mx1.{ZONE}"), RecordType::A, None);
    assert!(m.edns.is_none());

    // An EDNS version we do not speak: BADVERS (RFC 6891 §6.1.3).
    let (_, bytes) = query(&format!("mx1.{ZONE}"), RecordType::A, None);
    let mut q = Message::from_vec(&bytes).expect("decode");
    let mut e = Edns::new();
    e.set_version(1);
    q.set_edns(e);
    let raw = udp_raw(addr, &q.to_vec().expect("encode"), T).expect("answer");
    let m = Message::from_vec(&raw).expect("decode");
    // Code 16 (hickory decodes it as BADSIG, which shares the number).
    assert_eq!(u16::from(m.metadata.response_code), 16);
    assert!(m.edns.is_some());

    // 8 TXT records of ~200 bytes: over 1232, so TC over UDP with only the question.
    let big = format!("big.{ZONE}");
    for edns in [Some(4096), Some(1232), Some(600), None] {
        let (m, len) = udp(addr, &big, RecordType::TXT, edns);
        assert!(m.metadata.truncation, "TC with EDNS {edns:?}");
        assert!(m.answers.is_empty(), "{edns:?}");
        assert_eq!(m.queries.len(), 1);
        assert!(len <= 512, "{len}");
        assert!(m.metadata.authoritative);
    }
    assert!(s.dns.truncated_answers() >= 4);
    // The same question over TCP: the whole answer.
    let m = tcp(addr, &big, RecordType::TXT);
    assert!(!m.metadata.truncation);
    assert_eq!(m.answers.len(), 8);
    assert!(m.metadata.authoritative);
    assert!(s.dns.tcp_queries() >= 1);

    // A smaller answer fits the client's EDNS size but not the 512 bytes of plain DNS.
    let mid: Vec<LabRecord> = (0..3)
        .map(|i| {
            LabRecord::txt(
                "mid.size.test",
                &[format!("{i}{}", "y".repeat(200)).as_str()],
            )
        })
        .collect();
    let s2 = serve(mid);
    let (m, len) = udp(s2.dns.addr, "mid.size.test", RecordType::TXT, Some(1232));
    assert!(!m.metadata.truncation && m.answers.len() == 3 && len > 512);
    let (m, _) = udp(s2.dns.addr, "mid.size.test", RecordType::TXT, Some(512));
    assert!(m.metadata.truncation);
    let (m, _) = udp(s2.dns.addr, "mid.size.test", RecordType::TXT, None);
    assert!(m.metadata.truncation);
}

#[test]
fn several_queries_on_one_tcp_connection() {
    let s = serve(records());
    let mut c = tcp_connect(s.dns.addr);
    for name in [
        format!("mx1.{ZONE}"),
        format!("mx2.{ZONE}"),
        "example.com".into(),
    ] {
        tcp_send(&mut c, &query(&name, RecordType::A, None).1);
        let m = tcp_read(&mut c).expect("answer");
        assert_eq!(m.queries.len(), 1);
    }
    // A zero length ends the connection.
    c.write_all(&[0, 0]).expect("write");
    assert!(tcp_read(&mut c).is_none());
}

#[test]
fn garbage_is_ignored_and_the_server_keeps_answering() {
    let s = serve(records());
    let addr = s.dns.addr;
    let short = Duration::from_millis(300);
    let (_, good) = query(&format!("mx1.{ZONE}"), RecordType::A, None);
    let mut garbage: Vec<Vec<u8>> = vec![
        Vec::new(),
        vec![0],
        vec![0xff; 11],
        vec![0xff; 12],
        vec![0xff; 512],
        good[..good.len() - 3].to_vec(),
        b"GET / HTTP/1.1\r\n\r\n".to_vec(),
    ];
    // A question count far beyond the packet, and a name with a compression loop.
    let mut many = good.clone();
    many[4] = 0xff;
    many[5] = 0xff;
    garbage.push(many);
    let mut ptr_loop = good[..12].to_vec();
    ptr_loop.extend_from_slice(&[0xc0, 12, 0, 1, 0, 1]);
    garbage.push(ptr_loop);
    // An answer (QR=1) is never answered (no loops between servers).
    let mut answer = good.clone();
    answer[2] |= 0x80;
    garbage.push(answer);
    let mut state = 0x9e37_79b9_u32;
    for len in [13usize, 40, 100, 300, 1500] {
        garbage.push(
            (0..len)
                .map(|_| {
                    state ^= state << 13;
                    state ^= state >> 17;
                    state ^= state << 5;
                    state.to_le_bytes()[1]
                })
                .collect(),
        );
    }
    for g in &garbage {
        if let Some(raw) = udp_raw(addr, g, short) {
            // Whatever came back must at least be a well-formed answer to it.
            let m = Message::from_vec(&raw).expect("a well-formed answer");
            assert_eq!(m.metadata.message_type, MessageType::Response);
        }
        // The server still answers.
        let (m, _) = udp(addr, &format!("mx1.{ZONE}"), RecordType::A, None);
        assert_eq!(m.answers.len(), 2);
    }
    assert!(s.dns.ignored_packets() >= 8, "{}", s.dns.ignored_packets());

    // TCP: garbage closes the connection, the server lives on.
    let mut c = tcp_connect(addr);
    tcp_send(&mut c, &[0xff; 20]);
    assert!(tcp_read(&mut c).is_none());
    // A length prefix promising more than is sent: the server waits, then gives up; others are served.
    let mut stalled = tcp_connect(addr);
    stalled.write_all(&[0xff, 0xff, 1, 2, 3]).expect("write");
    let m = tcp(addr, &format!("mx1.{ZONE}"), RecordType::A);
    assert_eq!(m.answers.len(), 2);
    drop(stalled);
}

#[test]
fn refuses_bad_configurations_and_stops_on_drop() {
    let rt = runtime();
    let e = rt
        .block_on(LabDns::start(
            SocketAddr::from(([192, 0, 2, 1], 0)),
            vec![LabRecord::a("a.test", Ipv4Addr::LOCALHOST)],
        ))
        .expect_err("not loopback");
    assert!(
        matches!(&e, LabError::Bind { source, .. } if source.kind() == std::io::ErrorKind::InvalidInput),
        "{e}"
    );
    for bad in [
        vec![LabRecord::txt("a.test", &["z".repeat(256).as_str()])],
        vec![
            LabRecord::cname("a.test", "b.test"),
            LabRecord::txt("a.test", &["x"]),
        ],
        vec![LabRecord::a("no..name.test", Ipv4Addr::LOCALHOST)],
        Vec::new(),
    ] {
        assert!(rt.block_on(LabDns::start(loopback(), bad)).is_err());
    }

    let dns = rt
        .block_on(LabDns::start(
            loopback(),
            vec![LabRecord::a("a.test", Ipv4Addr::LOCALHOST)],
        ))
        .expect("start");
    let addr = dns.addr;
    let (m, _) = udp(addr, "a.test", RecordType::A, None);
    assert_eq!(m.answers.len(), 1);
    rt.block_on(dns.shutdown());
    let (_, q) = query("a.test", RecordType::A, None);
    assert!(udp_raw(addr, &q, Duration::from_millis(300)).is_none());
    assert!(TcpStream::connect_timeout(&addr, T).is_err());
}

/// `start_bogus`: the data of a bogus owner is SERVFAIL without CD and served with CD=1, as a
/// validating resolver answers; other names are answered as always, without AD.
#[test]
fn bogus_owners_are_servfail_unless_checking_is_disabled() {
    let rt = runtime();
    let mx1 = format!("mx1.{ZONE}");
    let dns = rt
        .block_on(LabDns::start_bogus(loopback(), records(), &[&mx1]))
        .expect("start");
    let (m, _) = udp(dns.addr, &mx1, RecordType::A, Some(1232));
    assert_eq!(m.metadata.response_code, ResponseCode::ServFail);
    assert!(m.answers.is_empty());
    let (id, mut bytes) = query(&mx1, RecordType::A, Some(1232));
    // CD is bit 4 of the fourth header byte (RFC 4035 §3.2.2).
    bytes[3] |= 0x10;
    let raw = udp_raw(dns.addr, &bytes, T).expect("an answer");
    let m = Message::from_vec(&raw).expect("decode");
    assert_eq!(m.metadata.id, id);
    assert!(m.metadata.checking_disabled);
    assert_eq!(m.metadata.response_code, ResponseCode::NoError);
    assert_eq!(m.answers.len(), 2, "{:?}", m.answers);
    assert!(!m.metadata.authentic_data);
    // Another owner: answered as always.
    let (m, _) = udp(dns.addr, ZONE, RecordType::MX, Some(1232));
    assert_eq!(m.metadata.response_code, ResponseCode::NoError);
    assert_eq!(m.answers.len(), 2);
    assert!(!m.metadata.authentic_data);
}
