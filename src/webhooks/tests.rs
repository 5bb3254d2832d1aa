use super::*;

fn request(headers: &[(&str, &str)], body: &str) -> Request {
    Request {
        headers: headers.iter().map(|(n, v)| (n.to_ascii_lowercase(), v.to_string())).collect(),
        body: body.as_bytes().to_vec(),
    }
}

const AT: Checks = Checks { now: 1_614_265_330, tolerance: Some(TOLERANCE_SECS) };

/// Svix's own published vector (its libraries' tests: "valid signature is valid").
fn svix_vector(signature: &str, body: &str) -> Request {
    request(
        &[("svix-id", "msg_p5jXN8AQM9LWM0D4loKWxJek"), ("svix-timestamp", "1614265330"), ("svix-signature", signature)],
        body,
    )
}

const SVIX_SECRET: &str = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
const SVIX_BODY: &str = r#"{"test": 2432232314}"#;
const SVIX_SIG: &str = "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=";

#[test]
fn svix_published_vector_verifies_with_and_without_the_whsec_prefix() {
    let req = svix_vector(SVIX_SIG, SVIX_BODY);
    let v = verify(Scheme::Flowglad, SVIX_SECRET, &req, AT).unwrap();
    assert_eq!(v.id.as_deref(), Some("msg_p5jXN8AQM9LWM0D4loKWxJek"));
    assert_eq!(v.timestamp, Some(1_614_265_330));
    assert!(verify(Scheme::Flowglad, "MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", &req, AT).is_ok());
    // A rotation sends several; one valid is enough.
    let several = svix_vector(&format!("v1,Zm9vYmFy {SVIX_SIG} v2,whatever"), SVIX_BODY);
    assert!(verify(Scheme::Flowglad, SVIX_SECRET, &several, AT).is_ok());
}

