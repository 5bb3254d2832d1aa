//! The sandbox clock (issue 18, part 1), per provider, through the HTTP API: a paid checkout,
//! then the clock moved through the admin API; what changed is read back with each
//! provider's own client. The sandbox runs on a fixed test clock so every date is exact.

#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a panic is the failure report

#[path = "support/pay.rs"]
mod pay_form;

use std::sync::Arc;

use chrono::{DateTime, TimeZone, Utc};
use serde_json::{Value, json};
use till::billing::{CancelTiming, Cancellation, ChargePeriod, CheckoutRequest, ProviderKind, SubscriptionStatus};
use till::providers::{self, BillingProvider, Http, HttpConfig};
use till::sandbox::clock::Clock;
use till::sandbox::pay::{CARD_DECLINES_LATER, CARD_OK};
use till::sandbox::{self, SandboxHandle, SandboxOptions};

fn start_time() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2027, 1, 15, 12, 0, 0).unwrap()
}

async fn start() -> SandboxHandle {
    sandbox::start_at(SandboxOptions::default(), Clock::fixed(start_time())).await.unwrap()
}

fn client(sb: &SandboxHandle, kind: ProviderKind) -> Arc<dyn BillingProvider> {
    providers::connect(kind, sb.endpoint(kind), Http::new(HttpConfig::default()).unwrap()).unwrap()
}

/// A paid monthly plan without a trial, and a customer to buy it for.
fn offer(kind: ProviderKind) -> (&'static str, &'static str) {
    match kind {
        ProviderKind::Kelviq => ("growth", "cus_rossi_design"),
        ProviderKind::Flowglad => ("pro", "user_souza_moda"),
        ProviderKind::KuvarPay => ("basic", "clock.tester@example.com"),
        ProviderKind::Zenskar => ("team", "crm_mueller_kanzlei"),
    }
}

async fn create_checkout(p: &dyn BillingProvider, kind: ProviderKind) -> (String, String) {
    let (wanted, customer) = offer(kind);
    let plans = p.list_plans().await.unwrap();
    let (plan, price) = plans
        .iter()
        .filter(|pl| pl.id.to_lowercase().contains(wanted) || pl.name.to_lowercase().contains(wanted))
        .find_map(|pl| {
            let price = pl.prices.iter().find(|pr| {
                pr.period == ChargePeriod::Monthly
                    && !pr.amount.is_zero()
                    && pr.trial_days.unwrap_or(0) == 0
                    && pr.amount.currency().code() == "USD"
            })?;
            Some((pl, price))
        })
        .unwrap_or_else(|| panic!("{kind:?}: a paid monthly USD plan '{wanted}'"));
    let request = CheckoutRequest {
        plan_id: plan.id.clone(),
        period: Some(ChargePeriod::Monthly),
        price_id: price.id.clone(),
        currency: Some("USD".into()),
        customer_id: Some(customer.to_string()),
        success_url: "https://example.com/ok".into(),
        ..Default::default()
    };
    let session = p.create_checkout(&request).await.unwrap();
    (session.id, session.url.expect("a hosted page"))
}

/// Buys the provider's offer, pays it with `card`, and returns the new subscription's id.
async fn subscribe(p: &dyn BillingProvider, kind: ProviderKind, card: &str) -> String {
    let (_, customer) = offer(kind);
    let before: Vec<String> = p.list_subscriptions(customer).await.unwrap().into_iter().map(|s| s.id).collect();
    let (_, url) = create_checkout(p, kind).await;
    let browser = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap();
    let answer = pay_form::submit(&browser, &url, card).await;
    assert!(answer.status().is_redirection() || answer.status().is_success(), "{kind:?}: {}", answer.status());
    let after = p.list_subscriptions(customer).await.unwrap();
    let new: Vec<_> = after.into_iter().filter(|s| !before.contains(&s.id)).collect();
    assert_eq!(new.len(), 1, "{kind:?}: one new subscription: {new:?}");
    new[0].id.clone()
}

/// Moves the clock through the admin API; returns what happened.
async fn admin(sb: &SandboxHandle, method: reqwest::Method, path: &str, body: Value) -> (u16, Value) {
    let url = sb.base_url().join(path).unwrap();
    let answer =
        reqwest::Client::new().request(method, url).bearer_auth(sb.admin_token()).json(&body).send().await.unwrap();
    (answer.status().as_u16(), answer.json().await.unwrap())
}

async fn advance(sb: &SandboxHandle, by: &str) -> Vec<Value> {
    let (status, body) = admin(sb, reqwest::Method::POST, "/_admin/clock/advance", json!({ "by": by })).await;
    assert_eq!(status, 200, "{body}");
    body["happened"].as_array().cloned().unwrap_or_default()
}

