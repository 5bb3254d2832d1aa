//! Tests of the OpenAPI test-support validator (`tests/support/openapi.rs`), against
//! small inline specs and against the providers' real specs.

#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a panic is the failure report

mod support;

use serde_json::{Value, json};
use support::openapi::{OpenApiVersion, SPEC_ERROR_PREFIX, Spec, assert_error, assert_ok};

// ---------------------------------------------------------------------------
// Helpers
// ---------------------------------------------------------------------------

fn kelviq() -> Option<&'static Spec> {
    Spec::shared("kelviq")
}

fn flowglad() -> Option<&'static Spec> {
    Spec::shared("flowglad")
}

/// Every JSON media-type example (`example` and `examples.*.value`) of every request
/// body or response in `spec`, as (label, method, path template, status, example).
/// `status` is `None` for request bodies.
fn media_examples(spec: &Spec) -> Vec<(String, String, String, Option<u16>, Value)> {
    let mut found = Vec::new();
    for (method, template) in spec.operations() {
        let operation = &spec.document()["paths"][&template][method.to_ascii_lowercase()];
        let mut targets: Vec<(Option<u16>, &Value)> = Vec::new();
        if let Some(body) = operation.get("requestBody") {
            targets.push((None, body));
        }
        for (status, response) in operation["responses"].as_object().into_iter().flatten() {
            let status: u16 =
                status.parse().unwrap_or_else(|_| panic!("non-numeric status {status} in {method} {template}"));
            targets.push((Some(status), response));
        }
        for (status, target) in targets {
            let Some(media) = target.pointer("/content/application~1json") else {
                continue;
            };
            if media.get("schema").is_none() {
                continue;
            }
            let what = status.map_or("request".to_owned(), |s| s.to_string());
            if let Some(example) = media.get("example") {
                found.push((
                    format!("{method} {template} {what} example"),
                    method.clone(),
                    template.clone(),
                    status,
                    example.clone(),
                ));
            }
            for (name, example) in media.get("examples").and_then(Value::as_object).into_iter().flatten() {
                let Some(value) = example.get("value") else {
                    continue;
                };
                found.push((
                    format!("{method} {template} {what} examples.{name}"),
                    method.clone(),
                    template.clone(),
                    status,
                    value.clone(),
                ));
            }
        }
    }
    found
}

// ---------------------------------------------------------------------------
// Inline OpenAPI 3.0 spec: conversion rules, status lookup, path matching, cache
// ---------------------------------------------------------------------------

fn kelviq_customer_list_example(spec: &Spec) -> Value {
    spec.document()
        .pointer("/paths/~1customers~1/get/responses/200/content/application~1json/example")
        .expect("GET /customers/ 200 has an example")
        .clone()
}

#[test]
fn kelviq_loads_as_3_0_and_every_schema_compiles() {
    let Some(spec) = kelviq() else { return };
    assert_eq!(spec.version(), OpenApiVersion::V3_0);
    assert_eq!(spec.operations().len(), 64);
    let compiled = spec.compile_all().unwrap_or_else(|errors| panic!("{errors:#?}"));
    assert!(compiled >= 90, "only {compiled} validators compiled");
}

#[test]
fn kelviq_customer_list_example_validates() {
    let Some(spec) = kelviq() else { return };
    let example = kelviq_customer_list_example(spec);
    assert_eq!(example["count"], json!(1));
    assert_ok(spec.validate_response("GET", "/customers/", 200, &example));
    spec.assert_response("GET", "/customers/?page=1", 200, &example);
}

#[test]
fn kelviq_customer_list_wrong_count_type_fails() {
    let Some(spec) = kelviq() else { return };
    let mut example = kelviq_customer_list_example(spec);
    example["count"] = json!("1");
    assert_error(
        spec.validate_response("GET", "/customers/", 200, &example),
        "/count",
        &["\"1\" is not of type \"integer\""],
    );
}

