//! The checkout builder inside the console: opening it from a provider tab, routing keys,
//! and the effects and results of preview, estimate, submit and status polling.

use chrono::Utc;
use crossterm::event::{KeyCode, KeyEvent};

use super::checkout::presets::Preset;
use super::checkout::{CheckoutBuilder, FormOutcome, PresetDialog};
use super::{AppState, Effect, Pane};
use crate::billing::{CheckoutRequest, CheckoutSession, CheckoutStatus, Estimate};
use crate::providers::{ProviderError, RequestPreview};

/// Results the checkout builder waits for.
#[derive(Debug)]
pub enum CheckoutMsg {
    Previewed { generation: u64, result: Result<RequestPreview, ProviderError> },
    Estimated { generation: u64, result: Result<Estimate, ProviderError> },
    Submitted { result: Result<CheckoutSession, ProviderError> },
    Polled { id: String, result: Result<CheckoutSession, ProviderError> },
    Presets { result: Result<Vec<Preset>, String> },
    PresetSaved { result: Result<String, String> },
}

impl AppState {
    /// `n` / `:checkout`: the builder for the current tab's provider (on All, the selected
    /// customer's), prefilled with the selected customer and plan; a draft left open earlier
    /// comes back as it was.
    pub fn open_checkout(&mut self) -> Vec<Effect> {
        let Some(slot) = self.plans_slot() else { return Vec::new() };
        if !self.slots[slot as usize].caps.checkout_create {
            self.notify_error(format!("Checkout is not offered by {}", self.slots[slot as usize].kind));
            return Vec::new();
        }
        let mut effects = Vec::new();
        let builder = match self.checkout_drafts.remove(&slot) {
            Some(draft) => draft,
            None => {
                let customer = self.selected_customer().filter(|(s, _)| *s == slot).map(|(_, c)| c.id.clone());
                let plan = (self.focus == Pane::Plans)
                    .then(|| {
                        self.slots[slot as usize]
                            .plans
                            .value
                            .as_ref()
                            .and_then(|p| p.get(self.plan_selected))
                            .map(|p| p.id.clone())
                    })
                    .flatten();
                let plans = self.slots[slot as usize].plans.value.clone().unwrap_or_default();
                if self.slots[slot as usize].plans.wanted() {
                    self.slots[slot as usize].plans = super::Loadable::loading();
                    effects.push(Effect::LoadPlans { slot });
                }
                Box::new(CheckoutBuilder::new(slot, self.slots[slot as usize].kind, &plans, customer, plan))
            }
        };
        self.checkout = Some(builder);
        effects.extend(self.checkout_changed());
        effects
    }

    /// After a preset was applied: revalidate and refresh like any change.
    pub fn refresh_checkout(&mut self) -> Vec<Effect> {
        self.checkout_changed()
    }

    /// Revalidates and, when the form is valid, asks for a fresh preview and estimate.
    fn checkout_changed(&mut self) -> Vec<Effect> {
        let Some(b) = self.checkout.as_mut() else { return Vec::new() };
        if b.result.is_some() {
            return Vec::new();
        }
        if !b.validate(Utc::now().date_naive()) {
            return Vec::new();
        }
        let request = b.request();
        let slot = b.slot;
        let preview = b.preview.start();
        let estimate = b.estimate.start();
        vec![
            Effect::CheckoutPreview { slot, generation: preview, request: Box::new(request.clone()) },
            Effect::CheckoutEstimate { slot, generation: estimate, request: Box::new(request) },
        ]
    }

    pub(crate) fn checkout_key(&mut self, key: KeyEvent) -> Vec<Effect> {
        let Some(b) = self.checkout.as_mut() else { return Vec::new() };
        if b.result.is_some() {
            return self.result_key(key);
        }
        match b.handle_key(key) {
            FormOutcome::Nothing => Vec::new(),
            FormOutcome::Changed => self.checkout_changed(),
            FormOutcome::Close => self.close_checkout(),
            FormOutcome::Submit => self.submit_checkout(),
            FormOutcome::CopyBody => self.copy_preview(false),
            FormOutcome::CopyCurl => self.copy_preview(true),
            FormOutcome::SavePreset => {
                let name = match &b.dialog {
                    Some(PresetDialog::Save(n)) => n.clone(),
                    _ => String::new(),
                };
                b.dialog = None;
                vec![Effect::SavePreset(Box::new(b.to_preset(&name)))]
            }
            FormOutcome::LoadPresets => self.load_preset_or_list(),
        }
    }

