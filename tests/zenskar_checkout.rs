//! The Zenskar checkout builder's backend: the previewed request is the one sent, every form
//! field reaches the wire and the emulator, the native estimate (`POST /checkouts/preview`)
//! against hand-computed figures, validation in Zenskar's 422 shape, the `--dry-run` CLI, and
//! the emulator's session count.

#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a panic is the failure report

#[path = "support/pay.rs"]
mod pay_form;

use std::sync::Arc;

use chrono::{DateTime, Duration, NaiveDate, SubsecRound, Utc};
use serde_json::{Value, json};
use till::billing::{
    ChangeTiming, ChargePeriod, CheckoutPurpose, CheckoutRequest, CheckoutStatus, EstimateSource, FeatureQuantity,
    Plan, PlanChange, ProviderKind,
};
use till::providers::zenskar::ZenskarClient;
use till::providers::{self, BillingProvider, ErrorKind, Http, HttpConfig, RequestPreview};
use till::sandbox::{self, SandboxHandle, SandboxOptions, keys};

const Z: ProviderKind = ProviderKind::Zenskar;
const OK_URL: &str = "https://example.com/ok";

async fn setup() -> (SandboxHandle, Arc<dyn BillingProvider>, ZenskarClient) {
    let sandbox = sandbox::start(SandboxOptions { capture: true, ..Default::default() }).await.unwrap();
    let http = Http::new(HttpConfig::default()).unwrap();
    let client = providers::connect(Z, sandbox.endpoint(Z), http.clone()).unwrap();
    let direct = ZenskarClient::new(sandbox.endpoint(Z), http).unwrap();
    (sandbox, client, direct)
}

fn count(sb: &SandboxHandle) -> usize {
    sb.state().zenskar.lock().unwrap().checkout_count()
}

fn plan_id(plans: &[Plan], name: &str, period: ChargePeriod, currency: &str) -> String {
    plans
        .iter()
        .find(|p| p.name == name && p.prices[0].period == period && p.prices[0].amount.currency().code() == currency)
        .unwrap_or_else(|| panic!("no {name} {period} {currency} plan"))
        .id
        .clone()
}

async fn raw_get(sb: &SandboxHandle, path: &str) -> Value {
    reqwest::Client::new()
        .get(sb.provider_url(&format!("zenskar/{path}")))
        .header("x-api-key", keys::ZENSKAR)
        .header("organisation", keys::ZENSKAR_ORGANISATION)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap()
}

/// The product of `plan` named `name`, read from the emulator's plan document.
async fn product(sb: &SandboxHandle, plan: &str, name: &str) -> String {
    let doc = raw_get(sb, &format!("plans/{plan}")).await;
    let pricings = doc["phases"].as_array().unwrap().iter().flat_map(|ph| ph["pricings"].as_array().unwrap().clone());
    pricings
        .into_iter()
        .find(|pp| pp["product"]["name"] == name)
        .and_then(|pp| pp["product_id"].as_str().map(str::to_string))
        .unwrap_or_else(|| panic!("plan {plan} has no product {name}"))
}

/// The body of the last request the emulator received on `path` (e.g. `/zenskar/checkouts`).
fn last_body(sb: &SandboxHandle, path: &str) -> String {
    let captured = sb.captured();
    let c = captured.iter().rev().find(|c| c.method == "POST" && c.path == path).expect("a captured request");
    String::from_utf8(c.request_body.to_vec()).unwrap()
}

fn date(s: &str) -> NaiveDate {
    s.parse().unwrap()
}

fn base(plan: &str) -> CheckoutRequest {
    CheckoutRequest { plan_id: plan.into(), success_url: OK_URL.into(), ..Default::default() }
}

