//! Pure state transitions per pane, with a provider that is never called.

use std::sync::Arc;

use async_trait::async_trait;
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

use super::customers::{FilterRun, RowRef};
use super::messages::Msg;
use super::*;
use crate::billing::*;
use crate::providers::{Capabilities, Page, PageRequest, ProviderError, Result};
use crate::tui::action::Action;

struct Fake(ProviderKind, bool);

#[async_trait]
impl BillingProvider for Fake {
    fn kind(&self) -> ProviderKind {
        self.0
    }
    fn capabilities(&self) -> Capabilities {
        Capabilities {
            list_customers: true,
            search_customers: self.1,
            get_customer: true,
            create_customer: true,
            derived_customers: false,
            plans: true,
            subscriptions: true,
            change_plan: true,
            change_interval: true,
            native_change_preview: false,
            cancel: true,
            cancel_at_period_end: true,
            cancel_on_date: true,
            uncancel: false,
            cancel_scheduled_change: false,
            entitlements: self.0 != ProviderKind::KuvarPay,
            checkout_create: true,
            checkout_get: true,
            checkout_list: true,
            native_checkout_estimate: false,
            invoices: self.0 == ProviderKind::KuvarPay,
            idempotency_keys: false,
        }
    }
    async fn list_customers(&self, _: &PageRequest) -> Result<Page<Customer>> {
        unreachable!("pure tests never call providers")
    }
    async fn get_customer(&self, _: &str) -> Result<Customer> {
        unreachable!()
    }
    async fn create_customer(&self, _: &NewCustomer) -> Result<Customer> {
        unreachable!()
    }
    async fn list_plans(&self) -> Result<Vec<Plan>> {
        unreachable!()
    }
    async fn list_subscriptions(&self, _: &str) -> Result<Vec<Subscription>> {
        unreachable!()
    }
    async fn get_subscription(&self, _: &str) -> Result<Subscription> {
        unreachable!()
    }
    async fn change_plan(&self, _: &str, _: &PlanChange) -> Result<Subscription> {
        unreachable!()
    }
    async fn preview_change(&self, _: &str, _: &PlanChange) -> Result<Estimate> {
        unreachable!()
    }
    async fn cancel_subscription(&self, _: &str, _: &Cancellation) -> Result<Subscription> {
        unreachable!()
    }
    async fn entitlements(&self, _: &str) -> Result<Vec<Entitlement>> {
        unreachable!()
    }
    async fn create_checkout(&self, _: &CheckoutRequest) -> Result<CheckoutSession> {
        unreachable!()
    }
    async fn get_checkout(&self, _: &str) -> Result<CheckoutSession> {
        unreachable!()
    }
}

fn customer(kind: ProviderKind, id: &str, name: &str) -> Customer {
    Customer {
        provider: kind,
        id: id.into(),
        alt_id: None,
        name: Some(name.into()),
        email: None,
        created_at: None,
        metadata: Default::default(),
        issues: Vec::new(),
    }
}

pub(super) fn state() -> AppState {
    let providers: Vec<Arc<dyn BillingProvider>> =
        vec![Arc::new(Fake(ProviderKind::Kelviq, true)), Arc::new(Fake(ProviderKind::KuvarPay, false))];
    AppState::new(providers, Mode::Sandbox, "test", (120, 32))
}

pub(super) fn page(kind: ProviderKind, ids: &[(&str, &str)], next: Option<&str>) -> Page<Customer> {
    Page {
        items: ids.iter().map(|(i, n)| customer(kind, i, n)).collect(),
        next_cursor: next.map(String::from),
        total: None,
    }
}

pub(super) fn key(c: char) -> KeyEvent {
    KeyEvent::new(KeyCode::Char(c), KeyModifiers::NONE)
}

#[test]
fn startup_asks_every_provider_for_a_first_page_and_plans() {
    let mut s = state();
    let effects = s.ensure_loaded();
    assert!(effects.contains(&Effect::LoadCustomers { slot: 0, cursor: None }));
    assert!(effects.contains(&Effect::LoadCustomers { slot: 1, cursor: None }));
    assert!(effects.contains(&Effect::LoadPlans { slot: 0 }));
    assert!(s.ensure_loaded().iter().all(|e| !matches!(e, Effect::LoadCustomers { .. })), "not twice while loading");
}

