//! The customers pane: a windowed table (only visible rows are built), the filter line and
//! loading / empty / error states.

use crate::text;
use ratatui::Frame;
use ratatui::layout::{Constraint, Rect};
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Cell, Paragraph, Row, Table, TableState};

use super::{Theme, pane_block, pane_message};
use crate::tui::state::rows::CustomerRow;
use crate::tui::state::{AppState, Pane};
use crate::util::ellipsize;
use unicode_width::UnicodeWidthStr;

pub fn draw(frame: &mut Frame, state: &AppState, theme: &Theme, area: Rect) {
    let focused = state.focus == Pane::Customers;
    let view = state.view();
    let total: u64 = state
        .tab_slots(state.tab)
        .iter()
        .map(|&s| {
            let c = &state.slots[s as usize].customers;
            c.total.unwrap_or(c.rows.len() as u64)
        })
        .sum();
    // While only the first screen of hits is ranked, the count is already every hit's.
    let count = if view.filter.active() && view.sort.is_none() {
        state.row_count().max(view.filter.run.total)
    } else {
        state.row_count()
    };
    let loaded: usize = state.tab_slots(state.tab).iter().map(|&s| state.slots[s as usize].customers.rows.len()).sum();
    let title = match (view.filter.active(), search_progress(state)) {
        (true, Some(progress)) => {
            format!("Customers · {} matching so far · {progress} · Esc stops", group(count as u64))
        }
        (true, None) => format!("Customers · {} matching of {}", group(count as u64), group(loaded as u64)),
        (false, _) if first_load(state) => "Customers · loading…".to_string(),
        (false, _) => format!("Customers · {} of {}", group(count as u64), group(total)),
    };
    let control = crate::tui::state::listing::ListControl { sort: view.sort, ..Default::default() };
    let sorted = control.describe(<CustomerRow as crate::tui::state::listing::Tabular>::columns());
    let title = if sorted.is_empty() { title } else { format!("{title} · {sorted}") };
    let block = pane_block(title, focused, theme, area.width);
    let inner = block.inner(area);
    frame.render_widget(block, area);
    let show_filter = view.filter.editing || view.filter.active();
    let footer = footer_line(state, theme, inner.width as usize);
    let reserved = u16::from(show_filter) + u16::from(footer.is_some());
    let table_area = Rect { height: inner.height.saturating_sub(reserved), ..inner };
    let mut y = table_area.y + table_area.height;
    if show_filter {
        let cursor = if view.filter.editing { "▏" } else { "" };
        let status = if view.filter.running { " filtering…".to_string() } else { String::new() };
        let line = Line::from(vec![
            Span::styled("/", theme.header()),
            Span::raw(format!("{}{cursor}", view.filter.query)),
            Span::styled(status, theme.dim()),
        ]);
        frame.render_widget(Paragraph::new(line), Rect { y, height: 1, ..inner });
        y += 1;
    }
    if let Some(line) = footer {
        frame.render_widget(Paragraph::new(line), Rect { y, height: 1, ..inner });
    }
    if count == 0 {
        empty_state(frame, state, theme, table_area);
        return;
    }
    table(frame, state, theme, table_area, focused);
}

/// "searching 12,400 of 100,064…" while a filter searches a provider without server-side
/// search through pages not loaded yet; `None` once every page is in (the count is final).
fn search_progress(state: &AppState) -> Option<String> {
    let searching: Vec<_> = state
        .tab_slots(state.tab)
        .into_iter()
        .map(|s| &state.slots[s as usize])
        .filter(|s| !s.caps.search_customers && s.customers.has_more())
        .collect();
    if searching.is_empty() || !state.view().filter.active() {
        return None;
    }
    let loaded: usize = searching.iter().map(|s| s.customers.rows.len()).sum();
    let totals: Option<u64> = searching.iter().map(|s| s.customers.total).sum();
    Some(match totals {
        Some(t) => format!("searching {} of {}…", group(loaded as u64), group(t)),
        None => format!("searching {} loaded…", group(loaded as u64)),
    })
}

