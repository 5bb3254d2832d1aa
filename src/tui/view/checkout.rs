//! The checkout builder: the form on the left, the live estimate and request preview on the
//! right; after submit, the URL, a QR code, the session's status and the estimate.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Clear, Paragraph, Wrap};
use unicode_width::UnicodeWidthStr;

use super::{Theme, pane_block, qr};
use crate::billing::{CheckoutStatus, Estimate, EstimateSource};
use crate::tui::state::Dialog;
use crate::tui::state::checkout::CheckoutBuilder;
use crate::tui::state::checkout::form_layout::{Tone, form_lines};
use crate::util::ellipsize;

pub fn draw(frame: &mut Frame, b: &CheckoutBuilder, theme: &Theme, area: Rect, now: chrono::DateTime<chrono::Utc>) {
    frame.render_widget(Clear, area);
    if b.result.is_some() {
        return result(frame, b, theme, area, now);
    }
    let (form_area, estimate_area, preview_area) = crate::tui::layout::checkout_panes(area);
    form(frame, b, theme, form_area);
    estimate_pane(frame, b, theme, estimate_area);
    preview_pane(frame, b, theme, preview_area);
}

fn form(frame: &mut Frame, b: &CheckoutBuilder, theme: &Theme, area: Rect) {
    let block = pane_block(
        format!("New checkout · {} · Tab next field · Ctrl-S creates · Esc close", b.provider),
        true,
        theme,
        area.width,
    );
    let inner = block.inner(area);
    frame.render_widget(block, area);
    // The lines and the scroll come from the state, which the mouse hit-tests with.
    let form = form_lines(b, inner.width as usize);
    let scroll = form.scroll(inner.height);
    let lines: Vec<Line> = form
        .lines
        .into_iter()
        .map(|l| {
            Line::from(
                l.spans.into_iter().map(|(text, tone)| Span::styled(text, style(theme, tone))).collect::<Vec<_>>(),
            )
        })
        .collect();
    frame.render_widget(Paragraph::new(lines).scroll((scroll, 0)).wrap(Wrap { trim: false }), inner);
}

fn style(theme: &Theme, tone: Tone) -> Style {
    match tone {
        Tone::Plain => Style::default(),
        Tone::Header => theme.header(),
        Tone::Dim => theme.dim(),
        Tone::Error => theme.error(),
        Tone::Ok => theme.ok(),
        Tone::Selected(focused) => theme.selected(focused),
    }
}

fn estimate_pane(frame: &mut Frame, b: &CheckoutBuilder, theme: &Theme, area: Rect) {
    let source = match b.estimate.value.as_ref().map(|e| e.source) {
        Some(EstimateSource::Provider) => "provider estimate",
        Some(EstimateSource::Local) => "estimated locally",
        None => "estimate",
    };
    let title = match b.stale_reason() {
        Some(field) => format!("Estimate · stale: fix {field}"),
        None => format!("Billing estimate · {source}{}", if b.estimate.loading { " · updating…" } else { "" }),
    };
    let block = pane_block(title, false, theme, area.width);
    let inner = block.inner(area);
    frame.render_widget(block, area);
    let stale = b.stale_reason().is_some();
    let lines = match (&b.estimate.value, &b.estimate.error) {
        (_, Some(e)) => vec![Line::from(Span::styled(e.clone(), theme.error()))],
        (Some(e), None) => estimate_lines(e, theme, inner.width as usize),
        (None, None) => vec![Line::from(Span::styled("Shown once the form is valid", theme.dim()))],
    };
    frame.render_widget(Paragraph::new(stale_lines(lines, stale, theme)).wrap(Wrap { trim: false }), inner);
}

