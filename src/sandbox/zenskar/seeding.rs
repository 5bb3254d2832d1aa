//! The neutral seed → Zenskar's catalog and contracts.
//!
//! Each plan price (currency × period) becomes one plan, because a Zenskar plan is a contract
//! template with one currency and cadence; each seed plan has a platform product whose flat
//! fee grants the plan's booleans (Feature) and meters (Credits); each customizable feature
//! (seats) is a per-unit add-on product whose quantity a checkout's `product_overrides`
//! change, granting a Quantity entitlement.

use std::collections::{BTreeMap, HashMap};

use chrono::{DateTime, Duration, NaiveDate, Utc};
use rust_decimal::Decimal;
use serde_json::Map;

use super::dates::day_before;
use super::state::{EntKind, EntitlementDef, Grant, Phase, Plan, PriceModel, Pricing, Product, State, add_days, uuid};
use crate::billing::{ChargePeriod, Currency};
use crate::providers::zenskar::wire;
use crate::sandbox::seed::{Seed, SeedFeatureType, SeedPlan, SeedSubscription};
use crate::util::SplitMix64;

impl State {
    /// The state on a real-time clock of its own (tests, memory benches).
    pub fn from_seed(seed: &Seed, public_base: &str) -> State {
        State::from_seed_at(seed, public_base, crate::sandbox::clock::Clock::real())
    }

    /// The state on `clock`, the one its sandbox shares between the providers.
    pub fn from_seed_at(seed: &Seed, public_base: &str, clock: crate::sandbox::clock::Clock) -> State {
        let now = clock.now();
        let mut rng = SplitMix64::new(0x7a65_6e73_6b61);
        let organisation_id = crate::sandbox::keys::ZENSKAR_ORGANISATION.to_string();
        let entity = wire::BusinessEntity {
            id: uuid(&mut rng),
            name: Some("Quillstack Ltd".into()),
            currency: Some("USD".into()),
        };
        let mut state = State {
            public_base: public_base.to_string(),
            clock,
            organisation_id,
            business_entities: vec![entity],
            customers: Vec::with_capacity(seed.customers.len()),
            by_id: HashMap::with_capacity(seed.customers.len()),
            by_external: HashMap::with_capacity(seed.customers.len()),
            by_email: HashMap::with_capacity(seed.customers.len()),
            entitlements: Vec::new(),
            products: Vec::new(),
            pricings: HashMap::new(),
            plans: Vec::new(),
            contracts: Vec::new(),
            contract_index: HashMap::new(),
            contracts_by_customer: HashMap::new(),
            invoices: Vec::new(),
            credit_notes: Vec::new(),
            checkouts: BTreeMap::new(),
            change_charges: Vec::new(),
            amendment_quotes: Vec::new(),
            cards: Vec::new(),
            rng,
        };
        state.build_catalog(seed, now);
        let mut seeded: Vec<_> = seed.customers.iter().collect();
        // Oldest first, so newest-first lists read like a real account.
        seeded.sort_by_key(|c| std::cmp::Reverse(c.created_days_ago));
        for c in seeded {
            let created = now - Duration::days(c.created_days_ago);
            let email = Some(c.email.clone());
            state.insert_customer(Some(c.id.clone()), c.name.clone(), email, c.country.clone(), Map::new(), created);
        }
        for s in &seed.subscriptions {
            state.seed_contract(s, now);
        }
        // Made last so the ids above stay what they were before a second entity existed.
        let second = wire::BusinessEntity {
            id: uuid(&mut state.rng),
            name: Some("Quillstack GmbH".into()),
            currency: Some("EUR".into()),
        };
        state.business_entities.push(second);
        state
    }

