//! The capture server's text output: one verdict line and the human report of a connection.

use crate::judge::registry::lookup;
use crate::model::capture::ConnectionReport;
use crate::model::observation::Mode;
use crate::render::safe;

/// The first line: who, what TLS, and the verdict. It quotes the client's words as they are
/// (it is kept in the JSON report); [`render_text`] prints it escaped.
pub fn verdict_line(r: &ConnectionReport) -> String {
    let tls = match &r.tls {
        Some(t) if t.handshake == "completed" => {
            let suite = t
                .cipher_suite
                .as_deref()
                .map(|s| s.split_once(' ').map(|(_, n)| n).unwrap_or(s))
                .unwrap_or("?");
            format!("{} {suite}", t.version.as_deref().unwrap_or("?"))
        }
        Some(t)
            if r.verification
                .as_ref()
                .is_some_and(|v| v.result == "verifies") =>
        {
            "TLS handshake aborted by the client".to_string()
        }
        Some(t) => format!(
            "TLS handshake failed ({})",
            t.error.as_deref().unwrap_or("unknown error")
        ),
        None if r.mode == Mode::Starttls && !r.smtp.starttls => "no TLS (no STARTTLS)".into(),
        None => "no TLS".into(),
    };
    let behaviour = match &r.verification {
        Some(v) => match v.result.as_str() {
            "does-not-verify" => format!("it does NOT verify certificates ({})", v.detail),
            "verifies" => format!("it verifies certificates ({})", v.detail),
            "no-tls" => format!("certificate verification not tested: {}", v.detail),
            _ => format!("verification inconclusive: {}", v.detail),
        },
        None => {
            let s = &r.smtp;
            let mut parts = Vec::new();
            if let Some(n) = &s.ehlo {
                parts.push(format!("{} {n}", s.greeting.as_deref().unwrap_or("EHLO")));
            }
            if let Some(m) = &s.auth {
                parts.push(format!("AUTH {m}"));
            }
            if s.mail_without_tls {
                parts.push("MAIL FROM without TLS".into());
            }
            match s.messages {
                0 if s.mail_from => parts.push("no message completed".into()),
                0 => parts.push("no message sent".into()),
                1 => parts.push(format!(
                    "message accepted ({} bytes, discarded)",
                    s.message_bytes
                )),
                n => parts.push(format!(
                    "{n} messages accepted ({} bytes, discarded)",
                    s.message_bytes
                )),
            }
            if let Some(a) = r.tls.as_ref().and_then(|t| t.alert.as_ref()) {
                parts.push(format!("it sent {}", a.words()));
            }
            parts.join("; ")
        }
    };
    let code = r
        .findings
        .first()
        .map(|f| format!(" [{}]", f.code))
        .unwrap_or_default();
    format!("Client from {}: {tls}; {behaviour}{code}", r.peer)
}

fn list(v: &[String]) -> String {
    if v.is_empty() {
        "none".into()
    } else {
        v.join(", ")
    }
}

/// The human report of one connection, verdict first. Every string of the report is escaped
/// for the terminal first ([`crate::render::safe`]): the client's EHLO name, SNI, ALPN, error
/// messages and transcript lines never reach it raw.
pub fn render_text(r: &ConnectionReport, transcript: bool) -> String {
    match safe::escaped(r) {
        Some(clean) => render(&clean, transcript),
        // Not expected (the report reads back from its JSON); the text is still escaped.
        None => safe::escape_keeping_lines(&render(r, transcript)).into_owned(),
    }
}

/// The report, its strings already escaped.
fn render(r: &ConnectionReport, transcript: bool) -> String {
    let mut o = format!("{}\n", r.verdict);
    o.push_str(&format!(
        "  connection {} to {} ({}), {}, {} ms; certificate presented: {}\n",
        r.number,
        r.local,
        r.mode.as_str(),
        r.started_at,
        r.duration_ms,
        r.certificate.phrase()
    ));
    findings_text(&mut o, r);
    smtp_text(&mut o, r);
    tls_text(&mut o, r);
    hello_text(&mut o, r);
    servers_text(&mut o, r);
    if transcript {
        transcript_text(&mut o, r);
    }
    o
}

/// Each finding with the registry's title and fixes.
fn findings_text(o: &mut String, r: &ConnectionReport) {
    for f in &r.findings {
        o.push_str(&format!(
            "  {} [{}]: {}\n",
            f.severity.as_str().to_uppercase(),
            f.code,
            f.summary
        ));
        if let Some(d) = lookup(&f.code) {
            o.push_str(&format!("    {}\n", d.title));
            for fix in d.fixes {
                o.push_str(&format!("    fix ({}):\n", fix.software));
                for line in fix.text.lines() {
                    o.push_str(&format!("      {line}\n"));
                }
            }
            o.push_str(&format!(
                "    (`smtp-tls-doctor explain {}` has the whole text)\n",
                f.code
            ));
        }
    }
}

