//! Zenskar records → wire JSON.

use chrono::{DateTime, NaiveDate, SecondsFormat, Utc};
use serde_json::Map;

use super::dates::{format_date, iso_duration};
use super::state::{
    Checkout, Contract, Customer, EntitlementDef, Invoice, Item, Phase, PhaseKind, Plan, PriceModel, State,
};
use crate::providers::zenskar::wire;

/// Naive ISO 8601 with microseconds, as Python's `isoformat()` writes a naive UTC datetime
/// (the customer examples have no offset).
pub fn iso(t: DateTime<Utc>) -> String {
    t.naive_utc().format("%Y-%m-%dT%H:%M:%S%.6f").to_string()
}

/// With a `Z`, as the checkout examples write timestamps.
pub fn iso_z(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Secs, true)
}

fn date(d: NaiveDate) -> Option<String> {
    Some(format_date(d))
}

pub fn customer(c: &Customer) -> wire::Customer {
    let address = c.country.as_ref().map(|cc| wire::Address { country_code: Some(cc.clone()), ..Default::default() });
    wire::Customer {
        id: c.id.clone(),
        external_id: c.external_id.clone(),
        customer_name: Some(c.name.clone()),
        email: c.email.clone(),
        phone_number: c.phone.clone(),
        address,
        custom_data: Some(c.custom_data.clone()),
        communications_enabled: Some(true),
        auto_charge_enabled: Some(true),
        business_entity_id: Some(c.business_entity_id.clone()),
        contacts: Vec::new(),
        created_at: Some(iso(c.created)),
        updated_at: Some(iso(c.updated)),
    }
}

pub fn entitlement_definition(e: &EntitlementDef) -> wire::EntitlementDefinition {
    wire::EntitlementDefinition {
        id: e.id.clone(),
        name: e.name.clone(),
        description: None,
        entitlement_type: Some(e.kind.name().to_string()),
        units: e.units.clone(),
        is_active: Some(true),
        product_id: e.product_id.clone(),
        created_at: Some(iso(e.created)),
    }
}

/// One pricing as it appears inside a plan or contract phase, with `quantity` bought.
fn phase_pricing(state: &State, item: &Item, plan_id: &str) -> Option<wire::PhasePricing> {
    let p = state.pricings.get(&item.pricing_id)?;
    let product = state.product(&p.product_id);
    let grants = p
        .grants
        .iter()
        .filter_map(|g| {
            let def = state.entitlements.iter().find(|e| e.id == g.entitlement_id)?;
            Some(wire::Grant {
                entitlement_id: g.entitlement_id.clone(),
                kind: Some(def.kind.name().to_string()),
                label: Some(def.name.clone()),
                identifier: Some(def.feature.clone()),
                numeric_value: Some(g.per_unit.into()),
            })
        })
        .collect();
    let per_unit = p.model == PriceModel::PerUnit;
    Some(wire::PhasePricing {
        id: Some(item.id.clone()),
        pricing_id: Some(p.id.clone()),
        product_id: Some(p.product_id.clone()),
        plan_id: Some(plan_id.to_string()),
        product: Some(wire::ProductRef {
            id: Some(p.product_id.clone()),
            name: product.map(|pr| pr.name.clone()),
            kind: Some("product".into()),
        }),
        pricing: Some(wire::Pricing {
            id: Some(p.id.clone()),
            name: Some(p.name.clone()),
            description: None,
            pricing_data: wire::PricingData {
                pricing_type: Some(if per_unit { "per_unit" } else { "flat_fee" }.into()),
                currency: Some(p.currency.code().to_string()),
                unit_amount: Some(p.unit_amount),
                pricing_period: Some(wire::PricingPeriod { cadence: iso_duration(p.period) }),
                label: None,
                unit: per_unit.then(|| product.map(|pr| pr.name.to_lowercase()).unwrap_or_default()),
            },
            quantity: Some(wire::PricingQuantity {
                kind: Some(if per_unit { "fixed" } else { "one" }.into()),
                quantity: Some(item.quantity.into()),
                unit: None,
            }),
            grants,
        }),
    })
}

pub fn plan(state: &State, p: &Plan) -> wire::Plan {
    let items: Vec<Item> = p
        .pricing_ids
        .iter()
        .filter_map(|id| {
            let q = state.pricings.get(id)?.default_quantity;
            Some(Item { id: format!("{}-{}", p.id, &id[..8.min(id.len())]), pricing_id: id.clone(), quantity: q })
        })
        .collect();
    let pricings: Vec<_> = items.iter().filter_map(|i| phase_pricing(state, i, &p.id)).collect();
    let mut phases = Vec::new();
    if let Some(days) = p.trial_days.filter(|d| *d > 0) {
        phases.push(wire::Phase {
            id: Some(format!("{}-trial", p.id)),
            name: Some("Trial".into()),
            phase_type: Some("trial".into()),
            duration: Some(format!("P{days}D")),
            pricings: pricings.clone(),
            ..Default::default()
        });
    }
    phases.push(wire::Phase {
        id: Some(format!("{}-main", p.id)),
        name: Some(p.name.clone()),
        phase_type: Some("active".into()),
        pricings,
        ..Default::default()
    });
    wire::Plan {
        id: p.id.clone(),
        name: p.name.clone(),
        status: Some("active".into()),
        description: Some(p.description.clone()),
        currency: Some(p.currency.code().to_string()),
        schedule: Some(wire::Schedule {
            duration: iso_duration(p.period),
            start_offset: Some("P0D".into()),
            trigger_type: Some("time_based".into()),
        }),
        phases,
        created_at: Some(iso(p.created)),
        updated_at: Some(iso(p.created)),
    }
}

