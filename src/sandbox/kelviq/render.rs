//! Kelviq records → wire JSON.

use chrono::{DateTime, NaiveDate, SecondsFormat, Utc};
use rust_decimal::Decimal;
use serde_json::Value;

use super::state::{Checkout, Customer, Feature, Order, Plan, State, Subscription};
use crate::billing::{ChargePeriod, IntervalUnit, Money};
use crate::providers::kelviq::wire;

pub fn iso(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Micros, true)
}

fn date(d: NaiveDate) -> String {
    d.format("%Y-%m-%d").to_string()
}

pub fn customer(c: &Customer) -> wire::CustomerResponse {
    wire::CustomerResponse {
        id: c.uuid.clone(),
        customer_id: c.customer_id.clone(),
        name: c.name.clone(),
        email: c.email.clone(),
        details: wire::empty_object(),
        metadata: Some(c.metadata.clone()),
        billing_address: c
            .country
            .as_ref()
            .map(|country| wire::BillingAddress { country: Some(country.clone()), ..Default::default() }),
        created_on: Some(iso(c.created)),
        modified_on: Some(iso(c.modified)),
    }
}

pub fn plan(p: &Plan) -> wire::CatalogPlan {
    wire::CatalogPlan {
        identifier: p.identifier.clone(),
        name: p.name.clone(),
        description: Some(p.description.clone()),
        product: Some(p.product_uuid.clone()),
        metadata: wire::empty_object(),
        version: Some(1),
        is_latest: Some(true),
        is_visible: Some(true),
        created_on: Some(iso(p.created)),
        modified_on: Some(iso(p.created)),
        ordering: None,
    }
}

/// The catalog's charge-period enum (ONE_TIME, DAILY, MONTHLY, QUARTERLY, YEARLY).
fn catalog_period(p: ChargePeriod) -> &'static str {
    match p {
        ChargePeriod::ThreeMonths => "QUARTERLY",
        ChargePeriod::Daily => "DAILY",
        ChargePeriod::Yearly => "YEARLY",
        ChargePeriod::OneTime => "ONE_TIME",
        _ => "MONTHLY",
    }
}

pub fn prices(p: &Plan) -> Vec<wire::PlanPrice> {
    p.price_ids
        .iter()
        .filter_map(|(code, id)| {
            let rows: Vec<_> = p.prices.iter().filter(|r| r.currency.code() == code).collect();
            let first = rows.first()?;
            let free = rows.iter().all(|r| r.amount.is_zero());
            let charges = rows
                .iter()
                .map(|r| wire::PlanCharge {
                    charge_period: catalog_period(r.period).to_string(),
                    // Null only if the amount cannot be a JSON number; the client then names it.
                    price_data: serde_json::to_value(wire::FlatPriceData { amount: r.amount }).unwrap_or(Value::Null),
                })
                .collect();
            Some(wire::PlanPrice {
                id: Some(id.clone()),
                price_type: Some(if free { "FREE" } else { "PAID" }.to_string()),
                currency: first.currency.code().to_string(),
                free_trial: Some(p.trial_days.is_some()),
                trial_period: Some(u64::from(p.trial_days.unwrap_or(0))),
                enabled: Some(true),
                tax_behavior: Some("EXCLUSIVE".into()),
                charge_catalog_price: vec![wire::PlanChargeCatalogPrice {
                    feature: None,
                    price_model: Some("FLAT".into()),
                    reset: None,
                    payment_type: Some("ADVANCE_COMMITMENT".into()),
                    charges,
                }],
            })
        })
        .collect()
}

pub fn catalog_feature(f: &Feature) -> wire::CatalogFeature {
    let details = f.unit.as_ref().map_or_else(wire::FeatureDetails::default, |unit| wire::FeatureDetails {
        feature_sub_type: Some("PRE_AGGREGATED_USAGE".into()),
        units: Some(wire::FeatureUnits { singular: unit.clone(), plural: format!("{unit}s") }),
    });
    wire::CatalogFeature {
        id: f.uuid.clone(),
        identifier: f.identifier.clone(),
        name: f.name.clone(),
        description: Some(String::new()),
        feature_type: f.type_name().to_string(),
        feature_details: serde_json::to_value(details).unwrap_or_else(|_| wire::empty_object()),
    }
}

