//! The report: the whole result of a check, as JSON (docs/json.md) and as text for people.

use crate::judge::registry::lookup;
use crate::model::finding::Finding;
use crate::model::finding::Severity;
use crate::model::observation::Sender;
use crate::model::report::CheckReport;
use crate::model::report::EndpointReport;
use crate::model::report::Status;
use std::fmt::Write as _;

/// Style for text output.
#[derive(Debug, Clone, Copy)]
pub struct Style {
    pub color: bool,
    pub transcript: bool,
}

fn paint(s: &str, code: &str, on: bool) -> String {
    if on {
        format!("\x1b[{code}m{s}\x1b[0m")
    } else {
        s.to_string()
    }
}

fn sev_label(s: Severity, color: bool) -> String {
    match s {
        Severity::Error => paint("error  ", "1;31", color),
        Severity::Warning => paint("warning", "1;33", color),
        Severity::Note => paint("note   ", "36", color),
    }
}

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

/// The report for people: the verdict first, then findings, then details.
pub fn render_text(r: &CheckReport, style: Style) -> String {
    let c = style.color;
    let mut o = String::new();
    let head = match r.verdict.status {
        Status::Ok => paint("OK", "1;32", c),
        Status::Warnings => paint("WARNING", "1;33", c),
        Status::Problems => paint("PROBLEM", "1;31", c),
        Status::Error => paint("NOT CHECKED", "1;31", c),
    };
    let _ = writeln!(o, "{head}: {}", r.verdict.text);
    if let Some(e) = &r.error {
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
    if let Some(d) = &r.domain {
        render_domain(&mut o, d, style);
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
            render_endpoint(&mut o, r, ep, style);
        }
        return o;
    }
    for ep in &r.endpoints {
        render_endpoint(&mut o, r, ep, style);
    }
    o
}

fn render_finding_list(o: &mut String, findings: &[Finding], c: bool) {
    for f in findings {
        let _ = writeln!(
            o,
            "  {} {}  {}",
            sev_label(f.severity, c),
            paint(&f.code, "1", c),
            f.summary
        );
        if let Some(def) = lookup(&f.code) {
            if let Some(fix) = def.fixes.first() {
                let _ = writeln!(o, "            fix ({}):", fix.software);
                for line in fix.text.lines() {
                    let _ = writeln!(o, "              {line}");
                }
            }
            let _ = writeln!(o, "            more: smtp-tls-doctor explain {}", f.code);
        }
    }
}

/// A TXT answer in one line: its records, or the lookup error, or "none".
fn txt_text(a: &crate::model::dns::DnsAnswer) -> String {
    let t = a.texts();
    if t.is_empty() {
        a.error.clone().unwrap_or_else(|| "none".into())
    } else {
        t.join(" | ")
    }
}

