//! The KuvarPay checkout builder's needs, against the sandbox over loopback: the preview is the
//! request create sends, every field reaches the sandbox and is honoured or rejected by name,
//! the local estimate matches hand-computed figures and what the sandbox then charges, the
//! `--dry-run` CLI never shows the key, and the sandbox counts the sessions created.

#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a panic is the failure report

#[path = "support/pay.rs"]
mod pay_form;

use std::process::Command;
use std::sync::Arc;

use chrono::Utc;
use serde_json::{Value, json};
use till::billing::{
    ChargePeriod, CheckoutRequest, Currency, Estimate, EstimateSource, Money, ProviderKind, SubscriptionStatus,
};
use till::providers::kuvarpay::checkout::form_field;
use till::providers::{self, BillingProvider, ErrorKind, Http, HttpConfig, ProviderError, RequestPreview};
use till::sandbox::{self, SandboxHandle, SandboxOptions, keys};

const KP: ProviderKind = ProviderKind::KuvarPay;
const CREATE_PATH: &str = "/kuvarpay/api/v1/subscriptions/checkout-sessions";

async fn setup_logged() -> (SandboxHandle, Arc<dyn BillingProvider>, Http) {
    let sandbox = sandbox::start(SandboxOptions { capture: true, ..Default::default() }).await.unwrap();
    let http = Http::new(HttpConfig::default()).unwrap();
    let client = providers::connect(KP, sandbox.endpoint(KP), http.clone()).unwrap();
    (sandbox, client, http)
}

async fn setup() -> (SandboxHandle, Arc<dyn BillingProvider>) {
    let (sandbox, client, _) = setup_logged().await;
    (sandbox, client)
}

fn count(sb: &SandboxHandle) -> usize {
    sb.state().kuvarpay.lock().unwrap().checkout_count()
}

fn base() -> CheckoutRequest {
    CheckoutRequest {
        plan_id: "plan_basic".into(),
        period: Some(ChargePeriod::Monthly),
        currency: Some("USD".into()),
        customer_email: Some("zainab.bello@example.ng".into()),
        customer_first_name: Some("Zainab".into()),
        customer_last_name: Some("Bello-Adéyẹmí".into()),
        success_url: "https://shop.example/thanks".into(),
        cancel_url: Some("https://shop.example/cart".into()),
        ..Default::default()
    }
}

fn metered(amount: &str, currency: &str) -> CheckoutRequest {
    CheckoutRequest {
        plan_id: String::new(),
        period: None,
        billing_mode: Some("METERED".into()),
        target_amount: Some(amount.into()),
        currency: Some(currency.into()),
        ..base()
    }
}

fn money(amount: &str, code: &str) -> Money {
    Money::parse(amount, Currency::from_code(code).unwrap()).unwrap()
}

fn today() -> chrono::NaiveDate {
    Utc::now().date_naive()
}

/// The body of the last create the sandbox received.
fn last_create_body(sb: &SandboxHandle) -> String {
    let sent = sb.captured().into_iter().rfind(|c| c.method == "POST" && c.path == CREATE_PATH).unwrap();
    String::from_utf8(sent.request_body.to_vec()).unwrap()
}

fn fields(e: &ProviderError) -> Vec<&str> {
    e.field_errors.iter().map(|f| f.field.as_str()).collect()
}

/// Submits the hosted checkout form the way a browser would.
async fn pay(url: &str) -> reqwest::Response {
    let client = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap();
    pay_form::submit(&client, url, "4242 4242 4242 4242").await
}

fn assert_preview_headers(preview: &RequestPreview) {
    let header = |name: &str| preview.headers.iter().find(|h| h.name.eq_ignore_ascii_case(name)).map(|h| &h.value);
    assert_eq!(preview.method, "POST");
    assert!(preview.url.ends_with("/kuvarpay/api/v1/subscriptions/checkout-sessions"), "{}", preview.url);
    assert_eq!(header("x-api-key").map(String::as_str), Some("[redacted]"));
    assert_eq!(header("x-business-id").map(String::as_str), Some(keys::KUVARPAY_BUSINESS));
    assert_eq!(header("idempotency-key").map(String::as_str), Some("<new uuid per submit>"));
    assert!(!format!("{preview:?}").contains(keys::KUVARPAY), "the key never appears in a preview");
}

