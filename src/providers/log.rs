//! The request log: an in-memory ring of the last exchanges with every provider, secrets
//! already redacted, for the console's Requests view, `till requests` and curl exports; and
//! its history on disk, `requests.jsonl`.

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
        // Sized for the bodies up front: growing a buffer by doubling to a 16 KB preview
        // copied each line several times over.
        let bodies = exchange.request_body.as_ref().map_or(0, String::len)
            + exchange.response_body.as_ref().map_or(0, String::len);
        let mut line = Vec::with_capacity(bodies + bodies / 8 + 1024);
        serde_json::to_writer(&mut line, exchange).map_err(|e| e.to_string())?;
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
mod tests {
    use super::*;

    fn exchange(url: &str) -> Exchange {
        Exchange {
            key_variable: None,
            id: 0,
            provider: ProviderKind::Kelviq,
            // Fixed: chrono prints 0, 3, 6 or 9 fraction digits, so `now()` made lines differ in
            // length now and then, and the size limits below sit on exact line counts.
            started_at: DateTime::from_timestamp(1_796_000_000, 123_456_789).unwrap(),
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
            full_response_body: None,
            queued_ms: 0,
            queued_for: None,
        }
    }

    #[test]
    fn whole_bodies_are_kept_newest_first_within_the_budget() {
        let log = RequestLog::new(10).keeping_full_bodies(25);
        for (i, size) in [10, 10, 10, 30].into_iter().enumerate() {
            let mut e = exchange(&format!("http://h/{i}"));
            e.full_response_body = Some("x".repeat(size).into());
            log.push(e);
        }
        let kept: Vec<Option<usize>> =
            log.snapshot().iter().map(|e| e.full_response_body.as_ref().map(|b| b.len())).collect();
        assert_eq!(kept, [None, Some(10), Some(10), None], "the 30-byte body is over budget on its own");
        let previews_only = RequestLog::new(10);
        let mut e = exchange("http://h/x");
        e.full_response_body = Some("x".into());
        previews_only.push(e);
        assert!(previews_only.snapshot()[0].full_response_body.is_none());
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

    fn line(e: &Exchange) -> String {
        format!("{}\n", serde_json::to_string(e).unwrap())
    }

    #[test]
    fn newest_lines_keep_whole_exchanges_within_both_limits() {
        let batch: Vec<Exchange> = (0..3).map(|i| exchange(&format!("http://h/{i}"))).collect();
        let size = line(&batch[0]).len() as u64;
        let text = |from: usize| batch[from..].iter().map(line).collect::<String>().into_bytes();
        let newest = |max_bytes, max_lines| newest_lines(&batch, max_bytes, max_lines).unwrap().concat();
        assert_eq!(newest(100 * size, 2), text(1), "line limit");
        assert_eq!(newest(2 * size, 10), text(1), "byte limit holds two");
        assert_eq!(newest(2 * size - 1, 10), text(2));
        assert_eq!(newest(size - 1, 10), b"", "a line longer than the limit is dropped");
        assert_eq!(newest(100 * size, 10), text(0));
        assert!(newest_lines(&[], 100, 10).unwrap().is_empty());
    }

    /// A torn line used to swallow the next record, and one non-UTF-8 byte made the whole
    /// history unreadable.
    #[test]
    fn history_tolerates_a_torn_tail_and_bytes_that_are_not_utf8() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("requests.jsonl");
        let good = serde_json::to_string(&exchange("http://h/old")).unwrap();
        let mut bytes = format!("{good}\n").into_bytes();
        bytes.extend_from_slice(b"{\"url\":\"\xff\"}\n");
        bytes.extend_from_slice(&good.as_bytes()[..40]);
        std::fs::write(&path, bytes).unwrap();
        let history = History::with_limits(path.clone(), 1_000_000, 100);
        history.append(&[exchange("http://h/new")]).unwrap();
        let (loaded, skipped) = history.load().unwrap();
        let urls: Vec<&str> = loaded.iter().map(|e| e.url.as_str()).collect();
        assert_eq!(urls, ["http://h/old", "http://h/new"]);
        let named = format!("skipped 2 damaged lines of {} (lines 2, 3)", path.display());
        assert_eq!(skipped, [named]);

        // Full: the damaged file moves aside whole, and its lines are still named as its own.
        let small = History::with_limits(path.clone(), 2 * good.len() as u64 + 20, 100);
        small.append(&[exchange("http://h/newest")]).unwrap();
        let (loaded, skipped) = small.load().unwrap();
        let urls: Vec<&str> = loaded.iter().map(|e| e.url.as_str()).collect();
        assert_eq!(urls, ["http://h/old", "http://h/new", "http://h/newest"]);
        assert_eq!(std::fs::read_to_string(&path).unwrap().lines().count(), 1, "a new file started");
        let named = format!("skipped 2 damaged lines of {} (lines 2, 3)", small.older_path().display());
        assert_eq!(skipped, [named]);
    }