fn render_domain(o: &mut String, d: &crate::model::report::DomainReport, style: Style) {
    let c = style.color;
    let obs = &d.observation;
    let _ = writeln!(o, "\n{}", paint("Who delivers how", "1", c));
    for s in &d.senders {
        let res = match s.result.as_str() {
            "verified-tls" => paint("verified TLS", "1;32", c),
            "tls" => paint("TLS, unverified", "33", c),
            "plaintext" => paint("PLAINTEXT", "1;31", c),
            "fails" => paint("FAILS", "1;31", c),
            other => other.to_string(),
        };
        let _ = writeln!(o, "  {:<16} {}", res, s.name);
        let _ = writeln!(o, "                   {}", s.detail);
    }
    if !d.findings.is_empty() {
        let _ = writeln!(
            o,
            "\n{}",
            paint(&format!("Domain findings ({})", d.findings.len()), "1", c)
        );
        render_finding_list(o, &d.findings, c);
    }
    let _ = writeln!(o, "\n{}", paint("MX hosts", "1", c));
    if d.mx_results.is_empty() {
        let _ = writeln!(
            o,
            "  none ({})",
            obs.mx
                .error
                .clone()
                .unwrap_or_else(|| format!("MX lookup: {:?}", obs.mx.outcome))
        );
    }
    for m in &d.mx_results {
        let pref = m
            .preference
            .map(|p| p.to_string())
            .unwrap_or_else(|| "implicit".into());
        let sts = match m.mta_sts_covered {
            Some(true) => "MTA-STS: covered",
            Some(false) => "MTA-STS: NOT covered",
            None => "MTA-STS: -",
        };
        let _ = writeln!(o, "  {:>8}  {}   ({sts}, TLSA: {})", pref, m.host, m.tlsa);
        if let Some(why) = &m.skipped {
            let _ = writeln!(o, "            not checked: {why}");
        }
        for a in &m.addresses {
            let st = match a.status.as_str() {
                "ok" => paint("ok", "32", c),
                other => paint(other, "31", c),
            };
            let _ = writeln!(o, "            {:<40} {st}  {}", a.address, a.detail);
            for t in &a.tlsa_results {
                let _ = writeln!(
                    o,
                    "              TLSA {}  {}: {}",
                    t.record.text(),
                    t.result,
                    t.detail
                );
            }
        }
    }
    let _ = writeln!(o, "\n{}", paint("MTA-STS (RFC 8461)", "1", c));
    let _ = writeln!(
        o,
        "  TXT      _mta-sts.{}: {}",
        obs.domain,
        txt_text(&obs.mta_sts_txt)
    );
    if let Some(p) = &obs.mta_sts_policy {
        let _ = writeln!(
            o,
            "  policy   {} → {}{}",
            p.url,
            p.status
                .map(|s| format!("HTTP {s}"))
                .unwrap_or_else(|| "no answer".into()),
            p.error
                .as_ref()
                .map(|e| format!(" ({e})"))
                .unwrap_or_default()
        );
    }
    if let Some(ps) = &d.policy {
        let _ = writeln!(
            o,
            "  mode     {}, max_age {}, mx {}{}",
            ps.mode.as_deref().unwrap_or("?"),
            ps.max_age
                .map(|m| m.to_string())
                .unwrap_or_else(|| "?".into()),
            if ps.mx.is_empty() {
                "-".to_string()
            } else {
                ps.mx.join(", ")
            },
            if ps.usable { "" } else { "  (unusable)" }
        );
    }
    let _ = writeln!(o, "\n{}", paint("TLS-RPT (RFC 8460)", "1", c));
    let _ = writeln!(
        o,
        "  TXT      _smtp._tls.{}: {}",
        obs.domain,
        txt_text(&obs.tlsrpt_txt)
    );
    let _ = writeln!(o, "\n{}", paint("DNS", "1", c));
    let _ = writeln!(
        o,
        "  resolver {}{}",
        obs.dns.servers.join(", "),
        if obs.dns.system { " (system)" } else { "" }
    );
    let _ = writeln!(o, "  DNSSEC   {}", obs.dns.dnssec);
}

