//! Unwrapping KuvarPay's `{success, data}` envelope. The reference's own 201 sample for a
//! checkout session is *not* wrapped, and list envelopes are undocumented, so the decoder
//! accepts a bare body, `data: [...]` and `data: {<name>: [...], pagination}`; a 2xx carrying
//! `success: false` is treated as the error it says it is.

use serde::Deserialize;
use serde::de::DeserializeOwned;
use serde_json::{Map, Value};

use super::wire::Pagination;
use crate::billing::ProviderKind;
use crate::providers::http::ApiResponse;
use crate::providers::{ErrorKind, ProviderError, Result};

const KUVARPAY: ProviderKind = ProviderKind::KuvarPay;

/// Keys under which a list may sit when `data` is an object.
const LIST_KEYS: [&str; 8] = ["items", "results", "plans", "prices", "subscriptions", "invoices", "sessions", "data"];

fn decode_error(resp: &ApiResponse, message: String) -> ProviderError {
    let mut err = ProviderError::new(KUVARPAY, ErrorKind::Decode, message);
    err.status = Some(resp.status);
    err.request_id = resp.request_id.clone();
    err
}

/// The body as JSON, failing on `success: false`.
fn body(resp: &ApiResponse) -> Result<Value> {
    let value: Value = resp.json()?;
    if value.get("success").and_then(Value::as_bool) == Some(false) {
        return Err(ProviderError::from_response(KUVARPAY, resp.status, &resp.body, resp.request_id.clone()));
    }
    Ok(value)
}

/// Deserializes `value` (found at `at`), naming the JSON path of any mismatch.
fn typed<T: DeserializeOwned>(resp: &ApiResponse, value: Value, at: &str) -> Result<T> {
    serde_path_to_error::deserialize(value).map_err(|e| {
        let path = e.path().to_string();
        let place = match path.as_str() {
            "." => at.to_string(),
            p if p.starts_with('[') => format!("{at}{p}"),
            p => format!("{at}.{p}"),
        };
        decode_error(resp, format!("unexpected response body at {place}: {}", e.inner()))
    })
}

/// The payload of a single-object response.
pub fn data<T: DeserializeOwned>(resp: &ApiResponse) -> Result<T> {
    match body(resp)? {
        Value::Object(mut map) if map.contains_key("data") && map.contains_key("success") => {
            let data = map.remove("data").unwrap_or(Value::Null);
            typed(resp, data, "data")
        }
        other => typed(resp, other, "(body)"),
    }
}

/// The documented shape, decoded straight from the bytes: the fast path for long lists.
#[derive(Deserialize)]
struct Wrapped<T> {
    success: bool,
    data: Vec<T>,
    #[serde(default)]
    pagination: Option<Pagination>,
}

/// The rows of a list response and its paging block, when there is one.
pub fn list<T: DeserializeOwned>(resp: &ApiResponse) -> Result<(Vec<T>, Option<Pagination>)> {
    if let Ok(Wrapped { success: true, data, pagination }) = serde_json::from_slice::<Wrapped<T>>(&resp.body) {
        return Ok((data, pagination));
    }
    // Anything else: the tolerant path, which also names the JSON path of a mismatch.
    let mut top = match body(resp)? {
        Value::Object(map) => map,
        Value::Array(rows) => return Ok((typed(resp, Value::Array(rows), "(body)")?, None)),
        other => return Err(decode_error(resp, format!("expected a list response, got {}", kind(&other)))),
    };
    let top_paging = top.remove("pagination");
    let (rows, at, inner_paging) = match top.remove("data") {
        Some(Value::Array(rows)) => (rows, "data".to_string(), None),
        Some(Value::Object(mut inner)) => {
            let paging = inner.remove("pagination");
            let (key, rows) =
                rows_in(&mut inner).ok_or_else(|| decode_error(resp, "no list found under data".to_string()))?;
            (rows, format!("data.{key}"), paging)
        }
        Some(other) => return Err(decode_error(resp, format!("expected a list at data, got {}", kind(&other)))),
        None => {
            let (key, rows) =
                rows_in(&mut top).ok_or_else(|| decode_error(resp, "no list in the response".to_string()))?;
            (rows, key.to_string(), None)
        }
    };
    let items = typed(resp, Value::Array(rows), &at)?;
    let paging = inner_paging.or(top_paging).and_then(|p| serde_json::from_value::<Pagination>(p).ok());
    Ok((items, paging))
}

fn rows_in(map: &mut Map<String, Value>) -> Option<(&'static str, Vec<Value>)> {
    LIST_KEYS.iter().find_map(|k| match map.remove(*k) {
        Some(Value::Array(rows)) => Some((*k, rows)),
        _ => None,
    })
}

fn kind(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "a list",
        Value::Object(_) => "an object",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use bytes::Bytes;
    use reqwest::header::HeaderMap;

    fn resp(status: u16, body: &str) -> ApiResponse {
        ApiResponse {
            provider: KUVARPAY,
            status,
            headers: HeaderMap::new(),
            body: Bytes::from(body.to_string()),
            request_id: None,
        }
    }

    #[derive(serde::Deserialize, Debug, PartialEq)]
    struct Row {
        uid: String,
    }

    #[test]
    fn enveloped_and_bare_objects() {
        let r: Row = data(&resp(200, r#"{"success":true,"data":{"uid":"a"}}"#)).unwrap();
        assert_eq!(r.uid, "a");
        let r: Row = data(&resp(201, r#"{"uid":"b"}"#)).unwrap();
        assert_eq!(r.uid, "b");
    }

    #[test]
    fn list_shapes() {
        let (rows, p) = list::<Row>(&resp(
            200,
            r#"{"success":true,"data":[{"uid":"a"}],"pagination":{"page":2,"limit":1,"total":3,"totalPages":3}}"#,
        ))
        .unwrap();
        assert_eq!(rows, vec![Row { uid: "a".into() }]);
        assert_eq!(p.unwrap().total_pages, 3);
        let (rows, p) = list::<Row>(&resp(
            200,
            r#"{"success":true,"data":{"plans":[{"uid":"x"},{"uid":"y"}],"pagination":{"page":1,"limit":20,"total":2,"totalPages":1}}}"#,
        ))
        .unwrap();
        assert_eq!(rows.len(), 2);
        assert_eq!(p.unwrap().total, 2);
        let (rows, p) = list::<Row>(&resp(200, r#"[{"uid":"z"}]"#)).unwrap();
        assert_eq!((rows.len(), p), (1, None));
    }

    #[test]
    fn wrong_types_name_the_path_and_success_false_is_an_error() {
        let err = list::<Row>(&resp(200, r#"{"success":true,"data":[{"uid":"a"},{"uid":7}]}"#)).unwrap_err();
        assert_eq!(err.kind, ErrorKind::Decode);
        assert!(err.message.contains("data[1].uid"), "{}", err.message);
        let err = data::<Row>(&resp(200, r#"{"success":false,"error":"Business suspended","code":"SUSPENDED"}"#))
            .unwrap_err();
        assert_eq!((err.message.as_str(), err.code.as_deref()), ("Business suspended", Some("SUSPENDED")));
        let err = list::<Row>(&resp(200, r#"{"success":true,"data":"nope"}"#)).unwrap_err();
        assert!(err.message.contains("a string"), "{}", err.message);
    }
}
