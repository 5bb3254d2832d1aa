//! Headless plan changes, cancellations and the audit journal. Without `--yes` a write only
//! prints its preview; with it, the write is journaled like the console's.

use chrono::Utc;
use serde_json::json;

use super::common::{Connection, ExitCode, Failure, emit, failure};
use super::{CheckoutCmd, Command, CustomersCmd, SubscriptionsCmd};
use crate::audit::{self, Journal};
use crate::billing::Cancellation;
use crate::ops;

/// Whether a command would change anything at a provider (refused under --read-only).
pub fn is_write(command: &Command) -> bool {
    match command {
        Command::Customers(CustomersCmd::Create { .. } | CustomersCmd::Update { .. }) => true,
        Command::Checkout(CheckoutCmd::Create(args)) => !args.dry_run,
        Command::Subscriptions(
            SubscriptionsCmd::Change { yes, .. }
            | SubscriptionsCmd::Cancel { yes, .. }
            | SubscriptionsCmd::Uncancel { yes, .. }
            | SubscriptionsCmd::CancelChange { yes, .. },
        ) => *yes,
        Command::Payments(super::payments::PaymentsCmd::Refund(args)) => args.yes,
        Command::Usage(super::payments::UsageCmd::Report { yes, .. }) => *yes,
        _ => false,
    }
}

pub async fn run(conn: &Connection, cmd: SubscriptionsCmd, json: bool) -> Result<(), Failure> {
    match cmd {
        SubscriptionsCmd::Change { id, plan, period, timing, yes, .. } => {
            change(conn, &id, plan, period, timing, yes, json).await
        }
        SubscriptionsCmd::Cancel { id, timing, date, yes } => cancel(conn, &id, &timing, date, yes, json).await,
        SubscriptionsCmd::Uncancel { id, yes } => uncancel(conn, &id, yes, json).await,
        SubscriptionsCmd::CancelChange { id, yes } => cancel_change(conn, &id, yes, json).await,
        SubscriptionsCmd::List { .. } | SubscriptionsCmd::Get { .. } => Ok(()),
    }
}

async fn change(
    conn: &Connection,
    id: &str,
    plan: String,
    period: Option<crate::billing::ChargePeriod>,
    timing: crate::billing::ChangeTiming,
    yes: bool,
    json: bool,
) -> Result<(), Failure> {
    let p = conn.provider.as_ref();
    let preview = ops::subscriptions::preview_change(p, id, &plan, period, timing).await?;
    let text = change_text(&preview);
    if !yes {
        return emit(
            json,
            &json!({"preview": preview.estimate, "entitlement_changes": preview.entitlement_changes,
            "usage_warnings": preview.usage_warnings, "applied": false}),
            || format!("{text}(preview only: add --yes to apply)\n"),
        );
    }
    let after =
        ops::subscriptions::apply_change(p, &super::common::recorder(conn), &preview.subscription, &preview.change)
            .await?;
    emit(
        json,
        &json!({"preview": preview.estimate, "entitlement_changes": preview.entitlement_changes,
        "usage_warnings": preview.usage_warnings, "applied": true, "subscription": after}),
        || format!("{text}changed: {id} is now {} ({})\n", after.plan_name.as_deref().unwrap_or("?"), after.id),
    )
}

/// The estimate, then the entitlement differences and the usage warnings, as the console's
/// preview states them.
fn change_text(preview: &ops::subscriptions::ChangePreview) -> String {
    let mut text = super::checkout::estimate_text(&preview.estimate);
    for (title, lines) in
        [("entitlements", &preview.entitlement_changes), ("usage over the new limits", &preview.usage_warnings)]
    {
        if !lines.is_empty() {
            text.push_str(&format!("{title}:\n"));
            lines.iter().for_each(|l| text.push_str(&format!("  {l}\n")));
        }
    }
    text
}

async fn cancel(
    conn: &Connection,
    id: &str,
    timing: &str,
    date: Option<chrono::NaiveDate>,
    yes: bool,
    json: bool,
) -> Result<(), Failure> {
    let p = conn.provider.as_ref();
    let today = Utc::now().date_naive();
    let timing = ops::subscriptions::cancel_timing(timing, date, today)?;
    // Refused before the preview, as applying it would be: a preview must not promise an end
    // date the provider cannot set.
    if matches!(timing, crate::billing::CancelTiming::OnDate(_)) && !p.capabilities().cancel_on_date {
        return Err(crate::providers::ProviderError::unsupported(p.kind(), "cancelling on a chosen date").into());
    }
    let before = p.get_subscription(id).await?;
    if let Some(refusal) = ops::subscriptions::period_end_refusal(&before, timing) {
        return Err(ops::OpsError::usage(format!("{id}: {refusal}")).into());
    }
    let end = ops::subscriptions::cancel_end(&before, timing, today);
    if !yes {
        let ends = end.map(|d| d.to_string()).unwrap_or_default();
        let renewal = end
            .and_then(|e| ops::subscriptions::renewal_before_end(&before, e))
            .map(|r| format!("{r}\n"))
            .unwrap_or_default();
        let text = format!(
            "{id} ({}) would end {ends}\n{renewal}(preview only: add --yes to apply)\n",
            before.plan_name.as_deref().unwrap_or("?")
        );
        return emit(json, &json!({"subscription": before, "ends_on": end, "applied": false}), || text);
    }
    let cancellation = Cancellation { timing, comment: None };
    let after = ops::subscriptions::cancel(p, &super::common::recorder(conn), &before, &cancellation).await?;
    emit(json, &json!({"applied": true, "subscription": after}), || {
        format!(
            "canceled: {id} is {}{}\n",
            after.status.label(),
            after.ends_on.map(|d| format!(", ends {d}")).unwrap_or_default()
        )
    })
}

