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
}

impl<S> Replay<S> {
    /// Yields `prefix`, then what `inner` yields.
    pub fn new(inner: S, prefix: Vec<u8>) -> Self {
        Replay {
            inner,
            prefix,
            pos: 0,
            recorder: None,
        }
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
}
