//! The sandbox's events and webhook deliveries: one event log per sandbox, in the order things
//! happened on the sandbox clock, each event in its provider's own envelope and names; the
//! endpoints registered to receive them, each with its own signing secret; and the delivery
//! log (every attempt, its status code and latency).
//!
//! Events come from two places: the clock ([`super::clock::Happening::events`], filled in by
//! each provider's `Timeline::record` while the state is as the happening left it) and API
//! calls (the hosted page's payment, customer and subscription writes), which hand their
//! [`Emitted`] to [`Webhooks::emit`]. Delivery runs on its own task ([`deliver`]), never on a
//! request's path.

pub mod api;
pub mod deliver;
pub mod envelope;
pub mod routes;
pub mod sign;

use std::collections::HashSet;
use std::sync::{Arc, Mutex};

use chrono::{DateTime, Duration, Utc};

use super::clock::Clock;
use super::lock;
use crate::billing::ProviderKind;

pub use super::clock::Emitted;

impl Emitted {
    /// The same event with the changed fields' old values (`data.previous_attributes`).
    pub fn with_previous(mut self, previous: Option<serde_json::Value>) -> Emitted {
        self.previous = previous;
        self
    }
}

/// One recorded event: its id, and the exact body every delivery of it sends.
#[derive(Clone, Debug, serde::Serialize)]
pub struct Event {
    /// Position in the log, from 1.
    pub seq: u64,
    pub id: String,
    pub provider: ProviderKind,
    #[serde(rename = "type")]
    pub kind: String,
    pub at: DateTime<Utc>,
    pub object: String,
    /// The envelope as sent, byte for byte.
    pub body: String,
}

/// A registered receiver. The secret is kept only here and sent only once, when registered.
#[derive(Clone, Debug)]
pub struct Endpoint {
    pub id: String,
    pub provider: ProviderKind,
    pub url: url::Url,
    pub secret: String,
    /// Only these event types; `None`: all of them.
    pub events: Option<Vec<String>>,
    pub created: DateTime<Utc>,
    pub updated: DateTime<Utc>,
    /// An inactive endpoint receives nothing (Flowglad's `active`).
    pub active: bool,
    /// Flowglad's `name` and `pricingModelId`, kept to be shown as registered.
    pub name: Option<String>,
    pub pricing_model: Option<String>,
}

impl Endpoint {
    fn wants(&self, event: &Event) -> bool {
        self.active
            && self.provider == event.provider
            && self.events.as_ref().is_none_or(|only| only.contains(&event.kind))
    }
}

/// What `Webhooks::update` may change on an endpoint; `None` leaves a field as it is.
#[derive(Clone, Debug, Default)]
pub struct EndpointChange {
    pub url: Option<url::Url>,
    pub events: Option<Option<Vec<String>>>,
    pub active: Option<bool>,
    pub name: Option<String>,
}

/// One delivery attempt, as the delivery log and Kelviq's `GET /webhook/logs/` show it.
#[derive(Clone, Debug, serde::Serialize)]
pub struct Attempt {
    /// Position in the delivery log, from 1 (`till listen` asks for those after the last seen).
    pub seq: u64,
    pub id: String,
    pub event_seq: u64,
    pub event_id: String,
    pub endpoint: String,
    pub provider: ProviderKind,
    #[serde(rename = "type")]
    pub kind: String,
    pub object: String,
    /// Retries before this attempt (0 for the first).
    pub retry: u32,
    /// When it was made, on the sandbox clock.
    pub at: DateTime<Utc>,
    pub event_at: DateTime<Utc>,
    /// The receiver's status; `None` when it could not be reached.
    pub status: Option<u16>,
    pub ok: bool,
    pub latency_ms: u64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    /// Exactly the headers this attempt sent, names and values as sent (the signature and
    /// timestamp included; never the secret, which no header carries).
    pub headers: Vec<(String, String)>,
    /// Sent by [`Webhooks::redeliver`], not by the event or its retries.
    pub redelivery: bool,
}

/// A delivery waiting for its time (sandbox time).
#[derive(Clone, Debug)]
struct Pending {
    event_seq: u64,
    endpoint: String,
    retry: u32,
    due: DateTime<Utc>,
    /// A redelivery is one attempt: it is not retried, so it never doubles the original's
    /// retry schedule.
    redelivery: bool,
}

