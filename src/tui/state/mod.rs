//! The console's whole state, as plain data. `update` (keys → actions → effects) and
//! `messages` (task results) are pure functions over it; the view only reads it.

pub mod change;
pub mod change_flow;
pub mod checkout;
pub mod checkout_flow;
pub mod checkout_sessions;
mod clock;
pub mod customer_edit;
pub mod customers;
pub mod detail;
pub mod detail_build;
pub mod detail_rows;
pub mod dispatch;
mod effects;
pub mod events;
pub mod export;
pub mod freshness;
pub mod invoices;
mod listed;
pub mod listing;
pub mod listing_rows;
mod loadable;
pub mod messages;
pub mod mouse;
mod mouse_forms;
pub mod movement;
pub mod palette;
pub mod pane_sort;
pub mod payment_methods;
pub mod payments;
pub mod requests;
pub mod rows;
pub mod summaries;
#[cfg(test)]
mod tests;
#[cfg(test)]
mod tests_filter;
#[cfg(test)]
mod tests_keys;
pub mod update;
pub mod usage;

use std::collections::HashMap;
use std::sync::Arc;

use crate::billing::{Entitlement, Plan, ProviderKind, Subscription};
use crate::providers::{BillingProvider, Capabilities};
use customers::{CustomerStore, ListView, RowRef};
use palette::PaletteState;
use requests::RequestsState;
use rows::CustomerRow;

pub use crate::tui::layout::Pane;
pub use effects::{Effect, FilterJob};
pub use loadable::Loadable;

/// SANDBOX, TEST or LIVE: always visible, because acting on live data must never be a surprise.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mode {
    Sandbox,
    Test,
    Live,
}

/// One provider the console talks to.
/// From this width on, every tab shows its provider's whole name.
pub const WIDE_TABS: u16 = 100;

pub struct Slot {
    pub kind: ProviderKind,
    pub provider: Arc<dyn BillingProvider>,
    pub caps: Capabilities,
    /// The account it acts on (organisation, business or API host), for the header.
    pub account: String,
    pub customers: CustomerStore,
    pub plans: Loadable<Vec<Plan>>,
}

impl Slot {
    pub fn new(provider: Arc<dyn BillingProvider>) -> Slot {
        Slot {
            kind: provider.kind(),
            caps: provider.capabilities(),
            account: provider.account(),
            provider,
            customers: CustomerStore::default(),
            plans: Loadable::default(),
        }
    }
}

/// Which of a customer's panes a details read fetches.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct DetailParts {
    pub subscriptions: bool,
    pub entitlements: bool,
}