#[tokio::test]
async fn the_previewed_body_is_the_body_create_and_the_estimate_send_for_every_field() {
    let (sb, zenskar, direct) = setup().await;
    let plans = zenskar.list_plans().await.unwrap();
    let team = plan_id(&plans, "Team", ChargePeriod::Monthly, "USD");
    let business = plan_id(&plans, "Business", ChargePeriod::Monthly, "EUR");
    let entities = direct.business_entities().await.unwrap();
    assert_eq!(entities.len(), 2, "the picker has a choice");
    let mueller = zenskar.get_customer("crm_mueller_kanzlei").await.unwrap().id;
    let (seats, templates) = (product(&sb, &business, "Seats").await, product(&sb, &business, "Templates").await);
    let expires: DateTime<Utc> = (Utc::now() + Duration::hours(2)).trunc_subsecs(0);

    let cases: Vec<(&str, CheckoutRequest, Value)> = vec![
        (
            "existing customer by external id",
            CheckoutRequest { customer_id: Some("crm_mueller_kanzlei".into()), ..base(&team) },
            json!({"plan_id": team, "customer_id": mueller, "success_url": OK_URL}),
        ),
        (
            "guest on the default entity",
            base(&team),
            json!({"plan_id": team, "business_entity_id": entities[0].id, "success_url": OK_URL}),
        ),
        (
            "guest on a chosen entity, dates, expiry and both URLs",
            CheckoutRequest {
                business_entity_id: Some(entities[1].id.clone()),
                start_date: Some(date("2030-02-01")),
                end_date: Some(date("2031-01-31")),
                expires_at: Some(expires),
                cancel_url: Some("https://example.com/back".into()),
                ..base(&team)
            },
            json!({"plan_id": team, "start_date": "2030-02-01", "end_date": "2031-01-31",
                   "business_entity_id": entities[1].id, "expires_at": expires.format("%Y-%m-%dT%H:%M:%SZ").to_string(),
                   "success_url": OK_URL, "cancel_url": "https://example.com/back"}),
        ),
        (
            "product quantity and a product switched off, plan given as a price with its period and currency",
            CheckoutRequest {
                plan_id: String::new(),
                price_id: Some(business.clone()),
                period: Some(ChargePeriod::Monthly),
                currency: Some("eur".into()),
                customer_id: Some(mueller.clone()),
                features: vec![FeatureQuantity { feature_id: "seats".into(), quantity: 30 }],
                disabled_products: vec!["Templates".into()],
                ..base("")
            },
            json!({"plan_id": business, "customer_id": mueller, "success_url": OK_URL, "product_overrides": [
                {"product_id": seats, "quantity": 30, "is_enabled": true},
                {"product_id": templates, "is_enabled": false}]}),
        ),
    ];
    for (name, request, expected) in cases {
        preview_create_and_estimate_agree(&sb, zenskar.as_ref(), name, &request, &expected).await;
    }
}

/// The preview shows `expected`; the estimate and create send exactly it; create makes one
/// session whose estimate is the preview's, and the emulator stores every field.
async fn preview_create_and_estimate_agree(
    sb: &SandboxHandle,
    zenskar: &dyn BillingProvider,
    name: &str,
    request: &CheckoutRequest,
    expected: &Value,
) {
    let before = count(sb);
    let preview: RequestPreview = zenskar.checkout_preview(request).await.unwrap();
    let body = preview.body.clone().unwrap();
    assert_eq!(&serde_json::from_str::<Value>(&body).unwrap(), expected, "{name}");
    assert_eq!((preview.method.as_str(), preview.url.clone()), ("POST", sb.provider_url("zenskar/checkouts").into()));

    let estimate = zenskar.estimate_checkout(request).await.unwrap();
    assert_eq!(last_body(sb, "/zenskar/checkouts/preview"), body, "{name}: the estimate quotes this body");
    assert_eq!(count(sb), before, "{name}: previews create nothing");

    let session = zenskar.create_checkout(request).await.unwrap();
    assert_eq!(last_body(sb, "/zenskar/checkouts"), body, "{name}: create sends the previewed body");
    assert_eq!(count(sb), before + 1, "{name}: one session per create");
    assert_eq!(session.estimate, Some(estimate), "{name}: the estimate is the session's own");

    let stored = raw_get(sb, &format!("checkouts/{}", session.id)).await;
    for (field, value) in expected.as_object().unwrap() {
        if field != "expires_at" {
            assert_eq!(&stored[field], value, "{name}: {field} stored");
        }
    }
    if let Some(e) = expected.get("expires_at") {
        let sent: DateTime<Utc> = e.as_str().unwrap().parse().unwrap();
        let kept = stored["expires_at"].as_str().and_then(|s| DateTime::parse_from_rfc3339(s).ok());
        assert_eq!(kept.map(|k| k.to_utc()), Some(sent), "{name}");
        assert_eq!(session.expires_at, Some(sent), "{name}");
    }
    assert_eq!(stored["guest_checkout"], expected.get("customer_id").is_none(), "{name}");
}

