//! `demo`: its default output fits a screen (a row per scenario, wrapped within the width), and
//! its exit status says whether every scenario gave what it should.
#![cfg(feature = "lab")]

use std::process::Command;

struct Run {
    code: i32,
    stdout: String,
    stderr: String,
}

/// The real binary's `demo`, standard output and error piped (so no terminal: width 80 unless
/// `columns` sets COLUMNS, and no progress bar).
fn demo(args: &[&str], columns: Option<&str>) -> Run {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_smtp-tls-doctor"));
    cmd.arg("demo").args(args).env("NO_COLOR", "1");
    match columns {
        Some(c) => cmd.env("COLUMNS", c),
        None => cmd.env_remove("COLUMNS"),
    };
    let out = cmd.output().expect("run smtp-tls-doctor demo");
    Run {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

/// The rows of the table that follows the "SCENARIO" header, up to a blank line, each with its
/// columns read down and rejoined (a line ending in '-' is a word broken there): scenario,
/// expected, found, result. The columns start where the header's titles do; a row starts with
/// the line that ends in its result (ok, FAIL, skip), its other lines carry wrapped cells.
fn table(stdout: &str) -> Vec<[String; 4]> {
    let mut lines = stdout.lines().skip_while(|l| !l.starts_with("SCENARIO "));
    let Some(header) = lines.next() else {
        return Vec::new();
    };
    let (Some(want_at), Some(got_at)) = (header.find("EXPECTED"), header.find("FOUND")) else {
        return Vec::new();
    };
    let mut rows: Vec<[String; 4]> = Vec::new();
    for l in lines.take_while(|l| !l.is_empty()) {
        let mut l = l;
        let result = ["ok", "FAIL", "skip"]
            .into_iter()
            .find(|r| l.strip_suffix(r).is_some_and(|rest| rest.ends_with(' ')));
        if let Some(result) = result {
            l = l.strip_suffix(result).unwrap_or(l);
            let mut row: [String; 4] = Default::default();
            row[3] = result.to_string();
            rows.push(row);
        }
        let Some(row) = rows.last_mut() else {
            panic!("a table line before any row: {l:?}\n{stdout}");
        };
        let chars: Vec<char> = l.chars().collect();
        let part = |a: usize, b: usize| -> String {
            chars[a.min(chars.len())..b.min(chars.len())]
                .iter()
                .collect()
        };
        let frags = [
            part(0, want_at),
            part(want_at, got_at),
            part(got_at, chars.len()),
        ];
        for (c, frag) in frags.iter().enumerate() {
            let frag = frag.trim();
            if frag.is_empty() {
                continue;
            }
            if !row[c].is_empty() && !row[c].ends_with('-') {
                row[c].push(' ');
            }
            row[c].push_str(frag);
        }
    }
    rows
}

/// `name`'s row of the table: scenario, expected, found, result.
fn cells(stdout: &str, name: &str) -> Option<[String; 4]> {
    table(stdout).into_iter().find(|r| r[0] == name)
}

/// What a scenario should give, as the table writes it.
fn expected(s: &lab::Scenario) -> String {
    if let Some(p) = s.expect_error_phase {
        return format!("not checked ({p})");
    }
    let mut codes = s.expect_findings.to_vec();
    codes.sort_unstable();
    if codes.is_empty() {
        "OK".to_string()
    } else {
        codes.join(", ")
    }
}

fn longest_line(stdout: &str) -> usize {
    stdout.lines().map(|l| l.chars().count()).max().unwrap_or(0)
}

/// The default: at most 105 lines in all (100 before the vulnerability battery's scenario and
/// codes), none wider than 80 columns, a row ending in "ok" for
/// every scenario of the lab (and the mail domain: "ok", or "skip" where 127.0.0.2-4 are
/// missing), no full report, the way to see one, and status 0.
#[test]
fn default_output_fits_a_screen_and_every_scenario_is_ok() {
    let r = demo(&[], None);
    assert_eq!(r.code, 0, "{}{}", r.stdout, r.stderr);
    let lines = r.stdout.lines().count();
    assert!(lines <= 105, "{lines} lines:\n{}", r.stdout);
    assert!(longest_line(&r.stdout) <= 80, "{}", r.stdout);
    for s in lab::scenarios() {
        let [name, want, got, result] = cells(&r.stdout, s.name)
            .unwrap_or_else(|| panic!("no row for {}:\n{}", s.name, r.stdout));
        assert_eq!(name, s.name);
        assert_eq!(want, expected(s), "{}", r.stdout);
        assert_eq!(got, want, "{}", r.stdout);
        assert_eq!(result, "ok", "{}", r.stdout);
    }
    let domain =
        cells(&r.stdout, "domain").unwrap_or_else(|| panic!("no domain row:\n{}", r.stdout));
    assert!(domain[3] == "ok" || domain[3] == "skip", "{domain:?}");
    // The second mail domain: its MX host's address is DNSSEC-bogus, and nothing else is wrong.
    let bogus = cells(&r.stdout, "dnssec-bogus")
        .unwrap_or_else(|| panic!("no dnssec-bogus row:\n{}", r.stdout));
    if bogus[3] != "skip" {
        assert_eq!(
            bogus,
            ["dnssec-bogus", "dnssec-bogus", "dnssec-bogus", "ok"].map(String::from),
            "{}",
            r.stdout
        );
    }
    assert_eq!(
        table(&r.stdout).len(),
        lab::scenarios().len() + 2,
        "one row each:\n{}",
        r.stdout
    );
    assert!(!r.stdout.contains("FAIL"), "{}", r.stdout);
    let rows = lab::scenarios().len() + 2;
    assert!(
        r.stdout.contains(&format!("All {rows} as expected.")),
        "{}",
        r.stdout
    );
    // A full report has a verdict and timings; the default has neither, but says how to see one.
    assert!(!r.stdout.contains("\nTimings"), "{}", r.stdout);
    assert!(!r.stdout.contains("Scenario wrong-name:"), "{}", r.stdout);
    assert!(
        r.stdout.contains("smtp-tls-doctor demo --only wrong-name"),
        "{}",
        r.stdout
    );
    assert!(
        r.stdout.contains("smtp-tls-doctor demo --verbose"),
        "{}",
        r.stdout
    );
    // Standard error is not a terminal here: no progress bar on it.
    assert!(r.stderr.is_empty(), "{}", r.stderr);
}

/// A scenario that does not give what it should makes the demo say so and exit 1. The mismatch
/// is real, not a canned result: the hidden `--expect wrong-name=cert-expired` replaces that one
/// scenario's expectation, the lab's wrong-name server is still checked for real, and its found
/// code (`cert-name-mismatch`, from the certificate the server sends) differs from it. (Breaking
/// a server or the checker on purpose would need changes in the lab or doctor crates; a trust
/// option would change many scenarios at once, this changes exactly one.) Run at COLUMNS=60:
/// no line of the output is wider, long code lists included.
#[test]
fn a_mismatch_exits_1_and_narrow_columns_wrap() {
    let r = demo(&["--expect", "wrong-name=cert-expired"], Some("60"));
    assert_eq!(r.code, 1, "{}{}", r.stdout, r.stderr);
    assert!(longest_line(&r.stdout) <= 60, "{}", r.stdout);
    let cols = cells(&r.stdout, "wrong-name").unwrap_or_else(|| panic!("{}", r.stdout));
    assert_eq!(
        cols,
        ["wrong-name", "cert-expired", "cert-name-mismatch", "FAIL"].map(String::from),
        "{}",
        r.stdout
    );
    // Every other scenario is still ok, its long code lists wrapped within their columns.
    for s in lab::scenarios().iter().filter(|s| s.name != "wrong-name") {
        let [_, want, got, result] = cells(&r.stdout, s.name)
            .unwrap_or_else(|| panic!("no row for {}:\n{}", s.name, r.stdout));
        assert_eq!(want, expected(s), "{}", r.stdout);
        assert_eq!(got, want, "{}", r.stdout);
        assert_eq!(result, "ok", "{}", r.stdout);
    }
    let rows = lab::scenarios().len() + 2;
    assert!(
        r.stdout
            .contains(&format!("1 of {rows} not as expected: wrong-name.")),
        "{}",
        r.stdout
    );
    // The way to see it is the failing scenario's.
    assert!(
        r.stdout.contains("smtp-tls-doctor demo --only wrong-name"),
        "{}",
        r.stdout
    );
}

/// `--only NAME` still prints the named scenario's full report, and its status too follows the
/// comparison: 0 as the lab expects, 1 with an expectation the server does not meet (OK, for a
/// server whose certificate names another host).
#[test]
fn only_prints_the_full_report_and_its_status() {
    let r = demo(&["--only", "wrong-name"], None);
    assert_eq!(r.code, 0, "{}{}", r.stdout, r.stderr);
    assert!(r.stdout.contains("Scenario wrong-name:"), "{}", r.stdout);
    assert!(r.stdout.contains("cert-name-mismatch"), "{}", r.stdout);
    assert!(
        cells(&r.stdout, "wrong-name").is_some_and(|c| c[3] == "ok"),
        "{}",
        r.stdout
    );

    let r = demo(&["--only", "wrong-name", "--expect", "wrong-name=OK"], None);
    assert_eq!(r.code, 1, "{}{}", r.stdout, r.stderr);
    assert!(
        cells(&r.stdout, "wrong-name").is_some_and(|c| c[3] == "FAIL"),
        "{}",
        r.stdout
    );
}

/// A malformed or unknown `--expect` is a usage error (64), before any lab starts.
#[test]
fn bad_expect_is_a_usage_error() {
    for bad in ["wrong-name", "no-such-scenario=OK"] {
        let r = demo(&["--only", "good", "--expect", bad], None);
        assert_eq!(r.code, 64, "{bad}: {}{}", r.stdout, r.stderr);
        assert!(r.stdout.is_empty(), "{bad}: {}", r.stdout);
        assert!(
            r.stderr.contains("--expect") || r.stderr.contains("unknown"),
            "{bad}: {}",
            r.stderr
        );
    }
}
