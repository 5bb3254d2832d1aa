//! Usage reports. They change what the customer is billed, so they are journaled
//! (`usage.report`) and follow the write guard like refunds.

use serde_json::json;

use super::journal::{Act, journaled};
use super::payments::Guard;
use super::{ErrorKind, OpsError, Result};
use crate::audit::Recorder;
use crate::billing::payments::{UsageMode, UsageReceipt, UsageReport};
use crate::providers::BillingProvider;

/// Checks the report before anything is sent: a feature, a quantity above zero (a `set` to
/// zero is allowed: it resets the meter), and a mode the provider offers.
pub fn validate(p: &dyn BillingProvider, report: &UsageReport) -> Result<()> {
    let actions = p.actions();
    if !actions.usage_report {
        return Err(OpsError::new(ErrorKind::Unavailable, format!("reporting usage is not offered by {}", p.kind())));
    }
    if report.mode == UsageMode::Set && !actions.usage_set {
        return Err(OpsError::new(
            ErrorKind::Unavailable,
            format!("setting usage to a value is not offered by {} (it only adds usage)", p.kind()),
        ));
    }
    if report.customer_id.trim().is_empty() || report.feature_id.trim().is_empty() {
        return Err(OpsError::usage("a usage report needs a customer and a feature"));
    }
    if report.quantity == 0 && report.mode == UsageMode::Increment {
        return Err(OpsError::usage("the quantity must be at least 1"));
    }
    if i64::try_from(report.quantity).is_err() {
        return Err(OpsError::usage(format!("{} is too large a quantity", report.quantity)));
    }
    Ok(())
}

/// Reports usage, journaled; the entitlement's `used` moves at the provider.
pub async fn report(
    p: &dyn BillingProvider,
    recorder: &Recorder,
    guard: &Guard,
    report: &UsageReport,
) -> Result<UsageReceipt> {
    validate(p, report)?;
    guard.check("a usage report", Some(&report.customer_id))?;
    let act = Act {
        provider: p.kind(),
        action: "usage.report",
        customer: Some(report.customer_id.clone()),
        target: Some(report.feature_id.clone()),
        before: json!({"report": report}),
    };
    journaled(recorder, act, p.report_usage(report)).await
}
