//! What a check is asked to do: the target, names, trust and time limits.

use crate::model::observation::Mode;
use std::net::{IpAddr, SocketAddr};
use std::path::PathBuf;
use std::time::{Duration, Instant};

/// Time limits per phase, and one for the whole check. The defaults suit real MX hosts: greet
/// delays of tens of seconds exist.
#[derive(Debug, Clone)]
pub struct Timeouts {
    pub connect: Duration,
    pub banner: Duration,
    /// EHLO, HELO, STARTTLS and QUIT replies.
    pub command: Duration,
    pub handshake: Duration,
    /// The whole check; None: [`DEADLINE_HOST`] for a host, [`DEADLINE_DOMAIN`] for a domain.
    pub check: Option<Duration>,
    /// When the running check must end: set by the pipeline from `check` when it starts. Every
    /// phase's limit is cut to what remains, so whatever is not measured by then ends as a
    /// time-out and is reported as such.
    pub deadline: Option<Instant>,
}

/// The default limit of a whole check of one server.
pub const DEADLINE_HOST: Duration = Duration::from_secs(120);
/// The default limit of a whole check of a mail domain.
pub const DEADLINE_DOMAIN: Duration = Duration::from_secs(300);

impl Default for Timeouts {
    fn default() -> Self {
        Timeouts {
            connect: Duration::from_secs(10),
            banner: Duration::from_secs(60),
            command: Duration::from_secs(30),
            handshake: Duration::from_secs(30),
            check: None,
            deadline: None,
        }
    }
}

impl Timeouts {
    /// `limit`, cut to the time left before the deadline.
    pub fn within(&self, limit: Duration) -> Duration {
        match self.deadline {
            Some(at) => limit.min(at.saturating_duration_since(Instant::now())),
            None => limit,
        }
    }

    /// The deadline has passed: nothing more can be measured.
    pub fn expired(&self) -> bool {
        self.deadline.is_some_and(|at| Instant::now() >= at)
    }

    /// Starts the clock of a check whose default limit is `default`.
    pub fn start(&mut self, default: Duration) {
        self.deadline = Some(Instant::now() + self.check.unwrap_or(default));
    }

    pub fn connect(&self) -> Duration {
        self.within(self.connect)
    }

    pub fn banner(&self) -> Duration {
        self.within(self.banner)
    }

    pub fn command(&self) -> Duration {
        self.within(self.command)
    }

    pub fn handshake(&self) -> Duration {
        self.within(self.handshake)
    }
}

/// What SNI to send.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Sni {
    /// The host name checked (none when the target is an address literal).
    Default,
    Name(String),
    None,
}

/// Where trust anchors come from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TrustBase {
    /// Mozilla's roots, embedded at build time (webpki-root-certs).
    Mozilla,
    /// The operating system's store (rustls-native-certs).
    System,
    /// Only `--ca-file` anchors.
    None,
}

/// A `--resolve NAME[:PORT]:ADDR` override.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResolveOverride {
    pub name: String,
    pub port: Option<u16>,
    pub addr: IpAddr,
}

/// A parsed `HOST[:PORT]` target.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Target {
    pub host: String,
    pub port: u16,
}

