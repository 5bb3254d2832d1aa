//! Paging against tiny loopback servers that misbehave the way independent mock servers did:
//! a constant page size under `--limit`, and lists that never end (a repeated cursor, a cycle
//! of cursors, an empty page that says more follow) stop with an error instead of looping.

#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a panic is the failure report

use std::collections::HashMap;
use std::process::{Command, Output};
use std::sync::{Arc, Mutex};

use axum::extract::{Query, State};
use axum::routing::get;
use axum::{Json, Router};
use serde_json::{Value, json};
use till::billing::ProviderKind;
use till::providers::{self, Endpoint, ErrorKind, Http, HttpConfig, PageRequest, Secret};

type Seen = Arc<Mutex<Vec<String>>>;

async fn serve(router: Router) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, router).await.unwrap() });
    format!("http://{addr}")
}

fn endpoint(base: &str) -> Endpoint {
    Endpoint {
        base_url: url::Url::parse(base).unwrap(),
        edge_url: None,
        key: Secret::new("sk_test_paging"),
        client_key: None,
        account: None,
    }
}

/// Kelviq's page-number grid over 250 customers, honouring `page` and `page_size` as Django does.
async fn kelviq_customers(State(seen): State<Seen>, Query(q): Query<HashMap<String, String>>) -> Json<Value> {
    let page: usize = q.get("page").and_then(|p| p.parse().ok()).unwrap_or(1);
    let size: usize = q.get("page_size").and_then(|p| p.parse().ok()).unwrap_or(20);
    seen.lock().unwrap().push(format!("page={page}&page_size={size}"));
    let total = 250;
    let rows: Vec<Value> = ((page - 1) * size..(page * size).min(total))
        .map(|i| json!({"id": format!("u{i}"), "customerId": format!("c{i:03}"), "name": format!("C {i}")}))
        .collect();
    let next = (page * size < total).then(|| format!("http://x/api/v1/customers/?page={}&page_size={size}", page + 1));
    Json(json!({"count": total, "next": next, "previous": null, "results": rows}))
}

fn till(args: &[&str], envs: &[(&str, &str)]) -> Output {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_till"));
    cmd.args(args)
        .env_remove("TILL_KELVIQ_BASE_URL")
        .env_remove("TILL_FLOWGLAD_BASE_URL")
        .env("TILL_DATA_DIR", std::env::temp_dir().join(format!("till-test-paging-{}", std::process::id())));
    for (k, v) in envs {
        cmd.env(k, v);
    }
    cmd.output().unwrap()
}

/// `customers list --limit 120` used to ask `page=2&page_size=20` after a first page of 100:
/// rows 21–40 again. Every page now has the same size and the cut is local.
#[tokio::test(flavor = "multi_thread")]
async fn limit_keeps_the_page_size_constant_and_cuts_locally() {
    let seen: Seen = Arc::default();
    let base = serve(Router::new().route("/api/v1/customers/", get(kelviq_customers)).with_state(seen.clone())).await;
    let api = format!("{base}/api/v1");
    let out = tokio::task::spawn_blocking(move || {
        till(
            &[
                "--provider",
                "kelviq",
                "--base-url",
                &api,
                "--edge-url",
                &api,
                "customers",
                "list",
                "--limit",
                "120",
                "--json",
            ],
            &[("TILL_KELVIQ_KEY", "k")],
        )
    })
    .await
    .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let rows: Vec<Value> = serde_json::from_slice(&out.stdout).unwrap();
    let ids: std::collections::BTreeSet<&str> = rows.iter().map(|r| r["id"].as_str().unwrap()).collect();
    assert_eq!((rows.len(), ids.len()), (120, 120), "120 distinct customers");
    assert_eq!(ids.last(), Some(&"c119"));
    assert_eq!(*seen.lock().unwrap(), vec!["page=1&page_size=100", "page=2&page_size=100"]);
}

/// A caller that changes its limit between pages still gets the grid the cursor was made in.
#[tokio::test]
async fn kelviq_cursor_keeps_the_page_size_it_was_counted_in() {
    let seen: Seen = Arc::default();
    let base = serve(Router::new().route("/api/v1/customers/", get(kelviq_customers)).with_state(seen.clone())).await;
    let kelviq = providers::connect(
        ProviderKind::Kelviq,
        endpoint(&format!("{base}/api/v1")),
        Http::new(HttpConfig::default()).unwrap(),
    )
    .unwrap();
    let first = kelviq.list_customers(&PageRequest::first(100)).await.unwrap();
    let second = kelviq
        .list_customers(&PageRequest { cursor: first.next_cursor, limit: 20, search: None, follows: false })
        .await
        .unwrap();
    assert_eq!(second.items.first().map(|c| c.id.as_str()), Some("c100"));
    assert_eq!(seen.lock().unwrap()[1], "page=2&page_size=100");
}

