//! Judging a mail domain: pure rules from a [`DomainObservation`] and its endpoints' reports to
//! domain findings, per-MX results and what each kind of sender does. No I/O.

use crate::judge::cert::AnalysisInput;
use crate::judge::cert::analyze;
use crate::judge::dane::match_chain;
use crate::judge::dane::record_for;
use crate::judge::diagnose::finding;
use crate::model::cert::ChainAnalysis;
use crate::model::cert::TrustVerdict;
use crate::model::dane::Tlsa;
use crate::model::dane::TlsaResult;
use crate::model::dns::DnsAnswer;
use crate::model::dns::DnsRecord;
use crate::model::dns::Dnssec;
use crate::model::dns::Outcome;
use crate::model::domain::DomainObservation;
use crate::model::domain::MxHostObservation;
use crate::model::domain::PolicyFetch;
use crate::model::finding::Finding;
use crate::model::finding::Severity;
use crate::model::observation::Mode;
use crate::model::observation::Phase;
use crate::model::report::AddressResult;
use crate::model::report::DomainReport;
use crate::model::report::EndpointReport;
use crate::model::report::MxResult;
use crate::model::report::PolicySummary;
use crate::model::report::SenderOutcome;
use crate::model::trust::TrustStore;
use serde_json::json;
use time::OffsetDateTime;

/// The state of one endpoint, as senders see it.
struct EpState<'a> {
    ep: &'a EndpointReport,
    reachable: bool,
    starttls: bool,
    tls_done: bool,
    cert_valid: bool,
    cert_problem: Option<String>,
    version: Option<String>,
    chain: Vec<Vec<u8>>,
}

fn assess(ep: &EndpointReport) -> EpState<'_> {
    let o = &ep.observation;
    let reachable = !matches!(
        o.failure.as_ref().map(|f| f.phase),
        Some(Phase::Resolve | Phase::Connect | Phase::Banner)
    ) && o.smtp.banner.as_ref().is_some_and(|b| b.code == 220);
    let starttls = match o.mode {
        Mode::ImplicitTls => true,
        Mode::Starttls => {
            o.smtp
                .capabilities
                .as_ref()
                .is_some_and(|c| c.has("STARTTLS"))
                && o.smtp.starttls.as_ref().is_none_or(|r| r.code == 220)
        }
    };
    let tls = o.tls.as_ref().filter(|t| t.completed);
    let chain: Vec<Vec<u8>> = tls
        .map(|t| t.chain.iter().map(|c| c.0.clone()).collect())
        .unwrap_or_default();
    let (cert_valid, cert_problem) = match &ep.chain_analysis {
        Some(a) if tls.is_some() => cert_verdict(a),
        _ => (false, None),
    };
    EpState {
        ep,
        reachable,
        starttls,
        tls_done: tls.is_some(),
        cert_valid,
        cert_problem,
        version: tls.and_then(|t| t.version.clone()),
        chain,
    }
}

/// A chain as a verifying sender judges it: trusted, in date, every name covered.
fn cert_verdict(a: &ChainAnalysis) -> (bool, Option<String>) {
    // Verifying MTAs do not fetch missing intermediates: the chain as sent is what counts.
    let trusted = matches!(a.trust, TrustVerdict::Trusted { .. });
    if !trusted {
        let why = match &a.trust {
            TrustVerdict::SelfSigned => "the certificate is self-signed".to_string(),
            TrustVerdict::UntrustedRoot { root, .. } => {
                format!("the chain ends at an untrusted root ({root})")
            }
            TrustVerdict::Incomplete { missing_issuer, .. } => {
                format!("the chain is incomplete (the intermediate {missing_issuer} is not sent)")
            }
            TrustVerdict::Invalid { reason } => reason.clone(),
            TrustVerdict::NoCertificate { reason } => reason.clone(),
            TrustVerdict::Trusted { .. } => String::new(),
        };
        return (false, Some(why));
    }
    if let Some(t) = a
        .time_problems
        .iter()
        .find(|t| t.kind == "expired" || t.kind == "not-yet-valid")
    {
        return (
            false,
            Some(format!(
                "certificate #{} ({}) is {} ({})",
                t.index, t.subject, t.kind, t.date
            )),
        );
    }
    if let Some(n) = a.names.iter().find(|n| !n.covered) {
        return (
            false,
            Some(format!(
                "the certificate does not cover {} (it covers {})",
                n.name,
                a.covered_names.join(", ")
            )),
        );
    }
    (true, None)
}

