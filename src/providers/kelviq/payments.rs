//! Orders as payments, refunds (`POST /refunds/`), portal sessions and usage reports.
//! Reference: shared/providers/kelviq-zenskar.md, "Orders, refunds…", "Customer portal",
//! "Usage reporting".

use chrono::{DateTime, Utc};
use reqwest::Method;
use serde_json::Value;

use super::{KELVIQ, KelviqClient, decode, encode, wire};
use crate::billing::payments::{
    Payment, PaymentMethod, PaymentStatus, PortalLink, RefundOutcome, RefundRequest, UsageMode, UsageReceipt,
    UsageReport,
};
use crate::billing::{Currency, Money, RowIssue};
use crate::providers::{ProviderError, Result};

/// The portal session's token is a credential until it expires: never in the request log.
const PORTAL_SECRET_FIELDS: &[&str] = &["token"];

impl KelviqClient {
    /// `GET /orders/` has no customer filter: `search` matches the customer id among names,
    /// emails and order ids, so rows are kept only when their `customer.customerId` is exact.
    pub(super) async fn orders_of(&self, customer_id: &str) -> Result<Vec<Payment>> {
        let rows: Vec<Value> = self.get_all("orders/", &[("search", customer_id.to_string())]).await?;
        let mut out: Vec<Payment> = rows
            .into_iter()
            .enumerate()
            .map(|(i, row)| order_row(i, row))
            .filter(|p| p.customer_id.as_deref() == Some(customer_id))
            .collect();
        out.sort_by_key(|p| std::cmp::Reverse(p.created_at));
        Ok(out)
    }

    /// `GET /payment-methods/?customer_id=…`: the customer's saved methods (the filter is
    /// exact), default first.
    pub(super) async fn payment_methods_of(&self, customer_id: &str) -> Result<Vec<PaymentMethod>> {
        let rows: Vec<Value> = self.get_all("payment-methods/", &[("customer_id", customer_id.to_string())]).await?;
        let mut out: Vec<PaymentMethod> = rows
            .into_iter()
            .enumerate()
            .filter(|(_, r)| r.pointer("/customer/customerId").and_then(Value::as_str).is_none_or(|c| c == customer_id))
            .map(|(i, row)| {
                let id = row.get("id").map_or_else(|| format!("(row {})", i + 1), Value::to_string);
                match decode::list_row::<wire::PaymentMethodResponse>(i, row) {
                    Ok(r) => payment_method(r),
                    Err((path, message)) => PaymentMethod::unreadable(KELVIQ, id, RowIssue::new(path, message)),
                }
            })
            .collect();
        out.sort_by_key(|m| (!m.is_default, std::cmp::Reverse(m.created_at)));
        Ok(out)
    }

    pub(super) async fn order(&self, id: &str) -> Result<Payment> {
        let raw: wire::OrderResponse = self.get(&format!("orders/{}/", encode(id)?), &[]).await?;
        payment(raw)
    }

    pub(super) async fn refund(&self, request: &RefundRequest) -> Result<RefundOutcome> {
        let units = request.amount.to_minor_units().map_err(|e| ProviderError::invalid(KELVIQ, e.to_string()))?;
        let body = wire::RefundCreateRequest {
            order_id: request.payment_id.clone(),
            amount_units: Some(units),
            amount: None,
            reason: request.reason.map(|r| r.kelviq_name().to_string()),
            internal_note: request.note.clone().filter(|n| !n.trim().is_empty()),
        };
        let refund: wire::RefundResponse = self.post("refunds/", &body).await?;
        // The refund carries "the complete serialized order"; read the order again when it
        // does not decode, so the caller always sees the order as it now is.
        let order = match serde_json::from_value::<wire::OrderResponse>(refund.order.clone()) {
            Ok(o) if !o.id.is_empty() => payment(o)?,
            _ => self.order(&request.payment_id).await?,
        };
        let currency = request.amount.currency();
        let amount = refund.amount_units.map_or(request.amount, |u| Money::from_minor(u, currency));
        let refund_id = Some(refund.id).filter(|s| !s.is_empty());
        Ok(RefundOutcome { payment: order, refund_id, amount, refund_status: Some(refund.status) })
    }

    pub(super) async fn portal(&self, customer_id: &str) -> Result<PortalLink> {
        let body = wire::CreatePortalSessionRequest { customer_id: customer_id.to_string() };
        let req = self.core(Method::POST, "portal/session/").json(&body)?.secret_response_fields(PORTAL_SECRET_FIELDS);
        let session: wire::CreatePortalSessionResponse = self.http.send(req).await?.json()?;
        let url = signed_portal_url(&session.customer_portal_url, &session.token)?;
        Ok(PortalLink { provider: KELVIQ, customer_id: customer_id.to_string(), url })
    }

    pub(super) async fn usage(&self, report: &UsageReport) -> Result<UsageReceipt> {
        let value = i64::try_from(report.quantity)
            .map_err(|_| ProviderError::invalid(KELVIQ, format!("{} is too large a usage value", report.quantity)))?;
        let behaviour = match report.mode {
            UsageMode::Increment => "DELTA",
            UsageMode::Set => "SET",
        };
        let body = wire::ReportUsageRequest {
            value,
            customer_id: report.customer_id.clone(),
            feature_id: report.feature_id.clone(),
            behaviour: behaviour.into(),
        };
        let r: wire::ReportUsageResponse = self.post("report/usage/", &body).await?;
        Ok(UsageReceipt {
            provider: KELVIQ,
            customer_id: report.customer_id.clone(),
            feature_id: report.feature_id.clone(),
            quantity: report.quantity,
            mode: report.mode,
            id: r.idempotency_key.filter(|k| !k.is_empty()),
            subscription_id: None,
        })
    }
}

