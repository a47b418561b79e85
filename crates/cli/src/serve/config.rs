//! `serve --config FILE`: the server's fences and limits (`[server]`) and the modules, named sets
//! of check options (`[modules.NAME]`), as blackbox_exporter has them. A module's keys mirror the
//! flags of `check`, and are turned into [`CheckOptions`] by the same code as the flags
//! (`crate::options`), so the two cannot drift apart.

use doctor::model::options::{Allowlist, CheckOptions};
use serde::Deserialize;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::Duration;

/// The module a request that names none uses.
pub const DEFAULT_MODULE: &str = "default";

/// The file as written.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct File {
    #[serde(default)]
    server: ServerFile,
    #[serde(default)]
    modules: BTreeMap<String, ModuleFile>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct ServerFile {
    allow_targets: Option<Vec<String>>,
    allow_private: Option<bool>,
    max_concurrent_checks: Option<u32>,
    per_client_per_minute: Option<u32>,
    global_per_minute: Option<u32>,
    request_timeout: Option<f64>,
    max_body: Option<u64>,
}

/// A string or a list of strings (`ca_file`, `dns`).
#[derive(Debug, Deserialize)]
#[serde(untagged)]
enum OneOrMany {
    One(String),
    Many(Vec<String>),
}

impl OneOrMany {
    fn list(&self) -> Vec<String> {
        match self {
            OneOrMany::One(s) => vec![s.clone()],
            OneOrMany::Many(v) => v.clone(),
        }
    }
}

#[derive(Debug, Clone, Copy, Deserialize)]
#[serde(rename_all = "lowercase")]
enum TrustKey {
    Mozilla,
    System,
    None,
}

#[derive(Debug, Clone, Copy, Deserialize)]
#[serde(rename_all = "lowercase")]
enum ModeKey {
    Starttls,
    Implicit,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct ModuleFile {
    quick: Option<bool>,
    ca_file: Option<OneOrMany>,
    resolve: Option<Vec<String>>,
    dns: Option<OneOrMany>,
    trust: Option<TrustKey>,
    mode: Option<ModeKey>,
    names: Option<Vec<String>>,
    #[serde(rename = "as")]
    as_profiles: Option<Vec<String>>,
    ehlo: Option<String>,
    sni: Option<String>,
    no_sni: Option<bool>,
    port: Option<u16>,
    domain: Option<bool>,
    connect_timeout: Option<f64>,
    banner_timeout: Option<f64>,
    command_timeout: Option<f64>,
    handshake_timeout: Option<f64>,
    deadline: Option<f64>,
    expiry_warn_days: Option<u32>,
    min_interval: Option<f64>,
    connect_to: Option<Vec<String>>,
    no_fetch: Option<bool>,
}

/// One module, ready to check with.
#[derive(Debug, Clone)]
pub struct Module {
    pub name: String,
    /// The options every request with this module starts from.
    pub options: CheckOptions,
    /// Check the target as a mail domain whatever it looks like.
    pub domain: bool,
    /// The SMTP port for a target given without one (and for every MX host).
    pub port: Option<u16>,
    /// How long a result is served again instead of checking anew.
    pub min_interval: Duration,
}

/// The server's fences and limits.
#[derive(Debug, Clone)]
pub struct Server {
    pub allow_targets: Option<Allowlist>,
    pub allow_private: bool,
    pub max_concurrent_checks: usize,
    pub per_client_per_minute: u32,
    pub global_per_minute: u32,
    pub request_timeout: Duration,
    pub max_body: usize,
}

impl Default for Server {
    fn default() -> Self {
        Server {
            allow_targets: None,
            allow_private: false,
            max_concurrent_checks: 4,
            per_client_per_minute: 30,
            global_per_minute: 300,
            request_timeout: Duration::from_secs(10),
            max_body: 65536,
        }
    }
}

/// The whole configuration.
#[derive(Debug, Clone)]
pub struct Config {
    pub server: Server,
    /// Every module by name; there is always a `default`.
    pub modules: BTreeMap<String, Module>,
}

impl Config {
    /// No file: the default module with default options, the default fences.
    pub fn builtin() -> Result<Config, String> {
        let mut modules = BTreeMap::new();
        modules.insert(
            DEFAULT_MODULE.to_string(),
            module(DEFAULT_MODULE, &ModuleFile::default(), None)?,
        );
        Ok(Config {
            server: Server::default(),
            modules,
        })
    }

