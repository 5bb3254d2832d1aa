//! Dialogs for plan change, cancel and undo, and the audit journal overlay.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Clear, Paragraph, Wrap};

use super::checkout::estimate_lines;
use super::{Theme, pane_block};
use crate::audit::{Entry, Outcome};
use crate::billing::{ChangeTiming, PendingChange};
use crate::tui::state::change::{CHANGE_STEPS, CancelFlow, ChangeFlow, Relation, Step};
use crate::util::ellipsize;
use chrono::NaiveDate;

fn dialog_area(area: Rect) -> Rect {
    let w = area.width.saturating_sub(4).min(90);
    let h = area.height.saturating_sub(2).min(28);
    Rect { x: area.x + (area.width - w) / 2, y: area.y + (area.height - h) / 2, width: w, height: h }
}

fn confirm_lines<'a>(live: bool, typed: &str, customer_id: &str, theme: &Theme, action: &str) -> Vec<Line<'a>> {
    if live {
        vec![
            Line::from(Span::styled(
                format!("LIVE: type the customer id ({customer_id}), then Ctrl-S {action}"),
                theme.error(),
            )),
            Line::from(format!("> {typed}▏")),
        ]
    } else {
        vec![Line::from(Span::styled(
            format!("Ctrl-S {action} · Backspace goes back a step · Esc closes"),
            theme.header(),
        ))]
    }
}

/// "1 Plan › 2 Period › 3 Timing › 4 Preview" with the current step marked.
fn steps_line<'a>(steps: &[(Step, &str)], current: Step, theme: &Theme) -> Line<'a> {
    let at = steps.iter().position(|(s, _)| *s == current).unwrap_or(steps.len().saturating_sub(1));
    let mut spans = Vec::new();
    for (i, (_, name)) in steps.iter().enumerate() {
        if i > 0 {
            spans.push(Span::styled(" › ", theme.dim()));
        }
        let style = match i.cmp(&at) {
            std::cmp::Ordering::Equal => theme.selected(true),
            std::cmp::Ordering::Less => theme.ok(),
            std::cmp::Ordering::Greater => theme.dim(),
        };
        spans.push(Span::styled(format!("{} {name}", i + 1), style));
    }
    Line::from(spans)
}

fn pick_line<'a>(selected: bool, text: String, theme: &Theme) -> Line<'a> {
    let style = if selected { theme.selected(true) } else { Default::default() };
    Line::from(Span::styled(text, style))
}

pub fn change(frame: &mut Frame, f: &ChangeFlow, theme: &Theme, area: Rect) {
    let rect = dialog_area(area);
    frame.render_widget(Clear, rect);
    let title = format!("Change plan · {} · {}", f.customer_name, f.subscription.plan_name.as_deref().unwrap_or("?"));
    let width = rect.width.saturating_sub(2) as usize;
    let step = if matches!(f.step, Step::Applying | Step::Done) { Step::Confirm } else { f.step };
    let mut lines: Vec<Line> = vec![steps_line(&CHANGE_STEPS, step, theme), Line::from("")];
    let mut footer = Vec::new();
    match f.step {
        Step::Choose => {
            lines.push(Line::from(Span::styled("Choose the new plan (j/k or ↑/↓, Enter takes it):", theme.header())));
            for (i, o) in f.options.iter().enumerate() {
                let style = if i == f.plan_idx { theme.selected(true) } else { Default::default() };
                let mark = if o.relation == Relation::Current { "● " } else { "  " };
                lines.push(Line::from(Span::styled(
                    format!(
                        "{mark}{:<24} {:<22} {}",
                        ellipsize(&o.plan.name, 24),
                        ellipsize(&o.price, 22),
                        o.relation.label()
                    ),
                    style,
                )));
            }
            if f.enter_hint {
                let current = f.plan().map(|p| p.name.as_str()).unwrap_or("this");
                let hint = format!("{} is the current plan: choose another (j/k), or Esc", ellipsize(current, 40));
                footer.push(Line::from(Span::styled(hint, theme.error())));
            }
        }
        Step::Period => {
            let plan = f.plan().map(|p| p.name.clone()).unwrap_or_default();
            lines.push(Line::from(Span::styled(format!("Charge period for {plan} (j/k, Enter):"), theme.header())));
            for (i, p) in f.periods.iter().enumerate() {
                lines.push(pick_line(i == f.period_idx, format!("  {}", p.label()), theme));
            }
            if f.periods.len() == 1 {
                let why = if f.keep_interval {
                    "  (the provider keeps a subscription's billing interval: Enter takes it)"
                } else {
                    "  (the only period this plan sells: Enter takes it)"
                };
                lines.push(Line::from(Span::styled(why, theme.dim())));
            }
        }
        Step::Timing => {
            lines.push(Line::from(Span::styled("When does the change take effect? (j/k, Enter):", theme.header())));
            for (i, t) in f.timings.iter().enumerate() {
                lines.push(pick_line(i == f.timing_idx, format!("  {}", timing_label(*t)), theme));
            }
            if f.timings.len() == 1 {
                lines.push(Line::from(Span::styled(
                    "  (the only timing this provider offers: Enter takes it)",
                    theme.dim(),
                )));
            }
        }
        Step::Confirm | Step::Applying | Step::Done | Step::Date => {
            review(&mut lines, &mut footer, f, theme, width);
        }
    }
    render_dialog(frame, rect, title, (lines, f.body_scroll), footer, theme);
}

