//! HTTP for webhooks: the admin API (`/_admin/webhooks`, `/_admin/deliveries`,
//! `/_admin/events`) for dashboard-only providers and `till listen`; Flowglad's own
//! `POST /api/v1/webhooks`; Kelviq's `GET /webhook/logs/`.

use std::collections::HashMap;

use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use chrono::{Duration, NaiveDate};
use serde_json::{Value, json};

use super::{Attempt, Endpoint};
use crate::billing::ProviderKind;
use crate::sandbox::AppState;
use crate::sandbox::admin::{authorised, unauthorised};

/// A receiver the sandbox will POST to: http(s) on this machine only. The sandbox is a local
/// tool, and Flowglad's registration takes the public sandbox key, so a remote URL would let
/// any local page make it send requests elsewhere.
pub fn receiver_url(text: &str) -> Result<url::Url, String> {
    let url = url::Url::parse(text.trim()).map_err(|e| format!("'{text}' is not a URL: {e}"))?;
    if !matches!(url.scheme(), "http" | "https") {
        return Err(format!("'{text}' is not an http(s) URL"));
    }
    let local = match url.host() {
        Some(url::Host::Domain(d)) => d.eq_ignore_ascii_case("localhost"),
        Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
        Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
        None => false,
    };
    if !local {
        return Err(format!("'{text}' is not on this machine: the sandbox delivers to localhost or 127.0.0.1 only"));
    }
    Ok(url)
}

fn bad(message: impl Into<String>) -> Response {
    (StatusCode::BAD_REQUEST, Json(json!({ "error": message.into() }))).into_response()
}

#[derive(serde::Deserialize)]
pub struct Register {
    provider: String,
    url: String,
    #[serde(default)]
    events: Option<Vec<String>>,
    /// Zenskar lets the user choose the secret; the others generate one.
    #[serde(default)]
    secret: Option<String>,
}

fn endpoint_view(e: &Endpoint) -> Value {
    json!({
        "id": e.id,
        "provider": e.provider.slug(),
        "url": e.url.as_str(),
        "events": e.events,
        "active": e.active,
        "created": e.created,
    })
}

/// `POST /_admin/webhooks {provider, url, events?, secret?}` → the endpoint and its secret.
pub async fn register(State(app): State<AppState>, headers: HeaderMap, body: axum::body::Bytes) -> Response {
    if !authorised(&app, &headers) {
        return unauthorised();
    }
    let req: Register = match serde_json::from_slice(&body) {
        Ok(r) => r,
        Err(e) => return bad(format!("expected {{provider, url, events?, secret?}}: {e}")),
    };
    let Some(provider) = ProviderKind::ALL.into_iter().find(|p| p.slug() == req.provider.trim().to_lowercase()) else {
        return bad(format!("unknown provider '{}': kelviq, flowglad, kuvarpay or zenskar", req.provider));
    };
    let url = match receiver_url(&req.url) {
        Ok(u) => u,
        Err(e) => return bad(e),
    };
    if req.secret.is_some() && provider != ProviderKind::Zenskar {
        return bad(format!("{} generates the signing secret; only Zenskar takes one you choose", provider.slug()));
    }
    if req.secret.as_deref().is_some_and(|s| s.trim().len() < 16) {
        return bad("a signing secret needs at least 16 characters");
    }
    let events = req.events.filter(|e| !e.is_empty());
    let endpoint = app.webhooks.register(provider, url, events, req.secret);
    let mut view = endpoint_view(&endpoint);
    view["secret"] = json!(endpoint.secret);
    (StatusCode::CREATED, Json(view)).into_response()
}

/// `GET /_admin/webhooks`: the endpoints, without their secrets.
pub async fn list(State(app): State<AppState>, headers: HeaderMap) -> Response {
    if !authorised(&app, &headers) {
        return unauthorised();
    }
    Json(app.webhooks.endpoints().iter().map(endpoint_view).collect::<Vec<_>>()).into_response()
}

/// `DELETE /_admin/webhooks/{id}`.
pub async fn unregister(State(app): State<AppState>, headers: HeaderMap, Path(id): Path<String>) -> Response {
    if !authorised(&app, &headers) {
        return unauthorised();
    }
    if app.webhooks.unregister(&id) {
        StatusCode::NO_CONTENT.into_response()
    } else {
        (StatusCode::NOT_FOUND, Json(json!({ "error": format!("no endpoint {id}") }))).into_response()
    }
}

fn after(q: &HashMap<String, String>) -> u64 {
    q.get("after").and_then(|a| a.parse().ok()).unwrap_or(0)
}

/// `GET /_admin/deliveries?after=N&endpoint=ID`: attempts after `N`, oldest first.
pub(crate) async fn deliveries(
    State(app): State<AppState>,
    headers: HeaderMap,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    if !authorised(&app, &headers) {
        return unauthorised();
    }
    Json(app.webhooks.attempts_after(after(&q), q.get("endpoint").map(String::as_str))).into_response()
}

/// `GET /_admin/events?after=N`: the event log after `N`, oldest first, with each body.
pub(crate) async fn events(
    State(app): State<AppState>,
    headers: HeaderMap,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    if !authorised(&app, &headers) {
        return unauthorised();
    }
    Json(app.webhooks.events_after(after(&q))).into_response()
}

