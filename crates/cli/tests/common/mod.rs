//! Test harness: the lab started once per test binary, and the real binary run against it;
//! what the machine has (`host`: programs, root, loud skips) and the DNS harness (`dns`).
#![allow(dead_code)]

pub mod dns;
pub mod host;
pub mod web;

#[allow(unused_imports)]
pub use host::{Need, promtool_accepts, require, skip};

use serde_json::Value;
use std::collections::HashMap;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::Command;
use std::sync::OnceLock;
use std::time::Duration;

pub struct LabHandle {
    pub host: String,
    pub ca_file: PathBuf,
    pub addrs: HashMap<String, SocketAddr>,
    pub untrusted_ca_file: PathBuf,
}

/// The lab, started once for the whole test binary on a runtime of its own.
pub fn lab() -> &'static LabHandle {
    static LAB: OnceLock<LabHandle> = OnceLock::new();
    LAB.get_or_init(|| {
        let (tx, rx) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            let rt = match tokio::runtime::Builder::new_multi_thread()
                .worker_threads(2)
                .enable_all()
                .build()
            {
                Ok(rt) => rt,
                Err(e) => {
                    let _ = tx.send(Err(format!("runtime: {e}")));
                    return;
                }
            };
            // The lab lives in a static until the process exits, so no Drop removes its
            // directory: it goes at exit.
            let dir = match tempfile::Builder::new()
                .prefix("smtp-tls-doctor-test-lab-")
                .tempdir()
            {
                Ok(d) => d.keep(),
                Err(e) => {
                    let _ = tx.send(Err(format!("temp dir: {e}")));
                    return;
                }
            };
            host::remove_at_exit(dir.clone());
            rt.block_on(async move {
                let mut cfg = lab::LabConfig::new(dir.clone());
                cfg.banner_delay = Duration::from_millis(1500);
                match lab::start(cfg).await {
                    Ok(l) => {
                        let handle = LabHandle {
                            host: l.host.clone(),
                            ca_file: l.ca_file.clone(),
                            untrusted_ca_file: dir.join("lab-untrusted-root-ca.pem"),
                            addrs: l
                                .endpoints
                                .iter()
                                .map(|e| (e.scenario.name.to_string(), e.addr))
                                .collect(),
                        };
                        let _ = tx.send(Ok(handle));
                        // Keep the lab alive as long as the test binary runs.
                        std::future::pending::<()>().await;
                        drop(l);
                    }
                    Err(e) => {
                        let _ = tx.send(Err(format!("lab: {e}")));
                    }
                }
            });
        });
        match rx.recv() {
            Ok(Ok(h)) => h,
            Ok(Err(e)) => panic!("cannot start the lab: {e}"),
            Err(e) => panic!("the lab thread died: {e}"),
        }
    })
}

pub struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

impl Run {
    pub fn json(&self) -> Value {
        serde_json::from_str(&self.stdout).unwrap_or_else(|e| {
            panic!(
                "stdout is not JSON ({e}):\n{}\nstderr:\n{}",
                self.stdout, self.stderr
            )
        })
    }
}

/// Run the real binary.
pub fn run(args: &[&str]) -> Run {
    let out = Command::new(env!("CARGO_BIN_EXE_smtp-tls-doctor"))
        .args(args)
        .env("NO_COLOR", "1")
        .output()
        .expect("run smtp-tls-doctor");
    Run {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

/// `check` against a lab scenario, with the lab's CA and name resolution, plus `extra` arguments.
pub fn check_scenario(scenario: &str, extra: &[&str]) -> Run {
    let l = lab();
    let addr = l
        .addrs
        .get(scenario)
        .unwrap_or_else(|| panic!("no lab scenario {scenario}"));
    let target = format!("{}:{}", l.host, addr.port());
    let resolve = format!("{}:{}", l.host, addr.ip());
    let ca = l.ca_file.to_string_lossy().into_owned();
    let mut args = vec![
        "check",
        target.as_str(),
        "--resolve",
        resolve.as_str(),
        "--ca-file",
        ca.as_str(),
    ];
    // The busy scenarios refuse some connections: retry soon, unless `extra` says otherwise.
    if !extra.contains(&"--retry-wait") {
        args.extend(["--retry-wait", "0.5"]);
    }
    // Short time limits (the hostile scenarios wait for them), unless `extra` sets its own.
    for flag in [
        "--banner-timeout",
        "--command-timeout",
        "--handshake-timeout",
    ] {
        if !extra.contains(&flag) {
            args.extend([flag, "3"]);
        }
    }
    let implicit = lab::scenarios()
        .iter()
        .any(|s| s.name == scenario && s.mode == lab::Mode::Implicit);
    if implicit && !extra.contains(&"--starttls") {
        args.push("--implicit-tls");
    }
    // The lab's certificates name http://ca.lab.test/ as caIssuers: never look that up in the
    // system's DNS; tests that fetch give --connect-to to a server of their own.
    if !extra.contains(&"--connect-to") {
        args.push("--no-fetch");
    }
    args.extend_from_slice(extra);
    run(&args)
}

/// The sorted, de-duplicated finding codes of a JSON report.
pub fn codes(v: &Value) -> Vec<String> {
    let mut c: Vec<String> = v["endpoints"]
        .as_array()
        .into_iter()
        .flatten()
        .flat_map(|e| e["findings"].as_array().into_iter().flatten())
        .filter_map(|f| f["code"].as_str().map(str::to_string))
        .collect();
    c.sort();
    c.dedup();
    c
}

/// The exit status a report with these codes must have.
pub fn expected_exit(codes: &[&str]) -> i32 {
    let any_error = codes.iter().any(|c| {
        doctor::judge::registry::lookup(c)
            .map(|d| d.severity == doctor::model::finding::Severity::Error)
            .unwrap_or(true)
    });
    if any_error { 1 } else { 0 }
}