fn render_endpoint(o: &mut String, r: &CheckReport, ep: &EndpointReport, style: Style) {
    let c = style.color;
    let obs = &ep.observation;
    if !ep.findings.is_empty() {
        let _ = writeln!(
            o,
            "\n{}",
            paint(&format!("Findings ({})", ep.findings.len()), "1", c)
        );
        for f in &ep.findings {
            let _ = writeln!(
                o,
                "  {} {}  {}",
                sev_label(f.severity, c),
                paint(&f.code, "1", c),
                f.summary
            );
            if let Some(def) = lookup(&f.code) {
                for fix in def
                    .fixes
                    .iter()
                    .filter(|x| matches!(x.software, "Postfix" | "Exim" | "Any server"))
                    .take(2)
                {
                    let _ = writeln!(o, "            fix ({}):", fix.software);
                    for line in fix.text.lines() {
                        let _ = writeln!(o, "              {line}");
                    }
                }
                let _ = writeln!(o, "            more: smtp-tls-doctor explain {}", f.code);
            }
        }
    }
    if !ep.profiles.is_empty() {
        render_profiles(o, &ep.profiles, c);
    }
    let _ = writeln!(o, "\n{}", paint("Connection", "1", c));
    let _ = writeln!(
        o,
        "  server     {}:{} → {} ({})",
        obs.name,
        r.target.port,
        obs.address,
        obs.mode.as_str()
    );
    let _ = writeln!(o, "  EHLO name  {}", obs.ehlo_name);
    if let Some(tls) = &obs.tls {
        let _ = writeln!(
            o,
            "  SNI        {}",
            tls.sni.as_deref().unwrap_or("(none sent)")
        );
        if tls.completed {
            let _ = writeln!(
                o,
                "  TLS        {}, {} ({}), key exchange {}",
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
        } else {
            let _ = writeln!(o, "  TLS        handshake failed");
        }
        if let Some(p) = &tls.signature_problem {
            let _ = writeln!(
                o,
                "  note       the server's handshake signature did not verify: {p}"
            );
        }
    }
    let _ = writeln!(o, "  trust      {}", r.trust_store);
    if let (None, Some(sc)) = (&ep.chain_analysis, &obs.scan) {
        render_scan(o, sc, c);
    }
    if let Some(a) = &ep.chain_analysis {
        for n in &a.names {
            let mark = if n.covered {
                paint("covered", "32", c)
            } else {
                paint("NOT covered", "31", c)
            };
            let _ = writeln!(
                o,
                "  name       {} {mark}{}",
                n.name,
                n.matched_by
                    .as_ref()
                    .map(|m| format!(" (by {m})"))
                    .unwrap_or_default()
            );
        }
        if let Some(sc) = &obs.scan {
            render_scan(o, sc, c);
        }
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
            let _ = writeln!(o, "  #{i} subject    {}", d.subject);
            let _ = writeln!(
                o,
                "     issuer     {}{}",
                d.issuer,
                if d.self_signed { " (self-signed)" } else { "" }
            );
            if !d.sans.is_empty() {
                let _ = writeln!(o, "     names      {}", d.sans.join(", "));
            }
            let _ = writeln!(o, "     valid      {} → {}", d.not_before, d.not_after);
            let key = match (&d.key_curve, d.key_bits) {
                (Some(curve), _) => format!("{} {curve}", d.key_type),
                (None, Some(b)) => format!("{} {b} bits", d.key_type),
                _ => d.key_type.clone(),
            };
            let _ = writeln!(
                o,
                "     key        {key}; signed with {}",
                d.signature_algorithm
            );
            let _ = writeln!(o, "     sha256     {}", d.sha256);
            for u in &d.ca_issuers {
                let _ = writeln!(o, "     caIssuers  {u}");
            }
        }
        for (i, e) in &a.unparsable {
            let _ = writeln!(o, "  #{i} unreadable: {e}");
        }
        for other in &ep.other_chain_analyses {
            let oa = &other.analysis;
            if let Some(leaf) = oa.certificates.first() {
                let key = match (&leaf.key_curve, leaf.key_bits) {
                    (Some(curve), _) => format!("{} {curve}", leaf.key_type),
                    (None, Some(b)) => format!("{} {b} bits", leaf.key_type),
                    _ => leaf.key_type.clone(),
                };
                let _ = writeln!(
                    o,
                    "  another certificate, sent for {} ({}): {} — {key}, {} certificate{} in the chain, names {}",
                    other.suite,
                    other.version,
                    leaf.subject,
                    oa.certificates.len(),
                    if oa.certificates.len() == 1 { "" } else { "s" },
                    leaf.sans.join(", ")
                );
            }
        }
        let trust = match &a.trust {
            crate::model::cert::TrustVerdict::Trusted { anchor } => {
                format!("trusted, via {anchor}")
            }
            crate::model::cert::TrustVerdict::SelfSigned => "self-signed".into(),
            crate::model::cert::TrustVerdict::UntrustedRoot { root, .. } => {
                format!("ends at the untrusted root {root}")
            }
            crate::model::cert::TrustVerdict::Incomplete { missing_issuer, .. } => {
                format!("incomplete: {missing_issuer} is missing")
            }
            crate::model::cert::TrustVerdict::Invalid { reason } => format!("invalid: {reason}"),
            crate::model::cert::TrustVerdict::NoCertificate { reason } => reason.clone(),
        };
        let _ = writeln!(o, "  path       {trust}");
    }
    let s = &obs.smtp;
    if s.banner.is_some() {
        let _ = writeln!(o, "\n{}", paint("SMTP", "1", c));
        if let Some(b) = &s.banner {
            let _ = writeln!(o, "  banner        {}", b.to_wire_lines().join(" / "));
        }
        if let Some(caps) = &s.capabilities {
            let label = if obs.mode == crate::model::observation::Mode::Starttls {
                "EHLO (plain)"
            } else {
                "EHLO"
            };
            let _ = writeln!(o, "  {label:<13} {}", caps.keywords().join(", "));
        } else if let Some(e) = &s.ehlo {
            let _ = writeln!(o, "  EHLO          {}", e.to_wire_lines().join(" / "));
        }
        if let Some(h) = &s.helo {
            let _ = writeln!(o, "  HELO          {}", h.to_wire_lines().join(" / "));
        }
        if let Some(st) = &s.starttls {
            let _ = writeln!(o, "  STARTTLS      {}", st.to_wire_lines().join(" / "));
        }
        if let Some(caps) = &s.capabilities_after_tls {
            let _ = writeln!(o, "  EHLO (TLS)    {}", caps.keywords().join(", "));
        }
    }
    let t = &obs.timings;
    let _ = writeln!(
        o,
        "\n{}  connect {} · banner {} · EHLO {} · STARTTLS {} · handshake {} · total {} · {} connection{}",
        paint("Timings", "1", c),
        ms(t.connect_ms),
        ms(t.banner_ms),
        ms(t.ehlo_ms),
        ms(t.starttls_ms),
        ms(t.handshake_ms),
        ms(Some(t.total_ms)),
        r.connections,
        if r.connections == 1 { "" } else { "s" }
    );
    if style.transcript {
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
    } else {
        let _ = writeln!(
            o,
            "(the whole SMTP and TLS dialogue, and every connection of the scan: add -v)"
        );
    }
}

