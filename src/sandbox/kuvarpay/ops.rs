//! KuvarPay's state changes: checkout sessions and their approval, subscription create,
//! update (plan change, scheduled cancel, trial), cancel, and invoice history.

use chrono::{DateTime, Duration, Utc};
use rust_decimal::Decimal;

use super::state::{ApiError, ChargeAttempt, Invoice, State, Subscription, current_period, token};
use crate::billing::{ChargePeriod, Currency, Money};
use crate::providers::kuvarpay::wire;
use crate::sandbox::pay::{CARD_DECLINED, HostedCheckout, OrderSummary, PayError, TrialTerms};
use crate::sandbox::proration::{Term, prorate};
use crate::util::SplitMix64;

/// A price change's prorated invoice is pulled from the wallet authorization this long after
/// the change, like KuvarPay's scheduled charges without a due date [inferred].
const CHANGE_COLLECTED_AFTER_HOURS: i64 = 24;

pub const STATUSES: [&str; 7] =
    ["ACTIVE", "TRIALING", "PAST_DUE", "CANCELED", "UNPAID", "INCOMPLETE", "INCOMPLETE_EXPIRED"];

fn parse_time(field: &str, text: &str, now: DateTime<Utc>) -> Result<DateTime<Utc>, ApiError> {
    let t = DateTime::parse_from_rfc3339(text)
        .map_err(|_| ApiError::field(field, "must be an ISO 8601 date-time"))?
        .with_timezone(&Utc);
    if t <= now {
        return Err(ApiError::field(field, "must be in the future"));
    }
    Ok(t)
}

/// What one processed transaction costs the merchant's customer (the seed's `usage`).
fn transaction_fee(currency: Currency) -> Decimal {
    match currency.code() {
        "NGN" => Decimal::new(1500, 2),
        "GHS" => Decimal::new(20, 2),
        "KES" => Decimal::new(200, 2),
        _ => Decimal::new(2, 2),
    }
}

/// FNV-1a, for per-subscription deterministic ids of lazily built invoices.
pub fn fnv(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325, |h, b| (h ^ u64::from(*b)).wrapping_mul(0x0100_0000_01b3))
}

pub(super) fn invoice(
    rng: &mut SplitMix64,
    amount: Decimal,
    currency: Currency,
    description: String,
    due: DateTime<Utc>,
) -> Invoice {
    Invoice {
        uid: format!("sinv_{}", token(rng, 16)),
        invoice_id: format!("INV-{}", token(rng, 10).to_uppercase()),
        amount,
        currency,
        billing_mode: "FIXED",
        usage_quantity: None,
        usage_description: None,
        status: "OPEN",
        description,
        due_date: due,
        paid_at: None,
        voided_at: None,
        created: due - Duration::days(1),
        charge_attempts: Vec::new(),
        plan_change: false,
    }
}

pub(super) fn attempt(rng: &mut SplitMix64, ok: bool, at: DateTime<Utc>) -> ChargeAttempt {
    ChargeAttempt {
        uid: format!("ca_{}", token(rng, 16)),
        status: if ok { "SUCCEEDED" } else { "FAILED" },
        transaction_hash: ok.then(|| format!("0x{}", token(rng, 64))),
        failure_reason: (!ok).then(|| "Insufficient token allowance for the authorized wallet".to_string()),
        processed_at: at,
    }
}

pub(super) fn pay_invoice(rng: &mut SplitMix64, inv: &mut Invoice, at: DateTime<Utc>) {
    inv.status = "PAID";
    inv.paid_at = Some(at);
    inv.charge_attempts.push(attempt(rng, true, at));
}

impl State {
    /// The amount, currency and period a subscription bills.
    pub fn terms(&self, sub: &Subscription) -> Option<(Decimal, Currency, ChargePeriod)> {
        match (&sub.price_uid, sub.target) {
            (Some(uid), _) => self.price(uid).map(|p| (p.amount, p.currency, p.period)),
            (None, Some((amount, currency))) => Some((amount, currency, ChargePeriod::Monthly)),
            _ => None,
        }
    }

