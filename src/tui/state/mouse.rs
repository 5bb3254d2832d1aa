//! Clicks and the wheel. A mouse event becomes the actions a key would produce (`Up`, `Down`,
//! `NextPane`, `GoTab`, `Choose`) and goes through `handle_action`, so every invariant of the
//! keys holds for the mouse too. Above all: **a click never confirms.** No mouse event yields
//! `Action::Confirm`, and in the dialogs that move money (change, cancel, checkout and their
//! prompts) a click only moves the highlight or the focus, never even `Choose`, except where
//! `Choose` moves no money (a checkout picker's option, the preset list: `mouse_forms.rs`).
//!
//! Hit-testing uses the view's geometry: `layout::areas` for the panes, and the same borders,
//! header rows and scroll offsets the view draws with (`view/*.rs`); `tests/mouse.rs` clicks on
//! text found in the drawn buffer to keep the two in agreement.

use std::cmp::Ordering;

use chrono::{DateTime, Utc};
use crossterm::event::{MouseButton, MouseEventKind};
use ratatui::layout::{Position, Rect};

use super::change::Step;
use super::detail::{DetailLine, DetailState};
use super::{AppState, Dialog, Effect, Pane};
use crate::tui::action::Action;
use crate::tui::layout;

/// Rows one wheel notch moves.
pub const WHEEL_ROWS: usize = 3;

/// Below this the view only asks for a bigger terminal (`view::MIN_SIZE`): nothing to click.
const MIN_SIZE: (u16, u16) = (60, 16);

/// Bounds a walk of Up/Down toward a clicked row (a screen is far shorter).
const MAX_STEPS: usize = 1_000;

/// Mouse events the console acts on; the rest (moves, drags, releases, other buttons) are
/// dropped before they cost a redraw.
pub fn matters(kind: MouseEventKind) -> bool {
    matches!(kind, MouseEventKind::Down(MouseButton::Left) | MouseEventKind::ScrollUp | MouseEventKind::ScrollDown)
}

/// Reads the selection a walk of Up/Down moves.
type Cursor = fn(&AppState) -> Option<usize>;

impl AppState {
    /// A mouse event at cell (`column`, `row`) at `now`. Pure, like `handle_key`.
    pub fn handle_mouse(&mut self, kind: MouseEventKind, column: u16, row: u16, now: DateTime<Utc>) -> Vec<Effect> {
        self.now = now;
        if !matters(kind) || self.size.0 < MIN_SIZE.0 || self.size.1 < MIN_SIZE.1 {
            return Vec::new();
        }
        let at = Position::new(column, row);
        match kind {
            MouseEventKind::ScrollUp => self.wheel(at, Action::Up),
            MouseEventKind::ScrollDown => self.wheel(at, Action::Down),
            _ if self.dialogs.is_empty() => self.click_panes(at),
            _ => self.click_dialog(at),
        }
    }

    /// One action, as a key would give it. The mouse's only way into the state.
    pub(super) fn mouse_action(&mut self, action: Action) -> Vec<Effect> {
        // Defence in depth: nothing asks for these, and nothing may (`Choose` only where
        // `choose_is_harmless` says it moves no money).
        let choose_blocked = self.money_dialog_open() && !self.choose_is_harmless();
        if action == Action::Confirm || (action == Action::Choose && choose_blocked) {
            return Vec::new();
        }
        self.handle_action(action)
    }

    /// A dialog that creates or changes something the customer pays for is open (anywhere in
    /// the stack): clicks may move its highlight, nothing more.
    fn money_dialog_open(&self) -> bool {
        self.dialogs.iter().any(|d| {
            matches!(
                d,
                Dialog::Change(_)
                    | Dialog::Cancel(_)
                    | Dialog::Checkout(_)
                    | Dialog::LiveConfirm(_)
                    | Dialog::Discard { .. }
                    | Dialog::PresetSave(_)
                    | Dialog::PresetLoad { .. }
            )
        })
    }

    pub(super) fn screen(&self) -> Rect {
        Rect::new(0, 0, self.size.0, self.size.1)
    }

