//! Which MTA an endpoint looks like, from what it already said: the banner, the EHLO greeting
//! line, the EHLO keywords and their order, the STARTTLS reply and the EHLO after TLS. Pure: the
//! same observation (fresh or saved) gives the same guess.
//!
//! Confidence: `high` when the banner names the software, `medium` for keywords or reply texts
//! typical of it, `low` for behaviour alone. The signatures come from the vendors' documents and
//! defaults, named at each rule:
//! - Postfix: postconf(5) `smtpd_banner` (default `$myhostname ESMTP $mail_name`, Debian adds
//!   `(Debian/GNU)`, sites add `($mail_version)`), smtpd(8)'s EHLO keyword order (PIPELINING,
//!   SIZE, VRFY, ETRN, STARTTLS, AUTH, ENHANCEDSTATUSCODES, 8BITMIME, DSN, SMTPUTF8, CHUNKING)
//!   and "220 2.0.0 Ready to start TLS";
//! - Exim: the specification's `smtp_banner` default (`$smtp_active_hostname ESMTP Exim
//!   $version_number $tod_full`), the EHLO greeting "NAME Hello CLIENT [IP]", the keywords
//!   X_PIPE_CONNECT (4.92, 4.93) / PIPECONNECT (4.94+) and HELP last, "220 TLS go ahead";
//! - Sendmail: the default SmtpGreetingMessage (`$j Sendmail $v/$Z; $b`), the EHLO greeting
//!   "NAME Hello CLIENT [IP], pleased to meet you" and the DELIVERBY keyword (RFC 2852);
//! - Microsoft Exchange: "Microsoft ESMTP MAIL Service ready at ..." and the Exchange-only
//!   keywords X-ANONYMOUSTLS, XEXCH50, X-EXPS, XRDST, XSHADOW (Exchange Server documentation,
//!   "Receive connectors"); "220 2.0.0 SMTP server ready" to STARTTLS; Exchange Online the same
//!   from hosts under outlook.com (`*.mail.protection.outlook.com`);
//! - Gmail: "mx.google.com ESMTP ... - gsmtp" and the EHLO greeting "mx.google.com at your
//!   service";
//! - OpenSMTPD: smtpd.conf(5) default banner "ESMTP OpenSMTPD", EHLO starting with 8BITMIME;
//! - Haraka: "ESMTP Haraka/VERSION ready", EHLO "..., Haraka is at your service.";
//! - hMailServer, MDaemon: their default welcome messages name them ("ESMTP hMailServer",
//!   "ESMTP MDaemon 21.0.0; ...");
//! - qmail / netqmail: qmail-smtpd greets "220 NAME ESMTP" and answers EHLO with PIPELINING and
//!   8BITMIME only (qmail-smtpd.c); Courier: keywords XVERP=Courier and XEXDATA
//!   (courier-mta's esmtpd).
//!
//! The TLS stack (`tls_stack`), from what the scan measured, adds a line of evidence to a guess
//! it fits, breaks a tie between guesses of equal weight, and, when the texts are anonymous,
//! names the one MTA a stack points to (GnuTLS: Exim; SChannel: Microsoft Exchange) with
//! confidence low. It never outweighs a text rule of higher confidence, so never a banner that
//! names the software. The signatures and their sources are
//! at `tls_stack`.

use crate::model::observation::EndpointObservation;
use crate::model::software::{Confidence, ServerSoftware};

/// The MTA names the tool knows (`--mta` takes these, case-insensitive, and a few aliases).
pub const KNOWN: &[&str] = &[
    "Postfix",
    "Exim",
    "Sendmail",
    "Microsoft Exchange",
    "Exchange Online",
    "Gmail",
    "OpenSMTPD",
    "Haraka",
    "hMailServer",
    "MDaemon",
    "qmail",
    "Courier",
    LAB,
];

/// The lab's own servers (and the capture server).
pub const LAB: &str = "smtp-tls-doctor lab";

