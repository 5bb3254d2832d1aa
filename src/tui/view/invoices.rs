//! The invoices overlay: one customer's invoices, newest first, with the link `y` copies.

use ratatui::Frame;
use ratatui::layout::{Constraint, Rect};
use ratatui::text::Span;
use ratatui::widgets::{Cell, Clear, Row, Table, TableState};

use super::details::placeholder;
use super::{Theme, pane_block, pane_message};
use crate::billing::InvoiceRecord;
use crate::tui::state::invoices::InvoicesState;
use crate::tui::state::listing::Tabular;
use crate::util::ellipsize;

pub fn draw(frame: &mut Frame, inv: &InvoicesState, theme: &Theme, area: Rect) {
    let rect = Rect { x: area.x, y: area.y + 1, width: area.width, height: area.height.saturating_sub(2) };
    frame.render_widget(Clear, rect);
    let who = if inv.customer_name.is_empty() { inv.customer_id.as_str() } else { inv.customer_name.as_str() };
    let visible = inv.visible();
    let columns = <InvoiceRecord as Tabular>::columns();
    let count =
        inv.list.value.as_ref().map_or(String::new(), |l| {
            format!(" · {}", super::list_title(&inv.control, columns, visible.len(), l.len()))
        });
    let refreshing = if inv.list.loading && inv.list.value.is_some() { " · refreshing…" } else { "" };
    let block = pane_block(
        format!(
            "Invoices · {who} · {}{count}{refreshing} · Enter open · y copy link · / filter · s sort · Esc back",
            inv.provider
        ),
        true,
        theme,
        rect.width,
    );
    let inner = block.inner(rect);
    frame.render_widget(block, rect);
    if let Some((text, is_err)) = placeholder(Some(&inv.list), "invoices") {
        pane_message(frame, inner, &text, if is_err { theme.error() } else { theme.dim() });
        return;
    }
    let all = inv.list.value.as_deref().unwrap_or(&[]);
    if all.is_empty() {
        pane_message(frame, inner, "No invoices for this customer", theme.dim());
        return;
    }
    let invoices: Vec<&InvoiceRecord> = visible.iter().filter_map(|&i| all.get(i)).collect();
    if invoices.is_empty() {
        pane_message(frame, inner, "No invoice matches the filter (Esc clears it)", theme.dim());
        return;
    }
    // Below 100 columns the last two columns, due date and subscription, give way; what is
    // owed stays to the last, because a support person reads the money first.
    let wide = inner.width >= 100;
    // The status column fits "open (approved)"; the invoice number gives way first.
    let longest = invoices.iter().map(|i| i.status_text().chars().count()).max().unwrap_or(6);
    let status_w = u16::try_from(longest.clamp(6, 24)).unwrap_or(24);
    let (money_w, date_w) = (14u16, 10u16);
    let fixed = if wide { status_w + 2 * money_w + 2 * date_w + 6 } else { status_w + 2 * money_w + date_w + 4 };
    let number_w =
        if wide { (inner.width.saturating_sub(fixed) / 2).clamp(8, 24) } else { inner.width.saturating_sub(fixed) };
    let sub_w = inner.width.saturating_sub(fixed + number_w).max(4);
    let height = inner.height.saturating_sub(1) as usize;
    let rows: Vec<Row> = invoices
        .iter()
        .copied()
        .skip(inv.offset)
        .take(height)
        .map(|i| invoice_row(i, theme, number_w as usize, wide.then_some(sub_w as usize)))
        .collect();
    let (widths, shown): (Vec<u16>, Vec<usize>) = if wide {
        (vec![number_w, status_w, money_w, money_w, date_w, date_w, sub_w], vec![0, 1, 2, 3, 4, 5, 6])
    } else {
        (vec![number_w, status_w, money_w, money_w, date_w], vec![0, 1, 2, 3, 4])
    };
    let header = super::sorted_headers(&inv.control, columns, &shown);
    let table = Table::new(rows, widths.into_iter().map(Constraint::Length))
        .header(Row::new(header).style(theme.header()))
        .row_highlight_style(theme.selected(true))
        .column_spacing(1);
    let mut ts = TableState::default().with_selected(Some(inv.selected.saturating_sub(inv.offset)));
    frame.render_stateful_widget(table, inner, &mut ts);
}

/// One invoice; `sub_w` is `None` in the narrow layout (no due date, no subscription).
fn invoice_row<'a>(i: &InvoiceRecord, theme: &Theme, number_w: usize, sub_w: Option<usize>) -> Row<'a> {
    let style = match crate::billing::invoice_status_label(&i.status) {
        "paid" => theme.ok(),
        "open" | "draft" => Default::default(),
        _ => theme.error(),
    };
    let money = |m: &Option<crate::billing::Money>| m.as_ref().map_or("—".to_string(), ToString::to_string);
    let date = |d: &Option<chrono::NaiveDate>| d.map_or("—".to_string(), |d| d.to_string());
    let mut cells = vec![
        Cell::from(ellipsize(i.number.as_deref().unwrap_or(&i.id), number_w)),
        Cell::from(Span::styled(i.status_text(), style)),
        Cell::from(money(&i.total)),
        Cell::from(money(&i.amount_due)),
        Cell::from(date(&i.issued_on)),
    ];
    if let Some(w) = sub_w {
        cells.push(Cell::from(date(&i.due_on)));
        cells.push(Cell::from(ellipsize(i.subscription_id.as_deref().unwrap_or("—"), w)));
    }
    Row::new(cells)
}
