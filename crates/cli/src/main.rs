//! smtp-tls-doctor: why does the TLS connection to this mail server fail, and what do I change?

// Nothing from the network or the user may panic the program: no unwrap/expect, no unchecked
// indexing, no panic! outside tests (`wire` holds the same rule).
#![cfg_attr(
    not(test),
    deny(
        clippy::unwrap_used,
        clippy::expect_used,
        clippy::indexing_slicing,
        clippy::panic
    )
)]

/// `print!` that ends the program quietly when standard output is closed early (`| head`),
/// where `print!` would panic.
macro_rules! out {
    ($($t:tt)*) => {
        $crate::write_out(format_args!($($t)*))
    };
}

/// `println!` with the same care as [`out!`].
macro_rules! outln {
    () => {
        $crate::write_out(format_args!("\n"))
    };
    ($($t:tt)*) => {
        $crate::write_out(format_args!("{}\n", format_args!($($t)*)))
    };
}

/// Writes to standard output; a reader that went away (broken pipe) ends the program with
/// status 0, as it would for a shell tool; another write error ends it with status 2.
fn write_out(args: std::fmt::Arguments<'_>) {
    use std::io::Write;
    let mut o = std::io::stdout().lock();
    if let Err(e) = o.write_fmt(args).and_then(|()| o.flush()) {
        if e.kind() == std::io::ErrorKind::BrokenPipe {
            std::process::exit(0);
        }
        eprintln!("smtp-tls-doctor: cannot write to standard output: {e}");
        std::process::exit(2);
    }
}

mod bulk;
mod capture_pki;
mod client;
mod completions;
#[cfg(feature = "lab")]
mod demo;
mod explain;
mod html_out;
mod progress;
mod serve;

use clap::{Args, Parser, Subcommand, ValueEnum};
use doctor::model::error::Error;
use doctor::model::observation::Mode;
use doctor::model::options::{
    CheckOptions, Secret, Sni, Timeouts, TrustBase, default_ehlo_name, parse_resolve,
};
use doctor::model::report::CheckReport;
use doctor::render::text::{Style, render_text};
use std::io::IsTerminal;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

/// Exit status for a usage error (sysexits.h EX_USAGE).
const EXIT_USAGE: u8 = 64;

/// The end of `--help`: the exit statuses, and the demo when the lab is built in.
const AFTER_HELP: &str = if cfg!(feature = "lab") {
    "Exit status: 0 nothing wrong (or warnings only), 1 problems that make some peer fail,\n2 the check could not be done (unreachable, refused, timed out), 64 usage error.\nWith --targets: 0 every line ok, 1 some line has problems, 2 some line could not be checked,\n130 stopped by Ctrl-C (143 by SIGTERM), 74 the output could not be written.\n\nTry `smtp-tls-doctor demo` to see every diagnosis against the built-in lab of broken servers."
} else {
    "Exit status: 0 nothing wrong (or warnings only), 1 problems that make some peer fail,\n2 the check could not be done (unreachable, refused, timed out), 64 usage error.\nWith --targets: 0 every line ok, 1 some line has problems, 2 some line could not be checked,\n130 stopped by Ctrl-C (143 by SIGTERM), 74 the output could not be written."
};

/// `--version`: the version, the commit built (build.rs) and whether the lab is in.
const VERSION: &str = if cfg!(feature = "lab") {
    concat!(
        env!("CARGO_PKG_VERSION"),
        " (commit ",
        env!("SMTP_TLS_DOCTOR_COMMIT"),
        ", lab built in)"
    )
} else {
    concat!(
        env!("CARGO_PKG_VERSION"),
        " (commit ",
        env!("SMTP_TLS_DOCTOR_COMMIT"),
        ", without the lab)"
    )
};

#[derive(Parser, Debug)]
#[command(
    name = "smtp-tls-doctor",
    version = VERSION,
    about = "Explains why a TLS connection to a mail server fails, and what exactly to change",
    after_help = AFTER_HELP
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Check one mail server: SMTP, STARTTLS, the TLS handshake and the certificate chain.
    Check(Box<CheckArgs>),
    /// List the finding codes, or explain one: why it breaks which peers, and the fix.
    Explain {
        /// A finding code, e.g. chain-incomplete. Without it, all codes are listed.
        code: Option<String>,
    },
    /// List the peer profiles `check --as` can simulate.
    Profiles,
    /// Run the lab of deliberately broken SMTP servers on loopback until Ctrl-C.
    #[cfg(feature = "lab")]
    Lab(LabArgs),
    /// Start the lab and check every scenario in it, a row each as its check ends (no network needed).
    #[cfg(feature = "lab")]
    Demo(DemoArgs),
    /// Run a capture SMTP server for testing a sending application: what its ClientHello offers,
    /// what it negotiates, whether it verifies certificates (--verify-test), what it does in SMTP.
    Client(client::ClientArgs),
    /// Print a completion script for SHELL on standard output (see the README to install it).
    Completions {
        /// The shell the script is for.
        #[arg(value_enum)]
        shell: clap_complete::Shell,
    },
    /// Print the manual page (roff) on standard output, e.g. `smtp-tls-doctor man | man -l -`.
    Man,
    /// Serve the report as a web page, a JSON API and a Prometheus exporter (/probe), fenced:
    /// loopback by default, an allowlist of targets beyond it (docs/serve.md).
    Serve(serve::ServeArgs),
}

