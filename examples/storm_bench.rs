//! The 429 storm: `ratelimit=50%:1s` faults on Kelviq while the user works on every tab. The
//! console is the real `App` loop over HTTP to the embedded sandbox. Three phases of `secs`
//! seconds each — before, during and after the storm (faults set and cleared at runtime) —
//! with the same keys in each: on every provider's tab in turn, `jjjj` (past the rows read
//! ahead, so each press loads a customer not read yet), then 300 ms; on the tabs
//! other than Kelviq the time until the selected customer's panes have loaded (key→data) is
//! taken (the 300 ms include it; Kelviq is not waited for). Prints, per phase:
//! the requests per second that reached Kelviq (counted by the sandbox, 429s included), the
//! median key→data of the other providers, and Kelviq's user-visible failures (a pane or the
//! customer list showing an error, which a retry within the budget could have saved: a 429
//! uses no attempt and is retried for `rate_limit_patience`). Used by scripts/bench.
//!
//! Usage: [STORM_FAULTS=spec] storm_bench [secs]   (default 10; spec default `kelviq=ratelimit=50%:1s`)

#![allow(clippy::unwrap_used, clippy::expect_used)] // bench code: a panic is the failure report

#[path = "support/bench_console.rs"]
mod bench_console;

use std::collections::HashSet;
use std::time::{Duration, Instant};

use crossterm::event::{Event, KeyCode, KeyEvent, KeyModifiers};
use ratatui::backend::TestBackend;
use till::billing::ProviderKind;
use till::sandbox::faults::FaultSpec;
use till::sandbox::{SandboxHandle, SandboxOptions};
use till::tui::app::App;
use till::tui::state::Pane;

/// Tabs of the providers with panes to load (KuvarPay has no customer API of its own, but
/// derived customers still load their panes).
const TABS: [(char, ProviderKind); 4] = [
    ('2', ProviderKind::Kelviq),
    ('3', ProviderKind::Flowglad),
    ('4', ProviderKind::KuvarPay),
    ('5', ProviderKind::Zenskar),
];

fn key(app: &mut App<TestBackend>, c: char) {
    app.handle_event(Event::Key(KeyEvent::new(KeyCode::Char(c), KeyModifiers::NONE)));
}

/// The selected customer's subscriptions and entitlements are no longer loading.
fn loaded(app: &App<TestBackend>) -> bool {
    let Some((slot, c)) = app.state.selected_customer() else { return false };
    app.state
        .details
        .get(&(slot, c.id.to_string()))
        .is_some_and(|d| !d.subscriptions.loading && !d.entitlements.loading)
}

/// Kelviq's panes and customer list showing an error now, by what failed.
fn kelviq_failures(app: &App<TestBackend>, seen: &mut HashSet<String>) {
    let Some(slot) = app.state.slots.iter().position(|s| s.kind == ProviderKind::Kelviq) else { return };
    if let Some(e) = &app.state.slots[slot].customers.error {
        seen.insert(format!("customers: {e}"));
    }
    for ((s, id), d) in &app.state.details {
        if usize::from(*s) != slot {
            continue;
        }
        for e in [&d.subscriptions.error, &d.entitlements.error].into_iter().flatten() {
            seen.insert(format!("{id}: {e}"));
        }
    }
}

fn kelviq_requests(sandbox: &SandboxHandle) -> usize {
    sandbox.captured().iter().filter(|c| c.path.starts_with("/kelviq")).count()
}

struct Phase {
    rate: f64,
    others_ms: Vec<f64>,
    failures: HashSet<String>,
}

async fn phase(app: &mut App<TestBackend>, sandbox: &SandboxHandle, secs: u64) -> Phase {
    let start = Instant::now();
    let from = kelviq_requests(sandbox);
    let (mut others_ms, mut failures) = (Vec::new(), HashSet::new());
    let mut turn = 0usize;
    while start.elapsed() < Duration::from_secs(secs) {
        let (tab, kind) = TABS[turn % TABS.len()];
        turn += 1;
        key(app, tab);
        app.state.focus = Pane::Customers;
        app.settle(Duration::from_millis(5)).await;
        let pressed = Instant::now();
        // Four rows down at once: past the neighbours read ahead (+1, +2), so every press
        // loads a customer not read yet and the times compare across phases.
        for _ in 0..4 {
            key(app, 'j');
        }
        if kind == ProviderKind::Kelviq {
            // Not waited for: the user moves on while Kelviq's answers are held back.
            app.settle(Duration::from_millis(300)).await;
        } else {
            while !loaded(app) && pressed.elapsed() < Duration::from_secs(10) {
                app.settle(Duration::from_millis(1)).await;
            }
            others_ms.push(pressed.elapsed().as_secs_f64() * 1000.0);
            if std::env::var_os("STORM_DEBUG").is_some() {
                let sel = app.state.selected_customer().map(|(s, c)| format!("{s} {}", c.id));
                eprintln!("{kind} {sel:?} {:?} tab {}", pressed.elapsed(), app.state.tab);
            }
            app.settle(Duration::from_millis(300u64.saturating_sub(pressed.elapsed().as_millis() as u64))).await;
        }
        kelviq_failures(app, &mut failures);
    }
    let rate = (kelviq_requests(sandbox) - from) as f64 / start.elapsed().as_secs_f64();
    Phase { rate, others_ms, failures }
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v.get(v.len() / 2).copied().unwrap_or(0.0)
}

#[tokio::main]
async fn main() {
    let secs: u64 = std::env::args().nth(1).and_then(|s| s.parse().ok()).unwrap_or(10);
    let options = SandboxOptions { capture: true, extra_customers: 300, ..Default::default() };
    let (sandbox, http, mut app) = bench_console::start("storm-bench", options).await;
    app.settle(Duration::from_secs(2)).await;
    let before = phase(&mut app, &sandbox, secs).await;
    // STORM_FAULTS: another storm, to tell the 429s' effect from that of slow answers.
    let storm_spec = std::env::var("STORM_FAULTS").unwrap_or_else(|_| "kelviq=ratelimit=50%:1s".into());
    sandbox.set_faults(FaultSpec::parse(&storm_spec).unwrap());
    let storm = phase(&mut app, &sandbox, secs).await;
    let cut = http.budgets().current(ProviderKind::Kelviq).map_or(0.0, |l| l.per_second);
    sandbox.set_faults(FaultSpec::default());
    let after = phase(&mut app, &sandbox, secs).await;
    // Whatever was still retrying when the storm ended has had its chance: count what failed.
    let mut failures = storm.failures.clone();
    failures.extend(after.failures.clone());
    for (name, p) in [("before", &before), ("storm", &storm), ("after", &after)] {
        println!("kelviq_rate_{name} {:.2}", p.rate);
        println!("others_ms_{name} {:.1}", median(p.others_ms.clone()));
    }
    println!("kelviq_budget_during_storm {cut:.2}");
    println!("kelviq_failures {}", failures.len());
    for f in failures {
        println!("kelviq_failure {f}");
    }
}