    fn copy_preview(&mut self, curl: bool) -> Vec<Effect> {
        let Some(b) = self.checkout.as_mut() else { return Vec::new() };
        let text = b.preview.value.as_ref().map(|p| if curl { p.curl() } else { p.pretty_body().unwrap_or_default() });
        match text {
            Some(t) => {
                b.notice = Some(
                    if curl {
                        "Copied the curl command (key as an environment variable)"
                    } else {
                        "Copied the request body"
                    }
                    .into(),
                );
                vec![Effect::Copy(t)]
            }
            None => {
                b.notice = Some("Nothing to copy yet: the preview appears once the form is valid".into());
                Vec::new()
            }
        }
    }

    fn load_preset_or_list(&mut self) -> Vec<Effect> {
        let Some(b) = self.checkout.as_mut() else { return Vec::new() };
        match &b.dialog {
            Some(PresetDialog::Load { names, selected }) => {
                let name = names.get(*selected).cloned();
                b.dialog = None;
                match name {
                    Some(n) => vec![Effect::ApplyPreset { provider: b.provider, name: n }],
                    None => Vec::new(),
                }
            }
            _ => vec![Effect::ListPresets { provider: b.provider }],
        }
    }

    fn submit_checkout(&mut self) -> Vec<Effect> {
        let Some(b) = self.checkout.as_mut() else { return Vec::new() };
        // A second Enter while the first submit is in flight does nothing.
        if b.submitting {
            return Vec::new();
        }
        if !b.validate(Utc::now().date_naive()) {
            b.notice = b.blocker().map(|r| format!("Cannot submit yet · {r}"));
            return Vec::new();
        }
        // LIVE: real money moves, so the customer id (or "live") must be typed first.
        if self.mode == super::Mode::Live {
            let expected = b.request().customer_id.unwrap_or_else(|| "live".into());
            match &b.dialog {
                Some(PresetDialog::LiveConfirm(typed)) if typed.trim() == expected => b.dialog = None,
                Some(PresetDialog::LiveConfirm(_)) => {
                    b.notice = Some(format!("Type {expected} exactly to create this LIVE checkout"));
                    return Vec::new();
                }
                _ => {
                    b.dialog = Some(PresetDialog::LiveConfirm(String::new()));
                    return Vec::new();
                }
            }
        }
        b.submitting = true;
        b.submit_error = None;
        vec![Effect::SubmitCheckout { slot: b.slot, request: Box::new(b.request()) }]
    }

    fn close_checkout(&mut self) -> Vec<Effect> {
        if let Some(mut b) = self.checkout.take() {
            let polling = b.result.as_ref().is_some_and(|r| r.polling);
            // The result was shown; keep the form's values as a draft for the next checkout.
            b.result = None;
            b.dialog = None;
            self.checkout_drafts.insert(b.slot, b);
            if polling {
                return vec![Effect::StopPolling];
            }
        }
        Vec::new()
    }

    fn result_key(&mut self, key: KeyEvent) -> Vec<Effect> {
        let Some(b) = self.checkout.as_mut() else { return Vec::new() };
        let url = b.result.as_ref().and_then(|r| r.session.url.clone());
        match key.code {
            KeyCode::Esc | KeyCode::Char('q') => self.close_checkout(),
            KeyCode::Char('y') => match url {
                Some(u) => {
                    b.notice = Some("Copied the checkout URL (OSC 52)".into());
                    vec![Effect::Copy(u)]
                }
                None => Vec::new(),
            },
            KeyCode::Char('o') => url.map(Effect::Open).into_iter().collect(),
            _ => Vec::new(),
        }
    }

