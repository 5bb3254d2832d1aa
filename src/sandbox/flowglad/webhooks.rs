//! Flowglad's `POST /api/v1/webhooks`: registering an endpoint the way Flowglad allows.

use axum::Json;
use axum::extract::State;
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

use crate::billing::ProviderKind;
use crate::sandbox::AppState;
use crate::sandbox::events::Endpoint;

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

fn flowglad_view(e: &Endpoint, name: &str, pricing_model: &str) -> Value {
    let ms = e.created.timestamp_millis();
    json!({
        "id": e.id,
        "createdAt": ms,
        "updatedAt": ms,
        "livemode": false,
        "filterTypes": e.events.clone().unwrap_or_default(),
        "organizationId": super::state::ORGANIZATION_ID,
        "url": e.url.as_str(),
        "name": name,
        "active": true,
        "pricingModelId": pricing_model,
    })
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
    let mut filter = Vec::new();
    for t in types {
        match t.as_str().filter(|t| FLOWGLAD_TYPES.contains(t)) {
            Some(t) => filter.push(t.to_string()),
            None => return flowglad_bad(format!("webhook.filterTypes: invalid value {t}")),
        }
    }
    let url = match crate::sandbox::events::routes::receiver_url(url) {
        Ok(u) => u,
        Err(e) => return flowglad_bad(e),
    };
    let endpoint = app.webhooks.register(ProviderKind::Flowglad, url, Some(filter), None);
    Json(json!({ "webhook": flowglad_view(&endpoint, name, pricing_model), "secret": endpoint.secret })).into_response()
}

fn flowglad_bad(message: impl Into<String>) -> Response {
    super::state::ApiError::bad_request(message).into_response()
}