#[derive(Args, Debug)]
#[command(group(clap::ArgGroup::new("written_file").args(["export_chain", "html"]).multiple(true)))]
struct CheckArgs {
    /// HOST[:PORT]: a host name or address; port 25 by default. Port 465 means implicit TLS.
    /// Or DOMAIN: a mail domain (a bare name with MX records, or --domain): every MX host.
    #[arg(
        value_name = "HOST[:PORT]|DOMAIN",
        required_unless_present_any = ["from_json", "targets"]
    )]
    target: Option<String>,
    /// Bulk: check every target of FILE (one a line, as TARGET; `-` for standard input; blank
    /// lines and `#` comments skipped) with the other flags, writing one JSON line per target
    /// (docs/bulk.md).
    #[arg(long, value_name = "FILE", conflicts_with_all = ["target", "from_json", "export_chain", "transcript"], help_heading = "Bulk runs")]
    targets: Option<PathBuf>,
    /// With --targets: write the JSON lines to FILE (a new file, or the earlier run's with
    /// --resume) instead of standard output.
    #[arg(
        long,
        value_name = "FILE",
        requires = "targets",
        help_heading = "Bulk runs"
    )]
    output: Option<PathBuf>,
    /// With --targets: go on with the run that wrote --output FILE: the targets it has lines for
    /// are skipped, the others appended.
    #[arg(long, requires = "output", help_heading = "Bulk runs")]
    resume: bool,
    /// With --targets: check only shard K of N (0 <= K < N): the targets whose line hashes to K.
    /// N runs with K = 0..N-1 check every target once.
    #[arg(
        long,
        value_name = "K/N",
        requires = "targets",
        help_heading = "Bulk runs"
    )]
    shard: Option<String>,
    /// With --targets: targets checked at once.
    #[arg(long, value_name = "N", default_value_t = 16, value_parser = clap::value_parser!(u16).range(1..=1024), help_heading = "Bulk runs")]
    concurrency: u16,
    /// With --targets: connections open at once in the whole run (each server address also has
    /// its --max-connections).
    #[arg(long, value_name = "N", default_value_t = 64, value_parser = clap::value_parser!(u16).range(1..=4096), help_heading = "Bulk runs")]
    max_open: u16,
    /// With --targets: show progress on standard error also when it is not a terminal.
    #[arg(long, requires = "targets", help_heading = "Bulk runs")]
    progress: bool,
    /// With --targets: write the summary (counts per verdict, finding and MX host) to FILE as JSON.
    #[arg(
        long,
        value_name = "FILE",
        requires = "targets",
        help_heading = "Bulk runs"
    )]
    summary: Option<PathBuf>,
    /// With --targets: exit 0 when the run went through, whatever the verdicts (for job runners
    /// such as Kubernetes that take any other status for a failed run).
    #[arg(long, requires = "targets", help_heading = "Bulk runs")]
    exit_zero: bool,
    /// Use STARTTLS whatever the port.
    #[arg(long, conflicts_with = "implicit_tls")]
    starttls: bool,
    /// Start TLS at once (as on port 465), whatever the port.
    #[arg(long)]
    implicit_tls: bool,
    /// The name to send with EHLO/HELO [default: this host's FQDN, else smtp-tls-doctor.invalid].
    #[arg(long, value_name = "NAME")]
    ehlo: Option<String>,
    /// Connect to ADDR for NAME (or NAME:PORT:ADDR, like curl); NAME stays the name checked and
    /// sent as SNI. Repeatable.
    #[arg(long, value_name = "NAME:ADDR")]
    resolve: Vec<String>,
    /// A further name the certificate must cover (the MX name a sender checks, the host name
    /// entered in a client or in Gmail's "send mail as"). Repeatable.
    #[arg(long, value_name = "NAME")]
    name: Vec<String>,
    /// Send this name as SNI instead of the host name.
    #[arg(long, value_name = "NAME", conflicts_with = "no_sni")]
    sni: Option<String>,
    /// Send no SNI (as Postfix does by default when it sends mail).
    #[arg(long)]
    no_sni: bool,
    /// Base trust store: Mozilla's roots embedded in the tool, the system's, or none.
    #[arg(long, value_enum, default_value_t = TrustArg::Mozilla)]
    trust: TrustArg,
    /// A PEM file of further trust anchors (e.g. a private CA). Repeatable.
    #[arg(long, value_name = "PEM")]
    ca_file: Vec<PathBuf>,
    /// The client's own trust store, as the client has it: a PEM bundle, PKCS#12 or Java JKS (e.g.
    /// $JAVA_HOME/lib/security/cacerts). It replaces the base store. Repeatable.
    #[arg(long, value_name = "FILE")]
    truststore: Vec<PathBuf>,
    /// The trust store's password (PKCS#12 needs it; JKS uses it for the integrity check). Prefer
    /// the environment variable; `-` asks for it without echo. Without it "changeit" is tried.
    #[arg(
        long,
        value_name = "PASSWORD",
        env = "SMTP_TLS_DOCTOR_TRUSTSTORE_PASSWORD",
        hide_env_values = true
    )]
    truststore_password: Option<String>,
    /// Do not fetch a missing intermediate through its AIA caIssuers URL.
    #[arg(long)]
    no_fetch: bool,
    /// Connect to ADDR:PORT2 for HOST:PORT (like curl's), e.g. for a CA's AIA server. Repeatable.
    #[arg(long, value_name = "HOST:PORT:ADDR:PORT2")]
    connect_to: Vec<String>,
    /// Write the certificates a client lacks (the fetched intermediates that verify as issuers and
    /// lead to a trusted root) to a new FILE as PEM, and print the keytool and bundle commands
    /// that add them.
    #[arg(long, value_name = "FILE")]
    export_chain: Option<PathBuf>,
    /// With --export-chain or --html: replace FILE when it exists (a regular file only; a
    /// symbolic link is never followed).
    #[arg(long, requires = "written_file")]
    force: bool,
    /// Also write the check's Prometheus metrics to FILE (docs/metrics.md), atomically (FILE.tmp
    /// then a rename), e.g. for node_exporter's textfile collector.
    #[arg(long, value_name = "FILE", conflicts_with = "targets")]
    prometheus: Option<PathBuf>,
    /// Also write the report as one self-contained HTML page to a new FILE (docs/html.md).
    #[arg(long, value_name = "FILE", conflicts_with = "targets")]
    html: Option<PathBuf>,
    /// Print the whole result as JSON (see docs/json.md).
    #[arg(long)]
    json: bool,
    /// How much the JSON holds (--json, --targets): full (everything observed and judged), or
    /// summary (verdict, findings with their evidence, what was negotiated, the chain in brief:
    /// a few KB per server; it cannot be judged again with --from-json).
    #[arg(long, value_enum, default_value_t = DetailArg::Full)]
    detail: DetailArg,
    /// Show the SMTP dialogue and every TLS handshake message.
    #[arg(short = 'v', long = "transcript")]
    transcript: bool,
    /// Seconds allowed for the TCP connection.
    #[arg(long, value_name = "SECONDS", default_value = "10")]
    connect_timeout: f64,
    /// Seconds allowed for the greeting (greet delays of tens of seconds exist).
    #[arg(long, value_name = "SECONDS", default_value = "60")]
    banner_timeout: f64,
    /// Seconds allowed for each reply to EHLO, HELO, STARTTLS and QUIT.
    #[arg(long, value_name = "SECONDS", default_value = "30")]
    command_timeout: f64,
    /// Seconds allowed for the TLS handshake.
    #[arg(long, value_name = "SECONDS", default_value = "30")]
    handshake_timeout: f64,
    /// Seconds allowed for the whole check (default 120 for a host, 300 for a mail domain): what
    /// is not measured by then is reported unknown with the reason "deadline".
    #[arg(long, value_name = "SECONDS")]
    deadline: Option<f64>,
    /// Warn when a certificate expires within this many days.
    #[arg(long, value_name = "DAYS", default_value_t = 21)]
    expiry_warn_days: u32,
    /// One modern handshake only: skip the scan of every protocol version, cipher suite and group.
    #[arg(long)]
    quick: bool,
    /// Connections the scan keeps open at once to the server (real MTAs punish bursts).
    #[arg(long, value_name = "N", default_value_t = 4, value_parser = clap::value_parser!(u16).range(1..=64))]
    max_connections: u16,
    /// How often the scan retries a connection refused with 421 or dropped, before it reports
    /// what it could not measure as unknown.
    #[arg(long, value_name = "N", default_value_t = 2, value_parser = clap::value_parser!(u32).range(0..=10))]
    retries: u32,
    /// Seconds to wait before a retry; the Nth retry waits N times as long.
    #[arg(long, value_name = "SECONDS", default_value = "2")]
    retry_wait: f64,
    /// Simulate a peer against this server (repeatable; `all` for every profile; `smtp-tls-doctor
    /// profiles` lists them): would Gmail, Python, Java... connect, and if not, why?
    #[arg(long = "as", value_name = "PROFILE")]
    as_profiles: Vec<String>,
    /// Check TARGET as a mail domain: every MX host (or the implicit MX) on every address,
    /// MTA-STS, DANE/TLSA and TLS-RPT. Without it, a bare name that has MX records is one.
    #[arg(long)]
    domain: bool,
    /// The SMTP port for every MX host of a domain check (and for a HOST given without port).
    #[arg(long, value_name = "PORT", value_parser = clap::value_parser!(u16).range(1..))]
    port: Option<u16>,
    /// Ask this DNS resolver (ADDR or ADDR:PORT, repeatable) instead of the system's.
    #[arg(long = "dns", value_name = "ADDR[:PORT]")]
    dns: Vec<String>,
    /// Validate DNSSEC ourselves (hickory) instead of trusting the resolver's AD bit.
    #[arg(long)]
    dnssec_validate: bool,
    /// DNSSEC trust anchors (a file of DNSKEY records) for --dnssec-validate [default: the root's].
    #[arg(long, value_name = "FILE")]
    trust_anchor: Option<PathBuf>,
    /// Seconds to wait for each DNS answer (two tries per server).
    #[arg(long, value_name = "SECONDS", default_value = "5")]
    dns_timeout: f64,
    /// Diagnose a saved `--json` report again instead of connecting (with this run's trust options).
    #[arg(long, value_name = "FILE", conflicts_with = "target")]
    from_json: Option<PathBuf>,
    /// Colour: auto (only on a terminal, and not with NO_COLOR), always, never.
    #[arg(long, value_enum, default_value_t = ColorArg::Auto)]
    color: ColorArg,
}

