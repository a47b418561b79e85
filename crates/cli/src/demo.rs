//! `demo` and the lab table: the lab's broken servers, and `check` run against each of them.

use doctor::model::options::CheckOptions;
use doctor::model::options::ConnectTo;
use doctor::model::options::ResolveOverride;
use doctor::model::options::TrustBase;
use doctor::model::report::CheckReport;
use doctor::model::report::Status;
use doctor::render::text::Style;
use doctor::render::text::render_text;
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use std::collections::HashMap;
use std::fmt::Write as _;
use std::io::IsTerminal;
use std::process::ExitCode;
use std::time::Duration;

/// A new private directory for the lab's files (mode 0700, an unpredictable name under the temp
/// dir), removed when dropped: keep it alive as long as the lab runs.
pub fn lab_dir() -> std::io::Result<tempfile::TempDir> {
    crate::client::private_temp_dir("smtp-tls-doctor-lab-")
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
    let _ = writeln!(
        o,
        "A mail domain (MX hosts on {}, MTA-STS, DANE, TLS-RPT, served by the lab's own DNS server): smtp-tls-doctor demo --only {DOMAIN_DEMO}",
        MX_ADDRS
            .iter()
            .map(|a| std::net::Ipv4Addr::from(*a).to_string())
            .collect::<Vec<_>>()
            .join(", ")
    );
    o
}

/// What a scenario (or the mail domain) should give: a check that stops in a phase, or exactly
/// these finding codes (none: OK).
#[derive(Clone, Debug, PartialEq, Eq)]
enum Expect {
    Error(String),
    Codes(Vec<String>),
}

impl Expect {
    fn of(s: &lab::Scenario) -> Self {
        match s.expect_error_phase {
            Some(p) => Expect::Error(p.to_string()),
            None => Expect::Codes(s.expect_findings.iter().map(|c| c.to_string()).collect()),
        }
    }

    fn domain() -> Self {
        Expect::Codes(DOMAIN_EXPECT.iter().map(|(c, _)| c.to_string()).collect())
    }

    fn bogus() -> Self {
        Expect::Codes(BOGUS_EXPECT.iter().map(|(c, _)| c.to_string()).collect())
    }

    /// As the tables show it.
    fn text(&self) -> String {
        match self {
            Expect::Error(p) => format!("not checked ({p})"),
            Expect::Codes(c) if c.is_empty() => "OK".to_string(),
            Expect::Codes(c) => {
                let mut c: Vec<&str> = c.iter().map(String::as_str).collect();
                c.sort_unstable();
                c.dedup();
                c.join(", ")
            }
        }
    }

    /// Whether `check` found exactly this.
    fn matches(&self, r: &CheckReport) -> bool {
        match self {
            Expect::Error(phase) => {
                r.verdict.status == Status::Error
                    && r.error
                        .as_ref()
                        .is_some_and(|e| e.phase.as_str().eq_ignore_ascii_case(phase))
            }
            Expect::Codes(want) => {
                let mut got: Vec<&str> = r.findings().map(|f| f.code.as_str()).collect();
                got.sort_unstable();
                got.dedup();
                let mut want: Vec<&str> = want.iter().map(String::as_str).collect();
                want.sort_unstable();
                want.dedup();
                r.verdict.status != Status::Error && got == want
            }
        }
    }
}

/// What `check` found, as the tables show it: the codes in alphabetical order (as
/// [`Expect::text`], to compare at a glance), or the phase the check stopped in.
fn found(r: &CheckReport) -> String {
    if r.verdict.status == Status::Error {
        return format!(
            "not checked ({})",
            r.error.as_ref().map(|e| e.phase.as_str()).unwrap_or("?")
        );
    }
    let mut codes: Vec<&str> = r.findings().map(|f| f.code.as_str()).collect();
    codes.sort_unstable();
    codes.dedup();
    if codes.is_empty() {
        "OK".to_string()
    } else {
        codes.join(", ")
    }
}

/// The `--expect SCENARIO=CODE[,CODE...]` overrides (`SCENARIO=OK`: no finding), by name.
fn parse_expect(specs: &[String]) -> Result<HashMap<String, Expect>, String> {
    let mut map = HashMap::new();
    for spec in specs {
        let Some((name, codes)) = spec.split_once('=') else {
            return Err(format!(
                "--expect {spec}: want SCENARIO=CODE[,CODE...] or SCENARIO=OK"
            ));
        };
        if !DOMAIN_ROWS.contains(&name) {
            known_scenarios(&[name.to_string()])?;
        }
        let codes = codes
            .split(',')
            .map(str::trim)
            .filter(|c| !c.is_empty() && *c != "OK")
            .map(String::from)
            .collect();
        map.insert(name.to_string(), Expect::Codes(codes));
    }
    Ok(map)
}

/// How a row came out.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Outcome {
    Ok,
    Mismatch,
    Skipped,
}

