//! Reading numbers as wide as the providers' contracts allow, and saying which contract was
//! broken when a value cannot be used.
//!
//! The specs type counts, versions and trial lengths as unbounded `integer` (or `number`):
//! wire types hold them as `u64` and narrow only where till's model needs less, with a message
//! that names the field, the value and the limit instead of serde's "expected u32".

use std::borrow::Cow;

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

/// An optional string read in place where the text holds it without escapes, for a field
/// typed `Option<Cow<'a, str>>` (`#[serde(default, borrow, deserialize_with = "borrowed")]`):
/// serde borrows a bare `Cow<str>` field but copies one inside an `Option`, and a long list's
/// rows are mostly such fields.
pub fn borrowed<'de: 'a, 'a, D: Deserializer<'de>>(deserializer: D) -> Result<Option<Cow<'a, str>>, D::Error> {
    #[derive(Deserialize)]
    struct Text<'a>(#[serde(borrow)] Cow<'a, str>);
    Ok(Option::<Text<'a>>::deserialize(deserializer)?.map(|t| t.0))
}

/// Where a body failed to decode, as a JSON path. serde reports a missing field at the object
/// that lacks it (`.` for the body itself), so the field is added: `results[0].identifier`.
pub fn error_path(path: &serde_path_to_error::Path, inner: &str) -> String {
    let at = path.to_string();
    let missing = inner.strip_prefix("missing field `").and_then(|rest| rest.split('`').next());
    match missing {
        Some(field) if at == "." => field.to_string(),
        Some(field) => format!("{at}.{field}"),
        None => at,
    }
}

/// One list row decoded on its own, so a row that breaks the contract spoils only itself: the
/// error names the row's path (`results[3].customerId: missing field`).
pub fn list_row<T: serde::de::DeserializeOwned>(index: usize, row: serde_json::Value) -> Result<T, (String, String)> {
    list_row_in("results", index, row)
}

/// `list_row` for a list the caller names (`prices[2].currency` for a plan's prices).
pub fn list_row_in<T: serde::de::DeserializeOwned>(
    list: &str,
    index: usize,
    row: serde_json::Value,
) -> Result<T, (String, String)> {
    serde_path_to_error::deserialize(row).map_err(|e| {
        let inner = e.inner().to_string();
        let at = error_path(e.path(), &inner);
        let path = if at == "." { format!("{list}[{index}]") } else { format!("{list}[{index}].{at}") };
        (path, inner)
    })
}

/// The JSON keys a provider's customer row names itself by, to list a row that broke the
/// contract with what it still says: `id`, `name`, `email`.
pub struct CustomerKeys {
    pub id: &'static str,
    pub name: &'static str,
    pub email: &'static str,
}

/// One listed customer: decoded and mapped, or, when its shape breaks the contract, listed with
/// its identity fields and the issue (`data[3].email: invalid type …`). A row without an id is
/// `(row N)`.
pub fn customer_row<T: serde::de::DeserializeOwned>(
    provider: crate::billing::ProviderKind,
    (list, index): (&str, usize),
    row: serde_json::Value,
    keys: &CustomerKeys,
    map: impl FnOnce(T) -> crate::billing::Customer,
) -> crate::billing::Customer {
    let text =
        |key: &str| row.get(key).and_then(serde_json::Value::as_str).filter(|s| !s.is_empty()).map(str::to_string);
    let (id, name, email) = (text(keys.id), text(keys.name), text(keys.email));
    match list_row_in::<T>(list, index, row) {
        Ok(decoded) => map(decoded),
        Err((path, message)) => crate::billing::Customer::undecodable(
            provider,
            id.unwrap_or_else(|| format!("(row {})", index + 1)),
            name,
            email,
            crate::billing::RowIssue::new(path, message),
        ),
    }
}

