//! A readable transcript of a TLS handshake, decoded from the raw bytes of
//! each direction as they arrive (like `openssl s_client -msg`).
//!
//! Bytes may arrive in arbitrary TCP chunks: records split across calls
//! and handshake messages split across records are reassembled, and
//! several messages coalesced into one record are each reported. Once a
//! direction encrypts (after its ChangeCipherSpec in TLS 1.2 and earlier,
//! after a ServerHello that selects TLS 1.3), its records are only counted.
//!
//! The summaries depend only on the byte stream, not on how it was
//! chunked, with one exception: a run of consecutive encrypted records is
//! reported as one `EncryptedRecords` entry per [`FlightDecoder::feed`]
//! call, so that the caller sees them as they arrive.

use std::fmt::Write as _;

use serde::{Deserialize, Serialize};

use super::handshake::{
    ClientHelloInfo, HANDSHAKE_HEADER_LEN, ServerHelloInfo, ServerKeyExchangeInfo, handshake_type,
    parse_certificates, parse_client_hello, parse_server_hello, parse_server_key_exchange,
};
use super::names::{
    alert_description_name, alert_level_name, cipher_suite_display, group_name,
    handshake_type_name, version_name,
};
use super::record::{
    MAX_RECORD_PAYLOAD, RECORD_HEADER_LEN, RecordError, check_header, content_type,
};
use crate::text::escape_excerpt;

/// Most bytes a [`FlightDecoder`] keeps buffered (an incomplete record plus
/// an incomplete handshake message): 256 KiB.
pub const MAX_BUFFERED: usize = 256 * 1024;

/// Largest handshake message reassembled; larger ones are skipped and
/// reported as `Unparsed`. Chosen so that it plus one incomplete record
/// stays within [`MAX_BUFFERED`].
pub const MAX_HANDSHAKE_MESSAGE: usize =
    MAX_BUFFERED - RECORD_HEADER_LEN - MAX_RECORD_PAYLOAD - HANDSHAKE_HEADER_LEN;

/// How many bytes of non-TLS data are quoted when a direction stops
/// decoding (fewer if a line ends before).
const EXCERPT_LEN: usize = 32;

/// Which peer sent the bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Direction {
    /// From the client (us) to the server; serialised as `"client"`.
    #[serde(rename = "client")]
    ClientToServer,
    /// From the server to the client; serialised as `"server"`.
    #[serde(rename = "server")]
    ServerToClient,
}

impl Direction {
    /// `"client"` or `"server"`: who sent it.
    pub fn sender(self) -> &'static str {
        match self {
            Direction::ClientToServer => "client",
            Direction::ServerToClient => "server",
        }
    }
}

/// One line of a handshake transcript.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MessageSummary {
    /// Who sent it.
    pub direction: Direction,
    /// What it is: a handshake message type (`ClientHello`, `ServerHello`,
    /// `HelloRetryRequest`, `Certificate`, `ServerKeyExchange`,
    /// `ServerHelloDone`, ...), `ChangeCipherSpec`, `Alert`, `Heartbeat`,
    /// `EncryptedRecords`, or `Unparsed` for bytes that could not be
    /// decoded.
    pub kind: String,
    /// The key fields, readable (may be empty).
    pub detail: String,
    /// Size: for a handshake message its length with its 4-byte header;
    /// for record-level entries (ChangeCipherSpec, Alert, Heartbeat,
    /// EncryptedRecords) the records with their 5-byte headers; for
    /// `Unparsed` the bytes concerned.
    pub bytes: usize,
}

impl std::fmt::Display for MessageSummary {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let arrow = match self.direction {
            Direction::ClientToServer => "C->S",
            Direction::ServerToClient => "S->C",
        };
        write!(f, "{arrow} {} ({} bytes)", self.kind, self.bytes)?;
        if !self.detail.is_empty() {
            write!(f, ": {}", self.detail)?;
        }
        Ok(())
    }
}

/// Decoding stopped on bytes that are not TLS.
#[derive(Debug, Clone)]
struct Failure {
    error: RecordError,
    /// The first bytes from where decoding stopped (at most EXCERPT_LEN,
    /// up to the first LF).
    excerpt: Vec<u8>,
    reported: bool,
    /// Bytes after the excerpt, ignored.
    dropped: usize,
}

