//! `check --detail summary`: the compact JSON of a lab scenario, of a mail domain and of a bulk
//! run's lines (size, the fields kept, the fields left out, `--from-json` refusing it), and the
//! `no-mx-record` note of a bare name without MX records checked as a host. The mail domain is
//! served by the lab's in-process DNS server (`lab::dns::LabDns`) and a lab MX server.

mod common;

use common::{Need, Run, check_scenario, require, run};
use lab::dns::{LabDns, LabRecord};
use lab::domain::{DomainLab, MxServerSpec};
use serde_json::Value;
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::path::PathBuf;
use std::process::Command;

/// The summary's target size for one MX host (docs/json.md).
const SUMMARY_MAX: usize = 6 * 1024;

const DOMAIN: &str = "detail.test";
const MX: &str = "mx.detail.test";
const MX_ADDR: Ipv4Addr = Ipv4Addr::new(127, 0, 0, 47);

/// One mail domain with one MX host (which has an address and no MX record of its own).
struct World {
    rt: tokio::runtime::Runtime,
    mx: Option<DomainLab>,
    dns: Option<LabDns>,
    dir: tempfile::TempDir,
}

impl World {
    fn start() -> World {
        let rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .expect("runtime");
        let dir = tempfile::tempdir().expect("tempdir");
        let mx = rt
            .block_on(DomainLab::start(
                dir.path(),
                &[MxServerSpec::new(MX, &[IpAddr::V4(MX_ADDR)])],
            ))
            .expect("start the MX server");
        let records = vec![
            LabRecord::mx(DOMAIN, 10, MX),
            LabRecord::a(MX, MX_ADDR),
            // rua must be mailto: or https: (RFC 8460 §3): a domain finding with evidence.
            LabRecord::txt(
                &format!("_smtp._tls.{DOMAIN}"),
                &["v=TLSRPTv1; rua=ftp://reports.detail.test"],
            ),
        ];
        let dns = rt
            .block_on(LabDns::start(
                SocketAddr::from((Ipv4Addr::LOCALHOST, 0)),
                records,
            ))
            .expect("start the lab DNS server");
        World {
            rt,
            mx: Some(mx),
            dns: Some(dns),
            dir,
        }
    }

    fn mx(&self) -> &DomainLab {
        self.mx.as_ref().expect("mx")
    }

    /// The flags every check of this world needs.
    fn args(&self) -> Vec<String> {
        let dns = self.dns.as_ref().expect("dns").addr.to_string();
        [
            "--dns".to_string(),
            dns,
            "--port".into(),
            self.mx().port.to_string(),
            "--ca-file".into(),
            self.mx().ca_file.to_string_lossy().into_owned(),
            "--no-fetch".into(),
            "--dns-timeout".into(),
            "2".into(),
        ]
        .to_vec()
    }

    fn check(&self, target: &str, extra: &[&str]) -> Run {
        let mut args: Vec<String> = vec!["check".into(), target.into()];
        args.extend(self.args());
        args.extend(extra.iter().map(|s| s.to_string()));
        let refs: Vec<&str> = args.iter().map(String::as_str).collect();
        run(&refs)
    }

    fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }
}

impl Drop for World {
    fn drop(&mut self) {
        if let Some(d) = self.dns.take() {
            self.rt.block_on(d.shutdown());
        }
        if let Some(m) = self.mx.take() {
            self.rt.block_on(m.shutdown());
        }
    }
}

fn codes(findings: &Value) -> Vec<String> {
    findings
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|f| f["code"].as_str().map(str::to_string))
        .collect()
}

fn endpoint_codes(v: &Value) -> Vec<String> {
    v["endpoints"]
        .as_array()
        .into_iter()
        .flatten()
        .flat_map(|e| codes(&e["findings"]))
        .collect()
}

