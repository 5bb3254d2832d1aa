//! The error bodies Flowglad's REST handler actually sends (not the spec's `{message, issues}`,
//! which no captured response shows): the client decodes them (providers/error.rs) and the
//! sandbox writes them, so each shape is defined once here.

use serde::{Deserialize, Serialize};

/// `{error, code?, request_id?}`. `error` is a message or, for input validation, the list of
/// zod issues.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct ErrorBody {
    pub error: ErrorMessage,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub code: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub request_id: Option<String>,
}

#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
#[serde(untagged)]
pub enum ErrorMessage {
    Text(String),
    Issues(Vec<ZodIssue>),
}

/// One zod issue. Only `code`, `path` and `message` are common to every kind; the rest belong
/// to some codes (`too_small` has `minimum`, `invalid_type` has `expected`, …).
#[derive(Clone, Debug, Default, Serialize, Deserialize, PartialEq)]
pub struct ZodIssue {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub origin: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expected: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub format: Option<String>,
    pub code: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub received: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub minimum: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub maximum: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub inclusive: Option<bool>,
    #[serde(default)]
    pub path: Vec<PathPart>,
    #[serde(default)]
    pub message: String,
}

/// A zod path element: an object key or a list index.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq)]
#[serde(untagged)]
pub enum PathPart {
    Key(String),
    Index(u64),
}

impl PathPart {
    pub fn text(&self) -> String {
        match self {
            PathPart::Key(s) => s.clone(),
            PathPart::Index(i) => i.to_string(),
        }
    }
}

impl ZodIssue {
    /// `customer.email`, as a form names the field.
    pub fn dotted_path(&self) -> String {
        self.path.iter().map(PathPart::text).collect::<Vec<_>>().join(".")
    }
}
