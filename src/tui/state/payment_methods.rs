//! A customer detail view's "Payment methods": read when the view opens (one request; the
//! provider's answer is the current one), drawn in place of the "loading…" line when it
//! arrives. Providers without a way to read them say so in the section.

use super::detail::{DetailKind, DetailLine};
use super::{AppState, Dialog};
use crate::billing::payments::PaymentMethod;

pub const SECTION: &str = "Payment methods";

/// The section as the view opens: loading where the provider offers it.
pub fn placeholder(provider: &dyn crate::providers::BillingProvider) -> Vec<DetailLine> {
    let note = if provider.actions().payment_methods {
        "loading…".to_string()
    } else {
        format!("not offered by {}", provider.kind().display_name())
    };
    vec![DetailLine::section(SECTION), DetailLine::field("", note)]
}

fn lines(result: Result<Vec<PaymentMethod>, String>) -> Vec<DetailLine> {
    match result {
        Ok(methods) if methods.is_empty() => vec![DetailLine::field("", "none saved")],
        Ok(methods) => {
            methods.iter().map(|m| DetailLine::field(m.kind.clone(), m.describe()).copying(m.id.clone())).collect()
        }
        Err(e) => vec![DetailLine::field("error", e)],
    }
}

impl AppState {
    /// The customer's methods arrived: every open detail view of that customer shows them.
    pub(crate) fn methods_arrived(&mut self, slot: u8, customer_id: &str, result: Result<Vec<PaymentMethod>, String>) {
        let new_lines = lines(result);
        for dialog in &mut self.dialogs {
            let Dialog::Detail(d) = dialog else { continue };
            if d.kind != DetailKind::Customer
                || d.methods_for.as_ref().is_none_or(|(s, c)| *s != slot || c != customer_id)
            {
                continue;
            }
            let Some(at) = d.lines.iter().position(|l| matches!(l, DetailLine::Section(t) if t == SECTION)) else {
                continue;
            };
            let placeholder = at + 1..(at + 2).min(d.lines.len());
            d.lines.splice(placeholder, new_lines.iter().cloned());
            if d.selected > at {
                d.selected += new_lines.len().saturating_sub(1);
            }
            d.methods_for = None;
        }
    }
}
