//! The shared HTTP layer against a scripted local server: retries, Retry-After, idempotency
//! keys, timeouts, keep-alive and the request log.

#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a panic is the failure report

use std::collections::HashSet;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::Router;
use axum::extract::{ConnectInfo, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::IntoResponse;
use axum::routing::{get, post};
use reqwest::Method;
use till::billing::ProviderKind;
use till::providers::http::{ApiRequest, Idempotency, RetryPolicy};
use till::providers::{ErrorKind, Http, HttpConfig, Secret};
use url::Url;

#[derive(Clone, Default)]
struct Script {
    hits: Arc<Mutex<u32>>,
    keys: Arc<Mutex<Vec<String>>>,
    peers: Arc<Mutex<HashSet<SocketAddr>>>,
}

async fn flaky(State(s): State<Script>, headers: HeaderMap) -> impl IntoResponse {
    if let Some(k) = headers.get("idempotency-key") {
        s.keys.lock().unwrap().push(k.to_str().unwrap().to_string());
    }
    let mut hits = s.hits.lock().unwrap();
    *hits += 1;
    if *hits <= 2 {
        (StatusCode::SERVICE_UNAVAILABLE, "try later").into_response()
    } else {
        (StatusCode::OK, [("x-request-id", "req_ok")], "{}").into_response()
    }
}

async fn start() -> (Url, Script) {
    let script = Script::default();
    let app = Router::new()
        .route("/flaky", get(flaky).post(flaky))
        .route("/limited", get(|| async { (StatusCode::TOO_MANY_REQUESTS, [("retry-after", "3600")], "slow down") }))
        .route(
            "/limited-briefly",
            get(|s: State<Script>| async move {
                let mut hits = s.hits.lock().unwrap();
                *hits += 1;
                if *hits == 1 {
                    (StatusCode::TOO_MANY_REQUESTS, [("retry-after", "1")], "").into_response()
                } else {
                    "{}".into_response()
                }
            }),
        )
        .route(
            "/slow",
            get(|| async {
                tokio::time::sleep(Duration::from_secs(3)).await;
                "{}"
            }),
        )
        .route(
            "/plain-error",
            post(|| async { (StatusCode::UNAUTHORIZED, [("request-id", "req_401")], "Unauthorized") }),
        )
        .route(
            "/peer",
            get(|State(s): State<Script>, ConnectInfo(peer): ConnectInfo<SocketAddr>| async move {
                s.peers.lock().unwrap().insert(peer);
                "{}"
            }),
        )
        .with_state(script.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        axum::serve(listener, app.into_make_service_with_connect_info::<SocketAddr>()).await.unwrap()
    });
    (Url::parse(&format!("http://{addr}/")).unwrap(), script)
}

fn http(timeout: Duration) -> Http {
    let retry = RetryPolicy {
        max_attempts: 3,
        base_delay: Duration::from_millis(10),
        max_delay: Duration::from_millis(50),
        max_retry_after: Duration::from_secs(5),
        rate_limit_patience: Duration::from_millis(1500),
    };
    Http::new(HttpConfig { connect_timeout: Duration::from_secs(1), request_timeout: timeout, retry }).unwrap()
}

fn req(method: Method, base: &Url, path: &str) -> ApiRequest {
    ApiRequest::new(ProviderKind::Kelviq, method, base.join(path).unwrap())
}

#[tokio::test]
async fn reads_retry_on_503_and_log_each_attempt() {
    let (base, script) = start().await;
    let http = http(Duration::from_secs(5));
    let resp = http.send(req(Method::GET, &base, "flaky")).await.unwrap();
    assert_eq!(resp.request_id.as_deref(), Some("req_ok"));
    assert_eq!(*script.hits.lock().unwrap(), 3);
    let log = http.log().snapshot();
    assert_eq!(
        log.iter().map(|e| (e.attempt, e.status)).collect::<Vec<_>>(),
        [(1, Some(503)), (2, Some(503)), (3, Some(200))]
    );
}

#[tokio::test]
async fn unkeyed_writes_are_sent_once() {
    let (base, script) = start().await;
    let err = http(Duration::from_secs(5)).send(req(Method::POST, &base, "flaky")).await.unwrap_err();
    assert_eq!(err.status, Some(503));
    assert_eq!(err.message, "try later");
    assert_eq!(*script.hits.lock().unwrap(), 1);
}

#[tokio::test]
async fn keyed_writes_retry_with_the_same_key() {
    let (base, script) = start().await;
    http(Duration::from_secs(5))
        .send(req(Method::POST, &base, "flaky").idempotency(Idempotency::new_key()))
        .await
        .unwrap();
    let keys = script.keys.lock().unwrap().clone();
    assert_eq!(keys.len(), 3);
    assert!(keys.iter().all(|k| k == &keys[0]));
}

#[tokio::test]
async fn retry_after_is_honoured_within_its_bound() {
    let (base, _) = start().await;
    let http = http(Duration::from_secs(5));
    let started = Instant::now();
    http.send(req(Method::GET, &base, "limited-briefly")).await.unwrap();
    assert!(started.elapsed() >= Duration::from_secs(1), "waited for Retry-After");
    let started = Instant::now();
    let err = http.send(req(Method::GET, &base, "limited")).await.unwrap_err();
    assert_eq!(err.status, Some(429));
    assert!(started.elapsed() < Duration::from_secs(3), "an hour-long Retry-After is not waited for");
}

#[tokio::test]
async fn timeouts_and_refused_connections_are_reported() {
    let (base, _) = start().await;
    let err = http(Duration::from_millis(200)).send(req(Method::GET, &base, "slow")).await.unwrap_err();
    assert_eq!(err.kind, ErrorKind::Timeout);
    let dead = Url::parse("http://127.0.0.1:9/").unwrap();
    let http = http(Duration::from_secs(1));
    let err = http.send(req(Method::GET, &dead, "x")).await.unwrap_err();
    assert_eq!(err.kind, ErrorKind::Transport);
    assert!(err.message.contains("could not connect"), "{}", err.message);
    assert_eq!(http.log().len(), 3, "connection errors are retried for reads");
}

#[tokio::test]
async fn plain_text_errors_keep_message_and_request_id() {
    let (base, _) = start().await;
    let key = Secret::new("sk_test_canary_123");
    let request =
        req(Method::POST, &base, "plain-error").secret_header("authorization", key.expose().to_string(), &key);
    let http = http(Duration::from_secs(5));
    let err = http.send(request).await.unwrap_err();
    assert_eq!(
        (err.status, err.message.as_str(), err.request_id.as_deref()),
        (Some(401), "Unauthorized", Some("req_401"))
    );
    let log = serde_json::to_string(&http.log().snapshot()).unwrap();
    assert!(!log.contains("sk_test_canary_123"));
    assert!(!err.to_string().contains("sk_test_canary_123"));
}

#[tokio::test]
async fn sequential_requests_reuse_one_connection() {
    let (base, script) = start().await;
    let http = http(Duration::from_secs(5));
    for _ in 0..20 {
        http.send(req(Method::GET, &base, "peer")).await.unwrap();
    }
    assert_eq!(script.peers.lock().unwrap().len(), 1, "keep-alive pool reuses the connection");
}
