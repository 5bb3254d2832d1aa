//! Fixtures shared by the benches and the bench script: a console state holding N
//! generated customers, built without any network.

use std::sync::Arc;

use crate::billing::{Customer, ProviderKind};
use crate::providers::{self, Endpoint, Http, HttpConfig, Page, Secret};
use crate::sandbox::seed::Seed;
use crate::tui::state::messages::Msg;
use crate::tui::state::{AppState, Mode};

/// `count` customers from the sandbox's own deterministic generator.
pub fn generated_customers(count: usize, seed: u64) -> Vec<Customer> {
    let mut data =
        Seed::parse(r#"{"products":[],"features":[],"plans":[],"customers":[],"subscriptions":[]}"#, "bench")
            .unwrap_or_else(|_| unreachable!("the literal above is a valid empty seed"));
    data.generate_customers(count, seed);
    data.customers
        .into_iter()
        .map(|c| Customer {
            provider: ProviderKind::Kelviq,
            id: c.id,
            alt_id: None,
            name: Some(c.name),
            email: Some(c.email),
            created_at: None,
            metadata: Default::default(),
            issues: Vec::new(),
        })
        .collect()
}

/// A console state on the Kelviq tab with `customers` loaded, sized `size`. The provider
/// points at a closed port and is never called.
pub fn state_with(customers: Vec<Customer>, size: (u16, u16)) -> AppState {
    let endpoint = Endpoint {
        base_url: url::Url::parse("http://127.0.0.1:9/").unwrap_or_else(|_| unreachable!("literal URL")),
        edge_url: None,
        key: Secret::new("bench"),
        client_key: None,
        account: None,
    };
    let http = Http::new(HttpConfig::default()).unwrap_or_else(|e| panic!("bench HTTP client: {e}"));
    let provider: Arc<dyn providers::BillingProvider> =
        providers::connect(ProviderKind::Kelviq, endpoint, http).unwrap_or_else(|e| panic!("bench provider: {e}"));
    let mut state = AppState::new(vec![provider], Mode::Sandbox, "bench", size);
    state.tab = 1;
    for chunk in customers.chunks(100) {
        state.handle_msg(
            Msg::CustomersPage {
                slot: 0,
                result: Ok(Page { items: chunk.to_vec(), next_cursor: Some("more".into()), total: None }),
            },
            chrono::Utc::now(),
        );
    }
    state.slots[0].customers.next_cursor = None;
    state
}