/// The SHA-256 fingerprint of a DER certificate by the openssl command ("AB:CD:..."), when it
/// is installed.
fn openssl_fingerprint(der: &[u8]) -> Option<String> {
    use std::io::Write;
    let mut child = Command::new("openssl")
        .args([
            "x509",
            "-inform",
            "DER",
            "-noout",
            "-fingerprint",
            "-sha256",
        ])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .ok()?;
    child.stdin.take()?.write_all(der).ok()?;
    let out = child.wait_with_output().ok()?;
    let text = String::from_utf8(out.stdout).ok()?;
    Some(text.trim().split_once('=')?.1.to_string())
}

/// What a summary holds and leaves out, against the full report of the same target.
fn assert_summary_of(summary: &Value, full: &Value, what: &str) {
    assert_eq!(summary["detail"], "summary", "{what}");
    assert!(
        full.get("detail").is_none(),
        "{what}: a full report has no detail"
    );
    for key in [
        "schema_version",
        "tool",
        "checked_at",
        "target",
        "verdict",
        "error",
        "trust_store",
        "names_checked",
        "connections",
    ] {
        assert!(summary.get(key).is_some(), "{what}: {key} is kept");
    }
    assert_eq!(summary["verdict"], full["verdict"], "{what}");
    assert_eq!(summary["target"], full["target"], "{what}");
    let (se, fe) = (
        summary["endpoints"].as_array().expect("endpoints"),
        full["endpoints"].as_array().expect("endpoints"),
    );
    assert_eq!(se.len(), fe.len(), "{what}");
    for (s, f) in se.iter().zip(fe) {
        // The findings whole, evidence included.
        assert_eq!(s["findings"], f["findings"], "{what}");
        for key in ["name", "address", "mode"] {
            assert_eq!(s[key], f[key], "{what}: {key}");
        }
        for key in ["version", "cipher_suite", "group", "sni", "completed"] {
            assert_eq!(s["tls"][key], f["tls"][key], "{what}: tls.{key}");
        }
        // Each certificate in brief, with the same values under the same names.
        let sc = s["chain_analysis"]["certificates"]
            .as_array()
            .expect("certificates");
        let fc = f["chain_analysis"]["certificates"]
            .as_array()
            .expect("certificates");
        assert_eq!(sc.len(), fc.len(), "{what}");
        for (a, b) in sc.iter().zip(fc) {
            for key in [
                "subject",
                "sans",
                "issuer",
                "not_after",
                "key_type",
                "key_bits",
                "sha256",
            ] {
                assert_eq!(a[key], b[key], "{what}: certificate {key}");
            }
            assert!(a.get("serial").is_none() && a.get("ca_issuers").is_none());
        }
        assert_eq!(
            s["chain_analysis"]["trust"], f["chain_analysis"]["trust"],
            "{what}"
        );
        // The scan: each version's status only.
        let versions = f["versions"]
            .as_object()
            .expect("the full report has a scan");
        for (k, v) in versions {
            assert_eq!(s["versions"][k]["status"], v["status"], "{what}: {k}");
            assert!(s["versions"][k].get("suites").is_none(), "{what}");
        }
        // The checks: each status by id, without the evidence; the MTA named as in full.
        let checks = f["checks"].as_object().expect("the full report has checks");
        assert!(!checks.is_empty(), "{what}");
        for (id, c) in checks {
            assert_eq!(s["checks"][id], c["status"], "{what}: {id}");
        }
        assert_eq!(s["server_software"], f["server_software"], "{what}");
        // Left out: the dialogue, the scan's steps and chains, the raw chains.
        for key in [
            "transcript",
            "scan_steps",
            "scanned_chains",
            "smtp",
            "timings",
            "no_sni",
            "probes",
            "starttls_injection",
        ] {
            assert!(s.get(key).is_none(), "{what}: {key} is left out");
        }
        assert!(s["tls"].get("chain").is_none(), "{what}: no raw chain");
    }
}

