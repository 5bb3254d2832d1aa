//! `till trigger` and `till listen --forward-to` (sandbox mode) as processes against a
//! `till sandbox serve` they find through its record: trigger makes the calls that cause an
//! event and the app receives it; listen registers an endpoint, prints its secret and each
//! delivery with the app's status, and unregisters when interrupted.

#![cfg(unix)]
#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a panic is the failure report

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Command, Output, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use serde_json::{Value, json};
use serve::{Served, Signal, signal_child};

#[path = "support/serve.rs"]
mod serve;

fn till(data: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_till"))
        .args(args)
        .env("TILL_DATA_DIR", data)
        .env_remove("TILL_SANDBOX_TOKEN")
        .output()
        .unwrap()
}

type Got = Arc<Mutex<Vec<String>>>;

/// An app on a free port that keeps each body and answers 204.
fn app(rt: &tokio::runtime::Runtime) -> (String, Got) {
    let got: Got = Arc::default();
    let keep = got.clone();
    let router = axum::Router::new().route(
        "/hooks",
        axum::routing::post(move |body: String| {
            let keep = keep.clone();
            async move {
                keep.lock().unwrap().push(body);
                axum::http::StatusCode::NO_CONTENT
            }
        }),
    );
    let listener = rt.block_on(tokio::net::TcpListener::bind("127.0.0.1:0")).unwrap();
    let url = format!("http://{}/hooks", listener.local_addr().unwrap());
    rt.spawn(async move { axum::serve(listener, router).await.unwrap() });
    (url, got)
}

