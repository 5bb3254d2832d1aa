//! `till trigger` and `till listen --forward-to` (sandbox mode) as processes against a
//! `till sandbox serve` they find through its record: trigger makes the calls that cause an
//! event and the app receives it; listen registers an endpoint, prints its secret and each
//! delivery with the app's status, and unregisters when interrupted.

#![cfg(unix)]
#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a panic is the failure report

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Output, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use serde_json::{Value, json};

fn till(data: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_till"))
        .args(args)
        .env("TILL_DATA_DIR", data)
        .env_remove("TILL_SANDBOX_TOKEN")
        .output()
        .unwrap()
}

fn serve(data: &Path) -> Child {
    let mut child = Command::new(env!("CARGO_BIN_EXE_till"))
        .args(["sandbox", "serve", "--port", "0"])
        .env("TILL_DATA_DIR", data)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut first = String::new();
    BufReader::new(child.stdout.take().unwrap()).read_line(&mut first).unwrap();
    let deadline = Instant::now() + Duration::from_secs(10);
    while !data.join("sandbox.json").exists() {
        assert!(Instant::now() < deadline, "serve recorded itself");
        std::thread::sleep(Duration::from_millis(20));
    }
    child
}

fn signal(child: &mut Child, signal: rustix::process::Signal) {
    let pid = rustix::process::Pid::from_raw(child.id() as i32).unwrap();
    rustix::process::kill_process(pid, signal).unwrap();
    child.wait().unwrap();
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

fn record(data: &Path) -> (String, String) {
    let r: Value = serde_json::from_slice(&std::fs::read(data.join("sandbox.json")).unwrap()).unwrap();
    (r["url"].as_str().unwrap().to_string(), r["token"].as_str().unwrap().to_string())
}

#[test]
fn trigger_causes_the_event_and_the_registered_app_receives_it() {
    let data = tempfile::tempdir().unwrap();
    let mut server = serve(data.path());
    let rt = tokio::runtime::Runtime::new().unwrap();
    let (url, got) = app(&rt);
    let (base, token) = record(data.path());
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
    for row in ["purchase.completed", "checkout_session.completed", "contract.created", "subscription.cancelled"] {
        assert!(text.contains(row), "{text}");
    }
    let bad = till(data.path(), &["trigger", "purchase.completed", "-p", "kelviq"]);
    assert_eq!(bad.status.code(), Some(2), "an event the provider does not have is a usage error");
    signal(&mut server, rustix::process::Signal::TERM);
}

#[test]
fn listen_registers_prints_each_delivery_and_unregisters_on_interrupt() {
    let data = tempfile::tempdir().unwrap();
    let mut server = serve(data.path());
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
    signal(&mut listen, rustix::process::Signal::INT);
    let (base, token) = record(data.path());
    let left: Value = rt.block_on(async {
        let r = reqwest::Client::new().get(format!("{base}/_admin/webhooks")).bearer_auth(&token).send().await.unwrap();
        r.json().await.unwrap()
    });
    assert_eq!(left, json!([]), "unregistered on exit");
    signal(&mut server, rustix::process::Signal::TERM);
}
