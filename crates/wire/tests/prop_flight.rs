//! Property tests for probing: the FlightParser never panics and decides
//! the same whatever the TCP chunking, and every ClientHello that
//! build_client_hello makes parses back with parse_client_hello.

use proptest::prelude::*;
use smtp_tls_doctor_wire as wire;
use wire::tls::client_hello::{MAX_SNI, MAX_SUITES};
use wire::tls::{
    ClientHelloSpec, FlightOutcome, FlightParser, HELLO_RETRY_REQUEST_RANDOM, Incomplete,
    build_client_hello, parse_client_hello, split_records,
};

fn u16_vec(data: &[u8]) -> Vec<u8> {
    let mut v = (data.len() as u16).to_be_bytes().to_vec();
    v.extend_from_slice(data);
    v
}

fn u24_vec(data: &[u8]) -> Vec<u8> {
    let mut v = (data.len() as u32).to_be_bytes()[1..].to_vec();
    v.extend_from_slice(data);
    v
}

fn ext(typ: u16, data: &[u8]) -> Vec<u8> {
    let mut v = typ.to_be_bytes().to_vec();
    v.extend(u16_vec(data));
    v
}

/// A ServerHello body, well-formed or nearly: any version, sometimes the
/// HelloRetryRequest random, supported_versions and key_share sometimes.
fn arb_server_hello() -> impl Strategy<Value = Vec<u8>> {
    (
        prop_oneof![Just(0x0303u16), Just(0x0301), Just(0x0300), any::<u16>()],
        any::<bool>(),
        0usize..=32,
        prop_oneof![
            Just(0xc02fu16),
            Just(0x009e),
            Just(0x002f),
            Just(0x1301),
            any::<u16>()
        ],
        proptest::option::of(prop_oneof![Just(0x0304u16), any::<u16>()]),
        proptest::option::of(any::<u16>()),
        any::<bool>(),
    )
        .prop_map(|(version, hrr, sid, suite, sv, ks, with_ext)| {
            let mut b = version.to_be_bytes().to_vec();
            if hrr {
                b.extend(HELLO_RETRY_REQUEST_RANDOM);
            } else {
                b.extend([0x55; 32]);
            }
            b.push(sid as u8);
            b.extend(vec![0x22; sid]);
            b.extend(suite.to_be_bytes());
            b.push(0);
            if with_ext {
                let mut exts = Vec::new();
                if let Some(v) = sv {
                    exts.extend(ext(43, &v.to_be_bytes()));
                }
                if let Some(g) = ks {
                    let mut data = g.to_be_bytes().to_vec();
                    if !hrr {
                        data.extend(u16_vec(&[0x66; 32]));
                    }
                    exts.extend(ext(51, &data));
                }
                b.extend(u16_vec(&exts));
            }
            b
        })
}

/// One handshake message of a server flight.
fn arb_message() -> impl Strategy<Value = Vec<u8>> {
    let body = prop_oneof![
        4 => arb_server_hello().prop_map(|b| (2u8, b)),
        2 => proptest::collection::vec(proptest::collection::vec(any::<u8>(), 0..50), 0..3)
            .prop_map(|certs| {
                let list: Vec<u8> = certs.iter().flat_map(|c| u24_vec(c)).collect();
                (11u8, u24_vec(&list))
            }),
        2 => (prop_oneof![Just(3u8), any::<u8>()], any::<u16>(), proptest::collection::vec(any::<u8>(), 0..40))
            .prop_map(|(t, g, rest)| {
                let mut b = vec![t];
                b.extend(g.to_be_bytes());
                b.extend(rest);
                (12u8, b)
            }),
        2 => Just((14u8, Vec::new())),
        1 => (any::<u8>(), proptest::collection::vec(any::<u8>(), 0..30)),
    ];
    body.prop_map(|(typ, body)| {
        let mut m = vec![typ];
        m.extend(u24_vec(&body));
        m
    })
}

