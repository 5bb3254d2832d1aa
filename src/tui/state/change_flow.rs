//! Plan change, cancel and undo inside the console: opening the dialogs on the selected
//! subscription, read-only and LIVE rules, and what happens when a write comes back.

use super::change::{CancelChoice, CancelFlow, ChangeFlow, ChangeRules, DialogKey, Step};
use super::{AppState, Dialog, Effect, Mode};
use crate::audit::Entry;
use crate::billing::money::{group_if_whole, group_int};
use crate::billing::{Cancellation, EntitlementKind, Estimate, ProviderKind, Subscription};
use crate::providers::Capabilities;
use crate::providers::ProviderError;
use crate::tui::action::Action;

#[derive(Debug)]
pub enum ChangeMsg {
    Previewed {
        generation: u64,
        result: Result<Estimate, ProviderError>,
    },
    Changed {
        result: Result<Subscription, ProviderError>,
    },
    Canceled {
        result: Result<Subscription, ProviderError>,
    },
    /// The journal's entries for a customer, and a note on damaged lines it skipped.
    Audit {
        customer: String,
        result: Result<(Vec<Entry>, Option<String>), String>,
    },
}

impl AppState {
    /// Why there is nothing to act on: still loading, or nothing selected.
    fn notify_no_subscription(&mut self) {
        if self.selected_details().is_some_and(|d| d.subscriptions.loading) {
            self.notify("The subscriptions are still loading; try again in a moment");
        } else {
            self.notify("Select a subscription first (Tab to the Subscriptions pane)");
        }
    }

    fn selected_subscription(&self) -> Option<(u8, String, String, Subscription)> {
        let (slot, c) = self.selected_customer()?;
        let sub = self.selected_details()?.subscriptions.value.as_ref()?.get(self.sub_selected)?.clone();
        Some((slot, c.id.to_string(), c.display_name().to_string(), sub))
    }

    pub fn open_change(&mut self) -> Vec<Effect> {
        let Some((slot, customer, name, sub)) = self.selected_subscription() else {
            self.notify_no_subscription();
            return Vec::new();
        };
        let s = &self.slots[slot as usize];
        if !s.caps.change_plan {
            self.notify_error(format!("Plan changes are not offered by {}", s.kind));
            return Vec::new();
        }
        if !sub.status.is_live() {
            self.notify_error(format!(
                "This subscription is {}: only live subscriptions can change plan",
                sub.status.label()
            ));
            return Vec::new();
        }
        if let Some(mut refusal) = crate::ops::subscriptions::one_time_refusal(&sub) {
            refusal.get_mut(0..1).map(str::make_ascii_uppercase);
            self.notify_error(format!("{refusal} (n)"));
            return Vec::new();
        }
        let undo = s.caps.uncancel.then_some("U");
        if let Some(mut refusal) = crate::ops::subscriptions::scheduled_end_refusal(&sub, undo) {
            // "Ends …": a sentence of its own in the status line, which 80 columns fit beside the badge.
            refusal.get_mut(0..1).map(str::make_ascii_uppercase);
            self.notify_error(refusal);
            return Vec::new();
        }
        let Some(plans) = s.plans.value.clone() else {
            self.notify("The plan catalog is loading; press u again in a moment");
            // In the compact layout the Plans pane may never have been shown: ask for it now.
            let slot_state = &mut self.slots[slot as usize];
            if slot_state.plans.wanted() {
                slot_state.plans = super::Loadable::loading();
                return vec![Effect::LoadPlans { slot }];
            }
            return Vec::new();
        };
        let rules = ChangeRules { timings: s.provider.change_timings(), keep_interval: !s.caps.change_interval };
        let live = self.mode == Mode::Live;
        let flow = ChangeFlow::new(slot, customer, name, sub, &plans, rules, live);
        // Only the current plan to pick: a dialog whose Enter can do nothing looked frozen.
        if flow.options.iter().all(|o| o.relation == super::change::Relation::Current) {
            let currency = flow.subscription.amount.map(|a| format!(" in {}", a.currency().code())).unwrap_or_default();
            self.notify_error(format!("No other plan sold{currency}: nothing to change to"));
            return Vec::new();
        }
        self.push(Dialog::Change(Box::new(flow)));
        Vec::new()
    }

