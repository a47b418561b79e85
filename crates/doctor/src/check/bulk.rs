//! Bulk runs (`check --targets FILE`): thousands of targets in one run, each checked as a single
//! `check` would check it, with the work shared ([`Context::bulk`]: one resolver with a cache,
//! each MX endpoint, MTA-STS policy and AIA URL observed once, connection caps per server
//! address and for the whole run).
//!
//! This module holds what does not touch files or the terminal: reading the target list,
//! sharding it, reading back what an earlier run wrote (for `--resume`), running the targets a
//! few at a time, the JSON line of each result and the tally of the summary. The front end
//! writes the lines, shows progress and handles signals.

use crate::check::{Context, run_in};
use crate::model::error::Error;
use crate::model::options::CheckOptions;
use crate::model::report::{CheckReport, MxResult, SCHEMA_VERSION, Status, ToolInfo, Verdict};
use crate::model::summary::{Detail, ReportSummary, summarize};
use futures_util::StreamExt;
use futures_util::stream::FuturesUnordered;
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, HashMap};
use std::future::Future;
use std::time::{Duration, Instant};

/// One target of the list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Target {
    /// 1-based line number in the list.
    pub line: usize,
    /// The line, trimmed.
    pub input: String,
}

/// The targets of a list: one per line, trimmed; blank lines and lines whose first non-space
/// character is `#` are not targets. Everything else is, invalid or not (it gets its line).
pub fn read_targets(text: &str) -> Vec<Target> {
    text.lines()
        .enumerate()
        .filter_map(|(i, l)| {
            let t = l.trim();
            (!t.is_empty() && !t.starts_with('#')).then(|| Target {
                line: i + 1,
                input: t.to_string(),
            })
        })
        .collect()
}

/// `--shard K/N`: this run checks the targets whose input hashes to K of N.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Shard {
    pub index: u64,
    pub count: u64,
}

impl Shard {
    /// Parses `K/N` (0 <= K < N, N >= 1).
    pub fn parse(s: &str) -> Result<Shard, String> {
        let (k, n) = s
            .split_once('/')
            .ok_or_else(|| format!("'{s}': give K/N, e.g. 0/4"))?;
        let index: u64 = k
            .trim()
            .parse()
            .map_err(|_| format!("'{s}': K is not a number"))?;
        let count: u64 = n
            .trim()
            .parse()
            .map_err(|_| format!("'{s}': N is not a number"))?;
        if count == 0 || index >= count {
            return Err(format!(
                "'{s}': K must be between 0 and N-1, and N at least 1"
            ));
        }
        Ok(Shard { index, count })
    }

    /// Whether `target` belongs to this shard.
    pub fn holds(&self, target: &Target) -> bool {
        shard_hash(&target.input) % self.count == self.index
    }
}

/// The stable hash that decides a target's shard: 64-bit FNV-1a of the trimmed line's bytes.
/// It never changes between versions or machines, so that shards written by different
/// processes (or releases) partition the same list the same way, and a duplicate line lands in
/// the shard of its first copy.
pub fn shard_hash(input: &str) -> u64 {
    const OFFSET: u64 = 0xcbf2_9ce4_8422_2325;
    const PRIME: u64 = 0x0000_0100_0000_01b3;
    input
        .trim()
        .bytes()
        .fold(OFFSET, |h, b| (h ^ u64::from(b)).wrapping_mul(PRIME))
}

/// What one line's result amounts to: enough for the exit status and the summary, kept from
/// the lines of an earlier run (`--resume`) as from this run's.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Outcome {
    /// "ok", "warnings", "problems", "error" (as `verdict.status` spells it).
    pub status: String,
    /// The finding codes, each once.
    pub codes: Vec<String>,
    /// The MX hosts (or the host) checked, and whether each failed (not reachable, no
    /// STARTTLS, TLS failing or with problems, or skipped).
    pub hosts: Vec<(String, bool)>,
    /// Why the line could not be checked at all (`error.kind`).
    pub error_kind: Option<String>,
}

fn status_str(s: Status) -> &'static str {
    match s {
        Status::Ok => "ok",
        Status::Warnings => "warnings",
        Status::Problems => "problems",
        Status::Error => "error",
    }
}

impl Outcome {
    /// The outcome of a finished check (or of a target that could not be checked).
    pub fn of(result: &Result<CheckReport, Error>) -> Outcome {
        match result {
            Err(e) => Outcome {
                status: "error".into(),
                codes: Vec::new(),
                hosts: Vec::new(),
                error_kind: Some(e.kind().to_string()),
            },
            Ok(r) => Self::of_report(r),
        }
    }

