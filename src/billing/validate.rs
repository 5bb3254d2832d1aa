//! Validation rules for form input. Each returns the parsed value or a message meant to sit
//! beside the field ("must be an absolute http(s) URL"), so the form and the CLI agree.

use std::net::IpAddr;

use chrono::NaiveDate;
use rust_decimal::Decimal;

use super::money::{MoneyError, group_int};
use super::{Currency, Money};

/// Checkout URLs: absolute http(s), 1..=2083 characters (Zenskar's documented bound, and the
/// classic browser limit).
pub const MAX_URL_LEN: usize = 2083;

pub fn required(value: &str) -> Result<&str, String> {
    let v = value.trim();
    if v.is_empty() { Err("required".into()) } else { Ok(v) }
}

/// The first character of `v` a terminal acts on ([`crate::text::is_unsafe`]: a C0 or C1
/// control, DEL, a bidi control) as the end of a message: `a control character (U+202E) at
/// position 5`. The code point says which, since a screen shows most of them alike or not at
/// all; the position counts characters from 1.
pub fn control_character(v: &str) -> Option<String> {
    let (i, c) = v.chars().enumerate().find(|&(_, c)| crate::text::is_unsafe(c))?;
    Some(format!("a control character (U+{:04X}) at position {}", u32::from(c), i + 1))
}

/// A pasted value with a terminal control in it (ESC, a bidi override) is a mistake, not an
/// address: refused with where it is, before a provider sees it.
fn no_controls(v: &str) -> Result<(), String> {
    match control_character(v) {
        Some(what) => Err(format!("has {what} (pasted?)")),
        None => Ok(()),
    }
}

