//! The Events view: time, provider, type, object and what the deliveries came to, newest
//! first. Types and objects shrink first; times and delivery marks keep their width.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Clear, Paragraph};

use super::{Theme, pane_block};
use crate::billing::webhooks::WebhookEvent;
use crate::tui::state::AppState;
use crate::tui::state::events::{EventsState, Source};
use crate::tui::state::listing::Tabular;
use crate::util::ellipsize;

pub fn draw(frame: &mut Frame, state: &AppState, s: &EventsState, theme: &Theme, area: Rect) {
    let rect = Rect { x: area.x, y: area.y + 1, width: area.width, height: area.height.saturating_sub(2) };
    frame.render_widget(Clear, rect);
    let visible = s.visible();
    let how = match (&s.source, s.loading) {
        (_, true) => " · loading…",
        (Source::Sandbox(_), false) => " · live",
        (Source::Logs(_), false) => " · R reads again",
    };
    let resend = if matches!(s.source, Source::Sandbox(_)) { " · r resend" } else { "" };
    let block = pane_block(
        format!(
            "Events · {}{how} · Enter details{resend} · / filter · Esc close",
            super::list_title(&s.control, <WebhookEvent as Tabular>::columns(), visible.len(), s.rows.len())
        ),
        true,
        theme,
        rect.width,
    );
    let inner = block.inner(rect);
    frame.render_widget(block, rect);
    let width = usize::from(inner.width);
    let mut lines: Vec<Line> =
        s.note_lines().iter().map(|n| Line::from(Span::styled(ellipsize(n, width), theme.dim()))).collect();
    let many = state.tab == 0 && state.slots.len() > 1;
    let cols = Columns::fit(width, many);
    let names = <WebhookEvent as Tabular>::columns();
    let header: Vec<String> =
        super::sorted_headers(&s.control, names, &[0, 1, 2, 3, 4]).iter().map(|h| h.to_uppercase()).collect();
    lines.push(Line::from(Span::styled(
        cols.row([&header[0], &header[1], &header[2], &header[3], &header[4]]),
        theme.header(),
    )));
    if s.rows.is_empty() {
        let text = if s.loading {
            "Loading…"
        } else {
            "No events yet: they come with writes, checkouts paid and clock moves"
        };
        lines.push(Line::from(Span::styled(text, theme.dim())));
    } else if visible.is_empty() {
        lines.push(Line::from(Span::styled("No event matches the filter (Esc clears it)", theme.dim())));
    }
    let height = usize::from(inner.height).saturating_sub(lines.len() + 1).max(1);
    let start = s.selected.saturating_sub(height.saturating_sub(1));
    for (i, e) in visible.iter().filter_map(|&i| s.rows.get(i)).enumerate().skip(start).take(height) {
        let time = e.at.format(if cols.long_time { "%Y-%m-%d %H:%M:%S" } else { "%Y-%m-%d %H:%M" }).to_string();
        let object = e.object.as_deref().unwrap_or("—");
        let text = cols.row([&time, e.provider.display_name(), &e.kind, object, &e.delivery_summary()]);
        lines.push(Line::from(Span::styled(text, theme.selected(i == s.selected))));
    }
    if let Some(e) = s.selected_event() {
        let line = format!("{} · {}", e.id, e.object.as_deref().unwrap_or("no object"));
        lines.push(Line::from(Span::styled(ellipsize(&line, width), theme.dim())));
    }
    frame.render_widget(Paragraph::new(lines), inner);
}

/// Column widths for a width: the time and the delivery mark keep theirs; the type and the
/// object share the rest; the provider column only when several providers are listed.
struct Columns {
    time: usize,
    provider: usize,
    kind: usize,
    object: usize,
    delivery: usize,
    long_time: bool,
}

impl Columns {
    fn fit(width: usize, many: bool) -> Columns {
        let long_time = width >= 110;
        let time = if long_time { 19 } else { 16 };
        let provider = if many { 8 } else { 0 };
        let delivery = 16;
        let rest = width.saturating_sub(time + provider + delivery + 4);
        // The longest type names are about 26 characters (`checkout_session.completed`).
        let kind = (rest * 11 / 20).clamp(10, 26);
        Columns { time, provider, kind, object: rest.saturating_sub(kind).max(6), delivery, long_time }
    }

    fn row(&self, cells: [&str; 5]) -> String {
        let cell = |text: &str, w: usize| format!("{:<w$}", ellipsize(text, w));
        let mut out = cell(cells[0], self.time);
        out.push(' ');
        if self.provider > 0 {
            out.push_str(&cell(cells[1], self.provider));
            out.push(' ');
        }
        out.push_str(&cell(cells[2], self.kind));
        out.push(' ');
        out.push_str(&cell(cells[3], self.object));
        out.push(' ');
        out.push_str(&ellipsize(cells[4], self.delivery));
        out
    }
}
