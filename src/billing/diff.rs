//! What a plan change does to a customer's entitlements: features gained and lost, limits
//! raised and lowered, values changed. Pure, from the catalog's plan features.

use super::money::group_int;
use super::{Entitlement, EntitlementKind, PlanFeature};

/// One line per feature that differs, in the old plan's order, then features only the new
/// plan has. Empty when nothing changes.
pub fn entitlement_diff(old: &[PlanFeature], new: &[PlanFeature]) -> Vec<String> {
    let mut out = Vec::new();
    for o in old {
        let name = o.name.as_deref().unwrap_or(&o.feature_id);
        match new.iter().find(|n| n.feature_id == o.feature_id) {
            None => out.push(format!("− {name}: lost")),
            Some(n) => {
                if let Some(line) = change(name, &o.kind, &n.kind) {
                    out.push(line);
                }
            }
        }
    }
    for n in new.iter().filter(|n| !old.iter().any(|o| o.feature_id == n.feature_id)) {
        let name = n.name.as_deref().unwrap_or(&n.feature_id);
        out.push(format!("+ {name}: gained{}", describe(&n.kind).map(|d| format!(" ({d})")).unwrap_or_default()));
    }
    out
}

/// Meters whose usage today already exceeds the limit the customer would have after moving
/// from `old` to `new`, and what that does to access. The customer's limit after the change is
/// today's (which may sum several subscriptions) minus what the old plan grants plus what the
/// new one grants, so other subscriptions keep counting. Empty when no meter is over.
pub fn usage_warnings(current: &[Entitlement], old: &[PlanFeature], new: &[PlanFeature]) -> Vec<String> {
    let mut out = Vec::new();
    for e in current {
        let EntitlementKind::Meter { limit: now_limit, used, .. } = e.kind else { continue };
        if used <= 0 {
            continue;
        }
        let catalog_name =
            || old.iter().chain(new).find(|f| f.feature_id == e.feature_id).and_then(|f| f.name.as_deref());
        let name = e.name.as_deref().or_else(catalog_name).unwrap_or(&e.feature_id);
        let (old_share, new_share) = (meter_limit(old, &e.feature_id), meter_limit(new, &e.feature_id));
        if old_share.is_none() && new_share.is_none() {
            continue; // neither plan grants it: the change does not touch this meter
        }
        let Some(after) = limit_after(now_limit, old_share.unwrap_or(Some(0)), new_share.unwrap_or(Some(0))) else {
            continue; // unlimited after the change
        };
        let lowered = now_limit.is_none_or(|now| after < now);
        if used <= after || !lowered {
            continue;
        }
        let hard = new_share.is_none() || meter_is_hard(new, &e.feature_id);
        let lost = new_share.is_none();
        let what = if lost && after == 0 {
            "the new plan does not include it".to_string()
        } else if lost {
            format!("the new plan does not include it ({} left from other subscriptions)", group_int(after))
        } else {
            format!("over the new limit {}", group_int(after))
        };
        let access = if hard {
            "access is refused from the moment the change takes effect"
        } else {
            "soft limit: access continues, usage over the limit as the provider bills it"
        };
        // Only a real date is stated; anything else the provider sent is left out.
        let reset_day = e.resets_at.as_deref().and_then(|r| r.get(..10));
        let reset_day = reset_day.and_then(|d| chrono::NaiveDate::parse_from_str(d, "%Y-%m-%d").ok());
        let resets = reset_day.map(|d| format!(" until usage resets {d}"));
        let resets = if hard { resets.unwrap_or_default() } else { String::new() };
        out.push(format!("⚠ {name}: {} used, {what}: {access}{resets}", group_int(used)));
    }
    out
}

/// `Some(limit)` when `plan` grants the meter (`limit` `None` is unlimited), `None` when it
/// does not grant it at all.
#[allow(clippy::option_option)] // granted-or-not and limited-or-not are two different questions
fn meter_limit(plan: &[PlanFeature], feature_id: &str) -> Option<Option<i64>> {
    plan.iter().find(|f| f.feature_id == feature_id).map(|f| match f.kind {
        EntitlementKind::Meter { limit, .. } => limit,
        _ => None,
    })
}

fn meter_is_hard(plan: &[PlanFeature], feature_id: &str) -> bool {
    plan.iter()
        .find(|f| f.feature_id == feature_id)
        .is_some_and(|f| matches!(f.kind, EntitlementKind::Meter { hard_limit: true, .. }))
}

/// Today's limit with the old plan's share replaced by the new plan's (`None` is unlimited).
fn limit_after(now: Option<i64>, old: Option<i64>, new: Option<i64>) -> Option<i64> {
    match (now, old, new) {
        (_, _, None) => None,
        (Some(now), Some(old), Some(new)) => Some(now.saturating_sub(old).saturating_add(new)),
        // Unlimited today only because of this plan: the new plan's limit is all that is left.
        (None, None, Some(new)) => Some(new),
        // Unlimited today through another subscription: still unlimited.
        (None, Some(_), Some(_)) => None,
        // Today's figure cannot be unlimited-free while the old plan is unlimited; trust the plan.
        (Some(_), None, Some(new)) => Some(new),
    }
}

fn describe(kind: &EntitlementKind) -> Option<String> {
    match kind {
        EntitlementKind::Boolean => None,
        EntitlementKind::Meter { limit: Some(l), .. } => Some(format!("limit {l}")),
        EntitlementKind::Meter { limit: None, .. } => Some("unlimited".into()),
        EntitlementKind::Customizable { value } => Some(value.clone()),
    }
}