#[test]
fn all_tab_merges_providers_and_selection_loads_details() {
    let mut s = state();
    s.ensure_loaded();
    s.handle_msg(
        Msg::CustomersPage { slot: 0, result: Ok(page(ProviderKind::Kelviq, &[("k1", "Anna"), ("k2", "Ben")], None)) },
        chrono::Utc::now(),
    );
    let effects = s.handle_msg(
        Msg::CustomersPage { slot: 1, result: Ok(page(ProviderKind::KuvarPay, &[("p1", "Cleo")], None)) },
        chrono::Utc::now(),
    );
    assert_eq!(s.row_count(), 3);
    assert_eq!(s.row_at(2), Some(RowRef { slot: 1, row: 0 }));
    assert!(
        effects.contains(&Effect::LoadDetails {
            slot: 0,
            customer_id: "k1".into(),
            parts: DetailParts::BOTH,
            prefetch: false
        }) || s.details.contains_key(&(0, "k1".into()))
    );
    let effects = s.handle_action(Action::Bottom);
    assert_eq!(s.selected_customer().unwrap().1.id, "p1");
    let subscriptions_only = DetailParts { subscriptions: true, entitlements: false };
    assert!(effects.contains(&Effect::LoadDetails {
        slot: 1,
        customer_id: "p1".into(),
        parts: subscriptions_only,
        prefetch: false
    }));
    assert!(
        s.details[&(1, "p1".into())].entitlements.value.is_none() && !s.details[&(1, "p1".into())].entitlements.loading,
        "KuvarPay has no entitlements to load"
    );
    // Once the subscriptions are in, nothing is read again: entitlements a provider does not
    // offer are never "wanted" (they were, and every Tab re-read the customer).
    s.handle_msg(Msg::Subscriptions { slot: 1, customer_id: "p1".into(), result: Ok(Vec::new()) }, chrono::Utc::now());
    let again = s.handle_action(Action::NextPane);
    assert!(!again.iter().any(|e| matches!(e, Effect::LoadDetails { .. })), "{again:?}");
}

#[test]
fn near_the_end_the_next_page_is_requested() {
    let mut s = state();
    s.go_tab(1);
    let ids: Vec<(String, String)> = (0..100).map(|i| (format!("c{i}"), format!("N{i}"))).collect();
    let refs: Vec<(&str, &str)> = ids.iter().map(|(a, b)| (a.as_str(), b.as_str())).collect();
    s.handle_msg(
        Msg::CustomersPage { slot: 0, result: Ok(page(ProviderKind::Kelviq, &refs, Some("2"))) },
        chrono::Utc::now(),
    );
    let effects = s.handle_action(Action::PageDown);
    assert!(!effects.iter().any(|e| matches!(e, Effect::LoadCustomers { .. })));
    let mut asked = false;
    for _ in 0..5 {
        asked |=
            s.handle_action(Action::PageDown).contains(&Effect::LoadCustomers { slot: 0, cursor: Some("2".into()) });
    }
    assert!(asked, "prefetches the next page near the end");
}

