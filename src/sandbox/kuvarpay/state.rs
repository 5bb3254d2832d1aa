//! KuvarPay's records and how the seed becomes them. No HTTP here: mod.rs decodes requests,
//! ops.rs changes state, render.rs writes KuvarPay's JSON.

use std::collections::{BTreeMap, HashMap};

use chrono::{DateTime, Duration, Utc};
use rust_decimal::Decimal;

use crate::billing::{ChargePeriod, Currency};
use crate::sandbox::seed::{Seed, SeedCustomer, SeedPlan, SeedSubscription};
use crate::util::SplitMix64;

/// An error in KuvarPay's (inferred) shape; mod.rs renders it as
/// `{success: false, error, code, details}`.
#[derive(Debug, Clone, PartialEq)]
pub struct ApiError {
    pub status: u16,
    pub code: &'static str,
    pub message: String,
    pub details: Vec<(String, String)>,
}

impl ApiError {
    pub fn new(status: u16, code: &'static str, message: impl Into<String>) -> ApiError {
        ApiError { status, code, message: message.into(), details: Vec::new() }
    }

    pub fn not_found(what: &str) -> ApiError {
        ApiError::new(404, "NOT_FOUND", format!("{what} not found"))
    }

    /// A 400 naming the offending fields.
    pub fn validation(details: Vec<(String, String)>) -> ApiError {
        ApiError { status: 400, code: "VALIDATION_ERROR", message: "Validation failed".into(), details }
    }

    pub fn field(field: &str, message: &str) -> ApiError {
        ApiError::validation(vec![(field.to_string(), message.to_string())])
    }

    pub fn state(message: impl Into<String>) -> ApiError {
        ApiError::new(400, "INVALID_STATE", message)
    }
}

#[derive(Clone, Debug)]
pub struct Customer {
    pub uid: String,
    pub email: String,
    pub first_name: Option<String>,
    pub last_name: Option<String>,
    pub created: DateTime<Utc>,
}

#[derive(Clone, Debug)]
pub struct Plan {
    pub uid: String,
    pub name: String,
    pub description: String,
    pub created: DateTime<Utc>,
}

#[derive(Clone, Debug)]
pub struct Price {
    pub uid: String,
    pub plan_uid: String,
    pub amount: Decimal,
    pub currency: Currency,
    pub period: ChargePeriod,
    pub trial_days: Option<u32>,
    pub created: DateTime<Utc>,
}

#[derive(Clone, Debug)]
pub struct Subscription {
    pub uid: String,
    /// Index into `State::customers`.
    pub customer: usize,
    /// `None` for METERED subscriptions, which bill a target amount instead of a price.
    pub price_uid: Option<String>,
    /// METERED only: the cap the customer approved.
    pub target: Option<(Decimal, Currency)>,
    pub status: &'static str,
    pub created: DateTime<Utc>,
    pub updated: DateTime<Utc>,
    pub period_start: DateTime<Utc>,
    pub period_end: DateTime<Utc>,
    pub trial_start: Option<DateTime<Utc>>,
    pub trial_end: Option<DateTime<Utc>>,
    pub cancel_at_period_end: bool,
    pub cancelled_at: Option<DateTime<Utc>>,
    pub cancellation_reason: Option<String>,
    pub metadata: BTreeMap<String, String>,
    /// Processed transactions this period (seed `usage`), billed as a METERED invoice.
    pub usage: Option<i64>,
    /// The authorization was approved with the sandbox's "declines later" card: every
    /// renewal charge of the wallet fails (tick.rs).
    pub wallet_declines: bool,
}

impl Subscription {
    pub fn is_live(&self) -> bool {
        matches!(self.status, "ACTIVE" | "TRIALING" | "PAST_DUE" | "UNPAID")
    }
}

#[derive(Clone, Debug)]
pub struct ChargeAttempt {
    pub uid: String,
    pub status: &'static str,
    pub transaction_hash: Option<String>,
    pub failure_reason: Option<String>,
    pub processed_at: DateTime<Utc>,
}

