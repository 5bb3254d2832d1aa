//! Two operators changing one subscription at once (issue 14, item 5), sandbox side: each
//! provider's sandbox serialises the writes and answers the second change as the provider
//! documents it (Kelviq: the old row is superseded; Flowglad: refused when previewed against
//! a state that no longer exists; KuvarPay: refused while the first change's proration is
//! pending; Zenskar: an amendment priced against an older revision is refused). Two clients
//! (as two processes would have) preview, then apply at the same time with `tokio::join!`.
//! Whatever the interleaving: exactly one change is accepted, it alone raised a proration,
//! that proration is what its preview said, and the subscription ends on its plan.

#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a panic is the failure report

use std::sync::Arc;

use till::billing::{ChangeTiming, ChargePeriod, Estimate, Money, PlanChange, ProviderKind, Subscription};
use till::providers::{self, BillingProvider, Http, HttpConfig, ProviderError};
use till::sandbox::{self, SandboxHandle, SandboxOptions};

async fn two_clients(kind: ProviderKind) -> (SandboxHandle, Arc<dyn BillingProvider>, Arc<dyn BillingProvider>) {
    let sb = sandbox::start(SandboxOptions::default()).await.unwrap();
    let client = || {
        let http = Http::new(HttpConfig::default()).unwrap();
        providers::connect(kind, sb.endpoint(kind), http).unwrap()
    };
    let (a, b) = (client(), client());
    (sb, a, b)
}

fn change(plan: &str, period: ChargePeriod) -> PlanChange {
    PlanChange { plan_id: plan.into(), period, price_id: None, timing: ChangeTiming::Immediately, features: vec![] }
}

/// Both preview, then both apply at once. Returns the accepted change's index (0 or 1), its
/// preview and result, and the refusal of the other.
async fn race(
    a: &dyn BillingProvider,
    b: &dyn BillingProvider,
    id: &str,
    changes: [&PlanChange; 2],
) -> (usize, Estimate, Subscription, ProviderError) {
    let (pa, pb) = tokio::join!(a.preview_change(id, changes[0]), b.preview_change(id, changes[1]));
    let previews = [pa.unwrap(), pb.unwrap()];
    let (ra, rb) = tokio::join!(a.change_plan(id, changes[0]), b.change_plan(id, changes[1]));
    match (ra, rb) {
        (Ok(s), Err(e)) => (0, previews[0].clone(), s, e),
        (Err(e), Ok(s)) => (1, previews[1].clone(), s, e),
        (Ok(x), Ok(y)) => panic!("both changes were accepted: {:?} and {:?}", x.plan_id, y.plan_id),
        (Err(x), Err(y)) => panic!("both changes were refused: {x} / {y}"),
    }
}

fn nonzero(charges: &[(String, Money)]) -> usize {
    charges.iter().filter(|(_, m)| !m.is_zero()).count()
}

#[tokio::test]
async fn kelviq_second_change_hits_the_superseded_row() {
    let (sb, a, b) = two_clients(ProviderKind::Kelviq).await;
    let subs = a.list_subscriptions("cus_mueller_maschinenbau").await.unwrap();
    let starter = subs.iter().find(|s| s.plan_id.as_deref() == Some("starter")).unwrap().clone();
    let changes = [&change("growth", ChargePeriod::Monthly), &change("business", ChargePeriod::Monthly)];
    let (won, preview, changed, refused) = race(a.as_ref(), b.as_ref(), &starter.id, changes).await;
    assert_eq!(refused.status, Some(400), "{refused}");
    assert!(refused.message.contains("superseded"), "{refused}");
    let charges = sb.state().kelviq.lock().unwrap().change_charges();
    assert_eq!(charges.len(), 1, "one proration order, for the accepted change: {charges:?}");
    assert_eq!(charges[0], (changed.id.clone(), preview.current_invoice.total));
    let live = a.list_subscriptions("cus_mueller_maschinenbau").await.unwrap();
    let now = live.iter().find(|s| s.id == changed.id).unwrap();
    assert_eq!(now.plan_id.as_deref(), Some(changes[won].plan_id.as_str()));
    assert!(live.iter().all(|s| s.id != starter.id), "the old row is superseded");
}