/// The dialog's box with `footer` (the confirm key or the outcome) pinned to its last rows, so
/// the key that applies is always on screen; a body too long for what is left scrolls (↓/↑)
/// from `scroll`, with a line saying how much is hidden and how to see it.
fn render_dialog(
    frame: &mut Frame,
    rect: Rect,
    title: String,
    (body, scroll): (Vec<Line>, usize),
    footer: Vec<Line>,
    theme: &Theme,
) {
    let block = pane_block(title, true, theme, rect.width);
    let inner = block.inner(rect);
    frame.render_widget(block, rect);
    let footer = Paragraph::new(footer).wrap(Wrap { trim: false });
    let footer_h = u16::try_from(footer.line_count(inner.width)).unwrap_or(u16::MAX).min(inner.height);
    let body_area = Rect { height: inner.height - footer_h, ..inner };
    let footer_area = Rect { y: inner.y + body_area.height, height: footer_h, ..inner };
    let body = Paragraph::new(body).wrap(Wrap { trim: false });
    let needed = body.line_count(inner.width);
    let room = usize::from(body_area.height);
    if needed > room && room > 0 {
        let shown = Rect { height: body_area.height - 1, ..body_area };
        let scroll = scroll.min(needed - (room - 1));
        frame.render_widget(body.scroll((u16::try_from(scroll).unwrap_or(u16::MAX), 0)), shown);
        let below = needed - (room - 1) - scroll;
        let note = match (scroll, below) {
            (0, n) => format!("… {n} more line{} · ↓ scrolls", if n == 1 { "" } else { "s" }),
            (up, 0) => format!("↑ {up} line{} above · ↑ scrolls back", if up == 1 { "" } else { "s" }),
            (up, n) => format!("↑ {up} above · {n} more below · ↓/↑ scroll"),
        };
        let note_area = Rect { y: shown.y + shown.height, height: 1, ..body_area };
        frame.render_widget(Paragraph::new(Line::from(Span::styled(note, theme.dim()))), note_area);
    } else {
        frame.render_widget(body, body_area);
    }
    frame.render_widget(footer, footer_area);
}

fn timing_label(t: ChangeTiming) -> &'static str {
    match t {
        ChangeTiming::Immediately => "immediately",
        ChangeTiming::AtPeriodEnd => "at the end of the current period",
        ChangeTiming::Auto => "auto (the provider decides: upgrades now, downgrades at period end)",
    }
}

