//! Kelviq emulation: routes under `/kelviq/api/v1` (core) and `/kelviq-edge/api/v1` (edge).

mod cards;
mod checkout;
mod events;
mod ledger;
mod ops;
pub mod payments;
mod render;
pub mod state;
mod tick;

use std::collections::HashMap;

use axum::extract::{Path, Query, Request, State as Extract};
use axum::http::{StatusCode, header};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, patch, post};
use axum::{Json, Router};
use serde::de::DeserializeOwned;
use serde_json::Value;

use super::{AppState, keys, lock};
use crate::providers::kelviq::wire;
use state::ApiError;
pub use state::State;

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        match self {
            ApiError::Detail(status, detail) => (code(status), Json(wire::DetailError { detail })).into_response(),
            ApiError::Fields(status, fields) => {
                let mut map = wire::FieldErrors::new();
                for (field, message) in fields {
                    map.entry(field).or_default().push(message);
                }
                (code(status), Json(map)).into_response()
            }
        }
    }
}

fn code(status: u16) -> StatusCode {
    StatusCode::from_u16(status).unwrap_or(StatusCode::BAD_REQUEST)
}

type Reply = Result<Response, ApiError>;

pub fn core_routes(state: AppState) -> Router<AppState> {
    Router::new()
        .route("/customers/", get(list_customers).post(create_customer))
        .route("/customers/{customer_id}/", patch(update_customer))
        .route("/catalog/plans/", get(list_plans))
        .route("/catalog/plans/{identifier}/", get(get_plan))
        .route("/catalog/plans/{identifier}/prices/", get(plan_prices))
        .route("/catalog/plans/{identifier}/features/", get(plan_features))
        .route("/subscriptions/", get(list_subscriptions))
        .route("/subscriptions/{id}/", get(get_subscription))
        .route("/subscriptions/{id}/update/", post(update_subscription))
        .route("/subscriptions/{id}/cancel/", post(cancel_subscription))
        .route("/checkout/", post(create_checkout))
        .route("/checkout/sessions/", get(checkout::list_checkouts))
        .route("/checkout/sessions/{id}/", get(get_checkout))
        .route("/orders/", get(payments::routes::list_orders))
        .route("/orders/{id}/", get(payments::routes::get_order))
        .route("/refunds/", post(payments::routes::create_refund))
        .route("/portal/session/", post(payments::routes::portal_session))
        .route("/report/usage/", post(payments::routes::report_usage))
        .route("/payment-methods/", get(cards::routes::list_payment_methods))
        .route("/webhook/logs/", get(crate::sandbox::events::routes::kelviq_logs))
        .fallback(not_found)
        .layer(middleware::from_fn_with_state(state, require_server_key))
}

pub fn edge_routes(state: AppState) -> Router<AppState> {
    Router::new()
        .route("/entitlements/", get(entitlements))
        .fallback(not_found)
        .layer(middleware::from_fn_with_state(state, require_any_key))
}

async fn not_found() -> Response {
    ApiError::not_found("Not found.").into_response()
}

fn bearer(request: &Request) -> Option<&str> {
    request.headers().get(header::AUTHORIZATION)?.to_str().ok()?.strip_prefix("Bearer ")
}

fn unauthorized(has_header: bool) -> Response {
    let detail = if has_header { "Invalid token." } else { "Authentication credentials were not provided." };
    (
        StatusCode::UNAUTHORIZED,
        [(header::WWW_AUTHENTICATE, "Bearer")],
        Json(wire::DetailError { detail: detail.into() }),
    )
        .into_response()
}

async fn require_server_key(request: Request, next: Next) -> Response {
    match bearer(&request) {
        Some(keys::KELVIQ_SERVER) => next.run(request).await,
        other => unauthorized(other.is_some() || request.headers().contains_key(header::AUTHORIZATION)),
    }
}

/// The edge host accepts the server key (spec, SDKs) and the client key (integration guide).
async fn require_any_key(request: Request, next: Next) -> Response {
    match bearer(&request) {
        Some(keys::KELVIQ_SERVER | keys::KELVIQ_CLIENT) => next.run(request).await,
        other => unauthorized(other.is_some() || request.headers().contains_key(header::AUTHORIZATION)),
    }
}

/// Decodes a JSON body, turning serde's complaint into DRF field errors.
fn body<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, ApiError> {
    if bytes.is_empty() {
        return Err(ApiError::Detail(400, "JSON parse error - Expecting value: line 1 column 1 (char 0)".into()));
    }
    let value: Value =
        serde_json::from_slice(bytes).map_err(|e| ApiError::Detail(400, format!("JSON parse error - {e}")))?;
    serde_path_to_error::deserialize(value).map_err(|e| {
        let inner = e.inner().to_string();
        let field = inner
            .strip_prefix("missing field `")
            .and_then(|rest| rest.split('`').next())
            .map_or_else(|| e.path().to_string(), str::to_string);
        let message = if inner.starts_with("missing field") { "This field is required.".to_string() } else { inner };
        ApiError::field(&field, &message)
    })
}

