//! The sandbox's webhook admin API beyond registering: each attempt's headers as sent, shown
//! by `GET /_admin/deliveries`, and `POST /_admin/events/{seq}/redeliver`.

#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a panic is the failure report

mod support;

use axum::http::HeaderMap;
use hmac::{Hmac, KeyInit, Mac};
use serde_json::{Value, json};
use sha2::Sha256;
use support::receiver::{header, receiver, wait_for};
use till::billing::ProviderKind;
use till::sandbox::events::Emitted;
use till::sandbox::{self, SandboxHandle, SandboxOptions};

/// Kelviq's scheme, computed here with the hmac crate (not the sandbox's signer).
fn kelviq_signed(h: &HeaderMap, body: &str, secret: &str) -> bool {
    let mut m = <Hmac<Sha256> as KeyInit>::new_from_slice(secret.as_bytes()).unwrap();
    m.update(format!("{}.{}.{body}", header(h, "webhook-id"), header(h, "webhook-timestamp")).as_bytes());
    header(h, "webhook-signature") == format!("v1,{}", hex::encode(m.finalize().into_bytes()))
}

async fn admin(sb: &SandboxHandle, method: reqwest::Method, path: &str, body: Option<Value>) -> (u16, Value) {
    let mut request =
        reqwest::Client::new().request(method, sb.base_url().join(path).unwrap()).bearer_auth(sb.admin_token());
    if let Some(body) = body {
        request = request.json(&body);
    }
    let answer = request.send().await.unwrap();
    let status = answer.status().as_u16();
    (status, answer.json().await.unwrap_or(Value::Null))
}

#[tokio::test]
async fn deliveries_show_the_headers_sent_and_events_can_be_redelivered() {
    let sb = sandbox::start(SandboxOptions::default()).await.unwrap();
    let (url, got) = receiver().await;
    let (status, endpoint) =
        admin(&sb, reqwest::Method::POST, "/_admin/webhooks", Some(json!({"provider": "kelviq", "url": url}))).await;
    assert_eq!(status, 201);
    let (id, secret) = (endpoint["id"].as_str().unwrap(), endpoint["secret"].as_str().unwrap());
    let now = sb.state().clock.now();
    sb.state().webhooks.emit(ProviderKind::Kelviq, vec![Emitted::new(now, "customer.created", "c1", json!({}))]);
    let first = wait_for(&got, 1).await;
    assert_eq!(first.len(), 1);

    let (_, attempts) = admin(&sb, reqwest::Method::GET, "/_admin/deliveries", None).await;
    let sent: Vec<(String, String)> = serde_json::from_value(attempts[0]["headers"].clone()).unwrap();
    for (name, value) in &sent {
        assert_eq!(header(&first[0].0, name), value, "{name} as sent");
    }
    let names: Vec<&str> = sent.iter().map(|(n, _)| n.as_str()).collect();
    for must in ["webhook-id", "webhook-timestamp", "webhook-signature", "content-type"] {
        assert!(names.contains(&must), "{names:?}");
    }
    assert!(!attempts.to_string().contains(secret), "the secret is never shown");
    assert_eq!(attempts[0]["redelivery"], false);

    let seq = attempts[0]["event_seq"].as_u64().unwrap();
    let path = format!("/_admin/events/{seq}/redeliver");
    let (status, queued) = admin(&sb, reqwest::Method::POST, &path, None).await;
    assert_eq!((status, queued["queued"].clone()), (202, json!([id])));
    let (status, _) = admin(&sb, reqwest::Method::POST, &path, Some(json!({"endpoint": id}))).await;
    assert_eq!(status, 202);
    let all = wait_for(&got, 3).await;
    assert_eq!(all.len(), 3);
    for (h, body) in &all {
        assert_eq!(header(h, "webhook-id"), header(&first[0].0, "webhook-id"), "receivers dedupe by the event id");
        assert_eq!(body, &first[0].1);
        assert!(kelviq_signed(h, body, secret));
    }
    let (_, attempts) = admin(&sb, reqwest::Method::GET, "/_admin/deliveries", None).await;
    let marks: Vec<bool> = attempts.as_array().unwrap().iter().map(|a| a["redelivery"].as_bool().unwrap()).collect();
    assert_eq!(marks, [false, true, true]);

    let refused = |path: &str, body: Option<Value>| {
        let path = path.to_string();
        let sb = &sb;
        async move { admin(sb, reqwest::Method::POST, &path, body).await }
    };
    assert_eq!(refused("/_admin/events/999/redeliver", None).await.0, 404);
    assert_eq!(refused(&path, Some(json!({"endpoint": "we_nope"}))).await.0, 404);
    assert_eq!(refused("/_admin/events/x/redeliver", None).await.0, 400);
    assert_eq!(refused(&path, Some(json!({"endpoint": 5}))).await.0, 400);
    let anonymous = reqwest::Client::new().post(sb.base_url().join(&path).unwrap()).send().await.unwrap();
    assert_eq!(anonymous.status(), 401);
    let (status, _) = admin(&sb, reqwest::Method::DELETE, &format!("/_admin/webhooks/{id}"), None).await;
    assert_eq!(status, 204);
    let (status, why) = refused(&path, None).await;
    assert_eq!(status, 409);
    assert!(why["error"].as_str().unwrap().contains("no endpoint wants"), "{why}");
}
