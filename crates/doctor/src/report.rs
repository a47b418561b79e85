//! The report: the whole result of a check, as JSON (docs/json.md) and as text for people.

use crate::cert::ChainAnalysis;
use crate::diagnose::Finding;
use crate::findings::{Severity, lookup};
use crate::observe::{EndpointObservation, FailureKind, Phase, Sender};
use serde::{Deserialize, Serialize};
use std::fmt::Write as _;

/// Bumped when a field changes meaning or disappears; new fields do not bump it.
pub const SCHEMA_VERSION: u32 = 1;

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ToolInfo {
    pub name: String,
    pub version: String,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct TargetInfo {
    /// As given on the command line.
    pub input: String,
    pub host: String,
    pub port: u16,
}

/// "ok": nothing wrong; "problems": findings of severity error; "warnings": warnings only;
/// "error": the check could not be done.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    Ok,
    Warnings,
    Problems,
    Error,
}

/// The first line of the report.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Verdict {
    pub status: Status,
    /// The code of the finding that matters most, if any.
    pub code: Option<String>,
    pub text: String,
}

/// Why the check could not be done.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct CheckError {
    pub host: String,
    pub address: Option<String>,
    pub phase: Phase,
    pub kind: FailureKind,
    pub message: String,
    /// What to do about it.
    pub hint: String,
}

/// One endpoint: what was seen, what the chain analysis says, and the findings.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct EndpointReport {
    #[serde(flatten)]
    pub observation: EndpointObservation,
    pub chain_analysis: Option<ChainAnalysis>,
    /// Further chains the scan met (a server with an RSA and an ECDSA certificate sends each for
    /// the suites of its kind), each judged like the first.
    #[serde(default)]
    pub other_chain_analyses: Vec<OtherChain>,
    /// The chain a peer without SNI gets, when its leaf differs from the one sent with SNI.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub no_sni_analysis: Option<ChainAnalysis>,
    pub findings: Vec<Finding>,
    /// Simulated peers (`--as`), failing ones first.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub profiles: Vec<crate::simulate::Simulation>,
}

/// A further certificate chain and the suite that made the server send it.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct OtherChain {
    pub version: String,
    pub suite: String,
    pub analysis: ChainAnalysis,
}

/// The whole result of `check`.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct CheckReport {
    pub schema_version: u32,
    pub tool: ToolInfo,
    /// RFC 3339 time of the check: certificates are judged valid or not at this moment.
    pub checked_at: String,
    pub target: TargetInfo,
    pub verdict: Verdict,
    pub error: Option<CheckError>,
    /// Where the trust anchors came from.
    pub trust_store: String,
    /// The names the certificate must cover.
    pub names_checked: Vec<String>,
    /// TCP connections made by the whole check.
    pub connections: u32,
    pub endpoints: Vec<EndpointReport>,
    /// A domain check (`check DOMAIN`): DNS, MTA-STS, DANE, TLS-RPT and the per-MX results.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub domain: Option<crate::domain_judge::DomainReport>,
}

impl CheckReport {
    /// 0 nothing wrong (or warnings only), 1 problems that make some peer fail, 2 not checked.
    pub fn exit_code(&self) -> i32 {
        match self.verdict.status {
            Status::Ok | Status::Warnings => 0,
            Status::Problems => 1,
            Status::Error => 2,
        }
    }

    /// Every finding: the domain's, then every endpoint's.
    pub fn findings(&self) -> impl Iterator<Item = &Finding> {
        self.domain
            .iter()
            .flat_map(|d| d.findings.iter())
            .chain(self.endpoints.iter().flat_map(|e| e.findings.iter()))
    }
}

/// What to do about a failure that stopped the check.
pub fn hint(phase: Phase, kind: FailureKind) -> String {
    use FailureKind as K;
    use Phase as P;
    match (phase, kind) {
        (P::Resolve, _) => "check the spelling of the host name, or give its address with --resolve NAME:ADDR".into(),
        (P::Connect, K::Refused) => "check the port (25 for MX, 587 for submission with STARTTLS, 465 for implicit TLS), that the mail server runs and listens on this address (Postfix: inet_interfaces and master.cf; Exim: daemon_smtp_ports, local_interfaces), and the firewall".into(),
        (P::Connect, K::Timeout) => "a firewall drops the packets (many networks block outgoing port 25), or the host is down; try from another network, or raise --connect-timeout".into(),
        (P::Connect, _) => "check the address and your network route to it".into(),
        (P::Banner, K::Timeout) => "the server accepted the connection but sent no complete greeting in time: a port that expects TLS first (465-style: try --implicit-tls), a greet pause longer than the limit (raise --banner-timeout), a tarpit, or not an SMTP service".into(),
        (P::Banner, K::NotSmtp) => "this port speaks something else than SMTP; if the bytes look like TLS, the port uses implicit TLS: try --implicit-tls".into(),
        (P::Banner, K::LineTooLong) => "the server sends a line that never ends: this is not a working SMTP server".into(),
        (P::Banner, K::Closed) => "the server closed the connection before greeting: a connection limit, a blocklist or a TCP wrapper (Postfix postscreen/anvil, Exim smtp_accept_max_per_host, hosts.deny); try again later or from another address".into(),
        (P::Ehlo, K::Timeout) | (P::Starttls, K::Timeout) => "the server stopped answering: a greylisting or tarpitting delay, raise --command-timeout, or check the server's logs".into(),
        (P::Ehlo, _) | (P::Starttls, _) => "the server broke off the SMTP dialogue; its mail log says why".into(),
        (_, K::Timeout) => "the server stopped answering; raise the time limits or check its logs".into(),
        _ => "check the server's mail log for this connection".into(),
    }
}

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
fn txt_text(a: &crate::dns::DnsAnswer) -> String {
    let t = a.texts();
    if t.is_empty() {
        a.error.clone().unwrap_or_else(|| "none".into())
    } else {
        t.join(" | ")
    }
}

fn render_domain(o: &mut String, d: &crate::domain_judge::DomainReport, style: Style) {
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
            crate::cert::TrustVerdict::Trusted { anchor } => format!("trusted, via {anchor}"),
            crate::cert::TrustVerdict::SelfSigned => "self-signed".into(),
            crate::cert::TrustVerdict::UntrustedRoot { root, .. } => {
                format!("ends at the untrusted root {root}")
            }
            crate::cert::TrustVerdict::Incomplete { missing_issuer, .. } => {
                format!("incomplete: {missing_issuer} is missing")
            }
            crate::cert::TrustVerdict::Invalid { reason } => format!("invalid: {reason}"),
            crate::cert::TrustVerdict::NoCertificate { reason } => reason.clone(),
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
            let label = if obs.mode == crate::observe::Mode::Starttls {
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

fn render_scan(o: &mut String, sc: &crate::scan::TlsScan, c: bool) {
    use crate::scan::VersionStatus;
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

fn render_profiles(o: &mut String, sims: &[crate::simulate::Simulation], c: bool) {
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