/// The known name for `name` (case, spaces, dashes and underscores ignored; aliases such as
/// "exchange", "office365", "google", "netqmail", "lab"), or None.
pub fn canonical(name: &str) -> Option<&'static str> {
    let squash = |s: &str| -> String {
        s.chars()
            .filter(|c| c.is_ascii_alphanumeric())
            .map(|c| c.to_ascii_lowercase())
            .collect()
    };
    let want = squash(name);
    if want.is_empty() {
        return None;
    }
    if let Some(k) = KNOWN.iter().find(|k| squash(k) == want) {
        return Some(k);
    }
    let alias = match want.as_str() {
        "exchange" | "msexchange" | "exchangeserver" => "Microsoft Exchange",
        "office365" | "o365" | "microsoft365" | "m365" | "outlook" | "outlookcom" => {
            "Exchange Online"
        }
        "google" | "googleworkspace" | "gsmtp" => "Gmail",
        "netqmail" | "notqmail" => "qmail",
        "couriermta" => "Courier",
        "lab" | "smtptlsdoctor" => LAB,
        _ => return None,
    };
    Some(alias)
}

/// What the user said the server is (`name` one of [`KNOWN`]).
pub fn given(name: &str) -> ServerSoftware {
    ServerSoftware {
        name: name.to_string(),
        version: None,
        confidence: Confidence::High,
        evidence: vec!["given by the user".to_string()],
    }
}

/// Every endpoint of the report named `name` (given by the user), replacing the guess.
pub fn override_all(r: &mut crate::model::report::CheckReport, name: &str) {
    for ep in &mut r.endpoints {
        ep.server_software = Some(given(name));
    }
}

/// One rule's opinion.
struct Hint {
    name: &'static str,
    version: Option<String>,
    confidence: Confidence,
    evidence: String,
}

/// What the server said, as text, for the rules.
struct Said<'a> {
    /// The banner's lines, joined with " / ".
    banner: String,
    /// The EHLO reply's first line (the greeting), before or after TLS.
    ehlo_greeting: Option<&'a str>,
    /// The EHLO keywords, upper case, in order (the first EHLO's, else the one after TLS).
    keywords: Vec<String>,
    /// The EHLO lines after the greeting, as sent (keyword and parameters).
    keyword_lines: Vec<String>,
    /// The STARTTLS reply text.
    starttls: Option<String>,
}

