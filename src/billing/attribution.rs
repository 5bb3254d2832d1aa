//! Where a customer's entitlement figure comes from when several live subscriptions grant the
//! same feature. Providers report one merged row per feature (Kelviq's edge API even lists
//! duplicates that its SDKs merge: meters summed, CUSTOMIZABLE values taken from the first row),
//! so an operator cannot tell a "seats 1" that comes from Starter from the 5 seats bought on
//! Growth. The catalog can: each live subscription's plan says what it grants.

use super::money::group_int;
use super::{EntitlementKind, Plan, Subscription};

/// One contribution: the subscription's plan name and what that plan grants of the feature.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Source {
    pub plan: String,
    pub grants: String,
}

/// What each live subscription's plan grants of `feature_id` (a meter's limit or a value), in
/// the subscriptions' order. Empty unless at least two subscriptions grant it: one source
/// needs no explanation.
pub fn sources(feature_id: &str, subscriptions: &[Subscription], catalog: &[Plan]) -> Vec<Source> {
    let out: Vec<Source> = subscriptions
        .iter()
        .filter(|s| s.status.is_live())
        .filter_map(|s| {
            let plan = catalog.iter().find(|p| s.plan_id.as_ref() == Some(&p.id));
            // The subscription's own grants (with quantities bought) win over the catalog's.
            let grants = if s.features.is_empty() { &plan?.features } else { &s.features };
            let feature = grants.iter().find(|f| f.feature_id == feature_id)?;
            let grants = match &feature.kind {
                // Access is granted if any grants it; naming each adds nothing.
                EntitlementKind::Boolean => return None,
                EntitlementKind::Meter { limit: Some(l), .. } => group_int(*l),
                EntitlementKind::Meter { limit: None, .. } => "unlimited".to_string(),
                EntitlementKind::Customizable { value } => super::money::group_if_whole(value),
            };
            let name = s.plan_name.clone().or_else(|| plan.map(|p| p.name.clone())).or_else(|| s.plan_id.clone());
            Some(Source { plan: name.unwrap_or_else(|| s.id.clone()), grants })
        })
        .collect();
    if out.len() < 2 { Vec::new() } else { out }
}

/// "from Starter 1 · Growth 5".
pub fn phrase(sources: &[Source]) -> String {
    let parts: Vec<String> = sources.iter().map(|s| format!("{} {}", s.plan, s.grants)).collect();
    format!("from {}", parts.join(" · "))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::billing::{ChargePeriod, PlanFeature, ProviderKind, SubscriptionStatus};

    fn plan(id: &str, seats: &str) -> Plan {
        Plan {
            issues: Vec::new(),
            provider: ProviderKind::Kelviq,
            id: id.into(),
            name: id.to_uppercase(),
            description: None,
            product: None,
            prices: Vec::new(),
            features: vec![PlanFeature {
                feature_id: "seats".into(),
                name: Some("Seats".into()),
                kind: EntitlementKind::Customizable { value: seats.into() },
            }],
        }
    }

    fn sub(plan: &str, status: SubscriptionStatus) -> Subscription {
        let mut s = Subscription::undecodable(
            ProviderKind::Kelviq,
            format!("sub_{plan}"),
            "c".into(),
            "active".into(),
            crate::billing::RowIssue::new("x", "y"),
        );
        s.issues.clear();
        s.status = status;
        s.plan_id = Some(plan.into());
        s.plan_name = Some(plan.to_uppercase());
        s.period = ChargePeriod::Monthly;
        s
    }

    #[test]
    fn two_live_subscriptions_granting_a_feature_are_both_named() {
        let catalog = [plan("starter", "1"), plan("growth", "5")];
        let subs = [sub("starter", SubscriptionStatus::Active), sub("growth", SubscriptionStatus::Active)];
        let found = sources("seats", &subs, &catalog);
        assert_eq!(phrase(&found), "from STARTER 1 · GROWTH 5");
        // Seats bought on the subscription win over the plan's default.
        let mut bought = sub("growth", SubscriptionStatus::Active);
        bought.features = vec![PlanFeature {
            feature_id: "seats".into(),
            name: None,
            kind: EntitlementKind::Customizable { value: "18".into() },
        }];
        let found = sources("seats", &[sub("starter", SubscriptionStatus::Active), bought], &catalog);
        assert_eq!(phrase(&found), "from STARTER 1 · GROWTH 18");
        // One live source (the other canceled) needs no explanation; nor does an unknown feature.
        let subs = [sub("starter", SubscriptionStatus::Canceled), sub("growth", SubscriptionStatus::Active)];
        assert!(sources("seats", &subs, &catalog).is_empty());
        assert!(sources("sso", &subs, &catalog).is_empty());
    }
}
