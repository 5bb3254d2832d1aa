//! Stale-while-revalidate and exact invalidation (issue 17, "Prefetch and
//! stale-while-revalidate"): a customer read more than a minute ago is shown at once, marked
//! with the time it was read, and read again in the background; writes read again exactly what
//! they changed: a rename or a new customer no list and no subscriptions, a usage report only
//! the entitlements.

#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a panic is the failure report

mod support;

use std::sync::atomic::{AtomicI64, Ordering};
use std::time::Duration;

use chrono::{DateTime, Utc};
use crossterm::event::{Event, KeyCode, KeyEvent, KeyModifiers};
use till::billing::ProviderKind;
use till::sandbox::SandboxOptions;
use till::tui::state::freshness::STALE_AFTER;
use till::tui::state::{Dialog, Mode};

use support::console::{Console, console_with};

/// Seconds the test clock runs ahead of the real one.
static AHEAD: AtomicI64 = AtomicI64::new(0);

fn test_clock() -> DateTime<Utc> {
    Utc::now() + chrono::Duration::seconds(AHEAD.load(Ordering::SeqCst))
}

async fn captured_console() -> Console {
    let options = SandboxOptions { capture: true, ..Default::default() };
    console_with(Mode::Sandbox, false, options).await
}

/// Requests the sandbox saw from `from` on, as "METHOD path?query".
fn requests_since(c: &Console, from: usize) -> Vec<String> {
    c.sandbox.captured()[from..].iter().map(|x| format!("{} {}", x.method, x.path)).collect()
}

fn subscriptions_pane_title(c: &Console) -> String {
    c.screen().lines().find(|l| l.contains("Subscriptions ·")).unwrap_or_default().to_string()
}

/// Presses a key and draws at once, before any answer arrives.
fn press_without_waiting(c: &mut Console, code: KeyCode) {
    c.app.handle_event(Event::Key(KeyEvent::new(code, KeyModifiers::NONE)));
    c.app.draw().unwrap();
}

#[tokio::test]
async fn a_customer_read_over_a_minute_ago_is_shown_at_once_marked_and_read_again_in_the_background() {
    let mut c = captured_console().await;
    // The only test here that moves the clock: the others keep the real one.
    c.app.set_clock(test_clock);
    c.text("2").await;
    let (_, first) = c.app.state.selected_customer().map(|(s, x)| (s, x.to_customer())).unwrap();
    let shown = c.app.state.selected_details().unwrap().subscriptions.value.clone().unwrap();
    assert!(!subscriptions_pane_title(&c).contains("as of"), "fresh: {}", subscriptions_pane_title(&c));
    let read_at = c.app.state.selected_details().unwrap().subscriptions.fetched_at.unwrap();
    assert_eq!(c.app.state.next_wake(), Some(read_at + STALE_AFTER), "an idle screen wakes once to mark it");

    c.key(KeyCode::Char('j')).await;
    AHEAD.store(STALE_AFTER.num_seconds() + 5, Ordering::SeqCst);
    let from = c.sandbox.captured().len();
    press_without_waiting(&mut c, KeyCode::Char('k'));
    assert_eq!(c.app.state.selected_customer().unwrap().1.id, first.id);
    let d = c.app.state.selected_details().unwrap();
    assert_eq!(d.subscriptions.value.as_ref(), Some(&shown), "the older answer is shown at once");
    assert!(d.subscriptions.loading, "and read again");
    let title = subscriptions_pane_title(&c);
    assert!(title.contains("refreshing…"), "{title}");

    c.app.settle(Duration::from_secs(10)).await;
    let reads = requests_since(&c, from);
    let own = format!("customer_id={}", first.id);
    assert_eq!(
        reads.iter().filter(|r| r.contains("/subscriptions/") && r.contains(&own)).count(),
        1,
        "one background read of the customer's subscriptions: {reads:#?}"
    );
    assert!(reads.iter().any(|r| r.contains("/entitlements/") && r.contains(&first.id)), "{reads:#?}");
    let d = c.app.state.selected_details().unwrap();
    assert!(!d.subscriptions.loading && d.subscriptions.fetched_at.unwrap() > read_at);
    assert!(!subscriptions_pane_title(&c).contains("refreshing"), "{}", subscriptions_pane_title(&c));

    // Fresh again: moving away and back within the minute reads nothing.
    let from = c.sandbox.captured().len();
    c.key(KeyCode::Char('j')).await;
    c.key(KeyCode::Char('k')).await;
    let again = requests_since(&c, from);
    assert!(!again.iter().any(|r| r.contains(&own)), "{again:#?}");
    AHEAD.store(0, Ordering::SeqCst);
}

