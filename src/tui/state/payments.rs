//! A customer's payments (`P`) and the refund dialog (`f` on a payment): the amount typed
//! (empty refunds everything still refundable), a preview read from the provider, and only
//! then Ctrl-S, which is never the key that chose anything. LIVE types the customer id first.

use super::listing::{ListControl, SortKey, Tabular, money_key};
use super::{AppState, Dialog, Effect, Loadable, Mode};
use crate::billing::payments::{Payment, RefundOutcome};
use crate::ops::payments::{Guard, RefundPreview};
use crate::providers::ProviderError;
use crate::tui::action::Action;

pub struct PaymentsState {
    pub slot: u8,
    pub customer_id: String,
    pub customer_name: String,
    pub list: Loadable<Vec<Payment>>,
    pub selected: usize,
    pub control: ListControl,
}

impl PaymentsState {
    pub fn visible(&self) -> Vec<usize> {
        self.list.value.as_deref().map_or_else(Vec::new, |l| self.control.visible(l))
    }

    pub fn selected(&self) -> Option<&Payment> {
        let i = *self.visible().get(self.selected)?;
        self.list.value.as_ref()?.get(i)
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RefundStep {
    /// Typing the amount (empty: everything refundable).
    Amount,
    Previewing,
    /// The preview is shown; Ctrl-S refunds (LIVE: once the customer id is typed).
    Confirm,
    Applying,
    Done,
}

pub struct RefundFlow {
    pub slot: u8,
    pub payment: Payment,
    pub amount: String,
    pub step: RefundStep,
    pub preview: Option<Result<RefundPreview, String>>,
    pub live: bool,
    /// LIVE: the customer id as typed.
    pub typed: String,
    pub result: Option<Result<RefundOutcome, String>>,
}

/// Results of payment work.
#[derive(Debug)]
pub enum PaymentsMsg {
    Listed { slot: u8, customer_id: String, result: Result<Vec<Payment>, ProviderError> },
    Previewed { payment_id: String, result: Result<RefundPreview, String> },
    Refunded { result: Result<RefundOutcome, String> },
    Portal { result: Result<crate::billing::payments::PortalLink, String> },
    Usage { result: Result<crate::billing::payments::UsageReceipt, String> },
    Customer { result: Result<crate::billing::Customer, String> },
    Methods { slot: u8, customer_id: String, result: Result<Vec<crate::billing::payments::PaymentMethod>, String> },
}

/// The guard for Ctrl-S in a console write dialog (refund, usage, customer): LIVE needs the
/// customer id typed exactly. `ops` checks the same guard again before sending; checking here
/// keeps the dialog open with the reason instead of failing after "Applying".
pub(crate) fn confirm_guard(read_only: bool, live: bool, typed: &str, customer: &str) -> Result<Guard, String> {
    if live && typed.trim() != customer {
        return Err(format!("LIVE: type the customer id ({customer}) before Ctrl-S"));
    }
    Ok(Guard { read_only, live, typed_customer: live.then(|| typed.trim().to_string()) })
}

impl Tabular for Payment {
    fn columns() -> &'static [&'static str] {
        &["Payment", "Status", "Amount", "Refunded", "Refundable", "Created"]
    }

    fn cells(&self) -> Vec<String> {
        let money = |m: Option<crate::billing::Money>| m.map(|m| m.to_string()).unwrap_or_default();
        vec![
            self.id.clone(),
            crate::billing::status_text(self.status.label(), &self.raw_status),
            money(self.amount),
            money(self.refunded),
            money(self.refundable),
            self.created_at.map(|t| t.format("%Y-%m-%d %H:%M").to_string()).unwrap_or_default(),
        ]
    }

    fn sort_key(&self, column: usize) -> SortKey {
        match column {
            2 => money_key(self.amount),
            3 => money_key(self.refunded),
            4 => money_key(self.refundable),
            5 => self.created_at.map_or(SortKey::Missing, SortKey::Time),
            c => SortKey::Text(self.cells().get(c).cloned().unwrap_or_default().to_lowercase()),
        }
    }
}

impl AppState {
    /// `P`: the selected customer's payments, where the provider lists them.
    pub(crate) fn show_payments(&mut self) -> Vec<Effect> {
        let Some((slot, c)) = self.selected_customer() else {
            self.notify("Select a customer to see their payments");
            return Vec::new();
        };
        let (customer_id, customer_name) = (c.id.to_string(), c.display_name().to_string());
        let s = &self.slots[slot as usize];
        if !s.provider.actions().payments {
            let kind = s.kind;
            self.notify(format!("Listing payments is not offered by {kind}"));
            return Vec::new();
        }
        self.push(Dialog::Payments(Box::new(PaymentsState {
            slot,
            customer_id: customer_id.clone(),
            customer_name,
            list: Loadable::loading(),
            selected: 0,
            control: ListControl::default(),
        })));
        vec![Effect::LoadPayments { slot, customer_id }]
    }