#[test]
fn the_first_screen_of_hits_comes_first_then_every_hit_and_a_sorted_list_waits_for_all() {
    let mut s = state();
    let names: Vec<(String, String)> = (0..300).map(|i| (format!("k{i}"), format!("Müller {i}"))).collect();
    let refs: Vec<(&str, &str)> = names.iter().map(|(i, n)| (i.as_str(), n.as_str())).collect();
    s.handle_msg(
        Msg::CustomersPage { slot: 0, result: Ok(page(ProviderKind::Kelviq, &refs, None)) },
        chrono::Utc::now(),
    );
    s.handle_key(key('/'), chrono::Utc::now());
    let effects = s.handle_key(key('m'), chrono::Utc::now());
    let Some(Effect::Filter(job)) = effects.first() else { panic!("filter job expected: {effects:?}") };
    let (first, run) = crate::tui::tasks::first_screen(job);
    assert_eq!((first.len(), run.total, run.complete), (crate::tui::tasks::FIRST_SCREEN, 300, false));
    let all = crate::tui::tasks::rank_all(job, &run.matched, &|| false).unwrap_or_default();
    let expected: Vec<RowRef> = crate::search::filter(&s.slots[0].customers.corpus, "m", None)
        .into_iter()
        .map(|row| RowRef { slot: 0, row })
        .collect();
    assert_eq!(all, expected, "the full ranking is the exact one");
    assert_eq!(first, expected[..first.len()], "the first screen is its start");
    let generation = job.generation;
    let partial = |hits: &Vec<RowRef>, run: &FilterRun| Msg::Filtered {
        tab: 0,
        generation,
        query: "m".into(),
        hits: hits.clone(),
        run: run.clone(),
    };
    s.handle_msg(partial(&first, &run), chrono::Utc::now());
    assert_eq!(s.row_count(), first.len(), "the list stops at the ranked rows");
    assert!(s.view().filter.running, "still ranking the rest");
    let done = FilterRun { total: 300, complete: true, matched: run.matched.clone() };
    s.handle_msg(
        Msg::Filtered { tab: 0, generation, query: "m".into(), hits: all.clone(), run: done },
        chrono::Utc::now(),
    );
    assert_eq!((s.row_count(), s.view().filter.running), (300, false));
    // A sorted list shows nothing of a partial run: its first screen depends on every hit.
    s.views[0].sort = Some((0, true));
    s.views[0].filter.hits.clear();
    s.handle_msg(partial(&first, &run), chrono::Utc::now());
    assert!(s.views[0].filter.hits.is_empty(), "a partial run is not applied to a sorted list");
}

#[test]
fn filter_owns_its_keys_and_narrows_incrementally() {
    let mut s = state();
    s.handle_msg(
        Msg::CustomersPage {
            slot: 0,
            result: Ok(page(ProviderKind::Kelviq, &[("k1", "Müller"), ("k2", "Smith")], None)),
        },
        chrono::Utc::now(),
    );
    s.handle_key(key('/'), chrono::Utc::now());
    let effects = s.handle_key(key('m'), chrono::Utc::now());
    let Some(Effect::Filter(job)) = effects.first() else { panic!("filter job expected: {effects:?}") };
    assert!(job.within.is_none());
    assert!(effects.contains(&Effect::Search { slot: 0, query: "m".into() }), "Kelviq searches server-side too");
    assert!(!effects.iter().any(|e| matches!(e, Effect::Search { slot: 1, .. })), "KuvarPay has no search");
    let generation = job.generation;
    let (hits, run) = crate::tui::tasks::first_screen(job);
    let both = vec![RowRef { slot: 0, row: 0 }, RowRef { slot: 0, row: 1 }];
    assert_eq!((hits.clone(), run.total, run.complete), (both, 2, true), "Müller first (a word start), Smith");
    s.handle_msg(Msg::Filtered { tab: 0, generation, query: "m".into(), hits, run }, chrono::Utc::now());
    let effects = s.handle_key(key('u'), chrono::Utc::now());
    let Some(Effect::Filter(job)) = effects.first() else { panic!() };
    let within: Vec<(u8, Vec<u32>)> = job.within.iter().flatten().map(|(slot, m)| (*slot, m.indices())).collect();
    assert_eq!(within, vec![(0, vec![0, 1]), (1, vec![])], "a longer query narrows the previous hits");
    s.handle_key(key('q'), chrono::Utc::now());
    assert!(!s.quit, "q is typed, not quit");
    assert_eq!(s.view().filter.query, "muq");
    let run = FilterRun::complete(0);
    s.handle_msg(Msg::Filtered { tab: 0, generation, query: "m".into(), hits: vec![], run }, chrono::Utc::now());
    assert_eq!(s.view().filter.hits.len(), 2, "stale results are dropped");
    s.handle_key(KeyEvent::new(KeyCode::Esc, KeyModifiers::NONE), chrono::Utc::now());
    assert!(!s.view().filter.active());
}

