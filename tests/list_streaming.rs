//! `customers list --json` prints each page as it arrives: the output is byte for byte what
//! printing the collected list gives (Kelviq, read in parallel pages; Flowglad, by cursor), a
//! list that fails part-way keeps its exit code and leaves what was printed (the array open),
//! and the request history is still written, redacted and owner-only.

#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a panic is the failure report

use std::collections::HashMap;
use std::process::{Command, Output};

use axum::Router;
use axum::extract::Query;
use axum::http::StatusCode;
use axum::response::IntoResponse;
use axum::routing::get;
use serde_json::{Value, json};
use till::billing::ProviderKind;
use till::ops::customers;
use till::providers::{self, Http, HttpConfig};
use till::sandbox::{SandboxOptions, start};

fn till(args: &[&str], envs: &[(&str, &str)], data: &std::path::Path) -> Output {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_till"));
    cmd.args(args).env("TILL_DATA_DIR", data);
    for var in ["KELVIQ", "FLOWGLAD", "KUVARPAY", "ZENSKAR"] {
        cmd.env_remove(format!("TILL_{var}_BASE_URL")).env_remove(format!("TILL_{var}_KEY"));
    }
    for (k, v) in envs {
        cmd.env(k, v);
    }
    cmd.output().unwrap()
}

/// 366 customers on each provider (several pages of 100, a short last one) and one whose
/// every text field carries terminal escapes and bidi controls.
async fn sandbox() -> till::sandbox::SandboxHandle {
    start(SandboxOptions { extra_customers: 300, hostile: true, ..SandboxOptions::default() }).await.unwrap()
}

async fn printed_against(kind: ProviderKind) {
    let sandbox = sandbox().await;
    let endpoint = sandbox.endpoint(kind);
    let p = providers::connect(kind, endpoint.clone(), Http::new(HttpConfig::default()).unwrap()).unwrap();
    let listing = customers::list(p.as_ref(), None).await.unwrap();
    assert!(listing.customers.len() > 300, "{kind}: several pages");
    let whole = format!("{}\n", serde_json::to_string_pretty(&listing.customers).unwrap());
    let expected = till::text::json(&whole).into_owned();
    assert_ne!(expected, whole, "{kind}: the hostile customer needs escaping");

    let upper = kind.slug().to_ascii_uppercase();
    let (base, key) = (endpoint.base_url.to_string(), endpoint.key.expose().to_string());
    let data = tempfile::tempdir().unwrap();
    let data_path = data.path().to_path_buf();
    let out = tokio::task::spawn_blocking(move || {
        till(
            &["--provider", kind.slug(), "customers", "list", "--all", "--json"],
            &[(&format!("TILL_{upper}_BASE_URL"), &base), (&format!("TILL_{upper}_KEY"), &key)],
            &data_path,
        )
    })
    .await
    .unwrap();
    assert!(out.status.success(), "{kind}: {}", String::from_utf8_lossy(&out.stderr));
    assert!(out.stdout == expected.as_bytes(), "{kind}: the printed list differs from the collected one");

    // The history holds every page request, with the key redacted, in an owner-only file.
    let history = std::fs::read_to_string(data.path().join("requests.jsonl")).unwrap();
    let pages = listing.customers.len().div_ceil(100);
    assert_eq!(history.lines().count(), pages, "{kind}: one line per page");
    assert!(!history.contains(endpoint.key.expose()), "{kind}: the key never reaches the history");
    assert!(history.contains("[redacted]"), "{kind}");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(data.path().join("requests.jsonl")).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600, "{kind}");
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn kelviq_list_all_prints_the_bytes_the_collected_list_prints() {
    printed_against(ProviderKind::Kelviq).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn flowglad_list_all_prints_the_bytes_the_collected_list_prints() {
    printed_against(ProviderKind::Flowglad).await;
}

async fn serve(router: Router) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, router).await.unwrap() });
    format!("http://{addr}")
}

/// Flowglad pages of two customers: cursor none → "a" → "b" → `third` (the page the list
/// fails on, by its own cursor).
async fn flowglad_failing(third: fn() -> axum::response::Response) -> String {
    let handler = move |Query(q): Query<HashMap<String, String>>| async move {
        let (n, next) = match q.get("cursor").map(String::as_str) {
            None => (1, "a"),
            Some("a") => (2, "b"),
            _ => return third(),
        };
        let row = |i: u32| json!({"id": format!("cus_{n}{i}"), "externalId": format!("ext_{n}{i}"), "name": "N", "email": "n@x.io"});
        axum::Json(json!({"data": [row(1), row(2)], "hasMore": true, "nextCursor": next, "total": 6})).into_response()
    };
    serve(Router::new().route("/api/v1/customers", get(handler))).await
}

async fn list_all(base: String) -> Output {
    let data = tempfile::tempdir().unwrap();
    tokio::task::spawn_blocking(move || {
        till(
            &["--provider", "flowglad", "--base-url", &base, "customers", "list", "--all", "--json"],
            &[("TILL_FLOWGLAD_KEY", "sk_test_x")],
            data.path(),
        )
    })
    .await
    .unwrap()
}

/// The customers printed before the failure, and the array left open.
fn printed_ids(out: &Output) -> Vec<String> {
    let text = String::from_utf8(out.stdout.clone()).unwrap();
    assert!(serde_json::from_str::<Value>(&text).is_err(), "an unfinished list is not valid JSON: {text}");
    let closed: Vec<Value> = serde_json::from_str(&format!("{text}\n]")).unwrap();
    closed.iter().map(|c| c["id"].as_str().unwrap().to_string()).collect()
}

/// Before, a list that failed on page 3 printed nothing; now the pages before it are printed.
#[tokio::test(flavor = "multi_thread")]
async fn a_repeated_cursor_mid_way_keeps_the_printed_pages_and_the_exit_code() {
    let base = flowglad_failing(|| {
        let row = json!({"id": "cus_3", "externalId": "ext_3", "name": "N", "email": "n@x.io"});
        axum::Json(json!({"data": [row], "hasMore": true, "nextCursor": "a", "total": 6})).into_response()
    })
    .await;
    let out = list_all(base).await;
    assert_eq!(out.status.code(), Some(3), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(String::from_utf8_lossy(&out.stderr).contains("repeated cursor \"a\""));
    let ids = printed_ids(&out);
    assert_eq!(ids, ["ext_11", "ext_12", "ext_21", "ext_22"], "page 3, which repeats a cursor, is not printed");
}

#[tokio::test(flavor = "multi_thread")]
async fn an_error_mid_way_keeps_the_printed_pages_and_the_exit_code() {
    let base = flowglad_failing(|| (StatusCode::NOT_FOUND, "{\"error\":\"gone\"}").into_response()).await;
    let out = list_all(base).await;
    assert_eq!(out.status.code(), Some(3), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(String::from_utf8_lossy(&out.stderr).contains("customers, page 3"));
    assert_eq!(printed_ids(&out), ["ext_11", "ext_12", "ext_21", "ext_22"]);
}
