//! Flowglad plan changes and cancellations as the console drives them: what `preview-adjust`
//! says is what `adjust` bills, for upgrades and downgrades at every timing Flowglad offers,
//! and the entitlements follow the plan's catalog features.

#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a panic is the failure report

use std::sync::Arc;

use chrono::{NaiveDate, Utc};
use till::billing::{
    CancelTiming, Cancellation, ChangeTiming, ChargePeriod, Entitlement, EntitlementKind, Estimate, Money, Plan,
    PlanChange, ProviderKind, SubscriptionStatus,
};
use till::providers::{self, BillingProvider, ErrorKind, Http, HttpConfig};
use till::sandbox::{self, SandboxHandle, SandboxOptions, keys};

async fn setup() -> (SandboxHandle, Arc<dyn BillingProvider>) {
    let sandbox = sandbox::start(SandboxOptions::default()).await.unwrap();
    let http = Http::new(HttpConfig::default()).unwrap();
    let client = providers::connect(ProviderKind::Flowglad, sandbox.endpoint(ProviderKind::Flowglad), http).unwrap();
    (sandbox, client)
}

fn monthly(plan: &str, timing: ChangeTiming) -> PlanChange {
    PlanChange { plan_id: plan.into(), period: ChargePeriod::Monthly, price_id: None, timing, features: vec![] }
}

fn charges(sb: &SandboxHandle) -> Vec<(String, Money)> {
    sb.state().flowglad.lock().unwrap().change_charges()
}

fn upcoming(sb: &SandboxHandle, subscription: &str) -> Option<(NaiveDate, Money)> {
    sb.state().flowglad.lock().unwrap().upcoming_invoice(subscription, Utc::now().timestamp_millis())
}

fn next_invoice(preview: &Estimate) -> (NaiveDate, Money) {
    let next = preview.next_invoice.as_ref().expect("a next invoice");
    (next.date.expect("a next invoice date"), next.total)
}

async fn plan(flowglad: &dyn BillingProvider, id: &str) -> Plan {
    flowglad.list_plans().await.unwrap().into_iter().find(|p| p.id == id).unwrap()
}

/// Every feature the plan lists is granted at the plan's limit or value, and no toggle the
/// plan does not list is on (each customer used here has this one subscription).
fn assert_grants(plan: &Plan, ents: &[Entitlement]) {
    assert!(!plan.features.is_empty(), "{} lists its features", plan.id);
    for f in &plan.features {
        let e = ents.iter().find(|e| e.feature_id == f.feature_id);
        let e = e.unwrap_or_else(|| panic!("{}: no entitlement {} in {ents:?}", plan.id, f.feature_id));
        assert!(e.has_access || matches!(f.kind, EntitlementKind::Meter { .. }), "{} grants {e:?}", plan.id);
        match (&f.kind, &e.kind) {
            (EntitlementKind::Boolean, EntitlementKind::Boolean) => {}
            (EntitlementKind::Meter { limit, .. }, EntitlementKind::Meter { limit: got, .. }) => {
                assert_eq!(got, limit, "{} limit of {}", plan.id, f.feature_id)
            }
            (EntitlementKind::Customizable { value }, EntitlementKind::Customizable { value: got }) => {
                assert_eq!(got, value, "{} value of {}", plan.id, f.feature_id)
            }
            (want, got) => panic!("{}: {} should be {want:?}, is {got:?}", plan.id, f.feature_id),
        }
    }
    for e in ents.iter().filter(|e| e.has_access && e.kind == EntitlementKind::Boolean) {
        assert!(plan.features.iter().any(|f| f.feature_id == e.feature_id), "{} does not grant {e:?}", plan.id);
    }
}

#[tokio::test]
async fn change_timings_are_the_three_adjust_offers() {
    let (_sb, flowglad) = setup().await;
    let timings = flowglad.change_timings();
    assert_eq!(timings, vec![ChangeTiming::Immediately, ChangeTiming::AtPeriodEnd, ChangeTiming::Auto]);
}

#[tokio::test]
async fn an_immediate_upgrade_charges_exactly_the_previewed_proration() {
    let (sb, flowglad) = setup().await;
    let starter = flowglad.list_subscriptions("user_nguyen_bakes").await.unwrap().remove(0);
    assert_eq!(starter.plan_id.as_deref(), Some("starter"));
    let change = monthly("pro", ChangeTiming::Immediately);
    let preview = flowglad.preview_change(&starter.id, &change).await.unwrap();
    assert!(!preview.current_invoice.total.is_zero() && !preview.current_invoice.total.is_negative());
    assert!(charges(&sb).is_empty());

    let changed = flowglad.change_plan(&starter.id, &change).await.unwrap();
    assert_eq!(charges(&sb), vec![(starter.id.clone(), preview.current_invoice.total)], "charged as previewed");
    assert_eq!((changed.plan_id.as_deref(), changed.amount.unwrap().to_string()), (Some("pro"), "$39.00".into()));
    assert_eq!(upcoming(&sb, &starter.id), Some(next_invoice(&preview)), "next invoice as previewed");
    assert_eq!(preview.effective_date, Some(Utc::now().date_naive()));
    let ents = flowglad.entitlements("user_nguyen_bakes").await.unwrap();
    assert_grants(&plan(flowglad.as_ref(), "pro").await, &ents);
}

