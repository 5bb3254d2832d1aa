//! `--output csv` on the list commands (issue 16): the same rows as `--json`, every cell whole,
//! and a usage error on commands that print no list.

#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a panic is the failure report

use std::process::{Command, Output};

fn till(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_till"))
        .args(args)
        .env_remove("TILL_KELVIQ_BASE_URL")
        .env("TILL_DATA_DIR", std::env::temp_dir().join(format!("till-csv-data-{}", std::process::id())))
        .output()
        .unwrap()
}

fn csv_rows(o: &Output) -> (Vec<String>, Vec<Vec<String>>) {
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let mut reader = csv::Reader::from_reader(o.stdout.as_slice());
    let headers = reader.headers().unwrap().iter().map(str::to_string).collect();
    let rows = reader.records().map(|r| r.unwrap().iter().map(str::to_string).collect()).collect();
    (headers, rows)
}

#[test]
fn customers_as_csv_hold_the_same_customers_as_json() {
    for provider in ["kelviq", "flowglad", "kuvarpay", "zenskar"] {
        let csv = till(&["customers", "list", "--limit", "30", "-p", provider, "--output", "csv"]);
        let (headers, rows) = csv_rows(&csv);
        assert_eq!(headers, ["NAME", "EMAIL", "ID", "CREATED"], "{provider}");
        let json = till(&["customers", "list", "--limit", "30", "-p", provider, "--json"]);
        let customers: Vec<serde_json::Value> = serde_json::from_slice(&json.stdout).unwrap();
        assert_eq!(rows.len(), customers.len(), "{provider}");
        for (row, c) in rows.iter().zip(&customers) {
            assert_eq!(row[2], c["id"].as_str().unwrap(), "{provider}: same order, whole ids");
            assert_eq!(row[1], c["email"].as_str().unwrap_or(""), "{provider}");
        }
    }
}

#[test]
fn plans_as_csv_keep_long_cells_whole() {
    let (headers, rows) = csv_rows(&till(&["plans", "list", "-p", "flowglad", "--output", "csv"]));
    assert_eq!(headers, ["PLAN", "NAME", "PERIOD", "CURRENCY", "PRICE"]);
    assert!(!rows.is_empty());
    assert!(rows.iter().flatten().all(|cell| !cell.ends_with('…')), "nothing cut: {rows:?}");
}

#[test]
fn csv_is_refused_where_there_is_no_list_and_with_json() {
    let o = till(&["customers", "get", "cus_x", "--output", "csv"]);
    assert_eq!(o.status.code(), Some(2), "{}", String::from_utf8_lossy(&o.stderr));
    assert!(String::from_utf8_lossy(&o.stderr).contains("--output csv does not apply to `till customers get`"));
    let o = till(&["plans", "list", "--json", "--output", "csv"]);
    assert_eq!(o.status.code(), Some(2));
    let o = till(&["plans", "list", "--output", "json"]);
    let plans: Vec<serde_json::Value> = serde_json::from_slice(&o.stdout).unwrap();
    assert!(!plans.is_empty(), "--output json is --json");
}

/// `TILL_SANDBOX_HOSTILE=1` was refused as "invalid value '1'" (a plain bool flag takes only
/// true/false); it now reads 1/0, yes/no, on/off like TILL_READ_ONLY.
#[test]
fn the_hostile_sandbox_switch_takes_one_as_the_environment_says() {
    let o = Command::new(env!("CARGO_BIN_EXE_till"))
        .args(["customers", "list", "--search", "hostile", "--output", "csv"])
        .env("TILL_SANDBOX_HOSTILE", "1")
        .env_remove("TILL_KELVIQ_BASE_URL")
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let out = String::from_utf8_lossy(&o.stdout);
    assert!(out.contains("Eve Hostile") && !out.contains('\u{1b}'), "{out}");
}
