//! Kelviq FREE plans as the spec writes them: a FREE price whose `chargeCatalogPrice` holds only
//! feature-level charges. It used to leave the plan without a price: missing from `plans list`,
//! refused as a change target ("has no one-time price") and unsellable by checkout.

#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a panic is the failure report

use axum::extract::Path;
use axum::routing::get;
use axum::{Json, Router};
use serde_json::{Value, json};
use till::billing::{ChangeTiming, ChargePeriod, CheckoutRequest, PlanChange, PriceKind, ProviderKind};
use till::providers::{self, Endpoint, Http, HttpConfig, Secret};

fn page(rows: Value) -> Json<Value> {
    Json(json!({"count": rows.as_array().map_or(0, Vec::len), "next": null, "previous": null, "results": rows}))
}

async fn prices(Path(plan): Path<String>) -> Json<Value> {
    page(match plan.as_str() {
        "free" => json!([{"id": "df0b9da9-58c3-4d77-9b62-3f6e4c2b1ad0", "priceType": "FREE", "currency": "USD",
            "freeTrial": false, "trialPeriod": 0, "enabled": true, "taxBehavior": "EXCLUSIVE",
            "chargeCatalogPrice": [{"feature": "3a3e92ab-90a3-4f43-8e87-9d4c8c5a9c01", "priceModel": "FLAT",
                "reset": "EVERY_MONTH", "charges": [{"chargePeriod": "MONTHLY", "priceData": {"amount": 0}}]}]}]),
        _ => json!([{"id": "p-pro", "priceType": "PAID", "currency": "USD", "enabled": true,
            "chargeCatalogPrice": [{"feature": null, "priceModel": "FLAT",
                "charges": [{"chargePeriod": "ONE_TIME", "priceData": {"amount": 49}}]}]}]),
    })
}

async fn server() -> String {
    let router = Router::new()
        .route(
            "/api/v1/catalog/plans/",
            get(|| async {
                page(json!([{"identifier": "free", "name": "Free"}, {"identifier": "pro", "name": "Pro"}]))
            }),
        )
        .route("/api/v1/catalog/plans/{plan}/prices/", get(prices))
        .route("/api/v1/catalog/plans/{plan}/features/", get(|| async { page(json!([])) }))
        .route(
            "/api/v1/subscriptions/{id}/",
            get(|| async {
                Json(json!({"id": "s1", "amount": "49.00", "currency": "usd", "status": "active",
                    "customerId": "c1", "billingType": "ONE_TIME", "plan": {"name": "Pro", "identifier": "pro"},
                    "startDate": "2026-01-01"}))
            }),
        );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, router).await.unwrap() });
    format!("http://{addr}/api/v1")
}

#[tokio::test]
async fn a_free_plan_is_listed_changed_to_and_sold_as_a_free_one_time_price() {
    let base = url::Url::parse(&server().await).unwrap();
    let endpoint = Endpoint {
        base_url: base.clone(),
        edge_url: Some(base),
        key: Secret::new("k"),
        client_key: None,
        account: None,
    };
    let kelviq = providers::connect(ProviderKind::Kelviq, endpoint, Http::new(HttpConfig::default()).unwrap()).unwrap();
    let plans = kelviq.list_plans().await.unwrap();
    let free = plans.iter().find(|p| p.id == "free").unwrap();
    assert_eq!(free.prices.len(), 1, "{free:?}");
    let price = &free.prices[0];
    assert_eq!(
        (price.kind, price.period, price.amount.to_string()),
        (PriceKind::Free, ChargePeriod::OneTime, "$0.00".into())
    );
    // A change target: the local estimate finds the one-time price.
    let change = PlanChange {
        plan_id: "free".into(),
        period: ChargePeriod::OneTime,
        price_id: None,
        timing: ChangeTiming::Immediately,
        features: vec![],
    };
    let estimate = kelviq.preview_change("s1", &change).await.unwrap();
    assert!(estimate.current_invoice.total.amount() <= rust_decimal::Decimal::ZERO, "{estimate:?}");
    // Sold by checkout: the estimate prices it, and the request carries ONE_TIME.
    let request = CheckoutRequest {
        plan_id: "free".into(),
        period: Some(ChargePeriod::OneTime),
        success_url: "https://example.com/ok".into(),
        ..Default::default()
    };
    let estimate = kelviq.estimate_checkout(&request).await.unwrap();
    assert!(estimate.current_invoice.total.is_zero());
    let preview = kelviq.checkout_preview(&request).await.unwrap();
    assert!(preview.body.unwrap().contains("\"chargePeriod\":\"ONE_TIME\""));
}