#[test]
fn kelviq_errors_point_into_nested_items() {
    let Some(spec) = kelviq() else { return };
    let mut example = kelviq_customer_list_example(spec);
    example["results"][0]["customerId"] = json!(261);
    example["results"][0]["billingAddress"]["line1"] = json!(false);
    let errors = spec.validate_response("GET", "/customers/", 200, &example).unwrap_err();
    assert!(errors.contains(&"/results/0/customerId: 261 is not of type \"string\"".to_owned()), "{errors:#?}");
    assert!(
        errors.contains(&"/results/0/billingAddress/line1: false is not of type \"string\"".to_owned()),
        "{errors:#?}"
    );
}

#[test]
fn kelviq_nullable_fields_accept_null() {
    let Some(spec) = kelviq() else { return };
    let customer = json!({
        "id": "a1b2c3d4-e5f6-7890-1234-567890abcdef",
        "customerId": "cust-1",
        "name": null,
        "email": null,
        "details": {},
        "metadata": null,
        // BillingAddress is `nullable: true` on the referenced schema itself.
        "billingAddress": null,
        "createdOn": "2025-06-04T06:03:30.195790Z",
        "modifiedOn": "2025-06-04T06:03:30.195831Z"
    });
    assert_ok(spec.validate_response("PATCH", "/customers/cust-1/", 200, &customer));
    assert_ok(spec.validate_response("POST", "/customers/", 201, &customer));
    // `createdOn` says `nullable: false`.
    let mut bad = customer.clone();
    bad["createdOn"] = Value::Null;
    assert_error(
        spec.validate_response("POST", "/customers/", 201, &bad),
        "/createdOn",
        &["null is not of type \"string\""],
    );
}

fn kelviq_checkout_detail() -> Value {
    json!({
        "id": "cs_a1B2c3D4e5F6",
        "customer": { "customerId": "cust-1", "name": null, "email": "jane@example.com" },
        "billingAddress": null,
        "discountCode": null,
        "taxId": null,
        "currency": "usd",
        "currencySymbol": "$",
        "status": "open",
        "createdOn": "2026-07-29T10:30:00Z",
        "selectedData": {},
        "offeringData": {},
        "data": {},
        "customFieldsData": {},
        "metadata": {},
        "customization": {},
        "trialPeriod": 0,
        "order": null,
        "subscription": null,
        "paymentMethod": null
    })
}

#[test]
fn kelviq_checkout_detail_with_null_order_validates() {
    let Some(spec) = kelviq() else { return };
    let path = "/checkout/sessions/cs_a1B2c3D4e5F6/";
    assert_eq!(spec.path_template("GET", path), Some("/checkout/sessions/{session_id}/"));
    let body = kelviq_checkout_detail();
    assert_ok(spec.validate_response("GET", path, 200, &body));

    // A non-null order is validated against CheckoutSessionOrder; the report points
    // at the field, not at the nullable wrapper.
    let mut bad = body.clone();
    bad["order"] = json!({
        "id": "ORD-1",
        "status": "COMPLETE",
        "amountTotal": 261,
        "billingType": null,
        "isTrial": false
    });
    assert_error(
        spec.validate_response("GET", path, 200, &bad),
        "/order/amountTotal",
        &["261 is not of types \"null\", \"string\""],
    );
    bad["order"]["amountTotal"] = json!("261.00");
    assert_ok(spec.validate_response("GET", path, 200, &bad));
    bad["order"]["status"] = json!("DONE");
    assert_error(spec.validate_response("GET", path, 200, &bad), "/order/status", &["\"DONE\""]);
}

