//! The records the vulnerability probes send after the server's first flight, and the reader
//! of the server's reply to them.
//!
//! * Heartbleed (CVE-2014-0160): a heartbeat request (RFC 6520 section 4) whose
//!   `payload_length` claims more bytes than the payload carries. RFC 6520 says such a message
//!   "MUST be discarded silently"; a server that answers with a heartbeat response echoed the
//!   claimed length, so it read past the payload. The reply reader looks at the record header
//!   and the heartbeat header only (8 bytes): the over-read memory itself is never read.
//! * CCS injection (CVE-2014-0224): a ChangeCipherSpec before any key exchange, then a short
//!   application-data record. A fixed server refuses the early ChangeCipherSpec
//!   (unexpected_message); a vulnerable OpenSSL switches to keys derived from an empty master
//!   secret and fails to decrypt the record that follows (bad_record_mac), the distinction
//!   sslyze's plugin uses.
//!
//! Sources: RFC 6520 sections 3 and 4; RFC 5246 sections 6.2.1 and 7.1; CVE-2014-0224
//! (Masashi Kikuchi's description of the early CCS).

use super::record::{RECORD_HEADER_LEN, content_type};

/// Bytes of the heartbeat payload sent (the claimed length adds to it).
pub const HEARTBEAT_PAYLOAD: usize = 16;
/// Padding of a heartbeat message (RFC 6520: at least 16 bytes).
const HEARTBEAT_PADDING: usize = 16;
/// Heartbeat message types (RFC 6520 section 3).
const HEARTBEAT_REQUEST: u8 = 1;
const HEARTBEAT_RESPONSE: u8 = 2;

/// A heartbeat request record for `version` carrying [`HEARTBEAT_PAYLOAD`] bytes of
/// `payload_byte` and 16 bytes of padding, whose `payload_length` claims `claimed_extra` bytes
/// more than that.
pub fn heartbeat_request(version: u16, payload_byte: u8, claimed_extra: u16) -> Vec<u8> {
    let claimed = u16::try_from(HEARTBEAT_PAYLOAD)
        .unwrap_or(16)
        .saturating_add(claimed_extra);
    let body_len = 1 + 2 + HEARTBEAT_PAYLOAD + HEARTBEAT_PADDING;
    let mut out = Vec::with_capacity(RECORD_HEADER_LEN + body_len);
    out.push(content_type::HEARTBEAT);
    out.extend_from_slice(&version.to_be_bytes());
    out.extend_from_slice(&u16::try_from(body_len).unwrap_or(0).to_be_bytes());
    out.push(HEARTBEAT_REQUEST);
    out.extend_from_slice(&claimed.to_be_bytes());
    out.extend(std::iter::repeat_n(payload_byte, HEARTBEAT_PAYLOAD));
    out.extend(std::iter::repeat_n(0u8, HEARTBEAT_PADDING));
    out
}

/// A ChangeCipherSpec record (RFC 5246 section 7.1) for `version`.
pub fn change_cipher_spec(version: u16) -> Vec<u8> {
    let [hi, lo] = version.to_be_bytes();
    vec![content_type::CHANGE_CIPHER_SPEC, hi, lo, 0, 1, 1]
}

/// An application-data record of `data` (at most 255 bytes are sent) for `version`.
pub fn application_data(version: u16, data: &[u8]) -> Vec<u8> {
    let data = data.get(..data.len().min(255)).unwrap_or_default();
    let [hi, lo] = version.to_be_bytes();
    let mut out = vec![content_type::APPLICATION_DATA, hi, lo, 0, 0];
    if let Some(len) = out.get_mut(4) {
        *len = u8::try_from(data.len()).unwrap_or(0);
    }
    out.extend_from_slice(data);
    out
}

/// The first record the server sent after a probe record, from its first bytes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ProbeReply {
    /// A heartbeat message: its type (2 = response) and the payload_length it claims; the
    /// record's length.
    Heartbeat {
        /// 1 = request, 2 = response.
        message_type: u8,
        /// The payload length the message claims.
        payload_length: u16,
        /// The record's length.
        record_len: u16,
    },
    /// A plaintext alert (a two-byte Alert record).
    Alert {
        /// 1 = warning, 2 = fatal.
        level: u8,
        /// The alert description.
        description: u8,
    },
    /// Any other record (an encrypted alert, application data, a handshake message...).
    Record {
        /// The record's content type.
        content_type: u8,
        /// The record's length.
        record_len: u16,
    },
    /// Bytes that are not a TLS record header.
    Malformed {
        /// What is wrong, readable.
        reason: String,
    },
}

