//! The Flowglad checkout builder's backend: the preview is the request `create_checkout`
//! sends, every form field reaches the sandbox and changes what paying creates, field
//! validation errors come back named, and the local estimate matches hand-computed figures.

#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a panic is the failure report

#[path = "support/pay.rs"]
mod pay_form;

use std::sync::Arc;

use chrono::{NaiveDate, Utc};
use serde_json::{Value, json};
use till::billing::{ChargePeriod, CheckoutPurpose, CheckoutRequest, EstimateSource, ProviderKind};
use till::providers::flowglad::{FlowgladClient, wire};
use till::providers::{self, BillingProvider, ErrorKind, Http, HttpConfig, ProviderError};
use till::sandbox::{self, SandboxHandle, SandboxOptions, keys};

const CHECKOUTS: &str = "/flowglad/api/v1/checkout-sessions";

async fn setup() -> (SandboxHandle, Arc<dyn BillingProvider>, FlowgladClient) {
    let sandbox = sandbox::start(SandboxOptions { capture: true, ..Default::default() }).await.unwrap();
    let http = Http::new(HttpConfig::default()).unwrap();
    let endpoint = sandbox.endpoint(ProviderKind::Flowglad);
    let client = providers::connect(ProviderKind::Flowglad, endpoint.clone(), http.clone()).unwrap();
    (sandbox, client, FlowgladClient::new(endpoint, http))
}

fn count(sb: &SandboxHandle) -> usize {
    sb.state().flowglad.lock().unwrap().checkout_count()
}

fn date(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).unwrap()
}

fn purchase(customer: Option<&str>) -> CheckoutRequest {
    CheckoutRequest {
        plan_id: "pro".into(),
        period: Some(ChargePeriod::Monthly),
        currency: Some("USD".into()),
        customer_id: customer.map(str::to_string),
        success_url: "https://example.com/welcome".into(),
        cancel_url: Some("https://example.com/pricing".into()),
        ..Default::default()
    }
}

async fn pay(url: &str) {
    let client = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap();
    let response = pay_form::submit(&client, url, "4242 4242 4242 4242").await;
    assert_eq!(response.status(), 303);
}

/// Previews `request`, creates it, and checks the sandbox received exactly the previewed
/// body (one new session); returns the body as JSON.
async fn sent_as_previewed(sb: &SandboxHandle, flowglad: &dyn BillingProvider, request: &CheckoutRequest) -> Value {
    let preview = flowglad.checkout_preview(request).await.unwrap();
    assert_eq!((preview.method.as_str(), preview.url.ends_with(CHECKOUTS)), ("POST", true), "{}", preview.url);
    let auth = preview.headers.iter().find(|h| h.name == "authorization").unwrap();
    assert_eq!(auth.value, "[redacted]");
    let before = count(sb);
    flowglad.create_checkout(request).await.unwrap();
    assert_eq!(count(sb), before + 1, "one session per create");
    let sent = sb.captured().into_iter().rev().find(|c| c.method == "POST" && c.path == CHECKOUTS).unwrap();
    assert_eq!(sent.status, 200, "{}", String::from_utf8_lossy(&sent.response_body));
    let body = preview.body.expect("a JSON body");
    assert_eq!(body.as_bytes(), &sent.request_body[..], "the preview is the request sent");
    serde_json::from_str::<Value>(&body).unwrap()["checkoutSession"].take()
}