/// Collects the summaries of one `feed` call, merging consecutive
/// encrypted records.
struct Out {
    direction: Direction,
    list: Vec<MessageSummary>,
    encrypted_run: Option<(usize, usize)>,
}

impl Out {
    fn new(direction: Direction) -> Self {
        Out {
            direction,
            list: Vec::new(),
            encrypted_run: None,
        }
    }

    fn encrypted(&mut self, wire_len: usize) {
        let (n, bytes) = self.encrypted_run.get_or_insert((0, 0));
        *n += 1;
        *bytes += wire_len;
    }

    fn flush_encrypted(&mut self) {
        if let Some((n, bytes)) = self.encrypted_run.take() {
            let s = if n == 1 { "" } else { "s" };
            self.list.push(MessageSummary {
                direction: self.direction,
                kind: "EncryptedRecords".to_owned(),
                detail: format!("{n} encrypted record{s}, {bytes} bytes"),
                bytes,
            });
        }
    }

    fn push(&mut self, kind: &str, detail: String, bytes: usize) {
        self.flush_encrypted();
        self.list.push(MessageSummary {
            direction: self.direction,
            kind: kind.to_owned(),
            detail,
            bytes,
        });
    }

    fn finish(mut self) -> Vec<MessageSummary> {
        self.flush_encrypted();
        self.list
    }
}

/// Decodes the bytes of one direction of a TLS connection into summaries.
///
/// Stateful: feed it every byte of the direction, in order, in chunks of
/// any size, then call [`finish`](Self::finish). Memory stays below
/// [`MAX_BUFFERED`] whatever the input. For both directions of one
/// connection prefer [`Transcript`], which tells the client side when the
/// server selected TLS 1.3.
#[derive(Debug, Clone)]
pub struct FlightDecoder {
    direction: Direction,
    /// An incomplete record (at most 5 + 2^14 + 2048 bytes).
    record_buf: Vec<u8>,
    /// An incomplete handshake message (at most 4 + MAX_HANDSHAKE_MESSAGE).
    hs_buf: Vec<u8>,
    /// Bytes of an oversized handshake message still to skip.
    hs_skip: usize,
    /// Records of this direction are encrypted from now on.
    encrypted: bool,
    /// TLS 1.3 is in use (HelloRetryRequest or ServerHello seen): a
    /// ChangeCipherSpec is then only the middlebox-compatibility dummy
    /// (RFC 8446 appendix D.4) and does not start encryption.
    tls13: bool,
    failure: Option<Failure>,
    client_hello: Option<ClientHelloInfo>,
    server_hello: Option<ServerHelloInfo>,
}

impl FlightDecoder {
    /// A decoder for the bytes sent in `direction`.
    pub fn new(direction: Direction) -> Self {
        FlightDecoder {
            direction,
            record_buf: Vec::new(),
            hs_buf: Vec::new(),
            hs_skip: 0,
            encrypted: false,
            tls13: false,
            failure: None,
            client_hello: None,
            server_hello: None,
        }
    }

    /// The direction this decoder was made for.
    pub fn direction(&self) -> Direction {
        self.direction
    }

    /// Marks the following records as encrypted (e.g. the client side once
    /// the server selected TLS 1.3).
    pub fn set_encrypted(&mut self) {
        self.encrypted = true;
    }

    /// Tells the decoder that TLS 1.3 is being negotiated (e.g. the server
    /// sent a HelloRetryRequest), so that a ChangeCipherSpec is taken as
    /// the TLS 1.3 compatibility dummy and does not start encryption.
    pub fn set_tls13(&mut self) {
        self.tls13 = true;
    }

    /// Whether records of this direction are now taken as encrypted.
    pub fn is_encrypted(&self) -> bool {
        self.encrypted
    }

    /// Whether this decoder knows that TLS 1.3 is being negotiated.
    pub fn is_tls13(&self) -> bool {
        self.tls13
    }

    /// The last ClientHello decoded in this direction.
    pub fn client_hello(&self) -> Option<&ClientHelloInfo> {
        self.client_hello.as_ref()
    }

    /// The last ServerHello or HelloRetryRequest decoded in this direction.
    pub fn server_hello(&self) -> Option<&ServerHelloInfo> {
        self.server_hello.as_ref()
    }

    /// Bytes currently buffered (for tests of the memory bound).
    #[cfg(test)]
    pub(crate) fn buffered(&self) -> usize {
        self.record_buf.len()
            + self.hs_buf.len()
            + self.failure.as_ref().map_or(0, |f| f.excerpt.len())
    }

