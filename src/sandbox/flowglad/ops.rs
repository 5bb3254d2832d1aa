//! The rules that change Flowglad's records: customers, adjustments (with the preview that
//! shares their arithmetic), cancellations. Checkout and payment live in checkout.rs.

use rust_decimal::{Decimal, RoundingStrategy};

use super::state::{ApiError, Customer, Issue, Item, Ms, State, Subscription, ms};
use crate::providers::flowglad::wire;

pub fn now_ms_of(clock: &crate::sandbox::clock::Clock) -> Ms {
    ms(clock.now())
}

impl State {
    /// Now on the sandbox clock, in Flowglad's epoch milliseconds.
    pub fn now_ms(&self) -> Ms {
        now_ms_of(&self.clock)
    }
}

/// Zod's wording for a missing required string.
pub const MISSING_STRING: &str = "Invalid input: expected string, received undefined";

/// A change `adjust` would make, computed once for both `adjust` and `preview-adjust`.
#[derive(Clone, Debug)]
pub struct AdjustPlan {
    pub sub: usize,
    /// (price index, quantity)
    pub new_items: Vec<(usize, i64)>,
    /// `immediately` or `at_end_of_current_billing_period` (auto resolved).
    pub timing: &'static str,
    pub is_upgrade: bool,
    pub current_total: i64,
    pub new_total: i64,
    pub proration: i64,
    pub fraction_through: Decimal,
    pub effective: Ms,
    pub period_end: Ms,
}

impl State {
    pub fn find_customer(&self, external_id: &str) -> Result<usize, ApiError> {
        self.customer(external_id).ok_or_else(|| ApiError::not_found(format!("Customer not found: {external_id}")))
    }

    pub fn find_subscription(&self, id: &str) -> Result<usize, ApiError> {
        self.subscription(id).ok_or_else(|| ApiError::not_found(format!("Subscription not found: {id}")))
    }

    /// `POST /customers`: the new customer, put on the default product when there is one.
    pub fn create_customer(&mut self, req: wire::CustomerInsert) -> Result<(usize, Option<usize>), ApiError> {
        let mut issues = Vec::new();
        for (field, value) in [("email", &req.email), ("name", &req.name), ("externalId", &req.external_id)] {
            if value.is_none() {
                issues.push(Issue {
                    code: "invalid_type",
                    path: vec!["customer".into(), field.into()],
                    message: MISSING_STRING.into(),
                });
            }
        }
        if !issues.is_empty() {
            return Err(ApiError::Issues(issues));
        }
        let external_id = req.external_id.unwrap_or_default();
        if external_id.trim().is_empty() {
            return Err(ApiError::issue(
                &["customer", "externalId"],
                "too_small",
                "Too small: expected string to have >=1 characters",
            ));
        }
        if self.customer(&external_id).is_some() {
            return Err(ApiError::conflict(format!("A customer with externalId {external_id} already exists")));
        }
        let now = self.now_ms();
        let created = self.next_customer_time(now);
        let id = self.id("cus");
        let customer = self.push_customer(Customer {
            id,
            external_id,
            name: req.name.unwrap_or_default(),
            email: req.email.unwrap_or_default(),
            domain: req.domain,
            created,
            updated: created,
        });
        let default_price = self.default_product().and_then(|p| self.products[p].prices.first().copied());
        let sub = default_price.map(|price| {
            let sub = self.new_subscription(customer, price, 1, now);
            self.push_subscription(sub)
        });
        Ok((customer, sub))
    }

    pub fn update_customer(&mut self, external_id: &str, update: wire::CustomerUpdate) -> Result<usize, ApiError> {
        let index = self.find_customer(external_id)?;
        let now = self.now_ms();
        let c = &mut self.customers[index];
        if let Some(name) = update.name {
            c.name = name;
        }
        if let Some(email) = update.email {
            c.email = email;
        }
        if let Some(domain) = update.domain {
            c.domain = Some(domain);
        }
        c.updated = now;
        Ok(index)
    }