/// One row of the results: scenario, expected, found, outcome.
struct Row {
    name: String,
    want: String,
    got: String,
    outcome: Outcome,
}

/// The narrowest output the demo lays out for.
const MIN_WIDTH: usize = 20;

/// The width the demo's own lines keep within: `COLUMNS` when set, else the terminal's when
/// standard output is one, else 80.
fn out_width() -> usize {
    let columns = std::env::var("COLUMNS")
        .ok()
        .and_then(|v| v.trim().parse::<usize>().ok())
        .filter(|&c| c > 0);
    let terminal = || {
        if std::io::stdout().is_terminal() {
            console::Term::stdout()
                .size_checked()
                .map(|(_, cols)| usize::from(cols))
                .filter(|&c| c > 0)
        } else {
            None
        }
    };
    columns.or_else(terminal).unwrap_or(80).max(MIN_WIDTH)
}

/// `text` in lines of at most `width` characters, broken at spaces; a longer word is broken
/// after its last '-' that fits or, failing that, at the width.
fn wrap(text: &str, width: usize) -> Vec<String> {
    let width = width.max(1);
    let mut lines = Vec::new();
    let mut line = String::new();
    for word in text.split_whitespace() {
        let mut word = word;
        loop {
            let used = line.chars().count();
            let need = word.chars().count() + if used == 0 { 0 } else { used + 1 };
            if need <= width {
                if used > 0 {
                    line.push(' ');
                }
                line.push_str(word);
                break;
            }
            if used > 0 {
                lines.push(std::mem::take(&mut line));
                continue;
            }
            let (head, tail) = word.split_at(cut_at(word, width));
            lines.push(head.to_string());
            word = tail;
        }
    }
    if !line.is_empty() || lines.is_empty() {
        lines.push(line);
    }
    lines
}

/// Where to break `word`, longer than `width` characters: after the last '-' within the first
/// `width` characters, else after `width` characters (a byte index, on a character boundary,
/// above 0).
fn cut_at(word: &str, width: usize) -> usize {
    let end = word
        .char_indices()
        .nth(width)
        .map_or(word.len(), |(i, _)| i);
    match word.get(..end).and_then(|head| head.rfind('-')) {
        Some(i) if i > 0 => i + 1,
        _ => end,
    }
}

/// `text` wrapped to `width`, each line ended.
fn para(text: &str, width: usize) -> String {
    indented("", text, width)
}

/// `text` wrapped to `width`, each line ended and starting with `indent`.
fn indented(indent: &str, text: &str, width: usize) -> String {
    let mut o = String::new();
    for l in wrap(text, width.saturating_sub(indent.len())) {
        o.push_str(indent);
        o.push_str(&l);
        o.push('\n');
    }
    o
}

/// The results table: fixed column widths, long cells wrapped within their column, so that it
/// can be printed a row at a time.
struct Table {
    name: usize,
    want: usize,
    got: usize,
    color: bool,
}

const SEP: &str = "  ";
/// "ok", "FAIL", "skip".
const RESULT_WIDTH: usize = 4;

impl Table {
    /// Columns for names up to `longest` characters, the whole within `width`.
    fn new(width: usize, longest: usize, color: bool) -> Self {
        let avail = width.saturating_sub(RESULT_WIDTH + 3 * SEP.len());
        let name = longest.max("SCENARIO".len()).min(avail / 3).max(1);
        let codes = avail.saturating_sub(name);
        let want = (codes / 2).max(1);
        let got = codes.saturating_sub(want).max(1);
        Table {
            name,
            want,
            got,
            color,
        }
    }

    fn header(&self) -> String {
        self.lines(["SCENARIO", "EXPECTED", "FOUND"], "")
    }

    fn row(&self, r: &Row) -> String {
        let result = match (r.outcome, self.color) {
            (Outcome::Ok, false) => "ok",
            (Outcome::Mismatch, false) => "FAIL",
            (Outcome::Skipped, false) => "skip",
            (Outcome::Ok, true) => "\x1b[32mok\x1b[0m",
            (Outcome::Mismatch, true) => "\x1b[1;31mFAIL\x1b[0m",
            (Outcome::Skipped, true) => "\x1b[33mskip\x1b[0m",
        };
        self.lines([&r.name, &r.want, &r.got], result)
    }

    /// One row: its cells wrapped, the result on its first line.
    fn lines(&self, cells: [&str; 3], result: &str) -> String {
        let [name, want, got] = cells;
        let cols = [
            wrap(name, self.name),
            wrap(want, self.want),
            wrap(got, self.got),
        ];
        let height = cols.iter().map(Vec::len).max().unwrap_or(1);
        let cell = |c: usize, i: usize| -> &str {
            cols.get(c)
                .and_then(|col| col.get(i))
                .map_or("", String::as_str)
        };
        let mut o = String::new();
        for i in 0..height {
            let mut line = format!(
                "{:<nw$}{SEP}{:<ww$}{SEP}{:<gw$}",
                cell(0, i),
                cell(1, i),
                cell(2, i),
                nw = self.name,
                ww = self.want,
                gw = self.got
            );
            if i == 0 && !result.is_empty() {
                line.push_str(SEP);
                line.push_str(result);
            }
            o.push_str(line.trim_end());
            o.push('\n');
        }
        o
    }
}

