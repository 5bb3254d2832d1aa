//! The console's writes: plan change, cancel, uncancel, checkout. Each runs once (never
//! retried here) through the same `ops` function the CLI calls (re-check, journal).

use super::state::change_flow::ChangeMsg;
use super::state::checkout_flow::CheckoutMsg;
use super::state::messages::Msg;
use super::tasks::Tasks;
use crate::billing::{Cancellation, CheckoutRequest, PlanChange, Subscription};
use crate::ops;

impl Tasks {
    pub(super) fn preview_change(&mut self, slot: u8, subscription_id: String, change: PlanChange, generation: u64) {
        let (Some(p), tx) = (self.provider(slot), self.tx.clone()) else { return };
        self.spawn(async move {
            let result = ops::subscriptions::preview(p.as_ref(), &subscription_id, &change)
                .await
                .map_err(|e| e.into_provider_error(p.kind()));
            let _ = tx.send(Msg::Change(ChangeMsg::Previewed { generation, result }));
        });
    }

    pub(super) fn apply_change(&mut self, slot: u8, customer: String, before: Subscription, change: PlanChange) {
        let (Some(p), tx, recorder) = (self.provider(slot), self.tx.clone(), self.recorder.clone()) else { return };
        self.spawn(async move {
            // The journal files the action under the customer the console shows.
            let before = Subscription { customer_id: customer, ..before };
            let result = ops::subscriptions::apply_change(p.as_ref(), &recorder, &before, &change)
                .await
                .map_err(|e| e.into_provider_error(p.kind()));
            let _ = tx.send(Msg::Change(ChangeMsg::Changed { result }));
            tell_unrecorded(&tx);
        });
    }

    pub(super) fn apply_cancel(
        &mut self,
        slot: u8,
        customer: String,
        before: Subscription,
        cancellation: Cancellation,
    ) {
        let (Some(p), tx, recorder) = (self.provider(slot), self.tx.clone(), self.recorder.clone()) else { return };
        self.spawn(async move {
            let before = Subscription { customer_id: customer, ..before };
            let result = ops::subscriptions::cancel(p.as_ref(), &recorder, &before, &cancellation)
                .await
                .map_err(|e| e.into_provider_error(p.kind()));
            let _ = tx.send(Msg::Change(ChangeMsg::Canceled { result }));
            tell_unrecorded(&tx);
        });
    }

    pub(super) fn apply_uncancel(&mut self, slot: u8, customer: String, before: Subscription) {
        let (Some(p), tx, recorder) = (self.provider(slot), self.tx.clone(), self.recorder.clone()) else { return };
        self.spawn(async move {
            let before = Subscription { customer_id: customer, ..before };
            let result = ops::subscriptions::undo_scheduled(p.as_ref(), &recorder, &before)
                .await
                .map_err(|e| e.into_provider_error(p.kind()));
            let _ = tx.send(Msg::Change(ChangeMsg::Canceled { result }));
            tell_unrecorded(&tx);
        });
    }

    /// Never aborted or retried here: exactly one create per confirmed submit.
    pub(super) fn submit_checkout(&self, slot: u8, request: CheckoutRequest) {
        let (Some(p), tx, recorder) = (self.provider(slot), self.tx.clone(), self.recorder.clone()) else { return };
        self.spawn(async move {
            let result = ops::checkout::create(p.as_ref(), &recorder, &request)
                .await
                .map_err(|e| e.into_provider_error(p.kind()));
            let _ = tx.send(Msg::Checkout(CheckoutMsg::Submitted { result }));
            tell_unrecorded(&tx);
        });
    }
}

/// An action that went through but whose end the journal could not write reads as
/// interrupted in the journal: the status line says so, after the action's own result.
pub(super) fn tell_unrecorded(tx: &tokio::sync::mpsc::UnboundedSender<Msg>) {
    for text in crate::audit::take_unrecorded() {
        let _ = tx.send(Msg::Notice { text, error: true });
    }
}
