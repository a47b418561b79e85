//! Reading one SMTP command line on the server side, bounded: for the SMTP server session
//! ([`crate::observe::smtp_server`]) of the capture server and the lab.

use std::io;
use tokio::io::{AsyncBufRead, AsyncBufReadExt};

/// One line read from a client.
#[derive(Debug, PartialEq, Eq)]
pub enum Line {
    /// A line without its line ending (CRLF or bare LF).
    Text(Vec<u8>),
    /// The line exceeded the limit; the connection must be closed (the rest of the line was not
    /// read).
    TooLong,
    /// End of stream (a partial last line without line ending is dropped).
    Eof,
}

/// Reads one line of at most `cap` bytes (line ending excluded), never buffering more than
/// `cap + 1` bytes of it, whatever the client sends.
pub async fn read_line<R: AsyncBufRead + Unpin + ?Sized>(
    r: &mut R,
    cap: usize,
) -> io::Result<Line> {
    let mut line = Vec::new();
    loop {
        let avail = r.fill_buf().await?;
        if avail.is_empty() {
            return Ok(Line::Eof);
        }
        match avail.iter().position(|&b| b == b'\n') {
            Some(i) => {
                line.extend_from_slice(avail.get(..i).unwrap_or_default());
                r.consume(i + 1);
                if line.last() == Some(&b'\r') {
                    line.pop();
                }
                return Ok(if line.len() > cap {
                    Line::TooLong
                } else {
                    Line::Text(line)
                });
            }
            None => {
                let n = avail.len();
                line.extend_from_slice(avail);
                r.consume(n);
                // +1: the line may still end with a CR that is not counted.
                if line.len() > cap + 1 {
                    return Ok(Line::TooLong);
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tokio::io::BufReader;

    #[tokio::test]
    async fn variants() {
        let data: &[u8] = b"EHLO a\r\nNOOP\nxxxxxxxxxx\r\npartial";
        let mut r = BufReader::new(data);
        assert_eq!(
            read_line(&mut r, 100).await.ok(),
            Some(Line::Text(b"EHLO a".to_vec()))
        );
        assert_eq!(
            read_line(&mut r, 100).await.ok(),
            Some(Line::Text(b"NOOP".to_vec()))
        );
        assert_eq!(read_line(&mut r, 5).await.ok(), Some(Line::TooLong));
        assert_eq!(read_line(&mut r, 100).await.ok(), Some(Line::Eof));
    }

    #[tokio::test]
    async fn cap_without_newline() {
        let data = vec![b'x'; 100_000];
        let mut r = BufReader::new(&data[..]);
        assert_eq!(read_line(&mut r, 512).await.ok(), Some(Line::TooLong));
    }
}
