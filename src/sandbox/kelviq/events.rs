//! Kelviq's events (1.7 Webhooks): what the clock's happenings and the hosted page's payment
//! announce, with the objects as Kelviq's API renders them (the envelope turns their keys into
//! snake_case).

use chrono::{DateTime, Utc};
use serde_json::json;

use super::render;
use super::state::{State, Subscription};
use crate::sandbox::clock::Happening;
use crate::sandbox::events::Emitted;

/// The share of an allowance, in percent, whose crossing `feature.usage_alert` announces
/// (inferred; Kelviq documents the event only).
pub const USAGE_ALERT_PERCENT: [i64; 2] = [80, 100];

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

    /// What a clock happening changed on the subscription, as far as the state after it
    /// tells: the status it left (dunning and trials), or the period end a renewal moved
    /// (the old end is the new start; the old start is not kept, so it is not reported).
    fn previous_of(&self, h: &Happening) -> Option<serde_json::Value> {
        let s = self.subscription_by_uuid(&h.object)?;
        match h.what {
            "subscription.past_due" => Some(json!({ "status": "active" })),
            "subscription.recovered" => Some(json!({ "status": "past_due" })),
            "subscription.updated" => Some(json!({ "status": "trialing" })),
            "subscription.renewed" => Some(json!({ "billingPeriodEndTime": render::iso(s.period_start) })),
            _ => None,
        }
    }

    /// An order as `GET /orders/{id}/` renders it, now.
    pub(crate) fn order_json(&self, id: &str) -> Option<serde_json::Value> {
        let row = self.orders().into_iter().find(|o| o.id == id)?;
        serde_json::to_value(self.render_order(&row)).ok()
    }

    fn order_event(&self, at: DateTime<Utc>, kind: &str, id: &str) -> Option<Emitted> {
        Some(Emitted::new(at, kind, id, self.order_json(id)?))
    }

    /// The ids of the orders a plan change charged to a subscription (by UUID or external
    /// id); credits make no order, so `order_json` finds none for them.
    pub(crate) fn order_ids_of(&self, subscription: &str) -> Vec<String> {
        let uuid = self.subscriptions.iter().find(|s| s.uuid == subscription || s.external_id == subscription);
        let Some(uuid) = uuid.map(|s| s.uuid.as_str()) else { return Vec::new() };
        self.charges.iter().filter(|(sub, _)| sub == uuid).map(|(_, o)| o.id.clone()).collect()
    }

    /// `order.created` for each order of `subscription` not in `before`.
    pub(crate) fn new_order_events(&self, subscription: &str, before: &[String]) -> Vec<Emitted> {
        let at = self.clock.now();
        let ids = self.order_ids_of(subscription);
        ids.iter()
            .filter(|id| !before.contains(id))
            .filter_map(|id| self.order_event(at, "order.created", id))
            .collect()
    }

    /// `payment_method.created` for the card the hosted page saved at `at` (saving a card
    /// again makes it a new method, the customer's default, as the list shows it).
    fn new_card_events(&self, customer: &str, at: DateTime<Utc>) -> Vec<Emitted> {
        self.payment_methods(Some(customer), None)
            .into_iter()
            .filter(|m| self.ledger.cards.iter().any(|c| c.id == m.id && c.customer_id == customer && c.created == at))
            .map(|m| Emitted::new(at, "payment_method.created", &m.id.to_string(), m))
            .collect()
    }

    /// `feature.usage_alert` for each threshold a usage report crossed upwards. Kelviq names
    /// the event but documents neither its thresholds nor its body: inferred, 80% and 100% of
    /// the entitlement's allowance, `{customerId, featureId, subscriptionId, usage, limit,
    /// threshold}`. Unlimited or non-numeric allowances alert never.
    pub(crate) fn usage_alerts(&self, i: usize, feature: &str, was: i64, now: i64) -> Vec<Emitted> {
        let Some(s) = self.subscriptions.get(i) else { return Vec::new() };
        let limit = self
            .plan(&s.plan_id)
            .and_then(|p| self.granted(p, &s.quantities).find(|(f, _, _)| f.identifier == feature))
            .and_then(|(_, value, _)| value.as_i64())
            .filter(|l| *l > 0);
        let Some(limit) = limit else { return Vec::new() };
        let at = self.clock.now();
        USAGE_ALERT_PERCENT
            .iter()
            // `used * 100 >= limit * percent`, in i128 so no report overflows it.
            .filter(|p| {
                let reached = |used: i64| i128::from(used) * 100 >= i128::from(limit) * i128::from(**p);
                !reached(was) && reached(now)
            })
            .map(|p| {
                let object = json!({
                    "customerId": s.customer_id,
                    "featureId": feature,
                    "subscriptionId": s.uuid,
                    "usage": now,
                    "limit": limit,
                    "threshold": p,
                });
                Emitted::new(at, "feature.usage_alert", &format!("{}:{feature}", s.uuid), object)
            })
            .collect()
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
                    .map(|e| e.with_previous(self.previous_of(h)))
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
        let mut out = vec![Emitted::new(at, "checkout.completed", &c.id, detail)];
        if let Some(order) = &c.order {
            out.extend(self.order_event(at, "order.created", &order.id));
        }
        if let Some(customer) = c.customer_id.as_deref() {
            out.extend(self.new_card_events(customer, at));
        }
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
