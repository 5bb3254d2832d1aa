//! The checkout-sessions list (`N`, `:checkout sessions`): this console's sessions and the
//! provider's own (Kelviq, Flowglad), newest first. Enter reopens one in the checkout result
//! view, with its URL and QR code, and keeps watching it until paid or expired.

use std::collections::HashMap;

use super::checkout::{CheckoutBuilder, CheckoutResult};
use super::{AppState, Dialog, Effect};
use crate::billing::{CheckoutListing, CheckoutSession};
use crate::ops::checkout::sessions;
use crate::tui::action::Action;

/// How many of a provider's newest sessions the list asks for.
pub const LIST_LIMIT: u32 = 50;

/// The open list.
#[derive(Debug, Default)]
pub struct SessionsState {
    /// The providers shown: the tab's, or every one on All.
    pub slots: Vec<u8>,
    pub rows: Vec<(u8, CheckoutListing)>,
    pub selected: usize,
    /// Providers whose list is still on its way.
    pub loading: Vec<u8>,
    /// Per provider: "not offered by …" or the error of its list.
    pub notes: Vec<String>,
    listed: HashMap<u8, Vec<CheckoutListing>>,
    pub control: super::listing::ListControl,
}

impl SessionsState {
    /// The rows shown, filtered and sorted: indexes into `rows`.
    pub fn visible(&self) -> Vec<usize> {
        self.control.visible(&self.rows)
    }

    pub fn selected_row(&self) -> Option<&(u8, CheckoutListing)> {
        self.visible().get(self.selected).and_then(|&i| self.rows.get(i))
    }
}

impl AppState {
    /// Opens the list for the current tab's providers and asks those that have a list.
    pub fn open_checkout_sessions(&mut self) -> Vec<Effect> {
        let mut state = SessionsState { slots: self.tab_slots(self.tab), ..SessionsState::default() };
        let mut effects = Vec::new();
        for &slot in &state.slots {
            let s = &self.slots[slot as usize];
            if s.caps.checkout_list {
                state.loading.push(slot);
                effects.push(Effect::ListCheckouts { slot });
            } else {
                state.notes.push(format!(
                    "{}: listing sessions is not offered by {}; this console's are shown",
                    s.kind, s.kind
                ));
            }
        }
        self.push(Dialog::CheckoutSessions(Box::new(state)));
        self.rebuild_sessions();
        effects
    }

    /// A provider's list arrived.
    pub(crate) fn sessions_listed(&mut self, slot: u8, result: Result<Vec<CheckoutListing>, String>) {
        let kind = self.slots.get(slot as usize).map(|s| s.kind);
        let Some(state) = self.sessions_mut() else { return };
        state.loading.retain(|s| *s != slot);
        match result {
            Ok(list) => {
                state.listed.insert(slot, list);
            }
            Err(e) => state.notes.push(format!("{}: {e}", kind.map_or("?", |k| k.display_name()))),
        }
        self.rebuild_sessions();
    }

    fn sessions_mut(&mut self) -> Option<&mut SessionsState> {
        self.dialogs
            .iter_mut()
            .rev()
            .find_map(|d| if let Dialog::CheckoutSessions(s) = d { Some(&mut **s) } else { None })
    }

    /// Rows from this console's sessions and each provider's list, keeping the selection.
    fn rebuild_sessions(&mut self) {
        let own = self.own_checkouts.clone();
        let Some(state) = self.sessions_mut() else { return };
        let keep = state.selected_row().map(|(_, l)| l.session.id.clone());
        let mut rows = Vec::new();
        for &slot in &state.slots {
            let mine: Vec<CheckoutListing> = own.iter().filter(|(s, _)| *s == slot).map(|(_, l)| l.clone()).collect();
            let listed = state.listed.get(&slot).map_or(&[][..], Vec::as_slice);
            rows.extend(sessions::merge(&mine, listed).into_iter().map(|l| (slot, l)));
        }
        rows.sort_by_key(|r| std::cmp::Reverse(r.1.created_at));
        state.rows = rows;
        let visible = state.visible();
        state.selected = keep
            .and_then(|id| visible.iter().position(|&i| state.rows[i].1.session.id == id))
            .unwrap_or(0)
            .min(visible.len().saturating_sub(1));
    }

