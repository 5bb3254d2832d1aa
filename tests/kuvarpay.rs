//! The KuvarPay client against the embedded sandbox over real HTTP on loopback.

#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a panic is the failure report

#[path = "support/pay.rs"]
mod pay_form;

use std::collections::HashSet;
use std::sync::Arc;

use chrono::{Duration, Utc};
use serde_json::{Value, json};
use till::billing::{
    CancelTiming, Cancellation, ChangeTiming, ChargePeriod, CheckoutRequest, CheckoutStatus, EstimateSource,
    NewCustomer, PlanChange, ProviderKind, Subscription, SubscriptionStatus,
};
use till::providers::kuvarpay::{KuvarPayClient, wire};
use till::providers::{self, BillingProvider, Endpoint, ErrorKind, Http, HttpConfig, PageRequest, Secret};
use till::sandbox::{self, SandboxHandle, SandboxOptions, keys};

const KP: ProviderKind = ProviderKind::KuvarPay;

async fn setup() -> (SandboxHandle, Arc<dyn BillingProvider>, Http) {
    let sandbox = sandbox::start(SandboxOptions::default()).await.unwrap();
    let http = Http::new(HttpConfig::default()).unwrap();
    let client = providers::connect(KP, sandbox.endpoint(KP), http.clone()).unwrap();
    (sandbox, client, http)
}

/// The concrete client, for KuvarPay-only calls (invoices, confirm, create subscription).
async fn concrete(page_size: u32) -> (SandboxHandle, KuvarPayClient, Http) {
    let sandbox = sandbox::start(SandboxOptions::default()).await.unwrap();
    let http = Http::new(HttpConfig::default()).unwrap();
    let client = KuvarPayClient::new(sandbox.endpoint(KP), http.clone()).with_page_size(page_size);
    (sandbox, client, http)
}

/// A raw request with valid credentials, for asserting the wire format itself.
fn raw(sb: &SandboxHandle, method: reqwest::Method, path_and_query: &str) -> reqwest::RequestBuilder {
    let (path, query) = path_and_query.split_once('?').unwrap_or((path_and_query, ""));
    let mut url = sb.provider_url(&format!("kuvarpay/api/v1/{path}"));
    url.set_query(Some(query).filter(|q| !q.is_empty()));
    reqwest::Client::new()
        .request(method, url)
        .header("x-api-key", keys::KUVARPAY)
        .header("x-business-id", keys::KUVARPAY_BUSINESS)
}

/// Submits the hosted checkout form the way a browser would.
async fn pay(url: &str, card: &str) -> reqwest::Response {
    let client = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap();
    pay_form::submit(&client, url, card).await
}

fn checkout(plan: &str, period: ChargePeriod, currency: &str, email: &str) -> CheckoutRequest {
    CheckoutRequest {
        plan_id: plan.into(),
        period: Some(period),
        currency: Some(currency.into()),
        customer_email: Some(email.into()),
        success_url: "https://shop.example/thanks".into(),
        cancel_url: Some("https://shop.example/cart".into()),
        ..Default::default()
    }
}

/// The live, renewing subscription of a seeded customer.
async fn live_subscription(kp: &dyn BillingProvider, email: &str) -> Subscription {
    let subs = kp.list_subscriptions(email).await.unwrap();
    subs.into_iter().find(|s| s.status == SubscriptionStatus::Active && s.ends_on.is_none()).unwrap()
}

