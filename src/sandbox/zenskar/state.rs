//! Zenskar's records and the rules that read them. No HTTP here: mod.rs decodes requests,
//! ops.rs changes state, render.rs turns records into wire JSON, seeding.rs builds the demo
//! account from the neutral seed.

use std::collections::{BTreeMap, HashMap};

use chrono::{DateTime, Days, NaiveDate, Utc};
use rust_decimal::Decimal;
use serde_json::{Map, Value};

use super::dates::{current_period, day_before};
use crate::billing::{ChargePeriod, Currency, Money};
use crate::providers::zenskar::wire;
use crate::util::SplitMix64;

/// One pydantic-style validation problem: `{"loc": [...], "msg": ..., "type": ...}`.
#[derive(Clone, Debug, PartialEq)]
pub struct Issue {
    pub loc: Vec<String>,
    pub msg: String,
    pub kind: String,
}

impl Issue {
    pub fn body(field: &str, msg: &str, kind: &str) -> Issue {
        Issue { loc: vec!["body".into(), field.into()], msg: msg.into(), kind: kind.into() }
    }
}

/// An error in one of Zenskar's shapes; mod.rs renders it.
#[derive(Clone, Debug, PartialEq)]
pub enum ApiError {
    /// `{"detail": "..."}` (FastAPI's HTTPException).
    Detail(u16, String),
    /// 422 `{"detail": [{loc, msg, type}]}`.
    Validation(Vec<Issue>),
}

impl ApiError {
    pub fn not_found(what: &str) -> ApiError {
        ApiError::Detail(404, format!("{what} not found"))
    }
    pub fn bad(message: impl Into<String>) -> ApiError {
        ApiError::Detail(400, message.into())
    }
    pub fn field(field: &str, msg: &str, kind: &str) -> ApiError {
        ApiError::Validation(vec![Issue::body(field, msg, kind)])
    }
}

#[derive(Clone, Debug)]
pub struct Customer {
    pub seq: usize,
    pub id: String,
    pub external_id: Option<String>,
    pub name: String,
    pub email: Option<String>,
    pub phone: Option<String>,
    pub country: Option<String>,
    pub custom_data: Map<String, Value>,
    pub business_entity_id: String,
    pub created: DateTime<Utc>,
    pub updated: DateTime<Utc>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum EntKind {
    Feature,
    Quantity,
    Credits,
}

impl EntKind {
    pub fn name(self) -> &'static str {
        match self {
            EntKind::Feature => "Feature",
            EntKind::Quantity => "Quantity",
            EntKind::Credits => "Credits",
        }
    }
}

#[derive(Clone, Debug)]
pub struct EntitlementDef {
    pub id: String,
    /// The seed's feature id, to attach seeded usage.
    pub feature: String,
    pub name: String,
    pub kind: EntKind,
    pub units: Option<String>,
    pub product_id: Option<String>,
    pub created: DateTime<Utc>,
}

