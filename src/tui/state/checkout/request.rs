//! Validation as you type, and turning the form into a `CheckoutRequest`.

use std::collections::BTreeMap;

use chrono::{DateTime, NaiveDate, Utc};

use super::CheckoutBuilder;
use super::fields::FieldId;
use crate::billing::validate;
use crate::billing::{CheckoutPurpose, CheckoutRequest, FeatureQuantity, ProviderKind};

impl CheckoutBuilder {
    /// Checks every field and sets its message; true when the form can be submitted.
    pub fn validate(&mut self, today: NaiveDate) -> bool {
        let errors: Vec<(FieldId, Option<String>)> =
            self.fields.iter().map(|f| (f.id, self.check(f.id, f.required, today))).collect();
        for (id, error) in errors {
            if let Some(f) = self.fields.iter_mut().find(|f| f.id == id) {
                f.error = error;
            }
        }
        self.fields.iter().all(|f| f.error.is_none())
    }

    /// The message for one field, or `None` when it is fine.
    fn check(&self, id: FieldId, required: bool, today: NaiveDate) -> Option<String> {
        let v = self.value(id);
        if matches!(id, FieldId::Features | FieldId::ProductOverrides | FieldId::Metadata) {
            return self.check_rows(id);
        }
        if v.is_empty() {
            return self.check_missing(id, required);
        }
        let result = match id {
            FieldId::SuccessUrl | FieldId::CancelUrl => validate::url(&v).map(|_| ()),
            FieldId::CustomerEmail => validate::email(&v).map(|_| ()),
            FieldId::Ip => validate::ip(&v).map(|_| ()),
            FieldId::Quantity => validate::positive_int(&v).map(|_| ()),
            FieldId::StartDate => validate::date(&v).map(|_| ()),
            FieldId::EndDate => self.check_end_date(&v, today),
            FieldId::ExpiresAt => {
                parse_expiry(&v).and_then(|t| if t > Utc::now() { Ok(()) } else { Err("must be in the future".into()) })
            }
            FieldId::Currency => validate::currency(&v).map(|_| ()),
            FieldId::TargetAmount => self.check_amount(&v),
            FieldId::Period if self.provider == ProviderKind::Kelviq => self.check_period(&v),
            _ => Ok(()),
        };
        result.err()
    }

    fn check_missing(&self, id: FieldId, required: bool) -> Option<String> {
        let needed = required
            || (id == FieldId::TargetSubscription && self.value(FieldId::CheckoutType) == "activate_subscription")
            || (id == FieldId::Customer
                && self.provider == ProviderKind::Flowglad
                && self.value(FieldId::CheckoutType) != "product")
            || (id == FieldId::Customer
                && self.provider == ProviderKind::Zenskar
                && self.value(FieldId::Guest) != "true")
            || (id == FieldId::Currency && !self.value(FieldId::TargetAmount).is_empty());
        needed.then(|| {
            if self.field(id).is_some_and(|f| matches!(f.input, super::fields::Input::Pick { .. })) {
                "choose one".into()
            } else {
                "required".into()
            }
        })
    }

    fn check_end_date(&self, v: &str, today: NaiveDate) -> Result<(), String> {
        let end = validate::date(v)?;
        let start = validate::date(&self.value(FieldId::StartDate)).unwrap_or(today);
        validate::dates_ordered(start, end)
    }

    fn check_amount(&self, v: &str) -> Result<(), String> {
        let code = self.value(FieldId::Currency);
        let currency = validate::currency(if code.is_empty() { "USD" } else { &code })?;
        validate::amount(v, currency).map(|_| ())
    }

    /// Kelviq only sells periods the organisation enabled; the picker already limits to the
    /// plan's prices, so this catches a preset naming a period the plan lacks.
    fn check_period(&self, v: &str) -> Result<(), String> {
        let plan = self.value(FieldId::Plan);
        match self.plans().iter().find(|p| p.id == plan) {
            Some(p) if !p.periods().iter().any(|period| period.to_string() == v) => {
                Err(format!("plan {} has no {v} price", p.name))
            }
            _ => Ok(()),
        }
    }

