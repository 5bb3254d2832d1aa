//! Pure render functions over `AppState`. Nothing here changes state or does I/O.

mod change;
mod checkout;
mod checkout_sessions;
mod customers;
mod detail;
mod details;
mod events;
mod invoices;
mod overlays;
mod payments;
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
    draw_screen(frame, state, theme);
    neutralise(frame.buffer_mut());
}

/// The last line of defence for "nothing from a provider reaches the terminal raw": a view
/// that forgot `till::text` loses a C0 or C1 control to ratatui unseen, but a bidi override
/// (zero width) rides along in the cell before it and would reach the terminal. Views show
/// stand-ins themselves; this only makes sure no such character leaves in any cell.
fn neutralise(buffer: &mut ratatui::buffer::Buffer) {
    for cell in &mut buffer.content {
        if cell.symbol().chars().any(crate::text::is_unsafe) {
            let kept: String = cell.symbol().chars().filter(|c| !crate::text::is_unsafe(*c)).collect();
            cell.set_symbol(if kept.is_empty() { "\u{FFFD}" } else { &kept });
        }
    }
}

fn draw_screen(frame: &mut Frame, state: &AppState, theme: &Theme) {
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
    status::draw_overflow(frame, state, theme, areas.status);
}

/// One dialog of the stack, drawn over what is beneath it.
fn draw_dialog(frame: &mut Frame, state: &AppState, dialog: &Dialog, theme: &Theme, area: Rect) {
    match dialog {
        Dialog::Checkout(b) => checkout::draw(frame, b, theme, checkout_area(area), state.now),
        Dialog::CheckoutSessions(s) => checkout_sessions::draw(frame, state, s, theme, area),
        Dialog::Events(e) => events::draw(frame, state, e, theme, area),
        Dialog::Change(f) => change::change(frame, f, theme, checkout_area(area)),
        Dialog::Cancel(f) => change::cancel(frame, f, theme, checkout_area(area), state.now.date_naive()),
        Dialog::Help { scroll, contexts } => overlays::help(frame, *scroll, contexts, state, theme, area),
        Dialog::Palette(p) => overlays::palette(frame, state, p, theme, area),
        Dialog::Requests(r) => requests::draw(frame, r, theme, area),
        Dialog::Invoices(i) => invoices::draw(frame, i, theme, area),
        Dialog::Detail(d) => detail::draw(frame, d, theme, area),
        Dialog::Payments(p) => payments::list(frame, p, theme, area),
        Dialog::Refund(f) => payments::refund(frame, f, theme, area),
        Dialog::Usage(f) => payments::usage(frame, f, theme, area),
        Dialog::CustomerWrite(f) => payments::customer_write(frame, f, theme, area),
        Dialog::Audit { customer, entries, offset, note, control } => {
            let audit = change::AuditView { customer, entries, offset: *offset, note: note.as_deref(), control };
            change::audit(frame, &audit, theme, area)
        }
        Dialog::PresetSave(_) | Dialog::PresetLoad { .. } | Dialog::LiveConfirm(_) => {
            checkout::prompt(frame, dialog, theme, checkout_area(area))
        }
        Dialog::Discard { what } => overlays::discard(frame, what, theme, area),
    }
}

