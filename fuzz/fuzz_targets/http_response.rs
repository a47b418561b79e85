#![no_main]
// The HTTP response parser used to fetch AIA certificates: never panics, whatever the bytes.
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(body) = wire::http::parse_response(data) {
        assert!(body.len() <= data.len());
    }
});
