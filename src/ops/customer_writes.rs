//! Creating a customer and changing a customer's name or email, journaled like every other
//! write (`customer.create`, `customer.update`) and refused under the write guard. Both
//! front ends call these; neither reaches the provider's customer writes directly.

use serde_json::json;

use super::journal::{Act, journaled};
use super::payments::Guard;
use super::{OpsError, Result};
use crate::audit::Recorder;
use crate::billing::{Customer, CustomerUpdate, NewCustomer};
use crate::providers::BillingProvider;

/// An email that is at least shaped like one: one `@` with text on both sides and a dot in
/// the domain. The provider's own check decides the rest.
pub fn check_email(email: &str) -> Result<()> {
    let (local, domain) = email.split_once('@').unwrap_or_default();
    if local.is_empty() || !domain.contains('.') || domain.contains('@') || email.chars().any(char::is_whitespace) {
        return Err(OpsError::usage(format!("{email:?} is not an email address")));
    }
    Ok(())
}

fn check_new(customer: &NewCustomer) -> Result<()> {
    if customer.id.trim().is_empty() {
        return Err(OpsError::usage("a new customer needs an id"));
    }
    customer.email.as_deref().map_or(Ok(()), check_email)
}

pub async fn create(
    p: &dyn BillingProvider,
    recorder: &Recorder,
    guard: &Guard,
    customer: &NewCustomer,
) -> Result<Customer> {
    check_new(customer)?;
    guard.check("creating a customer", Some(&customer.id))?;
    let act = Act {
        provider: p.kind(),
        action: "customer.create",
        customer: Some(customer.id.clone()),
        target: Some(customer.id.clone()),
        before: json!({"customer": customer}),
    };
    journaled(recorder, act, p.create_customer(customer)).await
}

/// Changes name and/or email; `before` is the customer as shown, kept in the journal.
pub async fn update(
    p: &dyn BillingProvider,
    recorder: &Recorder,
    guard: &Guard,
    before: &Customer,
    update: &CustomerUpdate,
) -> Result<Customer> {
    if let Some(email) = update.email.as_deref() {
        check_email(email)?;
    }
    if update.name.is_none() && update.email.is_none() && update.metadata.is_none() {
        return Err(OpsError::usage("nothing to change: give a name or an email"));
    }
    guard.check("changing a customer", Some(&before.id))?;
    let act = Act {
        provider: p.kind(),
        action: "customer.update",
        customer: Some(before.id.clone()),
        target: Some(before.id.clone()),
        before: json!({"customer": before, "update": update}),
    };
    journaled(recorder, act, p.update_customer(&before.id, update)).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn emails_need_a_local_part_a_dotted_domain_and_no_spaces() {
        assert!(check_email("ada@example.com").is_ok());
        for bad in ["ada", "@example.com", "ada@example", "a b@example.com", "a@b@c.com"] {
            assert!(check_email(bad).is_err(), "{bad}");
        }
    }
}