/// `POST /_admin/events/{seq}/redeliver` with an optional `{"endpoint": ID}` → `{"queued":
/// [ids]}`. Redelivery is the sandbox's own: neither Kelviq's nor Flowglad's API defines one.
pub(crate) async fn redeliver(
    State(app): State<AppState>,
    headers: HeaderMap,
    Path(seq): Path<String>,
    body: axum::body::Bytes,
) -> Response {
    if !authorised(&app, &headers) {
        return unauthorised();
    }
    let Ok(seq) = seq.parse::<u64>() else {
        return bad(format!("'{seq}' is not an event number (the seq of GET /_admin/events)"));
    };
    let endpoint = if body.iter().all(u8::is_ascii_whitespace) {
        None
    } else {
        match serde_json::from_slice::<Value>(&body) {
            Ok(Value::Object(map)) => match map.get("endpoint") {
                None | Some(Value::Null) => None,
                Some(Value::String(id)) => Some(id.clone()),
                Some(_) => return bad("endpoint must be a string"),
            },
            _ => return bad("expected no body or {\"endpoint\": ID}"),
        }
    };
    match app.webhooks.redeliver(seq, endpoint.as_deref()) {
        Ok(queued) => (StatusCode::ACCEPTED, Json(json!({ "queued": queued }))).into_response(),
        // An unknown event or endpoint is not found; one nobody wants, or of another
        // provider, conflicts with the endpoints as they are.
        Err(why) if why.starts_with("no event") || (why.starts_with("no endpoint ") && !why.contains(" wants ")) => {
            (StatusCode::NOT_FOUND, Json(json!({ "error": why }))).into_response()
        }
        Err(why) => (StatusCode::CONFLICT, Json(json!({ "error": why }))).into_response(),
    }
}

/// Kelviq's `GET /webhook/logs/`: one row per attempt, newest first, the trailing 30 days of
/// sandbox time, `start_date`/`end_date` against `lastAttempt`, `page`/`page_size` (10, ≤ 100).
pub(crate) async fn kelviq_logs(State(app): State<AppState>, Query(q): Query<HashMap<String, String>>) -> Response {
    let now = app.clock.now();
    let date = |key: &str| q.get(key).map(|d| NaiveDate::parse_from_str(d, "%Y-%m-%d"));
    let (start, end) = match (date("start_date").transpose(), date("end_date").transpose()) {
        (Ok(s), Ok(e)) => (s, e),
        _ => return kelviq_error("Enter a valid date."),
    };
    let floor = now - Duration::days(30);
    let mut rows: Vec<Attempt> = app
        .webhooks
        .attempts_after(0, None)
        .into_iter()
        .filter(|a| a.provider == ProviderKind::Kelviq && a.at >= floor)
        .filter(|a| start.is_none_or(|s| a.at.date_naive() >= s) && end.is_none_or(|e| a.at.date_naive() <= e))
        .collect();
    rows.reverse();
    let size = q.get("page_size").and_then(|s| s.parse::<usize>().ok()).filter(|s| *s >= 1).map_or(10, |s| s.min(100));
    let page = match q.get("page").map(|p| p.parse::<usize>()) {
        None => 1,
        Some(Ok(p)) if p >= 1 => p,
        Some(_) => return kelviq_not_found(),
    };
    let first = (page - 1).saturating_mul(size);
    if first >= rows.len() && page != 1 {
        return kelviq_not_found();
    }
    let base = crate::sandbox::lock(&app.kelviq).public_base.clone();
    let link = |p: usize| {
        let mut url = url::Url::parse(&format!("{base}/kelviq/api/v1/webhook/logs/")).ok()?;
        url.query_pairs_mut().extend_pairs(q.iter().filter(|(k, _)| *k != "page")).append_pair("page", &p.to_string());
        Some(url.to_string())
    };
    let count = rows.len();
    let results: Vec<Value> = rows.iter().skip(first).take(size).map(|a| kelviq_row(&app, a)).collect();
    Json(json!({
        "count": count,
        "next": if first + size < count { link(page + 1) } else { None },
        "previous": if page > 1 { link(page - 1) } else { None },
        "results": results,
    }))
    .into_response()
}

fn kelviq_row(app: &AppState, a: &Attempt) -> Value {
    let payload = app.webhooks.body_of(a.event_seq).and_then(|b| serde_json::from_str::<Value>(&b).ok());
    let stamp = |t: chrono::DateTime<chrono::Utc>| t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
    json!({
        "id": a.id,
        "eventId": a.event_id,
        "endpoint": a.endpoint,
        "eventType": a.kind,
        "statusCode": a.status,
        "isSuccess": a.ok,
        "retryCount": a.retry,
        "lastAttempt": stamp(a.at),
        "createdOn": stamp(a.event_at),
        "payload": payload.unwrap_or_else(|| json!({})),
    })
}

fn kelviq_error(detail: &str) -> Response {
    (StatusCode::BAD_REQUEST, Json(json!({ "detail": detail }))).into_response()
}

fn kelviq_not_found() -> Response {
    (StatusCode::NOT_FOUND, Json(json!({ "detail": "Invalid page." }))).into_response()
}
