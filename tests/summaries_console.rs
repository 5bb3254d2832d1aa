//! Issue 17, bulk reads first: the customer list's summary column is filled from each
//! provider's listing of every customer's subscriptions, not one request per visible customer.
//! Requests are counted by endpoint in the sandbox's own capture.

#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a panic is the failure report

mod support;

use std::collections::{BTreeMap, BTreeSet};

use crossterm::event::KeyCode;
use support::console::{Console, console_with};
use till::billing::ProviderKind;
use till::sandbox::SandboxOptions;
use till::tui::state::Mode;

/// What a captured request was for: a provider's listing of every customer's subscriptions,
/// or one customer's subscriptions (the read the summary column used to make per row).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
enum Read {
    Listing(ProviderKind),
    OneCustomer(ProviderKind),
    /// The subscriptions of up to 100 named customers (Zenskar `customer_id__in`).
    Batch(ProviderKind),
}

fn classify(path: &str) -> Option<Read> {
    let (route, query) = path.split_once('?').unwrap_or((path, ""));
    if route == "/zenskar/contract_v2" && query.split('&').any(|p| p.starts_with("customer_id__in=")) {
        return Some(Read::Batch(ProviderKind::Zenskar));
    }
    let filtered = query.split('&').any(|p| p.starts_with("customer_id=") || p.starts_with("customer_"));
    match route {
        "/kelviq/api/v1/subscriptions/" if filtered => Some(Read::OneCustomer(ProviderKind::Kelviq)),
        "/kelviq/api/v1/subscriptions/" => Some(Read::Listing(ProviderKind::Kelviq)),
        "/flowglad/api/v1/subscriptions" => Some(Read::Listing(ProviderKind::Flowglad)),
        r if r.starts_with("/flowglad/api/v1/customers/") && r.ends_with("/billing") => {
            Some(Read::OneCustomer(ProviderKind::Flowglad))
        }
        "/zenskar/contract_v2" if filtered => Some(Read::OneCustomer(ProviderKind::Zenskar)),
        "/zenskar/contract_v2" => Some(Read::Listing(ProviderKind::Zenskar)),
        "/kuvarpay/api/v1/subscriptions" if filtered => Some(Read::OneCustomer(ProviderKind::KuvarPay)),
        _ => None,
    }
}

/// Requests by endpoint, leaving out the test's own reads (`skip`: ranges of the capture).
fn counts(c: &Console, skip: &[std::ops::Range<usize>]) -> BTreeMap<Read, usize> {
    let mut out = BTreeMap::new();
    for (i, ex) in c.sandbox.captured().iter().enumerate() {
        if skip.iter().any(|r| r.contains(&i)) {
            continue;
        }
        if let Some(r) = classify(&ex.path) {
            *out.entry(r).or_default() += 1;
        }
    }
    out
}

/// The customer rows the console has loaded, per provider.
fn loaded(c: &Console, kind: ProviderKind) -> usize {
    c.app.state.slots.iter().find(|s| s.kind == kind).map_or(0, |s| s.customers.rows.len())
}

