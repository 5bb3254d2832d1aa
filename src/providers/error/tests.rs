//! The error decoder's shapes, per provider and tolerant, and what an error shows.

use super::*;

fn decode(s: &str) -> DecodedErrorBody {
    decode_error_body(s.as_bytes())
}

#[test]
fn kelviq_detail_shape() {
    let d = decode(r#"{"detail":"Subscription not found."}"#);
    assert_eq!(d.message.as_deref(), Some("Subscription not found."));
}

#[test]
fn kelviq_status_message_shape() {
    let d = decode(r#"{"status":"Not found","message":"Product does not exist"}"#);
    assert_eq!(d.message.as_deref(), Some("Product does not exist"));
}

#[test]
fn kelviq_field_arrays_shape() {
    let d = decode(r#"{"customerId":["Invalid customer id"],"email":["Enter a valid email address.","Too long."]}"#);
    assert_eq!(d.fields.len(), 3);
    assert_eq!(d.fields[0], FieldError { field: "customerId".into(), message: "Invalid customer id".into() });
    assert!(d.message.unwrap().contains("email: Enter a valid email address."));
}

#[test]
fn kelviq_error_shape_string_and_object() {
    assert_eq!(decode(r#"{"error":"Order already refunded"}"#).message.as_deref(), Some("Order already refunded"));
    let d = decode(r#"{"error":{"message":"Nope","code":"E1"}}"#);
    assert_eq!(d.message.as_deref(), Some("Nope"));
    assert_eq!(d.code.as_deref(), Some("E1"));
}

#[test]
fn plain_text_and_empty_bodies() {
    assert_eq!(decode("Unauthorized").message.as_deref(), Some("Unauthorized"));
    assert_eq!(
        decode("<html><body>502 Bad Gateway</body></html>").message.as_deref(),
        Some("<html><body>502 Bad Gateway</body></html>")
    );
    assert_eq!(decode("").message, None);
    assert_eq!(decode_error_body(&[0xff, 0xfe, b'x']).message.as_deref(), Some("\u{fffd}\u{fffd}x"));
    let long = "x".repeat(1000);
    assert!(decode(&long).message.unwrap().chars().count() <= 301);
}

#[test]
fn flowglad_and_zenskar_shapes() {
    let d = decode(r#"{"error":"Customer not found","code":"NOT_FOUND","request_id":"req_1"}"#);
    assert_eq!(d.message.as_deref(), Some("Customer not found"));
    assert_eq!(d.code.as_deref(), Some("NOT_FOUND"));
    assert_eq!(d.request_id.as_deref(), Some("req_1"));
    let z =
        decode(r#"{"detail":[{"loc":["body","success_url"],"msg":"field required","type":"value_error.missing"}]}"#);
    assert_eq!(z.fields[0].field, "success_url");
    assert_eq!(z.message.as_deref(), Some("success_url: field required"));
    let zod = decode(
        r#"{"error":[{"code":"invalid_type","expected":"string","path":["customer","email"],"message":"Required"}],"code":"BAD_REQUEST","request_id":"ab12cd34"}"#,
    );
    assert_eq!(zod.fields, vec![FieldError { field: "customer.email".into(), message: "Required".into() }]);
    assert_eq!(zod.code.as_deref(), Some("BAD_REQUEST"));
    let gw = decode(r#"{"Message":"User is not authorized to access this resource with an explicit deny"}"#);
    assert!(gw.message.unwrap().starts_with("User is not authorized"));
}

#[test]
fn kuvarpay_message_with_field_details() {
    let d = decode(
        r#"{"success":false,"error":"Validation failed","code":"VALIDATION_ERROR","details":[{"field":"priceUid","message":"priceUid is required"},{"field":"customer.email","message":"must be a valid e-mail address"}]}"#,
    );
    assert_eq!(d.message.as_deref(), Some("Validation failed"));
    assert_eq!(d.code.as_deref(), Some("VALIDATION_ERROR"));
    let fields: Vec<_> = d.fields.iter().map(|f| f.field.as_str()).collect();
    assert_eq!(fields, ["priceUid", "customer.email"]);
    let plain = decode(r#"{"success":false,"error":"Subscription not found","code":"NOT_FOUND"}"#);
    assert_eq!((plain.message.as_deref(), plain.fields.len()), (Some("Subscription not found"), 0));
}

#[test]
fn odd_json_never_panics() {
    for body in
        ["null", "42", "[]", "[1,2]", r#"{"detail":null}"#, r#"{"detail":{}}"#, r#"{"a":{"b":1}}"#, "\"just a string\""]
    {
        let d = decode(body);
        assert!(d.message.is_some() || body == "null" || body == "[]", "{body}");
    }
}

#[test]
fn display_names_provider_status_and_request_id() {
    let e = ProviderError::from_response(
        ProviderKind::Kelviq,
        404,
        br#"{"detail":"Subscription not found."}"#,
        Some("req-9".into()),
    );
    assert_eq!(e.to_string(), "Kelviq 404: Subscription not found. (request id req-9)");
    let e = ProviderError::from_response(ProviderKind::Kelviq, 401, b"", None);
    assert!(e.to_string().contains("API key"));
    assert!(e.is_auth());
}

/// Each provider's error shapes, written by the sandbox through the wire types, are read
/// back through the same types.
#[test]
fn typed_error_shapes_round_trip_through_the_wire_types() {
    use crate::providers::{flowglad, kelviq, kuvarpay, zenskar};
    let read = |p, v: &dyn erased::Ser| decode_error_body_of(p, &v.bytes());
    let d = read(ProviderKind::Kelviq, &kelviq::wire::DetailError { detail: "Invalid page.".into() });
    assert_eq!(d.message.as_deref(), Some("Invalid page."));
    let fields: kelviq::wire::FieldErrors = [("email".to_string(), vec!["Enter a valid email address.".into()])].into();
    let d = read(ProviderKind::Kelviq, &fields);
    assert_eq!(d.fields, vec![FieldError { field: "email".into(), message: "Enter a valid email address.".into() }]);
    let issue = zenskar::wire::ValidationIssue {
        loc: vec![
            zenskar::wire::LocPart::Name("body".into()),
            zenskar::wire::LocPart::Name("phases".into()),
            zenskar::wire::LocPart::Index(0),
        ],
        msg: "field required".into(),
        kind: "value_error.missing".into(),
    };
    let d = read(ProviderKind::Zenskar, &zenskar::wire::ValidationError { detail: vec![issue] });
    assert_eq!(d.message.as_deref(), Some("phases.0: field required"));
    let d = read(ProviderKind::Zenskar, &zenskar::wire::GatewayError { message: "explicit deny".into() });
    assert_eq!(d.message.as_deref(), Some("explicit deny"));
    let body = kuvarpay::wire::ErrorBody {
        success: false,
        error: "Validation failed".into(),
        code: Some("VALIDATION_ERROR".into()),
        details: vec![kuvarpay::wire::FieldDetail { field: "priceUid".into(), message: "required".into() }],
    };
    let d = read(ProviderKind::KuvarPay, &body);
    assert_eq!(
        (d.message.as_deref(), d.code.as_deref(), d.fields.len()),
        (Some("Validation failed"), Some("VALIDATION_ERROR"), 1)
    );
    let zod = flowglad::wire::ZodIssue {
        code: "invalid_type".into(),
        path: vec![flowglad::wire::PathPart::Key("customer".into()), flowglad::wire::PathPart::Key("email".into())],
        message: "Required".into(),
        ..Default::default()
    };
    let body = flowglad::wire::ErrorBody {
        error: flowglad::wire::ErrorMessage::Issues(vec![zod]),
        code: Some("BAD_REQUEST".into()),
        request_id: Some("ab12cd34".into()),
    };
    let d = read(ProviderKind::Flowglad, &body);
    assert_eq!(d.fields, vec![FieldError { field: "customer.email".into(), message: "Required".into() }]);
    assert_eq!((d.code.as_deref(), d.request_id.as_deref()), (Some("BAD_REQUEST"), Some("ab12cd34")));
}

/// Flowglad's handler sends paging errors as the ZodError's message: the issues as pretty
/// JSON text. The tolerant decoder showed that text whole; the typed one names the field.
#[test]
fn flowglad_issues_sent_as_text_name_their_field() {
    let body = r#"{"error":"[\n  {\n    \"origin\": \"number\",\n    \"code\": \"too_big\",\n    \"maximum\": 100,\n    \"inclusive\": true,\n    \"path\": [\n      \"limit\"\n    ],\n    \"message\": \"Too big: expected number to be <=100\"\n  }\n]","request_id":"r1"}"#;
    let e = ProviderError::from_response(ProviderKind::Flowglad, 400, body.as_bytes(), None);
    assert_eq!(
        e.field_errors,
        vec![FieldError { field: "limit".into(), message: "Too big: expected number to be <=100".into() }]
    );
    assert_eq!(e.message, "limit: Too big: expected number to be <=100");
    assert_eq!(e.request_id.as_deref(), Some("r1"));
    // A shape no wire type knows still decodes, through the tolerant path.
    let e = ProviderError::from_response(ProviderKind::Flowglad, 502, b"<html>Bad Gateway</html>", None);
    assert_eq!(e.message, "<html>Bad Gateway</html>");
}

/// A provider that echoes what it was asked for (Flowglad's 404 names the id) sent a line
/// break in the message, and the error printed as two lines. Every part of the error is
/// one line, for every provider's shapes, the break shown as its stand-in.
#[test]
fn provider_text_with_line_breaks_becomes_one_line() {
    let bodies: [(ProviderKind, &[u8]); 5] = [
        (ProviderKind::Flowglad, br#"{"error":"Customer not found: a\nb","code":"NOT\nFOUND","request_id":"r\n1"}"#),
        (ProviderKind::Kelviq, br#"{"detail":"No customer a\r\nb."}"#),
        (ProviderKind::KuvarPay, br#"{"success":false,"error":"a\nb","details":[{"field":"x\ny","message":"m\nn"}]}"#),
        (ProviderKind::Zenskar, br#"{"detail":[{"loc":["body","a\nb"],"msg":"bad\nvalue","type":"t"}]}"#),
        (ProviderKind::Flowglad, b"Not\nFound\n<html>\n</html>"),
    ];
    for (provider, body) in bodies {
        let e = ProviderError::from_response(provider, 404, body, None);
        let shown = e.to_string();
        assert!(!shown.chars().any(char::is_control), "{provider}: {shown:?}");
        let parts = [Some(&e.message), e.code.as_ref(), e.request_id.as_ref()];
        let fields = e.field_errors.iter().flat_map(|f| [&f.field, &f.message]);
        for part in parts.into_iter().flatten().chain(fields) {
            assert!(!part.contains(['\n', '\r']), "{provider}: {part:?}");
        }
    }
    let e = ProviderError::from_response(ProviderKind::Flowglad, 404, br#"{"error":"Customer not found: a\nb"}"#, None);
    assert_eq!(e.message, "Customer not found: a\u{240a}b");
}

mod erased {
    pub trait Ser {
        fn bytes(&self) -> Vec<u8>;
    }
    impl<T: serde::Serialize> Ser for T {
        fn bytes(&self) -> Vec<u8> {
            serde_json::to_vec(self).unwrap()
        }
    }
}
