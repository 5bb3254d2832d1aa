//! End to end: a local receiver (axum, in this test) registered with the sandbox; a checkout
//! created and paid on the hosted page with the "pays, then declines" card; the clock moved a
//! month (the renewal fails), then past the retries. The receiver gets the documented events
//! in order, each signature checked here with the hmac crate directly (not `till::webhooks`,
//! not the sandbox's signer), and the subscription's state read through the client at each
//! step. Kelviq's `GET /webhook/logs/` is checked against its spec.

#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a panic is the failure report

mod support;

use std::sync::Arc;
use std::time::Duration;

use axum::http::HeaderMap;
use hmac::{Hmac, KeyInit, Mac};
use serde_json::{Value, json};
use sha2::Sha256;
use support::openapi::Spec;
use support::receiver::{header, receiver, wait_for};
use till::billing::{ChargePeriod, CheckoutRequest, ProviderKind};
use till::providers::{self, BillingProvider, Http, HttpConfig, PageRequest};
use till::sandbox::{self, SandboxHandle, SandboxOptions};

fn mac(key: &[u8], text: &[u8]) -> Vec<u8> {
    let mut m = <Hmac<Sha256> as KeyInit>::new_from_slice(key).unwrap();
    m.update(text);
    m.finalize().into_bytes().to_vec()
}

/// Kelviq: `v1,<hex HMAC-SHA256 of "{id}.{ts}.{body}">` keyed with the secret as written.
fn kelviq_signed(h: &HeaderMap, body: &str, secret: &str) -> bool {
    let text = format!("{}.{}.{body}", header(h, "webhook-id"), header(h, "webhook-timestamp"));
    header(h, "webhook-signature") == format!("v1,{}", hex::encode(mac(secret.as_bytes(), text.as_bytes())))
}

async fn admin_register(sb: &SandboxHandle, provider: &str, url: &str) -> Value {
    let answer = reqwest::Client::new()
        .post(sb.base_url().join("/_admin/webhooks").unwrap())
        .bearer_auth(sb.admin_token())
        .json(&json!({ "provider": provider, "url": url }))
        .send()
        .await
        .unwrap();
    assert_eq!(answer.status(), 201);
    answer.json().await.unwrap()
}

async fn connect(sb: &SandboxHandle, kind: ProviderKind) -> Arc<dyn BillingProvider> {
    providers::connect(kind, sb.endpoint(kind), Http::new(HttpConfig::default()).unwrap()).unwrap()
}

async fn pay(url: &str, card: &str) {
    let client = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap();
    let paid = support::pay::submit(&client, url, card).await;
    assert!(paid.status().is_redirection() || paid.status().is_success(), "{}", paid.status());
}

/// A monthly price that charges at once (no trial), so the renewal charges the card.
fn monthly_paid(pr: &till::billing::Price) -> bool {
    pr.period == ChargePeriod::Monthly && pr.kind == till::billing::PriceKind::Paid && pr.trial_days.unwrap_or(0) == 0
}

/// The deliveries whose body names `id` (the events about one subscription and its invoices).
fn ours(got: &[(HeaderMap, String)], id: &str) -> Vec<(HeaderMap, String)> {
    got.iter().filter(|(_, b)| b.contains(id)).cloned().collect()
}

fn types(got: &[(HeaderMap, String)], key: &str) -> Vec<String> {
    got.iter().map(|(_, b)| serde_json::from_str::<Value>(b).unwrap()[key].as_str().unwrap().to_string()).collect()
}

