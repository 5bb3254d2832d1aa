//! Kelviq wire types → billing model. Pure functions, tested with the spec's examples.

use std::borrow::Cow;
use std::collections::BTreeMap;

use chrono::{DateTime, NaiveDate, Utc};
use rust_decimal::Decimal;
use serde_json::Value;

use super::wire;
use crate::billing::{
    ChargePeriod, Currency, Customer, Entitlement, EntitlementKind, IntervalUnit, Money, Plan, PlanFeature, Price,
    PriceKind, ProviderKind, RowIssue, Subscription, SubscriptionStatus,
};
use crate::providers::decode::fit_u32;
use crate::providers::{ErrorKind, ProviderError};

const KELVIQ: ProviderKind = ProviderKind::Kelviq;

pub fn customer(c: wire::CustomerResponse) -> Customer {
    listed_customer(wire::ListedCustomer {
        id: c.id.into(),
        customer_id: c.customer_id.into(),
        name: c.name.map(Cow::Owned),
        email: c.email.map(Cow::Owned),
        metadata: c.metadata,
        created_on: c.created_on.map(Cow::Owned),
        ..Default::default()
    })
}

/// [`customer`] for a row of a customers page read in place.
pub fn listed_customer(c: wire::ListedCustomer<'_>) -> Customer {
    Customer {
        provider: KELVIQ,
        id: c.customer_id.into_owned(),
        alt_id: (!c.id.is_empty()).then(|| c.id.into_owned()),
        name: c.name.map(Cow::into_owned),
        email: c.email.map(Cow::into_owned),
        created_at: c.created_on.as_deref().and_then(parse_datetime),
        metadata: c.metadata.unwrap_or_default(),
        issues: Vec::new(),
    }
}

/// ISO 8601 with or without offset (Kelviq's examples use both `Z` and naive forms).
pub fn parse_datetime(s: &str) -> Option<DateTime<Utc>> {
    DateTime::parse_from_rfc3339(s)
        .map(|d| d.with_timezone(&Utc))
        .ok()
        .or_else(|| chrono::NaiveDateTime::parse_from_str(s, "%Y-%m-%dT%H:%M:%S%.f").ok().map(|n| n.and_utc()))
        .or_else(|| chrono::NaiveDateTime::parse_from_str(s, "%Y-%m-%d %H:%M:%S%.f").ok().map(|n| n.and_utc()))
}

pub fn parse_date(s: &str) -> Option<NaiveDate> {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").ok().or_else(|| parse_datetime(s).map(|d| d.date_naive()))
}

pub fn status(raw: &str) -> SubscriptionStatus {
    match raw.to_ascii_lowercase().as_str() {
        "active" => SubscriptionStatus::Active,
        "trialing" => SubscriptionStatus::Trialing,
        "past_due" => SubscriptionStatus::PastDue,
        "incomplete" => SubscriptionStatus::Incomplete,
        "incomplete_expired" => SubscriptionStatus::Expired,
        "canceled" | "cancelled" => SubscriptionStatus::Canceled,
        "superseded" => SubscriptionStatus::Superseded,
        _ => SubscriptionStatus::Unknown,
    }
}

/// `recurrenceType` + `recurrenceUnit` (MONTH/3) → period; `billingType` ONE_TIME wins.
pub fn period(
    billing_type: Option<&str>,
    recurrence_type: Option<&str>,
    unit: Option<u32>,
    recurrence: Option<&str>,
) -> ChargePeriod {
    if billing_type.is_some_and(|b| b.eq_ignore_ascii_case("ONE_TIME")) {
        return ChargePeriod::OneTime;
    }
    let count = unit.unwrap_or(1).max(1);
    let kind = recurrence_type.or(recurrence).unwrap_or("").to_ascii_uppercase();
    let interval = match kind.as_str() {
        "DAY" => IntervalUnit::Day,
        "WEEK" => IntervalUnit::Week,
        "MONTH" => IntervalUnit::Month,
        "YEAR" => IntervalUnit::Year,
        _ => return ChargePeriod::OneTime,
    };
    ChargePeriod::from_interval(interval, count)
}

