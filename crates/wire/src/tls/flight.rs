//! The server's first flight after a hand-built ClientHello, parsed as it
//! arrives: did the server pick a version and a cipher suite (ServerHello),
//! ask for another key share (HelloRetryRequest), refuse (alert, SSL 2.0
//! ERROR), answer in SSL 2.0, or send something that is not TLS at all?
//!
//! [`FlightParser`] takes the bytes in chunks of any size and decides as
//! soon as the answer is known: after the ServerHello for TLS 1.3 (what
//! follows is encrypted), after ServerHelloDone for TLS 1.2 and earlier
//! (collecting the certificates and the ServerKeyExchange on the way), on
//! the first fatal alert (a warning alert, such as the unrecognized_name
//! that some servers send before their ServerHello, does not end the
//! flight), or on the first SSL 2.0 record. The outcome depends
//! only on the bytes, never on how they were chunked, and at most
//! [`MAX_FLIGHT`] bytes are looked at.
//!
//! Sources: RFC 8446 sections 4.1.3, 4.1.4, 5.1 and appendix D.4;
//! RFC 5246 sections 6.2, 7.2, 7.4 and 7.4.3; RFC 8422 section 5.4;
//! RFC 4279 section 2 and RFC 5489 section 2 (PSK identity hints); the
//! SSL 2.0 specification (see [`super::sslv2`]).

use serde::Serialize;

use super::handshake::{
    HANDSHAKE_HEADER_LEN, ServerHelloInfo, extension_type, handshake_type, parse_certificates,
    parse_server_dh_params, parse_server_hello,
};
use super::names::{cipher_suite_display, content_type_name, handshake_type_name, version_name};
use super::reader::Reader;
use super::record::{MAX_RECORD_PAYLOAD, RECORD_HEADER_LEN, content_type};
use super::sslv2::{Sslv2ServerMessage, parse_sslv2_server_message};
use super::suites::{Auth, Kx, suite_info};
use crate::text::escape_excerpt;

/// Most bytes of a flight looked at (1 MiB): a flight not decided within
/// them is [`FlightOutcome::Malformed`]. Also bounds what is buffered.
pub const MAX_FLIGHT: usize = 1 << 20;

/// How many bytes of a non-TLS answer are quoted (fewer if a line ends
/// before).
const NOT_TLS_EXCERPT: usize = 64;

/// What the server answered.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "outcome", rename_all = "snake_case")]
pub enum FlightOutcome {
    /// A ServerHello (TLS or SSLv3) and what followed it: up to
    /// ServerHelloDone for TLS 1.2 and earlier, nothing for TLS 1.3 (the
    /// rest is encrypted). A ServerHello whose version is unknown (not
    /// 0x0300..=0x0304) is reported here too: the caller decides.
    Hello {
        /// The ServerHello.
        hello: ServerHelloInfo,
        /// The DER certificates of the Certificate message, leaf first
        /// (TLS 1.2 and earlier; empty for TLS 1.3).
        certificates: Vec<Vec<u8>>,
        /// What the ServerKeyExchange revealed; `None` without one (static
        /// RSA key transport, TLS 1.3: see `hello.key_share_group`).
        key_exchange: Option<KeyExchange>,
        /// Whether the flight ended normally: ServerHelloDone (or a
        /// ChangeCipherSpec, for an abbreviated handshake) for TLS 1.2 and
        /// earlier; always for TLS 1.3.
        complete: bool,
        /// An alert (level, description) of the flight: a fatal one (or
        /// close_notify) after the ServerHello, which ended the flight
        /// (`complete` is then false); else the last warning alert, before
        /// or after the ServerHello (e.g. unrecognized_name), which did
        /// not.
        alert: Option<(u8, u8)>,
    },
    /// A TLS 1.3 HelloRetryRequest (`hello.key_share_group` is the group
    /// the server asks for).
    HelloRetryRequest {
        /// The HelloRetryRequest.
        hello: ServerHelloInfo,
    },
    /// An SSL 2.0 SERVER-HELLO.
    Sslv2Hello {
        /// The cipher specs the server accepts (3-byte values).
        cipher_specs: Vec<u32>,
        /// The server's DER certificate.
        certificate: Vec<u8>,
        /// SERVER-VERSION (0x0002).
        version: u16,
    },
    /// An alert before any ServerHello (e.g. handshake_failure: no shared
    /// cipher suite; protocol_version: version refused). A warning alert
    /// (other than close_notify) is only reported when nothing else came.
    Alert {
        /// 1 = warning, 2 = fatal.
        level: u8,
        /// The alert description (40 = handshake_failure, ...).
        description: u8,
    },
    /// An SSL 2.0 ERROR message.
    Sslv2Error {
        /// The error code (1 = NO-CIPHER-ERROR, ...).
        code: u16,
    },
    /// Bytes that are not TLS at all (the first byte is not a record
    /// content type), e.g. an SMTP reply.
    NotTls {
        /// The first bytes (up to the first line end), printable and
        /// escaped.
        excerpt: String,
    },
    /// TLS framing around nonsense: a record that is too long or has a
    /// non-TLS version, a handshake message that is too long or does not
    /// parse, a record of the wrong type in the middle of the handshake...
    Malformed {
        /// What is wrong, readable.
        reason: String,
    },
}

/// What a ServerKeyExchange revealed about the key exchange.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum KeyExchange {
    /// ECDHE over a named group (RFC 8422 section 5.4, curve_type 3).
    Ecdhe {
        /// The named group.
        group: u16,
    },
    /// Finite-field DHE (RFC 5246 section 7.4.3).
    Dhe {
        /// Significant bits of the prime `dh_p`.
        prime_bits: u32,
        /// The generator `dh_g`, as sent.
        generator: Vec<u8>,
        /// The prime's name when it is a well-known group
        /// ([`super::dh_groups::known_dh_group`]), e.g. "RFC 7919 ffdhe2048".
        #[serde(skip_serializing_if = "Option::is_none")]
        known_group: Option<&'static str>,
    },
    /// Static RSA key transport, which has no ServerKeyExchange. Never
    /// produced by [`FlightParser`] (it reports `None`); for callers that
    /// derive the key exchange from the cipher suite.
    Rsa,
    /// Anything else (RSA_EXPORT, PSK, SRP, explicit curves, unparsable).
    Other {
        /// Length of the ServerKeyExchange body.
        len: usize,
    },
}

