//! Orders, refunds, portal sessions and usage reports, from the Kelviq notes: orders come
//! from what the sandbox charged (seeded paid subscriptions, paid checkouts, plan-change
//! charges); a refund raises the order's `refundedTotalUnits` and moves it to
//! `PARTIAL_REFUND` / `REFUNDED`; a usage report moves the meter that entitlements read.

use chrono::{DateTime, Utc};
use rust_decimal::Decimal;

use super::state::{ApiError, State};
use crate::billing::{Currency, Money};
use crate::providers::kelviq::wire;

/// An order as the sandbox derives it.
#[derive(Clone, Debug)]
pub struct OrderRow {
    pub id: String,
    pub customer_id: String,
    pub status: &'static str,
    pub paid_at: DateTime<Utc>,
    pub total: Decimal,
    pub currency: Currency,
    pub invoice_id: String,
    pub billing_type: &'static str,
    pub subscription_id: Option<String>,
    pub is_trial: bool,
}

impl OrderRow {
    fn total_units(&self) -> i64 {
        Money::new(self.total, self.currency).to_minor_units().unwrap_or(0)
    }
}

/// `ORD-<paid day>000000-<5 characters>`, the documented shape, from a stable source id. The
/// time of day is left out: seeded periods start at the time the sandbox started, and the id
/// must be the same in the next process (a CLI preview, then its `--yes`).
fn order_id(paid: DateTime<Utc>, source: &str) -> String {
    let tail: String =
        source.chars().filter(char::is_ascii_alphanumeric).take(5).collect::<String>().to_ascii_uppercase();
    format!("ORD-{}000000-{tail:0<5}", paid.format("%Y%m%d"))
}

impl State {
    /// Every order with a customer, newest first. PENDING orders are never listed (notes).
    pub fn orders(&self) -> Vec<OrderRow> {
        let mut rows = Vec::new();
        for s in &self.subscriptions {
            // Only a seeded subscription's first payment, which predates the sandbox. Checkouts,
            // plan changes and renewals record the orders they charge: a subscription a plan
            // change made is not a new purchase of its plan's full price.
            let Some(paid) = s.seeded_payment else { continue };
            rows.push(OrderRow {
                id: order_id(paid, &s.uuid),
                customer_id: s.customer_id.clone(),
                status: "COMPLETE",
                paid_at: paid,
                total: s.amount,
                currency: s.currency,
                invoice_id: format!("INV-{}000000-{}", paid.format("%Y%m%d"), &s.uuid[..5].to_uppercase()),
                billing_type: "SUBSCRIPTION",
                subscription_id: Some(s.uuid.clone()),
                is_trial: false,
            });
        }
        for c in self.checkouts.values() {
            let (Some(o), Some(customer)) = (&c.order, &c.customer_id) else { continue };
            rows.push(OrderRow {
                id: o.id.clone(),
                customer_id: customer.clone(),
                status: if o.status == "PENDING" { continue } else { "COMPLETE" },
                paid_at: o.paid_at.unwrap_or(o.created),
                total: o.amount_total,
                currency: o.currency,
                invoice_id: o.invoice_id.clone(),
                billing_type: o.billing_type,
                subscription_id: c.subscription_id.clone(),
                is_trial: o.is_trial,
            });
        }
        for (sub, o) in &self.charges {
            let Some(customer) = self.subscription(sub).map(|s| s.customer_id.clone()) else { continue };
            if o.amount_total <= Decimal::ZERO {
                continue;
            }
            rows.push(OrderRow {
                id: o.id.clone(),
                customer_id: customer,
                status: "COMPLETE",
                paid_at: o.paid_at.unwrap_or(o.created),
                total: o.amount_total,
                currency: o.currency,
                invoice_id: o.invoice_id.clone(),
                billing_type: o.billing_type,
                subscription_id: Some(sub.clone()),
                is_trial: false,
            });
        }
        rows.sort_by_key(|r| std::cmp::Reverse(r.paid_at));
        rows
    }

