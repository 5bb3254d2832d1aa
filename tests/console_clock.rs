//! `:clock` in the console: the embedded sandbox's clock read and moved from the palette, the
//! status bar saying how far ahead sandbox time is, and the panes of the providers something
//! happened to read again, so a renewal shows without a refresh.

#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a panic is the failure report

mod support;

use std::sync::Arc;

use crossterm::event::KeyCode;
use support::console::console;
use till::billing::{ProviderKind, SubscriptionStatus};
use till::cli::EmbeddedClock;
use till::tui::state::Mode;

async fn palette(c: &mut support::console::Console, command: &str) {
    c.text(":").await;
    c.text(command).await;
    c.key(KeyCode::Enter).await;
}

fn status_line(c: &support::console::Console) -> String {
    c.screen().lines().last().unwrap_or_default().to_string()
}

#[tokio::test]
async fn a_month_on_the_clock_renews_the_shown_subscription_without_a_refresh() {
    let mut c = console(Mode::Sandbox, false).await;
    c.app.set_sandbox_clock(Arc::new(EmbeddedClock(c.sandbox.state().clone())));
    let before =
        c.select(ProviderKind::Kelviq, "cus_mueller_maschinenbau", |s| s.status == SubscriptionStatus::Active).await;
    let end = before.current_period_end.unwrap();
    assert!(!status_line(&c).contains("sandbox 2"), "real time: no sandbox time shown: {}", status_line(&c));

    palette(&mut c, "clock +1M").await;
    let notice = c.app.state.notice.as_ref().map(|n| n.text.clone()).unwrap_or_default();
    // A calendar month: 28 to 31 days, whole.
    assert!(notice.starts_with("Clock moved +") && notice.contains("d 0h: "), "{notice}");
    assert!(notice.contains("things happened (") && notice.contains("Kelviq"), "{notice}");
    assert!(status_line(&c).contains("sandbox time 20"), "the status bar says sandbox time: {}", status_line(&c));

    let subs = c.app.state.selected_details().unwrap().subscriptions.value.clone().expect("read again");
    let after = subs.iter().find(|s| s.id == before.id).expect("the same subscription");
    assert!(after.current_period_end.unwrap() > end, "renewed: {:?} → {:?}", end, after.current_period_end);
}

#[tokio::test]
async fn the_clock_is_shown_refused_going_back_and_absent_without_a_sandbox_clock() {
    let mut c = console(Mode::Sandbox, false).await;
    palette(&mut c, "clock +1d").await;
    let notice = c.app.state.notice.as_ref().unwrap();
    assert!(notice.text.starts_with("No clock to move"), "{}", notice.text);

    c.app.set_sandbox_clock(Arc::new(EmbeddedClock(c.sandbox.state().clone())));
    palette(&mut c, "clock").await;
    assert!(c.app.state.notice.as_ref().unwrap().text.starts_with("Sandbox time "));
    palette(&mut c, "clock 2020-01-01").await;
    let refused = c.app.state.notice.as_ref().unwrap().text.clone();
    assert!(refused.starts_with("Clock: "), "{refused}");
    palette(&mut c, "clock +soon").await;
    assert!(c.app.state.notice.as_ref().unwrap().text.starts_with("Clock: "));
    assert_eq!(c.sandbox.state().clock.offset(), chrono::Duration::zero(), "nothing moved");
}