/// Flowglad customers whose `nextCursor` is chosen by `next(cursor)`; one row a page.
fn flowglad_server(next: fn(Option<&str>) -> Option<&'static str>, seen: Seen) -> Router {
    let handler = move |State(seen): State<Seen>, Query(q): Query<HashMap<String, String>>| async move {
        let cursor = q.get("cursor").cloned();
        seen.lock().unwrap().push(cursor.clone().unwrap_or_default());
        let n = seen.lock().unwrap().len();
        let customer = json!({"id": format!("cus_{n}"), "externalId": format!("ext_{n}"), "name": "N", "email": "n@x"});
        let next = next(cursor.as_deref());
        Json(json!({"data": [customer], "hasMore": next.is_some(), "nextCursor": next, "total": 3.0}))
    };
    Router::new().route("/api/v1/customers", get(handler)).with_state(seen)
}

/// `hasMore: true` with the same `nextCursor` made `customers list --all` run forever
/// (1,469 requests in 45 s) and the console "load more" at 20 requests a second.
#[tokio::test]
async fn a_repeated_cursor_is_an_error_on_the_page_that_repeats_it() {
    let seen: Seen = Arc::default();
    let base = serve(flowglad_server(|_| Some("same"), seen.clone())).await;
    let flowglad =
        providers::connect(ProviderKind::Flowglad, endpoint(&base), Http::new(HttpConfig::default()).unwrap()).unwrap();
    let first = flowglad.list_customers(&PageRequest::first(10)).await.unwrap();
    assert_eq!(first.next_cursor.as_deref(), Some("same"));
    let err = flowglad
        .list_customers(&PageRequest { cursor: first.next_cursor, limit: 10, search: None, follows: false })
        .await
        .unwrap_err();
    assert_eq!(err.kind, ErrorKind::Decode);
    assert!(err.message.contains("same cursor") && err.message.contains("\"same\""), "{}", err.message);
    assert_eq!(seen.lock().unwrap().len(), 2);
}

/// A cycle of cursors (a → b → a) passes each page's own check; the command's guard stops it.
#[tokio::test(flavor = "multi_thread")]
async fn a_cycle_of_cursors_stops_customers_list_all() {
    let seen: Seen = Arc::default();
    let base = serve(flowglad_server(
        |c| match c {
            None | Some("b") => Some("a"),
            _ => Some("b"),
        },
        seen.clone(),
    ))
    .await;
    let out = tokio::task::spawn_blocking(move || {
        till(
            &["--provider", "flowglad", "--base-url", &base, "customers", "list", "--all"],
            &[("TILL_FLOWGLAD_KEY", "sk_test_x")],
        )
    })
    .await
    .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success());
    assert!(stderr.contains("repeated cursor \"a\""), "{stderr}");
    assert_eq!(seen.lock().unwrap().len(), 3, "None, a, b — then a again is refused before it is sent");
}

/// An empty page that says more follow is no progress: refused rather than followed.
#[tokio::test]
async fn an_empty_page_that_says_more_follow_is_an_error() {
    let handler = |Query(q): Query<HashMap<String, String>>| async move {
        let page: u64 = q.get("page").and_then(|p| p.parse().ok()).unwrap_or(1);
        Json(json!({"count": 5, "next": format!("http://x/?page={}", page + 1), "previous": null, "results": []}))
    };
    let base = serve(Router::new().route("/api/v1/customers/", get(handler))).await;
    let kelviq = providers::connect(
        ProviderKind::Kelviq,
        endpoint(&format!("{base}/api/v1")),
        Http::new(HttpConfig::default()).unwrap(),
    )
    .unwrap();
    let err = kelviq.list_customers(&PageRequest::first(10)).await.unwrap_err();
    assert!(err.message.contains("empty page"), "{}", err.message);
    // get_customer follows every page of a search: it stops at the first empty one too.
    let err = kelviq.get_customer("c1").await.unwrap_err();
    assert!(err.message.contains("empty but said more follow"), "{}", err.message);
}