/// Everything a `check` needs besides the target.
#[derive(Debug, Clone)]
pub struct CheckOptions {
    pub ehlo_name: String,
    /// Force STARTTLS or implicit TLS; `None` picks by port (465 implicit, others STARTTLS).
    pub mode: Option<Mode>,
    pub sni: Sni,
    /// Further names the certificate must cover.
    pub names: Vec<String>,
    pub trust: TrustBase,
    pub ca_files: Vec<PathBuf>,
    pub resolve: Vec<ResolveOverride>,
    pub timeouts: Timeouts,
    /// Warn when a certificate expires within this many days.
    pub expiry_warn_days: u32,
    /// One modern handshake only: no scan of versions, suites and groups.
    pub quick: bool,
    pub scan: crate::model::scan::ScanOptions,
    /// Peers to simulate (`--as`).
    pub profiles: Vec<crate::model::profile::Profile>,
    /// Trust store files as the client has them (`--truststore`), and their password.
    pub truststores: Vec<PathBuf>,
    pub truststore_password: Option<Secret>,
    /// Fetch a missing intermediate through its AIA caIssuers URL (`--no-fetch` turns it off).
    pub fetch_aia: bool,
    /// Where fetches of URLs a server names (AIA caIssuers) may connect.
    pub fetch_policy: FetchPolicy,
    /// `--connect-to HOST:PORT:ADDR:PORT2` (like curl's): where to connect for HOST:PORT.
    pub connect_to: Vec<ConnectTo>,
    /// How names are looked up. With `--dns` servers, every lookup (the host, MX hosts, the
    /// MTA-STS policy host, AIA URLs) goes to them; without, host names go to the system resolver.
    pub dns: crate::model::dns::DnsConfig,
    /// Who is told how the check goes (nobody by default).
    pub progress: crate::model::progress::Progress,
    /// Which endpoint addresses may be connected to at all (every one by default; a service
    /// such as `serve` fences them).
    pub connect_policy: ConnectPolicy,
}

/// Where the check's SMTP connections may go. Applied to every endpoint address just before it
/// is connected to (a host's, and each MX host's of a domain, whose addresses are only known
/// inside the check). A refused address gives the failure kind `policy`; nothing is sent to it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConnectPolicy {
    /// Loopback, link-local, private (10/8, 172.16/12, 192.168/16, 100.64/10, fc00::/7),
    /// unspecified, multicast and broadcast addresses and this host's own may be connected to.
    pub allow_private: bool,
    /// When set, only endpoints whose host name or address the list admits.
    pub allow: Option<Allowlist>,
}

impl Default for ConnectPolicy {
    /// Everything allowed: the command line checks what its user names.
    fn default() -> Self {
        ConnectPolicy {
            allow_private: true,
            allow: None,
        }
    }
}

/// One entry of an [`Allowlist`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AllowEntry {
    /// Exactly this host name (lower case, no trailing dot).
    Name(String),
    /// Any name below this one (`*.lab.test`: `mx.lab.test`, not `lab.test`).
    Below(String),
    /// This name and any name below it (`.example.org`).
    AtOrBelow(String),
    /// An address range (CIDR).
    Net { addr: IpAddr, prefix: u8 },
}

/// Targets a service may check: host names, name suffixes and address ranges.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Allowlist {
    pub entries: Vec<AllowEntry>,
}

impl Allowlist {
    /// Parse entries: `mx.example.com` (that name), `*.lab.test` (names below lab.test),
    /// `.example.org` (example.org and names below it), `192.0.2.0/24`, `2001:db8::/32`,
    /// `192.0.2.7` (one address). `Err` names the entry and what is wrong with it.
    pub fn parse<S: AsRef<str>>(entries: &[S]) -> Result<Allowlist, String> {
        let mut out = Vec::new();
        for e in entries {
            out.push(parse_allow_entry(e.as_ref())?);
        }
        Ok(Allowlist { entries: out })
    }

    /// A host name is on the list (by name, exactly or as a suffix).
    pub fn admits_name(&self, name: &str) -> bool {
        let name = name.trim_end_matches('.').to_ascii_lowercase();
        self.entries.iter().any(|e| match e {
            AllowEntry::Name(n) => *n == name,
            AllowEntry::Below(s) => below(&name, s),
            AllowEntry::AtOrBelow(s) => name == *s || below(&name, s),
            AllowEntry::Net { .. } => false,
        })
    }

    /// An address is in one of the list's ranges (an IPv4-mapped IPv6 address as its IPv4).
    pub fn admits_address(&self, ip: IpAddr) -> bool {
        let ip = ip.to_canonical();
        self.entries.iter().any(|e| match e {
            AllowEntry::Net { addr, prefix } => in_net(ip, *addr, *prefix),
            _ => false,
        })
    }
}

/// `name` lies below `zone` (`mx.lab.test` below `lab.test`).
fn below(name: &str, zone: &str) -> bool {
    name.strip_suffix(zone)
        .and_then(|p| p.strip_suffix('.'))
        .is_some_and(|p| !p.is_empty())
}

