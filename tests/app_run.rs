//! The checkout, change, cancel and uncancel flows through the real loop (`App::run` over an
//! injected input stream) on all four providers: Enter pressed five times at every step
//! applies nothing; the confirm key (Ctrl-S) applies exactly once.

#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a panic is the failure report

mod support;

use crossterm::event::KeyCode;
use support::runner::{Script, run, run_on};
use till::billing::{ChargePeriod, ProviderKind, Subscription, SubscriptionStatus};
use till::providers;
use till::tui::state::Mode;

fn tab_key(kind: ProviderKind) -> char {
    let i = ProviderKind::ALL.iter().position(|k| *k == kind).unwrap();
    char::from(b'2' + i as u8)
}

fn enter_five_times(s: &Script) {
    (0..5).for_each(|_| s.key(KeyCode::Enter));
}

fn charges(s: &Script, kind: ProviderKind) -> usize {
    let st = s.sandbox.state();
    match kind {
        ProviderKind::Kelviq => st.kelviq.lock().unwrap().change_charges().len(),
        ProviderKind::Flowglad => st.flowglad.lock().unwrap().change_charges().len(),
        ProviderKind::KuvarPay => st.kuvarpay.lock().unwrap().change_charges().len(),
        ProviderKind::Zenskar => st.zenskar.lock().unwrap().change_charges().len(),
    }
}

fn sessions(s: &Script, kind: ProviderKind) -> usize {
    let st = s.sandbox.state();
    match kind {
        ProviderKind::Kelviq => st.kelviq.lock().unwrap().checkout_count(),
        ProviderKind::Flowglad => st.flowglad.lock().unwrap().checkout_count(),
        ProviderKind::KuvarPay => st.kuvarpay.lock().unwrap().checkout_count(),
        ProviderKind::Zenskar => st.zenskar.lock().unwrap().checkout_count(),
    }
}

/// A customer with a live subscription to `plan` in `currency`, and that subscription's row.
async fn find(s: &Script, kind: ProviderKind, plan: &str, currency: &str) -> (String, usize, Subscription) {
    let client = providers::connect(kind, s.sandbox.endpoint(kind), s.http.clone()).unwrap();
    let page = client
        .list_customers(&till::providers::PageRequest { cursor: None, limit: 100, search: None, follows: false })
        .await
        .unwrap();
    for c in page.items {
        let subs = client.list_subscriptions(&c.id).await.unwrap_or_default();
        if let Some(i) = subs.iter().position(|x| {
            x.plan_name.as_deref() == Some(plan)
                && x.amount.is_some_and(|a| a.currency().code() == currency)
                && x.status == SubscriptionStatus::Active
                && x.ends_on.is_none()
        }) {
            return (c.id.clone(), i, subs[i].clone());
        }
    }
    panic!("no {kind} customer on {plan} in {currency}");
}

/// Jumps to the customer and moves to their subscription in the Subscriptions pane.
async fn select(s: &Script, kind: ProviderKind, customer: &str, row: usize) {
    s.text(&tab_key(kind).to_string());
    s.key(KeyCode::Char(':'));
    s.text(&format!("customer {customer}"));
    s.key(KeyCode::Enter);
    s.idle().await;
    s.key(KeyCode::Tab); // to the subscriptions
    s.idle().await;
    (0..row).for_each(|_| s.key(KeyCode::Char('j')));
    s.idle().await;
}

/// `u`, the plan at `target` in the dialog's list, every step with Enter, Enter five times on
/// the preview (nothing), then Ctrl-S twice (one change).
async fn change(s: &Script, kind: ProviderKind, sub: &Subscription, to: &str) {
    let client = providers::connect(kind, s.sandbox.endpoint(kind), s.http.clone()).unwrap();
    let currency = sub.amount.map(|a| a.currency());
    let options: Vec<String> = client
        .list_plans()
        .await
        .unwrap()
        .into_iter()
        .filter(|p| {
            p.prices.iter().any(|pr| Some(pr.amount.currency()) == currency && pr.period != ChargePeriod::OneTime)
        })
        .map(|p| p.name)
        .collect();
    let target = options.iter().position(|n| n == to).unwrap_or_else(|| panic!("{kind}: {to} not in {options:?}"));
    s.key(KeyCode::Char('u'));
    s.wait_for("1 Plan › 2 Period › 3 Timing › 4 Preview").await;
    s.key(KeyCode::Char('g'));
    (0..target).for_each(|_| s.key(KeyCode::Char('j')));
    s.key(KeyCode::Enter);
    s.wait_for("Charge period for").await;
    s.key(KeyCode::Enter);
    s.wait_for("When does the change take effect?").await;
    s.key(KeyCode::Enter);
    s.wait_for("Ctrl-S applies ").await;
    let before = charges(s, kind);
    enter_five_times(s);
    s.wait_for("Enter does not apply").await;
    s.idle().await;
    assert_eq!(charges(s, kind), before, "{kind}: Enter x5 on the preview applied something");
    s.ctrl('s');
    s.ctrl('s');
    s.wait_for("Done: now").await;
    assert_eq!(charges(s, kind), before + 1, "{kind}: two Ctrl-S apply once");
    s.key(KeyCode::Enter);
    s.idle().await;
}