/// Scenarios done out of all, on standard error when it is a terminal; nothing otherwise.
fn progress() -> ProgressBar {
    if !std::io::stderr().is_terminal() {
        return ProgressBar::hidden();
    }
    let pb = ProgressBar::with_draw_target(Some(0), ProgressDrawTarget::stderr());
    if let Ok(style) = ProgressStyle::with_template("checking {pos}/{len} {wide_bar} {msg}") {
        pb.set_style(style);
    }
    pb
}

/// What the demo's parts share: how to print, where progress goes.
struct Ctx {
    /// Full reports (`--verbose`, `--only`), else one row per scenario as its check ends.
    verbose: bool,
    style: Style,
    width: usize,
    table: Table,
    pb: ProgressBar,
    expect: HashMap<String, Expect>,
}

impl Ctx {
    /// Prints `text` without tearing the progress bar.
    fn print(&self, text: &str) {
        self.pb.suspend(|| out!("{text}"));
    }
}

pub async fn run(color: bool, a: crate::DemoArgs) -> ExitCode {
    // `--only domain` selects the mail-domain demo; every other name is a lab scenario.
    let scenarios: Vec<String> = a
        .only
        .iter()
        .filter(|n| !DOMAIN_ROWS.contains(&n.as_str()))
        .cloned()
        .collect();
    if let Err(e) = known_scenarios(&scenarios) {
        eprintln!(
            "smtp-tls-doctor demo: {e}; and {DOMAIN_DEMO} and {BOGUS_DEMO}, the mail-domain demos"
        );
        return ExitCode::from(64);
    }
    let expect = match parse_expect(&a.expect) {
        Ok(m) => m,
        Err(e) => {
            eprintln!("smtp-tls-doctor demo: {e}");
            return ExitCode::from(64);
        }
    };
    let want_domain = a.only.is_empty() || a.only.len() > scenarios.len();
    let want_scenarios = a.only.is_empty() || !scenarios.is_empty();
    let width = out_width();
    let longest = lab::scenarios()
        .iter()
        .map(|s| s.name)
        .chain(DOMAIN_ROWS)
        .filter(|n| a.only.is_empty() || a.only.iter().any(|o| o == n))
        .map(str::len)
        .max()
        .unwrap_or(0);
    let ctx = Ctx {
        verbose: a.verbose || !a.only.is_empty(),
        style: crate::text_style(color, a.transcript),
        width,
        table: Table::new(width, longest, color),
        pb: progress(),
        expect,
    };
    // The lab's files (its CA, the mail domain's), removed when the demo ends.
    let temp = match lab_dir() {
        Ok(d) => d,
        Err(e) => {
            eprintln!("smtp-tls-doctor demo: cannot create a temporary directory: {e}");
            return ExitCode::from(2);
        }
    };
    let dir = temp.path();
    // The mail-domain demo runs beside the scenario checks; its row (or report) comes after
    // theirs.
    let scenario_part = async {
        if want_scenarios {
            run_scenarios(dir, scenarios, &ctx).await
        } else {
            Some(Vec::new())
        }
    };
    let domain_part = async {
        if want_domain {
            ctx.pb.inc_length(DOMAIN_ROWS.len() as u64);
            let expect = ctx
                .expect
                .get(DOMAIN_DEMO)
                .cloned()
                .unwrap_or_else(Expect::domain);
            let bogus = ctx
                .expect
                .get(BOGUS_DEMO)
                .cloned()
                .unwrap_or_else(Expect::bogus);
            let outcomes = domain_demo(dir, ctx.style, [&expect, &bogus]).await;
            ctx.pb.inc(DOMAIN_ROWS.len() as u64);
            Some(
                outcomes
                    .into_iter()
                    .zip([expect, bogus])
                    .zip(DOMAIN_ROWS)
                    .map(|((o, e), n)| (n, o, e))
                    .collect::<Vec<_>>(),
            )
        } else {
            None
        }
    };
    let (scenario_rows, domain) = tokio::join!(scenario_part, domain_part);
    let lab_started = scenario_rows.is_some();
    let mut rows: Vec<Row> = scenario_rows.unwrap_or_default();
    let mut domain_skipped = None;
    for (name, outcome, expect) in domain.into_iter().flatten() {
        if !a.only.is_empty() && !a.only.iter().any(|o| o == name) {
            continue;
        }
        let bar = "=".repeat(100);
        let (text, want, got, outcome) = match outcome {
            DomainOutcome::Ran {
                text,
                want,
                got,
                ok,
            } => (
                text,
                want,
                got,
                if ok { Outcome::Ok } else { Outcome::Mismatch },
            ),
            DomainOutcome::Skipped(why) => {
                let text = format!("Mail domain {DEMO_DOMAIN}: skipped: {why}\n");
                domain_skipped = Some(why);
                (text, expect.text(), "skipped".to_string(), Outcome::Skipped)
            }
            DomainOutcome::Failed(why) => (
                format!("Mail domain {DEMO_DOMAIN}: {why}\n"),
                expect.text(),
                why,
                Outcome::Mismatch,
            ),
        };
        let row = Row {
            name: name.to_string(),
            want,
            got,
            outcome,
        };
        if ctx.verbose {
            ctx.print(&format!("\n{bar}\n{text}"));
        } else {
            ctx.print(&ctx.table.row(&row));
        }
        rows.push(row);
    }
    ctx.pb.finish_and_clear();
    let mismatched: Vec<&str> = rows
        .iter()
        .filter(|r| r.outcome == Outcome::Mismatch)
        .map(|r| r.name.as_str())
        .collect();
    let mut o = String::new();
    if ctx.verbose {
        let _ = writeln!(o, "\n{}", "=".repeat(100));
        let _ = writeln!(
            o,
            "Summary: what each scenario should give, and what check found\n"
        );
        o.push_str(&ctx.table.header());
        for r in &rows {
            o.push_str(&ctx.table.row(r));
        }
    }
    o.push('\n');
    let total = rows.len();
    let verdict = if mismatched.is_empty() {
        format!("All {total} as expected.")
    } else {
        format!(
            "{} of {total} not as expected: {}.",
            mismatched.len(),
            mismatched.join(", ")
        )
    };
    o.push_str(&para(&verdict, width));
    if let Some(why) = &domain_skipped
        && !ctx.verbose
    {
        o.push_str(&para(
            &format!("The mail domain {DEMO_DOMAIN} was skipped: {why}"),
            width,
        ));
    }
    if !ctx.verbose {
        let example = mismatched
            .first()
            .copied()
            .or_else(|| {
                rows.iter()
                    .map(|r| r.name.as_str())
                    .find(|n| *n == "wrong-name")
            })
            .or_else(|| rows.first().map(|r| r.name.as_str()))
            .unwrap_or("wrong-name");
        o.push_str(&para(
            "One in full (its SMTP dialogue, certificates, findings and fixes):",
            width,
        ));
        o.push_str(&indented(
            "  ",
            &format!("smtp-tls-doctor demo --only {example}"),
            width,
        ));
        o.push_str(&para("Every report in full:", width));
        o.push_str(&indented(
            "  ",
            "smtp-tls-doctor demo --verbose (--transcript adds the SMTP and TLS messages)",
            width,
        ));
        o.push_str(&para(
            "Each server's address and correct diagnosis, left running for your own client:",
            width,
        ));
        o.push_str(&indented("  ", "smtp-tls-doctor lab", width));
    }
    out!("{o}");
    drop(temp);
    if !lab_started || (domain_skipped.is_some() && !want_scenarios) {
        // Nothing (or not what was asked for) could be checked.
        ExitCode::from(2)
    } else if mismatched.is_empty() {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    }
}