#[test]
fn kelviq_checkout_request_missing_success_url_fails() {
    let Some(spec) = kelviq() else { return };
    let ok = json!({
        "planIdentifier": "plan-pro-monthly",
        "successUrl": "https://example.com/ok",
        "chargePeriod": "MONTHLY",
        "customerId": null,
        "taxBehavior": null,
        "cancelUrl": "not validated as a url"
    });
    assert_ok(spec.validate_request("POST", "/checkout/", &ok));
    spec.assert_request("POST", "/checkout/", &ok);
    let mut bad = ok.clone();
    bad.as_object_mut().unwrap().remove("successUrl");
    assert_error(
        spec.validate_request("POST", "/checkout/", &bad),
        "(root)",
        &["\"successUrl\" is a required property"],
    );
    let mut bad = ok;
    bad["chargePeriod"] = json!("FORTNIGHTLY");
    assert_error(spec.validate_request("POST", "/checkout/", &bad), "/chargePeriod", &["FORTNIGHTLY"]);
}

#[test]
fn kelviq_refund_amount_exclusive_minimum() {
    let Some(spec) = kelviq() else { return };
    let schema = &spec.document()["components"]["schemas"]["RefundCreateRequest"]["properties"]["amount"];
    assert_eq!(schema["exclusiveMinimum"], json!(true), "spec changed: {schema}");
    let err = spec.validate_schema("RefundCreateRequest", &json!({ "orderId": "ORD-1", "amount": 0 }));
    assert_error(err, "/amount", &["0"]);
}

#[test]
fn kelviq_path_matching() {
    let Some(spec) = kelviq() else { return };
    assert_eq!(spec.path_template("POST", "/subscriptions/create/"), Some("/subscriptions/create/"));
    assert_eq!(spec.operation_id("POST", "/subscriptions/create/"), Some("createSubscription"));
    assert_eq!(spec.path_template("GET", "/subscriptions/sub_123/"), Some("/subscriptions/{subscriptionId}/"));
    assert_eq!(spec.operation_id("GET", "/subscriptions/sub_123/"), Some("retrieveSubscription"));
    assert_eq!(
        spec.path_template("POST", "/subscriptions/sub_123/cancel/"),
        Some("/subscriptions/{subscriptionId}/cancel/")
    );
    assert!(spec.has_operation("PATCH", "/customers/abc/"));
    assert_eq!(spec.operation_id("PATCH", "/customers/abc/"), Some("updateCustomer"));
    assert!(spec.has_operation("GET", "/customers/?page=2"));
    assert_eq!(spec.operation_id("GET", "/customers/?page=2"), Some("listCustomers"));
    assert!(spec.has_operation("GET", "/entitlements/?customer_id=c"));
    // Trailing slashes are part of Kelviq's paths.
    assert!(!spec.has_operation("GET", "/customers"));
    // Unknown path / method.
    assert!(!spec.has_operation("GET", "/nope/"));
    assert!(!spec.has_operation("DELETE", "/customers/abc/"));
    let errors = spec.validate_response("GET", "/nope/", 200, &json!({})).unwrap_err();
    assert!(errors[0].contains("no path in the spec matches"), "{errors:?}");
    let errors = spec.validate_request("GET", "/nope/", &Value::Null).unwrap_err();
    assert!(errors[0].contains("no path in the spec matches"), "{errors:?}");
}

#[test]
fn kelviq_undeclared_status_and_schemaless_responses() {
    let Some(spec) = kelviq() else { return };
    // 401 is declared without content for GET /orders/: any body is fine.
    assert_ok(spec.validate_response("GET", "/orders/", 401, &json!({ "detail": 1 })));
    // GET /customers/ declares only 200.
    assert!(spec.is_undeclared_status("GET", "/customers/", 401));
    // 503 is not declared for GET /customers/.
    assert!(spec.is_undeclared_status("GET", "/customers/", 503));
    let errors = spec.validate_response("GET", "/customers/", 503, &json!({})).unwrap_err();
    assert!(errors[0].contains("status 503 is not declared"), "{errors:?}");
}