impl<'a> Said<'a> {
    fn of(obs: &'a EndpointObservation) -> Said<'a> {
        let s = &obs.smtp;
        let caps = s
            .capabilities
            .as_ref()
            .or(s.capabilities_after_tls.as_ref());
        Said {
            banner: s
                .banner
                .as_ref()
                .map(|b| b.lines.join(" / "))
                .unwrap_or_default(),
            ehlo_greeting: caps.map(|c| c.greeting.as_str()),
            keywords: caps
                .map(|c| c.capabilities.iter().map(|k| k.keyword.clone()).collect())
                .unwrap_or_default(),
            keyword_lines: caps
                .map(|c| {
                    c.capabilities
                        .iter()
                        .map(|k| {
                            let mut l = k.keyword.clone();
                            for p in &k.params {
                                l.push(' ');
                                l.push_str(p);
                            }
                            l
                        })
                        .collect()
                })
                .unwrap_or_default(),
            starttls: s.starttls.as_ref().map(|r| r.lines.join(" / ")),
        }
    }

    fn has(&self, kw: &str) -> bool {
        self.keywords.iter().any(|k| k == kw)
    }

    fn position(&self, kw: &str) -> Option<usize> {
        self.keywords.iter().position(|k| k == kw)
    }
}

/// The word after `name` in `text` (case-insensitive), when it looks like a version: digits and
/// dots first, cut at `/`, `;`, `,`, `)` or a space; brackets around it dropped.
fn version_after(text: &str, name: &str) -> Option<String> {
    let lower = text.to_ascii_lowercase();
    let word = |c: Option<char>| c.is_some_and(|c| c.is_ascii_alphanumeric() || c == '.');
    // The name as a word of its own ("mx.exim.test" does not name Exim).
    let at = lower
        .match_indices(&name.to_ascii_lowercase())
        .find_map(|(i, _)| {
            let before = lower.get(..i).and_then(|b| b.chars().next_back());
            let after = lower.get(i + name.len()..).and_then(|a| a.chars().next());
            (!word(before) && !word(after)).then_some(i + name.len())
        })?;
    let rest = text.get(at..)?;
    let rest = rest.trim_start_matches([' ', '/', '(', ':', 'v', 'V']);
    let v: String = rest
        .chars()
        .take_while(|c| c.is_ascii_alphanumeric() || *c == '.' || *c == '_' || *c == '-')
        .take(32)
        .collect();
    let v = v.trim_end_matches(['.', '-', '_']);
    (v.chars().next().is_some_and(|c| c.is_ascii_digit()) && v.contains('.')).then(|| v.to_string())
}

/// Whether `word` occurs in `text` as a word of its own (case-insensitive).
fn has_word(text: &str, word: &str) -> bool {
    text.split(|c: char| !(c.is_ascii_alphanumeric() || c == '-' || c == '.' || c == '_'))
        .any(|w| w.eq_ignore_ascii_case(word))
}

/// A short excerpt of server text for the evidence (the tool's own words stay readable).
fn quote(text: &str) -> String {
    let t: String = text.chars().take(80).collect();
    if text.chars().count() > 80 {
        format!("{t}...")
    } else {
        t
    }
}

fn banner_rules(said: &Said, out: &mut Vec<Hint>) {
    let b = said.banner.as_str();
    if b.is_empty() {
        return;
    }
    let lower = b.to_ascii_lowercase();
    let hint = |name: &'static str, version: Option<String>| Hint {
        name,
        version,
        confidence: Confidence::High,
        evidence: format!("banner: {}", quote(b)),
    };
    let host_outlook = |t: &str| {
        t.split_whitespace().next().is_some_and(|h| {
            h.to_ascii_lowercase()
                .trim_end_matches('.')
                .ends_with(".outlook.com")
        })
    };
    if lower.contains("smtp-tls-doctor") && lower.contains("lab") {
        out.push(hint(LAB, None));
    } else if lower.contains("microsoft esmtp mail service") {
        let online = host_outlook(b) || said.ehlo_greeting.is_some_and(host_outlook);
        let name = if online {
            "Exchange Online"
        } else {
            "Microsoft Exchange"
        };
        out.push(hint(name, version_after(b, "Version")));
    } else if has_word(b, "Postfix") {
        out.push(hint("Postfix", version_after(b, "Postfix")));
    } else if has_word(b, "Exim") {
        out.push(hint("Exim", version_after(b, "Exim")));
    } else if has_word(b, "Sendmail") {
        out.push(hint("Sendmail", version_after(b, "Sendmail")));
    } else if has_word(b, "gsmtp") || lower.contains("mx.google.com") {
        out.push(hint("Gmail", None));
    } else if has_word(b, "OpenSMTPD") {
        out.push(hint("OpenSMTPD", version_after(b, "OpenSMTPD")));
    } else if lower.contains("haraka") {
        out.push(hint("Haraka", version_after(b, "Haraka")));
    } else if lower.contains("hmailserver") {
        out.push(hint("hMailServer", version_after(b, "hMailServer")));
    } else if has_word(b, "MDaemon") {
        out.push(hint("MDaemon", version_after(b, "MDaemon")));
    } else if lower.contains("netqmail") || has_word(b, "qmail") {
        out.push(hint(
            "qmail",
            version_after(b, "netqmail").or_else(|| version_after(b, "qmail")),
        ));
    } else if has_word(b, "Courier") {
        out.push(hint("Courier", None));
    }
}