/// "Customer  Jürgen Müller (cus_mueller_maschinenbau)", with stand-ins for unsafe characters.
fn customer_line(name: &str, id: &str) -> String {
    format!("Customer  {} ({})", crate::text::line(name), crate::text::line(id))
}

/// The confirm step restates what will happen: customer, old → new, period, amount now,
/// next invoice, effective date, entitlement difference.
fn review<'a>(lines: &mut Vec<Line<'a>>, footer: &mut Vec<Line<'a>>, f: &ChangeFlow, theme: &Theme, width: usize) {
    // Provider names: each unsafe character a visible stand-in, not dropped unseen.
    let old = crate::text::line(f.subscription.plan_name.as_deref().unwrap_or_default()).into_owned();
    let new = crate::text::line(f.plan().map(|p| p.name.as_str()).unwrap_or_default()).into_owned();
    let change = f.change();
    lines.push(Line::from(customer_line(&f.customer_name, &f.customer_id)));
    lines.push(Line::from(format!("Plan      {old} → {new}")));
    lines.push(Line::from(format!(
        "Period    {} · {}",
        change.as_ref().map(|c| c.period.label()).unwrap_or_default(),
        change.as_ref().map(|c| timing_label(c.timing)).unwrap_or_default()
    )));
    match (&f.preview.value, &f.preview.error) {
        (_, Some(e)) => lines.push(Line::from(Span::styled(format!("Preview failed: {e}"), theme.error()))),
        (Some(e), None) => {
            lines.push(Line::from(format!(
                "Effective {}",
                e.effective_date.map_or_else(|| "as the provider decides".into(), |d| d.to_string())
            )));
            lines.extend(estimate_lines(e, theme, width));
        }
        (None, None) => lines.push(Line::from(Span::styled("Previewing…", theme.dim()))),
    }
    if !f.diff.is_empty() {
        lines.push(Line::from(Span::styled("Entitlements", theme.header())));
        lines.extend(f.diff.iter().map(|d| Line::from(format!("  {d}"))));
    }
    // Usage over the new limits sits with the confirm key, pinned to the dialog's bottom: it is
    // what an operator must read before applying, at any terminal height.
    if !f.usage_warnings.is_empty() && matches!(f.step, Step::Confirm) {
        footer.push(Line::from(Span::styled("Usage over the new limits", theme.error())));
        footer.extend(f.usage_warnings.iter().map(|w| Line::from(Span::styled(format!("  {w}"), theme.error()))));
    }
    match (&f.step, &f.outcome) {
        (Step::Applying, _) => footer.push(Line::from(Span::styled("Applying…", theme.header()))),
        (Step::Done, Some(Ok(s))) => {
            let plan = s.plan_name.as_deref().unwrap_or("?");
            let done = match &s.pending_change {
                Some(p) => format!("Done: still {plan} ({}), {} · Enter closes", s.id, p.phrase()),
                None => format!("Done: now {plan} ({}) · Enter closes", s.id),
            };
            footer.push(Line::from(Span::styled(done, theme.ok())));
        }
        (Step::Done, Some(Err(e))) => {
            footer.push(Line::from(Span::styled(format!("Failed: {e} · Enter closes"), theme.error())));
        }
        _ if f.preview.value.is_some() => {
            if f.enter_hint {
                footer.push(Line::from(Span::styled("Enter does not apply: press Ctrl-S to apply", theme.error())));
            }
            // The key line carries the change's terms: on a short terminal the body scrolls,
            // and what Ctrl-S applies must still be read beside it.
            let terms = match (f.plan(), &f.preview.value) {
                (Some(plan), Some(e)) => {
                    let mut money = e.headline();
                    money.get_mut(0..1).map(str::make_ascii_lowercase);
                    format!("applies {} → {}, {money}", f.subscription.plan_name.as_deref().unwrap_or("?"), plan.name)
                }
                _ => "applies exactly this change".into(),
            };
            footer.extend(confirm_lines(f.live, &f.typed, &f.customer_id, theme, &terms));
        }
        _ => {}
    }
}

