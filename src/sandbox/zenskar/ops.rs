//! What changes Zenskar's state: customers, checkouts (new contracts and amendments) with
//! their estimates, confirmation and payment, contract expiry; plus entitlement totals.

use std::collections::BTreeMap;

use chrono::{DateTime, Duration, NaiveDate, Utc};
use rust_decimal::Decimal;

use super::dates::day_before;
use super::state::{ApiError, Checkout, EntKind, Issue, Item, Phase, PhaseKind, State, uuid};
use super::validate::{ValidCheckout, validate_checkout};
use crate::billing::{Currency, Money};
use crate::providers::zenskar::wire;
use crate::sandbox::pay::{CARD_DECLINED, HostedCheckout, OrderSummary, PayError, TrialTerms};

/// A checkout being built: the new contract's or amended phase's lines and what they cost.
struct Draft {
    plan_id: String,
    items: Vec<Item>,
    estimates: wire::Estimates,
    /// Nothing to pay now: the checkout can be confirmed without the hosted page.
    nothing_due: bool,
}

impl State {
    pub fn create_customer(&mut self, req: wire::CustomerCreateRequest, now: DateTime<Utc>) -> Result<usize, ApiError> {
        super::validate::customer(&req)?;
        if let Some(e) = req.external_id.as_deref().filter(|e| self.by_external.contains_key(*e)) {
            return Err(ApiError::bad(format!("Customer with external_id '{e}' already exists")));
        }
        if let Some(e) = req.email.as_deref().filter(|e| self.by_email.contains_key(&e.to_lowercase())) {
            return Err(ApiError::bad(format!("Customer with email '{e}' already exists")));
        }
        let country = req.address.as_ref().and_then(|a| a.country_code.clone().or(a.country.clone()));
        let name = req.customer_name.trim().to_string();
        let seq = self
            .insert_customer(req.external_id, name, req.email, country, req.custom_data.unwrap_or_default(), now)
            .seq;
        if let Some(p) = req.phone_number {
            self.customers[seq].phone = Some(p);
        }
        Ok(seq)
    }

    /// `PATCH /customers/{id}`: the fields given replace the customer's (custom_data whole,
    /// as the create body gives it); an email another customer has is refused as at creation.
    pub fn update_customer(
        &mut self,
        id: &str,
        req: wire::CustomerUpdateRequest,
        now: DateTime<Utc>,
    ) -> Result<usize, ApiError> {
        let seq = *self.by_id.get(id).ok_or_else(|| ApiError::not_found("Customer"))?;
        super::validate::customer_update(&req)?;
        if let Some(e) = req.email.as_deref() {
            if self.by_email.get(&e.to_lowercase()).is_some_and(|&other| other != seq) {
                return Err(ApiError::bad(format!("Customer with email '{e}' already exists")));
            }
            if let Some(old) = self.customers[seq].email.take() {
                self.by_email.remove(&old.to_lowercase());
            }
            self.by_email.insert(e.to_lowercase(), seq);
            self.customers[seq].email = Some(e.to_string());
        }
        let c = &mut self.customers[seq];
        if let Some(name) = req.customer_name {
            c.name = name.trim().to_string();
        }
        if let Some(phone) = req.phone_number {
            c.phone = Some(phone);
        }
        if let Some(data) = req.custom_data {
            c.custom_data = data;
        }
        c.updated = now;
        Ok(seq)
    }