#[derive(Clone, Debug)]
pub struct Product {
    pub id: String,
    pub name: String,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PriceModel {
    FlatFee,
    PerUnit,
}

#[derive(Clone, Debug)]
pub struct Grant {
    pub entitlement_id: String,
    /// Granted per unit bought.
    pub per_unit: i64,
}

#[derive(Clone, Debug)]
pub struct Pricing {
    pub id: String,
    pub product_id: String,
    pub name: String,
    pub currency: Currency,
    pub period: ChargePeriod,
    pub model: PriceModel,
    pub unit_amount: Decimal,
    pub default_quantity: i64,
    pub grants: Vec<Grant>,
}

impl Pricing {
    pub fn amount(&self, quantity: i64) -> Decimal {
        match self.model {
            PriceModel::FlatFee => self.unit_amount,
            PriceModel::PerUnit => self.unit_amount * Decimal::from(quantity),
        }
    }
}

#[derive(Clone, Debug)]
pub struct Plan {
    pub id: String,
    /// The seed plan this price came from, to attach seeded subscriptions.
    pub seed_plan: String,
    pub name: String,
    pub description: String,
    pub currency: Currency,
    pub period: ChargePeriod,
    pub trial_days: Option<u32>,
    pub pricing_ids: Vec<String>,
    pub created: DateTime<Utc>,
}

/// One pricing bought in a phase.
#[derive(Clone, Debug, PartialEq)]
pub struct Item {
    pub id: String,
    pub pricing_id: String,
    pub quantity: i64,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PhaseKind {
    Trial,
    Active,
}

#[derive(Clone, Debug)]
pub struct Phase {
    pub id: String,
    pub plan_id: String,
    pub kind: PhaseKind,
    pub start: NaiveDate,
    /// Inclusive.
    pub end: Option<NaiveDate>,
    pub items: Vec<Item>,
}

#[derive(Clone, Debug)]
pub struct Contract {
    pub id: String,
    pub customer_id: String,
    pub currency: Currency,
    /// draft | active | paused | expired, as stored; see [`Contract::effective_status`].
    pub status: String,
    pub start: NaiveDate,
    /// Inclusive: the contract runs until 23:59:59.999999 on this day.
    pub end: Option<NaiveDate>,
    pub anchor: NaiveDate,
    /// Sorted by start date.
    pub phases: Vec<Phase>,
    /// Consumed quantity per entitlement id.
    pub usage: BTreeMap<String, i64>,
    pub created: DateTime<Utc>,
    pub updated: DateTime<Utc>,
    /// Bumped by every write to the contract (amendment, expiry, pause): an amendment priced
    /// against an older revision is refused (see changes.rs).
    pub revision: u64,
    /// Where invoicing has reached: the exclusive end of the last period invoiced on the
    /// clock's way forward (tick.rs); `None` until the first renewal.
    pub billed_to: Option<NaiveDate>,
    /// The invoice whose automatic charge failed, when, and how many charges failed.
    pub dunning: Option<Dunning>,
}

/// A renewal invoice the saved card did not pay: retried on a schedule (tick.rs).
#[derive(Clone, Debug)]
pub struct Dunning {
    pub invoice_id: String,
    pub since: DateTime<Utc>,
    pub failed: u32,
}

impl Contract {
    /// A contract whose end date has passed is expired, whatever was stored.
    pub fn effective_status(&self, today: NaiveDate) -> &str {
        match self.end {
            Some(end) if end < today && matches!(self.status.as_str(), "active" | "paused") => "expired",
            _ => &self.status,
        }
    }

    pub fn is_live(&self, today: NaiveDate) -> bool {
        self.effective_status(today) == "active"
    }

    pub fn current_phase(&self, today: NaiveDate) -> Option<&Phase> {
        self.phases.iter().rev().find(|p| p.start <= today).or(self.phases.first())
    }

    /// The phase that sets price and cadence now: the current one unless it is a trial,
    /// then the first paid phase after it.
    pub fn billing_phase(&self, today: NaiveDate) -> Option<&Phase> {
        let current = self.current_phase(today)?;
        if current.kind == PhaseKind::Active {
            return Some(current);
        }
        self.phases.iter().find(|p| p.kind == PhaseKind::Active && p.start > current.start).or(Some(current))
    }