pub fn plan_features(state: &State, p: &Plan) -> Vec<wire::PlanFeatureEntitlement> {
    p.grants
        .iter()
        .filter_map(|g| {
            let f = state.feature(&g.feature)?;
            let reset = meter_reset(f);
            Some(wire::PlanFeatureEntitlement {
                feature: catalog_feature(f),
                details: wire::PlanEntitlementDetails {
                    value: g.value.clone(),
                    has_unlimited_usage: Some(false),
                    reset,
                    hard_limit: Some(g.hard_limit),
                },
            })
        })
        .collect()
}

/// A one-time purchase has no billing period to end (inferred: Kelviq documents none; the
/// sandbox keeps a far end of its own only so that it never renews).
fn period_end(s: &Subscription) -> Option<String> {
    s.period.interval().map(|_| iso(s.period_end))
}

fn recurrence(p: ChargePeriod) -> (Option<&'static str>, Option<&'static str>, Option<u32>) {
    match p.interval() {
        None => (None, None, None),
        Some((unit, count)) => {
            let (word, upper) = match unit {
                IntervalUnit::Day => ("day", "DAY"),
                IntervalUnit::Week => ("week", "WEEK"),
                IntervalUnit::Month => ("month", "MONTH"),
                IntervalUnit::Year => ("year", "YEAR"),
            };
            (Some(word), Some(upper), Some(count))
        }
    }
}

/// A subscription's feature row: the catalog feature plus the value this subscription grants.
fn subscription_feature(
    f: &Feature,
    value: &Value,
    hard_limit: bool,
    modified: DateTime<Utc>,
) -> wire::SubscriptionFeatureDetail {
    let cf = catalog_feature(f);
    let units = f.unit.as_ref().map(|u| wire::FeatureUnits { singular: u.clone(), plural: format!("{u}s") });
    wire::SubscriptionFeatureDetail {
        id: cf.id,
        identifier: cf.identifier,
        name: cf.name,
        description: Some(String::new()),
        feature_type: cf.feature_type,
        details: wire::empty_object(),
        is_archived: Some(false),
        metadata: wire::empty_object(),
        modified_on: Some(iso(modified)),
        meter: wire::empty_object(),
        feature_details: Some(wire::FeatureDetails { feature_sub_type: None, units: Some(units.unwrap_or_default()) }),
        reset: meter_reset(f),
        reset_time: None,
        value: Some(value.as_i64().unwrap_or(i64::from(value.as_bool().unwrap_or(false)))),
        hard_limit: Some(hard_limit),
    }
}

fn meter_reset(f: &Feature) -> Option<String> {
    (f.kind == crate::sandbox::seed::SeedFeatureType::Meter).then(|| "EVERY_MONTH".to_string())
}

fn billing_type(p: ChargePeriod) -> String {
    if p == ChargePeriod::OneTime { "ONE_TIME" } else { "SUBSCRIPTION" }.to_string()
}

pub fn subscription(state: &State, s: &Subscription, today: NaiveDate) -> wire::Subscription {
    let plan = state.plan(&s.plan_id);
    let features = plan
        .map(|p| {
            state
                .granted(p, &s.quantities)
                .map(|(f, value, hard)| subscription_feature(f, &value, hard, p.created))
                .collect()
        })
        .unwrap_or_default();
    let (word, upper, unit) = recurrence(s.period);
    let trial_days =
        s.trial_end.filter(|_| s.status == "trialing").map_or(0, |t| (t.date_naive() - today).num_days().max(0));
    wire::Subscription {
        id: s.uuid.clone(),
        external_subscription_id: Some(s.external_id.clone()),
        start_date: Some(date(s.start_date)),
        end_date: s.end_date.map(date),
        billing_period_start_time: Some(iso(s.period_start)),
        billing_period_end_time: period_end(s),
        amount: Some(Money::new(s.amount, s.currency).to_decimal_string()),
        recurrence: Some(word.unwrap_or("one_time").to_string()),
        currency: Some(s.currency.code().to_lowercase()),
        status: s.effective_status(today).to_string(),
        product: Some(plan.map(|p| p.product_name.clone()).unwrap_or_default()),
        plan: Some(wire::SubscriptionPlan {
            name: plan.map(|p| p.name.clone()).unwrap_or_default(),
            identifier: s.plan_id.clone(),
        }),
        features,
        trial_days_remaining: Some(u64::try_from(trial_days).unwrap_or(0)),
        customer_id: s.customer_id.clone(),
        billing_type: Some(billing_type(s.period)),
        recurrence_unit: unit.map(u64::from),
        recurrence_type: upper.map(str::to_string),
        canceled_at: s.canceled_at.map(iso),
        cancellation_reason: s.canceled_at.map(|_| {
            if s.canceled_by_provider { "CANCELLED_BY_PROVIDER" } else { "CANCELLED_BY_MERCHANT" }.to_string()
        }),
        cancellation_feedback: s.cancellation_feedback.clone(),
        cancellation_comment: s.cancellation_comment.clone(),
    }
}

