//! Tests of the transcript decoder on hand-built handshakes.

#![allow(clippy::unwrap_used, clippy::indexing_slicing, clippy::panic)]

use super::handshake::build::*;
use super::*;

const C: Direction = Direction::ClientToServer;
const S: Direction = Direction::ServerToClient;

fn kinds(list: &[MessageSummary]) -> Vec<&str> {
    list.iter().map(|m| m.kind.as_str()).collect()
}

fn client_hello_record() -> Vec<u8> {
    record(22, &handshake(1, &client_hello_body()))
}

/// An encrypted-looking record of `n` bytes.
fn opaque(ct: u8, n: usize) -> Vec<u8> {
    record(ct, &vec![0xe1; n])
}

/// Feeds `events` in one piece each, then finishes.
fn run(events: &[(Direction, Vec<u8>)]) -> Vec<MessageSummary> {
    let mut t = Transcript::new();
    let mut out = Vec::new();
    for (dir, bytes) in events {
        out.extend(t.feed(*dir, bytes));
    }
    out.extend(t.finish());
    out
}

/// Feeds `events` byte by byte, then finishes.
fn run_bytewise(events: &[(Direction, Vec<u8>)]) -> Vec<MessageSummary> {
    let mut t = Transcript::new();
    let mut out = Vec::new();
    for (dir, bytes) in events {
        for b in bytes {
            out.extend(t.feed(*dir, std::slice::from_ref(b)));
        }
    }
    out.extend(t.finish());
    out
}

