//! `check DOMAIN` end to end: a real authoritative DNS server (NSD) with signed and unsigned
//! zones, a validating resolver (Unbound), lab MX servers on several loopback addresses, and an
//! HTTPS server for MTA-STS policies. Every finding is asserted from `--json`.
//! TLSA association data is computed with the openssl command, not with the code under test.
//! Without NSD, Unbound, ldnsutils (signed zones) or openssl the tests that need them are
//! skipped loudly (a failure under CI).

mod common;

use common::dns::{
    BOGUS_MARKER, BadDns, BadKind, DNS_LAB, DNS_LAB_SIGNED, DnsLab, ZoneSpec, big_txt_records,
};
use common::{Need, Run, codes, require, run};
use lab::domain::{DomainLab, MxCert, MxServerSpec};
use lab::https::{PolicyResponse, PolicyServer};
use serde_json::Value;
use std::io::Write;
use std::net::{IpAddr, SocketAddr};
use std::path::PathBuf;
use std::process::{Command, Stdio};

/// A mail world: MX servers, optional policy servers, and (after `dns`) the DNS servers.
struct World {
    rt: tokio::runtime::Runtime,
    mx: DomainLab,
    policies: Vec<(String, PolicyServer)>,
    _dir: tempfile::TempDir,
}

fn ip(s: &str) -> IpAddr {
    s.parse().expect("address")
}

impl World {
    fn start(mxs: &[MxServerSpec]) -> World {
        let rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .expect("runtime");
        let dir = tempfile::tempdir().expect("tempdir");
        let mx = rt
            .block_on(DomainLab::start(dir.path(), mxs))
            .expect("start the MX servers");
        World {
            rt,
            mx,
            policies: Vec::new(),
            _dir: dir,
        }
    }

    /// Serve an MTA-STS policy for `domain` with a certificate of the lab's PKI.
    fn policy(&mut self, domain: &str, cert: MxCert, response: PolicyResponse) {
        let host = format!("mta-sts.{domain}");
        let (chain, key) = self.mx.issue(&cert, &host).expect("issue");
        let bind: SocketAddr = "127.0.0.1:0".parse().expect("addr");
        let server = self
            .rt
            .block_on(PolicyServer::start(bind, chain, key, response))
            .expect("policy server");
        self.policies.push((host, server));
    }

    fn port(&self) -> u16 {
        self.mx.port
    }

    fn leaf(&self, mx: &str) -> Vec<u8> {
        self.mx.leaf_der.get(mx).cloned().expect("leaf")
    }

    /// `check DOMAIN --json` through `dns` with the lab's CA, this world's port and policy servers.
    fn check(&self, domain: &str, dns: SocketAddr, extra: &[&str]) -> Run {
        let port = self.port().to_string();
        let dns = dns.to_string();
        let ca = self.mx.ca_file.to_string_lossy().into_owned();
        let mut args: Vec<String> = [
            "check",
            domain,
            "--domain",
            "--json",
            "--dns",
            &dns,
            "--port",
            &port,
            "--ca-file",
            &ca,
            "--no-fetch",
            "--dns-timeout",
            "2",
        ]
        .iter()
        .map(|s| s.to_string())
        .collect();
        for (host, server) in &self.policies {
            args.push("--connect-to".into());
            args.push(format!("{host}:443:{}", server.addr));
        }
        args.extend(extra.iter().map(|s| s.to_string()));
        let refs: Vec<&str> = args.iter().map(String::as_str).collect();
        run(&refs)
    }
}

/// Association data with the openssl command: `selector` 0 (certificate) or 1 (SPKI), `matching`
/// 1 (SHA-256) or 2 (SHA-512).
fn openssl_assoc(der: &[u8], selector: u8, matching: u8) -> String {
    let selected = if selector == 1 {
        let pem = pipe(&["x509", "-inform", "DER", "-noout", "-pubkey"], der);
        pipe(&["pkey", "-pubin", "-outform", "DER"], &pem)
    } else {
        der.to_vec()
    };
    let alg = if matching == 2 { "-sha512" } else { "-sha256" };
    let out = pipe(&["dgst", alg, "-r"], &selected);
    String::from_utf8_lossy(&out)
        .split_whitespace()
        .next()
        .expect("digest")
        .to_string()
}

fn pipe(args: &[&str], input: &[u8]) -> Vec<u8> {
    let mut child = Command::new("openssl")
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .expect("openssl");
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(input)
        .expect("write");
    let out = child.wait_with_output().expect("openssl output");
    assert!(out.status.success(), "openssl {args:?} failed");
    out.stdout
}

fn zone(origin: &str, records: &str, signed: bool) -> ZoneSpec {
    ZoneSpec {
        origin: origin.into(),
        records: records.into(),
        signed,
    }
}

fn domain_codes(v: &Value) -> Vec<String> {
    let mut c: Vec<String> = v["domain"]["findings"]
        .as_array()
        .map(|a| {
            a.iter()
                .filter_map(|f| f["code"].as_str().map(str::to_string))
                .collect()
        })
        .unwrap_or_default();
    c.sort();
    c.dedup();
    c
}

/// Every code of `want` is among the domain's findings `c` (the report shown when not).
fn assert_has(c: &[String], want: &[&str], r: &Run) {
    for w in want {
        assert!(
            c.iter().any(|x| x == w),
            "{w} missing in {c:?}\n{}",
            r.stdout
        );
    }
}

fn sender(v: &Value, kind: &str) -> String {
    v["domain"]["senders"]
        .as_array()
        .and_then(|a| a.iter().find(|s| s["kind"] == kind))
        .and_then(|s| s["result"].as_str())
        .unwrap_or("?")
        .to_string()
}

fn summaries(v: &Value, code: &str) -> Vec<String> {
    v["domain"]["findings"]
        .as_array()
        .map(|a| {
            a.iter()
                .filter(|f| f["code"] == code)
                .filter_map(|f| f["summary"].as_str().map(str::to_string))
                .collect()
        })
        .unwrap_or_default()
}

