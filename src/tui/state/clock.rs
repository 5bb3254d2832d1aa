//! `:clock` in the console: the embedded sandbox's clock read or moved (`:clock +1M`,
//! `:clock 2027-03-01`), the status bar's sandbox time while it differs from real time, and
//! the panes of every provider something happened to read again.

use super::{AppState, Effect};
use crate::billing::ProviderKind;
use crate::tui::sandbox_clock::ClockAnswer;

impl AppState {
    /// `:clock` with what followed it (`None`: show the time).
    pub(super) fn clock_command(&mut self, to: Option<String>) -> Vec<Effect> {
        if self.clock_offset.is_none() {
            self.notify_error("No clock to move: only the embedded sandbox has one (this console talks to providers)");
            return Vec::new();
        }
        if to.is_some() {
            self.clock_moving = true;
            self.notify("Moving the sandbox clock: renewals, retries and expiries on the way run now…");
        }
        vec![Effect::Clock { to }]
    }

    pub(super) fn clock_answered(&mut self, result: Result<ClockAnswer, String>) -> Vec<Effect> {
        self.clock_moving = false;
        match result {
            Ok(answer) => self.clock_settled(answer, ""),
            Err(e) => {
                self.notify_error(format!("Clock: {e}"));
                Vec::new()
            }
        }
    }

    /// The clock moved. A move this console made (in flight, or already answered with this
    /// offset) is its own answer's business; any other came from another process, and is shown
    /// the same way.
    pub(super) fn clock_moved(&mut self, answer: ClockAnswer) -> Vec<Effect> {
        if self.clock_moving || self.clock_offset == Some(answer.offset) {
            return Vec::new();
        }
        self.clock_settled(answer, " by another process")
    }

    fn clock_settled(&mut self, answer: ClockAnswer, by: &str) -> Vec<Effect> {
        self.clock_offset = Some(answer.offset);
        let at = format!("{} ({})", answer.now.format("%Y-%m-%d %H:%M UTC"), offset_text(answer.offset));
        let Some(happened) = answer.happened else {
            self.notify(format!("Sandbox time {at}"));
            return Vec::new();
        };
        // The status bar shows the new date; the notice leads with what happened, so the part
        // an 80-column bar keeps is the part that matters.
        self.notify(format!("Clock moved{by} {}: {}", offset_text(answer.offset), happened_text(&happened)));
        // Something happened to these providers' subscriptions, invoices or checkouts: what
        // the console holds of them is older than that, so their panes and summaries are read
        // again (the customer lists themselves did not change).
        let slots: Vec<u8> =
            (0..self.slots.len() as u8).filter(|&s| happened.contains(&self.slots[s as usize].kind)).collect();
        for &slot in &slots {
            self.details.retain(|(sl, _), _| *sl != slot);
            self.slots[slot as usize].customers.summaries = Default::default();
        }
        if slots.is_empty() { Vec::new() } else { self.ensure_loaded() }
    }

    /// The status bar's note while sandbox time differs from real time.
    pub fn sandbox_time_label(&self) -> Option<String> {
        let offset = self.clock_offset.filter(|o| !o.is_zero())?;
        let at = self.now + offset;
        Some(format!("sandbox time {} ({})", at.format("%Y-%m-%d"), offset_text(offset)))
    }
}

/// `+31d 2h`, `+3h 5m`, `+0m`: how far ahead of real time.
fn offset_text(offset: chrono::Duration) -> String {
    // Rounded to the minute: a move lands a few seconds of real time after it was computed.
    let minutes = (offset.num_seconds() + 30).div_euclid(60);
    let (days, hours, mins) = (minutes / 1440, minutes % 1440 / 60, minutes % 60);
    match (days, hours) {
        (0, 0) => format!("+{mins}m"),
        (0, _) => format!("+{hours}h {mins}m"),
        _ => format!("+{days}d {hours}h"),
    }
}

/// "7 things happened (Kelviq 4, Zenskar 3)", or "nothing fell due".
fn happened_text(happened: &[ProviderKind]) -> String {
    if happened.is_empty() {
        return "nothing fell due".into();
    }
    let counts: Vec<String> = ProviderKind::ALL
        .iter()
        .filter_map(|k| {
            let n = happened.iter().filter(|h| *h == k).count();
            (n > 0).then(|| format!("{} {n}", k.display_name()))
        })
        .collect();
    let things = if happened.len() == 1 { "thing" } else { "things" };
    format!("{} {things} happened ({})", crate::billing::money::group_int(happened.len() as i64), counts.join(", "))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn offsets_and_happenings_read_as_a_person_would_say_them() {
        assert_eq!(offset_text(chrono::Duration::days(31) + chrono::Duration::hours(2)), "+31d 2h");
        assert_eq!(offset_text(chrono::Duration::minutes(185)), "+3h 5m");
        assert_eq!(offset_text(chrono::Duration::zero()), "+0m");
        assert_eq!(offset_text(chrono::Duration::days(31) - chrono::Duration::seconds(4)), "+31d 0h");
        assert_eq!(happened_text(&[]), "nothing fell due");
        let h = [ProviderKind::Zenskar, ProviderKind::Kelviq, ProviderKind::Zenskar];
        assert_eq!(happened_text(&h), "3 things happened (Kelviq 1, Zenskar 2)");
    }
}
