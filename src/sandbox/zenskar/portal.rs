//! The customer portal session (`/customer/session`): a `redirect_url` on the sandbox's own
//! portal page, which shows the customer while the session key is known. Body per the docs:
//! `customer_id` (UUID) and `return_url` required.

use axum::Json;
use axum::extract::{Path, State as Extract};
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Response};

use super::state::ApiError;
use super::{Reply, body};
use crate::providers::zenskar::wire;
use crate::sandbox::{AppState, lock};

pub async fn create_session(Extract(app): Extract<AppState>, bytes: axum::body::Bytes) -> Reply {
    let req: wire::CustomerSessionRequest = body(&bytes, false)?;
    if req.customer_id.is_empty() {
        return Err(ApiError::field("customer_id", "field required", "value_error.missing"));
    }
    if !crate::sandbox::valid_redirect_url(&req.return_url) {
        return Err(ApiError::field("return_url", "invalid or missing URL scheme", "value_error.url.scheme"));
    }
    let (public_base, known) = {
        let z = lock(&app.zenskar);
        (z.public_base.clone(), z.customer(&req.customer_id).is_some())
    };
    if !known {
        return Err(ApiError::not_found("Customer"));
    }
    let key = crate::sandbox::admin::random_token(32);
    lock(&app.portal_sessions).insert(key.clone(), req.customer_id);
    let response = wire::CustomerSessionResponse {
        redirect_url: format!("{public_base}/zenskar-portal/session/{key}"),
        session_token: Some(key),
    };
    Ok(Json(response).into_response())
}

pub async fn page(Extract(app): Extract<AppState>, Path(key): Path<String>) -> Response {
    let customer = lock(&app.portal_sessions).get(&key).cloned();
    let z = lock(&app.zenskar);
    match customer.as_deref().and_then(|id| z.customer(id)) {
        Some(c) => {
            let name = crate::sandbox::pay::escape(&c.name);
            Html(format!("<!doctype html><title>Customer portal</title><h1>Customer portal</h1><p>{name}</p>"))
                .into_response()
        }
        None => (StatusCode::FORBIDDEN, Html("<!doctype html><p>This session has expired.</p>")).into_response(),
    }
}
