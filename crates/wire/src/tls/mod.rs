//! TLS on the wire: a checked [`Reader`], IANA registry names, the record
//! layer, ClientHello / ServerHello parsing, and a handshake [`Transcript`]
//! decoder for readable `openssl s_client -msg`-style output.
//!
//! For probing a server's versions, suites and groups: the cipher-suite
//! registry as data ([`suites`]), hand-built ClientHellos
//! ([`client_hello`]), an incremental parser of the server's first flight
//! ([`flight`]) and SSL 2.0 ([`sslv2`]); the records of the vulnerability probes and the
//! reader of the reply to them ([`probe`]).

pub mod client_hello;
pub mod dh_groups;
pub mod fingerprint;
pub mod flight;
mod handshake;
pub mod messages;
mod names;
pub mod probe;
mod reader;
mod record;
pub mod sslv2;
pub mod suites;
mod transcript;

pub use client_hello::{
    ClientHelloSpec, all_groups, all_sig_algs, build_client_hello, build_sslv2_client_hello,
    client_hello_message,
};
pub use flight::{FlightOutcome, FlightParser, Incomplete, KeyExchange, SignedParams};
pub use handshake::{
    ClientHelloInfo, HANDSHAKE_HEADER_LEN, HELLO_RETRY_REQUEST_RANDOM, ParseError, ServerHelloInfo,
    ServerKeyExchangeInfo, extension_type, handshake_type, parse_certificates, parse_client_hello,
    parse_server_hello, parse_server_key_exchange,
};
pub use handshake::{ServerDhParams, parse_server_dh_params};
pub use names::{
    alert_description_name, alert_label, alert_level_name, cipher_suite_display, cipher_suite_name,
    content_type_name, extension_name, group_name, handshake_type_name, is_grease,
    signature_scheme_name, version_name,
};
pub use reader::Reader;
pub use record::{
    MAX_RECORD_PAYLOAD, RECORD_HEADER_LEN, Record, RecordError, content_type, split_records,
};
pub use sslv2::sslv2_cipher_name;
pub use suites::{Auth, Kx, SuiteInfo, all_suites, suite_info, suites_for_version};
pub use transcript::{
    Direction, FlightDecoder, MAX_BUFFERED, MAX_HANDSHAKE_MESSAGE, MessageSummary, Transcript,
};

#[cfg(test)]
mod transcript_tests;
