//! The sandbox's clock: real time plus a forward offset, shared by the four providers of one
//! sandbox, and what moving it makes happen.
//!
//! Every record the sandbox keeps is stamped with [`Clock::now`], never `Utc::now()`, so a
//! moved clock moves everything at once. The clock only goes forward: a moved clock that went
//! back would let a subscription renew twice for the same period.
//!
//! Moving it ([`super::AppState::move_clock_to`]) runs each provider's timeline up to the new
//! time: [`run_timeline`] takes the records' due times in order and hands each one to the
//! provider's single `happen` function, which is where every renewal, failed charge, retry,
//! trial end, period-end cancellation and checkout expiry goes through.

use std::cmp::Reverse;
use std::collections::BinaryHeap;
use std::sync::{Arc, Mutex};

use chrono::{DateTime, Duration, Months, Utc};
use serde_json::Value;

use crate::billing::ProviderKind;

/// The furthest one move may jump: beyond this, the engine would renew every subscription
/// hundreds of times in one request (and the dates would leave chrono's range).
pub const MAX_JUMP_DAYS: i64 = 3_660;

#[derive(Clone, Copy, Debug)]
enum Base {
    /// The machine's clock: the sandbox keeps running in real time, ahead by the offset.
    Real,
    /// A test clock: stands still except when moved.
    Fixed(DateTime<Utc>),
}

/// One sandbox's clock. Clones share it.
#[derive(Clone, Debug)]
pub struct Clock {
    base: Base,
    offset: Arc<Mutex<Duration>>,
    /// The providers something happened to in the latest move, sent after every move so a
    /// console notices moves made by another process through the admin API.
    moved: Arc<tokio::sync::watch::Sender<Vec<ProviderKind>>>,
}

impl Default for Clock {
    fn default() -> Self {
        Clock::real()
    }
}

/// Why the clock would not move.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ClockError {
    #[error("the sandbox clock only moves forward: it is {now}, and {to} is earlier")]
    Backwards { now: String, to: String },
    #[error("a move of more than {MAX_JUMP_DAYS} days at once is refused; move in smaller steps")]
    TooFar,
    #[error("{0}")]
    BadStep(String),
}

impl Clock {
    /// Real time, not moved yet.
    pub fn real() -> Clock {
        Clock::at(Base::Real)
    }

    /// A clock standing at `at` until moved: for tests that need exact times.
    pub fn fixed(at: DateTime<Utc>) -> Clock {
        Clock::at(Base::Fixed(at))
    }

    fn at(base: Base) -> Clock {
        let moved = Arc::new(tokio::sync::watch::channel(Vec::new()).0);
        Clock { base, offset: Arc::new(Mutex::new(Duration::zero())), moved }
    }

    /// Sees each move once it has run, with the provider of each thing that happened.
    pub fn moves(&self) -> tokio::sync::watch::Receiver<Vec<ProviderKind>> {
        self.moved.subscribe()
    }

    /// Tells the watchers a move finished.
    pub(crate) fn announce(&self, happened: Vec<ProviderKind>) {
        self.moved.send_replace(happened);
    }

    fn base_now(&self) -> DateTime<Utc> {
        match self.base {
            Base::Real => Utc::now(),
            Base::Fixed(at) => at,
        }
    }

    pub fn now(&self) -> DateTime<Utc> {
        self.base_now() + *super::lock(&self.offset)
    }

    /// How far ahead of real time (or of the test clock's start) the clock is.
    pub fn offset(&self) -> Duration {
        *super::lock(&self.offset)
    }

    /// Sets the clock to `to`; refused if that is earlier than now.
    pub(crate) fn set(&self, to: DateTime<Utc>) -> Result<(), ClockError> {
        let mut offset = super::lock(&self.offset);
        let base = self.base_now();
        let now = base + *offset;
        check_forward(now, to)?;
        *offset = to - base;
        Ok(())
    }
}