fn endpoint_text(s: &EpState<'_>) -> (String, String) {
    let o = &s.ep.observation;
    if !s.reachable {
        let why = o
            .failure
            .as_ref()
            .map(|f| format!("{} phase: {}", f.phase.as_str(), f.message))
            .unwrap_or_else(|| "no SMTP greeting".into());
        return ("unreachable".into(), why);
    }
    if !s.starttls {
        return (
            "no-starttls".into(),
            "no STARTTLS: mail arrives in plaintext".into(),
        );
    }
    if !s.tls_done {
        let why = o
            .failure
            .as_ref()
            .map(|f| f.message.clone())
            .unwrap_or_else(|| "the TLS handshake failed".into());
        return ("tls-failed".into(), why);
    }
    match &s.cert_problem {
        Some(p) => ("tls-problems".into(), p.clone()),
        None if s.cert_valid => (
            "ok".into(),
            format!(
                "{} with a valid certificate",
                s.version.as_deref().unwrap_or("TLS")
            ),
        ),
        None => ("tls-problems".into(), "certificate not judged".into()),
    }
}

/// Judge a domain. `endpoints` are the endpoint reports of every MX host and address.
pub fn judge_domain(
    obs: DomainObservation,
    endpoints: &[EndpointReport],
    trust: &TrustStore,
    now: OffsetDateTime,
    warn_days: u32,
) -> DomainReport {
    let mut findings = Vec::new();
    let domain = obs.domain.clone();

    // ---- MX (RFC 5321 §5.1, RFC 7505) ----
    let mx_records: Vec<(u16, String)> = obs
        .mx
        .records
        .iter()
        .filter_map(|r| match r {
            DnsRecord::MX {
                preference,
                exchange,
            } => Some((*preference, exchange.clone())),
            _ => None,
        })
        .collect();
    let null_mx = mx_records.len() == 1 && mx_records.iter().all(|(_, e)| e.is_empty());
    if null_mx {
        findings.push(finding(
            "mx-null",
            format!("{domain} publishes a null MX (\"0 .\", RFC 7505): it accepts no mail"),
            json!({"mx": obs.mx.records}),
        ));
    } else if mx_records.len() > 1 && mx_records.iter().any(|(_, e)| e.is_empty()) {
        findings.push(finding(
            "mx-host-invalid",
            "a null MX (\".\") stands beside other MX records; RFC 7505 §3 allows it only alone"
                .to_string(),
            json!({"mx": obs.mx.records}),
        ));
    }
    if obs.mx.outcome == Outcome::NoData {
        let addrs: Vec<String> = obs
            .hosts
            .first()
            .map(|h| h.addresses.iter().map(|a| a.to_string()).collect())
            .unwrap_or_default();
        findings.push(finding(
            "mx-implicit",
            format!(
                "{domain} has no MX record: senders deliver to its own address ({})",
                if addrs.is_empty() {
                    "none".to_string()
                } else {
                    addrs.join(", ")
                }
            ),
            json!({"addresses": addrs}),
        ));
    }
    for h in &obs.hosts {
        if let Some(why) = h
            .skipped
            .as_ref()
            .filter(|w| !w.starts_with("not checked:"))
        {
            let errors: Vec<String> = [&h.a, &h.aaaa]
                .iter()
                .filter_map(|q| q.as_ref().and_then(|q| q.error.clone()))
                .collect();
            findings.push(finding(
                "mx-host-invalid",
                if errors.is_empty() {
                    why.clone()
                } else {
                    format!("{why}; {}", errors.join("; "))
                },
                json!({"host": h.host, "preference": h.preference, "lookup_errors": errors}),
            ));
        }
    }

    // ---- Endpoints per host ----
    let states: Vec<EpState<'_>> = endpoints.iter().map(assess).collect();
    let of_host = |host: &str| -> Vec<&EpState<'_>> {
        states
            .iter()
            .filter(|s| s.ep.observation.name == host)
            .collect()
    };
    for h in obs.hosts.iter().filter(|h| h.skipped.is_none()) {
        let eps = of_host(&h.host);
        if eps.is_empty() {
            continue;
        }
        let bad: Vec<&&EpState<'_>> = eps.iter().filter(|s| !s.reachable).collect();
        if bad.len() == eps.len() {
            let details: Vec<String> = bad
                .iter()
                .map(|s| format!("{}: {}", s.ep.observation.address, endpoint_text(s).1))
                .collect();
            findings.push(finding(
                "mx-unreachable",
                format!(
                    "MX {} cannot be reached on any address ({})",
                    h.host,
                    details.join("; ")
                ),
                json!({"host": h.host, "addresses": details}),
            ));
        } else {
            // An address that fails (or fails TLS) while another of the same host works.
            let works = |s: &EpState<'_>| s.reachable && (!s.starttls || s.tls_done);
            let good: Vec<String> = eps
                .iter()
                .filter(|s| works(s))
                .map(|s| s.ep.observation.address.ip().to_string())
                .collect();
            for s in eps.iter().filter(|s| !works(s)) {
                let (status, why) = endpoint_text(s);
                findings.push(finding(
                    "mx-address-failed",
                    format!(
                        "MX {} fails on {} ({status}: {why}) while {} works",
                        h.host,
                        s.ep.observation.address,
                        good.join(", ")
                    ),
                    json!({"host": h.host, "address": s.ep.observation.address.to_string(), "status": status, "reason": why, "working": good}),
                ));
            }
        }
    }
    // MX hosts (or addresses) that differ.
    let signature = |s: &EpState<'_>| -> String {
        format!(
            "STARTTLS {}, {}, certificate {}",
            if s.starttls { "offered" } else { "not offered" },
            s.version.as_deref().unwrap_or("no TLS"),
            if s.cert_valid { "valid" } else { "not valid" }
        )
    };
    let reachable: Vec<&EpState<'_>> = states.iter().filter(|s| s.reachable).collect();
    let mut sigs: Vec<(String, String)> = reachable
        .iter()
        .map(|s| {
            (
                format!(
                    "{} ({})",
                    s.ep.observation.name,
                    s.ep.observation.address.ip()
                ),
                signature(s),
            )
        })
        .collect();
    sigs.sort();
    let distinct: std::collections::BTreeSet<&String> = sigs.iter().map(|(_, s)| s).collect();
    if distinct.len() > 1 {
        let lines: Vec<String> = sigs.iter().map(|(h, s)| format!("{h}: {s}")).collect();
        findings.push(finding(
            "mx-inconsistent",
            format!("the MX hosts differ: {}", lines.join("; ")),
            json!({"endpoints": lines}),
        ));
    }

    // ---- MTA-STS (RFC 8461) ----
    let sts_texts = obs.mta_sts_txt.texts();
    let sts_like = sts_texts
        .iter()
        .any(|t| t.trim_start().to_ascii_lowercase().starts_with("v=sts"));
    let mut txt_ok = false;
    match obs.mta_sts_txt.outcome {
        Outcome::Error => findings.push(finding(
            "mta-sts-txt-invalid",
            format!(
                "the _mta-sts.{domain} TXT lookup failed: {}",
                obs.mta_sts_txt.error.clone().unwrap_or_default()
            ),
            json!({"lookup": obs.mta_sts_txt}),
        )),
        Outcome::Records if sts_like => match wire::mtasts::select_sts_txt(&sts_texts) {
            Ok(_) => txt_ok = true,
            Err(e) => findings.push(finding(
                "mta-sts-txt-invalid",
                format!("_mta-sts.{domain}: {e}"),
                json!({"records": sts_texts}),
            )),
        },
        _ => {}
    }
    let mut policy_summary = None;
    let mut policy_chain = None;
    if let Some(p) = &obs.mta_sts_policy {
        let (summary, chain, mut fs) = judge_policy(p, &domain, txt_ok, trust, now, warn_days);
        findings.append(&mut fs);
        policy_summary = Some(summary);
        policy_chain = chain;
    }
    let usable_policy = policy_summary.as_ref().filter(|p| p.usable);
    let mode = usable_policy.and_then(|p| p.mode.clone());
    if mode.as_deref() == Some("testing") {
        findings.push(finding(
            "mta-sts-testing",
            format!(
                "{domain}'s MTA-STS policy is in testing mode: failures are reported, not enforced"
            ),
            json!({}),
        ));
    }
    let mut covered_by_host: Vec<(String, Option<bool>)> = Vec::new();
    for h in &obs.hosts {
        let covered = match (usable_policy, mode.as_deref()) {
            // A host that cannot be used at all is reported as such, not as uncovered too.
            _ if h.skipped.is_some() => None,
            (Some(p), Some("enforce" | "testing")) => Some(
                p.mx.iter()
                    .any(|pat| wire::mtasts::mx_matches(pat, &h.host)),
            ),
            _ => None,
        };
        covered_by_host.push((h.host.clone(), covered));
        if covered == Some(false) {
            let mut f = finding(
                "mta-sts-mx-not-covered",
                format!(
                    "MX {} matches none of the policy's mx patterns ({}){}",
                    h.host,
                    usable_policy.map(|p| p.mx.join(", ")).unwrap_or_default(),
                    if mode.as_deref() == Some("testing") {
                        ": enforcing would reject it"
                    } else {
                        ": enforcing senders refuse to deliver to it"
                    }
                ),
                json!({"host": h.host, "patterns": usable_policy.map(|p| p.mx.clone()), "mode": mode}),
            );
            if mode.as_deref() == Some("testing") {
                f.severity = Severity::Warning;
            }
            findings.push(f);
        }
        if matches!(mode.as_deref(), Some("enforce" | "testing")) {
            for s in of_host(&h.host).into_iter().filter(|s| s.reachable) {
                let why = if !s.starttls {
                    Some("it offers no STARTTLS".to_string())
                } else if !s.tls_done {
                    Some(format!(
                        "no TLS 1.2+ handshake completes ({})",
                        endpoint_text(s).1
                    ))
                } else if !s.cert_valid {
                    Some(
                        s.cert_problem
                            .clone()
                            .unwrap_or_else(|| "the certificate is not valid".into()),
                    )
                } else {
                    None
                };
                if let Some(why) = why {
                    let mut f = finding(
                        "mta-sts-enforce-would-fail",
                        format!(
                            "MX {} at {}: {why}{}",
                            h.host,
                            s.ep.observation.address,
                            if mode.as_deref() == Some("testing") {
                                " (the policy is in testing mode: this fails once it enforces)"
                            } else {
                                ": enforcing MTA-STS senders do not deliver there"
                            }
                        ),
                        json!({"host": h.host, "address": s.ep.observation.address.to_string(), "reason": why, "mode": mode}),
                    );
                    if mode.as_deref() == Some("testing") {
                        f.severity = Severity::Warning;
                    }
                    findings.push(f);
                }
            }
        }
    }

    // ---- DANE (RFC 7672) ----
    let mut mx_results = Vec::new();
    let mut any_tlsa = false;
    for (h, (_, covered)) in obs.hosts.iter().zip(covered_by_host.iter()) {
        let (tlsa_state, tlsa_name, records, mut fs) = judge_tlsa(h, &domain);
        findings.append(&mut fs);
        if tlsa_state != "none" {
            any_tlsa = true;
        }
        let eps = of_host(&h.host);
        let mut addresses = Vec::new();
        let mut mismatched = Vec::new();
        let mut stale = Vec::new();
        for s in &eps {
            let (status, detail) = endpoint_text(s);
            let results = if tlsa_state == "secure" && s.reachable {
                match_chain(&records, &s.chain, std::slice::from_ref(&h.host))
            } else {
                Vec::new()
            };
            let usable: Vec<&TlsaResult> =
                results.iter().filter(|r| r.result != "unusable").collect();
            if s.reachable && tlsa_state == "secure" && !usable.is_empty() {
                if usable.iter().all(|r| r.result != "match") {
                    mismatched.push((s, results.clone()));
                } else if usable.iter().any(|r| r.result == "no-match") {
                    stale.push((s, results.clone()));
                }
            }
            addresses.push(AddressResult {
                address: s.ep.observation.address.to_string(),
                status,
                detail,
                tls_version: s.version.clone(),
                certificate_valid: s.cert_valid,
                tlsa_results: results,
            });
        }
        for (s, results) in mismatched {
            let current = s.chain.first().and_then(|c| record_for(c, 3, 1, 1));
            let why = if !s.starttls {
                "the server offers no STARTTLS, which DANE senders require".to_string()
            } else if !s.tls_done {
                "no TLS handshake completes".to_string()
            } else {
                "none of the records matches the certificate served".to_string()
            };
            findings.push(finding(
                "dane-tlsa-mismatch",
                format!(
                    "MX {} at {}: {why} (records at {}: {}){}",
                    h.host,
                    s.ep.observation.address,
                    tlsa_name.as_deref().unwrap_or("?"),
                    records.iter().map(Tlsa::text).collect::<Vec<_>>().join(", "),
                    current
                        .as_ref()
                        .map(|c| format!("; the certificate served has {}", c.text()))
                        .unwrap_or_default()
                ),
                json!({"host": h.host, "address": s.ep.observation.address.to_string(), "tlsa_name": tlsa_name, "results": results, "record_for_served_certificate": current.map(|c| c.text())}),
            ));
        }
        for (s, results) in stale {
            let dead: Vec<String> = results
                .iter()
                .filter(|r| r.result == "no-match")
                .map(|r| r.record.text())
                .collect();
            findings.push(finding(
                "dane-tlsa-stale",
                format!(
                    "MX {} at {}: {} of the TLSA records match nothing the server sends ({})",
                    h.host,
                    s.ep.observation.address,
                    dead.len(),
                    dead.join(", ")
                ),
                json!({"host": h.host, "address": s.ep.observation.address.to_string(), "stale": dead}),
            ));
        }
        mx_results.push(MxResult {
            host: h.host.clone(),
            preference: h.preference,
            addresses,
            mta_sts_covered: *covered,
            tlsa: tlsa_state,
            tlsa_name,
            tlsa_records: records,
            skipped: h.skipped.clone(),
        });
    }

    // ---- TLS-RPT (RFC 8460) ----
    let rpt_texts = obs.tlsrpt_txt.texts();
    let rpt_like = rpt_texts
        .iter()
        .any(|t| t.trim_start().to_ascii_lowercase().starts_with("v=tlsrpt"));
    match obs.tlsrpt_txt.outcome {
        Outcome::Error => findings.push(finding(
            "tlsrpt-invalid",
            format!(
                "the _smtp._tls.{domain} TXT lookup failed: {}",
                obs.tlsrpt_txt.error.clone().unwrap_or_default()
            ),
            json!({"lookup": obs.tlsrpt_txt}),
        )),
        Outcome::Records if rpt_like => {
            if let Err(e) = wire::tlsrpt::select_tlsrpt_txt(&rpt_texts) {
                findings.push(finding(
                    "tlsrpt-invalid",
                    format!("_smtp._tls.{domain}: {e}"),
                    json!({"records": rpt_texts}),
                ));
            }
        }
        _ => {
            if sts_like || any_tlsa {
                findings.push(finding(
                    "tlsrpt-missing",
                    format!(
                        "{domain} deploys {} but publishes no _smtp._tls TXT record: senders cannot report failures",
                        match (sts_like, any_tlsa) {
                            (true, true) => "MTA-STS and DANE",
                            (true, false) => "MTA-STS",
                            _ => "DANE",
                        }
                    ),
                    json!({}),
                ));
            }
        }
    }

    crate::judge::diagnose::rank(&mut findings);
    let senders = senders(&obs, &mx_results, policy_summary.as_ref(), null_mx);
    DomainReport {
        observation: obs,
        policy: policy_summary,
        policy_chain,
        mx_results,
        senders,
        findings,
    }
}

