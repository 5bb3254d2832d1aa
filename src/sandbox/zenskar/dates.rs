//! The emulator's own date facts for Zenskar (never the client's `map` helpers): how it reads
//! the dates and ids it is sent, how it writes dates, and which billing period a contract is in.

use chrono::{DateTime, NaiveDate, NaiveDateTime, Utc};

use crate::billing::{ChargePeriod, IntervalUnit};

/// A date-time as Zenskar's examples send them: RFC 3339, naive (read as UTC), or a bare date.
pub fn parse_datetime(s: &str) -> Option<DateTime<Utc>> {
    if let Ok(d) = DateTime::parse_from_rfc3339(s) {
        return Some(d.with_timezone(&Utc));
    }
    if let Ok(n) = NaiveDateTime::parse_from_str(s, "%Y-%m-%dT%H:%M:%S%.f") {
        return Some(n.and_utc());
    }
    NaiveDate::parse_from_str(s, "%Y-%m-%d").ok()?.and_hms_opt(0, 0, 0).map(|n| n.and_utc())
}

/// A date, also given as a date-time (the checkout examples send `2025-01-01T00:00:00Z`).
pub fn parse_date(s: &str) -> Option<NaiveDate> {
    match NaiveDate::parse_from_str(s, "%Y-%m-%d") {
        Ok(d) => Some(d),
        Err(_) => parse_datetime(s).map(|d| d.date_naive()),
    }
}

pub fn format_date(d: NaiveDate) -> String {
    d.format("%Y-%m-%d").to_string()
}

pub fn day_before(d: NaiveDate) -> NaiveDate {
    d.pred_opt().unwrap_or(d)
}

/// Zenskar's ids are UUIDs.
pub fn is_uuid(s: &str) -> bool {
    uuid::Uuid::parse_str(s).is_ok()
}

/// A cadence as ISO 8601 (`P1M`, `P3M`, `P1Y`, `P2W`); None for one-time.
pub fn iso_duration(p: ChargePeriod) -> Option<String> {
    let (unit, count) = p.interval()?;
    let letter = match unit {
        IntervalUnit::Day => "D",
        IntervalUnit::Week => "W",
        IntervalUnit::Month => "M",
        IntervalUnit::Year => "Y",
    };
    Some(format!("P{count}{letter}"))
}

/// The most billing periods the emulator steps through from an anchor (a daily cadence over
/// 270 years); past it a contract has no current period.
const MAX_PERIODS: u32 = 100_000;

/// The billing period `[start, end)` holding `today` for a contract billed every `period` from
/// `anchor`. Each boundary is the anchor plus n whole periods, so an anchor on the 31st stays on
/// the last day of shorter months instead of drifting to the 28th.
pub fn current_period(anchor: NaiveDate, period: ChargePeriod, today: NaiveDate) -> Option<(NaiveDate, NaiveDate)> {
    let (unit, count) = period.interval()?;
    let boundary = |n: u32| ChargePeriod::from_interval(unit, count.checked_mul(n)?).advance(anchor);
    let mut start = anchor;
    for n in 1..=MAX_PERIODS {
        let end = boundary(n)?;
        if end <= start {
            return None;
        }
        if end > today {
            return Some((start, end));
        }
        start = end;
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    #[test]
    fn month_end_anchors_stay_at_month_end() {
        let p = current_period(d(2026, 1, 31), ChargePeriod::Monthly, d(2026, 3, 30));
        assert_eq!(p, Some((d(2026, 2, 28), d(2026, 3, 31))));
        assert_eq!(
            current_period(d(2026, 1, 31), ChargePeriod::Monthly, d(2026, 1, 31)),
            Some((d(2026, 1, 31), d(2026, 2, 28)))
        );
        assert_eq!(current_period(d(2026, 1, 1), ChargePeriod::OneTime, d(2026, 1, 2)), None);
    }

    #[test]
    fn dates_are_read_from_dates_and_date_times() {
        assert_eq!(parse_date("2025-01-01T00:00:00Z"), Some(d(2025, 1, 1)));
        assert_eq!(parse_date("2025-01-01"), Some(d(2025, 1, 1)));
        assert_eq!(parse_date("01/01/2025"), None);
        assert_eq!(iso_duration(ChargePeriod::ThreeMonths).as_deref(), Some("P3M"));
    }
}
