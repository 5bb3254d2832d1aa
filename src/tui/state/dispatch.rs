//! The one way in: every key goes through the keymap to an `Action`, for whatever has focus
//! (the top dialog, else the panes), and pasted text goes to the focused text field only.

use chrono::{DateTime, Utc};
use crossterm::event::KeyEvent;

use super::change::Step;
use super::{AppState, Dialog, Effect, Pane};
use crate::tui::action::Action;
use crate::tui::keymap::{self, Context};

impl AppState {
    /// A key press at `now`.
    pub fn handle_key(&mut self, key: KeyEvent, now: DateTime<Utc>) -> Vec<Effect> {
        self.now = now;
        match keymap::action_for(&key, &self.contexts()) {
            Some(action) => self.handle_action(action),
            None => Vec::new(),
        }
    }

    /// Pasted text (bracketed paste): text for the focused text field only, never keys.
    pub fn handle_paste(&mut self, text: &str, now: DateTime<Utc>) -> Vec<Effect> {
        self.now = now;
        let first = self.contexts().first().copied();
        if !first.is_some_and(|c| c.is_text()) {
            self.notify("Paste ignored: no text field has focus");
            return Vec::new();
        }
        match self.dialogs.last_mut() {
            None if self.plans_filter.editing => {
                let report = crate::tui::text::paste_line(&mut self.plans_filter.query, text);
                if let Some(n) = report.notice() {
                    self.notify(n);
                }
                Vec::new()
            }
            None => self.paste_filter(text),
            Some(Dialog::Palette(p)) => {
                let report = crate::tui::text::paste_line(&mut p.input, text);
                p.selected = 0;
                if let Some(n) = report.notice() {
                    self.notify(n)
                }
                Vec::new()
            }
            Some(Dialog::PresetSave(s) | Dialog::LiveConfirm(s)) => {
                let report = crate::tui::text::paste_line(s, text);
                if let Some(n) = report.notice() {
                    self.notify(n)
                }
                Vec::new()
            }
            Some(Dialog::Checkout(_)) => self.paste_checkout(text),
            Some(Dialog::Change(_) | Dialog::Cancel(_)) => self.paste_step(text),
            Some(Dialog::CustomerWrite(f)) => {
                let report = crate::tui::text::paste_line(&mut f.typed, text);
                if let Some(n) = report.notice() {
                    self.notify(n);
                }
                Vec::new()
            }
            Some(Dialog::Usage(f)) => {
                let report = crate::tui::text::paste_line(&mut f.typed, text);
                if let Some(n) = report.notice() {
                    self.notify(n);
                }
                Vec::new()
            }
            Some(Dialog::Refund(f)) => {
                let target = if f.step == super::payments::RefundStep::Amount { &mut f.amount } else { &mut f.typed };
                let report = crate::tui::text::paste_line(target, text);
                if let Some(n) = report.notice() {
                    self.notify(n);
                }
                Vec::new()
            }
            Some(_) => Vec::new(),
        }
    }

    pub fn handle_action(&mut self, action: Action) -> Vec<Effect> {
        if !matches!(action, Action::Copy | Action::CopyCurl | Action::Open | Action::Text(_)) {
            self.notice = None;
        }
        match action {
            Action::ForceQuit => {
                self.quit = true;
                return vec![Effect::Quit];
            }
            Action::Help if !matches!(self.top(), Some(Dialog::Help { .. })) => {
                let contexts = self.contexts();
                self.push(Dialog::Help { scroll: 0, contexts });
                return Vec::new();
            }
            a if a.is_write() && self.read_only => {
                self.notify_error(
                    "Read-only: till was started with --read-only, so changes, cancellations and checkouts are disabled",
                );
                return Vec::new();
            }
            _ => {}
        }
        // `:` over a list opens the palette there, so `:export` writes that list.
        if action == Action::Palette && self.top().and_then(Dialog::list_control).is_some_and(|c| !c.editing) {
            self.push(Dialog::Palette(super::palette::PaletteState::default()));
            return Vec::new();
        }
        match self.top().map(Dialog::name) {
            None if action == Action::CheckoutSessions => self.open_checkout_sessions(),
            None if action == Action::Events => self.open_events(),
            None => self.panes_action(action),
            Some("help") => self.scroll_action(action),
            Some("audit") => self.audit_action(action),
            Some("detail") => self.detail_action(action),
            Some("payments") => self.payments_action(action),
            Some("refund") => self.refund_action(action),
            Some("usage") => self.usage_action(action),
            Some("customer-write") => self.customer_write_action(action),
            Some("palette") => self.palette_action(action),
            Some("requests") => self.requests_action(action),
            Some("invoices") => self.invoices_action(action),
            Some("checkout") => self.checkout_action(action),
            Some("checkout-sessions") => self.sessions_action(action),
            Some("events") => self.events_action(action),
            Some("change") => self.change_action(action),
            Some("cancel") => self.cancel_action(action),
            Some("preset-save" | "preset-load" | "live-confirm") => self.preset_action(action),
            Some(_) => self.discard_action(action),
        }
    }

    /// Esc again discards the dialog beneath the prompt; any other key keeps it.
    fn discard_action(&mut self, action: Action) -> Vec<Effect> {
        self.pop();
        if action == Action::Back {
            self.pop();
        }
        Vec::new()
    }

