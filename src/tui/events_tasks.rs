//! The executor's part of the Events view and the clock watch: reading the embedded
//! sandbox's events (off the loop: the log sits behind the sandbox's lock), waiting for its
//! next change, sending an event again, and reading a provider's own delivery log.

use std::sync::Arc;

use super::state::events::{LOG_PAGES, SANDBOX_LIMIT};
use super::state::messages::Msg;
use super::tasks::Tasks;
use crate::billing::webhooks::WebhookEvent;
use crate::providers::{BillingProvider, PageRequest};

impl Tasks {
    pub(super) fn read_sandbox_events(&self) {
        let Some(events) = self.events.clone() else { return };
        self.blocking(move || Msg::SandboxEvents(events.recent(SANDBOX_LIMIT)));
    }

    /// One wait for the next change; the state asks again while the view is open. The one
    /// receiver outlives each wait, so a change made between two waits is not missed. Not
    /// counted as running work: it may wait for ever, and nothing is loading meanwhile.
    pub(super) fn watch_sandbox_events(&mut self) {
        let Some(events) = self.events.clone() else { return };
        let changes =
            self.event_changes.get_or_insert_with(|| Arc::new(tokio::sync::Mutex::new(events.changes()))).clone();
        let tx = self.tx.clone();
        tokio::spawn(async move {
            let mut changes = changes.lock().await;
            if changes.changed().await.is_ok() {
                changes.borrow_and_update();
                let _ = tx.send(Msg::SandboxEventsChanged);
            }
        });
    }

    pub(super) fn redeliver(&self, seq: u64, event: String) {
        let Some(events) = self.events.clone() else { return };
        self.blocking(move || Msg::Redelivered { result: events.redeliver(seq), event });
    }

    /// Every move of the sandbox clock, for as long as the console runs (moves are rare, and
    /// each one changes what the status bar shows).
    pub(super) fn watch_clock(&self) {
        let (Some(clock), tx) = (self.clock.clone(), self.tx.clone()) else { return };
        let mut moves = clock.moves();
        tokio::spawn(async move {
            while moves.changed().await.is_ok() {
                let happened = moves.borrow_and_update().clone();
                let (now, offset) = clock.read();
                let answer = crate::tui::sandbox_clock::ClockAnswer { now, offset, happened: Some(happened) };
                if tx.send(Msg::ClockMoved(answer)).is_err() {
                    return;
                }
            }
        });
    }

    pub(super) fn read_webhook_log(&self, slot: u8) {
        let (Some(p), tx) = (self.provider(slot), self.tx.clone()) else { return };
        self.spawn(async move {
            let result = newest_attempts(p).await;
            let _ = tx.send(Msg::WebhookLog { slot, result });
        });
    }
}

/// The newest `LOG_PAGES` pages of the log, and whether it holds more.
async fn newest_attempts(p: Arc<dyn BillingProvider>) -> Result<(Vec<WebhookEvent>, bool), String> {
    let mut guard = crate::providers::paging::PageGuard::new(p.kind(), "webhook logs");
    let mut rows = Vec::new();
    let mut cursor = None;
    for _ in 0..LOG_PAGES {
        let page =
            p.webhook_log(&PageRequest { cursor: cursor.clone(), limit: 100, search: None, follows: false }).await;
        let page = page.map_err(|e| e.to_string())?;
        let count = page.items.len();
        rows.extend(page.items);
        match guard.advance(count, page.next_cursor).map_err(|e| e.to_string())? {
            Some(next) => cursor = Some(next),
            None => return Ok((rows, false)),
        }
    }
    Ok((rows, true))
}
