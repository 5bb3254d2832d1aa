//! Checkout sessions: what a developer asks a provider to sell, and the session it answers
//! with, as one or as a list shows it.

use std::collections::BTreeMap;

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

use super::Estimate;
use super::model::{FeatureQuantity, ProviderKind, status_text};
use super::money::Money;
use super::period::ChargePeriod;

/// What a developer asks a provider to sell. Providers read the fields they understand;
/// the checkout form only offers the fields a provider defines.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct CheckoutRequest {
    pub plan_id: String,
    pub period: Option<ChargePeriod>,
    pub price_id: Option<String>,
    pub customer_id: Option<String>,
    pub customer_email: Option<String>,
    pub currency: Option<String>,
    pub quantity: Option<u32>,
    #[serde(default)]
    pub features: Vec<FeatureQuantity>,
    pub success_url: String,
    pub cancel_url: Option<String>,
    pub ip_address: Option<String>,
    pub start_date: Option<NaiveDate>,
    pub end_date: Option<NaiveDate>,
    #[serde(default)]
    pub metadata: BTreeMap<String, String>,
    /// What the session is for; `None` is a purchase of `plan_id`/`price_id`.
    #[serde(default)]
    pub purpose: Option<CheckoutPurpose>,
    /// Flowglad: keep the subscription's billing cycle anchor.
    #[serde(default)]
    pub preserve_billing_cycle_anchor: Option<bool>,
    /// Flowglad: the name of what the checkout produces.
    #[serde(default)]
    pub output_name: Option<String>,
    /// KuvarPay: FIXED or METERED billing.
    #[serde(default)]
    pub billing_mode: Option<String>,
    /// KuvarPay: the amount to charge in `currency` (a decimal string, as KuvarPay sends amounts).
    #[serde(default)]
    pub target_amount: Option<String>,
    #[serde(default)]
    pub customer_first_name: Option<String>,
    #[serde(default)]
    pub customer_last_name: Option<String>,
    /// Zenskar: the business entity a guest checkout belongs to.
    #[serde(default)]
    pub business_entity_id: Option<String>,
    /// Zenskar: when the session stops accepting payment (the provider's default is 24 h).
    #[serde(default)]
    pub expires_at: Option<DateTime<Utc>>,
    /// Zenskar: products switched off for this checkout (`is_enabled: false`), by the same
    /// identifiers `features` uses.
    #[serde(default)]
    pub disabled_products: Vec<String>,
}

/// Checkouts that do not sell a plan. Only providers whose capabilities say so accept them
/// (Flowglad's `activate_subscription` and `add_payment_method` session types).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum CheckoutPurpose {
    /// Sell `plan_id`/`price_id`, as when no purpose is given.
    Purchase,
    /// Collect the first payment of a subscription created without one.
    ActivateSubscription { subscription_id: String },
    /// Save a payment method, optionally for one subscription.
    AddPaymentMethod { subscription_id: Option<String> },
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum CheckoutStatus {
    Open,
    Processing,
    Complete,
    Expired,
    Canceled,
    Unknown,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct CheckoutSession {
    pub provider: ProviderKind,
    pub id: String,
    pub url: Option<String>,
    pub status: CheckoutStatus,
    pub raw_status: String,
    pub expires_at: Option<DateTime<Utc>>,
    pub customer_id: Option<String>,
    /// Who the session is for, where the provider's answer names them: Flowglad answers with
    /// its own customer id, which a reader may never have seen.
    pub customer_name: Option<String>,
    pub customer_email: Option<String>,
    pub subscription_id: Option<String>,
    pub estimate: Option<Estimate>,
}

/// A checkout session as a list shows it: the session, who it is for, what it sells and when
/// it was made. Each figure is `None` where the provider's list does not state it.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct CheckoutListing {
    pub session: CheckoutSession,
    pub customer_name: Option<String>,
    pub customer_email: Option<String>,
    /// What the session sells (price × quantity), or what is due now for a session this
    /// console created.
    pub amount: Option<Money>,
    pub created_at: Option<DateTime<Utc>>,
}

impl CheckoutSession {
    /// "complete (COMPLETED)": see [`status_text`].
    pub fn status_text(&self) -> String {
        status_text(self.status.label(), &self.raw_status)
    }
}

impl CheckoutStatus {
    pub fn label(&self) -> &'static str {
        match self {
            CheckoutStatus::Open => "open",
            CheckoutStatus::Processing => "processing",
            CheckoutStatus::Complete => "complete",
            CheckoutStatus::Expired => "expired",
            CheckoutStatus::Canceled => "canceled",
            CheckoutStatus::Unknown => "unknown",
        }
    }

    /// Paid, expired or canceled: nothing more will happen to the session.
    pub fn is_final(&self) -> bool {
        matches!(self, CheckoutStatus::Complete | CheckoutStatus::Expired | CheckoutStatus::Canceled)
    }
}
