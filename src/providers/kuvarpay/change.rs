//! The local preview of a KuvarPay plan change, shaped to what KuvarPay then bills: it pulls
//! charges from the customer's wallet authorization and has no credit balance, so a change
//! that would earn a credit charges nothing, and a change during a trial charges nothing until
//! the trial ends (notes/kuvarpay.md, "Subscription changes").

use chrono::NaiveDate;
use rust_decimal::Decimal;

use super::KUVARPAY;
use crate::billing::{
    ChangeTiming, Estimate, EstimateLine, EstimateSource, Invoice, Plan, PlanChange, Subscription, SubscriptionStatus,
};
use crate::providers::{ProviderError, Result, local_change_estimate};

/// KuvarPay applies a new price at once (`PATCH price_id`); nothing else is offered.
pub fn check_timing(change: &PlanChange) -> Result<()> {
    match change.timing {
        ChangeTiming::Immediately => Ok(()),
        ChangeTiming::AtPeriodEnd => {
            Err(ProviderError::unsupported(KUVARPAY, "scheduling a plan change for the period end"))
        }
        ChangeTiming::Auto => Err(ProviderError::unsupported(KUVARPAY, "choosing the change timing automatically")),
    }
}

/// What changing `current` as `change` bills now and next, as the sandbox (and, inferred,
/// KuvarPay) charges it.
pub fn estimate(current: &Subscription, plans: &[Plan], change: &PlanChange, today: NaiveDate) -> Result<Estimate> {
    check_timing(change)?;
    let full = local_change_estimate(current, plans, change)?;
    if current.status == SubscriptionStatus::Trialing {
        return in_trial(current, full, today);
    }
    if !full.current_invoice.total.is_negative() {
        return Ok(full);
    }
    let currency = full.current_invoice.total.currency();
    let credit = full.current_invoice.total.negated();
    let line = EstimateLine {
        description: format!("No refund: {credit} for the unused time is not returned (KuvarPay credits nothing)"),
        quantity: Decimal::ONE,
        amount: crate::billing::Money::zero(currency),
        period_start: Some(today),
        period_end: full.current_invoice.lines.first().and_then(|l| l.period_end),
    };
    let current_invoice = Invoice::from_lines(Some(today), vec![line], currency)
        .map_err(|e| ProviderError::invalid(KUVARPAY, e.to_string()))?;
    Ok(Estimate { current_invoice, ..full })
}

/// A trial just switches price: nothing now, the new price when the trial ends.
fn in_trial(current: &Subscription, full: Estimate, today: NaiveDate) -> Result<Estimate> {
    let trial_end = current.current_period_end.map(|d| d.date_naive());
    let money_error = |e: crate::billing::MoneyError| ProviderError::invalid(KUVARPAY, e.to_string());
    let currency = full.current_invoice.total.currency();
    let next_invoice = match full.next_invoice {
        Some(next) => {
            let lines = next
                .lines
                .into_iter()
                .map(|l| EstimateLine { period_start: trial_end.or(l.period_start), period_end: None, ..l })
                .collect();
            Some(Invoice::from_lines(trial_end.or(next.date), lines, currency).map_err(money_error)?)
        }
        None => None,
    };
    Ok(Estimate {
        source: EstimateSource::Local,
        current_invoice: Invoice::from_lines(Some(today), Vec::new(), currency).map_err(money_error)?,
        next_invoice,
        effective_date: Some(today),
        credit_note: false,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::billing::{ChargePeriod, Currency, Money, Price, PriceKind, ProviderKind};
    use chrono::{Duration, TimeZone, Utc};

    fn plan(id: &str, amount: &str) -> Plan {
        Plan {
            issues: Vec::new(),
            provider: ProviderKind::KuvarPay,
            id: id.into(),
            name: id.into(),
            description: None,
            product: None,
            prices: vec![Price {
                id: Some(format!("{id}_m")),
                kind: PriceKind::Paid,
                period: ChargePeriod::Monthly,
                amount: Money::parse(amount, Currency::USD).unwrap(),
                trial_days: None,
            }],
            features: Vec::new(),
        }
    }

    fn sub(status: SubscriptionStatus, amount: &str) -> Subscription {
        let now = Utc::now();
        Subscription {
            issues: Vec::new(),
            provider: ProviderKind::KuvarPay,
            id: "sub_1".into(),
            customer_id: "a@b.c".into(),
            plan_id: Some("pro".into()),
            plan_name: Some("Pro".into()),
            status,
            raw_status: String::new(),
            amount: Some(Money::parse(amount, Currency::USD).unwrap()),
            period: ChargePeriod::Monthly,
            started_on: None,
            current_period_start: Some(now - Duration::days(10)),
            current_period_end: Some(now + Duration::days(20)),
            ends_on: None,
            canceled_at: None,
            trial_days_remaining: None,
            pending_change: None,
            features: Vec::new(),
        }
    }

    fn change(plan: &str, timing: ChangeTiming) -> PlanChange {
        PlanChange { plan_id: plan.into(), period: ChargePeriod::Monthly, price_id: None, timing, features: vec![] }
    }

    #[test]
    fn downgrades_charge_nothing_and_upgrades_keep_the_proration() {
        let plans = [plan("starter", "10"), plan("business", "90")];
        let today = Utc::now().date_naive();
        let current = sub(SubscriptionStatus::Active, "30");
        let down = estimate(&current, &plans, &change("starter", ChangeTiming::Immediately), today).unwrap();
        assert!(down.current_invoice.total.is_zero(), "{:?}", down.current_invoice);
        assert!(down.current_invoice.lines[0].description.starts_with("No refund"));
        assert_eq!(down.next_invoice.unwrap().total.to_string(), "$10.00");
        let up = estimate(&current, &plans, &change("business", ChangeTiming::Immediately), today).unwrap();
        assert!(
            !up.current_invoice.total.is_negative() && !up.current_invoice.total.is_zero(),
            "{:?}",
            up.current_invoice
        );
    }

    #[test]
    fn a_trial_switches_price_for_the_first_invoice_only() {
        let plans = [plan("business", "90")];
        let current = sub(SubscriptionStatus::Trialing, "30");
        let today = Utc.with_ymd_and_hms(2026, 3, 1, 0, 0, 0).unwrap().date_naive();
        let e = estimate(&current, &plans, &change("business", ChangeTiming::Immediately), today).unwrap();
        assert!(e.current_invoice.total.is_zero() && e.current_invoice.lines.is_empty());
        let next = e.next_invoice.unwrap();
        assert_eq!(
            (next.date, next.total.to_string()),
            (current.current_period_end.map(|d| d.date_naive()), "$90.00".into())
        );
    }

    #[test]
    fn only_immediate_changes_are_offered() {
        let plans = [plan("business", "90")];
        let current = sub(SubscriptionStatus::Active, "30");
        let today = Utc::now().date_naive();
        for timing in [ChangeTiming::AtPeriodEnd, ChangeTiming::Auto] {
            let err = estimate(&current, &plans, &change("business", timing), today).unwrap_err();
            assert_eq!(err.kind, crate::providers::ErrorKind::Unsupported, "{timing:?}");
        }
    }
}
