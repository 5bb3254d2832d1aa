//! Saved payment methods (`GET /payment-methods/`): the card each payment on the hosted page
//! took, and the test card 4242 behind every charge the seed made (its orders say they were
//! paid with it). Only `succeeded` methods exist here, as the list documents; the newest of a
//! customer's cards is the default.

use chrono::{DateTime, Utc};

use super::ledger::SavedCard;
use super::payments::OrderRow;
use super::state::State;
use crate::providers::kelviq::wire;
use crate::sandbox::pay::CardSeen;

/// Ids of the seed's cards start here; cards saved later count from 1.
const SEEDED_CARD_IDS: i64 = 100_000;

impl State {
    /// Keeps the card a payment used; the same card twice is kept once (and becomes the newest).
    pub fn save_card(&mut self, customer_id: &str, card: CardSeen, now: DateTime<Utc>) {
        let cards = &mut self.ledger.cards;
        cards.retain(|c| !(c.customer_id == customer_id && c.card == card));
        let id = cards.iter().map(|c| c.id).max().unwrap_or(0) + 1;
        cards.push(SavedCard { id, customer_id: customer_id.to_string(), card, created: now });
    }

    /// The card an order was paid with: the newest saved before it, else the seed's 4242.
    pub fn card_for_order(&self, row: &OrderRow) -> CardSeen {
        self.ledger
            .cards
            .iter()
            .filter(|c| c.customer_id == row.customer_id && c.created <= row.paid_at)
            .max_by_key(|c| c.created)
            .map_or_else(|| CardSeen::from_typed(""), |c| c.card.clone())
    }

    /// Every saved method, newest first, narrowed to a customer id and/or email.
    pub fn payment_methods(&self, customer_id: Option<&str>, email: Option<&str>) -> Vec<wire::PaymentMethodResponse> {
        let mut cards = self.ledger.cards.clone();
        // One pass over the orders: each customer's first charge (generated accounts are large).
        let mut first_paid: std::collections::HashMap<String, DateTime<Utc>> = std::collections::HashMap::new();
        for o in self.orders().into_iter().filter(|o| customer_id.is_none_or(|id| o.customer_id == id)) {
            let at = first_paid.entry(o.customer_id).or_insert(o.paid_at);
            *at = (*at).min(o.paid_at);
        }
        for (i, c) in self.customers.iter().enumerate() {
            let paid = first_paid.get(&c.customer_id).copied();
            let seeded_card = CardSeen::from_typed("");
            let saved = cards.iter().any(|s| s.customer_id == c.customer_id && s.card == seeded_card);
            if let (Some(paid), false) = (paid, saved) {
                let id = SEEDED_CARD_IDS + i as i64;
                cards.push(SavedCard { id, customer_id: c.customer_id.clone(), card: seeded_card, created: paid });
            }
        }
        cards.retain(|c| customer_id.is_none_or(|id| c.customer_id == id));
        cards.retain(|c| {
            email.is_none_or(|e| self.customer(&c.customer_id).and_then(|cu| cu.email.as_deref()) == Some(e))
        });
        cards.sort_by_key(|c| std::cmp::Reverse((c.created, c.id)));
        let mut seen_default = std::collections::HashSet::new();
        cards.iter().map(|c| self.render_card(c, seen_default.insert(c.customer_id.clone()))).collect()
    }

    fn render_card(&self, c: &SavedCard, is_default: bool) -> wire::PaymentMethodResponse {
        let customer = self.customer(&c.customer_id);
        let stamp = c.created.format("%Y-%m-%dT%H:%M:%S%.6fZ").to_string();
        let data = [("brand", c.card.brand.to_string()), ("last4", c.card.last4.clone()), ("funding", "credit".into())];
        wire::PaymentMethodResponse {
            id: c.id,
            customer: Some(wire::PaymentMethodCustomer {
                customer_id: c.customer_id.clone(),
                name: customer.and_then(|cu| cu.name.clone()),
                email: customer.and_then(|cu| cu.email.clone()),
                billing_address: None,
            }),
            method_type: "card".into(),
            method_data: data.into_iter().map(|(k, v)| (k.to_string(), serde_json::Value::from(v))).collect(),
            is_default,
            status: "succeeded".into(),
            created_on: Some(stamp.clone()),
            modified_on: Some(stamp),
        }
    }
}

pub mod routes {
    use std::collections::HashMap;

    use axum::extract::{Query, State as Extract};

    use super::super::{Reply, paginate_all};
    use crate::sandbox::{AppState, lock};

    /// `GET /payment-methods/`: `customer_id` and `customer_email` narrow, pages of 10.
    pub(crate) async fn list_payment_methods(
        Extract(app): Extract<AppState>,
        Query(q): Query<HashMap<String, String>>,
    ) -> Reply {
        let k = lock(&app.kelviq);
        let filter = |key: &str| q.get(key).map(String::as_str).filter(|v| !v.is_empty());
        let rows = k.payment_methods(filter("customer_id"), filter("customer_email"));
        paginate_all(&k.public_base, "/kelviq/api/v1/payment-methods/", &q, rows, 10)
    }
}
