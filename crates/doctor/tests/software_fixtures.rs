//! Which MTA an endpoint looks like (`judge::software::identify`), from recorded banners, EHLO
//! replies and STARTTLS replies as a saved report holds them. The texts are those of real servers
//! (the Exim and Postfix ones as the test harnesses' servers send them) or the vendors' defaults.

use doctor::judge::software::{LAB, fix_order, identify};
use doctor::model::observation::EndpointObservation;
use doctor::model::software::Confidence;
use serde_json::{Value, json};

fn reply(code: u16, lines: &[&str]) -> Value {
    json!({"code": code, "lines": lines})
}

/// An observation whose server sent `banner`, answered EHLO with `ehlo` (greeting line first)
/// and STARTTLS with `starttls`.
fn obs(banner: &[&str], ehlo: &[&str], starttls: Option<&str>) -> EndpointObservation {
    let caps: Vec<Value> = ehlo
        .iter()
        .skip(1)
        .map(|l| {
            let mut w = l.split_whitespace();
            json!({"keyword": w.next().unwrap_or_default().to_ascii_uppercase(),
                   "params": w.collect::<Vec<_>>()})
        })
        .collect();
    let mut smtp = json!({
        "banner": reply(220, banner),
        "ehlo": reply(250, ehlo),
        "capabilities": {"greeting": ehlo.first().copied().unwrap_or_default(), "capabilities": caps},
    });
    if let Some(s) = starttls {
        smtp["starttls"] = reply(220, &[s]);
    }
    serde_json::from_value(json!({
        "name": "mx.example.test", "address": "192.0.2.1:25", "mode": "starttls",
        "ehlo_name": "probe.example.test", "smtp": smtp, "tls": null, "failure": null,
        "timings": {"total_ms": 1.0}, "transcript": []
    }))
    .expect("fixture parses")
}

fn guess(o: &EndpointObservation) -> (String, Option<String>, Confidence) {
    let s = identify(o).expect("a guess");
    (s.name, s.version, s.confidence)
}

const POSTFIX_EHLO: &[&str] = &[
    "mx.example.test",
    "PIPELINING",
    "SIZE 10240000",
    "VRFY",
    "ETRN",
    "STARTTLS",
    "ENHANCEDSTATUSCODES",
    "8BITMIME",
    "DSN",
    "SMTPUTF8",
    "CHUNKING",
];

#[test]
fn postfix_by_banner_with_and_without_version() {
    let o = obs(
        &["mx.example.test ESMTP Postfix (3.7.11)"],
        POSTFIX_EHLO,
        Some("2.0.0 Ready to start TLS"),
    );
    assert_eq!(
        guess(&o),
        ("Postfix".into(), Some("3.7.11".into()), Confidence::High)
    );
    let s = identify(&o).unwrap();
    assert!(s.evidence.iter().any(|e| e.starts_with("banner:")), "{s:?}");
    assert!(
        s.evidence.iter().any(|e| e.contains("Postfix's order")),
        "{s:?}"
    );
    let o = obs(
        &["mx.example.test ESMTP Postfix (Debian/GNU)"],
        POSTFIX_EHLO,
        None,
    );
    assert_eq!(guess(&o), ("Postfix".into(), None, Confidence::High));
}

#[test]
fn postfix_by_keywords_alone_is_medium() {
    let o = obs(&["mx.example.test ESMTP"], POSTFIX_EHLO, None);
    assert_eq!(guess(&o), ("Postfix".into(), None, Confidence::Medium));
}

const EXIM_EHLO: &[&str] = &[
    "mx.exim.test Hello x [127.0.0.1]",
    "SIZE 52428800",
    "8BITMIME",
    "PIPELINING",
    "PIPECONNECT",
    "CHUNKING",
    "STARTTLS",
    "SMTPUTF8",
    "HELP",
];

#[test]
fn exim_by_banner_keywords_and_starttls_reply() {
    let o = obs(
        &["mx.exim.test ESMTP Exim 4.96 Thu, 03 Dec 2026 05:51:16 +0000"],
        EXIM_EHLO,
        Some("TLS go ahead"),
    );
    assert_eq!(
        guess(&o),
        ("Exim".into(), Some("4.96".into()), Confidence::High)
    );
    // A banner that hides the name: the keywords and the STARTTLS reply still tell.
    let o = obs(
        &["mx.exim.test ESMTP ready"],
        EXIM_EHLO,
        Some("TLS go ahead"),
    );
    let s = identify(&o).unwrap();
    assert_eq!(
        (s.name.as_str(), s.confidence),
        ("Exim", Confidence::Medium)
    );
    assert_eq!(s.evidence.len(), 3, "{s:?}");
    // Exim 4.92's X_PIPE_CONNECT.
    let mut ehlo = EXIM_EHLO.to_vec();
    ehlo[4] = "X_PIPE_CONNECT";
    let o = obs(&["mx ESMTP"], &ehlo, None);
    assert_eq!(guess(&o).0, "Exim");
}

