//! The MTA-STS (RFC 8461 §3.1) and TLS-RPT (RFC 8460 §3) TXT record
//! parsers on arbitrary input decoded as lossy UTF-8: no panics, and what
//! parses holds what the grammar promises. The input is also tried behind
//! each version tag, and split into lines as a set of records to select
//! from.
#![no_main]

use libfuzzer_sys::fuzz_target;
use wire::mtasts::{StsTxt, parse_sts_txt, select_sts_txt};
use wire::tlsrpt::{RuaUri, TlsRptTxt, parse_tlsrpt_txt, select_tlsrpt_txt};

fn check_sts(t: &StsTxt) {
    assert!((1..=32).contains(&t.id.len()), "{:?}", t.id);
    assert!(t.id.bytes().all(|b| b.is_ascii_alphanumeric()));
    for (name, value) in &t.extensions {
        assert!(!name.is_empty() && name.len() <= 32 && !value.is_empty());
        assert!(!value.contains([';', '=', ' ']));
    }
}

fn check_tlsrpt(t: &TlsRptTxt) {
    assert!(!t.rua.is_empty());
    for uri in &t.rua {
        match uri {
            RuaUri::Mailto(addr) => assert!(addr.contains('@'), "{addr:?}"),
            RuaUri::Https(u) => assert!(
                u.get(..8)
                    .is_some_and(|s| s.eq_ignore_ascii_case("https://"))
            ),
        }
    }
}

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let records: Vec<String> = text.split('\n').map(str::to_owned).collect();

    for record in [text.to_string(), format!("v=STSv1;{text}")] {
        if let Ok(t) = parse_sts_txt(&record) {
            check_sts(&t);
        }
    }
    if let Ok(t) = select_sts_txt(&records) {
        check_sts(&t);
    }

    for record in [text.to_string(), format!("v=TLSRPTv1; rua={text}")] {
        if let Ok(t) = parse_tlsrpt_txt(&record) {
            check_tlsrpt(&t);
        }
    }
    if let Ok(t) = select_tlsrpt_txt(&records) {
        check_tlsrpt(&t);
    }
});
