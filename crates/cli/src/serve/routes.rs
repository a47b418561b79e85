//! The routes: the form, the report page, the JSON API, the exporter, the jobs behind the live
//! progress, and the headers every answer carries.

use super::cache::{Failed, Flight};
use super::{CheckRequest, State, page};
use http_body_util::{BodyExt, Full, Limited};
use hyper::body::{Bytes, Frame, Incoming};
use hyper::{Method, Request, Response, StatusCode};
use std::collections::HashMap;
use std::convert::Infallible;
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

pub type Body = http_body_util::combinators::BoxBody<Bytes, Infallible>;

/// The Content-Security-Policy of every answer: scripts from this server only, no inline script.
pub const CSP: &str = "default-src 'none'; script-src 'self'; style-src 'unsafe-inline'; img-src data:; connect-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'";
/// Longest query string accepted.
const MAX_QUERY: usize = 4096;
/// The page script, embedded.
const APP_JS: &str = include_str!("assets/app.js");
/// How long a job's result stays reachable at /jobs/ID.
const JOB_TTL: Duration = Duration::from_secs(600);
/// Most jobs remembered.
const MAX_JOBS: usize = 256;

/// Jobs started by the page's script: an id for a check in flight (or finished).
#[derive(Default)]
pub struct Jobs {
    map: Mutex<HashMap<String, (Arc<Flight>, Instant)>>,
    counter: std::sync::atomic::AtomicU64,
}

impl Jobs {
    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<String, (Arc<Flight>, Instant)>> {
        match self.map.lock() {
            Ok(m) => m,
            Err(p) => p.into_inner(),
        }
    }

    fn add(&self, flight: Arc<Flight>) -> String {
        use std::hash::{BuildHasher, Hasher};
        let n = self
            .counter
            .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        // Ids that cannot be guessed from one another: two hashes with this process's random keys.
        let mut id = String::new();
        for salt in [0u64, 1] {
            let mut h = std::collections::hash_map::RandomState::new().build_hasher();
            h.write_u64(n);
            h.write_u64(salt);
            id.push_str(&format!("{:016x}", h.finish()));
        }
        let mut map = self.lock();
        map.retain(|_, (_, at)| at.elapsed() < JOB_TTL);
        if map.len() >= MAX_JOBS
            && let Some(oldest) = map
                .iter()
                .min_by_key(|(_, (_, at))| *at)
                .map(|(k, _)| k.clone())
        {
            map.remove(&oldest);
        }
        map.insert(id.clone(), (flight, Instant::now()));
        id
    }

    fn get(&self, id: &str) -> Option<Arc<Flight>> {
        self.lock()
            .get(id)
            .filter(|(_, at)| at.elapsed() < JOB_TTL)
            .map(|(f, _)| f.clone())
    }
}

fn full(b: impl Into<Bytes>) -> Body {
    Full::new(b.into()).boxed()
}

fn respond(status: u16, content_type: &str, body: impl Into<Bytes>) -> Response<Body> {
    let mut r = Response::new(full(body));
    *r.status_mut() = StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    if let Ok(v) = hyper::header::HeaderValue::from_str(content_type) {
        r.headers_mut().insert(hyper::header::CONTENT_TYPE, v);
    }
    r
}

fn html(status: u16, body: String) -> Response<Body> {
    respond(status, "text/html; charset=utf-8", body)
}

fn json(status: u16, v: &serde_json::Value) -> Response<Body> {
    respond(status, "application/json", v.to_string())
}

fn text(status: u16, body: String) -> Response<Body> {
    respond(status, "text/plain; charset=utf-8", body)
}

fn with_retry(mut r: Response<Body>, f: &Failed) -> Response<Body> {
    if let Some(s) = f.retry_after
        && let Ok(v) = hyper::header::HeaderValue::from_str(&s.to_string())
    {
        r.headers_mut().insert(hyper::header::RETRY_AFTER, v);
    }
    r
}

fn title_of(status: u16) -> &'static str {
    match status {
        400 => "Bad request",
        403 => "Refused",
        404 => "Not found",
        405 => "Method not allowed",
        408 => "Request timeout",
        413 => "Request too large",
        414 => "Query too long",
        415 => "Unsupported media type",
        429 => "Too many requests",
        503 => "Busy",
        _ => "Error",
    }
}

