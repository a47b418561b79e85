//! `demo` and the lab table: the lab's broken servers, and `check` run against each of them.

use doctor::config::{CheckOptions, ResolveOverride, TrustBase};
use doctor::report::{CheckReport, Status, Style, render_text};
use std::fmt::Write as _;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

/// A fresh directory for the lab's files.
pub fn lab_dir() -> PathBuf {
    std::env::temp_dir().join(format!("smtp-tls-doctor-lab-{}", std::process::id()))
}

/// An error naming the unknown scenarios, if any.
pub fn known_scenarios(names: &[String]) -> Result<(), String> {
    let all: Vec<&str> = lab::scenarios().iter().map(|s| s.name).collect();
    let unknown: Vec<&String> = names
        .iter()
        .filter(|n| !all.contains(&n.as_str()))
        .collect();
    if unknown.is_empty() {
        Ok(())
    } else {
        Err(format!(
            "unknown lab scenario{} {}; the scenarios are: {}",
            if unknown.len() == 1 { "" } else { "s" },
            unknown
                .iter()
                .map(|s| s.as_str())
                .collect::<Vec<_>>()
                .join(", "),
            all.join(", ")
        ))
    }
}

fn mode_name(m: lab::Mode) -> &'static str {
    match m {
        lab::Mode::Starttls => "STARTTLS",
        lab::Mode::Implicit => "implicit TLS",
    }
}

fn expected(s: &lab::Scenario) -> String {
    match (s.expect_error_phase, s.expect_findings) {
        (Some(p), _) => format!("not checked ({p})"),
        (None, []) => "OK".to_string(),
        (None, codes) => codes.join(", "),
    }
}

/// The table `lab` prints: port, scenario, mode, the correct diagnosis.
pub fn lab_table(l: &lab::RunningLab) -> String {
    let mut o = String::new();
    let _ = writeln!(
        o,
        "smtp-tls-doctor lab: {} deliberately broken SMTP servers for {}",
        l.endpoints.len(),
        l.host
    );
    let _ = writeln!(
        o,
        "Lab root CA (trust it in your client to test it): {}\n",
        l.ca_file.display()
    );
    let _ = writeln!(
        o,
        "{:<22} {:<24} {:<13} CORRECT DIAGNOSIS",
        "ADDRESS", "SCENARIO", "MODE"
    );
    for e in &l.endpoints {
        let _ = writeln!(
            o,
            "{:<22} {:<24} {:<13} {} — {}",
            e.addr.to_string(),
            e.scenario.name,
            mode_name(e.scenario.mode),
            expected(e.scenario),
            e.scenario.diagnosis
        );
    }
    if let Some(e) = l.endpoints.first() {
        let _ = writeln!(
            o,
            "\nCheck one: smtp-tls-doctor check {}:{} --resolve {}:{} --ca-file {}",
            l.host,
            e.addr.port(),
            l.host,
            e.addr.ip(),
            l.ca_file.display()
        );
    }
    o
}

/// What `check` found, compared with what the scenario should give.
fn matches(s: &lab::Scenario, r: &CheckReport) -> bool {
    if let Some(phase) = s.expect_error_phase {
        return r.verdict.status == Status::Error
            && r.error
                .as_ref()
                .is_some_and(|e| e.phase.as_str().eq_ignore_ascii_case(phase));
    }
    let mut got: Vec<&str> = r.findings().map(|f| f.code.as_str()).collect();
    got.sort_unstable();
    got.dedup();
    let mut want: Vec<&str> = s.expect_findings.to_vec();
    want.sort_unstable();
    r.verdict.status != Status::Error && got == want
}

