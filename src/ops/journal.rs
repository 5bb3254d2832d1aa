//! The only place `ops` touches the audit journal: every money-moving action goes through
//! [`journaled`], so a change to the journal's API is a change here.

use serde::Serialize;
use serde_json::Value;

use super::{OpsError, Result};
use crate::audit::{Action, Recorder};
use crate::billing::ProviderKind;
use crate::providers::ProviderError;

/// What an action is about, for its journal lines.
pub struct Act {
    pub provider: ProviderKind,
    /// `checkout.create`, `subscription.change`, `subscription.cancel`, `subscription.uncancel`.
    pub action: &'static str,
    pub customer: Option<String>,
    pub target: Option<String>,
    pub before: Value,
}

/// Runs `run` between the journal's start and end lines.
pub async fn journaled<T, F>(recorder: &Recorder, act: Act, run: F) -> Result<T>
where
    T: Serialize,
    F: std::future::Future<Output = std::result::Result<T, ProviderError>>,
{
    let action = Action {
        provider: act.provider,
        action: act.action,
        customer: act.customer,
        target: act.target,
        before: Some(act.before),
    };
    recorder.record(action, run).await.map_err(OpsError::from)
}
