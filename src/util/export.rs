//! Lists written as CSV for spreadsheets, shared by the console's `:export csv` and the CLI's
//! `--output csv`. Cells come from providers, so a cell a spreadsheet would run as a formula
//! (`=HYPERLINK(…)`, `+1`, `@SUM`, a leading tab) is written with a leading `'`, as OWASP
//! advises; negative amounts (`-5.00`) stay numbers.

/// The rows as CSV (RFC 4180: quoted where needed, CRLF-free `\n` line ends), header first.
pub fn csv(columns: &[&str], rows: &[Vec<String>]) -> Result<String, String> {
    let mut writer = csv::WriterBuilder::new().terminator(csv::Terminator::Any(b'\n')).from_writer(Vec::new());
    writer.write_record(columns).map_err(|e| format!("could not write CSV: {e}"))?;
    for row in rows {
        writer
            .write_record(row.iter().map(|c| defuse(c).into_owned()))
            .map_err(|e| format!("could not write CSV: {e}"))?;
    }
    let bytes = writer.into_inner().map_err(|e| format!("could not write CSV: {e}"))?;
    String::from_utf8(bytes).map_err(|e| format!("could not write CSV: {e}"))
}

/// A cell a spreadsheet would evaluate, made text.
fn defuse(cell: &str) -> std::borrow::Cow<'_, str> {
    let risky = match cell.chars().next() {
        Some('=' | '+' | '@' | '\t' | '\r') => true,
        // "-5.00" is a number; "-cmd|…" is not.
        Some('-') => !cell[1..].trim_start().starts_with(|c: char| c.is_ascii_digit()),
        _ => false,
    };
    if risky { format!("'{cell}").into() } else { cell.into() }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cells_are_quoted_and_formulas_defused() {
        let rows = vec![
            vec!["Müller, Jürgen".to_string(), "-5.00".to_string()],
            vec!["=HYPERLINK(\"http://x\")".to_string(), "@SUM(A1)".to_string()],
            vec!["say \"hi\"\nthere".to_string(), "-cmd|' /C calc'!A0".to_string()],
        ];
        let out = csv(&["Name", "Amount"], &rows).unwrap();
        assert_eq!(
            out,
            "Name,Amount\n\"Müller, Jürgen\",-5.00\n\"'=HYPERLINK(\"\"http://x\"\")\",'@SUM(A1)\n\"say \"\"hi\"\"\nthere\",'-cmd|' /C calc'!A0\n"
        );
    }
}