pub fn subscription(s: wire::Subscription) -> Result<Subscription, ProviderError> {
    // An amount that cannot be read leaves the amount unknown and the row marked, not the list
    // broken: every other field of the subscription is still worth showing.
    let mut issues = Vec::new();
    let amount = match (&s.amount, &s.currency) {
        (Some(a), Some(c)) => match Currency::from_code(c) {
            Err(e) => {
                issues.push(RowIssue::new("currency", e.to_string()));
                None
            }
            Ok(currency) => {
                Money::parse(a, currency).map_err(|e| issues.push(RowIssue::new("amount", e.to_string()))).ok()
            }
        },
        _ => None,
    };
    let unit = s
        .recurrence_unit
        .map(|u| fit_u32(u, "recurrenceUnit"))
        .transpose()
        .map_err(|e| ProviderError::new(KELVIQ, ErrorKind::Decode, format!("subscription {}: {e}", s.id)))?;
    let trial_days_remaining = s.trial_days_remaining.and_then(|d| {
        fit_u32(d, "trialDaysRemaining").map_err(|e| issues.push(RowIssue::new("trialDaysRemaining", e))).ok()
    });
    Ok(Subscription {
        issues,
        provider: KELVIQ,
        period: period(s.billing_type.as_deref(), s.recurrence_type.as_deref(), unit, s.recurrence.as_deref()),
        status: status(&s.status),
        raw_status: s.status,
        plan_id: s.plan.as_ref().map(|p| p.identifier.clone()),
        plan_name: s.plan.map(|p| p.name),
        customer_id: s.customer_id,
        amount,
        started_on: s.start_date.as_deref().and_then(parse_date),
        current_period_start: s.billing_period_start_time.as_deref().and_then(parse_datetime),
        current_period_end: s.billing_period_end_time.as_deref().and_then(parse_datetime),
        ends_on: s.end_date.as_deref().and_then(parse_date),
        canceled_at: s.canceled_at.as_deref().and_then(parse_datetime),
        trial_days_remaining,
        pending_change: None,
        features: s.features.iter().filter_map(subscription_feature).collect(),
        id: s.id,
    })
}

/// One of a subscription's `features` as a grant: meters with their limit, CUSTOMIZABLE with
/// the value bought (seats), booleans only when granted.
fn subscription_feature(f: &wire::SubscriptionFeatureDetail) -> Option<PlanFeature> {
    let kind = match f.feature_type.to_ascii_uppercase().as_str() {
        "METER" => EntitlementKind::Meter {
            limit: f.value,
            used: 0,
            remaining: f.value,
            hard_limit: f.hard_limit.unwrap_or(false),
        },
        "CUSTOMIZABLE" => EntitlementKind::Customizable { value: f.value?.to_string() },
        _ if f.value.unwrap_or(0) == 0 => return None,
        _ => EntitlementKind::Boolean,
    };
    Some(PlanFeature { feature_id: f.identifier.clone(), name: Some(f.name.clone()).filter(|n| !n.is_empty()), kind })
}

/// The amount of a plan-level charge, read through [`wire::FlatPriceData`]. A FREE price may
/// leave it out (nothing to charge); any other charge without a readable amount cannot be
/// priced, and is refused rather than shown as free.
fn flat_amount(price_data: &Value, kind: PriceKind) -> Result<Decimal, String> {
    if kind == PriceKind::Free && price_data.get("amount").is_none_or(Value::is_null) {
        return Ok(Decimal::ZERO);
    }
    match serde_json::from_value::<wire::FlatPriceData>(price_data.clone()) {
        Ok(flat) => Ok(flat.amount),
        Err(e) if price_data.get("amount").is_none() => {
            Err(format!("a {kind:?} plan charge without an amount cannot be priced ({e})"))
        }
        Err(e) => Err(e.to_string()),
    }
}

