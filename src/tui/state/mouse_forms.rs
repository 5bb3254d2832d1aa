//! Clicks in the checkout form, the command palette and the preset list. As in `mouse.rs`,
//! a click becomes the actions keys give (`NextField`/`PrevField` as Tab and Shift-Tab, `Up`,
//! `Down`, `Left`, `Right`, `Toggle`, `Choose`) and hit-tests with the geometry the view draws
//! with: `checkout::form_layout` for the form's lines, `layout` for the boxes.
//!
//! `Choose` is the one key here that does something in a dialog that moves money, and only
//! where it cannot: on a picker's option it picks the option, and in the preset list it loads
//! a preset into the form. Nothing here asks for `Confirm`; a click on the Submit button only
//! says that Ctrl-S submits. `tests/mouse.rs` clicks every cell of every provider's form.

use ratatui::layout::{Position, Rect};

use super::checkout::fields::Input;
use super::checkout::form_layout::{FormRow, form_lines, matching};
use super::mouse::inner;
use super::{AppState, Dialog, Effect};
use crate::tui::action::Action;
use crate::tui::layout;

impl AppState {
    /// A click in the checkout form (`view/checkout.rs`): a field's line focuses it (a second
    /// click flips a toggle), an option of the open picker is picked as Enter picks it, a list
    /// row takes the cursor. The estimate and the request preview take no clicks.
    pub(super) fn click_checkout(&mut self, at: Position) -> Vec<Effect> {
        let Some(Dialog::Checkout(b)) = self.top() else { return Vec::new() };
        if b.result.is_some() {
            return Vec::new();
        }
        let (form, _, _) = layout::checkout_panes(layout::checkout_area(self.screen()));
        let inside = inner(form);
        if !inside.contains(at) {
            return Vec::new();
        }
        let lines = form_lines(b, usize::from(inside.width));
        let Some(line) = lines.line_at(at.y - inside.y, inside.width, inside.height) else { return Vec::new() };
        let column = (line.height(inside.width) == 1).then(|| line.list_column_at(at.x - inside.x)).flatten();
        let (row, focus, submit) = (line.row, b.focus, b.fields.len());
        let toggle = matches!(b.fields.get(focus).map(|f| &f.input), Some(Input::Toggle(_)));
        match row {
            FormRow::Field(i) | FormRow::Message(i) if i != focus => self.focus_field(i),
            FormRow::Field(_) if toggle => self.mouse_action(Action::Toggle),
            FormRow::Submit if focus != submit => self.focus_field(submit),
            FormRow::Submit => {
                // As Enter there: say which key submits, and submit nothing.
                if let Some(b) = self.checkout_mut() {
                    b.notice = Some("Ctrl-S creates the checkout session (a click never submits)".into());
                }
                Vec::new()
            }
            FormRow::Option(i) => self.pick_option(i),
            FormRow::ListRow(r) => self.click_list_row(r, column),
            FormRow::Field(_) | FormRow::Message(_) | FormRow::Other => Vec::new(),
        }
    }

    /// Moves the form's focus to field `target` (the Submit button after the last) the short
    /// way round, as Tab and Shift-Tab move it.
    fn focus_field(&mut self, target: usize) -> Vec<Effect> {
        let Some((focus, count)) = self.checkout().map(|b| (b.focus, b.fields.len() + 1)) else { return Vec::new() };
        let ahead = (target + count - focus % count) % count;
        let (action, times) =
            if ahead <= count / 2 { (Action::NextField, ahead) } else { (Action::PrevField, count - ahead) };
        let mut effects = Vec::new();
        for _ in 0..times {
            effects.extend(self.mouse_action(action));
        }
        effects
    }

    /// Option `index` of the focused picker: the highlight walks there, then Enter picks it.
    fn pick_option(&mut self, index: usize) -> Vec<Effect> {
        let target = match self.checkout().and_then(|b| b.fields.get(b.focus)).map(|f| &f.input) {
            Some(Input::Pick { options, query, .. }) => matching(options, query).iter().position(|&i| i == index),
            _ => None,
        };
        let Some(target) = target else { return Vec::new() };
        let mut effects = self.walk_to(target, pick_cursor, false);
        if pick_cursor(self) == Some(target) {
            effects.extend(self.mouse_action(Action::Choose));
        }
        effects
    }

