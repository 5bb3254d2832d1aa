//! What moving the clock makes happen at KuvarPay. Its public pages say little, so most of
//! this is inferred from its backend's enums and columns (`SubscriptionStatus`,
//! `SubscriptionInvoiceStatus`, `attempt_count`, `next_payment_attempt`,
//! `cancel_at_period_end`, `trial_end`, `current_period_end`, `expires_at`):
//! - a pending checkout session expires at its `expires_at` (24 hours) and the subscription
//!   it would have started becomes `INCOMPLETE_EXPIRED`;
//! - at period end an `ACTIVE` subscription starts its next period with a `FIXED` invoice
//!   charged from the wallet authorization; a trial ends into that first charge;
//! - a failed charge leaves the invoice `OPEN` and the subscription `PAST_DUE`; it is retried
//!   1, 3 and 7 days after the invoice was due (backoff); when the last one fails the invoice
//!   becomes `UNCOLLECTIBLE` and the subscription `UNPAID`;
//! - `cancel_at_period_end` takes effect at the period end (`CANCELED`).
//!
//! Every one of these goes through [`State::happen`].

use chrono::{DateTime, Duration, Utc};

use super::ops::{attempt, pay_invoice};
use super::state::{State, Subscription, current_period};
use crate::billing::ProviderKind;
use crate::sandbox::clock::{Happening, Timeline, run_timeline};

/// Days after the due date on which a failed charge is retried (inferred).
pub const RETRY_DAYS: [i64; 3] = [1, 3, 7];

/// When the next charge of an invoice due at `due` is, after `attempts` charges; `None` once
/// the retries are used up.
pub fn next_attempt(due: DateTime<Utc>, attempts: usize) -> Option<DateTime<Utc>> {
    let n = attempts.checked_sub(1)?;
    RETRY_DAYS.get(n).map(|d| due + Duration::days(*d))
}

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

    /// The subscription's open renewal invoice: (its index, due date, attempts so far).
    fn open_invoice(&self, uid: &str) -> Option<(usize, DateTime<Utc>, usize)> {
        let rows = self.invoices.get(uid)?;
        let (n, inv) = rows.iter().enumerate().rev().find(|(_, i)| i.status == "OPEN" && i.billing_mode == "FIXED")?;
        Some((n, inv.due_date, inv.charge_attempts.len()))
    }

    /// A new period from `at` and its invoice, charged at once.
    fn renew(&mut self, i: usize, at: DateTime<Utc>, out: &mut Vec<Happening>) {
        let sub = self.subscriptions[i].clone();
        let Some((amount, currency, period)) = self.terms(&sub) else { return };
        self.ensure_invoices(&sub.uid);
        if sub.status == "TRIALING" {
            out.push(happening(at, "trial.ended", &sub.uid, sub.status));
        }
        let (start, end) = current_period(at, period, at);
        let inv = self.new_invoice(amount, currency, format!("Subscription {}", period.label()), at);
        out.push(happening(at, "invoice.created", &inv.uid, "OPEN").of(&sub.uid));
        self.add_invoice(&sub.uid, inv);
        let s = &mut self.subscriptions[i];
        (s.period_start, s.period_end, s.updated) = (start, end, at);
        out.push(happening(at, "subscription.renewed", &s.uid, s.status));
        self.collect(i, at, out);
    }

    /// Charges the open invoice from the wallet authorization.
    fn collect(&mut self, i: usize, at: DateTime<Utc>, out: &mut Vec<Happening>) {
        let sub = self.subscriptions[i].clone();
        let Some((n, _, attempts)) = self.open_invoice(&sub.uid) else { return };
        let ok = !sub.wallet_declines;
        let Some(inv) = self.invoices.get_mut(&sub.uid).and_then(|rows| rows.get_mut(n)) else { return };
        if ok {
            pay_invoice(&mut self.rng, inv, at);
            out.push(happening(at, "invoice.paid", &inv.uid, "PAID").of(&sub.uid));
            let s = &mut self.subscriptions[i];
            if s.status != "ACTIVE" {
                (s.status, s.updated) = ("ACTIVE", at);
                out.push(happening(at, "subscription.updated", &s.uid, "ACTIVE"));
            }
            return;
        }
        inv.charge_attempts.push(attempt(&mut self.rng, false, at));
        out.push(happening(at, "invoice.payment_failed", &inv.uid, "OPEN").of(&sub.uid));
        let exhausted = attempts + 1 > RETRY_DAYS.len();
        if exhausted {
            inv.status = "UNCOLLECTIBLE";
        }
        let s = &mut self.subscriptions[i];
        let status = if exhausted { "UNPAID" } else { "PAST_DUE" };
        if s.status != status {
            (s.status, s.updated) = (status, at);
            out.push(happening(at, "subscription.updated", &s.uid, status));
        }
    }
}