#[derive(ValueEnum, Clone, Copy, Debug)]
enum TrustArg {
    Mozilla,
    System,
    None,
}

#[derive(ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
enum DetailArg {
    Full,
    Summary,
}

impl From<DetailArg> for doctor::model::summary::Detail {
    fn from(d: DetailArg) -> Self {
        match d {
            DetailArg::Full => doctor::model::summary::Detail::Full,
            DetailArg::Summary => doctor::model::summary::Detail::Summary,
        }
    }
}

#[derive(ValueEnum, Clone, Copy, Debug)]
enum ColorArg {
    Auto,
    Always,
    Never,
}

#[cfg(feature = "lab")]
#[derive(Args, Debug)]
struct LabArgs {
    /// Address to listen on (loopback only is wise: these servers are broken on purpose).
    #[arg(long, default_value = "127.0.0.1")]
    bind: std::net::IpAddr,
    /// First port; scenario N listens on PORT+N. Default: ports chosen by the system.
    #[arg(long, value_name = "PORT")]
    base_port: Option<u16>,
    /// Directory for the lab's root CA file [default: a new private directory under the temp
    /// dir, removed when the lab stops].
    #[arg(long, value_name = "DIR")]
    dir: Option<PathBuf>,
    /// Start only these scenarios. Repeatable.
    #[arg(long, value_name = "SCENARIO")]
    only: Vec<String>,
    /// Also run the demo's mail domain (demo.lab.test: three MX hosts on 127.0.0.2-4, its
    /// MTA-STS policy server and an authoritative DNS server), to check with `check --dns`.
    #[arg(long)]
    domain: bool,
    /// Instead of the scenarios: N mail domains for bulk checks (`check --targets`), in the zone
    /// bulk.lab.test on a lab DNS server, sharing MX hosts on 127.0.0.150-158 (most good, a
    /// quarter broken: name mismatch, no STARTTLS, dead address, MX without address,
    /// NXDOMAIN), plus invalid, duplicate, comment and blank lines in the targets file. Writes
    /// the targets file, FILE.expected.json (what a correct check reports per line) and
    /// FILE.connections.tsv (TCP connections per MX host, kept up to date), and prints the
    /// check command. At least 10.
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u64).range(10..=1_000_000),
          conflicts_with_all = ["only", "domain", "base_port"])]
    bulk: Option<u64>,
    /// With --bulk: where to write the targets file [default: DIR/targets.txt].
    #[arg(long, value_name = "FILE", requires = "bulk")]
    targets_out: Option<PathBuf>,
    /// With --bulk: also a few domains whose MX accepts TCP and never answers (the printed
    /// command then has --banner-timeout 3).
    #[arg(long, requires = "bulk")]
    tarpit: bool,
}