/// A TLS 1.2 ServerKeyExchange's signature and what it covers (RFC 5246
/// section 7.4.3, RFC 8422 section 5.4): the signature is over
/// `client_random + server_random + params`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SignedParams {
    /// The ServerHello's random (32 bytes).
    pub server_random: Vec<u8>,
    /// The key exchange parameters as sent (ServerECDHParams or
    /// ServerDHParams).
    pub params: Vec<u8>,
    /// The `digitally-signed` element as sent: the SignatureAndHashAlgorithm
    /// (a TLS SignatureScheme), then the signature with its 2-byte length.
    pub signed: Vec<u8>,
}

/// The flight ended (EOF, timeout) before anything was decided.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Incomplete {
    /// Bytes received in all.
    pub received: usize,
    /// What was missing, readable ("the server sent 30 of the 85 bytes of
    /// a Handshake record").
    pub reason: String,
}

impl std::fmt::Display for Incomplete {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.reason)
    }
}

impl std::error::Error for Incomplete {}

/// How the stream is framed, once known.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Framing {
    /// Not classified yet (fewer bytes than needed).
    Unknown,
    /// TLS records.
    Tls,
    /// One SSL 2.0 record with a header of this many bytes (2 or 3).
    Sslv2(usize),
    /// Not TLS: collecting the excerpt.
    NotTls,
}

/// Parses a server's first flight, fed incrementally. See the module
/// documentation.
#[derive(Debug, Clone)]
pub struct FlightParser {
    expect_sslv2: bool,
    framing: Framing,
    /// Bytes fed in all.
    received: usize,
    /// Bytes of complete records processed.
    consumed: usize,
    /// The current unit: the first bytes while classifying, a partial
    /// record (header included), or the non-TLS excerpt.
    unit: Vec<u8>,
    /// Total size of the current TLS record, once its header is checked.
    record_len: Option<usize>,
    /// A partial handshake message (header included).
    hs: Vec<u8>,
    hello: Option<ServerHelloInfo>,
    certificates: Vec<Vec<u8>>,
    key_exchange: Option<KeyExchange>,
    /// The ServerHello's random.
    server_random: Option<Vec<u8>>,
    /// The ServerKeyExchange body as sent.
    server_key_exchange: Option<Vec<u8>>,
    /// The last warning alert (level 1, not close_notify), which does not
    /// end the flight.
    warning: Option<(u8, u8)>,
    /// A CertificateStatus message (a stapled OCSP response) came in the flight.
    certificate_status: bool,
    decided: Option<FlightOutcome>,
}

/// Whether `b` can start a line of text (printable ASCII, TAB, CR, LF).
fn is_texty(b: u8) -> bool {
    matches!(b, 0x20..=0x7e | b'\t' | b'\r' | b'\n')
}

impl FlightParser {
    /// A parser for the answer to a TLS / SSLv3 ClientHello, or, with
    /// `expect_sslv2`, to an SSL 2.0 CLIENT-HELLO: then SSL 2.0 records
    /// with two- or three-byte headers are expected, though a TLS answer
    /// (an alert, a ServerHello) is still understood. Without it, an SSL
    /// 2.0 SERVER-HELLO or ERROR (two-byte header) is understood too.
    pub fn new(expect_sslv2: bool) -> Self {
        FlightParser {
            expect_sslv2,
            framing: Framing::Unknown,
            received: 0,
            consumed: 0,
            unit: Vec::new(),
            record_len: None,
            hs: Vec::new(),
            hello: None,
            certificates: Vec::new(),
            key_exchange: None,
            server_random: None,
            server_key_exchange: None,
            warning: None,
            certificate_status: false,
            decided: None,
        }
    }

    /// Feeds the next bytes from the server (any split: one byte at a
    /// time, or many records at once). Returns the outcome once it is
    /// decided (and again on later calls, which ignore their bytes), `None`
    /// while more bytes are needed.
    pub fn feed(&mut self, bytes: &[u8]) -> Option<FlightOutcome> {
        self.received = self.received.saturating_add(bytes.len());
        let mut input = bytes;
        while self.decided.is_none() {
            let need = self.need();
            if need > 0 {
                if input.is_empty() {
                    break;
                }
                let mut take = need.min(input.len());
                if self.framing == Framing::NotTls
                    && let Some(lf) = input.iter().take(take).position(|&b| b == b'\n')
                {
                    take = lf + 1;
                }
                let (now, later) = input.split_at(take);
                self.unit.extend_from_slice(now);
                input = later;
            } else {
                self.step();
            }
        }
        self.decided.clone()
    }

    /// The outcome at the end of the input (EOF or timeout): the decided
    /// one if any; else a `Hello` with `complete: false` if a ServerHello
    /// was seen, `NotTls` if the bytes were text; else [`Incomplete`].
    pub fn finish(&mut self) -> Result<FlightOutcome, Incomplete> {
        if let Some(outcome) = &self.decided {
            return Ok(outcome.clone());
        }
        if let Some(hello) = &self.hello {
            return Ok(FlightOutcome::Hello {
                hello: hello.clone(),
                certificates: self.certificates.clone(),
                key_exchange: self.key_exchange.clone(),
                complete: false,
                alert: self.warning,
            });
        }
        if let Some((level, description)) = self.warning {
            return Ok(FlightOutcome::Alert { level, description });
        }
        let received = self.received;
        let incomplete = |reason: String| Err(Incomplete { received, reason });
        let have = self.unit.len();
        match self.framing {
            Framing::NotTls => Ok(self.not_tls()),
            Framing::Unknown if have == 0 => incomplete("the server sent nothing".to_owned()),
            Framing::Unknown => incomplete(format!(
                "the server sent only {have} byte{}, too few to tell what it speaks",
                plural(have)
            )),
            Framing::Tls if have > 0 && have < RECORD_HEADER_LEN => incomplete(format!(
                "the server sent {have} of the {RECORD_HEADER_LEN} bytes of a record header"
            )),
            Framing::Tls if have > 0 => {
                let name = self
                    .unit
                    .first()
                    .map_or("Unknown", |&ct| content_type_name(ct));
                let total = self.record_len.unwrap_or(have);
                incomplete(format!(
                    "the server sent {have} of the {total} bytes of {} record",
                    a(name)
                ))
            }
            Framing::Tls if self.hs.len() >= HANDSHAKE_HEADER_LEN => {
                let (typ, len) = hs_header(&self.hs);
                incomplete(format!(
                    "the server sent {} of the {} bytes of {} message",
                    self.hs.len(),
                    HANDSHAKE_HEADER_LEN + len,
                    a(handshake_type_name(typ))
                ))
            }
            Framing::Tls if !self.hs.is_empty() => incomplete(format!(
                "the server sent {} of the {HANDSHAKE_HEADER_LEN} bytes of a handshake message \
                 header",
                self.hs.len()
            )),
            Framing::Tls => incomplete(format!(
                "the server sent {received} byte{} but no ServerHello",
                plural(received)
            )),
            Framing::Sslv2(header) if have < header => incomplete(format!(
                "the server sent {have} of the {header} bytes of an SSLv2 record header"
            )),
            Framing::Sslv2(header) => incomplete(format!(
                "the server sent {have} of the {} bytes of an SSLv2 record",
                header + sslv2_length(&self.unit, header).0
            )),
        }
    }

