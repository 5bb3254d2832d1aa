//! Usage reports. They change what the customer is billed, so they are journaled
//! (`usage.report`) and follow the write guard like refunds.

use serde::Serialize;
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

/// What a usage report would do to its meter, read before anything is sent.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct UsagePreview {
    pub customer_id: String,
    pub feature_id: String,
    /// The meter's use now, where the customer has that meter.
    pub used: Option<i64>,
    /// What it would read after the report.
    pub after: Option<i64>,
    pub mode: UsageMode,
    pub quantity: u64,
}

impl UsagePreview {
    /// `api-calls for cus_kovacs: used 485,001 → 0 (set to 0)`.
    pub fn text(&self) -> String {
        let n = crate::billing::money::group_int;
        let quantity = i64::try_from(self.quantity).unwrap_or(i64::MAX);
        let how = match self.mode {
            UsageMode::Set => format!("set to {}", n(quantity)),
            UsageMode::Increment => format!("adds {}", n(quantity)),
        };
        let meter = crate::text::line(&self.feature_id).into_owned();
        let customer = crate::text::line(&self.customer_id).into_owned();
        match (self.used, self.after) {
            (Some(used), Some(after)) => format!("{meter} for {customer}: used {} → {} ({how})", n(used), n(after)),
            _ => format!("{meter} for {customer}: no such meter among the customer's entitlements ({how})"),
        }
    }
}

/// Reads the customer's meter and says what `report` would make of it; sends nothing.
pub async fn preview(p: &dyn BillingProvider, report: &UsageReport) -> Result<UsagePreview> {
    validate(p, report)?;
    let entitlements = p.entitlements(&report.customer_id).await?;
    let used = entitlements.iter().find(|e| e.feature_id == report.feature_id).and_then(|e| match e.kind {
        crate::billing::EntitlementKind::Meter { used, .. } => Some(used),
        _ => None,
    });
    let quantity = i64::try_from(report.quantity).unwrap_or(i64::MAX);
    let after = used.map(|u| match report.mode {
        UsageMode::Set => quantity,
        UsageMode::Increment => u.saturating_add(quantity),
    });
    Ok(UsagePreview {
        customer_id: report.customer_id.clone(),
        feature_id: report.feature_id.clone(),
        used,
        after,
        mode: report.mode,
        quantity: report.quantity,
    })
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