#[tokio::test]
async fn derived_customers_page_through_every_page_without_gaps() {
    let (_sb, kp, _) = setup().await;
    let caps = kp.capabilities();
    assert!(caps.derived_customers && caps.list_customers && !caps.create_customer && !caps.search_customers);
    assert!(!caps.entitlements && !caps.native_change_preview && caps.idempotency_keys && caps.uncancel);
    let mut seen = Vec::new();
    let mut request = PageRequest::first(10);
    let mut pages = 0;
    let mut total = None;
    loop {
        let page = kp.list_customers(&request).await.unwrap();
        pages += 1;
        total = total.or(page.total);
        assert_eq!(page.total, total, "the total does not move while paging");
        seen.extend(page.items);
        match page.next_cursor {
            Some(c) => request.cursor = Some(c),
            None => break,
        }
    }
    assert!(seen.len() >= 60, "seed has at least 60 customers, got {}", seen.len());
    assert_eq!(Some(seen.len() as u64), total);
    assert_eq!(pages, seen.len().div_ceil(10));
    let emails: HashSet<_> = seen.iter().map(|c| c.email.clone().unwrap().to_lowercase()).collect();
    assert_eq!(emails.len(), seen.len(), "one row per e-mail, though some customers have two subscriptions");
    assert!(seen.iter().all(|c| c.alt_id.as_deref().is_some_and(|u| u.starts_with("cus_"))));
    assert!(seen.windows(2).all(|w| w[0].created_at >= w[1].created_at), "newest first");
}

#[tokio::test]
async fn server_paging_crosses_pages_and_matches_one_big_page() {
    let (sb, small, http) = concrete(7).await;
    let big = KuvarPayClient::new(sb.endpoint(KP), Http::new(HttpConfig::default()).unwrap());
    let a = small.list_customers(&PageRequest::first(100)).await.unwrap();
    let b = big.list_customers(&PageRequest::first(100)).await.unwrap();
    assert_eq!(a, b, "7 rows per request or 100, the derived list is the same");
    let sub_pages = http.log().snapshot().iter().filter(|e| e.url.contains("/subscriptions?")).count();
    assert!(sub_pages >= 10, "69+ subscriptions at 7 per page need 10 requests, made {sub_pages}");

    let body: Value =
        raw(&sb, reqwest::Method::GET, "subscriptions?page=3&limit=7").send().await.unwrap().json().await.unwrap();
    assert_eq!(body["success"], true);
    assert_eq!(body["data"].as_array().unwrap().len(), 7);
    assert_eq!((body["pagination"]["page"].clone(), body["pagination"]["limit"].clone()), (json!(3), json!(7)));
    let total = body["pagination"]["total"].as_u64().unwrap();
    assert_eq!(body["pagination"]["totalPages"].as_u64().unwrap(), total.div_ceil(7));
    let past: Value =
        raw(&sb, reqwest::Method::GET, "subscriptions?page=999&limit=7").send().await.unwrap().json().await.unwrap();
    assert_eq!(past["data"], json!([]), "a page past the end is empty, not an error");
    let bad = raw(&sb, reqwest::Method::GET, "subscriptions?page=0").send().await.unwrap();
    assert_eq!(bad.status(), 400);
    let bad: Value = bad.json().await.unwrap();
    assert_eq!(bad["details"][0]["field"], "page");
}

#[tokio::test]
async fn search_is_client_side_with_accent_folding() {
    let (_sb, kp, _) = setup().await;
    let find = |s: &str| PageRequest { cursor: None, limit: 10, search: Some(s.into()), follows: false };
    let page = kp.list_customers(&find("muller")).await.unwrap();
    assert_eq!(page.items.len(), 1, "{:?}", page.items);
    assert_eq!(page.items[0].name.as_deref(), Some("Hannah Müller"));
    let page = kp.list_customers(&find("山田")).await.unwrap();
    assert_eq!(page.items[0].email.as_deref(), Some("hanako.yamada@yamada-kobo.jp"));
    let page = kp.list_customers(&find("LUKASZ")).await.unwrap();
    assert_eq!(page.items[0].name.as_deref(), Some("Łukasz Zieliński"));
    assert_eq!(page.total, Some(1));
    let none = kp.list_customers(&find("no such person")).await.unwrap();
    assert!(none.items.is_empty() && none.next_cursor.is_none());
}

