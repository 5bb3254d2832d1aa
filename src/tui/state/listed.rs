//! The summary column's copy of a provider's subscription listing, packed. At a million
//! customers the listing holds about 200,000 subscriptions; kept as `Subscription`s (some 350
//! bytes each, plus a heap string per id, plan, status and feature) it was the console's
//! second-largest part. Most of a subscription is the same for every customer on a plan and
//! price: that "shape" is kept once, and each subscription keeps only what is its own (its
//! id, its dates, its trial days). Rebuilt on demand, a subscription equals the one listed:
//! shapes are matched by equality, never by a hash alone.

use std::collections::HashMap;
use std::fmt::Write as _;
use std::hash::{DefaultHasher, Hasher};

use chrono::{DateTime, NaiveDate, Utc};

use crate::billing::Subscription;

/// What one listed subscription has of its own.
#[derive(Debug)]
struct Packed {
    id: Box<str>,
    /// `None`: the customer id it is listed under.
    customer_id: Option<Box<str>>,
    shape: u32,
    started_on: Option<NaiveDate>,
    current_period_start: Option<DateTime<Utc>>,
    current_period_end: Option<DateTime<Utc>>,
    ends_on: Option<NaiveDate>,
    canceled_at: Option<DateTime<Utc>>,
    trial_days_remaining: Option<u32>,
}

/// Subscriptions by the customer id a listing names them with.
#[derive(Debug, Default)]
pub struct Listed {
    by_customer: HashMap<Box<str>, Vec<Packed>>,
    /// Distinct shapes: a subscription less its id, customer and dates.
    shapes: Vec<Subscription>,
    /// Shapes by a hash of their `Debug` text; equal hashes are told apart by equality.
    by_hash: HashMap<u64, Vec<u32>>,
}

/// Feeds `Debug` text to a hasher without building the string.
struct HashWriter(DefaultHasher);

impl std::fmt::Write for HashWriter {
    fn write_str(&mut self, s: &str) -> std::fmt::Result {
        self.0.write(s.as_bytes());
        Ok(())
    }
}

impl Listed {
    /// Adds one subscription under the customer id it names.
    pub fn push(&mut self, s: Subscription) {
        let key = s.customer_id.clone().into_boxed_str();
        let packed = self.pack(s, &key);
        self.by_customer.entry(key).or_default().push(packed);
    }

    /// Puts `subs` in place of whatever is listed under `id` (the customer's own read).
    pub fn insert(&mut self, id: &str, subs: &[Subscription]) {
        let packed = subs.iter().map(|s| self.pack(s.clone(), id)).collect();
        self.by_customer.insert(id.into(), packed);
    }

    pub fn remove(&mut self, id: &str) {
        self.by_customer.remove(id);
    }

    /// The subscriptions listed under `id`, rebuilt.
    pub fn get(&self, id: &str) -> Option<Vec<Subscription>> {
        let packed = self.by_customer.get(id)?;
        Some(packed.iter().filter_map(|p| self.unpack(p, id)).collect())
    }

    fn pack(&mut self, mut s: Subscription, listed_under: &str) -> Packed {
        // Copied rather than moved: the decoded string was allocated on a worker thread, and
        // a long-lived string there keeps that thread's allocator arena from being reused.
        let id = Box::from(std::mem::take(&mut s.id).as_str());
        let customer_id = std::mem::take(&mut s.customer_id);
        let packed = Packed {
            id,
            customer_id: (customer_id != listed_under).then(|| Box::from(customer_id.as_str())),
            shape: 0,
            started_on: s.started_on.take(),
            current_period_start: s.current_period_start.take(),
            current_period_end: s.current_period_end.take(),
            ends_on: s.ends_on.take(),
            canceled_at: s.canceled_at.take(),
            trial_days_remaining: s.trial_days_remaining.take(),
        };
        Packed { shape: self.shape_of(s), ..packed }
    }

    /// The number of `shape`, added when it is new.
    fn shape_of(&mut self, shape: Subscription) -> u32 {
        let mut hasher = HashWriter(DefaultHasher::new());
        // Writing to a hasher cannot fail; a failure would only weaken the hash, not equality.
        let _ = write!(hasher, "{shape:?}");
        let candidates = self.by_hash.entry(hasher.0.finish()).or_default();
        if let Some(&n) = candidates.iter().find(|&&n| self.shapes.get(n as usize) == Some(&shape)) {
            return n;
        }
        // More than four billion distinct shapes would need more memory than any console has.
        let n = u32::try_from(self.shapes.len()).unwrap_or(u32::MAX);
        candidates.push(n);
        self.shapes.push(shape);
        n
    }

