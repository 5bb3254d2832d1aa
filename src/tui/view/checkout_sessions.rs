//! The checkout-sessions list: status, customer, amount, created and expiry, newest first.
//! Customer names shrink first; money, dates and statuses keep their width.

use chrono::{DateTime, Utc};
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Clear, Paragraph};

use super::{Theme, pane_block};
use crate::billing::CheckoutListing;
use crate::tui::state::AppState;
use crate::tui::state::checkout_sessions::SessionsState;
use crate::tui::state::listing::Tabular;
use crate::util::ellipsize;

pub fn draw(frame: &mut Frame, state: &AppState, s: &SessionsState, theme: &Theme, area: Rect) {
    let rect = Rect { x: area.x, y: area.y + 1, width: area.width, height: area.height.saturating_sub(2) };
    frame.render_widget(Clear, rect);
    let loading = if s.loading.is_empty() { "" } else { " · loading…" };
    let visible = s.visible();
    let block = pane_block(
        format!(
            "Checkout sessions · {}{loading} · Enter reopen · y copy URL · / filter · s sort · Esc close",
            super::list_title(&s.control, <(u8, CheckoutListing) as Tabular>::columns(), visible.len(), s.rows.len())
        ),
        true,
        theme,
        rect.width,
    );
    let inner = block.inner(rect);
    frame.render_widget(block, rect);
    let width = usize::from(inner.width);
    let mut lines: Vec<Line> =
        s.notes.iter().map(|n| Line::from(Span::styled(ellipsize(n, width), theme.dim()))).collect();
    let many = s.slots.len() > 1;
    let cols = Columns::fit(width, many);
    let names = <(u8, CheckoutListing) as Tabular>::columns();
    let header: Vec<String> =
        super::sorted_headers(&s.control, names, &[0, 1, 2, 3, 4, 5]).iter().map(|h| h.to_uppercase()).collect();
    lines.push(Line::from(Span::styled(
        cols.row([&header[0], &header[1], &header[2], &header[3], &header[4], &header[5]]),
        theme.header(),
    )));
    if s.rows.is_empty() {
        let text = if s.loading.is_empty() { "No checkout sessions yet (n creates one)" } else { "Loading…" };
        lines.push(Line::from(Span::styled(text, theme.dim())));
    } else if visible.is_empty() {
        lines.push(Line::from(Span::styled("No session matches the filter (Esc clears it)", theme.dim())));
    }
    let height = usize::from(inner.height).saturating_sub(lines.len() + 1).max(1);
    let start = s.selected.saturating_sub(height.saturating_sub(1));
    let rows = visible.iter().filter_map(|&i| s.rows.get(i));
    for (i, (slot, l)) in rows.enumerate().skip(start).take(height) {
        let provider = state.slots.get(usize::from(*slot)).map_or("", |p| p.kind.display_name());
        let text = cols.row([
            provider,
            &l.session.status_text(),
            &customer(l),
            &amount(l),
            &when(l.created_at, cols.date),
            &when(l.session.expires_at, cols.date),
        ]);
        lines.push(Line::from(Span::styled(text, theme.selected(i == s.selected))));
    }
    if let Some((_, l)) = s.selected_row() {
        let url = if l.session.url.is_some() { "URL known" } else { "no URL (returned only at creation)" };
        lines.push(Line::from(Span::styled(ellipsize(&format!("{} · {url}", l.session.id), width), theme.dim())));
    }
    frame.render_widget(Paragraph::new(lines), inner);
}

fn customer(l: &CheckoutListing) -> String {
    l.customer_name.clone().or(l.customer_email.clone()).or(l.session.customer_id.clone()).unwrap_or_else(|| "—".into())
}

fn amount(l: &CheckoutListing) -> String {
    l.amount.map_or_else(|| "—".into(), |m| m.to_string())
}

fn when(t: Option<DateTime<Utc>>, long: bool) -> String {
    t.map_or_else(|| "—".into(), |t| t.format(if long { "%Y-%m-%d %H:%M" } else { "%m-%d %H:%M" }).to_string())
}

/// Column widths for a width: fixed ones for status, money and dates; the customer takes the
/// rest; the provider column only when several providers are listed.
struct Columns {
    provider: usize,
    status: usize,
    customer: usize,
    amount: usize,
    created: usize,
    date: bool,
}

impl Columns {
    fn fit(width: usize, many: bool) -> Columns {
        let date = width >= 100;
        let d = if date { 16 } else { 11 };
        let provider = if many { 9 } else { 0 };
        // "complete (success)": the normalised status and the provider's word.
        let (status, amount) = (if width >= 90 { 20 } else { 14 }, 14);
        let fixed = provider + status + amount + 2 * d + 5;
        Columns { provider, status, customer: width.saturating_sub(fixed).max(8), amount, created: d, date }
    }

    fn row(&self, cells: [&str; 6]) -> String {
        let cell = |text: &str, w: usize| format!("{:<w$}", ellipsize(text, w));
        let mut out = String::new();
        if self.provider > 0 {
            out.push_str(&cell(cells[0], self.provider));
            out.push(' ');
        }
        out.push_str(&cell(cells[1], self.status));
        out.push(' ');
        out.push_str(&cell(cells[2], self.customer));
        out.push(' ');
        out.push_str(&format!("{:>w$}", ellipsize(cells[3], self.amount), w = self.amount));
        out.push(' ');
        out.push_str(&cell(cells[4], self.created));
        out.push(' ');
        out.push_str(&ellipsize(cells[5], self.created));
        out
    }
}
