//! Actions → state changes and effects. Pure: every test drives these directly.

use super::customers::RowRef;
use super::movement::nav_delta;
use super::palette::PaletteState;
use super::requests::RequestsState;
use super::{AppState, DetailParts, Details, Dialog, Effect, FilterJob, Loadable, Pane};
use crate::tui::action::Action;
use crate::tui::layout;

/// How long the selection must rest before the console reads its neighbours ahead.
const READ_AHEAD_PAUSE: chrono::Duration = chrono::Duration::milliseconds(150);

impl AppState {
    /// Rows of the focused list that fit on screen (page size for PgUp/PgDn).
    pub fn page_height(&self, pane: Pane) -> usize {
        let area = ratatui::layout::Rect::new(0, 0, self.size.0, self.size.1);
        let areas = layout::areas(area, self.compact(), self.focus);
        let filter_line =
            usize::from(pane == Pane::Customers && (self.view().filter.editing || self.view().filter.active()));
        areas.pane(pane).map_or(10, layout::table_rows).saturating_sub(filter_line).max(1)
    }

    /// An action in the panes (no dialog open).
    pub(crate) fn panes_action(&mut self, action: Action) -> Vec<Effect> {
        if self.views[self.tab].filter.editing {
            return self.filter_action(action);
        }
        if self.plans_filter.editing || (self.focus == Pane::Plans && action == Action::Filter) {
            return self.plans_filter_action(action);
        }
        match action {
            Action::Quit => {
                self.quit = true;
                vec![Effect::Quit]
            }
            Action::Back => self.back(),
            Action::Palette => {
                self.push(Dialog::Palette(PaletteState::default()));
                Vec::new()
            }
            Action::Requests => {
                self.push(Dialog::Requests(RequestsState::default()));
                vec![Effect::SnapshotRequests]
            }
            Action::Refresh => self.refresh(),
            Action::NextPane | Action::PrevPane => self.cycle_pane(action == Action::NextPane),
            Action::NextTab => self.go_tab((self.tab + 1) % self.views.len()),
            Action::PrevTab => self.go_tab((self.tab + self.views.len() - 1) % self.views.len()),
            Action::GoTab(n) => self.go_tab(usize::from(n)),
            Action::Filter if self.focus == Pane::Customers => {
                self.views[self.tab].filter.editing = true;
                Vec::new()
            }
            Action::Filter => {
                self.notify("/ filters the customer list (Customers pane) and the plans (Plans pane)");
                Vec::new()
            }
            Action::Choose => self.enter(),
            Action::Copy => self.copy_selected(),
            Action::Open => {
                self.notify(
                    "Nothing to open here: o opens URLs in the request log (r), invoices (i) and checkout results",
                );
                Vec::new()
            }
            Action::NewCheckout => self.open_checkout(),
            Action::ChangePlan => self.open_change(),
            Action::Cancel => self.open_cancel(false),
            Action::Uncancel => self.open_cancel(true),
            Action::Audit => self.show_audit(),
            Action::Invoices => self.show_invoices(),
            Action::Payments => self.show_payments(),
            Action::Sort | Action::SortReverse => self.sort_pane(action),
            Action::Up | Action::Down | Action::PageUp | Action::PageDown | Action::Top | Action::Bottom => {
                self.navigate(action)
            }
            _ => Vec::new(),
        }
    }

    fn back(&mut self) -> Vec<Effect> {
        if self.views[self.tab].filter.active() {
            return self.clear_filter();
        }
        if self.focus != Pane::Customers {
            self.focus = Pane::Customers;
        }
        Vec::new()
    }

