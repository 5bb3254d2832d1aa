//! The Flowglad client against the embedded sandbox over real HTTP on loopback.

#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a panic is the failure report

#[path = "support/pay.rs"]
mod pay_form;

use std::collections::HashSet;
use std::sync::Arc;

use chrono::Utc;
use till::billing::{
    CancelTiming, Cancellation, ChangeTiming, ChargePeriod, CheckoutPurpose, CheckoutRequest, CheckoutStatus,
    EntitlementKind, EstimateSource, NewCustomer, PlanChange, PriceKind, ProviderKind, SubscriptionStatus,
};
use till::providers::flowglad::{FlowgladClient, KeyMode, key_mode, wire};
use till::providers::{self, BillingProvider, Endpoint, ErrorKind, Http, HttpConfig, PageRequest, Secret};
use till::sandbox::{self, SandboxHandle, SandboxOptions, keys};

async fn setup() -> (SandboxHandle, Arc<dyn BillingProvider>, FlowgladClient) {
    let sandbox = sandbox::start(SandboxOptions::default()).await.unwrap();
    let http = Http::new(HttpConfig::default()).unwrap();
    let endpoint = sandbox.endpoint(ProviderKind::Flowglad);
    let client = providers::connect(ProviderKind::Flowglad, endpoint.clone(), http.clone()).unwrap();
    (sandbox, client, FlowgladClient::new(endpoint, http))
}

/// Submits the hosted checkout form the way a browser would.
async fn pay(url: &str, card: &str) -> reqwest::Response {
    let client = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap();
    pay_form::submit(&client, url, card).await
}

fn api(sb: &SandboxHandle, path: &str) -> String {
    format!("{}flowglad/api/v1/{path}", sb.base_url())
}

fn monthly(plan: &str, timing: ChangeTiming) -> PlanChange {
    PlanChange { plan_id: plan.into(), period: ChargePeriod::Monthly, price_id: None, timing, features: vec![] }
}

fn checkout(plan: &str, period: ChargePeriod, currency: &str, customer: Option<&str>) -> CheckoutRequest {
    CheckoutRequest {
        plan_id: plan.into(),
        period: Some(period),
        customer_id: customer.map(str::to_string),
        currency: Some(currency.into()),
        success_url: "https://example.com/welcome".into(),
        cancel_url: Some("https://example.com/pricing".into()),
        ..Default::default()
    }
}

#[tokio::test]
async fn customers_page_through_every_page_oldest_first() {
    let (_sb, flowglad, _) = setup().await;
    let mut seen = Vec::new();
    let mut request = PageRequest::first(7);
    let mut pages = 0;
    let mut totals = HashSet::new();
    loop {
        let page = flowglad.list_customers(&request).await.unwrap();
        pages += 1;
        totals.insert(page.total);
        seen.extend(page.items);
        match page.next_cursor {
            Some(c) => request.cursor = Some(c),
            None => break,
        }
    }
    assert!(seen.len() >= 60, "seed has at least 60 customers, got {}", seen.len());
    assert_eq!(totals, HashSet::from([Some(seen.len() as u64)]));
    assert_eq!(pages, seen.len().div_ceil(7));
    let ids: HashSet<_> = seen.iter().map(|c| c.id.clone()).collect();
    assert_eq!(ids.len(), seen.len(), "no customer twice");
    assert!(seen.windows(2).all(|w| w[0].created_at <= w[1].created_at), "Flowglad lists oldest first");
    assert!(seen.iter().all(|c| c.alt_id.as_deref().is_some_and(|id| id.starts_with("cus_"))));
}

#[tokio::test]
async fn search_is_filtered_locally_page_by_page() {
    let (_sb, flowglad, _) = setup().await;
    assert!(!flowglad.capabilities().search_customers, "Flowglad has no server-side search");
    let mut found = Vec::new();
    let mut request = PageRequest { cursor: None, limit: 100, search: Some("muller".into()), follows: false };
    loop {
        let page = flowglad.list_customers(&request).await.unwrap();
        assert_eq!(page.total, None, "a filtered page has no meaningful total");
        found.extend(page.items);
        match page.next_cursor {
            Some(c) => request.cursor = Some(c),
            None => break,
        }
    }
    let names: Vec<_> = found.iter().filter_map(|c| c.name.clone()).collect();
    assert_eq!(names, ["Katharina Müller"], "accent-folded match");
    let page = flowglad
        .list_customers(&PageRequest { cursor: None, limit: 100, search: Some("山田".into()), follows: false })
        .await
        .unwrap();
    assert_eq!(page.items.len(), 1);
    assert_eq!(page.items[0].email.as_deref(), Some("hanako.yamada@yamada-sekkei.jp"));
}

