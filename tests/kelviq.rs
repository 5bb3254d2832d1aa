//! The Kelviq client against the embedded sandbox over real HTTP on loopback.

#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a panic is the failure report

#[path = "support/pay.rs"]
mod pay_form;

use std::collections::HashSet;
use std::sync::Arc;

use chrono::{Duration, Utc};
use till::billing::{
    CancelTiming, Cancellation, ChangeTiming, ChargePeriod, CheckoutRequest, CheckoutStatus, EntitlementKind,
    EstimateSource, FeatureQuantity, NewCustomer, PlanChange, ProviderKind, SubscriptionStatus,
};
use till::providers::{self, BillingProvider, Endpoint, ErrorKind, Http, HttpConfig, PageRequest, Secret};
use till::sandbox::{self, SandboxHandle, SandboxOptions};

async fn setup() -> (SandboxHandle, Arc<dyn BillingProvider>, Http) {
    let sandbox = sandbox::start(SandboxOptions::default()).await.unwrap();
    let http = Http::new(HttpConfig::default()).unwrap();
    let client =
        providers::connect(ProviderKind::Kelviq, sandbox.endpoint(ProviderKind::Kelviq), http.clone()).unwrap();
    (sandbox, client, http)
}

/// Submits the hosted checkout form the way a browser would.
async fn pay(url: &str, card: &str) -> reqwest::Response {
    let client = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap();
    pay_form::submit(&client, url, card).await
}

