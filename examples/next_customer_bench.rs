//! How long the next customer's subscriptions take to show when every provider answer takes
//! `latency` (the embedded sandbox's `--sandbox-latency`): `j` every 500 ms over 20 Kelviq
//! customers, timed from the key to the selected customer's subscriptions being on screen
//! (their own read, not the summary listing), then `k` back over 10 of them (revisits).
//! The console is the real `App` loop over HTTP to the sandbox. Used by scripts/bench.
//!
//! Usage: next_customer_bench [latency-ms]   (default 300)

#![allow(clippy::unwrap_used, clippy::expect_used)] // bench code: a panic is the failure report

#[path = "support/bench_console.rs"]
mod bench_console;

use std::time::{Duration, Instant};

use crossterm::event::{Event, KeyCode, KeyEvent, KeyModifiers};
use ratatui::backend::TestBackend;
use till::sandbox::SandboxOptions;
use till::tui::app::App;
use till::tui::state::Pane;

/// The selected customer's own subscriptions read has arrived.
fn shown(app: &App<TestBackend>) -> bool {
    let Some((slot, c)) = app.state.selected_customer() else { return false };
    let listed = app.state.slots[slot as usize].customers.summaries.is_filled(c.id);
    app.state
        .details
        .get(&(slot, c.id.to_string()))
        .is_some_and(|d| d.subscriptions.value.is_some() && !d.subscriptions.loading && !listed)
}

async fn press(app: &mut App<TestBackend>, key: char) -> Duration {
    let start = Instant::now();
    app.handle_event(Event::Key(KeyEvent::new(KeyCode::Char(key), KeyModifiers::NONE)));
    while !shown(app) && start.elapsed() < Duration::from_secs(10) {
        app.settle(Duration::from_millis(1)).await;
    }
    let waited = start.elapsed();
    // The rest of the 500 ms between presses: the console is idle and may read ahead.
    while start.elapsed() < Duration::from_millis(500) {
        app.settle(Duration::from_millis(5)).await;
    }
    waited
}

fn median_ms(mut v: Vec<Duration>) -> f64 {
    v.sort();
    v[v.len() / 2].as_secs_f64() * 1000.0
}

#[tokio::main]
async fn main() {
    let latency: u64 = std::env::args().nth(1).and_then(|s| s.parse().ok()).unwrap_or(300);
    let options = SandboxOptions { latency: Duration::from_millis(latency), ..Default::default() };
    let (_sandbox, _, mut app) = bench_console::start("next-bench", options).await;
    app.handle_event(Event::Key(KeyEvent::new(KeyCode::Char('2'), KeyModifiers::NONE)));
    app.state.focus = Pane::Customers;
    let start = Instant::now();
    while !shown(&app) && start.elapsed() < Duration::from_secs(20) {
        app.settle(Duration::from_millis(5)).await;
    }
    // One idle round trip for the first read-ahead.
    app.settle(Duration::from_millis(latency * 2 + 200)).await;
    let mut next = Vec::new();
    for _ in 0..20 {
        next.push(press(&mut app, 'j').await);
    }
    let mut back = Vec::new();
    for _ in 0..10 {
        back.push(press(&mut app, 'k').await);
    }
    let worst = next.iter().max().copied().unwrap_or_default();
    println!("next_median_ms {:.1}", median_ms(next));
    println!("next_max_ms {:.1}", worst.as_secs_f64() * 1000.0);
    println!("revisit_median_ms {:.1}", median_ms(back));
    println!("latency_ms {latency}");
}