    /// Builds a subscription's past invoices on first read: one per elapsed period (the last
    /// twelve), failed ones for PAST_DUE/UNPAID, and this period's usage as a METERED invoice.
    /// They are built from the subscription as it is, so every write to a subscription calls
    /// this first: an issued invoice is never rebuilt from a later price or status.
    pub fn ensure_invoices(&mut self, uid: &str) {
        if self.invoices.contains_key(uid) {
            return;
        }
        let Some(sub) = self.subscription(uid).cloned() else { return };
        let mut rng = SplitMix64::new(fnv(uid.as_bytes()));
        let mut out = Vec::new();
        if let (Some((amount, currency, period)), true) =
            (self.terms(&sub), matches!(sub.status, "ACTIVE" | "PAST_DUE" | "UNPAID" | "CANCELED"))
        {
            let mut starts = vec![sub.created];
            while let Some(next) = period.advance(starts[starts.len() - 1].date_naive()) {
                let next = next.and_time(sub.created.time()).and_utc();
                if next > sub.period_start || starts.len() > 1000 {
                    break;
                }
                starts.push(next);
            }
            let keep = starts.len().saturating_sub(12);
            let last = starts.len().saturating_sub(1);
            for (i, start) in starts.into_iter().enumerate().skip(keep) {
                let mut inv = invoice(&mut rng, amount, currency, format!("Subscription {}", period.label()), start);
                let failing = match sub.status {
                    "PAST_DUE" => i == last,
                    "UNPAID" => i + 1 >= last,
                    _ => false,
                };
                if failing {
                    let tries = if sub.status == "UNPAID" { 4 } else { 2 };
                    for n in 0..tries {
                        inv.charge_attempts.push(attempt(&mut rng, false, start + Duration::days(n)));
                    }
                    if sub.status == "UNPAID" && i != last {
                        inv.status = "UNCOLLECTIBLE";
                    }
                } else {
                    pay_invoice(&mut rng, &mut inv, start + Duration::hours(1));
                }
                out.push(inv);
            }
        }
        if let (Some(n), Some((_, currency, _))) = (sub.usage, self.terms(&sub)) {
            let amount = transaction_fee(currency) * Decimal::from(n);
            let mut inv = invoice(&mut rng, amount, currency, "Transaction fees".into(), sub.period_end);
            inv.billing_mode = "METERED";
            inv.usage_quantity = Some(n);
            inv.usage_description = Some(format!("{n} processed transactions"));
            inv.created = sub.period_start;
            out.push(inv);
        }
        self.invoices.insert(uid.to_string(), out);
    }

    pub(super) fn add_invoice(&mut self, uid: &str, inv: Invoice) {
        self.ensure_invoices(uid);
        self.invoices.entry(uid.to_string()).or_default().push(inv);
    }

    pub(super) fn new_invoice(
        &mut self,
        amount: Decimal,
        currency: Currency,
        description: String,
        due: DateTime<Utc>,
    ) -> Invoice {
        let mut inv = invoice(&mut self.rng, amount, currency, description, due);
        inv.created = due;
        inv
    }

    /// Expires a pending session past its deadline (and the subscription it would have started).
    pub fn expire_if_due(&mut self, session_uid: &str, now: DateTime<Utc>) {
        let Some(s) = self.checkouts.get_mut(session_uid) else { return };
        if s.status == "PENDING" && now > s.expires_at {
            s.status = "EXPIRED";
            let sub_uid = s.subscription_uid.clone();
            if let Some(sub) = self.subscription_mut(&sub_uid).filter(|sub| sub.status == "INCOMPLETE") {
                sub.status = "INCOMPLETE_EXPIRED";
            }
        }
    }

    /// Approval of a session (hosted page or `confirm`): the subscription starts now.
    pub fn complete_checkout(&mut self, session_uid: &str) -> Result<String, ApiError> {
        let now = self.clock.now();
        self.expire_if_due(session_uid, now);
        let session =
            self.checkouts.get(session_uid).cloned().ok_or_else(|| ApiError::not_found("Checkout session"))?;
        match session.status {
            "PENDING" => {}
            "COMPLETED" => {
                return Err(ApiError::new(409, "ALREADY_COMPLETED", "Checkout session is already COMPLETED"));
            }
            "EXPIRED" => return Err(ApiError::new(400, "SESSION_EXPIRED", "Checkout session has expired")),
            other => return Err(ApiError::state(format!("Checkout session is {other}"))),
        }
        self.activate(&session.subscription_uid, now)?;
        if let Some(s) = self.checkouts.get_mut(session_uid) {
            s.status = "COMPLETED";
            s.completed_at = Some(now);
        }
        Ok(session.subscription_uid)
    }