fn order_customer(state: &State, id: &str) -> wire::OrderCustomer {
    match state.customer(id) {
        Some(cu) => {
            wire::OrderCustomer { customer_id: cu.customer_id.clone(), name: cu.name.clone(), email: cu.email.clone() }
        }
        None => wire::OrderCustomer { customer_id: id.to_string(), name: None, email: None },
    }
}

fn session_order(o: &Order) -> wire::CheckoutSessionOrder {
    let money = |d| Money::new(d, o.currency).to_decimal_string();
    wire::CheckoutSessionOrder {
        id: o.id.clone(),
        status: o.status.clone(),
        paid_at: o.paid_at.map(iso),
        created_on: Some(iso(o.created)),
        billing_type: Some(o.billing_type.to_string()),
        is_trial: o.is_trial,
        amount_subtotal: Some(money(o.amount_total)),
        amount_discount: Some(money(Decimal::ZERO)),
        amount_tax: Some(money(Decimal::ZERO)),
        amount_total: Some(money(o.amount_total)),
        sale_currency: Some(o.currency.code().to_string()),
        sale_currency_symbol: Some(o.currency.symbol().unwrap_or("").to_string()),
        invoice_id: Some(o.invoice_id.clone()),
    }
}

fn session_subscription(s: &Subscription, today: NaiveDate) -> wire::CheckoutSessionSubscription {
    let (word, upper, unit) = recurrence(s.period);
    wire::CheckoutSessionSubscription {
        id: s.uuid.clone(),
        recurrence: word.map(str::to_string),
        billing_period_start_time: Some(iso(s.period_start)),
        billing_period_end_time: period_end(s),
        start_date: Some(date(s.start_date)),
        end_date: s.end_date.map(date),
        status: s.effective_status(today).to_string(),
        amount: Some(Money::new(s.amount, s.currency).to_decimal_string()),
        currency: Some(s.currency.code().to_lowercase()),
        trial_days_remaining: Some(0),
        billing_type: Some(billing_type(s.period)),
        recurrence_unit: unit.map(u64::from),
        recurrence_type: upper.map(str::to_string),
    }
}

pub fn checkout_detail(state: &State, c: &Checkout, today: NaiveDate) -> wire::CheckoutSessionDetail {
    let selected = wire::SelectedData {
        plan_identifier: c.plan_id.clone(),
        charge_period: c.period.to_string(),
        features: c.quantities.clone(),
    };
    wire::CheckoutSessionDetail {
        id: c.id.clone(),
        customer: c.customer_id.as_deref().map(|id| order_customer(state, id)),
        currency: Some(c.currency.code().to_lowercase()),
        currency_symbol: Some(c.currency.symbol().unwrap_or("").to_string()),
        status: c.status.clone(),
        created_on: Some(iso(c.created)),
        selected_data: serde_json::to_value(selected).unwrap_or_else(|_| wire::empty_object()),
        metadata: serde_json::to_value(&c.metadata).unwrap_or_else(|_| wire::empty_object()),
        trial_period: Some(u64::from(state.plan(&c.plan_id).and_then(|p| p.trial_days).unwrap_or(0))),
        order: c.order.as_ref().map(session_order),
        subscription: c
            .subscription_id
            .as_deref()
            .and_then(|id| state.subscription(id))
            .map(|s| session_subscription(s, today)),
        // The sandbox's pay page takes one test card.
        payment_method: c.order.as_ref().map(|_| wire::OrderPaymentMethod {
            payment_method_type: "card".into(),
            payment_method_name: Some("visa".into()),
            last4: Some("4242".into()),
        }),
    }
}
