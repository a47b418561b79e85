//! `client`: a capture SMTP server for testing a real sending application: what it offers in
//! its ClientHello, what it negotiates, whether it verifies certificates, what it does in SMTP.
//! The work is in `doctor::check::capture` (and the layers under it); here: options, certificates, listeners, output.

use crate::capture_pki::{CapturePki, Signer};
use clap::Args;
use doctor::model::capture::{CertKind, WRONG_NAME};
use doctor::model::observation::Mode;
use doctor::observe::capture::ServeParams;
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;
use time::OffsetDateTime;
use tokio::net::{TcpListener, TcpStream};

/// The port `--listen` uses when none is given.
const DEFAULT_PORT: u16 = 2525;

#[derive(Args, Debug)]
pub struct ClientArgs {
    /// Where the capture server listens for SMTP with STARTTLS: ADDR or ADDR:PORT (port 0: any
    /// free port; the one chosen is printed on the first line of stderr).
    #[arg(long, value_name = "ADDR[:PORT]", default_value = "127.0.0.1:2525")]
    listen: String,
    /// Also serve implicit TLS (as on port 465) on this port of the same address (0: any free
    /// port).
    #[arg(long, value_name = "PORT")]
    implicit_port: Option<u16>,
    /// The host name the application connects to: the certificates are made for it.
    #[arg(long, value_name = "NAME", default_value = "localhost")]
    name: String,
    /// Where to write the root CA certificate (PEM) the application must trust [default:
    /// capture-root-ca.pem in a new private directory under the temp dir, removed when the
    /// server stops].
    #[arg(long, value_name = "PATH")]
    ca_out: Option<PathBuf>,
    /// Test whether the application verifies certificates: successive connections get a
    /// certificate for another name, then a self-signed one, then an expired one (and again);
    /// exit status 1 when the application went on (AUTH or MAIL FROM) after accepting one.
    #[arg(long)]
    verify_test: bool,
    /// One JSON object per line on stdout: a "listening" line, then one per connection
    /// (docs/capture.md).
    #[arg(long)]
    json: bool,
    /// Stop after one connection.
    #[arg(long, conflicts_with = "count")]
    once: bool,
    /// Stop after N connections [default: run until Ctrl-C].
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u64).range(1..))]
    count: Option<u64>,
    /// Seconds a client may stay silent (also the limit for its TLS handshake).
    #[arg(long, value_name = "SECONDS", default_value = "60")]
    timeout: f64,
    /// Show each connection's SMTP dialogue (AUTH redacted) in the text report.
    #[arg(short = 'v', long = "transcript")]
    transcript: bool,
}

fn usage(msg: impl std::fmt::Display) -> ExitCode {
    eprintln!("smtp-tls-doctor client: {msg}");
    ExitCode::from(crate::EXIT_USAGE)
}

/// ADDR, ADDR:PORT, [IPv6]:PORT, localhost or localhost:PORT.
fn parse_listen(s: &str) -> Result<SocketAddr, String> {
    if let Ok(a) = s.parse::<SocketAddr>() {
        return Ok(a);
    }
    let bare = s.trim_start_matches('[').trim_end_matches(']');
    if let Ok(ip) = bare.parse::<IpAddr>() {
        return Ok(SocketAddr::new(ip, DEFAULT_PORT));
    }
    let localhost = IpAddr::V4(Ipv4Addr::LOCALHOST);
    match s.split_once(':') {
        None if s.eq_ignore_ascii_case("localhost") => Ok(SocketAddr::new(localhost, DEFAULT_PORT)),
        Some((h, p)) if h.eq_ignore_ascii_case("localhost") => p
            .parse::<u16>()
            .map(|p| SocketAddr::new(localhost, p))
            .map_err(|_| format!("--listen {s}: '{p}' is not a port")),
        _ => Err(format!(
            "--listen {s}: give an IP address, optionally with a port (127.0.0.1:2525, [::1]:2525)"
        )),
    }
}

/// The four server configurations, one per certificate, and the CA to trust.
struct Certs {
    good: Arc<rustls::ServerConfig>,
    wrong_name: Arc<rustls::ServerConfig>,
    self_signed: Arc<rustls::ServerConfig>,
    expired: Arc<rustls::ServerConfig>,
    ca_pem: String,
}

impl Certs {
    fn config(&self, kind: CertKind) -> Arc<rustls::ServerConfig> {
        match kind {
            CertKind::Good => self.good.clone(),
            CertKind::WrongName => self.wrong_name.clone(),
            CertKind::SelfSigned => self.self_signed.clone(),
            CertKind::Expired => self.expired.clone(),
        }
    }
}