#[tokio::test]
async fn flowglad_second_adjustment_priced_on_a_stale_preview_is_a_409() {
    let (sb, a, b) = two_clients(ProviderKind::Flowglad).await;
    let starter = a.list_subscriptions("user_nguyen_bakes").await.unwrap().remove(0);
    assert_eq!(starter.plan_id.as_deref(), Some("starter"));
    let changes = [&change("pro", ChargePeriod::Monthly), &change("business", ChargePeriod::Monthly)];
    let (won, preview, changed, refused) = race(a.as_ref(), b.as_ref(), &starter.id, changes).await;
    assert_eq!((refused.status, refused.code.as_deref()), (Some(409), Some("CONFLICT")), "{refused}");
    let (charges, prorations) = {
        let f = sb.state().flowglad.lock().unwrap();
        let prorations: Vec<i64> = f
            .invoices
            .iter()
            .filter(|i| i.subscription_id == starter.id)
            .flat_map(|i| &i.lines)
            .filter(|l| l.description.starts_with("Proration"))
            .map(|l| l.price * l.quantity)
            .collect();
        (f.change_charges(), prorations)
    };
    assert_eq!(charges, vec![(starter.id.clone(), preview.current_invoice.total)]);
    assert_eq!(prorations, vec![preview.current_invoice.total.to_minor_units().unwrap()], "one paid proration");
    assert_eq!(changed.plan_id.as_deref(), Some(changes[won].plan_id.as_str()));
    let now = a.get_subscription(&starter.id).await.unwrap();
    assert_eq!(now.plan_id.as_deref(), Some(changes[won].plan_id.as_str()), "the accepted plan stays");
}

#[tokio::test]
async fn flowglad_refuses_an_adjustment_while_one_is_scheduled() {
    let (sb, a, _) = two_clients(ProviderKind::Flowglad).await;
    let pro = a.list_subscriptions("user_rivera_roofing").await.unwrap().remove(0);
    assert_eq!(pro.plan_id.as_deref(), Some("pro"));
    let later = PlanChange { timing: ChangeTiming::AtPeriodEnd, ..change("starter", ChargePeriod::Monthly) };
    a.change_plan(&pro.id, &later).await.unwrap();
    let now = change("business", ChargePeriod::Monthly);
    let preview = a.preview_change(&pro.id, &now).await;
    assert!(preview.is_err(), "preview-adjust says it cannot adjust: {preview:?}");
    let err = a.change_plan(&pro.id, &now).await.unwrap_err();
    assert_eq!(err.status, Some(400), "{err}");
    assert!(err.message.contains("scheduled adjustment is already pending"), "{err}");
    assert_eq!(nonzero(&sb.state().flowglad.lock().unwrap().change_charges()), 0, "nothing charged");
}

#[tokio::test]
async fn kuvarpay_second_price_change_waits_for_the_first_ones_proration() {
    let (sb, a, b) = two_clients(ProviderKind::KuvarPay).await;
    let subs = a.list_subscriptions("chiamaka@nwosu-pharma.ng").await.unwrap();
    let pro = subs.into_iter().find(|s| s.plan_id.as_deref() == Some("plan_pro") && s.ends_on.is_none()).unwrap();
    let changes = [&change("plan_business", ChargePeriod::Monthly), &change("plan_scale", ChargePeriod::Monthly)];
    let (won, preview, changed, refused) = race(a.as_ref(), b.as_ref(), &pro.id, changes).await;
    assert_eq!((refused.status, refused.code.as_deref()), (Some(409), Some("PRICE_CHANGE_PENDING")), "{refused}");
    let charges = sb.state().kuvarpay.lock().unwrap().change_charges();
    assert_eq!(charges, vec![(pro.id.clone(), preview.current_invoice.total)]);
    let prorations: Vec<_> = {
        let k = sb.state().kuvarpay.lock().unwrap();
        let invoices = k.invoices.get(&pro.id).into_iter().flatten();
        invoices.filter(|i| i.description.starts_with("Plan change")).map(|i| (i.amount, i.status)).collect()
    };
    let open = (preview.current_invoice.total.amount(), "OPEN");
    assert_eq!(prorations, vec![open], "one proration invoice, collected later from the wallet authorization");
    assert_eq!(changed.plan_id.as_deref(), Some(changes[won].plan_id.as_str()));
    let now = a.get_subscription(&pro.id).await.unwrap();
    assert_eq!(now.plan_id.as_deref(), Some(changes[won].plan_id.as_str()), "the accepted plan stays");
}

