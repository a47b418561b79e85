//! SMTP TLS Reporting (RFC 8460): the `_smtp._tls` TXT record (§3) that
//! tells senders where to deliver aggregate TLS reports.

use std::fmt::Write as _;

use crate::mtasts::{check_domain, check_ext_value, select_versioned, shown, split_txt_record};

const SPEC: &str = "RFC 8460 §3";

/// The `_smtp._tls.DOMAIN` TXT record (RFC 8460 §3).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TlsRptTxt {
    /// Where reports go, in record order (at least one).
    pub rua: Vec<RuaUri>,
    /// Other `name=value` fields, in record order (senders ignore them).
    pub extensions: Vec<(String, String)>,
    /// Departures that reporters usually tolerate, in plain English.
    pub warnings: Vec<String>,
}

/// One report destination from `rua=` (RFC 8460 §3).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RuaUri {
    /// A `mailto:` URI: the address, percent-decoded (RFC 6068).
    Mailto(String),
    /// An `https:` URI, as written; reports are POSTed to it.
    Https(String),
}

impl std::fmt::Display for RuaUri {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            RuaUri::Mailto(addr) => write!(f, "mailto:{addr}"),
            RuaUri::Https(uri) => f.write_str(uri),
        }
    }
}

/// Parses one `_smtp._tls` TXT record, its character-strings already
/// concatenated without separators (RFC 8460 §3).
///
/// Strict per the §3 ABNF:
///
/// ```text
/// tlsrpt-record    = tlsrpt-version 1*(field-delim tlsrpt-field) [field-delim]
/// field-delim      = *WSP ";" *WSP
/// tlsrpt-field     = tlsrpt-rua / tlsrpt-extension   ; tlsrpt-rua is required
/// tlsrpt-version   = %s"v=TLSRPTv1"
/// tlsrpt-rua       = %s"rua=" tlsrpt-uri *(*WSP "," *WSP tlsrpt-uri)
/// tlsrpt-uri       = URI        ; RFC 3986; ",", "!" and ";" MUST be percent-encoded
/// tlsrpt-extension = tlsrpt-ext-name "=" tlsrpt-ext-value
/// tlsrpt-ext-name  = (ALPHA / DIGIT) *31(ALPHA / DIGIT / "_" / "-" / ".")
/// tlsrpt-ext-value = 1*(%x21-3A / %x3C / %x3E-7E)
/// ```
///
/// Each URI must be `mailto:` with a plausible `local@domain` address
/// (percent-decoded as RFC 6068 says; a `?` query part is ignored with a
/// warning) or `https:` with a host; §3 supports only these two schemes,
/// so any other (`http:` included) is an error naming it. Several `rua`
/// fields are allowed by the grammar; their URIs are all kept, with a
/// warning.
pub fn parse_tlsrpt_txt(record: &str) -> Result<TlsRptTxt, String> {
    let parsed = split_txt_record(record, "v=TLSRPTv1", SPEC)?;
    let mut warnings = parsed.warnings;
    let mut rua = Vec::new();
    let mut rua_fields = 0usize;
    let mut extensions = Vec::new();
    let mut case_variant = None;
    for (name, value) in parsed.fields {
        if name == "rua" {
            rua_fields += 1;
            parse_rua(value, &mut rua, &mut warnings)?;
            continue;
        }
        check_ext_value(name, value, SPEC)?;
        if name.eq_ignore_ascii_case("rua") {
            case_variant = Some(name);
        }
        extensions.push((name.to_string(), value.to_string()));
    }
    if rua_fields == 0 {
        let mut msg = format!(
            "the record has no rua= field; {SPEC} requires one (for example \
             \"v=TLSRPTv1; rua=mailto:tlsrpt@example.com\")"
        );
        if let Some(name) = case_variant {
            let _ = write!(
                msg,
                "; {} is not \"rua\": field names are case-sensitive",
                shown(name)
            );
        }
        return Err(msg);
    }
    if rua_fields > 1 {
        warnings.push(format!(
            "the record has {rua_fields} rua= fields; the grammar allows it, but some \
             reporters read only the first: list all URIs in one rua=, separated by ','"
        ));
    }
    if let Some(name) = case_variant {
        warnings.push(format!(
            "field {} is an unknown extension, not rua (field names are case-sensitive)",
            shown(name)
        ));
    }
    Ok(TlsRptTxt {
        rua,
        extensions,
        warnings,
    })
}