fn keyword_rules(said: &Said, out: &mut Vec<Hint>) {
    let medium = |name: &'static str, evidence: String| Hint {
        name,
        version: None,
        confidence: Confidence::Medium,
        evidence,
    };
    let kws = said.keywords.join(" ");
    // Exchange's own keywords; from an outlook.com host, Exchange Online.
    let exchange: Vec<&str> = ["X-ANONYMOUSTLS", "XEXCH50", "X-EXPS", "XRDST", "XSHADOW"]
        .into_iter()
        .filter(|k| said.has(k) || said.keywords.iter().any(|x| x.starts_with(k)))
        .collect();
    if !exchange.is_empty() {
        let online = said.ehlo_greeting.is_some_and(|g| {
            g.split_whitespace()
                .next()
                .is_some_and(|h| h.to_ascii_lowercase().ends_with(".outlook.com"))
        });
        let name = if online {
            "Exchange Online"
        } else {
            "Microsoft Exchange"
        };
        out.push(medium(
            name,
            format!("EHLO keywords: {}", exchange.join(", ")),
        ));
    }
    if said.has("X_PIPE_CONNECT") || said.has("PIPECONNECT") {
        out.push(medium(
            "Exim",
            "EHLO keywords: PIPECONNECT (Exim's early pipelining)".into(),
        ));
    }
    if said.has("DELIVERBY") {
        out.push(medium("Sendmail", "EHLO keywords: DELIVERBY".into()));
    }
    if said
        .keyword_lines
        .iter()
        .any(|l| l.eq_ignore_ascii_case("XVERP=Courier"))
        || said.has("XEXDATA")
    {
        out.push(medium(
            "Courier",
            "EHLO keywords: XVERP=Courier / XEXDATA".into(),
        ));
    }
    // Postfix's order: PIPELINING first, SIZE next, ETRN or VRFY, and ENHANCEDSTATUSCODES,
    // 8BITMIME, DSN in this order.
    let in_order = |list: &[&str]| {
        let pos: Vec<Option<usize>> = list.iter().map(|k| said.position(k)).collect();
        pos.iter().all(Option::is_some) && pos.windows(2).all(|w| w.first() < w.get(1))
    };
    if said.position("PIPELINING") == Some(0)
        && said.position("SIZE") == Some(1)
        && (said.has("ETRN") || said.has("VRFY"))
        && in_order(&["ENHANCEDSTATUSCODES", "8BITMIME", "DSN"])
    {
        out.push(medium(
            "Postfix",
            format!("EHLO keywords in Postfix's order: {kws}"),
        ));
    }
    // OpenSMTPD starts its list with 8BITMIME, then ENHANCEDSTATUSCODES.
    if said.position("8BITMIME") == Some(0) && said.position("ENHANCEDSTATUSCODES") == Some(1) {
        out.push(medium(
            "OpenSMTPD",
            format!("EHLO keywords in OpenSMTPD's order: {kws}"),
        ));
    }
    // qmail-smtpd: PIPELINING and 8BITMIME (patches add SIZE, STARTTLS, AUTH) and a bare
    // "NAME ESMTP" banner: behaviour only.
    let bare_banner = {
        let words: Vec<&str> = said.banner.split_whitespace().collect();
        words.len() == 2 && words.get(1).is_some_and(|w| *w == "ESMTP")
    };
    if bare_banner && said.position("PIPELINING") == Some(0) && said.position("8BITMIME") == Some(1)
    {
        out.push(Hint {
            name: "qmail",
            version: None,
            confidence: Confidence::Low,
            evidence: format!("a bare \"NAME ESMTP\" banner and qmail-smtpd's keywords: {kws}"),
        });
    }
}