fn parse_allow_entry(raw: &str) -> Result<AllowEntry, String> {
    let e = raw.trim();
    if let Some((addr, prefix)) = e.split_once('/') {
        let addr: IpAddr = addr.parse().map_err(|_| {
            format!("'{raw}': '{addr}' is not an IP address (expected a CIDR such as 192.0.2.0/24)")
        })?;
        let max = if addr.is_ipv4() { 32 } else { 128 };
        let prefix: u8 = prefix.parse().ok().filter(|p| *p <= max).ok_or_else(|| {
            format!("'{raw}': the prefix length must be a number from 0 to {max}")
        })?;
        return Ok(AllowEntry::Net {
            addr: addr.to_canonical(),
            prefix,
        });
    }
    if let Ok(addr) = e.parse::<IpAddr>() {
        let addr = addr.to_canonical();
        let prefix = if addr.is_ipv4() { 32 } else { 128 };
        return Ok(AllowEntry::Net { addr, prefix });
    }
    let lower = e.trim_end_matches('.').to_ascii_lowercase();
    let bad = || {
        format!(
            "'{raw}': give a host name (mx.example.com), a suffix (*.example.com or .example.com) or an address range (192.0.2.0/24)"
        )
    };
    if let Some(rest) = lower.strip_prefix("*.") {
        return if is_hostname(rest) {
            Ok(AllowEntry::Below(rest.to_string()))
        } else {
            Err(bad())
        };
    }
    if let Some(rest) = lower.strip_prefix('.') {
        return if is_hostname(rest) {
            Ok(AllowEntry::AtOrBelow(rest.to_string()))
        } else {
            Err(bad())
        };
    }
    if is_hostname(&lower) {
        Ok(AllowEntry::Name(lower))
    } else {
        Err(bad())
    }
}

/// `ip` lies in `net`/`prefix` (both of one family).
fn in_net(ip: IpAddr, net: IpAddr, prefix: u8) -> bool {
    match (ip, net) {
        (IpAddr::V4(a), IpAddr::V4(n)) => {
            let mask = u32::MAX.checked_shl(32 - u32::from(prefix)).unwrap_or(0);
            u32::from(a) & mask == u32::from(n) & mask
        }
        (IpAddr::V6(a), IpAddr::V6(n)) => {
            let mask = u128::MAX.checked_shl(128 - u32::from(prefix)).unwrap_or(0);
            u128::from(a) & mask == u128::from(n) & mask
        }
        _ => false,
    }
}

/// Where a fetch of a URL that a server named (an AIA caIssuers URL) may connect. Loopback,
/// link-local, unspecified, multicast and broadcast addresses and this host's own addresses are
/// never fetched from unless the user mapped the URL's host (`--connect-to`, `--resolve`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FetchPolicy {
    /// Private ranges (10/8, 172.16/12, 192.168/16, 100.64/10, fc00::/7) are fetched from: a
    /// private PKI names its own servers. On for the command line; a service (`serve`) on a
    /// shared network turns it off.
    pub allow_private: bool,
}

impl Default for FetchPolicy {
    fn default() -> Self {
        FetchPolicy {
            allow_private: true,
        }
    }
}

/// A `--connect-to` mapping.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConnectTo {
    pub host: String,
    pub port: u16,
    pub to: SocketAddr,
}

/// Parse `HOST:PORT:ADDR:PORT2` (ADDR may be `[v6]`).
pub fn parse_connect_to(input: &str) -> Result<ConnectTo, String> {
    let usage = || {
        format!("'{input}': expected HOST:PORT:ADDR:PORT2, e.g. ca.example.com:80:127.0.0.1:8080")
    };
    let (host, rest) = input.split_once(':').ok_or_else(usage)?;
    let (port, rest) = rest.split_once(':').ok_or_else(usage)?;
    let (addr, to_port) = rest.rsplit_once(':').ok_or_else(usage)?;
    let addr = addr
        .strip_prefix('[')
        .and_then(|a| a.strip_suffix(']'))
        .unwrap_or(addr);
    let host = host.trim_end_matches('.').to_ascii_lowercase();
    if !is_hostname(&host) {
        return Err(usage());
    }
    Ok(ConnectTo {
        host,
        port: port.parse().map_err(|_| usage())?,
        to: SocketAddr::new(
            addr.parse().map_err(|_| usage())?,
            to_port.parse().map_err(|_| usage())?,
        ),
    })
}