async fn uncancel(conn: &Connection, id: &str, yes: bool, json: bool) -> Result<(), Failure> {
    let p = conn.provider.as_ref();
    let before = p.get_subscription(id).await?;
    if !yes {
        let ends = before.ends_on.map_or_else(|| "(no end is scheduled)".into(), |d| d.to_string());
        let text = format!("{id} would renew as before instead of ending {ends}\n(preview only: add --yes to apply)\n");
        return emit(json, &json!({"subscription": before, "applied": false}), || text);
    }
    let after = ops::subscriptions::uncancel(p, &super::common::recorder(conn), &before).await?;
    emit(json, &json!({"applied": true, "subscription": after}), || {
        format!("uncanceled: {id} renews ({})\n", after.status.label())
    })
}

async fn cancel_change(conn: &Connection, id: &str, yes: bool, json: bool) -> Result<(), Failure> {
    let p = conn.provider.as_ref();
    if !p.capabilities().cancel_scheduled_change {
        let what = format!("cancelling a scheduled plan change is not offered by {}", p.kind());
        return Err(failure(ExitCode::for_kind(ops::ErrorKind::Unavailable), what));
    }
    let before = p.get_subscription(id).await?;
    let Some(pending) = before.pending_change.as_ref().map(crate::billing::PendingChange::phrase) else {
        return Err(failure(ExitCode::Validation, format!("{id} has no scheduled plan change")));
    };
    if !yes {
        let text = format!("{id} would stay on its plan instead of {pending}\n(preview only: add --yes to apply)\n");
        return emit(json, &json!({"subscription": before, "applied": false}), || text);
    }
    let after = ops::subscriptions::cancel_scheduled_change(p, &super::common::recorder(conn), &before).await?;
    emit(json, &json!({"applied": true, "subscription": after}), || {
        format!("called off: {id} stays on {}\n", after.plan_name.as_deref().unwrap_or("its plan"))
    })
}

fn journal() -> Result<Journal, Failure> {
    let path = audit::default_path()
        .ok_or_else(|| failure(ExitCode::Failure, "no data directory for the journal (set TILL_DATA_DIR)"))?;
    Ok(Journal::at(path))
}

/// Whether the journal holds `kind` actions filed under what looks like that provider's own
/// customer id (Flowglad's are `cus_…`) other than `customer`: only then is it worth asking the
/// provider for `customer`'s own id.
pub fn journal_files_elsewhere(kind: crate::billing::ProviderKind, customer: &str) -> bool {
    let Ok(Ok(read)) = journal().map(|j| j.summaries(None)) else { return false };
    read.entries
        .iter()
        .any(|e| e.provider == kind && e.customer.as_deref().is_some_and(|c| c != customer && c.starts_with("cus_")))
}

/// `till audit`: the journal's actions, for one customer (also its Flowglad actions filed under
/// `also`, Flowglad's own id for them) and (with `--provider`) one provider, in journal order.
pub fn audit(
    customer: Option<&str>,
    also: Option<&str>,
    provider: Option<crate::billing::ProviderKind>,
    json: bool,
) -> Result<(), Failure> {
    let journal = journal()?;
    // With a second id, one pass over every action keeps the journal's order for both.
    let who = if also.is_some() { None } else { customer };
    let read = if json { journal.read_actions(who) } else { journal.summaries(who) };
    let mut read = read.map_err(|e| failure(ExitCode::Failure, e))?;
    if let Some(also) = also {
        let flowglad = crate::billing::ProviderKind::Flowglad;
        read.entries.retain(|e| {
            let c = e.customer.as_deref();
            c == customer || (e.provider == flowglad && c == Some(also))
        });
    }
    if !read.skipped.is_empty() {
        eprintln!("till: warning: {}", read.skipped);
    }
    let mut entries = read.entries;
    entries.retain(|e| provider.is_none_or(|p| e.provider == p));
    emit(json, &entries, || {
        let rows: Vec<Vec<String>> = entries
            .iter()
            .map(|e| {
                vec![
                    e.time.format("%Y-%m-%d %H:%M:%S").to_string(),
                    e.provider.to_string(),
                    e.action.clone(),
                    e.customer.clone().unwrap_or_default(),
                    e.target.clone().unwrap_or_default(),
                    format!("{:?}", e.outcome).to_lowercase(),
                    e.error.clone().unwrap_or_else(|| e.request_ids.join(",")),
                ]
            })
            .collect();
        super::table::render(&["TIME", "PROVIDER", "ACTION", "CUSTOMER", "TARGET", "OUTCOME", "DETAIL"], &rows)
    })
}