    /// `POST /checkouts` (`preview` false) and `POST /checkouts/preview` (true, records nothing).
    pub fn create_checkout(
        &mut self,
        req: wire::CheckoutCreateRequest,
        preview: bool,
        now: DateTime<Utc>,
    ) -> Result<Result<String, wire::Estimates>, ApiError> {
        let v = validate_checkout(&req, now)?;
        let draft = match &v.contract_id {
            Some(cid) => self.amendment_draft(cid, &v, now.date_naive())?,
            None => self.new_contract_draft(&v)?,
        };
        let revision = v.contract_id.as_deref().and_then(|c| self.contract(c)).map(|k| k.revision);
        if let (Some(cid), Some(revision)) = (v.contract_id.as_deref(), revision) {
            if preview {
                self.remember_amendment_quote(cid, &req, revision, now);
            } else {
                self.check_amendment_quote(cid, &req, revision, now)?;
            }
        }
        if preview {
            return Ok(Err(draft.estimates));
        }
        // Random per run, not from the seeded generator: the id is the pay page's address.
        let _ = uuid(&mut self.rng);
        // The seeded draw still happens, so the demo data's other ids stay as they were.
        let id = uuid::Uuid::new_v4().to_string();
        let checkout = Checkout {
            id: id.clone(),
            plan_id: Some(draft.plan_id),
            contract_id: v.contract_id.clone(),
            customer_id: v
                .customer_id
                .clone()
                .or_else(|| v.contract_id.as_deref().and_then(|c| self.contract(c)).map(|c| c.customer_id.clone())),
            business_entity_id: v.business_entity_id.clone(),
            guest: v.contract_id.is_none() && v.customer_id.is_none(),
            start: v.start,
            end: v.end,
            expires_at: v.expires_at.unwrap_or(now + Duration::hours(24)),
            success_url: v.success_url.clone(),
            cancel_url: v.cancel_url.clone(),
            overrides: v.overrides.clone(),
            items: draft.items,
            status: if draft.nothing_due || v.contract_id.is_some() { "pending" } else { "open" }.into(),
            estimates: draft.estimates,
            created: now,
            updated: now,
            contract_revision: revision,
        };
        self.checkouts.insert(id.clone(), checkout);
        Ok(Ok(id))
    }

    fn new_contract_draft(&mut self, v: &ValidCheckout) -> Result<Draft, ApiError> {
        let plan_id =
            v.plan_id.clone().ok_or_else(|| ApiError::field("plan_id", "field required", "value_error.missing"))?;
        self.check_references(v)?;
        let plan = self.plan(&plan_id).cloned().ok_or_else(|| ApiError::not_found("Plan"))?;
        let mut items = self.default_items(&plan_id);
        self.apply_overrides(&plan.name, &mut items, &v.overrides)?;
        let estimates = self.estimate_new(&plan_id, &items, v.start, v.end);
        let nothing_due = estimates.current_invoice.as_ref().is_none_or(|i| i.total.is_zero());
        Ok(Draft { plan_id, items, estimates, nothing_due })
    }

    /// Ids in the body that name nothing in this organisation, as 422s on their fields [the
    /// real API may answer 404 instead], all reported at once like the type checks.
    fn check_references(&self, v: &ValidCheckout) -> Result<(), ApiError> {
        let mut issues = Vec::new();
        if let Some(p) = v.plan_id.as_deref().filter(|p| self.plan(p).is_none()) {
            issues.push(Issue::body("plan_id", &format!("Plan {p} not found"), "value_error"));
        }
        if let Some(c) = v.customer_id.as_deref().filter(|c| self.customer(c).is_none()) {
            issues.push(Issue::body("customer_id", &format!("Customer {c} not found"), "value_error"));
        }
        if let Some(b) = v.business_entity_id.as_deref().filter(|b| !self.business_entities.iter().any(|e| &e.id == b))
        {
            let msg = format!("Business entity {b} not found in this organisation");
            issues.push(Issue::body("business_entity_id", &msg, "value_error"));
        }
        if issues.is_empty() { Ok(()) } else { Err(ApiError::Validation(issues)) }
    }

