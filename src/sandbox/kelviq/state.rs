//! Kelviq's records and the rules that change them. No HTTP here: routes.rs decodes requests,
//! calls these methods and renders the results in Kelviq's wire format.

use std::collections::{BTreeMap, HashMap};

use chrono::{DateTime, Duration, NaiveDate, NaiveTime, Utc};
use rust_decimal::Decimal;
use serde_json::Value;

use crate::billing::{ChargePeriod, Currency};
use crate::sandbox::seed::{Seed, SeedFeatureType, SeedGrant};
use crate::util::SplitMix64;

pub use super::ledger::{Ledger, SavedCard};

/// An error in one of Kelviq's shapes; routes.rs renders it.
#[derive(Debug, Clone, PartialEq)]
pub enum ApiError {
    /// `{"detail": "..."}`
    Detail(u16, String),
    /// DRF field errors: `{"field": ["message"]}`
    Fields(u16, Vec<(String, String)>),
}

impl ApiError {
    pub fn field(field: &str, message: &str) -> ApiError {
        ApiError::Fields(400, vec![(field.to_string(), message.to_string())])
    }
    pub fn not_found(message: &str) -> ApiError {
        ApiError::Detail(404, message.to_string())
    }
}

#[derive(Clone, Debug)]
pub struct Customer {
    pub uuid: String,
    pub customer_id: String,
    pub name: Option<String>,
    pub email: Option<String>,
    pub metadata: BTreeMap<String, String>,
    pub country: Option<String>,
    pub created: DateTime<Utc>,
    pub modified: DateTime<Utc>,
    /// Lower-cased name, email and id, for `search`.
    search_key: String,
}

impl Customer {
    fn refresh_search_key(&mut self) {
        self.search_key = format!(
            "{} {} {}",
            self.name.as_deref().unwrap_or(""),
            self.email.as_deref().unwrap_or(""),
            self.customer_id
        )
        .to_lowercase();
    }
}

#[derive(Clone, Debug)]
pub struct Feature {
    pub uuid: String,
    pub identifier: String,
    pub name: String,
    pub kind: SeedFeatureType,
    pub unit: Option<String>,
}

impl Feature {
    pub fn type_name(&self) -> &'static str {
        match self.kind {
            SeedFeatureType::Boolean => "BOOLEAN",
            SeedFeatureType::Meter => "METER",
            SeedFeatureType::Customizable => "CUSTOMIZABLE",
        }
    }
}

#[derive(Clone, Debug)]
pub struct PriceRow {
    pub currency: Currency,
    pub period: ChargePeriod,
    pub amount: Decimal,
}

#[derive(Clone, Debug)]
pub struct Plan {
    pub identifier: String,
    pub name: String,
    pub description: String,
    pub product_uuid: String,
    pub product_name: String,
    pub trial_days: Option<u32>,
    pub prices: Vec<PriceRow>,
    /// One PlanPrice id per currency.
    pub price_ids: BTreeMap<String, String>,
    pub grants: Vec<SeedGrant>,
    pub created: DateTime<Utc>,
}

impl Plan {
    pub fn price(&self, period: ChargePeriod, currency: Currency) -> Option<&PriceRow> {
        self.prices.iter().find(|p| p.period == period && p.currency == currency)
    }

    pub fn is_free(&self) -> bool {
        self.prices.iter().all(|p| p.amount.is_zero())
    }
}

#[derive(Clone, Debug)]
pub struct Subscription {
    pub uuid: String,
    pub external_id: String,
    pub customer_id: String,
    pub plan_id: String,
    pub period: ChargePeriod,
    pub currency: Currency,
    pub amount: Decimal,
    pub status: String,
    pub start_date: NaiveDate,
    pub period_start: DateTime<Utc>,
    pub period_end: DateTime<Utc>,
    pub end_date: Option<NaiveDate>,
    pub canceled_at: Option<DateTime<Utc>>,
    pub cancellation_feedback: Option<String>,
    pub cancellation_comment: Option<String>,
    pub trial_end: Option<DateTime<Utc>>,
    pub quantities: BTreeMap<String, i64>,
    pub usage: BTreeMap<String, i64>,
    /// When a seeded subscription's first payment was taken (the start of the period it was
    /// seeded in, however many renewals came after): it predates the sandbox, so no order
    /// records it and `orders` derives one from this. `None` for a seeded subscription that
    /// has paid nothing (trialing, incomplete, free) and for every subscription the sandbox
    /// makes (checkout, plan change): what those charge is recorded as an order when charged,
    /// and deriving one here would list money never taken.
    pub seeded_payment: Option<DateTime<Utc>>,
    /// Failed charges of the current renewal (tick.rs): the dunning schedule's position.
    pub failed_charges: u32,
    /// When the current renewal's first charge failed.
    pub past_due_since: Option<DateTime<Utc>>,
    /// Canceled by Kelviq itself (retries exhausted) rather than through the API.
    pub canceled_by_provider: bool,
    /// The renewal invoice whose charge failed: retries charge this same invoice.
    pub unpaid_invoice: Option<String>,
}