    fn resolve_item(&self, item: &wire::NewSubscriptionItem, i: usize) -> Result<(usize, i64), ApiError> {
        let path = ["adjustment", "newSubscriptionItems"];
        let quantity = item.quantity.unwrap_or(1);
        if quantity < 1 {
            let mut issue = Issue {
                code: "too_small",
                path: path.map(String::from).to_vec(),
                message: "Too small: expected number to be >0".into(),
            };
            issue.path.extend([i.to_string(), "quantity".into()]);
            return Err(ApiError::Issues(vec![issue]));
        }
        let price = match (&item.price_id, &item.price_slug) {
            (Some(id), _) => {
                self.price_by_id(id).ok_or_else(|| ApiError::not_found(format!("Price not found: {id}")))?
            }
            (None, Some(slug)) => {
                self.price_by_slug(slug).ok_or_else(|| ApiError::not_found(format!("Price not found: {slug}")))?
            }
            (None, None) => {
                let mut issue = Issue {
                    code: "custom",
                    path: path.map(String::from).to_vec(),
                    message: "Either priceId or priceSlug must be provided".into(),
                };
                issue.path.push(i.to_string());
                return Err(ApiError::Issues(vec![issue]));
            }
        };
        if !self.total_in_range(price, quantity) {
            let mut issue = Issue {
                code: "too_big",
                path: path.map(String::from).to_vec(),
                message: super::state::QUANTITY_TOO_BIG.into(),
            };
            issue.path.extend([i.to_string(), "quantity".into()]);
            return Err(ApiError::Issues(vec![issue]));
        }
        Ok((price, quantity))
    }

    /// The new items of a well-formed adjustment, or the zod-style issue.
    fn adjustment_items(&self, adj: &wire::Adjustment) -> Result<Vec<(usize, i64)>, ApiError> {
        if ![wire::TIMING_IMMEDIATELY, wire::TIMING_AT_PERIOD_END, wire::TIMING_AUTO].contains(&adj.timing.as_str()) {
            return Err(ApiError::issue(&["adjustment", "timing"], "invalid_union", "Invalid input"));
        }
        if adj.new_subscription_items.is_empty() {
            return Err(ApiError::issue(
                &["adjustment", "newSubscriptionItems"],
                "too_small",
                "Too small: expected array to have >=1 items",
            ));
        }
        adj.new_subscription_items.iter().enumerate().map(|(i, it)| self.resolve_item(it, i)).collect()
    }

    /// Why Flowglad would refuse to move `sub` to these prices, if it would.
    fn refusal(&self, sub: &Subscription, new_items: &[(usize, i64)], now: Ms) -> Option<String> {
        if !sub.renews || sub.period.is_none() {
            return Some("Non-renewing subscriptions cannot be adjusted".into());
        }
        if !sub.is_current() {
            return Some(format!("Subscription is {} and cannot be adjusted", sub.status));
        }
        // Flowglad's adjustSubscription refuses both (its source, and the constraints listed
        // in its OpenAPI description): a second change must not silently replace the first.
        if sub.status == "cancellation_scheduled" {
            return Some("Cannot adjust while a cancellation is scheduled; uncancel the subscription first".into());
        }
        if sub.scheduled_adjustment_at.is_some_and(|at| at > now) {
            return Some(
                "A scheduled adjustment is already pending; cancel it with cancel-scheduled-adjustment first".into(),
            );
        }
        let current = &self.prices[sub.price];
        new_items.iter().map(|&(p, _)| &self.prices[p]).find_map(|price| {
            if price.currency != current.currency {
                let (new, old) = (price.currency.code(), current.currency.code());
                Some(format!("Price {} is in {new}, the subscription bills in {old}", price.slug))
            } else if price.interval() != current.interval() {
                let every = current.period().label();
                Some(format!("Price {} does not bill {every}; a subscription keeps its billing interval", price.slug))
            } else {
                None
            }
        })
    }

