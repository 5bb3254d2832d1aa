//! Runs effects off the UI loop. Provider calls are tokio tasks that report back as `Msg`s;
//! typing-driven work is "latest wins": a newer search or filter supersedes an older one, and
//! a details load that is no longer for the selected customer is dropped before it is sent.

use std::collections::HashMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::time::Duration;

use futures::StreamExt;
use tokio::sync::mpsc::UnboundedSender;
use tokio::task::AbortHandle;

use super::outside::Outside;
use super::state::change_flow::ChangeMsg;
use super::state::checkout::presets;
use super::state::checkout_flow::CheckoutMsg;
use super::state::customers::{FilterRun, PAGE_SIZE, RowRef};
use super::state::messages::Msg;
use super::state::summaries::SUMMARY_PAGE;
use super::state::{DetailParts, Effect, FilterJob};
use crate::providers::budget::{Priority, with_priority};
use crate::providers::log::RequestLog;
use crate::providers::{BillingProvider, PageRequest};
use crate::search;

fn presets_path() -> Result<std::path::PathBuf, String> {
    presets::path().ok_or_else(|| "no config directory for presets (set TILL_CONFIG_DIR)".to_string())
}

/// Pause before a details load, so holding `j` does not send a request per row.
const DETAILS_DEBOUNCE: Duration = Duration::from_millis(60);
const SEARCH_DEBOUNCE: Duration = Duration::from_millis(250);
const PREFETCH_DEBOUNCE: Duration = Duration::from_millis(250);
/// Summary prefetches in flight at once per screen; a real provider may rate-limit.
const PREFETCH_CONCURRENCY: usize = 2;

/// Counts running tasks; dropping the guard marks one finished (even if it was aborted).
struct InFlight(Arc<AtomicUsize>);

impl Drop for InFlight {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::SeqCst);
    }
}

pub struct Tasks {
    providers: Vec<Arc<dyn BillingProvider>>,
    pub(super) tx: UnboundedSender<Msg>,
    pub(super) recorder: crate::audit::Recorder,
    in_flight: Arc<AtomicUsize>,
    /// The customer the newest details load is for (`details_key`).
    details_latest: Arc<AtomicU64>,
    searches: HashMap<u8, AbortHandle>,
    prefetch: Option<AbortHandle>,
    filter_running: HashMap<usize, bool>,
    filter_pending: HashMap<usize, FilterJob>,
    /// The newest filter generation asked for per tab: a run still ranking an older one stops.
    filter_latest: HashMap<usize, Arc<AtomicU64>>,
    /// The generation of the run each tab has going.
    filter_started: HashMap<usize, u64>,
    checkout_preview: Option<AbortHandle>,
    checkout_estimate: Option<AbortHandle>,
    /// One status poll per open or watched checkout session.
    polling: HashMap<String, AbortHandle>,
    /// The clipboard and the browser.
    outside: Box<dyn Outside + Send>,
    pub(super) log: RequestLog,
    /// The embedded sandbox's clock, when the console runs on one (`:clock`).
    pub(super) clock: Option<Arc<dyn crate::tui::sandbox_clock::SandboxClock>>,
    /// The embedded sandbox's events, when the console runs on one (`e`).
    pub(super) events: Option<Arc<dyn crate::tui::sandbox_events::SandboxEvents>>,
    /// The one receiver of the sandbox's changes, kept between the Events view's waits.
    pub(super) event_changes: Option<Arc<tokio::sync::Mutex<tokio::sync::watch::Receiver<u64>>>>,
}

/// A customer's subscriptions and entitlements (where offered), read side by side.
async fn read_details(
    p: Arc<dyn BillingProvider>,
    tx: UnboundedSender<Msg>,
    slot: u8,
    customer_id: String,
    parts: DetailParts,
) {
    let wants_ents = parts.entitlements && p.capabilities().entitlements;
    let subs = async { if parts.subscriptions { Some(p.list_subscriptions(&customer_id).await) } else { None } };
    let ents = async { if wants_ents { Some(p.entitlements(&customer_id).await) } else { None } };
    let (subs, ents) = futures::join!(subs, ents);
    if let Some(result) = subs {
        let _ = tx.send(Msg::Subscriptions { slot, customer_id: customer_id.clone(), result });
    }
    if let Some(result) = ents {
        let _ = tx.send(Msg::Entitlements { slot, customer_id, result });
    }
}