    /// What ending `sub` takes away: its plan's features, less those another live
    /// subscription of the customer grants too ("Lost then: API calls" read as losing API
    /// access while Starter still granted 50,000 calls), which are named with that plan.
    fn lost_and_kept(&self, slot: u8, sub: &Subscription) -> (Vec<String>, Vec<String>) {
        let Some(plans) = self.slots[slot as usize].plans.value.as_ref() else { return Default::default() };
        let plan_of = |s: &Subscription| plans.iter().find(|p| Some(&p.id) == s.plan_id.as_ref());
        let Some(plan) = plan_of(sub) else { return Default::default() };
        let others: Vec<&Subscription> = self
            .selected_details()
            .and_then(|d| d.subscriptions.value.as_ref())
            .map(|subs| subs.iter().filter(|s| s.id != sub.id && s.status.is_live()).collect())
            .unwrap_or_default();
        let (mut lost, mut kept) = (Vec::new(), Vec::new());
        for f in &plan.features {
            let name = f.name.clone().unwrap_or_else(|| f.feature_id.clone());
            // The other subscription's own grants where the provider reports them (seats
            // bought: 18, not the catalog's 10), else its plan's: the limit the customer falls to.
            let granted_by = others.iter().find_map(|s| {
                let plan = plan_of(s);
                let grants = if s.features.is_empty() { plan.map(|p| p.features.as_slice())? } else { &s.features };
                let grant = grants.iter().find(|o| o.feature_id == f.feature_id)?;
                let other =
                    s.plan_name.clone().or_else(|| plan.map(|p| p.name.clone())).unwrap_or_else(|| s.id.clone());
                Some((other, grant))
            });
            match granted_by {
                Some((other, grant)) => kept.push(match &grant.kind {
                    EntitlementKind::Meter { limit: Some(l), .. } => format!("{name} ({other} {})", group_int(*l)),
                    EntitlementKind::Customizable { value } => format!("{name} ({other} {})", group_if_whole(value)),
                    _ => format!("{name} ({other})"),
                }),
                None => lost.push(name),
            }
        }
        (lost, kept)
    }

    pub fn open_cancel(&mut self, undo: bool) -> Vec<Effect> {
        let Some((slot, customer, name, sub)) = self.selected_subscription() else {
            self.notify_no_subscription();
            return Vec::new();
        };
        let caps = &self.slots[slot as usize].caps;
        let kind = self.slots[slot as usize].kind;
        if undo && let Some(refusal) = undo_refusal(&sub, caps, kind) {
            self.notify_error(refusal);
            return Vec::new();
        }
        if !undo && (!caps.cancel || !sub.status.is_live()) {
            self.notify_error(if caps.cancel {
                format!("This subscription is already {}", sub.status.label())
            } else {
                format!("Cancellation is not offered by {kind}")
            });
            return Vec::new();
        }
        let mut choices = vec![CancelChoice::Immediately];
        // A one-time purchase has no period to end (`ops::subscriptions::period_end_refusal`).
        if caps.cancel_at_period_end && sub.current_period_end.is_some() {
            choices.push(CancelChoice::AtPeriodEnd);
        }
        if caps.cancel_on_date {
            choices.push(CancelChoice::OnDate);
        }
        let (lost, kept) = self.lost_and_kept(slot, &sub);
        let step = if undo { Step::Confirm } else { Step::Choose };
        self.push(Dialog::Cancel(Box::new(CancelFlow {
            slot,
            customer_id: customer,
            customer_name: name,
            subscription: sub,
            undo,
            choices,
            idx: 0,
            date: String::new(),
            date_error: None,
            step,
            lost,
            kept,
            live: self.mode == Mode::Live,
            typed: String::new(),
            outcome: None,
        })));
        Vec::new()
    }