    /// Help and the audit journal: they scroll; Esc, q, `?` (help) or `a` (audit) close them.
    pub(crate) fn scroll_action(&mut self, action: Action) -> Vec<Effect> {
        match action {
            Action::Back | Action::Help => {
                self.pop();
                Vec::new()
            }
            nav => {
                // The view clamps the far end: only it knows how many lines fit.
                let page = usize::from(self.size.1.saturating_sub(4)).max(1);
                if let (Some(Dialog::Help { scroll: at, .. } | Dialog::Audit { offset: at, .. }), Some(delta)) =
                    (self.dialogs.last_mut(), nav_delta(nav, page))
                {
                    *at = at.saturating_add_signed(delta);
                }
                Vec::new()
            }
        }
    }

    fn cycle_pane(&mut self, forward: bool) -> Vec<Effect> {
        let i = Pane::ALL.iter().position(|p| *p == self.focus).unwrap_or(0);
        let n = Pane::ALL.len();
        self.focus = Pane::ALL[if forward { (i + 1) % n } else { (i + n - 1) % n }];
        self.ensure_loaded()
    }

    pub fn go_tab(&mut self, tab: usize) -> Vec<Effect> {
        if tab >= self.views.len() {
            return Vec::new();
        }
        self.tab = tab;
        self.plan_selected = 0;
        self.ensure_loaded()
    }

    fn enter(&mut self) -> Vec<Effect> {
        self.open_pane_detail()
    }

    fn copy_selected(&mut self) -> Vec<Effect> {
        let text = match self.focus {
            Pane::Customers => self.selected_customer().map(|(_, c)| c.id.to_string()),
            Pane::Subscriptions => self
                .selected_details()
                .and_then(|d| d.subscriptions.value.as_ref())
                .and_then(|s| s.get(self.sub_selected))
                .map(|s| s.id.clone()),
            Pane::Entitlements => None,
            Pane::Plans => self.selected_plan().map(|p| p.id.clone()),
        };
        match text {
            Some(t) => {
                self.notify(format!("Copied {t} (OSC 52)"));
                vec![Effect::Copy(t)]
            }
            None => {
                self.notify("Nothing selected to copy");
                Vec::new()
            }
        }
    }

    fn navigate(&mut self, action: Action) -> Vec<Effect> {
        let height = self.page_height(self.focus);
        let delta = nav_delta(action, height).unwrap_or(isize::MAX / 2);
        match self.focus {
            Pane::Customers => {
                if action == Action::Bottom && !self.views[self.tab].filter.active() {
                    for s in self.tab_slots(self.tab) {
                        self.slots[s as usize].customers.load_all = true;
                    }
                }
                let len = self.row_count();
                self.views[self.tab].move_by(delta, len, height);
                self.ensure_loaded()
            }
            Pane::Subscriptions => {
                let len = self.selected_details().and_then(|d| d.subscriptions.value.as_ref()).map_or(0, Vec::len);
                self.sub_selected = clamp_move(self.sub_selected, delta, len);
                Vec::new()
            }
            Pane::Entitlements => {
                let len = self.selected_details().and_then(|d| d.entitlements.value.as_ref()).map_or(0, Vec::len);
                self.ent_offset = clamp_move(self.ent_offset, delta, len);
                Vec::new()
            }
            Pane::Plans => {
                let len = self.shown_plans().len();
                self.plan_selected = clamp_move(self.plan_selected, delta, len);
                Vec::new()
            }
        }
    }