    fn build_catalog(&mut self, seed: &Seed, now: DateTime<Utc>) {
        let mut addons: HashMap<String, String> = HashMap::new();
        for f in &seed.features {
            let kind = match f.kind {
                SeedFeatureType::Boolean => EntKind::Feature,
                SeedFeatureType::Meter => EntKind::Credits,
                SeedFeatureType::Customizable => EntKind::Quantity,
            };
            let product_id = (kind == EntKind::Quantity).then(|| {
                let id = uuid(&mut self.rng);
                self.products.push(Product { id: id.clone(), name: f.name.clone() });
                addons.insert(f.id.clone(), id.clone());
                id
            });
            let units = f.unit.clone().or_else(|| (kind == EntKind::Quantity).then(|| f.name.to_lowercase()));
            let id = uuid(&mut self.rng);
            let created = now - Duration::days(1200);
            self.entitlements.push(EntitlementDef {
                id,
                feature: f.id.clone(),
                name: f.name.clone(),
                kind,
                units,
                product_id,
                created,
            });
        }
        for (n, p) in seed.plans.iter().enumerate() {
            let base = uuid(&mut self.rng);
            self.products.push(Product { id: base.clone(), name: p.name.clone() });
            for (m, price) in p.prices.iter().enumerate() {
                // Seed::parse checked currency, period and amount.
                let (Ok(currency), Ok(period), Ok(amount)) = (
                    Currency::from_code(&price.currency),
                    ChargePeriod::parse(&price.period),
                    price.amount.parse::<Decimal>(),
                ) else {
                    continue;
                };
                let created = now - Duration::days(1000) + Duration::minutes((n * 20 + m) as i64);
                self.add_plan(p, &base, &addons, currency, period, amount, created);
            }
        }
    }

    /// A per-unit add-on (seats) inside a plan: free per unit, `included` bought by default.
    fn addon_pricing(
        &mut self,
        product_id: &str,
        plan: &str,
        entitlement_id: String,
        included: i64,
        currency: Currency,
        period: ChargePeriod,
    ) -> Pricing {
        let name = self.products.iter().find(|pr| pr.id == product_id).map(|pr| pr.name.clone()).unwrap_or_default();
        Pricing {
            id: uuid(&mut self.rng),
            product_id: product_id.to_string(),
            name: format!("{name} included in {plan}"),
            currency,
            period,
            model: PriceModel::PerUnit,
            unit_amount: Decimal::ZERO,
            default_quantity: included,
            grants: vec![Grant { entitlement_id, per_unit: 1 }],
        }
    }

    #[allow(clippy::too_many_arguments)]
    fn add_plan(
        &mut self,
        p: &SeedPlan,
        base_product: &str,
        addons: &HashMap<String, String>,
        currency: Currency,
        period: ChargePeriod,
        amount: Decimal,
        created: DateTime<Utc>,
    ) {
        let mut base_grants = Vec::new();
        let mut pricing_ids = Vec::new();
        let mut addon_pricings = Vec::new();
        for g in &p.grants {
            let Some(def) = self.entitlements.iter().find(|e| e.feature == g.feature) else { continue };
            let def_id = def.id.clone();
            match def.kind {
                EntKind::Feature if g.value.as_bool() == Some(true) => {
                    base_grants.push(Grant { entitlement_id: def_id, per_unit: 1 })
                }
                EntKind::Credits => {
                    base_grants.push(Grant { entitlement_id: def_id, per_unit: g.value.as_i64().unwrap_or(0) })
                }
                EntKind::Quantity => {
                    let Some(product_id) = addons.get(&g.feature) else { continue };
                    let included = g.value.as_i64().unwrap_or(1);
                    addon_pricings.push(self.addon_pricing(product_id, &p.name, def_id, included, currency, period));
                }
                EntKind::Feature => {}
            }
        }
        let base = Pricing {
            id: uuid(&mut self.rng),
            product_id: base_product.to_string(),
            name: format!("{} platform fee", p.name),
            currency,
            period,
            model: PriceModel::FlatFee,
            unit_amount: amount,
            default_quantity: 1,
            grants: base_grants,
        };
        for pricing in std::iter::once(base).chain(addon_pricings) {
            pricing_ids.push(pricing.id.clone());
            self.pricings.insert(pricing.id.clone(), pricing);
        }
        self.plans.push(Plan {
            id: uuid(&mut self.rng),
            seed_plan: p.id.clone(),
            name: p.name.clone(),
            description: p.description.clone(),
            currency,
            period,
            trial_days: p.trial_days,
            pricing_ids,
            created,
        });
    }

