//! Flowglad emulation: `/flowglad/api/v1/...` with Flowglad's auth (plain-text 401s), its
//! error bodies (`{error, code, request_id}`), cursor paging and `X-Request-Id`.

mod changes;
mod checkout;
mod events;
mod ops;
mod paging;
pub mod payments;
mod render;
mod seeding;
pub mod state;
mod tick;
mod webhooks;

use axum::body::{Body, Bytes};
use axum::extract::{Path, Query, Request, State as Extract};
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::de::DeserializeOwned;
use serde_json::Value;

use super::{AppState, keys, lock};
use crate::providers::flowglad::wire;
use ops::now_ms_of;
use paging::{page_query, paginate};
pub use state::State;
use state::{ApiError, Issue};

/// The REST handler's plain-text 401 bodies, word for word.
pub const MISSING_HEADER: &str = "Unauthorized. Authorization header is required, and must include api key in format Authorization: \"Bearer <key>\", or Authorization: \"<key>\"";
pub const BAD_FORMAT: &str = "Either the API key was missing, or it was in an invalid format. Authorization header is required, and must include api key in format Authorization: \"Bearer <key>\", or Authorization: \"<key>\"";
pub const INVALID_KEY: &str = "API key invalid. Please check that you are providing a valid API key. If requesting via SDK, ensure the FLOWGLAD_SECRET_KEY is set in your server's environment variables.";

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let text = wire::ErrorMessage::Text;
        let (status, error, code) = match self {
            ApiError::Procedure { status, code, message } => (status, text(message), Some(code.to_string())),
            ApiError::Issues(issues) => (
                400,
                wire::ErrorMessage::Issues(issues.into_iter().map(zod_issue).collect()),
                Some("BAD_REQUEST".into()),
            ),
            ApiError::Handler(message) => (400, text(message), None),
        };
        let body = wire::ErrorBody { error, code, request_id: None };
        (StatusCode::from_u16(status).unwrap_or(StatusCode::BAD_REQUEST), Json(body)).into_response()
    }
}

fn zod_issue(i: Issue) -> wire::ZodIssue {
    wire::ZodIssue {
        code: i.code.to_string(),
        path: i.path.into_iter().map(wire::PathPart::Key).collect(),
        message: i.message,
        ..Default::default()
    }
}

type Reply = Result<Response, ApiError>;

pub fn routes(state: AppState) -> Router<AppState> {
    Router::new()
        .route("/api/v1/customers", get(list_customers).post(create_customer))
        .route("/api/v1/customers/{external_id}", get(get_customer).put(update_customer))
        .route("/api/v1/customers/{external_id}/billing", get(billing))
        .route("/api/v1/pricing-models", get(list_pricing_models))
        .route("/api/v1/pricing-models/default", get(pricing_model))
        .route("/api/v1/pricing-models/{id}", get(get_pricing_model))
        .route("/api/v1/resources", get(resources))
        .route("/api/v1/subscriptions", get(list_subscriptions))
        .route("/api/v1/subscriptions/{id}", get(get_subscription))
        .route("/api/v1/subscriptions/{id}/adjust", post(adjust))
        .route("/api/v1/subscriptions/{id}/preview-adjust", post(preview_adjust))
        .route("/api/v1/subscriptions/{id}/cancel", post(cancel))
        .route("/api/v1/subscriptions/{id}/uncancel", post(uncancel))
        .route("/api/v1/subscriptions/{id}/cancel-scheduled-adjustment", post(cancel_scheduled_adjustment))
        .route("/api/v1/checkout-sessions", get(list_checkouts).post(create_checkout))
        .route("/api/v1/checkout-sessions/{id}", get(get_checkout))
        .route("/api/v1/payments", get(payments::list_payments))
        .route("/api/v1/payments/{id}", get(payments::get_payment))
        .route("/api/v1/payments/{id}/refund", post(payments::refund))
        .route("/api/v1/usage-events", post(payments::create_usage_event))
        .route("/api/v1/webhooks", post(webhooks::create))
        .route("/api/v1/webhooks/{id}", get(webhooks::get).put(webhooks::update))
        .fallback(not_found)
        .method_not_allowed_fallback(not_found)
        .layer(middleware::from_fn_with_state(state, authenticate))
}

/// Unmatched paths and methods: the handler's plain `Not Found`.
async fn not_found() -> Response {
    (StatusCode::NOT_FOUND, [(header::CONTENT_TYPE, "text/plain;charset=UTF-8")], "Not Found").into_response()
}

fn unauthorized(message: &'static str) -> Response {
    (StatusCode::UNAUTHORIZED, [(header::CONTENT_TYPE, "text/plain;charset=UTF-8")], message).into_response()
}