fn reply_text_rules(said: &Said, out: &mut Vec<Hint>) {
    let medium = |name: &'static str, evidence: String| Hint {
        name,
        version: None,
        confidence: Confidence::Medium,
        evidence,
    };
    if let Some(g) = said.ehlo_greeting {
        let lower = g.to_ascii_lowercase();
        if lower.contains("haraka is at your service") {
            out.push(medium("Haraka", format!("EHLO greeting: {}", quote(g))));
        } else if lower.contains("mx.google.com at your service") {
            out.push(medium("Gmail", format!("EHLO greeting: {}", quote(g))));
        } else if lower.contains("pleased to meet you") {
            // Sendmail and OpenSMTPD both say it; the keywords tell them apart.
            let name = if said.position("8BITMIME") == Some(0) {
                "OpenSMTPD"
            } else {
                "Sendmail"
            };
            out.push(medium(name, format!("EHLO greeting: {}", quote(g))));
        } else if has_word(g, "Hello")
            && g.contains('[')
            && said.keywords.last().is_some_and(|k| k == "HELP")
        {
            out.push(medium(
                "Exim",
                format!(
                    "EHLO greeting \"NAME Hello CLIENT [IP]\" and HELP last: {}",
                    quote(g)
                ),
            ));
        }
    }
    if let Some(t) = &said.starttls {
        let lower = t.to_ascii_lowercase();
        if lower == "tls go ahead" {
            out.push(medium("Exim", format!("STARTTLS reply: {t}")));
        } else if lower == "2.0.0 smtp server ready" {
            out.push(medium("Microsoft Exchange", format!("STARTTLS reply: {t}")));
        }
    }
}

/// A TLS implementation the scan's answers point to, the MTAs that use it, and the one MTA it
/// names on its own (when the texts say nothing).
struct Stack {
    evidence: String,
    /// The MTAs known to run on it (a guess it fits gets its evidence).
    fits: &'static [&'static str],
    /// The MTA it points to when nothing else tells.
    alone: Option<&'static str>,
}

