//! Payments (Kelviq orders, Flowglad payments), refunds, customer portal links and usage
//! reports: the provider-neutral shapes of issue 16's everyday actions, and the refund
//! amount rule every front end applies before anything is sent.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::model::{ProviderKind, RowIssue};
use super::money::{Money, MoneyError};

/// Where a payment stands, normalised; `Payment::raw_status` keeps the provider's word.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PaymentStatus {
    Paid,
    PartiallyRefunded,
    Refunded,
    Pending,
    Failed,
    Canceled,
    Other,
}

impl PaymentStatus {
    pub fn label(self) -> &'static str {
        match self {
            PaymentStatus::Paid => "paid",
            PaymentStatus::PartiallyRefunded => "partially refunded",
            PaymentStatus::Refunded => "refunded",
            PaymentStatus::Pending => "pending",
            PaymentStatus::Failed => "failed",
            PaymentStatus::Canceled => "canceled",
            PaymentStatus::Other => "other",
        }
    }

    /// Money can only go back on a payment that was collected and not wholly returned.
    pub fn can_refund(self) -> bool {
        matches!(self, PaymentStatus::Paid | PaymentStatus::PartiallyRefunded)
    }
}

/// One collected (or attempted) payment: a Kelviq order or a Flowglad payment.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Payment {
    pub provider: ProviderKind,
    pub id: String,
    pub customer_id: Option<String>,
    pub status: PaymentStatus,
    /// The provider's own status (`COMPLETE`, `PARTIAL_REFUND`, `succeeded`, …).
    pub raw_status: String,
    pub amount: Option<Money>,
    /// What has gone back to the customer so far.
    pub refunded: Option<Money>,
    /// What may still be refunded: the amount less refunds, zero when the status allows none.
    pub refundable: Option<Money>,
    pub created_at: Option<DateTime<Utc>>,
    pub invoice_id: Option<String>,
    pub subscription_id: Option<String>,
    pub description: Option<String>,
    /// Values that could not be decoded (then the amounts may be `None`).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub issues: Vec<RowIssue>,
}

impl Payment {
    /// A payment with only an id and status, and why the rest could not be read.
    pub fn undecodable(
        provider: ProviderKind,
        id: String,
        customer_id: Option<String>,
        raw_status: String,
        issue: RowIssue,
    ) -> Payment {
        Payment {
            provider,
            id,
            customer_id,
            status: PaymentStatus::Other,
            raw_status,
            amount: None,
            refunded: None,
            refundable: None,
            created_at: None,
            invoice_id: None,
            subscription_id: None,
            description: None,
            issues: vec![issue],
        }
    }

    /// `amount - refunded` when the status allows a refund, else zero in the same currency.
    pub fn remaining(status: PaymentStatus, amount: Option<Money>, refunded: Option<Money>) -> Option<Money> {
        let amount = amount?;
        if !status.can_refund() {
            return Some(Money::zero(amount.currency()));
        }
        let refunded = refunded.unwrap_or_else(|| Money::zero(amount.currency()));
        let left = amount.checked_sub(&refunded).ok()?;
        Some(if left.is_negative() { Money::zero(amount.currency()) } else { left })
    }
}

/// Kelviq's refund reasons (Flowglad takes none; it is then only journaled).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RefundReason {
    Duplicate,
    Fraudulent,
    RequestedByCustomer,
    Other,
}

impl RefundReason {
    pub fn parse(text: &str) -> Result<RefundReason, String> {
        match text.trim().to_ascii_lowercase().replace(['-', ' '], "_").as_str() {
            "duplicate" => Ok(RefundReason::Duplicate),
            "fraudulent" | "fraud" => Ok(RefundReason::Fraudulent),
            "requested_by_customer" | "requested" | "customer" => Ok(RefundReason::RequestedByCustomer),
            "other" => Ok(RefundReason::Other),
            _ => Err(format!("{text:?} is not a refund reason (duplicate, fraudulent, requested-by-customer, other)")),
        }
    }

