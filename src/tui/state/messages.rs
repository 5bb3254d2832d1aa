//! Results of background work → state changes. Stale results (an older filter run, a
//! customer no longer shown) are dropped or simply cached.

use super::customers::RowRef;
use super::{AppState, Dialog, Effect};
use crate::billing::{Customer, Entitlement, Plan, Subscription};
use crate::providers::log::Exchange;
use crate::providers::{Page, ProviderError};

/// A finished piece of background work.
#[derive(Debug)]
pub enum Msg {
    CustomersPage {
        slot: u8,
        result: Result<Page<Customer>, ProviderError>,
    },
    SearchDone {
        slot: u8,
        query: String,
        result: Result<Vec<Customer>, ProviderError>,
    },
    Found {
        slot: u8,
        id: String,
        result: Result<Customer, ProviderError>,
    },
    Subscriptions {
        slot: u8,
        customer_id: String,
        result: Result<Vec<Subscription>, ProviderError>,
    },
    Entitlements {
        slot: u8,
        customer_id: String,
        result: Result<Vec<Entitlement>, ProviderError>,
    },
    /// A page of the subscription listing asked with `cursor` (`Effect::SummaryPage`).
    SummaryPage {
        slot: u8,
        cursor: Option<String>,
        result: Result<Page<Subscription>, ProviderError>,
    },
    /// The subscriptions of the customers an `Effect::SummaryBatch` named.
    SummaryBatch {
        slot: u8,
        batch: u64,
        customer_ids: Vec<String>,
        result: Result<Vec<Subscription>, ProviderError>,
    },
    Plans {
        slot: u8,
        result: Result<Vec<Plan>, ProviderError>,
    },
    Invoices {
        slot: u8,
        customer_id: String,
        result: Result<Vec<crate::billing::InvoiceRecord>, ProviderError>,
    },
    /// A details load gave up because the selection moved on; it may be asked again later.
    DetailsDropped {
        slot: u8,
        customer_id: String,
    },
    Filtered {
        tab: usize,
        generation: u64,
        query: String,
        hits: Vec<RowRef>,
        run: super::customers::FilterRun,
    },
    Requests(Vec<Exchange>),
    /// Something the executor has to say (a link that was not opened, a file error).
    Notice {
        text: String,
        error: bool,
    },
    Checkout(super::checkout_flow::CheckoutMsg),
    /// The sandbox clock read or moved (`:clock`).
    Clock(Result<crate::tui::sandbox_clock::ClockAnswer, String>),
    /// The sandbox clock was moved, maybe by another process (`till sandbox clock advance`
    /// against `--sandbox-port`): the answer as if this console had moved it.
    ClockMoved(crate::tui::sandbox_clock::ClockAnswer),
    /// The embedded sandbox's newest events (the Events view).
    SandboxEvents(crate::tui::sandbox_events::EventsRead),
    /// A new event or delivery in the sandbox.
    SandboxEventsChanged,
    /// A provider's delivery log: the events, and whether it holds more than was read.
    WebhookLog {
        slot: u8,
        result: Result<(Vec<crate::billing::webhooks::WebhookEvent>, bool), String>,
    },
    /// A sandbox event sent again: to which receivers, or why not.
    Redelivered {
        event: String,
        result: Result<Vec<String>, String>,
    },
    Change(super::change_flow::ChangeMsg),
    Payments(super::payments::PaymentsMsg),
    /// The provider's object for the detail views of `id`, or `None` when the log has none.
    Raw {
        slot: u8,
        id: String,
        found: Option<serde_json::Value>,
    },
}

