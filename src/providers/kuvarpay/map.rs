//! KuvarPay wire types → billing model. Pure functions; `now` is a parameter where the
//! result depends on it (trial days left), so tests are deterministic.

use std::collections::BTreeMap;

use chrono::{DateTime, NaiveDate, Utc};
use rust_decimal::Decimal;
use serde::Serialize;
use serde_json::Value;

use super::wire;
use crate::billing::{
    ChargePeriod, CheckoutSession, CheckoutStatus, Currency, Customer, IntervalUnit, InvoiceRecord, Money, Plan, Price,
    PriceKind, ProviderKind, Subscription, SubscriptionStatus, amount_due,
};
use crate::providers::decode::fit_u32;
use crate::providers::{ErrorKind, ProviderError};

const KUVARPAY: ProviderKind = ProviderKind::KuvarPay;

fn decode_error(message: String) -> ProviderError {
    ProviderError::new(KUVARPAY, ErrorKind::Decode, message)
}

/// RFC 3339, or the naive `YYYY-MM-DDTHH:MM:SS[.fff]` a Postgres timestamp column prints.
pub fn parse_datetime(s: &str) -> Option<DateTime<Utc>> {
    DateTime::parse_from_rfc3339(s)
        .map(|d| d.with_timezone(&Utc))
        .ok()
        .or_else(|| chrono::NaiveDateTime::parse_from_str(s, "%Y-%m-%dT%H:%M:%S%.f").ok().map(|n| n.and_utc()))
        .or_else(|| chrono::NaiveDateTime::parse_from_str(s, "%Y-%m-%d %H:%M:%S%.f").ok().map(|n| n.and_utc()))
        .or_else(|| {
            NaiveDate::parse_from_str(s, "%Y-%m-%d").ok().and_then(|d| d.and_hms_opt(0, 0, 0)).map(|n| n.and_utc())
        })
}

fn datetime(s: &Option<String>) -> Option<DateTime<Utc>> {
    s.as_deref().and_then(parse_datetime)
}

/// The backend's `SubscriptionStatus` enum; lower-case spellings accepted too.
pub fn status(raw: &str) -> SubscriptionStatus {
    match raw.trim().to_ascii_uppercase().as_str() {
        "ACTIVE" => SubscriptionStatus::Active,
        "TRIALING" => SubscriptionStatus::Trialing,
        // UNPAID keeps the subscription but its invoices stay open; closest is past due.
        "PAST_DUE" | "UNPAID" => SubscriptionStatus::PastDue,
        "CANCELED" | "CANCELLED" => SubscriptionStatus::Canceled,
        "INCOMPLETE" | "PENDING" => SubscriptionStatus::Incomplete,
        "INCOMPLETE_EXPIRED" | "EXPIRED" => SubscriptionStatus::Expired,
        "PAUSED" => SubscriptionStatus::Paused,
        _ => SubscriptionStatus::Unknown,
    }
}

/// The backend's `CheckoutStatus` enum, which subscription checkout sessions share.
pub fn checkout_status(raw: &str) -> CheckoutStatus {
    match raw.trim().to_ascii_uppercase().as_str() {
        "PENDING" | "ARMED" | "OPEN" => CheckoutStatus::Open,
        "PROCESSING" | "PARTIAL_PAYMENT" | "COMPLIANCE_HOLD" | "EXPIRED_WITH_PAYMENT_PROCESSING" => {
            CheckoutStatus::Processing
        }
        "COMPLETED" | "EXCESS_PAYMENT" | "COMPLETE" => CheckoutStatus::Complete,
        "EXPIRED" => CheckoutStatus::Expired,
        "CANCELLED" | "CANCELED" | "FAILED" | "REFUNDED" => CheckoutStatus::Canceled,
        _ => CheckoutStatus::Unknown,
    }
}

/// `MONTHLY` (backend enum) or `month`/`monthly` (the guide's create-price example), times
/// `interval_count`.
pub fn period(interval: &str, count: Option<u64>) -> Result<ChargePeriod, ProviderError> {
    let unit = match interval.trim().to_ascii_lowercase().as_str() {
        "daily" | "day" | "days" => IntervalUnit::Day,
        "weekly" | "week" | "weeks" => IntervalUnit::Week,
        "monthly" | "month" | "months" => IntervalUnit::Month,
        "yearly" | "year" | "years" | "annual" | "annually" => IntervalUnit::Year,
        _ => return Err(decode_error(format!("unknown billing interval {interval:?}"))),
    };
    let count = fit_u32(count.unwrap_or(1).max(1), "interval_count").map_err(decode_error)?;
    Ok(ChargePeriod::from_interval(unit, count))
}