/// Checks the key (bare or `Bearer`), then stamps `X-Request-Id` on the response and echoes
/// it as `request_id` in JSON error bodies, as Flowglad does once a key is accepted.
async fn authenticate(request: Request, next: Next) -> Response {
    let Some(raw) = request.headers().get(header::AUTHORIZATION) else { return unauthorized(MISSING_HEADER) };
    let raw = raw.to_str().unwrap_or("").trim();
    let key = raw.strip_prefix("Bearer ").unwrap_or(raw).trim();
    if key.is_empty() || key == "Bearer" {
        return unauthorized(BAD_FORMAT);
    }
    if key != keys::FLOWGLAD {
        return unauthorized(INVALID_KEY);
    }
    let request_id: String = uuid::Uuid::new_v4().simple().to_string().chars().take(8).collect();
    let response = next.run(request).await;
    let (mut parts, body) = response.into_parts();
    let is_json =
        parts.headers.get(header::CONTENT_TYPE).is_some_and(|v| v.as_bytes().starts_with(b"application/json"));
    let body = if is_json && (parts.status.is_client_error() || parts.status.is_server_error()) {
        let bytes = axum::body::to_bytes(body, 1 << 20).await.unwrap_or_default();
        let stamped = serde_json::from_slice::<wire::ErrorBody>(&bytes).and_then(|mut error| {
            error.request_id = Some(request_id.clone());
            serde_json::to_vec(&error)
        });
        match stamped {
            Ok(stamped) => {
                parts.headers.remove(header::CONTENT_LENGTH);
                Body::from(stamped)
            }
            Err(_) => Body::from(bytes),
        }
    } else {
        body
    };
    if let Ok(v) = HeaderValue::from_str(&request_id) {
        parts.headers.insert("x-request-id", v);
    }
    Response::from_parts(parts, body)
}

/// Parses a POST/PUT body; an empty body is accepted only where Flowglad accepts one.
fn json_body(bytes: &[u8], allow_empty: bool) -> Result<Value, ApiError> {
    if allow_empty && bytes.iter().all(u8::is_ascii_whitespace) {
        return Ok(Value::Object(serde_json::Map::new()));
    }
    serde_json::from_slice(bytes).map_err(|_| ApiError::Handler("Invalid JSON in request body".into()))
}

/// Decodes into a wire type; a type mismatch or missing wrapper becomes a zod-style issue.
fn decode<T: DeserializeOwned>(value: Value) -> Result<T, ApiError> {
    serde_path_to_error::deserialize(value).map_err(|e| {
        let inner = e.inner().to_string();
        let mut path: Vec<String> = e
            .path()
            .iter()
            .filter_map(|s| match s {
                serde_path_to_error::Segment::Map { key } => Some(key.clone()),
                serde_path_to_error::Segment::Seq { index } => Some(index.to_string()),
                _ => None,
            })
            .collect();
        let message = match inner.strip_prefix("missing field `").and_then(|r| r.split('`').next()) {
            Some(field) => {
                path.push(field.to_string());
                "Invalid input: expected object, received undefined".to_string()
            }
            None => zod_type_message(&inner).unwrap_or_else(|| format!("Invalid input: {inner}")),
        };
        ApiError::Issues(vec![Issue { code: "invalid_type", path, message }])
    })
}

/// serde's `invalid type: string "yes", expected a boolean` in zod's words:
/// `Invalid input: expected boolean, received string`.
fn zod_type_message(serde_message: &str) -> Option<String> {
    let rest = serde_message.strip_prefix("invalid type: ")?;
    let (received, expected) = rest.rsplit_once(", expected ")?;
    let received = match received.split([' ', '`']).next()? {
        "string" => "string",
        "boolean" => "boolean",
        "integer" | "floating" => "number",
        "map" => "object",
        "sequence" => "array",
        "null" | "unit" => "null",
        _ => return None,
    };
    let expected = match expected {
        e if e.contains("bool") => "boolean",
        e if e.contains("string") => "string",
        // zod's `z.number().int()`: a fraction is "not an int", anything else "not a number".
        e if (e.starts_with('i') || e.starts_with('u')) && received == "number" => "int",
        e if e.starts_with('i') || e.starts_with('u') => "number",
        e if e.contains("map") || e.contains("struct") => "object",
        e if e.contains("sequence") => "array",
        _ => return None,
    };
    Some(format!("Invalid input: expected {expected}, received {received}"))
}

fn ok<T: serde::Serialize>(body: T) -> Reply {
    Ok(Json(body).into_response())
}