/// Merges adjacent EncryptedRecords entries (the only chunking-dependent
/// output) so that transcripts of differently chunked streams compare.
fn merge_encrypted(list: Vec<MessageSummary>) -> Vec<(Direction, String, String, usize)> {
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

fn tls12_events() -> Vec<(Direction, Vec<u8>)> {
    let mut server_flight = Vec::new();
    server_flight.extend(handshake(2, &server_hello_12_body(0xc02f)));
    server_flight.extend(handshake(11, &certificate_12_body(&[1500, 1100])));
    server_flight.extend(handshake(12, &ecdhe_ske_body(29)));
    server_flight.extend(handshake(14, &[]));
    // ServerHello alone in one record, then the rest split across two
    // records in the middle of the Certificate.
    let sh_len = 4 + server_hello_12_body(0xc02f).len();
    let mut server_bytes = record(22, &server_flight[..sh_len]);
    server_bytes.extend(record(22, &server_flight[sh_len..sh_len + 700]));
    server_bytes.extend(record(22, &server_flight[sh_len + 700..]));

    let mut client2 = record(22, &handshake(16, &u8_vec(&[0x04; 65])));
    client2.extend(record(20, &[1]));
    client2.extend(opaque(22, 40)); // encrypted Finished

    let mut server2 = record(22, &handshake(4, &[0; 200])); // NewSessionTicket
    server2.extend(record(20, &[1]));
    server2.extend(opaque(22, 40));

    vec![
        (C, client_hello_record()),
        (S, server_bytes),
        (C, client2),
        (S, server2),
        (C, opaque(23, 100)),
        (S, opaque(23, 60)),
    ]
}

#[test]
fn tls12_full_handshake() {
    let out = run(&tls12_events());
    assert_eq!(
        kinds(&out),
        [
            "ClientHello",
            "ServerHello",
            "Certificate",
            "ServerKeyExchange",
            "ServerHelloDone",
            "ClientKeyExchange",
            "ChangeCipherSpec",
            "EncryptedRecords",
            "NewSessionTicket",
            "ChangeCipherSpec",
            "EncryptedRecords",
            "EncryptedRecords",
            "EncryptedRecords",
        ]
    );
    let ch = &out[0];
    assert_eq!(ch.direction, C);
    assert!(
        ch.detail.contains("legacy_version TLSv1.2"),
        "{}",
        ch.detail
    );
    assert!(ch.detail.contains("8 cipher suites"), "{}", ch.detail);
    assert!(ch.detail.contains("SNI mx.example.org"), "{}", ch.detail);
    assert!(
        ch.detail.contains("supported_versions [TLSv1.3, TLSv1.2]"),
        "{}",
        ch.detail
    );
    assert!(
        ch.detail.contains(
            "supported_groups [X25519MLKEM768, x25519, secp256r1, x448, secp384r1, ffdhe2048]"
        ),
        "{}",
        ch.detail
    );
    assert!(
        ch.detail.contains("key_share [X25519MLKEM768, x25519]"),
        "{}",
        ch.detail
    );
    assert!(
        ch.detail.contains("4 signature_algorithms"),
        "{}",
        ch.detail
    );
    assert!(ch.detail.contains("ALPN [smtp, h2]"), "{}", ch.detail);
    assert_eq!(ch.bytes, 4 + client_hello_body().len());

    let sh = &out[1];
    assert_eq!(sh.direction, S);
    assert!(
        sh.detail
            .starts_with("TLSv1.2, cipher 0xc02f TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256"),
        "{}",
        sh.detail
    );
    assert!(sh.detail.contains("downgrade sentinel"), "{}", sh.detail);
    assert_eq!(out[2].detail, "2 certificates: 1500, 1100 bytes");
    assert!(
        out[3].detail.starts_with("ECDHE x25519"),
        "{}",
        out[3].detail
    );
    assert_eq!(out[4].detail, "");
    assert_eq!(out[4].bytes, 4);
    assert_eq!(out[6].bytes, 6);
    assert_eq!(out[7].detail, "1 encrypted record, 45 bytes");
    assert_eq!(out[7].direction, C);
    assert_eq!(out[10].direction, S);
    assert_eq!(out[11].bytes, 105);
}

fn tls13_events() -> Vec<(Direction, Vec<u8>)> {
    let mut server = record(22, &handshake(2, &server_hello_13_body()));
    server.extend(record(20, &[1]));
    for n in [30, 2000, 300, 60] {
        server.extend(opaque(23, n));
    }
    let mut client = record(20, &[1]);
    client.extend(opaque(23, 60));
    vec![
        (C, client_hello_record()),
        (S, server),
        (C, client),
        (S, opaque(23, 500)),
        (C, opaque(23, 50)),
    ]
}

#[test]
fn tls13_handshake_is_encrypted_after_server_hello() {
    let out = run(&tls13_events());
    assert_eq!(
        kinds(&out),
        [
            "ClientHello",
            "ServerHello",
            "ChangeCipherSpec",
            "EncryptedRecords",
            "ChangeCipherSpec",
            "EncryptedRecords",
            "EncryptedRecords",
            "EncryptedRecords",
        ]
    );
    assert_eq!(
        out[1].detail,
        "TLSv1.3, cipher 0x1302 TLS_AES_256_GCM_SHA384, legacy_version TLSv1.2, key_share x25519"
    );
    assert_eq!(out[3].detail, "4 encrypted records, 2410 bytes");
    assert_eq!(out[3].bytes, 2410);
    assert_eq!(out[4].direction, C);
    assert_eq!(out[5].direction, C);
}

#[test]
fn tls13_client_side_is_told_by_the_transcript() {
    let mut t = Transcript::new();
    t.feed(C, &client_hello_record());
    assert!(!t.client().is_encrypted());
    t.feed(S, &record(22, &handshake(2, &server_hello_13_body())));
    assert!(t.client().is_encrypted());
    assert!(t.server().is_encrypted());
    assert_eq!(t.server_hello().unwrap().selected_version, 0x0304);
    assert_eq!(
        t.client_hello().unwrap().sni.as_deref(),
        Some("mx.example.org")
    );
    // A client Finished in a handshake-typed record would be encrypted
    // too; and the client's plaintext alert is still readable.
    let out = t.feed(C, &record(21, &[2, 40]));
    assert_eq!(out[0].kind, "Alert");
    assert_eq!(out[0].detail, "fatal handshake_failure (40)");
}

fn hrr_events() -> Vec<(Direction, Vec<u8>)> {
    let mut server1 = record(22, &handshake(2, &hello_retry_body()));
    server1.extend(record(20, &[1]));
    // Compatibility mode: the client sends CCS before its second hello.
    let mut client2 = record(20, &[1]);
    client2.extend(client_hello_record());
    let mut server2 = record(22, &handshake(2, &server_hello_13_body()));
    server2.extend(opaque(23, 100));
    vec![
        (C, client_hello_record()),
        (S, server1),
        (C, client2),
        (S, server2),
        (C, opaque(23, 80)),
    ]
}

#[test]
fn hello_retry_request_flow() {
    let out = run(&hrr_events());
    assert_eq!(
        kinds(&out),
        [
            "ClientHello",
            "HelloRetryRequest",
            "ChangeCipherSpec",
            "ChangeCipherSpec",
            "ClientHello",
            "ServerHello",
            "EncryptedRecords",
            "EncryptedRecords",
        ]
    );
    assert!(
        out[1].detail.contains("asks for a key_share for secp256r1"),
        "{}",
        out[1].detail
    );
}

#[test]
fn chunking_does_not_change_the_transcript() {
    for events in [tls12_events(), tls13_events(), hrr_events()] {
        let whole = merge_encrypted(run(&events));
        let bytewise = merge_encrypted(run_bytewise(&events));
        assert_eq!(whole, bytewise);
    }
}

#[test]
fn smtp_reply_instead_of_server_hello() {
    let mut t = Transcript::new();
    t.feed(C, &client_hello_record());
    let out = t.feed(
        S,
        b"454 4.7.0 TLS not available due to local problem\r\nmore",
    );
    assert_eq!(out.len(), 1);
    assert_eq!(out[0].kind, "Unparsed");
    assert!(out[0].detail.contains("not TLS"), "{}", out[0].detail);
    assert!(
        out[0].detail.contains("\"454 4.7.0 TLS not available due"),
        "{}",
        out[0].detail
    );
    assert!(out[0].detail.contains("SMTP reply"), "{}", out[0].detail);
    assert_eq!(out[0].bytes, 32);
    let out = t.finish();
    assert_eq!(out.len(), 1);
    assert_eq!(out[0].detail, "22 more bytes after that were not decoded");
    assert_eq!(out[0].bytes, 22);
}

#[test]
fn short_non_tls_line_is_reported_at_its_end_or_at_finish() {
    let mut t = Transcript::new();
    assert!(t.feed(S, b"220 ").is_empty());
    let out = t.feed(S, b"ok\r\n");
    assert_eq!(out.len(), 1);
    assert!(
        out[0].detail.contains("220 ok\\x0d\\x0a"),
        "{}",
        out[0].detail
    );
    assert!(t.finish().is_empty());

    let mut t = Transcript::new();
    assert!(t.feed(S, b"HTTP").is_empty());
    let out = t.finish();
    assert_eq!(out.len(), 1);
    assert!(out[0].detail.contains("\"HTTP\""), "{}", out[0].detail);
}

#[test]
fn error_after_good_records() {
    let mut bytes = record(22, &handshake(2, &server_hello_12_body(0x002f)));
    bytes.extend([0x00, 0x01, 0x02, 0x03]);
    let out = run(&[(S, bytes)]);
    assert_eq!(kinds(&out), ["ServerHello", "Unparsed"]);
    assert!(
        out[1].detail.contains("unknown content type 0"),
        "{}",
        out[1].detail
    );
    assert_eq!(out[1].bytes, 4);
}

#[test]
fn alerts() {
    let out = run(&[(S, record(21, &[2, 70]))]);
    assert_eq!(out[0].detail, "fatal protocol_version (70)");
    assert_eq!(out[0].bytes, 7);
    let out = run(&[(S, record(21, &[1, 0, 2, 250]))]);
    assert_eq!(
        out[0].detail,
        "warning close_notify (0); fatal unknown alert 250"
    );
    let out = run(&[(S, record(21, &[2]))]);
    assert_eq!(out[0].detail, "malformed alert of 1 bytes");
    // After CCS a 2-byte alert is still shown, a longer one is encrypted.
    let mut bytes = record(20, &[1]);
    bytes.extend(record(21, &[0xaa; 26]));
    let out = run(&[(S, bytes)]);
    assert_eq!(kinds(&out), ["ChangeCipherSpec", "EncryptedRecords"]);
}

#[test]
fn dhe_server_key_exchange_shows_prime_size() {
    let mut p = vec![0xc0];
    p.extend([0x11; 127]);
    let mut ske = u16_vec(&p);
    ske.extend(u16_vec(&[2]));
    ske.extend(u16_vec(&[0x55; 128]));
    let mut bytes = record(22, &handshake(2, &server_hello_12_body(0x0033)));
    bytes.extend(record(22, &handshake(12, &ske)));
    let out = run(&[(S, bytes)]);
    assert_eq!(kinds(&out), ["ServerHello", "ServerKeyExchange"]);
    assert!(
        out[1].detail.starts_with("DHE with a 1024-bit prime"),
        "{}",
        out[1].detail
    );
}

#[test]
fn malformed_and_unknown_handshake_messages() {
    let mut bytes = record(22, &handshake(2, &[3, 3, 0]));
    bytes.extend(record(22, &handshake(99, &[1, 2, 3])));
    bytes.extend(record(22, &handshake(11, &[0, 0, 9])));
    bytes.extend(record(22, &handshake(13, &[0; 10])));
    let out = run(&[(S, bytes)]);
    assert_eq!(
        kinds(&out),
        [
            "ServerHello",
            "Handshake",
            "Certificate",
            "CertificateRequest"
        ]
    );
    assert_eq!(out[0].detail, "malformed: truncated ServerHello random");
    assert_eq!(out[1].detail, "unknown handshake type 99, 3 bytes");
    assert!(out[2].detail.starts_with("malformed"), "{}", out[2].detail);
    assert_eq!(out[3].detail, "10 bytes");
}

#[test]
fn finish_reports_partial_record_and_message() {
    let mut d = FlightDecoder::new(S);
    let rec = record(22, &handshake(2, &server_hello_12_body(0x002f)));
    assert!(d.feed(&rec[..20]).is_empty());
    let out = d.finish();
    assert_eq!(out.len(), 1);
    assert_eq!(out[0].kind, "Unparsed");
    assert_eq!(
        out[0].detail,
        format!(
            "the connection ended inside a record: 20 of {} bytes received",
            rec.len()
        )
    );
    assert_eq!(out[0].bytes, 20);
    assert!(d.finish().is_empty());

    let mut d = FlightDecoder::new(S);
    d.feed(&[22, 3]);
    assert_eq!(
        d.finish()[0].detail,
        "the connection ended inside a record header: 2 of 5 bytes"
    );

    // A handshake message split across records, the second never sent.
    let mut d = FlightDecoder::new(S);
    let msg = handshake(11, &certificate_12_body(&[3000]));
    assert!(d.feed(&record(22, &msg[..1000])).is_empty());
    let out = d.finish();
    assert_eq!(
        out[0].detail,
        format!(
            "an incomplete Certificate handshake message: 1000 of {} bytes received",
            msg.len()
        )
    );
}

#[test]
fn oversized_handshake_message_is_skipped_within_memory_bound() {
    let mut d = FlightDecoder::new(S);
    // A Certificate claiming 1 MiB, sent in full-size records.
    let len = 1 << 20;
    let mut stream = vec![11u8];
    stream.extend(&(len as u32).to_be_bytes()[1..]);
    stream.extend(vec![0x30; len]);
    stream.extend(handshake(14, &[]));
    let mut out = Vec::new();
    for chunk in stream.chunks(1 << 14) {
        out.extend(d.feed(&record(22, chunk)));
        assert!(d.buffered() <= MAX_BUFFERED);
    }
    out.extend(d.finish());
    assert_eq!(kinds(&out), ["Unparsed", "ServerHelloDone"]);
    assert!(out[0].detail.contains("1048576 bytes"), "{}", out[0].detail);
    assert_eq!(out[0].bytes, len + 4);
}

#[test]
fn large_but_acceptable_certificate_is_reassembled() {
    let mut d = FlightDecoder::new(S);
    let msg = handshake(11, &certificate_12_body(&[60_000, 60_000, 60_000]));
    let mut out = Vec::new();
    for chunk in msg.chunks(1 << 14) {
        let rec = record(22, chunk);
        // Feed each record in odd-sized pieces too.
        for piece in rec.chunks(777) {
            out.extend(d.feed(piece));
            assert!(d.buffered() <= MAX_BUFFERED);
        }
    }
    assert_eq!(kinds(&out), ["Certificate"]);
    assert_eq!(out[0].detail, "3 certificates: 60000, 60000, 60000 bytes");
}

#[test]
fn endless_garbage_stays_bounded() {
    let mut d = FlightDecoder::new(S);
    let mut n = 0;
    for _ in 0..100 {
        n += d.feed(&[0x42; 10_000]).len();
        assert!(d.buffered() <= MAX_BUFFERED);
    }
    assert_eq!(n, 1);
    let out = d.finish();
    assert_eq!(out[0].bytes, 1_000_000 - 32);
}

#[test]
fn sslv2_and_bad_versions() {
    let out = run(&[(S, vec![0x80, 0x2e, 0x04, 0x00, 0x01])]);
    assert_eq!(out[0].kind, "Unparsed");
    assert!(out[0].detail.contains("SSL 2.0"), "{}", out[0].detail);
    let out = run(&[(S, vec![22, 0xfe, 0xfd, 0, 0])]);
    assert!(
        out[0].detail.contains("version 0xfefd"),
        "{}",
        out[0].detail
    );
}

#[test]
fn display_is_readable() {
    let m = MessageSummary {
        direction: S,
        kind: "ServerHelloDone".into(),
        detail: String::new(),
        bytes: 4,
    };
    assert_eq!(m.to_string(), "S->C ServerHelloDone (4 bytes)");
    let m = MessageSummary {
        direction: C,
        kind: "Alert".into(),
        detail: "fatal bad_certificate (42)".into(),
        bytes: 7,
    };
    assert_eq!(
        m.to_string(),
        "C->S Alert (7 bytes): fatal bad_certificate (42)"
    );
    assert_eq!(C.sender(), "client");
}

#[test]
fn heartbeat_and_other_content() {
    let out = run(&[(S, record(24, &[1, 0, 3, 9, 9, 9]))]);
    assert_eq!(out[0].kind, "Heartbeat");
    let out = run(&[(S, record(20, &[1, 2]))]);
    assert_eq!(out[0].detail, "unexpected payload of 2 bytes");
}
