//! Issued invoices are immutable in every provider's sandbox: a plan change (upgrade or
//! downgrade) or a cancellation never rewrites one. Each test snapshots every invoice the
//! provider's API returns (raw JSON) before a change and checks each is byte-identical after;
//! what the change billed appears as new documents that sum to what the preview said
//! (a proration invoice, Zenskar's credit note, Kelviq's charge order).

#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a panic is the failure report

#[path = "support/pay.rs"]
mod pay_form;

use std::collections::BTreeMap;
use std::sync::Arc;

use chrono::Utc;
use rust_decimal::Decimal;
use serde_json::Value;
use till::billing::{
    CancelTiming, Cancellation, ChangeTiming, ChargePeriod, CheckoutRequest, Money, PlanChange, ProviderKind,
    Subscription, SubscriptionStatus,
};
use till::providers::{self, BillingProvider, Http, HttpConfig};
use till::sandbox::{self, SandboxHandle, SandboxOptions, keys};

async fn setup(kind: ProviderKind) -> (SandboxHandle, Arc<dyn BillingProvider>) {
    let sandbox = sandbox::start(SandboxOptions::default()).await.unwrap();
    let http = Http::new(HttpConfig::default()).unwrap();
    let client = providers::connect(kind, sandbox.endpoint(kind), http).unwrap();
    (sandbox, client)
}

fn change(plan: &str, period: ChargePeriod) -> PlanChange {
    PlanChange { plan_id: plan.into(), period, price_id: None, timing: ChangeTiming::Immediately, features: vec![] }
}

/// GETs `path` under the provider's base URL with its auth headers.
async fn raw(sb: &SandboxHandle, kind: ProviderKind, path: &str) -> Value {
    let url = format!("{}/{path}", sb.endpoint(kind).base_url.as_str().trim_end_matches('/'));
    let req = reqwest::Client::new().get(url);
    let req = match kind {
        ProviderKind::Kelviq => req.bearer_auth(keys::KELVIQ_SERVER),
        ProviderKind::Flowglad => req.header("authorization", keys::FLOWGLAD),
        ProviderKind::KuvarPay => {
            req.header("x-api-key", keys::KUVARPAY).header("x-business-id", keys::KUVARPAY_BUSINESS)
        }
        ProviderKind::Zenskar => {
            req.header("x-api-key", keys::ZENSKAR).header("organisation", keys::ZENSKAR_ORGANISATION)
        }
    };
    let resp = req.send().await.unwrap();
    assert!(resp.status().is_success(), "GET {path}: {}", resp.status());
    resp.json().await.unwrap()
}

/// Each invoice's exact JSON text, by id.
fn by_id(rows: &[Value]) -> BTreeMap<String, String> {
    rows.iter().map(|r| (r["id"].as_str().or(r["uid"].as_str()).unwrap().to_string(), r.to_string())).collect()
}

/// Every invoice of `before` is still there, byte for byte; returns the new ones.
fn assert_unchanged(before: &BTreeMap<String, String>, after: &[Value]) -> Vec<Value> {
    let now = by_id(after);
    for (id, text) in before {
        assert_eq!(now.get(id), Some(text), "invoice {id} was rewritten");
    }
    after.iter().filter(|r| !before.contains_key(r["id"].as_str().or(r["uid"].as_str()).unwrap())).cloned().collect()
}

fn decimal(v: &Value) -> Decimal {
    match v {
        Value::String(s) => s.parse().unwrap(),
        Value::Number(n) => n.to_string().parse().unwrap(),
        other => panic!("not an amount: {other}"),
    }
}

// ---------------------------------------------------------------------------------- KuvarPay

async fn kuvarpay_invoices(sb: &SandboxHandle, uid: &str) -> Vec<Value> {
    let body =
        raw(sb, ProviderKind::KuvarPay, &format!("api/v1/subscriptions/{uid}/subscription-invoices?limit=100")).await;
    body["data"].as_array().cloned().unwrap_or_default()
}

async fn kuvarpay_sub(kp: &dyn BillingProvider, email: &str) -> Subscription {
    let subs = kp.list_subscriptions(email).await.unwrap();
    subs.into_iter().find(|s| s.status == SubscriptionStatus::Active && s.ends_on.is_none()).unwrap()
}

