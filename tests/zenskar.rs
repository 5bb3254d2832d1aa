//! The Zenskar client against the embedded sandbox over real HTTP on loopback.

#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a panic is the failure report

#[path = "support/pay.rs"]
mod pay_form;

use std::collections::HashSet;
use std::sync::Arc;

use chrono::{Duration, Utc};
use reqwest::Method;
use serde_json::Value;
use till::billing::{
    CancelTiming, Cancellation, ChangeTiming, ChargePeriod, CheckoutRequest, CheckoutStatus, EntitlementKind,
    EstimateSource, FeatureQuantity, NewCustomer, Plan, PlanChange, ProviderKind, SubscriptionStatus,
};
use till::providers::zenskar::ZenskarClient;
use till::providers::{self, BillingProvider, ErrorKind, Http, HttpConfig, PageRequest, Secret};
use till::sandbox::{self, SandboxHandle, SandboxOptions, keys};

const Z: ProviderKind = ProviderKind::Zenskar;

async fn setup() -> (SandboxHandle, Arc<dyn BillingProvider>, ZenskarClient) {
    let sandbox = sandbox::start(SandboxOptions::default()).await.unwrap();
    let http = Http::new(HttpConfig::default()).unwrap();
    let client = providers::connect(Z, sandbox.endpoint(Z), http.clone()).unwrap();
    let direct = ZenskarClient::new(sandbox.endpoint(Z), http).unwrap();
    (sandbox, client, direct)
}

/// A request straight to the emulator with the right headers, to check wire shapes.
fn raw(sb: &SandboxHandle, method: Method, path_and_query: &str) -> reqwest::RequestBuilder {
    let (path, query) = path_and_query.split_once('?').unwrap_or((path_and_query, ""));
    let mut url = sb.provider_url(&format!("zenskar/{path}"));
    url.set_query(Some(query).filter(|q| !q.is_empty()));
    reqwest::Client::new()
        .request(method, url)
        .header("x-api-key", keys::ZENSKAR)
        .header("organisation", keys::ZENSKAR_ORGANISATION)
}

/// Submits the hosted checkout form the way a browser would.
async fn pay(url: &str, card: &str) -> reqwest::Response {
    let client = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap();
    pay_form::submit(&client, url, card).await
}

fn plan<'a>(plans: &'a [Plan], name: &str, period: ChargePeriod, currency: &str) -> &'a Plan {
    plans
        .iter()
        .find(|p| p.name == name && p.prices[0].period == period && p.prices[0].amount.currency().code() == currency)
        .unwrap_or_else(|| panic!("no {name} {period} {currency} plan"))
}

fn feature<'a>(ents: &'a [till::billing::Entitlement], name: &str) -> Option<&'a till::billing::Entitlement> {
    ents.iter().find(|e| e.name.as_deref() == Some(name))
}

fn today() -> chrono::NaiveDate {
    Utc::now().date_naive()
}

#[tokio::test]
async fn customers_page_through_every_page_with_the_data_envelope() {
    let (sb, zenskar, _) = setup().await;
    let mut seen = Vec::new();
    let mut request = PageRequest::first(10);
    let mut pages = 0;
    let mut total: Option<u64>;
    loop {
        let page = zenskar.list_customers(&request).await.unwrap();
        pages += 1;
        total = page.total;
        seen.extend(page.items.into_iter().map(|c| c.id));
        match page.next_cursor {
            Some(c) => request.cursor = Some(c),
            None => break,
        }
    }
    assert!(seen.len() >= 60, "seed has at least 60 customers, got {}", seen.len());
    assert_eq!(Some(seen.len() as u64), total);
    assert_eq!(pages, seen.len().div_ceil(10));
    assert_eq!(seen.iter().collect::<HashSet<_>>().len(), seen.len(), "no customer twice");

    // Customers use {data, next, previous, total}; the cursor is opaque base64.
    let body: Value = raw(&sb, Method::GET, "customers?limit=2").send().await.unwrap().json().await.unwrap();
    assert_eq!(body["data"].as_array().unwrap().len(), 2);
    assert!(body.get("results").is_none() && body["total"].as_u64().unwrap() >= 60);
    let next = body["next"].as_str().unwrap();
    assert!(next.chars().all(|c| c.is_ascii_alphanumeric() || "+/=".contains(c)), "{next}");
    let back: Value = raw(&sb, Method::GET, &format!("customers?limit=2&cursor={}", urlencode(next)))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let prev = back["previous"].as_str().unwrap();
    let first_again: Value = raw(&sb, Method::GET, &format!("customers?limit=2&cursor={}", urlencode(prev)))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(first_again["data"], body["data"], "previous leads back to the first page");
}

