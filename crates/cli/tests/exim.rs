//! A real Exim (Debian's exim4-daemon-light), started by the test on a loopback port with a
//! configuration of its own (`exim4 -C FILE -bdf -oX PORT`, as root: Exim honours `-C` with
//! root's privileges only for root), its spool and log in a temporary directory, a certificate
//! from the lab's PKI (sent without its intermediate, so that there is a finding whose fixes
//! can be ordered). Nothing is delivered: every recipient is refused.
//!
//! Asserted: the tool names it Exim with the version `exim4 -bV` prints, the STARTTLS injection
//! check is ok (Exim discards what is pipelined after STARTTLS), the text shows Exim's fix
//! first, and `--mta` overrides the guess.

mod common;

use common::*;
use lab::pki::{LeafSpec, Pki};
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

/// Starts tried before giving up (a picked port may be taken before Exim binds it).
const START_ATTEMPTS: usize = 5;

struct Exim {
    child: Child,
    port: u16,
    ca_file: PathBuf,
    dir: PathBuf,
    _tmp: tempfile::TempDir,
}

/// A port that was free a moment ago (Exim binds its own: a failed start is retried).
fn free_port() -> u16 {
    let l = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    l.local_addr().expect("addr").port()
}

/// Exim's configuration; `extra` is added to its main section.
fn config(dir: &Path, extra: &str) -> String {
    let d = dir.display();
    format!(
        "keep_environment =\n\
         primary_hostname = mx.lab.test\n\
         spool_directory = {d}/spool\n\
         log_file_path = {d}/spool/%slog\n\
         local_interfaces = 127.0.0.1\n\
         tls_advertise_hosts = *\n\
         tls_certificate = {d}/chain.pem\n\
         tls_privatekey = {d}/key.pem\n\
         {extra}\
         acl_smtp_rcpt = acl_check_rcpt\n\
         begin acl\n\
         acl_check_rcpt:\n  deny\n"
    )
}

impl Exim {
    fn start() -> Exim {
        Exim::start_with("")
    }

    /// Exim with `extra` lines in the main section of its configuration.
    fn start_with(extra: &str) -> Exim {
        let exim = host::program("exim4").expect("exim4 (the test checks Need::Exim)");
        let tmp = tempfile::Builder::new()
            .prefix("smtp-tls-doctor-exim-")
            .tempdir()
            .expect("temp dir");
        let dir = tmp.path().to_path_buf();
        std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o755)).expect("chmod");
        let spool = dir.join("spool");
        std::fs::create_dir_all(&spool).expect("mkdir");
        // Exim writes its spool and logs as its own user.
        let status = Command::new("chown")
            .args([
                "-R",
                "Debian-exim:Debian-exim",
                spool.to_str().unwrap_or_default(),
            ])
            .status()
            .expect("chown");
        assert!(
            status.success(),
            "chown Debian-exim (Exim's user must exist)"
        );

        let pki = Pki::generate().expect("pki");
        let leaf = pki
            .leaf(&LeafSpec::valid_for(&["mx.lab.test"]))
            .expect("leaf");
        // The chain without its intermediate: chain-incomplete, whose fixes name Exim and Postfix.
        std::fs::write(dir.join("chain.pem"), &leaf.cert_pem).expect("write");
        std::fs::write(dir.join("key.pem"), &leaf.key_pem).expect("write");
        // Exim reads the key after giving up root (a test key, in a test directory).
        std::fs::set_permissions(dir.join("key.pem"), std::fs::Permissions::from_mode(0o644))
            .expect("chmod");
        let ca_file = dir.join("ca.pem");
        std::fs::write(&ca_file, &pki.root.cert_pem).expect("write");
        let conf = dir.join("exim.conf");
        std::fs::write(&conf, config(&dir, extra)).expect("write exim.conf");

        let mut failures = String::new();
        for attempt in 1..=START_ATTEMPTS {
            let port = free_port();
            let mut child = Command::new(&exim)
                .arg("-C")
                .arg(&conf)
                .args(["-bdf", "-oX", &port.to_string()])
                .stdin(Stdio::null())
                .stdout(Stdio::null())
                .stderr(Stdio::piped())
                .spawn()
                .expect("spawn exim4");
            // Readiness: the port accepts, or the daemon exits (a bind failure). Bounded tries.
            for _ in 0..300 {
                if let Ok(Some(status)) = child.try_wait() {
                    let mut err = String::new();
                    if let Some(mut e) = child.stderr.take() {
                        use std::io::Read;
                        let _ = e.read_to_string(&mut err);
                    }
                    failures.push_str(&format!("attempt {attempt}: exim exited {status}: {err}\n"));
                    break;
                }
                if std::net::TcpStream::connect(("127.0.0.1", port)).is_ok() {
                    return Exim {
                        child,
                        port,
                        ca_file,
                        dir,
                        _tmp: tmp,
                    };
                }
                std::thread::sleep(Duration::from_millis(100));
            }
            let _ = child.kill();
            let _ = child.wait();
        }
        panic!("exim did not start {START_ATTEMPTS} times:\n{failures}");
    }

    fn check(&self, extra: &[&str]) -> Run {
        let target = format!("mx.lab.test:{}", self.port);
        let ca = self.ca_file.to_string_lossy().into_owned();
        let mut args = vec![
            "check",
            target.as_str(),
            "--resolve",
            "mx.lab.test:127.0.0.1",
            "--ca-file",
            ca.as_str(),
            "--no-fetch",
        ];
        args.extend_from_slice(extra);
        run(&args)
    }

    fn log(&self) -> String {
        std::fs::read_to_string(self.dir.join("spool/mainlog")).unwrap_or_default()
    }
}