    /// Starts a subscription's first period: trialing when its price has a trial, otherwise
    /// active with the first invoice paid.
    fn activate(&mut self, sub_uid: &str, now: DateTime<Utc>) -> Result<(), ApiError> {
        let sub = self.subscription(sub_uid).cloned().ok_or_else(|| ApiError::not_found("Subscription"))?;
        let (amount, currency, period) =
            self.terms(&sub).ok_or_else(|| ApiError::state("Subscription has no price"))?;
        let trial = sub.price_uid.as_deref().and_then(|p| self.price(p)).and_then(|p| p.trial_days).filter(|d| *d > 0);
        let (start, end) = current_period(now, period, now);
        let first = self.new_invoice(amount, currency, format!("Subscription {}", period.label()), now);
        let s = self.subscription_mut(sub_uid).ok_or_else(|| ApiError::not_found("Subscription"))?;
        s.updated = now;
        if let Some(days) = trial {
            let trial_end = now + Duration::days(i64::from(days));
            (s.status, s.trial_start, s.trial_end) = ("TRIALING", Some(now), Some(trial_end));
            (s.period_start, s.period_end) = (now, trial_end);
        } else {
            (s.status, s.period_start, s.period_end) = ("ACTIVE", start, end);
            let mut first = first;
            pay_invoice(&mut self.rng, &mut first, now);
            self.add_invoice(sub_uid, first);
        }
        Ok(())
    }

    pub fn create_subscription(&mut self, req: wire::CreateSubscriptionRequest) -> Result<String, ApiError> {
        let now = self.clock.now();
        let mut errors = Vec::new();
        let customer = self.customer_by_uid.get(&req.customer_id).copied();
        if req.customer_id.is_empty() {
            errors.push(("customer_id".to_string(), "customer_id is required".to_string()));
        } else if customer.is_none() {
            errors.push(("customer_id".to_string(), "no customer with this uid".to_string()));
        }
        if self.price(&req.price_id).is_none() {
            errors.push(("price_id".to_string(), "no subscription price with this uid".to_string()));
        }
        let trial_end = match req.trial_end.as_deref().map(|t| parse_time("trial_end", t, now)) {
            Some(Err(ApiError { details, .. })) => {
                errors.extend(details);
                None
            }
            Some(Ok(t)) => Some(t),
            None => None,
        };
        let Some(customer) = customer.filter(|_| errors.is_empty()) else {
            return Err(ApiError::validation(errors));
        };
        let mut sub = self.new_subscription(customer, Some(req.price_id), now);
        sub.metadata = req.metadata.unwrap_or_default();
        let uid = sub.uid.clone();
        let has_payment_method = req.payment_method_id.is_some_and(|p| !p.is_empty());
        if let Some(end) = trial_end {
            (sub.status, sub.trial_start, sub.trial_end, sub.period_end) = ("TRIALING", Some(now), Some(end), end);
            self.push_subscription(sub);
        } else {
            self.push_subscription(sub);
            if has_payment_method {
                self.activate(&uid, now)?;
            }
        }
        Ok(uid)
    }

    /// PATCH: every field is checked before any is applied, so a bad request changes nothing.
    pub fn update_subscription(&mut self, uid: &str, req: wire::UpdateSubscriptionRequest) -> Result<(), ApiError> {
        let now = self.clock.now();
        let sub = self.subscription(uid).cloned().ok_or_else(|| ApiError::not_found("Subscription"))?;
        self.ensure_invoices(uid);
        let mut errors = Vec::new();
        if let Some(status) = req.status.as_deref() {
            let upper = status.to_ascii_uppercase();
            if !STATUSES.contains(&upper.as_str()) {
                errors.push(("status".into(), format!("{status} is not a subscription status")));
            } else if upper != "CANCELED" && upper != sub.status {
                errors.push(("status".into(), "only CANCELED can be set; activation needs a checkout".into()));
            }
        }
        let trial_end = match req.trial_end.as_deref() {
            Some(_) if sub.status != "TRIALING" => {
                errors.push(("trial_end".into(), "the subscription is not trialing".into()));
                None
            }
            Some(t) => match parse_time("trial_end", t, now) {
                Ok(t) => Some(t),
                Err(e) => {
                    errors.extend(e.details);
                    None
                }
            },
            None => None,
        };
        if let Some(price_uid) = req.price_id.as_deref() {
            errors.extend(self.price_change_errors(&sub, price_uid));
        }
        if !errors.is_empty() {
            return Err(ApiError::validation(errors));
        }
        let changes_anything = req.price_id.is_some() || req.cancel_at_period_end.is_some() || trial_end.is_some();
        if changes_anything && !sub.is_live() {
            return Err(ApiError::state(format!("Subscription is {} and cannot be updated", sub.status)));
        }
        if let Some(price_uid) = req.price_id.filter(|p| Some(p) != sub.price_uid.as_ref()) {
            self.change_price(uid, &price_uid, now)?;
        }
        if req.status.as_deref().is_some_and(|s| s.eq_ignore_ascii_case("CANCELED")) && sub.status != "CANCELED" {
            self.cancel(uid, false, None)?;
        }
        let s = self.subscription_mut(uid).ok_or_else(|| ApiError::not_found("Subscription"))?;
        if let Some(flag) = req.cancel_at_period_end {
            s.cancel_at_period_end = flag;
        }
        if let Some(end) = trial_end {
            (s.trial_end, s.period_end) = (Some(end), end);
        }
        if let Some(m) = req.metadata {
            s.metadata = m;
        }
        s.updated = now;
        Ok(())
    }

