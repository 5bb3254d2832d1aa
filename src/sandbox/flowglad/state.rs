//! Flowglad's records: one pricing model (the key's), its catalog, customers, subscriptions
//! with items and feature items, invoices, payment methods and checkout sessions.
//! No HTTP here; ops.rs holds the rules that change these, render.rs turns them into JSON.

use std::collections::{BTreeMap, HashMap};

use chrono::{DateTime, Duration, Utc};

use crate::billing::{ChargePeriod, Currency, IntervalUnit};
use crate::sandbox::kelviq::state::{current_period, token};
use crate::util::SplitMix64;

/// Epoch milliseconds.
pub type Ms = i64;

pub const ORGANIZATION_ID: &str = "org_till_sandbox_7Qm2";
/// The sandbox key is a test key (`sk_test_…`), so every object is test mode.
pub const LIVEMODE: bool = false;

pub fn ms(t: DateTime<Utc>) -> Ms {
    t.timestamp_millis()
}

pub fn from_ms(m: Ms) -> DateTime<Utc> {
    DateTime::from_timestamp_millis(m).unwrap_or_default()
}

/// One zod issue of an input validation error.
#[derive(Clone, Debug, PartialEq)]
pub struct Issue {
    pub code: &'static str,
    pub path: Vec<String>,
    pub message: String,
}

/// The error shapes of Flowglad's REST handler.
#[derive(Clone, Debug, PartialEq)]
pub enum ApiError {
    /// A procedure error: `{error: message, code}` with its tRPC HTTP status.
    Procedure { status: u16, code: &'static str, message: String },
    /// Input validation: `{error: [issues], code: "BAD_REQUEST"}`, 400.
    Issues(Vec<Issue>),
    /// Errors raised before the procedure runs (bad JSON, bad paging): `{error}` only.
    Handler(String),
}

impl ApiError {
    pub fn not_found(message: impl Into<String>) -> ApiError {
        ApiError::Procedure { status: 404, code: "NOT_FOUND", message: message.into() }
    }
    pub fn bad_request(message: impl Into<String>) -> ApiError {
        ApiError::Procedure { status: 400, code: "BAD_REQUEST", message: message.into() }
    }
    pub fn conflict(message: impl Into<String>) -> ApiError {
        ApiError::Procedure { status: 409, code: "CONFLICT", message: message.into() }
    }
    pub fn issue(path: &[&str], code: &'static str, message: impl Into<String>) -> ApiError {
        ApiError::Issues(vec![Issue {
            code,
            path: path.iter().map(|s| s.to_string()).collect(),
            message: message.into(),
        }])
    }
}

#[derive(Clone, Debug)]
pub struct Customer {
    pub id: String,
    pub external_id: String,
    pub name: String,
    pub email: String,
    pub domain: Option<String>,
    pub created: Ms,
    pub updated: Ms,
}

#[derive(Clone, Debug)]
pub struct Resource {
    pub id: String,
    pub slug: String,
    pub name: String,
    pub created: Ms,
}

#[derive(Clone, Debug)]
pub struct Meter {
    pub id: String,
    pub slug: String,
    pub name: String,
    pub created: Ms,
    /// Index of its usage (overage) price.
    pub price: Option<usize>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FeatureKind {
    Toggle,
    /// Credits on a usage meter, renewed every billing period.
    Credit {
        meter: usize,
        amount: i64,
    },
    Resource {
        resource: usize,
        amount: i64,
    },
}

#[derive(Clone, Debug)]
pub struct Feature {
    pub id: String,
    pub slug: String,
    pub name: String,
    pub description: String,
    pub kind: FeatureKind,
    pub created: Ms,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PriceKind {
    Subscription { unit: IntervalUnit, count: u32, trial_days: Option<u32> },
    SinglePayment,
    Usage { unit: IntervalUnit, count: u32, meter: usize, events_per_unit: u64 },
}

#[derive(Clone, Debug)]
pub struct Price {
    pub id: String,
    pub slug: String,
    pub name: String,
    pub product: Option<usize>,
    pub kind: PriceKind,
    /// Minor units.
    pub unit_price: i64,
    pub currency: Currency,
    pub is_default: bool,
    pub created: Ms,
}

impl Price {
    pub fn period(&self) -> ChargePeriod {
        match self.kind {
            PriceKind::Subscription { unit, count, .. } | PriceKind::Usage { unit, count, .. } => {
                ChargePeriod::from_interval(unit, count)
            }
            PriceKind::SinglePayment => ChargePeriod::OneTime,
        }
    }

