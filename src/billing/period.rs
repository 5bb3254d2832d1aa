//! Charge periods. Kelviq's enum is the richest of the four providers, so it is the
//! vocabulary; every other provider's interval (unit + count, ISO 8601 duration, cadence)
//! maps onto it, with [`ChargePeriod::Every`] for the rare interval Kelviq cannot name.

use std::fmt;
use std::str::FromStr;

use chrono::{Days, Months, NaiveDate};
use rust_decimal::Decimal;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum IntervalUnit {
    Day,
    Week,
    Month,
    Year,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ChargePeriod {
    OneTime,
    Daily,
    Weekly,
    TwentyEightDays,
    Monthly,
    ThreeMonths,
    SixMonths,
    Yearly,
    /// An interval none of the named periods covers (e.g. every 2 weeks).
    Every {
        unit: IntervalUnit,
        count: u32,
    },
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "unknown charge period {0:?} (expected one of ONE_TIME, DAILY, WEEKLY, TWENTY_EIGHT_DAYS, MONTHLY, THREE_MONTHS, SIX_MONTHS, YEARLY)"
)]
pub struct UnknownPeriod(pub String);

impl ChargePeriod {
    /// The named periods, in the order a picker shows them.
    pub const NAMED: [ChargePeriod; 8] = [
        ChargePeriod::OneTime,
        ChargePeriod::Daily,
        ChargePeriod::Weekly,
        ChargePeriod::TwentyEightDays,
        ChargePeriod::Monthly,
        ChargePeriod::ThreeMonths,
        ChargePeriod::SixMonths,
        ChargePeriod::Yearly,
    ];

    /// The recurring interval, or `None` for a one-time charge.
    pub fn interval(&self) -> Option<(IntervalUnit, u32)> {
        use ChargePeriod::{Daily, Every, Monthly, OneTime, SixMonths, ThreeMonths, TwentyEightDays, Weekly, Yearly};
        use IntervalUnit as U;
        match *self {
            OneTime => None,
            Daily => Some((U::Day, 1)),
            Weekly => Some((U::Week, 1)),
            TwentyEightDays => Some((U::Day, 28)),
            Monthly => Some((U::Month, 1)),
            ThreeMonths => Some((U::Month, 3)),
            SixMonths => Some((U::Month, 6)),
            Yearly => Some((U::Year, 1)),
            Every { unit, count } => Some((unit, count)),
        }
    }

    /// Maps another provider's interval onto the shared vocabulary, normalising equivalent
    /// spellings (7 days is weekly, 12 months is yearly, 3 months is Kelviq's THREE_MONTHS).
    pub fn from_interval(unit: IntervalUnit, count: u32) -> ChargePeriod {
        use IntervalUnit as U;
        match (unit, count) {
            (U::Day, 1) => ChargePeriod::Daily,
            (U::Day, 7) | (U::Week, 1) => ChargePeriod::Weekly,
            (U::Day, 28) | (U::Week, 4) => ChargePeriod::TwentyEightDays,
            (U::Month, 1) => ChargePeriod::Monthly,
            (U::Month, 3) => ChargePeriod::ThreeMonths,
            (U::Month, 6) => ChargePeriod::SixMonths,
            (U::Month, 12) | (U::Year, 1) => ChargePeriod::Yearly,
            (unit, count) => ChargePeriod::Every { unit, count },
        }
    }

    /// Kelviq's wire name. `Every` has none and returns `None`.
    pub fn kelviq_name(&self) -> Option<&'static str> {
        use ChargePeriod::{Daily, Every, Monthly, OneTime, SixMonths, ThreeMonths, TwentyEightDays, Weekly, Yearly};
        Some(match self {
            OneTime => "ONE_TIME",
            Daily => "DAILY",
            Weekly => "WEEKLY",
            TwentyEightDays => "TWENTY_EIGHT_DAYS",
            Monthly => "MONTHLY",
            ThreeMonths => "THREE_MONTHS",
            SixMonths => "SIX_MONTHS",
            Yearly => "YEARLY",
            Every { .. } => return None,
        })
    }

    /// Parses Kelviq's checkout/subscription enum and its catalog enum (where QUARTERLY is
    /// the same interval as THREE_MONTHS), case-insensitively.
    pub fn parse(name: &str) -> Result<ChargePeriod, UnknownPeriod> {
        let upper = name.trim().to_ascii_uppercase().replace(['-', ' '], "_");
        if upper == "QUARTERLY" {
            return Ok(ChargePeriod::ThreeMonths);
        }
        ChargePeriod::NAMED
            .iter()
            .copied()
            .find(|p| p.kelviq_name() == Some(upper.as_str()))
            .ok_or_else(|| UnknownPeriod(name.to_string()))
    }

    /// Average length in days, used to compare prices across periods fairly
    /// (a yearly price against a monthly one). Exact enough for ranking, not for invoicing.
    pub fn average_days(&self) -> Option<Decimal> {
        let (unit, count) = self.interval()?;
        let per_unit = match unit {
            IntervalUnit::Day => Decimal::ONE,
            IntervalUnit::Week => Decimal::from(7),
            // 365.2425 / 12 and 365.2425: the Gregorian averages.
            IntervalUnit::Month => Decimal::new(30_436_875, 6),
            IntervalUnit::Year => Decimal::new(3_652_425, 4),
        };
        Some(per_unit * Decimal::from(count))
    }

    /// The end of a period that starts on `start`, on the calendar (months clamp to the last
    /// day of a shorter month, as billing systems do). `None` for one-time charges.
    pub fn advance(&self, start: NaiveDate) -> Option<NaiveDate> {
        let (unit, count) = self.interval()?;
        match unit {
            IntervalUnit::Day => start.checked_add_days(Days::new(u64::from(count))),
            IntervalUnit::Week => start.checked_add_days(Days::new(7 * u64::from(count))),
            IntervalUnit::Month => start.checked_add_months(Months::new(count)),
            IntervalUnit::Year => start.checked_add_months(Months::new(12 * count)),
        }
    }

    /// Human label: "monthly", "every 3 months", "one-time".
    pub fn label(&self) -> String {
        use ChargePeriod::{Daily, Every, Monthly, OneTime, SixMonths, ThreeMonths, TwentyEightDays, Weekly, Yearly};
        match self {
            OneTime => "one-time".into(),
            Daily => "daily".into(),
            Weekly => "weekly".into(),
            TwentyEightDays => "every 28 days".into(),
            Monthly => "monthly".into(),
            ThreeMonths => "every 3 months".into(),
            SixMonths => "every 6 months".into(),
            Yearly => "yearly".into(),
            Every { unit, count } => {
                let unit = format!("{unit:?}").to_lowercase();
                format!("every {count} {unit}s")
            }
        }
    }
}

