//! `s` / `S` in the panes: the customer list (by name, email, id, provider or created date),
//! a customer's subscriptions and the plan catalog. The customer order is an index over the
//! rows (or the filter's hits), rebuilt when rows or hits change; subscriptions and plans are
//! small and sorted in place, again whenever they reload.

use super::customers::RowRef;
use super::listing::{ListControl, Tabular};
use super::rows::CustomerRow;
use super::{AppState, Effect, Pane};
use crate::billing::{Plan, Subscription};
use crate::tui::action::Action;

impl AppState {
    pub(crate) fn sort_pane(&mut self, action: Action) -> Vec<Effect> {
        let mut control = ListControl { sort: self.pane_sort(self.focus), ..ListControl::default() };
        let columns = match self.focus {
            Pane::Customers => CustomerRow::columns().len(),
            Pane::Subscriptions => Subscription::columns().len(),
            Pane::Plans => Plan::columns().len(),
            Pane::Entitlements => {
                self.notify("Entitlements keep the provider's order");
                return Vec::new();
            }
        };
        control.sort_action(action, columns);
        let names = match self.focus {
            Pane::Customers => CustomerRow::columns(),
            Pane::Subscriptions => Subscription::columns(),
            _ => Plan::columns(),
        };
        let said = control.describe(names);
        let pane = self.focus.title();
        self.notify(if said.is_empty() { format!("{pane}: the provider's order") } else { format!("{pane} {said}") });
        match self.focus {
            Pane::Customers => {
                self.views[self.tab].sort = control.sort;
                self.resort_customers(self.tab);
            }
            pane => {
                self.sorts.insert(pane, control.sort);
                self.resort_details();
            }
        }
        self.ensure_loaded()
    }

    fn pane_sort(&self, pane: Pane) -> Option<(usize, bool)> {
        match pane {
            Pane::Customers => self.views[self.tab].sort,
            other => self.sorts.get(&other).copied().flatten(),
        }
    }

    /// Rebuilds a tab's customer order over its rows (or its filter's hits) when it is sorted.
    pub(crate) fn resort_customers(&mut self, tab: usize) {
        let Some((column, reversed)) = self.views[tab].sort else {
            self.views[tab].order.clear();
            return;
        };
        let base: Vec<RowRef> = if self.views[tab].filter.active() {
            self.views[tab].filter.hits.clone()
        } else {
            self.tab_slots(tab)
                .into_iter()
                .flat_map(|slot| {
                    let n = self.slots[slot as usize].customers.rows.len() as u32;
                    (0..n).map(move |row| RowRef { slot, row })
                })
                .collect()
        };
        let mut keyed: Vec<_> =
            base.into_iter().filter_map(|r| self.customer(r).map(|c| (c.sort_key(column), r))).collect();
        keyed.sort_by(|a, b| if reversed { b.0.cmp(&a.0) } else { a.0.cmp(&b.0) });
        self.views[tab].order = keyed.into_iter().map(|(_, r)| r).collect();
    }

    /// Applies the panes' sorts to the loaded subscriptions and plans.
    pub(crate) fn resort_details(&mut self) {
        if let Some((column, reversed)) = self.sorts.get(&Pane::Subscriptions).copied().flatten() {
            for d in self.details.values_mut() {
                if let Some(subs) = d.subscriptions.value.as_mut() {
                    sort_rows(subs, column, reversed);
                }
            }
        }
        if let Some((column, reversed)) = self.sorts.get(&Pane::Plans).copied().flatten() {
            for s in &mut self.slots {
                if let Some(plans) = s.plans.value.as_mut() {
                    sort_rows(plans, column, reversed);
                }
            }
        }
    }
}

impl AppState {
    /// The plans the Plans pane shows: the catalog, filtered by `/` there.
    pub fn shown_plans(&self) -> Vec<&Plan> {
        let Some(plans) = self.plans_slot().and_then(|s| self.slots[s as usize].plans.value.as_deref()) else {
            return Vec::new();
        };
        self.plans_filter.visible(plans).into_iter().filter_map(|i| plans.get(i)).collect()
    }

    /// The highlighted plan of the Plans pane.
    pub fn selected_plan(&self) -> Option<&Plan> {
        self.shown_plans().get(self.plan_selected).copied()
    }

    /// Keys while the Plans pane's filter line has focus.
    pub(crate) fn plans_filter_action(&mut self, action: Action) -> Vec<Effect> {
        let mut selected = self.plan_selected;
        super::listing::list_key(&mut self.plans_filter, &mut selected, action, Plan::columns().len());
        self.plan_selected = selected;
        Vec::new()
    }
}

fn sort_rows<T: Tabular>(rows: &mut [T], column: usize, reversed: bool) {
    rows.sort_by(|a, b| {
        let order = a.sort_key(column).cmp(&b.sort_key(column));
        if reversed { order.reverse() } else { order }
    });
}