#[derive(Default)]
struct Hub {
    events: Vec<Event>,
    endpoints: Vec<Endpoint>,
    attempts: Vec<Attempt>,
    pending: Vec<Pending>,
    /// Endpoints a delivery worker is serving now: one worker per endpoint keeps its order.
    busy: HashSet<String>,
}

/// The sandbox's events, endpoints and deliveries. Clones share them.
#[derive(Clone)]
pub struct Webhooks {
    hub: Arc<Mutex<Hub>>,
    wake: Arc<tokio::sync::Notify>,
    /// Bumped whenever the log, the endpoints or the delivery log change, so a watcher (the
    /// console's Events view) reads again only when there is something new.
    changed: Arc<tokio::sync::watch::Sender<u64>>,
    clock: Clock,
}

/// The most events, and attempts, kept; the oldest go first (a long-running sandbox with a
/// busy clock would otherwise grow without bound).
const KEEP: usize = 50_000;

/// Sandbox-time gaps between a failed attempt and the next, per provider: Kelviq's
/// documented 3 retries 60 s apart; Flowglad's Svix schedule as Svix publishes it (5 s, 5 min,
/// 30 min, 2 h, 5 h, 10 h, 10 h); KuvarPay documents "exponential backoff" only (inferred:
/// doubling from 1 min, 5 retries); Zenskar documents none (inferred: as Kelviq).
pub fn retry_gaps(provider: ProviderKind) -> &'static [i64] {
    match provider {
        ProviderKind::Kelviq | ProviderKind::Zenskar => &[60, 60, 60],
        ProviderKind::Flowglad => &[5, 300, 1_800, 7_200, 18_000, 36_000, 36_000],
        ProviderKind::KuvarPay => &[60, 120, 240, 480, 960],
    }
}

impl Webhooks {
    pub fn new(clock: Clock) -> Webhooks {
        Webhooks {
            hub: Arc::default(),
            wake: Arc::default(),
            changed: Arc::new(tokio::sync::watch::channel(0).0),
            clock,
        }
    }

    /// A receiver that sees a new value after every change to the events, the endpoints or
    /// the deliveries.
    pub fn changes(&self) -> tokio::sync::watch::Receiver<u64> {
        self.changed.subscribe()
    }

    fn bump(&self) {
        self.changed.send_modify(|n| *n = n.wrapping_add(1));
    }

    /// Records events in time order and queues a delivery to every endpoint that wants each.
    pub fn emit(&self, provider: ProviderKind, emitted: Vec<Emitted>) {
        if emitted.is_empty() {
            return;
        }
        let mut hub = lock(&self.hub);
        for e in emitted {
            let seq = hub.events.last().map_or(1, |l| l.seq + 1);
            let id = envelope::event_id(provider);
            let body = envelope::body(provider, &id, &e);
            let event = Event { seq, id, provider, kind: e.kind, at: e.at, object: e.object_id, body };
            let wanted: Vec<String> =
                hub.endpoints.iter().filter(|ep| ep.wants(&event)).map(|ep| ep.id.clone()).collect();
            for endpoint in wanted {
                hub.pending.push(Pending { event_seq: seq, endpoint, retry: 0, due: event.at, redelivery: false });
            }
            hub.events.push(event);
        }
        trim(&mut hub.events);
        drop(hub);
        self.bump();
        self.wake.notify_one();
    }

    /// Events after `after` (a `seq`), oldest first.
    pub fn events_after(&self, after: u64) -> Vec<Event> {
        lock(&self.hub).events.iter().filter(|e| e.seq > after).cloned().collect()
    }

    /// The newest `limit` events (oldest first), the attempts made for them, and how many
    /// older events the log holds: one lock, copying only what is returned (the console's
    /// Events view reads this after every change).
    pub fn recent(&self, limit: usize) -> (Vec<Event>, Vec<Attempt>, usize) {
        let hub = lock(&self.hub);
        let older = hub.events.len().saturating_sub(limit);
        let events: Vec<Event> = hub.events[older..].to_vec();
        let first = events.first().map_or(u64::MAX, |e| e.seq);
        let attempts = hub.attempts.iter().filter(|a| a.event_seq >= first).cloned().collect();
        (events, attempts, older)
    }

    /// Delivery attempts after `after` (a `seq`), oldest first, optionally of one endpoint.
    pub fn attempts_after(&self, after: u64, endpoint: Option<&str>) -> Vec<Attempt> {
        lock(&self.hub)
            .attempts
            .iter()
            .filter(|a| a.seq > after && endpoint.is_none_or(|e| a.endpoint == e))
            .cloned()
            .collect()
    }