    /// Decodes the next chunk of bytes; returns what became complete.
    pub fn feed(&mut self, bytes: &[u8]) -> Vec<MessageSummary> {
        let mut out = Out::new(self.direction);
        let mut input = bytes;
        while !input.is_empty() {
            if self.failure.is_some() {
                self.absorb_after_failure(input, &mut out);
                break;
            }
            if self.record_buf.is_empty() {
                // Take complete records straight from the input.
                match check_header(input) {
                    Err(e) => {
                        self.fail(e, &mut out);
                    }
                    Ok(Some(total)) if input.len() >= total => {
                        let (record, rest) = input.split_at(total);
                        self.record(record, &mut out);
                        input = rest;
                    }
                    Ok(_) => {
                        // Incomplete: at most one record's worth.
                        self.record_buf.extend_from_slice(input);
                        input = &[];
                    }
                }
            } else {
                // Complete the buffered record: first its header, then
                // its payload.
                let have = self.record_buf.len();
                let target = match check_header(&self.record_buf) {
                    Ok(Some(total)) => total,
                    _ => RECORD_HEADER_LEN,
                };
                let n = target.saturating_sub(have).min(input.len());
                let (head, rest) = input.split_at(n);
                self.record_buf.extend_from_slice(head);
                input = rest;
                match check_header(&self.record_buf) {
                    Err(e) => {
                        // The buffered bytes start the undecodable part.
                        let buffered = std::mem::take(&mut self.record_buf);
                        self.fail(e, &mut out);
                        self.absorb_after_failure(&buffered, &mut out);
                    }
                    Ok(Some(total)) if self.record_buf.len() >= total => {
                        let record = std::mem::take(&mut self.record_buf);
                        self.record(&record, &mut out);
                    }
                    Ok(_) => {}
                }
            }
        }
        out.finish()
    }

    /// Reports whatever is left: an incomplete record or handshake
    /// message, or the bytes after a decoding error. The decoder's buffers
    /// are emptied.
    pub fn finish(&mut self) -> Vec<MessageSummary> {
        let mut out = Out::new(self.direction);
        if let Some(failure) = self.failure.as_mut() {
            if !failure.reported {
                let failure = failure.clone();
                self.report_failure(&failure, &mut out);
            }
            if let Some(failure) = self.failure.as_mut() {
                if failure.dropped > 0 {
                    let dropped = std::mem::take(&mut failure.dropped);
                    out.push(
                        "Unparsed",
                        format!("{dropped} more bytes after that were not decoded"),
                        dropped,
                    );
                }
                failure.reported = true;
            }
        }
        if !self.record_buf.is_empty() {
            let have = self.record_buf.len();
            let detail = match check_header(&self.record_buf) {
                Ok(Some(total)) => format!(
                    "the connection ended inside a record: {have} of {total} bytes received"
                ),
                _ => format!("the connection ended inside a record header: {have} of 5 bytes"),
            };
            out.push("Unparsed", detail, have);
            self.record_buf = Vec::new();
        }
        if !self.hs_buf.is_empty() {
            let have = self.hs_buf.len();
            let mut r = super::reader::Reader::new(&self.hs_buf);
            let detail = match (r.u8(), r.u24()) {
                (Some(t), Some(len)) => format!(
                    "an incomplete {} handshake message: {have} of {} bytes received",
                    handshake_type_name(t),
                    u64::from(len) + HANDSHAKE_HEADER_LEN as u64
                ),
                _ => format!("an incomplete handshake message header: {have} of 4 bytes"),
            };
            out.push("Unparsed", detail, have);
            self.hs_buf = Vec::new();
        }
        self.hs_skip = 0;
        out.finish()
    }

    fn fail(&mut self, error: RecordError, out: &mut Out) {
        out.flush_encrypted();
        self.failure = Some(Failure {
            error,
            excerpt: Vec::new(),
            reported: false,
            dropped: 0,
        });
    }

