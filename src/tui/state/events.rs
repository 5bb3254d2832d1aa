//! The Events view (`e`): webhook events with what their deliveries came to, newest first.
//! On the embedded sandbox it is the sandbox's own log, live (a watch wakes it on every new
//! event or attempt), and `r` sends the selected event again; on a Kelviq account it is
//! Kelviq's delivery log (`GET /webhook/logs/`), read again with `R`. Enter shows one event:
//! its deliveries, the headers the last one sent and the payload.

use chrono::{DateTime, Utc};

use super::detail::{DetailKind, DetailLine, DetailState};
use super::{AppState, Dialog, Effect};
use crate::billing::ProviderKind;
use crate::billing::webhooks::{WebhookEvent, attempt_mark, merge};
use crate::tui::action::Action;
use crate::tui::sandbox_events::{EventsRead, Receiver};

/// How many of the sandbox's newest events one read takes.
pub const SANDBOX_LIMIT: usize = 500;
/// Pages of 100 attempts read from a provider's log (the newest 300 attempts).
pub const LOG_PAGES: usize = 3;

/// Where the view's events come from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Source {
    /// The embedded sandbox, for the providers of these slots.
    Sandbox(Vec<ProviderKind>),
    /// The delivery logs of these slots' providers.
    Logs(Vec<u8>),
}

#[derive(Debug)]
pub struct EventsState {
    pub source: Source,
    pub rows: Vec<WebhookEvent>,
    pub receivers: Vec<Receiver>,
    /// Held by the source beyond what was read.
    pub older: usize,
    pub selected: usize,
    pub loading: bool,
    /// Per provider: no log to read, or the error of its read.
    pub notes: Vec<String>,
    pub fetched_at: Option<DateTime<Utc>>,
    pub control: super::listing::ListControl,
    /// The log slots still to answer (a read of several providers' logs).
    pending: Vec<u8>,
    gathered: Vec<WebhookEvent>,
}

impl EventsState {
    pub fn visible(&self) -> Vec<usize> {
        self.control.visible(&self.rows)
    }

    pub fn selected_event(&self) -> Option<&WebhookEvent> {
        self.visible().get(self.selected).and_then(|&i| self.rows.get(i))
    }

    /// The lines above the table: the receivers (sandbox), or what a provider's log could
    /// not give; the view draws them and the mouse counts them.
    pub fn note_lines(&self) -> Vec<String> {
        let mut lines = self.notes.clone();
        if let Source::Sandbox(_) = self.source {
            lines.push(match self.receivers.as_slice() {
                [] => "No endpoint yet: `till listen --forward-to URL` registers one".into(),
                [one] => format!("Endpoint {} → {} ({})", one.id, one.url, one.provider),
                many => format!(
                    "{} endpoints: {}",
                    many.len(),
                    many.iter().map(|r| r.id.as_str()).collect::<Vec<_>>().join(", ")
                ),
            });
        }
        if self.older > 0 {
            lines.push(format!("The newest {} events are shown; {} older ones are not", self.rows.len(), self.older));
        }
        lines
    }

    /// New rows, keeping the selected event selected; a selection on the newest row follows
    /// the newest, as a live stream does.
    fn replace(&mut self, rows: Vec<WebhookEvent>) {
        let keep = self.selected_event().filter(|_| self.selected > 0).map(|e| (e.provider, e.id.clone()));
        self.rows = rows;
        let visible = self.visible();
        self.selected = keep
            .and_then(|(p, id)| visible.iter().position(|&i| self.rows[i].provider == p && self.rows[i].id == id))
            .unwrap_or(0)
            .min(visible.len().saturating_sub(1));
    }
}

