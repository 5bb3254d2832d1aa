//! Wire → model mapping, with the reference's documented examples as fixtures.

use super::*;
use rust_decimal_macros::dec;

fn d(y: i32, m: u32, day: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, day).unwrap()
}

#[test]
fn cadences_in_iso_and_words() {
    assert_eq!(period("P1M"), Some(ChargePeriod::Monthly));
    assert_eq!(period("p3m"), Some(ChargePeriod::ThreeMonths));
    assert_eq!(period("P12M"), Some(ChargePeriod::Yearly));
    assert_eq!(period("P1Y"), Some(ChargePeriod::Yearly));
    assert_eq!(period("P14D"), Some(ChargePeriod::Every { unit: IntervalUnit::Day, count: 14 }));
    assert_eq!(period("monthly"), Some(ChargePeriod::Monthly));
    assert_eq!(period("one-time"), Some(ChargePeriod::OneTime));
    for bad in ["", "P", "P0M", "PXM", "P1Q", "fortnightly"] {
        assert_eq!(period(bad), None, "{bad:?}");
    }
    assert_eq!(iso_duration(ChargePeriod::Yearly).as_deref(), Some("P1Y"));
    assert_eq!(iso_duration(ChargePeriod::OneTime), None);
}

#[test]
fn both_list_envelopes_decode() {
    // The documented GET /customers example: {data, next, total}.
    let customers: wire::Page<wire::Customer> = serde_json::from_str(r#"{"data":[{"id":"123e4567-e89b-12d3-a456-426614174000","customer_name":"Acme Corporation","email":"billing@acme.com","created_at":"2023-01-01T00:00:00","updated_at":"2023-06-15T10:30:00"}],"next":"cursor_to_next_page","total":142}"#).unwrap();
    assert_eq!(customers.total, Some(142));
    assert_eq!(customers.next.as_deref(), Some("cursor_to_next_page"));
    let c = customer(customers.results.into_iter().next().unwrap());
    assert_eq!(c.name.as_deref(), Some("Acme Corporation"));
    assert_eq!(c.created_at.unwrap().to_rfc3339(), "2023-01-01T00:00:00+00:00");
    // Contracts, plans, invoices: {results, next, previous, total_count}.
    let plans: wire::Page<wire::Plan> =
        serde_json::from_str(r#"{"results":[{"id":"p1","name":"X"}],"next":null,"previous":null,"total_count":1}"#)
            .unwrap();
    assert_eq!((plans.results.len(), plans.total), (1, Some(1)));
}

#[test]
fn amounts_are_numbers_read_exactly() {
    let i: wire::InvoiceEstimate = serde_json::from_str(r#"{"total":1000,"currency":"USD"}"#).unwrap();
    assert_eq!(i.total, dec!(1000));
    let l: wire::EstimateLineItem = serde_json::from_str(r#"{"name":"Seats","quantity":3,"amount":76.5}"#).unwrap();
    assert_eq!(l.amount, dec!(76.5));
    let l: wire::EstimateLineItem = serde_json::from_str(r#"{"name":"Fee","amount":"0.1"}"#).unwrap();
    assert_eq!((l.amount, l.quantity), (dec!(0.1), dec!(1)));
    let back = serde_json::to_string(&wire::InvoiceEstimate {
        total: dec!(29.90),
        currency: "EUR".into(),
        subtotal: None,
        line_items: vec![],
    })
    .unwrap();
    assert_eq!(back, r#"{"total":29.9,"currency":"EUR","line_items":[]}"#);
    let err = serde_json::from_str::<wire::InvoiceEstimate>(r#"{"total":true,"currency":"USD"}"#).unwrap_err();
    assert!(err.to_string().contains("expected a decimal amount"), "{err}");
}

fn pricing(kind: &str, amount: &str, cadence: &str, qty: Option<i64>, grants: &str) -> String {
    let q = qty.map(|q| format!(r#","quantity":{{"type":"fixed","quantity":{q}}}"#)).unwrap_or_default();
    format!(
        r#"{{"pricing_id":"pr","product_id":"prod-{kind}","product":{{"id":"prod-{kind}","name":"{kind}"}},"pricing":{{"pricing_data":{{"pricing_type":"{kind}","currency":"GBP","unit_amount":{amount},"pricing_period":{{"cadence":"{cadence}"}}}}{q},"grants":[{grants}]}}}}"#
    )
}

fn team_plan() -> wire::Plan {
    let base = pricing(
        "flat_fee",
        "65",
        "P1M",
        None,
        r#"{"entitlement_id":"e-api","type":"Credits","label":"API calls","numeric_value":50000},{"entitlement_id":"e-sso","type":"Feature","label":"SSO"}"#,
    );
    let seats = pricing(
        "per_unit",
        "0",
        "P1M",
        Some(5),
        r#"{"entitlement_id":"e-seats","type":"Quantity","label":"Seats","numeric_value":1}"#,
    );
    serde_json::from_str(&format!(
        r#"{{"id":"plan-team-gbp","name":"Team","status":"active","currency":"GBP","schedule":{{"duration":"P1M"}},"phases":[{{"name":"Trial","phase_type":"trial","duration":"P14D","pricings":[]}},{{"name":"Team","phase_type":"active","pricings":[{base},{seats}]}}]}}"#
    ))
    .unwrap()
}

#[test]
fn a_plan_is_one_price_with_its_grants() {
    let p = plan(team_plan()).unwrap().unwrap();
    assert_eq!(p.prices.len(), 1);
    let price = &p.prices[0];
    assert_eq!(
        (price.id.as_deref(), price.period, price.trial_days),
        (Some("plan-team-gbp"), ChargePeriod::Monthly, Some(14))
    );
    assert_eq!(price.amount.to_string(), "£65.00");
    let kinds: Vec<_> = p.features.iter().map(|f| (f.feature_id.as_str(), f.kind.clone())).collect();
    assert_eq!(
        kinds,
        [
            (
                "e-api",
                EntitlementKind::Meter { limit: Some(50000), used: 0, remaining: Some(50000), hard_limit: false }
            ),
            ("e-sso", EntitlementKind::Boolean),
            ("e-seats", EntitlementKind::Customizable { value: "5".into() }),
        ]
    );
    let mut draft = team_plan();
    draft.status = Some("draft".into());
    assert_eq!(plan(draft).unwrap(), None);
    let mut bad = team_plan();
    bad.currency = Some("ZZZ".into());
    let err = plan(bad).unwrap_err();
    assert_eq!(err.kind, ErrorKind::Decode);
    assert!(err.message.contains("plan-team-gbp") && err.message.contains("ZZZ"), "{}", err.message);
}

fn contract(status: &str, phases: &str, end: &str) -> wire::Contract {
    serde_json::from_str(&format!(
        r#"{{"id":"c1","name":"Team","status":"{status}","currency":"GBP","customer_id":"cu","start_date":"2026-01-31","anchor_date":"2026-01-31","end_date":{end},"phases":[{phases}]}}"#
    ))
    .unwrap()
}

#[test]
fn contract_period_status_and_amount() {
    let seats = pricing("per_unit", "4.5", "P1M", Some(3), "");
    let base = pricing("flat_fee", "65", "P1M", None, "");
    let phases =
        format!(r#"{{"name":"Team","phase_type":"active","start_date":"2026-01-31","pricings":[{base},{seats}]}}"#);
    let s = subscription(contract("active", &phases, "null"), d(2026, 3, 30)).unwrap();
    assert_eq!((s.status, s.period), (SubscriptionStatus::Active, ChargePeriod::Monthly));
    assert_eq!(s.amount.unwrap().to_string(), "£78.50");
    // Month-end anchor: Jan 31 → Feb 28 → Mar 31, not Mar 28.
    assert_eq!(s.current_period_start.unwrap().date_naive(), d(2026, 2, 28));
    assert_eq!(s.current_period_end.unwrap().date_naive(), d(2026, 3, 31));
    let s = subscription(contract("expired", &phases, r#""2026-02-10""#), d(2026, 3, 30)).unwrap();
    assert_eq!((s.status, s.ends_on), (SubscriptionStatus::Expired, Some(d(2026, 2, 10))));
    assert_eq!(
        subscription(contract("disputed", &phases, "null"), d(2026, 3, 1)).unwrap().status,
        SubscriptionStatus::PastDue
    );
}

#[test]
fn a_trial_phase_is_its_own_period() {
    let base = pricing("flat_fee", "65", "P1M", None, "");
    let phases = format!(
        r#"{{"name":"Trial","phase_type":"trial","start_date":"2026-01-31","end_date":"2026-02-13","pricings":[{base}]}},{{"name":"Team","phase_type":"active","start_date":"2026-02-14","pricings":[{base}]}}"#
    );
    let s = subscription(contract("active", &phases, "null"), d(2026, 2, 4)).unwrap();
    assert_eq!(s.status, SubscriptionStatus::Trialing);
    assert_eq!(s.trial_days_remaining, Some(10));
    assert_eq!(s.current_period_end.unwrap().date_naive(), d(2026, 2, 14));
    assert_eq!(s.amount.unwrap().to_string(), "£65.00", "the price after the trial");
    let after = subscription(contract("active", &phases, "null"), d(2026, 2, 20)).unwrap();
    assert_eq!((after.status, after.trial_days_remaining), (SubscriptionStatus::Active, None));
}

#[test]
fn documented_preview_example_is_a_provider_estimate() {
    let resp: wire::PreviewResponse = serde_json::from_str(
        r#"{"estimates":{"current_invoice":{"total":1000,"currency":"USD"},"next_invoice":{"total":1000,"currency":"USD"}}}"#,
    )
    .unwrap();
    let e = estimate(&resp.estimates, Some(d(2025, 1, 1))).unwrap().unwrap();
    assert_eq!(e.source, EstimateSource::Provider);
    assert_eq!(e.current_invoice.total.to_string(), "$1,000.00");
    assert_eq!(e.current_invoice.date, Some(d(2025, 1, 1)));
    assert!(e.next_invoice.is_some());
    let none: wire::Estimates = serde_json::from_str(r#"{"current_invoice":null,"next_invoice":null}"#).unwrap();
    assert_eq!(estimate(&none, None).unwrap(), None);
}

#[test]
fn estimate_lines_keep_periods_and_reject_mixed_currencies() {
    let e: wire::Estimates = serde_json::from_str(r#"{"current_invoice":{"total":78.5,"currency":"GBP","line_items":[
        {"name":"Team","description":"Team platform fee","quantity":1,"unit_price":65,"amount":65,"currency":"GBP","period":{"start_date":"2026-03-01","end_date":"2026-03-31"}},
        {"name":"Seats","quantity":3,"unit_price":4.5,"amount":13.5,"period":{"start_date":"2026-03-01","end_date":"2026-03-31"}}]},
        "next_invoice":null}"#).unwrap();
    let est = estimate(&e, None).unwrap().unwrap();
    let inv = &est.current_invoice;
    assert_eq!(inv.date, Some(d(2026, 3, 1)));
    assert_eq!(inv.lines[0].description, "Team — Team platform fee");
    assert_eq!(inv.lines[1].quantity, dec!(3));
    // Zenskar's inclusive last day becomes the console's exclusive end, as local estimates have.
    assert_eq!(inv.lines[1].period_end, Some(d(2026, 4, 1)));
    assert_eq!(est.next_invoice, None);
    let mut mixed = e.clone();
    if let Some(ci) = mixed.current_invoice.as_mut() {
        ci.line_items[1].currency = Some("USD".into());
    }
    assert_eq!(estimate(&mixed, None).unwrap_err().kind, ErrorKind::Decode);
}

#[test]
fn entitlement_totals_map_by_type() {
    let rows: Vec<wire::EntitlementTotal> = serde_json::from_str(r#"[
        {"entitlement":{"id":"a","name":"API calls","entitlement_type":"Credits"},"total_quantity":50000,"total_quantity_used":12000,"total_expired_entitlements":0},
        {"entitlement":{"id":"b","name":"Seats","entitlement_type":"Quantity"},"total_quantity":14,"total_quantity_used":0,"total_expired_entitlements":1},
        {"entitlement":{"id":"c","name":"SSO","entitlement_type":"Feature"},"total_quantity":0,"total_quantity_used":0,"total_expired_entitlements":1},
        {"entitlement":{"id":"d","name":"Audit","entitlement_type":"Feature","is_active":false},"total_quantity":1}]"#).unwrap();
    let e = entitlements(rows);
    assert_eq!(
        e[0].kind,
        EntitlementKind::Meter { limit: Some(50000), used: 12000, remaining: Some(38000), hard_limit: false }
    );
    assert_eq!(e[1].kind, EntitlementKind::Customizable { value: "14".into() });
    assert!(e[0].has_access && e[1].has_access);
    assert!(!e[2].has_access, "only expired grants left");
    assert!(!e[3].has_access, "inactive definition");
}

#[test]
fn checkout_url_is_read_from_any_known_field() {
    let c: wire::Checkout =
        serde_json::from_str(r#"{"id":"k1","checkout_status":"open","payment_url":"https://pay.example/k1"}"#).unwrap();
    let s = checkout(c).unwrap();
    assert_eq!((s.url.as_deref(), s.status), (Some("https://pay.example/k1"), CheckoutStatus::Open));
    let c: wire::Checkout = serde_json::from_str(
        r#"{"id":"k2","checkout_status":"contract_created","contract_id":"c9","start_date":"2025-01-01T00:00:00Z"}"#,
    )
    .unwrap();
    let s = checkout(c).unwrap();
    assert_eq!((s.url, s.status, s.subscription_id.as_deref()), (None, CheckoutStatus::Complete, Some("c9")));
}

#[test]
fn loose_names_and_uuids() {
    assert!(loose_eq("Seats", "seats"));
    assert!(loose_eq("Audit trail", "audit-trail"));
    assert!(!loose_eq("", ""));
    assert!(is_uuid("7f3c2a9e-4b1d-4e8a-9c6f-2d5b8a1e0f34"));
    assert!(!is_uuid("ext-42"));
}

/// Found by tests/fuzz.rs: a per-unit price × quantity beyond Decimal's range used to panic in
/// the mapper (and so in the console); now it is a decode error naming the pricing.
#[test]
fn an_overflowing_amount_is_an_error_not_a_panic() {
    let grant = r#"{"entitlement_id":"e-seats","type":"Quantity","label":"Seats","numeric_value":1}"#;
    let seats = pricing("per_unit", "18446744073709551615", "P1M", Some(i64::MAX), grant);
    let raw = format!(
        r#"{{"id":"plan-x","name":"X","status":"active","currency":"GBP","phases":[{{"name":"X","phase_type":"active","pricings":[{seats}]}}]}}"#
    );
    let err = plan(serde_json::from_str(&raw).unwrap()).unwrap_err();
    assert!(err.message.contains("overflows"), "{err}");
}

/// A credit note lists as money going back (negative, nothing due), issued on its creation
/// day, between the invoices issued after and before it; neither list is reordered.
#[test]
fn credit_notes_list_negated_between_the_invoices_by_date() {
    let raw = r#"{"id":"cn-1","credit_note_number":"CN-001001","customer_id":"c","contract_id":"k",
        "status":"approved","currency":"USD","total_amount":60,"created_at":"2026-12-07T20:25:58Z"}"#;
    let note = credit_note_summary(serde_json::from_str(raw).unwrap());
    assert_eq!(note.total, Some(Money::new(dec!(-60), Currency::from_code("USD").unwrap())));
    assert_eq!((note.amount_due, note.period_start), (None, Some(d(2026, 12, 7))));
    let invoice = |id: &str, day: NaiveDate| InvoiceSummary {
        id: id.into(),
        number: None,
        customer_id: None,
        contract_id: None,
        status: "paid".into(),
        total: None,
        amount_due: None,
        period_start: Some(day),
        period_end: None,
        due_on: None,
        url: None,
        issues: Vec::new(),
    };
    let invoices = vec![invoice("new", d(2027, 1, 1)), invoice("old", d(2026, 2, 18))];
    let ids: Vec<String> = merge_documents(invoices, vec![note]).into_iter().map(|i| i.id).collect();
    assert_eq!(ids, ["new", "cn-1", "old"]);
}