    fn wheel(&mut self, at: Position, action: Action) -> Vec<Effect> {
        let scrolls = match self.top() {
            None => return self.wheel_panes(at, action),
            Some(Dialog::Help { .. } | Dialog::Detail(_) | Dialog::Palette(_) | Dialog::PresetLoad { .. }) => true,
            Some(
                Dialog::Requests(_)
                | Dialog::Invoices(_)
                | Dialog::Audit { .. }
                | Dialog::CheckoutSessions(_)
                | Dialog::Events(_),
            ) => self.top().and_then(Dialog::list_control).is_some_and(|c| !c.editing),
            // The review of a change or cancellation scrolls; its options only move the highlight.
            Some(Dialog::Change(_)) => true,
            Some(Dialog::Cancel(f)) => f.step == Step::Choose,
            // A wheel over a form would change a picked value unseen: it does nothing there.
            Some(_) => false,
        };
        let mut effects = Vec::new();
        if scrolls {
            for _ in 0..WHEEL_ROWS {
                effects.extend(self.mouse_action(action));
            }
        }
        effects
    }

    /// The pane under the pointer (else the focused one) takes focus and moves 3 rows. The
    /// customers list moves as a 3-row key would, with one `ensure_loaded` for the row it
    /// lands on rather than one per row passed.
    fn wheel_panes(&mut self, at: Position, action: Action) -> Vec<Effect> {
        let pane = self.pane_at(at).unwrap_or(self.focus);
        let mut effects = self.focus_pane(pane);
        if self.focus != pane {
            return effects;
        }
        if pane == Pane::Customers {
            self.notice = None;
            let (len, height) = (self.row_count(), self.page_height(Pane::Customers));
            let rows = isize::try_from(WHEEL_ROWS).unwrap_or(1);
            self.views[self.tab].move_by(if action == Action::Up { -rows } else { rows }, len, height);
            effects.extend(self.ensure_loaded());
            return effects;
        }
        for _ in 0..WHEEL_ROWS {
            effects.extend(self.mouse_action(action));
        }
        effects
    }

    /// The pane drawn at `at`, if any.
    fn pane_at(&self, at: Position) -> Option<Pane> {
        let areas = layout::areas(self.screen(), self.compact(), self.focus);
        Pane::ALL.into_iter().find(|&p| areas.pane(p).is_some_and(|r| r.contains(at)))
    }

    /// Focus moves with NextPane, as Tab moves it.
    fn focus_pane(&mut self, pane: Pane) -> Vec<Effect> {
        let mut effects = Vec::new();
        for _ in 0..Pane::ALL.len() {
            if self.focus == pane {
                break;
            }
            effects.extend(self.mouse_action(Action::NextPane));
        }
        effects
    }

    /// Walks the selection with Up/Down until `cursor` reads `target` (or stops moving). A
    /// click on the row already selected is Enter when `enter` says Enter is safe there.
    pub(super) fn walk_to(&mut self, target: usize, cursor: Cursor, enter: bool) -> Vec<Effect> {
        if cursor(self) == Some(target) {
            return if enter { self.mouse_action(Action::Choose) } else { Vec::new() };
        }
        let mut effects = Vec::new();
        for _ in 0..MAX_STEPS {
            let Some(at) = cursor(self) else { break };
            let action = match at.cmp(&target) {
                Ordering::Less => Action::Down,
                Ordering::Greater => Action::Up,
                Ordering::Equal => break,
            };
            effects.extend(self.mouse_action(action));
            if cursor(self) == Some(at) {
                break;
            }
        }
        effects
    }

    fn click_panes(&mut self, at: Position) -> Vec<Effect> {
        let areas = layout::areas(self.screen(), self.compact(), self.focus);
        if areas.tabs.contains(at) {
            return match self.tab_at(at.x) {
                Some(t) => self.mouse_action(Action::GoTab(u8::try_from(t).unwrap_or(u8::MAX))),
                None => Vec::new(),
            };
        }
        if let Some(r) = areas.pane_tabs.filter(|r| r.contains(at)) {
            return match pane_tab_at(at.x.saturating_sub(r.x)) {
                Some(p) => self.focus_pane(p),
                None => Vec::new(),
            };
        }
        let Some(pane) = self.pane_at(at) else { return Vec::new() };
        let Some(rect) = areas.pane(pane) else { return Vec::new() };
        let was_focused = self.focus == pane;
        let mut effects = self.focus_pane(pane);
        if self.focus != pane {
            return effects;
        }
        effects.extend(match pane {
            Pane::Customers => self.click_customer(rect, at, was_focused),
            Pane::Subscriptions => {
                let len = self.selected_details().and_then(|d| d.subscriptions.value.as_ref()).map_or(0, Vec::len);
                let target = table_row(inner(rect), at, self.sub_selected, len);
                target.map_or_else(Vec::new, |t| self.walk_to(t, |s| Some(s.sub_selected), was_focused))
            }
            Pane::Plans => {
                let target = table_row(inner(rect), at, self.plan_selected, self.shown_plans().len());
                target.map_or_else(Vec::new, |t| self.walk_to(t, |s| Some(s.plan_selected), was_focused))
            }
            // Lines of varying height and no selection: a click focuses it, the wheel scrolls it.
            Pane::Entitlements => Vec::new(),
        });
        effects
    }

