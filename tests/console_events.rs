//! The console's Events view (`e`): the embedded sandbox's events arriving live with what their
//! deliveries came to, Enter for the headers sent and the payload, `r` to send one again, `/`
//! to filter; a Kelviq account's own delivery log (`GET /webhook/logs/`) where there is no
//! sandbox; and a clock move made by another process showing without a key.

#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a panic is the failure report

mod support;

use std::sync::Arc;
use std::time::Duration;

use crossterm::event::KeyCode;
use support::console::{Console, console};
use support::receiver::receiver;
use till::billing::{NewCustomer, ProviderKind, SubscriptionStatus};
use till::cli::{EmbeddedClock, EmbeddedEvents};
use till::tui::state::Dialog;
use till::tui::state::Mode;

/// Lets the console take what arrives by itself (no key pressed) until the screen shows
/// `text`, for at most 10 s.
async fn wait_for_screen(c: &mut Console, text: &str) -> String {
    for _ in 0..200 {
        tokio::time::sleep(Duration::from_millis(50)).await;
        c.app.settle(Duration::from_millis(50)).await;
        if c.screen().contains(text) {
            break;
        }
    }
    c.screen()
}

/// A customer written through Kelviq's API: the sandbox announces `customer.created`.
async fn create_kelviq_customer(c: &Console, id: &str) {
    create_named(c, id, "Events Test").await;
}

async fn create_named(c: &Console, id: &str, name: &str) {
    let kelviq =
        till::providers::connect(ProviderKind::Kelviq, c.sandbox.endpoint(ProviderKind::Kelviq), c.http.clone())
            .unwrap();
    let customer = NewCustomer { id: id.into(), name: Some(name.into()), email: None, metadata: Default::default() };
    kelviq.create_customer(&customer).await.unwrap();
}

fn notice(c: &Console) -> String {
    c.app.state.notice.as_ref().map(|n| n.text.clone()).unwrap_or_default()
}