#[cfg(feature = "lab")]
#[derive(Args, Debug)]
pub struct DemoArgs {
    /// Show the SMTP dialogue and TLS messages in each report.
    #[arg(short = 'v', long = "transcript")]
    transcript: bool,
    /// Check only these scenarios (`domain`: the mail domain), printing their full reports.
    /// Repeatable.
    #[arg(long, value_name = "SCENARIO")]
    only: Vec<String>,
    /// Colour: auto, always, never.
    #[arg(long, value_enum, default_value_t = ColorArg::Auto)]
    color: ColorArg,
    /// Print every scenario's full report, then the table [default: one row per scenario].
    #[arg(long)]
    verbose: bool,
    /// SCENARIO=CODE[,CODE...] (or SCENARIO=OK): expect this instead of the scenario's own
    /// expectation; the tests use it to see a mismatch reported. Repeatable.
    #[arg(long, hide = true, value_name = "SCENARIO=CODES")]
    expect: Vec<String>,
}

fn color_on(c: ColorArg) -> bool {
    match c {
        ColorArg::Always => true,
        ColorArg::Never => false,
        ColorArg::Auto => {
            std::io::stdout().is_terminal()
                && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
        }
    }
}

/// The columns the text report wraps to: `COLUMNS` when set (a number), else the width of the
/// terminal standard output is, else 80.
pub(crate) fn text_width() -> usize {
    std::env::var("COLUMNS")
        .ok()
        .and_then(|v| v.trim().parse::<usize>().ok())
        .filter(|&w| w > 0)
        .or_else(|| {
            terminal_size::terminal_size_of(std::io::stdout())
                .map(|(terminal_size::Width(w), _)| usize::from(w))
        })
        .unwrap_or(80)
}

/// The text report's style for this run: colour as given, the width as [`text_width`] finds it.
#[cfg(feature = "lab")]
pub(crate) fn text_style(color: bool, transcript: bool) -> Style {
    Style {
        color,
        transcript,
        width: text_width(),
    }
}

fn seconds(flag: &str, v: f64) -> Result<Duration, String> {
    if v.is_finite() && v > 0.0 && v <= 3600.0 {
        Ok(Duration::from_secs_f64(v))
    } else {
        Err(format!(
            "--{flag} {v}: give a number of seconds greater than 0 and at most 3600"
        ))
    }
}