    pub fn handle_checkout_msg(&mut self, msg: CheckoutMsg) -> Vec<Effect> {
        let Some(b) = self.checkout.as_mut() else { return Vec::new() };
        match msg {
            CheckoutMsg::Previewed { generation, result } => b.preview.finish(generation, result),
            CheckoutMsg::Estimated { generation, result } => b.estimate.finish(generation, result),
            CheckoutMsg::Submitted { result } => {
                let ok = result.is_ok();
                b.submitted(result);
                if ok && let Some(r) = &b.result {
                    // The provider's estimate came with the session (Zenskar) or the live one stands.
                    if r.session.estimate.is_none() && b.estimate.value.is_none() {
                        b.notice = Some("No estimate for this session".into());
                    }
                    return vec![Effect::PollCheckout { slot: b.slot, id: r.session.id.clone() }];
                }
            }
            CheckoutMsg::Polled { id, result } => return self.polled(&id, result),
            CheckoutMsg::Presets { result } => match result {
                Ok(list) => {
                    let names: Vec<String> =
                        list.into_iter().filter(|p| p.provider == b.provider).map(|p| p.name).collect();
                    if names.is_empty() {
                        b.notice = Some(format!("No saved {} presets yet: Ctrl-P saves this form", b.provider));
                    } else {
                        b.dialog = Some(PresetDialog::Load { names, selected: 0 });
                    }
                }
                Err(e) => b.notice = Some(e),
            },
            CheckoutMsg::PresetSaved { result } => b.notice = Some(result.unwrap_or_else(|e| e)),
        }
        Vec::new()
    }

    /// A status poll came back: update the result; once paid, the customer's subscriptions
    /// are reloaded so the new one shows without a manual refresh.
    fn polled(&mut self, id: &str, result: Result<CheckoutSession, ProviderError>) -> Vec<Effect> {
        let Some(b) = self.checkout.as_mut() else { return Vec::new() };
        let slot = b.slot;
        let Some(r) = b.result.as_mut().filter(|r| r.session.id == id) else { return Vec::new() };
        r.checked_at = Some(Utc::now());
        let session = match result {
            Ok(s) => s,
            Err(e) => {
                r.poll_error = Some(e.to_string());
                return Vec::new();
            }
        };
        r.poll_error = None;
        let done =
            matches!(session.status, CheckoutStatus::Complete | CheckoutStatus::Expired | CheckoutStatus::Canceled);
        // Keep what only the create response had (the URL, the estimate).
        r.session.status = session.status;
        r.session.raw_status = session.raw_status;
        r.session.subscription_id = session.subscription_id.or(r.session.subscription_id.take());
        r.session.customer_id = session.customer_id.or(r.session.customer_id.take());
        r.session.expires_at = session.expires_at.or(r.session.expires_at);
        if !done {
            return Vec::new();
        }
        r.polling = false;
        let customer = r.session.customer_id.clone();
        let mut effects = vec![Effect::StopPolling];
        if r.session.status == CheckoutStatus::Complete
            && let Some(customer) = customer
        {
            self.details.remove(&(slot, customer.clone()));
            if self.slots[slot as usize].customers.position(&customer).is_none() {
                effects.push(Effect::FindCustomer { slot, id: customer });
            }
            effects.extend(self.ensure_loaded());
        }
        effects
    }

    /// Plans arrived while the builder was open: fill its pickers.
    pub(crate) fn checkout_catalog_arrived(&mut self, slot: u8) -> Vec<Effect> {
        let plans = self.slots[slot as usize].plans.value.clone().unwrap_or_default();
        match self.checkout.as_mut() {
            Some(b) if b.slot == slot => b.set_catalog(&plans),
            _ => return Vec::new(),
        }
        self.checkout_changed()
    }

    /// The request the builder would send now, for tests and the `--dry-run` equivalence.
    pub fn checkout_request(&self) -> Option<CheckoutRequest> {
        self.checkout.as_ref().map(|b| b.request())
    }
}
