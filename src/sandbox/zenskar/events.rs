//! Zenskar's webhook alerts: the catalogue was not captured (customer, invoice, contract and
//! payment events are mentioned), so every name here is inferred: `checkout.completed`,
//! `contract.created|updated|expired`, `invoice.created|paid`, `payment.failed`.

use chrono::{DateTime, Utc};

use super::render;
use super::state::State;
use crate::sandbox::clock::Happening;
use crate::sandbox::events::Emitted;

impl State {
    fn contract_event(&self, at: DateTime<Utc>, kind: &str, id: &str) -> Option<Emitted> {
        let k = self.contract(id)?;
        Some(Emitted::new(at, kind, id, render::contract(self, k, at.date_naive())))
    }

    fn invoice_event(&self, at: DateTime<Utc>, kind: &str, id: &str) -> Option<Emitted> {
        let inv = self.invoices.iter().find(|i| i.id == id)?;
        Some(Emitted::new(at, kind, id, render::invoice(inv)))
    }

    pub(crate) fn happening_events(&self, h: &Happening) -> Vec<Emitted> {
        let one = match h.what {
            "invoice.approved" => self.invoice_event(h.at, "invoice.created", &h.object),
            "invoice.paid" => self.invoice_event(h.at, "invoice.paid", &h.object),
            "invoice.payment_failed" => self.invoice_event(h.at, "payment.failed", &h.object),
            "contract.renewed" => self.contract_event(h.at, "contract.updated", &h.object),
            "contract.expired" => self.contract_event(h.at, "contract.expired", &h.object),
            _ => None,
        };
        one.into_iter().collect()
    }

    /// A checkout confirmed through the API (`POST /checkouts/{id}/confirm`): an amendment
    /// (a plan change) announces `contract.updated`; a new contract what paying on the hosted
    /// page announces (inferred, as all of Zenskar's names).
    pub(crate) fn confirmed_events(&self, session: &str, amendment: bool) -> Vec<Emitted> {
        if !amendment {
            return self.checkout_paid_events(session);
        }
        let Some(c) = self.checkouts.get(session) else { return Vec::new() };
        c.contract_id
            .as_deref()
            .and_then(|k| self.contract_event(c.updated, "contract.updated", k))
            .into_iter()
            .collect()
    }

    /// Paying on the hosted page: `checkout.completed`, then `contract.created`.
    pub(crate) fn checkout_paid_events(&self, session: &str) -> Vec<Emitted> {
        let Some(c) = self.checkouts.get(session) else { return Vec::new() };
        let at = c.updated;
        let mut out = vec![Emitted::new(at, "checkout.completed", &c.id, render::checkout(self, c, at))];
        if let Some(k) = c.contract_id.as_deref() {
            out.extend(self.contract_event(at, "contract.created", k));
        }
        out
    }
}
