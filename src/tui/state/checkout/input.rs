//! Keys in the checkout form. The focused field owns its keys: typing `q` or `/` types them;
//! only Tab/Shift-Tab, Esc and Ctrl chords move between fields or act on the form.

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

use super::fields::{FieldId, Input, RowItem};
use super::{CheckoutBuilder, FormOutcome, PresetDialog};

impl CheckoutBuilder {
    pub fn handle_key(&mut self, key: KeyEvent) -> FormOutcome {
        if self.dialog.is_some() {
            return self.dialog_key(key);
        }
        if key.modifiers.contains(KeyModifiers::CONTROL) {
            return match key.code {
                KeyCode::Char('s') => FormOutcome::Submit,
                KeyCode::Char('b') => FormOutcome::CopyBody,
                KeyCode::Char('k') => FormOutcome::CopyCurl,
                KeyCode::Char('p') => {
                    self.dialog = Some(PresetDialog::Save(String::new()));
                    FormOutcome::Nothing
                }
                KeyCode::Char('o') => FormOutcome::LoadPresets,
                _ => self.field_key(key),
            };
        }
        match key.code {
            KeyCode::Esc => FormOutcome::Close,
            KeyCode::Tab => self.move_focus(1),
            KeyCode::BackTab => self.move_focus(-1),
            KeyCode::Enter if self.focus >= self.fields.len() => FormOutcome::Submit,
            _ => self.field_key(key),
        }
    }

    fn move_focus(&mut self, delta: isize) -> FormOutcome {
        let n = self.fields.len() as isize + 1; // + the Submit button
        self.focus = (self.focus as isize + delta).rem_euclid(n) as usize;
        FormOutcome::Nothing
    }

    fn field_key(&mut self, key: KeyEvent) -> FormOutcome {
        let Some(field) = self.fields.get_mut(self.focus) else {
            return match key.code {
                KeyCode::Up => self.move_focus(-1),
                _ => FormOutcome::Nothing,
            };
        };
        let id = field.id;
        let outcome = match &mut field.input {
            Input::Text(area) => text_key(area, key),
            Input::Pick { options, selected, query, highlight } => pick_key(options, selected, query, highlight, key),
            Input::Toggle(on) => match key.code {
                KeyCode::Char(' ') | KeyCode::Enter => {
                    *on = !*on;
                    FieldKey::Changed
                }
                KeyCode::Up => FieldKey::Prev,
                KeyCode::Down => FieldKey::Next,
                _ => FieldKey::Nothing,
            },
            Input::Rows { rows, cursor, column, with_enabled } => rows_key(rows, cursor, column, *with_enabled, key),
        };
        match outcome {
            FieldKey::Nothing => FormOutcome::Nothing,
            FieldKey::Next => self.move_focus(1),
            FieldKey::Prev => self.move_focus(-1),
            FieldKey::Changed | FieldKey::ChangedNext => {
                if id == FieldId::Plan {
                    self.refresh_dependent();
                }
                if outcome == FieldKey::ChangedNext {
                    self.move_focus(1);
                }
                FormOutcome::Changed
            }
        }
    }

    fn dialog_key(&mut self, key: KeyEvent) -> FormOutcome {
        match (&mut self.dialog, key.code) {
            (_, KeyCode::Esc) => {
                self.dialog = None;
                FormOutcome::Nothing
            }
            (Some(PresetDialog::Save(name)), KeyCode::Enter) if !name.trim().is_empty() => FormOutcome::SavePreset,
            (Some(PresetDialog::Save(name)), KeyCode::Backspace) => {
                name.pop();
                FormOutcome::Nothing
            }
            (Some(PresetDialog::Save(name)), KeyCode::Char(c)) => {
                name.push(c);
                FormOutcome::Nothing
            }
            (Some(PresetDialog::Load { names, selected }), KeyCode::Down) => {
                *selected = (*selected + 1).min(names.len().saturating_sub(1));
                FormOutcome::Nothing
            }
            (Some(PresetDialog::Load { selected, .. }), KeyCode::Up) => {
                *selected = selected.saturating_sub(1);
                FormOutcome::Nothing
            }
            (Some(PresetDialog::Load { .. }), KeyCode::Enter) => FormOutcome::LoadPresets,
            (Some(PresetDialog::LiveConfirm(_)), KeyCode::Enter) => FormOutcome::Submit,
            (Some(PresetDialog::LiveConfirm(typed)), KeyCode::Backspace) => {
                typed.pop();
                FormOutcome::Nothing
            }
            (Some(PresetDialog::LiveConfirm(typed)), KeyCode::Char(c)) => {
                typed.push(c);
                FormOutcome::Nothing
            }
            _ => FormOutcome::Nothing,
        }
    }
}