#[test]
fn subscriptions_and_plans_panes_move_within_their_rows() {
    let mut s = state();
    s.handle_msg(
        Msg::CustomersPage { slot: 0, result: Ok(page(ProviderKind::Kelviq, &[("k1", "Anna")], None)) },
        chrono::Utc::now(),
    );
    s.ensure_loaded();
    let sub = |id: &str| Subscription {
        issues: Vec::new(),
        provider: ProviderKind::Kelviq,
        id: id.into(),
        customer_id: "k1".into(),
        plan_id: None,
        plan_name: None,
        status: SubscriptionStatus::Active,
        raw_status: "active".into(),
        amount: None,
        period: ChargePeriod::Monthly,
        started_on: None,
        current_period_start: None,
        current_period_end: None,
        ends_on: None,
        canceled_at: None,
        trial_days_remaining: None,
        pending_change: None,
        features: Vec::new(),
    };
    s.handle_msg(
        Msg::Subscriptions { slot: 0, customer_id: "k1".into(), result: Ok(vec![sub("s1"), sub("s2")]) },
        chrono::Utc::now(),
    );
    s.handle_action(Action::NextPane);
    assert_eq!(s.focus, Pane::Subscriptions);
    s.handle_action(Action::Down);
    s.handle_action(Action::Down);
    assert_eq!(s.sub_selected, 1, "clamped to the last subscription");
    assert_eq!(s.handle_action(Action::Copy), vec![Effect::Copy("s2".into())]);
    s.handle_action(Action::NextPane);
    s.handle_action(Action::NextPane);
    assert_eq!(s.focus, Pane::Plans);
    s.handle_action(Action::Down);
    assert_eq!(s.plan_selected, 0, "no plans loaded: nothing to move to");
    s.handle_action(Action::Back);
    assert_eq!(s.focus, Pane::Customers);
}

#[test]
fn errors_settle_loading_and_refresh_resets() {
    let mut s = state();
    s.ensure_loaded();
    let err = ProviderError::from_response(ProviderKind::Kelviq, 503, b"down", Some("req_1".into()));
    s.handle_msg(Msg::CustomersPage { slot: 0, result: Err(err.clone()) }, chrono::Utc::now());
    assert_eq!(s.slots[0].customers.error.as_ref(), Some(&err));
    assert!(!s.slots[0].customers.wants_page(0), "no retry loop on error");
    s.go_tab(1);
    let effects = s.handle_action(Action::Refresh);
    assert!(effects.contains(&Effect::LoadCustomers { slot: 0, cursor: None }));
    assert!(s.slots[0].customers.error.is_none());
}

#[test]
fn requests_overlay_lists_newest_first_and_backs_out() {
    let mut s = state();
    assert_eq!(s.handle_action(Action::Requests), vec![Effect::SnapshotRequests]);
    let log = crate::providers::log::RequestLog::new(10);
    for i in 0..3 {
        log.push(crate::providers::log::Exchange {
            key_variable: None,
            full_response_body: None,
            queued_ms: 0,
            queued_for: None,
            id: 0,
            provider: ProviderKind::Kelviq,
            started_at: chrono::Utc::now(),
            method: "GET".into(),
            url: format!("http://h/{i}"),
            status: Some(200),
            duration: std::time::Duration::ZERO,
            request_id: None,
            request_headers: vec![],
            response_headers: vec![],
            request_body: None,
            request_body_size: 0,
            response_body: None,
            response_body_size: 0,
            request_body_cut: false,
            response_body_cut: false,
            attempt: 1,
            error: None,
        });
    }
    s.handle_msg(Msg::Requests(log.snapshot()), chrono::Utc::now());
    let Some(Dialog::Requests(r)) = s.top() else { panic!() };
    assert_eq!(r.entries[0].url, "http://h/2");
    assert_eq!(s.handle_action(Action::Copy), vec![Effect::Copy("http://h/2".into())]);
    s.handle_action(Action::Choose);
    s.handle_action(Action::Back);
    assert!(matches!(s.top(), Some(Dialog::Requests(_))), "Esc leaves the detail first");
    s.handle_action(Action::Back);
    assert!(s.top().is_none());
}