    fn of_report(r: &CheckReport) -> Outcome {
        Self::of_parts(
            r.findings(),
            r.domain.as_ref().map(|d| d.mx_results.as_slice()),
            &r.target.host,
            r.verdict.status,
        )
    }

    /// The outcome of a summary line (`--detail summary` in the earlier run): the same.
    fn of_summary(r: &ReportSummary) -> Outcome {
        Self::of_parts(
            r.findings(),
            r.domain.as_ref().map(|d| d.mx_results.as_slice()),
            &r.target.host,
            r.verdict.status,
        )
    }

    fn of_parts<'a>(
        findings: impl Iterator<Item = &'a crate::model::finding::Finding>,
        mx_results: Option<&[MxResult]>,
        host: &str,
        status: Status,
    ) -> Outcome {
        let mut codes: Vec<String> = Vec::new();
        for f in findings {
            if !codes.contains(&f.code) {
                codes.push(f.code.clone());
            }
        }
        let hosts = match mx_results {
            Some(mx) => mx
                .iter()
                .map(|m| {
                    let failed =
                        m.skipped.is_some() || m.addresses.iter().any(|a| a.status != "ok");
                    (m.host.clone(), failed)
                })
                .collect(),
            None => vec![(
                host.to_string(),
                matches!(status, Status::Problems | Status::Error),
            )],
        };
        Outcome {
            status: status_str(status).to_string(),
            codes,
            hosts,
            error_kind: None,
        }
    }

    /// The outcome of a line an earlier run wrote; None when it is not one of ours.
    pub fn of_line(json: &str) -> Option<(usize, String, Outcome)> {
        #[derive(Deserialize)]
        struct Head {
            line: usize,
            input: String,
            #[serde(default)]
            error: Option<serde_json::Value>,
        }
        let head: Head = serde_json::from_str(json).ok()?;
        let report = if crate::model::summary::is_summary(json) {
            serde_json::from_str::<ReportSummary>(json).map(|r| Self::of_summary(&r))
        } else {
            serde_json::from_str::<CheckReport>(json).map(|r| Self::of_report(&r))
        };
        let outcome = match report {
            Ok(o) => o,
            Err(_) => Outcome {
                status: "error".into(),
                error_kind: head
                    .error
                    .as_ref()
                    .and_then(|e| e.get("kind"))
                    .and_then(|k| k.as_str())
                    .map(str::to_string)
                    .or(Some("unknown".into())),
                ..Outcome::default()
            },
        };
        Some((head.line, head.input, outcome))
    }
}

/// A line of the output: the check's usual JSON report with the target's `line` and `input`.
#[derive(Serialize)]
struct ReportLine<'a> {
    line: usize,
    input: &'a str,
    #[serde(flatten)]
    report: &'a CheckReport,
}

/// A line of the output in the summary form (`Detail::Summary`).
#[derive(Serialize)]
struct SummaryLine<'a> {
    line: usize,
    input: &'a str,
    #[serde(flatten)]
    report: &'a ReportSummary,
}

/// A line for a target that could not be checked at all.
#[derive(Serialize)]
struct ErrorLine<'a> {
    line: usize,
    input: &'a str,
    schema_version: u32,
    tool: ToolInfo,
    checked_at: String,
    verdict: Verdict,
    error: LineError<'a>,
}

#[derive(Serialize)]
struct LineError<'a> {
    kind: &'a str,
    message: String,
}

/// The JSON line (without its newline) for `target`'s result: the full report.
pub fn line_json(target: &Target, result: &Result<CheckReport, Error>) -> String {
    line_json_with(target, result, Detail::Full)
}

