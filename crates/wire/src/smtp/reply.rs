//! Incremental, bounded parsing of SMTP replies (RFC 5321 section 4.2).
//!
//! ```text
//! Reply-line     = *( Reply-code "-" [ textstring ] CRLF )
//!                     Reply-code [ SP textstring ] CRLF
//! Reply-code     = %x32-35 %x30-35 %x30-39
//! ```
//!
//! The parser is lenient where real servers are sloppy (a bare LF ends a
//! line, any digit is accepted in the second and third position) and strict
//! where it matters for a diagnosis: it refuses endless lines, endless
//! replies, non-SMTP bytes (e.g. a TLS record when the port speaks implicit
//! TLS) and multi-line replies that change their code half-way.

use serde::{Deserialize, Serialize};

use crate::text::escape_excerpt;

/// Bounds applied by [`parse_reply`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Limits {
    /// Longest accepted line in bytes, including its CRLF (default 4096).
    ///
    /// RFC 5321 section 4.5.3.1.5 allows 512; real servers exceed it, so
    /// the default is generous while still bounding memory.
    pub max_line: usize,
    /// Most lines accepted in one (multi-line) reply (default 200).
    pub max_lines: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_line: 4096,
            max_lines: 200,
        }
    }
}

/// One complete SMTP reply.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Reply {
    /// The three-digit reply code, e.g. 250.
    pub code: u16,
    /// The text of each line after `NNN-` / `NNN ` (lossy UTF-8, without
    /// the line ending). A line consisting only of the code gives `""`.
    pub lines: Vec<String>,
}

impl Reply {
    /// The first digit of the code: 2, 3, 4 or 5 for a parsed reply.
    pub fn class(&self) -> u8 {
        u8::try_from(self.code / 100).unwrap_or(u8::MAX)
    }

    /// A 2xx reply (positive completion).
    pub fn is_positive(&self) -> bool {
        self.class() == 2
    }

    /// A 4xx reply (transient negative completion: try again later).
    pub fn is_transient(&self) -> bool {
        self.class() == 4
    }

    /// A 5xx reply (permanent negative completion).
    pub fn is_permanent(&self) -> bool {
        self.class() == 5
    }

    /// The text of all lines joined with `"\n"`.
    pub fn text(&self) -> String {
        self.lines.join("\n")
    }

    /// The RFC 3463 enhanced status code (`class.subject.detail`, e.g.
    /// `4.7.0`) at the start of the first line, if there is one.
    ///
    /// RFC 3463 section 2: class is 2, 4 or 5; subject and detail are 1 to 3
    /// digits each. The code must be followed by a space or end the line.
    pub fn enhanced_status(&self) -> Option<(u8, u16, u16)> {
        let first = self.lines.first()?;
        let token = first.split(' ').next()?;
        let mut parts = token.split('.');
        let class = parts.next()?;
        let subject = parts.next()?;
        let detail = parts.next()?;
        if parts.next().is_some() {
            return None;
        }
        let class: u8 = match class {
            "2" => 2,
            "4" => 4,
            "5" => 5,
            _ => return None,
        };
        Some((
            class,
            parse_1_to_3_digits(subject)?,
            parse_1_to_3_digits(detail)?,
        ))
    }

    /// The reply as it looks on the wire, one string per line, without
    /// CRLF: `["250-mx.example", "250 STARTTLS"]`.
    pub fn to_wire_lines(&self) -> Vec<String> {
        if self.lines.is_empty() {
            return vec![format!("{:03}", self.code)];
        }
        let last = self.lines.len() - 1;
        self.lines
            .iter()
            .enumerate()
            .map(|(i, text)| {
                let sep = if i == last { ' ' } else { '-' };
                if text.is_empty() && i == last {
                    format!("{:03}", self.code)
                } else {
                    format!("{:03}{sep}{text}", self.code)
                }
            })
            .collect()
    }
}

fn parse_1_to_3_digits(s: &str) -> Option<u16> {
    if s.is_empty() || s.len() > 3 || !s.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    s.parse().ok()
}

/// Result of [`parse_reply`] on a buffer that holds no error (yet).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Parsed {
    /// A whole reply was found at the start of the buffer.
    Complete {
        /// The reply.
        reply: Reply,
        /// How many bytes of the buffer it used (up to and including the
        /// last line's LF); the rest belongs to what follows (pipelining).
        consumed: usize,
    },
    /// The buffer holds the start of a reply; read more and call again.
    Incomplete,
}

