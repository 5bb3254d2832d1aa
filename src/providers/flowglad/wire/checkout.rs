//! Checkout sessions: the create input and the stored record, both discriminated by `type`.

use serde::{Deserialize, Serialize};

use super::{Metadata, Millis};

pub const CHECKOUT_PRODUCT: &str = "product";
pub const CHECKOUT_ACTIVATE_SUBSCRIPTION: &str = "activate_subscription";
pub const CHECKOUT_ADD_PAYMENT_METHOD: &str = "add_payment_method";

/// `CreateCheckoutSessionInput`. `product` sessions are identified (`customerExternalId`) or
/// anonymous (`anonymous: true`, no customer) and name a price by id or slug;
/// `activate_subscription` needs `targetSubscriptionId`; `add_payment_method` may name one.
/// Every variant requires `successUrl` and `cancelUrl`.
#[derive(Clone, Debug, Default, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct CheckoutSessionInput {
    #[serde(default, rename = "type")]
    pub kind: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub customer_external_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub success_url: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cancel_url: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub output_metadata: Option<Metadata>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub output_name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub price_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub price_slug: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub quantity: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub anonymous: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub preserve_billing_cycle_anchor: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub target_subscription_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub automatically_update_subscriptions: Option<bool>,
}

#[derive(Clone, Debug, Default, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct CreateCheckoutSessionRequest {
    pub checkout_session: CheckoutSessionInput,
}

/// `CheckoutSessionRecord` (product, purchase, add_payment_method, activate_subscription).
/// Flat: every field is written, `null` where a variant has no value, which each variant
/// of the spec's union accepts.
#[derive(Clone, Debug, Default, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct CheckoutSession {
    pub id: String,
    #[serde(default)]
    pub created_at: Millis,
    #[serde(default)]
    pub updated_at: Millis,
    #[serde(default)]
    pub livemode: bool,
    #[serde(default)]
    pub pricing_model_id: String,
    /// open, pending, succeeded, failed, expired.
    #[serde(default)]
    pub status: String,
    #[serde(default)]
    pub billing_address: Option<serde_json::Value>,
    #[serde(default)]
    pub price_id: Option<String>,
    #[serde(default)]
    pub purchase_id: Option<String>,
    #[serde(default)]
    pub invoice_id: Option<String>,
    #[serde(default)]
    pub quantity: i64,
    #[serde(default)]
    pub organization_id: String,
    #[serde(default)]
    pub customer_name: Option<String>,
    #[serde(default)]
    pub customer_email: Option<String>,
    /// Flowglad's own customer id.
    #[serde(default)]
    pub customer_id: Option<String>,
    #[serde(default)]
    pub payment_method_type: Option<String>,
    #[serde(default)]
    pub discount_id: Option<String>,
    #[serde(default)]
    pub success_url: Option<String>,
    #[serde(default)]
    pub cancel_url: Option<String>,
    #[serde(default, rename = "type")]
    pub kind: String,
    #[serde(default)]
    pub preserve_billing_cycle_anchor: bool,
    #[serde(default)]
    pub output_metadata: Option<Metadata>,
    #[serde(default)]
    pub output_name: Option<String>,
    #[serde(default)]
    pub target_subscription_id: Option<String>,
    #[serde(default)]
    pub automatically_update_subscriptions: Option<bool>,
    #[serde(default)]
    pub expires: Millis,
}

/// `{checkoutSession, url}`: create and get both answer with the hosted page's URL.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct CheckoutSessionResponse {
    pub checkout_session: CheckoutSession,
    #[serde(default)]
    pub url: String,
}