#[tokio::test]
async fn the_preview_redacts_the_key_and_curl_reads_it_from_the_environment() {
    let (_sb, zenskar, _) = setup().await;
    let plans = zenskar.list_plans().await.unwrap();
    let preview =
        zenskar.checkout_preview(&base(&plan_id(&plans, "Team", ChargePeriod::Monthly, "USD"))).await.unwrap();
    let header = |n: &str| preview.headers.iter().find(|h| h.name.eq_ignore_ascii_case(n)).map(|h| h.value.clone());
    assert_eq!(header("organisation").as_deref(), Some(keys::ZENSKAR_ORGANISATION));
    assert_eq!(header("apiversion").as_deref(), Some("20230501"));
    assert_ne!(header("x-api-key").as_deref(), Some(keys::ZENSKAR));
    assert_eq!(header("idempotency-key"), None, "Zenskar's /checkouts takes no idempotency key");
    let curl = preview.curl();
    assert!(curl.contains("${TILL_ZENSKAR_KEY}") && !curl.contains(keys::ZENSKAR), "{curl}");
    assert!(curl.contains("/zenskar/checkouts"), "{curl}");
}

/// Hand-computed: a period cut short by the (inclusive) end date is charged by calendar day.
#[tokio::test]
async fn the_native_estimate_matches_hand_computed_figures() {
    let (sb, zenskar, _) = setup().await;
    let plans = zenskar.list_plans().await.unwrap();
    let team_usd = plan_id(&plans, "Team", ChargePeriod::Monthly, "USD");
    let team_jpy = plan_id(&plans, "Team", ChargePeriod::Monthly, "JPY");
    let team_gbp_year = plan_id(&plans, "Team", ChargePeriod::Yearly, "GBP");
    struct Case<'a> {
        name: &'a str,
        plan: &'a str,
        start: &'a str,
        end: Option<&'a str>,
        now: &'a str,
        next: Option<(&'a str, &'a str)>,
    }
    let cases = [
        // A whole month, then the next one on the anniversary.
        Case {
            name: "full month",
            plan: &team_usd,
            start: "2030-02-01",
            end: None,
            now: "$45.00",
            next: Some(("2030-03-01", "$45.00")),
        },
        // February 2030 has 28 days: 14 of them = 45 × 14/28.
        Case {
            name: "half of February",
            plan: &team_usd,
            start: "2030-02-01",
            end: Some("2030-02-14"),
            now: "$22.50",
            next: None,
        },
        // Leap year: 10 Feb → 10 Mar 2028 is 29 days; 11 used = 45 × 11/29 = 17.0689…
        Case {
            name: "leap February",
            plan: &team_usd,
            start: "2028-02-10",
            end: Some("2028-02-20"),
            now: "$17.07",
            next: None,
        },
        // 31-day period in full, then 15 Feb → 15 Mar (28 days) cut after 6 days = 45 × 6/28 = 9.6428…
        Case {
            name: "second period cut short",
            plan: &team_usd,
            start: "2030-01-15",
            end: Some("2030-02-20"),
            now: "$45.00",
            next: Some(("2030-02-15", "$9.64")),
        },
        // An end on the period's last day is the whole period (inclusive end).
        Case {
            name: "whole month by its last day",
            plan: &team_usd,
            start: "2030-04-01",
            end: Some("2030-04-30"),
            now: "$45.00",
            next: None,
        },
        // JPY has no minor unit: 6500 × 10/30 = 2166.66… → ¥2,167.
        Case { name: "JPY", plan: &team_jpy, start: "2030-04-01", end: Some("2030-04-10"), now: "¥2167", next: None },
        // A yearly price for one quarter: 360 × 90/365 = 88.767…
        Case {
            name: "yearly for a quarter",
            plan: &team_gbp_year,
            start: "2030-01-01",
            end: Some("2030-03-31"),
            now: "£88.77",
            next: None,
        },
    ];
    for c in cases {
        let request = CheckoutRequest {
            customer_id: Some("crm_mueller_kanzlei".into()),
            start_date: Some(date(c.start)),
            end_date: c.end.map(date),
            ..base(c.plan)
        };
        let e = zenskar.estimate_checkout(&request).await.unwrap();
        assert_eq!(e.source, EstimateSource::Provider, "{}", c.name);
        assert_eq!(e.effective_date, Some(date(c.start)), "{}", c.name);
        assert_eq!(e.current_invoice.total.to_string().replace(',', ""), c.now, "{}", c.name);
        assert_eq!(e.current_invoice.date, Some(date(c.start)), "{}", c.name);
        let line_sum = e.current_invoice.lines.iter().map(|l| l.amount.amount()).sum::<rust_decimal::Decimal>();
        assert_eq!(line_sum, e.current_invoice.total.amount(), "{}: lines add up", c.name);
        let team_line = e.current_invoice.lines.iter().find(|l| l.description.starts_with("Team")).unwrap();
        assert_eq!(team_line.period_start, Some(date(c.start)), "{}", c.name);
        let period = if c.plan == team_gbp_year { ChargePeriod::Yearly } else { ChargePeriod::Monthly };
        let full_end = period.advance(date(c.start)).unwrap();
        let end = c.end.map_or(full_end, |e| full_end.min(date(e) + Duration::days(1)));
        assert_eq!(team_line.period_end, Some(end), "{}: exclusive end", c.name);
        let next = e.next_invoice.as_ref().map(|n| (n.date.unwrap().to_string(), n.total.to_string()));
        assert_eq!(next, c.next.map(|(d, t)| (d.to_string(), t.to_string())), "{}", c.name);
    }
    assert_eq!(count(&sb), 0, "estimates create no sessions");

    // Seats switched off leave their line out; the price is the platform fee's.
    let off = CheckoutRequest {
        customer_id: Some("crm_mueller_kanzlei".into()),
        disabled_products: vec!["seats".into()],
        ..base(&team_usd)
    };
    let e = zenskar.estimate_checkout(&off).await.unwrap();
    assert!(e.current_invoice.lines.iter().all(|l| !l.description.starts_with("Seats")), "{e:?}");
    assert_eq!(e.current_invoice.total.to_string(), "$45.00");
}