#[tokio::test]
async fn every_field_is_sent_exactly_as_previewed() {
    let (sb, flowglad, _) = setup().await;
    let f = flowglad.as_ref();
    let resolved = sent_as_previewed(&sb, f, &purchase(Some("user_kanzlei_mueller"))).await;
    assert_eq!(resolved["type"], "product");
    assert_eq!(resolved["customerExternalId"], "user_kanzlei_mueller");
    let price_id = resolved["priceId"].as_str().unwrap().to_string();
    assert!(price_id.starts_with("price_"), "plan + period + currency resolve to Flowglad's price id");
    assert_eq!(resolved.get("anonymous"), None);

    let mut every = purchase(None);
    every.price_id = Some("pro-yearly-gbp".into());
    every.quantity = Some(3);
    every.cancel_url = None;
    every.preserve_billing_cycle_anchor = Some(true);
    every.output_name = Some("Pro für 3 Plätze".into());
    every.metadata = [("crm".to_string(), "acct-42".to_string()), ("note".to_string(), "ünïcödé".to_string())].into();
    let body = sent_as_previewed(&sb, f, &every).await;
    assert_eq!(
        body,
        json!({"type": "product", "successUrl": "https://example.com/welcome",
            "cancelUrl": "https://example.com/welcome", "outputMetadata": {"crm": "acct-42", "note": "ünïcödé"},
            "outputName": "Pro für 3 Plätze", "priceSlug": "pro-yearly-gbp", "quantity": 3, "anonymous": true,
            "preserveBillingCycleAnchor": true})
    );

    let mut by_id = purchase(Some("user_kanzlei_mueller"));
    (by_id.plan_id, by_id.price_id, by_id.preserve_billing_cycle_anchor) = (String::new(), Some(price_id), Some(false));
    let body = sent_as_previewed(&sb, f, &by_id).await;
    assert!(body["priceId"].is_string() && body.get("priceSlug").is_none(), "{body}");
    assert_eq!(body["preserveBillingCycleAnchor"], false);

    let brooks = flowglad.list_subscriptions("user_brooks_fitness").await.unwrap().remove(0);
    let mut activate = purchase(Some("user_brooks_fitness"));
    activate.purpose = Some(CheckoutPurpose::ActivateSubscription { subscription_id: brooks.id.clone() });
    (activate.output_name, activate.preserve_billing_cycle_anchor) = (Some("Gym HQ".into()), Some(true));
    let body = sent_as_previewed(&sb, f, &activate).await;
    assert_eq!(
        (body["type"].as_str(), body["targetSubscriptionId"].as_str()),
        (Some("activate_subscription"), Some(brooks.id.as_str()))
    );
    assert_eq!(
        (body["outputName"].as_str(), body["preserveBillingCycleAnchor"].as_bool()),
        (Some("Gym HQ"), Some(true))
    );
    assert!(body.get("priceId").is_none() && body.get("quantity").is_none());

    let mut card = purchase(Some("user_rivera_roofing"));
    let pro = flowglad.list_subscriptions("user_rivera_roofing").await.unwrap().remove(0);
    card.purpose = Some(CheckoutPurpose::AddPaymentMethod { subscription_id: Some(pro.id.clone()) });
    card.preserve_billing_cycle_anchor = Some(false);
    let body = sent_as_previewed(&sb, f, &card).await;
    assert_eq!(body["type"], "add_payment_method");
    assert_eq!(body.get("preserveBillingCycleAnchor"), None, "not a field of this session type");
}

#[tokio::test]
async fn previews_and_estimates_create_nothing_and_each_create_exactly_one() {
    let (sb, flowglad, _) = setup().await;
    let start = count(&sb);
    let request = purchase(Some("user_nguyen_bakes"));
    for _ in 0..3 {
        flowglad.checkout_preview(&request).await.unwrap();
        flowglad.estimate_checkout(&request).await.unwrap();
    }
    assert_eq!(count(&sb), start, "previews and estimates create no session");
    let mut bad = request.clone();
    bad.success_url = "ftp://example.com".into();
    flowglad.create_checkout(&bad).await.unwrap_err();
    assert_eq!(count(&sb), start, "a refused create creates no session");
    let a = flowglad.create_checkout(&request).await.unwrap();
    let b = flowglad.create_checkout(&request).await.unwrap();
    assert_ne!(a.id, b.id);
    assert_eq!(count(&sb), start + 2, "two submits, two sessions: Flowglad has no idempotency key");
}

/// Posts a raw `checkoutSession` and decodes the failure as the client would.
async fn refused(sb: &SandboxHandle, session: Value) -> ProviderError {
    let url = format!("{}flowglad/api/v1/checkout-sessions", sb.base_url());
    let response = reqwest::Client::new()
        .post(url)
        .header("authorization", keys::FLOWGLAD)
        .json(&json!({ "checkoutSession": session }))
        .send()
        .await
        .unwrap();
    let status = response.status().as_u16();
    assert!(status >= 400, "{session} was accepted");
    let request_id = response.headers().get("x-request-id").map(|v| v.to_str().unwrap().to_string());
    ProviderError::from_response(ProviderKind::Flowglad, status, &response.bytes().await.unwrap(), request_id)
}

fn names(e: &ProviderError, field: &str, needle: &str) {
    let fe = e.field_errors.iter().find(|f| f.field == field);
    assert!(fe.is_some_and(|f| f.message.contains(needle)), "{field} / {needle:?} not in {e:?}");
}