#[tokio::test]
async fn get_customer_by_email_or_uid() {
    let (_sb, kp, _) = setup().await;
    let by_email = kp.get_customer("Chiamaka@Nwosu-Pharma.ng").await.unwrap();
    assert_eq!(by_email.name.as_deref(), Some("Chiamaka Nwosu"));
    assert_eq!(by_email.id, "chiamaka@nwosu-pharma.ng");
    let by_uid = kp.get_customer(by_email.alt_id.as_deref().unwrap()).await.unwrap();
    assert_eq!(by_uid, by_email);
    let missing = kp.get_customer("nobody@example.com").await.unwrap_err();
    assert!(missing.is_not_found(), "{missing}");
}

#[tokio::test]
async fn customer_creation_and_entitlements_are_not_offered() {
    let (_sb, kp, _) = setup().await;
    let err = kp.create_customer(&NewCustomer { id: "x".into(), ..Default::default() }).await.unwrap_err();
    assert_eq!(err.kind, ErrorKind::Unsupported);
    assert!(err.message.contains("not offered by KuvarPay"), "{err}");
    let err = kp.entitlements("chiamaka@nwosu-pharma.ng").await.unwrap_err();
    assert_eq!(err.kind, ErrorKind::Unsupported);
}

#[tokio::test]
async fn wrong_key_and_wrong_business_are_auth_errors_and_keys_stay_out_of_the_log() {
    let sb = sandbox::start(SandboxOptions::default()).await.unwrap();
    let http = Http::new(HttpConfig::default()).unwrap();
    let mut endpoint: Endpoint = sb.endpoint(KP);
    endpoint.key = Secret::new("kp_wrong_key_987");
    let kp = providers::connect(KP, endpoint, http.clone()).unwrap();
    let err = kp.list_plans().await.unwrap_err();
    assert_eq!(
        (err.status, err.code.as_deref(), err.message.as_str()),
        (Some(401), Some("INVALID_API_KEY"), "Invalid API key")
    );
    assert!(err.is_auth());
    let logged = format!("{:?}", http.log().snapshot());
    assert!(!logged.contains("kp_wrong_key_987"), "key must not reach the request log");
    assert!(logged.contains("x-api-key") && logged.contains("[redacted]"));

    let mut endpoint = sb.endpoint(KP);
    endpoint.account = Some("biz_someone_else".into());
    let err = providers::connect(KP, endpoint, http.clone()).unwrap().list_plans().await.unwrap_err();
    assert_eq!((err.status, err.code.as_deref()), (Some(403), Some("FORBIDDEN")));
    let mut endpoint = sb.endpoint(KP);
    endpoint.account = None;
    let err = providers::connect(KP, endpoint, http).unwrap().get_subscription("sub_x").await.unwrap_err();
    assert_eq!((err.status, err.code.as_deref()), (Some(401), Some("BUSINESS_ID_REQUIRED")));
    assert!(err.message.contains("x-business-id"));
}

#[tokio::test]
async fn validation_errors_name_their_fields() {
    let (sb, kp, _) = setup().await;
    let mut bad = checkout("plan_pro", ChargePeriod::Monthly, "USD", "not-an-email");
    bad.success_url = "thanks".into();
    let err = kp.create_checkout(&bad).await.unwrap_err();
    assert_eq!((err.status, err.code.as_deref()), (Some(400), Some("VALIDATION_ERROR")));
    let fields: Vec<_> = err.field_errors.iter().map(|f| f.field.as_str()).collect();
    assert_eq!(fields, ["customer.email", "successUrl"], "{err}");
    assert!(err.is_validation());

    let resp = raw(&sb, reqwest::Method::POST, "subscriptions/checkout-sessions")
        .json(&json!({"billingMode": "FIXED", "customer": {"email": "a@b.co"}}))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 400);
    let body: Value = resp.json().await.unwrap();
    assert_eq!(body["success"], false);
    assert_eq!(body["details"][0]["field"], "successUrl");
    let resp = raw(&sb, reqwest::Method::POST, "subscriptions/checkout-sessions")
        .json(&json!({"billingMode": "SOMETIMES", "priceUid": "x", "customer": {"email": "a@b.co"}, "successUrl": "https://a.example"}))
        .send()
        .await
        .unwrap();
    let body: Value = resp.json().await.unwrap();
    assert_eq!(body["details"][0], json!({"field": "billingMode", "message": "must be one of FIXED, METERED"}));

    let no_price =
        kp.create_checkout(&checkout("plan_scale", ChargePeriod::Weekly, "USD", "a@b.co")).await.unwrap_err();
    assert_eq!(no_price.kind, ErrorKind::Invalid, "no weekly Scale price: caught before sending");
}