/// Why the bytes are not an acceptable SMTP reply.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum ReplyError {
    /// A line (possibly one whose end has not arrived yet) is longer than
    /// `limit` bytes.
    LineTooLong {
        /// [`Limits::max_line`].
        limit: usize,
    },
    /// The reply has more than `limit` lines.
    TooManyLines {
        /// [`Limits::max_lines`].
        limit: usize,
    },
    /// A line does not start with a reply code (three digits, the first 2 to
    /// 5) followed by `-`, a space or the end of the line.
    NotSmtp {
        /// Printable, escaped excerpt of the line (at most 80 characters,
        /// non-printable bytes as `\xNN`).
        line: String,
    },
    /// A multi-line reply whose lines carry different codes.
    CodeChanged {
        /// Code of the first line.
        first: u16,
        /// The different code seen on a later line.
        got: u16,
    },
}

impl std::fmt::Display for ReplyError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ReplyError::LineTooLong { limit } => write!(
                f,
                "the server sent a line longer than {limit} bytes without an end of line"
            ),
            ReplyError::TooManyLines { limit } => write!(
                f,
                "the server sent a reply of more than {limit} lines without ending it"
            ),
            ReplyError::NotSmtp { line } => {
                write!(
                    f,
                    "the server sent something that is not an SMTP reply: \"{line}\""
                )?;
                if let Some(hint) = not_smtp_hint(line) {
                    write!(f, " ({hint})")?;
                }
                Ok(())
            }
            ReplyError::CodeChanged { first, got } => write!(
                f,
                "the server changed the reply code in the middle of a multi-line reply \
                 (first {first}, then {got})"
            ),
        }
    }
}

impl std::error::Error for ReplyError {}

/// A guess at what the peer speaks instead, from the escaped excerpt.
fn not_smtp_hint(escaped: &str) -> Option<&'static str> {
    if escaped.starts_with("\\x16\\x03") {
        Some(
            "it looks like a TLS handshake: this port seems to expect TLS from the start (implicit TLS), not STARTTLS",
        )
    } else if escaped.starts_with("\\x15\\x03") {
        Some("it looks like a TLS alert: this port seems to speak TLS from the start")
    } else if escaped.starts_with("HTTP/") {
        Some("it looks like an HTTP server")
    } else if escaped.starts_with("+OK") {
        Some("it looks like a POP3 server")
    } else if escaped.starts_with("* OK") {
        Some("it looks like an IMAP server")
    } else if escaped.starts_with("SSH-") {
        Some("it looks like an SSH server")
    } else {
        None
    }
}

fn not_smtp(line: &[u8]) -> ReplyError {
    let line = line.strip_suffix(b"\n").unwrap_or(line);
    let line = line.strip_suffix(b"\r").unwrap_or(line);
    ReplyError::NotSmtp {
        line: escape_excerpt(line, 80),
    }
}

/// Checks the reply-code prefix of `line` (which may be incomplete and may
/// or may not include its line ending). Returns the code once three digits
/// are present. Errors as soon as any present byte of the prefix is wrong.
fn check_prefix(line: &[u8]) -> Result<Option<u16>, ReplyError> {
    let mut code: u16 = 0;
    for (i, &b) in line.iter().take(4).enumerate() {
        let ok = match i {
            0 => (b'2'..=b'5').contains(&b),
            1 | 2 => b.is_ascii_digit(),
            _ => matches!(b, b'-' | b' ' | b'\r' | b'\n'),
        };
        if !ok {
            return Err(not_smtp(line));
        }
        if i < 3 {
            code = code * 10 + u16::from(b - b'0');
        }
    }
    Ok((line.len() >= 3).then_some(code))
}