pub fn cancel(frame: &mut Frame, f: &CancelFlow, theme: &Theme, area: Rect, today: NaiveDate) {
    let rect = dialog_area(area);
    frame.render_widget(Clear, rect);
    let verb = match (f.undo, f.subscription.cancel_scheduled()) {
        (false, _) => "Cancel",
        (true, true) => "Undo cancellation",
        (true, false) => "Undo scheduled change",
    };
    let title = format!("{verb} · {} · {}", f.customer_name, f.subscription.plan_name.as_deref().unwrap_or("?"));
    let steps: &[(Step, &str)] = if f.undo {
        &[(Step::Confirm, "Preview")]
    } else {
        &[(Step::Choose, "When"), (Step::Date, "Date"), (Step::Confirm, "Preview")]
    };
    let step = if matches!(f.step, Step::Applying | Step::Done) { Step::Confirm } else { f.step };
    let mut lines = vec![steps_line(steps, step, theme), Line::from("")];
    let footer = match f.step {
        Step::Choose | Step::Date => {
            lines.extend(cancel_choices(f, theme));
            Vec::new()
        }
        _ => {
            lines.extend(cancel_review(f, theme, today));
            cancel_footer(f, theme)
        }
    };
    render_dialog(frame, rect, title, (lines, 0), footer, theme);
}

fn cancel_choices<'a>(f: &CancelFlow, theme: &Theme) -> Vec<Line<'a>> {
    let mut lines = vec![Line::from(Span::styled("When does access end? (j/k, Enter)", theme.header()))];
    for (i, c) in f.choices.iter().enumerate() {
        lines.push(pick_line(i == f.idx, format!("  {}", c.label()), theme));
    }
    if f.step == Step::Date {
        lines.push(Line::from(""));
        lines.push(Line::from(format!("  date (YYYY-MM-DD), then Enter: {}▏", f.date)));
    }
    if let Some(e) = &f.date_error {
        lines.push(Line::from(Span::styled(format!("  ⚠ {e}"), theme.error())));
    }
    lines
}

/// What the cancellation (or its undo) does, then the confirm or the outcome.
fn cancel_review<'a>(f: &CancelFlow, theme: &Theme, today: NaiveDate) -> Vec<Line<'a>> {
    let mut lines = vec![
        Line::from(customer_line(&f.customer_name, &f.customer_id)),
        Line::from(format!("Subscription {} · {}", f.subscription.id, f.subscription.status.label())),
    ];
    if f.undo && !f.subscription.cancel_scheduled() {
        let change = f.subscription.pending_change.as_ref().map(PendingChange::phrase).unwrap_or_default();
        let plan = f.subscription.plan_name.as_deref().unwrap_or("its current plan");
        lines.push(Line::from(format!("The scheduled change {change} is called off; it stays on {plan}.")));
    } else if f.undo {
        let end = f.subscription.ends_on.map(|d| d.to_string()).unwrap_or_default();
        lines.push(Line::from(format!("The scheduled end on {end} is removed; the subscription renews as before.")));
    } else {
        let end = f.end_date(today);
        lines.push(Line::from(format!("Access ends {}", end.map(|d| d.to_string()).unwrap_or_default())));
        if let Some(renewal) = end.and_then(|e| crate::ops::subscriptions::renewal_before_end(&f.subscription, e)) {
            lines.push(Line::from(Span::styled(renewal, theme.error())));
        }
        if !f.lost.is_empty() {
            lines.push(Line::from(format!("Lost then: {}", f.lost.join(", "))));
        }
        if !f.kept.is_empty() {
            lines.push(Line::from(format!("Still granted by another subscription: {}", f.kept.join(", "))));
        }
        let credit = "Credit: none stated by the provider (unused time is not refunded unless it says so)";
        lines.push(Line::from(Span::styled(credit, theme.dim())));
    }
    lines
}