pub fn money(amount: &str, currency: &str, what: &str) -> Result<Money, ProviderError> {
    let currency = Currency::from_code(currency).map_err(|e| decode_error(format!("{what}: {e}")))?;
    Money::parse(amount.trim(), currency).map_err(|e| decode_error(format!("{what} amount {amount:?}: {e}")))
}

pub fn price(p: &wire::Price) -> Result<Price, ProviderError> {
    let amount = money(&p.amount, &p.currency, &format!("price {}", p.uid))?;
    Ok(Price {
        id: Some(p.uid.clone()),
        kind: if amount.is_zero() { PriceKind::Free } else { PriceKind::Paid },
        period: period(&p.interval, p.interval_count)?,
        amount,
        trial_days: p
            .trial_period_days
            .filter(|d| *d > 0)
            .map(|d| fit_u32(d, "trial_period_days"))
            .transpose()
            .map_err(|e| decode_error(format!("price {}: {e}", p.uid)))?,
    })
}

/// A plan with its active prices; inactive prices cannot be sold, so they are left out.
pub fn plan(p: wire::Plan, prices: &[wire::Price]) -> Result<Plan, ProviderError> {
    let prices = prices.iter().filter(|pr| pr.active != Some(false)).map(price).collect::<Result<Vec<_>, _>>()?;
    Ok(Plan {
        issues: Vec::new(),
        provider: KUVARPAY,
        id: p.uid,
        name: p.name,
        description: p.description.filter(|d| !d.is_empty()),
        product: None,
        prices,
        features: Vec::new(),
    })
}

fn full_name(c: &wire::CustomerRef) -> Option<String> {
    let parts: Vec<&str> =
        [c.first_name.as_deref(), c.last_name.as_deref()].into_iter().flatten().filter(|s| !s.is_empty()).collect();
    (!parts.is_empty()).then(|| parts.join(" "))
}

/// A console customer from an embedded customer: addressed by e-mail (there is no customer
/// API to address it by uid), the uid kept as `alt_id`.
pub fn customer(c: &wire::CustomerRef, seen_at: Option<DateTime<Utc>>) -> Customer {
    let email = c.email.clone().filter(|e| !e.trim().is_empty());
    Customer {
        provider: KUVARPAY,
        id: email.clone().unwrap_or_else(|| c.uid.clone()),
        alt_id: (!c.uid.is_empty()).then(|| c.uid.clone()),
        name: full_name(c),
        email,
        created_at: datetime(&c.created_at).or(seen_at),
        metadata: BTreeMap::new(),
        issues: Vec::new(),
    }
}

/// The customer's key in the console: e-mail, else uid.
pub fn customer_key(c: &wire::CustomerRef) -> String {
    c.email.clone().filter(|e| !e.trim().is_empty()).unwrap_or_else(|| c.uid.clone())
}

fn subscription_amount(s: &wire::Subscription) -> Result<Option<Money>, ProviderError> {
    let what = format!("subscription {}", s.uid);
    match (&s.price, &s.amount, &s.currency) {
        (Some(p), _, _) => money(&p.amount, &p.currency, &what).map(Some),
        (None, Some(a), Some(c)) => money(a, c, &what).map(Some),
        _ => Ok(None),
    }
}

/// A METERED subscription need not belong to a plan (the merchant bills usage): it still gets
/// a name, not a blank or "?".
fn metered_name(s: &wire::Subscription) -> Option<String> {
    let metered = s.billing_mode.as_deref().is_some_and(|m| m.eq_ignore_ascii_case("METERED"));
    metered.then(|| "Metered billing (no plan)".to_string())
}