/// One [`Price`] per (currency, charge period) from the plan's flat charges. Per-feature
/// charges (seats) are not prices of the plan itself and are skipped here. A price that cannot
/// be decoded is left out and named in the returned issues, so the plan keeps its other prices.
pub fn prices(raw: &[wire::PlanPrice]) -> (Vec<Price>, Vec<RowIssue>) {
    let mut out = Vec::new();
    let mut issues = Vec::new();
    for (i, p) in raw.iter().enumerate().filter(|(_, p)| p.enabled != Some(false)) {
        let at = format!("prices[{}]", p.id.as_deref().map_or_else(|| i.to_string(), str::to_string));
        match price_rows(p) {
            Ok(mut rows) => out.append(&mut rows),
            Err((path, message)) => issues.push(RowIssue::new(format!("{at}.{path}"), message)),
        }
    }
    (out, issues)
}

/// The prices one catalog price yields, or the path and reason of the value that failed.
fn price_rows(p: &wire::PlanPrice) -> Result<Vec<Price>, (String, String)> {
    let currency = Currency::from_code(&p.currency).map_err(|e| ("currency".to_string(), e.to_string()))?;
    let kind = match p.price_type.as_deref() {
        Some("FREE") => PriceKind::Free,
        Some("CUSTOM") => PriceKind::Custom,
        _ => PriceKind::Paid,
    };
    let trial_days = p
        .free_trial
        .unwrap_or(false)
        .then_some(p.trial_period)
        .flatten()
        .map(|d| fit_u32(d, "trialPeriod"))
        .transpose()
        .map_err(|e| ("trialPeriod".to_string(), e))?;
    let mut out = Vec::new();
    for (ci, ccp) in p.charge_catalog_price.iter().enumerate().filter(|(_, c)| c.feature.is_none()) {
        for (k, charge) in ccp.charges.iter().enumerate() {
            let period = ChargePeriod::parse(&charge.charge_period)
                .map_err(|e| (format!("chargeCatalogPrice[{ci}].charges[{k}].chargePeriod"), e.to_string()))?;
            let amount = flat_amount(&charge.price_data, kind)
                .map_err(|e| (format!("chargeCatalogPrice[{ci}].charges[{k}].priceData.amount"), e))?;
            out.push(Price { id: p.id.clone(), kind, period, amount: Money::new(amount, currency), trial_days });
        }
    }
    // A FREE price has no plan-level charge to read a period from: its chargeCatalogPrice is
    // empty or holds only feature-level charges (the spec's own example). The spec has free
    // plans take ONE_TIME, so it is a free one-time price.
    if kind == PriceKind::Free && out.is_empty() {
        out.push(Price {
            id: p.id.clone(),
            kind,
            period: ChargePeriod::OneTime,
            amount: Money::zero(currency),
            trial_days,
        });
    }
    Ok(out)
}

pub fn plan_feature(e: &wire::PlanFeatureEntitlement) -> PlanFeature {
    let value = &e.details.value;
    let kind = match e.feature.feature_type.as_str() {
        "METER" => {
            let limit = (!e.details.has_unlimited_usage.unwrap_or(false)).then(|| value.as_i64()).flatten();
            EntitlementKind::Meter {
                limit,
                used: 0,
                remaining: limit,
                hard_limit: e.details.hard_limit.unwrap_or(false),
            }
        }
        "CUSTOMIZABLE" => EntitlementKind::Customizable { value: json_scalar(value) },
        _ => EntitlementKind::Boolean,
    };
    PlanFeature {
        feature_id: e.feature.identifier.clone(),
        name: Some(e.feature.name.clone()).filter(|n| !n.is_empty()),
        kind,
    }
}

pub fn plan(p: wire::CatalogPlan, prices: Vec<Price>, features: Vec<PlanFeature>, issues: Vec<RowIssue>) -> Plan {
    Plan {
        issues,
        provider: KELVIQ,
        id: p.identifier,
        name: p.name,
        description: p.description.filter(|d| !d.is_empty()),
        product: p.product,
        prices,
        features,
    }
}