/// What the client did in SMTP.
fn smtp_text(o: &mut String, r: &ConnectionReport) {
    let s = &r.smtp;
    o.push_str("  SMTP:\n");
    o.push_str(&format!(
        "    greeting: {}\n",
        match (&s.greeting, &s.ehlo) {
            (Some(g), Some(n)) => format!("{g} {n}"),
            _ => "none".into(),
        }
    ));
    if let Some(n) = &s.ehlo_after_tls {
        o.push_str(&format!("    EHLO after TLS: {n}\n"));
    }
    o.push_str(&format!(
        "    STARTTLS: {}\n",
        match r.mode {
            Mode::ImplicitTls => "not needed (implicit TLS)",
            Mode::Starttls if s.starttls => "yes",
            Mode::Starttls => "no",
        }
    ));
    o.push_str(&format!(
        "    AUTH: {}{}\n",
        s.auth.as_deref().unwrap_or("none"),
        if s.auth_without_tls {
            " (tried before TLS: refused)"
        } else if s.auth_accepted {
            " (accepted; credentials not kept)"
        } else {
            ""
        }
    ));
    o.push_str(&format!(
        "    MAIL FROM: {}; RCPT TO: {}; DATA: {}; messages: {} ({} bytes, discarded); QUIT: {}\n",
        if s.mail_without_tls {
            "yes, without TLS"
        } else if s.mail_from {
            "yes"
        } else {
            "no"
        },
        s.rcpt_to,
        if s.data { "yes" } else { "no" },
        s.messages,
        s.message_bytes,
        if s.quit { "yes" } else { "no" }
    ));
}

/// The TLS handshake as the server saw it.
fn tls_text(o: &mut String, r: &ConnectionReport) {
    if let Some(t) = &r.tls {
        o.push_str("  TLS:\n");
        o.push_str(&format!("    handshake: {}\n", t.handshake));
        if let Some(v) = &t.version {
            o.push_str(&format!("    version: {v}\n"));
        }
        if let Some(c) = &t.cipher_suite {
            o.push_str(&format!("    cipher suite: {c}\n"));
        }
        if let Some(g) = &t.group {
            o.push_str(&format!("    group: {g}\n"));
        }
        if let Some(a) = &t.alert {
            o.push_str(&format!(
                "    alert from the client: {} ({})\n",
                a.name, a.code
            ));
        }
        if let Some(e) = &t.error {
            o.push_str(&format!("    error: {e}\n"));
        }
    }
}

/// The client's ClientHello, decoded, or why there is none.
fn hello_text(o: &mut String, r: &ConnectionReport) {
    if let Some(h) = &r.client_hello {
        o.push_str("  ClientHello:\n");
        o.push_str(&format!(
            "    versions offered: {} (legacy_version {})\n",
            list(&h.versions),
            h.legacy_version
        ));
        o.push_str(&format!(
            "    SNI: {}\n",
            h.sni.as_deref().unwrap_or("none")
        ));
        o.push_str(&format!("    ALPN: {}\n", list(&h.alpn)));
        o.push_str(&format!("    cipher suites ({}):\n", h.cipher_suites.len()));
        for c in &h.cipher_suites {
            o.push_str(&format!("      {c}\n"));
        }
        o.push_str(&format!("    groups: {}\n", list(&h.groups)));
        o.push_str(&format!("    key shares: {}\n", list(&h.key_shares)));
        o.push_str(&format!(
            "    signature algorithms: {}\n",
            list(&h.signature_algorithms)
        ));
        o.push_str(&format!("    extensions: {}\n", list(&h.extensions)));
        o.push_str(&format!(
            "    point formats: {}\n",
            if h.point_formats.is_empty() {
                "none".to_string()
            } else {
                wire::tls::fingerprint::join_dec(h.point_formats.iter())
            }
        ));
        o.push_str(&format!(
            "    fingerprint (SHA-256 of the JA3 string): {}\n",
            h.fingerprint
        ));
        o.push_str(&format!("    JA3 string: {}\n", h.fingerprint_string));
    } else if let Some(e) = &r.client_hello_error {
        o.push_str(&format!("  ClientHello: {e}\n"));
    }
}

/// Whether the client's offer would reach known servers.
fn servers_text(o: &mut String, r: &ConnectionReport) {
    if !r.servers.is_empty() {
        o.push_str("  Would it connect to these servers (approximation, see below):\n");
        let width = r.servers.iter().map(|s| s.profile.len()).max().unwrap_or(0);
        for s in &r.servers {
            o.push_str(&format!(
                "    {:<5} {:<width$} {}\n",
                if s.result == "ok" { "ok" } else { "FAILS" },
                s.profile,
                s.detail
            ));
        }
        o.push_str(&format!("    ({})\n", r.servers_note));
    }
}

/// The dialogue line by line.
fn transcript_text(o: &mut String, r: &ConnectionReport) {
    o.push_str("  Transcript (AUTH redacted, message bodies not kept):\n");
    for l in &r.transcript {
        let who = match l.from.as_str() {
            "client" => "C:",
            "server" => "S:",
            _ => "  ",
        };
        o.push_str(&format!("    {:>6} ms {who} {}\n", l.at_ms, l.text));
    }
    if r.transcript_omitted > 0 {
        o.push_str(&format!(
            "    ... {} more lines not kept\n",
            r.transcript_omitted
        ));
    }
}
