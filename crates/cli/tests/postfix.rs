//! A real Postfix on loopback: the harness writes a configuration of its own (config and queue
//! directories in a temporary directory, listeners on 127.0.0.1 high ports, certificates from
//! the lab's PKI), starts it, runs the real binary against each listener, and stops it.
//! `.ci/run` installs Postfix; without it these tests fail and say so.

mod common;
use common::*;
use lab::pki::{LeafSpec, Pki, chain_file_pem};
use std::collections::HashMap;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

struct Postfix {
    dir: PathBuf,
    ports: HashMap<&'static str, u16>,
    ca_file: PathBuf,
}

fn free_port() -> u16 {
    let l = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    l.local_addr().expect("addr").port()
}

/// Listener name and its master.cf overrides.
const LISTENERS: &[(&str, &str)] = &[
    ("good", ""),
    (
        "chain-incomplete",
        "-o smtpd_tls_chain_files=${config_directory}/incomplete.pem",
    ),
    (
        "wrong-name",
        "-o smtpd_tls_chain_files=${config_directory}/wrongname.pem",
    ),
    ("implicit", "-o smtpd_tls_wrappermode=yes"),
    ("no-tls", "-o smtpd_tls_security_level=none"),
];

impl Postfix {
    fn start() -> Postfix {
        let postfix = ["/usr/sbin/postfix", "/usr/bin/postfix"]
            .into_iter()
            .find(|p| Path::new(p).exists());
        let Some(postfix) = postfix else {
            panic!(
                "Postfix is not installed: run `bash .ci/run` (it installs it), or `apt-get install postfix`"
            );
        };
        let dir =
            std::env::temp_dir().join(format!("smtp-tls-doctor-postfix-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
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
             maillog_file_prefixes = {d}\n\
             maillog_file = {d}/postfix.log\n\
             smtpd_tls_security_level = may\n\
             smtpd_tls_chain_files = {d}/good.pem\n"
        );
        std::fs::write(dir.join("main.cf"), main_cf).expect("write main.cf");
        let mut ports = HashMap::new();
        let mut master = String::new();
        for (name, overrides) in LISTENERS {
            let port = free_port();
            ports.insert(*name, port);
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

        let out = Command::new(postfix)
            .arg("-c")
            .arg(&dir)
            .arg("start")
            .output()
            .expect("run postfix");
        assert!(
            out.status.success(),
            "postfix start failed: {}{}\nlog: {}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr),
            std::fs::read_to_string(dir.join("postfix.log")).unwrap_or_default()
        );
        let pf = Postfix {
            dir,
            ports,
            ca_file,
        };
        // Wait until every listener accepts.
        let deadline = Instant::now() + Duration::from_secs(30);
        for port in pf.ports.values() {
            while std::net::TcpStream::connect(("127.0.0.1", *port)).is_err() {
                assert!(
                    Instant::now() < deadline,
                    "Postfix did not listen on {port} within 30 s"
                );
                std::thread::sleep(Duration::from_millis(100));
            }
        }
        pf
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
        ];
        args.extend_from_slice(extra);
        run(&args)
    }
}

impl Drop for Postfix {
    fn drop(&mut self) {
        let _ = Command::new("postfix")
            .arg("-c")
            .arg(&self.dir)
            .arg("stop")
            .output();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// One Postfix instance for all listeners: starting and stopping takes seconds.
#[test]
fn postfix_listeners() {
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

    let r = pf.check("chain-incomplete", &[]);
    let v = r.json();
    assert_eq!(codes(&v), vec!["chain-incomplete"], "{}", r.stdout);
    assert_eq!(r.code, 1);
    assert_eq!(
        v["endpoints"][0]["findings"][0]["evidence"]["missing_issuer"],
        "CN=smtp-tls-doctor Lab Intermediate CA"
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

    // Postfix logs each connection: one check, one connection.
    let connects = || {
        let log = std::fs::read_to_string(pf.dir.join("postfix.log")).unwrap_or_default();
        log.lines()
            .filter(|l| l.contains("postfix-good/smtpd") && l.contains(" connect from"))
            .count()
    };
    let before = connects();
    let r = pf.check("good", &[]);
    assert_eq!(r.code, 0);
    let deadline = Instant::now() + Duration::from_secs(5);
    while connects() == before && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(50));
    }
    std::thread::sleep(Duration::from_millis(300));
    let log = std::fs::read_to_string(pf.dir.join("postfix.log")).unwrap_or_default();
    assert_eq!(
        connects() - before,
        1,
        "one connection for one check:\n{log}"
    );
    assert!(
        !log.contains("improper command pipelining"),
        "we never talk before our turn:\n{log}"
    );
}
