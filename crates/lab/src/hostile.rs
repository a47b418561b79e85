//! Hand-written TLS misbehaviour: just enough of the record layer to read a
//! ClientHello and to answer it wrongly, and a writer that sends one byte per
//! TCP segment.
//!
//! Everything here parses untrusted input with checked slicing and never
//! panics; every wait is bounded.

use std::io;
use std::pin::Pin;
use std::task::{Context, Poll, ready};
use std::time::Duration;

use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt, ReadBuf};
use tokio::time::timeout;

use crate::smtp::{self, BoxIo, IDLE_TIMEOUT};

/// TLS record content types.
pub(crate) const CONTENT_ALERT: u8 = 0x15;
pub(crate) const CONTENT_HANDSHAKE: u8 = 0x16;
/// Handshake message types.
const HS_CLIENT_HELLO: u8 = 0x01;
const HS_SERVER_HELLO: u8 = 0x02;
/// The supported_versions extension (RFC 8446 section 4.2.1).
const EXT_SUPPORTED_VERSIONS: u16 = 0x002B;
/// Largest TLSPlaintext fragment (RFC 8446 section 5.1).
pub(crate) const MAX_PLAINTEXT: usize = 1 << 14;

/// What a hostile scenario does once STARTTLS has been answered with 220.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Hostile {
    /// Sends nothing and keeps the connection open for [`SILENT_HOLD`].
    Silent,
    /// Answers the ClientHello with the first [`TRUNCATED_LEN`] bytes of an
    /// 80-byte ServerHello record, then stays silent for [`TRUNCATED_HOLD`].
    TruncatedServerHello,
    /// Answers the ClientHello with a handshake record of length 0xFFFF
    /// (65535 zero bytes), then closes.
    OversizedRecord,
    /// Answers the ClientHello with a TLS 1.2 ServerHello and a fatal
    /// handshake_failure alert, then closes.
    AlertMidHandshake,
    /// Answers the ClientHello with a ServerHello whose version is 0x0305,
    /// then closes.
    UnknownVersion,
}

/// silent-after-starttls: how long the connection is kept open.
pub(crate) const SILENT_HOLD: Duration = Duration::from_secs(600);
/// truncated-serverhello: how long the connection is kept open after the
/// truncated record.
pub(crate) const TRUNCATED_HOLD: Duration = Duration::from_secs(60);
/// truncated-serverhello: bytes of the ServerHello record actually sent.
pub(crate) const TRUNCATED_LEN: usize = 30;
/// oversized-record: the announced (and sent) record length.
pub(crate) const OVERSIZED_LEN: u16 = 0xFFFF;
/// The fatal handshake_failure alert of alert-mid-handshake.
pub(crate) const HANDSHAKE_FAILURE_ALERT: [u8; 7] =
    [CONTENT_ALERT, 0x03, 0x03, 0x00, 0x02, 0x02, 0x28];