#[derive(Debug, PartialEq, Clone, Copy)]
enum FieldKey {
    Nothing,
    Changed,
    ChangedNext,
    Next,
    Prev,
}

/// A single-line text field: Enter and arrows up/down leave it; everything else edits.
fn text_key(area: &mut ratatui_textarea::TextArea<'static>, key: KeyEvent) -> FieldKey {
    match key.code {
        KeyCode::Enter | KeyCode::Down => FieldKey::Next,
        KeyCode::Up => FieldKey::Prev,
        _ => {
            if area.input(key) {
                FieldKey::Changed
            } else {
                FieldKey::Nothing
            }
        }
    }
}

/// Type to filter, arrows to move within the matches, Enter to choose.
fn pick_key(
    options: &[super::fields::Choice],
    selected: &mut Option<usize>,
    query: &mut String,
    highlight: &mut usize,
    key: KeyEvent,
) -> FieldKey {
    let matches: Vec<usize> = options
        .iter()
        .enumerate()
        .filter(|(_, c)| {
            query.is_empty()
                || c.label.to_lowercase().contains(&query.to_lowercase())
                || c.value.to_lowercase().contains(&query.to_lowercase())
        })
        .map(|(i, _)| i)
        .collect();
    let pos = matches.iter().position(|i| i == highlight).unwrap_or(0);
    match key.code {
        KeyCode::Down if pos + 1 < matches.len() => *highlight = matches[pos + 1],
        KeyCode::Up if pos > 0 => *highlight = matches[pos - 1],
        KeyCode::Down => return FieldKey::Next,
        KeyCode::Up => return FieldKey::Prev,
        KeyCode::Enter => {
            let Some(&choice) = matches.get(pos) else { return FieldKey::Nothing };
            query.clear();
            let changed = *selected != Some(choice);
            *selected = Some(choice);
            return if changed { FieldKey::ChangedNext } else { FieldKey::Next };
        }
        KeyCode::Backspace => {
            query.pop();
        }
        KeyCode::Char(c) => {
            query.push(c);
            let q = query.to_lowercase();
            if let Some(i) =
                options.iter().position(|o| o.label.to_lowercase().contains(&q) || o.value.to_lowercase().contains(&q))
            {
                *highlight = i;
            }
        }
        _ => {}
    }
    FieldKey::Nothing
}

/// The list editor: Ctrl-N adds a row, Ctrl-D deletes it, ←/→ switch column, ↑/↓ move rows,
/// Space toggles "enabled" in its column; typing edits the cell.
fn rows_key(
    rows: &mut Vec<RowItem>,
    cursor: &mut usize,
    column: &mut usize,
    with_enabled: bool,
    key: KeyEvent,
) -> FieldKey {
    let columns = if with_enabled { 3 } else { 2 };
    if key.modifiers.contains(KeyModifiers::CONTROL) {
        return match key.code {
            KeyCode::Char('n') => {
                rows.push(RowItem { enabled: true, ..RowItem::default() });
                *cursor = rows.len() - 1;
                *column = 0;
                FieldKey::Changed
            }
            KeyCode::Char('d') if *cursor < rows.len() => {
                rows.remove(*cursor);
                *cursor = (*cursor).min(rows.len().saturating_sub(1));
                FieldKey::Changed
            }
            _ => FieldKey::Nothing,
        };
    }
    match key.code {
        KeyCode::Up if *cursor > 0 => *cursor -= 1,
        KeyCode::Down if *cursor + 1 < rows.len() => *cursor += 1,
        KeyCode::Up => return FieldKey::Prev,
        KeyCode::Down | KeyCode::Enter => return FieldKey::Next,
        KeyCode::Left => *column = column.saturating_sub(1),
        KeyCode::Right => *column = (*column + 1).min(columns - 1),
        _ => return edit_cell(rows, *cursor, *column, key),
    }
    FieldKey::Nothing
}

fn edit_cell(rows: &mut [RowItem], cursor: usize, column: usize, key: KeyEvent) -> FieldKey {
    let Some(row) = rows.get_mut(cursor) else { return FieldKey::Nothing };
    if column == 2 {
        if key.code == KeyCode::Char(' ') {
            row.enabled = !row.enabled;
            return FieldKey::Changed;
        }
        return FieldKey::Nothing;
    }
    let cell = if column == 0 { &mut row.key } else { &mut row.value };
    match key.code {
        KeyCode::Char(c) => cell.push(c),
        KeyCode::Backspace => {
            cell.pop();
        }
        _ => return FieldKey::Nothing,
    }
    FieldKey::Changed
}
