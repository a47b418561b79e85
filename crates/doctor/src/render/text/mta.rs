//! The server software for people ("the server looks like Exim 4.96 (banner)"), the fix for it
//! shown first, and the STARTTLS injection check.

use super::Style;
use super::field;
use super::fix_line;
use super::wrap_text;
use crate::model::finding::Fix;
use crate::model::report::EndpointReport;
use std::fmt::Write as _;

/// The guess in one line, before the findings: name, version, what it rests on.
pub(super) fn render_software(o: &mut String, ep: &EndpointReport, style: Style) {
    let Some(s) = &ep.server_software else {
        return;
    };
    let named = match &s.version {
        Some(v) => format!("{} {v}", s.name),
        None => s.name.clone(),
    };
    let text = if s.evidence.iter().any(|e| e == "given by the user") {
        format!("the server is {named} (as given)")
    } else {
        format!(
            "the server looks like {named} ({}; {} confidence)",
            crate::judge::software::basis(s),
            s.confidence.as_str()
        )
    };
    let _ = writeln!(o);
    wrap_text(o, "", &text, 2, style.width);
}

/// The fix for the server's own software in full, then one line naming the others. False
/// (nothing written) when there is no such fix.
pub(super) fn render_own_fix(o: &mut String, code: &str, ordered: &[&Fix], w: usize) -> bool {
    let Some((own, rest)) = ordered.split_first() else {
        return false;
    };
    let _ = writeln!(o, "            fix ({}):", own.software);
    for line in own.text.lines() {
        fix_line(o, line, 14, w);
    }
    if rest.is_empty() {
        let _ = writeln!(o, "            more: smtp-tls-doctor explain {code}");
    } else {
        let others: Vec<&str> = rest.iter().map(|f| f.software).collect();
        wrap_text(
            o,
            "            ",
            &format!(
                "fixes for {}: smtp-tls-doctor explain {code}",
                others.join(", ")
            ),
            14,
            w,
        );
    }
    true
}

/// The STARTTLS injection check, when it was judged.
pub(super) fn render_injection(o: &mut String, ep: &EndpointReport, style: Style) {
    let Some(c) = ep.checks.get(crate::judge::injection::CHECK) else {
        return;
    };
    field(
        o,
        "  injection  ",
        &format!("{}: {}", c.status.as_str(), c.evidence),
        style.width,
    );
}
