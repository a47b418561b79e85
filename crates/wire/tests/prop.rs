//! Property tests: the parsers never panic, replies round-trip whatever the
//! split point, and the TLS transcript does not depend on TCP chunking.

use proptest::prelude::*;
use smtp_tls_doctor_wire as wire;
use wire::smtp::{Limits, Parsed, Reply, parse_ehlo, parse_reply};
use wire::tls::{Direction, MessageSummary, Transcript, split_records};

fn arb_limits() -> impl Strategy<Value = Limits> {
    (0usize..64, 0usize..8).prop_map(|(max_line, max_lines)| Limits {
        max_line,
        max_lines,
    })
}

/// Reply text: any characters but CR and LF (lossy UTF-8 is the identity
/// on valid UTF-8).
fn arb_text() -> impl Strategy<Value = String> {
    proptest::string::string_regex("[^\r\n]{0,60}").expect("valid regex")
}

fn arb_reply() -> impl Strategy<Value = Reply> {
    (200u16..=599, proptest::collection::vec(arb_text(), 1..8))
        .prop_map(|(code, lines)| Reply { code, lines })
}

fn wire_bytes(reply: &Reply) -> Vec<u8> {
    let mut out = Vec::new();
    for line in reply.to_wire_lines() {
        out.extend_from_slice(line.as_bytes());
        out.extend_from_slice(b"\r\n");
    }
    out
}

/// A byte stream that looks like TLS often enough to reach deep code:
/// records with plausible headers (sometimes wrong), handshake messages
/// inside, and plain random bytes.
fn arb_tls_piece() -> impl Strategy<Value = Vec<u8>> {
    let handshake = (
        prop_oneof![
            Just(1u8),
            Just(2),
            Just(4),
            Just(11),
            Just(12),
            Just(14),
            Just(16),
            any::<u8>()
        ],
        proptest::collection::vec(any::<u8>(), 0..200),
    )
        .prop_map(|(typ, body)| {
            let mut msg = vec![typ];
            msg.extend(&(body.len() as u32).to_be_bytes()[1..]);
            msg.extend(body);
            msg
        });
    let payload = prop_oneof![
        handshake,
        proptest::collection::vec(any::<u8>(), 0..100),
        Just(vec![1u8]),
        Just(vec![2u8, 40]),
    ];
    let record = (
        prop_oneof![Just(20u8), Just(21), Just(22), Just(23), Just(24)],
        payload,
    )
        .prop_map(|(ct, payload)| {
            let mut r = vec![ct, 3, 3];
            r.extend((payload.len() as u16).to_be_bytes());
            r.extend(payload);
            r
        });
    prop_oneof![
        8 => record,
        1 => proptest::collection::vec(any::<u8>(), 0..40),
    ]
}

fn arb_events() -> impl Strategy<Value = Vec<(bool, Vec<u8>)>> {
    proptest::collection::vec(
        (
            any::<bool>(),
            proptest::collection::vec(arb_tls_piece(), 1..4),
        ),
        0..8,
    )
    .prop_map(|events| {
        events
            .into_iter()
            .map(|(client, pieces)| (client, pieces.concat()))
            .collect()
    })
}

fn dir(client: bool) -> Direction {
    if client {
        Direction::ClientToServer
    } else {
        Direction::ServerToClient
    }
}

/// Feeds every event split into chunks of the given sizes (cycled).
fn transcript(events: &[(bool, Vec<u8>)], chunk_sizes: &[usize]) -> Vec<MessageSummary> {
    let mut t = Transcript::new();
    let mut out = Vec::new();
    let mut sizes = chunk_sizes.iter().cycle();
    for (client, bytes) in events {
        let mut rest = &bytes[..];
        while !rest.is_empty() {
            let n = (*sizes.next().unwrap_or(&1)).clamp(1, rest.len());
            let (chunk, tail) = rest.split_at(n);
            out.extend(t.feed(dir(*client), chunk));
            rest = tail;
        }
    }
    out.extend(t.finish());
    out
}

