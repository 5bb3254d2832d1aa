//! Kelviq's documented events the sandbox announces beyond the first set: a plan change
//! through the API (`subscription.plan_changed` with the new subscription and
//! `previous_attributes`, then the order it charged), a paid checkout's order and saved card,
//! usage alerts when a meter crosses 80% and 100% of its allowance, a refund's order, and
//! dunning's `previous_attributes`. Read from the sandbox's own event log.

#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a panic is the failure report

mod support;

use std::sync::Arc;

use serde_json::{Value, json};
use till::billing::{ChangeTiming, ChargePeriod, CheckoutRequest, EntitlementKind, PlanChange, ProviderKind};
use till::providers::{self, BillingProvider, Http, HttpConfig};
use till::sandbox::{self, SandboxHandle, SandboxOptions};

async fn setup() -> (SandboxHandle, Arc<dyn BillingProvider>) {
    let sb = sandbox::start(SandboxOptions::default()).await.unwrap();
    let http = Http::new(HttpConfig::default()).unwrap();
    let kelviq = providers::connect(ProviderKind::Kelviq, sb.endpoint(ProviderKind::Kelviq), http).unwrap();
    (sb, kelviq)
}

/// The bodies of the events after `after`, parsed.
fn events(sb: &SandboxHandle, after: u64) -> Vec<Value> {
    sb.state().webhooks.events_after(after).iter().map(|e| serde_json::from_str(&e.body).unwrap()).collect()
}

fn last_seq(sb: &SandboxHandle) -> u64 {
    sb.state().webhooks.events_after(0).last().map_or(0, |e| e.seq)
}

fn kinds(events: &[Value]) -> Vec<&str> {
    events.iter().map(|e| e["type"].as_str().unwrap()).collect()
}

async fn kelviq_post(sb: &SandboxHandle, path: &str, body: Value) -> Value {
    let answer = reqwest::Client::new()
        .post(sb.provider_url(&format!("kelviq/api/v1/{path}")))
        .bearer_auth(till::sandbox::keys::KELVIQ_SERVER)
        .json(&body)
        .send()
        .await
        .unwrap();
    assert!(answer.status().is_success(), "{path}: {}", answer.status());
    answer.json().await.unwrap()
}

/// The event used to carry the superseded subscription, with nothing saying what changed.
#[tokio::test]
async fn a_plan_change_announces_the_new_subscription_what_changed_and_its_order() {
    let (sb, kelviq) = setup().await;
    let subs = kelviq.list_subscriptions("cus_mueller_maschinenbau").await.unwrap();
    let starter = subs.iter().find(|s| s.plan_id.as_deref() == Some("starter")).unwrap();
    let before = last_seq(&sb);
    let change = PlanChange {
        plan_id: "business".into(),
        period: ChargePeriod::Monthly,
        price_id: None,
        timing: ChangeTiming::Immediately,
        features: vec![],
    };
    let changed = kelviq.change_plan(&starter.id, &change).await.unwrap();
    let got = events(&sb, before);
    assert_eq!(kinds(&got), ["subscription.plan_changed", "order.created"]);
    let object = &got[0]["data"]["object"];
    assert_eq!(object["id"], json!(changed.id), "the new subscription, not the superseded one");
    assert_eq!(object["status"], "active");
    let previous = &got[0]["data"]["previous_attributes"];
    assert_eq!(previous["id"], json!(starter.id), "{previous}");
    assert_eq!(previous["plan"]["identifier"], "starter", "{previous}");
    assert!(previous.get("start_date").is_none(), "unchanged fields are left out: {previous}");
    assert!(previous.as_object().unwrap().keys().all(|k| !k.chars().any(|c| c.is_ascii_uppercase())), "snake_case");
    let order = &got[1]["data"]["object"];
    assert!(order["id"].as_str().unwrap().starts_with("ORD-"), "{order}");
    assert_eq!(order["subscription"]["id"], json!(changed.id), "{order}");
}