impl ProbeReply {
    /// Whether a heartbeat response claims more payload than [`HEARTBEAT_PAYLOAD`]: the
    /// server echoed an over-long claimed length (Heartbleed).
    pub fn is_heartbleed(&self) -> bool {
        matches!(self, ProbeReply::Heartbeat { message_type, payload_length, .. }
            if *message_type == HEARTBEAT_RESPONSE
                && usize::from(*payload_length) > HEARTBEAT_PAYLOAD)
    }
}

/// Reads the first record of a reply, fed in chunks of any size; it keeps at most 8 bytes
/// (a record header and a heartbeat header) and decides as soon as they are known.
#[derive(Debug, Clone, Default)]
pub struct ReplyReader {
    head: Vec<u8>,
    decided: Option<ProbeReply>,
}

/// Most bytes the reader looks at.
const MAX_LOOK: usize = RECORD_HEADER_LEN + 3;

impl ReplyReader {
    /// A reader that has seen nothing yet.
    pub fn new() -> Self {
        Self::default()
    }

    /// Bytes looked at so far.
    pub fn seen(&self) -> usize {
        self.head.len()
    }

    /// Feeds bytes; returns the reply once decided (and again on later calls, which ignore
    /// their bytes).
    pub fn feed(&mut self, bytes: &[u8]) -> Option<ProbeReply> {
        if self.decided.is_some() {
            return self.decided.clone();
        }
        let room = MAX_LOOK.saturating_sub(self.head.len());
        self.head
            .extend_from_slice(bytes.get(..room.min(bytes.len())).unwrap_or_default());
        self.decided = self.decide();
        self.decided.clone()
    }

    fn decide(&self) -> Option<ProbeReply> {
        let (&ct, rest) = self.head.split_first()?;
        if !(20..=24).contains(&ct) {
            return Some(ProbeReply::Malformed {
                reason: format!("a first byte 0x{ct:02x}, which starts no TLS record"),
            });
        }
        let [major, _minor, hi, lo, body @ ..] = rest else {
            return None;
        };
        if *major != 3 {
            return Some(ProbeReply::Malformed {
                reason: format!("a record version {major}.x, which is not TLS"),
            });
        }
        let record_len = u16::from_be_bytes([*hi, *lo]);
        match ct {
            content_type::HEARTBEAT if record_len >= 3 => match body {
                [t, a, b, ..] => Some(ProbeReply::Heartbeat {
                    message_type: *t,
                    payload_length: u16::from_be_bytes([*a, *b]),
                    record_len,
                }),
                _ => None,
            },
            content_type::ALERT if record_len == 2 => match body {
                [level, description, ..] => Some(ProbeReply::Alert {
                    level: *level,
                    description: *description,
                }),
                _ => None,
            },
            _ => Some(ProbeReply::Record {
                content_type: ct,
                record_len,
            }),
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::indexing_slicing, clippy::panic)]
mod tests {
    use super::*;

    #[test]
    fn heartbeat_request_claims_more_than_it_carries() {
        let r = heartbeat_request(0x0303, 0xab, 16);
        assert_eq!(&r[..5], &[24, 3, 3, 0, 35]);
        assert_eq!(r[5], 1);
        assert_eq!(u16::from_be_bytes([r[6], r[7]]), 32);
        assert_eq!(r.len(), 5 + 35);
        assert!(r[8..24].iter().all(|&b| b == 0xab));
    }

    #[test]
    fn records() {
        assert_eq!(change_cipher_spec(0x0301), vec![20, 3, 1, 0, 1, 1]);
        assert_eq!(
            application_data(0x0303, &[0, 0]),
            vec![23, 3, 3, 0, 2, 0, 0]
        );
    }

    #[test]
    fn reader_decides_from_few_bytes_in_any_split() {
        let reply = [24u8, 3, 3, 0, 51, 2, 0, 32, 0xde, 0xad];
        for split in 0..reply.len() {
            let mut r = ReplyReader::new();
            let first = r.feed(&reply[..split]);
            let out = first.or_else(|| r.feed(&reply[split..])).unwrap();
            assert!(out.is_heartbleed(), "{out:?}");
            assert!(r.seen() <= 8);
        }
        let mut r = ReplyReader::new();
        assert_eq!(
            r.feed(&[21, 3, 3, 0, 2, 2, 10]),
            Some(ProbeReply::Alert {
                level: 2,
                description: 10
            })
        );
        let mut r = ReplyReader::new();
        assert!(matches!(
            r.feed(b"250 ok"),
            Some(ProbeReply::Malformed { .. })
        ));
        let mut r = ReplyReader::new();
        assert_eq!(
            r.feed(&[21, 3, 3, 0, 26]),
            Some(ProbeReply::Record {
                content_type: 21,
                record_len: 26
            })
        );
        // An honest echo of 16 bytes is no proof.
        let mut r = ReplyReader::new();
        assert!(
            !r.feed(&[24, 3, 3, 0, 35, 2, 0, 16])
                .unwrap()
                .is_heartbleed()
        );
    }
}
