//! The delivery log (spec: `WebhookEventLogResponse`, `GET /webhook/logs/`): one row per
//! attempt, retries included, newest first.

use serde::{Deserialize, Serialize};
use serde_json::Value;

/// Every field is required by the spec; `statusCode` may be null (no answer).
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct WebhookEventLogResponse {
    pub id: String,
    pub event_id: String,
    pub endpoint: String,
    pub event_type: String,
    pub status_code: Option<u16>,
    pub is_success: bool,
    pub retry_count: u32,
    pub last_attempt: String,
    pub created_on: String,
    pub payload: Value,
}