fn happening(at: DateTime<Utc>, what: &'static str, object: &str, status: &str) -> Happening {
    Happening {
        at,
        provider: ProviderKind::KuvarPay,
        what,
        object: object.to_string(),
        status: status.to_string(),
        subscription: None,
        events: Vec::new(),
    }
}

impl State {
    fn next_for(&self, s: &Subscription) -> Option<DateTime<Utc>> {
        match s.status {
            "ACTIVE" | "TRIALING" if s.cancel_at_period_end => Some(s.period_end),
            "ACTIVE" => Some(s.period_end),
            "TRIALING" => Some(s.trial_end.unwrap_or(s.period_end)),
            "PAST_DUE" => {
                let (_, due, attempts) = self.open_invoice(&s.uid)?;
                next_attempt(due, attempts)
            }
            _ => None,
        }
    }
}

impl Timeline for State {
    fn record(&self, happening: &Happening) -> Vec<crate::sandbox::events::Emitted> {
        self.happening_events(happening)
    }

    type Key = Due;

    fn due(&self) -> Vec<(DateTime<Utc>, Due)> {
        let subs =
            self.subscriptions.iter().enumerate().filter_map(|(i, s)| Some((self.next_for(s)?, Due::Subscription(i))));
        let checkouts = self
            .checkouts
            .values()
            .filter(|c| c.status == "PENDING")
            .map(|c| (c.expires_at, Due::Checkout(c.uid.clone())));
        subs.chain(checkouts).collect()
    }

    fn next_due(&self, key: &Due) -> Option<DateTime<Utc>> {
        match key {
            Due::Subscription(i) => self.next_for(self.subscriptions.get(*i)?),
            Due::Checkout(_) => None,
        }
    }

    fn happen(&mut self, key: &Due, at: DateTime<Utc>) -> Vec<Happening> {
        let mut out = Vec::new();
        let i = match key {
            Due::Checkout(uid) => {
                // `expire_if_due` wants the deadline passed, not reached.
                self.expire_if_due(uid, at + Duration::milliseconds(1));
                if let Some(c) = self.checkouts.get(uid).filter(|c| c.status == "EXPIRED") {
                    out.push(happening(at, "checkout_session.expired", uid, "EXPIRED"));
                    if let Some(s) = self.subscription(&c.subscription_uid).filter(|s| s.status == "INCOMPLETE_EXPIRED")
                    {
                        out.push(happening(at, "subscription.updated", &s.uid, s.status));
                    }
                }
                return out;
            }
            Due::Subscription(i) => *i,
        };
        let Some(s) = self.subscriptions.get(i) else { return out };
        if s.cancel_at_period_end && matches!(s.status, "ACTIVE" | "TRIALING") && s.period_end <= at {
            let uid = s.uid.clone();
            self.ensure_invoices(&uid);
            let s = &mut self.subscriptions[i];
            (s.status, s.cancelled_at, s.cancel_at_period_end, s.updated) = ("CANCELED", Some(at), false, at);
            out.push(happening(at, "subscription.canceled", &s.uid, "CANCELED"));
            return out;
        }
        match s.status {
            "PAST_DUE" => self.collect(i, at, &mut out),
            "ACTIVE" | "TRIALING" => self.renew(i, at, &mut out),
            _ => {}
        }
        out
    }
}
