//! The renegotiation probe's message parsing on arbitrary bytes: the Assembler must not panic,
//! must never hold more than one message's worth, and must give the same messages whether the
//! bytes come whole or in chunks sized by the first byte; hello_secrets and ecdh_params must
//! not panic on anything.
#![no_main]

use libfuzzer_sys::fuzz_target;
use wire::tls::messages::{Assembler, MAX_MESSAGE, ecdh_params, hello_secrets};

fuzz_target!(|data: &[u8]| {
    let Some((&first, rest)) = data.split_first() else {
        return;
    };
    let cut = usize::from(first % 31) + 1;
    let mut whole = Assembler::new();
    let a = whole.feed(rest);
    let mut parts = Assembler::new();
    let mut b = Ok(Vec::new());
    for chunk in rest.chunks(cut) {
        match parts.feed(chunk) {
            Ok(m) => {
                if let Ok(v) = b.as_mut() {
                    v.extend(m);
                }
            }
            Err(e) => {
                b = Err(e);
                break;
            }
        }
    }
    assert_eq!(a.is_ok(), b.is_ok());
    if let (Ok(a), Ok(b)) = (&a, &b) {
        assert_eq!(a, b);
        for m in a {
            assert!(m.raw.len() <= MAX_MESSAGE + 4);
            let _ = hello_secrets(m.body());
            let _ = ecdh_params(m.body());
        }
    }
    let _ = hello_secrets(rest);
    let _ = ecdh_params(rest);
});