    fn amendment_draft(&mut self, contract_id: &str, v: &ValidCheckout, today: NaiveDate) -> Result<Draft, ApiError> {
        let contract = self.contract(contract_id).cloned().ok_or_else(|| ApiError::not_found("Contract"))?;
        let status = contract.effective_status(today);
        if status != "active" {
            return Err(ApiError::bad(format!("Only active contracts can be amended; this one is {status}")));
        }
        let current =
            contract.current_phase(v.start).cloned().ok_or_else(|| ApiError::bad("Contract has no phases"))?;
        let plan_id = v.plan_id.clone().unwrap_or_else(|| current.plan_id.clone());
        let plan = self.plan(&plan_id).cloned().ok_or_else(|| ApiError::not_found("Plan"))?;
        if plan.currency != contract.currency {
            return Err(ApiError::bad(format!(
                "Plan currency {} does not match contract currency {}",
                plan.currency, contract.currency
            )));
        }
        if v.start < current.start {
            return Err(ApiError::bad("start_date cannot be before the current phase of the contract"));
        }
        let mut items = self.default_items(&plan_id);
        // Quantities on the contract carry over: all of them for the same plan; add-ons
        // (seats) on a plan switch keep what was bought beyond the old plan's included number,
        // or the new plan's included number when that is more. Seats a plan merely included
        // do not follow a downgrade.
        let same_plan = plan_id == current.plan_id;
        for item in &mut items {
            let product = self.pricings.get(&item.pricing_id).map(|p| p.product_id.clone());
            let kept = current
                .items
                .iter()
                .find(|old| self.pricings.get(&old.pricing_id).map(|p| &p.product_id) == product.as_ref());
            if let Some(old) = kept {
                let old_included = self.pricings.get(&old.pricing_id).map_or(0, |p| p.default_quantity);
                if same_plan {
                    item.quantity = old.quantity;
                } else if self.is_addon(product.as_deref()) && old.quantity > old_included {
                    item.quantity = item.quantity.max(old.quantity);
                }
            }
        }
        self.apply_overrides(&plan.name, &mut items, &v.overrides)?;
        let estimates = self.estimate_amendment(&contract, &plan_id, &items, v.start, today)?;
        Ok(Draft { plan_id, items, estimates, nothing_due: true })
    }

    fn is_addon(&self, product_id: Option<&str>) -> bool {
        product_id.is_some_and(|p| self.entitlements.iter().any(|e| e.product_id.as_deref() == Some(p)))
    }

    fn apply_overrides(
        &self,
        plan: &str,
        items: &mut Vec<Item>,
        overrides: &[wire::ProductOverride],
    ) -> Result<(), ApiError> {
        for o in overrides {
            let pos = items
                .iter()
                .position(|i| self.pricings.get(&i.pricing_id).is_some_and(|p| p.product_id == o.product_id))
                .ok_or_else(|| ApiError::bad(format!("Product {} is not part of plan {plan}", o.product_id)))?;
            if o.is_enabled == Some(false) || o.quantity == Some(0) {
                items.remove(pos);
            } else if let Some(q) = o.quantity {
                items[pos].quantity = q;
            }
        }
        Ok(())
    }

    /// `POST /checkouts/{id}/confirm`: only a pending or paid checkout.
    pub fn confirm_checkout(&mut self, id: &str, now: DateTime<Utc>) -> Result<wire::ConfirmResponse, ApiError> {
        let c = self.checkouts.get(id).ok_or_else(|| ApiError::not_found("Checkout"))?;
        match c.effective_status(now) {
            "pending" | "payment_succeeded" => {}
            "open" => {
                return Err(ApiError::bad(
                    "Checkout is awaiting payment; only pending or paid checkouts can be confirmed",
                ));
            }
            "expired" => return Err(ApiError::bad("Checkout has expired")),
            other => return Err(ApiError::bad(format!("Checkout is already {other}"))),
        }
        let contract_id = self.complete(id, false, now)?;
        let c = self.checkouts.get(id).ok_or_else(|| ApiError::not_found("Checkout"))?;
        Ok(wire::ConfirmResponse {
            id: id.to_string(),
            checkout_status: c.status.clone(),
            contract_id: Some(contract_id),
            message: Some("Checkout confirmed successfully".into()),
            created_at: Some(super::render::iso_z(c.created)),
            updated_at: Some(super::render::iso_z(c.updated)),
        })
    }