    /// How many more bytes the current unit needs before [`step`] can
    /// make progress (0: step now).
    fn need(&self) -> usize {
        let have = self.unit.len();
        let want = match self.framing {
            Framing::Unknown => match (self.unit.first(), self.expect_sslv2) {
                (None, _) => 1,
                (Some(&b0), false) if b0 & 0x80 != 0 => 3,
                (Some(20..=24), true) => 2,
                (Some(_), _) => 1,
            },
            Framing::Tls => self.record_len.unwrap_or(RECORD_HEADER_LEN),
            Framing::Sslv2(header) if have < header => header,
            Framing::Sslv2(header) => header + sslv2_length(&self.unit, header).0,
            Framing::NotTls => {
                if self.unit.contains(&b'\n') {
                    have
                } else {
                    NOT_TLS_EXCERPT
                }
            }
        };
        want.saturating_sub(have)
    }

    /// Processes the current unit, which holds what [`need`] asked for.
    fn step(&mut self) {
        match self.framing {
            Framing::Unknown => self.classify(),
            Framing::NotTls => self.decided = Some(self.not_tls()),
            Framing::Tls => match self.record_len {
                None => self.check_record_header(),
                Some(_) => {
                    let record = std::mem::take(&mut self.unit);
                    self.record_len = None;
                    self.consumed += record.len();
                    if let [ct, _, _, _, _, payload @ ..] = record.as_slice() {
                        self.record(*ct, payload);
                    }
                }
            },
            Framing::Sslv2(header) => {
                if self.unit.len() == header && sslv2_length(&self.unit, header).0 == 0 {
                    self.malformed("an empty SSLv2 record".to_owned());
                    return;
                }
                self.sslv2_record(header);
            }
        }
    }

    /// Decides the framing from the first byte(s).
    fn classify(&mut self) {
        let (b0, b1, b2) = (
            self.unit.first().copied().unwrap_or(0),
            self.unit.get(1).copied(),
            self.unit.get(2).copied(),
        );
        self.framing = if self.expect_sslv2 {
            match b0 {
                // A TLS answer (record version 3.x), else a three-byte
                // SSLv2 header whose length happens to start like one.
                20..=24 if b1 == Some(3) => Framing::Tls,
                20..=24 => Framing::Sslv2(3),
                b if b & 0x80 != 0 => Framing::Sslv2(2),
                b if b < 0x20 && !is_texty(b) => Framing::Sslv2(3),
                _ => Framing::NotTls,
            }
        } else {
            match b0 {
                20..=24 => Framing::Tls,
                // SSLv2 SERVER-HELLO (4) or ERROR (0) with a two-byte header.
                b if b & 0x80 != 0 && matches!(b2, Some(0 | 4)) => Framing::Sslv2(2),
                _ => Framing::NotTls,
            }
        };
    }

    /// The NotTls outcome for the bytes collected.
    fn not_tls(&self) -> FlightOutcome {
        FlightOutcome::NotTls {
            excerpt: escape_excerpt(&self.unit, 4 * NOT_TLS_EXCERPT),
        }
    }

    /// Checks a complete record header in `unit`.
    fn check_record_header(&mut self) {
        let [ct, major, minor, hi, lo] = match self.unit.as_slice() {
            [a, b, c, d, e] => [*a, *b, *c, *d, *e],
            _ => return self.malformed("internal: bad record header buffer".to_owned()),
        };
        let length = usize::from(u16::from_be_bytes([hi, lo]));
        if !(20..=24).contains(&ct) {
            return self.malformed(format!(
                "a record of unknown content type {ct} (0x{ct:02x}) at byte {}",
                self.consumed
            ));
        }
        if major != 3 {
            return self.malformed(format!(
                "{} record with version 0x{:04x}, which is not TLS",
                a(content_type_name(ct)),
                u16::from_be_bytes([major, minor])
            ));
        }
        if length > MAX_RECORD_PAYLOAD {
            return self.malformed(format!(
                "{} record of {length} bytes, more than the {MAX_RECORD_PAYLOAD} TLS allows",
                a(content_type_name(ct))
            ));
        }
        let total = RECORD_HEADER_LEN + length;
        if self.consumed + total > MAX_FLIGHT {
            return self.malformed(format!(
                "more than {MAX_FLIGHT} bytes without a complete answer"
            ));
        }
        self.record_len = Some(total);
    }

    /// Handles one complete TLS record.
    fn record(&mut self, ct: u8, payload: &[u8]) {
        if !self.hs.is_empty() && ct != content_type::HANDSHAKE {
            return self.malformed(format!(
                "{} record in the middle of a handshake message",
                a(content_type_name(ct))
            ));
        }
        match ct {
            content_type::HANDSHAKE => {
                self.hs.extend_from_slice(payload);
                self.handshake_messages();
            }
            content_type::ALERT => match payload {
                // A warning (but close_notify) lets the handshake go on
                // (RFC 5246 section 7.2).
                [1, description, ..] if *description != 0 => {
                    self.warning = Some((1, *description));
                }
                [level, description, ..] => {
                    let (level, description) = (*level, *description);
                    self.decided = Some(match &self.hello {
                        Some(hello) => FlightOutcome::Hello {
                            hello: hello.clone(),
                            certificates: std::mem::take(&mut self.certificates),
                            key_exchange: self.key_exchange.take(),
                            complete: false,
                            alert: Some((level, description)),
                        },
                        None => FlightOutcome::Alert { level, description },
                    });
                }
                _ => self.malformed(format!("an Alert record of {} byte(s)", payload.len())),
            },
            content_type::CHANGE_CIPHER_SPEC if self.hello.is_some() => {
                // An abbreviated handshake: the server's flight ends here.
                self.decide_hello(true);
            }
            _ => {
                let when = if self.hello.is_some() {
                    "before ServerHelloDone"
                } else {
                    "before any ServerHello"
                };
                self.malformed(format!("{} record {when}", a(content_type_name(ct))));
            }
        }
    }