#[tokio::test]
async fn a_prorated_checkout_is_invoiced_as_estimated_and_the_contract_ends_on_the_end_date() {
    let (_sb, zenskar, direct) = setup().await;
    let plans = zenskar.list_plans().await.unwrap();
    let start = Utc::now().date_naive();
    let end = start + Duration::days(9);
    let request = CheckoutRequest {
        customer_id: Some("crm_mueller_kanzlei".into()),
        start_date: Some(start),
        end_date: Some(end),
        ..base(&plan_id(&plans, "Team", ChargePeriod::Yearly, "GBP"))
    };
    let days = (ChargePeriod::Yearly.advance(start).unwrap() - start).num_days();
    let expected = rust_decimal::Decimal::from(360 * 10) / rust_decimal::Decimal::from(days);
    let session = zenskar.create_checkout(&request).await.unwrap();
    let estimate = session.estimate.unwrap();
    assert_eq!(estimate.current_invoice.total.amount(), expected.round_dp(2), "360 × 10/{days}");
    assert!(estimate.next_invoice.is_none(), "nothing is billed after the end date");
    let paid = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap();
    let resp = pay_form::submit(&paid, &session.url.unwrap(), "4242 4242 4242 4242").await;
    assert_eq!(resp.status(), 303);
    let done = zenskar.get_checkout(&session.id).await.unwrap();
    let sub = zenskar.get_subscription(&done.subscription_id.unwrap()).await.unwrap();
    assert_eq!(sub.ends_on, Some(end), "{sub:?}");
    let invoice = direct.list_invoices("crm_mueller_kanzlei").await.unwrap().into_iter().next().unwrap();
    assert_eq!(invoice.total, Some(estimate.current_invoice.total));
    assert_eq!(invoice.period_end, Some(end + Duration::days(1)), "invoiced up to the end date");
}

