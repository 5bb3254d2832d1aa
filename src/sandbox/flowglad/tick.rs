//! What moving the clock makes happen at Flowglad. Documented: checkout sessions expire (the
//! `expires` field; a day after creation), `cancellation_scheduled` becomes `canceled` at the
//! period end, an adjustment scheduled for the period end takes effect then, and a trial is
//! the first billing period (`trialEnd`). Inferred (Flowglad bills through Stripe and
//! documents the `past_due` status, not its schedule): at period end a renewing subscription
//! starts its next period with an invoice charged to its default payment method; a declined
//! charge leaves the invoice `open` and the subscription `past_due`, retried 3, 5 and 7 days
//! after the first failure; when the last retry fails the invoice becomes `uncollectible` and
//! the subscription `canceled`. Usage meters reset with each new period.
//!
//! Every one of these goes through [`State::happen`].

use chrono::{DateTime, Utc};

use super::state::{Ms, State, Subscription, from_ms, ms};
use crate::billing::ProviderKind;
use crate::sandbox::clock::{Happening, Timeline, run_timeline};
use crate::sandbox::kelviq::state::current_period;

/// Days after the first failed charge on which the sandbox retries (inferred).
pub const RETRY_DAYS: [i64; 3] = [3, 5, 7];

const DAY_MS: Ms = 86_400_000;

#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Due {
    Subscription(usize),
    Checkout(String),
}

impl State {
    /// Applies what has fallen due: scheduled cancellations and adjustments.
    pub fn settle(&mut self, now: Ms) {
        let due: Vec<usize> = (0..self.subscriptions.len())
            .filter(|&i| {
                let s = &self.subscriptions[i];
                s.cancel_scheduled_at.is_some_and(|t| t <= now && s.status == "cancellation_scheduled")
                    || s.scheduled_adjustment_at.is_some_and(|t| t <= now)
            })
            .collect();
        for i in due {
            self.settle_one(i, now);
        }
    }

    /// Applies what has fallen due for one subscription by `now`.
    pub fn settle_one(&mut self, i: usize, now: Ms) {
        let mut sub = self.subscriptions[i].clone();
        if let Some(at) = sub.scheduled_adjustment_at.filter(|t| *t <= now) {
            sub.scheduled_adjustment_at = None;
            for item in sub.items.iter_mut().filter(|it| it.added < at && it.expired.is_none()) {
                item.expired = Some(at);
            }
            if let Some(next) = sub.items.iter().find(|it| it.added == at) {
                sub.price = next.price;
            }
            sub.is_free_plan = sub.live_total(now) == 0;
            self.grant_features(&mut sub, at);
        }
        if sub.status == "cancellation_scheduled" && sub.cancel_scheduled_at.is_some_and(|t| t <= now) {
            sub.status = "canceled".into();
            sub.canceled_at = sub.cancel_scheduled_at;
        }
        sub.updated = now;
        self.subscriptions[i] = sub;
    }

    /// Runs everything due up to `to`, in time order.
    pub fn tick(&mut self, to: DateTime<Utc>) -> Vec<Happening> {
        run_timeline(self, to)
    }

    fn card_declines(&self, sub: &Subscription) -> bool {
        let Some(pm) = sub.default_payment_method.as_deref() else { return false };
        self.payment_methods
            .iter()
            .find(|m| m.id == pm)
            .is_some_and(|m| crate::sandbox::pay::CardSeen { brand: m.brand, last4: m.last4.clone() }.declines_later())
    }

    /// The subscription's open invoice (a renewal not yet paid), newest first.
    fn open_invoice(&self, i: usize) -> Option<usize> {
        let sub_id = &self.subscriptions[i].id;
        let customer = self.subscriptions[i].customer;
        let mine = self.invoices_of.get(&customer)?;
        mine.iter()
            .rev()
            .copied()
            .find(|&n| self.invoices[n].subscription_id == *sub_id && self.invoices[n].status == "open")
    }

