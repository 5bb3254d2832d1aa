//! Every request the Kelviq client sends and every response the sandbox returns, validated
//! against Kelviq's official OpenAPI spec (shared/specs/kelviq/openapi.json).

#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a panic is the failure report

mod support;

use std::collections::BTreeSet;

use chrono::{Duration, Utc};
use serde_json::Value;
use support::openapi::Spec;
use till::billing::{
    CancelTiming, Cancellation, ChangeTiming, ChargePeriod, CheckoutRequest, FeatureQuantity, NewCustomer, PlanChange,
    ProviderKind,
};
use till::providers::{self, Http, HttpConfig, PageRequest, Secret};
use till::sandbox::{self, SandboxOptions};

/// Drives the client through every endpoint it uses, including error paths.
async fn exercise(sb: &sandbox::SandboxHandle) {
    let http = Http::new(HttpConfig::default()).unwrap();
    let kelviq = providers::connect(ProviderKind::Kelviq, sb.endpoint(ProviderKind::Kelviq), http.clone()).unwrap();
    let mut page = PageRequest::first(25);
    while let Some(next) = kelviq.list_customers(&page).await.unwrap().next_cursor {
        page.cursor = Some(next);
    }
    kelviq
        .list_customers(&PageRequest { cursor: None, limit: 5, search: Some("Müller".into()), follows: false })
        .await
        .unwrap();
    let metadata = [("tier".to_string(), "gold".to_string())].into();
    kelviq
        .create_customer(&NewCustomer {
            id: "cus_conf".into(),
            name: Some("Conformance Ćwik".into()),
            email: Some("c@example.com".into()),
            metadata,
        })
        .await
        .unwrap();
    kelviq.create_customer(&NewCustomer { id: "cus_conf".into(), ..Default::default() }).await.unwrap_err();
    kelviq
        .create_customer(&NewCustomer { id: "cus_bad".into(), email: Some("nope".into()), ..Default::default() })
        .await
        .unwrap_err();
    kelviq.get_customer("cus_conf").await.unwrap();
    let rename = till::billing::CustomerUpdate { name: Some("Conformance Ćwik-Nowak".into()), ..Default::default() };
    kelviq.update_customer("cus_conf", &rename).await.unwrap();
    kelviq.list_plans().await.unwrap();

    let checkout = CheckoutRequest {
        plan_id: "growth".into(),
        period: Some(ChargePeriod::Monthly),
        customer_id: Some("cus_conf".into()),
        features: vec![FeatureQuantity { feature_id: "seats".into(), quantity: 12 }],
        success_url: "https://example.com/ok".into(),
        cancel_url: Some("https://example.com/cancel".into()),
        ip_address: Some("203.0.113.7".into()),
        currency: Some("USD".into()),
        ..Default::default()
    };
    let session = kelviq.create_checkout(&checkout).await.unwrap();
    kelviq.get_checkout(&session.id).await.unwrap();
    let form = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap();
    support::pay::submit(&form, &session.url.unwrap(), "4242424242424242").await;
    kelviq.get_checkout(&session.id).await.unwrap();
    kelviq
        .create_checkout(&CheckoutRequest {
            plan_id: "nope".into(),
            period: Some(ChargePeriod::Monthly),
            success_url: "x".into(),
            ..Default::default()
        })
        .await
        .unwrap_err();

    let subs = kelviq.list_subscriptions("cus_conf").await.unwrap();
    let sub = &subs[0];
    kelviq.get_subscription(&sub.id).await.unwrap();
    kelviq.entitlements("cus_conf").await.unwrap();
    let change = PlanChange {
        plan_id: "business".into(),
        period: ChargePeriod::Monthly,
        price_id: None,
        timing: ChangeTiming::Immediately,
        features: vec![],
    };
    let changed = kelviq.change_plan(&sub.id, &change).await.unwrap();
    let on_date = Cancellation {
        timing: CancelTiming::OnDate(Utc::now().date_naive() + Duration::days(5)),
        comment: Some("budget".into()),
    };
    kelviq.cancel_subscription(&changed.id, &on_date).await.unwrap();
    kelviq
        .cancel_subscription(&changed.id, &Cancellation { timing: CancelTiming::Immediately, comment: None })
        .await
        .unwrap();
    kelviq
        .cancel_subscription(&changed.id, &Cancellation { timing: CancelTiming::AtPeriodEnd, comment: None })
        .await
        .unwrap_err();
    kelviq.get_subscription("00000000-0000-4000-8000-000000000000").await.unwrap_err();

    let mut bad_key = sb.endpoint(ProviderKind::Kelviq);
    bad_key.key = Secret::new("kq_wrong");
    providers::connect(ProviderKind::Kelviq, bad_key, http).unwrap().list_plans().await.unwrap_err();
}

fn json_body(bytes: &[u8]) -> Option<Value> {
    (!bytes.is_empty()).then(|| serde_json::from_slice(bytes).expect("sandbox and client speak JSON"))
}

#[tokio::test]
async fn client_requests_and_sandbox_responses_follow_the_official_spec() {
    let Some(spec) = Spec::shared("kelviq") else { return };
    let sb = sandbox::start(SandboxOptions { capture: true, ..Default::default() }).await.unwrap();
    exercise(&sb).await;

    let mut failures = Vec::new();
    let mut checked = BTreeSet::new();
    let mut undeclared = BTreeSet::new();
    for ex in sb.captured() {
        let Some(path) = ex.path.strip_prefix("/kelviq/api/v1").or_else(|| ex.path.strip_prefix("/kelviq-edge/api/v1"))
        else {
            continue; // the hosted checkout page is not part of Kelviq's API
        };
        let template = spec
            .path_template(&ex.method, path)
            .unwrap_or_else(|| panic!("{} {path} is not in Kelviq's spec", ex.method))
            .to_string();
        if let Some(body) = json_body(&ex.request_body)
            && let Err(errors) = spec.validate_request(&ex.method, path, &body)
        {
            failures.push(format!("request {} {path}: {errors:?}", ex.method));
        }
        let body = json_body(&ex.response_body).unwrap_or(Value::Null);
        if spec.is_undeclared_status(&ex.method, path, ex.status) {
            undeclared.insert(format!("{} {template} {}", ex.method, ex.status));
            continue;
        }
        match spec.validate_response(&ex.method, path, ex.status, &body) {
            Ok(()) => {
                checked.insert(format!("{} {template} {}", ex.method, ex.status));
            }
            Err(errors) => failures.push(format!("response {} {path} {}: {errors:?}", ex.method, ex.status)),
        }
    }
    assert!(failures.is_empty(), "spec violations:\n{}", failures.join("\n"));
    let expected = [
        "GET /customers/ 200",
        "POST /customers/ 201",
        "PATCH /customers/{customerId}/ 200",
        "GET /catalog/plans/ 200",
        "GET /catalog/plans/{identifier}/prices/ 200",
        "GET /catalog/plans/{identifier}/features/ 200",
        "POST /checkout/ 201",
        "GET /checkout/sessions/{session_id}/ 200",
        "GET /subscriptions/ 200",
        "GET /subscriptions/{subscriptionId}/ 200",
        "POST /subscriptions/{subscriptionId}/update/ 200",
        "POST /subscriptions/{subscriptionId}/cancel/ 200",
        "GET /entitlements/ 200",
    ];
    for op in expected {
        assert!(checked.contains(op), "{op} was never validated; validated: {checked:#?}");
    }
    // Error statuses the spec does not document (it lists few) are shown, not silently passed.
    eprintln!("statuses the spec does not declare (body shapes checked by tests/kelviq.rs): {undeclared:?}");
}