    /// The tab whose label is drawn at column `x` (labels " 1 All ", " 2 Kelviq ! " and "│").
    fn tab_at(&self, x: u16) -> Option<usize> {
        let mut left = 0usize;
        for t in 0..self.views.len() {
            let width = self.tab_label(t, self.screen().width).chars().count();
            if (left..left + width).contains(&usize::from(x)) {
                return Some(t);
            }
            left += width + 1;
        }
        None
    }

    /// The customers table: rows below the header, from the view's offset. The row is chosen
    /// as `:customer` chooses one (`select` then `ensure_loaded`), not by a walk of Down keys,
    /// which would load the details of every customer passed on the way.
    fn click_customer(&mut self, rect: Rect, at: Position, was_focused: bool) -> Vec<Effect> {
        let count = self.row_count();
        let view = &self.views[self.tab];
        let reserved = u16::from(view.filter.editing || view.filter.active()) + u16::from(self.customers_footer());
        let inner = inner(rect);
        let table = Rect { height: inner.height.saturating_sub(reserved), ..inner };
        let start = view.offset.min(count.saturating_sub(1));
        let Some(index) = table_row(table, at, start, count) else { return Vec::new() };
        if index == view.selected {
            return if was_focused { self.mouse_action(Action::Choose) } else { Vec::new() };
        }
        self.notice = None;
        let height = self.page_height(Pane::Customers);
        self.views[self.tab].select(index, count, height);
        self.ensure_loaded()
    }

    /// The customers pane's footer line is drawn (`view/customers.rs::footer_line`): some
    /// provider of the tab failed but not all, or a further page is loading.
    fn customers_footer(&self) -> bool {
        let slots = self.tab_slots(self.tab);
        let stores = || slots.iter().map(|&s| &self.slots[s as usize].customers);
        let failed = stores().filter(|c| c.error.is_some()).count();
        (failed > 0 && failed < slots.len()) || stores().any(|c| c.loading && c.loaded_once)
    }

    fn click_dialog(&mut self, at: Position) -> Vec<Effect> {
        let overlay = inner(Rect::new(0, 1, self.size.0, self.size.1.saturating_sub(2)));
        if !overlay.contains(at) || self.top().and_then(Dialog::list_control).is_some_and(|c| c.editing) {
            return Vec::new();
        }
        match self.top() {
            Some(Dialog::Requests(r)) if !r.detail => {
                let target = table_row(overlay, at, r.offset, r.visible().len());
                target.map_or_else(Vec::new, |t| self.walk_to(t, requests_cursor, true))
            }
            Some(Dialog::Invoices(i)) => {
                let len = if i.list.value.is_some() { i.visible().len() } else { 0 };
                let target = table_row(overlay, at, i.offset, len);
                target.map_or_else(Vec::new, |t| self.walk_to(t, invoices_cursor, true))
            }
            Some(Dialog::Audit { .. }) => match self.audit_row(overlay, at) {
                Some(t) => self.walk_to(t, audit_cursor, true),
                None => Vec::new(),
            },
            Some(Dialog::CheckoutSessions(s)) => {
                match overlay_list_row(overlay, at, s.notes.len() + 1, s.selected, s.visible().len()) {
                    Some(t) => self.walk_to(t, sessions_cursor, true),
                    None => Vec::new(),
                }
            }
            Some(Dialog::Events(e)) => {
                let (visible, above) = (e.visible().len(), e.note_lines().len() + 1);
                match overlay_list_row(overlay, at, above, e.selected, visible) {
                    Some(t) => self.walk_to(t, events_cursor, true),
                    None => Vec::new(),
                }
            }
            Some(Dialog::Detail(d)) if !d.show_json => match detail_line_at(d, overlay, at) {
                Some(t) => self.walk_to(t, detail_cursor, true),
                None => Vec::new(),
            },
            Some(Dialog::Change(_) | Dialog::Cancel(_)) => self.click_option(at),
            Some(Dialog::Checkout(_)) => self.click_checkout(at),
            Some(Dialog::Palette(_)) => self.click_palette(at),
            Some(Dialog::PresetLoad { .. }) => self.click_preset(at),
            _ => Vec::new(),
        }
    }

