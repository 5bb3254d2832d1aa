//! Pure tests of the wire types and the mapping, with bodies shaped as the spec's schemas.

use chrono::{TimeZone, Utc};
use serde_json::json;

use super::entitle::entitlements;
use super::map::{self, Catalog};
use super::wire;
use crate::billing::{ChargePeriod, EntitlementKind, EstimateSource, PriceKind, SubscriptionStatus};
use crate::providers::ErrorKind;

fn price(id: &str, kind: &str, unit: Option<&str>, amount: i64, currency: &str) -> serde_json::Value {
    json!({"id": id, "createdAt": 1, "updatedAt": 1, "livemode": false, "type": kind, "name": id,
        "intervalUnit": unit, "intervalCount": unit.map(|_| 1), "trialPeriodDays": null, "isDefault": true,
        "unitPrice": amount, "usageEventsPerUnit": null, "productId": "prod_1", "active": true,
        "currency": currency, "slug": id, "usageMeterId": null, "pricingModelId": "pm_1"})
}

fn catalog() -> Catalog {
    let model: wire::PricingModelDetails = serde_json::from_value(json!({
        "id": "pm_1", "createdAt": 1, "updatedAt": 1, "livemode": false, "organizationId": "org", "isDefault": true,
        "name": "Main",
        "products": [{
            "id": "prod_1", "name": "Pro", "slug": "pro", "active": true, "default": false, "description": "",
            "prices": [price("price_m", "subscription", Some("month"), 3900, "USD"),
                       price("price_y", "subscription", Some("year"), 39000, "USD"),
                       price("price_jpy", "subscription", Some("month"), 5900, "JPY"),
                       price("price_once", "single_payment", None, 49900, "USD")],
            "features": [
                {"id": "f1", "type": "toggle", "slug": "sso", "name": "SSO", "description": "", "active": true},
                {"id": "f2", "type": "usage_credit_grant", "slug": "pro-calls", "name": "Calls", "description": "",
                 "amount": 1000, "usageMeterId": "um_1", "renewalFrequency": "every_billing_period", "active": true},
                {"id": "f3", "type": "resource", "slug": "pro-seats", "name": "Seats", "description": "",
                 "amount": 5, "resourceId": "res_1", "active": true},
                {"id": "f4", "type": "toggle", "slug": "audit", "name": "Audit", "description": "", "active": true}]
        }],
        "usageMeters": [{"id": "um_1", "slug": "calls", "name": "API calls", "aggregationType": "sum",
            "prices": [{"id": "price_u", "type": "usage", "intervalUnit": "month", "intervalCount": 1,
                        "unitPrice": 2, "usageEventsPerUnit": 100, "productId": null, "usageMeterId": "um_1",
                        "currency": "USD", "active": true, "isDefault": true}]}]
    }))
    .unwrap();
    let resources =
        vec![wire::Resource { id: "res_1".into(), slug: "seats".into(), name: "Seats".into(), ..Default::default() }];
    Catalog::new(model, resources)
}

fn subscription(renews: bool, status: &str) -> serde_json::Value {
    let mut s = json!({"id": "sub_1", "createdAt": 1, "updatedAt": 1, "livemode": false,
        "startDate": 1_767_225_600_000_i64, "customerId": "cus_1", "organizationId": "org", "status": status,
        "defaultPaymentMethodId": null, "backupPaymentMethodId": null, "canceledAt": null,
        "cancelScheduledAt": 1_769_904_000_000_i64, "cancellationReason": null, "replacedBySubscriptionId": null,
        "isFreePlan": false, "doNotCharge": false, "priceId": "price_m", "runBillingAtPeriodStart": true,
        "name": null, "pricingModelId": "pm_1", "current": true, "renews": renews});
    if renews {
        s["interval"] = json!("month");
        s["intervalCount"] = json!(1);
        s["currentBillingPeriodStart"] = json!(1_767_225_600_000_i64);
        s["currentBillingPeriodEnd"] = json!(1_769_904_000_000_i64);
    }
    s
}

