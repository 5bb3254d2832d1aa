//! KuvarPay has no customer API: customers exist only inside subscriptions and checkout
//! sessions. The console's customer list is derived from every subscription (each checkout
//! session creates one, so pending checkouts count too) plus the checkout sessions this client
//! created, deduplicated by e-mail (case-insensitive), newest first.
//!
//! Building the list pages through every subscription, so it is cached: a first-page request
//! rebuilds it when older than [`TTL`] or after a write through this client; follow-up pages
//! always read the snapshot they started from, so paging never skips or repeats a row.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};

use super::map;
use super::wire;
use crate::billing::Customer;
use crate::providers::{Page, PageRequest};
use crate::util::fold_accents;

pub const TTL: Duration = Duration::from_secs(30);

#[derive(Default)]
pub struct Index {
    snapshot: Mutex<Option<Snapshot>>,
    /// Customers seen in checkout sessions created here, kept for the life of the client.
    remembered: Mutex<Vec<Customer>>,
}

struct Snapshot {
    built: Instant,
    customers: Arc<Derived>,
}

/// The derived customers with their accent-folded search text, computed once per snapshot.
pub struct Derived {
    pub customers: Vec<Customer>,
    keys: Vec<String>,
}

impl Derived {
    pub fn new(customers: Vec<Customer>) -> Derived {
        let keys = customers.iter().map(search_key).collect();
        Derived { customers, keys }
    }
}

fn search_key(c: &Customer) -> String {
    let fields = [c.name.as_deref(), c.email.as_deref(), Some(c.id.as_str()), c.alt_id.as_deref()];
    fold_accents(&fields.into_iter().flatten().collect::<Vec<_>>().join("\n")).to_lowercase()
}

fn guard<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    // The data is a cache; a panic elsewhere cannot leave it half-written in a harmful way.
    m.lock().unwrap_or_else(|p| p.into_inner())
}

impl Index {
    /// The snapshot to serve `page` from, or `None` when it must be rebuilt first.
    pub fn current(&self, page: &PageRequest) -> Option<Arc<Derived>> {
        let snap = guard(&self.snapshot);
        let snap = snap.as_ref()?;
        (page.cursor.is_some() || snap.built.elapsed() < TTL).then(|| snap.customers.clone())
    }

    /// A customer remembered from this client's own checkout sessions.
    pub fn remembered(&self, id: &str) -> Option<Customer> {
        find(&guard(&self.remembered), id).cloned()
    }

    pub fn store(&self, subscriptions: &[wire::Subscription]) -> Arc<Derived> {
        let remembered = guard(&self.remembered).clone();
        let customers = Arc::new(Derived::new(derive(subscriptions, &remembered)));
        *guard(&self.snapshot) = Some(Snapshot { built: Instant::now(), customers: customers.clone() });
        customers
    }

    /// Forget the snapshot: a write may have added a customer or changed a subscription.
    pub fn invalidate(&self) {
        *guard(&self.snapshot) = None;
    }

    pub fn remember(&self, customer: Customer) {
        guard(&self.remembered).push(customer);
        self.invalidate();
    }
}

fn email_key(c: &Customer) -> String {
    c.email.as_deref().unwrap_or(&c.id).trim().to_lowercase()
}

/// One customer per e-mail. The earliest sighting gives `created_at`; a later sighting fills
/// a missing name. Newest first, then by e-mail, so the order is stable.
pub fn derive(subscriptions: &[wire::Subscription], remembered: &[Customer]) -> Vec<Customer> {
    let mut by_key: HashMap<String, Customer> = HashMap::with_capacity(subscriptions.len());
    let seen = subscriptions.iter().filter_map(|s| {
        let c = s.customer.as_ref()?;
        let created = s.created_at.as_deref().and_then(map::parse_datetime);
        Some(map::customer(c, created))
    });
    for customer in seen.chain(remembered.iter().cloned()) {
        match by_key.entry(email_key(&customer)) {
            std::collections::hash_map::Entry::Vacant(v) => {
                v.insert(customer);
            }
            std::collections::hash_map::Entry::Occupied(mut o) => merge(o.get_mut(), customer),
        }
    }
    let mut out: Vec<Customer> = by_key.into_values().collect();
    let newest = |c: &Customer| c.created_at.unwrap_or(DateTime::<Utc>::MIN_UTC);
    out.sort_by(|a, b| newest(b).cmp(&newest(a)).then_with(|| email_key(a).cmp(&email_key(b))));
    out
}