/// Start the lab (its files under `dir`) and check every scenario in `only` (all when empty):
/// a row printed as each check ends, or (`verbose`) the lab table, then every full report in
/// the lab's order.
/// The rows in the lab's order, or None when the lab cannot start.
async fn run_scenarios(dir: &std::path::Path, only: Vec<String>, ctx: &Ctx) -> Option<Vec<Row>> {
    let mut cfg = lab::LabConfig::new(dir.to_path_buf());
    if !only.is_empty() {
        cfg.only = Some(only);
    }
    let running = match lab::start(cfg).await {
        Ok(l) => l,
        Err(e) => {
            ctx.pb
                .suspend(|| eprintln!("smtp-tls-doctor demo: cannot start the lab: {e}"));
            return None;
        }
    };
    let ip = running
        .endpoints
        .first()
        .map(|e| e.addr.ip())
        .unwrap_or(std::net::IpAddr::from([127, 0, 0, 1]));
    ctx.pb.inc_length(running.endpoints.len() as u64);
    if ctx.verbose {
        ctx.print(&lab_table(&running));
    } else {
        let mut o = para(
            &format!(
                "smtp-tls-doctor lab: {} deliberately broken SMTP servers for {} on {ip}, each checked (smtp-tls-doctor check {}:PORT --resolve {}:{ip} --ca-file LAB-CA --banner-timeout 5 --no-fetch), a row as its check ends; then a mail domain, {DEMO_DOMAIN} (three MX hosts, MTA-STS, DANE, TLS-RPT, on the lab's own DNS server).",
                running.endpoints.len(),
                running.host,
                running.host,
                running.host,
            ),
            ctx.width,
        );
        o.push('\n');
        o.push_str(&ctx.table.header());
        ctx.print(&o);
    }
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
    // The busy scenarios refuse some connections: retry after half a second, not two.
    opts.scan.backoff = Duration::from_millis(500);

    let mut set = tokio::task::JoinSet::new();
    for (i, e) in running.endpoints.iter().enumerate() {
        let target = format!("{}:{}", running.host, e.addr.port());
        let mut opts = opts.clone();
        if e.scenario.mode == lab::Mode::Implicit {
            opts.mode = Some(doctor::model::observation::Mode::ImplicitTls);
        }
        set.spawn(async move {
            (
                i,
                target.clone(),
                doctor::check::check(&target, &opts).await,
            )
        });
    }
    let mut rows = Vec::new();
    let mut reports = Vec::new();
    while let Some(r) = set.join_next().await {
        let Ok((i, target, result)) = r else {
            continue;
        };
        let Some(e) = running.endpoints.get(i) else {
            continue;
        };
        let s = e.scenario;
        let expect = ctx
            .expect
            .get(s.name)
            .cloned()
            .unwrap_or_else(|| Expect::of(s));
        let (got, outcome, text) = match result {
            Ok(report) => (
                found(&report),
                if expect.matches(&report) {
                    Outcome::Ok
                } else {
                    Outcome::Mismatch
                },
                render_text(&report, ctx.style),
            ),
            Err(err) => (
                format!("usage error: {err}"),
                Outcome::Mismatch,
                format!("error: {err}\n"),
            ),
        };
        let row = Row {
            name: s.name.to_string(),
            want: expect.text(),
            got,
            outcome,
        };
        ctx.pb.set_message(s.name);
        ctx.pb.inc(1);
        if ctx.verbose {
            let heading = format!(
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
            reports.push((i, format!("\n{}\n{heading}\n{text}", "=".repeat(100))));
        } else {
            ctx.print(&ctx.table.row(&row));
        }
        rows.push((i, row));
    }
    reports.sort_by_key(|r| r.0);
    for (_, text) in reports {
        ctx.print(&text);
    }
    rows.sort_by_key(|r| r.0);
    running.shutdown().await;
    Some(rows.into_iter().map(|(_, r)| r).collect())
}

// ---- The mail-domain demo ----

/// The `--only` name of the mail-domain demo.
pub const DOMAIN_DEMO: &str = "domain";

/// The row of the second mail domain: one whose MX host's address is DNSSEC-bogus.
pub const BOGUS_DEMO: &str = "dnssec-bogus";

/// That domain, and its MX host (A record to mx1's address, bogus: the lab DNS server answers
/// as a validating resolver does, SERVFAIL, and the data with CD=1).
const BOGUS_DOMAIN: &str = "bogus.lab.test";
const BOGUS_MX: &str = "mx.bogus.lab.test";

/// The exact findings a correct check of the bogus domain reports, and why.
const BOGUS_EXPECT: &[(&str, &str)] = &[(
    "dnssec-bogus",
    "the MX host's address fails DNSSEC validation (SERVFAIL; an answer only with checking disabled): validating senders cannot look it up",
)];

/// The rows of the mail-domain part (names for --only and --expect).
const DOMAIN_ROWS: [&str; 2] = [DOMAIN_DEMO, BOGUS_DEMO];

/// The demo's mail domain, served by the lab's DNS server.
const DEMO_DOMAIN: &str = "demo.lab.test";

/// The loopback addresses of mx1, mx2 and mx3 (one shared port).
const MX_ADDRS: [[u8; 4]; 3] = [[127, 0, 0, 2], [127, 0, 0, 3], [127, 0, 0, 4]];

/// The name mx2's certificate is made for instead of its own.
const MX2_CERT_NAME: &str = "mail.other.lab.test";

/// The MTA-STS policy: enforce, listing mx1 and mx2 but not mx3.
const DEMO_POLICY: &str = "version: STSv1\r\nmode: enforce\r\nmx: mx1.demo.lab.test\r\nmx: mx2.demo.lab.test\r\nmax_age: 86400\r\n";

/// The exact findings a correct domain check reports, and why.
const DOMAIN_EXPECT: &[(&str, &str)] = &[
    (
        "cert-name-mismatch",
        "mx2's certificate is for mail.other.lab.test, not mx2.demo.lab.test (its endpoint's finding)",
    ),
    (
        "dane-unsigned",
        "mx1 publishes a TLSA record, but the zone is unsigned (no AD bit): DANE senders ignore it (RFC 7672 §2.2)",
    ),
    (
        "mta-sts-enforce-would-fail",
        "mx2 is listed in the enforce policy, but its certificate does not name it: MTA-STS senders refuse it (RFC 8461 §4.2)",
    ),
    (
        "mta-sts-mx-not-covered",
        "mx3 matches no mx: line of the enforce policy: MTA-STS senders do not deliver to it (RFC 8461 §4.1)",
    ),
    (
        "mx-inconsistent",
        "mx2's certificate is not valid while mx1's and mx3's are: delivery depends on which MX a sender picks",
    ),
];

/// What became of the mail-domain demo.
pub enum DomainOutcome {
    /// It ran: the text to print, the expected and found codes, and whether they agree.
    Ran {
        text: String,
        want: String,
        got: String,
        ok: bool,
    },
    /// It cannot run on this machine (e.g. only 127.0.0.1 on loopback).
    Skipped(String),
    /// Something went wrong in the lab itself.
    Failed(String),
}

/// Hex to bytes (None unless an even number of hex digits).
fn unhex(s: &str) -> Option<Vec<u8>> {
    if !s.len().is_multiple_of(2) {
        return None;
    }
    (0..s.len())
        .step_by(2)
        .map(|i| s.get(i..i + 2).and_then(|h| u8::from_str_radix(h, 16).ok()))
        .collect()
}

/// A record in zone-file form.
fn zone_line(r: &lab::dns::LabRecord) -> String {
    use lab::dns::LabRData as D;
    let data = match &r.data {
        D::A(a) => format!("A      {a}"),
        D::AAAA(a) => format!("AAAA   {a}"),
        D::MX {
            preference,
            exchange,
        } => format!("MX     {preference} {exchange}."),
        D::TXT(t) => format!(
            "TXT    {}",
            t.iter()
                .map(|s| format!("{s:?}"))
                .collect::<Vec<_>>()
                .join(" ")
        ),
        D::TLSA {
            usage,
            selector,
            matching,
            data,
        } => format!(
            "TLSA   {usage} {selector} {matching} {}",
            doctor::model::dns::hex(data)
        ),
        D::CNAME(t) => format!("CNAME  {t}."),
    };
    format!("  {:<34} {:>5} IN {data}", format!("{}.", r.owner), r.ttl)
}

/// The demo's mail domain, running: three MX hosts, the MTA-STS policy server, the DNS server.
pub struct DomainWorld {
    pub mx: lab::domain::DomainLab,
    pub policy: lab::https::PolicyServer,
    pub dns: lab::dns::LabDns,
    pub records: Vec<lab::dns::LabRecord>,
}

impl DomainWorld {
    pub async fn shutdown(self) {
        self.dns.shutdown().await;
        self.policy.shutdown().await;
        self.mx.shutdown().await;
    }

    /// The command that checks the demo domain against this world.
    pub fn command(&self) -> String {
        format!(
            "smtp-tls-doctor check {DEMO_DOMAIN} --domain --dns {} --port {} --ca-file {} --connect-to mta-sts.{DEMO_DOMAIN}:443:{} --no-fetch",
            self.dns.addr,
            self.mx.port,
            self.mx.ca_file.display(),
            self.policy.addr
        )
    }

    /// What runs where, the zone and the policy, for people.
    pub fn describe(&self) -> String {
        let d = DEMO_DOMAIN;
        let [a1, a2, a3] = MX_ADDRS.map(std::net::IpAddr::from);
        let mut o = String::new();
        let _ = writeln!(
            o,
            "Mail domain {d}: three MX hosts, an MTA-STS policy in enforce mode, a TLSA record in an unsigned zone, TLS-RPT"
        );
        let _ = writeln!(
            o,
            "  mx1.{d} ({a1}) valid certificate, TLSA 3 1 1 for its key\n  mx2.{d} ({a2}) certificate for {MX2_CERT_NAME}\n  mx3.{d} ({a3}) valid certificate, but the policy does not list it"
        );
        let _ = writeln!(
            o,
            "\nThe lab DNS server at {} (UDP and TCP; authoritative, unsigned) serves:",
            self.dns.addr
        );
        for r in &self.records {
            let _ = writeln!(o, "{}", zone_line(r));
        }
        let _ = writeln!(
            o,
            "\nhttps://mta-sts.{d}/.well-known/mta-sts.txt (served at {}):",
            self.policy.addr
        );
        for line in DEMO_POLICY.lines() {
            let _ = writeln!(o, "  {line}");
        }
        let _ = writeln!(
            o,
            "\nMail domain {BOGUS_DOMAIN}: its MX host {BOGUS_MX} has an address whose DNSSEC signatures fail; the DNS server answers it as a validating resolver does (SERVFAIL; the data only with CD=1)"
        );
        o
    }
}

/// Start the demo's mail domain (DNS server, MX hosts, policy server), its files under `dir`;
/// `Err` says why it cannot run here.
pub async fn start_domain_world(dir: &std::path::Path) -> Result<DomainWorld, DomainOutcome> {
    use lab::dns::{LabDns, LabRecord};
    use lab::domain::{DomainLab, MxCert, MxServerSpec};
    use lab::https::{PolicyResponse, PolicyServer};
    use std::net::{IpAddr, SocketAddr};

    let d = DEMO_DOMAIN;
    let [a1, a2, a3] = MX_ADDRS.map(IpAddr::from);
    let (mx1, mx2, mx3) = (format!("mx1.{d}"), format!("mx2.{d}"), format!("mx3.{d}"));
    let mut bad = MxServerSpec::new(&mx2, &[a2]);
    bad.cert = MxCert::WrongName(MX2_CERT_NAME.into());
    let specs = [
        MxServerSpec::new(&mx1, &[a1]),
        bad,
        MxServerSpec::new(&mx3, &[a3]),
    ];
    let mx = match DomainLab::start(&dir.join("domain"), &specs).await {
        Ok(l) => l,
        Err(lab::LabError::Bind { source, .. })
            if source.kind() == std::io::ErrorKind::AddrNotAvailable =>
        {
            return Err(DomainOutcome::Skipped(format!(
                "{source}; the MX hosts need the loopback addresses 127.0.0.2-4 (on macOS: sudo ifconfig lo0 alias 127.0.0.2 up, and the same for .3 and .4)"
            )));
        }
        Err(e) => {
            return Err(DomainOutcome::Failed(format!(
                "cannot start the MX servers: {e}"
            )));
        }
    };
    let loopback = SocketAddr::from(([127, 0, 0, 1], 0));
    let sts_host = format!("mta-sts.{d}");
    let policy = match mx.issue(&MxCert::Valid, &sts_host) {
        Ok((chain, key)) => {
            PolicyServer::start(loopback, chain, key, PolicyResponse::ok(DEMO_POLICY)).await
        }
        Err(e) => Err(e),
    };
    let policy = match policy {
        Ok(p) => p,
        Err(e) => {
            return Err(DomainOutcome::Failed(format!(
                "cannot start the MTA-STS policy server: {e}"
            )));
        }
    };
    // DANE-EE for mx1's key (3 1 1), what its operator would publish.
    let tlsa = mx
        .leaf_der
        .get(&mx1)
        .and_then(|leaf| doctor::judge::dane::record_for(leaf, 3, 1, 1))
        .and_then(|t| unhex(&t.data));
    let Some(tlsa) = tlsa else {
        return Err(DomainOutcome::Failed(
            "cannot compute mx1's TLSA record".into(),
        ));
    };
    let port = mx.port;
    let records = vec![
        LabRecord::mx(d, 10, &mx1),
        LabRecord::mx(d, 20, &mx2),
        LabRecord::mx(d, 30, &mx3),
        LabRecord::addr(&mx1, a1),
        LabRecord::addr(&mx2, a2),
        LabRecord::addr(&mx3, a3),
        LabRecord::tlsa(&format!("_{port}._tcp.{mx1}"), 3, 1, 1, tlsa),
        LabRecord::txt(&format!("_mta-sts.{d}"), &["v=STSv1; id=20250101T000000;"]),
        LabRecord::addr(&sts_host, policy.addr.ip()),
        LabRecord::txt(
            &format!("_smtp._tls.{d}"),
            &["v=TLSRPTv1; rua=mailto:tlsrpt@demo.lab.test"],
        ),
        LabRecord::mx(BOGUS_DOMAIN, 10, BOGUS_MX),
        LabRecord::addr(BOGUS_MX, a1),
    ];
    let dns = match LabDns::start_bogus(loopback, records.clone(), &[BOGUS_MX]).await {
        Ok(s) => s,
        Err(e) => {
            return Err(DomainOutcome::Failed(format!(
                "cannot start the lab DNS server: {e}"
            )));
        }
    };
    Ok(DomainWorld {
        mx,
        policy,
        dns,
        records,
    })
}

/// Start the demo's mail domains (their files under `dir`), check demo.lab.test as `check
/// demo.lab.test --domain` does and bogus.lab.test likewise, and compare each with its `expect`
/// ([`DOMAIN_EXPECT`], [`BOGUS_EXPECT`] unless overridden).
async fn domain_demo(
    dir: &std::path::Path,
    style: Style,
    expect: [&Expect; 2],
) -> [DomainOutcome; 2] {
    let w = match start_domain_world(dir).await {
        Ok(w) => w,
        Err(DomainOutcome::Skipped(why)) => {
            return [
                DomainOutcome::Skipped(why.clone()),
                DomainOutcome::Skipped(why),
            ];
        }
        Err(DomainOutcome::Failed(why)) => {
            return [
                DomainOutcome::Failed(why.clone()),
                DomainOutcome::Failed(why),
            ];
        }
        Err(DomainOutcome::Ran { .. }) => {
            let why = "the mail domains did not start".to_string();
            return [
                DomainOutcome::Failed(why.clone()),
                DomainOutcome::Failed(why),
            ];
        }
    };
    let d = DEMO_DOMAIN;
    let sts_host = format!("mta-sts.{d}");
    let port = w.mx.port;
    let dns_cfg = doctor::model::dns::DnsConfig {
        servers: vec![w.dns.addr],
        timeout: Duration::from_secs(2),
        ..Default::default()
    };
    let mut opts = CheckOptions {
        trust: TrustBase::Mozilla,
        ca_files: vec![w.mx.ca_file.clone()],
        connect_to: vec![ConnectTo {
            host: sts_host.clone(),
            port: 443,
            to: w.policy.addr,
        }],
        // No network: nothing is fetched; one handshake per address keeps it quick.
        fetch_aia: false,
        quick: true,
        dns: dns_cfg.clone(),
        ..CheckOptions::default()
    };
    opts.timeouts.banner = Duration::from_secs(5);
    opts.timeouts.command = Duration::from_secs(5);
    opts.timeouts.handshake = Duration::from_secs(5);
    let dopts = doctor::model::domain::DomainOptions {
        dns: dns_cfg,
        port,
        known_mx: None,
    };
    let (result, bogus) = tokio::join!(
        doctor::check::check_domain(d, &opts, &dopts),
        doctor::check::check_domain(BOGUS_DOMAIN, &opts, &dopts)
    );

    let mut o = w.describe();
    let _ = writeln!(o, "\nWhat a correct check reports, and why:");
    for (code, why) in DOMAIN_EXPECT {
        let _ = writeln!(o, "  {code:<28} {why}");
    }
    let _ = writeln!(o, "\n$ {} --quick --banner-timeout 5\n", w.command());
    let mut b = format!("Mail domain {BOGUS_DOMAIN}\n\nWhat a correct check reports, and why:\n");
    for (code, why) in BOGUS_EXPECT {
        let _ = writeln!(b, "  {code:<28} {why}");
    }
    let _ = writeln!(
        b,
        "\n$ {} --quick\n",
        w.command().replace(
            &format!("check {DEMO_DOMAIN} "),
            &format!("check {BOGUS_DOMAIN} ")
        )
    );
    let outcome = |mut text: String,
                   result: Result<CheckReport, doctor::model::error::Error>,
                   expect: &Expect| match result {
        Ok(report) => {
            text.push_str(&render_text(&report, style));
            DomainOutcome::Ran {
                text,
                want: expect.text(),
                got: found(&report),
                ok: expect.matches(&report),
            }
        }
        Err(e) => {
            let _ = writeln!(text, "error: {e}");
            DomainOutcome::Ran {
                text,
                want: expect.text(),
                got: format!("usage error: {e}"),
                ok: false,
            }
        }
    };
    let out = [outcome(o, result, expect[0]), outcome(b, bogus, expect[1])];
    w.shutdown().await;
    out
}

#[cfg(test)]
mod tests {
    use super::{Outcome, Row, Table, wrap};

    #[test]
    fn wrap_breaks_at_spaces_then_hyphens_then_anywhere() {
        assert_eq!(wrap("a, b, c", 80), ["a, b, c"]);
        assert_eq!(wrap("a-b, cc-dd", 6), ["a-b,", "cc-dd"]);
        assert_eq!(
            wrap("handshake-signature-invalid", 12),
            ["handshake-", "signature-", "invalid"]
        );
        assert_eq!(wrap("abcdefgh", 3), ["abc", "def", "gh"]);
        assert_eq!(wrap("", 5), [""]);
        for w in 1..30 {
            for l in wrap("tls-handshake-failed, protocol-tls10, é-ü x", w) {
                assert!(l.chars().count() <= w, "{w}: {l:?}");
            }
        }
    }

    #[test]
    fn table_rows_keep_within_the_width() {
        let r = Row {
            name: "tls12-narrow-preference".into(),
            want: "tls-handshake-failed, protocol-tls10, protocol-tls11, cipher-no-forward-secrecy"
                .into(),
            got: "OK".into(),
            outcome: Outcome::Mismatch,
        };
        for width in [20, 40, 60, 80, 200] {
            let t = Table::new(width, r.name.len(), false);
            let text = t.row(&r);
            assert!(text.lines().all(|l| l.chars().count() <= width), "{text}");
            assert!(
                text.lines().next().is_some_and(|l| l.ends_with("FAIL")),
                "{text}"
            );
            // Nothing is lost: each column, read down and rejoined, is its cell (hyphen breaks
            // only from 40 columns on; narrower, names are cut anywhere).
            if width < 40 {
                continue;
            }
            let starts = [0, t.name + 2, t.name + 2 + t.want + 2];
            let widths = [t.name, t.want, t.got];
            for (c, cell) in [&r.name, &r.want, &r.got].into_iter().enumerate() {
                let mut joined = String::new();
                for l in text.lines() {
                    let frag: String = l.chars().skip(starts[c]).take(widths[c]).collect();
                    let frag = frag.trim();
                    if frag.is_empty() {
                        continue;
                    }
                    if !joined.is_empty() && !joined.ends_with('-') {
                        joined.push(' ');
                    }
                    joined.push_str(frag);
                }
                assert_eq!(&joined, cell, "{width}:\n{text}");
            }
        }
    }
}
