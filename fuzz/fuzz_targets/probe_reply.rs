//! ReplyReader on arbitrary bytes: no panic, at most 8 bytes kept, and the same decision
//! whether the bytes come whole or one at a time.
#![no_main]

use libfuzzer_sys::fuzz_target;
use wire::tls::probe::ReplyReader;

fuzz_target!(|data: &[u8]| {
    let mut whole = ReplyReader::new();
    let a = whole.feed(data);
    assert!(whole.seen() <= 8);
    let mut bytewise = ReplyReader::new();
    let mut b = None;
    for byte in data {
        b = bytewise.feed(std::slice::from_ref(byte));
    }
    assert_eq!(a, b);
    if let Some(reply) = &a {
        let _ = reply.is_heartbleed();
    }
});
