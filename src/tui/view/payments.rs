//! The payments overlay and the refund dialog. The dialog's last line says which key does
//! what; the refund itself only ever follows Ctrl-S on a preview read from the provider.

use ratatui::Frame;
use ratatui::layout::{Constraint, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Cell, Clear, Paragraph, Row, Table, TableState, Wrap};

use super::details::placeholder;
use super::{Theme, pane_block, pane_message};
use crate::billing::payments::Payment;
use crate::tui::state::listing::Tabular;
use crate::tui::state::payments::{PaymentsState, RefundFlow, RefundStep};
use crate::util::ellipsize;

pub fn list(frame: &mut Frame, p: &PaymentsState, theme: &Theme, area: Rect) {
    let rect = Rect { x: area.x, y: area.y + 1, width: area.width, height: area.height.saturating_sub(2) };
    frame.render_widget(Clear, rect);
    let visible = p.visible();
    let columns = Payment::columns();
    let count =
        p.list.value.as_ref().map_or(String::new(), |l| {
            format!(" · {}", super::list_title(&p.control, columns, visible.len(), l.len()))
        });
    let title = format!("Payments · {}{count} · f refund · y copy id · / filter · s sort · Esc back", p.customer_name);
    let block = pane_block(title, true, theme, rect.width);
    let inner = block.inner(rect);
    frame.render_widget(block, rect);
    if let Some((text, is_err)) = placeholder(Some(&p.list), "payments") {
        pane_message(frame, inner, &text, if is_err { theme.error() } else { theme.dim() });
        return;
    }
    let all = p.list.value.as_deref().unwrap_or(&[]);
    if visible.is_empty() {
        let text = if all.is_empty() { "No payments for this customer" } else { "No payment matches the filter" };
        pane_message(frame, inner, text, theme.dim());
        return;
    }
    let wide = inner.width >= 100;
    let shown: Vec<usize> = if wide { vec![0, 1, 2, 3, 4, 5] } else { vec![0, 1, 2, 4] };
    // Statuses and money keep their width; the payment id gives way first.
    let longest = visible.iter().filter_map(|&i| all.get(i)).map(|x| x.cells()[1].chars().count()).max().unwrap_or(6);
    let (money_w, date_w) = (14u16, 16u16);
    let status_w = u16::try_from(longest.clamp(6, 36)).unwrap_or(36);
    let width_of = |c: usize| match c {
        1 => status_w,
        5 => date_w,
        _ => money_w,
    };
    let fixed: u16 = shown.iter().skip(1).map(|&c| width_of(c)).sum::<u16>() + shown.len() as u16;
    let id_w = inner.width.saturating_sub(fixed).max(8);
    let widths: Vec<u16> = shown.iter().map(|&c| if c == 0 { id_w } else { width_of(c) }).collect();
    let height = inner.height.saturating_sub(1) as usize;
    let offset = p.selected.saturating_sub(height.saturating_sub(1));
    let rows: Vec<Row> = visible
        .iter()
        .filter_map(|&i| all.get(i))
        .skip(offset)
        .take(height)
        .map(|pay| {
            let cells = pay.cells();
            Row::new(shown.iter().zip(&widths).map(|(&c, &w)| Cell::from(ellipsize(&cells[c], w as usize))))
        })
        .collect();
    let header = super::sorted_headers(&p.control, columns, &shown);
    let table = Table::new(rows, widths.into_iter().map(Constraint::Length))
        .header(Row::new(header).style(theme.header()))
        .row_highlight_style(theme.selected(true))
        .column_spacing(1);
    let mut ts = TableState::default().with_selected(Some(p.selected.saturating_sub(offset)));
    frame.render_stateful_widget(table, inner, &mut ts);
}

/// A write dialog's box, centred, at most 76 wide and `height` high, cleared.
fn dialog_box(frame: &mut Frame, area: Rect, height: u16) -> Rect {
    let width = area.width.min(76);
    let rect = Rect {
        x: area.x + (area.width - width) / 2,
        y: area.y + 3,
        width,
        height: area.height.saturating_sub(6).min(height),
    };
    frame.render_widget(Clear, rect);
    rect
}

pub fn refund(frame: &mut Frame, f: &RefundFlow, theme: &Theme, area: Rect) {
    let rect = dialog_box(frame, area, 16);
    let pay = &f.payment;
    let money = |m: Option<crate::billing::Money>| m.map_or_else(|| "—".to_string(), |m| m.to_string());
    let mut lines = vec![
        Line::from(format!(
            "Payment {} · {}",
            pay.id,
            crate::billing::status_text(pay.status.label(), &pay.raw_status)
        )),
        Line::from(format!(
            "Paid {} · refunded {} · refundable {}",
            money(pay.amount),
            money(pay.refunded),
            money(pay.refundable)
        )),
        Line::from(""),
    ];
    lines.extend(step_lines(f, theme));
    let block = pane_block(format!("Refund · {}", pay.customer_id.as_deref().unwrap_or("")), true, theme, rect.width);
    frame.render_widget(Paragraph::new(lines).wrap(Wrap { trim: false }).block(block), rect);
}