/// Requests covering every field KuvarPay takes, each with the body it must produce.
async fn preview_cases(kp: &dyn BillingProvider) -> Vec<(&'static str, CheckoutRequest, Value)> {
    let plans = kp.list_plans().await.unwrap();
    let scale_yearly_ngn = plans
        .iter()
        .find(|p| p.id == "plan_scale")
        .and_then(|p| p.price_for(ChargePeriod::Yearly, Some("NGN")))
        .and_then(|p| p.id.clone())
        .unwrap();
    let known_uid = kp.get_customer("ngozi@okonkwo-textiles.ng").await.unwrap().alt_id.unwrap();
    let mut with_metadata = base();
    with_metadata.metadata.insert("campaign".into(), "harmattan-25".into());
    vec![
        (
            "FIXED by plan, period and currency, with names, cancel URL and metadata",
            with_metadata,
            json!({"billingMode": "FIXED", "customer": {"email": "zainab.bello@example.ng", "firstName": "Zainab",
                   "lastName": "Bello-Adéyẹmí"}, "successUrl": "https://shop.example/thanks",
                   "cancelUrl": "https://shop.example/cart", "metadata": {"campaign": "harmattan-25"}}),
        ),
        (
            "FIXED by price uid, no names, no cancel URL",
            CheckoutRequest {
                plan_id: String::new(),
                price_id: Some(scale_yearly_ngn.clone()),
                customer_first_name: None,
                customer_last_name: None,
                cancel_url: None,
                ..base()
            },
            json!({"priceUid": scale_yearly_ngn, "billingMode": "FIXED",
                   "customer": {"email": "zainab.bello@example.ng"}, "successUrl": "https://shop.example/thanks"}),
        ),
        (
            "METERED with a target price, mode and currency typed in lower case",
            CheckoutRequest { billing_mode: Some("metered".into()), ..metered("5000.00", "ngn") },
            json!({"billingMode": "METERED", "targetPrice": {"targetCurrency": "NGN", "targetAmount": "5000.00"},
                   "customer": {"email": "zainab.bello@example.ng", "firstName": "Zainab", "lastName": "Bello-Adéyẹmí"},
                   "successUrl": "https://shop.example/thanks", "cancelUrl": "https://shop.example/cart"}),
        ),
        (
            "a known customer by uid: e-mail and first name looked up, last name typed",
            CheckoutRequest {
                customer_id: Some(known_uid),
                customer_email: None,
                customer_first_name: None,
                customer_last_name: Some("Okonkwo-Eze".into()),
                ..base()
            },
            json!({"billingMode": "FIXED", "customer": {"email": "ngozi@okonkwo-textiles.ng", "firstName": "Ngozi",
                   "lastName": "Okonkwo-Eze"}, "successUrl": "https://shop.example/thanks",
                   "cancelUrl": "https://shop.example/cart"}),
        ),
    ]
}

#[tokio::test]
async fn the_preview_body_is_the_body_the_sandbox_receives_for_every_field() {
    let (sb, kp) = setup().await;
    for (name, request, expected) in preview_cases(kp.as_ref()).await {
        let preview = kp.checkout_preview(&request).await.unwrap();
        assert_preview_headers(&preview);
        let before = count(&sb);
        kp.create_checkout(&request).await.unwrap_or_else(|e| panic!("{name}: {e}"));
        assert_eq!(count(&sb), before + 1, "{name}: exactly one session per create");
        let received = last_create_body(&sb);
        assert_eq!(preview.body.as_deref(), Some(received.as_str()), "{name}: preview and wire differ");
        let mut sent: Value = serde_json::from_str(&received).unwrap();
        if let Some(obj) = sent.as_object_mut().filter(|_| expected.get("priceUid").is_none()) {
            // The uid resolved from plan + period is the sandbox's own; only its presence matters.
            let resolved = obj.remove("priceUid");
            assert_eq!(resolved.is_some(), obj["billingMode"] == "FIXED", "{name}");
        }
        assert_eq!(sent, expected, "{name}");
    }
}

