//! One error type for every provider call, and the tolerant decoder for error bodies.
//!
//! Providers answer failures in many shapes (Kelviq alone has four, plus plain text), so the
//! decoder tries each known field in turn and never fails: the worst case is the raw text.

use std::fmt;

use serde_json::Value;

use crate::billing::ProviderKind;

#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ErrorKind {
    /// The provider answered with a non-success status.
    Http,
    /// No answer: DNS, connect, reset, TLS.
    Transport,
    /// The request or the whole exchange exceeded its time limit.
    Timeout,
    /// The provider answered 2xx but the body did not decode as documented.
    Decode,
    /// The provider does not offer this operation at all.
    Unsupported,
    /// Bad input caught before anything was sent.
    Invalid,
    /// A money-moving action refused before anything was sent because its audit journal
    /// line could not be written (full disk, permissions).
    Journal,
}

/// A message about one field, as the provider reported it.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct FieldError {
    pub field: String,
    pub message: String,
}

#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct ProviderError {
    pub provider: ProviderKind,
    pub kind: ErrorKind,
    pub status: Option<u16>,
    /// The provider's own error code (Flowglad `code`, Zenskar `type`), when it sends one.
    pub code: Option<String>,
    pub message: String,
    pub request_id: Option<String>,
    pub field_errors: Vec<FieldError>,
}

impl ProviderError {
    pub fn new(provider: ProviderKind, kind: ErrorKind, message: impl Into<String>) -> ProviderError {
        ProviderError {
            provider,
            kind,
            status: None,
            code: None,
            message: message.into(),
            request_id: None,
            field_errors: Vec::new(),
        }
    }

    pub fn unsupported(provider: ProviderKind, what: &str) -> ProviderError {
        ProviderError::new(provider, ErrorKind::Unsupported, format!("{what} is not offered by {provider}"))
    }

    pub fn invalid(provider: ProviderKind, message: impl Into<String>) -> ProviderError {
        ProviderError::new(provider, ErrorKind::Invalid, message)
    }

    /// Builds the error for a non-success response from its status and body.
    pub fn from_response(
        provider: ProviderKind,
        status: u16,
        body: &[u8],
        request_id: Option<String>,
    ) -> ProviderError {
        let decoded = decode_error_body_of(provider, body);
        let message = decoded.message.unwrap_or_else(|| default_status_message(status).to_string());
        // Every part is the provider's text (a 404 echoes the id asked for, line breaks and
        // all), and an error is shown as one line: each becomes one line here, once, for both
        // front ends and the journal.
        let one = |s: String| crate::text::line(&s).into_owned();
        ProviderError {
            provider,
            kind: ErrorKind::Http,
            status: Some(status),
            code: decoded.code.map(one),
            message: one(message),
            request_id: request_id.or(decoded.request_id).map(one),
            field_errors: decoded
                .fields
                .into_iter()
                .map(|f| FieldError { field: one(f.field), message: one(f.message) })
                .collect(),
        }
    }

    pub fn is_auth(&self) -> bool {
        matches!(self.status, Some(401 | 403))
    }

    pub fn is_not_found(&self) -> bool {
        self.status == Some(404)
    }

    pub fn is_validation(&self) -> bool {
        self.kind == ErrorKind::Invalid || matches!(self.status, Some(400 | 422)) && !self.field_errors.is_empty()
    }
}

impl fmt::Display for ProviderError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.provider)?;
        if let Some(status) = self.status {
            write!(f, " {status}")?;
        }
        if let Some(code) = &self.code {
            write!(f, " [{code}]")?;
        }
        write!(f, ": {}", self.message)?;
        for fe in &self.field_errors {
            if !self.message.contains(&fe.message) {
                write!(f, "; {}: {}", fe.field, fe.message)?;
            }
        }
        if let Some(id) = &self.request_id {
            write!(f, " (request id {id})")?;
        }
        Ok(())
    }
}

impl std::error::Error for ProviderError {}

fn default_status_message(status: u16) -> &'static str {
    match status {
        400 => "bad request",
        401 => "not authenticated: the API key is missing, wrong, or for another environment",
        403 => "forbidden: the key or organisation may not access this resource",
        404 => "not found",
        409 => "conflict",
        422 => "the request did not validate",
        428 => "the provider account is not fully configured",
        429 => "rate limited",
        500..=599 => "the provider had a server error",
        _ => "request failed",
    }
}

#[derive(Debug, Default, PartialEq)]
pub struct DecodedErrorBody {
    pub message: Option<String>,
    pub code: Option<String>,
    pub request_id: Option<String>,
    pub fields: Vec<FieldError>,
}