fn json_scalar(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        Value::Null => String::new(),
        other => other.to_string(),
    }
}

/// Aggregates duplicate feature rows (a customer with several subscriptions) the way the
/// official SDKs do: meters sum limit and usage (`hasAccess` = remaining unknown or > 0),
/// booleans grant if any row grants, CUSTOMIZABLE values take the first row. Source: Kelviq's
/// Node SDK guide (`kelviq/docs`, `backend-integration/node-sdk.mdx`) and the Python SDK's
/// `kelviq_sdk/entitlements.py`, as recorded in ../shared/providers/kelviq-zenskar.md
/// ("Entitlements (Edge host)"). The edge API does not say which subscription a row comes
/// from, so the console names each plan's grant beside a merged figure
/// (`billing::attribution`).
pub fn entitlements(raw: Vec<wire::EntitlementDetail>, names: &BTreeMap<String, String>) -> Vec<Entitlement> {
    let mut order: Vec<String> = Vec::new();
    let mut merged: BTreeMap<String, Entitlement> = BTreeMap::new();
    for row in raw {
        let kind = match row.feature_type.to_ascii_uppercase().as_str() {
            "METER" => EntitlementKind::Meter {
                limit: row.usage_limit,
                used: row.current_usage.unwrap_or(0),
                remaining: row.remaining.or_else(|| row.usage_limit.map(|l| l - row.current_usage.unwrap_or(0))),
                hard_limit: row.hard_limit.unwrap_or(false),
            },
            // The spec gives CUSTOMIZABLE no value field; the value arrives as usageLimit [inferred].
            "CUSTOMIZABLE" => {
                EntitlementKind::Customizable { value: row.usage_limit.map(|v| v.to_string()).unwrap_or_default() }
            }
            _ => EntitlementKind::Boolean,
        };
        let entry = Entitlement {
            name: names.get(&row.feature_id).cloned(),
            feature_id: row.feature_id.clone(),
            has_access: row.has_access,
            kind,
            resets_at: row.reset_at.map(reset_at),
        };
        match merged.get_mut(&row.feature_id) {
            None => {
                order.push(row.feature_id.clone());
                merged.insert(row.feature_id, entry);
            }
            Some(existing) => merge_entitlement(existing, entry),
        }
    }
    order.into_iter().filter_map(|id| merged.remove(&id)).collect()
}

/// Kelviq's `resetAt` is `yyyy-MM-dd HH:mm:ss` with no zone ("not ISO 8601"), read as UTC as
/// its other times are; written as RFC 3339 like every provider's, so the console shows it as
/// every other time. A value in neither form is kept as sent.
fn reset_at(raw: String) -> String {
    parse_datetime(&raw).map_or(raw, |t| t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true))
}

