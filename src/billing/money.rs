//! Money as an exact decimal plus a currency that knows its exponent. Never f64.

use std::fmt;

use rust_decimal::{Decimal, RoundingStrategy};

use super::currency::{Currency, UnknownCurrency};

/// An exact amount in a currency. The amount keeps whatever precision the provider sent
/// (unit prices can carry sub-cent digits); [`Money::rounded`] and [`Money::to_minor_units`]
/// bring it to the currency's exponent at the boundary where a provider would round.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Money {
    amount: Decimal,
    currency: Currency,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MoneyError {
    #[error("{input:?} is not a decimal amount (expected something like 49.00)")]
    NotADecimal { input: String },
    #[error("{amount} has more decimals than {currency} allows ({exponent})")]
    TooPrecise { amount: String, currency: String, exponent: u32 },
    #[error("cannot combine {left} with {right}: currencies differ")]
    CurrencyMismatch { left: String, right: String },
    #[error("amount {0} is out of range")]
    Overflow(String),
    #[error(transparent)]
    Currency(#[from] UnknownCurrency),
}

impl Money {
    pub fn new(amount: Decimal, currency: Currency) -> Money {
        Money { amount, currency }
    }

    pub fn zero(currency: Currency) -> Money {
        Money::new(Decimal::ZERO, currency)
    }

    /// Parses a decimal string such as `"49.00"` or `"-5"` exactly as written.
    pub fn parse(amount: &str, currency: Currency) -> Result<Money, MoneyError> {
        let trimmed = amount.trim();
        let valid_chars =
            !trimmed.is_empty() && trimmed.chars().all(|c| c.is_ascii_digit() || c == '.' || c == '-' || c == '+');
        let parsed = valid_chars
            .then(|| trimmed.parse::<Decimal>().ok())
            .flatten()
            .ok_or_else(|| MoneyError::NotADecimal { input: amount.to_string() })?;
        Ok(Money::new(parsed, currency))
    }

    /// Parses a decimal string and rejects more digits than the currency's minor unit has,
    /// for user input where "49.001 USD" is a typo rather than a unit price.
    pub fn parse_exact(amount: &str, currency: Currency) -> Result<Money, MoneyError> {
        let money = Money::parse(amount, currency)?;
        if money.amount.normalize().scale() > currency.exponent() {
            return Err(MoneyError::TooPrecise {
                amount: amount.trim().to_string(),
                currency: currency.code().to_string(),
                exponent: currency.exponent(),
            });
        }
        Ok(money)
    }

    /// Builds from integer minor units (cents, yen, fils): 4900 USD is $49.00, 4900 JPY is ¥4,900.
    pub fn from_minor(units: i64, currency: Currency) -> Money {
        Money::new(Decimal::new(units, currency.exponent()), currency)
    }

    pub fn amount(&self) -> Decimal {
        self.amount
    }

    pub fn currency(&self) -> Currency {
        self.currency
    }

    pub fn is_zero(&self) -> bool {
        self.amount.is_zero()
    }

    pub fn is_negative(&self) -> bool {
        self.amount.is_sign_negative() && !self.amount.is_zero()
    }

    /// Rounds half away from zero to the currency's exponent (Kill Bill's HALF_UP).
    pub fn rounded(&self) -> Money {
        let amount =
            self.amount.round_dp_with_strategy(self.currency.exponent(), RoundingStrategy::MidpointAwayFromZero);
        Money::new(amount, self.currency)
    }

    /// Integer minor units after rounding to the currency's exponent.
    pub fn to_minor_units(&self) -> Result<i64, MoneyError> {
        let scaled = self.rounded().amount * Decimal::from(10_i64.pow(self.currency.exponent()));
        i64::try_from(scaled.trunc()).map_err(|_| MoneyError::Overflow(self.amount.to_string()))
    }

    /// The amount as a plain decimal string at the currency's exponent ("49.00", "4900", "1.250"),
    /// the form decimal-string providers expect on the wire.
    pub fn to_decimal_string(&self) -> String {
        let r = self.rounded().amount;
        format!("{:.*}", self.currency.exponent() as usize, r)
    }

    pub fn checked_add(&self, other: &Money) -> Result<Money, MoneyError> {
        self.same_currency(other)?;
        self.amount
            .checked_add(other.amount)
            .map(|a| Money::new(a, self.currency))
            .ok_or_else(|| MoneyError::Overflow(self.amount.to_string()))
    }

    pub fn checked_sub(&self, other: &Money) -> Result<Money, MoneyError> {
        self.same_currency(other)?;
        self.amount
            .checked_sub(other.amount)
            .map(|a| Money::new(a, self.currency))
            .ok_or_else(|| MoneyError::Overflow(self.amount.to_string()))
    }

    /// Multiplies by an exact factor (a quantity or a proration fraction); not rounded.
    pub fn times(&self, factor: Decimal) -> Result<Money, MoneyError> {
        self.amount
            .checked_mul(factor)
            .map(|a| Money::new(a, self.currency))
            .ok_or_else(|| MoneyError::Overflow(self.amount.to_string()))
    }

    /// `amount × part ÷ whole`, multiplied before dividing so an exact result stays exact
    /// (0.15 × 1 ÷ 30 is 0.005, which then rounds half away from zero to 0.01; a fraction
    /// computed first, 1 ÷ 30 = 0.0333…, would give 0.004999… and round to 0.00).
    pub fn prorated(&self, part: i64, whole: i64) -> Result<Money, MoneyError> {
        let overflow = || MoneyError::Overflow(self.amount.to_string());
        let scaled = self.amount.checked_mul(Decimal::from(part)).ok_or_else(overflow)?;
        let exact = scaled.checked_div(Decimal::from(whole.max(1))).ok_or_else(overflow)?;
        Ok(Money::new(exact, self.currency))
    }

    pub fn negated(&self) -> Money {
        Money::new(-self.amount, self.currency)
    }

    fn same_currency(&self, other: &Money) -> Result<(), MoneyError> {
        if self.currency == other.currency {
            Ok(())
        } else {
            Err(MoneyError::CurrencyMismatch { left: self.currency.to_string(), right: other.currency.to_string() })
        }
    }
}

/// JSON shape: `{"amount": "49.00", "currency": "USD"}`; the amount is a string so no
/// consumer ever parses it as a float.
impl serde::Serialize for Money {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeStruct;
        let mut st = s.serialize_struct("Money", 2)?;
        st.serialize_field("amount", &self.to_decimal_string())?;
        st.serialize_field("currency", self.currency.code())?;
        st.end()
    }
}

