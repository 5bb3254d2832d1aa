//! Keys in the checkout form. The focused field owns its keys: typing `q` or `/` types them;
//! only Tab/Shift-Tab, Esc and Ctrl chords move between fields or act on the form.

use super::fields::{FieldId, Input, RowItem};
use super::{CheckoutBuilder, FormOutcome};
use crate::tui::action::Action;
use crate::tui::keymap::Context;
use crate::tui::text;

impl CheckoutBuilder {
    /// Keymap contexts of the form with its focused field, most specific first.
    pub fn contexts(&self) -> Vec<Context> {
        if self.result.is_some() {
            return vec![Context::FormResult, Context::NotTyping, Context::Global];
        }
        match self.fields.get(self.focus).map(|f| &f.input) {
            Some(Input::Text(_)) => vec![Context::FormText, Context::Form, Context::Global],
            Some(Input::Pick { .. }) => vec![Context::FormPick, Context::Form, Context::Global],
            Some(Input::Rows { .. }) => vec![Context::FormRows, Context::Form, Context::Global],
            Some(Input::Toggle(_)) => vec![Context::FormToggle, Context::Form, Context::Global],
            None => vec![Context::FormSubmit, Context::Form, Context::NotTyping, Context::Global],
        }
    }

    /// A key through the keymap, as the console routes it (for unit tests of the form).
    #[cfg(test)]
    pub fn handle_key(&mut self, key: crossterm::event::KeyEvent) -> FormOutcome {
        match crate::tui::keymap::action_for(&key, &self.contexts()) {
            Some(action) => self.handle_action(action),
            None => FormOutcome::Nothing,
        }
    }

    /// An action for the form; field actions go to the focused field.
    pub fn handle_action(&mut self, action: Action) -> FormOutcome {
        match action {
            Action::Confirm => FormOutcome::Submit,
            Action::CopyBody => FormOutcome::CopyBody,
            Action::CopyCurl => FormOutcome::CopyCurl,
            Action::SavePreset => FormOutcome::SavePreset,
            Action::LoadPreset => FormOutcome::LoadPresets,
            Action::Back => FormOutcome::Close,
            Action::NextField => self.move_focus(1),
            Action::PrevField => self.move_focus(-1),
            // Enter on the Submit button says which key submits; it never submits.
            Action::Choose if self.focus >= self.fields.len() => FormOutcome::EnterOnSubmit,
            _ => self.field_action(action),
        }
    }

    fn move_focus(&mut self, delta: isize) -> FormOutcome {
        let n = self.fields.len() as isize + 1; // + the Submit button
        self.focus = (self.focus as isize + delta).rem_euclid(n) as usize;
        FormOutcome::Nothing
    }

    /// Pasted text into the focused text field (or a picker's filter).
    pub fn paste(&mut self, pasted: &str) -> (FormOutcome, Option<String>) {
        let Some(field) = self.fields.get_mut(self.focus) else { return (FormOutcome::Nothing, None) };
        let (changed, report) = match &mut field.input {
            Input::Text(area) => (true, text::paste_area(area, pasted)),
            Input::Pick { query, .. } => (false, text::paste_line(query, pasted)),
            Input::Rows { rows, cursor, column, .. } if *column < 2 => match rows.get_mut(*cursor) {
                Some(row) => (true, text::paste_line(if *column == 0 { &mut row.key } else { &mut row.value }, pasted)),
                None => return (FormOutcome::Nothing, Some("Add a row first (Ctrl-N)".into())),
            },
            _ => return (FormOutcome::Nothing, Some("Paste ignored: this field takes no text".into())),
        };
        let outcome = if changed { self.changed(field_id(self, self.focus), false) } else { FormOutcome::Nothing };
        (outcome, report.notice())
    }

    fn field_action(&mut self, action: Action) -> FormOutcome {
        let Some(field) = self.fields.get_mut(self.focus) else {
            return match action {
                Action::Up => self.move_focus(-1),
                _ => FormOutcome::Nothing,
            };
        };
        let id = field.id;
        let outcome = match &mut field.input {
            Input::Text(area) => match action {
                Action::Text(key) if text::edit_area(area, key) => FieldKey::Changed,
                _ => FieldKey::Nothing,
            },
            Input::Pick { options, selected, query, highlight } => {
                pick_action(options, selected, query, highlight, action)
            }
            Input::Toggle(on) => match action {
                Action::Toggle => {
                    *on = !*on;
                    FieldKey::Changed
                }
                _ => FieldKey::Nothing,
            },
            Input::Rows { rows, cursor, column, with_enabled } => {
                rows_action(rows, cursor, column, *with_enabled, action)
            }
        };
        match outcome {
            FieldKey::Nothing => FormOutcome::Nothing,
            FieldKey::Next => self.move_focus(1),
            FieldKey::Prev => self.move_focus(-1),
            FieldKey::Changed => self.changed(id, false),
            FieldKey::ChangedNext => self.changed(id, true),
        }
    }