#[test]
fn sendmail() {
    let o = obs(
        &["mail.example.test ESMTP Sendmail 8.15.2/8.15.2/Debian-22; Thu, 3 Dec 2026 05:51:16 GMT"],
        &[
            "mail.example.test Hello probe.example.test [192.0.2.9], pleased to meet you",
            "ENHANCEDSTATUSCODES",
            "PIPELINING",
            "8BITMIME",
            "SIZE",
            "DSN",
            "ETRN",
            "STARTTLS",
            "DELIVERBY",
            "HELP",
        ],
        Some("2.0.0 Ready to start TLS"),
    );
    assert_eq!(
        guess(&o),
        ("Sendmail".into(), Some("8.15.2".into()), Confidence::High)
    );
}

const EXCHANGE_EHLO: &[&str] = &[
    "EX01.corp.example.test Hello [192.0.2.9]",
    "SIZE 37748736",
    "PIPELINING",
    "DSN",
    "ENHANCEDSTATUSCODES",
    "STARTTLS",
    "X-ANONYMOUSTLS",
    "AUTH NTLM",
    "X-EXPS GSSAPI NTLM",
    "8BITMIME",
    "BINARYMIME",
    "CHUNKING",
    "XRDST",
];

#[test]
fn exchange_and_exchange_online() {
    let o = obs(
        &[
            "EX01.corp.example.test Microsoft ESMTP MAIL Service ready at Thu, 3 Dec 2026 06:51:16 +0100",
        ],
        EXCHANGE_EHLO,
        Some("2.0.0 SMTP server ready"),
    );
    let s = identify(&o).unwrap();
    assert_eq!(
        (s.name.as_str(), s.confidence),
        ("Microsoft Exchange", Confidence::High)
    );
    assert_eq!(
        s.evidence.len(),
        3,
        "banner, keywords, STARTTLS reply: {s:?}"
    );
    let mut ehlo = EXCHANGE_EHLO.to_vec();
    ehlo[0] = "AM4PEPF00027A5F.mail.protection.outlook.com Hello [192.0.2.9]";
    let o = obs(
        &[
            "AM4PEPF00027A5F.mail.protection.outlook.com Microsoft ESMTP MAIL Service ready at Thu, 3 Dec 2026 05:51:16 +0000 [08DE0F1C2C1D5A63]",
        ],
        &ehlo,
        Some("2.0.0 SMTP server ready"),
    );
    let s = identify(&o).unwrap();
    assert_eq!(
        (s.name.as_str(), s.confidence),
        ("Exchange Online", Confidence::High)
    );
    // Keywords alone, from an outlook.com host.
    let o = obs(
        &["AM4PEPF00027A5F.mail.protection.outlook.com ready"],
        &ehlo,
        None,
    );
    assert_eq!(
        guess(&o),
        ("Exchange Online".into(), None, Confidence::Medium)
    );
}

#[test]
fn gmail() {
    let o = obs(
        &["mx.google.com ESMTP 5b1f17b1804b1-47a8c0d4e1fsi1234567f8a.321 - gsmtp"],
        &[
            "mx.google.com at your service, [192.0.2.9]",
            "SIZE 157286400",
            "8BITMIME",
            "STARTTLS",
            "ENHANCEDSTATUSCODES",
            "PIPELINING",
            "CHUNKING",
            "SMTPUTF8",
        ],
        Some("2.0.0 Ready to start TLS"),
    );
    assert_eq!(guess(&o), ("Gmail".into(), None, Confidence::High));
    assert_eq!(identify(&o).unwrap().evidence.len(), 2);
}

#[test]
fn opensmtpd_haraka_hmailserver_mdaemon_courier() {
    let o = obs(
        &["mail.example.test ESMTP OpenSMTPD"],
        &[
            "mail.example.test Hello probe [192.0.2.9], pleased to meet you",
            "8BITMIME",
            "ENHANCEDSTATUSCODES",
            "SIZE 36700160",
            "DSN",
            "STARTTLS",
            "HELP",
        ],
        Some("2.0.0 Ready to start TLS"),
    );
    assert_eq!(guess(&o), ("OpenSMTPD".into(), None, Confidence::High));
    assert_eq!(
        identify(&o).unwrap().evidence.len(),
        3,
        "{:?}",
        identify(&o)
    );

    let o = obs(
        &["mail.example.test ESMTP Haraka/3.0.3 ready"],
        &[
            "mail.example.test Hello probe [192.0.2.9], Haraka is at your service.",
            "PIPELINING",
            "8BITMIME",
            "SMTPUTF8",
            "SIZE 0",
            "STARTTLS",
        ],
        None,
    );
    assert_eq!(
        guess(&o),
        ("Haraka".into(), Some("3.0.3".into()), Confidence::High)
    );

    let o = obs(
        &["mail.example.test ESMTP hMailServer"],
        &[
            "mail.example.test",
            "SIZE 20480000",
            "STARTTLS",
            "AUTH LOGIN",
            "HELP",
        ],
        None,
    );
    assert_eq!(guess(&o), ("hMailServer".into(), None, Confidence::High));

    let o = obs(
        &["mail.example.test ESMTP MDaemon 21.0.0; Thu, 03 Dec 2026 06:51:16 +0100"],
        &[
            "mail.example.test Hello probe, pleased to meet you",
            "ETRN",
            "AUTH LOGIN CRAM-MD5",
            "8BITMIME",
            "STARTTLS",
            "SIZE 0",
        ],
        None,
    );
    assert_eq!(
        guess(&o),
        ("MDaemon".into(), Some("21.0.0".into()), Confidence::High)
    );

    let o = obs(
        &["mail.example.test ESMTP"],
        &[
            "mail.example.test Ok.",
            "AUTH LOGIN CRAM-MD5",
            "XVERP=Courier",
            "XEXDATA",
            "XSECURITY=NONE,STARTTLS",
            "PIPELINING",
            "8BITMIME",
            "SIZE",
            "DSN",
            "STARTTLS",
        ],
        None,
    );
    assert_eq!(guess(&o), ("Courier".into(), None, Confidence::Medium));
}

