//! The STARTTLS command injection probe (CVE-2011-0411 class): one connection that greets,
//! sends `STARTTLS\r\nRSET\r\n` in a single write, reads the STARTTLS reply and whatever else
//! comes in plaintext, does the handshake (recording, never enforcing, the certificate), then
//! sends EHLO inside TLS. A server that kept the pipelined RSET in its input buffer answers it
//! first, inside TLS, before the EHLO. Then QUIT. It records; `judge::injection` decides.

use crate::model::injection::InjectionObservation;
use crate::model::observation::{EndpointObservation, Failure, Phase};
use crate::model::options::CheckOptions;
use crate::observe::probe::{Dialog, EndpointSpec, Probe, Retry};
use std::time::{Duration, Instant};
use tokio::io::AsyncWriteExt;
use wire::smtp::Reply;

/// What is sent after EHLO, in one write: a command pipelined after STARTTLS.
pub const INJECTED: &str = "STARTTLS\r\nRSET\r\n";
/// How long the probe waits inside TLS for a second reply when the first one to its EHLO does
/// not look like an EHLO reply: twice the handshake's time, within these bounds.
const TLS_WAIT: (Duration, Duration) = (Duration::from_millis(500), Duration::from_millis(1500));

/// Twice `measured` (milliseconds, when measured), within `bounds`, and never past `limit`.
fn wait(measured: Option<f64>, bounds: (Duration, Duration), limit: Duration) -> Duration {
    let twice = measured
        .filter(|m| m.is_finite() && *m >= 0.0)
        .map(|m| Duration::from_secs_f64((m * 2.0 / 1000.0).min(3600.0)))
        .unwrap_or(bounds.1);
    twice.clamp(bounds.0, bounds.1).min(limit)
}

fn ms(d: Duration) -> f64 {
    (d.as_secs_f64() * 1e6).round() / 1e3
}

/// "250 2.0.0 Ok" for the evidence: the code and the first line.
fn short(r: &Reply) -> String {
    format!(
        "{} {}",
        r.code,
        r.lines.first().map(String::as_str).unwrap_or_default()
    )
}

/// Runs the probe on one STARTTLS endpoint. Never fails: problems are in `failure`. A server
/// that refuses the connection for now (a 4xx greeting, a refused or dropped connection) is
/// asked again with the scan's back-off (`--retries`, `--retry-wait`): the probe runs beside the
/// scan, when a server with a connection limit (Exim's smtp_accept_max) is busiest.
pub async fn probe_injection(spec: &EndpointSpec, opts: &CheckOptions) -> InjectionObservation {
    let start = Instant::now();
    let mut retry = Retry::new(opts);
    loop {
        let mut p = Probe {
            opts,
            start,
            transcript: Vec::new(),
            tickets: None,
            skip_replies: None,
        };
        let mut scratch = EndpointObservation::empty(spec, opts);
        let mut inj = InjectionObservation {
            sent: INJECTED.to_string(),
            ..InjectionObservation::default()
        };
        let r = run(&mut p, spec, &mut scratch, &mut inj).await;
        let busy = match &r {
            Err(f) => f.transient() && matches!(f.phase, Phase::Connect | Phase::Banner),
            Ok(()) => {
                inj.starttls_reply.is_none()
                    && scratch
                        .smtp
                        .banner
                        .as_ref()
                        .is_some_and(|b| (400..500).contains(&b.code))
            }
        };
        if busy && retry.again().await {
            continue;
        }
        if let Err(f) = r {
            inj.failure = Some(format!("{} phase: {}", f.phase.as_str(), f.message));
        }
        inj.connections = retry.attempts();
        inj.total_ms = ms(start.elapsed());
        return inj;
    }
}

