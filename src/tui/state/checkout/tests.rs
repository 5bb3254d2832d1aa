//! The checkout form as pure state: fields per provider, validation as you type, keys owned
//! by the focused field, the request it builds, presets.

use chrono::NaiveDate;
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

use super::fields::FieldId;
use super::presets;
use super::{CheckoutBuilder, FormOutcome};
use crate::billing::*;

fn usd(s: &str) -> Money {
    Money::parse(s, Currency::USD).unwrap()
}

fn plans() -> Vec<Plan> {
    let price = |id: &str, period, amount: &str| Price {
        id: Some(id.into()),
        kind: PriceKind::Paid,
        period,
        amount: usd(amount),
        trial_days: None,
    };
    vec![
        Plan {
            issues: Vec::new(),
            provider: ProviderKind::Kelviq,
            id: "starter".into(),
            name: "Starter".into(),
            description: None,
            product: None,
            prices: vec![price("p_s_m", ChargePeriod::Monthly, "19")],
            features: vec![],
        },
        Plan {
            issues: Vec::new(),
            provider: ProviderKind::Kelviq,
            id: "growth".into(),
            name: "Growth".into(),
            description: None,
            product: None,
            prices: vec![price("p_g_m", ChargePeriod::Monthly, "79"), price("p_g_y", ChargePeriod::Yearly, "790")],
            features: vec![],
        },
    ]
}

fn today() -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 11, 21).unwrap()
}

fn key(code: KeyCode) -> KeyEvent {
    KeyEvent::new(code, KeyModifiers::NONE)
}

fn ctrl(c: char) -> KeyEvent {
    KeyEvent::new(KeyCode::Char(c), KeyModifiers::CONTROL)
}

fn type_text(b: &mut CheckoutBuilder, text: &str) {
    for c in text.chars() {
        b.handle_key(key(KeyCode::Char(c)));
    }
}

fn focus(b: &mut CheckoutBuilder, id: FieldId) {
    b.focus = b.fields.iter().position(|f| f.id == id).unwrap();
}

#[test]
fn each_provider_gets_the_fields_its_api_defines() {
    let ids = |p| CheckoutBuilder::new(0, p, &[], None, None).fields.iter().map(|f| f.id).collect::<Vec<_>>();
    use FieldId::*;
    assert_eq!(ids(ProviderKind::Kelviq), vec![Plan, Period, Currency, Customer, Features, SuccessUrl, Ip]);
    // A product checkout, the default type, names no subscription (`flowglad_types_…`).
    assert!(ids(ProviderKind::Flowglad).starts_with(&[CheckoutType, Customer, Price, Quantity]));
    assert!(ids(ProviderKind::Flowglad).contains(&PreserveAnchor) && ids(ProviderKind::Flowglad).contains(&Metadata));
    assert_eq!(ids(ProviderKind::KuvarPay)[..3], [Price, BillingMode, Currency]);
    assert!(
        ids(ProviderKind::Zenskar).contains(&Guest)
            && ids(ProviderKind::Zenskar).contains(&ProductOverrides)
            && ids(ProviderKind::Zenskar).contains(&ExpiresAt)
    );
}

