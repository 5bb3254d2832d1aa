//! Checkout sessions of every type and what paying one on the hosted page does.

use super::ops::MISSING_STRING;
use super::state::{
    ApiError, Checkout, CheckoutKind, Customer, Issue, Ms, PriceKind, QUANTITY_TOO_BIG, State, Subscription, from_ms,
    ms,
};
use crate::billing::Money;
use crate::providers::flowglad::wire;
use crate::sandbox::kelviq::state::current_period;
use crate::sandbox::pay::{CARD_DECLINED, HostedCheckout, OrderSummary, PayError, TrialTerms};

/// Sessions expire a day after creation.
const SESSION_LIFETIME_MS: Ms = 24 * 3_600_000;
const METADATA_MAX_CHARS: usize = 500;

fn valid_url(u: &str) -> bool {
    crate::sandbox::valid_redirect_url(u)
}

/// The required URLs and the customer, checked the way zod reports them: all at once.
fn url_issues(input: &wire::CheckoutSessionInput, needs_customer: bool) -> Vec<Issue> {
    let mut issues = Vec::new();
    let path = |field: &str| vec!["checkoutSession".to_string(), field.to_string()];
    for (field, value) in [("successUrl", &input.success_url), ("cancelUrl", &input.cancel_url)] {
        match value {
            None => issues.push(Issue { code: "invalid_type", path: path(field), message: MISSING_STRING.into() }),
            Some(u) if !valid_url(u) => {
                issues.push(Issue { code: "invalid_format", path: path(field), message: "Invalid URL".into() })
            }
            Some(_) => {}
        }
    }
    if needs_customer && input.customer_external_id.is_none() {
        issues.push(Issue { code: "invalid_type", path: path("customerExternalId"), message: MISSING_STRING.into() });
    }
    issues
}

/// `Metadata` values are strings of at most 500 characters, numbers or booleans.
fn metadata_issues(input: &wire::CheckoutSessionInput) -> Vec<Issue> {
    let path = |key: &str| vec!["checkoutSession".to_string(), "outputMetadata".to_string(), key.to_string()];
    let mut issues = Vec::new();
    for (key, value) in input.output_metadata.iter().flatten() {
        match value {
            serde_json::Value::String(s) if s.chars().count() > METADATA_MAX_CHARS => issues.push(Issue {
                code: "too_big",
                path: path(key),
                message: format!("Too big: expected string to have <={METADATA_MAX_CHARS} characters"),
            }),
            serde_json::Value::String(_) | serde_json::Value::Number(_) | serde_json::Value::Bool(_) => {}
            _ => issues.push(Issue { code: "invalid_union", path: path(key), message: "Invalid input".into() }),
        }
    }
    issues
}

impl State {
    pub fn create_checkout(&mut self, input: wire::CheckoutSessionInput) -> Result<String, ApiError> {
        let anonymous = input.kind == wire::CHECKOUT_PRODUCT && input.anonymous == Some(true);
        let kinds = [wire::CHECKOUT_PRODUCT, wire::CHECKOUT_ACTIVATE_SUBSCRIPTION, wire::CHECKOUT_ADD_PAYMENT_METHOD];
        if !kinds.contains(&input.kind.as_str()) {
            return Err(ApiError::issue(&["checkoutSession", "type"], "invalid_union", "Invalid input"));
        }
        let mut issues = url_issues(&input, !anonymous);
        issues.extend(metadata_issues(&input));
        if !issues.is_empty() {
            return Err(ApiError::Issues(issues));
        }
        let customer = match (&input.customer_external_id, anonymous) {
            (Some(_), true) => {
                return Err(ApiError::issue(
                    &["checkoutSession", "customerExternalId"],
                    "invalid_type",
                    "Invalid input: expected null, received string",
                ));
            }
            (Some(ext), false) => Some(self.find_customer(ext)?),
            (None, _) => None,
        };
        let kind = self.checkout_kind(&input, customer, anonymous)?;
        let now = self.now_ms();
        // Random per run, not from the seeded generator: the id is the pay page's address.
        let _ = self.id("chckt_session");
        // The seeded draw still happens, so the demo data's other ids stay as they were.
        let id = format!("chckt_session_{}", crate::sandbox::admin::random_token(21));
        self.checkouts.insert(
            id.clone(),
            Checkout {
                id: id.clone(),
                kind,
                customer,
                status: "open",
                success_url: input.success_url.unwrap_or_default(),
                cancel_url: input.cancel_url.unwrap_or_default(),
                output_name: input.output_name,
                output_metadata: input.output_metadata,
                preserve_anchor: input.preserve_billing_cycle_anchor.unwrap_or(false),
                created: now,
                updated: now,
                expires: now + SESSION_LIFETIME_MS,
            },
        );
        Ok(id)
    }

