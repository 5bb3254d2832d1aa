//! `Idempotency-Key` replay, as KuvarPay documents it and its backend stores it (key,
//! endpoint, request hash, response, status, expiry per business): the same key with the same
//! request returns the stored response, status and body alike; the same key with a different
//! request is a conflict. Applies to every write (POST, PATCH, DELETE).

use axum::body::{Body, Bytes};
use axum::extract::{Request, State as Extract};
use axum::http::{HeaderValue, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use chrono::Duration;

use super::ops::fnv;
use super::state::{ApiError, Stored};
use crate::sandbox::{AppState, lock};

/// How long a stored response is replayed.
const RETENTION_HOURS: i64 = 24;
const MAX_BODY: usize = 1024 * 1024;

fn fingerprint(method: &Method, path: &str, body: &[u8]) -> u64 {
    let mut bytes = Vec::with_capacity(method.as_str().len() + path.len() + body.len() + 2);
    bytes.extend_from_slice(method.as_str().as_bytes());
    bytes.push(b' ');
    bytes.extend_from_slice(path.as_bytes());
    bytes.push(b'\n');
    bytes.extend_from_slice(body);
    fnv(&bytes)
}

fn json_response(status: u16, body: Bytes, replayed: bool) -> Response {
    let mut resp = Response::new(Body::from(body));
    *resp.status_mut() = StatusCode::from_u16(status).unwrap_or(StatusCode::OK);
    resp.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static("application/json"));
    if replayed {
        resp.headers_mut().insert("idempotency-replayed", HeaderValue::from_static("true"));
    }
    resp
}

/// The stored answer for a key seen before, or a conflict; `None` after claiming a new key.
fn replay_or_claim(app: &AppState, slot: &(String, String), print: u64) -> Option<Response> {
    let mut k = lock(&app.kuvarpay);
    match k.idempotency.get(slot) {
        Some(Stored::Done { fingerprint, status, body, at })
            if app.clock.now() - *at < Duration::hours(RETENTION_HOURS) =>
        {
            if *fingerprint == print {
                return Some(json_response(*status, body.clone(), true));
            }
            Some(
                ApiError::new(
                    409,
                    "IDEMPOTENCY_KEY_REUSED",
                    "This Idempotency-Key was already used with a different request",
                )
                .into_response(),
            )
        }
        Some(Stored::InFlight { .. }) => Some(
            ApiError::new(
                409,
                "IDEMPOTENCY_KEY_IN_USE",
                "A request with this Idempotency-Key is still being processed",
            )
            .into_response(),
        ),
        _ => {
            k.idempotency.insert(slot.clone(), Stored::InFlight { fingerprint: print });
            None
        }
    }
}

pub async fn replay(Extract(app): Extract<AppState>, request: Request, next: Next) -> Response {
    if !matches!(*request.method(), Method::POST | Method::PATCH | Method::DELETE) {
        return next.run(request).await;
    }
    let Some(key) = request.headers().get("idempotency-key").map(|v| v.to_str().map(str::to_string)) else {
        return next.run(request).await;
    };
    let key = match key {
        Ok(k) if !k.trim().is_empty() && k.len() <= 255 => k,
        _ => return ApiError::field("Idempotency-Key", "must be 1 to 255 visible characters").into_response(),
    };
    let business = request.headers().get("x-business-id").and_then(|v| v.to_str().ok()).unwrap_or("").to_string();
    let method = request.method().clone();
    let path = request.uri().path().to_string();
    let (parts, body) = request.into_parts();
    let Ok(bytes) = axum::body::to_bytes(body, MAX_BODY).await else {
        return ApiError::new(413, "PAYLOAD_TOO_LARGE", "Request body is too large").into_response();
    };
    let print = fingerprint(&method, &path, &bytes);
    let slot = (business, key);
    if let Some(early) = replay_or_claim(&app, &slot, print) {
        return early;
    }
    let response = next.run(Request::from_parts(parts, Body::from(bytes))).await;
    let (parts, body) = response.into_parts();
    let body = axum::body::to_bytes(body, 64 * MAX_BODY).await.unwrap_or_default();
    let status = parts.status.as_u16();
    let mut k = lock(&app.kuvarpay);
    if status >= 500 {
        // A server failure did nothing; the client may retry with the same key.
        k.idempotency.remove(&slot);
    } else {
        k.idempotency
            .insert(slot, Stored::Done { fingerprint: print, status, body: body.clone(), at: app.clock.now() });
    }
    Response::from_parts(parts, Body::from(body))
}
