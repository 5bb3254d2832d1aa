//! The selected customer's subscriptions and entitlements, and the plan catalog.

use crate::billing::money::group_int;
use ratatui::Frame;
use ratatui::layout::{Constraint, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Cell, Paragraph, Row, Table, TableState};

use super::{Theme, pane_block, pane_message};
use crate::billing::{Entitlement, EntitlementKind, Subscription, attribution};
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
    let details = state.selected_details();
    let mut title = match &who {
        Some(n) => format!("Subscriptions · {n}"),
        None => "Subscriptions".to_string(),
    };
    if let Some(mark) = details.and_then(|d| d.subscriptions.age_mark(state.now)) {
        title = format!("{title} · {mark}");
    }
    let block = pane_block(title, focused, theme, area.width);
    let inner = block.inner(area);
    frame.render_widget(block, area);
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
    // A row the provider sent in a shape that could not be read says so where its plan goes.
    let plan = unreadable_mark(&s.issues).map_or(plan.clone(), |mark| format!("{mark} {plan}").trim_end().to_string());
    Row::new(vec![
        Cell::from(ellipsize(&plan, plan_w)),
        Cell::from(Span::styled(s.status.label(), theme.status(s.status))),
        Cell::from(ellipsize(&price_text(s), price_w)),
        Cell::from(ellipsize(&dates, dates_w)),
    ])
}

/// "⚠ unreadable results[1].amount" for a row with values that could not be decoded.
pub(super) fn unreadable_mark(issues: &[crate::billing::RowIssue]) -> Option<String> {
    let first = issues.first()?;
    let more = if issues.len() > 1 { format!(" +{}", issues.len() - 1) } else { String::new() };
    Some(format!("⚠ unreadable {}{more}", first.path))
}

fn price_text(s: &Subscription) -> String {
    s.amount.map(|a| format!("{a} {}", short_period(s.period))).unwrap_or_default()
}

pub fn entitlements(frame: &mut Frame, state: &AppState, theme: &Theme, area: Rect) {
    let focused = state.focus == Pane::Entitlements;
    let details = state.selected_details();
    let title = match details.and_then(|d| d.entitlements.age_mark(state.now)) {
        Some(mark) => format!("Entitlements · {mark}"),
        None => "Entitlements".to_string(),
    };
    let block = pane_block(title, focused, theme, area.width);
    let inner = block.inner(area);
    frame.render_widget(block, area);
    if let Some((slot, _)) = state.selected_customer()
        && !state.slots[slot as usize].caps.entitlements
    {
        let name = state.slots[slot as usize].kind.display_name();
        pane_message(frame, inner, &format!("Entitlements are not offered by {name}"), theme.dim());
        return;
    }
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
    let bar = bar_width(ents, (inner.width as usize).saturating_sub(name_w + 3));
    let subs = details.and_then(|d| d.subscriptions.value.as_deref()).unwrap_or(&[]);
    let catalog = state.selected_customer().and_then(|(slot, _)| state.slots[slot as usize].plans.value.as_deref());
    let lines: Vec<Line> = ents
        .iter()
        .skip(state.ent_offset)
        .flat_map(|e| {
            let mut lines = vec![entitlement_line(e, theme, name_w, inner.width as usize, bar)];
            // Several subscriptions grant it: say what each plan gives, so a figure merged by the
            // provider's rule (summed, or the first row's value) can be read back to its source.
            let from = attribution::sources(&e.feature_id, subs, catalog.unwrap_or(&[]));
            let indent = " ".repeat(name_w + 3);
            for text in wrap_sources(&from, inner.width as usize, name_w + 3) {
                lines.push(Line::from(Span::styled(format!("{indent}{text}"), theme.dim())));
            }
            lines
        })
        .take(inner.height as usize)
        .collect();
    frame.render_widget(Paragraph::new(lines), inner);
}

/// "from Starter 50,000 · Growth 500,000" on as many lines as the pane needs, never cutting
/// a plan's figure.
fn wrap_sources(from: &[attribution::Source], width: usize, indent: usize) -> Vec<String> {
    let room = width.saturating_sub(indent).max(1);
    let mut lines: Vec<String> = Vec::new();
    let mut line = String::from("from");
    for (i, s) in from.iter().enumerate() {
        let part = format!("{}{} {}", if i == 0 { " " } else { " · " }, s.plan, s.grants);
        if line.chars().count() + part.chars().count() > room && i > 0 {
            lines.push(std::mem::take(&mut line));
            line = format!("  {} {}", s.plan, s.grants);
        } else {
            line.push_str(&part);
        }
    }
    if !from.is_empty() {
        lines.push(line);
    }
    // A single part wider than the pane is the only thing ever cut.
    lines.into_iter().map(|l| ellipsize(&l, room)).collect()
}