#[tokio::test]
async fn created_customer_is_listed_on_the_default_plan_and_updatable() {
    let (_sb, flowglad, direct) = setup().await;
    let before = flowglad.list_customers(&PageRequest::first(1)).await.unwrap().total.unwrap();
    let new = NewCustomer {
        id: "user_łódź_42".into(),
        name: Some("Zofia Łódź".into()),
        email: Some("zofia@lodz.example".into()),
        metadata: Default::default(),
    };
    let created = flowglad.create_customer(&new).await.unwrap();
    assert_eq!(created.id, "user_łódź_42", "addressed by the external id");
    assert!(created.alt_id.unwrap().starts_with("cus_"));
    let first = flowglad.list_customers(&PageRequest::first(100)).await.unwrap();
    assert_eq!(first.total, Some(before + 1));
    let last_page = flowglad
        .list_customers(&PageRequest { cursor: first.next_cursor.clone(), limit: 100, search: None, follows: false })
        .await
        .unwrap();
    let listed = if first.next_cursor.is_some() { last_page.items } else { first.items };
    assert_eq!(listed.last().map(|c| c.id.as_str()), Some("user_łódź_42"), "newest last");

    let subs = flowglad.list_subscriptions("user_łódź_42").await.unwrap();
    assert_eq!(subs.len(), 1, "Flowglad puts new customers on the default product");
    assert_eq!((subs[0].plan_id.as_deref(), subs[0].status), (Some("free"), SubscriptionStatus::Active));
    assert_eq!(subs[0].amount.unwrap().to_string(), "$0.00");

    let updated = direct
        .update_customer(
            "user_łódź_42",
            wire::CustomerUpdate { email: Some("z.lodz@lodz.example".into()), ..Default::default() },
        )
        .await
        .unwrap();
    assert_eq!(updated.email.as_deref(), Some("z.lodz@lodz.example"));
    assert_eq!(flowglad.get_customer("user_łódź_42").await.unwrap().email.as_deref(), Some("z.lodz@lodz.example"));

    let dup = flowglad.create_customer(&new).await.unwrap_err();
    assert_eq!((dup.status, dup.code.as_deref()), (Some(409), Some("CONFLICT")));
    let missing = flowglad.get_customer("user_nobody").await.unwrap_err();
    assert!(missing.is_not_found());
    assert_eq!(missing.code.as_deref(), Some("NOT_FOUND"));
    assert_eq!(missing.message, "Customer not found: user_nobody");
    assert_eq!(missing.request_id.as_ref().map(String::len), Some(8), "X-Request-Id is kept");
}

#[tokio::test]
async fn validation_errors_name_the_fields() {
    let (_sb, flowglad, _) = setup().await;
    let err = flowglad.create_customer(&NewCustomer { id: "user_x".into(), ..Default::default() }).await.unwrap_err();
    assert_eq!((err.status, err.code.as_deref()), (Some(400), Some("BAD_REQUEST")));
    let fields: Vec<_> = err.field_errors.iter().map(|f| f.field.as_str()).collect();
    assert_eq!(fields, ["customer.email", "customer.name"], "{err}");
    assert!(err.is_validation());

    let mut bad = checkout("pro", ChargePeriod::Monthly, "USD", Some("user_kim_dental"));
    bad.success_url = "not a url".into();
    bad.quantity = Some(0);
    let err = flowglad.create_checkout(&bad).await.unwrap_err();
    assert_eq!(err.field_errors[0].field, "checkoutSession.successUrl", "{err}");
    bad.success_url = "https://example.com/ok".into();
    let err = flowglad.create_checkout(&bad).await.unwrap_err();
    assert_eq!(err.field_errors[0].field, "checkoutSession.quantity", "{err}");

    let err = flowglad.create_checkout(&checkout("pro", ChargePeriod::Monthly, "SEK", None)).await.unwrap_err();
    assert_eq!(err.kind, ErrorKind::Invalid, "resolved against the catalog before sending");
    assert!(err.message.contains("no active monthly price in SEK"), "{err}");
}