/// Refuses a target before `now` or too far after it.
pub fn check_forward(now: DateTime<Utc>, to: DateTime<Utc>) -> Result<(), ClockError> {
    if to < now {
        return Err(ClockError::Backwards { now: stamp(now), to: stamp(to) });
    }
    if to - now > Duration::days(MAX_JUMP_DAYS) {
        return Err(ClockError::TooFar);
    }
    Ok(())
}

/// RFC 3339 to the second, the form every clock answer uses.
pub fn stamp(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
}

/// A step to move the clock by: `1M` (calendar months), `2w`, `14d`, `2h`, `30m`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Step {
    Months(u32),
    Weeks(u32),
    Days(u32),
    Hours(u32),
    Minutes(u32),
}

impl Step {
    /// Strict: a positive whole number and one unit, nothing else. `M` is a calendar month
    /// (chrono's `Months`: Jan 31 + 1M is Feb 28/29), `m` a minute.
    pub fn parse(text: &str) -> Result<Step, ClockError> {
        let text = text.trim();
        let split = text.find(|c: char| !c.is_ascii_digit()).unwrap_or(text.len());
        let (digits, unit) = text.split_at(split);
        let bad = || {
            ClockError::BadStep(format!(
                "cannot read '{text}' as a step: use a whole number and one unit, M (months), w, d, h or m (minutes), e.g. 1M, 14d, 2h"
            ))
        };
        let n: u32 = digits.parse().map_err(|_| bad())?;
        if n == 0 {
            return Err(ClockError::BadStep("a step of zero does not move the clock".into()));
        }
        match unit {
            "M" => Ok(Step::Months(n)),
            "w" => Ok(Step::Weeks(n)),
            "d" => Ok(Step::Days(n)),
            "h" => Ok(Step::Hours(n)),
            "m" => Ok(Step::Minutes(n)),
            _ => Err(bad()),
        }
    }

    /// `from` moved by this step, if chrono can represent it.
    pub fn after(self, from: DateTime<Utc>) -> Result<DateTime<Utc>, ClockError> {
        let out = match self {
            Step::Months(n) => from.checked_add_months(Months::new(n)),
            Step::Weeks(n) => from.checked_add_signed(Duration::weeks(i64::from(n))),
            Step::Days(n) => from.checked_add_signed(Duration::days(i64::from(n))),
            Step::Hours(n) => from.checked_add_signed(Duration::hours(i64::from(n))),
            Step::Minutes(n) => from.checked_add_signed(Duration::minutes(i64::from(n))),
        };
        out.ok_or(ClockError::TooFar)
    }
}

/// Reads `2027-03-01T00:00Z`, `2027-03-01T00:00:00Z`, any RFC 3339 time, or a bare date
/// (midnight UTC).
pub fn parse_time(text: &str) -> Result<DateTime<Utc>, ClockError> {
    let text = text.trim();
    if let Ok(t) = DateTime::parse_from_rfc3339(text) {
        return Ok(t.with_timezone(&Utc));
    }
    for format in ["%Y-%m-%dT%H:%MZ", "%Y-%m-%dT%H:%M%:z", "%Y-%m-%d %H:%MZ"] {
        if let Ok(t) = DateTime::parse_from_str(&text.replace('Z', "+00:00"), &format.replace('Z', "%:z")) {
            return Ok(t.with_timezone(&Utc));
        }
    }
    if let Ok(d) = chrono::NaiveDate::parse_from_str(text, "%Y-%m-%d") {
        return Ok(d.and_time(chrono::NaiveTime::MIN).and_utc());
    }
    Err(ClockError::BadStep(format!(
        "cannot read '{text}' as a time: use RFC 3339 like 2027-03-01T00:00Z or a date like 2027-03-01"
    )))
}

