//! A domain report carries strings from the network besides the servers' own: TXT records
//! (MTA-STS, TLS-RPT), the MTA-STS policy file, DNS error texts. Judged from saved observations
//! (as `--from-json` does) and rendered, none of their control characters reaches the terminal
//! raw: each shows as a visible escape. The JSON form keeps them exact.

use doctor::judge::endpoint::judge_domain_report;
use doctor::model::domain::DomainObservation;
use doctor::model::options::TrustBase;
use doctor::model::report::CheckReport;
use doctor::model::trust::TrustStore;
use doctor::render::text::{Style, render_text};
use serde_json::{Value, json};

const DOMAIN: &str = "example.test";
/// A window title set (OSC ... BEL), the screen cleared, blinking, a carriage return and a C1 CSI.
const STS_TXT: &str = "v=STSv1; id=\u{1b}]0;sts-title\u{7};";
const RPT_TXT: &str = "v=TLSRPTv1; rua=mailto:\u{1b}[2Jrpt@example.test\r";
const MX_ERROR: &str = "SERVFAIL from 192.0.2.53:53 \u{1b}[5mblink\u{9b}31m";
const POLICY_ERROR: &str = "TLS handshake: \u{1b}]0;policy-title\u{7}\u{8}";
const POLICY_BODY: &str =
    "version: STSv1\r\nmode: enforce\u{1b}[2J\r\nmx: mx1.example.test\u{7}\r\nmax_age: 604800\r\n";

fn answer(name: &str, rtype: &str, records: Value) -> Value {
    json!({
        "name": name, "rtype": rtype, "outcome": "records", "records": records,
        "cname_chain": [], "dnssec": "unauthenticated", "rcode": "NOERROR",
        "error": null, "server": "192.0.2.53:53"
    })
}

fn failed(name: &str, rtype: &str, error: &str) -> Value {
    json!({
        "name": name, "rtype": rtype, "outcome": "error", "records": [],
        "cname_chain": [], "dnssec": "unauthenticated", "rcode": "SERVFAIL",
        "error": error, "server": "192.0.2.53:53"
    })
}

fn policy(status: Option<u16>, body: Option<&str>, error: Option<&str>) -> Value {
    json!({
        "url": "https://mta-sts.example.test/.well-known/mta-sts.txt",
        "host": "mta-sts.example.test",
        "address": "192.0.2.80:443",
        "address_lookup": [],
        "tls_version": "TLSv1.3",
        "chain": [],
        "status": status,
        "content_type": "text/plain",
        "location": null,
        "body": body,
        "body_not_utf8": false,
        "phase": error.map(|_| "tls"),
        "error": error,
        "elapsed_ms": 12.5
    })
}

/// A domain whose MX lookup failed with `MX_ERROR`, with poisoned TXT records and `policy`.
fn observation(policy: Value) -> DomainObservation {
    serde_json::from_value(json!({
        "domain": DOMAIN,
        "port": 25,
        "dns": {"servers": ["192.0.2.53:53"], "system": false, "dnssec": "the resolver's AD bit"},
        "mx": failed(DOMAIN, "MX", MX_ERROR),
        "hosts": [],
        "mta_sts_txt": answer("_mta-sts.example.test", "TXT", json!([{"type": "TXT", "text": STS_TXT}])),
        "mta_sts_policy": policy,
        "tlsrpt_txt": answer("_smtp._tls.example.test", "TXT", json!([{"type": "TXT", "text": RPT_TXT}]))
    }))
    .expect("domain fixture parses")
}

/// The report a domain check of these observations gives: the command line's base report,
/// judged by the same function as a live check or `--from-json`.
fn report(obs: DomainObservation) -> CheckReport {
    let base: CheckReport = serde_json::from_value(json!({
        "schema_version": 1,
        "tool": {"name": "smtp-tls-doctor", "version": "0.0.0"},
        "checked_at": "2026-01-01T00:00:00Z",
        "target": {"input": DOMAIN, "host": DOMAIN, "port": 25, "mx": null},
        "verdict": {"status": "ok", "code": null, "text": ""},
        "error": null,
        "trust_store": "none",
        "names_checked": [],
        "connections": 0,
        "endpoints": []
    }))
    .expect("base report parses");
    let trust = TrustStore::load_with(TrustBase::None, &[], &[], None).expect("a trust store");
    judge_domain_report(base, obs, Vec::new(), &trust, 30, &[])
}

/// The first raw control character of `text` other than a newline (C0, DEL or C1).
fn raw_control(text: &str) -> Option<(usize, char)> {
    text.char_indices()
        .find(|&(_, c)| c != '\n' && c.is_control())
}

#[test]
fn domain_strings_from_the_network_are_escaped_in_text_and_exact_in_json() {
    let cases = [
        (
            policy(Some(200), Some(POLICY_BODY), None),
            vec![
                "\\x1b]0;sts-title\\x07",
                "\\x1b[2Jrpt@example.test\\r",
                "\\x1b[5mblink\\u{9b}31m",
            ],
        ),
        (
            policy(None, None, Some(POLICY_ERROR)),
            vec!["\\x1b]0;policy-title\\x07\\x08"],
        ),
    ];
    for (policy, shown) in cases {
        let r = report(observation(policy.clone()));
        let domain = r.domain.as_ref().expect("a domain report");
        for color in [false, true] {
            let text = render_text(
                &r,
                Style {
                    color,
                    transcript: true,
                    // Unwrapped, so that each escaped string stands on one line.
                    width: 0,
                },
            );
            // Without colour nothing may be raw; with colour only the renderer's own SGR codes
            // (ESC [ digits ; m) may be.
            let checked = if color {
                strip_sgr(&text)
            } else {
                text.clone()
            };
            assert_eq!(raw_control(&checked), None, "raw control in:\n{text}");
            for s in &shown {
                assert!(text.contains(s), "{s:?} not shown in:\n{text}");
            }
        }
        // JSON keeps the network's text exact.
        let j: Value = serde_json::from_str(&serde_json::to_string(&r).expect("serializes"))
            .expect("reads back");
        let obs = &j["domain"]; // the observation is flattened into it
        assert_eq!(obs["mta_sts_txt"]["records"][0]["text"], STS_TXT);
        assert_eq!(obs["tlsrpt_txt"]["records"][0]["text"], RPT_TXT);
        assert_eq!(obs["mx"]["error"], MX_ERROR);
        assert_eq!(obs["mta_sts_policy"], policy);
        assert_eq!(domain.observation.mx.error.as_deref(), Some(MX_ERROR));
    }
}

/// The SGR parameters the text renderer paints with (its `paint` calls, and the reset).
const OWN_SGR: &[&str] = &[
    "0", "1", "1;31", "1;32", "1;33", "1;36", "31", "32", "33", "36",
];

/// `text` without the renderer's own SGR sequences ([`OWN_SGR`]); any other escape stays.
fn strip_sgr(text: &str) -> String {
    let mut out = String::new();
    let mut rest = text;
    while let Some(i) = rest.find("\u{1b}[") {
        out.push_str(&rest[..i]);
        let after = &rest[i + 2..];
        let end = after
            .find(|c: char| !(c.is_ascii_digit() || c == ';'))
            .unwrap_or(after.len());
        if after[end..].starts_with('m') && OWN_SGR.contains(&&after[..end]) {
            rest = &after[end + 1..];
        } else {
            out.push('\u{1b}');
            rest = &rest[i + 1..];
        }
    }
    out.push_str(rest);
    out
}