    /// Everything the screen needs that is not loaded or loading yet: the next customer page
    /// near the end, the selected customer's details, the plan catalog, row summaries.
    pub fn ensure_loaded(&mut self) -> Vec<Effect> {
        let mut effects = Vec::new();
        let selected = self.views[self.tab].selected;
        let filtering = self.views[self.tab].filter.active();
        for slot in self.tab_slots(self.tab) {
            // A provider without server-side search is searched through: every page is loaded
            // while the filter is on (Esc clears the filter and stops it).
            let search_all = filtering && !self.slots[slot as usize].caps.search_customers;
            let store = &mut self.slots[slot as usize].customers;
            // Rows of this slot before the selection approximates its position in a merged list.
            let wants = if search_all {
                store.can_load_more()
            } else {
                store.wants_page(if filtering { 0 } else { selected }) && (!filtering || !store.loaded_once)
            };
            if wants {
                store.loading = true;
                effects.push(Effect::LoadCustomers { slot, cursor: store.next_cursor.clone() });
            }
        }
        if let Some((slot, c)) = self.selected_customer() {
            let key = (slot, c.id.to_string());
            self.note_move(slot, &key.1);
            let paused = self.moved.as_ref().is_some_and(|m| m.3 >= READ_AHEAD_PAUSE);
            // What is missing and what is shown from an old read (read again in the background,
            // still shown meanwhile) go in one read.
            let claimed = self.claim_details(slot, &key.1);
            let stale = self.revalidate_selected();
            if let Some(parts) = union(claimed, stale) {
                effects.push(Effect::LoadDetails { slot, customer_id: key.1, parts, prefetch: false });
            } else if paused
                && self.details.get(&key).is_some_and(|d| !d.subscriptions.loading && !d.entitlements.loading)
            {
                // Moved onto a customer read ahead, after a pause: keep reading ahead.
                effects.extend(self.prefetch_neighbours());
            }
        }
        if let Some(slot) = self.plans_slot()
            && self.slots[slot as usize].plans.wanted()
            && self.slots[slot as usize].caps.plans
            && (self.focus == Pane::Plans || !self.compact())
        {
            self.slots[slot as usize].plans = Loadable::loading();
            effects.push(Effect::LoadPlans { slot });
        }
        effects.extend(self.summary_effects());
        effects
    }

    /// Marks a customer's subscriptions and entitlements as loading where they are wanted, and
    /// says which need a read (`None`: nothing). A summary from the provider's listing is not
    /// the panes' read: that is asked alone. Entitlements a provider does not offer are never
    /// wanted.
    fn claim_details(&mut self, slot: u8, id: &str) -> Option<DetailParts> {
        let listed = self.slots[slot as usize].customers.summaries.is_filled(id);
        let with_entitlements = self.slots[slot as usize].caps.entitlements;
        let entry = self.details.entry((slot, id.to_string())).or_default();
        let relisted = listed && !entry.subscriptions.loading;
        let parts = DetailParts {
            subscriptions: entry.subscriptions.wanted() || relisted,
            entitlements: entry.entitlements.wanted() && with_entitlements,
        };
        if !parts.subscriptions && !parts.entitlements {
            return None;
        }
        if entry.subscriptions.wanted() {
            entry.subscriptions = Loadable::loading();
        } else if relisted {
            // Keeps the listing's answer on screen until the customer's own arrives.
            entry.subscriptions.loading = true;
        }
        if parts.entitlements {
            entry.entitlements = Loadable::loading();
        }
        Some(parts)
    }

    /// A customer's subscriptions or entitlements arrived: when they were the selected
    /// customer's last and the selection has rested there a moment, the console is idle and
    /// reads the neighbours ahead. Scrolling (a key every few milliseconds) reads nothing ahead.
    pub(super) fn details_arrived(&mut self, slot: u8, customer_id: &str) -> Vec<Effect> {
        let selected = self.selected_customer().is_some_and(|(s, c)| s == slot && c.id == customer_id);
        let settled = self.selected_details().is_some_and(|d| !d.subscriptions.loading && !d.entitlements.loading);
        let resting = self.moved.as_ref().is_some_and(|m| self.now - m.2 >= READ_AHEAD_PAUSE);
        if selected && settled && resting { self.prefetch_neighbours() } else { Vec::new() }
    }

    /// Records when the selection moved to another customer, and how long it rested before.
    /// Another customer's panes start at their first row, whatever is read for them.
    fn note_move(&mut self, slot: u8, id: &str) {
        let now = self.now;
        match &mut self.moved {
            Some((s, c, _, _)) if *s == slot && c == id => return,
            Some(m) => *m = (slot, id.to_string(), now, now - m.2),
            None => self.moved = Some((slot, id.to_string(), now, READ_AHEAD_PAUSE)),
        }
        self.sub_selected = 0;
        self.ent_offset = 0;
    }