#[tokio::test]
async fn each_field_is_validated_and_named() {
    let (sb, flowglad, _) = setup().await;
    let base = json!({"type": "product", "customerExternalId": "user_kanzlei_mueller", "priceSlug": "pro-monthly-usd",
        "successUrl": "https://example.com/a", "cancelUrl": "https://example.com/b"});
    let with = |key: &str, value: Value| {
        let mut body = base.clone();
        body[key] = value;
        body
    };
    let e = refused(&sb, with("preserveBillingCycleAnchor", json!("yes"))).await;
    names(&e, "checkoutSession.preserveBillingCycleAnchor", "expected boolean, received string");
    let e = refused(&sb, with("outputName", json!(42))).await;
    names(&e, "checkoutSession.outputName", "expected string, received number");
    let e = refused(&sb, with("quantity", json!(1.5))).await;
    names(&e, "checkoutSession.quantity", "expected int, received number");
    let e = refused(&sb, with("outputMetadata", json!({"nested": {"a": 1}}))).await;
    names(&e, "checkoutSession.outputMetadata.nested", "Invalid input");
    let e = refused(&sb, with("priceSlug", json!("pro-weekly-usd"))).await;
    assert_eq!((e.status, e.message.as_str()), (Some(404), "Price not found: pro-weekly-usd"));
    assert_eq!(e.request_id.as_ref().map(String::len), Some(8));

    // The same rules reached through the client.
    let mut long = purchase(Some("user_kanzlei_mueller"));
    long.metadata = [("note".to_string(), "x".repeat(501))].into();
    let e = flowglad.create_checkout(&long).await.unwrap_err();
    assert_eq!((e.kind, e.status), (ErrorKind::Http, Some(400)));
    names(&e, "checkoutSession.outputMetadata.note", "<=500 characters");
    long.metadata = [("note".to_string(), "x".repeat(500))].into();
    flowglad.create_checkout(&long).await.unwrap();
    let mut zero = purchase(None);
    zero.quantity = Some(0);
    names(&flowglad.create_checkout(&zero).await.unwrap_err(), "checkoutSession.quantity", "Too small");
    let mut both = purchase(None);
    both.cancel_url = Some("mailto:x@example.com".into());
    names(&flowglad.create_checkout(&both).await.unwrap_err(), "checkoutSession.cancelUrl", "Invalid URL");

    // Caught before sending, named the same way, for the preview and the create alike.
    let mut card = purchase(Some("user_rivera_roofing"));
    card.purpose = Some(CheckoutPurpose::AddPaymentMethod { subscription_id: None });
    card.preserve_billing_cycle_anchor = Some(true);
    let before = count(&sb);
    for e in [flowglad.checkout_preview(&card).await.unwrap_err(), flowglad.create_checkout(&card).await.unwrap_err()] {
        assert_eq!(e.kind, ErrorKind::Invalid);
        names(&e, "checkoutSession.preserveBillingCycleAnchor", "no billing cycle anchor");
    }
    let mut activate = purchase(Some("user_brooks_fitness"));
    activate.purpose = Some(CheckoutPurpose::ActivateSubscription { subscription_id: "sub_x".into() });
    activate.quantity = Some(2);
    names(&flowglad.checkout_preview(&activate).await.unwrap_err(), "checkoutSession.quantity", "no quantity");
    activate.customer_id = Some(String::new());
    names(&flowglad.create_checkout(&activate).await.unwrap_err(), "checkoutSession.customerExternalId", "external id");
    assert_eq!(count(&sb), before, "nothing was created");
}

