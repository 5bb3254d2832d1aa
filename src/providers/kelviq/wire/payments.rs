//! Orders, refunds, portal sessions and usage reports (spec: `OrderResponse`,
//! `RefundCreateRequest`, `RefundResponse`, `CreatePortalSession*`, `ReportUsage*`).

use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::{OrderCustomer, OrderPaymentMethod};

/// One order. The spec requires no field; amounts come twice, as decimal strings and as
/// `*Units` minor units: till reads the units (exact integers).
#[derive(Clone, Debug, Default, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct OrderResponse {
    #[serde(default)]
    pub id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub customer: Option<OrderCustomer>,
    #[serde(default)]
    pub status: String,
    #[serde(default)]
    pub paid_at: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub amount_subtotal: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub amount_discount: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub amount_tax: Option<String>,
    #[serde(default)]
    pub amount_total: Option<String>,
    #[serde(default)]
    pub sale_currency: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub amount_subtotal_units: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub amount_discount_units: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub amount_tax_units: Option<i64>,
    #[serde(default)]
    pub amount_total_units: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub refunded_total_units: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sale_currency_symbol: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub billing_type: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub is_trial: Option<bool>,
    /// `OrderSubscriptionSummary`: `{}` when the order has no subscription.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub subscription: Option<OrderSubscriptionSummary>,
    #[serde(default)]
    pub invoice_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub payment_method: Option<OrderPaymentMethod>,
}

#[derive(Clone, Debug, Default, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct OrderSubscriptionSummary {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub amount: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub currency: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub interval: Option<String>,
}

#[derive(Clone, Debug, Default, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct RefundCreateRequest {
    pub order_id: String,
    /// Minor units; takes precedence over `amount`, so till sends only this.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub amount_units: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none", with = "crate::providers::decode::opt_decimal_number")]
    pub amount: Option<Decimal>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub internal_note: Option<String>,
}

#[derive(Clone, Debug, Default, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct RefundResponse {
    #[serde(default)]
    pub id: String,
    #[serde(default)]
    pub reason: Option<String>,
    #[serde(default)]
    pub amount_units: Option<i64>,
    #[serde(default, with = "crate::providers::decode::opt_decimal_number")]
    pub amount: Option<Decimal>,
    #[serde(default)]
    pub internal_note: Option<String>,
    #[serde(default)]
    pub failure_reason: Option<String>,
    #[serde(default)]
    pub status: String,
    /// "The complete serialized order": free-form in the spec; the sandbox writes an
    /// `OrderResponse`.
    #[serde(default)]
    pub order: Value,
}

#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct CreatePortalSessionRequest {
    pub customer_id: String,
}

#[derive(Clone, Debug, Default, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct CreatePortalSessionResponse {
    #[serde(default)]
    pub token: String,
    #[serde(default)]
    pub email: Option<String>,
    #[serde(default)]
    pub customer_portal_url: String,
}

#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct ReportUsageRequest {
    pub value: i64,
    pub customer_id: String,
    pub feature_id: String,
    /// `SET` replaces, `DELTA` increments.
    pub behaviour: String,
}

#[derive(Clone, Debug, Default, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct ReportUsageResponse {
    #[serde(default)]
    pub value: i64,
    #[serde(default)]
    pub customer_id: String,
    #[serde(default)]
    pub feature_id: String,
    #[serde(default)]
    pub behaviour: String,
    #[serde(default)]
    pub org_id: Option<String>,
    #[serde(default)]
    pub event_name: Option<String>,
    #[serde(default)]
    pub idempotency_key: Option<String>,
    #[serde(default)]
    pub timestamp: Option<String>,
}

/// `GET /payment-methods/` rows (`PaymentMethodResponse`): only `succeeded` methods are listed.
#[derive(Clone, Debug, Default, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct PaymentMethodResponse {
    #[serde(default)]
    pub id: i64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub customer: Option<PaymentMethodCustomer>,
    #[serde(default)]
    pub method_type: String,
    /// For a card: `brand`, `last4`, `expMonth`, `expYear`, `funding`, `country`.
    #[serde(default)]
    pub method_data: serde_json::Map<String, Value>,
    #[serde(default)]
    pub is_default: bool,
    #[serde(default)]
    pub status: String,
    #[serde(default)]
    pub created_on: Option<String>,
    #[serde(default)]
    pub modified_on: Option<String>,
}

#[derive(Clone, Debug, Default, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct PaymentMethodCustomer {
    #[serde(default)]
    pub customer_id: String,
    #[serde(default)]
    pub name: Option<String>,
    #[serde(default)]
    pub email: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub billing_address: Option<super::BillingAddress>,
}