/// A lab scenario with findings (a certificate for another name): the summary is a few KB, keeps
/// the verdict, the findings with their evidence, what was negotiated and the chain in brief.
#[test]
fn a_lab_scenario_in_summary() {
    let full = check_scenario("wrong-name", &["--json"]);
    let summary = check_scenario("wrong-name", &["--json", "--detail", "summary"]);
    assert_eq!(summary.code, full.code, "{}", summary.stderr);
    assert_eq!(summary.code, 1);
    let (s, f) = (summary.json(), full.json());
    assert_summary_of(&s, &f, "wrong-name");
    assert!(
        summary.stdout.len() <= SUMMARY_MAX,
        "summary {} bytes",
        summary.stdout.len()
    );
    assert!(summary.stdout.len() * 4 < full.stdout.len());
    eprintln!(
        "wrong-name: full {} bytes, summary {} bytes",
        full.stdout.len(),
        summary.stdout.len()
    );
    let mismatch = s["endpoints"][0]["findings"]
        .as_array()
        .and_then(|fs| fs.iter().find(|f| f["code"] == "cert-name-mismatch"))
        .expect("cert-name-mismatch");
    assert_eq!(mismatch["evidence"]["name"], "mx.lab.test");
    assert_eq!(s["endpoints"][0]["tls"]["version"], "TLSv1.3");
    assert_eq!(
        s["endpoints"][0]["versions"]["TLSv1.2"]["status"],
        "offered"
    );
    // Simulated peers in brief.
    let peers = check_scenario(
        "wrong-name",
        &["--json", "--detail", "summary", "--as", "gmail-mx"],
    )
    .json();
    let p = &peers["endpoints"][0]["profiles"][0];
    assert_eq!(p["profile"], "gmail-mx");
    assert!(p["result"].is_string() && p.get("detail").is_none(), "{p}");
}

/// A mail domain with one MX host: the summary keeps the domain's judgement (MX hosts and the
/// status of each address, DANE, MTA-STS, TLS-RPT, senders, findings) and none of the raw DNS
/// answers; it is under the target size; `--from-json` refuses it as a usage error; the full
/// report is replayed as before.
#[test]
fn a_mail_domain_in_summary_and_no_replay_of_it() {
    let w = World::start();
    let full = w.check(DOMAIN, &["--json"]);
    let summary = w.check(DOMAIN, &["--json", "--detail", "summary"]);
    assert_eq!(summary.code, full.code, "{}", summary.stderr);
    let (s, f) = (summary.json(), full.json());
    assert!(f["domain"].is_object(), "{}", full.stdout);
    assert_summary_of(&s, &f, DOMAIN);
    eprintln!(
        "{DOMAIN} (one MX): full {} bytes, summary {} bytes",
        full.stdout.len(),
        summary.stdout.len()
    );
    assert!(
        summary.stdout.len() <= SUMMARY_MAX,
        "summary {} bytes:\n{}",
        summary.stdout.len(),
        summary.stdout
    );
    let d = &s["domain"];
    assert_eq!(d["domain"], DOMAIN);
    assert_eq!(d["mx_results"], f["domain"]["mx_results"]);
    assert_eq!(d["mx_results"][0]["host"], MX);
    assert_eq!(d["mx_results"][0]["addresses"][0]["status"], "ok");
    assert_eq!(d["senders"], f["domain"]["senders"]);
    assert_eq!(d["policy"], f["domain"]["policy"]);
    assert_eq!(d["findings"], f["domain"]["findings"]);
    assert_eq!(
        d["tlsrpt_records"][0], "v=TLSRPTv1; rua=ftp://reports.detail.test",
        "{d}"
    );
    let rpt = d["findings"]
        .as_array()
        .and_then(|fs| fs.iter().find(|f| f["code"] == "tlsrpt-invalid"))
        .expect("tlsrpt-invalid");
    assert!(
        rpt["evidence"].as_object().is_some_and(|e| !e.is_empty()),
        "{rpt}"
    );
    for raw in [
        "mx",
        "hosts",
        "mta_sts_txt",
        "mta_sts_policy",
        "tlsrpt_txt",
        "dns",
    ] {
        assert!(d.get(raw).is_none(), "{raw} is left out");
        assert!(
            f["domain"].get(raw).is_some(),
            "{raw} is in the full report"
        );
    }
    // The leaf's fingerprint, as openssl computes it.
    let leaf = w.mx().leaf_der.get(MX).expect("leaf");
    let sha = &s["endpoints"][0]["chain_analysis"]["certificates"][0]["sha256"];
    if let Some(want) = openssl_fingerprint(leaf) {
        assert_eq!(sha.as_str(), Some(want.as_str()));
    } else {
        assert!(require(&[Need::Openssl]), "openssl for the fingerprint");
    }

    // A summary cannot be judged again: a usage error that says why and what to do.
    let saved = w.path("summary.json");
    std::fs::write(&saved, &summary.stdout).expect("save");
    let again = run(&["check", "--from-json", &saved.to_string_lossy(), "--json"]);
    assert_eq!(again.code, 64, "{}", again.stdout);
    assert!(
        again.stderr.contains("has no observations to judge again")
            && again.stderr.contains("--detail full"),
        "{}",
        again.stderr
    );
    assert!(again.stdout.is_empty());
    // The full report is replayed, and its summary is the same summary.
    let saved = w.path("full.json");
    std::fs::write(&saved, &full.stdout).expect("save");
    let ca = w.mx().ca_file.to_string_lossy().into_owned();
    let again = run(&[
        "check",
        "--from-json",
        &saved.to_string_lossy(),
        "--ca-file",
        &ca,
        "--json",
        "--detail",
        "summary",
    ]);
    assert_eq!(again.code, full.code, "{}", again.stderr);
    // Judged again at the saved report's time; the rest as the summary of the same domain.
    let mut replayed = again.json();
    assert_eq!(replayed["checked_at"], f["checked_at"]);
    let mut fresh = s.clone();
    for v in [&mut replayed, &mut fresh] {
        if let Some(o) = v.as_object_mut() {
            o.remove("checked_at");
        }
    }
    assert_eq!(replayed, fresh);
    // Without --json the summary has no meaning: said so.
    let text = w.check(DOMAIN, &["--detail", "summary"]);
    assert_eq!(text.code, 64);
    assert!(text.stderr.contains("--json"), "{}", text.stderr);
}