    fn unpack(&self, p: &Packed, listed_under: &str) -> Option<Subscription> {
        let shape = self.shapes.get(p.shape as usize)?;
        Some(Subscription {
            id: p.id.to_string(),
            customer_id: p.customer_id.as_deref().unwrap_or(listed_under).to_string(),
            started_on: p.started_on,
            current_period_start: p.current_period_start,
            current_period_end: p.current_period_end,
            ends_on: p.ends_on,
            canceled_at: p.canceled_at,
            trial_days_remaining: p.trial_days_remaining,
            ..shape.clone()
        })
    }
}

#[cfg(test)]
mod tests {
    use rust_decimal_macros::dec;

    use super::*;
    use crate::billing::{
        ChargePeriod, Currency, EntitlementKind, Money, PendingChange, PlanFeature, ProviderKind, RowIssue,
        SubscriptionStatus,
    };

    fn sub(id: &str, customer: &str, plan: &str, day: u32) -> Subscription {
        let at = |d: u32| DateTime::from_timestamp(1_780_000_000 + i64::from(d) * 86_400, 0);
        Subscription {
            provider: ProviderKind::Kelviq,
            id: id.into(),
            customer_id: customer.into(),
            plan_id: Some(plan.to_lowercase()),
            plan_name: Some(plan.into()),
            status: SubscriptionStatus::Active,
            raw_status: "active".into(),
            amount: Some(Money::new(dec!(18.50), Currency::EUR)),
            period: ChargePeriod::Monthly,
            started_on: NaiveDate::from_ymd_opt(2026, 1, day),
            current_period_start: at(day),
            current_period_end: at(day + 30),
            ends_on: None,
            canceled_at: None,
            trial_days_remaining: Some(day),
            pending_change: None,
            features: vec![PlanFeature {
                feature_id: "api".into(),
                name: Some("API calls".into()),
                kind: EntitlementKind::Meter { limit: Some(1000), used: 0, remaining: None, hard_limit: true },
            }],
            issues: Vec::new(),
        }
    }

    /// Subscriptions of several customers on few plans, and the rare odd ones: canceled, a
    /// pending change, an issue, another currency, no dates.
    fn listing() -> Vec<Subscription> {
        let mut subs: Vec<Subscription> = (1..=20)
            .map(|i| sub(&format!("sub_{i}"), &format!("cus_{}", i % 7), ["Growth", "Starter"][i % 2], i as u32))
            .collect();
        subs[3].status = SubscriptionStatus::Canceled;
        subs[3].raw_status = "canceled".into();
        subs[3].ends_on = NaiveDate::from_ymd_opt(2026, 5, 1);
        subs[3].canceled_at = DateTime::from_timestamp(1_785_000_000, 5);
        subs[5].pending_change =
            Some(PendingChange { plan_id: Some("starter".into()), plan_name: Some("Starter".into()), on: None });
        subs[6].issues.push(RowIssue::new("amount", "not a number"));
        subs[6].amount = None;
        subs[7].amount = Some(Money::new(dec!(18.50), Currency::USD));
        subs[8].started_on = None;
        subs[8].current_period_start = None;
        subs[8].trial_days_remaining = None;
        subs[9].features.clear();
        subs
    }

    fn grouped(subs: &[Subscription]) -> HashMap<String, Vec<Subscription>> {
        let mut by: HashMap<String, Vec<Subscription>> = HashMap::new();
        for s in subs {
            by.entry(s.customer_id.clone()).or_default().push(s.clone());
        }
        by
    }

    #[test]
    fn every_listed_subscription_is_rebuilt_as_it_was_listed_in_order() {
        let mut listed = Listed::default();
        for s in listing() {
            listed.push(s);
        }
        let expected = grouped(&listing());
        for (customer, subs) in &expected {
            assert_eq!(listed.get(customer).as_ref(), Some(subs), "{customer}");
        }
        assert_eq!(listed.get("cus_unknown"), None);
        // Twenty subscriptions on two plans share few shapes: the odd ones have their own.
        assert!(listed.shapes.len() <= 8, "{} shapes", listed.shapes.len());
    }

    #[test]
    fn a_customers_own_read_replaces_their_listing_and_a_write_removes_it() {
        let mut listed = Listed::default();
        for s in listing() {
            listed.push(s);
        }
        // An own read may name the customer by another id (Kelviq's UUID): kept as read.
        let own = vec![sub("sub_new", "uuid-of-cus_1", "Growth", 3), sub("sub_1", "cus_1", "Starter", 9)];
        listed.insert("cus_1", &own);
        assert_eq!(listed.get("cus_1"), Some(own));
        listed.insert("cus_2", &[]);
        assert_eq!(listed.get("cus_2"), Some(Vec::new()));
        listed.remove("cus_3");
        assert_eq!(listed.get("cus_3"), None);
        assert_eq!(listed.get("cus_4").as_ref(), grouped(&listing()).get("cus_4"));
    }
}
