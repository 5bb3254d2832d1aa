//! `till requests`: the request history of past commands and console sessions. Each run appends
//! its request log (already redacted: keys read `[redacted]`) to `requests.jsonl` in the data
//! dir, so a script can look at what a failed command actually sent and get a `curl` for it.

use std::io::Write;
use std::path::PathBuf;

use super::RequestsCmd;
use super::run::{ExitCode, Failure, emit, failure};
use crate::billing::ProviderKind;
use crate::providers::log::{Exchange, RequestLog};

/// `requests list` without `--limit` or `--all`.
const DEFAULT_LIMIT: usize = 20;

/// Past this size the file is cut back to the newest exchanges that fit in half of it (at most
/// `KEEP`): half, so that the next runs append instead of rewriting the file every time.
const MAX_BYTES: u64 = 8 * 1024 * 1024;
const KEEP: usize = 1_000;

/// `$TILL_DATA_DIR/requests.jsonl`, else the XDG data dir (next to the audit journal).
pub fn history_path() -> Option<PathBuf> {
    crate::util::data_file("requests.jsonl")
}

/// Appends this run's exchanges. Owner-only permissions: bodies hold customer data.
pub fn record(log: &RequestLog) -> Result<(), String> {
    let exchanges = log.snapshot();
    if exchanges.is_empty() {
        return Ok(());
    }
    let path = history_path().ok_or("no data directory (set TILL_DATA_DIR)")?;
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir).map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
    }
    let mut text = String::new();
    for exchange in &exchanges {
        text.push_str(&serde_json::to_string(exchange).map_err(|e| e.to_string())?);
        text.push('\n');
    }
    let mut options = std::fs::OpenOptions::new();
    options.create(true).append(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let mut file = options.open(&path).map_err(|e| format!("cannot open {}: {e}", path.display()))?;
    file.write_all(text.as_bytes()).map_err(|e| format!("cannot write {}: {e}", path.display()))?;
    drop(file);
    if std::fs::metadata(&path).map(|m| m.len()).unwrap_or(0) > MAX_BYTES {
        trim(&path)?;
    }
    Ok(())
}

