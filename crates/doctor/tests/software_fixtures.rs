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

// The TLS stack, from scans as the test suite's real servers answered them (trimmed to what the
// rules read): Debian's Exim (GnuTLS), Debian's Postfix (OpenSSL), the lab (rustls); SChannel
// as Microsoft documents its defaults.

fn suite(iana: &str) -> Value {
    json!({"id": "0x0000", "iana": iana, "openssl": null, "kx": "ecdhe", "auth": "ecdsa",
           "enc": "", "mac": "", "bits": 128, "forward_secrecy": true})
}

fn offered(suites: &[&str], server_order: Option<bool>) -> Value {
    let suites: Vec<Value> = suites.iter().map(|s| suite(s)).collect();
    json!({"status": "offered", "reason": null, "suites": suites, "server_order": server_order,
           "complete": true})
}

fn refused(alert: &str) -> Value {
    json!({"status": "not-offered", "reason": format!("alert {alert} to a hello offering up to TLS 1.1"),
           "suites": [], "server_order": null, "complete": true})
}

fn groups(names: &[&str]) -> Value {
    json!({"groups": names, "complete": true, "reason": null})
}

fn features(extensions: &[&str], cbc: u32, etm: u32) -> Value {
    json!({"TLSv1.2": {"hellos": 6, "extensions": extensions, "compressed": 0, "session_ids": 6,
                       "certificate_status": 0, "cbc_hellos": cbc, "cbc_encrypt_then_mac": etm}})
}

/// `o` with the scan fields of `scan` (flattened into the observation, as in a saved report).
fn with_scan(o: EndpointObservation, scan: Value) -> EndpointObservation {
    let mut v = serde_json::to_value(&o).expect("serializes");
    for (k, x) in scan.as_object().expect("an object") {
        v[k] = x.clone();
    }
    v["scan_connections"] = json!(10);
    v["scan_steps"] = json!([]);
    v["scanned_chains"] = json!([]);
    serde_json::from_value(v).expect("fixture parses")
}

/// Exim 4.96 of Debian 12 (GnuTLS 3.7.9), as crates/cli/tests/exim.rs starts it.
fn gnutls_scan() -> Value {
    json!({
        "versions": {
            "TLSv1.1": offered(&["TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA"], Some(false)),
            "TLSv1.2": offered(&["TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA",
                "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256", "TLS_ECDHE_ECDSA_WITH_AES_256_CCM",
                "TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256"], Some(false)),
            "TLSv1.3": offered(&["TLS_AES_128_GCM_SHA256", "TLS_AES_256_GCM_SHA384",
                "TLS_CHACHA20_POLY1305_SHA256", "TLS_AES_128_CCM_SHA256"], Some(false)),
        },
        "groups_tls13": groups(&["x25519", "secp256r1", "secp384r1", "secp521r1", "x448", "ffdhe2048"]),
        "groups_tls12": groups(&["x25519", "x448", "secp256r1", "secp384r1", "secp521r1"]),
        "hello_features": features(&["ec_point_formats", "encrypt_then_mac",
            "extended_master_secret", "renegotiation_info"], 2, 2),
    })
}

/// Postfix 3.7.11 of Debian 12 (OpenSSL 3.0), default cipher lists.
fn openssl_scan() -> Value {
    json!({
        "versions": {
            "TLSv1.1": refused("protocol_version (70)"),
            "TLSv1.2": offered(&["TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384",
                "TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256", "TLS_ECDHE_ECDSA_WITH_AES_256_CCM_8",
                "TLS_ECDHE_ECDSA_WITH_ARIA_256_GCM_SHA384", "TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA384",
                "TLS_ECDHE_ECDSA_WITH_CAMELLIA_256_CBC_SHA384"], Some(true)),
            "TLSv1.3": offered(&["TLS_AES_256_GCM_SHA384", "TLS_CHACHA20_POLY1305_SHA256",
                "TLS_AES_128_GCM_SHA256"], Some(true)),
        },
        "groups_tls13": groups(&["x25519", "x448", "secp256r1", "secp521r1", "secp384r1"]),
        "groups_tls12": groups(&["x25519", "x448", "secp256r1"]),
        "hello_features": features(&["renegotiation_info", "ec_point_formats", "session_ticket",
            "extended_master_secret", "encrypt_then_mac"], 6, 6),
    })
}

/// The lab's good server (rustls 0.23).
fn rustls_scan() -> Value {
    json!({
        "versions": {
            "TLSv1.0": refused("handshake_failure (40)"),
            "TLSv1.1": refused("handshake_failure (40)"),
            "TLSv1.2": offered(&["TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384",
                "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256",
                "TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256"], Some(true)),
            "TLSv1.3": offered(&["TLS_AES_256_GCM_SHA384", "TLS_AES_128_GCM_SHA256",
                "TLS_CHACHA20_POLY1305_SHA256"], Some(true)),
        },
        "groups_tls13": groups(&["x25519", "secp256r1", "secp384r1"]),
        "groups_tls12": groups(&["x25519", "secp256r1", "secp384r1"]),
        "hello_features": features(&["server_name", "renegotiation_info", "extended_master_secret"], 0, 0),
    })
}

