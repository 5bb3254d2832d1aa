//! A list row that breaks the contract spoils only its own row (issue 15, item 1): a Kelviq
//! subscription whose amount or status has the wrong type is listed as undecodable, named by
//! its path, and the other rows are shown as usual.

#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a panic is the failure report

use axum::routing::get;
use axum::{Json, Router};
use serde_json::{Value, json};
use till::billing::{ProviderKind, SubscriptionStatus};
use till::providers::{self, Endpoint, Http, HttpConfig, Secret};

async fn subscriptions() -> Json<Value> {
    let good = json!({"id": "s-good", "customerId": "c1", "status": "active", "amount": "19.00", "currency": "eur",
        "recurrence": "month", "billingType": "SUBSCRIPTION", "recurrenceType": "MONTH", "recurrenceUnit": 1,
        "plan": {"name": "Starter", "identifier": "starter"}, "features": []});
    let bad_amount = json!({"id": "s-broken", "status": "active", "amount": {"value": 75}, "currency": "eur"});
    let bad_status = json!({"id": "s-odd", "customerId": "c1", "status": 7});
    Json(json!({"count": 3, "next": null, "previous": null, "results": [good, bad_amount, bad_status]}))
}

#[tokio::test]
async fn one_broken_subscription_row_is_marked_and_the_others_are_listed() {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let router = Router::new().route("/api/v1/subscriptions/", get(subscriptions));
    tokio::spawn(async move { axum::serve(listener, router).await.unwrap() });
    let endpoint = Endpoint {
        base_url: url::Url::parse(&format!("http://{addr}/api/v1/")).unwrap(),
        edge_url: None,
        key: Secret::new("sk_test_rows"),
        client_key: None,
        account: None,
    };
    let client = providers::connect(ProviderKind::Kelviq, endpoint, Http::new(HttpConfig::default()).unwrap()).unwrap();
    let subs = client.list_subscriptions("c1").await.expect("the list is not lost to one row");
    assert_eq!(subs.len(), 3, "{subs:?}");
    assert_eq!((subs[0].id.as_str(), subs[0].plan_name.as_deref()), ("s-good", Some("Starter")));
    assert!(subs[0].issues.is_empty());
    let broken = &subs[1];
    assert_eq!((broken.id.as_str(), broken.status), ("s-broken", SubscriptionStatus::Unknown));
    assert_eq!(broken.issues[0].path, "results[1].amount", "{:?}", broken.issues);
    assert_eq!(broken.customer_id, "c1", "the customer asked for");
    assert_eq!(broken.amount, None, "an amount that cannot be read is not guessed");
    let odd = &subs[2];
    assert_eq!(odd.issues[0].path, "results[2].status", "{:?}", odd.issues);
}
