//! The text-field adapter: the one place besides the keymap that reads raw keys. It turns a
//! key the keymap left unbound in a text context into an edit of a single-line field, and
//! pasted text into an insertion (control characters removed, length capped).

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use ratatui_textarea::{CursorMove, TextArea};

/// Longest value any field takes (URLs are the longest documented, 2,083 characters).
pub const MAX_FIELD_CHARS: usize = 4096;

/// What a paste did, for the notice.
#[derive(Debug, PartialEq, Eq)]
pub struct Pasted {
    pub inserted: usize,
    /// Control characters and line breaks removed.
    pub removed: usize,
    /// Characters left out because the field was full.
    pub cut: usize,
}

impl Pasted {
    /// A message when the paste was not taken whole.
    pub fn notice(&self) -> Option<String> {
        match (self.removed, self.cut) {
            (0, 0) => None,
            (r, 0) => {
                Some(format!("Pasted {} characters; removed {r} control characters or line breaks", self.inserted))
            }
            (_, c) => Some(format!(
                "Pasted {} characters; {c} more did not fit (a field holds at most {MAX_FIELD_CHARS})",
                self.inserted
            )),
        }
    }
}

/// Pasted text as field text: line breaks and tabs become nothing, other controls are removed.
pub fn clean_paste(text: &str, room: usize) -> (String, Pasted) {
    // Whole escape sequences go, not only their ESC byte: a pasted "\x1b[31m" would otherwise
    // leave "[31m" in the field, typed text the user never meant.
    let plain = strip_ansi_escapes::strip_str(text);
    let mut removed = text.chars().count() - plain.chars().count();
    let kept: Vec<char> = plain
        .chars()
        .filter(|c| {
            let control = crate::text::is_unsafe(*c);
            removed += usize::from(control);
            !control
        })
        .collect();
    let cut = kept.len().saturating_sub(room);
    let out: String = kept.into_iter().take(room).collect();
    let inserted = out.chars().count();
    (out, Pasted { inserted, removed, cut })
}

fn ctrl(key: &KeyEvent) -> bool {
    key.modifiers.contains(KeyModifiers::CONTROL)
}

/// Edits a plain string (filter, palette, preset name, typed confirmation) at its end.
/// Returns whether the value changed.
pub fn edit_line(value: &mut String, key: KeyEvent) -> bool {
    match key.code {
        KeyCode::Backspace => value.pop().is_some(),
        KeyCode::Char('u') if ctrl(&key) => !std::mem::take(value).is_empty(),
        KeyCode::Char('w') if ctrl(&key) => delete_word(value),
        KeyCode::Char(c) if !ctrl(&key) && !crate::text::is_unsafe(c) && value.chars().count() < MAX_FIELD_CHARS => {
            value.push(c);
            true
        }
        _ => false,
    }
}

fn delete_word(value: &mut String) -> bool {
    let before = value.len();
    let trimmed = value.trim_end().len();
    value.truncate(trimmed);
    let cut = value.rfind(char::is_whitespace).map_or(0, |i| i + 1);
    value.truncate(cut);
    value.len() != before
}

/// Pastes into a plain string.
pub fn paste_line(value: &mut String, text: &str) -> Pasted {
    let room = MAX_FIELD_CHARS.saturating_sub(value.chars().count());
    let (clean, report) = clean_paste(text, room);
    value.push_str(&clean);
    report
}

/// Edits a single-line form field at its caret, with shell keys: Ctrl-A/E start/end, Ctrl-U
/// delete to the start, Ctrl-W the word before the caret, Ctrl-K to the end. Never inserts a
/// line break. Returns whether the value changed.
pub fn edit_area(area: &mut TextArea<'static>, key: KeyEvent) -> bool {
    let before = area.lines().first().cloned().unwrap_or_default();
    match key.code {
        KeyCode::Left => area.move_cursor(CursorMove::Back),
        KeyCode::Right => area.move_cursor(CursorMove::Forward),
        KeyCode::Home => area.move_cursor(CursorMove::Head),
        KeyCode::End => area.move_cursor(CursorMove::End),
        KeyCode::Char('a') if ctrl(&key) => area.move_cursor(CursorMove::Head),
        KeyCode::Char('e') if ctrl(&key) => area.move_cursor(CursorMove::End),
        KeyCode::Char('u') if ctrl(&key) => {
            area.delete_line_by_head();
        }
        KeyCode::Char('k') if ctrl(&key) => {
            area.delete_line_by_end();
        }
        KeyCode::Char('w') if ctrl(&key) => {
            area.delete_word();
        }
        KeyCode::Backspace => {
            area.delete_char();
        }
        KeyCode::Delete => {
            area.delete_next_char();
        }
        KeyCode::Char(c) if !ctrl(&key) && !crate::text::is_unsafe(c) && before.chars().count() < MAX_FIELD_CHARS => {
            area.insert_char(c);
        }
        _ => {}
    }
    area.lines().first().is_some_and(|l| *l != before)
}

/// Pastes into a form field at its caret: one insertion, so a long paste stays linear.
pub fn paste_area(area: &mut TextArea<'static>, text: &str) -> Pasted {
    let len = area.lines().first().map_or(0, |l| l.chars().count());
    let (clean, report) = clean_paste(text, MAX_FIELD_CHARS.saturating_sub(len));
    if !clean.is_empty() {
        area.insert_str(&clean);
    }
    report
}

