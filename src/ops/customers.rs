//! Listing and finding customers, the same way in the console and the CLI.
//!
//! Search folds accents on every provider. A provider's own search (Kelviq's `search`,
//! Zenskar's `__ilike` filters) is accent-sensitive: "muller" does not find "Müller" there. So
//! a search asks the provider's search where it has one *and* walks the unfiltered list
//! (at most [`SCAN_CAP`] customers) through the console's matcher (`crate::search`: accent
//! folding, fuzzy, best first), then merges: local matches by score, then the provider's
//! hits the local pass did not find (e.g. matched on a field till does not show).

use crate::billing::{Customer, InvoiceRecord};
use crate::providers::{BillingProvider, PageRequest};
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

/// The first `limit` customers (every one with `None`), and how many more there are.
pub async fn list(p: &dyn BillingProvider, limit: Option<u32>) -> Result<Listing> {
    let max = limit.map(|l| l as usize);
    let mut customers = Vec::new();
    // One page size for every page, the rest cut locally: under page-number paging a smaller
    // last page would be another grid (page 2 of 20 is rows 21–40, not 101–120).
    let mut request = PageRequest::first(page_size(max));
    let mut guard = crate::providers::paging::PageGuard::new(p.kind(), "customers");
    loop {
        let page = p.list_customers(&request).await?;
        customers.extend(page.items);
        let full = max.is_some_and(|m| customers.len() >= m);
        let next = if full { page.next_cursor } else { guard.advance_filtered(page.next_cursor)? };
        match next {
            Some(next) if !full => request.cursor = Some(next),
            next => {
                let shown = max.map_or(customers.len(), |m| customers.len().min(m));
                let more = match (page.total, next) {
                    (Some(total), _) if total > shown as u64 => More::Count(total - shown as u64),
                    (_, Some(_)) => More::Some,
                    _ if customers.len() > shown => More::Count((customers.len() - shown) as u64),
                    _ => More::None,
                };
                customers.truncate(shown);
                return Ok(Listing { customers, more, scan_capped: false });
            }
        }
    }
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
    let mut out = Vec::new();
    let mut request = PageRequest { cursor: None, limit: PAGE, search };
    let mut guard = crate::providers::paging::PageGuard::new(p.kind(), "customers");
    loop {
        let page = p.list_customers(&request).await?;
        out.extend(page.items);
        match guard.advance_filtered(page.next_cursor)? {
            Some(next) if out.len() < cap => request.cursor = Some(next),
            Some(_) => return Ok((out, true)),
            None => return Ok((out, false)),
        }
    }
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
