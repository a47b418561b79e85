//! The report: the whole result of a check, as JSON (docs/json.md) and as text for people.
//!
//! * `domain`: a mail domain's senders, findings, MX hosts, MTA-STS, TLS-RPT and DNS;
//! * `endpoint`: one endpoint's findings, connection, chain, SMTP, timings and transcript;
//! * `scan`: the protocols, suites and groups the scan measured;
//! * `checks`: the vulnerability battery (vulnerable checks with their evidence, the rest in brief);
//! * `peers`: the simulated peers.

mod checks;
mod domain;
mod endpoint;
mod mta;
mod peers;
mod scan;

use crate::model::finding::Severity;
use crate::model::report::CheckReport;
use crate::model::report::Status;
use crate::render::safe;
use std::fmt::Write as _;

/// Style for text output.
#[derive(Debug, Clone, Copy)]
pub struct Style {
    pub color: bool,
    pub transcript: bool,
    /// The columns the text wraps to (the terminal's width, or 80); 0: no wrapping. Prose (the
    /// summaries, the fixes, the details) wraps, indented under its label; the verdict (the first
    /// line), configuration lines, commands and the transcript do not. A word longer than a line
    /// (a URL, a fingerprint) stays whole.
    pub width: usize,
}

/// The fewest columns wrapped text gets after its indentation, however narrow the terminal.
const MIN_TEXT: usize = 24;

/// Writes `head` then `text` wrapped to `width` columns (`\n` in `text` breaks too), each line
/// after the first indented by `indent` spaces. `head`'s colour escapes take no width.
fn wrap_text(o: &mut String, head: &str, text: &str, indent: usize, width: usize) {
    if width == 0 || text.trim().is_empty() {
        let _ = writeln!(o, "{head}{text}");
        return;
    }
    let sub = " ".repeat(indent);
    let opts = textwrap::Options::new(width.max(indent + MIN_TEXT))
        .initial_indent(head)
        .subsequent_indent(&sub)
        .break_words(false)
        .word_separator(textwrap::WordSeparator::AsciiSpace)
        .word_splitter(textwrap::WordSplitter::NoHyphenation);
    for line in textwrap::wrap(text, &opts) {
        let _ = writeln!(o, "{line}");
    }
}

/// One line of a fix: prose wraps (under `indent` spaces); a configuration line or a command
/// (few plain words: `smtpd_tls_chain_files = ...`, `openssl s_client ...`) is written whole, to be
/// copied as it is.
fn fix_line(o: &mut String, line: &str, indent: usize, width: usize) {
    let head = " ".repeat(indent);
    if is_prose(line) {
        wrap_text(o, &head, line, indent, width);
    } else {
        let _ = writeln!(o, "{head}{line}");
    }
}

/// Whether a line reads as sentences: not indented nor a comment, and at least four plain words
/// (`the`, `Reload`), half the words or more, or a quarter in a line that ends a sentence.
/// Commands and settings are mostly options, paths and names.
fn is_prose(line: &str) -> bool {
    if line.starts_with(char::is_whitespace) || line.starts_with('#') {
        return false;
    }
    let words = line.split_whitespace().count();
    let plain = line
        .split_whitespace()
        .map(|w| w.trim_matches([',', '.', ';', ':', '(', ')']))
        .filter(|w| {
            let mut chars = w.chars();
            w.len() >= 2
                && chars.next().is_some_and(|c| c.is_ascii_alphabetic())
                && chars.all(|c| c.is_ascii_lowercase())
        })
        .count();
    plain >= 4 && (plain * 2 >= words || (plain * 4 >= words && line.ends_with(['.', ':'])))
}

/// A labelled line, `head` then `text`, wrapped with the lines after the first aligned under
/// the start of `text`.
fn field(o: &mut String, head: &str, text: &str, width: usize) {
    wrap_text(o, head, text, textwrap::core::display_width(head), width);
}

/// `s` in the ANSI colour `code` when `on`.
fn paint(s: &str, code: &str, on: bool) -> String {
    if on {
        format!("\x1b[{code}m{s}\x1b[0m")
    } else {
        s.to_string()
    }
}

/// A severity as a label of fixed width.
fn sev_label(s: Severity, color: bool) -> String {
    match s {
        Severity::Error => paint("error  ", "1;31", color),
        Severity::Warning => paint("warning", "1;33", color),
        Severity::Note => paint("note   ", "36", color),
    }
}

/// Milliseconds, or seconds from 1000 ms on; "-" when not measured.
fn ms(v: Option<f64>) -> String {
    v.map(|m| {
        if m >= 1000.0 {
            format!("{:.2} s", m / 1000.0)
        } else {
            format!("{m:.1} ms")
        }
    })
    .unwrap_or_else(|| "-".into())
}

/// The report for people: the verdict first, then findings, then details. Every string of the
/// report is escaped for the terminal first ([`crate::render::safe`]): a server's bytes never
/// reach it raw, whichever field they sit in.
pub fn render_text(r: &CheckReport, style: Style) -> String {
    match safe::escaped(r) {
        Some(clean) => render(&clean, style),
        // Not expected (the report reads back from its JSON, as `--from-json` does); the text
        // is still escaped, without colour.
        None => safe::escape_keeping_lines(&render(
            r,
            Style {
                color: false,
                ..style
            },
        ))
        .into_owned(),
    }
}

