//! `check --targets` end to end against the lab's bulk world (`lab::bulk`): many mail domains on
//! a few shared MX hosts, broken classes among them (name mismatch, no STARTTLS, a dead address,
//! an MX without address, NXDOMAIN, invalid lines, duplicates, a tarpit), on loopback DNS.
//! Every assertion reads the JSON lines the real binary wrote.

mod common;

use lab::bulk::{BulkSpec, BulkWorld};
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

struct Lab {
    rt: tokio::runtime::Runtime,
    world: Option<BulkWorld>,
    dir: tempfile::TempDir,
}

impl Lab {
    fn start(domains: usize, tarpit: bool) -> Lab {
        let rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .expect("runtime");
        let dir = tempfile::tempdir().expect("tempdir");
        let world = rt
            .block_on(BulkWorld::start(dir.path(), &BulkSpec { domains, tarpit }))
            .expect("start the bulk world");
        let lab = Lab {
            rt,
            world: Some(world),
            dir,
        };
        std::fs::write(lab.targets(), lab.world().targets_text()).expect("write targets");
        lab
    }

    fn world(&self) -> &BulkWorld {
        self.world.as_ref().expect("world")
    }

    fn targets(&self) -> PathBuf {
        self.dir.path().join("targets.txt")
    }

    fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    /// `check --targets FILE` with the world's flags and `extra`.
    fn command(&self, extra: &[&str]) -> Command {
        // A flag in `extra` replaces the world's (clap takes each once).
        let mut world = Vec::new();
        let mut args = self.world().check_args().into_iter();
        while let Some(flag) = args.next() {
            let value = (flag.starts_with("--") && flag != "--no-fetch")
                .then(|| args.next())
                .flatten();
            if !extra.contains(&flag.as_str()) {
                world.push(flag);
                world.extend(value);
            }
        }
        let mut c = Command::new(env!("CARGO_BIN_EXE_smtp-tls-doctor"));
        c.arg("check")
            .arg("--targets")
            .arg(self.targets())
            .args(world)
            .args(extra)
            .stdin(Stdio::null());
        c
    }

    /// The target lines of the list (not blank, not comments).
    fn target_lines(&self) -> BTreeSet<usize> {
        self.world().expected.iter().map(|e| e.line).collect()
    }
}

impl Drop for Lab {
    fn drop(&mut self) {
        if let Some(w) = self.world.take() {
            self.rt.block_on(w.shutdown());
        }
    }
}

fn lines_of(text: &str) -> Vec<Value> {
    text.lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("not JSON ({e}): {l}")))
        .collect()
}

fn read_lines(path: &Path) -> Vec<Value> {
    lines_of(&std::fs::read_to_string(path).expect("read output"))
}

fn line_numbers(lines: &[Value]) -> Vec<usize> {
    lines
        .iter()
        .map(|l| l["line"].as_u64().expect("line number") as usize)
        .collect()
}

fn codes(line: &Value) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    let mut add = |fs: &Value| {
        for f in fs.as_array().into_iter().flatten() {
            if let Some(c) = f["code"].as_str() {
                out.insert(c.to_string());
            }
        }
    };
    add(&line["domain"]["findings"]);
    for e in line["endpoints"].as_array().into_iter().flatten() {
        add(&e["findings"]);
    }
    out
}

fn run(c: &mut Command) -> Output {
    c.output().expect("run smtp-tls-doctor")
}

