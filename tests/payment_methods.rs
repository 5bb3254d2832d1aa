//! A customer's saved payment methods (issue 16, the customer detail's "payment methods where
//! offered"): each provider client against the sandbox, before and after a payment on the
//! hosted page with a different card; Kelviq's traffic validated against the official spec.

#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a panic is the failure report

mod support;

use std::sync::Arc;

use serde_json::Value;
use till::billing::payments::PaymentMethod;
use till::billing::{ChargePeriod, CheckoutRequest, ProviderKind};
use till::ops;
use till::providers::{self, BillingProvider, Http, HttpConfig};
use till::sandbox::{self, SandboxHandle, SandboxOptions};

const MASTERCARD: &str = "5555 5555 5555 4444";

async fn start() -> (SandboxHandle, Http) {
    let sb = sandbox::start(SandboxOptions { capture: true, ..Default::default() }).await.unwrap();
    (sb, Http::new(HttpConfig::default()).unwrap())
}

fn client(sb: &SandboxHandle, kind: ProviderKind, http: &Http) -> Arc<dyn BillingProvider> {
    providers::connect(kind, sb.endpoint(kind), http.clone()).unwrap()
}

/// Buys the first paid monthly plan for `customer` and pays it on the hosted page with `card`.
async fn pay_with(p: &dyn BillingProvider, customer: &str, card: &str) {
    let plans = p.list_plans().await.unwrap();
    let (plan, price) = plans
        .iter()
        .find_map(|pl| {
            let price = pl.prices.iter().find(|pr| pr.period == ChargePeriod::Monthly && !pr.amount.is_zero())?;
            Some((pl, price))
        })
        .expect("a paid monthly plan");
    let request = CheckoutRequest {
        plan_id: plan.id.clone(),
        period: Some(ChargePeriod::Monthly),
        price_id: price.id.clone(),
        currency: Some(price.amount.currency().code().to_string()),
        customer_id: Some(customer.to_string()),
        success_url: "https://example.com/ok".into(),
        ..Default::default()
    };
    let session = p.create_checkout(&request).await.unwrap();
    let url = session.url.expect("a hosted page");
    let client = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap();
    let answer = support::pay::submit(&client, &url, card).await;
    assert!(answer.status().is_redirection() || answer.status().is_success(), "{}", answer.status());
}

fn described(methods: &[PaymentMethod]) -> Vec<String> {
    methods.iter().map(PaymentMethod::describe).collect()
}

#[tokio::test]
async fn kelviq_lists_the_seeded_card_then_the_card_a_payment_saved_as_default() {
    let (sb, http) = start().await;
    let kelviq = client(&sb, ProviderKind::Kelviq, &http);
    let customer = "cus_rossi_design";
    let before = ops::payments::payment_methods(kelviq.as_ref(), customer).await.unwrap();
    assert_eq!(described(&before), ["visa •••• 4242 · default"], "the card behind the seed's orders");
    pay_with(kelviq.as_ref(), customer, MASTERCARD).await;
    let after = kelviq.list_payment_methods(customer).await.unwrap();
    assert_eq!(described(&after), ["mastercard •••• 4444 · default", "visa •••• 4242"]);
    assert!(after.iter().all(|m| m.kind == "card" && m.created_at.is_some()), "{after:?}");
    // The new order says which card paid it.
    let newest = kelviq.list_payments(customer).await.unwrap().remove(0);
    let orders = sb.captured().into_iter().rev().find(|c| c.path.contains("/orders/")).unwrap();
    let orders: Value = serde_json::from_slice(&orders.response_body).unwrap();
    let order = orders["results"].as_array().unwrap().iter().find(|o| o["id"] == newest.id.as_str()).unwrap();
    assert_eq!(
        (&order["paymentMethod"]["paymentMethodName"], &order["paymentMethod"]["last4"]),
        (&"mastercard".into(), &"4444".into())
    );
    // A customer who never paid has none; the filter is exact.
    assert!(kelviq.list_payment_methods("cus_rossi").await.unwrap().is_empty());

    let Some(spec) = support::openapi::Spec::shared("kelviq") else { return };
    let mut checked = 0;
    for c in sb.captured().iter().filter(|c| c.path.contains("/payment-methods/")) {
        let path = c.path.strip_prefix("/kelviq/api/v1").unwrap();
        let body: Value = serde_json::from_slice(&c.response_body).unwrap();
        spec.validate_response(&c.method, path, c.status, &body).unwrap_or_else(|e| panic!("{path}: {e:?}"));
        checked += 1;
    }
    assert!(checked >= 3, "{checked} payment-method answers checked");
}

#[tokio::test]
async fn flowglad_reads_them_from_the_billing_answer() {
    let (sb, http) = start().await;
    let flowglad = client(&sb, ProviderKind::Flowglad, &http);
    let customer = "user_souza_moda";
    let before = flowglad.list_payment_methods(customer).await.unwrap();
    assert_eq!(described(&before), ["visa •••• 4242 · default"]);
    pay_with(flowglad.as_ref(), customer, MASTERCARD).await;
    let after = flowglad.list_payment_methods(customer).await.unwrap();
    assert_eq!(described(&after)[0], "mastercard •••• 4444 · default", "{after:?}");
    assert!(after[1..].iter().all(|m| !m.is_default), "one default: {after:?}");
}

#[tokio::test]
async fn zenskar_lists_the_card_the_hosted_page_took() {
    let (sb, http) = start().await;
    let zenskar = client(&sb, ProviderKind::Zenskar, &http);
    let customer = "crm_mueller_kanzlei";
    assert!(zenskar.list_payment_methods(customer).await.unwrap().is_empty(), "the seed's customers are invoiced");
    pay_with(zenskar.as_ref(), customer, "3782 822463 10005").await;
    let after = zenskar.list_payment_methods(customer).await.unwrap();
    assert_eq!(described(&after), ["amex •••• 0005 · default"]);
    let path = sb.captured().into_iter().map(|c| c.path).find(|p| p.contains("/payment_methods")).unwrap();
    assert!(path.starts_with("/zenskar/customers/") && !path.contains("crm_"), "read by the customer's uuid: {path}");
}

#[tokio::test]
async fn kuvarpay_says_it_offers_none() {
    let (sb, http) = start().await;
    let kuvarpay = client(&sb, ProviderKind::KuvarPay, &http);
    let e = ops::payments::payment_methods(kuvarpay.as_ref(), "x").await.unwrap_err();
    assert_eq!(e.message, "reading payment methods is not offered by KuvarPay");
}
