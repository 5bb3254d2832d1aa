//! Every mode's keys: help lists each binding of the mode, each binding reaches its action,
//! Enter never applies, and the dialogs walk their steps with back and discard.

use std::sync::Arc;

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use rust_decimal_macros::dec;

use super::change::{CancelChoice, CancelFlow, ChangeFlow, ChangeRules, Step};
use super::checkout::CheckoutBuilder;
use super::checkout::fields::Input;
use super::*;
use crate::billing::*;
use crate::tui::action::Action;
use crate::tui::keymap::{self, BINDINGS, Context};
use crate::tui::view::overlays_help_lines;

fn state() -> AppState {
    AppState::new(Vec::<Arc<dyn BillingProvider>>::new(), Mode::Sandbox, "test", (120, 32))
}

fn sub() -> Subscription {
    Subscription {
        provider: ProviderKind::Kelviq,
        id: "s1".into(),
        customer_id: "c1".into(),
        plan_id: Some("starter".into()),
        plan_name: Some("Starter".into()),
        status: SubscriptionStatus::Active,
        raw_status: "active".into(),
        amount: Some(Money::new(dec!(18), Currency::from_code("EUR").unwrap())),
        period: ChargePeriod::Monthly,
        started_on: None,
        current_period_start: None,
        current_period_end: None,
        ends_on: None,
        canceled_at: None,
        trial_days_remaining: None,
        pending_change: None,
        features: Vec::new(),
        issues: Vec::new(),
    }
}

fn plan(id: &str, monthly: rust_decimal::Decimal) -> Plan {
    Plan {
        provider: ProviderKind::Kelviq,
        id: id.into(),
        name: id.to_uppercase(),
        description: None,
        product: None,
        prices: vec![Price {
            id: Some(format!("{id}_m")),
            kind: PriceKind::Paid,
            period: ChargePeriod::Monthly,
            amount: Money::new(monthly, Currency::from_code("EUR").unwrap()),
            trial_days: None,
        }],
        features: vec![],
        issues: Vec::new(),
    }
}

fn change_flow(live: bool) -> ChangeFlow {
    let plans = [plan("starter", dec!(18)), plan("growth", dec!(49))];
    let rules = ChangeRules { timings: vec![ChangeTiming::Immediately], keep_interval: false };
    ChangeFlow::new(0, "c1".into(), "Cleo".into(), sub(), &plans, rules, live)
}

fn cancel_flow() -> CancelFlow {
    CancelFlow {
        slot: 0,
        customer_id: "c1".into(),
        customer_name: "Cleo".into(),
        subscription: sub(),
        undo: false,
        choices: vec![CancelChoice::Immediately, CancelChoice::AtPeriodEnd, CancelChoice::OnDate],
        idx: 0,
        date: String::new(),
        date_error: None,
        step: Step::Choose,
        lost: vec![],
        kept: vec![],
        live: false,
        typed: String::new(),
        outcome: None,
    }
}