/// `what:status` of the happenings to one subscription and its invoices, in order.
fn whats(happened: &[Value], subscription: &str) -> Vec<String> {
    happened
        .iter()
        .filter(|h| h["object"] == subscription || h["subscription"] == subscription)
        .map(|h| format!("{}:{}", h["what"].as_str().unwrap(), h["status"].as_str().unwrap()))
        .collect()
}

const ALL: [ProviderKind; 4] =
    [ProviderKind::Kelviq, ProviderKind::Flowglad, ProviderKind::KuvarPay, ProviderKind::Zenskar];

#[tokio::test]
async fn the_admin_api_shows_moves_and_refuses_going_back() {
    let sb = start().await;
    let (status, body) = admin(&sb, reqwest::Method::GET, "/_admin/clock", json!({})).await;
    assert_eq!((status, body["now"].as_str()), (200, Some("2027-01-15T12:00:00Z")));
    advance(&sb, "14d").await;
    let (_, body) = admin(&sb, reqwest::Method::GET, "/_admin/clock", json!({})).await;
    assert_eq!(body["now"], "2027-01-29T12:00:00Z");
    assert_eq!(body["offset_seconds"], 14 * 86_400);
    let (status, body) = admin(&sb, reqwest::Method::PUT, "/_admin/clock", json!({"to": "2027-01-01T00:00Z"})).await;
    assert_eq!(status, 400);
    assert!(body["error"].as_str().unwrap().contains("only moves forward"), "{body}");
    let (status, body) = admin(&sb, reqwest::Method::POST, "/_admin/clock/advance", json!({"by": "1 month"})).await;
    assert_eq!(status, 400, "{body}");
    let (status, _) = admin(&sb, reqwest::Method::PUT, "/_admin/clock", json!({"to": "2027-03-01T00:00Z"})).await;
    assert_eq!(status, 200);
    assert_eq!(sb.state().clock.now(), Utc.with_ymd_and_hms(2027, 3, 1, 0, 0, 0).unwrap());
    let unauthorised = reqwest::Client::new().get(sb.base_url().join("/_admin/clock").unwrap()).send().await.unwrap();
    assert_eq!(unauthorised.status().as_u16(), 401);
}

#[tokio::test]
async fn a_month_later_every_provider_renewed_with_a_new_period_and_an_invoice() {
    let sb = start().await;
    for kind in ALL {
        let p = client(&sb, kind);
        let id = subscribe(p.as_ref(), kind, CARD_OK).await;
        let before = p.get_subscription(&id).await.unwrap();
        let orders_before = p.list_payments(offer(kind).1).await.map(|o| o.len()).unwrap_or(0);
        let happened = advance(&sb, "1M").await;
        let after = p.get_subscription(&id).await.unwrap();
        assert_eq!(after.status, SubscriptionStatus::Active, "{kind:?}: {after:?}");
        assert!(
            after.current_period_start > before.current_period_start || kind == ProviderKind::Zenskar,
            "{kind:?}: a new period: {before:?} → {after:?}"
        );
        let mine: Vec<&Value> = happened.iter().filter(|h| h["object"] == id.as_str()).collect();
        let renewed = mine.iter().any(|h| h["what"] == "subscription.renewed" || h["what"] == "contract.renewed");
        assert!(renewed, "{kind:?}: renewed: {happened:?}");
        let paid = happened.iter().any(|h| h["what"] == "invoice.paid" && h["subscription"] == id.as_str());
        assert!(paid, "{kind:?}: an invoice paid: {happened:?}");
        let invoices = p.list_invoices(offer(kind).1).await.unwrap_or_default();
        if kind == ProviderKind::Kelviq {
            let payments = p.list_payments(offer(kind).1).await.unwrap();
            assert_eq!(payments.len(), orders_before + 1, "Kelviq: the renewal's order: {payments:?}");
        } else {
            let expected = after.current_period_start.map(|t| t.date_naive());
            assert!(
                invoices.iter().any(|i| i.status.eq_ignore_ascii_case("paid") && i.issued_on == expected),
                "{kind:?}: the renewal's invoice, paid: {invoices:#?}"
            );
        }
    }
}

#[tokio::test]
async fn kelviq_a_declining_card_goes_past_due_is_retried_eight_times_then_canceled() {
    let sb = start().await;
    let p = client(&sb, ProviderKind::Kelviq);
    let id = subscribe(p.as_ref(), ProviderKind::Kelviq, CARD_DECLINES_LATER).await;
    let happened = advance(&sb, "1M").await;
    assert_eq!(
        whats(&happened, &id),
        [
            "subscription.renewed:active",
            "invoice.created:open",
            "invoice.payment_failed:open",
            "subscription.past_due:past_due"
        ]
    );
    let created = happened.iter().find(|h| h["what"] == "invoice.created" && h["subscription"] == id.as_str());
    let invoice = created.unwrap()["object"].clone();
    assert_eq!(p.get_subscription(&id).await.unwrap().raw_status, "past_due");
    let retries = advance(&sb, "13d").await;
    assert_eq!(whats(&retries, &id), vec!["invoice.payment_failed:open"; 7], "days 1-11 of 14");
    assert!(
        retries.iter().filter(|h| h["subscription"] == id.as_str()).all(|h| h["object"] == invoice),
        "each retry charges the same invoice {invoice}: {retries:?}"
    );
    assert_eq!(p.get_subscription(&id).await.unwrap().raw_status, "past_due");
    let last = advance(&sb, "1d").await;
    assert_eq!(whats(&last, &id), ["invoice.payment_failed:open", "subscription.canceled:canceled"]);
    let sub = p.get_subscription(&id).await.unwrap();
    assert_eq!((sub.raw_status.as_str(), sub.status), ("canceled", SubscriptionStatus::Canceled));
}