#[test]
fn qmail_by_banner_or_behaviour() {
    let o = obs(
        &["mail.example.test ESMTP"],
        &["mail.example.test", "PIPELINING", "8BITMIME"],
        None,
    );
    assert_eq!(guess(&o), ("qmail".into(), None, Confidence::Low));
    let o = obs(
        &["mail.example.test ESMTP netqmail 1.06"],
        &["mail.example.test", "PIPELINING", "8BITMIME"],
        None,
    );
    assert_eq!(
        guess(&o),
        ("qmail".into(), Some("1.06".into()), Confidence::High)
    );
}

#[test]
fn the_lab_and_nothing() {
    let o = obs(
        &["mx.lab.test ESMTP smtp-tls-doctor lab (good)"],
        &[
            "mx.lab.test",
            "PIPELINING",
            "SIZE 10240000",
            "8BITMIME",
            "STARTTLS",
        ],
        Some("2.0.0 Ready to start TLS"),
    );
    assert_eq!(guess(&o), (LAB.into(), None, Confidence::High));
    let o = obs(
        &["mail.example.test ready"],
        &["mail.example.test", "SIZE 1000", "STARTTLS"],
        None,
    );
    assert_eq!(identify(&o), None);
}

#[test]
fn hostile_banners_give_a_guess_or_none_never_a_panic() {
    for b in [
        "",
        "Exim",
        "Postfix (",
        "Sendmail /;",
        "ESMTP Exim 4.",
        "Haraka/",
        "\u{1b}[2J Exim 9.99.99.99.99",
    ] {
        let o = obs(&[b], &["x"], None);
        let _ = identify(&o);
    }
    let o = obs(&["x ESMTP Exim 4.96\u{1b}]0;title\u{7}"], &["x"], None);
    assert_eq!(identify(&o).unwrap().version.as_deref(), Some("4.96"));
}

#[test]
fn the_fix_for_the_software_comes_first() {
    let def = doctor::judge::registry::lookup("starttls-injection").expect("declared");
    let (own, order) = fix_order(def.fixes, Some("Exim"));
    assert!(own);
    let labels: Vec<&str> = order.iter().map(|f| f.software).collect();
    assert_eq!(labels, ["Exim", "Any server", "Postfix", "qmail"]);
    let (own, order) = fix_order(def.fixes, Some("qmail"));
    assert!(own);
    assert_eq!(order[0].software, "qmail");
    let (own, order) = fix_order(def.fixes, Some("Sendmail"));
    assert!(!own);
    assert_eq!(order.len(), def.fixes.len());
    assert_eq!(order[0].software, def.fixes[0].software, "registry order");
    let (own, _) = fix_order(def.fixes, None);
    assert!(!own);
}

proptest::proptest! {
    /// Any banner and EHLO text: a guess or none, never a panic; a version is always text the
    /// banner carried, and a name is one the tool knows.
    #[test]
    fn any_server_text_gives_a_known_name_or_none(
        banner in "[ -~\u{80}-\u{10ff}]{0,120}",
        greeting in "[ -~]{0,60}",
        keywords in proptest::collection::vec("[A-Z0-9_=-]{1,16}( [ -~]{0,10})?", 0..12),
        starttls in proptest::option::of("[ -~]{0,40}"),
    ) {
        let mut ehlo = vec![greeting.as_str()];
        ehlo.extend(keywords.iter().map(String::as_str));
        let o = obs(&[banner.as_str()], &ehlo, starttls.as_deref());
        if let Some(s) = identify(&o) {
            proptest::prop_assert!(doctor::judge::software::KNOWN.contains(&s.name.as_str()));
            if let Some(v) = &s.version {
                proptest::prop_assert!(banner.contains(v.as_str()), "{v} not in {banner}");
            }
            proptest::prop_assert!(!s.evidence.is_empty());
        }
    }
}