#[tokio::test]
async fn kelviq_sends_the_documented_sequence_signed_and_logs_it() {
    let sb = sandbox::start(SandboxOptions::default()).await.unwrap();
    let (url, got) = receiver().await;
    let endpoint = admin_register(&sb, "kelviq", &url).await;
    let secret = endpoint["secret"].as_str().unwrap().to_string();
    assert!(secret.starts_with("kq_whsec_"));
    let kelviq = connect(&sb, ProviderKind::Kelviq).await;
    let customer = kelviq.list_customers(&PageRequest::first(1)).await.unwrap().items.remove(0);
    let plan = kelviq.list_plans().await.unwrap().into_iter().find(|p| p.prices.iter().any(monthly_paid)).unwrap();
    let request = CheckoutRequest {
        plan_id: plan.id.clone(),
        period: Some(ChargePeriod::Monthly),
        customer_id: Some(customer.id.clone()),
        success_url: "https://example.com/welcome".into(),
        ..Default::default()
    };
    let session = kelviq.create_checkout(&request).await.unwrap();
    pay(session.url.as_deref().unwrap(), "4000 0000 0000 0341").await;
    let paid = wait_for(&got, 6).await;
    assert_eq!(
        types(&paid, "type"),
        [
            "checkout.completed",
            "order.created",
            "payment_method.created",
            "subscription.created",
            "invoice.created",
            "invoice.paid"
        ]
    );
    let created: Value = serde_json::from_str(&paid[3].1).unwrap();
    let sub_id = created["data"]["object"]["subscription_id"].as_str().map(str::to_string).unwrap_or_else(|| {
        created["data"]["object"]["uuid"].as_str().or(created["data"]["object"]["id"].as_str()).unwrap().to_string()
    });
    assert!(created["created_at"].is_string() && created["data"]["object"].is_object(), "{created}");
    assert_eq!(kelviq.get_subscription(&sub_id).await.unwrap().raw_status, "active");

    // A month on: the renewal's charge is declined; past_due.
    let month = sandbox::clock::Step::Months(1).after(sb.state().clock.now()).unwrap() + chrono::Duration::hours(1);
    sb.move_clock_to(month).unwrap();
    // Every seeded subscription renews too; these are the ones about ours.
    tokio::time::sleep(Duration::from_millis(500)).await;
    // checkout.completed does not name the subscription (documented), nor does the card:
    // 4 of ours before (the order, the subscription, its invoice created and paid).
    let renewed = ours(&wait_for(&got, 10).await, &sub_id);
    assert_eq!(
        types(&renewed[4..], "type"),
        ["subscription.updated", "invoice.created", "invoice.payment_failed", "subscription.updated"]
    );
    let past_due: Value = serde_json::from_str(&renewed[7].1).unwrap();
    assert_eq!(past_due["data"]["object"]["status"], "past_due");
    assert_eq!(kelviq.get_subscription(&sub_id).await.unwrap().raw_status, "past_due");

    // Past the 8 retries over 14 days: each fails, then the subscription is cancelled.
    sb.move_clock_to(month + chrono::Duration::days(15)).unwrap();
    tokio::time::sleep(Duration::from_millis(500)).await;
    let everything = wait_for(&got, 10 + 8 + 1).await;
    let all = ours(&everything, &sub_id);
    let tail = types(&all[8..], "type");
    assert_eq!(tail.iter().filter(|t| *t == "invoice.payment_failed").count(), 8, "{tail:?}");
    assert_eq!(tail.last().map(String::as_str), Some("subscription.cancelled"), "{tail:?}");
    assert_eq!(kelviq.get_subscription(&sub_id).await.unwrap().raw_status, "canceled");
    for (h, body) in &everything {
        assert!(kelviq_signed(h, body, &secret), "signature of {body}");
        assert!(!kelviq_signed(h, body, "kq_whsec_other"), "a wrong secret must not verify");
    }

    // Kelviq's own delivery log answers from the same attempts, as its spec says.
    let logs: Value = reqwest::Client::new()
        .get(sb.base_url().join("/kelviq/api/v1/webhook/logs/?page_size=100").unwrap())
        .bearer_auth(till::sandbox::keys::KELVIQ_SERVER)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    // The trailing 30 days of sandbox time only: the checkout's deliveries are 45 days back.
    let count = logs["count"].as_u64().unwrap();
    assert!(count > 0 && count < everything.len() as u64, "{count} of {}", everything.len());
    let floor = sb.state().clock.now() - chrono::Duration::days(30);
    for row in logs["results"].as_array().unwrap() {
        let at = chrono::DateTime::parse_from_rfc3339(row["lastAttempt"].as_str().unwrap()).unwrap();
        assert!(at >= floor - chrono::Duration::seconds(1), "{row}");
    }
    assert_eq!(logs["results"][0]["statusCode"], 200);
    assert_eq!(logs["results"][0]["isSuccess"], true);
    if let Some(spec) = Spec::load("kelviq") {
        spec.validate_response("GET", "/webhook/logs/", 200, &logs).unwrap();
    }
}

