//! Guards for following a provider's pages: a list that does not end (a repeated cursor, a
//! page that adds nothing yet says more follow, or simply too many pages) stops with an error
//! that says so, instead of sending requests forever.

use std::collections::HashSet;
use std::future::Future;
use std::ops::ControlFlow;
use std::task::Poll;

use futures::StreamExt;

use super::{ErrorKind, Page, PageRequest, ProviderError};
use crate::billing::ProviderKind;

/// The most pages any list is followed for: 10,000 pages is a million rows at 100 a page,
/// more than a console or a script lists, and few enough requests to stop in minutes.
pub const MAX_PAGES: usize = 10_000;

fn runaway(provider: ProviderKind, message: String) -> ProviderError {
    ProviderError::new(provider, ErrorKind::Decode, message)
}

/// One page's own check, for callers that fetch one page at a time (the console's "load
/// more"): the next cursor must differ from the one that fetched this page, and a page that
/// says more follow must have rows. `rows` counts what the provider returned, before any
/// local filtering.
pub fn check_page(
    provider: ProviderKind,
    what: &str,
    requested: Option<&str>,
    rows: usize,
    next: Option<&str>,
) -> Result<(), ProviderError> {
    let Some(next) = next else { return Ok(()) };
    if requested == Some(next) {
        return Err(runaway(
            provider,
            format!("{what}: the provider answered cursor {next:?} with the same cursor as the next page; stopped"),
        ));
    }
    if rows == 0 {
        return Err(runaway(
            provider,
            format!("{what}: the provider sent an empty page that says more follow (next cursor {next:?}); stopped"),
        ));
    }
    Ok(())
}

/// Follows a list across pages: every cursor must be new, every page must add rows while more
/// follow, and there are at most [`MAX_PAGES`] pages.
#[derive(Debug)]
pub struct PageGuard {
    provider: ProviderKind,
    what: String,
    seen: HashSet<String>,
    pages: usize,
    max_pages: usize,
}

impl PageGuard {
    pub fn new(provider: ProviderKind, what: impl Into<String>) -> PageGuard {
        PageGuard { provider, what: what.into(), seen: HashSet::new(), pages: 0, max_pages: MAX_PAGES }
    }

    /// The cursor the first page was fetched with, so a later page pointing back at it is
    /// caught as a repeat.
    pub fn starting_at(mut self, cursor: impl Into<String>) -> PageGuard {
        self.seen.insert(cursor.into());
        self
    }

    /// A lower bound, for tests and for lists known to be short.
    pub fn with_max_pages(mut self, max_pages: usize) -> PageGuard {
        self.max_pages = max_pages.max(1);
        self
    }

    /// Records a page of a list the provider filtered locally (a search), where an empty page
    /// may still be followed by matches; only repeats and the page bound are checked here (each
    /// provider checks its raw pages itself, see [`check_page`]).
    pub fn advance_filtered(&mut self, next: Option<String>) -> Result<Option<String>, ProviderError> {
        self.advance(usize::MAX, next)
    }

    /// Records a page of `rows` rows and its next cursor; returns the cursor to fetch next, or
    /// `None` when the list has ended.
    pub fn advance(&mut self, rows: usize, next: Option<String>) -> Result<Option<String>, ProviderError> {
        self.pages += 1;
        let Some(next) = next else { return Ok(None) };
        let what = &self.what;
        if rows == 0 {
            return Err(runaway(
                self.provider,
                format!("{what}: page {} was empty but said more follow (next cursor {next:?}); stopped", self.pages),
            ));
        }
        if !self.seen.insert(next.clone()) {
            return Err(runaway(
                self.provider,
                format!("{what}: the provider repeated cursor {next:?} after {} pages; stopped", self.pages),
            ));
        }
        if self.pages >= self.max_pages {
            return Err(runaway(
                self.provider,
                format!("{what}: the list did not end after {} pages (the most till follows); stopped", self.pages),
            ));
        }
        Ok(Some(next))
    }
}

/// How a list's pages may be read: `window` pages in flight at once where the API numbers its
/// pages (`cursor_at(n)`: the cursor of page `n`, 1-based, in the first page's grid), one after
/// another where only the cursor a page returns leads on (`window` 1, or `cursor_at` `None`).
pub struct Plan<'a> {
    pub provider: ProviderKind,
    pub what: &'a str,
    pub window: usize,
    pub cursor_at: &'a (dyn Fn(u64) -> Option<String> + Sync),
}

/// What [`read_pages`] read: the rows in page order, the cursor after the last page read
/// (`None`: the list ended) and the count the last page reported.
#[derive(Debug)]
pub struct Pages<T> {
    pub items: Vec<T>,
    pub next: Option<String>,
    pub total: Option<u64>,
}

