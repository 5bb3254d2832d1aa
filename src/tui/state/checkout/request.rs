//! Validation as you type, and turning the form into a `CheckoutRequest`: both through the
//! checkout draft `ops` validates, so the form and the CLI apply the same rules and messages.

use chrono::{NaiveDate, Utc};

use super::CheckoutBuilder;
use super::fields::{FieldId, Input};
use crate::billing::CheckoutRequest;
use crate::ops::checkout::{self, Draft, Need};

impl CheckoutBuilder {
    /// Checks every field and sets its message; true when the form can be submitted.
    pub fn validate(&mut self, today: NaiveDate) -> bool {
        let draft = self.draft();
        let now = Utc::now();
        let errors: Vec<(FieldId, Option<String>)> = self
            .fields
            .iter()
            .map(|f| {
                let need = Need { required: f.required, picker: matches!(f.input, Input::Pick { .. }) };
                (f.id, checkout::check(&draft, f.id, need, self.plans(), today, now))
            })
            .collect();
        for (id, error) in errors {
            if let Some(f) = self.fields.iter_mut().find(|f| f.id == id) {
                f.error = error;
            }
        }
        self.fields.iter().all(|f| f.error.is_none())
    }

    /// The form's values as a checkout draft.
    fn draft(&self) -> Draft {
        let mut draft = Draft::new(self.provider);
        for f in &self.fields {
            match f.input {
                Input::Rows { .. } => draft.set_rows(f.id, self.rows(f.id).to_vec()),
                _ => draft.set(f.id, self.value(f.id)),
            };
        }
        draft
    }

    /// The request the form describes. Call after `validate` returned true.
    pub fn request(&self) -> CheckoutRequest {
        self.draft().request()
    }
}
