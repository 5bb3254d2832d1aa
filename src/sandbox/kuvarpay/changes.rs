//! What plan changes billed, and what a subscription bills next: the figures tests compare
//! with till's local preview of a change.

use chrono::NaiveDate;

use super::state::State;
use crate::billing::Money;

impl State {
    /// What applied plan changes billed now, in order: (subscription uid, amount). Every
    /// price change is listed: the prorated charge of an upgrade (invoiced OPEN, pulled from
    /// the wallet authorization), zero for a downgrade (KuvarPay keeps no credit) and zero for
    /// a change during a trial.
    pub fn change_charges(&self) -> Vec<(String, Money)> {
        self.change_charges.clone()
    }

    /// The next regular charge of a live subscription: the end of its current period (or
    /// trial) and its price. None once it is cancelled or set to cancel at the period end.
    pub fn upcoming_invoice(&self, uid: &str) -> Option<(NaiveDate, Money)> {
        let sub = self.subscription(uid)?;
        if !sub.is_live() || sub.cancel_at_period_end {
            return None;
        }
        let (amount, currency, _) = self.terms(sub)?;
        Some((sub.period_end.date_naive(), Money::new(amount, currency)))
    }
}