impl Subscription {
    /// The status a reader sees now: a subscription whose end date has passed is canceled.
    pub fn effective_status(&self, today: NaiveDate) -> &str {
        match self.end_date {
            Some(end) if end <= today && matches!(self.status.as_str(), "active" | "trialing" | "past_due") => {
                "canceled"
            }
            _ => &self.status,
        }
    }

    pub fn is_live(&self, today: NaiveDate) -> bool {
        matches!(self.effective_status(today), "active" | "trialing" | "past_due")
    }
}

#[derive(Clone, Debug)]
pub struct Order {
    pub id: String,
    pub status: String,
    pub paid_at: Option<DateTime<Utc>>,
    pub created: DateTime<Utc>,
    pub amount_total: Decimal,
    pub currency: Currency,
    pub invoice_id: String,
    pub billing_type: &'static str,
    /// The order that starts a free trial: it charges nothing (`isTrial` on the wire).
    pub is_trial: bool,
}

#[derive(Clone, Debug)]
pub struct Checkout {
    pub id: String,
    pub plan_id: String,
    pub period: ChargePeriod,
    pub currency: Currency,
    pub amount: Decimal,
    pub customer_id: Option<String>,
    pub quantities: BTreeMap<String, i64>,
    pub success_url: String,
    pub cancel_url: Option<String>,
    pub metadata: BTreeMap<String, String>,
    pub status: String,
    pub created: DateTime<Utc>,
    pub order: Option<Order>,
    pub subscription_id: Option<String>,
}

pub struct State {
    pub public_base: String,
    /// The sandbox's clock, shared by its four providers: every timestamp comes from it.
    pub clock: crate::sandbox::clock::Clock,
    pub customers: Vec<Customer>,
    customer_index: HashMap<String, usize>,
    pub features: Vec<Feature>,
    pub plans: Vec<Plan>,
    pub subscriptions: Vec<Subscription>,
    pub checkouts: BTreeMap<String, Checkout>,
    /// Prorated charges from plan changes, by the subscription they created: what the
    /// sandbox actually billed, to compare with the console's preview.
    pub charges: Vec<(String, Order)>,
    /// Refunds and portal tokens (payments.rs).
    pub ledger: Ledger,
    pub(crate) rng: SplitMix64,
}

/// A deterministic v4-shaped UUID from the sandbox's RNG, so seeded runs have stable ids.
pub(crate) fn uuid_from(rng: &mut SplitMix64) -> String {
    let mut bytes = [0u8; 16];
    bytes[..8].copy_from_slice(&rng.next_u64().to_le_bytes());
    bytes[8..].copy_from_slice(&rng.next_u64().to_le_bytes());
    uuid::Builder::from_random_bytes(bytes).into_uuid().to_string()
}

pub(crate) fn token(rng: &mut SplitMix64, len: usize) -> String {
    const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
    (0..len).map(|_| ALPHABET[rng.below(ALPHABET.len() as u64) as usize] as char).collect()
}

