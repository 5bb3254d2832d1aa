//! Entitlements from `/customers/{externalId}/billing`: the documented pattern reads the
//! current subscriptions' `experimental.featureItems` and `usageMeterBalances`.
//!
//! Ids: toggles by feature slug, credits by usage meter slug, resources by resource slug,
//! so a customer's entitlement lines up with the plan features in the catalog.

use std::collections::{BTreeMap, HashSet};

use super::map::{Catalog, datetime, whole};
use super::wire;
use crate::billing::{Entitlement, EntitlementKind};

/// Credits granted on one meter of one subscription.
struct Grant {
    amount: i64,
    renews_each_period: bool,
}

pub fn entitlements(billing: &wire::Billing, catalog: &Catalog) -> Vec<Entitlement> {
    let current: Vec<&wire::SubscriptionDetails> = match &billing.current_subscriptions {
        Some(list) => list.iter().collect(),
        None => billing.subscriptions.iter().filter(|s| s.subscription.current).collect(),
    };
    let mut out: Vec<Entitlement> = Vec::new();
    for sub in current {
        for e in subscription_entitlements(sub, catalog) {
            match out.iter_mut().find(|x| x.feature_id == e.feature_id) {
                Some(existing) => merge(existing, e),
                None => out.push(e),
            }
        }
    }
    // Toggles the pricing model offers but no current subscription grants: shown as denied,
    // so "does this customer have SSO?" has an answer.
    let mut seen: HashSet<String> = out.iter().map(|e| e.feature_id.clone()).collect();
    for product in &catalog.model.products {
        for f in product.features.iter().filter(|f| f.kind == wire::FEATURE_TOGGLE && f.active) {
            if seen.insert(f.slug.clone()) {
                out.push(Entitlement {
                    feature_id: f.slug.clone(),
                    name: Some(f.name.clone()),
                    has_access: false,
                    kind: EntitlementKind::Boolean,
                    resets_at: None,
                });
            }
        }
    }
    out
}

fn subscription_entitlements(sub: &wire::SubscriptionDetails, catalog: &Catalog) -> Vec<Entitlement> {
    let Some(experimental) = &sub.experimental else { return Vec::new() };
    let period_end = match &sub.subscription.renewal {
        wire::Renewal::Renewing(r) => r.current_billing_period_end.and_then(datetime).map(|d| d.to_rfc3339()),
        wire::Renewal::NonRenewing => None,
    };
    let mut grants: BTreeMap<String, Grant> = BTreeMap::new();
    let mut out = feature_entitlements(&experimental.feature_items, catalog, &mut grants);
    for balance in &experimental.usage_meter_balances {
        let grant = grants.remove(&balance.id);
        let remaining = whole(&balance.available_balance);
        let limit = grant.as_ref().map(|g| g.amount);
        let used = limit.map_or((-remaining).max(0), |l| l - remaining);
        let resets_at = grant.filter(|g| g.renews_each_period).and(period_end.clone());
        out.push(meter(balance.slug.clone(), balance.name.clone(), limit, used, remaining, resets_at));
    }
    // Credits granted on a meter the subscription has no balance row for yet.
    for (meter_id, grant) in grants {
        let (slug, name) =
            catalog.meter_slug(&meter_id).map_or((meter_id.clone(), meter_id.clone()), |(s, n)| (s.into(), n.into()));
        let resets_at = grant.renews_each_period.then(|| period_end.clone()).flatten();
        out.push(meter(slug, name, Some(grant.amount), 0, grant.amount, resets_at));
    }
    out
}

fn meter(
    id: String,
    name: String,
    limit: Option<i64>,
    used: i64,
    remaining: i64,
    resets_at: Option<String>,
) -> Entitlement {
    Entitlement {
        feature_id: id,
        name: Some(name),
        has_access: remaining > 0,
        kind: EntitlementKind::Meter { limit, used, remaining: Some(remaining), hard_limit: false },
        resets_at,
    }
}

/// Toggles and resources become entitlements; credit grants are collected per meter for
/// the balances.
fn feature_entitlements(
    items: &[wire::SubscriptionItemFeature],
    catalog: &Catalog,
    grants: &mut BTreeMap<String, Grant>,
) -> Vec<Entitlement> {
    let mut out = Vec::new();
    for item in items.iter().filter(|f| f.expired_at.is_none() && f.detached_at.is_none()) {
        let amount = item.amount.unwrap_or(0);
        match item.kind.as_str() {
            wire::FEATURE_CREDIT_GRANT => {
                let Some(meter) = item.usage_meter_id.clone() else { continue };
                let grant = grants.entry(meter).or_insert(Grant { amount: 0, renews_each_period: false });
                grant.amount += amount;
                grant.renews_each_period |= item.renewal_frequency.as_deref() == Some("every_billing_period");
            }
            wire::FEATURE_RESOURCE => {
                let resource = item.resource_id.as_deref().and_then(|r| catalog.resource(r));
                let (id, name) = match resource {
                    Some((slug, name)) => (slug.to_string(), name.to_string()),
                    None => (item.slug.clone(), item.name.clone()),
                };
                out.push(Entitlement {
                    feature_id: id,
                    name: Some(name),
                    has_access: amount > 0,
                    kind: EntitlementKind::Customizable { value: amount.to_string() },
                    resets_at: None,
                });
            }
            _ => out.push(Entitlement {
                feature_id: item.slug.clone(),
                name: Some(item.name.clone()),
                has_access: true,
                kind: EntitlementKind::Boolean,
                resets_at: None,
            }),
        }
    }
    out
}

/// Several current subscriptions: meters and capacities add up, a toggle granted by any
/// of them is granted.
fn merge(existing: &mut Entitlement, new: Entitlement) {
    match (&mut existing.kind, new.kind) {
        (
            EntitlementKind::Meter { limit, used, remaining, .. },
            EntitlementKind::Meter { limit: l2, used: u2, remaining: r2, .. },
        ) => {
            *limit = match (*limit, l2) {
                (Some(a), Some(b)) => Some(a + b),
                (a, b) => a.or(b),
            };
            *used += u2;
            *remaining = match (*remaining, r2) {
                (Some(a), Some(b)) => Some(a + b),
                (a, b) => a.or(b),
            };
            existing.has_access = remaining.is_some_and(|r| r > 0);
        }
        (EntitlementKind::Customizable { value }, EntitlementKind::Customizable { value: v2 }) => {
            let sum = value.parse::<i64>().unwrap_or(0) + v2.parse::<i64>().unwrap_or(0);
            *value = sum.to_string();
            existing.has_access = sum > 0;
        }
        _ => existing.has_access |= new.has_access,
    }
    if existing.resets_at.is_none() {
        existing.resets_at = new.resets_at;
    }
}