impl DetailParts {
    pub const BOTH: DetailParts = DetailParts { subscriptions: true, entitlements: true };
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

/// One modal dialog. The console's modal state is a stack of these: only the top has focus,
/// and the view draws them bottom to top over the panes.
pub enum Dialog {
    /// The keys of the mode beneath (`contexts`); `scroll` lines hidden above.
    Help {
        scroll: usize,
        contexts: Vec<crate::tui::keymap::Context>,
    },
    Palette(PaletteState),
    Requests(RequestsState),
    /// The selected customer's invoices (`i`).
    Invoices(invoices::InvoicesState),
    /// The audit journal of one customer (`a`).
    Audit {
        customer: String,
        /// Newest first.
        entries: Vec<crate::audit::Entry>,
        offset: usize,
        control: listing::ListControl,
        /// Damaged journal lines the reader skipped, said in the title.
        note: Option<String>,
    },
    Checkout(Box<checkout::CheckoutBuilder>),
    /// One object's fields (Enter on a row); stacked, so Esc goes back one level.
    Detail(Box<detail::DetailState>),
    /// The selected customer's payments (`P`).
    Payments(Box<payments::PaymentsState>),
    /// Refunding one payment: amount, preview, Ctrl-S.
    Refund(Box<payments::RefundFlow>),
    /// Creating or changing a customer: what changes, then Ctrl-S.
    CustomerWrite(Box<customer_edit::CustomerWriteFlow>),
    /// Reporting usage (`:usage FEATURE QTY`): the report, then Ctrl-S.
    Usage(Box<usage::UsageFlow>),
    /// This console's and the provider's checkout sessions (`N`).
    CheckoutSessions(Box<checkout_sessions::SessionsState>),
    /// Webhook events and their deliveries (`e`).
    Events(Box<events::EventsState>),
    Change(Box<change::ChangeFlow>),
    Cancel(Box<change::CancelFlow>),
    /// A name being typed for "save preset".
    PresetSave(String),
    /// Presets to pick from.
    PresetLoad {
        names: Vec<String>,
        selected: usize,
    },
    /// LIVE: the customer id (or "live" for a new customer) typed before Ctrl-S creates it.
    LiveConfirm(String),
    /// Esc on a started change or cancellation: Esc again discards, any other key keeps it.
    Discard {
        what: &'static str,
    },
}

impl Dialog {
    pub fn name(&self) -> &'static str {
        match self {
            Dialog::Help { .. } => "help",
            Dialog::Palette(_) => "palette",
            Dialog::Requests(_) => "requests",
            Dialog::Invoices(_) => "invoices",
            Dialog::Audit { .. } => "audit",
            Dialog::Checkout(_) => "checkout",
            Dialog::Detail(_) => "detail",
            Dialog::Payments(_) => "payments",
            Dialog::Refund(_) => "refund",
            Dialog::Usage(_) => "usage",
            Dialog::CustomerWrite(_) => "customer-write",
            Dialog::CheckoutSessions(_) => "checkout-sessions",
            Dialog::Events(_) => "events",
            Dialog::Change(_) => "change",
            Dialog::Cancel(_) => "cancel",
            Dialog::PresetSave(_) => "preset-save",
            Dialog::PresetLoad { .. } => "preset-load",
            Dialog::LiveConfirm(_) => "live-confirm",
            Dialog::Discard { .. } => "discard",
        }
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
    /// Modal dialogs, bottom first; the last one has focus.
    pub dialogs: Vec<Dialog>,
    pub notice: Option<Notice>,
    pub mode: Mode,
    pub profile: String,
    pub size: (u16, u16),
    pub spinner: usize,
    pub quit: bool,
    /// The time of the input being handled, passed in by the loop: updates never read the clock.
    pub now: chrono::DateTime<chrono::Utc>,
    /// Checkout sessions whose result was closed, still watched until paid or expired.
    pub watching: Vec<(u8, crate::billing::CheckoutSession)>,
    /// The selected customer, when the selection last moved to them, and how long the one
    /// before stayed selected: read-ahead waits until the user pauses.
    pub moved: Option<(u8, String, chrono::DateTime<chrono::Utc>, chrono::Duration)>,
    /// Every checkout session this console created, for the sessions list.
    pub own_checkouts: Vec<(u8, crate::billing::CheckoutListing)>,
    /// Forms closed with Esc, per provider slot: nothing typed is lost.
    pub checkout_drafts: HashMap<u8, Box<checkout::CheckoutBuilder>>,
    /// Started with --read-only: every write is refused with a reason.
    pub read_only: bool,
    /// How far the embedded sandbox's clock is ahead of real time; `None` when the console
    /// has no sandbox clock to move (`:clock`).
    pub clock_offset: Option<chrono::Duration>,
    /// The console runs on the embedded sandbox, whose events the Events view reads.
    pub sandbox_events: bool,
    /// A watch for the sandbox's next event is out (one at a time).
    pub events_watched: bool,
    /// A `:clock` move of this console's is on its way.
    pub clock_moving: bool,
    /// After `R`, the customer to select again once the reloaded rows include them.
    pub follow_customer: Option<(u8, String)>,
    /// After a write, the subscription to select once the reloaded list arrives.
    pub follow_subscription: Option<(u8, String, String)>,
    /// Corpus versions per slot when each tab's filter last ran: narrowing is safe only
    /// while they hold.
    pub(crate) filter_versions: Vec<Vec<u64>>,
    /// The sort of the subscriptions and plans panes (`s`, `S`).
    pub sorts: HashMap<Pane, Option<(usize, bool)>>,
    /// `/` in the Plans pane.
    pub plans_filter: listing::ListControl,
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
            dialogs: Vec::new(),
            notice: None,
            mode,
            profile: profile.to_string(),
            size,
            spinner: 0,
            quit: false,
            now: chrono::Utc::now(),
            moved: None,
            checkout_drafts: HashMap::new(),
            watching: Vec::new(),
            own_checkouts: Vec::new(),
            read_only: false,
            clock_offset: None,
            sandbox_events: false,
            events_watched: false,
            clock_moving: false,
            follow_subscription: None,
            follow_customer: None,
            filter_versions: vec![Vec::new(); tabs],
            sorts: HashMap::new(),
            plans_filter: listing::ListControl::default(),
        }
    }

    /// Slots shown by a tab.
    pub fn tab_slots(&self, tab: usize) -> Vec<u8> {
        if tab == 0 { (0..self.slots.len() as u8).collect() } else { vec![(tab - 1) as u8] }
    }

    /// A tab's label in the header (" 2 Kelviq ", " 2 Kelviq ! " when its list failed). Below
    /// `WIDE_TABS` columns the tabs not shown are cut to three letters (" 2 Kel "), leaving
    /// room for the profile, the account and the mode badge. The view draws these labels and
    /// the mouse hit-tests them.
    pub fn tab_label(&self, t: usize, screen_width: u16) -> String {
        let failed = t > 0 && self.slots.get(t - 1).is_some_and(|s| s.customers.error.is_some());
        let title = self.tab_title(t);
        let title: String =
            if screen_width < WIDE_TABS && t != self.tab { title.chars().take(3).collect() } else { title.to_string() };
        format!(" {} {title} {}", t + 1, if failed { "! " } else { "" })
    }

    /// The account the current tab acts on, when it shows one provider.
    pub fn tab_account(&self) -> Option<&str> {
        match self.tab_slots(self.tab).as_slice() {
            [one] => Some(self.slots[*one as usize].account.as_str()).filter(|a| !a.is_empty()),
            _ => None,
        }
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
        if view.sort.is_some() {
            return view.order.len();
        }
        if view.filter.active() {
            return view.filter.hits.len();
        }
        self.tab_slots(self.tab).iter().map(|&s| self.slots[s as usize].customers.rows.len()).sum()
    }

    pub fn row_at(&self, index: usize) -> Option<RowRef> {
        let view = &self.views[self.tab];
        if view.sort.is_some() {
            return view.order.get(index).copied();
        }
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

    pub fn customer(&self, r: RowRef) -> Option<CustomerRow<'_>> {
        self.slots.get(r.slot as usize)?.customers.rows.get(r.row as usize)
    }

    pub fn selected_row(&self) -> Option<RowRef> {
        self.row_at(self.views[self.tab].selected)
    }

    pub fn selected_customer(&self) -> Option<(u8, CustomerRow<'_>)> {
        let r = self.selected_row()?;
        Some((r.slot, self.customer(r)?))
    }

    pub fn selected_details(&self) -> Option<&Details> {
        let (slot, c) = self.selected_customer()?;
        self.details.get(&(slot, c.id.to_string()))
    }

    /// The provider whose plans the Plans pane shows: the tab's, or on "All" the selected customer's.
    pub fn plans_slot(&self) -> Option<u8> {
        if self.tab == 0 {
            self.selected_customer().map(|(s, _)| s).or((!self.slots.is_empty()).then_some(0))
        } else {
            Some((self.tab - 1) as u8)
        }
    }

    /// Whether what the user is waiting for is loading: the spinner. Reads ahead of the
    /// selection (and a left customer's read still in flight) are not waited for.
    pub fn any_loading(&self) -> bool {
        self.slots.iter().any(|s| s.customers.loading || s.plans.loading)
            || self.selected_details().is_some_and(|d| d.subscriptions.loading || d.entitlements.loading)
            || self.views.iter().any(|v| v.filter.running)
            || self.checkout().is_some_and(|b| b.submitting || b.preview.loading || b.estimate.loading)
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

    pub fn top(&self) -> Option<&Dialog> {
        self.dialogs.last()
    }

    pub fn top_mut(&mut self) -> Option<&mut Dialog> {
        self.dialogs.last_mut()
    }

    /// Opens a dialog on top of whatever is open.
    pub fn push(&mut self, dialog: Dialog) {
        self.dialogs.push(dialog);
    }

    pub fn pop(&mut self) -> Option<Dialog> {
        self.dialogs.pop()
    }

    /// The open checkout builder, wherever it is in the stack.
    pub fn checkout(&self) -> Option<&checkout::CheckoutBuilder> {
        self.dialogs.iter().rev().find_map(|d| if let Dialog::Checkout(b) = d { Some(&**b) } else { None })
    }

    pub fn checkout_mut(&mut self) -> Option<&mut checkout::CheckoutBuilder> {
        self.dialogs.iter_mut().rev().find_map(|d| if let Dialog::Checkout(b) = d { Some(&mut **b) } else { None })
    }

    pub fn change(&self) -> Option<&change::ChangeFlow> {
        self.dialogs.iter().rev().find_map(|d| if let Dialog::Change(f) = d { Some(&**f) } else { None })
    }

    pub fn change_mut(&mut self) -> Option<&mut change::ChangeFlow> {
        self.dialogs.iter_mut().rev().find_map(|d| if let Dialog::Change(f) = d { Some(&mut **f) } else { None })
    }

    pub fn cancel(&self) -> Option<&change::CancelFlow> {
        self.dialogs.iter().rev().find_map(|d| if let Dialog::Cancel(f) = d { Some(&**f) } else { None })
    }

    pub fn cancel_mut(&mut self) -> Option<&mut change::CancelFlow> {
        self.dialogs.iter_mut().rev().find_map(|d| if let Dialog::Cancel(f) = d { Some(&mut **f) } else { None })
    }

    /// Removes every dialog of this kind (and what was stacked on it).
    pub fn close(&mut self, name: &str) {
        if let Some(i) = self.dialogs.iter().position(|d| d.name() == name) {
            self.dialogs.truncate(i);
        }
    }
}