/// Picks the TLS-RPT record out of all TXT records at `_smtp._tls.DOMAIN`
/// and parses it. RFC 8460 §3: records not beginning with `v=TLSRPTv1`
/// are discarded; if the number left is not one, senders assume the domain
/// does not implement TLS-RPT. The error says which case it is (none,
/// with near misses such as other case or leading spaces, or how many).
pub fn select_tlsrpt_txt(records: &[String]) -> Result<TlsRptTxt, String> {
    let chosen = select_versioned(
        records,
        "v=TLSRPTv1",
        SPEC,
        "senders treat the domain as not implementing TLS reporting and send no reports",
    )?;
    parse_tlsrpt_txt(chosen).map_err(|e| {
        format!(
            "the v=TLSRPTv1 record {} is invalid: {e}; senders send no TLS reports",
            shown(chosen)
        )
    })
}

/// `tlsrpt-uri *(*WSP "," *WSP tlsrpt-uri)`
fn parse_rua(value: &str, out: &mut Vec<RuaUri>, warnings: &mut Vec<String>) -> Result<(), String> {
    if value.is_empty() {
        return Err(format!("rua= is empty; {SPEC} requires at least one URI"));
    }
    for uri in value.split(',') {
        let uri = uri.trim_matches([' ', '\t']);
        if uri.is_empty() {
            return Err(format!(
                "rua= {} has an empty entry (a stray ','); URIs are separated by single commas",
                shown(value)
            ));
        }
        parse_uri(uri, out, warnings)?;
    }
    Ok(())
}

fn parse_uri(uri: &str, out: &mut Vec<RuaUri>, warnings: &mut Vec<String>) -> Result<(), String> {
    check_uri_chars(uri)?;
    let scheme_ok = |s: &str| {
        let mut b = s.bytes();
        b.next().is_some_and(|c| c.is_ascii_alphabetic())
            && b.all(|c| c.is_ascii_alphanumeric() || matches!(c, b'+' | b'-' | b'.'))
    };
    let Some((scheme, rest)) = uri.split_once(':').filter(|(s, _)| scheme_ok(s)) else {
        return Err(format!(
            "rua entry {} is not a URI: it needs a scheme, as in \"mailto:tlsrpt@example.com\" \
             or \"https://example.com/tlsrpt\"",
            shown(uri)
        ));
    };
    if scheme.eq_ignore_ascii_case("mailto") {
        parse_mailto(uri, rest, out, warnings)
    } else if scheme.eq_ignore_ascii_case("https") {
        check_https(uri, rest)?;
        out.push(RuaUri::Https(uri.to_string()));
        Ok(())
    } else {
        let mut msg = format!(
            "rua URI {} uses the scheme \"{scheme}:\", which {SPEC} does not support; only \
             mailto: and https: are allowed",
            shown(uri)
        );
        if scheme.eq_ignore_ascii_case("http") {
            msg.push_str(" (use https:)");
        }
        Err(msg)
    }
}

/// Only URI characters (RFC 3986 §2), with `%` always starting an escape,
/// and `!` encoded as RFC 8460 §3 demands (`,` and `;` cannot get here).
fn check_uri_chars(uri: &str) -> Result<(), String> {
    let mut chars = uri.chars();
    while let Some(c) = chars.next() {
        match c {
            '%' => {
                let hex = (chars.next(), chars.next());
                if !matches!(hex, (Some(a), Some(b)) if a.is_ascii_hexdigit() && b.is_ascii_hexdigit())
                {
                    return Err(format!(
                        "rua URI {} has a '%' not followed by two hex digits",
                        shown(uri)
                    ));
                }
            }
            '!' => {
                return Err(format!(
                    "rua URI {} contains '!', which {SPEC} requires to be percent-encoded \
                     (%21)",
                    shown(uri)
                ));
            }
            c if c.is_ascii_alphanumeric() || "-._~:/?#[]@$&'()*+=".contains(c) => {}
            c => {
                return Err(format!(
                    "rua URI {} contains {}, which is not allowed in a URI (RFC 3986) unless \
                     percent-encoded",
                    shown(uri),
                    shown(&c.to_string())
                ));
            }
        }
    }
    Ok(())
}