#[tokio::test]
async fn catalog_has_plans_with_monthly_and_yearly_prices_in_several_currencies() {
    let (_sb, kp, _) = setup().await;
    let plans = kp.list_plans().await.unwrap();
    assert!(plans.len() >= 4);
    let pro = plans.iter().find(|p| p.id == "plan_pro").unwrap();
    assert_eq!(pro.price_for(ChargePeriod::Monthly, Some("NGN")).unwrap().amount.to_string(), "₦25,000.00");
    assert_eq!(pro.price_for(ChargePeriod::Yearly, Some("USD")).unwrap().amount.to_string(), "$290.00");
    assert_eq!(pro.price_for(ChargePeriod::Monthly, Some("KES")).unwrap().trial_days, Some(14));
    assert!(pro.prices.iter().all(|p| p.id.as_deref().is_some_and(|id| id.starts_with("price_"))));
    let basic = plans.iter().find(|p| p.id == "plan_basic").unwrap();
    assert!(basic.price_for(ChargePeriod::Weekly, Some("NGN")).is_some());
    let currencies: HashSet<_> =
        plans.iter().flat_map(|p| p.prices.iter().map(|pr| pr.amount.currency().code().to_string())).collect();
    assert!(currencies.len() >= 4, "{currencies:?}");
    assert!(plans.iter().all(|p| p.features.is_empty()), "KuvarPay plans grant no features");
}

#[tokio::test]
async fn checkout_approval_on_the_hosted_page_activates_the_subscription() {
    let (sb, kp, _) = setup().await;
    let email = "łucja.wójcik@piekarnia.example.pl";
    let session = kp.create_checkout(&checkout("plan_business", ChargePeriod::Yearly, "KES", email)).await.unwrap();
    let url = session.url.clone().unwrap();
    assert_eq!(url, format!("{}pay/{}", sb.base_url(), session.id), "approval_url is the sandbox's hosted page");
    assert_eq!(session.status, CheckoutStatus::Open);
    let sub_id = session.subscription_id.clone().unwrap();
    assert_eq!(kp.get_subscription(&sub_id).await.unwrap().status, SubscriptionStatus::Incomplete);
    let listed = kp.get_customer(email).await.unwrap();
    assert_eq!(listed.email.as_deref(), Some(email), "a checkout's customer joins the derived list");

    let page = reqwest::get(&url).await.unwrap().text().await.unwrap();
    assert!(page.contains("Business") && page.contains("KES 105,000.00"), "{page}");
    assert_eq!(pay(&url, "4000 0000 0000 0002").await.status(), 402);
    assert_eq!(kp.get_checkout(&session.id).await.unwrap().status, CheckoutStatus::Open);
    let paid = pay(&url, "4242 4242 4242 4242").await;
    assert_eq!(paid.status(), 303);
    assert_eq!(paid.headers()["location"], "https://shop.example/thanks");

    let done = kp.get_checkout(&session.id).await.unwrap();
    assert_eq!((done.status, done.raw_status.as_str()), (CheckoutStatus::Complete, "COMPLETED"));
    assert_eq!(done.customer_id.as_deref(), Some(email));
    let subs = kp.list_subscriptions(email).await.unwrap();
    assert_eq!(subs.len(), 1);
    assert_eq!((subs[0].id.as_str(), subs[0].status), (sub_id.as_str(), SubscriptionStatus::Active));
    assert_eq!(subs[0].amount.unwrap().to_string(), "KES 105,000.00");
    assert_eq!(subs[0].period, ChargePeriod::Yearly);
    assert_eq!(subs[0].plan_name.as_deref(), Some("Business"));
    let ents = kp.entitlements(email).await.unwrap_err();
    assert_eq!(ents.kind, ErrorKind::Unsupported, "no entitlements to check after activation");
    assert_eq!(pay(&url, "4242 4242 4242 4242").await.status(), 402, "a session is approved once");
}