    /// Keeps the first bytes after a decoding error for the report (up to
    /// EXCERPT_LEN bytes or the first LF, whichever comes first, so that
    /// the report does not depend on chunking) and counts the rest.
    fn absorb_after_failure(&mut self, mut input: &[u8], out: &mut Out) {
        let Some(failure) = self.failure.as_mut() else {
            return;
        };
        if !failure.reported {
            let room = EXCERPT_LEN.saturating_sub(failure.excerpt.len());
            let window = input.get(..room).unwrap_or(input);
            let take = match window.iter().position(|&b| b == b'\n') {
                Some(i) => i + 1,
                None => window.len(),
            };
            let (head, rest) = input.split_at(take);
            failure.excerpt.extend_from_slice(head);
            input = rest;
            let ended_line = failure.excerpt.last() == Some(&b'\n');
            if failure.excerpt.len() >= EXCERPT_LEN || ended_line {
                failure.reported = true;
                let failure = failure.clone();
                self.report_failure(&failure, out);
            }
        }
        if let Some(failure) = self.failure.as_mut() {
            failure.dropped = failure.dropped.saturating_add(input.len());
        }
    }

    fn report_failure(&self, failure: &Failure, out: &mut Out) {
        let excerpt = escape_excerpt(&failure.excerpt, 80);
        let error = match &failure.error {
            RecordError::NotTls { .. } => RecordError::NotTls { excerpt },
            RecordError::UnknownContentType { content_type, .. } => {
                RecordError::UnknownContentType {
                    content_type: *content_type,
                    excerpt,
                }
            }
            other => other.clone(),
        };
        out.push(
            "Unparsed",
            format!("{error}; decoding of this direction stopped"),
            failure.excerpt.len(),
        );
    }

    /// One complete record, header included.
    fn record(&mut self, record: &[u8], out: &mut Out) {
        let [ct, _, _, _, _, payload @ ..] = record else {
            return;
        };
        let wire_len = record.len();
        match *ct {
            content_type::APPLICATION_DATA => out.encrypted(wire_len),
            content_type::HANDSHAKE if self.encrypted => out.encrypted(wire_len),
            content_type::ALERT if self.encrypted && payload.len() != 2 => out.encrypted(wire_len),
            content_type::CHANGE_CIPHER_SPEC => {
                let detail = if payload == [1] {
                    String::new()
                } else {
                    format!("unexpected payload of {} bytes", payload.len())
                };
                out.push("ChangeCipherSpec", detail, wire_len);
                if !self.tls13 {
                    self.encrypted = true;
                }
            }
            content_type::ALERT => out.push("Alert", alert_detail(payload), wire_len),
            content_type::HANDSHAKE => self.handshake_bytes(payload, out),
            content_type::HEARTBEAT => {
                out.push("Heartbeat", format!("{} bytes", payload.len()), wire_len)
            }
            other => out.push(
                "Unparsed",
                format!("record of unknown content type {other}"),
                wire_len,
            ),
        }
    }

    /// Handshake-record payload: reassembles messages across records.
    fn handshake_bytes(&mut self, mut data: &[u8], out: &mut Out) {
        while !data.is_empty() {
            if self.hs_skip > 0 {
                let n = self.hs_skip.min(data.len());
                self.hs_skip -= n;
                data = data.get(n..).unwrap_or_default();
                continue;
            }
            if self.hs_buf.len() < HANDSHAKE_HEADER_LEN {
                let n = (HANDSHAKE_HEADER_LEN - self.hs_buf.len()).min(data.len());
                let (head, rest) = data.split_at(n);
                self.hs_buf.extend_from_slice(head);
                data = rest;
            }
            let &[typ, a, b, c, ..] = self.hs_buf.as_slice() else {
                break;
            };
            let len = usize::try_from(u32::from_be_bytes([0, a, b, c])).unwrap_or(usize::MAX);
            if len > MAX_HANDSHAKE_MESSAGE {
                out.push(
                    "Unparsed",
                    format!(
                        "a {} handshake message of {len} bytes, larger than the \
                         {MAX_HANDSHAKE_MESSAGE} bytes this decoder reassembles: skipped",
                        handshake_type_name(typ)
                    ),
                    len.saturating_add(HANDSHAKE_HEADER_LEN),
                );
                self.hs_buf.clear();
                self.hs_skip = len;
                continue;
            }
            let total = HANDSHAKE_HEADER_LEN + len;
            let n = total.saturating_sub(self.hs_buf.len()).min(data.len());
            let (head, rest) = data.split_at(n);
            self.hs_buf.extend_from_slice(head);
            data = rest;
            if self.hs_buf.len() >= total {
                let msg = std::mem::take(&mut self.hs_buf);
                let body = msg.get(HANDSHAKE_HEADER_LEN..).unwrap_or_default();
                self.handshake_message(typ, body, out);
            }
        }
    }