/// The TLS stack the scan's measurements point to, or None (no scan, or no signature matches,
/// or more than one does). Each signature is a behaviour of the library's defaults that the
/// others do not share:
///
/// - **GnuTLS** (Debian's and Ubuntu's exim4 packages link it; Postfix needs OpenSSL, per its
///   TLS_README): TLS 1.3 accepts TLS_AES_128_CCM_SHA256. GnuTLS's default priority string
///   (NORMAL, "Priority strings" in the GnuTLS manual) enables AES-128-CCM for TLS 1.3;
///   OpenSSL's default TLS 1.3 list is TLS_AES_256_GCM_SHA384, TLS_CHACHA20_POLY1305_SHA256,
///   TLS_AES_128_GCM_SHA256 (SSL_CTX_set_ciphersuites(3)); Go's crypto/tls, rustls and SChannel
///   implement no CCM suite for TLS 1.3 (crypto/tls cipher_suites.go, rustls' supported suites,
///   Microsoft's "TLS Cipher Suites in Windows Server 2022"). Seen with the test suite's Exim
///   (Debian 12: Exim 4.96, GnuTLS 3.7.9).
/// - **OpenSSL** (Postfix, Sendmail, Exim built with it, Haraka through Node.js, hMailServer,
///   qmail's TLS patch, Courier): an ARIA suite (RFC 6209) accepted in TLS 1.2. OpenSSL 1.1.1
///   and later has them in its HIGH and ALL lists (not in DEFAULT: `openssl ciphers -v HIGH`),
///   which Postfix's cipher grades build on (postconf(5) tls_high_cipherlist,
///   tls_medium_cipherlist); GnuTLS, crypto/tls, rustls, SChannel and BoringSSL (Gmail)
///   implement none. Seen with the test suite's Postfix (Debian 12: Postfix 3.7.11, OpenSSL
///   3.0, its default cipher grade). An OpenSSL server on DEFAULT shows no signature.
/// - **rustls** (the lab): TLS 1.2 with ECDHE and AEAD suites only, the groups x25519,
///   secp256r1, secp384r1 (and X25519MLKEM768) and no other (rustls' default key exchange
///   groups), no ec_point_formats in its ServerHellos although an ECDHE suite was chosen, and
///   the alert handshake_failure, not protocol_version, to a hello for TLS 1.1 and below (both
///   seen with rustls 0.23, the lab's; OpenSSL and GnuTLS send protocol_version, as RFC 8446
///   appendix D.2 asks). No MTA of [`KNOWN`] but the lab uses it.
/// - **SChannel** (Microsoft Exchange runs on Windows' SChannel): TLS 1.2 enforcing its own
///   suite order (SChannel always does), a TLS_ECDHE_*_WITH_AES_256_CBC_SHA384 suite and no
///   ChaCha20-Poly1305 suite at all (Windows Server 2016 to 2022 default suite lists), x25519
///   but no x448 (Microsoft's "TLS Elliptic Curves in Windows": curve25519, NistP256, NistP384),
///   and CBC suites without encrypt_then_mac (OpenSSL 1.1.0 and later and GnuTLS echo it; with
///   x25519 this also keeps out OpenSSL 1.0.2, which has no x25519). From Microsoft's documented
///   defaults: no Windows server is in the test suite.
///
/// Go's crypto/tls has no signature here: its defaults (no DHE, no CCM, no ARIA, x25519 to
/// secp521r1) are matched by a tuned OpenSSL too.
fn tls_stack(obs: &EndpointObservation) -> Option<Stack> {
    let scan = obs.scan.as_ref()?;
    let offered = |v: &str| {
        scan.versions
            .get(v)
            .filter(|r| r.status == crate::model::scan::VersionStatus::Offered)
    };
    let suites = |v: &str| -> Vec<&str> {
        offered(v)
            .map(|r| r.suites.iter().map(|s| s.iana.as_str()).collect())
            .unwrap_or_default()
    };
    let tls12 = suites("TLSv1.2");
    let tls13 = suites("TLSv1.3");
    let all_suites: Vec<&str> = scan
        .versions
        .values()
        .flat_map(|r| r.suites.iter().map(|s| s.iana.as_str()))
        .collect();
    let groups12 = scan.groups_tls12.as_ref().filter(|g| g.complete);
    let groups13 = scan.groups_tls13.as_ref().filter(|g| g.complete);
    let has_group = |g: &Option<&crate::model::scan::GroupsResult>, name: &str| {
        g.is_some_and(|g| g.groups.iter().any(|x| x == name))
    };
    let features12 = scan.hello_features.get("TLSv1.2");
    let mut found: Vec<Stack> = Vec::new();

    if tls13.contains(&"TLS_AES_128_CCM_SHA256") {
        found.push(Stack {
            evidence: "TLS behaviour: TLS 1.3 accepts TLS_AES_128_CCM_SHA256 (GnuTLS's default, not OpenSSL's)".into(),
            fits: &["Exim", "Courier"],
            alone: Some("Exim"),
        });
    }
    if let Some(aria) = tls12.iter().find(|s| s.contains("_ARIA_")) {
        found.push(Stack {
            evidence: format!("TLS behaviour: TLS 1.2 accepts {aria} (ARIA: OpenSSL's alone)"),
            fits: &[
                "Postfix",
                "Exim",
                "Sendmail",
                "Haraka",
                "hMailServer",
                "qmail",
                "Courier",
            ],
            alone: None,
        });
    }
    let rustls_groups = ["x25519", "secp256r1", "secp384r1", "X25519MLKEM768"];
    let only_rustls_groups = |g: Option<&crate::model::scan::GroupsResult>| {
        g.is_some_and(|g| {
            !g.groups.is_empty() && g.groups.iter().all(|x| rustls_groups.contains(&x.as_str()))
        })
    };
    let aead_ecdhe =
        |s: &&str| s.starts_with("TLS_ECDHE_") && (s.contains("_GCM_") || s.contains("CHACHA20"));
    let old_versions_handshake_failure = ["TLSv1.0", "TLSv1.1"].iter().all(|v| {
        scan.versions.get(*v).is_some_and(|r| {
            r.status == crate::model::scan::VersionStatus::NotOffered
                && r.reason
                    .as_deref()
                    .is_some_and(|t| t.contains("handshake_failure"))
        })
    });
    if !tls12.is_empty()
        && offered("TLSv1.2").is_some_and(|r| r.complete)
        && tls12.iter().all(aead_ecdhe)
        && only_rustls_groups(groups12)
        && (scan.groups_tls13.is_none() || only_rustls_groups(groups13))
        && features12.is_some_and(|f| f.hellos > 0 && !f.echoed("ec_point_formats"))
        && old_versions_handshake_failure
    {
        found.push(Stack {
            evidence: "TLS behaviour: ECDHE with AEAD suites and x25519, secp256r1, secp384r1 only, no ec_point_formats, handshake_failure to TLS 1.1 (rustls)".into(),
            fits: &[LAB],
            alone: None,
        });
    }
    let cbc_without_etm =
        features12.is_some_and(|f| f.cbc_hellos > 0 && f.cbc_encrypt_then_mac == 0);
    if offered("TLSv1.2").is_some_and(|r| r.complete && r.server_order == Some(true))
        && tls12
            .iter()
            .any(|s| s.starts_with("TLS_ECDHE_") && s.ends_with("_WITH_AES_256_CBC_SHA384"))
        && !all_suites.iter().any(|s| s.contains("CHACHA20"))
        && has_group(&groups12, "x25519")
        && !has_group(&groups12, "x448")
        && !has_group(&groups13, "x448")
        && cbc_without_etm
    {
        found.push(Stack {
            evidence: "TLS behaviour: its own suite order, AES-CBC-SHA384 but no ChaCha20, x25519 but no x448, no encrypt_then_mac (SChannel's defaults)".into(),
            fits: &["Microsoft Exchange", "Exchange Online"],
            alone: Some("Microsoft Exchange"),
        });
    }
    // Two signatures at once: a configuration unlike any default; say nothing.
    if found.len() == 1 { found.pop() } else { None }
}