    /// `[start, end)` of the billing period containing `today` (a trial is its own period).
    pub fn period(&self, state: &State, today: NaiveDate) -> Option<(NaiveDate, NaiveDate)> {
        let phase = self.current_phase(today)?;
        if phase.kind == PhaseKind::Trial {
            return Some((phase.start, phase.end?.succ_opt()?));
        }
        let cadence = state.phase_period(phase)?;
        current_period(self.anchor, cadence, today.max(self.anchor))
    }
}

#[derive(Clone, Debug)]
pub struct Invoice {
    pub id: String,
    pub number: String,
    pub customer_id: String,
    pub contract_id: String,
    pub currency: Currency,
    pub status: String,
    pub begin: NaiveDate,
    pub end_exclusive: NaiveDate,
    pub total: Decimal,
    pub amount_due: Decimal,
    pub due: NaiveDate,
    pub created: DateTime<Utc>,
}

/// A credit note: the correction Zenskar issues against an approved invoice (approved
/// invoices are immutable). Here, the credit for unused time when a plan change lowers the
/// price mid-period.
#[derive(Clone, Debug)]
pub struct CreditNote {
    pub id: String,
    pub number: String,
    /// The invoice it credits: the contract's latest one when issued.
    pub invoice_id: Option<String>,
    pub customer_id: String,
    pub contract_id: String,
    pub currency: Currency,
    /// Positive: the amount credited.
    pub total: Decimal,
    pub description: String,
    pub created: DateTime<Utc>,
}

#[derive(Clone, Debug)]
pub struct Checkout {
    pub id: String,
    pub plan_id: Option<String>,
    pub contract_id: Option<String>,
    pub customer_id: Option<String>,
    pub business_entity_id: Option<String>,
    /// Created without a customer: one is made when it is paid.
    pub guest: bool,
    pub start: NaiveDate,
    pub end: Option<NaiveDate>,
    pub expires_at: DateTime<Utc>,
    pub success_url: Option<String>,
    pub cancel_url: Option<String>,
    pub overrides: Vec<wire::ProductOverride>,
    /// What the contract (or the amended phase) will hold.
    pub items: Vec<Item>,
    /// open | pending | payment_succeeded | contract_created (plus expired when read late).
    pub status: String,
    pub estimates: wire::Estimates,
    pub created: DateTime<Utc>,
    pub updated: DateTime<Utc>,
    /// For an amendment: the contract's revision its estimate was priced against.
    pub contract_revision: Option<u64>,
}

impl Checkout {
    pub fn effective_status(&self, now: DateTime<Utc>) -> &str {
        if matches!(self.status.as_str(), "open" | "pending") && self.expires_at <= now {
            "expired"
        } else {
            &self.status
        }
    }
}

pub struct State {
    pub public_base: String,
    /// The sandbox's clock, shared by its four providers: every timestamp comes from it.
    pub clock: crate::sandbox::clock::Clock,
    pub organisation_id: String,
    pub business_entities: Vec<wire::BusinessEntity>,
    pub customers: Vec<Customer>,
    pub by_id: HashMap<String, usize>,
    pub by_external: HashMap<String, usize>,
    pub by_email: HashMap<String, usize>,
    pub entitlements: Vec<EntitlementDef>,
    pub products: Vec<Product>,
    pub pricings: HashMap<String, Pricing>,
    pub plans: Vec<Plan>,
    /// Creation order; lists read it newest first.
    pub contracts: Vec<Contract>,
    pub contract_index: HashMap<String, usize>,
    pub contracts_by_customer: HashMap<String, Vec<usize>>,
    pub invoices: Vec<Invoice>,
    pub credit_notes: Vec<CreditNote>,
    pub checkouts: BTreeMap<String, Checkout>,
    /// What each amendment effective today billed: (contract id, amount); see changes.rs.
    pub change_charges: Vec<(String, Money)>,
    /// Amendment previews, so a checkout priced from a stale preview is refused; see changes.rs.
    pub amendment_quotes: Vec<AmendmentQuote>,
    /// Cards payments on the hosted page saved (cards.rs).
    pub cards: Vec<SavedCard>,
    pub(crate) rng: SplitMix64,
}

/// A deterministic v4-shaped UUID, so seeded runs have stable ids.
pub(crate) fn uuid(rng: &mut SplitMix64) -> String {
    let mut bytes = [0u8; 16];
    bytes[..8].copy_from_slice(&rng.next_u64().to_le_bytes());
    bytes[8..].copy_from_slice(&rng.next_u64().to_le_bytes());
    uuid::Builder::from_random_bytes(bytes).into_uuid().to_string()
}

pub fn add_days(d: NaiveDate, days: i64) -> NaiveDate {
    if days >= 0 {
        d.checked_add_days(Days::new(days as u64)).unwrap_or(d)
    } else {
        d.checked_sub_days(Days::new(days.unsigned_abs())).unwrap_or(d)
    }
}

impl State {
    /// Checkout sessions ever created (new contracts and amendments; previews create none).
    /// Sessions are never deleted, expired ones included, so this is the map's size.
    pub fn checkout_count(&self) -> usize {
        self.checkouts.len()
    }

    pub fn insert_customer(
        &mut self,
        external_id: Option<String>,
        name: String,
        email: Option<String>,
        country: Option<String>,
        custom_data: Map<String, Value>,
        created: DateTime<Utc>,
    ) -> &Customer {
        let seq = self.customers.len();
        let c = Customer {
            seq,
            id: uuid(&mut self.rng),
            external_id,
            name,
            email,
            phone: None,
            country,
            custom_data,
            business_entity_id: self.business_entities.first().map(|b| b.id.clone()).unwrap_or_default(),
            created,
            updated: created,
        };
        self.by_id.insert(c.id.clone(), seq);
        if let Some(e) = &c.external_id {
            self.by_external.insert(e.clone(), seq);
        }
        if let Some(e) = &c.email {
            self.by_email.insert(e.to_lowercase(), seq);
        }
        self.customers.push(c);
        &self.customers[seq]
    }

    pub fn customer(&self, id: &str) -> Option<&Customer> {
        self.by_id.get(id).map(|&i| &self.customers[i])
    }

    pub fn plan(&self, id: &str) -> Option<&Plan> {
        self.plans.iter().find(|p| p.id == id)
    }

    pub fn product(&self, id: &str) -> Option<&Product> {
        self.products.iter().find(|p| p.id == id)
    }

    pub fn contract(&self, id: &str) -> Option<&Contract> {
        self.contract_index.get(id).map(|&i| &self.contracts[i])
    }

