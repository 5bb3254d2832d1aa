//! Plan changes scheduled for later are visible and, where the provider can, called off
//! (issue 13, "Hidden state"): a Flowglad or Zenskar downgrade at period end shows
//! "→ Starter on <date>" on the subscription; `U` calls it off on Flowglad
//! (`cancel-scheduled-adjustment`) and says "not offered by Zenskar" on Zenskar.

#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a panic is the failure report

mod support;

use crossterm::event::KeyCode;
use support::console::{Console, console};
use till::billing::{ChangeTiming, ProviderKind, Subscription, SubscriptionStatus};
use till::providers;
use till::tui::state::Mode;
use till::tui::state::change::Step;

async fn select(c: &mut Console, kind: ProviderKind, plan: &str) -> Subscription {
    let slot = ProviderKind::ALL.iter().position(|k| *k == kind).unwrap();
    let client = providers::connect(kind, c.sandbox.endpoint(kind), c.http.clone()).unwrap();
    let ids: Vec<String> = c.app.state.slots[slot].customers.rows.iter().map(|x| x.id.to_string()).collect();
    let wanted = |s: &Subscription| {
        s.plan_name.as_deref() == Some(plan)
            && s.status == SubscriptionStatus::Active
            && s.ends_on.is_none()
            && s.pending_change.is_none()
    };
    for id in ids {
        if client.list_subscriptions(&id).await.unwrap_or_default().iter().any(wanted) {
            return c.select(kind, &id, wanted).await;
        }
    }
    panic!("no {kind} customer with a live {plan} subscription");
}

/// `u`, the plan, the subscription's period, "at the end of the current period", Ctrl-S.
async fn downgrade_at_period_end(c: &mut Console, kind: ProviderKind, to: &str) -> Subscription {
    c.key(KeyCode::Char('u')).await;
    let flow = c.app.state.change().unwrap_or_else(|| panic!("{kind}: {:?}", c.app.state.notice));
    let target = flow.options.iter().position(|o| o.plan.name == to).unwrap();
    for _ in flow.plan_idx..target {
        c.key(KeyCode::Down).await;
    }
    c.key(KeyCode::Enter).await; // plan
    c.key(KeyCode::Enter).await; // period: the subscription's own
    let timings = c.app.state.change().unwrap().timings.clone();
    let at_end = timings.iter().position(|t| *t == ChangeTiming::AtPeriodEnd).expect("at period end offered");
    for _ in 0..at_end {
        c.key(KeyCode::Down).await;
    }
    c.key(KeyCode::Enter).await;
    assert_eq!(c.app.state.change().unwrap().step, Step::Confirm);
    c.ctrl('s').await;
    c.wait_for_step(Step::Done).await;
    let outcome = c.app.state.change().unwrap().outcome.clone().unwrap();
    c.key(KeyCode::Enter).await;
    outcome.unwrap_or_else(|e| panic!("{kind}: {e}"))
}

#[tokio::test]
async fn flowglad_shows_a_scheduled_downgrade_and_calls_it_off() {
    let mut c = console(Mode::Sandbox, false).await;
    let before = select(&mut c, ProviderKind::Flowglad, "Pro").await;
    let charges = c.charges(ProviderKind::Flowglad).len();
    downgrade_at_period_end(&mut c, ProviderKind::Flowglad, "Starter").await;
    let shown = c.shown(&before.id).expect("same subscription");
    let pending = shown.pending_change.clone().expect("the scheduled change is read back");
    assert_eq!(pending.plan_name.as_deref(), Some("Starter"));
    assert_eq!(pending.on, before.current_period_end.map(|d| d.date_naive()), "at the end of the period");
    assert_eq!(shown.plan_name.as_deref(), Some("Pro"), "still Pro until then");
    let phrase = format!("→ Starter on {}", pending.on.unwrap());
    assert_eq!(shown.date_phrase(), phrase);
    assert!(c.screen().contains(&phrase), "shown on the subscription row:\n{}", c.screen());
    assert_eq!(c.charges(ProviderKind::Flowglad).len(), charges, "nothing billed now");

    c.key(KeyCode::Char('U')).await;
    let screen = c.screen();
    assert!(screen.contains("Undo scheduled change") && screen.contains(&phrase), "{screen}");
    c.key(KeyCode::Enter).await;
    assert!(c.app.state.cancel().is_some_and(|f| f.step == Step::Confirm), "Enter does not apply");
    c.ctrl('s').await;
    c.wait_for_step(Step::Done).await;
    c.key(KeyCode::Enter).await;
    let after = c.shown(&before.id).unwrap();
    assert_eq!((after.pending_change.as_ref(), after.plan_name.as_deref()), (None, Some("Pro")), "{after:?}");
    assert!(after.date_phrase().starts_with("renews "), "{}", after.date_phrase());
    let journal = support::console::journal().actions(Some(&before.customer_id)).unwrap();
    assert!(journal.iter().any(|e| e.action == "subscription.cancel_scheduled_change"), "journaled");
}

#[tokio::test]
async fn zenskar_shows_a_scheduled_downgrade_and_says_it_cannot_call_it_off() {
    let mut c = console(Mode::Sandbox, false).await;
    let before = select(&mut c, ProviderKind::Zenskar, "Business").await;
    downgrade_at_period_end(&mut c, ProviderKind::Zenskar, "Team").await;
    let shown = c.shown(&before.id).expect("same contract");
    let pending = shown.pending_change.clone().expect("the later phase is read as a scheduled change");
    assert_eq!(pending.plan_name.as_deref(), Some("Team"));
    assert!(pending.on.is_some_and(|d| Some(d) == before.current_period_end.map(|e| e.date_naive())), "{pending:?}");
    assert!(c.screen().contains("→ Team on"), "{}", c.screen());
    c.key(KeyCode::Char('U')).await;
    assert!(c.app.state.cancel().is_none());
    let notice = format!("{:?}", c.app.state.notice);
    assert!(notice.contains("not offered by Zenskar"), "{notice}");
}