fn change(name: &str, old: &EntitlementKind, new: &EntitlementKind) -> Option<String> {
    use EntitlementKind::{Customizable, Meter};
    match (old, new) {
        (Meter { limit: a, .. }, Meter { limit: b, .. }) if a != b => {
            let show = |l: &Option<i64>| l.map_or("unlimited".to_string(), super::money::group_int);
            let direction = match (a, b) {
                (Some(x), Some(y)) if y > x => "raised",
                (Some(_), None) => "raised",
                _ => "lowered",
            };
            Some(format!(
                "{} {name}: limit {direction} {} → {}",
                if direction == "raised" { "↑" } else { "↓" },
                show(a),
                show(b)
            ))
        }
        (Customizable { value: a }, Customizable { value: b }) if a != b => {
            let (x, y) = (a.parse::<f64>().ok(), b.parse::<f64>().ok()); // ordering only, not money
            let arrow = match (x, y) {
                (Some(x), Some(y)) if y > x => "↑",
                (Some(x), Some(y)) if y < x => "↓",
                _ => "~",
            };
            let grouped = |v: &str| v.parse::<i64>().map_or_else(|_| v.to_string(), super::money::group_int);
            Some(format!("{arrow} {name}: {} → {}", grouped(a), grouped(b)))
        }
        (a, b) if std::mem::discriminant(a) != std::mem::discriminant(b) => Some(format!("~ {name}: changes kind")),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn f(id: &str, kind: EntitlementKind) -> PlanFeature {
        PlanFeature { feature_id: id.into(), name: None, kind }
    }

    fn meter(limit: Option<i64>) -> EntitlementKind {
        EntitlementKind::Meter { limit, used: 0, remaining: limit, hard_limit: true }
    }

    trait Soft {
        fn soft(self) -> Self;
    }

    impl Soft for EntitlementKind {
        fn soft(self) -> Self {
            match self {
                EntitlementKind::Meter { limit, used, remaining, .. } => {
                    EntitlementKind::Meter { limit, used, remaining, hard_limit: false }
                }
                other => other,
            }
        }
    }

    fn used(id: &str, limit: Option<i64>, used: i64, hard: bool) -> Entitlement {
        Entitlement {
            feature_id: id.into(),
            name: Some("API calls".into()),
            has_access: true,
            kind: EntitlementKind::Meter { limit, used, remaining: limit.map(|l| l - used), hard_limit: hard },
            resets_at: Some("2027-01-01T00:00:00Z".into()),
        }
    }

    fn hard_meter(limit: Option<i64>) -> EntitlementKind {
        EntitlementKind::Meter { limit, used: 0, remaining: limit, hard_limit: true }
    }

    #[test]
    fn a_downgrade_below_current_usage_is_named_with_its_consequence() {
        let old = vec![f("api", hard_meter(Some(500_000)))];
        let new = vec![f("api", hard_meter(Some(50_000)))];
        let now = vec![used("api", Some(500_000), 485_000, true)];
        assert_eq!(
            usage_warnings(&now, &old, &new),
            vec![
                "⚠ API calls: 485,000 used, over the new limit 50,000: access is refused from the moment the change \
                 takes effect until usage resets 2027-01-01"
            ]
        );
        // An upgrade, or usage under the new limit, warns about nothing.
        assert!(usage_warnings(&now, &new, &old).is_empty());
        assert!(usage_warnings(&[used("api", Some(500_000), 40_000, true)], &old, &new).is_empty());
    }

    #[test]
    fn other_subscriptions_keep_their_share_and_soft_or_lost_meters_say_so() {
        // Two subscriptions: 500,000 from this plan, 100,000 from another; 485,000 used.
        let old = vec![f("api", hard_meter(Some(500_000)))];
        let now = vec![used("api", Some(600_000), 485_000, true)];
        let to_50k = vec![f("api", hard_meter(Some(50_000)))];
        assert_eq!(usage_warnings(&now, &old, &to_50k).len(), 1, "150,000 after the change < 485,000");
        let to_400k = vec![f("api", hard_meter(Some(400_000)))];
        assert!(usage_warnings(&now, &old, &to_400k).is_empty(), "500,000 after the change ≥ 485,000");
        let soft = vec![f("api", meter(Some(50_000)).soft())];
        let w = usage_warnings(&now, &old, &soft);
        assert!(w[0].contains("soft limit: access continues"), "{w:?}");
        let w = usage_warnings(&now, &old, &[]);
        assert!(w[0].contains("the new plan does not include it (100,000 left"), "{w:?}");
        // Unlimited after the change: nothing to warn about.
        assert!(usage_warnings(&now, &old, &[f("api", hard_meter(None))]).is_empty());
    }

    #[test]
    fn gains_losses_and_limit_changes() {
        let old = vec![
            f("sso", EntitlementKind::Boolean),
            f("api", meter(Some(1000))),
            f("seats", EntitlementKind::Customizable { value: "3".into() }),
            f("events", meter(Some(5))),
        ];
        let new = vec![
            f("api", meter(Some(50_000))),
            f("seats", EntitlementKind::Customizable { value: "10".into() }),
            f("events", meter(Some(5))),
            f("audit", EntitlementKind::Boolean),
        ];
        assert_eq!(
            entitlement_diff(&old, &new),
            vec!["− sso: lost", "↑ api: limit raised 1,000 → 50,000", "↑ seats: 3 → 10", "+ audit: gained"]
        );
        assert_eq!(entitlement_diff(&new, &new), Vec::<String>::new());
        assert_eq!(
            entitlement_diff(&[f("api", meter(None))], &[f("api", meter(Some(10)))]),
            vec!["↓ api: limit lowered unlimited → 10"]
        );
    }
}