const GOOD_POLICY: &str = "version: STSv1\r\nmode: enforce\r\nmx: mx1.good.test\r\nmx: *.good.test\r\nmax_age: 604800\r\n";

/// A well-run domain: two MX hosts (one on IPv4 and IPv6), DANE-EE and DANE-TA records in a
/// signed zone, an enforcing MTA-STS policy, TLS-RPT. Nothing to find, through the resolver's AD
/// bit and through our own validation.
#[test]
fn a_well_run_domain_has_no_findings_in_both_dnssec_modes() {
    if !require(&[DNS_LAB_SIGNED, &[Need::Openssl]].concat()) {
        return;
    }
    let mut w = World::start(&[
        MxServerSpec::new("mx1.good.test", &[ip("127.0.0.21"), ip("::1")]),
        MxServerSpec::new("mx2.good.test", &[ip("127.0.0.22")]),
    ]);
    w.policy("good.test", MxCert::Valid, PolicyResponse::ok(GOOD_POLICY));
    let p = w.port();
    let ee = openssl_assoc(&w.leaf("mx1.good.test"), 1, 1);
    let ta = openssl_assoc(&w.mx.intermediate_der, 0, 2);
    let records = format!(
        "@ IN MX 10 mx1\n@ IN MX 20 mx2\nmx1 IN A 127.0.0.21\nmx1 IN AAAA ::1\nmx2 IN A 127.0.0.22\n\
         _{p}._tcp.mx1 IN TLSA 3 1 1 {ee}\n_{p}._tcp.mx2 IN TLSA 2 0 2 {ta}\n\
         _mta-sts IN TXT \"v=STSv1; id=20261125;\"\nmta-sts IN A 127.0.0.1\n\
         _smtp._tls IN TXT \"v=TLSRPTv1; rua=mailto:tlsrpt@good.test\"\n"
    );
    let dns = DnsLab::start(&[zone("good.test", &records, true)]);

    let r = w.check("good.test", dns.resolver, &[]);
    let v = r.json();
    assert_eq!(domain_codes(&v), Vec::<String>::new(), "{}", r.stdout);
    assert!(codes(&v).is_empty(), "endpoint findings: {:?}", codes(&v));
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert_eq!(v["domain"]["mx_results"].as_array().map(Vec::len), Some(2));
    assert_eq!(v["endpoints"].as_array().map(Vec::len), Some(3));
    assert_eq!(sender(&v, "mta-sts"), "verified-tls");
    assert_eq!(sender(&v, "dane"), "verified-tls");
    assert_eq!(sender(&v, "opportunistic"), "tls");
    assert_eq!(v["domain"]["mx_results"][0]["tlsa"], "secure");
    assert!(
        v["domain"]["dns"]["dnssec"]
            .as_str()
            .unwrap_or_default()
            .contains("AD bit")
    );
    // The policy host was asked for the right path, with the right Host.
    let reqs = w.policies[0].1.requests();
    assert!(
        reqs.iter()
            .any(|(path, host)| path == "/.well-known/mta-sts.txt"
                && host.as_deref() == Some("mta-sts.good.test"))
    );

    // Our own validation, straight from the authoritative server, with the zone's key as anchor.
    let anchor = dns.trust_anchor.to_string_lossy().into_owned();
    let r = w.check(
        "good.test",
        dns.auth,
        &["--dnssec-validate", "--trust-anchor", &anchor],
    );
    let v = r.json();
    assert_eq!(domain_codes(&v), Vec::<String>::new(), "{}", r.stdout);
    assert_eq!(sender(&v, "dane"), "verified-tls");
    assert!(
        v["domain"]["dns"]["dnssec"]
            .as_str()
            .unwrap_or_default()
            .contains("validated by smtp-tls-doctor")
    );
    // Without validation, the authoritative server sets no AD bit: the TLSA records do not count.
    let r = w.check("good.test", dns.auth, &[]);
    assert!(domain_codes(&r.json()).contains(&"dane-unsigned".to_string()));
}