fn days_ago(now: DateTime<Utc>, days: i64) -> DateTime<Utc> {
    now - Duration::days(days)
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
            // One-time: a single "period" of 100 years, so it never renews.
            return (begin, begin + Duration::days(36_500));
        };
        let end = end_date.and_time(begin.time()).and_utc();
        if end > now || end <= begin {
            return (begin, end);
        }
        begin = end;
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
        let mut rng = SplitMix64::new(0x6b65_6c76_6971);
        let products: HashMap<&str, (String, &str)> =
            seed.products.iter().map(|p| (p.id.as_str(), (uuid_from(&mut rng), p.name.as_str()))).collect();
        let features = seed
            .features
            .iter()
            .map(|f| Feature {
                uuid: uuid_from(&mut rng),
                identifier: f.id.clone(),
                name: f.name.clone(),
                kind: f.kind,
                unit: f.unit.clone(),
            })
            .collect();
        let plans = seed.plans.iter().map(|p| build_plan(p, &products, &mut rng, now)).collect();
        let mut state = State {
            public_base: public_base.to_string(),
            clock,
            customers: Vec::with_capacity(seed.customers.len()),
            customer_index: HashMap::with_capacity(seed.customers.len()),
            features,
            plans,
            subscriptions: Vec::new(),
            checkouts: BTreeMap::new(),
            charges: Vec::new(),
            ledger: Default::default(),
            rng,
        };
        let mut seeded: Vec<_> = seed.customers.iter().collect();
        // Oldest first, so the list (newest first) reads like a real account.
        seeded.sort_by_key(|c| std::cmp::Reverse(c.created_days_ago));
        for c in seeded {
            let created = days_ago(now, c.created_days_ago);
            state.insert_customer(
                c.id.clone(),
                Some(c.name.clone()),
                Some(c.email.clone()),
                BTreeMap::new(),
                c.country.clone(),
                created,
            );
        }
        for s in &seed.subscriptions {
            state.seed_subscription(s, now);
        }
        state
    }

    fn seed_subscription(&mut self, s: &crate::sandbox::seed::SeedSubscription, now: DateTime<Utc>) {
        // Seed::parse checked these references; skip quietly if a hand-edited file slips through.
        let (Ok(period), Ok(currency)) = (ChargePeriod::parse(&s.period), Currency::from_code(&s.currency)) else {
            return;
        };
        let Some(plan) = self.plans.iter().find(|p| p.identifier == s.plan) else { return };
        let Some(price) = plan.price(period, currency) else { return };
        let amount = price.amount;
        let trial_days = plan.trial_days;
        let start = days_ago(now, s.started_days_ago);
        let (period_start, period_end) = current_period(start, period, now);
        let mut sub =
            self.new_subscription(&s.customer, &s.plan, period, currency, amount, start, period_start, period_end);
        sub.status = s.status.clone();
        let paid = amount > Decimal::ZERO && !matches!(s.status.as_str(), "trialing" | "incomplete");
        sub.seeded_payment = paid.then_some(period_start);
        sub.usage = s.usage.clone();
        sub.quantities = s.quantities.clone();
        if s.status == "canceled" {
            let ended = (period_start - Duration::days(1)).max(start);
            sub.end_date = Some(ended.date_naive());
            sub.canceled_at = Some(ended);
            sub.status = "canceled".into();
        } else if s.cancel_at_period_end {
            sub.end_date = Some(period_end.date_naive());
            sub.canceled_at = Some(now - Duration::days(2));
        }
        if s.status == "trialing" {
            sub.trial_end = Some(start + Duration::days(i64::from(trial_days.unwrap_or(14))));
        }
        self.subscriptions.push(sub);
    }

    #[allow(clippy::too_many_arguments)]
    pub fn new_subscription(
        &mut self,
        customer_id: &str,
        plan_id: &str,
        period: ChargePeriod,
        currency: Currency,
        amount: Decimal,
        start: DateTime<Utc>,
        period_start: DateTime<Utc>,
        period_end: DateTime<Utc>,
    ) -> Subscription {
        Subscription {
            uuid: uuid_from(&mut self.rng),
            external_id: format!("sub_{}", token(&mut self.rng, 24)),
            customer_id: customer_id.to_string(),
            plan_id: plan_id.to_string(),
            period,
            currency,
            amount,
            status: "active".into(),
            start_date: start.date_naive(),
            period_start,
            period_end,
            end_date: None,
            canceled_at: None,
            cancellation_feedback: None,
            cancellation_comment: None,
            trial_end: None,
            quantities: BTreeMap::new(),
            usage: BTreeMap::new(),
            seeded_payment: None,
            failed_charges: 0,
            past_due_since: None,
            canceled_by_provider: false,
            unpaid_invoice: None,
        }
    }

    pub fn insert_customer(
        &mut self,
        customer_id: String,
        name: Option<String>,
        email: Option<String>,
        metadata: BTreeMap<String, String>,
        country: Option<String>,
        created: DateTime<Utc>,
    ) -> &Customer {
        let mut c = Customer {
            uuid: uuid_from(&mut self.rng),
            customer_id: customer_id.clone(),
            name,
            email,
            metadata,
            country,
            created,
            modified: created,
            search_key: String::new(),
        };
        c.refresh_search_key();
        self.customer_index.insert(customer_id, self.customers.len());
        self.customers.push(c);
        &self.customers[self.customers.len() - 1]
    }

    pub fn customer(&self, customer_id: &str) -> Option<&Customer> {
        self.customer_index.get(customer_id).map(|&i| &self.customers[i])
    }

    pub fn customer_mut(&mut self, customer_id: &str) -> Option<&mut Customer> {
        let i = *self.customer_index.get(customer_id)?;
        let c = &mut self.customers[i];
        Some(c)
    }

    /// Newest first, filtered by a case-insensitive substring of name, email or id.
    pub fn search_customers(&self, search: Option<&str>) -> Vec<&Customer> {
        let needle = search.map(str::to_lowercase).filter(|s| !s.is_empty());
        self.customers.iter().rev().filter(|c| needle.as_deref().is_none_or(|n| c.search_key.contains(n))).collect()
    }

    pub fn update_customer(
        &mut self,
        customer_id: &str,
        name: Option<String>,
        email: Option<String>,
        metadata: Option<BTreeMap<String, String>>,
    ) -> Result<&Customer, ApiError> {
        let now = self.clock.now();
        let c = self.customer_mut(customer_id).ok_or_else(|| ApiError::not_found("Customer does not exist."))?;
        if let Some(n) = name {
            c.name = Some(n);
        }
        if let Some(e) = email {
            c.email = Some(e);
        }
        if let Some(m) = metadata {
            c.metadata = m; // "typically replaces" per the spec
        }
        c.modified = now;
        c.refresh_search_key();
        Ok(c)
    }

    pub fn plan(&self, identifier: &str) -> Option<&Plan> {
        self.plans.iter().find(|p| p.identifier == identifier)
    }

    pub fn feature(&self, identifier: &str) -> Option<&Feature> {
        self.features.iter().find(|f| f.identifier == identifier)
    }

    /// What plan changes charged, in order: (the subscription the change produced, amount).
    pub fn change_charges(&self) -> Vec<(String, crate::billing::Money)> {
        self.charges
            .iter()
            .map(|(sub, order)| (sub.clone(), crate::billing::Money::new(order.amount_total, order.currency)))
            .collect()
    }

    /// Checkout sessions ever created (tests count them to prove one per submit).
    pub fn checkout_count(&self) -> usize {
        self.checkouts.len()
    }

    pub fn subscription(&self, uuid: &str) -> Option<&Subscription> {
        self.subscriptions.iter().find(|s| s.uuid == uuid)
    }

    /// Rows of `GET /subscriptions/`: without a status filter, superseded and expired rows are
    /// dropped (one row per subscription); with one, raw rows matching any listed status.
    pub fn list_subscriptions(
        &self,
        customer_id: Option<&str>,
        statuses: Option<&[String]>,
        today: NaiveDate,
    ) -> Vec<&Subscription> {
        let mut rows: Vec<&Subscription> = self
            .subscriptions
            .iter()
            .filter(|s| customer_id.is_none_or(|c| s.customer_id == c))
            .filter(|s| match statuses {
                Some(wanted) => wanted.iter().any(|w| w == s.effective_status(today)),
                None => !matches!(s.effective_status(today), "superseded" | "incomplete_expired"),
            })
            .collect();
        rows.sort_by_key(|s| std::cmp::Reverse(s.period_start));
        rows
    }

    /// Rows `[start, end)` of [`State::list_subscriptions`] and how many rows it has, without
    /// sorting the whole list for every page: the summary column pages through every
    /// subscription of the account, and a sort of 200,000 per page of 100 kept the sandbox busy
    /// for minutes. Ties keep the records' order, as the stable sort does.
    pub fn subscriptions_page(
        &self,
        customer_id: Option<&str>,
        statuses: Option<&[String]>,
        today: NaiveDate,
        (start, end): (usize, usize),
    ) -> (usize, Vec<&Subscription>) {
        let mut rows: Vec<(usize, &Subscription)> = self
            .subscriptions
            .iter()
            .enumerate()
            .filter(|(_, s)| customer_id.is_none_or(|c| s.customer_id == c))
            .filter(|(_, s)| match statuses {
                Some(wanted) => wanted.iter().any(|w| w == s.effective_status(today)),
                None => !matches!(s.effective_status(today), "superseded" | "incomplete_expired"),
            })
            .collect();
        let count = rows.len();
        let key = |&(i, s): &(usize, &Subscription)| (std::cmp::Reverse(s.period_start), i);
        let start = start.min(count);
        let len = end.clamp(start, count) - start;
        if len == 0 {
            return (count, Vec::new());
        }
        if start > 0 && start < count {
            rows.select_nth_unstable_by_key(start, key);
        }
        let tail = &mut rows[start..];
        if len < tail.len() {
            tail.select_nth_unstable_by_key(len, key);
        }
        let page = &mut tail[..len];
        page.sort_unstable_by_key(key);
        (count, page.iter().map(|&(_, s)| s).collect())
    }

    /// The features a plan grants as `(feature, value)`, value adjusted by purchased quantities.
    pub fn granted<'a>(
        &'a self,
        plan: &'a Plan,
        quantities: &'a BTreeMap<String, i64>,
    ) -> impl Iterator<Item = (&'a Feature, Value, bool)> + 'a {
        plan.grants.iter().filter_map(move |g| {
            let feature = self.feature(&g.feature)?;
            let value = quantities.get(&g.feature).map_or_else(|| g.value.clone(), |q| Value::from(*q));
            Some((feature, value, g.hard_limit))
        })
    }
}