    /// The session type with its target, checked against the customer.
    fn checkout_kind(
        &self,
        input: &wire::CheckoutSessionInput,
        customer: Option<usize>,
        anonymous: bool,
    ) -> Result<CheckoutKind, ApiError> {
        let owned_by_customer = |target: &str| -> Result<&Subscription, ApiError> {
            let sub = &self.subscriptions[self.find_subscription(target)?];
            if Some(sub.customer) != customer {
                return Err(ApiError::bad_request(format!("Subscription {target} does not belong to this customer")));
            }
            Ok(sub)
        };
        match input.kind.as_str() {
            wire::CHECKOUT_PRODUCT => self.product_checkout(input, anonymous),
            wire::CHECKOUT_ACTIVATE_SUBSCRIPTION => {
                let target = input.target_subscription_id.clone().ok_or_else(|| {
                    ApiError::issue(&["checkoutSession", "targetSubscriptionId"], "invalid_type", MISSING_STRING)
                })?;
                let sub = owned_by_customer(&target)?;
                if sub.status != "incomplete" {
                    return Err(ApiError::bad_request(format!(
                        "Subscription {target} is {}; only incomplete subscriptions can be activated",
                        sub.status
                    )));
                }
                Ok(CheckoutKind::Activate { target })
            }
            _ => {
                if let Some(target) = &input.target_subscription_id {
                    owned_by_customer(target)?;
                }
                Ok(CheckoutKind::AddPaymentMethod {
                    target: input.target_subscription_id.clone(),
                    update_all: input.automatically_update_subscriptions,
                })
            }
        }
    }

    fn product_checkout(&self, input: &wire::CheckoutSessionInput, anonymous: bool) -> Result<CheckoutKind, ApiError> {
        let quantity = input.quantity.unwrap_or(1);
        if quantity < 1 {
            return Err(ApiError::issue(
                &["checkoutSession", "quantity"],
                "too_small",
                "Too small: expected number to be >=1",
            ));
        }
        let price = match (&input.price_id, &input.price_slug) {
            (Some(id), _) => {
                self.price_by_id(id).ok_or_else(|| ApiError::not_found(format!("Price not found: {id}")))?
            }
            (None, Some(slug)) => {
                self.price_by_slug(slug).ok_or_else(|| ApiError::not_found(format!("Price not found: {slug}")))?
            }
            (None, None) => {
                return Err(ApiError::issue(
                    &["checkoutSession"],
                    "custom",
                    "Either priceId or priceSlug must be provided",
                ));
            }
        };
        if matches!(self.prices[price].kind, PriceKind::Usage { .. }) {
            return Err(ApiError::bad_request("Checkout sessions cannot be created for usage prices"));
        }
        if !self.total_in_range(price, quantity) {
            return Err(ApiError::issue(&["checkoutSession", "quantity"], "too_big", QUANTITY_TOO_BIG));
        }
        Ok(CheckoutKind::Product { price, quantity, anonymous })
    }

    /// What paying does: a subscription (or single payment) for product sessions, the
    /// first payment of an incomplete subscription, or a saved card.
    fn complete_checkout(&mut self, id: &str, card: crate::sandbox::pay::CardSeen) -> Result<(), PayError> {
        let checkout =
            self.checkouts.get(id).cloned().ok_or_else(|| PayError::Unavailable("no such session".into()))?;
        let now = self.now_ms();
        if checkout.status == "expired" || (checkout.status == "open" && now > checkout.expires) {
            return Err(PayError::Unavailable("This checkout session has expired.".into()));
        }
        if checkout.status != "open" {
            return Err(PayError::AlreadyPaid);
        }
        let customer = match checkout.customer {
            Some(c) => c,
            None => self.guest_customer(now),
        };
        let card = self.add_card(customer, card, now);
        match checkout.kind {
            CheckoutKind::Product { price, quantity, .. } => {
                self.sell(customer, price, quantity, &card, &checkout, now)
            }
            CheckoutKind::Activate { ref target } => self.activate(target, &card, &checkout, now),
            CheckoutKind::AddPaymentMethod { target, update_all } => {
                for &s in &self.subscriptions_of.get(&customer).cloned().unwrap_or_default() {
                    let sub = &mut self.subscriptions[s];
                    if Some(&sub.id) == target.as_ref() || (update_all == Some(true) && sub.is_current()) {
                        sub.default_payment_method = Some(card.clone());
                        sub.updated = now;
                    }
                }
            }
        }
        if let Some(c) = self.checkouts.get_mut(id) {
            c.status = "succeeded";
            c.customer = Some(customer);
            c.updated = now;
        }
        Ok(())
    }

