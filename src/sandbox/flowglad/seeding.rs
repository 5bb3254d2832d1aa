//! Builds Flowglad's records from the provider-neutral seed: seed plans become products of
//! one pricing model, boolean features toggles, meters usage meters with per-plan credit
//! grants, customizable features resources with per-plan capacities.

use std::collections::{BTreeMap, HashMap};

use chrono::{Duration, Utc};

use super::state::{
    Customer, Feature, FeatureKind, Meter, Ms, Price, PriceKind, Product, Resource, State, Subscription, days_ago, ms,
};
use crate::billing::{ChargePeriod, Currency, Money};
use crate::sandbox::kelviq::state::{current_period, token};
use crate::sandbox::seed::{Seed, SeedFeatureType, SeedPlan, SeedSubscription};
use crate::util::SplitMix64;

/// Every usage meter gets an overage price: this many minor units per this many events.
/// The seed format has no usage prices, so this is the sandbox's own choice.
const OVERAGE_UNIT_PRICE: i64 = 1;
const OVERAGE_EVENTS_PER_UNIT: u64 = 1_000;

impl State {
    /// The state on a real-time clock of its own (tests, memory benches).
    pub fn from_seed(seed: &Seed, public_base: &str) -> State {
        State::from_seed_at(seed, public_base, crate::sandbox::clock::Clock::real())
    }

    /// The state on `clock`, the one its sandbox shares between the providers.
    pub fn from_seed_at(seed: &Seed, public_base: &str, clock: crate::sandbox::clock::Clock) -> State {
        let now = clock.now();
        let created = ms(now - Duration::days(1_200));
        let mut state = State {
            public_base: public_base.to_string(),
            clock,
            pricing_model_id: String::new(),
            pricing_model_name: seed.products.first().map_or_else(|| "Default".to_string(), |p| p.name.clone()),
            pricing_model_created: created,
            resources: Vec::new(),
            meters: Vec::new(),
            features: Vec::new(),
            products: Vec::new(),
            prices: Vec::new(),
            customers: Vec::with_capacity(seed.customers.len()),
            by_external_id: HashMap::with_capacity(seed.customers.len()),
            subscriptions: Vec::new(),
            subscription_index: HashMap::new(),
            subscriptions_of: HashMap::new(),
            invoices: Vec::new(),
            invoices_of: HashMap::new(),
            payment_methods: Vec::new(),
            default_card_of: HashMap::new(),
            checkouts: BTreeMap::new(),
            change_charges: Vec::new(),
            quotes: Vec::new(),
            ledger: Default::default(),
            rng: SplitMix64::new(0x666c_6f77_676c_6164),
        };
        state.pricing_model_id = state.id("pricing_model");
        let features = state.seed_features(seed, created);
        let currency = seed.plans.iter().flat_map(|p| &p.prices).find_map(|p| Currency::from_code(&p.currency).ok());
        if let Some(currency) = currency.or_else(|| Currency::from_code("USD").ok()) {
            state.seed_overage_prices(currency, created);
        }
        for (i, plan) in seed.plans.iter().enumerate() {
            state.seed_product(plan, &features, created + i as Ms);
        }
        state.seed_customers(seed, now);
        for s in &seed.subscriptions {
            state.seed_subscription(s, now);
        }
        state
    }

    /// Toggles, meters and resources, keyed by the seed feature id.
    fn seed_features(&mut self, seed: &Seed, created: Ms) -> HashMap<String, (SeedFeatureType, usize)> {
        let mut out = HashMap::new();
        for f in &seed.features {
            let index = match f.kind {
                SeedFeatureType::Boolean => {
                    let id = self.id("feature");
                    let description = format!("{} is available", f.name);
                    let kind = FeatureKind::Toggle;
                    self.features.push(Feature {
                        id,
                        slug: f.id.clone(),
                        name: f.name.clone(),
                        description,
                        kind,
                        created,
                    });
                    self.features.len() - 1
                }
                SeedFeatureType::Meter => {
                    let id = self.id("usage_meter");
                    self.meters.push(Meter { id, slug: f.id.clone(), name: f.name.clone(), created, price: None });
                    self.meters.len() - 1
                }
                SeedFeatureType::Customizable => {
                    let id = self.id("resource");
                    self.resources.push(Resource { id, slug: f.id.clone(), name: f.name.clone(), created });
                    self.resources.len() - 1
                }
            };
            out.insert(f.id.clone(), (f.kind, index));
        }
        out
    }

