//! A stream that first yields bytes already read from it, then reads on; optionally recording
//! what passes both ways.
//!
//! Whoever reads a protocol line by line may read past the point where TLS begins: the probe
//! (bytes the server sent after its 220 to STARTTLS) and the capture server (the ClientHello it
//! reads itself before rustls sees it). [`Replay`] hands those bytes to the TLS layer first. The
//! probe also records the raw handshake with a [`Recorder`].

use std::io;
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};
use std::time::{Duration, Instant};
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use wire::tls::Direction;

/// Bytes that passed, in order: (direction, time since the recorder's start, bytes).
pub type Chunks = Vec<(Direction, Duration, Vec<u8>)>;

/// A stream that first replays `prefix` (bytes already read from `inner`), then reads from
/// `inner`. Writes go to `inner`. With a [`Recorder`], every byte read (the replayed ones
/// included) and written is recorded.
pub struct Replay<S> {
    inner: S,
    prefix: Vec<u8>,
    pos: usize,
    recorder: Option<Recorder>,
    skip: Option<SmtpSkip>,
}

/// SMTP reply lines that come before the first TLS byte, taken out of the stream (see
/// [`Replay::skipping_smtp_replies`]).
struct SmtpSkip {
    pending: Vec<u8>,
    lines: Arc<Mutex<Vec<String>>>,
}

/// The longest reply line taken out, and how many at most: past either, the bytes go on to
/// TLS as they are (which then fails on them).
const SKIP_LINE_MAX: usize = 512;
const SKIP_LINES_MAX: usize = 16;

/// What the first bytes still pending are: an SMTP reply line to take out (its length with the
/// line end), something to pass on, or too few bytes to tell.
enum Pending {
    Line(usize),
    Pass,
    More,
}

fn classify(pending: &[u8], taken: usize) -> Pending {
    match pending.first() {
        None => Pending::More,
        Some(b) if !b.is_ascii_digit() || taken >= SKIP_LINES_MAX => Pending::Pass,
        Some(_) => match pending.iter().position(|&b| b == b'\n') {
            Some(i) if i < SKIP_LINE_MAX => Pending::Line(i + 1),
            Some(_) => Pending::Pass,
            None if pending.len() < SKIP_LINE_MAX => Pending::More,
            None => Pending::Pass,
        },
    }
}

impl<S> Replay<S> {
    /// Yields `prefix`, then what `inner` yields.
    pub fn new(inner: S, prefix: Vec<u8>) -> Self {
        Replay {
            inner,
            prefix,
            pos: 0,
            recorder: None,
            skip: None,
        }
    }

    /// Takes SMTP reply lines (a digit first, a line end within 512 bytes; 16 at most) out of
    /// the stream until its first other byte, collecting them in `lines`: a server that answers
    /// a command pipelined after STARTTLS in plaintext, before TLS, does so right before its
    /// first TLS record. The bytes after are passed on as they come.
    pub fn skipping_smtp_replies(mut self, lines: Arc<Mutex<Vec<String>>>) -> Self {
        let pending = self.prefix.split_off(self.pos.min(self.prefix.len()));
        self.prefix.clear();
        self.pos = 0;
        self.skip = Some(SmtpSkip { pending, lines });
        self
    }

    /// Records what passes in `recorder` (a shared handle: keep a clone to read it).
    pub fn recording(mut self, recorder: Recorder) -> Self {
        self.recorder = Some(recorder);
        self
    }

    /// The inner stream.
    pub fn get_ref(&self) -> &S {
        &self.inner
    }

    fn record(&self, read: bool, data: &[u8]) {
        if let Some(r) = &self.recorder {
            r.push(read, data);
        }
    }
}