/// Spec examples that do not validate against their own schema. Keep empty unless
/// the provider's spec is wrong; never weaken the validator to make one pass.
const KELVIQ_BROKEN_RESPONSE_EXAMPLES: &[&str] = &[
    // The FLAG entitlement in this example has `"resetAt": null`, but
    // EntitlementDetail.resetAt is `type: string` without `nullable: true`. The example
    // probably reflects what the server really sends; the schema is what is wrong.
    "GET /entitlements/ 200 examples.allFeaturesExample",
];
const KELVIQ_BROKEN_REQUEST_EXAMPLES: &[&str] = &[];

fn check_examples(spec: &Spec, responses: bool, known_broken: &[&str]) -> usize {
    let mut failures = Vec::new();
    let mut checked = 0;
    for (label, method, template, status, example) in media_examples(spec) {
        if status.is_some() != responses {
            continue;
        }
        checked += 1;
        let result = match status {
            Some(status) => spec.validate_response(&method, &template, status, &example),
            None => spec.validate_request(&method, &template, &example),
        };
        if let Err(errors) = result {
            failures.push((label, errors));
        }
    }
    let failed: Vec<&str> = failures.iter().map(|(label, _)| label.as_str()).collect();
    assert_eq!(failed, known_broken, "spec examples failing validation differ from the known list: {failures:#?}");
    checked
}

#[test]
fn kelviq_every_response_example_validates() {
    let Some(spec) = kelviq() else { return };
    let checked = check_examples(spec, true, KELVIQ_BROKEN_RESPONSE_EXAMPLES);
    // 35 in the snapshot of 2026-08-05; allow the provider to drop a few.
    assert!(checked >= 30, "only {checked} response examples found");
}

#[test]
fn kelviq_every_request_example_validates() {
    let Some(spec) = kelviq() else { return };
    let checked = check_examples(spec, false, KELVIQ_BROKEN_REQUEST_EXAMPLES);
    // 6 in the snapshot of 2026-08-05.
    assert!(checked >= 5, "only {checked} request examples found");
}

// ---------------------------------------------------------------------------
// Flowglad (OpenAPI 3.1.0)
// ---------------------------------------------------------------------------

fn flowglad_customer() -> Value {
    json!({
        "customer": {
            "id": "cust_1",
            "createdAt": 1_700_000_000_000_i64,
            "updatedAt": 1_700_000_000_000_i64,
            "livemode": false,
            "organizationId": "org_1",
            "email": "jane@example.com",
            "name": "Jane",
            "invoiceNumberBase": null,
            "archived": false,
            "logoURL": null,
            "iconURL": null,
            "domain": null,
            "billingAddress": null,
            "externalId": "ext-1",
            "userId": null,
            "pricingModelId": "pm_1"
        }
    })
}

#[test]
fn flowglad_loads_as_3_1_and_every_schema_compiles() {
    let Some(spec) = flowglad() else { return };
    assert_eq!(spec.version(), OpenApiVersion::V3_1);
    assert_eq!(spec.operations().len(), 82);
    let compiled = spec.compile_all().unwrap_or_else(|errors| panic!("{errors:#?}"));
    assert!(compiled >= 400, "only {compiled} validators compiled");
}

#[test]
fn flowglad_get_customer_validates() {
    let Some(spec) = flowglad() else { return };
    let path = "/api/v1/customers/ext-1";
    assert_eq!(spec.path_template("GET", path), Some("/api/v1/customers/{externalId}"));
    let body = flowglad_customer();
    assert_ok(spec.validate_response("GET", path, 200, &body));

    let mut with_address = body.clone();
    with_address["customer"]["billingAddress"] = json!({
        "address": { "country": "US", "line1": "1 Main St", "postal_code": null }
    });
    assert_ok(spec.validate_response("GET", path, 200, &with_address));
}

