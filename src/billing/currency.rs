//! ISO 4217 currencies with their minor-unit exponent.
//!
//! The exponent is the fact that turns "4900" into ¥4,900 or $49.00: getting it wrong is the
//! classic 100× billing bug. Codes and exponents come from the `iso_currency` crate (ISO 4217
//! as published by SIX), not from a table of our own; the only local data are display symbols
//! (a presentation choice) and two withdrawn codes that Flowglad's spec still accepts.

use std::fmt;
use std::str::FromStr;

/// A currency code (upper-case ISO 4217) with its minor-unit exponent.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Currency {
    code: [u8; 3],
    exponent: u8,
}

/// Withdrawn codes still listed in Flowglad's `CurrencyCode` enum, with the exponent ISO 4217
/// gave them while they were current (ISO 4217 list three, historic denominations): ANG was
/// replaced by XCG in 2025, STD by STN in 2018. `iso_currency` lists current codes only.
const WITHDRAWN: &[(&str, u8)] = &[("ANG", 2), ("STD", 2)];

/// Symbols only where they are unambiguous in a billing console; every other currency
/// displays as "CODE 1.00" (a `$` alone could be any of twenty dollars).
const SYMBOLS: &[(&str, &str)] = &[
    ("AUD", "A$"),
    ("BDT", "৳"),
    ("BRL", "R$"),
    ("CAD", "CA$"),
    ("CNY", "CN¥"),
    ("EUR", "€"),
    ("GBP", "£"),
    ("HKD", "HK$"),
    ("ILS", "₪"),
    ("INR", "₹"),
    ("JPY", "¥"),
    ("KRW", "₩"),
    ("MXN", "MX$"),
    ("NGN", "₦"),
    ("NZD", "NZ$"),
    ("PHP", "₱"),
    ("SGD", "S$"),
    ("THB", "฿"),
    ("TRY", "₺"),
    ("TWD", "NT$"),
    ("UAH", "₴"),
    ("USD", "$"),
    ("VND", "₫"),
];

/// Why a string is not a currency amounts can be kept in.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum UnknownCurrency {
    #[error("unknown currency code {0:?} (expected an ISO 4217 code such as USD, EUR or JPY)")]
    Unknown(String),
    /// Gold, SDRs, the test code XTS…: ISO 4217 gives them no minor unit, so an amount in
    /// minor units has no meaning.
    #[error(
        "currency {0:?} has no minor unit in ISO 4217 (a metal, fund or test code), so no amount can be read in it"
    )]
    NoMinorUnit(String),
}

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
        let bytes: [u8; 3] = upper
            .as_bytes()
            .try_into()
            .ok()
            .filter(|b: &[u8; 3]| b.iter().all(u8::is_ascii_uppercase))
            .ok_or_else(|| UnknownCurrency::Unknown(code.to_string()))?;
        let exponent = match iso_currency::Currency::from_code(&upper) {
            Some(iso) => iso.exponent().ok_or_else(|| UnknownCurrency::NoMinorUnit(upper.clone()))?,
            None => WITHDRAWN
                .iter()
                .find(|(c, _)| *c == upper)
                .map(|(_, e)| u16::from(*e))
                .ok_or_else(|| UnknownCurrency::Unknown(code.to_string()))?,
        };
        let exponent = u8::try_from(exponent).map_err(|_| UnknownCurrency::NoMinorUnit(upper.clone()))?;
        Ok(Currency::known(bytes, exponent))
    }

    pub fn code(&self) -> &str {
        // The bytes were checked to be ASCII upper-case letters on the way in.
        std::str::from_utf8(&self.code).unwrap_or("???")
    }

    /// Number of digits after the decimal point in the minor unit (2 for USD, 0 for JPY).
    pub fn exponent(&self) -> u32 {
        u32::from(self.exponent)
    }

    pub fn symbol(&self) -> Option<&'static str> {
        SYMBOLS.iter().find(|(c, _)| c.as_bytes() == self.code).map(|(_, s)| *s)
    }

    /// Every code amounts can be kept in, sorted, for pickers and validation messages.
    pub fn all_codes() -> Vec<String> {
        use iso_currency::IntoEnumIterator;
        let mut codes: Vec<String> = iso_currency::Currency::iter()
            .filter(|c| c.exponent().is_some())
            .map(|c| c.code().to_string())
            .chain(WITHDRAWN.iter().map(|(c, _)| (*c).to_string()))
            .collect();
        codes.sort();
        codes.dedup();
        codes
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
    fn metals_and_test_codes_have_no_minor_unit() {
        for code in ["XAU", "XDR", "XTS", "XXX"] {
            let err = Currency::from_code(code).unwrap_err();
            assert_eq!(err, UnknownCurrency::NoMinorUnit(code.into()), "{code}");
        }
        assert!(Currency::from_code("US").is_err());
        assert!(Currency::from_code("U$D").is_err());
    }

    #[test]
    fn iso_exponents_beyond_the_old_table() {
        // Codes the hand-written table lacked (RUB, KZT, MOP, …) and ISO's 2-digit HUF/MGA/MRU,
        // which some money crates get wrong.
        for (code, exp) in [("RUB", 2), ("KZT", 2), ("MOP", 2), ("DOP", 2), ("CRC", 2), ("JMD", 2), ("TTD", 2)] {
            assert_eq!(Currency::from_code(code).unwrap().exponent(), exp, "{code}");
        }
        for (code, exp) in [("HUF", 2), ("MGA", 2), ("MRU", 2), ("CLF", 4), ("UYI", 0), ("ANG", 2), ("STD", 2)] {
            assert_eq!(Currency::from_code(code).unwrap().exponent(), exp, "{code}");
        }
    }

    /// Every code in Flowglad's `components.schemas.CurrencyCode` enum is a currency we can
    /// keep amounts in (the spec is the contract the provider answers with).
    #[test]
    fn every_flowglad_currency_code_is_known() {
        let dir = std::env::var("TILL_SPECS_DIR")
            .unwrap_or_else(|_| concat!(env!("CARGO_MANIFEST_DIR"), "/../shared/specs").to_string());
        let text = std::fs::read_to_string(format!("{dir}/flowglad/openapi.json")).unwrap();
        let spec: serde_json::Value = serde_json::from_str(&text).unwrap();
        let codes = spec["components"]["schemas"]["CurrencyCode"]["enum"].as_array().unwrap();
        assert_eq!(codes.len(), 134);
        let all = Currency::all_codes();
        for code in codes {
            let code = code.as_str().unwrap();
            let c = Currency::from_code(code).unwrap_or_else(|e| panic!("{code}: {e}"));
            assert_eq!(c.code(), code);
            assert!(all.iter().any(|a| a == code), "{code} missing from all_codes");
        }
    }
}
