//! The console's writes: plan change, cancel, uncancel, checkout. Each runs once (never
//! retried here) and is journaled before and after through the audit recorder.

use serde_json::json;

use super::state::change_flow::ChangeMsg;
use super::state::checkout_flow::CheckoutMsg;
use super::state::messages::Msg;
use super::tasks::Tasks;
use crate::audit::Action;
use crate::billing::{Cancellation, CheckoutRequest, PlanChange, Subscription};

impl Tasks {
    pub(super) fn preview_change(&mut self, slot: u8, subscription_id: String, change: PlanChange, generation: u64) {
        let (Some(p), tx) = (self.provider(slot), self.tx.clone()) else { return };
        self.spawn(async move {
            let result = p.preview_change(&subscription_id, &change).await;
            let _ = tx.send(Msg::Change(ChangeMsg::Previewed { generation, result }));
        });
    }

    pub(super) fn apply_change(&mut self, slot: u8, customer: String, before: Subscription, change: PlanChange) {
        let (Some(p), tx, recorder) = (self.provider(slot), self.tx.clone(), self.recorder.clone()) else { return };
        self.spawn(async move {
            let act = Action {
                provider: p.kind(),
                action: "subscription.change",
                customer: Some(customer),
                target: Some(before.id.clone()),
                before: Some(json!({"subscription": before, "change": change})),
            };
            let result = recorder.record(act, p.change_plan(&before.id, &change)).await;
            let _ = tx.send(Msg::Change(ChangeMsg::Changed { result }));
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
            let act = Action {
                provider: p.kind(),
                action: "subscription.cancel",
                customer: Some(customer),
                target: Some(before.id.clone()),
                before: Some(json!({"subscription": before, "cancellation": cancellation})),
            };
            let result = recorder.record(act, p.cancel_subscription(&before.id, &cancellation)).await;
            let _ = tx.send(Msg::Change(ChangeMsg::Canceled { result }));
        });
    }

    pub(super) fn apply_uncancel(&mut self, slot: u8, customer: String, before: Subscription) {
        let (Some(p), tx, recorder) = (self.provider(slot), self.tx.clone(), self.recorder.clone()) else { return };
        self.spawn(async move {
            let act = Action {
                provider: p.kind(),
                action: "subscription.uncancel",
                customer: Some(customer),
                target: Some(before.id.clone()),
                before: Some(json!({"subscription": before})),
            };
            let result = recorder.record(act, p.uncancel_subscription(&before.id)).await;
            let _ = tx.send(Msg::Change(ChangeMsg::Canceled { result }));
        });
    }

    /// Never aborted or retried here: exactly one create per confirmed submit.
    pub(super) fn submit_checkout(&self, slot: u8, request: CheckoutRequest) {
        let (Some(p), tx, recorder) = (self.provider(slot), self.tx.clone(), self.recorder.clone()) else { return };
        self.spawn(async move {
            let act = Action {
                provider: p.kind(),
                action: "checkout.create",
                customer: request.customer_id.clone(),
                target: None,
                before: Some(json!({"request": request})),
            };
            let result = recorder.record(act, p.create_checkout(&request)).await;
            let _ = tx.send(Msg::Checkout(CheckoutMsg::Submitted { result }));
        });
    }
}
