//! HTTP/1.x responses, as far as fetching a certificate needs: status, headers, a body delimited
//! by Content-Length, chunked encoding (RFC 9112 7.1) or the close. Never panics on any bytes.

/// A complete HTTP/1.x response.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Response {
    /// The status code, e.g. 200.
    pub status: u16,
    /// The status line as sent (at most 120 characters).
    pub status_line: String,
    /// Header fields in order, names in lower case, values trimmed.
    pub headers: Vec<(String, String)>,
    /// The body, with chunked transfer coding removed.
    pub body: Vec<u8>,
}

impl Response {
    /// The first value of header `name` (lower case).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }
}

/// Parse a complete HTTP/1.x response of any status: status line, header fields, and a body
/// delimited by Content-Length, chunked coding (RFC 9112 7.1) or the close.
pub fn parse_full(buf: &[u8]) -> Result<Response, String> {
    let end = buf
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .ok_or_else(|| "the answer is not HTTP (no end of headers)".to_string())?;
    let head = String::from_utf8_lossy(buf.get(..end).unwrap_or_default()).into_owned();
    let body = buf.get(end + 4..).unwrap_or_default();
    let mut lines = head.split("\r\n");
    let status_line = lines.next().unwrap_or_default();
    let short: String = status_line.chars().take(120).collect();
    if !status_line.starts_with("HTTP/1.") {
        return Err(format!(
            "the answer is not HTTP: {}",
            status_line.chars().take(60).collect::<String>()
        ));
    }
    let status = status_line
        .split_whitespace()
        .nth(1)
        .and_then(|c| c.parse::<u16>().ok())
        .filter(|c| (100..=999).contains(c))
        .ok_or_else(|| format!("the status line has no status code: {short}"))?;
    let mut headers = Vec::new();
    let mut length = None;
    let mut chunked = false;
    for l in lines {
        let Some((k, v)) = l.split_once(':') else {
            continue;
        };
        let (k, v) = (k.trim().to_ascii_lowercase(), v.trim());
        if k == "content-length" {
            length = Some(
                v.parse::<usize>()
                    .map_err(|_| format!("bad Content-Length {v}"))?,
            );
        } else if k == "transfer-encoding" && v.to_ascii_lowercase().contains("chunked") {
            chunked = true;
        }
        headers.push((k, v.to_string()));
    }
    let body = if chunked {
        dechunk(body)?
    } else {
        match length {
            Some(n) => body
                .get(..n)
                .map(<[u8]>::to_vec)
                .ok_or_else(|| format!("the answer was cut short ({} of {n} bytes)", body.len()))?,
            None => body.to_vec(),
        }
    };
    Ok(Response {
        status,
        status_line: short,
        headers,
        body,
    })
}

/// The body of a complete HTTP/1.x response with status 200 (Content-Length, chunked, or
/// delimited by the close).
pub fn parse_response(buf: &[u8]) -> Result<Vec<u8>, String> {
    let r = parse_full(buf)?;
    if r.status != 200 {
        return Err(format!("the server answered {}", r.status_line));
    }
    Ok(r.body)
}

fn dechunk(mut body: &[u8]) -> Result<Vec<u8>, String> {
    let mut out = Vec::new();
    loop {
        let eol = body
            .windows(2)
            .position(|w| w == b"\r\n")
            .ok_or_else(|| "a chunked answer cut short".to_string())?;
        let size_text = String::from_utf8_lossy(body.get(..eol).unwrap_or_default()).into_owned();
        let size =
            usize::from_str_radix(size_text.split(';').next().unwrap_or_default().trim(), 16)
                .map_err(|_| format!("bad chunk size {size_text:?}"))?;
        body = body.get(eol + 2..).unwrap_or_default();
        if size == 0 {
            return Ok(out);
        }
        let data = body
            .get(..size)
            .ok_or_else(|| "a chunk cut short".to_string())?;
        out.extend_from_slice(data);
        body = body.get(size + 2..).unwrap_or_default();
    }
}