    /// Keeps this console's record of a session current (created, polled, fetched).
    pub(crate) fn record_checkout(&mut self, slot: u8, session: &CheckoutSession) {
        if let Some((_, l)) = self.own_checkouts.iter_mut().find(|(s, l)| *s == slot && l.session.id == session.id) {
            l.session.status = session.status;
            l.session.raw_status = session.raw_status.clone();
            l.session.url = l.session.url.take().or_else(|| session.url.clone());
            l.session.expires_at = session.expires_at.or(l.session.expires_at);
        }
        if let Some(state) = self.sessions_mut() {
            for l in state.listed.values_mut().flatten().filter(|l| l.session.id == session.id) {
                l.session.status = session.status;
                l.session.raw_status = session.raw_status.clone();
            }
        }
        self.rebuild_sessions();
    }

    /// A session this console created, for the list.
    pub(crate) fn remember_checkout(
        &mut self,
        slot: u8,
        session: &CheckoutSession,
        amount: Option<crate::billing::Money>,
    ) {
        let customer = session.customer_id.as_deref().and_then(|id| {
            let store = &self.slots.get(slot as usize)?.customers;
            store.position(id).and_then(|row| store.rows.get(row))
        });
        let listing = CheckoutListing {
            session: session.clone(),
            customer_name: customer.and_then(|c| c.name.map(str::to_string)),
            customer_email: customer.and_then(|c| c.email.map(str::to_string)),
            amount,
            created_at: Some(self.now),
        };
        self.own_checkouts.push((slot, listing));
    }

    pub(crate) fn sessions_action(&mut self, action: Action) -> Vec<Effect> {
        let Some(Dialog::CheckoutSessions(state)) = self.dialogs.last_mut() else { return Vec::new() };
        let columns = <(u8, CheckoutListing) as super::listing::Tabular>::columns().len();
        if super::listing::list_key(&mut state.control, &mut state.selected, action, columns) {
            return Vec::new();
        }
        let url = state.selected_row().and_then(|(_, l)| l.session.url.clone());
        match action {
            Action::Back => {
                self.pop();
                Vec::new()
            }
            Action::Refresh => {
                self.pop();
                self.open_checkout_sessions()
            }
            Action::Choose => match state.selected_row().cloned() {
                Some((slot, listing)) => self.reopen_checkout(slot, listing.session),
                None => Vec::new(),
            },
            Action::Copy => match url {
                Some(u) => {
                    self.notify("Copied the checkout URL (OSC 52)");
                    vec![Effect::Copy(u)]
                }
                None => {
                    self.notify("No URL for this session: its provider returns one only at creation");
                    Vec::new()
                }
            },
            Action::Open => url.map(Effect::Open).into_iter().collect(),
            nav => {
                if let Some(delta) = super::movement::nav_delta(nav, 10) {
                    let last = state.visible().len().saturating_sub(1);
                    state.selected = state.selected.saturating_add_signed(delta).min(last);
                }
                Vec::new()
            }
        }
    }

    /// The checkout result view for a listed session, over the list: fetched again at once
    /// (Flowglad's answer carries the URL) and watched until paid or expired.
    fn reopen_checkout(&mut self, slot: u8, session: CheckoutSession) -> Vec<Effect> {
        let Some(kind) = self.slots.get(slot as usize).map(|s| s.kind) else { return Vec::new() };
        // One tracker per session: the result view polls it while open, the watch list after.
        self.watching.retain(|(_, s)| s.id != session.id);
        let polling = !session.status.is_final();
        let id = session.id.clone();
        let mut b = CheckoutBuilder::new(slot, kind, &[], None, None);
        b.reopened = true;
        b.result = Some(CheckoutResult { session, polling, checked_at: None, poll_error: None });
        self.push(Dialog::Checkout(Box::new(b)));
        let mut effects = vec![Effect::FetchCheckout { slot, id: id.clone() }];
        if polling {
            effects.push(Effect::PollCheckout { slot, id });
        }
        effects
    }
}