    pub(crate) fn payments_action(&mut self, action: Action) -> Vec<Effect> {
        let Some(Dialog::Payments(p)) = self.dialogs.last_mut() else { return Vec::new() };
        if super::listing::list_key(&mut p.control, &mut p.selected, action, Payment::columns().len()) {
            return Vec::new();
        }
        match action {
            Action::Back => {
                self.pop();
                Vec::new()
            }
            Action::Refresh => {
                p.list.loading = true;
                vec![Effect::LoadPayments { slot: p.slot, customer_id: p.customer_id.clone() }]
            }
            Action::Copy => match p.selected().map(|x| x.id.clone()) {
                Some(id) => {
                    self.notify(format!("Copied {id} (OSC 52)"));
                    vec![Effect::Copy(id)]
                }
                None => Vec::new(),
            },
            Action::Refund => self.open_refund(),
            Action::Choose => {
                let Some(pay) = p.selected().cloned() else { return Vec::new() };
                let crumbs = vec![self.slots[p.slot as usize].kind.display_name().to_string(), p.customer_name.clone()];
                let detail = super::detail_build::payment_detail(&pay, crumbs)
                    .with_raw(p.slot, &pay.id)
                    .fetching(super::detail::RawRead::Payment(pay.id.clone()));
                self.push_detail(detail)
            }
            nav => {
                let len = p.visible().len();
                if let Some(delta) = super::movement::nav_delta(nav, 10) {
                    p.selected = p.selected.saturating_add_signed(delta).min(len.saturating_sub(1));
                }
                Vec::new()
            }
        }
    }

    fn open_refund(&mut self) -> Vec<Effect> {
        let Some(Dialog::Payments(p)) = self.top() else { return Vec::new() };
        let Some(payment) = p.selected().cloned() else { return Vec::new() };
        let slot = p.slot;
        if !self.slots[slot as usize].provider.actions().refunds {
            let kind = self.slots[slot as usize].kind;
            self.notify(format!("Refunds are not offered by {kind}"));
            return Vec::new();
        }
        // Checked here too so the operator learns at once, not after typing an amount.
        if let Err(e) = crate::billing::payments::refund_amount(&payment, None) {
            self.notify_error(e.to_string());
            return Vec::new();
        }
        let live = self.mode == Mode::Live;
        self.push(Dialog::Refund(Box::new(RefundFlow {
            slot,
            payment,
            amount: String::new(),
            step: RefundStep::Amount,
            preview: None,
            live,
            typed: String::new(),
            result: None,
        })));
        Vec::new()
    }