fn options(a: &CheckArgs) -> Result<CheckOptions, String> {
    let ehlo_name = match &a.ehlo {
        Some(n)
            if doctor::model::options::is_hostname(n) || n.parse::<std::net::IpAddr>().is_ok() =>
        {
            n.clone()
        }
        Some(n) => return Err(format!("--ehlo '{n}': not a host name")),
        None => default_ehlo_name(),
    };
    let sni = match (&a.sni, a.no_sni) {
        (_, true) => Sni::None,
        (Some(n), _) if doctor::model::options::is_hostname(n) => {
            Sni::Name(n.trim_end_matches('.').to_ascii_lowercase())
        }
        (Some(n), _) => {
            return Err(format!(
                "--sni '{n}': SNI carries a host name (RFC 6066 3), not '{n}'"
            ));
        }
        (None, false) => Sni::Default,
    };
    for n in &a.name {
        if !doctor::model::options::is_hostname(n) && n.parse::<std::net::IpAddr>().is_err() {
            return Err(format!("--name '{n}': not a host name"));
        }
    }
    Ok(CheckOptions {
        ehlo_name,
        mode: if a.starttls {
            Some(Mode::Starttls)
        } else if a.implicit_tls {
            Some(Mode::ImplicitTls)
        } else {
            None
        },
        sni,
        names: a.name.clone(),
        trust: match a.trust {
            TrustArg::Mozilla => TrustBase::Mozilla,
            TrustArg::System => TrustBase::System,
            TrustArg::None => TrustBase::None,
        },
        ca_files: a.ca_file.clone(),
        resolve: a
            .resolve
            .iter()
            .map(|r| parse_resolve(r).map_err(|e| format!("--resolve {e}")))
            .collect::<Result<_, _>>()?,
        timeouts: Timeouts {
            connect: seconds("connect-timeout", a.connect_timeout)?,
            banner: seconds("banner-timeout", a.banner_timeout)?,
            command: seconds("command-timeout", a.command_timeout)?,
            handshake: seconds("handshake-timeout", a.handshake_timeout)?,
            check: a.deadline.map(|d| seconds("deadline", d)).transpose()?,
            deadline: None,
        },
        expiry_warn_days: a.expiry_warn_days,
        quick: a.quick,
        profiles: doctor::judge::simulate::select(&a.as_profiles).map_err(|e| usage_text(&e))?,
        truststores: a.truststore.clone(),
        truststore_password: truststore_password(a)?,
        fetch_aia: !a.no_fetch,
        fetch_policy: doctor::model::options::FetchPolicy::default(),
        connect_to: a
            .connect_to
            .iter()
            .map(|c| {
                doctor::model::options::parse_connect_to(c).map_err(|e| format!("--connect-to {e}"))
            })
            .collect::<Result<_, _>>()?,
        dns: dns_config(a)?,
        progress: Default::default(),
        scan: doctor::model::scan::ScanOptions {
            max_connections: usize::from(a.max_connections),
            retries: a.retries,
            backoff: if a.retry_wait == 0.0 {
                Duration::ZERO
            } else {
                seconds("retry-wait", a.retry_wait)?
            },
        },
        connect_policy: doctor::model::options::ConnectPolicy::default(),
    })
}

/// The trust store's password: from the environment, asked without echo (`-`), or from the
/// command line, where other users can read it (`ps`, shell history): that gets a warning.
fn truststore_password(a: &CheckArgs) -> Result<Option<Secret>, String> {
    const VAR: &str = "SMTP_TLS_DOCTOR_TRUSTSTORE_PASSWORD";
    match a.truststore_password.as_deref() {
        Some("-") => rpassword::prompt_password("Trust store password: ")
            .map(|p| Some(Secret::new(p)))
            .map_err(|e| format!("--truststore-password -: cannot read it: {e}")),
        Some(p) => {
            let from_env = std::env::var(VAR).is_ok_and(|v| v == p);
            if !from_env {
                eprintln!(
                    "smtp-tls-doctor: warning: a password on the command line can be read by other users (ps, shell history); set {VAR} instead, or give --truststore-password - to type it"
                );
            }
            Ok(Some(Secret::new(p)))
        }
        None => Ok(None),
    }
}

fn usage(msg: impl std::fmt::Display) -> ExitCode {
    eprintln!("smtp-tls-doctor: {msg}");
    ExitCode::from(EXIT_USAGE)
}

/// `--dns`, `--dnssec-validate`, `--trust-anchor`, `--dns-timeout`.
fn dns_config(a: &CheckArgs) -> Result<doctor::model::dns::DnsConfig, String> {
    let servers = a
        .dns
        .iter()
        .map(|d| doctor::model::dns::parse_dns_server(d).map_err(|e| format!("--dns {e}")))
        .collect::<Result<Vec<_>, _>>()?;
    if !(a.dns_timeout.is_finite() && a.dns_timeout > 0.0 && a.dns_timeout <= 600.0) {
        return Err(format!(
            "--dns-timeout {}: give seconds between 0 and 600",
            a.dns_timeout
        ));
    }
    let dnssec = if a.dnssec_validate || a.trust_anchor.is_some() {
        if let Some(p) = &a.trust_anchor
            && !p.is_file()
        {
            return Err(format!("--trust-anchor {}: no such file", p.display()));
        }
        doctor::model::dns::DnssecMode::Validate {
            trust_anchor: a.trust_anchor.clone(),
        }
    } else {
        doctor::model::dns::DnssecMode::ResolverAd
    };
    let dns_cfg = doctor::model::dns::DnsConfig {
        servers,
        dnssec,
        timeout: std::time::Duration::from_secs_f64(a.dns_timeout),
        attempts: 2,
    };
    Ok(dns_cfg)
}