    fn changed(&mut self, id: FieldId, next: bool) -> FormOutcome {
        match id {
            FieldId::Plan => self.refresh_dependent(),
            FieldId::CheckoutType => self.arrange(),
            _ => {}
        }
        // A server's complaint about a field no longer applies once the field changed.
        if let Some(f) = self.fields.iter_mut().find(|f| f.id == id) {
            f.server_error = None;
        }
        if next {
            self.move_focus(1);
        }
        FormOutcome::Changed
    }
}

fn field_id(b: &CheckoutBuilder, index: usize) -> FieldId {
    b.fields.get(index).map_or(FieldId::Plan, |f| f.id)
}

#[derive(Debug, PartialEq, Clone, Copy)]
enum FieldKey {
    Nothing,
    Changed,
    ChangedNext,
    Next,
    Prev,
}

/// Type to filter, arrows to move within the matches, Enter to choose, Ctrl-D to clear.
fn pick_action(
    options: &[super::fields::Choice],
    selected: &mut Option<usize>,
    query: &mut String,
    highlight: &mut usize,
    action: Action,
) -> FieldKey {
    let matches = super::form_layout::matching(options, query);
    let pos = matches.iter().position(|i| i == highlight).unwrap_or(0);
    match action {
        Action::Down if pos + 1 < matches.len() => *highlight = matches[pos + 1],
        Action::Up if pos > 0 => *highlight = matches[pos - 1],
        Action::PageDown if !matches.is_empty() => *highlight = matches[(pos + 8).min(matches.len() - 1)],
        Action::PageUp if !matches.is_empty() => *highlight = matches[pos.saturating_sub(8)],
        Action::Top if !matches.is_empty() => *highlight = matches[0],
        Action::Bottom if !matches.is_empty() => *highlight = matches[matches.len() - 1],
        Action::Down => return FieldKey::Next,
        Action::Up => return FieldKey::Prev,
        Action::Choose => {
            let Some(&choice) = matches.get(pos) else { return FieldKey::Nothing };
            query.clear();
            let changed = *selected != Some(choice);
            *selected = Some(choice);
            return if changed { FieldKey::ChangedNext } else { FieldKey::Next };
        }
        Action::DeleteRow if selected.is_some() => {
            *selected = None;
            query.clear();
            return FieldKey::Changed;
        }
        Action::Text(key) if text::edit_line(query, key) => {
            if let Some(i) = options.iter().position(|o| o.matches(query)) {
                *highlight = i;
            }
        }
        _ => {}
    }
    FieldKey::Nothing
}

/// The list editor: Ctrl-N adds a row, Ctrl-D deletes it, ←/→ switch column, ↑/↓ move rows,
/// Space toggles "enabled" in its column; typing edits the cell.
fn rows_action(
    rows: &mut Vec<RowItem>,
    cursor: &mut usize,
    column: &mut usize,
    with_enabled: bool,
    action: Action,
) -> FieldKey {
    let columns = if with_enabled { 3 } else { 2 };
    match action {
        Action::AddRow => {
            rows.push(RowItem { enabled: true, ..RowItem::default() });
            *cursor = rows.len() - 1;
            *column = 0;
            return FieldKey::Changed;
        }
        Action::DeleteRow if *cursor < rows.len() => {
            rows.remove(*cursor);
            *cursor = (*cursor).min(rows.len().saturating_sub(1));
            return FieldKey::Changed;
        }
        Action::Up if *cursor > 0 => *cursor -= 1,
        Action::Down if *cursor + 1 < rows.len() => *cursor += 1,
        Action::Up => return FieldKey::Prev,
        Action::Down => return FieldKey::Next,
        Action::Left => *column = column.saturating_sub(1),
        Action::Right => *column = (*column + 1).min(columns - 1),
        Action::Toggle if *column == 2 => {
            if let Some(row) = rows.get_mut(*cursor) {
                row.enabled = !row.enabled;
                return FieldKey::Changed;
            }
        }
        Action::Toggle | Action::Text(_) => return edit_cell(rows, *cursor, *column, action),
        _ => {}
    }
    FieldKey::Nothing
}

fn edit_cell(rows: &mut [RowItem], cursor: usize, column: usize, action: Action) -> FieldKey {
    let Some(row) = rows.get_mut(cursor) else { return FieldKey::Nothing };
    if column == 2 {
        return FieldKey::Nothing;
    }
    let cell = if column == 0 { &mut row.key } else { &mut row.value };
    let changed = match action {
        Action::Toggle => {
            cell.push(' ');
            true
        }
        Action::Text(key) => text::edit_line(cell, key),
        _ => false,
    };
    if changed { FieldKey::Changed } else { FieldKey::Nothing }
}