/// The confirm key, or what applying did.
fn cancel_footer<'a>(f: &CancelFlow, theme: &Theme) -> Vec<Line<'a>> {
    let mut lines = Vec::new();
    match (&f.step, &f.outcome) {
        (Step::Applying, _) => lines.push(Line::from(Span::styled("Applying…", theme.header()))),
        (Step::Done, Some(Ok(s))) => {
            let ends = s.ends_on.map(|d| format!(", ends {d}")).unwrap_or_default();
            let plan = s.plan_name.as_deref().map(|p| format!(" on {p}")).unwrap_or_default();
            let pending = s.pending_change.as_ref().map(|p| format!(", {}", p.phrase())).unwrap_or_default();
            let done = format!("Done: {}{plan}{ends}{pending} · Enter closes", s.status.label());
            lines.push(Line::from(Span::styled(done, theme.ok())));
        }
        (Step::Done, Some(Err(e))) => {
            lines.push(Line::from(Span::styled(format!("Failed: {e} · Enter closes"), theme.error())))
        }
        _ => lines.extend(confirm_lines(
            f.live,
            &f.typed,
            &f.customer_id,
            theme,
            match (f.undo, f.subscription.cancel_scheduled()) {
                (false, _) => "cancels",
                (true, true) => "removes the cancellation",
                (true, false) => "calls off the scheduled change",
            },
        )),
    }
    lines
}

/// The audit overlay's data: the customer's entries (newest first), the top row, its filter.
pub struct AuditView<'a> {
    pub customer: &'a str,
    pub entries: &'a [Entry],
    pub offset: usize,
    pub note: Option<&'a str>,
    pub control: &'a crate::tui::state::listing::ListControl,
}

pub fn audit(frame: &mut Frame, view: &AuditView, theme: &Theme, area: Rect) {
    use crate::tui::state::listing::Tabular;
    let rect = Rect { x: area.x, y: area.y + 1, width: area.width, height: area.height.saturating_sub(2) };
    frame.render_widget(Clear, rect);
    let mut lines: Vec<Line> = Vec::new();
    if let Some(n) = view.note {
        lines.push(Line::from(Span::styled(n.to_string(), theme.error())));
    }
    let visible = view.control.visible(view.entries);
    if view.entries.is_empty() {
        lines.push(Line::from(Span::styled(
            "No changes, cancellations or checkouts recorded for this customer",
            theme.dim(),
        )));
    } else if visible.is_empty() {
        lines.push(Line::from(Span::styled("No entry matches the filter (Esc clears it)", theme.dim())));
    }
    let top = view.offset.min(visible.len().saturating_sub(1));
    for (n, e) in visible.iter().filter_map(|&i| view.entries.get(i)).enumerate().skip(top) {
        let style = match e.outcome {
            Outcome::Succeeded => theme.ok(),
            Outcome::Failed | Outcome::Interrupted => theme.error(),
            Outcome::Started => theme.dim(),
        };
        let mark = if n == top { theme.selected(true) } else { ratatui::style::Style::default() };
        lines.push(Line::from(vec![
            Span::styled(format!("{} {} {:<22} ", e.time.format("%Y-%m-%d %H:%M:%S"), e.provider, e.action), mark),
            Span::styled(format!("{:?}", e.outcome).to_lowercase(), style),
            Span::raw(format!(" {} {}", e.target.as_deref().unwrap_or(""), e.request_ids.join(","))),
        ]));
        if let Some(err) = &e.error {
            lines.push(Line::from(Span::styled(format!("    {err}"), theme.error())));
        }
    }
    frame.render_widget(
        Paragraph::new(lines).block(pane_block(
            format!(
                "Audit journal · {} · {} · Enter open · / filter · s sort · Esc closes",
                view.customer,
                match view.control.sort {
                    None =>
                        crate::tui::view::list_title(view.control, Entry::columns(), visible.len(), view.entries.len())
                            + " · newest first",
                    Some(_) =>
                        crate::tui::view::list_title(view.control, Entry::columns(), visible.len(), view.entries.len()),
                }
            ),
            true,
            theme,
            rect.width,
        )),
        rect,
    );
}