/// A whole number with its thousands grouped, the one style used for every count till shows:
/// 512000 → "512,000".
pub fn group_int(n: i64) -> String {
    let out = group_thousands(&n.unsigned_abs().to_string());
    if n < 0 { format!("-{out}") } else { out }
}

/// A provider's value as shown: a whole number grouped like every count ("10000" → "10,000"),
/// any other text as it is.
pub fn group_if_whole(value: &str) -> String {
    value.trim().parse::<i64>().map_or_else(|_| value.to_string(), group_int)
}

/// Groups the integer part in threes: "4900" becomes "4,900".
fn group_thousands(digits: &str) -> String {
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, ch) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(ch);
    }
    out
}

impl fmt::Display for Money {
    /// "$49.00", "¥4,900", "KWD 1.250", "-€5.00".
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let plain = self.rounded().amount.abs();
        let text = format!("{:.*}", self.currency.exponent() as usize, plain);
        let (int_part, frac_part) = match text.split_once('.') {
            Some((i, fr)) => (i, Some(fr)),
            None => (text.as_str(), None),
        };
        let mut number = group_thousands(int_part);
        if let Some(fr) = frac_part {
            number.push('.');
            number.push_str(fr);
        }
        let sign = if self.rounded().is_negative() { "-" } else { "" };
        match self.currency.symbol() {
            Some(sym) => write!(f, "{sign}{sym}{number}"),
            None => write!(f, "{sign}{} {number}", self.currency.code()),
        }
    }
}

#[cfg(test)]
mod tests {

    /// Zenskar's "Templates value 10000" was the one count shown ungrouped.
    #[test]
    fn a_whole_value_is_grouped_and_any_other_text_kept() {
        assert_eq!(group_if_whole("10000"), "10,000");
        assert_eq!(group_if_whole("-1500"), "-1,500");
        assert_eq!(group_if_whole("18"), "18");
        assert_eq!(group_if_whole("gold"), "gold");
        assert_eq!(group_if_whole("1.5"), "1.5");
    }

    use super::*;
    use rust_decimal_macros::dec;

    fn cur(code: &str) -> Currency {
        Currency::from_code(code).unwrap()
    }

