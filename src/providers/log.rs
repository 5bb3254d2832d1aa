//! The request log: an in-memory ring of the last exchanges with every provider, secrets
//! already redacted, for the console's Requests view, `till requests` and curl exports; and
//! its history on disk, `requests.jsonl`.

use std::borrow::Cow;
use std::collections::VecDeque;
use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::billing::ProviderKind;
use crate::util::files;

/// Bodies are kept up to this many bytes each: enough to read a page of results or an
/// error, small enough that 500 entries stay a few megabytes.
pub const BODY_PREVIEW_LIMIT: usize = 16 * 1024;

/// Whole response bodies the console keeps in memory, over its newest exchanges, for its
/// detail views' "From the provider": a few pages of a big list.
pub const CONSOLE_FULL_BODIES: usize = 8 * 1024 * 1024;

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
    /// The body kept is the first part only (of `*_body_size` bytes).
    #[serde(default, skip_serializing_if = "is_false")]
    pub request_body_cut: bool,
    #[serde(default, skip_serializing_if = "is_false")]
    pub response_body_cut: bool,
    pub attempt: u32,
    pub error: Option<String>,
    /// The variable the key was set from (`TILL_<PROFILE>_KEY` under a profile); older
    /// history lines have none and fall back to the provider's variable.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub key_variable: Option<String>,
    /// The whole response body (redacted like the preview) when it is longer than the
    /// preview, kept in memory only and only by a log made `keeping_full_bodies`: the console
    /// reads the provider's own fields of an object from it. Never written to the history.
    #[serde(skip)]
    pub full_response_body: Option<Arc<str>>,
    /// How long the request waited for its provider's budget before it was sent, and why.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub queued_ms: u64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub queued_for: Option<String>,
}

fn is_false(b: &bool) -> bool {
    !b
}

fn is_zero(n: &u64) -> bool {
    *n == 0
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
        parts.push(format!("--data-raw {}", shell_quote(&json_escaped(body))));
    }
    parts.join(" \\\n  ")
}

/// A JSON body with its raw bidi, C1 and DEL characters written as `\u202e`-style escapes
/// ([`crate::text::json`]): the same value to the provider, and visible as what it is. Printed
/// raw, a U+202E became the terminal-safe stand-in `�`, which the shown command would then
/// send in its place. A body that is not JSON is left for the printer's stand-ins.
pub fn json_escaped(body: &str) -> std::borrow::Cow<'_, str> {
    if serde_json::from_str::<serde::de::IgnoredAny>(body).is_ok() {
        crate::text::json(body)
    } else {
        std::borrow::Cow::Borrowed(body)
    }
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
    /// Bytes of whole response bodies kept across the newest entries (0: previews only).
    full_body_budget: usize,
}

impl RequestLog {
    pub fn new(capacity: usize) -> RequestLog {
        RequestLog {
            inner: Arc::new(Mutex::new(VecDeque::with_capacity(capacity))),
            capacity,
            next_id: Arc::new(AtomicU64::new(1)),
            full_body_budget: 0,
        }
    }

    /// Keeps whole response bodies, newest first, up to `budget` bytes in all; older entries
    /// fall back to their preview. Headless commands keep previews only, so paging through a
    /// whole account costs no extra copies.
    pub fn keeping_full_bodies(mut self, budget: usize) -> RequestLog {
        self.full_body_budget = budget;
        self
    }

    pub fn keeps_full_bodies(&self) -> bool {
        self.full_body_budget > 0
    }

    /// How much of each body an exchange keeps as its preview: [`BODY_PREVIEW_LIMIT`] for the
    /// console, whose log is read on screen (it is the log keeping whole bodies); a headless
    /// command's log is only written to the history, which keeps [`HISTORY_BODY_LIMIT`], so
    /// copying more of each page of a long list would be thrown away.
    pub fn preview_limit(&self) -> usize {
        if self.keeps_full_bodies() { BODY_PREVIEW_LIMIT } else { HISTORY_BODY_LIMIT }
    }