#[tokio::test]
async fn a_paid_checkout_announces_its_order_and_the_saved_card_then_a_refund_its_order() {
    let (sb, kelviq) = setup().await;
    let request = CheckoutRequest {
        plan_id: "growth".into(),
        period: Some(ChargePeriod::Monthly),
        customer_id: Some("cus_kovacs".into()),
        success_url: "https://example.com/ok".into(),
        ..Default::default()
    };
    let session = kelviq.create_checkout(&request).await.unwrap();
    let before = last_seq(&sb);
    let http = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap();
    let paid = support::pay::submit(&http, session.url.as_deref().unwrap(), "4242 4242 4242 4242").await;
    assert!(paid.status().is_redirection(), "{}", paid.status());
    let got = events(&sb, before);
    assert_eq!(
        kinds(&got),
        [
            "checkout.completed",
            "order.created",
            "payment_method.created",
            "subscription.created",
            "invoice.created",
            "invoice.paid"
        ]
    );
    let card = &got[2]["data"]["object"];
    assert_eq!(card["method_data"]["last4"], "4242", "{card}");
    assert_eq!(card["customer"]["customer_id"], "cus_kovacs", "{card}");
    let order_id = got[1]["data"]["object"]["id"].as_str().unwrap().to_string();

    let before = last_seq(&sb);
    kelviq_post(&sb, "refunds/", json!({"orderId": order_id, "amountUnits": 100})).await;
    let got = events(&sb, before);
    assert_eq!(kinds(&got), ["refund.created", "order.refunded"]);
    assert_eq!(got[1]["data"]["object"]["id"], json!(order_id));
    assert_eq!(got[1]["data"]["object"]["status"], "PARTIAL_REFUND");
}

#[tokio::test]
async fn usage_alerts_fire_once_when_a_meter_crosses_80_and_100_percent() {
    let (sb, kelviq) = setup().await;
    let ents = kelviq.entitlements("cus_kovacs").await.unwrap();
    let limit = ents
        .iter()
        .find_map(|e| match (&e.feature_id[..], &e.kind) {
            ("api-calls", EntitlementKind::Meter { limit: Some(l), .. }) => Some(*l),
            _ => None,
        })
        .unwrap();
    let report = |value: i64, behaviour: &str| json!({"customerId": "cus_kovacs", "featureId": "api-calls", "value": value, "behaviour": behaviour});
    let before = last_seq(&sb);
    kelviq_post(&sb, "report/usage/", report(limit * 79 / 100, "SET")).await;
    assert!(events(&sb, before).is_empty(), "below 80%: no alert");
    kelviq_post(&sb, "report/usage/", report(limit / 100 + 1, "DELTA")).await;
    let got = events(&sb, before);
    assert_eq!(kinds(&got), ["feature.usage_alert"]);
    let alert = &got[0]["data"]["object"];
    assert_eq!((alert["threshold"].as_i64(), alert["limit"].as_i64()), (Some(80), Some(limit)), "{alert}");
    assert_eq!(alert["feature_id"], "api-calls");
    let before = last_seq(&sb);
    kelviq_post(&sb, "report/usage/", report(1, "DELTA")).await;
    assert!(events(&sb, before).is_empty(), "80% again: no second alert");
    kelviq_post(&sb, "report/usage/", report(limit, "SET")).await;
    let got = events(&sb, before);
    assert_eq!(kinds(&got), ["feature.usage_alert"]);
    assert_eq!(got[0]["data"]["object"]["threshold"], 100);
}

#[tokio::test]
async fn a_declined_renewal_says_the_subscription_was_active() {
    let (sb, kelviq) = setup().await;
    let request = CheckoutRequest {
        plan_id: "growth".into(),
        period: Some(ChargePeriod::Monthly),
        customer_id: Some("cus_kovacs".into()),
        success_url: "https://example.com/ok".into(),
        ..Default::default()
    };
    let session = kelviq.create_checkout(&request).await.unwrap();
    let http = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap();
    support::pay::submit(&http, session.url.as_deref().unwrap(), till::sandbox::pay::CARD_DECLINES_LATER).await;
    let made = events(&sb, 0).into_iter().rfind(|e| e["type"] == "subscription.created").unwrap();
    let id = made["data"]["object"]["id"].clone();
    let before = last_seq(&sb);
    let later = sandbox::clock::Step::Months(1).after(sb.state().clock.now()).unwrap() + chrono::Duration::hours(1);
    sb.move_clock_to(later).unwrap();
    let updates: Vec<Value> = events(&sb, before)
        .into_iter()
        .filter(|e| e["type"] == "subscription.updated" && e["data"]["object"]["id"] == id)
        .collect();
    let past_due = updates.iter().find(|e| e["data"]["previous_attributes"] == json!({"status": "active"}));
    assert_eq!(past_due.unwrap()["data"]["object"]["status"], "past_due", "{updates:#?}");
    let renewed = &updates[0];
    assert_eq!(
        renewed["data"]["previous_attributes"]["billing_period_end_time"],
        renewed["data"]["object"]["billing_period_start_time"],
        "the old period ended where the new one starts"
    );
}
