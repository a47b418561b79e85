//! One endpoint for people: findings with fixes, the peers, the connection, the names, the scan,
//! the chain as sent, the SMTP dialogue, the timings and (with -v) the transcript.

use super::Style;
use super::checks::render_checks;
use super::field;
use super::fix_line;
use super::ms;
use super::paint;
use super::peers::render_profiles;
use super::scan::render_scan;
use super::sev_label;
use super::wrap_text;
use crate::judge::registry::lookup;
use crate::model::cert::CertDetails;
use crate::model::cert::ChainAnalysis;
use crate::model::cert::TrustVerdict;
use crate::model::finding::Finding;
use crate::model::observation::EndpointObservation;
use crate::model::observation::Sender;
use crate::model::report::CheckReport;
use crate::model::report::EndpointReport;
use std::fmt::Write as _;

/// The endpoint's sections, in order.
pub(super) fn render_endpoint(o: &mut String, r: &CheckReport, ep: &EndpointReport, style: Style) {
    let c = style.color;
    let obs = &ep.observation;
    super::mta::render_software(o, ep, style);
    render_findings(o, &ep.findings, ep.server_software.as_ref(), style);
    if !ep.profiles.is_empty() {
        render_profiles(o, &ep.profiles, style);
    }
    render_connection(o, r, obs, style);
    // With a scan, the checks section below lists the injection check with the others.
    if obs.scan.is_none() {
        super::mta::render_injection(o, ep, style);
    }
    let probes = obs
        .scan
        .as_ref()
        .and_then(|s| s.probes.as_ref())
        .map_or(0, |p| p.connections);
    if let (None, Some(sc)) = (&ep.chain_analysis, &obs.scan) {
        render_scan(o, sc, style);
        render_checks(o, &ep.checks, probes, style);
    }
    if let Some(a) = &ep.chain_analysis {
        render_names(o, a, style);
        if let Some(sc) = &obs.scan {
            render_scan(o, sc, style);
            render_checks(o, &ep.checks, probes, style);
        }
        render_chain(o, ep, a, style);
    }
    render_smtp(o, obs, style);
    render_timings(o, r, obs, style);
    if style.transcript {
        render_transcript(o, obs, c);
    } else {
        wrap_text(
            o,
            "",
            "(the whole SMTP and TLS dialogue, and every connection of the scan: add -v)",
            1,
            style.width,
        );
    }
}

/// The findings, each with up to two fixes (Postfix, Exim or any server) and where to read more;
/// when the server's software is known and has a fix of its own, that fix first and the others
/// folded into one line (`judge::software::fix_order`).
fn render_findings(
    o: &mut String,
    findings: &[Finding],
    software: Option<&crate::model::software::ServerSoftware>,
    style: Style,
) {
    let (c, w) = (style.color, style.width);
    if findings.is_empty() {
        return;
    }
    let _ = writeln!(
        o,
        "\n{}",
        paint(&format!("Findings ({})", findings.len()), "1", c)
    );
    for f in findings {
        let head = format!(
            "  {} {}  ",
            sev_label(f.severity, c),
            paint(&f.code, "1", c)
        );
        wrap_text(o, &head, &f.summary, 12, w);
        if let Some(def) = lookup(&f.code) {
            let (own, ordered) =
                crate::judge::software::fix_order(def.fixes, software.map(|s| s.name.as_str()));
            if own && super::mta::render_own_fix(o, &f.code, &ordered, w) {
                continue;
            }
            for fix in def
                .fixes
                .iter()
                .filter(|x| matches!(x.software, "Postfix" | "Exim" | "Any server"))
                .take(2)
            {
                let _ = writeln!(o, "            fix ({}):", fix.software);
                for line in fix.text.lines() {
                    fix_line(o, line, 14, w);
                }
            }
            let _ = writeln!(o, "            more: smtp-tls-doctor explain {}", f.code);
        }
    }
}

