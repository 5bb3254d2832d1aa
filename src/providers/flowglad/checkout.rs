//! Checkout sessions: the one request that `create_checkout` sends and `checkout_preview`
//! shows (so the two cannot drift apart), and the local estimate of what paying one charges.
//! Flowglad has no pre-purchase preview (`preview-adjust` only prices changes to an existing
//! subscription), so every checkout estimate is computed by till and labelled local.

use chrono::NaiveDate;
use reqwest::Method;

use super::map::{Catalog, FLOWGLAD};
use super::{FlowgladClient, wire};
use crate::billing::estimate::{PricedItem, estimate_purchase};
use crate::billing::{CheckoutPurpose, CheckoutRequest, Estimate, Money, Subscription};
use crate::providers::http::{ApiRequest, Idempotency};
use crate::providers::{BillingProvider, FieldError, ProviderError, Result, local_purchase_estimate};

/// How a product checkout names its price on the wire.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum PriceRef {
    Id(String),
    Slug(String),
}

/// An input error about one body field, named by its wire path as Flowglad's own zod issues
/// name it, so the form shows it beside the same field either way.
fn field_error(field: &str, message: impl Into<String>) -> ProviderError {
    let message = message.into();
    let mut e = ProviderError::invalid(FLOWGLAD, message.clone());
    e.field_errors.push(FieldError { field: format!("checkoutSession.{field}"), message });
    e
}

/// The price a product checkout sells. `price_id` may be a Flowglad price id or a price slug
/// (till accepts either and sends whichever the catalog knows it as); without one, the plan's
/// price for the period and currency. A value the catalog does not know is sent as `priceId`,
/// so that Flowglad itself says what is wrong.
pub fn price_ref(catalog: &Catalog, request: &CheckoutRequest) -> Result<PriceRef> {
    match request.price_id.as_deref().filter(|p| !p.is_empty()) {
        Some(slug) if catalog.price(slug).is_none() && catalog.price_by_slug(slug).is_some() => {
            Ok(PriceRef::Slug(slug.to_string()))
        }
        Some(id) => Ok(PriceRef::Id(id.to_string())),
        None => catalog
            .resolve_price(&request.plan_id, request.period, request.currency.as_deref())
            .map(|p| PriceRef::Id(p.id.clone())),
    }
}

/// The `checkoutSession` body for `request`; `price` is needed for product sessions only.
pub fn checkout_input(request: &CheckoutRequest, price: Option<PriceRef>) -> Result<wire::CheckoutSessionInput> {
    if !request.features.is_empty() {
        return Err(ProviderError::invalid(FLOWGLAD, "Flowglad checkout takes no feature quantities"));
    }
    let mut input = wire::CheckoutSessionInput {
        customer_external_id: request.customer_id.clone().filter(|c| !c.is_empty()),
        success_url: Some(request.success_url.clone()),
        // Flowglad requires a cancel URL; without one the customer returns to the success page.
        cancel_url: Some(request.cancel_url.clone().filter(|u| !u.is_empty()).unwrap_or(request.success_url.clone())),
        output_name: request.output_name.clone().filter(|n| !n.trim().is_empty()),
        output_metadata: (!request.metadata.is_empty())
            .then(|| request.metadata.iter().map(|(k, v)| (k.clone(), v.clone().into())).collect()),
        preserve_billing_cycle_anchor: request.preserve_billing_cycle_anchor,
        ..Default::default()
    };
    let needs_customer = |what: &str| {
        field_error("customerExternalId", format!("a Flowglad {what} checkout needs the customer's external id"))
    };
    let no_quantity = |what: &str| match request.quantity {
        Some(q) if q > 1 => Err(field_error("quantity", format!("a Flowglad {what} checkout has no quantity"))),
        _ => Ok(()),
    };
    match &request.purpose {
        None | Some(CheckoutPurpose::Purchase) => {
            input.kind = wire::CHECKOUT_PRODUCT.into();
            match price.ok_or_else(|| field_error("priceId", "a product checkout needs a price"))? {
                PriceRef::Id(id) => input.price_id = Some(id),
                PriceRef::Slug(slug) => input.price_slug = Some(slug),
            }
            input.quantity = request.quantity.map(i64::from);
            input.anonymous = input.customer_external_id.is_none().then_some(true);
        }
        Some(CheckoutPurpose::ActivateSubscription { subscription_id }) => {
            input.customer_external_id.as_ref().ok_or_else(|| needs_customer("activation"))?;
            no_quantity("activation")?;
            input.kind = wire::CHECKOUT_ACTIVATE_SUBSCRIPTION.into();
            input.target_subscription_id = Some(subscription_id.clone());
        }
        Some(CheckoutPurpose::AddPaymentMethod { subscription_id }) => {
            input.customer_external_id.as_ref().ok_or_else(|| needs_customer("payment-method"))?;
            no_quantity("payment-method")?;
            if request.preserve_billing_cycle_anchor == Some(true) {
                let message = "an add-payment-method checkout has no billing cycle anchor to preserve";
                return Err(field_error("preserveBillingCycleAnchor", message));
            }
            input.preserve_billing_cycle_anchor = None;
            input.kind = wire::CHECKOUT_ADD_PAYMENT_METHOD.into();
            input.target_subscription_id = subscription_id.clone().filter(|s| !s.is_empty());
        }
    }
    Ok(input)
}