/// Every page of the subscriptions of `customer_ids`, with the usual runaway guards.
async fn subscriptions_of(
    p: &dyn BillingProvider,
    customer_ids: &[String],
) -> Result<Vec<crate::billing::Subscription>, crate::providers::ProviderError> {
    let mut guard = crate::providers::paging::PageGuard::new(p.kind(), "subscriptions of listed customers");
    let mut out = Vec::new();
    let mut cursor = None;
    loop {
        let page = PageRequest { cursor: cursor.clone(), limit: SUMMARY_PAGE, search: None, follows: false };
        let page = p.list_subscriptions_of(customer_ids, &page).await?;
        let rows = page.items.len();
        out.extend(page.items);
        match guard.advance(rows, page.next_cursor)? {
            Some(next) => cursor = Some(next),
            None => return Ok(out),
        }
    }
}

/// A customer as one number, for "is the newest load still this customer's" (a collision
/// between two customers only lets an older read through: never a wrong answer).
fn details_key(slot: u8, customer_id: &str) -> u64 {
    use std::hash::Hasher;
    let mut h = std::hash::DefaultHasher::new();
    h.write_u8(slot);
    h.write(customer_id.as_bytes());
    h.finish()
}

impl Tasks {
    pub fn new(
        providers: Vec<Arc<dyn BillingProvider>>,
        tx: UnboundedSender<Msg>,
        recorder: crate::audit::Recorder,
        outside: Box<dyn Outside + Send>,
    ) -> Tasks {
        let log = recorder.log.clone();
        Tasks {
            providers,
            tx,
            recorder,
            in_flight: Arc::new(AtomicUsize::new(0)),
            details_latest: Arc::new(AtomicU64::new(0)),
            searches: HashMap::new(),
            prefetch: None,
            filter_running: HashMap::new(),
            filter_latest: HashMap::new(),
            filter_started: HashMap::new(),
            filter_pending: HashMap::new(),
            checkout_preview: None,
            checkout_estimate: None,
            polling: HashMap::new(),
            outside,
            log,
            clock: None,
            events: None,
            event_changes: None,
        }
    }

    /// Tasks still running (tests wait for zero).
    pub fn in_flight(&self) -> usize {
        self.in_flight.load(Ordering::SeqCst)
    }

    pub(super) fn spawn<F>(&self, fut: F) -> AbortHandle
    where
        F: std::future::Future<Output = ()> + Send + 'static,
    {
        self.in_flight.fetch_add(1, Ordering::SeqCst);
        let guard = InFlight(self.in_flight.clone());
        tokio::spawn(async move {
            let _guard = guard;
            fut.await;
        })
        .abort_handle()
    }

    pub(super) fn provider(&self, slot: u8) -> Option<Arc<dyn BillingProvider>> {
        self.providers.get(slot as usize).cloned()
    }

