//! Durations typed by people (flags, environment variables, fault specs), parsed in one place
//! below every UI so the CLI, the sandbox's faults and the keyring timeout agree.

use std::time::Duration;

/// The longest duration accepted. Nothing in till waits longer, and a bound far below
/// `Duration::MAX` means adding a parsed duration to a clock reading can never overflow.
pub const MAX: Duration = Duration::from_hours(8760);

/// `500ms`, `5s`, `2m`, `1h 30m` (humantime's units), or a bare number of milliseconds. A value
/// that overflows or exceeds [`MAX`] is an error, never a wrapped or saturated number.
pub fn parse(s: &str) -> Result<Duration, String> {
    let t = s.trim();
    let hint = "try 500ms, 5s or 2m";
    let parsed = if !t.is_empty() && t.bytes().all(|b| b.is_ascii_digit()) {
        let ms: u64 = t.parse().map_err(|_| format!("{s:?} is too long a duration (at most {})", shown(MAX)))?;
        Duration::from_millis(ms)
    } else {
        humantime::parse_duration(t).map_err(|e| match e {
            humantime::DurationError::NumberOverflow => {
                format!("{s:?} is too long a duration (at most {})", shown(MAX))
            }
            other => format!("{s:?} is not a duration ({hint}): {other}"),
        })?
    };
    if parsed > MAX {
        return Err(format!("{s:?} is too long a duration (at most {})", shown(MAX)));
    }
    Ok(parsed)
}

fn shown(d: Duration) -> String {
    humantime::format_duration(d).to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn people_units_and_bare_milliseconds() {
        assert_eq!(parse("250"), Ok(Duration::from_millis(250)));
        assert_eq!(parse("500ms"), Ok(Duration::from_millis(500)));
        assert_eq!(parse(" 2s "), Ok(Duration::from_secs(2)));
        assert_eq!(parse("2m"), Ok(Duration::from_mins(2)));
        assert_eq!(parse("1h 30m"), Ok(Duration::from_mins(90)));
        assert_eq!(parse("0ms"), Ok(Duration::ZERO));
        assert!(parse("fast").unwrap_err().contains("not a duration"));
        assert!(parse("").unwrap_err().contains("not a duration"));
        assert!(parse("-5s").unwrap_err().contains("not a duration"));
    }

    /// `4611686018427387904m` used to wrap to 0 s (n * 60 in u64).
    #[test]
    fn overflow_is_an_error_not_a_wrap() {
        for s in ["4611686018427387904m", "18446744073709551616", "99999999999999999999s", "400d"] {
            let err = parse(s).unwrap_err();
            assert!(err.contains("too long"), "{s}: {err}");
        }
        assert_eq!(parse("365d"), Ok(MAX));
    }
}