/// DRF page-number pagination over `count` rows, with absolute `next`/`previous` links.
/// `page_rows(start, end)` renders only the requested slice: with 100k customers, rendering
/// every row to count them would dominate the response time.
fn paginate<T: serde::Serialize>(
    public_base: &str,
    path: &str,
    query: &HashMap<String, String>,
    count: usize,
    default_size: usize,
    page_rows: impl FnOnce(usize, usize) -> Vec<T>,
) -> Reply {
    let size = query
        .get("page_size")
        .and_then(|s| s.parse::<usize>().ok())
        .filter(|s| *s >= 1)
        .map_or(default_size, |s| s.min(100));
    let page = match query.get("page") {
        None => 1,
        Some(p) => p.parse::<usize>().ok().filter(|p| *p >= 1).ok_or_else(|| ApiError::not_found("Invalid page."))?,
    };
    let start = (page - 1).saturating_mul(size);
    if start >= count && page != 1 {
        return Err(ApiError::not_found("Invalid page."));
    }
    let link = |p: usize| {
        let mut url = url::Url::parse(&format!("{public_base}{path}")).ok()?;
        {
            let mut q = url.query_pairs_mut();
            for (k, v) in query.iter().filter(|(k, _)| k.as_str() != "page") {
                q.append_pair(k, v);
            }
            q.append_pair("page", &p.to_string());
        }
        Some(url.to_string())
    };
    let results = page_rows(start, (start + size).min(count));
    let next = (start + size < count).then(|| link(page + 1)).flatten();
    let previous = (page > 1).then(|| link(page - 1)).flatten();
    Ok(Json(wire::Paginated { count: count as u64, next, previous, results }).into_response())
}

/// Paginates rows that are already rendered (small lists: plans, prices, features).
fn paginate_all<T: serde::Serialize>(
    public_base: &str,
    path: &str,
    query: &HashMap<String, String>,
    rows: Vec<T>,
    default_size: usize,
) -> Reply {
    let count = rows.len();
    paginate(public_base, path, query, count, default_size, |start, end| {
        rows.into_iter().skip(start).take(end - start).collect()
    })
}

async fn list_customers(Extract(app): Extract<AppState>, Query(q): Query<HashMap<String, String>>) -> Reply {
    let k = lock(&app.kelviq);
    let search = q.get("search").map(String::as_str).filter(|s| !s.is_empty());
    if search.is_none() {
        // Newest first straight from the records: collecting a million references for every
        // page made loading them all quadratic.
        let n = k.customers.len();
        return paginate(&k.public_base, "/kelviq/api/v1/customers/", &q, n, 10, |start, end| {
            k.customers[n - end..n - start].iter().rev().map(render::customer).collect()
        });
    }
    let found = k.search_customers(search);
    paginate(&k.public_base, "/kelviq/api/v1/customers/", &q, found.len(), 10, |start, end| {
        found[start..end].iter().map(|c| render::customer(c)).collect()
    })
}

async fn create_customer(Extract(app): Extract<AppState>, bytes: axum::body::Bytes) -> Reply {
    let req: wire::CustomerCreateRequest = body(&bytes)?;
    if req.customer_id.trim().is_empty() {
        return Err(ApiError::field("customerId", "This field may not be blank."));
    }
    if let Some(email) = req.email.as_deref().filter(|e| !valid_email(e)) {
        return Err(ApiError::field("email", &format!("Enter a valid email address ({email:?}).")));
    }
    let mut k = lock(&app.kelviq);
    if k.customer(&req.customer_id).is_some() {
        return Err(ApiError::Detail(409, format!("Customer with customerId '{}' already exists.", req.customer_id)));
    }
    let country = req.billing_address.as_ref().and_then(|a| a.country.clone());
    let created = k.insert_customer(
        req.customer_id,
        req.name,
        req.email,
        req.metadata.unwrap_or_default(),
        country,
        app.clock.now(),
    );
    Ok((StatusCode::CREATED, Json(render::customer(created))).into_response())
}

fn valid_email(e: &str) -> bool {
    let mut parts = e.split('@');
    matches!((parts.next(), parts.next(), parts.next()), (Some(l), Some(d), None) if !l.is_empty() && d.contains('.') && !d.starts_with('.') && !d.ends_with('.'))
}

async fn update_customer(
    Extract(app): Extract<AppState>,
    Path(customer_id): Path<String>,
    bytes: axum::body::Bytes,
) -> Reply {
    let req: wire::CustomerUpdateRequest = body(&bytes)?;
    if let Some(email) = req.email.as_deref().filter(|e| !valid_email(e)) {
        return Err(ApiError::field("email", &format!("Enter a valid email address ({email:?}).")));
    }
    let mut k = lock(&app.kelviq);
    let updated = k.update_customer(&customer_id, req.name, req.email, req.metadata)?;
    Ok(Json(render::customer(updated)).into_response())
}

async fn list_plans(Extract(app): Extract<AppState>, Query(q): Query<HashMap<String, String>>) -> Reply {
    let k = lock(&app.kelviq);
    let rows: Vec<_> = k.plans.iter().map(render::plan).collect();
    paginate_all(&k.public_base, "/kelviq/api/v1/catalog/plans/", &q, rows, 100)
}

