//! Progress of a single check: the events the library reports while it observes a real lab
//! server, and the bar the binary draws from them on a terminal only (never on standard output,
//! never when standard error is not a terminal).

mod common;

use common::lab;
use doctor::model::observation::Phase;
use doctor::model::options::{CheckOptions, ResolveOverride};
use doctor::model::progress::{Event, Progress};
use std::process::Command;
use std::sync::{Arc, Mutex};

/// A full check of the `good` scenario reports its plan, every phase of the modern handshake in
/// order, one event per scan connection, and the end of the endpoint last.
#[test]
fn a_check_reports_its_phases_scan_connections_and_end() {
    let l = lab();
    let addr = l.addrs["good"];
    let events = Arc::new(Mutex::new(Vec::new()));
    let sink = events.clone();
    let opts = CheckOptions {
        ca_files: vec![l.ca_file.clone()],
        resolve: vec![ResolveOverride {
            name: l.host.clone(),
            port: None,
            addr: addr.ip(),
        }],
        fetch_aia: false,
        progress: Progress::new(move |e| sink.lock().expect("lock").push(e.clone())),
        ..CheckOptions::default()
    };
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime");
    let report = rt
        .block_on(doctor::check::check(
            &format!("{}:{}", l.host, addr.port()),
            &opts,
        ))
        .expect("check");
    let events = events.lock().expect("lock").clone();
    assert_eq!(events.first(), Some(&Event::Planned { endpoints: 1 }));
    assert_eq!(
        events.last(),
        Some(&Event::EndpointDone { endpoint: addr }),
        "{events:?}"
    );
    let phases: Vec<Phase> = events
        .iter()
        .filter_map(|e| match e {
            Event::Phase { phase, .. } => Some(*phase),
            _ => None,
        })
        .collect();
    // The modern handshake, then the handshake without SNI (a connection of its own).
    assert_eq!(
        phases.get(..5),
        Some(
            &[
                Phase::Connect,
                Phase::Banner,
                Phase::Starttls,
                Phase::Handshake,
                Phase::AfterTls
            ][..]
        ),
        "{phases:?}"
    );
    let scans = events
        .iter()
        .filter(|e| matches!(e, Event::ScanConnection { .. }))
        .count() as u32;
    let scan = report.endpoints[0]
        .observation
        .scan
        .as_ref()
        .expect("a scan");
    // The battery's active probes report their connections as scan connections too.
    let probes = scan.probes.as_ref().map_or(0, |p| p.connections);
    assert!(scans > 0);
    assert_eq!(scans, scan.scan_connections + probes);
}

fn check_args() -> Vec<String> {
    let l = lab();
    let addr = l.addrs["good"];
    vec![
        "check".into(),
        format!("{}:{}", l.host, addr.port()),
        "--resolve".into(),
        format!("{}:{}", l.host, addr.ip()),
        "--ca-file".into(),
        l.ca_file.to_string_lossy().into_owned(),
        "--no-fetch".into(),
        "--json".into(),
    ]
}

/// Not a terminal: nothing on standard error, and standard output is the JSON alone.
#[test]
fn no_progress_when_standard_error_is_not_a_terminal() {
    let out = Command::new(env!("CARGO_BIN_EXE_smtp-tls-doctor"))
        .args(check_args())
        .output()
        .expect("run");
    assert_eq!(out.status.code(), Some(0));
    assert!(
        out.stderr.is_empty(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let _: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON alone");
}

/// On a terminal (a pseudo-terminal from util-linux `script`) the bar shows on standard error,
/// and standard output (here a file) is still the JSON alone.
#[test]
fn progress_on_a_terminal_stays_off_standard_output() {
    if common::host::program("script").is_none() {
        common::skip("progress_on_a_terminal_stays_off_standard_output: needs script (util-linux)");
        return;
    }
    let dir = tempfile::tempdir().expect("tempdir");
    let json = dir.path().join("report.json");
    let quoted: Vec<String> = check_args()
        .iter()
        .map(|a| format!("'{}'", a.replace('\'', "'\\''")))
        .collect();
    let cmd = format!(
        "'{}' {} > '{}'",
        env!("CARGO_BIN_EXE_smtp-tls-doctor"),
        quoted.join(" "),
        json.display()
    );
    let out = Command::new("script")
        .args(["-q", "-e", "-c", &cmd, "/dev/null"])
        .env("TERM", "xterm")
        .output()
        .expect("run script");
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let tty = String::from_utf8_lossy(&out.stdout);
    assert!(
        tty.contains("handshake") || tty.contains("scan:") || tty.contains("done"),
        "no progress on the terminal: {tty:?}"
    );
    let text = std::fs::read_to_string(&json).expect("report");
    let _: serde_json::Value = serde_json::from_str(&text).expect("JSON alone");
    assert!(!text.contains("scan:"));
}
