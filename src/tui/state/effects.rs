//! The work the state asks for (`Effect`): the state never performs I/O itself; the app loop
//! hands each effect to the one executor (`tui/tasks.rs`).

use super::{DetailParts, checkout, customer_edit, detail, export};
use crate::billing::{ProviderKind, Subscription};
use crate::search::Corpus;

/// Work for the app loop to start; the state never performs I/O itself.
#[derive(Debug, PartialEq)]
pub enum Effect {
    /// The embedded sandbox's newest events (`state/events.rs`).
    ReadSandboxEvents,
    /// Wait for the sandbox's next event or delivery, then say so (`Msg::SandboxEventsChanged`).
    WatchSandboxEvents,
    /// A provider's own log of webhook deliveries (Kelviq's).
    ReadWebhookLog {
        slot: u8,
    },
    /// Send a sandbox event again.
    Redeliver {
        seq: u64,
        event: String,
    },
    /// Read the sandbox clock, or move it as the text says (`+1M`, `2027-03-01`).
    Clock {
        to: Option<String>,
    },
    /// From now on, say whenever the sandbox clock moves, by anyone (`Msg::ClockMoved`).
    WatchClock,
    LoadCustomers {
        slot: u8,
        cursor: Option<String>,
    },
    /// `R`: the clients of these slots drop what they keep of their lists (KuvarPay's derived
    /// customers), so the reads that follow see a customer made elsewhere meanwhile.
    ForgetCached {
        slots: Vec<u8>,
    },
    Search {
        slot: u8,
        query: String,
    },
    FindCustomer {
        slot: u8,
        id: String,
    },
    LoadDetails {
        slot: u8,
        customer_id: String,
        /// Which panes need the read: a write reads again exactly what it changed.
        parts: DetailParts,
        /// A neighbour of the selected customer, read ahead at the lowest priority while the
        /// console is idle; never dropped by a newer selection.
        prefetch: bool,
    },
    Prefetch {
        items: Vec<(u8, String)>,
    },
    /// A page of a provider's listing of every customer's subscriptions (`state/summaries.rs`).
    SummaryPage {
        slot: u8,
        cursor: Option<String>,
    },
    /// The subscriptions of these customers, all pages, in as few requests as the provider
    /// allows (`BillingProvider::list_subscriptions_of`), for the summary column.
    SummaryBatch {
        slot: u8,
        /// Which batch this is: an answer to a batch asked before `R` is dropped.
        batch: u64,
        customer_ids: Vec<String>,
    },
    LoadPlans {
        slot: u8,
    },
    Filter(FilterJob),
    Copy(String),
    Open(String),
    LoadPayments {
        slot: u8,
        customer_id: String,
    },
    /// A customer's saved payment methods, for their detail view.
    LoadPaymentMethods {
        slot: u8,
        customer_id: String,
    },
    PreviewRefund {
        slot: u8,
        payment_id: String,
        amount: Option<String>,
    },
    ApplyRefund {
        slot: u8,
        preview: Box<crate::ops::payments::RefundPreview>,
        guard: crate::ops::payments::Guard,
    },
    /// The provider's own object for a detail view (from the request log).
    FindRaw {
        slot: u8,
        id: String,
        /// How to read the object again when the log has no whole copy.
        fetch: Option<detail::RawRead>,
    },
    WriteCustomer {
        slot: u8,
        write: Box<customer_edit::CustomerWrite>,
        guard: crate::ops::payments::Guard,
    },
    ReportUsage {
        slot: u8,
        report: Box<crate::billing::payments::UsageReport>,
        guard: crate::ops::payments::Guard,
    },
    PortalLink {
        slot: u8,
        customer_id: String,
        return_url: Option<String>,
    },
    /// Write a list to a file (`:export`).
    Export(Box<export::ExportJob>),
    SnapshotRequests,
    CheckoutPreview {
        slot: u8,
        generation: u64,
        request: Box<crate::billing::CheckoutRequest>,
    },
    CheckoutEstimate {
        slot: u8,
        generation: u64,
        request: Box<crate::billing::CheckoutRequest>,
    },
    SubmitCheckout {
        slot: u8,
        request: Box<crate::billing::CheckoutRequest>,
    },
    PollCheckout {
        slot: u8,
        id: String,
    },
    StopPolling {
        id: String,
    },
    /// One status read now (a reopened session), answered like a poll.
    FetchCheckout {
        slot: u8,
        id: String,
    },
    ListCheckouts {
        slot: u8,
    },
    SavePreset(Box<checkout::presets::Preset>),
    ListPresets {
        provider: ProviderKind,
    },
    LoadPreset {
        provider: ProviderKind,
        name: String,
    },
    PreviewChange {
        slot: u8,
        subscription_id: String,
        change: Box<crate::billing::PlanChange>,
        generation: u64,
    },
    ApplyChange {
        slot: u8,
        customer_id: String,
        subscription: Box<Subscription>,
        change: Box<crate::billing::PlanChange>,
    },
    ApplyCancel {
        slot: u8,
        customer_id: String,
        subscription: Box<Subscription>,
        cancellation: crate::billing::Cancellation,
    },
    ApplyUncancel {
        slot: u8,
        customer_id: String,
        subscription: Box<Subscription>,
    },
    ShowAudit {
        customer: String,
    },
    LoadInvoices {
        slot: u8,
        customer_id: String,
    },
    Quit,
}

/// A filter run for one tab over a snapshot of the corpora.
#[derive(Clone)]
pub struct FilterJob {
    pub tab: usize,
    pub generation: u64,
    pub query: String,
    pub corpora: Vec<(u8, Corpus)>,
    /// Narrow within what the previous query matched in each slot (the query grew).
    pub within: Option<Vec<(u8, std::sync::Arc<crate::search::Matched>)>>,
}

impl std::fmt::Debug for FilterJob {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "FilterJob(tab {}, gen {}, {:?})", self.tab, self.generation, self.query)
    }
}

impl PartialEq for FilterJob {
    fn eq(&self, other: &Self) -> bool {
        (self.tab, self.generation, &self.query) == (other.tab, other.generation, &other.query)
    }
}
