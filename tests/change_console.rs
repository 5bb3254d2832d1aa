//! Plan changes, cancellations and their safety rails, driven by keys in `App<TestBackend>`
//! against the sandbox: preview == applied, entitlements after, one apply per confirm,
//! read-only, LIVE typed confirmation, and the audit journal.

#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a panic is the failure report

mod support;

use std::time::Duration;

use crossterm::event::{Event, KeyCode, KeyEvent, KeyModifiers};
use support::console::{Console, console, journal};
use till::audit::Outcome;
use till::billing::{Money, ProviderKind, Subscription};
use till::tui::state::change::Step;
use till::tui::state::{Mode, Pane};

trait Kelviq {
    fn kelviq_charges(&self) -> Vec<(String, Money)>;
}

impl Kelviq for Console {
    fn kelviq_charges(&self) -> Vec<(String, Money)> {
        self.charges(ProviderKind::Kelviq)
    }
}

/// Selects a Kelviq customer and their live subscription to `plan`.
async fn pick(c: &mut Console, customer: &str, plan: &str) -> Subscription {
    c.select(ProviderKind::Kelviq, customer, |s| s.plan_name.as_deref() == Some(plan) && s.status.is_live()).await
}

#[tokio::test]
async fn enter_on_the_current_plan_says_so_and_stays_on_the_plan_step() {
    let mut c = console(Mode::Sandbox, false).await;
    pick(&mut c, "cus_mueller_maschinenbau", "Starter").await;
    c.key(KeyCode::Char('u')).await;
    let flow = c.app.state.change().unwrap();
    let current = flow.options.iter().position(|o| o.plan.name == "Starter").unwrap();
    let moves = current as isize - flow.plan_idx as isize;
    let key = if moves < 0 { KeyCode::Char('k') } else { KeyCode::Char('j') };
    for _ in 0..moves.unsigned_abs() {
        c.key(key).await;
    }
    assert_eq!(c.app.state.change().unwrap().plan_idx, current, "the cursor is on the current plan");
    c.key(KeyCode::Enter).await;
    assert_eq!(c.app.state.change().unwrap().step, Step::Choose, "nothing to change to");
    let screen = c.screen();
    assert!(screen.contains("Starter is the current plan: choose another"), "{screen}");
    c.key(if current == 0 { KeyCode::Char('j') } else { KeyCode::Char('k') }).await;
    assert!(!c.screen().contains("is the current plan"), "the hint goes with the next key");
    c.key(KeyCode::Enter).await;
    assert_eq!(c.app.state.change().unwrap().step, Step::Period, "another plan is taken");
}

#[tokio::test]
async fn kelviq_upgrade_previews_labels_and_applies_exactly_what_was_previewed() {
    let mut c = console(Mode::Sandbox, false).await;
    let before = pick(&mut c, "cus_mueller_maschinenbau", "Starter").await;
    c.key(KeyCode::Char('u')).await;
    let screen = c.screen();
    assert!(screen.contains("● Starter") && screen.contains("current"), "current plan marked:\n{screen}");
    assert!(screen.contains("upgrade"), "options are labelled: {screen}");
    let business = c.app.state.change().unwrap().options.iter().find(|o| o.plan.name == "Business").unwrap().relation;
    assert_eq!(business.label(), "upgrade", "by price per day");
    c.choose_plan("Business").await;
    let flow = c.app.state.change().unwrap();
    assert_eq!(flow.step, Step::Confirm);
    let preview = flow.preview.value.clone().expect("preview");
    assert!(flow.diff.iter().any(|d| d.contains("Single sign-on") && d.contains("gained")), "{:?}", flow.diff);
    let screen = c.screen();
    assert!(
        screen.contains("Starter → Business") && screen.contains("Due now") && screen.contains("Next invoice"),
        "{screen}"
    );
    assert!(screen.contains("estimated locally"));
    c.double_enter().await; // Enter never applies (issue 12)
    assert_eq!(c.app.state.change().unwrap().step, Step::Confirm, "Enter does not apply");
    assert!(c.kelviq_charges().is_empty());
    c.confirm_twice().await; // the second Ctrl-S, while applying, does nothing
    c.wait_for_step(Step::Done).await;
    let charges = c.kelviq_charges();
    assert_eq!(charges.len(), 1, "applied once");
    assert_eq!(charges[0].1, preview.current_invoice.total, "the sandbox charged what the preview said");
    let after = match &c.app.state.change().unwrap().outcome {
        Some(Ok(s)) => s.clone(),
        other => panic!("{other:?}"),
    };
    assert_ne!(after.id, before.id, "Kelviq supersedes; the console follows the new id");
    c.key(KeyCode::Enter).await;
    let selected = c
        .app
        .state
        .selected_details()
        .and_then(|d| d.subscriptions.value.as_ref())
        .and_then(|s| s.get(c.app.state.sub_selected))
        .cloned()
        .unwrap();
    assert_eq!((selected.id, selected.plan_name.as_deref()), (after.id.clone(), Some("Business")));
    let ents = c.app.state.selected_details().and_then(|d| d.entitlements.value.clone()).unwrap();
    assert!(ents.iter().any(|e| e.feature_id == "sso" && e.has_access), "entitlements refreshed after the change");
    let lines = journal().actions(Some("cus_mueller_maschinenbau")).unwrap();
    // The journal is shared by the tests of this file, which run at once on their own sandboxes
    // with the same seeded ids: this test's line is the one whose result is its new subscription
    // (the latest line for the customer may be another test's change, still in progress).
    let line = lines
        .iter()
        .rev()
        .find(|e| {
            e.action == "subscription.change"
                && e.after.as_ref().and_then(|a| a["id"].as_str()) == Some(after.id.as_str())
        })
        .unwrap_or_else(|| panic!("no journal line with the new subscription {}: {lines:#?}", after.id));
    assert_eq!((line.outcome, line.target.as_deref()), (Outcome::Succeeded, Some(before.id.as_str())));
    assert!(!line.request_ids.is_empty(), "request ids of the writes are journaled");
}