fn entitlement_line<'a>(e: &Entitlement, theme: &Theme, name_w: usize, width: usize, bar: usize) -> Line<'a> {
    let name = ellipsize(e.name.as_deref().unwrap_or(&e.feature_id), name_w);
    let name = format!("{name:<name_w$} ");
    let mark = if e.has_access { Span::styled("✓ ", theme.ok()) } else { Span::styled("✗ ", theme.error()) };
    let rest = width.saturating_sub(name_w + 3);
    let detail: Vec<Span> = match &e.kind {
        EntitlementKind::Boolean => {
            vec![Span::styled(if e.has_access { "included" } else { "not included" }, theme.dim())]
        }
        EntitlementKind::Customizable { value } => {
            vec![Span::raw(format!("value {}", crate::billing::money::group_if_whole(value)))]
        }
        EntitlementKind::Meter { limit, used, remaining, .. } => meter(*limit, *used, *remaining, theme, rest, bar),
    };
    let mut spans = vec![mark, Span::raw(name)];
    spans.extend(detail);
    Line::from(spans)
}

/// `[██████░░░░] 512,000 / 550,000 · 38,000 left` drawn with text, so it reads without colour.
/// " 1,941,000 / 2,250,000 · 309,000 left" and the same without what is left.
fn meter_texts(limit: i64, used: i64, remaining: Option<i64>) -> (String, String) {
    let left = group_int(remaining.unwrap_or(limit - used).max(0));
    let short = format!(" {} / {}", group_int(used), group_int(limit));
    (format!("{short} · {left} left"), short)
}

/// One bar width for the pane: the widest (up to a third of the space, 4–20 cells) that
/// leaves every meter's full figures visible.
fn bar_width(ents: &[Entitlement], width: usize) -> usize {
    let preferred = (width / 3).clamp(4, 20);
    ents.iter()
        .filter_map(|e| match e.kind {
            EntitlementKind::Meter { limit: Some(l), used, remaining, .. } if l > 0 => {
                Some(width.saturating_sub(meter_texts(l, used, remaining).0.chars().count() + 2))
            }
            _ => None,
        })
        .min()
        .unwrap_or(preferred)
        .clamp(4, preferred)
}