    fn handshake_message(&mut self, typ: u8, body: &[u8], out: &mut Out) {
        let bytes = HANDSHAKE_HEADER_LEN + body.len();
        let name = handshake_type_name(typ);
        match typ {
            handshake_type::CLIENT_HELLO => match parse_client_hello(body) {
                Ok(ch) => {
                    out.push(name, client_hello_detail(&ch), bytes);
                    self.client_hello = Some(ch);
                }
                Err(e) => out.push(name, format!("malformed: {e}"), bytes),
            },
            handshake_type::SERVER_HELLO => match parse_server_hello(body) {
                Ok(sh) => {
                    let kind = if sh.is_hello_retry {
                        "HelloRetryRequest"
                    } else {
                        "ServerHello"
                    };
                    out.push(kind, server_hello_detail(&sh), bytes);
                    if sh.is_hello_retry {
                        self.tls13 = true;
                    } else if sh.selected_version == 0x0304 {
                        self.tls13 = true;
                        self.encrypted = true;
                    }
                    self.server_hello = Some(sh);
                }
                Err(e) => out.push(name, format!("malformed: {e}"), bytes),
            },
            handshake_type::CERTIFICATE => {
                let certs =
                    parse_certificates(body, false).or_else(|_| parse_certificates(body, true));
                let detail = match certs {
                    Ok(certs) => {
                        let n = certs.len();
                        let s = if n == 1 { "" } else { "s" };
                        let sizes: Vec<String> =
                            certs.iter().map(|c| c.len().to_string()).collect();
                        if n == 0 {
                            "no certificates".to_owned()
                        } else {
                            format!("{n} certificate{s}: {} bytes", sizes.join(", "))
                        }
                    }
                    Err(e) => format!("malformed: {e}"),
                };
                out.push(name, detail, bytes);
            }
            handshake_type::SERVER_KEY_EXCHANGE => {
                let suite = self.server_hello.as_ref().map(|sh| sh.cipher_suite);
                let detail = match parse_server_key_exchange(body, suite) {
                    ServerKeyExchangeInfo::Ecdhe { group } => {
                        format!("ECDHE {}, {} bytes", group_name(group), body.len())
                    }
                    ServerKeyExchangeInfo::Dhe { prime_bits } => {
                        format!("DHE with a {prime_bits}-bit prime, {} bytes", body.len())
                    }
                    ServerKeyExchangeInfo::Other => format!("{} bytes", body.len()),
                };
                out.push(name, detail, bytes);
            }
            handshake_type::SERVER_HELLO_DONE => out.push(name, String::new(), bytes),
            _ if name == "Unknown" => out.push(
                "Handshake",
                format!("unknown handshake type {typ}, {} bytes", body.len()),
                bytes,
            ),
            _ => out.push(name, format!("{} bytes", body.len()), bytes),
        }
    }
}

fn alert_detail(payload: &[u8]) -> String {
    if payload.is_empty() || !payload.len().is_multiple_of(2) {
        return format!("malformed alert of {} bytes", payload.len());
    }
    let alerts: Vec<String> = payload
        .chunks_exact(2)
        .map(|pair| {
            let [level, desc] = pair else {
                return String::new();
            };
            let level = match alert_level_name(*level) {
                Some(l) => l.to_owned(),
                None => format!("level {level}"),
            };
            match alert_description_name(*desc) {
                Some(d) => format!("{level} {d} ({desc})"),
                None => format!("{level} unknown alert {desc}"),
            }
        })
        .collect();
    alerts.join("; ")
}

fn list<T: Copy>(items: &[T], name: impl Fn(T) -> String) -> String {
    let names: Vec<String> = items.iter().map(|&i| name(i)).collect();
    format!("[{}]", names.join(", "))
}

fn quoted(s: &str) -> String {
    escape_excerpt(s.as_bytes(), 80)
}