fn phase(state: &State, ph: &Phase) -> wire::Phase {
    let plan_name = state.plan(&ph.plan_id).map(|p| p.name.clone());
    wire::Phase {
        id: Some(ph.id.clone()),
        name: if ph.kind == PhaseKind::Trial { Some("Trial".into()) } else { plan_name },
        phase_type: Some(if ph.kind == PhaseKind::Trial { "trial" } else { "active" }.into()),
        duration: None,
        start_date: date(ph.start),
        end_date: ph.end.and_then(date),
        pricings: ph.items.iter().filter_map(|i| phase_pricing(state, i, &ph.plan_id)).collect(),
    }
}

pub fn contract(state: &State, k: &Contract, today: NaiveDate) -> wire::Contract {
    let current = k.current_phase(today);
    let plan = current.and_then(|p| state.plan(&p.plan_id));
    wire::Contract {
        id: k.id.clone(),
        name: plan.map(|p| p.name.clone()),
        status: k.effective_status(today).to_string(),
        currency: Some(k.currency.code().to_string()),
        customer_id: k.customer_id.clone(),
        plan_id: current.map(|p| p.plan_id.clone()),
        description: plan.map(|p| p.description.clone()),
        tags: Vec::new(),
        start_date: date(k.start),
        end_date: k.end.and_then(date),
        anchor_date: date(k.anchor),
        renewal_policy: Some(if k.end.is_some() { "do_not_renew" } else { "renew_with_existing" }.into()),
        phases: k.phases.iter().map(|p| phase(state, p)).collect(),
        created_at: Some(iso(k.created)),
        updated_at: Some(iso(k.updated)),
    }
}

pub fn checkout(state: &State, c: &Checkout, now: DateTime<Utc>) -> wire::Checkout {
    let contract = c.plan_id.as_deref().and_then(|p| state.plan(p)).map(|p| wire::CheckoutContract {
        name: Some(p.name.clone()),
        currency: Some(p.currency.code().to_string()),
        phases: Vec::new(),
    });
    let status = c.effective_status(now).to_string();
    let payable = matches!(status.as_str(), "open" | "pending");
    wire::Checkout {
        id: c.id.clone(),
        organisation_id: Some(state.organisation_id.clone()),
        checkout_status: status,
        plan_id: c.plan_id.clone(),
        contract_id: c.contract_id.clone(),
        start_date: date(c.start),
        end_date: c.end.and_then(date),
        customer_id: c.customer_id.clone(),
        business_entity_id: c.business_entity_id.clone(),
        guest_checkout: c.guest,
        customer_data: None,
        estimates: Some(c.estimates.clone()),
        expires_at: Some(iso_z(c.expires_at)),
        success_url: c.success_url.clone(),
        cancel_url: c.cancel_url.clone(),
        product_overrides: c.overrides.clone(),
        contract,
        created_at: Some(iso_z(c.created)),
        updated_at: Some(iso_z(c.updated)),
        checkout_url: payable.then(|| format!("{}/pay/{}", state.public_base, c.id)),
        ..Default::default()
    }
}

pub fn invoice(i: &Invoice) -> wire::Invoice {
    wire::Invoice {
        id: i.id.clone(),
        invoice_id: Some(i.id.clone()),
        customer_id: Some(i.customer_id.clone()),
        contract_id: Some(i.contract_id.clone()),
        invoice_number: Some(i.number.clone()),
        invoice_period: Some(wire::InvoicePeriod {
            begin_date: date(i.begin),
            end_date_exclusive: date(i.end_exclusive),
        }),
        status: i.status.clone(),
        currency: Some(i.currency.code().to_string()),
        invoice_total: Some(i.total),
        net_invoice_total: Some(i.total),
        amount_due: Some(i.amount_due),
        invoice_url: None,
        payment_url: None,
        due_date: date(i.due),
        created_at: Some(iso(i.created)),
        charged_at: (i.status == "paid").then(|| iso(i.created)),
    }
}

/// An empty JSON object (`PATCH …/expire` documents an empty schema).
pub fn empty() -> Map<String, serde_json::Value> {
    Map::new()
}
