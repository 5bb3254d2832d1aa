//! Listing and finding customers, the same way in the console and the CLI.
//!
//! Search folds accents on every provider. A provider's own search (Kelviq's `search`,
//! Zenskar's `__ilike` filters) is accent-sensitive: "muller" does not find "Müller" there. So
//! a search asks the provider's search where it has one *and* walks the unfiltered list
//! (at most [`SCAN_CAP`] customers) through the console's matcher (`crate::search`: accent
//! folding, fuzzy, best first), then merges: local matches by score, then the provider's
//! hits the local pass did not find (e.g. matched on a field till does not show).

use crate::billing::{Customer, InvoiceRecord};
use std::ops::ControlFlow;

use crate::providers::{BillingProvider, CustomerRow, PageRequest, paging};
use crate::search::{self, Corpus};

use super::Result;

/// The most customers a search reads page by page to match locally.
pub const SCAN_CAP: usize = 10_000;
/// The largest page requested.
const PAGE: u32 = 100;

/// How many customers exist beyond the ones returned.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum More {
    /// The list is complete.
    None,
    /// This many more.
    Count(u64),
    /// Some more; the provider did not say how many.
    Some,
}

/// A list or search result, cut at its limit.
#[derive(Clone, Debug)]
pub struct Listing {
    pub customers: Vec<Customer>,
    pub more: More,
    /// A search that stopped reading after [`SCAN_CAP`] customers (matches beyond were found
    /// only where the provider's own search found them).
    pub scan_capped: bool,
}

/// The first `limit` customers (every one with `None`), and how many more there are. Pages
/// are read in parallel where the provider numbers them ([`paging::read_pages`], which also
/// says what happens when customers are created while the list is read).
pub async fn list(p: &dyn BillingProvider, limit: Option<u32>) -> Result<Listing> {
    let max = limit.map(|l| l as usize);
    // One page size for every page, the rest cut locally: under page-number paging a smaller
    // last page would be another grid (page 2 of 20 is rows 21–40, not 101–120).
    let first = PageRequest::first(page_size(max));
    let pages = read(p, first, max).await?;
    let mut customers = pages.items;
    let shown = max.map_or(customers.len(), |m| customers.len().min(m));
    let more = match (pages.total, pages.next) {
        // Read to its end: a larger count names customers created meanwhile, not ones cut.
        _ if max.is_none() => More::None,
        (Some(total), _) if total > shown as u64 => More::Count(total - shown as u64),
        (_, Some(_)) => More::Some,
        _ if customers.len() > shown => More::Count((customers.len() - shown) as u64),
        _ => More::None,
    };
    customers.truncate(shown);
    Ok(Listing { customers, more, scan_capped: false })
}

/// [`list`]'s pages as they are read, for printing a long list while it is read: handed to
/// `sink` in list order with their rows as the provider gave them (still JSON text for a cursor
/// provider) and whether the list has changed so far, so the rows can be decoded on another
/// thread ([`PageDecoder`]) while this one fetches the next page; `sink` returns `Break` to
/// stop (its reader went away). An error after some pages leaves those handed over.
pub async fn list_rows(
    p: &dyn BillingProvider,
    limit: Option<u32>,
    sink: &mut (dyn FnMut(Vec<CustomerRow>, bool) -> ControlFlow<()> + Send),
) -> Result<paging::Tail> {
    let max = limit.map(|l| l as usize);
    let first = PageRequest { follows: max.is_none(), ..PageRequest::first(page_size(max)) };
    let cursor_at = |n: u64| p.customer_page_cursor(&first, n);
    let plan = paging::Plan { provider: p.kind(), what: "customers", window: p.page_window(), cursor_at: &cursor_at };
    let fetch = |r: PageRequest| async move { p.list_customer_rows(&r).await };
    Ok(paging::stream_pages(&plan, first.clone(), max, fetch, sink).await?)
}

/// Turns the pages [`list_rows`] hands over into customers, in list order, each customer once
/// and at most `limit`, and says how many more there are once the list has ended.
#[derive(Debug, Default)]
pub struct PageDecoder {
    max: Option<usize>,
    /// Every customer read once, also past `max` on the last page (counted as more).
    kept: usize,
    repeats: paging::Repeats,
}

impl PageDecoder {
    pub fn new(limit: Option<u32>) -> PageDecoder {
        PageDecoder { max: limit.map(|l| l as usize), ..PageDecoder::default() }
    }

    /// One page's customers to hand on (none may remain: repeats, or past `limit`).
    pub fn page(&mut self, p: &dyn BillingProvider, rows: Vec<CustomerRow>, changed: bool) -> Vec<Customer> {
        let mut page = Vec::with_capacity(rows.len());
        for (i, row) in rows.into_iter().enumerate() {
            let c = p.decode_customer(i, row);
            // A row that could not be decoded may have no id of its own: never merged.
            let key = c.issues.is_empty().then_some(c.id.as_str());
            if self.repeats.first_time(key, changed) {
                if self.max.is_none_or(|m| self.kept < m) {
                    page.push(c);
                }
                self.kept += 1;
            }
        }
        page
    }