impl Default for CheckOptions {
    fn default() -> Self {
        CheckOptions {
            ehlo_name: default_ehlo_name(),
            mode: None,
            sni: Sni::Default,
            names: Vec::new(),
            trust: TrustBase::Mozilla,
            ca_files: Vec::new(),
            resolve: Vec::new(),
            timeouts: Timeouts::default(),
            expiry_warn_days: 21,
            quick: false,
            scan: crate::model::scan::ScanOptions::default(),
            profiles: Vec::new(),
            truststores: Vec::new(),
            truststore_password: None,
            fetch_aia: true,
            fetch_policy: FetchPolicy::default(),
            connect_to: Vec::new(),
            dns: crate::model::dns::DnsConfig::default(),
            progress: crate::model::progress::Progress::default(),
            connect_policy: ConnectPolicy::default(),
        }
    }
}

/// The EHLO name used when none is given: this machine's host name when it is fully qualified,
/// else `smtp-tls-doctor.invalid` (RFC 2606), which no server can mistake for a real host.
pub fn default_ehlo_name() -> String {
    let from_file = std::fs::read_to_string("/etc/hostname").ok();
    let name = from_file
        .as_deref()
        .map(str::trim)
        .filter(|n| n.contains('.') && n.len() < 200 && is_hostname(n))
        .map(str::to_string);
    name.unwrap_or_else(|| "smtp-tls-doctor.invalid".to_string())
}

/// A syntactically valid DNS host name (letters, digits, hyphens, dots; labels of 1-63).
pub fn is_hostname(s: &str) -> bool {
    let s = s.strip_suffix('.').unwrap_or(s);
    !s.is_empty()
        && s.len() <= 253
        && s.split('.').all(|l| {
            !l.is_empty()
                && l.len() <= 63
                && !l.starts_with('-')
                && !l.ends_with('-')
                && l.bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
        })
}

/// The mode a port implies: 465 is implicit TLS (RFC 8314), every other port STARTTLS.
pub fn mode_for_port(port: u16) -> Mode {
    if port == 465 {
        Mode::ImplicitTls
    } else {
        Mode::Starttls
    }
}

/// Parse `HOST`, `HOST:PORT`, `[V6]:PORT`, `V6` or `V4:PORT`. Port defaults to 25.
pub fn parse_target(input: &str) -> Result<Target, String> {
    let input = input.trim();
    if input.is_empty() {
        return Err("the target is empty: give HOST or HOST:PORT, e.g. mx.example.com:25".into());
    }
    let (host, port) = if let Some(rest) = input.strip_prefix('[') {
        let Some((h, after)) = rest.split_once(']') else {
            return Err(format!("'{input}': missing ']' after the IPv6 address"));
        };
        let port = match after {
            "" => None,
            p => Some(
                p.strip_prefix(':')
                    .ok_or_else(|| format!("'{input}': expected ':PORT' after ']'"))?,
            ),
        };
        (h.to_string(), port.map(str::to_string))
    } else if input.matches(':').count() > 1 {
        // A bare IPv6 address without port.
        (input.to_string(), None)
    } else if let Some((h, p)) = input.split_once(':') {
        (h.to_string(), Some(p.to_string()))
    } else {
        (input.to_string(), None)
    };
    let port =
        match port {
            None => 25,
            Some(p) => p.parse::<u16>().ok().filter(|p| *p != 0).ok_or_else(|| {
                format!("'{input}': the port '{p}' is not a number from 1 to 65535")
            })?,
        };
    let host = host.trim_end_matches('.').to_ascii_lowercase();
    if host.parse::<IpAddr>().is_err() && !is_hostname(&host) {
        return Err(format!(
            "'{input}': '{host}' is neither a host name nor an IP address"
        ));
    }
    Ok(Target { host, port })
}