    /// Handles the complete handshake messages at the start of `hs`.
    fn handshake_messages(&mut self) {
        let buf = std::mem::take(&mut self.hs);
        let mut pos = 0;
        while self.decided.is_none() {
            let rest = buf.get(pos..).unwrap_or_default();
            if rest.len() < HANDSHAKE_HEADER_LEN {
                break;
            }
            let (typ, len) = hs_header(rest);
            if HANDSHAKE_HEADER_LEN + len > MAX_FLIGHT {
                self.malformed(format!(
                    "{} handshake message of {len} bytes",
                    a(handshake_type_name(typ))
                ));
                break;
            }
            let Some(body) = rest.get(HANDSHAKE_HEADER_LEN..HANDSHAKE_HEADER_LEN + len) else {
                break;
            };
            pos += HANDSHAKE_HEADER_LEN + len;
            self.handshake_message(typ, body);
        }
        if self.decided.is_none() {
            let mut buf = buf;
            buf.drain(..pos.min(buf.len()));
            self.hs = buf;
        }
    }

    /// Handles one handshake message.
    fn handshake_message(&mut self, typ: u8, body: &[u8]) {
        if self.hello.is_none() {
            match typ {
                // HelloRequest: to be ignored during a handshake.
                0 => {}
                handshake_type::SERVER_HELLO => match parse_server_hello(body) {
                    Err(e) => self.malformed(format!("an invalid ServerHello: {e}")),
                    Ok(hello) if hello.is_hello_retry => {
                        self.decided = Some(FlightOutcome::HelloRetryRequest { hello });
                    }
                    Ok(hello) => {
                        // legacy_version (2 bytes), then the random.
                        self.server_random = body.get(2..34).map(<[u8]>::to_vec);
                        let tls13_style = hello.selected_version >= 0x0304
                            && hello
                                .extensions
                                .contains(&extension_type::SUPPORTED_VERSIONS);
                        self.hello = Some(hello);
                        if tls13_style {
                            // The rest of the flight is encrypted.
                            self.decide_hello(true);
                        }
                    }
                },
                _ => self.malformed(format!(
                    "{} message before any ServerHello",
                    a(handshake_type_name(typ))
                )),
            }
            return;
        }
        match typ {
            handshake_type::CERTIFICATE => match parse_certificates(body, false) {
                Ok(certs) => self.certificates = certs.into_iter().map(<[u8]>::to_vec).collect(),
                Err(e) => self.malformed(format!("an invalid Certificate message: {e}")),
            },
            handshake_type::SERVER_KEY_EXCHANGE => {
                let suite = self.hello.as_ref().map(|h| h.cipher_suite);
                self.key_exchange = Some(key_exchange(body, suite));
                self.server_key_exchange = Some(body.to_vec());
            }
            handshake_type::SERVER_HELLO_DONE => self.decide_hello(true),
            handshake_type::CERTIFICATE_STATUS => self.certificate_status = true,
            handshake_type::SERVER_HELLO => self.malformed("a second ServerHello".to_owned()),
            // CertificateRequest, CertificateStatus, SupplementalData,
            // and anything unknown: not needed here.
            _ => {}
        }
    }

    /// Whether the flight carried a CertificateStatus message (OCSP stapling, RFC 6066
    /// section 8), before the outcome was decided.
    pub fn certificate_status(&self) -> bool {
        self.certificate_status
    }

    /// The signed part of a TLS 1.2 ServerKeyExchange for an ECDHE or DHE
    /// suite authenticated by an RSA, ECDSA or DSA certificate, once the
    /// ServerHello and the ServerKeyExchange were seen. `None` for other
    /// versions (TLS 1.0 and 1.1 sign without naming the algorithm) and
    /// suites (anonymous, PSK, static RSA), for explicit curves, and when
    /// the message does not parse or has bytes after the signature.
    pub fn signed_params(&self) -> Option<SignedParams> {
        let hello = self.hello.as_ref()?;
        if hello.selected_version != 0x0303 {
            return None;
        }
        let info = suite_info(hello.cipher_suite)?;
        let body = self.server_key_exchange.as_deref()?;
        let mut r = Reader::new(body);
        match (info.kx, info.auth) {
            (Kx::Ecdhe, Auth::Rsa | Auth::Ecdsa) => {
                // ECParameters with a named curve, then the point <1..2^8-1>.
                if r.u8()? != 3 {
                    return None;
                }
                r.u16()?;
                if r.sub_u8()?.is_empty() {
                    return None;
                }
            }
            (Kx::Dhe, Auth::Rsa | Auth::Dss) => {
                parse_server_dh_params(&mut r).ok()?;
            }
            _ => return None,
        }
        let params = body.get(..body.len().checked_sub(r.remaining())?)?;
        let signed = r.rest();
        let mut d = Reader::new(signed);
        d.u16()?;
        if d.sub_u16()?.is_empty() || !d.is_empty() {
            return None;
        }
        Some(SignedParams {
            server_random: self.server_random.clone()?,
            params: params.to_vec(),
            signed: signed.to_vec(),
        })
    }

    /// Decides a `Hello` outcome from what was collected.
    fn decide_hello(&mut self, complete: bool) {
        if let Some(hello) = self.hello.clone() {
            self.decided = Some(FlightOutcome::Hello {
                hello,
                certificates: std::mem::take(&mut self.certificates),
                key_exchange: self.key_exchange.take(),
                complete,
                alert: self.warning,
            });
        }
    }

    /// Handles the complete SSL 2.0 record in `unit`.
    fn sslv2_record(&mut self, header: usize) {
        let (length, padding) = sslv2_length(&self.unit, header);
        if padding > length {
            return self.malformed(format!(
                "an SSLv2 record of {length} bytes with {padding} bytes of padding"
            ));
        }
        let data = self
            .unit
            .get(header..header + length - padding)
            .unwrap_or_default();
        self.decided = Some(match parse_sslv2_server_message(data) {
            Ok(Sslv2ServerMessage::Hello(h)) => FlightOutcome::Sslv2Hello {
                cipher_specs: h.cipher_specs,
                certificate: h.certificate,
                version: h.version,
            },
            Ok(Sslv2ServerMessage::Error(code)) => FlightOutcome::Sslv2Error { code },
            Err(e) => FlightOutcome::Malformed {
                reason: format!("an invalid SSLv2 message: {e}"),
            },
        });
    }

