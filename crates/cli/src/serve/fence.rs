//! The fences of `serve`: who may make it connect where. Binding beyond loopback needs an
//! allowlist of targets; a target is checked against it (and against the private-address
//! fence when it is an address) before any connection; names found inside the check (a host's
//! addresses, a domain's MX hosts) are held to the same rules by the library's connect policy.

use super::config::Server;
use doctor::model::options::{Allowlist, ConnectPolicy, FetchPolicy, parse_target};
use std::net::{IpAddr, SocketAddr};

/// Why serve will not start on `listen` with this configuration, if it will not.
pub fn listen_refusal(
    listen: SocketAddr,
    server: &Server,
    allow_any_target: bool,
) -> Option<String> {
    if listen.ip().is_loopback() || server.allow_targets.is_some() || allow_any_target {
        return None;
    }
    Some(format!(
        "--listen {listen} is reachable from other hosts, and serve connects wherever a request asks: \
without a list of allowed targets anyone who reaches it can use it to probe any host. \
Add allow_targets = [\"mx.example.com\", \"*.example.com\", \"192.0.2.0/24\"] to the [server] table of the \
config file (--config FILE), or give --allow-any-target to accept that risk"
    ))
}

/// Why a request's target is refused before any connection.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Refusal {
    /// Not a target at all.
    Invalid(String),
    /// Not on `allow_targets`.
    Allowlist(String),
    /// An address on loopback, link-local or a private range.
    Private(String),
}

impl Refusal {
    pub fn message(&self) -> &str {
        match self {
            Refusal::Invalid(m) | Refusal::Allowlist(m) | Refusal::Private(m) => m,
        }
    }
}

/// The connect policy every check of this server runs under.
pub fn connect_policy(server: &Server) -> ConnectPolicy {
    ConnectPolicy {
        allow_private: server.allow_private,
        allow: server.allow_targets.clone(),
    }
}

/// The fetch policy (AIA, MTA-STS) every check of this server runs under.
pub fn fetch_policy(server: &Server) -> FetchPolicy {
    FetchPolicy {
        allow_private: server.allow_private,
    }
}

/// Check a target (`HOST[:PORT]` or a mail domain) before anything is connected to: it must be
/// a host name or address, on the allowlist when there is one, and not an internal address
/// unless `allow_private`.
pub fn admit_target(input: &str, server: &Server) -> Result<(), Refusal> {
    let t = parse_target(input).map_err(Refusal::Invalid)?;
    let addr = t.host.parse::<IpAddr>().ok();
    if let Some(list) = &server.allow_targets {
        let ok = match addr {
            Some(ip) => list.admits_address(ip),
            None => list.admits_name(&t.host),
        };
        if !ok {
            return Err(Refusal::Allowlist(format!(
                "{} is not on this server's list of allowed targets (allow_targets in the [server] table of its config)",
                t.host
            )));
        }
    }
    if let Some(ip) = addr
        && let Some(why) = doctor::observe::probe::connect_refusal(
            &ConnectPolicy {
                allow_private: server.allow_private,
                allow: None::<Allowlist>,
            },
            &t.host,
            ip,
        )
    {
        return Err(Refusal::Private(format!(
            "{why}; whoever runs this server can allow it with allow_private = true in the [server] table of its config"
        )));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn server(allow: Option<&[&str]>, private: bool) -> Server {
        Server {
            allow_targets: allow.map(|a| Allowlist::parse(a).unwrap()),
            allow_private: private,
            ..Server::default()
        }
    }

    #[test]
    fn listening_beyond_loopback_needs_an_allowlist_or_the_flag() {
        let open: SocketAddr = "0.0.0.0:8025".parse().unwrap();
        let lo: SocketAddr = "127.0.0.1:8025".parse().unwrap();
        let lo6: SocketAddr = "[::1]:8025".parse().unwrap();
        let none = server(None, false);
        let why = listen_refusal(open, &none, false).unwrap();
        assert!(
            why.contains("allow_targets") && why.contains("--allow-any-target"),
            "{why}"
        );
        assert!(listen_refusal(open, &none, true).is_none());
        assert!(listen_refusal(lo, &none, false).is_none());
        assert!(listen_refusal(lo6, &none, false).is_none());
        assert!(listen_refusal(open, &server(Some(&["*.example.com"]), false), false).is_none());
    }

    #[test]
    fn targets_are_fenced_before_connecting() {
        let s = server(
            Some(&[
                "mx.example.com",
                "*.lab.test",
                "192.0.2.0/24",
                "127.0.0.0/8",
            ]),
            false,
        );
        assert_eq!(admit_target("mx.example.com:25", &s), Ok(()));
        assert_eq!(admit_target("MX.lab.test", &s), Ok(()));
        assert_eq!(admit_target("192.0.2.9:587", &s), Ok(()));
        assert!(matches!(
            admit_target("evil.example.net", &s),
            Err(Refusal::Allowlist(_))
        ));
        assert!(matches!(
            admit_target("198.51.100.1", &s),
            Err(Refusal::Allowlist(_))
        ));
        // On the list, but loopback: the private fence still holds.
        assert!(matches!(
            admit_target("127.0.0.1:25", &s),
            Err(Refusal::Private(_))
        ));
        assert!(matches!(
            admit_target("bad host", &s),
            Err(Refusal::Invalid(_))
        ));
        let open = server(None, false);
        for internal in [
            "10.1.2.3",
            "[::1]:25",
            "169.254.1.1",
            "[fd00::1]:25",
            "0.0.0.0",
        ] {
            assert!(
                matches!(admit_target(internal, &open), Err(Refusal::Private(_))),
                "{internal}"
            );
        }
        assert_eq!(admit_target("203.0.113.5", &open), Ok(()));
        let lab = server(None, true);
        assert_eq!(admit_target("127.0.0.1:2525", &lab), Ok(()));
    }
}