/// Adjacent EncryptedRecords entries of one direction are merged: they
/// are reported once per feed call, the only chunking-dependent output.
fn normalise(list: Vec<MessageSummary>) -> Vec<(Direction, String, String, usize)> {
    let mut out: Vec<(Direction, String, String, usize)> = Vec::new();
    for m in list {
        if m.kind == "EncryptedRecords" {
            if let Some(last) = out.last_mut()
                && last.0 == m.direction
                && last.1 == "EncryptedRecords"
            {
                last.3 += m.bytes;
                continue;
            }
            out.push((m.direction, m.kind, String::new(), m.bytes));
        } else {
            out.push((m.direction, m.kind, m.detail, m.bytes));
        }
    }
    out
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn parse_reply_never_panics(buf in proptest::collection::vec(any::<u8>(), 0..300), limits in arb_limits()) {
        if let Ok(Parsed::Complete { reply, consumed }) = parse_reply(&buf, &limits) {
            prop_assert!(consumed <= buf.len());
            prop_assert!(!reply.lines.is_empty());
            let _ = parse_ehlo(&reply);
            let _ = reply.enhanced_status();
        }
        let _ = parse_reply(&buf, &Limits::default());
    }

    #[test]
    fn parse_reply_never_panics_on_reply_like_bytes(
        lines in proptest::collection::vec(("[2-5][0-9][0-9]", "[- ]?", "[ -~\u{80}-\u{10ffff}]{0,20}", "\r?\n?"), 0..6),
        limits in arb_limits(),
    ) {
        let buf: String = lines.iter().map(|(a, b, c, d)| format!("{a}{b}{c}{d}")).collect();
        let _ = parse_reply(buf.as_bytes(), &limits);
        let _ = parse_reply(buf.as_bytes(), &Limits::default());
    }

    #[test]
    fn reply_round_trips_whatever_the_split(reply in arb_reply(), split in any::<prop::sample::Index>(), trailing in proptest::collection::vec(any::<u8>(), 0..10)) {
        let bytes = wire_bytes(&reply);
        let limits = Limits::default();
        let at = split.index(bytes.len());
        // The first part alone is incomplete.
        prop_assert_eq!(parse_reply(&bytes[..at], &limits), Ok(Parsed::Incomplete));
        // With the rest (and whatever follows) it is complete and equal.
        let mut full = bytes.clone();
        full.extend(&trailing);
        match parse_reply(&full, &limits) {
            Ok(Parsed::Complete { reply: parsed, consumed }) => {
                prop_assert_eq!(consumed, bytes.len());
                prop_assert_eq!(parsed, reply);
            }
            other => prop_assert!(false, "not complete: {:?}", other),
        }
    }

    #[test]
    fn split_records_never_panics(buf in proptest::collection::vec(any::<u8>(), 0..400)) {
        let (records, consumed, _err) = split_records(&buf);
        prop_assert!(consumed <= buf.len());
        let covered: usize = records.iter().map(|r| r.wire_len()).sum();
        prop_assert_eq!(covered, consumed);
    }

    #[test]
    fn split_records_on_tls_like_bytes(pieces in proptest::collection::vec(arb_tls_piece(), 0..6)) {
        let buf = pieces.concat();
        let (records, consumed, _err) = split_records(&buf);
        let covered: usize = records.iter().map(|r| r.wire_len()).sum();
        prop_assert_eq!(covered, consumed);
    }

    #[test]
    fn transcript_does_not_depend_on_chunking(
        events in arb_events(),
        sizes in proptest::collection::vec(1usize..50, 1..10),
    ) {
        let whole = transcript(&events, &[usize::MAX]);
        let chunked = transcript(&events, &sizes);
        let bytewise = transcript(&events, &[1]);
        prop_assert_eq!(normalise(whole.clone()), normalise(chunked));
        prop_assert_eq!(normalise(whole), normalise(bytewise));
    }

    #[test]
    fn transcript_never_panics_on_random_bytes(
        events in proptest::collection::vec((any::<bool>(), proptest::collection::vec(any::<u8>(), 0..200)), 0..6),
        sizes in proptest::collection::vec(1usize..50, 1..10),
    ) {
        let whole = transcript(&events, &[usize::MAX]);
        let chunked = transcript(&events, &sizes);
        prop_assert_eq!(normalise(whole), normalise(chunked));
    }
}

#[test]
fn every_summary_accounts_for_bytes() {
    // A smoke check outside proptest: a plain server reply yields one
    // Unparsed entry plus the rest at finish.
    let mut t = Transcript::new();
    let out = t.feed(Direction::ServerToClient, b"220 mx.example.org ESMTP\r\n");
    assert_eq!(out.len(), 1);
    assert_eq!(out[0].kind, "Unparsed");
    assert!(t.finish().is_empty());
}
