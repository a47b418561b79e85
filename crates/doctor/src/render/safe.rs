//! Text from the network made safe for a terminal: the one escaping function of the text output.
//!
//! A server's banner, EHLO keywords and replies, its certificates' names, a DNS answer, a policy
//! file, a client's EHLO name or SNI: any of them may carry terminal control sequences (a
//! window title set with `ESC ] 0 ; … BEL`, the screen cleared with `ESC [ 2 J`, a line rewritten
//! with CR). [`escape`] shows every control character as a visible escape (`\x1b`, `\x07`, `\r`,
//! `\t`, `\u{9b}`) and keeps printable Unicode as it is.
//!
//! The text renderers apply it in one place: [`escaped`] makes a copy of the whole report with
//! every string in it escaped, and the renderers print that copy. So no network-derived value can
//! be printed raw, whichever field it sits in. JSON output keeps the exact text (serde's JSON
//! escaping is enough there).

use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::Value;
use std::borrow::Cow;
use std::fmt::Write as _;

/// Whether `c` is shown as an escape: C0 controls (tab, LF and CR included), DEL, C1 controls
/// (U+0080-U+009F), and the invisible characters that reorder or break a line on a terminal
/// (the bidirectional controls and the Unicode line and paragraph separators).
fn needs_escape(c: char) -> bool {
    c.is_control()
        || matches!(
            c,
            '\u{061c}'
                | '\u{200e}'
                | '\u{200f}'
                | '\u{202a}'..='\u{202e}'
                | '\u{2066}'..='\u{2069}'
                | '\u{2028}'
                | '\u{2029}'
        )
}

/// `c` as a visible escape: `\t`, `\n`, `\r`, `\xNN` for the other ASCII controls (ESC is
/// `\x1b`, BEL `\x07`, DEL `\x7f`), `\u{NN}` beyond ASCII.
fn push_escape(o: &mut String, c: char) {
    match c {
        '\t' => o.push_str("\\t"),
        '\n' => o.push_str("\\n"),
        '\r' => o.push_str("\\r"),
        c if c.is_ascii() => {
            let _ = write!(o, "\\x{:02x}", u32::from(c));
        }
        c => {
            let _ = write!(o, "\\u{{{:x}}}", u32::from(c));
        }
    }
}

/// `s` with every control character shown as a visible escape; printable text, Unicode
/// included, unchanged (and not copied when there is nothing to escape).
pub fn escape(s: &str) -> Cow<'_, str> {
    escape_where(s, needs_escape)
}

/// [`escape`], keeping line feeds: for a whole text of several lines.
pub fn escape_keeping_lines(s: &str) -> Cow<'_, str> {
    escape_where(s, |c| c != '\n' && needs_escape(c))
}

fn escape_where(s: &str, escaped: impl Fn(char) -> bool) -> Cow<'_, str> {
    if !s.chars().any(&escaped) {
        return Cow::Borrowed(s);
    }
    let mut o = String::with_capacity(s.len() + 16);
    for c in s.chars() {
        if escaped(c) {
            push_escape(&mut o, c);
        } else {
            o.push(c);
        }
    }
    Cow::Owned(o)
}

/// A copy of `v` with every string in it escaped (the keys of its maps too), made through its
/// serde form; `None` when that form does not read back (the caller then escapes its output as
/// a whole).
pub fn escaped<T: Serialize + DeserializeOwned>(v: &T) -> Option<T> {
    let mut j = serde_json::to_value(v).ok()?;
    escape_value(&mut j);
    serde_json::from_value(j).ok()
}

/// Every string in `v` escaped, in place.
fn escape_value(v: &mut Value) {
    match v {
        Value::String(s) => {
            if let Cow::Owned(e) = escape(s) {
                *s = e;
            }
        }
        Value::Array(items) => items.iter_mut().for_each(escape_value),
        Value::Object(map) => {
            for (k, mut item) in std::mem::take(map) {
                escape_value(&mut item);
                map.insert(escape(&k).into_owned(), item);
            }
        }
        Value::Null | Value::Bool(_) | Value::Number(_) => {}
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use std::collections::BTreeMap;

    #[test]
    fn csi_sequences_are_shown() {
        assert_eq!(escape("a\x1b[2Jb"), "a\\x1b[2Jb");
        assert_eq!(escape("\x1b[5mblink\x1b[0m"), "\\x1b[5mblink\\x1b[0m");
    }

    #[test]
    fn osc_with_bel_and_with_st_is_shown() {
        assert_eq!(escape("\x1b]0;title\x07"), "\\x1b]0;title\\x07");
        assert_eq!(escape("\x1b]0;title\x1b\\"), "\\x1b]0;title\\x1b\\");
        // OSC 8, a hyperlink.
        assert_eq!(
            escape("\x1b]8;;http://evil.test\x1b\\x\x1b]8;;\x1b\\"),
            "\\x1b]8;;http://evil.test\\x1b\\x\\x1b]8;;\\x1b\\"
        );
    }

    #[test]
    fn c1_controls_are_shown() {
        // U+009B is CSI on its own, U+009D OSC, U+0085 NEL.
        assert_eq!(escape("a\u{9b}2Jb"), "a\\u{9b}2Jb");
        assert_eq!(escape("\u{9d}0;t\u{9c}"), "\\u{9d}0;t\\u{9c}");
        assert_eq!(escape("\u{80}\u{85}\u{9f}"), "\\u{80}\\u{85}\\u{9f}");
        assert_eq!(escape("\u{a0}"), "\u{a0}");
    }

    #[test]
    fn cr_lf_tab_nul_del_are_shown() {
        assert_eq!(escape("ok\rEVIL"), "ok\\rEVIL");
        assert_eq!(escape("a\tb"), "a\\tb");
        assert_eq!(escape("a\nb"), "a\\nb");
        assert_eq!(escape("\0\x08\x7f"), "\\x00\\x08\\x7f");
    }

    #[test]
    fn bidi_controls_are_shown() {
        assert_eq!(escape("a\u{202e}b\u{2066}"), "a\\u{202e}b\\u{2066}");
        assert_eq!(escape("a\u{2028}b"), "a\\u{2028}b");
    }

    #[test]
    fn printable_text_stays_as_it_is() {
        for s in [
            "",
            "mx.example.com ESMTP Postfix",
            "CN=Bücher GmbH, O=日本",
            "Grüße 🙂 \\x1b (a backslash sent as text)",
            "ZWJ: 👩\u{200d}💻",
        ] {
            assert!(matches!(escape(s), Cow::Borrowed(_)), "{s}");
        }
    }

    #[test]
    fn lines_can_be_kept() {
        assert_eq!(
            escape_keeping_lines("one\x1b[2J\ntwo\r\n"),
            "one\\x1b[2J\ntwo\\r\n"
        );
    }

    #[test]
    fn every_string_of_a_value_is_escaped_keys_too() {
        let mut m: BTreeMap<String, Vec<String>> = BTreeMap::new();
        m.insert("k\x1b".into(), vec!["v\x07".into(), "plain".into()]);
        let e = escaped(&m).unwrap();
        assert_eq!(
            e.get("k\\x1b").map(Vec::as_slice),
            Some(&["v\\x07".to_string(), "plain".to_string()][..])
        );
    }
}
