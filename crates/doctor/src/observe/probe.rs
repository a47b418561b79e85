//! The probe: one TCP connection, SMTP up to STARTTLS, one TLS handshake, EHLO again, QUIT.
//! It records what the server did and decides nothing.
//!
//! SMTP is spoken carefully: nothing is sent before the whole banner arrived (postscreen
//! punishes early talkers), EHLO falls back to HELO when refused, and no command is pipelined.

use crate::model::observation::*;
use crate::model::options::CheckOptions;
use crate::model::progress::Event;
use crate::observe::stream::{Recorder, Replay};
use std::io;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tokio::net::TcpStream;
use wire::smtp::{Limits, Parsed, Reply};

/// Raw TLS bytes recorded per handshake.
const TAP_LIMIT: usize = 512 * 1024;

/// One connection's worth of probing.
pub struct Probe<'a> {
    pub(crate) opts: &'a CheckOptions,
    pub(crate) start: Instant,
    pub(crate) transcript: Vec<TranscriptEntry>,
    /// The modern handshake's session store: whether a TLS 1.3 ticket arrived.
    pub(crate) tickets: Option<Arc<crate::observe::tls::TicketRecorder>>,
    /// SMTP reply lines to take out of the stream before the first TLS byte, collected here
    /// (the injection probe: a server answering the pipelined command in plaintext).
    pub(crate) skip_replies: Option<Arc<std::sync::Mutex<Vec<String>>>>,
}

/// Attempts on a server that refuses for now (a 421 greeting, a refused or dropped
/// connection): `--retries` more after the first, each after a pause that grows by
/// `--retry-wait` and is cut at the check's deadline. One policy for the endpoint's first
/// connection, the scan, the battery's probes and the injection probe.
pub(crate) struct Retry<'a> {
    opts: &'a CheckOptions,
    scan: &'a crate::model::scan::ScanOptions,
    round: u32,
}

impl<'a> Retry<'a> {
    /// With the check's own scan options.
    pub(crate) fn new(opts: &'a CheckOptions) -> Self {
        Self::with(opts, &opts.scan)
    }

    /// With the scan options given (a scan may run with its own).
    pub(crate) fn with(opts: &'a CheckOptions, scan: &'a crate::model::scan::ScanOptions) -> Self {
        Retry {
            opts,
            scan,
            round: 0,
        }
    }

    /// Attempts made so far, counting the one under way.
    pub(crate) fn attempts(&self) -> u32 {
        self.round + 1
    }

    /// Whether to try once more: if so, after the pause. Not past `--retries` nor the deadline.
    pub(crate) async fn again(&mut self) -> bool {
        if self.round >= self.scan.retries || self.opts.timeouts.expired() {
            return false;
        }
        self.round += 1;
        tokio::time::sleep(self.opts.timeouts.within(self.scan.backoff * self.round)).await;
        true
    }
}

/// What to connect to and how.
#[derive(Debug, Clone)]
pub struct EndpointSpec {
    pub name: String,
    pub address: SocketAddr,
    pub mode: Mode,
    /// SNI to send; `None` sends none.
    pub sni: Option<String>,
}

/// Connect to one endpoint and record everything. Never fails: problems are in `failure`.
pub async fn probe(spec: &EndpointSpec, opts: &CheckOptions) -> EndpointObservation {
    let mut p = Probe {
        opts,
        start: Instant::now(),
        transcript: Vec::new(),
        tickets: None,
        skip_replies: None,
    };
    let mut obs = EndpointObservation::empty(spec, opts);
    if let Err(f) = p.run(spec, &mut obs).await {
        p.note(format!(
            "stopped in the {} phase: {}",
            f.phase.as_str(),
            f.message
        ));
        obs.failure = Some(f);
    }
    obs.timings.total_ms = p.ms();
    obs.transcript = p.transcript;
    obs
}

impl EndpointObservation {
    /// Nothing observed yet.
    pub(crate) fn empty(spec: &EndpointSpec, opts: &CheckOptions) -> Self {
        EndpointObservation {
            name: spec.name.clone(),
            address: spec.address,
            mode: spec.mode,
            ehlo_name: opts.ehlo_name.clone(),
            smtp: SmtpObservation::default(),
            tls: None,
            failure: None,
            timings: Timings::default(),
            transcript: Vec::new(),
            scan: None,
            no_sni: None,
            aia_fetches: Vec::new(),
            refused_before: Vec::new(),
            starttls_injection: None,
        }
    }
}

