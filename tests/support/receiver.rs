//! A stand-in for the developer's app: a webhook receiver on a free loopback port that answers
//! 200 and keeps every request (headers and exact body), for the tests of the sandbox's
//! deliveries.

#![allow(dead_code)]

use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::body::Bytes;
use axum::http::HeaderMap;

/// What the receiver got, in arrival order. Copy out what a test needs and let go of the lock
/// at once: the receiver takes it for the next delivery.
pub type Got = Arc<Mutex<Vec<(HeaderMap, String)>>>;

/// Its URL (`http://127.0.0.1:PORT/hooks`) and what it gets.
pub async fn receiver() -> (String, Got) {
    let got: Got = Arc::default();
    let keep = got.clone();
    let app = axum::Router::new().route(
        "/hooks",
        axum::routing::post(move |headers: HeaderMap, body: Bytes| {
            let keep = keep.clone();
            async move {
                keep.lock().unwrap().push((headers, String::from_utf8_lossy(&body).into_owned()));
                "ok"
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/hooks", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    (url, got)
}

/// Waits (at most 10 s) until the receiver holds at least `n` deliveries; what it holds then.
pub async fn wait_for(got: &Got, n: usize) -> Vec<(HeaderMap, String)> {
    for _ in 0..200 {
        if got.lock().unwrap().len() >= n {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    got.lock().unwrap().clone()
}

/// A header's value as text, empty when absent.
pub fn header<'a>(h: &'a HeaderMap, name: &str) -> &'a str {
    h.get(name).and_then(|v| v.to_str().ok()).unwrap_or_default()
}
