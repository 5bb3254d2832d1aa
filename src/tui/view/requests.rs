//! The request log overlay: a list of exchanges, and one exchange in full (secrets were
//! redacted by the HTTP layer before anything was logged).

use ratatui::Frame;
use ratatui::layout::{Constraint, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Cell, Clear, Paragraph, Row, Table, TableState};

use super::{Theme, pane_block, pane_message};
use crate::providers::log::Exchange;
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
                Cell::from(ellipsize(e.path(), path_w as usize)),
                Cell::from(status),
                Cell::from(format!("{} ms", e.duration.as_millis())),
            ];
            if id_w > 0 {
                cells.push(Cell::from(ellipsize(e.request_id.as_deref().unwrap_or(""), id_w as usize)));
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
    let block = pane_block(format!("{} {} · c copy curl · Esc back", e.method, e.path()), true, theme, rect.width);
    let mut lines = vec![
        Line::from(vec![Span::styled(format!("{} {}", e.method, e.url), theme.header())]),
        Line::from(format!(
            "status {} · {} ms · attempt {} · request id {}",
            e.status.map_or("no response".to_string(), |s| s.to_string()),
            e.duration.as_millis(),
            e.attempt,
            e.request_id.as_deref().unwrap_or("—")
        )),
    ];
    if e.queued_ms > 0 {
        let why = e.queued_for.as_deref().unwrap_or("the provider's request budget");
        lines.push(Line::from(format!("waited {} ms before sending: {why}", e.queued_ms)));
    }
    if let Some(err) = &e.error {
        lines.push(Line::from(Span::styled(format!("error: {err}"), theme.error())));
    }
    lines.push(Line::from(Span::styled(
        format!("Request headers ({} bytes body)", e.request_body_size),
        theme.header(),
    )));
    lines.extend(e.request_headers.iter().map(|h| Line::from(format!("  {}: {}", h.name, h.value))));
    body_lines(&mut lines, e.request_body.as_deref());
    lines.push(Line::from(Span::styled(
        format!("Response headers ({} bytes body)", e.response_body_size),
        theme.header(),
    )));
    lines.extend(e.response_headers.iter().map(|h| Line::from(format!("  {}: {}", h.name, h.value))));
    body_lines(&mut lines, e.response_body.as_deref());
    let visible: Vec<Line> = lines.into_iter().skip(scroll).collect();
    frame.render_widget(Paragraph::new(visible).block(block), rect);
}

/// Pretty-prints JSON bodies; other text as is.
fn body_lines(lines: &mut Vec<Line<'static>>, body: Option<&str>) {
    let Some(body) = body.filter(|b| !b.is_empty()) else { return };
    let pretty = serde_json::from_str::<serde_json::Value>(body)
        .ok()
        .and_then(|v| serde_json::to_string_pretty(&v).ok())
        .unwrap_or_else(|| body.to_string());
    lines.extend(pretty.lines().map(|l| Line::from(format!("  {l}"))));
}