/// Rewrites the history with only its newest lines, through a temporary file renamed over it,
/// so a crash mid-trim leaves the old history rather than half of it.
fn trim(path: &std::path::Path) -> Result<(), String> {
    let text = std::fs::read_to_string(path).map_err(|e| format!("cannot read {}: {e}", path.display()))?;
    // MAX_BYTES / 2 is 4 MiB: it fits in usize on every platform Rust supports.
    let kept = newest_lines(&text, (MAX_BYTES / 2) as usize, KEEP);
    let temp = path.with_extension("jsonl.trim");
    let mut options = std::fs::OpenOptions::new();
    options.create(true).write(true).truncate(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let written = options.open(&temp).and_then(|mut f| f.write_all(kept.as_bytes()));
    written.and_then(|()| std::fs::rename(&temp, path)).map_err(|e| format!("cannot trim {}: {e}", path.display()))
}

/// The tail of `text` holding its newest whole lines: at most `max_lines` of them and at most
/// `max_bytes` in all (so a single longer line is dropped as well).
fn newest_lines(text: &str, max_bytes: usize, max_lines: usize) -> &str {
    let body = text.strip_suffix('\n').unwrap_or(text);
    let (mut start, mut end, mut lines) = (text.len(), body.len(), 0);
    while lines < max_lines && !body[..end].is_empty() {
        let line_start = body[..end].rfind('\n').map_or(0, |i| i + 1);
        if text.len() - line_start > max_bytes {
            break;
        }
        start = line_start;
        lines += 1;
        end = line_start.saturating_sub(1);
    }
    &text[start..]
}

/// Every recorded exchange, oldest first. Lines that do not decode (a newer till, a torn
/// write) are skipped rather than failing the whole history.
fn load() -> Result<Vec<Exchange>, String> {
    let Some(path) = history_path() else { return Ok(Vec::new()) };
    match std::fs::read_to_string(&path) {
        Ok(text) => Ok(text.lines().filter_map(|l| serde_json::from_str(l).ok()).collect()),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(Vec::new()),
        Err(e) => Err(format!("cannot read {}: {e}", path.display())),
    }
}

/// `provider` (the global `--provider`) keeps that provider's requests only; numbers count
/// within what is kept, so `-p X requests show N` is row N of `-p X requests list`.
pub fn run_requests(cmd: RequestsCmd, json: bool, provider: Option<ProviderKind>) -> Result<(), Failure> {
    let mut history = load().map_err(|m| failure(ExitCode::Failure, m))?;
    history.retain(|e| provider.is_none_or(|p| e.provider == p));
    history.reverse();
    match cmd {
        RequestsCmd::List { limit, all } => {
            let max = if all { history.len() } else { limit.unwrap_or(DEFAULT_LIMIT) };
            if limit.is_none() && history.len() > max {
                let more = crate::ops::customers::More::Count((history.len() - max) as u64);
                super::run::note_cut("requests", more, max);
            }
            history.truncate(max);
            emit(json, &history, || table(&history))
        }
        RequestsCmd::Show { number, curl } => {
            let exchange = number.checked_sub(1).and_then(|i| history.get(i)).ok_or_else(|| {
                failure(
                    ExitCode::Usage,
                    format!("no request #{number} (history has {}; see `till requests list`)", history.len()),
                )
            })?;
            if curl {
                return emit(false, &(), || exchange.to_curl(&exchange.key_variable()) + "\n");
            }
            emit(json, exchange, || detail(exchange))
        }
    }
}

fn table(history: &[Exchange]) -> String {
    let rows: Vec<Vec<String>> = history
        .iter()
        .enumerate()
        .map(|(i, e)| {
            vec![
                (i + 1).to_string(),
                e.started_at.format("%Y-%m-%d %H:%M:%S").to_string(),
                e.provider.to_string(),
                e.method.clone(),
                e.status.map_or_else(|| "-".into(), |s| s.to_string()),
                format!("{} ms", e.duration.as_millis()),
                e.path().to_string(),
                e.request_id.clone().unwrap_or_else(|| "-".into()),
            ]
        })
        .collect();
    super::table::render(&["#", "WHEN (UTC)", "PROVIDER", "METHOD", "STATUS", "TIME", "PATH", "REQUEST ID"], &rows)
}

fn detail(e: &Exchange) -> String {
    let mut out = format!("{} {}\n", e.method, e.url);
    let status = e.status.map_or_else(|| "no response".into(), |s| s.to_string());
    out += &format!("status {status} · {} ms · attempt {}", e.duration.as_millis(), e.attempt);
    out += &format!(" · request id {}\n", e.request_id.as_deref().unwrap_or("-"));
    if let Some(error) = &e.error {
        out += &format!("error: {error}\n");
    }
    for (title, headers, body) in
        [("request", &e.request_headers, &e.request_body), ("response", &e.response_headers, &e.response_body)]
    {
        out += &format!("\n{title}\n");
        for h in headers {
            out += &format!("  {}: {}\n", h.name, h.value);
        }
        if let Some(body) = body {
            out += &format!("\n{body}\n");
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::newest_lines;

    #[test]
    fn newest_lines_keep_whole_lines_within_both_limits() {
        let text = "aaaa\nbbbb\ncccc\n";
        assert_eq!(newest_lines(text, 100, 2), "bbbb\ncccc\n", "line limit");
        assert_eq!(newest_lines(text, 10, 10), "bbbb\ncccc\n", "byte limit: 10 bytes hold two lines");
        assert_eq!(newest_lines(text, 9, 10), "cccc\n");
        assert_eq!(newest_lines(text, 4, 10), "", "a line longer than the limit is dropped");
        assert_eq!(newest_lines(text, 100, 10), text);
        assert_eq!(newest_lines("", 100, 10), "");
        assert_eq!(newest_lines("x\ny", 100, 1), "y", "no trailing newline");
        assert_eq!(newest_lines("é\nü\n", 3, 10), "ü\n", "cuts only at line boundaries");
    }
}
