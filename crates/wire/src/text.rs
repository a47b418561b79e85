//! Rendering untrusted bytes for humans.

use std::fmt::Write as _;

/// Renders `bytes` as printable ASCII, escaping everything else as `\xNN`
/// (and `\` as `\\`), stopping before the output would exceed `max_chars`.
/// Escapes are never cut in half. When bytes were left out, `...` is
/// appended (and counted in `max_chars`).
pub fn escape_excerpt(bytes: &[u8], max_chars: usize) -> String {
    fn width(b: u8) -> usize {
        match b {
            b'\\' => 2,
            0x20..=0x7e => 1,
            _ => 4,
        }
    }
    // Every byte is at least one character wide, so looking at one byte
    // more than fits is enough to know whether everything fits.
    let total: usize = bytes
        .iter()
        .take(max_chars.saturating_add(1))
        .map(|&b| width(b))
        .sum();
    let (budget, ellipsis) = if total <= max_chars {
        (max_chars, false)
    } else {
        (max_chars.saturating_sub(3), true)
    };
    let mut out = String::new();
    for &b in bytes {
        if out.len() + width(b) > budget {
            break;
        }
        match b {
            b'\\' => out.push_str("\\\\"),
            0x20..=0x7e => out.push(char::from(b)),
            _ => {
                let _ = write!(out, "\\x{b:02x}");
            }
        }
    }
    if ellipsis {
        out.push_str("...");
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_non_printables() {
        assert_eq!(
            escape_excerpt(b"ab\x16\x03\r\n\\", 80),
            "ab\\x16\\x03\\x0d\\x0a\\\\"
        );
    }

    #[test]
    fn bounded_length() {
        let long = [0xffu8; 100];
        let s = escape_excerpt(&long, 80);
        assert!(s.len() <= 80, "{}", s.len());
        assert!(s.ends_with("..."));
        let s = escape_excerpt(&[b'a'; 80], 80);
        assert_eq!(s.len(), 80);
        assert!(!s.ends_with("..."));
        let s = escape_excerpt(&[b'a'; 81], 80);
        assert_eq!(s.len(), 80);
        assert!(s.ends_with("..."));
        assert_eq!(escape_excerpt(b"abc", 0), "...");
    }
}
