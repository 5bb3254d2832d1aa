//! Zenskar plan changes (checkout amendments) and cancellations as the console drives them:
//! `/checkouts/preview` is what the confirmed amendment bills, for upgrades and downgrades
//! today and at the period end, and the entitlement totals follow the plan's grants.

#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a panic is the failure report

use std::sync::Arc;

use chrono::{Duration, NaiveDate, Utc};
use till::billing::{
    CancelTiming, Cancellation, ChangeTiming, ChargePeriod, Entitlement, EntitlementKind, Estimate, EstimateSource,
    Money, Plan, PlanChange, ProviderKind, Subscription, SubscriptionStatus,
};
use till::providers::{self, BillingProvider, ErrorKind, Http, HttpConfig};
use till::sandbox::{self, SandboxHandle, SandboxOptions};

const Z: ProviderKind = ProviderKind::Zenskar;

async fn setup() -> (SandboxHandle, Arc<dyn BillingProvider>) {
    let sandbox = sandbox::start(SandboxOptions::default()).await.unwrap();
    let http = Http::new(HttpConfig::default()).unwrap();
    let client = providers::connect(Z, sandbox.endpoint(Z), http).unwrap();
    (sandbox, client)
}

fn today() -> NaiveDate {
    Utc::now().date_naive()
}

fn charges(sb: &SandboxHandle) -> Vec<(String, Money)> {
    sb.state().zenskar.lock().unwrap().change_charges()
}

fn upcoming(sb: &SandboxHandle, contract: &str) -> Option<(NaiveDate, Money)> {
    sb.state().zenskar.lock().unwrap().upcoming_invoice(contract, today())
}

fn next_invoice(preview: &Estimate) -> Option<(NaiveDate, Money)> {
    let next = preview.next_invoice.as_ref()?;
    Some((next.date?, next.total))
}

async fn plan(z: &dyn BillingProvider, name: &str, period: ChargePeriod, currency: &str) -> Plan {
    let plans = z.list_plans().await.unwrap();
    plans
        .into_iter()
        .find(|p| p.name == name && p.prices[0].period == period && p.prices[0].amount.currency().code() == currency)
        .unwrap_or_else(|| panic!("no {name} {period:?} {currency} plan"))
}

fn to(plan: &Plan, timing: ChangeTiming) -> PlanChange {
    PlanChange { plan_id: plan.id.clone(), period: plan.prices[0].period, price_id: None, timing, features: vec![] }
}

async fn only_contract(z: &dyn BillingProvider, customer: &str) -> Subscription {
    let mut subs = z.list_subscriptions(customer).await.unwrap();
    assert_eq!(subs.len(), 1, "{customer} has one contract");
    subs.remove(0)
}

/// Every grant of the plan is in the customer's totals at the plan's amount, and no feature
/// the plan does not grant is on (each customer used here has this one contract).
fn assert_grants(plan: &Plan, ents: &[Entitlement]) {
    assert!(!plan.features.is_empty(), "{} lists its grants", plan.name);
    for f in &plan.features {
        let e = ents.iter().find(|e| e.feature_id == f.feature_id);
        let e = e.unwrap_or_else(|| panic!("{}: no entitlement {:?} in {ents:?}", plan.name, f.name));
        assert!(e.has_access, "{} grants {e:?}", plan.name);
        match (&f.kind, &e.kind) {
            (EntitlementKind::Boolean, EntitlementKind::Boolean) => {}
            (EntitlementKind::Meter { limit, .. }, EntitlementKind::Meter { limit: got, .. }) => {
                assert_eq!(got, limit, "{} limit of {:?}", plan.name, f.name)
            }
            (EntitlementKind::Customizable { value }, EntitlementKind::Customizable { value: got }) => {
                assert_eq!(got, value, "{} value of {:?}", plan.name, f.name)
            }
            (want, got) => panic!("{}: {:?} should be {want:?}, is {got:?}", plan.name, f.name),
        }
    }
    for e in ents.iter().filter(|e| e.has_access) {
        assert!(plan.features.iter().any(|f| f.feature_id == e.feature_id), "{} does not grant {e:?}", plan.name);
    }
}