    /// The payload an attempt sent (its event's body).
    pub fn body_of(&self, event_seq: u64) -> Option<String> {
        lock(&self.hub).events.iter().find(|e| e.seq == event_seq).map(|e| e.body.clone())
    }

    /// Registers an endpoint; `secret` is the one the user chose (Zenskar), else a new one in
    /// the provider's form.
    pub fn register(
        &self,
        provider: ProviderKind,
        url: url::Url,
        events: Option<Vec<String>>,
        secret: Option<String>,
    ) -> Endpoint {
        let now = self.clock.now();
        let endpoint = Endpoint {
            id: sign::endpoint_id(provider),
            provider,
            url,
            secret: secret.unwrap_or_else(|| sign::new_secret(provider)),
            events,
            created: now,
            updated: now,
            active: true,
            name: None,
            pricing_model: None,
        };
        lock(&self.hub).endpoints.push(endpoint.clone());
        self.bump();
        endpoint
    }

    /// Changes an endpoint; `None` when there is none. Deactivating it drops what was
    /// waiting to go to it: an inactive endpoint receives nothing, retries included.
    pub fn update(&self, id: &str, change: EndpointChange) -> Option<Endpoint> {
        let now = self.clock.now();
        let mut hub = lock(&self.hub);
        let endpoint = hub.endpoints.iter_mut().find(|e| e.id == id)?;
        if let Some(url) = change.url {
            endpoint.url = url;
        }
        if let Some(events) = change.events {
            endpoint.events = events;
        }
        if let Some(active) = change.active {
            endpoint.active = active;
        }
        if let Some(name) = change.name {
            endpoint.name = Some(name);
        }
        endpoint.updated = now;
        let updated = endpoint.clone();
        if !updated.active {
            hub.pending.retain(|p| p.endpoint != id);
        }
        drop(hub);
        self.bump();
        Some(updated)
    }

    /// Sets what Flowglad shows of an endpoint it registered.
    pub fn label(&self, id: &str, name: &str, pricing_model: &str) {
        if let Some(e) = lock(&self.hub).endpoints.iter_mut().find(|e| e.id == id) {
            e.name = Some(name.to_string());
            e.pricing_model = Some(pricing_model.to_string());
        }
    }

    pub fn endpoints(&self) -> Vec<Endpoint> {
        lock(&self.hub).endpoints.clone()
    }

    pub fn endpoint(&self, id: &str) -> Option<Endpoint> {
        lock(&self.hub).endpoints.iter().find(|e| e.id == id).cloned()
    }

    /// Removes an endpoint and what was waiting to go to it; false when there was none.
    pub fn unregister(&self, id: &str) -> bool {
        let mut hub = lock(&self.hub);
        let before = hub.endpoints.len();
        hub.endpoints.retain(|e| e.id != id);
        hub.pending.retain(|p| p.endpoint != id);
        let removed = hub.endpoints.len() != before;
        drop(hub);
        self.bump();
        removed
    }

    /// Wakes the delivery task: the clock moved, so retries may be due.
    pub fn poke(&self) {
        self.wake.notify_one();
    }

    /// Queues a fresh attempt, due now, of event `event_seq` to `endpoint` or to every
    /// current endpoint that wants it; the endpoint ids queued. It keeps the event's id (as
    /// Svix and Kelviq do: receivers dedupe by it), is signed when sent (a fresh timestamp) and
    /// leaves the original's pending retries as they are.
    pub fn redeliver(&self, event_seq: u64, endpoint: Option<&str>) -> Result<Vec<String>, String> {
        let now = self.clock.now();
        let mut hub = lock(&self.hub);
        let Some(event) = hub.events.iter().find(|e| e.seq == event_seq) else {
            return Err(format!("no event {event_seq}: it never happened or is older than the {KEEP} kept"));
        };
        let targets: Vec<String> = match endpoint {
            Some(id) => {
                let Some(ep) = hub.endpoints.iter().find(|e| e.id == id) else {
                    return Err(format!("no endpoint {id}"));
                };
                if !ep.active {
                    return Err(format!("endpoint {id} is inactive: it receives nothing"));
                }
                if ep.provider != event.provider {
                    return Err(format!(
                        "endpoint {id} receives {} events; event {event_seq} is {}'s",
                        ep.provider.slug(),
                        event.provider.slug()
                    ));
                }
                vec![ep.id.clone()]
            }
            None => hub.endpoints.iter().filter(|ep| ep.wants(event)).map(|ep| ep.id.clone()).collect(),
        };
        if targets.is_empty() {
            return Err(format!("no endpoint wants event {event_seq} ({} {})", event.provider.slug(), event.kind));
        }
        for id in &targets {
            hub.pending.push(Pending { event_seq, endpoint: id.clone(), retry: 0, due: now, redelivery: true });
        }
        drop(hub);
        self.bump();
        self.wake.notify_one();
        Ok(targets)
    }

