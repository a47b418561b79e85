//! What the machine running the tests has, shared by the test crates (crates/lab/tests includes
//! this file too): programs, root, and loud skips when something is missing.
//!
//! A test that needs a program or root starts with `if !require(&[Need::Postfix, Need::Root]) {
//! return; }`. When something is missing it writes ONE line straight to the process's stderr
//! (libtest captures `println!`/`eprintln!` of passing tests, not writes to `std::io::stderr()`):
//!
//! ```text
//! SKIPPED postfix::postfix_listeners: needs postfix (apt-get install -y postfix) and root
//! ```
//!
//! and the test passes. Under CI (`CI=true` or `CI=1`) the same line is a panic: there a skip is
//! a failure, so nothing silently stops being tested. `bash scripts/test` installs everything.
#![allow(dead_code)]

use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::sync::{Mutex, Once};

/// Something a test needs from the machine.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Need {
    /// A real Postfix (`postfix`); its master also needs [`Need::Root`].
    Postfix,
    /// NSD, the DNS harness's authoritative server (`nsd`, `nsd-checkzone`).
    Nsd,
    /// Unbound, the DNS harness's validating resolver.
    Unbound,
    /// `ldns-keygen` and `ldns-signzone`, which sign the DNS harness's zones.
    Ldns,
    /// `keytool` (a JDK), which makes JKS and PKCS#12 trust stores.
    Keytool,
    /// swaks, a real SMTP client.
    Swaks,
    /// The `openssl` command (ground truth and a real client).
    Openssl,
    /// `python3` (its smtplib and ssl modules are real clients).
    Python3,
    /// curl, a real HTTPS client.
    Curl,
    /// iproute2's `ip` (network namespaces; with [`Need::Root`]).
    Ip,
    /// zsh (its `-n` checks a completion script).
    Zsh,
    /// fish (its `-n` checks a completion script).
    Fish,
    /// man-db's `man` (`man -l -` renders the manual page).
    Man,
    /// Prometheus's `promtool` (`check metrics` judges the exposition format).
    Promtool,
    /// A real Exim (`exim4`, Debian's exim4-daemon-light); its daemon also needs [`Need::Root`].
    /// Debian's Exim and Postfix packages conflict, so `scripts/test` unpacks Exim's binary
    /// beside Postfix instead of installing the package.
    Exim,
    /// The Prometheus server itself (scrapes `serve`'s /probe in serve_prometheus.rs).
    Prometheus,
    /// Chromium and its WebDriver server, chromedriver (serve_browser.rs drives the web UI).
    Chromium,
    /// The effective user is root.
    Root,
}

impl Need {
    /// The programs that must be found.
    pub fn programs(self) -> &'static [&'static str] {
        match self {
            Need::Postfix => &["postfix"],
            Need::Nsd => &["nsd", "nsd-checkzone"],
            Need::Unbound => &["unbound"],
            Need::Ldns => &["ldns-keygen", "ldns-signzone"],
            Need::Keytool => &["keytool"],
            Need::Swaks => &["swaks"],
            Need::Openssl => &["openssl"],
            Need::Python3 => &["python3"],
            Need::Curl => &["curl"],
            Need::Ip => &["ip"],
            Need::Zsh => &["zsh"],
            Need::Fish => &["fish"],
            Need::Man => &["man"],
            Need::Promtool => &["promtool"],
            Need::Exim => &["exim4"],
            Need::Prometheus => &["prometheus"],
            Need::Chromium => &["chromium", "chromedriver"],
            Need::Root => &[],
        }
    }

    /// The Debian packages that bring the programs.
    pub fn packages(self) -> &'static str {
        match self {
            Need::Postfix => "postfix",
            Need::Nsd => "nsd",
            Need::Unbound => "unbound",
            Need::Ldns => "ldnsutils",
            Need::Keytool => "default-jdk-headless",
            Need::Swaks => "swaks libnet-ssleay-perl",
            Need::Openssl => "openssl",
            Need::Python3 => "python3",
            Need::Curl => "curl",
            Need::Ip => "iproute2",
            Need::Zsh => "zsh",
            Need::Fish => "fish",
            Need::Man => "man-db",
            Need::Promtool => "prometheus",
            Need::Exim => "exim4-daemon-light",
            Need::Prometheus => "prometheus",
            Need::Chromium => "chromium chromium-driver",
            Need::Root => "",
        }
    }

    /// Whether the machine has it.
    pub fn present(self) -> bool {
        match self {
            Need::Root => is_root(),
            _ => self.programs().iter().all(|p| program(p).is_some()),
        }
    }

    /// "postfix (apt-get install -y postfix)", or "root".
    pub fn describe(self) -> String {
        let name = match self {
            Need::Root => return "root".to_string(),
            // The one of the two that names the job.
            Need::Ldns => "ldns-signzone",
            _ => self.programs().first().copied().unwrap_or_default(),
        };
        format!("{name} (apt-get install -y {})", self.packages())
    }
}

