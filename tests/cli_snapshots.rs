//! Snapshot tests of the headless CLI's output contract: the JSON *shapes* (field names and value
//! types, which the README promises are stable) and the human tables, per provider, against the
//! embedded sandbox. Dates move with the clock, so tables have them masked.

#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a panic is the failure report

use std::process::Command;

use serde_json::Value;

fn till(args: &[&str]) -> (String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_till"))
        .args(args)
        .env_remove("TILL_PROFILE")
        .env("TILL_DATA_DIR", std::env::temp_dir().join(format!("till-test-data-{}", std::process::id())))
        .env("TILL_CONFIG_DIR", std::env::temp_dir().join("till-snapshots-no-config"))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "till {args:?}: {}", String::from_utf8_lossy(&out.stderr));
    (String::from_utf8(out.stdout).unwrap(), String::from_utf8(out.stderr).unwrap())
}

/// The type skeleton of a document: scalars become their type, arrays the union of their items'
/// shapes, so the snapshot changes only when the contract does.
fn shape(value: &Value) -> Value {
    match value {
        Value::Null => Value::from("null"),
        Value::Bool(_) => Value::from("bool"),
        Value::Number(_) => Value::from("number"),
        Value::String(_) => Value::from("string"),
        Value::Array(items) => {
            let mut shapes: Vec<Value> = Vec::new();
            for item in items.iter().map(shape) {
                if !shapes.contains(&item) {
                    shapes.push(item);
                }
            }
            Value::Array(shapes)
        }
        Value::Object(map) => Value::Object(map.iter().map(|(k, v)| (k.clone(), shape(v))).collect()),
    }
}

fn json_shape(args: &[&str]) -> String {
    let (stdout, _) = till(args);
    let value: Value = serde_json::from_str(&stdout).unwrap_or_else(|e| panic!("till {args:?} printed non-JSON: {e}"));
    serde_json::to_string_pretty(&shape(&value)).unwrap()
}

fn first_customer(provider: &str) -> String {
    let (stdout, _) = till(&["--provider", provider, "--json", "customers", "list", "--limit", "1"]);
    let value: Value = serde_json::from_str(&stdout).unwrap();
    value[0]["id"].as_str().unwrap().to_string()
}

#[test]
fn json_shapes_per_provider() {
    for provider in ["kelviq", "flowglad", "kuvarpay", "zenskar"] {
        let customer = first_customer(provider);
        let customers = json_shape(&["--provider", provider, "--json", "customers", "list", "--limit", "5"]);
        let plans = json_shape(&["--provider", provider, "--json", "plans", "list"]);
        let subscriptions =
            json_shape(&["--provider", provider, "--json", "subscriptions", "list", "--customer", &customer]);
        insta::assert_snapshot!(format!("{provider}_customers_shape"), customers);
        insta::assert_snapshot!(format!("{provider}_plans_shape"), plans);
        insta::assert_snapshot!(format!("{provider}_subscriptions_shape"), subscriptions);
    }
}

#[test]
fn json_money_is_a_decimal_string_with_its_currency() {
    let (stdout, _) = till(&["--provider", "kelviq", "--json", "plans", "list"]);
    let plans: Value = serde_json::from_str(&stdout).unwrap();
    let mut seen = 0;
    for price in plans.as_array().unwrap().iter().flat_map(|p| p["prices"].as_array().cloned().unwrap_or_default()) {
        let amount = &price["amount"];
        assert!(amount["amount"].is_string(), "money amount must be a string: {price}");
        assert!(amount["currency"].as_str().is_some_and(|c| c.len() == 3), "money needs an ISO code: {price}");
        seen += 1;
    }
    assert!(seen > 0, "no prices in {stdout}");
}

/// A seeded customer with invoices on each provider that has an invoice API.
const INVOICED: [(&str, &str); 3] = [
    ("flowglad", "user_souza_moda"),
    ("kuvarpay", "adebayo@ogunlesi-foods.ng"),
    ("zenskar", "1e0b4434-cc2d-4fad-b565-aa535e35984a"),
];

#[test]
fn invoice_json_shapes_and_tables() {
    for (provider, customer) in INVOICED {
        let args = ["--provider", provider, "--json", "invoices", "list", "--customer", customer];
        let (stdout, _) = till(&args);
        let invoices: Value = serde_json::from_str(&stdout).unwrap();
        assert!(invoices.as_array().is_some_and(|a| !a.is_empty()), "{provider}: no invoices for {customer}");
        insta::assert_snapshot!(format!("{provider}_invoices_shape"), json_shape(&args));
        let (table, _) = till(&["--provider", provider, "invoices", "list", "--customer", customer]);
        let mut settings = insta::Settings::clone_current();
        settings.add_filter(r"\d{4}-\d{2}-\d{2}", "YYYY-MM-DD");
        settings.add_filter(r"127\.0\.0\.1:\d+", "127.0.0.1:PORT");
        settings.bind(|| insta::assert_snapshot!(format!("{provider}_invoices_table"), table));
    }
}

#[test]
fn tables_per_provider() {
    for provider in ["kelviq", "flowglad", "kuvarpay", "zenskar"] {
        let (plans, _) = till(&["--provider", provider, "plans", "list"]);
        insta::assert_snapshot!(format!("{provider}_plans_table"), plans);
        let (customers, _) = till(&["--provider", provider, "customers", "list", "--limit", "5"]);
        let mut settings = insta::Settings::clone_current();
        settings.add_filter(r"\d{4}-\d{2}-\d{2}", "YYYY-MM-DD");
        settings.bind(|| insta::assert_snapshot!(format!("{provider}_customers_table"), customers));
    }
}