    /// Starts the work for one effect: the one place side effects happen. Results come back
    /// as `Msg`s; file work runs on the blocking pool, never on the UI loop.
    pub fn run(&mut self, effect: Effect) {
        match effect {
            Effect::LoadCustomers { slot, cursor } => self.load_customers(slot, cursor),
            Effect::ForgetCached { slots } => {
                slots.iter().filter_map(|&s| self.provider(s)).for_each(|p| p.forget_cached());
            }
            Effect::Search { slot, query } => self.search(slot, query),
            Effect::FindCustomer { slot, id } => self.find(slot, id),
            Effect::LoadDetails { slot, customer_id, parts, prefetch: false } => {
                self.load_details(slot, customer_id, parts)
            }
            Effect::LoadDetails { slot, customer_id, parts, prefetch: true } => {
                self.read_ahead(slot, customer_id, parts)
            }
            Effect::Prefetch { items } => self.prefetch(items),
            Effect::SummaryPage { slot, cursor } => self.summary_page(slot, cursor),
            Effect::SummaryBatch { slot, batch, customer_ids } => self.summary_batch(slot, batch, customer_ids),
            Effect::LoadPlans { slot } => self.load_plans(slot),
            Effect::LoadInvoices { slot, customer_id } => self.load_invoices(slot, customer_id),
            Effect::Filter(job) => self.filter(job),
            Effect::CheckoutPreview { slot, generation, request } => self.checkout_preview(slot, generation, *request),
            Effect::CheckoutEstimate { slot, generation, request } => {
                self.checkout_estimate(slot, generation, *request)
            }
            Effect::SubmitCheckout { slot, request } => self.submit_checkout(slot, *request),
            Effect::PollCheckout { slot, id } => self.poll_checkout(slot, id),
            Effect::FetchCheckout { slot, id } => {
                let (Some(p), tx) = (self.provider(slot), self.tx.clone()) else { return };
                self.spawn(async move {
                    let result = p.get_checkout(&id).await;
                    let _ = tx.send(Msg::Checkout(CheckoutMsg::Polled { id, result }));
                });
            }
            Effect::ListCheckouts { slot } => {
                let (Some(p), tx) = (self.provider(slot), self.tx.clone()) else { return };
                self.spawn(async move {
                    let limit = super::state::checkout_sessions::LIST_LIMIT;
                    let result = crate::ops::checkout::sessions::list(p.as_ref(), limit).await.map_err(|e| e.message);
                    let _ = tx.send(Msg::Checkout(CheckoutMsg::Listed { slot, result }));
                });
            }
            Effect::StopPolling { id } => {
                if let Some(h) = self.polling.remove(&id) {
                    h.abort();
                }
            }
            Effect::PreviewChange { slot, subscription_id, change, generation } => {
                self.preview_change(slot, subscription_id, *change, generation)
            }
            Effect::ApplyChange { slot, customer_id, subscription, change } => {
                self.apply_change(slot, customer_id, *subscription, *change)
            }
            Effect::ApplyCancel { slot, customer_id, subscription, cancellation } => {
                self.apply_cancel(slot, customer_id, *subscription, cancellation)
            }
            Effect::ApplyUncancel { slot, customer_id, subscription } => {
                self.apply_uncancel(slot, customer_id, *subscription)
            }
            Effect::Copy(text) => self.outside.copy(&crate::text::block(&text)),
            Effect::Open(url) => self.open(&url),
            Effect::Export(job) => self.blocking(move || export_file(&job)),
            Effect::LoadPayments { slot, customer_id } => self.load_payments(slot, customer_id),
            Effect::LoadPaymentMethods { slot, customer_id } => self.load_payment_methods(slot, customer_id),
            Effect::PreviewRefund { slot, payment_id, amount } => self.preview_refund(slot, payment_id, amount),
            Effect::ApplyRefund { slot, preview, guard } => self.apply_refund(slot, *preview, guard),
            Effect::PortalLink { slot, customer_id, return_url } => self.portal_link(slot, customer_id, return_url),
            Effect::ReportUsage { slot, report, guard } => self.report_usage(slot, *report, guard),
            Effect::WriteCustomer { slot, write, guard } => self.write_customer(slot, *write, guard),
            Effect::FindRaw { slot, id, fetch } => self.find_raw(slot, id, fetch),
            Effect::Clock { to } => {
                let Some(clock) = self.clock.clone() else { return };
                // Moving runs every provider's due renewals: blocking work, off the loop.
                self.blocking(move || Msg::Clock(crate::tui::sandbox_clock::answer(clock.as_ref(), to.as_deref())));
            }
            Effect::WatchClock => self.watch_clock(),
            Effect::ReadSandboxEvents => self.read_sandbox_events(),
            Effect::WatchSandboxEvents => self.watch_sandbox_events(),
            Effect::Redeliver { seq, event } => self.redeliver(seq, event),
            Effect::ReadWebhookLog { slot } => self.read_webhook_log(slot),
            Effect::SnapshotRequests => {
                let _ = self.tx.send(Msg::Requests(self.log.snapshot()));
            }
            Effect::Quit => {}
            Effect::SavePreset(preset) => self.blocking(move || {
                let result = presets_path().and_then(|path| {
                    presets::save(&path, (*preset).clone())
                        .map(|()| format!("Saved preset {:?} in {}", preset.name, path.display()))
                });
                Msg::Checkout(CheckoutMsg::PresetSaved { result })
            }),
            Effect::ListPresets { .. } => self.blocking(|| {
                let result = presets_path().and_then(|path| presets::load(&path)).map(|f| f.presets);
                Msg::Checkout(CheckoutMsg::Presets { result })
            }),
            Effect::LoadPreset { provider, name } => self.blocking(move || {
                let result = presets_path()
                    .and_then(|path| presets::load(&path))
                    .map(|f| f.presets.into_iter().find(|p| p.provider == provider && p.name == name));
                Msg::Checkout(CheckoutMsg::PresetLoaded { name, result })
            }),
            Effect::ShowAudit { customer } => self.blocking(move || {
                let result = crate::audit::default_path()
                    .ok_or_else(|| "no data directory (set TILL_DATA_DIR)".to_string())
                    .and_then(|p| crate::audit::Journal::at(p).read_actions(Some(&customer)))
                    .map(|read| {
                        let note = (!read.skipped.is_empty()).then(|| format!("Skipped: {}", read.skipped));
                        (read.entries, note)
                    });
                Msg::Change(ChangeMsg::Audit { customer, result })
            }),
        }
    }