/// A list row's JSON text, still inside the page's body: the rows of a page share the body
/// instead of each being copied out of it (a hundred allocations and copies per page, on the
/// thread whose next request waits for them), and are decoded where they are printed.
#[derive(Debug, Clone)]
pub struct RawRow(bytes::Bytes);

impl RawRow {
    /// The rows of a page read from `body` with borrowed `&RawValue` rows, each still pointing
    /// into it; `None` if one does not (then the caller copies them, [`RawRow::copied`]).
    pub fn within(body: &bytes::Bytes, rows: &[&serde_json::value::RawValue]) -> Option<Vec<RawRow>> {
        let base = body.as_ptr() as usize;
        rows.iter()
            .map(|row| {
                let start = (row.get().as_ptr() as usize).checked_sub(base)?;
                let end = start.checked_add(row.get().len()).filter(|&end| end <= body.len())?;
                Some(RawRow(body.slice(start..end)))
            })
            .collect()
    }

    pub fn copied(row: Box<serde_json::value::RawValue>) -> RawRow {
        RawRow(bytes::Bytes::from(Box::<str>::from(row).into_boxed_bytes()))
    }

    /// The row's text ("" for bytes that are not UTF-8, which no row made by
    /// [`RawRow::within`] or [`RawRow::copied`] holds: both were read as JSON text).
    pub fn text(&self) -> &str {
        std::str::from_utf8(&self.0).unwrap_or_default()
    }
}

/// [`customer_row`] for a row kept as its raw JSON text ([`RawRow`]). A row that decodes
/// straight from its text is mapped without building a `Value` tree first: building one per
/// row was most of the cost of listing 100,000 customers. A row that does not decode goes the
/// `Value` way, so its issue names the same path and the row keeps the same identity fields
/// as before.
pub fn customer_row_raw<T: serde::de::DeserializeOwned>(
    provider: crate::billing::ProviderKind,
    (list, index): (&str, usize),
    row: &str,
    keys: &CustomerKeys,
    map: impl FnOnce(T) -> crate::billing::Customer,
) -> crate::billing::Customer {
    match serde_json::from_str::<T>(row) {
        Ok(decoded) => map(decoded),
        Err(_) => {
            let value = serde_json::from_str(row).unwrap_or(serde_json::Value::Null);
            customer_row(provider, (list, index), value, keys, map)
        }
    }
}

/// [`decimal_number`] for optional (nullable or absent) amounts.
pub mod opt_decimal_number {
    use rust_decimal::Decimal;
    use serde::{Deserialize, Deserializer, Serializer};
    use serde_json::Value;

    pub fn serialize<S: Serializer>(amount: &Option<Decimal>, serializer: S) -> Result<S::Ok, S::Error> {
        match amount {
            Some(a) => super::decimal_number::serialize(a, serializer),
            None => serializer.serialize_none(),
        }
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Option<Decimal>, D::Error> {
        match Value::deserialize(deserializer)? {
            Value::Null => Ok(None),
            v => super::decimal_number::deserialize(v).map(Some).map_err(serde::de::Error::custom),
        }
    }
}

/// A decimal amount the spec types as a JSON `number` (Kelviq's `priceData.amount`).
///
/// serde_json (without `arbitrary_precision`) carries non-integers as f64, so a number is
/// exact only up to 15 significant digits: decoding reads the number's shortest round-trip
/// text (what the provider wrote, for any realistic price); encoding refuses an amount whose
/// f64 would not print back as the same decimal, rather than writing a different price.
pub mod decimal_number {
    use std::str::FromStr;

    use rust_decimal::Decimal;
    use serde::{Deserialize, Deserializer, Serializer};
    use serde_json::{Number, Value};