#[test]
fn renews_discriminates_and_round_trips() {
    let renewing: wire::Subscription = serde_json::from_value(subscription(true, "active")).unwrap();
    assert!(matches!(&renewing.renewal, wire::Renewal::Renewing(r) if r.interval == "month"));
    let once: wire::Subscription = serde_json::from_value(subscription(false, "active")).unwrap();
    assert_eq!(once.renewal, wire::Renewal::NonRenewing);
    let out = serde_json::to_value(&once).unwrap();
    assert_eq!(out["renews"], false);
    for key in ["interval", "intervalCount", "trialEnd", "currentBillingPeriodEnd", "billingCycleAnchorDate"] {
        assert!(out[key].is_null() && out.get(key).is_some(), "{key} must be present as null");
    }
    assert_eq!(serde_json::from_value::<wire::Subscription>(out).unwrap(), once);
    let mut missing = subscription(true, "active");
    missing.as_object_mut().unwrap().remove("renews");
    let inferred: wire::Subscription = serde_json::from_value(missing).unwrap();
    assert!(matches!(inferred.renewal, wire::Renewal::Renewing(_)), "an interval means renewing");
    let mut bad = subscription(true, "active");
    bad["renews"] = json!("yes");
    assert!(serde_json::from_value::<wire::Subscription>(bad).unwrap_err().to_string().contains("renews"));
}

#[test]
fn subscriptions_map_status_period_amount_and_dates() {
    let cat = catalog();
    let now = Utc.with_ymd_and_hms(2026, 1, 10, 0, 0, 0).unwrap();
    let s: wire::Subscription = serde_json::from_value(subscription(true, "cancellation_scheduled")).unwrap();
    let m = map::subscription(&s, None, &cat, "user_1".into(), now).unwrap();
    assert_eq!((m.status, m.raw_status.as_str()), (SubscriptionStatus::Active, "cancellation_scheduled"));
    assert_eq!(m.ends_on.unwrap().to_string(), "2026-02-01");
    assert!(m.cancel_scheduled());
    assert_eq!((m.plan_id.as_deref(), m.plan_name.as_deref()), (Some("pro"), Some("Pro")));
    assert_eq!(m.amount.unwrap().to_string(), "$39.00", "from the catalog price without items");
    assert_eq!(m.period, ChargePeriod::Monthly);
    let item = wire::SubscriptionItem {
        id: "si_1".into(),
        added_date: 0,
        price_id: Some("price_m".into()),
        unit_price: 3900,
        quantity: 3,
        ..Default::default()
    };
    let later = wire::SubscriptionItem { added_date: now.timestamp_millis() + 1, ..item.clone() };
    let m = map::subscription(&s, Some(&[item, later]), &cat, "user_1".into(), now).unwrap();
    assert_eq!(m.amount.unwrap().to_string(), "$117.00", "items in effect now, times quantity");
    let once: wire::Subscription = serde_json::from_value(subscription(false, "credit_trial")).unwrap();
    let m = map::subscription(&once, None, &cat, "user_1".into(), now).unwrap();
    assert_eq!((m.period, m.status, m.current_period_end), (ChargePeriod::OneTime, SubscriptionStatus::Trialing, None));
}

#[test]
fn prices_map_by_type_in_minor_units() {
    let cat = catalog();
    let plans = cat.plans().unwrap();
    let pro = &plans[0];
    assert_eq!(pro.price_for(ChargePeriod::Monthly, Some("JPY")).unwrap().amount.to_string(), "¥5,900");
    assert_eq!(pro.price_for(ChargePeriod::OneTime, None).unwrap().amount.to_string(), "$499.00");
    assert_eq!(plans[1].id, "usage:calls");
    assert_eq!((plans[1].prices[0].kind, plans[1].prices[0].amount.to_string()), (PriceKind::Usage, "$0.02".into()));
    let feature_ids: Vec<_> = pro.features.iter().map(|f| f.feature_id.as_str()).collect();
    assert_eq!(feature_ids, ["sso", "calls", "seats", "audit"], "meter and resource slugs, not feature slugs");
    let mut bad = price("p", "subscription", Some("fortnight"), 1, "USD");
    let p: wire::Price = serde_json::from_value(bad.clone()).unwrap();
    assert!(map::price(&p).unwrap_err().message.contains("fortnight"));
    bad["intervalUnit"] = json!("month");
    bad["currency"] = json!("ZZZ");
    let err = map::price(&serde_json::from_value(bad).unwrap()).unwrap_err();
    assert_eq!(err.kind, ErrorKind::Decode);
    assert!(err.message.contains("price p"), "{err}");
}