/// An activation checkout collects an incomplete subscription's first payment. An active one
/// has nothing to collect: the estimate priced it as a new year from today, and the create was
/// sent for Flowglad to refuse. Both now refuse, naming the target subscription, and nothing
/// is sent.
#[tokio::test]
async fn only_an_incomplete_subscription_is_estimated_or_activated() {
    let (sb, flowglad, _) = setup().await;
    let subs = flowglad.list_subscriptions("user_rivera_roofing").await.unwrap();
    let active = subs.iter().find(|s| s.raw_status == "active").unwrap();
    let mut activate = purchase(Some("user_rivera_roofing"));
    activate.purpose = Some(CheckoutPurpose::ActivateSubscription { subscription_id: active.id.clone() });
    let wanted = format!("{} is active; only an incomplete subscription can be activated", active.id);
    let e = flowglad.estimate_checkout(&activate).await.unwrap_err();
    names(&e, "checkoutSession.targetSubscriptionId", &wanted);
    let posts = |sb: &SandboxHandle| sb.captured().iter().filter(|c| c.method == "POST" && c.path == CHECKOUTS).count();
    let (before, sent) = (count(&sb), posts(&sb));
    let e = flowglad.create_checkout(&activate).await.unwrap_err();
    assert_eq!(e.kind, ErrorKind::Invalid, "{e:?}");
    names(&e, "checkoutSession.targetSubscriptionId", &wanted);
    assert_eq!((count(&sb), posts(&sb)), (before, sent), "refused before anything was sent");
}

fn millis(b: &wire::SubscriptionDetails) -> (Option<i64>, Option<i64>) {
    match &b.subscription.renewal {
        wire::Renewal::Renewing(r) => (r.billing_cycle_anchor_date, r.current_billing_period_end),
        wire::Renewal::NonRenewing => (None, None),
    }
}

async fn subscription_to(direct: &FlowgladClient, customer: &str, price_slug: &str) -> wire::SubscriptionDetails {
    let billing = direct.billing(customer).await.unwrap();
    let model = billing.pricing_model.clone().or(billing.catalog.clone()).unwrap();
    let price = model.products.iter().flat_map(|p| &p.prices).find(|p| p.slug.as_deref() == Some(price_slug)).unwrap();
    billing.subscriptions.into_iter().find(|s| s.subscription.price_id == price.id).unwrap()
}

#[tokio::test]
async fn paying_honours_output_name_metadata_and_the_billing_cycle_anchor() {
    let (_sb, flowglad, direct) = setup().await;
    let starter = subscription_to(&direct, "user_nguyen_bakes", "starter-monthly-usd").await;
    let mut request = purchase(Some("user_nguyen_bakes"));
    request.preserve_billing_cycle_anchor = Some(true);
    request.output_name = Some("Bakery Pro".into());
    request.metadata = [("crm".to_string(), "acct-7".to_string())].into();
    pay(flowglad.create_checkout(&request).await.unwrap().url.as_deref().unwrap()).await;
    let pro = subscription_to(&direct, "user_nguyen_bakes", "pro-monthly-usd").await;
    assert_eq!(pro.subscription.name.as_deref(), Some("Bakery Pro"));
    assert_eq!(pro.subscription.metadata, Some([("crm".to_string(), json!("acct-7"))].into()));
    let (starter_anchor, starter_end) = millis(&starter);
    assert!(starter_anchor.unwrap() < Utc::now().timestamp_millis() - 70 * 86_400_000, "seeded 75 days ago");
    assert_eq!(millis(&pro), (starter_anchor, starter_end), "billed on the starter plan's day");

    let mut fresh = purchase(Some("user_rivera_roofing"));
    fresh.plan_id = "business".into();
    let before = Utc::now().timestamp_millis();
    pay(flowglad.create_checkout(&fresh).await.unwrap().url.as_deref().unwrap()).await;
    let business = subscription_to(&direct, "user_rivera_roofing", "business-monthly-usd").await;
    let rivera = subscription_to(&direct, "user_rivera_roofing", "pro-monthly-usd").await;
    assert!(millis(&business).0.unwrap() >= before, "without the flag the anchor is the purchase");
    assert_ne!(millis(&business).1, millis(&rivera).1);
    assert_eq!((business.subscription.name, business.subscription.metadata), (None, None));

    // Activation: the flag keeps the incomplete subscription's period instead of restarting it.
    let brooks = subscription_to(&direct, "user_brooks_fitness", "business-monthly-usd").await;
    let mut activate = purchase(Some("user_brooks_fitness"));
    activate.purpose = Some(CheckoutPurpose::ActivateSubscription { subscription_id: brooks.subscription.id.clone() });
    (activate.preserve_billing_cycle_anchor, activate.output_name) = (Some(true), Some("Gym HQ".into()));
    pay(flowglad.create_checkout(&activate).await.unwrap().url.as_deref().unwrap()).await;
    let active = subscription_to(&direct, "user_brooks_fitness", "business-monthly-usd").await;
    assert_eq!((active.subscription.status.as_str(), active.subscription.name.as_deref()), ("active", Some("Gym HQ")));
    assert_eq!(millis(&active), millis(&brooks), "period and anchor kept");
}

