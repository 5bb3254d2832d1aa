//! Flowglad wire types → billing model. Pure functions; the catalog lookups live in
//! [`Catalog`] so subscriptions can be priced without another request.

use std::borrow::Cow;
use std::collections::{BTreeMap, HashMap};

use chrono::{DateTime, NaiveDate, Utc};
use rust_decimal::Decimal;
use serde_json::Number;

use super::wire;
use crate::billing::{
    ChargePeriod, CheckoutSession, CheckoutStatus, Currency, Customer, EntitlementKind, Estimate, EstimateLine,
    EstimateSource, IntervalUnit, Invoice, Money, PendingChange, Plan, PlanFeature, Price, PriceKind, ProviderKind,
    RowIssue, Subscription, SubscriptionStatus,
};
use crate::providers::decode::fit_u32;
use crate::providers::{ErrorKind, ProviderError};

pub(crate) const FLOWGLAD: ProviderKind = ProviderKind::Flowglad;

/// Usage prices hang off usage meters, not products; till lists each meter that has prices
/// as a plan with this id prefix so the rates are visible.
pub const USAGE_PLAN_PREFIX: &str = "usage:";

fn decode_error(message: String) -> ProviderError {
    ProviderError::new(FLOWGLAD, ErrorKind::Decode, message)
}

pub fn datetime(ms: i64) -> Option<DateTime<Utc>> {
    DateTime::from_timestamp_millis(ms)
}

/// A decode error about one field of the provider's object, named so the message says where.
fn field_error(field: &str, message: String) -> ProviderError {
    let mut e = decode_error(message.clone());
    e.field_errors.push(crate::providers::FieldError { field: field.to_string(), message });
    e
}

fn currency(code: &str, what: &str) -> Result<Currency, ProviderError> {
    Currency::from_code(code).map_err(|e| field_error("currency", format!("{what}: {e}")))
}

/// A JSON number of minor units as money: 1999 USD → $19.99; fractions survive (proration).
pub fn minor_money(n: &Number, currency: Currency) -> Result<Money, ProviderError> {
    let minor: Decimal =
        n.to_string().parse().map_err(|_| decode_error(format!("{n} is not an amount in minor units")))?;
    Ok(Money::new(minor * Decimal::new(1, currency.exponent()), currency))
}

/// A JSON number as a whole count (balances are numbers in the spec); fractions truncate.
pub fn whole(n: &Number) -> i64 {
    n.as_i64()
        .unwrap_or_else(|| n.to_string().parse::<Decimal>().ok().and_then(|d| d.trunc().try_into().ok()).unwrap_or(0))
}

pub fn interval_unit(unit: &str) -> Option<IntervalUnit> {
    match unit {
        "day" => Some(IntervalUnit::Day),
        "week" => Some(IntervalUnit::Week),
        "month" => Some(IntervalUnit::Month),
        "year" => Some(IntervalUnit::Year),
        _ => None,
    }
}

pub fn interval_name(unit: IntervalUnit) -> &'static str {
    match unit {
        IntervalUnit::Day => "day",
        IntervalUnit::Week => "week",
        IntervalUnit::Month => "month",
        IntervalUnit::Year => "year",
    }
}

fn period(unit: Option<&str>, count: Option<u64>, what: &str) -> Result<ChargePeriod, ProviderError> {
    let unit = unit.ok_or_else(|| field_error("intervalUnit", format!("{what} has no intervalUnit")))?;
    let unit = interval_unit(unit)
        .ok_or_else(|| field_error("intervalUnit", format!("{what}: unknown interval unit {unit:?}")))?;
    let count = fit_u32(count.unwrap_or(1).max(1), "intervalCount")
        .map_err(|e| field_error("intervalCount", format!("{what}: {e}")))?;
    Ok(ChargePeriod::from_interval(unit, count))
}

pub fn customer(c: wire::Customer) -> Customer {
    listed_customer(wire::ListedCustomer {
        id: c.id.into(),
        created_at: c.created_at,
        email: c.email.into(),
        name: c.name.into(),
        domain: c.domain.map(Cow::Owned),
        external_id: c.external_id.into(),
        ..Default::default()
    })
}

