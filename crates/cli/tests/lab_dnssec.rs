//! `dnssec-bogus` on the lab alone (no NSD or Unbound): the lab's DNS server answers as a
//! validating resolver does for data whose signatures fail (SERVFAIL; the data with CD=1), and
//! the check of a mail domain whose MX host address is such data reports it. The same finding
//! against a real signed zone behind Unbound is `domain.rs::a_bogus_address_is_dnssec_bogus_in_both_modes`.

use lab::dns::{LabDns, LabRecord};
use lab::domain::{DomainLab, MxServerSpec};
use serde_json::Value;
use std::net::{IpAddr, SocketAddr};
use std::process::Command;

#[test]
fn a_bogus_mx_address_is_dnssec_bogus() {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime");
    let dir = tempfile::tempdir().expect("tempdir");
    let d = "bogus.lab.test";
    let mx1 = format!("mx1.{d}");
    let a1: IpAddr = "127.0.0.170".parse().expect("addr");
    let mx = rt
        .block_on(DomainLab::start(
            dir.path(),
            &[MxServerSpec::new(&mx1, &[a1])],
        ))
        .expect("MX server");
    let bind: SocketAddr = "127.0.0.1:0".parse().expect("addr");
    let records = vec![LabRecord::mx(d, 10, &mx1), LabRecord::addr(&mx1, a1)];
    let dns = rt
        .block_on(LabDns::start_bogus(bind, records, &[&mx1]))
        .expect("DNS server");
    let out = Command::new(env!("CARGO_BIN_EXE_smtp-tls-doctor"))
        .args(["check", d, "--domain", "--json", "--quick", "--no-fetch"])
        .args(["--dns", &dns.addr.to_string()])
        .args(["--port", &mx.port.to_string()])
        .arg("--ca-file")
        .arg(&mx.ca_file)
        .output()
        .expect("run");
    let v: Value = serde_json::from_slice(&out.stdout).expect("JSON");
    let findings = v["domain"]["findings"].as_array().expect("findings");
    let bogus = findings
        .iter()
        .find(|f| f["code"] == "dnssec-bogus")
        .unwrap_or_else(|| panic!("no dnssec-bogus: {findings:#?}"));
    assert_eq!(bogus["severity"], "error", "{bogus}");
    assert!(bogus.to_string().contains(&mx1), "{bogus}");
    assert_eq!(v["verdict"]["status"], "problems", "{}", v["verdict"]);
    // The host is not called invalid for it: the zone's signatures are what fails.
    assert!(
        !findings.iter().any(|f| f["code"] == "mx-host-invalid"),
        "{findings:#?}"
    );
    assert_eq!(out.status.code(), Some(1));
    rt.block_on(async {
        dns.shutdown().await;
        mx.shutdown().await;
    });
}
