//! What moving the clock makes happen at Kelviq, from its notes (1.5 Subscriptions, 1.7
//! Webhooks): at period end a subscription renews and charges the card on file (an order with
//! its invoice); a declined card moves it to `past_due`, Kelviq retries up to 8 times over 14
//! days and cancels when they all fail; a trial ends into its first charge; a period-end
//! cancellation takes effect; meters reset at `resetAt` (the period end). Checkout sessions
//! have no documented lifetime, though `expired` is a documented status: the sandbox expires
//! an open one after 24 hours (inferred, as Stripe's sessions do).
//!
//! Every one of these goes through [`State::happen`].

use chrono::{DateTime, Duration, Utc};

use super::state::{State, Subscription, current_period, start_of_day};
use crate::billing::{ChargePeriod, ProviderKind};
use crate::sandbox::clock::{Happening, Timeline, run_timeline};

/// Days after the first failed charge on which Kelviq retries: 8 retries over 14 days (the
/// count and span are documented; the spacing is the sandbox's).
pub const RETRY_DAYS: [i64; 8] = [1, 2, 3, 5, 7, 9, 11, 14];

/// How long an open checkout session lasts (inferred; see the module notes).
pub const CHECKOUT_LIFETIME_HOURS: i64 = 24;

#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Due {
    Subscription(usize),
    Checkout(String),
}

impl State {
    /// Runs everything due up to `to`, in time order.
    pub fn tick(&mut self, to: DateTime<Utc>) -> Vec<Happening> {
        run_timeline(self, to)
    }

    fn charge_declined(&self, customer_id: &str) -> bool {
        let newest =
            self.ledger.cards.iter().filter(|c| c.customer_id == customer_id).max_by_key(|c| (c.created, c.id));
        newest.is_some_and(|c| c.card.declines_later())
    }

    /// Charges the subscription's amount at `at`: an order (with its invoice) when paid. A
    /// retry charges the invoice that failed before. Returns whether it was paid.
    fn charge(&mut self, i: usize, at: DateTime<Utc>, out: &mut Vec<Happening>) -> bool {
        let (uuid, customer, amount, currency, unpaid) = {
            let s = &self.subscriptions[i];
            (s.uuid.clone(), s.customer_id.clone(), s.amount, s.currency, s.unpaid_invoice.clone())
        };
        let declined = self.charge_declined(&customer) && !amount.is_zero();
        let mut order = self.new_order_at(amount, currency, "SUBSCRIPTION", at);
        match unpaid {
            Some(invoice) => order.invoice_id = invoice,
            None => out.push(happening(at, "invoice.created", &order.invoice_id, "open").of(&uuid)),
        }
        let invoice = order.invoice_id.clone();
        if declined {
            self.subscriptions[i].unpaid_invoice = Some(invoice.clone());
            out.push(happening(at, "invoice.payment_failed", &invoice, "open").of(&uuid));
            return false;
        }
        self.subscriptions[i].unpaid_invoice = None;
        if !amount.is_zero() {
            self.charges.push((uuid.clone(), order));
        }
        out.push(happening(at, "invoice.paid", &invoice, "paid").of(&uuid));
        true
    }

    /// After a failed charge: `past_due`, or canceled once the retries are used up.
    fn charge_failed(&mut self, i: usize, at: DateTime<Utc>, out: &mut Vec<Happening>) {
        let s = &mut self.subscriptions[i];
        s.failed_charges += 1;
        s.past_due_since.get_or_insert(at);
        if s.failed_charges as usize > RETRY_DAYS.len() {
            s.status = "canceled".into();
            s.end_date = Some(at.date_naive());
            s.canceled_at = Some(at);
            s.canceled_by_provider = true;
            out.push(happening(at, "subscription.canceled", &s.uuid, "canceled"));
        } else if s.status != "past_due" {
            s.status = "past_due".into();
            out.push(happening(at, "subscription.past_due", &s.uuid, "past_due"));
        }
    }