impl AppState {
    /// A finished piece of work at `now`.
    pub fn handle_msg(&mut self, msg: Msg, now: chrono::DateTime<chrono::Utc>) -> Vec<Effect> {
        self.now = now;
        match msg {
            Msg::Clock(result) => self.clock_answered(result),
            Msg::ClockMoved(answer) => self.clock_moved(answer),
            Msg::SandboxEvents(read) => {
                self.sandbox_events_read(read);
                Vec::new()
            }
            Msg::SandboxEventsChanged => self.sandbox_events_changed(),
            Msg::WebhookLog { slot, result } => {
                self.webhook_log_read(slot, result);
                Vec::new()
            }
            Msg::Redelivered { event, result } => {
                self.redelivered(&event, result);
                Vec::new()
            }
            Msg::CustomersPage { slot, result } => self.customers_page(slot, result),
            Msg::SearchDone { slot, query, result } => self.search_done(slot, &query, result),
            Msg::Found { slot, id, result } => self.found(slot, &id, result),
            Msg::SummaryPage { slot, cursor, result } => self.summary_page(slot, cursor, result),
            Msg::SummaryBatch { slot, batch, customer_ids, result } => {
                self.summary_batch(slot, batch, customer_ids, result)
            }
            Msg::Subscriptions { slot, customer_id, result } => {
                if let (Ok(subs), Some(s)) = (&result, self.slots.get_mut(slot as usize)) {
                    s.customers.summaries.read_alone(&customer_id, subs);
                }
                let selected = self.selected_customer().is_some_and(|(s, c)| s == slot && c.id == customer_id);
                // A refreshed list keeps the cursor on the same subscription, not the same row.
                let under_cursor = selected
                    .then(|| self.selected_details()?.subscriptions.value.as_ref()?.get(self.sub_selected))
                    .flatten()
                    .map(|x| x.id.clone());
                self.details_entry(slot, &customer_id).subscriptions.settle(result, now);
                self.resort_details();
                if let Some(id) = under_cursor
                    && let Some(i) = self
                        .selected_details()
                        .and_then(|d| d.subscriptions.value.as_ref())
                        .and_then(|subs| subs.iter().position(|x| x.id == id))
                {
                    self.sub_selected = i;
                }
                self.follow(slot, &customer_id);
                // A shorter list (a write replaced a subscription) never leaves the cursor past its end.
                if self.selected_customer().is_some_and(|(s, c)| s == slot && c.id == customer_id) {
                    let len = self.selected_details().and_then(|d| d.subscriptions.value.as_ref()).map_or(0, Vec::len);
                    self.sub_selected = self.sub_selected.min(len.saturating_sub(1));
                }
                self.details_arrived(slot, &customer_id)
            }
            Msg::Entitlements { slot, customer_id, result } => {
                self.details_entry(slot, &customer_id).entitlements.settle(result, now);
                self.details_arrived(slot, &customer_id)
            }
            Msg::DetailsDropped { slot, customer_id } => {
                let listed =
                    self.slots.get(slot as usize).is_some_and(|s| s.customers.summaries.is_filled(&customer_id));
                let selected = self.selected_customer().is_some_and(|(s, c)| s == slot && c.id == customer_id);
                if let Some(d) = self.details.get_mut(&(slot, customer_id)) {
                    // An answer already shown (the listing's, or an older read being refreshed)
                    // stays shown; the read is asked again when the customer is selected.
                    if d.subscriptions.loading && (listed || d.subscriptions.value.is_some()) {
                        d.subscriptions.loading = false;
                    } else if d.subscriptions.loading {
                        d.subscriptions = Default::default();
                    }
                    if d.entitlements.loading && d.entitlements.value.is_some() {
                        d.entitlements.loading = false;
                    } else if d.entitlements.loading {
                        d.entitlements = Default::default();
                    }
                }
                // Dropped for a newer load of another customer, yet selected again meanwhile (A, B,
                // back to A within the debounce): asked again, or its panes would wait for a key.
                if selected { self.ensure_loaded() } else { Vec::new() }
            }
            Msg::Invoices { slot, customer_id, result } => {
                self.invoices_arrived(slot, &customer_id, result);
                Vec::new()
            }
            Msg::Plans { slot, result } => {
                if let Some(s) = self.slots.get_mut(slot as usize) {
                    s.plans.settle(result, now);
                }
                self.resort_details();
                self.checkout_catalog_arrived(slot)
            }
            Msg::Filtered { tab, generation, query, hits, run } => {
                // A sorted list's first screen needs every hit: it waits for the full ranking.
                let sorted = self.views[tab].sort.is_some();
                let filter = &mut self.views[tab].filter;
                if generation == filter.generation && (run.complete || !sorted) {
                    filter.hits = hits;
                    filter.applied = Some(query);
                    filter.running = !run.complete;
                    filter.run = run;
                    self.resort_customers(tab);
                    let len = self.views[tab].filter.hits.len();
                    let view = &mut self.views[tab];
                    view.selected = view.selected.min(len.saturating_sub(1));
                    if tab == self.tab {
                        self.follow_into_hits();
                    }
                    return if tab == self.tab { self.ensure_loaded() } else { Vec::new() };
                }
                Vec::new()
            }
            Msg::Notice { text, error } => {
                if error {
                    self.notify_error(text);
                } else {
                    self.notify(text);
                }
                Vec::new()
            }
            Msg::Checkout(m) => self.handle_checkout_msg(m),
            Msg::Change(m) => self.handle_change_msg(m),
            Msg::Payments(m) => self.handle_payments_msg(m),
            Msg::Raw { slot, id, found } => {
                self.raw_arrived(slot, &id, found);
                Vec::new()
            }
            Msg::Requests(entries) => {
                if let Some(Dialog::Requests(r)) = self.dialogs.iter_mut().find(|d| matches!(d, Dialog::Requests(_))) {
                    r.replace(entries);
                }
                Vec::new()
            }
        }
    }