#[tokio::test]
async fn kelviq_downgrade_credits_what_the_preview_said() {
    let mut c = console(Mode::Sandbox, false).await;
    pick(&mut c, "cus_alsayed", "Business").await;
    c.key(KeyCode::Char('u')).await;
    c.choose_plan("Starter").await;
    let preview = c.app.state.change().unwrap().preview.value.clone().unwrap();
    assert!(preview.current_invoice.total.is_negative(), "a downgrade mid-period credits");
    assert!(c.app.state.change().unwrap().diff.iter().any(|d| d.contains("lost")));
    c.ctrl('s').await;
    c.wait_for_step(Step::Done).await;
    assert_eq!(c.kelviq_charges().last().map(|x| x.1), Some(preview.current_invoice.total));
}

#[tokio::test]
async fn cancel_at_period_end_then_undo_where_offered() {
    let mut c = console(Mode::Sandbox, false).await;
    let sub = pick(&mut c, "cus_wisniewski", "Business").await;
    c.key(KeyCode::Char('x')).await;
    c.key(KeyCode::Down).await; // at the end of the current period
    c.key(KeyCode::Enter).await;
    let screen = c.screen();
    let end = sub.current_period_end.unwrap().date_naive().to_string();
    assert!(screen.contains(&format!("Access ends {end}")), "{screen}");
    c.double_enter().await;
    assert_eq!(c.app.state.cancel().unwrap().step, Step::Confirm, "Enter does not cancel");
    c.confirm_twice().await;
    c.wait_for_step(Step::Done).await;
    c.key(KeyCode::Enter).await;
    let now = c.shown(&sub.id).unwrap();
    assert!(now.cancel_scheduled(), "active until {end}: {now:?}");
    c.key(KeyCode::Char('U')).await;
    assert!(c.app.state.cancel().is_none());
    assert!(c.screen().contains("not offered by Kelviq"), "{}", c.screen());
    // A plan change would make Kelviq a new subscription that renews: the end would be lost.
    c.key(KeyCode::Char('u')).await;
    assert!(c.app.state.change().is_none(), "no change dialog on a subscription set to end");
    let screen = c.screen();
    assert!(screen.contains(&format!("Ends {end}: no plan change before then")), "{screen}");
    let lines = journal().actions(Some("cus_wisniewski")).unwrap();
    assert_eq!(
        lines.iter().filter(|e| e.action == "subscription.cancel" && e.outcome == Outcome::Succeeded).count(),
        1
    );
}

/// Issue 14 item 5: a subscription changed behind the console's back after it was shown is not
/// written to (the provider used to answer "already cancelled", after the journal's start line);
/// the console re-reads it and says to preview again. A write the provider refuses is still
/// journaled with its error (`ops::subscriptions` tests, `a_refused_write_is_journaled_with_its_error`).
#[tokio::test]
async fn a_write_on_a_subscription_changed_since_the_preview_is_refused() {
    let mut c = console(Mode::Sandbox, false).await;
    let sub = pick(&mut c, "cus_nordljus", "Business").await;
    // Cancel it behind the console's back, then ask the console to cancel it again.
    let immediately = till::providers::kelviq::wire::CancelSubscriptionRequest {
        cancellation_type: "IMMEDIATE".into(),
        ..Default::default()
    };
    c.sandbox.state().kelviq.lock().unwrap().cancel_subscription(&sub.id, immediately).unwrap();
    c.key(KeyCode::Char('x')).await;
    c.key(KeyCode::Enter).await;
    c.ctrl('s').await;
    c.wait_for_step(Step::Done).await;
    assert!(c.screen().contains("changed since your preview — preview again"), "{}", c.screen());
    let lines = journal().actions(Some("cus_nordljus")).unwrap();
    assert!(!lines.iter().any(|e| e.target.as_deref() == Some(sub.id.as_str())), "nothing sent, nothing journaled");
}

