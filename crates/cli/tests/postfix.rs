//! A real Postfix on loopback: the harness writes a configuration of its own (config and queue
//! directories in a temporary directory, listeners on 127.0.0.1 high ports, certificates from
//! the lab's PKI), starts it, runs the real binary against each listener, and stops it.
//! Without Postfix or root these tests are skipped loudly (a failure under CI); `bash
//! scripts/test` installs Postfix.

mod common;
use common::*;
use lab::pki::{LeafSpec, Pki, chain_file_pem};
use std::collections::HashMap;
use std::io::{BufRead, BufReader, Write};
use std::os::unix::fs::PermissionsExt;
use std::path::PathBuf;
use std::process::Command;
use std::time::Duration;

/// Postfix instances started at the same moment trip over each other: tests take turns.
static TURN: std::sync::Mutex<()> = std::sync::Mutex::new(());

/// Attempts at starting Postfix, each on freshly picked ports (see [`Postfix::start`]).
const START_ATTEMPTS: usize = 5;

struct Postfix {
    postfix: PathBuf,
    dir: PathBuf,
    ports: HashMap<&'static str, u16>,
    ca_file: PathBuf,
    // Fields drop after `Drop::drop` has stopped Postfix: the directory goes last.
    _tmp: Option<tempfile::TempDir>,
}

/// `n` distinct ports free on 127.0.0.1 at the time of the call. Postfix binds its listeners
/// itself (it cannot be handed a socket), so a port may be taken again before it binds:
/// [`Postfix::start`] then tries again on new ports.
fn free_ports(n: usize) -> Vec<u16> {
    // All held open until all are picked, so that they differ.
    let held: Vec<std::net::TcpListener> = (0..n)
        .map(|_| std::net::TcpListener::bind("127.0.0.1:0").expect("bind"))
        .collect();
    held.iter()
        .map(|l| l.local_addr().expect("addr").port())
        .collect()
}

/// Listener name and its master.cf overrides.
const LISTENERS: &[(&str, &str)] = &[
    ("good", ""),
    (
        "chain-incomplete",
        // A banner with the version, as many sites set it.
        "-o smtpd_tls_chain_files=${config_directory}/incomplete.pem \
         -o { smtpd_banner = $myhostname ESMTP $mail_name ($mail_version) }",
    ),
    (
        "wrong-name",
        "-o smtpd_tls_chain_files=${config_directory}/wrongname.pem",
    ),
    ("implicit", "-o smtpd_tls_wrappermode=yes"),
    // A banner that names no software: only the keywords and the TLS behaviour tell.
    ("anonymous", "-o { smtpd_banner = $myhostname ESMTP }"),
    ("no-tls", "-o smtpd_tls_security_level=none"),
    // Protocol and cipher variations, all with an RSA certificate.
    (
        "tls12-13-preempt",
        "-o smtpd_tls_chain_files=${config_directory}/rsa.pem -o smtpd_tls_exclude_ciphers= -o smtpd_tls_protocols=>=TLSv1.2 -o smtpd_tls_ciphers=high \
         -o tls_high_cipherlist=ECDHE-RSA-AES256-GCM-SHA384:ECDHE-RSA-AES128-GCM-SHA256:ECDHE-RSA-CHACHA20-POLY1305:ECDHE-RSA-AES256-SHA384:AES256-GCM-SHA384:AES128-SHA \
         -o tls_preempt_cipherlist=yes",
    ),
    (
        "tls10-only",
        "-o smtpd_tls_chain_files=${config_directory}/rsa.pem -o smtpd_tls_exclude_ciphers= -o smtpd_tls_protocols=>=TLSv1,<=TLSv1 -o smtpd_tls_ciphers=medium \
         -o tls_medium_cipherlist=DEFAULT:@SECLEVEL=0",
    ),
    (
        "all-versions-client-order",
        "-o smtpd_tls_chain_files=${config_directory}/rsa.pem -o smtpd_tls_exclude_ciphers= -o smtpd_tls_protocols=>=TLSv1 -o smtpd_tls_ciphers=medium \
         -o tls_medium_cipherlist=DEFAULT:@SECLEVEL=0 -o tls_preempt_cipherlist=no",
    ),
    // A narrow list: TLS 1.2 with ChaCha20 only (no TLS 1.3).
    (
        "chacha-only",
        "-o smtpd_tls_chain_files=${config_directory}/rsa.pem -o smtpd_tls_exclude_ciphers= -o smtpd_tls_protocols=>=TLSv1.2,<=TLSv1.2 \
         -o smtpd_tls_ciphers=high -o tls_high_cipherlist=ECDHE-RSA-CHACHA20-POLY1305",
    ),
    // Implicit TLS makes TLS mandatory: smtpd_tls_mandatory_protocols applies, not smtpd_tls_protocols.
    (
        "wrapper-mandatory-tls10",
        "-o smtpd_tls_chain_files=${config_directory}/rsa.pem -o smtpd_tls_wrappermode=yes -o smtpd_tls_exclude_ciphers= \
         -o smtpd_tls_mandatory_exclude_ciphers= -o smtpd_tls_protocols=>=TLSv1.2 -o smtpd_tls_mandatory_protocols=>=TLSv1 \
         -o smtpd_tls_mandatory_ciphers=medium -o tls_medium_cipherlist=DEFAULT:@SECLEVEL=0",
    ),
];