    pub fn interval(&self) -> Option<(IntervalUnit, u32)> {
        match self.kind {
            PriceKind::Subscription { unit, count, .. } | PriceKind::Usage { unit, count, .. } => Some((unit, count)),
            PriceKind::SinglePayment => None,
        }
    }
}

#[derive(Clone, Debug)]
pub struct Product {
    pub id: String,
    pub slug: String,
    pub name: String,
    pub description: String,
    pub default: bool,
    pub prices: Vec<usize>,
    pub features: Vec<usize>,
    pub created: Ms,
}

/// A subscription item: what is billed each period.
#[derive(Clone, Debug)]
pub struct Item {
    pub id: String,
    pub price: usize,
    pub unit_price: i64,
    pub quantity: i64,
    pub added: Ms,
    pub expired: Option<Ms>,
    pub created: Ms,
}

/// A feature granted through one subscription item; `amount` overrides the feature's
/// (seats bought beyond the plan's).
#[derive(Clone, Debug)]
pub struct FeatureItem {
    pub id: String,
    pub item_id: String,
    pub feature: usize,
    pub amount: Option<i64>,
    pub created: Ms,
    pub expired: Option<Ms>,
}

#[derive(Clone, Debug)]
pub struct Subscription {
    pub id: String,
    pub customer: usize,
    pub price: usize,
    pub status: String,
    pub renews: bool,
    pub start: Ms,
    pub period: Option<(Ms, Ms)>,
    pub trial_end: Option<Ms>,
    pub canceled_at: Option<Ms>,
    pub cancel_scheduled_at: Option<Ms>,
    pub replaced_by: Option<String>,
    pub is_free_plan: bool,
    pub default_payment_method: Option<String>,
    /// The billing cycle anchor: the start, unless a checkout preserved another subscription's.
    pub anchor: Ms,
    /// A checkout's `outputName` and `outputMetadata`.
    pub name: Option<String>,
    pub metadata: Option<BTreeMap<String, serde_json::Value>>,
    pub scheduled_adjustment_at: Option<Ms>,
    pub created: Ms,
    pub updated: Ms,
    pub items: Vec<Item>,
    pub features: Vec<FeatureItem>,
    /// Usage this period per meter index.
    pub usage: BTreeMap<usize, i64>,
    /// Failed charges of the current renewal (tick.rs): the retry schedule's position.
    pub failed_charges: u32,
    /// When the current renewal's first charge failed.
    pub past_due_since: Option<Ms>,
}

impl Subscription {
    /// Statuses Flowglad reports as `current: true`.
    pub fn is_current(&self) -> bool {
        matches!(self.status.as_str(), "active" | "trialing" | "past_due" | "cancellation_scheduled" | "credit_trial")
    }

    /// Items billed at `now` (not scheduled for later, not expired).
    pub fn live_items(&self, now: Ms) -> impl Iterator<Item = &Item> {
        self.items.iter().filter(move |i| i.added <= now && i.expired.is_none_or(|e| e > now))
    }