/// Parse `NAME:ADDR` or curl's `NAME:PORT:ADDR` (ADDR may be `[v6]` or a bare v6 address).
pub fn parse_resolve(input: &str) -> Result<ResolveOverride, String> {
    let usage = || {
        format!("'{input}': expected NAME:ADDR or NAME:PORT:ADDR, e.g. mx.example.com:192.0.2.10")
    };
    let (name, rest) = input.split_once(':').ok_or_else(usage)?;
    let name = name.trim_end_matches('.').to_ascii_lowercase();
    if !is_hostname(&name) {
        return Err(format!("'{input}': '{name}' is not a host name"));
    }
    let parse_addr = |s: &str| -> Option<IpAddr> {
        let s = s
            .strip_prefix('[')
            .and_then(|s| s.strip_suffix(']'))
            .unwrap_or(s);
        s.parse().ok()
    };
    if let Some(addr) = parse_addr(rest) {
        return Ok(ResolveOverride {
            name,
            port: None,
            addr,
        });
    }
    let (port, addr) = rest.split_once(':').ok_or_else(usage)?;
    let port: u16 = port.parse().map_err(|_| usage())?;
    let addr = parse_addr(addr).ok_or_else(usage)?;
    Ok(ResolveOverride {
        name,
        port: Some(port),
        addr,
    })
}

/// A secret the user gave (a trust store's password). Its `Debug` shows no character of it, so
/// it cannot reach a log or a report through a `{:?}`; [`Secret::expose`] is the one way out.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    pub fn new(secret: impl Into<String>) -> Secret {
        Secret(secret.into())
    }

    /// The secret itself, for the one place that needs it (opening the trust store).
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Debug for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Secret(<redacted>)")
    }
}

impl CheckOptions {
    /// The address `--resolve` gives for `host:port`, if any.
    pub fn resolved(&self, host: &str, port: u16) -> Option<SocketAddr> {
        if let Some(c) = self
            .connect_to
            .iter()
            .find(|c| c.host == host && c.port == port)
        {
            return Some(c.to);
        }
        self.resolve
            .iter()
            .find(|r| r.name == host && r.port.is_none_or(|p| p == port))
            .map(|r| SocketAddr::new(r.addr, port))
    }

