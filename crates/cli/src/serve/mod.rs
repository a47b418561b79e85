//! `serve`: the report as a web page, a JSON API and a Prometheus exporter (docs/serve.md).
//!
//! A thin front end over `doctor::check`, like `check`: the module's options come from the same
//! flag mapping, the library does the check under a connect policy (the fences), and the
//! renderers (`render_html`, `render_metrics`) make the answers. Here: HTTP/1.1 (hyper), the
//! routes, the fences before any connection (`fence`), rate limits and the cap on checks
//! running at once (`limits`), single-flight and the result cache (`cache`), the server's own
//! metrics (`metrics`), the form and error pages (`page`) and the script (`assets/app.js`).

pub mod cache;
pub mod config;
pub mod fence;
pub mod limits;
pub mod metrics;
pub mod page;
mod routes;

use cache::{Cache, Done, Failed, Flight, Found, Key, Outcome};
use clap::Args;
use config::Config;
use doctor::model::progress::Event;
use hyper::body::Incoming;
use hyper::server::conn::http1;
use hyper_util::rt::{TokioIo, TokioTimer};
use std::net::{IpAddr, SocketAddr};
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::sync::Semaphore;

/// The default address: loopback only.
pub const DEFAULT_LISTEN: &str = "127.0.0.1:8025";
/// Most client connections open at once; more are closed at once.
const MAX_CONNECTIONS: usize = 512;
/// Most connections one client address keeps open at once; more are closed at once.
const MAX_CONNECTIONS_PER_CLIENT: usize = 32;
/// How long open connections get to finish when the server is stopped.
const SHUTDOWN_GRACE: Duration = Duration::from_secs(5);

#[derive(Args, Debug)]
pub struct ServeArgs {
    /// ADDR:PORT to listen on. Anything but loopback needs allow_targets in the config (or
    /// --allow-any-target). Port 0 picks a free port; the line `listening on http://ADDR:PORT`
    /// names it.
    #[arg(long, value_name = "ADDR:PORT", default_value = DEFAULT_LISTEN)]
    listen: SocketAddr,
    /// The TOML config: [server] fences and limits, [modules.NAME] check options
    /// (docs/serve.md). Without it: one module `default` with the defaults of `check`.
    #[arg(long, value_name = "FILE")]
    config: Option<PathBuf>,
    /// Listen beyond loopback without allow_targets: anyone who reaches the server can make it
    /// connect to any public address.
    #[arg(long)]
    allow_any_target: bool,
}

/// What a request asks to check.
#[derive(Debug, Clone, Default)]
pub struct CheckRequest {
    pub target: String,
    pub module: Option<String>,
    pub names: Vec<String>,
    pub profiles: Vec<String>,
    pub quick: bool,
}

/// Everything the handlers share.
pub struct State {
    pub config: Config,
    pub rate: limits::RateLimits,
    pub slots: Arc<Semaphore>,
    pub cache: Cache,
    pub jobs: routes::Jobs,
    pub metrics: metrics::Metrics,
    pub version: String,
    /// Listening on loopback only: requests must then name a loopback host (DNS rebinding).
    pub loopback: bool,
}

impl State {
    pub fn new(config: Config, loopback: bool) -> State {
        State {
            rate: limits::RateLimits::new(
                config.server.per_client_per_minute,
                config.server.global_per_minute,
            ),
            slots: Arc::new(Semaphore::new(config.server.max_concurrent_checks)),
            cache: Cache::default(),
            jobs: routes::Jobs::default(),
            metrics: metrics::Metrics::default(),
            version: env!("CARGO_PKG_VERSION").to_string(),
            loopback,
            config,
        }
    }