#[tokio::test]
async fn old_data_on_an_idle_screen_says_when_it_was_read() {
    let mut c = captured_console().await;
    c.text("2").await;
    let read_at = c.app.state.selected_details().unwrap().subscriptions.fetched_at.unwrap();
    // What the loop does when `next_wake` comes: the time moves on and the screen is drawn.
    // Both panes were read a moment apart: past the later one's minute.
    c.app.state.now = read_at + STALE_AFTER + chrono::Duration::seconds(5);
    let state = &c.app.state;
    let theme = till::tui::view::Theme { color: false };
    c.app.terminal.draw(|f| till::tui::view::draw(f, state, &theme)).unwrap();
    let title = subscriptions_pane_title(&c);
    assert!(title.contains(&format!("as of {} UTC", read_at.format("%H:%M"))), "{title}");
    assert_eq!(c.app.state.next_wake(), None, "it wakes once, not every minute");
}

#[tokio::test]
async fn a_rename_changes_the_row_in_place_and_reads_nothing_else() {
    let mut c = captured_console().await;
    c.text("3").await;
    c.text("1").await;
    // Another provider's customer and another Kelviq customer were read before.
    let kelviq = ProviderKind::ALL.iter().position(|k| *k == ProviderKind::Kelviq).unwrap() as u8;
    let cached_before: Vec<(u8, String)> = c.app.state.details.keys().cloned().collect();
    assert!(cached_before.iter().any(|(s, _)| *s != kelviq), "{cached_before:?}");
    c.select(ProviderKind::Kelviq, "cus_mueller_maschinenbau", |_| true).await;
    c.app.state.focus = till::tui::state::Pane::Customers;
    assert_eq!(c.app.state.selected_customer().unwrap().1.id, "cus_mueller_maschinenbau");
    let cached: Vec<(u8, String)> = c.app.state.details.keys().cloned().collect();

    let from = c.sandbox.captured().len();
    c.text(":").await;
    c.text("rename Müller Werke").await;
    c.key(KeyCode::Enter).await;
    c.ctrl('s').await;
    let screen = c.screen();
    assert!(screen.contains("Müller Werke"), "the row shows the provider's answer: {screen}");
    c.key(KeyCode::Enter).await;
    assert!(!matches!(c.app.state.top(), Some(Dialog::CustomerWrite(_))));
    let reads = requests_since(&c, from);
    let gets: Vec<&String> = reads.iter().filter(|r| r.starts_with("GET")).collect();
    assert!(gets.is_empty(), "a rename reads nothing again (no list, no subscriptions): {gets:#?}");
    for key in &cached {
        assert!(c.app.state.details.contains_key(key), "{key:?} is still cached");
    }
    assert_eq!(c.app.state.selected_customer().unwrap().1.name, Some("Müller Werke"));

    // The filter finds the new name, not the old one.
    c.text("/").await;
    c.text("werke").await;
    c.app.settle(Duration::from_secs(5)).await;
    assert_eq!(c.app.state.selected_customer().unwrap().1.id, "cus_mueller_maschinenbau", "{}", c.screen());
}

#[tokio::test]
async fn a_new_customer_is_listed_and_selected_without_reading_the_list_again() {
    let mut c = captured_console().await;
    c.text("2").await;
    let from = c.sandbox.captured().len();
    c.text(":").await;
    c.text("new customer cus_fresh_one fresh@example.com Fresh One").await;
    c.key(KeyCode::Enter).await;
    c.ctrl('s').await;
    c.key(KeyCode::Enter).await;
    assert_eq!(c.app.state.selected_customer().unwrap().1.id, "cus_fresh_one", "{}", c.screen());
    assert!(c.screen().contains("Fresh One"), "{}", c.screen());
    let reads = requests_since(&c, from);
    assert!(!reads.iter().any(|r| r.starts_with("GET") && r.contains("/customers/?")), "{reads:#?}");
}

#[tokio::test]
async fn a_usage_report_reads_again_only_the_entitlements() {
    let mut c = captured_console().await;
    c.select(ProviderKind::Kelviq, "cus_mueller_maschinenbau", |_| true).await;
    c.app.state.focus = till::tui::state::Pane::Customers;
    let from = c.sandbox.captured().len();
    c.text(":").await;
    c.text("usage api-calls 7").await;
    c.key(KeyCode::Enter).await;
    c.ctrl('s').await;
    let before = c.app.state.selected_details().unwrap().entitlements.value.clone().unwrap();
    // Closing the receipt: the pane keeps the meter it showed, marked, until the new reading.
    press_without_waiting(&mut c, KeyCode::Enter);
    let title = c.screen().lines().find(|l| l.contains("Entitlements")).unwrap_or_default().to_string();
    assert!(title.contains("refreshing…"), "{}", c.screen());
    assert_eq!(c.app.state.selected_details().unwrap().entitlements.value.as_ref(), Some(&before));
    c.text("").await;
    let after = c.app.state.selected_details().unwrap().entitlements.value.clone().unwrap();
    assert_ne!(after, before, "the meter moved by 7");
    let reads = requests_since(&c, from);
    let own = "cus_mueller_maschinenbau";
    assert!(reads.iter().any(|r| r.contains("/entitlements/") && r.contains(own)), "{reads:#?}");
    assert!(
        !reads.iter().any(|r| r.contains("/subscriptions/") && r.contains(own)),
        "subscriptions did not change: {reads:#?}"
    );
    assert!(c.app.state.selected_details().unwrap().subscriptions.value.is_some());
}
