//! Free trials as each provider documents them (Kelviq `freeTrial`/`trialPeriod`, Flowglad
//! `trialPeriodDays`, KuvarPay `trialPeriodDays`, Zenskar trial phases): the estimate charges
//! nothing now and the plan's price on the day the trial ends, the sandbox's hosted page
//! charges nothing, and the subscription it creates is trialing until that day, shown as
//! "trial ends <date>".

#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a panic is the failure report

#[path = "support/pay.rs"]
mod pay_form;

use std::sync::Arc;

use chrono::{Days, NaiveDate, Utc};
use serde_json::Value;
use till::billing::{ChargePeriod, CheckoutRequest, Plan, ProviderKind, Subscription, SubscriptionStatus};
use till::providers::{self, BillingProvider, Http, HttpConfig};
use till::sandbox::{self, SandboxHandle, SandboxOptions, keys};

const CARD_OK: &str = "4242 4242 4242 4242";

async fn setup(kind: ProviderKind) -> (SandboxHandle, Arc<dyn BillingProvider>) {
    let sandbox = sandbox::start(SandboxOptions::default()).await.unwrap();
    let http = Http::new(HttpConfig::default()).unwrap();
    let client = providers::connect(kind, sandbox.endpoint(kind), http).unwrap();
    (sandbox, client)
}

fn trial_end() -> NaiveDate {
    Utc::now().date_naive() + Days::new(14)
}

fn request(plan: &str, currency: &str, customer: Option<&str>) -> CheckoutRequest {
    CheckoutRequest {
        plan_id: plan.into(),
        period: Some(ChargePeriod::Monthly),
        currency: Some(currency.into()),
        customer_id: customer.map(str::to_string),
        success_url: "https://shop.example/thanks".into(),
        ..Default::default()
    }
}

/// Estimate, hosted page, payment and the created subscription of a 14-day trial whose
/// first charge is `first` (as formatted) and nothing (`zero`) is due now. Returns the
/// trialing subscription and the checkout session's id.
async fn trial_checkout(
    p: &dyn BillingProvider,
    request: &CheckoutRequest,
    zero: &str,
    first: &str,
) -> (Subscription, String) {
    let end = trial_end();
    let e = p.estimate_checkout(request).await.unwrap();
    assert_eq!(e.current_invoice.total.to_string(), zero, "nothing now: {e:?}");
    let next = e.next_invoice.as_ref().expect("the first charge");
    assert_eq!((next.date, next.total.to_string()), (Some(end), first.to_string()), "{e:?}");

    let session = p.create_checkout(request).await.unwrap();
    let url = session.url.clone().unwrap();
    let page = reqwest::get(&url).await.unwrap().text().await.unwrap();
    assert!(page.contains(&format!("<th>Due today</th><th class=n>{zero}</th>")), "{page}");
    assert!(page.contains(&format!("After the 14-day free trial, on {end}</td><td class=n>{first}</td>")), "{page}");
    assert!(page.contains(&format!("Start trial · {zero} now")), "{page}");

    let client = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap();
    assert_eq!(pay_form::submit(&client, &url, CARD_OK).await.status(), 303);
    let done = p.get_checkout(&session.id).await.unwrap();
    let sub = match done.subscription_id.or(session.subscription_id) {
        Some(id) => p.get_subscription(&id).await.unwrap(),
        // Flowglad's session names no subscription: the customer's new one is the trialing one.
        None => {
            let customer = request.customer_id.as_deref().expect("a customer to find the subscription by");
            let subs = p.list_subscriptions(customer).await.unwrap();
            subs.into_iter().find(|s| s.status == SubscriptionStatus::Trialing).expect("a trialing subscription")
        }
    };
    assert_eq!(sub.status, SubscriptionStatus::Trialing, "{sub:?}");
    assert_eq!(sub.current_period_end.map(|t| t.date_naive()), Some(end), "{sub:?}");
    assert_eq!(sub.date_phrase(), format!("trial ends {end}"));
    assert_eq!(sub.amount.map(|a| a.to_string()).as_deref(), Some(first), "the price it bills after the trial");
    (sub, session.id)
}