/// [`customer`] for a row of a customers page read in place.
pub fn listed_customer(c: wire::ListedCustomer<'_>) -> Customer {
    let text = |t: Cow<'_, str>| Some(t.into_owned()).filter(|t| !t.is_empty());
    Customer {
        provider: FLOWGLAD,
        created_at: datetime(c.created_at).filter(|_| c.created_at > 0),
        id: c.external_id.into_owned(),
        alt_id: text(c.id),
        name: text(c.name),
        email: text(c.email),
        metadata: c.domain.map(|d| BTreeMap::from([("domain".to_string(), d.into_owned())])).unwrap_or_default(),
        issues: Vec::new(),
    }
}

/// The price's billing period: its interval, or one-time for single payments.
pub fn price_period(p: &wire::Price) -> Result<ChargePeriod, ProviderError> {
    match p.kind.as_str() {
        wire::PRICE_SINGLE_PAYMENT => Ok(ChargePeriod::OneTime),
        _ => period(p.interval_unit.as_deref(), p.interval_count, &format!("price {}", p.id)),
    }
}

pub fn price(p: &wire::Price) -> Result<Price, ProviderError> {
    let currency = currency(&p.currency, &format!("price {}", p.id))?;
    let kind = match p.kind.as_str() {
        wire::PRICE_USAGE => PriceKind::Usage,
        _ if p.unit_price == 0 => PriceKind::Free,
        _ => PriceKind::Paid,
    };
    Ok(Price {
        id: Some(p.id.clone()),
        kind,
        period: price_period(p)?,
        amount: Money::from_minor(p.unit_price, currency),
        trial_days: p
            .trial_period_days
            .filter(|d| *d > 0)
            .map(|d| fit_u32(d, "trialPeriodDays"))
            .transpose()
            .map_err(|e| decode_error(format!("price {}: {e}", p.id)))?,
    })
}

/// The active prices that decode; each one that does not is left out and named, so one price
/// in an unexpected currency or interval does not hide the plan or the catalog.
fn prices_of(raw: &[wire::Price]) -> (Vec<Price>, Vec<RowIssue>) {
    let mut prices = Vec::new();
    let mut issues = Vec::new();
    for p in raw.iter().filter(|p| p.active) {
        match price(p) {
            Ok(price) => prices.push(price),
            Err(e) => {
                let field = e.field_errors.first().map(|f| format!(".{}", f.field)).unwrap_or_default();
                issues.push(RowIssue::new(format!("prices[{}]{field}", p.id), e.message));
            }
        }
    }
    (prices, issues)
}

/// Where a price sits in the catalog: under a product, or under a usage meter.
#[derive(Clone, Copy)]
enum PriceAt {
    Product(usize, usize),
    Meter(usize, usize),
}

/// The catalog one key sees, indexed for pricing subscriptions and resolving plan changes.
pub struct Catalog {
    pub model: wire::PricingModelDetails,
    prices: HashMap<String, PriceAt>,
    /// resource id → (slug, name)
    resources: HashMap<String, (String, String)>,
}

impl Catalog {
    pub fn new(model: wire::PricingModelDetails, resources: Vec<wire::Resource>) -> Catalog {
        let mut prices = HashMap::new();
        for (pi, product) in model.products.iter().enumerate() {
            for (i, p) in product.prices.iter().enumerate() {
                prices.insert(p.id.clone(), PriceAt::Product(pi, i));
            }
        }
        for (mi, meter) in model.usage_meters.iter().enumerate() {
            for (i, p) in meter.prices.iter().enumerate() {
                prices.entry(p.id.clone()).or_insert(PriceAt::Meter(mi, i));
            }
        }
        let resources = resources.into_iter().map(|r| (r.id, (r.slug, r.name))).collect();
        Catalog { model, prices, resources }
    }