/// No provider of the tab has answered yet: "loading", not "0 of 0".
fn first_load(state: &AppState) -> bool {
    state.tab_slots(state.tab).iter().all(|&s| {
        let c = &state.slots[s as usize].customers;
        !c.loaded_once && c.error.is_none()
    })
}

fn group(n: u64) -> String {
    crate::billing::money::group_int(i64::try_from(n).unwrap_or(i64::MAX))
}

/// Errors of individual providers (the All tab may have several) or a "loading more" hint.
fn footer_line<'a>(state: &AppState, theme: &Theme, width: usize) -> Option<Line<'a>> {
    let errors: Vec<String> = state
        .tab_slots(state.tab)
        .iter()
        .filter_map(|&s| state.slots[s as usize].customers.error.as_ref())
        .map(|e| format!("{e} · R retries"))
        .collect();
    let all_failed = errors.len() == state.tab_slots(state.tab).len();
    if !errors.is_empty() && !all_failed {
        return Some(Line::from(Span::styled(ellipsize(&errors.join(" | "), width), theme.error())));
    }
    let loading_more = state.tab_slots(state.tab).iter().any(|&s| {
        let c = &state.slots[s as usize].customers;
        c.loading && c.loaded_once
    });
    loading_more.then(|| Line::from(Span::styled("loading more…", theme.dim())))
}

fn empty_state(frame: &mut Frame, state: &AppState, theme: &Theme, area: Rect) {
    let slots = state.tab_slots(state.tab);
    let loading = slots
        .iter()
        .any(|&s| !state.slots[s as usize].customers.loaded_once && state.slots[s as usize].customers.error.is_none());
    let text = if state.view().filter.active() {
        if let Some(progress) = search_progress(state) {
            format!("No match yet · {progress}")
        } else if state.view().filter.running {
            "Filtering…".to_string()
        } else {
            format!("No customer matches {:?} · Esc clears the filter", state.view().filter.query)
        }
    } else if loading {
        "Loading customers…".to_string()
    } else if slots.iter().all(|&s| state.slots[s as usize].customers.error.is_some()) {
        let errors: Vec<String> = slots
            .iter()
            .filter_map(|&s| state.slots[s as usize].customers.error.as_ref())
            .map(|e| e.to_string())
            .collect();
        pane_message(frame, area, &format!("{}\nR retries", errors.join("\n")), theme.error());
        return;
    } else {
        "No customers yet".to_string()
    };
    pane_message(frame, area, &text, theme.dim());
}

/// The widest name, e-mail and summary among the rows on screen.
#[derive(Clone, Copy, Debug, Default)]
struct Needs {
    name: u16,
    email: u16,
    summary: u16,
}

/// Column widths from the space available: name and email share what the fixed columns and
/// the summary leave, and give up what the rows on screen do not need.
fn widths(total: u16, with_provider: bool, needs: Needs) -> [u16; 5] {
    let provider = if with_provider { 8 } else { 0 };
    let id = (total / 6).clamp(8, 26);
    // As wide as the longest summary on screen, up to a fifth of the table (at least 15, an
    // end date's "ends 2027-01-05"); [`Summary::fit`] keeps the status whole within that.
    let mut summary = needs.summary.clamp(10, (total / 5).max(15));
    let gaps = if with_provider { 4 } else { 3 };
    let rest = total.saturating_sub(provider + id + summary + gaps);
    // The name is what a person is looked for by: it gets a little more than the e-mail.
    let mut name = rest - rest * 9 / 20;
    let mut email = rest - name;
    // Room the names or e-mails on screen do not need goes to the summary first (a status cut
    // is a wrong reading), then to whichever of the two still wants it.
    let spare_name = name.saturating_sub(needs.name.max(6));
    let spare_email = email.saturating_sub(needs.email.max(7));
    (name, email) = (name - spare_name, email - spare_email);
    let spare = spare_name + spare_email;
    let to_summary = spare.min(needs.summary.saturating_sub(summary));
    summary += to_summary;
    let to_name = (spare - to_summary).min(needs.name.saturating_sub(name));
    name += to_name;
    email += spare - to_summary - to_name;
    [name, email, id, provider, summary]
}