    #[test]
    fn parses_decimal_strings_exactly() {
        let m = Money::parse("49.00", Currency::USD).unwrap();
        assert_eq!(m.amount(), dec!(49.00));
        assert_eq!(m.to_minor_units().unwrap(), 4900);
        assert_eq!(Money::parse(" 261.5 ", Currency::USD).unwrap().to_minor_units().unwrap(), 26150);
    }

    #[test]
    fn rejects_garbage_and_floats_in_disguise() {
        for bad in ["", "abc", "1e3", "4 9", "NaN", "$49"] {
            assert!(Money::parse(bad, Currency::USD).is_err(), "{bad:?} should fail");
        }
    }

    #[test]
    fn parse_exact_rejects_sub_minor_digits() {
        assert!(Money::parse_exact("49.001", Currency::USD).is_err());
        assert!(Money::parse_exact("49.10", Currency::USD).is_ok());
        assert!(Money::parse_exact("4900.5", Currency::JPY).is_err());
        assert!(Money::parse_exact("1.250", Currency::KWD).is_ok());
        let err = Money::parse_exact("1.2505", Currency::KWD).unwrap_err();
        assert!(err.to_string().contains("KWD"));
    }

    #[test]
    fn minor_units_respect_each_exponent() {
        assert_eq!(Money::from_minor(4900, Currency::USD).to_string(), "$49.00");
        assert_eq!(Money::from_minor(4900, Currency::JPY).to_string(), "¥4,900");
        assert_eq!(Money::from_minor(4900, cur("KRW")).to_string(), "₩4,900");
        assert_eq!(Money::from_minor(1250, Currency::KWD).to_string(), "KWD 1.250");
        assert_eq!(Money::from_minor(1250, cur("BHD")).to_string(), "BHD 1.250");
        assert_eq!(Money::from_minor(1250, Currency::KWD).to_minor_units().unwrap(), 1250);
    }

    #[test]
    fn formats_grouping_sign_and_symbols() {
        assert_eq!(Money::parse("1234567.5", Currency::USD).unwrap().to_string(), "$1,234,567.50");
        assert_eq!(Money::parse("-5", Currency::EUR).unwrap().to_string(), "-€5.00");
        assert_eq!(Money::parse("0", Currency::GBP).unwrap().to_string(), "£0.00");
        assert_eq!(Money::parse("100", cur("CHF")).unwrap().to_string(), "CHF 100.00");
        assert_eq!(Money::parse("999", Currency::USD).unwrap().to_string(), "$999.00");
    }

    #[test]
    fn rounds_half_away_from_zero_at_the_exponent() {
        assert_eq!(Money::parse("0.125", Currency::USD).unwrap().rounded().amount(), dec!(0.13));
        assert_eq!(Money::parse("-0.125", Currency::USD).unwrap().rounded().amount(), dec!(-0.13));
        assert_eq!(Money::parse("0.124", Currency::USD).unwrap().to_minor_units().unwrap(), 12);
        assert_eq!(Money::parse("4900.5", Currency::JPY).unwrap().to_minor_units().unwrap(), 4901);
        assert_eq!(Money::parse("1.2345", Currency::KWD).unwrap().to_decimal_string(), "1.235");
        // A value that rounds to zero never shows a minus sign.
        assert_eq!(Money::parse("-0.001", Currency::USD).unwrap().to_string(), "$0.00");
    }

    #[test]
    fn arithmetic_is_exact_and_currency_checked() {
        let a = Money::parse("0.10", Currency::USD).unwrap();
        let b = Money::parse("0.20", Currency::USD).unwrap();
        assert_eq!(a.checked_add(&b).unwrap().amount(), dec!(0.30));
        assert_eq!(b.checked_sub(&a).unwrap().amount(), dec!(0.10));
        let yen = Money::from_minor(100, Currency::JPY);
        assert!(matches!(a.checked_add(&yen), Err(MoneyError::CurrencyMismatch { .. })));
        let third = Money::parse("100", Currency::USD).unwrap().times(dec!(1) / dec!(3)).unwrap();
        assert_eq!(third.rounded().to_string(), "$33.33");
    }

    #[test]
    fn decimal_string_for_the_wire() {
        assert_eq!(Money::parse("261", Currency::USD).unwrap().to_decimal_string(), "261.00");
        assert_eq!(Money::from_minor(4900, Currency::JPY).to_decimal_string(), "4900");
    }
}