async fn run(
    p: &mut Probe<'_>,
    spec: &EndpointSpec,
    scratch: &mut EndpointObservation,
    inj: &mut InjectionObservation,
) -> Result<(), Failure> {
    let opts = p.opts;
    let tcp = p.connect(spec).await?;
    let mut d = Dialog::new(tcp);
    if !p.greet(&mut d, scratch).await? {
        inj.failure = Some("the server refused the session before STARTTLS".into());
        return Ok(());
    }
    let caps = scratch.smtp.capabilities.as_ref();
    inj.pipelining_advertised = caps.is_some_and(|c| c.has("PIPELINING"));
    if !caps.is_some_and(|c| c.has("STARTTLS")) {
        inj.failure = Some("STARTTLS is not offered".into());
        p.quit(&mut d).await;
        return Ok(());
    }
    // The injection: STARTTLS and RSET in one write (one TCP segment on any sane path).
    let send = async {
        d.stream.write_all(INJECTED.as_bytes()).await?;
        d.stream.flush().await
    };
    match tokio::time::timeout(opts.timeouts.command(), send).await {
        Ok(Ok(())) => {}
        Ok(Err(e)) => {
            return Err(Failure {
                phase: Phase::Starttls,
                kind: crate::model::observation::FailureKind::Io,
                message: format!("sending STARTTLS: {e}"),
            });
        }
        Err(_) => {
            return Err(Failure {
                phase: Phase::Starttls,
                kind: crate::model::observation::FailureKind::Timeout,
                message: "could not send STARTTLS in time".into(),
            });
        }
    }
    let reply = d
        .read_reply(Phase::Starttls, opts.timeouts.command())
        .await?;
    inj.starttls_reply = Some(short(&reply));
    if reply.code != 220 {
        // The pipelined RSET may be answered too; QUIT after it.
        p.quit(&mut d).await;
        return Ok(());
    }
    // Replies to the pipelined command in plaintext, before TLS, come right before the
    // server's first TLS record: the handshake starts at once, and the stream takes them out
    // on the way (no wait for them).
    let (tcp, leftover) = d.into_parts();
    inj.plaintext_bytes = leftover.len();
    let lines = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
    p.skip_replies = Some(lines.clone());
    let handshake = p.handshake(spec, tcp, leftover, scratch).await;
    if let Ok(l) = lines.lock() {
        inj.plaintext_replies = l.clone();
    }
    let Some(tls) = handshake? else {
        inj.failure = scratch
            .failure
            .as_ref()
            .map(|f| format!("{} phase: {}", f.phase.as_str(), f.message));
        return Ok(());
    };
    inj.handshake_completed = true;
    // Inside TLS: our EHLO at once. A server that kept the pipelined RSET answers it before our
    // EHLO (commands are answered in order), so any reply before the EHLO's answers the
    // injection. The EHLO's reply is known by its shape: a 250 of several lines, or one that
    // starts with the domain the server gave before TLS. Then nothing needs waiting for. A
    // first reply of another shape may be either: a second one is waited for (twice the
    // handshake's time, 0.5 to 1.5 s), since two replies to one command mean the first
    // answered the RSET.
    let mut d = Dialog::new(tls);
    let domain = scratch
        .smtp
        .ehlo
        .as_ref()
        .and_then(|r| r.lines.first())
        .and_then(|l| l.split_whitespace().next())
        .map(str::to_ascii_lowercase);
    let is_ehlo_reply = |r: &Reply| {
        r.code == 250
            && (r.lines.len() > 1
                || domain.as_deref().is_some_and(|dn| {
                    r.lines
                        .first()
                        .and_then(|l| l.split_whitespace().next())
                        .is_some_and(|w| w.eq_ignore_ascii_case(dn))
                }))
    };
    let t = Instant::now();
    let ehlo_cmd = format!("EHLO {}", opts.ehlo_name);
    let first = p
        .command(&mut d, &ehlo_cmd, Phase::AfterTls, opts.timeouts.command())
        .await;
    let first = match first {
        Ok(r) => r,
        Err(f) => {
            // No reply to our EHLO (bytes that are no reply, a close, silence): what came is in
            // the failure's message; the judgement is unknown.
            inj.tls_wait_ms = ms(t.elapsed());
            inj.failure = Some(format!("{} phase: {}", f.phase.as_str(), f.message));
            return Ok(());
        }
    };
    let mut before: Vec<Reply> = Vec::new();
    let ehlo = if is_ehlo_reply(&first) {
        first
    } else {
        let tls_wait = wait(
            scratch.timings.handshake_ms,
            TLS_WAIT,
            opts.timeouts.command(),
        );
        match d.read_reply(Phase::AfterTls, tls_wait).await {
            // Two replies to one command: the first answered the pipelined RSET.
            Ok(second) => {
                before.push(first);
                second
            }
            Err(_) => first,
        }
    };
    inj.tls_wait_ms = ms(t.elapsed());
    let mut seen: Vec<u8> = Vec::new();
    for r in &before {
        for l in r.to_wire_lines() {
            seen.extend_from_slice(l.as_bytes());
            seen.extend_from_slice(b"\r\n");
        }
        inj.tls_replies.push(short(r));
    }
    inj.tls_bytes_before_command = seen.len();
    inj.tls_excerpt = (!seen.is_empty()).then(|| crate::observe::tls::excerpt(&seen));
    inj.ehlo_after_tls = Some(ehlo.code);
    p.quit(&mut d).await;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn waits_follow_the_round_trip_within_bounds() {
        let limit = Duration::from_secs(30);
        assert_eq!(wait(Some(1.0), TLS_WAIT, limit), TLS_WAIT.0);
        assert_eq!(
            wait(Some(400.0), TLS_WAIT, limit),
            Duration::from_millis(800)
        );
        assert_eq!(wait(Some(5000.0), TLS_WAIT, limit), TLS_WAIT.1);
        assert_eq!(wait(None, TLS_WAIT, limit), TLS_WAIT.1);
        assert_eq!(wait(Some(f64::NAN), TLS_WAIT, limit), TLS_WAIT.1);
        assert_eq!(
            wait(Some(400.0), TLS_WAIT, Duration::from_millis(100)),
            Duration::from_millis(100)
        );
    }
}