impl Hostile {
    /// Plays the misbehaviour on a stream right after the STARTTLS 220.
    /// A first flight that is not a parseable TLS ClientHello record (an
    /// SSLv2-format hello, junk, nothing within the idle timeout) makes the
    /// server close the connection without sending anything.
    pub(crate) async fn run(self, mut io: BoxIo) {
        if self == Hostile::Silent {
            let _ = timeout(SILENT_HOLD, discard_until_eof(&mut io)).await;
            return;
        }
        let Some(hello) = read_client_hello(&mut io).await else {
            smtp::close(&mut io).await;
            return;
        };
        match self {
            Hostile::Silent => {}
            Hostile::TruncatedServerHello => {
                let record = truncated_server_hello(&hello, random32());
                let sent = TRUNCATED_LEN.min(record.len());
                if write_flush(&mut io, record.get(..sent).unwrap_or_default())
                    .await
                    .is_ok()
                {
                    let _ = timeout(TRUNCATED_HOLD, discard_until_eof(&mut io)).await;
                }
                return;
            }
            Hostile::OversizedRecord => {
                let len = usize::from(OVERSIZED_LEN);
                let mut out = Vec::with_capacity(5 + len);
                out.extend_from_slice(&[CONTENT_HANDSHAKE, 0x03, 0x03]);
                out.extend_from_slice(&OVERSIZED_LEN.to_be_bytes());
                out.resize(5 + len, 0);
                // The client may give up (and reset) early: that is fine.
                if timeout(IDLE_TIMEOUT, write_flush(&mut io, &out))
                    .await
                    .is_err()
                {
                    return;
                }
            }
            Hostile::AlertMidHandshake => {
                let Some(suite) = hello.first_suite(true) else {
                    smtp::close(&mut io).await;
                    return;
                };
                let mut out = ServerHello::tls12(random32(), suite).record();
                out.extend_from_slice(&HANDSHAKE_FAILURE_ALERT);
                if write_flush(&mut io, &out).await.is_err() {
                    return;
                }
            }
            Hostile::UnknownVersion => {
                let Some(suite) = hello.first_suite(false) else {
                    smtp::close(&mut io).await;
                    return;
                };
                let mut sh = ServerHello::tls12(random32(), suite);
                sh.version = 0x0305;
                if write_flush(&mut io, &sh.record()).await.is_err() {
                    return;
                }
            }
        }
        smtp::close(&mut io).await;
    }
}

pub(crate) async fn write_flush(io: &mut BoxIo, bytes: &[u8]) -> io::Result<()> {
    io.write_all(bytes).await?;
    io.flush().await
}

async fn discard_until_eof(io: &mut BoxIo) {
    let mut buf = [0u8; 4096];
    while let Ok(1..) = io.read(&mut buf).await {}
}

pub(crate) fn random32() -> [u8; 32] {
    let mut r = [0u8; 32];
    if openssl::rand::rand_bytes(&mut r).is_err() {
        // Never fails in practice; a fixed pattern is still a valid random.
        for (i, b) in r.iter_mut().enumerate() {
            *b = (i as u8).wrapping_mul(37).wrapping_add(11);
        }
    }
    r
}

/// The fields of a ClientHello the hostile servers look at.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct ClientHello {
    /// The record layer version.
    pub record_version: u16,
    /// ClientHello.legacy_version (client_version).
    pub legacy_version: u16,
    pub session_id: Vec<u8>,
    /// Cipher suites in the client's order, GREASE and SCSVs included.
    pub cipher_suites: Vec<u16>,
    /// The supported_versions extension, GREASE included; empty when the
    /// client sent none (or it is not in the first record).
    pub supported_versions: Vec<u16>,
}

impl ClientHello {
    /// The first "real" suite the client offered: GREASE values and the
    /// signalling suites (EMPTY_RENEGOTIATION_INFO, FALLBACK) are skipped.
    /// With `skip_tls13`, TLS 1.3 suites (0x13xx) are skipped too unless the
    /// client offered nothing else.
    pub(crate) fn first_suite(&self, skip_tls13: bool) -> Option<u16> {
        let real = || {
            self.cipher_suites
                .iter()
                .copied()
                .filter(|&s| !is_grease(s) && s != 0x00FF && s != 0x5600)
        };
        if skip_tls13 && let Some(s) = real().find(|s| s >> 8 != 0x13) {
            return Some(s);
        }
        real().next()
    }

    /// The highest version the client offers: the highest non-GREASE entry
    /// of supported_versions if there is one, else legacy_version.
    pub(crate) fn max_version(&self) -> u16 {
        self.supported_versions
            .iter()
            .copied()
            .filter(|&v| !is_grease(v))
            .max()
            .unwrap_or(self.legacy_version)
    }
}

/// RFC 8701 GREASE values: 0x0A0A, 0x1A1A, ..., 0xFAFA.
pub(crate) fn is_grease(v: u16) -> bool {
    v & 0x0F0F == 0x0A0A && v >> 8 == v & 0xFF
}

