//! Checkout: a draft of field values as typed (the console's form or the CLI's flags), one
//! validator over it, the `CheckoutRequest` it describes, and the create with its journal.

mod field;
mod rules;
pub mod sessions;
#[cfg(test)]
mod tests;

use std::collections::{BTreeMap, HashMap};

use chrono::{DateTime, NaiveDate, Utc};
use serde_json::json;

pub use field::{CheckoutType, Field};
pub use rules::{Need, Problem, applies, check, parse_expiry, required, validate_all};

use super::journal::{Act, journaled};
use super::{OpsError, Result};
use crate::audit::Recorder;
use crate::billing::{
    ChargePeriod, CheckoutPurpose, CheckoutRequest, CheckoutSession, FeatureQuantity, Plan, ProviderKind, validate,
};
use crate::providers::BillingProvider;

/// One row of a list field (feature quantities, product overrides, metadata): an identifier,
/// a value, and whether it is switched on (a product override switched off disables it).
#[derive(Clone, Debug, PartialEq, Default)]
pub struct Row {
    pub key: String,
    pub value: String,
    pub enabled: bool,
}

/// Field values as typed, for one provider. Text fields hold their trimmed text, pickers their
/// chosen value, toggles "true"/"false"; list fields hold rows.
#[derive(Clone, Debug)]
pub struct Draft {
    pub provider: ProviderKind,
    values: HashMap<Field, String>,
    rows: HashMap<Field, Vec<Row>>,
}

impl Draft {
    pub fn new(provider: ProviderKind) -> Draft {
        Draft { provider, values: HashMap::new(), rows: HashMap::new() }
    }

    /// Sets a field's text (trimmed); an empty text clears it.
    pub fn set(&mut self, field: Field, value: impl AsRef<str>) -> &mut Draft {
        let v = value.as_ref().trim();
        if v.is_empty() {
            self.values.remove(&field);
        } else {
            self.values.insert(field, v.to_string());
        }
        self
    }

    /// Sets a field when a value is given.
    pub fn set_opt(&mut self, field: Field, value: Option<impl AsRef<str>>) -> &mut Draft {
        if let Some(v) = value {
            self.set(field, v);
        }
        self
    }

    pub fn set_rows(&mut self, field: Field, rows: Vec<Row>) -> &mut Draft {
        self.rows.insert(field, rows);
        self
    }

    /// The field's text, empty when unset.
    pub fn value(&self, field: Field) -> &str {
        self.values.get(&field).map_or("", String::as_str)
    }

    pub fn rows(&self, field: Field) -> &[Row] {
        self.rows.get(&field).map_or(&[], Vec::as_slice)
    }

    /// Fields with a value or rows.
    pub fn fields(&self) -> impl Iterator<Item = Field> + '_ {
        self.values.keys().chain(self.rows.keys()).copied()
    }

    fn non_empty(&self, field: Field) -> Option<String> {
        Some(self.value(field).to_string()).filter(|v| !v.is_empty())
    }

    /// The request the draft describes. Call after validation passed: an unparsable value is
    /// left out here, never guessed.
    pub fn request(&self) -> CheckoutRequest {
        let guest = self.value(Field::Guest) == "true";
        let mut request = CheckoutRequest {
            plan_id: self.value(Field::Plan).to_string(),
            period: self.non_empty(Field::Period).and_then(|p| ChargePeriod::parse(&p).ok()),
            price_id: self.non_empty(Field::Price),
            customer_id: if guest { None } else { self.non_empty(Field::Customer) },
            customer_email: self.non_empty(Field::CustomerEmail),
            customer_first_name: self.non_empty(Field::FirstName),
            customer_last_name: self.non_empty(Field::LastName),
            currency: self.non_empty(Field::Currency),
            quantity: self.non_empty(Field::Quantity).and_then(|q| q.parse().ok()),
            success_url: self.value(Field::SuccessUrl).to_string(),
            cancel_url: self.non_empty(Field::CancelUrl),
            ip_address: self.non_empty(Field::Ip),
            start_date: self.date(Field::StartDate),
            end_date: self.date(Field::EndDate),
            business_entity_id: if guest { self.non_empty(Field::BusinessEntity) } else { None },
            expires_at: self.non_empty(Field::ExpiresAt).and_then(|t| parse_expiry(&t).ok()),
            billing_mode: self.non_empty(Field::BillingMode),
            target_amount: self.non_empty(Field::TargetAmount),
            output_name: self.non_empty(Field::OutputName),
            preserve_billing_cycle_anchor: (self.value(Field::PreserveAnchor) == "true").then_some(true),
            metadata: self
                .rows(Field::Metadata)
                .iter()
                .map(|r| (r.key.trim().to_string(), r.value.clone()))
                .collect::<BTreeMap<_, _>>(),
            ..Default::default()
        };
        let quantities = if self.provider == ProviderKind::Zenskar { Field::ProductOverrides } else { Field::Features };
        for row in self.rows(quantities) {
            match (row.enabled, row.value.trim().parse::<u32>()) {
                (true, Ok(q)) => {
                    request.features.push(FeatureQuantity { feature_id: row.key.trim().to_string(), quantity: q })
                }
                (false, _) => request.disabled_products.push(row.key.trim().to_string()),
                _ => {}
            }
        }
        request.purpose = self.purpose();
        request
    }

    fn date(&self, field: Field) -> Option<NaiveDate> {
        self.non_empty(field).and_then(|d| validate::date(&d).ok())
    }

    /// Only Flowglad sells anything but a purchase; elsewhere the type is not sent.
    fn purpose(&self) -> Option<CheckoutPurpose> {
        if self.provider != ProviderKind::Flowglad {
            return None;
        }
        let target = self.non_empty(Field::TargetSubscription);
        match CheckoutType::parse(self.value(Field::CheckoutType)).ok()? {
            CheckoutType::Purchase => None,
            CheckoutType::ActivateSubscription => {
                target.map(|subscription_id| CheckoutPurpose::ActivateSubscription { subscription_id })
            }
            CheckoutType::AddPaymentMethod => Some(CheckoutPurpose::AddPaymentMethod { subscription_id: target }),
        }
    }

    /// Validates every field and builds the request, or refuses with the first problem (a
    /// usage error naming the field by its label and flag).
    pub fn validated(&self, plans: &[Plan], today: NaiveDate, now: DateTime<Utc>) -> Result<CheckoutRequest> {
        match validate_all(self, plans, today, now).first() {
            Some(problem) => Err(OpsError::usage(problem.for_cli())),
            None => Ok(self.request()),
        }
    }
}

/// Creates the session, journaled before and after. Sent once, never retried here.
pub async fn create(
    provider: &dyn BillingProvider,
    recorder: &Recorder,
    request: &CheckoutRequest,
) -> Result<CheckoutSession> {
    let act = Act {
        provider: provider.kind(),
        action: "checkout.create",
        // A session for an e-mail only (KuvarPay, Zenskar) is filed under that address, so
        // `till audit --customer` finds it.
        customer: request.customer_id.clone().or_else(|| request.customer_email.clone()),
        target: None,
        before: json!({ "request": request }),
    };
    journaled(recorder, act, provider.create_checkout(request)).await
}
