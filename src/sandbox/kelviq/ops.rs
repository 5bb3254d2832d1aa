//! Kelviq's state changes: checkout and payment, plan change, cancellation, entitlements.

use std::collections::BTreeMap;

use chrono::NaiveDate;
use rust_decimal::Decimal;

use super::state::{ApiError, Checkout, Order, State, Subscription, current_period, start_of_day, token};
use crate::billing::{ChargePeriod, Currency, Money};
use crate::providers::kelviq::wire;
use crate::sandbox::pay::{CARD_DECLINED, HostedCheckout, OrderSummary, PayError, TrialTerms};
use crate::sandbox::proration::{Term, prorate};
use crate::sandbox::seed::SeedFeatureType;

/// Kelviq enables these periods by default; the others need support to switch them on.
const DEFAULT_PERIODS: [ChargePeriod; 5] = [
    ChargePeriod::OneTime,
    ChargePeriod::Monthly,
    ChargePeriod::ThreeMonths,
    ChargePeriod::SixMonths,
    ChargePeriod::Yearly,
];

pub fn valid_url(text: &str) -> bool {
    crate::sandbox::valid_redirect_url(text)
}

/// Checks features against the plan: each must be granted by it and have a positive quantity.
fn quantities(
    state: &State,
    plan_id: &str,
    features: Option<&Vec<wire::FeatureInput>>,
) -> Result<BTreeMap<String, i64>, ApiError> {
    let mut out = BTreeMap::new();
    let Some(plan) = state.plan(plan_id) else { return Ok(out) };
    for f in features.into_iter().flatten() {
        if !plan.grants.iter().any(|g| g.feature == f.identifier) {
            return Err(ApiError::field(
                "features",
                &format!("Feature '{}' is not part of plan '{}'.", f.identifier, plan_id),
            ));
        }
        if f.quantity < 1 {
            return Err(ApiError::field("features", &format!("Quantity for '{}' must be at least 1.", f.identifier)));
        }
        out.insert(f.identifier.clone(), f.quantity);
    }
    Ok(out)
}

fn parse_period(text: &str, field: &str) -> Result<ChargePeriod, ApiError> {
    // The checkout enum has no QUARTERLY; only the catalog does.
    match ChargePeriod::parse(text) {
        Ok(p) if text != "QUARTERLY" => Ok(p),
        _ => Err(ApiError::field(field, &format!("\"{text}\" is not a valid choice."))),
    }
}

impl State {
    pub fn create_checkout(
        &mut self,
        req: wire::CreateCheckoutSessionRequest,
    ) -> Result<wire::CreateCheckoutSessionResponse, ApiError> {
        let period = self.check_checkout(&req)?;
        let plan =
            self.plan(&req.plan_identifier).ok_or_else(|| ApiError::field("planIdentifier", "Plan does not exist."))?;
        let currency = match req.currency_code.as_deref() {
            Some(code) => Currency::from_code(code)
                .map_err(|_| ApiError::field("currencyCode", &format!("Unknown currency '{code}'.")))?,
            // Without currencyCode: the first currency in the order the catalog lists prices
            // (by code), so a client estimating from the catalog picks the same one.
            None => plan
                .prices
                .iter()
                .filter(|p| p.period == period)
                .map(|p| p.currency)
                .min_by(|a, b| a.code().cmp(b.code()))
                .ok_or_else(|| {
                    ApiError::field("chargePeriod", &format!("Plan '{}' has no {period} price.", plan.identifier))
                })?,
        };
        let amount = plan.price(period, currency).map(|p| p.amount).ok_or_else(|| {
            ApiError::field("chargePeriod", &format!("Plan '{}' has no {period} price in {currency}.", plan.identifier))
        })?;
        let quantities = quantities(self, &req.plan_identifier, req.features.as_ref())?;
        // Random per run, not from the seeded generator: the id is the pay page's address.
        let _ = token(&mut self.rng, 47);
        // The seeded draw still happens, so the demo data's other ids stay as they were.
        let id = format!("cs_{}", crate::sandbox::admin::random_token(47));
        let url = format!("{}/pay/{id}/", self.public_base);
        let checkout = Checkout {
            id: id.clone(),
            plan_id: req.plan_identifier,
            period,
            currency,
            amount,
            customer_id: req.customer_id.filter(|c| !c.is_empty()),
            quantities,
            success_url: req.success_url,
            cancel_url: req.cancel_url,
            metadata: req.metadata.unwrap_or_default(),
            status: "open".into(),
            created: self.clock.now(),
            order: None,
            subscription_id: None,
        };
        self.checkouts.insert(id.clone(), checkout);
        Ok(wire::CreateCheckoutSessionResponse { checkout_url: url, checkout_session_id: id })
    }

