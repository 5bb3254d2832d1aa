//! Zenskar's error bodies: the client decodes them (providers/error.rs) and the sandbox writes
//! them, so each shape is defined once here. Zenskar publishes no spec; the shapes are those
//! of its FastAPI app and its AWS API gateway (shared/providers/kelviq-zenskar.md, 2.4).

use serde::{Deserialize, Serialize};

/// `{detail: "..."}`: the app's 400/404/409 body.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct DetailError {
    pub detail: String,
}

/// `{detail: [{loc, msg, type}]}`: the app's 422 (pydantic validation).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ValidationError {
    pub detail: Vec<ValidationIssue>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ValidationIssue {
    /// Where the problem is: `["body", "success_url"]`, `["query", "limit"]`, list indexes as numbers.
    #[serde(default)]
    pub loc: Vec<LocPart>,
    pub msg: String,
    #[serde(default, rename = "type")]
    pub kind: String,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum LocPart {
    Name(String),
    Index(u64),
}

impl LocPart {
    pub fn text(&self) -> String {
        match self {
            LocPart::Name(s) => s.clone(),
            LocPart::Index(i) => i.to_string(),
        }
    }
}

/// `{message}`: the gateway's 401 for a missing or wrong `x-api-key`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct UnauthorizedError {
    pub message: String,
}

/// `{Message}` (capital M): the gateway's explicit-deny 403 for a wrong `organisation`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct GatewayError {
    #[serde(rename = "Message")]
    pub message: String,
}