/// Previews, applies, and checks what the emulator billed now and bills next.
async fn preview_then_apply(
    sb: &SandboxHandle,
    z: &dyn BillingProvider,
    current: &Subscription,
    change: &PlanChange,
) -> (Estimate, Subscription) {
    let preview = z.preview_change(&current.id, change).await.unwrap();
    assert_eq!(preview.source, EstimateSource::Provider);
    let before = charges(sb);
    let changed = z.change_plan(&current.id, change).await.unwrap();
    let after = charges(sb);
    if change.timing == ChangeTiming::AtPeriodEnd {
        assert!(preview.current_invoice.total.is_zero());
        assert_eq!(after, before, "nothing billed now");
    } else {
        assert_eq!(after.len(), before.len() + 1);
        assert_eq!(after[before.len()], (current.id.clone(), preview.current_invoice.total), "billed as previewed");
    }
    assert_eq!(upcoming(sb, &current.id), next_invoice(&preview), "next invoice as previewed");
    assert_eq!(changed.id, current.id, "an amendment keeps the contract");
    (preview, changed)
}

#[tokio::test]
async fn timings_are_today_or_the_period_end_and_auto_is_refused_before_sending() {
    let (sb, z) = setup().await;
    assert_eq!(z.change_timings(), vec![ChangeTiming::Immediately, ChangeTiming::AtPeriodEnd]);
    let team = only_contract(z.as_ref(), "crm_toth_ugyved").await;
    let business = plan(z.as_ref(), "Business", ChargePeriod::Monthly, "USD").await;
    let auto = to(&business, ChangeTiming::Auto);
    assert_eq!(z.preview_change(&team.id, &auto).await.unwrap_err().kind, ErrorKind::Unsupported);
    assert_eq!(z.change_plan(&team.id, &auto).await.unwrap_err().kind, ErrorKind::Unsupported);
    assert!(charges(&sb).is_empty());
}

#[tokio::test]
async fn an_upgrade_today_bills_the_previewed_proration_and_grants_the_new_plan() {
    let (sb, z) = setup().await;
    let team = only_contract(z.as_ref(), "crm_toth_ugyved").await;
    let business = plan(z.as_ref(), "Business", ChargePeriod::Monthly, "USD").await;
    let (preview, changed) =
        preview_then_apply(&sb, z.as_ref(), &team, &to(&business, ChangeTiming::Immediately)).await;
    assert!(!preview.current_invoice.total.is_negative() && !preview.current_invoice.total.is_zero());
    assert_eq!(preview.effective_date, Some(today()));
    assert_eq!(
        (changed.plan_id.as_deref(), changed.amount.unwrap().to_string()),
        (Some(business.id.as_str()), "$129.00".into())
    );
    assert_grants(&business, &z.entitlements("crm_toth_ugyved").await.unwrap());
}

#[tokio::test]
async fn a_downgrade_today_credits_the_previewed_amount_and_takes_features_away() {
    let (sb, z) = setup().await;
    let current = only_contract(z.as_ref(), "crm_ramirez_seguros").await;
    let team = plan(z.as_ref(), "Team", ChargePeriod::Monthly, "USD").await;
    let (preview, changed) = preview_then_apply(&sb, z.as_ref(), &current, &to(&team, ChangeTiming::Immediately)).await;
    assert!(preview.current_invoice.total.is_negative(), "a credit for unused Business time");
    assert_eq!((changed.plan_name.as_deref(), changed.amount.unwrap().to_string()), (Some("Team"), "$45.00".into()));
    let ents = z.entitlements("crm_ramirez_seguros").await.unwrap();
    assert!(ents.iter().any(|e| e.name.as_deref() == Some("Single sign-on") && !e.has_access), "SSO lost");
    assert_grants(&team, &ents);
}

/// The credit an immediate downgrade previews is issued as a credit note: it is listed with
/// the customer's invoices (`till invoices list`, the console's `i`), the preview says where
/// the credit goes, and the next invoice is the new plan's whole price, as previewed.
#[tokio::test]
async fn a_downgrade_credit_is_a_listed_credit_note_and_the_preview_says_so() {
    let (sb, z) = setup().await;
    let current = only_contract(z.as_ref(), "crm_ramirez_seguros").await;
    let team = plan(z.as_ref(), "Team", ChargePeriod::Monthly, "USD").await;
    let (preview, _) = preview_then_apply(&sb, z.as_ref(), &current, &to(&team, ChangeTiming::Immediately)).await;
    let credit = preview.current_invoice.total;
    assert!(credit.is_negative());
    let headline = preview.headline();
    assert_eq!(headline, format!("Credit {} as a credit note (nothing due now)", credit.negated()));
    let docs = z.list_invoices("crm_ramirez_seguros").await.unwrap();
    let notes: Vec<_> = docs.iter().filter(|d| d.number.as_deref().is_some_and(|n| n.starts_with("CN-"))).collect();
    assert_eq!(notes.len(), 1, "one credit note among {docs:?}");
    assert_eq!(notes[0].total, Some(credit), "it credits what the preview said");
    assert_eq!(notes[0].amount_due, None, "nothing is due on a credit note");
    assert_eq!(notes[0].subscription_id.as_deref(), Some(current.id.as_str()));
    assert_eq!(notes[0].issued_on, Some(today()));
    assert_eq!(upcoming(&sb, &current.id).map(|(_, m)| m), Some(team.prices[0].amount), "not reduced");
}