/// [`line_json`] with the report in the form `detail` asks for (a target that could not be
/// checked at all has the same line in both).
pub fn line_json_with(
    target: &Target,
    result: &Result<CheckReport, Error>,
    detail: Detail,
) -> String {
    let text = match (result, detail) {
        (Ok(report), Detail::Full) => serde_json::to_string(&ReportLine {
            line: target.line,
            input: &target.input,
            report,
        }),
        (Ok(report), Detail::Summary) => serde_json::to_string(&SummaryLine {
            line: target.line,
            input: &target.input,
            report: &summarize(report),
        }),
        (Err(e), _) => serde_json::to_string(&ErrorLine {
            line: target.line,
            input: &target.input,
            schema_version: SCHEMA_VERSION,
            tool: ToolInfo {
                name: "smtp-tls-doctor".into(),
                version: env!("CARGO_PKG_VERSION").into(),
            },
            checked_at: time::OffsetDateTime::now_utc()
                .format(&time::format_description::well_known::Rfc3339)
                .unwrap_or_default(),
            verdict: Verdict {
                status: Status::Error,
                code: None,
                text: format!("{}: not checked: {e}", target.input),
            },
            error: LineError {
                kind: e.kind(),
                message: e.to_string(),
            },
        }),
    };
    // Serialising these types cannot fail (string keys, no maps with other keys); should it,
    // the line still says what it is about.
    text.unwrap_or_else(|e| {
        format!(
            "{{\"line\":{},\"input\":{},\"verdict\":{{\"status\":\"error\",\"code\":null,\"text\":\"cannot write the report\"}},\"error\":{{\"kind\":\"internal\",\"message\":{}}}}}",
            target.line,
            serde_json::Value::String(target.input.clone()),
            serde_json::Value::String(e.to_string())
        )
    })
}

/// What an earlier run left in the output file, for `--resume`.
#[derive(Debug, Default)]
pub struct Resumed {
    /// Bytes of the file that hold whole lines; a torn last line (a run killed while writing)
    /// lies beyond and is to be cut off.
    pub keep: usize,
    /// The lines already written: line number -> (input, outcome).
    pub done: BTreeMap<usize, (String, Outcome)>,
}

/// Reads what an earlier run wrote. A line that is not one of ours is an error (the file is not
/// this run's output), except a torn last line without its newline.
pub fn read_resumed(bytes: &[u8]) -> Result<Resumed, String> {
    let keep = bytes.iter().rposition(|b| *b == b'\n').map_or(0, |i| i + 1);
    let mut out = Resumed {
        keep,
        done: BTreeMap::new(),
    };
    for (i, raw) in bytes
        .get(..keep)
        .unwrap_or_default()
        .split(|b| *b == b'\n')
        .enumerate()
    {
        if raw.iter().all(u8::is_ascii_whitespace) {
            continue;
        }
        let text = std::str::from_utf8(raw)
            .map_err(|_| format!("line {} is not UTF-8: not a bulk run's output", i + 1))?;
        let (line, input, outcome) = Outcome::of_line(text).ok_or_else(|| {
            format!(
                "line {} is not a bulk run's JSON line (with \"line\" and \"input\")",
                i + 1
            )
        })?;
        out.done.insert(line, (input, outcome));
    }
    Ok(out)
}

/// Whether the lines of an earlier run belong to this target list: each line number it wrote
/// must hold the same input here.
pub fn check_resumed(resumed: &Resumed, targets: &[Target]) -> Result<(), String> {
    let by_line: HashMap<usize, &str> =
        targets.iter().map(|t| (t.line, t.input.as_str())).collect();
    for (line, (input, _)) in &resumed.done {
        match by_line.get(line) {
            Some(i) if *i == input => {}
            Some(i) => {
                return Err(format!(
                    "the output has line {line} for '{input}', but line {line} of the list is '{i}': it was written for another list"
                ));
            }
            None => {
                return Err(format!(
                    "the output has line {line} ('{input}'), which is not a target of the list: it was written for another list"
                ));
            }
        }
    }
    Ok(())
}

/// How a bulk run goes.
#[derive(Debug, Clone)]
pub struct Settings {
    /// Targets in flight at once.
    pub concurrency: usize,
    /// `--domain`: every target is a mail domain.
    pub force_domain: bool,
    /// `--port`.
    pub port: Option<u16>,
    /// After a stop is asked for, how long the targets in flight may take to finish before they
    /// are abandoned (their lines are not written; `--resume` checks them again).
    pub grace: Duration,
}

/// How the run ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct End {
    /// Targets whose line was written.
    pub written: usize,
    /// Targets in flight when the run stopped, abandoned.
    pub abandoned: usize,
    /// Targets never started because the run stopped.
    pub not_started: usize,
    /// The run was stopped before its end.
    pub stopped: bool,
}