/// Reads a list from `first` until it ends or `max` rows are read, in page order, with the
/// same guards as following it page by page ([`PageGuard`]). When the pages report different
/// counts (the list changed while it was read), rows with the same `key` are kept once (the
/// first); a list whose count held still is returned exactly as its pages listed it.
///
/// Where the API numbers its pages, page 1 tells the count and the page size; the pages that
/// count needs are then fetched up to `window` at once and taken in order. A page is only
/// used where following the list page by page would have asked for it (its number is the
/// cursor the page before it returned), so the rows are the ones sequential reading gives.
/// When a page reports another count than page 1 (customers created or deleted meanwhile), the
/// pages read ahead are dropped and the rest is read one page after another, each fetched after
/// the one before: a row pushed along by creations is then read on a later page, never skipped
/// (it may show twice, which `key` removes); rows created after page 1 was read may be missing.
/// A failing page fails the list, named (`customers, page 7: …`), after the HTTP layer's
/// retries; the pages read ahead of it are dropped.
pub async fn read_pages<T: Send, F, Fut>(
    plan: &Plan<'_>,
    first: PageRequest,
    max: Option<usize>,
    key: impl Fn(&T) -> Option<&str>,
    fetch: F,
) -> Result<Pages<T>, ProviderError>
where
    F: Fn(PageRequest) -> Fut,
    Fut: Future<Output = Result<Page<T>, ProviderError>>,
{
    let mut items = Vec::new();
    let mut keep = |rows: Vec<T>, _changed: bool| {
        items.extend(rows);
        ControlFlow::Continue(())
    };
    let tail = stream_pages(plan, first, max, fetch, &mut keep).await?;
    // Only a list that changed while it was read can list a row twice; merging costs a set
    // of every id, so a list whose count held still is left as read.
    if tail.changed {
        once_each(&mut items, key);
    }
    Ok(Pages { items, next: tail.next, total: tail.total })
}

/// Where [`stream_pages`] ended: the cursor after the last page read (`None`: the list ended
/// or the sink stopped), the count the last page reported, whether the pages reported more
/// than one count (the list changed while it was read) and whether the sink stopped it.
#[derive(Debug)]
pub struct Tail {
    pub next: Option<String>,
    pub total: Option<u64>,
    pub changed: bool,
    pub stopped: bool,
}

/// [`read_pages`] handing each page's rows to `sink` as soon as the page is taken, in page
/// order, instead of keeping them: a caller prints a long list while it is still being read.
/// `sink` also hears whether the list has changed so far (repeats are its business then, see
/// [`Repeats`]); it returns `Break` to stop reading (its reader went away).
///
/// Rows may be handed over undecoded (`T` a provider's raw row): the next page is asked for
/// before `sink` runs, so decoding and printing one page overlaps with fetching the next, also
/// where only the cursor a page returns leads on.
pub async fn stream_pages<T: Send, F, Fut>(
    plan: &Plan<'_>,
    first: PageRequest,
    max: Option<usize>,
    fetch: F,
    sink: &mut (dyn FnMut(Vec<T>, bool) -> ControlFlow<()> + Send),
) -> Result<Tail, ProviderError>
where
    F: Fn(PageRequest) -> Fut,
    Fut: Future<Output = Result<Page<T>, ProviderError>>,
{
    let mut reader = Reader {
        plan,
        guard: PageGuard::new(plan.provider, plan.what),
        counts: HashSet::new(),
        number: 0,
        rows: 0,
        tail: Tail { next: None, total: None, changed: false, stopped: false },
    };
    let page = fetch(first.clone()).await.map_err(|e| reader.named(e))?;
    let size = page.items.len();
    let (mut next, rows) = reader.take(page, max)?;
    let total = reader.tail.total;
    if let (true, Some(total), Some(_)) = (plan.window > 1 && size > 0, total, &next) {
        if reader.hand(sink, rows).is_break() {
            return Ok(reader.stopped());
        }
        next = reader.ahead((&first, &fetch), (total, size), max, next, sink).await?;
        if reader.tail.stopped {
            return Ok(reader.stopped());
        }
        return reader.one_by_one(&first, &fetch, max, next, Vec::new(), sink).await;
    }
    reader.one_by_one(&first, &fetch, max, next, rows, sink).await
}

/// Keeps the first of the rows with the same key.
fn once_each<T>(items: &mut Vec<T>, key: impl Fn(&T) -> Option<&str>) {
    let mut seen = HashSet::new();
    let keep: Vec<bool> = items.iter().map(|item| key(item).is_none_or(|k| seen.insert(k))).collect();
    drop(seen);
    let mut keep = keep.into_iter();
    items.retain(|_| keep.next().unwrap_or(true));
}

