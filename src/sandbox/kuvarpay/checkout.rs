//! Creating subscription checkout sessions: the body's rules (FIXED sells a price, METERED
//! approves a target amount in a target currency; the customer by e-mail with optional
//! names) and the session, customer and INCOMPLETE subscription a create leaves behind.

use rust_decimal::Decimal;

use super::state::{ApiError, State};
use crate::billing::Currency;
use crate::providers::kuvarpay::wire;

/// Longest first or last name accepted (inferred; the schema stores text).
pub const MAX_NAME_CHARS: usize = 100;

pub fn valid_url(text: &str) -> bool {
    crate::sandbox::valid_redirect_url(text)
}

pub fn valid_email(e: &str) -> bool {
    let mut parts = e.trim().split('@');
    matches!((parts.next(), parts.next(), parts.next()), (Some(l), Some(d), None)
        if !l.is_empty() && d.contains('.') && !d.starts_with('.') && !d.ends_with('.'))
}

fn name_problem(name: &str) -> Option<String> {
    if name.trim().is_empty() {
        Some("must not be blank".into())
    } else if name.chars().count() > MAX_NAME_CHARS {
        Some(format!("must be at most {MAX_NAME_CHARS} characters"))
    } else if name.chars().any(char::is_control) {
        Some("must not contain control characters".into())
    } else {
        None
    }
}

fn target_price_errors(target: &wire::TargetPrice, errors: &mut Vec<(String, String)>) {
    let currency = if target.target_currency.trim().is_empty() {
        errors.push(("targetPrice.targetCurrency".into(), "targetCurrency is required".into()));
        None
    } else {
        let known = Currency::from_code(&target.target_currency).ok();
        if known.is_none() {
            errors.push(("targetPrice.targetCurrency".into(), "unsupported currency".into()));
        }
        known
    };
    if let Some(problem) = target_amount_problem(&target.target_amount, currency) {
        errors.push(("targetPrice.targetAmount".into(), problem));
    }
}

/// KuvarPay stores amounts as `numeric(18,8)`: at most ten digits before the point.
const AMOUNT_INTEGER_DIGITS: usize = 10;

/// The emulator's own check of a METERED target amount (never the client's validator): a
/// decimal string such as `"5000.00"`, above zero, that fits the amount column and has no
/// more decimals than the currency.
fn target_amount_problem(text: &str, currency: Option<Currency>) -> Option<String> {
    let t = text.trim();
    if t.is_empty() {
        return Some("targetAmount is required for METERED billing".into());
    }
    let (whole, fraction) = t.split_once('.').unwrap_or((t, ""));
    let digits = |s: &str| s.bytes().all(|b| b.is_ascii_digit());
    if whole.is_empty() || !digits(whole) || !digits(fraction) {
        return Some("must be a decimal string such as \"5000.00\"".into());
    }
    if whole.trim_start_matches('0').len() > AMOUNT_INTEGER_DIGITS {
        return Some(format!("must have at most {AMOUNT_INTEGER_DIGITS} digits before the decimal point"));
    }
    if whole.bytes().chain(fraction.bytes()).all(|b| b == b'0') {
        return Some("must be greater than zero".into());
    }
    let places = fraction.trim_end_matches('0').len();
    match currency {
        Some(c) if places > c.exponent() as usize => {
            Some(format!("{} allows at most {} decimal places", c.code(), c.exponent()))
        }
        _ => None,
    }
}

impl State {
    /// Checkout sessions created through the API since the sandbox started (seeded sessions
    /// are not counted; an idempotent replay creates nothing).
    pub fn checkout_count(&self) -> usize {
        self.checkouts_created
    }