    /// Keymap contexts active now, most specific first.
    pub fn contexts(&self) -> Vec<Context> {
        use Context::{
            Audit, Customers, Discard, Filter, Global, Help, Invoices, List, LiveConfirm, NotTyping, Palette, Panes,
            PresetLoad, PresetSave, Requests, StepText,
        };
        let typing = |ctx: Context| vec![ctx, Global];
        let list = |ctx: Context| vec![ctx, List, NotTyping, Global];
        // An overlay list: its filter line while typing, else its keys and the list keys.
        if let Some(control) = self.top().and_then(Dialog::list_control) {
            let in_detail = matches!(self.top(), Some(Dialog::Requests(r)) if r.detail);
            if control.editing {
                return typing(Context::ListFilter);
            }
            if !in_detail {
                let own = match self.top() {
                    Some(Dialog::Requests(_)) => Requests,
                    Some(Dialog::Invoices(_)) => Invoices,
                    Some(Dialog::Audit { .. }) => Audit,
                    Some(Dialog::Payments(_)) => Context::Payments,
                    Some(Dialog::Events(_)) => Context::Events,
                    _ => Context::CheckoutSessions,
                };
                return vec![own, Context::Lists, List, NotTyping, Global];
            }
        }
        match self.top() {
            None if self.views[self.tab].filter.editing => typing(Filter),
            None if self.plans_filter.editing => typing(Context::ListFilter),
            None if self.focus == Pane::Customers => vec![Customers, Panes, List, NotTyping, Global],
            None => vec![Panes, List, NotTyping, Global],
            Some(Dialog::Help { .. }) => list(Help),
            Some(Dialog::Palette(_)) => typing(Palette),
            Some(Dialog::Requests(_)) => list(Requests),
            Some(Dialog::Invoices(_)) => list(Invoices),
            Some(Dialog::Audit { .. }) => list(Audit),
            Some(Dialog::Detail(_)) => list(Context::Detail),
            Some(Dialog::Payments(_)) => list(Context::Payments),
            Some(Dialog::Refund(f)) => refund_contexts(f),
            Some(Dialog::Usage(f)) if f.live && f.step == super::usage::UsageStep::Confirm => typing(StepText),
            Some(Dialog::Usage(_)) => vec![Context::Steps, NotTyping, Global],
            Some(Dialog::CustomerWrite(f)) if f.live && f.result.is_none() => typing(StepText),
            Some(Dialog::CustomerWrite(_)) => vec![Context::Steps, NotTyping, Global],
            Some(Dialog::PresetSave(_)) => typing(PresetSave),
            Some(Dialog::PresetLoad { .. }) => list(PresetLoad),
            Some(Dialog::LiveConfirm(_)) => typing(LiveConfirm),
            Some(Dialog::Discard { .. }) => vec![Discard],
            Some(Dialog::Checkout(b)) => b.contexts(),
            Some(Dialog::CheckoutSessions(_)) => list(Context::CheckoutSessions),
            Some(Dialog::Events(_)) => list(Context::Events),
            Some(Dialog::Change(f)) => step_contexts(f.step, f.live),
            Some(Dialog::Cancel(f)) => {
                if f.step == Step::Date {
                    typing(StepText)
                } else {
                    step_contexts(f.step, f.live)
                }
            }
        }
    }

    /// Whether an action does something now: the status bar advertises only those.
    pub fn runnable(&self, action: Action) -> bool {
        if action.is_write() && self.read_only {
            return false;
        }
        match (self.top(), action) {
            (None, Action::Choose) if self.views[self.tab].filter.editing => true,
            (None, Action::Choose) => self.selected_customer().is_some() || self.focus == Pane::Plans,
            (None, Action::Open) => false,
            (Some(Dialog::Change(f)), Action::Choose) => f.step != Step::Confirm,
            (Some(Dialog::Cancel(f)), Action::Choose) => f.step != Step::Confirm,
            (Some(Dialog::Change(f)), Action::Confirm) => f.step == Step::Confirm && f.preview.value.is_some(),
            (Some(Dialog::Cancel(f)), Action::Confirm) => f.step == Step::Confirm,
            (Some(Dialog::Change(f)), Action::StepBack) => {
                !matches!(f.step, Step::Choose | Step::Applying | Step::Done)
            }
            (Some(Dialog::Cancel(f)), Action::StepBack) => {
                !f.undo && !matches!(f.step, Step::Choose | Step::Applying | Step::Done)
            }
            (Some(Dialog::Checkout(b)), Action::CopyBody | Action::CopyCurl) => b.preview_fresh(),
            _ => true,
        }
    }
}

/// The refund dialog: typing the amount, then the preview (typing the customer id in LIVE).
fn refund_contexts(f: &super::payments::RefundFlow) -> Vec<Context> {
    use super::payments::RefundStep;
    use Context::{Global, NotTyping, StepText, Steps};
    match f.step {
        RefundStep::Amount => vec![StepText, Global],
        RefundStep::Confirm if f.live => vec![StepText, Global],
        _ => vec![Steps, NotTyping, Global],
    }
}

fn step_contexts(step: Step, live: bool) -> Vec<Context> {
    use Context::{Global, List, NotTyping, StepText, Steps};
    match step {
        Step::Confirm if live => vec![StepText, Global],
        // A preview taller than the dialog scrolls with the list keys.
        Step::Confirm => vec![Steps, List, NotTyping, Global],
        Step::Applying | Step::Done => vec![Steps, NotTyping, Global],
        _ => vec![Steps, List, NotTyping, Global],
    }
}