#[tokio::test]
async fn sandbox_events_arrive_live_with_their_deliveries_headers_and_payload() {
    let mut c = console(Mode::Sandbox, false).await;
    c.app.set_sandbox_events(Arc::new(EmbeddedEvents(c.sandbox.state().webhooks.clone())));
    let (url, got) = receiver().await;
    let url = url.parse().unwrap();
    let endpoint = c.sandbox.state().webhooks.register(ProviderKind::Kelviq, url, None, None);

    c.key(KeyCode::Char('e')).await;
    assert!(matches!(c.app.state.top(), Some(Dialog::Events(_))));
    let screen = c.screen();
    assert!(screen.contains(&format!("Endpoint {}", endpoint.id)), "the receiver is named:\n{screen}");

    // Nothing pressed from here: the view follows the sandbox by itself.
    create_kelviq_customer(&c, "cus_events_live").await;
    let screen = wait_for_screen(&mut c, "✓ 200").await;
    assert!(screen.contains("customer.created"), "{screen}");
    assert!(screen.contains("✓ 200"), "the delivery's answer is shown once made:\n{screen}");
    assert_eq!(got.lock().unwrap().len(), 1);

    // Enter: the deliveries, the headers that went and the payload's fields.
    c.key(KeyCode::Enter).await;
    let Some(Dialog::Detail(d)) = c.app.state.top() else { panic!("a detail view") };
    let text: Vec<String> = d.lines.iter().map(|l| format!("{l:?}")).collect();
    let text = text.join("\n");
    // Copied out at once: the receiver takes the same lock for the next delivery.
    let signature = got.lock().unwrap()[0].0.get("webhook-signature").unwrap().to_str().unwrap().to_string();
    assert!(text.contains(&signature), "the signature header as sent:\n{text}");
    assert!(text.contains("Section(\"data.object\")") && text.contains("\"customer_id\""), "payload fields:\n{text}");
    assert!(text.contains("cus_events_live"));
    let short: String = endpoint.id.chars().take(12).collect();
    assert!(text.contains(&format!("try 1 → {short}")), "{text}");
    assert!(!text.contains(&endpoint.secret), "never the secret");
    c.key(KeyCode::Esc).await;

    // r: sent again, with the same event id, and shown as a second delivery.
    c.key(KeyCode::Char('r')).await;
    assert!(notice(&c).starts_with("Sent evt") || notice(&c).starts_with("Sent "), "{}", notice(&c));
    let screen = wait_for_screen(&mut c, "✓ 200 ×2").await;
    assert!(screen.contains("✓ 200 ×2"), "{screen}");
    let deliveries = got.lock().unwrap().clone();
    assert_eq!(deliveries.len(), 2);
    assert_eq!(deliveries[0].0.get("webhook-id"), deliveries[1].0.get("webhook-id"), "the same event");
    c.key(KeyCode::Enter).await;
    let Some(Dialog::Detail(d)) = c.app.state.top() else { panic!("a detail view") };
    assert!(d.lines.iter().any(|l| format!("{l:?}").contains("resent")), "the resend is marked");
    c.key(KeyCode::Esc).await;

    // /: only the events whose text matches.
    create_kelviq_customer(&c, "cus_events_second").await;
    for _ in 0..100 {
        if matches!(c.app.state.top(), Some(Dialog::Events(e)) if e.rows.len() == 2) {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
        c.app.settle(Duration::from_millis(50)).await;
    }
    // The customer's own id is only in the payload; the filter looks there too.
    c.key(KeyCode::Char('/')).await;
    c.text("cus_events_second").await;
    c.key(KeyCode::Enter).await;
    let Some(Dialog::Events(e)) = c.app.state.top() else { panic!("the events view") };
    assert_eq!(e.rows.len(), 2);
    let shown: Vec<&str> = e.visible().iter().map(|&i| e.rows[i].payload.as_str()).collect();
    assert_eq!(shown.len(), 1, "{shown:?}");
    assert!(shown[0].contains("cus_events_second"));
}

/// A name with terminal escapes travels in an event's payload: the view and the event's
/// details show it harmlessly.
#[tokio::test]
async fn a_hostile_name_in_a_payload_never_reaches_the_terminal_raw() {
    let mut c = console(Mode::Sandbox, false).await;
    c.app.set_sandbox_events(Arc::new(EmbeddedEvents(c.sandbox.state().webhooks.clone())));
    create_named(&c, "cus_events_hostile", "Evil\u{1b}]52;c;cGF5\u{7}\u{1b}[2JCorp").await;
    c.key(KeyCode::Char('e')).await;
    c.key(KeyCode::Enter).await;
    let screen = c.screen();
    assert!(screen.contains("Evil") && screen.contains("Corp"), "{screen}");
    assert!(!screen.contains('\u{1b}') && !screen.contains('\u{7}'), "{screen:?}");
    c.key(KeyCode::Char('v')).await;
    let raw = c.screen();
    assert!(raw.contains("Evil") && !raw.contains('\u{1b}'), "{raw:?}");
}

#[tokio::test]
async fn a_kelviq_account_shows_its_own_delivery_log() {
    // No sandbox feed: the console reads Kelviq's `GET /webhook/logs/`, as on a real account.
    let mut c = console(Mode::Sandbox, false).await;
    let (url, got) = receiver().await;
    let url = url.parse().unwrap();
    c.sandbox.state().webhooks.register(ProviderKind::Kelviq, url, None, None);
    create_kelviq_customer(&c, "cus_events_logged").await;
    for _ in 0..100 {
        if !got.lock().unwrap().is_empty() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    c.key(KeyCode::Char('e')).await;
    let screen = c.screen();
    assert!(screen.contains("customer.created"), "{screen}");
    assert!(screen.contains("✓ 200"), "{screen}");
    assert!(screen.contains("Flowglad: no API lists its deliveries"), "the others say why they are absent:\n{screen}");
    assert!(c.http.log().snapshot().iter().any(|e| e.url.contains("/webhook/logs/")), "read from Kelviq's log");
    c.key(KeyCode::Char('r')).await;
    assert!(notice(&c).contains("dashboard"), "only sandbox events are sent again: {}", notice(&c));
}

#[tokio::test]
async fn a_clock_move_by_another_process_shows_without_a_key() {
    let mut c = console(Mode::Sandbox, false).await;
    c.app.set_sandbox_clock(Arc::new(EmbeddedClock(c.sandbox.state().clone())));
    let before =
        c.select(ProviderKind::Kelviq, "cus_mueller_maschinenbau", |s| s.status == SubscriptionStatus::Active).await;
    let end = before.current_period_end.unwrap();

    // What `till sandbox clock advance 1M` does through the admin API.
    let to = c.sandbox.state().clock.now() + chrono::Months::new(1);
    let state = c.sandbox.state().clone();
    tokio::task::spawn_blocking(move || state.move_clock_to(to).unwrap()).await.unwrap();

    let screen = wait_for_screen(&mut c, "sandbox time").await;
    assert!(screen.contains("sandbox time 20"), "{screen}");
    assert!(notice(&c).starts_with("Clock moved by another process +"), "{}", notice(&c));
    for _ in 0..100 {
        let renewed = c.shown(&before.id).and_then(|s| s.current_period_end).is_some_and(|e| e > end);
        if renewed {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
        c.app.settle(Duration::from_millis(50)).await;
    }
    let after = c.shown(&before.id).expect("read again");
    assert!(after.current_period_end.unwrap() > end, "renewed: {end:?} → {:?}", after.current_period_end);
}