    pub fn order_status(&self, row: &OrderRow) -> &'static str {
        let refunded = self.ledger.refunded.get(&row.id).copied().unwrap_or(0);
        match refunded {
            0 => row.status,
            r if r >= row.total_units() => "REFUNDED",
            _ => "PARTIAL_REFUND",
        }
    }

    pub fn render_order(&self, row: &OrderRow) -> wire::OrderResponse {
        let money = |d: Decimal| Money::new(d, row.currency).to_decimal_string();
        let customer = self.customer(&row.customer_id);
        wire::OrderResponse {
            id: row.id.clone(),
            customer: Some(wire::OrderCustomer {
                customer_id: row.customer_id.clone(),
                name: customer.and_then(|c| c.name.clone()),
                email: customer.and_then(|c| c.email.clone()),
            }),
            status: self.order_status(row).into(),
            paid_at: Some(row.paid_at.format("%Y-%m-%dT%H:%M:%SZ").to_string()),
            amount_subtotal: Some(money(row.total)),
            amount_discount: Some(money(Decimal::ZERO)),
            amount_tax: Some(money(Decimal::ZERO)),
            amount_total: Some(money(row.total)),
            sale_currency: Some(row.currency.code().to_string()),
            amount_subtotal_units: Some(row.total_units()),
            amount_discount_units: Some(0),
            amount_tax_units: Some(0),
            amount_total_units: Some(row.total_units()),
            refunded_total_units: Some(self.ledger.refunded.get(&row.id).copied().unwrap_or(0)),
            sale_currency_symbol: Some(row.currency.symbol().unwrap_or(row.currency.code()).to_string()),
            billing_type: Some(row.billing_type.into()),
            is_trial: Some(row.is_trial),
            subscription: Some(match row.subscription_id.as_ref().and_then(|id| self.subscription(id)) {
                Some(s) => wire::OrderSubscriptionSummary {
                    id: Some(s.uuid.clone()),
                    status: Some(s.status.clone()),
                    amount: Some(money(s.amount)),
                    currency: Some(s.currency.code().to_ascii_lowercase()),
                    interval: None,
                },
                None => wire::OrderSubscriptionSummary::default(),
            }),
            invoice_id: Some(row.invoice_id.clone()),
            payment_method: Some({
                let card = self.card_for_order(row);
                wire::OrderPaymentMethod {
                    payment_method_type: "card".into(),
                    payment_method_name: Some(card.brand.into()),
                    last4: Some(card.last4),
                }
            }),
        }
    }

    /// `POST /refunds/`: `amountUnits` wins over `amount`; neither refunds what is left.
    pub fn refund(&mut self, req: wire::RefundCreateRequest) -> Result<wire::RefundResponse, RefundError> {
        let row = self.orders().into_iter().find(|o| o.id == req.order_id).ok_or(RefundError::NotFound)?;
        if !matches!(self.order_status(&row), "COMPLETE" | "PARTIAL_REFUND") {
            return Err(RefundError::Message("Order is not refundable.".into()));
        }
        let done = self.ledger.refunded.get(&row.id).copied().unwrap_or(0);
        let left = row.total_units() - done;
        let units = match (req.amount_units, req.amount) {
            (Some(u), _) if u < 1 => {
                return Err(RefundError::field("amountUnits", "Ensure this value is greater than or equal to 1."));
            }
            (Some(u), _) => u,
            (None, Some(a)) if a <= Decimal::ZERO => {
                return Err(RefundError::field("amount", "Ensure this value is greater than 0."));
            }
            (None, Some(a)) => {
                let scaled = a * Decimal::from(10_i64.pow(row.currency.exponent()));
                if !scaled.fract().is_zero() {
                    return Err(RefundError::field("amount", "Too many decimal places for the currency."));
                }
                i64::try_from(scaled.trunc()).map_err(|_| RefundError::field("amount", "Amount is too large."))?
            }
            (None, None) => left,
        };
        if units > left {
            return Err(RefundError::Message("Amount exceeds the refundable balance of the order.".into()));
        }
        let reason = req.reason.unwrap_or_else(|| "REQUESTED_BY_CUSTOMER".into());
        if !matches!(reason.as_str(), "DUPLICATE" | "FRAUDULENT" | "REQUESTED_BY_CUSTOMER" | "OTHER") {
            return Err(RefundError::field("reason", &format!("\"{reason}\" is not a valid choice.")));
        }
        self.ledger.refunded.insert(row.id.clone(), done + units);
        let n = self.ledger.refunds.len() + 1;
        let refund = wire::RefundResponse {
            id: format!("7c2f3a91-2d4e-4a8b-9b1c-{n:012x}"),
            reason: Some(reason),
            amount_units: Some(units),
            amount: Some(Money::from_minor(units, row.currency).amount()),
            internal_note: req.internal_note,
            failure_reason: None,
            status: "SUCCEEDED".into(),
            order: serde_json::to_value(self.render_order(&row)).unwrap_or_default(),
        };
        self.ledger.refunds.push(refund.clone());
        Ok(refund)
    }

    /// `POST /report/usage/`: `DELTA` adds to, `SET` replaces, the meter of the customer's
    /// live subscription whose plan grants the feature.
    /// Moves the meter; the `feature.usage_alert` events the move causes (see `events`).
    pub fn report_usage(
        &mut self,
        req: &wire::ReportUsageRequest,
    ) -> Result<Vec<crate::sandbox::events::Emitted>, ApiError> {
        if self.customer(&req.customer_id).is_none() {
            return Err(ApiError::field("customerId", "Invalid customer id"));
        }
        if !matches!(req.behaviour.as_str(), "SET" | "DELTA") {
            return Err(ApiError::field("behaviour", &format!("\"{}\" is not a valid choice.", req.behaviour)));
        }
        let today = self.clock.now().date_naive();
        let target = self.subscriptions.iter().position(|s| {
            s.customer_id == req.customer_id
                && s.is_live(today)
                && self.plan(&s.plan_id).is_some_and(|p| {
                    self.granted(p, &s.quantities)
                        .any(|(f, _, _)| f.identifier == req.feature_id && f.type_name() == "METER")
                })
        });
        let Some(i) = target else {
            return Err(ApiError::field("featureId", "No active subscription of this customer meters this feature."));
        };
        let used = self.subscriptions[i].usage.entry(req.feature_id.clone()).or_insert(0);
        let was = *used;
        *used = if req.behaviour == "SET" { req.value } else { used.saturating_add(req.value) };
        let now = *used;
        Ok(self.usage_alerts(i, &req.feature_id, was, now))
    }
}