/// One state per mode the console can be in.
fn every_mode() -> Vec<(String, AppState)> {
    let mut modes = Vec::new();
    let mut with = |name: &str, f: &dyn Fn(&mut AppState)| {
        let mut s = state();
        f(&mut s);
        modes.push((name.to_string(), s));
    };
    with("panes", &|_| {});
    with("filter", &|s| s.views[0].filter.editing = true);
    with("subscriptions pane", &|s| s.focus = Pane::Subscriptions);
    with("help", &|s| s.push(Dialog::Help { scroll: 0, contexts: vec![Context::Global] }));
    with("palette", &|s| s.push(Dialog::Palette(Default::default())));
    with("requests", &|s| s.push(Dialog::Requests(Default::default())));
    with("audit", &|s| {
        s.push(Dialog::Audit {
            customer: "c".into(),
            entries: vec![],
            offset: 0,
            note: None,
            control: Default::default(),
        })
    });
    with("preset save", &|s| s.push(Dialog::PresetSave(String::new())));
    with("preset load", &|s| s.push(Dialog::PresetLoad { names: vec!["a".into()], selected: 0 }));
    with("live confirm", &|s| s.push(Dialog::LiveConfirm(String::new())));
    with("discard", &|s| s.push(Dialog::Discard { what: "plan change" }));
    with("change", &|s| s.push(Dialog::Change(Box::new(change_flow(false)))));
    with("change live preview", &|s| {
        let mut f = change_flow(true);
        f.step = Step::Confirm;
        s.push(Dialog::Change(Box::new(f)));
    });
    with("cancel", &|s| s.push(Dialog::Cancel(Box::new(cancel_flow()))));
    with("cancel date", &|s| {
        let mut f = cancel_flow();
        f.step = Step::Date;
        s.push(Dialog::Cancel(Box::new(f)));
    });
    let builder = CheckoutBuilder::new(0, ProviderKind::Zenskar, &[], None, None);
    for (i, field) in builder.fields.iter().enumerate().chain([(builder.fields.len(), &builder.fields[0])]) {
        let kind = match (&field.input, i == builder.fields.len()) {
            (_, true) => "submit",
            (Input::Text(_), _) => "text",
            (Input::Pick { .. }, _) => "pick",
            (Input::Toggle(_), _) => "toggle",
            (Input::Rows { .. }, _) => "rows",
        };
        with(&format!("checkout {kind} field"), &|s| {
            let mut b = CheckoutBuilder::new(0, ProviderKind::Zenskar, &[], None, None);
            b.focus = i;
            s.push(Dialog::Checkout(Box::new(b)));
        });
    }
    modes
}

#[test]
fn help_lists_every_binding_of_every_mode_and_each_binding_reaches_its_action() {
    for (name, s) in every_mode() {
        let contexts = s.contexts();
        let help = overlays_help_lines(&contexts, &s, 400).into_iter().map(|(_, l)| l).collect::<Vec<_>>().join("\n");
        for b in BINDINGS.iter().filter(|b| contexts.contains(&b.context)) {
            assert!(help.contains(b.label), "{name}: help lacks the key {:?}", b.label);
            if b.label != "1-9" {
                assert!(help.contains(b.help), "{name}: help lacks {:?}", b.help);
            }
            // The binding's keys do what it says, unless a more specific context of this mode
            // binds the same key (then that one is listed first in help).
            for (code, mods) in b.keys.iter().filter(|(c, _)| *c != KeyCode::Null) {
                let action = keymap::action_for(&KeyEvent::new(*code, *mods), &contexts);
                let shadowed = contexts
                    .iter()
                    .take_while(|c| **c != b.context)
                    .any(|c| BINDINGS.iter().any(|o| o.context == *c && o.keys.contains(&(*code, *mods))));
                let tab = matches!(b.action, Action::GoTab(_));
                assert!(shadowed || tab || action == Some(b.action), "{name}: {:?} gives {action:?}", b.label);
            }
        }
    }
}

#[test]
fn enter_pressed_five_times_applies_nothing_in_any_dialog() {
    let enter = KeyEvent::new(KeyCode::Enter, KeyModifiers::NONE);
    for (name, mut s) in every_mode().into_iter().filter(|(n, _)| {
        n.starts_with("change") || n.starts_with("cancel") || n.starts_with("checkout") || n.starts_with("live")
    }) {
        for _ in 0..5 {
            let effects = s.handle_key(enter, chrono::Utc::now());
            assert!(
                !effects.iter().any(|e| matches!(
                    e,
                    Effect::ApplyChange { .. }
                        | Effect::ApplyCancel { .. }
                        | Effect::ApplyUncancel { .. }
                        | Effect::SubmitCheckout { .. }
                )),
                "{name}: Enter applied {effects:?}"
            );
        }
    }
}

