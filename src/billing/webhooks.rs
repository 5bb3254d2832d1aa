//! Webhook events and their deliveries, as the console's Events view shows them: from the
//! sandbox's own event log, or from a provider's delivery log (Kelviq's `GET /webhook/logs/`,
//! one row per attempt, which [`merge`] gathers under their events).

use chrono::{DateTime, Utc};
use serde::Serialize;

use super::ProviderKind;

/// One event with every delivery attempt known for it, oldest attempt first.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct WebhookEvent {
    pub provider: ProviderKind,
    pub id: String,
    /// The provider's event name (`subscription.updated`).
    #[serde(rename = "type")]
    pub kind: String,
    /// The id of the object the event is about, when the body names one.
    pub object: Option<String>,
    /// When the event happened (sandbox time in the sandbox).
    pub at: DateTime<Utc>,
    /// The body every delivery of it sends, as sent.
    pub payload: String,
    pub attempts: Vec<WebhookAttempt>,
    /// The sandbox's position for it: only sandbox events can be sent again from the console.
    pub sandbox_seq: Option<u64>,
}

/// One attempt to deliver an event to one endpoint.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct WebhookAttempt {
    pub id: String,
    pub endpoint: String,
    /// Retries before this attempt (0 for the first).
    pub retry: u32,
    pub at: DateTime<Utc>,
    /// The receiver's status; `None` when it could not be reached.
    pub status: Option<u16>,
    pub ok: bool,
    /// Where the source records it (the sandbox does, Kelviq's log does not).
    pub latency_ms: Option<u64>,
    pub error: Option<String>,
    /// The headers sent, signature included (never the secret); empty where the source does
    /// not record them.
    pub headers: Vec<(String, String)>,
    /// Sent again on request, not by the retry schedule.
    pub redelivery: bool,
}

impl WebhookEvent {
    /// What its deliveries came to, per endpoint, for one list cell: "✓ 200", "✗ 500 ×4",
    /// "no endpoint", "2 ✓ · 1 ✗".
    pub fn delivery_summary(&self) -> String {
        let mut endpoints: Vec<&str> = self.attempts.iter().map(|a| a.endpoint.as_str()).collect();
        endpoints.sort_unstable();
        endpoints.dedup();
        let last_of = |e: &str| self.attempts.iter().rev().find(|a| a.endpoint == e);
        match endpoints.as_slice() {
            [] => "not delivered".to_string(),
            [one] => {
                let tries = self.attempts.iter().filter(|a| a.endpoint == *one).count();
                let last = last_of(one).map_or_else(String::new, attempt_mark);
                if tries > 1 { format!("{last} ×{tries}") } else { last }
            }
            many => {
                let ok = many.iter().filter(|e| last_of(e).is_some_and(|a| a.ok)).count();
                let failed = many.len() - ok;
                if failed == 0 { format!("✓ {ok} endpoints") } else { format!("{ok} ✓ · {failed} ✗") }
            }
        }
    }
}

/// "✓ 200", "✗ 500", "✗ could not connect".
pub fn attempt_mark(a: &WebhookAttempt) -> String {
    let mark = if a.ok { "✓" } else { "✗" };
    match (a.status, &a.error) {
        (Some(code), _) => format!("{mark} {code}"),
        (None, Some(why)) => format!("{mark} {why}"),
        (None, None) => format!("{mark} no answer"),
    }
}

/// Attempts listed one per row (each carrying its event) gathered under their events: newest
/// event first, each event's attempts oldest first. The same attempt seen twice (pages that
/// shifted while read) is kept once.
pub fn merge(rows: Vec<WebhookEvent>) -> Vec<WebhookEvent> {
    let mut events: Vec<WebhookEvent> = Vec::new();
    for row in rows {
        match events.iter_mut().find(|e| e.provider == row.provider && e.id == row.id) {
            Some(event) => {
                for attempt in row.attempts {
                    if !event.attempts.iter().any(|a| a.id == attempt.id) {
                        event.attempts.push(attempt);
                    }
                }
            }
            None => events.push(row),
        }
    }
    for event in &mut events {
        event.attempts.sort_by_key(|a| (a.at, a.retry));
    }
    events.sort_by_key(|e| std::cmp::Reverse(e.at));
    events
}

