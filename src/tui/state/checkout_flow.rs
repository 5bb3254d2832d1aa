//! The checkout builder inside the console: opening it from a provider tab, routing keys,
//! and the effects and results of preview, estimate, submit and status polling.

use super::checkout::presets::Preset;
use super::checkout::{CheckoutBuilder, FormOutcome};
use super::{AppState, Dialog, Effect, Pane};
use crate::billing::{CheckoutRequest, CheckoutSession, CheckoutStatus, Estimate};
use crate::providers::{ProviderError, RequestPreview};
use crate::tui::action::Action;

/// Results the checkout builder waits for.
#[derive(Debug)]
pub enum CheckoutMsg {
    Previewed {
        generation: u64,
        result: Result<RequestPreview, ProviderError>,
    },
    Estimated {
        generation: u64,
        result: Result<Estimate, ProviderError>,
    },
    Submitted {
        result: Result<CheckoutSession, ProviderError>,
    },
    Polled {
        id: String,
        result: Result<CheckoutSession, ProviderError>,
    },
    Presets {
        result: Result<Vec<Preset>, String>,
    },
    PresetLoaded {
        name: String,
        result: Result<Option<Preset>, String>,
    },
    PresetSaved {
        result: Result<String, String>,
    },
    /// A provider's checkout sessions, for the sessions list.
    Listed {
        slot: u8,
        result: Result<Vec<crate::billing::CheckoutListing>, String>,
    },
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
        // The builder always targets the selected customer: a draft never carries one over.
        let customer = self.selected_customer().filter(|(s, _)| *s == slot).map(|(_, c)| c.id.to_string());
        let builder = match self.checkout_drafts.remove(&slot) {
            Some(mut draft) => {
                draft.set_customer(customer.as_deref());
                draft
            }
            None => {
                let plan = (self.focus == Pane::Plans).then(|| self.selected_plan().map(|p| p.id.clone())).flatten();
                let plans = self.slots[slot as usize].plans.value.clone().unwrap_or_default();
                if self.slots[slot as usize].plans.wanted() {
                    self.slots[slot as usize].plans = super::Loadable::loading();
                    effects.push(Effect::LoadPlans { slot });
                }
                Box::new(CheckoutBuilder::new(slot, self.slots[slot as usize].kind, &plans, customer, plan))
            }
        };
        self.push(Dialog::Checkout(builder));
        effects.extend(self.checkout_changed());
        effects
    }

    /// After a preset was applied: revalidate and refresh like any change.
    pub fn refresh_checkout(&mut self) -> Vec<Effect> {
        self.checkout_changed()
    }

    /// Revalidates and, when the form is valid, asks for a fresh preview and estimate.
    fn checkout_changed(&mut self) -> Vec<Effect> {
        let now = self.now;
        let Some(b) = self.checkout_mut() else { return Vec::new() };
        if b.result.is_some() {
            return Vec::new();
        }
        if !b.validate(now.date_naive()) {
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

    pub(crate) fn checkout_action(&mut self, action: Action) -> Vec<Effect> {
        let Some(Dialog::Checkout(b)) = self.dialogs.last_mut() else { return Vec::new() };
        if b.result.is_some() {
            return self.result_action(action);
        }
        let outcome = b.handle_action(action);
        // A notice speaks of the key or paste before: an edit or a submit makes it stale (a
        // paste's "915 more did not fit" stayed under the form after the field was cleared).
        if matches!(outcome, FormOutcome::Changed | FormOutcome::Submit) {
            b.notice = None;
        }
        match outcome {
            FormOutcome::Nothing => Vec::new(),
            FormOutcome::Changed => self.checkout_changed(),
            FormOutcome::Close => self.close_checkout(),
            FormOutcome::Submit => self.submit_checkout(),
            FormOutcome::EnterOnSubmit => {
                b.notice = Some("Ctrl-S creates the checkout session (Enter never submits)".into());
                Vec::new()
            }
            FormOutcome::CopyBody => self.copy_preview(false),
            FormOutcome::CopyCurl => self.copy_preview(true),
            FormOutcome::SavePreset => {
                self.push(Dialog::PresetSave(String::new()));
                Vec::new()
            }
            FormOutcome::LoadPresets => vec![Effect::ListPresets { provider: b.provider }],
        }
    }

    /// The preset and LIVE-confirmation prompts stacked on the form.
    pub(crate) fn preset_action(&mut self, action: Action) -> Vec<Effect> {
        let Some(top) = self.dialogs.last_mut() else { return Vec::new() };
        match (top, action) {
            (_, Action::Back) => {
                self.pop();
                Vec::new()
            }
            (Dialog::PresetSave(name) | Dialog::LiveConfirm(name), Action::Text(key)) => {
                crate::tui::text::edit_line(name, key);
                Vec::new()
            }
            (Dialog::PresetSave(name), Action::Choose) if !name.trim().is_empty() => {
                let name = name.clone();
                self.pop();
                self.checkout().map(|b| Effect::SavePreset(Box::new(b.to_preset(&name)))).into_iter().collect()
            }
            (Dialog::PresetLoad { names, selected }, Action::Choose) => {
                let name = names.get(*selected).cloned();
                self.pop();
                match (name, self.checkout()) {
                    (Some(name), Some(b)) => vec![Effect::LoadPreset { provider: b.provider, name }],
                    _ => Vec::new(),
                }
            }
            (Dialog::PresetLoad { names, selected }, nav) => {
                if let Some(delta) = super::movement::nav_delta(nav, 10) {
                    *selected = selected.saturating_add_signed(delta).min(names.len().saturating_sub(1));
                }
                Vec::new()
            }
            (Dialog::LiveConfirm(_), Action::Confirm) => self.submit_checkout(),
            _ => Vec::new(),
        }
    }

    /// Pasted text for the form's focused field.
    pub(crate) fn paste_checkout(&mut self, text: &str) -> Vec<Effect> {
        let Some(b) = self.checkout_mut() else { return Vec::new() };
        if b.result.is_some() {
            return Vec::new();
        }
        let (outcome, notice) = b.paste(text);
        if notice.is_some() {
            b.notice = notice;
        }
        if outcome == FormOutcome::Changed { self.checkout_changed() } else { Vec::new() }
    }

    fn copy_preview(&mut self, curl: bool) -> Vec<Effect> {
        let Some(b) = self.checkout_mut() else { return Vec::new() };
        // A body that no longer matches the form is never copied.
        let fresh = b.preview_fresh();
        let text = b
            .preview
            .value
            .as_ref()
            .filter(|_| fresh)
            .map(|p| if curl { p.curl() } else { p.pretty_body().unwrap_or_default() });
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
                b.notice = Some(match b.blocker() {
                    Some(why) => format!("Nothing copied: the request is stale while the form is invalid · {why}"),
                    None => "Nothing copied yet: the request is being refreshed".into(),
                });
                Vec::new()
            }
        }
    }

    fn submit_checkout(&mut self) -> Vec<Effect> {
        let (now, live) = (self.now, self.mode == super::Mode::Live);
        let typed = match self.top() {
            Some(Dialog::LiveConfirm(t)) => Some(t.trim().to_string()),
            _ => None,
        };
        let Some(b) = self.checkout_mut() else { return Vec::new() };
        // A second Ctrl-S while the first submit is in flight does nothing.
        if b.submitting {
            return Vec::new();
        }
        if !b.validate(now.date_naive()) {
            b.notice = b.blocker().map(|r| format!("Cannot submit yet · {r}"));
            return Vec::new();
        }
        // LIVE: real money moves, so the customer id (or "live") must be typed first.
        if live {
            let expected = b.request().customer_id.unwrap_or_else(|| "live".into());
            match typed {
                Some(t) if t == expected => {}
                Some(_) => {
                    b.notice = Some(format!("Type {expected} exactly to create this LIVE checkout"));
                    return Vec::new();
                }
                None => {
                    self.push(Dialog::LiveConfirm(String::new()));
                    return Vec::new();
                }
            }
        }
        b.submitting = true;
        b.submit_error = None;
        let effect = Effect::SubmitCheckout { slot: b.slot, request: Box::new(b.request()) };
        if live {
            self.pop();
        }
        vec![effect]
    }

    fn close_checkout(&mut self) -> Vec<Effect> {
        let Some(Dialog::Checkout(mut b)) = self.pop() else { return Vec::new() };
        // A session still open keeps being watched: closing the result never stops tracking.
        if let Some(r) = b.result.take()
            && r.polling
            && !self.watching.iter().any(|(_, s)| s.id == r.session.id)
        {
            self.watching.push((b.slot, r.session.clone()));
        }
        // A session reopened from the list leaves no draft: the form was never the user's.
        if !b.reopened {
            self.checkout_drafts.insert(b.slot, b);
        }
        Vec::new()
    }

    fn result_action(&mut self, action: Action) -> Vec<Effect> {
        let Some(b) = self.checkout_mut() else { return Vec::new() };
        let url = b.result.as_ref().and_then(|r| r.session.url.clone());
        match action {
            Action::Back => self.close_checkout(),
            Action::Copy => match url {
                Some(u) => {
                    b.notice = Some("Copied the checkout URL (OSC 52)".into());
                    vec![Effect::Copy(u)]
                }
                None => Vec::new(),
            },
            Action::Open => url.map(Effect::Open).into_iter().collect(),
            _ => Vec::new(),
        }
    }

    pub fn handle_checkout_msg(&mut self, msg: CheckoutMsg) -> Vec<Effect> {
        let msg = match msg {
            CheckoutMsg::Polled { id, result } => return self.polled(&id, result),
            CheckoutMsg::Listed { slot, result } => {
                self.sessions_listed(slot, result);
                return Vec::new();
            }
            other => other,
        };
        let Some(b) = self.checkout_mut() else { return Vec::new() };
        match msg {
            CheckoutMsg::Previewed { generation, result } => b.preview.finish(generation, result),
            CheckoutMsg::Estimated { generation, result } => {
                b.estimate.finish(generation, result);
                // An estimate that lands after the submit still gives the listed session its amount.
                let id = b.result.as_ref().map(|r| r.session.id.clone());
                if let Some((id, e)) = id.zip(b.estimate.value.as_ref()) {
                    let total = e.current_invoice.total;
                    self.own_checkouts.iter_mut().filter(|(_, l)| l.session.id == id).for_each(|(_, l)| {
                        l.amount = l.amount.or(Some(total));
                    });
                }
            }
            CheckoutMsg::Submitted { result } => {
                let ok = result.is_ok();
                b.submitted(result);
                if ok && let Some(r) = &b.result {
                    // The provider's estimate came with the session (Zenskar) or the live one stands.
                    if r.session.estimate.is_none() && b.estimate.value.is_none() {
                        b.notice = Some("No estimate for this session".into());
                    }
                    let estimate = r.session.estimate.as_ref().or(b.estimate.value.as_ref());
                    let amount = estimate.map(|e| e.current_invoice.total);
                    let (slot, session) = (b.slot, r.session.clone());
                    self.remember_checkout(slot, &session, amount);
                    return vec![Effect::PollCheckout { slot, id: session.id }];
                }
            }
            CheckoutMsg::Polled { .. } | CheckoutMsg::Listed { .. } => {}
            CheckoutMsg::Presets { result } => match result {
                Ok(list) => {
                    let names: Vec<String> =
                        list.into_iter().filter(|p| p.provider == b.provider).map(|p| p.name).collect();
                    if names.is_empty() {
                        b.notice = Some(format!("No saved {} presets yet: Ctrl-P saves this form", b.provider));
                    } else {
                        self.push(Dialog::PresetLoad { names, selected: 0 });
                    }
                }
                Err(e) => b.notice = Some(e),
            },
            CheckoutMsg::PresetLoaded { name, result } => {
                match result {
                    Ok(Some(preset)) => {
                        b.apply_preset(&preset);
                        b.notice = Some(format!("Loaded preset {name:?}"));
                    }
                    Ok(None) => b.notice = Some(format!("No preset {name:?}")),
                    Err(e) => b.notice = Some(e),
                }
                // Revalidate and refresh the preview through the same path as typing.
                return self.checkout_changed();
            }
            CheckoutMsg::PresetSaved { result } => b.notice = Some(result.unwrap_or_else(|e| e)),
        }
        Vec::new()
    }

    /// A status poll came back, for the open result or a session watched in the background:
    /// once paid, the customer's subscriptions reload and the status bar says so.
    fn polled(&mut self, id: &str, result: Result<CheckoutSession, ProviderError>) -> Vec<Effect> {
        let now = self.now;
        let (slot, session, was_final) = if let Some(b) = self.checkout_mut()
            && let Some(r) = b.result.as_mut().filter(|r| r.session.id == id)
        {
            r.checked_at = Some(now);
            let was_final = finished(&r.session);
            match result {
                Ok(s) => {
                    r.poll_error = None;
                    merge_status(&mut r.session, s);
                    r.polling = !finished(&r.session);
                    (b.slot, r.session.clone(), was_final)
                }
                Err(e) => {
                    r.poll_error = Some(e.to_string());
                    return Vec::new();
                }
            }
        } else if let Some(i) = self.watching.iter().position(|(_, s)| s.id == id) {
            let Ok(s) = result else { return Vec::new() };
            merge_status(&mut self.watching[i].1, s);
            let (slot, session) = self.watching[i].clone();
            if finished(&session) {
                self.watching.remove(i);
            }
            (slot, session, false)
        } else {
            return vec![Effect::StopPolling { id: id.to_string() }];
        };
        self.record_checkout(slot, &session);
        if !finished(&session) {
            return Vec::new();
        }
        // A reopened session that had already finished: nothing new to announce.
        if was_final {
            return vec![Effect::StopPolling { id: id.to_string() }];
        }
        let mut effects = vec![Effect::StopPolling { id: id.to_string() }];
        if session.status == CheckoutStatus::Complete
            && let Some(customer) = session.customer_id.clone()
        {
            let name = self.slots[slot as usize]
                .customers
                .position(&customer)
                .and_then(|row| self.slots[slot as usize].customers.rows.get(row))
                .map_or_else(|| customer.clone(), |c| c.display_name().to_string());
            self.notify(format!("{name} paid · checkout {id} complete; their subscriptions are reloading"));
            self.details.remove(&(slot, customer.clone()));
            if let Some(s) = self.slots.get_mut(slot as usize) {
                s.customers.summaries.written(&customer);
            }
            if self.slots[slot as usize].customers.position(&customer).is_none() {
                effects.push(Effect::FindCustomer { slot, id: customer });
            }
            effects.extend(self.ensure_loaded());
        } else if self.checkout().is_none() {
            self.notify(format!("Checkout {id} {}", format!("{:?}", session.status).to_lowercase()));
        }
        effects
    }

    /// Plans arrived while the builder was open: fill its pickers.
    pub(crate) fn checkout_catalog_arrived(&mut self, slot: u8) -> Vec<Effect> {
        let plans = self.slots[slot as usize].plans.value.clone().unwrap_or_default();
        match self.checkout_mut() {
            Some(b) if b.slot == slot => b.set_catalog(&plans),
            _ => return Vec::new(),
        }
        self.checkout_changed()
    }

    /// The request the builder would send now, for tests and the `--dry-run` equivalence.
    pub fn checkout_request(&self) -> Option<CheckoutRequest> {
        self.checkout().map(|b| b.request())
    }
}

fn finished(s: &CheckoutSession) -> bool {
    matches!(s.status, CheckoutStatus::Complete | CheckoutStatus::Expired | CheckoutStatus::Canceled)
}

/// Keeps what only the create response had (the URL, the estimate).
fn merge_status(into: &mut CheckoutSession, polled: CheckoutSession) {
    into.status = polled.status;
    // Flowglad returns the URL on every read; Kelviq only at creation.
    into.url = into.url.take().or(polled.url);
    into.raw_status = polled.raw_status;
    into.subscription_id = polled.subscription_id.or(into.subscription_id.take());
    into.customer_id = polled.customer_id.or(into.customer_id.take());
    into.expires_at = polled.expires_at.or(into.expires_at);
}