/// A bounds-checked reader over a byte slice.
pub(crate) struct Reader<'a>(pub(crate) &'a [u8]);

impl<'a> Reader<'a> {
    pub(crate) fn take(&mut self, n: usize) -> Option<&'a [u8]> {
        let head = self.0.get(..n)?;
        self.0 = self.0.get(n..)?;
        Some(head)
    }
    pub(crate) fn u8(&mut self) -> Option<u8> {
        self.take(1)?.first().copied()
    }
    pub(crate) fn u16(&mut self) -> Option<u16> {
        let b = self.take(2)?;
        Some(u16::from_be_bytes([*b.first()?, *b.get(1)?]))
    }
}

/// Parses the first handshake record of a client (header included).
/// Only the beginning of the ClientHello must be in this record: a message
/// continued in later records is fine as long as the cipher suites are here.
/// The compression methods and the extensions are read as far as this
/// record holds them, for supported_versions only.
pub(crate) fn parse_client_hello(record: &[u8]) -> Option<ClientHello> {
    let mut r = Reader(record);
    if r.u8()? != CONTENT_HANDSHAKE {
        return None;
    }
    let record_version = r.u16()?;
    if record_version >> 8 != 0x03 {
        return None;
    }
    let len = usize::from(r.u16()?);
    let mut r = Reader(r.take(len)?);
    if r.u8()? != HS_CLIENT_HELLO {
        return None;
    }
    r.take(3)?; // message length: may exceed this record
    let legacy_version = r.u16()?;
    r.take(32)?; // random
    let sid_len = usize::from(r.u8()?);
    if sid_len > 32 {
        return None;
    }
    let session_id = r.take(sid_len)?.to_vec();
    let cs_len = usize::from(r.u16()?);
    if cs_len == 0 || cs_len % 2 != 0 {
        return None;
    }
    let cipher_suites = r
        .take(cs_len)?
        .chunks_exact(2)
        .filter_map(|c| <[u8; 2]>::try_from(c).ok())
        .map(u16::from_be_bytes)
        .collect();
    Some(ClientHello {
        record_version,
        legacy_version,
        session_id,
        cipher_suites,
        supported_versions: supported_versions(r).unwrap_or_default(),
    })
}

/// The supported_versions list of what follows the cipher suites in a
/// ClientHello; `None` when there is none (or it is cut off or malformed).
fn supported_versions(mut r: Reader<'_>) -> Option<Vec<u16>> {
    let compression_len = usize::from(r.u8()?);
    r.take(compression_len)?;
    let ext_len = usize::from(r.u16()?);
    // A block continued in a later record: look at what is here.
    let mut r = Reader(r.0.get(..ext_len).unwrap_or(r.0));
    while let (Some(ty), Some(len)) = (r.u16(), r.u16()) {
        let data = r.take(usize::from(len))?;
        if ty == EXT_SUPPORTED_VERSIONS {
            let mut d = Reader(data);
            let list_len = usize::from(d.u8()?);
            let list = d.take(list_len)?;
            if list_len % 2 != 0 {
                return None;
            }
            return Some(
                list.chunks_exact(2)
                    .filter_map(|c| <[u8; 2]>::try_from(c).ok())
                    .map(u16::from_be_bytes)
                    .collect(),
            );
        }
    }
    None
}

/// Reads the client's first TLS record (bounded size and time) and parses
/// it as a ClientHello.
pub(crate) async fn read_client_hello(io: &mut BoxIo) -> Option<ClientHello> {
    let read = async {
        let mut header = [0u8; 5];
        io.read_exact(&mut header).await.ok()?;
        read_tls_record(io, header).await
    };
    let record = timeout(IDLE_TIMEOUT, read).await.ok().flatten()?;
    parse_client_hello(&record)
}