/// Current invoice lines and total, then the next invoice's date and total.
pub fn estimate_lines<'a>(e: &Estimate, theme: &Theme, width: usize) -> Vec<Line<'a>> {
    let mut lines = vec![Line::from(Span::styled(e.headline(), theme.header()))];
    for l in &e.current_invoice.lines {
        let amount = l.amount.rounded().to_string();
        let room = width.saturating_sub(UnicodeWidthStr::width(amount.as_str()) + 3).max(1);
        // Wrapped, never cut: a description may carry a figure of its own (KuvarPay's
        // "GHS 138.00 not returned"), and an ellipsis there hid money.
        let (first, mut rest) = crate::util::fit_words(&l.description, room);
        let pad = " ".repeat(room.saturating_sub(UnicodeWidthStr::width(first.as_str())));
        lines.push(Line::from(format!("  {first}{pad} {amount}")));
        while !rest.is_empty() {
            let (row, left) = crate::util::fit_words(rest, room);
            lines.push(Line::from(format!("  {row}")));
            rest = left;
        }
    }
    match &e.next_invoice {
        Some(n) => lines.push(Line::from(Span::styled(
            format!("Next invoice {} on {}", n.total, n.date.map(|d| d.to_string()).unwrap_or_default()),
            theme.header(),
        ))),
        None => lines.push(Line::from(Span::styled("No next invoice", theme.dim()))),
    }
    if e.source == EstimateSource::Local {
        lines.push(Line::from(Span::styled("estimated locally by till from catalog prices", theme.dim())));
    }
    lines
}

fn preview_pane(frame: &mut Frame, b: &CheckoutBuilder, theme: &Theme, area: Rect) {
    let title = match b.stale_reason() {
        // The stale mark comes first so a narrow pane's ellipsis never hides it.
        Some(field) => format!("Request · stale: fix {field} · copy keys refuse it"),
        None if b.preview.loading => "Request · updating… · Ctrl-B copy body · Ctrl-K copy curl".into(),
        None => "Request · Ctrl-B copy body · Ctrl-K copy curl".into(),
    };
    let block = pane_block(title, false, theme, area.width);
    let inner = block.inner(area);
    let stale = b.stale_reason().is_some();
    frame.render_widget(block, area);
    let lines: Vec<Line> = match (&b.preview.value, &b.preview.error) {
        (_, Some(e)) => vec![Line::from(Span::styled(e.clone(), theme.error()))],
        (Some(p), None) => {
            let mut out = vec![Line::from(Span::styled(format!("{} {}", p.method, p.url), theme.header()))];
            out.extend(p.pretty_body().unwrap_or_default().lines().map(|l| Line::from(l.to_string())));
            out.push(Line::from(""));
            out.extend(p.curl().lines().map(|l| Line::from(Span::styled(l.to_string(), theme.dim()))));
            out
        }
        (None, None) => vec![Line::from(Span::styled(
            b.blocker().map_or_else(|| "…".into(), |r| format!("Fix to preview: {r}")),
            theme.dim(),
        ))],
    };
    frame.render_widget(Paragraph::new(stale_lines(lines, stale, theme)).wrap(Wrap { trim: false }), inner);
}

/// A stale pane's content, dimmed so it does not read as the current request.
fn stale_lines<'a>(lines: Vec<Line<'a>>, stale: bool, theme: &Theme) -> Vec<Line<'a>> {
    if !stale {
        return lines;
    }
    lines.into_iter().map(|l| l.style(theme.dim())).collect()
}

/// The preset and LIVE-confirmation prompts stacked on the form.
pub fn prompt(frame: &mut Frame, dialog: &Dialog, theme: &Theme, area: Rect) {
    let (title, lines) = match dialog {
        Dialog::PresetSave(name) => (
            "Save preset as (the customer is never saved) · Enter saves · Esc cancels",
            vec![Line::from(format!("{name}▏"))],
        ),
        Dialog::LiveConfirm(typed) => (
            "LIVE checkout · type the customer id (or \"live\" for a new customer) · Ctrl-S creates",
            vec![Line::from(format!("{typed}▏"))],
        ),
        Dialog::PresetLoad { names, selected } => (
            "Load preset · j/k move · Enter loads · Esc cancels",
            names
                .iter()
                .enumerate()
                .map(|(i, n)| {
                    Line::from(Span::styled(
                        n.clone(),
                        if i == *selected { theme.selected(true) } else { Default::default() },
                    ))
                })
                .collect(),
        ),
        _ => return,
    };
    let rect = crate::tui::layout::prompt_area(area, lines.len());
    let w = rect.width;
    frame.render_widget(Clear, rect);
    frame.render_widget(Paragraph::new(lines).block(pane_block(title.into(), true, theme, w)), rect);
}