#[tokio::test]
async fn new_fields_are_validated_in_zenskars_422_shape_naming_the_field() {
    let (sb, zenskar, _) = setup().await;
    let plans = zenskar.list_plans().await.unwrap();
    let team = plan_id(&plans, "Team", ChargePeriod::Monthly, "USD");
    let nobody = "00000000-0000-4000-8000-000000000000";
    let customer = || CheckoutRequest { customer_id: Some("crm_mueller_kanzlei".into()), ..base(&team) };
    let cases: Vec<(&str, CheckoutRequest, Vec<&str>, &str)> = vec![
        (
            "end before start",
            CheckoutRequest { start_date: Some(date("2030-03-10")), end_date: Some(date("2030-03-09")), ..customer() },
            vec!["end_date"],
            "end_date must not be before start_date",
        ),
        (
            "end before today when no start is given",
            CheckoutRequest { end_date: Some(Utc::now().date_naive() - Duration::days(1)), ..customer() },
            vec!["end_date"],
            "end_date must not be before start_date",
        ),
        (
            "start in the past (the contract would be backdated: its past periods billed by no one)",
            CheckoutRequest { start_date: Some(Utc::now().date_naive() - Duration::days(1)), ..customer() },
            vec!["start_date"],
            "is in the past",
        ),
        (
            "expiry in the past",
            CheckoutRequest { expires_at: Some(Utc::now() - Duration::minutes(5)), ..customer() },
            vec!["expires_at"],
            "is in the past",
        ),
        (
            "unknown business entity",
            CheckoutRequest { business_entity_id: Some(nobody.into()), ..base(&team) },
            vec!["business_entity_id"],
            "not found in this organisation",
        ),
        (
            "malformed business entity",
            CheckoutRequest { business_entity_id: Some("quillstack".into()), ..base(&team) },
            vec!["business_entity_id"],
            "value is not a valid uuid",
        ),
        (
            "unknown customer and entity together",
            CheckoutRequest {
                customer_id: Some(nobody.into()),
                business_entity_id: Some(nobody.into()),
                ..base(&team)
            },
            vec!["customer_id", "business_entity_id"],
            "Customer 00000000-0000-4000-8000-000000000000 not found",
        ),
        (
            "cancel URL that is not http(s)",
            CheckoutRequest { cancel_url: Some("ftp://example.com/back".into()), ..customer() },
            vec!["cancel_url"],
            "URL scheme not permitted",
        ),
    ];
    for (name, request, fields, message) in cases {
        for err in [
            zenskar.create_checkout(&request).await.unwrap_err(),
            zenskar.estimate_checkout(&request).await.unwrap_err(),
        ] {
            let got: Vec<_> = err.field_errors.iter().map(|f| f.field.as_str()).collect();
            assert_eq!((err.status, got), (Some(422), fields.clone()), "{name}: {err}");
            assert!(err.field_errors[0].message.contains(message), "{name}: {err}");
            assert!(err.is_validation() && err.request_id.is_some(), "{name}");
        }
    }
    assert_eq!(count(&sb), 0, "a rejected checkout is not a session");
}

