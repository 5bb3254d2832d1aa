//! What plan changes billed, and the quotes that keep `adjust` to what `preview-adjust` said.
//!
//! Flowglad prorates by the millisecond at the moment `adjust` runs, so a change applied a few
//! seconds after its preview can differ from it by a minor unit. The emulator instead honours a
//! recent preview of the very same adjustment (same subscription, same body, subscription not
//! changed since): the console confirms exactly what it showed, and tests can prove it.

use chrono::NaiveDate;
use rust_decimal::Decimal;

use super::ops::AdjustPlan;
use super::state::{Ms, State, from_ms};
use crate::billing::Money;
use crate::providers::flowglad::wire;

/// How long a preview's proration is honoured by `adjust`.
const QUOTE_TTL_MS: Ms = 15 * 60 * 1000;

/// One preview: the adjustment it priced and what it quoted.
#[derive(Clone, Debug)]
pub struct Quote {
    pub subscription: String,
    pub adjustment: wire::Adjustment,
    pub at: Ms,
    /// The subscription's `updated` when quoted; any later change voids the quote.
    pub updated: Ms,
    pub proration: i64,
    pub fraction_through: Decimal,
}

impl State {
    /// What applied plan changes billed now, in order: (subscription id, amount). Immediate
    /// changes are listed with their proration charge, zero when nothing was charged
    /// (Flowglad never credits a downgrade); changes scheduled for the period end charge
    /// nothing now and are not listed.
    pub fn change_charges(&self) -> Vec<(String, Money)> {
        self.change_charges.clone()
    }

    /// The next regular invoice of a renewing subscription: its date (the current period's
    /// end) and the items billed then (those scheduled by an adjustment at the period end,
    /// else the items in effect now). None once it is canceled or set to cancel.
    pub fn upcoming_invoice(&self, subscription_id: &str, now: Ms) -> Option<(NaiveDate, Money)> {
        let sub = &self.subscriptions[self.subscription(subscription_id)?];
        if !sub.renews || !matches!(sub.status.as_str(), "active" | "trialing" | "past_due") {
            return None;
        }
        let (_, end) = sub.period?;
        let scheduled: Vec<_> =
            sub.items.iter().filter(|i| sub.scheduled_adjustment_at == Some(i.added) && i.added > now).collect();
        let total: i64 = if scheduled.is_empty() {
            sub.live_total(now)
        } else {
            scheduled.iter().map(|i| i.unit_price * i.quantity).sum()
        };
        let currency = self.prices[sub.price].currency;
        Some((from_ms(end).date_naive(), Money::from_minor(total, currency)))
    }

    /// Keeps what a successful preview quoted, replacing any earlier quote for the subscription.
    pub fn remember_quote(&mut self, plan: &AdjustPlan, adjustment: &wire::Adjustment, now: Ms) {
        let sub = &self.subscriptions[plan.sub];
        let quote = Quote {
            subscription: sub.id.clone(),
            adjustment: adjustment.clone(),
            at: now,
            updated: sub.updated,
            proration: plan.proration,
            fraction_through: plan.fraction_through,
        };
        self.quotes.retain(|q| q.subscription != quote.subscription && now - q.at <= QUOTE_TTL_MS);
        self.quotes.push(quote);
    }

    /// Prices `plan` as its preview did when the same adjustment was previewed recently and the
    /// subscription has not changed since.
    pub fn honour_quote(&self, plan: &mut AdjustPlan, adjustment: &wire::Adjustment, now: Ms) {
        let sub = &self.subscriptions[plan.sub];
        let quote = self.quotes.iter().find(|q| {
            q.subscription == sub.id
                && &q.adjustment == adjustment
                && q.updated == sub.updated
                && now - q.at <= QUOTE_TTL_MS
        });
        if let Some(q) = quote {
            plan.proration = q.proration;
            plan.fraction_through = q.fraction_through;
        }
    }

    /// Records what an applied adjustment billed now (see [`State::change_charges`]).
    pub fn record_change_charge(&mut self, plan: &AdjustPlan) {
        if plan.timing != wire::TIMING_IMMEDIATELY {
            return;
        }
        let sub = &self.subscriptions[plan.sub];
        let currency = self.prices[sub.price].currency;
        self.change_charges.push((sub.id.clone(), Money::from_minor(plan.proration, currency)));
    }
}