    /// The DRF-style field checks of a checkout body, all reported at once; the charge period
    /// when they pass.
    fn check_checkout(&self, req: &wire::CreateCheckoutSessionRequest) -> Result<ChargePeriod, ApiError> {
        let mut errors = Vec::new();
        if req.plan_identifier.trim().is_empty() {
            errors.push(("planIdentifier".to_string(), "This field may not be blank.".to_string()));
        } else if self.plan(&req.plan_identifier).is_none() {
            errors.push(("planIdentifier".to_string(), format!("Plan '{}' does not exist.", req.plan_identifier)));
        }
        if !valid_url(&req.success_url) {
            errors.push(("successUrl".to_string(), "Enter a valid URL.".to_string()));
        }
        if req.cancel_url.as_deref().is_some_and(|u| !valid_url(u)) {
            errors.push(("cancelUrl".to_string(), "Enter a valid URL.".to_string()));
        }
        let period = parse_period(&req.charge_period, "chargePeriod");
        if let Err(ApiError::Fields(_, f)) = &period {
            errors.extend(f.clone());
        }
        if !errors.is_empty() {
            return Err(ApiError::Fields(400, errors));
        }
        let period = period?;
        if !DEFAULT_PERIODS.contains(&period) {
            let message = format!("{period} is not enabled for this organization. Contact Kelviq support.");
            return Err(ApiError::field("chargePeriod", &message));
        }
        Ok(period)
    }

    fn new_order(&mut self, amount: Decimal, currency: Currency, billing_type: &'static str) -> Order {
        let now = self.clock.now();
        self.new_order_at(amount, currency, billing_type, now)
    }

    /// An order paid at `now` (a renewal's, on the clock's way forward).
    pub(super) fn new_order_at(
        &mut self,
        amount: Decimal,
        currency: Currency,
        billing_type: &'static str,
        now: chrono::DateTime<chrono::Utc>,
    ) -> Order {
        let stamp = now.format("%Y%m%d%H%M%S");
        Order {
            id: format!("ORD-{stamp}-{}", token(&mut self.rng, 5).to_uppercase()),
            status: "COMPLETE".into(),
            paid_at: Some(now),
            created: now,
            amount_total: amount,
            currency,
            invoice_id: format!("INV-{stamp}-{}", token(&mut self.rng, 5).to_uppercase()),
            billing_type,
            is_trial: false,
        }
    }

    /// The free trial a checkout starts: the plan price's `trialPeriod` (Kelviq: `freeTrial`
    /// with `trialPeriod` days), for recurring periods only.
    fn trial_days(&self, checkout: &Checkout) -> Option<u32> {
        let days = self.plan(&checkout.plan_id).and_then(|p| p.trial_days).filter(|d| *d > 0)?;
        (checkout.period != ChargePeriod::OneTime).then_some(days)
    }

