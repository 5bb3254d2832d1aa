//! Flowglad's `POST /api/v1/webhooks`, `GET` and `PUT /api/v1/webhooks/{id}`: registering and
//! changing an endpoint the way Flowglad allows (it has no list and no delete).

use axum::Json;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

use crate::billing::ProviderKind;
use crate::sandbox::AppState;
use crate::sandbox::events::{Endpoint, EndpointChange};

/// The filter types Flowglad's spec allows.
pub const FLOWGLAD_TYPES: [&str; 9] = [
    "customer.created",
    "customer.updated",
    "purchase.completed",
    "payment.failed",
    "payment.succeeded",
    "subscription.created",
    "subscription.updated",
    "subscription.canceled",
    "sync.events_available",
];

fn flowglad_view(e: &Endpoint) -> Value {
    json!({
        "id": e.id,
        "createdAt": e.created.timestamp_millis(),
        "updatedAt": e.updated.timestamp_millis(),
        "livemode": false,
        "filterTypes": e.events.clone().unwrap_or_default(),
        "organizationId": super::state::ORGANIZATION_ID,
        "url": e.url.as_str(),
        "name": e.name.clone().unwrap_or_default(),
        "active": e.active,
        "pricingModelId": e.pricing_model.clone().unwrap_or_default(),
    })
}

/// `filterTypes` checked against the spec's list.
fn filter_types(types: &[Value]) -> Result<Vec<String>, String> {
    let mut filter = Vec::new();
    for t in types {
        match t.as_str().filter(|t| FLOWGLAD_TYPES.contains(t)) {
            Some(t) => filter.push(t.to_string()),
            None => return Err(format!("webhook.filterTypes: invalid value {t}")),
        }
    }
    Ok(filter)
}

/// Flowglad's `POST /api/v1/webhooks`: `{webhook:{filterTypes, url, name, pricingModelId}}` →
/// `{webhook, secret}`. An empty `filterTypes` receives nothing, as the field says.
pub async fn create(State(app): State<AppState>, body: axum::body::Bytes) -> Response {
    let req: Value = serde_json::from_slice(&body).unwrap_or(Value::Null);
    let w = &req["webhook"];
    let (Some(url), Some(name), Some(pricing_model), Some(types)) =
        (w["url"].as_str(), w["name"].as_str(), w["pricingModelId"].as_str(), w["filterTypes"].as_array())
    else {
        return flowglad_bad("webhook.url, webhook.name, webhook.pricingModelId and webhook.filterTypes are required");
    };
    let filter = match filter_types(types) {
        Ok(f) => f,
        Err(why) => return flowglad_bad(why),
    };
    let url = match crate::sandbox::events::routes::receiver_url(url) {
        Ok(u) => u,
        Err(e) => return flowglad_bad(e),
    };
    let endpoint = app.webhooks.register(ProviderKind::Flowglad, url, Some(filter), None);
    app.webhooks.label(&endpoint.id, name, pricing_model);
    let shown = app.webhooks.endpoint(&endpoint.id).unwrap_or(endpoint);
    Json(json!({ "webhook": flowglad_view(&shown), "secret": shown.secret })).into_response()
}

/// A Flowglad endpoint by id; endpoints of other providers are not Flowglad's to show.
fn flowglad_endpoint(app: &AppState, id: &str) -> Option<Endpoint> {
    app.webhooks.endpoint(id).filter(|e| e.provider == ProviderKind::Flowglad)
}

fn not_found(id: &str) -> Response {
    super::state::ApiError::not_found(format!("Webhook {id} not found")).into_response()
}

/// Flowglad's `GET /api/v1/webhooks/{id}` → `{webhook}` (never the secret).
pub async fn get(State(app): State<AppState>, Path(id): Path<String>) -> Response {
    match flowglad_endpoint(&app, &id) {
        Some(e) => Json(json!({ "webhook": flowglad_view(&e) })).into_response(),
        None => not_found(&id),
    }
}

/// Flowglad's `PUT /api/v1/webhooks/{id}`: `{webhook:{id, filterTypes, url, name?, active?}}`
/// → `{webhook}`. An inactive endpoint receives nothing, not even retries already due.
pub async fn update(State(app): State<AppState>, Path(id): Path<String>, body: axum::body::Bytes) -> Response {
    if flowglad_endpoint(&app, &id).is_none() {
        return not_found(&id);
    }
    let req: Value = serde_json::from_slice(&body).unwrap_or(Value::Null);
    let w = &req["webhook"];
    let (Some(body_id), Some(url), Some(types)) = (w["id"].as_str(), w["url"].as_str(), w["filterTypes"].as_array())
    else {
        return flowglad_bad("webhook.id, webhook.url and webhook.filterTypes are required");
    };
    if body_id != id {
        return flowglad_bad(format!("webhook.id {body_id} does not match the path's {id}"));
    }
    let (name, active) = (w.get("name"), w.get("active"));
    if name.is_some_and(|n| !n.is_string()) || active.is_some_and(|a| !a.is_boolean()) {
        return flowglad_bad("webhook.name must be a string and webhook.active a boolean");
    }
    let filter = match filter_types(types) {
        Ok(f) => f,
        Err(why) => return flowglad_bad(why),
    };
    let url = match crate::sandbox::events::routes::receiver_url(url) {
        Ok(u) => u,
        Err(e) => return flowglad_bad(e),
    };
    let change = EndpointChange {
        url: Some(url),
        events: Some(Some(filter)),
        active: active.and_then(Value::as_bool),
        name: name.and_then(Value::as_str).map(str::to_string),
    };
    match app.webhooks.update(&id, change) {
        Some(e) => Json(json!({ "webhook": flowglad_view(&e) })).into_response(),
        None => not_found(&id),
    }
}

fn flowglad_bad(message: impl Into<String>) -> Response {
    super::state::ApiError::bad_request(message).into_response()
}
