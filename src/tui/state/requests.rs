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
}

impl RequestsState {
    pub fn replace(&mut self, mut entries: Vec<Exchange>) {
        let selected_id = self.entries.get(self.selected).map(|e| e.id);
        entries.reverse();
        self.entries = entries;
        self.selected = selected_id.and_then(|id| self.entries.iter().position(|e| e.id == id)).unwrap_or(0);
    }

    pub fn selected(&self) -> Option<&Exchange> {
        self.entries.get(self.selected)
    }

    pub fn navigate(&mut self, action: Action, height: usize) {
        let len = self.entries.len();
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