#[tokio::test]
async fn confirm_completes_a_session_and_a_trial_price_starts_trialing() {
    let (_sb, kp, _) = concrete(100).await;
    let session =
        kp.create_checkout(&checkout("plan_pro", ChargePeriod::Monthly, "GHS", "ama.k@example.gh")).await.unwrap();
    let (done, sub) = kp.confirm_checkout(&session.id, Some("0xabc".into())).await.unwrap();
    assert_eq!(done.status, CheckoutStatus::Complete);
    assert_eq!((sub.status, sub.trial_days_remaining), (SubscriptionStatus::Trialing, Some(14)));
    assert_eq!(sub.amount.unwrap().to_string(), "GHS 380.00");
    let again = kp.confirm_checkout(&session.id, None).await.unwrap_err();
    assert_eq!((again.status, again.code.as_deref()), (Some(409), Some("ALREADY_COMPLETED")));
    let missing = kp.get_checkout("cs_nope").await.unwrap_err();
    assert_eq!((missing.status, missing.message.as_str()), (Some(404), "Checkout session not found"));
}

#[tokio::test]
async fn plan_change_by_patch_changes_plan_and_amount_and_invoices_the_proration() {
    let (_sb, kp, _) = concrete(100).await;
    let current = live_subscription(&kp, "chiamaka@nwosu-pharma.ng").await;
    assert_eq!(current.plan_id.as_deref(), Some("plan_pro"));
    let change = PlanChange {
        plan_id: "plan_business".into(),
        period: ChargePeriod::Monthly,
        price_id: None,
        timing: ChangeTiming::Immediately,
        features: vec![],
    };
    let preview = kp.preview_change(&current.id, &change).await.unwrap();
    assert_eq!(preview.source, EstimateSource::Local);
    assert_eq!(preview.next_invoice.as_ref().unwrap().total.to_string(), "₦60,000.00");

    let changed = kp.change_plan(&current.id, &change).await.unwrap();
    assert_eq!(changed.id, current.id, "PATCH keeps the subscription");
    assert_eq!((changed.plan_id.as_deref(), changed.plan_name.as_deref()), (Some("plan_business"), Some("Business")));
    assert_eq!(changed.amount.unwrap().to_string(), "₦60,000.00");
    assert_eq!(changed.current_period_end, current.current_period_end, "same interval: same period");
    let invoices = kp.list_invoices(&current.id).await.unwrap();
    let proration =
        invoices.iter().find(|i| i.description.as_deref().is_some_and(|d| d.starts_with("Plan change"))).unwrap();
    assert_eq!(proration.amount, preview.current_invoice.total, "the local preview matches what was invoiced");
    assert_eq!(proration.status, "OPEN");

    let later = PlanChange { timing: ChangeTiming::AtPeriodEnd, ..change.clone() };
    assert_eq!(kp.change_plan(&current.id, &later).await.unwrap_err().kind, ErrorKind::Unsupported);
    let usd_price = kp.list_plans().await.unwrap().into_iter().find(|p| p.id == "plan_scale").unwrap();
    let usd_price = usd_price.price_for(ChargePeriod::Monthly, Some("USD")).unwrap().id.clone();
    let other_currency = PlanChange { price_id: usd_price, ..change };
    let err = kp.change_plan(&current.id, &other_currency).await.unwrap_err();
    assert_eq!(err.status, Some(400));
    assert_eq!(err.field_errors[0].field, "price_id", "{err}");
}