    /// Decides `Malformed`, mentioning the ServerHello if one was seen.
    fn malformed(&mut self, what: String) {
        let reason = match &self.hello {
            Some(h) => format!(
                "the server sent {what} (after a ServerHello selecting {} and {})",
                version_name(h.selected_version),
                cipher_suite_display(h.cipher_suite)
            ),
            None => format!("the server sent {what}"),
        };
        self.decided = Some(FlightOutcome::Malformed { reason });
    }
}

/// `name` with its indefinite article: "a Handshake", "an Alert".
fn a(name: &str) -> String {
    let vowel = name
        .chars()
        .next()
        .is_some_and(|c| "AEIOUaeiou".contains(c));
    format!("{} {name}", if vowel { "an" } else { "a" })
}

fn plural(n: usize) -> &'static str {
    if n == 1 { "" } else { "s" }
}

/// Type and body length of the handshake message header at the start of
/// `buf` (which holds at least 4 bytes).
fn hs_header(buf: &[u8]) -> (u8, usize) {
    match buf {
        [typ, a, b, c, ..] => (
            *typ,
            usize::try_from(u32::from_be_bytes([0, *a, *b, *c])).unwrap_or(usize::MAX),
        ),
        _ => (0, 0),
    }
}

/// Record length and padding length of the SSL 2.0 header at the start of
/// `buf` (`header` bytes long, all present).
fn sslv2_length(buf: &[u8], header: usize) -> (usize, usize) {
    match (header, buf) {
        (2, [b0, b1, ..]) => (usize::from(u16::from_be_bytes([b0 & 0x7f, *b1])), 0),
        (3, [b0, b1, b2, ..]) => (
            usize::from(u16::from_be_bytes([b0 & 0x3f, *b1])),
            usize::from(*b2),
        ),
        _ => (0, 0),
    }
}

/// Interprets a ServerKeyExchange body for the selected `suite`.
fn key_exchange(body: &[u8], suite: Option<u16>) -> KeyExchange {
    let other = KeyExchange::Other { len: body.len() };
    let mut r = Reader::new(body);
    let kx = suite.and_then(suite_info).map(|s| s.kx);
    // PSK suites start with a psk_identity_hint (RFC 4279, RFC 5489).
    if matches!(kx, Some(Kx::DhePsk | Kx::EcdhePsk)) && r.sub_u16().is_none() {
        return other;
    }
    match kx {
        Some(Kx::Dhe | Kx::DheExport | Kx::DhePsk) => match parse_server_dh_params(&mut r) {
            Ok(params) => KeyExchange::Dhe {
                prime_bits: params.prime_bits(),
                generator: params.g.to_vec(),
                known_group: super::dh_groups::known_dh_group(params.p).map(|g| g.name),
            },
            Err(_) => other,
        },
        // ECParameters with curve_type named_curve (3), RFC 8422 5.4; an
        // unknown suite is recognised by that shape too.
        Some(Kx::Ecdhe | Kx::EcdhePsk) | None => match (r.u8(), r.u16()) {
            (Some(3), Some(group)) => KeyExchange::Ecdhe { group },
            _ => other,
        },
        Some(_) => other,
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::indexing_slicing, clippy::panic)]
mod tests {
    use super::*;
    use crate::tls::handshake::build::*;
    use crate::tls::sslv2::build::{record2, server_hello_body};

    /// Feeds `bytes` in chunks of `chunk` bytes, then finishes.
    fn run_chunked(bytes: &[u8], chunk: usize, sslv2: bool) -> Result<FlightOutcome, Incomplete> {
        let mut p = FlightParser::new(sslv2);
        for c in bytes.chunks(chunk.max(1)) {
            if let Some(outcome) = p.feed(c) {
                // Later feeds and finish agree.
                assert_eq!(p.feed(b"trailing").as_ref(), Some(&outcome));
                assert_eq!(p.finish().as_ref(), Ok(&outcome));
                return Ok(outcome);
            }
        }
        if bytes.is_empty() {
            assert_eq!(p.feed(&[]), None);
        }
        p.finish()
    }

    /// The outcome, checked to be the same fed whole, byte by byte and in
    /// a few other chunk sizes.
    fn run(bytes: &[u8], sslv2: bool) -> Result<FlightOutcome, Incomplete> {
        let whole = run_chunked(bytes, bytes.len(), sslv2);
        for chunk in [1, 2, 3, 5, 7, 100, 4096] {
            assert_eq!(run_chunked(bytes, chunk, sslv2), whole, "chunk {chunk}");
        }
        whole
    }

    fn hs_record(messages: &[Vec<u8>]) -> Vec<u8> {
        record(22, &messages.concat())
    }

    /// A TLS 1.2 ECDHE flight: ServerHello, Certificate, SKE, Done.
    fn flight_12_ecdhe() -> Vec<u8> {
        hs_record(&[
            handshake(2, &server_hello_12_body(0xc02f)),
            handshake(11, &certificate_12_body(&[1200, 900])),
            handshake(12, &ecdhe_ske_body(29)),
            handshake(14, &[]),
        ])
    }

    #[test]
    fn signed_params_of_a_tls12_ecdhe_flight() {
        let mut p = FlightParser::new(false);
        assert!(p.feed(&flight_12_ecdhe()).is_some());
        let s = p.signed_params().unwrap();
        let mut random = vec![0x77; 24];
        random.extend(b"DOWNGRD\x01");
        assert_eq!(s.server_random, random);
        // curve_type, named curve x25519, the 65-byte point with its length.
        assert_eq!(&s.params[..4], &[3, 0, 29, 65]);
        assert_eq!(s.params.len(), 4 + 65);
        assert_eq!(&s.signed[..4], &[0x08, 0x04, 0x01, 0x00]);
        assert_eq!(s.signed.len(), 4 + 256);
    }

    #[test]
    fn signed_params_need_a_signed_tls12_key_exchange() {
        // TLS 1.3: nothing signed in the clear.
        let mut p = FlightParser::new(false);
        p.feed(&hs_record(&[handshake(2, &server_hello_13_body())]));
        assert_eq!(p.signed_params(), None);
        // Static RSA: no ServerKeyExchange.
        let mut p = FlightParser::new(false);
        p.feed(&hs_record(&[
            handshake(2, &server_hello_12_body(0x009c)),
            handshake(11, &certificate_12_body(&[100])),
            handshake(14, &[]),
        ]));
        assert_eq!(p.signed_params(), None);
        // Bytes after the signature.
        let mut ske = ecdhe_ske_body(29);
        ske.push(0);
        let mut p = FlightParser::new(false);
        p.feed(&hs_record(&[
            handshake(2, &server_hello_12_body(0xc02f)),
            handshake(12, &ske),
            handshake(14, &[]),
        ]));
        assert_eq!(p.signed_params(), None);
    }