/// A bare name with only an address (the MX host's name) is checked as a host with the note
/// `no-mx-record`, which changes no verdict; the text names the flag that checks it as a
/// domain; the note survives a replay. A name with MX records is a domain check; `HOST:PORT`
/// and an address get no note.
#[test]
fn a_name_without_mx_checked_as_a_host_says_so() {
    let w = World::start();
    let r = w.check(MX, &["--json", "--quick"]);
    assert_eq!(r.code, 0, "{}\n{}", r.stdout, r.stderr);
    let v = r.json();
    assert!(v.get("domain").is_none(), "a host check: {}", r.stdout);
    assert_eq!(v["verdict"]["status"], "ok");
    assert_eq!(endpoint_codes(&v), ["no-mx-record"]);
    let note = &v["endpoints"][0]["findings"][0];
    assert_eq!(note["severity"], "note");
    assert_eq!(note["evidence"]["name"], MX);
    let summary = note["summary"].as_str().unwrap_or_default();
    assert!(
        summary.contains("has no MX record") && summary.contains("RFC 5321"),
        "{summary}"
    );
    assert!(
        !summary.contains("--"),
        "the library names no flag: {summary}"
    );
    assert_eq!(v["target"]["mx"]["outcome"], "no-data");

    // The text: the note, and the flag that checks the name as a mail domain.
    let text = w.check(MX, &["--quick"]);
    assert_eq!(text.code, 0);
    assert!(text.stdout.contains("no-mx-record"), "{}", text.stdout);
    assert!(
        text.stdout
            .contains(&format!("smtp-tls-doctor check --domain {MX}")),
        "{}",
        text.stdout
    );

    // Replayed: the note again (the MX lookup is in the report).
    let saved = w.path("host.json");
    std::fs::write(&saved, &r.stdout).expect("save");
    let ca = w.mx().ca_file.to_string_lossy().into_owned();
    let again = run(&[
        "check",
        "--from-json",
        &saved.to_string_lossy(),
        "--ca-file",
        &ca,
        "--json",
    ]);
    assert_eq!(again.code, 0, "{}", again.stderr);
    assert_eq!(endpoint_codes(&again.json()), ["no-mx-record"]);

    // A name with MX records: a domain check, no note.
    let d = w.check(DOMAIN, &["--json", "--quick"]).json();
    assert!(d["domain"].is_object());
    assert!(!endpoint_codes(&d).contains(&"no-mx-record".to_string()));

    // HOST:PORT, and an address: not looked up, no note.
    for target in [
        format!("{MX}:{}", w.mx().port),
        format!("{MX_ADDR}:{}", w.mx().port),
    ] {
        let r = w.check(&target, &["--json", "--quick", "--name", MX]);
        let v = r.json();
        assert!(v["target"].get("mx").is_none(), "{target}: {}", r.stdout);
        assert!(endpoint_codes(&v).is_empty(), "{target}: {}", r.stdout);
        assert_eq!(r.code, 0, "{target}");
    }
}