impl AppState {
    /// `e`: the sandbox's events when the console runs on one, else the delivery logs of the
    /// tab's providers that keep one.
    pub fn open_events(&mut self) -> Vec<Effect> {
        let slots = self.tab_slots(self.tab);
        let kinds: Vec<ProviderKind> =
            slots.iter().filter_map(|&s| self.slots.get(s as usize)).map(|s| s.kind).collect();
        let mut state = EventsState {
            source: Source::Sandbox(kinds),
            rows: Vec::new(),
            receivers: Vec::new(),
            older: 0,
            selected: 0,
            loading: true,
            notes: Vec::new(),
            fetched_at: None,
            control: Default::default(),
            pending: Vec::new(),
            gathered: Vec::new(),
        };
        let mut effects = Vec::new();
        if self.sandbox_events {
            effects.push(Effect::ReadSandboxEvents);
            if !self.events_watched {
                self.events_watched = true;
                effects.push(Effect::WatchSandboxEvents);
            }
        } else {
            for &slot in &slots {
                let Some(s) = self.slots.get(slot as usize) else { continue };
                if s.provider.actions().webhook_log {
                    state.pending.push(slot);
                    effects.push(Effect::ReadWebhookLog { slot });
                } else {
                    state.notes.push(format!(
                        "{}: no API lists its deliveries; `till listen --port` shows them as they arrive",
                        s.kind
                    ));
                }
            }
            state.loading = !state.pending.is_empty();
            state.source = Source::Logs(slots);
        }
        self.push(Dialog::Events(Box::new(state)));
        effects
    }

    fn events_mut(&mut self) -> Option<&mut EventsState> {
        self.dialogs.iter_mut().rev().find_map(|d| if let Dialog::Events(e) = d { Some(&mut **e) } else { None })
    }

    /// The sandbox's log was read.
    pub(crate) fn sandbox_events_read(&mut self, read: EventsRead) {
        let now = self.now;
        let Some(state) = self.events_mut() else { return };
        let Source::Sandbox(kinds) = &state.source else { return };
        let kinds = kinds.clone();
        let shown = |p: &ProviderKind| kinds.contains(p);
        state.receivers = read.receivers.into_iter().filter(|r| shown(&r.provider)).collect();
        state.older = read.older;
        state.loading = false;
        state.fetched_at = Some(now);
        state.replace(read.events.into_iter().filter(|e| shown(&e.provider)).collect());
    }

    /// Something changed in the sandbox's log: read it again while the view is open, and keep
    /// watching.
    pub(crate) fn sandbox_events_changed(&mut self) -> Vec<Effect> {
        self.events_watched = false;
        if self.events_mut().is_none() {
            return Vec::new();
        }
        self.events_watched = true;
        vec![Effect::ReadSandboxEvents, Effect::WatchSandboxEvents]
    }

    /// One provider's delivery log arrived; the rows are shown once every asked log answered.
    pub(crate) fn webhook_log_read(&mut self, slot: u8, result: Result<(Vec<WebhookEvent>, bool), String>) {
        let (now, kind) = (self.now, self.slots.get(slot as usize).map(|s| s.kind));
        let Some(state) = self.events_mut() else { return };
        if !state.pending.contains(&slot) {
            return;
        }
        state.pending.retain(|s| *s != slot);
        let name = kind.map_or("?", |k| k.display_name());
        match result {
            Ok((rows, more)) => {
                if more {
                    state.notes.push(format!("{name}: the newest {} attempts are shown", LOG_PAGES * 100));
                }
                state.gathered.extend(rows);
            }
            Err(e) => state.notes.push(format!("{name}: {e}")),
        }
        if state.pending.is_empty() {
            state.loading = false;
            state.fetched_at = Some(now);
            let rows = merge(std::mem::take(&mut state.gathered));
            state.replace(rows);
        }
    }

    pub(crate) fn redelivered(&mut self, event: &str, result: Result<Vec<String>, String>) {
        match result {
            Ok(to) => self.notify(format!("Sent {event} again to {}", to.join(", "))),
            Err(e) => self.notify_error(format!("Could not send {event} again: {e}")),
        }
    }