/// `customerPortalUrl + "?token=" + token`, as the spec says to build it (the bare URL does
/// not authenticate); `&` when the URL already has a query.
pub fn signed_portal_url(base: &str, token: &str) -> Result<String> {
    if base.trim().is_empty() || token.trim().is_empty() {
        return Err(ProviderError::new(
            KELVIQ,
            crate::providers::ErrorKind::Decode,
            "the portal session came back without customerPortalUrl or token",
        ));
    }
    let joiner = if base.contains('?') { '&' } else { '?' };
    let url = format!("{base}{joiner}token={token}");
    url::Url::parse(&url).map_err(|e| {
        ProviderError::new(KELVIQ, crate::providers::ErrorKind::Decode, format!("the portal link is not a URL: {e}"))
    })?;
    Ok(url)
}

/// A listed order, or the order marked with why its row could not be read.
fn order_row(index: usize, row: Value) -> Payment {
    let text = |key: &str| row.get(key).and_then(Value::as_str).map(str::to_string);
    let id = text("id").unwrap_or_else(|| format!("(row {})", index + 1));
    let customer = row.pointer("/customer/customerId").and_then(Value::as_str).map(str::to_string);
    let status = text("status").unwrap_or_default();
    let undecodable = |issue| Payment::undecodable(KELVIQ, id.clone(), customer.clone(), status.clone(), issue);
    match decode::list_row::<wire::OrderResponse>(index, row.clone()) {
        Err((path, message)) => undecodable(RowIssue::new(path, message)),
        Ok(o) => payment(o).unwrap_or_else(|e| undecodable(RowIssue::new("order", e.message))),
    }
}

pub fn status(raw: &str) -> PaymentStatus {
    match raw {
        "COMPLETE" => PaymentStatus::Paid,
        "PARTIAL_REFUND" => PaymentStatus::PartiallyRefunded,
        "REFUNDED" => PaymentStatus::Refunded,
        "PENDING" => PaymentStatus::Pending,
        "FAILED" | "FRAUDULENT" => PaymentStatus::Failed,
        "CANCELLED" => PaymentStatus::Canceled,
        _ => PaymentStatus::Other,
    }
}

/// An order as a payment. Amounts from the `*Units` integers (exact), else the decimal strings.
pub fn payment(o: wire::OrderResponse) -> Result<Payment> {
    let code = o.sale_currency.as_deref().unwrap_or_default().trim().to_ascii_uppercase();
    let currency = Currency::from_code(&code)
        .map_err(|e| ProviderError::new(KELVIQ, crate::providers::ErrorKind::Decode, format!("saleCurrency: {e}")))?;
    let amount = match (o.amount_total_units, o.amount_total.as_deref()) {
        (Some(units), _) => Some(Money::from_minor(units, currency)),
        (None, Some(text)) => Some(Money::parse(text, currency).map_err(|e| {
            ProviderError::new(KELVIQ, crate::providers::ErrorKind::Decode, format!("amountTotal: {e}"))
        })?),
        (None, None) => None,
    };
    let refunded = Some(Money::from_minor(o.refunded_total_units.unwrap_or(0), currency));
    let status = status(&o.status);
    let created_at =
        o.paid_at.as_deref().and_then(|t| DateTime::parse_from_rfc3339(t).ok()).map(|t| t.with_timezone(&Utc));
    Ok(Payment {
        provider: KELVIQ,
        customer_id: o.customer.as_ref().map(|c| c.customer_id.clone()).filter(|c| !c.is_empty()),
        refundable: Payment::remaining(status, amount, refunded),
        status,
        raw_status: o.status,
        amount,
        refunded,
        created_at,
        invoice_id: o.invoice_id.filter(|s| !s.is_empty()),
        subscription_id: o.subscription.and_then(|s| s.id).filter(|s| !s.is_empty()),
        description: o.billing_type.map(|b| b.to_ascii_lowercase().replace('_', "-")),
        id: o.id,
        issues: vec![],
    })
}

/// A `PaymentMethodResponse` row; a card's details are in `methodData`.
fn payment_method(r: wire::PaymentMethodResponse) -> PaymentMethod {
    let (brand, last4, expires) = decode::card_details(|k| r.method_data.get(k));
    PaymentMethod {
        provider: KELVIQ,
        id: r.id.to_string(),
        brand,
        last4,
        expires,
        is_default: r.is_default,
        status: Some(r.status).filter(|s| !s.is_empty()),
        created_at: r.created_on.as_deref().and_then(super::map::parse_datetime),
        kind: r.method_type,
        issues: Vec::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_portal_link_appends_the_token_as_the_spec_shows() {
        let url = signed_portal_url("https://www.kelviq.com/portal/aphelo/", "cpt-4f7c:23fc").unwrap();
        assert_eq!(url, "https://www.kelviq.com/portal/aphelo/?token=cpt-4f7c:23fc");
        assert!(signed_portal_url("https://x/p/?a=1", "t").unwrap().ends_with("?a=1&token=t"));
        assert!(signed_portal_url("", "t").is_err());
        assert!(signed_portal_url("https://x/p/", "").is_err());
    }

    #[test]
    fn orders_read_their_minor_units_and_refunds() {
        let o = wire::OrderResponse {
            id: "ORD-1".into(),
            status: "PARTIAL_REFUND".into(),
            sale_currency: Some("usd".into()),
            amount_total: Some("261.00".into()),
            amount_total_units: Some(26100),
            refunded_total_units: Some(6100),
            ..Default::default()
        };
        let p = payment(o).unwrap();
        assert_eq!(p.status, PaymentStatus::PartiallyRefunded);
        assert_eq!(p.refundable.unwrap().to_decimal_string(), "200.00");
        assert_eq!(p.amount.unwrap().to_decimal_string(), "261.00");
    }
}
