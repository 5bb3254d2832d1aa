//! Payments, refunds and usage events (spec: `PaymentClientSelectSchema`,
//! `POST /payments/{id}/refund`, `POST /usage-events`, `UsageEventClientSelectSchema`).
//! Both response schemas are closed and require their nullable fields, so every field is
//! written, `null` included.

use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::Millis;

#[derive(Clone, Debug, Default, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct Payment {
    #[serde(default)]
    pub id: String,
    #[serde(default)]
    pub created_at: Millis,
    #[serde(default)]
    pub updated_at: Millis,
    #[serde(default)]
    pub livemode: bool,
    #[serde(default)]
    pub invoice_id: String,
    /// Minor units (cents), like every Flowglad amount.
    #[serde(default)]
    pub amount: i64,
    #[serde(default)]
    pub payment_method: String,
    #[serde(default)]
    pub currency: String,
    /// `canceled, failed, refunded, processing, succeeded, requires_confirmation, requires_action`.
    #[serde(default)]
    pub status: String,
    #[serde(default)]
    pub charge_date: Millis,
    #[serde(default)]
    pub settlement_date: Option<Millis>,
    #[serde(default)]
    pub description: Option<String>,
    #[serde(default)]
    pub receipt_number: Option<String>,
    #[serde(default, rename = "receiptURL")]
    pub receipt_url: Option<String>,
    #[serde(default)]
    pub organization_id: String,
    /// Flowglad's own customer id (not the external id).
    #[serde(default)]
    pub customer_id: String,
    #[serde(default)]
    pub purchase_id: Option<String>,
    #[serde(default)]
    pub subscription_id: Option<String>,
    #[serde(default)]
    pub payment_method_id: Option<String>,
    #[serde(default)]
    pub billing_period_id: Option<String>,
    #[serde(default)]
    pub tax_amount: Option<i64>,
    #[serde(default)]
    pub subtotal: Option<i64>,
    #[serde(default)]
    pub tax_type: Option<String>,
    #[serde(default)]
    pub tax_country: Option<String>,
    #[serde(default)]
    pub tax_state: Option<String>,
    #[serde(default)]
    pub tax_rate_percentage: Option<String>,
    #[serde(default)]
    pub application_fee: Option<i64>,
    #[serde(default)]
    pub refunded: bool,
    #[serde(default)]
    pub refunded_amount: Option<i64>,
    #[serde(default)]
    pub refunded_at: Option<Millis>,
    #[serde(default)]
    pub failure_message: Option<String>,
    #[serde(default)]
    pub failure_code: Option<String>,
    #[serde(default)]
    pub pricing_model_id: String,
}

#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct PaymentResponse {
    pub payment: Payment,
}

/// `{ partialAmount? }`: the spec types it `number`; it is in minor units like every
/// Flowglad amount (inferred: the spec's description says only "the amount to refund").
#[derive(Clone, Debug, Default, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct RefundRequest {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub partial_amount: Option<i64>,
}

#[derive(Clone, Debug, Default, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct UsageEventInput {
    pub subscription_id: String,
    pub amount: i64,
    pub transaction_id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub usage_date: Option<Millis>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub price_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub price_slug: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub usage_meter_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub usage_meter_slug: Option<String>,
}

#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct UsageEventRequest {
    pub usage_event: UsageEventInput,
}

#[derive(Clone, Debug, Default, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct UsageEvent {
    #[serde(default)]
    pub id: String,
    #[serde(default)]
    pub created_at: Millis,
    #[serde(default)]
    pub updated_at: Millis,
    #[serde(default)]
    pub livemode: bool,
    #[serde(default)]
    pub customer_id: String,
    #[serde(default)]
    pub subscription_id: String,
    #[serde(default)]
    pub usage_meter_id: String,
    #[serde(default)]
    pub billing_period_id: Option<String>,
    #[serde(default)]
    pub amount: i64,
    #[serde(default)]
    pub usage_date: Millis,
    #[serde(default)]
    pub transaction_id: String,
    #[serde(default)]
    pub price_id: String,
    #[serde(default)]
    pub properties: Option<Value>,
    #[serde(default)]
    pub pricing_model_id: String,
}

#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct UsageEventResponse {
    pub usage_event: UsageEvent,
}
