//! Payments, refunds, usage events and the billing portal page, from the Flowglad notes and
//! spec. Every paid invoice was charged, so each is a payment (`pay_` + the invoice's id
//! suffix); a refund raises the payment's `refundedAmount`, and the invoice it paid reads
//! `partially_refunded` or `refunded`. A usage event adds to the subscription's meter, which
//! `usageMeterBalances` in `/customers/{id}/billing` reads.

use axum::extract::{Path, Query, State as Extract};
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Response};

use super::paging::{page_query, paginate};
use super::state::{ApiError, LIVEMODE, Ms, ORGANIZATION_ID, State};
use super::{Reply, decode, json_body, ok};
use crate::providers::flowglad::wire;
use crate::sandbox::{AppState, lock};

fn payment_id(invoice_id: &str) -> String {
    format!("pay_{}", invoice_id.strip_prefix("inv_").unwrap_or(invoice_id))
}

impl State {
    /// Invoice indexes that were charged, in list order (created, id).
    fn paid_invoices(&self) -> Vec<usize> {
        let mut rows: Vec<usize> = (0..self.invoices.len())
            .filter(|&i| matches!(self.invoices[i].status, "paid" | "partially_refunded" | "refunded"))
            .filter(|&i| self.invoice_total(i) > 0)
            .collect();
        rows.sort_by_key(|&i| (self.invoices[i].date, payment_id(&self.invoices[i].id)));
        rows
    }

    fn invoice_total(&self, i: usize) -> i64 {
        self.invoices[i].lines.iter().map(|l| l.price.saturating_mul(l.quantity)).sum()
    }

    fn find_payment(&self, id: &str) -> Result<usize, ApiError> {
        self.paid_invoices()
            .into_iter()
            .find(|&i| payment_id(&self.invoices[i].id) == id)
            .ok_or_else(|| ApiError::not_found(format!("Payment {id} not found")))
    }

    pub fn render_payment(&self, i: usize) -> wire::Payment {
        let inv = &self.invoices[i];
        let id = payment_id(&inv.id);
        let total = self.invoice_total(i);
        let (refunded, refunded_at) =
            self.ledger.refunded.get(&id).copied().map_or((None, None), |(r, at)| (Some(r), Some(at)));
        let whole = refunded.is_some_and(|r| r >= total);
        wire::Payment {
            id,
            created_at: inv.date,
            updated_at: refunded_at.unwrap_or(inv.date),
            livemode: LIVEMODE,
            invoice_id: inv.id.clone(),
            amount: total,
            payment_method: "card".into(),
            currency: inv.currency.code().to_string(),
            status: if whole { "refunded" } else { "succeeded" }.into(),
            charge_date: inv.date,
            settlement_date: Some(inv.date),
            description: inv.lines.first().map(|l| l.description.clone()),
            receipt_number: Some(inv.number.clone()),
            receipt_url: None,
            organization_id: ORGANIZATION_ID.into(),
            customer_id: self.customers[inv.customer].id.clone(),
            purchase_id: None,
            subscription_id: Some(inv.subscription_id.clone()),
            payment_method_id: None,
            billing_period_id: Some(inv.billing_period_id.clone()),
            tax_amount: Some(0),
            subtotal: Some(total),
            tax_type: None,
            tax_country: None,
            tax_state: None,
            tax_rate_percentage: None,
            application_fee: None,
            refunded: whole,
            refunded_amount: Some(refunded.unwrap_or(0)),
            refunded_at,
            failure_message: None,
            failure_code: None,
            pricing_model_id: self.pricing_model_id.clone(),
        }
    }

    /// `partialAmount` (minor units) or, without it, the whole amount; never more than is left.
    pub fn refund_payment(&mut self, id: &str, partial: Option<i64>, now: Ms) -> Result<wire::Payment, ApiError> {
        let i = self.find_payment(id)?;
        let total = self.invoice_total(i);
        let done = self.ledger.refunded.get(id).map_or(0, |r| r.0);
        let amount = partial.unwrap_or(total);
        if amount <= 0 {
            return Err(ApiError::bad_request("Refund amount must be greater than 0"));
        }
        if done + amount > total {
            return Err(ApiError::bad_request(format!(
                "Refund amount {amount} exceeds the refundable amount {} of payment {id}",
                total - done
            )));
        }
        self.ledger.refunded.insert(id.to_string(), (done + amount, now));
        self.invoices[i].status = if done + amount >= total { "refunded" } else { "partially_refunded" };
        Ok(self.render_payment(i))
    }