    /// Creates the contract or applies the amendment; `paid` says the hosted page collected
    /// the first charge.
    fn complete(&mut self, id: &str, paid: bool, now: DateTime<Utc>) -> Result<String, ApiError> {
        let c = self.checkouts.get(id).cloned().ok_or_else(|| ApiError::not_found("Checkout"))?;
        let contract_id = match &c.contract_id {
            Some(cid) => {
                self.check_still_current(cid, &c)?;
                self.amend(cid, &c, paid, now)?
            }
            None => self.start_contract(&c, paid, now)?,
        };
        if let Some(stored) = self.checkouts.get_mut(id) {
            stored.status = "contract_created".into();
            stored.contract_id = Some(contract_id.clone());
            stored.updated = now;
        }
        Ok(contract_id)
    }

    fn start_contract(&mut self, c: &Checkout, paid: bool, now: DateTime<Utc>) -> Result<String, ApiError> {
        let plan_id = c.plan_id.clone().ok_or_else(|| ApiError::bad("Checkout has no plan"))?;
        let customer_id = match c.customer_id.clone() {
            Some(id) => id,
            None => {
                let name = format!("Guest checkout {}", &c.id[..8.min(c.id.len())]);
                let seq = self.insert_customer(None, name, None, None, Default::default(), now).seq;
                // The guest belongs to the business entity the checkout was made for.
                if let Some(entity) = c.business_entity_id.clone() {
                    self.customers[seq].business_entity_id = entity;
                }
                self.customers[seq].id.clone()
            }
        };
        let contract = self.new_contract(&customer_id, &plan_id, c.items.clone(), c.start, c.end, now);
        let (id, currency) = (contract.id.clone(), contract.currency);
        self.push_contract(contract);
        if let Some(inv) = c.estimates.current_invoice.as_ref().filter(|i| !i.total.is_zero()) {
            let period_end = self.plan(&plan_id).and_then(|p| p.period.advance(c.start)).unwrap_or(c.start);
            // A contract ending inside its first period is invoiced (by day) only up to its end.
            let end = c.end.and_then(|last| last.succ_opt()).map_or(period_end, |e| e.min(period_end));
            let status = if paid { "paid" } else { "approved" };
            self.push_invoice(&id, &customer_id, currency, c.start, end, inv.total, status);
        }
        if let Some(s) = self.checkouts.get_mut(&c.id) {
            s.customer_id = Some(customer_id);
        }
        Ok(id)
    }

    /// Ends the current phase the day before the change and adds one with the new plan;
    /// a change of cadence restarts the billing anchor on the change date.
    fn amend(&mut self, contract_id: &str, c: &Checkout, paid: bool, now: DateTime<Utc>) -> Result<String, ApiError> {
        let plan_id = c.plan_id.clone().ok_or_else(|| ApiError::bad("Checkout has no plan"))?;
        let new_period = self.plan(&plan_id).map(|p| p.period);
        let new_name = self.plan(&plan_id).map_or_else(|| plan_id.clone(), |p| p.name.clone());
        let old_period =
            self.contract(contract_id).and_then(|k| k.billing_phase(c.start)).and_then(|p| self.phase_period(p));
        let ids = [uuid(&mut self.rng), uuid(&mut self.rng)];
        let charge = c.estimates.current_invoice.as_ref().map(|i| i.total).unwrap_or_default();
        let k = self.contract_mut(contract_id).ok_or_else(|| ApiError::not_found("Contract"))?;
        // A change during a trial keeps the trial: the new plan is tried until the trial ends.
        let trial_end = k.current_phase(c.start).filter(|p| p.kind == PhaseKind::Trial).and_then(|p| p.end);
        k.phases.retain(|p| p.start <= c.start);
        if k.phases.last().is_some_and(|p| p.start == c.start) {
            k.phases.pop();
        }
        if let Some(last) = k.phases.last_mut() {
            last.end = Some(day_before(c.start));
        }
        let [first_id, second_id] = ids;
        let (items, end, start) = (c.items.clone(), k.end, c.start);
        match trial_end.and_then(|t| Some((t, t.succ_opt()?))) {
            Some((last_trial_day, paid_from)) => {
                let trial = Phase {
                    id: first_id,
                    plan_id: plan_id.clone(),
                    kind: PhaseKind::Trial,
                    start,
                    end: Some(last_trial_day),
                    items: items.clone(),
                };
                k.phases.push(trial);
                k.phases.push(Phase { id: second_id, plan_id, kind: PhaseKind::Active, start: paid_from, end, items });
                k.anchor = paid_from;
            }
            None => {
                k.phases.push(Phase { id: first_id, plan_id, kind: PhaseKind::Active, start, end, items });
                if new_period != old_period {
                    k.anchor = start;
                }
            }
        }
        k.updated = now;
        k.revision += 1;
        let (cust, cur) = (k.customer_id.clone(), k.currency);
        if c.start <= now.date_naive() {
            self.change_charges.push((contract_id.to_string(), Money::new(charge, cur)));
        }
        if charge > Decimal::ZERO && c.start <= now.date_naive() {
            let end = new_period.and_then(|p| p.advance(c.start)).unwrap_or(c.start);
            self.push_invoice(contract_id, &cust, cur, c.start, end, charge, if paid { "paid" } else { "approved" });
        }
        if charge < Decimal::ZERO && c.start <= now.date_naive() {
            // Issued invoices stay as they are; the unused time is credited by a new document.
            let description = format!("Plan change to {new_name}: unused time on the previous plan");
            self.push_credit_note(contract_id, &cust, cur, -charge, description, now);
        }
        Ok(contract_id.to_string())
    }

