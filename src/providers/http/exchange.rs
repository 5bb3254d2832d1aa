//! What one attempt leaves in the request log, and how its answer becomes a response or a
//! failure. Every string here passes through the attempt's one [`Redactor`].

use bytes::Bytes;
use reqwest::header::HeaderMap;

use super::{ApiRequest, ApiResponse, Failure, HttpConfig};
use crate::providers::error::{ErrorKind, ProviderError};
use crate::providers::log::{Exchange, LoggedHeader};
use crate::providers::redact::{REDACTED, Redactor};

const REQUEST_ID_HEADERS: [&str; 5] =
    ["x-request-id", "request-id", "x-amzn-requestid", "x-correlation-id", "x-trace-id"];

/// Response headers worth keeping in the log; the rest is noise for a billing console.
const LOGGED_RESPONSE_HEADERS: [&str; 8] = [
    "content-type",
    "content-length",
    "retry-after",
    "x-request-id",
    "request-id",
    "x-amzn-requestid",
    "location",
    "idempotency-replayed",
];

/// The first bytes of a body as text, secrets redacted, for the log.
pub(super) fn preview(redactor: &Redactor, body: &Bytes, limit: usize) -> String {
    let start = &body[..body.len().min(limit)];
    // The strict check is several times faster than the lossy one on the valid text that
    // every page of a long list is; only a cut character or a broken body goes the lossy way.
    match std::str::from_utf8(start) {
        Ok(text) => redactor.text(text),
        Err(_) => redactor.text(&String::from_utf8_lossy(start)),
    }
}

/// The body for the log: the values of `fields` replaced by `[redacted]` wherever they occur
/// in a JSON body (a body that is not JSON is kept, as it cannot hold the fields).
fn without_secret_fields(fields: &[&str], body: &Bytes) -> Bytes {
    fn scrub(value: &mut serde_json::Value, fields: &[&str]) {
        match value {
            serde_json::Value::Object(map) => {
                for (k, v) in map.iter_mut() {
                    if fields.contains(&k.as_str()) && !v.is_null() {
                        *v = serde_json::Value::String(REDACTED.into());
                    } else {
                        scrub(v, fields);
                    }
                }
            }
            serde_json::Value::Array(items) => items.iter_mut().for_each(|v| scrub(v, fields)),
            _ => {}
        }
    }
    if fields.is_empty() {
        return body.clone();
    }
    match serde_json::from_slice::<serde_json::Value>(body) {
        Ok(mut value) => {
            scrub(&mut value, fields);
            serde_json::to_vec(&value).map(Bytes::from).unwrap_or_else(|_| body.clone())
        }
        Err(_) => body.clone(),
    }
}

/// A response arrived: log it, and turn a non-2xx status into a (maybe retryable) failure.
pub(super) fn answered(
    (request, redactor): (&ApiRequest, &Redactor),
    exchange: &mut Exchange,
    status: u16,
    headers: HeaderMap,
    body: Bytes,
    (preview_limit, keep_whole): (usize, bool),
) -> Result<ApiResponse, Failure> {
    let request_id =
        REQUEST_ID_HEADERS.iter().find_map(|h| headers.get(*h).and_then(|v| v.to_str().ok()).map(str::to_string));
    exchange.status = Some(status);
    exchange.request_id = request_id.clone();
    exchange.response_headers = headers
        .iter()
        .filter(|(n, _)| LOGGED_RESPONSE_HEADERS.contains(&n.as_str()))
        .map(|(n, v)| LoggedHeader {
            name: n.to_string(),
            value: redactor.text(&String::from_utf8_lossy(v.as_bytes())),
        })
        .collect();
    exchange.response_body_size = body.len();
    let logged = without_secret_fields(request.secret_fields, &body);
    exchange.response_body = Some(preview(redactor, &logged, preview_limit));
    exchange.response_body_cut = logged.len() > preview_limit;
    if keep_whole && logged.len() > preview_limit {
        exchange.full_response_body = Some(redactor.text(&String::from_utf8_lossy(&logged)).into());
    }
    if (200..300).contains(&status) {
        return Ok(ApiResponse { provider: request.provider, status, headers, body, request_id });
    }
    let error = ProviderError::from_response(request.provider, status, &body, request_id);
    exchange.error = Some(error.message.clone());
    Err(Failure {
        retryable: matches!(status, 429 | 502 | 503 | 504),
        retry_after: super::retry_after(&headers),
        error: Box::new(error),
    })
}

/// No response: a timeout or a transport error, retryable when nothing reached the server
/// or the request is idempotent anyway.
pub(super) fn unanswered(
    (request, redactor): (&ApiRequest, &Redactor),
    exchange: &mut Exchange,
    e: &reqwest::Error,
    config: &HttpConfig,
) -> Failure {
    let (kind, retryable) = if e.is_timeout() {
        (ErrorKind::Timeout, true)
    } else {
        // A refused certificate is refused again: only a connect that failed before TLS is retried.
        let handshake = super::client::handshake_failed(e);
        (ErrorKind::Transport, ((e.is_connect() || e.is_request()) && !handshake) || e.is_body())
    };
    let message = redactor.text(&super::client::describe_transport_error(e, config));
    exchange.error = Some(message.clone());
    Failure { retryable, retry_after: None, error: Box::new(ProviderError::new(request.provider, kind, message)) }
}

pub(super) fn log_headers(redactor: &Redactor, sent: &HeaderMap) -> Vec<LoggedHeader> {
    sent.iter()
        .map(|(name, value)| {
            let text = String::from_utf8_lossy(value.as_bytes());
            LoggedHeader { name: name.to_string(), value: redactor.text(&text) }
        })
        .collect()
}
