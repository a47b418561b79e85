//! The report: the whole result of a check, as JSON (docs/json.md) and as text for people.
//!
//! * `domain`: a mail domain's senders, findings, MX hosts, MTA-STS, TLS-RPT and DNS;
//! * `endpoint`: one endpoint's findings, connection, chain, SMTP, timings and transcript;
//! * `scan`: the protocols, suites and groups the scan measured;
//! * `peers`: the simulated peers.

mod domain;
mod endpoint;
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
    let _ = writeln!(o, "{head}: {}", r.verdict.text);
    render_error(&mut o, r);
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
fn render_error(o: &mut String, r: &CheckReport) {
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
    let _ = writeln!(o, "  cause    {}", e.message);
    let _ = writeln!(o, "  what to do: {}", e.hint);
}