/// DANE going wrong: a record left over from before a renewal, a usage-1 record, a bogus
/// signature, and TLSA records in an unsigned zone.
#[test]
fn dane_mismatch_stale_usage_bogus_and_unsigned() {
    if !require(&[DNS_LAB_SIGNED, &[Need::Openssl]].concat()) {
        return;
    }
    let w = World::start(&[
        MxServerSpec::new("mx1.dane.test", &[ip("127.0.0.23")]),
        MxServerSpec::new("mx2.dane.test", &[ip("127.0.0.24")]),
        MxServerSpec::new("mx3.dane.test", &[ip("127.0.0.25")]),
    ]);
    let p = w.port();
    let old = "0".repeat(64);
    let mx2 = openssl_assoc(&w.leaf("mx2.dane.test"), 1, 1);
    let records = format!(
        "@ IN MX 10 mx1\n@ IN MX 20 mx2\n@ IN MX 30 mx3\n\
         mx1 IN A 127.0.0.23\nmx2 IN A 127.0.0.24\nmx3 IN A 127.0.0.25\n\
         _{p}._tcp.mx1 IN TLSA 3 1 1 {old}\n\
         _{p}._tcp.mx2 IN TLSA 3 1 1 {mx2}\n_{p}._tcp.mx2 IN TLSA 3 1 1 {old}\n_{p}._tcp.mx2 IN TLSA 1 1 1 {mx2}\n\
         _{p}._tcp.mx3 IN TLSA 3 1 1 {old} ; {BOGUS_MARKER}\n"
    );
    // The same server under an unsigned zone's name: its TLSA records count for nothing.
    let unsigned =
        format!("@ IN MX 10 mx1\nmx1 IN A 127.0.0.24\n_{p}._tcp.mx1 IN TLSA 3 1 1 {mx2}\n");
    let dns = DnsLab::start(&[
        zone("dane.test", &records, true),
        zone("plain.test", &unsigned, false),
    ]);
    let r = w.check("dane.test", dns.resolver, &[]);
    let v = r.json();
    let c = domain_codes(&v);
    assert_has(
        &c,
        &[
            "dane-tlsa-mismatch",
            "dane-tlsa-stale",
            "dane-usage-unsuitable",
            "dane-tlsa-lookup-failed",
            "tlsrpt-missing",
        ],
        &r,
    );
    assert_eq!(r.code, 1);
    let mismatch = summaries(&v, "dane-tlsa-mismatch").join(" ");
    assert!(mismatch.contains("mx1.dane.test"), "{mismatch}");
    // The record to publish for the certificate served is in the evidence.
    let mx1 = openssl_assoc(&w.leaf("mx1.dane.test"), 1, 1);
    assert!(mismatch.contains(&format!("3 1 1 {mx1}")), "{mismatch}");
    assert!(
        summaries(&v, "dane-tlsa-lookup-failed")
            .join(" ")
            .contains("bogus")
    );
    // mx2 still delivers for DANE senders: it is the fallback after mx1.
    assert_eq!(sender(&v, "dane"), "verified-tls");

    let r = w.check("plain.test", dns.resolver, &[]);
    let v = r.json();
    assert!(
        domain_codes(&v).contains(&"dane-unsigned".to_string()),
        "{}",
        r.stdout
    );
    assert_eq!(sender(&v, "dane"), "tls");

    // The same judgements with our own validation, straight from the authoritative server.
    let anchor = dns.trust_anchor.to_string_lossy().into_owned();
    let own = ["--dnssec-validate", "--trust-anchor", anchor.as_str()];
    let r = w.check("dane.test", dns.auth, &own);
    let v = r.json();
    let c = domain_codes(&v);
    assert_has(
        &c,
        &[
            "dane-tlsa-mismatch",
            "dane-tlsa-stale",
            "dane-usage-unsuitable",
            "dane-tlsa-lookup-failed",
        ],
        &r,
    );
    assert!(
        summaries(&v, "dane-tlsa-lookup-failed")
            .join(" ")
            .contains("bogus")
    );
    let r = w.check("plain.test", dns.auth, &own);
    let v = r.json();
    assert!(
        domain_codes(&v).contains(&"dane-unsigned".to_string()),
        "{}",
        r.stdout
    );
}

/// An MX host's address with a broken signature: `dnssec-bogus` through a validating resolver
/// and with our own validation (which never asks again without validation under an anchor).
#[test]
fn a_bogus_address_is_dnssec_bogus_in_both_modes() {
    if !require(DNS_LAB_SIGNED) {
        return;
    }
    let w = World::start(&[
        MxServerSpec::new("mx1.bogus.test", &[ip("127.0.0.26")]),
        MxServerSpec::new("mx2.bogus.test", &[ip("127.0.0.27")]),
    ]);
    let records = format!(
        "@ IN MX 10 mx1\n@ IN MX 20 mx2\n\
         mx1 IN A 127.0.0.26 ; {BOGUS_MARKER}\nmx2 IN A 127.0.0.27\n"
    );
    let dns = DnsLab::start(&[zone("bogus.test", &records, true)]);
    let anchor = dns.trust_anchor.to_string_lossy().into_owned();
    let own = ["--dnssec-validate", "--trust-anchor", anchor.as_str()];
    for (server, extra) in [(dns.resolver, &[][..]), (dns.auth, &own[..])] {
        let r = w.check("bogus.test", server, extra);
        let v = r.json();
        let c = domain_codes(&v);
        assert_has(&c, &["dnssec-bogus"], &r);
        let s = summaries(&v, "dnssec-bogus").join(" ");
        assert!(s.contains("mx1.bogus.test A"), "{s}");
        assert!(!s.contains("mx2.bogus.test"), "{s}");
        assert_eq!(r.code, 1, "{extra:?}: {}", r.stdout);
    }
}

/// MTA-STS in enforce mode against MX hosts that fail it, and one the policy does not cover.
#[test]
fn mta_sts_enforce_failures_uncovered_mx_and_inconsistent_hosts() {
    if !require(DNS_LAB) {
        return;
    }
    let mut bad = MxServerSpec::new("mx2.sts.test", &[ip("127.0.0.27")]);
    bad.cert = MxCert::WrongName("other.sts.test".into());
    let mut w = World::start(&[
        MxServerSpec::new("mx1.sts.test", &[ip("127.0.0.26")]),
        bad,
        MxServerSpec::new("backup.elsewhere.test", &[ip("127.0.0.28")]),
    ]);
    w.policy(
        "sts.test",
        MxCert::Valid,
        PolicyResponse::ok(
            "version: STSv1\r\nmode: enforce\r\nmx: *.sts.test\r\nmax_age: 86400\r\n",
        ),
    );
    let records = "@ IN MX 10 mx1\n@ IN MX 10 mx2\n@ IN MX 50 backup.elsewhere.test.\n\
         mx1 IN A 127.0.0.26\nmx2 IN A 127.0.0.27\n_mta-sts IN TXT \"v=STSv1; id=1;\"\n\
         _smtp._tls IN TXT \"v=TLSRPTv1; rua=mailto:r@sts.test\"\n";
    let other = "backup IN A 127.0.0.28\n";
    let dns = DnsLab::start(&[
        zone("sts.test", records, false),
        zone("elsewhere.test", other, false),
    ]);
    let r = w.check("sts.test", dns.resolver, &[]);
    let v = r.json();
    let c = domain_codes(&v);
    assert_has(
        &c,
        &[
            "mta-sts-enforce-would-fail",
            "mta-sts-mx-not-covered",
            "mx-inconsistent",
        ],
        &r,
    );
    let fail = summaries(&v, "mta-sts-enforce-would-fail").join(" ");
    assert!(
        fail.contains("mx2.sts.test") && !fail.contains("mx1.sts.test"),
        "{fail}"
    );
    assert!(
        summaries(&v, "mta-sts-mx-not-covered")
            .join(" ")
            .contains("backup.elsewhere.test")
    );
    // The endpoint itself carries the name mismatch.
    assert!(
        codes(&v).contains(&"cert-name-mismatch".to_string()),
        "{:?}",
        codes(&v)
    );
    // mx1 passes, so enforcing senders still deliver (to it).
    assert_eq!(sender(&v, "mta-sts"), "verified-tls");
    assert_eq!(r.code, 1);
}

