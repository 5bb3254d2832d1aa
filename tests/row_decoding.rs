//! A list row that breaks the contract spoils only its own row (issue 15, item 1): a Kelviq
//! subscription, customer, catalog plan, price or feature whose shape breaks the spec is listed
//! as undecodable (or named on its plan) by its path, and the other rows are shown as usual.

#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a panic is the failure report

use axum::extract::Path;
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

fn page(results: Vec<Value>) -> Json<Value> {
    Json(json!({"count": results.len(), "next": null, "previous": null, "results": results}))
}

async fn customers() -> Json<Value> {
    page(vec![
        json!({"id": "u1", "customerId": "c-good", "name": "Ada", "email": "ada@example.com"}),
        json!({"id": "u2", "customerId": "c-odd", "name": "Bo", "metadata": {"tier": ["gold"]}}),
        json!({"id": "u3", "name": "No Id"}),
        json!({"id": "u4", "customerId": "c-last", "email": "last@example.com"}),
    ])
}

async fn catalog_plans() -> Json<Value> {
    page(vec![
        json!({"identifier": "starter", "name": "Starter"}),
        json!({"identifier": 42, "name": "Numbered"}),
        json!({"identifier": "growth", "name": "Growth"}),
    ])
}

fn flat(period: &str, amount: u32) -> Value {
    json!({"chargePeriod": period, "priceData": {"amount": amount}})
}

async fn plan_prices(Path(plan): Path<String>) -> Json<Value> {
    let monthly = json!({"id": format!("{plan}-m"), "priceType": "FLAT", "currency": "EUR",
        "chargeCatalogPrice": [{"priceModel": "FLAT", "charges": [flat("MONTHLY", 19)]}]});
    let broken = json!({"id": format!("{plan}-y"), "priceType": "FLAT", "currency": ["EUR"],
        "chargeCatalogPrice": [{"priceModel": "FLAT", "charges": [flat("YEARLY", 190)]}]});
    page(if plan == "growth" { vec![monthly, broken] } else { vec![monthly] })
}

async fn plan_features(Path(plan): Path<String>) -> Json<Value> {
    let seats = json!({"feature": {"identifier": "seats", "name": "Seats", "featureType": "CUSTOMIZABLE"},
        "details": {"value": 5}});
    let nameless = json!({"details": {"value": true}});
    page(if plan == "starter" { vec![seats, nameless] } else { vec![seats] })
}

async fn kelviq(router: Router) -> std::sync::Arc<dyn providers::BillingProvider> {
    serve(ProviderKind::Kelviq, "/api/v1/", router).await
}

async fn serve(kind: ProviderKind, base: &str, router: Router) -> std::sync::Arc<dyn providers::BillingProvider> {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, router).await.unwrap() });
    let endpoint = Endpoint {
        base_url: url::Url::parse(&format!("http://{addr}{base}")).unwrap(),
        edge_url: None,
        key: Secret::new("sk_test_rows"),
        client_key: None,
        account: Some("org_rows".into()),
    };
    providers::connect(kind, endpoint, Http::new(HttpConfig::default()).unwrap()).unwrap()
}

async fn flowglad_customers() -> Json<Value> {
    let row = |id: &str, ext: Value, email: Value| {
        json!({"id": id, "externalId": ext, "name": "Name", "email": email, "createdAt": 1, "updatedAt": 1,
            "livemode": false, "organizationId": "org", "pricingModelId": "pm"})
    };
    Json(json!({"data": [row("cus_1", json!("ext-1"), json!("a@example.com")),
        row("cus_2", json!("ext-2"), json!(["two@example.com"])), row("cus_3", json!("ext-3"), json!("c@example.com"))],
        "hasMore": false, "total": 3}))
}

async fn zenskar_customers() -> Json<Value> {
    Json(
        json!({"data": [{"id": "0b6f3c2e-8d1a-4e57-9f0c-2a7b5e9d4c13", "customer_name": "Acme", "email": "a@acme.example"},
        {"id": "1b6f3c2e-8d1a-4e57-9f0c-2a7b5e9d4c13", "customer_name": "Beta", "custom_data": "not an object"},
        {"customer_name": "No Id"}], "next": null, "total": 3}),
    )
}

