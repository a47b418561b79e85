//! SMTP and TLS on the wire, without I/O.
//!
//! * [`mtasts`]: MTA-STS (RFC 8461): the `_mta-sts` TXT record, the
//!   policy body with every deviation explained, and `mx` pattern matching.
//! * [`smtp`]: RFC 5321 reply parsing (incremental, bounded, lenient about
//!   bare LF) and EHLO capability parsing.
//! * [`tls`]: a checked byte [`tls::Reader`], IANA registry names, the TLS
//!   record layer, ClientHello / ServerHello parsing and a handshake
//!   transcript decoder that turns raw TCP chunks into readable summaries.
//! * [`tlsrpt`]: SMTP TLS Reporting (RFC 8460): the `_smtp._tls` TXT record
//!   and its `rua` report destinations.
//!
//! Nothing in this crate performs I/O, and nothing panics on any input:
//! every access to network bytes goes through checked slicing.

#![forbid(unsafe_code)]
#![warn(missing_docs)]
#![deny(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

pub mod http;
pub mod mtasts;
pub mod smtp;
pub mod text;
pub mod tls;
pub mod tlsrpt;
