//! The console's whole state, as plain data. `update` (keys → actions → effects) and
//! `messages` (task results) are pure functions over it; the view only reads it.

pub mod change;
pub mod change_flow;
pub mod checkout;
pub mod checkout_flow;
pub mod customers;
pub mod invoices;
pub mod messages;
pub mod palette;
pub mod requests;
#[cfg(test)]
mod tests;
pub mod update;

use std::collections::HashMap;
use std::sync::Arc;

use crate::billing::{Customer, Entitlement, Plan, ProviderKind, Subscription};
use crate::providers::{BillingProvider, Capabilities, ProviderError};
use crate::search::Corpus;
use customers::{CustomerStore, ListView, RowRef};
use palette::PaletteState;
use requests::RequestsState;

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

/// SANDBOX, TEST or LIVE: always visible, because acting on live data must never be a surprise.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mode {
    Sandbox,
    Test,
    Live,
}

/// Something fetched from a provider, with its loading and error state.
#[derive(Clone, Debug)]
pub struct Loadable<T> {
    pub value: Option<T>,
    pub loading: bool,
    pub error: Option<ProviderError>,
}

impl<T> Default for Loadable<T> {
    fn default() -> Self {
        Loadable { value: None, loading: false, error: None }
    }
}

impl<T> Loadable<T> {
    pub fn loading() -> Self {
        Loadable { value: None, loading: true, error: None }
    }

    pub fn settle(&mut self, result: Result<T, ProviderError>) {
        self.loading = false;
        match result {
            Ok(v) => {
                self.value = Some(v);
                self.error = None;
            }
            Err(e) => self.error = Some(e),
        }
    }

    /// Needs a request: never asked, and not being asked now.
    pub fn wanted(&self) -> bool {
        self.value.is_none() && !self.loading && self.error.is_none()
    }
}

/// One provider the console talks to.
pub struct Slot {
    pub kind: ProviderKind,
    pub provider: Arc<dyn BillingProvider>,
    pub caps: Capabilities,
    pub customers: CustomerStore,
    pub plans: Loadable<Vec<Plan>>,
}

impl Slot {
    pub fn new(provider: Arc<dyn BillingProvider>) -> Slot {
        Slot {
            kind: provider.kind(),
            caps: provider.capabilities(),
            provider,
            customers: CustomerStore::default(),
            plans: Loadable::default(),
        }
    }
}

