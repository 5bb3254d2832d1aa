//! The emulator's billing estimates for `/checkouts` and `/checkouts/preview`: a new
//! contract's first and next invoices (by day when the contract's end cuts a period short),
//! and an amendment prorated by the day with the sandbox's own engine (`sandbox::proration`).

use chrono::NaiveDate;
use rust_decimal::Decimal;

use super::dates::{day_before, format_date};
use super::state::{ApiError, Contract, Item, PhaseKind, State, add_days};
use crate::billing::{ChargePeriod, Currency, Money};
use crate::providers::zenskar::wire;
use crate::sandbox::proration::{Term, prorate};

impl State {
    fn line(
        &self,
        item: &Item,
        start: NaiveDate,
        end: Option<NaiveDate>,
        free: bool,
    ) -> Option<wire::EstimateLineItem> {
        let p = self.pricings.get(&item.pricing_id)?;
        let amount = if free { Decimal::ZERO } else { p.amount(item.quantity) };
        Some(wire::EstimateLineItem {
            id: Some(item.id.clone()),
            name: self.product(&p.product_id).map(|pr| pr.name.clone()).unwrap_or_default(),
            description: Some(if free { format!("{} (trial)", p.name) } else { p.name.clone() }),
            quantity: Decimal::from(item.quantity),
            unit_price: Some(if free { Decimal::ZERO } else { p.unit_amount }),
            amount,
            currency: Some(p.currency.code().to_string()),
            period: Some(wire::LinePeriod { start_date: Some(format_date(start)), end_date: end.map(format_date) }),
        })
    }

    fn invoice_estimate(&self, lines: Vec<wire::EstimateLineItem>, currency: Currency) -> wire::InvoiceEstimate {
        let total: Decimal = lines.iter().map(|l| Money::new(l.amount, currency).rounded().amount()).sum();
        wire::InvoiceEstimate { total, currency: currency.code().to_string(), subtotal: Some(total), line_items: lines }
    }

    /// The charge for the billing period starting at `from`. When the contract's last day
    /// (`end`, inclusive) falls inside that period, it is charged by calendar day: days
    /// used / days in the period, rounded to the currency.
    fn charged_line(
        &self,
        item: &Item,
        from: NaiveDate,
        period: ChargePeriod,
        end: Option<NaiveDate>,
    ) -> Option<wire::EstimateLineItem> {
        let next = period.advance(from);
        let mut line = self.line(item, from, next.map(day_before), false)?;
        let (Some(next), Some(end)) = (next, end.filter(|e| next.is_some_and(|n| *e < day_before(n)))) else {
            return Some(line);
        };
        let currency = self.pricings.get(&item.pricing_id)?.currency;
        let days = (next - from).num_days().max(1);
        let used = ((end - from).num_days() + 1).clamp(0, days);
        line.amount = Money::new(line.amount * Decimal::from(used) / Decimal::from(days), currency).rounded().amount();
        line.description = line.description.map(|d| format!("{d} ({used} of {days} days)"));
        line.period = Some(wire::LinePeriod { start_date: Some(format_date(from)), end_date: Some(format_date(end)) });
        Some(line)
    }

    /// First invoice and the one after it for a new contract; a trial charges nothing now.
    /// `end` is the contract's inclusive last day: nothing is billed after it.
    pub(super) fn estimate_new(
        &self,
        plan_id: &str,
        items: &[Item],
        start: NaiveDate,
        end: Option<NaiveDate>,
    ) -> wire::Estimates {
        let Some(plan) = self.plan(plan_id) else { return wire::Estimates::default() };
        let (currency, period) = (plan.currency, plan.period);
        let trial_end = plan.trial_days.filter(|d| *d > 0).map(|d| add_days(start, i64::from(d)));
        let current: Vec<_> = match trial_end {
            Some(t) => {
                let last = end.map_or(day_before(t), |e| e.min(day_before(t)));
                items.iter().filter_map(|i| self.line(i, start, Some(last), true)).collect()
            }
            None => items.iter().filter_map(|i| self.charged_line(i, start, period, end)).collect(),
        };
        let next_start = if trial_end.is_some() { trial_end } else { period.advance(start) };
        let next = next_start.filter(|n| end.is_none_or(|e| *n <= e)).map(|n| {
            let lines = items.iter().filter_map(|i| self.charged_line(i, n, period, end)).collect();
            self.invoice_estimate(lines, currency)
        });
        wire::Estimates { current_invoice: Some(self.invoice_estimate(current, currency)), next_invoice: next }
    }