#[tokio::test]
async fn an_immediate_downgrade_charges_nothing_as_previewed_and_takes_features_away() {
    let (sb, flowglad) = setup().await;
    let pro = flowglad.list_subscriptions("user_rivera_roofing").await.unwrap().remove(0);
    let change = monthly("starter", ChangeTiming::Immediately);
    let preview = flowglad.preview_change(&pro.id, &change).await.unwrap();
    assert!(preview.current_invoice.total.is_zero(), "Flowglad never credits a downgrade");

    let changed = flowglad.change_plan(&pro.id, &change).await.unwrap();
    assert_eq!(charges(&sb), vec![(pro.id.clone(), preview.current_invoice.total)]);
    assert_eq!((changed.plan_id.as_deref(), changed.amount.unwrap().to_string()), (Some("starter"), "$12.00".into()));
    assert_eq!(upcoming(&sb, &pro.id), Some(next_invoice(&preview)));
    let ents = flowglad.entitlements("user_rivera_roofing").await.unwrap();
    assert!(ents.iter().any(|e| e.feature_id == "custom-domain" && !e.has_access), "Starter has no custom domain");
    assert_grants(&plan(flowglad.as_ref(), "starter").await, &ents);
}

#[tokio::test]
async fn a_downgrade_at_period_end_bills_nothing_now_and_the_new_plan_next() {
    let (sb, flowglad) = setup().await;
    let pro = flowglad.list_subscriptions("user_patterson_pets").await.unwrap().remove(0);
    let change = monthly("starter", ChangeTiming::AtPeriodEnd);
    let preview = flowglad.preview_change(&pro.id, &change).await.unwrap();
    let period_end = pro.current_period_end.map(|d| d.date_naive());
    assert!(preview.current_invoice.total.is_zero());
    assert_eq!(preview.effective_date, period_end);
    assert_eq!(next_invoice(&preview).1.to_string(), "$12.00");

    let changed = flowglad.change_plan(&pro.id, &change).await.unwrap();
    assert!(charges(&sb).is_empty(), "nothing billed now");
    assert_eq!(upcoming(&sb, &pro.id), Some(next_invoice(&preview)), "the period end bills Starter");
    assert_eq!((changed.plan_id.as_deref(), changed.amount.unwrap().to_string()), (Some("pro"), "$39.00".into()));
    let ents = flowglad.entitlements("user_patterson_pets").await.unwrap();
    assert_grants(&plan(flowglad.as_ref(), "pro").await, &ents);

    // With the downgrade scheduled, Flowglad refuses any further adjustment until it is
    // cancelled (cancel-scheduled-adjustment), so a second change cannot silently replace it.
    let up_later = monthly("business", ChangeTiming::AtPeriodEnd);
    let err = flowglad.preview_change(&pro.id, &up_later).await.unwrap_err();
    assert!(err.message.contains("scheduled adjustment is already pending"), "{err}");
    let err = flowglad.change_plan(&pro.id, &up_later).await.unwrap_err();
    assert_eq!((err.status, err.code.as_deref()), (Some(400), Some("BAD_REQUEST")));
    assert!(charges(&sb).is_empty());
}

#[tokio::test]
async fn auto_upgrades_now_and_downgrades_at_period_end_as_previewed() {
    let (sb, flowglad) = setup().await;
    let starter = flowglad.list_subscriptions("user_lagoslabs").await.unwrap().remove(0);
    let up = monthly("business", ChangeTiming::Auto);
    let preview = flowglad.preview_change(&starter.id, &up).await.unwrap();
    assert_eq!(preview.effective_date, Some(Utc::now().date_naive()), "auto upgrades now");
    let changed = flowglad.change_plan(&starter.id, &up).await.unwrap();
    assert_eq!(charges(&sb), vec![(starter.id.clone(), preview.current_invoice.total)]);
    assert_eq!(changed.plan_id.as_deref(), Some("business"));
    assert_eq!(upcoming(&sb, &starter.id), Some(next_invoice(&preview)));
    assert_grants(&plan(flowglad.as_ref(), "business").await, &flowglad.entitlements("user_lagoslabs").await.unwrap());

    let pro = flowglad.list_subscriptions("user_patterson_pets").await.unwrap().remove(0);
    let down = monthly("starter", ChangeTiming::Auto);
    let preview = flowglad.preview_change(&pro.id, &down).await.unwrap();
    assert_eq!(preview.effective_date, pro.current_period_end.map(|d| d.date_naive()), "auto downgrades later");
    let changed = flowglad.change_plan(&pro.id, &down).await.unwrap();
    assert_eq!(charges(&sb).len(), 1, "the downgrade billed nothing now");
    assert_eq!(changed.plan_id.as_deref(), Some("pro"));
    assert_eq!(upcoming(&sb, &pro.id), Some(next_invoice(&preview)));
}