    /// Rewrites drawn text as an OSC 8 hyperlink (terminal output, right after a draw).
    pub fn hyperlink(&mut self, url: &str, cells: &[(u16, u16, String)]) {
        self.outside.hyperlink(url, cells);
    }

    /// Opens a link only when it is a plain http(s) URL; a failure is reported, not hidden.
    fn open(&mut self, url: &str) {
        match crate::text::safe_url(url) {
            Some(url) => self.outside.open(url.as_str()),
            None => {
                let _ = self.tx.send(Msg::Notice {
                    text: format!("Not opened: {:?} is not a plain http(s) URL", crate::text::line(url)),
                    error: true,
                });
            }
        }
    }

    /// Runs blocking work (files, the embedded sandbox's clock and event log) on the blocking
    /// pool and sends its message back.
    pub(super) fn blocking(&self, work: impl FnOnce() -> Msg + Send + 'static) {
        let tx = self.tx.clone();
        self.in_flight.fetch_add(1, Ordering::SeqCst);
        let guard = InFlight(self.in_flight.clone());
        tokio::task::spawn_blocking(move || {
            let _guard = guard;
            let _ = tx.send(work());
        });
    }

    fn load_customers(&self, slot: u8, cursor: Option<String>) {
        let (Some(p), tx) = (self.provider(slot), self.tx.clone()) else { return };
        self.spawn(async move {
            let result =
                p.list_customers(&PageRequest { cursor, limit: PAGE_SIZE, search: None, follows: false }).await;
            let _ = tx.send(Msg::CustomersPage { slot, result });
        });
    }

    fn search(&mut self, slot: u8, query: String) {
        let (Some(p), tx) = (self.provider(slot), self.tx.clone()) else { return };
        if let Some(previous) = self.searches.remove(&slot) {
            previous.abort();
        }
        let handle = self.spawn(async move {
            tokio::time::sleep(SEARCH_DEBOUNCE).await;
            let result = p
                .list_customers(&PageRequest { cursor: None, limit: 50, search: Some(query.clone()), follows: false })
                .await
                .map(|page| page.items);
            let _ = tx.send(Msg::SearchDone { slot, query, result });
        });
        self.searches.insert(slot, handle);
    }

