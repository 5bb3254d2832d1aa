//! One HTTP request as saved to a file (`curl --trace`, a proxy's dump, `nc -l > req`): its
//! headers and exact body, for checking a delivery later.

/// A request's headers (names lowercased) and exact body.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Request {
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl Request {
    /// The first header with this name, any case.
    pub fn header(&self, name: &str) -> Option<&str> {
        let name = name.to_ascii_lowercase();
        self.headers.iter().find(|(n, _)| *n == name).map(|(_, v)| v.as_str())
    }
}

/// Reads `METHOD path HTTP/1.1`, header lines, a blank line and the body. Lines may end in
/// CRLF or LF; a `Content-Length` shorter than what follows cuts the body (a trailing newline
/// added by an editor is not part of what was signed).
pub fn parse_request(raw: &[u8]) -> Result<Request, String> {
    let (head, body) =
        split_head(raw).ok_or("no blank line after the headers: save the whole request, headers then body")?;
    let head = std::str::from_utf8(head).map_err(|_| "the headers are not UTF-8 text".to_string())?;
    let mut lines = head.lines();
    let first = lines.next().unwrap_or_default();
    if !first.contains("HTTP/") {
        return Err(format!("the first line should be the request line (POST /path HTTP/1.1), not {first:?}"));
    }
    let mut headers = Vec::new();
    for (n, line) in lines.enumerate() {
        let line = line.trim_end_matches('\r');
        let (name, value) =
            line.split_once(':').ok_or_else(|| format!("header line {} has no colon: {line:?}", n + 2))?;
        headers.push((name.trim().to_ascii_lowercase(), value.trim().to_string()));
    }
    let request = Request { headers, body: body.to_vec() };
    if request.header("transfer-encoding").is_some_and(|t| t.to_ascii_lowercase().contains("chunked")) {
        return Err("the body is chunked: save it decoded, with a Content-Length".into());
    }
    let length = match request.header("content-length") {
        Some(v) => Some(v.parse::<usize>().map_err(|_| format!("Content-Length is {v:?}, not a number"))?),
        None => None,
    };
    let mut request = request;
    if let Some(len) = length {
        if len > request.body.len() {
            return Err(format!("Content-Length says {len} bytes but the body has {}", request.body.len()));
        }
        request.body.truncate(len);
    }
    Ok(request)
}

/// The head and the body, split at the first blank line (CRLF CRLF, or LF LF).
fn split_head(raw: &[u8]) -> Option<(&[u8], &[u8])> {
    let crlf = raw.windows(4).position(|w| w == b"\r\n\r\n").map(|i| (i, 4));
    let lf = raw.windows(2).position(|w| w == b"\n\n").map(|i| (i, 2));
    let (at, skip) = match (crlf, lf) {
        (Some(a), Some(b)) => {
            if a.0 < b.0 {
                a
            } else {
                b
            }
        }
        (a, b) => a.or(b)?,
    };
    Some((&raw[..at], &raw[at + skip..]))
}