    /// Anonymous checkouts create their customer; its external id is its Flowglad id.
    fn guest_customer(&mut self, now: Ms) -> usize {
        let id = self.id("cus");
        let created = self.next_customer_time(now);
        let email = format!("guest-{}@checkout.flowglad.test", id.trim_start_matches("cus_").to_lowercase());
        self.push_customer(Customer {
            external_id: id.clone(),
            id,
            name: "Guest customer".into(),
            email,
            domain: None,
            created,
            updated: created,
        })
    }

    fn sell(&mut self, customer: usize, price: usize, quantity: i64, card: &str, checkout: &Checkout, now: Ms) {
        let mut sub = self.new_subscription(customer, price, quantity, now);
        sub.default_payment_method = Some(card.to_string());
        (sub.name, sub.metadata) = (checkout.output_name.clone(), checkout.output_metadata.clone());
        if let Some((anchor, end)) = self.preserved_anchor(customer, price, now).filter(|_| checkout.preserve_anchor) {
            sub.anchor = anchor;
            sub.period = Some((now, end));
        }
        let trial = self.trial_days(price).map(|days| now + i64::from(days) * 86_400_000);
        if let Some(end) = trial {
            // The trial is the first billing period: the first charge is on `trialEnd`, and
            // the billing cycle runs from there.
            sub.status = "trialing".into();
            sub.trial_end = Some(end);
            sub.period = Some((now, end));
            sub.anchor = end;
        }
        // A paid plan replaces the free default plan the customer was put on.
        let replaced: Vec<usize> = self.subscriptions_of.get(&customer).cloned().unwrap_or_default();
        for s in replaced {
            let old = &mut self.subscriptions[s];
            if old.is_free_plan && old.is_current() && sub.renews {
                old.status = "canceled".into();
                old.canceled_at = Some(now);
                old.replaced_by = Some(sub.id.clone());
                old.updated = now;
                for f in old.features.iter_mut().filter(|f| f.expired.is_none()) {
                    f.expired = Some(now);
                }
            }
        }
        let total = sub.live_total(now);
        let index = self.push_subscription(sub);
        if trial.is_none() && total > 0 {
            let p = &self.prices[price];
            let line = (p.name.clone(), quantity, p.unit_price, Some(p.id.clone()));
            self.invoice(index, vec![line], "paid", now);
        }
    }

    /// The billing cycle anchor of the customer's current renewing subscription (a paid one
    /// first) and where a new subscription to `price` anchored on it ends its first period.
    fn preserved_anchor(&self, customer: usize, price: usize, now: Ms) -> Option<(Ms, Ms)> {
        // One-time prices have no billing cycle to anchor.
        self.prices[price].interval()?;
        let subs = self.subscriptions_of.get(&customer)?;
        let renewing = subs.iter().map(|&s| &self.subscriptions[s]).filter(|s| s.is_current() && s.renews);
        let anchor = renewing.min_by_key(|s| (s.is_free_plan, s.created))?.anchor;
        let (_, end) = current_period(from_ms(anchor), self.prices[price].period(), from_ms(now));
        Some((anchor, ms(end)))
    }