    /// Kelviq's enum value.
    pub fn kelviq_name(self) -> &'static str {
        match self {
            RefundReason::Duplicate => "DUPLICATE",
            RefundReason::Fraudulent => "FRAUDULENT",
            RefundReason::RequestedByCustomer => "REQUESTED_BY_CUSTOMER",
            RefundReason::Other => "OTHER",
        }
    }
}

/// A refund as sent: always an explicit amount, already checked against what is refundable.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct RefundRequest {
    pub payment_id: String,
    pub amount: Money,
    pub reason: Option<RefundReason>,
    /// Kelviq's `internalNote`.
    pub note: Option<String>,
}

/// What a refund did: the payment as it now is, and the provider's refund record where it
/// returns one (Kelviq); Flowglad answers with the payment only.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct RefundOutcome {
    pub payment: Payment,
    pub refund_id: Option<String>,
    pub amount: Money,
    /// The refund's own status where the provider reports one (`SUCCEEDED`, `PENDING`, …).
    pub refund_status: Option<String>,
}

/// Why a refund amount is refused before anything is sent.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum RefundAmountError {
    #[error("payment {id} cannot be refunded: it is {status}")]
    NotRefundable { id: String, status: &'static str },
    #[error("payment {id} has no amount till could read, so no refund can be checked against it")]
    UnknownAmount { id: String },
    #[error("payment {id} has nothing left to refund (refunded {refunded} already)")]
    NothingLeft { id: String, refunded: String },
    #[error("refund amount {0}")]
    Money(String),
    #[error("refund amount {amount} must be more than zero")]
    NotPositive { amount: String },
    #[error("refund amount {amount} is more than the {refundable} still refundable on payment {id}")]
    TooMuch { id: String, amount: String, refundable: String },
}

/// The amount to refund: `typed` (in the payment's currency, at most its exponent's
/// decimals) or, when absent, everything still refundable. Never more than refundable,
/// never zero or less.
pub fn refund_amount(payment: &Payment, typed: Option<&str>) -> Result<Money, RefundAmountError> {
    let id = payment.id.clone();
    if !payment.status.can_refund() {
        return Err(RefundAmountError::NotRefundable { id, status: payment.status.label() });
    }
    let Some(refundable) = payment.refundable else { return Err(RefundAmountError::UnknownAmount { id }) };
    if !refundable.amount().is_sign_positive() || refundable.is_zero() {
        let refunded = payment.refunded.map_or_else(|| "everything".into(), |m| m.to_string());
        return Err(RefundAmountError::NothingLeft { id, refunded });
    }
    let Some(text) = typed.map(str::trim).filter(|t| !t.is_empty()) else { return Ok(refundable) };
    let amount = Money::parse_exact(text, refundable.currency()).map_err(|e| match e {
        MoneyError::TooPrecise { .. } | MoneyError::NotADecimal { .. } => RefundAmountError::Money(e.to_string()),
        other => RefundAmountError::Money(other.to_string()),
    })?;
    if amount.is_zero() || amount.is_negative() {
        return Err(RefundAmountError::NotPositive { amount: text.to_string() });
    }
    if amount.amount() > refundable.amount() {
        return Err(RefundAmountError::TooMuch { id, amount: amount.to_string(), refundable: refundable.to_string() });
    }
    Ok(amount)
}

/// A signed link to the customer's self-service portal. The URL may carry a token that
/// grants access: hand it to the customer, never to logs.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct PortalLink {
    pub provider: ProviderKind,
    pub customer_id: String,
    pub url: String,
}

/// How a usage value counts: added to the meter, or replacing it (Kelviq's `SET`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum UsageMode {
    Increment,
    Set,
}

/// Usage to report for one customer's metered feature (Kelviq feature id, Flowglad usage
/// meter slug).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct UsageReport {
    pub customer_id: String,
    pub feature_id: String,
    pub quantity: u64,
    pub mode: UsageMode,
}