/// One thing that happened when the clock moved: the hook where part 2 records an event.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct Happening {
    /// When it happened, on the sandbox clock.
    pub at: DateTime<Utc>,
    pub provider: ProviderKind,
    /// What happened, e.g. `subscription.renewed`, `invoice.payment_failed`,
    /// `subscription.past_due`, `subscription.canceled`, `trial.ended`, `checkout.expired`.
    pub what: &'static str,
    /// The object it happened to (subscription, checkout session or invoice id).
    pub object: String,
    /// The object's status after it, in the provider's own spelling.
    pub status: String,
    /// The subscription (Zenskar: contract) an invoice happening belongs to.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub subscription: Option<String>,
    /// The provider's events for it, with the object as it stood right after it (filled in
    /// by `Timeline::record`; empty where the provider announces nothing).
    #[serde(skip)]
    pub events: Vec<Emitted>,
}

impl Happening {
    /// Names the subscription (or contract) an invoice happening belongs to.
    pub fn of(mut self, subscription: &str) -> Happening {
        self.subscription = Some(subscription.to_string());
        self
    }
}

/// One state change as a provider would announce it, before the event log (`super::events`)
/// gives it its id and envelope. Here, beside [`Happening`], because happenings carry them.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Emitted {
    pub at: DateTime<Utc>,
    /// The provider's own event name, e.g. `subscription.cancelled` (Kelviq) or
    /// `subscription.canceled` (Flowglad).
    pub kind: String,
    pub object_id: String,
    /// The object as the provider's API renders it, at the moment of the change.
    pub object: Value,
    /// The changed fields' old values (Kelviq's `previous_attributes`); see `events`.
    pub previous: Option<Value>,
}

impl Emitted {
    pub fn new(at: DateTime<Utc>, kind: &str, object_id: &str, object: impl serde::Serialize) -> Emitted {
        let object = serde_json::to_value(object).unwrap_or(Value::Null);
        Emitted { at, kind: kind.to_string(), object_id: object_id.to_string(), object, previous: None }
    }
}

/// A provider's records as a timeline: each record says when its next happening is due, and
/// `happen` does it. `run_timeline` calls `happen` in time order across all records.
pub(crate) trait Timeline {
    type Key: Clone + Ord;
    /// Every record that may have something due, with when.
    fn due(&self) -> Vec<(DateTime<Utc>, Self::Key)>;
    /// When this record's next happening is due, if any.
    fn next_due(&self, key: &Self::Key) -> Option<DateTime<Utc>>;
    /// Does what is due for `key` at `at` — the one place every happening goes through.
    fn happen(&mut self, key: &Self::Key, at: DateTime<Utc>) -> Vec<Happening>;
    /// The provider's events for a happening, rendered from the state as it is now (right
    /// after `happen`, so a later happening in the same move does not change them).
    fn record(&self, _happening: &Happening) -> Vec<Emitted> {
        Vec::new()
    }
}