    /// Read and check `path`. `Err` is a sentence naming the file, the key and what to do.
    pub fn load(path: &Path) -> Result<Config, String> {
        let text = std::fs::read_to_string(path)
            .map_err(|e| format!("--config {}: cannot read it: {e}", path.display()))?;
        Config::parse(&text, path)
    }

    /// [`Config::load`] on text already read; relative file names are taken from `path`'s
    /// directory.
    pub fn parse(text: &str, path: &Path) -> Result<Config, String> {
        let shown = path.display();
        let file: File = toml::from_str(text).map_err(|e| {
            format!(
                "--config {shown}: {}; see docs/serve.md for the keys",
                e.to_string().trim_end()
            )
        })?;
        let dir = path.parent().map(Path::to_path_buf);
        let server = server(&file.server)
            .map_err(|(key, why)| format!("--config {shown}: [server] {key}: {why}"))?;
        let mut modules = BTreeMap::new();
        for (name, m) in &file.modules {
            if name.is_empty()
                || !name
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b"-_.".contains(&b))
            {
                return Err(format!(
                    "--config {shown}: [modules.{name}]: a module name is letters, digits, '-', '_' and '.'"
                ));
            }
            let built = module(name, m, dir.as_deref())
                .map_err(|why| format!("--config {shown}: [modules.{name}] {why}"))?;
            modules.insert(name.clone(), built);
        }
        if !modules.contains_key(DEFAULT_MODULE) {
            modules.insert(
                DEFAULT_MODULE.to_string(),
                module(DEFAULT_MODULE, &ModuleFile::default(), None)?,
            );
        }
        Ok(Config { server, modules })
    }
}

fn server(f: &ServerFile) -> Result<Server, (&'static str, String)> {
    let d = Server::default();
    let allow_targets = match &f.allow_targets {
        None => None,
        Some(list) if list.is_empty() => {
            return Err((
                "allow_targets",
                "an empty list allows nothing: name targets (mx.example.com, *.example.com, 192.0.2.0/24) or leave the key out".into(),
            ));
        }
        Some(list) => Some(Allowlist::parse(list).map_err(|e| ("allow_targets", e))?),
    };
    let count = |key: &'static str, v: Option<u32>, default: u32, max: u32| match v {
        None => Ok(default),
        Some(n) if (1..=max).contains(&n) => Ok(n),
        Some(n) => Err((key, format!("{n}: give a number from 1 to {max}"))),
    };
    let request_timeout = match f.request_timeout {
        None => d.request_timeout,
        Some(s) if s.is_finite() && s > 0.0 && s <= 600.0 => Duration::from_secs_f64(s),
        Some(s) => {
            return Err((
                "request_timeout",
                format!("{s}: give seconds greater than 0 and at most 600"),
            ));
        }
    };
    let max_body = match f.max_body {
        None => d.max_body,
        Some(n) if (256..=16 * 1024 * 1024).contains(&n) => {
            usize::try_from(n).unwrap_or(d.max_body)
        }
        Some(n) => return Err(("max_body", format!("{n}: give bytes from 256 to 16777216"))),
    };
    Ok(Server {
        allow_targets,
        allow_private: f.allow_private.unwrap_or(d.allow_private),
        max_concurrent_checks: count("max_concurrent_checks", f.max_concurrent_checks, 4, 1024)?
            as usize,
        per_client_per_minute: count(
            "per_client_per_minute",
            f.per_client_per_minute,
            d.per_client_per_minute,
            1_000_000,
        )?,
        global_per_minute: count(
            "global_per_minute",
            f.global_per_minute,
            d.global_per_minute,
            10_000_000,
        )?,
        request_timeout,
        max_body,
    })
}