#[tokio::test]
async fn what_zenskar_cannot_express_is_refused_before_sending() {
    let (sb, zenskar, _) = setup().await;
    let plans = zenskar.list_plans().await.unwrap();
    let team = plan_id(&plans, "Team", ChargePeriod::Monthly, "USD");
    let seats = || vec![FeatureQuantity { feature_id: "seats".into(), quantity: 5 }];
    let cases: Vec<(CheckoutRequest, ErrorKind, &str)> = vec![
        (CheckoutRequest { quantity: Some(3), ..base(&team) }, ErrorKind::Invalid, "no overall quantity"),
        (
            CheckoutRequest {
                purpose: Some(CheckoutPurpose::AddPaymentMethod { subscription_id: None }),
                ..base(&team)
            },
            ErrorKind::Unsupported,
            "not offered by Zenskar",
        ),
        (
            CheckoutRequest { disabled_products: vec!["fax machine".into()], ..base(&team) },
            ErrorKind::Invalid,
            "has no product or entitlement \"fax machine\"",
        ),
        (
            CheckoutRequest { features: seats(), disabled_products: vec!["Seats".into()], ..base(&team) },
            ErrorKind::Invalid,
            "both given a quantity and switched off",
        ),
        (CheckoutRequest { period: Some(ChargePeriod::Yearly), ..base(&team) }, ErrorKind::Invalid, "billed monthly"),
        (CheckoutRequest { currency: Some("EUR".into()), ..base(&team) }, ErrorKind::Invalid, "priced in USD"),
    ];
    for (request, kind, message) in cases {
        let preview = zenskar.checkout_preview(&request).await.unwrap_err();
        assert_eq!(preview.kind, kind, "{preview}");
        assert!(preview.message.contains(message), "{preview}");
        let created = zenskar.create_checkout(&request).await.unwrap_err();
        assert_eq!((created.kind, created.message), (kind, preview.message));
    }
    let sent = sb.captured().iter().filter(|c| c.method == "POST").count();
    assert_eq!((sent, count(&sb)), (0, 0), "nothing was posted");
    assert!(zenskar.checkout_preview(&CheckoutRequest { quantity: Some(1), ..base(&team) }).await.is_ok());
}

#[tokio::test]
async fn a_guest_checkout_on_a_chosen_entity_creates_its_customer_there() {
    let (sb, zenskar, direct) = setup().await;
    let plans = zenskar.list_plans().await.unwrap();
    let gmbh = direct.business_entities().await.unwrap().into_iter().find(|e| e.currency.as_deref() == Some("EUR"));
    let gmbh = gmbh.expect("a EUR entity").id;
    let request = CheckoutRequest {
        business_entity_id: Some(gmbh.clone()),
        ..base(&plan_id(&plans, "Business", ChargePeriod::Monthly, "EUR"))
    };
    let session = zenskar.create_checkout(&request).await.unwrap();
    assert_eq!(session.customer_id, None);
    let client = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap();
    let resp = pay_form::submit(&client, &session.url.unwrap(), "4242 4242 4242 4242").await;
    assert_eq!(resp.status(), 303);
    let customer_id = zenskar.get_checkout(&session.id).await.unwrap().customer_id.unwrap();
    let customer = raw_get(&sb, &format!("customers/{customer_id}")).await;
    assert_eq!(customer["business_entity_id"], gmbh.as_str());
    let subs = zenskar.list_subscriptions(&customer_id).await.unwrap();
    assert_eq!(subs[0].amount.unwrap().to_string(), "€119.00");
}