#[derive(Clone, Debug)]
pub struct Invoice {
    pub uid: String,
    pub invoice_id: String,
    pub amount: Decimal,
    pub currency: Currency,
    pub billing_mode: &'static str,
    pub usage_quantity: Option<i64>,
    pub usage_description: Option<String>,
    pub status: &'static str,
    pub description: String,
    pub due_date: DateTime<Utc>,
    pub paid_at: Option<DateTime<Utc>>,
    /// When it was voided (the reference's `voided_at`): a pending price change overwritten.
    pub voided_at: Option<DateTime<Utc>>,
    pub created: DateTime<Utc>,
    pub charge_attempts: Vec<ChargeAttempt>,
    /// The prorated charge of a price change, collected from the wallet authorization on
    /// its due date; until then the change is pending (see ops.rs).
    pub plan_change: bool,
}

#[derive(Clone, Debug)]
pub struct CheckoutSession {
    pub uid: String,
    pub status: &'static str,
    pub price_uid: Option<String>,
    pub subscription_uid: String,
    pub customer: usize,
    pub success_url: String,
    pub cancel_url: Option<String>,
    pub created: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
    pub completed_at: Option<DateTime<Utc>>,
}

pub struct State {
    pub public_base: String,
    /// The sandbox's clock, shared by its four providers: every timestamp comes from it.
    pub clock: crate::sandbox::clock::Clock,
    pub customers: Vec<Customer>,
    /// Lower-cased e-mail → index: KuvarPay reuses the customer of a known e-mail.
    pub customer_by_email: HashMap<String, usize>,
    pub customer_by_uid: HashMap<String, usize>,
    pub plans: Vec<Plan>,
    pub prices: Vec<Price>,
    /// Oldest first; lists read it backwards (newest first).
    pub subscriptions: Vec<Subscription>,
    pub subscription_index: HashMap<String, usize>,
    /// Invoices per subscription uid, newest last. History is built on first read (see
    /// ops.rs), so 100k generated subscriptions cost nothing until someone looks.
    pub invoices: HashMap<String, Vec<Invoice>>,
    pub checkouts: BTreeMap<String, CheckoutSession>,
    /// Sessions created through the API, for tests that count creates (see `checkout_count`).
    pub checkouts_created: usize,
    /// Stored responses per (business id, Idempotency-Key).
    pub idempotency: HashMap<(String, String), Stored>,
    /// What each applied price change billed now: (subscription uid, amount); see changes.rs.
    pub change_charges: Vec<(String, crate::billing::Money)>,
    pub(crate) rng: SplitMix64,
}

pub(crate) fn token(rng: &mut SplitMix64, len: usize) -> String {
    const ALPHABET: &[u8] = b"abcdefghijklmnopqrstuvwxyz0123456789";
    (0..len).map(|_| ALPHABET[rng.below(ALPHABET.len() as u64) as usize] as char).collect()
}

/// The billing period containing `now` for a subscription anchored at `start`.
pub fn current_period(
    start: DateTime<Utc>,
    period: ChargePeriod,
    now: DateTime<Utc>,
) -> (DateTime<Utc>, DateTime<Utc>) {
    let mut begin = start;
    loop {
        let Some(end_date) = period.advance(begin.date_naive()) else {
            return (begin, begin + Duration::days(36_500));
        };
        let end = end_date.and_time(begin.time()).and_utc();
        if end > now || end <= begin {
            return (begin, end);
        }
        begin = end;
    }
}

/// Seed statuses (provider-neutral) → KuvarPay's `SubscriptionStatus` enum.
fn seed_status(s: &str) -> &'static str {
    match s {
        "trialing" => "TRIALING",
        "past_due" => "PAST_DUE",
        "unpaid" => "UNPAID",
        "canceled" | "cancelled" => "CANCELED",
        "incomplete" => "INCOMPLETE",
        "incomplete_expired" | "expired" => "INCOMPLETE_EXPIRED",
        _ => "ACTIVE",
    }
}

