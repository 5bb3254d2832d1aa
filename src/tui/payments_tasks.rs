//! The console's payment work: list, refund preview, refund (journaled, once, never retried
//! here) and portal links, each through the `ops` function the CLI calls.

use super::state::customer_edit::CustomerWrite;
use super::state::messages::Msg;
use super::state::payments::PaymentsMsg;
use super::tasks::Tasks;
use crate::ops;
use crate::ops::payments::{Guard, RefundPreview};

impl Tasks {
    pub(super) fn load_payments(&mut self, slot: u8, customer_id: String) {
        let (Some(p), tx) = (self.provider(slot), self.tx.clone()) else { return };
        self.spawn(async move {
            let result =
                ops::payments::list(p.as_ref(), &customer_id).await.map_err(|e| e.into_provider_error(p.kind()));
            let _ = tx.send(Msg::Payments(PaymentsMsg::Listed { slot, customer_id, result }));
        });
    }

    pub(super) fn load_payment_methods(&mut self, slot: u8, customer_id: String) {
        let (Some(p), tx) = (self.provider(slot), self.tx.clone()) else { return };
        self.spawn(async move {
            let result = ops::payments::payment_methods(p.as_ref(), &customer_id).await.map_err(|e| e.to_string());
            let _ = tx.send(Msg::Payments(PaymentsMsg::Methods { slot, customer_id, result }));
        });
    }

    pub(super) fn preview_refund(&mut self, slot: u8, payment_id: String, amount: Option<String>) {
        let (Some(p), tx) = (self.provider(slot), self.tx.clone()) else { return };
        self.spawn(async move {
            let result = ops::payments::preview_refund(p.as_ref(), &payment_id, amount.as_deref(), None, None)
                .await
                .map_err(|e| e.to_string());
            let _ = tx.send(Msg::Payments(PaymentsMsg::Previewed { payment_id, result }));
        });
    }

    pub(super) fn apply_refund(&mut self, slot: u8, preview: RefundPreview, guard: Guard) {
        let (Some(p), tx, recorder) = (self.provider(slot), self.tx.clone(), self.recorder.clone()) else { return };
        self.spawn(async move {
            let result =
                ops::payments::refund(p.as_ref(), &recorder, &guard, &preview).await.map_err(|e| e.to_string());
            let _ = tx.send(Msg::Payments(PaymentsMsg::Refunded { result }));
            super::writes::tell_unrecorded(&tx);
        });
    }

    pub(super) fn portal_link(&mut self, slot: u8, customer_id: String, return_url: Option<String>) {
        let (Some(p), tx, recorder) = (self.provider(slot), self.tx.clone(), self.recorder.clone()) else { return };
        self.spawn(async move {
            let result = ops::portal::link(p.as_ref(), &recorder, &customer_id, return_url.as_deref())
                .await
                .map_err(|e| e.to_string());
            let _ = tx.send(Msg::Payments(PaymentsMsg::Portal { result }));
            super::writes::tell_unrecorded(&tx);
        });
    }

    pub(super) fn report_usage(&mut self, slot: u8, report: crate::billing::payments::UsageReport, guard: Guard) {
        let (Some(p), tx, recorder) = (self.provider(slot), self.tx.clone(), self.recorder.clone()) else { return };
        self.spawn(async move {
            let result = ops::usage::report(p.as_ref(), &recorder, &guard, &report).await.map_err(|e| e.to_string());
            let _ = tx.send(Msg::Payments(PaymentsMsg::Usage { result }));
            super::writes::tell_unrecorded(&tx);
        });
    }

    pub(super) fn write_customer(&mut self, slot: u8, write: CustomerWrite, guard: Guard) {
        let (Some(p), tx, recorder) = (self.provider(slot), self.tx.clone(), self.recorder.clone()) else { return };
        self.spawn(async move {
            let result = match &write {
                CustomerWrite::Create(new) => ops::customer_writes::create(p.as_ref(), &recorder, &guard, new).await,
                CustomerWrite::Update { before, update } => {
                    ops::customer_writes::update(p.as_ref(), &recorder, &guard, before, update).await
                }
            };
            let _ = tx.send(Msg::Payments(PaymentsMsg::Customer { result: result.map_err(|e| e.to_string()) }));
            super::writes::tell_unrecorded(&tx);
        });
    }
}