#[tokio::test]
async fn wrong_or_missing_key_is_flowglads_plain_text_401() {
    let sb = sandbox::start(SandboxOptions::default()).await.unwrap();
    let mut endpoint: Endpoint = sb.endpoint(ProviderKind::Flowglad);
    endpoint.key = Secret::new("sk_test_wrong_key_123");
    let http = Http::new(HttpConfig::default()).unwrap();
    let flowglad = providers::connect(ProviderKind::Flowglad, endpoint, http.clone()).unwrap();
    let err = flowglad.list_plans().await.unwrap_err();
    assert_eq!(err.status, Some(401));
    assert!(err.is_auth());
    assert_eq!(err.message, till::sandbox::flowglad::INVALID_KEY);
    let logged = format!("{:?}", http.log().snapshot());
    assert!(!logged.contains("sk_test_wrong_key_123"), "key must not reach the request log");
    assert!(logged.contains("[redacted]"));

    let raw = reqwest::Client::new();
    let resp = raw.get(api(&sb, "customers")).send().await.unwrap();
    assert_eq!(resp.status(), 401);
    assert!(resp.headers()["content-type"].to_str().unwrap().starts_with("text/plain"));
    assert_eq!(resp.text().await.unwrap(), till::sandbox::flowglad::MISSING_HEADER);
    let resp = raw.get(api(&sb, "customers")).header("authorization", "Bearer ").send().await.unwrap();
    assert_eq!(resp.text().await.unwrap(), till::sandbox::flowglad::BAD_FORMAT);
    let resp = raw
        .get(api(&sb, "customers"))
        .header("authorization", format!("Bearer {}", keys::FLOWGLAD))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200, "the Bearer form is accepted too");
    assert_eq!(resp.headers()["x-request-id"].len(), 8);
}

#[tokio::test]
async fn handler_level_errors_keep_their_shapes() {
    let (sb, flowglad, _) = setup().await;
    let raw = reqwest::Client::new();
    let get = |path: &str| raw.get(api(&sb, path)).header("authorization", keys::FLOWGLAD);
    let resp = get("no-such-thing").send().await.unwrap();
    assert_eq!(resp.status(), 404);
    assert_eq!(resp.text().await.unwrap(), "Not Found");
    let resp =
        raw.delete(api(&sb, "customers/user_kim_dental")).header("authorization", keys::FLOWGLAD).send().await.unwrap();
    assert_eq!((resp.status().as_u16(), resp.text().await.unwrap().as_str()), (404, "Not Found"), "no DELETE at all");

    let resp = get("customers?limit=101").send().await.unwrap();
    assert_eq!(resp.status(), 400);
    let request_id = resp.headers()["x-request-id"].to_str().unwrap().to_string();
    let body: serde_json::Value = resp.json().await.unwrap();
    assert!(body["error"].as_str().unwrap().contains("too_big"), "{body}");
    assert_eq!(body["request_id"], request_id.as_str());
    assert!(body.get("code").is_none(), "paging errors carry no code");
    let body: serde_json::Value = get("customers?cursor=bm9wZQ").send().await.unwrap().json().await.unwrap();
    assert_eq!(body["error"], "Invalid cursor");
    let resp = raw
        .post(api(&sb, "customers"))
        .header("authorization", keys::FLOWGLAD)
        .body("{\"customer\":")
        .send()
        .await
        .unwrap();
    let body: serde_json::Value = resp.json().await.unwrap();
    assert_eq!(body["error"], "Invalid JSON in request body");

    // The client reports a bad page cursor as the provider's 400.
    let err = flowglad
        .list_customers(&PageRequest { cursor: Some("garbage".into()), limit: 10, search: None, follows: false })
        .await
        .unwrap_err();
    assert_eq!((err.status, err.message.as_str()), (Some(400), "Invalid cursor"));
}

