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
        let decoded = decode_error_body(body);
        let message = decoded.message.unwrap_or_else(|| default_status_message(status).to_string());
        ProviderError {
            provider,
            kind: ErrorKind::Http,
            status: Some(status),
            code: decoded.code,
            message,
            request_id: request_id.or(decoded.request_id),
            field_errors: decoded.fields,
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
mod tests {
    use super::*;

    fn decode(s: &str) -> DecodedErrorBody {
        decode_error_body(s.as_bytes())
    }

    #[test]
    fn kelviq_detail_shape() {
        let d = decode(r#"{"detail":"Subscription not found."}"#);
        assert_eq!(d.message.as_deref(), Some("Subscription not found."));
    }

    #[test]
    fn kelviq_status_message_shape() {
        let d = decode(r#"{"status":"Not found","message":"Product does not exist"}"#);
        assert_eq!(d.message.as_deref(), Some("Product does not exist"));
    }

    #[test]
    fn kelviq_field_arrays_shape() {
        let d =
            decode(r#"{"customerId":["Invalid customer id"],"email":["Enter a valid email address.","Too long."]}"#);
        assert_eq!(d.fields.len(), 3);
        assert_eq!(d.fields[0], FieldError { field: "customerId".into(), message: "Invalid customer id".into() });
        assert!(d.message.unwrap().contains("email: Enter a valid email address."));
    }

    #[test]
    fn kelviq_error_shape_string_and_object() {
        assert_eq!(decode(r#"{"error":"Order already refunded"}"#).message.as_deref(), Some("Order already refunded"));
        let d = decode(r#"{"error":{"message":"Nope","code":"E1"}}"#);
        assert_eq!(d.message.as_deref(), Some("Nope"));
        assert_eq!(d.code.as_deref(), Some("E1"));
    }

    #[test]
    fn plain_text_and_empty_bodies() {
        assert_eq!(decode("Unauthorized").message.as_deref(), Some("Unauthorized"));
        assert_eq!(
            decode("<html><body>502 Bad Gateway</body></html>").message.as_deref(),
            Some("<html><body>502 Bad Gateway</body></html>")
        );
        assert_eq!(decode("").message, None);
        assert_eq!(decode_error_body(&[0xff, 0xfe, b'x']).message.as_deref(), Some("\u{fffd}\u{fffd}x"));
        let long = "x".repeat(1000);
        assert!(decode(&long).message.unwrap().chars().count() <= 301);
    }

    #[test]
    fn flowglad_and_zenskar_shapes() {
        let d = decode(r#"{"error":"Customer not found","code":"NOT_FOUND","request_id":"req_1"}"#);
        assert_eq!(d.message.as_deref(), Some("Customer not found"));
        assert_eq!(d.code.as_deref(), Some("NOT_FOUND"));
        assert_eq!(d.request_id.as_deref(), Some("req_1"));
        let z = decode(
            r#"{"detail":[{"loc":["body","success_url"],"msg":"field required","type":"value_error.missing"}]}"#,
        );
        assert_eq!(z.fields[0].field, "success_url");
        assert_eq!(z.message.as_deref(), Some("success_url: field required"));
        let zod = decode(
            r#"{"error":[{"code":"invalid_type","expected":"string","path":["customer","email"],"message":"Required"}],"code":"BAD_REQUEST","request_id":"ab12cd34"}"#,
        );
        assert_eq!(zod.fields, vec![FieldError { field: "customer.email".into(), message: "Required".into() }]);
        assert_eq!(zod.code.as_deref(), Some("BAD_REQUEST"));
        let gw = decode(r#"{"Message":"User is not authorized to access this resource with an explicit deny"}"#);
        assert!(gw.message.unwrap().starts_with("User is not authorized"));
    }

    #[test]
    fn kuvarpay_message_with_field_details() {
        let d = decode(
            r#"{"success":false,"error":"Validation failed","code":"VALIDATION_ERROR","details":[{"field":"priceUid","message":"priceUid is required"},{"field":"customer.email","message":"must be a valid e-mail address"}]}"#,
        );
        assert_eq!(d.message.as_deref(), Some("Validation failed"));
        assert_eq!(d.code.as_deref(), Some("VALIDATION_ERROR"));
        let fields: Vec<_> = d.fields.iter().map(|f| f.field.as_str()).collect();
        assert_eq!(fields, ["priceUid", "customer.email"]);
        let plain = decode(r#"{"success":false,"error":"Subscription not found","code":"NOT_FOUND"}"#);
        assert_eq!((plain.message.as_deref(), plain.fields.len()), (Some("Subscription not found"), 0));
    }

    #[test]
    fn odd_json_never_panics() {
        for body in [
            "null",
            "42",
            "[]",
            "[1,2]",
            r#"{"detail":null}"#,
            r#"{"detail":{}}"#,
            r#"{"a":{"b":1}}"#,
            "\"just a string\"",
        ] {
            let d = decode(body);
            assert!(d.message.is_some() || body == "null" || body == "[]", "{body}");
        }
    }

    #[test]
    fn display_names_provider_status_and_request_id() {
        let e = ProviderError::from_response(
            ProviderKind::Kelviq,
            404,
            br#"{"detail":"Subscription not found."}"#,
            Some("req-9".into()),
        );
        assert_eq!(e.to_string(), "Kelviq 404: Subscription not found. (request id req-9)");
        let e = ProviderError::from_response(ProviderKind::Kelviq, 401, b"", None);
        assert!(e.to_string().contains("API key"));
        assert!(e.is_auth());
    }
}
