//! build_client_hello with a spec decoded from arbitrary bytes: the
//! records must split cleanly, the message must parse back with
//! parse_client_hello, and the fields must be those asked for.
#![no_main]

use libfuzzer_sys::fuzz_target;
use wire::tls::client_hello::{MAX_SNI, MAX_SUITES};
use wire::tls::{ClientHelloSpec, build_client_hello, parse_client_hello, split_records};

/// Takes values from the fuzz input, zeros once it runs out.
struct Bytes<'a>(&'a [u8]);

impl Bytes<'_> {
    fn u8(&mut self) -> u8 {
        match self.0.split_first() {
            Some((&b, rest)) => {
                self.0 = rest;
                b
            }
            None => 0,
        }
    }
    fn u16(&mut self) -> u16 {
        u16::from_be_bytes([self.u8(), self.u8()])
    }
    fn list(&mut self, max: usize) -> Vec<u16> {
        let n = usize::from(self.u16()) % (max + 1);
        (0..n).map(|_| self.u16()).collect()
    }
    fn bytes(&mut self, n: usize) -> Vec<u8> {
        (0..n).map(|_| self.u8()).collect()
    }
}

fuzz_target!(|data: &[u8]| {
    let mut b = Bytes(data);
    let flags = b.u16();
    let bit = |i: u16| flags & (1 << i) != 0;
    let max_version = 0x0300 + u16::from(b.u8() % 5);
    let record_version = 0x0300 | u16::from(b.u8());
    let suites = if bit(9) {
        // Sometimes many suites, to cross record boundaries.
        (0..usize::from(b.u16())).map(|i| i as u16).collect()
    } else {
        b.list(400)
    };
    let groups = b.list(64);
    let key_shares = b.list(6);
    let sig_algs = b.list(64);
    let versions = if bit(10) { Some(b.list(12)) } else { None };
    let sni = if bit(11) {
        let n = usize::from(b.u16() % 400);
        Some(String::from_utf8_lossy(&b.bytes(n)).into_owned())
    } else {
        None
    };
    let session_id = {
        let n = usize::from(b.u8() % 48);
        b.bytes(n)
    };
    let random: [u8; 32] = std::array::from_fn(|_| b.u8());
    let spec = ClientHelloSpec {
        max_version,
        versions,
        record_version,
        suites,
        groups,
        key_shares,
        sig_algs,
        sni,
        ec_point_formats: bit(0),
        extended_master_secret: bit(1),
        renegotiation_info: bit(2),
        session_ticket: bit(3),
        status_request: bit(4),
        no_extensions: bit(5),
                encrypt_then_mac: false,
                heartbeat: false,
                compression: Vec::new(),
    };

    let wire = build_client_hello(&spec, &random, &session_id);
    let (records, consumed, err) = split_records(&wire);
    assert_eq!(consumed, wire.len());
    assert!(err.is_none());
    let mut message = Vec::new();
    for r in &records {
        assert_eq!((r.content_type, r.version), (22, record_version));
        assert!(!r.payload.is_empty() && r.payload.len() <= 1 << 14);
        message.extend_from_slice(r.payload);
    }
    assert_eq!(message[0], 1);
    let len = u32::from_be_bytes([0, message[1], message[2], message[3]]) as usize;
    assert_eq!(len + 4, message.len());
    let ch = match parse_client_hello(&message[4..]) {
        Ok(ch) => ch,
        Err(e) => panic!("built hello does not parse: {e}"),
    };
    assert_eq!(ch.legacy_version, max_version.min(0x0303));
    assert_eq!(ch.session_id_len, session_id.len().min(32));
    let mut suites: Vec<u16> = spec.suites.iter().copied().take(MAX_SUITES - 1).collect();
    if spec.no_extensions && spec.renegotiation_info && !suites.contains(&0x00ff) {
        suites.push(0x00ff);
    }
    assert_eq!(ch.cipher_suites, suites);
    if spec.no_extensions {
        assert!(ch.extensions.is_empty());
        return;
    }
    let sni = spec.sni.as_ref().map(|s| {
        let mut end = s.len().min(MAX_SNI);
        while !s.is_char_boundary(end) {
            end -= 1;
        }
        s[..end].to_owned()
    });
    assert_eq!(ch.sni, sni);
    assert_eq!(ch.supported_groups, spec.groups);
    let versions = match &spec.versions {
        Some(v) => v.clone(),
        None if max_version >= 0x0304 => vec![max_version],
        None => Vec::new(),
    };
    assert_eq!(ch.supported_versions, versions);
    let mut types = ch.extensions.clone();
    types.sort_unstable();
    types.dedup();
    assert_eq!(types.len(), ch.extensions.len(), "an extension twice");
});