/// A bulk run with `--detail summary` writes summary lines (`line` and `input` first), the line
/// of a target that cannot be checked as before, and `--resume` reads the summary lines back.
#[test]
fn a_bulk_run_writes_summary_lines() {
    let w = World::start();
    let list = w.path("targets.txt");
    std::fs::write(&list, format!("{DOMAIN}\n{MX}\nnot a name!\n")).expect("targets");
    let out = w.path("lines.jsonl");
    let counts = w.path("counts.json");
    let bulk = |extra: &[&str]| {
        let mut args: Vec<String> = vec!["check".into(), "--targets".into()];
        args.push(list.to_string_lossy().into_owned());
        args.extend(w.args());
        args.extend(["--output".into(), out.to_string_lossy().into_owned()]);
        args.extend(["--summary".into(), counts.to_string_lossy().into_owned()]);
        args.extend(["--detail".into(), "summary".into(), "--quick".into()]);
        args.extend(extra.iter().map(|s| s.to_string()));
        let refs: Vec<&str> = args.iter().map(String::as_str).collect();
        run(&refs)
    };
    let first = bulk(&[]);
    assert_eq!(first.code, 2, "an invalid line: {}", first.stderr);
    let text = std::fs::read_to_string(&out).expect("output");
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), 3, "{text}");
    for l in &lines {
        assert!(l.starts_with("{\"line\":"), "{l}");
        assert!(l.len() <= SUMMARY_MAX, "{} bytes", l.len());
        let v: Value = serde_json::from_str(l).expect("JSON");
        let input = v["input"].as_str().unwrap_or_default();
        let second = l.split_once(',').map(|(_, rest)| rest).unwrap_or_default();
        assert!(second.starts_with("\"input\":"), "{l}");
        if input == "not a name!" {
            assert!(v.get("detail").is_none() && v["error"]["kind"].is_string());
            continue;
        }
        assert_eq!(v["detail"], "summary", "{l}");
        assert!(v["endpoints"][0].get("transcript").is_none());
        assert!(v["endpoints"][0]["chain_analysis"]["certificates"][0]["sha256"].is_string());
        if input == DOMAIN {
            assert_eq!(v["domain"]["mx_results"][0]["host"], MX);
            assert!(v["domain"].get("mx").is_none());
        } else {
            assert_eq!(endpoint_codes(&v), ["no-mx-record"], "{l}");
        }
    }
    let counted: Value =
        serde_json::from_str(&std::fs::read_to_string(&counts).expect("counts")).expect("JSON");
    // Resumed: nothing left to check; the counts come from the summary lines.
    let resumed = bulk(&["--resume"]);
    assert_eq!(resumed.code, first.code, "{}", resumed.stderr);
    assert_eq!(std::fs::read_to_string(&out).expect("output"), text);
    let recounted: Value =
        serde_json::from_str(&std::fs::read_to_string(&counts).expect("counts")).expect("JSON");
    for key in ["lines", "by_status", "by_code", "errors", "hosts"] {
        assert_eq!(recounted[key], counted[key], "{key}");
    }
    assert_eq!(recounted["resumed"], 3);
    assert_eq!(counted["lines"], 3, "{counted}");
    assert_eq!(counted["errors"]["invalid-target"], 1, "{counted}");
}