#[tokio::test]
async fn catalog_is_one_plan_per_product_with_interval_prices_in_minor_units() {
    let (_sb, flowglad, _) = setup().await;
    let plans = flowglad.list_plans().await.unwrap();
    let products: Vec<_> = plans.iter().filter(|p| !p.id.starts_with("usage:")).collect();
    assert!(products.len() >= 4);
    let pro = plans.iter().find(|p| p.id == "pro").unwrap();
    assert_eq!(pro.product.as_deref(), Some("Fernhill Forms"), "the pricing model");
    assert_eq!(pro.price_for(ChargePeriod::Monthly, Some("USD")).unwrap().amount.to_string(), "$39.00");
    assert_eq!(pro.price_for(ChargePeriod::Yearly, Some("JPY")).unwrap().amount.to_string(), "¥59,000");
    assert!(pro.prices.iter().all(|p| p.id.as_deref().is_some_and(|id| id.starts_with("price_"))));
    let currencies: HashSet<_> =
        plans.iter().flat_map(|p| p.prices.iter().map(|pr| pr.amount.currency().code().to_string())).collect();
    assert!(currencies.len() >= 4, "{currencies:?}");
    let starter = plans.iter().find(|p| p.id == "starter").unwrap();
    assert!(starter.prices.iter().all(|p| p.trial_days == Some(14)));
    let onboarding = plans.iter().find(|p| p.id == "onboarding").unwrap();
    assert_eq!(onboarding.periods(), [ChargePeriod::OneTime], "single_payment prices");
    let free = plans.iter().find(|p| p.id == "free").unwrap();
    assert_eq!(free.prices[0].kind, PriceKind::Free);
    let usage = plans.iter().find(|p| p.id == "usage:form-submissions").unwrap();
    assert_eq!(usage.prices[0].kind, PriceKind::Usage);
    assert_eq!(usage.prices[0].amount.to_string(), "$0.01");
    let ids: Vec<_> = pro.features.iter().map(|f| f.feature_id.as_str()).collect();
    for id in ["form-submissions", "ai-credits", "editor-seats", "custom-domain"] {
        assert!(ids.contains(&id), "{id} in {ids:?}");
    }
    let seats = pro.features.iter().find(|f| f.feature_id == "editor-seats").unwrap();
    assert_eq!(seats.kind, EntitlementKind::Customizable { value: "10".into() });
}

#[tokio::test]
async fn billing_read_gives_subscriptions_and_summed_entitlements() {
    let (_sb, flowglad, direct) = setup().await;
    let subs = flowglad.list_subscriptions("user_kanzlei_mueller").await.unwrap();
    assert_eq!(subs.len(), 3);
    let pro = subs.iter().find(|s| s.plan_id.as_deref() == Some("pro")).unwrap();
    assert_eq!(pro.amount.unwrap().to_string(), "€36.00");
    assert_eq!(pro.period, ChargePeriod::Monthly);
    assert_eq!(pro.customer_id, "user_kanzlei_mueller");
    assert!(pro.current_period_end.unwrap() > Utc::now());
    let workshop = subs.iter().find(|s| s.plan_id.as_deref() == Some("onboarding")).unwrap();
    assert_eq!((workshop.period, workshop.current_period_end), (ChargePeriod::OneTime, None), "renews: false");
    let one = flowglad.get_subscription(&pro.id).await.unwrap();
    assert_eq!(&one, pro, "the single read matches the billing read");

    let ents = flowglad.entitlements("user_kanzlei_mueller").await.unwrap();
    let find = |id: &str| ents.iter().find(|e| e.feature_id == id).unwrap_or_else(|| panic!("{id} in {ents:?}"));
    // Pro (20,000) and Starter (2,000) both grant submissions; their balances add up.
    assert_eq!(
        find("form-submissions").kind,
        EntitlementKind::Meter { limit: Some(22_000), used: 15_300, remaining: Some(6_700), hard_limit: false }
    );
    assert!(find("form-submissions").resets_at.is_some(), "credits renew every billing period");
    assert_eq!(find("editor-seats").kind, EntitlementKind::Customizable { value: "17".into() }, "14 bought + 3");
    assert!(find("custom-domain").has_access);
    assert!(!find("sso").has_access, "offered by the pricing model, not granted");

    let billing = direct.billing("user_zielinski_druk").await.unwrap();
    assert_eq!(billing.invoices.len(), 1);
    assert!(!billing.billing_portal_url.is_empty());
    let over = flowglad.entitlements("user_zielinski_druk").await.unwrap();
    let subs = over.iter().find(|e| e.feature_id == "form-submissions").unwrap();
    assert_eq!(
        subs.kind,
        EntitlementKind::Meter { limit: Some(2_000), used: 2_600, remaining: Some(-600), hard_limit: false }
    );
    assert!(!subs.has_access, "no credits left");
}

