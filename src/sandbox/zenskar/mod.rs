//! Zenskar emulation under `/zenskar`: `x-api-key` + `organisation` headers, cursor paging
//! with the varying envelopes, pydantic 422s, contracts, entitlements and the `/checkouts`
//! family whose sessions are paid on the shared hosted page.

mod cards;
mod changes;
mod dates;
mod estimates;
mod events;
mod ops;
mod paging;
pub mod portal;
mod render;
mod seeding;
pub mod state;
mod tick;
mod validate;

use std::collections::HashMap;

use axum::body::Bytes;
use axum::extract::{Path, Query, Request, State as Extract};
use axum::http::StatusCode;
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, patch, post};
use axum::{Json, Router};
use serde::de::DeserializeOwned;
use serde_json::Value;

use super::{AppState, keys, lock};
use crate::providers::zenskar::wire;
use dates::{is_uuid, parse_date};
use paging::{ilike, keyed_page, offset_page, page_params, query_issue};
pub use state::State;
use state::{ApiError, Issue};

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        match self {
            ApiError::Detail(status, detail) => {
                let code = StatusCode::from_u16(status).unwrap_or(StatusCode::BAD_REQUEST);
                (code, Json(wire::DetailError { detail })).into_response()
            }
            ApiError::Validation(issues) => {
                let detail = issues
                    .into_iter()
                    .map(|i| wire::ValidationIssue {
                        loc: i.loc.into_iter().map(wire::LocPart::Name).collect(),
                        msg: i.msg,
                        kind: i.kind,
                    })
                    .collect();
                (StatusCode::UNPROCESSABLE_ENTITY, Json(wire::ValidationError { detail })).into_response()
            }
        }
    }
}

type Reply = Result<Response, ApiError>;
type Q = Query<HashMap<String, String>>;

pub fn routes(state: AppState) -> Router<AppState> {
    Router::new()
        .route("/customers", get(list_customers).post(create_customer))
        .route("/customers/{customer_id}", get(get_customer).patch(update_customer))
        .route("/customers/{customer_id}/payment_methods", get(list_payment_methods))
        .route("/plans", get(list_plans))
        .route("/plans/{plan_id}", get(get_plan))
        .route("/contract_v2", get(list_contracts))
        .route("/contract_v2/{contract_id}", get(get_contract))
        .route("/contract_v2/{contract_id}/expire", patch(expire_contract))
        .route("/entitlements/customer/unique/{customer_id}", get(entitlement_totals))
        .route("/checkouts", post(create_checkout))
        .route("/checkouts/preview", post(preview_checkout))
        .route("/checkouts/{checkout_id}", get(get_checkout))
        .route("/checkouts/{checkout_id}/confirm", post(confirm_checkout))
        .route("/invoices", get(list_invoices))
        .route("/credit_notes", get(list_credit_notes))
        .route("/business_entities", get(list_business_entities))
        // The docs conflict on the method (GET with a body now, POST before): both work.
        .route("/customer/session", post(portal::create_session).get(portal::create_session))
        .fallback(|| async { ApiError::Detail(404, "Not Found".into()).into_response() })
        .layer(middleware::from_fn_with_state(state, require_headers))
}

/// The API gateway's checks: a wrong or missing key is 401; a wrong or missing organisation is
/// the gateway's explicit-deny 403 (its own body shape, not the app's).
async fn require_headers(request: Request, next: Next) -> Response {
    if let Some(denied) = check_headers(&request) {
        return denied;
    }
    next.run(request).await
}

fn check_headers(request: &Request) -> Option<Response> {
    let header = |name: &str| request.headers().get(name).and_then(|v| v.to_str().ok());
    if header("x-api-key") != Some(keys::ZENSKAR) {
        let body = wire::UnauthorizedError { message: "Unauthorized".into() };
        return Some((StatusCode::UNAUTHORIZED, Json(body)).into_response());
    }
    if header("organisation") != Some(keys::ZENSKAR_ORGANISATION) {
        let body = wire::GatewayError {
            message: "User is not authorized to access this resource with an explicit deny".into(),
        };
        return Some((StatusCode::FORBIDDEN, Json(body)).into_response());
    }
    if header("apiversion").is_some_and(|v| v.parse::<u32>().is_err()) {
        let loc = vec!["header".into(), "apiversion".into()];
        let issue = Issue { loc, msg: "value is not a valid integer".into(), kind: "type_error.integer".into() };
        return Some(ApiError::Validation(vec![issue]).into_response());
    }
    None
}

