//! What the capture server does with a client's first bytes after STARTTLS: gather the
//! ClientHello from any records (`extract_client_hello`), parse it, and derive the offered
//! versions, the point formats and the JA3-style fingerprint. No input may panic, and splitting
//! the same bytes differently may not change the ClientHello found once it is complete.
#![no_main]

use libfuzzer_sys::fuzz_target;
use wire::tls::fingerprint::{
    extract_client_hello, fingerprint_string, offered_versions, point_formats,
};
use wire::tls::parse_client_hello;

fuzz_target!(|data: &[u8]| {
    if let Ok(Some(body)) = extract_client_hello(data) {
        let formats = point_formats(&body);
        if let Ok(h) = parse_client_hello(&body) {
            let _ = offered_versions(&h);
            let _ = fingerprint_string(&h, &formats);
        }
        // More bytes after a complete ClientHello do not change it.
        let mut longer = data.to_vec();
        longer.extend_from_slice(&[0x16, 0x03, 0x01, 0x00, 0x01, 0x00]);
        assert_eq!(extract_client_hello(&longer), Ok(Some(body)));
    }
});