#[tokio::test]
async fn checkout_pay_activates_subscription_and_entitlements() {
    let (_sb, flowglad, _) = setup().await;
    flowglad
        .create_customer(&NewCustomer {
            id: "user_flow".into(),
            name: Some("Flow Test".into()),
            email: Some("flow@example.com".into()),
            ..Default::default()
        })
        .await
        .unwrap();
    let session =
        flowglad.create_checkout(&checkout("pro", ChargePeriod::Yearly, "GBP", Some("user_flow"))).await.unwrap();
    let url = session.url.clone().unwrap();
    assert!(url.ends_with(&format!("/pay/{}", session.id)), "{url}");
    assert_eq!(session.status, CheckoutStatus::Open);
    assert!(session.expires_at.unwrap() > Utc::now());
    let page = reqwest::get(&url).await.unwrap().text().await.unwrap();
    assert!(page.contains("Pro (yearly)") && page.contains("£320.00"), "{page}");

    let declined = pay(&url, "4000 0000 0000 0002").await;
    assert_eq!(declined.status(), 402);
    assert_eq!(flowglad.get_checkout(&session.id).await.unwrap().status, CheckoutStatus::Open);
    let paid = pay(&url, "4242 4242 4242 4242").await;
    assert_eq!(paid.status(), 303);
    assert_eq!(paid.headers()["location"], "https://example.com/welcome");
    let done = flowglad.get_checkout(&session.id).await.unwrap();
    assert_eq!((done.status, done.raw_status.as_str()), (CheckoutStatus::Complete, "succeeded"));
    assert_eq!(done.customer_id.as_deref(), Some("user_flow"));

    let subs = flowglad.list_subscriptions("user_flow").await.unwrap();
    let pro = subs.iter().find(|s| s.plan_id.as_deref() == Some("pro")).unwrap();
    assert_eq!((pro.status, pro.period), (SubscriptionStatus::Active, ChargePeriod::Yearly));
    assert_eq!(pro.amount.unwrap().to_string(), "£320.00");
    let free = subs.iter().find(|s| s.plan_id.as_deref() == Some("free")).unwrap();
    assert_eq!(free.status, SubscriptionStatus::Canceled, "the paid plan replaces the free default plan");

    let ents = flowglad.entitlements("user_flow").await.unwrap();
    assert!(ents.iter().any(|e| e.feature_id == "custom-domain" && e.has_access));
    let seats = ents.iter().find(|e| e.feature_id == "editor-seats").unwrap();
    assert_eq!(seats.kind, EntitlementKind::Customizable { value: "10".into() });
    assert_eq!(pay(&url, "4242 4242 4242 4242").await.status(), 402, "a session is paid once");
}

#[tokio::test]
async fn anonymous_and_trial_checkouts() {
    let (_sb, flowglad, _) = setup().await;
    let session = flowglad.create_checkout(&checkout("starter", ChargePeriod::Monthly, "EUR", None)).await.unwrap();
    assert_eq!(session.customer_id, None);
    assert_eq!(pay(session.url.as_deref().unwrap(), "4242424242424242").await.status(), 303);
    let done = flowglad.get_checkout(&session.id).await.unwrap();
    let customer = done.customer_id.expect("paying creates the customer");
    let subs = flowglad.list_subscriptions(&customer).await.unwrap();
    assert_eq!(subs.len(), 1);
    assert_eq!((subs[0].status, subs[0].trial_days_remaining), (SubscriptionStatus::Trialing, Some(14)));
    assert_eq!(subs[0].amount.unwrap().to_string(), "€11.00");

    let mut once = checkout("onboarding", ChargePeriod::OneTime, "USD", Some("user_kim_dental"));
    once.quantity = Some(2);
    let session = flowglad.create_checkout(&once).await.unwrap();
    pay(session.url.as_deref().unwrap(), "4242 4242 4242 4242").await;
    let subs = flowglad.list_subscriptions("user_kim_dental").await.unwrap();
    let workshop = subs.iter().find(|s| s.plan_id.as_deref() == Some("onboarding")).unwrap();
    assert_eq!((workshop.period, workshop.amount.unwrap().to_string()), (ChargePeriod::OneTime, "$998.00".into()));
}