#[tokio::test]
async fn a_checkout_stops_taking_payment_at_its_expiry() {
    let (_sb, zenskar, _) = setup().await;
    let plans = zenskar.list_plans().await.unwrap();
    let expires = Utc::now().trunc_subsecs(0) + Duration::seconds(2);
    let request = CheckoutRequest {
        customer_id: Some("crm_mueller_kanzlei".into()),
        expires_at: Some(expires),
        ..base(&plan_id(&plans, "Team", ChargePeriod::Monthly, "USD"))
    };
    let session = zenskar.create_checkout(&request).await.unwrap();
    assert_eq!((session.status, session.expires_at), (CheckoutStatus::Open, Some(expires)));
    let default = zenskar.create_checkout(&CheckoutRequest { expires_at: None, ..request.clone() }).await.unwrap();
    let default_expiry = default.expires_at.unwrap() - Utc::now();
    assert!(default_expiry > Duration::hours(23) && default_expiry <= Duration::hours(24), "{default_expiry}");

    tokio::time::sleep((expires - Utc::now()).to_std().unwrap_or_default() + std::time::Duration::from_millis(300))
        .await;
    let late = zenskar.get_checkout(&session.id).await.unwrap();
    assert_eq!((late.status, late.raw_status.as_str()), (CheckoutStatus::Expired, "expired"));
    assert_eq!(late.url, None, "no payment link once expired");
    let resp = pay_form::submit(&reqwest::Client::new(), session.url.as_deref().unwrap(), "4242 4242 4242 4242").await;
    assert!(!resp.status().is_success() && !resp.status().is_redirection(), "{}", resp.status());
}

#[tokio::test]
async fn checkout_count_rises_by_exactly_one_per_created_session() {
    let (sb, zenskar, direct) = setup().await;
    let plans = zenskar.list_plans().await.unwrap();
    let team = plan_id(&plans, "Team", ChargePeriod::Monthly, "EUR");
    let request = CheckoutRequest { customer_id: Some("crm_mueller_kanzlei".into()), ..base(&team) };
    assert_eq!(count(&sb), 0);
    zenskar.checkout_preview(&request).await.unwrap();
    zenskar.estimate_checkout(&request).await.unwrap();
    direct.preview_checkout(&request).await.unwrap();
    assert_eq!(count(&sb), 0, "previews and estimates");
    let first = zenskar.create_checkout(&request).await.unwrap();
    assert_eq!(count(&sb), 1);
    let second = zenskar.create_checkout(&request).await.unwrap();
    assert_ne!(first.id, second.id);
    assert_eq!(count(&sb), 2, "each submit is its own session");
    zenskar.get_checkout(&first.id).await.unwrap();
    assert_eq!(count(&sb), 2, "reads");
    // A plan change is an amendment checkout: one more session.
    let contract = &zenskar.list_subscriptions("crm_mueller_kanzlei").await.unwrap()[0];
    let change = PlanChange {
        plan_id: plan_id(&plans, "Business", ChargePeriod::Monthly, "EUR"),
        period: ChargePeriod::Monthly,
        price_id: None,
        timing: ChangeTiming::Immediately,
        features: vec![],
    };
    zenskar.preview_change(&contract.id, &change).await.unwrap();
    assert_eq!(count(&sb), 2);
    zenskar.change_plan(&contract.id, &change).await.unwrap();
    assert_eq!(count(&sb), 3);
}

