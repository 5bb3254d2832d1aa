//! The customer portal session (`/customer/session`, docs2 `docs/customer-facing-portal`).
//! The docs name only `redirect_url` and `session_token` in the answer; both open the portal.
//! Also the rows of a customer's payment methods (docs2 `customers/list-payment-methods`).

use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, Default, Serialize, Deserialize, PartialEq)]
pub struct CustomerSessionRequest {
    pub customer_id: String,
    pub return_url: String,
    /// Seconds; Zenskar's default is 3600.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub idle_timeout: Option<u32>,
}

#[derive(Clone, Debug, Default, Serialize, Deserialize, PartialEq)]
pub struct CustomerSessionResponse {
    #[serde(default)]
    pub redirect_url: String,
    #[serde(default)]
    pub session_token: Option<String>,
}

/// A row of `GET /customers/{customer_id}/payment_methods` (docs2: list payment methods).
/// `details` is the connector's own object (a card's brand, last four digits, expiry).
#[derive(Clone, Debug, Default, Serialize, Deserialize, PartialEq)]
pub struct PaymentMethod {
    pub id: String,
    #[serde(default)]
    pub customer_id: Option<String>,
    #[serde(default)]
    pub organisation_id: Option<String>,
    #[serde(default)]
    pub connector_id: Option<String>,
    #[serde(default)]
    pub connector_name: Option<String>,
    #[serde(default)]
    pub external_id: Option<String>,
    #[serde(default)]
    pub is_default: bool,
    #[serde(default)]
    pub status: Option<String>,
    #[serde(default)]
    pub country: Option<String>,
    #[serde(default, rename = "type")]
    pub kind: Option<String>,
    #[serde(default)]
    pub details: serde_json::Map<String, serde_json::Value>,
}