    pub fn contract_mut(&mut self, id: &str) -> Option<&mut Contract> {
        self.contract_index.get(id).map(|&i| &mut self.contracts[i])
    }

    /// The cadence of a phase: its flat fee's.
    pub fn phase_period(&self, phase: &Phase) -> Option<ChargePeriod> {
        let pricings = || phase.items.iter().filter_map(|i| self.pricings.get(&i.pricing_id));
        pricings().find(|p| p.model == PriceModel::FlatFee).or_else(|| pricings().next()).map(|p| p.period)
    }

    pub fn items_amount(&self, items: &[Item]) -> Decimal {
        items.iter().filter_map(|i| Some(self.pricings.get(&i.pricing_id)?.amount(i.quantity))).sum()
    }

    /// A plan's pricings at their default quantities, with a new line id each.
    pub fn default_items(&mut self, plan_id: &str) -> Vec<Item> {
        let ids = self.plan(plan_id).map(|p| p.pricing_ids.clone()).unwrap_or_default();
        ids.into_iter()
            .filter_map(|pid| {
                let quantity = self.pricings.get(&pid)?.default_quantity;
                Some(Item { id: uuid(&mut self.rng), pricing_id: pid, quantity })
            })
            .collect()
    }

    /// A new contract from a plan starting `start`: a trial phase first when the plan has one.
    pub fn new_contract(
        &mut self,
        customer_id: &str,
        plan_id: &str,
        items: Vec<Item>,
        start: NaiveDate,
        end: Option<NaiveDate>,
        now: DateTime<Utc>,
    ) -> Contract {
        let plan = self.plan(plan_id);
        let currency = plan.map_or(Currency::USD, |p| p.currency);
        let trial = plan.and_then(|p| p.trial_days).filter(|d| *d > 0);
        let mut phases = Vec::new();
        let mut active_start = start;
        if let Some(days) = trial {
            active_start = add_days(start, i64::from(days));
            let trial_items = items.iter().map(|i| Item { id: uuid(&mut self.rng), ..i.clone() }).collect();
            let id = uuid(&mut self.rng);
            let (kind, end) = (PhaseKind::Trial, Some(day_before(active_start)));
            phases.push(Phase { id, plan_id: plan_id.to_string(), kind, start, end, items: trial_items });
        }
        let id = uuid(&mut self.rng);
        phases.push(Phase {
            id,
            plan_id: plan_id.to_string(),
            kind: PhaseKind::Active,
            start: active_start,
            end,
            items,
        });
        Contract {
            id: uuid(&mut self.rng),
            customer_id: customer_id.to_string(),
            currency,
            status: "active".into(),
            start,
            end,
            anchor: active_start,
            phases,
            usage: BTreeMap::new(),
            created: now,
            updated: now,
            revision: 0,
            billed_to: None,
            dunning: None,
        }
    }

    pub fn push_contract(&mut self, contract: Contract) -> usize {
        let i = self.contracts.len();
        self.contract_index.insert(contract.id.clone(), i);
        self.contracts_by_customer.entry(contract.customer_id.clone()).or_default().push(i);
        self.contracts.push(contract);
        i
    }

    #[allow(clippy::too_many_arguments)]
    pub fn push_invoice(
        &mut self,
        contract_id: &str,
        customer_id: &str,
        currency: Currency,
        begin: NaiveDate,
        end_exclusive: NaiveDate,
        total: Decimal,
        status: &str,
    ) {
        let number = format!("INV-{:06}", self.invoices.len() + 1001);
        let created = begin.and_hms_opt(6, 0, 0).map_or_else(|| self.clock.now(), |t| t.and_utc());
        self.invoices.push(Invoice {
            id: uuid(&mut self.rng),
            number,
            customer_id: customer_id.to_string(),
            contract_id: contract_id.to_string(),
            currency,
            status: status.to_string(),
            begin,
            end_exclusive,
            total,
            amount_due: if status == "paid" { Decimal::ZERO } else { total },
            due: add_days(begin, 14),
            created,
        });
    }
}

/// One `/checkouts/preview` of an amendment: the body and the contract revision it priced.
#[derive(Clone, Debug)]
pub struct AmendmentQuote {
    pub contract_id: String,
    pub request: crate::providers::zenskar::wire::CheckoutCreateRequest,
    pub revision: u64,
    pub at: chrono::DateTime<chrono::Utc>,
}

/// A card a payment on the hosted page saved (cards.rs reads and renders them).
#[derive(Clone, Debug)]
pub struct SavedCard {
    pub id: String,
    pub customer_id: String,
    pub card: crate::sandbox::pay::CardSeen,
    pub created: DateTime<Utc>,
}