fn judge_policy(
    p: &PolicyFetch,
    domain: &str,
    txt_ok: bool,
    trust: &TrustStore,
    now: OffsetDateTime,
    warn_days: u32,
) -> (PolicySummary, Option<ChainAnalysis>, Vec<Finding>) {
    let mut fs = Vec::new();
    let mut summary = PolicySummary {
        mode: None,
        max_age: None,
        mx: Vec::new(),
        errors: Vec::new(),
        warnings: Vec::new(),
        usable: false,
    };
    let chain: Vec<Vec<u8>> = p.chain.iter().map(|c| c.0.clone()).collect();
    let analysis = (!chain.is_empty()).then(|| {
        analyze(&AnalysisInput {
            chain: &chain,
            trust,
            now,
            names: std::slice::from_ref(&p.host),
            expiry_warn_days: warn_days,
            fetched: &[],
        })
    });
    let mut reachable = true;
    if let Some(e) = &p.error {
        reachable = false;
        fs.push(finding(
            "mta-sts-policy-unreachable",
            format!(
                "_mta-sts.{domain} announces a policy, but {} cannot be fetched ({} phase): {e}",
                p.url,
                p.phase.as_deref().unwrap_or("http")
            ),
            json!({"url": p.url, "address": p.address, "phase": p.phase, "error": e}),
        ));
    } else if let Some(status) = p.status.filter(|s| *s != 200) {
        reachable = false;
        let redirect = (300..400).contains(&status);
        fs.push(finding(
            "mta-sts-policy-unreachable",
            if redirect {
                format!(
                    "{} answers {status} (a redirect to {}): RFC 8461 §3.3 forbids following redirects, so senders get no policy",
                    p.url,
                    p.location.as_deref().unwrap_or("?")
                )
            } else {
                format!("{} answers HTTP {status} instead of 200", p.url)
            },
            json!({"url": p.url, "status": status, "location": p.location}),
        ));
    }
    let mut cert_ok = true;
    if let Some(a) = &analysis {
        let (ok, why) = cert_verdict(a);
        if !ok {
            cert_ok = false;
            fs.push(finding(
                "mta-sts-policy-cert-invalid",
                format!(
                    "the policy host {}: {}",
                    p.host,
                    why.unwrap_or_else(|| "the certificate is not valid".into())
                ),
                json!({"host": p.host, "trust": a.trust, "names": a.names}),
            ));
        }
    }
    let mut parsed_ok = false;
    if reachable && let Some(body) = &p.body {
        let media = p
            .content_type
            .as_deref()
            .map(|c| {
                c.split(';')
                    .next()
                    .unwrap_or_default()
                    .trim()
                    .to_ascii_lowercase()
            })
            .unwrap_or_default();
        if media != "text/plain" {
            summary.errors.push(format!(
                "Content-Type is {} instead of text/plain (RFC 8461 §3.2)",
                p.content_type.as_deref().unwrap_or("missing")
            ));
        }
        if p.body_not_utf8 {
            summary
                .errors
                .push("the policy is not valid UTF-8 text".to_string());
        }
        match wire::mtasts::parse_policy(body.as_bytes()) {
            Ok(pol) => {
                summary.mode = Some(pol.mode.as_str().to_string());
                summary.max_age = Some(pol.max_age);
                summary.mx = pol.mx.clone();
                summary.warnings = pol
                    .warnings
                    .iter()
                    .map(|w| issue_text(w.line, &w.message))
                    .collect();
                parsed_ok = summary.errors.is_empty();
            }
            Err(issues) => {
                summary
                    .errors
                    .extend(issues.iter().map(|w| issue_text(w.line, &w.message)));
            }
        }
        if !summary.errors.is_empty() {
            fs.push(finding(
                "mta-sts-policy-invalid",
                format!(
                    "the policy at {} is invalid: {}",
                    p.url,
                    summary.errors.join("; ")
                ),
                json!({"url": p.url, "errors": summary.errors, "content_type": p.content_type}),
            ));
        } else if !summary.warnings.is_empty() {
            fs.push(finding(
                "mta-sts-policy-nonstandard",
                format!(
                    "the policy at {} bends RFC 8461: {}",
                    p.url,
                    summary.warnings.join("; ")
                ),
                json!({"url": p.url, "warnings": summary.warnings}),
            ));
        }
    }
    summary.usable = txt_ok && reachable && cert_ok && parsed_ok;
    (summary, analysis, fs)
}