impl<S: AsyncRead + Unpin> AsyncRead for Replay<S> {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let this = &mut *self;
        while let Some(skip) = this.skip.as_mut() {
            let taken = skip.lines.lock().map(|l| l.len()).unwrap_or(SKIP_LINES_MAX);
            match classify(&skip.pending, taken) {
                Pending::Line(n) => {
                    let line: Vec<u8> = skip.pending.drain(..n).collect();
                    let text = String::from_utf8_lossy(&line).trim_end().to_string();
                    if let Ok(mut l) = skip.lines.lock() {
                        l.push(text);
                    }
                }
                Pending::Pass => {
                    // From here on the bytes go on as they are, through the prefix.
                    this.prefix = std::mem::take(&mut skip.pending);
                    this.pos = 0;
                    this.skip = None;
                }
                Pending::More => {
                    let mut chunk = [0u8; 4096];
                    let mut rb = ReadBuf::new(&mut chunk);
                    match Pin::new(&mut this.inner).poll_read(cx, &mut rb) {
                        Poll::Ready(Ok(())) if rb.filled().is_empty() => {
                            // The end: whatever is pending goes on.
                            this.prefix = std::mem::take(&mut skip.pending);
                            this.pos = 0;
                            this.skip = None;
                        }
                        Poll::Ready(Ok(())) => skip.pending.extend_from_slice(rb.filled()),
                        Poll::Ready(Err(e)) => return Poll::Ready(Err(e)),
                        Poll::Pending => return Poll::Pending,
                    }
                }
            }
        }
        if let Some(rest) = this.prefix.get(this.pos..).filter(|r| !r.is_empty()) {
            let n = rest.len().min(buf.remaining());
            let data = rest.get(..n).unwrap_or_default();
            buf.put_slice(data);
            this.record(true, data);
            this.pos += n;
            return Poll::Ready(Ok(()));
        }
        let before = buf.filled().len();
        let r = Pin::new(&mut this.inner).poll_read(cx, buf);
        if let Poll::Ready(Ok(())) = &r {
            this.record(true, buf.filled().get(before..).unwrap_or_default());
        }
        r
    }
}

impl<S: AsyncWrite + Unpin> AsyncWrite for Replay<S> {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        data: &[u8],
    ) -> Poll<io::Result<usize>> {
        let this = &mut *self;
        let r = Pin::new(&mut this.inner).poll_write(cx, data);
        if let Poll::Ready(Ok(n)) = &r {
            this.record(false, data.get(..*n).unwrap_or(data));
        }
        r
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_shutdown(cx)
    }
}

/// A shared, bounded record of the bytes that pass through a [`Replay`].
#[derive(Clone)]
pub struct Recorder {
    inner: Arc<Mutex<Record>>,
}

struct Record {
    chunks: Chunks,
    bytes: usize,
    limit: usize,
    on: bool,
    start: Instant,
    /// The direction of the bytes read (the bytes written go the other way).
    reads: Direction,
}

impl Recorder {
    /// Records at most `limit` bytes; times are counted from `start`; bytes read travel in
    /// direction `reads` (`ServerToClient` for a client), bytes written the other way.
    pub fn new(start: Instant, limit: usize, reads: Direction) -> Self {
        Recorder {
            inner: Arc::new(Mutex::new(Record {
                chunks: Vec::new(),
                bytes: 0,
                limit,
                on: true,
                start,
                reads,
            })),
        }
    }

    /// Records nothing more.
    pub fn stop(&self) {
        if let Ok(mut r) = self.inner.lock() {
            r.on = false;
        }
    }

    /// What was recorded so far (and is no longer kept).
    pub fn take(&self) -> Chunks {
        self.inner
            .lock()
            .map(|mut r| std::mem::take(&mut r.chunks))
            .unwrap_or_default()
    }