fn ms(d: Duration) -> f64 {
    (d.as_secs_f64() * 1e6).round() / 1e3
}

impl Probe<'_> {
    fn ms(&self) -> f64 {
        ms(self.start.elapsed())
    }

    fn note(&mut self, text: String) {
        let at_ms = self.ms();
        self.transcript.push(TranscriptEntry {
            at_ms,
            from: Sender::Note,
            layer: "tcp".into(),
            text,
        });
    }

    fn line(&mut self, from: Sender, text: String) {
        let at_ms = self.ms();
        self.transcript.push(TranscriptEntry {
            at_ms,
            from,
            layer: "smtp".into(),
            text,
        });
    }

    async fn run(
        &mut self,
        spec: &EndpointSpec,
        obs: &mut EndpointObservation,
    ) -> Result<(), Failure> {
        let t = Instant::now();
        let opts = self.opts;
        let phase = |phase| {
            opts.progress.emit(Event::Phase {
                endpoint: spec.address,
                phase,
            })
        };
        phase(Phase::Connect);
        let tcp = self.connect(spec).await?;
        obs.timings.connect_ms = Some(ms(t.elapsed()));

        match spec.mode {
            Mode::Starttls => {
                let mut d = Dialog::new(tcp);
                phase(Phase::Banner);
                if !self.greet(&mut d, obs).await? {
                    return Ok(());
                }
                let offered = obs
                    .smtp
                    .capabilities
                    .as_ref()
                    .is_some_and(|c| c.has("STARTTLS"));
                if !offered {
                    self.quit(&mut d).await;
                    return Ok(());
                }
                let t = Instant::now();
                phase(Phase::Starttls);
                let reply = self
                    .command(
                        &mut d,
                        "STARTTLS",
                        Phase::Starttls,
                        self.opts.timeouts.command(),
                    )
                    .await?;
                obs.timings.starttls_ms = Some(ms(t.elapsed()));
                let ok = reply.code == 220;
                obs.smtp.starttls = Some(reply);
                if !ok {
                    self.quit(&mut d).await;
                    return Ok(());
                }
                let (tcp, leftover) = d.into_parts();
                obs.smtp.bytes_after_starttls = leftover.len();
                if !leftover.is_empty() {
                    obs.smtp.after_starttls_excerpt = Some(crate::observe::tls::excerpt(&leftover));
                    self.note(format!(
                        "the server sent {} bytes after its STARTTLS reply, before the handshake: {}",
                        leftover.len(),
                        crate::observe::tls::excerpt(&leftover)
                    ));
                }
                phase(Phase::Handshake);
                let Some(tls) = self.handshake(spec, tcp, leftover, obs).await? else {
                    return Ok(());
                };
                phase(Phase::AfterTls);
                let mut d = Dialog::new(tls);
                let t = Instant::now();
                let reply = self
                    .command(
                        &mut d,
                        &format!("EHLO {}", self.opts.ehlo_name),
                        Phase::AfterTls,
                        self.opts.timeouts.command(),
                    )
                    .await?;
                if reply.is_positive() {
                    obs.smtp.capabilities_after_tls = Some(wire::smtp::parse_ehlo(&reply));
                }
                obs.smtp.ehlo_after_tls = Some(reply);
                self.quit(&mut d).await;
                obs.timings.after_tls_ms = Some(ms(t.elapsed()));
                self.note_tickets(obs);
            }
            Mode::ImplicitTls => {
                phase(Phase::Handshake);
                let Some(tls) = self.handshake(spec, tcp, Vec::new(), obs).await? else {
                    return Ok(());
                };
                let mut d = Dialog::new(tls);
                phase(Phase::Banner);
                if self.greet(&mut d, obs).await? {
                    self.quit(&mut d).await;
                }
                self.note_tickets(obs);
            }
        }
        Ok(())
    }

    /// Whether a TLS 1.3 session ticket came in the session (read once the dialogue is over:
    /// tickets follow the handshake).
    fn note_tickets(&self, obs: &mut EndpointObservation) {
        if let (Some(t), Some(tls)) = (&self.tickets, obs.tls.as_mut())
            && tls.completed
            && tls.version.as_deref() == Some("TLSv1.3")
        {
            tls.session_ticket = Some(t.tls13_ticket());
        }
    }

    pub(crate) async fn connect(&mut self, spec: &EndpointSpec) -> Result<TcpStream, Failure> {
        if let Some(why) = connect_refusal(&self.opts.connect_policy, &spec.name, spec.address.ip())
        {
            self.note(format!("not connecting to {}: {why}", spec.address));
            return Err(Failure {
                phase: Phase::Connect,
                kind: FailureKind::Policy,
                message: format!("refused by the connect policy: {why}; no connection was made"),
            });
        }
        self.note(format!(
            "connecting to {} ({})",
            spec.address,
            spec.mode.as_str()
        ));
        let tcp = match tokio::time::timeout(
            self.opts.timeouts.connect(),
            TcpStream::connect(spec.address),
        )
        .await
        {
            Err(_) => {
                return Err(Failure {
                    phase: Phase::Connect,
                    kind: FailureKind::Timeout,
                    message: format!(
                        "no answer to the TCP connection within {} s (a firewall dropping packets, or the host is down)",
                        self.opts.timeouts.connect().as_secs_f64()
                    ),
                });
            }
            Ok(Err(e)) => return Err(connect_failure(&e)),
            Ok(Ok(s)) => s,
        };
        let _ = tcp.set_nodelay(true);
        self.note("connected".into());
        Ok(tcp)
    }

    /// Banner and EHLO (HELO when EHLO is refused). Returns false when the server refused us.
    pub(crate) async fn greet<S: AsyncRead + AsyncWrite + Unpin>(
        &mut self,
        d: &mut Dialog<S>,
        obs: &mut EndpointObservation,
    ) -> Result<bool, Failure> {
        let t = Instant::now();
        let banner = self
            .reply(d, Phase::Banner, self.opts.timeouts.banner())
            .await?;
        obs.timings.banner_ms = Some(ms(t.elapsed()));
        let ok = banner.code == 220;
        let banner_code = banner.code;
        obs.smtp.banner = Some(banner);
        if !ok {
            // RFC 5321 3.1: after a 554 greeting the server waits for QUIT; after 421 (4.2.5)
            // it closes the channel itself, so there is nobody to say goodbye to.
            if banner_code != 421 {
                self.quit(d).await;
            }
            return Ok(false);
        }
        let t = Instant::now();
        let ehlo = self
            .command(
                d,
                &format!("EHLO {}", self.opts.ehlo_name),
                Phase::Ehlo,
                self.opts.timeouts.command(),
            )
            .await?;
        obs.timings.ehlo_ms = Some(ms(t.elapsed()));
        let code = ehlo.code;
        if ehlo.is_positive() {
            obs.smtp.capabilities = Some(wire::smtp::parse_ehlo(&ehlo));
        }
        obs.smtp.ehlo = Some(ehlo);
        if code == 421 {
            return Ok(false);
        }
        if !(200..300).contains(&code) {
            // RFC 5321 3.2: a client whose EHLO is refused may fall back to HELO.
            let helo = self
                .command(
                    d,
                    &format!("HELO {}", self.opts.ehlo_name),
                    Phase::Ehlo,
                    self.opts.timeouts.command(),
                )
                .await?;
            let ok = helo.is_positive();
            obs.smtp.helo = Some(helo);
            if !ok {
                self.quit(d).await;
                return Ok(false);
            }
        }
        Ok(true)
    }

    pub(crate) async fn quit<S: AsyncRead + AsyncWrite + Unpin>(&mut self, d: &mut Dialog<S>) {
        // Politeness only: failures here change nothing of what was observed.
        let limit = self.opts.timeouts.command().min(Duration::from_secs(5));
        if self
            .command(d, "QUIT", Phase::AfterTls, limit)
            .await
            .is_err()
        {
            self.note("no answer to QUIT (the connection was closed anyway)".into());
        }
    }

    pub(crate) async fn command<S: AsyncRead + AsyncWrite + Unpin>(
        &mut self,
        d: &mut Dialog<S>,
        cmd: &str,
        phase: Phase,
        limit: Duration,
    ) -> Result<Reply, Failure> {
        self.line(Sender::Client, cmd.to_string());
        let send = async {
            d.stream.write_all(format!("{cmd}\r\n").as_bytes()).await?;
            d.stream.flush().await
        };
        match tokio::time::timeout(limit, send).await {
            Err(_) => {
                return Err(Failure {
                    phase,
                    kind: FailureKind::Timeout,
                    message: format!("could not send {cmd} within {} s", limit.as_secs_f64()),
                });
            }
            Ok(Err(e)) => return Err(io_failure(phase, &e, &format!("sending {}", verb(cmd)))),
            Ok(Ok(())) => {}
        }
        self.reply(d, phase, limit).await
    }

    async fn reply<S: AsyncRead + AsyncWrite + Unpin>(
        &mut self,
        d: &mut Dialog<S>,
        phase: Phase,
        limit: Duration,
    ) -> Result<Reply, Failure> {
        let r = d.read_reply(phase, limit).await;
        if let Ok(reply) = &r {
            for l in reply.to_wire_lines() {
                self.line(Sender::Server, l);
            }
        }
        r
    }

    /// The TLS handshake. `Ok(None)` when it failed (recorded in `obs.tls`, which a finding reads).
    pub(crate) async fn handshake(
        &mut self,
        spec: &EndpointSpec,
        tcp: TcpStream,
        leftover: Vec<u8>,
        obs: &mut EndpointObservation,
    ) -> Result<Option<tokio_rustls::client::TlsStream<Replay<TcpStream>>>, Failure> {
        // The recorder shares the SMTP lines' clock; bytes read come from the server.
        let log = Recorder::new(self.start, TAP_LIMIT, wire::tls::Direction::ServerToClient);
        let mut tap = Replay::new(tcp, leftover).recording(log.clone());
        if let Some(lines) = &self.skip_replies {
            tap = tap.skipping_smtp_replies(lines.clone());
        }
        let verifier = Arc::new(crate::observe::tls::RecordingVerifier::new());
        let tickets = Arc::new(crate::observe::tls::TicketRecorder::default());
        self.tickets = Some(tickets.clone());
        let connector =
            crate::observe::tls::recording_connector(verifier.clone(), tickets, spec.sni.is_some())
                .map_err(|e| Failure {
                    phase: Phase::Handshake,
                    kind: FailureKind::TlsError,
                    message: format!("could not set up the TLS client: {e}"),
                })?;
        let server_name = crate::observe::tls::server_name(spec.sni.as_deref(), spec.address.ip());
        let mut tls = TlsObservation {
            sni: spec.sni.clone(),
            ..TlsObservation::default()
        };
        self.note(match &spec.sni {
            Some(s) => format!("TLS handshake, SNI {s}"),
            None => "TLS handshake, no SNI".into(),
        });
        let t = Instant::now();
        let result = tokio::time::timeout(
            self.opts.timeouts.handshake(),
            connector.connect(server_name, tap),
        )
        .await;
        obs.timings.handshake_ms = Some(ms(t.elapsed()));
        tls.chain = verifier
            .chain()
            .into_iter()
            .map(crate::model::cert::CertBytes)
            .collect();
        tls.signature_problem = verifier.signature_problem();
        tls.handshake_signature = verifier.handshake_signature();
        tls.ocsp_stapled = verifier.ocsp_stapled();
        let chunks = log.take();
        self.decode_tls(&chunks);
        if let Some(c) = tls.handshake_signature.as_ref().filter(|c| c.is_invalid()) {
            self.note(format!(
                "the server's {} signature does not verify: {} (the handshake goes on, to observe the rest)",
                c.message,
                c.error.as_deref().unwrap_or("?")
            ));
        }
        let outcome = match result {
            Err(_) => Err(Failure {
                phase: Phase::Handshake,
                kind: FailureKind::Timeout,
                message: format!(
                    "the TLS handshake did not finish within {} s{}",
                    self.opts.timeouts.handshake().as_secs_f64(),
                    if chunks
                        .iter()
                        .any(|c| c.0 == wire::tls::Direction::ServerToClient)
                    {
                        ""
                    } else {
                        " (the server sent nothing after our ClientHello)"
                    }
                ),
            }),
            Ok(Err(e)) => {
                let (f, alert) = crate::observe::tls::classify_error(&e, &chunks);
                tls.alert = alert;
                Err(f)
            }
            Ok(Ok(stream)) => Ok(stream),
        };
        match outcome {
            Ok(stream) => {
                let (_, conn) = stream.get_ref();
                tls.completed = true;
                tls.version = conn
                    .protocol_version()
                    .map(crate::observe::tls::version_name);
                tls.cipher_suite = conn.negotiated_cipher_suite().map(|s| {
                    let id = u16::from(s.suite());
                    SuiteId {
                        id: format!("0x{id:04X}"),
                        iana: wire::tls::cipher_suite_name(id)
                            .map(str::to_string)
                            .unwrap_or_else(|| format!("{:?}", s.suite())),
                    }
                });
                tls.group = conn
                    .negotiated_key_exchange_group()
                    .map(|g| wire::tls::group_name(u16::from(g.name())));
                self.note(format!(
                    "TLS established: {} {} {}",
                    tls.version.as_deref().unwrap_or("?"),
                    tls.cipher_suite
                        .as_ref()
                        .map(|s| s.iana.as_str())
                        .unwrap_or("?"),
                    tls.group.as_deref().unwrap_or("")
                ));
                log.stop();
                if conn.protocol_version() == Some(rustls::ProtocolVersion::TLSv1_3) {
                    // A TLS 1.3 server sends its session tickets right after our Finished, then
                    // holds its answer to our EHLO (Nagle) until they are acknowledged, which a
                    // delayed ACK puts off by 40 ms. Letting the tickets arrive first makes the
                    // EHLO carry that acknowledgement.
                    let _ = tokio::time::timeout(
                        Duration::from_millis(30),
                        stream.get_ref().0.get_ref().readable(),
                    )
                    .await;
                }
                obs.tls = Some(tls);
                Ok(Some(stream))
            }
            Err(f) => {
                self.note(format!("TLS handshake failed: {}", f.message));
                obs.tls = Some(tls);
                // A failed handshake is an observation the diagnosis explains, not a failed check.
                obs.failure = Some(f);
                Ok(None)
            }
        }
    }

    fn decode_tls(&mut self, chunks: &[(wire::tls::Direction, Duration, Vec<u8>)]) {
        let mut t = wire::tls::Transcript::new();
        let push = |this: &mut Self, at: Duration, m: wire::tls::MessageSummary| {
            let from = match m.direction {
                wire::tls::Direction::ClientToServer => Sender::Client,
                wire::tls::Direction::ServerToClient => Sender::Server,
            };
            this.transcript.push(TranscriptEntry {
                at_ms: ms(at),
                from,
                layer: "tls".into(),
                text: format!(
                    "{} ({} bytes){}{}",
                    m.kind,
                    m.bytes,
                    if m.detail.is_empty() { "" } else { ": " },
                    m.detail
                ),
            });
        };
        let mut last = Duration::ZERO;
        for (dir, at, bytes) in chunks {
            last = *at;
            for m in t.feed(*dir, bytes) {
                push(self, *at, m);
            }
        }
        for m in t.finish() {
            push(self, last, m);
        }
    }
}