    /// Payment on the hosted page: creates the customer if needed, activates a subscription.
    fn complete_checkout(&mut self, id: &str) -> Result<(), PayError> {
        let checkout =
            self.checkouts.get(id).cloned().ok_or_else(|| PayError::Unavailable("no such session".into()))?;
        match checkout.status.as_str() {
            "open" => {}
            "expired" => return Err(PayError::Unavailable("This checkout session has expired.".into())),
            _ => return Err(PayError::AlreadyPaid),
        }
        let now = self.clock.now();
        let customer_id = match checkout.customer_id.clone() {
            Some(c) => c,
            None => format!("cus_{}", token(&mut self.rng, 14)),
        };
        if self.customer(&customer_id).is_none() {
            self.insert_customer(customer_id.clone(), None, None, BTreeMap::new(), None, now);
        }
        let trial_days = self.trial_days(&checkout);
        let (period_start, period_end) = match trial_days {
            // The trial is the first billing period; the plan's price is charged when it ends.
            Some(days) => (now, now + chrono::Duration::days(i64::from(days))),
            None => current_period(now, checkout.period, now),
        };
        let mut sub = self.new_subscription(
            &customer_id,
            &checkout.plan_id,
            checkout.period,
            checkout.currency,
            checkout.amount,
            now,
            period_start,
            period_end,
        );
        sub.quantities = checkout.quantities.clone();
        if trial_days.is_some() {
            sub.status = "trialing".into();
            sub.trial_end = Some(period_end);
        }
        let billing_type = if checkout.period == ChargePeriod::OneTime { "ONE_TIME" } else { "SUBSCRIPTION" };
        let charged = if trial_days.is_some() { Decimal::ZERO } else { checkout.amount };
        let mut order = self.new_order(charged, checkout.currency, billing_type);
        order.is_trial = trial_days.is_some();
        let sub_id = sub.uuid.clone();
        self.subscriptions.push(sub);
        if let Some(c) = self.checkouts.get_mut(id) {
            c.status = "success".into();
            c.customer_id = Some(customer_id);
            c.order = Some(order);
            c.subscription_id = Some(sub_id);
        }
        Ok(())
    }

    /// `POST /subscriptions/{id}/update/`: the old row becomes `superseded`, a new one takes
    /// over with the new plan, period and amount. The prorated difference is charged as an
    /// order, computed by the sandbox's own proration (never the console's estimate code).
    pub fn update_subscription(&mut self, id: &str, req: wire::UpdateSubscriptionRequest) -> Result<String, ApiError> {
        let today = self.clock.now().date_naive();
        let current = self.updatable(id, today)?;
        let period = parse_period(&req.charge_period, "chargePeriod")?;
        let plan = self.plan(&req.plan_identifier).ok_or_else(|| {
            ApiError::field("planIdentifier", &format!("Plan '{}' does not exist.", req.plan_identifier))
        })?;
        let price = plan.price(period, current.currency).ok_or_else(|| {
            let message = format!("Plan '{}' has no {period} price in {}.", plan.identifier, current.currency);
            ApiError::field("chargePeriod", &message)
        })?;
        let new_amount = price.amount;
        let mut quantities = quantities(self, &req.plan_identifier, req.features.as_ref())?;
        if quantities.is_empty() {
            // Keep purchased quantities the new plan still grants.
            quantities = current
                .quantities
                .iter()
                .filter(|(f, _)| plan.grants.iter().any(|g| &g.feature == *f))
                .map(|(f, q)| (f.clone(), *q))
                .collect();
        }
        let prorated = prorated_charge(&current, period, new_amount, today).map_err(|e| ApiError::Detail(400, e))?;
        let now = self.clock.now();
        let (start, end) = if period == current.period {
            (current.period_start, current.period_end)
        } else {
            current_period(now, period, now)
        };
        let started = start_of_day(current.start_date);
        let mut next = self.new_subscription(
            &current.customer_id,
            &req.plan_identifier,
            period,
            current.currency,
            new_amount,
            started,
            start,
            end,
        );
        next.start_date = current.start_date;
        next.quantities = quantities;
        next.usage = current.usage.clone();
        let new_id = next.uuid.clone();
        if let Some(old) = self.subscriptions.iter_mut().find(|s| s.uuid == id) {
            old.status = "superseded".into();
        }
        self.subscriptions.push(next);
        // Charged when positive, credited when negative: recorded either way, so what was
        // billed can be compared with what was previewed.
        if !prorated.is_zero() {
            let charge = self.new_order(prorated, current.currency, "SUBSCRIPTION");
            self.charges.push((new_id.clone(), charge));
        }
        Ok(new_id)
    }