    fn charge_paid(&mut self, i: usize, at: DateTime<Utc>, out: &mut Vec<Happening>) {
        let s = &mut self.subscriptions[i];
        let recovered = s.status == "past_due";
        (s.failed_charges, s.past_due_since, s.status) = (0, None, "active".into());
        if recovered {
            out.push(happening(at, "subscription.recovered", &s.uuid, "active"));
        }
    }

    /// A new billing period from `from`; meters reset.
    fn next_period(&mut self, i: usize, from: DateTime<Utc>, out: &mut Vec<Happening>) {
        let s = &mut self.subscriptions[i];
        let (start, end) = current_period(from, s.period, from);
        (s.period_start, s.period_end) = (start, end);
        if s.usage.values().any(|v| *v != 0) {
            s.usage.clear();
            out.push(happening(from, "usage.reset", &s.uuid, &s.status));
        }
    }

    fn renew(&mut self, i: usize, at: DateTime<Utc>) -> Vec<Happening> {
        let mut out = Vec::new();
        let was_trial = self.subscriptions[i].status == "trialing";
        if was_trial {
            out.push(happening(at, "trial.ended", &self.subscriptions[i].uuid, "trialing"));
        }
        self.next_period(i, at, &mut out);
        out.push(happening(at, "subscription.renewed", &self.subscriptions[i].uuid, &self.subscriptions[i].status));
        if self.charge(i, at, &mut out) {
            self.charge_paid(i, at, &mut out);
            if was_trial {
                out.push(happening(at, "subscription.updated", &self.subscriptions[i].uuid, "active"));
            }
        } else {
            self.charge_failed(i, at, &mut out);
        }
        out
    }

    fn retry(&mut self, i: usize, at: DateTime<Utc>) -> Vec<Happening> {
        let mut out = Vec::new();
        if self.charge(i, at, &mut out) {
            self.charge_paid(i, at, &mut out);
        } else {
            self.charge_failed(i, at, &mut out);
        }
        out
    }
}

fn happening(at: DateTime<Utc>, what: &'static str, object: &str, status: &str) -> Happening {
    Happening {
        at,
        provider: ProviderKind::Kelviq,
        what,
        object: object.to_string(),
        status: status.to_string(),
        subscription: None,
        events: Vec::new(),
    }
}

/// What is next for a subscription, and when.
fn next_for(s: &Subscription) -> Option<DateTime<Utc>> {
    if !matches!(s.status.as_str(), "active" | "trialing" | "past_due") {
        return None;
    }
    let ends = s.end_date.map(start_of_day);
    let bills = match s.status.as_str() {
        _ if s.period == ChargePeriod::OneTime => None,
        "trialing" => Some(s.trial_end.unwrap_or(s.period_end)),
        // A past-due subscription the sandbox did not see fail (the seed's) renews as usual.
        "past_due" => Some(s.past_due_since.map_or(s.period_end, |since| {
            let n = (s.failed_charges as usize).clamp(1, RETRY_DAYS.len());
            since + Duration::days(RETRY_DAYS[n - 1])
        })),
        _ => Some(s.period_end),
    };
    match (ends, bills) {
        (Some(e), Some(b)) => Some(e.min(b)),
        (e, b) => e.or(b),
    }
}

impl Timeline for State {
    fn record(&self, happening: &Happening) -> Vec<crate::sandbox::events::Emitted> {
        self.happening_events(happening)
    }

    type Key = Due;

    fn due(&self) -> Vec<(DateTime<Utc>, Due)> {
        let subs =
            self.subscriptions.iter().enumerate().filter_map(|(i, s)| Some((next_for(s)?, Due::Subscription(i))));
        let checkouts = self
            .checkouts
            .values()
            .filter(|c| c.status == "open")
            .map(|c| (c.created + Duration::hours(CHECKOUT_LIFETIME_HOURS), Due::Checkout(c.id.clone())));
        subs.chain(checkouts).collect()
    }

