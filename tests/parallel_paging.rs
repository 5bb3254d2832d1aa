//! Reading a list's pages in parallel (`paging::read_pages`): the rows come out in page order,
//! without gaps or repeats, exactly as reading page by page gives them; a failing page fails the
//! list with its number; the guards against lists that do not end still hold; pages read ahead
//! of the end are dropped; and a list that changes while it is read keeps every row that was
//! there. Against an in-memory list (exact control over timing and answers) and against the
//! sandbox's Kelviq, which numbers its pages.

#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a panic is the failure report

mod support;

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use till::billing::{NewCustomer, ProviderKind};
use till::ops::customers;
use till::providers::paging::{Pages, Plan, read_pages};
use till::providers::{self, BillingProvider, ErrorKind, Http, HttpConfig, Page, PageRequest, ProviderError};
use till::sandbox::{SandboxOptions, start};

const K: ProviderKind = ProviderKind::Kelviq;

/// An in-memory list numbered like Kelviq (`"page:size"` cursors), whose pages answer after a
/// delay that varies by page so they complete out of order.
#[derive(Default)]
struct Fake {
    rows: usize,
    size: usize,
    /// A page that fails (its number).
    failing: Option<u64>,
    /// The count page N and later report (the list "changed" there).
    changed_at: Option<(u64, usize)>,
    /// Page N says it is the last.
    ends_at: Option<u64>,
    /// Page N links to page M instead of N + 1.
    links: Option<(u64, u64)>,
    in_flight: AtomicUsize,
    most_in_flight: AtomicUsize,
    /// (page, started: true / finished: false) in event order.
    events: Mutex<Vec<(u64, bool)>>,
}

impl Fake {
    fn new(rows: usize, size: usize) -> Fake {
        Fake { rows, size, ..Fake::default() }
    }

    fn count_for(&self, number: u64) -> usize {
        match self.changed_at {
            Some((at, count)) if number >= at => count,
            _ => self.rows,
        }
    }

    async fn page(&self, request: PageRequest) -> Result<Page<usize>, ProviderError> {
        let number: u64 = request.cursor.as_deref().map_or(1, |c| c.split(':').next().unwrap().parse().unwrap());
        let now = self.in_flight.fetch_add(1, Ordering::SeqCst) + 1;
        let _leaving = InFlight(&self.in_flight);
        self.most_in_flight.fetch_max(now, Ordering::SeqCst);
        self.events.lock().unwrap().push((number, true));
        // Later pages of each window answer first.
        tokio::time::sleep(Duration::from_millis(40 - (number % 7) * 5)).await;
        self.events.lock().unwrap().push((number, false));
        if self.failing == Some(number) {
            return Err(ProviderError::new(K, ErrorKind::Http, "503 after 3 attempts"));
        }
        let count = self.count_for(number);
        let start = (number as usize - 1) * self.size;
        let items: Vec<usize> = (start..(start + self.size).min(count)).collect();
        let last = self.ends_at == Some(number) || start + self.size >= count;
        let next = match self.links {
            Some((from, to)) if from == number => Some(to),
            _ => (!last).then_some(number + 1),
        };
        Ok(Page { items, next_cursor: next.map(|n| format!("{n}:{}", self.size)), total: Some(count as u64) })
    }

    fn started(&self) -> Vec<u64> {
        self.events.lock().unwrap().iter().filter(|(_, s)| *s).map(|(n, _)| *n).collect()
    }
}

/// Counts a page out when its future ends, finished or dropped.
struct InFlight<'a>(&'a AtomicUsize);

impl Drop for InFlight<'_> {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::SeqCst);
    }
}

fn numbered(n: u64) -> Option<String> {
    Some(format!("{n}:10"))
}

fn by_cursor(_: u64) -> Option<String> {
    None
}

fn no_key(_: &usize) -> Option<&str> {
    None
}

async fn read(fake: &Fake, window: usize, max: Option<usize>) -> Result<Pages<usize>, ProviderError> {
    read_with(fake, window, max, &numbered).await
}

async fn read_with(
    fake: &Fake,
    window: usize,
    max: Option<usize>,
    cursor_at: &(dyn Fn(u64) -> Option<String> + Sync),
) -> Result<Pages<usize>, ProviderError> {
    let plan = Plan { provider: K, what: "customers", window, cursor_at };
    read_pages(&plan, PageRequest::first(10), max, no_key, |r| fake.page(r)).await
}

#[tokio::test(start_paused = true)]
async fn pages_come_out_in_order_without_gaps_for_every_length() {
    for rows in [0, 1, 9, 10, 11, 59, 60, 61, 257] {
        let fake = Fake::new(rows, 10);
        let pages = read(&fake, 4, None).await.unwrap();
        assert_eq!(pages.items, (0..rows).collect::<Vec<_>>(), "{rows} rows");
        assert_eq!(pages.next, None);
        assert!(fake.most_in_flight.load(Ordering::SeqCst) <= 4, "never more than the window");
        let mut started = fake.started();
        started.sort_unstable();
        started.dedup();
        assert_eq!(started.len(), rows.div_ceil(10).max(1), "{rows} rows: each page once, none past the end");
    }
}

