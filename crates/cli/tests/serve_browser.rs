//! `serve`'s web form in a real headless Chromium, driven through chromedriver with the W3C
//! WebDriver protocol (plain JSON over HTTP on loopback; the client is this file's, over
//! std, so no WebDriver crate enters Cargo.lock). With JavaScript: the form starts a check,
//! the progress shows, the report follows with the lab's finding, the console has no error.
//! Without JavaScript: the plain form submission reaches the same report. On a phone-sized
//! screen: nothing scrolls sideways. A server whose banner is HTML: nothing of it runs.
//! Screenshots go to target/test-artifacts/serve-browser/.
//!
//! Chromium may not contact anything but the test's servers: no proxy lookup, no background
//! networking, component updates, sync or default apps, no host but 127.0.0.1 resolves, and a fresh
//! profile per session.

mod common;

use common::web::{self, Proc, Serve, enc, poll};
use common::{Need, require};
use serde_json::{Value, json};
use std::io::Write as _;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::Command;
use std::sync::Mutex;
use std::time::Duration;

/// One browser at a time: the machine has two cores.
static ONE_BROWSER: Mutex<()> = Mutex::new(());

/// The W3C key of an element reference.
const ELEMENT: &str = "element-6066-11e4-a52e-4f735466cecf";

struct Driver {
    proc: Proc,
    addr: SocketAddr,
    dir: tempfile::TempDir,
}

/// chromedriver on a free port of loopback (by default it listens on 127.0.0.1 and ::1 only),
/// retried on another port when that one was taken meanwhile.
fn start_driver() -> Driver {
    let dir = tempfile::Builder::new()
        .prefix("smtp-tls-doctor-chromedriver-")
        .tempdir()
        .expect("a temporary directory");
    let mut failures = String::new();
    for attempt in 0..5 {
        let port = common::dns::free_port();
        let addr: SocketAddr = ([127, 0, 0, 1], port).into();
        let mut cmd = Command::new(common::host::program("chromedriver").expect("chromedriver"));
        // No --allowed-ips: with it chromedriver listens on every interface (and filters);
        // without it, on 127.0.0.1 and ::1 only.
        cmd.arg(format!("--port={port}")).arg("--log-level=WARNING");
        let log = dir.path().join(format!("chromedriver-{attempt}.log"));
        let mut proc = Proc::spawn("chromedriver", cmd, &log, false);
        // Hang guard: chromedriver answers within a second.
        let ready = poll(Duration::from_secs(20), || {
            if !proc.alive() {
                return Some(false);
            }
            let r = web::request(addr, "GET", "/status", None, Duration::from_secs(2)).ok()?;
            (r.json()["value"]["ready"] == true).then_some(true)
        });
        if ready == Some(true) {
            return Driver { proc, addr, dir };
        }
        failures.push_str(&proc.log_tail());
    }
    panic!("chromedriver did not start in 5 attempts:\n{failures}");
}

/// What a session's browser is like.
#[derive(Clone, Copy)]
struct Browser {
    javascript: bool,
    /// A phone's screen (390 x 844 CSS pixels, as an iPhone 12-15), with mobile emulation.
    phone: bool,
}

struct Session<'a> {
    driver: &'a Driver,
    id: String,
    browser_pid: Option<u64>,
    _profile: tempfile::TempDir,
}

/// A WebDriver error: its `error` code and message.
#[derive(Debug)]
struct WdError {
    error: String,
    message: String,
}

impl std::fmt::Display for WdError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.error, self.message)
    }
}