/// Decodes a JSON body; an empty body is `T::default()` where the endpoint's body is optional.
fn body<T: DeserializeOwned + Default>(bytes: &[u8], optional: bool) -> Result<T, ApiError> {
    if bytes.iter().all(u8::is_ascii_whitespace) {
        if optional {
            return Ok(T::default());
        }
        let issue =
            Issue { loc: vec!["body".into()], msg: "field required".into(), kind: "value_error.missing".into() };
        return Err(ApiError::Validation(vec![issue]));
    }
    let value: Value = serde_json::from_slice(bytes).map_err(|e| {
        let issue = Issue {
            loc: vec!["body".into(), e.column().to_string()],
            msg: e.to_string(),
            kind: "value_error.jsondecode".into(),
        };
        ApiError::Validation(vec![issue])
    })?;
    serde_path_to_error::deserialize(value)
        .map_err(|e| ApiError::Validation(vec![validate::from_serde(&e.path().to_string(), &e.inner().to_string())]))
}

fn path_uuid(field: &str, value: &str) -> Result<(), ApiError> {
    if is_uuid(value) {
        Ok(())
    } else {
        let issue = Issue {
            loc: vec!["path".into(), field.into()],
            msg: "value is not a valid uuid".into(),
            kind: "type_error.uuid".into(),
        };
        Err(ApiError::Validation(vec![issue]))
    }
}

fn query_uuid(q: &HashMap<String, String>, field: &str) -> Result<Option<String>, ApiError> {
    match q.get(field) {
        Some(v) if !is_uuid(v) => Err(query_issue(field, "value is not a valid uuid", "type_error.uuid")),
        other => Ok(other.cloned()),
    }
}

fn results<T: serde::Serialize>(
    rows: Vec<T>,
    next: Option<String>,
    previous: Option<String>,
    total: usize,
) -> Response {
    Json(wire::ResultsPage { results: rows, next, previous, total_count: total as u64 }).into_response()
}

/// Customer filters: `id`, `external_id`, `email` (exact) and `*__ilike` variants, plus
/// `search=field=value[,field=value]` (case-insensitive substring).
fn customer_filter(q: &HashMap<String, String>) -> Result<Vec<(String, String, bool)>, ApiError> {
    let mut out = Vec::new();
    for key in ["id", "external_id", "email"] {
        if let Some(v) = q.get(key) {
            out.push((key.to_string(), v.clone(), false));
        }
    }
    for key in ["external_id", "email", "customer_name"] {
        if let Some(v) = q.get(&format!("{key}__ilike")) {
            out.push((key.to_string(), v.clone(), true));
        }
    }
    for part in q.get("search").map(|s| s.split(',').collect::<Vec<_>>()).unwrap_or_default() {
        let (field, value) =
            part.split_once('=').ok_or_else(|| query_issue("search", "expected field=value", "value_error"))?;
        out.push((field.trim().to_string(), format!("%{}%", value.trim()), true));
    }
    Ok(out)
}

fn customer_matches(c: &state::Customer, filters: &[(String, String, bool)]) -> bool {
    filters.iter().all(|(field, value, like)| {
        let text = match field.as_str() {
            "id" => Some(c.id.as_str()),
            "external_id" => c.external_id.as_deref(),
            "email" => c.email.as_deref(),
            "customer_name" => Some(c.name.as_str()),
            other => other.strip_prefix("custom_data.").and_then(|k| c.custom_data.get(k)).and_then(Value::as_str),
        };
        text.is_some_and(|t| if *like { ilike(value, t) } else { t.eq_ignore_ascii_case(value) })
    })
}