/// Decodes an error body from `provider`: first as one of the shapes its wire module defines
/// (the shapes the sandbox writes), then, for anything else a proxy or a new API version may
/// send, with the tolerant [`decode_error_body`].
pub fn decode_error_body_of(provider: ProviderKind, body: &[u8]) -> DecodedErrorBody {
    let typed = match provider {
        ProviderKind::Kelviq => kelviq_error(body),
        ProviderKind::Flowglad => flowglad_error(body),
        ProviderKind::KuvarPay => kuvarpay_error(body),
        ProviderKind::Zenskar => zenskar_error(body),
    };
    typed
        .filter(|d| d.message.as_deref().is_some_and(|m| !m.trim().is_empty()))
        .unwrap_or_else(|| decode_error_body(body))
}

fn parsed<T: serde::de::DeserializeOwned>(body: &[u8]) -> Option<T> {
    serde_json::from_slice(body).ok()
}

fn message_only(message: &str) -> Option<DecodedErrorBody> {
    Some(DecodedErrorBody { message: Some(message.trim().to_string()), ..Default::default() })
}

fn with_fields(fields: Vec<FieldError>) -> Option<DecodedErrorBody> {
    Some(DecodedErrorBody { message: summarise_fields(&fields), fields, ..Default::default() })
}

fn kelviq_error(body: &[u8]) -> Option<DecodedErrorBody> {
    use super::kelviq::wire;
    if let Some(e) = parsed::<wire::DetailError>(body) {
        return message_only(&e.detail);
    }
    if let Some(e) = parsed::<wire::StatusMessageError>(body) {
        return message_only(&e.message);
    }
    let fields = parsed::<wire::FieldErrors>(body)?;
    with_fields(
        fields
            .into_iter()
            .flat_map(|(field, messages)| {
                messages.into_iter().map(move |message| FieldError { field: field.clone(), message })
            })
            .collect(),
    )
}

fn zenskar_error(body: &[u8]) -> Option<DecodedErrorBody> {
    use super::zenskar::wire;
    if let Some(e) = parsed::<wire::DetailError>(body) {
        return message_only(&e.detail);
    }
    if let Some(e) = parsed::<wire::ValidationError>(body) {
        let fields = e.detail.into_iter().map(|i| {
            let loc =
                i.loc.iter().map(wire::LocPart::text).filter(|p| !matches!(p.as_str(), "body" | "query" | "path"));
            FieldError { field: loc.collect::<Vec<_>>().join("."), message: i.msg }
        });
        return with_fields(fields.collect());
    }
    if let Some(e) = parsed::<wire::UnauthorizedError>(body) {
        return message_only(&e.message);
    }
    parsed::<wire::GatewayError>(body).and_then(|e| message_only(&e.message))
}

fn flowglad_error(body: &[u8]) -> Option<DecodedErrorBody> {
    use super::flowglad::wire;
    let e = parsed::<wire::ErrorBody>(body)?;
    // Errors raised before the procedure runs carry the ZodError's message: its issues as text.
    let issues = match &e.error {
        wire::ErrorMessage::Issues(issues) => Ok(issues.clone()),
        wire::ErrorMessage::Text(text) => serde_json::from_str::<Vec<wire::ZodIssue>>(text).map_err(|_| text),
    };
    let mut decoded = match issues {
        Ok(issues) => with_fields(
            issues.iter().map(|i| FieldError { field: i.dotted_path(), message: i.message.clone() }).collect(),
        )?,
        Err(text) => message_only(text)?,
    };
    decoded.code = e.code;
    decoded.request_id = e.request_id;
    Some(decoded)
}

fn kuvarpay_error(body: &[u8]) -> Option<DecodedErrorBody> {
    let e = parsed::<super::kuvarpay::wire::ErrorBody>(body)?;
    let fields = e.details.into_iter().map(|d| FieldError { field: d.field, message: d.message }).collect();
    Some(DecodedErrorBody { message: Some(e.error.trim().to_string()), code: e.code, request_id: None, fields })
}

/// Decodes any error body we have seen: `{detail: "..."}`, `{detail: [{loc, msg}]}` (pydantic),
/// `{status, message}`, `{error: "..." | {message, code}}`, `{Message}` (API gateways),
/// `{field: ["..."]}` (DRF), `{success: false, error: ..., details: [{field, message}]}` and
/// plain text. Never fails.
pub fn decode_error_body(body: &[u8]) -> DecodedErrorBody {
    let text = String::from_utf8_lossy(body);
    let trimmed = text.trim();
    let Ok(value) = serde_json::from_str::<Value>(trimmed) else {
        let message = (!trimmed.is_empty()).then(|| truncate(trimmed, 300));
        return DecodedErrorBody { message, ..Default::default() };
    };
    let mut out = DecodedErrorBody::default();
    match &value {
        Value::Object(map) => {
            out.code = ["code", "error_code", "type"].iter().find_map(|k| map.get(*k).and_then(scalar_text));
            out.request_id = ["request_id", "requestId"].iter().find_map(|k| map.get(*k).and_then(scalar_text));
            out.message = ["detail", "message", "Message", "error", "errors", "msg"]
                .iter()
                .find_map(|k| map.get(*k).and_then(|v| message_from(v, &mut out.fields, &mut out.code)));
            if out.message.is_none() {
                collect_field_arrays(map, &mut out.fields);
                out.message = summarise_fields(&out.fields);
            } else if out.fields.is_empty() {
                collect_details(map, &mut out.fields);
            }
        }
        Value::Array(items) => {
            out.message =
                message_from(&value, &mut out.fields, &mut out.code).or_else(|| items.first().and_then(scalar_text));
        }
        other => out.message = scalar_text(other),
    }
    if out.message.is_none() && !trimmed.is_empty() {
        out.message = Some(truncate(trimmed, 300));
    }
    out
}

