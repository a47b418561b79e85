//! SMTP replies (RFC 5321 section 4.2) and EHLO capabilities
//! (RFC 5321 section 4.1.1.1), parsed from raw bytes without I/O.

mod ehlo;
mod reply;

pub use ehlo::{Capability, Ehlo, parse_ehlo};
pub use reply::{Limits, Parsed, Reply, ReplyError, parse_reply};