    fn seed_overage_prices(&mut self, currency: Currency, created: Ms) {
        for m in 0..self.meters.len() {
            let id = self.id("price");
            let meter = &self.meters[m];
            self.prices.push(Price {
                id,
                slug: format!("{}-overage", meter.slug),
                name: format!("{} overage", meter.name),
                product: None,
                kind: PriceKind::Usage {
                    unit: crate::billing::IntervalUnit::Month,
                    count: 1,
                    meter: m,
                    events_per_unit: OVERAGE_EVENTS_PER_UNIT,
                },
                unit_price: OVERAGE_UNIT_PRICE,
                currency,
                is_default: true,
                created,
            });
            self.meters[m].price = Some(self.prices.len() - 1);
        }
    }

    fn seed_product(&mut self, plan: &SeedPlan, features: &HashMap<String, (SeedFeatureType, usize)>, created: Ms) {
        let product = self.products.len();
        let product_features = self.seed_plan_features(plan, features, created);
        let price_ids = self.seed_prices(plan, product, created);
        let free = price_ids.iter().all(|&p| self.prices[p].unit_price == 0)
            && price_ids.iter().any(|&p| self.prices[p].interval().is_some());
        let id = self.id("prod");
        self.products.push(Product {
            id,
            slug: plan.id.clone(),
            name: plan.name.clone(),
            description: plan.description.clone(),
            default: free && !self.products.iter().any(|p| p.default),
            prices: price_ids,
            features: product_features,
            created,
        });
    }

    /// Granted toggles as they are; meters and capacities as per-plan features, since a
    /// Flowglad feature carries one amount.
    fn seed_plan_features(
        &mut self,
        plan: &SeedPlan,
        features: &HashMap<String, (SeedFeatureType, usize)>,
        created: Ms,
    ) -> Vec<usize> {
        let mut out = Vec::new();
        for grant in &plan.grants {
            let Some(&(kind, index)) = features.get(&grant.feature) else { continue };
            let amount = grant.value.as_i64().unwrap_or(0);
            let (kind, target) = match kind {
                SeedFeatureType::Boolean => {
                    if grant.value.as_bool() == Some(true) {
                        out.push(index);
                    }
                    continue;
                }
                SeedFeatureType::Meter => (FeatureKind::Credit { meter: index, amount }, &self.meters[index].name),
                SeedFeatureType::Customizable => {
                    (FeatureKind::Resource { resource: index, amount }, &self.resources[index].name)
                }
            };
            let target = target.to_lowercase();
            let feature = Feature {
                id: self.id("feature"),
                slug: format!("{}-{}", plan.id, grant.feature),
                name: format!("{} {target}", plan.name),
                description: format!("{amount} {target} with {}", plan.name),
                kind,
                created,
            };
            self.features.push(feature);
            out.push(self.features.len() - 1);
        }
        out
    }

    fn seed_prices(&mut self, plan: &SeedPlan, product: usize, created: Ms) -> Vec<usize> {
        let mut out = Vec::new();
        for p in &plan.prices {
            let (Ok(currency), Ok(period)) = (Currency::from_code(&p.currency), ChargePeriod::parse(&p.period)) else {
                continue;
            };
            let unit_price = Money::parse(&p.amount, currency).ok().and_then(|m| m.to_minor_units().ok()).unwrap_or(0);
            let kind = match period.interval() {
                Some((unit, count)) => PriceKind::Subscription { unit, count, trial_days: plan.trial_days },
                None => PriceKind::SinglePayment,
            };
            let label = period.label().replace(' ', "-");
            let price = Price {
                id: self.id("price"),
                slug: format!("{}-{label}-{}", plan.id, currency.code().to_lowercase()),
                name: format!("{} {} ({})", plan.name, period.label(), currency.code()),
                product: Some(product),
                kind,
                unit_price,
                currency,
                is_default: out.is_empty(),
                created,
            };
            self.prices.push(price);
            out.push(self.prices.len() - 1);
        }
        out
    }