#[test]
fn the_change_dialog_walks_every_step_goes_back_and_asks_before_discarding() {
    let mut s = state();
    s.push(Dialog::Change(Box::new(change_flow(false))));
    let key = |c| KeyEvent::new(c, KeyModifiers::NONE);
    let now = chrono::Utc::now();
    assert_eq!(s.change().map(|f| f.step), Some(Step::Choose));
    s.handle_key(key(KeyCode::Enter), now);
    assert_eq!(s.change().map(|f| f.step), Some(Step::Period), "one period is shown, not skipped");
    s.handle_key(key(KeyCode::Enter), now);
    assert_eq!(s.change().map(|f| f.step), Some(Step::Timing), "one timing is shown, not skipped");
    s.handle_key(key(KeyCode::Backspace), now);
    assert_eq!(s.change().map(|f| f.step), Some(Step::Period), "Backspace goes back one step");
    s.handle_key(key(KeyCode::Enter), now);
    let effects = s.handle_key(key(KeyCode::Enter), now);
    assert!(matches!(effects.as_slice(), [Effect::PreviewChange { .. }]), "{effects:?}");
    s.handle_key(key(KeyCode::Esc), now);
    assert!(matches!(s.top(), Some(Dialog::Discard { .. })), "Esc asks first");
    s.handle_key(key(KeyCode::Char('j')), now);
    assert!(s.change().is_some(), "any other key keeps the change");
    s.handle_key(key(KeyCode::Esc), now);
    s.handle_key(key(KeyCode::Esc), now);
    assert!(s.dialogs.is_empty(), "Esc twice discards");
}

#[test]
fn j_and_k_move_in_the_cancel_timing_list_and_a_date_is_its_own_step() {
    let mut s = state();
    s.push(Dialog::Cancel(Box::new(cancel_flow())));
    let now = chrono::Utc::now();
    let key = |c| KeyEvent::new(c, KeyModifiers::NONE);
    s.handle_key(key(KeyCode::Char('j')), now);
    s.handle_key(key(KeyCode::Char('j')), now);
    assert_eq!(s.cancel().map(|f| f.idx), Some(2));
    s.handle_key(key(KeyCode::Char('k')), now);
    s.handle_key(key(KeyCode::Char('j')), now);
    s.handle_key(key(KeyCode::Enter), now);
    assert_eq!(s.cancel().map(|f| f.step), Some(Step::Date));
    for c in "2099-01-0j".chars() {
        s.handle_key(key(KeyCode::Char(c)), now);
    }
    s.handle_key(key(KeyCode::Backspace), now);
    s.handle_key(key(KeyCode::Char('1')), now);
    assert_eq!(s.cancel().map(|f| f.date.clone()).as_deref(), Some("2099-01-01"), "j types in the date");
    s.handle_key(key(KeyCode::Enter), now);
    assert_eq!(s.cancel().map(|f| f.step), Some(Step::Confirm));
    let apply = s.handle_key(KeyEvent::new(KeyCode::Char('s'), KeyModifiers::CONTROL), now);
    assert!(matches!(apply.as_slice(), [Effect::ApplyCancel { .. }]), "Ctrl-S applies: {apply:?}");
}

#[test]
fn a_paste_is_text_for_the_focused_field_and_never_keys() {
    let mut s = state();
    let now = chrono::Utc::now();
    let effects = s.handle_paste("x\x13\r", now);
    assert!(effects.is_empty() && s.notice.as_ref().is_some_and(|n| n.text.contains("ignored")));
    let mut b = CheckoutBuilder::new(0, ProviderKind::Kelviq, &[], None, None);
    b.focus = b.fields.iter().position(|f| matches!(f.input, Input::Text(_))).unwrap();
    s.push(Dialog::Checkout(Box::new(b)));
    let effects = s.handle_paste("x\x13\r\r", now);
    assert!(!effects.iter().any(|e| matches!(e, Effect::SubmitCheckout { .. })));
    let b = s.checkout().unwrap();
    let Input::Text(area) = &b.fields[b.focus].input else { panic!() };
    assert_eq!(area.lines(), ["x"], "controls and line breaks removed");
}
