//! Plan identifiers as people type them: a plan's id, slug or name as `till plans list` shows
//! it, on every provider. Kelviq and Flowglad ids are slugs (`growth`), KuvarPay's are
//! `plan_pro`, Zenskar's are UUIDs with one plan per price, so "Team" names several plans
//! there; the charge period and currency, when known, narrow a name to one.

use crate::billing::{ChargePeriod, Plan};
use crate::util::fold_accents;

use super::{OpsError, Result};

/// What narrows a plan name that several plans share.
#[derive(Clone, Copy, Debug, Default)]
pub struct Narrowing<'a> {
    pub period: Option<ChargePeriod>,
    pub currency: Option<&'a str>,
}

impl Narrowing<'_> {
    fn admits(&self, plan: &Plan) -> bool {
        plan.prices.iter().any(|p| {
            self.period.is_none_or(|period| p.period == period)
                && self.currency.is_none_or(|c| p.amount.currency().code().eq_ignore_ascii_case(c.trim()))
        })
    }
}

/// The plan `identifier` names: its id exactly, else its id, product or name ignoring case and
/// accents. Several plans of one name are narrowed by `narrow`; still several is a usage error
/// listing each candidate with its prices. `Ok(None)` when nothing matches, so the caller can
/// pass the identifier through for the provider to judge (a catalog may hide archived plans).
pub fn find<'p>(plans: &'p [Plan], identifier: &str, narrow: Narrowing<'_>) -> Result<Option<&'p Plan>> {
    let wanted = identifier.trim();
    if wanted.is_empty() {
        return Ok(None);
    }
    if let Some(exact) = plans.iter().find(|p| p.id == wanted) {
        return Ok(Some(exact));
    }
    let folded = fold_accents(wanted);
    let same = |text: &str| fold_accents(text.trim()) == folded;
    let by_id: Vec<&Plan> = plans.iter().filter(|p| same(&p.id) || p.product.as_deref().is_some_and(same)).collect();
    let matches = if by_id.is_empty() { plans.iter().filter(|p| same(&p.name)).collect() } else { by_id };
    let narrowed: Vec<&Plan> = matches.iter().copied().filter(|p| narrow.admits(p)).collect();
    match (matches.len(), narrowed.len()) {
        (0, _) => Ok(None),
        (1, _) => Ok(matches.first().copied()),
        (_, 1) => Ok(narrowed.first().copied()),
        _ => Err(ambiguous(wanted, if narrowed.is_empty() { &matches } else { &narrowed })),
    }
}

/// The id to send for `identifier`: the matching plan's id, or the identifier as typed when no
/// plan matches.
pub fn resolve(plans: &[Plan], identifier: &str, narrow: Narrowing<'_>) -> Result<String> {
    Ok(find(plans, identifier, narrow)?.map_or_else(|| identifier.trim().to_string(), |p| p.id.clone()))
}

fn ambiguous(wanted: &str, candidates: &[&Plan]) -> OpsError {
    let listed: Vec<String> = candidates
        .iter()
        .map(|p| {
            let prices: Vec<String> = p
                .prices
                .iter()
                .map(|price| format!("{} {} {}", price.amount, price.amount.currency().code(), price.period.label()))
                .collect();
            format!("{} ({}: {})", p.id, p.name, prices.join(", "))
        })
        .collect();
    OpsError::usage(format!(
        "plan {wanted:?} is ambiguous: {} plans match — give one id, or narrow with the period and currency: {}",
        candidates.len(),
        listed.join("; ")
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::billing::{Currency, Money, Price, PriceKind, ProviderKind};

    fn plan(id: &str, name: &str, prices: &[(ChargePeriod, &str, Currency)]) -> Plan {
        Plan {
            provider: ProviderKind::Zenskar,
            id: id.into(),
            name: name.into(),
            description: None,
            product: None,
            prices: prices
                .iter()
                .map(|(period, amount, currency)| Price {
                    id: None,
                    kind: PriceKind::Paid,
                    period: *period,
                    amount: Money::parse(amount, *currency).unwrap(),
                    trial_days: None,
                })
                .collect(),
            features: vec![],
            issues: Vec::new(),
        }
    }

    fn catalog() -> Vec<Plan> {
        vec![
            plan("plan_pro", "Pro", &[(ChargePeriod::Monthly, "29", Currency::USD)]),
            plan("u-1", "Team", &[(ChargePeriod::Monthly, "49", Currency::USD)]),
            plan("u-2", "Team", &[(ChargePeriod::Yearly, "490", Currency::USD)]),
            plan("u-3", "Team", &[(ChargePeriod::Monthly, "45", Currency::EUR)]),
            plan("u-4", "Über", &[(ChargePeriod::Monthly, "1", Currency::USD)]),
        ]
    }

    #[test]
    fn ids_slugs_and_names_resolve_to_the_id() {
        let plans = catalog();
        let none = Narrowing::default();
        assert_eq!(resolve(&plans, "plan_pro", none).unwrap(), "plan_pro");
        assert_eq!(resolve(&plans, "PLAN_PRO", none).unwrap(), "plan_pro", "ids ignore case");
        assert_eq!(resolve(&plans, "pro", none).unwrap(), "plan_pro", "the name as plans list shows it");
        assert_eq!(resolve(&plans, "uber", none).unwrap(), "u-4", "names fold accents");
        assert_eq!(resolve(&plans, "u-2", none).unwrap(), "u-2");
        assert_eq!(resolve(&plans, "nope", none).unwrap(), "nope", "unknown passes through");
    }

    #[test]
    fn a_shared_name_is_narrowed_by_period_and_currency_or_lists_the_candidates() {
        let plans = catalog();
        let monthly_usd = Narrowing { period: Some(ChargePeriod::Monthly), currency: Some("usd") };
        assert_eq!(resolve(&plans, "team", monthly_usd).unwrap(), "u-1");
        let yearly = Narrowing { period: Some(ChargePeriod::Yearly), currency: None };
        assert_eq!(resolve(&plans, "Team", yearly).unwrap(), "u-2");
        let err =
            resolve(&plans, "team", Narrowing { period: Some(ChargePeriod::Monthly), currency: None }).unwrap_err();
        assert_eq!(err.kind, super::super::ErrorKind::Usage);
        assert!(err.message.contains("ambiguous"), "{err}");
        assert!(err.message.contains("u-1 (Team: $49.00 USD monthly)"), "{err}");
        assert!(err.message.contains("u-3 (Team: €45.00 EUR monthly)"), "{err}");
        assert!(!err.message.contains("u-2"), "the yearly plan was narrowed away: {err}");
    }
}