#[tokio::test]
async fn activation_and_payment_method_checkouts() {
    let (_sb, flowglad, direct) = setup().await;
    let incomplete = flowglad.list_subscriptions("user_brooks_fitness").await.unwrap().remove(0);
    assert_eq!(incomplete.status, SubscriptionStatus::Incomplete);
    let mut request = checkout("", ChargePeriod::Monthly, "USD", Some("user_brooks_fitness"));
    request.purpose = Some(CheckoutPurpose::ActivateSubscription { subscription_id: incomplete.id.clone() });
    let session = flowglad.create_checkout(&request).await.unwrap();
    assert_eq!(session.subscription_id.as_deref(), Some(incomplete.id.as_str()));
    let page = reqwest::get(session.url.as_deref().unwrap()).await.unwrap().text().await.unwrap();
    assert!(page.contains("$129.00"), "{page}");
    assert_eq!(pay(session.url.as_deref().unwrap(), "4242 4242 4242 4242").await.status(), 303);
    let active = flowglad.get_subscription(&incomplete.id).await.unwrap();
    assert_eq!(active.status, SubscriptionStatus::Active);
    let again = flowglad.create_checkout(&request).await.unwrap_err();
    // Flowglad answers 400 for an active subscription; till reads its status and refuses first.
    assert_eq!((again.kind, again.status), (ErrorKind::Invalid, None), "{again}");
    assert!(again.message.contains("is active; only an incomplete subscription can be activated"), "{again}");

    let before = direct.billing("user_rivera_roofing").await.unwrap().payment_methods.len();
    let mut request = checkout("", ChargePeriod::Monthly, "USD", Some("user_rivera_roofing"));
    request.purpose = Some(CheckoutPurpose::AddPaymentMethod { subscription_id: None });
    let session = flowglad.create_checkout(&request).await.unwrap();
    assert_eq!(pay(session.url.as_deref().unwrap(), "5555 5555 5555 4444").await.status(), 303);
    let billing = direct.billing("user_rivera_roofing").await.unwrap();
    assert_eq!(billing.payment_methods.len(), before + 1);
    let newest = billing.payment_methods.iter().find(|p| p.default).unwrap();
    assert_eq!(newest.payment_method_data["last4"], "4444");

    request.customer_id = None;
    let err = flowglad.create_checkout(&request).await.unwrap_err();
    assert_eq!(err.kind, ErrorKind::Invalid, "needs a customer");
}

#[tokio::test]
async fn upgrade_now_with_flowglads_own_preview() {
    let (_sb, flowglad, direct) = setup().await;
    assert!(flowglad.capabilities().native_change_preview);
    let starter = flowglad.list_subscriptions("user_nguyen_bakes").await.unwrap().remove(0);
    assert_eq!(starter.amount.unwrap().to_string(), "$12.00");
    let change = monthly("pro", ChangeTiming::Immediately);
    let preview = flowglad.preview_change(&starter.id, &change).await.unwrap();
    assert_eq!(preview.source, EstimateSource::Provider);
    let due = preview.current_invoice.total.amount();
    assert!(due > rust_decimal::Decimal::ZERO && due < rust_decimal::Decimal::from(27), "prorated share of $27: {due}");
    assert!(preview.current_invoice.lines[0].description.starts_with("Prorated change to Pro"));
    let next = preview.next_invoice.unwrap();
    assert_eq!(next.total.to_string(), "$39.00");
    assert_eq!(next.date, starter.current_period_end.map(|d| d.date_naive()));
    assert!(
        !flowglad
            .entitlements("user_nguyen_bakes")
            .await
            .unwrap()
            .iter()
            .any(|e| e.feature_id == "custom-domain" && e.has_access)
    );

    let changed = flowglad.change_plan(&starter.id, &change).await.unwrap();
    assert_eq!(changed.id, starter.id, "Flowglad adjusts in place");
    assert_eq!(changed.plan_id.as_deref(), Some("pro"));
    assert_eq!(changed.amount.unwrap().to_string(), "$39.00");
    assert_eq!(flowglad.get_subscription(&starter.id).await.unwrap().amount.unwrap().to_string(), "$39.00");
    let ents = flowglad.entitlements("user_nguyen_bakes").await.unwrap();
    assert!(ents.iter().any(|e| e.feature_id == "custom-domain" && e.has_access), "Pro grants a custom domain");
    let credits = ents.iter().find(|e| e.feature_id == "ai-credits").unwrap();
    assert!(matches!(credits.kind, EntitlementKind::Meter { limit: Some(5_000), used: 80, .. }), "{credits:?}");
    let invoices = direct.billing("user_nguyen_bakes").await.unwrap().invoices;
    let proration = invoices.last().unwrap();
    let cents: i64 = (due * rust_decimal::Decimal::from(100)).try_into().unwrap();
    assert_eq!(proration.invoice_line_items[0].price, cents);
    // `till invoices list` shows the proration first, for the amount the preview promised.
    let listed = flowglad.list_invoices("user_nguyen_bakes").await.unwrap();
    assert_eq!(listed[0].id, proration.invoice.id);
    assert_eq!(listed[0].total.as_ref().map(|m| m.amount()), Some(due));
}