#[tokio::test]
async fn the_sandbox_rejects_each_bad_field_by_name_and_creates_nothing() {
    let (sb, kp) = setup().await;
    let long = "Ọ".repeat(101);
    let cases: Vec<(CheckoutRequest, &str)> = vec![
        (metered("12.345", "NGN"), "targetPrice.targetAmount"),
        (metered("-5", "NGN"), "targetPrice.targetAmount"),
        (metered("0", "USD"), "targetPrice.targetAmount"),
        (metered("12345678901", "USD"), "targetPrice.targetAmount"),
        (metered("150.5", "JPY"), "targetPrice.targetAmount"),
        (metered("5000", "XYZ"), "targetPrice.targetCurrency"),
        (CheckoutRequest { target_amount: None, ..metered("", "NGN") }, "targetPrice.targetAmount"),
        (CheckoutRequest { currency: None, ..metered("5000", "") }, "targetPrice.targetCurrency"),
        (CheckoutRequest { billing_mode: Some("USAGE".into()), price_id: Some("p".into()), ..base() }, "billingMode"),
        (CheckoutRequest { customer_first_name: Some(long.clone()), ..base() }, "customer.firstName"),
        (CheckoutRequest { customer_last_name: Some("Ada\u{7}".into()), ..base() }, "customer.lastName"),
        (CheckoutRequest { customer_email: Some("no-at-sign".into()), ..base() }, "customer.email"),
        (CheckoutRequest { cancel_url: Some("ftp://shop.example/cart".into()), ..base() }, "cancelUrl"),
        (CheckoutRequest { plan_id: String::new(), price_id: Some("price_nope".into()), ..base() }, "priceUid"),
    ];
    for (request, field) in cases {
        let err = kp.create_checkout(&request).await.unwrap_err();
        assert_eq!((err.status, err.code.as_deref()), (Some(400), Some("VALIDATION_ERROR")), "{field}: {err}");
        assert_eq!(fields(&err), [field], "{err}");
        assert!(form_field(field).is_some(), "{field} maps to a form field");
    }
    assert_eq!(count(&sb), 0, "no session from a rejected request");
}

#[tokio::test]
async fn fields_kuvarpay_has_no_place_for_fail_before_sending_in_preview_create_and_estimate() {
    let (sb, kp) = setup().await;
    let cases: Vec<(CheckoutRequest, &str)> = vec![
        (CheckoutRequest { quantity: Some(2), ..base() }, "quantity"),
        (CheckoutRequest { start_date: Some(today()), ..base() }, "start_date"),
        (CheckoutRequest { end_date: Some(today()), ..base() }, "end_date"),
        (CheckoutRequest { business_entity_id: Some("be_1".into()), ..base() }, "business_entity_id"),
        (CheckoutRequest { target_amount: Some("10.00".into()), ..base() }, "target_amount"),
    ];
    let posts = || sb.captured().iter().filter(|c| c.method == "POST").count();
    refused_before_sending(kp.as_ref(), cases).await;
    assert_eq!((posts(), count(&sb)), (0, 0), "nothing was sent");
    assert!(kp.create_checkout(&CheckoutRequest { quantity: Some(1), ..base() }).await.is_ok(), "one is fine");
}

/// Preview, create and estimate each refuse `request` locally, naming `field`.
async fn refused_before_sending(kp: &dyn BillingProvider, cases: Vec<(CheckoutRequest, &str)>) {
    for (request, field) in cases {
        let preview = kp.checkout_preview(&request).await.unwrap_err();
        let create = kp.create_checkout(&request).await.unwrap_err();
        let estimate = kp.estimate_checkout(&request).await.unwrap_err();
        for err in [&preview, &create, &estimate] {
            assert_eq!((err.kind, fields(err)), (ErrorKind::Invalid, vec![field]), "{err}");
        }
    }
}

fn summary(e: &Estimate) -> (Money, Option<chrono::NaiveDate>, Option<Money>) {
    let next = e.next_invoice.as_ref();
    (e.current_invoice.total, next.and_then(|n| n.date), next.map(|n| n.total))
}

