//! The shared checkout validator: the rules the console's form shows and the CLI refuses by.

use chrono::{NaiveDate, TimeZone, Utc};

use super::*;
use crate::ops::ErrorKind;

fn today() -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 11, 21).unwrap()
}

fn now() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 21, 12, 0, 0).unwrap()
}

fn kelviq() -> Draft {
    let mut d = Draft::new(ProviderKind::Kelviq);
    d.set(Field::Plan, "growth").set(Field::Period, "MONTHLY").set(Field::SuccessUrl, "https://example.com/thanks");
    d
}

fn problems(d: &Draft) -> Vec<(Field, String)> {
    validate_all(d, &[], today(), now()).into_iter().map(|p| (p.field, p.message)).collect()
}

#[test]
fn a_complete_draft_builds_its_request() {
    let mut d = kelviq();
    d.set(Field::Ip, "203.0.113.7").set(Field::Customer, "cus_1");
    d.set_rows(Field::Features, vec![Row { key: "seats".into(), value: "5".into(), enabled: true }]);
    let r = d.validated(&[], today(), now()).unwrap();
    assert_eq!(
        (r.plan_id.as_str(), r.period, r.customer_id.as_deref()),
        ("growth", Some(ChargePeriod::Monthly), Some("cus_1"))
    );
    assert_eq!(r.features, vec![FeatureQuantity { feature_id: "seats".into(), quantity: 5 }]);
}

#[test]
fn each_field_rule_names_its_field_with_the_forms_message() {
    let cases: &[(Field, &str, &str)] = &[
        (Field::SuccessUrl, "ftp://x", "must use http or https, not ftp"),
        (Field::CancelUrl, "example.com/x", "must be an absolute http(s) URL"),
        (Field::CustomerEmail, "bob@", "must be an email address"),
        (Field::Ip, "999.1.1.1", "must be an IPv4 or IPv6 address"),
        (Field::Quantity, "0", "must be positive (1 or more)"),
        (Field::Quantity, "-1", "must be positive (1 or more)"),
        (Field::Quantity, "99999999999", "too large (max 2,147,483,647)"),
        (Field::StartDate, "2026-02-30", "must be a real date"),
        (Field::ExpiresAt, "2020-01-01", "must be in the future"),
        (Field::Currency, "XYZ", "unknown currency \"XYZ\""),
        (Field::CheckoutType, "refund", "is not one of purchase"),
    ];
    for (field, value, message) in cases {
        let mut d = kelviq();
        d.set(*field, value);
        let found = problems(&d);
        assert!(
            found.iter().any(|(f, m)| f == field && m.contains(message)),
            "{field:?}={value:?}: expected {message:?} in {found:?}"
        );
    }
    let mut d = kelviq();
    d.set(Field::SuccessUrl, "ftp://x");
    let err = d.validated(&[], today(), now()).unwrap_err();
    assert_eq!(err.kind, ErrorKind::Usage);
    assert_eq!(err.message, "Success URL (--success-url): must use http or https, not ftp");
}

#[test]
fn dates_must_be_ordered_and_amounts_fit_their_currency() {
    let mut d = Draft::new(ProviderKind::Zenskar);
    d.set(Field::Plan, "p").set(Field::Customer, "c").set(Field::SuccessUrl, "https://e.com");
    d.set(Field::StartDate, "2026-12-01").set(Field::EndDate, "2026-11-30");
    assert!(problems(&d).iter().any(|(f, m)| *f == Field::EndDate && m.contains("after the start date 2026-12-01")));
    // A checkout starting before today would backdate the contract: refused, as a past cancel date is.
    d.set(Field::StartDate, "2026-11-20").set(Field::EndDate, "");
    assert!(problems(&d).contains(&(Field::StartDate, "must be today or later".to_string())), "{:?}", problems(&d));
    d.set(Field::StartDate, "2026-11-21");
    assert!(problems(&d).is_empty(), "today is fine: {:?}", problems(&d));

    let mut k = Draft::new(ProviderKind::KuvarPay);
    k.set(Field::Price, "p1").set(Field::CustomerEmail, "ada@example.ng").set(Field::SuccessUrl, "https://e.com");
    k.set(Field::BillingMode, "METERED").set(Field::TargetAmount, "12.345");
    assert!(problems(&k).contains(&(Field::Currency, "required".to_string())), "an amount needs its currency");
    k.set(Field::Currency, "USD");
    assert!(problems(&k).iter().any(|(f, m)| *f == Field::TargetAmount && m.contains("decimal")), "{:?}", problems(&k));
    k.set(Field::TargetAmount, "12.50");
    assert_eq!(problems(&k), vec![]);
    k.set(Field::BillingMode, "FIXED");
    assert_eq!(
        problems(&k),
        vec![(Field::TargetAmount, "a target amount is for METERED billing; FIXED charges the price".to_string())]
    );
}

#[test]
fn what_each_provider_needs_is_required() {
    assert_eq!(
        problems(&Draft::new(ProviderKind::Kelviq)),
        vec![
            (Field::Plan, "required".to_string()),
            (Field::Period, "required".to_string()),
            (Field::SuccessUrl, "required".to_string())
        ]
    );
    let mut f = Draft::new(ProviderKind::Flowglad);
    f.set(Field::SuccessUrl, "https://e.com");
    assert_eq!(problems(&f), vec![(Field::Price, "required".to_string())], "a price, or a plan to find it by");
    f.set(Field::Plan, "pro");
    assert_eq!(problems(&f), vec![]);
    f.set(Field::CheckoutType, "activate_subscription");
    let fields: Vec<Field> = problems(&f).into_iter().map(|(f, _)| f).collect();
    assert_eq!(fields, vec![Field::TargetSubscription, Field::Plan, Field::Customer], "an activation sells no plan");
    f.set(Field::Plan, "");
    let fields: Vec<Field> = problems(&f).into_iter().map(|(f, _)| f).collect();
    assert_eq!(fields, vec![Field::TargetSubscription, Field::Customer]);
    let mut z = Draft::new(ProviderKind::Zenskar);
    z.set(Field::Plan, "p").set(Field::SuccessUrl, "https://e.com");
    assert_eq!(problems(&z), vec![(Field::Customer, "required".to_string())], "a customer or a guest checkout");
    z.set(Field::Guest, "true");
    assert_eq!(problems(&z), vec![]);
    let mut k = Draft::new(ProviderKind::KuvarPay);
    k.set(Field::Price, "p1").set(Field::SuccessUrl, "https://e.com");
    assert_eq!(problems(&k), vec![(Field::CustomerEmail, "required".to_string())]);
}

