//! The customer list's summary column. Where a provider lists every customer's subscriptions
//! in pages (`BillingProvider::bulk_subscriptions`), the column is filled from that listing,
//! grouped by customer; a customer absent from a complete listing has none, with no request of
//! its own. Elsewhere, and while the listing would cost more pages than it saves, each visible
//! customer is read on its own (`Effect::Prefetch`). The selected customer's panes are always
//! read on their own, and that read replaces the listing's answer for that customer.
//!
//! Where a provider can filter its listing by many customers at once (Zenskar's
//! `customer_id__in`), the loaded customers are read in batches instead, up to 100 a request:
//! a list of N customers costs N/100 requests whatever the size of the account.
//!
//! Staleness: the listing is a snapshot taken when its pages were read. A write through till
//! drops the customer's details; such a customer is then read again on its own, never refilled
//! from the older snapshot (`BulkSummaries::seen`, `BulkSummaries::written`). `R` starts over.

use std::collections::{HashMap, HashSet};

use super::listed::Listed;
use super::rows::CustomerRow;
use super::{AppState, Effect, Pane};
use crate::billing::Subscription;
use crate::providers::{Page, ProviderError};

/// Batch numbers, unique in the process.
static BATCHES: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(1);

/// Summaries filled from a listing kept for rows off screen, before they are let go (the
/// packed listing answers again, with no request, when a row comes back into view).
pub const FILLED_KEEP: usize = 1_000;

/// Rows asked per listing page: the most each provider allows.
pub const SUMMARY_PAGE: u32 = 100;
/// Listing pages allowed beyond one per 100 loaded customers: the first page (which tells how
/// long the listing is) and a little slack for subscriptions outnumbering customers.
pub const LISTING_SLACK: usize = 2;

/// What one provider's subscription listing has told so far.
#[derive(Debug, Default)]
pub struct BulkSummaries {
    /// Subscriptions listed so far, by the customer id the listing names them with; packed
    /// (`listed.rs`): at a million customers the listing holds 200,000 subscriptions.
    by_customer: Listed,
    next_cursor: Option<String>,
    /// Pages read so far in this walk.
    pub pages: usize,
    /// Rows in the whole listing, as the provider last said.
    total: Option<u64>,
    /// The last page arrived: every customer not listed has no subscription.
    pub complete: bool,
    pub loading: bool,
    /// A page failed: visible customers are read one by one until `R`.
    pub error: Option<ProviderError>,
    /// Customers read one by one for the column (each counted once): what reading them alone has
    /// cost so far, which the listing may then spend instead.
    single_reads: HashSet<String>,
    /// Customers whose details entry holds the listing's answer, not their own read.
    filled: HashSet<String>,
    /// The filled customers by the ids a listing may name them with (their id, their alt_id),
    /// so a page updates only the customers it names: going over every filled customer each
    /// page made loading a million rows quadratic.
    filled_keys: HashMap<String, String>,
    /// Customers whose summary the console has held. If their details entry is gone, a write
    /// dropped it, and the snapshot is older than that write.
    seen: HashSet<String>,
    /// When the walk's first page arrived: the age of every answer the listing gives.
    read_at: Option<chrono::DateTime<chrono::Utc>>,
    /// Customers named in a batch read in flight (`Effect::SummaryBatch`), and which batch.
    batching: HashSet<String>,
    batch_in_flight: Option<u64>,
}

impl BulkSummaries {
    fn pages_needed(&self) -> usize {
        match self.total {
            Some(t) => usize::try_from(t).unwrap_or(usize::MAX).div_ceil(SUMMARY_PAGE as usize).max(1),
            None => self.pages + 1,
        }
    }

    /// Whether to read the listing to its end for `loaded` customer rows, `waiting` of them on
    /// screen with no summary yet: it may cost one page per 100 loaded customers plus
    /// [`LISTING_SLACK`], plus what reading alone has cost so far and would cost for the rows
    /// waiting now. So the listing is read as soon as it costs no more than reading the screen
    /// alone, and never costs more than the reads it saves.
    pub fn walking(&self, loaded: usize, waiting: usize) -> bool {
        let allowance = loaded.div_ceil(SUMMARY_PAGE as usize) + LISTING_SLACK + self.single_reads.len() + waiting;
        !self.complete && self.error.is_none() && self.pages_needed() <= allowance
    }