/// Connect and, in STARTTLS mode, speak SMTP up to the server's 220 to STARTTLS: the socket is
/// then where the first TLS byte goes. Returns it with any bytes the server sent past its reply.
/// Used by the scan's hand-built handshakes; SMTP refusals come back as `FailureKind::Rejected`.
pub(crate) async fn open_for_tls(
    spec: &EndpointSpec,
    opts: &CheckOptions,
) -> Result<(TcpStream, Vec<u8>), Failure> {
    let mut p = Probe {
        opts,
        start: Instant::now(),
        transcript: Vec::new(),
        tickets: None,
        skip_replies: None,
    };
    let tcp = p.connect(spec).await?;
    if spec.mode == Mode::ImplicitTls {
        return Ok((tcp, Vec::new()));
    }
    let mut obs = EndpointObservation::empty(spec, opts);
    let mut d = Dialog::new(tcp);
    let rejected = |phase: Phase, r: Option<&Reply>| Failure {
        phase,
        kind: FailureKind::Rejected,
        message: match r {
            Some(r) => format!("the server answered \"{}\"", r.to_wire_lines().join(" / ")),
            None => "the server refused the session".into(),
        },
    };
    if !p.greet(&mut d, &mut obs).await? {
        let phase = if obs.smtp.banner.as_ref().is_some_and(|b| !b.is_positive()) {
            Phase::Banner
        } else {
            Phase::Ehlo
        };
        let r = obs
            .smtp
            .helo
            .as_ref()
            .or(obs.smtp.ehlo.as_ref())
            .or(obs.smtp.banner.as_ref());
        return Err(rejected(phase, r));
    }
    if !obs
        .smtp
        .capabilities
        .as_ref()
        .is_some_and(|c| c.has("STARTTLS"))
    {
        return Err(Failure {
            phase: Phase::Ehlo,
            kind: FailureKind::Rejected,
            message: "STARTTLS is not offered".into(),
        });
    }
    let reply = p
        .command(&mut d, "STARTTLS", Phase::Starttls, opts.timeouts.command())
        .await?;
    if reply.code != 220 {
        return Err(rejected(Phase::Starttls, Some(&reply)));
    }
    Ok(d.into_parts())
}

