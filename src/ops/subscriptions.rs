//! Plan changes, cancellations and uncancellations: preview, then apply with the journal.
//!
//! Before applying, the subscription is read again and compared with the one the operator
//! previewed (plan, status, period, pending change); if another operator or process changed
//! it in between, the action is refused with [`STALE_PREVIEW`] instead of applying a change
//! priced for a state that no longer exists.

use chrono::NaiveDate;
use serde_json::json;

use super::journal::{Act, journaled};
use super::plans::{self, Narrowing};
use super::{ErrorKind, OpsError, Result, STALE_PREVIEW};
use crate::audit::Recorder;
use crate::billing::{
    CancelTiming, Cancellation, ChangeTiming, ChargePeriod, Estimate, Plan, PlanChange, ProviderKind, Subscription,
    diff,
};
use crate::providers::BillingProvider;

/// A change as previewed: the subscription it was priced for, the change, its estimate, what
/// it does to the entitlements and which meters' usage would be over the new limits.
#[derive(Clone, Debug, serde::Serialize)]
pub struct ChangePreview {
    pub subscription: Subscription,
    pub change: PlanChange,
    pub estimate: Estimate,
    pub entitlement_changes: Vec<String>,
    pub usage_warnings: Vec<String>,
}

/// The change `plan` (an id, slug or name) describes for `subscription`: the period defaults
/// to the subscription's own, and the subscription's period and currency narrow a plan name
/// several plans share.
pub async fn plan_change(
    p: &dyn BillingProvider,
    subscription: &Subscription,
    plan: &str,
    period: Option<ChargePeriod>,
    timing: ChangeTiming,
) -> Result<PlanChange> {
    // A catalog that cannot be read leaves `plan` as typed, for the provider to judge.
    let catalog = p.list_plans().await.unwrap_or_default();
    change_in(&catalog, subscription, plan, period, timing)
}

fn change_in(
    catalog: &[Plan],
    subscription: &Subscription,
    plan: &str,
    period: Option<ChargePeriod>,
    timing: ChangeTiming,
) -> Result<PlanChange> {
    let period = period.unwrap_or(subscription.period);
    let currency = subscription.amount.map(|a| a.currency().code().to_string());
    let narrow = Narrowing { period: Some(period), currency: currency.as_deref() };
    let plan_id = plans::resolve(catalog, plan, narrow)?;
    Ok(PlanChange { plan_id, period, price_id: None, timing, features: vec![] })
}

/// A one-time purchase is no subscription to change: Kelviq stores free plans as one-time
/// charges and documents that they "cannot be upgraded through this endpoint; use checkout".
/// A plan change on a subscription set to end is refused until the end is undone: a provider
/// may carry the end date over or drop it (Kelviq's change makes a new subscription, which
/// renews), and a preview would promise a renewal that never comes or hide one that does.
/// `undo` names how to undo it where the caller is (a key, a command), `None` where the
/// provider cannot.
pub fn one_time_refusal(s: &Subscription) -> Option<String> {
    (s.period == ChargePeriod::OneTime).then(|| "one-time purchase: no plan change; use a checkout".into())
}

/// A cancel "at the end of the current period" where there is none (a one-time purchase): the
/// preview would name no end date, and the provider would set one of its own.
pub fn period_end_refusal(s: &Subscription, timing: CancelTiming) -> Option<String> {
    (timing == CancelTiming::AtPeriodEnd && s.current_period_end.is_none()).then(|| {
        let what = if s.period == ChargePeriod::OneTime { "a one-time purchase" } else { "this subscription" };
        format!("{what} has no current period to end: cancel it immediately or on a date")
    })
}

/// A plan change on a subscription set to end ([`scheduled_end_refusal`]'s doc).
pub fn scheduled_end_refusal(s: &Subscription, undo: Option<&str>) -> Option<String> {
    let end = s.ends_on.filter(|_| s.cancel_scheduled())?;
    Some(match undo {
        Some(undo) => format!("ends {end}: undo that ({undo}) before a plan change"),
        None => format!("ends {end}: no plan change before then"),
    })
}

/// What `change` would charge, as the provider (or till, labelled local) prices it.
pub async fn preview(p: &dyn BillingProvider, subscription_id: &str, change: &PlanChange) -> Result<Estimate> {
    Ok(p.preview_change(subscription_id, change).await?)
}