#[test]
fn palette_runs_commands_and_reports_unknown_ones() {
    let mut s = state();
    s.handle_action(Action::Palette);
    for c in "kuv".chars() {
        s.handle_key(key(c), chrono::Utc::now());
    }
    s.handle_key(KeyEvent::new(KeyCode::Enter, KeyModifiers::NONE), chrono::Utc::now());
    assert_eq!(s.tab, 2);
    s.handle_action(Action::Palette);
    for c in "nonsense".chars() {
        s.handle_key(key(c), chrono::Utc::now());
    }
    s.handle_key(KeyEvent::new(KeyCode::Enter, KeyModifiers::NONE), chrono::Utc::now());
    assert_eq!(s.notice.as_ref().map(|n| n.kind.clone()), Some(NoticeKind::Error));
    s.handle_action(Action::Palette);
    for c in "customer zz9".chars() {
        s.handle_key(key(c), chrono::Utc::now());
    }
    let effects = s.handle_key(KeyEvent::new(KeyCode::Enter, KeyModifiers::NONE), chrono::Utc::now());
    assert_eq!(effects, vec![Effect::FindCustomer { slot: 1, id: "zz9".into() }]);
}

#[test]
fn invoices_overlay_loads_ignores_stale_answers_and_says_when_not_offered() {
    let mut s = state();
    s.ensure_loaded();
    s.handle_msg(
        Msg::CustomersPage { slot: 0, result: Ok(page(ProviderKind::Kelviq, &[("k1", "Anna")], None)) },
        chrono::Utc::now(),
    );
    s.handle_msg(
        Msg::CustomersPage { slot: 1, result: Ok(page(ProviderKind::KuvarPay, &[("p1", "Cleo")], None)) },
        chrono::Utc::now(),
    );
    assert_eq!(s.handle_action(Action::Invoices), Vec::new(), "Kelviq has no invoice API");
    assert!(s.top().is_none());
    assert!(s.notice.as_ref().unwrap().text.contains("not offered by Kelviq"));

    s.handle_action(Action::Bottom);
    assert_eq!(s.handle_action(Action::Invoices), vec![Effect::LoadInvoices { slot: 1, customer_id: "p1".into() }]);
    let invoice = |id: &str| InvoiceRecord {
        issues: Vec::new(),
        provider: ProviderKind::KuvarPay,
        id: id.into(),
        number: None,
        customer_id: Some("p1".into()),
        subscription_id: None,
        status: "open".into(),
        total: None,
        amount_due: None,
        issued_on: None,
        due_on: None,
        url: (id == "i2").then(|| "https://pay.example/i2".to_string()),
    };
    s.handle_msg(
        Msg::Invoices { slot: 1, customer_id: "someone-else".into(), result: Ok(vec![invoice("x")]) },
        chrono::Utc::now(),
    );
    let Some(Dialog::Invoices(inv)) = s.top() else { panic!("overlay") };
    assert!(inv.list.loading && inv.list.value.is_none(), "an answer for another customer is not shown");
    s.handle_msg(
        Msg::Invoices { slot: 1, customer_id: "p1".into(), result: Ok(vec![invoice("i1"), invoice("i2")]) },
        chrono::Utc::now(),
    );
    assert_eq!(s.handle_action(Action::Copy), vec![Effect::Copy("i1".into())], "no link: the id");
    s.handle_action(Action::Down);
    s.handle_action(Action::Down);
    assert_eq!(s.handle_action(Action::Open), vec![Effect::Open("https://pay.example/i2".into())], "clamped to i2");
    assert_eq!(s.handle_action(Action::Refresh), vec![Effect::LoadInvoices { slot: 1, customer_id: "p1".into() }]);
    s.handle_action(Action::Back);
    assert!(s.top().is_none());
}

