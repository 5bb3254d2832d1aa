//! `:usage FEATURE QUANTITY`: report usage for the selected customer's meter. It changes what
//! the customer is billed, so it is a write: checked first, shown with the meter as it is now,
//! applied only by Ctrl-S (LIVE: once the customer id is typed), journaled; the entitlements
//! reload afterwards so the gauge moves.

use super::{AppState, DetailParts, Dialog, Effect, Mode};
use crate::billing::payments::{UsageMode, UsageReceipt, UsageReport};
use crate::billing::{EntitlementKind, money::group_int};
use crate::tui::action::Action;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum UsageStep {
    Confirm,
    Applying,
    Done,
}

pub struct UsageFlow {
    pub slot: u8,
    pub report: UsageReport,
    /// The meter as loaded now ("512,000 used of 550,000"), where the entitlements name it.
    pub current: Option<String>,
    pub step: UsageStep,
    pub live: bool,
    pub typed: String,
    pub result: Option<Result<UsageReceipt, String>>,
}

impl AppState {
    /// Checks the report and opens its confirmation; nothing is sent yet.
    pub(crate) fn open_usage(&mut self, feature: &str, quantity: &str) -> Vec<Effect> {
        if self.read_only {
            self.notify_error("Read-only: usage reports are disabled");
            return Vec::new();
        }
        let Some((slot, c)) = self.selected_customer() else {
            self.notify("Select a customer first");
            return Vec::new();
        };
        let Ok(quantity) = quantity.trim().replace(['_', ','], "").parse::<u64>() else {
            self.notify_error(format!("usage: {quantity:?} is not a whole number ≥ 1"));
            return Vec::new();
        };
        let report = UsageReport {
            customer_id: c.id.to_string(),
            feature_id: feature.trim().to_string(),
            quantity,
            mode: UsageMode::Increment,
        };
        let provider = self.slots[slot as usize].provider.clone();
        if let Err(e) = crate::ops::usage::validate(provider.as_ref(), &report) {
            self.notify_error(e.message);
            return Vec::new();
        }
        let current = self.meter_text(slot, &report.customer_id, &report.feature_id);
        let live = self.mode == Mode::Live;
        let flow =
            UsageFlow { slot, report, current, step: UsageStep::Confirm, live, typed: String::new(), result: None };
        self.push(Dialog::Usage(Box::new(flow)));
        Vec::new()
    }

    fn meter_text(&self, slot: u8, customer: &str, feature: &str) -> Option<String> {
        let ents = self.details.get(&(slot, customer.to_string()))?.entitlements.value.as_ref()?;
        let e = ents.iter().find(|e| e.feature_id == feature)?;
        match e.kind {
            EntitlementKind::Meter { limit: Some(l), used, .. } => {
                Some(format!("{} used of {}", group_int(used), group_int(l)))
            }
            EntitlementKind::Meter { limit: None, used, .. } => Some(format!("{} used (unlimited)", group_int(used))),
            _ => None,
        }
    }

    /// The meter moved at the provider: its entitlements are read again, nothing else. What
    /// the pane shows stays, marked `refreshing…`, until the new reading arrives.
    fn reread_entitlements(&mut self, slot: u8, customer_id: String) -> Vec<Effect> {
        let mut effects = Vec::new();
        if let Some(d) = self.details.get_mut(&(slot, customer_id.clone())) {
            if d.entitlements.value.is_some() {
                d.entitlements.loading = true;
                d.entitlements.error = None;
                let parts = DetailParts { subscriptions: false, entitlements: true };
                effects.push(Effect::LoadDetails { slot, customer_id, parts, prefetch: false });
            } else {
                d.entitlements = Default::default();
            }
        }
        effects.extend(self.ensure_loaded());
        effects
    }

    pub(crate) fn usage_action(&mut self, action: Action) -> Vec<Effect> {
        let read_only = self.read_only;
        let Some(Dialog::Usage(f)) = self.dialogs.last_mut() else { return Vec::new() };
        match (f.step, action) {
            (UsageStep::Applying, _) => Vec::new(),
            (UsageStep::Done, Action::Choose | Action::Back) | (_, Action::Back) => {
                let done = f.step == UsageStep::Done && f.result.as_ref().is_some_and(Result::is_ok);
                let (slot, customer) = (f.slot, f.report.customer_id.clone());
                self.pop();
                if done {
                    return self.reread_entitlements(slot, customer);
                }
                Vec::new()
            }
            (UsageStep::Confirm, Action::Text(key)) if f.live => {
                crate::tui::text::edit_line(&mut f.typed, key);
                Vec::new()
            }
            (UsageStep::Confirm, Action::Choose) => {
                self.notify("Enter never reports usage: Ctrl-S does");
                Vec::new()
            }
            (UsageStep::Confirm, Action::Confirm) => {
                let guard = match super::payments::confirm_guard(read_only, f.live, &f.typed, &f.report.customer_id) {
                    Ok(g) => g,
                    Err(e) => {
                        self.notify_error(e);
                        return Vec::new();
                    }
                };
                f.step = UsageStep::Applying;
                vec![Effect::ReportUsage { slot: f.slot, report: Box::new(f.report.clone()), guard }]
            }
            _ => Vec::new(),
        }
    }

    pub(crate) fn usage_reported(&mut self, result: Result<UsageReceipt, String>) -> Vec<Effect> {
        if let Some(Dialog::Usage(f)) = self.dialogs.iter_mut().find(|d| matches!(d, Dialog::Usage(_))) {
            f.step = UsageStep::Done;
            f.result = Some(result);
        }
        Vec::new()
    }
}