#[tokio::test(start_paused = true)]
async fn the_window_is_used_and_bounded() {
    let fake = Fake::new(300, 10);
    read(&fake, 6, None).await.unwrap();
    assert_eq!(fake.most_in_flight.load(Ordering::SeqCst), 6);
    let fake = Fake::new(300, 10);
    read(&fake, 1, None).await.unwrap();
    assert_eq!(fake.most_in_flight.load(Ordering::SeqCst), 1, "window 1 is page after page");
    let fake = Fake::new(300, 10);
    read_with(&fake, 6, None, &by_cursor).await.unwrap();
    assert_eq!(fake.most_in_flight.load(Ordering::SeqCst), 1, "a cursor API is followed page after page");
}

#[tokio::test(start_paused = true)]
async fn a_limit_reads_only_the_pages_it_needs_and_keeps_the_next_cursor() {
    let fake = Fake::new(300, 10);
    let pages = read(&fake, 4, Some(35)).await.unwrap();
    assert_eq!(pages.items, (0..40).collect::<Vec<_>>(), "whole pages; the caller cuts");
    assert_eq!(pages.next.as_deref(), Some("5:10"));
    assert_eq!(pages.total, Some(300));
    assert_eq!(fake.started().iter().max(), Some(&4));
}

#[tokio::test(start_paused = true)]
async fn a_failing_page_fails_the_list_naming_the_page() {
    let fake = Fake { failing: Some(7), ..Fake::new(200, 10) };
    let err = read(&fake, 4, None).await.unwrap_err();
    assert!(err.message.contains("customers, page 7: 503 after 3 attempts"), "{}", err.message);
    let fake = Fake { failing: Some(1), ..Fake::new(200, 10) };
    let err = read(&fake, 4, None).await.unwrap_err();
    assert_eq!(err.message, "503 after 3 attempts", "a one-page failure is the provider's own");
}

#[tokio::test(start_paused = true)]
async fn a_list_that_ends_early_stops_there_and_drops_the_pages_read_ahead() {
    let fake = Fake { ends_at: Some(3), ..Fake::new(200, 10) };
    let pages = read(&fake, 6, None).await.unwrap();
    assert_eq!(pages.items, (0..30).collect::<Vec<_>>());
    assert_eq!(pages.next, None);
    assert_eq!(fake.in_flight.load(Ordering::SeqCst), 0, "pages read ahead were cancelled, not left running");
    assert!(fake.started().iter().all(|n| *n <= 7), "no page scheduled past the window: {:?}", fake.started());
}

#[tokio::test(start_paused = true)]
async fn runaway_links_stop_with_an_error_as_they_do_page_by_page() {
    // A link back to page 2 from page 4: the repeat is caught, in parallel as sequentially.
    for window in [1, 4] {
        let fake = Fake { links: Some((4, 2)), ..Fake::new(200, 10) };
        let err = read(&fake, window, None).await.unwrap_err();
        assert!(err.message.contains("repeated cursor \"2:10\""), "window {window}: {}", err.message);
    }
}

#[tokio::test(start_paused = true)]
async fn a_link_that_skips_pages_is_followed_one_by_one() {
    // Page 2 links to page 5: the pages 3 and 4 read ahead are not used.
    let fake = Fake { links: Some((2, 5)), ..Fake::new(100, 10) };
    let pages = read(&fake, 4, None).await.unwrap();
    let expected: Vec<usize> = (0..20).chain(40..100).collect();
    assert_eq!(pages.items, expected);
}

#[tokio::test(start_paused = true)]
async fn a_list_whose_count_changes_is_read_on_page_by_page_from_there() {
    // Page 3 and later see 250 rows (50 created). From page 3 on, each page is fetched after
    // the one before it has arrived.
    let fake = Fake { changed_at: Some((3, 250)), ..Fake::new(200, 10) };
    let pages = read(&fake, 4, None).await.unwrap();
    assert_eq!(pages.items, (0..250).collect::<Vec<_>>());
    let events = fake.events.lock().unwrap().clone();
    let finished_3 = events.iter().position(|e| *e == (3, false)).unwrap();
    let mut last_finished = finished_3;
    for n in 4..=25u64 {
        let started = events.iter().rposition(|e| *e == (n, true)).unwrap();
        assert!(started > last_finished, "page {n} was fetched before the page before it arrived: {events:?}");
        last_finished = events.iter().rposition(|e| *e == (n, false)).unwrap();
    }
}

// --- against the sandbox's Kelviq -------------------------------------------------------------

fn kelviq(sandbox: &till::sandbox::SandboxHandle) -> Arc<dyn BillingProvider> {
    providers::connect(K, sandbox.endpoint(K), Http::new(HttpConfig::default()).unwrap()).unwrap()
}