async fn list_customers(Extract(app): Extract<AppState>, Query(raw): Query<Vec<(String, String)>>) -> Reply {
    let q = page_query(&raw)?;
    let f = lock(&app.flowglad);
    let page = paginate(
        &q,
        f.customers.len(),
        |i| (f.customers[i].created, f.customers[i].id.clone()),
        |a, b| f.customers[a..b].iter().map(|c| render::customer(&f, c)).collect(),
    );
    ok(page)
}

async fn create_customer(Extract(app): Extract<AppState>, bytes: Bytes) -> Reply {
    let req: wire::CustomerCreateRequest = decode(json_body(&bytes, false)?)?;
    let mut f = lock(&app.flowglad);
    let (customer, sub) = f.create_customer(req.customer)?;
    let sub = sub.map(|i| &f.subscriptions[i]);
    let created = wire::CustomerCreated {
        customer: render::customer(&f, &f.customers[customer]),
        subscription: sub.map(|s| render::subscription(&f, s)),
        subscription_items: sub.map(|s| s.items.iter().map(|it| render::item(&f, s, it, false)).collect()),
    };
    ok(wire::CustomerCreateResponse { data: created })
}

async fn get_customer(Extract(app): Extract<AppState>, Path(external_id): Path<String>) -> Reply {
    let f = lock(&app.flowglad);
    let i = f.find_customer(&external_id)?;
    ok(wire::CustomerResponse { customer: render::customer(&f, &f.customers[i]) })
}

async fn update_customer(Extract(app): Extract<AppState>, Path(external_id): Path<String>, bytes: Bytes) -> Reply {
    let req: wire::CustomerUpdateRequest = decode(json_body(&bytes, false)?)?;
    let mut f = lock(&app.flowglad);
    let i = f.update_customer(&external_id, req.customer)?;
    ok(wire::CustomerResponse { customer: render::customer(&f, &f.customers[i]) })
}

async fn billing(Extract(app): Extract<AppState>, Path(external_id): Path<String>) -> Reply {
    let mut f = lock(&app.flowglad);
    f.settle(now_ms_of(&app.clock));
    let i = f.find_customer(&external_id)?;
    ok(render::billing(&f, i))
}

async fn list_pricing_models(Extract(app): Extract<AppState>, Query(raw): Query<Vec<(String, String)>>) -> Reply {
    let q = page_query(&raw)?;
    let f = lock(&app.flowglad);
    let model = render::pricing_model(&f);
    ok(paginate(&q, 1, |_| (model.created_at, model.id.clone()), |a, b| vec![model.clone(); b - a]))
}

async fn pricing_model(Extract(app): Extract<AppState>) -> Reply {
    let f = lock(&app.flowglad);
    ok(wire::PricingModelResponse { pricing_model: render::pricing_model_details(&f) })
}

async fn get_pricing_model(Extract(app): Extract<AppState>, Path(id): Path<String>) -> Reply {
    let f = lock(&app.flowglad);
    if id != f.pricing_model_id {
        return Err(ApiError::not_found(format!("Pricing model not found: {id}")));
    }
    ok(wire::PricingModelResponse { pricing_model: render::pricing_model_details(&f) })
}

async fn resources(Extract(app): Extract<AppState>) -> Reply {
    let f = lock(&app.flowglad);
    ok(wire::ResourcesResponse { resources: f.resources.iter().map(|r| render::resource(&f, r)).collect() })
}

async fn list_subscriptions(Extract(app): Extract<AppState>, Query(raw): Query<Vec<(String, String)>>) -> Reply {
    let q = page_query(&raw)?;
    let mut f = lock(&app.flowglad);
    f.settle(now_ms_of(&app.clock));
    let mut order: Vec<usize> = (0..f.subscriptions.len()).collect();
    order.sort_by(|&a, &b| {
        (f.subscriptions[a].created, &f.subscriptions[a].id).cmp(&(f.subscriptions[b].created, &f.subscriptions[b].id))
    });
    let key = |i: usize| (f.subscriptions[order[i]].created, f.subscriptions[order[i]].id.clone());
    let page = paginate(&q, order.len(), key, |a, b| {
        order[a..b].iter().map(|&i| render::subscription(&f, &f.subscriptions[i])).collect()
    });
    ok(page)
}

async fn get_subscription(Extract(app): Extract<AppState>, Path(id): Path<String>) -> Reply {
    let mut f = lock(&app.flowglad);
    f.settle(now_ms_of(&app.clock));
    let i = f.find_subscription(&id)?;
    ok(wire::SubscriptionResponse { subscription: render::subscription(&f, &f.subscriptions[i]) })
}