/// A customer's subscriptions and entitlements, cached by (slot, customer id).
#[derive(Clone, Debug, Default)]
pub struct Details {
    pub subscriptions: Loadable<Vec<Subscription>>,
    pub entitlements: Loadable<Vec<Entitlement>>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum NoticeKind {
    Info,
    Error,
}

#[derive(Clone, Debug)]
pub struct Notice {
    pub text: String,
    pub kind: NoticeKind,
}

pub enum Overlay {
    None,
    /// The key list; `scroll` lines hidden above (it can be taller than the terminal).
    Help {
        scroll: usize,
    },
    Palette(PaletteState),
    Requests(RequestsState),
    /// The selected customer's invoices (`i`).
    Invoices(invoices::InvoicesState),
    /// The audit journal of one customer (`a`).
    Audit {
        customer: String,
        entries: Vec<crate::audit::Entry>,
        offset: usize,
    },
}

/// Work for the app loop to start; the state never performs I/O itself.
#[derive(Debug, PartialEq)]
pub enum Effect {
    LoadCustomers {
        slot: u8,
        cursor: Option<String>,
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
    },
    Prefetch {
        items: Vec<(u8, String)>,
    },
    LoadPlans {
        slot: u8,
    },
    Filter(FilterJob),
    Copy(String),
    Open(String),
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
    StopPolling,
    SavePreset(Box<checkout::presets::Preset>),
    ListPresets {
        provider: ProviderKind,
    },
    ApplyPreset {
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
    /// Narrow earlier hits instead of scanning everything (the query grew).
    pub within: Option<Vec<RowRef>>,
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

pub struct AppState {
    pub slots: Vec<Slot>,
    /// 0 is "All"; 1..=slots.len() are the providers.
    pub tab: usize,
    pub views: Vec<ListView>,
    pub focus: Pane,
    pub details: HashMap<(u8, String), Details>,
    pub sub_selected: usize,
    pub ent_offset: usize,
    pub plan_selected: usize,
    pub overlay: Overlay,
    pub notice: Option<Notice>,
    pub mode: Mode,
    pub profile: String,
    pub size: (u16, u16),
    pub spinner: usize,
    pub quit: bool,
    /// The open checkout builder, drawn over the panes.
    pub checkout: Option<Box<checkout::CheckoutBuilder>>,
    /// Forms closed with Esc, per provider slot: nothing typed is lost.
    pub checkout_drafts: HashMap<u8, Box<checkout::CheckoutBuilder>>,
    pub change: Option<Box<change::ChangeFlow>>,
    pub cancel: Option<Box<change::CancelFlow>>,
    /// Started with --read-only: every write is refused with a reason.
    pub read_only: bool,
    /// After a write, the subscription to select once the reloaded list arrives.
    pub follow_subscription: Option<(u8, String, String)>,
    /// Corpus lengths per slot when each tab's filter last ran, to know if narrowing is safe.
    pub(crate) filter_lens: Vec<Vec<usize>>,
}

impl AppState {
    pub fn new(providers: Vec<Arc<dyn BillingProvider>>, mode: Mode, profile: &str, size: (u16, u16)) -> AppState {
        let slots: Vec<Slot> = providers.into_iter().map(Slot::new).collect();
        let tabs = slots.len() + 1;
        AppState {
            slots,
            tab: 0,
            views: vec![ListView::default(); tabs],
            focus: Pane::Customers,
            details: HashMap::new(),
            sub_selected: 0,
            ent_offset: 0,
            plan_selected: 0,
            overlay: Overlay::None,
            notice: None,
            mode,
            profile: profile.to_string(),
            size,
            spinner: 0,
            quit: false,
            checkout: None,
            checkout_drafts: HashMap::new(),
            change: None,
            cancel: None,
            read_only: false,
            follow_subscription: None,
            filter_lens: vec![Vec::new(); tabs],
        }
    }

    /// Slots shown by a tab.
    pub fn tab_slots(&self, tab: usize) -> Vec<u8> {
        if tab == 0 { (0..self.slots.len() as u8).collect() } else { vec![(tab - 1) as u8] }
    }

    pub fn tab_title(&self, tab: usize) -> &'static str {
        if tab == 0 { "All" } else { self.slots[tab - 1].kind.display_name() }
    }

    pub fn view(&self) -> &ListView {
        &self.views[self.tab]
    }

    /// Rows the current tab shows: the filter's hits, or every loaded row.
    pub fn row_count(&self) -> usize {
        let view = &self.views[self.tab];
        if view.filter.active() {
            return view.filter.hits.len();
        }
        self.tab_slots(self.tab).iter().map(|&s| self.slots[s as usize].customers.rows.len()).sum()
    }

    pub fn row_at(&self, index: usize) -> Option<RowRef> {
        let view = &self.views[self.tab];
        if view.filter.active() {
            return view.filter.hits.get(index).copied();
        }
        let mut rest = index;
        for slot in self.tab_slots(self.tab) {
            let len = self.slots[slot as usize].customers.rows.len();
            if rest < len {
                return Some(RowRef { slot, row: rest as u32 });
            }
            rest -= len;
        }
        None
    }

    pub fn customer(&self, r: RowRef) -> Option<&Customer> {
        self.slots.get(r.slot as usize)?.customers.rows.get(r.row as usize)
    }

    pub fn selected_row(&self) -> Option<RowRef> {
        self.row_at(self.views[self.tab].selected)
    }

    pub fn selected_customer(&self) -> Option<(u8, &Customer)> {
        let r = self.selected_row()?;
        Some((r.slot, self.customer(r)?))
    }

    pub fn selected_details(&self) -> Option<&Details> {
        let (slot, c) = self.selected_customer()?;
        self.details.get(&(slot, c.id.clone()))
    }

    /// The provider whose plans the Plans pane shows: the tab's, or on "All" the selected customer's.
    pub fn plans_slot(&self) -> Option<u8> {
        if self.tab == 0 {
            self.selected_customer().map(|(s, _)| s).or((!self.slots.is_empty()).then_some(0))
        } else {
            Some((self.tab - 1) as u8)
        }
    }

    pub fn any_loading(&self) -> bool {
        self.slots.iter().any(|s| s.customers.loading || s.plans.loading)
            || self.details.values().any(|d| d.subscriptions.loading || d.entitlements.loading)
            || self.views.iter().any(|v| v.filter.running)
            || self.checkout.as_ref().is_some_and(|b| b.submitting || b.preview.loading || b.estimate.loading)
    }

    /// Layout is compact (one pane at a time) below 120×32.
    pub fn compact(&self) -> bool {
        self.size.0 < 120 || self.size.1 < 32
    }

    pub fn notify(&mut self, text: impl Into<String>) {
        self.notice = Some(Notice { text: text.into(), kind: NoticeKind::Info });
    }

    pub fn notify_error(&mut self, text: impl Into<String>) {
        self.notice = Some(Notice { text: text.into(), kind: NoticeKind::Error });
    }
}
