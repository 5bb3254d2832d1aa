//! What amendments billed, and what a contract bills next: the figures tests compare with
//! Zenskar's `/checkouts/preview` of the same change; and the rule that keeps two operators
//! from both amending one contract.
//!
//! Zenskar documents no concurrency rule for amendments [inferred, conservative]: an amendment
//! is priced against one revision of the contract, so it is refused with 409 when the contract
//! has changed since — at checkout creation when this amendment was previewed against an older
//! revision, and at confirmation when the checkout itself was priced against one. Each accepted
//! amendment therefore bills exactly what was shown for it, and no second proration is raised
//! from a stale estimate.

use chrono::{DateTime, Duration, NaiveDate, Utc};

use rust_decimal::Decimal;

use super::state::{AmendmentQuote, ApiError, Checkout, CreditNote, State, uuid};
use crate::billing::{Currency, Money};
use crate::providers::zenskar::wire;

/// How long a preview of an amendment binds a checkout for the same amendment.
const QUOTE_TTL_MINUTES: i64 = 15;

fn changed_since(contract_id: &str) -> ApiError {
    ApiError::Detail(
        409,
        format!("Contract {contract_id} was amended after this change was priced; preview the change again"),
    )
}

impl State {
    /// Keeps a preview of an amendment, replacing an earlier one of the same body.
    pub(super) fn remember_amendment_quote(
        &mut self,
        contract_id: &str,
        req: &wire::CheckoutCreateRequest,
        revision: u64,
        now: DateTime<Utc>,
    ) {
        let ttl = Duration::minutes(QUOTE_TTL_MINUTES);
        self.amendment_quotes.retain(|q| !(q.contract_id == contract_id && &q.request == req) && now - q.at <= ttl);
        let quote = AmendmentQuote { contract_id: contract_id.to_string(), request: req.clone(), revision, at: now };
        self.amendment_quotes.push(quote);
    }

    /// Refuses a checkout for an amendment whose recent preview priced an older revision.
    pub(super) fn check_amendment_quote(
        &self,
        contract_id: &str,
        req: &wire::CheckoutCreateRequest,
        revision: u64,
        now: DateTime<Utc>,
    ) -> Result<(), ApiError> {
        let ttl = Duration::minutes(QUOTE_TTL_MINUTES);
        let stale = self
            .amendment_quotes
            .iter()
            .any(|q| q.contract_id == contract_id && &q.request == req && now - q.at <= ttl && q.revision != revision);
        if stale { Err(changed_since(contract_id)) } else { Ok(()) }
    }

    /// Refuses to apply an amendment checkout priced against an older revision of the contract.
    pub(super) fn check_still_current(&self, contract_id: &str, c: &Checkout) -> Result<(), ApiError> {
        let current = self.contract(contract_id).map(|k| k.revision);
        if c.contract_revision.is_some() && current != c.contract_revision {
            return Err(changed_since(contract_id));
        }
        Ok(())
    }

    /// What amendments effective today billed, in order: (contract id, amount). A positive
    /// amount is the prorated charge (an approved invoice); a negative one the credit for
    /// unused time (a credit note, `GET /credit_notes`); zero for a change during a trial. Amendments scheduled for a later date bill
    /// nothing now and are not listed.
    pub fn change_charges(&self) -> Vec<(String, Money)> {
        self.change_charges.clone()
    }

    /// Issues a credit note for `total` against the contract's latest invoice.
    pub(super) fn push_credit_note(
        &mut self,
        contract_id: &str,
        customer_id: &str,
        currency: Currency,
        total: Decimal,
        description: String,
        now: DateTime<Utc>,
    ) {
        let invoice_id = self
            .invoices
            .iter()
            .filter(|i| i.contract_id == contract_id)
            .max_by_key(|i| i.created)
            .map(|i| i.id.clone());
        let note = CreditNote {
            id: uuid(&mut self.rng),
            number: format!("CN-{:06}", self.credit_notes.len() + 1001),
            invoice_id,
            customer_id: customer_id.to_string(),
            contract_id: contract_id.to_string(),
            currency,
            total,
            description,
            created: now,
        };
        self.credit_notes.push(note);
    }

    /// `GET /credit_notes`, newest first, optionally for one customer or contract.
    pub fn credit_notes(&self, customer: Option<&str>, contract: Option<&str>) -> Vec<wire::CreditNote> {
        let mut rows: Vec<&CreditNote> = self
            .credit_notes
            .iter()
            .filter(|n| customer.is_none_or(|c| n.customer_id == c) && contract.is_none_or(|c| n.contract_id == c))
            .collect();
        rows.sort_by_key(|n| std::cmp::Reverse(n.created));
        rows.into_iter()
            .map(|n| wire::CreditNote {
                id: n.id.clone(),
                credit_note_number: Some(n.number.clone()),
                invoice_id: n.invoice_id.clone(),
                customer_id: Some(n.customer_id.clone()),
                contract_id: Some(n.contract_id.clone()),
                status: "approved".into(),
                currency: Some(n.currency.code().to_string()),
                total_amount: Some(n.total),
                description: Some(n.description.clone()),
                created_at: Some(n.created.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)),
            })
            .collect()
    }

    /// The next regular invoice of a live contract: the start of its next billing period and
    /// what the phase in force then bills. None when the contract ends before then.
    pub fn upcoming_invoice(&self, contract_id: &str, today: NaiveDate) -> Option<(NaiveDate, Money)> {
        let k = self.contract(contract_id)?;
        if !k.is_live(today) {
            return None;
        }
        let (_, next) = k.period(self, today)?;
        if k.end.is_some_and(|end| end < next) {
            return None;
        }
        let phase = k.billing_phase(next)?;
        Some((next, Money::new(self.items_amount(&phase.items), k.currency)))
    }
}
