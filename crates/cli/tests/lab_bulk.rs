//! The bulk lab (lab::bulk, `smtp-tls-doctor lab --bulk N`): what it says a correct check reports
//! for each class of target is what a single `check --json` of one target of the class reports,
//! and `lab --bulk` writes its files, prints a command that works, and stops on SIGTERM with the
//! connection counts written. Only loopback is contacted.

mod common;

use std::collections::HashSet;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use common::run;
use lab::bulk::{BulkSpec, BulkWorld, Class};
use serde_json::Value;

/// Every finding code anywhere in a report (the domain's and every endpoint's).
fn all_codes(v: &Value) -> HashSet<String> {
    let mut out = HashSet::new();
    let mut stack = vec![v];
    while let Some(x) = stack.pop() {
        match x {
            Value::Object(m) => {
                for (k, v) in m {
                    if k == "findings" {
                        for f in v.as_array().into_iter().flatten() {
                            if let Some(c) = f["code"].as_str() {
                                out.insert(c.to_string());
                            }
                        }
                    }
                    stack.push(v);
                }
            }
            Value::Array(a) => stack.extend(a),
            _ => {}
        }
    }
    out
}

#[test]
fn one_target_of_each_class_checks_as_expected() {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime");
    let dir = tempfile::tempdir().expect("tempdir");
    let world = rt
        .block_on(BulkWorld::start(
            dir.path(),
            &BulkSpec {
                domains: 20,
                tarpit: true,
            },
        ))
        .expect("start the bulk world");
    let flags = world.check_args();
    let mut seen = HashSet::new();
    for e in &world.expected {
        if !seen.insert(e.class) {
            continue;
        }
        let mut args = vec!["check", "--json", "--quick"];
        args.extend(flags.iter().map(String::as_str));
        args.extend(["--", e.input.as_str()]);
        let r = run(&args);
        if e.class == Class::Invalid.name() {
            // A single check refuses it as a usage error; the bulk mode reports it as an error line.
            assert_eq!(r.code, 64, "{}: {}", e.input, r.stderr);
            continue;
        }
        let v = r.json();
        let status = v["verdict"]["status"].as_str().unwrap_or("?");
        assert_eq!(status, e.status, "{} ({}): {}", e.input, e.class, r.stdout);
        let codes = all_codes(&v);
        for c in &e.codes {
            assert!(
                codes.contains(*c),
                "{} ({}): {c} missing in {codes:?}",
                e.input,
                e.class
            );
        }
        let exit = match e.status {
            "ok" | "warnings" => 0,
            "problems" => 1,
            _ => 2,
        };
        assert_eq!(r.code, exit, "{} ({})", e.input, e.class);
    }
    assert_eq!(seen.len(), Class::ALL.len(), "{seen:?}");
    // The single checks reached the hosts they should: the good hosts and the mismatch host.
    assert!(world.connections_to("mx1.bulk.lab.test").unwrap_or(0) >= 1);
    assert!(
        world
            .connections_to("mx-mismatch.bulk.lab.test")
            .unwrap_or(0)
            >= 1
    );
    assert!(world.connections_to("mx-tarpit.bulk.lab.test").unwrap_or(0) >= 1);
    rt.block_on(world.shutdown());
}

fn wait_for(path: &Path, what: &str) {
    let t0 = Instant::now();
    while !path.exists() {
        assert!(t0.elapsed() < Duration::from_secs(60), "no {what}");
        std::thread::sleep(Duration::from_millis(50));
    }
}

#[test]
fn lab_bulk_writes_its_files_and_stops_on_sigterm() {
    let dir = tempfile::tempdir().expect("tempdir");
    let targets = dir.path().join("t.txt");
    let log = dir.path().join("lab.log");
    let mut child = Command::new(env!("CARGO_BIN_EXE_smtp-tls-doctor"))
        .args(["lab", "--bulk", "10", "--dir"])
        .arg(dir.path())
        .arg("--targets-out")
        .arg(&targets)
        .stdout(std::fs::File::create(&log).expect("log"))
        .stderr(Stdio::inherit())
        .spawn()
        .expect("start the lab");
    wait_for(&targets, "targets file");
    let t0 = Instant::now();
    let command = loop {
        let text = std::fs::read_to_string(&log).unwrap_or_default();
        if let Some(l) = text
            .lines()
            .find(|l| l.starts_with("  smtp-tls-doctor check --targets"))
        {
            break l.to_string();
        }
        assert!(
            t0.elapsed() < Duration::from_secs(30),
            "no command in {text}"
        );
        std::thread::sleep(Duration::from_millis(50));
    };
    let words: Vec<&str> = command.split_whitespace().collect();
    assert_eq!(words.get(3).copied(), targets.to_str());
    let expected: Value = serde_json::from_str(
        &std::fs::read_to_string(dir.path().join("t.txt.expected.json")).expect("expected file"),
    )
    .expect("expected JSON");
    let text = std::fs::read_to_string(&targets).expect("targets");
    let lines: Vec<&str> = text.lines().collect();
    let list = expected.as_array().expect("an array");
    assert!(list.len() >= 10);
    for e in list {
        let line = e["line"].as_u64().expect("line") as usize;
        assert_eq!(lines.get(line - 1).copied(), e["input"].as_str());
    }
    // The printed flags check the first (good) domain.
    let first = list.first().expect("an entry");
    let mut args = vec!["check", "--json", "--quick"];
    args.extend(words.iter().skip(4));
    args.push(first["input"].as_str().expect("input"));
    let r = run(&args);
    assert_eq!(r.code, 0, "{}\n{}", r.stdout, r.stderr);
    assert_eq!(r.json()["verdict"]["status"], first["status"]);

    let killed = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .expect("kill");
    assert!(killed.success());
    let t0 = Instant::now();
    let status = loop {
        if let Some(s) = child.try_wait().expect("wait") {
            break s;
        }
        assert!(
            t0.elapsed() < Duration::from_secs(20),
            "the lab ignores SIGTERM"
        );
        std::thread::sleep(Duration::from_millis(50));
    };
    assert!(status.success(), "{status:?}");
    let conns = std::fs::read_to_string(dir.path().join("t.txt.connections.tsv")).expect("conns");
    let mx1 = conns
        .lines()
        .find(|l| l.starts_with("mx1.bulk.lab.test\t"))
        .expect("mx1 line");
    assert_eq!(mx1, "mx1.bulk.lab.test\tgood\t1", "{conns}");
}