    /// The listing answers for this customer now (complete, or being read).
    fn answers(&self, loaded: usize, waiting: usize) -> bool {
        self.complete || self.walking(loaded, waiting)
    }

    /// The listed subscriptions of `c`, by its id or its provider-internal id.
    fn listed(&self, c: CustomerRow<'_>) -> Option<Vec<Subscription>> {
        self.by_customer.get(c.id).or_else(|| c.alt_id.and_then(|a| self.by_customer.get(a)))
    }

    /// The request for slot `slot`'s next page, marking it in flight; `None` when no page
    /// should be asked.
    fn next_page(&mut self, slot: u8) -> Option<Effect> {
        if self.loading || self.complete || self.error.is_some() {
            return None;
        }
        self.loading = true;
        Some(Effect::SummaryPage { slot, cursor: self.next_cursor.clone() })
    }

    fn add_page(&mut self, page: Page<Subscription>) {
        for s in page.items {
            self.by_customer.push(s);
        }
        self.pages += 1;
        self.total = page.total.or(self.total);
        self.complete = page.next_cursor.is_none();
        self.next_cursor = page.next_cursor;
    }

    /// A customer's own read arrived: it is newer than the listing, so it replaces it.
    pub fn read_alone(&mut self, id: &str, subs: &[Subscription]) {
        self.by_customer.insert(id, subs);
        self.filled.remove(id);
        self.seen.insert(id.to_string());
    }

    /// A write changed this customer's subscriptions: never answer for them from the listing,
    /// nor from a batch asked before the write.
    pub fn written(&mut self, id: &str) {
        self.batching.remove(id);
        self.by_customer.remove(id);
        self.filled.remove(id);
        self.seen.insert(id.to_string());
    }

    /// A write dropped this customer's details after the console had held their summary: any
    /// answer asked before is older than the write, so they are read alone.
    fn dropped_by_write(&self, entry: Option<&super::Details>, id: &str) -> bool {
        entry.is_none() && self.seen.contains(id)
    }

    /// The details entry holds the listing's answer; the selected customer is read alone.
    pub fn is_filled(&self, id: &str) -> bool {
        self.filled.contains(id)
    }
}

impl AppState {
    /// Visible customers of the current tab as `(slot, row index)`.
    fn visible_customers(&self) -> Vec<(u8, usize)> {
        let view = &self.views[self.tab];
        let height = self.page_height(Pane::Customers);
        (view.offset..view.offset + height).filter_map(|i| self.row_at(i)).map(|r| (r.slot, r.row as usize)).collect()
    }

    /// The summary column's work for the visible rows: answers from a provider's listing where
    /// it has them (no request), the listing's next page where it is being read, and single
    /// reads (`Effect::Prefetch`) for the rest.
    pub(super) fn summary_effects(&mut self) -> Vec<Effect> {
        let mut singles = Vec::new();
        let mut pages = Vec::new();
        // Per slot reading in batches: the first visible row still without a summary.
        let mut batch_from: HashMap<u8, usize> = HashMap::new();
        let visible = self.visible_customers();
        self.forget_filled_off_screen(&visible);
        let waiting = self.waiting_rows(&visible);
        for (slot, row) in visible {
            let waiting_here = waiting.get(&slot).copied().unwrap_or(0);
            let Some(s) = self.slots.get_mut(slot as usize) else { continue };
            let Some(c) = s.customers.rows.get(row) else { continue };
            let key = (slot, c.id.to_string());
            let entry = self.details.get(&key);
            if entry.is_some_and(|d| !d.subscriptions.wanted()) {
                continue;
            }
            let bulk = &s.customers.summaries;
            let dropped_by_write = bulk.dropped_by_write(entry, c.id);
            if s.provider.subscriptions_batch() > 0 && bulk.error.is_none() && !dropped_by_write {
                if !bulk.batching.contains(c.id) {
                    batch_from.entry(slot).or_insert(row);
                }
                continue;
            }
            if !s.provider.bulk_subscriptions()
                || dropped_by_write
                || !bulk.answers(s.customers.rows.len(), waiting_here)
            {
                if s.provider.bulk_subscriptions() {
                    s.customers.summaries.single_reads.insert(c.id.to_string());
                }
                singles.push(key);
                continue;
            }
            let answer = bulk.listed(c).or_else(|| bulk.complete.then(Vec::new));
            match answer {
                Some(subs) => {
                    let alt_id = c.alt_id.map(str::to_string);
                    let bulk = &mut s.customers.summaries;
                    bulk.filled.insert(key.1.clone());
                    bulk.filled_keys.insert(key.1.clone(), key.1.clone());
                    if let Some(alt) = alt_id {
                        bulk.filled_keys.insert(alt, key.1.clone());
                    }
                    bulk.seen.insert(key.1.clone());
                    let read_at = bulk.read_at;
                    let d = self.details.entry(key).or_default();
                    d.subscriptions.value = Some(subs);
                    d.subscriptions.error = None;
                    d.subscriptions.fetched_at = read_at;
                }
                None => {
                    pages.extend(s.customers.summaries.next_page(slot));
                }
            }
        }
        if !singles.is_empty() {
            pages.push(Effect::Prefetch { items: singles });
        }
        for (slot, from) in batch_from {
            pages.extend(self.next_batch(slot, from));
        }
        pages
    }

