//! TLS on the wire: a checked [`Reader`], IANA registry names, the record
//! layer, ClientHello / ServerHello parsing, and a handshake [`Transcript`]
//! decoder for readable `openssl s_client -msg`-style output.

mod handshake;
mod names;
mod reader;
mod record;
mod transcript;

pub use handshake::{
    ClientHelloInfo, HANDSHAKE_HEADER_LEN, HELLO_RETRY_REQUEST_RANDOM, ParseError, ServerHelloInfo,
    ServerKeyExchangeInfo, extension_type, handshake_type, parse_certificates, parse_client_hello,
    parse_server_hello, parse_server_key_exchange,
};
pub use names::{
    alert_description_name, alert_level_name, cipher_suite_display, cipher_suite_name,
    content_type_name, extension_name, group_name, handshake_type_name, is_grease,
    signature_scheme_name, version_name,
};
pub use reader::Reader;
pub use record::{
    MAX_RECORD_PAYLOAD, RECORD_HEADER_LEN, Record, RecordError, content_type, split_records,
};
pub use transcript::{
    Direction, FlightDecoder, MAX_BUFFERED, MAX_HANDSHAKE_MESSAGE, MessageSummary, Transcript,
};

#[cfg(test)]
mod transcript_tests;
