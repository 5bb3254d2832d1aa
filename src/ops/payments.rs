//! Payments and refunds: list a customer's payments, preview a refund (the amount checked
//! against what is refundable before anything is sent), and refund with the journal.
//! A refund moves money, so it follows the plan-change pattern: preview, a journal line
//! before the request, read-only refuses, LIVE needs the customer id typed.

use serde_json::json;

use super::journal::{Act, journaled};
use super::{ErrorKind, OpsError, Result, STALE_PREVIEW};
use crate::audit::Recorder;
use crate::billing::Money;
use crate::billing::payments::{Payment, PaymentMethod, RefundOutcome, RefundReason, RefundRequest, refund_amount};
use crate::providers::BillingProvider;

/// What the front end knows about the session a write runs in.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Guard {
    /// Writes are off (`--read-only`, a read-only profile, the console's READ-ONLY badge).
    pub read_only: bool,
    /// A LIVE profile: the operator must type the customer id to confirm.
    pub live: bool,
    /// What the operator typed to confirm (LIVE only).
    pub typed_customer: Option<String>,
}

impl Guard {
    /// Refuses a write under read-only, and under LIVE unless `customer` was typed exactly.
    pub fn check(&self, what: &str, customer: Option<&str>) -> Result<()> {
        if self.read_only {
            return Err(OpsError::usage(format!("read-only: {what} is a write, and writes are off")));
        }
        if self.live {
            let typed = self.typed_customer.as_deref().map(str::trim).filter(|t| !t.is_empty());
            match (customer, typed) {
                (Some(c), Some(t)) if c == t => {}
                (Some(c), _) => {
                    return Err(OpsError::usage(format!(
                        "LIVE: type the customer id ({c}) to confirm {what} (--confirm-customer {c})"
                    )));
                }
                (None, _) => return Err(OpsError::usage(format!("LIVE: {what} names no customer to confirm"))),
            }
        }
        Ok(())
    }
}

/// A refund as previewed: the payment as read, the amount that will go back, and why.
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub struct RefundPreview {
    pub payment: Payment,
    pub amount: Money,
    /// Everything still refundable goes back.
    pub full: bool,
    pub reason: Option<RefundReason>,
    pub note: Option<String>,
}

fn not_offered(p: &dyn BillingProvider, what: &str) -> OpsError {
    OpsError::new(ErrorKind::Unavailable, format!("{what} is not offered by {}", p.kind()))
}

/// The customer's payments, newest first.
pub async fn list(p: &dyn BillingProvider, customer_id: &str) -> Result<Vec<Payment>> {
    if !p.actions().payments {
        return Err(not_offered(p, "listing payments"));
    }
    Ok(p.list_payments(customer_id).await?)
}

/// A customer's saved payment methods, default first; "not offered by …" where the provider
/// has no way to read them.
pub async fn payment_methods(p: &dyn BillingProvider, customer_id: &str) -> Result<Vec<PaymentMethod>> {
    if !p.actions().payment_methods {
        return Err(not_offered(p, "reading payment methods"));
    }
    Ok(p.list_payment_methods(customer_id).await?)
}

/// Reads the payment and checks `amount` (absent: everything refundable) against it.
pub async fn preview_refund(
    p: &dyn BillingProvider,
    payment_id: &str,
    amount: Option<&str>,
    reason: Option<RefundReason>,
    note: Option<String>,
) -> Result<RefundPreview> {
    if !p.actions().refunds {
        return Err(not_offered(p, "refunding a payment"));
    }
    let payment = p.get_payment(payment_id).await?;
    let refund = refund_amount(&payment, amount).map_err(|e| OpsError::usage(e.to_string()))?;
    let full = payment.refundable == Some(refund);
    Ok(RefundPreview { payment, amount: refund, full, reason, note })
}

/// Refunds as previewed, journaled, after checking the payment did not move since.
pub async fn refund(
    p: &dyn BillingProvider,
    recorder: &Recorder,
    guard: &Guard,
    preview: &RefundPreview,
) -> Result<RefundOutcome> {
    let customer = preview.payment.customer_id.clone();
    guard.check("a refund", customer.as_deref())?;
    let now = p.get_payment(&preview.payment.id).await?;
    if now.refundable != preview.payment.refundable || now.status != preview.payment.status {
        let show = |m: Option<Money>| m.map_or_else(|| "unknown".into(), |m| m.to_string());
        return Err(OpsError::new(
            ErrorKind::Rejected,
            format!("{STALE_PREVIEW} (refundable: {} → {})", show(preview.payment.refundable), show(now.refundable)),
        ));
    }
    let request = RefundRequest {
        payment_id: preview.payment.id.clone(),
        amount: preview.amount,
        reason: preview.reason,
        note: preview.note.clone(),
    };
    let act = Act {
        provider: p.kind(),
        action: "payment.refund",
        customer,
        target: Some(preview.payment.id.clone()),
        before: json!({"payment": preview.payment, "refund": request}),
    };
    journaled(recorder, act, p.refund_payment(&request)).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn read_only_refuses_and_live_needs_the_exact_customer() {
        let ro = Guard { read_only: true, ..Guard::default() };
        assert!(ro.check("a refund", Some("c1")).unwrap_err().message.starts_with("read-only"));
        let live = Guard { live: true, typed_customer: Some("c2".into()), ..Guard::default() };
        let e = live.check("a refund", Some("c1")).unwrap_err();
        assert_eq!(e.kind, ErrorKind::Usage);
        assert!(e.message.contains("--confirm-customer c1"), "{e}");
        let typed = Guard { live: true, typed_customer: Some(" c1 ".into()), ..Guard::default() };
        assert!(typed.check("a refund", Some("c1")).is_ok());
        assert!(Guard::default().check("a refund", None).is_ok());
    }
}
