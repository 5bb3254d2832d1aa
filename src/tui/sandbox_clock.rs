//! The embedded sandbox's clock as the console sees it (`:clock`). `cli` adapts the sandbox to
//! [`SandboxClock`], so `tui` never imports the sandbox, and a console on real providers has
//! no clock to move.

use chrono::{DateTime, Duration, Utc};

use crate::billing::ProviderKind;

/// Reading and moving a sandbox clock. Moving is blocking work (every provider's due renewals,
/// retries and expiries run on the way), so the executor calls it on the blocking pool.
pub trait SandboxClock: Send + Sync {
    /// Sandbox time now and how far ahead of real time it is.
    fn read(&self) -> (DateTime<Utc>, Duration);
    /// Where `+1M`, `+14d`, `+2h` (from sandbox time now) or a time (`2027-03-01`,
    /// `2027-03-01T00:00Z`) lands; the reason when it cannot be read.
    fn target(&self, text: &str) -> Result<DateTime<Utc>, String>;
    /// Moves forward to `to`, running what falls due on the way; refused going back.
    fn move_to(&self, to: DateTime<Utc>) -> Result<Vec<ProviderKind>, String>;
    /// Sees every move once it has run, this console's or another process's, with the
    /// provider of each thing that happened.
    fn moves(&self) -> tokio::sync::watch::Receiver<Vec<ProviderKind>>;
}

/// A clock read or move, as it comes back to the console.
#[derive(Clone, Debug, PartialEq)]
pub struct ClockAnswer {
    pub now: DateTime<Utc>,
    pub offset: Duration,
    /// After a move: the provider of each thing that happened, in time order.
    pub happened: Option<Vec<ProviderKind>>,
}

/// Reads the clock, or moves it as `to` says: the executor's one call.
pub fn answer(clock: &dyn SandboxClock, to: Option<&str>) -> Result<ClockAnswer, String> {
    let happened = match to {
        None => None,
        Some(text) => Some(clock.move_to(clock.target(text)?)?),
    };
    let (now, offset) = clock.read();
    Ok(ClockAnswer { now, offset, happened })
}