/// Reads the rest of a handshake record whose 5-byte header has been read:
/// the whole record (header included), or None if the header is not that of
/// a TLS handshake record of 1 to 2^14 bytes or the stream ends early.
pub(crate) async fn read_tls_record(io: &mut BoxIo, header: [u8; 5]) -> Option<Vec<u8>> {
    if header[0] != CONTENT_HANDSHAKE || header[1] != 0x03 {
        return None;
    }
    let len = usize::from(u16::from_be_bytes([header[3], header[4]]));
    if len == 0 || len > MAX_PLAINTEXT {
        return None;
    }
    let mut body = vec![0u8; len];
    io.read_exact(&mut body).await.ok()?;
    let mut record = header.to_vec();
    record.extend_from_slice(&body);
    Some(record)
}

/// A ServerHello, serialised by hand.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct ServerHello {
    /// Version in the record header.
    pub record_version: u16,
    /// ServerHello.server_version (legacy_version in TLS 1.3).
    pub version: u16,
    pub random: [u8; 32],
    /// At most 32 bytes (longer ones are cut).
    pub session_id: Vec<u8>,
    pub cipher_suite: u16,
    pub compression: u8,
    /// `None`: no extensions block at all (not even its length).
    pub extensions: Option<Vec<(u16, Vec<u8>)>>,
}

impl ServerHello {
    /// A TLS 1.2 ServerHello (record and server version 0x0303) with an
    /// empty session id, no compression and no extensions block.
    pub(crate) fn tls12(random: [u8; 32], cipher_suite: u16) -> Self {
        ServerHello {
            record_version: 0x0303,
            version: 0x0303,
            random,
            session_id: Vec::new(),
            cipher_suite,
            compression: 0,
            extensions: None,
        }
    }

    /// The handshake message: type, 24-bit length, body.
    pub(crate) fn message(&self) -> Vec<u8> {
        let mut body = Vec::with_capacity(96);
        body.extend_from_slice(&self.version.to_be_bytes());
        body.extend_from_slice(&self.random);
        let sid = self.session_id.get(..32).unwrap_or(&self.session_id);
        body.push(sid.len() as u8);
        body.extend_from_slice(sid);
        body.extend_from_slice(&self.cipher_suite.to_be_bytes());
        body.push(self.compression);
        if let Some(extensions) = &self.extensions {
            let mut block = Vec::new();
            for (ty, data) in extensions {
                block.extend_from_slice(&ty.to_be_bytes());
                block.extend_from_slice(&len16(data.len()));
                block.extend_from_slice(data);
            }
            body.extend_from_slice(&len16(block.len()));
            body.extend_from_slice(&block);
        }
        let mut msg = Vec::with_capacity(4 + body.len());
        msg.push(HS_SERVER_HELLO);
        let len = u32::try_from(body.len())
            .unwrap_or(0x00FF_FFFF)
            .min(0x00FF_FFFF);
        msg.extend_from_slice(&len.to_be_bytes()[1..]);
        msg.extend_from_slice(&body);
        msg
    }

    /// The message in one handshake record.
    pub(crate) fn record(&self) -> Vec<u8> {
        let msg = self.message();
        let mut out = Vec::with_capacity(5 + msg.len());
        out.push(CONTENT_HANDSHAKE);
        out.extend_from_slice(&self.record_version.to_be_bytes());
        out.extend_from_slice(&len16(msg.len()));
        out.extend_from_slice(&msg);
        out
    }
}

pub(crate) fn len16(n: usize) -> [u8; 2] {
    u16::try_from(n).unwrap_or(u16::MAX).to_be_bytes()
}