/// A relative file name is taken from the config file's directory.
fn file_name(dir: Option<&Path>, name: &str) -> String {
    let p = PathBuf::from(name);
    match dir {
        Some(d) if p.is_relative() => d.join(p).to_string_lossy().into_owned(),
        _ => name.to_string(),
    }
}

/// The flag of `check` each key stands for, to read the CLI's messages in the config's words.
const KEY_OF_FLAG: &[(&str, &str)] = &[
    ("--ca-file", "ca_file"),
    ("--resolve", "resolve"),
    ("--dns", "dns"),
    ("--name", "names"),
    ("--as", "as"),
    ("--ehlo", "ehlo"),
    ("--sni", "sni"),
    ("--connect-timeout", "connect_timeout"),
    ("--banner-timeout", "banner_timeout"),
    ("--command-timeout", "command_timeout"),
    ("--handshake-timeout", "handshake_timeout"),
    ("--deadline", "deadline"),
    ("--expiry-warn-days", "expiry_warn_days"),
    ("--connect-to", "connect_to"),
    ("--port", "port"),
];

/// A message of the command line's option code, in the config's words.
fn in_config_words(msg: &str) -> String {
    let mut m = msg.to_string();
    for (flag, key) in KEY_OF_FLAG {
        if m.contains(flag) {
            m = m.replace(flag, key);
        }
    }
    m
}

