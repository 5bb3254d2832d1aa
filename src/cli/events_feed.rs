//! The sandbox's event log in the console's terms: the newest events with their delivery
//! attempts, and the receivers (`tui::sandbox_events`).

use std::collections::HashMap;

use crate::billing::webhooks::{WebhookAttempt, WebhookEvent};
use crate::sandbox::events::{Attempt, Webhooks};
use crate::tui::sandbox_events::{EventsRead, Receiver};

/// The newest `limit` events, newest first, each with its attempts oldest first.
pub fn recent(hooks: &Webhooks, limit: usize) -> EventsRead {
    let (events, tried, older) = hooks.recent(limit);
    let mut attempts: HashMap<u64, Vec<WebhookAttempt>> = HashMap::new();
    for a in tried {
        attempts.entry(a.event_seq).or_default().push(attempt(a));
    }
    let events = events
        .into_iter()
        .rev()
        .map(|e| WebhookEvent {
            provider: e.provider,
            object: Some(e.object).filter(|o| !o.is_empty()),
            at: e.at,
            attempts: attempts.remove(&e.seq).unwrap_or_default(),
            sandbox_seq: Some(e.seq),
            payload: e.body,
            kind: e.kind,
            id: e.id,
        })
        .collect();
    let receivers = hooks
        .endpoints()
        .into_iter()
        .map(|e| Receiver { id: e.id, provider: e.provider, url: e.url.to_string() })
        .collect();
    EventsRead { events, receivers, older }
}

fn attempt(a: Attempt) -> WebhookAttempt {
    WebhookAttempt {
        id: a.id,
        endpoint: a.endpoint,
        retry: a.retry,
        at: a.at,
        status: a.status,
        ok: a.ok,
        latency_ms: Some(a.latency_ms),
        error: a.error,
        headers: a.headers,
        redelivery: a.redelivery,
    }
}