/// Where the result view puts things: the text column, the QR code when it fits beside the
/// text, the session id and URL cut to the column's width, and the row the URL starts on.
/// Drawing and the OSC 8 rewrite both read it, so the link lands on the URL as drawn.
struct ResultLayout {
    /// The bordered box around `text`.
    outer: Rect,
    text: Rect,
    qr: Option<Rect>,
    id_lines: Vec<String>,
    url_lines: Vec<String>,
    /// Rows inside `text` above the URL: the id, Status, Expires and the "URL" label.
    url_row: u16,
}

/// The text column never gets narrower than this; below it the QR code gives way. At 30 an
/// 80-column terminal kept the QR code and cut what matters more: the session id went on
/// two lines, "Expires" was cut and the title lost its keys ("y …"). At 60 a Kelviq session
/// line (55 columns) and the title's keys fit, and the QR code shows from about 110 columns.
const MIN_TEXT: u16 = 60;

fn result_layout(url: &str, id: &str, area: Rect) -> ResultLayout {
    let (qr_w, qr_h) = if url.is_empty() { (0, 0) } else { qr::size(url).unwrap_or((0, 0)) };
    // The QR code sits to the right only when the text keeps MIN_TEXT columns, and only whole:
    // a code cut at the bottom does not scan.
    let qr_cols = qr_w + 2;
    let fits = qr_w > 0 && area.width >= MIN_TEXT + 2 + qr_cols && area.height >= qr_h;
    let text_w = if fits { area.width - qr_cols } else { area.width };
    let outer = Rect { width: text_w, ..area };
    let text = Rect {
        x: outer.x + 1,
        y: outer.y + 1,
        width: outer.width.saturating_sub(2),
        height: outer.height.saturating_sub(2),
    };
    let qr = fits.then(|| Rect { x: area.x + text_w + 1, y: area.y, width: qr_w, height: area.height });
    let id_lines = wrap_exact(&format!("Session {id}"), text.width);
    let url_row = u16::try_from(id_lines.len()).unwrap_or(u16::MAX).saturating_add(3);
    ResultLayout { outer, text, qr, id_lines, url_lines: wrap_exact(url, text.width), url_row }
}

fn result(frame: &mut Frame, b: &CheckoutBuilder, theme: &Theme, area: Rect, now: chrono::DateTime<chrono::Utc>) {
    let Some(r) = &b.result else { return };
    let url = r.session.url.clone().unwrap_or_default();
    let layout = result_layout(&url, &r.session.id, area);
    let outer = layout.outer;
    let block = pane_block(
        format!("Checkout {} · {} · y copy URL · o open · Esc close", result_verb(b), b.provider),
        true,
        theme,
        outer.width,
    );
    frame.render_widget(block, outer);
    let status_style = match r.session.status {
        CheckoutStatus::Complete => theme.ok(),
        CheckoutStatus::Expired | CheckoutStatus::Canceled => theme.error(),
        _ => theme.header(),
    };
    let width = layout.text.width as usize;
    let mut lines: Vec<Line> = layout.id_lines.iter().cloned().map(Line::from).collect();
    lines.extend([
        Line::from(vec![
            Span::styled("Status  ", theme.dim()),
            Span::styled(
                ellipsize(
                    &format!("{}{}", r.session.status_text(), if r.polling { " · checking every 2 s" } else { "" }),
                    width.saturating_sub(8),
                ),
                status_style,
            ),
        ]),
        Line::from(vec![
            Span::styled("Expires ", theme.dim()),
            Span::raw(ellipsize(&expiry_text(r.session.status, r.session.expires_at, now), width.saturating_sub(8))),
        ]),
        Line::from(Span::styled("URL", theme.dim())),
    ]);
    if url.is_empty() {
        let why = format!("not returned by {} for this session (only when it is created)", b.provider);
        lines.push(Line::from(Span::styled(ellipsize(&why, width), theme.dim())));
    }
    lines.extend(layout.url_lines.iter().map(|chunk| Line::from(Span::styled(chunk.clone(), theme.header()))));
    if let Some(e) = &r.poll_error {
        lines.push(Line::from(Span::styled(ellipsize(&format!("status check failed: {e}"), width), theme.error())));
    }
    lines.push(Line::from(""));
    if layout.qr.is_none() && !url.is_empty() {
        let (need_w, need_h) = qr::size(&url).map_or((0, 0), |(w, h)| (w + 4 + MIN_TEXT, h + 2));
        lines.push(Line::from(Span::styled(
            ellipsize(&format!("QR code: needs {need_w}×{need_h} (o opens the URL)"), width),
            theme.dim(),
        )));
    }
    let estimate = r.session.estimate.as_ref().or(b.estimate.value.as_ref());
    if let Some(e) = estimate {
        lines.extend(estimate_lines(e, theme, width));
    }
    if let Some(n) = &b.notice {
        lines.push(Line::from(Span::styled(ellipsize(n, width), theme.ok())));
    }
    frame.render_widget(Paragraph::new(lines), layout.text);
    if let (Some(rect), Some(code)) = (layout.qr, qr::lines(&url)) {
        frame.render_widget(Paragraph::new(code), rect);
    }
}