#[test]
fn kelviq_form_prefills_limits_periods_and_builds_the_request() {
    let mut b = CheckoutBuilder::new(0, ProviderKind::Kelviq, &plans(), Some("cus_1".into()), Some("starter".into()));
    assert_eq!(b.value(FieldId::Customer), "cus_1");
    assert_eq!(b.value(FieldId::Period), "MONTHLY", "the only period of Starter is chosen for you");
    focus(&mut b, FieldId::Plan);
    type_text(&mut b, "gro");
    assert_eq!(b.handle_key(key(KeyCode::Enter)), FormOutcome::Changed);
    assert_eq!(b.value(FieldId::Plan), "growth");
    let Some(super::fields::Field { input: super::fields::Input::Pick { options, .. }, .. }) = b.field(FieldId::Period)
    else {
        panic!()
    };
    assert_eq!(options.len(), 2, "periods limited to the plan's prices");
    focus(&mut b, FieldId::Features);
    b.handle_key(ctrl('n'));
    type_text(&mut b, "seats");
    b.handle_key(key(KeyCode::Right));
    type_text(&mut b, "5");
    focus(&mut b, FieldId::Ip);
    type_text(&mut b, "203.0.113.7");
    assert!(b.validate(today()), "{:?}", b.blocker());
    let r = b.request();
    assert_eq!(
        (r.plan_id.as_str(), r.period, r.customer_id.as_deref()),
        ("growth", Some(ChargePeriod::Monthly), Some("cus_1"))
    );
    assert_eq!(r.features, vec![FeatureQuantity { feature_id: "seats".into(), quantity: 5 }]);
    assert_eq!(r.ip_address.as_deref(), Some("203.0.113.7"));
}

#[test]
fn validation_messages_sit_beside_their_fields_and_block_submit() {
    let mut b = CheckoutBuilder::new(0, ProviderKind::Kelviq, &plans(), None, Some("starter".into()));
    focus(&mut b, FieldId::SuccessUrl);
    b.set_value(FieldId::SuccessUrl, "example.com/thanks");
    b.set_value(FieldId::Ip, "300.1.1.1");
    assert!(!b.validate(today()));
    let err = |id| b.field(id).unwrap().error.clone();
    assert!(err(FieldId::SuccessUrl).unwrap().contains("absolute http(s) URL"));
    assert!(err(FieldId::Ip).unwrap().contains("IPv4 or IPv6"));
    assert!(b.blocker().unwrap().starts_with("Success URL"));
    b.set_value(FieldId::SuccessUrl, "https://example.com/ok");
    b.set_value(FieldId::Ip, "");
    assert!(b.validate(today()));
    assert!(b.blocker().is_none());
}

#[test]
fn a_focused_text_field_owns_q_slash_and_enter_moves_on() {
    let mut b = CheckoutBuilder::new(0, ProviderKind::Kelviq, &plans(), None, None);
    focus(&mut b, FieldId::Customer);
    assert_eq!(b.handle_key(key(KeyCode::Char('q'))), FormOutcome::Changed);
    b.handle_key(key(KeyCode::Char('/')));
    assert_eq!(b.value(FieldId::Customer), "q/");
    let at = b.focus;
    b.handle_key(key(KeyCode::Enter));
    assert_eq!(b.focus, at + 1);
    assert_eq!(b.handle_key(key(KeyCode::Esc)), FormOutcome::Close);
    assert_eq!(b.handle_key(ctrl('s')), FormOutcome::Submit);
}

fn shown(b: &CheckoutBuilder) -> Vec<FieldId> {
    b.fields.iter().map(|f| f.id).collect()
}

