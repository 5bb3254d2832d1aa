//! Customers: what each provider has sent so far, and how each tab looks at it (selection,
//! scroll offset, filter). Pure data and update functions; no I/O.

use std::hash::{BuildHasher, RandomState};
use std::sync::Arc;

use hashbrown::HashTable;

use super::rows::Rows;
use crate::billing::Customer;
use crate::providers::{Page, ProviderError};
use crate::search::{Corpus, Matched, haystack};

/// Fetch the next page when the selection comes this close to the last loaded row.
pub const PREFETCH_MARGIN: usize = 40;
pub const PAGE_SIZE: u32 = 100;

/// The customers one provider has returned, in list order, kept across navigation.
#[derive(Default)]
pub struct CustomerStore {
    /// The rows, packed (`rows.rs`); `rows.get(i)` is a borrowed view of row `i`.
    pub rows: Rows,
    pub corpus: Corpus,
    index: IdIndex,
    pub next_cursor: Option<String>,
    pub total: Option<u64>,
    pub loading: bool,
    /// Keep fetching pages until the end (after `G`).
    pub load_all: bool,
    pub error: Option<ProviderError>,
    /// At least one page arrived (distinguishes "empty" from "not loaded yet").
    pub loaded_once: bool,
    /// The provider's subscription listing for the summary column; `R` starts it over.
    pub summaries: super::summaries::BulkSummaries,
}

impl CustomerStore {
    pub fn exhausted(&self) -> bool {
        self.loaded_once && self.next_cursor.is_none()
    }

    /// Appends a page; customers already present (e.g. added by a search) are skipped.
    pub fn append(&mut self, page: Page<Customer>) {
        let mut haystacks = Vec::with_capacity(page.items.len());
        for c in page.items {
            if self.index.get(&c.id, &self.rows).is_none() {
                haystacks.push(haystack(&c));
                self.rows.push(c);
                self.index.insert_last(&self.rows);
            }
        }
        self.corpus.push_chunk(haystacks);
        self.next_cursor = page.next_cursor;
        self.total = page.total.or(self.total);
        self.keep_total_honest();
        self.loading = false;
        self.error = None;
        self.loaded_once = true;
    }

    /// Adds customers found by a provider-side search that paging has not reached yet;
    /// returns their row indices (existing or new).
    pub fn merge_found(&mut self, found: Vec<Customer>) -> Vec<usize> {
        let mut rows = Vec::new();
        let mut haystacks = Vec::new();
        for c in found {
            match self.index.get(&c.id, &self.rows) {
                Some(i) => rows.push(i),
                None => {
                    rows.push(self.rows.len());
                    haystacks.push(haystack(&c));
                    self.rows.push(c);
                    self.index.insert_last(&self.rows);
                }
            }
        }
        self.corpus.push_chunk(haystacks);
        self.keep_total_honest();
        rows
    }

    /// The provider's answer to a write on a customer already listed: the row shows it, and
    /// the filter finds it by its new name. `false` when the customer is not loaded.
    pub fn replace(&mut self, c: Customer) -> bool {
        let Some(i) = self.position(&c.id) else { return false };
        self.corpus.replace(i, haystack(&c));
        self.rows.replace(i, c)
    }

    pub fn position(&self, id: &str) -> Option<usize> {
        self.index.get(id, &self.rows)
    }

    pub fn reset(&mut self) {
        *self = CustomerStore::default();
    }

    /// Whether a page should be requested now.
    pub fn wants_page(&self, selected_row: usize) -> bool {
        if !self.can_load_more() {
            return false;
        }
        !self.loaded_once || self.load_all || selected_row + PREFETCH_MARGIN >= self.rows.len()
    }

    /// Pages remain, none is in flight and the last one did not fail.
    pub fn can_load_more(&self) -> bool {
        !self.loading && self.error.is_none() && !self.exhausted()
    }

    /// The provider has customers not loaded yet (a search over loaded rows is not final).
    pub fn has_more(&self) -> bool {
        self.error.is_none() && !self.exhausted()
    }

    /// A customer created after the count was read (a checkout's new customer) raises it:
    /// never "67 of 66".
    fn keep_total_honest(&mut self) {
        if let Some(t) = &mut self.total {
            *t = (*t).max(self.rows.len() as u64);
        }
    }
}

/// Row numbers by customer id, hashed from the rows themselves: a `HashMap<String, usize>`
/// kept a second copy of every id (about 80 bytes a row, 80 MB at a million customers).
#[derive(Default)]
struct IdIndex {
    table: HashTable<u32>,
    hasher: RandomState,
}

impl IdIndex {
    fn get(&self, id: &str, rows: &Rows) -> Option<usize> {
        let hash = self.hasher.hash_one(id);
        self.table.find(hash, |&i| rows.id(i as usize) == Some(id)).map(|&i| i as usize)
    }

