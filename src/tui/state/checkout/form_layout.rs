//! The checkout form's lines as drawn: their text, their tone, and which field, option or list
//! row each one belongs to. The view styles and draws them (`view/checkout.rs`); the mouse
//! hit-tests the same lines (`state/mouse_forms.rs`), so a click lands on what is on screen.

use ratatui::text::Line;
use ratatui::widgets::{Paragraph, Wrap};
use unicode_width::UnicodeWidthStr;

use super::CheckoutBuilder;
use super::fields::{Choice, Field, Input};
use crate::util::ellipsize;

/// How a piece of text is styled; the view maps it to its theme.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Tone {
    Plain,
    Header,
    Dim,
    Error,
    Ok,
    /// Highlighted; `true` for the focused highlight.
    Selected(bool),
}

/// What a line of the form is, for a click on it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FormRow {
    /// A field's "▸ Label  value" line (index into `fields`).
    Field(usize),
    /// An option of the focused picker, by its index in the picker's options.
    Option(usize),
    /// A row of the focused list editor.
    ListRow(usize),
    /// A field's validation or server message.
    Message(usize),
    /// The Submit button (a click focuses it; only Ctrl-S submits).
    Submit,
    /// Blank lines, the submit error and the notice.
    Other,
}

pub struct FormLine {
    pub row: FormRow,
    pub spans: Vec<(String, Tone)>,
}

impl FormLine {
    fn new(row: FormRow, spans: Vec<(String, Tone)>) -> FormLine {
        FormLine { row, spans }
    }

    /// Rows this line takes when wrapped (without trimming) to `width` columns, as drawn.
    pub fn height(&self, width: u16) -> usize {
        let line = Line::from(self.spans.iter().map(|(s, _)| s.as_str()).collect::<String>());
        Paragraph::new(line).wrap(Wrap { trim: false }).line_count(width).max(1)
    }

    /// The list editor's column (key 0, value 1, enabled 2) drawn at column `x` of an
    /// unwrapped `ListRow` line.
    pub fn list_column_at(&self, x: u16) -> Option<usize> {
        if !matches!(self.row, FormRow::ListRow(_)) {
            return None;
        }
        let mut left = 0usize;
        for (i, (text, _)) in self.spans.iter().enumerate() {
            let width = unicode_width::UnicodeWidthStr::width(text.as_str());
            if (left..left + width).contains(&usize::from(x)) {
                // Spans: indent, key, "=", value, enabled.
                return match i {
                    1 => Some(0),
                    3 => Some(1),
                    4 => Some(2),
                    _ => None,
                };
            }
            left += width;
        }
        None
    }
}

/// The form's lines and the line of the focused field.
pub struct FormLines {
    pub lines: Vec<FormLine>,
    pub focus_line: usize,
}

impl FormLines {
    /// Rows scrolled off the top so the focused field stays in view on short screens.
    pub fn scroll(&self, height: u16) -> u16 {
        let rows = self.focus_line.saturating_sub(usize::from(height).saturating_sub(6));
        u16::try_from(rows).unwrap_or(u16::MAX)
    }

    /// The line drawn at row `y` of the form's inside (`width` × `height`), if any.
    pub fn line_at(&self, y: u16, width: u16, height: u16) -> Option<&FormLine> {
        if y >= height {
            return None;
        }
        let target = usize::from(y) + usize::from(self.scroll(height));
        let mut top = 0usize;
        for line in &self.lines {
            let h = line.height(width);
            if (top..top + h).contains(&target) {
                return Some(line);
            }
            top += h;
        }
        None
    }
}

/// The form's lines at `width` columns: each field, the open part of the focused one, its
/// messages, then the Submit button, the submit error and the notice.
pub fn form_lines(b: &CheckoutBuilder, width: usize) -> FormLines {
    let mut lines = Vec::new();
    let mut focus_line = 0;
    for (i, f) in b.fields.iter().enumerate() {
        if i == b.focus {
            focus_line = lines.len();
        }
        field_lines(&mut lines, i, f, i == b.focus, width);
    }
    if b.focus == b.fields.len() {
        focus_line = lines.len();
    }
    lines.push(FormLine::new(FormRow::Other, Vec::new()));
    lines.push(FormLine::new(FormRow::Submit, submit_spans(b, width)));
    if let Some(e) = &b.submit_error {
        lines.push(FormLine::new(FormRow::Other, vec![(ellipsize(&e.to_string(), width * 3), Tone::Error)]));
    }
    if let Some(n) = &b.notice {
        lines.push(FormLine::new(FormRow::Other, vec![(ellipsize(n, width), Tone::Ok)]));
    }
    FormLines { lines, focus_line }
}

fn submit_spans(b: &CheckoutBuilder, width: usize) -> Vec<(String, Tone)> {
    let focused = b.focus == b.fields.len();
    if b.submitting {
        return vec![("[ Submitting… ]".into(), Tone::Selected(focused))];
    }
    match b.blocker() {
        Some(reason) => vec![
            ("[ Submit ]".into(), Tone::Dim),
            (format!(" disabled · {}", ellipsize(&reason, width.saturating_sub(22))), Tone::Error),
        ],
        None => vec![("[ Submit · Ctrl-S ]".into(), Tone::Selected(focused))],
    }
}