#[test]
fn rows_need_a_name_and_a_positive_quantity() {
    let mut d = kelviq();
    d.set_rows(Field::Features, vec![Row { key: "seats".into(), value: "0".into(), enabled: true }]);
    assert_eq!(
        problems(&d),
        vec![(Field::Features, "row 1 (seats): quantity must be positive (1 or more)".to_string())]
    );
    d.set_rows(Field::Metadata, vec![Row { key: " ".into(), value: "x".into(), enabled: true }]);
    assert!(problems(&d).contains(&(Field::Metadata, "row 1: name the key".to_string())));
}

#[test]
fn flowglad_types_become_purposes_in_either_spelling() {
    let mut f = Draft::new(ProviderKind::Flowglad);
    f.set(Field::SuccessUrl, "https://e.com").set(Field::Customer, "u1").set(Field::TargetSubscription, "sub_1");
    for spelling in ["activate-subscription", "activate_subscription"] {
        f.set(Field::CheckoutType, spelling);
        assert_eq!(
            f.request().purpose,
            Some(CheckoutPurpose::ActivateSubscription { subscription_id: "sub_1".into() }),
            "{spelling}"
        );
    }
    f.set(Field::CheckoutType, "purchase");
    assert_eq!(f.request().purpose, None);
}

/// Each Flowglad session type sends its own fields. A quantity or price given for an
/// activation was dropped unsent (the form showed them, required-looking) or refused only by
/// the client after submit; now a value a type does not send is refused up front, naming it.
#[test]
fn flowglad_fields_a_session_type_does_not_send_are_refused() {
    let mut d = Draft::new(ProviderKind::Flowglad);
    d.set(Field::CheckoutType, "activate-subscription").set(Field::TargetSubscription, "sub_1");
    d.set(Field::Customer, "user_1").set(Field::SuccessUrl, "https://e.com").set(Field::PreserveAnchor, "true");
    assert_eq!(problems(&d), vec![]);
    d.set(Field::Quantity, "2").set(Field::Price, "price_1");
    let refused = "not part of an activate-subscription checkout".to_string();
    assert_eq!(problems(&d), vec![(Field::Price, refused.clone()), (Field::Quantity, refused)]);
    assert!(!applies(ProviderKind::Flowglad, CheckoutType::ActivateSubscription, Field::Quantity));

    let mut card = Draft::new(ProviderKind::Flowglad);
    card.set(Field::CheckoutType, "add-payment-method")
        .set(Field::Customer, "u")
        .set(Field::SuccessUrl, "https://e.com");
    card.set(Field::PreserveAnchor, "false");
    assert_eq!(problems(&card), vec![], "a toggle left off is no value");
    card.set(Field::PreserveAnchor, "true");
    let err = card.validated(&[], today(), now()).unwrap_err();
    assert_eq!(
        err.message,
        "Preserve billing cycle anchor (--preserve-billing-cycle-anchor): not part of an add-payment-method checkout"
    );

    let mut product = Draft::new(ProviderKind::Flowglad);
    product
        .set(Field::Price, "price_1")
        .set(Field::SuccessUrl, "https://e.com")
        .set(Field::TargetSubscription, "sub_1");
    assert_eq!(problems(&product), vec![(Field::TargetSubscription, "not part of a purchase checkout".into())]);
    assert!(
        applies(ProviderKind::Kelviq, CheckoutType::ActivateSubscription, Field::Quantity),
        "Flowglad's types only"
    );
}

/// Kelviq's estimate already said "no every 3 months price in EUR", yet Submit stayed enabled
/// and Kelviq answered 400: the currency is now checked against the plan's prices.
#[test]
fn a_kelviq_currency_the_plan_has_no_price_in_is_refused() {
    use crate::billing::{Currency, Money, Plan, Price, PriceKind};
    let price = |period, amount: &str, currency| Price {
        id: None,
        kind: PriceKind::Paid,
        period,
        amount: Money::parse(amount, currency).unwrap(),
        trial_days: None,
    };
    let growth = Plan {
        provider: ProviderKind::Kelviq,
        id: "growth".into(),
        name: "Growth".into(),
        description: None,
        product: None,
        prices: vec![
            price(ChargePeriod::Monthly, "75", Currency::EUR),
            price(ChargePeriod::Monthly, "79", Currency::USD),
            price(ChargePeriod::Yearly, "750", Currency::GBP),
        ],
        features: Vec::new(),
        issues: Vec::new(),
    };
    let plans = [growth];
    let check = |currency: &str| {
        let mut d = kelviq();
        d.set(Field::Currency, currency);
        validate_all(&d, &plans, today(), now()).into_iter().find(|p| p.field == Field::Currency).map(|p| p.message)
    };
    assert_eq!(check("EUR"), None);
    assert_eq!(check("usd"), None);
    assert_eq!(check("GBP").as_deref(), Some("plan Growth has no MONTHLY price in GBP (it has EUR, USD)"));
}