impl<'a> Session<'a> {
    fn new(driver: &'a Driver, b: Browser) -> Session<'a> {
        let profile = tempfile::Builder::new()
            .prefix("smtp-tls-doctor-chromium-")
            .tempdir_in(driver.dir.path())
            .expect("a profile directory");
        let mut args = vec![
            "--headless=new".to_string(),
            "--no-sandbox".into(),
            "--disable-gpu".into(),
            "--disable-dev-shm-usage".into(),
            "--no-first-run".into(),
            "--disable-background-networking".into(),
            "--disable-component-update".into(),
            "--disable-sync".into(),
            "--disable-default-apps".into(),
            "--disable-extensions".into(),
            "--proxy-server=direct://".into(),
            "--proxy-bypass-list=*".into(),
            // Every host but 127.0.0.1 (where the test's servers are) fails to resolve, so
            // nothing the browser might want to reach elsewhere can be reached.
            "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1".into(),
            "--no-pings".into(),
            "--disable-domain-reliability".into(),
            "--disable-breakpad".into(),
            format!("--user-data-dir={}", profile.path().display()),
        ];
        if !b.javascript {
            args.push("--blink-settings=scriptEnabled=false".into());
        }
        if !b.phone {
            args.push("--window-size=1280,900".into());
        }
        // Debian's /usr/bin/chromium is a shell script that adds flags of its own; the real
        // program lives beside chromedriver.
        let binary = ["/usr/lib/chromium/chromium"]
            .into_iter()
            .map(PathBuf::from)
            .find(|p| p.exists())
            .or_else(|| common::host::program("chromium"))
            .expect("chromium");
        let mut options = json!({"binary": binary, "args": args});
        if b.phone {
            options["mobileEmulation"] =
                json!({"deviceMetrics": {"width": 390, "height": 844, "pixelRatio": 3}});
        }
        let caps = json!({"capabilities": {"alwaysMatch": {
            "browserName": "chrome",
            // An alert stays open, for the test to find.
            "unhandledPromptBehavior": "ignore",
            "goog:loggingPrefs": {"browser": "ALL"},
            "goog:chromeOptions": options,
        }}});
        let r = web::request(
            driver.addr,
            "POST",
            "/session",
            Some(&caps.to_string()),
            Duration::from_secs(60),
        )
        .unwrap_or_else(|e| panic!("new session: {e}\n{}", driver.proc.log_tail()));
        let v = r.json();
        let id = v["value"]["sessionId"]
            .as_str()
            .unwrap_or_else(|| panic!("no session: {v}\n{}", driver.proc.log_tail()))
            .to_string();
        Session {
            driver,
            id,
            browser_pid: v["value"]["capabilities"]["goog:processID"].as_u64(),
            _profile: profile,
        }
    }

    fn cmd(&self, method: &str, path: &str, body: Option<Value>) -> Result<Value, WdError> {
        let body = body.map(|b| b.to_string());
        let r = web::request(
            self.driver.addr,
            method,
            &format!("/session/{}{path}", self.id),
            body.as_deref(),
            Duration::from_secs(60),
        )
        .map_err(|e| WdError {
            error: "transport".into(),
            message: e.to_string(),
        })?;
        let v = r.json();
        match v["value"]["error"].as_str() {
            Some(e) => Err(WdError {
                error: e.to_string(),
                message: v["value"]["message"].as_str().unwrap_or("").to_string(),
            }),
            None => Ok(v["value"].clone()),
        }
    }

    fn ok(&self, method: &str, path: &str, body: Option<Value>) -> Value {
        self.cmd(method, path, body)
            .unwrap_or_else(|e| panic!("WebDriver {method} {path}: {e}"))
    }

    fn go(&self, url: &str) {
        self.ok("POST", "/url", Some(json!({"url": url})));
    }

    fn url(&self) -> String {
        self.ok("GET", "/url", None)
            .as_str()
            .unwrap_or_default()
            .to_string()
    }

    fn find(&self, css: &str) -> Option<String> {
        self.cmd(
            "POST",
            "/element",
            Some(json!({"using": "css selector", "value": css})),
        )
        .ok()
        .and_then(|v| v[ELEMENT].as_str().map(str::to_string))
    }

    fn must_find(&self, css: &str) -> String {
        self.find(css)
            .unwrap_or_else(|| panic!("no element {css} on {}", self.url()))
    }

    fn count(&self, css: &str) -> usize {
        self.ok(
            "POST",
            "/elements",
            Some(json!({"using": "css selector", "value": css})),
        )
        .as_array()
        .map_or(0, Vec::len)
    }

    fn type_into(&self, css: &str, text: &str) {
        let el = self.must_find(css);
        self.ok("POST", &format!("/element/{el}/clear"), Some(json!({})));
        self.ok(
            "POST",
            &format!("/element/{el}/value"),
            Some(json!({"text": text})),
        );
    }

    fn click(&self, css: &str) {
        let el = self.must_find(css);
        self.ok("POST", &format!("/element/{el}/click"), Some(json!({})));
    }

    /// A script run by WebDriver (it runs even when the page's own scripts are disabled).
    fn exec(&self, script: &str) -> Result<Value, WdError> {
        self.cmd(
            "POST",
            "/execute/sync",
            Some(json!({"script": script, "args": []})),
        )
    }

    fn alert_text(&self) -> Option<String> {
        match self.cmd("GET", "/alert/text", None) {
            Ok(v) => Some(v.as_str().unwrap_or_default().to_string()),
            Err(e) if e.error == "no such alert" => None,
            Err(e) => panic!("alert text: {e}"),
        }
    }

    /// The browser's console log since the last call.
    fn console(&self) -> Vec<Value> {
        self.ok("POST", "/se/log", Some(json!({"type": "browser"})))
            .as_array()
            .cloned()
            .unwrap_or_default()
    }

    fn screenshot(&self, name: &str) -> PathBuf {
        use base64::Engine as _;
        let b64 = self.ok("GET", "/screenshot", None);
        let png = base64::engine::general_purpose::STANDARD
            .decode(b64.as_str().unwrap_or_default())
            .expect("a base64 PNG");
        assert!(png.starts_with(b"\x89PNG"), "not a PNG");
        let dir = artifacts();
        std::fs::create_dir_all(&dir).expect("the artefacts directory");
        let path = dir.join(format!("{name}.png"));
        std::fs::write(&path, png).expect("write the screenshot");
        let mut err = std::io::stderr().lock();
        let _ = writeln!(err, "screenshot: {}", path.display());
        path
    }

    /// Fills the form of `/` with `target` and the module `lab`, and submits it with the button.
    fn submit_form(&self, serve: &Serve, target: &str) {
        self.go(&serve.url("/"));
        self.must_find("form#check-form");
        self.type_into("input[name=target]", target);
        self.click("select[name=module] option[value=lab]");
        self.click("#submit");
    }

    /// Waits for the report's verdict banner; its `data-verdict`.
    fn wait_verdict(&self) -> String {
        // Hang guard: the lab's checks take a few seconds at most.
        let v = poll(Duration::from_secs(40), || {
            self.find("#verdict")?;
            self.exec("return document.getElementById('verdict').getAttribute('data-verdict')")
                .ok()?
                .as_str()
                .map(str::to_string)
        });
        v.unwrap_or_else(|| {
            let body = self
                .exec("return document.body ? document.body.innerText : ''")
                .map(|v| v.to_string())
                .unwrap_or_default();
            panic!("no #verdict on {}: {body}", self.url())
        })
    }
}

impl Drop for Session<'_> {
    fn drop(&mut self) {
        // Closes the browser; should it survive, it is ended by its process id.
        let _ = self.cmd("DELETE", "", None);
        if let Some(pid) = self.browser_pid {
            let gone = poll(Duration::from_secs(5), || {
                (!std::path::Path::new(&format!("/proc/{pid}")).exists()).then_some(())
            });
            if gone.is_none() {
                let _ = Command::new("kill").arg(pid.to_string()).status();
            }
        }
    }
}

