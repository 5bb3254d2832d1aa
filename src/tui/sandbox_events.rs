//! The embedded sandbox's events and webhook deliveries as the console's Events view sees
//! them (`e`). `cli` adapts the sandbox to [`SandboxEvents`], so `tui` never imports the
//! sandbox; a console on real providers has none (its Kelviq tabs read Kelviq's own delivery
//! log instead).

use crate::billing::ProviderKind;
use crate::billing::webhooks::WebhookEvent;

/// A registered receiver, as the view's title and notes name it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Receiver {
    pub id: String,
    pub provider: ProviderKind,
    pub url: String,
}

/// What one read of the sandbox's log gives.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct EventsRead {
    /// Newest first, each with its attempts oldest first.
    pub events: Vec<WebhookEvent>,
    pub receivers: Vec<Receiver>,
    /// Events the sandbox holds beyond those read.
    pub older: usize,
}

/// Reading the sandbox's events, watching for new ones, sending one again.
pub trait SandboxEvents: Send + Sync {
    /// The newest `limit` events with their delivery attempts, and the receivers.
    fn recent(&self, limit: usize) -> EventsRead;
    /// Sees a new value after every change to the events, receivers or deliveries.
    fn changes(&self) -> tokio::sync::watch::Receiver<u64>;
    /// Queues the event (by its sandbox position) to every receiver that wants it, now;
    /// the receivers' ids, or why not.
    fn redeliver(&self, seq: u64) -> Result<Vec<String>, String>;
}
