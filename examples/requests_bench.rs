//! Counts the requests the console makes: in the first 10 s of the All tab, and while `j`
//! scrolls 1,000 rows in it (a key every 20 ms), by endpoint, counted by the sandbox itself.
//! The console is the real `App` loop (keys in, a 120×32 TestBackend out) over HTTP to the
//! embedded sandbox with `customers` extra customers per provider. Used by scripts/bench.
//!
//! Usage: requests_bench <customers>

#![allow(clippy::unwrap_used, clippy::expect_used)] // bench code: a panic is the failure report

#[path = "support/bench_console.rs"]
mod bench_console;

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use crossterm::event::{Event, KeyCode, KeyEvent, KeyModifiers};
use till::billing::ProviderKind;
use till::sandbox::{SandboxHandle, SandboxOptions};

/// `GET /kelviq/api/v1/subscriptions/?customer_id=…` and the like: ids and values replaced,
/// parameter names kept, so reads of one customer and listings count apart.
fn endpoint(method: &str, path: &str) -> String {
    let (route, query) = path.split_once('?').unwrap_or((path, ""));
    let route: Vec<String> = route
        .split('/')
        .map(|seg| {
            let id_like = seg.len() > 20 || seg.contains('@') || seg.chars().any(|c| c.is_ascii_digit());
            if id_like { "{id}".to_string() } else { seg.to_string() }
        })
        .collect();
    let mut names: Vec<&str> = query.split('&').filter_map(|p| p.split('=').next()).filter(|n| !n.is_empty()).collect();
    names.sort_unstable();
    names.dedup();
    let query = if names.is_empty() { String::new() } else { format!("?{}", names.join("&")) };
    format!("{method} {}{query}", route.join("/"))
}

/// Which provider and whether it is a summary read: a listing, or one customer's subscriptions.
fn summary_kind(path: &str) -> Option<(ProviderKind, &'static str)> {
    let (route, query) = path.split_once('?').unwrap_or((path, ""));
    // Zenskar's batch of up to 100 named customers counts with the listings: a summary read
    // that is not one customer's.
    let one = query.split('&').any(|p| p.starts_with("customer_") && !p.starts_with("customer_id__in="));
    match route {
        "/kelviq/api/v1/subscriptions/" => Some((ProviderKind::Kelviq, if one { "one" } else { "listing" })),
        "/flowglad/api/v1/subscriptions" => Some((ProviderKind::Flowglad, "listing")),
        r if r.starts_with("/flowglad/api/v1/customers/") && r.ends_with("/billing") => {
            Some((ProviderKind::Flowglad, "one"))
        }
        "/zenskar/contract_v2" => Some((ProviderKind::Zenskar, if one { "one" } else { "listing" })),
        "/kuvarpay/api/v1/subscriptions" if one => Some((ProviderKind::KuvarPay, "one")),
        // The selected customer's panes read entitlements beside their subscriptions: one per
        // details load, so "one customer" reads less these are the summary column's.
        "/kelviq-edge/api/v1/entitlements/" => Some((ProviderKind::Kelviq, "panes")),
        "/flowglad/api/v1/resources" => Some((ProviderKind::Flowglad, "panes")),
        r if r.starts_with("/zenskar/entitlements/customer/") => Some((ProviderKind::Zenskar, "panes")),
        _ => None,
    }
}

fn report(phase: &str, sandbox: &SandboxHandle, from: usize, rows: usize) -> usize {
    let captured = sandbox.captured();
    let mut by_endpoint: BTreeMap<String, usize> = BTreeMap::new();
    let mut summary: BTreeMap<(ProviderKind, &str), usize> = BTreeMap::new();
    for ex in &captured[from..] {
        *by_endpoint.entry(endpoint(&ex.method, &ex.path)).or_default() += 1;
        if let Some(k) = summary_kind(&ex.path) {
            *summary.entry(k).or_default() += 1;
        }
    }
    println!("{phase}_total {}", captured.len() - from);
    println!("{phase}_rows {rows}");
    for (e, n) in &by_endpoint {
        println!("{phase}_endpoint {n} {e}");
    }
    for kind in ProviderKind::ALL {
        let listing = summary.get(&(kind, "listing")).copied().unwrap_or(0);
        let one = summary.get(&(kind, "one")).copied().unwrap_or(0);
        let panes = summary.get(&(kind, "panes")).copied().unwrap_or(0);
        println!("{phase}_summary {} {listing} {} {panes}", kind.slug(), one.saturating_sub(panes));
    }
    captured.len()
}

#[tokio::main]
async fn main() {
    let count: usize = std::env::args().nth(1).and_then(|s| s.parse().ok()).unwrap_or(300);
    let options = SandboxOptions { capture: true, extra_customers: count, ..Default::default() };
    let (sandbox, _, mut app) = bench_console::start("requests-bench", options).await;
    let start = Instant::now();
    while start.elapsed() < Duration::from_secs(10) {
        app.settle(Duration::from_millis(100)).await;
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let height = app.state.page_height(till::tui::state::Pane::Customers);
    let mark = report("first_10s", &sandbox, 0, height);
    // Which provider each row on screen belongs to: reading them alone would cost one request
    // each, the other way to fill a screen for a provider without a batch filter.
    let view = &app.state.views[app.state.tab];
    let mut on_screen: BTreeMap<&str, usize> = BTreeMap::new();
    for row in (view.offset..view.offset + height).filter_map(|i| app.state.row_at(i)) {
        *on_screen.entry(app.state.slots[row.slot as usize].kind.slug()).or_default() += 1;
    }
    for slot in &app.state.slots {
        // A complete listing's pages are what reading it whole costs (once, whatever was re-read).
        let listing = &slot.customers.summaries;
        let whole = if listing.complete { "complete" } else { "partial" };
        let shown = on_screen.get(slot.kind.slug()).copied().unwrap_or(0);
        println!("first_10s_on_screen {} {shown} {whole} {}", slot.kind.slug(), listing.pages);
    }
    let first_offset = app.state.views[app.state.tab].offset;
    for _ in 0..1000 {
        app.handle_event(Event::Key(KeyEvent::new(KeyCode::Char('j'), KeyModifiers::NONE)));
        app.settle(Duration::from_millis(20)).await;
    }
    app.settle(Duration::from_secs(10)).await;
    let view = &app.state.views[app.state.tab];
    report("scroll_1000", &sandbox, mark, view.offset - first_offset + height);
}