/// A value given fewer columns than this beside its label goes on a line of its own below it:
/// at 80 columns "Customer externalId (empty: anonymous)" left none, and the customer a
/// checkout was for showed as "…".
const MIN_VALUE_BESIDE: usize = 24;
/// Where a value on its own line starts.
const VALUE_BELOW: &str = "    ";

/// A label wider than the form, cut between words, each later row under the label's first
/// letter: wrapped as a paragraph it went on at the form's edge ("anonymous)" under "▸").
fn label_rows(label: &str, width: usize) -> Vec<String> {
    const HANG: &str = "  ";
    let room = width.saturating_sub(1).max(HANG.len() + 8);
    let (first, mut rest) = crate::util::fit_words(label, room);
    let mut rows = vec![first];
    while !rest.is_empty() {
        let (line, more) = crate::util::fit_words(rest, room - HANG.len());
        rows.push(format!("{HANG}{line}"));
        rest = more;
    }
    rows
}

/// A field as "▸ Label  value" (or the value below a long label), then its open picker or list
/// rows, then its message.
fn field_lines(lines: &mut Vec<FormLine>, index: usize, f: &Field, focused: bool, width: usize) {
    let marker = if focused { "▸ " } else { "  " };
    let label = format!("{marker}{}{} ", f.label, if f.required { " *" } else { "" });
    let beside = width.saturating_sub(label.width() + 1);
    let below = beside < MIN_VALUE_BESIDE;
    let value_width = if below { width.saturating_sub(VALUE_BELOW.len() + 1) } else { beside };
    let value: (String, Tone) = match &f.input {
        Input::Text(area) => {
            // A prefilled value is provider text (a customer's e-mail): stand-ins, one for each
            // unsafe character, so the caret's place is the same.
            let text = area.lines().first().map(|t| crate::text::line(t).into_owned()).unwrap_or_default();
            if focused {
                (crate::tui::text::caret_view(&text, area.cursor().1, value_width), Tone::Plain)
            } else {
                (ellipsize(&text, value_width), Tone::Plain)
            }
        }
        Input::Pick { options, selected, query, .. } => {
            let chosen = selected.and_then(|i| options.get(i)).map_or_else(
                || {
                    if options.is_empty() { "(nothing to choose yet)".into() } else { "(choose)".into() }
                },
                |c| crate::text::line(&c.label).into_owned(),
            );
            let q = if focused && !query.is_empty() { format!("  /{query}") } else { String::new() };
            (ellipsize(&format!("{chosen}{q}"), value_width), Tone::Plain)
        }
        Input::Toggle(on) => ((if *on { "[x] yes" } else { "[ ] no" }).into(), Tone::Plain),
        Input::Rows { rows, .. } => (
            format!("{} row(s){}", rows.len(), if focused { " · Ctrl-N add · Ctrl-D delete · ←→ column" } else { "" }),
            Tone::Dim,
        ),
    };
    let label_tone = if focused { Tone::Header } else { Tone::Dim };
    if below {
        for part in label_rows(label.trim_end(), width) {
            lines.push(FormLine::new(FormRow::Field(index), vec![(part, label_tone)]));
        }
        lines.push(FormLine::new(FormRow::Field(index), vec![(VALUE_BELOW.to_string(), Tone::Plain), value]));
    } else {
        lines.push(FormLine::new(FormRow::Field(index), vec![(label, label_tone), value]));
    }
    if focused {
        expanded(lines, &f.input, width);
    }
    for msg in [&f.error, &f.server_error].into_iter().flatten() {
        let text = format!("    ⚠ {}", ellipsize(msg, width.saturating_sub(6)));
        lines.push(FormLine::new(FormRow::Message(index), vec![(text, Tone::Error)]));
    }
}

/// The options of a picker that match its typed filter, in order, by index.
pub fn matching(options: &[Choice], query: &str) -> Vec<usize> {
    options.iter().enumerate().filter(|(_, c)| c.matches(query)).map(|(i, _)| i).collect()
}

/// The open part of a focused picker (matching options) or list editor (its rows).
fn expanded(lines: &mut Vec<FormLine>, input: &Input, width: usize) {
    match input {
        Input::Pick { options, query, highlight, .. } => {
            let matches = matching(options, query);
            let start = matches.iter().position(|i| i == highlight).unwrap_or(0).saturating_sub(2);
            for &i in matches.iter().skip(start).take(5) {
                let Some(c) = options.get(i) else { continue };
                let tone = if i == *highlight { Tone::Selected(true) } else { Tone::Dim };
                let text = format!("      {}", ellipsize(&c.label, width.saturating_sub(8)));
                lines.push(FormLine::new(FormRow::Option(i), vec![(text, tone)]));
            }
        }
        Input::Rows { rows, cursor, column, with_enabled } => {
            for (i, r) in rows.iter().enumerate() {
                let cell = |text: &str, col: usize| {
                    let tone = if i == *cursor && col == *column { Tone::Selected(true) } else { Tone::Plain };
                    (format!(" {} ", if text.is_empty() { "·" } else { text }), tone)
                };
                let mut spans = vec![
                    ("     ".to_string(), Tone::Plain),
                    cell(&r.key, 0),
                    ("=".into(), Tone::Plain),
                    cell(&r.value, 1),
                ];
                if *with_enabled {
                    spans.push(cell(if r.enabled { "enabled" } else { "disabled" }, 2));
                }
                lines.push(FormLine::new(FormRow::ListRow(i), spans));
            }
        }
        _ => {}
    }
}
