//! The binary's files and environment under hostile conditions: an audit journal that cannot be
//! written refuses the action, a damaged journal still lists, TILL_READ_ONLY takes the usual
//! spellings, durations that overflow are refused.

#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a panic is the failure report

use std::path::Path;
use std::process::{Command, Output};

fn till(data: &Path, args: &[&str], env: &[(&str, &str)]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_till"))
        .args(args)
        .env("TILL_DATA_DIR", data)
        .env("TILL_CONFIG_DIR", data.join("config"))
        .env_remove("TILL_PROFILE")
        .env_remove("TILL_READ_ONLY")
        .env_remove("TILL_KELVIQ_BASE_URL")
        .envs(env.iter().copied())
        .output()
        .unwrap()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

const CHECKOUT: [&str; 8] = ["checkout", "create", "--plan", "starter", "--period", "MONTHLY", "--customer", "c1"];

/// Used to create the checkout session and exit 0 with nothing journaled.
#[test]
fn an_unwritable_journal_refuses_the_checkout_and_names_the_file() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("a-file");
    std::fs::write(&file, "").unwrap();
    let out = till(&file.join("data"), &CHECKOUT, &[]);
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(err.contains("checkout.create refused, nothing was sent"), "{err}");
    assert!(err.contains(&file.join("data").display().to_string()) && err.contains("os error"), "{err}");
    assert!(out.stdout.is_empty(), "no checkout URL printed");
}

/// A torn line, garbage and a non-UTF-8 line used to make `till audit` fail for good.
#[test]
fn a_damaged_journal_lists_the_rest_and_says_what_it_skipped() {
    let data = tempfile::tempdir().unwrap();
    assert_eq!(till(data.path(), &CHECKOUT, &[]).status.code(), Some(0));
    let path = data.path().join("audit.jsonl");
    let mut bytes = std::fs::read(&path).unwrap();
    bytes.extend_from_slice(b"{garbage\n\xff\xfe\n{\"id\":\"torn");
    std::fs::write(&path, bytes).unwrap();
    assert_eq!(till(data.path(), &CHECKOUT, &[]).status.code(), Some(0), "the next action is journaled");
    let out = till(data.path(), &["audit", "--json"], &[]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let actions: Vec<serde_json::Value> = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(actions.len(), 2);
    assert!(actions.iter().all(|a| a["outcome"] == "succeeded"), "{actions:?}");
    assert!(
        stderr(&out).contains("skipped 3 damaged lines") && stderr(&out).contains("lines 3, 4, 5"),
        "{}",
        stderr(&out)
    );
}

/// `TILL_READ_ONLY=1` (as the README documents) used to be a usage error.
#[test]
fn till_read_only_takes_the_usual_spellings() {
    let data = tempfile::tempdir().unwrap();
    let create = ["customers", "create", "--id", "ro_1", "--name", "Read Only", "--email", "ro@example.com"];
    for on in ["1", "true", "YES", "On"] {
        let out = till(data.path(), &create, &[("TILL_READ_ONLY", on)]);
        assert_eq!(out.status.code(), Some(2), "{on}: {}", stderr(&out));
        assert!(stderr(&out).contains("read-only"), "{on}: {}", stderr(&out));
    }
    for off in ["0", "false", "no", "OFF"] {
        let out = till(data.path(), &create, &[("TILL_READ_ONLY", off)]);
        assert_eq!(out.status.code(), Some(0), "{off}: {}", stderr(&out));
    }
    let out = till(data.path(), &create, &[("TILL_READ_ONLY", "maybe")]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("maybe"), "{}", stderr(&out));
}

/// `4611686018427387904m` used to wrap to 0 s.
#[test]
fn a_duration_that_overflows_is_refused() {
    let data = tempfile::tempdir().unwrap();
    let out = till(data.path(), &["--timeout", "4611686018427387904m", "plans", "list"], &[]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("too long a duration"), "{}", stderr(&out));
}