/// Invoices come from the billing read (the invoices list has no customer filter): one record
/// per invoice, totals equal to the lines, the PDF as the link.
#[tokio::test]
async fn invoices_are_the_billing_reads_with_totals_from_their_lines() {
    let (_sb, flowglad, direct) = setup().await;
    let billing = direct.billing("user_zielinski_druk").await.unwrap();
    let listed = flowglad.list_invoices("user_zielinski_druk").await.unwrap();
    assert_eq!(listed.len(), billing.invoices.len());
    for (record, raw) in listed.iter().zip(&billing.invoices) {
        let lines: i64 = raw.invoice_line_items.iter().map(|l| l.price * l.quantity).sum();
        assert_eq!(record.id, raw.invoice.id);
        assert_eq!(record.number.as_deref(), Some(raw.invoice.invoice_number.as_str()));
        assert_eq!(record.customer_id.as_deref(), Some("user_zielinski_druk"));
        assert_eq!(record.subscription_id, raw.invoice.subscription_id);
        assert_eq!(record.status, raw.invoice.status);
        assert_eq!(record.total.as_ref().and_then(|m| m.to_minor_units().ok()), Some(lines));
        assert_eq!(record.url, raw.invoice.pdf_url);
        assert!(record.issued_on.is_some());
    }
    let unknown = flowglad.list_invoices("user_nobody_here").await.unwrap_err();
    assert_eq!((unknown.kind, unknown.status), (ErrorKind::Http, Some(404)), "{unknown}");
}

#[tokio::test]
async fn downgrades_wait_for_the_period_end() {
    let (_sb, flowglad, _) = setup().await;
    let pro = flowglad.list_subscriptions("user_rivera_roofing").await.unwrap().remove(0);
    let down = monthly("starter", ChangeTiming::Auto);
    let preview = flowglad.preview_change(&pro.id, &down).await.unwrap();
    assert!(preview.current_invoice.total.is_zero(), "downgrades are not refunded or charged now");
    let period_end = pro.current_period_end.map(|d| d.date_naive());
    assert_eq!(preview.effective_date, period_end);
    assert_eq!(preview.next_invoice.as_ref().unwrap().total.to_string(), "$12.00");

    let up_later = PlanChange { plan_id: "business".into(), ..monthly("business", ChangeTiming::AtPeriodEnd) };
    let err = flowglad.preview_change(&pro.id, &up_later).await.unwrap_err();
    assert!(err.message.contains("Upgrades take effect immediately"), "{err}");
    let err = flowglad.change_plan(&pro.id, &up_later).await.unwrap_err();
    assert_eq!((err.status, err.code.as_deref()), (Some(400), Some("BAD_REQUEST")));

    let plans = flowglad.list_plans().await.unwrap();
    let yearly =
        plans.iter().find(|p| p.id == "business").unwrap().price_for(ChargePeriod::Yearly, Some("USD")).unwrap();
    let other_interval = PlanChange { price_id: yearly.id.clone(), ..monthly("business", ChangeTiming::Immediately) };
    let err = flowglad.change_plan(&pro.id, &other_interval).await.unwrap_err();
    assert!(err.message.contains("keeps its billing interval"), "{err}");

    let changed = flowglad.change_plan(&pro.id, &down).await.unwrap();
    assert_eq!(changed.plan_id.as_deref(), Some("pro"), "still Pro until the period ends");
    assert_eq!(changed.amount.unwrap().to_string(), "$39.00");
    // Flowglad refuses another adjustment while this one is scheduled.
    let err = flowglad.change_plan(&pro.id, &up_later).await.unwrap_err();
    assert!(err.message.contains("scheduled adjustment is already pending"), "{err}");
}