/// The rows a streamed list already handed over, for keeping only the first of each key once
/// the list turns out to have changed ([`Tail::changed`]). While the list holds still each key
/// is only remembered, in one growing text (a string per row was an allocation per row of a
/// list of a million); the set is built at the first change.
#[derive(Debug, Default)]
pub struct Repeats {
    seen: String,
    /// Where each remembered key ends in `seen`.
    ends: Vec<usize>,
    set: Option<HashSet<String>>,
}

impl Repeats {
    /// Whether to hand over a row with `key`. A row without a key is always kept (it cannot
    /// be matched).
    pub fn first_time(&mut self, key: Option<&str>, changed: bool) -> bool {
        let Some(key) = key else { return true };
        if changed && self.set.is_none() {
            let mut start = 0;
            let set = self.ends.iter().map(|&end| self.seen[std::mem::replace(&mut start, end)..end].to_string());
            self.set = Some(set.collect());
            (self.seen, self.ends) = (String::new(), Vec::new());
        }
        match &mut self.set {
            Some(set) => set.insert(key.to_string()),
            None => {
                self.seen.push_str(key);
                self.ends.push(self.seen.len());
                true
            }
        }
    }
}

struct Reader<'a, 'b> {
    plan: &'b Plan<'a>,
    guard: PageGuard,
    /// Every count the pages reported: more than one, and the list changed while read.
    counts: HashSet<Option<u64>>,
    /// Pages taken so far; the one being fetched or taken is `number + 1`.
    number: u64,
    /// Rows taken so far.
    rows: usize,
    tail: Tail,
}

impl Reader<'_, '_> {
    fn named(&self, mut e: ProviderError) -> ProviderError {
        if self.number > 0 {
            e.message = format!("{}, page {}: {}", self.plan.what, self.number + 1, e.message);
        }
        e
    }

    fn stopped(self) -> Tail {
        Tail { next: None, stopped: true, ..self.tail }
    }

    fn hand<T>(
        &mut self,
        sink: &mut (dyn FnMut(Vec<T>, bool) -> ControlFlow<()> + Send),
        rows: Vec<T>,
    ) -> ControlFlow<()> {
        if rows.is_empty() {
            return ControlFlow::Continue(());
        }
        let flow = sink(rows, self.tail.changed);
        self.tail.stopped = flow.is_break();
        flow
    }

    /// Takes the next page in order; returns the cursor to read next (`None` at the end or
    /// once `max` rows are read, then `tail.next` keeps the page's own next cursor) and the
    /// page's rows, not yet handed over.
    fn take<T>(&mut self, page: Page<T>, max: Option<usize>) -> Result<(Option<String>, Vec<T>), ProviderError> {
        self.number += 1;
        self.tail.total = page.total;
        self.counts.insert(page.total);
        self.tail.changed = self.counts.len() > 1;
        self.rows += page.items.len();
        if max.is_some_and(|m| self.rows >= m) {
            self.tail.next = page.next_cursor;
            return Ok((None, page.items));
        }
        self.tail.next = self.guard.advance_filtered(page.next_cursor)?;
        Ok((self.tail.next.clone(), page.items))
    }

    /// Page after page, each asked for once the one before named it; the page before's rows
    /// (`rows`) are handed over while the next one is on its way.
    async fn one_by_one<T, F, Fut>(
        mut self,
        first: &PageRequest,
        fetch: &F,
        max: Option<usize>,
        mut next: Option<String>,
        mut rows: Vec<T>,
        sink: &mut (dyn FnMut(Vec<T>, bool) -> ControlFlow<()> + Send),
    ) -> Result<Tail, ProviderError>
    where
        F: Fn(PageRequest) -> Fut,
        Fut: Future<Output = Result<Page<T>, ProviderError>>,
    {
        while let Some(cursor) = next {
            let mut coming = std::pin::pin!(fetch(PageRequest { cursor: Some(cursor), ..first.clone() }));
            // One poll sends the request; the rows before it are handled while it travels.
            let early = futures::poll!(coming.as_mut());
            // The poll only queued the request for the connection's task, which runs on this
            // thread once this task yields: yielding now sends it before the rows are handed
            // over (which wakes the printer's thread), not after.
            if early.is_pending() {
                tokio::task::yield_now().await;
            }
            if self.hand(sink, std::mem::take(&mut rows)).is_break() {
                return Ok(self.stopped());
            }
            let page = match early {
                Poll::Ready(page) => page,
                Poll::Pending => coming.await,
            };
            let page = page.map_err(|e| self.named(e))?;
            (next, rows) = self.take(page, max)?;
        }
        if self.hand(sink, rows).is_break() {
            return Ok(self.stopped());
        }
        Ok(self.tail)
    }