#[tokio::test]
async fn cancel_at_period_end_uncancel_and_cancel_now() {
    let (_sb, kp, _) = setup().await;
    let sub = live_subscription(kp.as_ref(), "hannah.mueller@kraemer-logistik.de").await;
    let today = Utc::now().date_naive();

    let scheduled = kp
        .cancel_subscription(
            &sub.id,
            &Cancellation { timing: CancelTiming::AtPeriodEnd, comment: Some("budget".into()) },
        )
        .await
        .unwrap();
    assert_eq!(scheduled.status, SubscriptionStatus::Active);
    assert_eq!(scheduled.ends_on, scheduled.current_period_end.map(|d| d.date_naive()));
    assert!(scheduled.cancel_scheduled());

    let kept = kp.uncancel_subscription(&sub.id).await.unwrap();
    assert!(!kept.cancel_scheduled() && kept.ends_on.is_none());

    let on_date = Cancellation { timing: CancelTiming::OnDate(today + Duration::days(9)), comment: None };
    assert_eq!(kp.cancel_subscription(&sub.id, &on_date).await.unwrap_err().kind, ErrorKind::Unsupported);

    let now = Cancellation { timing: CancelTiming::Immediately, comment: None };
    let gone = kp.cancel_subscription(&sub.id, &now).await.unwrap();
    assert_eq!((gone.status, gone.raw_status.as_str()), (SubscriptionStatus::Canceled, "CANCELED"));
    assert_eq!(gone.ends_on, Some(today));
    assert!(gone.canceled_at.is_some());
    let again = kp.cancel_subscription(&sub.id, &now).await.unwrap_err();
    assert_eq!((again.status, again.code.as_deref()), (Some(400), Some("INVALID_STATE")));
    assert_eq!(kp.uncancel_subscription(&sub.id).await.unwrap_err().status, Some(400));
    let unknown = kp.get_subscription("sub_doesnotexist").await.unwrap_err();
    assert_eq!((unknown.status, unknown.message.as_str()), (Some(404), "Subscription not found"));
}

#[tokio::test]
async fn idempotency_key_replays_the_stored_response_and_rejects_a_different_body() {
    let (sb, kp, http) = setup().await;
    let body = json!({"priceUid": null, "billingMode": "FIXED", "customer": {"email": "replay@example.com"}, "successUrl": "https://a.example"});
    let price = kp.list_plans().await.unwrap()[0].prices[0].id.clone().unwrap();
    let mut body = body;
    body["priceUid"] = json!(price);
    let send = |b: &Value, key: &str| {
        raw(&sb, reqwest::Method::POST, "subscriptions/checkout-sessions").header("Idempotency-Key", key).json(b).send()
    };
    let first = send(&body, "key-1").await.unwrap();
    assert_eq!(first.status(), 201);
    assert!(first.headers().get("idempotency-replayed").is_none());
    let first: Value = first.json().await.unwrap();
    let second = send(&body, "key-1").await.unwrap();
    assert_eq!(second.status(), 201);
    assert_eq!(second.headers()["idempotency-replayed"], "true");
    assert_eq!(second.json::<Value>().await.unwrap(), first, "same status, same body: no second session");
    let subs = kp.list_subscriptions("replay@example.com").await.unwrap();
    assert_eq!(subs.len(), 1, "the replay created nothing");

    let mut other = body.clone();
    other["customer"]["email"] = json!("someone-else@example.com");
    let conflict = send(&other, "key-1").await.unwrap();
    assert_eq!(conflict.status(), 409);
    let conflict: Value = conflict.json().await.unwrap();
    assert_eq!(conflict["code"], "IDEMPOTENCY_KEY_REUSED");

    let invalid = json!({"billingMode": "FIXED", "customer": {"email": "x"}, "successUrl": "https://a.example"});
    let e1 = send(&invalid, "key-2").await.unwrap();
    let (s1, b1) = (e1.status(), e1.text().await.unwrap());
    let e2 = send(&invalid, "key-2").await.unwrap();
    assert_eq!((e2.status(), e2.text().await.unwrap()), (s1, b1), "errors replay too");

    kp.create_checkout(&checkout("plan_pro", ChargePeriod::Monthly, "USD", "keyed@example.com")).await.unwrap();
    let post = http.log().snapshot().into_iter().rfind(|e| e.method == "POST").unwrap();
    let key = post.request_headers.iter().find(|h| h.name == "idempotency-key").map(|h| h.value.clone());
    assert!(key.is_some_and(|k| k.len() >= 32), "the client sends a fresh key on every POST");
}

