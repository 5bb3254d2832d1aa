//! What moving the clock makes happen at Zenskar. Documented: a `/checkouts` session expires
//! 24 hours after creation (or at its `expires_at`); a contract becomes `expired` when its end
//! date passes (it runs to 23:59:59.999999 that day); invoices are generated per billing cycle
//! and go draft → approved → paid. Inferred (Zenskar documents no dunning, and its contract
//! statuses have no `past_due`): at each cycle boundary the sandbox issues the next period's
//! invoice `approved`; a customer with a card saved on the hosted page is charged at once
//! (`paid`); a declined charge leaves the invoice `approved` with its amount due and is retried
//! 3, 5 and 7 days later, after which it stays unpaid for the customer to settle — the
//! contract stays `active` throughout. A trial phase ends into the first paid cycle, and
//! consumed quantities reset with each cycle.
//!
//! Every one of these goes through [`State::happen`].

use chrono::{DateTime, Duration, NaiveDate, NaiveTime, Utc};
use rust_decimal::Decimal;

use super::state::{Contract, Dunning, PhaseKind, State};
use crate::billing::ProviderKind;
use crate::sandbox::clock::{Happening, Timeline, run_timeline};

/// Days after the first failed charge on which the sandbox retries (inferred).
pub const RETRY_DAYS: [i64; 3] = [3, 5, 7];

#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Due {
    Contract(usize),
    Checkout(String),
}

fn midnight(d: NaiveDate) -> DateTime<Utc> {
    d.and_time(NaiveTime::MIN).and_utc()
}

fn happening(at: DateTime<Utc>, what: &'static str, object: &str, status: &str) -> Happening {
    Happening {
        at,
        provider: ProviderKind::Zenskar,
        what,
        object: object.to_string(),
        status: status.to_string(),
        subscription: None,
        events: Vec::new(),
    }
}

impl State {
    /// Runs everything due up to `to`, in time order.
    pub fn tick(&mut self, to: DateTime<Utc>) -> Vec<Happening> {
        run_timeline(self, to)
    }

    /// The customer's newest saved card: `Some(true)` when charging it is declined.
    fn card_declines(&self, customer_id: &str) -> Option<bool> {
        let card = self.cards.iter().filter(|c| c.customer_id == customer_id).max_by_key(|c| c.created)?;
        Some(card.card.declines_later())
    }

    fn next_for(&self, k: &Contract) -> Option<DateTime<Utc>> {
        if k.status != "active" {
            return None;
        }
        let expires = k.end.and_then(|e| e.succ_opt()).map(midnight);
        let retry = k.dunning.as_ref().and_then(|d| {
            let n = (d.failed as usize).checked_sub(1)?;
            RETRY_DAYS.get(n).map(|days| d.since + Duration::days(*days))
        });
        let next_bill = match k.billed_to {
            Some(b) => Some(b),
            None => k.period(self, self.clock.now().date_naive()).map(|(_, end)| end),
        };
        let bills = next_bill.filter(|b| k.end.is_none_or(|e| *b <= e)).map(midnight);
        [expires, retry, bills].into_iter().flatten().min()
    }

    /// The next cycle's invoice, charged to the saved card if there is one.
    fn bill(&mut self, i: usize, at: DateTime<Utc>, out: &mut Vec<Happening>) {
        let today = at.date_naive();
        let k = self.contracts[i].clone();
        let Some((begin, end)) = k.period(self, today) else { return };
        self.contracts[i].billed_to = Some(end);
        let Some(phase) = k.current_phase(today) else { return };
        let ended_trial =
            k.phases.iter().any(|p| p.kind == PhaseKind::Trial && p.end.and_then(|e| e.succ_opt()) == Some(today));
        if ended_trial {
            out.push(happening(at, "trial.ended", &k.id, "active"));
        }
        if !k.usage.is_empty() {
            self.contracts[i].usage.clear();
            out.push(happening(at, "usage.reset", &k.id, "active"));
        }
        out.push(happening(at, "contract.renewed", &k.id, "active"));
        if phase.kind == PhaseKind::Trial {
            return;
        }
        let total = self.items_amount(&phase.items);
        if total <= Decimal::ZERO {
            return;
        }
        let declines = self.card_declines(&k.customer_id);
        let status = if declines == Some(false) { "paid" } else { "approved" };
        self.push_invoice(&k.id, &k.customer_id, k.currency, begin, end, total, status);
        let Some(invoice) = self.invoices.last_mut() else { return };
        invoice.created = at;
        let id = invoice.id.clone();
        match declines {
            Some(false) => out.push(happening(at, "invoice.paid", &id, "paid").of(&k.id)),
            None => out.push(happening(at, "invoice.approved", &id, "approved").of(&k.id)),
            Some(true) => {
                out.push(happening(at, "invoice.payment_failed", &id, "approved").of(&k.id));
                self.contracts[i].dunning = Some(Dunning { invoice_id: id, since: at, failed: 1 });
            }
        }
    }

