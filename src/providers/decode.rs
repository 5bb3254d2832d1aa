//! Reading numbers as wide as the providers' contracts allow, and saying which contract was
//! broken when a value cannot be used.
//!
//! The specs type counts, versions and trial lengths as unbounded `integer` (or `number`):
//! wire types hold them as `u64` and narrow only where till's model needs less, with a message
//! that names the field, the value and the limit instead of serde's "expected u32".

use serde::{Deserialize, Deserializer};
use serde_json::Number;

/// Narrows a count the contract allows to be large to the `u32` the model keeps (interval
/// counts, trial days). Beyond that, a schedule would lose its meaning, so it is refused.
pub fn fit_u32(value: u64, field: &str) -> Result<u32, String> {
    u32::try_from(value).map_err(|_| {
        format!(
            "{field} is {value}, beyond the {} till can schedule (the contract allows it; till cannot use it)",
            u32::MAX
        )
    })
}

/// A count the spec types as `number` (Flowglad's list `total`): any whole, non-negative JSON
/// number is accepted (`3`, `3.0`, `3e2`); a fraction or a negative number is no count, and is
/// refused with a message saying so rather than "invalid type: floating point".
pub fn count_number<'de, D: Deserializer<'de>>(deserializer: D) -> Result<u64, D::Error> {
    let n = Number::deserialize(deserializer)?;
    whole_count(&n).ok_or_else(|| serde::de::Error::custom(format!("a count must be a whole number ≥ 0, got {n}")))
}

fn whole_count(n: &Number) -> Option<u64> {
    if let Some(u) = n.as_u64() {
        return Some(u);
    }
    let f = n.as_f64()?;
    // 2^64 as f64; anything at or above it does not fit.
    (f >= 0.0 && f.fract() == 0.0 && f < 18_446_744_073_709_551_616.0).then_some(f as u64)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Deserialize)]
    struct Total {
        #[serde(deserialize_with = "count_number")]
        total: u64,
    }

    #[test]
    fn counts_typed_number_accept_whole_floats_and_refuse_fractions() {
        let t = |s: &str| serde_json::from_str::<Total>(s).map(|t| t.total).map_err(|e| e.to_string());
        assert_eq!(t(r#"{"total": 3}"#), Ok(3));
        assert_eq!(t(r#"{"total": 3.0}"#), Ok(3));
        assert_eq!(t(r#"{"total": 1e3}"#), Ok(1000));
        let err = t(r#"{"total": 2.5}"#).unwrap_err();
        assert!(err.contains("whole number") && err.contains("2.5"), "{err}");
        assert!(t(r#"{"total": -1}"#).is_err());
    }

    #[test]
    fn narrowing_names_the_field_and_the_value() {
        assert_eq!(fit_u32(7, "intervalCount"), Ok(7));
        let err = fit_u32(5_000_000_000, "intervalCount").unwrap_err();
        assert!(err.starts_with("intervalCount is 5000000000"), "{err}");
    }
}