#[tokio::test]
async fn local_estimates_match_hand_computed_figures() {
    let (_sb, flowglad, direct) = setup().await;
    assert!(!flowglad.capabilities().native_checkout_estimate);
    // Price slug, quantity 3, bought on 31 January of a leap year: 3 × $39.00, renews 29 February.
    let mut slug = purchase(None);
    (slug.price_id, slug.quantity, slug.start_date) =
        (Some("pro-monthly-usd".into()), Some(3), Some(date(2024, 1, 31)));
    let e = flowglad.estimate_checkout(&slug).await.unwrap();
    assert_eq!(e.source, EstimateSource::Local);
    assert_eq!(
        (e.current_invoice.total.to_string(), e.current_invoice.date),
        ("$117.00".into(), Some(date(2024, 1, 31)))
    );
    let next = e.next_invoice.unwrap();
    assert_eq!((next.total.to_string(), next.date), ("$117.00".into(), Some(date(2024, 2, 29))));

    // The same price by its Flowglad id; yen have no minor unit.
    let mut yen = purchase(None);
    (yen.period, yen.currency, yen.start_date) =
        (Some(ChargePeriod::Yearly), Some("JPY".into()), Some(date(2024, 2, 29)));
    let body: Value = serde_json::from_str(&flowglad.checkout_preview(&yen).await.unwrap().body.unwrap()).unwrap();
    let by_plan = flowglad.estimate_checkout(&yen).await.unwrap();
    yen.price_id = body["checkoutSession"]["priceId"].as_str().map(str::to_string);
    yen.plan_id = String::new();
    let by_id = flowglad.estimate_checkout(&yen).await.unwrap();
    assert_eq!(by_id, by_plan);
    assert_eq!(by_id.current_invoice.total.to_string(), "¥59,000");
    assert_eq!(by_id.next_invoice.unwrap().date, Some(date(2025, 2, 28)));

    // Plan + period + currency, quantity 2; an end date (Zenskar's) does not cut it short.
    let mut chf = purchase(None);
    (chf.plan_id, chf.period, chf.currency, chf.quantity) =
        ("business".into(), Some(ChargePeriod::Yearly), Some("CHF".into()), Some(2));
    (chf.start_date, chf.end_date) = (Some(date(2025, 3, 1)), Some(date(2025, 6, 1)));
    let e = flowglad.estimate_checkout(&chf).await.unwrap();
    assert_eq!(e.current_invoice.total.to_string(), "CHF 2,500.00");
    assert_eq!(e.next_invoice.unwrap().date, Some(date(2026, 3, 1)));

    // A 14-day trial: nothing now, the first month when it ends.
    let mut trial = purchase(None);
    (trial.plan_id, trial.currency, trial.start_date) = ("starter".into(), Some("EUR".into()), Some(date(2025, 2, 20)));
    let e = flowglad.estimate_checkout(&trial).await.unwrap();
    assert_eq!(e.current_invoice.total.to_string(), "€0.00");
    assert_eq!(e.current_invoice.lines[0].description, "14-day free trial");
    assert_eq!(e.current_invoice.lines[0].period_end, Some(date(2025, 3, 6)));
    let next = e.next_invoice.unwrap();
    assert_eq!((next.total.to_string(), next.date), ("€11.00".into(), Some(date(2025, 3, 6))));

    // Unknown or usage prices are refused, naming the field.
    slug.price_id = Some("pro-weekly-usd".into());
    let err = flowglad.estimate_checkout(&slug).await.unwrap_err();
    assert!(err.field_errors.iter().any(|f| f.field == "checkoutSession.priceId"), "{err:?}");
    slug.price_id = Some("form-submissions-overage".into());
    assert!(flowglad.estimate_checkout(&slug).await.unwrap_err().message.contains("billed by usage"));
    let mut card = purchase(Some("user_rivera_roofing"));
    card.purpose = Some(CheckoutPurpose::AddPaymentMethod { subscription_id: None });
    assert_eq!(flowglad.estimate_checkout(&card).await.unwrap_err().kind, ErrorKind::Unsupported);

    // Activation charges the incomplete subscription's $129.00; the flag keeps its renewal date.
    let brooks = subscription_to(&direct, "user_brooks_fitness", "business-monthly-usd").await;
    let mut activate = purchase(Some("user_brooks_fitness"));
    activate.purpose = Some(CheckoutPurpose::ActivateSubscription { subscription_id: brooks.subscription.id.clone() });
    activate.start_date = Some(date(2025, 5, 10));
    let e = flowglad.estimate_checkout(&activate).await.unwrap();
    assert_eq!(e.current_invoice.total.to_string(), "$129.00");
    assert_eq!(e.next_invoice.as_ref().unwrap().date, Some(date(2025, 6, 10)));
    activate.preserve_billing_cycle_anchor = Some(true);
    let e = flowglad.estimate_checkout(&activate).await.unwrap();
    let end = chrono::DateTime::from_timestamp_millis(millis(&brooks).1.unwrap()).unwrap().date_naive();
    assert_eq!(e.next_invoice.unwrap().date, Some(end));
}