    fn check_rows(&self, id: FieldId) -> Option<String> {
        for (i, row) in self.rows(id).iter().enumerate() {
            if row.key.trim().is_empty() {
                return Some(format!(
                    "row {}: name the {}",
                    i + 1,
                    if id == FieldId::Metadata { "key" } else { "feature or product" }
                ));
            }
            if id != FieldId::Metadata
                && row.enabled
                && let Err(e) = validate::positive_int(&row.value)
            {
                return Some(format!("row {} ({}): quantity {e}", i + 1, row.key));
            }
        }
        None
    }

    /// The request the form describes. Call after `validate` returned true.
    pub fn request(&self) -> CheckoutRequest {
        let non_empty = |id| Some(self.value(id)).filter(|v| !v.is_empty());
        let guest = self.value(FieldId::Guest) == "true";
        let mut request = CheckoutRequest {
            plan_id: self.value(FieldId::Plan),
            period: non_empty(FieldId::Period).and_then(|p| super::fields::parse_period(&p)),
            price_id: non_empty(FieldId::Price),
            customer_id: if guest { None } else { non_empty(FieldId::Customer) },
            customer_email: non_empty(FieldId::CustomerEmail),
            customer_first_name: non_empty(FieldId::FirstName),
            customer_last_name: non_empty(FieldId::LastName),
            currency: non_empty(FieldId::Currency),
            quantity: non_empty(FieldId::Quantity).and_then(|q| q.parse().ok()),
            success_url: self.value(FieldId::SuccessUrl),
            cancel_url: non_empty(FieldId::CancelUrl),
            ip_address: non_empty(FieldId::Ip),
            start_date: non_empty(FieldId::StartDate).and_then(|d| validate::date(&d).ok()),
            end_date: non_empty(FieldId::EndDate).and_then(|d| validate::date(&d).ok()),
            business_entity_id: if guest { non_empty(FieldId::BusinessEntity) } else { None },
            expires_at: non_empty(FieldId::ExpiresAt).and_then(|t| parse_expiry(&t).ok()),
            billing_mode: non_empty(FieldId::BillingMode),
            target_amount: non_empty(FieldId::TargetAmount),
            output_name: non_empty(FieldId::OutputName),
            preserve_billing_cycle_anchor: (self.value(FieldId::PreserveAnchor) == "true").then_some(true),
            metadata: self
                .rows(FieldId::Metadata)
                .iter()
                .map(|r| (r.key.trim().to_string(), r.value.clone()))
                .collect::<BTreeMap<_, _>>(),
            ..Default::default()
        };
        let quantities =
            if self.provider == ProviderKind::Zenskar { FieldId::ProductOverrides } else { FieldId::Features };
        for row in self.rows(quantities) {
            match (row.enabled, row.value.trim().parse::<u32>()) {
                (true, Ok(q)) => {
                    request.features.push(FeatureQuantity { feature_id: row.key.trim().to_string(), quantity: q })
                }
                (false, _) => request.disabled_products.push(row.key.trim().to_string()),
                _ => {}
            }
        }
        if self.provider == ProviderKind::Flowglad {
            let target = non_empty(FieldId::TargetSubscription);
            request.purpose = match self.value(FieldId::CheckoutType).as_str() {
                "activate_subscription" => {
                    target.map(|subscription_id| CheckoutPurpose::ActivateSubscription { subscription_id })
                }
                "add_payment_method" => Some(CheckoutPurpose::AddPaymentMethod { subscription_id: target }),
                _ => None,
            };
        }
        request
    }
}

/// `YYYY-MM-DD` (end of that day, UTC) or an RFC 3339 time.
fn parse_expiry(v: &str) -> Result<DateTime<Utc>, String> {
    if let Ok(t) = DateTime::parse_from_rfc3339(v.trim()) {
        return Ok(t.with_timezone(&Utc));
    }
    let day = validate::date(v).map_err(|_| "must be YYYY-MM-DD or an RFC 3339 time".to_string())?;
    day.and_hms_opt(23, 59, 59).map(|t| t.and_utc()).ok_or_else(|| "not a valid time".into())
}