/// What the provider recorded for a usage report.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct UsageReceipt {
    pub provider: ProviderKind,
    pub customer_id: String,
    pub feature_id: String,
    pub quantity: u64,
    pub mode: UsageMode,
    /// The provider's id for the event (Flowglad) or its idempotency key (Kelviq).
    pub id: Option<String>,
    /// Flowglad: the subscription the usage was booked against.
    pub subscription_id: Option<String>,
}

/// A customer's saved way to pay: a card, a bank debit, a wallet. Only what the provider
/// shows of it (brand, last four digits, expiry), never a full number.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct PaymentMethod {
    pub provider: ProviderKind,
    pub id: String,
    /// The provider's word for it: `card`, `sepa_debit`, `us_bank_account`, `link`, …
    pub kind: String,
    pub brand: Option<String>,
    pub last4: Option<String>,
    /// (month 1–12, year), when the provider says.
    pub expires: Option<(u32, i32)>,
    pub is_default: bool,
    /// The provider's status word, when it sends one (`succeeded`, `active`, …).
    pub status: Option<String>,
    pub created_at: Option<DateTime<Utc>>,
    /// Values that could not be read; the row is kept and says so.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub issues: Vec<RowIssue>,
}

impl PaymentMethod {
    /// A row whose shape breaks the provider's schema, kept with what was wrong.
    pub fn unreadable(provider: ProviderKind, id: String, issue: RowIssue) -> PaymentMethod {
        PaymentMethod {
            provider,
            id,
            kind: "unreadable".into(),
            brand: None,
            last4: None,
            expires: None,
            is_default: false,
            status: None,
            created_at: None,
            issues: vec![issue],
        }
    }

    /// `visa •••• 4242 · expires 12/2029 · default`.
    pub fn describe(&self) -> String {
        let mut parts = vec![match (&self.brand, &self.last4) {
            (Some(b), Some(l)) => format!("{b} •••• {l}"),
            (None, Some(l)) => format!("{} •••• {l}", self.kind),
            (Some(b), None) => b.clone(),
            (None, None) => self.kind.clone(),
        }];
        if let Some((m, y)) = self.expires {
            parts.push(format!("expires {m:02}/{y}"));
        }
        if self.is_default {
            parts.push("default".into());
        }
        if let Some(s) = self.status.as_deref().filter(|s| !matches!(*s, "succeeded" | "active")) {
            parts.push(s.to_string());
        }
        parts.extend(self.issues.iter().map(|i| format!("⚠ {}: {}", i.path, i.message)));
        parts.join(" · ")
    }

