//! Request validation with Zenskar's 422 shape: FastAPI/pydantic (v1 wording, as the
//! reference's example) `{"detail": [{"loc": ["body", field], "msg": ..., "type": ...}]}`.
//! Fields are checked in declaration order and every problem is reported, as pydantic does.

use chrono::{DateTime, NaiveDate, Utc};

use super::dates::{is_uuid, parse_date, parse_datetime};
use super::state::{ApiError, Issue};
use crate::providers::zenskar::wire;

/// A checkout request whose fields have the right types.
#[derive(Clone, Debug)]
pub struct ValidCheckout {
    pub plan_id: Option<String>,
    pub contract_id: Option<String>,
    pub start: NaiveDate,
    pub end: Option<NaiveDate>,
    pub customer_id: Option<String>,
    pub business_entity_id: Option<String>,
    pub expires_at: Option<DateTime<Utc>>,
    pub success_url: Option<String>,
    pub cancel_url: Option<String>,
    pub overrides: Vec<wire::ProductOverride>,
}

const URL_MAX: usize = 2083;

fn uuid_field(issues: &mut Vec<Issue>, field: &str, value: &Option<String>) -> Option<String> {
    let v = value.as_ref()?;
    if is_uuid(v) {
        Some(v.clone())
    } else {
        issues.push(Issue::body(field, "value is not a valid uuid", "type_error.uuid"));
        None
    }
}

fn date_field(issues: &mut Vec<Issue>, field: &str, value: &Option<String>) -> Option<NaiveDate> {
    let v = value.as_ref()?;
    let parsed = parse_date(v);
    if parsed.is_none() {
        issues.push(Issue::body(field, "invalid date format", "value_error.date"));
    }
    parsed
}

/// pydantic's `AnyUrl` constrained to 1..2083 characters.
pub fn url_issue(value: &str) -> Option<(String, &'static str)> {
    let len = value.chars().count();
    if len < 1 {
        return Some(("ensure this value has at least 1 characters".into(), "value_error.any_str.min_length"));
    }
    if len > URL_MAX {
        return Some((format!("ensure this value has at most {URL_MAX} characters"), "value_error.any_str.max_length"));
    }
    if value.chars().any(|c| c.is_control() || c.is_whitespace()) {
        // The URL parser would drop a CR or LF silently; the redirect header could not hold it.
        return Some(("invalid or missing URL scheme".into(), "value_error.url.scheme"));
    }
    match url::Url::parse(value) {
        Ok(u) if matches!(u.scheme(), "http" | "https") && u.host_str().is_some_and(|h| !h.is_empty()) => None,
        Ok(_) => Some(("URL scheme not permitted".into(), "value_error.url.scheme")),
        Err(_) => Some(("invalid or missing URL scheme".into(), "value_error.url.scheme")),
    }
}

fn url_field(issues: &mut Vec<Issue>, field: &str, value: &Option<String>) -> Option<String> {
    let v = value.as_ref()?;
    match url_issue(v) {
        None => Some(v.clone()),
        Some((msg, kind)) => {
            issues.push(Issue::body(field, &msg, kind));
            None
        }
    }
}

pub fn validate_checkout(req: &wire::CheckoutCreateRequest, now: DateTime<Utc>) -> Result<ValidCheckout, ApiError> {
    let today = now.date_naive();
    let mut issues = Vec::new();
    let plan_id = uuid_field(&mut issues, "plan_id", &req.plan_id);
    let contract_id = uuid_field(&mut issues, "contract_id", &req.contract_id);
    let start = date_field(&mut issues, "start_date", &req.start_date);
    let end = date_field(&mut issues, "end_date", &req.end_date);
    // Inferred (Zenskar documents only "defaults to today"): a checkout is paid now, so a
    // start before today would backdate a contract whose elapsed periods nobody bills.
    if let Some(s) = start.filter(|s| *s < today) {
        issues.push(Issue::body("start_date", &format!("start_date {s} is in the past"), "value_error"));
    }
    if let (Some(s), Some(e)) = (start.or(Some(today)), end)
        && e < s
    {
        issues.push(Issue::body("end_date", "end_date must not be before start_date", "value_error"));
    }
    let customer_id = uuid_field(&mut issues, "customer_id", &req.customer_id);
    let business_entity_id = uuid_field(&mut issues, "business_entity_id", &req.business_entity_id);
    let expires_at = req.expires_at.as_deref().and_then(|v| {
        let parsed = parse_datetime(v);
        if parsed.is_none() {
            issues.push(Issue::body("expires_at", "invalid datetime format", "value_error.datetime"));
        }
        parsed
    });
    let success_url = url_field(&mut issues, "success_url", &req.success_url);
    let cancel_url = url_field(&mut issues, "cancel_url", &req.cancel_url);
    override_issues(&mut issues, req);
    flow_issues(&mut issues, req);
    if let Some(e) = expires_at.filter(|e| *e <= now) {
        issues.push(Issue::body("expires_at", &format!("expires_at {e} is in the past"), "value_error"));
    }
    if !issues.is_empty() {
        return Err(ApiError::Validation(issues));
    }
    Ok(ValidCheckout {
        plan_id,
        contract_id,
        start: start.unwrap_or(today),
        end,
        customer_id,
        business_entity_id,
        expires_at,
        success_url,
        cancel_url,
        overrides: req.product_overrides.clone().unwrap_or_default(),
    })
}

