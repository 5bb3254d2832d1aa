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

/// What an invoice still asks the customer to pay, given its provider's status, its total and
/// what the provider (or the provider's own fields) say is due. A void invoice owes nothing,
/// whatever figure came with it; a paid or refunded one owes nothing where the provider states
/// no figure. Uncollectible keeps its figure: written off, but still unpaid. `None` only where
/// nothing is known (Flowglad states no amount due for an open invoice).
pub fn amount_due(status: &str, total: Option<Money>, stated: Option<Money>) -> Option<Money> {
    let nothing = || total.or(stated).map(|m| Money::zero(m.currency()));
    match invoice_status_label(status) {
        "void" => nothing(),
        "paid" | "refunded" => stated.or_else(nothing),
        _ => stated,
    }
}

impl InvoiceRecord {
    /// "open (approved)": see [`status_text`].
    pub fn status_text(&self) -> String {
        status_text(invoice_status_label(&self.status), &self.status)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::billing::Currency;

    fn usd(s: &str) -> Money {
        Money::parse(s, Currency::USD).unwrap()
    }

    #[test]
    fn a_void_invoice_owes_nothing_whatever_figure_came_with_it() {
        for status in ["VOID", "void", "voided", "discarded", "CANCELLED"] {
            let due = amount_due(status, Some(usd("16.66")), Some(usd("16.66")));
            assert_eq!(due, Some(usd("0")), "{status}");
        }
        assert_eq!(amount_due("void", None, Some(usd("16.66"))), Some(usd("0")), "the figure's currency");
        assert_eq!(amount_due("void", None, None), None, "no currency known");
    }

    #[test]
    fn paid_owes_nothing_unless_stated_and_open_or_uncollectible_keep_their_figure() {
        assert_eq!(amount_due("PAID", Some(usd("12")), None), Some(usd("0")));
        assert_eq!(amount_due("refunded", Some(usd("12")), None), Some(usd("0")));
        assert_eq!(amount_due("paid", Some(usd("12")), Some(usd("0"))), Some(usd("0")));
        assert_eq!(amount_due("OPEN", Some(usd("12")), Some(usd("12"))), Some(usd("12")));
        assert_eq!(amount_due("UNCOLLECTIBLE", Some(usd("12")), Some(usd("12"))), Some(usd("12")));
        assert_eq!(amount_due("open", Some(usd("12")), None), None, "unknown stays unknown");
    }
}
