//! Every request the Flowglad client sends and every response the sandbox returns, checked
//! against Flowglad's official OpenAPI document (shared/specs/flowglad/openapi.json).
//!
//! The client and the sandbox share their wire types, so a wrong field name would pass
//! between them unnoticed; the spec is the independent check. Error bodies are checked
//! against what Flowglad's REST handler really sends (`{error, code?, request_id}` JSON, or
//! plain text for 401 and unknown routes): the spec's generic error schema
//! (`{message, code, issues}`) does not describe them (shared/specs/flowglad/SOURCES.md).

#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a panic is the failure report

mod support;

use std::collections::BTreeSet;

use serde_json::Value;
use support::openapi::Spec;
use till::billing::{
    CancelTiming, Cancellation, ChangeTiming, ChargePeriod, CheckoutPurpose, CheckoutRequest, NewCustomer, PlanChange,
    ProviderKind,
};
use till::providers::flowglad::{FlowgladClient, wire};
use till::providers::{self, BillingProvider, Http, HttpConfig, PageRequest};
use till::sandbox::{self, Captured, SandboxOptions};

const PREFIX: &str = "/flowglad";

/// Drives the client through every endpoint it uses, successes and failures.
async fn exercise(flowglad: &dyn BillingProvider, direct: &FlowgladClient, sandbox_url: &url::Url) {
    let first = flowglad.list_customers(&PageRequest::first(25)).await.unwrap();
    flowglad
        .list_customers(&PageRequest { cursor: first.next_cursor.clone(), limit: 25, search: None, follows: false })
        .await
        .unwrap();
    flowglad.get_customer("user_kanzlei_mueller").await.unwrap();
    let new = NewCustomer {
        id: "user_conformance_ørsted".into(),
        name: Some("Åse Ørsted".into()),
        email: Some("aase@orsted.example".into()),
        metadata: Default::default(),
    };
    flowglad.create_customer(&new).await.unwrap();
    direct
        .update_customer(
            "user_conformance_ørsted",
            wire::CustomerUpdate { name: Some("Åse Ørsted-Lund".into()), ..Default::default() },
        )
        .await
        .unwrap();
    flowglad.create_customer(&new).await.unwrap_err(); // duplicate
    flowglad.create_customer(&NewCustomer { id: "user_bad".into(), ..Default::default() }).await.unwrap_err();
    flowglad.get_customer("user_nobody").await.unwrap_err();

    flowglad.list_plans().await.unwrap();
    for customer in ["user_kanzlei_mueller", "user_brooks_fitness", "user_kim_dental", "user_conformance_ørsted"] {
        flowglad.list_subscriptions(customer).await.unwrap();
        flowglad.entitlements(customer).await.unwrap();
    }
    let subs = flowglad.list_subscriptions("user_nguyen_bakes").await.unwrap();
    let starter = &subs[0].id;
    flowglad.get_subscription(starter).await.unwrap();
    let upgrade = PlanChange {
        plan_id: "pro".into(),
        period: ChargePeriod::Monthly,
        price_id: None,
        timing: ChangeTiming::Immediately,
        features: vec![],
    };
    flowglad.preview_change(starter, &upgrade).await.unwrap();
    let late = PlanChange { timing: ChangeTiming::AtPeriodEnd, ..upgrade.clone() };
    flowglad.preview_change(starter, &late).await.unwrap_err(); // canAdjust: false
    flowglad.change_plan(starter, &late).await.unwrap_err(); // 400
    flowglad.change_plan(starter, &upgrade).await.unwrap();
    let pro = flowglad.list_subscriptions("user_rivera_roofing").await.unwrap()[0].id.clone();
    let down = PlanChange { plan_id: "starter".into(), timing: ChangeTiming::Auto, ..upgrade.clone() };
    flowglad.preview_change(&pro, &down).await.unwrap();
    flowglad.change_plan(&pro, &down).await.unwrap();

    let patterson = flowglad.list_subscriptions("user_patterson_pets").await.unwrap()[0].id.clone();
    let at_end = Cancellation { timing: CancelTiming::AtPeriodEnd, comment: None };
    flowglad.cancel_subscription(&patterson, &at_end).await.unwrap();
    flowglad.uncancel_subscription(&patterson).await.unwrap();
    flowglad.uncancel_subscription(&patterson).await.unwrap_err();
    let now = Cancellation { timing: CancelTiming::Immediately, comment: None };
    flowglad.cancel_subscription(&patterson, &now).await.unwrap();
    flowglad.cancel_subscription(&patterson, &now).await.unwrap_err();
    flowglad.get_subscription("sub_missing").await.unwrap_err();

    let checkout = |purpose, customer: Option<&str>, plan: &str| CheckoutRequest {
        plan_id: plan.into(),
        period: Some(ChargePeriod::Monthly),
        customer_id: customer.map(str::to_string),
        currency: Some("USD".into()),
        success_url: "https://example.com/done".into(),
        cancel_url: Some("https://example.com/back".into()),
        purpose,
        metadata: [("campaign".to_string(), "spring".to_string())].into(),
        ..Default::default()
    };
    let identified = flowglad.create_checkout(&checkout(None, Some("user_conformance_ørsted"), "pro")).await.unwrap();
    let anonymous = flowglad.create_checkout(&checkout(None, None, "starter")).await.unwrap();
    let brooks = flowglad.list_subscriptions("user_brooks_fitness").await.unwrap()[0].id.clone();
    let activate = CheckoutPurpose::ActivateSubscription { subscription_id: brooks };
    let mut activation = checkout(Some(activate), Some("user_brooks_fitness"), "");
    (activation.preserve_billing_cycle_anchor, activation.output_name) = (Some(true), Some("Gym HQ".into()));
    let activation = flowglad.create_checkout(&activation).await.unwrap();
    let add_pm = CheckoutPurpose::AddPaymentMethod { subscription_id: None };
    let card = flowglad.create_checkout(&checkout(Some(add_pm), Some("user_kim_dental"), "")).await.unwrap();
    // Every field of the checkout builder's Flowglad form.
    let mut every = checkout(None, Some("user_kanzlei_mueller"), "");
    (every.price_id, every.quantity) = (Some("pro-yearly-gbp".into()), Some(2));
    (every.preserve_billing_cycle_anchor, every.output_name) = (Some(true), Some("Kanzlei Pro".into()));
    let slugged = flowglad.create_checkout(&every).await.unwrap();
    let mut anonymous_slug = every.clone();
    (anonymous_slug.customer_id, anonymous_slug.preserve_billing_cycle_anchor) = (None, Some(false));
    let anonymous_slugged = flowglad.create_checkout(&anonymous_slug).await.unwrap();
    let mut bad = checkout(None, Some("user_kim_dental"), "pro");
    bad.success_url = "not a url".into();
    flowglad.create_checkout(&bad).await.unwrap_err();
    for session in [&identified, &anonymous, &activation, &card, &slugged, &anonymous_slugged] {
        let form = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap();
        support::pay::submit(&form, session.url.as_deref().unwrap(), "4242 4242 4242 4242").await;
        flowglad.get_checkout(&session.id).await.unwrap();
    }
    flowglad.get_checkout("chckt_session_missing").await.unwrap_err();
    // Subscriptions now carrying the sessions' outputName and outputMetadata.
    for customer in ["user_kanzlei_mueller", "user_brooks_fitness"] {
        flowglad.list_subscriptions(customer).await.unwrap();
    }

    // Raw requests for the handler-level failures the client never provokes on purpose.
    let http = reqwest::Client::new();
    let url = |p: &str| format!("{}{PREFIX}/api/v1/{p}", sandbox_url.as_str().trim_end_matches('/'));
    http.get(url("customers?limit=500")).header("authorization", till::sandbox::keys::FLOWGLAD).send().await.unwrap();
    http.get(url("customers")).header("authorization", "sk_test_wrong").send().await.unwrap();
    http.get(url("nothing-here")).header("authorization", till::sandbox::keys::FLOWGLAD).send().await.unwrap();
    http.post(url("customers"))
        .header("authorization", till::sandbox::keys::FLOWGLAD)
        .body("{oops")
        .send()
        .await
        .unwrap();
}