/// Each line once, each with the status and findings the world expects, the summary agreeing,
/// the exit status 2 (some lines cannot be checked), and every shared MX host observed once
/// however many domains name it.
#[test]
fn every_line_once_with_the_expected_findings() {
    let lab = Lab::start(120, false);
    let before: BTreeMap<String, u64> = lab
        .world()
        .mx_hosts
        .iter()
        .map(|h| (h.clone(), lab.world().connections_to(h).unwrap_or(0)))
        .collect();
    let out = lab.path("out.jsonl");
    let summary = lab.path("summary.json");
    let r = run(&mut lab.command(&[
        "--quick",
        "--output",
        out.to_str().expect("path"),
        "--summary",
        summary.to_str().expect("path"),
    ]));
    let stderr = String::from_utf8_lossy(&r.stderr);
    assert_eq!(r.status.code(), Some(2), "stderr: {stderr}");
    let lines = read_lines(&out);
    let numbers = line_numbers(&lines);
    let unique: BTreeSet<usize> = numbers.iter().copied().collect();
    assert_eq!(unique.len(), numbers.len(), "a line written twice");
    assert_eq!(unique, lab.target_lines(), "one line per target line");
    let by_line: BTreeMap<usize, &Value> = lines
        .iter()
        .map(|l| (l["line"].as_u64().expect("line") as usize, l))
        .collect();
    let mut classes = BTreeSet::new();
    for e in &lab.world().expected {
        let l = by_line[&e.line];
        assert_eq!(l["input"], e.input.as_str());
        assert_eq!(
            l["verdict"]["status"], e.status,
            "line {} ({}, {}): {}",
            e.line, e.input, e.class, l["verdict"]
        );
        let got = codes(l);
        for c in &e.codes {
            assert!(
                got.contains(*c),
                "line {} ({}): {c} missing from {got:?}",
                e.line,
                e.class
            );
        }
        if e.status == "error" && e.codes.is_empty() && l.get("endpoints").is_none() {
            assert!(l["error"]["kind"].is_string(), "{l}");
            assert!(l["error"]["message"].is_string(), "{l}");
        }
        if e.class == "nxdomain" {
            // Checked as a host (no MX); the error says the name does not exist at all.
            let msg = l["error"]["message"].as_str().unwrap_or_default();
            assert!(msg.contains("does not exist (NXDOMAIN)"), "{l}");
        }
        classes.insert(e.class);
    }
    assert!(classes.len() >= 6, "classes: {classes:?}");
    // The summary counts what was written.
    let s: Value =
        serde_json::from_str(&std::fs::read_to_string(&summary).expect("summary")).expect("json");
    assert_eq!(s["lines"].as_u64(), Some(lines.len() as u64));
    let statuses: usize = s["by_status"]
        .as_object()
        .expect("by_status")
        .values()
        .map(|v| v.as_u64().unwrap_or(0) as usize)
        .sum();
    assert_eq!(statuses, lines.len());
    assert!(stderr.contains("Hosts behind most failures"), "{stderr}");
    // With --quick an endpoint takes one connection: each MX host address once in the run.
    for h in &lab.world().mx_hosts {
        let Some(after) = lab.world().connections_to(h) else {
            continue;
        };
        let made = after - before[h];
        let named = lines
            .iter()
            .filter(|l| {
                l["domain"]["mx_results"]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .any(|m| m["host"] == h.as_str())
            })
            .count();
        assert!(
            made <= 2,
            "{h}: {made} connections for {named} domains naming it"
        );
    }
}

/// A domain's line is the report a single `check` of it gives.
#[test]
fn a_line_is_the_single_check_report() {
    let lab = Lab::start(30, false);
    let r = run(&mut lab.command(&[]));
    let lines = lines_of(&String::from_utf8_lossy(&r.stdout));
    let mut seen = BTreeSet::new();
    for e in &lab.world().expected {
        if !seen.insert(e.class) {
            continue;
        }
        let bulk = lines
            .iter()
            .find(|l| l["line"].as_u64() == Some(e.line as u64))
            .expect("line");
        let single = run(Command::new(env!("CARGO_BIN_EXE_smtp-tls-doctor"))
            .arg("check")
            .arg(&e.input)
            .args(lab.world().check_args())
            .arg("--json"));
        if e.status == "error" && bulk.get("endpoints").is_none() {
            // Not checkable at all: the single check refuses it as a usage error.
            assert_eq!(single.status.code(), Some(64), "{}", e.input);
            continue;
        }
        let single: Value = serde_json::from_slice(&single.stdout)
            .unwrap_or_else(|err| panic!("{}: {err}", e.input));
        assert_eq!(bulk["verdict"], single["verdict"], "{}", e.input);
        assert_eq!(codes(bulk), codes(&single), "{}", e.input);
        assert_eq!(bulk["connections"], single["connections"], "{}", e.input);
        assert_eq!(bulk["target"], single["target"], "{}", e.input);
        assert_eq!(
            bulk["endpoints"].as_array().map(Vec::len),
            single["endpoints"].as_array().map(Vec::len),
            "{}",
            e.input
        );
    }
}

