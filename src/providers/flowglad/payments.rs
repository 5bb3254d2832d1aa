//! Payments (`GET /payments`, filtered here: Flowglad ignores list filters), refunds
//! (`POST /payments/{id}/refund`), the billing portal URL from `/customers/{id}/billing`, and
//! usage events (`POST /usage-events`). Reference: shared/providers/flowglad-kuvarpay.md.

use chrono::{DateTime, Utc};
use serde_json::Value;

use super::{FlowgladClient, MAX_PAGE, encode, map::FLOWGLAD, wire};
use crate::billing::payments::{
    Payment, PaymentMethod, PaymentStatus, PortalLink, RefundOutcome, RefundRequest, UsageMode, UsageReceipt,
    UsageReport,
};
use crate::billing::{Currency, Money, RowIssue};
use crate::providers::paging::PageGuard;
use crate::providers::{ErrorKind, ProviderError, Result, decode};

impl FlowgladClient {
    /// Every payment of the account, read page by page, kept when it is the customer's.
    pub(super) async fn payments_of(&self, external_id: &str) -> Result<Vec<Payment>> {
        let billing = self.billing(external_id).await?;
        let flowglad_id = billing.customer.id.clone();
        let mut out = Vec::new();
        let mut cursor: Option<String> = None;
        let mut guard = PageGuard::new(FLOWGLAD, "payments");
        loop {
            let mut q = vec![("limit", MAX_PAGE.to_string())];
            if let Some(c) = &cursor {
                q.push(("cursor", c.clone()));
            }
            let page: wire::Page<Value> = self.get("payments", &q).await?;
            let rows = page.data.len();
            for (i, row) in page.data.into_iter().enumerate() {
                if row.get("customerId").and_then(Value::as_str) == Some(flowglad_id.as_str()) {
                    out.push(payment_row(i, row, external_id));
                }
            }
            let next = page.next_cursor.filter(|c| page.has_more && !c.is_empty());
            match guard.advance(rows, next)? {
                Some(c) => cursor = Some(c),
                None => break,
            }
        }
        out.sort_by_key(|p| std::cmp::Reverse(p.created_at));
        Ok(out)
    }

    pub(super) async fn payment(&self, id: &str) -> Result<Payment> {
        let r: wire::PaymentResponse = self.get(&format!("payments/{}", encode(id)?), &[]).await?;
        let customer = self.external_id(&r.payment.customer_id);
        payment(r.payment, &customer)
    }

    pub(super) async fn refund(&self, request: &RefundRequest) -> Result<RefundOutcome> {
        let units = request.amount.to_minor_units().map_err(|e| ProviderError::invalid(FLOWGLAD, e.to_string()))?;
        // Always explicit: without `partialAmount` Flowglad refunds the payment's whole
        // amount, which is more than is left after an earlier partial refund.
        let body = wire::RefundRequest { partial_amount: Some(units) };
        let path = format!("payments/{}/refund", encode(&request.payment_id)?);
        let r: wire::PaymentResponse = self.post(&path, &body).await?;
        let customer = self.external_id(&r.payment.customer_id);
        Ok(RefundOutcome {
            payment: payment(r.payment, &customer)?,
            refund_id: None,
            amount: request.amount,
            refund_status: None,
        })
    }

    pub(super) async fn portal(&self, external_id: &str) -> Result<PortalLink> {
        let billing = self.billing(external_id).await?;
        let url = billing.billing_portal_url;
        if url::Url::parse(&url).is_err() {
            return Err(ProviderError::new(FLOWGLAD, ErrorKind::Decode, "the billing view has no billingPortalUrl"));
        }
        Ok(PortalLink { provider: FLOWGLAD, customer_id: external_id.to_string(), url })
    }

    /// A usage event for the customer's current subscription, on the meter whose slug is
    /// `report.feature_id`. Flowglad counts events: it has no "set to" form.
    pub(super) async fn usage(&self, report: &UsageReport) -> Result<UsageReceipt> {
        if report.mode == UsageMode::Set {
            return Err(ProviderError::unsupported(FLOWGLAD, "setting usage to a value (usage events only add)"));
        }
        let amount = i64::try_from(report.quantity)
            .ok()
            .filter(|a| *a > 0)
            .ok_or_else(|| ProviderError::invalid(FLOWGLAD, "usage must be a whole number above zero"))?;
        let billing = self.billing(&report.customer_id).await?;
        let current = billing
            .current_subscriptions
            .iter()
            .flatten()
            .chain(billing.current_subscription.iter())
            .chain(billing.subscriptions.iter())
            .map(|d| &d.subscription)
            .find(|s| matches!(s.status.as_str(), "active" | "trialing" | "past_due" | "cancellation_scheduled"))
            .ok_or_else(|| {
                ProviderError::invalid(
                    FLOWGLAD,
                    format!("customer {} has no current subscription to report usage on", report.customer_id),
                )
            })?;
        let body = wire::UsageEventRequest {
            usage_event: wire::UsageEventInput {
                subscription_id: current.id.clone(),
                amount,
                // Flowglad de-duplicates on it; one per report, so a resend is not counted twice.
                transaction_id: format!("till_{}", uuid::Uuid::new_v4().simple()),
                usage_meter_slug: Some(report.feature_id.clone()),
                ..Default::default()
            },
        };
        let r: wire::UsageEventResponse = self.post("usage-events", &body).await?;
        Ok(UsageReceipt {
            provider: FLOWGLAD,
            customer_id: report.customer_id.clone(),
            feature_id: report.feature_id.clone(),
            quantity: report.quantity,
            mode: UsageMode::Increment,
            id: Some(r.usage_event.id).filter(|s| !s.is_empty()),
            subscription_id: Some(r.usage_event.subscription_id).filter(|s| !s.is_empty()),
        })
    }
}