impl State {
    /// The state on a real-time clock of its own (tests, memory benches).
    pub fn from_seed(seed: &Seed, public_base: &str) -> State {
        State::from_seed_at(seed, public_base, crate::sandbox::clock::Clock::real())
    }

    /// The state on `clock`, the one its sandbox shares between the providers.
    pub fn from_seed_at(seed: &Seed, public_base: &str, clock: crate::sandbox::clock::Clock) -> State {
        let now = clock.now();
        let mut state = State {
            public_base: public_base.to_string(),
            clock,
            customers: Vec::with_capacity(seed.customers.len()),
            customer_by_email: HashMap::with_capacity(seed.customers.len()),
            customer_by_uid: HashMap::with_capacity(seed.customers.len()),
            plans: Vec::new(),
            prices: Vec::new(),
            subscriptions: Vec::new(),
            subscription_index: HashMap::new(),
            invoices: HashMap::new(),
            checkouts: BTreeMap::new(),
            checkouts_created: 0,
            idempotency: HashMap::new(),
            change_charges: Vec::new(),
            rng: SplitMix64::new(0x6b75_7661_7270_6179),
        };
        for plan in &seed.plans {
            state.seed_plan(plan, now);
        }
        let mut by_seed_id: HashMap<&str, usize> = HashMap::with_capacity(seed.customers.len());
        for c in &seed.customers {
            by_seed_id.insert(c.id.as_str(), state.seed_customer(c, now));
        }
        let mut subs: Vec<&SeedSubscription> = seed.subscriptions.iter().collect();
        subs.sort_by_key(|s| std::cmp::Reverse(s.started_days_ago));
        let mut has_subscription = vec![false; state.customers.len()];
        for s in subs {
            let Some(&customer) = by_seed_id.get(s.customer.as_str()) else { continue };
            has_subscription[customer] |= state.seed_subscription(s, customer, now);
        }
        // A KuvarPay customer only exists through a checkout: generated customers without a
        // subscription get the one an abandoned checkout leaves behind.
        let abandoned: Vec<usize> = (0..state.customers.len()).filter(|i| !has_subscription[*i]).collect();
        for customer in abandoned {
            state.abandoned_checkout(customer);
        }
        state.subscriptions.sort_by_key(|s| s.created);
        state.reindex();
        state
    }

    pub fn reindex(&mut self) {
        self.subscription_index = self.subscriptions.iter().enumerate().map(|(i, s)| (s.uid.clone(), i)).collect();
    }

    fn seed_plan(&mut self, p: &SeedPlan, now: DateTime<Utc>) {
        let uid = format!("plan_{}", p.id.replace('-', "_"));
        let created = now - Duration::days(500);
        for pr in &p.prices {
            let (Ok(currency), Ok(period), Ok(amount)) =
                (Currency::from_code(&pr.currency), ChargePeriod::parse(&pr.period), pr.amount.parse::<Decimal>())
            else {
                continue; // Seed::parse checked these; a hand-edited file slips through quietly.
            };
            if period.interval().is_none() {
                continue; // KuvarPay subscription prices always recur; a one-time seed price has no home.
            }
            let price_uid = format!("price_{}", token(&mut self.rng, 16));
            self.prices.push(Price {
                uid: price_uid,
                plan_uid: uid.clone(),
                amount,
                currency,
                period,
                trial_days: p.trial_days,
                created,
            });
        }
        self.plans.push(Plan { uid, name: p.name.clone(), description: p.description.clone(), created });
    }

    fn seed_customer(&mut self, c: &SeedCustomer, now: DateTime<Utc>) -> usize {
        let (first, last) = match c.name.split_once(' ') {
            Some((f, l)) => (Some(f.to_string()), Some(l.to_string())),
            None => (Some(c.name.clone()), None),
        };
        self.insert_customer(c.email.clone(), first, last, now - Duration::days(c.created_days_ago))
    }

