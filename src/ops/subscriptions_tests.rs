//! Preview, re-check and apply against the embedded sandbox over real HTTP.

use std::sync::Arc;

use chrono::Utc;

use super::*;
use crate::audit::{Journal, Recorder};
use crate::billing::{ProviderKind, SubscriptionStatus};
use crate::providers::log::RequestLog;
use crate::providers::{self, Http, HttpConfig, PageRequest};
use crate::sandbox::{self, SandboxHandle, SandboxOptions};

async fn connect(kind: ProviderKind) -> (SandboxHandle, Arc<dyn BillingProvider>) {
    let sandbox = sandbox::start(SandboxOptions::default()).await.unwrap();
    let http = Http::new(HttpConfig::default()).unwrap();
    let client = providers::connect(kind, sandbox.endpoint(kind), http).unwrap();
    (sandbox, client)
}

fn recorder(dir: &std::path::Path) -> Recorder {
    Recorder {
        journal: Some(Journal::at(dir.join("audit.jsonl"))),
        profile: "test".into(),
        mode: "sandbox".into(),
        log: RequestLog::new(10),
    }
}

/// A preview of a change of an active subscription (no end scheduled) to a plan of the same
/// period and currency, for the first one the provider can price.
async fn previewed(p: &dyn BillingProvider) -> (ChangePreview, String) {
    let plans = p.list_plans().await.unwrap();
    let customers = p.list_customers(&PageRequest::first(100)).await.unwrap().items;
    for c in customers {
        for s in p.list_subscriptions(&c.id).await.unwrap() {
            if s.status != SubscriptionStatus::Active || s.ends_on.is_some() {
                continue;
            }
            let currency = s.amount.map(|a| a.currency());
            let fits = |plan: &&crate::billing::Plan| {
                Some(&plan.id) != s.plan_id.as_ref()
                    && plan.prices.iter().any(|pr| pr.period == s.period && Some(pr.amount.currency()) == currency)
            };
            for plan in plans.iter().filter(fits) {
                if let Ok(preview) = preview_change(p, &s.id, &plan.id, None, ChangeTiming::Immediately).await {
                    return (preview, plan.id.clone());
                }
            }
        }
    }
    panic!("no subscription in the sandbox can be changed")
}

#[tokio::test]
async fn a_change_made_by_someone_else_after_the_preview_is_refused_and_not_journaled() {
    let (_sb, p) = connect(ProviderKind::Flowglad).await;
    let dir = tempfile::tempdir().unwrap();
    let rec = recorder(dir.path());
    let (preview, _) = previewed(p.as_ref()).await;
    let sub = preview.subscription.clone();
    // Another operator schedules a cancellation between preview and apply.
    let other = Cancellation { timing: CancelTiming::AtPeriodEnd, comment: None };
    p.cancel_subscription(&sub.id, &other).await.unwrap();
    let err = apply_change(p.as_ref(), &rec, &preview.subscription, &preview.change).await.unwrap_err();
    assert_eq!(err.kind, ErrorKind::Rejected);
    assert!(err.message.contains(STALE_PREVIEW) && err.message.contains("ends on"), "{err}");
    assert!(Journal::at(dir.path().join("audit.jsonl")).read().unwrap().0.is_empty(), "nothing was sent");
    let err = uncancel(p.as_ref(), &rec, &preview.subscription).await.unwrap_err();
    assert!(err.message.contains(STALE_PREVIEW), "{err}");
}

#[tokio::test]
async fn an_unchanged_subscription_is_changed_and_journaled() {
    let (_sb, p) = connect(ProviderKind::Zenskar).await;
    let dir = tempfile::tempdir().unwrap();
    let rec = recorder(dir.path());
    let (preview, plan) = previewed(p.as_ref()).await;
    let after = apply_change(p.as_ref(), &rec, &preview.subscription, &preview.change).await.unwrap();
    assert_eq!(after.plan_id.as_deref(), Some(plan.as_str()));
    let actions = Journal::at(dir.path().join("audit.jsonl")).actions(None).unwrap();
    assert_eq!(actions.len(), 1);
    assert_eq!(actions[0].action, "subscription.change");
    // The same preview applied twice is stale the second time: the plan moved.
    let err = apply_change(p.as_ref(), &rec, &preview.subscription, &preview.change).await.unwrap_err();
    assert!(err.message.contains("plan:"), "{err}");
}

#[tokio::test]
async fn a_refused_write_is_journaled_with_its_error() {
    let (_sb, p) = connect(ProviderKind::Zenskar).await;
    let dir = tempfile::tempdir().unwrap();
    let rec = recorder(dir.path());
    let (preview, _) = previewed(p.as_ref()).await;
    let theirs = preview.subscription.amount.map(|a| a.currency());
    // A plan in another currency: Zenskar refuses to amend the contract to it.
    let plans = p.list_plans().await.unwrap();
    let foreign = plans.iter().find(|plan| plan.prices.iter().all(|pr| Some(pr.amount.currency()) != theirs)).unwrap();
    let change = PlanChange { plan_id: foreign.id.clone(), ..preview.change.clone() };
    let err = apply_change(p.as_ref(), &rec, &preview.subscription, &change).await.unwrap_err();
    assert_eq!(err.kind, ErrorKind::Rejected, "{err}");
    let actions = Journal::at(dir.path().join("audit.jsonl")).actions(None).unwrap();
    assert_eq!(actions.len(), 1);
    assert_eq!(actions[0].outcome, crate::audit::Outcome::Failed);
    assert!(actions[0].error.as_deref().unwrap().contains("currency"), "{:?}", actions[0].error);
}

#[test]
fn a_past_cancel_date_is_a_usage_error() {
    let today = Utc::now().date_naive();
    let past = today.pred_opt().unwrap();
    let err = cancel_timing("on-date", Some(past), today).unwrap_err();
    assert_eq!(err.kind, ErrorKind::Usage);
    assert!(err.message.contains("in the past"));
    assert_eq!(cancel_timing("on-date", Some(today), today).unwrap(), CancelTiming::OnDate(today));
    assert_eq!(cancel_timing("on-date", None, today).unwrap_err().kind, ErrorKind::Usage);
    assert_eq!(cancel_timing("later", None, today).unwrap_err().kind, ErrorKind::Usage);
}