    /// The audit entry drawn at `at`: after the note line (if any), one line per entry from
    /// the top entry, plus one under each that failed with an error.
    fn audit_row(&self, inner: Rect, at: Position) -> Option<usize> {
        let Some(Dialog::Audit { entries, offset, control, note, .. }) = self.top() else { return None };
        let visible = control.visible(entries);
        let top = (*offset).min(visible.len().saturating_sub(1));
        let mut y = usize::from(inner.y) + usize::from(note.is_some());
        let bottom = usize::from(inner.y) + usize::from(inner.height);
        for (n, entry) in visible.iter().filter_map(|&i| entries.get(i)).enumerate().skip(top) {
            let lines = 1 + usize::from(entry.error.is_some());
            if y >= bottom {
                break;
            }
            if (y..y + lines).contains(&usize::from(at.y)) {
                return Some(n);
            }
            y += lines;
        }
        None
    }

    /// An option of the change or cancel dialog's current step (`view/change.rs`): the steps
    /// line, a blank line and the question come first; the body may be scrolled.
    fn click_option(&mut self, at: Position) -> Vec<Effect> {
        let area = Rect::new(0, 1, self.size.0, self.size.1.saturating_sub(2));
        let inner = inner(change_dialog_area(area));
        if !inner.contains(at) {
            return Vec::new();
        }
        // (options, lines under them, body scroll, the highlight)
        let (count, after, scroll, cursor): (usize, usize, usize, Cursor) = match self.top() {
            Some(Dialog::Change(f)) => match f.step {
                Step::Choose => (f.options.len(), 0, f.body_scroll, |s| s.change().map(|f| f.plan_idx)),
                Step::Period => {
                    let hint = usize::from(f.periods.len() == 1);
                    (f.periods.len(), hint, f.body_scroll, |s| s.change().map(|f| f.period_idx))
                }
                Step::Timing => {
                    let hint = usize::from(f.timings.len() == 1);
                    (f.timings.len(), hint, f.body_scroll, |s| s.change().map(|f| f.timing_idx))
                }
                _ => return Vec::new(),
            },
            Some(Dialog::Cancel(f)) if f.step == Step::Choose => {
                (f.choices.len(), usize::from(f.date_error.is_some()), 0, |s| s.cancel().map(|f| f.idx))
            }
            _ => return Vec::new(),
        };
        // The body as `render_dialog` lays it out: a body taller than the box scrolls, with the
        // last row kept for a "more lines" note.
        let room = usize::from(inner.height);
        let needed = 3 + count + after;
        let (shown, scroll) = if needed > room { (room - 1, scroll.min(needed - (room - 1))) } else { (room, 0) };
        let line = usize::from(at.y - inner.y);
        if line >= shown {
            return Vec::new();
        }
        match (line + scroll).checked_sub(3).filter(|&i| i < count) {
            Some(i) => self.walk_to(i, cursor, false),
            None => Vec::new(),
        }
    }
}

/// A bordered block's inside.
pub(super) fn inner(rect: Rect) -> Rect {
    Rect {
        x: rect.x.saturating_add(1),
        y: rect.y.saturating_add(1),
        width: rect.width.saturating_sub(2),
        height: rect.height.saturating_sub(2),
    }
}

/// The row of a table with a header line drawn in `table`, its first data row being row
/// `first` of `len`: `None` on the header, outside, or past the last row.
fn table_row(table: Rect, at: Position, first: usize, len: usize) -> Option<usize> {
    if !table.contains(at) || at.y == table.y {
        return None;
    }
    let index = first + usize::from(at.y - table.y - 1);
    (index < len).then_some(index)
}

/// The pane named at column `x` of the compact layout's pane row (" Customers ·  Plans ").
fn pane_tab_at(x: u16) -> Option<Pane> {
    let mut left = 0usize;
    for p in Pane::ALL {
        let width = p.title().chars().count() + 2;
        if (left..left + width).contains(&usize::from(x)) {
            return Some(p);
        }
        left += width + 1;
    }
    None
}

/// The change and cancel dialogs' box (`view/change.rs::dialog_area`).
fn change_dialog_area(area: Rect) -> Rect {
    let w = area.width.saturating_sub(4).min(90);
    let h = area.height.saturating_sub(2).min(28);
    Rect { x: area.x + (area.width - w) / 2, y: area.y + (area.height - h) / 2, width: w, height: h }
}

