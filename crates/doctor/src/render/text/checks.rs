//! The vulnerability battery for people: each vulnerable check with its evidence, then the
//! others one line per status.

use super::Style;
use super::field;
use super::paint;
use crate::model::checks::{CheckStatus, Checks};
use std::fmt::Write as _;

/// The checks' section; nothing without checks (`--quick`).
pub(super) fn render_checks(o: &mut String, checks: &Checks, probes: u32, style: Style) {
    if checks.is_empty() {
        return;
    }
    let (c, w) = (style.color, style.width);
    let probes = match probes {
        0 => String::new(),
        1 => ", 1 probe connection".to_string(),
        n => format!(", {n} probe connections"),
    };
    let _ = writeln!(
        o,
        "\n{}",
        paint(
            &format!("Vulnerability checks ({}{probes})", checks.len()),
            "1",
            c
        )
    );
    for (id, r) in checks
        .iter()
        .filter(|(_, r)| r.status == CheckStatus::Vulnerable)
    {
        let head = format!("  {} {id}: ", paint("VULNERABLE", "31;1", c));
        field(o, &head, &r.evidence, w);
    }
    for (status, label) in [
        (CheckStatus::Ok, "ok"),
        (CheckStatus::Supported, "supported"),
        (CheckStatus::NotSupported, "not supported"),
        (CheckStatus::NotApplicable, "not applicable"),
        (CheckStatus::Unknown, "unknown"),
    ] {
        let ids: Vec<&str> = checks
            .iter()
            .filter(|(_, r)| r.status == status)
            .map(|(id, _)| id.as_str())
            .collect();
        if !ids.is_empty() {
            field(o, &format!("  {label}: "), &ids.join(", "), w);
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::indexing_slicing, clippy::panic)]
mod tests {
    use super::*;
    use crate::model::checks::CheckResult;

    #[test]
    fn vulnerable_first_then_one_line_per_status() {
        let mut checks = Checks::new();
        let mut put = |id: &str, status, evidence: &str| {
            checks.insert(
                id.to_string(),
                CheckResult {
                    status,
                    evidence: evidence.to_string(),
                },
            );
        };
        put(
            "heartbleed",
            CheckStatus::Vulnerable,
            "a heartbeat response claiming 32",
        );
        put("rc4", CheckStatus::Ok, "no RC4");
        put("poodle", CheckStatus::Ok, "no SSLv3");
        put("robot", CheckStatus::Unknown, "not measured");
        put("ocsp-stapling", CheckStatus::Supported, "stapled");
        let mut o = String::new();
        let style = Style {
            color: false,
            transcript: false,
            width: 80,
        };
        render_checks(&mut o, &checks, 2, style);
        assert!(
            o.contains("Vulnerability checks (5, 2 probe connections)"),
            "{o}"
        );
        assert!(
            o.contains("  VULNERABLE heartbleed: a heartbeat response claiming 32"),
            "{o}"
        );
        assert!(o.contains("  ok: poodle, rc4\n"), "{o}");
        assert!(o.contains("  supported: ocsp-stapling\n"), "{o}");
        assert!(o.contains("  unknown: robot\n"), "{o}");
        let mut empty = String::new();
        render_checks(&mut empty, &Checks::new(), 0, style);
        assert!(empty.is_empty());
    }
}
