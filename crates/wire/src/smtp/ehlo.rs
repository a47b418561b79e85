//! EHLO responses (RFC 5321 section 4.1.1.1): the first line greets, every
//! further line announces one service extension as `keyword [params]`.

use serde::{Deserialize, Serialize};

use super::Reply;

/// A parsed EHLO response.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Ehlo {
    /// Text of the first line (usually the server's name and a greeting).
    pub greeting: String,
    /// One entry per further non-empty line, in order.
    pub capabilities: Vec<Capability>,
}

/// One EHLO extension line, e.g. `SIZE 10240000`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Capability {
    /// The keyword, upper-cased (EHLO keywords are case-insensitive).
    pub keyword: String,
    /// The whitespace-separated parameters, as sent.
    pub params: Vec<String>,
}

/// Splits an EHLO reply into greeting and capabilities. Lines after the
/// first that are empty (or only whitespace) are skipped.
pub fn parse_ehlo(reply: &Reply) -> Ehlo {
    let mut lines = reply.lines.iter();
    let greeting = lines.next().cloned().unwrap_or_default();
    let capabilities = lines
        .filter_map(|line| {
            let mut words = line.split_ascii_whitespace();
            let keyword = words.next()?.to_ascii_uppercase();
            Some(Capability {
                keyword,
                params: words.map(str::to_owned).collect(),
            })
        })
        .collect();
    Ehlo {
        greeting,
        capabilities,
    }
}

impl Ehlo {
    /// Whether the keyword `kw` (case-insensitive) was announced.
    pub fn has(&self, kw: &str) -> bool {
        self.capabilities
            .iter()
            .any(|c| c.keyword.eq_ignore_ascii_case(kw))
    }

    /// The SASL mechanisms announced by `AUTH PLAIN LOGIN` (RFC 4954) and by
    /// the pre-standard `AUTH=PLAIN LOGIN` form still sent by some servers;
    /// upper-cased, without duplicates, in order of appearance.
    pub fn auth_mechanisms(&self) -> Vec<String> {
        let mut out: Vec<String> = Vec::new();
        for cap in &self.capabilities {
            let first = if cap.keyword == "AUTH" {
                None
            } else if let Some(m) = cap.keyword.strip_prefix("AUTH=") {
                Some(m)
            } else {
                continue;
            };
            let mechs = first
                .into_iter()
                .map(str::to_owned)
                .chain(cap.params.iter().map(|p| p.to_ascii_uppercase()));
            for m in mechs {
                if !m.is_empty() && !out.contains(&m) {
                    out.push(m);
                }
            }
        }
        out
    }

    /// The maximum message size announced by `SIZE n` (RFC 1870), if any.
    /// `SIZE` without a number (or with 0) means no fixed limit: `None`.
    pub fn size(&self) -> Option<u64> {
        self.capabilities
            .iter()
            .find(|c| c.keyword == "SIZE")
            .and_then(|c| c.params.first())
            .and_then(|p| p.parse::<u64>().ok())
            .filter(|&n| n > 0)
    }

    /// Every capability rendered as one string: `"SIZE 10240000"`,
    /// `"AUTH PLAIN LOGIN"`, `"STARTTLS"`.
    pub fn keywords(&self) -> Vec<String> {
        self.capabilities
            .iter()
            .map(|c| {
                let mut s = c.keyword.clone();
                for p in &c.params {
                    s.push(' ');
                    s.push_str(p);
                }
                s
            })
            .collect()
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::indexing_slicing, clippy::panic)]
mod tests {
    use super::*;
    use crate::smtp::{Limits, Parsed, parse_reply};

    fn reply(buf: &[u8]) -> Reply {
        match parse_reply(buf, &Limits::default()) {
            Ok(Parsed::Complete { reply, .. }) => reply,
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn postfix_ehlo() {
        let r = reply(
            b"250-mail.example.org\r\n250-PIPELINING\r\n250-SIZE 10240000\r\n250-VRFY\r\n\
              250-ETRN\r\n250-STARTTLS\r\n250-AUTH PLAIN LOGIN\r\n250-AUTH=PLAIN LOGIN\r\n\
              250-ENHANCEDSTATUSCODES\r\n250-8BITMIME\r\n250-DSN\r\n250-SMTPUTF8\r\n250 CHUNKING\r\n",
        );
        let e = parse_ehlo(&r);
        assert_eq!(e.greeting, "mail.example.org");
        assert_eq!(e.capabilities.len(), 12);
        assert!(e.has("STARTTLS"));
        assert!(e.has("starttls"));
        assert!(e.has("chunking"));
        assert!(!e.has("REQUIRETLS"));
        assert_eq!(e.size(), Some(10_240_000));
        assert_eq!(e.auth_mechanisms(), ["PLAIN", "LOGIN"]);
        let kws = e.keywords();
        assert_eq!(kws[0], "PIPELINING");
        assert_eq!(kws[1], "SIZE 10240000");
        assert_eq!(kws[5], "AUTH PLAIN LOGIN");
    }

    #[test]
    fn exim_ehlo_lowercase_and_old_auth() {
        let r = reply(
            b"250-mx.example.net Hello client.example [192.0.2.1]\r\n250-size 52428800\r\n\
              250-8BITMIME\r\n250-AUTH=cram-md5 login\r\n250-STARTTLS\r\n250 HELP\r\n",
        );
        let e = parse_ehlo(&r);
        assert_eq!(
            e.greeting,
            "mx.example.net Hello client.example [192.0.2.1]"
        );
        assert_eq!(e.capabilities[0].keyword, "SIZE");
        assert_eq!(e.size(), Some(52_428_800));
        assert_eq!(e.auth_mechanisms(), ["CRAM-MD5", "LOGIN"]);
        assert!(e.has("help"));
    }

    #[test]
    fn no_capabilities_and_odd_lines() {
        let e = parse_ehlo(&reply(b"250 only.greeting\r\n"));
        assert_eq!(e.greeting, "only.greeting");
        assert!(e.capabilities.is_empty());
        assert_eq!(e.size(), None);
        assert!(e.auth_mechanisms().is_empty());

        let e = parse_ehlo(&reply(
            b"250-x\r\n250-\r\n250-   \r\n250-SIZE\r\n250 SIZE abc\r\n",
        ));
        assert_eq!(e.capabilities.len(), 2);
        assert_eq!(e.size(), None);

        let e = parse_ehlo(&Reply {
            code: 250,
            lines: vec![],
        });
        assert_eq!(e.greeting, "");
    }

    #[test]
    fn capability_fields() {
        let e = parse_ehlo(&reply(b"250-x\r\n250 AUTH PLAIN\r\n"));
        let _ = format!("{e:?}");
        let c = e.capabilities[0].clone();
        assert_eq!(c.keyword, "AUTH");
        assert_eq!(c.params, ["PLAIN"]);
    }
}
