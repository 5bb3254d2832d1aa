//! Validation rules for form input. Each returns the parsed value or a message meant to sit
//! beside the field ("must be an absolute http(s) URL"), so the form and the CLI agree.

use std::net::IpAddr;

use chrono::NaiveDate;
use rust_decimal::Decimal;

use super::{Currency, Money};

/// Checkout URLs: absolute http(s), 1..=2083 characters (Zenskar's documented bound, and the
/// classic browser limit).
pub const MAX_URL_LEN: usize = 2083;

pub fn required(value: &str) -> Result<&str, String> {
    let v = value.trim();
    if v.is_empty() { Err("required".into()) } else { Ok(v) }
}

pub fn url(value: &str) -> Result<url::Url, String> {
    let v = value.trim();
    if v.is_empty() {
        return Err("required".into());
    }
    if v.chars().count() > MAX_URL_LEN {
        return Err(format!("too long: {} characters, at most {MAX_URL_LEN}", v.chars().count()));
    }
    let parsed = url::Url::parse(v)
        .map_err(|_| "must be an absolute http(s) URL, e.g. https://example.com/thanks".to_string())?;
    if !matches!(parsed.scheme(), "http" | "https") {
        return Err(format!("must use http or https, not {}", parsed.scheme()));
    }
    if parsed.host_str().is_none_or(str::is_empty) {
        return Err("must name a host".into());
    }
    Ok(parsed)
}

/// A pragmatic check: one `@`, a non-empty local part, a dotted domain without spaces.
pub fn email(value: &str) -> Result<&str, String> {
    let v = value.trim();
    let mut parts = v.split('@');
    let ok = match (parts.next(), parts.next(), parts.next()) {
        (Some(local), Some(domain), None) => {
            !local.is_empty()
                && domain.contains('.')
                && !domain.starts_with('.')
                && !domain.ends_with('.')
                && !v.chars().any(char::is_whitespace)
        }
        _ => false,
    };
    if ok { Ok(v) } else { Err("must be an email address like name@example.com".into()) }
}

pub fn ip(value: &str) -> Result<IpAddr, String> {
    value.trim().parse::<IpAddr>().map_err(|_| "must be an IPv4 or IPv6 address".into())
}

pub fn positive_int(value: &str) -> Result<u32, String> {
    let v = value.trim();
    match v.parse::<u64>() {
        Ok(0) => Err("must be at least 1".into()),
        Ok(n) => u32::try_from(n).map_err(|_| "too large".into()),
        Err(_) => Err("must be a whole number".into()),
    }
}

/// `YYYY-MM-DD`, and a real day (no February 30th).
pub fn date(value: &str) -> Result<NaiveDate, String> {
    NaiveDate::parse_from_str(value.trim(), "%Y-%m-%d").map_err(|_| "must be a real date as YYYY-MM-DD".into())
}

pub fn dates_ordered(start: NaiveDate, end: NaiveDate) -> Result<(), String> {
    if end > start { Ok(()) } else { Err(format!("must be after the start date {start}")) }
}

pub fn currency(value: &str) -> Result<Currency, String> {
    Currency::from_code(value).map_err(|_| format!("unknown currency {:?} (ISO 4217, e.g. USD)", value.trim()))
}

/// A positive amount with no more decimals than the currency has.
pub fn amount(value: &str, currency: Currency) -> Result<Money, String> {
    let money = Money::parse_exact(value, currency).map_err(|e| e.to_string())?;
    if money.amount() <= Decimal::ZERO {
        return Err("must be more than zero".into());
    }
    Ok(money)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls() {
        // "https://example.com/" is 20 characters: 2083 in all is the longest allowed.
        let long = format!("https://example.com/{}", "a".repeat(2063));
        let too_long = format!("https://example.com/{}", "a".repeat(2064));
        let cases: &[(&str, bool)] = &[
            ("https://example.com/thanks", true),
            ("http://127.0.0.1:4010/pay/x", true),
            ("  https://example.com  ", true),
            (&long, true),
            (&too_long, false),
            ("", false),
            ("example.com/thanks", false),
            ("/thanks", false),
            ("ftp://example.com/x", false),
            ("javascript:alert(1)", false),
            ("https://", false),
        ];
        for (input, ok) in cases {
            assert_eq!(url(input).is_ok(), *ok, "{input:?}");
        }
        assert!(url(&too_long).unwrap_err().contains("2083"));
    }

    #[test]
    fn emails() {
        for (input, ok) in [
            ("a@b.co", true),
            ("zofia.łódź@example.pl", true),
            ("no-at.example.com", false),
            ("a@b", false),
            ("a@@b.co", false),
            ("@b.co", false),
            ("a b@c.de", false),
            ("a@.co", false),
            ("a@b.co.", false),
        ] {
            assert_eq!(email(input).is_ok(), ok, "{input:?}");
        }
    }

    #[test]
    fn ips() {
        for (input, ok) in [
            ("203.0.113.7", true),
            ("::1", true),
            ("2001:db8::1", true),
            ("256.1.1.1", false),
            ("1.2.3", false),
            ("localhost", false),
            ("", false),
        ] {
            assert_eq!(ip(input).is_ok(), ok, "{input:?}");
        }
    }

    #[test]
    fn quantities() {
        assert_eq!(positive_int("12"), Ok(12));
        for bad in ["0", "-1", "1.5", "", "ten", "99999999999"] {
            assert!(positive_int(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn dates_must_be_real_and_ordered() {
        assert_eq!(date("2028-02-29"), Ok(NaiveDate::from_ymd_opt(2028, 2, 29).unwrap()));
        for bad in ["2026-02-29", "2026-13-01", "2026-04-31", "21/11/2026", "", "2026-1-1x"] {
            assert!(date(bad).is_err(), "{bad:?}");
        }
        let a = date("2026-01-01").unwrap();
        let b = date("2026-01-02").unwrap();
        assert!(dates_ordered(a, b).is_ok());
        assert!(dates_ordered(b, a).is_err());
        assert!(dates_ordered(a, a).is_err(), "an end on the start day is no period at all");
    }

    #[test]
    fn currencies_and_amounts() {
        assert_eq!(currency("eur").unwrap().code(), "EUR");
        assert!(currency("XYZ").unwrap_err().contains("XYZ"));
        assert!(amount("25000.00", Currency::NGN).is_ok());
        assert!(amount("0", Currency::USD).is_err());
        assert!(amount("-5", Currency::USD).is_err());
        assert!(amount("1.001", Currency::USD).is_err());
        assert!(amount("1.5", Currency::JPY).is_err(), "JPY has no minor unit");
        assert!(amount("abc", Currency::USD).is_err());
        assert!(required("  ").is_err() && required(" x ").is_ok());
    }
}
