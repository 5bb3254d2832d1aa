//! KuvarPay emulation (placeholder until its emulator lands; it answers 404 to everything).

use axum::Router;

use super::AppState;
use super::pay::{HostedCheckout, OrderSummary, PayError};
use super::seed::Seed;

pub struct State;

impl State {
    pub fn from_seed(_seed: &Seed, _public_base: &str) -> State {
        State
    }
}

impl HostedCheckout for State {
    fn owns_checkout(&self, _session_id: &str) -> bool {
        false
    }

    fn summary(&self, _session_id: &str) -> Option<OrderSummary> {
        None
    }

    fn pay(&mut self, _session_id: &str, _card: &str) -> Result<OrderSummary, PayError> {
        Err(PayError::Unavailable("KuvarPay checkout is not emulated yet".into()))
    }
}

pub fn routes(_state: AppState) -> Router<AppState> {
    Router::new()
}
