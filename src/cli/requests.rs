//! `till requests`: the request history of past commands and console sessions. Each run appends
//! its request log (already redacted: keys read `[redacted]`) to `requests.jsonl` in the data
//! dir, so a script can look at what a failed command actually sent and get a `curl` for it.

use std::io::Write;
use std::path::PathBuf;

use super::RequestsCmd;
use super::run::{ExitCode, Failure, emit, failure};
use crate::providers::log::{Exchange, RequestLog};

/// Past this size the file is cut back to the newest `KEEP` exchanges.
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
    if file.metadata().map(|m| m.len()).unwrap_or(0) > MAX_BYTES {
        let kept = load()?;
        let start = kept.len().saturating_sub(KEEP);
        let lines: Vec<String> = kept[start..].iter().filter_map(|e| serde_json::to_string(e).ok()).collect();
        std::fs::write(&path, lines.join("\n") + "\n").map_err(|e| format!("cannot trim {}: {e}", path.display()))?;
    }
    Ok(())
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

pub fn run_requests(cmd: RequestsCmd, json: bool) -> Result<(), Failure> {
    let mut history = load().map_err(|m| failure(ExitCode::Failure, m))?;
    history.reverse();
    match cmd {
        RequestsCmd::List { limit } => {
            history.truncate(limit);
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