    /// The check a request asks for: rate limits, the module, the fences, then the cache or a
    /// new check (when a slot frees within [`limits::BUSY_WAIT`]). Nothing is connected to
    /// before every fence has passed.
    pub async fn obtain(
        self: &Arc<Self>,
        req: &CheckRequest,
        client: IpAddr,
    ) -> Result<Arc<Flight>, Failed> {
        if let Err(l) = self.rate.take(client) {
            self.metrics.refused("rate-limit");
            let mut f = Failed::new(
                429,
                "rate-limit",
                if l.global {
                    format!(
                        "this server has run as many checks as it allows per minute (global_per_minute); try again in {} s",
                        l.retry_after
                    )
                } else {
                    format!(
                        "you have asked for as many checks as one client may per minute (per_client_per_minute); try again in {} s",
                        l.retry_after
                    )
                },
            );
            f.retry_after = Some(l.retry_after);
            return Err(f);
        }
        let module_name = req
            .module
            .as_deref()
            .filter(|m| !m.is_empty())
            .unwrap_or(config::DEFAULT_MODULE);
        let Some(module) = self.config.modules.get(module_name) else {
            return Err(Failed::new(
                400,
                "module",
                format!(
                    "no module '{module_name}' in this server's config; the modules are: {}",
                    self.config
                        .modules
                        .keys()
                        .cloned()
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            ));
        };
        let target = req.target.trim().trim_end_matches('.').to_ascii_lowercase();
        if target.is_empty() {
            return Err(Failed::new(
                400,
                "target",
                "give a target: a mail server as host[:port] (mx.example.com:25) or a mail domain (example.com)",
            ));
        }
        if target.len() > 300 {
            return Err(Failed::new(
                400,
                "target",
                "the target is longer than 300 characters",
            ));
        }
        if let Err(r) = fence::admit_target(&target, &self.config.server) {
            let (status, kind) = match &r {
                fence::Refusal::Invalid(_) => (400, "target"),
                fence::Refusal::Allowlist(_) => {
                    self.metrics.refused("allowlist");
                    (403, "allowlist")
                }
                fence::Refusal::Private(_) => {
                    self.metrics.refused("private");
                    (403, "private")
                }
            };
            return Err(Failed::new(status, kind, r.message()));
        }
        let mut names: Vec<String> = Vec::new();
        for n in &req.names {
            let n = n.trim().trim_end_matches('.').to_ascii_lowercase();
            if n.is_empty() {
                continue;
            }
            if !doctor::model::options::is_hostname(&n) && n.parse::<IpAddr>().is_err() {
                return Err(Failed::new(
                    400,
                    "names",
                    format!("names: '{n}' is not a host name"),
                ));
            }
            if !names.contains(&n) {
                names.push(n);
            }
        }
        if names.len() > 20 {
            return Err(Failed::new(400, "names", "names: at most 20"));
        }
        names.sort();
        let mut profiles: Vec<String> = req
            .profiles
            .iter()
            .map(|p| p.trim().to_string())
            .filter(|p| !p.is_empty())
            .collect();
        profiles.sort();
        profiles.dedup();
        let selected = if profiles.is_empty() {
            None
        } else {
            Some(
                doctor::judge::simulate::select(&profiles)
                    .map_err(|e| Failed::new(400, "as", format!("as: {e}")))?,
            )
        };
        let key = Key {
            target: target.clone(),
            module: module.name.clone(),
            names: names.clone(),
            profiles,
            quick: req.quick,
        };
        match self.cache.find(&key) {
            Found::Fresh(f) => {
                self.metrics.cache_hit();
                return Ok(f);
            }
            Found::Running(f) => return Ok(f),
            Found::Nothing => {}
        }
        let permit = match tokio::time::timeout(
            limits::BUSY_WAIT,
            self.slots.clone().acquire_owned(),
        )
        .await
        {
            Ok(Ok(p)) => p,
            _ => {
                self.metrics.refused("busy");
                let mut f = Failed::new(
                    503,
                    "busy",
                    format!(
                        "{} checks are running, as many as this server runs at once (max_concurrent_checks); try again in a few seconds",
                        self.config.server.max_concurrent_checks
                    ),
                );
                f.retry_after = Some(5);
                return Err(f);
            }
        };
        let flight = match self.cache.insert(key, module.min_interval) {
            Ok(f) => f,
            Err(Found::Fresh(f)) => {
                self.metrics.cache_hit();
                return Ok(f);
            }
            Err(Found::Running(f)) => return Ok(f),
            Err(Found::Nothing) => {
                return Err(Failed::new(500, "internal", "the cache lost the check"));
            }
        };
        let mut opts = module.options.clone();
        for n in names {
            if !opts.names.contains(&n) {
                opts.names.push(n);
            }
        }
        if let Some(p) = selected {
            opts.profiles = p;
        }
        opts.quick |= req.quick;
        opts.connect_policy = fence::connect_policy(&self.config.server);
        opts.fetch_policy = fence::fetch_policy(&self.config.server);
        let events = flight.clone();
        opts.progress =
            doctor::model::progress::Progress::new(move |e| events.event(event_json(e)));
        let state = self.clone();
        let running = flight.clone();
        let (domain, port, module) = (module.domain, module.port, module.name.clone());
        tokio::spawn(async move {
            let guard = cache::FinishGuard(running.clone());
            let started = Instant::now();
            let result = doctor::check::run(&target, &opts, domain, port).await;
            let duration = started.elapsed();
            drop(permit);
            let outcome: Outcome = Arc::new(match result {
                Ok(mut report) => {
                    if let Some(e) = report.error.as_mut() {
                        e.hint =
                            doctor::judge::endpoint::hint_naming(e.phase, e.kind, &setting_words);
                    }
                    let result = match report.verdict.status {
                        doctor::model::report::Status::Ok => "ok",
                        doctor::model::report::Status::Warnings => "warnings",
                        doctor::model::report::Status::Problems => "problems",
                        doctor::model::report::Status::Error => "error",
                    };
                    state.metrics.probe(&module, result, duration);
                    Ok(Done { report, duration })
                }
                Err(e) => {
                    state.metrics.probe(&module, "failed", duration);
                    Err(Failed::new(400, "check", e.to_string()))
                }
            });
            running.finish(outcome);
            drop(guard);
        });
        Ok(flight)
    }
}

/// A setting a hint points at, in the words of this server's config.
fn setting_words(s: doctor::judge::endpoint::Setting) -> String {
    use doctor::judge::endpoint::Setting as S;
    match s {
        S::Resolve => "resolve in the module's config",
        S::ImplicitTls => "mode = \"implicit\" in the module's config",
        S::ConnectTimeout => "connect_timeout in the module's config",
        S::BannerTimeout => "banner_timeout in the module's config",
        S::CommandTimeout => "command_timeout in the module's config",
        S::ConnectPolicy => {
            "allow_private or allow_targets in the [server] table of serve's config"
        }
    }
    .to_string()
}

/// A progress event as the JSON object the page's script reads.
fn event_json(e: &Event) -> String {
    let v = match e {
        Event::Planned { endpoints } => {
            serde_json::json!({"type": "planned", "endpoints": endpoints})
        }
        Event::Phase { endpoint, phase } => {
            serde_json::json!({"type": "phase", "endpoint": endpoint.to_string(), "phase": phase.as_str()})
        }
        Event::ScanConnection { endpoint } => {
            serde_json::json!({"type": "scan-connection", "endpoint": endpoint.to_string()})
        }
        Event::EndpointDone { endpoint } => {
            serde_json::json!({"type": "endpoint-done", "endpoint": endpoint.to_string()})
        }
    };
    v.to_string()
}

pub async fn run(a: ServeArgs) -> ExitCode {
    let config = match &a.config {
        Some(path) => Config::load(path),
        None => Config::builtin(),
    };
    let config = match config {
        Ok(c) => c,
        Err(e) => return crate::usage(e),
    };
    if let Some(why) = fence::listen_refusal(a.listen, &config.server, a.allow_any_target) {
        return crate::usage(why);
    }
    let listener = match tokio::net::TcpListener::bind(a.listen).await {
        Ok(l) => l,
        Err(e) => {
            eprintln!(
                "smtp-tls-doctor serve: cannot listen on {}: {e} (another program on that port? give --listen ADDR:PORT)",
                a.listen
            );
            return ExitCode::from(2);
        }
    };
    let local = match listener.local_addr() {
        Ok(l) => l,
        Err(e) => {
            eprintln!("smtp-tls-doctor serve: {e}");
            return ExitCode::from(2);
        }
    };
    let stop = stop_signal();
    outln!("listening on http://{local}");
    let request_timeout = config.server.request_timeout;
    let state = Arc::new(State::new(config, local.ip().is_loopback()));
    let open = Arc::new(Semaphore::new(MAX_CONNECTIONS));
    let per_client = limits::OpenPerClient::default();
    let graceful = hyper_util::server::graceful::GracefulShutdown::new();
    tokio::pin!(stop);
    loop {
        let (tcp, peer) = tokio::select! {
            _ = &mut stop => break,
            accepted = listener.accept() => match accepted {
                Ok(a) => a,
                Err(_) => {
                    // Out of file descriptors or similar: back off a little.
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            },
        };
        let Ok(slot) = open.clone().try_acquire_owned() else {
            drop(tcp);
            continue;
        };
        let Some(client_slot) =
            limits::ClientSlot::take(&per_client, peer.ip(), MAX_CONNECTIONS_PER_CLIENT)
        else {
            drop(tcp);
            continue;
        };
        let _ = tcp.set_nodelay(true);
        let state = state.clone();
        let service = hyper::service::service_fn(move |req: hyper::Request<Incoming>| {
            let state = state.clone();
            async move { Ok::<_, std::convert::Infallible>(routes::handle(state, peer, req).await) }
        });
        let conn = http1::Builder::new()
            .timer(TokioTimer::new())
            .header_read_timeout(request_timeout)
            .max_buf_size(16 * 1024)
            .keep_alive(true)
            .serve_connection(TokioIo::new(tcp), service);
        let conn = graceful.watch(conn);
        tokio::spawn(async move {
            let _ = conn.await;
            drop(slot);
            drop(client_slot);
        });
    }
    drop(listener);
    let _ = tokio::time::timeout(SHUTDOWN_GRACE, graceful.shutdown()).await;
    ExitCode::SUCCESS
}

/// Ctrl-C or SIGTERM. The handlers are installed when this is called (before the server says
/// it listens), so that a signal sent as soon as it does is not missed.
#[cfg(unix)]
fn stop_signal() -> impl std::future::Future<Output = ()> {
    use tokio::signal::unix::{SignalKind, signal};
    let mut term = signal(SignalKind::terminate()).ok();
    let mut int = signal(SignalKind::interrupt()).ok();
    async move {
        tokio::select! {
            _ = wait(term.as_mut()) => {}
            _ = wait(int.as_mut()) => {}
        }
    }
}

/// The next delivery of a signal; never, when its handler could not be installed.
#[cfg(unix)]
async fn wait(s: Option<&mut tokio::signal::unix::Signal>) {
    match s {
        Some(s) => {
            s.recv().await;
        }
        None => std::future::pending::<()>().await,
    }
}

/// Ctrl-C.
#[cfg(not(unix))]
fn stop_signal() -> impl std::future::Future<Output = ()> {
    async {
        let _ = tokio::signal::ctrl_c().await;
    }
}