#[test]
fn refresh_keeps_the_selected_customer() {
    let mut s = state();
    s.go_tab(1);
    let rows = [("k1", "Anna"), ("k2", "Bela"), ("k3", "Cleo")];
    s.handle_msg(
        Msg::CustomersPage { slot: 0, result: Ok(page(ProviderKind::Kelviq, &rows, None)) },
        chrono::Utc::now(),
    );
    s.handle_action(Action::Down);
    s.handle_action(Action::Down);
    assert_eq!(s.selected_customer().map(|(_, c)| c.id), Some("k3"));
    s.handle_action(Action::Refresh);
    s.handle_msg(
        Msg::CustomersPage { slot: 0, result: Ok(page(ProviderKind::Kelviq, &rows, None)) },
        chrono::Utc::now(),
    );
    assert_eq!(s.selected_customer().map(|(_, c)| c.id), Some("k3"), "R keeps the selection");
}

#[test]
fn when_the_selected_customer_arrives_the_next_ones_are_read_ahead_once() {
    let mut s = state();
    s.ensure_loaded();
    let rows = [("k1", "Anna"), ("k2", "Ben"), ("k3", "Cleo"), ("k4", "Dan")];
    s.handle_msg(
        Msg::CustomersPage { slot: 0, result: Ok(page(ProviderKind::Kelviq, &rows, None)) },
        chrono::Utc::now(),
    );
    s.handle_msg(
        Msg::CustomersPage { slot: 1, result: Ok(page(ProviderKind::KuvarPay, &[], None)) },
        chrono::Utc::now(),
    );
    s.handle_action(Action::Down);
    assert_eq!(s.selected_customer().unwrap().1.id, "k2");
    let ahead = |effects: &[Effect]| -> Vec<String> {
        effects
            .iter()
            .filter_map(|e| match e {
                Effect::LoadDetails { customer_id, prefetch: true, .. } => Some(customer_id.clone()),
                _ => None,
            })
            .collect()
    };
    // An answer within a moment of the move (a user scrolling past) reads nothing ahead.
    let soon = s.now + chrono::Duration::milliseconds(50);
    let subs = Msg::Subscriptions { slot: 0, customer_id: "k2".into(), result: Ok(vec![]) };
    assert!(ahead(&s.handle_msg(subs, soon)).is_empty(), "entitlements still loading");
    let ents = || Msg::Entitlements { slot: 0, customer_id: "k2".into(), result: Ok(vec![]) };
    assert!(ahead(&s.handle_msg(ents(), soon)).is_empty(), "not resting yet");
    // The same answer once the selection has rested there.
    s.details.get_mut(&(0, "k2".into())).unwrap().entitlements.loading = true;
    let effects = s.handle_msg(ents(), soon + chrono::Duration::milliseconds(200));
    let mut read = ahead(&effects);
    read.sort();
    // k1, the first selection, is already being read for the panes.
    assert_eq!(read, ["k3", "k4"]);
    assert!(s.details[&(0, "k3".into())].subscriptions.loading, "marked loading: not asked twice");
    assert!(ahead(&s.ensure_loaded()).is_empty(), "each neighbour once");
}

fn subscription_of(customer: &str, id: &str) -> Subscription {
    let issue = crate::billing::RowIssue::new("test", "made for a test");
    let mut s = Subscription::undecodable(ProviderKind::Kelviq, id.into(), customer.into(), "active".into(), issue);
    s.issues.clear();
    s.status = SubscriptionStatus::Active;
    s
}

fn with_two_customers() -> AppState {
    let mut s = state();
    s.go_tab(1);
    s.handle_msg(
        Msg::CustomersPage { slot: 0, result: Ok(page(ProviderKind::Kelviq, &[("k1", "Anna"), ("k2", "Ben")], None)) },
        chrono::Utc::now(),
    );
    s.ensure_loaded();
    let subs = vec![subscription_of("k1", "s1"), subscription_of("k1", "s2"), subscription_of("k1", "s3")];
    s.handle_msg(Msg::Subscriptions { slot: 0, customer_id: "k1".into(), result: Ok(subs) }, chrono::Utc::now());
    s
}