    /// The subscription to change, if a plan change is allowed for it now.
    fn updatable(&self, id: &str, today: NaiveDate) -> Result<Subscription, ApiError> {
        let current = self.subscription(id).cloned().ok_or_else(|| ApiError::not_found("Subscription not found."))?;
        if !current.is_live(today) {
            let status = current.effective_status(today);
            return Err(ApiError::Detail(400, format!("Subscription is {status} and cannot be updated.")));
        }
        if current.period == ChargePeriod::OneTime {
            let message = "Free plans are one-time charges and cannot be upgraded; use checkout.";
            return Err(ApiError::Detail(400, message.into()));
        }
        Ok(current)
    }

    pub fn cancel_subscription(&mut self, id: &str, req: wire::CancelSubscriptionRequest) -> Result<(), ApiError> {
        let today = self.clock.now().date_naive();
        let sub = self.subscription(id).ok_or_else(|| ApiError::not_found("Subscription not found."))?;
        if !sub.is_live(today) && sub.status != "incomplete" {
            return Err(ApiError::Detail(400, "Subscription is already cancelled.".into()));
        }
        let end = match req.cancellation_type.as_str() {
            "IMMEDIATE" => today,
            // A one-time purchase has no period to end (its far end is the sandbox's own).
            "CURRENT_PERIOD_ENDS" if sub.period.interval().is_none() => {
                let message = "A one-time purchase has no billing period to end; cancel it immediately.";
                return Err(ApiError::field("cancellationType", message));
            }
            "CURRENT_PERIOD_ENDS" => sub.period_end.date_naive(),
            "SPECIFIC_DATE" => {
                let raw = req.cancellation_date.as_deref().ok_or_else(|| {
                    ApiError::field(
                        "cancellationDate",
                        "This field is required when cancellationType is SPECIFIC_DATE.",
                    )
                })?;
                let date = NaiveDate::parse_from_str(raw, "%Y-%m-%d").map_err(|_| {
                    ApiError::field(
                        "cancellationDate",
                        "Date has wrong format. Use one of these formats instead: YYYY-MM-DD.",
                    )
                })?;
                if date < today {
                    return Err(ApiError::field(
                        "cancellationDate",
                        "Cancellation date must be today or in the future.",
                    ));
                }
                date
            }
            other => return Err(ApiError::field("cancellationType", &format!("\"{other}\" is not a valid choice."))),
        };
        let now = self.clock.now();
        if let Some(s) = self.subscriptions.iter_mut().find(|s| s.uuid == id) {
            s.end_date = Some(end);
            s.canceled_at = Some(now);
            s.cancellation_feedback = req.cancellation_feedback;
            s.cancellation_comment = req.cancellation_comment;
            if end <= today {
                s.status = "canceled".into();
            }
        }
        Ok(())
    }

    /// One row per (live subscription, granted feature), duplicates included, as Kelviq
    /// returns them; clients aggregate.
    pub fn entitlements(&self, customer_id: &str, feature_id: Option<&str>) -> Vec<wire::EntitlementDetail> {
        let today = self.clock.now().date_naive();
        let mut rows = Vec::new();
        for sub in self.subscriptions.iter().filter(|s| s.customer_id == customer_id && s.is_live(today)) {
            let Some(plan) = self.plan(&sub.plan_id) else { continue };
            for (feature, value, hard_limit) in self.granted(plan, &sub.quantities) {
                if feature_id.is_some_and(|f| f != feature.identifier) {
                    continue;
                }
                rows.push(entitlement_row(sub, feature, &value, hard_limit));
            }
        }
        rows
    }
}