/// Why a refund was refused, in the shapes `RefundErrorResponse` allows.
#[derive(Debug)]
pub enum RefundError {
    NotFound,
    Message(String),
    Field(String, String),
}

impl RefundError {
    fn field(name: &str, message: &str) -> RefundError {
        RefundError::Field(name.into(), message.into())
    }
}

pub mod routes {
    //! The handlers of `GET /orders/`, `GET /orders/{id}/`, `POST /refunds/`,
    //! `POST /portal/session/`, `POST /report/usage/` and the hosted portal page.

    use std::collections::HashMap;

    use axum::Json;
    use axum::extract::{Path, Query, State as Extract};
    use axum::http::StatusCode;
    use axum::response::{Html, IntoResponse, Response};

    use super::super::{Reply, body, paginate_all};
    use super::RefundError;
    use crate::providers::kelviq::wire;
    use crate::sandbox::kelviq::state::ApiError;
    use crate::sandbox::{AppState, lock};

    pub(crate) async fn list_orders(
        Extract(app): Extract<AppState>,
        Query(q): Query<HashMap<String, String>>,
    ) -> Reply {
        let k = lock(&app.kelviq);
        let search = q.get("search").map(|s| s.to_lowercase()).filter(|s| !s.is_empty());
        let rows: Vec<wire::OrderResponse> = k
            .orders()
            .iter()
            .map(|o| k.render_order(o))
            .filter(|o| q.get("status").is_none_or(|s| *s == o.status))
            .filter(|o| q.get("billing_type").is_none_or(|b| Some(b) == o.billing_type.as_ref()))
            .filter(|o| {
                let Some(needle) = &search else { return true };
                let c = o.customer.as_ref();
                [
                    Some(&o.id),
                    c.map(|c| &c.customer_id),
                    c.and_then(|c| c.name.as_ref()),
                    c.and_then(|c| c.email.as_ref()),
                ]
                .into_iter()
                .flatten()
                .any(|t| t.to_lowercase().contains(needle.as_str()))
            })
            .collect();
        paginate_all(&k.public_base, "/kelviq/api/v1/orders/", &q, rows, 10)
    }

