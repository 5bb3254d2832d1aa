//! KuvarPay emulation: routes under `/kuvarpay/api/v1`, `x-api-key` + `x-business-id` auth,
//! `{success, data}` envelopes, page/limit paging and `Idempotency-Key` replay.

mod changes;
mod checkout;
mod events;
mod idempotency;
mod ops;
mod render;
pub mod state;
mod tick;

use std::collections::HashMap;

use axum::extract::{Path, Query, Request, State as Extract};
use axum::http::{Method, StatusCode};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::Value;

use super::{AppState, keys, lock};
use crate::providers::kuvarpay::wire::{self, Envelope, Pagination};
use state::ApiError;
pub use state::State;

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let body = wire::ErrorBody {
            success: false,
            error: self.message,
            code: Some(self.code.to_string()),
            details: self.details.into_iter().map(|(field, message)| wire::FieldDetail { field, message }).collect(),
        };
        (StatusCode::from_u16(self.status).unwrap_or(StatusCode::BAD_REQUEST), Json(body)).into_response()
    }
}

type Reply = Result<Response, ApiError>;

fn ok<T: Serialize>(status: StatusCode, data: T) -> Reply {
    Ok((status, Json(Envelope::ok(data))).into_response())
}

pub fn routes(state: AppState) -> Router<AppState> {
    Router::new()
        .route("/api/v1/subscription-plans", get(list_plans))
        .route("/api/v1/subscription-plans/{uid}", get(get_plan))
        .route("/api/v1/subscription-plans/{uid}/prices", get(plan_prices))
        .route("/api/v1/subscriptions", get(list_subscriptions).post(create_subscription))
        .route("/api/v1/subscriptions/checkout-sessions", post(create_checkout))
        .route("/api/v1/subscriptions/checkout-sessions/{uid}", get(get_checkout))
        .route("/api/v1/subscriptions/checkout-sessions/{uid}/confirm", post(confirm_checkout))
        .route(
            "/api/v1/subscriptions/{uid}",
            get(get_subscription).patch(update_subscription).delete(cancel_subscription),
        )
        .route("/api/v1/subscriptions/{uid}/subscription-invoices", get(list_invoices))
        .route("/api/v1/subscriptions/{uid}/subscription-invoices/{invoice}", get(get_invoice))
        .fallback(not_found)
        .layer(middleware::from_fn_with_state(state.clone(), idempotency::replay))
        .layer(middleware::from_fn(authenticate))
}

async fn not_found() -> Response {
    ApiError::new(404, "NOT_FOUND", "Route not found").into_response()
}

/// Both headers are required: the key, and the business it belongs to.
async fn authenticate(request: Request, next: Next) -> Response {
    match auth_failure(request.headers()) {
        Some(error) => error.into_response(),
        None => next.run(request).await,
    }
}

fn auth_failure(headers: &axum::http::HeaderMap) -> Option<ApiError> {
    let header = |name: &str| headers.get(name).and_then(|v| v.to_str().ok()).map(str::trim);
    let (status, code, message) = match (header("x-api-key"), header("x-business-id")) {
        (None | Some(""), _) => (401, "UNAUTHORIZED", "Missing API key: send it in the x-api-key header"),
        (Some(k), _) if k != keys::KUVARPAY => (401, "INVALID_API_KEY", "Invalid API key"),
        (_, None | Some("")) => (401, "BUSINESS_ID_REQUIRED", "Missing x-business-id header"),
        (_, Some(b)) if b != keys::KUVARPAY_BUSINESS => {
            (403, "FORBIDDEN", "This API key does not belong to the given business")
        }
        _ => return None,
    };
    Some(ApiError::new(status, code, message))
}

/// Decodes a JSON body; serde's complaint becomes a field error. DELETE may send none.
fn body<T: DeserializeOwned + Default>(method: &Method, bytes: &[u8]) -> Result<T, ApiError> {
    if bytes.iter().all(u8::is_ascii_whitespace) {
        if *method == Method::DELETE {
            return Ok(T::default());
        }
        return Err(ApiError::new(400, "INVALID_JSON", "Request body must be a JSON object"));
    }
    let value: Value = serde_json::from_slice(bytes)
        .map_err(|e| ApiError::new(400, "INVALID_JSON", format!("Request body is not valid JSON: {e}")))?;
    serde_path_to_error::deserialize(value).map_err(|e| {
        let inner = e.inner().to_string();
        let path = e.path().to_string();
        match inner.strip_prefix("missing field `").and_then(|rest| rest.split('`').next()) {
            Some(field) => {
                let full = if path == "." { field.to_string() } else { format!("{path}.{field}") };
                ApiError::field(&full, &format!("{field} is required"))
            }
            None => ApiError::field(&path, &inner),
        }
    })
}