    /// Once the selected customer has arrived, the next two rows and the previous one are read
    /// ahead, so moving there shows them at once (each at most once until `R`).
    fn prefetch_neighbours(&mut self) -> Vec<Effect> {
        let selected = self.views[self.tab].selected;
        let rows = [Some(selected + 1), Some(selected + 2), selected.checked_sub(1)];
        let keys: Vec<(u8, String)> = rows
            .into_iter()
            .flatten()
            .filter_map(|i| self.row_at(i))
            .filter_map(|r| self.customer(r).map(|c| (r.slot, c.id.to_string())))
            .collect();
        keys.into_iter()
            .filter_map(|(slot, customer_id)| {
                let parts = self.claim_details(slot, &customer_id)?;
                Some(Effect::LoadDetails { slot, customer_id, parts, prefetch: true })
            })
            .collect()
    }

    fn refresh(&mut self) -> Vec<Effect> {
        // The selected customer stays selected once the reloaded rows include them again.
        self.follow_customer = self.selected_customer().map(|(slot, c)| (slot, c.id.to_string()));
        for slot in self.tab_slots(self.tab) {
            let s = &mut self.slots[slot as usize];
            s.customers.reset();
            s.plans = Loadable::default();
            self.details.retain(|(sl, _), _| *sl != slot);
        }
        let view = &mut self.views[self.tab];
        view.selected = 0;
        view.offset = 0;
        self.notify(format!("Refreshing {}", self.tab_title(self.tab)));
        // First, so the reads below go to the provider, not to a client's snapshot.
        let mut effects = vec![Effect::ForgetCached { slots: self.tab_slots(self.tab) }];
        effects.extend(self.ensure_loaded());
        effects.extend(self.rerun_filter(self.tab));
        effects
    }

    fn filter_action(&mut self, action: Action) -> Vec<Effect> {
        let filter = &mut self.views[self.tab].filter;
        match action {
            Action::Back => self.clear_filter(),
            Action::Choose => {
                filter.editing = false;
                if !filter.active() {
                    filter.query.clear();
                }
                Vec::new()
            }
            Action::Text(key) => {
                if crate::tui::text::edit_line(&mut filter.query, key) {
                    self.filter_changed()
                } else {
                    Vec::new()
                }
            }
            Action::Down | Action::Up => {
                let delta = if action == Action::Down { 1 } else { -1 };
                let (len, height) = (self.row_count(), self.page_height(Pane::Customers));
                self.views[self.tab].move_by(delta, len, height);
                self.ensure_loaded()
            }
            _ => Vec::new(),
        }
    }

    /// Pasted text for the filter line.
    pub(crate) fn paste_filter(&mut self, text: &str) -> Vec<Effect> {
        let report = crate::tui::text::paste_line(&mut self.views[self.tab].filter.query, text);
        if let Some(n) = report.notice() {
            self.notify(n);
        }
        self.filter_changed()
    }

    fn clear_filter(&mut self) -> Vec<Effect> {
        let view = &mut self.views[self.tab];
        view.filter = Default::default();
        view.selected = 0;
        view.offset = 0;
        self.ensure_loaded()
    }

    fn filter_changed(&mut self) -> Vec<Effect> {
        let view = &mut self.views[self.tab];
        view.selected = 0;
        view.offset = 0;
        if !view.filter.active() {
            view.filter.hits.clear();
            view.filter.run = Default::default();
            view.filter.applied = None;
            view.filter.generation += 1;
            view.filter.running = false;
            return self.ensure_loaded();
        }
        let mut effects = self.rerun_filter(self.tab);
        let query = self.views[self.tab].filter.query.trim().to_string();
        for slot in self.tab_slots(self.tab) {
            if self.slots[slot as usize].caps.search_customers {
                effects.push(Effect::Search { slot, query: query.clone() });
            }
        }
        effects
    }