    fn seed_contract(&mut self, s: &SeedSubscription, now: DateTime<Utc>) {
        let today = now.date_naive();
        let (Ok(period), Ok(currency)) = (ChargePeriod::parse(&s.period), Currency::from_code(&s.currency)) else {
            return;
        };
        let Some(&ci) = self.by_external.get(&s.customer) else { return };
        let customer_id = self.customers[ci].id.clone();
        let name = self.plans.iter().find(|p| p.period == period && p.currency == currency && p.seed_plan == s.plan);
        let Some(plan_id) = name.map(|p| p.id.clone()) else { return };
        let mut items = self.default_items(&plan_id);
        for item in &mut items {
            let Some(pricing) = self.pricings.get(&item.pricing_id) else { continue };
            let feature = self.entitlements.iter().find(|e| e.product_id.as_deref() == Some(&pricing.product_id));
            if let Some(q) = feature.and_then(|f| s.quantities.get(&f.feature)) {
                item.quantity = *q;
            }
        }
        let start = add_days(today, -s.started_days_ago);
        let mut contract =
            self.new_contract(&customer_id, &plan_id, items, start, None, now - Duration::days(s.started_days_ago));
        if s.status != "trialing" && contract.phases.len() > 1 {
            // A seeded non-trial contract never had one: one active phase from the start.
            let active = contract.phases.remove(1);
            contract.phases = vec![Phase { start, ..active }];
            contract.anchor = start;
        }
        contract.usage = s
            .usage
            .iter()
            .filter_map(|(f, used)| Some((self.entitlements.iter().find(|e| &e.feature == f)?.id.clone(), *used)))
            .collect();
        let period_bounds = contract.period(self, today);
        match s.status.as_str() {
            "canceled" => {
                let ended = period_bounds.map_or(today, |(b, _)| day_before(b)).min(day_before(today)).max(start);
                contract.start = contract.start.min(ended);
                contract.end = Some(ended);
            }
            "incomplete" => contract.status = "draft".into(),
            "paused" => contract.status = "paused".into(),
            _ if s.cancel_at_period_end => contract.end = period_bounds.map(|(_, e)| day_before(e)),
            _ => {}
        }
        let past_due = s.status == "past_due";
        let i = self.push_contract(contract);
        self.seed_invoices(i, today, past_due);
    }

    /// Up to three past invoices per billed contract; the newest unpaid when past due.
    fn seed_invoices(&mut self, i: usize, today: NaiveDate, past_due: bool) {
        let c = &self.contracts[i];
        if c.status == "draft" {
            return;
        }
        let Some(phase) = c.billing_phase(today) else { return };
        let (Some(period), amount) = (self.phase_period(phase), self.items_amount(&phase.items)) else { return };
        let mut periods = Vec::new();
        let mut begin = c.anchor;
        while begin <= today.min(c.end.unwrap_or(today)) {
            let Some(end) = period.advance(begin) else { break };
            periods.push((begin, end));
            begin = end;
        }
        let (cid, cust, cur) = (c.id.clone(), c.customer_id.clone(), c.currency);
        let n = periods.len();
        for (k, (b, e)) in periods.into_iter().skip(n.saturating_sub(3)).enumerate() {
            let last = k + 1 == n.min(3);
            let status = if past_due && last { "approved" } else { "paid" };
            self.push_invoice(&cid, &cust, cur, b, e, amount, status);
        }
    }
}