    fn customers_page(&mut self, slot: u8, result: Result<Page<Customer>, ProviderError>) -> Vec<Effect> {
        let Some(s) = self.slots.get_mut(slot as usize) else { return Vec::new() };
        match result {
            Ok(page) => s.customers.append(page),
            Err(e) => {
                s.customers.loading = false;
                s.customers.load_all = false;
                s.customers.error = Some(e);
            }
        }
        if let Some((s, id)) = self.follow_customer.clone()
            && s == slot
            && let Some(row) = self.slots[slot as usize].customers.position(&id)
        {
            self.follow_customer = None;
            self.select_row(super::customers::RowRef { slot, row: row as u32 });
        }
        for tab in [0, slot as usize + 1] {
            if self.views[tab].sort.is_some() {
                self.resort_customers(tab);
            }
        }
        let mut effects = Vec::new();
        // New rows change what every tab showing this slot would match.
        for tab in [0, slot as usize + 1] {
            effects.extend(self.rerun_filter(tab));
        }
        if self.views[self.tab].filter.active() && self.slots[slot as usize].customers.load_all {
            return effects;
        }
        effects.extend(self.ensure_loaded());
        if self.slots[slot as usize].customers.load_all && self.tab_slots(self.tab).contains(&slot) {
            // `G` pressed: keep the selection on the last row as pages arrive.
            let len = self.row_count();
            let height = self.page_height(super::Pane::Customers);
            self.views[self.tab].select(len.saturating_sub(1), len, height);
        }
        effects
    }

    fn search_done(&mut self, slot: u8, query: &str, result: Result<Vec<Customer>, ProviderError>) -> Vec<Effect> {
        match result {
            Ok(found) if !found.is_empty() => {
                let before = self.slots[slot as usize].customers.corpus.len();
                self.slots[slot as usize].customers.merge_found(found);
                let grew = self.slots[slot as usize].customers.corpus.len() != before;
                // Re-run the local filter so server-found rows appear among the hits.
                if grew && self.views[self.tab].filter.query.trim() == query {
                    let mut effects = self.rerun_filter(self.tab);
                    if self.tab != 0 {
                        effects.extend(self.rerun_filter(0));
                    }
                    return effects;
                }
                Vec::new()
            }
            Ok(_) => Vec::new(),
            Err(e) => {
                self.notify_error(format!("Search: {e}"));
                Vec::new()
            }
        }
    }

    fn found(&mut self, slot: u8, id: &str, result: Result<Customer, ProviderError>) -> Vec<Effect> {
        match result {
            Ok(c) => {
                let rows = self.slots[slot as usize].customers.merge_found(vec![c]);
                let mut effects = self.rerun_filter(self.tab);
                if let Some(&row) = rows.first() {
                    self.select_row(RowRef { slot, row: row as u32 });
                }
                effects.extend(self.ensure_loaded());
                effects
            }
            Err(e) => {
                self.notify_error(format!("Customer {id}: {e}"));
                Vec::new()
            }
        }
    }
}
