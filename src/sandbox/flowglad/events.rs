//! Flowglad's events (its `filterTypes`: `purchase.completed`, `subscription.created|updated|
//! canceled`, `payment.succeeded|failed`, `customer.created|updated`), with the objects as its
//! API renders them.

use chrono::{DateTime, Utc};

use super::render;
use super::state::State;
use crate::sandbox::clock::Happening;
use crate::sandbox::events::Emitted;

impl State {
    fn subscription_event(&self, at: DateTime<Utc>, kind: &str, id: &str) -> Option<Emitted> {
        let sub = &self.subscriptions[self.subscription(id)?];
        Some(Emitted::new(at, kind, id, render::subscription(self, sub)))
    }

    fn invoice_event(&self, at: DateTime<Utc>, kind: &str, id: &str) -> Option<Emitted> {
        let inv = self.invoices.iter().find(|i| i.id == id)?;
        Some(Emitted::new(at, kind, id, render::invoice(self, inv)))
    }

    pub(crate) fn happening_events(&self, h: &Happening) -> Vec<Emitted> {
        let one = match h.what {
            "invoice.paid" => self.invoice_event(h.at, "payment.succeeded", &h.object),
            "invoice.payment_failed" => self.invoice_event(h.at, "payment.failed", &h.object),
            "subscription.renewed" | "subscription.past_due" | "subscription.updated" | "subscription.adjusted" => {
                self.subscription_event(h.at, "subscription.updated", &h.object)
            }
            "subscription.canceled" => self.subscription_event(h.at, "subscription.canceled", &h.object),
            _ => None,
        };
        one.into_iter().collect()
    }

    /// Paying on the hosted page: `purchase.completed`, `subscription.created`, and
    /// `payment.succeeded` for its first invoice when one was charged. Called under the same
    /// lock as the payment, so the newest subscription is the one it made.
    pub(crate) fn checkout_paid_events(&self, session: &str) -> Vec<Emitted> {
        let Some(c) = self.checkouts.get(session) else { return Vec::new() };
        let at = super::state::from_ms(c.updated);
        let mut out = vec![Emitted::new(at, "purchase.completed", &c.id, render::checkout(self, c))];
        if let Some(sub) = self.subscriptions.last().filter(|s| c.customer.is_none_or(|i| s.customer == i)) {
            out.extend(self.subscription_event(at, "subscription.created", &sub.id));
            let first = self.invoices.iter().rev().find(|i| i.subscription_id == sub.id && i.status == "paid");
            out.extend(first.and_then(|i| self.invoice_event(at, "payment.succeeded", &i.id)));
        }
        out
    }
}
