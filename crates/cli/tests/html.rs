//! `check --html FILE` against the lab: the page holds the verdict, the findings with their fixes
//! and the domain's MX table; its tags balance; an existing file is refused unless `--force`.

mod common;
use common::*;
use lab::dns::{LabDns, LabRecord};
use lab::domain::{DomainLab, MxServerSpec};
use std::net::{IpAddr, SocketAddr};
use std::process::Command;

/// The tags of `page` balance (void elements aside), checked by python3's html.parser.
fn assert_balanced(page: &std::path::Path) {
    let script = r#"
import sys
from html.parser import HTMLParser
VOID = {"meta", "br", "hr", "img", "input", "link", "wbr"}
class P(HTMLParser):
    def __init__(self):
        super().__init__(); self.stack = []; self.bad = []
    def handle_starttag(self, tag, attrs):
        if tag not in VOID: self.stack.append(tag)
    def handle_endtag(self, tag):
        if not self.stack or self.stack[-1] != tag: self.bad.append((tag, list(self.stack)))
        else: self.stack.pop()
p = P(); p.feed(open(sys.argv[1], encoding="utf-8").read()); p.close()
if p.bad or p.stack:
    print("unbalanced:", p.bad[:5], "open:", p.stack); sys.exit(1)
"#;
    let out = Command::new("python3")
        .arg("-c")
        .arg(script)
        .arg(page)
        .output()
        .expect("python3");
    assert!(
        out.status.success(),
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn wrong_name_page_is_written_refused_then_replaced() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("report.html");
    let p = path.to_string_lossy().into_owned();
    let r = check_scenario("wrong-name", &["--html", &p]);
    assert_eq!(r.code, 1, "{}", r.stderr);
    // The normal output is still written.
    assert!(r.stdout.starts_with("PROBLEM"), "{}", r.stdout);
    let page = std::fs::read_to_string(&path).expect("the page");
    assert!(page.contains("banner problems"), "{page}");
    assert!(page.contains("<code>cert-name-mismatch</code>"), "{page}");
    let fix = doctor::judge::registry::lookup("cert-name-mismatch")
        .and_then(|d| d.fixes.first())
        .map(|f| doctor::render::html::esc(f.text))
        .expect("a fix");
    assert!(page.contains(&fix), "{page}");
    assert!(page.contains("Content-Security-Policy"));
    assert!(!page.contains("<script"));
    assert_balanced(&path);

    // There now: refused before any connection, and left as it was.
    std::fs::write(&path, "old").expect("write");
    let r = check_scenario("wrong-name", &["--html", &p]);
    assert_eq!(r.code, 64, "{}", r.stderr);
    assert!(r.stderr.contains("--force"), "{}", r.stderr);
    assert_eq!(std::fs::read_to_string(&path).expect("read"), "old");

    // Replaced with --force.
    let r = check_scenario("wrong-name", &["--html", &p, "--force"]);
    assert_eq!(r.code, 1, "{}", r.stderr);
    let page = std::fs::read_to_string(&path).expect("the page");
    assert!(page.contains("cert-name-mismatch"));
}

/// The page lists every check with its status and evidence, the vulnerable one first, and names
/// the software the server looks like.
#[test]
fn the_checks_and_the_software_are_on_the_page() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("report.html");
    let p = path.to_string_lossy().into_owned();
    let r = check_scenario("starttls-injection", &["--html", &p, "--json"]);
    assert_eq!(r.code, 1, "{}", r.stderr);
    let v = r.json();
    let page = std::fs::read_to_string(&path).expect("the page");
    let checks = v["endpoints"][0]["checks"]
        .as_object()
        .expect("checks in the report");
    assert!(checks.len() > 10, "{checks:?}");
    for (id, c) in checks {
        let status = c["status"].as_str().expect("a status");
        assert!(
            page.contains(&format!("data-check=\"{id}\" data-status=\"{status}\"")),
            "{id} {status}"
        );
    }
    // The vulnerable one is the table's first row.
    let first = page
        .split("data-check=\"")
        .nth(1)
        .and_then(|rest| rest.split('"').next());
    assert_eq!(first, Some("starttls-injection"));
    assert!(
        page.contains("<td id=\"software\">looks like smtp-tls-doctor lab"),
        "{page}"
    );
    assert_balanced(&path);
}

#[test]
fn a_domain_page_has_its_mx_table() {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime");
    let dir = tempfile::tempdir().expect("tempdir");
    let d = "html.lab.test";
    let mx1 = format!("mx1.{d}");
    let a1: IpAddr = "127.0.0.171".parse().expect("addr");
    let mx = rt
        .block_on(DomainLab::start(
            dir.path(),
            &[MxServerSpec::new(&mx1, &[a1])],
        ))
        .expect("MX server");
    let bind: SocketAddr = "127.0.0.1:0".parse().expect("addr");
    let records = vec![LabRecord::mx(d, 10, &mx1), LabRecord::addr(&mx1, a1)];
    let dns = rt
        .block_on(LabDns::start(bind, records))
        .expect("DNS server");
    let path = dir.path().join("domain.html");
    let out = Command::new(env!("CARGO_BIN_EXE_smtp-tls-doctor"))
        .args(["check", d, "--domain", "--quick", "--no-fetch"])
        .args(["--dns", &dns.addr.to_string()])
        .args(["--port", &mx.port.to_string()])
        .arg("--ca-file")
        .arg(&mx.ca_file)
        .arg("--html")
        .arg(&path)
        .output()
        .expect("run");
    let page = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("no page ({e}): {}", String::from_utf8_lossy(&out.stderr)));
    assert!(page.contains("<h3>MX hosts</h3>"), "{page}");
    assert!(page.contains(&format!("<td>{mx1}</td>")), "{page}");
    assert!(page.contains(&format!("127.0.0.171:{}", mx.port)), "{page}");
    assert!(page.contains("Who delivers how"), "{page}");
    assert!(page.contains("MTA-STS (RFC 8461)"), "{page}");
    assert_balanced(&path);
    rt.block_on(async {
        dns.shutdown().await;
        mx.shutdown().await;
    });
}