    pub fn push(&self, mut exchange: Exchange) {
        exchange.id = self.next_id.fetch_add(1, Ordering::Relaxed);
        if exchange.full_response_body.as_ref().is_some_and(|b| b.len() > self.full_body_budget) {
            exchange.full_response_body = None;
        }
        // A poisoned lock only means another thread panicked mid-push; the deque is still valid.
        let mut entries = self.inner.lock().unwrap_or_else(|p| p.into_inner());
        if entries.len() == self.capacity {
            entries.pop_front();
        }
        entries.push_back(exchange);
        let mut kept = 0;
        for e in entries.iter_mut().rev() {
            let size = e.full_response_body.as_ref().map_or(0, |b| b.len());
            if kept + size > self.full_body_budget {
                e.full_response_body = None;
            } else {
                kept += size;
            }
        }
    }

    /// Oldest first.
    pub fn snapshot(&self) -> Vec<Exchange> {
        self.inner.lock().unwrap_or_else(|p| p.into_inner()).iter().cloned().collect()
    }

    /// Every entry, oldest first, leaving the log empty: for recording a finished run
    /// without copying the bodies of its last 500 requests.
    pub fn take(&self) -> Vec<Exchange> {
        std::mem::take(&mut *self.inner.lock().unwrap_or_else(|p| p.into_inner())).into()
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

/// The history keeps the first this many bytes of each body (the console's log keeps
/// [`BODY_PREVIEW_LIMIT`]): enough for an error or a created object, while the 200 pages of a
/// long list no longer write 16 KB each — 3.8 MB per `customers list --all` of 20,000
/// customers, whose writing and rotating took a fifth of the command's time and pushed every
/// earlier request out of the file.
pub const HISTORY_BODY_LIMIT: usize = 4 * 1024;

/// `exchange` with its bodies cut to [`HISTORY_BODY_LIMIT`], or `None` when they fit; the
/// sizes it keeps are the whole bodies', so `requests show` can say a body was cut.
fn cut_for_history(exchange: &Exchange) -> Option<Exchange> {
    let long = |b: &Option<String>| b.as_ref().is_some_and(|b| b.len() > HISTORY_BODY_LIMIT);
    if !long(&exchange.request_body) && !long(&exchange.response_body) {
        return None;
    }
    let mut short = exchange.clone();
    short.full_response_body = None;
    for (body, cut) in [
        (&mut short.request_body, &mut short.request_body_cut),
        (&mut short.response_body, &mut short.response_body_cut),
    ] {
        if let Some(body) = body.as_mut().filter(|b| b.len() > HISTORY_BODY_LIMIT) {
            body.truncate(body.floor_char_boundary(HISTORY_BODY_LIMIT));
            *cut = true;
        }
    }
    Some(short)
}

/// The request history holds at most this much: appends go to `requests.jsonl` until it would
/// pass half of it, then that file becomes `requests.jsonl.1` (replacing the one before) and a
/// new one starts. No file is ever read back or rewritten to trim it, and reading keeps the
/// newest `HISTORY_KEEP` exchanges of the two.
pub const HISTORY_MAX_BYTES: u64 = 8 * 1024 * 1024;
pub const HISTORY_KEEP: usize = 1_000;

/// `requests.jsonl` in the data dir: the request log of past commands and console sessions,
/// already redacted, so a script can look at what a failed command sent and get a `curl`.
pub fn history_path() -> Option<PathBuf> {
    crate::util::data_file("requests.jsonl")
}

/// The request history file, with the journal's guarantees where they matter for a log: appends
/// and the move to the older file happen under one lock (so no record appended meanwhile is
/// lost), a torn tail never swallows the next record, damaged lines are skipped and named,
/// 0600 in a 0700 dir. Unlike the journal it is not fsynced: it is diagnostics, and syncing
/// megabytes of list pages after every command cost more than the command.
pub struct History {
    path: PathBuf,
    max_bytes: u64,
    keep: usize,
}

impl History {
    pub fn at(path: PathBuf) -> History {
        History { path, max_bytes: HISTORY_MAX_BYTES, keep: HISTORY_KEEP }
    }

    /// Smaller limits, for tests that rotate often.
    pub fn with_limits(path: PathBuf, max_bytes: u64, keep: usize) -> History {
        History { path, max_bytes, keep }
    }

    /// Where the file goes once it is full: `requests.jsonl.1`.
    pub fn older_path(&self) -> PathBuf {
        let mut name = self.path.file_name().map(|n| n.to_os_string()).unwrap_or_default();
        name.push(".1");
        self.path.with_file_name(name)
    }

    /// Appends the newest of `exchanges` that fit in one file (`customers list --all` logs
    /// 500 pages: only those kept are serialised), starting a new file first when they would
    /// not fit beside what it holds.
    pub fn append(&self, exchanges: &[Exchange]) -> Result<(), String> {
        let half = self.max_bytes / 2;
        let lines = newest_lines(exchanges, half, self.keep)?;
        let bytes: u64 = lines.iter().map(|l| l.len() as u64).sum();
        if bytes == 0 {
            return Ok(());
        }
        let _lock = files::FileLock::exclusive(&self.path)?;
        // Opened before it is measured or moved: a symlink in its place is refused, and a file
        // an older till left wider than 0600 is tightened before it becomes `.1`.
        let held = files::open_private_append(&self.path)
            .and_then(|f| f.metadata())
            .map_err(|e| format!("cannot open {}: {e}", self.path.display()))?
            .len();
        if held > 0 && held + bytes > half {
            let older = self.older_path();
            // Removed first: ext4 writes a file out before it replaces another by rename
            // (`auto_da_alloc`), which made each rotation cost milliseconds of disk writes.
            match std::fs::remove_file(&older) {
                Err(e) if e.kind() != std::io::ErrorKind::NotFound => {
                    return Err(format!("cannot remove {}: {e}", older.display()));
                }
                _ => {}
            }
            std::fs::rename(&self.path, &older)
                .map_err(|e| format!("cannot move {} to {}: {e}", self.path.display(), older.display()))?;
        }
        let parts: Vec<&[u8]> = lines.iter().map(Vec::as_slice).collect();
        files::append_lines_locked(&self.path, &parts, files::Durability::Buffered)
    }

    /// Every exchange that decodes, oldest first, at most `keep` (the newest), and warnings: the
    /// damaged lines skipped, per file, and an older file that could not be read (the newer one
    /// is still listed; only a newer file that cannot be read fails the load).
    pub fn load(&self) -> Result<(Vec<Exchange>, Vec<String>), String> {
        let _lock = files::FileLock::for_reading(&self.path);
        let mut out = Vec::new();
        let mut warnings = Vec::new();
        match files::read_json_lines(&self.older_path(), |e: Exchange| out.push(e)) {
            Ok(skipped) if !skipped.is_empty() => warnings.push(skipped.to_string()),
            Ok(_) => {}
            Err(e) => warnings.push(e),
        }
        let newer = files::read_json_lines(&self.path, |e: Exchange| out.push(e))?;
        if !newer.is_empty() {
            warnings.push(newer.to_string());
        }
        out.drain(..out.len().saturating_sub(self.keep));
        Ok((out, warnings))
    }
}

/// The JSON lines of the newest `exchanges` within `max_bytes` and `max_lines`, oldest first. A
/// line longer than `max_bytes` on its own ends the run (it could never be kept).
fn newest_lines(exchanges: &[Exchange], max_bytes: u64, max_lines: usize) -> Result<Vec<Vec<u8>>, String> {
    let mut lines = Vec::new();
    let mut total = 0u64;
    for exchange in exchanges.iter().rev().take(max_lines) {
        let exchange = cut_for_history(exchange).map_or(Cow::Borrowed(exchange), Cow::Owned);
        // Sized for the bodies up front: growing a buffer by doubling copied each line
        // several times over.
        let bodies = exchange.request_body.as_ref().map_or(0, String::len)
            + exchange.response_body.as_ref().map_or(0, String::len);
        let mut line = Vec::with_capacity(bodies + bodies / 8 + 1024);
        serde_json::to_writer(&mut line, &*exchange).map_err(|e| e.to_string())?;
        line.push(b'\n');
        if total + line.len() as u64 > max_bytes {
            break;
        }
        total += line.len() as u64;
        lines.push(line);
    }
    lines.reverse();
    Ok(lines)
}

#[cfg(test)]
mod tests;