fn client_hello_detail(ch: &ClientHelloInfo) -> String {
    let mut d = format!(
        "legacy_version {}, {} cipher suites",
        version_name(ch.legacy_version),
        ch.cipher_suites.len()
    );
    match &ch.sni {
        Some(sni) => {
            let _ = write!(d, ", SNI {}", quoted(sni));
        }
        None => d.push_str(", no SNI"),
    }
    if !ch.supported_versions.is_empty() {
        let _ = write!(
            d,
            ", supported_versions {}",
            list(&ch.supported_versions, version_name)
        );
    }
    if !ch.supported_groups.is_empty() {
        let _ = write!(
            d,
            ", supported_groups {}",
            list(&ch.supported_groups, group_name)
        );
    }
    if !ch.key_share_groups.is_empty() {
        let _ = write!(d, ", key_share {}", list(&ch.key_share_groups, group_name));
    }
    if !ch.signature_algorithms.is_empty() {
        let _ = write!(
            d,
            ", {} signature_algorithms",
            ch.signature_algorithms.len()
        );
    }
    if !ch.alpn.is_empty() {
        let names: Vec<String> = ch.alpn.iter().map(|a| quoted(a)).collect();
        let _ = write!(d, ", ALPN [{}]", names.join(", "));
    }
    d
}

fn server_hello_detail(sh: &ServerHelloInfo) -> String {
    let mut d = format!(
        "{}, cipher {}",
        version_name(sh.selected_version),
        cipher_suite_display(sh.cipher_suite)
    );
    if sh.selected_version != sh.legacy_version {
        let _ = write!(d, ", legacy_version {}", version_name(sh.legacy_version));
    }
    match (sh.is_hello_retry, sh.key_share_group) {
        (true, Some(g)) => {
            let _ = write!(d, ", asks for a key_share for {}", group_name(g));
        }
        (true, None) => d.push_str(", asks for no new key_share (cookie or other change)"),
        (false, Some(g)) => {
            let _ = write!(d, ", key_share {}", group_name(g));
        }
        (false, None) => {}
    }
    if sh.compression_method != 0 {
        let _ = write!(d, ", compression method {}", sh.compression_method);
    }
    if let Some(alpn) = &sh.alpn {
        let _ = write!(d, ", ALPN {}", quoted(alpn));
    }
    match sh.downgrade_sentinel {
        Some(0x0303) => d.push_str(
            ", downgrade sentinel: the server supports TLS 1.3 but negotiated an older version",
        ),
        Some(_) => d.push_str(
            ", downgrade sentinel: the server supports TLS 1.2 but negotiated an older version",
        ),
        None => {}
    }
    d
}

/// Both directions of one TLS connection.
///
/// The server side learns from its own ServerHello whether TLS 1.3 was
/// selected; the transcript passes that knowledge to the client side, whose
/// later records are then encrypted too (and whose compatibility
/// ChangeCipherSpec does not mislead it). Feed the directions in the order
/// the bytes were seen on the wire.
#[derive(Debug, Clone)]
pub struct Transcript {
    client: FlightDecoder,
    server: FlightDecoder,
}

impl Default for Transcript {
    fn default() -> Self {
        Self::new()
    }
}

impl Transcript {
    /// An empty transcript.
    pub fn new() -> Self {
        Transcript {
            client: FlightDecoder::new(Direction::ClientToServer),
            server: FlightDecoder::new(Direction::ServerToClient),
        }
    }

    /// Decodes the next chunk sent in direction `dir`.
    pub fn feed(&mut self, dir: Direction, bytes: &[u8]) -> Vec<MessageSummary> {
        match dir {
            Direction::ClientToServer => self.client.feed(bytes),
            Direction::ServerToClient => {
                let out = self.server.feed(bytes);
                if self.server.is_tls13() {
                    self.client.set_tls13();
                }
                if self
                    .server
                    .server_hello()
                    .is_some_and(|sh| !sh.is_hello_retry && sh.selected_version == 0x0304)
                {
                    self.client.set_encrypted();
                }
                out
            }
        }
    }

    /// Reports what is left in both directions (client first).
    pub fn finish(&mut self) -> Vec<MessageSummary> {
        let mut out = self.client.finish();
        out.extend(self.server.finish());
        out
    }

    /// The client side's decoder.
    pub fn client(&self) -> &FlightDecoder {
        &self.client
    }

    /// The server side's decoder.
    pub fn server(&self) -> &FlightDecoder {
        &self.server
    }

    /// The last ClientHello sent.
    pub fn client_hello(&self) -> Option<&ClientHelloInfo> {
        self.client.client_hello()
    }

    /// The last ServerHello (or HelloRetryRequest) received.
    pub fn server_hello(&self) -> Option<&ServerHelloInfo> {
        self.server.server_hello()
    }
}