#[test]
fn another_customer_starts_at_their_first_subscription_even_when_already_read() {
    let mut s = with_two_customers();
    // Ben's subscriptions are already known (a batch or a read ahead answered them).
    s.handle_msg(
        Msg::Subscriptions {
            slot: 0,
            customer_id: "k2".into(),
            result: Ok(vec![subscription_of("k2", "b1"), subscription_of("k2", "b2"), subscription_of("k2", "b3")]),
        },
        chrono::Utc::now(),
    );
    s.sub_selected = 2;
    s.handle_action(Action::Down);
    assert_eq!(s.selected_customer().unwrap().1.id, "k2");
    assert_eq!(s.sub_selected, 0, "the cursor never carries over to another customer's subscriptions");
}

#[test]
fn a_refreshed_list_keeps_the_cursor_on_the_same_subscription() {
    let mut s = with_two_customers();
    s.sub_selected = 2; // s3
    let refreshed = vec![
        subscription_of("k1", "s0"),
        subscription_of("k1", "s1"),
        subscription_of("k1", "s2"),
        subscription_of("k1", "s3"),
    ];
    s.handle_msg(Msg::Subscriptions { slot: 0, customer_id: "k1".into(), result: Ok(refreshed) }, chrono::Utc::now());
    let shown = s.selected_details().unwrap().subscriptions.value.as_ref().unwrap();
    assert_eq!(shown[s.sub_selected].id, "s3", "a new subscription listed first does not move the cursor");
}

#[test]
fn a_load_dropped_for_another_customer_is_asked_again_when_its_customer_is_selected_again() {
    let mut s = state();
    s.go_tab(1);
    s.handle_msg(
        Msg::CustomersPage { slot: 0, result: Ok(page(ProviderKind::Kelviq, &[("k1", "Anna"), ("k2", "Ben")], None)) },
        chrono::Utc::now(),
    );
    s.ensure_loaded(); // Anna's load, then Ben's, then back to Anna within the debounce
    s.handle_action(Action::Down);
    let back = s.handle_action(Action::Up);
    assert!(!back.iter().any(|e| matches!(e, Effect::LoadDetails { .. })), "Anna's load is still pending");
    let again = s.handle_msg(Msg::DetailsDropped { slot: 0, customer_id: "k1".into() }, chrono::Utc::now());
    assert!(
        again
            .iter()
            .any(|e| matches!(e, Effect::LoadDetails { customer_id, prefetch: false, .. } if customer_id == "k1")),
        "{again:?}"
    );
}

/// A yen subscription whose plan is the only one sold in yen: the dialog opened on it and
/// Enter did nothing. Now `u` says there is nothing to change to, and opens nothing.
#[test]
fn u_with_no_other_plan_in_the_currency_says_so_and_opens_nothing() {
    let mut s = with_two_customers();
    let yen = |amount: &str| Money::parse(amount, crate::billing::Currency::JPY).unwrap();
    let pro = Plan {
        provider: ProviderKind::Kelviq,
        id: "pro".into(),
        name: "Pro".into(),
        description: None,
        product: None,
        prices: vec![crate::billing::Price {
            id: Some("pro_jpy".into()),
            kind: crate::billing::PriceKind::Paid,
            period: ChargePeriod::Monthly,
            amount: yen("5900"),
            trial_days: None,
        }],
        features: Vec::new(),
        issues: Vec::new(),
    };
    s.handle_msg(Msg::Plans { slot: 0, result: Ok(vec![pro]) }, chrono::Utc::now());
    let mut sub = subscription_of("k1", "s1");
    (sub.plan_id, sub.plan_name, sub.amount) = (Some("pro".into()), Some("Pro".into()), Some(yen("5900")));
    sub.period = ChargePeriod::Monthly;
    s.handle_msg(Msg::Subscriptions { slot: 0, customer_id: "k1".into(), result: Ok(vec![sub]) }, chrono::Utc::now());
    s.sub_selected = 0;
    s.open_change();
    assert!(s.top().is_none(), "no dialog");
    let notice = s.notice.as_ref().map(|n| n.text.clone()).unwrap_or_default();
    assert_eq!(notice, "No other plan sold in JPY: nothing to change to");
}