fn verb(cmd: &str) -> &str {
    cmd.split(' ').next().unwrap_or(cmd)
}

/// Why the connect policy refuses `name` at `ip`, in words, or None when it may be reached.
pub fn connect_refusal(
    policy: &crate::model::options::ConnectPolicy,
    name: &str,
    ip: std::net::IpAddr,
) -> Option<String> {
    if !policy.allow_private
        && let Some(what) = crate::observe::http::internal_address(
            ip,
            crate::model::options::FetchPolicy {
                allow_private: false,
            },
        )
    {
        return Some(format!(
            "{ip} ({name}) is {what}, which this check may not reach"
        ));
    }
    if let Some(list) = &policy.allow
        && !list.admits_name(name)
        && !list.admits_address(ip)
    {
        return Some(format!(
            "{name} ({ip}) is not on the list of targets this check may reach"
        ));
    }
    None
}

fn connect_failure(e: &io::Error) -> Failure {
    let (kind, message) = match e.kind() {
        io::ErrorKind::ConnectionRefused => (
            FailureKind::Refused,
            "connection refused: nothing listens on that port (is the MTA running, and on this address?)".to_string(),
        ),
        io::ErrorKind::HostUnreachable | io::ErrorKind::NetworkUnreachable => {
            (FailureKind::Unreachable, format!("{e}: no route to the host"))
        }
        io::ErrorKind::TimedOut => (FailureKind::Timeout, format!("{e}")),
        // ECONNREFUSED answers a SYN; ECONNRESET means the connection was made, then reset
        // before we could read: as good as a close before the greeting.
        io::ErrorKind::ConnectionReset | io::ErrorKind::ConnectionAborted => {
            return Failure {
                phase: Phase::Banner,
                kind: FailureKind::Closed,
                message: format!("the server accepted the connection and reset it at once, before any greeting ({e})"),
            };
        }
        _ => (FailureKind::Io, format!("{e}")),
    };
    Failure {
        phase: Phase::Connect,
        kind,
        message,
    }
}