    /// KuvarPay documents no rule for a second price change [inferred, conservative]. While
    /// the previous change's prorated invoice is OPEN and not yet due, that change is pending:
    /// a change that would raise another proration is refused with 409 (two operators cannot
    /// both upgrade, and the later one cannot bill on top of a change still being paid); one
    /// that raises none (a downgrade) replaces it, and the pending invoice is voided, so no
    /// proration is ever collected for a change that was overwritten.
    fn settle_pending_change(&mut self, uid: &str, raises_charge: bool, now: DateTime<Utc>) -> Result<(), ApiError> {
        let pending = |i: &Invoice| i.plan_change && i.status == "OPEN" && i.due_date > now;
        let Some(invoices) = self.invoices.get_mut(uid) else { return Ok(()) };
        if raises_charge && let Some(inv) = invoices.iter().find(|i| pending(i)) {
            let message = format!(
                "A previous price change is awaiting payment (invoice {}, collected {}); try again after it is paid",
                inv.invoice_id,
                inv.due_date.format("%Y-%m-%d %H:%M UTC")
            );
            return Err(ApiError::new(409, "PRICE_CHANGE_PENDING", message));
        }
        for inv in invoices.iter_mut().filter(|i| pending(i)) {
            inv.status = "VOID";
            inv.voided_at = Some(now);
        }
        Ok(())
    }

    fn price_change_errors(&self, sub: &Subscription, price_uid: &str) -> Vec<(String, String)> {
        let field = |m: &str| vec![("price_id".to_string(), m.to_string())];
        let Some(new) = self.price(price_uid) else { return field("no subscription price with this uid") };
        match self.terms(sub) {
            None => field("a METERED subscription has no price to change"),
            Some((_, currency, _)) if currency != new.currency => {
                field(&format!("the subscription bills in {currency}; this price is in {}", new.currency))
            }
            _ => Vec::new(),
        }
    }

    /// Applies a new price now. The difference for the rest of the period is invoiced (OPEN,
    /// to be charged from the customer's authorization), by the sandbox's own calendar-day
    /// proration (see `sandbox::proration`); a trial just switches price.
    fn change_price(&mut self, uid: &str, price_uid: &str, now: DateTime<Utc>) -> Result<(), ApiError> {
        let sub = self.subscription(uid).cloned().ok_or_else(|| ApiError::not_found("Subscription"))?;
        let (old_amount, currency, old_period) = self.terms(&sub).ok_or_else(|| ApiError::state("no price"))?;
        let new = self.price(price_uid).cloned().ok_or_else(|| ApiError::field("price_id", "no such price"))?;
        let plan_name = |s: &State, p: Option<&str>| {
            p.and_then(|p| s.price(p)).and_then(|p| s.plan(&p.plan_uid)).map(|p| p.name.clone()).unwrap_or_default()
        };
        let (from, to) = (plan_name(self, sub.price_uid.as_deref()), plan_name(self, Some(price_uid)));
        let mut charged = Decimal::ZERO;
        if sub.status != "TRIALING" {
            let term =
                Term { amount: old_amount, start: sub.period_start.date_naive(), end: sub.period_end.date_naive() };
            let same_period = new.period == old_period;
            let p = prorate(term, new.amount, new.period, same_period, now.date_naive(), currency)
                .ok_or_else(|| ApiError::state("the prorated amount is out of range"))?;
            // KuvarPay keeps no credit: only a positive difference is invoiced.
            let due = p.net();
            self.settle_pending_change(uid, due > Decimal::ZERO, now)?;
            if due > Decimal::ZERO {
                let description = format!("Plan change: {from} → {to} (prorated)");
                let mut inv =
                    self.new_invoice(due, currency, description, now + Duration::hours(CHANGE_COLLECTED_AFTER_HOURS));
                (inv.created, inv.plan_change) = (now, true);
                self.add_invoice(uid, inv);
                charged = due;
            }
        }
        // No credit is kept for a downgrade, and a trial just switches price: both bill zero.
        self.change_charges.push((uid.to_string(), Money::new(charged, currency)));
        let s = self.subscription_mut(uid).ok_or_else(|| ApiError::not_found("Subscription"))?;
        s.price_uid = Some(new.uid);
        if new.period != old_period && s.status != "TRIALING" {
            (s.period_start, s.period_end) = current_period(now, new.period, now);
        }
        Ok(())
    }

