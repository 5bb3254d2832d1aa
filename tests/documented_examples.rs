//! KuvarPay and Zenskar publish no OpenAPI spec, so their documented examples are the check:
//! every example response shown in shared/providers/ is a fixture in tests/fixtures/<provider>/
//! (each naming the section it came from), decoded here through the client's own decoding
//! path (`ApiResponse::json` or KuvarPay's envelope, then the `map` functions; error bodies
//! through `ProviderError::from_response`).

#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a panic is the failure report

use std::path::Path;

use bytes::Bytes;
use reqwest::header::HeaderMap;
use serde_json::Value;
use till::billing::ProviderKind;
use till::providers::http::ApiResponse;
use till::providers::{ProviderError, kuvarpay, zenskar};

/// The fixture's response, as the HTTP layer hands it to a client.
fn fixture(provider: ProviderKind, dir: &str, name: &str) -> ApiResponse {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures").join(dir).join(name);
    let value: Value = serde_json::from_slice(&std::fs::read(&path).unwrap()).unwrap();
    assert!(value["source"].as_str().is_some_and(|s| s.contains("shared/providers/")), "{name} names its section");
    ApiResponse {
        provider,
        status: u16::try_from(value["status"].as_u64().unwrap()).unwrap(),
        headers: HeaderMap::new(),
        body: Bytes::from(serde_json::to_vec(&value["body"]).unwrap()),
        request_id: None,
    }
}

fn fixtures(dir: &str) -> Vec<String> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures").join(dir);
    let mut names: Vec<String> =
        std::fs::read_dir(root).unwrap().map(|e| e.unwrap().file_name().to_string_lossy().into_owned()).collect();
    names.sort();
    names
}

fn kuvarpay(name: &str) -> ApiResponse {
    fixture(ProviderKind::KuvarPay, "kuvarpay", name)
}

fn zenskar(name: &str) -> ApiResponse {
    fixture(ProviderKind::Zenskar, "zenskar", name)
}

#[test]
fn every_fixture_is_decoded_below() {
    let decoded = [
        "kuvarpay/checkout_session_created.json",
        "kuvarpay/checkout_session_created_guide.json",
        "kuvarpay/renew_subscription.json",
        "kuvarpay/subscription_invoice.json",
        "zenskar/checkout_confirm.json",
        "zenskar/checkout_preview.json",
        "zenskar/checkout_session.json",
        "zenskar/customer_get.json",
        "zenskar/customers_list.json",
        "zenskar/gateway_forbidden.json",
        "zenskar/validation_error.json",
    ];
    let present: Vec<String> = ["kuvarpay", "zenskar"]
        .iter()
        .flat_map(|dir| fixtures(dir).into_iter().map(move |name| format!("{dir}/{name}")))
        .collect();
    assert_eq!(present, decoded, "a fixture without a decoding test below, or the reverse");
}

#[test]
fn kuvarpay_checkout_session_examples_decode_in_both_spellings() {
    use kuvarpay::wire::CreateCheckoutSessionResponse;
    for name in ["checkout_session_created.json", "checkout_session_created_guide.json", "renew_subscription.json"] {
        let created: CreateCheckoutSessionResponse = kuvarpay::envelope::data(&kuvarpay(name)).unwrap();
        assert!(created.checkout_session.uid.starts_with("scs_"), "{name}");
        assert!(
            created
                .checkout_session
                .approval_url
                .as_deref()
                .is_some_and(|u| u.starts_with("https://pay.kuvarpay.com/")),
            "{name}"
        );
    }
}

#[test]
fn kuvarpay_subscription_invoice_example_maps() {
    let raw: kuvarpay::wire::SubscriptionInvoice =
        kuvarpay::envelope::data(&kuvarpay("subscription_invoice.json")).unwrap();
    let invoice = kuvarpay::map::invoice(raw).unwrap();
    assert_eq!(invoice.amount.to_string(), "₦100.00");
}

#[test]
fn zenskar_examples_decode() {
    let page: zenskar::wire::Page<zenskar::wire::Customer> = zenskar("customers_list.json").json().unwrap();
    let customers: Vec<_> = page.results.into_iter().map(zenskar::map::customer).collect();
    assert_eq!(customers.len(), 1);
    assert_eq!(customers[0].name.as_deref(), Some("Acme Ltd"));

    let preview: zenskar::wire::PreviewResponse = zenskar("checkout_preview.json").json().unwrap();
    let estimate = zenskar::map::estimate(&preview.estimates, None).unwrap().unwrap();
    assert!(format!("{estimate:?}").contains("1000"), "{estimate:?}");

    let confirmed: zenskar::wire::ConfirmResponse = zenskar("checkout_confirm.json").json().unwrap();
    assert_eq!(confirmed.checkout_status, "contract_created");

    let session: zenskar::wire::Checkout = zenskar("checkout_session.json").json().unwrap();
    assert_eq!(session.contract.as_ref().and_then(|c| c.name.as_deref()), Some("Growth"));
    let mapped = zenskar::map::checkout(session).unwrap();
    assert!(mapped.estimate.is_some());
}

/// The docs' `GET /customers/{id}` example uses keys its own schema does not have (`phone`,
/// `billing_address{street, postal_code}`). The schema is trusted: the example still decodes,
/// its identity, name, email and creation date are read, and the off-schema keys are not
/// mistaken for the schema's `phone_number` or `address`.
#[test]
fn zenskar_customer_example_decodes_by_its_schema_despite_its_own_keys() {
    let raw: zenskar::wire::Customer = zenskar("customer_get.json").json().unwrap();
    assert_eq!((raw.phone_number.as_deref(), raw.address.is_none()), (None, true), "{raw:?}");
    let customer = zenskar::map::customer(raw);
    assert_eq!(customer.id, "0b6f3c2e-8d1a-4e57-9f0c-2a7b5e9d4c13");
    assert_eq!(customer.alt_id.as_deref(), Some("acme-2"));
    assert_eq!(
        (customer.name.as_deref(), customer.email.as_deref()),
        (Some("Acme GmbH"), Some("billing@acme-gmbh.example"))
    );
    assert_eq!(customer.created_at.map(|d| d.to_rfc3339()).as_deref(), Some("2024-03-01T09:30:00+00:00"));
    assert!(customer.issues.is_empty());
}

#[test]
fn zenskar_error_examples_decode_through_the_wire_types() {
    let resp = zenskar("validation_error.json");
    let e = ProviderError::from_response(ProviderKind::Zenskar, resp.status, &resp.body, None);
    assert_eq!(e.field_errors.len(), 1);
    assert_eq!((e.field_errors[0].field.as_str(), e.message.as_str()), ("field_name", "field_name: field required"));
    let resp = zenskar("gateway_forbidden.json");
    let e = ProviderError::from_response(ProviderKind::Zenskar, resp.status, &resp.body, None);
    assert!(e.is_auth());
    assert_eq!(e.message, "User is not authorized to access this resource with an explicit deny");
}