#[tokio::test]
async fn the_estimate_is_what_paying_charges() {
    let (_sb, flowglad, direct) = setup().await;
    let mut request = purchase(Some("user_kanzlei_mueller"));
    (request.price_id, request.quantity) = (Some("business-monthly-gbp".into()), Some(4));
    let estimate = flowglad.estimate_checkout(&request).await.unwrap();
    assert_eq!(estimate.current_invoice.total.to_string(), "£420.00", "4 × £105.00");
    let session = flowglad.create_checkout(&request).await.unwrap();
    pay(session.url.as_deref().unwrap()).await;
    let billing = direct.billing("user_kanzlei_mueller").await.unwrap();
    let sub = subscription_to(&direct, "user_kanzlei_mueller", "business-monthly-gbp").await;
    let invoice = billing
        .invoices
        .iter()
        .find(|i| {
            i.invoice_line_items.iter().any(|l| l.price_id.as_deref() == Some(sub.subscription.price_id.as_str()))
        })
        .unwrap();
    let charged: i64 = invoice.invoice_line_items.iter().map(|l| l.price * l.quantity).sum();
    assert_eq!(charged, 42_000, "the sandbox's invoice, in pence");
    assert_eq!(estimate.current_invoice.total.to_minor_units().unwrap(), charged);
}

#[tokio::test(flavor = "multi_thread")]
async fn dry_run_prints_body_and_curl_without_the_key_or_a_session() {
    let (sb, _, _) = setup().await;
    let base = sb.endpoint(ProviderKind::Flowglad).base_url.to_string();
    let before = count(&sb);
    let output = tokio::task::spawn_blocking(move || {
        std::process::Command::new(env!("CARGO_BIN_EXE_till"))
            .args(["--provider", "flowglad", "checkout", "create", "--price", "pro-yearly-gbp", "--quantity", "2"])
            .args(["--customer", "user_kanzlei_mueller", "--preserve-billing-cycle-anchor", "--output-name", "Kanzlei"])
            .args(["--metadata", "crm=42", "--cancel-url", "https://example.com/back", "--dry-run"])
            .env("TILL_FLOWGLAD_BASE_URL", base)
            .env("TILL_DATA_DIR", std::env::temp_dir().join(format!("till-test-data-{}", std::process::id())))
            .env("TILL_FLOWGLAD_KEY", keys::FLOWGLAD)
            .output()
            .unwrap()
    })
    .await
    .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    let (body, curl) = stdout.split_once("\n\ncurl ").expect("the body, a blank line, then curl");
    let body: Value = serde_json::from_str(body).unwrap();
    assert_eq!(
        body["checkoutSession"],
        json!({"type": "product", "customerExternalId": "user_kanzlei_mueller", "successUrl": "https://example.com/thanks",
            "cancelUrl": "https://example.com/back", "outputMetadata": {"crm": "42"}, "outputName": "Kanzlei",
            "priceSlug": "pro-yearly-gbp", "quantity": 2, "preserveBillingCycleAnchor": true})
    );
    assert!(curl.contains("-X POST") && curl.contains("/flowglad/api/v1/checkout-sessions"), "{curl}");
    assert!(curl.contains("authorization: ${TILL_FLOWGLAD_KEY}"), "{curl}");
    assert!(curl.contains("\"outputName\":\"Kanzlei\""), "{curl}");
    assert!(!stdout.contains(keys::FLOWGLAD) && !String::from_utf8_lossy(&output.stderr).contains(keys::FLOWGLAD));
    assert_eq!(count(&sb), before, "a dry run creates no session");
}