#[tokio::test]
async fn invoices_list_across_pages_and_get_one() {
    let (_sb, kp, http) = concrete(3).await;
    let customers = kp.list_customers(&PageRequest::first(100)).await.unwrap().items;
    let mut long_running = None;
    for c in &customers {
        let subs = kp.list_subscriptions(&c.id).await.unwrap();
        let found = subs.into_iter().find(|s| {
            s.status == SubscriptionStatus::Active
                && s.period == ChargePeriod::Monthly
                && s.started_on.is_some_and(|d| (Utc::now().date_naive() - d).num_days() > 200)
        });
        if found.is_some() {
            long_running = found;
            break;
        }
    }
    let sub = long_running.expect("a monthly subscription older than 200 days");
    let before = http.log().len();
    let invoices = kp.list_invoices(&sub.id).await.unwrap();
    assert!(invoices.len() >= 7, "{} invoices", invoices.len());
    assert!(http.log().len() - before >= 3, "3 per page: several requests");
    let fixed: Vec<_> = invoices.iter().filter(|i| i.billing_mode.as_deref() == Some("FIXED")).collect();
    assert!(fixed.windows(2).all(|w| w[0].created_at >= w[1].created_at), "newest first");
    assert!(fixed.iter().all(|i| i.amount == sub.amount.unwrap() && i.status == "PAID" && i.charge_attempts == 1));
    let one = kp.get_invoice(&sub.id, &invoices[1].id).await.unwrap();
    assert_eq!(one, invoices[1]);
    let missing = kp.get_invoice(&sub.id, "sinv_nope").await.unwrap_err();
    assert_eq!(missing.message, "Subscription invoice not found");

    let busy = live_subscription(&kp, "hannah.mueller@kraemer-logistik.de").await;
    let metered = kp.list_invoices(&busy.id).await.unwrap();
    let usage = metered.iter().find(|i| i.billing_mode.as_deref() == Some("METERED")).unwrap();
    assert_eq!(usage.usage_quantity, Some(5600.into()));
    assert_eq!(usage.amount.to_string(), "$112.00", "5600 transactions at $0.02");
}

#[tokio::test]
async fn create_subscription_for_a_known_customer() {
    let (_sb, kp, _) = concrete(100).await;
    let customer = kp.get_customer("zainab@bello-clinic.ng").await.unwrap();
    let plans = kp.list_plans().await.unwrap();
    let price = plans[0].price_for(ChargePeriod::Monthly, Some("NGN")).unwrap().id.clone().unwrap();
    let request = |pm: Option<&str>, trial: Option<String>| wire::CreateSubscriptionRequest {
        customer_id: customer.alt_id.clone().unwrap(),
        price_id: price.clone(),
        payment_method_id: pm.map(str::to_string),
        trial_end: trial,
        metadata: None,
    };
    let active = kp.create_subscription(&request(Some("pm_wallet_1"), None)).await.unwrap();
    assert_eq!((active.status, active.customer_id.as_str()), (SubscriptionStatus::Active, "zainab@bello-clinic.ng"));
    let trial_end = (Utc::now() + Duration::days(10)).to_rfc3339();
    let trialing = kp.create_subscription(&request(None, Some(trial_end))).await.unwrap();
    assert_eq!(trialing.status, SubscriptionStatus::Trialing);
    let pending = kp.create_subscription(&request(None, None)).await.unwrap();
    assert_eq!(pending.status, SubscriptionStatus::Incomplete, "no authorization yet");
    let listed = kp.list_subscriptions("zainab@bello-clinic.ng").await.unwrap();
    assert!([&active.id, &trialing.id, &pending.id].iter().all(|id| listed.iter().any(|s| &s.id == *id)));

    let mut bad = request(None, Some("yesterday".into()));
    bad.customer_id = "cus_unknown".into();
    let err = kp.create_subscription(&bad).await.unwrap_err();
    let fields: Vec<_> = err.field_errors.iter().map(|f| f.field.as_str()).collect();
    assert_eq!(fields, ["customer_id", "trial_end"], "{err}");
}

