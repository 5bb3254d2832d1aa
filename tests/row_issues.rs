//! One value that cannot be decoded spoils only its own row: a KuvarPay subscription priced in a
//! stablecoin and an invoice in an unknown currency are listed and marked, and the rows beside
//! them are intact. (Flowglad and Kelviq rows are covered by their mapping tests.)

#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a panic is the failure report

use axum::routing::get;
use axum::{Json, Router};
use serde_json::{Value, json};
use till::billing::{ProviderKind, SubscriptionStatus};
use till::providers::{self, Endpoint, Http, HttpConfig, Secret};

fn list(rows: Value) -> Json<Value> {
    let n = rows.as_array().map_or(0, Vec::len);
    Json(json!({"success": true, "data": rows, "pagination": {"page": 1, "limit": 100, "total": n, "totalPages": 1}}))
}

fn subscription(uid: &str, currency: &str) -> Value {
    json!({"uid": uid, "status": "ACTIVE", "customer": {"uid": "cu_1", "email": "a@b.c"},
        "price": {"uid": format!("pr_{uid}"), "amount": "10.00", "currency": currency, "interval": "MONTHLY"}})
}

fn invoice(uid: &str, currency: &str) -> Value {
    json!({"uid": uid, "subscription_id": "s_good", "amount": "10.00", "currency": currency, "status": "PAID",
        "created_at": "2026-01-01T00:00:00Z"})
}

#[tokio::test]
async fn kuvarpay_rows_with_an_unknown_currency_are_listed_and_marked() {
    let router = Router::new()
        .route(
            "/api/v1/subscriptions",
            get(|| async { list(json!([subscription("s_good", "NGN"), subscription("s_coin", "USDT")])) }),
        )
        .route(
            "/api/v1/subscriptions/{uid}/subscription-invoices",
            get(|| async { list(json!([invoice("i_good", "KZT"), invoice("i_bad", "ZZZ")])) }),
        );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, router).await.unwrap() });
    let endpoint = Endpoint {
        base_url: url::Url::parse(&format!("http://{addr}")).unwrap(),
        edge_url: None,
        key: Secret::new("k"),
        client_key: None,
        account: Some("biz".into()),
    };
    let kp = providers::connect(ProviderKind::KuvarPay, endpoint, Http::new(HttpConfig::default()).unwrap()).unwrap();

    let subs = kp.list_subscriptions("cu_1").await.unwrap();
    assert_eq!(subs.len(), 2);
    let good = subs.iter().find(|s| s.id == "s_good").unwrap();
    assert!(good.issues.is_empty() && good.amount.is_some());
    let coin = subs.iter().find(|s| s.id == "s_coin").unwrap();
    assert_eq!((coin.status, coin.raw_status.as_str(), coin.amount), (SubscriptionStatus::Unknown, "ACTIVE", None));
    assert!(coin.issues[0].message.contains("USDT"), "{:?}", coin.issues);

    let invoices = kp.list_invoices("cu_1").await.unwrap();
    let bad: Vec<_> = invoices.iter().filter(|i| !i.issues.is_empty()).collect();
    assert_eq!(bad.len(), 2, "one bad invoice under each of the two subscriptions");
    assert!(bad.iter().all(|i| i.id == "i_bad" && i.total.is_none() && i.issues[0].message.contains("ZZZ")));
    let good: Vec<_> = invoices.iter().filter(|i| i.issues.is_empty()).collect();
    assert!(good.iter().all(|i| i.total.unwrap().to_string() == "KZT 10.00"), "{good:?}");
}