/// `page` (from 1) and `limit` (1..=100, default 20). A page past the end is empty.
fn paging(q: &HashMap<String, String>) -> Result<(usize, usize), ApiError> {
    let number = |name: &str, default: usize| match q.get(name) {
        None => Ok(default),
        Some(v) => v
            .parse::<usize>()
            .ok()
            .filter(|n| *n >= 1)
            .ok_or_else(|| ApiError::field(name, &format!("{name} must be a positive integer"))),
    };
    Ok((number("page", 1)?, number("limit", 20)?.min(100)))
}

/// Renders only the requested slice: lists must stay fast with 100k generated customers.
fn paginate<T: Serialize>(
    q: &HashMap<String, String>,
    count: usize,
    rows: impl FnOnce(usize, usize) -> Vec<T>,
) -> Reply {
    let (page, limit) = paging(q)?;
    let start = (page - 1).saturating_mul(limit).min(count);
    let end = (start + limit).min(count);
    let pagination = Pagination {
        page: page as u64,
        limit: limit as u64,
        total: count as u64,
        total_pages: count.div_ceil(limit) as u64,
    };
    Ok(Json(Envelope::page(rows(start, end), pagination)).into_response())
}

async fn list_plans(Extract(app): Extract<AppState>, Query(q): Query<HashMap<String, String>>) -> Reply {
    let k = lock(&app.kuvarpay);
    paginate(&q, k.plans.len(), |s, e| k.plans[s..e].iter().map(render::plan).collect())
}

async fn get_plan(Extract(app): Extract<AppState>, Path(uid): Path<String>) -> Reply {
    let k = lock(&app.kuvarpay);
    let plan = k.plan(&uid).ok_or_else(|| ApiError::not_found("Subscription plan"))?;
    ok(StatusCode::OK, render::plan(plan))
}

async fn plan_prices(
    Extract(app): Extract<AppState>,
    Path(uid): Path<String>,
    Query(q): Query<HashMap<String, String>>,
) -> Reply {
    let k = lock(&app.kuvarpay);
    k.plan(&uid).ok_or_else(|| ApiError::not_found("Subscription plan"))?;
    let prices: Vec<_> = k.prices.iter().filter(|p| p.plan_uid == uid).collect();
    paginate(&q, prices.len(), |s, e| prices[s..e].iter().map(|p| render::price(p)).collect())
}

async fn list_subscriptions(Extract(app): Extract<AppState>, Query(q): Query<HashMap<String, String>>) -> Reply {
    let k = lock(&app.kuvarpay);
    let customer = match (q.get("customer_email"), q.get("customer_uid")) {
        (Some(email), _) => Some(k.customer_by_email.get(&email.trim().to_lowercase()).copied()),
        (None, Some(uid)) => Some(k.customer_by_uid.get(uid).copied()),
        _ => None,
    };
    let statuses: Option<Vec<String>> =
        q.get("status").map(|s| s.split(',').map(|x| x.trim().to_string()).filter(|x| !x.is_empty()).collect());
    let rows = match (customer, &statuses) {
        (Some(None), _) => Vec::new(), // an unknown customer has no subscriptions
        (None, None) => {
            // Unfiltered (how the client derives customers): slice without touching other rows.
            let all = &k.subscriptions;
            return paginate(&q, all.len(), |s, e| {
                all.iter().rev().skip(s).take(e - s).map(|sub| render::subscription(&k, sub)).collect()
            });
        }
        (Some(Some(c)), _) => k.list_subscriptions(Some(c), statuses.as_deref()),
        (None, Some(_)) => k.list_subscriptions(None, statuses.as_deref()),
    };
    paginate(&q, rows.len(), |s, e| rows[s..e].iter().map(|sub| render::subscription(&k, sub)).collect())
}

async fn create_subscription(Extract(app): Extract<AppState>, bytes: axum::body::Bytes) -> Reply {
    let req: wire::CreateSubscriptionRequest = body(&Method::POST, &bytes)?;
    let mut k = lock(&app.kuvarpay);
    let uid = k.create_subscription(req)?;
    let sub = k.subscription(&uid).ok_or_else(|| ApiError::not_found("Subscription"))?;
    ok(StatusCode::CREATED, render::subscription(&k, sub))
}