/// Every way the policy itself can go wrong, one domain each.
#[test]
fn mta_sts_policy_problems() {
    if !require(DNS_LAB) {
        return;
    }
    let mut w = World::start(&[MxServerSpec::new("mx.mail.test", &[ip("127.0.0.29")])]);
    let ok_for = "version: STSv1\r\nmode: enforce\r\nmx: mx.mail.test\r\nmax_age: 604800\r\n";
    let cases: Vec<(&str, MxCert, PolicyResponse, &str)> = vec![
        (
            "p404.test",
            MxCert::Valid,
            PolicyResponse::status(404),
            "mta-sts-policy-unreachable",
        ),
        (
            "predirect.test",
            MxCert::Valid,
            PolicyResponse::redirect(301, "https://elsewhere.test/policy"),
            "mta-sts-policy-unreachable",
        ),
        (
            "pcert.test",
            MxCert::WrongName("www.pcert.test".into()),
            PolicyResponse::ok(ok_for),
            "mta-sts-policy-cert-invalid",
        ),
        (
            "pbody.test",
            MxCert::Valid,
            PolicyResponse::ok(
                "version: STSv1\r\nmode: enforced\r\nmx: mx.mail.test\r\nmax_age: 604800\r\n",
            ),
            "mta-sts-policy-invalid",
        ),
        (
            "ptype.test",
            MxCert::Valid,
            PolicyResponse {
                content_type: Some("text/html".into()),
                ..PolicyResponse::ok(ok_for)
            },
            "mta-sts-policy-invalid",
        ),
        (
            "plf.test",
            MxCert::Valid,
            PolicyResponse::ok(
                "version: STSv1\nmode: enforce\nmx: mx.mail.test\nmax_age: 604800\n",
            ),
            "mta-sts-policy-nonstandard",
        ),
        (
            "ptesting.test",
            MxCert::Valid,
            PolicyResponse::ok(
                "version: STSv1\r\nmode: testing\r\nmx: mx.mail.test\r\nmax_age: 604800\r\n",
            ),
            "mta-sts-testing",
        ),
    ];
    let mut zones = vec![zone("mail.test", "mx IN A 127.0.0.29\n", false)];
    for (d, cert, resp, _) in &cases {
        w.policy(d, cert.clone(), resp.clone());
        zones.push(zone(
            d,
            "@ IN MX 10 mx.mail.test.\n_mta-sts IN TXT \"v=STSv1; id=7;\"\n_smtp._tls IN TXT \"v=TLSRPTv1; rua=mailto:r@mail.test\"\n",
            false,
        ));
    }
    // Two TXT records, and a bad TLS-RPT record; and no TLS-RPT at all.
    w.policy("ptxt.test", MxCert::Valid, PolicyResponse::ok(ok_for));
    zones.push(zone(
        "ptxt.test",
        "@ IN MX 10 mx.mail.test.\n_mta-sts IN TXT \"v=STSv1; id=1;\"\n_mta-sts IN TXT \"v=STSv1; id=2;\"\n_smtp._tls IN TXT \"v=TLSRPTv1; rua=ftp://r.mail.test/\"\n",
        false,
    ));
    w.policy("pnorpt.test", MxCert::Valid, PolicyResponse::ok(ok_for));
    zones.push(zone(
        "pnorpt.test",
        "@ IN MX 10 mx.mail.test.\n_mta-sts IN TXT \"v=STSv1; id=1;\"\n",
        false,
    ));
    let dns = DnsLab::start(&zones);
    for (d, _, _, want) in &cases {
        let r = w.check(d, dns.resolver, &[]);
        let c = domain_codes(&r.json());
        assert!(
            c.contains(&want.to_string()),
            "{d}: {want} missing in {c:?}\n{}",
            r.stdout
        );
    }
    let r = w.check("ptxt.test", dns.resolver, &[]);
    let c = domain_codes(&r.json());
    assert!(c.contains(&"mta-sts-txt-invalid".to_string()), "{c:?}");
    assert!(c.contains(&"tlsrpt-invalid".to_string()), "{c:?}");
    let r = w.check("pnorpt.test", dns.resolver, &[]);
    let v = r.json();
    assert_eq!(
        domain_codes(&v),
        vec!["tlsrpt-missing".to_string()],
        "{}",
        r.stdout
    );
    assert_eq!(sender(&v, "mta-sts"), "verified-tls");
    assert_eq!(r.code, 0);
}