fn table(frame: &mut Frame, state: &AppState, theme: &Theme, area: Rect, focused: bool) {
    let view = state.view();
    let height = area.height.saturating_sub(1) as usize;
    let with_provider = state.tab == 0;
    let start = view.offset.min(state.row_count().saturating_sub(1));
    // Provider text: each unsafe character a visible stand-in (ratatui drops a C0 or C1
    // control unseen and passes a bidi override to the terminal). Made once, measured, drawn.
    let on_screen: Vec<_> = (start..(start + height).min(state.row_count()))
        .filter_map(|i| state.row_at(i))
        .filter_map(|r| state.customer(r).map(|c| (r, c)))
        .map(|(r, c)| {
            let name = text::line(&name_cell(c)).into_owned();
            let email = text::line(c.email.unwrap_or("")).into_owned();
            (r, c, name, email, summary(state, theme, r.slot, c.id))
        })
        .collect();
    let widest = |width: &dyn Fn(&str, &str, &Option<Summary>) -> usize| {
        let most = on_screen.iter().map(|(_, _, name, email, s)| width(name, email, s)).max().unwrap_or(0);
        u16::try_from(most).unwrap_or(u16::MAX)
    };
    let needs = Needs {
        name: widest(&|name, _, _| name.width()),
        email: widest(&|_, email, _| email.width()),
        summary: widest(&|_, _, s| s.as_ref().map_or(0, Summary::width)),
    };
    let w = widths(area.width, with_provider, needs);
    let control = crate::tui::state::listing::ListControl { sort: view.sort, ..Default::default() };
    let mut header = vec![
        ellipsize(&control.header(0, "Name"), w[0] as usize),
        ellipsize(&control.header(1, "Email"), w[1] as usize),
        ellipsize(&control.header(2, "ID"), w[2] as usize),
    ];
    if with_provider {
        header.push(ellipsize(&control.header(3, "Provider"), w[3] as usize));
    }
    header.push(ellipsize("Subscription", w[4] as usize));
    // Only the rows on screen become widgets: 100k rows cost the same as 30.
    let rows: Vec<Row> = on_screen
        .into_iter()
        .map(|(r, c, name, email, summary)| {
            let mut cells = vec![
                Cell::from(ellipsize(&name, w[0] as usize)),
                Cell::from(ellipsize(&email, w[1] as usize)),
                Cell::from(ellipsize(&text::line(c.id), w[2] as usize)),
            ];
            if with_provider {
                cells.push(Cell::from(state.slots[r.slot as usize].kind.display_name()));
            }
            cells.push(summary.map_or(Cell::from(""), |s| Cell::from(Span::styled(s.fit(w[4] as usize), s.style))));
            Row::new(cells)
        })
        .collect();
    let mut constraints = vec![Constraint::Length(w[0]), Constraint::Length(w[1]), Constraint::Length(w[2])];
    if with_provider {
        constraints.push(Constraint::Length(w[3]));
    }
    constraints.push(Constraint::Length(w[4]));
    let table = Table::new(rows, constraints)
        .header(Row::new(header).style(theme.header()))
        .row_highlight_style(theme.selected(focused))
        .column_spacing(1);
    let mut ts = TableState::default().with_selected(Some(view.selected.saturating_sub(start)));
    frame.render_stateful_widget(table, area, &mut ts);
}

/// The name, marked "⚠" when the provider's row for this customer could not all be read.
fn name_cell(c: CustomerRow<'_>) -> String {
    let name = c.name.unwrap_or("—");
    if c.issues.is_empty() { name.to_string() } else { format!("⚠ {name}") }
}

