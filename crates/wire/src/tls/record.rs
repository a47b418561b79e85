//! The TLS record layer (RFC 8446 section 5.1, RFC 5246 section 6.2).
//!
//! ```text
//! struct {
//!     ContentType type;               // 1 byte: 20..=24
//!     ProtocolVersion legacy_record_version;  // 2 bytes: 0x03XX
//!     uint16 length;                  // at most 2^14 + 2048
//!     opaque fragment[length];
//! } TLSPlaintext / TLSCiphertext;
//! ```

use serde::{Deserialize, Serialize};

use super::names::content_type_name;
use crate::text::escape_excerpt;

/// Size of a record header.
pub const RECORD_HEADER_LEN: usize = 5;

/// Largest record payload accepted: 2^14 + 2048, the TLSCiphertext limit of
/// RFC 5246 section 6.2.3 (RFC 8446 allows only 2^14 + 256).
pub const MAX_RECORD_PAYLOAD: usize = (1 << 14) + 2048;

/// Content types (IANA TLS ContentType registry).
pub mod content_type {
    /// change_cipher_spec
    pub const CHANGE_CIPHER_SPEC: u8 = 20;
    /// alert
    pub const ALERT: u8 = 21;
    /// handshake
    pub const HANDSHAKE: u8 = 22;
    /// application_data
    pub const APPLICATION_DATA: u8 = 23;
    /// heartbeat (RFC 6520)
    pub const HEARTBEAT: u8 = 24;
}

/// One record, borrowing its payload from the input buffer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Record<'a> {
    /// Content type (20..=24).
    pub content_type: u8,
    /// The record-layer version (`legacy_record_version`), e.g. 0x0303.
    pub version: u16,
    /// The fragment, possibly encrypted.
    pub payload: &'a [u8],
}

impl Record<'_> {
    /// Size on the wire: header plus payload.
    pub fn wire_len(&self) -> usize {
        RECORD_HEADER_LEN + self.payload.len()
    }
}

/// Why bytes could not be split into TLS records.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum RecordError {
    /// The bytes are not TLS at all; e.g. text such as an SMTP reply
    /// (`220 ...`) or an HTTP response.
    NotTls {
        /// Printable, escaped excerpt of the bytes (at most 80 characters).
        excerpt: String,
    },
    /// An SSL 2.0 record header (RFC 6101 appendix E.2 / draft-hickman SSL
    /// 2.0): the peer only speaks the long-dead SSLv2.
    Sslv2,
    /// The first byte is not a known content type (20..=24).
    UnknownContentType {
        /// The byte found.
        content_type: u8,
        /// Escaped excerpt of the bytes.
        excerpt: String,
    },
    /// The record-layer version is not 0x03XX.
    BadVersion {
        /// Content type of the record.
        content_type: u8,
        /// The version found.
        version: u16,
    },
    /// The record announces more than 2^14 + 2048 bytes.
    TooLong {
        /// Content type of the record.
        content_type: u8,
        /// The length announced.
        length: usize,
    },
}

impl std::fmt::Display for RecordError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            RecordError::NotTls { excerpt } => {
                write!(f, "the peer sent bytes that are not TLS: \"{excerpt}\"")?;
                let bytes = excerpt.as_bytes();
                if bytes.len() >= 3 && bytes.iter().take(3).all(u8::is_ascii_digit) {
                    write!(
                        f,
                        " (this looks like an SMTP reply: the server did not start TLS)"
                    )?;
                } else if excerpt.starts_with("HTTP/") {
                    write!(f, " (this looks like an HTTP response)")?;
                }
                Ok(())
            }
            RecordError::Sslv2 => write!(
                f,
                "the peer sent an SSL 2.0 record: it does not speak SSLv3 or any TLS version"
            ),
            RecordError::UnknownContentType {
                content_type,
                excerpt,
            } => write!(
                f,
                "the peer sent a record of unknown content type {content_type} \
                 (0x{content_type:02x}): \"{excerpt}\""
            ),
            RecordError::BadVersion {
                content_type,
                version,
            } => write!(
                f,
                "the peer sent a {} record with version 0x{version:04x}, which is not TLS",
                content_type_name(*content_type)
            ),
            RecordError::TooLong {
                content_type,
                length,
            } => write!(
                f,
                "the peer sent a {} record of {length} bytes, more than the {MAX_RECORD_PAYLOAD} \
                 bytes TLS allows",
                content_type_name(*content_type)
            ),
        }
    }
}

impl std::error::Error for RecordError {}

/// Whether `b` is text-like: printable ASCII or CR, LF, TAB.
fn is_texty(b: u8) -> bool {
    matches!(b, 0x20..=0x7e | b'\r' | b'\n' | b'\t')
}

/// Checks the start of a record at the beginning of `buf`, which may hold
/// fewer than 5 bytes. Returns `Ok(Some(total_len))` once the header is
/// complete and valid, `Ok(None)` while it is incomplete but plausible, and
/// an error as soon as the present bytes rule TLS out.
pub(crate) fn check_header(buf: &[u8]) -> Result<Option<usize>, RecordError> {
    let excerpt = || escape_excerpt(buf, 80);
    let Some(&ct) = buf.first() else {
        return Ok(None);
    };
    if !(20..=24).contains(&ct) {
        // SSLv2 (2-byte header with the high bit set, then message type 1
        // = CLIENT-HELLO or 4 = SERVER-HELLO).
        if ct & 0x80 != 0 {
            match buf.get(2) {
                Some(1 | 4) => return Err(RecordError::Sslv2),
                None if buf.len() < 3 => return Ok(None),
                _ => {}
            }
        }
        if is_texty(ct) {
            return Err(RecordError::NotTls { excerpt: excerpt() });
        }
        return Err(RecordError::UnknownContentType {
            content_type: ct,
            excerpt: excerpt(),
        });
    }
    // Report a bad version only once both of its bytes are present, so
    // that the error does not depend on how the bytes were chunked.
    if let (Some(&major), Some(&minor)) = (buf.get(1), buf.get(2))
        && major != 3
    {
        return Err(RecordError::BadVersion {
            content_type: ct,
            version: u16::from_be_bytes([major, minor]),
        });
    }
    let (Some(&hi), Some(&lo)) = (buf.get(3), buf.get(4)) else {
        return Ok(None);
    };
    let length = usize::from(u16::from_be_bytes([hi, lo]));
    if length > MAX_RECORD_PAYLOAD {
        return Err(RecordError::TooLong {
            content_type: ct,
            length,
        });
    }
    Ok(Some(RECORD_HEADER_LEN + length))
}