fn payment_row(index: usize, row: Value, customer: &str) -> Payment {
    let text = |key: &str| row.get(key).and_then(Value::as_str).map(str::to_string);
    let id = text("id").unwrap_or_else(|| format!("(row {})", index + 1));
    let status = text("status").unwrap_or_default();
    let undecodable =
        |issue| Payment::undecodable(FLOWGLAD, id.clone(), Some(customer.to_string()), status.clone(), issue);
    match decode::list_row::<wire::Payment>(index, row.clone()) {
        Err((path, message)) => undecodable(RowIssue::new(path, message)),
        Ok(p) => payment(p, customer).unwrap_or_else(|e| undecodable(RowIssue::new("payment", e.message))),
    }
}

/// Partial refunds keep `succeeded` with a `refundedAmount` (inferred: the status enum has
/// no partial value); a whole refund reads `refunded`.
pub fn status(p: &wire::Payment) -> PaymentStatus {
    match p.status.as_str() {
        "succeeded" if p.refunded_amount.unwrap_or(0) > 0 => PaymentStatus::PartiallyRefunded,
        "succeeded" => PaymentStatus::Paid,
        "refunded" => PaymentStatus::Refunded,
        "processing" | "requires_confirmation" | "requires_action" => PaymentStatus::Pending,
        "failed" => PaymentStatus::Failed,
        "canceled" => PaymentStatus::Canceled,
        _ => PaymentStatus::Other,
    }
}

impl FlowgladClient {
    /// The customer's saved methods, from the billing answer: `GET /payment-methods` takes
    /// no customer filter (Flowglad drops list filters), the billing read is per customer.
    pub(super) async fn payment_methods_of(&self, external_id: &str) -> Result<Vec<PaymentMethod>> {
        let billing = self.billing(external_id).await?;
        let mut out: Vec<PaymentMethod> = billing.payment_methods.into_iter().map(payment_method).collect();
        out.sort_by_key(|m| (!m.is_default, std::cmp::Reverse(m.created_at)));
        Ok(out)
    }
}

/// `paymentMethodData` is the processor's own object: a card's `brand`, `last4` and expiry
/// (`exp_month`/`exp_year` as Stripe names them, or camelCase).
pub fn payment_method(m: wire::PaymentMethod) -> PaymentMethod {
    let (brand, last4, expires) = decode::card_details(|k| m.payment_method_data.get(k));
    PaymentMethod {
        provider: FLOWGLAD,
        brand,
        last4,
        expires,
        is_default: m.default,
        status: None,
        created_at: DateTime::<Utc>::from_timestamp_millis(m.created_at).filter(|_| m.created_at > 0),
        kind: m.kind,
        id: m.id,
        issues: Vec::new(),
    }
}

pub fn payment(p: wire::Payment, customer: &str) -> Result<Payment> {
    let currency = Currency::from_code(&p.currency.to_ascii_uppercase())
        .map_err(|e| ProviderError::new(FLOWGLAD, ErrorKind::Decode, format!("currency: {e}")))?;
    let amount = Some(Money::from_minor(p.amount, currency));
    let refunded = Some(Money::from_minor(p.refunded_amount.unwrap_or(0), currency));
    let status = status(&p);
    Ok(Payment {
        provider: FLOWGLAD,
        customer_id: Some(customer.to_string()),
        refundable: Payment::remaining(status, amount, refunded),
        status,
        raw_status: p.status,
        amount,
        refunded,
        created_at: DateTime::<Utc>::from_timestamp_millis(p.charge_date).filter(|_| p.charge_date > 0),
        invoice_id: Some(p.invoice_id).filter(|s| !s.is_empty()),
        subscription_id: p.subscription_id.filter(|s| !s.is_empty()),
        description: p.description,
        id: p.id,
        issues: vec![],
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_partly_refunded_payment_keeps_succeeded_and_shows_what_is_left() {
        let p = wire::Payment {
            id: "pay_1".into(),
            amount: 4900,
            currency: "USD".into(),
            status: "succeeded".into(),
            refunded_amount: Some(900),
            charge_date: 1_700_000_000_000,
            ..Default::default()
        };
        let mapped = payment(p, "ext").unwrap();
        assert_eq!(mapped.status, PaymentStatus::PartiallyRefunded);
        assert_eq!(mapped.refundable.unwrap().to_decimal_string(), "40.00");
        assert_eq!(mapped.customer_id.as_deref(), Some("ext"));
    }
}
