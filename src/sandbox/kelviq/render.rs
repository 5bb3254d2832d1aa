//! Kelviq records → wire JSON.

use chrono::{DateTime, NaiveDate, SecondsFormat, Utc};
use serde_json::{Value, json};

use super::state::{Checkout, Customer, Feature, Plan, State, Subscription};
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
        details: json!({}),
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
        metadata: json!({}),
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

/// A decimal as a JSON number, as Kelviq's `priceData.amount` is typed.
fn json_number(d: rust_decimal::Decimal) -> Value {
    serde_json::from_str::<Value>(&d.normalize().to_string()).unwrap_or(Value::Null)
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
                    price_data: json!({"amount": json_number(r.amount)}),
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
    let details = match &f.unit {
        Some(unit) => {
            json!({"featureSubType": "PRE_AGGREGATED_USAGE", "units": {"singular": unit, "plural": format!("{unit}s")}})
        }
        None => json!({}),
    };
    wire::CatalogFeature {
        id: f.uuid.clone(),
        identifier: f.identifier.clone(),
        name: f.name.clone(),
        description: Some(String::new()),
        feature_type: f.type_name().to_string(),
        feature_details: details,
    }
}

pub fn plan_features(state: &State, p: &Plan) -> Vec<wire::PlanFeatureEntitlement> {
    p.grants
        .iter()
        .filter_map(|g| {
            let f = state.feature(&g.feature)?;
            let reset = (f.kind == crate::sandbox::seed::SeedFeatureType::Meter).then(|| "EVERY_MONTH".to_string());
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

pub fn subscription(state: &State, s: &Subscription, today: NaiveDate) -> Value {
    let plan = state.plan(&s.plan_id);
    let features: Vec<Value> = plan
        .map(|p| {
            state
                .granted(p, &s.quantities)
                .map(|(f, value, hard_limit)| {
                    let int_value = value.as_i64().unwrap_or(i64::from(value.as_bool().unwrap_or(false)));
                    let cf = catalog_feature(f);
                    json!({
                        "id": cf.id, "identifier": cf.identifier, "name": cf.name, "description": "", "featureType": cf.feature_type,
                        "details": {}, "isArchived": false, "metadata": {}, "modifiedOn": iso(p.created), "meter": {},
                        "featureDetails": {"units": {"plural": f.unit.as_ref().map(|u| format!("{u}s")).unwrap_or_default(), "singular": f.unit.clone().unwrap_or_default()}},
                        "reset": (f.kind == crate::sandbox::seed::SeedFeatureType::Meter).then_some("EVERY_MONTH"), "resetTime": null,
                        "value": int_value, "hardLimit": hard_limit,
                    })
                })
                .collect()
        })
        .unwrap_or_default();
    let (word, upper, unit) = recurrence(s.period);
    let trial_days =
        s.trial_end.filter(|_| s.status == "trialing").map_or(0, |t| (t.date_naive() - today).num_days().max(0));
    json!({
        "id": s.uuid,
        "externalSubscriptionId": s.external_id,
        "startDate": date(s.start_date),
        "endDate": s.end_date.map(date),
        "billingPeriodStartTime": iso(s.period_start),
        "billingPeriodEndTime": iso(s.period_end),
        "amount": Money::new(s.amount, s.currency).to_decimal_string(),
        "recurrence": word.unwrap_or("one_time"),
        "currency": s.currency.code().to_lowercase(),
        "status": s.effective_status(today),
        "product": plan.map(|p| p.product_name.clone()).unwrap_or_default(),
        "plan": {"name": plan.map(|p| p.name.clone()).unwrap_or_default(), "identifier": s.plan_id},
        "features": features,
        "trialDaysRemaining": trial_days,
        "customerId": s.customer_id,
        "billingType": if s.period == ChargePeriod::OneTime { "ONE_TIME" } else { "SUBSCRIPTION" },
        "recurrenceUnit": unit,
        "recurrenceType": upper,
        "files": [],
        "links": [],
        "license": [],
        "canceledAt": s.canceled_at.map(iso),
        "cancellationReason": s.canceled_at.map(|_| "CANCELLED_BY_MERCHANT"),
        "cancellationFeedback": s.cancellation_feedback,
        "cancellationComment": s.cancellation_comment,
    })
}

pub fn checkout_detail(state: &State, c: &Checkout, today: NaiveDate) -> Value {
    let customer = c.customer_id.as_deref().map(|id| match state.customer(id) {
        Some(cu) => json!({"customerId": cu.customer_id, "name": cu.name, "email": cu.email}),
        None => json!({"customerId": id, "name": null, "email": null}),
    });
    let money = |d| Money::new(d, c.currency).to_decimal_string();
    let order = c.order.as_ref().map(|o| {
        json!({
            "id": o.id, "status": o.status, "paidAt": o.paid_at.map(iso), "createdOn": iso(o.created), "billingType": o.billing_type,
            "isTrial": o.is_trial, "amountSubtotal": money(o.amount_total), "amountDiscount": money(rust_decimal::Decimal::ZERO),
            "amountTax": money(rust_decimal::Decimal::ZERO), "amountTotal": money(o.amount_total), "saleCurrency": o.currency.code(),
            "saleCurrencySymbol": o.currency.symbol().unwrap_or(""), "invoiceId": o.invoice_id,
        })
    });
    let subscription = c.subscription_id.as_deref().and_then(|id| state.subscription(id)).map(|s| {
        let (word, upper, unit) = recurrence(s.period);
        json!({
            "id": s.uuid, "recurrence": word, "billingPeriodStartTime": iso(s.period_start), "billingPeriodEndTime": iso(s.period_end),
            "startDate": date(s.start_date), "endDate": s.end_date.map(date), "status": s.effective_status(today),
            "amount": money(s.amount), "currency": s.currency.code().to_lowercase(), "trialDaysRemaining": 0,
            "billingType": if s.period == ChargePeriod::OneTime { "ONE_TIME" } else { "SUBSCRIPTION" },
            "recurrenceUnit": unit, "recurrenceType": upper,
        })
    });
    let payment_method =
        c.order.as_ref().map(|_| json!({"paymentMethodType": "card", "paymentMethodName": "visa", "last4": "4242"}));
    json!({
        "id": c.id,
        "customer": customer,
        "currency": c.currency.code().to_lowercase(),
        "currencySymbol": c.currency.symbol().unwrap_or(""),
        "status": c.status,
        "createdOn": iso(c.created),
        "selectedData": {"planIdentifier": c.plan_id, "chargePeriod": c.period.to_string(), "features": c.quantities},
        "offeringData": {},
        "data": {},
        "customFieldsData": {},
        "metadata": c.metadata,
        "customization": {},
        "trialPeriod": state.plan(&c.plan_id).and_then(|p| p.trial_days).unwrap_or(0),
        "order": order,
        "subscription": subscription,
        "paymentMethod": payment_method,
    })
}
