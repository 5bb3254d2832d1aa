//! `till sandbox clock [advance STEP | set TIME]`, and how it finds the running sandbox.
//!
//! `till sandbox serve` (and a console started with `--sandbox-port`) records its URL, admin
//! token and process id in `sandbox.json` in till's state dir (`$TILL_DATA_DIR` when set), as
//! an owner-only file written atomically and removed on a clean exit. A record whose process
//! is gone (a crash, `kill -9`) is stale: it is reported and removed instead of used.
//! `--sandbox URL` with the token in `TILL_SANDBOX_TOKEN` points at another sandbox.

use std::path::{Path, PathBuf};

use clap::{Args, Subcommand};
use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::ServeArgs;
use super::common::{ExitCode, Failure, emit, failure};
use crate::sandbox::{self, SandboxOptions};
use crate::util::files;
use std::io::Write;

const RECORD_FILE: &str = "sandbox.json";

#[derive(Debug, Args)]
pub struct ClockArgs {
    #[command(subcommand)]
    pub action: Option<ClockAction>,
    /// Another sandbox's base URL, e.g. http://127.0.0.1:4010 (its admin token from
    /// TILL_SANDBOX_TOKEN); default: the one `till sandbox serve` recorded.
    #[arg(long, global = true)]
    pub sandbox: Option<url::Url>,
}

#[derive(Debug, Subcommand)]
pub enum ClockAction {
    /// Move the clock forward by a step: 1M (calendar months), 2w, 14d, 2h or 30m.
    Advance {
        /// How far: 1M, 2w, 14d, 2h or 30m.
        by: String,
    },
    /// Move the clock forward to a time, e.g. 2027-03-01T00:00Z (never back).
    Set {
        /// The new time: RFC 3339 (2027-03-01T00:00Z) or a date (2027-03-01, midnight UTC).
        to: String,
    },
}

/// What `sandbox.json` holds.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Record {
    pub url: String,
    pub token: String,
    pub pid: u32,
}

/// Where the record lives: `$TILL_DATA_DIR/sandbox.json`, else the XDG state dir.
pub fn record_path() -> Option<PathBuf> {
    if let Some(dir) = std::env::var_os("TILL_DATA_DIR") {
        return Some(PathBuf::from(dir).join(RECORD_FILE));
    }
    let dirs = directories::ProjectDirs::from("", "", "till")?;
    Some(dirs.state_dir().unwrap_or(dirs.data_local_dir()).join(RECORD_FILE))
}

/// The record of this process's sandbox; removes the file when dropped (a clean exit), if it
/// is still ours.
pub struct Recorded {
    path: PathBuf,
}

impl Drop for Recorded {
    fn drop(&mut self) {
        if read_record(&self.path).is_some_and(|r| r.pid == std::process::id()) {
            let _ = std::fs::remove_file(&self.path);
        }
    }
}

/// Records a sandbox this process serves. A failure to write is a warning: the sandbox works
/// without it, only `till sandbox clock` will need `--sandbox`.
pub fn record(url: &url::Url, token: &str) -> Option<Recorded> {
    let path = record_path()?;
    let record = Record {
        url: url.as_str().trim_end_matches('/').to_string(),
        token: token.to_string(),
        pid: std::process::id(),
    };
    let bytes = serde_json::to_vec_pretty(&record).ok()?;
    let written = files::private_parent(&path)
        .map_err(|e| e.to_string())
        .and_then(|()| files::write_atomic(&path, &bytes).map_err(|e| e.to_string()));
    match written {
        Ok(()) => Some(Recorded { path }),
        Err(e) => {
            tracing::warn!("could not record the sandbox in {}: {e}", path.display());
            None
        }
    }
}

fn read_record(path: &Path) -> Option<Record> {
    serde_json::from_slice(&std::fs::read(path).ok()?).ok()
}

/// Whether process `pid` is running (on Unix, signal 0; elsewhere assumed so).
fn alive(pid: u32) -> bool {
    #[cfg(unix)]
    {
        let Some(pid) = i32::try_from(pid).ok().and_then(rustix::process::Pid::from_raw) else { return false };
        match rustix::process::test_kill_process(pid) {
            Ok(()) => true,
            // Running, but someone else's: still alive.
            Err(e) => e == rustix::io::Errno::PERM,
        }
    }
    #[cfg(not(unix))]
    {
        let _ = pid;
        true
    }
}

