//! KuvarPay plan changes and cancellations as the console drives them: till's local preview
//! is what the emulator bills (upgrades prorated, downgrades and trials charge nothing), only
//! immediate changes are offered, and repeated cancels get KuvarPay's error.

#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a panic is the failure report

use std::sync::Arc;

use chrono::{NaiveDate, Utc};
use till::billing::{
    CancelTiming, Cancellation, ChangeTiming, ChargePeriod, Estimate, EstimateSource, Money, PlanChange, ProviderKind,
    Subscription, SubscriptionStatus,
};
use till::providers::{self, BillingProvider, ErrorKind, Http, HttpConfig};
use till::sandbox::{self, SandboxHandle, SandboxOptions};

const KP: ProviderKind = ProviderKind::KuvarPay;

async fn setup() -> (SandboxHandle, Arc<dyn BillingProvider>) {
    let sandbox = sandbox::start(SandboxOptions::default()).await.unwrap();
    let http = Http::new(HttpConfig::default()).unwrap();
    let client = providers::connect(KP, sandbox.endpoint(KP), http).unwrap();
    (sandbox, client)
}

fn change(plan: &str, period: ChargePeriod) -> PlanChange {
    PlanChange { plan_id: plan.into(), period, price_id: None, timing: ChangeTiming::Immediately, features: vec![] }
}

fn charges(sb: &SandboxHandle) -> Vec<(String, Money)> {
    sb.state().kuvarpay.lock().unwrap().change_charges()
}

fn upcoming(sb: &SandboxHandle, uid: &str) -> Option<(NaiveDate, Money)> {
    sb.state().kuvarpay.lock().unwrap().upcoming_invoice(uid)
}

fn next_invoice(preview: &Estimate) -> Option<(NaiveDate, Money)> {
    let next = preview.next_invoice.as_ref()?;
    Some((next.date?, next.total))
}

async fn subscription(kp: &dyn BillingProvider, email: &str, status: SubscriptionStatus) -> Subscription {
    let subs = kp.list_subscriptions(email).await.unwrap();
    subs.into_iter().find(|s| s.status == status && s.ends_on.is_none()).unwrap()
}

/// Previews, applies, and checks the emulator billed the preview now and bills its next
/// invoice next; returns the preview and the changed subscription.
async fn preview_then_apply(
    sb: &SandboxHandle,
    kp: &dyn BillingProvider,
    current: &Subscription,
    change: &PlanChange,
) -> (Estimate, Subscription) {
    let preview = kp.preview_change(&current.id, change).await.unwrap();
    assert_eq!(preview.source, EstimateSource::Local);
    let before = charges(sb).len();
    let changed = kp.change_plan(&current.id, change).await.unwrap();
    let after = charges(sb);
    assert_eq!(after.len(), before + 1, "one change, one record");
    assert_eq!(after[before], (current.id.clone(), preview.current_invoice.total), "billed as previewed");
    assert_eq!(upcoming(sb, &changed.id), next_invoice(&preview), "next invoice as previewed");
    assert_eq!(changed.id, current.id, "PATCH keeps the subscription");
    (preview, changed)
}

#[tokio::test]
async fn only_immediate_changes_are_offered_and_others_are_refused_before_sending() {
    let (sb, kp) = setup().await;
    assert_eq!(kp.change_timings(), vec![ChangeTiming::Immediately]);
    let current = subscription(kp.as_ref(), "chiamaka@nwosu-pharma.ng", SubscriptionStatus::Active).await;
    for timing in [ChangeTiming::AtPeriodEnd, ChangeTiming::Auto] {
        let later = PlanChange { timing, ..change("plan_business", ChargePeriod::Monthly) };
        assert_eq!(kp.preview_change(&current.id, &later).await.unwrap_err().kind, ErrorKind::Unsupported);
        assert_eq!(kp.change_plan(&current.id, &later).await.unwrap_err().kind, ErrorKind::Unsupported);
    }
    assert!(charges(&sb).is_empty());
    let plans = kp.list_plans().await.unwrap();
    assert!(plans.iter().all(|p| p.features.is_empty()), "KuvarPay plans grant no features");
    assert!(!kp.capabilities().entitlements);
}

#[tokio::test]
async fn an_upgrade_bills_the_previewed_proration_now() {
    let (sb, kp) = setup().await;
    let current = subscription(kp.as_ref(), "chiamaka@nwosu-pharma.ng", SubscriptionStatus::Active).await;
    let (preview, changed) =
        preview_then_apply(&sb, kp.as_ref(), &current, &change("plan_business", ChargePeriod::Monthly)).await;
    assert!(!preview.current_invoice.total.is_zero() && !preview.current_invoice.total.is_negative());
    assert_eq!(
        (changed.plan_id.as_deref(), changed.amount.unwrap().to_string()),
        (Some("plan_business"), "₦60,000.00".into())
    );
    assert_eq!(changed.current_period_end, current.current_period_end, "same interval: same period");
}

#[tokio::test]
async fn a_downgrade_bills_nothing_because_kuvarpay_keeps_no_credit() {
    let (sb, kp) = setup().await;
    let current = subscription(kp.as_ref(), "adebayo@ogunlesi-foods.ng", SubscriptionStatus::Active).await;
    assert_eq!(current.plan_id.as_deref(), Some("plan_business"));
    let (preview, changed) =
        preview_then_apply(&sb, kp.as_ref(), &current, &change("plan_pro", ChargePeriod::Monthly)).await;
    assert!(preview.current_invoice.total.is_zero(), "{:?}", preview.current_invoice);
    assert!(preview.current_invoice.lines[0].description.starts_with("No refund"));
    assert_eq!(
        (changed.plan_id.as_deref(), changed.amount.unwrap().to_string()),
        (Some("plan_pro"), "₦25,000.00".into())
    );
}