    pub fn serialize<S: Serializer>(amount: &Decimal, serializer: S) -> Result<S::Ok, S::Error> {
        let amount = amount.normalize();
        if amount.scale() == 0
            && let Ok(whole) = i64::try_from(amount.mantissa())
        {
            return serializer.serialize_i64(whole);
        }
        let text = amount.to_string();
        match text.parse::<f64>() {
            Ok(f) if Number::from_f64(f).is_some_and(|n| from_number(&n) == Some(amount)) => {
                serializer.serialize_f64(f)
            }
            _ => Err(serde::ser::Error::custom(format!("{text} cannot be written exactly as a JSON number"))),
        }
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Decimal, D::Error> {
        let value = Value::deserialize(deserializer)?;
        let parsed = match &value {
            Value::Number(n) => from_number(n),
            // Not what the spec says, but a decimal string loses nothing.
            Value::String(s) => Decimal::from_str(s.trim()).ok(),
            _ => None,
        };
        parsed.ok_or_else(|| serde::de::Error::custom(format!("an amount must be a decimal number, got {value}")))
    }

    /// The number's text as a decimal; large and tiny floats print in exponent form.
    pub fn from_number(n: &Number) -> Option<Decimal> {
        let text = n.to_string();
        Decimal::from_str(&text).or_else(|_| Decimal::from_scientific(&text)).ok().map(|d| d.normalize())
    }
}

fn whole_count(n: &Number) -> Option<u64> {
    if let Some(u) = n.as_u64() {
        return Some(u);
    }
    let f = n.as_f64()?;
    // 2^64 as f64; anything at or above it does not fit.
    (f >= 0.0 && f.fract() == 0.0 && f < 18_446_744_073_709_551_616.0).then_some(f as u64)
}

/// A card's brand, last four digits and expiry from a payment processor's own object
/// (Kelviq's `methodData`, Flowglad's `paymentMethodData`, Zenskar's `details`): `brand`,
/// `last4`, and `exp_month`/`exp_year` as Stripe names them, or `expMonth`/`expYear`.
pub fn card_details<'a>(
    get: impl Fn(&str) -> Option<&'a serde_json::Value>,
) -> (Option<String>, Option<String>, Option<(u32, i32)>) {
    let text = |k: &str| get(k).and_then(serde_json::Value::as_str).map(str::to_string).filter(|s| !s.is_empty());
    let number = |a: &str, b: &str| get(a).or_else(|| get(b)).and_then(serde_json::Value::as_i64);
    let expires =
        crate::billing::payments::PaymentMethod::expiry(number("exp_month", "expMonth"), number("exp_year", "expYear"));
    (text("brand"), text("last4"), expires)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn card_details_read_both_spellings_and_refuse_impossible_expiries() {
        let stripe = serde_json::json!({"brand": "visa", "last4": "4242", "exp_month": 12, "exp_year": 2029});
        let camel = serde_json::json!({"brand": "", "last4": "0005", "expMonth": 13, "expYear": 2029});
        assert_eq!(card_details(|k| stripe.get(k)), (Some("visa".into()), Some("4242".into()), Some((12, 2029))));
        assert_eq!(card_details(|k| camel.get(k)), (None, Some("0005".into()), None), "month 13, empty brand");
    }

    #[derive(Deserialize)]
    struct Named<'a> {
        #[serde(default, borrow, deserialize_with = "borrowed")]
        name: Option<Cow<'a, str>>,
    }

