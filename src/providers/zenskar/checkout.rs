//! The body of `POST /checkouts` for a new contract, built once for create, the request
//! preview and the native estimate (`POST /checkouts/preview` takes the same body), so what
//! the console shows is what it sends. Lookups (the plan's products, an external customer id,
//! the default business entity) happen here, identically for every path.

use chrono::SecondsFormat;
use reqwest::Method;

use super::{ZENSKAR, ZenskarClient, map, wire};
use crate::billing::{CheckoutPurpose, CheckoutRequest, FeatureQuantity};
use crate::providers::http::ApiRequest;
use crate::providers::{ProviderError, Result};

impl ZenskarClient {
    /// `POST {path}` (`checkouts` or `checkouts/preview`) with the body for `request`.
    pub(super) async fn checkout_request(&self, path: &str, request: &CheckoutRequest) -> Result<ApiRequest> {
        let body = self.checkout_body(request).await?;
        self.request(Method::POST, path).json(&body)
    }

    /// The plan fixes currency and cadence, so a requested period or currency is only checked
    /// against it; feature quantities and switched-off products become product overrides.
    pub(super) async fn checkout_body(&self, request: &CheckoutRequest) -> Result<wire::CheckoutCreateRequest> {
        check_purpose(request)?;
        let plan_id = request.price_id.clone().filter(|p| !p.is_empty()).unwrap_or_else(|| request.plan_id.clone());
        if plan_id.trim().is_empty() {
            return Err(ProviderError::invalid(ZENSKAR, "a checkout needs a plan"));
        }
        let needs_plan = !request.features.is_empty()
            || !request.disabled_products.is_empty()
            || request.period.is_some()
            || request.currency.is_some();
        let product_overrides = if needs_plan {
            let plan = self.plan(&plan_id).await?;
            check_plan_matches(&plan, request)?;
            Some(checkout_overrides(&plan, &request.features, &request.disabled_products)?)
                .filter(|o: &Vec<_>| !o.is_empty())
        } else {
            None
        };
        let (customer_id, business_entity_id) = self.checkout_parties(request).await?;
        let url = |u: Option<&String>| u.filter(|u| !u.is_empty()).cloned();
        Ok(wire::CheckoutCreateRequest {
            plan_id: Some(plan_id),
            customer_id,
            business_entity_id,
            start_date: request.start_date.map(map::format_date),
            end_date: request.end_date.map(map::format_date),
            expires_at: request.expires_at.map(|t| t.to_rfc3339_opts(SecondsFormat::Secs, true)),
            success_url: url(Some(&request.success_url)),
            cancel_url: url(request.cancel_url.as_ref()),
            product_overrides,
            ..Default::default()
        })
    }

    /// The customer (a UUID, resolved from an external id if need be) and the business entity.
    /// A guest checkout (no customer) needs an entity: the one asked for, else the
    /// organisation's first. An entity given alongside a customer is sent as asked.
    async fn checkout_parties(&self, request: &CheckoutRequest) -> Result<(Option<String>, Option<String>)> {
        let entity = request.business_entity_id.clone().filter(|b| !b.trim().is_empty());
        if let Some(c) = request.customer_id.as_deref().filter(|c| !c.is_empty()) {
            return Ok((Some(self.customer_uuid(c).await?), entity));
        }
        if entity.is_some() {
            return Ok((None, entity));
        }
        let first = self.business_entities().await?.into_iter().next().ok_or_else(|| {
            ProviderError::invalid(ZENSKAR, "a guest checkout needs a business entity and the organisation has none")
        })?;
        Ok((None, Some(first.id)))
    }
}

/// `/checkouts` only sells plans, and quantities belong to products, not to the checkout.
fn check_purpose(request: &CheckoutRequest) -> Result<()> {
    if !matches!(request.purpose, None | Some(CheckoutPurpose::Purchase)) {
        return Err(ProviderError::unsupported(ZENSKAR, "checkouts that do not buy a plan"));
    }
    if request.quantity.is_some_and(|q| q > 1) {
        return Err(ProviderError::invalid(
            ZENSKAR,
            "Zenskar checkouts have no overall quantity: set a product's quantity instead (e.g. --feature seats=5)",
        ));
    }
    Ok(())
}

