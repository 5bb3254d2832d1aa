//! KuvarPay's events: `checkout_session.completed` and `payment.completed` are documented;
//! the subscription and invoice event names are not retrievable, so `subscription.created|
//! updated|canceled`, `invoice.created`, `payment.failed` and `checkout_session.expired` are
//! inferred.

use chrono::{DateTime, Utc};

use super::render;
use super::state::State;
use crate::sandbox::clock::Happening;
use crate::sandbox::events::Emitted;

impl State {
    fn subscription_event(&self, at: DateTime<Utc>, kind: &str, uid: &str) -> Option<Emitted> {
        let s = self.subscription(uid)?;
        Some(Emitted::new(at, kind, uid, render::subscription(self, s)))
    }

    fn invoice_event(&self, at: DateTime<Utc>, kind: &str, uid: &str, sub: &str) -> Option<Emitted> {
        let inv = self.invoices.get(sub)?.iter().find(|i| i.uid == uid)?;
        Some(Emitted::new(at, kind, uid, render::invoice(sub, inv)))
    }

    pub(crate) fn happening_events(&self, h: &Happening) -> Vec<Emitted> {
        let sub = h.subscription.as_deref().unwrap_or_default();
        let one = match h.what {
            "invoice.created" => self.invoice_event(h.at, "invoice.created", &h.object, sub),
            "invoice.paid" => self.invoice_event(h.at, "payment.completed", &h.object, sub),
            "invoice.payment_failed" => self.invoice_event(h.at, "payment.failed", &h.object, sub),
            "subscription.renewed" | "subscription.updated" => {
                self.subscription_event(h.at, "subscription.updated", &h.object)
            }
            "subscription.canceled" => self.subscription_event(h.at, "subscription.canceled", &h.object),
            "checkout_session.expired" => self
                .checkouts
                .get(&h.object)
                .map(|c| Emitted::new(h.at, "checkout_session.expired", &c.uid, render::checkout(self, c))),
            _ => None,
        };
        one.into_iter().collect()
    }

    /// Paying on the hosted page: `checkout_session.completed`, `subscription.created`, and
    /// `payment.completed` for a first invoice that was paid.
    pub(crate) fn checkout_paid_events(&self, session: &str) -> Vec<Emitted> {
        let Some(c) = self.checkouts.get(session) else { return Vec::new() };
        let at = c.completed_at.unwrap_or_else(|| self.clock.now());
        let mut out = vec![Emitted::new(at, "checkout_session.completed", &c.uid, render::checkout(self, c))];
        out.extend(self.subscription_event(at, "subscription.created", &c.subscription_uid));
        let paid = self.invoices.get(&c.subscription_uid).and_then(|v| v.iter().rev().find(|i| i.status == "PAID"));
        out.extend(paid.and_then(|i| self.invoice_event(at, "payment.completed", &i.uid, &c.subscription_uid)));
        out
    }
}
