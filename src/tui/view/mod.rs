//! Pure render functions over `AppState`. Nothing here changes state or does I/O.

mod change;
mod checkout;
mod checkout_sessions;
mod customers;
mod details;
mod invoices;
mod overlays;
pub mod qr;
mod requests;
mod status;
pub mod theme;

use ratatui::Frame;
use ratatui::layout::{Alignment, Rect};
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, BorderType, Paragraph};

use super::layout::{self, Areas};
use super::state::{AppState, Dialog, Pane};
pub use overlays::help_lines as overlays_help_lines;
pub use theme::Theme;

/// Below this the console asks for a bigger terminal instead of drawing a broken layout.
pub const MIN_SIZE: (u16, u16) = (60, 16);

pub fn draw(frame: &mut Frame, state: &AppState, theme: &Theme) {
    let area = frame.area();
    if area.width < MIN_SIZE.0 || area.height < MIN_SIZE.1 {
        let msg = format!(
            "Terminal too small ({}×{}); till needs at least {}×{}. q quits.",
            area.width, area.height, MIN_SIZE.0, MIN_SIZE.1
        );
        frame.render_widget(Paragraph::new(msg).wrap(ratatui::widgets::Wrap { trim: true }), area);
        return;
    }
    let areas = layout::areas(area, state.compact(), state.focus);
    tabs(frame, state, theme, &areas);
    if let Some(r) = areas.pane_tabs {
        pane_tabs(frame, state, theme, r);
    }
    if let Some(r) = areas.customers {
        customers::draw(frame, state, theme, r);
    }
    if let Some(r) = areas.subscriptions {
        details::subscriptions(frame, state, theme, r);
    }
    if let Some(r) = areas.entitlements {
        details::entitlements(frame, state, theme, r);
    }
    if let Some(r) = areas.plans {
        details::plans(frame, state, theme, r);
    }
    status::draw(frame, state, theme, areas.status);
    for dialog in &state.dialogs {
        draw_dialog(frame, state, dialog, theme, area);
    }
}

/// One dialog of the stack, drawn over what is beneath it.
fn draw_dialog(frame: &mut Frame, state: &AppState, dialog: &Dialog, theme: &Theme, area: Rect) {
    match dialog {
        Dialog::Checkout(b) => checkout::draw(frame, b, theme, checkout_area(area), state.now),
        Dialog::CheckoutSessions(s) => checkout_sessions::draw(frame, state, s, theme, area),
        Dialog::Change(f) => change::change(frame, f, theme, checkout_area(area)),
        Dialog::Cancel(f) => change::cancel(frame, f, theme, checkout_area(area), state.now.date_naive()),
        Dialog::Help { scroll, contexts } => overlays::help(frame, *scroll, contexts, state, theme, area),
        Dialog::Palette(p) => overlays::palette(frame, state, p, theme, area),
        Dialog::Requests(r) => requests::draw(frame, r, theme, area),
        Dialog::Invoices(i) => invoices::draw(frame, i, theme, area),
        Dialog::Audit { customer, entries, offset, note } => {
            change::audit(frame, customer, entries, *offset, note.as_deref(), theme, area)
        }
        Dialog::PresetSave(_) | Dialog::PresetLoad { .. } | Dialog::LiveConfirm(_) => {
            checkout::prompt(frame, dialog, theme, checkout_area(area))
        }
        Dialog::Discard { what } => overlays::discard(frame, what, theme, area),
    }
}

/// The builder covers everything between the tab row and the status bar.
pub fn checkout_area(area: Rect) -> Rect {
    Rect { x: area.x, y: area.y + 1, width: area.width, height: area.height.saturating_sub(2) }
}

/// Text drawn at (x, y), to be written again with an escape sequence around it.
pub type Cells = Vec<(u16, u16, String)>;

/// Cells holding the checkout URL on screen, to be rewritten as an OSC 8 hyperlink.
pub fn hyperlink_cells(state: &AppState, area: Rect) -> Option<(String, Cells)> {
    // Only while the result is on top: a dialog over it would hide the link.
    let Some(Dialog::Checkout(b)) = state.top() else { return None };
    let url = b.result.as_ref()?.session.url.clone()?;
    if area.width < MIN_SIZE.0 || area.height < MIN_SIZE.1 {
        return None;
    }
    Some((url, checkout::url_cells(b, checkout_area(area))))
}

fn tabs(frame: &mut Frame, state: &AppState, theme: &Theme, areas: &Areas) {
    let mut spans = Vec::new();
    for t in 0..state.views.len() {
        let mut label = format!(" {} {} ", t + 1, state.tab_title(t));
        if t > 0 && state.slots[t - 1].customers.error.is_some() {
            label = format!(" {} {} ! ", t + 1, state.tab_title(t));
        }
        spans.push(Span::styled(label, theme.tab(t == state.tab)));
        spans.push(Span::styled("│", theme.dim()));
    }
    spans.pop();
    frame.render_widget(Paragraph::new(Line::from(spans)), areas.tabs);
}

fn pane_tabs(frame: &mut Frame, state: &AppState, theme: &Theme, r: Rect) {
    let mut spans = Vec::new();
    for p in Pane::ALL {
        spans.push(Span::styled(format!(" {} ", p.title()), theme.tab(p == state.focus)));
        spans.push(Span::styled("·", theme.dim()));
    }
    spans.pop();
    frame.render_widget(Paragraph::new(Line::from(spans)), r);
}

/// A bordered block whose border shows focus and whose title never overflows.
pub(crate) fn pane_block<'a>(title: String, focused: bool, theme: &Theme, width: u16) -> Block<'a> {
    let title = crate::util::ellipsize(&title, width.saturating_sub(4) as usize);
    Block::bordered()
        .border_type(if focused { BorderType::Thick } else { BorderType::Plain })
        .border_style(theme.border(focused))
        .title(Span::styled(format!(" {title} "), theme.header()))
}

/// A message centred in a pane (loading, empty, error, not offered).
pub(crate) fn pane_message(frame: &mut Frame, area: Rect, text: &str, style: Style) {
    let p = Paragraph::new(text.to_string())
        .style(style)
        .alignment(Alignment::Center)
        .wrap(ratatui::widgets::Wrap { trim: true });
    let inner = Rect { y: area.y + area.height / 2, height: area.height.saturating_sub(area.height / 2), ..area };
    frame.render_widget(p, inner);
}