    fn push(&self, read: bool, data: &[u8]) {
        let Ok(mut r) = self.inner.lock() else {
            return;
        };
        if !r.on || r.bytes >= r.limit || data.is_empty() {
            return;
        }
        let take = data.len().min(r.limit - r.bytes);
        r.bytes += take;
        let at = r.start.elapsed();
        let dir = match (read, r.reads) {
            (true, d) => d,
            (false, Direction::ServerToClient) => Direction::ClientToServer,
            (false, Direction::ClientToServer) => Direction::ServerToClient,
        };
        r.chunks
            .push((dir, at, data.get(..take).unwrap_or_default().to_vec()));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tokio::io::{AsyncReadExt, AsyncWriteExt};

    #[tokio::test]
    async fn replays_then_reads_and_records_both_ways() {
        let (mut far, near) = tokio::io::duplex(64);
        far.write_all(b"world").await.unwrap();
        let rec = Recorder::new(Instant::now(), 1024, Direction::ServerToClient);
        let mut s = Replay::new(near, b"hello ".to_vec()).recording(rec.clone());
        let mut got = vec![0u8; 11];
        s.read_exact(&mut got).await.unwrap();
        assert_eq!(got, b"hello world");
        s.write_all(b"ok").await.unwrap();
        let mut back = [0u8; 2];
        far.read_exact(&mut back).await.unwrap();
        assert_eq!(&back, b"ok");
        let chunks = rec.take();
        let read: Vec<u8> = chunks
            .iter()
            .filter(|c| c.0 == Direction::ServerToClient)
            .flat_map(|c| c.2.clone())
            .collect();
        assert_eq!(read, b"hello world");
        assert!(
            chunks
                .iter()
                .any(|c| c.0 == Direction::ClientToServer && c.2 == b"ok")
        );
        rec.stop();
        s.write_all(b"x").await.unwrap();
        assert!(rec.take().is_empty());
    }

    #[tokio::test]
    async fn the_record_is_bounded() {
        let (_far, near) = tokio::io::duplex(64);
        let rec = Recorder::new(Instant::now(), 4, Direction::ClientToServer);
        let mut s = Replay::new(near, b"abcdefgh".to_vec()).recording(rec.clone());
        let mut got = [0u8; 8];
        s.read_exact(&mut got).await.unwrap();
        let chunks = rec.take();
        assert_eq!(chunks.len(), 1);
        assert_eq!(chunks[0].2, b"abcd");
        assert_eq!(chunks[0].0, Direction::ClientToServer);
    }

    /// Reply lines before the first TLS byte are taken out, whether they came with the prefix
    /// or later, whole or a byte at a time; the TLS bytes after them pass untouched.
    #[tokio::test]
    async fn smtp_replies_before_tls_are_taken_out() {
        let tls = [0x16u8, 3, 1, 0, 2, 0xab, 0xcd];
        for split in [1usize, 3, 64] {
            let (mut far, near) = tokio::io::duplex(4096);
            let lines = Arc::new(Mutex::new(Vec::new()));
            let mut s = Replay::new(near, b"250 2.0.0 Ok\r\n25".to_vec())
                .skipping_smtp_replies(lines.clone());
            let mut rest = b"0 second\r\n".to_vec();
            rest.extend_from_slice(&tls);
            let writer = tokio::spawn(async move {
                for c in rest.chunks(split) {
                    far.write_all(c).await.unwrap();
                }
                far
            });
            let mut got = vec![0u8; tls.len()];
            s.read_exact(&mut got).await.unwrap();
            assert_eq!(got, tls, "split {split}");
            assert_eq!(
                *lines.lock().unwrap(),
                vec!["250 2.0.0 Ok".to_string(), "250 second".to_string()]
            );
            drop(writer.await.unwrap());
        }
    }

    /// No reply first: nothing is taken; bytes that are neither (a long digit run without a
    /// line end) pass on as they are.
    #[tokio::test]
    async fn other_bytes_pass_untouched() {
        let (mut far, near) = tokio::io::duplex(4096);
        let lines = Arc::new(Mutex::new(Vec::new()));
        let mut s = Replay::new(near, Vec::new()).skipping_smtp_replies(lines.clone());
        far.write_all(&[0x16, 3, 3]).await.unwrap();
        let mut got = [0u8; 3];
        s.read_exact(&mut got).await.unwrap();
        assert_eq!(got, [0x16, 3, 3]);
        let long = vec![b'9'; 600];
        let (mut far, near) = tokio::io::duplex(4096);
        let mut s = Replay::new(near, Vec::new()).skipping_smtp_replies(lines.clone());
        far.write_all(&long).await.unwrap();
        drop(far);
        let mut got = Vec::new();
        s.read_to_end(&mut got).await.unwrap();
        assert_eq!(got, long);
        assert!(lines.lock().unwrap().is_empty());
    }
}