/// `--targets -` reads standard input; the lines go to standard output.
#[test]
fn targets_from_standard_input() {
    let lab = Lab::start(12, false);
    let mut c = Command::new(env!("CARGO_BIN_EXE_smtp-tls-doctor"));
    c.args(["check", "--targets", "-", "--quick", "--progress"])
        .args(lab.world().check_args())
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let mut child = c.spawn().expect("spawn");
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(lab.world().targets_text().as_bytes())
        .expect("write stdin");
    let r = child.wait_with_output().expect("wait");
    let lines = lines_of(&String::from_utf8_lossy(&r.stdout));
    let got: BTreeSet<usize> = line_numbers(&lines).into_iter().collect();
    assert_eq!(got, lab.target_lines());
    assert_eq!(lines.len(), got.len());
    // --progress off a terminal: plain progress lines on standard error, the last one complete.
    let stderr = String::from_utf8_lossy(&r.stderr);
    let total = got.len();
    assert!(
        stderr.contains(&format!("progress: {total}/{total} (100%)")),
        "{stderr}"
    );
}

/// The Kubernetes Indexed Job's contract, run as local processes: each index gets
/// SHARD_INDEX, the arguments of deploy/kubernetes/job.yaml with $(SHARD_INDEX) expanded as
/// the kubelet expands it, and the union of the shards' outputs is the whole list, once.
#[test]
fn indexed_job_shards_partition_the_list() {
    let lab = Lab::start(60, false);
    let manifest = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../../deploy/kubernetes/job.yaml"),
    )
    .expect("read the manifest");
    let completions: usize = manifest
        .lines()
        .find_map(|l| l.trim().strip_prefix("completions:"))
        .and_then(|v| v.trim().parse().ok())
        .expect("completions");
    let args: Vec<String> = manifest
        .lines()
        .skip_while(|l| l.trim() != "args:")
        .skip(1)
        .map_while(|l| l.trim().strip_prefix("- "))
        .map(|a| a.trim_matches('"').to_string())
        .collect();
    assert!(
        args.iter()
            .any(|a| a == &format!("$(SHARD_INDEX)/{completions}")),
        "the manifest's --shard must use N = completions: {args:?}"
    );
    let outdir = lab.path("out");
    std::fs::create_dir(&outdir).expect("mkdir");
    let mut children: Vec<Child> = Vec::new();
    for index in 0..completions {
        let args: Vec<String> = args
            .iter()
            .map(|a| {
                a.replace("$(SHARD_INDEX)", &index.to_string())
                    .replace(
                        "/targets/targets.txt",
                        lab.targets().to_str().expect("path"),
                    )
                    .replace("/out/", &format!("{}/", outdir.display()))
            })
            .collect();
        let child = Command::new(env!("CARGO_BIN_EXE_smtp-tls-doctor"))
            .args(&args)
            .args(lab.world().check_args())
            .arg("--quick")
            .env("SHARD_INDEX", index.to_string())
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .expect("spawn");
        children.push(child);
    }
    let mut all: Vec<usize> = Vec::new();
    for (index, child) in children.into_iter().enumerate() {
        let r = child.wait_with_output().expect("wait");
        assert!(
            matches!(r.status.code(), Some(0..=2)),
            "shard {index}: {}",
            String::from_utf8_lossy(&r.stderr)
        );
        let lines = read_lines(&outdir.join(format!("shard-{index}.jsonl")));
        assert!(!lines.is_empty(), "shard {index} is empty");
        all.extend(line_numbers(&lines));
        assert!(outdir.join(format!("summary-{index}.json")).is_file());
    }
    let unique: BTreeSet<usize> = all.iter().copied().collect();
    assert_eq!(unique.len(), all.len(), "a line in two shards");
    assert_eq!(unique, lab.target_lines());
}