#[tokio::test]
async fn the_others_fail_a_declining_card_as_their_docs_say_or_the_readme_infers() {
    let sb = start().await;
    let cases = [
        (ProviderKind::Flowglad, "past_due", "canceled", "subscription.past_due:past_due"),
        (ProviderKind::KuvarPay, "PAST_DUE", "UNPAID", "subscription.updated:PAST_DUE"),
        (ProviderKind::Zenskar, "active", "active", "invoice.payment_failed:approved"),
    ];
    for (kind, behind, end, first_state) in cases {
        let p = client(&sb, kind);
        let id = subscribe(p.as_ref(), kind, CARD_DECLINES_LATER).await;
        let happened = advance(&sb, "1M").await;
        let seen = whats(&happened, &id);
        assert!(seen.iter().any(|w| w.starts_with("invoice.payment_failed")), "{kind:?}: {seen:?}");
        assert!(seen.contains(&first_state.to_string()), "{kind:?}: {seen:?}");
        assert_eq!(p.get_subscription(&id).await.unwrap().raw_status, behind, "{kind:?}");
        let retries = advance(&sb, "8d").await;
        let failed = whats(&retries, &id).iter().filter(|w| w.starts_with("invoice.payment_failed")).count();
        assert_eq!(failed, 3, "{kind:?}: three retries: {retries:?}");
        assert_eq!(p.get_subscription(&id).await.unwrap().raw_status, end, "{kind:?}");
        // The clock moved on for everyone; the next provider starts a month later.
    }
}

#[tokio::test]
async fn a_cancellation_at_period_end_takes_effect_when_the_period_ends() {
    let sb = start().await;
    for kind in ALL {
        let p = client(&sb, kind);
        let id = subscribe(p.as_ref(), kind, CARD_OK).await;
        let cancel = Cancellation { timing: CancelTiming::AtPeriodEnd, comment: None };
        let scheduled = p.cancel_subscription(&id, &cancel).await;
        let scheduled = match scheduled {
            Ok(s) => s,
            // Zenskar expires at a date: the contract's period end.
            Err(e) if kind == ProviderKind::Zenskar => panic!("{kind:?}: {e}"),
            Err(e) => panic!("{kind:?}: {e}"),
        };
        assert_ne!(scheduled.status, SubscriptionStatus::Canceled, "{kind:?}: still running until the period ends");
        let happened = advance(&sb, "1M").await;
        let sub = p.get_subscription(&id).await.unwrap();
        assert!(
            matches!(sub.status, SubscriptionStatus::Canceled | SubscriptionStatus::Expired),
            "{kind:?}: {sub:?} after {happened:?}"
        );
        let charged = happened.iter().any(|h| h["object"] == id.as_str() && h["what"] == "subscription.renewed");
        assert!(!charged, "{kind:?}: no renewal after a period-end cancellation: {happened:?}");
    }
}

#[tokio::test]
async fn a_checkout_older_than_its_lifetime_expires() {
    let sb = start().await;
    let mut sessions = Vec::new();
    for kind in ALL {
        let p = client(&sb, kind);
        sessions.push((kind, create_checkout(p.as_ref(), kind).await));
    }
    let early = advance(&sb, "23h").await;
    let ours = |h: &&Value| sessions.iter().any(|(_, (id, _))| h["object"] == id.as_str());
    assert!(early.iter().filter(ours).count() == 0, "nothing of ours expires within 24 hours: {early:?}");
    let happened = advance(&sb, "2h").await;
    let browser = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap();
    for (kind, (id, url)) in sessions {
        let expired =
            happened.iter().any(|h| h["object"] == id.as_str() && h["what"].as_str().unwrap().ends_with("expired"));
        assert!(expired, "{kind:?}: {happened:?}");
        let p = client(&sb, kind);
        let session = p.get_checkout(&id).await.unwrap();
        assert!(session.raw_status.eq_ignore_ascii_case("expired"), "{kind:?}: {session:?}");
        let answer = pay_form::submit(&browser, &url, CARD_OK).await;
        assert_eq!(answer.status().as_u16(), 402, "{kind:?}: an expired session takes no payment");
    }
}
