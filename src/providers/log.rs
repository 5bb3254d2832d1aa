//! The request log: an in-memory ring of the last exchanges with every provider, secrets
//! already redacted, for the console's Requests view, `till requests` and curl exports.

use std::collections::VecDeque;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::billing::ProviderKind;

/// Bodies are kept up to this many bytes each: enough to read a page of results or an
/// error, small enough that 500 entries stay a few megabytes.
pub const BODY_PREVIEW_LIMIT: usize = 16 * 1024;

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct LoggedHeader {
    pub name: String,
    pub value: String,
}

/// One request/response attempt (a retried request logs one entry per attempt).
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Exchange {
    pub id: u64,
    pub provider: ProviderKind,
    pub started_at: DateTime<Utc>,
    pub method: String,
    pub url: String,
    /// `None` when no response arrived (connect error, timeout).
    pub status: Option<u16>,
    #[serde(serialize_with = "millis", deserialize_with = "from_millis")]
    pub duration: Duration,
    pub request_id: Option<String>,
    pub request_headers: Vec<LoggedHeader>,
    pub response_headers: Vec<LoggedHeader>,
    pub request_body: Option<String>,
    pub request_body_size: usize,
    pub response_body: Option<String>,
    pub response_body_size: usize,
    pub attempt: u32,
    pub error: Option<String>,
    /// The variable the key was set from (`TILL_<PROFILE>_KEY` under a profile); older
    /// history lines have none and fall back to the provider's variable.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub key_variable: Option<String>,
}

fn millis<S: serde::Serializer>(d: &Duration, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_u64(d.as_millis() as u64)
}

fn from_millis<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Duration, D::Error> {
    <u64 as serde::Deserialize>::deserialize(d).map(Duration::from_millis)
}

impl Exchange {
    /// The path and query, for narrow list rows.
    pub fn path(&self) -> &str {
        match self.url.find("://").and_then(|i| self.url[i + 3..].find('/').map(|j| i + 3 + j)) {
            Some(start) => &self.url[start..],
            None => &self.url,
        }
    }

    /// The variable a curl export reads the key from: the one the key was set from
    /// (`TILL_<PROFILE>_KEY` under a profile), else `TILL_<PROVIDER>_KEY`.
    pub fn key_variable(&self) -> String {
        self.key_variable.clone().unwrap_or_else(|| provider_key_variable(self.provider))
    }

    /// A shell command reproducing the request. Redacted secrets become `${env_var}`, so the
    /// command works once the variable is set and never contains the key itself.
    pub fn to_curl(&self, env_var: &str) -> String {
        curl_command(&self.method, &self.url, &self.request_headers, self.request_body.as_deref(), env_var)
    }
}

/// `TILL_KELVIQ_KEY`: the variable a key is read from without a profile.
pub fn provider_key_variable(provider: ProviderKind) -> String {
    format!("TILL_{}_KEY", provider.slug().to_ascii_uppercase())
}

/// `curl` for a request whose secrets read `[redacted]`; they become `${env_var}`.
pub fn curl_command(method: &str, url: &str, headers: &[LoggedHeader], body: Option<&str>, env_var: &str) -> String {
    let placeholder = format!("${{{env_var}}}");
    let mut parts = vec![format!("curl -sS -X {method}"), shell_quote(url)];
    for h in headers {
        if h.name.eq_ignore_ascii_case("content-length") || h.name.eq_ignore_ascii_case("host") {
            continue;
        }
        let value = h.value.replace("[redacted]", &placeholder);
        let line = format!("{}: {}", h.name, value);
        // Double quotes so the shell expands the placeholder; escape what double quotes interpret.
        let escaped = line.replace('\\', "\\\\").replace('"', "\\\"").replace('`', "\\`");
        let escaped = escape_dollars_except(&escaped, &placeholder);
        parts.push(format!("-H \"{escaped}\""));
    }
    if let Some(body) = body {
        parts.push(format!("--data-raw {}", shell_quote(body)));
    }
    parts.join(" \\\n  ")
}