/// A fresh CA hierarchy and the four leaves (CPU work: run it off the async threads).
fn make_certs(name: &str) -> Result<Certs, String> {
    let pki = CapturePki::generate().map_err(|e| e.to_string())?;
    let now = OffsetDateTime::now_utc();
    let day = time::Duration::days(1);
    let config = |name: &str, not_before, not_after, signer| {
        let leaf = pki
            .leaf(name, not_before, not_after, signer)
            .map_err(|e| e.to_string())?;
        doctor::observe::capture::server_config(leaf.chain, &leaf.key_pem)
    };
    let (from, until) = (now - day, now + 90 * day);
    Ok(Certs {
        good: config(name, from, until, Signer::Intermediate)?,
        wrong_name: config(WRONG_NAME, from, until, Signer::Intermediate)?,
        self_signed: config(name, from, until, Signer::SelfSigned)?,
        // Ran from 92 days ago until 2 days ago.
        expired: config(name, now - 92 * day, now - 2 * day, Signer::Intermediate)?,
        ca_pem: pki.root_pem().to_string(),
    })
}

/// A new directory under the temp dir, `prefix` and a random suffix, that only this user can
/// enter (0700), removed when the value is dropped.
pub fn private_temp_dir(prefix: &str) -> std::io::Result<tempfile::TempDir> {
    let mut b = tempfile::Builder::new();
    b.prefix(prefix);
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        b.permissions(std::fs::Permissions::from_mode(0o700));
    }
    b.tempdir()
}

async fn accept_on(l: Option<&TcpListener>) -> std::io::Result<(TcpStream, SocketAddr)> {
    match l {
        Some(l) => l.accept().await,
        None => std::future::pending().await,
    }
}