#[test]
fn plan_changes_resolve_to_a_price() {
    let cat = catalog();
    assert_eq!(cat.resolve_price("pro", Some(ChargePeriod::Yearly), Some("usd")).unwrap().id, "price_y");
    assert_eq!(cat.resolve_price("prod_1", Some(ChargePeriod::Monthly), Some("JPY")).unwrap().id, "price_jpy");
    let err = cat.resolve_price("pro", Some(ChargePeriod::Weekly), None).unwrap_err();
    assert_eq!(err.message, "product \"pro\" has no active weekly price");
    assert!(cat.resolve_price("nope", None, None).is_err());
}

#[test]
fn preview_becomes_a_provider_estimate() {
    let preview: wire::PreviewAdjustResponse = serde_json::from_value(json!({
        "canAdjust": true, "previewGeneratedAt": 1, "prorationAmount": 1350.5, "currentPlanTotal": 1200,
        "newPlanTotal": 3900, "resolvedTiming": "immediately", "effectiveDate": 1_767_225_600_000_i64,
        "isUpgrade": true, "percentThroughBillingPeriod": 0.5, "billingPeriodEnd": 1_769_904_000_000_i64,
        "newSubscriptionItems": [{"name": "Pro", "unitPrice": 3900, "quantity": 1, "priceId": "price_m"}]
    }))
    .unwrap();
    let usd = crate::billing::Currency::from_code("USD").unwrap();
    let e = map::preview_estimate(&preview, usd).unwrap();
    assert_eq!(e.source, EstimateSource::Provider);
    assert_eq!(e.current_invoice.lines[0].amount.amount().to_string(), "13.505", "fractions of a cent survive");
    assert_eq!(e.current_invoice.total.to_string(), "$13.51");
    assert!(e.current_invoice.lines[0].description.contains("50% of the period left"));
    let next = e.next_invoice.unwrap();
    assert_eq!((next.total.to_string(), next.date.unwrap().to_string()), ("$39.00".into(), "2026-02-01".into()));
    let refused: wire::PreviewAdjustResponse =
        serde_json::from_value(json!({"canAdjust": false, "reason": "No payment method", "previewGeneratedAt": 1}))
            .unwrap();
    let err = map::preview_estimate(&refused, usd).unwrap_err();
    assert!(err.message.contains("No payment method"));
}

#[test]
fn entitlements_sum_across_current_subscriptions() {
    let cat = catalog();
    let details = |id: &str, used_left: i64, seats: i64| {
        let mut s = subscription(true, "active");
        s["id"] = json!(id);
        s["subscriptionItems"] = json!([]);
        s["experimental"] = json!({
            "featureItems": [
                {"id": format!("{id}-1"), "type": "toggle", "slug": "sso", "name": "SSO", "featureId": "f1"},
                {"id": format!("{id}-2"), "type": "usage_credit_grant", "slug": "pro-calls", "name": "Calls",
                 "amount": 1000, "usageMeterId": "um_1", "renewalFrequency": "every_billing_period"},
                {"id": format!("{id}-3"), "type": "resource", "slug": "pro-seats", "name": "Seats", "amount": seats,
                 "resourceId": "res_1"},
                {"id": format!("{id}-4"), "type": "toggle", "slug": "audit", "name": "Audit", "expiredAt": 5}],
            "usageMeterBalances": [{"id": "um_1", "slug": "calls", "name": "API calls", "availableBalance": used_left,
                                    "subscriptionId": id}]
        });
        s
    };
    let billing: wire::Billing = serde_json::from_value(json!({
        "customer": {"id": "cus_1", "externalId": "user_1"},
        "subscriptions": [details("sub_a", 400, 5), details("sub_b", -50, 7)],
        "invoices": [], "paymentMethods": [], "purchases": [], "billingPortalUrl": "https://x"
    }))
    .unwrap();
    let e = entitlements(&billing, &cat);
    let find = |id: &str| e.iter().find(|x| x.feature_id == id).unwrap();
    assert_eq!(
        find("calls").kind,
        EntitlementKind::Meter { limit: Some(2000), used: 1650, remaining: Some(350), hard_limit: false }
    );
    assert_eq!(find("calls").resets_at.as_deref(), Some("2026-02-01T00:00:00+00:00"));
    assert_eq!(find("seats").kind, EntitlementKind::Customizable { value: "12".into() });
    assert!(find("sso").has_access);
    assert!(!find("audit").has_access, "expired feature items grant nothing; the catalog lists it as denied");
    assert_eq!(e.len(), 4);
}