/// The full 85-byte record whose first [`TRUNCATED_LEN`] bytes the
/// truncated-serverhello scenario sends: a TLS 1.2 ServerHello with a fresh
/// 32-byte session id, the client's first non-TLS 1.3 suite and an
/// extended_master_secret extension, so that the header announces 80 bytes.
pub(crate) fn truncated_server_hello(hello: &ClientHello, random: [u8; 32]) -> Vec<u8> {
    let mut session_id = random;
    session_id.reverse();
    let sh = ServerHello {
        session_id: session_id.to_vec(),
        extensions: Some(vec![(0x0017, Vec::new())]),
        ..ServerHello::tls12(random, hello.first_suite(true).unwrap_or(0xC02F))
    };
    sh.record()
}

/// A stream whose writes go out one byte at a time: every `poll_write`
/// passes at most one byte to the inner stream, after flushing the previous
/// one. With TCP_NODELAY each byte is its own TCP segment (unless the kernel
/// coalesces them while an earlier segment still sits in the device queue,
/// see net.ipv4.tcp_autocorking). Reads are passed through.
pub(crate) struct OneByteWrites<S> {
    inner: S,
}

impl<S> OneByteWrites<S> {
    pub(crate) fn new(inner: S) -> Self {
        OneByteWrites { inner }
    }
}

impl<S: AsyncRead + Unpin> AsyncRead for OneByteWrites<S> {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_read(cx, buf)
    }
}

impl<S: AsyncWrite + Unpin> AsyncWrite for OneByteWrites<S> {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        ready!(Pin::new(&mut self.inner).poll_flush(cx))?;
        let one = buf.get(..1).unwrap_or(buf);
        Pin::new(&mut self.inner).poll_write(cx, one)
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_shutdown(cx)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A ClientHello record: TLS 1.2, the given session id and suites, no
    /// extensions.
    fn client_hello(sid: &[u8], suites: &[u16]) -> Vec<u8> {
        let mut body = vec![0x03, 0x03];
        body.extend_from_slice(&[7u8; 32]);
        body.push(sid.len() as u8);
        body.extend_from_slice(sid);
        body.extend_from_slice(&((suites.len() * 2) as u16).to_be_bytes());
        for s in suites {
            body.extend_from_slice(&s.to_be_bytes());
        }
        body.extend_from_slice(&[1, 0]);
        let mut hs = vec![1, 0, 0, body.len() as u8];
        hs.extend_from_slice(&body);
        let mut rec = vec![0x16, 0x03, 0x01, 0, hs.len() as u8];
        rec.extend_from_slice(&hs);
        rec
    }

    #[test]
    fn parses_client_hello() {
        let rec = client_hello(&[9; 32], &[0x1301, 0xC02F, 0x00FF]);
        let ch = parse_client_hello(&rec).expect("parses");
        assert_eq!(ch.record_version, 0x0301);
        assert_eq!(ch.legacy_version, 0x0303);
        assert_eq!(ch.session_id, [9; 32]);
        assert_eq!(ch.cipher_suites, [0x1301, 0xC02F, 0x00FF]);
        assert_eq!(ch.first_suite(true), Some(0xC02F));
        assert_eq!(ch.first_suite(false), Some(0x1301));
    }

    /// `client_hello` with an extensions block.
    fn client_hello_ext(suites: &[u16], extensions: &[(u16, Vec<u8>)]) -> Vec<u8> {
        let mut rec = client_hello(&[], suites);
        let mut block = Vec::new();
        for (ty, data) in extensions {
            block.extend_from_slice(&ty.to_be_bytes());
            block.extend_from_slice(&len16(data.len()));
            block.extend_from_slice(data);
        }
        rec.extend_from_slice(&len16(block.len()));
        rec.extend_from_slice(&block);
        let hs_len = (rec.len() - 9) as u32;
        rec[6..9].copy_from_slice(&hs_len.to_be_bytes()[1..]);
        let rec_len = len16(rec.len() - 5);
        rec[3..5].copy_from_slice(&rec_len);
        rec
    }