    /// How many more there are beyond `limit`, where the list ended (`tail`).
    pub fn more(&self, tail: &paging::Tail) -> More {
        if tail.stopped {
            return More::None;
        }
        let shown = self.max.map_or(self.kept, |m| self.kept.min(m));
        match (tail.total, &tail.next) {
            // Read to its end: a larger count names customers created meanwhile, not ones cut.
            _ if self.max.is_none() => More::None,
            (Some(total), _) if total > shown as u64 => More::Count(total - shown as u64),
            (_, Some(_)) => More::Some,
            _ if self.kept > shown => More::Count((self.kept - shown) as u64),
            _ => More::None,
        }
    }
}

/// Every page from `first` until the end or `max` customers, each customer once.
async fn read(p: &dyn BillingProvider, first: PageRequest, max: Option<usize>) -> Result<paging::Pages<Customer>> {
    let cursor_at = |n: u64| p.customer_page_cursor(&first, n);
    let plan = paging::Plan { provider: p.kind(), what: "customers", window: p.page_window(), cursor_at: &cursor_at };
    let fetch = |r: PageRequest| async move { p.list_customers(&r).await };
    Ok(paging::read_pages(&plan, first.clone(), max, customer_key, fetch).await?)
}

/// A row that could not be decoded may have no id of its own (`(row 3)`): never merged.
fn customer_key(c: &Customer) -> Option<&str> {
    c.issues.is_empty().then_some(c.id.as_str())
}

fn page_size(max: Option<usize>) -> u32 {
    max.map_or(PAGE, |m| m.clamp(1, PAGE as usize) as u32)
}

/// Customers matching `query` (name, email or id), accent-folded, best first.
pub async fn search(p: &dyn BillingProvider, query: &str, limit: Option<u32>) -> Result<Listing> {
    let (scanned, scan_capped) = scan(p, None, SCAN_CAP).await?;
    let mut corpus = Corpus::default();
    corpus.push_chunk(scanned.iter().map(search::haystack).collect());
    let mut found: Vec<Customer> =
        search::filter(&corpus, query, None).into_iter().filter_map(|i| scanned.get(i as usize).cloned()).collect();
    if p.capabilities().search_customers && !query.trim().is_empty() {
        let (hits, _) = scan(p, Some(query.trim().to_string()), SCAN_CAP).await?;
        for hit in hits {
            if !found.iter().any(|c| c.id == hit.id) {
                found.push(hit);
            }
        }
    }
    let shown = limit.map_or(found.len(), |l| found.len().min(l as usize));
    let more = if found.len() > shown { More::Count((found.len() - shown) as u64) } else { More::None };
    found.truncate(shown);
    Ok(Listing { customers: found, more, scan_capped })
}

/// Reads pages (with `search` as the provider's filter) until the end or `cap` customers.
async fn scan(p: &dyn BillingProvider, search: Option<String>, cap: usize) -> Result<(Vec<Customer>, bool)> {
    let pages = read(p, PageRequest { cursor: None, limit: PAGE, search, follows: false }, Some(cap)).await?;
    let capped = pages.next.is_some();
    Ok((pages.items, capped))
}

/// A customer's invoices, where the provider has an invoice API.
pub async fn invoices(p: &dyn BillingProvider, customer_id: &str) -> Result<Vec<InvoiceRecord>> {
    Ok(p.list_invoices(customer_id).await?)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::billing::ProviderKind;
    use crate::providers::{self, Http, HttpConfig};

    #[tokio::test]
    async fn muller_finds_mueller_on_every_provider() {
        let sandbox = crate::sandbox::start(crate::sandbox::SandboxOptions::default()).await.unwrap();
        for kind in ProviderKind::ALL {
            let http = Http::new(HttpConfig::default()).unwrap();
            let p = providers::connect(kind, sandbox.endpoint(kind), http).unwrap();
            let found = search(p.as_ref(), "muller", Some(50)).await.unwrap();
            let names: Vec<String> = found.customers.iter().filter_map(|c| c.name.clone()).collect();
            assert!(
                found.customers.iter().any(|c| {
                    let text = format!("{:?} {:?}", c.name, c.email);
                    text.contains("Müller") || text.contains("mueller") || text.contains("müller")
                }),
                "{kind}: {names:?}"
            );
            assert!(!found.scan_capped);
        }
    }

    #[tokio::test]
    async fn a_list_cut_at_its_limit_says_how_many_more() {
        let sandbox = crate::sandbox::start(crate::sandbox::SandboxOptions::default()).await.unwrap();
        let http = Http::new(HttpConfig::default()).unwrap();
        let p = providers::connect(ProviderKind::Kelviq, sandbox.endpoint(ProviderKind::Kelviq), http).unwrap();
        let all = list(p.as_ref(), None).await.unwrap();
        assert_eq!(all.more, More::None);
        let cut = list(p.as_ref(), Some(5)).await.unwrap();
        assert_eq!(cut.customers.len(), 5);
        assert_eq!(cut.more, More::Count(all.customers.len() as u64 - 5));
        assert_eq!(cut.customers[..], all.customers[..5]);
    }
}