fn issue_text(line: usize, msg: &str) -> String {
    if line == 0 {
        msg.to_string()
    } else {
        format!("line {line}: {msg}")
    }
}

/// The TLSA state of a host: ("secure"|"unsigned"|"lookup-failed"|"none", name, records, findings).
fn judge_tlsa(
    h: &MxHostObservation,
    domain: &str,
) -> (String, Option<String>, Vec<Tlsa>, Vec<Finding>) {
    let _ = domain;
    let mut fs = Vec::new();
    if h.skipped.is_some() {
        return ("none".into(), None, Vec::new(), fs);
    }
    // A failure before any records: DANE senders defer (RFC 7672 §2.2).
    let failed: Option<&DnsAnswer> = h
        .tlsa
        .iter()
        .take_while(|q| q.outcome != Outcome::Records || q.dnssec == Dnssec::Bogus)
        .find(|q| q.outcome == Outcome::Error || q.dnssec == Dnssec::Bogus);
    if let Some(q) = failed {
        fs.push(finding(
            "dane-tlsa-lookup-failed",
            format!(
                "the TLSA lookup {} for MX {} failed: {}",
                q.name,
                h.host,
                q.error.clone().unwrap_or_else(|| {
                    "the answer is DNSSEC-bogus (bad or expired signatures, or a broken denial of existence)".into()
                })
            ),
            json!({"host": h.host, "lookup": q}),
        ));
        return ("lookup-failed".into(), Some(q.name.clone()), Vec::new(), fs);
    }
    let Some(q) = h.tlsa.iter().find(|q| q.outcome == Outcome::Records) else {
        return ("none".into(), None, Vec::new(), fs);
    };
    let records: Vec<Tlsa> = q
        .records
        .iter()
        .filter_map(|r| match r {
            DnsRecord::TLSA {
                usage,
                selector,
                matching,
                data,
            } => Some(Tlsa {
                usage: *usage,
                selector: *selector,
                matching: *matching,
                data: data.clone(),
            }),
            _ => None,
        })
        .collect();
    // RFC 7672 §2.2.2: DANE applies only with secure TLSA records and secure address records.
    let address_insecure = !h.overridden
        && [&h.a, &h.aaaa].iter().any(|a| {
            a.as_ref()
                .is_some_and(|a| a.outcome == Outcome::Records && a.dnssec != Dnssec::Secure)
        });
    if q.dnssec != Dnssec::Secure || address_insecure {
        let why = if q.dnssec != Dnssec::Secure {
            format!(
                "the TLSA records at {} are not DNSSEC-secure ({})",
                q.name,
                q.dnssec.as_str()
            )
        } else {
            format!(
                "the TLSA records at {} are secure, but the address records of {} are not",
                q.name, h.host
            )
        };
        fs.push(finding(
            "dane-unsigned",
            format!("MX {}: {why}: DANE senders ignore them", h.host),
            json!({"host": h.host, "tlsa_name": q.name, "dnssec": q.dnssec, "records": records.iter().map(Tlsa::text).collect::<Vec<_>>()}),
        ));
        return ("unsigned".into(), Some(q.name.clone()), records, fs);
    }
    let unusable: Vec<String> = records
        .iter()
        .filter(|r| !r.usable())
        .map(Tlsa::text)
        .collect();
    if !unusable.is_empty() {
        fs.push(finding(
            "dane-usage-unsuitable",
            format!(
                "MX {}: {} of {} TLSA records use a usage SMTP senders ignore (0/1, or an undefined selector/matching type): {}",
                h.host,
                unusable.len(),
                records.len(),
                unusable.join(", ")
            ),
            json!({"host": h.host, "unusable": unusable}),
        ));
    }
    ("secure".into(), Some(q.name.clone()), records, fs)
}