#[tokio::test]
async fn the_parallel_list_is_byte_identical_to_the_sequential_one() {
    // 66 seeded customers plus these: 1 page, exactly 1 and 2 full pages, 2 pages and 1 row, 13.
    for extra in [0, 34, 134, 135, 1234] {
        let sandbox = start(SandboxOptions { extra_customers: extra, ..SandboxOptions::default() }).await.unwrap();
        let p = kelviq(&sandbox);
        assert!(p.page_window() > 1, "loopback is unlimited, so pages go in parallel");
        let all = support::lists::page_by_page(p.as_ref()).await;
        let expected = serde_json::to_string(&all).unwrap();
        let listed = customers::list(p.as_ref(), None).await.unwrap();
        assert_eq!(listed.more, customers::More::None);
        assert_eq!(listed.customers.len(), 66 + extra);
        assert_eq!(serde_json::to_string(&listed.customers).unwrap(), expected, "{extra} extra customers");
        let cut = customers::list(p.as_ref(), Some(250)).await.unwrap();
        assert_eq!(cut.customers[..], all[..250.min(all.len())]);
        // Handed over page by page, the same customers and the same "more".
        for limit in [None, Some(250), Some(30)] {
            let mut streamed = Vec::new();
            let more = streamed_list(p.as_ref(), limit, &mut |page| {
                streamed.extend(page);
                std::ops::ControlFlow::Continue(())
            })
            .await
            .unwrap();
            let listed = customers::list(p.as_ref(), limit).await.unwrap();
            assert_eq!((streamed, more), (listed.customers, listed.more), "{extra} extra, limit {limit:?}");
        }
    }
}

/// The customers of a list handed over page by page as `customers list --json` reads them
/// (`list_rows` + `PageDecoder`, decoded here rather than on a printer thread), and how many
/// more there are beyond `limit`.
async fn streamed_list(
    p: &dyn BillingProvider,
    limit: Option<u32>,
    emit: &mut (dyn FnMut(Vec<till::billing::Customer>) -> std::ops::ControlFlow<()> + Send),
) -> till::ops::Result<customers::More> {
    let mut decoder = customers::PageDecoder::new(limit);
    let tail = customers::list_rows(p, limit, &mut |rows, changed| {
        let page = decoder.page(p, rows, changed);
        if page.is_empty() { std::ops::ControlFlow::Continue(()) } else { emit(page) }
    })
    .await?;
    Ok(decoder.more(&tail))
}

#[tokio::test]
async fn customers_created_while_listing_leave_no_one_out_and_no_one_twice() {
    created_while_listing(false).await;
}

/// The same while each page is handed over as it arrives (`customers list --json`): a
/// customer pushed onto a later page after the list changed is not handed over again.
#[tokio::test]
async fn customers_created_while_streaming_the_list_leave_no_one_out_and_no_one_twice() {
    created_while_listing(true).await;
}

async fn created_while_listing(streamed: bool) {
    let options =
        SandboxOptions { extra_customers: 1500, latency: Duration::from_millis(5), ..SandboxOptions::default() };
    let sandbox = start(options).await.unwrap();
    let p = kelviq(&sandbox);
    let before = support::lists::page_by_page(p.as_ref()).await;
    let writer = kelviq(&sandbox);
    let creating = tokio::spawn(async move {
        for i in 0..60 {
            let new = NewCustomer {
                id: format!("during_{i:03}"),
                name: Some(format!("Created During {i}")),
                email: None,
                metadata: Default::default(),
            };
            writer.create_customer(&new).await.unwrap();
            tokio::time::sleep(Duration::from_millis(2)).await;
        }
    });
    let listed = if streamed {
        let mut pages = Vec::new();
        let more = streamed_list(p.as_ref(), None, &mut |page| {
            pages.extend(page);
            std::ops::ControlFlow::Continue(())
        })
        .await
        .unwrap();
        assert_eq!(more, customers::More::None, "read to its end: nothing was cut");
        pages
    } else {
        let listed = customers::list(p.as_ref(), None).await.unwrap();
        // Was `Count(n)` for the n created meanwhile: `--all` then said "n more not shown".
        assert_eq!(listed.more, customers::More::None, "read to its end: nothing was cut");
        listed.customers
    };
    creating.await.unwrap();
    let ids: Vec<&str> = listed.iter().map(|c| c.id.as_str()).collect();
    let unique: std::collections::HashSet<&str> = ids.iter().copied().collect();
    assert_eq!(unique.len(), ids.len(), "a customer pushed across a page boundary is listed once");
    for c in &before {
        assert!(unique.contains(c.id.as_str()), "{} existed before the listing and is missing", c.id);
    }
    let created = ids.iter().filter(|id| id.starts_with("during_")).count();
    assert!(
        ids.len() == before.len() + created,
        "{} listed, {} before, {created} created seen",
        ids.len(),
        before.len()
    );
}