/// What paying a product checkout charges, from the catalog: the price Flowglad would sell,
/// times the quantity, from `start_date` (today by default). A subscription price with a trial
/// charges nothing now and its first period when the trial ends. `end_date` plays no part:
/// Flowglad subscriptions run until cancelled.
pub fn purchase_estimate(catalog: &Catalog, request: &CheckoutRequest, today: NaiveDate) -> Result<Estimate> {
    let price = match price_ref(catalog, request)? {
        PriceRef::Id(id) => catalog.price(&id),
        PriceRef::Slug(slug) => catalog.price_by_slug(&slug),
    }
    .ok_or_else(|| {
        let named = request.price_id.as_deref().unwrap_or_default();
        field_error("priceId", format!("no price {named:?} in the pricing model"))
    })?;
    if price.kind == wire::PRICE_USAGE {
        return Err(field_error("priceId", format!("price {} is billed by usage, not sold by checkout", price.id)));
    }
    // The price's trial (`trialPeriodDays`) is the catalog's, honoured by the shared local
    // estimate: nothing now, the first period when the trial ends.
    let priced = CheckoutRequest { price_id: Some(price.id.clone()), end_date: None, ..request.clone() };
    local_purchase_estimate(FLOWGLAD, &catalog.plans()?, &priced, today)
}

impl FlowgladClient {
    /// `POST /checkout-sessions`, built once for sending and previewing. Product sessions
    /// read the catalog first (to resolve the plan's price, or whether `price_id` is a slug).
    /// Sent once: Flowglad reads no `Idempotency-Key`.
    pub(super) async fn checkout_request(&self, request: &CheckoutRequest) -> Result<ApiRequest> {
        let price = match &request.purpose {
            None | Some(CheckoutPurpose::Purchase) => Some(price_ref(&self.catalog().await?, request)?),
            Some(_) => None,
        };
        let body = wire::CreateCheckoutSessionRequest { checkout_session: checkout_input(request, price)? };
        Ok(self.request(Method::POST, "checkout-sessions").json(&body)?.idempotency(Idempotency::Unsafe))
    }

    pub(super) async fn checkout_estimate(&self, request: &CheckoutRequest, today: NaiveDate) -> Result<Estimate> {
        match &request.purpose {
            None | Some(CheckoutPurpose::Purchase) => purchase_estimate(&self.catalog().await?, request, today),
            Some(CheckoutPurpose::ActivateSubscription { subscription_id }) => {
                self.activation_estimate(request, subscription_id, today).await
            }
            Some(CheckoutPurpose::AddPaymentMethod { .. }) => {
                Err(ProviderError::unsupported(FLOWGLAD, "an estimate of saving a card (it charges nothing)"))
            }
        }
    }

    /// Activating charges the subscription's items in full; its period restarts on payment
    /// unless the billing cycle anchor is preserved, when the next invoice stays on the
    /// current period's end.
    async fn activation_estimate(&self, request: &CheckoutRequest, id: &str, today: NaiveDate) -> Result<Estimate> {
        let sub = self.activation_target(request, id).await?;
        let amount =
            sub.amount.ok_or_else(|| ProviderError::invalid(FLOWGLAD, format!("subscription {id} has no amount")))?;
        let name = sub.plan_name.clone().or(sub.plan_id.clone()).unwrap_or_else(|| id.to_string());
        let item = PricedItem {
            description: format!("{name} ({})", sub.period.label()),
            unit_amount: amount,
            quantity: 1,
            period: sub.period,
        };
        let start = request.start_date.unwrap_or(today);
        let mut estimate =
            estimate_purchase(&[item], start).map_err(|e| ProviderError::invalid(FLOWGLAD, e.to_string()))?;
        let anchor = sub
            .current_period_end
            .map(|t| t.date_naive())
            .filter(|_| request.preserve_billing_cycle_anchor == Some(true));
        if let (Some(end), Some(next)) = (anchor, estimate.next_invoice.as_mut()) {
            next.date = Some(end);
            next.lines.iter_mut().for_each(|l| (l.period_start, l.period_end) = (Some(end), sub.period.advance(end)));
            estimate.current_invoice.lines.iter_mut().for_each(|l| l.period_end = Some(end));
        }
        Ok(estimate)
    }
}

