//! Reading ahead (issue 17, "prefetch"): once the selected customer's panes have arrived, the
//! next two customers and the previous one are read at the lowest priority, so moving there
//! shows their subscriptions at once and sends no request for them.

#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a panic is the failure report

mod support;

use std::time::Duration;

use crossterm::event::KeyCode;
use support::console::console_with;
use till::sandbox::SandboxOptions;
use till::tui::state::{Mode, Pane};

fn reads_of(c: &support::console::Console, customer: &str) -> usize {
    let needle = format!("customer_id={customer}");
    c.http.log().snapshot().iter().filter(|e| e.url.contains("/subscriptions/") && e.url.contains(&needle)).count()
}

#[tokio::test]
async fn the_next_customers_are_read_ahead_and_shown_without_a_new_request() {
    // A provider 200 ms away: the selection rests while its answer travels.
    let options = SandboxOptions { latency: Duration::from_millis(200), ..Default::default() };
    let mut c = console_with(Mode::Sandbox, false, options).await;
    c.text("2").await;
    c.app.state.focus = Pane::Customers;
    c.app.settle(Duration::from_secs(5)).await;
    let id_at = |c: &support::console::Console, i: usize| {
        let r = c.app.state.row_at(i).unwrap();
        c.app.state.customer(r).unwrap().id.to_string()
    };
    let (next, after) = (id_at(&c, 1), id_at(&c, 2));
    for id in [&next, &after] {
        let d = c.app.state.details.get(&(0, id.clone())).expect("read ahead");
        assert!(d.subscriptions.value.is_some() && !d.subscriptions.loading, "{id}: {:?}", d.subscriptions);
        assert_eq!(reads_of(&c, id), 1, "{id}: one read ahead");
    }
    c.key(KeyCode::Char('j')).await;
    c.app.settle(Duration::from_secs(5)).await;
    assert_eq!(c.app.state.selected_customer().unwrap().1.id, next);
    assert_eq!(reads_of(&c, &next), 1, "moving there sent no second read");
    // …and the customer after the new neighbours is read ahead in turn.
    let third = id_at(&c, 3);
    assert!(c.app.state.details.get(&(0, third.clone())).is_some_and(|d| d.subscriptions.value.is_some()), "{third}");
}