/// A setting a hint points at, as the flag that changes it.
fn flag_of(s: doctor::judge::endpoint::Setting) -> String {
    use doctor::judge::endpoint::Setting as S;
    match s {
        S::Resolve => "--resolve NAME:ADDR",
        S::ImplicitTls => "--implicit-tls",
        S::ConnectTimeout => "--connect-timeout",
        S::BannerTimeout => "--banner-timeout",
        S::CommandTimeout => "--command-timeout",
        // The command line sets no connect policy; only `serve` fences addresses.
        S::ConnectPolicy => "the connect policy",
    }
    .to_string()
}

/// A library error in the words of this command line: the flag that gave the value, and what to do.
fn usage_text(e: &Error) -> String {
    match e {
        Error::Target { .. } => e.to_string(),
        Error::NotADomain { input } => format!(
            "--domain '{input}': give a domain name without port, e.g. example.com (use --port for the MX port)"
        ),
        Error::SystemTrust { reason } => format!(
            "--trust system: could not read the system trust store ({reason}); install ca-certificates or use --trust mozilla"
        ),
        Error::CaFile { path, reason } => format!("--ca-file {}: {reason}", path.display()),
        Error::TrustStoreFile { path, reason } => {
            format!("--truststore {}: {reason}", path.display())
        }
        Error::TrustStorePassword { path, reason } => format!(
            "--truststore {}: {reason} (give the password with --truststore-password or SMTP_TLS_DOCTOR_TRUSTSTORE_PASSWORD)",
            path.display()
        ),
        Error::NoSystemResolver { reason } => format!("{reason}; give --dns ADDR"),
        Error::TrustAnchor { path, reason } => {
            format!("--trust-anchor {}: {reason}", path.display())
        }
        Error::Dns { reason } => reason.clone(),
        Error::Profile { id, reason } => {
            format!("--as {id}: {reason} (`smtp-tls-doctor profiles` lists them)")
        }
        Error::SavedReport { reason } => format!("--from-json: the saved report: {reason}"),
        Error::ExportChain { path, reason } => {
            format!("--export-chain {}: {reason}", path.display())
        }
        Error::ExportExists { path } => format!(
            "--export-chain {}: the file exists; nothing written (give --force to replace it)",
            path.display()
        ),
    }
}

async fn run_check(a: CheckArgs) -> ExitCode {
    let started = std::time::Instant::now();
    let opts = match options(&a) {
        Ok(o) => o,
        Err(e) => return usage(e),
    };
    if a.detail == DetailArg::Summary && !a.json && a.targets.is_none() {
        return usage("--detail summary: the text report has one form; give --json (or --targets)");
    }
    if let Some(targets) = a.targets.clone() {
        let args = bulk::BulkArgs {
            targets,
            output: a.output.clone(),
            resume: a.resume,
            shard: a.shard.clone(),
            concurrency: usize::from(a.concurrency),
            max_open: usize::from(a.max_open),
            progress: a.progress,
            summary: a.summary.clone(),
            exit_zero: a.exit_zero,
            detail: a.detail.into(),
            force_domain: a.domain,
            port: a.port,
        };
        return bulk::run(args, opts).await;
    }
    // A file that will not be written is refused before any connection.
    if let Some(path) = &a.export_chain
        && let Err(e) = doctor::check::export_writable(path, a.force)
    {
        return usage(usage_text(&e));
    }
    if let Some(path) = &a.html
        && let Err(e) = html_out::writable(path, a.force)
    {
        return usage(e);
    }
    let result = match (&a.from_json, &a.target) {
        (Some(path), _) => {
            let text = match std::fs::read_to_string(path) {
                Ok(t) => t,
                Err(e) => return usage(format!("--from-json {}: {e}", path.display())),
            };
            if doctor::model::summary::is_summary(&text) {
                return usage(format!(
                    "--from-json {}: a summary (--detail summary) has no observations to judge again; save the report with --detail full (the default) to replay it",
                    path.display()
                ));
            }
            match serde_json::from_str::<CheckReport>(&text) {
                Ok(saved) => doctor::check::replay(saved, &opts),
                Err(e) => {
                    return usage(format!(
                        "--from-json {}: not a smtp-tls-doctor JSON report: {e}",
                        path.display()
                    ));
                }
            }
        }
        (None, Some(t)) => {
            let mut opts = opts.clone();
            let bar = progress::CheckProgress::start(t).map(|(bar, p)| {
                opts.progress = p;
                bar
            });
            let r = doctor::check::run(t, &opts, a.domain, a.port).await;
            if let Some(bar) = bar {
                bar.finish();
            }
            r
        }
        (None, None) => return usage("give HOST[:PORT] or --from-json FILE"),
    };
    let mut report = match result {
        Ok(r) => r,
        Err(e) => return usage(usage_text(&e)),
    };
    // The library's hint names settings in plain words; here they are this command's flags.
    if let Some(e) = report.error.as_mut() {
        e.hint = doctor::judge::endpoint::hint_naming(e.phase, e.kind, &flag_of);
    }
    if let Some(path) = &a.export_chain
        && let Err(e) = export_chain(path, &report, &opts, a.force, &a.truststore)
    {
        eprintln!("smtp-tls-doctor: {}", usage_text(&e));
        return ExitCode::from(match e {
            Error::ExportExists { .. } => EXIT_USAGE,
            _ => 2,
        });
    }
    if let Some(path) = &a.prometheus {
        let metrics = doctor::render::metrics::render_metrics(&report, started.elapsed());
        if let Err(e) = write_atomically(path, &metrics) {
            eprintln!("smtp-tls-doctor: --prometheus {}: {e}", path.display());
            return ExitCode::from(2);
        }
    }
    if let Some(path) = &a.html
        && let Err((exists, e)) = html_out::write(path, &report, a.force)
    {
        eprintln!("smtp-tls-doctor: {e}");
        return ExitCode::from(if exists { EXIT_USAGE } else { 2 });
    }
    if a.json {
        let json = match a.detail {
            DetailArg::Full => serde_json::to_string_pretty(&report),
            DetailArg::Summary => {
                serde_json::to_string_pretty(&doctor::model::summary::summarize(&report))
            }
        };
        match json {
            Ok(s) => outln!("{s}"),
            Err(e) => {
                eprintln!("smtp-tls-doctor: cannot write JSON: {e}");
                return ExitCode::from(2);
            }
        }
    } else {
        out!(
            "{}",
            render_text(
                &report,
                Style {
                    color: color_on(a.color),
                    transcript: a.transcript,
                    width: text_width(),
                }
            )
        );
        // The library notes a name without MX records; the flag that checks it as a domain is ours.
        if report.findings().any(|f| f.code == "no-mx-record") {
            outln!(
                "\n{} has no MX record, so it was checked as one server; `smtp-tls-doctor check --domain {}` checks it as a mail domain (its implicit MX, MTA-STS, DANE, TLS-RPT).",
                report.target.host,
                report.target.host
            );
        }
    }
    ExitCode::from(report.exit_code() as u8)
}

