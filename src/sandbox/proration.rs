//! The sandbox's own proration of a plan change, written from the providers' documentation and
//! never from the client's local estimate (`billing::estimate`), so that "the charge equals the
//! preview" compares two independent implementations.
//!
//! What the references say: Kelviq charges "the prorated difference" when a change applies
//! immediately; Zenskar bills an amendment by the day (credit for the unused old phase, charge
//! for the rest of the period on the new one); KuvarPay documents nothing and follows the same
//! calendar-day rule [inferred]. The rule here: whole calendar days from the change date to the
//! end of the current period over the days in that period; each line computed exactly
//! (amount × days ÷ period days) and rounded half away from zero to the currency's minor unit.
//! A change of billing period restarts the period on the change date: the new plan's full
//! price is charged for a new period from then.

use chrono::NaiveDate;
use rust_decimal::{Decimal, RoundingStrategy};

use crate::billing::{ChargePeriod, Currency};

/// The plan in force: what one period costs and the period's dates (`end` exclusive).
#[derive(Clone, Copy, Debug)]
pub struct Term {
    pub amount: Decimal,
    pub start: NaiveDate,
    pub end: NaiveDate,
}

/// What a change bills on `on` (lines already rounded) and when the next regular invoice is.
#[derive(Clone, Debug, PartialEq)]
pub struct Proration {
    pub days_left: i64,
    pub days_in_period: i64,
    /// Zero or negative: the unused part of the old plan.
    pub credit: Decimal,
    /// The new plan until `charged_until` (exclusive).
    pub charge: Decimal,
    pub charged_until: NaiveDate,
    /// The new plan's first full period starts here.
    pub next_start: NaiveDate,
}

impl Proration {
    /// What the change bills now: positive is charged, negative is credited.
    pub fn net(&self) -> Decimal {
        self.charge + self.credit
    }
}

/// `amount × part ÷ whole`, exact until the one rounding to the currency's minor unit.
fn share(amount: Decimal, part: i64, whole: i64, currency: Currency) -> Option<Decimal> {
    let exact = amount.checked_mul(Decimal::from(part))?.checked_div(Decimal::from(whole))?;
    Some(exact.round_dp_with_strategy(currency.exponent(), RoundingStrategy::MidpointAwayFromZero))
}

fn round(amount: Decimal, currency: Currency) -> Decimal {
    amount.round_dp_with_strategy(currency.exponent(), RoundingStrategy::MidpointAwayFromZero)
}

/// Prorates moving from `old` to a plan costing `new_amount` per `new_period`, on `on`. None
/// when the arithmetic overflows or the period has no end.
pub fn prorate(
    old: Term,
    new_amount: Decimal,
    new_period: ChargePeriod,
    same_period: bool,
    on: NaiveDate,
    currency: Currency,
) -> Option<Proration> {
    let days_in_period = (old.end - old.start).num_days();
    if days_in_period <= 0 {
        // A period of no length leaves nothing unused and nothing to prorate.
        return Some(Proration {
            days_left: 0,
            days_in_period: 0,
            credit: Decimal::ZERO,
            charge: round(new_amount, currency),
            charged_until: new_period.advance(on)?,
            next_start: new_period.advance(on)?,
        });
    }
    let days_left = (old.end - on).num_days().clamp(0, days_in_period);
    let credit = -share(old.amount, days_left, days_in_period, currency)?;
    let (charge, charged_until) = if same_period {
        (share(new_amount, days_left, days_in_period, currency)?, old.end)
    } else {
        (round(new_amount, currency), new_period.advance(on)?)
    };
    Some(Proration { days_left, days_in_period, credit, charge, charged_until, next_start: charged_until })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    fn dec(s: &str) -> Decimal {
        s.parse().unwrap()
    }

    #[test]
    fn an_upgrade_halfway_through_charges_half_the_difference() {
        let old = Term { amount: dec("19.00"), start: d(2026, 4, 1), end: d(2026, 5, 1) };
        let p = prorate(old, dec("79.00"), ChargePeriod::Monthly, true, d(2026, 4, 16), Currency::USD).unwrap();
        assert_eq!((p.days_left, p.days_in_period), (15, 30));
        assert_eq!((p.credit, p.charge, p.net()), (dec("-9.50"), dec("39.50"), dec("30.00")));
        assert_eq!((p.charged_until, p.next_start), (d(2026, 5, 1), d(2026, 5, 1)));
    }

    #[test]
    fn an_exact_half_minor_unit_rounds_away_from_zero() {
        // 0.15 × 1 ÷ 30 is exactly 0.005: a fraction computed first (1/30 ≈ 0.0333…) would
        // give 0.004999… and round to 0.00.
        let old = Term { amount: dec("0.15"), start: d(2026, 4, 1), end: d(2026, 5, 1) };
        let p = prorate(old, dec("0.15"), ChargePeriod::Monthly, true, d(2026, 4, 30), Currency::USD).unwrap();
        assert_eq!((p.credit, p.charge), (dec("-0.01"), dec("0.01")));
    }

    #[test]
    fn a_new_period_charges_the_full_price_from_the_change_date() {
        let old = Term { amount: dec("19.00"), start: d(2026, 4, 1), end: d(2026, 5, 1) };
        let p = prorate(old, dec("190.00"), ChargePeriod::Yearly, false, d(2026, 4, 11), Currency::USD).unwrap();
        assert_eq!((p.credit, p.charge), (dec("-12.67"), dec("190.00")));
        assert_eq!(p.next_start, d(2027, 4, 11));
    }

    #[test]
    fn zero_decimal_currencies_round_to_whole_units() {
        let old = Term { amount: dec("1000"), start: d(2026, 4, 1), end: d(2026, 5, 1) };
        let p =
            prorate(old, dec("3000"), ChargePeriod::Monthly, true, d(2026, 4, 21), Currency::from_code("JPY").unwrap())
                .unwrap();
        assert_eq!((p.credit, p.charge), (dec("-333"), dec("1000")));
    }
}