fn error_html(f: &Failed) -> Response<Body> {
    with_retry(
        html(
            f.status,
            page::error(f.status, title_of(f.status), &f.message),
        ),
        f,
    )
}

fn error_json(f: &Failed) -> Response<Body> {
    with_retry(
        json(
            f.status,
            &serde_json::json!({"error": {"kind": f.kind, "message": f.message}}),
        ),
        f,
    )
}

fn error_text(f: &Failed) -> Response<Body> {
    with_retry(text(f.status, format!("{}\n", f.message)), f)
}

/// `application/x-www-form-urlencoded` pairs (a query string or a form body), decoded.
pub fn form_pairs(s: &str) -> Vec<(String, String)> {
    s.split('&')
        .filter(|p| !p.is_empty())
        .map(|p| {
            let (k, v) = p.split_once('=').unwrap_or((p, ""));
            (decode(k), decode(v))
        })
        .collect()
}

fn decode(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while let Some(&c) = b.get(i) {
        match c {
            b'+' => out.push(b' '),
            b'%' => {
                let hex = b
                    .get(i + 1..i + 3)
                    .and_then(|h| std::str::from_utf8(h).ok())
                    .and_then(|h| u8::from_str_radix(h, 16).ok());
                if let Some(v) = hex {
                    out.push(v);
                    i += 2;
                } else {
                    out.push(b'%');
                }
            }
            c => out.push(c),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// A check request from form pairs: target, module, names (spaces or commas between), as
/// (repeated, or commas between), quick (1, on, true).
fn request_from_pairs(pairs: &[(String, String)]) -> CheckRequest {
    let mut r = CheckRequest::default();
    for (k, v) in pairs {
        match k.as_str() {
            "target" => r.target = v.clone(),
            "module" => r.module = Some(v.clone()),
            "names" | "name" => r.names.extend(
                v.split(|c: char| c == ',' || c.is_whitespace())
                    .filter(|s| !s.is_empty())
                    .map(String::from),
            ),
            "as" => r
                .profiles
                .extend(v.split(',').filter(|s| !s.is_empty()).map(String::from)),
            "quick" => r.quick = matches!(v.as_str(), "1" | "on" | "true" | "yes"),
            _ => {}
        }
    }
    r
}

/// The body of `POST /api/check`.
#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct ApiRequest {
    target: String,
    module: Option<String>,
    #[serde(default)]
    names: Vec<String>,
    #[serde(default, rename = "as")]
    profiles: Vec<String>,
    #[serde(default)]
    quick: bool,
}

/// The body, within the size and time limits.
async fn read_body(state: &State, req: Request<Incoming>) -> Result<Bytes, Failed> {
    let max = state.config.server.max_body;
    let declared = req
        .headers()
        .get(hyper::header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    if declared.is_some_and(|n| n > max as u64) {
        state.metrics.refused("too-large");
        return Err(Failed::new(
            413,
            "too-large",
            format!("the request body is larger than {max} bytes (max_body)"),
        ));
    }
    let limited = Limited::new(req.into_body(), max);
    match tokio::time::timeout(state.config.server.request_timeout, limited.collect()).await {
        Err(_) => Err(Failed::new(
            408,
            "timeout",
            "the request body did not arrive in time (request_timeout)",
        )),
        Ok(Err(e)) => {
            if e.downcast_ref::<http_body_util::LengthLimitError>()
                .is_some()
            {
                state.metrics.refused("too-large");
                Err(Failed::new(
                    413,
                    "too-large",
                    format!("the request body is larger than {max} bytes (max_body)"),
                ))
            } else {
                Err(Failed::new(
                    400,
                    "body",
                    format!("the request body could not be read: {e}"),
                ))
            }
        }
        Ok(Ok(c)) => Ok(c.to_bytes()),
    }
}

/// The label of a path for the request counter.
fn route_of(method: &Method, path: &str) -> &'static str {
    match (method, path) {
        (_, "/") => "/",
        (_, "/check") => "/check",
        (_, "/probe") => "/probe",
        (_, "/metrics") => "/metrics",
        (_, "/api/check") => "/api/check",
        (_, "/api/jobs") => "/api/jobs",
        (_, p) if p.starts_with("/assets/") => "/assets",
        (_, p) if p.starts_with("/api/explain/") => "/api/explain",
        (_, p) if p.starts_with("/api/jobs/") => "/api/jobs/events",
        (_, p) if p.starts_with("/jobs/") => "/jobs",
        _ => "other",
    }
}

/// Every request: the route, then the headers every answer carries, then the count.
pub async fn handle(state: Arc<State>, peer: SocketAddr, req: Request<Incoming>) -> Response<Body> {
    let label = route_of(req.method(), req.uri().path());
    let mut r = route(&state, peer, req).await;
    let h = r.headers_mut();
    for (k, v) in [
        ("content-security-policy", CSP),
        ("x-content-type-options", "nosniff"),
        ("referrer-policy", "no-referrer"),
    ] {
        h.insert(k, hyper::header::HeaderValue::from_static(v));
    }
    if !h.contains_key(hyper::header::CACHE_CONTROL) {
        h.insert(
            hyper::header::CACHE_CONTROL,
            hyper::header::HeaderValue::from_static("no-store"),
        );
    }
    state.metrics.request(label, r.status().as_u16());
    r
}

fn method_not_allowed(allow: &'static str) -> Response<Body> {
    let mut r = text(405, format!("use {allow} here\n"));
    r.headers_mut().insert(
        hyper::header::ALLOW,
        hyper::header::HeaderValue::from_static(allow),
    );
    r
}

/// A server on loopback answers only requests that name a loopback host: a web page whose name
/// an attacker re-points at 127.0.0.1 (DNS rebinding) cannot use it from a visitor's browser.
fn foreign_host(req: &Request<Incoming>) -> Option<String> {
    let host = req
        .headers()
        .get(hyper::header::HOST)
        .and_then(|h| h.to_str().ok())
        .or_else(|| req.uri().host())
        .unwrap_or("");
    (!host_is_loopback(host)).then(|| host.to_string())
}

/// A `Host` header value (`name`, `name:port`, `[v6]:port`) names localhost or a loopback address.
fn host_is_loopback(host: &str) -> bool {
    let name = if let Some(rest) = host.strip_prefix('[') {
        rest.split(']').next().unwrap_or("")
    } else {
        host.rsplit_once(':').map_or(host, |(h, _)| h)
    };
    let name = name.trim_end_matches('.').to_ascii_lowercase();
    name == "localhost"
        || name.ends_with(".localhost")
        || name
            .parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback())
}

async fn route(state: &Arc<State>, peer: SocketAddr, req: Request<Incoming>) -> Response<Body> {
    if state.loopback
        && let Some(host) = foreign_host(&req)
    {
        return text(
            421,
            format!(
                "this server listens on loopback and answers only requests for localhost or a loopback address, not for '{host}'\n"
            ),
        );
    }
    let query = req.uri().query().unwrap_or("").to_string();
    if query.len() > MAX_QUERY {
        return text(414, format!("the query is longer than {MAX_QUERY} bytes\n"));
    }
    let path = req.uri().path().to_string();
    let method = req.method().clone();
    let client = peer.ip();
    match (path.as_str(), &method) {
        ("/", &Method::GET) => {
            let modules: Vec<String> = state.config.modules.keys().cloned().collect();
            html(200, page::form(&modules, &state.version))
        }
        // No icon: an empty answer, so that a browser logs no failed request.
        ("/favicon.ico", &Method::GET) => {
            let mut r = respond(204, "image/x-icon", Bytes::new());
            r.headers_mut().insert(
                hyper::header::CACHE_CONTROL,
                hyper::header::HeaderValue::from_static("public, max-age=86400"),
            );
            r
        }
        ("/assets/app.js", &Method::GET) => {
            let mut r = respond(200, "text/javascript; charset=utf-8", APP_JS);
            r.headers_mut().insert(
                hyper::header::CACHE_CONTROL,
                hyper::header::HeaderValue::from_static("public, max-age=31536000, immutable"),
            );
            r
        }
        ("/check", &Method::GET) => {
            let r = request_from_pairs(&form_pairs(&query));
            match state.obtain(&r, client).await {
                Err(f) => error_html(&f),
                Ok(flight) => report_page(&flight).await,
            }
        }
        ("/probe", &Method::GET) => {
            let r = request_from_pairs(&form_pairs(&query));
            match state.obtain(&r, client).await {
                Err(f) => error_text(&f),
                Ok(flight) => match &*flight.outcome().await {
                    Err(f) => error_text(f),
                    Ok(done) => respond(
                        200,
                        "text/plain; version=0.0.4; charset=utf-8",
                        doctor::render::metrics::render_metrics(&done.report, done.duration),
                    ),
                },
            }
        }
        ("/metrics", &Method::GET) => respond(
            200,
            "text/plain; version=0.0.4; charset=utf-8",
            state.metrics.render(
                state
                    .config
                    .server
                    .max_concurrent_checks
                    .saturating_sub(state.slots.available_permits()),
            ),
        ),
        ("/api/check", &Method::POST) => {
            let body = match read_body(state, req).await {
                Ok(b) => b,
                Err(f) => return error_json(&f),
            };
            let a: ApiRequest = match serde_json::from_slice(&body) {
                Ok(a) => a,
                Err(e) => {
                    return error_json(&Failed::new(
                        400,
                        "body",
                        format!(
                            "the body is not the JSON this route takes ({{\"target\": ..., \"module\": ..., \"names\": [...], \"as\": [...], \"quick\": bool}}): {e}"
                        ),
                    ));
                }
            };
            let r = CheckRequest {
                target: a.target,
                module: a.module,
                names: a.names,
                profiles: a.profiles,
                quick: a.quick,
            };
            match state.obtain(&r, client).await {
                Err(f) => error_json(&f),
                Ok(flight) => match &*flight.outcome().await {
                    Err(f) => error_json(f),
                    Ok(done) => match serde_json::to_string_pretty(&done.report) {
                        Ok(s) => respond(200, "application/json", s),
                        Err(e) => error_json(&Failed::new(
                            500,
                            "internal",
                            format!("cannot write JSON: {e}"),
                        )),
                    },
                },
            }
        }
        ("/api/jobs", &Method::POST) => {
            let body = match read_body(state, req).await {
                Ok(b) => b,
                Err(f) => return error_json(&f),
            };
            let r = request_from_pairs(&form_pairs(&String::from_utf8_lossy(&body)));
            match state.obtain(&r, client).await {
                Err(f) => error_json(&f),
                Ok(flight) => {
                    let id = state.jobs.add(flight);
                    json(
                        202,
                        &serde_json::json!({
                            "id": id,
                            "events": format!("/api/jobs/{id}/events"),
                            "result": format!("/jobs/{id}"),
                        }),
                    )
                }
            }
        }
        (p, &Method::GET) if p.starts_with("/api/explain/") => {
            let code = p.trim_start_matches("/api/explain/");
            match doctor::judge::registry::lookup(code) {
                Some(d) => json(
                    200,
                    &serde_json::json!({
                        "code": d.code,
                        "severity": d.severity.as_str(),
                        "title": d.title,
                        "why": d.why,
                        "breaks": d.breaks,
                        "fixes": d.fixes.iter().map(|f| serde_json::json!({"software": f.software, "text": f.text})).collect::<Vec<_>>(),
                    }),
                ),
                None => error_json(&Failed::new(
                    404,
                    "unknown-code",
                    format!("no finding is called '{code}'; `smtp-tls-doctor explain` lists them"),
                )),
            }
        }
        (p, &Method::GET) if p.starts_with("/api/jobs/") && p.ends_with("/events") => {
            let id = p
                .trim_start_matches("/api/jobs/")
                .trim_end_matches("/events");
            match state.jobs.get(id) {
                None => error_text(&Failed::new(
                    404,
                    "unknown-job",
                    "no such job (they are kept for 10 minutes)",
                )),
                Some(flight) => events(flight, id),
            }
        }
        (p, &Method::GET) if p.starts_with("/jobs/") => {
            let id = p.trim_start_matches("/jobs/");
            match state.jobs.get(id) {
                None => error_html(&Failed::new(
                    404,
                    "unknown-job",
                    "no such job: results are kept for 10 minutes; start the check again from the form",
                )),
                Some(flight) => report_page(&flight).await,
            }
        }
        ("/" | "/assets/app.js" | "/check" | "/probe" | "/metrics", _) => method_not_allowed("GET"),
        ("/api/check" | "/api/jobs", _) => method_not_allowed("POST"),
        _ => error_html(&Failed::new(
            404,
            "not-found",
            format!("nothing at {path}; the form is at /"),
        )),
    }
}

/// The report page of a check, once it is done: 200 whatever the verdict.
async fn report_page(flight: &Flight) -> Response<Body> {
    match &*flight.outcome().await {
        Err(f) => error_html(f),
        Ok(done) => html(200, doctor::render::html::render_html(&done.report)),
    }
}

/// A check's progress as Server-Sent Events: `progress` events, then one `finished`.
fn events(flight: Arc<Flight>, id: &str) -> Response<Body> {
    let (tx, rx) = tokio::sync::mpsc::channel::<Bytes>(64);
    let result = format!("/jobs/{id}");
    tokio::spawn(async move {
        let mut watch = flight.subscribe();
        let mut sent = 0usize;
        loop {
            let (new, done) = {
                let s = watch.borrow_and_update();
                (
                    s.events
                        .get(sent..)
                        .map(<[String]>::to_vec)
                        .unwrap_or_default(),
                    s.done.is_some(),
                )
            };
            for e in new {
                sent += 1;
                if tx
                    .send(Bytes::from(format!("event: progress\ndata: {e}\n\n")))
                    .await
                    .is_err()
                {
                    return;
                }
            }
            if done {
                let data = serde_json::json!({"result": result}).to_string();
                let _ = tx
                    .send(Bytes::from(format!("event: finished\ndata: {data}\n\n")))
                    .await;
                return;
            }
            tokio::select! {
                changed = watch.changed() => if changed.is_err() { return; },
                _ = tokio::time::sleep(Duration::from_secs(15)) => {
                    if tx.send(Bytes::from_static(b": keep-alive\n\n")).await.is_err() {
                        return;
                    }
                }
            }
        }
    });
    let mut r = Response::new(SseBody(rx).boxed());
    r.headers_mut().insert(
        hyper::header::CONTENT_TYPE,
        hyper::header::HeaderValue::from_static("text/event-stream"),
    );
    // A reverse proxy (nginx) passes the events on as they come instead of buffering them.
    r.headers_mut().insert(
        "x-accel-buffering",
        hyper::header::HeaderValue::from_static("no"),
    );
    r
}

/// A body of chunks from a channel, ended when the sender is dropped.
struct SseBody(tokio::sync::mpsc::Receiver<Bytes>);

impl hyper::body::Body for SseBody {
    type Data = Bytes;
    type Error = Infallible;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, Infallible>>> {
        self.0.poll_recv(cx).map(|o| o.map(|b| Ok(Frame::data(b))))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn loopback_hosts() {
        for (host, ok) in [
            ("127.0.0.1:8025", true),
            ("127.0.0.1", true),
            ("localhost:8025", true),
            ("[::1]:8025", true),
            ("LOCALHOST.", true),
            ("app.localhost", true),
            ("evil.example:8025", false),
            ("127.0.0.1.evil.example", false),
            ("192.0.2.1", false),
            ("[2001:db8::1]:80", false),
            ("", false),
        ] {
            assert_eq!(host_is_loopback(host), ok, "{host}");
        }
    }

    #[test]
    fn forms_decode() {
        let p = form_pairs(
            "target=mx.example.com%3A25&names=a.example+b.example,c.example&as=gmail-mx&as=java-11&quick=1&x=%zz",
        );
        let r = request_from_pairs(&p);
        assert_eq!(r.target, "mx.example.com:25");
        assert_eq!(r.names, ["a.example", "b.example", "c.example"]);
        assert_eq!(r.profiles, ["gmail-mx", "java-11"]);
        assert!(r.quick);
        assert_eq!(decode("%zz%4"), "%zz%4");
        assert_eq!(decode("%C3%A9"), "é");
    }
}