/// MX shapes: implicit MX, null MX, an MX written as an IP literal, an address that fails while
/// another works, an MX host that nothing answers on, an alias loop.
#[test]
fn mx_shapes_and_broken_addresses() {
    if !require(DNS_LAB) {
        return;
    }
    let w = World::start(&[
        MxServerSpec::new("mx.shapes.test", &[ip("127.0.0.30")]),
        MxServerSpec::new("implicit.test", &[ip("127.0.0.31")]),
    ]);
    let zones = vec![
        // mx has a second address where nothing listens; dead has only such addresses.
        zone(
            "shapes.test",
            "@ IN MX 10 mx\n@ IN MX 20 dead\n@ IN MX 30 192.0.2.1.\n@ IN MX 40 loop1\n\
             mx IN A 127.0.0.30\nmx IN A 127.0.0.32\ndead IN A 127.0.0.33\n\
             loop1 IN CNAME loop2\nloop2 IN CNAME loop1\n",
            false,
        ),
        zone("implicit.test", "@ IN A 127.0.0.31\n", false),
        zone("null.test", "@ IN MX 0 .\n", false),
    ];
    let dns = DnsLab::start(&zones);
    let r = w.check("shapes.test", dns.resolver, &[]);
    let v = r.json();
    let c = domain_codes(&v);
    assert_has(
        &c,
        &["mx-address-failed", "mx-unreachable", "mx-host-invalid"],
        &r,
    );
    let invalid = summaries(&v, "mx-host-invalid").join(" ");
    assert!(invalid.contains("192.0.2.1"), "{invalid}");
    assert!(invalid.contains("loop"), "{invalid}");
    assert!(
        summaries(&v, "mx-address-failed")
            .join(" ")
            .contains("127.0.0.32")
    );
    assert!(
        summaries(&v, "mx-unreachable")
            .join(" ")
            .contains("dead.shapes.test")
    );
    // Nothing ever connected to 192.0.2.1: the MX was not used as an address.
    assert!(v["endpoints"].as_array().is_some_and(|e| e.iter().all(|e| {
        !e["address"]
            .as_str()
            .unwrap_or_default()
            .starts_with("192.0.2.")
    })));

    let r = w.check("implicit.test", dns.resolver, &[]);
    let v = r.json();
    assert_eq!(
        domain_codes(&v),
        vec!["mx-implicit".to_string()],
        "{}",
        r.stdout
    );
    assert_eq!(v["domain"]["mx_results"][0]["host"], "implicit.test");

    let r = w.check("null.test", dns.resolver, &[]);
    let v = r.json();
    assert_eq!(
        domain_codes(&v),
        vec!["mx-null".to_string()],
        "{}",
        r.stdout
    );
    assert_eq!(v["connections"], 0);
    assert_eq!(sender(&v, "opportunistic"), "no-mail");
    assert_eq!(r.code, 0);

    // A domain that does not exist cannot be checked: exit 2, resolve phase.
    let r = w.check("nxdomain.shapes.test", dns.resolver, &[]);
    assert_eq!(r.code, 2, "{}", r.stdout);
    assert_eq!(r.json()["error"]["phase"], "resolve");
}

/// The certificate without SNI differs from the MX name's: sni-cert-differs on that endpoint;
/// STARTTLS missing on one MX of two: mx-inconsistent and plaintext for opportunistic senders.
#[test]
fn sni_dependent_certificate_and_missing_starttls() {
    if !require(DNS_LAB) {
        return;
    }
    let mut sni = MxServerSpec::new("mx1.sni.test", &[ip("127.0.0.34")]);
    sni.cert = MxCert::WrongName("default.sni.test".into());
    sni.sni_certs = vec![("mx1.sni.test".into(), MxCert::Valid)];
    let mut plain = MxServerSpec::new("mx2.sni.test", &[ip("127.0.0.35")]);
    plain.starttls = false;
    let w = World::start(&[sni, plain]);
    let dns = DnsLab::start(&[zone(
        "sni.test",
        "@ IN MX 10 mx1\n@ IN MX 20 mx2\nmx1 IN A 127.0.0.34\nmx2 IN A 127.0.0.35\n",
        false,
    )]);
    let r = w.check("sni.test", dns.resolver, &[]);
    let v = r.json();
    let ep = codes(&v);
    assert!(
        ep.contains(&"sni-cert-differs".to_string()),
        "{ep:?}\n{}",
        r.stdout
    );
    assert!(ep.contains(&"starttls-not-offered".to_string()), "{ep:?}");
    assert!(domain_codes(&v).contains(&"mx-inconsistent".to_string()));
    let mx2 = &v["domain"]["mx_results"][1];
    assert_eq!(mx2["addresses"][0]["status"], "no-starttls");
}

/// Bad DNS servers give a precise error, never a hang: a silent one is reported as such ("no
/// answer within"), so the --dns-timeout fired.
#[test]
fn bad_dns_answers_give_precise_errors() {
    for (kind, words) in [
        (BadKind::ServFail, "SERVFAIL"),
        (BadKind::Silent, "no answer within"),
        (BadKind::TruncatedAlways, "truncated over UDP"),
        (BadKind::Garbage, "unparseable"),
        (BadKind::WrongId, "wrong message ID"),
    ] {
        let bad = BadDns::start(kind);
        let r = run(&[
            "check",
            "example.test",
            "--domain",
            "--json",
            "--dns",
            &bad.addr.to_string(),
            "--dns-timeout",
            "1",
        ]);
        assert_eq!(r.code, 2, "{kind:?}: {}\n{}", r.stdout, r.stderr);
        let v = r.json();
        assert_eq!(v["error"]["phase"], "resolve", "{kind:?}");
        let msg = v["error"]["message"].as_str().unwrap_or_default();
        assert!(msg.contains(words), "{kind:?}: {msg}");
        assert!(
            msg.contains(&bad.addr.to_string()),
            "{kind:?}: the server is named: {msg}"
        );
    }
}

/// A huge TXT answer (over UDP it is truncated, then read over TCP) and an alias loop on the
/// policy's TXT name: findings, not crashes.
#[test]
fn huge_txt_and_alias_loops_are_findings() {
    if !require(DNS_LAB) {
        return;
    }
    let w = World::start(&[MxServerSpec::new("mx.huge.test", &[ip("127.0.0.36")])]);
    let records = format!(
        "@ IN MX 10 mx\nmx IN A 127.0.0.36\n{}_smtp._tls IN CNAME rpt1\nrpt1 IN CNAME _smtp._tls\n",
        big_txt_records("_mta-sts", 6, 4)
    );
    let dns = DnsLab::start(&[zone("huge.test", &records, false)]);
    let r = w.check("huge.test", dns.resolver, &[]);
    let v = r.json();
    let c = domain_codes(&v);
    // 6 records, none a valid STS record; the TLS-RPT name loops.
    assert!(
        c.contains(&"tlsrpt-invalid".to_string()),
        "{c:?}\n{}",
        r.stdout
    );
    assert_eq!(
        v["domain"]["mta_sts_txt"]["records"]
            .as_array()
            .map(Vec::len),
        Some(6),
        "the whole RRset arrived over TCP"
    );
    assert_eq!(r.code, 0, "{}", r.stderr);
}