#[tokio::test]
async fn kuvarpay_changes_and_cancels_leave_issued_invoices_byte_identical() {
    let (sb, kp) = setup(ProviderKind::KuvarPay).await;
    // An upgrade: the snapshot is intact and one new OPEN invoice bills the preview.
    let sub = kuvarpay_sub(kp.as_ref(), "chiamaka@nwosu-pharma.ng").await;
    let before = by_id(&kuvarpay_invoices(&sb, &sub.id).await);
    assert!(!before.is_empty());
    let up = change("plan_business", ChargePeriod::Monthly);
    let preview = kp.preview_change(&sub.id, &up).await.unwrap();
    kp.change_plan(&sub.id, &up).await.unwrap();
    let new = assert_unchanged(&before, &kuvarpay_invoices(&sb, &sub.id).await);
    let billed: Decimal = new.iter().map(|i| decimal(&i["amount"])).sum();
    assert_eq!(Money::new(billed, preview.current_invoice.total.currency()), preview.current_invoice.total);
    assert!(!billed.is_zero() && new.iter().all(|i| i["status"] == "OPEN"), "{new:?}");

    // A downgrade: nothing is rewritten and, as previewed, nothing new is billed.
    let sub = kuvarpay_sub(kp.as_ref(), "adebayo@ogunlesi-foods.ng").await;
    let before = by_id(&kuvarpay_invoices(&sb, &sub.id).await);
    let down = change("plan_pro", ChargePeriod::Monthly);
    let preview = kp.preview_change(&sub.id, &down).await.unwrap();
    assert!(preview.current_invoice.total.is_zero());
    kp.change_plan(&sub.id, &down).await.unwrap();
    assert_eq!(assert_unchanged(&before, &kuvarpay_invoices(&sb, &sub.id).await), Vec::<Value>::new());

    // Cancelling now rewrites nothing either.
    let before = by_id(&kuvarpay_invoices(&sb, &sub.id).await);
    kp.cancel_subscription(&sub.id, &Cancellation { timing: CancelTiming::Immediately, comment: None }).await.unwrap();
    assert_eq!(assert_unchanged(&before, &kuvarpay_invoices(&sb, &sub.id).await), Vec::<Value>::new());
}

/// The reported case: nobody had opened the invoices before the downgrade, and the sandbox
/// built the history afterwards at the new price (a PAID GHS 380 invoice read GHS 120).
/// Invoices issued before a change bill what was in force then.
#[tokio::test]
async fn kuvarpay_invoices_first_read_after_a_downgrade_still_bill_the_old_price() {
    let (sb, kp) = setup(ProviderKind::KuvarPay).await;
    let sub = kuvarpay_sub(kp.as_ref(), "adebayo@ogunlesi-foods.ng").await;
    let old = sub.amount.unwrap();
    kp.change_plan(&sub.id, &change("plan_pro", ChargePeriod::Monthly)).await.unwrap();
    let changed_at = Utc::now();
    let invoices = kuvarpay_invoices(&sb, &sub.id).await;
    let paid: Vec<&Value> = invoices.iter().filter(|i| i["status"] == "PAID").collect();
    assert!(!paid.is_empty(), "{invoices:?}");
    for i in paid {
        let created: chrono::DateTime<Utc> = i["created_at"].as_str().unwrap().parse().unwrap();
        assert!(created < changed_at);
        assert_eq!(Money::new(decimal(&i["amount"]), old.currency()), old, "{i}");
    }
}

// ---------------------------------------------------------------------------------- Flowglad

async fn flowglad_invoices(sb: &SandboxHandle, customer: &str) -> Vec<Value> {
    let body = raw(sb, ProviderKind::Flowglad, &format!("api/v1/customers/{customer}/billing")).await;
    body["invoices"].as_array().cloned().unwrap_or_default().into_iter().map(|i| i["invoice"].clone()).collect()
}

fn flowglad_lines_total(sb_invoices: &[Value], billing: &Value) -> i64 {
    let ids: Vec<&str> = sb_invoices.iter().filter_map(|i| i["id"].as_str()).collect();
    billing["invoices"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|i| ids.contains(&i["invoice"]["id"].as_str().unwrap()))
        .flat_map(|i| i["invoiceLineItems"].as_array().unwrap().clone())
        .map(|l| l["price"].as_i64().unwrap() * l["quantity"].as_i64().unwrap())
        .sum()
}

#[tokio::test]
async fn flowglad_changes_leave_issued_invoices_byte_identical() {
    let (sb, flowglad) = setup(ProviderKind::Flowglad).await;
    for (customer, plan) in [("user_nguyen_bakes", "pro"), ("user_rivera_roofing", "starter")] {
        let sub = flowglad.list_subscriptions(customer).await.unwrap().remove(0);
        let before = by_id(&flowglad_invoices(&sb, customer).await);
        let to = change(plan, ChargePeriod::Monthly);
        let preview = flowglad.preview_change(&sub.id, &to).await.unwrap();
        flowglad.change_plan(&sub.id, &to).await.unwrap();
        let new = assert_unchanged(&before, &flowglad_invoices(&sb, customer).await);
        let billing = raw(&sb, ProviderKind::Flowglad, &format!("api/v1/customers/{customer}/billing")).await;
        let billed = Money::from_minor(flowglad_lines_total(&new, &billing), preview.current_invoice.total.currency());
        assert_eq!(billed, preview.current_invoice.total, "{customer} → {plan}: new documents {new:?}");
    }
}

