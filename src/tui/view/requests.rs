//! The request log overlay: a list of exchanges, and one exchange in full (secrets were
//! redacted by the HTTP layer before anything was logged).

use ratatui::Frame;
use ratatui::layout::{Constraint, Rect};
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Cell, Clear, Paragraph, Row, Table, TableState};

use super::{Theme, pane_block, pane_message};
use crate::providers::log::Exchange;
use crate::tui::state::detail_rows::indented_rows;
use crate::tui::state::listing::Tabular;
use crate::tui::state::requests::RequestsState;
use crate::util::ellipsize;

pub fn draw(frame: &mut Frame, r: &RequestsState, theme: &Theme, area: Rect) {
    let rect = Rect { x: area.x, y: area.y + 1, width: area.width, height: area.height.saturating_sub(2) };
    frame.render_widget(Clear, rect);
    if r.detail
        && let Some(e) = r.selected()
    {
        return detail(frame, e, r.scroll, theme, rect);
    }
    let visible = r.visible();
    let columns = <Exchange as Tabular>::columns();
    let shown = super::list_title(&r.control, columns, visible.len(), r.entries.len());
    let block = pane_block(
        format!("Requests · {shown} · Enter details · c copy curl · / filter · s sort · Esc back"),
        true,
        theme,
        rect.width,
    );
    let inner = block.inner(rect);
    frame.render_widget(block, rect);
    if visible.is_empty() {
        let text =
            if r.entries.is_empty() { "No requests yet" } else { "No request matches the filter (Esc clears it)" };
        pane_message(frame, inner, text, theme.dim());
        return;
    }
    let height = inner.height.saturating_sub(1) as usize;
    // The path says what a request did; below 110 columns the request id (in the details,
    // Enter) gives its room to the path.
    let id_w: u16 = if inner.width >= 110 { 22 } else { 0 };
    let path_w = inner.width.saturating_sub(8 + 9 + 7 + 7 + 7 + id_w + if id_w > 0 { 6 } else { 5 });
    let rows: Vec<Row> = visible
        .iter()
        .filter_map(|&i| r.entries.get(i))
        .skip(r.offset)
        .take(height)
        .map(|e| {
            let status = match e.status {
                Some(s) => Span::styled(s.to_string(), if s < 400 { theme.ok() } else { theme.error() }),
                None => Span::styled("—", theme.error()),
            };
            let mut cells = vec![
                Cell::from(e.started_at.format("%H:%M:%S").to_string()),
                Cell::from(e.provider.display_name()),
                Cell::from(e.method.clone()),
                Cell::from(ellipsize(&escaped(e.path()), path_w as usize)),
                Cell::from(status),
                Cell::from(format!("{} ms", e.duration.as_millis())),
            ];
            if id_w > 0 {
                cells.push(Cell::from(ellipsize(&escaped(e.request_id.as_deref().unwrap_or("")), id_w as usize)));
            }
            Row::new(cells)
        })
        .collect();
    let mut widths = vec![8, 9, 7, path_w, 7, 7];
    let mut shown = vec![0, 1, 2, 3, 4, 5];
    if id_w > 0 {
        widths.push(id_w);
        shown.push(6);
    }
    let table = Table::new(rows, widths.into_iter().map(Constraint::Length))
        .header(Row::new(super::sorted_headers(&r.control, columns, &shown)).style(theme.header()))
        .row_highlight_style(theme.selected(true))
        .column_spacing(1);
    let mut ts = TableState::default().with_selected(Some(r.selected.saturating_sub(r.offset)));
    frame.render_stateful_widget(table, inner, &mut ts);
}

fn detail(frame: &mut Frame, e: &Exchange, scroll: usize, theme: &Theme, rect: Rect) {
    let title = format!("{} {} · c copy curl · Esc back", e.method, escaped(e.path()));
    let block = pane_block(title, true, theme, rect.width);
    let inner = block.inner(rect);
    let plain = Style::default();
    let mut lines = vec![
        (format!("{} {}", e.method, escaped(&e.url)), theme.header()),
        (
            format!(
                "status {} · {} ms · attempt {} · request id {}",
                e.status.map_or("no response".to_string(), |s| s.to_string()),
                e.duration.as_millis(),
                e.attempt,
                escaped(e.request_id.as_deref().unwrap_or("—"))
            ),
            plain,
        ),
    ];
    if e.queued_ms > 0 {
        let why = e.queued_for.as_deref().unwrap_or("the provider's request budget");
        lines.push((format!("waited {} ms before sending: {why}", e.queued_ms), plain));
    }
    if let Some(err) = &e.error {
        lines.push((format!("error: {}", escaped(err)), theme.error()));
    }
    lines.push((format!("Request headers ({} bytes body)", e.request_body_size), theme.header()));
    lines.extend(e.request_headers.iter().map(|h| (header_line(h), plain)));
    body_lines(&mut lines, e.request_body.as_deref());
    lines.push((format!("Response headers ({} bytes body)", e.response_body_size), theme.header()));
    lines.extend(e.response_headers.iter().map(|h| (header_line(h), plain)));
    body_lines(&mut lines, e.response_body.as_deref());
    // Every line wrapped under its indentation, the scroll counted in rows: a long URL, header
    // or body line was cut at the border with nothing to say there was more.
    let width = usize::from(inner.width);
    let visible: Vec<Line> = lines
        .iter()
        .flat_map(|(text, style)| indented_rows(text, width).into_iter().map(|row| Line::styled(row, *style)))
        .skip(scroll)
        .take(usize::from(inner.height))
        .collect();
    frame.render_widget(block, rect);
    frame.render_widget(Paragraph::new(visible), inner);
}