pub async fn run(a: ClientArgs) -> ExitCode {
    let listen = match parse_listen(&a.listen) {
        Ok(l) => l,
        Err(e) => return usage(e),
    };
    let name = a.name.trim_end_matches('.').to_ascii_lowercase();
    if name.parse::<IpAddr>().is_ok() || !doctor::model::options::is_hostname(&name) {
        return usage(format!(
            "--name '{}': give the host name the application connects to (the certificates carry \
             DNS names only; connect with a name such as localhost, not an address)",
            a.name
        ));
    }
    if !(a.timeout.is_finite() && a.timeout > 0.0 && a.timeout <= 3600.0) {
        return usage(format!(
            "--timeout {}: give a number of seconds greater than 0 and at most 3600",
            a.timeout
        ));
    }
    let idle = Duration::from_secs_f64(a.timeout);
    let limit = if a.once { Some(1) } else { a.count };
    // Without --ca-out: a new private directory (mode 0700, an unpredictable name), kept while
    // the server runs and removed when it stops.
    let (ca_out, _ca_dir) = match &a.ca_out {
        Some(p) => (p.clone(), None),
        None => match private_temp_dir("smtp-tls-doctor-client-") {
            Ok(d) => (d.path().join("capture-root-ca.pem"), Some(d)),
            Err(e) => {
                eprintln!("smtp-tls-doctor client: cannot create a temporary directory: {e}");
                return ExitCode::from(2);
            }
        },
    };

    let cert_name = name.clone();
    let certs = match tokio::task::spawn_blocking(move || make_certs(&cert_name)).await {
        Ok(Ok(c)) => c,
        Ok(Err(e)) => {
            eprintln!("smtp-tls-doctor client: cannot make the certificates: {e}");
            return ExitCode::from(2);
        }
        Err(e) => {
            eprintln!("smtp-tls-doctor client: cannot make the certificates: {e}");
            return ExitCode::from(2);
        }
    };
    if let Some(dir) = ca_out.parent().filter(|d| !d.as_os_str().is_empty())
        && let Err(e) = std::fs::create_dir_all(dir)
    {
        eprintln!(
            "smtp-tls-doctor client: cannot create {}: {e}",
            dir.display()
        );
        return ExitCode::from(2);
    }
    if let Err(e) = std::fs::write(&ca_out, &certs.ca_pem) {
        eprintln!(
            "smtp-tls-doctor client: cannot write the CA file {}: {e}",
            ca_out.display()
        );
        return ExitCode::from(2);
    }

    let starttls = match TcpListener::bind(listen).await {
        Ok(l) => l,
        Err(e) => {
            eprintln!("smtp-tls-doctor client: cannot listen on {listen}: {e}");
            return ExitCode::from(2);
        }
    };
    let implicit = match a.implicit_port {
        None => None,
        Some(p) => match TcpListener::bind(SocketAddr::new(listen.ip(), p)).await {
            Ok(l) => Some(l),
            Err(e) => {
                eprintln!(
                    "smtp-tls-doctor client: cannot listen on {}: {e}",
                    SocketAddr::new(listen.ip(), p)
                );
                return ExitCode::from(2);
            }
        },
    };
    let starttls_addr = starttls.local_addr().unwrap_or(listen);
    let implicit_addr = implicit
        .as_ref()
        .and_then(|l| l.local_addr().ok())
        .unwrap_or(listen);

    // The first line of stderr names the bound ports (scripts and tests read it).
    eprintln!(
        "smtp-tls-doctor client: listening on {starttls_addr} (STARTTLS){}",
        if implicit.is_some() {
            format!(" and {implicit_addr} (implicit TLS)")
        } else {
            String::new()
        }
    );
    eprintln!(
        "  certificates for {name}; make the application trust this CA file: {}",
        ca_out.display()
    );
    if a.verify_test {
        eprintln!(
            "  --verify-test: connection 1, 4, 7... get a certificate for {WRONG_NAME}, 2, 5, 8... \
             a self-signed one, 3, 6, 9... an expired one: run the application three times"
        );
    }
    eprintln!(
        "  one connection at a time (others wait); AUTH accepts anything and keeps nothing; \
         messages are accepted and discarded, never relayed; {}",
        match limit {
            Some(1) => "stops after one connection".to_string(),
            Some(n) => format!("stops after {n} connections"),
            None => "Ctrl-C stops".to_string(),
        }
    );
    if a.json {
        let line = serde_json::json!({
            "type": "listening",
            "starttls": starttls_addr.to_string(),
            "implicit_tls": implicit.as_ref().map(|_| implicit_addr.to_string()),
            "name": name,
            "ca_file": ca_out.display().to_string(),
            "verify_test": a.verify_test,
        });
        println!("{line}");
    }

    let servers = std::sync::Arc::new(doctor::judge::capture::server_profiles());
    // Up to MAX_SESSIONS clients are served at once; more wait for a slot with their connection
    // open. Each session ends at the session limit however busy its client keeps it.
    let slots = std::sync::Arc::new(tokio::sync::Semaphore::new(MAX_SESSIONS));
    let mut running: tokio::task::JoinSet<doctor::model::capture::ConnectionReport> =
        tokio::task::JoinSet::new();
    let mut served: u64 = 0;
    let mut not_verifying: u64 = 0;
    loop {
        let accepting = limit.is_none_or(|n| served < n);
        if !accepting && running.is_empty() {
            break;
        }
        let accepted = tokio::select! {
            r = starttls.accept(), if accepting => {
                r.map(|(s, p)| (s, p, Mode::Starttls, starttls_addr))
            }
            r = accept_on(implicit.as_ref()), if accepting => {
                r.map(|(s, p)| (s, p, Mode::ImplicitTls, implicit_addr))
            }
            Some(done) = running.join_next() => {
                let Ok(report) = done else { continue };
                if report
                    .verification
                    .as_ref()
                    .is_some_and(|v| v.result == "does-not-verify")
                {
                    not_verifying += 1;
                }
                print_report(&report, a.json, a.transcript);
                continue;
            }
            _ = tokio::signal::ctrl_c() => break,
        };
        let (stream, peer, mode, local) = match accepted {
            Ok(x) => x,
            Err(e) => {
                eprintln!("smtp-tls-doctor client: accept: {e}");
                tokio::time::sleep(Duration::from_millis(200)).await;
                continue;
            }
        };
        served += 1;
        let certificate = if a.verify_test {
            usize::try_from((served - 1) % 3)
                .ok()
                .and_then(|i| CertKind::VERIFY_CYCLE.get(i).copied())
                .unwrap_or(CertKind::WrongName)
        } else {
            CertKind::Good
        };
        let params = ServeParams {
            number: served,
            mode,
            local,
            peer,
            tls: certs.config(certificate),
            certificate,
            verify_test: a.verify_test,
            hostname: name.clone(),
            idle_timeout: idle,
        };
        let servers = servers.clone();
        let slots = slots.clone();
        running.spawn(async move {
            let _slot = slots.acquire_owned().await.ok();
            doctor::check::capture::serve(stream, &params, &servers).await
        });
    }
    if a.verify_test && not_verifying > 0 {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    }
}

/// Clients served at once by the capture server.
const MAX_SESSIONS: usize = 16;

/// One connection's report: a JSON line, or the text for people.
fn print_report(report: &doctor::model::capture::ConnectionReport, json: bool, transcript: bool) {
    if json {
        match serde_json::to_string(report) {
            Ok(s) => println!("{s}"),
            Err(e) => eprintln!("smtp-tls-doctor client: cannot write JSON: {e}"),
        }
    } else {
        println!(
            "{}",
            doctor::render::capture::render_text(report, transcript)
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn listen_forms() {
        assert_eq!(
            parse_listen("127.0.0.1:0").ok(),
            "127.0.0.1:0".parse::<SocketAddr>().ok()
        );
        assert_eq!(
            parse_listen("127.0.0.1").ok(),
            "127.0.0.1:2525".parse::<SocketAddr>().ok()
        );
        assert_eq!(
            parse_listen("[::1]").ok(),
            "[::1]:2525".parse::<SocketAddr>().ok()
        );
        assert_eq!(
            parse_listen("localhost:2526").ok(),
            "127.0.0.1:2526".parse::<SocketAddr>().ok()
        );
        assert!(parse_listen("mail.example.com").is_err());
        assert!(parse_listen("localhost:x").is_err());
    }
}