impl fmt::Display for ChargePeriod {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.kelviq_name() {
            Some(name) => f.write_str(name),
            None => f.write_str(&self.label()),
        }
    }
}

impl FromStr for ChargePeriod {
    type Err = UnknownPeriod;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        ChargePeriod::parse(s)
    }
}

impl serde::Serialize for ChargePeriod {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.to_string())
    }
}

impl<'de> serde::Deserialize<'de> for ChargePeriod {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        ChargePeriod::parse(&s).map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use IntervalUnit as U;

    #[test]
    fn every_kelviq_value_maps_to_an_interval_and_back() {
        let expected = [
            ("ONE_TIME", None),
            ("DAILY", Some((U::Day, 1))),
            ("WEEKLY", Some((U::Week, 1))),
            ("TWENTY_EIGHT_DAYS", Some((U::Day, 28))),
            ("MONTHLY", Some((U::Month, 1))),
            ("THREE_MONTHS", Some((U::Month, 3))),
            ("SIX_MONTHS", Some((U::Month, 6))),
            ("YEARLY", Some((U::Year, 1))),
        ];
        for (name, interval) in expected {
            let p = ChargePeriod::parse(name).unwrap();
            assert_eq!(p.interval(), interval, "{name}");
            assert_eq!(p.to_string(), name);
            if let Some((unit, count)) = interval {
                assert_eq!(ChargePeriod::from_interval(unit, count), p, "{name}");
            }
        }
    }

    #[test]
    fn other_providers_intervals_normalise() {
        assert_eq!(ChargePeriod::from_interval(U::Month, 12), ChargePeriod::Yearly);
        assert_eq!(ChargePeriod::from_interval(U::Day, 7), ChargePeriod::Weekly);
        assert_eq!(ChargePeriod::parse("quarterly").unwrap(), ChargePeriod::ThreeMonths);
        let fortnight = ChargePeriod::from_interval(U::Week, 2);
        assert_eq!(fortnight, ChargePeriod::Every { unit: U::Week, count: 2 });
        assert_eq!(fortnight.label(), "every 2 weeks");
    }

    #[test]
    fn unknown_period_is_a_clear_error() {
        let err = ChargePeriod::parse("FORTNIGHTLY").unwrap_err();
        assert!(err.to_string().contains("FORTNIGHTLY"));
        assert!(err.to_string().contains("MONTHLY"));
    }

    #[test]
    fn advance_uses_the_calendar() {
        let jan31 = NaiveDate::from_ymd_opt(2026, 1, 31).unwrap();
        assert_eq!(ChargePeriod::Monthly.advance(jan31), NaiveDate::from_ymd_opt(2026, 2, 28));
        assert_eq!(ChargePeriod::Yearly.advance(jan31), NaiveDate::from_ymd_opt(2027, 1, 31));
        assert_eq!(ChargePeriod::TwentyEightDays.advance(jan31), NaiveDate::from_ymd_opt(2026, 2, 28));
        assert_eq!(ChargePeriod::OneTime.advance(jan31), None);
    }

    #[test]
    fn average_days_rank_yearly_below_twelve_months() {
        let m = ChargePeriod::Monthly.average_days().unwrap();
        let y = ChargePeriod::Yearly.average_days().unwrap();
        assert_eq!(m * Decimal::from(12), y);
        assert!(ChargePeriod::OneTime.average_days().is_none());
    }
}
