//! The selected customer's subscriptions and entitlements, and the plan catalog.

use crate::billing::money::group_int;
use ratatui::Frame;
use ratatui::layout::{Constraint, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Cell, Paragraph, Row, Table, TableState};

use super::{Theme, pane_block, pane_message};
use crate::billing::{Entitlement, EntitlementKind, Subscription};
use crate::providers::ProviderError;
use crate::tui::state::{AppState, Loadable, Pane};
use crate::util::ellipsize;

/// What to draw instead of data: loading, an error, "not offered", or nothing selected.
pub(super) fn placeholder<T>(item: Option<&Loadable<T>>, what: &str) -> Option<(String, bool)> {
    match item {
        None => Some((format!("Select a customer to see {what}"), false)),
        Some(l) if l.value.is_some() => None,
        Some(Loadable { error: Some(e), .. }) => Some((error_text(e), true)),
        Some(_) => Some((format!("Loading {what}…"), false)),
    }
}

fn error_text(e: &ProviderError) -> String {
    format!("{e}\nR retries")
}

pub fn subscriptions(frame: &mut Frame, state: &AppState, theme: &Theme, area: Rect) {
    let focused = state.focus == Pane::Subscriptions;
    let who = state.selected_customer().map(|(_, c)| c.display_name().to_string());
    let title = match &who {
        Some(n) => format!("Subscriptions · {n}"),
        None => "Subscriptions".to_string(),
    };
    let block = pane_block(title, focused, theme, area.width);
    let inner = block.inner(area);
    frame.render_widget(block, area);
    let details = state.selected_details();
    if let Some((text, is_err)) = placeholder(details.map(|d| &d.subscriptions), "subscriptions") {
        pane_message(frame, inner, &text, if is_err { theme.error() } else { theme.dim() });
        return;
    }
    let subs = details.and_then(|d| d.subscriptions.value.as_ref()).map(Vec::as_slice).unwrap_or(&[]);
    if subs.is_empty() {
        pane_message(frame, inner, "No subscriptions", theme.dim());
        return;
    }
    // Price and period share a column ("€18.00 /mo"). Status, price and dates take what their
    // content needs; the plan name shrinks first, then the dates, so money and dates are cut last.
    let w = inner.width;
    let widest = |f: &dyn Fn(&Subscription) -> usize, min: usize| {
        subs.iter().map(f).max().unwrap_or(0).max(min).min(usize::from(u16::MAX)) as u16
    };
    let status_w = widest(&|s| s.status.label().chars().count(), 6);
    let price_w = widest(&|s| price_text(s).chars().count(), 5);
    let dates_w = widest(&|s| s.date_phrase().chars().count(), 5);
    let plan_w = w.saturating_sub(status_w + price_w + dates_w + 3).max(6);
    let dates_w = dates_w.min(w.saturating_sub(plan_w + status_w + price_w + 3)).max(5);
    let rows: Vec<Row> =
        subs.iter().map(|s| subscription_row(s, theme, plan_w as usize, price_w as usize, dates_w as usize)).collect();
    let header = [("Plan", plan_w), ("Status", status_w), ("Price", price_w), ("Dates", dates_w)]
        .map(|(h, w)| ellipsize(h, w as usize));
    let table = Table::new(
        rows,
        [
            Constraint::Length(plan_w),
            Constraint::Length(status_w),
            Constraint::Length(price_w),
            Constraint::Length(dates_w),
        ],
    )
    .header(Row::new(header).style(theme.header()))
    .row_highlight_style(theme.selected(focused))
    .column_spacing(1);
    let mut ts = TableState::default().with_selected(Some(state.sub_selected.min(subs.len() - 1)));
    frame.render_stateful_widget(table, inner, &mut ts);
}

fn subscription_row<'a>(s: &Subscription, theme: &Theme, plan_w: usize, price_w: usize, dates_w: usize) -> Row<'a> {
    let dates = s.date_phrase();
    let plan = s.plan_name.clone().or(s.plan_id.clone()).unwrap_or_default();
    Row::new(vec![
        Cell::from(ellipsize(&plan, plan_w)),
        Cell::from(Span::styled(s.status.label(), theme.status(s.status))),
        Cell::from(ellipsize(&price_text(s), price_w)),
        Cell::from(ellipsize(&dates, dates_w)),
    ])
}

fn price_text(s: &Subscription) -> String {
    s.amount.map(|a| format!("{a} {}", short_period(s.period))).unwrap_or_default()
}

pub fn entitlements(frame: &mut Frame, state: &AppState, theme: &Theme, area: Rect) {
    let focused = state.focus == Pane::Entitlements;
    let block = pane_block("Entitlements".into(), focused, theme, area.width);
    let inner = block.inner(area);
    frame.render_widget(block, area);
    if let Some((slot, _)) = state.selected_customer()
        && !state.slots[slot as usize].caps.entitlements
    {
        let name = state.slots[slot as usize].kind.display_name();
        pane_message(frame, inner, &format!("Entitlements are not offered by {name}"), theme.dim());
        return;
    }
    let details = state.selected_details();
    if let Some((text, is_err)) = placeholder(details.map(|d| &d.entitlements), "entitlements") {
        pane_message(frame, inner, &text, if is_err { theme.error() } else { theme.dim() });
        return;
    }
    let ents = details.and_then(|d| d.entitlements.value.as_ref()).map(Vec::as_slice).unwrap_or(&[]);
    if ents.is_empty() {
        pane_message(frame, inner, "No entitlements (no live subscription)", theme.dim());
        return;
    }
    let name_w = ents
        .iter()
        .map(|e| e.name.as_deref().unwrap_or(&e.feature_id).chars().count())
        .max()
        .unwrap_or(8)
        .clamp(8, (inner.width / 3) as usize);
    let lines: Vec<Line> = ents
        .iter()
        .skip(state.ent_offset)
        .take(inner.height as usize)
        .map(|e| entitlement_line(e, theme, name_w, inner.width as usize))
        .collect();
    frame.render_widget(Paragraph::new(lines), inner);
}