    fn activate(&mut self, target: &str, card: &str, checkout: &Checkout, now: Ms) {
        let Some(index) = self.subscription(target) else { return };
        let period = self.prices[self.subscriptions[index].price].period();
        let sub = &mut self.subscriptions[index];
        sub.status = "active".into();
        sub.default_payment_method = Some(card.to_string());
        if checkout.output_name.is_some() {
            sub.name = checkout.output_name.clone();
        }
        if checkout.output_metadata.is_some() {
            sub.metadata = checkout.output_metadata.clone();
        }
        if !checkout.preserve_anchor && sub.renews {
            let (start, end) = current_period(from_ms(now), period, from_ms(now));
            sub.period = Some((ms(start), ms(end)));
            sub.anchor = ms(start);
        }
        sub.updated = now;
        let total = sub.live_total(now);
        if total > 0 {
            let p = &self.prices[self.subscriptions[index].price];
            let line = (p.name.clone(), 1, total, Some(p.id.clone()));
            self.invoice(index, vec![line], "paid", now);
        }
    }

    /// The free trial a subscription price starts with (`trialPeriodDays`).
    fn trial_days(&self, price: usize) -> Option<u32> {
        match self.prices[price].kind {
            PriceKind::Subscription { trial_days: Some(days), .. } if days > 0 => Some(days),
            _ => None,
        }
    }

    /// A product checkout's trial as the hosted page states it: nothing now, the price
    /// on the day the trial ends (from payment, or from now while unpaid).
    fn checkout_trial(&self, c: &Checkout) -> Option<TrialTerms> {
        let CheckoutKind::Product { price, quantity, .. } = c.kind else { return None };
        let days = self.trial_days(price)?;
        let p = &self.prices[price];
        let first_charge = Money::from_minor(p.unit_price * quantity, p.currency).to_string();
        let started = if c.status == "open" { self.now_ms() } else { c.updated };
        let on = from_ms(started + i64::from(days) * 86_400_000).date_naive();
        Some(TrialTerms { days, first_charge, on })
    }

    /// The order lines and total the hosted page shows.
    fn checkout_lines(&self, c: &Checkout) -> (Vec<(String, String)>, String) {
        let price_line = |price: usize, quantity: i64| {
            let p = &self.prices[price];
            let product = p.product.map_or_else(|| p.name.clone(), |i| self.products[i].name.clone());
            let total = Money::from_minor(p.unit_price * quantity, p.currency).to_string();
            let period = p.period().label();
            let label = if quantity > 1 {
                format!("{product} ({period}) × {quantity}")
            } else {
                format!("{product} ({period})")
            };
            (vec![(label, total.clone())], total)
        };
        match &c.kind {
            CheckoutKind::Product { price, quantity, .. } => price_line(*price, *quantity),
            CheckoutKind::Activate { target } => match self.subscription(target) {
                Some(s) => price_line(self.subscriptions[s].price, 1),
                None => (Vec::new(), "-".into()),
            },
            CheckoutKind::AddPaymentMethod { .. } => {
                (vec![("Save a card for future payments".into(), "no charge".into())], "no charge".into())
            }
        }
    }
}

impl HostedCheckout for State {
    fn paid_events(&self, session_id: &str) -> (crate::billing::ProviderKind, Vec<crate::sandbox::events::Emitted>) {
        (crate::billing::ProviderKind::Flowglad, self.checkout_paid_events(session_id))
    }

    fn owns_checkout(&self, session_id: &str) -> bool {
        self.checkouts.contains_key(session_id)
    }

    fn summary(&self, session_id: &str) -> Option<OrderSummary> {
        let c = self.checkouts.get(session_id)?;
        let (lines, total) = self.checkout_lines(c);
        let trial = self.checkout_trial(c);
        let total = match (&trial, &c.kind) {
            (Some(_), CheckoutKind::Product { price, .. }) => Money::zero(self.prices[*price].currency).to_string(),
            _ => total,
        };
        let customer = c
            .customer
            .map(|i| &self.customers[i])
            .map_or_else(|| "a new customer".to_string(), |cu| format!("{} <{}>", cu.name, cu.email));
        Some(OrderSummary {
            provider: "Flowglad",
            session_id: c.id.clone(),
            paid: c.status == "succeeded",
            customer,
            lines,
            total,
            trial,
            success_url: Some(c.success_url.clone()),
        })
    }

    fn pay(&mut self, session_id: &str, card: &str) -> Result<OrderSummary, PayError> {
        let digits: String = card.chars().filter(char::is_ascii_digit).collect();
        if digits == CARD_DECLINED.replace(' ', "") {
            return Err(PayError::Declined);
        }
        self.complete_checkout(session_id, crate::sandbox::pay::CardSeen::from_typed(card))?;
        self.summary(session_id).ok_or_else(|| PayError::Unavailable("session vanished".into()))
    }
}
