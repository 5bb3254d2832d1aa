//! Where the console's memory goes with every customer of one provider loaded: the console's
//! own state (`AppState`) driven like `G` drives it, over HTTP to a standalone sandbox, one
//! request at a time: first every customer page, then the summary column's subscription
//! listing to its end, with the resident memory (VmRSS) after each.
//!
//! Usage: console_memory <kelviq base URL>
//!   e.g. till sandbox serve --port 4999 --customers 1000000 --customers-on kelviq --seed 7
//!        console_memory http://127.0.0.1:4999/kelviq/api/v1

#![allow(clippy::unwrap_used, clippy::expect_used)] // a measuring tool: a panic is the report

use till::billing::ProviderKind;
use till::providers::{self, Endpoint, Http, HttpConfig, PageRequest, Secret};
use till::tui::action::Action;
use till::tui::state::messages::Msg;
use till::tui::state::{AppState, Effect, Mode};

fn rss_mb() -> f64 {
    let text = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    let kb: f64 = text
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:")?.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap_or(0.0);
    kb / 1024.0
}

#[tokio::main(flavor = "current_thread")]
async fn main() {
    let base = std::env::args().nth(1).expect("usage: console_memory <kelviq base URL>");
    let endpoint = Endpoint {
        base_url: url::Url::parse(&format!("{}/", base.trim_end_matches('/'))).expect("a URL"),
        edge_url: None,
        key: Secret::new("kq_sandbox_server_till"),
        client_key: None,
        account: None,
    };
    let http = Http::new(HttpConfig::default()).expect("an HTTP client");
    let provider = providers::connect(ProviderKind::Kelviq, endpoint, http).expect("a Kelviq client");
    let mut state = AppState::new(vec![provider.clone()], Mode::Sandbox, "memory", (120, 32));
    state.tab = 1;
    let rss0 = rss_mb();
    let started = std::time::Instant::now();
    let mut effects = state.ensure_loaded();
    effects.extend(state.handle_action(Action::Bottom));
    // First every customer page (the listing's pages wait), then the listing to its end.
    let mut listing = Vec::new();
    for phase in ["customers", "summary listing"] {
        if phase != "customers" {
            effects = std::mem::take(&mut listing);
            effects.extend(state.ensure_loaded());
        }
        while !effects.is_empty() {
            let mut next = Vec::new();
            for effect in effects {
                let msg = match effect {
                    Effect::LoadCustomers { slot, cursor } => {
                        let page = PageRequest { cursor, limit: 100, search: None, follows: false };
                        Msg::CustomersPage { slot, result: provider.list_customers(&page).await }
                    }
                    Effect::SummaryPage { .. } if phase == "customers" => {
                        listing.push(effect);
                        continue;
                    }
                    Effect::SummaryPage { slot, cursor } => {
                        let page = PageRequest { cursor: cursor.clone(), limit: 100, search: None, follows: false };
                        Msg::SummaryPage { slot, cursor, result: provider.list_subscriptions_page(&page).await }
                    }
                    _ => continue,
                };
                next.extend(state.handle_msg(msg, chrono::Utc::now()));
            }
            effects = next;
        }
        println!(
            "after the {phase}: {} rows, resident +{:.1} MB over the empty console ({:.1} s)",
            state.row_count(),
            rss_mb() - rss0,
            started.elapsed().as_secs_f64()
        );
    }
}