/// What the exchange holds, with a C1 or bidi control shown as its code point: ratatui drops a
/// zero-width U+202E from its cells, or draws it raw inside a wider one, and either way the
/// log showed something other than what was sent (as `till requests show` writes it).
fn escaped(text: &str) -> std::borrow::Cow<'_, str> {
    crate::text::line_escaped(text)
}

fn header_line(h: &crate::providers::log::LoggedHeader) -> String {
    format!("  {}: {}", escaped(&h.name), escaped(&h.value))
}

/// Pretty-prints JSON bodies, a C1 or bidi control in them as JSON's escape (`\u202e`, the same
/// value, as a curl export writes it); other text as is, escaped as the rest of the view.
fn body_lines(lines: &mut Vec<(String, Style)>, body: Option<&str>) {
    let Some(body) = body.filter(|b| !b.is_empty()) else { return };
    let pretty = serde_json::from_str::<serde_json::Value>(body)
        .ok()
        .and_then(|v| serde_json::to_string_pretty(&v).ok())
        .map_or_else(|| body.to_string(), |pretty| crate::text::json(&pretty).into_owned());
    lines.extend(pretty.lines().map(|l| (format!("  {}", escaped(l)), Style::default())));
}

#[cfg(test)]
mod tests {
    use super::*;
    use ratatui::Terminal;
    use ratatui::backend::TestBackend;

    fn screen(r: &RequestsState) -> String {
        let mut terminal = Terminal::new(TestBackend::new(100, 24)).unwrap();
        terminal.draw(|f| draw(f, r, &Theme { color: false }, f.area())).unwrap();
        let buffer = terminal.backend().buffer();
        (0..24).map(|y| (0..100).map(|x| buffer[(x, y)].symbol()).collect::<String>() + "\n").collect()
    }

    /// A U+202E in a logged URL or body is a zero-width cell ratatui drops: the log showed the
    /// text as if it were not there. It shows the code point, as `till requests show` does.
    #[test]
    fn bidi_and_c1_controls_in_an_exchange_show_as_escapes() {
        let e: Exchange = serde_json::from_value(serde_json::json!({
            "id": 1, "provider": "flowglad", "started_at": "2026-12-07T10:00:00Z", "method": "POST",
            "url": "http://h/customers/a\u{202e}b", "status": 200, "duration": 3, "request_id": "req\u{9b}1",
            "request_headers": [{"name": "x-note", "value": "n\u{2067}o"}], "response_headers": [],
            "request_body": "{\"name\":\"evil\u{202e}gpj.exe\"}", "request_body_size": 25,
            "response_body": "plain \u{202e}text", "response_body_size": 13, "attempt": 1, "error": null
        }))
        .unwrap();
        let mut r = RequestsState { entries: vec![e], ..RequestsState::default() };
        let list = screen(&r);
        assert!(list.contains("/customers/a\\u{202E}b"), "{list}");
        r.detail = true;
        let shown = screen(&r);
        assert!(shown.contains("POST http://h/customers/a\\u{202E}b"), "{shown}");
        assert!(shown.contains("request id req\\u{009B}1"), "{shown}");
        assert!(shown.contains("x-note: n\\u{2067}o"), "{shown}");
        assert!(shown.contains(r#""name": "evil\u202egpj.exe""#), "a JSON body keeps its value: {shown}");
        assert!(shown.contains("plain \\u{202E}text"), "{shown}");
        for screen in [list, shown] {
            assert!(!screen.contains(['\u{202e}', '\u{2067}', '\u{9b}', '\u{fffd}']), "{screen}");
        }
    }

    /// The exchange's URL, a header or a body line wider than the view was cut at the border
    /// with nothing to say so. Each wraps under its own indentation, nothing lost.
    #[test]
    fn long_lines_of_an_exchange_wrap_instead_of_being_cut() {
        let query = (0..30).map(|i| format!("param{i}=value{i}")).collect::<Vec<_>>().join("&");
        let url = format!("http://h/api/v1/customers/cus_0123456789?{query}");
        let note = "a header value ".repeat(12);
        let e: Exchange = serde_json::from_value(serde_json::json!({
            "id": 1, "provider": "kelviq", "started_at": "2026-12-07T10:00:00Z", "method": "GET",
            "url": url, "status": 200, "duration": 3, "request_id": "req_1",
            "request_headers": [{"name": "x-note", "value": note}], "response_headers": [],
            "request_body": null, "request_body_size": 0,
            "response_body": null, "response_body_size": 0, "attempt": 1, "error": null
        }))
        .unwrap();
        let r = RequestsState { entries: vec![e], detail: true, ..RequestsState::default() };
        let shown = screen(&r);
        let rows: Vec<&str> = shown.lines().map(|l| l.trim_start_matches('┃').trim_end_matches('┃').trim()).collect();
        let start = rows.iter().position(|l| l.starts_with("GET")).unwrap_or_else(|| panic!("{shown}"));
        let squeezed: String = rows[start..].concat().replace(' ', "");
        assert!(squeezed.starts_with(&format!("GET{url}")), "the URL is drawn whole:\n{shown}");
        assert!(squeezed.contains(&format!("x-note:{}", note.replace(' ', ""))), "the header whole:\n{shown}");
    }
}