/// Extracts a readable message from one error field's value, collecting field errors on the way.
fn message_from(value: &Value, fields: &mut Vec<FieldError>, code: &mut Option<String>) -> Option<String> {
    match value {
        Value::String(s) if !s.trim().is_empty() => Some(s.trim().to_string()),
        Value::Array(items) => {
            for item in items {
                match item {
                    Value::Object(obj) => fields.push(pydantic_field_error(obj)),
                    other => {
                        if let Some(s) = scalar_text(other) {
                            fields.push(FieldError { field: String::new(), message: s });
                        }
                    }
                }
            }
            summarise_fields(fields)
        }
        Value::Object(obj) => {
            if code.is_none() {
                *code = obj.get("code").and_then(scalar_text);
            }
            if let Some(m) =
                ["message", "detail", "error", "msg"].iter().find_map(|k| obj.get(*k).and_then(scalar_text))
            {
                return Some(m);
            }
            collect_field_arrays(obj, fields);
            summarise_fields(fields)
        }
        _ => None,
    }
}

/// A summary message next to a list of per-field objects (`{error: "Validation failed",
/// details: [{field, message}]}`, KuvarPay's shape): keep the message, collect the fields.
fn collect_details(map: &serde_json::Map<String, Value>, fields: &mut Vec<FieldError>) {
    for key in ["details", "errors"] {
        if let Some(Value::Array(items)) = map.get(key) {
            fields.extend(items.iter().filter_map(Value::as_object).map(pydantic_field_error));
        }
    }
}

/// `{"loc": ["body", "success_url"], "msg": "field required"}` → `success_url: field required`.
fn pydantic_field_error(obj: &serde_json::Map<String, Value>) -> FieldError {
    let field = obj
        .get("loc")
        .and_then(Value::as_array)
        .map(|loc| {
            loc.iter()
                .filter_map(scalar_text)
                .filter(|p| p != "body" && p != "query" && p != "path")
                .collect::<Vec<_>>()
                .join(".")
        })
        .or_else(|| obj.get("field").and_then(scalar_text))
        .or_else(|| obj.get("path").and_then(zod_path))
        .unwrap_or_default();
    let message = ["msg", "message", "detail"]
        .iter()
        .find_map(|k| obj.get(*k).and_then(scalar_text))
        .unwrap_or_else(|| Value::Object(obj.clone()).to_string());
    FieldError { field, message }
}

/// A zod issue's `path`: `["customer", "email"]` → `customer.email` (a plain string passes).
fn zod_path(v: &Value) -> Option<String> {
    match v {
        Value::Array(parts) => {
            let joined = parts.iter().filter_map(scalar_text).collect::<Vec<_>>().join(".");
            (!joined.is_empty()).then_some(joined)
        }
        other => scalar_text(other),
    }
}

/// DRF style: every key whose value is a list of strings (or a string) is a field error.
fn collect_field_arrays(map: &serde_json::Map<String, Value>, fields: &mut Vec<FieldError>) {
    for (key, v) in map {
        if matches!(key.as_str(), "code" | "request_id" | "requestId" | "success" | "status" | "type") {
            continue;
        }
        match v {
            Value::Array(items) => {
                for item in items.iter().filter_map(scalar_text) {
                    fields.push(FieldError { field: key.clone(), message: item });
                }
            }
            Value::String(s) => fields.push(FieldError { field: key.clone(), message: s.clone() }),
            _ => {}
        }
    }
}

fn summarise_fields(fields: &[FieldError]) -> Option<String> {
    if fields.is_empty() {
        return None;
    }
    let parts: Vec<String> = fields
        .iter()
        .map(|f| if f.field.is_empty() { f.message.clone() } else { format!("{}: {}", f.field, f.message) })
        .collect();
    Some(parts.join("; "))
}

fn scalar_text(v: &Value) -> Option<String> {
    match v {
        Value::String(s) if !s.trim().is_empty() => Some(s.trim().to_string()),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}

fn truncate(s: &str, max_chars: usize) -> String {
    if s.chars().count() <= max_chars {
        s.to_string()
    } else {
        let cut: String = s.chars().take(max_chars).collect();
        format!("{cut}…")
    }
}

#[cfg(test)]
mod tests;