async fn get_subscription(Extract(app): Extract<AppState>, Path(uid): Path<String>) -> Reply {
    let k = lock(&app.kuvarpay);
    let sub = k.subscription(&uid).ok_or_else(|| ApiError::not_found("Subscription"))?;
    ok(StatusCode::OK, render::subscription(&k, sub))
}

async fn update_subscription(
    Extract(app): Extract<AppState>,
    Path(uid): Path<String>,
    bytes: axum::body::Bytes,
) -> Reply {
    let req: wire::UpdateSubscriptionRequest = body(&Method::PATCH, &bytes)?;
    let mut k = lock(&app.kuvarpay);
    k.update_subscription(&uid, req)?;
    let sub = k.subscription(&uid).ok_or_else(|| ApiError::not_found("Subscription"))?;
    ok(StatusCode::OK, render::subscription(&k, sub))
}

async fn cancel_subscription(
    Extract(app): Extract<AppState>,
    Path(uid): Path<String>,
    bytes: axum::body::Bytes,
) -> Reply {
    let req: wire::CancelSubscriptionRequest = body(&Method::DELETE, &bytes)?;
    let mut k = lock(&app.kuvarpay);
    k.cancel(&uid, req.cancel_at_period_end, req.reason)?;
    let sub = k.subscription(&uid).ok_or_else(|| ApiError::not_found("Subscription"))?;
    ok(StatusCode::OK, render::subscription(&k, sub))
}

async fn list_invoices(
    Extract(app): Extract<AppState>,
    Path(uid): Path<String>,
    Query(q): Query<HashMap<String, String>>,
) -> Reply {
    let mut k = lock(&app.kuvarpay);
    k.subscription(&uid).ok_or_else(|| ApiError::not_found("Subscription"))?;
    k.ensure_invoices(&uid);
    let rows = k.invoices.get(&uid).map(Vec::as_slice).unwrap_or_default();
    // Newest first.
    paginate(&q, rows.len(), |s, e| rows.iter().rev().skip(s).take(e - s).map(|i| render::invoice(&uid, i)).collect())
}

async fn get_invoice(Extract(app): Extract<AppState>, Path((uid, invoice)): Path<(String, String)>) -> Reply {
    let mut k = lock(&app.kuvarpay);
    k.subscription(&uid).ok_or_else(|| ApiError::not_found("Subscription"))?;
    k.ensure_invoices(&uid);
    let found = k.invoices.get(&uid).and_then(|rows| rows.iter().find(|i| i.uid == invoice));
    let found = found.ok_or_else(|| ApiError::not_found("Subscription invoice"))?;
    ok(StatusCode::OK, render::invoice(&uid, found))
}

async fn create_checkout(Extract(app): Extract<AppState>, bytes: axum::body::Bytes) -> Reply {
    let req: wire::CreateCheckoutSessionRequest = body(&Method::POST, &bytes)?;
    let created = lock(&app.kuvarpay).create_checkout(req)?;
    ok(StatusCode::CREATED, created)
}

async fn get_checkout(Extract(app): Extract<AppState>, Path(uid): Path<String>) -> Reply {
    let mut k = lock(&app.kuvarpay);
    k.expire_if_due(&uid, app.clock.now());
    let session = k.checkouts.get(&uid).ok_or_else(|| ApiError::not_found("Checkout session"))?;
    ok(StatusCode::OK, render::checkout(&k, session))
}

async fn confirm_checkout(Extract(app): Extract<AppState>, Path(uid): Path<String>, bytes: axum::body::Bytes) -> Reply {
    // The wallet address is optional here: the sandbox has no chain to verify it against.
    let _req: wire::ConfirmCheckoutSessionRequest =
        if bytes.is_empty() { Default::default() } else { body(&Method::POST, &bytes)? };
    let mut k = lock(&app.kuvarpay);
    let sub_uid = k.complete_checkout(&uid)?;
    let session = k.checkouts.get(&uid).ok_or_else(|| ApiError::not_found("Checkout session"))?;
    let sub = k.subscription(&sub_uid).ok_or_else(|| ApiError::not_found("Subscription"))?;
    let done = wire::ConfirmCheckoutSessionResponse {
        checkout_session: render::checkout(&k, session),
        subscription: render::subscription(&k, sub),
    };
    ok(StatusCode::OK, done)
}