#[test]
fn flowglad_get_customer_wrong_types_fail() {
    let Some(spec) = flowglad() else { return };
    let path = "/api/v1/customers/ext-1";

    let mut bad = flowglad_customer();
    bad["customer"]["createdAt"] = json!("2024-01-01");
    assert_error(
        spec.validate_response("GET", path, 200, &bad),
        "/customer/createdAt",
        &["\"2024-01-01\" is not of type \"integer\""],
    );

    let mut bad = flowglad_customer();
    bad["customer"]["livemode"] = Value::Null;
    assert_error(spec.validate_response("GET", path, 200, &bad), "/customer/livemode", &["boolean"]);

    // `anyOf [string, null]`: the null branch is dropped from the report.
    let mut bad = flowglad_customer();
    bad["customer"]["domain"] = json!(5);
    assert_error(spec.validate_response("GET", path, 200, &bad), "/customer/domain", &["5 is not of type \"string\""]);

    let mut bad = flowglad_customer();
    bad["customer"]["billingAddress"] = json!({ "address": { "line1": "x" } });
    assert_error(
        spec.validate_response("GET", path, 200, &bad),
        "/customer/billingAddress/address",
        &["\"country\" is a required property"],
    );

    // additionalProperties: false
    let mut bad = flowglad_customer();
    bad["customer"]["surprise"] = json!(1);
    assert_error(spec.validate_response("GET", path, 200, &bad), "/customer", &["surprise"]);

    let mut bad = flowglad_customer();
    bad["customer"].as_object_mut().unwrap().remove("externalId");
    assert_error(
        spec.validate_response("GET", path, 200, &bad),
        "/customer",
        &["\"externalId\" is a required property"],
    );
}

#[test]
fn flowglad_error_responses() {
    let Some(spec) = flowglad() else { return };
    let path = "/api/v1/customers/ext-1";
    assert_ok(spec.validate_response(
        "GET",
        path,
        404,
        &json!({ "code": "NOT_FOUND", "message": "Not found", "issues": [] }),
    ));
    // The spec's error shape is `{message, code, issues?}` (see shared/specs/flowglad/SOURCES.md
    // for how the real server differs).
    assert_error(
        spec.validate_response("GET", path, 404, &json!({ "error": "nope" })),
        "(root)",
        &["\"message\" is a required property"],
    );
}

#[test]
fn flowglad_path_matching() {
    let Some(spec) = flowglad() else { return };
    assert_eq!(spec.path_template("GET", "/api/v1/pricing-models/default"), Some("/api/v1/pricing-models/default"));
    assert_eq!(spec.path_template("GET", "/api/v1/pricing-models/pm_1"), Some("/api/v1/pricing-models/{id}"));
    // Literal path wins; it only declares GET.
    assert!(!spec.has_operation("PUT", "/api/v1/pricing-models/default"));
    assert_eq!(spec.path_template("POST", "/api/v1/usage-events/bulk"), Some("/api/v1/usage-events/bulk"));
    assert!(spec.has_operation("GET", "/api/v1/customers?limit=10"));
    // Flowglad paths have no trailing slash.
    assert!(!spec.has_operation("GET", "/api/v1/customers/"));
    assert!(!spec.has_operation("GET", "/customers/ext-1"));
}

#[test]
fn flowglad_request_validation() {
    let Some(spec) = flowglad() else { return };
    let errors =
        spec.validate_request("POST", "/api/v1/customers", &json!({ "customer": { "email": 1 } })).unwrap_err();
    assert!(errors.iter().any(|e| e.starts_with("/customer")), "{errors:#?}");
    assert!(errors.iter().all(|e| !e.starts_with(SPEC_ERROR_PREFIX)), "{errors:#?}");
}

#[test]
fn flowglad_every_media_example_validates() {
    let Some(spec) = flowglad() else { return };
    // Flowglad puts its examples on schemas, not on media types; nothing to check
    // beyond the fact that the walk works.
    let examples = media_examples(spec);
    for (label, method, template, status, example) in examples {
        let result = match status {
            Some(status) => spec.validate_response(&method, &template, status, &example),
            None => spec.validate_request(&method, &template, &example),
        };
        assert_ok(result.map_err(|errors| {
            let mut errors = errors;
            errors.insert(0, label);
            errors
        }));
    }
}