    #[test]
    fn an_optional_string_is_read_in_place_unless_it_has_escapes() {
        let named = |text: &'static str| serde_json::from_str::<Named<'static>>(text).unwrap().name;
        assert!(matches!(named(r#"{"name": "Ada"}"#), Some(Cow::Borrowed("Ada"))));
        assert!(matches!(named(r#"{"name": "Horv\u00e1th"}"#), Some(Cow::Owned(n)) if n == "Horváth"));
        assert!(named(r#"{"name": null}"#).is_none());
        assert!(named("{}").is_none());
        assert!(serde_json::from_str::<Named<'static>>(r#"{"name": 3}"#).is_err(), "a number is no name");
    }

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

    #[derive(serde::Serialize, Deserialize)]
    struct Amount {
        #[serde(with = "decimal_number")]
        amount: rust_decimal::Decimal,
    }

    #[test]
    fn decimal_numbers_round_trip_exactly_and_refuse_what_they_cannot_write() {
        use std::str::FromStr;
        let dec = |s: &str| rust_decimal::Decimal::from_str(s).unwrap();
        let read = |s: &str| serde_json::from_str::<Amount>(s).map(|a| a.amount).map_err(|e| e.to_string());
        assert_eq!(read(r#"{"amount": 29.99}"#), Ok(dec("29.99")));
        assert_eq!(read(r#"{"amount": 1e21}"#), Ok(dec("1000000000000000000000")));
        assert_eq!(read(r#"{"amount": "12.50"}"#), Ok(dec("12.5")));
        assert!(read(r#"{"amount": true}"#).unwrap_err().contains("decimal number"));
        let write = |s: &str| serde_json::to_string(&Amount { amount: dec(s) }).map_err(|e| e.to_string());
        assert_eq!(write("29.990").unwrap(), r#"{"amount":29.99}"#);
        assert_eq!(write("120").unwrap(), r#"{"amount":120}"#);
        assert_eq!(write("999999999.99").unwrap(), r#"{"amount":999999999.99}"#);
        assert!(write("1234567890.123456789").unwrap_err().contains("exactly"));
    }

    #[test]
    fn a_missing_field_is_named_in_the_path() {
        #[derive(Debug, Deserialize)]
        #[allow(dead_code)]
        struct Row {
            id: String,
        }
        #[derive(Debug, Deserialize)]
        #[allow(dead_code)]
        struct Page {
            results: Vec<Row>,
        }
        let path = |json: &str| {
            let e =
                serde_path_to_error::deserialize::<_, Page>(&mut serde_json::Deserializer::from_str(json)).unwrap_err();
            error_path(e.path(), &e.inner().to_string())
        };
        assert_eq!(path("{}"), "results");
        assert_eq!(path(r#"{"results":[{"id":"a"},{}]}"#), "results[1].id");
        assert_eq!(path(r#"{"results":[{"id":7}]}"#), "results[0].id");
    }

    #[test]
    fn narrowing_names_the_field_and_the_value() {
        assert_eq!(fit_u32(7, "intervalCount"), Ok(7));
        let err = fit_u32(5_000_000_000, "intervalCount").unwrap_err();
        assert!(err.starts_with("intervalCount is 5000000000"), "{err}");
    }

    /// Rows kept inside their page's body read as the rows copied out of it, escapes and
    /// all; a row that is not inside the body is refused, never sliced at a wrong place.
    #[test]
    fn rows_inside_a_body_are_the_rows_of_the_body() {
        let text = r#"{"data":[{"id":"a","name":"O\u2019Brien \"x\""}, {"id":"b"} ,{}],"hasMore":false}"#;
        let body = bytes::Bytes::from(text.to_string());
        #[derive(Deserialize)]
        struct Page<'a> {
            #[serde(borrow)]
            data: Vec<&'a serde_json::value::RawValue>,
        }
        let page: Page = serde_json::from_slice(&body).unwrap();
        let rows = RawRow::within(&body, &page.data).unwrap();
        let texts: Vec<&str> = rows.iter().map(RawRow::text).collect();
        assert_eq!(texts, [r#"{"id":"a","name":"O\u2019Brien \"x\""}"#, r#"{"id":"b"}"#, "{}"]);
        let owned: Page = serde_json::from_str(text).unwrap();
        assert!(RawRow::within(&body, &owned.data).is_none(), "rows of another copy of the text");
        let copied = RawRow::copied(serde_json::value::RawValue::from_string(r#"{"id":"c"}"#.into()).unwrap());
        assert_eq!(copied.text(), r#"{"id":"c"}"#);
    }
}