    pub fn price(&self, id: &str) -> Option<&wire::Price> {
        match *self.prices.get(id)? {
            PriceAt::Product(product, i) => self.model.products.get(product)?.prices.get(i),
            PriceAt::Meter(meter, i) => self.model.usage_meters.get(meter)?.prices.get(i),
        }
    }

    /// A price by its slug, products first (Flowglad slugs are unique per pricing model).
    pub fn price_by_slug(&self, slug: &str) -> Option<&wire::Price> {
        let products = self.model.products.iter().flat_map(|p| p.prices.iter());
        let meters = self.model.usage_meters.iter().flat_map(|m| m.prices.iter());
        products.chain(meters).find(|p| p.slug.as_deref() == Some(slug))
    }

    pub fn product_of_price(&self, id: &str) -> Option<&wire::Product> {
        match *self.prices.get(id)? {
            PriceAt::Product(product, _) => self.model.products.get(product),
            PriceAt::Meter(..) => None,
        }
    }

    /// A product by slug (till's plan id) or by Flowglad id.
    pub fn product(&self, plan_id: &str) -> Option<&wire::Product> {
        self.model
            .products
            .iter()
            .find(|p| p.slug == plan_id)
            .or_else(|| self.model.products.iter().find(|p| p.id == plan_id))
    }

    pub fn meter_slug(&self, meter_id: &str) -> Option<(&str, &str)> {
        self.model.usage_meters.iter().find(|m| m.id == meter_id).map(|m| (m.slug.as_str(), m.name.as_str()))
    }

    pub fn resource(&self, id: &str) -> Option<(&str, &str)> {
        self.resources.get(id).map(|(s, n)| (s.as_str(), n.as_str()))
    }

    /// The plan id and name a price belongs to: its product's slug, or the usage meter's.
    pub fn plan_of_price(&self, id: &str) -> Option<(String, String)> {
        if let Some(product) = self.product_of_price(id) {
            return Some((product.slug.clone(), product.name.clone()));
        }
        let meter_id = self.price(id)?.usage_meter_id.as_deref()?;
        let (slug, name) = self.meter_slug(meter_id)?;
        Some((format!("{USAGE_PLAN_PREFIX}{slug}"), name.to_string()))
    }

    /// The active price of `plan_id` for `period`, in `currency` when given.
    pub fn resolve_price(
        &self,
        plan_id: &str,
        period: Option<ChargePeriod>,
        currency: Option<&str>,
    ) -> Result<&wire::Price, ProviderError> {
        let product = self
            .product(plan_id)
            .ok_or_else(|| ProviderError::invalid(FLOWGLAD, format!("no product {plan_id:?} in the pricing model")))?;
        let matches = |p: &&wire::Price| {
            p.active
                && period.is_none_or(|want| price_period(p).is_ok_and(|have| have == want))
                && currency.is_none_or(|c| p.currency.eq_ignore_ascii_case(c))
        };
        let candidates: Vec<&wire::Price> = product.prices.iter().filter(matches).collect();
        candidates.iter().find(|p| p.is_default).or(candidates.first()).copied().ok_or_else(|| {
            let period = period.map_or_else(|| "any period".into(), |p| p.label());
            let currency = currency.map(|c| format!(" in {}", c.to_uppercase())).unwrap_or_default();
            ProviderError::invalid(FLOWGLAD, format!("product {plan_id:?} has no active {period} price{currency}"))
        })
    }

    /// One plan per active product, then one per usage meter that has prices.
    pub fn plans(&self) -> Result<Vec<Plan>, ProviderError> {
        let mut plans = Vec::new();
        for product in self.model.products.iter().filter(|p| p.active) {
            let (prices, issues) = prices_of(&product.prices);
            plans.push(Plan {
                issues,
                provider: FLOWGLAD,
                id: product.slug.clone(),
                name: product.name.clone(),
                description: product.description.clone().filter(|d| !d.is_empty()),
                product: Some(self.model.name.clone()),
                prices,
                features: product.features.iter().filter(|f| f.active).map(|f| self.plan_feature(f)).collect(),
            });
        }
        for meter in self.model.usage_meters.iter().filter(|m| !m.prices.is_empty()) {
            let per = meter.prices.first().and_then(|p| p.usage_events_per_unit).unwrap_or(1);
            let (prices, issues) = prices_of(&meter.prices);
            plans.push(Plan {
                issues,
                provider: FLOWGLAD,
                id: format!("{USAGE_PLAN_PREFIX}{}", meter.slug),
                name: format!("{} (usage, per {per})", meter.name),
                description: None,
                product: Some(self.model.name.clone()),
                prices,
                features: Vec::new(),
            });
        }
        Ok(plans)
    }