    /// Prorated by day with the sandbox's own engine (never the console's estimate code):
    /// credit for the unused old plan, charge for the rest of the period on the new one.
    pub(super) fn estimate_amendment(
        &self,
        c: &Contract,
        plan_id: &str,
        items: &[Item],
        on: NaiveDate,
        today: NaiveDate,
    ) -> Result<wire::Estimates, ApiError> {
        let plan = self.plan(plan_id).ok_or_else(|| ApiError::not_found("Plan"))?;
        let new_amount = Money::new(self.items_amount(items), c.currency);
        let label = |name: &str| format!("{name} ({})", plan.period.label());
        let line = |d: String, a: Money, q: Decimal, s: Option<NaiveDate>, e: Option<NaiveDate>| {
            amendment_line(c.currency, d, a, q, s, e)
        };
        let in_trial = c.current_phase(on).is_some_and(|p| p.kind == PhaseKind::Trial);
        let bounds = c.period(self, on).ok_or_else(|| ApiError::bad("Contract has no recurring billing period"))?;
        // In a trial, or scheduled for a renewal date, nothing is prorated: the new plan is
        // simply what the next invoice bills.
        let renewal = on > today && on == bounds.0;
        if in_trial || renewal {
            let from = if renewal { on } else { bounds.1 };
            let next = line(label(&plan.name), new_amount, Decimal::ONE, Some(from), plan.period.advance(from));
            return Ok(wire::Estimates {
                current_invoice: Some(self.invoice_estimate(Vec::new(), c.currency)),
                next_invoice: Some(self.invoice_estimate(vec![next], c.currency)),
            });
        }
        let old = c.billing_phase(on).ok_or_else(|| ApiError::bad("Contract has no phases"))?;
        let old_name = self.plan(&old.plan_id).map_or_else(|| "current plan".into(), |p| p.name.clone());
        let old_amount = self.items_amount(&old.items);
        let same_period = self.phase_period(old) == Some(plan.period);
        let term = Term { amount: old_amount, start: bounds.0, end: bounds.1 };
        let p = prorate(term, new_amount.amount(), plan.period, same_period, on, c.currency)
            .ok_or_else(|| ApiError::bad("The prorated amount is out of range"))?;
        let days = format!("{} of {} days", p.days_left, p.days_in_period);
        let money = |a: Decimal| Money::new(a, c.currency);
        let credit = line(
            format!("Unused time on {old_name} ({days})"),
            money(p.credit),
            Decimal::ONE,
            Some(on),
            Some(bounds.1),
        );
        let charged =
            if same_period { format!("Remaining time on {} ({days})", label(&plan.name)) } else { label(&plan.name) };
        let charge = line(charged, money(p.charge), Decimal::ONE, Some(on), Some(p.charged_until));
        let next =
            line(label(&plan.name), new_amount, Decimal::ONE, Some(p.next_start), plan.period.advance(p.next_start));
        Ok(wire::Estimates {
            current_invoice: Some(self.invoice_estimate(vec![credit, charge], c.currency)),
            next_invoice: Some(self.invoice_estimate(vec![next], c.currency)),
        })
    }
}

/// One line of an amendment estimate; `end` is exclusive here and inclusive on the wire.
fn amendment_line(
    currency: Currency,
    description: String,
    amount: Money,
    quantity: Decimal,
    start: Option<NaiveDate>,
    end: Option<NaiveDate>,
) -> wire::EstimateLineItem {
    wire::EstimateLineItem {
        name: description,
        quantity,
        amount: amount.amount(),
        currency: Some(currency.code().to_string()),
        period: Some(wire::LinePeriod {
            start_date: start.map(format_date),
            end_date: end.map(day_before).map(format_date),
        }),
        ..Default::default()
    }
}