/// "created" after a submit, "session" when reopened from the list.
fn result_verb(b: &CheckoutBuilder) -> &'static str {
    if b.reopened { "session" } else { "created" }
}

/// Text cut into lines of exactly `width` display columns (the last may be shorter), never
/// ellipsized: a URL must stay exact, so joining the lines gives it back.
pub fn wrap_exact(text: &str, width: u16) -> Vec<String> {
    let w = usize::from(width.max(1));
    let mut out = Vec::new();
    let mut line = String::new();
    let mut used = 0;
    for c in text.chars() {
        let cw = unicode_width::UnicodeWidthChar::width(c).unwrap_or(0);
        if used + cw > w && !line.is_empty() {
            out.push(std::mem::take(&mut line));
            used = 0;
        }
        line.push(c);
        used += cw;
    }
    if !line.is_empty() {
        out.push(line);
    }
    out
}

/// When the session's link stops working, and how long is left; a session that is over (paid,
/// canceled) has nothing left to count down, and says so rather than "in 23h 59m".
fn expiry_text(
    status: CheckoutStatus,
    expires: Option<chrono::DateTime<chrono::Utc>>,
    now: chrono::DateTime<chrono::Utc>,
) -> String {
    let Some(at) = expires else { return "not stated by the provider".into() };
    match status {
        CheckoutStatus::Complete => return "no longer applies (complete)".into(),
        CheckoutStatus::Canceled => return "no longer applies (canceled)".into(),
        _ => {}
    }
    let when = at.format("%Y-%m-%d %H:%M UTC");
    let left = at - now;
    if left <= chrono::Duration::zero() || status == CheckoutStatus::Expired {
        return format!("{when} (expired)");
    }
    format!("{when} (in {}h {:02}m)", left.num_hours(), left.num_minutes() % 60)
}

/// Where the URL is drawn in the result view, for writing it again as an OSC 8 hyperlink:
/// (x, y, text) per line, from the same layout the drawing used.
pub fn url_cells(b: &CheckoutBuilder, area: Rect) -> Vec<(u16, u16, String)> {
    let Some(r) = b.result.as_ref() else { return Vec::new() };
    let Some(url) = r.session.url.clone() else { return Vec::new() };
    let layout = result_layout(&url, &r.session.id, area);
    let text = layout.text;
    layout
        .url_lines
        .into_iter()
        .enumerate()
        .map(|(i, chunk)| (layout.url_row.saturating_add(u16::try_from(i).unwrap_or(u16::MAX)), chunk))
        .filter(|(row, _)| *row < text.height)
        .map(|(row, chunk)| (text.x, text.y + row, chunk))
        .collect()
}

#[cfg(test)]
#[path = "checkout_tests.rs"]
mod tests;
