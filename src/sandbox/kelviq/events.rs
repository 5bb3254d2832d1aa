//! Kelviq's events (1.7 Webhooks): what the clock's happenings and the hosted page's payment
//! announce, with the objects as Kelviq's API renders them (the envelope turns their keys into
//! snake_case).

use chrono::{DateTime, Utc};
use serde_json::json;

use super::render;
use super::state::{State, Subscription};
use crate::sandbox::clock::Happening;
use crate::sandbox::events::Emitted;

impl State {
    fn subscription_by_uuid(&self, uuid: &str) -> Option<&Subscription> {
        self.subscriptions.iter().find(|s| s.uuid == uuid)
    }

    fn subscription_event(&self, at: DateTime<Utc>, kind: &str, uuid: &str) -> Option<Emitted> {
        let s = self.subscription_by_uuid(uuid)?;
        Some(Emitted::new(at, kind, uuid, render::subscription(self, s, at.date_naive())))
    }

    /// An invoice as the events carry it; Kelviq's API has no invoice object of its own.
    fn invoice_event(&self, at: DateTime<Utc>, kind: &str, invoice: &str, status: &str, uuid: &str) -> Option<Emitted> {
        let s = self.subscription_by_uuid(uuid)?;
        let object = json!({
            "id": invoice,
            "status": status,
            "subscriptionId": s.uuid,
            "customerId": s.customer_id,
            "amountDue": s.amount.to_string(),
            "currency": s.currency.code(),
            "createdAt": render::iso(at),
        });
        Some(Emitted::new(at, kind, invoice, object))
    }

    /// A subscription (by UUID or external id) as the API renders it, for an API call's event.
    pub(crate) fn subscription_json(&self, id: &str) -> Option<serde_json::Value> {
        let s = self.subscriptions.iter().find(|s| s.uuid == id || s.external_id == id)?;
        serde_json::to_value(render::subscription(self, s, self.clock.now().date_naive())).ok()
    }

    /// The events for one clock happening.
    pub(crate) fn happening_events(&self, h: &Happening) -> Vec<Emitted> {
        let sub = h.subscription.as_deref().unwrap_or_default();
        let one = match h.what {
            "invoice.created" | "invoice.paid" | "invoice.payment_failed" => {
                self.invoice_event(h.at, h.what, &h.object, &h.status, sub)
            }
            "subscription.renewed" | "subscription.past_due" | "subscription.recovered" | "subscription.updated" => {
                self.subscription_event(h.at, "subscription.updated", &h.object)
            }
            "subscription.canceled" => self.subscription_event(h.at, "subscription.cancelled", &h.object),
            // Trial ends, meter resets and expired checkouts are not among Kelviq's events.
            _ => None,
        };
        one.into_iter().collect()
    }

    /// What paying a checkout on the hosted page announces: `checkout.completed` (which, as
    /// documented, does not name the subscription), then `subscription.created`, then the
    /// first invoice, created and paid.
    pub(crate) fn checkout_paid_events(&self, session: &str) -> Vec<Emitted> {
        let Some(c) = self.checkouts.get(session) else { return Vec::new() };
        let at = c.order.as_ref().map_or_else(|| self.clock.now(), |o| o.created);
        let mut detail = serde_json::to_value(render::checkout_detail(self, c, at.date_naive())).unwrap_or_default();
        if let Some(map) = detail.as_object_mut() {
            map.remove("subscription");
        }
        let mut out = vec![Emitted { at, kind: "checkout.completed".into(), object_id: c.id.clone(), object: detail }];
        if let Some(uuid) = c.subscription_id.as_deref() {
            out.extend(self.subscription_event(at, "subscription.created", uuid));
            if let Some(order) = &c.order {
                out.extend(self.invoice_event(at, "invoice.created", &order.invoice_id, "open", uuid));
                out.extend(self.invoice_event(at, "invoice.paid", &order.invoice_id, "paid", uuid));
            }
        }
        out
    }
}