fn meter<'a>(
    limit: Option<i64>,
    used: i64,
    remaining: Option<i64>,
    theme: &Theme,
    width: usize,
    bar: usize,
) -> Vec<Span<'a>> {
    let Some(limit) = limit else {
        return vec![Span::raw(format!("{} used · unlimited", group_int(used)))];
    };
    if limit <= 0 {
        // A zero allowance (an expired contract's credits) is the opposite of unlimited.
        let text = format!("{} used · no allowance (limit 0)", group_int(used));
        return vec![Span::styled(ellipsize(&text, width), theme.error())];
    }
    let (full, short) = meter_texts(limit, used, remaining);
    // The pane's bar width (`bar`) keeps every meter's bar aligned; a figure that still would
    // not fit beside it drops "· N left" before anything is cut.
    let text = if full.chars().count() + bar + 2 <= width { full } else { short };
    let bar_w = bar;
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
    let plans = state.shown_plans();
    let control = &state.plans_filter;
    let inner = if control.editing || !control.query.trim().is_empty() {
        let line = format!("/{}{}", control.query, if control.editing { "▏" } else { "" });
        let y = inner.y + inner.height.saturating_sub(1);
        frame.render_widget(Paragraph::new(line), Rect { y, height: 1, ..inner });
        Rect { height: inner.height.saturating_sub(1), ..inner }
    } else {
        inner
    };
    if plans.is_empty() {
        let text = if control.query.trim().is_empty() {
            "No plans"
        } else {
            "No plan matches the filter (/ then Esc clears it)"
        };
        pane_message(frame, inner, text, theme.dim());
        return;
    }
    // The name column is as wide as the longest name, up to a third: the rest is for prices.
    let longest = plans.iter().map(|p| p.name.chars().count()).max().unwrap_or(0);
    let name_w = (inner.width / 3).max(8).min(u16::try_from(longest.max(4)).unwrap_or(u16::MAX));
    let prices_w = inner.width.saturating_sub(name_w + 1) as usize;
    let rows: Vec<Row> = plans
        .iter()
        .map(|p| {
            let mut prices: Vec<String> =
                p.prices.iter().map(|pr| format!("{} {}", pr.amount, short_period(pr.period))).collect();
            prices.dedup();
            let mut cell = whole_items(&prices, prices_w);
            cell.extend(unreadable_mark(&p.issues));
            Row::new(vec![Cell::from(ellipsize(&p.name, name_w as usize)), Cell::from(cell.join("  "))])
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

/// As many whole items as fit in `width` (joined by two spaces), then "+N" for the rest: a
/// price is never cut mid-figure (`KWD 76.50…` read as another price than KWD 76.500). Only an
/// item wider than the whole column is shortened.
fn whole_items(items: &[String], width: usize) -> Vec<String> {
    let mut shown: Vec<String> = Vec::new();
    let mut used = 0;
    for (i, item) in items.iter().enumerate() {
        let left = items.len() - i - 1;
        let more = if left > 0 { format!("  +{left}").chars().count() } else { 0 };
        let gap = if shown.is_empty() { 0 } else { 2 };
        if used + gap + item.chars().count() + more > width {
            if shown.is_empty() {
                return vec![ellipsize(item, width)];
            }
            shown.push(format!("+{}", items.len() - i));
            return shown;
        }
        used += gap + item.chars().count();
        shown.push(item.clone());
    }
    shown
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

#[cfg(test)]
mod tests {
    use super::*;

    fn text(spans: &[Span]) -> String {
        spans.iter().map(|s| s.content.as_ref()).collect()
    }

    #[test]
    fn sources_wrap_instead_of_cutting_a_figure() {
        let from = [
            attribution::Source { plan: "Starter".into(), grants: "50,000".into() },
            attribution::Source { plan: "Growth".into(), grants: "500,000".into() },
        ];
        assert_eq!(wrap_sources(&from, 60, 10), vec!["from Starter 50,000 · Growth 500,000"]);
        assert_eq!(wrap_sources(&from, 40, 10), vec!["from Starter 50,000", "  Growth 500,000"]);
        assert!(wrap_sources(&[], 40, 10).is_empty());
    }

    #[test]
    fn figures_are_cut_last_in_a_narrow_meter() {
        let theme = Theme { color: false };
        let wide = text(&meter(Some(2_250_000), 1_941_000, Some(309_000), &theme, 60, 20));
        assert!(wide.ends_with(" 1,941,000 / 2,250,000 · 309,000 left"), "{wide}");
        let narrow = text(&meter(Some(2_250_000), 1_941_000, Some(309_000), &theme, 34, 4));
        assert!(narrow.contains("1,941,000 / 2,250,000") && !narrow.contains('…'), "{narrow}");
        let e = |limit, used| Entitlement {
            feature_id: "m".into(),
            name: None,
            has_access: true,
            kind: EntitlementKind::Meter { limit: Some(limit), used, remaining: None, hard_limit: true },
            resets_at: None,
        };
        // One bar width for the pane: as wide as the longest figures allow.
        assert_eq!(bar_width(&[e(1_000, 880), e(10_000, 4_500)], 40), 10);
        assert_eq!(bar_width(&[e(1_000, 880)], 90), 20);
    }

    #[test]
    fn a_zero_limit_is_no_allowance_and_only_none_is_unlimited() {
        let theme = Theme { color: false };
        assert_eq!(text(&meter(Some(0), 0, Some(0), &theme, 60, 20)), "0 used · no allowance (limit 0)");
        assert_eq!(text(&meter(None, 1_200, None, &theme, 60, 20)), "1,200 used · unlimited");
        let some = text(&meter(Some(50_000), 12_000, Some(38_000), &theme, 60, 20));
        assert!(some.contains("12,000 / 50,000 · 38,000 left"), "{some}");
    }

    /// `KWD 76.50…` at 120 columns read as another price than KWD 76.500: prices are shown
    /// whole or counted, never cut.
    #[test]
    fn prices_are_shown_whole_then_counted() {
        let prices: Vec<String> = ["KWD 76.500 /mo", "$290.00 /yr", "£209.00 /yr"].map(String::from).into();
        assert_eq!(super::whole_items(&prices, 60), prices);
        assert_eq!(super::whole_items(&prices, 30), ["KWD 76.500 /mo", "+2"]);
        assert_eq!(super::whole_items(&prices, 29), ["KWD 76.500 /mo", "+2"]);
        assert_eq!(super::whole_items(&prices, 31), ["KWD 76.500 /mo", "$290.00 /yr", "+1"].map(String::from));
        assert_eq!(super::whole_items(&prices, 8), ["KWD 76.…"], "only a price wider than the column is cut");
        assert!(super::whole_items(&[], 10).is_empty());
    }
}