#[tokio::test]
async fn local_estimates_match_hand_computed_figures_and_what_the_sandbox_charges() {
    let (_sb, kp) = setup().await;
    let month = ChargePeriod::Monthly.advance(today());
    let year = ChargePeriod::Yearly.advance(today());
    // Basic: $9.00 a month, the same again a month later.
    let e = kp.estimate_checkout(&base()).await.unwrap();
    assert_eq!(e.source, EstimateSource::Local);
    assert_eq!(summary(&e), (money("9.00", "USD"), month, Some(money("9.00", "USD"))));
    // Business yearly in KES, by price uid: KES 105,000.00 now and in a year.
    let plans = kp.list_plans().await.unwrap();
    let business = plans.iter().find(|p| p.id == "plan_business").unwrap();
    let uid = business.price_for(ChargePeriod::Yearly, Some("KES")).unwrap().id.clone();
    let by_uid = CheckoutRequest { plan_id: String::new(), price_id: uid, currency: None, ..base() };
    let e = kp.estimate_checkout(&by_uid).await.unwrap();
    assert_eq!(summary(&e), (money("105000.00", "KES"), year, Some(money("105000.00", "KES"))));
    // Pro has a 14-day trial: nothing now, GHS 380.00 when the trial ends.
    let pro = CheckoutRequest { plan_id: "plan_pro".into(), currency: Some("GHS".into()), ..base() };
    let e = kp.estimate_checkout(&pro).await.unwrap();
    let trial_end = today() + chrono::Days::new(14);
    assert_eq!(summary(&e), (money("0", "GHS"), Some(trial_end), Some(money("380.00", "GHS"))));
    let session = kp.create_checkout(&pro).await.unwrap();
    assert_eq!(pay(session.url.as_deref().unwrap()).await.status(), 303);
    let sub = kp.get_subscription(session.subscription_id.as_deref().unwrap()).await.unwrap();
    assert_eq!(sub.status, SubscriptionStatus::Trialing);
    assert_eq!(sub.current_period_end.map(|t| t.date_naive()), Some(trial_end), "the sandbox bills when estimated");
    // No price for the period: the estimate names the field, as create would refuse it.
    let weekly = CheckoutRequest { period: Some(ChargePeriod::Weekly), ..base() };
    assert_eq!(fields(&kp.estimate_checkout(&weekly).await.unwrap_err()), ["period"]);
}

#[tokio::test]
async fn a_metered_checkout_approves_the_target_amount_and_bills_it_monthly() {
    let (sb, kp) = setup().await;
    let request = metered("5000.50", "NGN");
    let estimate = kp.estimate_checkout(&request).await.unwrap();
    let month = ChargePeriod::Monthly.advance(today());
    assert_eq!(summary(&estimate), (money("5000.50", "NGN"), month, Some(money("5000.50", "NGN"))));
    let session = kp.create_checkout(&request).await.unwrap();
    let url = session.url.clone().unwrap();
    let page = reqwest::get(&url).await.unwrap().text().await.unwrap();
    assert!(page.contains("Metered") && page.contains("5,000.50") && page.contains("Zainab"), "{page}");
    assert_eq!(pay(&url).await.status(), 303);
    let sub = kp.get_subscription(session.subscription_id.as_deref().unwrap()).await.unwrap();
    assert_eq!(sub.status, SubscriptionStatus::Active);
    assert_eq!(sub.amount, Some(money("5000.50", "NGN")));
    assert_eq!(sub.current_period_end.map(|t| t.date_naive()), month);
    let customer = kp.get_customer("zainab.bello@example.ng").await.unwrap();
    assert_eq!(customer.name.as_deref(), Some("Zainab Bello-Adéyẹmí"), "names reach the customer record");
    assert_eq!(count(&sb), 1);
}

#[tokio::test]
async fn checkout_count_grows_by_one_per_create_and_not_on_preview_estimate_or_replay() {
    let (sb, kp, http) = setup_logged().await;
    assert_eq!(count(&sb), 0, "seeded sessions are not counted");
    kp.checkout_preview(&base()).await.unwrap();
    kp.estimate_checkout(&base()).await.unwrap();
    assert_eq!(count(&sb), 0);
    let first = kp.create_checkout(&base()).await.unwrap();
    let second = kp.create_checkout(&base()).await.unwrap();
    assert_ne!(first.id, second.id, "a fresh Idempotency-Key per submit: two submits, two sessions");
    assert_eq!(count(&sb), 2);
    let keys_sent: Vec<String> = http
        .log()
        .snapshot()
        .into_iter()
        .filter(|e| e.method == "POST")
        .filter_map(|e| e.request_headers.into_iter().find(|h| h.name.eq_ignore_ascii_case("idempotency-key")))
        .map(|h| h.value)
        .collect();
    assert_eq!(keys_sent.len(), 2, "every create carries a key");
    assert_ne!(keys_sent[0], keys_sent[1]);
    assert!(keys_sent.iter().all(|k| uuid::Uuid::parse_str(k).is_ok()), "{keys_sent:?}");
    // The same key twice (a retried submit) is replayed, not created again.
    let body = kp.checkout_preview(&base()).await.unwrap().body.unwrap();
    let url = sb.provider_url("kuvarpay/api/v1/subscriptions/checkout-sessions");
    let post = || {
        reqwest::Client::new()
            .post(url.clone())
            .header("x-api-key", keys::KUVARPAY)
            .header("x-business-id", keys::KUVARPAY_BUSINESS)
            .header("Idempotency-Key", "submit-42")
            .header("content-type", "application/json")
            .body(body.clone())
            .send()
    };
    let (a, b) = (post().await.unwrap(), post().await.unwrap());
    assert_eq!((a.status().as_u16(), b.status().as_u16()), (201, 201));
    assert_eq!(a.text().await.unwrap(), b.text().await.unwrap());
    assert_eq!(count(&sb), 3);
}