#[test]
fn flowglad_types_and_their_required_fields() {
    let mut b = CheckoutBuilder::new(0, ProviderKind::Flowglad, &plans(), None, None);
    b.set_value(FieldId::Price, "p_g_y");
    b.set_value(FieldId::Quantity, "2");
    assert!(b.validate(today()), "an anonymous product checkout: {:?}", b.blocker());
    assert_eq!(b.request().customer_id, None);
    assert!(!shown(&b).contains(&FieldId::TargetSubscription), "a product names no subscription");
    b.set_value(FieldId::CheckoutType, "activate_subscription");
    // An activation sells nothing: no price, no quantity to fill in, nor to leave out unsent.
    let fields = shown(&b);
    assert!(!fields.contains(&FieldId::Price) && !fields.contains(&FieldId::Quantity), "{fields:?}");
    let required = |b: &CheckoutBuilder, id| b.field(id).unwrap().required;
    assert!(required(&b, FieldId::TargetSubscription) && required(&b, FieldId::Customer), "starred as needed");
    assert!(!b.field(FieldId::Customer).unwrap().label.contains("anonymous"));
    assert!(!b.validate(today()));
    assert_eq!(b.field(FieldId::TargetSubscription).unwrap().error.as_deref(), Some("required"));
    assert_eq!(b.field(FieldId::Customer).unwrap().error.as_deref(), Some("required"));
    b.set_value(FieldId::TargetSubscription, "sub_1");
    b.set_value(FieldId::Customer, "user_1");
    b.set_value(FieldId::PreserveAnchor, "true");
    b.set_value(FieldId::Metadata, "campaign=black-friday");
    assert!(b.validate(today()), "{:?}", b.blocker());
    let r = b.request();
    assert_eq!(r.purpose, Some(CheckoutPurpose::ActivateSubscription { subscription_id: "sub_1".into() }));
    assert_eq!((r.price_id, r.quantity, r.preserve_billing_cycle_anchor), (None, None, Some(true)));
    assert_eq!(r.metadata.get("campaign").map(String::as_str), Some("black-friday"));

    // Saving a card anchors no billing cycle; the subscription is optional there.
    b.set_value(FieldId::CheckoutType, "add-payment-method");
    assert!(!shown(&b).contains(&FieldId::PreserveAnchor));
    assert!(!b.field(FieldId::TargetSubscription).unwrap().required);
    assert!(b.validate(today()), "{:?}", b.blocker());
    assert_eq!(b.request().preserve_billing_cycle_anchor, None);

    // Back to a product: the price and quantity typed before are still there.
    b.set_value(FieldId::CheckoutType, "purchase");
    assert_eq!((b.value(FieldId::Price), b.value(FieldId::Quantity)), ("p_g_y".into(), "2".into()));
    assert!(b.validate(today()), "{:?}", b.blocker());
    assert_eq!((b.request().price_id.as_deref(), b.request().purpose), (Some("p_g_y"), None));
}

/// Choosing the type with keys rearranges the form at once, the focus moving on from the type
/// to the field after it; a field no type sends never blocks Submit unseen.
#[test]
fn choosing_activation_with_keys_shows_its_fields_and_validates_live() {
    let mut b = CheckoutBuilder::new(0, ProviderKind::Flowglad, &plans(), Some("user_1".into()), None);
    b.set_value(FieldId::Quantity, "2");
    assert_eq!(b.focus, 0, "the checkout type comes first");
    for c in "activ".chars() {
        b.handle_key(key(KeyCode::Char(c)));
    }
    assert_eq!(b.handle_key(key(KeyCode::Enter)), FormOutcome::Changed);
    assert_eq!(b.value(FieldId::CheckoutType), "activate-subscription");
    assert_eq!(b.fields[b.focus].id, FieldId::Customer, "focus moves to the next field shown");
    assert!(!b.validate(today()));
    assert_eq!(b.blocker().as_deref(), Some("Target subscription: required"), "beside its field, before submit");
    b.set_value(FieldId::TargetSubscription, "sub_1");
    assert!(b.validate(today()), "the hidden quantity of 2 is not sent, so not refused: {:?}", b.blocker());
    assert_eq!(b.request().quantity, None);
}

#[test]
fn kuvarpay_email_currency_and_amount() {
    let mut b = CheckoutBuilder::new(0, ProviderKind::KuvarPay, &plans(), None, None);
    b.set_value(FieldId::Price, "p_s_m");
    b.set_value(FieldId::CustomerEmail, "not-an-email");
    b.set_value(FieldId::TargetAmount, "12.345");
    assert!(!b.validate(today()));
    assert!(b.field(FieldId::CustomerEmail).unwrap().error.is_some());
    assert_eq!(
        b.field(FieldId::Currency).unwrap().error.as_deref(),
        Some("choose one"),
        "an amount needs its currency"
    );
    b.set_value(FieldId::CustomerEmail, "ada@example.ng");
    b.set_value(FieldId::Currency, "USD");
    assert!(b.field(FieldId::TargetAmount).is_some());
    assert!(!b.validate(today()), "three decimals are too many for USD");
    b.set_value(FieldId::TargetAmount, "12.50");
    // FIXED charges the catalog price: KuvarPay refuses a target amount with it, so the form does.
    assert!(!b.validate(today()));
    assert!(b.field(FieldId::TargetAmount).unwrap().error.as_deref().unwrap().contains("METERED"));
    b.set_value(FieldId::BillingMode, "METERED");
    assert!(b.validate(today()), "{:?}", b.blocker());
    let r = b.request();
    assert_eq!(
        (r.billing_mode.as_deref(), r.target_amount.as_deref(), r.currency.as_deref()),
        (Some("METERED"), Some("12.50"), Some("USD"))
    );
}