/// A module's keys as the flags of `check`, parsed by the command line's own parser and turned
/// into options by its own code.
fn module(name: &str, m: &ModuleFile, dir: Option<&Path>) -> Result<Module, String> {
    let mut args: Vec<String> = vec![
        "smtp-tls-doctor".into(),
        "check".into(),
        "module.invalid".into(),
    ];
    // FLAG=VALUE, so that a value starting with '-' is not taken for a flag.
    let mut flag = |f: &str, v: String| args.push(format!("{f}={v}"));
    for f in m.ca_file.iter().flat_map(OneOrMany::list) {
        let path = file_name(dir, &f);
        if !Path::new(&path).is_file() {
            return Err(format!(
                "ca_file: {path}: no such file; give the path of a PEM file (relative to the config file)"
            ));
        }
        flag("--ca-file", path);
    }
    for r in m.resolve.iter().flatten() {
        flag("--resolve", r.clone());
    }
    for d in m.dns.iter().flat_map(OneOrMany::list) {
        flag("--dns", d);
    }
    if let Some(t) = m.trust {
        flag(
            "--trust",
            match t {
                TrustKey::Mozilla => "mozilla",
                TrustKey::System => "system",
                TrustKey::None => "none",
            }
            .into(),
        );
    }
    for n in m.names.iter().flatten() {
        flag("--name", n.clone());
    }
    for p in m.as_profiles.iter().flatten() {
        flag("--as", p.clone());
    }
    if let Some(e) = &m.ehlo {
        flag("--ehlo", e.clone());
    }
    if let Some(s) = &m.sni {
        flag("--sni", s.clone());
    }
    for (f, v) in [
        ("--connect-timeout", m.connect_timeout),
        ("--banner-timeout", m.banner_timeout),
        ("--command-timeout", m.command_timeout),
        ("--handshake-timeout", m.handshake_timeout),
        ("--deadline", m.deadline),
    ] {
        if let Some(v) = v {
            flag(f, format!("{v}"));
        }
    }
    if let Some(d) = m.expiry_warn_days {
        flag("--expiry-warn-days", d.to_string());
    }
    for c in m.connect_to.iter().flatten() {
        flag("--connect-to", c.clone());
    }
    if let Some(p) = m.port {
        if p == 0 {
            return Err("port: give a port from 1 to 65535".into());
        }
        flag("--port", p.to_string());
    }
    let mut switches = Vec::new();
    if m.quick == Some(true) {
        switches.push("--quick");
    }
    if m.no_sni == Some(true) {
        switches.push("--no-sni");
    }
    if m.no_fetch == Some(true) {
        switches.push("--no-fetch");
    }
    match m.mode {
        Some(ModeKey::Starttls) => switches.push("--starttls"),
        Some(ModeKey::Implicit) => switches.push("--implicit-tls"),
        None => {}
    }
    args.extend(switches.into_iter().map(String::from));
    let cli = <crate::Cli as clap::Parser>::try_parse_from(&args).map_err(|e| {
        let text = e.to_string();
        let first = text
            .lines()
            .next()
            .unwrap_or("invalid value")
            .trim_start_matches("error: ");
        in_config_words(first)
    })?;
    let crate::Command::Check(a) = cli.command else {
        return Err("internal: not a check".into());
    };
    let options = crate::options(&a).map_err(|e| in_config_words(&e))?;
    let min_interval = match m.min_interval {
        None => Duration::from_secs(60),
        Some(s) if s.is_finite() && (0.0..=86400.0).contains(&s) => Duration::from_secs_f64(s),
        Some(s) => return Err(format!("min_interval: {s}: give seconds from 0 to 86400")),
    };
    Ok(Module {
        name: name.to_string(),
        options,
        domain: m.domain.unwrap_or(false),
        port: m.port,
        min_interval,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Result<Config, String> {
        Config::parse(text, Path::new("/etc/smtp-tls-doctor/serve.toml"))
    }

    #[test]
    fn modules_map_to_check_options() {
        let c = parse(
            r#"
[server]
allow_targets = ["mx.example.com", "*.lab.test", "127.0.0.0/8"]
max_concurrent_checks = 2
[modules.default]
quick = true
[modules.lab]
resolve = ["mx.example.test:127.0.0.1"]
dns = "127.0.0.1:5353"
mode = "implicit"
names = ["mail.example.test"]
as = ["gmail-mx"]
connect_timeout = 2.5
min_interval = 5
domain = true
port = 2525
"#,
        )
        .unwrap();
        assert_eq!(c.server.max_concurrent_checks, 2);
        assert!(!c.server.allow_private);
        assert!(
            c.server
                .allow_targets
                .as_ref()
                .unwrap()
                .admits_name("mx.lab.test")
        );
        assert!(c.modules["default"].options.quick);
        let lab = &c.modules["lab"];
        assert_eq!(lab.options.resolve.len(), 1);
        assert_eq!(lab.options.dns.servers.len(), 1);
        assert_eq!(
            lab.options.mode,
            Some(doctor::model::observation::Mode::ImplicitTls)
        );
        assert_eq!(lab.options.names, vec!["mail.example.test".to_string()]);
        assert_eq!(lab.options.profiles.len(), 1);
        assert_eq!(lab.options.timeouts.connect, Duration::from_millis(2500));
        assert_eq!(lab.min_interval, Duration::from_secs(5));
        assert!(lab.domain);
        assert_eq!(lab.port, Some(2525));
    }

    #[test]
    fn errors_name_the_file_and_the_key() {
        let e = parse("[modules.lab]\nquik = true\n").unwrap_err();
        assert!(
            e.contains("/etc/smtp-tls-doctor/serve.toml") && e.contains("quik"),
            "{e}"
        );
        let e = parse("[modules.lab]\nresolve = [\"nonsense\"]\n").unwrap_err();
        assert!(e.contains("[modules.lab]") && e.contains("resolve"), "{e}");
        let e = parse("[modules.lab]\nconnect_timeout = -1\n").unwrap_err();
        assert!(e.contains("connect_timeout"), "{e}");
        let e = parse("[modules.lab]\nas = [\"no-such-peer\"]\n").unwrap_err();
        assert!(e.contains("as") && e.contains("no-such-peer"), "{e}");
        let e = parse("[server]\nallow_targets = [\"bad name\"]\n").unwrap_err();
        assert!(e.contains("[server] allow_targets"), "{e}");
        let e = parse("[server]\nmax_concurrent_checks = 0\n").unwrap_err();
        assert!(e.contains("max_concurrent_checks"), "{e}");
        let e = parse("[serve]\n").unwrap_err();
        assert!(e.contains("serve"), "{e}");
        let e = parse("[modules.lab]\nca_file = \"missing.pem\"\n").unwrap_err();
        assert!(e.contains("/etc/smtp-tls-doctor/missing.pem"), "{e}");
        let c = parse("").unwrap();
        assert!(c.modules.contains_key("default"));
    }
}