    pub(crate) async fn get_order(Extract(app): Extract<AppState>, Path(id): Path<String>) -> Reply {
        let k = lock(&app.kelviq);
        let row = k.orders().into_iter().find(|o| o.id == id).ok_or_else(|| ApiError::not_found("Not found."))?;
        Ok(Json(k.render_order(&row)).into_response())
    }

    pub(crate) async fn create_refund(Extract(app): Extract<AppState>, bytes: axum::body::Bytes) -> Reply {
        let req: wire::RefundCreateRequest = body(&bytes)?;
        let result = lock(&app.kelviq).refund(req);
        Ok(match result {
            Ok(refund) => Json(refund).into_response(),
            Err(RefundError::NotFound) => return Err(ApiError::not_found("Order not found.")),
            Err(RefundError::Message(error)) => {
                (StatusCode::BAD_REQUEST, Json(wire::ErrorMessage { error })).into_response()
            }
            Err(RefundError::Field(field, message)) => return Err(ApiError::field(&field, &message)),
        })
    }

    pub(crate) async fn portal_session(Extract(app): Extract<AppState>, bytes: axum::body::Bytes) -> Reply {
        let req: wire::CreatePortalSessionRequest = body(&bytes)?;
        let mut k = lock(&app.kelviq);
        let email = match k.customer(&req.customer_id) {
            None => return Err(ApiError::field("customerId", "Invalid customer id")),
            Some(c) => c.email.clone().filter(|e| !e.is_empty()),
        };
        let Some(email) = email else { return Err(ApiError::field("customerId", "Customer does not have an email")) };
        let token = format!("cpt-{}", crate::sandbox::admin::random_token(40));
        k.ledger.portal_tokens.insert(token.clone(), req.customer_id);
        let customer_portal_url = format!("{}/kelviq-portal/till-sandbox/", k.public_base);
        Ok(Json(wire::CreatePortalSessionResponse { token, email: Some(email), customer_portal_url }).into_response())
    }

    pub(crate) async fn report_usage(Extract(app): Extract<AppState>, bytes: axum::body::Bytes) -> Reply {
        let req: wire::ReportUsageRequest = body(&bytes)?;
        let alerts = lock(&app.kelviq).report_usage(&req)?;
        app.webhooks.emit(crate::billing::ProviderKind::Kelviq, alerts);
        Ok(Json(wire::ReportUsageResponse {
            value: req.value,
            customer_id: req.customer_id,
            feature_id: req.feature_id,
            behaviour: req.behaviour,
            org_id: Some("1".into()),
            event_name: Some("aggregated.usage".into()),
            idempotency_key: Some(crate::sandbox::admin::random_token(32).to_ascii_lowercase()),
            timestamp: Some(app.clock.now().format("%Y-%m-%d %H:%M:%S%.6f").to_string()),
        })
        .into_response())
    }

    /// The hosted portal: a page naming the customer for a token the API issued, 403 else.
    pub(crate) async fn portal_page(
        Extract(app): Extract<AppState>,
        Query(q): Query<HashMap<String, String>>,
    ) -> Response {
        let k = lock(&app.kelviq);
        let customer = q.get("token").and_then(|t| k.ledger.portal_tokens.get(t)).and_then(|id| k.customer(id));
        match customer {
            Some(c) => {
                let name = crate::sandbox::pay::escape(c.name.as_deref().unwrap_or(&c.customer_id));
                Html(format!(
                    "<!doctype html><title>Billing portal</title><h1>Billing portal</h1><p>Signed in as {name}.</p>"
                ))
                .into_response()
            }
            None => {
                (StatusCode::FORBIDDEN, Html("<!doctype html><p>This portal link is not valid.</p>")).into_response()
            }
        }
    }
}