    /// Charges the unpaid invoice again.
    fn retry(&mut self, i: usize, at: DateTime<Utc>, out: &mut Vec<Happening>) {
        let Some(mut d) = self.contracts[i].dunning.take() else { return };
        let contract = self.contracts[i].id.clone();
        let declines = self.card_declines(&self.contracts[i].customer_id).unwrap_or(true);
        let Some(invoice) = self.invoices.iter_mut().find(|inv| inv.id == d.invoice_id) else { return };
        if invoice.status == "paid" {
            return;
        }
        if !declines {
            (invoice.status, invoice.amount_due) = ("paid".into(), Decimal::ZERO);
            out.push(happening(at, "invoice.paid", &d.invoice_id, "paid").of(&contract));
            return;
        }
        d.failed += 1;
        out.push(happening(at, "invoice.payment_failed", &d.invoice_id, "approved").of(&contract));
        // Past the last retry the invoice stays approved and due; nothing more is scheduled.
        if (d.failed as usize) <= RETRY_DAYS.len() {
            self.contracts[i].dunning = Some(d);
        }
    }
}

impl Timeline for State {
    fn record(&self, happening: &Happening) -> Vec<crate::sandbox::events::Emitted> {
        self.happening_events(happening)
    }

    type Key = Due;

    fn due(&self) -> Vec<(DateTime<Utc>, Due)> {
        let contracts =
            self.contracts.iter().enumerate().filter_map(|(i, k)| Some((self.next_for(k)?, Due::Contract(i))));
        let checkouts = self
            .checkouts
            .values()
            .filter(|c| matches!(c.status.as_str(), "open" | "pending"))
            .map(|c| (c.expires_at, Due::Checkout(c.id.clone())));
        contracts.chain(checkouts).collect()
    }

    fn next_due(&self, key: &Due) -> Option<DateTime<Utc>> {
        match key {
            Due::Contract(i) => self.next_for(self.contracts.get(*i)?),
            Due::Checkout(_) => None,
        }
    }

    fn happen(&mut self, key: &Due, at: DateTime<Utc>) -> Vec<Happening> {
        let mut out = Vec::new();
        let i = match key {
            Due::Checkout(id) => {
                if let Some(c) = self.checkouts.get_mut(id).filter(|c| matches!(c.status.as_str(), "open" | "pending"))
                {
                    (c.status, c.updated) = ("expired".into(), at);
                    out.push(happening(at, "checkout.expired", id, "expired"));
                }
                return out;
            }
            Due::Contract(i) => *i,
        };
        let Some(k) = self.contracts.get(i) else { return out };
        let today = at.date_naive();
        if k.end.is_some_and(|e| e < today) {
            let k = &mut self.contracts[i];
            (k.status, k.updated, k.dunning) = ("expired".into(), at, None);
            out.push(happening(at, "contract.expired", &k.id, "expired"));
            return out;
        }
        let retry_due = k.dunning.as_ref().is_some_and(|d| {
            (d.failed as usize)
                .checked_sub(1)
                .and_then(|n| RETRY_DAYS.get(n))
                .is_some_and(|days| d.since + Duration::days(*days) <= at)
        });
        let bill_due = self.next_for(k).is_some_and(|n| n <= at)
            && k.billed_to.map_or_else(|| k.period(self, today).is_some(), |b| midnight(b) <= at);
        if retry_due {
            self.retry(i, at, &mut out);
        }
        if bill_due {
            self.bill(i, at, &mut out);
        }
        out
    }
}