    fn find(&self, slot: u8, id: String) {
        let (Some(p), tx) = (self.provider(slot), self.tx.clone()) else { return };
        self.spawn(async move {
            let result = p.get_customer(&id).await;
            let _ = tx.send(Msg::Found { slot, id, result });
        });
    }

    /// Subscriptions and entitlements of the selected customer. A newer selection of another
    /// customer makes this load give up before sending anything; the state hears
    /// `DetailsDropped` and forgets it. A newer read of the same customer (another of its
    /// panes) does not: each asks for what the other does not.
    fn load_details(&self, slot: u8, customer_id: String, parts: DetailParts) {
        let (Some(p), tx) = (self.provider(slot), self.tx.clone()) else { return };
        let key = details_key(slot, &customer_id);
        self.details_latest.store(key, Ordering::SeqCst);
        let latest = self.details_latest.clone();
        self.spawn(async move {
            tokio::time::sleep(DETAILS_DEBOUNCE).await;
            if latest.load(Ordering::SeqCst) != key {
                let _ = tx.send(Msg::DetailsDropped { slot, customer_id });
                return;
            }
            read_details(p, tx, slot, customer_id, parts).await;
        });
    }

    /// A neighbour's subscriptions and entitlements, read ahead at the lowest priority. Never
    /// dropped: its rows are marked loading until the answer comes.
    fn read_ahead(&self, slot: u8, customer_id: String, parts: DetailParts) {
        let (Some(p), tx) = (self.provider(slot), self.tx.clone()) else { return };
        self.spawn(with_priority(Priority::Prefetch, read_details(p, tx, slot, customer_id, parts)));
    }

    /// Subscriptions of the visible rows, for the summary column; replaced by the next scroll.
    fn prefetch(&mut self, items: Vec<(u8, String)>) {
        if let Some(previous) = self.prefetch.take() {
            previous.abort();
        }
        let providers = self.providers.clone();
        let tx = self.tx.clone();
        self.prefetch = Some(self.spawn(with_priority(Priority::Background, async move {
            tokio::time::sleep(PREFETCH_DEBOUNCE).await;
            futures::stream::iter(items)
                .for_each_concurrent(PREFETCH_CONCURRENCY, |(slot, customer_id)| {
                    let p = providers.get(slot as usize).cloned();
                    let tx = tx.clone();
                    async move {
                        let Some(p) = p else { return };
                        let result = p.list_subscriptions(&customer_id).await;
                        let _ = tx.send(Msg::Subscriptions { slot, customer_id, result });
                    }
                })
                .await;
        })));
    }

    /// One page of the provider's listing of every customer's subscriptions; the state asks
    /// the next one when it still has visible customers to answer for.
    fn summary_page(&self, slot: u8, cursor: Option<String>) {
        let (Some(p), tx) = (self.provider(slot), self.tx.clone()) else { return };
        self.spawn(with_priority(Priority::Background, async move {
            let page = PageRequest { cursor: cursor.clone(), limit: SUMMARY_PAGE, search: None, follows: false };
            let result = p.list_subscriptions_page(&page).await;
            let _ = tx.send(Msg::SummaryPage { slot, cursor, result });
        }));
    }

    /// The subscriptions of a batch of customers, every page of them (a batch of 100
    /// customers rarely needs a second), at background priority.
    fn summary_batch(&self, slot: u8, batch: u64, customer_ids: Vec<String>) {
        let (Some(p), tx) = (self.provider(slot), self.tx.clone()) else { return };
        self.spawn(with_priority(Priority::Background, async move {
            let result = subscriptions_of(p.as_ref(), &customer_ids).await;
            let _ = tx.send(Msg::SummaryBatch { slot, batch, customer_ids, result });
        }));
    }

    fn load_invoices(&self, slot: u8, customer_id: String) {
        let (Some(p), tx) = (self.provider(slot), self.tx.clone()) else { return };
        self.spawn(async move {
            let result = p.list_invoices(&customer_id).await;
            let _ = tx.send(Msg::Invoices { slot, customer_id, result });
        });
    }