    pub(crate) fn refund_action(&mut self, action: Action) -> Vec<Effect> {
        let read_only = self.read_only;
        let Some(Dialog::Refund(f)) = self.dialogs.last_mut() else { return Vec::new() };
        match (f.step, action) {
            (RefundStep::Applying, _) => Vec::new(),
            (RefundStep::Done, Action::Choose | Action::Back) | (_, Action::Back) => {
                let refunded = f.step == RefundStep::Done && f.result.as_ref().is_some_and(Result::is_ok);
                let (slot, customer) = (f.slot, f.payment.customer_id.clone().unwrap_or_default());
                self.pop();
                // The list beneath shows what the refund changed.
                if refunded {
                    return vec![Effect::LoadPayments { slot, customer_id: customer }];
                }
                Vec::new()
            }
            (RefundStep::Amount, Action::Text(key)) => {
                crate::tui::text::edit_line(&mut f.amount, key);
                Vec::new()
            }
            (RefundStep::Amount, Action::Choose) => {
                f.step = RefundStep::Previewing;
                let amount = Some(f.amount.trim().to_string()).filter(|a| !a.is_empty());
                vec![Effect::PreviewRefund { slot: f.slot, payment_id: f.payment.id.clone(), amount }]
            }
            (RefundStep::Confirm, Action::Text(key)) if f.live => {
                crate::tui::text::edit_line(&mut f.typed, key);
                Vec::new()
            }
            (RefundStep::Confirm, Action::StepBack) => {
                f.step = RefundStep::Amount;
                f.preview = None;
                Vec::new()
            }
            (RefundStep::Confirm, Action::Choose) => {
                self.notify("Enter never refunds: Ctrl-S does, on this preview");
                Vec::new()
            }
            (RefundStep::Confirm, Action::Confirm) => {
                let Some(Ok(preview)) = f.preview.clone() else { return Vec::new() };
                let customer = preview.payment.customer_id.clone().unwrap_or_default();
                let guard = match confirm_guard(read_only, f.live, &f.typed, &customer) {
                    Ok(g) => g,
                    Err(e) => {
                        self.notify_error(e);
                        return Vec::new();
                    }
                };
                f.step = RefundStep::Applying;
                vec![Effect::ApplyRefund { slot: f.slot, preview: Box::new(preview), guard }]
            }
            _ => Vec::new(),
        }
    }

    pub(crate) fn handle_payments_msg(&mut self, msg: PaymentsMsg) -> Vec<Effect> {
        match msg {
            PaymentsMsg::Methods { slot, customer_id, result } => self.methods_arrived(slot, &customer_id, result),
            PaymentsMsg::Listed { slot, customer_id, result } => {
                if let Some(Dialog::Payments(p)) = self.dialogs.iter_mut().find(|d| matches!(d, Dialog::Payments(_)))
                    && p.slot == slot
                    && p.customer_id == customer_id
                {
                    p.list.settle(result, self.now);
                    p.selected = p.selected.min(p.visible().len().saturating_sub(1));
                }
            }
            PaymentsMsg::Previewed { payment_id, result } => {
                if let Some(Dialog::Refund(f)) = self.dialogs.last_mut()
                    && f.payment.id == payment_id
                    && f.step == RefundStep::Previewing
                {
                    f.step = if result.is_ok() { RefundStep::Confirm } else { RefundStep::Amount };
                    f.preview = Some(result);
                }
            }
            PaymentsMsg::Refunded { result } => {
                if let Some(Dialog::Refund(f)) = self.dialogs.iter_mut().find(|d| matches!(d, Dialog::Refund(_))) {
                    // The figures at the top show the payment as it now is.
                    if let Ok(outcome) = &result {
                        f.payment = outcome.payment.clone();
                    }
                    f.step = RefundStep::Done;
                    f.result = Some(result);
                }
            }
            PaymentsMsg::Usage { result } => return self.usage_reported(result),
            PaymentsMsg::Customer { result } => return self.customer_written(result),
            PaymentsMsg::Portal { result } => match result {
                Ok(link) => {
                    let detail = super::detail_build::portal_detail(&link);
                    self.push(Dialog::Detail(Box::new(detail)));
                }
                Err(e) => self.notify_error(e),
            },
        }
        Vec::new()
    }

    /// `:portal`: a customer-portal link for the selected customer, shown to copy or open.
    pub(crate) fn portal_link(&mut self, return_url: Option<String>) -> Vec<Effect> {
        let Some((slot, c)) = self.selected_customer() else {
            self.notify("Select a customer first");
            return Vec::new();
        };
        let customer_id = c.id.to_string();
        let s = &self.slots[slot as usize];
        if !s.provider.actions().portal_link {
            let kind = s.kind;
            self.notify(format!("Customer portal links are not offered by {kind}"));
            return Vec::new();
        }
        self.notify(format!("Asking {} for a portal link…", s.kind));
        vec![Effect::PortalLink { slot, customer_id, return_url }]
    }
}