/// Decodes `%HH` escapes; the result must be UTF-8.
fn percent_decode(s: &str) -> Option<String> {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while let Some(&b) = bytes.get(i) {
        if b == b'%' {
            let hex = bytes.get(i + 1..i + 3)?;
            let hex = std::str::from_utf8(hex).ok()?;
            out.push(u8::from_str_radix(hex, 16).ok()?);
            i += 3;
        } else {
            out.push(b);
            i += 1;
        }
    }
    String::from_utf8(out).ok()
}

/// `mailto:` per RFC 6068: `to` addresses, optionally `?hfields`.
fn parse_mailto(
    uri: &str,
    rest: &str,
    out: &mut Vec<RuaUri>,
    warnings: &mut Vec<String>,
) -> Result<(), String> {
    let (to, query) = match rest.split_once('?') {
        Some((to, q)) => (to, Some(q)),
        None => (rest, None),
    };
    if let Some(q) = query {
        warnings.push(format!(
            "rua URI {} has a query part ({}); reporters send to the address and may ignore \
             or reject the rest",
            shown(uri),
            shown(q)
        ));
    }
    if to.is_empty() {
        return Err(format!("rua URI {} has no email address", shown(uri)));
    }
    if to.contains('#') {
        return Err(format!(
            "rua URI {} has a '#' fragment, which a mailto: URI cannot have (RFC 6068)",
            shown(uri)
        ));
    }
    let Some(decoded) = percent_decode(to) else {
        return Err(format!(
            "rua URI {} does not percent-decode to UTF-8 text",
            shown(uri)
        ));
    };
    let addrs: Vec<&str> = decoded.split(',').collect();
    if addrs.len() > 1 {
        warnings.push(format!(
            "rua URI {} holds {} addresses (an encoded ','); RFC 6068 allows it, but some \
             reporters only use one: give each address its own mailto: URI",
            shown(uri),
            addrs.len()
        ));
    }
    for addr in addrs {
        check_addr_spec(addr).map_err(|why| {
            format!(
                "rua URI {} does not hold a valid email address: {why}",
                shown(uri)
            )
        })?;
        out.push(RuaUri::Mailto(addr.to_string()));
    }
    Ok(())
}

/// A plausible RFC 5322 `addr-spec`: a dot-atom or quoted local part, `@`,
/// and a host name or address literal.
fn check_addr_spec(addr: &str) -> Result<(), String> {
    let Some((local, domain)) = addr.rsplit_once('@') else {
        return Err(format!("{} has no '@'", shown(addr)));
    };
    if local.is_empty() {
        return Err(format!("{} has nothing before the '@'", shown(addr)));
    }
    let quoted = local.len() >= 2 && local.starts_with('"') && local.ends_with('"');
    if !quoted {
        let atext = |c: char| {
            c.is_ascii_alphanumeric() || "!#$%&'*+-/=?^_`{|}~".contains(c) || !c.is_ascii()
        };
        if let Some(c) = local.chars().find(|&c| !(atext(c) || c == '.')) {
            return Err(format!(
                "the local part {} contains {}, which needs quoting in an address",
                shown(local),
                shown(&c.to_string())
            ));
        }
        if local.starts_with('.') || local.ends_with('.') || local.contains("..") {
            return Err(format!(
                "the local part {} has a leading, trailing or double '.'",
                shown(local)
            ));
        }
    } else if local.chars().any(|c| c.is_control()) {
        return Err(format!(
            "the local part {} contains a control character",
            shown(local)
        ));
    }
    if domain.starts_with('[') && domain.ends_with(']') && domain.len() > 2 {
        return Ok(());
    }
    check_domain(domain)
        .map_err(|why| format!("the domain {} is not a host name: {why}", shown(domain)))
}

