//! Flowglad's `GET` and `PUT /api/v1/webhooks/{id}` in the sandbox: requests and responses
//! checked against Flowglad's OpenAPI document, as tests/conformance_flowglad.rs does; a PUT
//! changes the url, the filter types and `active`, and an inactive endpoint receives nothing.

#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a panic is the failure report

mod support;

use std::time::Duration;

use serde_json::{Value, json};
use support::openapi::Spec;
use support::receiver::{receiver, wait_for};
use till::billing::ProviderKind;
use till::sandbox::events::Emitted;
use till::sandbox::{self, SandboxHandle, SandboxOptions};

/// Sends a Flowglad request, checks both sides against the spec, and returns the answer.
async fn call(sb: &SandboxHandle, spec: Option<&Spec>, method: &str, path: &str, body: Value) -> (u16, Value) {
    let method_ = reqwest::Method::from_bytes(method.as_bytes()).unwrap();
    let mut request = reqwest::Client::new()
        .request(method_, sb.provider_url(&format!("flowglad{path}")))
        .header("authorization", till::sandbox::keys::FLOWGLAD);
    if !body.is_null() {
        request = request.json(&body);
    }
    let answer = request.send().await.unwrap();
    let status = answer.status().as_u16();
    let got: Value = answer.json().await.unwrap_or(Value::Null);
    if let (Some(spec), 200) = (spec, status) {
        spec.validate_request(method, path, &body).unwrap_or_else(|e| panic!("request {method} {path}: {e:?}"));
        spec.validate_response(method, path, status, &got).unwrap_or_else(|e| panic!("{method} {path}: {e:?}"));
    }
    (status, got)
}

fn customer_created(sb: &SandboxHandle, id: &str) {
    let now = sb.state().clock.now();
    sb.state()
        .webhooks
        .emit(ProviderKind::Flowglad, vec![Emitted::new(now, "customer.created", id, json!({"id": id}))]);
}

#[tokio::test]
async fn get_and_put_webhooks_as_the_spec_defines_and_inactive_endpoints_receive_nothing() {
    let spec = Spec::load("flowglad");
    let sb = sandbox::start(SandboxOptions::default()).await.unwrap();
    let (first_url, first) = receiver().await;
    let (second_url, second) = receiver().await;
    let create = json!({"webhook": {"url": first_url, "name": "app", "pricingModelId": "pm_1",
        "filterTypes": ["customer.created"]}});
    let (status, created) = call(&sb, spec.as_ref(), "POST", "/api/v1/webhooks", create).await;
    assert_eq!(status, 200, "{created}");
    let id = created["webhook"]["id"].as_str().unwrap().to_string();
    let path = format!("/api/v1/webhooks/{id}");

    let (status, shown) = call(&sb, spec.as_ref(), "GET", &path, Value::Null).await;
    assert_eq!(status, 200);
    assert_eq!(shown["webhook"], created["webhook"], "GET shows it as created");
    assert!(!shown.to_string().contains(created["secret"].as_str().unwrap()), "never the secret again");

    let off = json!({"webhook": {"id": id, "url": first_url, "filterTypes": ["customer.created"], "active": false}});
    let (status, updated) = call(&sb, spec.as_ref(), "PUT", &path, off).await;
    assert_eq!((status, &updated["webhook"]["active"]), (200, &json!(false)));
    assert_eq!(updated["webhook"]["name"], "app", "a field left out stays");
    customer_created(&sb, "user_1");
    tokio::time::sleep(Duration::from_millis(1_500)).await;
    assert!(first.lock().unwrap().is_empty(), "an inactive endpoint receives nothing");
    assert!(sb.state().webhooks.attempts_after(0, Some(&id)).is_empty());

    let on = json!({"webhook": {"id": id, "url": second_url, "name": "renamed", "active": true,
        "filterTypes": ["customer.created", "customer.updated"]}});
    let (status, updated) = call(&sb, spec.as_ref(), "PUT", &path, on).await;
    assert_eq!(status, 200);
    assert_eq!(updated["webhook"]["url"], json!(second_url));
    assert_eq!(updated["webhook"]["filterTypes"], json!(["customer.created", "customer.updated"]));
    assert_eq!(updated["webhook"]["name"], "renamed");
    assert!(updated["webhook"]["updatedAt"].as_i64() >= created["webhook"]["updatedAt"].as_i64());
    customer_created(&sb, "user_2");
    let delivered: Vec<String> = wait_for(&second, 1).await.into_iter().map(|(_, body)| body).collect();
    assert_eq!(delivered.len(), 1);
    assert!(delivered[0].contains("user_2"), "only what happened while active: {delivered:?}");
    assert!(first.lock().unwrap().is_empty(), "the old url gets nothing");

    let (status, _) = call(&sb, None, "GET", "/api/v1/webhooks/webhook_nope", Value::Null).await;
    assert_eq!(status, 404);
    let wrong = json!({"webhook": {"id": "other", "url": second_url, "filterTypes": []}});
    assert_eq!(call(&sb, None, "PUT", &path, wrong).await.0, 400, "the body's id must be the path's");
    let bad = json!({"webhook": {"id": id, "url": second_url, "filterTypes": ["nope"]}});
    assert_eq!(call(&sb, None, "PUT", &path, bad).await.0, 400);
    let remote = json!({"webhook": {"id": id, "url": "http://example.com/hooks", "filterTypes": []}});
    assert_eq!(call(&sb, None, "PUT", &path, remote).await.0, 400, "receivers stay on this machine");
    // A Kelviq endpoint is not Flowglad's to show.
    let kelviq = sb.state().webhooks.register(ProviderKind::Kelviq, second_url.parse().unwrap(), None, None);
    let (status, _) = call(&sb, None, "GET", &format!("/api/v1/webhooks/{}", kelviq.id), Value::Null).await;
    assert_eq!(status, 404);
}