fn entitlement_line<'a>(e: &Entitlement, theme: &Theme, name_w: usize, width: usize) -> Line<'a> {
    let name = ellipsize(e.name.as_deref().unwrap_or(&e.feature_id), name_w);
    let name = format!("{name:<name_w$} ");
    let mark = if e.has_access { Span::styled("✓ ", theme.ok()) } else { Span::styled("✗ ", theme.error()) };
    let rest = width.saturating_sub(name_w + 3);
    let detail: Vec<Span> = match &e.kind {
        EntitlementKind::Boolean => {
            vec![Span::styled(if e.has_access { "included" } else { "not included" }, theme.dim())]
        }
        EntitlementKind::Customizable { value } => vec![Span::raw(format!("value {value}"))],
        EntitlementKind::Meter { limit, used, remaining, .. } => meter(*limit, *used, *remaining, theme, rest),
    };
    let mut spans = vec![mark, Span::raw(name)];
    spans.extend(detail);
    Line::from(spans)
}

/// `[██████░░░░] 512,000 / 550,000 · 38,000 left` drawn with text, so it reads without colour.
fn meter<'a>(limit: Option<i64>, used: i64, remaining: Option<i64>, theme: &Theme, width: usize) -> Vec<Span<'a>> {
    let Some(limit) = limit.filter(|l| *l > 0) else {
        return vec![Span::raw(format!("{} used · unlimited", group_int(used)))];
    };
    let text = format!(
        " {} / {} · {} left",
        group_int(used),
        group_int(limit),
        group_int(remaining.unwrap_or(limit - used).max(0))
    );
    // A fixed width per pane keeps the bars of all meters aligned.
    let bar_w = (width / 3).clamp(4, 20);
    let used_c = i128::from(used.max(0));
    let filled = ((used_c * bar_w as i128 + i128::from(limit) / 2) / i128::from(limit)).min(bar_w as i128) as usize;
    let style = if used >= limit {
        theme.error()
    } else if used_c * 5 >= i128::from(limit) * 4 {
        theme.status(crate::billing::SubscriptionStatus::PastDue)
    } else {
        theme.ok()
    };
    vec![
        Span::raw("["),
        Span::styled("█".repeat(filled), style),
        Span::styled("░".repeat(bar_w - filled), theme.dim()),
        Span::raw("]"),
        Span::raw(ellipsize(&text, width.saturating_sub(bar_w + 2))),
    ]
}

pub fn plans(frame: &mut Frame, state: &AppState, theme: &Theme, area: Rect) {
    let focused = state.focus == Pane::Plans;
    let slot = state.plans_slot();
    let title = match slot {
        Some(s) => format!("Plans · {}", state.slots[s as usize].kind.display_name()),
        None => "Plans".to_string(),
    };
    let block = pane_block(title, focused, theme, area.width);
    let inner = block.inner(area);
    frame.render_widget(block, area);
    let Some(slot) = slot else { return };
    let s = &state.slots[slot as usize];
    if !s.caps.plans {
        pane_message(frame, inner, &format!("A plan catalog is not offered by {}", s.kind.display_name()), theme.dim());
        return;
    }
    if let Some((text, is_err)) = placeholder(Some(&s.plans), "plans") {
        pane_message(frame, inner, &text, if is_err { theme.error() } else { theme.dim() });
        return;
    }
    let plans = s.plans.value.as_deref().unwrap_or(&[]);
    let name_w = (inner.width / 3).max(8);
    let rows: Vec<Row> = plans
        .iter()
        .map(|p| {
            let mut prices: Vec<String> =
                p.prices.iter().map(|pr| format!("{} {}", pr.amount, short_period(pr.period))).collect();
            prices.dedup();
            Row::new(vec![
                Cell::from(ellipsize(&p.name, name_w as usize)),
                Cell::from(ellipsize(&prices.join("  "), inner.width.saturating_sub(name_w + 1) as usize)),
            ])
        })
        .collect();
    let table = Table::new(rows, [Constraint::Length(name_w), Constraint::Min(10)])
        .header(Row::new(["Plan", "Prices"]).style(theme.header()))
        .row_highlight_style(theme.selected(focused))
        .column_spacing(1);
    let mut ts = TableState::default()
        .with_selected((!plans.is_empty()).then_some(state.plan_selected.min(plans.len().saturating_sub(1))));
    frame.render_stateful_widget(table, inner, &mut ts);
}

fn short_period(p: crate::billing::ChargePeriod) -> String {
    use crate::billing::ChargePeriod::{
        Daily, Monthly, OneTime, SixMonths, ThreeMonths, TwentyEightDays, Weekly, Yearly,
    };
    match p {
        OneTime => "once".into(),
        Daily => "/day".into(),
        Weekly => "/wk".into(),
        Monthly => "/mo".into(),
        ThreeMonths => "/3mo".into(),
        SixMonths => "/6mo".into(),
        Yearly => "/yr".into(),
        TwentyEightDays => "/28d".into(),
        other => format!("/{}", other.label()),
    }
}