/// Write the fetched certificates a client lacks, and say how to add them to the client's store.
/// Writes FILE.tmp beside FILE, then renames it over FILE: a reader (node_exporter's textfile
/// collector) sees the old file or the new one, never half of one.
fn write_atomically(path: &std::path::Path, text: &str) -> std::io::Result<()> {
    use std::io::Write as _;
    let mut tmp = path.as_os_str().to_owned();
    tmp.push(".tmp");
    let tmp = PathBuf::from(tmp);
    let written = std::fs::File::create(&tmp).and_then(|mut f| {
        f.write_all(text.as_bytes())?;
        f.sync_all()
    });
    match written.and_then(|()| std::fs::rename(&tmp, path)) {
        Ok(()) => Ok(()),
        Err(e) => {
            let _ = std::fs::remove_file(&tmp);
            Err(e)
        }
    }
}

fn export_chain(
    path: &std::path::Path,
    report: &CheckReport,
    opts: &CheckOptions,
    force: bool,
    truststores: &[PathBuf],
) -> Result<(), Error> {
    let count = doctor::check::export_chain(path, report, opts, force)?;
    if count == 0 {
        eprintln!(
            "smtp-tls-doctor: --export-chain: nothing to export (no fetched certificate verifies as a missing issuer on a path to a trusted root); nothing written"
        );
        return Ok(());
    }
    let p = shell_path(path);
    let store = truststores
        .first()
        .map(|t| shell_path(t))
        .unwrap_or_else(|| "\"$JAVA_HOME/lib/security/cacerts\"".into());
    eprintln!(
        "Wrote {count} certificate{} to {p}. To make a client trust them:",
        if count == 1 { "" } else { "s" }
    );
    eprintln!(
        "  Java:    keytool -importcert -trustcacerts -noprompt -alias smtp-tls-doctor-intermediate -file {p} -keystore {store}"
    );
    eprintln!(
        "           (keytool imports one certificate per call: split the file if it holds several)"
    );
    eprintln!("  PEM bundle (Python cafile=, OpenSSL -CAfile): cat {p} >> /path/to/bundle.pem");
    eprintln!(
        "  Better: fix the server so that it sends the intermediate (smtp-tls-doctor explain chain-incomplete)."
    );
    Ok(())
}

/// A path as one word for a POSIX shell ([`shell_word`]); a relative path starting with `-`
/// gets `./` so that no command takes it for an option.
fn shell_path(path: &std::path::Path) -> String {
    #[cfg(unix)]
    let bytes = {
        use std::os::unix::ffi::OsStrExt;
        path.as_os_str().as_bytes().to_vec()
    };
    #[cfg(not(unix))]
    let bytes = path.to_string_lossy().into_owned().into_bytes();
    if bytes.first() == Some(&b'-') {
        let mut dotted = b"./".to_vec();
        dotted.extend_from_slice(&bytes);
        return shell_word(&dotted);
    }
    shell_word(&bytes)
}

/// `bytes` as one word for a POSIX shell: as they are when they hold only characters no shell
/// treats specially; else in single quotes (a `'` inside as `'\''`); and when they hold control
/// characters (which must not reach a terminal raw) or are not UTF-8, as an ANSI-C `$'...'` word
/// (bash, zsh, ksh, recent dash) with those bytes as `\xHH`.
fn shell_word(bytes: &[u8]) -> String {
    let plain = |b: &u8| b.is_ascii_alphanumeric() || b"@%+=:,./_-".contains(b);
    if !bytes.is_empty() && bytes.iter().all(plain) {
        return String::from_utf8_lossy(bytes).into_owned();
    }
    match std::str::from_utf8(bytes) {
        Ok(s) if !s.chars().any(char::is_control) => format!("'{}'", s.replace('\'', "'\\''")),
        _ => {
            let mut out = String::from("$'");
            for chunk in bytes.utf8_chunks() {
                for c in chunk.valid().chars() {
                    match c {
                        '\\' => out.push_str("\\\\"),
                        '\'' => out.push_str("\\'"),
                        c if c.is_control() => {
                            let mut buf = [0u8; 4];
                            for b in c.encode_utf8(&mut buf).bytes() {
                                out.push_str(&format!("\\x{b:02x}"));
                            }
                        }
                        c => out.push(c),
                    }
                }
                for b in chunk.invalid() {
                    out.push_str(&format!("\\x{b:02x}"));
                }
            }
            out.push('\'');
            out
        }
    }
}