#[tokio::test]
async fn plans_list_their_features_with_limits_for_the_entitlement_difference() {
    let (_sb, flowglad) = setup().await;
    let (starter, pro) = (plan(flowglad.as_ref(), "starter").await, plan(flowglad.as_ref(), "pro").await);
    let kind = |p: &Plan, id: &str| p.features.iter().find(|f| f.feature_id == id).map(|f| f.kind.clone());
    let meter =
        |limit| Some(EntitlementKind::Meter { limit: Some(limit), used: 0, remaining: Some(limit), hard_limit: false });
    assert_eq!(kind(&starter, "ai-credits"), meter(500));
    assert_eq!(kind(&pro, "ai-credits"), meter(5_000), "credits raised");
    assert_eq!(kind(&starter, "editor-seats"), Some(EntitlementKind::Customizable { value: "3".into() }));
    assert_eq!(kind(&pro, "editor-seats"), Some(EntitlementKind::Customizable { value: "10".into() }));
    assert_eq!((kind(&starter, "custom-domain"), kind(&pro, "custom-domain")), (None, Some(EntitlementKind::Boolean)));
    assert_eq!(kind(&pro, "sso"), None, "Pro has no SSO");
    assert_eq!(pro.features.iter().find(|f| f.feature_id == "ai-credits").unwrap().name.as_deref(), Some("AI credits"));
}

#[tokio::test]
async fn cancel_and_uncancel_at_each_timing_and_refuse_repeats() {
    let (sb, flowglad) = setup().await;
    let caps = flowglad.capabilities();
    assert!(caps.cancel_at_period_end && caps.uncancel && !caps.cancel_on_date);
    let sub = flowglad.list_subscriptions("user_rivera_roofing").await.unwrap().remove(0);
    let at_end = Cancellation { timing: CancelTiming::AtPeriodEnd, comment: None };
    let scheduled = flowglad.cancel_subscription(&sub.id, &at_end).await.unwrap();
    assert_eq!(
        (scheduled.status, scheduled.raw_status.as_str()),
        (SubscriptionStatus::Active, "cancellation_scheduled")
    );
    assert_eq!(scheduled.ends_on, sub.current_period_end.map(|d| d.date_naive()));
    assert!(upcoming(&sb, &sub.id).is_none(), "no renewal once set to end");
    let twice = flowglad.cancel_subscription(&sub.id, &at_end).await.unwrap_err();
    assert_eq!(twice.kind, ErrorKind::Invalid, "{twice}");
    assert!(twice.message.contains("already set to end"), "{twice}");

    let back = flowglad.uncancel_subscription(&sub.id).await.unwrap();
    assert_eq!((back.status, back.ends_on), (SubscriptionStatus::Active, None));
    let nothing = flowglad.uncancel_subscription(&sub.id).await.unwrap_err();
    assert_eq!(nothing.kind, ErrorKind::Invalid, "{nothing}");

    let now = Cancellation { timing: CancelTiming::Immediately, comment: None };
    let gone = flowglad.cancel_subscription(&sub.id, &now).await.unwrap();
    assert_eq!((gone.status, gone.ends_on), (SubscriptionStatus::Canceled, Some(Utc::now().date_naive())));
    assert!(flowglad.entitlements("user_rivera_roofing").await.unwrap().iter().all(|e| !e.has_access));
    assert_eq!(flowglad.cancel_subscription(&sub.id, &now).await.unwrap_err().kind, ErrorKind::Invalid);
    assert_eq!(flowglad.uncancel_subscription(&sub.id).await.unwrap_err().kind, ErrorKind::Invalid);

    // On the wire Flowglad answers a repeat with the subscription unchanged, not an error.
    let url = format!("{}flowglad/api/v1/subscriptions/{}/cancel", sb.base_url(), sub.id);
    let body = serde_json::json!({"cancellation": {"timing": "immediately"}});
    let resp =
        reqwest::Client::new().post(url).header("authorization", keys::FLOWGLAD).json(&body).send().await.unwrap();
    assert_eq!(resp.status(), 200);
    let json: serde_json::Value = resp.json().await.unwrap();
    assert_eq!(json["subscription"]["status"], "canceled");

    let free = flowglad.list_subscriptions("user_norgaard_mobler").await.unwrap().remove(0);
    let err = flowglad.cancel_subscription(&free.id, &now).await.unwrap_err();
    assert_eq!((err.status, err.code.as_deref()), (Some(403), Some("FORBIDDEN")), "{err}");
    assert!(err.message.contains("default free plan"), "{err}");
}