/// Runs the CLI against this test's sandbox (as if it were a real Zenskar account).
async fn cli(sb: &SandboxHandle, args: &[&str]) -> (bool, String, String) {
    let endpoint = sb.endpoint(Z);
    let args: Vec<String> = args.iter().map(|a| a.to_string()).collect();
    let out = tokio::task::spawn_blocking(move || {
        std::process::Command::new(env!("CARGO_BIN_EXE_till"))
            .args(["--provider", "zenskar"])
            .args(&args)
            .env("TILL_ZENSKAR_BASE_URL", endpoint.base_url.as_str())
            .env("TILL_DATA_DIR", std::env::temp_dir().join(format!("till-test-data-{}", std::process::id())))
            .env("TILL_ZENSKAR_KEY", keys::ZENSKAR)
            .env("TILL_ZENSKAR_ACCOUNT", endpoint.account.unwrap())
            .output()
            .unwrap()
    })
    .await
    .unwrap();
    let text = |b: &[u8]| String::from_utf8_lossy(b).into_owned();
    (out.status.success(), text(&out.stdout), text(&out.stderr))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dry_run_prints_the_body_and_a_curl_without_the_key_and_creates_nothing() {
    let (sb, zenskar, _) = setup().await;
    let plans = zenskar.list_plans().await.unwrap();
    let team = plan_id(&plans, "Team", ChargePeriod::Monthly, "USD");
    let args = [
        "checkout",
        "create",
        "--plan",
        &team,
        "--customer",
        "crm_mueller_kanzlei",
        "--feature",
        "seats=8",
        "--start-date",
        "2030-02-01",
        "--end-date",
        "2030-02-14",
        "--cancel-url",
        "https://example.com/back",
    ];
    let request = CheckoutRequest {
        customer_id: Some("crm_mueller_kanzlei".into()),
        features: vec![FeatureQuantity { feature_id: "seats".into(), quantity: 8 }],
        start_date: Some(date("2030-02-01")),
        end_date: Some(date("2030-02-14")),
        cancel_url: Some("https://example.com/back".into()),
        success_url: "https://example.com/thanks".into(), // the CLI's default
        ..base(&team)
    };
    let expected = zenskar.checkout_preview(&request).await.unwrap();
    let expected_body: Value = serde_json::from_str(expected.body.as_deref().unwrap()).unwrap();

    let (ok, out, err) = cli(&sb, &[&args[..], &["--dry-run"]].concat()).await;
    assert!(ok, "{err}");
    let (body, curl) = out.split_once("\n\n").expect("body, blank line, curl");
    assert_eq!(serde_json::from_str::<Value>(body).unwrap(), expected_body);
    assert_eq!(expected_body["end_date"], "2030-02-14");
    assert!(curl.trim_start().starts_with("curl") && curl.contains("${TILL_ZENSKAR_KEY}"), "{curl}");
    assert!(curl.contains("organisation") && curl.contains("/zenskar/checkouts"), "{curl}");
    assert!(!out.contains(keys::ZENSKAR) && !err.contains(keys::ZENSKAR), "the key never shows");

    let (ok, json_out, err) =
        cli(&sb, &["--json"].iter().chain(&args).chain(&["--dry-run"]).copied().collect::<Vec<_>>()).await;
    assert!(ok, "{err}");
    let preview: Value = serde_json::from_str(&json_out).unwrap();
    assert_eq!(serde_json::from_str::<Value>(preview["body"].as_str().unwrap()).unwrap(), expected_body);
    assert!(!json_out.contains(keys::ZENSKAR));
    assert_eq!(count(&sb), 0, "a dry run creates nothing");

    let (ok, json_out, err) = cli(&sb, &["--json"].iter().chain(&args).copied().collect::<Vec<_>>()).await;
    assert!(ok, "{err}");
    assert_eq!(count(&sb), 1, "a real run creates one session");
    assert_eq!(serde_json::from_str::<Value>(&last_body(&sb, "/zenskar/checkouts")).unwrap(), expected_body);
    let session: Value = serde_json::from_str(&json_out).unwrap();
    assert_eq!(session["estimate"]["source"], "provider");
    assert_eq!(session["estimate"]["current_invoice"]["total"]["amount"], "22.50", "{session}");
}