/// `x` immediately: Enter x5 on the preview cancels nothing; Ctrl-S cancels.
async fn cancel_now(s: &Script, kind: ProviderKind) {
    s.key(KeyCode::Char('x'));
    s.wait_for("1 When › 2 Date › 3 Preview").await;
    s.key(KeyCode::Enter);
    let preview = s.wait_for("Ctrl-S cancels").await;
    assert!(preview.contains("Access ends"), "{kind}: {preview}");
    enter_five_times(s);
    s.idle().await;
    assert!(!s.screen().contains("Done:"), "{kind}: Enter cancelled:\n{}", s.screen());
    s.ctrl('s');
    let done = s.wait_for("Done:").await;
    assert!(done.contains("canceled") || done.contains("cancelled") || done.contains("ends"), "{kind}: {done}");
    s.key(KeyCode::Enter);
    s.idle().await;
}

/// At period end, then `U`: Enter x5 undoes nothing; Ctrl-S undoes.
async fn cancel_then_undo(s: &Script, kind: ProviderKind) {
    s.key(KeyCode::Char('x'));
    s.wait_for("1 When").await;
    s.key(KeyCode::Char('j'));
    s.key(KeyCode::Enter);
    s.wait_for("Ctrl-S cancels").await;
    s.ctrl('s');
    s.wait_for("Done:").await;
    s.key(KeyCode::Enter);
    s.idle().await;
    s.key(KeyCode::Char('U'));
    s.wait_for("Ctrl-S removes the cancellation").await;
    enter_five_times(s);
    s.idle().await;
    assert!(!s.screen().contains("Done:"), "{kind}: Enter undid:\n{}", s.screen());
    s.ctrl('s');
    s.wait_for("Done:").await;
    s.key(KeyCode::Enter);
    s.idle().await;
}

async fn plan_flows(kind: ProviderKind, plan: &str, currency: &str, to: &str, undo: bool) {
    run(Mode::Sandbox, 140, 40, |s| async move {
        s.wait_for("Customers").await;
        let (customer, row, sub) = find(&s, kind, plan, currency).await;
        select(&s, kind, &customer, row).await;
        change(&s, kind, &sub, to).await;
        if undo {
            cancel_then_undo(&s, kind).await;
        }
        cancel_now(&s, kind).await;
    })
    .await;
}

#[tokio::test]
async fn kelviq_change_and_cancel_through_the_loop() {
    plan_flows(ProviderKind::Kelviq, "Starter", "EUR", "Business", false).await;
}

#[tokio::test]
async fn flowglad_change_cancel_and_undo_through_the_loop() {
    plan_flows(ProviderKind::Flowglad, "Pro", "EUR", "Business", true).await;
}

#[tokio::test]
async fn kuvarpay_change_cancel_and_undo_through_the_loop() {
    plan_flows(ProviderKind::KuvarPay, "Pro", "NGN", "Business", true).await;
}

#[tokio::test]
async fn zenskar_change_and_cancel_through_the_loop() {
    plan_flows(ProviderKind::Zenskar, "Business", "USD", "Enterprise", false).await;
}

/// Pays on the hosted page as a browser does (the form's token included).
async fn pay(url: &str) {
    let client = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap();
    let paid = support::pay::submit(&client, url, "4242 4242 4242 4242").await;
    assert!(paid.status().is_redirection() || paid.status().is_success(), "{}", paid.status());
}

/// The checkout URL from the create response in the request log.
fn created_url(s: &Script) -> String {
    let log = s.http.log().snapshot();
    let body = log
        .iter()
        .rev()
        .filter(|e| e.method == "POST" && e.status.is_some_and(|c| c < 300))
        .find_map(|e| e.response_body.clone())
        .expect("a create response");
    let at = body.find("http://127.0.0.1").expect("a hosted URL");
    body[at..body[at..].find('"').map_or(body.len(), |e| at + e)].to_string()
}

