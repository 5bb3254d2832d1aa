//! A decimal amount as a JSON number (also accepts a numeric string): Zenskar sends amounts
//! in major units as numbers; they are read through their shortest text, never f64 arithmetic.

use std::str::FromStr;

use rust_decimal::Decimal;
use rust_decimal::prelude::ToPrimitive;
use serde::{Deserialize, Deserializer, Serializer, de::Error};
use serde_json::Value;

pub fn serialize<S: Serializer>(d: &Decimal, s: S) -> Result<S::Ok, S::Error> {
    let d = d.normalize();
    if d.fract().is_zero()
        && let Some(i) = d.to_i64()
    {
        return s.serialize_i64(i);
    }
    // Correctly rounded parse of the exact decimal text; serde_json prints the shortest
    // form that reads back to the same f64, which is that text for any price we emit.
    s.serialize_f64(d.to_string().parse::<f64>().map_err(serde::ser::Error::custom)?)
}

pub fn from_value(v: &Value) -> Option<Decimal> {
    let text = match v {
        Value::Number(n) => n.to_string(),
        Value::String(s) => s.trim().to_string(),
        _ => return None,
    };
    Decimal::from_str(&text).ok().or_else(|| Decimal::from_scientific(&text).ok())
}

pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Decimal, D::Error> {
    let v = Value::deserialize(d)?;
    from_value(&v).ok_or_else(|| D::Error::custom(format!("expected a decimal amount, got {v}")))
}

/// The same for optional (nullable or absent) amounts.
pub mod opt {
    use rust_decimal::Decimal;
    use serde::{Deserialize, Deserializer, Serializer, de::Error};
    use serde_json::Value;

    pub fn serialize<S: Serializer>(d: &Option<Decimal>, s: S) -> Result<S::Ok, S::Error> {
        match d {
            Some(d) => super::serialize(d, s),
            None => s.serialize_none(),
        }
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Decimal>, D::Error> {
        match Value::deserialize(d)? {
            Value::Null => Ok(None),
            v => super::from_value(&v)
                .map(Some)
                .ok_or_else(|| D::Error::custom(format!("expected a decimal amount, got {v}"))),
        }
    }
}