    /// Indexes the last row, which `get` has just not found.
    fn insert_last(&mut self, rows: &Rows) {
        let Some(last) = rows.len().checked_sub(1) else { return };
        let Some(id) = rows.id(last) else { return };
        let hasher = &self.hasher;
        let rehash = |&i: &u32| rows.id(i as usize).map_or(0, |id| hasher.hash_one(id));
        // A console holding four billion rows of one provider is beyond any memory it has.
        let row = u32::try_from(last).unwrap_or(u32::MAX);
        self.table.insert_unique(hasher.hash_one(id), row, rehash);
    }
}

/// A row of a tab's list: which provider slot, which row in its store.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RowRef {
    pub slot: u8,
    pub row: u32,
}

/// A tab's filter: the query as typed and the hits of the newest finished run.
#[derive(Clone, Debug, Default)]
pub struct Filter {
    pub query: String,
    pub editing: bool,
    /// Bumped on every change; results of older runs are dropped.
    pub generation: u64,
    /// The query `hits` answer; `None` until a run finished.
    pub applied: Option<String>,
    pub hits: Vec<RowRef>,
    pub running: bool,
    /// How the newest finished run stands: its total and whether `hits` holds every hit.
    pub run: FilterRun,
}

/// What a filter run sends with its rows. At a million customers the first screen of hits
/// (ranked exactly) and their count come first, every hit ranked a moment later; until then
/// `hits` holds only the first screen, and the list does not go past it.
#[derive(Clone, Debug, Default)]
pub struct FilterRun {
    /// How many rows match, when `hits` holds only the first of them.
    pub total: usize,
    /// `hits` holds every hit.
    pub complete: bool,
    /// What each provider slot's corpus matched: a longer query narrows within it.
    pub matched: Vec<(u8, Arc<Matched>)>,
}

impl FilterRun {
    /// A run that ranked all of its `total` hits at once.
    pub fn complete(total: usize) -> Self {
        FilterRun { total, complete: true, matched: Vec::new() }
    }
}

impl Filter {
    pub fn active(&self) -> bool {
        !self.query.trim().is_empty()
    }
}

/// One tab's view of the customer list.
#[derive(Clone, Debug, Default)]
pub struct ListView {
    pub selected: usize,
    pub offset: usize,
    pub filter: Filter,
    /// Column and reversed, when the list is sorted (`s`); `None` keeps the provider's order.
    pub sort: Option<(usize, bool)>,
    /// The rows (or the filter's hits) in sorted order, while `sort` is set.
    pub order: Vec<RowRef>,
}

impl ListView {
    /// Moves the selection by `delta` within `len` rows and keeps it on screen.
    pub fn move_by(&mut self, delta: isize, len: usize, height: usize) {
        move_window(&mut self.selected, &mut self.offset, delta, len, height);
    }

    pub fn select(&mut self, index: usize, len: usize, height: usize) {
        self.selected = index.min(len.saturating_sub(1));
        self.scroll_into_view(height);
    }

    pub fn scroll_into_view(&mut self, height: usize) {
        keep_in_view(self.selected, &mut self.offset, height);
    }
}

/// Moves a selection by `delta` within `len` rows and scrolls a window of `height` rows so it
/// stays visible: every list in the console (customers, requests, invoices) moves this way.
pub fn move_window(selected: &mut usize, offset: &mut usize, delta: isize, len: usize, height: usize) {
    if len == 0 {
        (*selected, *offset) = (0, 0);
        return;
    }
    *selected = (*selected as isize + delta).clamp(0, len as isize - 1) as usize;
    keep_in_view(*selected, offset, height);
}