    /// Past [`FILLED_KEEP`] filled summaries on a provider, those of rows off screen (and not
    /// selected) are dropped with their details entry: `G` over a million rows passes a window
    /// per page loaded, and kept them all (about 270,000 entries). Their keys go too, so a row
    /// coming back is filled from the listing again, not taken for one a write dropped.
    fn forget_filled_off_screen(&mut self, visible: &[(u8, usize)]) {
        let selected = self.selected_customer().map(|(slot, c)| (slot, c.id.to_string()));
        for slot in 0..self.slots.len() {
            let s = &self.slots[slot];
            if s.customers.summaries.filled.len() <= FILLED_KEEP {
                continue;
            }
            let slot = slot as u8;
            let on_screen: HashSet<&str> = visible
                .iter()
                .filter(|(sl, _)| *sl == slot)
                .filter_map(|&(_, row)| s.customers.rows.get(row).map(|c| c.id))
                .collect();
            let keep = |id: &String| {
                on_screen.contains(id.as_str()) || selected.as_ref().is_some_and(|(sl, sid)| *sl == slot && sid == id)
            };
            let gone: Vec<String> = s.customers.summaries.filled.iter().filter(|id| !keep(id)).cloned().collect();
            let bulk = &mut self.slots[slot as usize].customers.summaries;
            for id in &gone {
                bulk.filled.remove(id);
                bulk.seen.remove(id);
                self.details.remove(&(slot, id.clone()));
            }
            let filled = &bulk.filled;
            bulk.filled_keys.retain(|_, id| filled.contains(id));
        }
    }

    /// Visible rows with no summary yet, per slot: what reading them alone would cost now.
    fn waiting_rows(&self, visible: &[(u8, usize)]) -> HashMap<u8, usize> {
        let mut waiting: HashMap<u8, usize> = HashMap::new();
        for &(slot, row) in visible {
            let Some(c) = self.slots.get(slot as usize).and_then(|s| s.customers.rows.get(row)) else { continue };
            if self.details.get(&(slot, c.id.to_string())).is_none_or(|d| d.subscriptions.wanted()) {
                *waiting.entry(slot).or_default() += 1;
            }
        }
        waiting
    }

    /// One batch read for the summary column, when none is in flight: the loaded customers
    /// from row `from` on that have no summary yet, as many as one request may name. Rows past
    /// the screen fill the batch, so scrolling finds them answered.
    fn next_batch(&mut self, slot: u8, from: usize) -> Option<Effect> {
        let s = self.slots.get_mut(slot as usize)?;
        let bulk = &s.customers.summaries;
        if bulk.batch_in_flight.is_some() {
            return None;
        }
        let limit = s.provider.subscriptions_batch();
        let rows = &s.customers.rows;
        let customer_ids: Vec<String> = (from..rows.len())
            .filter_map(|i| rows.get(i))
            .filter(|c| {
                let entry = self.details.get(&(slot, c.id.to_string()));
                entry.is_none_or(|d| d.subscriptions.wanted()) && !bulk.dropped_by_write(entry, c.id)
            })
            .take(limit)
            .map(|c| c.id.to_string())
            .collect();
        if customer_ids.is_empty() {
            return None;
        }
        // Numbered across `R` (which starts the summaries over), so an older answer is known.
        let batch = BATCHES.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let bulk = &mut s.customers.summaries;
        bulk.batching.extend(customer_ids.iter().cloned());
        bulk.batch_in_flight = Some(batch);
        Some(Effect::SummaryBatch { slot, batch, customer_ids })
    }