    fn seed_customers(&mut self, seed: &Seed, now: chrono::DateTime<Utc>) {
        let mut jitter = SplitMix64::new(0x6a69_7474_6572);
        let mut rows: Vec<Customer> = seed
            .customers
            .iter()
            .map(|c| {
                let created = ms(days_ago(now, c.created_days_ago, &mut jitter));
                Customer {
                    id: format!("cus_{}", token(&mut self.rng, 21)),
                    external_id: c.id.clone(),
                    name: c.name.clone(),
                    email: c.email.clone(),
                    domain: c.email.split('@').nth(1).map(str::to_string),
                    created,
                    updated: created,
                }
            })
            .collect();
        rows.sort_by(|a, b| (a.created, &a.id).cmp(&(b.created, &b.id)));
        for c in rows {
            self.push_customer(c);
        }
    }

    fn seed_subscription(&mut self, s: &SeedSubscription, now: chrono::DateTime<Utc>) {
        let Some(customer) = self.customer(&s.customer) else { return };
        let Ok(period) = ChargePeriod::parse(&s.period) else { return };
        let Some(product) = self.products.iter().position(|p| p.slug == s.plan) else { return };
        let Some(price) = self.products[product].prices.iter().copied().find(|&p| {
            self.prices[p].period() == period && self.prices[p].currency.code().eq_ignore_ascii_case(&s.currency)
        }) else {
            return;
        };
        let start = now - Duration::days(s.started_days_ago) - Duration::hours(3);
        let now_ms = ms(now);
        let mut sub = self.new_subscription(customer, price, 1, ms(start));
        for item in &mut sub.items {
            item.added = ms(start);
        }
        if sub.renews {
            let (a, b) = current_period(start, period, now);
            sub.period = Some((ms(a), ms(b)));
        }
        self.apply_seed_status(&mut sub, s, now_ms);
        for (feature, used) in &s.usage {
            if let Some(m) = self.meters.iter().position(|m| &m.slug == feature) {
                sub.usage.insert(m, *used);
            }
        }
        for (resource, quantity) in &s.quantities {
            let Some(r) = self.resources.iter().position(|x| &x.slug == resource) else { continue };
            for fi in &mut sub.features {
                if matches!(self.features[fi.feature].kind, FeatureKind::Resource { resource, .. } if resource == r) {
                    fi.amount = Some(*quantity);
                }
            }
        }
        let paid = self.prices[price].unit_price > 0;
        if paid && matches!(sub.status.as_str(), "active" | "past_due" | "cancellation_scheduled" | "paused") {
            sub.default_payment_method =
                Some(self.add_card(customer, crate::sandbox::pay::CardSeen::from_typed(""), ms(start)));
        }
        let invoice_status = match sub.status.as_str() {
            "active" | "cancellation_scheduled" => Some("paid"),
            "past_due" => Some("open"),
            _ => None,
        };
        let index = self.push_subscription(sub);
        if let (true, Some(status)) = (paid, invoice_status) {
            let p = &self.prices[price];
            let line = (p.name.clone(), 1, p.unit_price, Some(p.id.clone()));
            let date = self.subscriptions[index].period.map_or(ms(start), |(a, _)| a);
            self.invoice(index, vec![line], status, date);
        }
    }

    fn apply_seed_status(&mut self, sub: &mut Subscription, s: &SeedSubscription, now: Ms) {
        let period_end = sub.period.map(|(_, b)| b);
        sub.status = match (s.status.as_str(), sub.renews) {
            ("canceled", _) => {
                let ended = sub.period.map_or(now - 86_400_000, |(a, _)| a - 86_400_000).max(sub.start);
                sub.canceled_at = Some(ended);
                for f in &mut sub.features {
                    f.expired = Some(ended);
                }
                "canceled"
            }
            (_, false) => "active",
            ("active", true) if s.cancel_at_period_end => {
                sub.cancel_scheduled_at = period_end;
                "cancellation_scheduled"
            }
            ("trialing", true) => {
                let days = match self.prices[sub.price].kind {
                    PriceKind::Subscription { trial_days, .. } => trial_days.unwrap_or(14),
                    _ => 14,
                };
                sub.trial_end = Some(sub.start + i64::from(days) * 86_400_000);
                "trialing"
            }
            ("past_due" | "incomplete" | "paused", true) => s.status.as_str(),
            _ => "active",
        }
        .to_string();
    }
}