/// Check `targets`, `settings.concurrency` at a time, each with [`run_in`] under `ctx`; hand
/// each result to `done` as it completes (in completion order). When `stop` completes, no
/// further target starts, and those in flight get `settings.grace` to finish. An error from
/// `done` (the output cannot be written) ends the run at once.
pub async fn run_targets<S, D>(
    targets: Vec<Target>,
    opts: &CheckOptions,
    settings: &Settings,
    ctx: &Context,
    stop: S,
    mut done: D,
) -> std::io::Result<End>
where
    S: Future<Output = ()>,
    D: FnMut(&Target, Result<CheckReport, Error>) -> std::io::Result<()>,
{
    let total = targets.len();
    let mut pending = targets.into_iter();
    let mut running = FuturesUnordered::new();
    let mut end = End {
        written: 0,
        abandoned: 0,
        not_started: 0,
        stopped: false,
    };
    let check = |t: Target| async move {
        let r = run_in(&t.input, opts, settings.force_domain, settings.port, ctx).await;
        (t, r)
    };
    tokio::pin!(stop);
    let mut give_up: Option<tokio::time::Instant> = None;
    let mut started = 0usize;
    loop {
        if give_up.is_none() {
            while running.len() < settings.concurrency.max(1) {
                match pending.next() {
                    Some(t) => {
                        started += 1;
                        running.push(check(t));
                    }
                    None => break,
                }
            }
        }
        if running.is_empty() {
            break;
        }
        let deadline =
            give_up.unwrap_or_else(|| tokio::time::Instant::now() + Duration::from_secs(86_400));
        tokio::select! {
            biased;
            _ = &mut stop, if give_up.is_none() => {
                end.stopped = true;
                give_up = Some(tokio::time::Instant::now() + settings.grace);
            }
            next = running.next() => {
                if let Some((t, r)) = next {
                    done(&t, r)?;
                    end.written += 1;
                }
            }
            _ = tokio::time::sleep_until(deadline), if give_up.is_some() => {
                end.abandoned = running.len();
                break;
            }
        }
    }
    end.not_started = total - started;
    Ok(end)
}

/// The summary's tally, line by line.
#[derive(Debug, Default)]
pub struct Tally {
    lines: usize,
    resumed: usize,
    by_status: BTreeMap<String, usize>,
    by_code: HashMap<String, usize>,
    by_error: BTreeMap<String, usize>,
    hosts: HashMap<String, (usize, usize)>,
    started: Option<Instant>,
}