    /// A batch read arrived: each customer named gets the subscriptions listed for them, or
    /// none. That is the same read as the customer's own (one endpoint, filtered by customer),
    /// so the panes take it as it is. A failed batch leaves reading alone to each customer.
    pub(super) fn summary_batch(
        &mut self,
        slot: u8,
        batch: u64,
        customer_ids: Vec<String>,
        result: Result<Vec<Subscription>, ProviderError>,
    ) -> Vec<Effect> {
        let now = self.now;
        let Some(s) = self.slots.get_mut(slot as usize) else { return Vec::new() };
        let bulk = &mut s.customers.summaries;
        // An answer to a batch asked before `R` says nothing about the list read since.
        if bulk.batch_in_flight != Some(batch) {
            return Vec::new();
        }
        bulk.batch_in_flight = None;
        // Customers `R` has since forgotten are not filled from an older answer.
        let asked: Vec<String> = customer_ids.into_iter().filter(|id| bulk.batching.remove(id)).collect();
        let subs = match result {
            Ok(subs) => subs,
            Err(e) => {
                bulk.error = Some(e);
                return self.ensure_loaded();
            }
        };
        let mut by_customer: HashMap<String, Vec<Subscription>> = HashMap::new();
        for sub in subs {
            by_customer.entry(sub.customer_id.clone()).or_default().push(sub);
        }
        for id in asked {
            bulk.seen.insert(id.clone());
            let d = self.details.entry((slot, id.clone())).or_default();
            if d.subscriptions.wanted() {
                d.subscriptions.value = Some(by_customer.remove(&id).unwrap_or_default());
                d.subscriptions.fetched_at = Some(now);
            }
        }
        self.resort_details();
        self.ensure_loaded()
    }

    /// A page of a provider's subscription listing arrived (or failed).
    pub(super) fn summary_page(
        &mut self,
        slot: u8,
        cursor: Option<String>,
        result: Result<Page<Subscription>, ProviderError>,
    ) -> Vec<Effect> {
        let Some(s) = self.slots.get_mut(slot as usize) else { return Vec::new() };
        let bulk = &mut s.customers.summaries;
        // A page of a walk that `R` has since started over is dropped.
        if !bulk.loading || bulk.next_cursor != cursor {
            return Vec::new();
        }
        bulk.loading = false;
        let named: HashSet<String> = match &result {
            Ok(page) => page
                .items
                .iter()
                .filter_map(|sub| bulk.filled_keys.get(&sub.customer_id))
                .filter(|id| bulk.filled.contains(*id))
                .cloned()
                .collect(),
            Err(_) => HashSet::new(),
        };
        match result {
            Ok(page) => {
                bulk.read_at = bulk.read_at.or(Some(self.now));
                bulk.add_page(page);
            }
            Err(e) => {
                // A walk that stopped half way may miss subscriptions of those it answered for:
                // they are read alone instead.
                bulk.error = Some(e);
                bulk.filled_keys.clear();
                for id in std::mem::take(&mut bulk.filled) {
                    if let Some(d) = self.details.get_mut(&(slot, id)) {
                        d.subscriptions = Default::default();
                    }
                }
                return self.ensure_loaded();
            }
        }
        // Customers answered from earlier pages get what this page adds for them (a filled
        // customer the page does not name already shows all the listing has for them).
        for id in named {
            let listed = s
                .customers
                .position(&id)
                .and_then(|row| s.customers.rows.get(row))
                .and_then(|c| s.customers.summaries.listed(c));
            if let (Some(subs), Some(d)) = (listed, self.details.get_mut(&(slot, id))) {
                d.subscriptions.value = Some(subs);
            }
        }
        self.ensure_loaded()
    }
}