/// What a single-line field shows in `width` columns with its caret (`▏`) at char index
/// `caret`: the text scrolls horizontally so the caret stays visible, and a cut end shows `…`.
pub fn caret_view(text: &str, caret: usize, width: usize) -> String {
    use unicode_width::UnicodeWidthChar;
    let chars: Vec<char> = text.chars().collect();
    let caret = caret.min(chars.len());
    let w = |c: &char| c.width().unwrap_or(0);
    let room = width.saturating_sub(1).max(1);
    // Walk left from the caret while the text fits, leaving a column for a leading "…".
    let mut start = caret;
    let mut used = 0;
    while start > 0 && used + w(&chars[start - 1]) < room.saturating_sub(1).max(1) {
        start -= 1;
        used += w(&chars[start]);
    }
    if start == 1 {
        start = 0;
    }
    let mut out = String::new();
    let mut cols = 0;
    if start > 0 {
        out.push('…');
        cols += 1;
    }
    for (i, c) in chars.iter().enumerate().skip(start) {
        if i == caret {
            out.push('▏');
            cols += 1;
        }
        if cols + w(c) > room + usize::from(i < caret) {
            out.push('…');
            return out;
        }
        out.push(*c);
        cols += w(c);
    }
    if caret == chars.len() {
        out.push('▏');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(code: KeyCode) -> KeyEvent {
        KeyEvent::new(code, KeyModifiers::NONE)
    }

    fn ctrl_key(c: char) -> KeyEvent {
        KeyEvent::new(KeyCode::Char(c), KeyModifiers::CONTROL)
    }

    #[test]
    fn paste_drops_whole_escape_sequences_not_only_their_esc() {
        let mut s = String::new();
        let r = paste_line(&mut s, "ros\x1b[31m\x07si\x1b]8;;http://x\x07\r\n");
        assert_eq!(s, "rossi");
        assert!(r.removed >= 5, "{}", r.removed);
    }

    #[test]
    fn bidi_controls_are_neither_pasted_nor_typed() {
        // U+202E makes "Lorenzo irarreF" read as "Lorenzo Ferrari" on a bidi terminal: a name
        // that is not what it looks cannot be entered, only seen in what a provider sends.
        let mut s = String::new();
        let r = paste_line(&mut s, "Ann\u{202e}evil\u{2066}Z\u{9b}1");
        assert_eq!(s, "AnnevilZ1");
        assert_eq!(r.removed, 3);
        let mut typed = String::from("Lorenzo ");
        assert!(!edit_line(&mut typed, key(KeyCode::Char('\u{202e}'))));
        assert_eq!(typed, "Lorenzo ");
        let mut area = TextArea::default();
        edit_area(&mut area, key(KeyCode::Char('\u{2067}')));
        paste_area(&mut area, "a\u{200f}b");
        assert_eq!(area.lines()[0], "ab");
    }

    #[test]
    fn paste_removes_controls_and_caps_the_length() {
        let mut s = String::new();
        let r = paste_line(&mut s, "ines\x1b\x1b\t\r\r");
        assert_eq!(s, "ines");
        assert_eq!(r.removed, 5);
        // ESC and the character after it are one escape sequence (ECMA-48), so both go.
        let mut s2 = String::new();
        paste_line(&mut s2, "ab\x1bxc");
        assert_eq!(s2, "abc");
        let big = "a".repeat(200_000);
        let r = paste_line(&mut s, &big);
        assert_eq!(s.chars().count(), MAX_FIELD_CHARS);
        assert!(r.cut > 0 && r.notice().is_some_and(|n| n.contains("did not fit")));
    }

    #[test]
    fn caret_edits_in_the_middle_and_shell_keys_work() {
        let mut area = TextArea::new(vec!["https://example.com".to_string()]);
        area.move_cursor(CursorMove::End);
        for _ in 0.."example.com".len() {
            edit_area(&mut area, key(KeyCode::Left));
        }
        edit_area(&mut area, key(KeyCode::Char('x')));
        assert_eq!(area.lines()[0], "https://xexample.com");
        edit_area(&mut area, ctrl_key('u'));
        assert_eq!(area.lines()[0], "example.com");
        edit_area(&mut area, ctrl_key('e'));
        edit_area(&mut area, ctrl_key('w'));
        assert_eq!(area.lines()[0], "example.");
        assert!(!edit_area(&mut area, key(KeyCode::Enter)), "no line breaks in a single-line field");
    }

    #[test]
    fn the_caret_is_where_the_insertion_point_is_and_stays_visible() {
        assert_eq!(caret_view("hello", 5, 20), "hello▏");
        assert_eq!(caret_view("hello", 2, 20), "he▏llo");
        let long = "https://example.com/a/very/long/path/that/does/not/fit";
        let end = caret_view(long, long.len(), 20);
        assert!(end.starts_with('…') && end.ends_with("fit▏"), "{end}");
        assert!(end.chars().count() <= 21, "{end}");
        let start = caret_view(long, 0, 20);
        assert!(start.starts_with("▏https") && start.ends_with('…'), "{start}");
        let middle = caret_view(long, 30, 20);
        assert!(middle.contains('▏') && middle.starts_with('…') && middle.ends_with('…'), "{middle}");
    }

    #[test]
    fn a_large_paste_into_a_field_is_one_insertion() {
        let mut area = TextArea::default();
        let r = paste_area(&mut area, &"b".repeat(200_000));
        assert_eq!(area.lines().len(), 1);
        assert_eq!(area.lines()[0].chars().count(), MAX_FIELD_CHARS);
        assert_eq!(r.cut, 200_000 - MAX_FIELD_CHARS);
    }
}