    pub fn live_total(&self, now: Ms) -> i64 {
        self.live_items(now).map(|i| i.unit_price * i.quantity).sum()
    }
}

#[derive(Clone, Debug)]
pub struct InvoiceLine {
    pub id: String,
    pub description: String,
    pub quantity: i64,
    pub price: i64,
    pub price_id: Option<String>,
}

#[derive(Clone, Debug)]
pub struct Invoice {
    pub id: String,
    pub number: String,
    pub customer: usize,
    pub subscription_id: String,
    pub billing_period_id: String,
    pub date: Ms,
    pub period: (Ms, Ms),
    pub status: &'static str,
    pub currency: Currency,
    pub lines: Vec<InvoiceLine>,
}

#[derive(Clone, Debug)]
pub struct PaymentMethod {
    pub id: String,
    pub customer: usize,
    pub created: Ms,
    pub last4: String,
    pub brand: &'static str,
    pub default: bool,
}

#[derive(Clone, Debug, PartialEq)]
pub enum CheckoutKind {
    Product { price: usize, quantity: i64, anonymous: bool },
    Activate { target: String },
    AddPaymentMethod { target: Option<String>, update_all: Option<bool> },
}

#[derive(Clone, Debug)]
pub struct Checkout {
    pub id: String,
    pub kind: CheckoutKind,
    pub customer: Option<usize>,
    pub status: &'static str,
    pub success_url: String,
    pub cancel_url: String,
    pub output_name: Option<String>,
    pub output_metadata: Option<BTreeMap<String, serde_json::Value>>,
    pub preserve_anchor: bool,
    pub created: Ms,
    pub updated: Ms,
    pub expires: Ms,
}

pub struct State {
    pub public_base: String,
    /// The sandbox's clock, shared by its four providers: every timestamp comes from it.
    pub clock: crate::sandbox::clock::Clock,
    pub pricing_model_id: String,
    pub pricing_model_name: String,
    pub pricing_model_created: Ms,
    pub resources: Vec<Resource>,
    pub meters: Vec<Meter>,
    pub features: Vec<Feature>,
    pub products: Vec<Product>,
    pub prices: Vec<Price>,
    /// Ordered by (created, id), the API's list order; new customers are appended.
    pub customers: Vec<Customer>,
    pub by_external_id: HashMap<String, usize>,
    pub subscriptions: Vec<Subscription>,
    pub subscription_index: HashMap<String, usize>,
    pub subscriptions_of: HashMap<usize, Vec<usize>>,
    pub invoices: Vec<Invoice>,
    pub invoices_of: HashMap<usize, Vec<usize>>,
    pub payment_methods: Vec<PaymentMethod>,
    /// Customer → index of their default card in `payment_methods`, so adding a card does
    /// not scan every card (seeding 200,000 paid subscriptions took 80 s that way).
    pub default_card_of: HashMap<usize, usize>,
    pub checkouts: BTreeMap<String, Checkout>,
    /// What immediate plan changes billed: (subscription id, amount); see `change_charges`.
    pub change_charges: Vec<(String, crate::billing::Money)>,
    /// Recent `preview-adjust` quotes that `adjust` honours (changes.rs).
    pub quotes: Vec<Quote>,
    /// Refunds and usage events (payments.rs).
    pub ledger: Ledger,
    pub(crate) rng: SplitMix64,
}

impl State {
    pub fn id(&mut self, prefix: &str) -> String {
        format!("{prefix}_{}", token(&mut self.rng, 21))
    }

    /// Whether `quantity` of `price` totals a sane amount: computed with checked arithmetic,
    /// since `i64::MAX` seats wrapped to a negative total (−$12.00) before.
    pub fn total_in_range(&self, price: usize, quantity: i64) -> bool {
        self.prices[price].unit_price.checked_mul(quantity).is_some_and(|t| t.abs() <= MAX_LINE_TOTAL)
    }

    pub fn customer(&self, external_id: &str) -> Option<usize> {
        self.by_external_id.get(external_id).copied()
    }

    pub fn subscription(&self, id: &str) -> Option<usize> {
        self.subscription_index.get(id).copied()
    }

    pub fn price_by_id(&self, id: &str) -> Option<usize> {
        self.prices.iter().position(|p| p.id == id)
    }

    pub fn price_by_slug(&self, slug: &str) -> Option<usize> {
        self.prices.iter().position(|p| p.slug == slug)
    }