fn wait_until(got: &Got, what: &str) -> Vec<String> {
    let deadline = Instant::now() + Duration::from_secs(15);
    loop {
        let now = got.lock().unwrap().clone();
        if now.iter().any(|b| b.contains(what)) || Instant::now() > deadline {
            return now;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
}

#[test]
fn trigger_causes_the_event_and_the_registered_app_receives_it() {
    let data = tempfile::tempdir().unwrap();
    let mut server = Served::start(data.path());
    let rt = tokio::runtime::Runtime::new().unwrap();
    let (url, got) = app(&rt);
    let (base, token) = (server.url.clone(), server.token.clone());
    let registered: Value = rt.block_on(async {
        reqwest::Client::new()
            .post(format!("{base}/_admin/webhooks"))
            .bearer_auth(&token)
            .json(&json!({"provider": "kelviq", "url": url}))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap()
    });
    assert!(registered["secret"].as_str().unwrap().starts_with("kq_whsec_"));

    let out = till(data.path(), &["trigger", "invoice.payment_failed", "-p", "kelviq", "--json"]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let report: Value = serde_json::from_slice(&out.stdout).unwrap();
    let steps = report["steps"].to_string();
    assert!(
        steps.contains("paid it on the hosted page with 4000 0000 0000 0341") && steps.contains("clock 1M"),
        "{steps}"
    );
    let bodies = wait_until(&got, "invoice.payment_failed");
    let kinds: Vec<String> = bodies
        .iter()
        .map(|b| serde_json::from_str::<Value>(b).unwrap()["type"].as_str().unwrap().to_string())
        .collect();
    assert!(kinds.contains(&"checkout.completed".to_string()), "{kinds:?}");
    assert!(kinds.contains(&"invoice.payment_failed".to_string()), "{kinds:?}");

    let list = till(data.path(), &["trigger", "--list"]);
    let text = String::from_utf8_lossy(&list.stdout);
    for row in [
        "purchase.completed",
        "checkout_session.completed",
        "contract.created",
        "subscription.cancelled",
        "subscription.plan_changed",
        "feature.usage_alert",
    ] {
        assert!(text.contains(row), "{text}");
    }
    let bad = till(data.path(), &["trigger", "purchase.completed", "-p", "kelviq"]);
    assert_eq!(bad.status.code(), Some(2), "an event the provider does not have is a usage error");
    server.stop();
}

#[test]
fn listen_registers_prints_each_delivery_and_unregisters_on_interrupt() {
    let data = tempfile::tempdir().unwrap();
    let mut server = Served::start(data.path());
    let rt = tokio::runtime::Runtime::new().unwrap();
    let (url, got) = app(&rt);
    let mut listen = Command::new(env!("CARGO_BIN_EXE_till"))
        .args(["listen", "--forward-to", &url, "-p", "flowglad", "--events", "customer.created"])
        .env("TILL_DATA_DIR", data.path())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut err = BufReader::new(listen.stderr.take().unwrap());
    let mut first = String::new();
    err.read_line(&mut first).unwrap();
    assert!(first.contains("Flowglad events") && first.contains("signing secret: whsec_"), "{first}");
    let trigger = till(data.path(), &["trigger", "customer.created", "-p", "flowglad"]);
    assert!(trigger.status.success(), "{}", String::from_utf8_lossy(&trigger.stderr));
    assert_eq!(wait_until(&got, "customer.created").len(), 1, "only the filtered type");
    let mut line = String::new();
    BufReader::new(listen.stdout.take().unwrap()).read_line(&mut line).unwrap();
    assert!(line.contains("customer.created") && line.contains("your app 204"), "{line}");
    signal_child(&mut listen, Signal::INT);
    let (base, token) = (server.url.clone(), server.token.clone());
    let left: Value = rt.block_on(async {
        let r = reqwest::Client::new().get(format!("{base}/_admin/webhooks")).bearer_auth(&token).send().await.unwrap();
        r.json().await.unwrap()
    });
    assert_eq!(left, json!([]), "unregistered on exit");
    server.stop();
}

/// The sandbox's event log after `after`, as `(provider, type)` pairs.
fn logged(server: &Served, after: usize) -> Vec<(String, String)> {
    let rt = tokio::runtime::Runtime::new().unwrap();
    let all: Vec<Value> = rt.block_on(async {
        let url = format!("{}/_admin/events", server.url);
        reqwest::Client::new().get(url).bearer_auth(&server.token).send().await.unwrap().json().await.unwrap()
    });
    let pair = |e: &Value| (e["provider"].as_str().unwrap().to_string(), e["type"].as_str().unwrap().to_string());
    all.iter().skip(after).map(pair).collect()
}

/// A plan change through each provider's API (Kelviq's `subscription.plan_changed`,
/// Flowglad's and KuvarPay's `subscription.updated`, Zenskar's `contract.updated` for a confirmed
/// amendment), and a Kelviq meter filled to its allowance.
#[test]
fn trigger_changes_plans_and_fills_meters_through_the_api() {
    let data = tempfile::tempdir().unwrap();
    let mut server = Served::start(data.path());
    for (provider, event) in [
        ("kelviq", "subscription.plan_changed"),
        ("flowglad", "subscription.updated"),
        ("kuvarpay", "subscription.updated"),
        ("zenskar", "contract.updated"),
        ("kelviq", "feature.usage_alert"),
    ] {
        let before = logged(&server, 0).len();
        let out = till(data.path(), &["trigger", event, "-p", provider, "--json"]);
        assert!(out.status.success(), "{provider} {event}: {}", String::from_utf8_lossy(&out.stderr));
        let report: Value = serde_json::from_slice(&out.stdout).unwrap();
        let steps = report["steps"].to_string();
        let then = logged(&server, before);
        let caused = then.iter().filter(|(p, k)| p == provider && k == event).count();
        if event == "feature.usage_alert" {
            assert_eq!(caused, 2, "80% and 100%: {then:?} after {steps}");
            assert!(steps.contains("created customer cus_trigger_"), "a customer of its own: {steps}");
        } else {
            assert!(steps.contains("changed subscription"), "{steps}");
            assert!(caused >= 1, "{provider} {event}: {then:?} after {steps}");
        }
    }
    server.stop();
}