    #[test]
    fn tls12_ecdhe_flight() {
        let FlightOutcome::Hello {
            hello,
            certificates,
            key_exchange,
            complete,
            alert,
        } = run(&flight_12_ecdhe(), false).unwrap()
        else {
            panic!("not a hello");
        };
        assert_eq!(hello.cipher_suite, 0xc02f);
        assert_eq!(hello.selected_version, 0x0303);
        assert_eq!(
            certificates.iter().map(Vec::len).collect::<Vec<_>>(),
            [1200, 900]
        );
        assert_eq!(key_exchange, Some(KeyExchange::Ecdhe { group: 29 }));
        assert!(complete);
        assert_eq!(alert, None);
    }

    #[test]
    fn tls12_dhe_flight_in_many_records() {
        let mut p = vec![0x00, 0xff];
        p.extend([0xee; 255]);
        let messages = [
            handshake(2, &server_hello_12_body(0x009e)),
            handshake(11, &certificate_12_body(&[30_000])),
            handshake(12, &dhe_ske_body(&p)),
            handshake(14, &[]),
        ]
        .concat();
        // One message split over several records, records of 1000 bytes.
        let mut wire = Vec::new();
        for part in messages.chunks(1000) {
            wire.extend(record(22, part));
        }
        let out = run(&wire, false).unwrap();
        let FlightOutcome::Hello {
            key_exchange,
            certificates,
            complete,
            ..
        } = out
        else {
            panic!("{out:?}");
        };
        assert!(complete);
        assert_eq!(certificates[0].len(), 30_000);
        assert_eq!(
            key_exchange,
            Some(KeyExchange::Dhe {
                prime_bits: 2048,
                generator: vec![2],
                known_group: None
            })
        );
    }

    #[test]
    fn static_rsa_and_unknown_suite() {
        let wire = hs_record(&[
            handshake(2, &server_hello_12_body(0x002f)),
            handshake(11, &certificate_12_body(&[500])),
            handshake(14, &[]),
        ]);
        let FlightOutcome::Hello {
            key_exchange,
            complete,
            ..
        } = run(&wire, false).unwrap()
        else {
            panic!();
        };
        assert!(complete);
        assert_eq!(key_exchange, None);
        // A suite not in the registry: an ECDHE-shaped SKE is recognised,
        // anything else is Other.
        let wire = hs_record(&[
            handshake(2, &server_hello_12_body(0xfeee)),
            handshake(12, &[1, 2, 3]),
            handshake(14, &[]),
        ]);
        let FlightOutcome::Hello { key_exchange, .. } = run(&wire, false).unwrap() else {
            panic!();
        };
        assert_eq!(key_exchange, Some(KeyExchange::Other { len: 3 }));
        // DHE_PSK: the identity hint comes first.
        let mut ske = u16_vec(b"hint");
        ske.extend(dhe_ske_body(&[0x7f; 128]));
        assert_eq!(
            key_exchange_of(0x00aa, &ske),
            Some(KeyExchange::Dhe {
                prime_bits: 1023,
                generator: vec![2],
                known_group: None
            })
        );
        // A well-known prime is named.
        let g = crate::tls::dh_groups::KNOWN_DH_GROUPS
            .iter()
            .find(|g| g.id == "ffdhe2048")
            .unwrap();
        let p: Vec<u8> = (0..g.prime.len())
            .step_by(2)
            .map(|i| u8::from_str_radix(&g.prime[i..i + 2], 16).unwrap())
            .collect();
        assert_eq!(
            key_exchange_of(0x009e, &dhe_ske_body(&p)),
            Some(KeyExchange::Dhe {
                prime_bits: 2048,
                generator: vec![2],
                known_group: Some("RFC 7919 ffdhe2048")
            })
        );
        let mut ske = u16_vec(&[]);
        ske.extend(ecdhe_ske_body(23));
        assert_eq!(
            key_exchange_of(0xc035, &ske),
            Some(KeyExchange::Ecdhe { group: 23 })
        );
        assert_eq!(
            key_exchange_of(0x0003, &[0; 10]),
            Some(KeyExchange::Other { len: 10 })
        );
        assert_eq!(
            key_exchange_of(0x0033, &[0; 3]),
            Some(KeyExchange::Other { len: 3 })
        );
    }