    pub fn insert_customer(
        &mut self,
        email: String,
        first_name: Option<String>,
        last_name: Option<String>,
        created: DateTime<Utc>,
    ) -> usize {
        let uid = format!("cus_{}", token(&mut self.rng, 16));
        let i = self.customers.len();
        self.customer_by_email.insert(email.trim().to_lowercase(), i);
        self.customer_by_uid.insert(uid.clone(), i);
        self.customers.push(Customer { uid, email, first_name, last_name, created });
        i
    }

    pub fn price(&self, uid: &str) -> Option<&Price> {
        self.prices.iter().find(|p| p.uid == uid)
    }

    pub fn plan(&self, uid: &str) -> Option<&Plan> {
        self.plans.iter().find(|p| p.uid == uid)
    }

    pub fn subscription(&self, uid: &str) -> Option<&Subscription> {
        self.subscription_index.get(uid).map(|&i| &self.subscriptions[i])
    }

    pub fn subscription_mut(&mut self, uid: &str) -> Option<&mut Subscription> {
        let i = *self.subscription_index.get(uid)?;
        Some(&mut self.subscriptions[i])
    }

    pub fn new_subscription(&mut self, customer: usize, price_uid: Option<String>, now: DateTime<Utc>) -> Subscription {
        Subscription {
            uid: format!("sub_{}", token(&mut self.rng, 16)),
            customer,
            price_uid,
            target: None,
            status: "INCOMPLETE",
            created: now,
            updated: now,
            period_start: now,
            period_end: now,
            trial_start: None,
            trial_end: None,
            cancel_at_period_end: false,
            cancelled_at: None,
            cancellation_reason: None,
            metadata: BTreeMap::new(),
            usage: None,
            wallet_declines: false,
        }
    }

    pub fn push_subscription(&mut self, sub: Subscription) -> String {
        let uid = sub.uid.clone();
        self.subscription_index.insert(uid.clone(), self.subscriptions.len());
        self.subscriptions.push(sub);
        uid
    }

    /// Adds a seeded subscription; false when its price has no KuvarPay equivalent.
    fn seed_subscription(&mut self, s: &SeedSubscription, customer: usize, now: DateTime<Utc>) -> bool {
        let plan_uid = format!("plan_{}", s.plan.replace('-', "_"));
        let (Ok(period), Ok(currency)) = (ChargePeriod::parse(&s.period), Currency::from_code(&s.currency)) else {
            return false;
        };
        let Some(price) =
            self.prices.iter().find(|p| p.plan_uid == plan_uid && p.period == period && p.currency == currency)
        else {
            return false;
        };
        let (price_uid, trial_days) = (price.uid.clone(), price.trial_days);
        let start = now - Duration::days(s.started_days_ago);
        let mut sub = self.new_subscription(customer, Some(price_uid), start);
        sub.status = seed_status(&s.status);
        sub.usage = s.usage.values().next().copied();
        match sub.status {
            "TRIALING" => {
                let end = start + Duration::days(i64::from(trial_days.unwrap_or(14)));
                (sub.trial_start, sub.trial_end, sub.period_start, sub.period_end) =
                    (Some(start), Some(end), start, end);
            }
            "CANCELED" => {
                let (p_start, _) = current_period(start, period, now);
                let ended = (p_start - Duration::days(1)).max(start + Duration::hours(1));
                (sub.period_start, sub.period_end) = current_period(start, period, ended);
                sub.cancelled_at = Some(ended);
                sub.cancellation_reason = Some("Customer switched provider".into());
            }
            "INCOMPLETE" | "INCOMPLETE_EXPIRED" => {
                let opened = if sub.status == "INCOMPLETE" { now - Duration::hours(2) } else { start };
                (sub.created, sub.updated, sub.period_start, sub.period_end) = (opened, opened, opened, opened);
                let session_status = if sub.status == "INCOMPLETE" { "PENDING" } else { "EXPIRED" };
                self.open_checkout(&sub, session_status, "https://harmattan.example/welcome", opened);
            }
            _ => {
                (sub.period_start, sub.period_end) = current_period(start, period, now);
                sub.cancel_at_period_end = s.cancel_at_period_end;
            }
        }
        self.subscriptions.push(sub);
        true
    }