#[tokio::test]
async fn read_only_refuses_every_write_and_says_why() {
    let mut c = console(Mode::Sandbox, true).await;
    pick(&mut c, "cus_mueller_maschinenbau", "Starter").await;
    for key in ['u', 'x', 'U', 'n'] {
        c.key(KeyCode::Char(key)).await;
        assert!(
            c.app.state.change().is_none() && c.app.state.cancel().is_none() && c.app.state.checkout().is_none(),
            "{key} opened a write"
        );
        assert!(c.screen().contains("Read-only"), "{key}: {}", c.screen());
    }
}

#[tokio::test]
async fn live_mode_needs_the_customer_id_typed_before_applying() {
    let mut c = console(Mode::Live, false).await;
    pick(&mut c, "cus_mueller_maschinenbau", "Starter").await;
    c.key(KeyCode::Char('u')).await;
    c.choose_plan("Growth").await;
    assert!(c.screen().contains("LIVE: type the customer id"));
    c.key(KeyCode::Enter).await;
    assert_eq!(c.app.state.change().unwrap().step, Step::Confirm, "Enter alone does nothing in LIVE");
    assert!(c.kelviq_charges().is_empty());
    c.text("cus_mueller_maschinenbaX").await;
    c.ctrl('s').await;
    assert_eq!(c.app.state.change().unwrap().step, Step::Confirm, "a wrong id does nothing");
    c.key(KeyCode::Backspace).await;
    c.text("u").await;
    c.ctrl('s').await;
    c.wait_for_step(Step::Done).await;
    assert_eq!(c.kelviq_charges().len(), 1);
}

#[tokio::test]
async fn a_live_checkout_needs_the_customer_id_typed_too() {
    let mut c = console(Mode::Live, false).await;
    pick(&mut c, "cus_mueller_maschinenbau", "Starter").await;
    c.app.state.focus = Pane::Customers;
    c.key(KeyCode::Char('n')).await;
    let b = c.app.state.checkout_mut().unwrap();
    b.focus = b.fields.iter().position(|f| f.id == till::tui::state::checkout::fields::FieldId::Plan).unwrap();
    c.text("Growth").await;
    c.key(KeyCode::Enter).await;
    let state = c.sandbox.state().clone();
    let count = || state.kelviq.lock().unwrap().checkout_count();
    let before = count();
    let submit = KeyEvent::new(KeyCode::Char('s'), KeyModifiers::CONTROL);
    c.app.handle_event(Event::Key(submit));
    c.app.settle(Duration::from_secs(5)).await;
    assert!(c.screen().contains("LIVE checkout"), "{}", c.screen());
    c.key(KeyCode::Enter).await;
    assert_eq!(count(), before, "nothing typed: nothing sent");
    c.text("cus_mueller_maschinenbau").await;
    c.key(KeyCode::Enter).await;
    assert_eq!(count(), before, "Enter never creates");
    c.ctrl('s').await;
    assert_eq!(count(), before + 1, "the typed id confirms");
    assert!(c.app.state.checkout().unwrap().result.is_some());
}

#[tokio::test]
async fn a_downgrade_below_current_usage_says_so_before_the_confirm_key() {
    let mut c = console(Mode::Sandbox, false).await;
    pick(&mut c, "cus_rossi_design", "Growth").await;
    for _ in 0..50 {
        if c.app.state.selected_details().is_some_and(|d| d.entitlements.value.is_some()) {
            break;
        }
        c.app.settle(Duration::from_millis(100)).await;
    }
    c.key(KeyCode::Char('u')).await;
    c.choose_plan("Starter").await;
    let flow = c.app.state.change().unwrap();
    assert_eq!(flow.step, Step::Confirm);
    assert!(
        flow.usage_warnings.iter().any(|w| w.contains("485,000 used") && w.contains("over the new limit 50,000")),
        "{:?}",
        flow.usage_warnings
    );
    let screen = c.screen();
    assert!(screen.contains("Usage over the new limits"), "{screen}");
    assert!(c.kelviq_charges().is_empty(), "nothing applied by previewing");
    // Back to the plan step and up to Business: no warning.
    c.key(KeyCode::Backspace).await;
    c.key(KeyCode::Backspace).await;
    c.key(KeyCode::Backspace).await;
    c.choose_plan("Business").await;
    assert!(c.app.state.change().unwrap().usage_warnings.is_empty());
}

