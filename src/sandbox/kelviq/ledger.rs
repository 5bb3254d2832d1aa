//! What the Kelviq sandbox remembers beyond the seed: refunds, portal tokens and saved cards.
//! Plain records with no rules, so `state`, `cards` and `payments` can all hold them.

use chrono::{DateTime, Utc};

/// What the sandbox remembers beyond the seed: refunds and portal tokens.
#[derive(Debug, Default)]
pub struct Ledger {
    /// Order id → minor units refunded so far.
    pub refunded: std::collections::BTreeMap<String, i64>,
    pub refunds: Vec<crate::providers::kelviq::wire::RefundResponse>,
    /// Portal token → customer id.
    pub portal_tokens: std::collections::BTreeMap<String, String>,
    /// Cards payments on the hosted page saved (cards.rs).
    pub cards: Vec<SavedCard>,
}

/// A card a payment on the hosted page saved (cards.rs reads and renders them).
#[derive(Clone, Debug)]
pub struct SavedCard {
    pub id: i64,
    pub customer_id: String,
    pub card: crate::sandbox::pay::CardSeen,
    pub created: DateTime<Utc>,
}