fn body_json(bytes: &[u8]) -> Value {
    if bytes.is_empty() { Value::Null } else { serde_json::from_slice(bytes).unwrap_or(Value::Null) }
}

/// The body Flowglad's handler sends for a failure with this status.
fn check_error_shape(c: &Captured, problems: &mut Vec<String>) {
    let text = String::from_utf8_lossy(&c.response_body);
    let json: Option<Value> = serde_json::from_slice(&c.response_body).ok();
    let plain_ok = match c.status {
        401 => text.starts_with("API key invalid.") || text.starts_with("Unauthorized.") || text.starts_with("Either"),
        404 => text == "Not Found",
        _ => false,
    };
    let json_ok = json.as_ref().and_then(Value::as_object).is_some_and(|m| {
        m.contains_key("error")
            && m.get("request_id").and_then(Value::as_str).is_some_and(|id| id.len() == 8)
            && m.get("code").is_none_or(Value::is_string)
            && m.keys().all(|k| matches!(k.as_str(), "error" | "code" | "request_id"))
    });
    if !plain_ok && !json_ok {
        problems.push(format!("{} {} → {}: not Flowglad's error shape: {text}", c.method, c.path, c.status));
    }
}

#[tokio::test]
async fn every_exchange_conforms_to_the_official_spec() {
    let Some(spec) = Spec::load("flowglad") else { return };
    let sb = sandbox::start(SandboxOptions { capture: true, ..Default::default() }).await.unwrap();
    let http = Http::new(HttpConfig::default()).unwrap();
    let endpoint = sb.endpoint(ProviderKind::Flowglad);
    let direct = FlowgladClient::new(endpoint.clone(), http.clone());
    let flowglad = providers::connect(ProviderKind::Flowglad, endpoint, http).unwrap();
    exercise(flowglad.as_ref(), &direct, &sb.base_url()).await;

    let captured: Vec<Captured> = sb.captured().into_iter().filter(|c| c.path.starts_with(PREFIX)).collect();
    let mut problems = Vec::new();
    let mut operations = BTreeSet::new();
    let mut failures = BTreeSet::new();
    let mut validated = 0;
    for c in &captured {
        let path = &c.path[PREFIX.len()..];
        if !(200..300).contains(&c.status) {
            failures.insert(c.status);
            check_error_shape(c, &mut problems);
            continue;
        }
        match spec.path_template(&c.method, path) {
            Some(template) => operations.insert(format!("{} {template}", c.method)),
            None => {
                problems.push(format!("{} {path} is not an operation of the spec", c.method));
                continue;
            }
        };
        if let Err(e) = spec.validate_request(&c.method, path, &body_json(&c.request_body)) {
            problems.push(format!("request {} {path}:\n    {}", c.method, e.join("\n    ")));
        }
        if let Err(e) = spec.validate_response(&c.method, path, c.status, &body_json(&c.response_body)) {
            problems.push(format!("response {} {} {path}:\n    {}", c.status, c.method, e.join("\n    ")));
        }
        validated += 1;
    }
    assert!(validated >= 40, "only {validated} successful exchanges were validated");
    assert_validator_is_strict(&spec, &captured);
    assert!(problems.is_empty(), "{} problems:\n{}", problems.len(), problems.join("\n"));
    let expected = [
        "GET /api/v1/customers",
        "POST /api/v1/customers",
        "GET /api/v1/customers/{externalId}",
        "PUT /api/v1/customers/{externalId}",
        "GET /api/v1/customers/{externalId}/billing",
        "GET /api/v1/pricing-models",
        "GET /api/v1/pricing-models/{id}",
        "GET /api/v1/resources",
        "GET /api/v1/subscriptions/{id}",
        "POST /api/v1/subscriptions/{id}/adjust",
        "POST /api/v1/subscriptions/{id}/preview-adjust",
        "POST /api/v1/subscriptions/{id}/cancel",
        "POST /api/v1/subscriptions/{id}/uncancel",
        "POST /api/v1/checkout-sessions",
        "GET /api/v1/checkout-sessions/{id}",
    ];
    let missing: Vec<_> = expected.iter().filter(|op| !operations.contains(**op)).collect();
    assert!(missing.is_empty(), "not exercised: {missing:?}; exercised: {operations:?}");
    assert_eq!(failures, BTreeSet::from([400, 401, 404, 409]), "the failure paths were exercised");
}

