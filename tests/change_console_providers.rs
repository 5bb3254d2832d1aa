//! A scripted console upgrade and downgrade on Flowglad, KuvarPay and Zenskar (Kelviq's are in
//! change_console.rs): the sandbox charges exactly what the preview said, and the customer's
//! subscriptions and entitlements reload afterwards.

#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a panic is the failure report

mod support;

use crossterm::event::KeyCode;
use support::console::{Console, console};
use till::billing::{Money, ProviderKind, Subscription, SubscriptionStatus};
use till::providers;
use till::tui::state::Mode;
use till::tui::state::change::Step;

/// The first loaded customer of `kind` with a live, uncancelled subscription to `plan` in
/// `currency`; selected in the console with that subscription focused.
async fn select(c: &mut Console, kind: ProviderKind, plan: &str, currency: &str) -> Subscription {
    let slot = ProviderKind::ALL.iter().position(|k| *k == kind).unwrap();
    let client = providers::connect(kind, c.sandbox.endpoint(kind), c.http.clone()).unwrap();
    let ids: Vec<String> = c.app.state.slots[slot].customers.rows.iter().map(|x| x.id.to_string()).collect();
    let wanted = |s: &Subscription| {
        s.plan_name.as_deref() == Some(plan)
            && s.amount.is_some_and(|a| a.currency().code() == currency)
            && s.status == SubscriptionStatus::Active
            && s.ends_on.is_none()
    };
    for id in ids {
        if client.list_subscriptions(&id).await.unwrap_or_default().iter().any(wanted) {
            return c.select(kind, &id, wanted).await;
        }
    }
    panic!("no {kind} customer with a live {plan} subscription in {currency}");
}

/// `u`, the plan, the defaults (same period, immediately), two Enters (which never apply),
/// then the confirm key twice; asserts one change was applied and charged what the preview said, and returns that amount.
async fn change(c: &mut Console, kind: ProviderKind, to: &str) -> Money {
    c.key(KeyCode::Char('u')).await;
    c.choose_plan(to).await;
    let flow = c.app.state.change().unwrap();
    let preview = flow.preview.value.clone().unwrap_or_else(|| panic!("{kind} preview: {:?}", flow.preview.error));
    let before = c.charges(kind).len();
    c.double_enter().await;
    assert_eq!(c.charges(kind).len(), before, "{kind}: Enter never applies");
    c.confirm_twice().await;
    c.wait_for_step(Step::Done).await;
    let outcome = c.app.state.change().unwrap().outcome.clone().unwrap();
    let after = outcome.unwrap_or_else(|e| panic!("{kind} change to {to} failed: {e}"));
    assert_eq!(after.plan_name.as_deref(), Some(to));
    let charges = c.charges(kind);
    assert_eq!(charges.len(), before + 1, "{kind}: one change applied for two confirms");
    assert_eq!(charges.last().unwrap().1, preview.current_invoice.total, "{kind}: charged what the preview said");
    c.key(KeyCode::Enter).await;
    preview.current_invoice.total
}

async fn upgrade_then_downgrade(kind: ProviderKind, plan: &str, currency: &str, up: &str, down: &str) {
    let mut c = console(Mode::Sandbox, false).await;
    select(&mut c, kind, plan, currency).await;
    let ents_before = c.app.state.selected_details().and_then(|d| d.entitlements.value.clone());
    let charged = change(&mut c, kind, up).await;
    assert!(!charged.is_negative(), "{kind}: an upgrade does not credit");
    let now = c
        .app
        .state
        .selected_details()
        .and_then(|d| d.subscriptions.value.as_ref())
        .and_then(|s| s.get(c.app.state.sub_selected))
        .cloned()
        .unwrap();
    assert_eq!(now.plan_name.as_deref(), Some(up), "{kind}: the selection follows the changed subscription");
    if c.app.state.slots[ProviderKind::ALL.iter().position(|k| *k == kind).unwrap()].caps.entitlements {
        let ents_after = c.app.state.selected_details().and_then(|d| d.entitlements.value.clone());
        assert!(ents_after.is_some() && ents_after != ents_before, "{kind}: entitlements reloaded and changed");
    }
    change(&mut c, kind, down).await;
}

#[tokio::test]
async fn flowglad_upgrade_and_downgrade() {
    upgrade_then_downgrade(ProviderKind::Flowglad, "Pro", "EUR", "Business", "Starter").await;
}

#[tokio::test]
async fn kuvarpay_upgrade_and_downgrade() {
    upgrade_then_downgrade(ProviderKind::KuvarPay, "Pro", "NGN", "Business", "Basic").await;
}

#[tokio::test]
async fn zenskar_upgrade_and_downgrade() {
    upgrade_then_downgrade(ProviderKind::Zenskar, "Business", "USD", "Enterprise", "Team").await;
}

#[tokio::test]
async fn kuvarpay_cancel_at_period_end_then_undo() {
    let mut c = console(Mode::Sandbox, false).await;
    let sub = select(&mut c, ProviderKind::KuvarPay, "Pro", "NGN").await;
    c.key(KeyCode::Char('x')).await;
    let choices = c.app.state.cancel().unwrap().choices.clone();
    assert_eq!(choices.len(), 2, "KuvarPay: now or at period end, no date");
    c.key(KeyCode::Down).await;
    c.key(KeyCode::Enter).await;
    c.ctrl('s').await;
    c.wait_for_step(Step::Done).await;
    c.key(KeyCode::Enter).await;
    let scheduled = c.shown(&sub.id).unwrap();
    assert!(scheduled.cancel_scheduled(), "{scheduled:?}");
    c.key(KeyCode::Char('U')).await;
    assert!(c.app.state.cancel().is_some_and(|f| f.undo), "{:?}", c.app.state.notice);
    c.ctrl('s').await;
    c.wait_for_step(Step::Done).await;
    c.key(KeyCode::Enter).await;
    let renewed = c.shown(&sub.id).unwrap();
    assert!(!renewed.cancel_scheduled() && renewed.status.is_live(), "undone: {renewed:?}");
}

#[tokio::test]
async fn flowglad_offers_only_the_changes_flowglad_accepts() {
    let mut c = console(Mode::Sandbox, false).await;
    let sub = select(&mut c, ProviderKind::Flowglad, "Pro", "EUR").await;
    let slot = ProviderKind::ALL.iter().position(|k| *k == ProviderKind::Flowglad).unwrap();
    let catalog = c.app.state.slots[slot].plans.value.clone().unwrap();
    assert!(
        catalog.iter().any(|p| p.prices.iter().any(|pr| pr.kind == till::billing::PriceKind::Usage)),
        "the catalog lists usage-meter prices"
    );
    c.key(KeyCode::Char('u')).await;
    let flow = c.app.state.change().unwrap();
    assert!(flow.options.len() >= 2, "{:?}", flow.options.iter().map(|o| &o.plan.name).collect::<Vec<_>>());
    for o in &flow.options {
        assert!(
            o.plan.prices.iter().any(|pr| pr.period == sub.period && pr.kind != till::billing::PriceKind::Usage),
            "{} has no non-usage price billed like the subscription ({})",
            o.plan.name,
            sub.period.label()
        );
        assert!(!o.plan.prices.iter().all(|pr| pr.kind == till::billing::PriceKind::Usage), "{}", o.plan.name);
    }
    c.choose_plan_only("Business").await;
    let flow = c.app.state.change().unwrap();
    assert_eq!(flow.periods, vec![sub.period], "Flowglad keeps the subscription's interval");
    assert!(c.screen().contains("keeps a subscription's billing interval"), "{}", c.screen());
}