pub fn subscription(s: wire::Subscription, now: DateTime<Utc>) -> Result<Subscription, ProviderError> {
    let amount = subscription_amount(&s)?;
    // METERED subscriptions have no price (the merchant invoices usage); they bill monthly.
    let period = match &s.price {
        Some(p) => period(&p.interval, p.interval_count)?,
        None => ChargePeriod::Monthly,
    };
    let normalised = status(&s.status);
    let period_start = datetime(&s.current_period_start);
    let period_end = datetime(&s.current_period_end);
    let cancelled_at = datetime(&s.cancelled_at);
    let ends_on = match normalised {
        SubscriptionStatus::Canceled | SubscriptionStatus::Expired => {
            cancelled_at.or(period_end).map(|d| d.date_naive())
        }
        _ if s.cancel_at_period_end => period_end.map(|d| d.date_naive()),
        _ => None,
    };
    let trial_days_remaining = match (normalised, datetime(&s.trial_end)) {
        (SubscriptionStatus::Trialing, Some(end)) if end > now => {
            let secs = (end - now).num_seconds();
            Some(u32::try_from((secs + 86_399) / 86_400).unwrap_or(u32::MAX))
        }
        _ => None,
    };
    let created = datetime(&s.created_at);
    Ok(Subscription {
        issues: Vec::new(),
        provider: KUVARPAY,
        customer_id: s.customer.as_ref().map(customer_key).unwrap_or_default(),
        plan_id: s.plan.as_ref().map(|p| p.uid.clone()),
        plan_name: s.plan.as_ref().and_then(|p| p.name.clone()).or_else(|| metered_name(&s)),
        status: normalised,
        raw_status: s.status,
        amount,
        period,
        started_on: created.or(period_start).map(|d| d.date_naive()),
        current_period_start: period_start,
        current_period_end: period_end,
        ends_on,
        canceled_at: cancelled_at,
        trial_days_remaining,
        pending_change: None,
        features: Vec::new(),
        id: s.uid,
    })
}

pub fn checkout(c: wire::CheckoutSession) -> CheckoutSession {
    CheckoutSession {
        provider: KUVARPAY,
        status: checkout_status(&c.status),
        raw_status: c.status,
        url: c.approval_url,
        expires_at: datetime(&c.expires_at),
        customer_id: c.customer.as_ref().map(customer_key),
        customer_name: None,
        customer_email: None,
        subscription_id: c.subscription_uid,
        estimate: None,
        id: c.uid,
    }
}

/// A subscription invoice as the console shows it. KuvarPay-specific: the shared model has
/// no invoice history yet.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct SubscriptionInvoice {
    pub id: String,
    /// `invoice_id`, the `INV-…` number KuvarPay's own messages name the invoice by (the
    /// reference lists the field without saying what it holds: inferred).
    pub number: Option<String>,
    pub subscription_id: Option<String>,
    pub amount: Money,
    pub status: String,
    /// `FIXED` or `METERED`.
    pub billing_mode: Option<String>,
    pub usage_quantity: Option<Decimal>,
    pub description: Option<String>,
    pub due_date: Option<DateTime<Utc>>,
    pub paid_at: Option<DateTime<Utc>>,
    pub created_at: Option<DateTime<Utc>>,
    pub charge_attempts: usize,
    pub metadata: Value,
}

pub fn invoice(i: wire::SubscriptionInvoice) -> Result<SubscriptionInvoice, ProviderError> {
    let amount = money(&i.amount, &i.currency, &format!("invoice {}", i.uid))?;
    let usage_quantity = match i.usage_quantity.as_deref() {
        Some(q) => Some(
            q.trim()
                .parse::<Decimal>()
                .map_err(|_| decode_error(format!("invoice {}: usage_quantity {q:?} is not a number", i.uid)))?,
        ),
        None => None,
    };
    Ok(SubscriptionInvoice {
        number: i.invoice_id.filter(|n| !n.trim().is_empty()),
        subscription_id: i.subscription_id,
        amount,
        status: i.status,
        billing_mode: i.billing_mode,
        usage_quantity,
        description: i.description.or(i.usage_description),
        due_date: datetime(&i.due_date),
        paid_at: datetime(&i.paid_at),
        created_at: datetime(&i.created_at),
        charge_attempts: i.charge_attempts.len(),
        metadata: i.metadata,
        id: i.uid,
    })
}