#[cfg(feature = "lab")]
async fn run_lab(a: LabArgs) -> ExitCode {
    // Without --dir: a new private directory, kept (with the CA file the table names) while the
    // lab runs and removed when it stops.
    let (dir, _temp) = match a.dir {
        Some(d) => (d, None),
        None => match demo::lab_dir() {
            Ok(t) => (t.path().to_path_buf(), Some(t)),
            Err(e) => {
                eprintln!("smtp-tls-doctor lab: cannot create a temporary directory: {e}");
                return ExitCode::from(2);
            }
        },
    };
    if let Some(n) = a.bulk {
        let Ok(n) = usize::try_from(n) else {
            return usage(format!("--bulk {n}: too many domains"));
        };
        return bulk_lab::run(&dir, n, a.tarpit, a.targets_out).await;
    }
    let mut cfg = lab::LabConfig::new(dir.clone());
    cfg.bind = a.bind;
    cfg.base_port = a.base_port;
    if !a.only.is_empty() {
        if let Err(e) = demo::known_scenarios(&a.only) {
            return usage(e);
        }
        cfg.only = Some(a.only);
    }
    let running = match lab::start(cfg).await {
        Ok(l) => l,
        Err(e) => {
            eprintln!("smtp-tls-doctor lab: {e}");
            return ExitCode::from(2);
        }
    };
    out!("{}", demo::lab_table(&running));
    let world = if a.domain {
        match demo::start_domain_world(&dir).await {
            Ok(w) => {
                outln!("\n{}", w.describe());
                outln!("Check it with:\n  {}", w.command());
                Some(w)
            }
            Err(demo::DomainOutcome::Skipped(why) | demo::DomainOutcome::Failed(why)) => {
                eprintln!("smtp-tls-doctor lab: the mail domain cannot run here: {why}");
                running.shutdown().await;
                return ExitCode::from(2);
            }
            Err(demo::DomainOutcome::Ran { .. }) => None,
        }
    } else {
        None
    };
    outln!("\nThe lab runs until Ctrl-C.");
    let _ = tokio::signal::ctrl_c().await;
    if let Some(w) = world {
        w.shutdown().await;
    }
    running.shutdown().await;
    ExitCode::SUCCESS
}

fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(c) => c,
        Err(e) => {
            let code = match e.kind() {
                clap::error::ErrorKind::DisplayHelp | clap::error::ErrorKind::DisplayVersion => 0,
                clap::error::ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand => EXIT_USAGE,
                _ => EXIT_USAGE,
            };
            let _ = e.print();
            return ExitCode::from(code);
        }
    };
    match cli.command {
        Command::Completions { shell } => return completions::completions(shell),
        Command::Man => return completions::man(),
        _ => {}
    }
    doctor::install_crypto();
    let rt = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("smtp-tls-doctor: cannot start the async runtime: {e}");
            return ExitCode::from(2);
        }
    };
    rt.block_on(async move {
        match cli.command {
            Command::Check(a) => run_check(*a).await,
            Command::Explain { code } => explain::run(code.as_deref()),
            Command::Profiles => explain::profiles(),
            #[cfg(feature = "lab")]
            Command::Lab(a) => run_lab(a).await,
            #[cfg(feature = "lab")]
            Command::Demo(a) => demo::run(color_on(a.color), a).await,
            Command::Client(a) => client::run(a).await,
            Command::Serve(a) => serve::run(a).await,
            Command::Completions { .. } | Command::Man => ExitCode::SUCCESS,
        }
    })
}

#[cfg(test)]
mod tests {
    use super::{shell_path, shell_word};
    use std::path::Path;

    #[test]
    fn shell_words() {
        assert_eq!(shell_word(b"missing.pem"), "missing.pem");
        assert_eq!(shell_word(b"/tmp/a-b_c/x.pem"), "/tmp/a-b_c/x.pem");
        assert_eq!(shell_word(b""), "''");
        assert_eq!(shell_word(b"a b.pem"), "'a b.pem'");
        assert_eq!(shell_word(b"it's.pem"), "'it'\\''s.pem'");
        assert_eq!(shell_word(b"$(rm -rf ~)`x`;|&"), "'$(rm -rf ~)`x`;|&'");
        assert_eq!(shell_word(b"a\nb\x1b[31m"), "$'a\\x0ab\\x1b[31m'");
        assert_eq!(shell_word(b"q'\\\n"), "$'q\\'\\\\\\x0a'");
        assert_eq!(shell_word(b"\xff.pem"), "$'\\xff.pem'");
        assert_eq!(shell_word("é.pem".as_bytes()), "'é.pem'");
        assert_eq!(shell_path(Path::new("-x.pem")), "./-x.pem");
        assert_eq!(shell_path(Path::new("-a b")), "'./-a b'");
    }
}

// `lab --bulk`: declared here, at the end, to keep clear of the module list above.
#[cfg(feature = "lab")]
mod bulk_lab;