/// A program by name: the first executable file of that name on PATH, else in the sbin
/// directories (postfix, nsd, unbound and ip live in /usr/sbin, which a non-root PATH may lack).
pub fn program(name: &str) -> Option<PathBuf> {
    let path = std::env::var_os("PATH").unwrap_or_default();
    std::env::split_paths(&path)
        .chain(["/usr/local/sbin", "/usr/sbin", "/sbin"].map(PathBuf::from))
        .map(|d| d.join(name))
        .find(|p| is_executable(p))
}

fn is_executable(p: &Path) -> bool {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(p).is_ok_and(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
}

unsafe extern "C" {
    fn geteuid() -> u32;
    fn atexit(cb: extern "C" fn()) -> i32;
}

/// Whether the effective user is root.
pub fn is_root() -> bool {
    // SAFETY: geteuid has no preconditions and cannot fail.
    unsafe { geteuid() == 0 }
}

/// True when every need is met; otherwise reports the skip (see the module doc) and returns
/// false: the test then returns at once.
pub fn require(needs: &[Need]) -> bool {
    let missing: Vec<Need> = needs.iter().copied().filter(|n| !n.present()).collect();
    if missing.is_empty() {
        return true;
    }
    let parts: Vec<String> = missing.iter().map(|n| n.describe()).collect();
    let list = match parts.split_last() {
        Some((last, [])) => last.clone(),
        Some((last, rest)) => format!("{} and {last}", rest.join(", ")),
        None => String::new(),
    };
    skip(&format!("needs {list}"));
    false
}

/// Reports that the running test is skipped, and why: one line on stderr, or a panic under CI.
pub fn skip(why: &str) {
    let line = format!("SKIPPED {}: {why}", test_name());
    if under_ci() {
        panic!("{line} (CI is set: a skipped test is a failure)");
    }
    let mut err = std::io::stderr().lock();
    let _ = writeln!(err, "{line}");
    let _ = err.flush();
}

/// `CI=true` or `CI=1`.
pub fn under_ci() -> bool {
    std::env::var("CI").is_ok_and(|v| v.eq_ignore_ascii_case("true") || v == "1")
}

/// "<test binary>::<test>", from libtest's name for the test's thread.
fn test_name() -> String {
    let krate = env!("CARGO_CRATE_NAME");
    match std::thread::current().name() {
        Some(name) if name != "main" => format!("{krate}::{name}"),
        _ => krate.to_string(),
    }
}

/// Removes `dir` (recursively) when the test process exits: for the temporary directory of a
/// server kept in a `static` for the whole test binary, whose `Drop` never runs.
pub fn remove_at_exit(dir: PathBuf) {
    static DIRS: Mutex<Vec<PathBuf>> = Mutex::new(Vec::new());
    static REGISTER: Once = Once::new();
    extern "C" fn cleanup() {
        let dirs = DIRS.lock().unwrap_or_else(|e| e.into_inner());
        for d in dirs.iter() {
            let _ = std::fs::remove_dir_all(d);
        }
    }
    REGISTER.call_once(|| {
        // SAFETY: registers a plain function with no captured state; it runs at exit().
        unsafe {
            atexit(cleanup);
        }
    });
    DIRS.lock().unwrap_or_else(|e| e.into_inner()).push(dir);
}

/// `promtool check metrics` accepts `text`, the exposition of `what` (skipped, loudly, when
/// promtool is missing; a failure under CI).
pub fn promtool_accepts(what: &str, text: &str) {
    if !require(&[Need::Promtool]) {
        return;
    }
    let mut child = std::process::Command::new("promtool")
        .args(["check", "metrics"])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("promtool runs");
    child
        .stdin
        .take()
        .expect("promtool's stdin")
        .write_all(text.as_bytes())
        .expect("write to promtool");
    let out = child.wait_with_output().expect("promtool ends");
    assert!(
        out.status.success(),
        "promtool check metrics on {what}: {}{}\n{text}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}