fn io_failure(phase: Phase, e: &io::Error, doing: &str) -> Failure {
    let kind = match e.kind() {
        io::ErrorKind::UnexpectedEof
        | io::ErrorKind::ConnectionReset
        | io::ErrorKind::BrokenPipe
        | io::ErrorKind::ConnectionAborted => FailureKind::Closed,
        io::ErrorKind::TimedOut => FailureKind::Timeout,
        _ => FailureKind::Io,
    };
    Failure {
        phase,
        kind,
        message: format!("{doing}: {e}"),
    }
}

/// A byte-exact SMTP reader over any stream: what it buffered past a reply stays visible, so
/// the handshake after STARTTLS starts at exactly the right byte.
pub(crate) struct Dialog<S> {
    pub(crate) stream: S,
    pub(crate) buf: Vec<u8>,
    limits: Limits,
    /// Times the buffer was parsed (a test checks that a drip does not parse once per byte).
    parses: usize,
}

impl<S: AsyncRead + AsyncWrite + Unpin> Dialog<S> {
    pub(crate) fn new(stream: S) -> Self {
        Dialog {
            stream,
            buf: Vec::new(),
            limits: Limits::default(),
            parses: 0,
        }
    }

    pub(crate) fn into_parts(self) -> (S, Vec<u8>) {
        (self.stream, self.buf)
    }