    #[test]
    fn reads_supported_versions() {
        let plain = parse_client_hello(&client_hello(&[], &[0x002F])).expect("parses");
        assert!(plain.supported_versions.is_empty());
        assert_eq!(plain.max_version(), 0x0303);

        let sv = vec![6, 0x7A, 0x7A, 0x03, 0x04, 0x03, 0x03];
        let rec = client_hello_ext(&[0x1301], &[(0x000A, vec![0, 2, 0, 29]), (0x002B, sv)]);
        let ch = parse_client_hello(&rec).expect("parses");
        assert_eq!(ch.supported_versions, [0x7A7A, 0x0304, 0x0303]);
        assert_eq!(ch.max_version(), 0x0304, "GREASE is not a version");

        // Only GREASE: legacy_version counts.
        let rec = client_hello_ext(&[0x1301], &[(0x002B, vec![2, 0x1A, 0x1A])]);
        let ch = parse_client_hello(&rec).expect("parses");
        assert_eq!(ch.max_version(), 0x0303);

        // A lower supported_versions wins over legacy_version.
        let rec = client_hello_ext(&[0x002F], &[(0x002B, vec![2, 0x03, 0x00])]);
        assert_eq!(
            parse_client_hello(&rec).expect("parses").max_version(),
            0x0300
        );

        // Continued in a later record, cut off inside the extension, or
        // malformed: as if absent; the hello still parses.
        let rec = client_hello_ext(&[0x002F], &[(0x002B, vec![4, 0x03, 0x04, 0x03, 0x03])]);
        for n in rec.len() - 9..rec.len() {
            let mut cut = rec[..n].to_vec();
            cut[3..5].copy_from_slice(&len16(n - 5));
            let ch = parse_client_hello(&cut).expect("the start of a hello parses");
            assert!(ch.supported_versions.is_empty(), "{n}");
        }
        assert_eq!(
            parse_client_hello(&rec).expect("parses").supported_versions,
            [0x0304, 0x0303]
        );
        let odd = client_hello_ext(&[0x002F], &[(0x002B, vec![3, 0x03, 0x04, 0x03])]);
        let ch = parse_client_hello(&odd).expect("parses");
        assert!(ch.supported_versions.is_empty());
    }

    #[test]
    fn first_suite_skips_grease_and_scsv() {
        let ch = ClientHello {
            record_version: 0x0301,
            legacy_version: 0x0303,
            session_id: vec![],
            cipher_suites: vec![0x2A2A, 0x00FF, 0x5600, 0x1302, 0x1301],
            supported_versions: vec![],
        };
        assert_eq!(ch.first_suite(true), Some(0x1302));
        assert_eq!(ch.first_suite(false), Some(0x1302));
        let only_grease = ClientHello {
            cipher_suites: vec![0xFAFA, 0x00FF],
            ..ch
        };
        assert_eq!(only_grease.first_suite(true), None);
        assert!(is_grease(0x0A0A) && is_grease(0xDADA) && !is_grease(0x0A1A));
    }

    #[test]
    fn every_truncation_and_mutation_is_handled() {
        let rec = client_hello(&[1, 2, 3], &[0xC02F, 0xC030]);
        for n in 0..rec.len() {
            // Truncated records never panic; the full one parses.
            let _ = parse_client_hello(&rec[..n]);
        }
        for i in 0..rec.len() {
            for v in [0x00, 0x01, 0x7F, 0xFF] {
                let mut m = rec.clone();
                m[i] = v;
                let _ = parse_client_hello(&m);
            }
        }
        assert!(parse_client_hello(&rec).is_some());
        // SSLv2-format hello, alert, odd suite length.
        assert!(parse_client_hello(&[0x80, 0x2e, 0x01, 0x00, 0x02]).is_none());
        assert!(parse_client_hello(&[0x15, 0x03, 0x03, 0x00, 0x02, 0x02, 0x28]).is_none());
        let mut odd = client_hello(&[], &[0xC02F]);
        odd[5 + 4 + 2 + 32 + 1 + 1] = 3;
        assert!(parse_client_hello(&odd).is_none());
    }