/// Runs everything due up to and including `to`, in time order (ties in key order).
pub(crate) fn run_timeline<T: Timeline>(timeline: &mut T, to: DateTime<Utc>) -> Vec<Happening> {
    let mut queue: BinaryHeap<Reverse<(DateTime<Utc>, T::Key)>> =
        timeline.due().into_iter().filter(|(at, _)| *at <= to).map(Reverse).collect();
    let mut out = Vec::new();
    while let Some(Reverse((at, key))) = queue.pop() {
        for mut h in timeline.happen(&key, at) {
            h.events = timeline.record(&h);
            out.push(h);
        }
        // A record whose next due time does not move forward would loop forever; it waits
        // for the next move instead.
        if let Some(next) = timeline.next_due(&key).filter(|n| *n > at && *n <= to) {
            queue.push(Reverse((next, key)));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn at(y: i32, m: u32, d: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(y, m, d, 0, 0, 0).unwrap()
    }

    #[test]
    fn steps_parse_strictly_and_months_are_calendar_months() {
        assert_eq!(Step::parse("1M"), Ok(Step::Months(1)));
        assert_eq!(Step::parse("14d"), Ok(Step::Days(14)));
        assert_eq!(Step::parse(" 2h "), Ok(Step::Hours(2)));
        assert_eq!(Step::parse("30m"), Ok(Step::Minutes(30)));
        for bad in ["", "M", "1", "1.5d", "-1d", "1 d", "1mo", "1D", "0d", "1d2h", "99999999999d"] {
            assert!(Step::parse(bad).is_err(), "{bad}");
        }
        assert_eq!(Step::Months(1).after(at(2027, 1, 31)).unwrap(), at(2027, 2, 28));
        assert_eq!(Step::Months(1).after(at(2028, 1, 31)).unwrap(), at(2028, 2, 29));
        assert_eq!(Step::Days(14).after(at(2027, 2, 20)).unwrap(), at(2027, 3, 6));
    }

    #[test]
    fn times_parse_in_the_forms_the_cli_documents() {
        assert_eq!(parse_time("2027-03-01T00:00Z").unwrap(), at(2027, 3, 1));
        assert_eq!(parse_time("2027-03-01T00:00:00Z").unwrap(), at(2027, 3, 1));
        assert_eq!(parse_time("2027-03-01T01:00:00+01:00").unwrap(), at(2027, 3, 1));
        assert_eq!(parse_time("2027-03-01").unwrap(), at(2027, 3, 1));
        assert!(parse_time("next tuesday").is_err());
        assert!(parse_time("2027-13-01").is_err());
    }

    #[test]
    fn the_clock_moves_forward_only_and_clones_share_it() {
        let clock = Clock::fixed(at(2027, 1, 1));
        let shared = clock.clone();
        clock.set(at(2027, 2, 1)).unwrap();
        assert_eq!(shared.now(), at(2027, 2, 1));
        assert_eq!(shared.offset(), Duration::days(31));
        let err = shared.set(at(2027, 1, 15)).unwrap_err();
        assert!(matches!(err, ClockError::Backwards { .. }), "{err}");
        assert!(err.to_string().contains("only moves forward"), "{err}");
        assert_eq!(clock.now(), at(2027, 2, 1), "a refused move changes nothing");
        assert_eq!(clock.set(at(2045, 1, 1)), Err(ClockError::TooFar));
        let real = Clock::real();
        let before = Utc::now();
        real.set(before + Duration::days(3)).unwrap();
        assert!(
            real.now() >= before + Duration::days(3)
                && real.now() < Utc::now() + Duration::days(3) + Duration::seconds(5)
        );
    }

    /// Two records due at interleaved times: `happen` sees them in time order, and a record
    /// that reschedules itself runs again within the move.
    struct Toy {
        next: Vec<Option<DateTime<Utc>>>,
        every: Duration,
    }

    impl Timeline for Toy {
        type Key = usize;
        fn due(&self) -> Vec<(DateTime<Utc>, usize)> {
            self.next.iter().enumerate().filter_map(|(i, n)| Some(((*n)?, i))).collect()
        }
        fn next_due(&self, key: &usize) -> Option<DateTime<Utc>> {
            self.next[*key]
        }
        fn happen(&mut self, key: &usize, at: DateTime<Utc>) -> Vec<Happening> {
            self.next[*key] = Some(at + self.every);
            vec![Happening {
                at,
                provider: ProviderKind::Kelviq,
                what: "tick",
                object: key.to_string(),
                status: String::new(),
                subscription: None,
                events: Vec::new(),
            }]
        }
    }

    #[test]
    fn the_timeline_runs_in_time_order_up_to_the_target() {
        let mut toy = Toy { next: vec![Some(at(2027, 1, 10)), Some(at(2027, 1, 5)), None], every: Duration::days(10) };
        let done = run_timeline(&mut toy, at(2027, 1, 25));
        let seen: Vec<(u32, &str)> = done.iter().map(|h| (chrono::Datelike::day(&h.at), h.object.as_str())).collect();
        assert_eq!(seen, vec![(5, "1"), (10, "0"), (15, "1"), (20, "0"), (25, "1")]);
    }
}