/// The id of the object an envelope is about: `data.object.id` (Kelviq), `data.id`
/// (Flowglad, KuvarPay's `data`), else `object.id`.
pub fn object_id(payload: &serde_json::Value) -> Option<String> {
    let candidates = [&payload["data"]["object"]["id"], &payload["data"]["id"], &payload["object"]["id"]];
    candidates.iter().find_map(|v| match v {
        serde_json::Value::String(s) => Some(s.clone()),
        serde_json::Value::Number(n) => Some(n.to_string()),
        _ => None,
    })
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;

    use super::*;

    fn attempt(id: &str, endpoint: &str, retry: u32, minute: u32, status: u16) -> WebhookAttempt {
        WebhookAttempt {
            id: id.into(),
            endpoint: endpoint.into(),
            retry,
            at: Utc.with_ymd_and_hms(2026, 12, 6, 10, minute, 0).unwrap(),
            status: Some(status),
            ok: (200..300).contains(&status),
            latency_ms: None,
            error: None,
            headers: Vec::new(),
            redelivery: false,
        }
    }

    fn row(event: &str, minute: u32, a: WebhookAttempt) -> WebhookEvent {
        WebhookEvent {
            provider: ProviderKind::Kelviq,
            id: event.into(),
            kind: "invoice.paid".into(),
            object: None,
            at: Utc.with_ymd_and_hms(2026, 12, 6, 10, minute, 0).unwrap(),
            payload: "{}".into(),
            attempts: vec![a],
            sandbox_seq: None,
        }
    }

    /// Kelviq's log is newest attempt first, one row per attempt.
    #[test]
    fn attempts_gather_under_their_event_oldest_first_and_once() {
        let rows = vec![
            row("e2", 5, attempt("a4", "we1", 0, 5, 200)),
            row("e1", 1, attempt("a3", "we1", 2, 3, 200)),
            row("e1", 1, attempt("a2", "we1", 1, 2, 500)),
            row("e1", 1, attempt("a2", "we1", 1, 2, 500)),
            row("e1", 1, attempt("a1", "we1", 0, 1, 500)),
        ];
        let events = merge(rows);
        assert_eq!(events.iter().map(|e| e.id.as_str()).collect::<Vec<_>>(), ["e2", "e1"]);
        let ids: Vec<&str> = events[1].attempts.iter().map(|a| a.id.as_str()).collect();
        assert_eq!(ids, ["a1", "a2", "a3"]);
        assert_eq!(events[1].delivery_summary(), "✓ 200 ×3");
        assert_eq!(events[0].delivery_summary(), "✓ 200");
    }

    #[test]
    fn a_summary_names_failures_per_endpoint() {
        let mut e = row("e1", 1, attempt("a1", "we1", 0, 1, 200));
        e.attempts.push(attempt("a2", "we2", 0, 1, 500));
        assert_eq!(e.delivery_summary(), "1 ✓ · 1 ✗");
        e.attempts.clear();
        assert_eq!(e.delivery_summary(), "not delivered");
        let mut unreachable = attempt("a3", "we1", 0, 1, 0);
        unreachable.status = None;
        unreachable.ok = false;
        unreachable.error = Some("could not connect".into());
        assert_eq!(attempt_mark(&unreachable), "✗ could not connect");
    }

    #[test]
    fn the_object_is_found_in_each_envelope() {
        let kelviq = serde_json::json!({"data": {"object": {"id": "sub_1"}}});
        let flowglad = serde_json::json!({"data": {"id": "cus_2"}});
        assert_eq!(object_id(&kelviq).as_deref(), Some("sub_1"));
        assert_eq!(object_id(&flowglad).as_deref(), Some("cus_2"));
        assert_eq!(object_id(&serde_json::json!({"x": 1})), None);
    }
}
