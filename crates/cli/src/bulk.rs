//! `check --targets FILE`: the bulk run's files, progress, signals and exit status around
//! `doctor::check::bulk`.

use doctor::check::bulk::{
    Outcome, Resumed, Settings, Shard, Tally, Target, check_resumed, line_json_with, read_resumed,
    read_targets, run_targets,
};
use doctor::model::options::CheckOptions;
use std::fs::File;
use std::io::{IsTerminal, Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::{Duration, Instant};

/// Exit status after Ctrl-C (128 + SIGINT), as shells report it.
const EXIT_INTERRUPTED: u8 = 130;
/// Exit status after SIGTERM (128 + SIGTERM): a Kubernetes pod being stopped.
const EXIT_TERMINATED: u8 = 143;
/// The output (or the summary file) cannot be written (sysexits.h EX_IOERR).
const EXIT_IO: u8 = 74;
/// After Ctrl-C, the targets in flight get this long to finish.
const GRACE: Duration = Duration::from_secs(2);

/// What the bulk run was asked for (the check flags are in `opts`).
pub struct BulkArgs {
    pub targets: PathBuf,
    pub output: Option<PathBuf>,
    pub resume: bool,
    pub shard: Option<String>,
    pub concurrency: usize,
    pub max_open: usize,
    pub progress: bool,
    pub summary: Option<PathBuf>,
    pub exit_zero: bool,
    /// The form of each line's report.
    pub detail: doctor::model::summary::Detail,
    pub force_domain: bool,
    pub port: Option<u16>,
}

/// Where the lines go.
enum Sink {
    Stdout,
    File(File),
}

impl Sink {
    /// One whole line, in one write, flushed.
    fn line(&mut self, text: &str) -> std::io::Result<()> {
        let mut buf = Vec::with_capacity(text.len() + 1);
        buf.extend_from_slice(text.as_bytes());
        buf.push(b'\n');
        match self {
            Sink::Stdout => {
                let mut o = std::io::stdout().lock();
                o.write_all(&buf)?;
                o.flush()
            }
            Sink::File(f) => f.write_all(&buf),
        }
    }

    fn finish(&mut self) -> std::io::Result<()> {
        match self {
            Sink::Stdout => std::io::stdout().lock().flush(),
            Sink::File(f) => f.sync_data(),
        }
    }
}

fn fail(msg: impl std::fmt::Display) -> ExitCode {
    eprintln!("smtp-tls-doctor: {msg}");
    ExitCode::from(crate::EXIT_USAGE)
}

/// The list: a file, or standard input for `-`.
fn read_list(path: &Path) -> std::io::Result<String> {
    let mut bytes = Vec::new();
    if path == Path::new("-") {
        std::io::stdin().lock().read_to_end(&mut bytes)?;
    } else {
        File::open(path)?.read_to_end(&mut bytes)?;
    }
    Ok(String::from_utf8_lossy(&bytes).into_owned())
}

/// The output file: new (an existing non-empty file is refused, so that no earlier results are
/// lost), or with `--resume` the earlier run's file cut after its last whole line.
fn open_output(path: &Path, resume: bool) -> Result<(File, Resumed), String> {
    let mut f = std::fs::OpenOptions::new()
        .read(true)
        .append(true)
        .create(true)
        .open(path)
        .map_err(|e| format!("--output {}: {e}", path.display()))?;
    let mut bytes = Vec::new();
    f.read_to_end(&mut bytes)
        .map_err(|e| format!("--output {}: cannot read it: {e}", path.display()))?;
    if !resume {
        if !bytes.is_empty() {
            return Err(format!(
                "--output {}: the file exists and is not empty; give --resume to go on with that run, or another file",
                path.display()
            ));
        }
        return Ok((f, Resumed::default()));
    }
    let resumed = read_resumed(&bytes)
        .map_err(|e| format!("--resume: {}: {e}; nothing was changed", path.display()))?;
    if resumed.keep < bytes.len() {
        f.set_len(resumed.keep as u64)
            .and_then(|()| f.seek(SeekFrom::End(0)).map(|_| ()))
            .map_err(|e| {
                format!(
                    "--resume: {}: cannot cut the torn last line: {e}",
                    path.display()
                )
            })?;
    }
    Ok((f, resumed))
}

/// Ctrl-C or SIGTERM, whichever comes first; the status to end with.
async fn stop_signal() -> u8 {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        if let Ok(mut term) = signal(SignalKind::terminate()) {
            return tokio::select! {
                _ = tokio::signal::ctrl_c() => EXIT_INTERRUPTED,
                _ = term.recv() => EXIT_TERMINATED,
            };
        }
    }
    let _ = tokio::signal::ctrl_c().await;
    EXIT_INTERRUPTED
}

/// Progress on standard error: a bar on a terminal; with `--progress` elsewhere, a plain line
/// every few seconds.
enum Progress {
    Off,
    Bar(indicatif::ProgressBar),
    Lines { last: Instant, every: Duration },
}

impl Progress {
    fn new(total: usize, asked: bool) -> Progress {
        let tty = std::io::stderr().is_terminal();
        if tty {
            let bar = indicatif::ProgressBar::with_draw_target(
                Some(total as u64),
                indicatif::ProgressDrawTarget::stderr(),
            );
            let style = indicatif::ProgressStyle::with_template("{bar:30} {pos}/{len} {msg}");
            if let Ok(s) = style {
                bar.set_style(s);
            }
            Progress::Bar(bar)
        } else if asked {
            Progress::Lines {
                last: Instant::now(),
                every: Duration::from_secs(5),
            }
        } else {
            Progress::Off
        }
    }

