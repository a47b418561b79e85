//! The STARTTLS command injection check (CVE-2011-0411 class): `checks["starttls-injection"]`
//! and the finding `starttls-injection`, from the probe's observation
//! (`model::injection::InjectionObservation`).
//!
//! A server must discard whatever a client pipelined after STARTTLS (RFC 3207 section 4.2 asks
//! the client not to; Postfix 2.8.0 and later, and Exim, throw it away). A server that keeps it
//! in its input buffer executes it after the handshake, as if it came through TLS: a
//! man-in-the-middle can append commands to the client's STARTTLS in plaintext and have them run
//! in the protected session (Wietse Venema's 2011 advisory; CERT VU#555316). The probe sends
//! `STARTTLS\r\nRSET\r\n` in one write and reads inside TLS before sending anything there: any
//! reply then is the answer to the injected RSET.

use crate::model::checks::{CheckResult, CheckStatus, Checks};
use crate::model::finding::{Finding, Severity};
use crate::model::observation::{EndpointObservation, Mode};
use serde_json::{Map, Value, json};

/// The check's id in `endpoints[].checks`.
pub const CHECK: &str = "starttls-injection";

/// Whether pipelining before STARTTLS was advertised and used, in words.
fn pipelining_words(inj: &crate::model::injection::InjectionObservation) -> String {
    let adv = if inj.pipelining_advertised {
        "PIPELINING advertised before TLS"
    } else {
        "PIPELINING not advertised before TLS"
    };
    let answered = if inj.plaintext_replies.is_empty() {
        "the server answered nothing but STARTTLS in plaintext".to_string()
    } else {
        format!(
            "the server answered the pipelined command in plaintext before the handshake ({})",
            inj.plaintext_replies.join(" / ")
        )
    };
    format!("{adv}; {answered}")
}

/// The check's result for one endpoint; None when it was not probed where it could have been
/// (a quick check, a first connection that did not get through TLS, a report saved before).
pub fn check(obs: &EndpointObservation) -> Option<CheckResult> {
    let not_applicable = |why: &str| CheckResult {
        status: CheckStatus::NotApplicable,
        evidence: why.to_string(),
    };
    if obs.mode == Mode::ImplicitTls {
        return Some(not_applicable(
            "implicit TLS: there is no plaintext phase to inject commands into",
        ));
    }
    let Some(inj) = &obs.starttls_injection else {
        let offered = obs
            .smtp
            .capabilities
            .as_ref()
            .is_some_and(|c| c.has("STARTTLS"));
        let greeted = obs.smtp.ehlo.is_some();
        return (greeted && !offered).then(|| not_applicable("STARTTLS is not offered"));
    };
    let pipelining = pipelining_words(inj);
    if !inj.tls_replies.is_empty() || inj.tls_bytes_before_command > 0 {
        let what = if inj.tls_replies.is_empty() {
            inj.tls_excerpt.clone().unwrap_or_default()
        } else {
            inj.tls_replies.join(" / ")
        };
        return Some(CheckResult {
            status: CheckStatus::Vulnerable,
            evidence: format!(
                "after {:?} in one write, the server sent \"{what}\" inside TLS before its reply to our EHLO there: it ran the RSET pipelined after STARTTLS in the TLS session; {pipelining}",
                inj.sent
            ),
        });
    }
    match inj.starttls_reply.as_deref() {
        Some(r) if r.starts_with("220") => {}
        Some(r) => {
            return Some(CheckResult {
                status: CheckStatus::Unknown,
                evidence: format!(
                    "STARTTLS with a pipelined RSET was answered \"{r}\"; {pipelining}"
                ),
            });
        }
        None => {
            return Some(CheckResult {
                status: CheckStatus::Unknown,
                evidence: format!(
                    "no reply to STARTTLS with a pipelined RSET{}",
                    inj.failure
                        .as_deref()
                        .map(|f| format!(": {f}"))
                        .unwrap_or_default()
                ),
            });
        }
    }
    if !inj.handshake_completed {
        return Some(CheckResult {
            status: CheckStatus::Unknown,
            evidence: format!(
                "the handshake after STARTTLS with a pipelined RSET failed{}; {pipelining}",
                inj.failure
                    .as_deref()
                    .map(|f| format!(": {f}"))
                    .unwrap_or_default()
            ),
        });
    }
    if inj.ehlo_after_tls.is_none() {
        return Some(CheckResult {
            status: CheckStatus::Unknown,
            evidence: format!(
                "no reply to our EHLO inside TLS after STARTTLS with a pipelined RSET{}; {pipelining}",
                inj.failure
                    .as_deref()
                    .map(|f| format!(": {f}"))
                    .unwrap_or_default()
            ),
        });
    }
    Some(CheckResult {
        status: CheckStatus::Ok,
        evidence: format!(
            "the RSET pipelined after STARTTLS was discarded: the first reply inside TLS answered our EHLO ({}, {} ms after it); {pipelining}",
            match inj.ehlo_after_tls {
                Some(c) => c.to_string(),
                None => "?".into(),
            },
            inj.tls_wait_ms
        ),
    })
}

/// The endpoint's checks from this module (one entry, when it applies).
pub fn checks(obs: &EndpointObservation) -> Checks {
    let mut c = Checks::new();
    if let Some(r) = check(obs) {
        c.insert(CHECK.to_string(), r);
    }
    c
}

/// The finding when the server is vulnerable.
pub fn finding(obs: &EndpointObservation) -> Option<Finding> {
    check(obs).filter(|r| r.status == CheckStatus::Vulnerable)?;
    let inj = obs.starttls_injection.as_ref()?;
    let answer = if inj.tls_replies.is_empty() {
        inj.tls_excerpt.clone().unwrap_or_default()
    } else {
        inj.tls_replies.join(" / ")
    };
    let mut evidence = Map::new();
    evidence.insert("sent".into(), json!(inj.sent));
    evidence.insert("tls_replies".into(), json!(inj.tls_replies));
    evidence.insert(
        "tls_bytes_before_command".into(),
        json!(inj.tls_bytes_before_command),
    );
    if let Some(x) = &inj.tls_excerpt {
        evidence.insert("tls_excerpt".into(), Value::String(x.clone()));
    }
    evidence.insert(
        "pipelining_advertised".into(),
        json!(inj.pipelining_advertised),
    );
    Some(Finding {
        code: CHECK.to_string(),
        severity: Severity::Error,
        summary: format!(
            "a command pipelined after STARTTLS runs inside TLS (CVE-2011-0411 class): the RSET sent with STARTTLS was answered \"{answer}\" in the TLS session"
        ),
        evidence,
    })
}