/// A subscription invoice as the shared invoice list shows it. KuvarPay states no amount due:
/// an unpaid invoice owes its amount, a paid one nothing, and a void one nothing at all
/// (`billing::amount_due`), even though its `amount` still says what it billed.
pub fn invoice_record(i: SubscriptionInvoice, customer_id: &str, subscription_id: &str) -> InvoiceRecord {
    let stated = if i.paid_at.is_some() { Money::zero(i.amount.currency()) } else { i.amount };
    InvoiceRecord {
        issues: Vec::new(),
        provider: KUVARPAY,
        number: i.number,
        customer_id: Some(customer_id.to_string()),
        subscription_id: i.subscription_id.or_else(|| Some(subscription_id.to_string())),
        amount_due: amount_due(&i.status, Some(i.amount), Some(stated)),
        total: Some(i.amount),
        status: i.status,
        issued_on: i.created_at.map(|d| d.date_naive()),
        due_on: i.due_date.map(|d| d.date_naive()),
        url: None,
        id: i.id,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn sub(json: &str) -> wire::Subscription {
        serde_json::from_str(json).unwrap()
    }

    #[test]
    fn intervals_in_both_spellings() {
        assert_eq!(period("MONTHLY", Some(1)).unwrap(), ChargePeriod::Monthly);
        assert_eq!(period("month", None).unwrap(), ChargePeriod::Monthly);
        assert_eq!(period("month", Some(3)).unwrap(), ChargePeriod::ThreeMonths);
        assert_eq!(period("YEARLY", Some(1)).unwrap(), ChargePeriod::Yearly);
        assert_eq!(period("week", Some(2)).unwrap(), ChargePeriod::Every { unit: IntervalUnit::Week, count: 2 });
        assert_eq!(period("fortnight", None).unwrap_err().kind, ErrorKind::Decode);
        assert_eq!(wire::interval_name(ChargePeriod::Weekly), Some(("WEEKLY", 1)));
        assert_eq!(wire::interval_name(ChargePeriod::OneTime), None);
    }

    #[test]
    fn a_metered_subscription_without_a_plan_has_a_name() {
        let now = Utc.with_ymd_and_hms(2026, 12, 1, 0, 0, 0).unwrap();
        let s = subscription(sub(r#"{"uid":"s1","status":"ACTIVE","billing_mode":"METERED"}"#), now).unwrap();
        assert_eq!(s.plan_name.as_deref(), Some("Metered billing (no plan)"));
        let s = subscription(sub(r#"{"uid":"s2","status":"ACTIVE","billing_mode":"FIXED"}"#), now).unwrap();
        assert_eq!(s.plan_name, None, "a FIXED subscription without a plan is not called metered");
    }

    #[test]
    fn statuses_from_the_backend_enum() {
        assert_eq!(status("ACTIVE"), SubscriptionStatus::Active);
        assert_eq!(status("past_due"), SubscriptionStatus::PastDue);
        assert_eq!(status("UNPAID"), SubscriptionStatus::PastDue);
        assert_eq!(status("INCOMPLETE_EXPIRED"), SubscriptionStatus::Expired);
        assert_eq!(status("WHATEVER"), SubscriptionStatus::Unknown);
        assert_eq!(checkout_status("PENDING"), CheckoutStatus::Open);
        assert_eq!(checkout_status("COMPLETED"), CheckoutStatus::Complete);
        assert_eq!(checkout_status("EXPIRED"), CheckoutStatus::Expired);
    }

    #[test]
    fn subscription_with_price_and_scheduled_cancel() {
        let s = sub(
            r#"{"uid":"sub_1","status":"ACTIVE","customer":{"uid":"cus_1","email":"ada@example.ng","first_name":"Adébáyọ̀","last_name":"Ògúnlésì"},
            "plan":{"uid":"plan_pro","name":"Pro"},"price":{"uid":"price_1","amount":"25000.00","currency":"NGN","interval":"MONTHLY","interval_count":1},
            "current_period_start":"2025-03-01T00:00:00.000Z","current_period_end":"2025-04-01T00:00:00.000Z",
            "cancel_at_period_end":true,"created_at":"2025-01-01T10:00:00Z","unknown_field":[1,2]}"#,
        );
        let now = Utc.with_ymd_and_hms(2025, 3, 10, 0, 0, 0).unwrap();
        let m = subscription(s, now).unwrap();
        assert_eq!(m.customer_id, "ada@example.ng");
        assert_eq!(m.amount.unwrap().to_string(), "₦25,000.00");
        assert_eq!(m.period, ChargePeriod::Monthly);
        assert_eq!(m.ends_on, NaiveDate::from_ymd_opt(2025, 4, 1));
        assert!(m.cancel_scheduled());
        assert_eq!(m.started_on, NaiveDate::from_ymd_opt(2025, 1, 1));
    }

    #[test]
    fn trial_days_round_up_and_canceled_ends_when_cancelled() {
        let now = Utc.with_ymd_and_hms(2025, 3, 10, 12, 0, 0).unwrap();
        let trial = sub(
            r#"{"uid":"s","status":"TRIALING","trial_end":"2025-03-13T00:00:00Z","amount":"29.00","currency":"USD"}"#,
        );
        let m = subscription(trial, now).unwrap();
        assert_eq!(m.trial_days_remaining, Some(3));
        assert_eq!(m.period, ChargePeriod::Monthly, "no price: metered, monthly");
        assert_eq!(m.amount.unwrap().to_string(), "$29.00");
        let gone = sub(
            r#"{"uid":"s","status":"CANCELED","cancelled_at":"2025-03-02T08:00:00Z","current_period_end":"2025-04-01T00:00:00Z"}"#,
        );
        let m = subscription(gone, now).unwrap();
        assert_eq!(m.ends_on, NaiveDate::from_ymd_opt(2025, 3, 2));
        assert!(m.amount.is_none());
    }

    #[test]
    fn bad_currency_or_amount_is_a_decode_error_naming_the_subscription() {
        let now = Utc::now();
        let bad = sub(r#"{"uid":"sub_x","status":"ACTIVE","amount":"12,5","currency":"NGN"}"#);
        let err = subscription(bad, now).unwrap_err();
        assert_eq!(err.kind, ErrorKind::Decode);
        assert!(err.message.contains("sub_x"), "{}", err.message);
        let bad = sub(r#"{"uid":"sub_y","status":"ACTIVE","amount":"1.00","currency":"USDT"}"#);
        assert!(subscription(bad, now).unwrap_err().message.contains("USDT"));
    }

    #[test]
    fn customer_falls_back_to_uid_without_email() {
        let c = wire::CustomerRef { uid: "cus_9".into(), first_name: Some("山田".into()), ..Default::default() };
        let m = customer(&c, None);
        assert_eq!((m.id.as_str(), m.name.as_deref()), ("cus_9", Some("山田")));
    }

    #[test]
    fn invoice_with_usage() {
        let i: wire::SubscriptionInvoice = serde_json::from_str(
            r#"{"uid":"inv_1","subscription_id":"sub_1","amount":"1500.00","currency":"NGN","billing_mode":"METERED",
                "usage_quantity":"100","usage_description":"100 transactions","status":"OPEN","charge_attempts":[]}"#,
        )
        .unwrap();
        let m = invoice(i).unwrap();
        assert_eq!(m.usage_quantity, Some(Decimal::from(100)));
        assert_eq!(m.description.as_deref(), Some("100 transactions"));
    }

    fn listed(status: &str, paid_at: Option<&str>) -> InvoiceRecord {
        let paid = paid_at.map_or(String::new(), |t| format!(r#","paid_at":"{t}""#));
        let i: wire::SubscriptionInvoice = serde_json::from_str(&format!(
            r#"{{"uid":"sinv_1","invoice_id":"INV-RGK6FNLQNV","amount":"16.66","currency":"USD","status":"{status}"{paid}}}"#
        ))
        .unwrap();
        invoice_record(invoice(i).unwrap(), "ada@example.com", "sub_1")
    }

    #[test]
    fn a_listed_invoice_carries_kuvarpays_number_and_owes_nothing_once_void_or_paid() {
        let open = listed("OPEN", None);
        assert_eq!(open.number.as_deref(), Some("INV-RGK6FNLQNV"), "the number KuvarPay's messages name");
        assert_eq!(open.id, "sinv_1");
        assert_eq!(open.amount_due.map(|m| m.to_string()).as_deref(), Some("$16.66"));
        for (status, paid_at) in [("VOID", None), ("PAID", Some("2026-12-01T00:00:00Z"))] {
            let r = listed(status, paid_at);
            assert_eq!(r.amount_due.map(|m| m.to_string()).as_deref(), Some("$0.00"), "{status}");
            assert_eq!(r.total.map(|m| m.to_string()).as_deref(), Some("$16.66"), "{status}: what it billed");
        }
        let written_off = listed("UNCOLLECTIBLE", None);
        assert_eq!(written_off.amount_due.map(|m| m.to_string()).as_deref(), Some("$16.66"), "still unpaid");
    }
}