    /// Records the checkout session that created `sub` (pending or expired in the seed).
    pub fn open_checkout(
        &mut self,
        sub: &Subscription,
        status: &'static str,
        success_url: &str,
        created: DateTime<Utc>,
    ) -> String {
        // Random per run, not from the seeded generator: the id is the pay page's address.
        let _ = token(&mut self.rng, 16);
        // The seeded draw still happens, so the demo data's other ids stay as they were.
        let uid = format!("cs_{}", crate::sandbox::admin::random_token(24));
        let session = CheckoutSession {
            uid: uid.clone(),
            status,
            price_uid: sub.price_uid.clone(),
            subscription_uid: sub.uid.clone(),
            customer: sub.customer,
            success_url: success_url.to_string(),
            cancel_url: None,
            created,
            expires_at: created + Duration::hours(24),
            completed_at: None,
        };
        self.checkouts.insert(uid.clone(), session);
        uid
    }

    fn abandoned_checkout(&mut self, customer: usize) {
        let Some(price_uid) = self.prices.first().map(|p| p.uid.clone()) else { return };
        let created = self.customers[customer].created;
        let mut sub = self.new_subscription(customer, Some(price_uid), created);
        sub.status = "INCOMPLETE_EXPIRED";
        self.subscriptions.push(sub);
    }

    /// Newest first, optionally only one customer's (by e-mail or uid) and some statuses.
    pub fn list_subscriptions(&self, customer: Option<usize>, statuses: Option<&[String]>) -> Vec<&Subscription> {
        self.subscriptions
            .iter()
            .rev()
            .filter(|s| customer.is_none_or(|c| s.customer == c))
            .filter(|s| statuses.is_none_or(|wanted| wanted.iter().any(|w| w.eq_ignore_ascii_case(s.status))))
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn any_neutral_seed_loads_one_time_prices_are_dropped_and_every_customer_is_listed() {
        // Kelviq's seed: a free ONE_TIME plan, JPY/KWD prices, customers without subscriptions.
        let seed = Seed::parse(include_str!("../../../assets/sandbox/kelviq.json"), "kelviq.json").unwrap();
        let state = State::from_seed(&seed, "http://127.0.0.1:1");
        assert!(state.prices.iter().all(|p| p.period.interval().is_some()));
        assert_eq!(state.customers.len(), seed.customers.len());
        let with_sub: std::collections::HashSet<usize> = state.subscriptions.iter().map(|s| s.customer).collect();
        assert_eq!(with_sub.len(), state.customers.len(), "a customer exists only through a subscription");
        assert_eq!(state.subscription_index.len(), state.subscriptions.len());
    }

    #[test]
    fn builtin_seed_has_the_promised_variety() {
        let seed = Seed::parse(include_str!("../../../assets/sandbox/kuvarpay.json"), "kuvarpay.json").unwrap();
        let state = State::from_seed(&seed, "http://127.0.0.1:1");
        assert!(state.customers.len() >= 60);
        let statuses: std::collections::HashSet<&str> = state.subscriptions.iter().map(|s| s.status).collect();
        assert!(statuses.len() >= 6, "{statuses:?}");
        let pending = state.checkouts.values().filter(|c| c.status == "PENDING").count();
        assert!(pending >= 1, "seeded incomplete subscriptions come with a payable session");
    }
}

/// A stored response to an idempotent request, or the first one still running.
#[derive(Clone, Debug)]
pub enum Stored {
    /// The first request with this key is still running.
    InFlight {
        fingerprint: u64,
    },
    Done {
        fingerprint: u64,
        status: u16,
        body: axum::body::Bytes,
        at: chrono::DateTime<chrono::Utc>,
    },
}