pub async fn run(transcript: bool, only: Vec<String>, color: bool) -> ExitCode {
    if let Err(e) = known_scenarios(&only) {
        eprintln!("smtp-tls-doctor demo: {e}");
        return ExitCode::from(64);
    }
    let mut cfg = lab::LabConfig::new(lab_dir());
    if !only.is_empty() {
        cfg.only = Some(only);
    }
    let running = match lab::start(cfg).await {
        Ok(l) => l,
        Err(e) => {
            eprintln!("smtp-tls-doctor demo: cannot start the lab: {e}");
            return ExitCode::from(2);
        }
    };
    print!("{}", lab_table(&running));
    let ip = running
        .endpoints
        .first()
        .map(|e| e.addr.ip())
        .unwrap_or(std::net::IpAddr::from([127, 0, 0, 1]));
    let mut opts = CheckOptions {
        trust: TrustBase::Mozilla,
        ca_files: vec![running.ca_file.clone()],
        resolve: vec![ResolveOverride {
            name: running.host.clone(),
            port: None,
            addr: ip,
        }],
        ..CheckOptions::default()
    };
    // The lab's hostile servers stall on purpose: short limits keep the demo quick.
    opts.timeouts.banner = Duration::from_secs(5);
    opts.timeouts.command = Duration::from_secs(5);
    opts.timeouts.handshake = Duration::from_secs(5);
    // No network here: the lab's caIssuers URLs (http://ca.lab.test/) are not fetched.
    opts.fetch_aia = false;

    let mut set = tokio::task::JoinSet::new();
    for (i, e) in running.endpoints.iter().enumerate() {
        let target = format!("{}:{}", running.host, e.addr.port());
        let mut opts = opts.clone();
        if e.scenario.mode == lab::Mode::Implicit {
            opts.mode = Some(doctor::observe::Mode::ImplicitTls);
        }
        set.spawn(async move {
            (
                i,
                target.clone(),
                doctor::check::check(&target, &opts).await,
            )
        });
    }
    let mut results = Vec::new();
    while let Some(r) = set.join_next().await {
        if let Ok(r) = r {
            results.push(r);
        }
    }
    results.sort_by_key(|r| r.0);
    let mut summary = Vec::new();
    for (i, target, result) in results {
        let Some(e) = running.endpoints.get(i) else {
            continue;
        };
        let s = e.scenario;
        println!("\n{}", "=".repeat(100));
        println!(
            "Scenario {}: {}\n$ smtp-tls-doctor check {target}{} --resolve {}:{} --ca-file {} --banner-timeout 5 --no-fetch\n",
            s.name,
            s.summary,
            if s.mode == lab::Mode::Implicit {
                " --implicit-tls"
            } else {
                ""
            },
            running.host,
            e.addr.ip(),
            running.ca_file.display()
        );
        match result {
            Ok(report) => {
                print!("{}", render_text(&report, Style { color, transcript }));
                let got = if report.verdict.status == Status::Error {
                    format!(
                        "not checked ({})",
                        report
                            .error
                            .as_ref()
                            .map(|e| e.phase.as_str())
                            .unwrap_or("?")
                    )
                } else {
                    let codes: Vec<&str> = report.findings().map(|f| f.code.as_str()).collect();
                    if codes.is_empty() {
                        "OK".to_string()
                    } else {
                        codes.join(", ")
                    }
                };
                summary.push((s.name, expected(s), got, matches(s, &report)));
            }
            Err(err) => {
                println!("error: {err}");
                summary.push((s.name, expected(s), format!("usage error: {err}"), false));
            }
        }
    }
    println!("\n{}", "=".repeat(100));
    println!("Summary: what each scenario should give, and what check found\n");
    println!("{:<24} {:<42} {:<42} ", "SCENARIO", "EXPECTED", "FOUND");
    let mut all_ok = true;
    for (name, want, got, ok) in &summary {
        all_ok &= *ok;
        println!(
            "{name:<24} {want:<42} {got:<42} {}",
            if *ok { "ok" } else { "MISMATCH" }
        );
    }
    running.shutdown().await;
    let _ = std::fs::remove_dir_all(lab_dir());
    if all_ok {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    }
}