    /// A new period from `at`, its invoice (open), and usage reset.
    fn renew(&mut self, i: usize, at: Ms, out: &mut Vec<Happening>) {
        let interval = self.prices[self.subscriptions[i].price].period();
        let (start, end) = current_period(from_ms(at), interval, from_ms(at));
        let lines: Vec<(String, i64, i64, Option<String>)> = self.subscriptions[i]
            .live_items(at)
            .map(|it| {
                let p = &self.prices[it.price];
                (p.name.clone(), it.quantity, it.unit_price, Some(p.id.clone()))
            })
            .collect();
        let sub = &mut self.subscriptions[i];
        let was_trial = sub.status == "trialing";
        sub.period = Some((ms(start), ms(end)));
        sub.updated = at;
        if !sub.usage.is_empty() {
            sub.usage.clear();
            out.push(happening(at, "usage.reset", &sub.id, &sub.status));
        }
        if was_trial {
            out.push(happening(at, "trial.ended", &sub.id, "trialing"));
        }
        out.push(happening(at, "subscription.renewed", &sub.id, &sub.status));
        if sub.live_total(at) > 0 {
            self.invoice(i, lines, "open", at);
        }
        self.collect(i, at, out);
    }

    /// Charges the open invoice, if any: paid, or the subscription falls behind.
    fn collect(&mut self, i: usize, at: Ms, out: &mut Vec<Happening>) {
        let Some(n) = self.open_invoice(i) else {
            return self.settled(i, at, out);
        };
        let invoice_id = self.invoices[n].id.clone();
        let sub_id = self.subscriptions[i].id.clone();
        if !self.card_declines(&self.subscriptions[i]) {
            self.invoices[n].status = "paid";
            out.push(happening(at, "invoice.paid", &invoice_id, "paid").of(&sub_id));
            return self.settled(i, at, out);
        }
        out.push(happening(at, "invoice.payment_failed", &invoice_id, "open").of(&sub_id));
        let sub = &mut self.subscriptions[i];
        let failed = sub.failed_charges + 1;
        sub.failed_charges = failed;
        sub.past_due_since.get_or_insert(at);
        sub.updated = at;
        if failed as usize > RETRY_DAYS.len() {
            self.invoices[n].status = "uncollectible";
            out.push(happening(at, "invoice.uncollectible", &invoice_id, "uncollectible").of(&sub_id));
            let sub = &mut self.subscriptions[i];
            (sub.status, sub.canceled_at) = ("canceled".into(), Some(at));
            out.push(happening(at, "subscription.canceled", &sub.id, "canceled"));
        } else if sub.status != "past_due" {
            sub.status = "past_due".into();
            out.push(happening(at, "subscription.past_due", &sub.id, "past_due"));
        }
    }

    /// Paid up: back to `active` (a trial or a past-due subscription).
    fn settled(&mut self, i: usize, at: Ms, out: &mut Vec<Happening>) {
        let sub = &mut self.subscriptions[i];
        (sub.failed_charges, sub.past_due_since) = (0, None);
        if matches!(sub.status.as_str(), "past_due" | "trialing") {
            sub.status = "active".into();
            out.push(happening(at, "subscription.updated", &sub.id, "active"));
        }
    }
}

fn happening(at: Ms, what: &'static str, object: &str, status: &str) -> Happening {
    Happening {
        at: from_ms(at),
        provider: ProviderKind::Flowglad,
        what,
        object: object.to_string(),
        status: status.to_string(),
        subscription: None,
        events: Vec::new(),
    }
}

/// When the subscription's own billing (a renewal, or a retry) is next.
fn bills_at(s: &Subscription) -> Option<Ms> {
    match s.status.as_str() {
        "cancellation_scheduled" => None,
        // A past-due subscription the sandbox did not see fail (the seed's) renews as usual.
        "past_due" => match s.past_due_since {
            Some(since) => {
                let n = (s.failed_charges as usize).clamp(1, RETRY_DAYS.len());
                Some(since + RETRY_DAYS[n - 1] * DAY_MS)
            }
            None => s.period.map(|p| p.1),
        },
        "trialing" => s.trial_end.or(s.period.map(|p| p.1)),
        _ => s.period.map(|p| p.1),
    }
}

