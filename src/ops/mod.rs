//! The user's actions, UI-free: both the console and the headless CLI call these, so they
//! validate with the same rules, journal the same way and fail with the same messages.
//!
//! Depends only on `billing`, `providers`, `audit`, `search` and `util` (the sandbox in tests);
//! never on ratatui, crossterm or clap. Each failure carries an [`ErrorKind`], from which the CLI derives its
//! exit code and the console its wording.

pub mod checkout;
pub mod customer_writes;
pub mod customers;
mod journal;
pub mod payments;
pub mod plans;
pub mod portal;
pub mod subscriptions;
pub mod usage;

use std::fmt;

use crate::billing::ProviderKind;
use crate::providers::{ErrorKind as WireKind, ProviderError};

/// What went wrong, in the terms a caller acts on (the CLI maps each to an exit code).
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ErrorKind {
    /// Bad input caught before anything was sent: a malformed field, a missing argument, an
    /// ambiguous plan, a cancel date in the past.
    Usage,
    /// The provider does not know the customer, subscription or session (HTTP 404).
    NotFound,
    /// The provider could not be reached or failed on its side (network, 5xx, undecodable
    /// answer), or does not offer the operation.
    Unavailable,
    /// Authentication: the key is missing, wrong (401/403) or of the other mode.
    Auth,
    /// The provider refused the input (400/409/422), or the subscription changed since the
    /// preview the operator confirmed.
    Rejected,
    /// Anything else (a local file that cannot be written, …).
    Other,
}

/// The one error type of `ops`.
#[derive(Clone, Debug, PartialEq)]
pub struct OpsError {
    pub kind: ErrorKind,
    pub message: String,
    /// The provider's own error, when the failure came from a provider call (boxed: it is
    /// large and most results are `Ok`).
    pub provider: Option<Box<ProviderError>>,
}

pub type Result<T> = std::result::Result<T, OpsError>;

/// The refusal when a subscription moved between preview and apply (issue 14 item 5).
pub const STALE_PREVIEW: &str = "changed since your preview — preview again";

impl OpsError {
    pub fn new(kind: ErrorKind, message: impl Into<String>) -> OpsError {
        OpsError { kind, message: message.into(), provider: None }
    }

    pub fn usage(message: impl Into<String>) -> OpsError {
        OpsError::new(ErrorKind::Usage, message)
    }

    /// For front ends whose messages still carry a `ProviderError` (the console's result
    /// messages): a provider failure is returned as it was; an ops refusal becomes an
    /// `Invalid` error of `provider` with the same text.
    pub fn into_provider_error(self, provider: ProviderKind) -> ProviderError {
        match self.provider {
            Some(e) => *e,
            None => ProviderError::new(provider, WireKind::Invalid, self.message),
        }
    }
}

impl fmt::Display for OpsError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for OpsError {}

/// A provider's answer classified: 401/403 auth, an unwritable journal other, 404 not found,
/// 400/409/422 or a client-side `Invalid` rejected, everything else (network, 5xx, decode, unsupported) unavailable.
pub fn kind_of(e: &ProviderError) -> ErrorKind {
    if e.is_auth() {
        ErrorKind::Auth
    } else if e.kind == WireKind::Journal {
        // Refused before sending: the journal could not be written (exit 1, could not run).
        ErrorKind::Other
    } else if e.kind == WireKind::Invalid || matches!(e.status, Some(400 | 409 | 422)) {
        ErrorKind::Rejected
    } else if e.is_not_found() {
        ErrorKind::NotFound
    } else {
        ErrorKind::Unavailable
    }
}

impl From<ProviderError> for OpsError {
    fn from(e: ProviderError) -> OpsError {
        OpsError { kind: kind_of(&e), message: e.to_string(), provider: Some(Box::new(e)) }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn http(status: u16) -> ProviderError {
        ProviderError::from_response(ProviderKind::Kelviq, status, br#"{"detail":"x"}"#, None)
    }

    #[test]
    fn provider_errors_are_classified_by_what_the_caller_can_do() {
        assert_eq!(OpsError::from(http(401)).kind, ErrorKind::Auth);
        assert_eq!(OpsError::from(http(403)).kind, ErrorKind::Auth);
        assert_eq!(OpsError::from(http(404)).kind, ErrorKind::NotFound);
        for status in [400, 409, 422] {
            assert_eq!(OpsError::from(http(status)).kind, ErrorKind::Rejected, "{status}");
        }
        assert_eq!(OpsError::from(http(500)).kind, ErrorKind::Unavailable);
        let unsupported = ProviderError::unsupported(ProviderKind::Kelviq, "listing invoices");
        assert_eq!(OpsError::from(unsupported).kind, ErrorKind::Unavailable);
        let invalid = ProviderError::invalid(ProviderKind::KuvarPay, "no such price");
        assert_eq!(OpsError::from(invalid).kind, ErrorKind::Rejected);
    }

    #[test]
    fn an_ops_refusal_reaches_the_console_with_its_text() {
        let e = OpsError::new(ErrorKind::Rejected, STALE_PREVIEW).into_provider_error(ProviderKind::Zenskar);
        assert_eq!((e.provider, e.message.as_str()), (ProviderKind::Zenskar, STALE_PREVIEW));
        let original = http(404);
        assert_eq!(OpsError::from(original.clone()).into_provider_error(ProviderKind::Kelviq), original);
    }
}