/// A saved domain report is judged again from its observations alone; a bare name with MX
/// records is checked as a domain without --domain.
#[test]
fn replay_and_detection() {
    if !require(DNS_LAB) {
        return;
    }
    let w = World::start(&[MxServerSpec::new("mx.replay.test", &[ip("127.0.0.37")])]);
    let dns = DnsLab::start(&[zone(
        "replay.test",
        "@ IN MX 10 mx\nmx IN A 127.0.0.37\n_mta-sts IN TXT \"v=STSv1; id=1\"\n",
        false,
    )]);
    let port = w.port().to_string();
    let ca = w.mx.ca_file.to_string_lossy().into_owned();
    let dns_addr = dns.resolver.to_string();
    let r = run(&[
        "check",
        "replay.test",
        "--json",
        "--dns",
        &dns_addr,
        "--port",
        &port,
        "--ca-file",
        &ca,
        "--no-fetch",
    ]);
    let v = r.json();
    assert!(
        v["domain"].is_object(),
        "detected as a domain: {}",
        r.stdout
    );
    let c = domain_codes(&v);
    assert!(
        c.contains(&"mta-sts-policy-unreachable".to_string()),
        "{c:?}"
    );
    let saved: PathBuf = w._dir.path().join("saved.json");
    std::fs::write(&saved, &r.stdout).expect("save");
    let again = run(&[
        "check",
        "--from-json",
        &saved.to_string_lossy(),
        "--json",
        "--ca-file",
        &ca,
    ]);
    assert_eq!(domain_codes(&again.json()), c, "{}", again.stderr);
    assert_eq!(again.code, r.code);
    // The text report leads with who delivers how.
    let text = run(&[
        "check",
        "--from-json",
        &saved.to_string_lossy(),
        "--ca-file",
        &ca,
    ]);
    assert!(text.stdout.contains("Who delivers how"), "{}", text.stdout);
    assert!(text.stdout.contains("MTA-STS (RFC 8461)"));
}

/// `--resolve` gives an MX host its address instead of DNS; a single-server check of a name goes
/// to the `--dns` server too (never the system resolver).
#[test]
fn resolve_overrides_mx_addresses_and_host_checks_use_dns() {
    if !require(DNS_LAB) {
        return;
    }
    let w = World::start(&[MxServerSpec::new("mx.pin.test", &[ip("127.0.0.38")])]);
    let dns = DnsLab::start(&[zone(
        "pin.test",
        "@ IN MX 10 mx\nmx IN A 127.0.0.39\n",
        false,
    )]);
    // DNS says 127.0.0.39 (nothing listens there); --resolve says 127.0.0.38.
    let r = w.check(
        "pin.test",
        dns.resolver,
        &["--resolve", "mx.pin.test:127.0.0.38"],
    );
    let v = r.json();
    assert_eq!(v["domain"]["hosts"][0]["overridden"], true, "{}", r.stdout);
    assert_eq!(
        v["endpoints"][0]["address"]
            .as_str()
            .map(|a| a.starts_with("127.0.0.38:")),
        Some(true)
    );
    assert!(domain_codes(&v).is_empty(), "{:?}", domain_codes(&v));

    // A host check through --dns: mx.pin.test resolves to .39, which refuses: exit 2 at connect.
    let target = format!("mx.pin.test:{}", w.port());
    let ca = w.mx.ca_file.to_string_lossy().into_owned();
    let dns_addr = dns.resolver.to_string();
    let r = run(&[
        "check",
        &target,
        "--json",
        "--dns",
        &dns_addr,
        "--ca-file",
        &ca,
        "--no-fetch",
    ]);
    assert_eq!(r.code, 2, "{}", r.stdout);
    let v = r.json();
    assert_eq!(v["error"]["phase"], "connect");
    assert!(
        v["error"]["address"]
            .as_str()
            .unwrap_or_default()
            .starts_with("127.0.0.39:"),
        "{}",
        r.stdout
    );
    // And a name that does not exist there: a resolve error naming the server.
    let r = run(&["check", "nope.pin.test:25", "--json", "--dns", &dns_addr]);
    assert_eq!(r.code, 2);
    assert_eq!(r.json()["error"]["phase"], "resolve");
}

/// RFC 7672 §2.2.2: when the MX host is an alias, the TLSA records of the alias target count
/// first; without any there, those of the MX host name.
#[test]
fn tlsa_follows_the_mx_hosts_alias() {
    if !require(&[DNS_LAB_SIGNED, &[Need::Openssl]].concat()) {
        return;
    }
    let w = World::start(&[
        MxServerSpec::new("real.alias.test", &[ip("127.0.0.40")]),
        MxServerSpec::new("mx2.alias.test", &[ip("127.0.0.41")]),
    ]);
    let p = w.port();
    let real = openssl_assoc(&w.leaf("real.alias.test"), 1, 1);
    let mx2 = openssl_assoc(&w.leaf("mx2.alias.test"), 0, 1);
    let records = format!(
        "@ IN MX 10 mx1\n@ IN MX 20 mx2\nmx1 IN CNAME real\nreal IN A 127.0.0.40\n\
         _{p}._tcp.real IN TLSA 3 1 1 {real}\n_{p}._tcp.mx1 IN TLSA 3 1 1 {}\n\
         mx2 IN CNAME other2\nother2 IN A 127.0.0.41\n_{p}._tcp.mx2 IN TLSA 3 0 1 {mx2}\n",
        "0".repeat(64)
    );
    let dns = DnsLab::start(&[zone("alias.test", &records, true)]);
    let r = w.check("alias.test", dns.resolver, &[]);
    let v = r.json();
    let mx = &v["domain"]["mx_results"];
    assert_eq!(
        mx[0]["tlsa_name"],
        format!("_{p}._tcp.real.alias.test"),
        "{}",
        r.stdout
    );
    assert_eq!(mx[0]["addresses"][0]["tlsa_results"][0]["result"], "match");
    // other2 has no TLSA records: mx2's own name is asked next.
    assert_eq!(mx[1]["tlsa_name"], format!("_{p}._tcp.mx2.alias.test"));
    assert_eq!(mx[1]["addresses"][0]["tlsa_results"][0]["result"], "match");
    assert!(
        !domain_codes(&v).iter().any(|c| c.starts_with("dane-")),
        "{:?}",
        domain_codes(&v)
    );
    assert_eq!(sender(&v, "dane"), "verified-tls");
}

