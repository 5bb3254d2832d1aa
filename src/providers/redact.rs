//! Redaction: keys and URL credentials never leave the HTTP layer. A provider may echo the key
//! anywhere (an error message, a request-id header, a field of a body), so the HTTP layer
//! redacts every response's headers and body as they arrive, before anything reads them, and
//! every string it builds itself (URLs, transport errors). Whatever is printed or stored later
//! (stderr, `audit.jsonl`, `requests.jsonl`, curl exports) derives from redacted data.

use std::borrow::Cow;

use bytes::Bytes;
use reqwest::header::{HeaderMap, HeaderValue};

use super::error::ProviderError;

pub const REDACTED: &str = "[redacted]";

/// The secret values of one request: its key(s) and the password of its URL, if any.
#[derive(Clone, Debug, Default)]
pub struct Redactor {
    /// Longest first, so a key that contains another is replaced whole.
    secrets: Vec<String>,
}

impl Redactor {
    pub fn new(secrets: impl IntoIterator<Item = String>) -> Redactor {
        let mut secrets: Vec<String> = secrets.into_iter().filter(|s| !s.is_empty()).collect();
        // The percent-decoded form too: a URL password is stored encoded but echoed decoded.
        // And each form an answer may write a key in: a JSON string escapes `"` and `\` (some
        // servers `/` too), a URL percent-encodes; a body is redacted as text before it is
        // decoded, so the key must be found as it is written there.
        let written: Vec<String> = secrets
            .iter()
            .flat_map(|s| [percent_decode(s), Some(json_escaped(s)), Some(json_escaped(s).replace('/', "\\/"))])
            .chain(secrets.iter().map(|s| Some(url::form_urlencoded::byte_serialize(s.as_bytes()).collect())))
            .flatten()
            .filter(|d| !d.is_empty())
            .collect();
        secrets.extend(written);
        secrets.sort_by(|a, b| b.len().cmp(&a.len()).then_with(|| a.cmp(b)));
        secrets.dedup();
        Redactor { secrets }
    }

    /// `text` with every secret and every URL's userinfo replaced by `[redacted]`.
    pub fn text(&self, text: &str) -> String {
        let mut out = userinfo(text).into_owned();
        for s in &self.secrets {
            if out.contains(s.as_str()) {
                out = out.replace(s.as_str(), REDACTED);
            }
        }
        out
    }

    /// A body with every secret replaced; untouched (no copy) when it holds none. Replacing
    /// inside a JSON string keeps the JSON valid: `[redacted]` needs no escaping.
    pub fn bytes(&self, body: Bytes) -> Bytes {
        let mut current = body;
        for s in &self.secrets {
            let needle = s.as_bytes();
            if find(&current, needle).is_none() {
                continue;
            }
            let mut out = Vec::with_capacity(current.len());
            let mut rest: &[u8] = &current;
            while let Some(i) = find(rest, needle) {
                out.extend_from_slice(&rest[..i]);
                out.extend_from_slice(REDACTED.as_bytes());
                rest = &rest[i + needle.len()..];
            }
            out.extend_from_slice(rest);
            current = Bytes::from(out);
        }
        current
    }

    pub fn is_empty(&self) -> bool {
        self.secrets.is_empty()
    }
}

/// Response headers with every secret (and URL userinfo) replaced in their values.
pub fn redact_headers(redactor: &Redactor, headers: &HeaderMap) -> HeaderMap {
    let mut out = HeaderMap::with_capacity(headers.len());
    for (name, value) in headers {
        let text = String::from_utf8_lossy(value.as_bytes());
        let clean = redactor.text(&text);
        let value = if clean == text {
            value.clone()
        } else {
            HeaderValue::from_str(&clean).unwrap_or(HeaderValue::from_static(REDACTED))
        };
        out.append(name.clone(), value);
    }
    out
}

/// Every string of an error, redacted: the last line of defence for what is printed and
/// journaled (its parts come from redacted data already, except messages till builds itself).
pub fn redact_error(mut e: ProviderError, redactor: &Redactor) -> ProviderError {
    e.message = redactor.text(&e.message);
    e.code = e.code.map(|c| redactor.text(&c));
    e.request_id = e.request_id.map(|r| redactor.text(&r));
    for f in &mut e.field_errors {
        f.field = redactor.text(&f.field);
        f.message = redactor.text(&f.message);
    }
    e
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    if needle.is_empty() || needle.len() > haystack.len() {
        return None;
    }
    // A window-by-window compare was a tenth of listing 100,000 customers (every body is
    // searched for the key); memmem's vectorised search is not.
    memchr::memmem::find(haystack, needle)
}

