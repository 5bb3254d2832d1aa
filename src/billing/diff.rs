//! What a plan change does to a customer's entitlements: features gained and lost, limits
//! raised and lowered, values changed. Pure, from the catalog's plan features.

use super::{EntitlementKind, PlanFeature};

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