/// Reads the subscription and previews the change `plan` describes (the CLI's path), with the
/// entitlement differences from the catalog and the customer's usage over the new limits.
pub async fn preview_change(
    p: &dyn BillingProvider,
    subscription_id: &str,
    plan: &str,
    period: Option<ChargePeriod>,
    timing: ChangeTiming,
) -> Result<ChangePreview> {
    let subscription = p.get_subscription(subscription_id).await?;
    let undo = format!("`till subscriptions uncancel {subscription_id}`");
    let undo = p.capabilities().uncancel.then_some(undo.as_str());
    if let Some(refusal) = scheduled_end_refusal(&subscription, undo) {
        return Err(OpsError::new(ErrorKind::Rejected, format!("this subscription {refusal}")));
    }
    if let Some(refusal) = one_time_refusal(&subscription) {
        return Err(OpsError::new(ErrorKind::Rejected, format!("this is a {refusal}")));
    }
    let catalog = p.list_plans().await.unwrap_or_default();
    let change = change_in(&catalog, &subscription, plan, period, timing)?;
    let estimate = preview(p, subscription_id, &change).await?;
    let features = |id: Option<&String>| {
        catalog.iter().find(|c| Some(&c.id) == id).map(|c| c.features.clone()).unwrap_or_default()
    };
    // The subscription's own grants (seats bought) when the provider reports them.
    let old = if subscription.features.is_empty() {
        features(subscription.plan_id.as_ref())
    } else {
        subscription.features.clone()
    };
    let new = features(Some(&change.plan_id));
    // Usage is advice for the operator: a provider that cannot say leaves it out, not the preview.
    let current = p.entitlements(&subscription.customer_id).await.unwrap_or_default();
    Ok(ChangePreview {
        entitlement_changes: diff::entitlement_diff(&old, &new),
        usage_warnings: diff::usage_warnings(&current, &old, &new),
        subscription,
        change,
        estimate,
    })
}

/// Applies a previewed change, journaled, after checking nothing moved since the preview.
pub async fn apply_change(
    p: &dyn BillingProvider,
    recorder: &Recorder,
    previewed: &Subscription,
    change: &PlanChange,
) -> Result<Subscription> {
    let undo = p.capabilities().uncancel.then_some("undo the scheduled cancellation");
    if let Some(refusal) = scheduled_end_refusal(previewed, undo) {
        return Err(OpsError::new(ErrorKind::Rejected, format!("not changed: this subscription {refusal}")));
    }
    ensure_unchanged(p, previewed).await?;
    let act = act(p, "subscription.change", previewed, json!({"subscription": previewed, "change": change}));
    journaled(recorder, act, p.change_plan(&previewed.id, change)).await
}

/// Cancels as previewed, journaled, after checking nothing moved since the preview.
pub async fn cancel(
    p: &dyn BillingProvider,
    recorder: &Recorder,
    previewed: &Subscription,
    cancellation: &Cancellation,
) -> Result<Subscription> {
    if let Some(refusal) = period_end_refusal(previewed, cancellation.timing) {
        return Err(OpsError::usage(refusal));
    }
    ensure_unchanged(p, previewed).await?;
    let before = json!({"subscription": previewed, "cancellation": cancellation});
    journaled(
        recorder,
        act(p, "subscription.cancel", previewed, before),
        p.cancel_subscription(&previewed.id, cancellation),
    )
    .await
}

/// Removes a scheduled cancellation, journaled, after checking nothing moved since the preview.
pub async fn uncancel(p: &dyn BillingProvider, recorder: &Recorder, previewed: &Subscription) -> Result<Subscription> {
    ensure_unchanged(p, previewed).await?;
    let before = json!({"subscription": previewed});
    journaled(recorder, act(p, "subscription.uncancel", previewed, before), p.uncancel_subscription(&previewed.id))
        .await
}

/// Calls off a previewed scheduled plan change, journaled, after checking nothing moved.
pub async fn cancel_scheduled_change(
    p: &dyn BillingProvider,
    recorder: &Recorder,
    previewed: &Subscription,
) -> Result<Subscription> {
    if previewed.pending_change.is_none() {
        return Err(OpsError::new(
            ErrorKind::Rejected,
            format!("subscription {} has no scheduled change", previewed.id),
        ));
    }
    ensure_unchanged(p, previewed).await?;
    let before = json!({"subscription": previewed});
    let act = act(p, "subscription.cancel_scheduled_change", previewed, before);
    journaled(recorder, act, p.cancel_scheduled_change(&previewed.id)).await
}

/// Undoes what is scheduled: a cancellation first (it would end the subscription before any
/// change), else a plan change. The console's `U`.
pub async fn undo_scheduled(
    p: &dyn BillingProvider,
    recorder: &Recorder,
    previewed: &Subscription,
) -> Result<Subscription> {
    if previewed.cancel_scheduled() {
        uncancel(p, recorder, previewed).await
    } else {
        cancel_scheduled_change(p, recorder, previewed).await
    }
}

