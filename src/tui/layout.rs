//! Where each pane goes for a terminal size. Shared by the view (to draw) and the state (to
//! know how many rows a page is), so both agree.

use ratatui::layout::{Constraint, Direction, Layout, Rect};

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Areas {
    pub tabs: Rect,
    /// Compact layout only: the row naming the panes.
    pub pane_tabs: Option<Rect>,
    pub customers: Option<Rect>,
    pub subscriptions: Option<Rect>,
    pub entitlements: Option<Rect>,
    pub plans: Option<Rect>,
    pub status: Rect,
}

impl Areas {
    pub fn pane(&self, pane: Pane) -> Option<Rect> {
        match pane {
            Pane::Customers => self.customers,
            Pane::Subscriptions => self.subscriptions,
            Pane::Entitlements => self.entitlements,
            Pane::Plans => self.plans,
        }
    }
}

/// Full layout from 120×32: customers on the left, the selected customer's subscriptions and
/// entitlements and the plan catalog stacked on the right. Smaller: one pane at a time, named
/// in a row of pane tabs.
pub fn areas(area: Rect, compact: bool, focus: Pane) -> Areas {
    let rows = Layout::default()
        .direction(Direction::Vertical)
        .constraints([Constraint::Length(1), Constraint::Min(1), Constraint::Length(1)])
        .split(area);
    let (tabs, body, status) = (rows[0], rows[1], rows[2]);
    let mut out = Areas { tabs, status, ..Areas::default() };
    if compact {
        let parts = Layout::default()
            .direction(Direction::Vertical)
            .constraints([Constraint::Length(1), Constraint::Min(1)])
            .split(body);
        out.pane_tabs = Some(parts[0]);
        let slot = Some(parts[1]);
        match focus {
            Pane::Customers => out.customers = slot,
            Pane::Subscriptions => out.subscriptions = slot,
            Pane::Entitlements => out.entitlements = slot,
            Pane::Plans => out.plans = slot,
        }
        return out;
    }
    let cols = Layout::default()
        .direction(Direction::Horizontal)
        .constraints([Constraint::Percentage(54), Constraint::Percentage(46)])
        .split(body);
    let right = Layout::default()
        .direction(Direction::Vertical)
        .constraints([Constraint::Percentage(34), Constraint::Percentage(38), Constraint::Percentage(28)])
        .split(cols[1]);
    out.customers = Some(cols[0]);
    out.subscriptions = Some(right[0]);
    out.entitlements = Some(right[1]);
    out.plans = Some(right[2]);
    out
}

/// The checkout form and the dialogs stacked on it cover everything between the tab row and
/// the status bar.
pub fn checkout_area(screen: Rect) -> Rect {
    Rect { x: screen.x, y: screen.y + 1, width: screen.width, height: screen.height.saturating_sub(2) }
}

/// The checkout builder's three panes in its `area`: the form on the left, the estimate above
/// the request preview on the right.
pub fn checkout_panes(area: Rect) -> (Rect, Rect, Rect) {
    let cols = Layout::default()
        .direction(Direction::Horizontal)
        .constraints([Constraint::Percentage(50), Constraint::Percentage(50)])
        .split(area);
    let right = Layout::default()
        .direction(Direction::Vertical)
        .constraints([Constraint::Percentage(40), Constraint::Percentage(60)])
        .split(cols[1]);
    (cols[0], right[0], right[1])
}

/// A box of at most `width` × `height` in the middle of `area`, a cell clear of its edges.
pub fn centered(area: Rect, width: u16, height: u16) -> Rect {
    let w = width.min(area.width.saturating_sub(2));
    let h = height.min(area.height.saturating_sub(2));
    Rect { x: area.x + (area.width - w) / 2, y: area.y + (area.height - h) / 2, width: w, height: h }
}

/// The command palette's box on the `screen` for `suggestions` entries: the input line, then
/// at most `height - 3` entries.
pub fn palette_area(screen: Rect, suggestions: usize) -> Rect {
    let height = u16::try_from(suggestions).unwrap_or(u16::MAX).saturating_add(3).min(14);
    Rect { y: screen.y + 2, ..centered(screen, 60, height) }
}

/// A prompt stacked on the checkout form (preset name, preset list, LIVE id) with `lines`
/// lines, in the form's `area`.
pub fn prompt_area(area: Rect, lines: usize) -> Rect {
    let h = u16::try_from(lines).unwrap_or(u16::MAX).saturating_add(2).min(area.height);
    let w = 84.min(area.width);
    Rect { x: area.x + (area.width - w) / 2, y: area.y + (area.height - h) / 2, width: w, height: h }
}

/// Rows of data a bordered table with a header shows in `rect`.
pub fn table_rows(rect: Rect) -> usize {
    rect.height.saturating_sub(3) as usize
}

/// The four panes of the main screen.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Pane {
    Customers,
    Subscriptions,
    Entitlements,
    Plans,
}

impl Pane {
    pub const ALL: [Pane; 4] = [Pane::Customers, Pane::Subscriptions, Pane::Entitlements, Pane::Plans];

    pub fn title(&self) -> &'static str {
        match self {
            Pane::Customers => "Customers",
            Pane::Subscriptions => "Subscriptions",
            Pane::Entitlements => "Entitlements",
            Pane::Plans => "Plans",
        }
    }
}