/// What paying a listed session charges now, by the same local estimate its creation showed
/// (price × quantity; nothing during the price's free trial). `None` without a price the
/// catalog knows.
fn due_now(s: &wire::CheckoutSession, plans: &[crate::billing::Plan], created: NaiveDate) -> Option<Money> {
    let request = CheckoutRequest {
        price_id: Some(s.price_id.clone()?),
        quantity: Some(u32::try_from(s.quantity.max(1)).unwrap_or(u32::MAX)),
        ..Default::default()
    };
    let estimate = local_purchase_estimate(FLOWGLAD, plans, &request, created).ok()?;
    Some(estimate.current_invoice.total)
}

impl FlowgladClient {
    /// The subscription an activation checkout targets, read from the customer's billing.
    /// Activation collects the first payment of an *incomplete* subscription; Flowglad refuses
    /// any other with a 400, and there is nothing to estimate, so till refuses first, beside
    /// the target subscription, without sending.
    pub(super) async fn activation_target(&self, request: &CheckoutRequest, id: &str) -> Result<Subscription> {
        let customer = request
            .customer_id
            .as_deref()
            .filter(|c| !c.is_empty())
            .ok_or_else(|| field_error("customerExternalId", "an activation checkout needs the customer"))?;
        let sub = self.list_subscriptions(customer).await?.into_iter().find(|s| s.id == id).ok_or_else(|| {
            field_error("targetSubscriptionId", format!("customer {customer} has no subscription {id}"))
        })?;
        if sub.raw_status != "incomplete" {
            let status = crate::text::line(&sub.raw_status).into_owned();
            let message = format!("{id} is {status}; only an incomplete subscription can be activated");
            return Err(field_error("targetSubscriptionId", message));
        }
        Ok(sub)
    }

    /// One page of `GET /checkout-sessions` (cursor/limit). The record names Flowglad's own
    /// customer id; the external id is shown where the client has seen it. The amount is what
    /// is due now by the catalog (the record states none: `due_now`); without the catalog the
    /// list still shows, without amounts.
    pub(super) async fn checkout_list(
        &self,
        page: &crate::providers::PageRequest,
    ) -> Result<crate::providers::Page<crate::billing::CheckoutListing>> {
        let mut q = vec![("limit", page.limit.clamp(1, super::MAX_PAGE).to_string())];
        if let Some(cursor) = &page.cursor {
            q.push(("cursor", cursor.clone()));
        }
        let body: wire::Page<wire::CheckoutSession> = self.get("checkout-sessions", &q).await?;
        let next_cursor = body.next_cursor.clone().filter(|_| body.has_more);
        let what = "checkout sessions";
        crate::providers::paging::check_page(
            FLOWGLAD,
            what,
            page.cursor.as_deref(),
            body.data.len(),
            next_cursor.as_deref(),
        )?;
        let plans = match self.catalog().await {
            Ok(catalog) => catalog.plans().unwrap_or_default(),
            Err(_) => Vec::new(),
        };
        let items = body.data.into_iter().map(|s| self.listing(s, &plans)).collect();
        Ok(crate::providers::Page { items, next_cursor, total: Some(body.total) })
    }

    fn listing(&self, s: wire::CheckoutSession, plans: &[crate::billing::Plan]) -> crate::billing::CheckoutListing {
        let created_at = super::map::datetime(s.created_at).filter(|_| s.created_at > 0);
        let amount = due_now(&s, plans, created_at.unwrap_or_else(chrono::Utc::now).date_naive());
        let (name, email) = (s.customer_name.clone(), s.customer_email.clone());
        let customer = s.customer_id.as_deref().map(|c| self.external_id(c));
        let mut session =
            super::map::checkout(wire::CheckoutSessionResponse { checkout_session: s, url: String::new() }, customer);
        // The record's status stays `open` past `expires`; a list reads it as expired.
        if session.raw_status == "open" && session.expires_at.is_some_and(|t| t < chrono::Utc::now()) {
            session.status = crate::billing::CheckoutStatus::Expired;
        }
        crate::billing::CheckoutListing { session, customer_name: name, customer_email: email, amount, created_at }
    }
}