fn build_plan(
    p: &crate::sandbox::seed::SeedPlan,
    products: &HashMap<&str, (String, &str)>,
    rng: &mut SplitMix64,
    now: DateTime<Utc>,
) -> Plan {
    let prices: Vec<PriceRow> = p
        .prices
        .iter()
        .filter_map(|pr| {
            Some(PriceRow {
                currency: Currency::from_code(&pr.currency).ok()?,
                period: ChargePeriod::parse(&pr.period).ok()?,
                amount: pr.amount.parse().ok()?,
            })
        })
        .collect();
    let mut price_ids = BTreeMap::new();
    for pr in &prices {
        price_ids.entry(pr.currency.code().to_string()).or_insert_with(|| uuid_from(rng));
    }
    let (product_uuid, product_name) = products.get(p.product.as_str()).cloned().unwrap_or_default();
    Plan {
        identifier: p.id.clone(),
        name: p.name.clone(),
        description: p.description.clone(),
        product_uuid,
        product_name: product_name.to_string(),
        trial_days: p.trial_days,
        prices,
        price_ids,
        grants: p.grants.clone(),
        created: now - Duration::days(400),
    }
}

/// `yyyy-MM-dd HH:mm:ss`, Kelviq's non-ISO format for `resetAt`.
pub fn reset_at(t: DateTime<Utc>) -> String {
    t.format("%Y-%m-%d %H:%M:%S").to_string()
}

