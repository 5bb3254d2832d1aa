//! How a detail view's lines become terminal rows: a field's value wrapped in its column, a
//! JSON line wrapped under its indentation. The view draws these rows, and scrolling and the
//! mouse count them, so all three agree on where every line is (scrolling once counted a
//! wrapped value as one row, and End stopped short of the last fields).

use super::detail::{DetailLine, DetailState};

/// Splits a value into lines of at most `width` terminal columns, at spaces where it can: how
/// a detail view draws a value, so an id or a sum is wrapped, never cut. Measured as the
/// terminal draws it (`util::fit_words`): 김 or ❤️ takes two columns, and a count of
/// characters let a Hangul name run past the pane's border.
pub fn wrap_value(value: &str, width: usize) -> Vec<String> {
    let width = width.max(1);
    let mut out = Vec::new();
    for paragraph in value.split('\n') {
        let mut rest = paragraph;
        loop {
            let (line, left) = crate::util::fit_words(rest, width);
            out.push(line);
            if left.is_empty() {
                break;
            }
            rest = left;
        }
    }
    out
}

/// The rows a field's value is drawn on at `width`: each unsafe character as its visible
/// stand-in (ratatui would drop it unseen, and the operator could not tell the value is not
/// what it looks), then wrapped. A stand-in may be wider than what it stands for, so rows are
/// counted on this text, never on the value as sent.
pub fn value_rows(value: &str, width: usize) -> Vec<String> {
    wrap_value(&crate::text::block(value), width)
}

impl DetailLine {
    /// How many rows this line takes with values `value_w` columns wide.
    pub fn rows(&self, value_w: usize) -> usize {
        match self {
            DetailLine::Section(_) => 1,
            DetailLine::Field { value, .. } => value_rows(value, value_w).len(),
        }
    }
}

/// Continuation rows of a line start this much further in than the line itself, so they read
/// as the same line and not as the next key.
const CONTINUATION: usize = 2;

/// One line as rows of at most `width` columns: what does not fit continues under the line's
/// own indentation (plus two), so a long string is read whole instead of cut at the border.
/// The JSON view and the request log's exchange draw every line this way.
pub fn indented_rows(line: &str, width: usize) -> Vec<String> {
    let width = width.max(1);
    let body = line.trim_start_matches(' ');
    let indent = line.len() - body.len();
    // A line indented past half the view wraps at half, so every row still holds text.
    let first_in = indent.min(width / 2);
    let next_in = (indent + CONTINUATION).min(width / 2);
    let mut rows = Vec::new();
    let mut rest = body;
    loop {
        let lead = if rows.is_empty() { first_in } else { next_in };
        let (text, left) = crate::util::fit_words(rest, width - lead);
        rows.push(format!("{}{text}", " ".repeat(lead)));
        if left.is_empty() {
            return rows;
        }
        rest = left;
    }
}

/// The JSON view's rows at `width` (`indented_rows` of each line).
pub fn json_rows(json: &str, width: usize) -> impl Iterator<Item = String> + '_ {
    json.lines().flat_map(move |line| indented_rows(line, width))
}

impl DetailState {
    /// Rows the JSON view (`v`) takes at `width`.
    pub fn json_row_count(&self, width: usize) -> usize {
        json_rows(self.shown_json(), width).count()
    }

    /// Rows the lines `from..to` take with values `value_w` columns wide.
    pub(crate) fn rows_between(&self, from: usize, to: usize, value_w: usize) -> usize {
        self.lines.get(from..to).map_or(0, |lines| lines.iter().map(|l| l.rows(value_w)).sum())
    }

    /// The line a page of `height` rows away from the selected one, in the direction of
    /// `forward`: the farthest line whose rows still fit within the page (at least one line on).
    pub(crate) fn page_target(&self, forward: bool, height: usize, value_w: usize) -> usize {
        let last = self.lines.len().saturating_sub(1);
        let mut at = self.selected;
        let mut used = 0;
        loop {
            let next = if forward { at + 1 } else { at.wrapping_sub(1) };
            if next > last {
                return at;
            }
            used += self.lines[next].rows(value_w);
            if used > height && at != self.selected {
                return at;
            }
            at = next;
        }
    }

    /// Scrolls so the selected line is on screen whole: below the offset, and with every row
    /// of it above the bottom (a line taller than the view shows from its first row).
    pub(crate) fn keep_selected_whole(&mut self, height: usize, value_w: usize) {
        self.offset = self.offset.min(self.selected);
        while self.offset < self.selected && self.rows_between(self.offset, self.selected + 1, value_w) > height {
            self.offset += 1;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tui::state::detail::DetailKind;

    #[test]
    fn json_lines_wrap_under_their_indentation_and_keep_every_character() {
        let json = "{\n  \"customerId\": \"abcdefghijklmnopqrstuvwxyz\"\n}";
        let rows: Vec<String> = json_rows(json, 20).collect();
        assert_eq!(rows, ["{", "  \"customerId\":", "    \"abcdefghijklmno", "    pqrstuvwxyz\"", "}"]);
        assert!(rows.iter().all(|r| unicode_width::UnicodeWidthStr::width(r.as_str()) <= 20), "{rows:?}");
        // A line indented past half the view still gets half of it for text.
        assert_eq!(indented_rows(&format!("{}abcdefghij", " ".repeat(30)), 10), ["     abcde", "     fghij"]);
        assert_eq!(indented_rows("", 10), [""], "an empty line is a row");
    }

    fn view(values: &[&str]) -> DetailState {
        let lines = values.iter().map(|v| DetailLine::field("k", *v)).collect();
        DetailState::new(DetailKind::Customer, vec![], lines, String::new())
    }

    #[test]
    fn a_page_moves_by_rows_and_the_selection_stays_whole() {
        // Values of 1, 3, 3 and 1 rows at 4 columns.
        let mut d = view(&["a", "aaaa bbbb cccc", "dddd eeee ffff", "z"]);
        assert_eq!(d.page_target(true, 4, 4), 1, "line 1's three rows fit a page of four; line 2's do not");
        d.selected = 3;
        d.keep_selected_whole(4, 4);
        assert_eq!(d.offset, 2, "lines 2 and 3 take the four rows");
        assert_eq!(d.page_target(false, 4, 4), 2);
        d.selected = 0;
        d.keep_selected_whole(4, 4);
        assert_eq!(d.offset, 0);
    }
}