/// The connection: server, EHLO name, SNI, what TLS negotiated, the trust store.
fn render_connection(o: &mut String, r: &CheckReport, obs: &EndpointObservation, style: Style) {
    let (c, w) = (style.color, style.width);
    let _ = writeln!(o, "\n{}", paint("Connection", "1", c));
    let server = format!(
        "{}:{} → {} ({})",
        obs.name,
        r.target.port,
        obs.address,
        obs.mode.as_str()
    );
    field(o, "  server     ", &server, w);
    field(o, "  EHLO name  ", &obs.ehlo_name, w);
    if let Some(tls) = &obs.tls {
        field(
            o,
            "  SNI        ",
            tls.sni.as_deref().unwrap_or("(none sent)"),
            w,
        );
        if tls.completed {
            let text = format!(
                "{}, {} ({}), key exchange {}",
                tls.version.as_deref().unwrap_or("?"),
                tls.cipher_suite
                    .as_ref()
                    .map(|s| s.iana.as_str())
                    .unwrap_or("?"),
                tls.cipher_suite
                    .as_ref()
                    .map(|s| s.id.as_str())
                    .unwrap_or("?"),
                tls.group.as_deref().unwrap_or("?")
            );
            field(o, "  TLS        ", &text, w);
        } else {
            let _ = writeln!(o, "  TLS        handshake failed");
        }
        if let Some(p) = &tls.signature_problem {
            field(
                o,
                "  note       ",
                &format!("the server's handshake signature did not verify: {p}"),
                w,
            );
        }
    }
    field(o, "  trust      ", &r.trust_store, w);
}

/// Each name checked: covered (and by which pattern) or not.
fn render_names(o: &mut String, a: &ChainAnalysis, style: Style) {
    let c = style.color;
    for n in &a.names {
        let mark = if n.covered {
            paint("covered", "32", c)
        } else {
            paint("NOT covered", "31", c)
        };
        let text = format!(
            "{} {mark}{}",
            n.name,
            n.matched_by
                .as_ref()
                .map(|m| format!(" (by {m})"))
                .unwrap_or_default()
        );
        field(o, "  name       ", &text, style.width);
    }
}

/// The chain as sent: every certificate, the unreadable ones, the other chains the server
/// sends for other suites, and the path's verdict.
fn render_chain(o: &mut String, ep: &EndpointReport, a: &ChainAnalysis, style: Style) {
    let (c, w) = (style.color, style.width);
    let _ = writeln!(
        o,
        "\n{}",
        paint(
            &format!("Certificate chain as sent ({})", a.certificates.len()),
            "1",
            c
        )
    );
    for (i, d) in a.certificates.iter().enumerate() {
        render_certificate(o, i, d, w);
    }
    for (i, e) in &a.unparsable {
        let _ = writeln!(o, "  #{i} unreadable: {e}");
    }
    for other in &ep.other_chain_analyses {
        let oa = &other.analysis;
        if let Some(leaf) = oa.certificates.first() {
            let text = format!(
                "another certificate, sent for {} ({}): {} — {}, {} certificate{} in the chain, names {}",
                other.suite,
                other.version,
                leaf.subject,
                key_text(leaf),
                oa.certificates.len(),
                if oa.certificates.len() == 1 { "" } else { "s" },
                leaf.sans.join(", ")
            );
            wrap_text(o, "  ", &text, 4, w);
        }
    }
    field(o, "  path       ", &trust_text(&a.trust), w);
    // A chain that leads to a trusted root proves nothing when the server could not sign with
    // its key: on that connection the certificate is not valid for any verifying client.
    if let Some(sig) = ep
        .observation
        .tls
        .as_ref()
        .and_then(|t| t.handshake_signature.as_ref())
        .filter(|s| s.is_invalid())
    {
        let text = format!(
            "but the server's {} signature does not verify with this certificate's key: not valid on this connection",
            sig.message
        );
        wrap_text(o, "  ", &paint(&text, "31", c), 2, w);
    }
}

/// One certificate: subject, issuer, names, validity, key and signature, fingerprint, caIssuers.
fn render_certificate(o: &mut String, i: usize, d: &CertDetails, w: usize) {
    field(o, &format!("  #{i} subject    "), &d.subject, w);
    field(
        o,
        "     issuer     ",
        &format!(
            "{}{}",
            d.issuer,
            if d.self_signed { " (self-signed)" } else { "" }
        ),
        w,
    );
    if !d.sans.is_empty() {
        field(o, "     names      ", &d.sans.join(", "), w);
    }
    let _ = writeln!(o, "     valid      {} → {}", d.not_before, d.not_after);
    field(
        o,
        "     key        ",
        &format!("{}; signed with {}", key_text(d), d.signature_algorithm),
        w,
    );
    let _ = writeln!(o, "     sha256     {}", d.sha256);
    for u in &d.ca_issuers {
        let _ = writeln!(o, "     caIssuers  {u}");
    }
}