    /// Ids and names match [`super::entitle`]: toggles by slug, credits by usage meter, resources
    /// by resource (Flowglad needs one feature per amount, e.g. "Pro ai credits"; the meter's
    /// name is what plans share).
    fn plan_feature(&self, f: &wire::Feature) -> PlanFeature {
        let amount = f.amount.unwrap_or(0);
        let own = (f.slug.clone(), f.name.clone());
        let ((feature_id, name), kind) = match f.kind.as_str() {
            wire::FEATURE_CREDIT_GRANT => {
                let meter = f.usage_meter_id.as_deref().and_then(|m| self.meter_slug(m));
                let kind =
                    EntitlementKind::Meter { limit: Some(amount), used: 0, remaining: Some(amount), hard_limit: false };
                (meter.map_or(own, |(s, n)| (s.to_string(), n.to_string())), kind)
            }
            wire::FEATURE_RESOURCE => {
                let res = f.resource_id.as_deref().and_then(|r| self.resource(r));
                let kind = EntitlementKind::Customizable { value: amount.to_string() };
                (res.map_or(own, |(s, n)| (s.to_string(), n.to_string())), kind)
            }
            _ => (own, EntitlementKind::Boolean),
        };
        PlanFeature { feature_id, name: Some(name).filter(|n| !n.is_empty()), kind }
    }
}

pub fn status(raw: &str) -> SubscriptionStatus {
    match raw {
        "active" | "cancellation_scheduled" => SubscriptionStatus::Active,
        "trialing" | "credit_trial" => SubscriptionStatus::Trialing,
        "past_due" | "unpaid" => SubscriptionStatus::PastDue,
        "incomplete" => SubscriptionStatus::Incomplete,
        "incomplete_expired" => SubscriptionStatus::Expired,
        "canceled" => SubscriptionStatus::Canceled,
        "paused" => SubscriptionStatus::Paused,
        _ => SubscriptionStatus::Unknown,
    }
}

/// What the subscription costs per period: its items in effect at `now` (unit price ×
/// quantity), else its price from the catalog.
fn amount(
    s: &wire::Subscription,
    items: Option<&[wire::SubscriptionItem]>,
    catalog: &Catalog,
    now: i64,
) -> Result<Option<Money>, ProviderError> {
    let live: Vec<&wire::SubscriptionItem> = items
        .unwrap_or_default()
        .iter()
        .filter(|i| i.added_date <= now && i.expired_at.is_none_or(|e| e > now))
        .collect();
    if live.is_empty() {
        return match catalog.price(&s.price_id) {
            Some(p) => Ok(Some(Money::from_minor(p.unit_price, currency(&p.currency, &format!("price {}", p.id))?))),
            None => Ok(None),
        };
    }
    let mut total: Option<Money> = None;
    for item in live {
        let code = item
            .price
            .as_ref()
            .map(|p| p.currency.clone())
            .or_else(|| item.price_id.as_deref().and_then(|id| catalog.price(id)).map(|p| p.currency.clone()))
            .or_else(|| catalog.price(&s.price_id).map(|p| p.currency.clone()));
        let Some(code) = code else { return Ok(None) };
        let money = Money::from_minor(item.unit_price.saturating_mul(item.quantity), currency(&code, &item.id)?);
        total = Some(match total {
            None => money,
            Some(t) => t.checked_add(&money).map_err(|e| decode_error(format!("subscription {}: {e}", s.id)))?,
        });
    }
    Ok(total)
}