    /// Validates an adjustment. `Ok(Err(reason))` is a change Flowglad refuses (preview
    /// answers `canAdjust: false`, adjust a 400); `Err` is bad input or a missing record.
    pub fn plan_adjustment(
        &self,
        id: &str,
        adj: &wire::Adjustment,
        now: Ms,
    ) -> Result<Result<AdjustPlan, String>, ApiError> {
        let sub_index = self.find_subscription(id)?;
        let new_items = self.adjustment_items(adj)?;
        let sub = &self.subscriptions[sub_index];
        if let Some(reason) = self.refusal(sub, &new_items, now) {
            return Ok(Err(reason));
        }
        let (start, end) = sub.period.unwrap_or((now, now));
        let current_total = sub.live_total(now);
        let new_total: i64 = new_items.iter().map(|&(p, q)| self.prices[p].unit_price * q).sum();
        let is_upgrade = new_total > current_total;
        let timing = match adj.timing.as_str() {
            wire::TIMING_AUTO if is_upgrade => wire::TIMING_IMMEDIATELY,
            wire::TIMING_AUTO => wire::TIMING_AT_PERIOD_END,
            wire::TIMING_AT_PERIOD_END if is_upgrade => {
                return Ok(Err("Upgrades take effect immediately; use timing \"immediately\" or \"auto\"".into()));
            }
            wire::TIMING_AT_PERIOD_END => wire::TIMING_AT_PERIOD_END,
            _ => wire::TIMING_IMMEDIATELY,
        };
        let span = Decimal::from((end - start).max(1));
        let fraction_through = (Decimal::from(now - start) / span).clamp(Decimal::ZERO, Decimal::ONE);
        let prorate = adj.prorate_current_billing_period.unwrap_or(true);
        // Upgrades pay the difference for the rest of the period; downgrades are never refunded.
        let proration = if timing == wire::TIMING_IMMEDIATELY && prorate && is_upgrade {
            let charge = Decimal::from(new_total - current_total) * (Decimal::ONE - fraction_through);
            i64::try_from(charge.round_dp_with_strategy(0, RoundingStrategy::MidpointAwayFromZero)).unwrap_or(0)
        } else {
            0
        };
        if proration > 0 && self.payment_method_for(sub).is_none() {
            return Ok(Err("The customer has no payment method to charge the proration to; \
                 use an add_payment_method checkout first"
                .into()));
        }
        let effective = if timing == wire::TIMING_IMMEDIATELY { now } else { end };
        Ok(Ok(AdjustPlan {
            sub: sub_index,
            new_items,
            timing,
            is_upgrade,
            current_total,
            new_total,
            proration,
            fraction_through,
            effective,
            period_end: end,
        }))
    }

    pub fn payment_method_for(&self, sub: &Subscription) -> Option<String> {
        sub.default_payment_method.clone().or_else(|| {
            self.payment_methods.iter().find(|p| p.customer == sub.customer && p.default).map(|p| p.id.clone())
        })
    }

    /// Applies a planned adjustment; returns the subscription's items that are not expired.
    pub fn apply_adjustment(&mut self, plan: &AdjustPlan, now: Ms) -> Vec<Item> {
        let mut sub = self.subscriptions[plan.sub].clone();
        sub.items.retain(|i| i.added <= now);
        let at = plan.effective;
        for item in sub.items.iter_mut().filter(|i| i.expired.is_none()) {
            if plan.timing == wire::TIMING_IMMEDIATELY {
                item.expired = Some(now);
            }
        }
        for &(price, quantity) in &plan.new_items {
            let id = self.id("si");
            let unit_price = self.prices[price].unit_price;
            sub.items.push(Item { id, price, unit_price, quantity, added: at, expired: None, created: now });
        }
        if plan.timing == wire::TIMING_IMMEDIATELY {
            sub.price = plan.new_items[0].0;
            sub.is_free_plan = plan.new_total == 0;
            sub.scheduled_adjustment_at = None;
            self.grant_features(&mut sub, now);
        } else {
            sub.scheduled_adjustment_at = Some(at);
        }
        // Strictly later, even within one millisecond: `updated` is the version previews hold.
        sub.updated = now.max(sub.updated + 1);
        let items = sub.items.iter().filter(|i| i.expired.is_none()).cloned().collect();
        self.subscriptions[plan.sub] = sub;
        if plan.proration > 0 {
            let names: Vec<String> = plan.new_items.iter().map(|&(p, _)| self.prices[p].name.clone()).collect();
            let line = (format!("Proration: {}", names.join(", ")), 1, plan.proration, None);
            self.invoice(plan.sub, vec![line], "paid", now);
        }
        items
    }