#[tokio::test]
async fn changes_at_period_end_bill_nothing_now_and_the_new_plan_next() {
    let (sb, z) = setup().await;
    let team = only_contract(z.as_ref(), "crm_toth_ugyved").await;
    let essentials = plan(z.as_ref(), "Essentials", ChargePeriod::Monthly, "USD").await;
    let (preview, changed) =
        preview_then_apply(&sb, z.as_ref(), &team, &to(&essentials, ChangeTiming::AtPeriodEnd)).await;
    let period_end = team.current_period_end.map(|d| d.date_naive());
    assert_eq!((preview.effective_date, next_invoice(&preview).map(|(d, _)| d)), (period_end, period_end));
    assert_eq!(next_invoice(&preview).unwrap().1.to_string(), "$15.00");
    assert_eq!((changed.plan_name.as_deref(), changed.amount.unwrap().to_string()), (Some("Team"), "$45.00".into()));
    let team_plan = plan(z.as_ref(), "Team", ChargePeriod::Monthly, "USD").await;
    assert_grants(&team_plan, &z.entitlements("crm_toth_ugyved").await.unwrap());

    let business = only_contract(z.as_ref(), "crm_ramirez_seguros").await;
    let enterprise = plan(z.as_ref(), "Enterprise", ChargePeriod::Monthly, "USD").await;
    let (preview, _) =
        preview_then_apply(&sb, z.as_ref(), &business, &to(&enterprise, ChangeTiming::AtPeriodEnd)).await;
    assert_eq!(next_invoice(&preview).unwrap().1.to_string(), "$900.00", "an upgrade may wait for the period end too");
}

#[tokio::test]
async fn a_change_during_a_trial_bills_nothing_now() {
    let (sb, z) = setup().await;
    let trial = only_contract(z.as_ref(), "crm_zielinski_prawo").await;
    assert_eq!(trial.status, SubscriptionStatus::Trialing);
    let team = plan(z.as_ref(), "Team", ChargePeriod::Yearly, "USD").await;
    let (preview, changed) = preview_then_apply(&sb, z.as_ref(), &trial, &to(&team, ChangeTiming::Immediately)).await;
    assert!(preview.current_invoice.total.is_zero());
    assert_eq!(next_invoice(&preview).unwrap().1.to_string(), "$450.00");
    assert_eq!((changed.status, changed.plan_name.as_deref()), (SubscriptionStatus::Trialing, Some("Team")));
}

#[tokio::test]
async fn plans_list_their_grants_with_amounts_for_the_entitlement_difference() {
    let (_sb, z) = setup().await;
    let team = plan(z.as_ref(), "Team", ChargePeriod::Monthly, "USD").await;
    let business = plan(z.as_ref(), "Business", ChargePeriod::Monthly, "USD").await;
    let kind =
        |p: &Plan, name: &str| p.features.iter().find(|f| f.name.as_deref() == Some(name)).map(|f| f.kind.clone());
    assert_eq!(kind(&team, "Single sign-on"), None);
    assert_eq!(kind(&business, "Single sign-on"), Some(EntitlementKind::Boolean), "SSO gained");
    assert_eq!(kind(&team, "Seats"), Some(EntitlementKind::Customizable { value: "5".into() }));
    assert_eq!(kind(&business, "Seats"), Some(EntitlementKind::Customizable { value: "25".into() }), "seats raised");
    let limit = |p: &Plan, name: &str| match kind(p, name) {
        Some(EntitlementKind::Meter { limit, .. }) => limit,
        other => panic!("{name} is {other:?}"),
    };
    assert_eq!((limit(&team, "API calls"), limit(&business, "API calls")), (Some(50_000), Some(500_000)));
    let team_ids: Vec<_> = team.features.iter().map(|f| &f.feature_id).collect();
    assert!(
        business
            .features
            .iter()
            .filter(|f| f.name.as_deref() == Some("Seats"))
            .all(|f| team_ids.contains(&&f.feature_id))
    );
}