    pub(crate) fn change_action(&mut self, action: Action) -> Vec<Effect> {
        let Some(Dialog::Change(flow)) = self.dialogs.last_mut() else { return Vec::new() };
        match flow.handle_action(action) {
            DialogKey::Nothing => Vec::new(),
            DialogKey::Close => {
                self.pop();
                Vec::new()
            }
            DialogKey::AskDiscard => {
                self.push(Dialog::Discard { what: "plan change" });
                Vec::new()
            }
            DialogKey::Preview => {
                let Some(change) = flow.change() else { return Vec::new() };
                // The subscription's own grants (seats bought) when the provider reports them.
                let own = Some(flow.subscription.features.clone()).filter(|f| !f.is_empty());
                let old = own.unwrap_or_else(|| {
                    self.slots
                        .get(flow.slot as usize)
                        .and_then(|s| s.plans.value.as_ref())
                        .and_then(|p| p.iter().find(|p| Some(&p.id) == flow.subscription.plan_id.as_ref()))
                        .map(|p| p.features.clone())
                        .unwrap_or_default()
                });
                let new = flow.plan().map(|p| p.features.clone()).unwrap_or_default();
                flow.diff = crate::billing::diff::entitlement_diff(&old, &new);
                let current = self
                    .details
                    .get(&(flow.slot, flow.customer_id.clone()))
                    .and_then(|d| d.entitlements.value.as_ref());
                flow.usage_warnings =
                    current.map(|c| crate::billing::diff::usage_warnings(c, &old, &new)).unwrap_or_default();
                let generation = flow.preview.start();
                vec![Effect::PreviewChange {
                    slot: flow.slot,
                    subscription_id: flow.subscription.id.clone(),
                    change: Box::new(change),
                    generation,
                }]
            }
            DialogKey::Apply => match flow.change() {
                Some(change) => vec![Effect::ApplyChange {
                    slot: flow.slot,
                    customer_id: flow.customer_id.clone(),
                    subscription: Box::new(flow.subscription.clone()),
                    change: Box::new(change),
                }],
                None => Vec::new(),
            },
        }
    }

    pub(crate) fn cancel_action(&mut self, action: Action) -> Vec<Effect> {
        let today = self.now.date_naive();
        let Some(Dialog::Cancel(flow)) = self.dialogs.last_mut() else { return Vec::new() };
        match flow.handle_action(action, today) {
            DialogKey::Close => {
                self.pop();
                Vec::new()
            }
            DialogKey::AskDiscard => {
                let what = if flow.undo { "undo" } else { "cancellation" };
                self.push(Dialog::Discard { what });
                Vec::new()
            }
            DialogKey::Apply if flow.undo => vec![Effect::ApplyUncancel {
                slot: flow.slot,
                customer_id: flow.customer_id.clone(),
                subscription: Box::new(flow.subscription.clone()),
            }],
            DialogKey::Apply => match flow.timing(today) {
                Ok(timing) => vec![Effect::ApplyCancel {
                    slot: flow.slot,
                    customer_id: flow.customer_id.clone(),
                    subscription: Box::new(flow.subscription.clone()),
                    cancellation: Cancellation { timing, comment: None },
                }],
                Err(_) => Vec::new(),
            },
            DialogKey::Nothing | DialogKey::Preview => Vec::new(),
        }
    }