/// `https:` with `//authority` and a non-empty host (RFC 3986 §3.2).
fn check_https(uri: &str, rest: &str) -> Result<(), String> {
    let Some(after) = rest.strip_prefix("//") else {
        return Err(format!(
            "rua URI {} has no host: an https: URI starts with \"https://host\"",
            shown(uri)
        ));
    };
    let authority = after.split(['/', '?', '#']).next().unwrap_or_default();
    let hostport = authority.rsplit_once('@').map_or(authority, |(_, h)| h);
    let (host, port) = if hostport.starts_with('[') {
        match hostport.split_once(']') {
            Some((h, p)) => (h.trim_start_matches('['), p.strip_prefix(':')),
            None => {
                return Err(format!("rua URI {} has an unclosed '['", shown(uri)));
            }
        }
    } else {
        match hostport.split_once(':') {
            Some((h, p)) => (h, Some(p)),
            None => (hostport, None),
        }
    };
    if host.is_empty() {
        return Err(format!("rua URI {} has no host", shown(uri)));
    }
    if let Some(p) = port {
        let digits = p.bytes().all(|b| b.is_ascii_digit());
        if !digits || (!p.is_empty() && p.parse::<u16>().is_err()) {
            return Err(format!(
                "rua URI {} has an invalid port {}",
                shown(uri),
                shown(p)
            ));
        }
    }
    if hostport.starts_with('[') {
        return Ok(());
    }
    check_domain(host).map_err(|why| {
        format!(
            "rua URI {} has an invalid host {}: {why}",
            shown(uri),
            shown(host)
        )
    })
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::indexing_slicing, clippy::panic)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn recs(v: &[&str]) -> Vec<String> {
        v.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn rfc_examples() {
        let t = parse_tlsrpt_txt("v=TLSRPTv1;rua=mailto:reports@example.com").unwrap();
        assert_eq!(t.rua, vec![RuaUri::Mailto("reports@example.com".into())]);
        assert!(t.warnings.is_empty());
        let t =
            parse_tlsrpt_txt("v=TLSRPTv1; rua=https://reporting.example.com/v1/tlsrpt").unwrap();
        assert_eq!(
            t.rua,
            vec![RuaUri::Https(
                "https://reporting.example.com/v1/tlsrpt".into()
            )]
        );
        assert_eq!(
            t.rua[0].to_string(),
            "https://reporting.example.com/v1/tlsrpt"
        );
    }

    #[test]
    fn lists_extensions_and_decoding() {
        let t = parse_tlsrpt_txt(
            "v=TLSRPTv1; rua=mailto:tls-rpt@example.com , https://r.example.net:8443/x?a=b;ext=1;",
        )
        .unwrap();
        assert_eq!(
            t.rua,
            vec![
                RuaUri::Mailto("tls-rpt@example.com".into()),
                RuaUri::Https("https://r.example.net:8443/x?a=b".into()),
            ]
        );
        assert_eq!(t.extensions, vec![("ext".into(), "1".into())]);
        assert!(t.warnings.is_empty(), "{:?}", t.warnings);
        let t = parse_tlsrpt_txt("v=TLSRPTv1; rua=mailto:tls%2Brpt%21@example.com").unwrap();
        assert_eq!(t.rua, vec![RuaUri::Mailto("tls+rpt!@example.com".into())]);
        let t = parse_tlsrpt_txt("v=TLSRPTv1; rua=MAILTO:a@[192.0.2.1],HTTPS://[2001:db8::1]/r")
            .unwrap();
        assert_eq!(t.rua.len(), 2);
        assert_eq!(t.rua[0].to_string(), "mailto:a@[192.0.2.1]");
    }

    #[test]
    fn warnings() {
        let t = parse_tlsrpt_txt("v=TLSRPTv1; rua=mailto:a@example.com; rua=mailto:b@example.com")
            .unwrap();
        assert_eq!(t.rua.len(), 2);
        assert!(t.warnings[0].contains("2 rua= fields"), "{:?}", t.warnings);
        let t = parse_tlsrpt_txt("v=TLSRPTv1; rua=mailto:a@example.com?subject=tls").unwrap();
        assert_eq!(t.rua, vec![RuaUri::Mailto("a@example.com".into())]);
        assert!(t.warnings[0].contains("query part"), "{:?}", t.warnings);
        let t = parse_tlsrpt_txt("v=TLSRPTv1; rua=mailto:a@example.com%2Cb@example.org").unwrap();
        assert_eq!(
            t.rua,
            vec![
                RuaUri::Mailto("a@example.com".into()),
                RuaUri::Mailto("b@example.org".into())
            ]
        );
        assert!(t.warnings[0].contains("2 addresses"), "{:?}", t.warnings);
        let t = parse_tlsrpt_txt("v=TLSRPTv1 ; rua=mailto:a@example.com").unwrap();
        assert!(t.warnings[0].contains("discarded"), "{:?}", t.warnings);
        let t = parse_tlsrpt_txt("v=TLSRPTv1; rua=mailto:a@example.com; RUA=x").unwrap();
        assert!(t.warnings[0].contains("case-sensitive"), "{:?}", t.warnings);
    }

    #[test]
    fn errors() {
        let cases = [
            ("v=TLSRPTv1", "no fields"),
            ("v=TLSRPTv1;", "no fields"),
            ("v=TLSRPTv1; ext=1", "no rua= field"),
            (
                "v=TLSRPTv1; RUA=mailto:a@example.com",
                "'RUA' is not \"rua\"",
            ),
            (
                "v=tlsrptv1; rua=mailto:a@example.com",
                "must begin with exactly",
            ),
            ("v=TLSRPTv1 rua=mailto:a@example.com", "expected ';'"),
            ("v=TLSRPTv1; rua=", "rua= is empty"),
            ("v=TLSRPTv1; rua=mailto:a@example.com,", "stray ','"),
            (
                "v=TLSRPTv1; rua=mailto:a@example.com,,https://x.example",
                "stray ','",
            ),
            (
                "v=TLSRPTv1; rua=http://r.example.com/",
                "\"http:\", which RFC 8460 §3 does not support",
            ),
            ("v=TLSRPTv1; rua=ftp://r.example.com/", "\"ftp:\""),
            ("v=TLSRPTv1; rua=tlsrpt@example.com", "not a URI"),
            ("v=TLSRPTv1; rua=mailto:", "no email address"),
            ("v=TLSRPTv1; rua=mailto:example.com", "no '@'"),
            ("v=TLSRPTv1; rua=mailto:@example.com", "nothing before"),
            ("v=TLSRPTv1; rua=mailto:a@", "the name is empty"),
            ("v=TLSRPTv1; rua=mailto:a@exa_mple.com", "'_'"),
            ("v=TLSRPTv1; rua=mailto:a..b@example.com", "double '.'"),
            ("v=TLSRPTv1; rua=mailto:a%20b@example.com", "needs quoting"),
            ("v=TLSRPTv1; rua=mailto:a@example.com#x", "fragment"),
            ("v=TLSRPTv1; rua=mailto:a%ff@example.com", "percent-decode"),
            ("v=TLSRPTv1; rua=mailto:a%2@example.com", "two hex digits"),
            ("v=TLSRPTv1; rua=mailto:a!b@example.com", "(%21)"),
            ("v=TLSRPTv1; rua=mailto:a b@example.com", "contains ' '"),
            ("v=TLSRPTv1; rua=https:r.example.com", "no host"),
            ("v=TLSRPTv1; rua=https:///path", "no host"),
            ("v=TLSRPTv1; rua=https://:443/", "no host"),
            (
                "v=TLSRPTv1; rua=https://r.example.com:99999/",
                "invalid port",
            ),
            ("v=TLSRPTv1; rua=https://r.example.com:x/", "invalid port"),
            ("v=TLSRPTv1; rua=https://r..example.com/", "empty label"),
            ("v=TLSRPTv1; rua=https://[2001:db8::1/", "unclosed"),
            ("v=TLSRPTv1; rua=https://r.example.com/<x>", "contains '<'"),
            ("v=TLSRPTv1; rua=https://r.example.com/é", "non-ASCII"),
            ("v=TLSRPTv1; rua=mailto:a@example.com; x=a b", "has ' '"),
        ];
        for (record, needle) in cases {
            let e = parse_tlsrpt_txt(record).unwrap_err();
            assert!(e.contains(needle), "{record:?}: {e}");
        }
    }

    #[test]
    fn select() {
        let t = select_tlsrpt_txt(&recs(&[
            "v=spf1 -all",
            "v=TLSRPTv1; rua=mailto:tlsrpt@example.com",
        ]))
        .unwrap();
        assert_eq!(t.rua.len(), 1);
        let e = select_tlsrpt_txt(&recs(&[
            "v=TLSRPTv1; rua=mailto:a@example.com",
            "v=TLSRPTv1; rua=mailto:b@example.com",
        ]))
        .unwrap_err();
        assert!(
            e.starts_with("2 records start with v=TLSRPTv1; RFC 8460 §3 requires exactly one"),
            "{e}"
        );
        assert!(e.contains("not implementing TLS reporting"), "{e}");
        let e = select_tlsrpt_txt(&recs(&["v=spf1 -all"])).unwrap_err();
        assert!(
            e.contains("none of the 1 TXT records starts with v=TLSRPTv1"),
            "{e}"
        );
        let e = select_tlsrpt_txt(&recs(&[" v=TLSRPTv1; rua=mailto:a@example.com"])).unwrap_err();
        assert!(e.contains("starts with whitespace"), "{e}");
        let e = select_tlsrpt_txt(&recs(&["v=TLSRPTV1; rua=mailto:a@example.com"])).unwrap_err();
        assert!(e.contains("case-sensitive"), "{e}");
        let e = select_tlsrpt_txt(&[]).unwrap_err();
        assert!(e.contains("no TXT record"), "{e}");
        let e = select_tlsrpt_txt(&recs(&["v=TLSRPTv1; rua=http://x.example/"])).unwrap_err();
        assert!(e.contains("is invalid") && e.contains("\"http:\""), "{e}");
        // The version alone is selected (and then fails for lack of rua).
        let e = select_tlsrpt_txt(&recs(&["v=TLSRPTv1"])).unwrap_err();
        assert!(e.contains("no fields"), "{e}");
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(256))]

        #[test]
        fn never_panics(record in "\\PC{0,80}", tail in "[ ;=,:/@%.a-zA-Z0-9\t!?\\[\\]-]{0,60}") {
            let _ = parse_tlsrpt_txt(&record);
            let with_version = format!("v=TLSRPTv1{tail}");
            if let Ok(t) = parse_tlsrpt_txt(&with_version) {
                prop_assert!(!t.rua.is_empty());
            }
            let _ = select_tlsrpt_txt(&[record, with_version]);
        }

        #[test]
        fn generated_records_parse(
            users in proptest::collection::vec("[a-z0-9][a-z0-9+_-]{0,10}[a-z0-9]", 1..4),
            hosts in proptest::collection::vec("[a-z][a-z0-9-]{0,8}[a-z0-9]\\.[a-z]{2,6}", 1..4),
            paths in proptest::collection::vec("(/[a-zA-Z0-9._~-]{0,8}){0,3}", 1..4),
        ) {
            let mut uris = Vec::new();
            let mut expected = Vec::new();
            for (i, host) in hosts.iter().enumerate() {
                let user = users[i % users.len()].clone();
                uris.push(format!("mailto:{}@{host}", user.replace('+', "%2B")));
                expected.push(RuaUri::Mailto(format!("{user}@{host}")));
                let https = format!("https://{host}{}", paths[i % paths.len()]);
                uris.push(https.clone());
                expected.push(RuaUri::Https(https));
            }
            let record = format!("v=TLSRPTv1; rua={}", uris.join(", "));
            let t = parse_tlsrpt_txt(&record);
            prop_assert!(t.is_ok(), "{:?} {}", t, record);
            prop_assert_eq!(t.unwrap().rua, expected);
        }
    }
}
