//! Filter (`/`), sort (`s` cycles the column, `S` reverses) and export for the console's
//! overlay lists: the request log, invoices, the audit journal, checkout sessions and plans.
//! Each list names its columns and the text of each cell (`Tabular`); what the view shows,
//! what Enter opens and what `:export` writes are the same rows in the same order.

use chrono::{DateTime, Utc};
use rust_decimal::Decimal;

use crate::tui::action::Action;

/// How a column orders its rows: money by amount (currency first), times by time, else text.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum SortKey {
    Missing,
    Number(Decimal),
    Money(String, Decimal),
    Time(DateTime<Utc>),
    Text(String),
}

/// A row of a list the console can filter, sort and export.
pub trait Tabular {
    fn columns() -> &'static [&'static str];
    /// One display text per column: what the filter matches and CSV holds.
    fn cells(&self) -> Vec<String>;
    fn sort_key(&self, column: usize) -> SortKey {
        self.cells().get(column).map_or(SortKey::Missing, |c| SortKey::Text(crate::util::fold_accents(c)))
    }
    /// Whether one filter word (already folded to lower case) matches this row.
    fn matches_word(&self, word: &str) -> bool {
        crate::util::fold_accents(&self.cells().join(" ")).contains(word)
    }
}

/// The list's filter and sort, kept with the list while it is open.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ListControl {
    pub query: String,
    /// The filter line has focus (typing filters).
    pub editing: bool,
    /// Column and whether reversed; `None` keeps the provider's order.
    pub sort: Option<(usize, bool)>,
}

impl ListControl {
    /// Indexes of the rows to show, filtered (every word must match) and sorted.
    pub fn visible<T: Tabular>(&self, rows: &[T]) -> Vec<usize> {
        let words: Vec<String> =
            self.query.split_whitespace().map(|w| crate::util::fold_accents(w).to_lowercase()).collect();
        let mut out: Vec<usize> = (0..rows.len()).filter(|&i| words.iter().all(|w| rows[i].matches_word(w))).collect();
        if let Some((column, reversed)) = self.sort {
            // Stable: rows with equal keys keep the provider's order.
            out.sort_by(|&a, &b| {
                let order = rows[a].sort_key(column).cmp(&rows[b].sort_key(column));
                if reversed { order.reverse() } else { order }
            });
        }
        out
    }

    /// `s`: the next column (none → first → … → last → none); `S`: reverse (sorting by the first
    /// column if none was chosen).
    pub fn sort_action(&mut self, action: Action, columns: usize) {
        self.sort = match (action, self.sort) {
            (Action::Sort, None) => Some((0, false)),
            (Action::Sort, Some((c, _))) if c + 1 < columns => Some((c + 1, false)),
            (Action::Sort, Some(_)) => None,
            (_, None) => Some((0, true)),
            (_, Some((c, r))) => Some((c, !r)),
        };
    }

    /// The header text of a column: "Total ↑" when sorted by it.
    pub fn header(&self, column: usize, name: &str) -> String {
        match self.sort {
            Some((c, false)) if c == column => format!("{name} ↑"),
            Some((c, true)) if c == column => format!("{name} ↓"),
            _ => name.to_string(),
        }
    }

    /// "sorted by Total ↓ · filter 5xx" for a title; empty when neither is set.
    pub fn describe(&self, columns: &[&str]) -> String {
        let mut parts = Vec::new();
        if let Some((c, r)) = self.sort
            && let Some(name) = columns.get(c)
        {
            parts.push(format!("sorted by {name} {}", if r { "↓" } else { "↑" }));
        }
        if !self.query.trim().is_empty() || self.editing {
            parts.push(format!("filter: {}{}", self.query, if self.editing { "▏" } else { "" }));
        }
        parts.join(" · ")
    }

    /// Handles a key while the filter line has focus; true when the query changed.
    pub fn filter_key(&mut self, action: Action) -> bool {
        match action {
            Action::Back => {
                let changed = !self.query.is_empty();
                *self = ListControl { sort: self.sort, ..ListControl::default() };
                changed
            }
            Action::Choose => {
                self.editing = false;
                false
            }
            Action::Text(key) => crate::tui::text::edit_line(&mut self.query, key),
            _ => false,
        }
    }
}

/// Orders text that holds numbers as numbers ("9 ms" before "10 ms").
pub fn number_key(n: impl Into<Decimal>) -> SortKey {
    SortKey::Number(n.into())
}

pub fn money_key(m: Option<crate::billing::Money>) -> SortKey {
    m.map_or(SortKey::Missing, |m| SortKey::Money(m.currency().code().to_string(), m.amount()))
}

/// The keys every overlay list shares: `/` and the filter line, `s`, `S`. Returns whether the
/// key was one of them; the selection goes back to the first row when the rows change.
pub fn list_key(control: &mut ListControl, selected: &mut usize, action: Action, columns: usize) -> bool {
    if control.editing {
        if control.filter_key(action) {
            *selected = 0;
        }
        return true;
    }
    match action {
        Action::Filter => control.editing = true,
        Action::Sort | Action::SortReverse => {
            control.sort_action(action, columns);
            *selected = 0;
        }
        _ => return false,
    }
    true
}

impl super::Dialog {
    /// The filter and sort of an overlay list, for the dialogs that are one.
    pub fn list_control(&self) -> Option<&ListControl> {
        match self {
            super::Dialog::Requests(r) => Some(&r.control),
            super::Dialog::Invoices(i) => Some(&i.control),
            super::Dialog::Audit { control, .. } => Some(control),
            super::Dialog::CheckoutSessions(s) => Some(&s.control),
            super::Dialog::Payments(p) => Some(&p.control),
            super::Dialog::Events(e) => Some(&e.control),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    struct Row(&'static str, i64);

    impl Tabular for Row {
        fn columns() -> &'static [&'static str] {
            &["Name", "Count"]
        }
        fn cells(&self) -> Vec<String> {
            vec![self.0.to_string(), self.1.to_string()]
        }
        fn sort_key(&self, column: usize) -> SortKey {
            if column == 1 { number_key(self.1) } else { SortKey::Text(self.0.to_lowercase()) }
        }
    }

    #[test]
    fn filter_words_all_match_and_sort_cycles_then_reverses() {
        let rows = [Row("Müller", 10), Row("Adams", 9), Row("Zoë", 100)];
        let mut c = ListControl::default();
        assert_eq!(c.visible(&rows), [0, 1, 2], "unsorted: the provider's order");
        c.sort_action(Action::Sort, 2);
        assert_eq!(c.visible(&rows), [1, 0, 2], "by name");
        c.sort_action(Action::Sort, 2);
        assert_eq!(c.visible(&rows), [1, 0, 2], "by count as numbers: 9 < 10 < 100");
        c.sort_action(Action::SortReverse, 2);
        assert_eq!(c.visible(&rows), [2, 0, 1]);
        assert_eq!(c.header(1, "Count"), "Count ↓");
        c.sort_action(Action::Sort, 2);
        assert_eq!(c.sort, None, "past the last column: back to the provider's order");
        c.query = "muller".into();
        assert_eq!(c.visible(&rows), [0], "accents folded");
        c.query = "zoe 100".into();
        assert_eq!(c.visible(&rows), [2], "every word must match");
    }
}