/// The sandbox to talk to: `--sandbox` with `TILL_SANDBOX_TOKEN`, else the recorded one.
fn target(args: &ClockArgs) -> Result<(url::Url, String), Failure> {
    target_of(args.sandbox.as_ref())
}

/// The running sandbox's URL and admin token: `--sandbox URL` with `TILL_SANDBOX_TOKEN`, else
/// the record `till sandbox serve` left (also for `till listen` and `till trigger`).
pub(crate) fn target_of(sandbox: Option<&url::Url>) -> Result<(url::Url, String), Failure> {
    if let Some(url) = sandbox {
        let token = std::env::var("TILL_SANDBOX_TOKEN").ok().filter(|t| !t.trim().is_empty()).ok_or_else(|| {
            failure(ExitCode::Usage, "--sandbox needs the sandbox's admin token in TILL_SANDBOX_TOKEN")
        })?;
        return Ok((url.clone(), token.trim().to_string()));
    }
    let path = record_path().ok_or_else(|| failure(ExitCode::Failure, "no state directory to find the sandbox in"))?;
    let none = || {
        failure(
            ExitCode::Usage,
            "no running sandbox found: start one with `till sandbox serve` (or a console with --sandbox-port), or pass --sandbox URL with TILL_SANDBOX_TOKEN",
        )
    };
    let record = read_record(&path).ok_or_else(none)?;
    if !alive(record.pid) {
        let _ = std::fs::remove_file(&path);
        return Err(failure(
            ExitCode::Usage,
            format!(
                "the recorded sandbox (process {}) is no longer running; its record was removed. Start one with `till sandbox serve`",
                record.pid
            ),
        ));
    }
    let url = url::Url::parse(&record.url).map_err(|_| none())?;
    Ok((url, record.token))
}

/// `till sandbox clock …`
pub async fn run(args: ClockArgs, json: bool) -> Result<(), Failure> {
    let (base, token) = target(&args)?;
    let client = reqwest::Client::new();
    let url = |path: &str| base.join(path).map_err(|e| failure(ExitCode::Usage, format!("bad sandbox URL: {e}")));
    let request = match &args.action {
        None => client.get(url("/_admin/clock")?),
        Some(ClockAction::Advance { by }) => {
            client.post(url("/_admin/clock/advance")?).json(&serde_json::json!({ "by": by }))
        }
        Some(ClockAction::Set { to }) => client.put(url("/_admin/clock")?).json(&serde_json::json!({ "to": to })),
    };
    let answer = request
        .bearer_auth(&token)
        .send()
        .await
        .map_err(|e| failure(ExitCode::Failure, format!("cannot reach the sandbox at {base}: {e}")))?;
    let status = answer.status();
    let body: Value = answer.json().await.unwrap_or(Value::Null);
    if status.as_u16() == 401 {
        return Err(failure(ExitCode::Auth, "the sandbox refused the admin token (TILL_SANDBOX_TOKEN?)"));
    }
    if !status.is_success() {
        let why = body["error"].as_str().map_or_else(|| format!("the sandbox answered {status}"), str::to_string);
        return Err(failure(ExitCode::Validation, why));
    }
    emit(json, &body, || describe(&body))
}

/// The clock answer as text: the time, how far ahead, and what happened on the way.
fn describe(body: &Value) -> String {
    let text = |v: &Value| v.as_str().unwrap_or("?").to_string();
    let ahead = body["offset_seconds"].as_i64().unwrap_or(0);
    let mut out = format!("sandbox time  {}\n", text(&body["now"]));
    if ahead != 0 {
        let (days, hours, minutes) = (ahead / 86_400, ahead % 86_400 / 3_600, ahead % 3_600 / 60);
        out += &format!("real time     {}  (sandbox ahead by {days}d {hours}h {minutes}m)\n", text(&body["real"]));
    }
    if let Some(happened) = body["happened"].as_array() {
        out += &format!("{} happened on the way\n", happened.len());
        let rows: Vec<Vec<String>> = happened
            .iter()
            .map(|h| {
                let fields = ["at", "provider", "what", "object", "status"];
                fields.iter().map(|f| text(&h[*f])).collect()
            })
            .collect();
        if !rows.is_empty() {
            out += &super::table::render(&["AT", "PROVIDER", "WHAT", "OBJECT", "STATUS"], &rows);
        }
    }
    out
}

