//! A filter on a provider without server-side search searches the whole account (issue 13,
//! "Search misses customers not yet loaded"): pages keep loading in the background while the
//! filter is on, the pane title shows the progress, "0 matching" is never shown as final while
//! pages remain, and Esc stops it.

#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a panic is the failure report

mod support;

use std::time::{Duration, Instant};

use crossterm::event::{Event, KeyCode, KeyEvent, KeyModifiers};
use support::console::console_with;
use till::billing::ProviderKind;
use till::providers;
use till::sandbox::SandboxOptions;
use till::tui::state::Mode;

/// The last customer Flowglad lists (oldest first), far beyond the first page.
async fn last_flowglad_customer(c: &support::console::Console) -> String {
    let client =
        providers::connect(ProviderKind::Flowglad, c.sandbox.endpoint(ProviderKind::Flowglad), c.http.clone()).unwrap();
    let mut cursor = None;
    let mut last = None;
    loop {
        let request = providers::PageRequest { cursor: cursor.clone(), limit: 100, search: None, follows: false };
        let page = client.list_customers(&request).await.unwrap();
        last = page.items.last().cloned().or(last);
        match page.next_cursor {
            Some(next) => cursor = Some(next),
            None => break,
        }
    }
    last.unwrap().email.unwrap()
}

#[tokio::test]
async fn flowglad_filter_finds_a_customer_on_a_page_not_loaded_yet() {
    let options = SandboxOptions { extra_customers: 1_500, ..SandboxOptions::default() };
    let mut c = console_with(Mode::Sandbox, false, options).await;
    let email = last_flowglad_customer(&c).await;
    c.text("3").await; // the Flowglad tab
    let slot = ProviderKind::ALL.iter().position(|k| *k == ProviderKind::Flowglad).unwrap();
    assert!(c.app.state.slots[slot].customers.rows.len() < 300, "only the first pages are loaded");
    c.text("/").await;
    for ch in email.chars() {
        c.app.handle_event(Event::Key(KeyEvent::new(KeyCode::Char(ch), KeyModifiers::NONE)));
    }
    let mut saw_progress = false;
    let deadline = Instant::now() + Duration::from_mins(1);
    loop {
        c.app.settle(Duration::from_millis(50)).await;
        let screen = c.screen();
        let store = &c.app.state.slots[slot].customers;
        if store.has_more() {
            assert!(!screen.contains("No customer matches"), "not final while pages remain:\n{screen}");
            saw_progress |= screen.contains("searching ") && screen.contains("Esc stops");
        }
        if c.app.state.row_count() == 1 && !store.has_more() {
            break;
        }
        assert!(Instant::now() < deadline, "never found {email}:\n{screen}");
    }
    assert!(saw_progress, "the title showed the search's progress");
    assert!(c.screen().contains("1 matching of"), "{}", c.screen());
    assert!(c.app.state.selected_customer().is_some_and(|(_, cu)| cu.email == Some(email.as_str())));
}

#[tokio::test]
async fn esc_stops_a_whole_account_search() {
    let options =
        SandboxOptions { extra_customers: 3_000, latency: Duration::from_millis(40), ..SandboxOptions::default() };
    let mut c = console_with(Mode::Sandbox, false, options).await;
    c.text("3").await;
    let slot = ProviderKind::ALL.iter().position(|k| *k == ProviderKind::Flowglad).unwrap();
    // Typed without waiting for the console to go idle: the search would finish first.
    for ch in "/zzzz-nobody".chars() {
        c.app.handle_event(Event::Key(KeyEvent::new(KeyCode::Char(ch), KeyModifiers::NONE)));
    }
    c.app.settle(Duration::from_millis(300)).await;
    assert!(c.screen().contains("No match yet · searching "), "{}", c.screen());
    c.app.handle_event(Event::Key(KeyEvent::new(KeyCode::Esc, KeyModifiers::NONE)));
    c.app.settle(Duration::from_millis(500)).await;
    let rows = c.app.state.slots[slot].customers.rows.len();
    c.app.settle(Duration::from_millis(800)).await;
    assert_eq!(c.app.state.slots[slot].customers.rows.len(), rows, "no pages after Esc");
    assert!(c.app.state.slots[slot].customers.has_more(), "stopped before the end");
}
