//! ISO 4217 currencies with their minor-unit exponent.
//!
//! The exponent is the fact that turns "4900" into ¥4,900 or $49.00: getting it wrong is the
//! classic 100× billing bug, so it lives in one table and nowhere else.

use std::fmt;
use std::str::FromStr;

/// A currency code (upper-case ISO 4217) with its minor-unit exponent and display symbol.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Currency {
    code: [u8; 3],
    exponent: u8,
}

/// (code, exponent, symbol). Symbols only where they are unambiguous in a billing console;
/// everything else displays as "CODE 1.00".
const TABLE: &[(&str, u8, Option<&str>)] = &[
    ("AED", 2, None),
    ("ARS", 2, None),
    ("AUD", 2, Some("A$")),
    ("BDT", 2, Some("৳")),
    ("BGN", 2, None),
    ("BHD", 3, None),
    ("BIF", 0, None),
    ("BRL", 2, Some("R$")),
    ("CAD", 2, Some("CA$")),
    ("CHF", 2, None),
    ("CLF", 4, None),
    ("CLP", 0, None),
    ("CNY", 2, Some("CN¥")),
    ("COP", 2, None),
    ("CZK", 2, None),
    ("DJF", 0, None),
    ("DKK", 2, None),
    ("EGP", 2, None),
    ("EUR", 2, Some("€")),
    ("GBP", 2, Some("£")),
    ("GHS", 2, None),
    ("GNF", 0, None),
    ("HKD", 2, Some("HK$")),
    ("HUF", 2, None),
    ("IDR", 2, None),
    ("ILS", 2, Some("₪")),
    ("INR", 2, Some("₹")),
    ("IQD", 3, None),
    ("ISK", 0, None),
    ("JOD", 3, None),
    ("JPY", 0, Some("¥")),
    ("KES", 2, None),
    ("KMF", 0, None),
    ("KRW", 0, Some("₩")),
    ("KWD", 3, None),
    ("LYD", 3, None),
    ("MAD", 2, None),
    ("MXN", 2, Some("MX$")),
    ("MYR", 2, None),
    ("NGN", 2, Some("₦")),
    ("NOK", 2, None),
    ("NZD", 2, Some("NZ$")),
    ("OMR", 3, None),
    ("PEN", 2, None),
    ("PHP", 2, Some("₱")),
    ("PKR", 2, None),
    ("PLN", 2, None),
    ("PYG", 0, None),
    ("QAR", 2, None),
    ("RON", 2, None),
    ("RWF", 0, None),
    ("SAR", 2, None),
    ("SEK", 2, None),
    ("SGD", 2, Some("S$")),
    ("THB", 2, Some("฿")),
    ("TND", 3, None),
    ("TRY", 2, Some("₺")),
    ("TWD", 2, Some("NT$")),
    ("UAH", 2, Some("₴")),
    ("UGX", 0, None),
    ("USD", 2, Some("$")),
    ("UYI", 0, None),
    ("VND", 0, Some("₫")),
    ("VUV", 0, None),
    ("XAF", 0, None),
    ("XOF", 0, None),
    ("XPF", 0, None),
    ("ZAR", 2, None),
];

/// Why a string is not a currency we know.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown currency code {0:?} (expected an ISO 4217 code such as USD, EUR or JPY)")]
pub struct UnknownCurrency(pub String);

impl Currency {
    pub const USD: Currency = Currency::known(*b"USD", 2);
    pub const EUR: Currency = Currency::known(*b"EUR", 2);
    pub const GBP: Currency = Currency::known(*b"GBP", 2);
    pub const JPY: Currency = Currency::known(*b"JPY", 0);
    pub const KWD: Currency = Currency::known(*b"KWD", 3);
    pub const INR: Currency = Currency::known(*b"INR", 2);
    pub const NGN: Currency = Currency::known(*b"NGN", 2);

    const fn known(code: [u8; 3], exponent: u8) -> Currency {
        Currency { code, exponent }
    }

    /// Looks a code up case-insensitively ("usd" from Kelviq, "USD" elsewhere).
    pub fn from_code(code: &str) -> Result<Currency, UnknownCurrency> {
        let upper = code.trim().to_ascii_uppercase();
        TABLE
            .iter()
            .find(|(c, _, _)| *c == upper)
            .map(|(c, exp, _)| {
                let b = c.as_bytes();
                Currency::known([b[0], b[1], b[2]], *exp)
            })
            .ok_or_else(|| UnknownCurrency(code.to_string()))
    }

    pub fn code(&self) -> &str {
        // The bytes come from TABLE, which holds ASCII codes only.
        std::str::from_utf8(&self.code).unwrap_or("???")
    }

    /// Number of digits after the decimal point in the minor unit (2 for USD, 0 for JPY).
    pub fn exponent(&self) -> u32 {
        u32::from(self.exponent)
    }

    pub fn symbol(&self) -> Option<&'static str> {
        TABLE.iter().find(|(c, _, _)| c.as_bytes() == self.code).and_then(|(_, _, s)| *s)
    }

    /// Every code in the table, for pickers and validation messages.
    pub fn all_codes() -> impl Iterator<Item = &'static str> {
        TABLE.iter().map(|(c, _, _)| *c)
    }
}

impl FromStr for Currency {
    type Err = UnknownCurrency;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Currency::from_code(s)
    }
}

impl fmt::Display for Currency {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

impl serde::Serialize for Currency {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.code())
    }
}

impl<'de> serde::Deserialize<'de> for Currency {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        Currency::from_code(&s).map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exponents_follow_iso_4217() {
        assert_eq!(Currency::from_code("USD").unwrap().exponent(), 2);
        assert_eq!(Currency::from_code("jpy").unwrap().exponent(), 0);
        assert_eq!(Currency::from_code("KRW").unwrap().exponent(), 0);
        assert_eq!(Currency::from_code("KWD").unwrap().exponent(), 3);
        assert_eq!(Currency::from_code("BHD").unwrap().exponent(), 3);
    }

    #[test]
    fn unknown_code_names_the_input() {
        let err = Currency::from_code("XYZ").unwrap_err();
        assert!(err.to_string().contains("\"XYZ\""));
    }

    #[test]
    fn table_is_sorted_and_unique() {
        let codes: Vec<_> = Currency::all_codes().collect();
        let mut sorted = codes.clone();
        sorted.sort();
        sorted.dedup();
        assert_eq!(codes, sorted);
    }
}