fn override_issues(issues: &mut Vec<Issue>, req: &wire::CheckoutCreateRequest) {
    for (i, o) in req.product_overrides.iter().flatten().enumerate() {
        let loc = |f: &str| vec!["body".into(), "product_overrides".into(), i.to_string(), f.to_string()];
        if !is_uuid(&o.product_id) {
            issues.push(Issue {
                loc: loc("product_id"),
                msg: "value is not a valid uuid".into(),
                kind: "type_error.uuid".into(),
            });
        }
        if o.quantity.is_some_and(|q| q < 0) {
            let msg = "ensure this value is greater than or equal to 0".into();
            issues.push(Issue { loc: loc("quantity"), msg, kind: "value_error.number.not_ge".into() });
        }
    }
}

/// The root validators: which fields each flow (new contract, amendment, guest) needs.
fn flow_issues(issues: &mut Vec<Issue>, req: &wire::CheckoutCreateRequest) {
    if req.contract_id.is_none() && req.plan_id.is_none() {
        issues.push(Issue::body("plan_id", "plan_id is required for new contracts", "value_error"));
    }
    if req.contract_id.is_some() && req.product_overrides.is_none() {
        let msg = "product_overrides are required when contract_id is provided";
        issues.push(Issue::body("product_overrides", msg, "value_error"));
    }
    if req.contract_id.is_none() && req.customer_id.is_none() && req.business_entity_id.is_none() {
        let msg = "customer_id is required for non-guest checkouts; guest checkouts need business_entity_id";
        issues.push(Issue::body("customer_id", msg, "value_error"));
    }
}

/// `POST /customers`: the fields serde could not check.
pub fn customer(req: &wire::CustomerCreateRequest) -> Result<(), ApiError> {
    let mut issues = Vec::new();
    if req.customer_name.trim().is_empty() {
        issues.push(Issue::body(
            "customer_name",
            "ensure this value has at least 1 characters",
            "value_error.any_str.min_length",
        ));
    }
    if req.external_id.as_ref().is_some_and(|e| e.chars().count() > 255) {
        issues.push(Issue::body(
            "external_id",
            "ensure this value has at most 255 characters",
            "value_error.any_str.max_length",
        ));
    }
    if req.email.as_deref().is_some_and(|e| !valid_email(e)) {
        issues.push(Issue::body("email", "value is not a valid email address", "value_error.email"));
    }
    if issues.is_empty() { Ok(()) } else { Err(ApiError::Validation(issues)) }
}

/// `PATCH /customers/{id}`: what is given must be as valid as at creation.
pub fn customer_update(req: &wire::CustomerUpdateRequest) -> Result<(), ApiError> {
    let mut issues = Vec::new();
    if req.customer_name.as_deref().is_some_and(|n| n.trim().is_empty()) {
        issues.push(Issue::body(
            "customer_name",
            "ensure this value has at least 1 characters",
            "value_error.any_str.min_length",
        ));
    }
    if req.email.as_deref().is_some_and(|e| !valid_email(e)) {
        issues.push(Issue::body("email", "value is not a valid email address", "value_error.email"));
    }
    if issues.is_empty() { Ok(()) } else { Err(ApiError::Validation(issues)) }
}

fn valid_email(e: &str) -> bool {
    let mut parts = e.split('@');
    matches!((parts.next(), parts.next(), parts.next()),
        (Some(l), Some(d), None) if !l.is_empty() && d.contains('.') && !d.starts_with('.') && !d.ends_with('.'))
}

/// A serde complaint about a body as one 422 issue: `missing field` → `field required`.
pub fn from_serde(path: &str, inner: &str) -> Issue {
    if let Some(field) = inner.strip_prefix("missing field `").and_then(|r| r.split('`').next()) {
        let mut loc = vec!["body".to_string()];
        loc.extend(path.split('.').filter(|p| !p.is_empty() && *p != ".").map(str::to_string));
        loc.push(field.to_string());
        return Issue { loc, msg: "field required".into(), kind: "value_error.missing".into() };
    }
    let mut loc = vec!["body".to_string()];
    loc.extend(path.split('.').filter(|p| !p.is_empty() && *p != ".").map(str::to_string));
    let kind = if inner.contains("invalid type") { "type_error" } else { "value_error" };
    Issue { loc, msg: inner.split(" at line ").next().unwrap_or(inner).to_string(), kind: kind.into() }
}
