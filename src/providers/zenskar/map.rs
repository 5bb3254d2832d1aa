//! Zenskar wire types → billing model. Pure functions; `today` is a parameter wherever the
//! answer depends on the date (current phase, billing period), so tests pin it.

use std::collections::BTreeMap;

use chrono::{DateTime, Days, NaiveDate, Utc};
use rust_decimal::Decimal;
use rust_decimal::prelude::ToPrimitive;
use serde::Serialize;
use serde_json::Value;

use super::wire;
use crate::billing::{
    ChargePeriod, CheckoutSession, CheckoutStatus, Currency, Customer, Entitlement, EntitlementKind, Estimate,
    EstimateLine, EstimateSource, IntervalUnit, Invoice, Money, PendingChange, Plan, PlanFeature, Price, PriceKind,
    ProviderKind, RowIssue, Subscription, SubscriptionStatus,
};
use crate::providers::{ErrorKind, ProviderError};

const ZENSKAR: ProviderKind = ProviderKind::Zenskar;

fn decode_error(message: String) -> ProviderError {
    ProviderError::new(ZENSKAR, ErrorKind::Decode, message)
}

/// ISO 8601 with or without an offset; Zenskar's examples are naive (`2023-01-01T00:00:00`),
/// read as UTC.
pub fn parse_datetime(s: &str) -> Option<DateTime<Utc>> {
    DateTime::parse_from_rfc3339(s)
        .map(|d| d.with_timezone(&Utc))
        .ok()
        .or_else(|| chrono::NaiveDateTime::parse_from_str(s, "%Y-%m-%dT%H:%M:%S%.f").ok().map(|n| n.and_utc()))
        .or_else(|| {
            NaiveDate::parse_from_str(s, "%Y-%m-%d").ok().and_then(|d| d.and_hms_opt(0, 0, 0)).map(|n| n.and_utc())
        })
}

/// A date, also from a datetime (the checkout examples send `2025-01-01T00:00:00Z`).
pub fn parse_date(s: &str) -> Option<NaiveDate> {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").ok().or_else(|| parse_datetime(s).map(|d| d.date_naive()))
}

fn opt_date(s: &Option<String>) -> Option<NaiveDate> {
    s.as_deref().and_then(parse_date)
}

pub fn format_date(d: NaiveDate) -> String {
    d.format("%Y-%m-%d").to_string()
}

/// A cadence or duration: ISO 8601 (`P1M`, `P3M`, `P1Y`, `P14D`, `P2W`) or a word
/// (`monthly`, `quarterly`, `yearly`, `one_time`).
pub fn period(text: &str) -> Option<ChargePeriod> {
    let t = text.trim().to_ascii_lowercase().replace(['-', ' '], "_");
    let word = match t.as_str() {
        "one_time" | "onetime" | "once" => Some(ChargePeriod::OneTime),
        "daily" | "day" => Some(ChargePeriod::Daily),
        "weekly" | "week" => Some(ChargePeriod::Weekly),
        "monthly" | "month" => Some(ChargePeriod::Monthly),
        "quarterly" | "quarter" => Some(ChargePeriod::ThreeMonths),
        "half_yearly" | "semi_annually" => Some(ChargePeriod::SixMonths),
        "yearly" | "annually" | "annual" | "year" => Some(ChargePeriod::Yearly),
        _ => None,
    };
    if word.is_some() {
        return word;
    }
    let rest = t.strip_prefix('p')?;
    let (count, unit) = rest.split_at(rest.find(|c: char| !c.is_ascii_digit())?);
    let count: u32 = count.parse().ok().filter(|c| *c > 0)?;
    let unit = match unit {
        "d" => IntervalUnit::Day,
        "w" => IntervalUnit::Week,
        "m" => IntervalUnit::Month,
        "y" => IntervalUnit::Year,
        _ => return None,
    };
    Some(ChargePeriod::from_interval(unit, count))
}

/// The ISO 8601 spelling the sandbox sends.
pub fn iso_duration(p: ChargePeriod) -> Option<String> {
    let (unit, count) = p.interval()?;
    let letter = match unit {
        IntervalUnit::Day => 'D',
        IntervalUnit::Week => 'W',
        IntervalUnit::Month => 'M',
        IntervalUnit::Year => 'Y',
    };
    Some(format!("P{count}{letter}"))
}

fn currency(code: &str, what: &str) -> Result<Currency, ProviderError> {
    Currency::from_code(code).map_err(|e| decode_error(format!("{what}: {e}")))
}

