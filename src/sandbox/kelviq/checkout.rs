//! `GET /checkout/sessions/`: the organisation's checkout sessions, newest first, filtered by
//! `search` (session id, customer id, name or email, plan), `status` and the creation dates
//! `start_date` / `end_date` (inclusive), DRF page-number pagination (default 10, max 100).

use std::collections::HashMap;

use axum::extract::{Query, State as Extract};
use chrono::NaiveDate;

use super::render::iso;
use super::state::{ApiError, Checkout, State};
use super::{Reply, paginate};
use crate::providers::kelviq::wire;
use crate::sandbox::{AppState, lock};

pub(super) async fn list_checkouts(Extract(app): Extract<AppState>, Query(q): Query<HashMap<String, String>>) -> Reply {
    let k = lock(&app.kelviq);
    let date = |name: &str| -> Result<Option<NaiveDate>, ApiError> {
        q.get(name)
            .filter(|d| !d.is_empty())
            .map(|d| {
                NaiveDate::parse_from_str(d, "%Y-%m-%d").map_err(|_| {
                    ApiError::field(name, "Date has wrong format. Use one of these formats instead: YYYY-MM-DD.")
                })
            })
            .transpose()
    };
    let (from, to) = (date("start_date")?, date("end_date")?);
    let status = q.get("status").filter(|s| !s.is_empty());
    let search = q.get("search").map(|s| s.to_lowercase()).filter(|s| !s.is_empty());
    let mut rows: Vec<&Checkout> = k
        .checkouts
        .values()
        .filter(|c| status.is_none_or(|s| c.status == *s))
        .filter(|c| from.is_none_or(|d| c.created.date_naive() >= d) && to.is_none_or(|d| c.created.date_naive() <= d))
        .filter(|c| search.as_deref().is_none_or(|s| matches(&k, c, s)))
        .collect();
    rows.sort_by(|a, b| (b.created, &b.id).cmp(&(a.created, &a.id)));
    paginate(&k.public_base, "/kelviq/api/v1/checkout/sessions/", &q, rows.len(), 10, |start, end| {
        rows[start..end].iter().map(|c| list_item(&k, c)).collect()
    })
}

fn matches(k: &State, c: &Checkout, needle: &str) -> bool {
    let customer = c.customer_id.as_deref().and_then(|id| k.customer(id));
    let fields = [
        Some(c.id.as_str()),
        c.customer_id.as_deref(),
        customer.and_then(|cu| cu.name.as_deref()),
        customer.and_then(|cu| cu.email.as_deref()),
        Some(c.plan_id.as_str()),
    ];
    fields.into_iter().flatten().any(|f| f.to_lowercase().contains(needle))
}

/// A session as the list shows it: the detail's fields without its order, subscription and
/// payment method (the list schema has none of them).
fn list_item(k: &State, c: &Checkout) -> wire::CheckoutSessionDetail {
    let customer = c.customer_id.as_deref().map(|id| match k.customer(id) {
        Some(cu) => {
            wire::OrderCustomer { customer_id: cu.customer_id.clone(), name: cu.name.clone(), email: cu.email.clone() }
        }
        None => wire::OrderCustomer { customer_id: id.to_string(), name: None, email: None },
    });
    wire::CheckoutSessionDetail {
        id: c.id.clone(),
        customer,
        currency: Some(c.currency.code().to_lowercase()),
        currency_symbol: c.currency.symbol().map(str::to_string),
        status: c.status.clone(),
        created_on: Some(iso(c.created)),
        selected_data: serde_json::json!({
            "planIdentifier": c.plan_id, "chargePeriod": c.period.to_string(), "features": c.quantities,
        }),
        metadata: serde_json::to_value(&c.metadata).unwrap_or_default(),
        trial_period: k.plan(&c.plan_id).and_then(|p| p.trial_days).map(u64::from),
        order: None,
        subscription: None,
        payment_method: None,
    }
}
