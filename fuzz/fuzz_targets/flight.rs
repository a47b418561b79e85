//! FlightParser on arbitrary bytes: it must not panic, and must decide
//! the same whether the bytes come whole, one at a time, or in chunks
//! whose sizes are taken from the input. The first byte picks the mode
//! (high bit: expect SSLv2) and the chunk sizes (low bits).
#![no_main]

use libfuzzer_sys::fuzz_target;
use wire::tls::{FlightOutcome, FlightParser, Incomplete};

fn run(bytes: &[u8], sslv2: bool, sizes: &[usize]) -> Result<FlightOutcome, Incomplete> {
    let mut p = FlightParser::new(sslv2);
    let mut sizes = sizes.iter().cycle();
    let mut rest = bytes;
    while !rest.is_empty() {
        let n = (*sizes.next().unwrap_or(&1)).clamp(1, rest.len());
        let (chunk, tail) = rest.split_at(n);
        if let Some(outcome) = p.feed(chunk) {
            // Decided: later calls agree.
            assert_eq!(p.feed(tail).as_ref(), Some(&outcome));
            assert_eq!(p.finish().as_ref(), Ok(&outcome));
            return Ok(outcome);
        }
        rest = tail;
    }
    p.finish()
}

fuzz_target!(|data: &[u8]| {
    let Some((&first, rest)) = data.split_first() else {
        return;
    };
    let sslv2 = first & 0x80 != 0;
    let sizes: Vec<usize> = [first & 0x07, (first >> 3) & 0x0f, 1, first & 0x7f]
        .iter()
        .map(|&s| usize::from(s) + 1)
        .collect();
    let whole = run(rest, sslv2, &[usize::MAX]);
    assert_eq!(run(rest, sslv2, &[1]), whole);
    assert_eq!(run(rest, sslv2, &sizes), whole);
    if let Err(inc) = &whole {
        assert_eq!(inc.received, rest.len());
        assert!(!inc.reason.is_empty());
    }
});