fn merge(into: &mut Customer, other: Customer) {
    if into.name.is_none() {
        into.name = other.name;
    }
    if into.alt_id.is_none() {
        into.alt_id = other.alt_id;
    }
    into.created_at = match (into.created_at, other.created_at) {
        (Some(a), Some(b)) => Some(a.min(b)),
        (a, b) => a.or(b),
    };
}

/// One page of the derived list; the cursor is the offset of the next row. Search is an
/// accent-folding, case-insensitive substring match on name, e-mail and uid.
pub fn page(derived: &Derived, request: &PageRequest) -> Page<Customer> {
    let limit = request.limit.clamp(1, 100) as usize;
    let offset: usize = request.cursor.as_deref().and_then(|c| c.parse().ok()).unwrap_or(0);
    let needle = request.search.as_deref().map(|s| fold_accents(s.trim()).to_lowercase()).filter(|s| !s.is_empty());
    let all = &derived.customers;
    let (items, total) = match needle {
        None => (all.iter().skip(offset).take(limit).cloned().collect::<Vec<_>>(), all.len()),
        Some(n) => {
            let found: Vec<&Customer> =
                all.iter().zip(&derived.keys).filter(|(_, key)| key.contains(&n)).map(|(c, _)| c).collect();
            let total = found.len();
            (found.into_iter().skip(offset).take(limit).cloned().collect(), total)
        }
    };
    let next = offset + items.len();
    Page {
        next_cursor: (next < total && !items.is_empty()).then(|| next.to_string()),
        total: Some(total as u64),
        items,
    }
}

/// Finds a customer by e-mail (case-insensitive) or uid.
pub fn find<'a>(customers: &'a [Customer], id: &str) -> Option<&'a Customer> {
    let wanted = id.trim().to_lowercase();
    customers.iter().find(|c| email_key(c) == wanted || c.alt_id.as_deref() == Some(id.trim()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sub(uid: &str, email: &str, first: Option<&str>, created: &str) -> wire::Subscription {
        wire::Subscription {
            uid: uid.into(),
            status: "ACTIVE".into(),
            customer: Some(wire::CustomerRef {
                uid: format!("cus_{uid}"),
                email: Some(email.into()),
                first_name: first.map(str::to_string),
                ..Default::default()
            }),
            created_at: Some(created.into()),
            ..Default::default()
        }
    }

    #[test]
    fn dedupes_by_email_case_insensitively_and_keeps_earliest_date() {
        let subs = vec![
            sub("1", "Hannah.Mueller@example.de", None, "2025-01-05T00:00:00Z"),
            sub("2", "hannah.mueller@example.de", Some("Hannah"), "2024-06-01T00:00:00Z"),
            sub("3", "zoe@example.gr", Some("Zoë"), "2025-02-01T00:00:00Z"),
        ];
        let list = derive(&subs, &[]);
        assert_eq!(list.len(), 2);
        assert_eq!(list[0].email.as_deref(), Some("zoe@example.gr"), "newest first");
        assert_eq!(list[1].name.as_deref(), Some("Hannah"), "name filled from a later sighting");
        assert_eq!(list[1].created_at.unwrap().to_rfc3339(), "2024-06-01T00:00:00+00:00");
    }

    #[test]
    fn pages_and_searches_with_accent_folding() {
        let subs: Vec<_> = (0..25)
            .map(|i| sub(&i.to_string(), &format!("c{i:02}@example.com"), None, "2025-01-01T00:00:00Z"))
            .chain([sub("m", "hm@example.de", Some("Hannah Müller"), "2025-01-01T00:00:00Z")])
            .collect();
        let list = Derived::new(derive(&subs, &[]));
        let mut req = PageRequest::first(10);
        let mut seen = 0;
        let mut pages = 0;
        loop {
            let p = page(&list, &req);
            seen += p.items.len();
            pages += 1;
            assert_eq!(p.total, Some(26));
            match p.next_cursor {
                Some(c) => req.cursor = Some(c),
                None => break,
            }
        }
        assert_eq!((seen, pages), (26, 3));
        let found =
            page(&list, &PageRequest { cursor: None, limit: 10, search: Some("MULLER".into()), follows: false });
        assert_eq!(found.items.len(), 1);
        assert_eq!(found.next_cursor, None);
        assert_eq!(find(&list.customers, "HM@example.de").unwrap().name.as_deref(), Some("Hannah Müller"));
        assert_eq!(find(&list.customers, "cus_m").unwrap().email.as_deref(), Some("hm@example.de"));
    }
}