/// Every visible row's summary equals what the provider says for that customer alone. Returns
/// the capture's range of those reads, which are the test's, not the console's.
async fn summaries_match_single_reads(c: &Console) -> std::ops::Range<usize> {
    let start = c.sandbox.captured().len();
    let state = &c.app.state;
    let view = &state.views[state.tab];
    let height = state.page_height(till::tui::state::Pane::Customers);
    let mut checked = 0;
    for i in view.offset..view.offset + height {
        let Some(r) = state.row_at(i) else { continue };
        let customer = state.customer(r).unwrap();
        let slot = &state.slots[r.slot as usize];
        let shown = state.details.get(&(r.slot, customer.id.to_string())).and_then(|d| d.subscriptions.value.clone());
        let shown = shown.unwrap_or_else(|| panic!("no summary for visible {} {}", slot.kind, customer.id));
        let alone = slot.provider.list_subscriptions(customer.id).await.unwrap();
        let ids = |v: &[till::billing::Subscription]| v.iter().map(|s| s.id.clone()).collect::<BTreeSet<_>>();
        assert_eq!(ids(&shown), ids(&alone), "{} {}: listing vs single read", slot.kind, customer.id);
        let statuses = |v: &[till::billing::Subscription]| v.iter().map(|s| s.status).collect::<Vec<_>>();
        let mut a = statuses(&shown);
        let mut b = statuses(&alone);
        a.sort_by_key(|s| format!("{s:?}"));
        b.sort_by_key(|s| format!("{s:?}"));
        assert_eq!(a, b, "{} {}: statuses", slot.kind, customer.id);
        checked += 1;
    }
    assert!(checked > 10, "checked {checked} rows");
    start..c.sandbox.captured().len()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn opening_the_all_tab_and_scrolling_1000_rows_reads_listings_not_one_customer_each() {
    let options = SandboxOptions { capture: true, extra_customers: 300, ..Default::default() };
    let mut c = console_with(Mode::Sandbox, false, options).await;
    let opened = counts(&c, &[]);
    // One selected customer (Kelviq's first) is read alone for the panes, and the two after it
    // are read ahead (tests/read_ahead.rs); no row is read alone for the column.
    let alone: usize = opened.iter().filter(|(r, _)| matches!(r, Read::OneCustomer(_))).map(|(_, n)| n).sum();
    assert!(alone <= 3, "opening: {opened:?}");
    let kelviq_pages = opened.get(&Read::Listing(ProviderKind::Kelviq)).copied().unwrap_or(0);
    assert!(kelviq_pages >= 1 && kelviq_pages <= loaded(&c, ProviderKind::Kelviq).div_ceil(100) + 2, "{opened:?}");
    let first_check = summaries_match_single_reads(&c).await;

    // Page down until 1,000 rows have been on screen.
    let mut presses = 0;
    while c.app.state.views[c.app.state.tab].offset < 1000 {
        c.key(KeyCode::PageDown).await;
        presses += 1;
        assert!(presses < 200, "stuck at row {}", c.app.state.views[c.app.state.tab].selected);
    }
    // Past a thousand loaded rows both counts of the title are grouped ("1,264 of 1,264",
    // never "1264 of 1,264").
    let screen = c.screen();
    let title = screen.lines().find(|l| l.contains("Customers · ")).unwrap();
    let longest_digits = title.split(|ch: char| !ch.is_ascii_digit()).map(str::len).max().unwrap_or(0);
    assert!(c.app.state.row_count() >= 1000 && longest_digits <= 3, "{title}");
    let scrolled = counts(&c, &[first_check]);
    summaries_match_single_reads(&c).await;
    for kind in [ProviderKind::Kelviq, ProviderKind::Flowglad, ProviderKind::Zenskar] {
        let pages = scrolled.get(&Read::Listing(kind)).copied().unwrap_or(0)
            + scrolled.get(&Read::Batch(kind)).copied().unwrap_or(0);
        let customers = loaded(&c, kind);
        assert!(customers > 300, "{kind}: {customers} loaded");
        assert!(pages <= customers.div_ceil(100) + 2, "{kind}: {pages} listing pages for {customers} customers");
        // Reads of one customer are the selected customer's panes and its three neighbours read
        // ahead: four per page down at most.
        let alone = scrolled.get(&Read::OneCustomer(kind)).copied().unwrap_or(0);
        assert!(alone <= 4 * (presses + 1), "{kind}: {alone} single reads over {presses} page-downs: {scrolled:?}");
    }
    eprintln!("requests by endpoint after {presses} page-downs: {scrolled:?}");

    // The Zenskar tab (its rows lie past row 1,000 of All): read in batches of the loaded
    // customers (`customer_id__in`), never through the whole account's listing.
    c.text("5").await;
    for _ in 0..4 {
        c.key(KeyCode::PageDown).await;
    }
    let checks = summaries_match_single_reads(&c).await;
    let zenskar = counts(&c, &[checks]);
    let batches = zenskar.get(&Read::Batch(ProviderKind::Zenskar)).copied().unwrap_or(0);
    assert!(batches >= 1 && batches <= loaded(&c, ProviderKind::Zenskar).div_ceil(100) + 1, "{zenskar:?}");
    assert_eq!(zenskar.get(&Read::Listing(ProviderKind::Zenskar)), None, "{zenskar:?}");
    // The selected customer and three neighbours read ahead, per stop: 5 stops.
    assert!(zenskar.get(&Read::OneCustomer(ProviderKind::Zenskar)).copied().unwrap_or(0) <= 20, "{zenskar:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_write_updates_the_summary_and_the_older_listing_never_overwrites_it() {
    let mut c = console_with(Mode::Sandbox, false, SandboxOptions { capture: true, ..Default::default() }).await;
    let sub = c
        .select(ProviderKind::Kelviq, "cus_wisniewski", |s| {
            s.plan_name.as_deref() == Some("Business") && s.status.is_live()
        })
        .await;
    let slot = c.app.state.slots.iter().position(|s| s.kind == ProviderKind::Kelviq).unwrap() as u8;
    // The listing answered for this customer before the write.
    assert!(c.sandbox.captured().iter().any(|e| classify(&e.path) == Some(Read::Listing(ProviderKind::Kelviq))));
    c.key(KeyCode::Char('x')).await; // cancel, immediately (the first timing)
    c.key(KeyCode::Enter).await;
    c.confirm_twice().await;
    c.wait_for_step(till::tui::state::change::Step::Done).await;
    c.key(KeyCode::Enter).await;
    let summary = |c: &Console| {
        c.app.state.details.get(&(slot, "cus_wisniewski".to_string())).and_then(|d| d.subscriptions.value.clone())
    };
    let after = summary(&c).unwrap();
    let now = after.iter().find(|s| s.id == sub.id).map(|s| s.status);
    assert!(now.is_none_or(|s| !s.is_live()), "the cancelled subscription is not live in the summary: {after:?}");
    // Away and back, and a refilled screen: still the customer's own, newer read.
    c.app.state.focus = till::tui::state::Pane::Customers;
    for key in [KeyCode::Char('j'), KeyCode::Char('j'), KeyCode::Char('k'), KeyCode::Char('k')] {
        c.key(key).await;
    }
    let again = summary(&c).unwrap();
    assert!(
        again.iter().find(|s| s.id == sub.id).is_none_or(|s| !s.status.is_live()),
        "the listing's older answer came back: {again:?}"
    );
}

/// Issue 17, a million customers: the summaries a long scroll fills from the listing are not
/// all kept (a `G` over a million rows kept one per window passed, about 270,000 entries);
/// rows scrolled back into view are filled again from the listing, with no request.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_long_scroll_keeps_only_the_summaries_near_the_screen() {
    let options = SandboxOptions { capture: true, extra_customers: 3_000, ..Default::default() };
    let mut c = console_with(Mode::Sandbox, false, options).await;
    c.text("2").await;
    let mut presses = 0;
    while c.app.state.views[c.app.state.tab].offset < 2_000 {
        c.key(KeyCode::PageDown).await;
        presses += 1;
        assert!(presses < 400, "stuck at row {}", c.app.state.views[c.app.state.tab].selected);
    }
    let kelviq = |c: &Console| c.app.state.details.keys().filter(|(slot, _)| *slot == 0).count();
    let kept = kelviq(&c);
    assert!(kept <= till::tui::state::summaries::FILLED_KEEP + 100, "{kept} details kept after 2,000 rows");
    summaries_match_single_reads(&c).await;

    // Back to the top: every visible row is filled again, from the listing already read.
    let before = c.sandbox.captured().len();
    c.key(KeyCode::Char('g')).await;
    let state = &c.app.state;
    let height = state.page_height(till::tui::state::Pane::Customers);
    for i in 0..height {
        let Some(r) = state.row_at(i) else { continue };
        let id = state.customer(r).unwrap().id.to_string();
        assert!(state.details.get(&(r.slot, id.clone())).is_some_and(|d| d.subscriptions.value.is_some()), "{id}");
    }
    let listing_reads =
        c.sandbox.captured()[before..].iter().filter(|ex| matches!(classify(&ex.path), Some(Read::Listing(_)))).count();
    assert_eq!(listing_reads, 0, "the listing is not read again");
}