fn entitlement_row(
    sub: &Subscription,
    feature: &super::state::Feature,
    value: &serde_json::Value,
    hard_limit: bool,
) -> wire::EntitlementDetail {
    let number = value.as_i64();
    let mut row = wire::EntitlementDetail {
        feature_id: feature.identifier.clone(),
        has_access: true,
        feature_type: feature.type_name().to_string(),
        reset_at: None,
        hard_limit: None,
        usage_limit: None,
        current_usage: None,
        remaining: None,
    };
    match feature.kind {
        SeedFeatureType::Boolean => row.has_access = value.as_bool().unwrap_or(false),
        SeedFeatureType::Customizable => row.usage_limit = number,
        SeedFeatureType::Meter => {
            let used = sub.usage.get(&feature.identifier).copied().unwrap_or(0);
            let remaining = number.map(|l| l - used);
            row.usage_limit = number;
            row.current_usage = Some(used);
            row.remaining = remaining;
            row.hard_limit = Some(hard_limit);
            row.has_access = !hard_limit || remaining.is_none_or(|r| r > 0);
            // A one-time purchase's meters never reset.
            row.reset_at = sub.period.interval().map(|_| super::state::reset_at(sub.period_end));
        }
    }
    row
}

/// What Kelviq charges now for a change: "the prorated difference" (its webhook docs), by the
/// sandbox's own calendar-day rule (see `sandbox::proration`); negative is a credit.
pub fn prorated_charge(
    current: &Subscription,
    period: ChargePeriod,
    new_amount: Decimal,
    today: NaiveDate,
) -> Result<Decimal, String> {
    let term =
        Term { amount: current.amount, start: current.period_start.date_naive(), end: current.period_end.date_naive() };
    prorate(term, new_amount, period, period == current.period, today, current.currency)
        .map(|p| p.net())
        .ok_or_else(|| "The prorated amount is out of range.".to_string())
}

impl HostedCheckout for State {
    fn paid_events(&self, session_id: &str) -> (crate::billing::ProviderKind, Vec<crate::sandbox::events::Emitted>) {
        (crate::billing::ProviderKind::Kelviq, self.checkout_paid_events(session_id))
    }

    fn owns_checkout(&self, session_id: &str) -> bool {
        self.checkouts.contains_key(session_id)
    }

    fn summary(&self, session_id: &str) -> Option<OrderSummary> {
        let c = self.checkouts.get(session_id)?;
        let plan = self.plan(&c.plan_id)?;
        let money = Money::new(c.amount, c.currency);
        let trial = self.trial_days(c).map(|days| {
            // Before payment the trial would start today; after it, it started with the subscription.
            let sub = c.subscription_id.as_deref().and_then(|id| self.subscription(id));
            let on = sub
                .and_then(|s| s.trial_end)
                .unwrap_or_else(|| self.clock.now() + chrono::Duration::days(i64::from(days)));
            TrialTerms { days, first_charge: money.to_string(), on: on.date_naive() }
        });
        let due_now = if trial.is_some() { Money::zero(c.currency) } else { money };
        let mut lines = vec![(format!("{} ({})", plan.name, c.period.label()), money.to_string())];
        for (feature, qty) in &c.quantities {
            lines.push((format!("{feature} × {qty}"), "included".into()));
        }
        let customer = c
            .customer_id
            .as_deref()
            .and_then(|id| self.customer(id))
            .map(|cu| cu.name.clone().or(cu.email.clone()).unwrap_or(cu.customer_id.clone()))
            .or(c.customer_id.clone())
            .unwrap_or_else(|| "a new customer".into());
        Some(OrderSummary {
            provider: "Kelviq",
            session_id: c.id.clone(),
            paid: c.status == "success",
            customer,
            lines,
            total: due_now.to_string(),
            trial,
            success_url: Some(c.success_url.clone()),
        })
    }

    fn pay(&mut self, session_id: &str, card: &str) -> Result<OrderSummary, PayError> {
        let digits: String = card.chars().filter(char::is_ascii_digit).collect();
        if digits == CARD_DECLINED.replace(' ', "") {
            return Err(PayError::Declined);
        }
        self.complete_checkout(session_id)?;
        let paid =
            self.checkouts.get(session_id).and_then(|c| Some((c.customer_id.clone()?, c.order.as_ref()?.created)));
        if let Some((customer, at)) = paid {
            self.save_card(&customer, crate::sandbox::pay::CardSeen::from_typed(card), at);
        }
        self.summary(session_id).ok_or_else(|| PayError::Unavailable("session vanished".into()))
    }
}