/// Maps a subscription; `customer_id` is the external id when known (the wire carries
/// Flowglad's own customer id only).
pub fn subscription(
    s: &wire::Subscription,
    items: Option<&[wire::SubscriptionItem]>,
    catalog: &Catalog,
    customer_id: String,
    now: DateTime<Utc>,
) -> Result<Subscription, ProviderError> {
    let (period, start, end, trial_end) = match &s.renewal {
        wire::Renewal::Renewing(r) => (
            period(Some(&r.interval), Some(r.interval_count), &format!("subscription {}", s.id))?,
            r.current_billing_period_start.and_then(datetime),
            r.current_billing_period_end.and_then(datetime),
            r.trial_end.and_then(datetime),
        ),
        wire::Renewal::NonRenewing => (ChargePeriod::OneTime, None, None, None),
    };
    let ends_on = match s.status.as_str() {
        "cancellation_scheduled" => s.cancel_scheduled_at.and_then(datetime).or(end),
        "canceled" | "incomplete_expired" => s.canceled_at.and_then(datetime),
        _ => None,
    };
    let plan = catalog.plan_of_price(&s.price_id);
    // An amount that cannot be read (a currency we cannot keep money in) leaves it unknown
    // and the row marked; the rest of the subscription is still worth showing.
    let mut issues = Vec::new();
    let amount = amount(s, items, catalog, now.timestamp_millis())
        .map_err(|e| issues.push(RowIssue::new("amount", e.message)))
        .ok()
        .flatten();
    let trial_days_remaining = trial_end
        .filter(|_| s.status == "trialing")
        .map(|t| u32::try_from((t.date_naive() - now.date_naive()).num_days().max(0)).unwrap_or(0));
    Ok(Subscription {
        issues,
        provider: FLOWGLAD,
        id: s.id.clone(),
        customer_id,
        plan_id: plan.as_ref().map(|(id, _)| id.clone()),
        plan_name: s.name.clone().or(plan.map(|(_, name)| name)),
        status: status(&s.status),
        raw_status: s.status.clone(),
        amount,
        period,
        started_on: datetime(s.start_date).map(|d| d.date_naive()),
        current_period_start: start,
        current_period_end: end,
        ends_on: ends_on.map(|d| d.date_naive()),
        canceled_at: s.canceled_at.and_then(datetime),
        trial_days_remaining,
        pending_change: pending_change(s, items, catalog, now.timestamp_millis()),
        features: Vec::new(),
    })
}

/// The adjustment Flowglad has scheduled (`scheduledAdjustmentAt`): the plan of the items added
/// from that moment on, which replace the current ones at the end of the billing period.
fn pending_change(
    s: &wire::Subscription,
    items: Option<&[wire::SubscriptionItem]>,
    catalog: &Catalog,
    now: i64,
) -> Option<PendingChange> {
    let at = s.scheduled_adjustment_at.filter(|at| *at > now)?;
    let plan = items
        .unwrap_or_default()
        .iter()
        .filter(|i| i.added_date >= at && i.expired_at.is_none())
        .find_map(|i| i.price_id.as_deref().and_then(|id| catalog.plan_of_price(id)));
    Some(PendingChange {
        plan_id: plan.as_ref().map(|(id, _)| id.clone()),
        plan_name: plan.map(|(_, name)| name),
        on: datetime(at).map(|d| d.date_naive()),
    })
}

/// Refuses what Flowglad would silently ignore: cancelling a subscription that has already
/// ended, or scheduling a cancellation that is already scheduled.
pub fn check_cancel(s: &wire::Subscription, timing: crate::billing::CancelTiming) -> Result<(), ProviderError> {
    let ended = matches!(s.status.as_str(), "canceled" | "incomplete_expired");
    if ended {
        return Err(ProviderError::invalid(FLOWGLAD, format!("subscription {} is already {}", s.id, s.status)));
    }
    if s.status == "cancellation_scheduled" && timing == crate::billing::CancelTiming::AtPeriodEnd {
        let on = s.cancel_scheduled_at.and_then(datetime).map(|d| format!(" on {}", d.date_naive()));
        return Err(ProviderError::invalid(
            FLOWGLAD,
            format!("subscription {} is already set to end{}", s.id, on.unwrap_or_default()),
        ));
    }
    Ok(())
}