fn render_scan(o: &mut String, sc: &crate::model::scan::TlsScan, c: bool) {
    use crate::model::scan::VersionStatus;
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
        let status = match v.status {
            VersionStatus::Offered => paint(
                "offered",
                if matches!(k.as_str(), "TLSv1.2" | "TLSv1.3") {
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
        let _ = writeln!(o, "  {k:<9} {status}{order}{why}");
        for s in &v.suites {
            let _ = writeln!(
                o,
                "      {:<8} {:<45} {:<31} {}/{} {} {} {}{}",
                s.id,
                s.iana,
                s.openssl.as_deref().unwrap_or("-"),
                s.kx,
                s.auth,
                s.enc,
                s.mac,
                s.bits,
                if s.forward_secrecy { " FS" } else { "" }
            );
        }
    }
    if let Some(g) = &sc.groups_tls13 {
        let _ = writeln!(
            o,
            "  groups    TLS 1.3 key shares: {}{}",
            g.groups.join(", "),
            if g.complete { "" } else { " (incomplete)" }
        );
    }
    if let Some(g) = &sc.groups_tls12 {
        let _ = writeln!(
            o,
            "  curves    TLS 1.2 ECDHE: {}{}",
            g.groups.join(", "),
            if g.complete { "" } else { " (incomplete)" }
        );
    }
    if let Some(b) = sc.dhe_bits {
        let _ = writeln!(o, "  DHE       {b}-bit group");
    }
    if sc.scanned_chains.len() > 1 {
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
}

fn render_profiles(o: &mut String, sims: &[crate::model::profile::Simulation], c: bool) {
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
            "fails" => {
                let _ = writeln!(
                    o,
                    "  {} {:<26} {}: {}{}",
                    paint("FAILS  ", "1;31", c),
                    s.profile,
                    s.reason.as_deref().unwrap_or("?"),
                    s.detail,
                    if s.plaintext_fallback {
                        " (it then delivers in plaintext)"
                    } else {
                        ""
                    }
                );
                if let Some(f) = &s.fix_server {
                    let _ = writeln!(o, "            fix (server): {f}");
                }
                if let Some(f) = &s.fix_client {
                    let _ = writeln!(o, "            fix (client): {f}");
                }
            }
            "ok" => {
                let n = s.negotiated.as_ref();
                let _ = writeln!(
                    o,
                    "  {} {:<26} {} {}{}",
                    paint("ok     ", "32", c),
                    s.profile,
                    n.map(|n| n.version.as_str()).unwrap_or("?"),
                    n.map(|n| n.suite_name.as_str()).unwrap_or("?"),
                    n.and_then(|n| n.group.as_ref())
                        .map(|g| format!(" {g}"))
                        .unwrap_or_default()
                );
            }
            _ => {
                let _ = writeln!(
                    o,
                    "  {} {:<26} {}",
                    paint("unknown", "33", c),
                    s.profile,
                    s.detail
                );
            }
        }
    }
}