async fn checkout_flow(kind: ProviderKind, field_label: &str, typed: &str) {
    run(Mode::Sandbox, 160, 44, |s| async move {
        s.wait_for("Customers").await;
        s.text(&tab_key(kind).to_string());
        s.idle().await;
        s.key(KeyCode::Char('n'));
        s.wait_for(&format!("New checkout · {kind}")).await;
        // The fields a product checkout shows (Flowglad sets a target subscription aside).
        use till::ops::checkout::{CheckoutType, applies};
        let fields: Vec<_> = till::tui::state::checkout::fields::schema(kind)
            .into_iter()
            .filter(|f| applies(kind, CheckoutType::Purchase, f.id))
            .collect();
        let at = fields.iter().position(|f| f.label == field_label).unwrap_or_else(|| panic!("{kind}: {field_label}"));
        (0..at).for_each(|_| s.key(KeyCode::Tab));
        s.text(typed);
        s.key(KeyCode::Enter);
        s.idle().await;
        // To the Submit button, and Enter five times there: it says which key submits.
        let focus_after = at + 1;
        (focus_after..fields.len()).for_each(|_| s.key(KeyCode::Tab));
        let before = sessions(&s, kind);
        enter_five_times(&s);
        s.wait_for("Ctrl-S creates the checkout session").await;
        s.idle().await;
        assert_eq!(sessions(&s, kind), before, "{kind}: Enter created a session");
        s.ctrl('s');
        s.ctrl('s');
        s.wait_for("Checkout created").await;
        assert_eq!(sessions(&s, kind), before + 1, "{kind}: two Ctrl-S create one session");
        pay(&created_url(&s)).await;
        // Closing the result keeps watching the session; the status bar says when it is paid.
        s.key(KeyCode::Esc);
        s.wait_for("paid · checkout").await;
    })
    .await;
}

#[tokio::test]
async fn kelviq_checkout_through_the_loop() {
    checkout_flow(ProviderKind::Kelviq, "Plan", "busi").await;
}

#[tokio::test]
async fn flowglad_checkout_through_the_loop() {
    checkout_flow(ProviderKind::Flowglad, "Price", "pro · $").await;
}

#[tokio::test]
async fn kuvarpay_checkout_through_the_loop() {
    checkout_flow(ProviderKind::KuvarPay, "Price", "Pro").await;
}

#[tokio::test]
async fn zenskar_checkout_through_the_loop() {
    checkout_flow(ProviderKind::Zenskar, "Plan", "Team").await;
}

/// Provider strings full of ESC, OSC, BEL, C1 and bidi controls never reach the terminal from any
/// pane, and the console keeps working (issue 14).
#[tokio::test]
async fn hostile_provider_strings_reach_no_cell_of_the_console() {
    let options = till::sandbox::SandboxOptions { hostile: true, ..Default::default() };
    run_on(options, Mode::Sandbox, 160, 44, |s| async move {
        s.wait_for("Customers").await;
        for tab in ['1', '2', '3', '4', '5'] {
            s.key(KeyCode::Char(tab));
            s.key(KeyCode::Char('/'));
            s.text("pwned");
            s.key(KeyCode::Enter);
            s.wait_for("Eve Hostile").await;
            // Her row shows stand-ins (ratatui would drop a control unseen and pass a bidi one).
            assert!(s.screen().contains("Eve Hostile ␛]0;pwned␇"), "{}", s.screen());
            assert!(!s.symbols().chars().any(till::text::is_unsafe), "a control reached a cell:\n{}", s.screen());
            // Her detail view (Enter) shows every field she has: still no control character.
            s.key(KeyCode::Enter);
            s.idle().await;
            let cells = s.symbols();
            assert!(!cells.chars().any(till::text::is_unsafe), "a control character reached a cell:\n{}", s.screen());
            // Each unsafe character is a visible stand-in in the fields, not dropped unseen.
            assert!(s.screen().contains("Eve Hostile ␛]0;pwned␇"), "{}", s.screen());
            // The provider's own JSON (v): no control reaches a cell, and the bidi override and
            // the C1 control are written as JSON escapes, not dropped unseen.
            s.key(KeyCode::Char('v'));
            let json = s.wait_for("the provider's JSON").await;
            assert!(!s.symbols().chars().any(till::text::is_unsafe), "a control reached a cell:\n{json}");
            assert!(json.contains(r"\u009c\r\u0007\u202eexe.\u2066") && json.contains(r"\u009b31m"), "{json}");
            s.key(KeyCode::Char('v'));
            s.key(KeyCode::Esc);
            s.key(KeyCode::Tab);
            s.idle().await;
            for _ in 0..4 {
                let cells = s.symbols();
                assert!(
                    !cells.chars().any(till::text::is_unsafe),
                    "a control character reached a cell:\n{}",
                    s.screen()
                );
                s.key(KeyCode::Tab);
                s.idle().await;
            }
            s.key(KeyCode::Esc);
            s.key(KeyCode::Esc);
        }
    })
    .await;
}