/// The guess for one endpoint: the strongest rule decides the name (the banner over keywords
/// over behaviour; among equals the first that the TLS stack fits, else the first rule); every
/// rule that names the same software adds its evidence, and the TLS stack its line when it fits
/// the name; the version comes from the banner. A stack that points to one MTA (`Stack::alone`)
/// is a rule of confidence low. None when nothing points anywhere.
pub fn identify(obs: &EndpointObservation) -> Option<ServerSoftware> {
    let said = Said::of(obs);
    let mut hints = Vec::new();
    banner_rules(&said, &mut hints);
    keyword_rules(&said, &mut hints);
    reply_text_rules(&said, &mut hints);
    let stack = tls_stack(obs);
    let same = |a: &str, b: &str| {
        a == b
            || (a == "Exchange Online" && b == "Microsoft Exchange")
            || (b == "Exchange Online" && a == "Microsoft Exchange")
    };
    let fits = |name: &str| {
        stack
            .as_ref()
            .is_some_and(|s| s.fits.iter().any(|f| same(f, name)))
    };
    // The stack's own MTA, a weak hint of its own.
    if let Some((alone, evidence)) = stack
        .as_ref()
        .and_then(|s| s.alone.map(|a| (a, s.evidence.clone())))
    {
        hints.push(Hint {
            name: alone,
            version: None,
            confidence: Confidence::Low,
            evidence,
        });
    }
    let strongest = hints.iter().map(|h| h.confidence).min()?;
    // Among the strongest, the first the TLS stack fits, else the first.
    let best = hints
        .iter()
        .filter(|h| h.confidence == strongest)
        .find(|h| fits(h.name))
        .or_else(|| hints.iter().find(|h| h.confidence == strongest))?;
    let name = best.name;
    // Exchange Online is Exchange: keyword rules that say "Microsoft Exchange" agree with it.
    let agrees =
        |h: &Hint| h.name == name || (name == "Exchange Online" && h.name == "Microsoft Exchange");
    let mut evidence: Vec<String> = Vec::new();
    for h in hints.iter().filter(|h| agrees(h)) {
        if !evidence.contains(&h.evidence) {
            evidence.push(h.evidence.clone());
        }
    }
    if let Some(s) = stack.as_ref().filter(|_| fits(name))
        && !evidence.contains(&s.evidence)
    {
        evidence.push(s.evidence.clone());
    }
    // Agreeing hints add evidence, not confidence: only the banner makes a guess high.
    Some(ServerSoftware {
        name: name.to_string(),
        version: hints
            .iter()
            .filter(|h| agrees(h))
            .find_map(|h| h.version.clone()),
        confidence: strongest,
        evidence,
    })
}