    pub(crate) fn events_action(&mut self, action: Action) -> Vec<Effect> {
        let Some(Dialog::Events(state)) = self.dialogs.last_mut() else { return Vec::new() };
        let columns = <WebhookEvent as super::listing::Tabular>::columns().len();
        if super::listing::list_key(&mut state.control, &mut state.selected, action, columns) {
            return Vec::new();
        }
        let selected = state.selected_event().cloned();
        match action {
            Action::Back | Action::Events => {
                self.pop();
                Vec::new()
            }
            Action::Refresh => {
                self.pop();
                self.open_events()
            }
            Action::Choose => selected.map(|e| self.push_detail(event_detail(&e))).unwrap_or_default(),
            Action::Redeliver => self.redeliver(selected),
            Action::Copy => match selected {
                Some(e) => {
                    self.notify(format!("Copied {} (OSC 52)", e.id));
                    vec![Effect::Copy(e.id)]
                }
                None => Vec::new(),
            },
            nav => {
                if let Some(delta) = super::movement::nav_delta(nav, 10) {
                    let last = state.visible().len().saturating_sub(1);
                    state.selected = state.selected.saturating_add_signed(delta).min(last);
                }
                Vec::new()
            }
        }
    }

    fn redeliver(&mut self, event: Option<WebhookEvent>) -> Vec<Effect> {
        let Some(event) = event else {
            self.notify("No event selected");
            return Vec::new();
        };
        match event.sandbox_seq {
            Some(seq) => vec![Effect::Redeliver { seq, event: event.id }],
            None => {
                self.notify(format!(
                    "{} sends its events again from its dashboard; till can resend only the sandbox's",
                    event.provider
                ));
                Vec::new()
            }
        }
    }
}

/// Enter on an event: what it is, each delivery attempt, the headers the newest attempt sent
/// and the payload's fields (`v` shows the payload as sent).
pub fn event_detail(e: &WebhookEvent) -> DetailState {
    let stamp = |t: DateTime<Utc>| t.format("%Y-%m-%d %H:%M:%S UTC").to_string();
    let mut lines = vec![
        DetailLine::section("Event"),
        DetailLine::field("Type", e.kind.clone()),
        DetailLine::field("ID", e.id.clone()),
        DetailLine::field("Provider", e.provider.display_name()),
        DetailLine::field("Object", e.object.clone().unwrap_or_else(|| "—".into())),
        DetailLine::field("Happened", stamp(e.at)),
        DetailLine::section(format!("Deliveries ({})", e.attempts.len())),
    ];
    if e.attempts.is_empty() {
        lines.push(DetailLine::field("", "none: no endpoint wanted it when it happened"));
    }
    for a in &e.attempts {
        let kind = if a.redelivery { "resent".to_string() } else { format!("try {}", a.retry + 1) };
        let latency = a.latency_ms.map(|ms| format!(" in {ms} ms")).unwrap_or_default();
        let value = format!("{}{latency} at {}", attempt_mark(a), stamp(a.at));
        let endpoint: String = a.endpoint.chars().take(12).collect();
        lines.push(DetailLine::field(format!("{kind} → {endpoint}"), value).copying(a.endpoint.clone()));
    }
    if let Some(last) = e.attempts.iter().rev().find(|a| !a.headers.is_empty()) {
        lines.push(DetailLine::section(format!("Headers sent ({} at {})", last.endpoint, stamp(last.at))));
        for (name, value) in &last.headers {
            lines.push(DetailLine::field(name.clone(), value.clone()));
        }
    }
    let payload: serde_json::Value = serde_json::from_str(&e.payload).unwrap_or(serde_json::Value::Null);
    payload_sections(&mut lines, "Payload (v shows it as sent)", "", &payload, 0);
    let json = serde_json::to_string_pretty(&payload).unwrap_or_else(|_| e.payload.clone());
    let crumbs = vec![e.provider.display_name().to_string(), "Events".to_string(), e.kind.clone()];
    DetailState::new(DetailKind::Event, crumbs, lines, json).with_provider(e.provider)
}

