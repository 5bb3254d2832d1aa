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
    let mut table = Table::new(headers);
    for row in rows {
        table.push(row.iter().map(String::as_str));
    }
    let mut out = Vec::with_capacity(table.text.len() + rows.len() * 8);
    // Writing to a Vec cannot fail.
    let _ = table.write(&mut out);
    String::from_utf8(out).unwrap_or_else(|e| String::from_utf8_lossy(e.as_bytes()).into_owned())
}

/// An aligned table built a row at a time and written once every row is in (the widths are
/// known only then). Cells are kept cut and made safe, side by side in one string: a table of
/// 100,000 customers was four strings a cell, built twice over.
pub struct Table {
    headers: Vec<String>,
    /// Every cell's text, one after another.
    text: String,
    /// Where each cell ends in `text`, and its display width; `headers.len()` per row.
    cells: Vec<(usize, usize)>,
    widths: Vec<usize>,
}

impl Table {
    pub fn new(headers: &[&str]) -> Table {
        Table {
            headers: headers.iter().map(|h| h.to_string()).collect(),
            text: String::new(),
            cells: Vec::new(),
            widths: headers.iter().map(|h| h.width()).collect(),
        }
    }

    /// One row: as many cells as there are headers (missing ones are empty, extra ones
    /// dropped). One line per cell, so a provider's name with a newline or an escape cannot
    /// break the layout or reach the terminal; the width is measured after the stand-ins are in.
    pub fn push<'a>(&mut self, row: impl IntoIterator<Item = &'a str>) {
        let mut row = row.into_iter();
        for column in 0..self.headers.len() {
            let cell = crate::text::line(row.next().unwrap_or(""));
            let width = crate::util::push_ellipsized(&mut self.text, &cell, MAX_CELL);
            self.cells.push((self.text.len(), width));
            self.widths[column] = self.widths[column].max(width);
        }
    }

    pub fn write(&self, out: &mut impl std::io::Write) -> std::io::Result<()> {
        let columns = self.headers.len();
        let header: Vec<(&str, usize)> = self.headers.iter().map(|h| (h.as_str(), h.width())).collect();
        write_row(out, &header, &self.widths)?;
        let mut start = 0;
        let mut row = Vec::with_capacity(columns);
        for chunk in self.cells.chunks(columns.max(1)) {
            row.clear();
            for &(end, width) in chunk {
                row.push((&self.text[start..end], width));
                start = end;
            }
            write_row(out, &row, &self.widths)?;
        }
        Ok(())
    }
}

fn write_row(out: &mut impl std::io::Write, row: &[(&str, usize)], widths: &[usize]) -> std::io::Result<()> {
    const SPACES: &[u8] = &[b' '; MAX_CELL + 2];
    let last = row.len().saturating_sub(1);
    for (i, &(cell, width)) in row.iter().enumerate() {
        out.write_all(cell.as_bytes())?;
        if i < last {
            let mut pad = widths.get(i).copied().unwrap_or(0).saturating_sub(width) + 2;
            while pad > 0 {
                let n = pad.min(SPACES.len());
                out.write_all(&SPACES[..n])?;
                pad -= n;
            }
        }
    }
    out.write_all(b"\n")
}

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
        use crate::util::ellipsize as truncate;
        assert_eq!(truncate("Łukasz Wiśniewski", 8), "Łukasz …");
        assert_eq!(truncate("山田太郎", 5), "山田…");
        assert_eq!(truncate("short", 10), "short");
    }

    #[test]
    fn long_cells_are_cut_to_the_cell_width_and_still_line_up() {
        let long = "山".repeat(30);
        let t = render(&["NAME", "ID"], &[vec![long.clone(), "a".into()], vec!["x".repeat(60), "b".into()]]);
        let lines: Vec<&str> = t.lines().collect();
        // 23 wide characters and the ellipsis: 47 columns, one short of the other row's 48.
        assert_eq!(lines[1], format!("{}…   a", "山".repeat(23)));
        assert_eq!(lines[2], format!("{}…  b", "x".repeat(MAX_CELL - 1)));
        let id_col = |l: &str| l[..l.rfind(' ').unwrap()].width();
        assert_eq!(id_col(lines[0]), id_col(lines[1]));
        assert_eq!(id_col(lines[1]), id_col(lines[2]));
    }

    #[test]
    fn a_row_short_of_cells_is_padded_and_one_too_long_is_cut() {
        let mut t = Table::new(&["A", "B"]);
        t.push(["1"]);
        t.push(["2", "x", "dropped"]);
        let mut out = Vec::new();
        t.write(&mut out).unwrap();
        assert_eq!(String::from_utf8(out).unwrap(), "A  B\n1  \n2  x\n");
    }
}