pub fn start_of_day(d: NaiveDate) -> DateTime<Utc> {
    d.and_time(NaiveTime::MIN).and_utc()
}

#[cfg(test)]
mod tests {
    use crate::sandbox::seed::Seed;

    #[test]
    fn a_subscriptions_page_is_that_slice_of_the_sorted_list() {
        let mut seed = Seed::parse(include_str!("../../../assets/sandbox/kelviq.json"), "kelviq.json").unwrap();
        seed.generate_customers(3_000, 5);
        let state = super::State::from_seed(&seed, "http://127.0.0.1:1");
        let today = state.clock.now().date_naive();
        let active = vec!["active".to_string()];
        for statuses in [None, Some(active.as_slice())] {
            let all: Vec<&str> =
                state.list_subscriptions(None, statuses, today).iter().map(|s| s.uuid.as_str()).collect();
            assert!(all.len() > 500, "{}", all.len());
            for (start, end) in [(0, 100), (100, 200), (250, 257), (all.len() - 3, all.len() + 97), (0, 0)] {
                let (count, page) = state.subscriptions_page(None, statuses, today, (start, end));
                let page: Vec<&str> = page.iter().map(|s| s.uuid.as_str()).collect();
                assert_eq!(count, all.len());
                assert_eq!(page, all[start..end.min(all.len())], "rows {start}..{end}");
            }
        }
        let one = &state.subscriptions[7].customer_id;
        let (count, page) = state.subscriptions_page(Some(one), None, today, (0, 100));
        assert_eq!(count, state.list_subscriptions(Some(one), None, today).len());
        assert!(page.iter().all(|s| &s.customer_id == one) && !page.is_empty());
    }
}