fn merge_entitlement(existing: &mut Entitlement, new: Entitlement) {
    if let (
        EntitlementKind::Meter { limit, used, remaining, hard_limit },
        EntitlementKind::Meter { limit: l2, used: u2, hard_limit: h2, .. },
    ) = (&mut existing.kind, &new.kind)
    {
        *limit = match (*limit, *l2) {
            (Some(a), Some(b)) => Some(a + b),
            _ => None, // one unlimited row makes the sum unlimited
        };
        *used += u2;
        *remaining = limit.map(|l| l - *used);
        *hard_limit = *hard_limit || *h2;
        existing.has_access = remaining.is_none_or(|r| r > 0) || !*hard_limit;
        return;
    }
    if matches!(existing.kind, EntitlementKind::Boolean) {
        existing.has_access = existing.has_access || new.has_access;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spec_subscription_example_maps() {
        let raw: wire::Subscription = serde_json::from_str(r#"{"id": "09d706ca-58f3-4fb2-818f-5b8623d67e6e", "externalSubscriptionId": "sub_1", "startDate": "2025-07-28", "endDate": null, "billingPeriodStartTime": "2025-07-28T10:46:34Z", "billingPeriodEndTime": "2025-08-28T10:46:34Z", "amount": "261.00", "recurrence": "month", "currency": "usd", "status": "active", "product": "Aphelo", "plan": {"name": "Premium", "identifier": "premium1"}, "features": [], "trialDaysRemaining": 0, "customerId": "testuser", "billingType": "SUBSCRIPTION", "recurrenceUnit": 1, "recurrenceType": "MONTH"}"#).unwrap();
        let s = subscription(raw).unwrap();
        assert_eq!(s.amount.unwrap().to_string(), "$261.00");
        assert_eq!(s.period, ChargePeriod::Monthly);
        assert_eq!(s.status, SubscriptionStatus::Active);
        assert_eq!(s.plan_id.as_deref(), Some("premium1"));
        assert_eq!(s.current_period_end.unwrap().to_rfc3339(), "2025-08-28T10:46:34+00:00");
    }

    #[test]
    fn bad_currency_marks_the_subscription_row_instead_of_failing() {
        let raw: wire::Subscription =
            serde_json::from_str(r#"{"id":"s1","amount":"1.00","currency":"zzz","status":"active","customerId":"c"}"#)
                .unwrap();
        let s = subscription(raw).unwrap();
        assert_eq!((s.id.as_str(), s.amount), ("s1", None));
        assert_eq!(s.issues.len(), 1);
        assert_eq!(s.issues[0].path, "currency");
        assert!(s.issues[0].message.contains("\"zzz\""), "{}", s.issues[0]);
        // A currency the old hand-written table lacked now decodes.
        let raw: wire::Subscription = serde_json::from_str(
            r#"{"id":"s2","amount":"990.00","currency":"rub","status":"active","customerId":"c"}"#,
        )
        .unwrap();
        assert_eq!(subscription(raw).unwrap().amount.unwrap().to_string(), "RUB 990.00");
    }

    #[test]
    fn a_price_in_an_unknown_currency_is_dropped_and_named_the_others_stay() {
        let raw: Vec<wire::PlanPrice> = serde_json::from_str(r#"[
            {"id":"p1","priceType":"PAID","currency":"QQQ","chargeCatalogPrice":[{"feature":null,"charges":[{"chargePeriod":"MONTHLY","priceData":{"amount":5}}]}]},
            {"id":"p2","priceType":"PAID","currency":"KZT","chargeCatalogPrice":[{"feature":null,"charges":[{"chargePeriod":"MONTHLY","priceData":{"amount":2500}}]}]}]"#).unwrap();
        let (p, issues) = prices(&raw);
        assert_eq!(p.len(), 1);
        assert_eq!(p[0].amount.to_string(), "KZT 2,500.00");
        assert_eq!(issues.len(), 1);
        assert_eq!(issues[0].path, "prices[p1].currency");
    }

    /// A FREE price whose chargeCatalogPrice holds only feature-level charges (the spec's
    /// example `feature` uuid) is a free one-time price, not no price at all.
    #[test]
    fn free_price_with_only_feature_charges_is_a_free_one_time_price() {
        let raw: Vec<wire::PlanPrice> = serde_json::from_str(r#"[{"id":"df0b9da9-58c3-4d77-9b62-3f6e4c2b1ad0","priceType":"FREE","currency":"USD","freeTrial":false,"trialPeriod":0,"enabled":true,"chargeCatalogPrice":[{"feature":"3a3e92ab-90a3-4f43-8e87-9d4c8c5a9c01","priceModel":"FLAT","charges":[{"chargePeriod":"MONTHLY","priceData":{"amount":0}}]}]}]"#).unwrap();
        let (p, issues) = prices(&raw);
        assert!(issues.is_empty());
        assert_eq!(p.len(), 1);
        assert_eq!((p[0].kind, p[0].period, p[0].amount.is_zero()), (PriceKind::Free, ChargePeriod::OneTime, true));
    }

    #[test]
    fn periods_from_recurrence() {
        assert_eq!(period(None, Some("MONTH"), Some(3), None), ChargePeriod::ThreeMonths);
        assert_eq!(period(None, Some("DAY"), Some(28), None), ChargePeriod::TwentyEightDays);
        assert_eq!(period(None, None, None, Some("year")), ChargePeriod::Yearly);
        assert_eq!(period(Some("ONE_TIME"), Some("MONTH"), Some(1), None), ChargePeriod::OneTime);
    }

    #[test]
    fn prices_read_flat_charges_exactly() {
        let raw: Vec<wire::PlanPrice> = serde_json::from_str(r#"[{"id":"p1","priceType":"PAID","currency":"EUR","enabled":true,"chargeCatalogPrice":[{"feature":null,"priceModel":"FLAT","charges":[{"chargePeriod":"MONTHLY","priceData":{"amount":29.99}},{"chargePeriod":"QUARTERLY","priceData":{"amount":80}}]},{"feature":"f-uuid","priceModel":"FLAT","charges":[{"chargePeriod":"MONTHLY","priceData":{"amount":5}}]}]}]"#).unwrap();
        let (p, issues) = prices(&raw);
        assert!(issues.is_empty());
        assert_eq!(p.len(), 2);
        assert_eq!(p[0].amount.to_string(), "€29.99");
        assert_eq!(p[1].period, ChargePeriod::ThreeMonths);
    }

    /// A paid plan charge whose amount is missing or unreadable used to become a price of 0
    /// (a paid plan shown as free); it is now named, and the plan keeps its other prices.
    #[test]
    fn a_paid_charge_without_a_readable_amount_is_named_not_free() {
        let raw: Vec<wire::PlanPrice> = serde_json::from_str(r#"[
            {"id":"p1","priceType":"PAID","currency":"USD","chargeCatalogPrice":[{"feature":null,"priceModel":"TIERED","charges":[{"chargePeriod":"MONTHLY","priceData":{"currency":"usd"}}]}]},
            {"id":"p2","priceType":"PAID","currency":"USD","chargeCatalogPrice":[{"feature":null,"charges":[{"chargePeriod":"MONTHLY","priceData":{"amount":"lots"}}]}]},
            {"id":"p3","priceType":"FREE","currency":"USD","chargeCatalogPrice":[{"feature":null,"charges":[{"chargePeriod":"ONE_TIME","priceData":{}}]}]},
            {"id":"p4","priceType":"PAID","currency":"USD","chargeCatalogPrice":[{"feature":null,"charges":[{"chargePeriod":"YEARLY","priceData":{"amount":1e3}}]}]}]"#).unwrap();
        let (p, issues) = prices(&raw);
        let paths: Vec<&str> = issues.iter().map(|i| i.path.as_str()).collect();
        assert_eq!(
            paths,
            [
                "prices[p1].chargeCatalogPrice[0].charges[0].priceData.amount",
                "prices[p2].chargeCatalogPrice[0].charges[0].priceData.amount"
            ]
        );
        assert!(issues[0].message.contains("without an amount"), "{}", issues[0]);
        let amounts: Vec<String> = p.iter().map(|p| p.amount.to_string()).collect();
        assert_eq!(amounts, ["$0.00", "$1,000.00"]);
    }

    #[test]
    fn a_reset_without_a_zone_reads_as_utc_and_anything_else_as_sent() {
        let raw: Vec<wire::EntitlementDetail> = serde_json::from_str(r#"[
            {"featureId":"api","featureType":"METER","hasAccess":true,"usageLimit":100,"currentUsage":30,"resetAt":"2025-05-22 08:27:45"},
            {"featureId":"ev","featureType":"METER","hasAccess":true,"usageLimit":100,"currentUsage":30,"resetAt":"next month"}]"#).unwrap();
        let e = entitlements(raw, &BTreeMap::new());
        assert_eq!(e[0].resets_at.as_deref(), Some("2025-05-22T08:27:45Z"));
        assert_eq!(e[1].resets_at.as_deref(), Some("next month"));
    }

    #[test]
    fn duplicate_meter_rows_are_summed_like_the_sdks() {
        let raw: Vec<wire::EntitlementDetail> = serde_json::from_str(r#"[
            {"featureId":"api","featureType":"METER","hasAccess":true,"usageLimit":100,"currentUsage":30,"remaining":70,"hardLimit":true},
            {"featureId":"api","featureType":"METER","hasAccess":true,"usageLimit":50,"currentUsage":10,"remaining":40,"hardLimit":true},
            {"featureId":"sso","featureType":"BOOLEAN","hasAccess":false},
            {"featureId":"sso","featureType":"BOOLEAN","hasAccess":true},
            {"featureId":"flag","featureType":"FLAG","hasAccess":true,"resetAt":null}]"#).unwrap();
        let e = entitlements(raw, &BTreeMap::new());
        assert_eq!(e.len(), 3);
        assert_eq!(
            e[0].kind,
            EntitlementKind::Meter { limit: Some(150), used: 40, remaining: Some(110), hard_limit: true }
        );
        assert!(e[1].has_access);
        assert_eq!(e[2].kind, EntitlementKind::Boolean);
    }

    /// A JSON value for one field of a customer row: mostly what the spec allows there (`valid`),
    /// sometimes anything (a number for a string, an object for a date, a field left out), with
    /// escapes and non-ASCII text.
    fn field_value(valid: Vec<Value>) -> impl proptest::strategy::Strategy<Value = Option<Value>> {
        use proptest::prelude::*;
        let any = vec![
            Value::Null,
            serde_json::json!(7),
            serde_json::json!({"tier": 3}),
            serde_json::json!([1, {"a": null}]),
            serde_json::json!("text"),
        ];
        prop_oneof![
            6 => proptest::sample::select(valid).prop_map(Some),
            1 => proptest::sample::select(any).prop_map(Some),
            1 => Just(None),
        ]
    }

    fn text_values() -> Vec<Value> {
        [
            r#""gen_7_000121""#,
            r#""Nguy\u1ec5n \"q\" \\ \u001b]0;x\u0007""#,
            r#""2026-12-02T10:11:57.555355Z""#,
            r#""2026-12-02 10:11:57""#,
            r#""""#,
        ]
        .iter()
        .map(|t| serde_json::from_str(t).unwrap())
        .collect()
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(1024))]
        /// A customers page read in one pass must list what reading each row on its own
        /// lists: the same customer from a row both accept, and a refusal from a row either
        /// refuses (the page is then read row by row).
        #[test]
        fn a_row_read_in_place_is_the_row_read_on_its_own(
            strings in proptest::collection::vec(field_value(text_values()), 6),
            details in field_value(vec![serde_json::json!({}), serde_json::json!({"source": [1, "x"]})]),
            metadata in field_value(vec![Value::Null, serde_json::json!({}), serde_json::json!({"tier": "gold", "seats": "3"})]),
            address in field_value(vec![Value::Null, serde_json::json!({"country": "DE", "city": "K\u{f6}ln"})]),
        ) {
            let names = ["id", "customerId", "name", "email", "createdOn", "modifiedOn", "details", "metadata", "billingAddress"];
            let values = strings.into_iter().chain([details, metadata, address]);
            let row: serde_json::Map<String, Value> =
                names.iter().zip(values).filter_map(|(k, v)| v.map(|v| (k.to_string(), v))).collect();
            let text = Value::Object(row).to_string();
            let in_place = serde_json::from_str::<wire::ListedCustomer>(&text).map(listed_customer);
            let on_its_own = serde_json::from_str::<wire::CustomerResponse>(&text).map(customer);
            proptest::prop_assert_eq!(in_place.ok(), on_its_own.ok(), "{}", text);
        }
    }
}
