//! Aligned plain-text tables for people; display width aware, so 山田 lines up with Müller.

use unicode_width::UnicodeWidthStr;

/// Cells wider than this are cut with an ellipsis.
const MAX_CELL: usize = 48;

/// `--output`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum OutputFormat {
    Table,
    Json,
    Csv,
}

/// Set once, before any list is printed, by `--output csv`.
static CSV: std::sync::OnceLock<bool> = std::sync::OnceLock::new();

/// Makes every list print as CSV (set from `--output csv` at start-up).
pub fn print_csv() {
    let _ = CSV.set(true);
}

pub fn csv_output() -> bool {
    CSV.get().copied().unwrap_or(false)
}

/// A list for people (aligned columns) or, under `--output csv`, for spreadsheets: every cell
/// whole, formulas defused (`util::export`).
pub fn render(headers: &[&str], rows: &[Vec<String>]) -> String {
    if csv_output() {
        return crate::util::export::csv(headers, rows).unwrap_or_else(|e| format!("{e}\n"));
    }
    // One line per cell, so a provider's name with a newline or an escape cannot break the
    // layout or reach the terminal; the width is measured after the stand-ins are in.
    let cells: Vec<Vec<String>> =
        rows.iter().map(|r| r.iter().map(|c| truncate(&crate::text::line(c), MAX_CELL)).collect()).collect();
    let mut widths: Vec<usize> = headers.iter().map(|h| h.width()).collect();
    for row in &cells {
        for (i, c) in row.iter().enumerate() {
            if i < widths.len() {
                widths[i] = widths[i].max(c.width());
            }
        }
    }
    let mut out = String::new();
    let header_cells: Vec<String> = headers.iter().map(|h| h.to_string()).collect();
    push_row(&mut out, &header_cells, &widths);
    for row in &cells {
        push_row(&mut out, row, &widths);
    }
    out
}

fn push_row(out: &mut String, row: &[String], widths: &[usize]) {
    let last = row.len().saturating_sub(1);
    for (i, cell) in row.iter().enumerate() {
        out.push_str(cell);
        if i < last {
            let pad = widths.get(i).copied().unwrap_or(0).saturating_sub(cell.width()) + 2;
            out.extend(std::iter::repeat_n(' ', pad));
        }
    }
    out.push('\n');
}

pub use crate::util::ellipsize as truncate;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn aligns_by_display_width() {
        let t = render(&["NAME", "ID"], &[vec!["山田 太郎".into(), "a".into()], vec!["Jürgen".into(), "b".into()]]);
        let lines: Vec<&str> = t.lines().collect();
        let id_col = |l: &str| l[..l.rfind(' ').unwrap()].width();
        assert_eq!(id_col(lines[1]), id_col(lines[2]));
    }

    #[test]
    fn cells_are_one_safe_line() {
        let t = render(&["NAME"], &[vec!["Eve\x1b]0;pwned\x07\nX\u{9b}".into()]]);
        assert_eq!(t, "NAME\nEve␛]0;pwned␇␊X\u{FFFD}\n");
    }

    #[test]
    fn truncates_with_ellipsis_on_char_boundaries() {
        assert_eq!(truncate("Łukasz Wiśniewski", 8), "Łukasz …");
        assert_eq!(truncate("山田太郎", 5), "山田…");
        assert_eq!(truncate("short", 10), "short");
    }
}