/// What is next for a subscription, and when.
fn next_for(s: &Subscription) -> Option<Ms> {
    if !s.renews || !matches!(s.status.as_str(), "active" | "trialing" | "past_due" | "cancellation_scheduled") {
        return None;
    }
    let cancels = s.cancel_scheduled_at.filter(|_| s.status == "cancellation_scheduled");
    [cancels, s.scheduled_adjustment_at, bills_at(s)].into_iter().flatten().min()
}

impl Timeline for State {
    fn record(&self, happening: &Happening) -> Vec<crate::sandbox::events::Emitted> {
        self.happening_events(happening)
    }

    type Key = Due;

    fn due(&self) -> Vec<(DateTime<Utc>, Due)> {
        let subs = self
            .subscriptions
            .iter()
            .enumerate()
            .filter_map(|(i, s)| Some((from_ms(next_for(s)?), Due::Subscription(i))));
        let checkouts = self
            .checkouts
            .values()
            .filter(|c| c.status == "open")
            .map(|c| (from_ms(c.expires), Due::Checkout(c.id.clone())));
        subs.chain(checkouts).collect()
    }

    fn next_due(&self, key: &Due) -> Option<DateTime<Utc>> {
        match key {
            Due::Subscription(i) => next_for(self.subscriptions.get(*i)?).map(from_ms),
            Due::Checkout(_) => None,
        }
    }

    fn happen(&mut self, key: &Due, at: DateTime<Utc>) -> Vec<Happening> {
        let at = ms(at);
        let i = match key {
            Due::Checkout(id) => {
                return match self.checkouts.get_mut(id).filter(|c| c.status == "open") {
                    Some(c) => {
                        (c.status, c.updated) = ("expired", at);
                        vec![happening(at, "checkout.expired", id, "expired")]
                    }
                    None => Vec::new(),
                };
            }
            Due::Subscription(i) => *i,
        };
        let mut out = Vec::new();
        let Some(before) = self.subscriptions.get(i).map(|s| (s.status.clone(), s.scheduled_adjustment_at)) else {
            return out;
        };
        // Scheduled changes and cancellations first: a renewal at the same instant bills the
        // new items, and a canceled subscription is not billed again.
        self.settle_one(i, at);
        let sub = &self.subscriptions[i];
        if before.1.is_some_and(|t| t <= at) {
            out.push(happening(at, "subscription.adjusted", &sub.id, &sub.status));
        }
        if sub.status == "canceled" && before.0 != "canceled" {
            out.push(happening(at, "subscription.canceled", &sub.id, "canceled"));
            return out;
        }
        match sub.status.as_str() {
            "past_due" if sub.past_due_since.is_some() && billing_due(sub, at) => self.collect(i, at, &mut out),
            "active" | "trialing" | "past_due" if billing_due(sub, at) => self.renew(i, at, &mut out),
            _ => {}
        }
        out
    }
}

/// Whether the subscription's own billing (not a scheduled change) is due at `at`.
fn billing_due(s: &Subscription, at: Ms) -> bool {
    bills_at(s).is_some_and(|b| b <= at)
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;

    use super::*;
    use crate::sandbox::clock::Clock;
    use crate::sandbox::seed::Seed;

    #[test]
    fn a_seeded_past_due_subscription_renews_at_its_period_end_instead_of_stalling() {
        let seed = Seed::parse(include_str!("../../../assets/sandbox/flowglad.json"), "flowglad.json").unwrap();
        let now = Utc.with_ymd_and_hms(2027, 1, 15, 12, 0, 0).unwrap();
        let mut s = State::from_seed_at(&seed, "http://127.0.0.1:1", Clock::fixed(now));
        let i = s.subscriptions.iter().position(|x| x.status == "past_due" && x.renews).expect("the seed has one");
        let end = s.subscriptions[i].period.expect("a renewing period").1;
        s.tick(from_ms(end) + chrono::Duration::hours(1));
        let sub = &s.subscriptions[i];
        assert_eq!(sub.period.map(|p| p.0), Some(end), "a new period");
        assert_ne!(sub.status, "past_due", "the renewal was charged to its card");
    }
}
