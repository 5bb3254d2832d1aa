//! Flowglad client (placeholder until its client lands).

use std::sync::Arc;

use super::{BillingProvider, Endpoint, Http, ProviderError, Result};
use crate::billing::ProviderKind;

pub fn connect(_endpoint: Endpoint, _http: Http) -> Result<Arc<dyn BillingProvider>> {
    Err(ProviderError::unsupported(ProviderKind::Flowglad, "this provider's client (not built yet)"))
}
