//! A Transcript fed with the input split in two at a point taken from the
//! first byte (whose high bit picks the direction of the second part) must
//! not panic, and must report the same as when fed in one piece (up to the
//! per-feed grouping of encrypted records). split_records must not panic
//! either and must account for the bytes it consumed.
#![no_main]

use libfuzzer_sys::fuzz_target;
use wire::tls::{Direction, MessageSummary, Transcript, split_records};

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

fuzz_target!(|data: &[u8]| {
    let Some((&first, rest)) = data.split_first() else {
        return;
    };
    let at = (usize::from(first & 0x7f) * rest.len()) / 0x7f;
    let at = at.min(rest.len());
    let (a, b) = rest.split_at(at);
    // The first part is the server's; the second goes to the server too,
    // or (high bit set) half of it to the client and then the rest back
    // to the server, to exercise the shared TLS 1.3 state.
    let events: Vec<(Direction, &[u8])> = if first & 0x80 == 0 {
        vec![
            (Direction::ServerToClient, a),
            (Direction::ServerToClient, b),
        ]
    } else {
        let (b1, b2) = b.split_at(b.len() / 2);
        vec![
            (Direction::ServerToClient, a),
            (Direction::ClientToServer, b1),
            (Direction::ServerToClient, b2),
        ]
    };

    let mut split = Transcript::new();
    let mut got = Vec::new();
    for (dir, bytes) in &events {
        got.extend(split.feed(*dir, bytes));
    }
    got.extend(split.finish());

    // Reference: the same per-direction streams, byte by byte.
    let mut bytewise = Transcript::new();
    let mut want = Vec::new();
    for (dir, bytes) in &events {
        for byte in bytes.iter() {
            want.extend(bytewise.feed(*dir, std::slice::from_ref(byte)));
        }
    }
    want.extend(bytewise.finish());
    assert_eq!(normalise(got), normalise(want));

    let (records, consumed, _err) = split_records(rest);
    assert!(consumed <= rest.len());
    assert_eq!(
        records.iter().map(|r| r.wire_len()).sum::<usize>(),
        consumed
    );
});