    fn update(&mut self, done: usize, total: usize, failures: usize, started: Instant) {
        match self {
            Progress::Off => {}
            Progress::Bar(b) => {
                let (rate, eta) = rate_eta(done, total, started);
                b.set_message(format!("{rate:.1}/s, ETA {eta}, {failures} failing"));
                b.set_position(done as u64);
            }
            Progress::Lines { last, every } => {
                if last.elapsed() < *every && done < total {
                    return;
                }
                *last = Instant::now();
                let (rate, eta) = rate_eta(done, total, started);
                eprintln!(
                    "progress: {done}/{total} ({:.0}%), {rate:.1}/s, ETA {eta}, {failures} failing",
                    if total == 0 {
                        100.0
                    } else {
                        done as f64 * 100.0 / total as f64
                    }
                );
            }
        }
    }

    fn finish(&self) {
        if let Progress::Bar(b) = self {
            b.finish_and_clear();
        }
    }
}

/// Lines per second so far, and the time left at that rate.
fn rate_eta(done: usize, total: usize, started: Instant) -> (f64, String) {
    let secs = started.elapsed().as_secs_f64().max(0.001);
    let rate = done as f64 / secs;
    let eta = if rate > 0.0 {
        format!("{:.0} s", (total - done.min(total)) as f64 / rate)
    } else {
        "?".into()
    };
    (rate, eta)
}

pub async fn run(args: BulkArgs, opts: CheckOptions) -> ExitCode {
    // Mistakes in the trust options stop the run before any line is written.
    if let Err(e) = doctor::check::load_trust(&opts) {
        return fail(crate::usage_text(&e));
    }
    let shard = match args.shard.as_deref().map(Shard::parse).transpose() {
        Ok(s) => s,
        Err(e) => return fail(format!("--shard {e}")),
    };
    let list = match read_list(&args.targets) {
        Ok(t) => t,
        Err(e) => {
            return fail(format!(
                "--targets {}: cannot read it: {e}",
                args.targets.display()
            ));
        }
    };
    let mut targets: Vec<Target> = read_targets(&list);
    drop(list);
    if let Some(s) = shard {
        targets.retain(|t| s.holds(t));
    }
    let (mut sink, resumed) = match &args.output {
        Some(p) => match open_output(p, args.resume) {
            Ok((f, r)) => (Sink::File(f), r),
            Err(e) => return fail(e),
        },
        None => (Sink::Stdout, Resumed::default()),
    };
    if let Err(e) = check_resumed(&resumed, &targets) {
        return fail(format!(
            "--resume: {}: {e}; nothing was changed",
            args.output
                .as_deref()
                .map(|p| p.display().to_string())
                .unwrap_or_default()
        ));
    }
    let mut tally = Tally::new();
    for (_, o) in resumed.done.values() {
        tally.add(o, true);
    }
    targets.retain(|t| !resumed.done.contains_key(&t.line));
    let total = tally.count_all() + targets.len();

    let ctx = doctor::check::Context::bulk(&opts, args.max_open);
    let settings = Settings {
        concurrency: args.concurrency,
        force_domain: args.force_domain,
        port: args.port,
        grace: GRACE,
    };
    let started = Instant::now();
    let mut progress = Progress::new(total, args.progress);
    progress.update(tally.count_all(), total, tally.failures(), started);
    let (stop_tx, stop_rx) = tokio::sync::oneshot::channel::<u8>();
    let signals = tokio::spawn(async move {
        let code = stop_signal().await;
        let _ = stop_tx.send(code);
    });
    let mut stop_code: Option<u8> = None;
    let stop = async {
        if let Ok(code) = stop_rx.await {
            eprintln!(
                "\nsmtp-tls-doctor: stopping: no new targets; those in flight get {} s",
                GRACE.as_secs()
            );
            stop_code = Some(code);
        }
    };
    let end = run_targets(targets, &opts, &settings, &ctx, stop, |t, mut r| {
        if let Ok(report) = r.as_mut()
            && let Some(e) = report.error.as_mut()
        {
            e.hint = doctor::judge::endpoint::hint_naming(e.phase, e.kind, &crate::flag_of);
        }
        let line = line_json_with(t, &r, args.detail);
        sink.line(&line)?;
        tally.add(&Outcome::of(&r), false);
        progress.update(tally.count_all(), total, tally.failures(), started);
        Ok(())
    })
    .await;
    signals.abort();
    progress.finish();
    let flushed = sink.finish();
    let end = match end.and_then(|e| flushed.map(|()| e)) {
        Ok(e) => e,
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => return ExitCode::SUCCESS,
        Err(e) => {
            eprintln!(
                "smtp-tls-doctor: cannot write the output ({}): {e}; the lines written so far are whole, --resume goes on",
                args.output
                    .as_deref()
                    .map(|p| p.display().to_string())
                    .unwrap_or_else(|| "standard output".into())
            );
            return ExitCode::from(EXIT_IO);
        }
    };
    let summary = tally.summary(end.stopped);
    eprint!("{}", summary.to_text());
    if end.stopped {
        eprintln!(
            "{} in flight abandoned, {} not started{}",
            end.abandoned,
            end.not_started,
            if args.output.is_some() {
                "; run again with --resume to check them"
            } else {
                ""
            }
        );
    }
    if let Some(p) = &args.summary {
        let text = serde_json::to_string_pretty(&summary).unwrap_or_default();
        if let Err(e) = std::fs::write(p, text + "\n") {
            eprintln!("smtp-tls-doctor: --summary {}: {e}", p.display());
            return ExitCode::from(EXIT_IO);
        }
    }
    match stop_code {
        Some(c) if end.stopped => ExitCode::from(c),
        _ if args.exit_zero => ExitCode::SUCCESS,
        _ => ExitCode::from(tally.exit_code()),
    }
}