fn urlencode(s: &str) -> String {
    url::form_urlencoded::byte_serialize(s.as_bytes()).collect()
}

#[tokio::test]
async fn plans_page_with_the_results_envelope() {
    let (sb, _, _) = setup().await;
    let mut ids = Vec::new();
    let mut path = "plans?limit=7".to_string();
    loop {
        let body: Value = raw(&sb, Method::GET, &path).send().await.unwrap().json().await.unwrap();
        assert!(body.get("data").is_none());
        let total = body["total_count"].as_u64().unwrap();
        ids.extend(body["results"].as_array().unwrap().iter().map(|p| p["id"].as_str().unwrap().to_string()));
        match body["next"].as_str() {
            Some(n) => path = format!("plans?limit=7&cursor={}", urlencode(n)),
            None => {
                assert_eq!(ids.len() as u64, total);
                break;
            }
        }
    }
    assert!(ids.len() > 14, "several pages of plans");
    assert_eq!(ids.iter().collect::<HashSet<_>>().len(), ids.len());
}

#[tokio::test]
async fn search_by_name_or_email_finds_non_ascii_customers() {
    let (_sb, zenskar, _) = setup().await;
    let search = |s: &str| PageRequest { cursor: None, limit: 10, search: Some(s.into()), follows: false };
    let page = zenskar.list_customers(&search("müller")).await.unwrap();
    assert_eq!(page.items.iter().map(|c| c.name.as_deref().unwrap()).collect::<Vec<_>>(), ["Greta Müller"]);
    assert_eq!(page.items[0].alt_id.as_deref(), Some("crm_mueller_kanzlei"), "external id kept");
    let page = zenskar.list_customers(&search("山田")).await.unwrap();
    assert_eq!(page.items.len(), 1);
    let page = zenskar.list_customers(&search("@zielinski-prawo.pl")).await.unwrap();
    assert_eq!(page.items[0].name.as_deref(), Some("Łukasz Zieliński"));
    assert_eq!(page.total, Some(1));
}

#[tokio::test]
async fn created_customer_is_listed_first_and_found_by_either_id() {
    let (sb, zenskar, _) = setup().await;
    let new = NewCustomer {
        id: "crm_lodz_42".into(),
        name: Some("Zofia Łódź".into()),
        email: Some("zofia@lodz.example.pl".into()),
        metadata: [("segment".to_string(), "smb".to_string())].into(),
    };
    let created = zenskar.create_customer(&new).await.unwrap();
    assert!(uuid::Uuid::parse_str(&created.id).is_ok(), "Zenskar ids are UUIDs");
    assert_eq!(created.alt_id.as_deref(), Some("crm_lodz_42"));
    assert_eq!(created.metadata.get("segment").map(String::as_str), Some("smb"));
    let first = zenskar.list_customers(&PageRequest::first(3)).await.unwrap();
    assert_eq!(first.items[0].id, created.id, "newest first");
    assert_eq!(zenskar.get_customer(&created.id).await.unwrap().name.as_deref(), Some("Zofia Łódź"));
    assert_eq!(zenskar.get_customer("crm_lodz_42").await.unwrap().id, created.id);

    let dup = zenskar.create_customer(&new).await.unwrap_err();
    assert_eq!(dup.status, Some(400));
    assert!(dup.message.contains("crm_lodz_42"), "{}", dup.message);
    assert!(zenskar.get_customer("crm_nobody").await.unwrap_err().is_not_found());
    let missing = zenskar.get_customer("00000000-0000-4000-8000-000000000000").await.unwrap_err();
    assert_eq!((missing.status, missing.message.as_str()), (Some(404), "Customer not found"));

    // POST /customers answers 200, not 201.
    let resp =
        raw(&sb, Method::POST, "customers").json(&serde_json::json!({"customer_name": "Raw Co"})).send().await.unwrap();
    assert_eq!(resp.status(), 200);
}