fn check_plan_matches(plan: &wire::Plan, request: &CheckoutRequest) -> Result<()> {
    let Some(mapped) = map::plan(plan.clone())? else {
        return Err(ProviderError::invalid(ZENSKAR, format!("plan {} is not active", plan.id)));
    };
    let Some(price) = mapped.prices.first() else { return Ok(()) };
    if let Some(p) = request.period.filter(|p| *p != price.period) {
        return Err(ProviderError::invalid(
            ZENSKAR,
            format!(
                "plan {} is billed {}, not {}: pick the plan for that period",
                plan.id,
                price.period.label(),
                p.label()
            ),
        ));
    }
    if let Some(c) = request.currency.as_deref().filter(|c| !c.eq_ignore_ascii_case(price.amount.currency().code())) {
        return Err(ProviderError::invalid(
            ZENSKAR,
            format!(
                "plan {} is priced in {}, not {c}: pick the plan for that currency",
                plan.id,
                price.amount.currency()
            ),
        ));
    }
    Ok(())
}

/// Quantities, then products switched off (`is_enabled: false`); one product cannot be both.
fn checkout_overrides(
    plan: &wire::Plan,
    features: &[FeatureQuantity],
    disabled: &[String],
) -> Result<Vec<wire::ProductOverride>> {
    let mut out = product_overrides(plan, features)?;
    for name in disabled {
        let product_id = product_for(plan, name)?;
        if out.iter().any(|o| o.product_id == product_id) {
            return Err(ProviderError::invalid(
                ZENSKAR,
                format!("{name:?} is both given a quantity and switched off: choose one"),
            ));
        }
        out.push(wire::ProductOverride { product_id, quantity: None, is_enabled: Some(false) });
    }
    Ok(out)
}

/// Feature quantities → `product_overrides`; a quantity of 0 switches the product off.
pub(super) fn product_overrides(plan: &wire::Plan, features: &[FeatureQuantity]) -> Result<Vec<wire::ProductOverride>> {
    features
        .iter()
        .map(|f| {
            Ok(wire::ProductOverride {
                product_id: product_for(plan, &f.feature_id)?,
                quantity: Some(i64::from(f.quantity)),
                is_enabled: Some(f.quantity > 0),
            })
        })
        .collect()
}

/// A plan's product named by product id, by the id of an entitlement it grants, or by the
/// product's or entitlement's name ("seats" finds "Seats").
fn product_for(plan: &wire::Plan, id: &str) -> Result<String> {
    let pricings: Vec<&wire::PhasePricing> = plan.phases.iter().flat_map(|ph| ph.pricings.iter()).collect();
    let grants = |pp: &wire::PhasePricing, by: &dyn Fn(&wire::Grant) -> bool| {
        pp.pricing.as_ref().is_some_and(|p| p.grants.iter().any(by))
    };
    let named = |pp: &&&wire::PhasePricing| {
        pp.product.as_ref().and_then(|p| p.name.as_deref()).is_some_and(|n| map::loose_eq(n, id))
    };
    pricings
        .iter()
        .find(|pp| pp.product_id.as_deref() == Some(id))
        .or_else(|| pricings.iter().find(|pp| grants(pp, &|g| g.entitlement_id == id)))
        .or_else(|| pricings.iter().find(named))
        .or_else(|| {
            pricings.iter().find(|pp| grants(pp, &|g| g.label.as_deref().is_some_and(|l| map::loose_eq(l, id))))
        })
        .and_then(|pp| pp.product_id.clone())
        .ok_or_else(|| {
            ProviderError::invalid(ZENSKAR, format!("plan {} has no product or entitlement {id:?}", plan.id))
        })
}