#[test]
fn svix_refuses_an_altered_body_another_secret_and_an_old_timestamp_naming_why() {
    let altered = svix_vector(SVIX_SIG, r#"{"test": 2432232315}"#);
    let e = verify(Scheme::Flowglad, SVIX_SECRET, &altered, AT).unwrap_err();
    assert!(e.0.contains("svix-signature does not match"), "{e}");
    let other = verify(Scheme::Flowglad, "whsec_QUFBQUFBQUFBQUFBQUFBQQ==", &svix_vector(SVIX_SIG, SVIX_BODY), AT);
    assert!(other.unwrap_err().0.contains("does not match"));
    let later = Checks { now: 1_614_265_330 + 301, tolerance: Some(TOLERANCE_SECS) };
    let e = verify(Scheme::Flowglad, SVIX_SECRET, &svix_vector(SVIX_SIG, SVIX_BODY), later).unwrap_err();
    assert!(e.0.contains("301s old"), "{e}");
    let any_age = Checks { now: 1_914_265_330, tolerance: None };
    assert!(verify(Scheme::Flowglad, SVIX_SECRET, &svix_vector(SVIX_SIG, SVIX_BODY), any_age).is_ok());
    let e = verify(Scheme::Flowglad, "whsec_not base64!", &svix_vector(SVIX_SIG, SVIX_BODY), AT).unwrap_err();
    assert!(e.0.contains("not a Svix secret"), "{e}");
    let e = verify(Scheme::Flowglad, SVIX_SECRET, &request(&[("svix-id", "x")], SVIX_BODY), AT).unwrap_err();
    assert_eq!(e.0, "no svix-timestamp header");
}

// Digests below were computed outside till (Python's hmac and hashlib), so a mistake shared by
// a signer and a verifier written together cannot pass here.
const KELVIQ_BODY: &str = r#"{"id":"evt_1","type":"subscription.updated","created_at":"2026-12-06T10:00:00Z","data":{"object":{"id":"sub_9"}}}"#;
const KELVIQ_SIG: &str = "v1,2444104908b2c005a9d0d42c7f0cf58c4c721ffb4aa541e94b6bbe4db38e9233";

fn kelviq(sig: &str, body: &str) -> Request {
    request(&[("Webhook-Id", "evt_1"), ("webhook-timestamp", "1765015200"), ("webhook-signature", sig)], body)
}

#[test]
fn kelviq_hex_signature_over_id_timestamp_and_body() {
    let now = Checks { now: 1_765_015_200 + 10, tolerance: Some(TOLERANCE_SECS) };
    let v = verify(Scheme::Kelviq, "kq_whsec_test_secret", &kelviq(KELVIQ_SIG, KELVIQ_BODY), now).unwrap();
    assert_eq!(v.event_type.as_deref(), Some("subscription.updated"));
    assert_eq!(v.object_id.as_deref(), Some("sub_9"));
    assert_eq!(v.id.as_deref(), Some("evt_1"));
    let e = verify(Scheme::Kelviq, "kq_whsec_other", &kelviq(KELVIQ_SIG, KELVIQ_BODY), now).unwrap_err();
    assert!(e.0.starts_with("webhook-signature does not match"), "{e}");
    // Standard Webhooks' base64 is not Kelviq's hex.
    let b64 = "v1,JEQQSQiywAWp0NQsfwz1jExyH/tKpUHpS2u+TbOOkjM=";
    let e = verify(Scheme::Kelviq, "kq_whsec_test_secret", &kelviq(b64, KELVIQ_BODY), now).unwrap_err();
    assert!(e.0.contains("not a hex digest"), "{e}");
    let early = Checks { now: 1_765_015_200 - 400, tolerance: Some(TOLERANCE_SECS) };
    let e = verify(Scheme::Kelviq, "kq_whsec_test_secret", &kelviq(KELVIQ_SIG, KELVIQ_BODY), early).unwrap_err();
    assert!(e.0.contains("400s in the future"), "{e}");
}

#[test]
fn kuvarpay_and_zenskar_sign_the_body_alone() {
    let body = r#"{"event":"payment.completed","data":{"id":"pay_7"}}"#;
    let sig = "sha256=30eb6df0e52ef0763851e64e93fc8d83f811e7fc18739eff95de8ede40f12712";
    let req = request(
        &[("X-KuvarPay-Signature", sig), ("X-KuvarPay-Event", "payment.completed"), ("X-KuvarPay-Delivery", "d-1")],
        body,
    );
    let v = verify(Scheme::KuvarPay, "kv_secret_42", &req, AT).unwrap();
    assert_eq!(
        (v.id.as_deref(), v.event_type.as_deref(), v.object_id.as_deref()),
        (Some("d-1"), Some("payment.completed"), Some("pay_7"))
    );
    assert!(verify(Scheme::KuvarPay, "kv_secret_43", &req, AT).is_err());
    let bare = request(&[("X-KuvarPay-Signature", sig.trim_start_matches("sha256="))], body);
    assert!(
        verify(Scheme::KuvarPay, "kv_secret_42", &bare, AT).unwrap_err().0.contains("does not start with \"sha256=\"")
    );

    let zbody = r#"{"event":"invoice.created","data":{"id":"inv_3"}}"#;
    let zsig = "b1bb47c9e404c7e1c102e9e1a12070db90fdbfc9855cc37daab1c9c9bc85c019";
    let v = verify(Scheme::Zenskar, "zen-secret", &request(&[("x-zenskar-signature", zsig)], zbody), AT).unwrap();
    assert_eq!(v.event_type.as_deref(), Some("invoice.created"));
    assert!(verify(Scheme::Zenskar, "", &request(&[("x-zenskar-signature", zsig)], zbody), AT).is_err());
}

#[test]
fn saved_requests_parse_with_crlf_or_lf_and_content_length_cuts_an_editors_newline() {
    let raw = format!(
        "POST /hooks HTTP/1.1\r\nHost: x\r\nContent-Length: {}\r\nsvix-id: a\r\n\r\n{SVIX_BODY}\n",
        SVIX_BODY.len()
    );
    let req = parse_request(raw.as_bytes()).unwrap();
    assert_eq!(req.body, SVIX_BODY.as_bytes());
    assert_eq!(req.header("SVIX-ID"), Some("a"));
    let lf = parse_request(b"POST / HTTP/1.1\nA: b\n\nbody").unwrap();
    assert_eq!((lf.header("a"), lf.body.as_slice()), (Some("b"), b"body".as_slice()));
    assert!(parse_request(b"POST / HTTP/1.1\r\nA: b\r\n").unwrap_err().contains("no blank line"));
    assert!(parse_request(b"{\"json\": 1}\n\n").unwrap_err().contains("request line"));
    assert!(parse_request(b"POST / HTTP/1.1\nbad header\n\n").unwrap_err().contains("line 2 has no colon"));
    assert!(parse_request(b"POST / HTTP/1.1\nContent-Length: 9\n\nabc").unwrap_err().contains("says 9 bytes"));
    assert!(
        parse_request(b"POST / HTTP/1.1\nTransfer-Encoding: chunked\n\n3\nabc\n0\n\n").unwrap_err().contains("chunked")
    );
}
