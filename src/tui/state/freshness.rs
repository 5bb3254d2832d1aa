//! Stale-while-revalidate for the selected customer's panes. What the console read before is
//! shown at once; once it is older than [`STALE_AFTER`] its pane titles say when it was read,
//! and the next move onto that customer (or any key that looks at the screen again) reads it
//! afresh in the background while the older answer stays on screen. Nothing is polled: an idle
//! console wakes once, when the shown data turns stale, only to draw that mark.

use chrono::{DateTime, Duration, Utc};

use super::{AppState, DetailParts, Loadable};

/// Data older than this is marked with the time it was read and read again when looked at.
pub const STALE_AFTER: Duration = Duration::seconds(60);

impl<T> Loadable<T> {
    /// Shown from an earlier read that is now old, and not being read again. A failed refresh is
    /// not retried by itself (`R` retries, as its message says).
    pub fn stale(&self, now: DateTime<Utc>) -> bool {
        self.value.is_some()
            && !self.loading
            && self.error.is_none()
            && self.fetched_at.is_some_and(|t| now - t >= STALE_AFTER)
    }

    /// What a pane title adds about the age of what it shows: being read again, a refresh
    /// that failed, or the time of an old read. `None` for fresh data (or none at all).
    pub fn age_mark(&self, now: DateTime<Utc>) -> Option<String> {
        self.value.as_ref()?;
        let read = self.fetched_at.map(|t| format!("as of {} UTC", t.format("%H:%M")));
        let old = self.fetched_at.is_some_and(|t| now - t >= STALE_AFTER);
        match (self.loading, &self.error, read) {
            (true, _, _) => Some("refreshing…".to_string()),
            (false, Some(_), Some(read)) => Some(format!("refresh failed, {read}")),
            (false, Some(_), None) => Some("refresh failed".to_string()),
            (false, None, Some(read)) if old => Some(read),
            _ => None,
        }
    }

    /// When this value turns stale, if it has not yet at `now`.
    fn turns_stale(&self, now: DateTime<Utc>) -> Option<DateTime<Utc>> {
        let at = self.fetched_at? + STALE_AFTER;
        (self.value.is_some() && !self.loading && self.error.is_none() && at > now).then_some(at)
    }
}

impl AppState {
    /// The selected customer's panes shown from an old read: marks them as being read again
    /// (what is shown stays until the answer arrives) and says which need the read.
    pub(super) fn revalidate_selected(&mut self) -> Option<DetailParts> {
        let (slot, c) = self.selected_customer()?;
        let key = (slot, c.id.to_string());
        let now = self.now;
        let d = self.details.get_mut(&key)?;
        let parts = DetailParts { subscriptions: d.subscriptions.stale(now), entitlements: d.entitlements.stale(now) };
        if !parts.subscriptions && !parts.entitlements {
            return None;
        }
        d.subscriptions.loading |= parts.subscriptions;
        d.entitlements.loading |= parts.entitlements;
        Some(parts)
    }

    /// When the loop should wake with no input and no answer arriving: the moment the selected
    /// customer's panes turn stale, so an idle screen shows their age. `None`: nothing will.
    pub fn next_wake(&self) -> Option<DateTime<Utc>> {
        let d = self.selected_details()?;
        let subs = d.subscriptions.turns_stale(self.now);
        let ents = d.entitlements.turns_stale(self.now);
        subs.into_iter().chain(ents).min()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(secs: i64) -> DateTime<Utc> {
        DateTime::from_timestamp(1_800_000_000 + secs, 0).unwrap()
    }

    fn read_at(secs: i64) -> Loadable<Vec<u8>> {
        let mut l = Loadable::loading();
        l.settle(Ok(vec![1]), at(secs));
        l
    }

    #[test]
    fn fresh_data_has_no_mark_and_old_data_says_when_it_was_read() {
        let l = read_at(0);
        assert_eq!(l.age_mark(at(59)), None);
        assert!(!l.stale(at(59)));
        assert!(l.stale(at(60)));
        assert_eq!(l.age_mark(at(60)).as_deref(), Some("as of 08:00 UTC"));
        assert_eq!(l.turns_stale(at(10)), Some(at(60)));
        assert_eq!(l.turns_stale(at(60)), None);
    }

    #[test]
    fn a_failed_refresh_keeps_the_old_value_and_says_so_and_is_not_retried_by_itself() {
        let mut l = read_at(0);
        l.loading = true;
        assert_eq!(l.age_mark(at(90)).as_deref(), Some("refreshing…"));
        let err = crate::providers::ProviderError::new(
            crate::billing::ProviderKind::Kelviq,
            crate::providers::ErrorKind::Transport,
            "connection reset",
        );
        l.settle(Err(err), at(91));
        assert_eq!(l.value, Some(vec![1]), "the older answer stays on screen");
        assert_eq!(l.age_mark(at(91)).as_deref(), Some("refresh failed, as of 08:00 UTC"));
        assert!(!l.stale(at(500)));
        assert_eq!(l.turns_stale(at(1)), None);
    }

    #[test]
    fn nothing_shown_has_no_mark_and_never_wakes() {
        let l: Loadable<Vec<u8>> = Loadable::loading();
        assert_eq!(l.age_mark(at(1000)), None);
        assert!(!l.stale(at(1000)));
        assert_eq!(l.turns_stale(at(0)), None);
    }
}
