//! Invoices as the providers with an invoice API list them, and their statuses normalised.

use chrono::NaiveDate;
use serde::Serialize;

use super::model::{ProviderKind, RowIssue, status_text};
use super::money::Money;

/// An invoice as a provider lists it, for providers with an invoice API.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct InvoiceRecord {
    pub provider: ProviderKind,
    pub id: String,
    pub number: Option<String>,
    pub customer_id: Option<String>,
    pub subscription_id: Option<String>,
    /// The provider's own status (open, paid, approved, …).
    pub status: String,
    pub total: Option<Money>,
    pub amount_due: Option<Money>,
    pub issued_on: Option<NaiveDate>,
    pub due_on: Option<NaiveDate>,
    pub url: Option<String>,
    /// Values that could not be decoded (then `total`/`amount_due` are `None`).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub issues: Vec<RowIssue>,
}

impl InvoiceRecord {
    /// A listed invoice that could not be decoded: id, customer and status, and the reason.
    pub fn undecodable(
        provider: ProviderKind,
        id: String,
        customer_id: Option<String>,
        status: String,
        issue: RowIssue,
    ) -> InvoiceRecord {
        InvoiceRecord {
            provider,
            id,
            number: None,
            customer_id,
            subscription_id: None,
            status,
            total: None,
            amount_due: None,
            issued_on: None,
            due_on: None,
            url: None,
            issues: vec![issue],
        }
    }
}

/// Invoice statuses across the four providers, normalised: draft, open (issued, not yet fully
/// paid: Zenskar's approved, partially_paid, upcoming; KuvarPay's SENT), paid, void (Zenskar's
/// discarded too), uncollectible (KuvarPay's OVERDUE). The raw word stays beside it.
pub fn invoice_status_label(raw: &str) -> &'static str {
    match raw.trim().to_lowercase().as_str() {
        "draft" => "draft",
        "paid" | "succeeded" | "success" | "complete" | "completed" => "paid",
        "open"
        | "pending"
        | "unpaid"
        | "approved"
        | "issued"
        | "sent"
        | "partially_paid"
        | "upcoming"
        | "edited"
        | "awaiting_payment_confirmation" => "open",
        "void" | "voided" | "canceled" | "cancelled" | "discarded" => "void",
        "uncollectible" | "failed" | "past_due" | "overdue" => "uncollectible",
        "refunded" | "partially_refunded" => "refunded",
        _ => "unknown",
    }
}

impl InvoiceRecord {
    /// "open (approved)": see [`status_text`].
    pub fn status_text(&self) -> String {
        status_text(invoice_status_label(&self.status), &self.status)
    }
}