/// The end of a bulk run (`--summary FILE` as JSON; also on standard error in words).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Summary {
    /// Lines in the output (this run's and, with `--resume`, the earlier run's).
    pub lines: usize,
    /// Of which written by an earlier run.
    pub resumed: usize,
    /// Seconds this run took.
    pub elapsed_seconds: f64,
    /// Lines per verdict status ("ok", "warnings", "problems", "error").
    pub by_status: BTreeMap<String, usize>,
    /// Lines with each finding code, most frequent first.
    pub by_code: Vec<CodeCount>,
    /// Lines that could not be checked at all, per error kind.
    pub errors: BTreeMap<String, usize>,
    /// MX hosts (or hosts) by the number of lines on which they failed, most first.
    pub hosts: Vec<HostCount>,
    /// The run was stopped before its end (Ctrl-C): `--resume` goes on.
    pub interrupted: bool,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct CodeCount {
    pub code: String,
    pub lines: usize,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct HostCount {
    pub host: String,
    /// Lines (domains) that name this host.
    pub lines: usize,
    /// Of which the host failed on.
    pub failed: usize,
}

impl Tally {
    pub fn new() -> Tally {
        Tally {
            started: Some(Instant::now()),
            ..Tally::default()
        }
    }

    /// Count one line; `resumed`: written by an earlier run.
    pub fn add(&mut self, o: &Outcome, resumed: bool) {
        self.lines += 1;
        if resumed {
            self.resumed += 1;
        }
        *self.by_status.entry(o.status.clone()).or_default() += 1;
        for c in &o.codes {
            *self.by_code.entry(c.clone()).or_default() += 1;
        }
        if let Some(k) = &o.error_kind {
            *self.by_error.entry(k.clone()).or_default() += 1;
        }
        for (h, failed) in &o.hosts {
            let e = self.hosts.entry(h.clone()).or_default();
            e.0 += 1;
            if *failed {
                e.1 += 1;
            }
        }
    }

    /// Lines counted.
    pub fn count_all(&self) -> usize {
        self.lines
    }

    /// Lines counted with this status.
    pub fn count(&self, status: &str) -> usize {
        self.by_status.get(status).copied().unwrap_or(0)
    }

    /// Lines counted that are not ok (problems or not checked).
    pub fn failures(&self) -> usize {
        self.count("problems") + self.count("error")
    }

    /// 0: every line ok (or warnings only); 1: some line has problems; 2: some line could not be
    /// checked (this wins over 1).
    pub fn exit_code(&self) -> u8 {
        if self.count("error") > 0 {
            2
        } else if self.count("problems") > 0 {
            1
        } else {
            0
        }
    }

    pub fn summary(&self, interrupted: bool) -> Summary {
        let mut by_code: Vec<CodeCount> = self
            .by_code
            .iter()
            .map(|(c, n)| CodeCount {
                code: c.clone(),
                lines: *n,
            })
            .collect();
        by_code.sort_by(|a, b| b.lines.cmp(&a.lines).then(a.code.cmp(&b.code)));
        let mut hosts: Vec<HostCount> = self
            .hosts
            .iter()
            .map(|(h, (n, f))| HostCount {
                host: h.clone(),
                lines: *n,
                failed: *f,
            })
            .collect();
        hosts.sort_by(|a, b| {
            b.failed
                .cmp(&a.failed)
                .then(b.lines.cmp(&a.lines))
                .then(a.host.cmp(&b.host))
        });
        Summary {
            lines: self.lines,
            resumed: self.resumed,
            elapsed_seconds: self.started.map_or(0.0, |s| {
                (s.elapsed().as_secs_f64() * 1000.0).round() / 1000.0
            }),
            by_status: self.by_status.clone(),
            by_code,
            errors: self.by_error.clone(),
            hosts,
            interrupted,
        }
    }
}

impl Summary {
    /// The summary in words, for standard error: counts per verdict, the commonest findings,
    /// the hosts behind most failures (ten of each at most).
    pub fn to_text(&self) -> String {
        use std::fmt::Write;
        let mut s = String::new();
        let st = |k: &str| self.by_status.get(k).copied().unwrap_or(0);
        let _ = writeln!(
            s,
            "{} line{} in {:.1} s{}: {} ok, {} warnings, {} problems, {} not checked{}",
            self.lines,
            if self.lines == 1 { "" } else { "s" },
            self.elapsed_seconds,
            if self.resumed > 0 {
                format!(" ({} from the earlier run)", self.resumed)
            } else {
                String::new()
            },
            st("ok"),
            st("warnings"),
            st("problems"),
            st("error"),
            if self.interrupted {
                " (interrupted)"
            } else {
                ""
            }
        );
        if !self.errors.is_empty() {
            let list: Vec<String> = self
                .errors
                .iter()
                .map(|(k, n)| format!("{k} {n}"))
                .collect();
            let _ = writeln!(s, "Not checkable: {}", list.join(", "));
        }
        if !self.by_code.is_empty() {
            let _ = writeln!(s, "Findings (lines):");
            for c in self.by_code.iter().take(10) {
                let _ = writeln!(
                    s,
                    "  {:>7}  {}",
                    c.lines,
                    crate::render::safe::escape(&c.code)
                );
            }
            if self.by_code.len() > 10 {
                let _ = writeln!(s, "  ... and {} more codes", self.by_code.len() - 10);
            }
        }
        let failing: Vec<&HostCount> = self.hosts.iter().filter(|h| h.failed > 0).collect();
        if !failing.is_empty() {
            let _ = writeln!(s, "Hosts behind most failures (failed on / named by):");
            for h in failing.iter().take(10) {
                let _ = writeln!(
                    s,
                    "  {:>7} / {:<7} {}",
                    h.failed,
                    h.lines,
                    crate::render::safe::escape(&h.host)
                );
            }
            if failing.len() > 10 {
                let _ = writeln!(s, "  ... and {} more hosts", failing.len() - 10);
            }
        }
        s
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn targets_skip_blank_and_comment_lines_and_keep_line_numbers() {
        let t = read_targets("a.example\n\n   # note\n#x\n  b.example:587  \r\nnot valid!\n");
        assert_eq!(
            t,
            vec![
                Target {
                    line: 1,
                    input: "a.example".into()
                },
                Target {
                    line: 5,
                    input: "b.example:587".into()
                },
                Target {
                    line: 6,
                    input: "not valid!".into()
                },
            ]
        );
    }

    #[test]
    fn shards_partition_the_list_and_duplicates_stay_together() {
        let text: String = (0..1000).map(|i| format!("d{i}.example\n")).collect();
        let mut targets = read_targets(&text);
        targets.push(Target {
            line: 1001,
            input: "d7.example".into(),
        });
        let shards: Vec<Shard> = (0..3).map(|k| Shard { index: k, count: 3 }).collect();
        for t in &targets {
            assert_eq!(shards.iter().filter(|s| s.holds(t)).count(), 1, "{t:?}");
        }
        let sizes: Vec<usize> = shards
            .iter()
            .map(|s| targets.iter().filter(|t| s.holds(t)).count())
            .collect();
        assert!(sizes.iter().all(|n| *n > 250), "{sizes:?}");
        let d7 = shards.iter().position(|s| s.holds(&targets[7])).unwrap();
        assert!(shards[d7].holds(&targets[1000]));
        // The hash is fixed for ever: these values are the contract between releases.
        assert_eq!(shard_hash(""), 0xcbf2_9ce4_8422_2325);
        assert_eq!(shard_hash("a"), 0xaf63_dc4c_8601_ec8c);
        assert_eq!(shard_hash("  a "), shard_hash("a"));
    }

    #[test]
    fn shard_syntax() {
        assert_eq!(Shard::parse("2/5"), Ok(Shard { index: 2, count: 5 }));
        assert!(Shard::parse("5/5").is_err());
        assert!(Shard::parse("0/0").is_err());
        assert!(Shard::parse("1").is_err());
        assert!(Shard::parse("a/2").is_err());
    }

    #[test]
    fn resume_keeps_whole_lines_and_cuts_a_torn_one() {
        let t1 = Target {
            line: 3,
            input: "bad name!".into(),
        };
        let e = Error::Target {
            input: "bad name!".into(),
            reason: "not a host name".into(),
        };
        let mut file = line_json(&t1, &Err(e.clone()));
        file.push('\n');
        let whole = file.len();
        file.push_str("{\"line\":4,\"inp");
        let r = read_resumed(file.as_bytes()).unwrap();
        assert_eq!(r.keep, whole);
        assert_eq!(r.done.len(), 1);
        let (input, o) = &r.done[&3];
        assert_eq!(input, "bad name!");
        assert_eq!(o.status, "error");
        assert_eq!(o.error_kind.as_deref(), Some("invalid-target"));
        // Another list's output is refused.
        let other = vec![Target {
            line: 3,
            input: "other".into(),
        }];
        assert!(check_resumed(&r, &other).is_err());
        assert!(check_resumed(&r, std::slice::from_ref(&t1)).is_ok());
        // Not our output at all.
        assert!(read_resumed(b"hello\n").is_err());
        assert_eq!(read_resumed(b"").unwrap().keep, 0);
    }

    #[test]
    fn exit_status_and_summary_order() {
        let mut t = Tally::new();
        let o = |s: &str, codes: &[&str], hosts: &[(&str, bool)]| Outcome {
            status: s.into(),
            codes: codes.iter().map(|c| c.to_string()).collect(),
            hosts: hosts.iter().map(|(h, f)| (h.to_string(), *f)).collect(),
            error_kind: None,
        };
        t.add(&o("ok", &[], &[("mx1", false)]), false);
        assert_eq!(t.exit_code(), 0);
        t.add(&o("warnings", &["x"], &[("mx1", false)]), false);
        assert_eq!(t.exit_code(), 0);
        t.add(&o("problems", &["name-mismatch"], &[("mx2", true)]), true);
        t.add(
            &o(
                "problems",
                &["name-mismatch", "x"],
                &[("mx2", true), ("mx1", false)],
            ),
            false,
        );
        assert_eq!(t.exit_code(), 1);
        t.add(
            &Outcome {
                error_kind: Some("invalid-target".into()),
                ..o("error", &[], &[])
            },
            false,
        );
        assert_eq!(t.exit_code(), 2);
        let s = t.summary(false);
        assert_eq!(s.lines, 5);
        assert_eq!(s.resumed, 1);
        assert_eq!(s.hosts[0].host, "mx2");
        assert_eq!(s.hosts[0].failed, 2);
        assert_eq!(s.hosts[1].host, "mx1");
        assert_eq!(s.hosts[1].lines, 3);
        assert_eq!(s.by_code[0].lines, 2);
        assert_eq!(s.errors["invalid-target"], 1);
        let text = s.to_text();
        assert!(
            text.contains("1 ok, 1 warnings, 2 problems, 1 not checked"),
            "{text}"
        );
    }
}