/// The builder covers everything between the tab row and the status bar.
pub fn checkout_area(area: Rect) -> Rect {
    layout::checkout_area(area)
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

/// The header's right end: the profile and the account the tab acts on (where they fit,
/// the account shortened first), the mode badge and, while writes are off, READ-ONLY: who and
/// what the console is acting on is never out of sight.
fn context_spans<'a>(state: &AppState, theme: &Theme, room: usize) -> Vec<Span<'a>> {
    let mut badges = vec![Span::styled(format!(" {} ", status::mode_name(state.mode)), theme.badge(state.mode))];
    if state.read_only {
        badges.push(Span::raw(" "));
        badges.push(Span::styled(" READ-ONLY ", theme.badge(crate::tui::state::Mode::Test)));
    }
    let width = |spans: &[Span]| spans.iter().map(|s| s.content.chars().count()).sum::<usize>();
    let left = room.saturating_sub(width(&badges));
    let account = state.tab_account().map(crate::text::line);
    let short = account.as_deref().and_then(short_account);
    let candidates = [
        account.as_deref().map(|a| format!("{} · {a} ", state.profile)),
        short.as_deref().map(|a| format!("{} · {a} ", state.profile)),
        short.as_deref().map(|a| format!("{a} ")),
        Some(format!("{} ", state.profile)),
    ];
    if let Some(context) = candidates.into_iter().flatten().find(|c| c.chars().count() <= left) {
        badges.insert(0, Span::styled(context, theme.dim()));
    }
    badges
}

/// `org 3c90c3cc…` for `org 3c90c3cc-0d44-…`: enough to tell two accounts apart at a glance.
/// A host is not cut (`127.0.0.…` would name nothing).
fn short_account(account: &str) -> Option<String> {
    let (kind, id) = account.split_once(' ')?;
    let cut: String = id.chars().take(8).collect();
    Some(if cut.chars().count() < id.chars().count() { format!("{kind} {cut}…") } else { account.to_string() })
}

fn tabs(frame: &mut Frame, state: &AppState, theme: &Theme, areas: &Areas) {
    let width = areas.tabs.width;
    let tabs_width: usize = (0..state.views.len()).map(|t| state.tab_label(t, width).chars().count() + 1).sum();
    let right = context_spans(state, theme, (areas.tabs.width as usize).saturating_sub(tabs_width + 1));
    let right_w = right.iter().map(|s| s.content.chars().count()).sum::<usize>() as u16;
    frame.render_widget(
        Paragraph::new(Line::from(right)).alignment(Alignment::Right),
        Rect {
            x: areas.tabs.x + areas.tabs.width.saturating_sub(right_w),
            width: right_w.min(areas.tabs.width),
            ..areas.tabs
        },
    );
    let areas_tabs = Rect { width: areas.tabs.width.saturating_sub(right_w + 1), ..areas.tabs };
    let mut spans = Vec::new();
    for t in 0..state.views.len() {
        spans.push(Span::styled(state.tab_label(t, width), theme.tab(t == state.tab)));
        spans.push(Span::styled("│", theme.dim()));
    }
    spans.pop();
    frame.render_widget(Paragraph::new(Line::from(spans)), areas_tabs);
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

/// "12 of 48 · sorted by Total ↓ · filter: 5xx" (or "48") for a list's title.
pub(crate) fn list_title(
    control: &crate::tui::state::listing::ListControl,
    columns: &[&str],
    shown: usize,
    total: usize,
) -> String {
    let count = if shown == total { total.to_string() } else { format!("{shown} of {total}") };
    let how = control.describe(columns);
    if how.is_empty() { count } else { format!("{count} · {how}") }
}

/// Header cells for the columns a table shows (`shown` indexes `columns`), the sorted one
/// marked ↑ or ↓. The short names replace "(ms)" and such for narrow cells.
pub(crate) fn sorted_headers(
    control: &crate::tui::state::listing::ListControl,
    columns: &[&str],
    shown: &[usize],
) -> Vec<String> {
    shown
        .iter()
        .map(|&i| {
            let name = columns.get(i).copied().unwrap_or("");
            let short = name.split(" (").next().unwrap_or(name);
            control.header(i, short)
        })
        .collect()
}

/// A bordered block whose border shows focus and whose title never overflows.
pub(crate) fn pane_block<'a>(title: String, focused: bool, theme: &Theme, width: u16) -> Block<'a> {
    // Titles carry provider names (a customer's, a plan's): never drawn raw.
    let title = crate::util::ellipsize(&crate::text::line(&title), width.saturating_sub(4) as usize);
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

#[cfg(test)]
mod neutralise_tests {
    use ratatui::buffer::Buffer;
    use ratatui::layout::Rect;

    #[test]
    fn no_bidi_control_leaves_in_a_cell_whatever_a_view_forgot() {
        let mut buffer = Buffer::empty(Rect::new(0, 0, 4, 1));
        buffer[(0, 0)].set_symbol("x\u{202e}");
        buffer[(1, 0)].set_symbol("\u{2066}");
        buffer[(2, 0)].set_symbol("\u{9b}");
        buffer[(3, 0)].set_symbol("é");
        super::neutralise(&mut buffer);
        let cells: Vec<&str> = buffer.content.iter().map(|c| c.symbol()).collect();
        assert_eq!(cells, ["x", "\u{FFFD}", "\u{FFFD}", "é"]);
    }
}
