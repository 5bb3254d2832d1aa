//! A customer's payment methods (`GET /customers/{customer_id}/payment_methods`, docs2
//! "List payment methods"): the card each payment on the hosted checkout page took, saved
//! through the sandbox's own connector. The seed's customers are invoiced and have none.

use chrono::{DateTime, Utc};

use super::state::{SavedCard, State, uuid};
use crate::providers::zenskar::wire;
use crate::sandbox::pay::CardSeen;

/// The connector the sandbox's hosted page stands for.
const CONNECTOR: &str = "stripe";

impl State {
    /// Keeps the card a payment used, as the customer's default; the same card is kept once.
    pub fn save_card(&mut self, customer_id: &str, card: CardSeen, now: DateTime<Utc>) {
        self.cards.retain(|c| !(c.customer_id == customer_id && c.card == card));
        let id = uuid(&mut self.rng);
        self.cards.push(SavedCard { id, customer_id: customer_id.to_string(), card, created: now });
    }

    /// The customer's methods, newest (the default) first.
    pub fn payment_methods(&self, customer_id: &str) -> Vec<wire::PaymentMethod> {
        let mut cards: Vec<&SavedCard> = self.cards.iter().filter(|c| c.customer_id == customer_id).collect();
        cards.sort_by_key(|c| std::cmp::Reverse(c.created));
        cards
            .iter()
            .enumerate()
            .map(|(i, c)| wire::PaymentMethod {
                id: c.id.clone(),
                customer_id: Some(c.customer_id.clone()),
                organisation_id: Some(self.organisation_id.clone()),
                connector_id: None,
                connector_name: Some(CONNECTOR.into()),
                external_id: Some(format!("pm_{}", c.id.chars().filter(|ch| *ch != '-').take(16).collect::<String>())),
                is_default: i == 0,
                status: Some("active".into()),
                country: Some("US".into()),
                kind: Some("card".into()),
                details: [("brand", c.card.brand.to_string()), ("last4", c.card.last4.clone())]
                    .into_iter()
                    .map(|(k, v)| (k.to_string(), serde_json::Value::from(v)))
                    .collect(),
            })
            .collect()
    }

    /// The customer a paid checkout's contract belongs to.
    pub fn checkout_customer(&self, checkout_id: &str) -> Option<String> {
        let contract = self.checkouts.get(checkout_id)?.contract_id.as_ref()?;
        let i = *self.contract_index.get(contract)?;
        Some(self.contracts[i].customer_id.clone())
    }
}