    /// `cancel`, as Flowglad's source has it: the default free plan cannot be cancelled (403);
    /// an already ended subscription comes back unchanged; a scheduled one can be scheduled
    /// again (same period end) or cancelled now.
    pub fn cancel(&mut self, id: &str, timing: &str) -> Result<usize, ApiError> {
        let index = self.find_subscription(id)?;
        let now = self.now_ms();
        let sub = &mut self.subscriptions[index];
        if sub.is_free_plan {
            return Err(ApiError::Procedure {
                status: 403,
                code: "FORBIDDEN",
                message: "Cannot cancel the default free plan. Please upgrade to a paid plan instead.".into(),
            });
        }
        if ![wire::TIMING_IMMEDIATELY, wire::TIMING_AT_PERIOD_END].contains(&timing) {
            return Err(ApiError::issue(&["cancellation", "timing"], "invalid_union", "Invalid input"));
        }
        if matches!(sub.status.as_str(), "canceled" | "incomplete_expired") {
            return Ok(index);
        }
        if timing == wire::TIMING_IMMEDIATELY {
            sub.status = "canceled".into();
            sub.canceled_at = Some(now);
            sub.cancel_scheduled_at = Some(now);
            sub.scheduled_adjustment_at = None;
            sub.items.retain(|i| i.added <= now);
            for f in sub.features.iter_mut().filter(|f| f.expired.is_none()) {
                f.expired = Some(now);
            }
        } else {
            let Some((_, end)) = sub.period.filter(|_| sub.renews) else {
                return Err(ApiError::bad_request("Non-renewing subscriptions can only be canceled immediately"));
            };
            sub.status = "cancellation_scheduled".into();
            sub.cancel_scheduled_at = Some(end);
        }
        sub.updated = now;
        Ok(index)
    }

    /// `uncancel`: only a scheduled cancellation is undone (anything else comes back
    /// unchanged, as in Flowglad's source); a paid subscription needs a payment method.
    pub fn uncancel(&mut self, id: &str) -> Result<usize, ApiError> {
        let index = self.find_subscription(id)?;
        let now = self.now_ms();
        let sub = &self.subscriptions[index];
        if sub.status != "cancellation_scheduled" {
            return Ok(index);
        }
        if !sub.is_free_plan && self.payment_method_for(sub).is_none() {
            return Err(ApiError::bad_request(
                "Cannot uncancel paid subscription without an active payment method. Please add a payment method first.",
            ));
        }
        let sub = &mut self.subscriptions[index];
        sub.status = if sub.trial_end.is_some_and(|t| t > now) { "trialing" } else { "active" }.into();
        sub.cancel_scheduled_at = None;
        sub.updated = now;
        Ok(index)
    }

    /// `cancel-scheduled-adjustment`, as the spec describes it: the subscription must have a
    /// pending adjustment; the items scheduled to start with it are expired and
    /// `scheduledAdjustmentAt` is cleared. Returns the subscription and how many items ended.
    pub fn cancel_scheduled_adjustment(&mut self, id: &str) -> Result<(usize, usize), ApiError> {
        let index = self.find_subscription(id)?;
        let now = self.now_ms();
        let sub = &mut self.subscriptions[index];
        let Some(at) = sub.scheduled_adjustment_at.filter(|at| *at > now) else {
            return Err(ApiError::bad_request("Subscription has no scheduled adjustment to cancel"));
        };
        let mut count = 0;
        for item in sub.items.iter_mut().filter(|i| i.added >= at && i.expired.is_none()) {
            item.expired = Some(now);
            count += 1;
        }
        sub.scheduled_adjustment_at = None;
        sub.updated = now.max(sub.updated + 1);
        Ok((index, count))
    }
}
