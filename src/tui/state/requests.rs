//! The request log overlay: newest exchange first, Enter for the full exchange.

use super::Effect;
use super::customers::move_window;
use crate::providers::log::Exchange;
use crate::tui::action::Action;

#[derive(Default)]
pub struct RequestsState {
    /// Newest first.
    pub entries: Vec<Exchange>,
    pub selected: usize,
    pub offset: usize,
    pub detail: bool,
    pub scroll: usize,
    /// Opened from an audit entry: the exchange with this provider request id, shown in full
    /// once the log arrives.
    pub focus_request: Option<String>,
    pub control: super::listing::ListControl,
}

impl RequestsState {
    /// The log, opened on the exchange whose provider request id is `request_id`.
    pub fn focused_on(request_id: &str) -> RequestsState {
        RequestsState { focus_request: Some(request_id.to_string()), ..RequestsState::default() }
    }

    /// The rows shown, filtered and sorted: indexes into `entries`.
    pub fn visible(&self) -> Vec<usize> {
        self.control.visible(&self.entries)
    }

    pub fn replace(&mut self, mut entries: Vec<Exchange>) {
        let selected_id = self.selected().map(|e| e.id);
        entries.reverse();
        self.entries = entries;
        let visible = self.visible();
        self.selected = selected_id.and_then(|id| visible.iter().position(|&i| self.entries[i].id == id)).unwrap_or(0);
        if let Some(wanted) = self.focus_request.take() {
            self.control = super::listing::ListControl::default();
            match self.entries.iter().position(|e| e.request_id.as_deref() == Some(wanted.as_str())) {
                Some(i) => {
                    self.selected = i;
                    self.offset = i;
                    self.detail = true;
                }
                // Older than the log keeps (500 exchanges in memory): say so in the list.
                None => self.focus_request = Some(wanted),
            }
        }
    }

    pub fn selected(&self) -> Option<&Exchange> {
        self.visible().get(self.selected).and_then(|&i| self.entries.get(i))
    }

    pub fn navigate(&mut self, action: Action, height: usize) {
        let len = self.visible().len();
        if self.detail {
            self.scroll = match action {
                Action::Up => self.scroll.saturating_sub(1),
                Action::Down => self.scroll + 1,
                Action::PageUp => self.scroll.saturating_sub(height),
                Action::PageDown => self.scroll + height,
                Action::Top => 0,
                _ => self.scroll,
            };
            return;
        }
        if let Some(delta) = super::movement::nav_delta(action, height.max(1)) {
            move_window(&mut self.selected, &mut self.offset, delta, len, height);
        }
    }

    /// Copy the URL (`y`), copy as curl (`c`) or open the URL (`o`).
    pub fn effect_for(&self, action: Action) -> Option<Effect> {
        let e = self.selected()?;
        Some(match action {
            Action::CopyCurl => Effect::Copy(e.to_curl(&e.key_variable())),
            Action::Open => Effect::Open(e.url.clone()),
            _ => Effect::Copy(e.url.clone()),
        })
    }
}