    /// Row `row` of the focused list editor, and the cell's column when the line is one row.
    fn click_list_row(&mut self, row: usize, column: Option<usize>) -> Vec<Effect> {
        let mut effects = self.walk_to(row, rows_cursor, false);
        let Some(target) = column else { return effects };
        for _ in 0..3 {
            let action = match rows_column(self) {
                Some(c) if c < target => Action::Right,
                Some(c) if c > target => Action::Left,
                _ => break,
            };
            effects.extend(self.mouse_action(action));
        }
        effects
    }

    /// A click in the command palette (`view/overlays.rs::palette`): an entry is selected, a
    /// click on the selected entry runs it as Enter does. The input line takes no clicks.
    pub(super) fn click_palette(&mut self, at: Position) -> Vec<Effect> {
        let Some(Dialog::Palette(p)) = self.top() else { return Vec::new() };
        let count = self.palette_suggestions(&p.input).len();
        let rect = layout::palette_area(self.screen(), count);
        match list_row(inner(rect), at, 1, count.min(usize::from(rect.height.saturating_sub(3)))) {
            Some(i) => self.walk_to(i, palette_cursor, true),
            None => Vec::new(),
        }
    }

    /// A click in the preset list (`view/checkout.rs::prompt`): a preset is selected, a click
    /// on the selected one loads it into the form as Enter does (the form still waits for
    /// Ctrl-S).
    pub(super) fn click_preset(&mut self, at: Position) -> Vec<Effect> {
        let Some(Dialog::PresetLoad { names, .. }) = self.top() else { return Vec::new() };
        let rect = layout::prompt_area(layout::checkout_area(self.screen()), names.len());
        match list_row(inner(rect), at, 0, names.len()) {
            Some(i) => self.walk_to(i, preset_cursor, true),
            None => Vec::new(),
        }
    }

    /// `Choose` from a click cannot move money here although a money dialog is open: on an
    /// option of a checkout picker (it picks the option) and in the preset list (loading a
    /// preset fills the form, which still takes Ctrl-S).
    pub(super) fn choose_is_harmless(&self) -> bool {
        match self.top() {
            Some(Dialog::PresetLoad { .. }) => true,
            Some(Dialog::Checkout(b)) => {
                b.result.is_none() && b.fields.get(b.focus).is_some_and(|f| matches!(f.input, Input::Pick { .. }))
            }
            _ => false,
        }
    }
}

/// The entry of a one-line-per-entry list drawn in `inside` from its line `first`, of `len`.
fn list_row(inside: Rect, at: Position, first: u16, len: usize) -> Option<usize> {
    if !inside.contains(at) {
        return None;
    }
    let index = usize::from((at.y - inside.y).checked_sub(first)?);
    (index < len).then_some(index)
}

/// The focused picker's highlight, as a position among the options its filter shows.
fn pick_cursor(s: &AppState) -> Option<usize> {
    let b = s.checkout()?;
    match &b.fields.get(b.focus)?.input {
        Input::Pick { options, query, highlight, .. } => {
            Some(matching(options, query).iter().position(|i| i == highlight).unwrap_or(0))
        }
        _ => None,
    }
}

fn rows_cursor(s: &AppState) -> Option<usize> {
    let b = s.checkout()?;
    match &b.fields.get(b.focus)?.input {
        Input::Rows { cursor, .. } => Some(*cursor),
        _ => None,
    }
}

fn rows_column(s: &AppState) -> Option<usize> {
    let b = s.checkout()?;
    match &b.fields.get(b.focus)?.input {
        Input::Rows { column, .. } => Some(*column),
        _ => None,
    }
}

fn palette_cursor(s: &AppState) -> Option<usize> {
    match s.top() {
        Some(Dialog::Palette(p)) => Some(p.selected),
        _ => None,
    }
}

fn preset_cursor(s: &AppState) -> Option<usize> {
    match s.top() {
        Some(Dialog::PresetLoad { selected, .. }) => Some(*selected),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn list_rows_start_below_the_first_lines_and_stop_at_the_end() {
        let inside = Rect::new(10, 5, 30, 6);
        assert_eq!(list_row(inside, Position::new(12, 5), 1, 9), None, "the input line");
        assert_eq!(list_row(inside, Position::new(12, 6), 1, 9), Some(0));
        assert_eq!(list_row(inside, Position::new(12, 5), 0, 9), Some(0));
        assert_eq!(list_row(inside, Position::new(12, 8), 0, 3), None, "past the last entry");
        assert_eq!(list_row(inside, Position::new(9, 6), 0, 9), None, "left of the box");
    }
}
