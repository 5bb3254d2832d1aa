//! What plan changes billed, and the quotes that keep `adjust` to what `preview-adjust` said.
//!
//! Flowglad prorates by the millisecond at the moment `adjust` runs, so a change applied a few
//! seconds after its preview can differ from it by a minor unit. The emulator instead honours a
//! recent preview of the very same adjustment (same subscription, same body, subscription not
//! changed since): the console confirms exactly what it showed, and tests can prove it.

use chrono::NaiveDate;

use super::ops::AdjustPlan;
use super::state::{ApiError, Ms, Quote, State, from_ms};
use crate::billing::Money;
use crate::providers::flowglad::wire;

/// How long a preview's proration is honoured by `adjust`.
const QUOTE_TTL_MS: Ms = 15 * 60 * 1000;

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
        self.quotes.retain(|q| {
            !(q.subscription == quote.subscription && q.adjustment == quote.adjustment) && now - q.at <= QUOTE_TTL_MS
        });
        self.quotes.push(quote);
    }

    /// Refuses an adjustment that was previewed recently against an earlier state of the
    /// subscription [inferred, conservative: Flowglad documents no version check]. Two
    /// operators who previewed against the same state cannot both apply: the second gets 409
    /// and no proration is charged for a change priced on a state that no longer exists.
    pub fn check_quote(&self, plan: &AdjustPlan, adjustment: &wire::Adjustment, now: Ms) -> Result<(), ApiError> {
        let sub = &self.subscriptions[plan.sub];
        let stale = self.quotes.iter().any(|q| {
            q.subscription == sub.id
                && &q.adjustment == adjustment
                && now - q.at <= QUOTE_TTL_MS
                && q.updated != sub.updated
        });
        if stale {
            let message =
                format!("Subscription {} changed after this adjustment was previewed; preview it again", sub.id);
            return Err(ApiError::conflict(message));
        }
        Ok(())
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sandbox::seed::Seed;

    fn state() -> State {
        let seed = Seed::parse(include_str!("../../../assets/sandbox/flowglad.json"), "flowglad.json").unwrap();
        State::from_seed(&seed, "http://127.0.0.1:1")
    }

    fn upgrade(s: &State, customer: &str) -> (String, wire::Adjustment) {
        let c = s.customer(customer).unwrap();
        let sub = s.subscriptions.iter().find(|x| x.customer == c).unwrap().id.clone();
        let price = s.prices.iter().find(|p| p.slug.starts_with("pro") && p.unit_price == 3900).unwrap();
        let item = wire::NewSubscriptionItem { price_id: Some(price.id.clone()), price_slug: None, quantity: Some(1) };
        let adj = wire::Adjustment {
            timing: wire::TIMING_IMMEDIATELY.into(),
            new_subscription_items: vec![item],
            prorate_current_billing_period: Some(true),
        };
        (sub, adj)
    }

    #[test]
    fn adjust_bills_the_quoted_proration_until_the_subscription_changes() {
        let mut s = state();
        let (sub, adj) = upgrade(&s, "user_nguyen_bakes");
        let t0 = s.now_ms();
        let quoted = s.plan_adjustment(&sub, &adj, t0).unwrap().unwrap();
        s.remember_quote(&quoted, &adj, t0);
        // Ten minutes later the period has moved on: unquoted, the proration would be lower.
        let later = t0 + 10 * 60 * 1000;
        let mut plan = s.plan_adjustment(&sub, &adj, later).unwrap().unwrap();
        let fresh = plan.proration;
        s.honour_quote(&mut plan, &adj, later);
        assert_eq!(plan.proration, quoted.proration);
        assert!(fresh <= quoted.proration, "{fresh} vs {}", quoted.proration);

        // A different body, a stale quote or a changed subscription is priced afresh.
        let mut other = adj.clone();
        other.prorate_current_billing_period = None;
        let mut plan = s.plan_adjustment(&sub, &other, later).unwrap().unwrap();
        let before = plan.clone();
        s.honour_quote(&mut plan, &other, later);
        assert_eq!(plan.fraction_through, before.fraction_through);
        let stale = t0 + QUOTE_TTL_MS + 1;
        let mut plan = s.plan_adjustment(&sub, &adj, stale).unwrap().unwrap();
        s.honour_quote(&mut plan, &adj, stale);
        assert_ne!(plan.fraction_through, quoted.fraction_through);
        let index = s.subscription(&sub).unwrap();
        s.subscriptions[index].updated += 1;
        let mut plan = s.plan_adjustment(&sub, &adj, later).unwrap().unwrap();
        s.honour_quote(&mut plan, &adj, later);
        assert_ne!(plan.fraction_through, quoted.fraction_through);
    }

    #[test]
    fn applied_changes_are_listed_with_what_they_billed_now() {
        let mut s = state();
        let (sub, adj) = upgrade(&s, "user_nguyen_bakes");
        let now = s.now_ms();
        let plan = s.plan_adjustment(&sub, &adj, now).unwrap().unwrap();
        s.apply_adjustment(&plan, now);
        s.record_change_charge(&plan);
        let charged = s.change_charges();
        assert_eq!(charged.len(), 1);
        assert_eq!((charged[0].0.as_str(), charged[0].1.to_minor_units().unwrap()), (sub.as_str(), plan.proration));
        assert!(plan.proration > 0);
        let (_, next) = s.upcoming_invoice(&sub, now).unwrap();
        assert_eq!(next.to_string(), "$39.00");
    }
}