    /// `PATCH /contract_v2/{id}/expire`: the contract runs until the end of `date` (today by
    /// default), then reads as expired.
    pub fn expire(&mut self, id: &str, date: Option<NaiveDate>, now: DateTime<Utc>) -> Result<(), ApiError> {
        let today = now.date_naive();
        let k = self.contract_mut(id).ok_or_else(|| ApiError::not_found("Contract"))?;
        match k.effective_status(today) {
            "expired" => return Err(ApiError::bad("Contract is already expired")),
            "active" | "paused" => {}
            other => {
                return Err(ApiError::bad(format!(
                    "Only active or paused contracts can be expired; this one is {other}"
                )));
            }
        }
        let date = date.unwrap_or(today);
        if date < today {
            return Err(ApiError::bad("expiry_date cannot be in the past"));
        }
        if date < k.start {
            return Err(ApiError::bad("expiry_date must be on or after the contract start date"));
        }
        k.end = Some(date);
        k.phases.retain(|p| p.start <= date);
        for p in &mut k.phases {
            p.end = Some(p.end.map_or(date, |e| e.min(date)));
        }
        k.updated = now;
        k.revision += 1;
        Ok(())
    }

    /// `GET /entitlements/customer/unique/{id}`: grants of live contracts' current phases add
    /// up; grants of ended phases and expired contracts count as expired; paused ones neither.
    pub fn entitlement_totals(
        &self,
        customer_id: &str,
        today: NaiveDate,
    ) -> Result<Vec<wire::EntitlementTotal>, ApiError> {
        if self.customer(customer_id).is_none() {
            return Err(ApiError::not_found("Customer"));
        }
        let mut totals: BTreeMap<usize, (i64, i64, i64)> = BTreeMap::new();
        let index = |id: &str| self.entitlements.iter().position(|e| e.id == id);
        for &ci in self.contracts_by_customer.get(customer_id).map(Vec::as_slice).unwrap_or_default() {
            let k = &self.contracts[ci];
            let status = k.effective_status(today);
            if matches!(status, "draft" | "paused") {
                continue;
            }
            let current = k.current_phase(today).map(|p| p.id.clone()).filter(|_| status == "active");
            for phase in k.phases.iter().filter(|p| p.start <= today) {
                let live = current.as_deref() == Some(phase.id.as_str());
                let mut counted_usage = Vec::new();
                for item in &phase.items {
                    let Some(pricing) = self.pricings.get(&item.pricing_id) else { continue };
                    for g in &pricing.grants {
                        let Some(e) = index(&g.entitlement_id) else { continue };
                        let row = totals.entry(e).or_default();
                        if !live {
                            row.2 += 1;
                            continue;
                        }
                        row.0 += g.per_unit.saturating_mul(item.quantity);
                        if !counted_usage.contains(&e) {
                            counted_usage.push(e);
                            row.1 += k.usage.get(&g.entitlement_id).copied().unwrap_or(0);
                        }
                    }
                }
            }
        }
        Ok(totals
            .into_iter()
            .map(|(e, (quantity, used, expired))| wire::EntitlementTotal {
                entitlement: super::render::entitlement_definition(&self.entitlements[e]),
                total_quantity: Decimal::from(quantity),
                total_quantity_used: Decimal::from(if self.entitlements[e].kind == EntKind::Credits {
                    used
                } else {
                    0
                }),
                total_expired_entitlements: expired,
            })
            .collect())
    }
}