    /// Four writers append and rotate at once, each through its own handles as separate
    /// processes would. Appends are serialised, so a lost record shows as a gap: every
    /// writer's surviving records must be a run that ends with its last one.
    #[test]
    fn concurrent_appends_and_rotations_lose_no_newer_record() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("requests.jsonl");
        let threads: Vec<_> = (0..4)
            .map(|t| {
                let history = History::with_limits(path.clone(), 40_000, 1_000);
                std::thread::spawn(move || {
                    for i in 0..60 {
                        history.append(&[exchange(&format!("http://h/{t}/{i}"))]).unwrap();
                    }
                })
            })
            .collect();
        for t in threads {
            t.join().unwrap();
        }
        let history = History::with_limits(path.clone(), 40_000, 1_000);
        let (loaded, skipped) = history.load().unwrap();
        assert!(skipped.is_empty(), "{skipped:?}");
        assert!(loaded.len() < 240, "the file was moved aside at least twice");
        let on_disk = std::fs::metadata(&path).unwrap().len() + std::fs::metadata(history.older_path()).unwrap().len();
        assert!(on_disk <= 40_000, "{on_disk} bytes");
        let mut seen: Vec<Vec<u32>> = vec![Vec::new(); 4];
        for e in &loaded {
            let mut parts = e.url.rsplit('/');
            let i: u32 = parts.next().unwrap().parse().unwrap();
            let t: usize = parts.next().unwrap().parse().unwrap();
            seen[t].push(i);
        }
        let last = loaded.last().unwrap().url.clone();
        assert!(last.ends_with("/59"), "the very last record survives: {last}");
        for (t, got) in seen.iter().enumerate() {
            if let Some(first) = got.first() {
                let run: Vec<u32> = (*first..60).collect();
                assert_eq!(got, &run, "writer {t} lost a record");
            }
        }
    }

    /// A run's exchanges are appended while they fit beside the file; past half the limit the
    /// file moves to `.1` (replacing the one before, never read back or rewritten) and only the
    /// newest exchanges that fit in one file are written; reading keeps the newest `keep`.
    #[test]
    fn a_full_history_moves_aside_and_reading_keeps_the_newest() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("requests.jsonl");
        // Same-length URLs, so every line is `size` bytes.
        let batch = |from: usize, n: usize| -> Vec<Exchange> {
            (from..from + n).map(|i| exchange(&format!("http://h/{i:02}"))).collect()
        };
        let urls_of = |r: &[usize]| -> Vec<String> { r.iter().map(|i| format!("http://h/{i:02}")).collect() };
        let size = line(&exchange("http://h/00")).len() as u64;
        let history = History::with_limits(path.clone(), 10 * size, 7);
        let loaded = || -> Vec<String> { history.load().unwrap().0.into_iter().map(|e| e.url).collect() };
        let lines = |p: &std::path::Path| std::fs::read_to_string(p).unwrap().lines().count();
        history.append(&batch(0, 3)).unwrap();
        history.append(&batch(3, 2)).unwrap();
        assert!(!history.older_path().exists(), "five lines fit in half of ten");
        assert_eq!(loaded(), urls_of(&[0, 1, 2, 3, 4]));
        history.append(&batch(5, 1)).unwrap();
        assert_eq!((lines(&history.older_path()), lines(&path)), (5, 1), "moved aside whole, a new file started");
        assert_eq!(loaded(), urls_of(&[0, 1, 2, 3, 4, 5]));
        history.append(&batch(6, 2)).unwrap();
        assert_eq!(loaded(), urls_of(&[1, 2, 3, 4, 5, 6, 7]), "reading keeps the newest seven");
        // A batch past one file: only its newest five are serialised and written; the file
        // before it moves aside, replacing the older one.
        history.append(&batch(8, 8)).unwrap();
        assert_eq!((lines(&history.older_path()), lines(&path)), (3, 5));
        assert_eq!(loaded(), urls_of(&[6, 7, 11, 12, 13, 14, 15]));
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            for p in [&path, &history.older_path()] {
                assert_eq!(std::fs::metadata(p).unwrap().permissions().mode() & 0o777, 0o600);
            }
        }
    }

    /// A symlink in place of the history is refused however full it is, never moved aside; a
    /// file an older till left 0644 is tightened before it becomes `.1`; an older file that
    /// cannot be read is a warning, and the newer one is still listed.
    #[cfg(unix)]
    #[test]
    fn the_file_moved_aside_is_owner_only_and_a_symlink_is_refused() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("requests.jsonl");
        let size = line(&exchange("http://h/00")).len() as u64;
        let history = History::with_limits(path.clone(), 4 * size, 100);
        std::fs::write(&path, line(&exchange("http://h/00")).repeat(2)).unwrap();
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644)).unwrap();
        history.append(&[exchange("http://h/01")]).unwrap();
        let mode = std::fs::metadata(history.older_path()).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600, "moved aside tightened");

        // `.1` replaced by a directory: unreadable, named, and the newer file still listed.
        std::fs::remove_file(history.older_path()).unwrap();
        std::fs::create_dir(history.older_path()).unwrap();
        let (loaded, warnings) = history.load().unwrap();
        assert_eq!(loaded.iter().map(|e| e.url.as_str()).collect::<Vec<_>>(), ["http://h/01"]);
        assert_eq!(warnings.len(), 1);
        assert!(warnings[0].contains("requests.jsonl.1"), "{warnings:?}");
        std::fs::remove_dir(history.older_path()).unwrap();

        let target = dir.path().join("elsewhere");
        std::fs::write(&target, line(&exchange("http://h/00")).repeat(3)).unwrap();
        std::fs::remove_file(&path).unwrap();
        std::os::unix::fs::symlink(&target, &path).unwrap();
        let err = history.append(&[exchange("http://h/02")]).unwrap_err();
        assert!(err.contains("cannot open"), "{err}");
        assert!(std::fs::symlink_metadata(&path).unwrap().file_type().is_symlink(), "left in place");
        assert!(!history.older_path().exists(), "not moved aside");
        assert_eq!(std::fs::read_to_string(&target).unwrap().lines().count(), 3, "not written through");
    }

    #[test]
    fn path_strips_scheme_and_host() {
        assert_eq!(exchange("http://h:1/a/b?c=1").path(), "/a/b?c=1");
    }
}