#[tokio::test]
async fn cancellation_timings_set_the_end_date_and_an_expired_contract_cannot_be_cancelled_again() {
    let (sb, z) = setup().await;
    let caps = z.capabilities();
    assert!(caps.cancel_at_period_end && caps.cancel_on_date && !caps.uncancel);
    let team = only_contract(z.as_ref(), "crm_toth_ugyved").await;
    let at_end = Cancellation { timing: CancelTiming::AtPeriodEnd, comment: None };
    let ending = z.cancel_subscription(&team.id, &at_end).await.unwrap();
    let last_day = team.current_period_end.map(|d| d.date_naive() - Duration::days(1));
    assert_eq!((ending.status, ending.ends_on), (SubscriptionStatus::Active, last_day));
    assert!(upcoming(&sb, &team.id).is_none(), "no renewal after the last day");
    assert_eq!(z.uncancel_subscription(&team.id).await.unwrap_err().kind, ErrorKind::Unsupported);

    let date = today() + Duration::days(5);
    let on_date = Cancellation { timing: CancelTiming::OnDate(date), comment: None };
    let on = z.cancel_subscription(&team.id, &on_date).await.unwrap();
    assert_eq!(on.ends_on, Some(date), "the expiry can be moved while the contract runs");
    let now = Cancellation { timing: CancelTiming::Immediately, comment: None };
    assert_eq!(z.cancel_subscription(&team.id, &now).await.unwrap().ends_on, Some(today()));

    let expired = z.list_subscriptions("crm_yamada_fudosan").await.unwrap().remove(0);
    assert_eq!(expired.status, SubscriptionStatus::Expired);
    let err = z.cancel_subscription(&expired.id, &now).await.unwrap_err();
    assert_eq!((err.status, err.message.as_str()), (Some(400), "Contract is already expired"));
}

#[tokio::test]
async fn seats_bought_beyond_the_plan_follow_a_downgrade() {
    let (sb, z) = setup().await;
    let current = only_contract(z.as_ref(), "crm_lemaitre_notaires").await;
    let team = plan(z.as_ref(), "Team", ChargePeriod::Monthly, "EUR").await;
    preview_then_apply(&sb, z.as_ref(), &current, &to(&team, ChangeTiming::Immediately)).await;
    let ents = z.entitlements("crm_lemaitre_notaires").await.unwrap();
    let seats = ents.iter().find(|e| e.name.as_deref() == Some("Seats")).unwrap();
    assert_eq!(seats.kind, EntitlementKind::Customizable { value: "27".into() }, "27 seats were bought on Business");
}

/// Issue 13: a period-end cancel previewed "access ends 2027-11-04" and applied 2027-11-03.
/// Zenskar's `expiry_date` is the contract's inclusive last day (it runs until 23:59:59 that
/// day), so the preview the CLI and the console show (`ops::subscriptions::cancel_end`), the
/// date the applied contract shows, and the sandbox's stored end are the same day: the day
/// before the period's exclusive end, and the contract is still live on it.
#[tokio::test]
async fn a_period_end_cancel_previews_the_same_last_day_it_applies() {
    let (sb, z) = setup().await;
    let team = only_contract(z.as_ref(), "crm_toth_ugyved").await;
    let period_end = team.current_period_end.unwrap().date_naive();
    let preview = till::ops::subscriptions::cancel_end(&team, CancelTiming::AtPeriodEnd, today()).unwrap();
    assert_eq!(preview, period_end - Duration::days(1), "the inclusive last day");
    let applied = z.cancel_subscription(&team.id, &Cancellation { timing: CancelTiming::AtPeriodEnd, comment: None });
    let applied = applied.await.unwrap();
    assert_eq!(applied.ends_on, Some(preview), "the result shows the previewed day");
    assert_eq!(applied.date_phrase(), format!("cancels {preview}"));
    let stored = sb.state().zenskar.lock().unwrap().contract(&team.id).unwrap().end;
    assert_eq!(stored, Some(preview), "the sandbox stores the day the preview named");
    let on_last_day =
        sb.state().zenskar.lock().unwrap().contract(&team.id).unwrap().effective_status(preview).to_string();
    assert_eq!(on_last_day, "active", "access through the whole last day");
    // The other timings preview what they apply too.
    for timing in [CancelTiming::OnDate(today() + Duration::days(3)), CancelTiming::Immediately] {
        let now = z.get_subscription(&team.id).await.unwrap();
        let preview = till::ops::subscriptions::cancel_end(&now, timing, today());
        let applied = z.cancel_subscription(&team.id, &Cancellation { timing, comment: None }).await.unwrap();
        assert_eq!(applied.ends_on, preview, "{timing:?}");
    }
}