    #[test]
    fn server_hello_bytes() {
        let sh = ServerHello::tls12([0xAB; 32], 0xC02F);
        let rec = sh.record();
        let mut want = vec![
            0x16, 0x03, 0x03, 0x00, 0x2a, 0x02, 0x00, 0x00, 0x26, 0x03, 0x03,
        ];
        want.extend_from_slice(&[0xAB; 32]);
        want.extend_from_slice(&[0x00, 0xC0, 0x2F, 0x00]);
        assert_eq!(rec, want);

        let with_ext = ServerHello {
            session_id: vec![5; 40],
            extensions: Some(vec![(0x0017, vec![]), (0xff01, vec![0])]),
            ..sh
        };
        let rec = with_ext.record();
        // 38 + 32 (session id, cut at 32) + 2 + 4 + 5 = 81-byte body.
        assert_eq!(
            &rec[..9],
            &[0x16, 0x03, 0x03, 0x00, 85, 0x02, 0x00, 0x00, 81]
        );
        assert_eq!(rec[5 + 4 + 2 + 32], 32);
        assert_eq!(
            &rec[rec.len() - 11..],
            &[
                0x00, 0x09, 0x00, 0x17, 0x00, 0x00, 0xff, 0x01, 0x00, 0x01, 0x00
            ]
        );
    }

    #[test]
    fn truncated_server_hello_announces_80_bytes() {
        let ch = parse_client_hello(&client_hello(&[], &[0x1301, 0xC02B])).expect("parses");
        let rec = truncated_server_hello(&ch, [3; 32]);
        assert_eq!(rec.len(), 85);
        assert_eq!(
            &rec[..11],
            &[
                0x16, 0x03, 0x03, 0x00, 0x50, 0x02, 0x00, 0x00, 0x4c, 0x03, 0x03
            ]
        );
        // session id length, suite, compression, extensions
        assert_eq!(rec[43], 32);
        assert_eq!(
            &rec[76..],
            &[0xC0, 0x2B, 0x00, 0x00, 0x04, 0x00, 0x17, 0x00, 0x00]
        );
    }

    /// Records every write it gets.
    #[derive(Default)]
    struct Sink {
        writes: Vec<usize>,
        flushes: usize,
        data: Vec<u8>,
    }

    impl AsyncWrite for Sink {
        fn poll_write(
            mut self: Pin<&mut Self>,
            _cx: &mut Context<'_>,
            buf: &[u8],
        ) -> Poll<io::Result<usize>> {
            self.writes.push(buf.len());
            self.data.extend_from_slice(buf);
            Poll::Ready(Ok(buf.len()))
        }
        fn poll_flush(mut self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<io::Result<()>> {
            self.flushes += 1;
            Poll::Ready(Ok(()))
        }
        fn poll_shutdown(self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<io::Result<()>> {
            Poll::Ready(Ok(()))
        }
    }

    impl AsyncRead for Sink {
        fn poll_read(
            self: Pin<&mut Self>,
            _cx: &mut Context<'_>,
            _buf: &mut ReadBuf<'_>,
        ) -> Poll<io::Result<()>> {
            Poll::Ready(Ok(()))
        }
    }

    #[tokio::test]
    async fn one_byte_writes() {
        let mut w = OneByteWrites::new(Sink::default());
        w.write_all(b"220 hello\r\n").await.expect("write");
        w.write_all(&[0u8; 300]).await.expect("write");
        w.flush().await.expect("flush");
        let sink = w.inner;
        assert_eq!(sink.data.len(), 311);
        assert_eq!(&sink.data[..11], b"220 hello\r\n");
        assert_eq!(sink.writes.len(), 311);
        assert!(sink.writes.iter().all(|&n| n == 1));
        // A flush before every byte, and the final one.
        assert_eq!(sink.flushes, 312);
    }
}
