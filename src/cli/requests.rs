//! `till requests`: the request history of past commands and console sessions. Each run appends
//! its request log (already redacted: keys read `[redacted]`) to `requests.jsonl` in the data
//! dir, so a script can look at what a failed command actually sent and get a `curl` for it.

use super::RequestsCmd;
use super::common::{ExitCode, Failure, emit, failure};
use crate::billing::ProviderKind;
use crate::billing::money::group_int;
use crate::providers::log::{Exchange, History, RequestLog, history_path};

/// `requests list` without `--limit` or `--all`.
const DEFAULT_LIMIT: usize = 20;

/// Appends this run's exchanges to the history file, at its end: they leave the log.
pub fn record(log: &RequestLog) -> Result<(), String> {
    let exchanges = log.take();
    if exchanges.is_empty() {
        return Ok(());
    }
    let path = history_path().ok_or("no data directory (set TILL_DATA_DIR)")?;
    History::at(path).append(&exchanges)
}

/// Every recorded exchange, oldest first; damaged lines are skipped with a warning.
fn load() -> Result<Vec<Exchange>, String> {
    let Some(path) = history_path() else { return Ok(Vec::new()) };
    let (history, skipped) = History::at(path).load()?;
    for warning in skipped {
        eprintln!("till: warning: {}", crate::text::line(&warning));
    }
    Ok(history)
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
                super::common::note_cut("requests", more, max, None);
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
                crate::text::line_escaped(e.path()).into_owned(),
                e.request_id.as_deref().map_or_else(|| "-".into(), |id| crate::text::line_escaped(id).into_owned()),
            ]
        })
        .collect();
    super::table::render(&["#", "WHEN (UTC)", "PROVIDER", "METHOD", "STATUS", "TIME", "PATH", "REQUEST ID"], &rows)
}

/// The exchange as text, with a C1 or bidi control anywhere in it written visibly: a JSON body
/// with JSON's escape (`\u202e`, the same value, as `--dry-run` and `--curl` write it), the
/// rest with its code point (`\u{202E}`), where the printer's `�` could not be told from a
/// provider's own U+FFFD.
fn detail(e: &Exchange) -> String {
    let mut out = format!("{} {}\n", e.method, e.url);
    let status = e.status.map_or_else(|| "no response".into(), |s| s.to_string());
    out += &format!("status {status} · {} ms · attempt {}", e.duration.as_millis(), e.attempt);
    out += &format!(" · request id {}\n", e.request_id.as_deref().unwrap_or("-"));
    if let Some(error) = &e.error {
        out += &format!("error: {error}\n");
    }
    let request = ("request", &e.request_headers, &e.request_body, (e.request_body_cut, e.request_body_size));
    let response = ("response", &e.response_headers, &e.response_body, (e.response_body_cut, e.response_body_size));
    for (title, headers, body, (cut, size)) in [request, response] {
        out += &format!("\n{title}\n");
        for h in headers {
            out += &format!("  {}: {}\n", h.name, h.value);
        }
        if let Some(body) = body {
            out += &format!("\n{}\n", crate::providers::log::json_escaped(body));
            if cut {
                let (kept, size) = (
                    group_int(i64::try_from(body.len()).unwrap_or(i64::MAX)),
                    group_int(i64::try_from(size).unwrap_or(i64::MAX)),
                );
                out += &format!("[the history keeps the first {kept} bytes of this {size}-byte body]\n");
            }
        }
    }
    crate::text::block_escaped(&out).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn exchange(body: &str, size: usize, cut: bool) -> Exchange {
        serde_json::from_value(serde_json::json!({
            "id": 1, "provider": "flowglad", "started_at": "2026-12-07T10:00:00Z", "method": "GET",
            "url": "http://h/customers", "status": 200, "duration": 3, "request_id": null,
            "request_headers": [], "response_headers": [], "request_body": null, "request_body_size": 0,
            "response_body": body, "response_body_size": size, "response_body_cut": cut,
            "attempt": 1, "error": null
        }))
        .unwrap()
    }

    #[test]
    fn show_says_when_the_history_kept_only_the_start_of_a_body() {
        let cut = detail(&exchange(r#"{"data":[{"id":"cus_1"},"#, 40_883, true));
        assert!(
            cut.ends_with(
                "{\"data\":[{\"id\":\"cus_1\"},\n[the history keeps the first 24 bytes of this 40,883-byte body]\n"
            ),
            "{cut}"
        );
        let whole = detail(&exchange(r#"{"id":"cus_1"}"#, 14, false));
        assert!(whole.ends_with("{\"id\":\"cus_1\"}\n") && !whole.contains("keeps the first"), "{whole}");
    }

    /// A U+202E in a logged URL or body was printed as `�`, which also stands for a C1 control
    /// or a real U+FFFD: what was sent could not be told. It is written as its code point.
    #[test]
    fn show_writes_bidi_and_c1_controls_as_visible_escapes() {
        let mut e = exchange("{\"name\":\"evil\u{202e}gpj.exe\"}", 25, false);
        e.url = "http://h/customers?q=\u{202e}x".into();
        e.request_body = Some("name=a\u{202e}b\u{9b}c\u{fffd}".into());
        e.error = Some("refused \u{2066}x".into());
        // What `emit` prints.
        let shown = crate::text::block(&detail(&e)).into_owned();
        assert!(!shown.contains(['\u{202e}', '\u{9b}', '\u{2066}']), "raw: {shown}");
        assert!(shown.starts_with("GET http://h/customers?q=\\u{202E}x\n"), "{shown}");
        assert!(shown.contains("\nname=a\\u{202E}b\\u{009B}c\u{fffd}\n"), "a real U+FFFD stays one: {shown}");
        assert!(shown.contains("error: refused \\u{2066}x\n"), "{shown}");
        // A JSON body is written with JSON's escape, as `--dry-run` and curl exports do: the same value.
        assert!(shown.contains("\n{\"name\":\"evil\\u202egpj.exe\"}\n"), "{shown}");
    }
}