/// `s` as serde_json writes it inside a JSON string (without the quotes).
fn json_escaped(s: &str) -> String {
    let quoted = serde_json::Value::String(s.to_string()).to_string();
    quoted.strip_prefix('"').and_then(|q| q.strip_suffix('"')).unwrap_or(&quoted).to_string()
}

fn percent_decode(s: &str) -> Option<String> {
    if !s.contains('%') {
        return None;
    }
    let decoded: Vec<u8> = url::form_urlencoded::parse(format!("x={}", s.replace('+', "%2B")).as_bytes())
        .next()
        .map(|(_, v)| v.into_owned().into_bytes())?;
    String::from_utf8(decoded).ok()
}

/// Replaces the userinfo of every URL in `text` (`https://user:pass@host` becomes
/// `https://[redacted]@host`), wherever the URL sits: a message, a header, a body.
pub fn userinfo(text: &str) -> Cow<'_, str> {
    // A body of a list page holds many URLs and e-mail addresses but rarely a password: look
    // first, copy only when something is replaced.
    if !text.contains('@') || !memchr::memmem::find_iter(text.as_bytes(), b"://").any(|i| has_userinfo(&text[i + 3..]))
    {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(i) = rest.find("://") {
        let (before, after) = rest.split_at(i + 3);
        out.push_str(before);
        match authority(after).rfind('@') {
            Some(at) => {
                out.push_str(REDACTED);
                rest = &after[at..];
            }
            None => rest = after,
        }
    }
    out.push_str(rest);
    Cow::Owned(out)
}

/// What follows `://` up to the end of the URL's authority.
fn authority(after: &str) -> &str {
    // The authority ends at the first of these; an '@' inside it ends the userinfo.
    let end = after.find(|c: char| matches!(c, '/' | '?' | '#' | '"' | '\'' | '<' | '>') || c.is_whitespace());
    &after[..end.unwrap_or(after.len())]
}

fn has_userinfo(after: &str) -> bool {
    authority(after).contains('@')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_occurrence_of_every_secret_goes() {
        let r = Redactor::new(["sk_live_abc".to_string(), "sk_live_abc_longer".to_string(), String::new()]);
        assert_eq!(r.text("key sk_live_abc_longer and sk_live_abc."), "key [redacted] and [redacted].");
        let body = Bytes::from_static(br#"{"detail":"bad key sk_live_abc","id":"req-sk_live_abc"}"#);
        assert_eq!(&r.bytes(body)[..], br#"{"detail":"bad key [redacted]","id":"req-[redacted]"}"#);
        let clean = Bytes::from_static(b"nothing here");
        assert_eq!(r.bytes(clean.clone()), clean);
    }

    #[test]
    fn a_key_is_redacted_as_a_json_body_or_a_url_writes_it_too() {
        let key = r#"SEK+RET/wc"9f8\e7="#;
        let r = Redactor::new([key.to_string()]);
        // serde_json's escaping, escaping of '/' as some servers write it, and percent-encoding.
        for written in [r#"SEK+RET/wc\"9f8\\e7="#, r#"SEK+RET\/wc\"9f8\\e7="#, "SEK%2BRET%2Fwc%229f8%5Ce7%3D"] {
            let body = Bytes::from(format!(r#"{{"detail":"bad auth header: Bearer {written}"}}"#));
            assert_eq!(&r.bytes(body)[..], br#"{"detail":"bad auth header: Bearer [redacted]"}"#, "{written}");
        }
        assert_eq!(r.text(&format!("key {key}")), "key [redacted]");
        assert_eq!(Redactor::new(["kq_plain_123".to_string()]).secrets.len(), 1, "a plain key has one form");
    }

    #[test]
    fn a_page_of_urls_and_addresses_without_a_password_is_not_copied() {
        let page =
            r#"{"next":"http://127.0.0.1:9/c/?page=2","results":[{"email":"a@b.example","url":"https://h/x@y"}]}"#;
        assert!(matches!(userinfo(page), Cow::Borrowed(p) if p == page));
        let with = format!("{page} and ftp://u:p@h/");
        assert_eq!(userinfo(&with), format!("{page} and ftp://[redacted]@h/"));
    }

    #[test]
    fn url_userinfo_is_redacted_wherever_it_appears() {
        assert_eq!(userinfo("https://user:pa55@h.example/x?y=1"), "https://[redacted]@h.example/x?y=1");
        assert_eq!(
            userinfo(r#"could not reach "http://u:p@127.0.0.1:9/a" or ftp://x@y"#),
            r#"could not reach "http://[redacted]@127.0.0.1:9/a" or ftp://[redacted]@y"#
        );
        assert_eq!(userinfo("mail me@example.com at https://h/x@y"), "mail me@example.com at https://h/x@y");
        let r = Redactor::new(["p%40ss".to_string()]);
        assert_eq!(r.text("password was p@ss"), "password was [redacted]", "decoded form too");
    }
}