    /// Checkout sessions ever created (sessions are never removed, expired ones included).
    pub fn checkout_count(&self) -> usize {
        self.checkouts.len()
    }

    pub fn default_product(&self) -> Option<usize> {
        self.products.iter().position(|p| p.default)
    }

    /// A creation time after every existing customer's, so appending keeps list order.
    pub fn next_customer_time(&self, now: Ms) -> Ms {
        self.customers.last().map_or(now, |c| now.max(c.created + 1))
    }

    pub fn push_customer(&mut self, customer: Customer) -> usize {
        let index = self.customers.len();
        self.by_external_id.insert(customer.external_id.clone(), index);
        self.customers.push(customer);
        index
    }

    pub fn push_subscription(&mut self, sub: Subscription) -> usize {
        let index = self.subscriptions.len();
        self.subscription_index.insert(sub.id.clone(), index);
        self.subscriptions_of.entry(sub.customer).or_default().push(index);
        self.subscriptions.push(sub);
        index
    }

    pub fn push_invoice(&mut self, invoice: Invoice) {
        let index = self.invoices.len();
        self.invoices_of.entry(invoice.customer).or_default().push(index);
        self.invoices.push(invoice);
    }

    /// Items, feature items and billing period for a new subscription to `price`.
    pub fn new_subscription(&mut self, customer: usize, price: usize, quantity: i64, now: Ms) -> Subscription {
        let p = &self.prices[price];
        let (renews, interval, unit_price) = (p.interval().is_some(), p.period(), p.unit_price);
        let period = renews.then(|| {
            let (start, end) = current_period(from_ms(now), interval, from_ms(now));
            (ms(start), ms(end))
        });
        let item = Item { id: self.id("si"), price, unit_price, quantity, added: now, expired: None, created: now };
        let mut sub = Subscription {
            id: self.id("sub"),
            customer,
            price,
            status: "active".into(),
            renews,
            start: now,
            period,
            trial_end: None,
            canceled_at: None,
            cancel_scheduled_at: None,
            replaced_by: None,
            is_free_plan: unit_price == 0,
            default_payment_method: None,
            anchor: now,
            name: None,
            metadata: None,
            scheduled_adjustment_at: None,
            created: now,
            updated: now,
            items: vec![item],
            features: Vec::new(),
            usage: BTreeMap::new(),
            failed_charges: 0,
            past_due_since: None,
        };
        self.grant_features(&mut sub, now);
        sub
    }

    /// Replaces the feature items with those of the product of the subscription's price.
    pub fn grant_features(&mut self, sub: &mut Subscription, now: Ms) {
        for f in sub.features.iter_mut().filter(|f| f.expired.is_none()) {
            f.expired = Some(now);
        }
        let Some(item_id) = sub.live_items(now).next().or(sub.items.last()).map(|i| i.id.clone()) else { return };
        let features = self.prices[sub.price].product.map(|p| self.products[p].features.clone()).unwrap_or_default();
        for feature in features {
            let id = self.id("sif");
            sub.features.push(FeatureItem {
                id,
                item_id: item_id.clone(),
                feature,
                amount: None,
                created: now,
                expired: None,
            });
        }
    }

    /// A paid invoice for `amount` covering the subscription's current period.
    pub fn invoice(
        &mut self,
        sub: usize,
        lines: Vec<(String, i64, i64, Option<String>)>,
        status: &'static str,
        now: Ms,
    ) {
        let s = &self.subscriptions[sub];
        let (customer, sub_id) = (s.customer, s.id.clone());
        let period = s.period.unwrap_or((now, now));
        let currency = self.prices[s.price].currency;
        let number = format!("TILL-{:05}", self.invoices.len() + 1001);
        let lines = lines
            .into_iter()
            .map(|(description, quantity, price, price_id)| InvoiceLine {
                id: self.id("ili"),
                description,
                quantity,
                price,
                price_id,
            })
            .collect();
        let invoice = Invoice {
            id: self.id("inv"),
            number,
            customer,
            subscription_id: sub_id,
            billing_period_id: self.id("bp"),
            date: now,
            period,
            status,
            currency,
            lines,
        };
        self.push_invoice(invoice);
    }