    fn load_plans(&self, slot: u8) {
        let (Some(p), tx) = (self.provider(slot), self.tx.clone()) else { return };
        self.spawn(async move {
            let result = p.list_plans().await;
            let _ = tx.send(Msg::Plans { slot, result });
        });
    }

    /// One filter run per tab at a time; while it runs, only the newest request waits.
    fn filter(&mut self, job: FilterJob) {
        self.filter_latest.entry(job.tab).or_default().store(job.generation, Ordering::Relaxed);
        if self.filter_running.get(&job.tab).copied().unwrap_or(false) {
            self.filter_pending.insert(job.tab, job);
            return;
        }
        self.filter_running.insert(job.tab, true);
        self.filter_started.insert(job.tab, job.generation);
        let tx = self.tx.clone();
        self.in_flight.fetch_add(1, Ordering::SeqCst);
        let guard = InFlight(self.in_flight.clone());
        let latest = self.filter_latest.entry(job.tab).or_default().clone();
        tokio::task::spawn_blocking(move || {
            let _guard = guard;
            let (hits, run) = first_screen(&job);
            let complete = run.complete;
            let matched = run.matched.clone();
            let (tab, generation) = (job.tab, job.generation);
            let _ = tx.send(Msg::Filtered { tab, generation, query: job.query.clone(), hits, run });
            if complete {
                return;
            }
            // The rest of the ranking, unless the user typed on meanwhile.
            let cancelled = || latest.load(Ordering::Relaxed) != generation;
            if let Some(hits) = rank_all(&job, &matched, &cancelled) {
                let run = FilterRun { total: hits.len(), complete: true, matched };
                let _ = tx.send(Msg::Filtered { tab, generation, query: job.query, hits, run });
            }
        });
    }

    /// Called when a filter result arrived: starts the run that waited, if any.
    /// `generation` is the run the result belongs to: the late full ranking of a run that a
    /// newer one followed does not end the newer one (that would let a third start beside it).
    pub fn filter_finished(&mut self, tab: usize, generation: u64) {
        if self.filter_started.get(&tab).is_some_and(|&g| g != generation) {
            return;
        }
        self.filter_running.insert(tab, false);
        if let Some(job) = self.filter_pending.remove(&tab) {
            self.filter(job);
        }
    }
}

/// Pause before a preview or estimate, so typing a URL does not send a request per key.
const FORM_DEBOUNCE: Duration = Duration::from_millis(250);
/// How often an open checkout result asks for its status.
const POLL_EVERY: Duration = Duration::from_secs(2);

impl Tasks {
    fn checkout_preview(&mut self, slot: u8, generation: u64, request: crate::billing::CheckoutRequest) {
        let (Some(p), tx) = (self.provider(slot), self.tx.clone()) else { return };
        if let Some(h) = self.checkout_preview.take() {
            h.abort();
        }
        self.checkout_preview = Some(self.spawn(async move {
            tokio::time::sleep(FORM_DEBOUNCE).await;
            let result = p.checkout_preview(&request).await;
            let _ = tx.send(Msg::Checkout(CheckoutMsg::Previewed { generation, result }));
        }));
    }

    fn checkout_estimate(&mut self, slot: u8, generation: u64, request: crate::billing::CheckoutRequest) {
        let (Some(p), tx) = (self.provider(slot), self.tx.clone()) else { return };
        if let Some(h) = self.checkout_estimate.take() {
            h.abort();
        }
        self.checkout_estimate = Some(self.spawn(async move {
            tokio::time::sleep(FORM_DEBOUNCE).await;
            let result = p.estimate_checkout(&request).await;
            let _ = tx.send(Msg::Checkout(CheckoutMsg::Estimated { generation, result }));
        }));
    }