#[test]
fn checkout_statuses_and_customers() {
    let r: wire::CheckoutSessionResponse = serde_json::from_value(json!({
        "checkoutSession": {"id": "cs_1", "status": "succeeded", "customerId": "cus_9", "expires": 1_767_225_600_000_i64,
                            "type": "activate_subscription", "targetSubscriptionId": "sub_1"},
        "url": "https://app.flowglad.com/checkout/cs_1"
    }))
    .unwrap();
    let s = map::checkout(r.clone(), None);
    assert_eq!(
        (s.status, s.customer_id.as_deref(), s.subscription_id.as_deref()),
        (crate::billing::CheckoutStatus::Complete, Some("cus_9"), Some("sub_1"))
    );
    assert_eq!(map::checkout(r, Some("user_9".into())).customer_id.as_deref(), Some("user_9"));
    assert_eq!(map::checkout_status("failed"), crate::billing::CheckoutStatus::Unknown);
}

#[test]
fn wrong_types_are_decode_errors_naming_the_field() {
    let decode = |body: serde_json::Value| {
        let response = crate::providers::http::ApiResponse {
            provider: crate::billing::ProviderKind::Flowglad,
            status: 200,
            headers: Default::default(),
            body: body.to_string().into(),
            request_id: None,
        };
        response.json::<wire::Billing>().unwrap_err()
    };
    let mut sub = subscription(true, "active");
    sub["subscriptionItems"] = json!([{"id": "si_1", "unitPrice": "39.00"}]);
    let err = decode(json!({"customer": {"id": "c", "externalId": "u"}, "subscriptions": [sub]}));
    assert_eq!(err.kind, ErrorKind::Decode);
    assert!(err.message.contains("subscriptions[0]") && err.message.contains("unitPrice"), "{}", err.message);
    let mut sub = subscription(true, "active");
    sub["intervalCount"] = json!("one");
    let err = decode(json!({"customer": {"id": "c", "externalId": "u"}, "subscriptions": [sub]}));
    assert!(err.message.contains("subscriptions[0]") && err.message.contains("intervalCount"), "{}", err.message);
    // Past u64 the value is no integer the contract allows: refused, and the path is named.
    sub["intervalCount"] = json!(-1);
    let err = decode(json!({"customer": {"id": "c", "externalId": "u"}, "subscriptions": [sub]}));
    assert!(err.message.contains("intervalCount") && err.message.contains("-1"), "{}", err.message);
    let err = decode(json!({"customer": {"id": "c"}}));
    assert!(err.message.contains("externalId"), "{}", err.message);
}

#[test]
fn checkout_price_is_named_by_id_or_slug_as_the_catalog_knows_it() {
    use super::checkout::{PriceRef, price_ref};
    let c = catalog();
    let mut request = crate::billing::CheckoutRequest {
        plan_id: "pro".into(),
        period: Some(ChargePeriod::Yearly),
        ..Default::default()
    };
    assert_eq!(price_ref(&c, &request).unwrap(), PriceRef::Id("price_y".into()));
    let model = c.model.clone();
    let mut slugged = model.clone();
    slugged.products[0].prices[0].slug = Some("pro-monthly".into());
    let c = Catalog::new(slugged, Vec::new());
    request.price_id = Some("pro-monthly".into());
    assert_eq!(price_ref(&c, &request).unwrap(), PriceRef::Slug("pro-monthly".into()));
    request.price_id = Some("price_m".into());
    assert_eq!(price_ref(&c, &request).unwrap(), PriceRef::Id("price_m".into()));
    request.price_id = Some("nobody-knows".into());
    assert_eq!(price_ref(&c, &request).unwrap(), PriceRef::Id("nobody-knows".into()), "Flowglad says what is wrong");
    request.price_id = None;
    request.currency = Some("EUR".into());
    assert!(price_ref(&c, &request).is_err(), "no EUR price");
}