impl Drop for Exim {
    fn drop(&mut self) {
        // The daemon we started (by its own handle), before the directory goes.
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// "4.96" from `exim4 -bV`'s first line ("Exim version 4.96 #2 built ...").
fn exim_version() -> String {
    let exim = host::program("exim4").expect("exim4");
    let out = Command::new(exim).arg("-bV").output().expect("exim4 -bV");
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    text.lines()
        .next()
        .and_then(|l| l.strip_prefix("Exim version "))
        .and_then(|l| l.split_whitespace().next())
        .unwrap_or_else(|| panic!("no version in {text}"))
        .to_string()
}

#[test]
fn exim_is_named_and_not_injectable() {
    if !require(&[Need::Exim, Need::Root]) {
        return;
    }
    let exim = Exim::start();
    let version = exim_version();

    let r = exim.check(&["--json"]);
    let v = r.json();
    let ep = &v["endpoints"][0];
    // Debian's Exim with GnuTLS defaults also offers TLS 1.0 and 1.1 and leaves the suite
    // order to the client: those findings are the scan's business, not this test's.
    let found = codes(&v);
    assert!(
        found.contains(&"chain-incomplete".to_string()),
        "{found:?}\n{}\n{}",
        r.stdout,
        exim.log()
    );
    assert!(
        !found.contains(&"starttls-injection".to_string()),
        "{found:?}"
    );
    let sw = &ep["server_software"];
    assert_eq!(sw["name"], "Exim", "{sw}");
    assert_eq!(sw["version"], version.as_str(), "{sw}");
    assert_eq!(sw["confidence"], "high", "{sw}");
    // The banner, Exim's keywords and its STARTTLS reply all point at it.
    let evidence: Vec<&str> = sw["evidence"]
        .as_array()
        .expect("evidence")
        .iter()
        .filter_map(|e| e.as_str())
        .collect();
    assert!(evidence.iter().any(|e| e.starts_with("banner:")), "{sw}");
    assert!(evidence.iter().any(|e| e.contains("TLS go ahead")), "{sw}");
    // Exim discards what is pipelined after STARTTLS.
    let inj = &ep["checks"]["starttls-injection"];
    assert_eq!(inj["status"], "ok", "{inj}\n{}", exim.log());
    assert_eq!(ep["starttls_injection"]["handshake_completed"], true);
    assert_eq!(ep["starttls_injection"]["tls_bytes_before_command"], 0);
    assert_eq!(ep["starttls_injection"]["ehlo_after_tls"], 250);
    // GnuTLS: the handshake completes by hand and client-initiated renegotiation is refused.
    let reneg = &ep["checks"]["client-renegotiation"];
    eprintln!("exim client-renegotiation: {reneg}");
    assert_eq!(reneg["status"], "ok", "{reneg}\n{}", exim.log());
    assert!(
        reneg["evidence"]
            .as_str()
            .is_some_and(|e| e.contains("Finished verified")),
        "{reneg}"
    );

    // Text: the guess in words, and Exim's fix before any other.
    let r = exim.check(&["--quick"]);
    assert!(
        r.stdout
            .contains(&format!("the server looks like Exim {version} (banner")),
        "{}",
        r.stdout
    );
    let fixes: Vec<&str> = r
        .stdout
        .lines()
        .map(str::trim)
        .filter(|l| l.starts_with("fix ("))
        .collect();
    assert_eq!(fixes.first().copied(), Some("fix (Exim):"), "{}", r.stdout);
    assert!(
        r.stdout.contains("fixes for ") && r.stdout.contains("Postfix"),
        "the other fixes folded into one line:\n{}",
        r.stdout
    );

    // The user knows better: --mta names it, and its fix comes first.
    let r = exim.check(&["--quick", "--mta", "postfix"]);
    assert!(
        r.stdout.contains("the server is Postfix (as given)"),
        "{}",
        r.stdout
    );
    let first = r
        .stdout
        .lines()
        .map(str::trim)
        .find(|l| l.starts_with("fix ("));
    assert_eq!(first, Some("fix (Postfix):"), "{}", r.stdout);
    let r = exim.check(&["--quick", "--json", "--mta", "Exim"]);
    let sw = &r.json()["endpoints"][0]["server_software"];
    assert_eq!(sw["evidence"][0], "given by the user", "{sw}");
    assert!(sw["version"].is_null());

    // An unknown name is a usage error that lists the known ones.
    let r = exim.check(&["--quick", "--mta", "nosuchmta"]);
    assert_eq!(r.code, 64, "{}", r.stderr);
    assert!(
        r.stderr.contains("--mta 'nosuchmta'") && r.stderr.contains("Exim, Sendmail"),
        "{}",
        r.stderr
    );
}

/// A banner that names nothing: Exim's EHLO and STARTTLS replies still tell (medium), and the
/// scan adds the TLS stack's line: Debian's Exim links GnuTLS, whose TLS 1.3 accepts
/// TLS_AES_128_CCM_SHA256 (OpenSSL's default does not).
#[test]
fn an_anonymous_exim_shows_its_gnutls() {
    if !require(&[Need::Exim, Need::Root]) {
        return;
    }
    let exim = Exim::start_with("smtp_banner = $smtp_active_hostname ESMTP\n");
    let r = exim.check(&["--json"]);
    let v = r.json();
    let ep = &v["endpoints"][0];
    assert_eq!(
        ep["smtp"]["banner"]["lines"][0],
        "mx.lab.test ESMTP",
        "{}\n{}",
        r.stdout,
        exim.log()
    );
    let tls13: Vec<&str> = ep["versions"]["TLSv1.3"]["suites"]
        .as_array()
        .expect("TLS 1.3 suites")
        .iter()
        .filter_map(|s| s["iana"].as_str())
        .collect();
    assert!(tls13.contains(&"TLS_AES_128_CCM_SHA256"), "{tls13:?}");
    let sw = &ep["server_software"];
    assert_eq!(sw["name"], "Exim", "{sw}");
    assert!(sw["version"].is_null(), "{sw}");
    assert_eq!(sw["confidence"], "medium", "{sw}");
    let evidence: Vec<&str> = sw["evidence"]
        .as_array()
        .expect("evidence")
        .iter()
        .filter_map(|e| e.as_str())
        .collect();
    assert!(!evidence.iter().any(|e| e.starts_with("banner:")), "{sw}");
    assert!(
        evidence
            .iter()
            .any(|e| e.starts_with("TLS behaviour:") && e.contains("GnuTLS")),
        "{sw}"
    );
    // --quick scans nothing: the texts alone.
    let r = exim.check(&["--quick", "--json"]);
    let sw = &r.json()["endpoints"][0]["server_software"];
    assert_eq!(sw["name"], "Exim", "{sw}");
    assert!(
        !sw["evidence"].to_string().contains("TLS behaviour"),
        "{sw}"
    );
}