/// A server's answer: handshake messages cut into records of random sizes,
/// with alerts, ChangeCipherSpec, application data, SSLv2 records or
/// plain bytes mixed in.
fn arb_flight() -> impl Strategy<Value = Vec<u8>> {
    let piece = prop_oneof![
        6 => (proptest::collection::vec(arb_message(), 1..4), 1usize..200).prop_map(|(msgs, size)| {
            let all = msgs.concat();
            let mut out = Vec::new();
            for part in all.chunks(size) {
                out.extend([22, 3, 3]);
                out.extend(u16_vec(part));
            }
            out
        }),
        1 => proptest::collection::vec(any::<u8>(), 0..3).prop_map(|p| {
            let mut r = vec![21, 3, 3];
            r.extend(u16_vec(&p));
            r
        }),
        1 => Just(vec![20, 3, 3, 0, 1, 1]),
        1 => proptest::collection::vec(any::<u8>(), 0..40).prop_map(|p| {
            let mut r = vec![23, 3, 3];
            r.extend(u16_vec(&p));
            r
        }),
        1 => proptest::collection::vec(any::<u8>(), 0..60).prop_map(|mut p| {
            let len = p.len() as u16;
            let mut r = (0x8000 | len).to_be_bytes().to_vec();
            if let Some(first) = p.first_mut() {
                *first = if len.is_multiple_of(2) { 4 } else { 0 };
            }
            r.extend(p);
            r
        }),
        1 => proptest::collection::vec(any::<u8>(), 0..20),
        1 => Just(b"454 4.7.0 TLS not available\r\n".to_vec()),
    ];
    proptest::collection::vec(piece, 0..5).prop_map(|pieces| pieces.concat())
}

/// Feeds `bytes` in chunks of the given sizes (cycled), then finishes.
fn run(bytes: &[u8], sslv2: bool, sizes: &[usize]) -> Result<FlightOutcome, Incomplete> {
    let mut p = FlightParser::new(sslv2);
    let mut sizes = sizes.iter().cycle();
    let mut rest = bytes;
    while !rest.is_empty() {
        let n = (*sizes.next().unwrap_or(&1)).clamp(1, rest.len());
        let (chunk, tail) = rest.split_at(n);
        if let Some(outcome) = p.feed(chunk) {
            return Ok(outcome);
        }
        rest = tail;
    }
    p.finish()
}

fn check_chunking(bytes: &[u8], sslv2: bool, sizes: &[usize]) -> Result<(), TestCaseError> {
    let whole = run(bytes, sslv2, &[usize::MAX]);
    prop_assert_eq!(&run(bytes, sslv2, &[1]), &whole);
    prop_assert_eq!(&run(bytes, sslv2, sizes), &whole);
    if let Err(inc) = &whole {
        prop_assert_eq!(inc.received, bytes.len());
    }
    Ok(())
}