/// target/test-artifacts/serve-browser (the target directory is the test binary's grandparent).
fn artifacts() -> PathBuf {
    let exe = std::env::current_exe().expect("the test binary");
    exe.ancestors()
        .nth(3)
        .map(|t| t.join("test-artifacts/serve-browser"))
        .expect("the target directory")
}

fn serve_for_lab() -> Serve {
    web::start_serve(&format!(
        "{}\n{}",
        web::lab_server_table(),
        web::lab_module("lab", 1.0)
    ))
}

/// The console entries of level SEVERE.
fn severe(entries: &[Value]) -> Vec<&Value> {
    entries.iter().filter(|e| e["level"] == "SEVERE").collect()
}

#[test]
fn with_javascript_the_form_shows_progress_then_the_report() {
    if !require(&[Need::Chromium]) {
        return;
    }
    let _one = ONE_BROWSER.lock().unwrap_or_else(|e| e.into_inner());
    let serve = serve_for_lab();
    let driver = start_driver();
    let s = Session::new(
        &driver,
        Browser {
            javascript: true,
            phone: false,
        },
    );

    // The expired certificate.
    let expired = web::lab_target("expired");
    s.submit_form(&serve, &expired);
    let verdict = s.wait_verdict();
    assert_eq!(verdict, "problem", "{}", s.url());
    assert_eq!(s.count(r#"[data-code="cert-expired"]"#), 1, "{}", s.url());
    s.screenshot("js-expired");

    // A good server whose banner comes after 1.5 s: the progress shows meanwhile.
    let slow_good = web::lab_target("banner-delay");
    s.submit_form(&serve, &slow_good);
    // Every text the progress element shows while the form's page is up (the report page has
    // none); the screenshot once an endpoint's phase is in it.
    let endpoint = format!(
        "{}:",
        common::lab()
            .addrs
            .get("banner-delay")
            .map(|a| a.to_string())
            .unwrap_or_default()
    );
    let mut progress_seen: Vec<String> = Vec::new();
    let mut shot = false;
    let verdict = poll(Duration::from_secs(40), || {
        if let Ok(Value::String(text)) = s.exec(
            "var p = document.getElementById('progress'); \
             return p && !p.hidden && p.offsetHeight > 0 ? p.textContent : null",
        ) && !text.trim().is_empty()
            && progress_seen.last() != Some(&text)
        {
            if !shot && text.contains(&endpoint) {
                shot = true;
                let _ = s
                    .exec("var p = document.getElementById('progress'); if (p) p.scrollIntoView()");
                s.screenshot("js-progress");
            }
            progress_seen.push(text);
        }
        s.find("#verdict")?;
        s.exec("return document.getElementById('verdict').getAttribute('data-verdict')")
            .ok()?
            .as_str()
            .map(str::to_string)
    })
    .unwrap_or_else(|| panic!("no report for {slow_good} on {}", s.url()));
    assert_eq!(verdict, "ok", "{}", s.url());
    assert_eq!(s.count("[data-code]"), 0, "no finding for a good server");
    // The live events arrived: the endpoint and the phase it waits in (the banner) were shown.
    assert!(
        progress_seen
            .iter()
            .any(|t| t.contains(&format!("{endpoint} banner"))),
        "the progress while the check ran: {progress_seen:#?}"
    );
    let mut err = std::io::stderr().lock();
    let _ = writeln!(err, "progress texts seen: {progress_seen:?}");
    drop(err);
    s.screenshot("js-good");

    assert_eq!(s.alert_text(), None);
    let console = s.console();
    assert!(
        severe(&console).is_empty(),
        "console errors: {:#?}",
        severe(&console)
    );
}

#[test]
fn without_javascript_the_plain_form_reaches_the_report() {
    if !require(&[Need::Chromium]) {
        return;
    }
    let _one = ONE_BROWSER.lock().unwrap_or_else(|e| e.into_inner());
    let serve = serve_for_lab();
    let driver = start_driver();
    let s = Session::new(
        &driver,
        Browser {
            javascript: false,
            phone: false,
        },
    );
    let expired = web::lab_target("expired");
    s.submit_form(&serve, &expired);
    let verdict = s.wait_verdict();
    let url = s.url();
    assert!(
        url.starts_with(&serve.url("/check?")),
        "the form's own GET: {url}"
    );
    assert!(url.contains(&format!("target={}", enc(&expired))), "{url}");
    assert_eq!(verdict, "problem");
    assert_eq!(s.count(r#"[data-code="cert-expired"]"#), 1);
    // Scripts really were off: app.js never showed the progress.
    let hidden = s
        .exec("var p = document.getElementById('progress'); return !p || p.hidden")
        .expect("a WebDriver script runs");
    assert_eq!(hidden, true);
    s.screenshot("nojs-expired");

    let good = web::lab_target("good");
    s.submit_form(&serve, &good);
    assert_eq!(s.wait_verdict(), "ok");
    assert_eq!(s.count("[data-code]"), 0);
    assert!(severe(&s.console()).is_empty());
}

/// document width, window width, for a phone.
fn widths(s: &Session) -> (f64, f64) {
    let v = s
        .exec("return [document.documentElement.scrollWidth, window.innerWidth]")
        .expect("widths");
    (
        v[0].as_f64().unwrap_or(f64::NAN),
        v[1].as_f64().unwrap_or(f64::NAN),
    )
}

#[test]
fn on_a_phone_nothing_scrolls_sideways() {
    if !require(&[Need::Chromium]) {
        return;
    }
    let _one = ONE_BROWSER.lock().unwrap_or_else(|e| e.into_inner());
    let serve = serve_for_lab();
    let driver = start_driver();
    let s = Session::new(
        &driver,
        Browser {
            javascript: true,
            phone: true,
        },
    );
    s.go(&serve.url("/"));
    s.must_find("form#check-form");
    let (doc, win) = widths(&s);
    // The page declares its viewport (else a phone lays it out 980 px wide and shrinks it).
    assert!(win <= 400.0, "window.innerWidth {win}: no viewport meta?");
    assert!(
        doc <= win + 1.0,
        "the form page is {doc} px wide on a {win} px screen"
    );
    s.screenshot("phone-form");

    let expired = web::lab_target("expired");
    s.go(&serve.url(&format!("/check?target={}&module=lab", enc(&expired))));
    assert_eq!(s.wait_verdict(), "problem");
    // The report's header: the title, the line under it, the verdict banner.
    let overflow = s
        .exec(
            "var w = window.innerWidth; var out = []; \
             document.querySelectorAll('h1, h1 + p, #verdict').forEach(function (e) { \
               var r = e.getBoundingClientRect(); \
               if (r.left < -1 || r.right > w + 1 || e.scrollWidth > e.clientWidth + 1) \
                 out.push(e.tagName + '#' + e.id + ' ' + r.left + '..' + r.right + ' scroll ' + e.scrollWidth + '/' + e.clientWidth); \
             }); return out",
        )
        .expect("the header's boxes");
    assert_eq!(overflow, json!([]), "the report header overflows");
    let (doc, win) = widths(&s);
    let mut err = std::io::stderr().lock();
    let _ = writeln!(
        err,
        "phone report page: scrollWidth {doc} on innerWidth {win}"
    );
    drop(err);
    assert!(
        doc <= win + 1.0,
        "the report page is {doc} px wide on a {win} px screen"
    );
    s.screenshot("phone-report");
    let console = s.console();
    assert!(
        severe(&console).is_empty(),
        "console errors: {:#?}",
        severe(&console)
    );
}

#[test]
fn a_banner_of_html_runs_nothing_in_the_browser() {
    if !require(&[Need::Chromium]) {
        return;
    }
    let _one = ONE_BROWSER.lock().unwrap_or_else(|e| e.into_inner());
    let hostile = web::hostile_html_smtp();
    let serve = serve_for_lab();
    let driver = start_driver();
    let target = format!("{}:{}", common::lab().host, hostile.port());
    for javascript in [true, false] {
        let s = Session::new(
            &driver,
            Browser {
                javascript,
                phone: false,
            },
        );
        // The detector works: a page that does alert is seen to.
        if javascript {
            s.go("data:text/html,<p>control</p><script>alert('control')</script>");
            assert_eq!(s.alert_text().as_deref(), Some("control"));
            s.ok("POST", "/alert/dismiss", Some(json!({})));
            let _ = s.console();
        }
        s.submit_form(&serve, &target);
        let verdict = s.wait_verdict();
        assert_ne!(verdict, "ok", "a server without STARTTLS");
        assert_eq!(s.alert_text(), None, "a dialog opened (js {javascript})");
        assert_eq!(s.count(r#"img[src="x"]"#), 0, "an injected image");
        let injected = s
            .exec(
                "return Array.prototype.filter.call(document.scripts, \
                 function (e) { return e.textContent.indexOf('alert') >= 0; }).length",
            )
            .expect("the scripts");
        assert_eq!(injected, 0, "an injected script");
        // The banner is on the page, as text.
        let text = s
            .exec("return document.body.innerText")
            .expect("the page's text");
        assert!(
            text.as_str()
                .unwrap_or_default()
                .contains(web::HOSTILE_HTML),
            "the banner is shown as text: {text}"
        );
        s.screenshot(if javascript {
            "hostile-js"
        } else {
            "hostile-nojs"
        });
        let console = s.console();
        assert!(
            severe(&console).is_empty(),
            "console errors: {:#?}",
            severe(&console)
        );
    }
}
