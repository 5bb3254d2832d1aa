//! The customer portal session (`/customer/session`, docs2 `docs/customer-facing-portal`).
//! The docs name only `redirect_url` and `session_token` in the answer; both open the portal.

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
