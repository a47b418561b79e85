//! What a person meets first: `--version`, the shell completions, the manual page, and a text
//! report that fits the terminal.

mod common;

use common::{Need, check_scenario, lab, require};
use std::io::Write as _;
use std::process::{Command, Stdio};

const BIN: &str = env!("CARGO_BIN_EXE_smtp-tls-doctor");

/// The binary's standard output for `args` (it must succeed), with `env` set.
fn output(args: &[&str], env: &[(&str, &str)]) -> String {
    let out = Command::new(BIN)
        .args(args)
        .envs(env.iter().copied())
        .env("NO_COLOR", "1")
        .output()
        .expect("run smtp-tls-doctor");
    assert_eq!(
        out.status.code(),
        Some(0),
        "{args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).expect("UTF-8 output")
}

/// `program args... FILE` on `text` written to a file; panics with its stderr when it fails.
fn check_with(program: &str, args: &[&str], text: &str, name: &str) {
    let dir = tempfile::tempdir().expect("temp dir");
    let file = dir.path().join(name);
    std::fs::write(&file, text).expect("write the script");
    let out = Command::new(program)
        .args(args)
        .arg(&file)
        .output()
        .unwrap_or_else(|e| panic!("run {program}: {e}"));
    assert!(
        out.status.success(),
        "{program} {args:?} rejects the script: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// The script for `shell`: it names the binary, its commands and `check`'s flags.
fn script(shell: &str) -> String {
    let s = output(&["completions", shell], &[]);
    for word in [
        "smtp-tls-doctor",
        "check",
        "completions",
        "targets",
        "deadline",
    ] {
        assert!(s.contains(word), "the {shell} script lacks {word}");
    }
    s
}

#[test]
fn bash_completions_parse() {
    let s = script("bash");
    check_with("bash", &["-n"], &s, "smtp-tls-doctor.bash");
    // Sourced by a real bash, it registers a completion for the command.
    let out = Command::new("bash")
        .args([
            "--norc",
            "-c",
            "source \"$1\" && complete -p smtp-tls-doctor",
            "bash",
        ])
        .arg({
            let dir = tempfile::tempdir().expect("temp dir").keep();
            let f = dir.join("c.bash");
            std::fs::write(&f, &s).expect("write");
            f
        })
        .output()
        .expect("run bash");
    assert!(
        out.status.success() && String::from_utf8_lossy(&out.stdout).contains("smtp-tls-doctor"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn zsh_completions_parse() {
    let s = script("zsh");
    assert!(s.starts_with("#compdef smtp-tls-doctor"), "{s:.100}");
    if !require(&[Need::Zsh]) {
        return;
    }
    check_with("zsh", &["-n"], &s, "_smtp-tls-doctor");
}

#[test]
fn fish_completions_parse() {
    let s = script("fish");
    if !require(&[Need::Fish]) {
        return;
    }
    check_with("fish", &["--no-execute"], &s, "smtp-tls-doctor.fish");
}

#[test]
fn powershell_and_elvish_completions_are_made() {
    for shell in ["powershell", "elvish"] {
        script(shell);
    }
}

#[test]
fn an_unknown_shell_is_a_usage_error() {
    let out = Command::new(BIN)
        .args(["completions", "tcsh"])
        .output()
        .expect("run");
    assert_eq!(out.status.code(), Some(64));
}

/// The page renders with man-db, and documents the commands and `check`'s flags.
#[test]
fn the_manual_page_renders() {
    let roff = output(&["man"], &[]);
    assert!(roff.contains(".TH"), "not roff: {roff:.200}");
    if !require(&[Need::Man]) {
        return;
    }
    let mut child = Command::new("man")
        .args(["-l", "-"])
        // Wide lines: no flag hyphenated at a line end. No pager: the output is not a terminal.
        .env("MANWIDTH", "200")
        .env("MANPAGER", "cat")
        .env("PAGER", "cat")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run man");
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(roff.as_bytes())
        .expect("write the page");
    let out = child.wait_with_output().expect("man ends");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "man -l - fails: {stderr}");
    assert!(stderr.trim().is_empty(), "man warns: {stderr}");
    // Whatever glyph groff gives a hyphen, compare with plain ASCII ones; and single spaces
    // (justified lines have more).
    let page = String::from_utf8_lossy(&out.stdout)
        .replace(['\u{2010}', '\u{2011}', '\u{2212}'], "-")
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ");
    for want in [
        "smtp-tls-doctor",
        "SMTP-TLS-DOCTOR CHECK",
        // In the options, with their values (the synopsis names them too, without).
        "Bulk runs --targets <FILE>",
        "--deadline <SECONDS>",
        "--export-chain <FILE>",
        "--as <PROFILE>",
        "SMTP-TLS-DOCTOR COMPLETIONS",
        "Exit status",
    ] {
        assert!(page.contains(want), "the page lacks {want}: {page}");
    }
}

#[test]
fn version_names_the_commit_and_the_lab() {
    let v = output(&["--version"], &[]);
    let line = v.trim_end();
    let rest = line
        .strip_prefix(&format!(
            "smtp-tls-doctor {} (commit ",
            env!("CARGO_PKG_VERSION")
        ))
        .unwrap_or_else(|| panic!("{line}"));
    let lab = if cfg!(feature = "lab") {
        ", lab built in)"
    } else {
        ", without the lab)"
    };
    let commit = rest.strip_suffix(lab).unwrap_or_else(|| panic!("{line}"));
    let hash = commit.strip_suffix("-dirty").unwrap_or(commit);
    assert!(
        commit == "unknown" || (hash.len() >= 7 && hash.bytes().all(|b| b.is_ascii_hexdigit())),
        "{line}"
    );
    // Built from a git checkout with git at hand: the commit is HEAD's.
    let head = Command::new("git")
        .args(["rev-parse", "--short", "HEAD"])
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output();
    if let Ok(h) = head
        && h.status.success()
    {
        let head = String::from_utf8_lossy(&h.stdout).trim().to_string();
        assert_eq!(hash, head, "{line}");
    }
    assert_eq!(output(&["-V"], &[]), v);
}

/// The lines of the fixes the registry holds as commands and configuration: written whole.
fn verbatim_lines() -> Vec<String> {
    doctor::judge::registry::REGISTRY
        .iter()
        .flat_map(|d| d.fixes.iter())
        .flat_map(|f| f.text.lines())
        .map(str::to_string)
        .collect()
}

/// Whether an over-long line is one that must stay whole: a command or configuration line of a
/// fix, or a single token longer than a line has room for (a fingerprint, a URL) after a label.
fn may_overflow(line: &str, width: usize, verbatim: &[String]) -> bool {
    if verbatim.iter().any(|v| v == line.trim()) {
        return true;
    }
    let trimmed = line.trim_end();
    let Some((before, last)) = trimmed.rsplit_once(' ') else {
        return true;
    };
    before.chars().count() <= width && last.chars().count() > width / 2
}

/// A report at 60 columns (`COLUMNS=60`, not a terminal) has no line wider than 60 but for
/// the verdict and unbreakable tokens, and the wrapped summaries and fixes are indented under their finding;
/// the words are the same as at any width, in the same order.
#[test]
fn the_text_report_fits_the_terminal_width() {
    let dir = tempfile::tempdir().expect("temp dir");
    let saved = dir.path().join("report.json");
    // A report with findings, fixes and failing peers, saved once and rendered from the file at
    // each width (the same report, timings included). Without the scan: its table of suites is
    // tabular (at 80 columns and more; see the next test).
    let r = check_scenario("chain-incomplete", &["--json", "--as", "all", "--quick"]);
    assert!(!r.stdout.is_empty(), "{}", r.stderr);
    std::fs::write(&saved, &r.stdout).expect("save the report");
    let ca = lab().ca_file.to_string_lossy().into_owned();
    let saved_s = saved.to_string_lossy().into_owned();
    let render = |columns: &str| {
        let out = Command::new(BIN)
            .args([
                "check",
                "--from-json",
                &saved_s,
                "--ca-file",
                &ca,
                "--color",
                "never",
            ])
            .env("COLUMNS", columns)
            .output()
            .expect("run smtp-tls-doctor");
        String::from_utf8(out.stdout).expect("UTF-8")
    };
    let narrow = render("60");
    let wide = render("1000");
    assert!(narrow.contains("chain-incomplete"), "{narrow}");
    let verbatim = verbatim_lines();
    // The verdict stays one line (`| head -1` gives it whole).
    let verdict = narrow.lines().next().unwrap_or_default();
    assert!(
        verdict.starts_with("PROBLEM: ") && verdict.ends_with("[chain-incomplete]"),
        "{narrow}"
    );
    let too_long: Vec<&str> = narrow
        .lines()
        .skip(1)
        .filter(|l| l.chars().count() > 60 && !may_overflow(l, 60, &verbatim))
        .collect();
    assert!(too_long.is_empty(), "lines over 60 columns: {too_long:#?}");
    assert!(
        wide.lines().any(|l| l.chars().count() > 100),
        "1000 columns: the long lines stay whole"
    );
    // Wrapping changes only where lines break.
    let words = |s: &str| s.split_whitespace().map(str::to_string).collect::<Vec<_>>();
    assert_eq!(words(&narrow), words(&wide));
    // The finding's summary goes on under it, indented, and so does its fix's prose.
    let lines: Vec<&str> = narrow.lines().collect();
    let head = lines
        .iter()
        .position(|l| l.trim_start().starts_with("error") && l.contains("chain-incomplete"))
        .unwrap_or_else(|| panic!("no finding line:\n{narrow}"));
    let next = lines.get(head + 1).copied().unwrap_or_default();
    assert!(
        next.starts_with("            ") && !next.trim_start().starts_with("fix ("),
        "the summary is not continued under the finding:\n{narrow}"
    );
    let fix = lines
        .iter()
        .skip(head)
        .position(|l| l.trim_start().starts_with("fix ("))
        .map(|i| i + head)
        .unwrap_or_else(|| panic!("no fix:\n{narrow}"));
    let prose: Vec<&str> = lines
        .iter()
        .skip(fix + 1)
        .take_while(|l| {
            !l.trim_start().starts_with("fix (") && !l.trim_start().starts_with("more:")
        })
        .copied()
        .collect();
    assert!(prose.len() >= 2, "{narrow}");
    assert!(
        prose.iter().all(|l| l.starts_with("              ")),
        "fix lines not indented under the fix: {prose:#?}"
    );
    // The transcript (-v) keeps its lines whole.
    let v = Command::new(BIN)
        .args(["check", "--from-json", &saved_s, "--ca-file", &ca, "-v"])
        .env("COLUMNS", "60")
        .output()
        .expect("run");
    let v = String::from_utf8_lossy(&v.stdout).into_owned();
    let transcript = v
        .split_once("\nTranscript\n")
        .map(|(_, t)| t)
        .unwrap_or_else(|| panic!("no transcript:\n{v}"));
    assert!(
        transcript.lines().any(|l| l.chars().count() > 60),
        "transcript lines are not wrapped:\n{transcript}"
    );
}

/// No `COLUMNS` and not a terminal: 80 columns, the scan's table of suites included.
#[test]
fn without_a_terminal_the_text_is_80_columns() {
    let dir = tempfile::tempdir().expect("temp dir");
    let saved = dir.path().join("report.json");
    let j = check_scenario("wrong-name", &["--json", "--as", "all"]);
    std::fs::write(&saved, &j.stdout).expect("save");
    let ca = lab().ca_file.to_string_lossy().into_owned();
    let out = Command::new(BIN)
        .args(["check", "--from-json"])
        .arg(&saved)
        .args(["--ca-file", &ca])
        .env_remove("COLUMNS")
        .output()
        .expect("run");
    let text = String::from_utf8_lossy(&out.stdout);
    let verbatim = verbatim_lines();
    let widest = text.lines().map(|l| l.chars().count()).max().unwrap_or(0);
    assert!(widest > 60, "nothing near 80 columns:\n{text}");
    for l in text.lines().skip(1) {
        assert!(
            l.chars().count() <= 80 || may_overflow(l, 80, &verbatim),
            "over 80 columns: {l}"
        );
    }
}
