//! The scan for people: each version with its suites, the groups, the DHE group, and the
//! certificates chosen by suite.

use super::Style;
use super::field;
use super::paint;
use super::wrap_text;
use crate::model::scan::TlsScan;
use crate::model::scan::VersionResult;
use crate::model::scan::VersionStatus;
use std::fmt::Write as _;

/// The scan's section.
pub(super) fn render_scan(o: &mut String, sc: &TlsScan, style: Style) {
    let (c, w) = (style.color, style.width);
    let _ = writeln!(
        o,
        "\n{}",
        paint(
            &format!(
                "Protocols and cipher suites ({} connections)",
                sc.scan_connections
            ),
            "1",
            c
        )
    );
    for (k, v) in &sc.versions {
        render_version(o, k, v, style);
    }
    if let Some(g) = &sc.groups_tls13 {
        let text = format!(
            "TLS 1.3 key shares: {}{}",
            g.groups.join(", "),
            if g.complete { "" } else { " (incomplete)" }
        );
        field(o, "  groups    ", &text, w);
    }
    if let Some(g) = &sc.groups_tls12 {
        let text = format!(
            "TLS 1.2 ECDHE: {}{}",
            g.groups.join(", "),
            if g.complete { "" } else { " (incomplete)" }
        );
        field(o, "  curves    ", &text, w);
    }
    if let Some(b) = sc.dhe_bits {
        match &sc.dhe_group {
            Some(g) => {
                let _ = writeln!(o, "  DHE       {b}-bit group: {g}");
            }
            None => {
                let _ = writeln!(o, "  DHE       {b}-bit group");
            }
        }
    }
    render_scanned_chains(o, sc);
}

/// One version: offered or not (and why), whose order decides, and its suites.
fn render_version(o: &mut String, k: &str, v: &VersionResult, style: Style) {
    let c = style.color;
    let status = match v.status {
        VersionStatus::Offered => paint(
            "offered",
            if matches!(k, "TLSv1.2" | "TLSv1.3") {
                "32"
            } else {
                "31"
            },
            c,
        ),
        VersionStatus::NotOffered => "not offered".to_string(),
        VersionStatus::Unknown => paint("unknown", "33", c),
    };
    let order = match (v.status, v.server_order) {
        (VersionStatus::Offered, Some(true)) => ", the server's order:",
        (VersionStatus::Offered, Some(false)) => ", the client's order decides:",
        (VersionStatus::Offered, None) => ":",
        _ => "",
    };
    let why = match (&v.reason, v.status) {
        (Some(r), VersionStatus::NotOffered | VersionStatus::Unknown) => format!(" ({r})"),
        (Some(r), _) if !v.complete => format!(" (incomplete: {r})"),
        _ => String::new(),
    };
    field(
        o,
        &format!("  {k:<9} "),
        &format!("{status}{order}{why}"),
        style.width,
    );
    for s in &v.suites {
        let id = format!("      {:<8} {:<45} ", s.id, s.iana);
        let rest = format!(
            "{:<31} {}/{} {} {} {}{}",
            s.openssl.as_deref().unwrap_or("-"),
            s.kx,
            s.auth,
            s.enc,
            s.mac,
            s.bits,
            if s.forward_secrecy { " FS" } else { "" }
        );
        // A row wider than the terminal: the IANA name, then the rest under it.
        if style.width != 0 && id.chars().count() + rest.chars().count() > style.width {
            let _ = writeln!(o, "{}", id.trim_end());
            let rest = rest.split_whitespace().collect::<Vec<_>>().join(" ");
            wrap_text(o, &" ".repeat(15), &rest, 15, style.width);
        } else {
            let _ = writeln!(o, "{id}{rest}");
        }
    }
}

/// The certificates the server chooses by suite, when it has more than one.
fn render_scanned_chains(o: &mut String, sc: &TlsScan) {
    if sc.scanned_chains.len() <= 1 {
        return;
    }
    let _ = writeln!(
        o,
        "  certificates: the server has {} certificates, chosen by suite:",
        sc.scanned_chains.len()
    );
    for ch in &sc.scanned_chains {
        let _ = writeln!(
            o,
            "      {} via {} ({} certificates in the chain)",
            ch.version,
            ch.suite,
            ch.chain.len()
        );
    }
}
