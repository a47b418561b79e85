//! The simulated peers for people: who would fail and why (with the fixes), who connects with
//! what, and who cannot be told.

use super::Style;
use super::paint;
use super::wrap_text;
use crate::model::profile::Simulation;
use std::fmt::Write as _;

/// The peers' section: a line per peer.
pub(super) fn render_profiles(o: &mut String, sims: &[Simulation], style: Style) {
    let c = style.color;
    let failing = sims.iter().filter(|s| s.result == "fails").count();
    let _ = writeln!(
        o,
        "\n{}",
        paint(
            &format!("Peers ({} of {} would fail)", failing, sims.len()),
            "1",
            c
        )
    );
    for s in sims {
        match s.result.as_str() {
            "fails" => render_failing(o, s, style),
            "ok" => {
                let n = s.negotiated.as_ref();
                let head = format!("  {} {:<26} ", paint("ok     ", "32", c), s.profile);
                let text = format!(
                    "{} {}{}",
                    n.map(|n| n.version.as_str()).unwrap_or("?"),
                    n.map(|n| n.suite_name.as_str()).unwrap_or("?"),
                    n.and_then(|n| n.group.as_ref())
                        .map(|g| format!(" {g}"))
                        .unwrap_or_default()
                );
                wrap_text(o, &head, &text, 12, style.width);
            }
            _ => {
                let head = format!("  {} {:<26} ", paint("unknown", "33", c), s.profile);
                wrap_text(o, &head, &s.detail, 12, style.width);
            }
        }
    }
}

/// A failing peer: why, whether it then delivers in plaintext, and the fixes on both sides.
fn render_failing(o: &mut String, s: &Simulation, style: Style) {
    let (c, w) = (style.color, style.width);
    let head = format!("  {} {:<26} ", paint("FAILS  ", "1;31", c), s.profile);
    let text = format!(
        "{}: {}{}",
        s.reason.as_deref().unwrap_or("?"),
        s.detail,
        if s.plaintext_fallback {
            " (it then delivers in plaintext)"
        } else {
            ""
        }
    );
    wrap_text(o, &head, &text, 12, w);
    if let Some(f) = &s.fix_server {
        wrap_text(o, "            fix (server): ", f, 14, w);
    }
    if let Some(f) = &s.fix_client {
        wrap_text(o, "            fix (client): ", f, 14, w);
    }
}