async fn list_customers(Extract(app): Extract<AppState>, Query(q): Q) -> Reply {
    let (limit, cursor) = page_params(&q)?;
    let filters = customer_filter(&q)?;
    let z = lock(&app.zenskar);
    let (rows, next, previous, total) = if filters.is_empty() {
        // Keys are insertion sequence numbers, equal to positions: no scan for 100k customers.
        let (pos, (next, prev)) = keyed_page(z.customers.len(), |i| i, limit, cursor)?;
        (pos.iter().map(|&p| render::customer(&z.customers[p])).collect::<Vec<_>>(), next, prev, z.customers.len())
    } else {
        let exact_external = filters.iter().find(|(f, _, like)| f == "external_id" && !like);
        let matches: Vec<usize> = match exact_external {
            Some((_, v, _)) => z
                .by_external
                .get(v)
                .copied()
                .into_iter()
                .filter(|&i| customer_matches(&z.customers[i], &filters))
                .collect(),
            None => z.customers.iter().filter(|c| customer_matches(c, &filters)).map(|c| c.seq).collect(),
        };
        let (pos, (next, prev)) = keyed_page(matches.len(), |i| matches[i], limit, cursor)?;
        (pos.iter().map(|&p| render::customer(&z.customers[matches[p]])).collect(), next, prev, matches.len())
    };
    Ok(Json(wire::DataPage { data: rows, next, previous, total: total as u64 }).into_response())
}

async fn create_customer(Extract(app): Extract<AppState>, bytes: Bytes) -> Reply {
    let req: wire::CustomerCreateRequest = body(&bytes, false)?;
    let mut z = lock(&app.zenskar);
    let seq = z.create_customer(req, app.clock.now())?;
    Ok(Json(render::customer(&z.customers[seq])).into_response())
}

async fn update_customer(Extract(app): Extract<AppState>, Path(id): Path<String>, bytes: Bytes) -> Reply {
    path_uuid("customer_id", &id)?;
    let req: wire::CustomerUpdateRequest = body(&bytes, false)?;
    let mut z = lock(&app.zenskar);
    let seq = z.update_customer(&id, req, app.clock.now())?;
    Ok(Json(render::customer(&z.customers[seq])).into_response())
}

async fn get_customer(Extract(app): Extract<AppState>, Path(id): Path<String>) -> Reply {
    path_uuid("customer_id", &id)?;
    let z = lock(&app.zenskar);
    let c = z.customer(&id).ok_or_else(|| ApiError::not_found("Customer"))?;
    Ok(Json(render::customer(c)).into_response())
}

async fn list_payment_methods(Extract(app): Extract<AppState>, Path(id): Path<String>, Query(q): Q) -> Reply {
    path_uuid("customer_id", &id)?;
    let (limit, cursor) = page_params(&q)?;
    let z = lock(&app.zenskar);
    z.customer(&id).ok_or_else(|| ApiError::not_found("Customer"))?;
    let rows = z.payment_methods(&id);
    let (start, end, next, prev) = offset_page(rows.len(), limit, cursor)?;
    Ok(results(rows[start..end].to_vec(), next, prev, rows.len()))
}

async fn list_plans(Extract(app): Extract<AppState>, Query(q): Q) -> Reply {
    let (limit, cursor) = page_params(&q)?;
    let z = lock(&app.zenskar);
    let mut matched: Vec<usize> = (0..z.plans.len())
        .filter(|&i| q.get("name__ilike").is_none_or(|p| ilike(p, &z.plans[i].name)))
        .filter(|&i| q.get("name").is_none_or(|n| &z.plans[i].name == n))
        .collect();
    matched.sort_by_key(|&i| std::cmp::Reverse((z.plans[i].created, i)));
    let (start, end, next, prev) = offset_page(matched.len(), limit, cursor)?;
    let rows: Vec<_> = matched[start..end].iter().map(|&i| render::plan(&z, &z.plans[i])).collect();
    Ok(results(rows, next, prev, matched.len()))
}

async fn get_plan(Extract(app): Extract<AppState>, Path(id): Path<String>) -> Reply {
    path_uuid("plan_id", &id)?;
    let z = lock(&app.zenskar);
    let p = z.plan(&id).ok_or_else(|| ApiError::not_found("Plan"))?;
    Ok(Json(render::plan(&z, p)).into_response())
}