/// Every usable combination: DANE-EE and DANE-TA, selectors 0 and 1, matching types 0, 1 and 2
/// (RFC 6698 §2.1), each computed with openssl; a DANE-TA record for the root, which the server
/// does not send, matches nothing (RFC 7671 §5.2.2).
#[test]
fn every_selector_and_matching_type() {
    if !require(&[DNS_LAB_SIGNED, &[Need::Openssl]].concat()) {
        return;
    }
    let w = World::start(&[MxServerSpec::new("mx.sel.test", &[ip("127.0.0.42")])]);
    let p = w.port();
    let leaf = w.leaf("mx.sel.test");
    let inter = w.mx.intermediate_der.clone();
    let hex = |b: &[u8]| b.iter().map(|x| format!("{x:02x}")).collect::<String>();
    let spki = |der: &[u8]| {
        let pem = pipe(&["x509", "-inform", "DER", "-noout", "-pubkey"], der);
        pipe(&["pkey", "-pubin", "-outform", "DER"], &pem)
    };
    let mut recs: Vec<String> = Vec::new();
    for (usage, der) in [(3u8, &leaf), (2u8, &inter)] {
        recs.push(format!("{usage} 0 0 {}", hex(der)));
        recs.push(format!("{usage} 1 0 {}", hex(&spki(der))));
        for sel in [0u8, 1] {
            for m in [1u8, 2] {
                recs.push(format!("{usage} {sel} {m} {}", openssl_assoc(der, sel, m)));
            }
        }
    }
    let root = format!("2 1 1 {}", openssl_assoc(&w.mx.root_der, 1, 1));
    let mut zone_text = "@ IN MX 10 mx\nmx IN A 127.0.0.42\n".to_string();
    for r in recs.iter().chain(std::iter::once(&root)) {
        zone_text.push_str(&format!("_{p}._tcp.mx IN TLSA {r}\n"));
    }
    let dns = DnsLab::start(&[zone("sel.test", &zone_text, true)]);
    let r = w.check("sel.test", dns.resolver, &[]);
    let v = r.json();
    let results = v["domain"]["mx_results"][0]["addresses"][0]["tlsa_results"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    assert_eq!(results.len(), recs.len() + 1, "{}", r.stdout);
    for res in &results {
        let rec = &res["record"];
        let text = format!("{} {} {}", rec["usage"], rec["selector"], rec["matching"]);
        let is_root = rec["usage"] == 2
            && rec["selector"] == 1
            && rec["matching"] == 1
            && root.ends_with(rec["data"].as_str().unwrap_or("?"));
        let want = if is_root { "no-match" } else { "match" };
        assert_eq!(res["result"], want, "{text}: {}", res["detail"]);
    }
    // The root's record matches nothing: a stale-looking record beside matching ones.
    assert_eq!(
        domain_codes(&v),
        vec!["dane-tlsa-stale".to_string(), "tlsrpt-missing".to_string()]
    );
    assert_eq!(sender(&v, "dane"), "verified-tls");
}

/// A hostile or broken policy host: a huge policy, one that never finishes, something that is not
/// TLS. Each is `mta-sts-policy-unreachable` with the phase and cause; the slow one's "no
/// complete answer" shows that the --command-timeout fired (the server would answer after 5 s).
#[test]
fn hostile_policy_hosts_are_findings_within_limits() {
    if !require(DNS_LAB) {
        return;
    }
    let mut w = World::start(&[MxServerSpec::new("mx.hostile.test", &[ip("127.0.0.43")])]);
    let huge = format!(
        "version: STSv1\r\nmode: enforce\r\nmx: mx.hostile.test\r\nmax_age: 604800\r\n{}",
        "x-padding: 0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef\r\n"
            .repeat(1600)
    );
    w.policy("huge.test", MxCert::Valid, PolicyResponse::ok(&huge));
    w.policy(
        "slow.test",
        MxCert::Valid,
        PolicyResponse::ok("version: STSv1\r\n").delayed(std::time::Duration::from_secs(5)),
    );
    let mut zones = vec![zone("hostile.test", "mx IN A 127.0.0.43\n", false)];
    for d in ["huge.test", "slow.test", "nottls.test"] {
        zones.push(zone(
            d,
            "@ IN MX 10 mx.hostile.test.\n_mta-sts IN TXT \"v=STSv1; id=1;\"\n_smtp._tls IN TXT \"v=TLSRPTv1; rua=mailto:r@hostile.test\"\n",
            false,
        ));
    }
    let dns = DnsLab::start(&zones);
    let r = w.check("huge.test", dns.resolver, &["--command-timeout", "2"]);
    let s = summaries(&r.json(), "mta-sts-policy-unreachable").join(" ");
    assert!(
        s.contains("64 KiB") && s.contains("http phase"),
        "{s}\n{}",
        r.stdout
    );

    let r = w.check("slow.test", dns.resolver, &["--command-timeout", "1"]);
    let s = summaries(&r.json(), "mta-sts-policy-unreachable").join(" ");
    assert!(s.contains("no complete answer"), "{s}");

    // The "policy host" is an SMTP server: it greets in plaintext instead of TLS.
    let smtp = w.mx.addrs("mx.hostile.test")[0];
    let r = w.check(
        "nottls.test",
        dns.resolver,
        &["--connect-to", &format!("mta-sts.nottls.test:443:{smtp}")],
    );
    let s = summaries(&r.json(), "mta-sts-policy-unreachable").join(" ");
    assert!(s.contains("handshake phase"), "{s}\n{}", r.stdout);
}

/// `lab --domain` keeps the demo's mail domain running (its own DNS server included) and prints
/// the command that checks it; that command finds what the demo promises. (Only a binary built
/// with the `lab` feature has the command.)
#[cfg(feature = "lab")]
#[test]
fn lab_domain_runs_a_checkable_mail_domain() {
    use std::io::{BufRead, BufReader};
    let dir = tempfile::tempdir().expect("tempdir");
    let mut child = Command::new(env!("CARGO_BIN_EXE_smtp-tls-doctor"))
        .args(["lab", "--domain", "--only", "good", "--dir"])
        .arg(dir.path())
        .env("NO_COLOR", "1")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start the lab");
    let stdout = child.stdout.take().expect("stdout");
    let mut lines = BufReader::new(stdout).lines();
    let mut command = None;
    while let Some(Ok(line)) = lines.next() {
        if line.starts_with("Check it with:") {
            command = lines.next().and_then(Result::ok);
            break;
        }
    }
    let command = command.unwrap_or_default();
    // The domain part's files live under --dir too, not in a directory of their own.
    assert!(
        dir.path().join("domain").is_dir(),
        "the mail domain's files are under --dir"
    );
    let args: Vec<&str> = command.split_whitespace().skip(1).collect();
    assert_eq!(args.first(), Some(&"check"), "{command}");
    let mut args = args;
    args.push("--json");
    let r = run(&args);
    let _ = child.kill();
    let _ = child.wait();
    let v = r.json();
    let c = domain_codes(&v);
    assert_has(
        &c,
        &[
            "mta-sts-mx-not-covered",
            "mta-sts-enforce-would-fail",
            "dane-unsigned",
        ],
        &r,
    );
    assert_eq!(v["domain"]["mx_results"].as_array().map(Vec::len), Some(3));
    assert_eq!(sender(&v, "mta-sts"), "verified-tls");
}

/// A loopback HTTP server that counts the requests it answers with `body` as a certificate.
fn counting_http_server(body: Vec<u8>) -> (u16, std::sync::Arc<std::sync::atomic::AtomicUsize>) {
    use std::io::Read;
    let l = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let port = l.local_addr().expect("addr").port();
    let count = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let c = count.clone();
    std::thread::spawn(move || {
        for mut s in l.incoming().flatten() {
            let mut buf = [0u8; 2048];
            let _ = s.read(&mut buf);
            c.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
            let mut a = format!(
                "HTTP/1.1 200 OK\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
                body.len()
            )
            .into_bytes();
            a.extend_from_slice(&body);
            let _ = s.write_all(&a);
        }
    });
    (port, count)
}

/// Two MX hosts that omit the same intermediate name one caIssuers URL: it is fetched once per
/// run, for both. Where DNS (not the user) points the URL's host at loopback, it is not fetched.
#[test]
fn one_fetch_per_aia_url_and_none_from_loopback_unmapped() {
    if !require(DNS_LAB) {
        return;
    }
    let missing = |name: &str, addr: &str| MxServerSpec {
        cert: MxCert::MissingIntermediate,
        ..MxServerSpec::new(name, &[ip(addr)])
    };
    let w = World::start(&[
        missing("mx1.aia.test", "127.0.0.44"),
        missing("mx2.aia.test", "127.0.0.45"),
    ]);
    let (chain, _) = w.mx.issue(&MxCert::Valid, "x.aia.test").expect("issue");
    let (port, count) = counting_http_server(chain.get(1).cloned().expect("intermediate"));
    let dns = DnsLab::start(&[
        zone(
            "aia.test",
            "@ IN MX 10 mx1\n@ IN MX 20 mx2\nmx1 IN A 127.0.0.44\nmx2 IN A 127.0.0.45\n",
            false,
        ),
        // The caIssuers host, ca.lab.test, on loopback through DNS.
        zone("lab.test", "ca IN A 127.0.0.1\n", false),
    ]);
    let check = |extra: &[&str]| {
        let dns = dns.resolver.to_string();
        let port = w.port().to_string();
        let ca = w.mx.ca_file.to_string_lossy().into_owned();
        let mut args = vec![
            "check",
            "aia.test",
            "--domain",
            "--json",
            "--quick",
            "--dns",
            &dns,
            "--port",
            &port,
            "--ca-file",
            &ca,
            "--dns-timeout",
            "2",
        ];
        args.extend_from_slice(extra);
        let r = run(&args);
        let v = r.json();
        let endpoints = v["endpoints"].as_array().cloned().unwrap_or_default();
        assert_eq!(endpoints.len(), 2, "{}", r.stdout);
        endpoints
    };

    let mapped = format!("ca.lab.test:80:127.0.0.1:{port}");
    let endpoints = check(&["--connect-to", &mapped]);
    assert_eq!(count.load(std::sync::atomic::Ordering::SeqCst), 1);
    for e in &endpoints {
        assert!(e["aia_fetches"][0]["certificate"].is_string(), "{e}");
        let f = e["findings"]
            .as_array()
            .and_then(|f| f.iter().find(|f| f["code"] == "chain-incomplete"))
            .cloned()
            .unwrap_or_default();
        assert_eq!(f["evidence"]["after_fetch"], "trusted", "{e}");
    }

    let endpoints = check(&[]);
    assert_eq!(count.load(std::sync::atomic::Ordering::SeqCst), 1);
    for e in &endpoints {
        let error = e["aia_fetches"][0]["error"].as_str().unwrap_or_default();
        assert_eq!(
            error, "not fetched: the URL points at a loopback address (127.0.0.1)",
            "{e}"
        );
        assert!(e["aia_fetches"][0]["certificate"].is_null());
    }
}
