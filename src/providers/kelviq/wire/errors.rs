//! Kelviq's error bodies: the client decodes them (providers/error.rs) and the sandbox writes
//! them, so each shape is defined once here.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

/// `{detail}`: the body of 401/403/404/409 and most 400s (spec: `DetailErrorResponse`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct DetailError {
    pub detail: String,
}

/// `{status, message}` (spec: `ErrorResponse`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct StatusMessageError {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<String>,
    pub message: String,
}

/// DRF's field validation body: each field names its messages,
/// `{"email": ["Enter a valid email address."]}`.
pub type FieldErrors = BTreeMap<String, Vec<String>>;

/// `{error}`: refunds' business and payment-provider errors (spec: `RefundErrorResponse`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ErrorMessage {
    pub error: String,
}