async fn list_contracts(Extract(app): Extract<AppState>, Query(q): Q) -> Reply {
    let (limit, cursor) = page_params(&q)?;
    let customers = contract_customers(&q)?;
    let mut statuses: Vec<String> =
        q.get("status__in").map(|s| s.split(',').map(|x| x.trim().to_string()).collect()).unwrap_or_default();
    statuses.extend(q.get("status").cloned());
    let today = app.clock.now().date_naive();
    let z = lock(&app.zenskar);
    let candidates: Vec<usize> = match &customers {
        Some(cs) => {
            let mut all: Vec<usize> =
                cs.iter().flat_map(|c| z.contracts_by_customer.get(c).cloned().unwrap_or_default()).collect();
            // Creation order, as the unfiltered list: then newest first below.
            all.sort_unstable();
            all.dedup();
            all
        }
        None => (0..z.contracts.len()).collect(),
    };
    let matched: Vec<usize> = candidates
        .into_iter()
        .rev()
        .filter(|&i| statuses.is_empty() || statuses.iter().any(|s| s == z.contracts[i].effective_status(today)))
        .collect();
    let (start, end, next, prev) = offset_page(matched.len(), limit, cursor)?;
    let rows: Vec<_> = matched[start..end].iter().map(|&i| render::contract(&z, &z.contracts[i], today)).collect();
    Ok(results(rows, next, prev, matched.len()))
}

/// The customers a contract list is filtered by: `customer_id=UUID` and/or
/// `customer_id__in=UUID,UUID,…` (each a UUID, or the request is refused as Zenskar's
/// validation does); `None` when neither is given.
fn contract_customers(q: &HashMap<String, String>) -> Result<Option<Vec<String>>, ApiError> {
    let mut out: Option<Vec<String>> = query_uuid(q, "customer_id")?.map(|c| vec![c]);
    if let Some(list) = q.get("customer_id__in") {
        let ids: Vec<String> = list.split(',').map(|x| x.trim().to_string()).filter(|x| !x.is_empty()).collect();
        if ids.iter().any(|x| !is_uuid(x)) {
            return Err(query_issue("customer_id__in", "value is not a valid uuid", "type_error.uuid"));
        }
        // Both given: a contract must match both, as two filters on one field do.
        out = Some(match out {
            Some(one) => one.into_iter().filter(|c| ids.contains(c)).collect(),
            None => ids,
        });
    }
    Ok(out)
}

async fn get_contract(Extract(app): Extract<AppState>, Path(id): Path<String>) -> Reply {
    path_uuid("contract_id", &id)?;
    let z = lock(&app.zenskar);
    let k = z.contract(&id).ok_or_else(|| ApiError::not_found("Contract"))?;
    Ok(Json(render::contract(&z, k, app.clock.now().date_naive())).into_response())
}

async fn expire_contract(Extract(app): Extract<AppState>, Path(id): Path<String>, bytes: Bytes) -> Reply {
    path_uuid("contract_id", &id)?;
    let req: wire::ExpireRequest = body(&bytes, true)?;
    let date = match req.expiry_date.as_deref() {
        None => None,
        Some(d) => Some(
            parse_date(d).ok_or_else(|| ApiError::field("expiry_date", "invalid date format", "value_error.date"))?,
        ),
    };
    lock(&app.zenskar).expire(&id, date, app.clock.now())?;
    Ok(Json(render::empty()).into_response())
}

async fn entitlement_totals(Extract(app): Extract<AppState>, Path(id): Path<String>, Query(q): Q) -> Reply {
    path_uuid("customer_id", &id)?;
    let (limit, cursor) = page_params(&q)?;
    let rows = lock(&app.zenskar).entitlement_totals(&id, app.clock.now().date_naive())?;
    let (start, end, next, prev) = offset_page(rows.len(), limit, cursor)?;
    let total = rows.len();
    Ok(results(rows.into_iter().skip(start).take(end - start).collect(), next, prev, total))
}