    /// Starts a filter run for `tab` over the rows loaded now; narrows the previous hits when
    /// the query only grew and no rows arrived since.
    pub fn rerun_filter(&mut self, tab: usize) -> Vec<Effect> {
        if !self.views[tab].filter.active() {
            return Vec::new();
        }
        let slots = self.tab_slots(tab);
        let versions: Vec<u64> = slots.iter().map(|&s| self.slots[s as usize].customers.corpus.version()).collect();
        let corpora = slots.iter().map(|&s| (s, self.slots[s as usize].customers.corpus.clone())).collect();
        let filter = &mut self.views[tab].filter;
        filter.generation += 1;
        filter.running = true;
        let query = filter.query.trim().to_string();
        let narrow = filter.applied.as_deref().is_some_and(|prev| crate::search::narrows(prev, &query))
            && self.filter_versions[tab] == versions
            && !filter.run.matched.is_empty();
        let within = narrow.then(|| filter.run.matched.clone());
        self.filter_versions[tab] = versions;
        vec![Effect::Filter(FilterJob { tab, generation: filter.generation, query, corpora, within })]
    }

    pub(crate) fn requests_action(&mut self, action: Action) -> Vec<Effect> {
        let height = self.page_height(Pane::Customers);
        let Some(Dialog::Requests(req)) = self.dialogs.last_mut() else { return Vec::new() };
        let columns = <crate::providers::log::Exchange as super::listing::Tabular>::columns().len();
        if !req.detail && super::listing::list_key(&mut req.control, &mut req.selected, action, columns) {
            req.offset = 0;
            return Vec::new();
        }
        match action {
            Action::Back => {
                if req.detail {
                    req.detail = false;
                    req.scroll = 0;
                } else {
                    self.pop();
                }
                Vec::new()
            }
            Action::Choose => {
                req.detail = req.selected().is_some();
                Vec::new()
            }
            Action::Copy | Action::CopyCurl | Action::Open => {
                let effect = req.effect_for(action);
                match &effect {
                    Some(Effect::Copy(_)) if action == Action::CopyCurl => {
                        self.notify("Copied the request as curl; set the key variable before running it")
                    }
                    Some(Effect::Copy(t)) => self.notify(format!("Copied {t} (OSC 52)")),
                    Some(Effect::Open(u)) => self.notify(format!("Opening {u}")),
                    _ => self.notify("No request selected"),
                }
                effect.into_iter().collect()
            }
            Action::Refresh => vec![Effect::SnapshotRequests],
            nav => {
                req.navigate(nav, height);
                Vec::new()
            }
        }
    }

    pub(crate) fn details_entry(&mut self, slot: u8, id: &str) -> &mut Details {
        self.details.entry((slot, id.to_string())).or_default()
    }

    pub(crate) fn select_row(&mut self, r: RowRef) {
        let len = self.row_count();
        let height = self.page_height(Pane::Customers);
        if let Some(index) = (0..len).find(|&i| self.row_at(i) == Some(r)) {
            self.views[self.tab].select(index, len, height);
        }
    }
}

/// Both reads' panes, or either, or none.
fn union(a: Option<DetailParts>, b: Option<DetailParts>) -> Option<DetailParts> {
    match (a, b) {
        (Some(a), Some(b)) => Some(DetailParts {
            subscriptions: a.subscriptions || b.subscriptions,
            entitlements: a.entitlements || b.entitlements,
        }),
        (a, b) => a.or(b),
    }
}

fn clamp_move(current: usize, delta: isize, len: usize) -> usize {
    if len == 0 {
        return 0;
    }
    (current as isize + delta).clamp(0, len as isize - 1) as usize
}