    /// An expiry from a provider's month and year fields, when both are plausible.
    pub fn expiry(month: Option<i64>, year: Option<i64>) -> Option<(u32, i32)> {
        let month = u32::try_from(month?).ok().filter(|m| (1..=12).contains(m))?;
        let year = i32::try_from(year?).ok().filter(|y| (2000..=2200).contains(y))?;
        Some((month, year))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::billing::Currency;

    fn cur(code: &str) -> Currency {
        Currency::from_code(code).unwrap()
    }

    fn paid(amount: &str, refunded: &str, code: &str) -> Payment {
        let c = cur(code);
        let amount = Money::parse(amount, c).unwrap();
        let refunded = Money::parse(refunded, c).unwrap();
        let status = if refunded.is_zero() { PaymentStatus::Paid } else { PaymentStatus::PartiallyRefunded };
        Payment {
            provider: ProviderKind::Kelviq,
            id: "ORD-1".into(),
            customer_id: Some("c".into()),
            status,
            raw_status: "COMPLETE".into(),
            amount: Some(amount),
            refunded: Some(refunded),
            refundable: Payment::remaining(status, Some(amount), Some(refunded)),
            created_at: None,
            invoice_id: None,
            subscription_id: None,
            description: None,
            issues: vec![],
        }
    }

    #[test]
    fn no_amount_refunds_everything_still_refundable() {
        let p = paid("49.00", "10.00", "USD");
        assert_eq!(refund_amount(&p, None).unwrap(), Money::parse("39.00", cur("USD")).unwrap());
        assert_eq!(refund_amount(&p, Some("  ")).unwrap(), Money::parse("39.00", cur("USD")).unwrap());
    }

    #[test]
    fn a_partial_amount_within_the_refundable_passes() {
        let p = paid("49.00", "10.00", "USD");
        assert_eq!(refund_amount(&p, Some("39")).unwrap(), Money::parse("39", cur("USD")).unwrap());
        assert_eq!(refund_amount(&p, Some("0.01")).unwrap(), Money::parse("0.01", cur("USD")).unwrap());
    }

    #[test]
    fn over_refund_is_refused_with_what_is_left() {
        let p = paid("49.00", "10.00", "USD");
        let e = refund_amount(&p, Some("39.01")).unwrap_err();
        assert!(matches!(e, RefundAmountError::TooMuch { .. }), "{e:?}");
        assert!(e.to_string().contains("$39.00") || e.to_string().contains("39.00"), "{e}");
    }

    #[test]
    fn zero_and_negative_amounts_are_refused() {
        let p = paid("49.00", "0", "USD");
        for typed in ["0", "0.00", "-5", "-0.01"] {
            let e = refund_amount(&p, Some(typed)).unwrap_err();
            assert!(matches!(e, RefundAmountError::NotPositive { .. }), "{typed}: {e:?}");
        }
    }

    #[test]
    fn more_decimals_than_the_currency_has_are_refused() {
        let usd = paid("49.00", "0", "USD");
        let e = refund_amount(&usd, Some("1.005")).unwrap_err();
        assert!(e.to_string().contains("more decimals than USD allows"), "{e}");
        let jpy = paid("4900", "0", "JPY");
        assert!(refund_amount(&jpy, Some("100.5")).unwrap_err().to_string().contains("JPY"));
        assert_eq!(refund_amount(&jpy, Some("100")).unwrap(), Money::parse("100", cur("JPY")).unwrap());
        assert!(matches!(refund_amount(&usd, Some("ten")).unwrap_err(), RefundAmountError::Money(_)));
    }

    #[test]
    fn refunded_failed_and_unknown_payments_are_refused() {
        let mut p = paid("49.00", "49.00", "USD");
        assert!(matches!(refund_amount(&p, None).unwrap_err(), RefundAmountError::NothingLeft { .. }));
        p.status = PaymentStatus::Refunded;
        assert!(matches!(refund_amount(&p, None).unwrap_err(), RefundAmountError::NotRefundable { .. }));
        let mut q = paid("49.00", "0", "USD");
        q.status = PaymentStatus::Failed;
        assert!(matches!(refund_amount(&q, Some("1")).unwrap_err(), RefundAmountError::NotRefundable { .. }));
        let mut r = paid("49.00", "0", "USD");
        r.refundable = None;
        assert!(matches!(refund_amount(&r, Some("1")).unwrap_err(), RefundAmountError::UnknownAmount { .. }));
    }

    #[test]
    fn remaining_is_zero_when_the_status_allows_no_refund() {
        let usd = cur("USD");
        let m = |s: &str| Some(Money::parse(s, usd).unwrap());
        assert_eq!(Payment::remaining(PaymentStatus::Failed, m("5"), None), m("0"));
        assert_eq!(Payment::remaining(PaymentStatus::Paid, m("5"), m("7")), m("0"));
        assert_eq!(Payment::remaining(PaymentStatus::PartiallyRefunded, m("5"), m("2")), m("3"));
    }

    #[test]
    fn reasons_parse_from_people_and_name_kelviq_values() {
        assert_eq!(RefundReason::parse("requested-by-customer").unwrap().kelviq_name(), "REQUESTED_BY_CUSTOMER");
        assert_eq!(RefundReason::parse("Duplicate").unwrap(), RefundReason::Duplicate);
        assert!(RefundReason::parse("because").is_err());
    }
}