async fn create_checkout(Extract(app): Extract<AppState>, bytes: Bytes) -> Reply {
    let req: wire::CheckoutCreateRequest = body(&bytes, false)?;
    let now = app.clock.now();
    let mut z = lock(&app.zenskar);
    let id = z.create_checkout(req, false, now)?.map_err(|_| ApiError::bad("checkout was not created"))?;
    let c = z.checkouts.get(&id).ok_or_else(|| ApiError::not_found("Checkout"))?;
    Ok(Json(render::checkout(&z, c, now)).into_response())
}

async fn preview_checkout(Extract(app): Extract<AppState>, bytes: Bytes) -> Reply {
    let req: wire::CheckoutCreateRequest = body(&bytes, false)?;
    let estimates = match lock(&app.zenskar).create_checkout(req, true, app.clock.now())? {
        Err(estimates) => estimates,
        Ok(_) => return Err(ApiError::bad("preview created a checkout")),
    };
    Ok(Json(wire::PreviewResponse { estimates }).into_response())
}

async fn get_checkout(Extract(app): Extract<AppState>, Path(id): Path<String>) -> Reply {
    path_uuid("checkout_id", &id)?;
    let z = lock(&app.zenskar);
    let c = z.checkouts.get(&id).ok_or_else(|| ApiError::not_found("Checkout"))?;
    Ok(Json(render::checkout(&z, c, app.clock.now())).into_response())
}

async fn confirm_checkout(Extract(app): Extract<AppState>, Path(id): Path<String>, bytes: Bytes) -> Reply {
    path_uuid("checkout_id", &id)?;
    let _req: wire::ConfirmRequest = body(&bytes, true)?;
    let mut z = lock(&app.zenskar);
    let amends = z.checkouts.get(&id).and_then(|c| c.contract_id.clone()).is_some();
    let confirmed = z.confirm_checkout(&id, app.clock.now())?;
    let events = z.confirmed_events(&id, amends);
    drop(z);
    app.webhooks.emit(crate::billing::ProviderKind::Zenskar, events);
    Ok(Json(confirmed).into_response())
}

async fn list_invoices(Extract(app): Extract<AppState>, Query(q): Q) -> Reply {
    let (limit, cursor) = page_params(&q)?;
    let customer = query_uuid(&q, "customer_id")?;
    let contract = query_uuid(&q, "contract_id")?;
    let z = lock(&app.zenskar);
    let mut matched: Vec<usize> = (0..z.invoices.len())
        .filter(|&i| customer.as_ref().is_none_or(|c| &z.invoices[i].customer_id == c))
        .filter(|&i| contract.as_ref().is_none_or(|c| &z.invoices[i].contract_id == c))
        .filter(|&i| q.get("status").is_none_or(|s| &z.invoices[i].status == s))
        .collect();
    matched.sort_by_key(|&i| std::cmp::Reverse((z.invoices[i].created, i)));
    let (start, end, next, prev) = offset_page(matched.len(), limit, cursor)?;
    let rows: Vec<_> = matched[start..end].iter().map(|&i| render::invoice(&z.invoices[i])).collect();
    Ok(results(rows, next, prev, matched.len()))
}

async fn list_credit_notes(Extract(app): Extract<AppState>, Query(q): Q) -> Reply {
    let (limit, cursor) = page_params(&q)?;
    let customer = query_uuid(&q, "customer_id")?;
    let contract = query_uuid(&q, "contract_id")?;
    let rows = lock(&app.zenskar).credit_notes(customer.as_deref(), contract.as_deref());
    let (start, end, next, prev) = offset_page(rows.len(), limit, cursor)?;
    Ok(results(rows[start..end].to_vec(), next, prev, rows.len()))
}

async fn list_business_entities(Extract(app): Extract<AppState>, Query(q): Q) -> Reply {
    let (limit, cursor) = page_params(&q)?;
    let z = lock(&app.zenskar);
    let (start, end, next, prev) = offset_page(z.business_entities.len(), limit, cursor)?;
    Ok(results(z.business_entities[start..end].to_vec(), next, prev, z.business_entities.len()))
}