#[tokio::test]
async fn cancel_at_period_end_uncancel_and_cancel_now() {
    let (_sb, flowglad, _) = setup().await;
    assert!(flowglad.capabilities().uncancel && !flowglad.capabilities().cancel_on_date);
    let sub = flowglad.list_subscriptions("user_patterson_pets").await.unwrap().remove(0);
    let at_end = flowglad
        .cancel_subscription(&sub.id, &Cancellation { timing: CancelTiming::AtPeriodEnd, comment: None })
        .await
        .unwrap();
    assert_eq!((at_end.status, at_end.raw_status.as_str()), (SubscriptionStatus::Active, "cancellation_scheduled"));
    assert_eq!(at_end.ends_on, sub.current_period_end.map(|d| d.date_naive()));
    assert!(at_end.cancel_scheduled());

    let back = flowglad.uncancel_subscription(&sub.id).await.unwrap();
    assert_eq!((back.raw_status.as_str(), back.ends_on), ("active", None));
    let err = flowglad.uncancel_subscription(&sub.id).await.unwrap_err();
    assert_eq!(err.kind, ErrorKind::Invalid, "Flowglad would return it unchanged; till says why: {err}");
    assert!(err.message.contains("no scheduled cancellation"), "{err}");

    let on_date = Cancellation { timing: CancelTiming::OnDate(Utc::now().date_naive()), comment: None };
    assert_eq!(flowglad.cancel_subscription(&sub.id, &on_date).await.unwrap_err().kind, ErrorKind::Unsupported);

    let now = Cancellation { timing: CancelTiming::Immediately, comment: None };
    let gone = flowglad.cancel_subscription(&sub.id, &now).await.unwrap();
    assert_eq!(gone.status, SubscriptionStatus::Canceled);
    assert_eq!(gone.ends_on, Some(Utc::now().date_naive()));
    assert!(gone.canceled_at.is_some());
    let ents = flowglad.entitlements("user_patterson_pets").await.unwrap();
    assert!(ents.iter().all(|e| !e.has_access), "nothing left: {ents:?}");
    let again = flowglad.cancel_subscription(&sub.id, &now).await.unwrap_err();
    assert_eq!((again.kind, again.message.contains("already canceled")), (ErrorKind::Invalid, true), "{again}");

    let scheduled = flowglad.list_subscriptions("user_kim_dental").await.unwrap().remove(0);
    assert!(scheduled.cancel_scheduled(), "seeded with a scheduled cancellation");
    assert!(!flowglad.uncancel_subscription(&scheduled.id).await.unwrap().cancel_scheduled());
}

#[tokio::test]
async fn generated_customers_page_fast_and_deep() {
    let sb = sandbox::start(SandboxOptions { extra_customers: 100_000, seed: 7, ..Default::default() }).await.unwrap();
    let http = Http::new(HttpConfig::default()).unwrap();
    let flowglad = providers::connect(ProviderKind::Flowglad, sb.endpoint(ProviderKind::Flowglad), http).unwrap();
    let mut request = PageRequest::first(100);
    let mut seen = 0;
    for _ in 0..5 {
        let page = flowglad.list_customers(&request).await.unwrap();
        assert_eq!(page.total, Some(100_064));
        assert_eq!(page.items.len(), 100);
        seen += page.items.len();
        request.cursor = page.next_cursor;
    }
    assert_eq!(seen, 500);
    let generated = flowglad.list_customers(&request).await.unwrap().items;
    assert!(generated.iter().any(|c| c.id.starts_with("gen_")));
}

#[test]
fn key_prefix_decides_the_mode() {
    assert_eq!(key_mode(keys::FLOWGLAD), KeyMode::Test);
    assert_eq!(key_mode("sk_live_abcd_123"), KeyMode::Live);
    assert_eq!(key_mode("stg_sk_test_abcd_123"), KeyMode::Test);
    assert_eq!(key_mode("pk_whatever"), KeyMode::Unknown);
    let http = Http::new(HttpConfig::default()).unwrap();
    let endpoint = Endpoint {
        base_url: url::Url::parse("https://app.flowglad.com").unwrap(),
        edge_url: None,
        key: Secret::new(""),
        client_key: None,
        account: None,
    };
    assert_eq!(
        providers::connect(ProviderKind::Flowglad, endpoint, http).err().map(|e| e.kind),
        Some(ErrorKind::Invalid)
    );
}