    /// DELETE: immediately, or at the end of the current period.
    pub fn cancel(&mut self, uid: &str, at_period_end: bool, reason: Option<String>) -> Result<(), ApiError> {
        let now = self.clock.now();
        self.ensure_invoices(uid);
        let sub = self.subscription(uid).ok_or_else(|| ApiError::not_found("Subscription"))?;
        if matches!(sub.status, "CANCELED" | "INCOMPLETE_EXPIRED") {
            return Err(ApiError::state(format!("Subscription is already {}", sub.status)));
        }
        if at_period_end && sub.cancel_at_period_end {
            return Err(ApiError::state("Subscription is already set to cancel at the end of the period"));
        }
        if at_period_end && sub.status == "INCOMPLETE" {
            return Err(ApiError::state("An INCOMPLETE subscription has no period to finish; cancel it now"));
        }
        let pending: Vec<String> = self
            .checkouts
            .values()
            .filter(|c| c.subscription_uid == uid && c.status == "PENDING")
            .map(|c| c.uid.clone())
            .collect();
        let s = self.subscription_mut(uid).ok_or_else(|| ApiError::not_found("Subscription"))?;
        s.cancellation_reason = reason.or(s.cancellation_reason.take());
        s.updated = now;
        if at_period_end {
            s.cancel_at_period_end = true;
            return Ok(());
        }
        (s.status, s.cancelled_at, s.cancel_at_period_end) = ("CANCELED", Some(now), false);
        for c in pending {
            if let Some(session) = self.checkouts.get_mut(&c) {
                session.status = "CANCELLED";
            }
        }
        Ok(())
    }
}

impl HostedCheckout for State {
    fn paid_events(&self, session_id: &str) -> (crate::billing::ProviderKind, Vec<crate::sandbox::events::Emitted>) {
        (crate::billing::ProviderKind::KuvarPay, self.checkout_paid_events(session_id))
    }

    fn owns_checkout(&self, session_id: &str) -> bool {
        self.checkouts.contains_key(session_id)
    }

    fn summary(&self, session_id: &str) -> Option<OrderSummary> {
        let c = self.checkouts.get(session_id)?;
        let sub = self.subscription(&c.subscription_uid)?;
        let (amount, currency, period) = self.terms(sub)?;
        let plan = c.price_uid.as_deref().and_then(|p| self.price(p)).and_then(|p| self.plan(&p.plan_uid));
        let name = plan.map_or_else(|| "Metered billing (cap)".to_string(), |p| p.name.clone());
        let money = Money::new(amount, currency);
        // A trial price charges nothing on approval; its price when the trial ends.
        let trial = c.price_uid.as_deref().and_then(|p| self.price(p)).and_then(|p| p.trial_days).filter(|d| *d > 0);
        let trial = trial.map(|days| {
            let on = match sub.trial_end {
                Some(end) if c.status != "PENDING" => end,
                _ => self.clock.now() + Duration::days(i64::from(days)),
            };
            TrialTerms { days, first_charge: money.to_string(), on: on.date_naive() }
        });
        let due_now = if trial.is_some() { Money::zero(currency) } else { money };
        let customer = &self.customers[c.customer];
        let who = match (&customer.first_name, &customer.last_name) {
            (Some(f), Some(l)) => format!("{f} {l} <{}>", customer.email),
            (Some(f), None) => format!("{f} <{}>", customer.email),
            _ => customer.email.clone(),
        };
        Some(OrderSummary {
            provider: "KuvarPay",
            session_id: c.uid.clone(),
            paid: c.status == "COMPLETED",
            customer: who,
            lines: vec![(format!("{name} ({})", period.label()), money.to_string())],
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
        match self.complete_checkout(session_id) {
            Ok(sub) => {
                if let Some(s) = self.subscription_mut(&sub) {
                    s.wallet_declines = crate::sandbox::pay::CardSeen::from_typed(card).declines_later();
                }
                self.summary(session_id).ok_or_else(|| PayError::Unavailable("session vanished".into()))
            }
            Err(e) if e.code == "ALREADY_COMPLETED" => Err(PayError::AlreadyPaid),
            Err(e) => Err(PayError::Unavailable(e.message)),
        }
    }
}