/// A key in words: its type with its curve, or its size.
fn key_text(d: &CertDetails) -> String {
    match (&d.key_curve, d.key_bits) {
        (Some(curve), _) => format!("{} {curve}", d.key_type),
        (None, Some(b)) => format!("{} {b} bits", d.key_type),
        _ => d.key_type.clone(),
    }
}

/// The trust verdict in words.
fn trust_text(t: &TrustVerdict) -> String {
    match t {
        TrustVerdict::Trusted { anchor } => format!("trusted, via {anchor}"),
        TrustVerdict::SelfSigned => "self-signed".into(),
        TrustVerdict::UntrustedRoot { root, .. } => format!("ends at the untrusted root {root}"),
        TrustVerdict::Incomplete { missing_issuer, .. } => {
            format!("incomplete: {missing_issuer} is missing")
        }
        TrustVerdict::Invalid { reason } => format!("invalid: {reason}"),
        TrustVerdict::NoCertificate { reason } => reason.clone(),
    }
}

/// The SMTP dialogue's answers: banner, EHLO (or its refusal), HELO, STARTTLS, EHLO after TLS.
fn render_smtp(o: &mut String, obs: &EndpointObservation, style: Style) {
    let (c, w) = (style.color, style.width);
    let s = &obs.smtp;
    let Some(b) = &s.banner else {
        return;
    };
    let _ = writeln!(o, "\n{}", paint("SMTP", "1", c));
    field(o, "  banner        ", &b.to_wire_lines().join(" / "), w);
    if let Some(caps) = &s.capabilities {
        let label = if obs.mode == crate::model::observation::Mode::Starttls {
            "EHLO (plain)"
        } else {
            "EHLO"
        };
        field(
            o,
            &format!("  {label:<13} "),
            &caps.keywords().join(", "),
            w,
        );
    } else if let Some(e) = &s.ehlo {
        field(o, "  EHLO          ", &e.to_wire_lines().join(" / "), w);
    }
    if let Some(h) = &s.helo {
        field(o, "  HELO          ", &h.to_wire_lines().join(" / "), w);
    }
    if let Some(st) = &s.starttls {
        field(o, "  STARTTLS      ", &st.to_wire_lines().join(" / "), w);
    }
    if let Some(caps) = &s.capabilities_after_tls {
        field(o, "  EHLO (TLS)    ", &caps.keywords().join(", "), w);
    }
}

/// The time of each phase, and the connections the whole check made.
fn render_timings(o: &mut String, r: &CheckReport, obs: &EndpointObservation, style: Style) {
    let t = &obs.timings;
    let _ = writeln!(o);
    let text = format!(
        "connect {} · banner {} · EHLO {} · STARTTLS {} · handshake {} · total {} · {} connection{}",
        ms(t.connect_ms),
        ms(t.banner_ms),
        ms(t.ehlo_ms),
        ms(t.starttls_ms),
        ms(t.handshake_ms),
        ms(Some(t.total_ms)),
        r.connections,
        if r.connections == 1 { "" } else { "s" }
    );
    // Each "phase time" pair stays on one line.
    let text = text
        .replace(" · ", "\u{1f}·\u{1f}")
        .replace(' ', "\u{a0}")
        .replace('\u{1f}', " ");
    let head = format!("{}  ", paint("Timings", "1", style.color));
    let mut lines = String::new();
    wrap_text(&mut lines, &head, &text, 9, style.width);
    o.push_str(&lines.replace('\u{a0}', " "));
}

/// The whole SMTP and TLS dialogue, then every connection of the scan.
fn render_transcript(o: &mut String, obs: &EndpointObservation, c: bool) {
    let _ = writeln!(o, "\n{}", paint("Transcript", "1", c));
    for e in &obs.transcript {
        let who = match (e.from, e.layer.as_str()) {
            (Sender::Client, "tls") => "C tls",
            (Sender::Server, "tls") => "S tls",
            (Sender::Client, _) => "C    ",
            (Sender::Server, _) => "S    ",
            (Sender::Note, _) => "*    ",
        };
        let _ = writeln!(o, "  {:>9.1} ms  {who}  {}", e.at_ms, e.text);
    }
    if let Some(sc) = &obs.scan {
        let _ = writeln!(
            o,
            "\n{}",
            paint(
                &format!("Scan ({} connections)", sc.scan_connections),
                "1",
                c
            )
        );
        for st in &sc.scan_steps {
            let _ = writeln!(o, "  {:>9.1} ms  {:<34} → {}", st.at_ms, st.what, st.answer);
        }
    }
}