#[tokio::test]
async fn zenskar_amendment_priced_on_an_older_revision_is_a_409() {
    let (sb, a, b) = two_clients(ProviderKind::Zenskar).await;
    let team = a.list_subscriptions("crm_toth_ugyved").await.unwrap().remove(0);
    let plans = a.list_plans().await.unwrap();
    let target = |name: &str| {
        let p = plans
            .iter()
            .find(|p| {
                p.name == name
                    && p.prices[0].period == ChargePeriod::Monthly
                    && p.prices[0].amount.currency().code() == "USD"
            })
            .unwrap();
        change(&p.id, ChargePeriod::Monthly)
    };
    let (business, enterprise) = (target("Business"), target("Enterprise"));
    let invoices_before =
        sb.state().zenskar.lock().unwrap().invoices.iter().filter(|i| i.contract_id == team.id).count();
    let (won, preview, changed, refused) = race(a.as_ref(), b.as_ref(), &team.id, [&business, &enterprise]).await;
    assert_eq!(refused.status, Some(409), "{refused}");
    assert!(refused.message.contains("preview the change again"), "{refused}");
    let (charges, raised) = {
        let z = sb.state().zenskar.lock().unwrap();
        let raised: Vec<_> =
            z.invoices.iter().filter(|i| i.contract_id == team.id).skip(invoices_before).map(|i| i.total).collect();
        (z.change_charges(), raised)
    };
    assert_eq!(charges, vec![(team.id.clone(), preview.current_invoice.total)]);
    assert_eq!(raised, vec![preview.current_invoice.total.amount()], "one proration invoice");
    let plan = [&business, &enterprise][won].plan_id.clone();
    assert_eq!(changed.plan_id.as_deref(), Some(plan.as_str()));
    let now = a.get_subscription(&team.id).await.unwrap();
    assert_eq!(now.plan_id.as_deref(), Some(plan.as_str()), "the accepted plan stays");
}

#[tokio::test]
async fn kuvarpay_downgrade_over_a_pending_upgrade_voids_its_proration() {
    let (sb, a, b) = two_clients(ProviderKind::KuvarPay).await;
    let subs = a.list_subscriptions("chiamaka@nwosu-pharma.ng").await.unwrap();
    let pro = subs.into_iter().find(|s| s.plan_id.as_deref() == Some("plan_pro") && s.ends_on.is_none()).unwrap();
    a.change_plan(&pro.id, &change("plan_business", ChargePeriod::Monthly)).await.unwrap();
    let down = b.change_plan(&pro.id, &change("plan_basic", ChargePeriod::Monthly)).await.unwrap();
    assert_eq!(down.plan_id.as_deref(), Some("plan_basic"));
    let statuses: Vec<_> = {
        let k = sb.state().kuvarpay.lock().unwrap();
        let invoices = k.invoices.get(&pro.id).into_iter().flatten();
        invoices.filter(|i| i.description.starts_with("Plan change")).map(|i| i.status).collect()
    };
    assert_eq!(statuses, vec!["VOID"], "the overwritten upgrade's proration is never collected");
}