/// Guards against a vacuous pass: the same bodies, slightly wrong, must fail.
fn assert_validator_is_strict(spec: &Spec, captured: &[Captured]) {
    let billing = captured.iter().find(|c| c.path.ends_with("/billing") && c.status == 200).expect("a billing read");
    let path = &billing.path[PREFIX.len()..];
    let mut body = body_json(&billing.response_body);
    body["subscriptions"][0]["renews"] = Value::String("yes".into());
    assert!(spec.validate_response("GET", path, 200, &body).is_err(), "a string renews must fail");
    let mut body = body_json(&billing.response_body);
    body["customer"]["nickname"] = Value::String("extra".into());
    assert!(spec.validate_response("GET", path, 200, &body).is_err(), "an undeclared field must fail");
    let sessions = "/api/v1/checkout-sessions";
    let checkout = captured
        .iter()
        .find(|c| c.path.ends_with(sessions) && body_json(&c.request_body)["checkoutSession"]["priceSlug"].is_string())
        .expect("a checkout with every builder field");
    for (field, wrong) in [("preserveBillingCycleAnchor", Value::from("yes")), ("quantity", Value::from(0))] {
        let mut body = body_json(&checkout.request_body);
        body["checkoutSession"][field] = wrong;
        assert!(spec.validate_request("POST", sessions, &body).is_err(), "a wrong {field} must fail");
    }
    let create =
        captured.iter().find(|c| c.method == "POST" && c.path.ends_with("/customers") && c.status == 200).unwrap();
    let mut body = body_json(&create.response_body);
    let customer = body["data"]["customer"].take();
    body["customer"] = customer;
    assert!(spec.validate_response("POST", "/api/v1/customers", 200, &body).is_err(), "create without data wrapper");
}

/// The sandbox's remaining endpoints (not used by the client) also conform.
#[tokio::test]
async fn sandbox_only_endpoints_conform() {
    let Some(spec) = Spec::load("flowglad") else { return };
    let sb = sandbox::start(SandboxOptions::default()).await.unwrap();
    let http = reqwest::Client::new();
    for path in ["/api/v1/subscriptions?limit=100", "/api/v1/pricing-models/default", "/api/v1/checkout-sessions"] {
        let url = format!("{}{PREFIX}{path}", sb.base_url().as_str().trim_end_matches('/'));
        let resp = http
            .get(url)
            .header("authorization", format!("Bearer {}", till::sandbox::keys::FLOWGLAD))
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status(), 200, "{path}");
        let body: Value = resp.json().await.unwrap();
        spec.assert_response("GET", path, 200, &body);
    }
}