fn keep_in_view(selected: usize, offset: &mut usize, height: usize) {
    let height = height.max(1);
    if selected < *offset {
        *offset = selected;
    } else if selected >= *offset + height {
        *offset = selected + 1 - height;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::billing::ProviderKind;

    fn c(id: &str) -> Customer {
        Customer {
            provider: ProviderKind::Kelviq,
            id: id.into(),
            alt_id: None,
            name: Some(id.to_uppercase()),
            email: None,
            created_at: None,
            metadata: Default::default(),
            issues: Vec::new(),
        }
    }

    fn page(ids: &[&str], next: Option<&str>) -> Page<Customer> {
        Page { items: ids.iter().map(|i| c(i)).collect(), next_cursor: next.map(String::from), total: Some(5) }
    }

    #[test]
    fn pages_append_and_dedupe() {
        let mut s = CustomerStore::default();
        assert!(s.wants_page(0));
        s.loading = true;
        assert!(!s.wants_page(0), "one page at a time");
        s.append(page(&["a", "b"], Some("2")));
        assert_eq!(s.rows.len(), 2);
        let found = s.merge_found(vec![c("b"), c("z")]);
        assert_eq!(found, vec![1, 2]);
        s.append(page(&["c", "z"], None));
        assert_eq!(s.rows.iter().map(|r| r.id).collect::<Vec<_>>(), ["a", "b", "z", "c"]);
        assert_eq!(s.corpus.len(), 4);
        assert!(s.exhausted());
        assert!(!s.wants_page(3));
    }

    #[test]
    fn the_index_finds_every_row_across_growth_and_skips_repeats() {
        let mut s = CustomerStore::default();
        for p in 0..30 {
            let ids: Vec<String> = (0..100).map(|i| format!("c{}", p * 100 + i)).collect();
            let mut items: Vec<Customer> = ids.iter().map(|i| c(i)).collect();
            items.push(c(&ids[0])); // a repeat within the page
            s.append(Page { items, next_cursor: Some("more".into()), total: None });
        }
        assert_eq!((s.rows.len(), s.corpus.len()), (3000, 3000));
        for i in [0, 1, 99, 100, 1234, 2999] {
            assert_eq!(s.position(&format!("c{i}")), Some(i));
            assert_eq!(s.rows.get(i).map(|r| r.id.to_string()), Some(format!("c{i}")));
        }
        assert_eq!(s.position("c3000"), None);
        assert_eq!(s.merge_found(vec![c("c5"), c("new"), c("new")]), vec![5, 3000, 3000]);
        assert_eq!(s.position("new"), Some(3000));
        assert_eq!(s.corpus.len(), 3001);
    }

    #[test]
    fn rows_from_pages_searches_and_writes_read_back_as_given() {
        let named = |id: &str, name: &str, email: Option<&str>| Customer {
            name: Some(name.into()),
            email: email.map(String::from),
            alt_id: Some(format!("uuid-{id}")),
            created_at: chrono::DateTime::from_timestamp(1_790_000_000, 0),
            ..c(id)
        };
        let mut meta = named("m", "Meta", Some("m@x.io"));
        meta.metadata.insert("tier".into(), "gold".into());
        let first = vec![named("a", "Ada", Some("ada@x.io")), named("é", "Inés Müller", Some("ines@müller.de")), meta];
        let mut s = CustomerStore::default();
        s.append(Page { items: first.clone(), next_cursor: Some("2".into()), total: None });
        // A search finds one listed customer (its row stays as listed) and one not yet listed.
        let found = named("🚀", "🚀 Rocket", None);
        assert_eq!(s.merge_found(vec![named("a", "Ada (search)", None), found.clone()]), vec![0, 3]);
        // The next page repeats the found one: it is not listed twice, and not replaced.
        s.append(Page {
            items: vec![named("🚀", "Rocket again", None), named("z", "", Some(""))],
            next_cursor: None,
            total: None,
        });
        let mut expected = first;
        expected.push(found);
        expected.push(named("z", "", Some("")));
        let rows: Vec<Customer> = s.rows.iter().map(|r| r.to_customer()).collect();
        assert_eq!(rows, expected);
        assert_eq!(s.corpus.len(), expected.len());
        for (i, e) in expected.iter().enumerate() {
            assert_eq!(s.position(&e.id), Some(i), "{}", e.id);
        }
        // A rename through till: the row and the filter show the new name, the id still finds it.
        let mut renamed = expected[1].clone();
        renamed.name = Some("Inés Fernández".into());
        assert!(s.replace(renamed.clone()));
        assert_eq!(s.rows.get(1).map(|r| r.to_customer()), Some(renamed));
        assert_eq!(s.position("é"), Some(1));
        assert_eq!(crate::search::filter(&s.corpus, "fernandez", None), vec![1]);
        assert!(!s.replace(named("unknown", "Nobody", None)), "not loaded: nothing replaced");
    }

    #[test]
    fn a_customer_found_beyond_the_count_raises_it() {
        let mut s = CustomerStore::default();
        let mut p = page(&["a", "b"], None);
        p.total = Some(2);
        s.append(p);
        s.merge_found(vec![c("new")]);
        assert_eq!((s.rows.len(), s.total), (3, Some(3)), "not 3 of 2");
    }

    #[test]
    fn prefetch_triggers_near_the_end_only() {
        let mut s = CustomerStore::default();
        s.append(Page {
            items: (0..100).map(|i| c(&format!("c{i}"))).collect(),
            next_cursor: Some("2".into()),
            total: None,
        });
        assert!(!s.wants_page(10));
        assert!(s.wants_page(100 - PREFETCH_MARGIN));
        s.load_all = true;
        assert!(s.wants_page(0));
    }

    #[test]
    fn selection_stays_in_view() {
        let mut v = ListView::default();
        v.move_by(25, 100, 10);
        assert_eq!((v.selected, v.offset), (25, 16));
        v.move_by(-20, 100, 10);
        assert_eq!((v.selected, v.offset), (5, 5));
        v.move_by(1000, 100, 10);
        assert_eq!(v.selected, 99);
        v.move_by(1, 0, 10);
        assert_eq!((v.selected, v.offset), (0, 0));
    }
}