    fn key_exchange_of(suite: u16, ske: &[u8]) -> Option<KeyExchange> {
        let wire = hs_record(&[
            handshake(2, &server_hello_12_body(suite)),
            handshake(12, ske),
            handshake(14, &[]),
        ]);
        match run(&wire, false).unwrap() {
            FlightOutcome::Hello { key_exchange, .. } => key_exchange,
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn tls13_hello_then_encrypted_records() {
        let mut wire = hs_record(&[handshake(2, &server_hello_13_body())]);
        wire.extend(record(20, &[1])); // middlebox-compatibility CCS
        wire.extend(record(23, &[0x42; 3000]));
        wire.extend(record(23, &[0x43; 300]));
        let FlightOutcome::Hello {
            hello,
            certificates,
            key_exchange,
            complete,
            alert,
        } = run(&wire, false).unwrap()
        else {
            panic!();
        };
        assert_eq!(hello.selected_version, 0x0304);
        assert_eq!(hello.cipher_suite, 0x1302);
        assert_eq!(hello.key_share_group, Some(29));
        assert!(complete && certificates.is_empty() && key_exchange.is_none() && alert.is_none());
        // Decided as soon as the ServerHello record is complete.
        let hello_len = 5 + 4 + server_hello_13_body().len();
        let mut p = FlightParser::new(false);
        assert_eq!(p.feed(&wire[..hello_len - 1]), None);
        assert!(p.feed(&wire[hello_len - 1..hello_len]).is_some());
    }

    #[test]
    fn hello_retry_request() {
        let wire = hs_record(&[handshake(2, &hello_retry_body())]);
        let FlightOutcome::HelloRetryRequest { hello } = run(&wire, false).unwrap() else {
            panic!();
        };
        assert_eq!(hello.key_share_group, Some(23));
        assert!(hello.is_hello_retry);
    }

    #[test]
    fn alerts() {
        let wire = record(21, &[2, 40]);
        assert_eq!(
            run(&wire, false),
            Ok(FlightOutcome::Alert {
                level: 2,
                description: 40
            })
        );
        // An alert after the ServerHello keeps the hello.
        let mut wire = hs_record(&[
            handshake(2, &server_hello_12_body(0xc02f)),
            handshake(11, &certificate_12_body(&[100])),
        ]);
        wire.extend(record(21, &[2, 80]));
        let FlightOutcome::Hello {
            hello,
            certificates,
            complete,
            alert,
            ..
        } = run(&wire, false).unwrap()
        else {
            panic!();
        };
        assert_eq!(hello.cipher_suite, 0xc02f);
        assert_eq!(certificates.len(), 1);
        assert!(!complete);
        assert_eq!(alert, Some((2, 80)));
        // Warnings do not end the flight: the hello that follows counts,
        // and the warning is reported if nothing else comes.
        let mut wire = record(21, &[1, 112]);
        wire.extend(flight_12_ecdhe());
        let FlightOutcome::Hello {
            complete, alert, ..
        } = run(&wire, false).unwrap()
        else {
            panic!();
        };
        assert!(complete);
        assert_eq!(alert, Some((1, 112)));
        assert_eq!(
            run(&record(21, &[1, 112]), false),
            Ok(FlightOutcome::Alert {
                level: 1,
                description: 112
            })
        );
        // close_notify ends it, whatever its level.
        assert_eq!(
            run(&[record(21, &[1, 0]), flight_12_ecdhe()].concat(), false),
            Ok(FlightOutcome::Alert {
                level: 1,
                description: 0
            })
        );
        // A warning after the ServerHello is recorded.
        let mut wire = hs_record(&[handshake(2, &server_hello_12_body(0xc02f))]);
        wire.extend(record(21, &[1, 100]));
        wire.extend(hs_record(&[handshake(14, &[])]));
        let FlightOutcome::Hello {
            complete, alert, ..
        } = run(&wire, false).unwrap()
        else {
            panic!();
        };
        assert!(complete);
        assert_eq!(alert, Some((1, 100)));
        let FlightOutcome::Hello {
            complete, alert, ..
        } = run(&wire[..wire.len() - 9], false).unwrap()
        else {
            panic!();
        };
        assert!(!complete);
        assert_eq!(alert, Some((1, 100)));
        // A one-byte alert record is malformed.
        assert!(matches!(
            run(&record(21, &[2]), false),
            Ok(FlightOutcome::Malformed { .. })
        ));
    }

    #[test]
    fn truncated_flights() {
        let wire = flight_12_ecdhe();
        // Cut anywhere before the ServerHello record ends: Incomplete;
        // after it (but before ServerHelloDone): Hello, not complete.
        for n in 0..wire.len() {
            let out = run(&wire[..n], false);
            match out {
                Err(Incomplete {
                    received,
                    ref reason,
                }) => {
                    assert_eq!(received, n);
                    assert!(!reason.is_empty());
                }
                Ok(FlightOutcome::Hello { complete, .. }) => assert!(!complete, "{n}"),
                other => panic!("{n}: {other:?}"),
            }
        }
        // Messages are only parsed once their record is complete: the
        // whole flight here is one record.
        assert!(run(&wire[..wire.len() - 1], false).is_err());
        assert_eq!(
            run(&wire[..30], false).unwrap_err().reason,
            format!(
                "the server sent 30 of the {} bytes of a Handshake record",
                wire.len()
            )
        );
        assert_eq!(
            run(&[], false).unwrap_err().reason,
            "the server sent nothing"
        );
        assert_eq!(
            run(&wire[..3], false).unwrap_err().reason,
            "the server sent 3 of the 5 bytes of a record header"
        );
        // Hello in its own record, then a partial one.
        let mut wire = hs_record(&[handshake(2, &server_hello_12_body(0xc02f))]);
        let cert = hs_record(&[handshake(11, &certificate_12_body(&[100]))]);
        wire.extend(&cert[..50]);
        let FlightOutcome::Hello {
            complete,
            certificates,
            ..
        } = run(&wire, false).unwrap()
        else {
            panic!();
        };
        assert!(!complete && certificates.is_empty());
        // A handshake message split over records, cut between them.
        let sh = handshake(2, &server_hello_12_body(0xc02f));
        let wire = record(22, &sh[..40]);
        assert_eq!(
            run(&wire, false).unwrap_err().reason,
            format!(
                "the server sent 40 of the {} bytes of a ServerHello message",
                sh.len()
            )
        );
    }

    #[test]
    fn malformed_flights() {
        let malformed = |wire: &[u8]| match run(wire, false) {
            Ok(FlightOutcome::Malformed { reason }) => reason,
            other => panic!("{other:?}"),
        };
        // Record length 0xFFFF.
        let r = malformed(&[22, 3, 3, 0xff, 0xff, 0, 0]);
        assert!(r.contains("65535 bytes"), "{r}");
        // Not a TLS record version.
        let r = malformed(&[22, 0xfe, 0xfd, 0, 1, 0]);
        assert!(r.contains("0xfefd"), "{r}");
        // A ServerHello truncated inside its (complete) record.
        let sh = handshake(2, &server_hello_12_body(0xc02f));
        let mut short = sh[..60].to_vec();
        short[1..4].copy_from_slice(&[0, 0, 56]);
        let r = malformed(&record(22, &short));
        assert!(r.contains("invalid ServerHello"), "{r}");
        // An unknown ServerHello version is still a hello.
        let mut body = server_hello_12_body(0xc02f);
        body[..2].copy_from_slice(&[0x03, 0x07]);
        let wire = hs_record(&[handshake(2, &body), handshake(14, &[])]);
        let FlightOutcome::Hello { hello, .. } = run(&wire, false).unwrap() else {
            panic!();
        };
        assert_eq!(hello.selected_version, 0x0307);
        // A handshake message claiming 16 MiB.
        let r = malformed(&record(22, &[2, 0xff, 0xff, 0xff]));
        assert!(r.contains("16777215 bytes"), "{r}");
        // Application data before the ServerHello; a Certificate first.
        assert!(malformed(&record(23, &[1, 2, 3])).contains("before any ServerHello"));
        let r = malformed(&hs_record(&[handshake(11, &certificate_12_body(&[10]))]));
        assert!(
            r.contains("Certificate message before any ServerHello"),
            "{r}"
        );
        // A record of another type in the middle of a handshake message.
        let mut wire = record(22, &sh[..20]);
        wire.extend(record(21, &[2, 40]));
        assert!(malformed(&wire).contains("middle of a handshake message"));
        // Garbage after a ServerHello mentions it.
        let mut wire = hs_record(std::slice::from_ref(&sh));
        wire.extend([0x99, 3, 3, 0, 0]);
        let r = malformed(&wire);
        assert!(
            r.contains("unknown content type 153") && r.contains("TLSv1.2"),
            "{r}"
        );
        // A second ServerHello; a broken Certificate.
        assert!(malformed(&hs_record(&[sh.clone(), sh.clone()])).contains("second ServerHello"));
        let r = malformed(&hs_record(&[sh.clone(), handshake(11, &[0, 0, 9, 1])]));
        assert!(r.contains("invalid Certificate"), "{r}");
    }

    #[test]
    fn more_than_a_mebibyte() {
        let mut wire = hs_record(&[handshake(2, &server_hello_12_body(0xc02f))]);
        // Unknown handshake messages (type 99, ignored) until past 1 MiB.
        let filler = record(22, &handshake(99, &vec![0; MAX_RECORD_PAYLOAD - 4]));
        while wire.len() <= MAX_FLIGHT {
            wire.extend(&filler);
        }
        let mut p = FlightParser::new(false);
        let out = p.feed(&wire).unwrap();
        let FlightOutcome::Malformed { reason } = out else {
            panic!("{out:?}")
        };
        assert!(reason.contains("1048576"), "{reason}");
        assert!(p.unit.capacity() <= RECORD_HEADER_LEN + MAX_RECORD_PAYLOAD);
    }

    #[test]
    fn abbreviated_handshake_and_hello_request() {
        let mut wire = hs_record(&[
            handshake(0, &[]),
            handshake(2, &server_hello_12_body(0xc02f)),
        ]);
        wire.extend(record(20, &[1]));
        let FlightOutcome::Hello { complete, .. } = run(&wire, false).unwrap() else {
            panic!();
        };
        assert!(complete);
        assert_eq!(
            run(&hs_record(&[handshake(0, &[])]), false)
                .unwrap_err()
                .reason,
            "the server sent 9 bytes but no ServerHello"
        );
    }

    #[test]
    fn smtp_reply_is_not_tls() {
        let out = run(
            b"454 4.7.0 TLS not available due to local problem\r\n",
            false,
        );
        assert_eq!(
            out,
            Ok(FlightOutcome::NotTls {
                excerpt: "454 4.7.0 TLS not available due to local problem\\x0d\\x0a".into()
            })
        );
        // Decided at the line end, whatever follows.
        let out2 = run(
            b"454 4.7.0 TLS not available due to local problem\r\n221 bye\r\n",
            false,
        );
        assert_eq!(out, out2);
        // Cut at 64 bytes without a line end; at EOF with what came.
        let long = [b'x'; 100];
        let Ok(FlightOutcome::NotTls { excerpt }) = run(&long, false) else {
            panic!()
        };
        assert_eq!(excerpt.len(), 64);
        assert_eq!(
            run(b"2", false),
            Ok(FlightOutcome::NotTls {
                excerpt: "2".into()
            })
        );
        // Binary garbage too, also in SSLv2 mode.
        assert!(matches!(
            run(&[0x00, 0x01, 0x02], false),
            Ok(FlightOutcome::NotTls { .. })
        ));
        assert!(matches!(
            run(b"554 no\n", true),
            Ok(FlightOutcome::NotTls { .. })
        ));
        assert!(matches!(
            run(&[0x80, 0x10, 0x09], false),
            Ok(FlightOutcome::NotTls { .. })
        ));
    }

    #[test]
    fn sslv2_server_hello_and_error() {
        let body = server_hello_body(&[0x30; 600], &[0x010080, 0x0700c0, 0x060040]);
        let wire = record2(&body);
        let expected = FlightOutcome::Sslv2Hello {
            cipher_specs: vec![0x010080, 0x0700c0, 0x060040],
            certificate: vec![0x30; 600],
            version: 2,
        };
        assert_eq!(run(&wire, true), Ok(expected.clone()));
        // Understood without expecting it, too.
        assert_eq!(run(&wire, false), Ok(expected.clone()));
        // A three-byte header with 4 bytes of padding.
        let mut padded = body.clone();
        padded.extend([0; 4]);
        let len = padded.len() as u16;
        let mut wire3 = vec![(len >> 8) as u8 & 0x3f, len as u8, 4];
        wire3.extend(&padded);
        assert_eq!(run(&wire3, true), Ok(expected));
        // ERROR: NO-CIPHER-ERROR.
        let err = record2(&[0, 0, 1]);
        assert_eq!(run(&err, true), Ok(FlightOutcome::Sslv2Error { code: 1 }));
        assert_eq!(run(&err, false), Ok(FlightOutcome::Sslv2Error { code: 1 }));
        // Truncated record, broken message, empty record, bad padding.
        assert_eq!(
            run(&wire[..100], true).unwrap_err().reason,
            format!(
                "the server sent 100 of the {} bytes of an SSLv2 record",
                wire.len()
            )
        );
        assert!(matches!(
            run(&record2(&[4, 0, 1]), true),
            Ok(FlightOutcome::Malformed { .. })
        ));
        assert!(matches!(
            run(&[0x80, 0x00], true),
            Ok(FlightOutcome::Malformed { .. })
        ));
        assert!(matches!(
            run(&[0x00, 0x02, 0x05, 0, 0], true),
            Ok(FlightOutcome::Malformed { .. })
        ));
        // A TLS alert in answer to an SSLv2 hello.
        assert_eq!(
            run(&record(21, &[2, 70]), true),
            Ok(FlightOutcome::Alert {
                level: 2,
                description: 70
            })
        );
        assert_eq!(
            run(&[0x80], true).unwrap_err().reason,
            "the server sent 1 of the 2 bytes of an SSLv2 record header"
        );
        assert_eq!(
            run(&[0x80, 0x03], false).unwrap_err().reason,
            "the server sent only 2 bytes, too few to tell what it speaks"
        );
    }

    #[test]
    fn incomplete_displays_its_reason() {
        let inc = run(&[22, 3], false).unwrap_err();
        assert_eq!(inc.received, 2);
        assert_eq!(
            inc.to_string(),
            "the server sent 2 of the 5 bytes of a record header"
        );
    }
}