fn scalar_text(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

pub fn customer(c: wire::Customer) -> Customer {
    let metadata: BTreeMap<String, String> =
        c.custom_data.unwrap_or_default().iter().map(|(k, v)| (k.clone(), scalar_text(v))).collect();
    Customer {
        provider: ZENSKAR,
        id: c.id,
        alt_id: c.external_id.filter(|e| !e.is_empty()),
        name: c.customer_name,
        email: c.email,
        created_at: c.created_at.as_deref().and_then(parse_datetime),
        metadata,
        issues: Vec::new(),
    }
}

fn is_trial(p: &wire::Phase) -> bool {
    p.phase_type.as_deref().is_some_and(|t| t.eq_ignore_ascii_case("trial"))
}

/// Units bought of one phase pricing (1 when not quantity-based).
fn units(p: &wire::Pricing) -> Decimal {
    p.quantity.as_ref().and_then(|q| q.quantity).unwrap_or(Decimal::ONE)
}

/// What one pricing charges per period: flat fees once, per-unit prices times the quantity.
/// `None` when price × quantity does not fit a decimal (only a broken response does that).
fn pricing_amount(p: &wire::Pricing) -> Option<Decimal> {
    let unit = p.pricing_data.unit_amount.unwrap_or(Decimal::ZERO);
    match p.pricing_data.pricing_type.as_deref() {
        Some("flat_fee") | None => Some(unit),
        _ => unit.checked_mul(units(p)),
    }
}

fn pricings(phase: &wire::Phase) -> impl Iterator<Item = &wire::Pricing> {
    phase.pricings.iter().filter_map(|pp| pp.pricing.as_ref())
}

/// The billing period of a phase: the first flat fee's cadence, else any pricing's.
fn phase_period(phase: &wire::Phase) -> Option<ChargePeriod> {
    let cadence = |p: &wire::Pricing| p.pricing_data.pricing_period.as_ref()?.cadence.as_deref().and_then(period);
    pricings(phase)
        .filter(|p| p.pricing_data.pricing_type.as_deref() == Some("flat_fee"))
        .find_map(cadence)
        .or_else(|| pricings(phase).find_map(cadence))
}

/// Sum of a phase's pricings in `currency`; `None` when the phase has no priced pricing, an
/// error naming the pricing when the sum overflows.
fn phase_amount(phase: &wire::Phase, currency: Currency) -> Result<Option<Money>, ProviderError> {
    let mut total: Option<Decimal> = None;
    for p in pricings(phase).filter(|p| p.pricing_data.unit_amount.is_some()) {
        let sum = pricing_amount(p).and_then(|a| total.unwrap_or(Decimal::ZERO).checked_add(a));
        total = Some(sum.ok_or_else(|| {
            ProviderError::new(
                ZENSKAR,
                ErrorKind::Decode,
                format!("pricing {}: amount × quantity overflows", p.id.as_deref().unwrap_or("?")),
            )
        })?);
    }
    Ok(total.map(|t| Money::new(t, currency)))
}

fn phase_currency(phase: &wire::Phase) -> Option<&str> {
    pricings(phase).find_map(|p| p.pricing_data.currency.as_deref())
}

/// What a phase grants, per entitlement: booleans for Feature, a value for Quantity, a limit
/// for Credits (see [`entitlement_kind`] for why types map this way).
fn phase_features(phase: &wire::Phase) -> Vec<PlanFeature> {
    let mut out: Vec<PlanFeature> = Vec::new();
    for p in pricings(phase) {
        for g in &p.grants {
            let granted = g.numeric_value.unwrap_or(Decimal::ONE).checked_mul(units(p));
            let amount = granted.and_then(|d| d.trunc().to_i64()).unwrap_or(i64::MAX);
            let kind = match g.kind.as_deref().map(str::to_ascii_lowercase).as_deref() {
                Some("quantity") => EntitlementKind::Customizable { value: amount.to_string() },
                Some("credits") => {
                    EntitlementKind::Meter { limit: Some(amount), used: 0, remaining: Some(amount), hard_limit: false }
                }
                _ => EntitlementKind::Boolean,
            };
            match out.iter_mut().find(|f| f.feature_id == g.entitlement_id) {
                Some(existing) => merge_kind(&mut existing.kind, &kind),
                None => out.push(PlanFeature { feature_id: g.entitlement_id.clone(), name: g.label.clone(), kind }),
            }
        }
    }
    out
}

fn merge_kind(existing: &mut EntitlementKind, new: &EntitlementKind) {
    match (existing, new) {
        (EntitlementKind::Customizable { value }, EntitlementKind::Customizable { value: v2 }) => {
            let sum = value.parse::<i64>().unwrap_or(0).saturating_add(v2.parse::<i64>().unwrap_or(0));
            *value = sum.to_string();
        }
        (EntitlementKind::Meter { limit: Some(l), remaining, .. }, EntitlementKind::Meter { limit: Some(l2), .. }) => {
            *l = l.saturating_add(*l2);
            *remaining = Some(*l);
        }
        _ => {}
    }
}

/// One Zenskar plan is one contract template with one currency and one cadence, so it maps to
/// a [`Plan`] with exactly one [`Price`], whose id is the plan id (what checkouts take).
/// Draft and archived plans are not sellable and are skipped (`None`).
pub fn plan(p: wire::Plan) -> Result<Option<Plan>, ProviderError> {
    if p.status.as_deref().is_some_and(|s| !s.eq_ignore_ascii_case("active")) {
        return Ok(None);
    }
    let trial_days =
        p.phases.iter().filter(|ph| is_trial(ph)).find_map(|ph| ph.duration.as_deref().and_then(period)).and_then(
            |tp| match tp.interval() {
                Some((IntervalUnit::Day, n)) => Some(n),
                Some((IntervalUnit::Week, n)) => Some(n * 7),
                _ => tp.average_days().and_then(|d| d.to_u32()),
            },
        );
    let main = p.phases.iter().find(|ph| !is_trial(ph)).or(p.phases.first());
    let code = p.currency.as_deref().or_else(|| main.and_then(phase_currency));
    let mut prices = Vec::new();
    if let (Some(phase), Some(code)) = (main, code) {
        let cur = currency(code, &format!("plan {}", p.id))?;
        let period = phase_period(phase)
            .or_else(|| p.schedule.as_ref()?.duration.as_deref().and_then(period))
            .unwrap_or(ChargePeriod::OneTime);
        if let Some(amount) = phase_amount(phase, cur)? {
            let kind = if amount.is_zero() { PriceKind::Free } else { PriceKind::Paid };
            prices.push(Price { id: Some(p.id.clone()), kind, period, amount, trial_days });
        }
    }
    let product = main.and_then(|ph| ph.pricings.iter().find_map(|pp| pp.product.as_ref()?.name.clone()));
    Ok(Some(Plan {
        issues: Vec::new(),
        provider: ZENSKAR,
        features: main.map(phase_features).unwrap_or_default(),
        id: p.id,
        name: p.name,
        description: p.description.filter(|d| !d.is_empty()),
        product,
        prices,
    }))
}

/// The phase in force on `today`: the last one started by then, else the first.
pub fn current_phase(phases: &[wire::Phase], today: NaiveDate) -> Option<&wire::Phase> {
    phases
        .iter()
        .filter(|p| opt_date(&p.start_date).is_none_or(|s| s <= today))
        .max_by_key(|p| opt_date(&p.start_date))
        .or(phases.first())
}

/// The billing period containing `today` for periods anchored on `anchor`: `[start, end)`.
pub fn current_period(anchor: NaiveDate, period: ChargePeriod, today: NaiveDate) -> Option<(NaiveDate, NaiveDate)> {
    let mut start = anchor;
    let mut end = period.advance(start)?;
    let mut n: u32 = 1;
    // Stepping n periods from the anchor (not end to end) keeps month-end anchors on the 31st.
    while end <= today {
        n += 1;
        start = end;
        end = nth_period_end(anchor, period, n)?;
        if end <= start {
            return None;
        }
    }
    Some((start, end))
}

fn nth_period_end(anchor: NaiveDate, period: ChargePeriod, n: u32) -> Option<NaiveDate> {
    let (unit, count) = period.interval()?;
    ChargePeriod::from_interval(unit, count.checked_mul(n)?).advance(anchor)
}

fn midnight(d: NaiveDate) -> Option<DateTime<Utc>> {
    d.and_hms_opt(0, 0, 0).map(|n| n.and_utc())
}

fn status(raw: &str, in_trial: bool) -> SubscriptionStatus {
    match raw.to_ascii_lowercase().as_str() {
        "active" if in_trial => SubscriptionStatus::Trialing,
        "active" => SubscriptionStatus::Active,
        "paused" => SubscriptionStatus::Paused,
        "expired" => SubscriptionStatus::Expired,
        "draft" => SubscriptionStatus::Draft,
        // The customer disputes a charge; access continues while it is resolved [inferred].
        "disputed" => SubscriptionStatus::PastDue,
        _ => SubscriptionStatus::Unknown,
    }
}

/// A contract as the console's subscription. The billing period is not on the wire: it is
/// derived from the anchor date and the current phase's cadence (a trial phase is its own period).
pub fn subscription(c: wire::Contract, today: NaiveDate) -> Result<Subscription, ProviderError> {
    let phase = current_phase(&c.phases, today);
    let in_trial = phase.is_some_and(is_trial);
    let code = c.currency.as_deref().or_else(|| phase.and_then(phase_currency));
    let cur = code.map(|code| currency(code, &format!("contract {}", c.id))).transpose()?;
    let billing = c.phases.iter().rev().find(|p| !is_trial(p) && opt_date(&p.start_date).is_none_or(|s| s <= today));
    let billing = billing.or(c.phases.iter().find(|p| !is_trial(p))).or(phase);
    let period = billing.and_then(phase_period).unwrap_or(ChargePeriod::OneTime);
    let amount = match (billing, cur) {
        (Some(b), Some(cur)) => phase_amount(b, cur)?,
        _ => None,
    };
    let started_on = opt_date(&c.start_date);
    let anchor = opt_date(&c.anchor_date).or(started_on);
    let (period_start, period_end) = match phase.filter(|_| in_trial) {
        Some(trial) => (opt_date(&trial.start_date), opt_date(&trial.end_date).and_then(|e| e.succ_opt())),
        None => anchor
            .and_then(|a| current_period(a, period, today.max(a)))
            .map_or((None, None), |(s, e)| (Some(s), Some(e))),
    };
    let trial_days_remaining = phase
        .filter(|_| in_trial)
        .and_then(|p| opt_date(&p.end_date))
        .map(|end| (end - today).num_days().saturating_add(1).max(0) as u32);
    let plan_id = c.plan_id.clone().or_else(|| phase?.pricings.iter().find_map(|pp| pp.plan_id.clone()));
    Ok(Subscription {
        issues: Vec::new(),
        provider: ZENSKAR,
        status: status(&c.status, in_trial),
        raw_status: c.status,
        customer_id: c.customer_id,
        plan_id,
        plan_name: c.name.filter(|n| !n.is_empty()),
        amount,
        period,
        started_on,
        current_period_start: period_start.and_then(midnight),
        current_period_end: period_end.and_then(midnight),
        ends_on: opt_date(&c.end_date),
        canceled_at: None,
        trial_days_remaining,
        pending_change: pending_change(&c.phases, phase, today),
        features: Vec::new(),
        id: c.id,
    })
}

/// A later phase on a different plan (how an amendment "at period end" is recorded): the
/// change scheduled for its start date.
fn pending_change(phases: &[wire::Phase], current: Option<&wire::Phase>, today: NaiveDate) -> Option<PendingChange> {
    let plan_of = |p: &wire::Phase| p.pricings.iter().find_map(|pp| pp.plan_id.clone());
    let current_plan = current.and_then(plan_of);
    let next = phases
        .iter()
        .filter(|p| !is_trial(p))
        .filter(|p| opt_date(&p.start_date).is_some_and(|s| s > today))
        .min_by_key(|p| opt_date(&p.start_date))?;
    let plan_id = plan_of(next);
    if plan_id.is_some() && plan_id == current_plan {
        return None; // a later phase of the same plan is a renewal, not a change
    }
    Some(PendingChange { plan_id, plan_name: next.name.clone(), on: opt_date(&next.start_date) })
}

/// Zenskar's types onto the console's: Feature is access (any unexpired grant), Quantity is a
/// provisioned count shown as a value (seats), Credits is a consumable balance shown as a
/// meter [inferred: the totals endpoint carries no further hint].
pub fn entitlement_kind(kind: Option<&str>, total: Decimal, used: Decimal) -> (EntitlementKind, bool) {
    let whole = |d: Decimal| d.trunc().to_i64().unwrap_or(if d.is_sign_negative() { i64::MIN } else { i64::MAX });
    match kind.map(str::to_ascii_lowercase).as_deref() {
        Some("quantity") => {
            (EntitlementKind::Customizable { value: total.normalize().to_string() }, total > Decimal::ZERO)
        }
        Some("credits") => {
            let (limit, used) = (whole(total), whole(used));
            let remaining = limit.saturating_sub(used);
            (
                EntitlementKind::Meter { limit: Some(limit), used, remaining: Some(remaining), hard_limit: false },
                limit > 0,
            )
        }
        _ => (EntitlementKind::Boolean, total > Decimal::ZERO),
    }
}

pub fn entitlements(rows: Vec<wire::EntitlementTotal>) -> Vec<Entitlement> {
    rows.into_iter()
        .map(|r| {
            let (kind, has_access) =
                entitlement_kind(r.entitlement.entitlement_type.as_deref(), r.total_quantity, r.total_quantity_used);
            Entitlement {
                feature_id: r.entitlement.id,
                name: Some(r.entitlement.name).filter(|n| !n.is_empty()),
                has_access: has_access && r.entitlement.is_active != Some(false),
                kind,
                resets_at: None,
            }
        })
        .collect()
}

fn line(l: &wire::EstimateLineItem, cur: Currency) -> Result<EstimateLine, ProviderError> {
    if let Some(code) = l.currency.as_deref().filter(|c| !c.eq_ignore_ascii_case(cur.code())) {
        return Err(decode_error(format!("estimate line {:?} is in {code}, its invoice in {cur}", l.name)));
    }
    let description = match l.description.as_deref().filter(|d| !d.is_empty() && *d != l.name) {
        Some(d) => format!("{} — {d}", l.name),
        None => l.name.clone(),
    };
    Ok(EstimateLine {
        description,
        quantity: l.quantity,
        amount: Money::new(l.amount, cur),
        period_start: l.period.as_ref().and_then(|p| opt_date(&p.start_date)),
        // Inclusive on the wire; exclusive in the console, as the local estimate engine's lines.
        period_end: l.period.as_ref().and_then(|p| opt_date(&p.end_date)).and_then(|d| d.succ_opt()),
    })
}

/// The provider's total is kept as sent rather than re-summed from the lines.
fn invoice(i: &wire::InvoiceEstimate, fallback_date: Option<NaiveDate>) -> Result<Invoice, ProviderError> {
    let cur = currency(&i.currency, "estimate")?;
    let lines = i.line_items.iter().map(|l| line(l, cur)).collect::<Result<Vec<_>, _>>()?;
    let date = lines.iter().filter_map(|l| l.period_start).min().or(fallback_date);
    Ok(Invoice { date, lines, total: Money::new(i.total, cur) })
}

/// `estimates.current_invoice` / `next_invoice` as a provider estimate; `None` when the
/// response carries neither.
pub fn estimate(e: &wire::Estimates, effective: Option<NaiveDate>) -> Result<Option<Estimate>, ProviderError> {
    let next = e.next_invoice.as_ref().map(|n| invoice(n, None)).transpose()?;
    let current = match &e.current_invoice {
        Some(c) => invoice(c, effective)?,
        None => match &next {
            Some(n) => Invoice { date: effective, lines: Vec::new(), total: Money::zero(n.total.currency()) },
            None => return Ok(None),
        },
    };
    Ok(Some(Estimate {
        source: EstimateSource::Provider,
        current_invoice: current,
        next_invoice: next,
        effective_date: effective,
        // Zenskar corrects issued invoices only by credit note [C: credit notes, invoice
        // lifecycle]; that a change's credit is one, and reduces no later invoice, is inferred.
        credit_note: true,
    }))
}

pub fn checkout_status(raw: &str) -> CheckoutStatus {
    match raw.to_ascii_lowercase().as_str() {
        "open" | "pending" => CheckoutStatus::Open,
        "payment_succeeded" | "processing" => CheckoutStatus::Processing,
        "contract_created" | "completed" | "complete" => CheckoutStatus::Complete,
        "expired" => CheckoutStatus::Expired,
        "cancelled" | "canceled" | "closed" => CheckoutStatus::Canceled,
        _ => CheckoutStatus::Unknown,
    }
}

pub fn checkout(c: wire::Checkout) -> Result<CheckoutSession, ProviderError> {
    let effective = opt_date(&c.start_date);
    let estimate = c.estimates.as_ref().map(|e| estimate(e, effective)).transpose()?.flatten();
    Ok(CheckoutSession {
        provider: ZENSKAR,
        url: c.hosted_url().map(str::to_string),
        status: checkout_status(&c.checkout_status),
        expires_at: c.expires_at.as_deref().and_then(parse_datetime),
        customer_id: c.customer_id.clone(),
        customer_name: None,
        customer_email: None,
        subscription_id: c.contract_id.clone(),
        estimate,
        raw_status: c.checkout_status,
        id: c.id,
    })
}

/// An invoice row, for `ZenskarClient::list_invoices` (the trait has no invoice call yet).
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct InvoiceSummary {
    pub id: String,
    pub number: Option<String>,
    pub customer_id: Option<String>,
    pub contract_id: Option<String>,
    pub status: String,
    pub total: Option<Money>,
    pub amount_due: Option<Money>,
    pub period_start: Option<NaiveDate>,
    /// Exclusive, as Zenskar sends it.
    pub period_end: Option<NaiveDate>,
    pub due_on: Option<NaiveDate>,
    pub url: Option<String>,
    /// Values that could not be decoded (an unknown currency leaves the amounts `None`).
    pub issues: Vec<RowIssue>,
}

pub fn invoice_summary(i: wire::Invoice) -> Result<InvoiceSummary, ProviderError> {
    let mut issues = Vec::new();
    let cur = i
        .currency
        .as_deref()
        .and_then(|c| Currency::from_code(c).map_err(|e| issues.push(RowIssue::new("currency", e.to_string()))).ok());
    let money = |d: Option<Decimal>| Some(Money::new(d?, cur?));
    Ok(InvoiceSummary {
        issues,
        number: i.invoice_number,
        customer_id: i.customer_id,
        contract_id: i.contract_id,
        status: i.status,
        total: money(i.invoice_total),
        amount_due: money(i.amount_due),
        period_start: i.invoice_period.as_ref().and_then(|p| opt_date(&p.begin_date)),
        period_end: i.invoice_period.as_ref().and_then(|p| opt_date(&p.end_date_exclusive)),
        due_on: opt_date(&i.due_date),
        url: i.invoice_url.or(i.payment_url),
        id: i.id,
    })
}

/// A credit note (`GET /credit_notes`) as a row of the invoice list: its amount negated, as
/// money going back to the customer, issued on the day it was created, nothing due on it.
pub fn credit_note_summary(n: wire::CreditNote) -> InvoiceSummary {
    let mut issues = Vec::new();
    let cur = n
        .currency
        .as_deref()
        .and_then(|c| Currency::from_code(c).map_err(|e| issues.push(RowIssue::new("currency", e.to_string()))).ok());
    let issued = n.created_at.as_deref().and_then(parse_datetime).map(|t| t.date_naive());
    InvoiceSummary {
        issues,
        number: n.credit_note_number,
        customer_id: n.customer_id,
        contract_id: n.contract_id,
        status: n.status,
        total: n.total_amount.zip(cur).map(|(a, c)| Money::new(-a, c)),
        amount_due: None,
        period_start: issued,
        period_end: None,
        due_on: None,
        url: None,
        id: n.id,
    }
}

/// Invoices and credit notes, each list newest first, as one list newest first: a credit
/// note goes before the first invoice issued before it, and neither list is reordered.
pub fn merge_documents(invoices: Vec<InvoiceSummary>, notes: Vec<InvoiceSummary>) -> Vec<InvoiceSummary> {
    let mut out = Vec::with_capacity(invoices.len() + notes.len());
    let mut notes = notes.into_iter().peekable();
    for invoice in invoices {
        while let Some(note) = notes.next_if(|n| n.period_start > invoice.period_start) {
            out.push(note);
        }
        out.push(invoice);
    }
    out.extend(notes);
    out
}

/// The day before `d` (the inclusive last day of a period ending at `d`).
pub fn day_before(d: NaiveDate) -> NaiveDate {
    d.checked_sub_days(Days::new(1)).unwrap_or(d)
}

/// Whether `s` is a UUID (Zenskar ids) rather than an external id.
pub fn is_uuid(s: &str) -> bool {
    uuid::Uuid::parse_str(s).is_ok()
}

/// Matches a catalog name loosely: "seats" finds "Seats", "audit-trail" finds "Audit trail".
pub fn loose_eq(a: &str, b: &str) -> bool {
    let norm = |s: &str| s.chars().filter(|c| c.is_alphanumeric()).flat_map(char::to_lowercase).collect::<String>();
    !a.is_empty() && norm(a) == norm(b)
}

#[cfg(test)]
#[path = "map_tests.rs"]
mod tests;