fn act(p: &dyn BillingProvider, action: &'static str, s: &Subscription, before: serde_json::Value) -> Act {
    Act { provider: p.kind(), action, customer: Some(s.customer_id.clone()), target: Some(s.id.clone()), before }
}

/// A cancel on a date past the current period's end still renews first: the charge the
/// preview must name ("Lost then" alone read as if nothing more would be billed).
pub fn renewal_before_end(s: &Subscription, end: NaiveDate) -> Option<String> {
    let renews = s.current_period_end?.date_naive();
    let amount = s.amount?;
    (s.period != ChargePeriod::OneTime && renews < end && !s.cancel_scheduled())
        .then(|| format!("Renews before it ends: {amount} on {renews}, and at each renewal up to {end}"))
}

/// Cancel timing from its user-facing names; a date must be today or later.
pub fn cancel_timing(timing: &str, date: Option<NaiveDate>, today: NaiveDate) -> Result<CancelTiming> {
    match (timing.trim(), date) {
        ("immediately" | "now", _) => Ok(CancelTiming::Immediately),
        ("at-period-end" | "period-end", _) => Ok(CancelTiming::AtPeriodEnd),
        ("on-date", Some(d)) if d >= today => Ok(CancelTiming::OnDate(d)),
        ("on-date", Some(d)) => Err(OpsError::usage(format!("--date {d} is in the past (today is {today})"))),
        ("on-date", None) => Err(OpsError::usage("--timing on-date needs --date YYYY-MM-DD")),
        (other, _) => {
            Err(OpsError::usage(format!("--timing {other:?} is not one of immediately, at-period-end, on-date")))
        }
    }
}

/// The day access would end under `timing`, as the provider will record it (the date the
/// applied cancellation then shows as the subscription's end). Zenskar's `expiry_date` is the
/// contract's inclusive last day (it runs until 23:59:59 that day), so a period-end cancel
/// there ends on the day before the period's exclusive end; elsewhere the end is the period
/// end itself.
pub fn cancel_end(s: &Subscription, timing: CancelTiming, today: NaiveDate) -> Option<NaiveDate> {
    match timing {
        CancelTiming::Immediately => Some(today),
        CancelTiming::AtPeriodEnd => {
            let end = s.current_period_end.map(|d| d.date_naive())?;
            Some(match s.provider {
                ProviderKind::Zenskar => crate::providers::zenskar::expiry_for_period_end(end),
                _ => end,
            })
        }
        CancelTiming::OnDate(d) => Some(d),
    }
}

/// Refuses when the subscription now differs from `previewed` in what the preview priced.
async fn ensure_unchanged(p: &dyn BillingProvider, previewed: &Subscription) -> Result<()> {
    let now = p.get_subscription(&previewed.id).await?;
    match differences(previewed, &now).first() {
        None => Ok(()),
        Some(what) => Err(OpsError::new(ErrorKind::Rejected, format!("{STALE_PREVIEW} ({what})"))),
    }
}

/// What a preview depends on and a concurrent write changes: plan, status, period (charge
/// period and current term) and a pending change (a scheduled end or cancellation).
pub fn differences(previewed: &Subscription, now: &Subscription) -> Vec<String> {
    let show = |v: Option<String>| v.unwrap_or_else(|| "none".into());
    let mut out = Vec::new();
    let mut compare = |what: &str, a: Option<String>, b: Option<String>| {
        if a != b {
            out.push(format!("{what}: {} → {}", show(a), show(b)));
        }
    };
    compare("plan", previewed.plan_id.clone(), now.plan_id.clone());
    compare("status", Some(previewed.status.label().into()), Some(now.status.label().into()));
    compare("period", Some(previewed.period.label()), Some(now.period.label()));
    let day = |d: Option<chrono::DateTime<chrono::Utc>>| d.map(|d| d.to_rfc3339());
    compare("period start", day(previewed.current_period_start), day(now.current_period_start));
    compare("period end", day(previewed.current_period_end), day(now.current_period_end));
    compare("ends on", previewed.ends_on.map(|d| d.to_string()), now.ends_on.map(|d| d.to_string()));
    compare("canceled at", day(previewed.canceled_at), day(now.canceled_at));
    // The date only: Flowglad names the scheduled plan in its billing view but not in a single
    // subscription read, and an unnamed plan is not a change.
    let pending = |s: &Subscription| s.pending_change.as_ref().map(|p| p.on.map_or("a date".into(), |d| d.to_string()));
    compare("scheduled change", pending(previewed), pending(now));
    out
}

#[cfg(test)]
#[path = "subscriptions_tests.rs"]
mod tests;