    fn checkout_errors(&self, req: &wire::CreateCheckoutSessionRequest) -> Vec<(String, String)> {
        let mut errors = Vec::new();
        let mut err = |f: &str, m: &str| errors.push((f.to_string(), m.to_string()));
        match req.billing_mode.as_str() {
            "FIXED" => match req.price_uid.as_deref().filter(|p| !p.is_empty()) {
                None => err("priceUid", "priceUid is required for FIXED billing"),
                Some(uid) if self.price(uid).is_none() => err("priceUid", "no subscription price with this uid"),
                _ => {}
            },
            "METERED" if req.target_price.is_none() => {
                err("targetPrice", "targetPrice is required for METERED billing")
            }
            "METERED" => {}
            _ => err("billingMode", "must be one of FIXED, METERED"),
        }
        if req.customer.email.trim().is_empty() {
            err("customer.email", "customer.email is required");
        } else if !valid_email(&req.customer.email) {
            err("customer.email", "must be a valid e-mail address");
        }
        for (field, name) in
            [("customer.firstName", &req.customer.first_name), ("customer.lastName", &req.customer.last_name)]
        {
            if let Some(problem) = name.as_deref().and_then(name_problem) {
                err(field, &problem);
            }
        }
        if !valid_url(&req.success_url) {
            err("successUrl", "must be a valid http(s) URL");
        }
        if req.cancel_url.as_deref().is_some_and(|u| !valid_url(u)) {
            err("cancelUrl", "must be a valid http(s) URL");
        }
        // The reference's example carries targetPrice under FIXED too: checked, then unused.
        if let Some(target) = &req.target_price {
            target_price_errors(target, &mut errors);
        }
        errors
    }

    pub fn create_checkout(
        &mut self,
        req: wire::CreateCheckoutSessionRequest,
    ) -> Result<wire::CreateCheckoutSessionResponse, ApiError> {
        let errors = self.checkout_errors(&req);
        if !errors.is_empty() {
            return Err(ApiError::validation(errors));
        }
        let now = self.clock.now();
        let email = req.customer.email.trim().to_string();
        let first = req.customer.first_name.map(|n| n.trim().to_string());
        let last = req.customer.last_name.map(|n| n.trim().to_string());
        let customer = match self.customer_by_email.get(&email.to_lowercase()) {
            Some(&i) => {
                let c = &mut self.customers[i];
                c.first_name = c.first_name.take().or(first);
                c.last_name = c.last_name.take().or(last);
                i
            }
            None => self.insert_customer(email, first, last, now),
        };
        let metered = req.billing_mode == "METERED";
        let mut sub = self.new_subscription(customer, req.price_uid.filter(|_| !metered), now);
        if let Some(t) = req.target_price.as_ref().filter(|_| metered) {
            let amount = t.target_amount.trim().parse::<Decimal>().unwrap_or_default();
            sub.target = Currency::from_code(&t.target_currency).ok().map(|c| (amount, c));
        }
        sub.metadata = req.metadata.unwrap_or_default();
        let session_uid = self.open_checkout(&sub, "PENDING", &req.success_url, now);
        if let Some(s) = self.checkouts.get_mut(&session_uid) {
            s.cancel_url = req.cancel_url;
        }
        let sub_uid = self.push_subscription(sub);
        self.checkouts_created += 1;
        let session = &self.checkouts[&session_uid];
        Ok(wire::CreateCheckoutSessionResponse {
            checkout_session: wire::SessionRef {
                uid: session_uid.clone(),
                approval_url: Some(format!("{}/pay/{session_uid}", self.public_base)),
                status: Some("PENDING".into()),
                expires_at: Some(super::render::iso(session.expires_at)),
            },
            subscription: Some(wire::UidRef { uid: sub_uid }),
            customer: Some(wire::UidRef { uid: self.customers[customer].uid.clone() }),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_must_be_printable_and_short() {
        assert_eq!(name_problem("Łukasz"), None);
        assert_eq!(name_problem(&"é".repeat(MAX_NAME_CHARS)), None);
        assert!(name_problem(&"é".repeat(MAX_NAME_CHARS + 1)).is_some());
        assert!(name_problem("  ").is_some());
        assert!(name_problem("a\u{7}b").is_some());
    }
}