#[tokio::test]
async fn generated_customers_list_quickly_and_later_pages_reuse_the_snapshot() {
    let sb = sandbox::start(SandboxOptions { extra_customers: 5_000, seed: 3, ..Default::default() }).await.unwrap();
    let http = Http::new(HttpConfig::default()).unwrap();
    let kp = providers::connect(KP, sb.endpoint(KP), http.clone()).unwrap();
    let first = kp.list_customers(&PageRequest::first(50)).await.unwrap();
    assert!(first.total.unwrap() >= 5_060, "{:?}", first.total);
    let requests = http.log().len();
    let second = kp
        .list_customers(&PageRequest { cursor: first.next_cursor.clone(), limit: 50, search: None, follows: false })
        .await
        .unwrap();
    assert_eq!(http.log().len(), requests, "the next page comes from the snapshot");
    assert_eq!(second.items.len(), 50);
    assert!(second.items.iter().all(|c| !first.items.contains(c)));
}

#[tokio::test]
async fn an_expired_session_cannot_be_approved_and_its_subscription_expires() {
    let (sb, kp, _) = setup().await;
    let session =
        kp.create_checkout(&checkout("plan_basic", ChargePeriod::Weekly, "NGN", "late@example.ng")).await.unwrap();
    {
        // Move the deadline into the past, as 24 hours of waiting would.
        let mut state = sb.state().kuvarpay.lock().unwrap();
        state.checkouts.get_mut(&session.id).unwrap().expires_at = Utc::now() - Duration::minutes(1);
    }
    let url = session.url.clone().unwrap();
    let refused = pay(&url, "4242 4242 4242 4242").await;
    assert_eq!(refused.status(), 402);
    assert!(refused.text().await.unwrap().contains("expired"));
    let expired = kp.get_checkout(&session.id).await.unwrap();
    assert_eq!((expired.status, expired.raw_status.as_str()), (CheckoutStatus::Expired, "EXPIRED"));
    let sub = kp.get_subscription(session.subscription_id.as_deref().unwrap()).await.unwrap();
    assert_eq!((sub.status, sub.raw_status.as_str()), (SubscriptionStatus::Expired, "INCOMPLETE_EXPIRED"));
}

#[tokio::test]
async fn checkout_for_a_known_customer_by_uid_reuses_that_customer() {
    let (_sb, kp, http) = setup().await;
    let known = kp.get_customer("ngozi@okonkwo-textiles.ng").await.unwrap();
    let uid = known.alt_id.clone().unwrap();
    let request = CheckoutRequest {
        customer_id: Some(uid.clone()),
        customer_email: None,
        ..checkout("plan_scale", ChargePeriod::Yearly, "NGN", "")
    };
    let session = kp.create_checkout(&request).await.unwrap();
    assert_eq!(session.customer_id.as_deref(), Some("ngozi@okonkwo-textiles.ng"));
    let sent = http.log().snapshot().into_iter().rfind(|e| e.method == "POST").unwrap();
    let body: Value = serde_json::from_str(sent.request_body.as_deref().unwrap()).unwrap();
    assert_eq!(
        body["customer"],
        json!({"email": "ngozi@okonkwo-textiles.ng", "firstName": "Ngozi", "lastName": "Okonkwo"})
    );
    let fetched = kp.get_checkout(&session.id).await.unwrap();
    assert_eq!(fetched.customer_id.as_deref(), Some("ngozi@okonkwo-textiles.ng"));
    let subs = kp.list_subscriptions(&uid).await.unwrap();
    assert!(subs.iter().any(|s| Some(&s.id) == session.subscription_id.as_ref()), "same customer record");
}