impl HostedCheckout for State {
    fn paid_events(&self, session_id: &str) -> (crate::billing::ProviderKind, Vec<crate::sandbox::events::Emitted>) {
        (crate::billing::ProviderKind::Zenskar, self.checkout_paid_events(session_id))
    }

    fn owns_checkout(&self, session_id: &str) -> bool {
        self.checkouts.contains_key(session_id)
    }

    fn summary(&self, session_id: &str) -> Option<OrderSummary> {
        let c = self.checkouts.get(session_id)?;
        let inv = c.estimates.current_invoice.as_ref()?;
        let currency = Currency::from_code(&inv.currency).ok()?;
        let money = |d: Decimal| Money::new(d, currency).to_string();
        let mut lines = Vec::new();
        for l in &inv.line_items {
            let label = if l.quantity == Decimal::ONE {
                l.name.clone()
            } else {
                format!("{} × {}", l.name, l.quantity.normalize())
            };
            lines.push((label, money(l.amount)));
        }
        if let Some(plan) = c.plan_id.as_deref().and_then(|p| self.plan(p)) {
            lines.insert(0, (format!("{} ({}, {})", plan.name, plan.period.label(), plan.currency), String::new()));
        }
        // A new contract on a plan with a trial: the estimate's next invoice is the first charge.
        let trial = c
            .plan_id
            .as_deref()
            .filter(|_| c.contract_revision.is_none())
            .and_then(|p| self.plan(p))
            .and_then(|p| p.trial_days)
            .filter(|d| *d > 0 && inv.total.is_zero())
            .and_then(|days| {
                let next = c.estimates.next_invoice.as_ref()?;
                Some(TrialTerms {
                    days,
                    first_charge: money(next.total),
                    on: super::state::add_days(c.start, i64::from(days)),
                })
            });
        let customer = c
            .customer_id
            .as_deref()
            .and_then(|id| self.customer(id))
            .map_or_else(|| "a guest customer".into(), |cu| cu.name.clone());
        Some(OrderSummary {
            provider: "Zenskar",
            session_id: c.id.clone(),
            paid: c.status == "contract_created",
            customer,
            lines,
            total: money(inv.total),
            trial,
            success_url: c.success_url.clone(),
        })
    }

    fn pay(&mut self, session_id: &str, card: &str) -> Result<OrderSummary, PayError> {
        let digits: String = card.chars().filter(char::is_ascii_digit).collect();
        if digits == CARD_DECLINED.replace(' ', "") {
            return Err(PayError::Declined);
        }
        let now = self.clock.now();
        let status = self.checkouts.get(session_id).map(|c| c.effective_status(now).to_string());
        match status.as_deref() {
            None => return Err(PayError::Unavailable("no such checkout".into())),
            Some("contract_created") => return Err(PayError::AlreadyPaid),
            Some("expired") => return Err(PayError::Unavailable("This checkout has expired.".into())),
            Some(_) => {}
        }
        self.complete(session_id, true, now).map_err(|e| match e {
            ApiError::Detail(_, m) => PayError::Unavailable(m),
            ApiError::Validation(_) => PayError::Unavailable("the checkout is not valid".into()),
        })?;
        if let Some(customer) = self.checkout_customer(session_id) {
            self.save_card(&customer, crate::sandbox::pay::CardSeen::from_typed(card), now);
        }
        self.summary(session_id).ok_or_else(|| PayError::Unavailable("checkout vanished".into()))
    }
}