#[tokio::test]
async fn switching_to_yearly_restarts_the_period_as_previewed() {
    let (sb, kp) = setup().await;
    let current = subscription(kp.as_ref(), "lukasz@zielinski-dev.pl", SubscriptionStatus::Active).await;
    let (preview, changed) =
        preview_then_apply(&sb, kp.as_ref(), &current, &change("plan_business", ChargePeriod::Yearly)).await;
    let today = Utc::now().date_naive();
    assert_eq!(next_invoice(&preview).map(|(d, _)| d), ChargePeriod::Yearly.advance(today));
    assert_eq!((changed.period, changed.amount.unwrap().to_string()), (ChargePeriod::Yearly, "$790.00".into()));
}

#[tokio::test]
async fn a_change_during_a_trial_bills_nothing_until_the_trial_ends() {
    let (sb, kp) = setup().await;
    let trial = subscription(kp.as_ref(), "hanako.yamada@yamada-kobo.jp", SubscriptionStatus::Trialing).await;
    let (preview, changed) =
        preview_then_apply(&sb, kp.as_ref(), &trial, &change("plan_business", ChargePeriod::Monthly)).await;
    assert!(preview.current_invoice.total.is_zero());
    let (date, total) = next_invoice(&preview).unwrap();
    assert_eq!((Some(date), total.to_string()), (trial.current_period_end.map(|d| d.date_naive()), "$79.00".into()));
    assert_eq!(changed.status, SubscriptionStatus::Trialing);
}

#[tokio::test]
async fn cancel_at_period_end_then_now_and_repeats_get_kuvarpays_error() {
    let (sb, kp) = setup().await;
    let caps = kp.capabilities();
    assert!(caps.cancel_at_period_end && caps.uncancel && !caps.cancel_on_date);
    let sub = subscription(kp.as_ref(), "hannah.mueller@kraemer-logistik.de", SubscriptionStatus::Active).await;
    let nothing = kp.uncancel_subscription(&sub.id).await.unwrap_err();
    assert_eq!(nothing.kind, ErrorKind::Invalid, "nothing scheduled: {nothing}");

    let at_end = Cancellation { timing: CancelTiming::AtPeriodEnd, comment: None };
    let scheduled = kp.cancel_subscription(&sub.id, &at_end).await.unwrap();
    assert_eq!(
        (scheduled.status, scheduled.ends_on),
        (SubscriptionStatus::Active, sub.current_period_end.map(|d| d.date_naive()))
    );
    assert!(upcoming(&sb, &sub.id).is_none(), "no renewal once set to end");
    let twice = kp.cancel_subscription(&sub.id, &at_end).await.unwrap_err();
    assert_eq!((twice.status, twice.code.as_deref()), (Some(400), Some("INVALID_STATE")), "{twice}");

    let kept = kp.uncancel_subscription(&sub.id).await.unwrap();
    assert_eq!((kept.status, kept.ends_on), (SubscriptionStatus::Active, None));
    assert_eq!(upcoming(&sb, &sub.id).map(|(d, _)| d), sub.current_period_end.map(|d| d.date_naive()));

    let now = Cancellation { timing: CancelTiming::Immediately, comment: None };
    let gone = kp.cancel_subscription(&sub.id, &now).await.unwrap();
    assert_eq!((gone.status, gone.ends_on), (SubscriptionStatus::Canceled, Some(Utc::now().date_naive())));
    let again = kp.cancel_subscription(&sub.id, &now).await.unwrap_err();
    assert_eq!((again.status, again.code.as_deref()), (Some(400), Some("INVALID_STATE")));
    assert_eq!(kp.uncancel_subscription(&sub.id).await.unwrap_err().status, Some(400));
}

/// An upgrade's proration is pending: a second upgrade is refused naming its invoice by the
/// number the invoices list shows (and its filter finds); a downgrade then voids it, and a
/// void invoice owes nothing though it still says what it billed.
#[tokio::test]
async fn a_pending_prorations_number_is_listed_and_once_void_it_owes_nothing() {
    let (_sb, kp) = setup().await;
    let email = "chiamaka@nwosu-pharma.ng";
    let current = subscription(kp.as_ref(), email, SubscriptionStatus::Active).await;
    kp.change_plan(&current.id, &change("plan_business", ChargePeriod::Monthly)).await.unwrap();
    let refused = kp.change_plan(&current.id, &change("plan_scale", ChargePeriod::Monthly)).await.unwrap_err();
    assert_eq!(refused.code.as_deref(), Some("PRICE_CHANGE_PENDING"), "{refused}");
    let invoices = kp.list_invoices(email).await.unwrap();
    let pending = invoices.iter().find(|i| i.status == "OPEN" && i.subscription_id.as_deref() == Some(&current.id));
    let pending = pending.expect("the pending proration is listed").clone();
    let number = pending.number.clone().expect("a KuvarPay invoice has a number");
    assert!(refused.message.contains(&format!("invoice {number}")), "{} names {number}", refused.message);
    assert!(number.starts_with("INV-") && pending.id != number, "{pending:?}");

    kp.change_plan(&current.id, &change("plan_basic", ChargePeriod::Monthly)).await.unwrap();
    let invoices = kp.list_invoices(email).await.unwrap();
    let void = invoices.iter().find(|i| i.id == pending.id).expect("still listed");
    assert_eq!(void.status, "VOID");
    assert_eq!(void.total, pending.total, "what it billed");
    let zero = pending.total.map(|t| Money::zero(t.currency()));
    assert_eq!(void.amount_due, zero, "a void invoice owes nothing");
    assert!(invoices.iter().filter(|i| i.status == "PAID").all(|i| i.amount_due == zero), "nor does a paid one");
}