/// Parses one SMTP reply from the start of `buf`.
///
/// * Lines end in CRLF or, leniently, in a bare LF.
/// * `NNN-text` continues the reply, `NNN text` or a bare `NNN` ends it.
/// * Errors are reported as early as the bytes allow: a wrong reply-code
///   prefix as soon as its bytes are present, an over-long line as soon as
///   more than [`Limits::max_line`] bytes are buffered without a line end.
///
/// Never panics, whatever the bytes and limits.
pub fn parse_reply(buf: &[u8], limits: &Limits) -> Result<Parsed, ReplyError> {
    let mut pos = 0usize;
    let mut first_code: Option<u16> = None;
    let mut lines: Vec<String> = Vec::new();

    loop {
        let rest = buf.get(pos..).unwrap_or_default();
        // Only look for the line end within the allowed length.
        let window = rest.get(..limits.max_line).unwrap_or(rest);
        let lf = window.iter().position(|&b| b == b'\n');
        let line_with_end = match lf {
            Some(i) => window.get(..=i).unwrap_or(window),
            None => window,
        };

        // Prefix check first: it is the earliest and most telling error.
        let code = check_prefix(line_with_end)?;
        if let (Some(first), Some(got)) = (first_code, code)
            && first != got
        {
            return Err(ReplyError::CodeChanged { first, got });
        }

        let Some(lf) = lf else {
            // No line end within max_line bytes.
            if !rest.is_empty() && rest.len() >= limits.max_line {
                return Err(ReplyError::LineTooLong {
                    limit: limits.max_line,
                });
            }
            return Ok(Parsed::Incomplete);
        };

        // A complete line: strip LF and an optional CR.
        let content = line_with_end.get(..lf).unwrap_or_default();
        let content = content.strip_suffix(b"\r").unwrap_or(content);
        let Some(code) = code else {
            // Fewer than three bytes before the line end.
            return Err(not_smtp(line_with_end));
        };
        let (sep, text) = match content.get(3..) {
            Some([]) | None => (b' ', &[][..]),
            Some([sep, text @ ..]) => (*sep, text),
        };
        if sep == b'\r' {
            // "250\r" followed by more text on the same line.
            return Err(not_smtp(line_with_end));
        }
        first_code.get_or_insert(code);
        lines.push(String::from_utf8_lossy(text).into_owned());
        pos += lf + 1;

        if sep != b'-' {
            return Ok(Parsed::Complete {
                reply: Reply { code, lines },
                consumed: pos,
            });
        }
        if lines.len() >= limits.max_lines {
            return Err(ReplyError::TooManyLines {
                limit: limits.max_lines,
            });
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::indexing_slicing, clippy::panic)]
mod tests {
    use super::*;

    fn complete(buf: &[u8]) -> (Reply, usize) {
        match parse_reply(buf, &Limits::default()) {
            Ok(Parsed::Complete { reply, consumed }) => (reply, consumed),
            other => panic!("expected a complete reply, got {other:?}"),
        }
    }

    fn err(buf: &[u8]) -> ReplyError {
        match parse_reply(buf, &Limits::default()) {
            Err(e) => e,
            other => panic!("expected an error, got {other:?}"),
        }
    }

    fn incomplete(buf: &[u8]) {
        assert_eq!(parse_reply(buf, &Limits::default()), Ok(Parsed::Incomplete));
    }

    #[test]
    fn postfix_banner() {
        let buf = b"220 mail.example.org ESMTP Postfix (Debian/GNU)\r\n";
        let (r, n) = complete(buf);
        assert_eq!(n, buf.len());
        assert_eq!(r.code, 220);
        assert_eq!(r.lines, ["mail.example.org ESMTP Postfix (Debian/GNU)"]);
        assert!(r.is_positive() && !r.is_transient() && !r.is_permanent());
        assert_eq!(r.class(), 2);
        assert_eq!(r.enhanced_status(), None);
    }

    #[test]
    fn exim_multiline_banner() {
        let buf = b"220-mx.example.net ESMTP Exim 4.96 Tue, 25 Nov 2025 15:14:00 +0000\r\n\
                    220-We do not authorize the use of this system to transport unsolicited,\r\n\
                    220 and/or bulk e-mail.\r\n";
        let (r, n) = complete(buf);
        assert_eq!(n, buf.len());
        assert_eq!(r.code, 220);
        assert_eq!(r.lines.len(), 3);
        assert_eq!(r.lines[2], "and/or bulk e-mail.");
        assert!(r.text().contains("\nand/or bulk"));
    }

    #[test]
    fn too_many_connections() {
        let (r, _) = complete(b"421 4.7.0 Too many connections\r\n");
        assert!(r.is_transient());
        assert_eq!(r.enhanced_status(), Some((4, 7, 0)));
        let (r, _) = complete(b"554 5.7.1 <x@y>: Relay access denied\r\n");
        assert!(r.is_permanent());
        assert_eq!(r.enhanced_status(), Some((5, 7, 1)));
        let (r, _) = complete(b"250 2.1.0\r\n");
        assert_eq!(r.enhanced_status(), Some((2, 1, 0)));
        let (r, _) = complete(b"250 2.1.1000 nope\r\n");
        assert_eq!(r.enhanced_status(), None);
        let (r, _) = complete(b"250 3.1.0 nope\r\n");
        assert_eq!(r.enhanced_status(), None);
        let (r, _) = complete(b"250 2.1.0.1 nope\r\n");
        assert_eq!(r.enhanced_status(), None);
        let (r, _) = complete(b"250 2.1.x nope\r\n");
        assert_eq!(r.enhanced_status(), None);
    }

    #[test]
    fn ehlo_reply_multi_line_and_pipelined_rest() {
        let buf =
            b"250-mx.example\r\n250-PIPELINING\r\n250-SIZE 10240000\r\n250 STARTTLS\r\n220 next";
        let (r, n) = complete(buf);
        assert_eq!(&buf[n..], b"220 next");
        assert_eq!(
            r.lines,
            ["mx.example", "PIPELINING", "SIZE 10240000", "STARTTLS"]
        );
        assert_eq!(
            r.to_wire_lines(),
            [
                "250-mx.example",
                "250-PIPELINING",
                "250-SIZE 10240000",
                "250 STARTTLS"
            ]
        );
    }

    #[test]
    fn bare_lf_and_code_only_lines() {
        let (r, n) = complete(b"250-a\n250\n");
        assert_eq!((r.code, n), (250, 10));
        assert_eq!(r.lines, ["a", ""]);
        let (r, _) = complete(b"250\r\n");
        assert_eq!(r.lines, [""]);
        assert_eq!(r.to_wire_lines(), ["250"]);
        let (r, _) = complete(b"250 \r\n");
        assert_eq!(r.lines, [""]);
        let (r, _) = complete(b"250-\r\n250 x\r\n");
        assert_eq!(r.lines, ["", "x"]);
        assert_eq!(r.to_wire_lines(), ["250-", "250 x"]);
    }

    #[test]
    fn incomplete_inputs() {
        incomplete(b"");
        incomplete(b"2");
        incomplete(b"22");
        incomplete(b"220");
        incomplete(b"220 ");
        incomplete(b"220 mx.example ESMTP");
        incomplete(b"220 mx.example ESMTP\r");
        incomplete(b"250-a\r\n");
        incomplete(b"250-a\r\n25");
        incomplete(b"250-a\r\n250 b");
    }

    #[test]
    fn tls_record_at_banner_is_detected_early() {
        // A TLS alert / handshake arriving where the banner should be.
        let e = err(b"\x16\x03\x01\x00");
        let ReplyError::NotSmtp { line } = &e else {
            panic!("{e:?}")
        };
        assert_eq!(line, "\\x16\\x03\\x01\\x00");
        assert!(e.to_string().contains("implicit TLS"), "{e}");
        // Even a single wrong byte is enough.
        assert!(matches!(err(b"\x15"), ReplyError::NotSmtp { .. }));
        // Good first digits but a bad separator.
        assert!(matches!(err(b"220x"), ReplyError::NotSmtp { .. }));
        assert!(matches!(err(b"22a"), ReplyError::NotSmtp { .. }));
        assert!(matches!(err(b"120 x\r\n"), ReplyError::NotSmtp { .. }));
        assert!(matches!(err(b"620 x\r\n"), ReplyError::NotSmtp { .. }));
    }

    #[test]
    fn garbage_and_short_lines() {
        let e = err(b"HTTP/1.1 400 Bad Request\r\n");
        assert_eq!(
            e,
            ReplyError::NotSmtp {
                line: "HTTP/1.1 400 Bad Request".into()
            }
        );
        assert!(e.to_string().contains("HTTP server"), "{e}");
        assert!(matches!(err(b"\r\n"), ReplyError::NotSmtp { .. }));
        assert!(matches!(err(b"\n"), ReplyError::NotSmtp { .. }));
        assert!(matches!(err(b"25\r\n"), ReplyError::NotSmtp { .. }));
        assert!(matches!(err(b"25\n"), ReplyError::NotSmtp { .. }));
        assert!(matches!(err(b"250\rx\n"), ReplyError::NotSmtp { .. }));
        // Garbage on a continuation line.
        assert!(matches!(
            err(b"250-a\r\nhello\r\n"),
            ReplyError::NotSmtp { .. }
        ));
        let e = err(b"+OK POP3 ready\r\n");
        assert!(e.to_string().contains("POP3"));
    }

    #[test]
    fn excerpt_is_bounded_and_escaped() {
        let mut buf = vec![0x16u8];
        buf.extend(std::iter::repeat_n(0xffu8, 500));
        let ReplyError::NotSmtp { line } = err(&buf) else {
            panic!()
        };
        assert!(line.chars().count() <= 80, "{line}");
        assert!(line.is_ascii());
    }

    #[test]
    fn code_changed() {
        assert_eq!(
            err(b"250-a\r\n251 b\r\n"),
            ReplyError::CodeChanged {
                first: 250,
                got: 251
            }
        );
        // Detected before the line ends.
        assert_eq!(
            err(b"250-a\r\n220"),
            ReplyError::CodeChanged {
                first: 250,
                got: 220
            }
        );
    }

    #[test]
    fn line_too_long() {
        let limits = Limits {
            max_line: 16,
            max_lines: 10,
        };
        // Exactly 16 bytes including CRLF: fine.
        let ok = b"250 abcdefghij\r\n";
        assert_eq!(ok.len(), 16);
        assert!(matches!(
            parse_reply(ok, &limits),
            Ok(Parsed::Complete { .. })
        ));
        // 17 bytes: too long, even once complete.
        assert_eq!(
            parse_reply(b"250 abcdefghijk\r\n", &limits),
            Err(ReplyError::LineTooLong { limit: 16 })
        );
        // 15 bytes without an end: might still end at 16.
        assert_eq!(
            parse_reply(b"250 abcdefghijk", &limits),
            Ok(Parsed::Incomplete)
        );
        // 16 bytes without an end: can only get longer.
        assert_eq!(
            parse_reply(b"250 abcdefghijkl", &limits),
            Err(ReplyError::LineTooLong { limit: 16 })
        );
        // An endless line with the default limit.
        let mut endless = b"220 ".to_vec();
        endless.extend(std::iter::repeat_n(b'x', 5000));
        let e = err(&endless);
        assert_eq!(e, ReplyError::LineTooLong { limit: 4096 });
        assert_eq!(
            e.to_string(),
            "the server sent a line longer than 4096 bytes without an end of line"
        );
    }

    #[test]
    fn too_many_lines() {
        let limits = Limits {
            max_line: 100,
            max_lines: 3,
        };
        assert!(matches!(
            parse_reply(b"250-a\r\n250-b\r\n250 c\r\n", &limits),
            Ok(Parsed::Complete { .. })
        ));
        assert_eq!(
            parse_reply(b"250-a\r\n250-b\r\n250-c\r\n", &limits),
            Err(ReplyError::TooManyLines { limit: 3 })
        );
    }

    #[test]
    fn degenerate_limits_do_not_panic() {
        for max_line in 0..6 {
            for max_lines in 0..3 {
                let limits = Limits {
                    max_line,
                    max_lines,
                };
                for buf in [&b""[..], b"2", b"250\r\n", b"250-a\r\n250 b\r\n", b"\n"] {
                    let _ = parse_reply(buf, &limits);
                }
            }
        }
    }

    #[test]
    fn non_utf8_text_is_lossy() {
        let (r, _) = complete(b"250 caf\xe9\r\n");
        assert_eq!(r.lines, ["caf\u{fffd}"]);
    }

    #[test]
    fn error_messages() {
        assert_eq!(
            ReplyError::TooManyLines { limit: 200 }.to_string(),
            "the server sent a reply of more than 200 lines without ending it"
        );
        assert!(
            ReplyError::CodeChanged {
                first: 250,
                got: 251
            }
            .to_string()
            .contains("first 250, then 251")
        );
    }
}
