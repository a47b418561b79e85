//! parse_reply with small and default limits on arbitrary bytes; a
//! complete reply also goes through parse_ehlo and must survive a
//! render-and-parse round trip.
#![no_main]

use libfuzzer_sys::fuzz_target;
use wire::smtp::{Limits, Parsed, parse_ehlo, parse_reply};

fuzz_target!(|data: &[u8]| {
    let small = Limits {
        max_line: 64,
        max_lines: 8,
    };
    for limits in [small, Limits::default()] {
        if let Ok(Parsed::Complete { reply, consumed }) = parse_reply(data, &limits) {
            assert!(consumed <= data.len());
            assert!(!reply.lines.is_empty());
            assert!((2..=5).contains(&reply.class()));
            let ehlo = parse_ehlo(&reply);
            let _ = (
                ehlo.auth_mechanisms(),
                ehlo.size(),
                ehlo.keywords(),
                ehlo.has("STARTTLS"),
            );
            let _ = (reply.enhanced_status(), reply.text());

            // Rendering and parsing again gives the same reply.
            let mut wire = Vec::new();
            for line in reply.to_wire_lines() {
                wire.extend_from_slice(line.as_bytes());
                wire.extend_from_slice(b"\r\n");
            }
            // Lossy UTF-8 may triple a line's length: parse without limits.
            let unlimited = Limits {
                max_line: usize::MAX,
                max_lines: usize::MAX,
            };
            match parse_reply(&wire, &unlimited) {
                Ok(Parsed::Complete {
                    reply: again,
                    consumed,
                }) => {
                    assert_eq!(again, reply);
                    assert_eq!(consumed, wire.len());
                }
                other => panic!("rendered reply did not parse back: {other:?}"),
            }
        }
    }
});