    /// The numbered pages after page 1, up to `window` in flight; returns where sequential
    /// reading goes on (the list's next cursor), `None` when the list was read to its end.
    async fn ahead<T, F, Fut>(
        &mut self,
        (first, fetch): (&PageRequest, &F),
        (total, size): (u64, usize),
        max: Option<usize>,
        mut next: Option<String>,
        sink: &mut (dyn FnMut(Vec<T>, bool) -> ControlFlow<()> + Send),
    ) -> Result<Option<String>, ProviderError>
    where
        F: Fn(PageRequest) -> Fut,
        Fut: Future<Output = Result<Page<T>, ProviderError>>,
    {
        let rows = max.map_or(total, |m| total.min(m as u64));
        let planned = rows.div_ceil(size as u64).min(MAX_PAGES as u64);
        let mut in_flight = futures::stream::FuturesOrdered::new();
        let mut scheduled = 1u64;
        while let Some(cursor) = next.clone() {
            while in_flight.len() < self.plan.window && scheduled < planned {
                let Some(c) = (self.plan.cursor_at)(scheduled + 1) else { break };
                scheduled += 1;
                in_flight.push_back(fetch(PageRequest { cursor: Some(c), ..first.clone() }));
            }
            // Only the page the list itself leads to is taken; anything else goes one by one.
            if (self.plan.cursor_at)(self.number + 1).as_deref() != Some(cursor.as_str()) {
                break;
            }
            let Some(page) = in_flight.next().await else { break };
            let page = page.map_err(|e| self.named(e))?;
            let changed = page.total != Some(total);
            let rows;
            (next, rows) = self.take(page, max)?;
            if self.hand(sink, rows).is_break() {
                return Ok(None);
            }
            if changed {
                break;
            }
        }
        Ok(next)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const P: ProviderKind = ProviderKind::Flowglad;

    #[test]
    fn a_repeated_cursor_stops_with_an_error_naming_it() {
        let mut g = PageGuard::new(P, "customers");
        assert_eq!(g.advance(10, Some("a".into())).unwrap().as_deref(), Some("a"));
        assert_eq!(g.advance(10, Some("b".into())).unwrap().as_deref(), Some("b"));
        let err = g.advance(10, Some("a".into())).unwrap_err();
        assert!(err.message.contains("repeated cursor \"a\" after 3 pages"), "{}", err.message);
    }

    #[test]
    fn an_empty_page_that_says_more_follow_stops() {
        let err = PageGuard::new(P, "plans").advance(0, Some("x".into())).unwrap_err();
        assert!(err.message.contains("empty"), "{}", err.message);
        assert_eq!(PageGuard::new(P, "plans").advance(0, None).unwrap(), None);
    }

    #[test]
    fn repeats_are_dropped_only_once_the_list_changed_and_against_every_row_before() {
        let mut r = Repeats::default();
        let key = Some;
        assert!(r.first_time(key("ab"), false));
        assert!(r.first_time(key("a"), false));
        assert!(r.first_time(key("a"), false), "a list that held still is left as read");
        assert!(r.first_time(key("b"), false));
        assert!(!r.first_time(key("b"), true), "b was handed over before the change");
        assert!(!r.first_time(key("a"), true));
        assert!(r.first_time(key("c"), true));
        assert!(!r.first_time(key("c"), true));
        assert!(!r.first_time(key("ab"), true) && r.first_time(key("abc"), true), "each key is whole");
        assert!(r.first_time(None, true) && r.first_time(None, true), "rows without a key are kept");
    }

    #[test]
    fn pages_are_bounded() {
        let mut g = PageGuard::new(P, "customers").with_max_pages(3);
        g.advance(1, Some("1".into())).unwrap();
        g.advance(1, Some("2".into())).unwrap();
        let err = g.advance(1, Some("3".into())).unwrap_err();
        assert!(err.message.contains("did not end after 3 pages"), "{}", err.message);
    }

    #[test]
    fn one_page_check_catches_the_same_cursor_and_empty_pages() {
        assert!(check_page(P, "customers", Some("c"), 5, Some("d")).is_ok());
        assert!(check_page(P, "customers", Some("c"), 0, None).is_ok());
        assert!(check_page(P, "customers", Some("c"), 5, Some("c")).is_err());
        assert!(check_page(P, "customers", None, 0, Some("c")).is_err());
    }
}