#[tokio::test]
async fn flowglad_registers_through_its_api_and_signs_svix_style() {
    let sb = sandbox::start(SandboxOptions::default()).await.unwrap();
    let (url, got) = receiver().await;
    let created: Value = reqwest::Client::new()
        .post(sb.provider_url("flowglad/api/v1/webhooks"))
        .header("authorization", till::sandbox::keys::FLOWGLAD)
        .json(&json!({"webhook": {"url": url, "name": "app", "pricingModelId": "pm_1",
            "filterTypes": ["purchase.completed", "subscription.created", "subscription.updated",
                            "subscription.canceled", "payment.succeeded", "payment.failed"]}}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let secret = created["secret"].as_str().unwrap();
    let key =
        base64::Engine::decode(&base64::engine::general_purpose::STANDARD, secret.strip_prefix("whsec_").unwrap())
            .unwrap();
    assert!(created["webhook"]["id"].as_str().unwrap().starts_with("webhook_"), "{created}");
    let flowglad = connect(&sb, ProviderKind::Flowglad).await;
    let plans = flowglad.list_plans().await.unwrap();
    let price = plans.iter().flat_map(|p| &p.prices).find(|pr| pr.id.is_some() && monthly_paid(pr)).unwrap();
    let request = CheckoutRequest {
        price_id: price.id.clone(),
        success_url: "https://example.com/welcome".into(),
        ..Default::default()
    };
    let session = flowglad.create_checkout(&request).await.unwrap();
    pay(session.url.as_deref().unwrap(), "4000 0000 0000 0341").await;
    let paid = wait_for(&got, 2).await;
    let kinds = types(&paid, "type");
    assert_eq!(&kinds[..2], ["purchase.completed", "subscription.created"], "{kinds:?}");
    for (h, body) in &paid {
        let text = format!("{}.{}.{body}", header(h, "svix-id"), header(h, "svix-timestamp"));
        let expected = base64::Engine::encode(&base64::engine::general_purpose::STANDARD, mac(&key, text.as_bytes()));
        assert_eq!(header(h, "svix-signature"), format!("v1,{expected}"));
    }
    let sub: Value = serde_json::from_str(&paid[1].1).unwrap();
    let sub_id = sub["data"]["id"].as_str().unwrap().to_string();
    let n = paid.len();
    sb.move_clock_to(
        sandbox::clock::Step::Months(1).after(sb.state().clock.now()).unwrap() + chrono::Duration::hours(1),
    )
    .unwrap();
    tokio::time::sleep(Duration::from_millis(500)).await;
    let renewed = ours(&wait_for(&got, n + 2).await, &sub_id);
    let kinds = types(&renewed, "type");
    assert!(kinds.contains(&"payment.failed".to_string()), "{kinds:?}");
    assert_eq!(flowglad.get_subscription(&sub_id).await.unwrap().raw_status, "past_due");

    // Past the retries (days 3, 5, 7): canceled, announced as such.
    let later = sb.state().clock.now() + chrono::Duration::days(15);
    sb.move_clock_to(later).unwrap();
    tokio::time::sleep(Duration::from_millis(500)).await;
    let all = ours(&got.lock().unwrap().clone(), &sub_id);
    let kinds = types(&all, "type");
    assert_eq!(kinds.iter().filter(|k| *k == "payment.failed").count(), 4, "{kinds:?}");
    assert_eq!(kinds.last().map(String::as_str), Some("subscription.canceled"), "{kinds:?}");
    assert_eq!(flowglad.get_subscription(&sub_id).await.unwrap().raw_status, "canceled");
    for (h, body) in &all {
        let text = format!("{}.{}.{body}", header(h, "svix-id"), header(h, "svix-timestamp"));
        let expected = base64::Engine::encode(&base64::engine::general_purpose::STANDARD, mac(&key, text.as_bytes()));
        assert_eq!(header(h, "svix-signature"), format!("v1,{expected}"));
    }
}

/// API calls announce themselves too: a customer created through each client, and a Kelviq
/// cancellation at once, each arrive with the object the API answered with.
#[tokio::test]
async fn api_writes_announce_customer_and_cancellation_events() {
    let sb = sandbox::start(SandboxOptions::default()).await.unwrap();
    let (url, got) = receiver().await;
    for provider in ["kelviq", "flowglad", "zenskar"] {
        admin_register(&sb, provider, &url).await;
    }
    for (kind, id) in
        [(ProviderKind::Kelviq, "cus_hook_k"), (ProviderKind::Flowglad, "cus_hook_f"), (ProviderKind::Zenskar, "")]
    {
        let client = connect(&sb, kind).await;
        let new = till::billing::NewCustomer {
            id: id.into(),
            name: Some("Hook Test".into()),
            email: Some("hook@example.com".into()),
            ..Default::default()
        };
        client.create_customer(&new).await.unwrap();
    }
    let kelviq = connect(&sb, ProviderKind::Kelviq).await;
    let live = kelviq.list_subscriptions_page(&PageRequest::first(50)).await.unwrap();
    let sub = live.items.iter().find(|s| s.raw_status == "active").unwrap().id.clone();
    let cancel = till::billing::Cancellation { timing: till::billing::CancelTiming::Immediately, comment: None };
    kelviq.cancel_subscription(&sub, &cancel).await.unwrap();
    let got = wait_for(&got, 4).await;
    let bodies: Vec<Value> = got.iter().map(|(_, b)| serde_json::from_str(b).unwrap()).collect();
    let kind_of = |b: &Value| b["type"].as_str().or(b["event_type"].as_str()).unwrap_or_default().to_string();
    let kinds: Vec<String> = bodies.iter().map(kind_of).collect();
    assert_eq!(kinds, ["customer.created", "customer.created", "customer.created", "subscription.cancelled"]);
    assert_eq!(bodies[0]["data"]["object"]["customer_id"], "cus_hook_k", "Kelviq's object in snake_case");
    assert_eq!(bodies[3]["data"]["object"]["status"], "canceled");
}

/// `sha256=<hex HMAC of the body>` (KuvarPay) or the bare hex (Zenskar, inferred).
fn body_signed(body: &str, secret: &str) -> String {
    hex::encode(mac(secret.as_bytes(), body.as_bytes()))
}

/// The id inside an event body's object, wherever the provider's envelope keeps it.
fn object_id(body: &Value) -> String {
    let o = &body["data"];
    ["uid", "id"].iter().find_map(|k| o[*k].as_str()).unwrap().to_string()
}

fn kind_of(body: &str) -> String {
    let v: Value = serde_json::from_str(body).unwrap();
    v["event"].as_str().or(v["event_type"].as_str()).unwrap().to_string()
}

/// Checkout paid with the 0341 card, a month on, then past the retries: the kinds of the
/// deliveries about the new subscription (or contract) at each step, signatures checked.
async fn decline_story(
    kind: ProviderKind,
    request: CheckoutRequest,
    created: &str,
    check: impl Fn(&HeaderMap, &str, &str) -> bool,
) -> (Arc<dyn BillingProvider>, String, [Vec<String>; 3], Vec<String>) {
    let sb = sandbox::start(SandboxOptions::default()).await.unwrap();
    let (url, got) = receiver().await;
    let secret = admin_register(&sb, kind.slug(), &url).await["secret"].as_str().unwrap().to_string();
    let client = connect(&sb, kind).await;
    let session = client.create_checkout(&request).await.unwrap();
    pay(session.url.as_deref().unwrap(), "4000 0000 0000 0341").await;
    let paid = wait_for(&got, 2).await;
    let made = paid.iter().find(|(_, b)| kind_of(b) == created).expect("the subscription is announced");
    let id = object_id(&serde_json::from_str(&made.1).unwrap());
    let mut states = Vec::new();
    states.push(client.get_subscription(&id).await.unwrap().raw_status);
    let first: Vec<String> = paid.iter().map(|(_, b)| kind_of(b)).collect();
    let skip = ours(&got.lock().unwrap().clone(), &id).len();
    let month = sandbox::clock::Step::Months(1).after(sb.state().clock.now()).unwrap() + chrono::Duration::hours(1);
    sb.move_clock_to(month).unwrap();
    tokio::time::sleep(Duration::from_millis(500)).await;
    let n = got.lock().unwrap().len();
    let renewed: Vec<String> = ours(&wait_for(&got, n).await, &id).iter().skip(skip).map(|(_, b)| kind_of(b)).collect();
    states.push(client.get_subscription(&id).await.unwrap().raw_status);
    sb.move_clock_to(month + chrono::Duration::days(15)).unwrap();
    tokio::time::sleep(Duration::from_millis(500)).await;
    let everything = got.lock().unwrap().clone();
    let all: Vec<String> = ours(&everything, &id).iter().map(|(_, b)| kind_of(b)).collect();
    states.push(client.get_subscription(&id).await.unwrap().raw_status);
    for (h, body) in &everything {
        assert!(check(h, body, &secret), "signature of {body}");
        assert!(!check(h, body, "a-different-secret-entirely"), "a wrong secret must not verify");
    }
    (client, id, [first, renewed, all], states)
}

#[tokio::test]
async fn kuvarpay_sends_its_events_signed_over_the_body() {
    let request = CheckoutRequest {
        plan_id: "plan_basic".into(),
        period: Some(ChargePeriod::Monthly),
        currency: Some("USD".into()),
        customer_email: Some("hooks@example.ng".into()),
        success_url: "https://shop.example/thanks".into(),
        ..Default::default()
    };
    let check = |h: &HeaderMap, body: &str, secret: &str| {
        header(h, "X-KuvarPay-Signature") == format!("sha256={}", body_signed(body, secret))
            && header(h, "X-KuvarPay-Event") == kind_of(body)
            && !header(h, "X-KuvarPay-Delivery").is_empty()
    };
    let (_, _, [first, renewed, all], states) =
        decline_story(ProviderKind::KuvarPay, request, "subscription.created", check).await;
    assert_eq!(&first[..2], ["checkout_session.completed", "subscription.created"], "{first:?}");
    assert_eq!(renewed, ["invoice.created", "subscription.updated", "payment.failed", "subscription.updated"]);
    assert_eq!(all.iter().filter(|k| *k == "payment.failed").count(), 4, "the first charge and 3 retries: {all:?}");
    assert_eq!(states, ["ACTIVE", "PAST_DUE", "UNPAID"]);
}

#[tokio::test]
async fn zenskar_sends_its_inferred_events_signed_over_the_body() {
    let sb = sandbox::start(SandboxOptions::default()).await.unwrap();
    let plans = connect(&sb, ProviderKind::Zenskar).await.list_plans().await.unwrap();
    drop(sb);
    let plan = plans
        .iter()
        .find(|p| {
            p.name == "Team"
                && p.prices[0].period == ChargePeriod::Monthly
                && p.prices[0].amount.currency().code() == "USD"
        })
        .unwrap();
    let request = CheckoutRequest {
        plan_id: plan.id.clone(),
        success_url: "https://example.com/ok".into(),
        ..Default::default()
    };
    let check = |h: &HeaderMap, body: &str, secret: &str| header(h, "X-Zenskar-Signature") == body_signed(body, secret);
    let (_, _, [first, renewed, all], states) =
        decline_story(ProviderKind::Zenskar, request, "contract.created", check).await;
    assert_eq!(&first[..2], ["checkout.completed", "contract.created"], "{first:?}");
    assert!(renewed.contains(&"payment.failed".to_string()), "{renewed:?}");
    assert_eq!(all.iter().filter(|k| *k == "payment.failed").count(), 4, "the charge and 3 retries: {all:?}");
    assert_eq!(states, ["active", "active", "active"], "the contract stays active (inferred)");
}
