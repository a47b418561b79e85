//! Rules of the SMTP dialogue: a refused greeting or EHLO, STARTTLS not offered or refused, and
//! SMTP bytes sent after the STARTTLS reply.

use crate::judge::diagnose::finding;
use crate::model::finding::Finding;
use crate::model::observation::EndpointObservation;
use crate::model::observation::Mode;
use crate::model::observation::SmtpObservation;
use serde_json::json;

/// A reply as the server wrote it, its lines joined with " / ".
fn quote(r: &wire::smtp::Reply) -> String {
    r.to_wire_lines().join(" / ")
}

/// The findings of the SMTP dialogue, and whether the diagnosis goes on (false after a refusal
/// that ended the session before TLS).
pub(super) fn dialogue_findings(obs: &EndpointObservation) -> (Vec<Finding>, bool) {
    let smtp = &obs.smtp;
    let mut out = Vec::new();
    if let Some(f) = banner_refused(smtp) {
        out.push(f);
        return (out, false);
    }
    out.extend(rate_limited(obs));
    if let Some(f) = ehlo_refused(obs) {
        out.push(f);
        if !smtp.helo.as_ref().is_some_and(|h| h.is_positive()) {
            return (out, false);
        }
    }
    if obs.mode == Mode::Starttls && (smtp.ehlo.is_some() || smtp.helo.is_some()) {
        if let Some(f) = starttls_not_offered(smtp) {
            out.push(f);
            return (out, false);
        }
        if let Some(f) = starttls_refused(smtp) {
            out.push(f);
            return (out, false);
        }
        out.extend(starttls_extra_bytes(smtp));
    }
    (out, true)
}

/// `rate-limited` (a note): the server refused some connections at the greeting, and served
/// the retries. Senders retry too; a server that refuses every time is `smtp-rejected` instead.
fn rate_limited(obs: &EndpointObservation) -> Option<Finding> {
    let scan_refusals = obs.scan.as_ref().map_or(0, |s| s.refusals);
    let first = obs.refused_before.len();
    if first == 0 && scan_refusals == 0 {
        return None;
    }
    let said = obs
        .refused_before
        .first()
        .map(|r| format!(" (\"{r}\")"))
        .unwrap_or_default();
    Some(finding(
        "rate-limited",
        format!(
            "the server refused {} of the check's connections at the greeting{said} and served them when retried: it limits connections per client",
            first + usize::try_from(scan_refusals).unwrap_or(usize::MAX)
        ),
        json!({
            "first_connection_refused": obs.refused_before,
            "scan_refusals": scan_refusals,
        }),
    ))
}

/// `smtp-rejected`: a 4xx/5xx greeting.
fn banner_refused(smtp: &SmtpObservation) -> Option<Finding> {
    let b = smtp.banner.as_ref().filter(|b| !b.is_positive())?;
    Some(finding(
        "smtp-rejected",
        format!(
            "the server refused the session at the greeting: \"{}\"",
            quote(b)
        ),
        json!({"phase": "banner", "reply": quote(b), "code": b.code}),
    ))
}

/// `smtp-rejected`: a 4xx/5xx answer to EHLO (with what HELO got, if it was tried).
fn ehlo_refused(obs: &EndpointObservation) -> Option<Finding> {
    let smtp = &obs.smtp;
    let e = smtp.ehlo.as_ref().filter(|e| !e.is_positive())?;
    let helo = smtp.helo.as_ref();
    let summary = match helo {
        Some(h) if h.is_positive() => format!(
            "the server refused EHLO with \"{}\" and accepted HELO, which carries no extensions (STARTTLS included)",
            quote(e)
        ),
        Some(h) => format!(
            "the server refused EHLO (\"{}\") and HELO (\"{}\")",
            quote(e),
            quote(h)
        ),
        None => format!("the server refused EHLO: \"{}\"", quote(e)),
    };
    Some(finding(
        "smtp-rejected",
        summary,
        json!({"phase": "ehlo", "reply": quote(e), "code": e.code, "helo_reply": helo.map(quote), "ehlo_name": obs.ehlo_name}),
    ))
}

/// `starttls-not-offered`: the EHLO reply lacks STARTTLS (or the session fell back to HELO).
fn starttls_not_offered(smtp: &SmtpObservation) -> Option<Finding> {
    let offered = smtp
        .capabilities
        .as_ref()
        .is_some_and(|c| c.has("STARTTLS"));
    if offered {
        return None;
    }
    let caps = smtp
        .capabilities
        .as_ref()
        .map(|c| c.keywords())
        .unwrap_or_default();
    Some(finding(
        "starttls-not-offered",
        if smtp.helo.is_some() {
            "STARTTLS cannot be used: the session fell back to HELO, which has no extensions"
                .to_string()
        } else {
            format!(
                "the server's EHLO reply does not advertise STARTTLS (it offers: {})",
                if caps.is_empty() {
                    "nothing".into()
                } else {
                    caps.join(", ")
                }
            )
        },
        json!({"capabilities": caps}),
    ))
}

/// `starttls-refused`: STARTTLS advertised, but answered with anything but 220.
fn starttls_refused(smtp: &SmtpObservation) -> Option<Finding> {
    let r = smtp.starttls.as_ref().filter(|r| r.code != 220)?;
    Some(finding(
        "starttls-refused",
        format!(
            "the server advertises STARTTLS but answers it with \"{}\"",
            quote(r)
        ),
        json!({"reply": quote(r), "code": r.code}),
    ))
}

/// `starttls-extra-bytes`: SMTP lines after the STARTTLS reply, before the handshake (bytes that
/// do not look like SMTP are left to the handshake's findings).
fn starttls_extra_bytes(smtp: &SmtpObservation) -> Option<Finding> {
    if smtp.bytes_after_starttls == 0 {
        return None;
    }
    let ex = smtp.after_starttls_excerpt.clone().unwrap_or_default();
    let looks_smtp = ex
        .trim_start_matches('"')
        .as_bytes()
        .iter()
        .take(3)
        .all(u8::is_ascii_digit)
        && ex.len() > 4;
    looks_smtp.then(|| {
        finding(
            "starttls-extra-bytes",
            format!(
                "the server sent {} bytes of SMTP after its STARTTLS reply, before the handshake: {ex}",
                smtp.bytes_after_starttls
            ),
            json!({"bytes": smtp.bytes_after_starttls, "excerpt": ex}),
        )
    })
}