#[tokio::test]
async fn customers_page_through_every_page_without_gaps() {
    let (_sb, kelviq, _) = setup().await;
    let mut seen = Vec::new();
    let mut request = PageRequest::first(10);
    let mut pages = 0;
    let mut total: Option<u64>;
    loop {
        let page = kelviq.list_customers(&request).await.unwrap();
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
}

#[tokio::test]
async fn provider_side_search_finds_non_ascii_names() {
    let (_sb, kelviq, _) = setup().await;
    let page = kelviq
        .list_customers(&PageRequest { cursor: None, limit: 10, search: Some("müller".into()), follows: false })
        .await
        .unwrap();
    assert!(page.items.iter().any(|c| c.name.as_deref() == Some("Jürgen Müller")), "{:?}", page.items);
    let page = kelviq
        .list_customers(&PageRequest { cursor: None, limit: 10, search: Some("山田".into()), follows: false })
        .await
        .unwrap();
    assert_eq!(page.items.len(), 1);
}

#[tokio::test]
async fn created_customer_is_listed_and_found() {
    let (_sb, kelviq, _) = setup().await;
    let new = NewCustomer {
        id: "cus_test_łódź".into(),
        name: Some("Zofia Łódź".into()),
        email: Some("zofia@example.pl".into()),
        metadata: Default::default(),
    };
    let created = kelviq.create_customer(&new).await.unwrap();
    assert_eq!(created.id, "cus_test_łódź");
    assert!(created.alt_id.is_some(), "server-generated UUID is kept");
    let first = kelviq.list_customers(&PageRequest::first(5)).await.unwrap();
    assert_eq!(first.items[0].id, "cus_test_łódź", "newest first");
    assert_eq!(kelviq.get_customer("cus_test_łódź").await.unwrap().email.as_deref(), Some("zofia@example.pl"));
    let update =
        till::billing::CustomerUpdate { name: Some("Zofia Łódź-Nowak".into()), email: None, metadata: None };
    let updated = kelviq.update_customer("cus_test_łódź", &update).await.unwrap();
    assert_eq!(
        (updated.name.as_deref(), updated.email.as_deref()),
        (Some("Zofia Łódź-Nowak"), Some("zofia@example.pl"))
    );
    assert_eq!(kelviq.get_customer("cus_test_łódź").await.unwrap().name.as_deref(), Some("Zofia Łódź-Nowak"));
    let bad = till::billing::CustomerUpdate { email: Some("no-at-sign".into()), ..Default::default() };
    assert_eq!(kelviq.update_customer("cus_test_łódź", &bad).await.unwrap_err().field_errors[0].field, "email");
    assert!(kelviq.update_customer("cus_nobody", &update).await.unwrap_err().is_not_found());
    let dup = kelviq.create_customer(&new).await.unwrap_err();
    assert_eq!(dup.status, Some(409));
    let missing = kelviq.get_customer("cus_nobody").await.unwrap_err();
    assert!(missing.is_not_found());
}

#[tokio::test]
async fn bad_fields_come_back_as_field_errors() {
    let (_sb, kelviq, _) = setup().await;
    let err = kelviq
        .create_customer(&NewCustomer { id: "x1".into(), email: Some("not-an-email".into()), ..Default::default() })
        .await
        .unwrap_err();
    assert_eq!(err.status, Some(400));
    assert_eq!(err.field_errors[0].field, "email");
    let err = kelviq
        .create_checkout(&CheckoutRequest {
            plan_id: "nope".into(),
            period: Some(ChargePeriod::Monthly),
            success_url: "not a url".into(),
            ..Default::default()
        })
        .await
        .unwrap_err();
    let fields: Vec<_> = err.field_errors.iter().map(|f| f.field.as_str()).collect();
    assert_eq!(fields, ["planIdentifier", "successUrl"], "{err}");
    assert!(err.is_validation());
}

#[tokio::test]
async fn wrong_key_is_a_401_with_a_readable_message() {
    let sb = sandbox::start(SandboxOptions::default()).await.unwrap();
    let mut endpoint: Endpoint = sb.endpoint(ProviderKind::Kelviq);
    endpoint.key = Secret::new("kq_wrong_key_123");
    let http = Http::new(HttpConfig::default()).unwrap();
    let kelviq = providers::connect(ProviderKind::Kelviq, endpoint, http.clone()).unwrap();
    let err = kelviq.list_plans().await.unwrap_err();
    assert_eq!(err.status, Some(401));
    assert!(err.is_auth());
    assert_eq!(err.message, "Invalid token.");
    let logged = format!("{:?}", http.log().snapshot());
    assert!(!logged.contains("kq_wrong_key_123"), "key must not reach the request log");
    assert!(logged.contains("Bearer [redacted]"));
}

#[tokio::test]
async fn catalog_has_plans_with_monthly_and_yearly_prices_in_several_currencies() {
    let (_sb, kelviq, _) = setup().await;
    let plans = kelviq.list_plans().await.unwrap();
    assert!(plans.len() >= 4);
    let growth = plans.iter().find(|p| p.id == "growth").unwrap();
    assert!(growth.price_for(ChargePeriod::Monthly, Some("USD")).is_some());
    assert!(growth.price_for(ChargePeriod::Yearly, Some("EUR")).is_some());
    assert_eq!(growth.price_for(ChargePeriod::ThreeMonths, Some("USD")).unwrap().amount.to_string(), "$225.00");
    let currencies: HashSet<_> =
        plans.iter().flat_map(|p| p.prices.iter().map(|pr| pr.amount.currency().code().to_string())).collect();
    assert!(currencies.len() >= 3, "{currencies:?}");
    assert!(growth.features.iter().any(|f| f.feature_id == "audit-log"));
}

#[tokio::test]
async fn subscriptions_and_entitlements_of_a_seeded_customer() {
    let (_sb, kelviq, _) = setup().await;
    let subs = kelviq.list_subscriptions("cus_mueller_maschinenbau").await.unwrap();
    assert_eq!(subs.len(), 2);
    let one = kelviq.get_subscription(&subs[0].id).await.unwrap();
    assert_eq!(one, subs[0]);
    let ents = kelviq.entitlements("cus_mueller_maschinenbau").await.unwrap();
    let api = ents.iter().find(|e| e.feature_id == "api-calls").unwrap();
    match api.kind {
        // Two live subscriptions: the client sums both meters like the official SDKs.
        EntitlementKind::Meter { limit: Some(limit), used, remaining: Some(remaining), .. } => {
            assert_eq!(limit - used, remaining);
            assert!(limit > 500_000);
        }
        ref other => panic!("api-calls should be a meter, got {other:?}"),
    }
    assert!(ents.iter().any(|e| e.feature_id == "sso" && matches!(e.kind, EntitlementKind::Boolean)));
    assert!(ents.iter().any(|e| matches!(e.kind, EntitlementKind::Customizable { .. })));
}

#[tokio::test]
async fn checkout_pay_activates_subscription_and_entitlements() {
    let (_sb, kelviq, _) = setup().await;
    kelviq
        .create_customer(&NewCustomer { id: "cus_flow".into(), name: Some("Flow Test".into()), ..Default::default() })
        .await
        .unwrap();
    let request = CheckoutRequest {
        plan_id: "growth".into(),
        period: Some(ChargePeriod::Yearly),
        customer_id: Some("cus_flow".into()),
        currency: Some("GBP".into()),
        features: vec![FeatureQuantity { feature_id: "seats".into(), quantity: 14 }],
        success_url: "https://example.com/welcome".into(),
        ..Default::default()
    };
    let session = kelviq.create_checkout(&request).await.unwrap();
    let url = session.url.clone().unwrap();
    assert!(session.id.starts_with("cs_"));
    let page = reqwest::get(&url).await.unwrap().text().await.unwrap();
    assert!(page.contains("Growth") && page.contains("£650.00"), "{page}");

    let declined = pay(&url, "4000 0000 0000 0002").await;
    assert_eq!(declined.status(), 402);
    assert_eq!(kelviq.get_checkout(&session.id).await.unwrap().status, CheckoutStatus::Open);

    let paid = pay(&url, "4242 4242 4242 4242").await;
    assert_eq!(paid.status(), 303);
    assert_eq!(paid.headers()["location"], "https://example.com/welcome");
    let done = kelviq.get_checkout(&session.id).await.unwrap();
    assert_eq!(done.status, CheckoutStatus::Complete);
    let sub_id = done.subscription_id.unwrap();

    let subs = kelviq.list_subscriptions("cus_flow").await.unwrap();
    assert_eq!(subs.len(), 1);
    assert_eq!(subs[0].id, sub_id);
    assert_eq!(subs[0].status, SubscriptionStatus::Active);
    assert_eq!(subs[0].amount.unwrap().to_string(), "£650.00");
    assert_eq!(subs[0].period, ChargePeriod::Yearly);

    let ents = kelviq.entitlements("cus_flow").await.unwrap();
    let seats = ents.iter().find(|e| e.feature_id == "seats").unwrap();
    assert_eq!(seats.kind, EntitlementKind::Customizable { value: "14".into() });
    assert!(ents.iter().any(|e| e.feature_id == "audit-log" && e.has_access));
    assert!(ents.iter().any(|e| e.feature_id == "sso" && !e.has_access));

    assert_eq!(pay(&url, "4242 4242 4242 4242").await.status(), 402, "a session is paid once");
}

#[tokio::test]
async fn plan_change_follows_the_new_id_and_changes_entitlements() {
    let (sb, kelviq, _) = setup().await;
    let subs = kelviq.list_subscriptions("cus_mueller_maschinenbau").await.unwrap();
    let starter = subs.iter().find(|s| s.plan_id.as_deref() == Some("starter")).unwrap();
    let change = PlanChange {
        plan_id: "business".into(),
        period: ChargePeriod::Monthly,
        price_id: None,
        timing: ChangeTiming::Immediately,
        features: vec![],
    };
    let preview = kelviq.preview_change(&starter.id, &change).await.unwrap();
    assert_eq!(preview.source, EstimateSource::Local);
    assert_eq!(preview.next_invoice.as_ref().unwrap().total.to_string(), "€239.00");

    let changed = kelviq.change_plan(&starter.id, &change).await.unwrap();
    assert_ne!(changed.id, starter.id, "Kelviq supersedes the old subscription");
    let charged = {
        let k = sb.state().kelviq.lock().unwrap();
        k.charges.iter().find(|(sub, _)| sub == &changed.id).map(|(_, order)| order.amount_total)
    };
    assert_eq!(
        charged,
        Some(preview.current_invoice.total.amount()),
        "the sandbox charges what the local preview said"
    );
    assert_eq!(changed.plan_id.as_deref(), Some("business"));
    assert_eq!(changed.amount.unwrap().to_string(), "€239.00");
    let old = kelviq.get_subscription(&starter.id).await.unwrap();
    assert_eq!(old.status, SubscriptionStatus::Superseded);
    let listed = kelviq.list_subscriptions("cus_mueller_maschinenbau").await.unwrap();
    assert!(listed.iter().all(|s| s.id != starter.id), "superseded rows are not listed");
    let ents = kelviq.entitlements("cus_mueller_maschinenbau").await.unwrap();
    assert!(ents.iter().any(|e| e.feature_id == "sso" && e.has_access), "business grants SSO");

    let bad = PlanChange { plan_id: "enterprise".into(), period: ChargePeriod::Monthly, ..change };
    let err = kelviq.change_plan(&changed.id, &bad).await.unwrap_err();
    assert_eq!(err.status, Some(400));
    assert_eq!(err.field_errors[0].field, "chargePeriod");
}

#[tokio::test]
async fn cancellations_set_status_and_end_dates() {
    let (_sb, kelviq, _) = setup().await;
    let live: Vec<_> = {
        let mut all = Vec::new();
        for id in [
            "cus_wisniewski",
            "cus_yamada_shoji",
            "cus_hernandez_studio",
            "cus_atelier_lumiere",
            "cus_nordljus",
            "cus_raghunathan",
            "cus_accrafresh",
        ] {
            all.extend(
                kelviq
                    .list_subscriptions(id)
                    .await
                    .unwrap()
                    .into_iter()
                    .filter(|s| s.status.is_live() && s.ends_on.is_none() && s.period != ChargePeriod::OneTime),
            );
        }
        all
    };
    assert!(live.len() >= 3, "need three live subscriptions, found {}", live.len());
    let today = Utc::now().date_naive();

    let at_end = kelviq
        .cancel_subscription(&live[0].id, &Cancellation { timing: CancelTiming::AtPeriodEnd, comment: None })
        .await
        .unwrap();
    assert!(at_end.status.is_live(), "still active until the period ends");
    assert_eq!(at_end.ends_on, at_end.current_period_end.map(|d| d.date_naive()));
    assert!(at_end.cancel_scheduled());

    let date = today + Duration::days(10);
    let on_date = kelviq
        .cancel_subscription(
            &live[1].id,
            &Cancellation { timing: CancelTiming::OnDate(date), comment: Some("moving".into()) },
        )
        .await
        .unwrap();
    assert_eq!(on_date.ends_on, Some(date));

    let now = kelviq
        .cancel_subscription(&live[2].id, &Cancellation { timing: CancelTiming::Immediately, comment: None })
        .await
        .unwrap();
    assert_eq!(now.status, SubscriptionStatus::Canceled);
    assert_eq!(now.ends_on, Some(today));
    assert!(now.canceled_at.is_some());

    let again = kelviq
        .cancel_subscription(&live[2].id, &Cancellation { timing: CancelTiming::Immediately, comment: None })
        .await
        .unwrap_err();
    assert_eq!(again.status, Some(400));
    let past = kelviq
        .cancel_subscription(
            &live[0].id,
            &Cancellation { timing: CancelTiming::OnDate(today - Duration::days(3)), comment: None },
        )
        .await
        .unwrap_err();
    assert_eq!(past.field_errors[0].field, "cancellationDate");
    let gone = kelviq.get_subscription("00000000-0000-4000-8000-000000000000").await.unwrap_err();
    assert_eq!(gone.message, "Subscription not found.");
}

#[tokio::test]
async fn generated_customers_and_latency() {
    let sb = sandbox::start(SandboxOptions {
        extra_customers: 1_000,
        seed: 9,
        latency: std::time::Duration::from_millis(150),
        ..Default::default()
    })
    .await
    .unwrap();
    let http = Http::new(HttpConfig::default()).unwrap();
    let kelviq = providers::connect(ProviderKind::Kelviq, sb.endpoint(ProviderKind::Kelviq), http).unwrap();
    let started = std::time::Instant::now();
    let page = kelviq.list_customers(&PageRequest::first(100)).await.unwrap();
    assert!(started.elapsed() >= std::time::Duration::from_millis(150), "latency applies");
    assert!(page.total.unwrap() >= 1_060);
    assert_eq!(page.items.len(), 100);
}

#[tokio::test]
async fn unknown_page_is_the_providers_404_and_the_client_reports_it() {
    let (sb, kelviq, _) = setup().await;
    let mut url = sb.provider_url("kelviq/api/v1/customers/");
    url.set_query(Some("page=999"));
    let resp = reqwest::Client::new().get(url).bearer_auth(till::sandbox::keys::KELVIQ_SERVER).send().await.unwrap();
    assert_eq!(resp.status(), 404);
    assert_eq!(resp.text().await.unwrap(), r#"{"detail":"Invalid page."}"#);
    let err = kelviq
        .list_customers(&PageRequest { cursor: Some("999".into()), limit: 10, search: None, follows: false })
        .await
        .unwrap_err();
    assert_eq!((err.kind, err.status, err.message.as_str()), (ErrorKind::Http, Some(404), "Invalid page."));
}

/// The unfiltered customer list pages straight from the records; a search matching everyone
/// (`@`: every seeded and generated customer has an e-mail) takes the filtering path. Both
/// must answer the same rows in the same order, to the byte.
#[tokio::test]
async fn unfiltered_customer_pages_match_the_filtering_path() {
    let sb = sandbox::start(SandboxOptions { extra_customers: 250, seed: 4, ..Default::default() }).await.unwrap();
    let client = reqwest::Client::new();
    let get = |query: String| {
        let mut url = sb.provider_url("kelviq/api/v1/customers/");
        url.set_query(Some(&query));
        let request = client.get(url).bearer_auth(till::sandbox::keys::KELVIQ_SERVER);
        async move { request.send().await.unwrap().json::<serde_json::Value>().await.unwrap() }
    };
    for page in ["1", "3", "45", "46"] {
        let plain = get(format!("page={page}&page_size=7")).await;
        let searched = get(format!("page={page}&page_size=7&search=%40")).await;
        assert_eq!(plain["count"], 316, "page {page}");
        assert_eq!(plain["count"], searched["count"], "page {page}");
        assert_eq!(plain["results"].to_string(), searched["results"].to_string(), "page {page}");
        assert!(!plain["results"].as_array().unwrap().is_empty(), "page {page}");
    }
}

/// A one-time purchase (the free plan) never renews: no period end and no meter reset, where
/// the sandbox once sent a hundred-year "period" ("Period end 2125-10-28", "36119 of 36500
/// days", meters "resets 2125").
#[tokio::test]
async fn a_one_time_purchase_has_no_period_end_and_its_meters_never_reset() {
    let (_sandbox, kelviq, _) = setup().await;
    let subs = kelviq.list_subscriptions("cus_fernandez_abogados").await.unwrap();
    let free = subs.iter().find(|s| s.period == ChargePeriod::OneTime).expect("the free one-time purchase");
    assert_eq!(free.current_period_end, None, "{free:?}");
    let entitlements = kelviq.entitlements("cus_fernandez_abogados").await.unwrap();
    let meters: Vec<_> = entitlements.iter().filter(|e| matches!(e.kind, EntitlementKind::Meter { .. })).collect();
    assert!(!meters.is_empty(), "{entitlements:?}");
    assert!(meters.iter().all(|e| e.resets_at.is_none()), "{meters:?}");
    // A renewing subscription keeps both.
    let renewing = kelviq.list_subscriptions("cus_mueller_maschinenbau").await.unwrap();
    assert!(renewing.iter().all(|s| s.current_period_end.is_some()), "{renewing:?}");
    // With no period to end, "at the end of the period" is refused rather than dated by the
    // sandbox's far end (it set 2125).
    let at_end = Cancellation { timing: CancelTiming::AtPeriodEnd, comment: None };
    let refused = kelviq.cancel_subscription(&free.id, &at_end).await.unwrap_err();
    assert_eq!(refused.status, Some(400), "{refused:?}");
    assert!(refused.message.contains("no billing period to end"), "{refused:?}");
    assert!(till::ops::subscriptions::period_end_refusal(free, CancelTiming::AtPeriodEnd).is_some());
}
