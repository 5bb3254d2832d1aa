//! KuvarPay records → wire JSON (the same types the client decodes).

use chrono::{DateTime, SecondsFormat, Utc};
use rust_decimal::Decimal;
use serde_json::Value;

use super::state::{CheckoutSession, Customer, Invoice, Plan, Price, State, Subscription};
use crate::billing::{Currency, Money};
use crate::providers::kuvarpay::wire;

/// Millisecond ISO timestamps, as a JavaScript backend prints them.
pub fn iso(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Millis, true)
}

fn amount(a: Decimal, c: Currency) -> String {
    Money::new(a, c).rounded().to_decimal_string()
}

/// `metadata` is free-form in the reference (an object of the merchant's own keys), so the
/// wire types keep it as raw JSON; the sandbox stores string values.
fn metadata(m: &std::collections::BTreeMap<String, String>) -> Value {
    Value::Object(m.iter().map(|(k, v)| (k.clone(), Value::String(v.clone()))).collect())
}

fn no_metadata() -> Value {
    Value::Object(serde_json::Map::new())
}

pub fn plan(p: &Plan) -> wire::Plan {
    wire::Plan {
        uid: p.uid.clone(),
        name: p.name.clone(),
        description: Some(p.description.clone()),
        active: Some(true),
        metadata: no_metadata(),
        created_at: Some(iso(p.created)),
        updated_at: Some(iso(p.created)),
    }
}

pub fn price(p: &Price) -> wire::Price {
    let (interval, count) = wire::interval_name(p.period).unwrap_or(("MONTHLY", 1));
    wire::Price {
        uid: p.uid.clone(),
        plan_id: Some(p.plan_uid.clone()),
        amount: amount(p.amount, p.currency),
        currency: p.currency.code().to_string(),
        interval: interval.to_string(),
        interval_count: Some(u64::from(count)),
        trial_period_days: p.trial_days.map(u64::from),
        active: Some(true),
        created_at: Some(iso(p.created)),
    }
}

pub fn customer(c: &Customer) -> wire::CustomerRef {
    wire::CustomerRef {
        uid: c.uid.clone(),
        email: Some(c.email.clone()),
        first_name: c.first_name.clone(),
        last_name: c.last_name.clone(),
        created_at: Some(iso(c.created)),
    }
}

pub fn subscription(state: &State, s: &Subscription) -> wire::Subscription {
    let price = s.price_uid.as_deref().and_then(|p| state.price(p));
    let plan = price.and_then(|p| state.plan(&p.plan_uid));
    let terms = state.terms(s);
    let live_period = !matches!(s.status, "INCOMPLETE" | "INCOMPLETE_EXPIRED");
    wire::Subscription {
        uid: s.uid.clone(),
        status: s.status.to_string(),
        billing_mode: Some(if s.target.is_some() { "METERED" } else { "FIXED" }.to_string()),
        customer: state.customers.get(s.customer).map(customer),
        plan: plan.map(|p| wire::PlanRef { uid: p.uid.clone(), name: Some(p.name.clone()) }),
        price: price.map(self::price),
        price_id: s.price_uid.clone(),
        amount: terms.map(|(a, c, _)| amount(a, c)),
        currency: terms.map(|(_, c, _)| c.code().to_string()),
        current_period_start: live_period.then(|| iso(s.period_start)),
        current_period_end: live_period.then(|| iso(s.period_end)),
        trial_start: s.trial_start.map(iso),
        trial_end: s.trial_end.map(iso),
        cancel_at_period_end: s.cancel_at_period_end,
        cancelled_at: s.cancelled_at.map(iso),
        cancellation_reason: s.cancellation_reason.clone(),
        metadata: metadata(&s.metadata),
        created_at: Some(iso(s.created)),
        updated_at: Some(iso(s.updated)),
    }
}

pub fn invoice(sub_uid: &str, i: &Invoice) -> wire::SubscriptionInvoice {
    wire::SubscriptionInvoice {
        uid: i.uid.clone(),
        subscription_id: Some(sub_uid.to_string()),
        invoice_id: Some(i.invoice_id.clone()),
        amount: amount(i.amount, i.currency),
        currency: i.currency.code().to_string(),
        // USDT on BEP20: the stablecoin the sandbox pretends to settle in.
        token_address: Some("0x55d398326f99059fF775485246999027B3197955".into()),
        billing_mode: Some(i.billing_mode.to_string()),
        usage_quantity: i.usage_quantity.map(|q| q.to_string()),
        usage_description: i.usage_description.clone(),
        status: i.status.to_string(),
        description: Some(i.description.clone()),
        due_date: Some(iso(i.due_date)),
        paid_at: i.paid_at.map(iso),
        voided_at: i.voided_at.map(iso),
        attempt_count: Some(i.charge_attempts.len() as u64),
        next_payment_attempt: (i.status == "OPEN" && !i.charge_attempts.is_empty())
            .then(|| super::tick::next_attempt(i.due_date, i.charge_attempts.len()))
            .flatten()
            .map(iso),
        processing: Some(false),
        metadata: no_metadata(),
        created_at: Some(iso(i.created)),
        updated_at: Some(iso(i.paid_at.or(i.voided_at).unwrap_or(i.created))),
        charge_attempts: i
            .charge_attempts
            .iter()
            .map(|a| wire::ChargeAttempt {
                uid: a.uid.clone(),
                amount: amount(i.amount, i.currency),
                currency: i.currency.code().to_string(),
                status: a.status.to_string(),
                transaction_hash: a.transaction_hash.clone(),
                chain: Some("BEP20".into()),
                failure_reason: a.failure_reason.clone(),
                processed_at: Some(iso(a.processed_at)),
            })
            .collect(),
    }
}

pub fn checkout(state: &State, c: &CheckoutSession) -> wire::CheckoutSession {
    wire::CheckoutSession {
        uid: c.uid.clone(),
        status: c.status.to_string(),
        approval_url: Some(format!("{}/pay/{}", state.public_base, c.uid)),
        billing_mode: Some(if c.price_uid.is_some() { "FIXED" } else { "METERED" }.to_string()),
        price_uid: c.price_uid.clone(),
        subscription_uid: Some(c.subscription_uid.clone()),
        customer: state.customers.get(c.customer).map(customer),
        success_url: Some(c.success_url.clone()),
        cancel_url: c.cancel_url.clone(),
        expires_at: Some(iso(c.expires_at)),
        completed_at: c.completed_at.map(iso),
        created_at: Some(iso(c.created)),
    }
}