    fn next_due(&self, key: &Due) -> Option<DateTime<Utc>> {
        match key {
            Due::Subscription(i) => next_for(self.subscriptions.get(*i)?),
            Due::Checkout(_) => None,
        }
    }

    fn happen(&mut self, key: &Due, at: DateTime<Utc>) -> Vec<Happening> {
        let i = match key {
            Due::Checkout(id) => {
                return match self.checkouts.get_mut(id).filter(|c| c.status == "open") {
                    Some(c) => {
                        c.status = "expired".into();
                        vec![happening(at, "checkout.expired", id, "expired")]
                    }
                    None => Vec::new(),
                };
            }
            Due::Subscription(i) => *i,
        };
        let Some(s) = self.subscriptions.get_mut(i) else { return Vec::new() };
        if s.end_date.is_some_and(|e| start_of_day(e) <= at) {
            // A period-end (or dated) cancellation takes effect; nothing more is charged.
            s.status = "canceled".into();
            return vec![happening(at, "subscription.canceled", &s.uuid, "canceled")];
        }
        match s.status.as_str() {
            "past_due" if s.past_due_since.is_some() => self.retry(i, at),
            _ => self.renew(i, at),
        }
    }
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;

    use super::*;
    use crate::sandbox::clock::Clock;
    use crate::sandbox::seed::Seed;

    fn state() -> State {
        let seed = Seed::parse(include_str!("../../../assets/sandbox/kelviq.json"), "kelviq.json").unwrap();
        let now = Utc.with_ymd_and_hms(2027, 1, 15, 12, 0, 0).unwrap();
        State::from_seed_at(&seed, "http://127.0.0.1:1", Clock::fixed(now))
    }

    #[test]
    fn a_seeded_past_due_subscription_renews_at_its_period_end_instead_of_stalling() {
        let mut s = state();
        let i = s.subscriptions.iter().position(|x| x.status == "past_due").expect("the seed has one");
        let end = s.subscriptions[i].period_end;
        let happened = s.tick(end + Duration::hours(1));
        let sub = &s.subscriptions[i];
        assert_eq!(sub.period_start, end, "a new period: {happened:?}");
        assert_eq!(sub.status, "active", "the seeded card paid the renewal");
        assert!(happened.iter().any(|h| h.object == sub.uuid && h.what == "subscription.recovered"), "{happened:?}");
    }

    /// Orders used to be derived from a subscription's current status, so a seeded trial that
    /// ended into its first charge also showed a full-price order dated at the trial's start.
    #[test]
    fn a_seeded_trial_that_ends_lists_only_the_charge_it_ended_into() {
        let mut s = state();
        let i = s.subscriptions.iter().position(|x| x.status == "trialing").expect("the seed has one");
        let (uuid, trial_end) = (s.subscriptions[i].uuid.clone(), s.subscriptions[i].trial_end.expect("a trial end"));
        assert!(s.orders().iter().all(|o| o.subscription_id.as_deref() != Some(uuid.as_str())), "a trial paid nothing");
        s.tick(trial_end + Duration::hours(1));
        let orders: Vec<_> = s.orders().into_iter().filter(|o| o.subscription_id.as_deref() == Some(&uuid)).collect();
        assert_eq!(orders.len(), 1, "{orders:?}");
        assert_eq!((orders[0].paid_at, orders[0].total), (trial_end, s.subscriptions[i].amount));
    }

    #[test]
    fn nothing_happens_before_it_is_due_and_a_second_tick_to_the_same_time_does_nothing() {
        let mut s = state();
        let now = s.clock.now();
        assert!(s.tick(now).iter().all(|h| h.at <= now));
        let later = now + Duration::days(40);
        let first = s.tick(later);
        assert!(!first.is_empty() && first.windows(2).all(|w| w[0].at <= w[1].at), "in time order");
        assert!(s.tick(later).is_empty(), "everything up to `later` already happened");
    }
}