    pub fn handle_change_msg(&mut self, msg: ChangeMsg) -> Vec<Effect> {
        match msg {
            ChangeMsg::Previewed { generation, result } => {
                if let Some(f) = self.change_mut() {
                    f.preview.finish(generation, result);
                }
                Vec::new()
            }
            ChangeMsg::Changed { result } => {
                let Some(f) = self.change_mut() else { return Vec::new() };
                f.step = Step::Done;
                f.outcome = Some(result.clone().map_err(|e| e.to_string()));
                let (slot, customer) = (f.slot, f.customer_id.clone());
                self.after_write(slot, &customer, result.ok().map(|s| s.id))
            }
            ChangeMsg::Canceled { result } => {
                let Some(f) = self.cancel_mut() else { return Vec::new() };
                f.step = Step::Done;
                f.outcome = Some(result.clone().map_err(|e| e.to_string()));
                let (slot, customer, id) = (f.slot, f.customer_id.clone(), f.subscription.id.clone());
                self.after_write(slot, &customer, result.ok().map(|_| id))
            }
            ChangeMsg::Audit { customer, result } => {
                match result {
                    Ok((mut entries, note)) => {
                        entries.reverse();
                        let control = Default::default();
                        self.push(Dialog::Audit { customer, entries, offset: 0, note, control });
                    }
                    Err(e) => self.notify_error(format!("Audit journal: {e}")),
                }
                Vec::new()
            }
        }
    }

    /// Reloads the customer's subscriptions and entitlements, and keeps the selection on the
    /// subscription the write produced (Kelviq may give it a new id).
    fn after_write(&mut self, slot: u8, customer: &str, follow: Option<String>) -> Vec<Effect> {
        self.details.remove(&(slot, customer.to_string()));
        self.follow_subscription = follow.map(|id| (slot, customer.to_string(), id));
        self.ensure_loaded()
    }

    /// Called when subscriptions arrive: select the followed one.
    pub(crate) fn follow(&mut self, slot: u8, customer: &str) {
        let Some((s, c, id)) = self.follow_subscription.clone() else { return };
        if s != slot || c != customer {
            return;
        }
        if let Some(i) = self
            .details
            .get(&(slot, customer.to_string()))
            .and_then(|d| d.subscriptions.value.as_ref())
            .and_then(|subs| subs.iter().position(|x| x.id == id))
        {
            self.sub_selected = i;
            self.follow_subscription = None;
        }
    }

    pub fn show_audit(&mut self) -> Vec<Effect> {
        match self.selected_customer() {
            Some((_, c)) => vec![Effect::ShowAudit { customer: c.id.to_string() }],
            None => {
                self.notify("Select a customer to see their journal");
                Vec::new()
            }
        }
    }

    /// Pasted text for a dialog's typing step (the cancel date, the LIVE customer id).
    pub(crate) fn paste_step(&mut self, text: &str) -> Vec<Effect> {
        let target = match self.dialogs.last_mut() {
            Some(Dialog::Cancel(f)) if f.step == Step::Date => &mut f.date,
            Some(Dialog::Cancel(f)) if f.step == Step::Confirm && f.live => &mut f.typed,
            Some(Dialog::Change(f)) if f.step == Step::Confirm && f.live => &mut f.typed,
            _ => return Vec::new(),
        };
        let report = crate::tui::text::paste_line(target, text);
        if let Some(n) = report.notice() {
            self.notify(n);
        }
        Vec::new()
    }
}

/// Why `U` cannot undo anything on `sub`: nothing is scheduled, or the provider offers no way
/// to undo what is.
fn undo_refusal(sub: &Subscription, caps: &Capabilities, kind: ProviderKind) -> Option<String> {
    if sub.cancel_scheduled() {
        return (!caps.uncancel).then(|| format!("Undoing a scheduled cancellation is not offered by {kind}"));
    }
    match &sub.pending_change {
        Some(p) if !caps.cancel_scheduled_change => {
            Some(format!("Cancelling a scheduled plan change ({}) is not offered by {kind}", p.phrase()))
        }
        Some(_) => None,
        None => Some("This subscription has no scheduled cancellation or plan change to undo".into()),
    }
}