/// Invoices of `sub` that charged money (the trial must have none).
async fn charged_invoices(p: &dyn BillingProvider, sub: &Subscription) -> Vec<String> {
    let invoices = p.list_invoices(&sub.customer_id).await.unwrap();
    invoices
        .into_iter()
        .filter(|i| i.subscription_id.as_deref() == Some(sub.id.as_str()))
        .filter(|i| i.total.is_some_and(|t| !t.is_zero()))
        .map(|i| format!("{i:?}"))
        .collect()
}

#[tokio::test]
async fn kelviq_starter_trial_charges_nothing_now_and_eur_18_when_it_ends() {
    let (sb, kelviq) = setup(ProviderKind::Kelviq).await;
    let starter = kelviq.list_plans().await.unwrap().into_iter().find(|p| p.id == "starter").unwrap();
    assert_eq!(starter.price_for(ChargePeriod::Monthly, Some("EUR")).unwrap().trial_days, Some(14));
    let req = request("starter", "EUR", None);
    let (_, session_id) = trial_checkout(kelviq.as_ref(), &req, "€0.00", "€18.00").await;
    // Kelviq has no invoice API: the checkout's order is the charge, flagged as a trial.
    let base = sb.endpoint(ProviderKind::Kelviq).base_url;
    let url = format!("{}/checkout/sessions/{session_id}/", base.as_str().trim_end_matches('/'));
    let detail: Value =
        reqwest::Client::new().get(url).bearer_auth(keys::KELVIQ_SERVER).send().await.unwrap().json().await.unwrap();
    assert_eq!(
        (&detail["order"]["isTrial"], &detail["order"]["amountTotal"]),
        (&Value::Bool(true), &Value::from("0.00"))
    );
}

#[tokio::test]
async fn flowglad_starter_trial_charges_nothing_now_and_its_price_when_it_ends() {
    let (_sb, flowglad) = setup(ProviderKind::Flowglad).await;
    let req = request("starter", "EUR", Some("user_nguyen_bakes"));
    let (sub, _) = trial_checkout(flowglad.as_ref(), &req, "€0.00", "€11.00").await;
    assert_eq!(charged_invoices(flowglad.as_ref(), &sub).await, Vec::<String>::new());
}

#[tokio::test]
async fn kuvarpay_pro_trial_charges_nothing_now_and_its_price_when_it_ends() {
    let (_sb, kp) = setup(ProviderKind::KuvarPay).await;
    let req = CheckoutRequest {
        customer_email: Some("zainab.bello@example.ng".into()),
        customer_first_name: Some("Zainab".into()),
        customer_last_name: Some("Bello".into()),
        ..request("plan_pro", "GHS", None)
    };
    let (sub, _) = trial_checkout(kp.as_ref(), &req, "GHS 0.00", "GHS 380.00").await;
    assert_eq!(charged_invoices(kp.as_ref(), &sub).await, Vec::<String>::new());
}

fn zenskar_plan<'a>(plans: &'a [Plan], name: &str) -> &'a Plan {
    plans
        .iter()
        .find(|p| {
            p.name == name
                && p.prices[0].period == ChargePeriod::Monthly
                && p.prices[0].amount.currency().code() == "USD"
        })
        .unwrap()
}

#[tokio::test]
async fn zenskar_essentials_trial_charges_nothing_now_and_its_price_when_it_ends() {
    let (_sb, zenskar) = setup(ProviderKind::Zenskar).await;
    let plans = zenskar.list_plans().await.unwrap();
    let essentials = zenskar_plan(&plans, "Essentials");
    let req =
        CheckoutRequest { period: None, currency: None, ..request(&essentials.id, "USD", Some("crm_mueller_kanzlei")) };
    let (sub, _) = trial_checkout(zenskar.as_ref(), &req, "$0.00", "$15.00").await;
    assert_eq!(charged_invoices(zenskar.as_ref(), &sub).await, Vec::<String>::new());
}