    /// The mode for a port, honouring an override.
    pub fn mode_for(&self, port: u16) -> Mode {
        self.mode.unwrap_or_else(|| mode_for_port(port))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The whole check's limit: 120 s for a host and 300 s for a domain unless `--deadline`
    /// says otherwise; every phase's limit is cut to what remains, and nothing is left after it.
    #[test]
    fn deadlines_by_default_and_given() {
        assert_eq!(DEADLINE_HOST, Duration::from_secs(120));
        assert_eq!(DEADLINE_DOMAIN, Duration::from_secs(300));
        let long = Duration::from_secs(3600);
        let mut t = Timeouts::default();
        assert_eq!(t.within(long), long, "no deadline before the check starts");
        t.start(DEADLINE_HOST);
        let left = t.within(long);
        assert!(left <= DEADLINE_HOST && left > DEADLINE_HOST - Duration::from_secs(5));
        let mut t = Timeouts::default();
        t.start(DEADLINE_DOMAIN);
        assert!(t.within(long) > DEADLINE_HOST);
        let mut t = Timeouts {
            check: Some(Duration::from_millis(1)),
            ..Timeouts::default()
        };
        t.start(DEADLINE_DOMAIN);
        std::thread::sleep(Duration::from_millis(5));
        assert!(t.expired());
        assert_eq!(t.within(long), Duration::ZERO);
        assert_eq!(t.connect(), Duration::ZERO);
    }

    #[test]
    fn a_secret_never_shows_in_debug() {
        let opts = CheckOptions {
            truststore_password: Some(Secret::new("hunter2-p@ss")),
            ..CheckOptions::default()
        };
        let shown = format!("{opts:?} {opts:#?}");
        assert!(!shown.contains("hunter2"), "{shown}");
        assert!(shown.contains("<redacted>"));
        assert_eq!(
            opts.truststore_password.as_ref().map(Secret::expose),
            Some("hunter2-p@ss")
        );
    }

    #[test]
    fn targets() {
        assert_eq!(
            parse_target("MX.Example.com").unwrap(),
            Target {
                host: "mx.example.com".into(),
                port: 25
            }
        );
        assert_eq!(parse_target("smtp.example.com:587").unwrap().port, 587);
        assert_eq!(
            parse_target("[::1]:465").unwrap(),
            Target {
                host: "::1".into(),
                port: 465
            }
        );
        assert_eq!(parse_target("::1").unwrap().port, 25);
        assert_eq!(parse_target("127.0.0.1:2525").unwrap().host, "127.0.0.1");
        assert!(parse_target("host:0").is_err());
        assert!(parse_target("host:99999").is_err());
        assert!(parse_target("bad host").is_err());
        assert!(parse_target("").is_err());
        assert!(parse_target("[::1").is_err());
    }

    #[test]
    fn resolves() {
        let r = parse_resolve("mx.lab.test:127.0.0.1").unwrap();
        assert_eq!(
            (r.name.as_str(), r.port, r.addr),
            ("mx.lab.test", None, "127.0.0.1".parse().unwrap())
        );
        let r = parse_resolve("mx.lab.test:25:[::1]").unwrap();
        assert_eq!((r.port, r.addr), (Some(25), "::1".parse().unwrap()));
        let r = parse_resolve("mx.lab.test:::1").unwrap();
        assert_eq!(r.addr, "::1".parse::<IpAddr>().unwrap());
        assert!(parse_resolve("mx.lab.test").is_err());
        assert!(parse_resolve("mx.lab.test:x:1.2.3.4").is_err());
    }

    #[test]
    fn allowlists() {
        let l = Allowlist::parse(&[
            "MX.Example.com.",
            "*.lab.test",
            ".example.org",
            "127.0.0.0/8",
            "::1/128",
            "192.0.2.7",
        ])
        .unwrap();
        assert!(l.admits_name("mx.example.com"));
        assert!(l.admits_name("MX.EXAMPLE.COM."));
        assert!(!l.admits_name("example.com"));
        assert!(!l.admits_name("evilmx.example.com"));
        assert!(l.admits_name("mx.lab.test"));
        assert!(l.admits_name("a.b.lab.test"));
        assert!(!l.admits_name("lab.test"));
        assert!(!l.admits_name("evillab.test"));
        assert!(l.admits_name("example.org"));
        assert!(l.admits_name("mx.example.org"));
        assert!(!l.admits_name("notexample.org"));
        assert!(l.admits_address("127.1.2.3".parse().unwrap()));
        assert!(l.admits_address("::ffff:127.0.0.1".parse().unwrap()));
        assert!(l.admits_address("::1".parse().unwrap()));
        assert!(l.admits_address("192.0.2.7".parse().unwrap()));
        assert!(!l.admits_address("192.0.2.8".parse().unwrap()));
        assert!(!l.admits_address("10.0.0.1".parse().unwrap()));
        assert!(!l.admits_name("127.0.0.1"));
        let all = Allowlist::parse(&["0.0.0.0/0"]).unwrap();
        assert!(all.admits_address("203.0.113.9".parse().unwrap()));
        assert!(!all.admits_address("2001:db8::1".parse().unwrap()));
        for bad in [
            "",
            "bad name",
            "10.0.0.0/33",
            "x/8",
            "*.",
            "::1/129",
            "*.-bad",
        ] {
            assert!(Allowlist::parse(&[bad]).is_err(), "{bad}");
        }
    }

    #[test]
    fn modes() {
        assert_eq!(mode_for_port(465), Mode::ImplicitTls);
        assert_eq!(mode_for_port(587), Mode::Starttls);
        assert_eq!(mode_for_port(25), Mode::Starttls);
    }
}