/// The report, its strings already escaped.
fn render(r: &CheckReport, style: Style) -> String {
    let c = style.color;
    let mut o = String::new();
    let head = match r.verdict.status {
        Status::Ok => paint("OK", "1;32", c),
        Status::Warnings => paint("WARNING", "1;33", c),
        Status::Problems => paint("PROBLEM", "1;31", c),
        Status::Error => paint("NOT CHECKED", "1;31", c),
    };
    // The verdict stays one line, whatever the width: `| head -1` gives it whole.
    let _ = writeln!(o, "{head}: {}", r.verdict.text);
    render_error(&mut o, r, style.width);
    if let Some(d) = &r.domain {
        domain::render_domain(&mut o, d, style);
        for ep in &r.endpoints {
            let _ = writeln!(
                o,
                "\n{}",
                paint(
                    &format!(
                        "=== MX {} at {} ===",
                        ep.observation.name, ep.observation.address
                    ),
                    "1;36",
                    c
                )
            );
            endpoint::render_endpoint(&mut o, r, ep, style);
        }
        return o;
    }
    for ep in &r.endpoints {
        endpoint::render_endpoint(&mut o, r, ep, style);
    }
    o
}

/// Why the check could not be done, and what to do.
fn render_error(o: &mut String, r: &CheckReport, w: usize) {
    let Some(e) = &r.error else {
        return;
    };
    let _ = writeln!(o);
    let _ = writeln!(
        o,
        "  host     {}{}",
        e.host,
        e.address
            .as_ref()
            .map(|a| format!(" ({a})"))
            .unwrap_or_default()
    );
    let _ = writeln!(o, "  phase    {}", e.phase.as_str());
    field(o, "  cause    ", &e.message, w);
    wrap_text(o, "  what to do: ", &e.hint, 11, w);
}

#[cfg(test)]
mod tests {
    use super::{field, fix_line, is_prose, paint, wrap_text};

    #[test]
    fn prose_wraps_and_commands_stay_whole() {
        for prose in [
            "Turn on opportunistic TLS in main.cf (smtpd_tls_chain_files needs Postfix 3.4+):",
            "and give the submission services in master.cf \"-o smtpd_tls_security_level=encrypt\". To remove TLS 1.0 and 1.1 on port 25 too, set smtpd_tls_protocols = >=TLSv1.2. Then `postfix reload`.",
            "or point the MX record and client settings at a name the certificate already covers.",
        ] {
            assert!(is_prose(prose), "{prose}");
        }
        for code in [
            "smtpd_tls_chain_files = /etc/letsencrypt/live/mail.example.com/privkey.pem, /etc/letsencrypt/live/mail.example.com/fullchain.pem",
            "openssl s_client -connect mail.example.com:25 -starttls smtp -servername mail.example.com",
            "grep -E 'TLS connection established from .*: TLSv1 with' /var/log/mail.log",
            "_smtp._tls.example.com. IN TXT \"v=TLSRPTv1; rua=mailto:tls-reports@example.com\"",
            " class inspection_default",
            "# ports 25 and 587: plain connection, then STARTTLS",
            "postfix reload",
        ] {
            assert!(!is_prose(code), "{code}");
        }
        let mut o = String::new();
        let cmd = "openssl s_client -connect mail.example.com:25 -starttls smtp -servername mail.example.com";
        fix_line(&mut o, cmd, 14, 40);
        assert_eq!(o, format!("              {cmd}\n"));
    }

    #[test]
    fn wrapped_lines_fit_and_are_indented() {
        let text = "the server does not send the certificate of its intermediate CA, which issued the leaf";
        let mut o = String::new();
        wrap_text(&mut o, "  error   chain-incomplete  ", text, 12, 50);
        let lines: Vec<&str> = o.lines().collect();
        assert!(lines.len() >= 3, "{o}");
        assert!(
            lines[0].starts_with("  error   chain-incomplete  the"),
            "{o}"
        );
        for l in &lines[1..] {
            assert!(
                l.starts_with("            ") && !l.starts_with("             "),
                "{o}"
            );
        }
        assert!(lines.iter().all(|l| l.chars().count() <= 50), "{o}");
        assert_eq!(
            o.split_whitespace().collect::<Vec<_>>()[2..].join(" "),
            text
        );
        // Colour escapes take no width: the same breaks in colour.
        let mut coloured = String::new();
        let head = format!(
            "  {} {}  ",
            paint("error  ", "1;31", true),
            paint("chain-incomplete", "1", true)
        );
        wrap_text(&mut coloured, &head, text, 12, 50);
        let stripped = coloured
            .replace("\x1b[1;31m", "")
            .replace("\x1b[1m", "")
            .replace("\x1b[0m", "");
        assert_eq!(stripped, o);
        // A word longer than a line stays whole, on a line of its own.
        let hash = "88:D8:B0:3E:00:74:F5:47:37:75:54:91:B7:18:D0:13:C2:C7:20:EC";
        let mut o = String::new();
        field(&mut o, "     sha256     ", &format!("{hash} {hash}"), 40);
        assert_eq!(
            o,
            format!("     sha256     {hash}\n                {hash}\n")
        );
        // Width 0: no wrapping.
        let mut o = String::new();
        wrap_text(&mut o, "  ", text, 4, 0);
        assert_eq!(o, format!("  {text}\n"));
    }
}