#[test]
fn zenskar_dates_guest_and_product_overrides() {
    let mut b = CheckoutBuilder::new(0, ProviderKind::Zenskar, &plans(), None, Some("growth".into()));
    assert!(!b.validate(today()), "a customer or a guest checkout is needed");
    b.set_value(FieldId::Guest, "true");
    b.set_value(FieldId::BusinessEntity, "be_1");
    b.set_value(FieldId::StartDate, "2026-12-01");
    b.set_value(FieldId::EndDate, "2026-11-30");
    assert!(!b.validate(today()));
    assert!(b.field(FieldId::EndDate).unwrap().error.as_deref().unwrap().contains("after the start date"));
    b.set_value(FieldId::EndDate, "2027-02-30");
    b.validate(today());
    assert!(b.field(FieldId::EndDate).unwrap().error.as_deref().unwrap().contains("real date"));
    b.set_value(FieldId::EndDate, "2027-12-01");
    b.set_value(FieldId::ProductOverrides, "seats=12;support=1=off");
    b.set_value(FieldId::ExpiresAt, "2020-01-01");
    assert!(!b.validate(today()), "expiry in the past");
    b.set_value(FieldId::ExpiresAt, "2099-01-01");
    assert!(b.validate(today()), "{:?}", b.blocker());
    let r = b.request();
    assert_eq!((r.customer_id, r.business_entity_id.as_deref()), (None, Some("be_1")));
    assert_eq!(r.features, vec![FeatureQuantity { feature_id: "seats".into(), quantity: 12 }]);
    assert_eq!(r.disabled_products, vec!["support".to_string()]);
    assert_eq!(r.end_date, NaiveDate::from_ymd_opt(2027, 12, 1));
}

#[test]
fn provider_field_errors_land_beside_the_field() {
    let mut b = CheckoutBuilder::new(0, ProviderKind::Kelviq, &plans(), None, Some("starter".into()));
    let mut err = crate::providers::ProviderError::from_response(
        ProviderKind::Kelviq,
        400,
        br#"{"successUrl":["Enter a valid URL."],"weird":["?"]}"#,
        Some("req_9".into()),
    );
    err.request_id = Some("req_9".into());
    b.submitting = true;
    b.submitted(Err(err));
    assert!(!b.submitting);
    assert_eq!(b.field(FieldId::SuccessUrl).unwrap().server_error.as_deref(), Some("Enter a valid URL."));
    assert!(b.submit_error.as_ref().unwrap().to_string().contains("req_9"));
    assert_eq!(b.value(FieldId::Plan), "starter", "nothing typed is lost");
}

#[test]
fn presets_round_trip_through_toml() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("presets.toml");
    let mut b = CheckoutBuilder::new(0, ProviderKind::Kelviq, &plans(), Some("cus_9".into()), Some("growth".into()));
    b.set_value(FieldId::Period, "YEARLY");
    b.set_value(FieldId::Features, "seats=7");
    presets::save(&path, b.to_preset("growth yearly")).unwrap();
    presets::save(&path, b.to_preset("growth yearly")).unwrap();
    let file = presets::load(&path).unwrap();
    assert_eq!(file.presets.len(), 1, "same name replaces");
    let mut fresh = CheckoutBuilder::new(0, ProviderKind::Kelviq, &plans(), None, None);
    fresh.apply_preset(&file.presets[0]);
    assert_eq!(
        (fresh.value(FieldId::Plan), fresh.value(FieldId::Period), fresh.value(FieldId::Customer)),
        ("growth".into(), "YEARLY".into(), String::new()),
        "a preset never carries the customer (issue 13)"
    );
    let toml = std::fs::read_to_string(&path).unwrap();
    assert!(!toml.contains("cus_9"), "the customer id is not stored: {toml}");
    assert_eq!(fresh.rows_text(FieldId::Features), "seats=7");
    std::fs::write(&path, "[[preset]]\nname = 1\n").unwrap();
    assert!(presets::load(&path).unwrap_err().contains("presets.toml"), "a malformed file names itself");
}