fn step_lines<'a>(f: &RefundFlow, theme: &Theme) -> Vec<Line<'a>> {
    match (f.step, &f.preview, &f.result) {
        (RefundStep::Amount, preview, _) => {
            let mut out = vec![Line::from(format!("Amount to refund: {}▏", f.amount))];
            out.push(Line::from(Span::styled("Empty refunds everything refundable. Enter previews.", theme.dim())));
            if let Some(Err(e)) = preview {
                out.push(Line::from(Span::styled(e.clone(), theme.error())));
            }
            out
        }
        (RefundStep::Previewing, _, _) => vec![Line::from(Span::styled("Checking with the provider…", theme.dim()))],
        (RefundStep::Confirm, Some(Ok(p)), _) => {
            let what = if p.full { "everything refundable" } else { "part of the payment" };
            let mut out = vec![
                Line::from(Span::styled(format!("Refund {} ({what})", p.amount), theme.header())),
                Line::from(format!(
                    "to {} on payment {}",
                    p.payment.customer_id.as_deref().unwrap_or("?"),
                    p.payment.id
                )),
            ];
            if f.live {
                let id = p.payment.customer_id.as_deref().unwrap_or("");
                out.push(Line::from(Span::styled(format!("LIVE: type {id} to confirm: {}▏", f.typed), theme.error())));
            }
            out.push(Line::from(Span::styled(
                "Ctrl-S refunds · Shift-Tab changes the amount · Esc closes",
                theme.dim(),
            )));
            out
        }
        (RefundStep::Applying, _, _) => vec![Line::from(Span::styled("Refunding…", theme.dim()))],
        (RefundStep::Done, _, Some(Ok(o))) => vec![Line::from(Span::styled(
            format!(
                "Refunded {}{} · payment now {} · Enter closes",
                o.amount,
                o.refund_id.as_deref().map(|id| format!(" ({id})")).unwrap_or_default(),
                crate::billing::status_text(o.payment.status.label(), &o.payment.raw_status)
            ),
            theme.ok(),
        ))],
        (RefundStep::Done, _, Some(Err(e))) => {
            vec![Line::from(Span::styled(format!("Failed: {e} · Enter closes"), theme.error()))]
        }
        _ => Vec::new(),
    }
}

pub fn usage(frame: &mut Frame, f: &crate::tui::state::usage::UsageFlow, theme: &Theme, area: Rect) {
    use crate::tui::state::usage::UsageStep;
    let rect = dialog_box(frame, area, 10);
    let r = &f.report;
    let mut lines = vec![
        Line::from(Span::styled(
            format!(
                "Add {} to {} for {}",
                crate::billing::money::group_int(i64::try_from(r.quantity).unwrap_or(i64::MAX)),
                r.feature_id,
                r.customer_id
            ),
            theme.header(),
        )),
        Line::from(format!("Now: {}", f.current.as_deref().unwrap_or("not shown in the loaded entitlements"))),
        Line::from(""),
    ];
    match (f.step, &f.result) {
        (UsageStep::Confirm, _) => {
            if f.live {
                lines.push(Line::from(Span::styled(
                    format!("LIVE: type {} to confirm: {}▏", r.customer_id, f.typed),
                    theme.error(),
                )));
            }
            lines.push(Line::from(Span::styled("Ctrl-S reports it (billed usage) · Esc closes", theme.dim())));
        }
        (UsageStep::Applying, _) => lines.push(Line::from(Span::styled("Reporting…", theme.dim()))),
        (UsageStep::Done, Some(Ok(receipt))) => lines.push(Line::from(Span::styled(
            format!(
                "Reported{} · Enter closes and reloads the meter",
                receipt.id.as_deref().map(|i| format!(" ({i})")).unwrap_or_default()
            ),
            theme.ok(),
        ))),
        (UsageStep::Done, Some(Err(e))) => {
            lines.push(Line::from(Span::styled(format!("Failed: {e} · Enter closes"), theme.error())))
        }
        (UsageStep::Done, None) => {}
    }
    let block = pane_block(format!("Report usage · {}", r.customer_id), true, theme, rect.width);
    frame.render_widget(Paragraph::new(lines).wrap(Wrap { trim: false }).block(block), rect);
}

pub fn customer_write(
    frame: &mut Frame,
    f: &crate::tui::state::customer_edit::CustomerWriteFlow,
    theme: &Theme,
    area: Rect,
) {
    let rect = dialog_box(frame, area, 10);
    let mut lines: Vec<Line> = f.write.preview().into_iter().map(Line::from).collect();
    lines.push(Line::from(""));
    match (&f.result, f.applying) {
        (_, true) => lines.push(Line::from(Span::styled("Saving…", theme.dim()))),
        (Some(Ok(c)), _) => lines
            .push(Line::from(Span::styled(format!("Saved {} · the list shows it · Enter closes", c.id), theme.ok()))),
        (Some(Err(e)), _) => lines.push(Line::from(Span::styled(format!("Failed: {e} · Enter closes"), theme.error()))),
        (None, false) => {
            if f.live {
                let id = f.write.customer_id();
                lines
                    .push(Line::from(Span::styled(format!("LIVE: type {id} to confirm: {}▏", f.typed), theme.error())));
            }
            lines.push(Line::from(Span::styled("Ctrl-S saves · Esc closes", theme.dim())));
        }
    }
    let block = pane_block("Customer".to_string(), true, theme, rect.width);
    frame.render_widget(Paragraph::new(lines).wrap(Wrap { trim: false }).block(block), rect);
}