/// `till --provider kuvarpay checkout create ... --dry-run` against this test's sandbox.
async fn dry_run(sb: &SandboxHandle, extra: &[&str]) -> std::process::Output {
    let endpoint = sb.endpoint(KP);
    let mut args: Vec<String> =
        ["--provider", "kuvarpay", "checkout", "create", "--dry-run"].map(String::from).to_vec();
    args.extend(extra.iter().map(|s| s.to_string()));
    tokio::task::spawn_blocking(move || {
        Command::new(env!("CARGO_BIN_EXE_till"))
            .args(&args)
            .env("TILL_KUVARPAY_BASE_URL", endpoint.base_url.as_str())
            .env("TILL_DATA_DIR", std::env::temp_dir().join(format!("till-test-data-{}", std::process::id())))
            .env("TILL_KUVARPAY_KEY", endpoint.key.expose())
            .env("TILL_KUVARPAY_ACCOUNT", endpoint.account.unwrap_or_default())
            .output()
            .unwrap()
    })
    .await
    .unwrap()
}

#[tokio::test]
async fn dry_run_prints_the_body_and_a_curl_with_the_key_as_a_variable_and_creates_nothing() {
    let (sb, kp) = setup().await;
    let common = ["--customer-email", "zainab.bello@example.ng", "--first-name", "Zainab", "--last-name", "Bello"];
    let fixed = [&common[..], &["--plan", "plan_basic", "--period", "monthly", "--currency", "USD"]].concat();
    let out = dry_run(&sb, &fixed).await;
    let text = String::from_utf8_lossy(&out.stdout).to_string();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(text.contains("\"billingMode\": \"FIXED\"") && text.contains("\"priceUid\": \"price_"), "{text}");
    assert!(text.contains("\"firstName\": \"Zainab\"") && text.contains("\"lastName\": \"Bello\""), "{text}");
    assert!(text.contains("curl -sS -X POST") && text.contains("x-api-key: ${TILL_KUVARPAY_KEY}"), "{text}");
    assert!(text.contains("idempotency-key: <new uuid per submit>"), "{text}");
    let metered_args = [&common[..], &["--billing-mode", "METERED", "--target-amount", "5000.00", "--currency", "NGN"]];
    let out = dry_run(&sb, &[metered_args.concat(), vec!["--json"]].concat()).await;
    let json_out: Value = serde_json::from_slice(&out.stdout).unwrap();
    let request = CheckoutRequest {
        customer_last_name: Some("Bello".into()),
        success_url: "https://example.com/thanks".into(),
        cancel_url: None,
        ..metered("5000.00", "NGN")
    };
    let preview = kp.checkout_preview(&request).await.unwrap();
    assert_eq!(json_out["body"].as_str(), preview.body.as_deref(), "the CLI previews what the client sends");
    for o in [&out, &dry_run(&sb, &fixed).await] {
        let all = format!("{}{}", String::from_utf8_lossy(&o.stdout), String::from_utf8_lossy(&o.stderr));
        assert!(!all.contains(keys::KUVARPAY), "the key never appears: {all}");
    }
    assert_eq!(count(&sb), 0, "a dry run creates nothing");
    assert!(sb.captured().iter().all(|c| c.method == "GET"), "a dry run only reads");
}

#[tokio::test]
async fn a_fixed_checkout_without_a_price_to_sell_names_the_field_everywhere() {
    let (sb, kp) = setup().await;
    let cases: Vec<(CheckoutRequest, &str)> = vec![
        (CheckoutRequest { plan_id: String::new(), ..base() }, "price_id"),
        (CheckoutRequest { period: None, ..base() }, "period"),
        (CheckoutRequest { period: Some(ChargePeriod::Weekly), ..base() }, "period"),
        (CheckoutRequest { currency: Some("KES".into()), plan_id: "plan_scale".into(), ..base() }, "period"),
    ];
    refused_before_sending(kp.as_ref(), cases).await;
    assert_eq!(count(&sb), 0);
}