    pub fn usage_event(&mut self, input: wire::UsageEventInput, now: Ms) -> Result<wire::UsageEvent, ApiError> {
        if let Some(seen) = self.ledger.usage_events.get(&input.transaction_id) {
            return Ok(seen.clone());
        }
        if input.amount <= 0 {
            return Err(ApiError::bad_request("amount must be greater than 0"));
        }
        let s = self.find_subscription(&input.subscription_id)?;
        let meter = self.meter_for(&input)?;
        let sub = &mut self.subscriptions[s];
        *sub.usage.entry(meter).or_insert(0) += input.amount;
        let (customer, sub_id) = (sub.customer, sub.id.clone());
        let price_id = self.meters[meter].price.map(|p| self.prices[p].id.clone()).unwrap_or_default();
        let event = wire::UsageEvent {
            id: self.id("usage_event"),
            created_at: now,
            updated_at: now,
            livemode: LIVEMODE,
            customer_id: self.customers[customer].id.clone(),
            subscription_id: sub_id,
            usage_meter_id: self.meters[meter].id.clone(),
            billing_period_id: None,
            amount: input.amount,
            usage_date: input.usage_date.unwrap_or(now),
            transaction_id: input.transaction_id.clone(),
            price_id,
            properties: None,
            pricing_model_id: self.pricing_model_id.clone(),
        };
        self.ledger.usage_events.insert(input.transaction_id, event.clone());
        Ok(event)
    }

    /// Exactly one of priceId, priceSlug, usageMeterId, usageMeterSlug names the meter.
    fn meter_for(&self, input: &wire::UsageEventInput) -> Result<usize, ApiError> {
        let named = [&input.price_id, &input.price_slug, &input.usage_meter_id, &input.usage_meter_slug];
        if named.iter().filter(|n| n.is_some()).count() != 1 {
            return Err(ApiError::bad_request(
                "Exactly one of priceId, priceSlug, usageMeterId, or usageMeterSlug must be provided",
            ));
        }
        let by_price = |f: &dyn Fn(&super::state::Price) -> bool| {
            self.meters.iter().position(|m| m.price.is_some_and(|p| f(&self.prices[p])))
        };
        let found = if let Some(slug) = &input.usage_meter_slug {
            self.meters.iter().position(|m| &m.slug == slug)
        } else if let Some(id) = &input.usage_meter_id {
            self.meters.iter().position(|m| &m.id == id)
        } else if let Some(id) = &input.price_id {
            by_price(&|p| &p.id == id)
        } else {
            input.price_slug.as_ref().and_then(|slug| by_price(&|p| &p.slug == slug))
        };
        found.ok_or_else(|| ApiError::not_found("Usage meter not found"))
    }
}

pub async fn list_payments(Extract(app): Extract<AppState>, Query(raw): Query<Vec<(String, String)>>) -> Reply {
    let q = page_query(&raw)?;
    let f = lock(&app.flowglad);
    let rows = f.paid_invoices();
    let key = |k: usize| (f.invoices[rows[k]].date, payment_id(&f.invoices[rows[k]].id));
    ok(paginate(&q, rows.len(), key, |a, b| rows[a..b].iter().map(|&i| f.render_payment(i)).collect()))
}

pub async fn get_payment(Extract(app): Extract<AppState>, Path(id): Path<String>) -> Reply {
    let f = lock(&app.flowglad);
    let i = f.find_payment(&id)?;
    ok(wire::PaymentResponse { payment: f.render_payment(i) })
}

pub async fn refund(Extract(app): Extract<AppState>, Path(id): Path<String>, bytes: axum::body::Bytes) -> Reply {
    let req: wire::RefundRequest = decode(json_body(&bytes, true)?)?;
    let payment = lock(&app.flowglad).refund_payment(&id, req.partial_amount, super::now_ms_of(&app.clock))?;
    ok(wire::PaymentResponse { payment })
}

pub async fn create_usage_event(Extract(app): Extract<AppState>, bytes: axum::body::Bytes) -> Reply {
    let req: wire::UsageEventRequest = decode(json_body(&bytes, false)?)?;
    let event = lock(&app.flowglad).usage_event(req.usage_event, super::now_ms_of(&app.clock))?;
    ok(wire::UsageEventResponse { usage_event: event })
}

/// The page `billingPortalUrl` points at: the customer's name, or 404 for an unknown one.
pub async fn portal_page(Extract(app): Extract<AppState>, Path((_org, customer)): Path<(String, String)>) -> Response {
    let f = lock(&app.flowglad);
    match f.customers.iter().find(|c| c.id == customer) {
        Some(c) => {
            let name = crate::sandbox::pay::escape(&c.name);
            Html(format!("<!doctype html><title>Billing portal</title><h1>Billing portal</h1><p>{name}</p>"))
                .into_response()
        }
        None => (StatusCode::NOT_FOUND, Html("<!doctype html><p>No such customer.</p>")).into_response(),
    }
}