/// Jürgen has Starter and Growth: cancelling Growth said "Lost then: API calls, Tracked
/// events, Seats, Dashboards, Audit log" while Starter still grants the first four.
#[tokio::test]
async fn a_cancel_names_what_another_subscription_still_grants() {
    let mut c = console(Mode::Sandbox, false).await;
    pick(&mut c, "cus_mueller_maschinenbau", "Growth").await;
    c.key(KeyCode::Char('x')).await;
    c.key(KeyCode::Down).await; // at the end of the current period
    c.key(KeyCode::Enter).await;
    let flow = c.app.state.cancel().unwrap();
    assert_eq!(flow.lost, ["Audit log"], "{:?}", flow.lost);
    assert!(flow.kept.iter().any(|k| k == "API calls (Starter 50,000)"), "{:?}", flow.kept);
    assert!(flow.kept.iter().any(|k| k == "Seats (Starter 3)"), "{:?}", flow.kept);
    let screen = c.screen();
    assert!(screen.contains("Lost then: Audit log"), "{screen}");
    assert!(screen.contains("Still granted by another subscription: API calls (Starter 50,000)"), "{screen}");
}

/// Kelviq stores a free plan as a one-time charge, which its API refuses to change ("use
/// checkout"): the console offered the change, previewed "Due now $249.00" and failed on Ctrl-S.
#[tokio::test]
async fn a_one_time_purchase_offers_no_plan_change() {
    let mut c = console(Mode::Sandbox, false).await;
    pick(&mut c, "cus_fernandez_abogados", "Free").await;
    c.key(KeyCode::Char('u')).await;
    assert!(c.app.state.change().is_none(), "no change dialog");
    let screen = c.screen();
    assert!(screen.contains("One-time purchase: no plan change; use a checkout (n)"), "{screen}");
    // Nor a cancel "at the end of the current period": it has none (the sandbox dated it 2125).
    c.key(KeyCode::Char('x')).await;
    let flow = c.app.state.cancel().expect("the cancel dialog");
    assert!(!flow.choices.contains(&till::tui::state::change::CancelChoice::AtPeriodEnd), "{:?}", flow.choices);
    assert!(!c.screen().contains("at the end of the current period"), "{}", c.screen());
}

/// At 60×16 the preview's body shows one line (the customer) and scrolls; the key line must
/// still say what Ctrl-S applies: the plans and the money.
#[tokio::test]
async fn on_a_small_terminal_the_confirm_key_line_names_the_plans_and_the_money() {
    let mut c = console(Mode::Sandbox, false).await;
    pick(&mut c, "cus_mueller_maschinenbau", "Starter").await;
    c.app.terminal.backend_mut().resize(60, 16);
    c.app.handle_event(Event::Resize(60, 16));
    c.app.settle(Duration::from_secs(2)).await;
    c.key(KeyCode::Char('u')).await;
    c.choose_plan("Business").await;
    let flow = c.app.state.change().unwrap();
    let due = flow.preview.value.as_ref().expect("preview").current_invoice.total;
    let screen = c.screen().replace('\n', " ").split_whitespace().collect::<Vec<_>>().join(" ");
    let expected = format!("Ctrl-S applies Starter → Business, due now {due}");
    assert!(screen.contains(&expected), "{expected:?} not on screen:\n{}", c.screen());
}

#[tokio::test]
async fn at_80x24_a_long_preview_keeps_the_confirm_key_on_screen() {
    let mut c = console(Mode::Sandbox, false).await;
    pick(&mut c, "cus_rossi_design", "Growth").await;
    c.app.terminal.backend_mut().resize(80, 24);
    c.app.handle_event(Event::Resize(80, 24));
    c.app.settle(Duration::from_secs(2)).await;
    c.key(KeyCode::Char('u')).await;
    c.choose_plan("Starter").await;
    let screen = c.screen();
    assert!(screen.contains("Ctrl-S applies Growth → Starter, "), "the confirm key is visible:\n{screen}");
    assert!(screen.contains("Usage over the new limits"), "the usage warning is never hidden:\n{screen}");
    assert!(screen.contains("485,000 used"), "{screen}");
    // What does not fit scrolls into view; nothing the operator needs stays out of reach.
    assert!(screen.contains("↓ scrolls") && !screen.contains("Audit log: lost"), "{screen}");
    for _ in 0..10 {
        c.key(KeyCode::Down).await;
    }
    let screen = c.screen();
    assert!(screen.contains("Audit log: lost") && screen.contains("above"), "{screen}");
    assert!(screen.contains("Ctrl-S applies Growth → Starter, "), "{screen}");
    assert!(c.kelviq_charges().is_empty(), "scrolling applies nothing");
}