    pub(crate) async fn read_reply(
        &mut self,
        phase: Phase,
        limit: Duration,
    ) -> Result<Reply, Failure> {
        let deadline = tokio::time::Instant::now() + limit;
        let mut chunk = [0u8; 4096];
        // A reply can only complete at a line end, a line only be too long past the limit, and a
        // line be no reply at all in its first four bytes (the code and the separator): the
        // buffer is parsed again only then, not after every byte a slow server drips.
        let mut parse = true;
        let mut since_newline = self.buf.iter().rev().take_while(|&&b| b != b'\n').count();
        loop {
            let parsed = if parse {
                self.parses += 1;
                wire::smtp::parse_reply(&self.buf, &self.limits)
            } else {
                Ok(Parsed::Incomplete)
            };
            match parsed {
                Ok(Parsed::Complete { reply, consumed }) => {
                    self.buf.drain(..consumed.min(self.buf.len()));
                    return Ok(reply);
                }
                Ok(Parsed::Incomplete) => {}
                Err(e) => {
                    let kind = match e {
                        wire::smtp::ReplyError::LineTooLong { .. }
                        | wire::smtp::ReplyError::TooManyLines { .. } => FailureKind::LineTooLong,
                        _ => FailureKind::NotSmtp,
                    };
                    let tls_hint =
                        if self.buf.first() == Some(&0x16) || self.buf.first() == Some(&0x15) {
                            " (this looks like TLS: is the port implicit TLS?)"
                        } else {
                            ""
                        };
                    return Err(Failure {
                        phase,
                        kind,
                        message: format!("this is not an SMTP reply: {e}{tls_hint}"),
                    });
                }
            }
            let read = tokio::time::timeout_at(deadline, self.stream.read(&mut chunk)).await;
            let partial = if self.buf.is_empty() {
                "nothing".to_string()
            } else {
                format!(
                    "{} bytes ({})",
                    self.buf.len(),
                    crate::observe::tls::excerpt(&self.buf)
                )
            };
            match read {
                Err(_) => {
                    return Err(Failure {
                        phase,
                        kind: FailureKind::Timeout,
                        message: format!(
                            "no complete reply within {} s; received {partial}",
                            limit.as_secs_f64()
                        ),
                    });
                }
                Ok(Err(e)) => {
                    return Err(io_failure(
                        phase,
                        &e,
                        &format!("reading the reply (received {partial})"),
                    ));
                }
                Ok(Ok(0)) => {
                    return Err(Failure {
                        phase,
                        kind: FailureKind::Closed,
                        message: format!("the server closed the connection; received {partial}"),
                    });
                }
                Ok(Ok(n)) => {
                    let new = chunk.get(..n).unwrap_or_default();
                    self.buf.extend_from_slice(new);
                    match new.iter().rposition(|&b| b == b'\n') {
                        Some(i) => {
                            since_newline = n - i - 1;
                            parse = true;
                        }
                        None => {
                            let before = since_newline;
                            since_newline += n;
                            parse = before < 4 || since_newline > self.limits.max_line;
                        }
                    }
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tokio::io::AsyncWriteExt;

    /// The connect policy: everything by default; internal addresses fenced unless allowed; an
    /// allowlist admits by name or by address; a refused endpoint is never connected to.
    #[tokio::test]
    async fn the_connect_policy_refuses_before_connecting() {
        use crate::model::options::{Allowlist, ConnectPolicy};
        let lo: std::net::IpAddr = "127.0.0.1".parse().unwrap();
        let public: std::net::IpAddr = "192.0.2.10".parse().unwrap();
        assert_eq!(
            connect_refusal(&ConnectPolicy::default(), "mx.test", lo),
            None
        );
        let fenced = ConnectPolicy {
            allow_private: false,
            allow: None,
        };
        let why = connect_refusal(&fenced, "mx.test", lo).unwrap();
        assert!(
            why.contains("127.0.0.1 (mx.test) is a loopback address"),
            "{why}"
        );
        for ip in ["10.0.0.1", "fd00::1", "169.254.0.1", "::ffff:192.168.1.1"] {
            assert!(
                connect_refusal(&fenced, "mx.test", ip.parse().unwrap()).is_some(),
                "{ip}"
            );
        }
        assert_eq!(connect_refusal(&fenced, "mx.test", public), None);
        let listed = ConnectPolicy {
            allow_private: true,
            allow: Some(Allowlist::parse(&["*.ok.test", "192.0.2.0/24"]).unwrap()),
        };
        assert_eq!(connect_refusal(&listed, "mx.ok.test", lo), None);
        assert_eq!(connect_refusal(&listed, "mx.other.test", public), None);
        let why = connect_refusal(&listed, "mx.other.test", lo).unwrap();
        assert!(why.contains("not on the list"), "{why}");

        // A listener that would count a connection: the fenced probe never reaches it.
        let l = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let spec = EndpointSpec {
            name: "mx.test".into(),
            address: l.local_addr().unwrap(),
            mode: Mode::Starttls,
            sni: None,
        };
        let opts = CheckOptions {
            connect_policy: fenced,
            ..CheckOptions::default()
        };
        let obs = probe(&spec, &opts).await;
        let f = obs.failure.unwrap();
        assert_eq!((f.phase, f.kind), (Phase::Connect, FailureKind::Policy));
        assert!(
            tokio::time::timeout(std::time::Duration::from_millis(200), l.accept())
                .await
                .is_err(),
            "no connection was made"
        );
    }

    /// A long multi-line reply dripped one byte per write: parsed a few times per line (its
    /// first four bytes and its end), not once per byte, and the same reply as sent at once.
    #[tokio::test]
    async fn a_drip_is_parsed_once_per_line() {
        let mut text = String::new();
        for i in 0..150 {
            text.push_str(&format!(
                "250-line {i} of a long EHLO reply with some words\r\n"
            ));
        }
        text.push_str("250 SMTPUTF8\r\n");
        let (client, mut server) = tokio::io::duplex(64);
        let bytes = text.clone().into_bytes();
        let writer = tokio::spawn(async move {
            for b in bytes {
                if server.write_all(&[b]).await.is_err() {
                    return;
                }
            }
            let _ = server.flush().await;
            // Keep the stream open until the reader is done.
            tokio::time::sleep(Duration::from_secs(30)).await;
        });
        let mut d = Dialog::new(client);
        let reply = d
            .read_reply(Phase::Ehlo, Duration::from_secs(60))
            .await
            .expect("a reply");
        writer.abort();
        assert_eq!(reply.lines.len(), 151);
        assert!(
            d.parses <= 5 * 151 + 1,
            "parsed {} times for 151 lines",
            d.parses
        );
        assert!(d.buf.is_empty());
    }

    /// A line that never ends is still caught once it passes the limit, and garbage at once.
    #[tokio::test]
    async fn an_endless_line_is_still_caught() {
        let (client, mut server) = tokio::io::duplex(64);
        let writer = tokio::spawn(async move {
            let mut junk = b"220 ".to_vec();
            junk.extend(vec![b'x'; 10_000]);
            for c in junk.chunks(7) {
                if server.write_all(c).await.is_err() {
                    return;
                }
            }
            tokio::time::sleep(Duration::from_secs(30)).await;
        });
        let mut d = Dialog::new(client);
        let err = d
            .read_reply(Phase::Banner, Duration::from_secs(60))
            .await
            .expect_err("too long");
        writer.abort();
        assert_eq!(err.kind, FailureKind::LineTooLong, "{}", err.message);
        assert!(d.parses < 10, "parsed {} times", d.parses);
    }

    #[tokio::test]
    async fn garbage_is_caught_in_its_first_bytes() {
        let (client, mut server) = tokio::io::duplex(64);
        let writer = tokio::spawn(async move {
            for b in b"HELLO this is not SMTP" {
                if server.write_all(&[*b]).await.is_err() {
                    return;
                }
            }
            tokio::time::sleep(Duration::from_secs(30)).await;
        });
        let mut d = Dialog::new(client);
        let err = d
            .read_reply(Phase::Banner, Duration::from_secs(60))
            .await
            .expect_err("not SMTP");
        writer.abort();
        assert_eq!(err.kind, FailureKind::NotSmtp, "{}", err.message);
    }
}