/// The TLS 1.2-and-below suites OpenSSL enables for `list` at `version` (-tls1, -tls1_1, -tls1_2),
/// usable with an RSA certificate: the truth the scan is compared with, in OpenSSL's order.
fn openssl_suites(version: &str, list: &str) -> Vec<String> {
    let out = Command::new("openssl")
        .args(["ciphers", "-s", "-V", version, list])
        .output()
        .expect("openssl ciphers");
    assert!(
        out.status.success(),
        "openssl ciphers {version} {list}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .filter(|l| l.contains("Au=RSA") && !l.contains("TLSv1.3"))
        .filter_map(|l| {
            let id = l.split_whitespace().next()?; // 0xC0,0x30
            let (a, b) = id.split_once(',')?;
            Some(
                format!(
                    "0x{}{}",
                    a.trim_start_matches("0x"),
                    b.trim_start_matches("0x")
                )
                .to_uppercase()
                .replacen("0X", "0x", 1),
            )
        })
        .collect()
}

fn suite_ids(v: &serde_json::Value, version: &str) -> Vec<String> {
    v["endpoints"][0]["versions"][version]["suites"]
        .as_array()
        .map(|a| {
            a.iter()
                .filter_map(|s| s["id"].as_str().map(str::to_string))
                .collect()
        })
        .unwrap_or_default()
}

fn status(v: &serde_json::Value, version: &str) -> String {
    v["endpoints"][0]["versions"][version]["status"]
        .as_str()
        .unwrap_or("missing")
        .to_string()
}

impl Postfix {
    /// Writes the configuration and starts Postfix, retrying on new ports when it fails: a
    /// listener's port may have been taken in between (`postfix start` waits until the master
    /// has bound every listener, and fails when one bind fails).
    fn start() -> Postfix {
        let postfix = host::program("postfix").expect("postfix (the test checks Need::Postfix)");
        let tmp = tempfile::Builder::new()
            .prefix("smtp-tls-doctor-postfix-")
            .tempdir()
            .expect("temp dir");
        let dir = tmp.path().to_path_buf();
        // SMTP_TLS_DOCTOR_KEEP_POSTFIX=1 keeps the directory (configuration, log) for a post-mortem.
        let tmp = if std::env::var_os("SMTP_TLS_DOCTOR_KEEP_POSTFIX").is_some() {
            eprintln!("SMTP_TLS_DOCTOR_KEEP_POSTFIX: keeping {}", dir.display());
            let _ = tmp.keep();
            None
        } else {
            Some(tmp)
        };
        for sub in ["", "queue", "data"] {
            std::fs::create_dir_all(dir.join(sub)).expect("mkdir");
            // Postfix's own users must be able to reach the queue.
            std::fs::set_permissions(dir.join(sub), std::fs::Permissions::from_mode(0o755))
                .expect("chmod");
        }
        let _ = Command::new("chown")
            .args(["postfix", dir.join("data").to_str().unwrap_or_default()])
            .status();

        let pki = Pki::generate().expect("pki");
        let leaf = pki
            .leaf(&LeafSpec::valid_for(&["mx.lab.test"]))
            .expect("leaf");
        let wrong = pki
            .leaf(&LeafSpec::valid_for(&["mail.other.test"]))
            .expect("leaf");
        std::fs::write(
            dir.join("good.pem"),
            chain_file_pem(&leaf, &[&pki.intermediate]),
        )
        .expect("write");
        std::fs::write(dir.join("incomplete.pem"), chain_file_pem(&leaf, &[])).expect("write");
        std::fs::write(
            dir.join("wrongname.pem"),
            chain_file_pem(&wrong, &[&pki.intermediate]),
        )
        .expect("write");
        let mut rsa_spec = LeafSpec::valid_for(&["mx.lab.test"]);
        rsa_spec.key = lab::pki::KeyKind::Rsa(2048);
        let rsa = pki.leaf(&rsa_spec).expect("rsa leaf");
        std::fs::write(
            dir.join("rsa.pem"),
            chain_file_pem(&rsa, &[&pki.intermediate]),
        )
        .expect("write");

        let ca_file = dir.join("ca.pem");
        std::fs::write(&ca_file, &pki.root.cert_pem).expect("write");

        let d = dir.display();
        let main_cf = format!(
            "compatibility_level = 3.6\n\
             queue_directory = {d}/queue\n\
             data_directory = {d}/data\n\
             mail_owner = postfix\n\
             inet_interfaces = 127.0.0.1\n\
             inet_protocols = ipv4\n\
             myhostname = mx.lab.test\n\
             mydestination =\n\
             relay_domains =\n\
             mynetworks =\n\
             alias_maps =\n\
             alias_database =\n\
             smtpd_relay_restrictions = reject\n\
             smtpd_recipient_restrictions = reject\n\
             smtpd_peername_lookup = no\n\
             smtpd_client_port_logging = yes\n\
             maillog_file_prefixes = {d}\n\
             maillog_file = {d}/postfix.log\n\
             smtpd_tls_security_level = may\n\
             smtpd_tls_protocols = >=TLSv1.2\n\
             smtpd_tls_mandatory_protocols = >=TLSv1.2\n\
             smtpd_tls_mandatory_ciphers = high\n\
             smtpd_tls_ciphers = high\n\
             smtpd_tls_exclude_ciphers = aNULL, kRSA\n\
             tls_preempt_cipherlist = yes\n\
             smtpd_tls_chain_files = {d}/good.pem\n"
        );
        std::fs::write(dir.join("main.cf"), main_cf).expect("write main.cf");

        let mut failures = String::new();
        for attempt in 1..=START_ATTEMPTS {
            let ports: HashMap<&'static str, u16> = LISTENERS
                .iter()
                .map(|(name, _)| *name)
                .zip(free_ports(LISTENERS.len()))
                .collect();
            let mut master = String::new();
            for (name, overrides) in LISTENERS {
                let port = ports[name];
                master.push_str(&format!(
                    "127.0.0.1:{port} inet n - n - - smtpd -o syslog_name=postfix-{name} {overrides}\n"
                ));
            }
            master.push_str(
                "pickup unix n - n 60 1 pickup\n\
                 cleanup unix n - n - 0 cleanup\n\
                 qmgr unix n - n 300 1 qmgr\n\
                 tlsmgr unix - - n 1000? 1 tlsmgr\n\
                 rewrite unix - - n - - trivial-rewrite\n\
                 bounce unix - - n - 0 bounce\n\
                 defer unix - - n - 0 bounce\n\
                 trace unix - - n - 0 bounce\n\
                 verify unix - - n - 1 verify\n\
                 flush unix n - n 1000? 0 flush\n\
                 proxymap unix - - n - - proxymap\n\
                 anvil unix - - n - 1 anvil\n\
                 scache unix - - n - 1 scache\n\
                 postlog unix-dgram n - n - 1 postlogd\n",
            );
            std::fs::write(dir.join("master.cf"), master).expect("write master.cf");

            let out = Command::new(&postfix)
                .arg("-c")
                .arg(&dir)
                .arg("start")
                .output()
                .expect("run postfix");
            let log = std::fs::read_to_string(dir.join("postfix.log")).unwrap_or_default();
            if out.status.success() {
                let pf = Postfix {
                    postfix,
                    dir,
                    ports,
                    ca_file,
                    _tmp: tmp,
                };
                pf.wait_listening();
                return pf;
            }
            // Stop whatever may be left, and start over on new ports with a new log.
            let _ = Command::new(&postfix)
                .arg("-c")
                .arg(&dir)
                .arg("stop")
                .output();
            let _ = std::fs::remove_file(dir.join("postfix.log"));
            // The master's "bind ... Address already in use" goes to syslog, not to the output:
            // look for taken ports ourselves. A configuration error fails every attempt.
            let taken: Vec<u16> = ports
                .values()
                .copied()
                .filter(|p| std::net::TcpListener::bind(("127.0.0.1", *p)).is_err())
                .collect();
            failures.push_str(&format!(
                "attempt {attempt}: postfix start: {}; ports taken by others: {taken:?}\n{}{}\nlog: {log}\n",
                out.status,
                String::from_utf8_lossy(&out.stdout),
                String::from_utf8_lossy(&out.stderr),
            ));
        }
        panic!("postfix start failed {START_ATTEMPTS} times:\n{failures}");
    }

    /// Readiness: every listener accepts (bounded number of tries).
    fn wait_listening(&self) {
        for port in self.ports.values() {
            let mut tries = 0;
            while std::net::TcpStream::connect(("127.0.0.1", *port)).is_err() {
                tries += 1;
                assert!(
                    tries < 300,
                    "Postfix did not listen on {port} after {tries} tries"
                );
                std::thread::sleep(Duration::from_millis(100));
            }
        }
    }

    fn log(&self) -> String {
        std::fs::read_to_string(self.dir.join("postfix.log")).unwrap_or_default()
    }

    /// The connections `listener` logged so far.
    fn connects(&self, listener: &str) -> usize {
        let tag = format!("postfix-{listener}/smtpd");
        self.log()
            .lines()
            .filter(|l| l.contains(&tag) && l.contains(" connect from"))
            .count()
    }

    /// Returns once the log holds every connection made so far. A marker connection to the
    /// `no-tls` listener reads its banner, which smtpd sends after logging "connect from"; every
    /// log record goes through the one postlogd, in the order sent, so once the marker's line
    /// (found by its client port) is in the file, the lines of all earlier connections (each of
    /// which had its banner) are too.
    fn sync_log(&self) {
        let s = std::net::TcpStream::connect(("127.0.0.1", self.ports["no-tls"])).expect("marker");
        // A hang guard, not a speed claim.
        s.set_read_timeout(Some(Duration::from_secs(60)))
            .expect("timeout");
        let port = s.local_addr().expect("addr").port();
        let mut r = BufReader::new(s);
        let mut banner = String::new();
        r.read_line(&mut banner).expect("banner");
        assert!(banner.starts_with("220 "), "{banner}");
        let _ = r.get_mut().write_all(b"QUIT\r\n");
        let needle = format!("[127.0.0.1]:{port}");
        for _ in 0..600 {
            if self.log().lines().any(|l| {
                l.contains("postfix-no-tls/smtpd")
                    && l.contains(" connect from")
                    && l.contains(&needle)
            }) {
                return;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        panic!(
            "the marker connection {needle} never reached the Postfix log:\n{}",
            self.log()
        );
    }

    fn check(&self, listener: &str, extra: &[&str]) -> Run {
        let port = self.ports[listener];
        let target = format!("mx.lab.test:{port}");
        let ca = self.ca_file.to_string_lossy().into_owned();
        let mut args = vec![
            "check",
            target.as_str(),
            "--resolve",
            "mx.lab.test:127.0.0.1",
            "--ca-file",
            ca.as_str(),
            "--json",
            // The lab PKI's caIssuers URLs name ca.lab.test: never asked of the system's DNS.
            "--no-fetch",
        ];
        args.extend_from_slice(extra);
        run(&args)
    }
}

impl Drop for Postfix {
    fn drop(&mut self) {
        // Before `_tmp` removes the directory.
        let _ = Command::new(&self.postfix)
            .arg("-c")
            .arg(&self.dir)
            .arg("stop")
            .output();
    }
}

/// One Postfix instance for all listeners: starting and stopping takes seconds.
#[test]
fn postfix_listeners() {
    if !require(&[Need::Postfix, Need::Root]) {
        return;
    }
    let _turn = TURN.lock().unwrap_or_else(|e| e.into_inner());
    let pf = Postfix::start();

    let r = pf.check("good", &[]);
    let v = r.json();
    assert_eq!(codes(&v), Vec::<String>::new(), "good: {}", r.stdout);
    assert_eq!(r.code, 0);
    let ep = &v["endpoints"][0];
    assert_eq!(ep["smtp"]["banner"]["code"], 220);
    assert!(
        ep["smtp"]["banner"]["lines"][0]
            .as_str()
            .unwrap_or_default()
            .contains("Postfix")
    );
    assert_eq!(
        ep["chain_analysis"]["certificates"]
            .as_array()
            .map(Vec::len),
        Some(2)
    );
    // Postfix 2.8.0 and later discard what is pipelined after STARTTLS.
    assert_eq!(
        ep["checks"]["starttls-injection"]["status"], "ok",
        "{}",
        ep["checks"]
    );
    assert_eq!(ep["starttls_injection"]["handshake_completed"], true);
    assert_eq!(ep["starttls_injection"]["pipelining_advertised"], true);
    // Named by its default banner ("mx.lab.test ESMTP Postfix"), no version in it.
    assert_eq!(
        ep["server_software"]["name"], "Postfix",
        "{}",
        ep["server_software"]
    );
    assert_eq!(ep["server_software"]["confidence"], "high");
    assert!(ep["server_software"]["version"].is_null());
    let text = run(&[
        "check",
        &format!("mx.lab.test:{}", pf.ports["good"]),
        "--resolve",
        "mx.lab.test:127.0.0.1",
        "--ca-file",
        pf.ca_file.to_str().unwrap_or_default(),
        "--no-fetch",
        "--quick",
    ]);
    assert!(
        text.stdout
            .contains("the server looks like Postfix (banner"),
        "{}",
        text.stdout
    );
    assert!(
        !text.stdout.contains("injection  "),
        "--quick runs no injection probe:\n{}",
        text.stdout
    );

    let r = pf.check("chain-incomplete", &[]);
    let v = r.json();
    assert_eq!(codes(&v), vec!["chain-incomplete"], "{}", r.stdout);
    assert_eq!(r.code, 1);
    assert_eq!(
        v["endpoints"][0]["findings"][0]["evidence"]["missing_issuer"],
        "CN=smtp-tls-doctor Lab Intermediate CA"
    );
    // This listener's banner carries $mail_version: the version, as postconf says it.
    let postconf = host::program("postconf").expect("postconf beside postfix");
    let out = Command::new(postconf)
        .args(["-d", "-h", "mail_version"])
        .output()
        .expect("postconf");
    let version = String::from_utf8_lossy(&out.stdout).trim().to_string();
    let sw = &v["endpoints"][0]["server_software"];
    assert_eq!(sw["name"], "Postfix", "{sw}");
    assert_eq!(sw["version"], version.as_str(), "{sw}");
    assert_eq!(sw["confidence"], "high", "{sw}");
    // The fix shown first is Postfix's; the others are folded into one line.
    let text = run(&[
        "check",
        &format!("mx.lab.test:{}", pf.ports["chain-incomplete"]),
        "--resolve",
        "mx.lab.test:127.0.0.1",
        "--ca-file",
        pf.ca_file.to_str().unwrap_or_default(),
        "--no-fetch",
        "--quick",
    ]);
    assert!(
        text.stdout
            .contains(&format!("the server looks like Postfix {version} (banner")),
        "{}",
        text.stdout
    );
    let first_fix = text
        .stdout
        .lines()
        .find(|l| l.trim_start().starts_with("fix ("))
        .unwrap_or_default();
    assert_eq!(first_fix.trim(), "fix (Postfix):", "{}", text.stdout);
    assert!(text.stdout.contains("fixes for "), "{}", text.stdout);

    // A banner that names nothing ("mx.lab.test ESMTP"): Postfix's keyword order names it, and
    // the scan's ARIA suites (OpenSSL's alone) add the TLS stack's line.
    let r = pf.check("anonymous", &[]);
    let sw = &r.json()["endpoints"][0]["server_software"];
    assert_eq!(sw["name"], "Postfix", "{sw}");
    assert_eq!(sw["confidence"], "medium", "{sw}");
    let evidence: Vec<&str> = sw["evidence"]
        .as_array()
        .expect("evidence")
        .iter()
        .filter_map(|e| e.as_str())
        .collect();
    assert!(!evidence.iter().any(|e| e.starts_with("banner:")), "{sw}");
    assert!(
        evidence.iter().any(|e| e.starts_with("TLS behaviour:")
            && e.contains("_ARIA_")
            && e.contains("OpenSSL")),
        "{sw}"
    );

    let r = pf.check("wrong-name", &[]);
    let v = r.json();
    assert_eq!(codes(&v), vec!["cert-name-mismatch"], "{}", r.stdout);
    assert!(
        v["endpoints"][0]["findings"][0]["evidence"]["covered_names"]
            .as_array()
            .unwrap()
            .iter()
            .any(|n| n == "mail.other.test")
    );

    // Port is not 465, so implicit TLS must be asked for; without it the banner never comes.
    let r = pf.check("implicit", &["--implicit-tls"]);
    let v = r.json();
    assert_eq!(codes(&v), Vec::<String>::new(), "implicit: {}", r.stdout);
    assert_eq!(v["endpoints"][0]["mode"], "implicit-tls");
    assert_eq!(v["endpoints"][0]["smtp"]["banner"]["code"], 220);

    let r = pf.check("no-tls", &[]);
    assert_eq!(
        codes(&r.json()),
        vec!["starttls-not-offered"],
        "{}",
        r.stdout
    );

    // Postfix logs each connection: the report's connection count is what the server saw (the
    // modern handshake and the scan).
    pf.sync_log();
    let before = pf.connects("good");
    let r = pf.check("good", &[]);
    assert_eq!(r.code, 0);
    let reported = r.json()["connections"].as_u64().unwrap_or(0) as usize;
    pf.sync_log();
    let log = pf.log();
    assert_eq!(
        pf.connects("good") - before,
        reported,
        "the report counts every connection:\n{log}"
    );
    let r = pf.check("good", &["--quick"]);
    assert_eq!(r.json()["connections"], 1, "--quick: one connection");
    // We never talk before our turn. The injection probe's RSET after STARTTLS is on purpose;
    // Postfix 3.7 drops it without a word (no "improper command pipelining" line either).
    assert!(
        !log.contains("improper command pipelining"),
        "we never talk before our turn:\n{log}"
    );
}

/// Versions and suites of real Postfix listeners, compared with what OpenSSL enables for their
/// settings (`smtpd_tls_protocols`, `smtpd_tls_ciphers`, `tls_*_cipherlist`, `tls_preempt_cipherlist`).
#[test]
fn postfix_versions_and_suites() {
    // The openssl command says which suites OpenSSL enables: the ground truth.
    if !require(&[Need::Postfix, Need::Root, Need::Openssl]) {
        return;
    }
    let _turn = TURN.lock().unwrap_or_else(|e| e.into_inner());
    let pf = Postfix::start();
    let tls13_default = ["0x1302", "0x1303", "0x1301"];

    // TLS 1.2 + 1.3, six suites of which OpenSSL enables all for 1.2, server order.
    let r = pf.check("tls12-13-preempt", &[]);
    let v = r.json();
    for (k, want) in [
        ("SSLv2", "not-offered"),
        ("SSLv3", "not-offered"),
        ("TLSv1.0", "not-offered"),
        ("TLSv1.1", "not-offered"),
        ("TLSv1.2", "offered"),
        ("TLSv1.3", "offered"),
    ] {
        assert_eq!(status(&v, k), want, "{k}: {}", r.stdout);
    }
    let list = "ECDHE-RSA-AES256-GCM-SHA384:ECDHE-RSA-AES128-GCM-SHA256:ECDHE-RSA-CHACHA20-POLY1305:ECDHE-RSA-AES256-SHA384:AES256-GCM-SHA384:AES128-SHA";
    assert_eq!(
        suite_ids(&v, "TLSv1.2"),
        openssl_suites("-tls1_2", list),
        "TLS 1.2 suites in the server's order"
    );
    assert_eq!(
        v["endpoints"][0]["versions"]["TLSv1.2"]["server_order"],
        true
    );
    let mut got13 = suite_ids(&v, "TLSv1.3");
    got13.sort();
    let mut want13: Vec<String> = tls13_default.iter().map(|s| s.to_string()).collect();
    want13.sort();
    assert_eq!(got13, want13);
    let groups: Vec<&str> = v["endpoints"][0]["groups_tls13"]["groups"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|g| g.as_str())
        .collect();
    let mut g = groups.clone();
    g.sort();
    assert_eq!(
        g,
        vec!["secp256r1", "secp384r1", "secp521r1", "x25519", "x448"],
        "Postfix 3.7's tls_eecdh_auto_curves"
    );
    let found = codes(&v);
    assert!(
        found.contains(&"cipher-no-forward-secrecy".to_string()),
        "AES256-GCM-SHA384 and AES128-SHA are static RSA: {found:?}"
    );
    assert!(
        !found
            .iter()
            .any(|c| c.starts_with("protocol-") || c == "no-tls12"),
        "{found:?}"
    );
    let connections = v["connections"].as_u64().unwrap_or(0);
    eprintln!("tls12-13-preempt: {connections} connections");
    // The budget of issue 13: 25 before the battery, at most 35 with it (the battery's probes
    // and the STARTTLS injection probe).
    assert!(
        connections <= 35,
        "TLS 1.2 + 1.3 with nine suites and the battery: at most 35 connections, got {connections}"
    );
    assert_eq!(
        v["endpoints"][0]["checks"]["starttls-injection"]["status"], "ok",
        "{}",
        v["endpoints"][0]["checks"]
    );
    let probes = v["endpoints"][0]["probes"]["connections"]
        .as_u64()
        .unwrap_or(0);
    assert!(
        probes <= 9,
        "the battery's probes: at most 9 connections, got {probes}"
    );
    // The battery on a real, current Postfix: nothing vulnerable, and what it does support.
    assert_eq!(
        v["endpoints"][0]["tls"]["session_ticket"], true,
        "OpenSSL sends TLS 1.3 tickets"
    );
    let checks = &v["endpoints"][0]["checks"];
    for (id, c) in checks.as_object().expect("endpoints[].checks") {
        assert_ne!(c["status"], "vulnerable", "{id}: {c}");
    }
    for (id, want) in [
        ("heartbleed", "ok"),
        ("ccs-injection", "ok"),
        ("compression", "ok"),
        ("sweet32", "ok"),
        ("freak", "ok"),
        ("logjam", "ok"),
        ("drown", "ok"),
        ("poodle", "ok"),
        ("beast", "ok"),
        ("rc4", "ok"),
        ("lucky13", "ok"),
        ("secure-renegotiation", "supported"),
        ("extended-master-secret", "supported"),
        ("encrypt-then-mac", "supported"),
        ("fallback-scsv", "supported"),
        ("session-tickets", "supported"),
        // No session cache (smtpd_tls_session_cache_database unset): empty session ids, tickets.
        ("session-resumption", "not-supported"),
        // Static RSA suites are accepted (AES256-GCM-SHA384, AES128-SHA): ROBOT's five
        // ClientKeyExchange variants all get the same answer from OpenSSL 3.
        ("robot", "ok"),
        // OpenSSL 3 refuses client-initiated renegotiation unless told otherwise.
        ("client-renegotiation", "ok"),
    ] {
        assert_eq!(checks[id]["status"], want, "{id}: {}", checks[id]);
    }
    let reneg = checks["client-renegotiation"]["evidence"]
        .as_str()
        .unwrap_or_default();
    assert!(
        reneg.starts_with("TLSv1.2: ") && reneg.contains("Finished verified"),
        "{reneg}"
    );
    assert!(reneg.contains("no_renegotiation (100)"), "{reneg}");

    // TLS 1.0 only: the modern handshake fails, the scan explains why, the chain is still read.
    let r = pf.check("tls10-only", &[]);
    let v = r.json();
    for (k, want) in [
        ("SSLv3", "not-offered"),
        ("TLSv1.0", "offered"),
        ("TLSv1.1", "not-offered"),
        ("TLSv1.2", "not-offered"),
        ("TLSv1.3", "not-offered"),
    ] {
        assert_eq!(status(&v, k), want, "{k}: {}", r.stdout);
    }
    let mut got = suite_ids(&v, "TLSv1.0");
    got.sort();
    let mut want = openssl_suites("-tls1", "DEFAULT:@SECLEVEL=0");
    want.sort();
    assert_eq!(got, want, "TLS 1.0 suites");
    let found = codes(&v);
    assert!(
        found.contains(&"no-tls12".to_string()) && found.contains(&"protocol-tls10".to_string()),
        "{found:?}"
    );
    assert!(
        !found.contains(&"tls-handshake-failed".to_string()),
        "explained by no-tls12: {found:?}"
    );
    // Renegotiation measured in TLS 1.0 (the MD5/SHA-1 PRF, CBC with an implicit IV).
    let reneg = &v["endpoints"][0]["checks"]["client-renegotiation"];
    assert_eq!(reneg["status"], "ok", "{reneg}");
    assert!(
        reneg["evidence"]
            .as_str()
            .is_some_and(|e| e.starts_with("TLSv1.0: ") && e.contains("Finished verified")),
        "{reneg}"
    );
    assert_eq!(
        v["endpoints"][0]["chain_analysis"]["certificates"]
            .as_array()
            .map(Vec::len),
        Some(2),
        "chain from the TLS 1.0 Certificate message"
    );
    assert_eq!(r.code, 1);

    // Every version from TLS 1.0, client order.
    let r = pf.check("all-versions-client-order", &[]);
    let v = r.json();
    for (k, want) in [
        ("SSLv2", "not-offered"),
        ("SSLv3", "not-offered"),
        ("TLSv1.0", "offered"),
        ("TLSv1.1", "offered"),
        ("TLSv1.2", "offered"),
        ("TLSv1.3", "offered"),
    ] {
        assert_eq!(status(&v, k), want, "{k}: {}", r.stdout);
    }
    for (k, flag) in [("TLSv1.1", "-tls1_1"), ("TLSv1.2", "-tls1_2")] {
        let mut got = suite_ids(&v, k);
        got.sort();
        let mut want = openssl_suites(flag, "DEFAULT:@SECLEVEL=0");
        want.sort();
        assert_eq!(got, want, "{k} suites");
    }
    assert_eq!(
        v["endpoints"][0]["versions"]["TLSv1.2"]["server_order"],
        false
    );
    let found = codes(&v);
    for c in ["protocol-tls10", "protocol-tls11", "no-server-preference"] {
        assert!(found.contains(&c.to_string()), "{c} in {found:?}");
    }

    // A narrow-cipher server and an OpenSSL 1.0.1 client (no ChaCha20): no common suite.
    let r = pf.check(
        "chacha-only",
        &["--as", "openssl-1.0.1", "--as", "openssl-3"],
    );
    let v = r.json();
    assert_eq!(suite_ids(&v, "TLSv1.2"), ["0xCCA8"], "{}", r.stdout);
    let sims = v["endpoints"][0]["profiles"].as_array().expect("profiles");
    let old = sims
        .iter()
        .find(|s| s["profile"] == "openssl-1.0.1")
        .expect("openssl-1.0.1");
    assert_eq!(old["reason"], "no-common-suite", "{old}");
    assert!(
        old["fix_server"]
            .as_str()
            .unwrap_or_default()
            .contains("tls_high_cipherlist"),
        "{old}"
    );
    let new = sims
        .iter()
        .find(|s| s["profile"] == "openssl-3")
        .expect("openssl-3");
    assert_eq!(new["result"], "ok");
    assert_eq!(r.code, 1, "a failing peer is a problem");

    // Implicit TLS: the mandatory protocols (TLS 1.0 and up here) apply, whatever smtpd_tls_protocols says.
    let r = pf.check("wrapper-mandatory-tls10", &["--implicit-tls"]);
    let v = r.json();
    for (k, want) in [
        ("TLSv1.0", "offered"),
        ("TLSv1.1", "offered"),
        ("TLSv1.2", "offered"),
        ("TLSv1.3", "offered"),
    ] {
        assert_eq!(status(&v, k), want, "{k}: {}", r.stdout);
    }
    let mut got = suite_ids(&v, "TLSv1.0");
    got.sort();
    let mut want = openssl_suites("-tls1", "DEFAULT:@SECLEVEL=0");
    want.sort();
    assert_eq!(
        got, want,
        "TLS 1.0 suites under smtpd_tls_mandatory_ciphers = medium"
    );
}