/// Windows Server 2019's SChannel defaults (Microsoft's "TLS Cipher Suites in Windows Server
/// 2019" and "TLS Elliptic Curves in Windows"): server order, no ChaCha20, no x448, no EtM.
fn schannel_scan() -> Value {
    json!({
        "versions": {
            "TLSv1.2": offered(&["TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384",
                "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256", "TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA384",
                "TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA256", "TLS_RSA_WITH_AES_256_GCM_SHA384"], Some(true)),
        },
        "groups_tls12": groups(&["x25519", "secp256r1", "secp384r1"]),
        "hello_features": features(&["renegotiation_info", "ec_point_formats",
            "extended_master_secret", "session_ticket"], 2, 0),
    })
}

/// Texts that name nothing: a bare banner, a plain EHLO, no STARTTLS reply text rule.
const ANONYMOUS_EHLO: &[&str] = &["mx.example.test", "SIZE 10240000", "STARTTLS", "8BITMIME"];

fn evidence(o: &EndpointObservation) -> Vec<String> {
    identify(o).map(|s| s.evidence).unwrap_or_default()
}

#[test]
fn anonymous_texts_and_gnutls_point_to_exim_with_low_confidence() {
    let texts = obs(&["mx.example.test ESMTP"], ANONYMOUS_EHLO, Some("Ready"));
    assert!(identify(&texts).is_none(), "the texts alone tell nothing");
    let o = with_scan(texts, gnutls_scan());
    assert_eq!(guess(&o), ("Exim".into(), None, Confidence::Low));
    let e = evidence(&o);
    assert_eq!(e.len(), 1, "{e:?}");
    assert!(
        e[0].starts_with("TLS behaviour:") && e[0].contains("TLS_AES_128_CCM_SHA256"),
        "{e:?}"
    );
    let s = identify(&o).unwrap();
    assert_eq!(doctor::judge::software::basis(&s), "TLS behaviour");
}

#[test]
fn the_stack_adds_its_line_to_a_guess_it_fits() {
    // Exim's own EHLO with a banner that hides the name: medium from the texts, plus the stack.
    let o = with_scan(
        obs(&["mx.exim.test ESMTP"], EXIM_EHLO, Some("TLS go ahead")),
        gnutls_scan(),
    );
    assert_eq!(guess(&o), ("Exim".into(), None, Confidence::Medium));
    assert!(
        evidence(&o).iter().any(|e| e.contains("GnuTLS")),
        "{:?}",
        evidence(&o)
    );
    // Postfix's keywords and OpenSSL's ARIA suites.
    let o = with_scan(
        obs(&["mx.example.test ESMTP"], POSTFIX_EHLO, None),
        openssl_scan(),
    );
    assert_eq!(guess(&o), ("Postfix".into(), None, Confidence::Medium));
    let e = evidence(&o);
    assert!(e.iter().any(|e| e.contains("Postfix's order")), "{e:?}");
    assert!(
        e.iter().any(
            |e| e.contains("TLS_ECDHE_ECDSA_WITH_ARIA_256_GCM_SHA384") && e.contains("OpenSSL")
        ),
        "{e:?}"
    );
    // The lab named by its banner, rustls behind it.
    let o = with_scan(
        obs(
            &["mx.lab.test ESMTP smtp-tls-doctor lab (good)"],
            &["mx.lab.test", "PIPELINING", "STARTTLS"],
            None,
        ),
        rustls_scan(),
    );
    assert_eq!(guess(&o), (LAB.into(), None, Confidence::High));
    assert!(
        evidence(&o).iter().any(|e| e.contains("rustls")),
        "{:?}",
        evidence(&o)
    );
}