/// Refuses an uncancel with nothing to undo (Flowglad would answer with the subscription as is).
pub fn check_uncancel(s: &wire::Subscription) -> Result<(), ProviderError> {
    if s.status == "cancellation_scheduled" {
        return Ok(());
    }
    Err(ProviderError::invalid(
        FLOWGLAD,
        format!("subscription {} is {} and has no scheduled cancellation to undo", s.id, s.status),
    ))
}

pub fn checkout_status(raw: &str) -> CheckoutStatus {
    match raw {
        "open" => CheckoutStatus::Open,
        "pending" => CheckoutStatus::Processing,
        "succeeded" => CheckoutStatus::Complete,
        "expired" => CheckoutStatus::Expired,
        _ => CheckoutStatus::Unknown,
    }
}

/// `customer_id` is the external id the caller knows, if any; Flowglad's session only
/// carries its own customer id.
pub fn checkout(r: wire::CheckoutSessionResponse, customer_id: Option<String>) -> CheckoutSession {
    let s = r.checkout_session;
    CheckoutSession {
        provider: FLOWGLAD,
        url: Some(r.url).filter(|u| !u.is_empty()),
        status: checkout_status(&s.status),
        raw_status: s.status,
        expires_at: datetime(s.expires).filter(|_| s.expires > 0),
        customer_id: customer_id.or(s.customer_id),
        customer_name: s.customer_name.filter(|n| !n.trim().is_empty()),
        customer_email: s.customer_email.filter(|e| !e.trim().is_empty()),
        subscription_id: s.target_subscription_id,
        estimate: None,
        id: s.id,
    }
}

fn decimal(n: &Number) -> Decimal {
    n.to_string().parse().unwrap_or(Decimal::ZERO)
}

/// The prorated charge of an immediate change, when there is one.
fn proration_line(
    p: &wire::PreviewAdjustResponse,
    amount: &Number,
    currency: Currency,
    names: &str,
    effective: Option<NaiveDate>,
    period_end: Option<NaiveDate>,
) -> Result<Vec<EstimateLine>, ProviderError> {
    let amount = minor_money(amount, currency)?;
    if amount.is_zero() {
        return Ok(Vec::new());
    }
    let left = p.percent_through_billing_period.as_ref().map(|f| (Decimal::ONE - decimal(f)) * Decimal::ONE_HUNDRED);
    let left = left.map(|l| format!(", {}% of the period left", l.round())).unwrap_or_default();
    Ok(vec![EstimateLine {
        description: format!("Prorated change to {names}{left}"),
        quantity: Decimal::ONE,
        amount,
        period_start: effective,
        period_end,
    }])
}