    /// Asks for the session's status every two seconds until stopped (the view closed, or the
    /// session was paid or expired). Not counted as in-flight work: it runs until told to stop.
    fn poll_checkout(&mut self, slot: u8, id: String) {
        let (Some(p), tx) = (self.provider(slot), self.tx.clone()) else { return };
        let key = id.clone();
        if let Some(h) = self.polling.remove(&key) {
            h.abort();
        }
        self.polling.insert(
            key,
            tokio::spawn(async move {
                loop {
                    tokio::time::sleep(POLL_EVERY).await;
                    let result = p.get_checkout(&id).await;
                    if tx.send(Msg::Checkout(CheckoutMsg::Polled { id: id.clone(), result })).is_err() {
                        return;
                    }
                }
            })
            .abort_handle(),
        );
    }
}

/// Rows a filter ranks before showing anything: more than any terminal is tall.
pub const FIRST_SCREEN: usize = 256;

/// The first screen of hits over every corpus (one per provider), merged by score, with
/// the total and what each corpus matched.
pub fn first_screen(job: &FilterJob) -> (Vec<RowRef>, FilterRun) {
    let mut scored: Vec<(u32, RowRef)> = Vec::new();
    let mut run = FilterRun::default();
    for (slot, corpus) in &job.corpora {
        let within = job.within.as_ref().and_then(|w| w.iter().find(|(s, _)| s == slot)).map(|(_, m)| m.as_ref());
        let screen = search::first_screen(corpus, &job.query, within, FIRST_SCREEN);
        scored.extend(screen.top.iter().map(|&(row, score)| (score, RowRef { slot: *slot, row })));
        run.total += screen.count;
        run.matched.push((*slot, screen.matched));
    }
    let hits = merge(scored, job.corpora.len(), FIRST_SCREEN);
    run.complete = hits.len() == run.total;
    (hits, run)
}

/// Every hit over every corpus, best first; `None` when `cancelled` said so.
pub fn rank_all(
    job: &FilterJob,
    matched: &[(u8, Arc<crate::search::Matched>)],
    cancelled: &(dyn Fn() -> bool + Sync),
) -> Option<Vec<RowRef>> {
    let mut scored: Vec<(u32, RowRef)> = Vec::new();
    for ((slot, corpus), (_, m)) in job.corpora.iter().zip(matched) {
        let all = search::rank_all(corpus, &job.query, m, cancelled)?;
        scored.extend(all.into_iter().map(|(row, score)| (score, RowRef { slot: *slot, row })));
    }
    Some(merge(scored, job.corpora.len(), usize::MAX))
}

/// Hits of several corpora, each best first, merged by score (ties in slot order) and cut.
fn merge(mut scored: Vec<(u32, RowRef)>, corpora: usize, keep: usize) -> Vec<RowRef> {
    if corpora > 1 {
        scored.sort_by_key(|s| std::cmp::Reverse(s.0));
    }
    scored.into_iter().take(keep).map(|(_, r)| r).collect()
}

/// Writes an export where asked (`~/` is the home directory), else in the data dir's
/// `exports/`, atomically; says where, or why not, naming the path.
fn export_file(job: &crate::tui::state::export::ExportJob) -> Msg {
    let name =
        format!("exports/{}-{}.{}", job.list, chrono::Utc::now().format("%Y%m%d-%H%M%S"), job.format.extension());
    let path = match job.path.as_deref() {
        Some(p) => match (p.strip_prefix("~/"), std::env::var_os("HOME")) {
            (Some(rest), Some(home)) => std::path::PathBuf::from(home).join(rest),
            _ => std::path::PathBuf::from(p),
        },
        None => match crate::util::data_file(&name) {
            Some(p) => p,
            None => {
                return Msg::Notice {
                    text: "Export failed: no data directory (set TILL_DATA_DIR)".into(),
                    error: true,
                };
            }
        },
    };
    let written = job
        .render()
        .and_then(|text| crate::util::files::write_atomic(&path, text.as_bytes()).map_err(|e| e.to_string()));
    match written {
        Ok(()) => Msg::Notice {
            text: format!("Exported {} rows of {} to {}", job.rows.len(), job.list, path.display()),
            error: false,
        },
        Err(e) => Msg::Notice { text: format!("Export to {} failed: {e}", path.display()), error: true },
    }
}