#[tokio::test]
async fn validation_errors_are_pydantic_422s_with_field_names() {
    let (sb, zenskar, _) = setup().await;
    let err = zenskar
        .create_customer(&NewCustomer { id: "x1".into(), email: Some("not-an-email".into()), ..Default::default() })
        .await
        .unwrap_err();
    assert_eq!(err.status, Some(422));
    assert_eq!(err.field_errors[0].field, "email");
    assert!(err.is_validation());

    let bad = CheckoutRequest {
        plan_id: "nope".into(),
        customer_id: Some("crm_mueller_kanzlei".into()),
        success_url: "not a url".into(),
        ..Default::default()
    };
    let err = zenskar.create_checkout(&bad).await.unwrap_err();
    let fields: Vec<_> = err.field_errors.iter().map(|f| f.field.as_str()).collect();
    assert_eq!((err.status, fields), (Some(422), vec!["plan_id", "success_url"]), "{err}");
    assert_eq!(err.field_errors[0].message, "value is not a valid uuid");

    let plans = zenskar.list_plans().await.unwrap();
    let team = plan(&plans, "Team", ChargePeriod::Monthly, "EUR");
    let long = CheckoutRequest {
        plan_id: team.id.clone(),
        customer_id: Some("crm_mueller_kanzlei".into()),
        success_url: format!("https://example.com/{}", "a".repeat(2083)),
        ..Default::default()
    };
    let err = zenskar.create_checkout(&long).await.unwrap_err();
    assert_eq!(err.field_errors[0].field, "success_url");
    assert!(err.field_errors[0].message.contains("2083"), "{err}");

    let body: Value = raw(&sb, Method::POST, "checkouts")
        .json(&serde_json::json!({"contract_id": team.id}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(body["detail"][0]["loc"], serde_json::json!(["body", "product_overrides"]));
    assert_eq!(body["detail"][0]["type"], "value_error");
    let resp = raw(&sb, Method::GET, "customers?limit=101").send().await.unwrap();
    assert_eq!(resp.status(), 422);
    let bad_cursor = zenskar
        .list_customers(&PageRequest { cursor: Some("!!".into()), limit: 10, search: None, follows: false })
        .await
        .unwrap_err();
    assert_eq!((bad_cursor.status, bad_cursor.message.as_str()), (Some(400), "Invalid cursor"));
}

#[tokio::test]
async fn wrong_key_is_401_and_wrong_organisation_the_gateways_403() {
    let sb = sandbox::start(SandboxOptions::default()).await.unwrap();
    let http = Http::new(HttpConfig::default()).unwrap();
    let mut endpoint = sb.endpoint(Z);
    endpoint.key = Secret::new("zk_wrong_key_123");
    let wrong_key = providers::connect(Z, endpoint, http.clone()).unwrap();
    let err = wrong_key.list_plans().await.unwrap_err();
    assert_eq!((err.status, err.message.as_str()), (Some(401), "Unauthorized"));
    assert!(err.is_auth());
    let logged = format!("{:?}", http.log().snapshot());
    assert!(!logged.contains("zk_wrong_key_123"), "key must not reach the request log");
    assert!(logged.contains("[redacted]"));

    let mut endpoint = sb.endpoint(Z);
    endpoint.account = Some("00000000-0000-4000-8000-000000000000".into());
    let wrong_org = providers::connect(Z, endpoint, http.clone()).unwrap();
    let err = wrong_org.list_customers(&PageRequest::first(5)).await.unwrap_err();
    assert_eq!(err.status, Some(403));
    assert!(err.is_auth());
    assert_eq!(err.message, "User is not authorized to access this resource with an explicit deny");

    let no_org = reqwest::Client::new()
        .get(sb.provider_url("zenskar/customers"))
        .header("x-api-key", keys::ZENSKAR)
        .send()
        .await
        .unwrap();
    assert_eq!(no_org.status(), 403);
    let no_key = reqwest::Client::new()
        .get(sb.provider_url("zenskar/customers"))
        .header("organisation", keys::ZENSKAR_ORGANISATION)
        .send()
        .await
        .unwrap();
    assert_eq!(no_key.status(), 401);

    let mut endpoint = sb.endpoint(Z);
    endpoint.account = None;
    let err = providers::connect(Z, endpoint, http).err().unwrap();
    assert_eq!(err.kind, ErrorKind::Invalid);
    assert!(err.message.contains("TILL_ZENSKAR_ACCOUNT"));
}

#[tokio::test]
async fn catalog_has_one_price_per_plan_across_periods_and_currencies() {
    let (_sb, zenskar, _) = setup().await;
    let plans = zenskar.list_plans().await.unwrap();
    let names: HashSet<_> = plans.iter().map(|p| p.name.as_str()).collect();
    assert!(names.len() >= 4, "{names:?}");
    assert!(plans.iter().all(|p| p.prices.len() == 1 && p.prices[0].id.as_deref() == Some(p.id.as_str())));
    let currencies: HashSet<_> = plans.iter().map(|p| p.prices[0].amount.currency().code().to_string()).collect();
    assert!(currencies.len() >= 4, "{currencies:?}");
    assert_eq!(plan(&plans, "Team", ChargePeriod::Yearly, "GBP").prices[0].amount.to_string(), "£360.00");
    assert_eq!(plan(&plans, "Team", ChargePeriod::Monthly, "JPY").prices[0].amount.to_string(), "¥6,500");
    assert_eq!(plan(&plans, "Business", ChargePeriod::ThreeMonths, "USD").prices[0].amount.to_string(), "$369.00");
    let essentials = plan(&plans, "Essentials", ChargePeriod::Monthly, "USD");
    assert_eq!(essentials.prices[0].trial_days, Some(14));
    let business = plan(&plans, "Business", ChargePeriod::Monthly, "EUR");
    let seats = business.features.iter().find(|f| f.name.as_deref() == Some("Seats")).unwrap();
    assert_eq!(seats.kind, EntitlementKind::Customizable { value: "25".into() });
    assert!(business.features.iter().any(|f| f.name.as_deref() == Some("Single sign-on")));
    assert!(!essentials.features.iter().any(|f| f.name.as_deref() == Some("Single sign-on")));
}

#[tokio::test]
async fn contracts_and_entitlement_totals_of_a_seeded_customer() {
    let (_sb, zenskar, direct) = setup().await;
    let subs = zenskar.list_subscriptions("crm_mueller_kanzlei").await.unwrap();
    assert_eq!(subs.len(), 2);
    assert!(subs.iter().all(|s| s.status == SubscriptionStatus::Active && s.plan_name.as_deref() == Some("Team")));
    let one = zenskar.get_subscription(&subs[0].id).await.unwrap();
    assert_eq!(one, subs[0]);
    assert!(one.current_period_start.unwrap().date_naive() <= today());
    assert!(one.current_period_end.unwrap().date_naive() > today());

    let ents = zenskar.entitlements("crm_mueller_kanzlei").await.unwrap();
    match feature(&ents, "API calls").unwrap().kind {
        // Two live Team contracts: the totals endpoint adds both grants.
        EntitlementKind::Meter { limit: Some(limit), used, remaining: Some(remaining), .. } => {
            assert_eq!(limit, 100_000);
            assert_eq!(limit - used, remaining);
            assert!(used >= 20_000, "seeded usage, got {used}");
        }
        ref other => panic!("API calls should be a meter, got {other:?}"),
    }
    assert_eq!(feature(&ents, "Seats").unwrap().kind, EntitlementKind::Customizable { value: "14".into() });
    assert!(feature(&ents, "Audit trail").is_some_and(|e| e.has_access && e.kind == EntitlementKind::Boolean));
    assert!(feature(&ents, "Single sign-on").is_none(), "Team grants no SSO");

    // A past-due contract has an approved, unpaid invoice.
    let invoices = direct.list_invoices("crm_nibhriain").await.unwrap();
    assert!(!invoices.is_empty());
    assert_eq!(invoices[0].status, "approved");
    assert!(invoices[0].amount_due.unwrap().amount() > rust_decimal::Decimal::ZERO);
    assert!(invoices.iter().skip(1).all(|i| i.status == "paid"));
}

#[tokio::test]
async fn checkout_estimate_then_hosted_payment_creates_the_contract() {
    let (sb, zenskar, direct) = setup().await;
    let customer = zenskar
        .create_customer(&NewCustomer { id: "crm_flow".into(), name: Some("Flow Test".into()), ..Default::default() })
        .await
        .unwrap();
    let plans = zenskar.list_plans().await.unwrap();
    let team = plan(&plans, "Team", ChargePeriod::Yearly, "GBP");
    let request = CheckoutRequest {
        plan_id: team.id.clone(),
        period: Some(ChargePeriod::Yearly),
        currency: Some("GBP".into()),
        customer_id: Some(customer.id.clone()),
        features: vec![FeatureQuantity { feature_id: "seats".into(), quantity: 14 }],
        success_url: "https://example.com/welcome".into(),
        ..Default::default()
    };
    let preview = direct.preview_checkout(&request).await.unwrap();
    let session = zenskar.create_checkout(&request).await.unwrap();
    assert_eq!(session.url.as_deref(), Some(format!("{}pay/{}", sb.base_url(), session.id).as_str()));
    assert_eq!(session.status, CheckoutStatus::Open);
    let estimate = session.estimate.clone().unwrap();
    assert_eq!(estimate, preview, "the dry run quotes what the checkout does");
    assert_eq!(estimate.source, EstimateSource::Provider);
    assert_eq!(estimate.current_invoice.total.to_string(), "£360.00");
    let seats = estimate.current_invoice.lines.iter().find(|l| l.description.starts_with("Seats")).unwrap();
    assert_eq!(seats.quantity, rust_decimal::Decimal::from(14));
    let next = estimate.next_invoice.unwrap();
    assert_eq!(next.date, ChargePeriod::Yearly.advance(today()));
    assert_eq!(next.total.to_string(), "£360.00");

    let url = session.url.unwrap();
    let page = reqwest::get(&url).await.unwrap().text().await.unwrap();
    assert!(page.contains("Team") && page.contains("£360.00") && page.contains("Flow Test"), "{page}");
    assert_eq!(pay(&url, "4000 0000 0000 0002").await.status(), 402);
    assert_eq!(zenskar.get_checkout(&session.id).await.unwrap().status, CheckoutStatus::Open);
    let early = direct.confirm_checkout(&session.id).await.unwrap_err();
    assert_eq!(early.status, Some(400));
    assert!(early.message.contains("awaiting payment"), "{}", early.message);

    let paid = pay(&url, "4242 4242 4242 4242").await;
    assert_eq!(paid.status(), 303);
    assert_eq!(paid.headers()["location"], "https://example.com/welcome");
    let done = zenskar.get_checkout(&session.id).await.unwrap();
    assert_eq!((done.status, done.raw_status.as_str(), done.url), (CheckoutStatus::Complete, "contract_created", None));
    let contract_id = done.subscription_id.unwrap();

    let subs = zenskar.list_subscriptions(&customer.id).await.unwrap();
    assert_eq!(subs.len(), 1);
    assert_eq!(subs[0].id, contract_id);
    assert_eq!((subs[0].status, subs[0].period), (SubscriptionStatus::Active, ChargePeriod::Yearly));
    assert_eq!(subs[0].amount.unwrap().to_string(), "£360.00");
    assert_eq!(subs[0].plan_id.as_deref(), Some(team.id.as_str()));
    let ents = zenskar.entitlements("crm_flow").await.unwrap();
    assert_eq!(feature(&ents, "Seats").unwrap().kind, EntitlementKind::Customizable { value: "14".into() });
    assert!(feature(&ents, "Audit trail").unwrap().has_access);
    let invoices = direct.list_invoices(&customer.id).await.unwrap();
    assert_eq!((invoices.len(), invoices[0].status.as_str()), (1, "paid"));
    assert_eq!(invoices[0].total.unwrap().to_string(), "£360.00");

    assert_eq!(pay(&url, "4242 4242 4242 4242").await.status(), 402, "a checkout is paid once");
    assert!(direct.confirm_checkout(&session.id).await.unwrap_err().message.contains("already"));
}

#[tokio::test]
async fn a_trial_plan_charges_nothing_now_and_confirms_without_payment() {
    let (_sb, zenskar, direct) = setup().await;
    let plans = zenskar.list_plans().await.unwrap();
    let essentials = plan(&plans, "Essentials", ChargePeriod::Monthly, "USD");
    let request = CheckoutRequest {
        plan_id: essentials.id.clone(),
        customer_id: Some("crm_carter_realty".into()),
        success_url: "https://example.com/ok".into(),
        ..Default::default()
    };
    let session = zenskar.create_checkout(&request).await.unwrap();
    assert_eq!(session.raw_status, "pending", "nothing due now");
    let estimate = session.estimate.unwrap();
    assert!(estimate.current_invoice.total.is_zero());
    let next = estimate.next_invoice.unwrap();
    assert_eq!((next.date, next.total.to_string()), (Some(today() + Duration::days(14)), "$15.00".to_string()));

    let confirmed = direct.confirm_checkout(&session.id).await.unwrap();
    assert_eq!(confirmed.status, CheckoutStatus::Complete);
    let sub = zenskar.get_subscription(&confirmed.subscription_id.unwrap()).await.unwrap();
    assert_eq!((sub.status, sub.trial_days_remaining), (SubscriptionStatus::Trialing, Some(14)));
    assert_eq!(sub.current_period_end.unwrap().date_naive(), today() + Duration::days(14));

    // Upgrading during the trial keeps the trial; the new price starts when it ends.
    let team = plan(&plans, "Team", ChargePeriod::Monthly, "USD");
    let change = PlanChange {
        plan_id: team.id.clone(),
        period: ChargePeriod::Monthly,
        price_id: None,
        timing: ChangeTiming::Immediately,
        features: vec![],
    };
    let preview = zenskar.preview_change(&sub.id, &change).await.unwrap();
    assert!(preview.current_invoice.total.is_zero());
    let next = preview.next_invoice.unwrap();
    assert_eq!((next.date, next.total.to_string()), (Some(today() + Duration::days(14)), "$45.00".to_string()));
    let upgraded = zenskar.change_plan(&sub.id, &change).await.unwrap();
    assert_eq!((upgraded.status, upgraded.trial_days_remaining), (SubscriptionStatus::Trialing, Some(14)));
    assert_eq!((upgraded.plan_name.as_deref(), upgraded.amount.unwrap().to_string()), (Some("Team"), "$45.00".into()));
}

#[tokio::test]
async fn a_guest_checkout_uses_the_business_entity_and_creates_the_customer() {
    let (_sb, zenskar, direct) = setup().await;
    let plans = zenskar.list_plans().await.unwrap();
    let business = plan(&plans, "Business", ChargePeriod::Monthly, "USD");
    let request = CheckoutRequest {
        plan_id: business.id.clone(),
        success_url: "https://example.com/ok".into(),
        ..Default::default()
    };
    let session = zenskar.create_checkout(&request).await.unwrap();
    assert_eq!(session.customer_id, None);
    assert!(!direct.business_entities().await.unwrap().is_empty());
    assert_eq!(pay(session.url.as_deref().unwrap(), "4242424242424242").await.status(), 303);
    let done = zenskar.get_checkout(&session.id).await.unwrap();
    let customer = zenskar.get_customer(done.customer_id.as_deref().unwrap()).await.unwrap();
    assert!(customer.name.unwrap().starts_with("Guest checkout"));
    let subs = zenskar.list_subscriptions(&customer.id).await.unwrap();
    assert_eq!(subs[0].amount.unwrap().to_string(), "$129.00");
}

#[tokio::test]
async fn plan_change_by_amendment_previews_natively_and_changes_entitlements() {
    let (_sb, zenskar, direct) = setup().await;
    let plans = zenskar.list_plans().await.unwrap();
    let business = plan(&plans, "Business", ChargePeriod::Monthly, "EUR");
    let subs = zenskar.list_subscriptions("crm_mueller_kanzlei").await.unwrap();
    let team = &subs[0];
    let change = PlanChange {
        plan_id: business.id.clone(),
        period: ChargePeriod::Monthly,
        price_id: None,
        timing: ChangeTiming::Immediately,
        features: vec![],
    };
    let preview = zenskar.preview_change(&team.id, &change).await.unwrap();
    assert_eq!(preview.source, EstimateSource::Provider);
    assert!(preview.current_invoice.lines[0].amount.is_negative(), "credit for unused Team time");
    assert_eq!(preview.next_invoice.as_ref().unwrap().total.to_string(), "€119.00");

    let changed = zenskar.change_plan(&team.id, &change).await.unwrap();
    assert_eq!(changed.id, team.id, "an amendment keeps the contract");
    assert_eq!(changed.plan_id.as_deref(), Some(business.id.as_str()));
    assert_eq!(
        (changed.plan_name.as_deref(), changed.amount.unwrap().to_string()),
        (Some("Business"), "€119.00".into())
    );
    let ents = zenskar.entitlements("crm_mueller_kanzlei").await.unwrap();
    assert!(feature(&ents, "Single sign-on").unwrap().has_access, "Business grants SSO");
    assert_eq!(feature(&ents, "Seats").unwrap().kind, EntitlementKind::Customizable { value: "34".into() });
    let prorated = direct.list_invoices("crm_mueller_kanzlei").await.unwrap();
    let charge = &prorated[0];
    assert_eq!((charge.status.as_str(), charge.period_start), ("approved", Some(today())));
    assert_eq!(charge.total, Some(preview.current_invoice.total));

    let usd = plan(&plans, "Business", ChargePeriod::Monthly, "USD");
    let err =
        zenskar.change_plan(&team.id, &PlanChange { plan_id: usd.id.clone(), ..change.clone() }).await.unwrap_err();
    assert_eq!(err.status, Some(400));
    assert!(err.message.contains("currency"), "{}", err.message);
    let yearly = PlanChange { period: ChargePeriod::Yearly, ..change.clone() };
    assert_eq!(zenskar.change_plan(&team.id, &yearly).await.unwrap_err().kind, ErrorKind::Invalid);

    // At period end: nothing changes today, a phase is scheduled.
    let other = &subs[1];
    let later = PlanChange { timing: ChangeTiming::AtPeriodEnd, ..change };
    let preview = zenskar.preview_change(&other.id, &later).await.unwrap();
    assert!(preview.current_invoice.total.is_zero());
    assert_eq!(preview.effective_date, other.current_period_end.map(|d| d.date_naive()));
    let scheduled = zenskar.change_plan(&other.id, &later).await.unwrap();
    assert_eq!(scheduled.plan_name.as_deref(), Some("Team"), "still Team until the period ends");
}

#[tokio::test]
async fn cancellations_expire_contracts_today_on_a_date_or_at_period_end() {
    let (sb, zenskar, _) = setup().await;
    let mut live = Vec::new();
    for id in ["crm_zielinski_prawo", "crm_lemaitre_notaires", "crm_lindgren_juridik", "crm_ramirez_seguros"] {
        live.extend(
            zenskar
                .list_subscriptions(id)
                .await
                .unwrap()
                .into_iter()
                .filter(|s| s.status == SubscriptionStatus::Active && s.ends_on.is_none()),
        );
    }
    assert!(live.len() >= 3, "need three live contracts, found {}", live.len());

    let now = zenskar
        .cancel_subscription(&live[0].id, &Cancellation { timing: CancelTiming::Immediately, comment: None })
        .await
        .unwrap();
    // Zenskar's expiry takes effect at 23:59:59 on the expiry date: active until tonight.
    assert_eq!((now.status, now.ends_on), (SubscriptionStatus::Active, Some(today())));
    assert!(now.cancel_scheduled());

    let date = today() + Duration::days(10);
    let cancel_on = Cancellation { timing: CancelTiming::OnDate(date), comment: None };
    assert_eq!(zenskar.cancel_subscription(&live[1].id, &cancel_on).await.unwrap().ends_on, Some(date));

    let at_end = zenskar
        .cancel_subscription(&live[2].id, &Cancellation { timing: CancelTiming::AtPeriodEnd, comment: None })
        .await
        .unwrap();
    let period_end = at_end.current_period_end.unwrap().date_naive();
    assert_eq!(at_end.ends_on, Some(period_end - Duration::days(1)), "the last day of the period");

    let past = Cancellation { timing: CancelTiming::OnDate(today() - Duration::days(3)), comment: None };
    let err = zenskar.cancel_subscription(&live[1].id, &past).await.unwrap_err();
    assert_eq!((err.status, err.message.as_str()), (Some(400), "expiry_date cannot be in the past"));

    let expired = zenskar
        .list_subscriptions("crm_yamada_fudosan")
        .await
        .unwrap()
        .into_iter()
        .find(|s| s.status == SubscriptionStatus::Expired)
        .unwrap();
    let again = Cancellation { timing: CancelTiming::Immediately, comment: None };
    let err = zenskar.cancel_subscription(&expired.id, &again).await.unwrap_err();
    assert_eq!((err.status, err.message.as_str()), (Some(400), "Contract is already expired"));
    let resp = raw(&sb, Method::PATCH, &format!("contract_v2/{}/expire", live[1].id))
        .json(&serde_json::json!({"expiry_date": "next tuesday"}))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 422);
    let gone = zenskar.get_subscription("00000000-0000-4000-8000-000000000000").await.unwrap_err();
    assert_eq!(gone.message, "Contract not found");
}

#[tokio::test]
async fn large_generated_data_pages_by_key_and_stays_stable_under_inserts() {
    let sb = sandbox::start(SandboxOptions { extra_customers: 20_000, seed: 5, ..Default::default() }).await.unwrap();
    let http = Http::new(HttpConfig::default()).unwrap();
    let zenskar = providers::connect(Z, sb.endpoint(Z), http).unwrap();
    let first = zenskar.list_customers(&PageRequest::first(100)).await.unwrap();
    assert!(first.total.unwrap() >= 20_060);
    zenskar
        .create_customer(&NewCustomer {
            id: "crm_between_pages".into(),
            name: Some("Between".into()),
            ..Default::default()
        })
        .await
        .unwrap();
    let second = zenskar
        .list_customers(&PageRequest { cursor: first.next_cursor.clone(), limit: 100, search: None, follows: false })
        .await
        .unwrap();
    let ids: HashSet<_> = first.items.iter().chain(&second.items).map(|c| &c.id).collect();
    assert_eq!(ids.len(), 200, "a customer created between pages neither repeats nor shifts rows");
    assert!(second.items.iter().all(|c| c.name.as_deref() != Some("Between")));
}

#[test]
fn headless_commands_work_with_external_ids() {
    let till = |args: &[&str]| {
        let out = std::process::Command::new(env!("CARGO_BIN_EXE_till"))
            .args(["--provider", "zenskar", "--json"])
            .args(args)
            .env_remove("TILL_ZENSKAR_BASE_URL")
            .env("TILL_DATA_DIR", std::env::temp_dir().join(format!("till-test-data-{}", std::process::id())))
            .output()
            .unwrap();
        assert!(out.status.success(), "{args:?}: {}", String::from_utf8_lossy(&out.stderr));
        serde_json::from_slice::<Value>(&out.stdout).unwrap()
    };
    assert_eq!(till(&["customers", "get", "crm_mueller_kanzlei"])["name"], "Greta Müller");
    let subs = till(&["subscriptions", "list", "--customer", "crm_mueller_kanzlei"]);
    assert_eq!(subs.as_array().unwrap().len(), 2);
    let ents = till(&["entitlements", "--customer", "crm_mueller_kanzlei"]);
    assert!(ents.as_array().unwrap().iter().any(|e| e["name"] == "Seats"));
    let plans = till(&["plans", "list"]);
    let team = plans.as_array().unwrap().iter().find(|p| p["name"] == "Team").unwrap();
    // Zenskar requires a customer for a non-guest checkout (its docs), which the CLI checks first.
    let plan = team["id"].as_str().unwrap();
    let session =
        till(&["checkout", "create", "--plan", plan, "--customer", "crm_mueller_kanzlei", "--feature", "seats=8"]);
    assert_eq!(session["estimate"]["source"], "provider");
    assert!(session["url"].as_str().unwrap().contains("/pay/"));
}

/// `PATCH /customers/{uuid}` (documented: a partial update): a rename and a new email come
/// back in the answer and stay; an email another customer has, an empty name or a malformed
/// email are refused, naming what was wrong, and change nothing.
#[tokio::test]
async fn customers_are_changed_with_a_partial_update() {
    let (_sandbox, p, _) = setup().await;
    let page = p.list_customers(&PageRequest::first(5)).await.unwrap();
    let (first, second) = (&page.items[0], &page.items[1]);
    let rename = till::billing::CustomerUpdate { name: Some("Zoë Ünal".into()), email: None, metadata: None };
    let renamed = p.update_customer(&first.id, &rename).await.unwrap();
    assert_eq!((renamed.id.as_str(), renamed.name.as_deref()), (first.id.as_str(), Some("Zoë Ünal")));
    assert_eq!(renamed.email, first.email, "a partial update keeps what it does not name");
    let email = till::billing::CustomerUpdate { name: None, email: Some("zoe@unal.example".into()), metadata: None };
    p.update_customer(&first.id, &email).await.unwrap();
    let read = p.get_customer(&first.id).await.unwrap();
    assert_eq!((read.name.as_deref(), read.email.as_deref()), (Some("Zoë Ünal"), Some("zoe@unal.example")));

    let taken = till::billing::CustomerUpdate { name: None, email: second.email.clone(), metadata: None };
    let err = p.update_customer(&first.id, &taken).await.unwrap_err();
    assert_eq!(err.status, Some(400), "{err}");
    assert!(err.to_string().contains("already exists"), "{err}");
    let empty = till::billing::CustomerUpdate { name: Some("  ".into()), email: None, metadata: None };
    let err = p.update_customer(&first.id, &empty).await.unwrap_err();
    assert_eq!(err.status, Some(422), "{err}");
    assert!(err.to_string().contains("customer_name"), "{err}");
    let read = p.get_customer(&first.id).await.unwrap();
    assert_eq!((read.name.as_deref(), read.email.as_deref()), (Some("Zoë Ünal"), Some("zoe@unal.example")));
}