/// `preview-adjust` as an estimate: the proration charged now (immediate changes only;
/// Flowglad never refunds downgrades) and the next regular invoice at the new items' prices.
pub fn preview_estimate(p: &wire::PreviewAdjustResponse, currency: Currency) -> Result<Estimate, ProviderError> {
    if !p.can_adjust {
        let reason = p.reason.as_deref().unwrap_or("no reason given");
        return Err(ProviderError::invalid(FLOWGLAD, format!("Flowglad cannot make this change: {reason}")));
    }
    let money_error = |e: crate::billing::MoneyError| decode_error(format!("preview amounts: {e}"));
    let immediate = p.resolved_timing.as_deref() == Some(wire::TIMING_IMMEDIATELY);
    let effective = p.effective_date.and_then(datetime).map(|d| d.date_naive());
    let period_end = p.billing_period_end.and_then(datetime).map(|d| d.date_naive());
    let items = p.new_subscription_items.as_deref().unwrap_or_default();
    let names = items.iter().map(|i| i.name.as_str()).collect::<Vec<_>>().join(", ");
    let now_lines = match (immediate, &p.proration_amount) {
        (true, Some(amount)) => proration_line(p, amount, currency, &names, effective, period_end)?,
        _ => Vec::new(),
    };
    let next_date = if immediate { period_end } else { effective.or(period_end) };
    let mut next_lines = Vec::new();
    for item in items {
        let quantity = decimal(&item.quantity);
        next_lines.push(EstimateLine {
            description: item.name.clone(),
            quantity,
            amount: minor_money(&item.unit_price, currency)?.times(quantity).map_err(money_error)?,
            period_start: next_date,
            period_end: None,
        });
    }
    if next_lines.is_empty()
        && let Some(total) = &p.new_plan_total
    {
        next_lines.push(EstimateLine {
            description: "New plan".into(),
            quantity: Decimal::ONE,
            amount: minor_money(total, currency)?,
            period_start: next_date,
            period_end: None,
        });
    }
    let next_invoice = (!next_lines.is_empty())
        .then(|| Invoice::from_lines(next_date, next_lines, currency))
        .transpose()
        .map_err(money_error)?;
    Ok(Estimate {
        source: EstimateSource::Provider,
        current_invoice: Invoice::from_lines(effective, now_lines, currency).map_err(money_error)?,
        next_invoice,
        effective_date: effective,
        credit_note: false,
    })
}

/// An invoice from `/customers/{externalId}/billing`. Flowglad has no total field: the total is
/// `subtotal + taxAmount` when the subtotal is given, else the sum of the lines (price × quantity,
/// minor units). There is no amount-due field either: it is nothing for a paid or void
/// invoice and unknown otherwise.
pub fn invoice(i: wire::InvoiceWithLines, customer_id: &str) -> Result<crate::billing::InvoiceRecord, ProviderError> {
    let inv = i.invoice;
    // An unknown currency leaves the total unknown and the row marked, not the list broken.
    let cur = match Currency::from_code(&inv.currency) {
        Ok(cur) => cur,
        Err(e) => {
            let issue = RowIssue::new("currency", e.to_string());
            let mut record = crate::billing::InvoiceRecord::undecodable(
                FLOWGLAD,
                inv.id.clone(),
                Some(customer_id.to_string()),
                inv.status.clone(),
                issue,
            );
            record.number = (!inv.invoice_number.is_empty()).then(|| inv.invoice_number.clone());
            record.subscription_id = inv.subscription_id.clone();
            record.issued_on = datetime(inv.invoice_date).map(|d| d.date_naive());
            record.due_on = inv.due_date.and_then(datetime).map(|d| d.date_naive());
            record.url = inv.pdf_url.clone();
            return Ok(record);
        }
    };
    let overflow = || decode_error(format!("invoice {}: the total does not fit in an amount", inv.id));
    let minor = match inv.subtotal {
        Some(subtotal) => subtotal.checked_add(inv.tax_amount.unwrap_or(0)).ok_or_else(overflow)?,
        None => i
            .invoice_line_items
            .iter()
            .try_fold(0i64, |sum, line| line.price.checked_mul(line.quantity).and_then(|l| sum.checked_add(l)))
            .ok_or_else(overflow)?,
    };
    let date = |ms: i64| datetime(ms).map(|d| d.date_naive());
    Ok(crate::billing::InvoiceRecord {
        issues: Vec::new(),
        provider: crate::billing::ProviderKind::Flowglad,
        number: (!inv.invoice_number.is_empty()).then(|| inv.invoice_number.clone()),
        customer_id: Some(customer_id.to_string()),
        subscription_id: inv.subscription_id.clone(),
        status: inv.status.clone(),
        total: Some(Money::from_minor(minor, cur)),
        // No amount-due field: known only where the status settles it (paid, void: nothing).
        amount_due: crate::billing::amount_due(&inv.status, Some(Money::from_minor(minor, cur)), None),
        issued_on: date(inv.invoice_date),
        due_on: inv.due_date.and_then(date),
        url: inv.pdf_url.clone(),
        id: inv.id,
    })
}
