//! `demo` and the lab table: the lab's broken servers, and `check` run against each of them.

use doctor::model::options::CheckOptions;
use doctor::model::options::ConnectTo;
use doctor::model::options::ResolveOverride;
use doctor::model::options::TrustBase;
use doctor::model::report::CheckReport;
use doctor::model::report::Status;
use doctor::render::text::Style;
use doctor::render::text::render_text;
use std::fmt::Write as _;
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

/// One row of the summary table: name, expected, found, as expected.
type Row = (&'static str, String, String, bool);

pub async fn run(transcript: bool, only: Vec<String>, color: bool) -> ExitCode {
    // `--only domain` selects the mail-domain demo; every other name is a lab scenario.
    let scenarios: Vec<String> = only
        .iter()
        .filter(|n| n.as_str() != DOMAIN_DEMO)
        .cloned()
        .collect();
    if let Err(e) = known_scenarios(&scenarios) {
        eprintln!("smtp-tls-doctor demo: {e}; and {DOMAIN_DEMO}, the mail-domain demo");
        return ExitCode::from(64);
    }
    let want_domain = only.is_empty() || only.len() > scenarios.len();
    let want_scenarios = only.is_empty() || !scenarios.is_empty();
    // The lab's files (its CA, the mail domain's), removed when the demo ends.
    let temp = match lab_dir() {
        Ok(d) => d,
        Err(e) => {
            eprintln!("smtp-tls-doctor demo: cannot create a temporary directory: {e}");
            return ExitCode::from(2);
        }
    };
    let dir = temp.path();
    // The mail-domain demo runs beside the scenario checks; its report is printed after theirs.
    let scenario_part = async {
        if want_scenarios {
            run_scenarios(dir, transcript, scenarios, color).await
        } else {
            Some(Vec::new())
        }
    };
    let domain_part = async {
        if want_domain {
            Some(domain_demo(dir, crate::text_style(color, transcript)).await)
        } else {
            None
        }
    };
    let (scenario_rows, domain) = tokio::join!(scenario_part, domain_part);
    let lab_started = scenario_rows.is_some();
    let mut summary: Vec<Row> = scenario_rows.unwrap_or_default();
    let mut domain_skipped = false;
    if let Some(outcome) = domain {
        println!("\n{}", "=".repeat(100));
        match outcome {
            DomainOutcome::Ran {
                text,
                want,
                got,
                ok,
            } => {
                print!("{text}");
                summary.push((DOMAIN_DEMO, want, got, ok));
            }
            DomainOutcome::Skipped(why) => {
                println!("Mail domain {DEMO_DOMAIN}: skipped: {why}");
                summary.push((DOMAIN_DEMO, domain_expected(), "skipped".into(), true));
                domain_skipped = true;
            }
            DomainOutcome::Failed(why) => {
                println!("Mail domain {DEMO_DOMAIN}: {why}");
                summary.push((DOMAIN_DEMO, domain_expected(), why, false));
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
    drop(temp);
    if !lab_started || (domain_skipped && !want_scenarios) {
        // Nothing (or not what was asked for) could be checked.
        ExitCode::from(2)
    } else if all_ok {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    }
}

/// Start the lab (its files under `dir`) and check every scenario in `only` (all when empty),
/// printing each report.
/// The summary rows, or None when the lab cannot start.
async fn run_scenarios(
    dir: &std::path::Path,
    transcript: bool,
    only: Vec<String>,
    color: bool,
) -> Option<Vec<Row>> {
    let mut cfg = lab::LabConfig::new(dir.to_path_buf());
    if !only.is_empty() {
        cfg.only = Some(only);
    }
    let running = match lab::start(cfg).await {
        Ok(l) => l,
        Err(e) => {
            eprintln!("smtp-tls-doctor demo: cannot start the lab: {e}");
            return None;
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
                print!(
                    "{}",
                    render_text(&report, crate::text_style(color, transcript))
                );
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
    running.shutdown().await;
    Some(summary)
}

// ---- The mail-domain demo ----

/// The `--only` name of the mail-domain demo.
pub const DOMAIN_DEMO: &str = "domain";

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

fn domain_expected() -> String {
    let mut codes: Vec<&str> = DOMAIN_EXPECT.iter().map(|(c, _)| *c).collect();
    codes.sort_unstable();
    codes.join(", ")
}

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
    ];
    let dns = match LabDns::start(loopback, records.clone()).await {
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

/// Start the demo's mail domain (its files under `dir`), check it as `check demo.lab.test
/// --domain` does, and compare with [`DOMAIN_EXPECT`].
async fn domain_demo(dir: &std::path::Path, style: Style) -> DomainOutcome {
    let w = match start_domain_world(dir).await {
        Ok(w) => w,
        Err(o) => return o,
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
    let result = doctor::check::check_domain(d, &opts, &dopts).await;

    let mut o = w.describe();
    let _ = writeln!(o, "\nWhat a correct check reports, and why:");
    for (code, why) in DOMAIN_EXPECT {
        let _ = writeln!(o, "  {code:<28} {why}");
    }
    let _ = writeln!(o, "\n$ {} --quick --banner-timeout 5\n", w.command());
    let outcome = match result {
        Ok(report) => {
            o.push_str(&render_text(&report, style));
            let mut got: Vec<&str> = report.findings().map(|f| f.code.as_str()).collect();
            got.sort_unstable();
            got.dedup();
            let want = domain_expected();
            let found = if report.verdict.status == Status::Error {
                format!(
                    "not checked ({})",
                    report
                        .error
                        .as_ref()
                        .map(|e| e.phase.as_str())
                        .unwrap_or("?")
                )
            } else if got.is_empty() {
                "OK".to_string()
            } else {
                got.join(", ")
            };
            let ok = report.verdict.status != Status::Error && found == want;
            DomainOutcome::Ran {
                text: o,
                want,
                got: found,
                ok,
            }
        }
        Err(e) => {
            let _ = writeln!(o, "error: {e}");
            DomainOutcome::Ran {
                text: o,
                want: domain_expected(),
                got: format!("usage error: {e}"),
                ok: false,
            }
        }
    };
    w.shutdown().await;
    outcome
}
