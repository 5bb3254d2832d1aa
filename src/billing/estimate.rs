//! Billing estimates: what a customer will be charged now and on the next invoice.
//!
//! Zenskar and Flowglad compute these themselves; for Kelviq and KuvarPay the console
//! computes them here and labels the result [`EstimateSource::Local`], so nobody mistakes
//! an approximation for a provider's quote.

use chrono::NaiveDate;
use rust_decimal::Decimal;
use serde::Serialize;

use super::currency::Currency;
use super::money::{Money, MoneyError};
use super::period::ChargePeriod;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum EstimateSource {
    /// Returned by the provider's own preview or estimate endpoint.
    Provider,
    /// Computed by till from catalog prices; the provider may round or prorate differently.
    Local,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct EstimateLine {
    pub description: String,
    pub quantity: Decimal,
    pub amount: Money,
    pub period_start: Option<NaiveDate>,
    pub period_end: Option<NaiveDate>,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Invoice {
    pub date: Option<NaiveDate>,
    pub lines: Vec<EstimateLine>,
    pub total: Money,
}

impl Invoice {
    /// Builds an invoice whose total is the sum of its lines, each rounded to the currency
    /// (providers round per line, so summing rounded lines matches what they bill).
    pub fn from_lines(
        date: Option<NaiveDate>,
        lines: Vec<EstimateLine>,
        currency: super::Currency,
    ) -> Result<Invoice, MoneyError> {
        let mut total = Money::zero(currency);
        for line in &lines {
            total = total.checked_add(&line.amount.rounded())?;
        }
        Ok(Invoice { date, lines, total })
    }
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Estimate {
    pub source: EstimateSource,
    pub current_invoice: Invoice,
    pub next_invoice: Option<Invoice>,
    /// When the change or purchase takes effect.
    pub effective_date: Option<NaiveDate>,
    /// A credit (a negative current total) is issued as a credit note, a document of its own
    /// that later invoices are not reduced by (Zenskar); said in the headline so the preview
    /// names where the money goes.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub credit_note: bool,
}

impl Estimate {
    /// What happens to money now, in words: a negative total is money going back to the
    /// customer, so it reads "Credit €…", never "Due now -€…". The CLI and console share it.
    pub fn headline(&self) -> String {
        let total = self.current_invoice.total;
        if total.is_negative() && self.credit_note {
            format!("Credit {} as a credit note (nothing due now)", total.negated())
        } else if total.is_negative() {
            format!("Credit {} (nothing due now)", total.negated())
        } else {
            format!("Due now {total}")
        }
    }
}

/// A price being bought: amount per period, times a quantity.
#[derive(Clone, Debug, PartialEq)]
pub struct PricedItem {
    pub description: String,
    pub unit_amount: Money,
    pub quantity: u32,
    pub period: ChargePeriod,
}

impl PricedItem {
    fn total(&self) -> Result<Money, MoneyError> {
        self.unit_amount.times(Decimal::from(self.quantity))
    }
}

/// The currency of an estimate: its first item's (items of one checkout share a currency).
fn items_currency(items: &[PricedItem]) -> Result<Currency, MoneyError> {
    items.first().map(|i| i.unit_amount.currency()).ok_or_else(|| MoneyError::Overflow("no items to estimate".into()))
}

/// Local estimate of a new purchase starting on `start`: the first period is charged now,
/// the next invoice repeats it at the period end (none for one-time charges).
pub fn estimate_purchase(items: &[PricedItem], start: NaiveDate) -> Result<Estimate, MoneyError> {
    let currency = items_currency(items)?;
    let mut now_lines = Vec::new();
    let mut next_lines = Vec::new();
    let mut next_date: Option<NaiveDate> = None;
    for item in items {
        let end = item.period.advance(start);
        now_lines.push(EstimateLine {
            description: item.description.clone(),
            quantity: Decimal::from(item.quantity),
            amount: item.total()?,
            period_start: Some(start),
            period_end: end,
        });
        if let Some(end) = end {
            next_date = Some(next_date.map_or(end, |d| d.min(end)));
            next_lines.push(EstimateLine {
                description: item.description.clone(),
                quantity: Decimal::from(item.quantity),
                amount: item.total()?,
                period_start: Some(end),
                period_end: item.period.advance(end),
            });
        }
    }
    let next_invoice =
        if next_lines.is_empty() { None } else { Some(Invoice::from_lines(next_date, next_lines, currency)?) };
    Ok(Estimate {
        source: EstimateSource::Local,
        current_invoice: Invoice::from_lines(Some(start), now_lines, currency)?,
        next_invoice,
        effective_date: Some(start),
        credit_note: false,
    })
}

/// Local estimate of a purchase from `start` that may end before a full period: a period cut
/// short by `end` is charged by calendar day (days used / days in that period). Without an
/// end this is [`estimate_purchase`].
pub fn estimate_purchase_until(
    items: &[PricedItem],
    start: NaiveDate,
    end: Option<NaiveDate>,
) -> Result<Estimate, MoneyError> {
    let Some(end) = end else { return estimate_purchase(items, start) };
    let currency = items_currency(items)?;
    let mut now_lines = Vec::new();
    let mut next_lines = Vec::new();
    let mut next_date: Option<NaiveDate> = None;
    for item in items {
        let (line, rest) = prorated_line(item, start, end)?;
        now_lines.push(line);
        if let Some(period_end) = rest {
            let (line, _) = prorated_line(item, period_end, end)?;
            next_date = Some(next_date.map_or(period_end, |d| d.min(period_end)));
            next_lines.push(line);
        }
    }
    let next_invoice =
        if next_lines.is_empty() { None } else { Some(Invoice::from_lines(next_date, next_lines, currency)?) };
    Ok(Estimate {
        source: EstimateSource::Local,
        current_invoice: Invoice::from_lines(Some(start), now_lines, currency)?,
        next_invoice,
        effective_date: Some(start),
        credit_note: false,
    })
}

/// The first day billed after a free trial of `days` starting on `start` (the trial's
/// exclusive end), or None past the calendar.
pub fn trial_end(start: NaiveDate, days: u32) -> Option<NaiveDate> {
    start.checked_add_days(chrono::Days::new(u64::from(days)))
}

/// A purchase whose first `trial_days` are free, as every provider here documents trials:
/// nothing is due on `start`, and the first period is charged when the trial ends (the
/// estimate of the same purchase starting then becomes the next invoice). Without a trial
/// (None or zero days) this is [`estimate_purchase_until`].
pub fn estimate_purchase_with_trial(
    items: &[PricedItem],
    start: NaiveDate,
    end: Option<NaiveDate>,
    trial_days: Option<u32>,
) -> Result<Estimate, MoneyError> {
    let Some(days) = trial_days.filter(|d| *d > 0) else { return estimate_purchase_until(items, start, end) };
    let billed_from =
        trial_end(start, days).ok_or_else(|| MoneyError::Overflow("the trial ends past the calendar".into()))?;
    let first = estimate_purchase_until(items, billed_from, end)?;
    Ok(with_trial(first, start, billed_from, days))
}

/// Nothing is due until the trial ends on `trial_end`; `first` (the purchase priced from
/// that day) becomes the next invoice.
pub fn with_trial(first: Estimate, start: NaiveDate, trial_end: NaiveDate, days: u32) -> Estimate {
    let zero = Money::zero(first.current_invoice.total.currency());
    let line = EstimateLine {
        description: format!("{days}-day free trial"),
        quantity: Decimal::ONE,
        amount: zero,
        period_start: Some(start),
        period_end: Some(trial_end),
    };
    Estimate {
        source: first.source,
        current_invoice: Invoice { date: Some(start), lines: vec![line], total: zero },
        next_invoice: Some(first.current_invoice),
        effective_date: Some(start),
        credit_note: false,
    }
}

/// The line for the period starting at `from`, cut at `end` and prorated by day when `end`
/// falls inside it; also the period's end when billing continues after it.
fn prorated_line(
    item: &PricedItem,
    from: NaiveDate,
    end: NaiveDate,
) -> Result<(EstimateLine, Option<NaiveDate>), MoneyError> {
    let full = item.total()?;
    let Some(period_end) = item.period.advance(from) else {
        let line = EstimateLine {
            description: item.description.clone(),
            quantity: Decimal::from(item.quantity),
            amount: full,
            period_start: Some(from),
            period_end: None,
        };
        return Ok((line, None));
    };
    if end >= period_end {
        let line = EstimateLine {
            description: item.description.clone(),
            quantity: Decimal::from(item.quantity),
            amount: full,
            period_start: Some(from),
            period_end: Some(period_end),
        };
        return Ok((line, (end > period_end).then_some(period_end)));
    }
    let days = (period_end - from).num_days().max(1);
    let used = (end - from).num_days().clamp(0, days);
    let amount = full.prorated(used, days)?;
    let line = EstimateLine {
        description: format!("{} ({used} of {days} days)", item.description),
        quantity: Decimal::from(item.quantity),
        amount,
        period_start: Some(from),
        period_end: Some(end),
    };
    Ok((line, None))
}

/// The subscription being changed, as far as proration needs it.
#[derive(Clone, Debug, PartialEq)]
pub struct CurrentTerm {
    pub description: String,
    pub amount: Money,
    pub period_start: NaiveDate,
    pub period_end: NaiveDate,
}

/// Local estimate of an immediate plan change on `today`, prorated by calendar day:
/// a credit for the unused part of the current period and, when the new price has the same
/// period, a charge for the rest of the current period at the new price (the anchor stays).
/// A different period restarts the billing anchor today and charges the full new price,
/// as Stripe-style engines do.
pub fn estimate_change(
    current: &CurrentTerm,
    new: &PricedItem,
    today: NaiveDate,
    same_period: bool,
) -> Result<Estimate, MoneyError> {
    let currency = current.amount.currency();
    let total_days = (current.period_end - current.period_start).num_days().max(1);
    let remaining_days = (current.period_end - today).num_days().clamp(0, total_days);
    let credit = current.amount.prorated(remaining_days, total_days)?.negated();
    let new_total = new.total()?;
    let mut lines = vec![EstimateLine {
        description: format!("Unused time on {} ({remaining_days} of {total_days} days)", current.description),
        quantity: Decimal::ONE,
        amount: credit,
        period_start: Some(today),
        period_end: Some(current.period_end),
    }];
    let (charge, next_start) = if same_period {
        (new_total.prorated(remaining_days, total_days)?, current.period_end)
    } else {
        (new_total, new.period.advance(today).unwrap_or(today))
    };
    let label = if same_period {
        format!("Remaining time on {} ({remaining_days} of {total_days} days)", new.description)
    } else {
        new.description.clone()
    };
    lines.push(EstimateLine {
        description: label,
        quantity: Decimal::from(new.quantity),
        amount: charge,
        period_start: Some(today),
        period_end: Some(if same_period { current.period_end } else { next_start }),
    });
    let next_lines = vec![EstimateLine {
        description: new.description.clone(),
        quantity: Decimal::from(new.quantity),
        amount: new_total,
        period_start: Some(next_start),
        period_end: new.period.advance(next_start),
    }];
    Ok(Estimate {
        source: EstimateSource::Local,
        current_invoice: Invoice::from_lines(Some(today), lines, currency)?,
        next_invoice: Some(Invoice::from_lines(Some(next_start), next_lines, currency)?),
        effective_date: Some(today),
        credit_note: false,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::billing::Currency;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    fn usd(s: &str) -> Money {
        Money::parse(s, Currency::USD).unwrap()
    }

    #[test]
    fn purchase_charges_first_period_and_repeats_next() {
        let items = [PricedItem {
            description: "Pro monthly".into(),
            unit_amount: usd("49.00"),
            quantity: 2,
            period: ChargePeriod::Monthly,
        }];
        let e = estimate_purchase(&items, d(2026, 1, 31)).unwrap();
        assert_eq!(e.source, EstimateSource::Local);
        assert_eq!(e.current_invoice.total, usd("98.00"));
        let next = e.next_invoice.unwrap();
        assert_eq!(next.date, Some(d(2026, 2, 28)));
        assert_eq!(next.total, usd("98.00"));
    }

    #[test]
    fn one_time_purchase_has_no_next_invoice() {
        let items = [PricedItem {
            description: "Lifetime".into(),
            unit_amount: usd("299"),
            quantity: 1,
            period: ChargePeriod::OneTime,
        }];
        assert!(estimate_purchase(&items, d(2026, 3, 1)).unwrap().next_invoice.is_none());
    }

    #[test]
    fn mid_period_upgrade_prorates_by_day() {
        // 30-day period, 15 days left: credit half of $30, charge half of $60.
        let current = CurrentTerm {
            description: "Starter".into(),
            amount: usd("30"),
            period_start: d(2026, 4, 1),
            period_end: d(2026, 5, 1),
        };
        let new = PricedItem {
            description: "Pro".into(),
            unit_amount: usd("60"),
            quantity: 1,
            period: ChargePeriod::Monthly,
        };
        let e = estimate_change(&current, &new, d(2026, 4, 16), true).unwrap();
        assert_eq!(e.current_invoice.lines[0].amount.rounded(), usd("-15.00"));
        assert_eq!(e.current_invoice.total, usd("15.00"));
        let next = e.next_invoice.unwrap();
        assert_eq!(next.date, Some(d(2026, 5, 1)));
        assert_eq!(next.total, usd("60.00"));
    }

    #[test]
    fn downgrade_yields_a_credit_and_period_switch_restarts_anchor() {
        let current = CurrentTerm {
            description: "Pro".into(),
            amount: usd("60"),
            period_start: d(2026, 4, 1),
            period_end: d(2026, 5, 1),
        };
        let cheaper = PricedItem {
            description: "Starter".into(),
            unit_amount: usd("30"),
            quantity: 1,
            period: ChargePeriod::Monthly,
        };
        let e = estimate_change(&current, &cheaper, d(2026, 4, 16), true).unwrap();
        assert!(e.current_invoice.total.is_negative());
        let yearly = PricedItem {
            description: "Pro yearly".into(),
            unit_amount: usd("600"),
            quantity: 1,
            period: ChargePeriod::Yearly,
        };
        let e = estimate_change(&current, &yearly, d(2026, 4, 16), false).unwrap();
        assert_eq!(e.current_invoice.total, usd("570.00"));
        assert_eq!(e.next_invoice.unwrap().date, Some(d(2027, 4, 16)));
    }

    /// Immediate same-period upgrades from $31 to $62 monthly on day 11 of months of every
    /// length: a credit of $31 and a charge of $62, each × days left / days in the period and
    /// rounded per line, as providers invoice them.
    #[test]
    fn proration_by_day_across_month_lengths() {
        let cases = [
            // (period start, period end, change day, days left, days in period, expected total)
            (d(2026, 2, 1), d(2026, 3, 1), d(2026, 2, 11), 18, 28, "19.93"), // 28-day February
            (d(2028, 2, 1), d(2028, 3, 1), d(2028, 2, 11), 19, 29, "20.31"), // leap-year February
            // 30-day April: −20.666… and +41.333… round per line to −20.67 and +41.33.
            (d(2026, 4, 1), d(2026, 5, 1), d(2026, 4, 11), 20, 30, "20.66"),
            (d(2026, 1, 1), d(2026, 2, 1), d(2026, 1, 11), 21, 31, "21.00"), // 31-day January
            (d(2026, 1, 15), d(2026, 2, 15), d(2026, 1, 31), 15, 31, "15.00"), // mid-period start of the term
        ];
        for (start, end, today, left, days, total) in cases {
            let current =
                CurrentTerm { description: "Basic".into(), amount: usd("31"), period_start: start, period_end: end };
            let new = PricedItem {
                description: "Plus".into(),
                unit_amount: usd("62"),
                quantity: 1,
                period: ChargePeriod::Monthly,
            };
            let e = estimate_change(&current, &new, today, true).unwrap();
            assert!(
                e.current_invoice.lines[0].description.contains(&format!("{left} of {days} days")),
                "{:?}",
                e.current_invoice.lines[0]
            );
            assert_eq!(e.current_invoice.total, usd(total), "{start}..{end} changed {today}");
            assert_eq!(e.next_invoice.unwrap().date, Some(end));
        }
    }

    /// The sandbox's proration rounds an exact half minor unit away from zero; so does the
    /// local estimate now that it multiplies before dividing (it used to give 0.00).
    #[test]
    fn an_exact_half_minor_unit_rounds_away_from_zero_as_the_sandbox_does() {
        let current = CurrentTerm {
            description: "Tiny".into(),
            amount: usd("0.15"),
            period_start: d(2026, 4, 1),
            period_end: d(2026, 5, 1),
        };
        let new = PricedItem {
            description: "Tiny+".into(),
            unit_amount: usd("0.15"),
            quantity: 1,
            period: ChargePeriod::Monthly,
        };
        let e = estimate_change(&current, &new, d(2026, 4, 30), true).unwrap();
        let lines: Vec<Money> = e.current_invoice.lines.iter().map(|l| l.amount.rounded()).collect();
        assert_eq!(lines, vec![usd("-0.01"), usd("0.01")], "0.15 × 1 ÷ 30 = 0.005 exactly");
    }

    #[test]
    fn purchases_cut_short_by_an_end_date_are_prorated_by_day() {
        let monthly = |amount: Money, quantity| PricedItem {
            description: "Seat".into(),
            unit_amount: amount,
            quantity,
            period: ChargePeriod::Monthly,
        };
        // 10 of 28 days of February, 3 seats at $30: 90 × 10/28 = 32.142… → $32.14.
        let e = estimate_purchase_until(&[monthly(usd("30"), 3)], d(2026, 2, 1), Some(d(2026, 2, 11))).unwrap();
        assert_eq!(e.current_invoice.total, usd("32.14"));
        assert!(e.next_invoice.is_none(), "the contract ends inside the first period");
        // Mid-month start running into the next period: a full first month, then 5 of the 28
        // days of Feb 15..Mar 15: 31 × 5/28 = 5.535… → $5.54.
        let e = estimate_purchase_until(&[monthly(usd("31"), 1)], d(2026, 1, 15), Some(d(2026, 2, 20))).unwrap();
        assert_eq!(e.current_invoice.total, usd("31.00"));
        let next = e.next_invoice.unwrap();
        assert_eq!((next.date, next.total), (Some(d(2026, 2, 15)), usd("5.54")));
        // JPY (0 decimals): ¥1,000 × 10/28 = 357.14 → ¥357. KWD (3 decimals): 3.000 × 10/28 = 1.071.
        let yen = estimate_purchase_until(
            &[monthly(Money::from_minor(1000, Currency::JPY), 1)],
            d(2026, 2, 1),
            Some(d(2026, 2, 11)),
        )
        .unwrap();
        assert_eq!(yen.current_invoice.total.to_string(), "¥357");
        let kwd = estimate_purchase_until(
            &[monthly(Money::parse("3.000", Currency::KWD).unwrap(), 1)],
            d(2026, 2, 1),
            Some(d(2026, 2, 11)),
        )
        .unwrap();
        assert_eq!(kwd.current_invoice.total.to_string(), "KWD 1.071");
        // Yearly across a leap day: 2028-01-01..2029-01-01 has 366 days; ending after 183 → half.
        let yearly = PricedItem {
            description: "Annual".into(),
            unit_amount: usd("366"),
            quantity: 2,
            period: ChargePeriod::Yearly,
        };
        let e = estimate_purchase_until(&[yearly], d(2028, 1, 1), Some(d(2028, 7, 2))).unwrap();
        assert_eq!(e.current_invoice.total, usd("366.00"));
        // No end date: the whole period, and the next invoice at the period end.
        let e = estimate_purchase_until(&[monthly(usd("30"), 2)], d(2026, 3, 31), None).unwrap();
        assert_eq!((e.current_invoice.total, e.next_invoice.unwrap().date), (usd("60.00"), Some(d(2026, 4, 30))));
    }

    /// A 14-day trial on a €18 monthly plan: €0.00 now, €18.00 on the day the trial ends,
    /// then monthly from there; no trial (None or 0 days) is the plain purchase.
    #[test]
    fn a_trial_charges_nothing_now_and_the_first_period_when_it_ends() {
        let eur = |s: &str| Money::parse(s, Currency::EUR).unwrap();
        let items = [PricedItem {
            description: "Starter (monthly)".into(),
            unit_amount: eur("18.00"),
            quantity: 1,
            period: ChargePeriod::Monthly,
        }];
        let e = estimate_purchase_with_trial(&items, d(2027, 1, 20), None, Some(14)).unwrap();
        assert_eq!((e.current_invoice.date, e.current_invoice.total), (Some(d(2027, 1, 20)), eur("0.00")));
        assert_eq!(e.current_invoice.lines[0].description, "14-day free trial");
        assert_eq!(e.current_invoice.lines[0].period_end, Some(d(2027, 2, 3)));
        let next = e.next_invoice.unwrap();
        assert_eq!((next.date, next.total), (Some(d(2027, 2, 3)), eur("18.00")));
        assert_eq!(next.lines[0].period_end, Some(d(2027, 3, 3)));
        assert_eq!(e.effective_date, Some(d(2027, 1, 20)));
        for none in [None, Some(0)] {
            let plain = estimate_purchase_with_trial(&items, d(2027, 1, 20), None, none).unwrap();
            assert_eq!(plain, estimate_purchase(&items, d(2027, 1, 20)).unwrap());
        }
        assert!(estimate_purchase_with_trial(&items, NaiveDate::MAX, None, Some(14)).is_err());
    }

    #[test]
    fn zero_decimal_currency_rounds_each_line() {
        let yen = |n| Money::from_minor(n, Currency::JPY);
        let current = CurrentTerm {
            description: "Basic".into(),
            amount: yen(1000),
            period_start: d(2026, 4, 1),
            period_end: d(2026, 5, 1),
        };
        let new = PricedItem {
            description: "Plus".into(),
            unit_amount: yen(2000),
            quantity: 1,
            period: ChargePeriod::Monthly,
        };
        let e = estimate_change(&current, &new, d(2026, 4, 21), true).unwrap();
        // 10 of 30 days left: -333.33 -> -333, +666.67 -> 667.
        assert_eq!(e.current_invoice.total, yen(334));
    }
}