async fn adjust(Extract(app): Extract<AppState>, Path(id): Path<String>, bytes: Bytes) -> Reply {
    let req: wire::AdjustRequest = decode(json_body(&bytes, false)?)?;
    let mut f = lock(&app.flowglad);
    let now = now_ms_of(&app.clock);
    f.settle(now);
    let mut plan = f.plan_adjustment(&id, &req.adjustment, now)?.map_err(ApiError::bad_request)?;
    f.check_quote(&plan, &req.adjustment, now)?;
    f.honour_quote(&mut plan, &req.adjustment, now);
    let items = f.apply_adjustment(&plan, now);
    f.record_change_charge(&plan);
    let sub = &f.subscriptions[plan.sub];
    ok(wire::AdjustResponse {
        subscription: render::subscription(&f, sub),
        subscription_items: items.iter().map(|it| render::item(&f, sub, it, false)).collect(),
        resolved_timing: plan.timing.into(),
        is_upgrade: plan.is_upgrade,
    })
}

async fn preview_adjust(Extract(app): Extract<AppState>, Path(id): Path<String>, bytes: Bytes) -> Reply {
    let req: wire::AdjustRequest = decode(json_body(&bytes, false)?)?;
    let mut f = lock(&app.flowglad);
    let now = now_ms_of(&app.clock);
    f.settle(now);
    match f.plan_adjustment(&id, &req.adjustment, now)? {
        Ok(plan) => {
            f.remember_quote(&plan, &req.adjustment, now);
            ok(render::preview(&f, &plan, now))
        }
        Err(reason) => ok(wire::PreviewAdjustResponse {
            can_adjust: false,
            reason: Some(reason),
            preview_generated_at: now,
            ..Default::default()
        }),
    }
}

async fn cancel(Extract(app): Extract<AppState>, Path(id): Path<String>, bytes: Bytes) -> Reply {
    let req: wire::CancelRequest = decode(json_body(&bytes, false)?)?;
    let mut f = lock(&app.flowglad);
    f.settle(now_ms_of(&app.clock));
    let i = f.cancel(&id, &req.cancellation.timing)?;
    ok(wire::SubscriptionResponse { subscription: render::subscription(&f, &f.subscriptions[i]) })
}

async fn uncancel(Extract(app): Extract<AppState>, Path(id): Path<String>, bytes: Bytes) -> Reply {
    json_body(&bytes, true)?;
    let mut f = lock(&app.flowglad);
    f.settle(now_ms_of(&app.clock));
    let i = f.uncancel(&id)?;
    ok(wire::SubscriptionResponse { subscription: render::subscription(&f, &f.subscriptions[i]) })
}

async fn cancel_scheduled_adjustment(Extract(app): Extract<AppState>, Path(id): Path<String>, bytes: Bytes) -> Reply {
    json_body(&bytes, true)?;
    let mut f = lock(&app.flowglad);
    f.settle(now_ms_of(&app.clock));
    let (i, canceled_item_count) = f.cancel_scheduled_adjustment(&id)?;
    ok(wire::CancelScheduledAdjustmentOutput {
        subscription: render::subscription(&f, &f.subscriptions[i]),
        canceled_item_count,
    })
}

async fn create_checkout(Extract(app): Extract<AppState>, bytes: Bytes) -> Reply {
    let req: wire::CreateCheckoutSessionRequest = decode(json_body(&bytes, false)?)?;
    let mut f = lock(&app.flowglad);
    let id = f.create_checkout(req.checkout_session)?;
    let c = f.checkouts.get(&id).ok_or_else(|| ApiError::not_found("Checkout session not found"))?;
    ok(render::checkout(&f, c))
}

async fn get_checkout(Extract(app): Extract<AppState>, Path(id): Path<String>) -> Reply {
    let f = lock(&app.flowglad);
    let c = f.checkouts.get(&id).ok_or_else(|| ApiError::not_found(format!("Checkout session not found: {id}")))?;
    let mut response = render::checkout(&f, c);
    if c.status == "open" && now_ms_of(&app.clock) > c.expires {
        response.checkout_session.status = "expired".into();
    }
    ok(response)
}

async fn list_checkouts(Extract(app): Extract<AppState>, Query(raw): Query<Vec<(String, String)>>) -> Reply {
    let q = page_query(&raw)?;
    let f = lock(&app.flowglad);
    let mut rows: Vec<&state::Checkout> = f.checkouts.values().collect();
    rows.sort_by(|a, b| (a.created, &a.id).cmp(&(b.created, &b.id)));
    let page = paginate(
        &q,
        rows.len(),
        |i| (rows[i].created, rows[i].id.clone()),
        |a, b| rows[a..b].iter().map(|c| render::checkout(&f, c).checkout_session).collect(),
    );
    ok(page)
}