#[test]
fn the_stack_never_overrides_a_banner_and_names_nothing_it_cannot() {
    // A banner naming Postfix before a GnuTLS stack (a proxy in front, say): Postfix, high, and
    // no line of a stack Postfix cannot use.
    let o = with_scan(
        obs(&["mx.example.test ESMTP Postfix"], POSTFIX_EHLO, None),
        gnutls_scan(),
    );
    assert_eq!(guess(&o), ("Postfix".into(), None, Confidence::High));
    assert!(
        !evidence(&o).iter().any(|e| e.starts_with("TLS")),
        "{:?}",
        evidence(&o)
    );
    // Postfix's keywords (medium) outweigh GnuTLS's Exim (low).
    let o = with_scan(
        obs(&["mx.example.test ESMTP"], POSTFIX_EHLO, None),
        gnutls_scan(),
    );
    assert_eq!(guess(&o), ("Postfix".into(), None, Confidence::Medium));
    // OpenSSL and rustls point to no MTA of their own.
    let anon = || obs(&["mx.example.test ESMTP"], ANONYMOUS_EHLO, None);
    assert!(identify(&with_scan(anon(), openssl_scan())).is_none());
    assert!(identify(&with_scan(anon(), rustls_scan())).is_none());
    // Two signatures at once (CCM in TLS 1.3 and ARIA): a tuned configuration, no stack.
    let mut both = gnutls_scan();
    both["versions"]["TLSv1.2"] = openssl_scan()["versions"]["TLSv1.2"].clone();
    assert!(identify(&with_scan(anon(), both)).is_none());
}

#[test]
fn the_stack_breaks_a_tie_between_equal_guesses() {
    // Postfix's keyword order and Exim's greeting with HELP last: two medium guesses.
    let ehlo: &[&str] = &[
        "mx.example.test Hello probe.example.test [192.0.2.9]",
        "PIPELINING",
        "SIZE 10240000",
        "VRFY",
        "ETRN",
        "STARTTLS",
        "ENHANCEDSTATUSCODES",
        "8BITMIME",
        "DSN",
        "HELP",
    ];
    let texts = || obs(&["mx.example.test ESMTP"], ehlo, None);
    assert_eq!(
        guess(&texts()).0,
        "Postfix",
        "without a stack: the first rule"
    );
    let o = with_scan(texts(), gnutls_scan());
    assert_eq!(guess(&o), ("Exim".into(), None, Confidence::Medium));
    assert!(
        evidence(&o).iter().any(|e| e.contains("GnuTLS")),
        "{:?}",
        evidence(&o)
    );
    assert!(
        !evidence(&o).iter().any(|e| e.contains("Postfix")),
        "{:?}",
        evidence(&o)
    );
    let o = with_scan(texts(), openssl_scan());
    assert_eq!(guess(&o).0, "Postfix", "OpenSSL fits both: the first rule");
    // qmail's bare banner and keywords (low) against GnuTLS's Exim (low): Exim, qmail's TLS
    // patch being OpenSSL's.
    let q = obs(
        &["mx.example.test ESMTP"],
        &["mx.example.test", "PIPELINING", "8BITMIME"],
        None,
    );
    assert_eq!(guess(&q).0, "qmail");
    assert_eq!(
        guess(&with_scan(q, gnutls_scan())),
        ("Exim".into(), None, Confidence::Low)
    );
}

#[test]
fn schannel_points_to_exchange_only_with_all_its_traits() {
    let anon = || obs(&["mail.example.test ESMTP"], ANONYMOUS_EHLO, None);
    let o = with_scan(anon(), schannel_scan());
    assert_eq!(
        guess(&o),
        ("Microsoft Exchange".into(), None, Confidence::Low)
    );
    assert!(
        evidence(&o).iter().any(|e| e.contains("SChannel")),
        "{:?}",
        evidence(&o)
    );
    // Exchange's keywords: medium, with the stack's line.
    let o = with_scan(
        obs(
            &["mail.example.test ESMTP"],
            &[
                "mail.example.test Hello [192.0.2.9]",
                "SIZE 37748736",
                "PIPELINING",
                "STARTTLS",
                "X-ANONYMOUSTLS",
                "AUTH NTLM",
                "8BITMIME",
            ],
            None,
        ),
        schannel_scan(),
    );
    assert_eq!(
        guess(&o),
        ("Microsoft Exchange".into(), None, Confidence::Medium)
    );
    assert!(
        evidence(&o).iter().any(|e| e.contains("SChannel")),
        "{:?}",
        evidence(&o)
    );
    // Any trait missing, and it is no longer SChannel: EtM echoed (OpenSSL), a ChaCha20 suite,
    // x448, the client's order.
    let mut etm = schannel_scan();
    etm["hello_features"]["TLSv1.2"]["cbc_encrypt_then_mac"] = json!(2);
    let mut chacha = schannel_scan();
    chacha["versions"]["TLSv1.2"]["suites"]
        .as_array_mut()
        .unwrap()
        .push(suite("TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256"));
    let mut x448 = schannel_scan();
    x448["groups_tls12"] = groups(&["x25519", "x448", "secp256r1"]);
    let mut client_order = schannel_scan();
    client_order["versions"]["TLSv1.2"]["server_order"] = json!(false);
    for scan in [etm, chacha, x448, client_order] {
        assert!(
            identify(&with_scan(anon(), scan.clone())).is_none(),
            "{scan}"
        );
    }
}