/// An MX host and what opportunistic, MTA-STS and DANE senders get there.
type PerMx = (String, &'static str, &'static str, &'static str);

/// What each kind of sender does (mail goes to the most preferred MX that works for it).
fn senders(
    obs: &DomainObservation,
    mx: &[MxResult],
    policy: Option<&PolicySummary>,
    null_mx: bool,
) -> Vec<SenderOutcome> {
    let out = |kind: &str, name: &str, result: &str, detail: String| SenderOutcome {
        kind: kind.into(),
        name: name.into(),
        result: result.into(),
        detail,
    };
    const OPP: &str = "Opportunistic senders (most MTAs: Postfix and Exim defaults)";
    const STS: &str = "MTA-STS senders (Gmail, Microsoft 365, Yahoo)";
    const DANE: &str = "DANE senders (Postfix/Exim with DANE, Microsoft 365)";
    if null_mx {
        return vec![
            out(
                "opportunistic",
                OPP,
                "no-mail",
                "the domain has a null MX: senders bounce at once".into(),
            ),
            out("mta-sts", STS, "no-mail", "the domain has a null MX".into()),
            out("dane", DANE, "no-mail", "the domain has a null MX".into()),
        ];
    }
    if mx
        .iter()
        .all(|m| m.skipped.is_some() || m.addresses.is_empty())
    {
        let why = match obs.mx.outcome {
            Outcome::Nxdomain => "the domain does not exist".to_string(),
            Outcome::Error => format!(
                "the MX lookup failed: {}",
                obs.mx.error.clone().unwrap_or_default()
            ),
            _ => "no MX host is usable".to_string(),
        };
        return vec![
            out("opportunistic", OPP, "fails", why.clone()),
            out("mta-sts", STS, "fails", why.clone()),
            out("dane", DANE, "fails", why),
        ];
    }
    // Per MX: (host, result for opportunistic, for MTA-STS, for DANE).
    let per: Vec<PerMx> = mx
        .iter()
        .filter(|m| m.skipped.is_none() && !m.addresses.is_empty())
        .map(|m| {
            let reach: Vec<&AddressResult> = m
                .addresses
                .iter()
                .filter(|a| a.status != "unreachable")
                .collect();
            if reach.is_empty() {
                return (m.host.clone(), "fails", "fails", "fails");
            }
            let all_tls = reach
                .iter()
                .all(|a| a.status == "ok" || a.status == "tls-problems");
            let any_tls = reach
                .iter()
                .any(|a| a.status == "ok" || a.status == "tls-problems");
            // TLS on some addresses counts: the detail lists each MX.
            let opp = if any_tls { "tls" } else { "plaintext" };
            let sts = match policy.filter(|p| p.usable).and_then(|p| p.mode.as_deref()) {
                Some("enforce") => {
                    if m.mta_sts_covered == Some(true) && reach.iter().all(|a| a.status == "ok") {
                        "verified-tls"
                    } else {
                        "fails"
                    }
                }
                _ => opp,
            };
            let dane = match m.tlsa.as_str() {
                "lookup-failed" => "fails",
                "secure" => {
                    let usable = m.tlsa_records.iter().any(Tlsa::usable);
                    if !usable {
                        if all_tls { "tls" } else { "fails" }
                    } else if reach
                        .iter()
                        .all(|a| a.tlsa_results.iter().any(|r| r.result == "match"))
                    {
                        "verified-tls"
                    } else {
                        "fails"
                    }
                }
                _ => opp,
            };
            (m.host.clone(), opp, sts, dane)
        })
        .collect();
    let reduce = |pick: &dyn Fn(&PerMx) -> &'static str| -> (String, String) {
        let first = per.iter().find(|p| pick(p) != "fails");
        let detail = per
            .iter()
            .map(|p| format!("{}: {}", p.0, pick(p)))
            .collect::<Vec<_>>()
            .join(", ");
        match first {
            Some(p) => (pick(p).to_string(), detail),
            None => ("fails".to_string(), detail),
        }
    };
    let (o, od) = reduce(&|p| p.1);
    let (s, sd) = reduce(&|p| p.2);
    let (d, dd) = reduce(&|p| p.3);
    let sts_note = match policy {
        None => "no MTA-STS policy: they behave as opportunistic senders; ".to_string(),
        Some(p) if !p.usable => {
            "the MTA-STS policy is unusable: they behave as opportunistic senders; ".to_string()
        }
        Some(p) => match p.mode.as_deref() {
            Some("enforce") => "policy in enforce mode; ".to_string(),
            Some(m) => format!("policy in {m} mode (not enforced); "),
            None => String::new(),
        },
    };
    let dane_note = if mx.iter().any(|m| m.tlsa == "secure") {
        ""
    } else {
        "no secure TLSA records: they behave as opportunistic senders; "
    };
    vec![
        out("opportunistic", OPP, &o, od),
        out("mta-sts", STS, &s, format!("{sts_note}{sd}")),
        out("dane", DANE, &d, format!("{dane_note}{dd}")),
    ]
}