/// Where the guess comes from, in a few words for a header: "banner", "EHLO keywords", ...
pub fn basis(s: &ServerSoftware) -> String {
    let mut parts: Vec<&str> = Vec::new();
    for e in &s.evidence {
        let label = e.split(':').next().unwrap_or(e).trim();
        let label = if label.len() > 40 { "behaviour" } else { label };
        if !parts.contains(&label) {
            parts.push(label);
        }
    }
    parts.join(", ")
}

/// The fixes of a finding in the order to show them for `software` (None: unknown): that
/// software's own fix first, then the fix for any server, then the rest in the registry's
/// order. The first value tells whether a fix for that software exists.
pub fn fix_order<'a>(
    fixes: &'a [crate::model::finding::Fix],
    software: Option<&str>,
) -> (bool, Vec<&'a crate::model::finding::Fix>) {
    let matches = |label: &str| {
        software.is_some_and(|s| {
            label == s || (s == "Exchange Online" && label == "Microsoft Exchange")
        })
    };
    let mut out: Vec<&crate::model::finding::Fix> =
        fixes.iter().filter(|f| matches(f.software)).collect();
    let own = !out.is_empty();
    if own {
        out.extend(fixes.iter().filter(|f| f.software == "Any server"));
    }
    let rest: Vec<_> = fixes
        .iter()
        .filter(|f| !out.iter().any(|o| std::ptr::eq(*o, *f)))
        .collect();
    out.extend(rest);
    (own, out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn versions_are_cut_where_they_end() {
        assert_eq!(
            version_after("mx ESMTP Exim 4.96 Thu, 03 Dec", "Exim").as_deref(),
            Some("4.96")
        );
        assert_eq!(
            version_after("mx ESMTP Postfix (3.7.11)", "Postfix").as_deref(),
            Some("3.7.11")
        );
        assert_eq!(
            version_after("mx ESMTP Postfix (Debian/GNU)", "Postfix"),
            None
        );
        assert_eq!(
            version_after("mx ESMTP Sendmail 8.15.2/8.15.2/Debian-22; Thu", "Sendmail").as_deref(),
            Some("8.15.2")
        );
        assert_eq!(
            version_after("mx ESMTP Haraka/3.0.2 ready", "Haraka").as_deref(),
            Some("3.0.2")
        );
        assert_eq!(
            version_after("mx ESMTP MDaemon 21.0.0; Thu", "MDaemon").as_deref(),
            Some("21.0.0")
        );
        assert_eq!(version_after("Exim", "Exim"), None);
    }

    #[test]
    fn names_and_aliases() {
        assert_eq!(canonical("exim"), Some("Exim"));
        assert_eq!(canonical("EXCHANGE"), Some("Microsoft Exchange"));
        assert_eq!(canonical("exchange-online"), Some("Exchange Online"));
        assert_eq!(canonical("office365"), Some("Exchange Online"));
        assert_eq!(canonical("netqmail"), Some("qmail"));
        assert_eq!(canonical("hmailserver"), Some("hMailServer"));
        assert_eq!(canonical("lab"), Some(LAB));
        assert_eq!(canonical("nosuchmta"), None);
        assert_eq!(canonical(""), None);
        for k in KNOWN {
            assert_eq!(canonical(k), Some(*k));
        }
    }
}