/// The same for the other providers with customer lists: one row in a shape that breaks the
/// schema is listed with its id and the path, the others as usual.
#[tokio::test]
async fn flowglad_and_zenskar_customer_pages_keep_their_readable_rows() {
    let flowglad =
        serve(ProviderKind::Flowglad, "/", Router::new().route("/api/v1/customers", get(flowglad_customers))).await;
    let page = flowglad.list_customers(&providers::PageRequest::first(20)).await.expect("not lost to one row");
    let ids: Vec<&str> = page.items.iter().map(|c| c.id.as_str()).collect();
    assert_eq!(ids, ["ext-1", "ext-2", "ext-3"]);
    assert_eq!(page.items[1].issues[0].path, "data[1].email", "{:?}", page.items[1].issues);
    assert!(page.items[0].issues.is_empty() && page.items[2].issues.is_empty());

    let zenskar = serve(ProviderKind::Zenskar, "/", Router::new().route("/customers", get(zenskar_customers))).await;
    let page = zenskar.list_customers(&providers::PageRequest::first(20)).await.expect("not lost to one row");
    assert_eq!(page.items.len(), 3);
    assert_eq!(page.items[0].name.as_deref(), Some("Acme"));
    assert_eq!(page.items[1].issues[0].path, "data[1].custom_data", "{:?}", page.items[1].issues);
    assert_eq!(page.items[1].name.as_deref(), Some("Beta"));
    assert_eq!((page.items[2].id.as_str(), page.items[2].issues[0].path.as_str()), ("(row 3)", "data[2].id"));
}

#[tokio::test]
async fn one_broken_customer_row_is_marked_and_the_others_are_listed() {
    let client = kelviq(Router::new().route("/api/v1/customers/", get(customers))).await;
    let page =
        client.list_customers(&providers::PageRequest::first(20)).await.expect("the page is not lost to one row");
    let ids: Vec<&str> = page.items.iter().map(|c| c.id.as_str()).collect();
    assert_eq!(ids, ["c-good", "c-odd", "(row 3)", "c-last"]);
    assert!(page.items[0].issues.is_empty() && page.items[3].issues.is_empty());
    assert_eq!(page.items[0].email.as_deref(), Some("ada@example.com"));
    let odd = &page.items[1];
    assert_eq!(odd.issues[0].path, "results[1].metadata.tier", "{:?}", odd.issues);
    assert_eq!(odd.name.as_deref(), Some("Bo"), "what could be read is kept");
    assert_eq!(page.items[2].issues[0].path, "results[2].customerId", "{:?}", page.items[2].issues);
    // The lookup by id reads rows one by one too: another customer's broken row hides nothing.
    let found = client.get_customer("c-last").await.expect("found despite the broken rows");
    assert_eq!(found.email.as_deref(), Some("last@example.com"));
}

#[tokio::test]
async fn a_broken_plan_price_or_feature_spoils_only_itself() {
    let client = kelviq(
        Router::new()
            .route("/api/v1/catalog/plans/", get(catalog_plans))
            .route("/api/v1/catalog/plans/{plan}/prices/", get(plan_prices))
            .route("/api/v1/catalog/plans/{plan}/features/", get(plan_features)),
    )
    .await;
    let plans = client.list_plans().await.expect("the catalog is not lost to one row");
    let ids: Vec<&str> = plans.iter().map(|p| p.id.as_str()).collect();
    assert_eq!(ids, ["starter", "(row 2)", "growth"]);
    let (starter, numbered, growth) = (&plans[0], &plans[1], &plans[2]);
    assert_eq!(starter.prices.len(), 1, "{starter:?}");
    assert_eq!(starter.features.len(), 1, "the readable feature stays: {starter:?}");
    assert_eq!(starter.issues[0].path, "features[1].feature", "{:?}", starter.issues);
    assert_eq!(numbered.name, "Numbered");
    assert_eq!(numbered.issues[0].path, "results[1].identifier", "{:?}", numbered.issues);
    assert_eq!(growth.prices.len(), 1, "the monthly price stays: {growth:?}");
    assert_eq!(growth.prices[0].amount.to_string(), "€19.00");
    assert_eq!(growth.issues[0].path, "prices[1].currency", "{:?}", growth.issues);
}

#[tokio::test]
async fn one_broken_subscription_row_is_marked_and_the_others_are_listed() {
    let client = kelviq(Router::new().route("/api/v1/subscriptions/", get(subscriptions))).await;
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