#[test]
fn checkout_input_carries_each_builder_field_for_its_session_type() {
    use super::checkout::{PriceRef, checkout_input};
    use crate::billing::{CheckoutPurpose, CheckoutRequest};
    let mut request = CheckoutRequest {
        customer_id: Some(String::new()),
        success_url: "https://e.com/ok".into(),
        quantity: Some(2),
        output_name: Some("  ".into()),
        preserve_billing_cycle_anchor: Some(true),
        ..Default::default()
    };
    let input = checkout_input(&request, Some(PriceRef::Slug("pro-monthly".into()))).unwrap();
    assert_eq!((input.kind.as_str(), input.anonymous), ("product", Some(true)), "an empty customer is anonymous");
    assert_eq!((input.price_slug.as_deref(), input.price_id.as_deref()), (Some("pro-monthly"), None));
    assert_eq!((input.quantity, input.output_name.as_deref()), (Some(2), None), "a blank name is not sent");
    assert_eq!(input.cancel_url.as_deref(), Some("https://e.com/ok"));
    assert_eq!(input.preserve_billing_cycle_anchor, Some(true));
    assert!(checkout_input(&request, None).is_err(), "a product session needs a price");

    request.customer_id = Some("user_1".into());
    request.quantity = None;
    request.purpose = Some(CheckoutPurpose::ActivateSubscription { subscription_id: "sub_1".into() });
    let input = checkout_input(&request, None).unwrap();
    assert_eq!((input.anonymous, input.quantity, input.preserve_billing_cycle_anchor), (None, None, Some(true)));
    request.purpose = Some(CheckoutPurpose::AddPaymentMethod { subscription_id: Some(String::new()) });
    let err = checkout_input(&request, None).unwrap_err();
    assert_eq!(err.field_errors[0].field, "checkoutSession.preserveBillingCycleAnchor");
    request.preserve_billing_cycle_anchor = Some(false);
    let input = checkout_input(&request, None).unwrap();
    assert_eq!((input.preserve_billing_cycle_anchor, input.target_subscription_id), (None, None));
}

#[test]
fn purchase_estimate_from_the_unit_catalog() {
    use super::checkout::purchase_estimate;
    let c = catalog();
    let day = |m, d| chrono::NaiveDate::from_ymd_opt(2025, m, d).unwrap();
    let request = crate::billing::CheckoutRequest {
        price_id: Some("price_once".into()),
        quantity: Some(2),
        start_date: Some(day(6, 30)),
        ..Default::default()
    };
    let e = purchase_estimate(&c, &request, day(1, 1)).unwrap();
    assert_eq!((e.current_invoice.total.to_string(), e.next_invoice), ("$998.00".into(), None), "one-time: 2 × $499");
    let usage = crate::billing::CheckoutRequest { price_id: Some("price_u".into()), ..request };
    assert!(purchase_estimate(&c, &usage, day(1, 1)).unwrap_err().message.contains("billed by usage"));
}