fn find_plan<'a>(k: &'a State, identifier: &str) -> Result<&'a state::Plan, ApiError> {
    k.plan(identifier).ok_or_else(|| ApiError::not_found("Plan not found."))
}

async fn get_plan(Extract(app): Extract<AppState>, Path(identifier): Path<String>) -> Reply {
    let k = lock(&app.kelviq);
    Ok(Json(render::plan(find_plan(&k, &identifier)?)).into_response())
}

async fn plan_prices(
    Extract(app): Extract<AppState>,
    Path(identifier): Path<String>,
    Query(q): Query<HashMap<String, String>>,
) -> Reply {
    let k = lock(&app.kelviq);
    let rows = render::prices(find_plan(&k, &identifier)?);
    paginate_all(&k.public_base, &format!("/kelviq/api/v1/catalog/plans/{identifier}/prices/"), &q, rows, 100)
}

async fn plan_features(
    Extract(app): Extract<AppState>,
    Path(identifier): Path<String>,
    Query(q): Query<HashMap<String, String>>,
) -> Reply {
    let k = lock(&app.kelviq);
    let rows = render::plan_features(&k, find_plan(&k, &identifier)?);
    paginate_all(&k.public_base, &format!("/kelviq/api/v1/catalog/plans/{identifier}/features/"), &q, rows, 100)
}

async fn list_subscriptions(Extract(app): Extract<AppState>, Query(q): Query<HashMap<String, String>>) -> Reply {
    let k = lock(&app.kelviq);
    let today = app.clock.now().date_naive();
    let statuses: Option<Vec<String>> =
        q.get("status").map(|s| s.split(',').map(|x| x.trim().to_string()).filter(|x| !x.is_empty()).collect());
    let customer = q.get("customer_id").map(String::as_str);
    let count = k.subscriptions_page(customer, statuses.as_deref(), today, (0, 0)).0;
    // Only the page is sorted and rendered: without a customer filter the list is the whole account.
    paginate(&k.public_base, "/kelviq/api/v1/subscriptions/", &q, count, 10, |start, end| {
        let (_, rows) = k.subscriptions_page(customer, statuses.as_deref(), today, (start, end));
        rows.into_iter().map(|s| render::subscription(&k, s, today)).collect::<Vec<wire::Subscription>>()
    })
}

async fn get_subscription(Extract(app): Extract<AppState>, Path(id): Path<String>) -> Reply {
    let k = lock(&app.kelviq);
    let s = k.subscription(&id).ok_or_else(|| ApiError::not_found("Subscription not found."))?;
    Ok(Json(render::subscription(&k, s, app.clock.now().date_naive())).into_response())
}

async fn update_subscription(
    Extract(app): Extract<AppState>,
    Path(id): Path<String>,
    bytes: axum::body::Bytes,
) -> Reply {
    let req: wire::UpdateSubscriptionRequest = body(&bytes)?;
    let new_id = lock(&app.kelviq).update_subscription(&id, req)?;
    Ok(Json(wire::UpdateSubscriptionResponse { subscription_id: Some(new_id) }).into_response())
}

async fn cancel_subscription(
    Extract(app): Extract<AppState>,
    Path(id): Path<String>,
    bytes: axum::body::Bytes,
) -> Reply {
    let req: wire::CancelSubscriptionRequest = body(&bytes)?;
    lock(&app.kelviq).cancel_subscription(&id, req)?;
    Ok(Json(wire::MessageResponse { message: "Subscription cancellation processed successfully.".into() })
        .into_response())
}

async fn create_checkout(Extract(app): Extract<AppState>, bytes: axum::body::Bytes) -> Reply {
    let req: wire::CreateCheckoutSessionRequest = body(&bytes)?;
    let created = lock(&app.kelviq).create_checkout(req)?;
    Ok((StatusCode::CREATED, Json(created)).into_response())
}

async fn get_checkout(Extract(app): Extract<AppState>, Path(id): Path<String>) -> Reply {
    let k = lock(&app.kelviq);
    let c = k.checkouts.get(&id).ok_or_else(|| ApiError::not_found("Checkout session not found."))?;
    Ok(Json(render::checkout_detail(&k, c, app.clock.now().date_naive())).into_response())
}

async fn entitlements(Extract(app): Extract<AppState>, Query(q): Query<HashMap<String, String>>) -> Reply {
    // Snake case per the current spec; camelCase accepted as older docs show it.
    let customer = q
        .get("customer_id")
        .or_else(|| q.get("customerId"))
        .filter(|c| !c.is_empty())
        .ok_or_else(|| ApiError::field("customer_id", "This field is required."))?;
    let feature = q.get("feature_id").or_else(|| q.get("featureId")).map(String::as_str);
    let k = lock(&app.kelviq);
    let rows = k.entitlements(customer, feature);
    Ok(Json(wire::CheckEntitlementsResponse { customer_id: customer.clone(), entitlements: rows }).into_response())
}