fn arb_spec() -> impl Strategy<Value = ClientHelloSpec> {
    let lists = (
        proptest::collection::vec(any::<u16>(), 0..300),
        proptest::collection::vec(any::<u16>(), 0..60),
        proptest::collection::vec(
            prop_oneof![
                Just(29u16),
                Just(23),
                Just(24),
                Just(25),
                Just(30),
                Just(256),
                Just(0x11ec)
            ],
            0..4,
        ),
        proptest::collection::vec(any::<u16>(), 0..60),
        proptest::option::of(proptest::collection::vec(any::<u16>(), 0..10)),
    );
    let flags = (
        0x0300u16..=0x0304,
        prop_oneof![Just(0x0301u16), Just(0x0300), 0x0300u16..=0x03ff],
        proptest::option::of("[a-z0-9.-]{0,80}|.{0,300}"),
        any::<[bool; 7]>(),
    );
    (lists, flags).prop_map(
        |(
            (suites, groups, key_shares, sig_algs, versions),
            (max_version, record_version, sni, f),
        )| {
            ClientHelloSpec {
                max_version,
                versions,
                record_version,
                suites,
                groups,
                key_shares,
                sig_algs,
                sni,
                ec_point_formats: f[0],
                extended_master_secret: f[1],
                renegotiation_info: f[2],
                renegotiated_connection: Vec::new(),
                session_ticket: f[3],
                status_request: f[4],
                no_extensions: f[5] && f[6],
                encrypt_then_mac: false,
                heartbeat: false,
                compression: Vec::new(),
            }
        },
    )
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn flight_parser_never_panics_on_any_bytes(
        bytes in proptest::collection::vec(any::<u8>(), 0..400),
        sslv2 in any::<bool>(),
        sizes in proptest::collection::vec(1usize..50, 1..5),
    ) {
        check_chunking(&bytes, sslv2, &sizes)?;
    }

    #[test]
    fn flight_parser_is_chunking_independent(
        bytes in arb_flight(),
        sslv2 in any::<bool>(),
        sizes in proptest::collection::vec(1usize..300, 1..5),
    ) {
        check_chunking(&bytes, sslv2, &sizes)?;
    }

    #[test]
    fn client_hellos_parse_back(
        spec in arb_spec(),
        random in any::<[u8; 32]>(),
        session_id in proptest::collection::vec(any::<u8>(), 0..40),
    ) {
        let wire = build_client_hello(&spec, &random, &session_id);
        let (records, consumed, err) = split_records(&wire);
        prop_assert_eq!(consumed, wire.len());
        prop_assert!(err.is_none());
        let mut message = Vec::new();
        for r in &records {
            prop_assert_eq!(r.content_type, 22);
            prop_assert_eq!(r.version, spec.record_version);
            prop_assert!(r.payload.len() <= 1 << 14 && !r.payload.is_empty());
            message.extend_from_slice(r.payload);
        }
        prop_assert_eq!(message[0], 1);
        let len = u32::from_be_bytes([0, message[1], message[2], message[3]]) as usize;
        prop_assert_eq!(len + 4, message.len());
        let ch = parse_client_hello(&message[4..]);
        prop_assert!(ch.is_ok(), "{:?}", ch);
        let Ok(ch) = ch else { unreachable!() };

        prop_assert_eq!(ch.legacy_version, spec.max_version.min(0x0303));
        prop_assert_eq!(ch.session_id_len, session_id.len().min(32));
        prop_assert_eq!(&message[6..38], &random[..]);
        let mut suites: Vec<u16> = spec.suites.iter().copied().take(MAX_SUITES - 1).collect();
        if spec.no_extensions && spec.renegotiation_info && !suites.contains(&0x00ff) {
            suites.push(0x00ff);
        }
        prop_assert_eq!(&ch.cipher_suites, &suites);
        prop_assert_eq!(&ch.compression_methods, &[0u8]);
        if spec.no_extensions {
            prop_assert!(ch.extensions.is_empty());
        } else {
            let sni = spec.sni.as_ref().map(|s| {
                let mut end = s.len().min(MAX_SNI);
                while !s.is_char_boundary(end) {
                    end -= 1;
                }
                s[..end].to_owned()
            });
            prop_assert_eq!(&ch.sni, &sni);
            prop_assert_eq!(&ch.supported_groups, &spec.groups);
            let expected_versions = match &spec.versions {
                Some(v) => v.clone(),
                None if spec.max_version >= 0x0304 => vec![spec.max_version],
                None => Vec::new(),
            };
            prop_assert_eq!(&ch.supported_versions, &expected_versions);
            let tls13 = ch.supported_versions.iter().any(|&v| v >= 0x0304 && !wire::tls::is_grease(v));
            prop_assert_eq!(ch.extensions.contains(&51), tls13);
            if tls13 {
                let shares: Vec<u16> = spec.key_shares.iter().copied().filter(|&g| g != 0x11ec).collect();
                prop_assert_eq!(&ch.key_share_groups, &shares);
            }
            if spec.max_version >= 0x0303 || tls13 {
                prop_assert_eq!(&ch.signature_algorithms, &spec.sig_algs);
            } else {
                prop_assert!(ch.signature_algorithms.is_empty());
            }
            prop_assert_eq!(ch.extensions.contains(&0xff01), spec.renegotiation_info);
            prop_assert_eq!(ch.extensions.contains(&23), spec.extended_master_secret);
            prop_assert_eq!(ch.extensions.contains(&5), spec.status_request);
            prop_assert_eq!(ch.extensions.contains(&35), spec.session_ticket);
            prop_assert_eq!(ch.extensions.contains(&11), spec.ec_point_formats);
            // No extension twice.
            let mut types = ch.extensions.clone();
            types.sort_unstable();
            types.dedup();
            prop_assert_eq!(types.len(), ch.extensions.len());
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    /// The battery's reply reader: no panic on any bytes, at most 8 bytes kept, the same
    /// decision whatever the chunking.
    #[test]
    fn probe_reply_reader_is_bounded_and_chunking_blind(
        bytes in proptest::collection::vec(any::<u8>(), 0..64),
        split in 0usize..64,
    ) {
        use wire::tls::probe::ReplyReader;
        let mut whole = ReplyReader::new();
        let a = whole.feed(&bytes);
        prop_assert!(whole.seen() <= 8);
        let (x, y) = bytes.split_at(split.min(bytes.len()));
        let mut parts = ReplyReader::new();
        let b = parts.feed(x).or_else(|| parts.feed(y));
        prop_assert_eq!(a, b);
    }
}
