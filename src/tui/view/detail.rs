//! A detail view: the breadcrumb path in the title, then the object's fields grouped under
//! headings, labels in one column and values wrapped (never cut) in the other; or its JSON.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Clear, Paragraph};

use super::{Theme, pane_block};
use crate::tui::state::detail::{DetailLine, DetailState};
use crate::tui::state::detail_rows::{json_rows, value_rows};

pub fn draw(frame: &mut Frame, d: &DetailState, theme: &Theme, area: Rect) {
    let rect = Rect { x: area.x, y: area.y + 1, width: area.width, height: area.height.saturating_sub(2) };
    frame.render_widget(Clear, rect);
    let path = d.crumbs.join(" › ");
    let keys = match (d.show_json, &d.raw) {
        (true, Some(Some(_))) => "the provider's JSON · v fields · Esc back",
        (true, _) if d.kind == crate::tui::state::detail::DetailKind::Event => {
            "the payload sent · v fields · Y copy · Esc back"
        }
        (true, _) => "till's JSON · v fields · Y copy · Esc back",
        (false, _) => "y copy · Y JSON · v raw · Esc back",
    };
    let block = pane_block(format!("{path} · {keys}"), true, theme, rect.width);
    let inner = block.inner(rect);
    frame.render_widget(block, rect);
    let lines = if d.show_json { json_lines(d, inner) } else { field_lines(d, theme, inner) };
    frame.render_widget(Paragraph::new(lines), inner);
}

/// The JSON from its scroll row on, long lines wrapped under their indentation (never cut at
/// the border: a cut id or URL looked whole).
fn json_lines<'a>(d: &DetailState, inner: Rect) -> Vec<Line<'a>> {
    json_rows(d.shown_json(), inner.width as usize)
        .skip(d.json_scroll)
        .take(inner.height as usize)
        .map(Line::from)
        .collect()
}

/// Labels take the widest label's width (a third of the view at most); values wrap onto
/// continuation lines under themselves, so an id or a sum is never cut.
fn field_lines<'a>(d: &DetailState, theme: &Theme, inner: Rect) -> Vec<Line<'a>> {
    let (label_w, value_w) = d.columns(inner.width as usize);
    let mut out = Vec::new();
    for (i, line) in d.lines.iter().enumerate().skip(d.offset) {
        match line {
            DetailLine::Section(title) => {
                out.push(Line::from(Span::styled(crate::text::line(title).into_owned(), theme.header())))
            }
            DetailLine::Field { label, value, target, .. } => {
                let selected = i == d.selected;
                let style = if selected { theme.selected(true) } else { ratatui::style::Style::default() };
                let mark = if target.is_some() { "›" } else { " " };
                // Provider text: each unsafe character drawn as a visible stand-in, as in the value.
                let label = crate::util::ellipsize(&crate::text::line(label), label_w);
                // Padded to columns: `{:<n}` pads to characters, and 고객 is two of them but four columns.
                let label_pad =
                    " ".repeat(label_w.saturating_sub(unicode_width::UnicodeWidthStr::width(label.as_str())));
                let mut chunks = value_rows(value, value_w).into_iter();
                let first = chunks.next().unwrap_or_default();
                out.push(Line::from(vec![
                    Span::styled(format!(" {label}{label_pad} "), theme.dim()),
                    Span::styled(format!("{mark}{first}"), style),
                ]));
                let pad = " ".repeat(label_w + 3);
                out.extend(chunks.map(|c| Line::from(vec![Span::raw(pad.clone()), Span::styled(c, style)])));
            }
        }
        if out.len() >= inner.height as usize {
            break;
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use crate::tui::state::detail_rows::wrap_value as wrap;

    #[test]
    fn values_wrap_at_spaces_and_long_ids_are_split_not_cut() {
        assert_eq!(wrap("Growth · active · €18.00", 12), vec!["Growth ·", "active ·", "€18.00"]);
        assert_eq!(wrap("sub_0123456789abcdef", 8), vec!["sub_0123", "456789ab", "cdef"]);
        assert_eq!(wrap("short", 20), vec!["short"]);
    }

    /// Wide characters were counted one column each: a Hangul name or a row of hearts ran
    /// past the value column and the pane's border cut off its end.
    #[test]
    fn wide_values_stay_inside_their_column_and_are_drawn_whole() {
        use crate::tui::state::detail::{DetailKind, DetailLine, DetailState};
        use crate::tui::view::Theme;
        use ratatui::Terminal;
        use ratatui::backend::TestBackend;
        use unicode_width::UnicodeWidthStr;

        let hangul = "김민준박서연이하은최지우정예준강도윤조서준윤하윤장지호 님";
        let hearts = "❤\u{fe0f}".repeat(14) + " 고객";
        let lines = vec![
            DetailLine::field("Name", hangul),
            DetailLine::field("Note", hearts.clone()),
            DetailLine::field("고객 메모", "메모 ".repeat(12)),
        ];
        let d = DetailState::new(DetailKind::Customer, vec!["김민준".into()], lines, String::new());
        let (w, h) = (36, 20);
        for value in [hangul, hearts.as_str()] {
            let (_, value_w) = d.columns(usize::from(w) - 2);
            let chunks = wrap(value, value_w);
            assert!(chunks.iter().all(|c| c.width() <= value_w), "wider than {value_w}: {chunks:?}");
            assert_eq!(chunks.concat().replace(' ', ""), value.replace(' ', ""), "nothing lost");
        }
        let inner = ratatui::layout::Rect::new(1, 2, w - 2, h - 4);
        for line in super::field_lines(&d, &Theme { color: false }, inner) {
            assert!(line.width() <= usize::from(inner.width), "{} columns: {line:?}", line.width());
        }
        let mut terminal = Terminal::new(TestBackend::new(w, h)).unwrap();
        terminal.draw(|f| super::draw(f, &d, &Theme { color: false }, f.area())).unwrap();
        let buffer = terminal.backend().buffer();
        // The pane's inside, border columns left out, read row by row.
        let drawn: String = (2..h - 2)
            .flat_map(|y| (1..w - 1).map(move |x| (x, y)))
            .map(|(x, y)| buffer[(x, y)].symbol().to_string())
            .collect::<String>()
            .replace(' ', "");
        for value in [hangul, hearts.as_str()] {
            assert!(drawn.contains(&value.replace(' ', "")), "{value:?} not drawn whole in {drawn:?}");
        }
    }
}