#[test]
fn plans_sharing_a_name_are_told_apart_by_price_currency_and_cadence() {
    let mut catalog = plans();
    let mut twin = catalog[1].clone();
    twin.id = "growth-yearly".into();
    twin.prices = vec![Price {
        id: Some("p_g_y2".into()),
        kind: PriceKind::Paid,
        period: ChargePeriod::Yearly,
        amount: usd("790"),
        trial_days: None,
    }];
    catalog.push(twin);
    let labels: Vec<String> = super::fields::plan_choices(&catalog).into_iter().map(|c| c.label).collect();
    assert_eq!(labels[0], "Starter", "a unique name needs nothing more");
    assert_eq!(labels[1], "Growth · $79.00 USD monthly");
    assert_eq!(labels[2], "Growth · $790.00 USD yearly");
}

#[test]
fn a_value_with_no_room_beside_its_label_is_shown_below_it() {
    use super::form_layout::form_lines;
    let b = CheckoutBuilder::new(0, ProviderKind::Flowglad, &plans(), Some("user_rousseau_conseil".into()), None);
    let text = |width: usize| -> Vec<String> {
        form_lines(&b, width).lines.iter().map(|l| l.spans.iter().map(|(t, _)| t.as_str()).collect()).collect()
    };
    // The form's column at 80 terminal columns: the label alone takes all of it.
    let narrow = text(38);
    let at = narrow.iter().position(|l| l.contains("Customer externalId")).unwrap();
    // The label itself is wider than the column: it goes on under its first letter.
    assert_eq!(narrow[at + 1], "  anonymous)", "{narrow:#?}");
    assert_eq!(narrow[at + 2], "    user_rousseau_conseil", "{narrow:#?}");
    // With room beside its label the value stays there.
    let wide = text(80);
    assert!(
        wide.iter().any(|l| l.contains("Customer externalId") && l.ends_with("user_rousseau_conseil")),
        "{wide:#?}"
    );
}

/// "team usd" found nothing: the whole text had to appear as typed. Every word must match, in
/// the label or the value, accents folded, as in every other filter.
#[test]
fn a_picker_filter_matches_every_word_anywhere_in_the_option() {
    use super::fields::Choice;
    use super::form_layout::matching;
    let choice = |value: &str, label: &str| Choice { value: value.into(), label: label.into() };
    let options = [
        choice("price_team_usd_m", "Team · $45.00 USD monthly"),
        choice("price_team_usd_y", "Team · $450.00 USD yearly"),
        choice("price_pro_ghs", "Pro · GHS 380.00 monthly"),
        choice("price_reseau", "Réseau · €20.00 EUR monthly"),
    ];
    assert_eq!(matching(&options, "team usd"), vec![0, 1]);
    assert_eq!(matching(&options, "team yearly"), vec![1]);
    assert_eq!(matching(&options, "pro ghs"), vec![2]);
    assert_eq!(matching(&options, "  GHS   pro "), vec![2], "order and case do not matter");
    assert_eq!(matching(&options, "reseau eur"), vec![3], "accents folded");
    assert_eq!(matching(&options, "usd_y"), vec![1], "the value counts too");
    assert_eq!(matching(&options, ""), vec![0, 1, 2, 3]);
    assert!(matching(&options, "team ghs").is_empty());
}
