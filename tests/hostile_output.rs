//! The real binary against a sandbox that sends hostile text (`--sandbox-hostile`: a customer
//! in every provider whose every text field carries ESC, OSC 0/52, CSI, BEL, CR and C1
//! controls). In text mode none of those bytes reach stdout or stderr; `--json` keeps the data
//! exact. Also the sandbox's own input limits: out-of-range seeds and `--customers`.

#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a panic is the failure report

use std::process::{Command, Output};

use serde_json::Value;

fn till(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_till"))
        .args(args)
        .env("TILL_SANDBOX_HOSTILE", "true")
        .env_remove("TILL_PROFILE")
        .env("TILL_DATA_DIR", std::env::temp_dir().join(format!("till-hostile-{}", std::process::id())))
        .output()
        .unwrap()
}

/// No byte that can start or end a terminal control sequence, nor a CR, nor a bidi control.
fn assert_inert(bytes: &[u8], what: &str) {
    let text = String::from_utf8_lossy(bytes);
    let bad: Vec<char> = text.chars().filter(|c| till::text::is_unsafe(*c) && *c != '\n' && *c != '\t').collect();
    assert!(bad.is_empty(), "{what} carries {bad:?}:\n{text}");
}

const PROVIDERS: [&str; 4] = ["kelviq", "flowglad", "kuvarpay", "zenskar"];

#[test]
fn hostile_provider_text_never_reaches_the_terminal() {
    for provider in PROVIDERS {
        let list = till(&["--provider", provider, "customers", "list", "--limit", "200"]);
        assert_eq!(list.status.code(), Some(0), "{provider}: {}", String::from_utf8_lossy(&list.stderr));
        let shown = String::from_utf8_lossy(&list.stdout).to_string();
        assert!(
            shown.contains("Eve Hostile ␛]0;pwned␇"),
            "{provider}: the hostile customer is listed, inert:\n{shown}"
        );
        assert_inert(&list.stdout, &format!("{provider} customers list"));
        assert_inert(&list.stderr, &format!("{provider} customers list stderr"));

        // The same data as JSON is exact: the escapes are there, JSON-escaped.
        let json = till(&["--provider", provider, "--json", "customers", "list", "--limit", "200"]);
        let customers: Value = serde_json::from_slice(&json.stdout).unwrap();
        let names: Vec<&str> = customers.as_array().unwrap().iter().filter_map(|c| c["name"].as_str()).collect();
        assert!(names.iter().any(|n| n.starts_with("Eve Hostile \x1b]0;pwned\x07")), "{provider}: {names:?}");
        assert_inert(&json.stdout, "JSON escapes its control characters");

        // A provider's error text echoing a hostile id goes to stderr inert too.
        let missing = till(&["--provider", provider, "subscriptions", "get", "sub_\x1b]0;pwned\x07\u{9b}2J"]);
        assert_ne!(missing.status.code(), Some(0));
        assert_ne!(missing.status.code(), Some(101), "no panic");
        assert_inert(&missing.stdout, "error stdout");
        assert_inert(&missing.stderr, &format!("{provider} error stderr"));
    }
}

#[test]
fn the_hostile_customers_subscriptions_print_inert() {
    for provider in PROVIDERS {
        let json = till(&["--provider", provider, "--json", "customers", "list", "--limit", "200"]);
        let customers: Value = serde_json::from_slice(&json.stdout).unwrap();
        let hostile = customers
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["name"].as_str().is_some_and(|n| n.starts_with("Eve Hostile")))
            .unwrap_or_else(|| panic!("{provider}: no hostile customer"));
        let id = hostile["id"].as_str().unwrap();
        for args in [vec!["customers", "get", id], vec!["subscriptions", "list", "--customer", id]] {
            let mut all = vec!["--provider", provider];
            all.extend(args.iter().copied());
            let o = till(&all);
            assert_ne!(o.status.code(), Some(101), "{provider} {args:?}: no panic");
            assert_inert(&o.stdout, &format!("{provider} {args:?}"));
            assert_inert(&o.stderr, &format!("{provider} {args:?} stderr"));
        }
    }
}

#[test]
fn out_of_range_seed_days_are_a_clear_error_not_a_panic() {
    let dir = tempfile::tempdir().unwrap();
    let builtin = include_str!("../assets/sandbox/kelviq.json");
    let mut seed: Value = serde_json::from_str(builtin).unwrap();
    seed["customers"][0]["created_days_ago"] = Value::from(i64::MAX);
    std::fs::write(dir.path().join("kelviq.json"), seed.to_string()).unwrap();
    let o = till(&["sandbox", "serve", "--port", "0", "--data", dir.path().to_str().unwrap()]);
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(1), "{err}");
    assert!(err.contains("kelviq.json is not valid") && err.contains("created_days_ago"), "{err}");
}

#[test]
fn customers_past_the_bound_are_a_usage_error() {
    for args in [["sandbox", "serve", "--customers", "1000001"], ["console", "--sandbox-customers", "1000001", ""]] {
        let args: Vec<&str> = args.iter().copied().filter(|a| !a.is_empty()).collect();
        let o = till(&args);
        let err = String::from_utf8_lossy(&o.stderr);
        assert_eq!(o.status.code(), Some(2), "{args:?}: {err}");
        assert!(err.contains("at most 1000000"), "{err}");
    }
}
