//! What amendments billed, and what a contract bills next: the figures tests compare with
//! Zenskar's `/checkouts/preview` of the same change.

use chrono::NaiveDate;

use super::state::State;
use crate::billing::Money;

impl State {
    /// What amendments effective today billed, in order: (contract id, amount). A positive
    /// amount is the prorated charge (an approved invoice); a negative one the credit for
    /// unused time, which Zenskar issues as a credit note (the emulator keeps only this
    /// record); zero for a change during a trial. Amendments scheduled for a later date bill
    /// nothing now and are not listed.
    pub fn change_charges(&self) -> Vec<(String, Money)> {
        self.change_charges.clone()
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