pub fn url(value: &str) -> Result<url::Url, String> {
    let v = value.trim();
    if v.is_empty() {
        return Err("required".into());
    }
    no_controls(v)?;
    if v.chars().count() > MAX_URL_LEN {
        let (n, max) = (v.chars().count() as i64, MAX_URL_LEN as i64);
        return Err(format!("too long: {} characters (max {})", group_int(n), group_int(max)));
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
    no_controls(v)?;
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

/// The largest quantity till sends: Flowglad's spec bounds `quantity` as a signed 32-bit
/// integer, the tightest bound of the four providers, so one rule serves them all.
pub const MAX_QUANTITY: u32 = i32::MAX as u32;

/// A count of 1 or more. Each message says what is wrong with the value: its sign, its size,
/// a fraction, or not being a number at all.
pub fn positive_int(value: &str) -> Result<u32, String> {
    let v = value.trim();
    if v.is_empty() {
        return Err("required".into());
    }
    let too_large = || format!("too large (max {})", group_int(i64::from(MAX_QUANTITY)));
    let digits = v.strip_prefix(['+', '-']).unwrap_or(v);
    if !digits.is_empty() && digits.chars().all(|c| c.is_ascii_digit()) {
        // Digits only: the sign and the size decide, however many digits there are.
        let zero = digits.chars().all(|c| c == '0');
        if v.starts_with('-') || zero {
            return Err("must be positive (1 or more)".into());
        }
        return digits.parse::<u32>().ok().filter(|n| *n <= MAX_QUANTITY).ok_or_else(too_large);
    }
    match v.parse::<Decimal>() {
        Ok(d) if d <= Decimal::ZERO => Err("must be positive (1 or more)".into()),
        Ok(_) => Err("must be a whole number (no fraction)".into()),
        Err(_) => Err(format!("{:?} is not a number; type a whole number like 5", crate::util::ellipsize(v, 24))),
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

/// The largest amount a form accepts, in major units: more is a typo (an extra digit, a pasted
/// number), and it keeps every currency's minor units far inside an `i64`.
pub const MAX_AMOUNT: i64 = 1_000_000_000;

/// A positive amount with no more decimals than the currency has, at most `MAX_AMOUNT`.
pub fn amount(value: &str, currency: Currency) -> Result<Money, String> {
    let v = value.trim();
    let too_large = || format!("too large (max {})", group_int(MAX_AMOUNT));
    let money = match Money::parse_exact(v, currency) {
        Ok(m) => m,
        // Digits that overflow a decimal are a size problem, not a spelling one.
        Err(MoneyError::NotADecimal { .. })
            if !v.is_empty() && v.chars().all(|c| c.is_ascii_digit() || matches!(c, '.' | '+')) =>
        {
            return Err(too_large());
        }
        Err(MoneyError::NotADecimal { .. }) if v.starts_with('-') && v[1..].chars().all(|c| c.is_ascii_digit()) => {
            return Err("must be positive".into());
        }
        Err(MoneyError::NotADecimal { .. }) => {
            return Err(format!("{:?} is not an amount; type one like 49.00", crate::util::ellipsize(v, 24)));
        }
        Err(e) => return Err(e.to_string()),
    };
    if money.amount() <= Decimal::ZERO {
        return Err("must be positive".into());
    }
    if money.amount() > Decimal::from(MAX_AMOUNT) {
        return Err(too_large());
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
            ("https://x.example/a\u{1b}[2Jb", false),
            ("https://x.example/\u{202e}gpj.exe", false),
            ("https://x.example/a\u{9b}b", false),
        ];
        for (input, ok) in cases {
            assert_eq!(url(input).is_ok(), *ok, "{input:?}");
        }
        assert!(url(&too_long).unwrap_err().contains("(max 2,083)"), "{}", url(&too_long).unwrap_err());
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
            ("a\u{1b}[2J@b.co", false),
            ("a\u{202e}@b.co", false),
            ("a@b\u{7f}.co", false),
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
        assert_eq!(positive_int(" +7 "), Ok(7));
        assert_eq!(positive_int("2147483647"), Ok(MAX_QUANTITY));
        for bad in ["0", "-1", "1.5", "", "ten", "99999999999"] {
            assert!(positive_int(bad).is_err(), "{bad:?}");
        }
    }

    /// Each message names what is wrong: the sign, the size, a fraction, not a number; never
    /// "must be a whole number" for 0, -1 or a huge count.
    #[test]
    fn quantity_messages_say_what_is_wrong() {
        let positive = "must be positive (1 or more)";
        let large = "too large (max 2,147,483,647)";
        let cases: &[(&str, &str)] = &[
            ("0", positive),
            ("000", positive),
            ("-1", positive),
            ("-99999999999999999999999999999999999999999", positive),
            ("-0.5", positive),
            ("2147483648", large),
            ("4294967296", large),
            ("99999999999999999999999999999999999999999", large),
            ("1.5", "must be a whole number (no fraction)"),
            ("ten", "\"ten\" is not a number; type a whole number like 5"),
            ("", "required"),
        ];
        for (input, message) in cases {
            assert_eq!(positive_int(input).unwrap_err(), *message, "{input:?}");
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
        assert!(amount("1000000000", Currency::USD).is_ok());
        assert!(amount("0", Currency::USD).is_err());
        assert!(amount("-5", Currency::USD).is_err());
        assert!(amount("1.001", Currency::USD).is_err());
        assert!(amount("1.5", Currency::JPY).is_err(), "JPY has no minor unit");
        assert!(amount("abc", Currency::USD).is_err());
        assert!(required("  ").is_err() && required(" x ").is_ok());
    }

    #[test]
    fn amount_messages_say_what_is_wrong() {
        let cases: &[(&str, &str)] = &[
            ("0", "must be positive"),
            ("0.00", "must be positive"),
            ("-5", "must be positive"),
            ("-99999999999999999999999999999999999", "must be positive"),
            ("1000000000.01", "too large (max 1,000,000,000)"),
            ("99999999999999999999999999999999999", "too large (max 1,000,000,000)"),
            ("abc", "\"abc\" is not an amount; type one like 49.00"),
            ("1.001", "1.001 has more decimals than USD allows (2)"),
        ];
        for (input, message) in cases {
            assert_eq!(amount(input, Currency::USD).unwrap_err(), *message, "{input:?}");
        }
    }
}
