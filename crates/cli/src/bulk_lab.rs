//! `smtp-tls-doctor lab --bulk N`: the many-domain world of [`lab::bulk`], its targets file and
//! expected results on disk, until Ctrl-C (or SIGTERM).

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Duration;

use lab::bulk::{BulkSpec, BulkWorld};

/// How often the connection counts are written to `TARGETS.connections.tsv`.
const CONNECTIONS_EVERY: Duration = Duration::from_millis(500);

/// Writes `text` to `path` through a temporary file and a rename, so that a reader never sees
/// half a file.
fn write_atomic(path: &Path, text: &str) -> std::io::Result<()> {
    let mut tmp = path.as_os_str().to_owned();
    tmp.push(".tmp");
    let tmp = PathBuf::from(tmp);
    std::fs::write(&tmp, text)?;
    std::fs::rename(&tmp, path)
}

/// `FILE` + `suffix` (e.g. targets.txt.expected.json).
fn with_suffix(path: &Path, suffix: &str) -> PathBuf {
    let mut s = path.as_os_str().to_owned();
    s.push(suffix);
    PathBuf::from(s)
}

/// Quotes an argument for a POSIX shell when it needs it.
fn shell_word(s: &str) -> String {
    if !s.is_empty()
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || "-_./:=@,+".contains(c))
    {
        s.to_string()
    } else {
        format!("'{}'", s.replace('\'', "'\\''"))
    }
}

/// Resolves when the lab should stop: Ctrl-C, or SIGTERM on Unix (what a script's `kill`
/// sends).
async fn stop_signal() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        if let Ok(mut term) = signal(SignalKind::terminate()) {
            tokio::select! {
                _ = tokio::signal::ctrl_c() => {}
                _ = term.recv() => {}
            }
            return;
        }
    }
    let _ = tokio::signal::ctrl_c().await;
}

/// Runs the bulk world of `domains` domains with its files under `dir` (targets at
/// `targets_out`, default `dir/targets.txt`) until Ctrl-C or SIGTERM.
pub async fn run(
    dir: &Path,
    domains: usize,
    tarpit: bool,
    targets_out: Option<PathBuf>,
) -> ExitCode {
    let spec = BulkSpec { domains, tarpit };
    let world = match BulkWorld::start(dir, &spec).await {
        Ok(w) => w,
        Err(lab::LabError::Bind { source, .. })
            if source.kind() == std::io::ErrorKind::AddrNotAvailable =>
        {
            eprintln!(
                "smtp-tls-doctor lab: the bulk world cannot run here: {source}; its MX hosts need the loopback addresses 127.0.0.150-158 (on macOS: sudo ifconfig lo0 alias 127.0.0.150 up, and so on)"
            );
            return ExitCode::from(2);
        }
        Err(e) => {
            eprintln!("smtp-tls-doctor lab: cannot start the bulk world: {e}");
            return ExitCode::from(2);
        }
    };
    let targets = targets_out.unwrap_or_else(|| dir.join("targets.txt"));
    let expected = with_suffix(&targets, ".expected.json");
    let connections = with_suffix(&targets, ".connections.tsv");
    // The expected results first: a script that waits for the targets file finds both.
    for (path, text) in [
        (&expected, world.expected_json()),
        (&connections, world.connections_report()),
        (&targets, world.targets_text()),
    ] {
        if let Err(e) = write_atomic(path, &text) {
            eprintln!("smtp-tls-doctor lab: cannot write {}: {e}", path.display());
            world.shutdown().await;
            return ExitCode::from(2);
        }
    }
    let mut command = vec![
        "smtp-tls-doctor".to_string(),
        "check".into(),
        "--targets".into(),
        targets.display().to_string(),
    ];
    command.extend(world.check_args());
    let command: Vec<String> = command.iter().map(|a| shell_word(a)).collect();
    outln!(
        "Bulk lab: {} mail domains in {} ({} target lines), DNS on {}, MX hosts on port {}:",
        domains,
        lab::bulk::ZONE,
        world.expected.len(),
        world.dns.addr,
        world.port
    );
    for host in &world.mx_hosts {
        let class = world.host_class.get(host).map(|c| c.name()).unwrap_or("?");
        let addrs: Vec<String> = world
            .mx
            .addrs(host)
            .iter()
            .map(|a| a.ip().to_string())
            .chain(
                world
                    .tarpit
                    .iter()
                    .filter(|(h, _)| h == host)
                    .map(|(_, a)| a.ip().to_string()),
            )
            .collect();
        let addrs = if addrs.is_empty() {
            "nothing listens".to_string()
        } else {
            addrs.join(", ")
        };
        outln!("  {host:<32} {class:<15} {addrs}");
    }
    outln!("Targets:    {}", targets.display());
    outln!("Expected:   {}", expected.display());
    outln!(
        "Connections per MX host: {} (rewritten every {} ms)",
        connections.display(),
        CONNECTIONS_EVERY.as_millis()
    );
    outln!("Check them with:\n  {}", command.join(" "));
    outln!("\nThe lab runs until Ctrl-C (or SIGTERM).");

    let stop = stop_signal();
    tokio::pin!(stop);
    let mut tick = tokio::time::interval(CONNECTIONS_EVERY);
    let mut last = String::new();
    loop {
        tokio::select! {
            _ = &mut stop => break,
            _ = tick.tick() => {
                let now = world.connections_report();
                if now != last && write_atomic(&connections, &now).is_ok() {
                    last = now;
                }
            }
        }
    }
    let report = world.connections_report();
    let _ = write_atomic(&connections, &report);
    outln!("\nTCP connections accepted per MX host (host, class, count):\n{report}");
    world.shutdown().await;
    ExitCode::SUCCESS
}