/// The payload as sections: the envelope's own fields, then each object two levels deep
/// (`data`, `data.object`, `data.previous_attributes`) with its fields labelled from there, so
/// the labels stay short enough to read.
fn payload_sections(lines: &mut Vec<DetailLine>, title: &str, path: &str, value: &serde_json::Value, depth: usize) {
    let serde_json::Value::Object(map) = value else {
        lines.push(DetailLine::section(title));
        leaf_lines(lines, "", value);
        return;
    };
    let join = |key: &str| if path.is_empty() { key.to_string() } else { format!("{path}.{key}") };
    let nested = |v: &serde_json::Value| depth < 2 && matches!(v, serde_json::Value::Object(m) if !m.is_empty());
    let own: Vec<_> = map.iter().filter(|(_, v)| !nested(v)).collect();
    if !own.is_empty() || map.is_empty() {
        lines.push(DetailLine::section(title));
        own.into_iter().for_each(|(k, v)| leaf_lines(lines, k, v));
    }
    for (k, v) in map.iter().filter(|(_, v)| nested(v)) {
        let inner = join(k);
        payload_sections(lines, &inner, &inner, v, depth + 1);
    }
}

/// One field per leaf, labelled by its path below the section (`items[0].price`).
fn leaf_lines(lines: &mut Vec<DetailLine>, path: &str, value: &serde_json::Value) {
    use serde_json::Value;
    let join = |key: &str| if path.is_empty() { key.to_string() } else { format!("{path}.{key}") };
    match value {
        Value::Object(map) if !map.is_empty() => map.iter().for_each(|(k, v)| leaf_lines(lines, &join(k), v)),
        Value::Array(items) if !items.is_empty() => {
            items.iter().enumerate().for_each(|(i, v)| leaf_lines(lines, &format!("{path}[{i}]"), v))
        }
        Value::String(s) => lines.push(DetailLine::field(path, s.clone())),
        other => lines.push(DetailLine::field(path, other.to_string())),
    }
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;

    use super::*;

    fn event(id: &str) -> WebhookEvent {
        WebhookEvent {
            provider: ProviderKind::Kelviq,
            id: id.into(),
            kind: "invoice.paid".into(),
            object: None,
            at: Utc.with_ymd_and_hms(2026, 12, 6, 10, 0, 0).unwrap(),
            payload: "{}".into(),
            attempts: Vec::new(),
            sandbox_seq: None,
        }
    }

    fn view(ids: &[&str]) -> EventsState {
        let mut s = EventsState {
            source: Source::Sandbox(vec![ProviderKind::Kelviq]),
            rows: Vec::new(),
            receivers: Vec::new(),
            older: 0,
            selected: 0,
            loading: false,
            notes: Vec::new(),
            fetched_at: None,
            control: Default::default(),
            pending: Vec::new(),
            gathered: Vec::new(),
        };
        s.replace(ids.iter().map(|i| event(i)).collect());
        s
    }

    #[test]
    fn the_top_row_follows_the_newest_and_any_other_stays_put() {
        let mut s = view(&["e2", "e1"]);
        s.replace(["e4", "e3", "e2", "e1"].iter().map(|i| event(i)).collect());
        assert_eq!(s.selected_event().unwrap().id, "e4", "on the newest: the newest, as a live stream");
        s.selected = 2;
        s.replace(["e5", "e4", "e3", "e2", "e1"].iter().map(|i| event(i)).collect());
        assert_eq!(s.selected_event().unwrap().id, "e2", "an event being read stays selected");
        assert_eq!(s.selected, 3);
    }

    #[test]
    fn the_note_says_how_to_get_an_endpoint_and_what_is_left_out() {
        let mut s = view(&["e1"]);
        assert!(s.note_lines()[0].starts_with("No endpoint yet"));
        s.older = 12;
        assert_eq!(s.note_lines()[1], "The newest 1 events are shown; 12 older ones are not");
    }
}