    pub fn add_card(&mut self, customer: usize, card: crate::sandbox::pay::CardSeen, now: Ms) -> String {
        let id = self.id("pm");
        let index = self.payment_methods.len();
        if let Some(old) = self.default_card_of.insert(customer, index).and_then(|i| self.payment_methods.get_mut(i)) {
            old.default = false;
        }
        self.payment_methods.push(PaymentMethod {
            id: id.clone(),
            customer,
            created: now,
            last4: card.last4,
            brand: card.brand,
            default: true,
        });
        id
    }
}

/// `days` before `now`, minus a few deterministic seconds so seeded rows do not tie.
/// The largest line total the sandbox accepts, in minor units (a hundred billion in major
/// units): sums of many such lines stay far inside `i64`.
pub const MAX_LINE_TOTAL: i64 = 10_000_000_000_000;
pub const QUANTITY_TOO_BIG: &str = "Too big: quantity × unit price must be at most 100,000,000,000.00";

pub fn days_ago(now: DateTime<Utc>, days: i64, jitter: &mut SplitMix64) -> DateTime<Utc> {
    now - Duration::days(days) - Duration::seconds(jitter.below(86_000) as i64)
}

/// One preview: the adjustment it priced and what it quoted.
#[derive(Clone, Debug)]
pub struct Quote {
    pub subscription: String,
    pub adjustment: crate::providers::flowglad::wire::Adjustment,
    pub at: Ms,
    /// The subscription's `updated` when quoted; any later change voids the quote.
    pub updated: Ms,
    pub proration: i64,
    pub fraction_through: rust_decimal::Decimal,
}

/// What the sandbox remembers beyond the seed: refunds and usage events.
#[derive(Debug, Default)]
pub struct Ledger {
    /// Payment id → (minor units refunded, when last).
    pub refunded: std::collections::BTreeMap<String, (i64, Ms)>,
    /// Usage events by transaction id (Flowglad de-duplicates on it).
    pub usage_events: std::collections::BTreeMap<String, crate::providers::flowglad::wire::UsageEvent>,
}

#[cfg(test)]
mod tests {
    use crate::sandbox::pay::CardSeen;
    use crate::sandbox::seed::Seed;

    fn defaults_of(s: &super::State, customer: usize) -> Vec<String> {
        s.payment_methods.iter().filter(|p| p.customer == customer && p.default).map(|p| p.id.clone()).collect()
    }

    #[test]
    fn a_new_card_is_its_customers_only_default_and_leaves_others_alone() {
        let mut seed = Seed::parse(include_str!("../../../assets/sandbox/flowglad.json"), "flowglad.json").unwrap();
        seed.generate_customers(500, 3);
        let mut s = super::State::from_seed(&seed, "http://127.0.0.1:1");
        let with_cards: Vec<usize> = s.payment_methods.iter().map(|p| p.customer).collect();
        assert!(with_cards.len() > 50, "seeded paid subscriptions have cards");
        for &c in &with_cards {
            assert_eq!(defaults_of(&s, c).len(), 1, "customer {c}");
        }
        let (a, b) = (with_cards[0], (0..s.customers.len()).find(|c| !with_cards.contains(c)).unwrap());
        let other = with_cards.iter().copied().find(|&c| c != a).unwrap();
        let other_default = defaults_of(&s, other);
        s.add_card(b, CardSeen::from_typed(""), 1);
        let newest = s.add_card(a, CardSeen::from_typed(""), 2);
        let second = s.add_card(b, CardSeen::from_typed(""), 3);
        assert_eq!(defaults_of(&s, a), vec![newest]);
        assert_eq!(defaults_of(&s, b), vec![second]);
        assert_eq!(defaults_of(&s, other), other_default);
    }
}