/// Splits `buf` into complete records.
///
/// Returns the records, how many bytes they cover (`consumed`: an
/// incomplete trailing record is left for the caller to complete, and is
/// not an error), and the error that stopped the split, if any (the bad
/// record starts at `consumed`).
pub fn split_records(buf: &[u8]) -> (Vec<Record<'_>>, usize, Option<RecordError>) {
    let mut records = Vec::new();
    let mut pos = 0usize;
    loop {
        let rest = buf.get(pos..).unwrap_or_default();
        match check_header(rest) {
            Err(e) => return (records, pos, Some(e)),
            Ok(None) => return (records, pos, None),
            Ok(Some(total)) => {
                let Some(record) = rest.get(..total) else {
                    return (records, pos, None);
                };
                let [ct, v1, v2, _, _, payload @ ..] = record else {
                    return (records, pos, None);
                };
                records.push(Record {
                    content_type: *ct,
                    version: u16::from_be_bytes([*v1, *v2]),
                    payload,
                });
                pos += total;
            }
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::indexing_slicing, clippy::panic)]
mod tests {
    use super::*;

    #[test]
    fn splits_complete_and_keeps_partial() {
        let buf = [
            22, 3, 3, 0, 2, 0xaa, 0xbb, // handshake
            20, 3, 3, 0, 1, 1, // ccs
            23, 3, 3, 0, 5, 1, 2, // partial application data
        ];
        let (records, consumed, err) = split_records(&buf);
        assert_eq!(err, None);
        assert_eq!(consumed, 13);
        assert_eq!(records.len(), 2);
        assert_eq!(records[0].content_type, 22);
        assert_eq!(records[0].version, 0x0303);
        assert_eq!(records[0].payload, &[0xaa, 0xbb]);
        assert_eq!(records[0].wire_len(), 7);
        assert_eq!(records[1].payload, &[1]);
        // Partial header only.
        assert_eq!(split_records(&[22, 3]), (vec![], 0, None));
        assert_eq!(split_records(&[]), (vec![], 0, None));
        // Empty payload is fine.
        let (r, n, e) = split_records(&[23, 3, 3, 0, 0]);
        assert_eq!((r.len(), n, e), (1, 5, None));
    }

    #[test]
    fn smtp_reply_instead_of_tls() {
        let (records, consumed, err) = split_records(b"220 mx.example ESMTP ready\r\n");
        assert!(records.is_empty());
        assert_eq!(consumed, 0);
        let err = err.unwrap();
        assert_eq!(
            err,
            RecordError::NotTls {
                excerpt: "220 mx.example ESMTP ready\\x0d\\x0a".into()
            }
        );
        assert!(err.to_string().contains("SMTP reply"), "{err}");
        // Detected from the first byte alone.
        assert!(matches!(
            split_records(b"2").2,
            Some(RecordError::NotTls { .. })
        ));
        let err = split_records(b"HTTP/1.1 400 Bad Request\r\n").2.unwrap();
        assert!(err.to_string().contains("HTTP"), "{err}");
    }

    #[test]
    fn bad_records_after_good_ones() {
        let mut buf = vec![21, 3, 3, 0, 2, 2, 40];
        buf.extend_from_slice(&[0x00, 0x01, 0x02]);
        let (records, consumed, err) = split_records(&buf);
        assert_eq!(records.len(), 1);
        assert_eq!(consumed, 7);
        assert!(matches!(
            err,
            Some(RecordError::UnknownContentType {
                content_type: 0,
                ..
            })
        ));
    }

    #[test]
    fn too_long_and_bad_version() {
        let max = MAX_RECORD_PAYLOAD as u16;
        let [hi, lo] = max.to_be_bytes();
        assert_eq!(split_records(&[23, 3, 3, hi, lo]).2, None);
        let [hi, lo] = (max + 1).to_be_bytes();
        let err = split_records(&[23, 3, 3, hi, lo]).2.unwrap();
        assert_eq!(
            err,
            RecordError::TooLong {
                content_type: 23,
                length: MAX_RECORD_PAYLOAD + 1
            }
        );
        assert!(
            err.to_string()
                .contains("ApplicationData record of 18433 bytes")
        );
        let err = split_records(&[22, 0xfe, 0xfd, 0, 1, 0]).2.unwrap();
        assert_eq!(
            err,
            RecordError::BadVersion {
                content_type: 22,
                version: 0xfefd
            }
        );
    }

    #[test]
    fn sslv2() {
        // SSLv2 SERVER-HELLO: length 0x8123, type 4.
        assert_eq!(
            split_records(&[0x81, 0x23, 4, 0]).2,
            Some(RecordError::Sslv2)
        );
        assert_eq!(split_records(&[0x81, 0x23]).2, None);
        assert!(matches!(
            split_records(&[0x81, 0x23, 9]).2,
            Some(RecordError::UnknownContentType { .. })
        ));
    }
}