#[test]
fn invoice_totals_from_subtotal_and_tax_else_from_lines() {
    let doc = |extra: serde_json::Value| -> wire::InvoiceWithLines {
        let mut invoice = json!({"id": "inv_1", "invoiceNumber": "A-1", "invoiceDate": 1_751_328_000_000i64,
            "dueDate": 1_752_537_600_000i64, "status": "open", "currency": "JPY", "subscriptionId": "sub_1"});
        invoice.as_object_mut().unwrap().extend(extra.as_object().unwrap().clone());
        serde_json::from_value(json!({"invoice": invoice, "invoiceLineItems": [
            {"id": "l1", "price": 1200, "quantity": 3}, {"id": "l2", "price": 500, "quantity": 1}]}))
        .unwrap()
    };
    let from_lines = map::invoice(doc(json!({})), "cust").unwrap();
    assert_eq!(from_lines.total.unwrap().to_string(), "¥4,100", "3 × ¥1,200 + ¥500, JPY has no minor unit");
    assert_eq!(from_lines.issued_on, chrono::NaiveDate::from_ymd_opt(2025, 7, 1));
    assert_eq!(from_lines.due_on, chrono::NaiveDate::from_ymd_opt(2025, 7, 15));
    assert_eq!((from_lines.number.as_deref(), from_lines.customer_id.as_deref()), (Some("A-1"), Some("cust")));
    let with_tax = map::invoice(doc(json!({"subtotal": 4100, "taxAmount": 410})), "cust").unwrap();
    assert_eq!(with_tax.total.unwrap().to_string(), "¥4,510");
    let huge = doc(json!({"subtotal": i64::MAX, "taxAmount": 1}));
    assert_eq!(map::invoice(huge, "cust").unwrap_err().kind, ErrorKind::Decode);
    // An unknown currency marks the row (total unknown) instead of failing the list.
    let bad_currency = map::invoice(doc(json!({"currency": "XYZW"})), "cust").unwrap();
    assert_eq!(
        (bad_currency.id.as_str(), bad_currency.total, bad_currency.number.as_deref()),
        ("inv_1", None, Some("A-1"))
    );
    assert_eq!(bad_currency.issues[0].path, "currency");
    assert!(bad_currency.issues[0].message.contains("XYZW"), "{}", bad_currency.issues[0]);
    let rub = map::invoice(doc(json!({"currency": "RUB", "subtotal": 99000})), "cust").unwrap();
    assert_eq!(rub.total.unwrap().to_string(), "RUB 990.00");
}

/// One price in a currency till cannot keep money in leaves its plan listed with the other
/// prices and an issue naming it; codes the old table lacked (RUB, MOP) decode.
#[test]
fn plans_keep_their_rows_when_one_price_cannot_be_decoded() {
    let model: wire::PricingModelDetails = serde_json::from_value(json!({
        "id": "pm_1", "name": "Main",
        "products": [
            {"id": "prod_1", "name": "Pro", "slug": "pro", "active": true,
             "prices": [price("price_rub", "subscription", Some("month"), 99000, "RUB"),
                        price("price_bad", "subscription", Some("month"), 100, "XAU")]},
            {"id": "prod_2", "name": "Basic", "slug": "basic", "active": true,
             "prices": [price("price_mop", "subscription", Some("month"), 4900, "MOP")]}]
    }))
    .unwrap();
    let plans = Catalog::new(model, Vec::new()).plans().unwrap();
    assert_eq!(plans.len(), 2);
    assert_eq!(plans[0].prices.len(), 1);
    assert_eq!(plans[0].prices[0].amount.to_string(), "RUB 990.00");
    assert_eq!(plans[0].issues.len(), 1);
    assert_eq!(plans[0].issues[0].path, "prices[price_bad].currency");
    assert!(plans[0].issues[0].message.contains("no minor unit"), "{}", plans[0].issues[0]);
    assert_eq!((plans[1].prices[0].amount.to_string(), plans[1].issues.len()), ("MOP 49.00".into(), 0));
    let json = serde_json::to_value(&plans).unwrap();
    assert_eq!(json[0]["issues"][0]["path"], "prices[price_bad].currency");
    assert!(json[1].get("issues").is_none(), "no issues, no key: {}", json[1]);
}

/// Wider than u32, as the spec allows: counts decode, and narrowing names the field.
#[test]
fn counts_wider_than_u32_decode_and_fail_only_where_meaning_would_be_lost() {
    let mut p = price("price_w", "subscription", Some("week"), 100, "USD");
    p["intervalCount"] = json!(5_000_000_000_u64);
    p["trialPeriodDays"] = json!(4_294_967_296_u64);
    let p: wire::Price = serde_json::from_value(p).unwrap();
    let err = map::price(&p).unwrap_err();
    assert!(err.message.contains("intervalCount is 5000000000"), "{}", err.message);
    let page: wire::Page<wire::Customer> =
        serde_json::from_value(json!({"data": [], "hasMore": false, "total": 3.0})).unwrap();
    assert_eq!(page.total, 3);
    let err = serde_json::from_value::<wire::Page<wire::Customer>>(json!({"data": [], "total": 2.5})).unwrap_err();
    assert!(err.to_string().contains("whole number"), "{err}");
}