// ----------------------------------------------------------------------------------- Zenskar

async fn zenskar_rows(sb: &SandboxHandle, what: &str, customer_uuid: &str) -> Vec<Value> {
    let body = raw(sb, ProviderKind::Zenskar, &format!("{what}?customer_id={customer_uuid}&limit=100")).await;
    body["results"].as_array().or(body["data"].as_array()).cloned().unwrap_or_default()
}

#[tokio::test]
async fn zenskar_changes_add_an_invoice_or_a_credit_note_and_rewrite_nothing() {
    let (sb, z) = setup(ProviderKind::Zenskar).await;
    let plans = z.list_plans().await.unwrap();
    let monthly_usd = |name: &str| {
        let p = plans.iter().find(|p| {
            p.name == name
                && p.prices[0].period == ChargePeriod::Monthly
                && p.prices[0].amount.currency().code() == "USD"
        });
        p.unwrap().id.clone()
    };
    // (customer, new plan, the document the change issues)
    for (customer, plan, document) in
        [("crm_toth_ugyved", "Business", "invoices"), ("crm_ramirez_seguros", "Team", "credit_notes")]
    {
        let uuid = z.get_customer(customer).await.unwrap().id;
        let sub = z.list_subscriptions(customer).await.unwrap().remove(0);
        let before = by_id(&zenskar_rows(&sb, "invoices", &uuid).await);
        let notes_before = zenskar_rows(&sb, "credit_notes", &uuid).await.len();
        let to = PlanChange { plan_id: monthly_usd(plan), ..change("", ChargePeriod::Monthly) };
        let preview = z.preview_change(&sub.id, &to).await.unwrap();
        z.change_plan(&sub.id, &to).await.unwrap();
        let new_invoices = assert_unchanged(&before, &zenskar_rows(&sb, "invoices", &uuid).await);
        let notes = zenskar_rows(&sb, "credit_notes", &uuid).await;
        let currency = preview.current_invoice.total.currency();
        let billed: Decimal = new_invoices.iter().map(|i| decimal(&i["invoice_total"])).sum::<Decimal>()
            - notes[..notes.len() - notes_before].iter().map(|n| decimal(&n["total_amount"])).sum::<Decimal>();
        assert_eq!(Money::new(billed, currency), preview.current_invoice.total, "{customer} → {plan}");
        match document {
            "invoices" => assert_eq!((new_invoices.len(), notes.len() - notes_before), (1, 0)),
            _ => {
                assert_eq!((new_invoices.len(), notes.len() - notes_before), (0, 1));
                assert_eq!(notes[0]["contract_id"], sub.id.as_str());
                assert!(before.contains_key(notes[0]["invoice_id"].as_str().unwrap()), "it credits an issued invoice");
            }
        }
    }
}

// ------------------------------------------------------------------------------------ Kelviq

#[tokio::test]
async fn kelviq_changes_leave_the_paid_order_untouched_and_charge_as_previewed() {
    let (sb, kelviq) = setup(ProviderKind::Kelviq).await;
    let request = CheckoutRequest {
        plan_id: "growth".into(),
        period: Some(ChargePeriod::Monthly),
        currency: Some("EUR".into()),
        success_url: "https://example.com/welcome".into(),
        ..Default::default()
    };
    let session = kelviq.create_checkout(&request).await.unwrap();
    let client = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap();
    assert_eq!(pay_form::submit(&client, session.url.as_deref().unwrap(), "4242 4242 4242 4242").await.status(), 303);
    let path = format!("checkout/sessions/{}/", session.id);
    let order = raw(&sb, ProviderKind::Kelviq, &path).await["order"].to_string();
    let mut id = kelviq.get_checkout(&session.id).await.unwrap().subscription_id.unwrap();
    for plan in ["business", "starter"] {
        let to = change(plan, ChargePeriod::Monthly);
        let preview = kelviq.preview_change(&id, &to).await.unwrap();
        let charged_before = sb.state().kelviq.lock().unwrap().change_charges().len();
        id = kelviq.change_plan(&id, &to).await.unwrap().id;
        assert_eq!(
            raw(&sb, ProviderKind::Kelviq, &path).await["order"].to_string(),
            order,
            "the paid order is as issued"
        );
        let charges = sb.state().kelviq.lock().unwrap().change_charges();
        let total = charges[charged_before..]
            .iter()
            .fold(Money::zero(preview.current_invoice.total.currency()), |a, (_, m)| a.checked_add(m).unwrap());
        assert_eq!(total, preview.current_invoice.total, "→ {plan}");
    }
}