/// `till sandbox serve`: the sandbox in this process until Ctrl-C or SIGTERM, its record
/// (`record`) there meanwhile for `till sandbox clock`.
pub async fn serve(args: ServeArgs, hostile: bool) -> Result<(), Failure> {
    let options = SandboxOptions {
        port: args.port,
        extra_customers: args.customers,
        customers_on: args.customers_on,
        seed: args.seed,
        latency: args.latency,
        data_dir: args.data,
        capture: false,
        faults: args.faults.unwrap_or_default(),
        limits: sandbox::server::Limits::default(),
        hostile,
    };
    let handle = sandbox::start(options).await.map_err(|e| failure(ExitCode::Failure, e.to_string()))?;
    let mut out = String::new();
    out.push_str(&format!("till sandbox listening on {}\n", handle.base_url()));
    for kind in handle.providers() {
        let e = handle.endpoint(kind);
        out.push_str(&format!("{:<9} base {}  key {}", kind.display_name(), e.base_url, e.key.expose()));
        if let Some(edge) = &e.edge_url {
            out.push_str(&format!("  edge {edge}"));
        }
        if let Some(account) = &e.account {
            out.push_str(&format!("  account {account}"));
        }
        out.push('\n');
    }
    out.push_str(&format!("hosted checkout pages: {}pay/<session>\n", handle.base_url()));
    // The admin API changes how the sandbox behaves, so only whoever reads this may use it.
    out.push_str(&format!(
        "admin API: {}_admin/faults with header 'Authorization: Bearer {}'\n",
        handle.base_url(),
        handle.admin_token()
    ));
    out.push_str(&format!(
        "clock: {}_admin/clock (same header); `till sandbox clock advance 1M` finds this sandbox\n",
        handle.base_url()
    ));
    // Removed again when this function returns, on a clean exit.
    let _recorded = super::sandbox_clock::record(&handle.base_url(), handle.admin_token());
    print!("{out}");
    let _ = std::io::stdout().flush();
    wait_for_shutdown().await;
    eprintln!("till: sandbox stopped");
    handle.shutdown().await;
    Ok(())
}

/// Ctrl-C or SIGTERM.
async fn wait_for_shutdown() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        match signal(SignalKind::terminate()) {
            Ok(mut term) => {
                tokio::select! {
                    _ = tokio::signal::ctrl_c() => {}
                    _ = term.recv() => {}
                }
            }
            Err(_) => {
                let _ = tokio::signal::ctrl_c().await;
            }
        }
    }
    #[cfg(not(unix))]
    {
        let _ = tokio::signal::ctrl_c().await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_text_says_how_far_ahead_and_lists_what_happened() {
        let body = serde_json::json!({
            "now": "2027-02-15T12:00:00Z", "real": "2027-01-15T12:00:00Z", "offset_seconds": 31 * 86_400 + 3_660,
            "happened": [{"at": "2027-02-15T12:00:00Z", "provider": "kelviq", "what": "subscription.renewed",
                          "object": "sub_1", "status": "active"}],
        });
        let text = describe(&body);
        assert!(text.contains("sandbox time  2027-02-15T12:00:00Z"), "{text}");
        assert!(text.contains("ahead by 31d 1h 1m"), "{text}");
        assert!(text.contains("1 happened on the way") && text.contains("subscription.renewed"), "{text}");
        let still = describe(&serde_json::json!({"now": "2027-01-15T12:00:00Z", "offset_seconds": 0}));
        assert!(!still.contains("ahead"), "{still}");
    }

    #[test]
    fn a_live_process_is_alive_and_a_finished_one_is_not() {
        assert!(alive(std::process::id()));
        let mut child = std::process::Command::new("true").spawn().unwrap();
        let pid = child.id();
        child.wait().unwrap();
        assert!(!alive(pid));
    }
}
