//! `till sandbox clock` as a process: it finds the sandbox `till sandbox serve` recorded,
//! moves its clock, refuses to go back, notices a record whose process is gone, and reaches
//! another sandbox with `--sandbox URL` and `TILL_SANDBOX_TOKEN`.

// Test code: a panic is the failure report. Most of these tests stop processes with signals,
// so only the last runs off Unix.
#![allow(clippy::unwrap_used, clippy::expect_used)]
#![cfg_attr(not(unix), allow(unused_imports, dead_code))]

use std::path::Path;
use std::process::{Command, Output};

use serde_json::Value;
#[cfg(unix)]
use serve::Served;

#[cfg(unix)]
#[path = "support/serve.rs"]
mod serve;

#[cfg(unix)]
fn till(data: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_till"))
        .args(args)
        .env("TILL_DATA_DIR", data)
        .env_remove("TILL_SANDBOX_TOKEN")
        .output()
        .unwrap()
}

fn json(out: &Output) -> Value {
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    serde_json::from_slice(&out.stdout).unwrap()
}

#[cfg(unix)]
#[test]
fn serve_records_itself_and_the_clock_command_finds_it_with_no_flags() {
    let data = tempfile::tempdir().unwrap();
    let mut server = Served::start(data.path());
    let record = server.record();
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&record).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600, "the record holds the admin token: owner-only");
    }
    let shown = json(&till(data.path(), &["sandbox", "clock", "--json"]));
    assert_eq!(shown["offset_seconds"], 0);
    let moved = json(&till(data.path(), &["sandbox", "clock", "advance", "1M", "--json"]));
    assert!(moved["offset_seconds"].as_i64().unwrap() >= 28 * 86_400, "{moved}");
    assert!(moved["happened"].is_array(), "{moved}");
    let text = till(data.path(), &["sandbox", "clock"]);
    let text = String::from_utf8_lossy(&text.stdout);
    assert!(text.contains("sandbox time") && text.contains("ahead by"), "{text}");
    let back = till(data.path(), &["sandbox", "clock", "set", "2020-01-01T00:00Z"]);
    assert!(!back.status.success());
    assert!(String::from_utf8_lossy(&back.stderr).contains("only moves forward"), "{back:?}");
    let bad = till(data.path(), &["sandbox", "clock", "advance", "soon"]);
    assert!(String::from_utf8_lossy(&bad.stderr).contains("M (months), w, d, h or m"), "{bad:?}");
    server.stop();
    assert!(!record.exists(), "a clean exit removes the record");
    let gone = till(data.path(), &["sandbox", "clock"]);
    assert!(String::from_utf8_lossy(&gone.stderr).contains("no running sandbox found"), "{gone:?}");
}

#[cfg(unix)]
#[test]
fn a_record_left_by_a_dead_process_is_reported_as_stale_and_removed() {
    let data = tempfile::tempdir().unwrap();
    let mut child = Command::new("true").spawn().unwrap();
    let dead = child.id();
    child.wait().unwrap();
    let record = data.path().join("sandbox.json");
    let body = serde_json::json!({"url": "http://127.0.0.1:9", "token": "x", "pid": dead});
    std::fs::write(&record, body.to_string()).unwrap();
    let out = till(data.path(), &["sandbox", "clock"]);
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains(&format!("process {dead}")) && err.contains("no longer running"), "{err}");
    assert!(!record.exists(), "the stale record is removed");
}

#[tokio::test]
async fn sandbox_url_with_the_token_in_the_environment_reaches_another_sandbox() {
    let sb = till::sandbox::start(Default::default()).await.unwrap();
    let data = tempfile::tempdir().unwrap();
    let (url, dir, token) = (sb.base_url().to_string(), data.path().to_path_buf(), sb.admin_token().to_string());
    let out = tokio::task::spawn_blocking(move || {
        let run = |token: Option<&str>| {
            let mut cmd = Command::new(env!("CARGO_BIN_EXE_till"));
            cmd.args(["sandbox", "clock", "advance", "2h", "--json", "--sandbox", &url]).env("TILL_DATA_DIR", &dir);
            match token {
                Some(t) => cmd.env("TILL_SANDBOX_TOKEN", t),
                None => cmd.env_remove("TILL_SANDBOX_TOKEN"),
            };
            cmd.output().unwrap()
        };
        (run(Some(&token)), run(None), run(Some("wrong")))
    })
    .await
    .unwrap();
    let offset = json(&out.0)["offset_seconds"].as_i64().unwrap();
    assert!((7_190..=7_200).contains(&offset), "two hours ahead: {offset}");
    assert!(String::from_utf8_lossy(&out.1.stderr).contains("TILL_SANDBOX_TOKEN"), "{:?}", out.1);
    assert!(String::from_utf8_lossy(&out.2.stderr).contains("refused the admin token"), "{:?}", out.2);
}