/// Item 7 of issue 15: a price whose interval or currency cannot be used names the field, not
/// only the value ("expected u32" alone left the reader guessing which one).
#[test]
fn interval_and_currency_errors_name_their_field() {
    let fields = |p: &serde_json::Value| {
        let p: wire::Price = serde_json::from_value(p.clone()).unwrap();
        let e = map::price(&p).unwrap_err();
        assert!(e.message.contains("price price_x"), "{}", e.message);
        e.field_errors.iter().map(|f| f.field.clone()).collect::<Vec<_>>()
    };
    let ok = price("price_x", "subscription", Some("month"), 100, "USD");
    let mut p = ok.clone();
    p["intervalUnit"] = json!("fortnight");
    assert_eq!(fields(&p), ["intervalUnit"]);
    p["intervalUnit"] = json!(null);
    assert_eq!(fields(&p), ["intervalUnit"]);
    let mut p = ok.clone();
    p["intervalCount"] = json!(u64::from(u32::MAX) + 1);
    assert_eq!(fields(&p), ["intervalCount"]);
    let mut p = ok.clone();
    p["currency"] = json!("XAU");
    assert_eq!(fields(&p), ["currency"]);
    let renewing = |interval: serde_json::Value| {
        let model: wire::PricingModelDetails = serde_json::from_value(json!({"id": "pm_1", "name": "Main",
            "products": [{"id": "prod_1", "name": "Pro", "slug": "pro", "active": true, "prices": [interval]}]}))
        .unwrap();
        Catalog::new(model, Vec::new()).plans().unwrap().remove(0).issues
    };
    let mut p = ok;
    p["intervalUnit"] = json!("fortnight");
    assert_eq!(renewing(p)[0].path, "prices[price_x].intervalUnit");
}

/// A JSON value for one field of a customer row: mostly what the spec allows there (`valid`),
/// sometimes anything (a number for a string, an object for a flag, a field left out).
fn field_value(valid: Vec<serde_json::Value>) -> impl proptest::strategy::Strategy<Value = Option<serde_json::Value>> {
    use proptest::prelude::*;
    let any = vec![json!(null), json!(7), json!(-1.5), json!(true), json!({"a": [1]}), json!("text")];
    prop_oneof![
        6 => proptest::sample::select(valid).prop_map(Some),
        1 => proptest::sample::select(any).prop_map(Some),
        1 => Just(None),
    ]
}

proptest::proptest! {
    #![proptest_config(proptest::prelude::ProptestConfig::with_cases(1024))]
    /// A customers row read in place must list what the owned read lists: the same customer
    /// from a row both accept, and a refusal from a row either refuses (it is then listed
    /// marked with the field that broke).
    #[test]
    fn a_row_read_in_place_is_the_row_read_owned(
        strings in proptest::collection::vec(
            field_value(vec![json!("cus_1"), json!(""), json!("Zolt\u{e1}n \"q\" \\ \u{1b}]0;x\u{7}"), json!("gen_7_1")]),
            4,
        ),
        optional in proptest::collection::vec(field_value(vec![json!(null), json!("example.com"), json!("a\"b")]), 5),
        times in proptest::collection::vec(field_value(vec![json!(1_718_793_760_640_i64), json!(0), json!(-5)]), 2),
        flags in proptest::collection::vec(field_value(vec![json!(false), json!(true)]), 2),
        address in field_value(vec![json!(null), json!({"address": {"line1": "x"}})]),
    ) {
        let names = [
            "id", "email", "name", "externalId", "invoiceNumberBase", "logoURL", "iconURL", "domain", "userId",
            "createdAt", "updatedAt", "livemode", "archived", "billingAddress",
        ];
        let values = strings.into_iter().chain(optional).chain(times).chain(flags).chain([address]);
        let mut row: serde_json::Map<String, serde_json::Value> =
            names.iter().zip(values).filter_map(|(k, v)| v.map(|v| (k.to_string(), v))).collect();
        row.insert("organizationId".into(), json!("org_1"));
        row.insert("pricingModelId".into(), json!("pm_1"));
        let text = serde_json::Value::Object(row).to_string();
        let in_place = serde_json::from_str::<wire::ListedCustomer>(&text).map(map::listed_customer);
        let owned = serde_json::from_str::<wire::Customer>(&text).map(map::customer);
        proptest::prop_assert_eq!(in_place.ok(), owned.ok(), "{}", text);
    }
}