/// Waits until `path` holds at least `n` lines (or the child ended).
fn wait_for_lines(path: &Path, n: usize, child: &mut Child) {
    let start = Instant::now();
    while start.elapsed() < Duration::from_secs(60) {
        let have = std::fs::read_to_string(path)
            .map(|t| t.matches('\n').count())
            .unwrap_or(0);
        if have >= n || child.try_wait().ok().flatten().is_some() {
            return;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// Killed with SIGKILL mid-run (and a torn line left at the end), then `--resume`: the output
/// ends with exactly one line per target.
#[test]
fn kill_then_resume_gives_every_line_once() {
    let lab = Lab::start(60, true);
    let out = lab.path("out.jsonl");
    let outs = out.to_str().expect("path");
    // Two at a time, and the tarpits hold a slot for their 3 s deadline: the run is still going
    // when it is killed.
    let mut child = lab
        .command(&[
            "--output",
            outs,
            "--concurrency",
            "2",
            "--deadline",
            "3",
            "--quick",
        ])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("spawn");
    wait_for_lines(&out, 3, &mut child);
    child.kill().expect("SIGKILL");
    let _ = child.wait();
    let first = read_lines(&out).len();
    assert!(
        first < lab.target_lines().len(),
        "the run ended before the kill"
    );
    // A line torn by the kill (a write cut short): resume cuts it off.
    std::fs::OpenOptions::new()
        .append(true)
        .open(&out)
        .and_then(|mut f| f.write_all(b"{\"line\":9999,\"input\":\"torn"))
        .expect("append");
    let r = run(&mut lab.command(&[
        "--output",
        outs,
        "--resume",
        "--deadline",
        "3",
        "--quick",
        "--concurrency",
        "32",
    ]));
    assert!(
        matches!(r.status.code(), Some(1 | 2)),
        "{}",
        String::from_utf8_lossy(&r.stderr)
    );
    let lines = read_lines(&out);
    let numbers = line_numbers(&lines);
    let unique: BTreeSet<usize> = numbers.iter().copied().collect();
    assert_eq!(unique.len(), numbers.len(), "a line written twice");
    assert_eq!(unique, lab.target_lines());
    let stderr = String::from_utf8_lossy(&r.stderr);
    assert!(
        stderr.contains(&format!("({first} from the earlier run)"))
            || stderr.contains("from the earlier run"),
        "{stderr}"
    );
    // Resuming a finished run checks nothing more.
    let again = run(&mut lab.command(&["--output", outs, "--resume", "--quick"]));
    assert_eq!(read_lines(&out).len(), lines.len());
    assert_eq!(again.status.code(), r.status.code());
    // Another list's output is refused, untouched.
    std::fs::write(lab.path("other.txt"), "other.example\n").expect("write");
    let refused = run(Command::new(env!("CARGO_BIN_EXE_smtp-tls-doctor")).args([
        "check",
        "--targets",
        lab.path("other.txt").to_str().expect("path"),
        "--output",
        outs,
        "--resume",
    ]));
    assert_eq!(refused.status.code(), Some(64));
    assert_eq!(read_lines(&out).len(), lines.len());
    // And a new run does not overwrite it.
    let refused = run(&mut lab.command(&["--output", outs]));
    assert_eq!(refused.status.code(), Some(64));
    assert!(String::from_utf8_lossy(&refused.stderr).contains("--resume"));
}

/// Ctrl-C: no new targets, those in flight finished or abandoned within 2 s, the output whole,
/// exit 130; `--resume` then finishes the list.
#[cfg(unix)]
#[test]
fn ctrl_c_stops_cleanly_and_resume_goes_on() {
    let lab = Lab::start(60, true);
    let out = lab.path("out.jsonl");
    let outs = out.to_str().expect("path");
    // The tarpits never answer within this run's patience (30 s): only the stop ends them.
    let mut child = lab
        .command(&[
            "--output",
            outs,
            "--concurrency",
            "4",
            "--banner-timeout",
            "30",
        ])
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn");
    wait_for_lines(&out, 5, &mut child);
    let asked = Instant::now();
    let kill = Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .expect("kill -INT");
    assert!(kill.success());
    let r = child.wait_with_output().expect("wait");
    let took = asked.elapsed();
    let stderr = String::from_utf8_lossy(&r.stderr);
    assert_eq!(r.status.code(), Some(130), "{stderr}");
    assert!(took < Duration::from_secs(10), "stopping took {took:?}");
    assert!(stderr.contains("interrupted"), "{stderr}");
    let first = read_lines(&out);
    assert!(first.len() < lab.target_lines().len());
    let r = run(&mut lab.command(&["--output", outs, "--resume", "--deadline", "3"]));
    assert!(matches!(r.status.code(), Some(1 | 2)));
    let numbers = line_numbers(&read_lines(&out));
    let unique: BTreeSet<usize> = numbers.iter().copied().collect();
    assert_eq!(unique.len(), numbers.len());
    assert_eq!(unique, lab.target_lines());
}

/// A tarpit (accepts, never answers) costs its own deadline, not the run's: the other targets
/// are done meanwhile, and the tarpit's line says why it could not be checked.
#[test]
fn a_tarpit_does_not_stall_the_run() {
    let lab = Lab::start(40, true);
    let r = run(&mut lab.command(&["--deadline", "3", "--quick"]));
    let lines = lines_of(&String::from_utf8_lossy(&r.stdout));
    assert_eq!(
        line_numbers(&lines).into_iter().collect::<BTreeSet<_>>(),
        lab.target_lines()
    );
    let tarpits: Vec<&lab::bulk::Expected> = lab
        .world()
        .expected
        .iter()
        .filter(|e| e.class == "tarpit")
        .collect();
    assert!(!tarpits.is_empty());
    for e in tarpits {
        let l = lines
            .iter()
            .find(|l| l["line"].as_u64() == Some(e.line as u64))
            .expect("tarpit line");
        assert_eq!(l["verdict"]["status"], e.status, "{l}");
        let text = l.to_string();
        assert!(
            text.contains("deadline") || text.contains("timed out") || text.contains("timeout"),
            "{}",
            l["verdict"]
        );
    }
}

/// `--shard K/3` for K = 0, 1, 2 (standard output this time): each line in exactly one shard,
/// duplicates in the shard of their first copy.
#[test]
fn three_shards_partition_the_list() {
    let lab = Lab::start(40, false);
    let mut all: Vec<(usize, String)> = Vec::new();
    for k in 0..3 {
        let r = run(&mut lab.command(&["--quick", "--shard", &format!("{k}/3")]));
        assert!(matches!(r.status.code(), Some(0..=2)));
        let lines = lines_of(&String::from_utf8_lossy(&r.stdout));
        assert!(!lines.is_empty(), "shard {k} is empty");
        all.extend(lines.iter().map(|l| {
            (
                l["line"].as_u64().expect("line") as usize,
                format!("{k}:{}", l["input"].as_str().expect("input")),
            )
        }));
    }
    let numbers: BTreeSet<usize> = all.iter().map(|(n, _)| *n).collect();
    assert_eq!(numbers.len(), all.len(), "a line in two shards");
    assert_eq!(numbers, lab.target_lines());
    // The same input always lands in the same shard.
    let mut shard_of: BTreeMap<String, String> = BTreeMap::new();
    for (_, tagged) in &all {
        let (k, input) = tagged.split_once(':').expect("tag");
        let prev = shard_of.insert(input.to_string(), k.to_string());
        assert!(
            prev.as_deref().is_none_or(|p| p == k),
            "{input} in shards {prev:?} and {k}"
        );
    }
}