/// Escapes `$` everywhere except in the placeholder we want the shell to expand.
fn escape_dollars_except(text: &str, placeholder: &str) -> String {
    text.split(placeholder).map(|part| part.replace('$', "\\$")).collect::<Vec<_>>().join(placeholder)
}

/// Single-quotes for POSIX shells: nothing inside is interpreted.
fn shell_quote(text: &str) -> String {
    format!("'{}'", text.replace('\'', "'\\''"))
}

#[derive(Clone)]
pub struct RequestLog {
    inner: Arc<Mutex<VecDeque<Exchange>>>,
    capacity: usize,
    next_id: Arc<AtomicU64>,
}

impl RequestLog {
    pub fn new(capacity: usize) -> RequestLog {
        RequestLog {
            inner: Arc::new(Mutex::new(VecDeque::with_capacity(capacity))),
            capacity,
            next_id: Arc::new(AtomicU64::new(1)),
        }
    }

    pub fn push(&self, mut exchange: Exchange) {
        exchange.id = self.next_id.fetch_add(1, Ordering::Relaxed);
        // A poisoned lock only means another thread panicked mid-push; the deque is still valid.
        let mut entries = self.inner.lock().unwrap_or_else(|p| p.into_inner());
        if entries.len() == self.capacity {
            entries.pop_front();
        }
        entries.push_back(exchange);
    }

    /// Oldest first.
    pub fn snapshot(&self) -> Vec<Exchange> {
        self.inner.lock().unwrap_or_else(|p| p.into_inner()).iter().cloned().collect()
    }

    pub fn len(&self) -> usize {
        self.inner.lock().unwrap_or_else(|p| p.into_inner()).len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Id that the next entry will get: lets a view ask "anything new since I last looked?"
    /// without copying the log.
    pub fn next_id(&self) -> u64 {
        self.next_id.load(Ordering::Relaxed)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn exchange(url: &str) -> Exchange {
        Exchange {
            key_variable: None,
            id: 0,
            provider: ProviderKind::Kelviq,
            started_at: Utc::now(),
            method: "POST".into(),
            url: url.into(),
            status: Some(201),
            duration: Duration::from_millis(12),
            request_id: None,
            request_headers: vec![
                LoggedHeader { name: "authorization".into(), value: "Bearer [redacted]".into() },
                LoggedHeader { name: "content-type".into(), value: "application/json".into() },
            ],
            response_headers: vec![],
            request_body: Some(r#"{"name":"O'Brien $HOME"}"#.into()),
            request_body_size: 24,
            response_body: None,
            response_body_size: 0,
            attempt: 1,
            error: None,
        }
    }

    #[test]
    fn ring_keeps_the_newest_entries() {
        let log = RequestLog::new(3);
        for i in 0..5 {
            log.push(exchange(&format!("http://h/{i}")));
        }
        let snap = log.snapshot();
        assert_eq!(snap.len(), 3);
        assert_eq!(snap[0].url, "http://h/2");
        assert_eq!(snap[2].id, 5);
    }

    #[test]
    fn curl_uses_a_placeholder_and_quotes_safely() {
        let curl = exchange("http://127.0.0.1:4010/kelviq/api/v1/customers/").to_curl("TILL_KELVIQ_KEY");
        assert!(curl.contains(r#"-H "authorization: Bearer ${TILL_KELVIQ_KEY}""#), "{curl}");
        assert!(curl.contains(r#"--data-raw '{"name":"O'\''Brien $HOME"}'"#), "{curl}");
        assert!(!curl.contains("[redacted]"));
    }

    #[test]
    fn path_strips_scheme_and_host() {
        assert_eq!(exchange("http://h:1/a/b?c=1").path(), "/a/b?c=1");
    }
}