/// A customer's subscription summary: the plan (where one is named) and what it is doing.
struct Summary {
    plan: Option<String>,
    state: String,
    style: Style,
}

impl Summary {
    fn width(&self) -> usize {
        self.plan.as_ref().map_or(0, |p| p.width() + 3) + self.state.width()
    }

    /// "Growth · active" in `width` columns; when that is too wide the plan's name gives way
    /// ("Busine… · active", else "ends 2027-01-05"): a status or an end date cut would be a
    /// wrong reading, a plan's name cut is not.
    fn fit(&self, width: usize) -> String {
        let state = self.state.width();
        match &self.plan {
            None => ellipsize(&self.state, width),
            Some(plan) if self.width() <= width => format!("{plan} · {}", self.state),
            Some(plan) if width >= state + 3 + 4 => format!("{} · {}", ellipsize(plan, width - state - 3), self.state),
            Some(_) => ellipsize(&self.state, width),
        }
    }
}

/// "Growth · active", "2 live subscriptions", "none", or nothing while unknown.
fn summary(state: &AppState, theme: &Theme, slot: u8, id: &str) -> Option<Summary> {
    let d = state.details.get(&(slot, id.to_string()))?;
    let alone = |state: &str, style| Summary { plan: None, state: state.to_string(), style };
    let Some(subs) = d.subscriptions.value.as_ref() else {
        return d.subscriptions.error.is_some().then(|| alone("error", theme.error()));
    };
    // A plan's name is provider text.
    let plan = |s: &crate::billing::Subscription| Some(text::line(s.plan_name.as_deref().unwrap_or("?")).into_owned());
    let live: Vec<_> = subs.iter().filter(|s| s.status.is_live()).collect();
    Some(match (live.len(), subs.first()) {
        (0, None) => alone("none", theme.dim()),
        (0, Some(s)) => Summary { plan: plan(s), state: s.status.label().to_string(), style: theme.status(s.status) },
        (1, _) => {
            let s = live[0];
            let state = if s.cancel_scheduled() {
                format!("ends {}", s.ends_on.map(|d| d.to_string()).unwrap_or_default())
            } else {
                s.status.label().to_string()
            };
            Summary { plan: plan(s), state, style: theme.status(s.status) }
        }
        (n, _) => alone(&format!("{n} live subscriptions"), theme.ok()),
    })
}

#[cfg(test)]
mod summary_tests {
    use super::{Needs, Summary, widths};

    #[test]
    fn room_the_names_do_not_need_goes_to_the_summary() {
        let roomy = Needs { name: 14, email: 40, summary: 25 };
        let [name, email, id, _, summary] = widths(78, false, roomy);
        assert_eq!((name, summary), (14, 25), "{:?}", widths(78, false, roomy));
        assert_eq!(name + email + id + summary + 3, 78);
        // Every column wants more than there is: the shares stand.
        let [name, email, _, _, summary] = widths(78, false, Needs { name: 60, email: 60, summary: 30 });
        assert_eq!(summary, 15);
        assert!(name > email);
    }

    fn summary(plan: Option<&str>, state: &str) -> Summary {
        Summary { plan: plan.map(str::to_string), state: state.into(), style: Default::default() }
    }

    #[test]
    fn a_narrow_summary_cuts_the_plan_never_the_status_or_its_date() {
        let ends = summary(Some("Starter"), "ends 2027-01-05");
        assert_eq!(ends.fit(30), "Starter · ends 2027-01-05");
        assert_eq!(ends.fit(22), "Sta… · ends 2027-01-05");
        assert_eq!(ends.fit(15), "ends 2027-01-05");
        let past_due = summary(Some("Business"), "past due");
        assert_eq!(past_due.fit(16), "Busi… · past due");
        assert_eq!(summary(None, "3 live subscriptions").fit(16), "3 live subscrip…");
    }
}