/// The detail line drawn at `at` (`view/detail.rs::field_lines`): sections take a line, a
/// field as many as its wrapped value.
fn detail_line_at(d: &DetailState, inner: Rect, at: Position) -> Option<usize> {
    let (_, value_w) = d.columns(usize::from(inner.width));
    let mut y = usize::from(inner.y);
    let bottom = y + usize::from(inner.height);
    for (i, line) in d.lines.iter().enumerate().skip(d.offset) {
        let height = line.rows(value_w);
        if y >= bottom {
            break;
        }
        if (y..y + height).contains(&usize::from(at.y)) {
            return matches!(line, DetailLine::Field { .. }).then_some(i);
        }
        y += height;
    }
    None
}

fn requests_cursor(s: &AppState) -> Option<usize> {
    match s.top() {
        Some(Dialog::Requests(r)) => Some(r.selected),
        _ => None,
    }
}

fn invoices_cursor(s: &AppState) -> Option<usize> {
    match s.top() {
        Some(Dialog::Invoices(i)) => Some(i.selected),
        _ => None,
    }
}

fn audit_cursor(s: &AppState) -> Option<usize> {
    match s.top() {
        Some(Dialog::Audit { entries, offset, control, .. }) => {
            Some((*offset).min(control.visible(entries).len().saturating_sub(1)))
        }
        _ => None,
    }
}

fn events_cursor(s: &AppState) -> Option<usize> {
    match s.top() {
        Some(Dialog::Events(x)) => Some(x.selected),
        _ => None,
    }
}

/// The row of a list drawn as the sessions and events lists are (`above` lines of notes and
/// header, the selection kept on the last line once it scrolls) under `at`.
fn overlay_list_row(overlay: Rect, at: Position, above: usize, selected: usize, visible: usize) -> Option<usize> {
    let height = usize::from(overlay.height).saturating_sub(above + 1).max(1);
    let start = selected.saturating_sub(height - 1);
    let first = overlay.y.saturating_add(u16::try_from(above).unwrap_or(u16::MAX));
    let row = usize::from(at.y).checked_sub(usize::from(first));
    row.filter(|&r| r < height).map(|r| start + r).filter(|&t| t < visible)
}

fn sessions_cursor(s: &AppState) -> Option<usize> {
    match s.top() {
        Some(Dialog::CheckoutSessions(x)) => Some(x.selected),
        _ => None,
    }
}

fn detail_cursor(s: &AppState) -> Option<usize> {
    match s.top() {
        Some(Dialog::Detail(d)) => Some(d.selected),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn wrapped_lines(value: &str, width: usize) -> usize {
        DetailLine::field("", value).rows(width)
    }

    #[test]
    fn wrapped_lines_counts_as_the_detail_view_wraps() {
        // The cases of view/detail.rs's own test: 3, 3 and 1 lines.
        assert_eq!(wrapped_lines("Growth · active · €18.00", 12), 3);
        assert_eq!(wrapped_lines("sub_0123456789abcdef", 8), 3);
        assert_eq!(wrapped_lines("short", 20), 1);
        assert_eq!(wrapped_lines("a\nb", 20), 2);
        assert_eq!(wrapped_lines("", 20), 1);
    }

    #[test]
    fn table_rows_skip_the_header_and_stop_at_the_end() {
        let t = Rect::new(10, 5, 30, 6);
        assert_eq!(table_row(t, Position::new(12, 5), 0, 9), None, "header");
        assert_eq!(table_row(t, Position::new(12, 6), 4, 9), Some(4));
        assert_eq!(table_row(t, Position::new(12, 10), 4, 9), Some(8));
        assert_eq!(table_row(t, Position::new(12, 10), 4, 8), None, "past the last row");
        assert_eq!(table_row(t, Position::new(9, 6), 0, 9), None, "left of the table");
        assert_eq!(table_row(t, Position::new(12, 11), 0, 99), None, "below the table");
    }

    #[test]
    fn pane_row_labels_map_to_panes() {
        // " Customers · Subscriptions · Entitlements · Plans "
        assert_eq!(pane_tab_at(0), Some(Pane::Customers));
        assert_eq!(pane_tab_at(10), Some(Pane::Customers));
        assert_eq!(pane_tab_at(11), None, "the dot between");
        assert_eq!(pane_tab_at(12), Some(Pane::Subscriptions));
        assert_eq!(pane_tab_at(45), Some(Pane::Plans));
        assert_eq!(pane_tab_at(60), None);
    }

    #[test]
    fn only_clicks_and_the_wheel_matter() {
        use crossterm::event::MouseEventKind::*;
        assert!(matters(Down(MouseButton::Left)) && matters(ScrollUp) && matters(ScrollDown));
        for kind in [Moved, Up(MouseButton::Left), Drag(MouseButton::Left), Down(MouseButton::Right), ScrollLeft] {
            assert!(!matters(kind), "{kind:?}");
        }
    }
}