    /// An endpoint with a delivery due now and no worker serving it, now marked busy: the
    /// caller starts its worker.
    fn claim(&self) -> Option<String> {
        let now = self.clock.now();
        let mut hub = lock(&self.hub);
        let id = hub.pending.iter().find(|p| p.due <= now && !hub.busy.contains(&p.endpoint))?.endpoint.clone();
        hub.busy.insert(id.clone());
        Some(id)
    }

    /// How long until the next delivery an idle endpoint has waiting falls due (zero when
    /// one is due now); `None` when none is waiting, so the delivery task sleeps until woken.
    fn next_due_in(&self) -> Option<std::time::Duration> {
        let now = self.clock.now();
        let hub = lock(&self.hub);
        let due = hub.pending.iter().filter(|p| !hub.busy.contains(&p.endpoint)).map(|p| p.due).min()?;
        Some((due - now).to_std().unwrap_or_default())
    }

    /// The endpoint's earliest delivery that is due now, taken off the queue with what it
    /// needs. `None` also releases the endpoint, under the same lock, so work queued after
    /// this finds it free and starts a new worker.
    fn take_due(&self, endpoint: &str) -> Option<(Pending, Event, Endpoint)> {
        let now = self.clock.now();
        let mut hub = lock(&self.hub);
        loop {
            let due = hub
                .pending
                .iter()
                .enumerate()
                .filter(|(_, p)| p.endpoint == endpoint && p.due <= now)
                .min_by_key(|(_, p)| (p.due, p.event_seq))
                .map(|(i, _)| i);
            let Some(i) = due else {
                hub.busy.remove(endpoint);
                drop(hub);
                // Its later retries are the delivery task's to wait for now.
                self.wake.notify_one();
                return None;
            };
            let pending = hub.pending.remove(i);
            let event = hub.events.iter().find(|e| e.seq == pending.event_seq).cloned();
            let target = hub.endpoints.iter().find(|e| e.id == pending.endpoint).cloned();
            // A trimmed event, a removed or inactive endpoint: nothing to send; go on.
            if let (Some(event), Some(target)) = (event, target.filter(|t| t.active)) {
                return Some((pending, event, target));
            }
        }
    }

    /// Records an attempt and, when it failed and retries are left, queues the next one.
    fn record(&self, pending: &Pending, event: &Event, endpoint: &Endpoint, sent: deliver::Sent) {
        let now = self.clock.now();
        let mut hub = lock(&self.hub);
        let seq = hub.attempts.last().map_or(1, |a| a.seq + 1);
        let outcome = sent.outcome;
        let ok = outcome.status.is_some_and(|s| (200..300).contains(&s));
        hub.attempts.push(Attempt {
            seq,
            id: uuid::Uuid::new_v4().to_string(),
            event_seq: event.seq,
            event_id: event.id.clone(),
            endpoint: endpoint.id.clone(),
            provider: event.provider,
            kind: event.kind.clone(),
            object: event.object.clone(),
            retry: pending.retry,
            at: now,
            event_at: event.at,
            status: outcome.status,
            ok,
            latency_ms: outcome.latency_ms,
            error: outcome.error,
            headers: sent.headers,
            redelivery: pending.redelivery,
        });
        trim(&mut hub.attempts);
        let gaps = retry_gaps(endpoint.provider);
        if let Some(gap) = gaps.get(pending.retry as usize).filter(|_| !ok && !pending.redelivery) {
            // From when this attempt was due, not from now: after a clock move every retry
            // that fell within it runs at once, in order.
            let due = pending.due + Duration::seconds(*gap);
            hub.pending.push(Pending { retry: pending.retry + 1, due, ..pending.clone() });
        }
        drop(hub);
        self.bump();
    }
}

fn trim<T>(items: &mut Vec<T>) {
    if items.len() > KEEP {
        let extra = items.len() - KEEP;
        items.drain(..extra);
    }
}

#[cfg(test)]
mod tests;
