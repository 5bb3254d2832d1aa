use chrono::TimeZone;
use serde_json::json;

use super::*;

fn signing<'a>(provider: ProviderKind, secret: &'a str, id: &'a str, ts: i64, body: &'a str) -> sign::Signing<'a> {
    sign::Signing { provider, secret, event_id: id, event_type: "invoice.paid", timestamp: ts, body }
}

fn header(headers: &[(&'static str, String)], name: &str) -> String {
    headers.iter().find(|(n, _)| *n == name).map(|(_, v)| v.clone()).unwrap_or_default()
}

/// Digests computed outside till (Python's hmac), and Svix's own published example.
#[test]
fn deliveries_are_signed_as_each_provider_signs() {
    let body = r#"{"a":1}"#;
    let k = sign::headers(&signing(ProviderKind::Kelviq, "kq_whsec_test", "evt_1", 1_700_000_000, body));
    assert_eq!(header(&k, "webhook-id"), "evt_1");
    assert_eq!(header(&k, "webhook-timestamp"), "1700000000");
    assert_eq!(header(&k, "webhook-signature"), "v1,272849485e2ceba7ad27bde31001a62d2ac4a7064e4613d0379050e444eaa949");
    let svix = r#"{"test": 2432232314}"#;
    let f = sign::headers(&signing(
        ProviderKind::Flowglad,
        "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",
        "msg_p5jXN8AQM9LWM0D4loKWxJek",
        1_614_265_330,
        svix,
    ));
    assert_eq!(header(&f, "svix-signature"), "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=");
    let p = sign::headers(&signing(ProviderKind::KuvarPay, "kp_secret", "dlv_1", 0, body));
    assert_eq!(
        header(&p, "X-KuvarPay-Signature"),
        "sha256=db7e6e919fb3a63934b0c09468cb6411bea7281a6c586ac658920b8432de8883"
    );
    assert_eq!(header(&p, "X-KuvarPay-Event"), "invoice.paid");
    assert_eq!(header(&p, "X-KuvarPay-Delivery"), "dlv_1");
    let z = sign::headers(&signing(ProviderKind::Zenskar, "kp_secret", "evt_1", 0, body));
    assert_eq!(header(&z, "X-Zenskar-Signature"), "db7e6e919fb3a63934b0c09468cb6411bea7281a6c586ac658920b8432de8883");
}

#[test]
fn kelviq_envelopes_are_snake_case_and_flowglad_secrets_decode() {
    let e = Emitted::new(
        Utc::now(),
        "subscription.updated",
        "s1",
        json!({"billingPeriodEndTime": 1, "addOns": [{"featureId": "f"}]}),
    );
    let body: serde_json::Value = serde_json::from_str(&envelope::body(ProviderKind::Kelviq, "id1", &e)).unwrap();
    assert_eq!(body["type"], "subscription.updated");
    assert_eq!(body["data"]["object"]["billing_period_end_time"], 1);
    assert_eq!(body["data"]["object"]["add_ons"][0]["feature_id"], "f");
    assert!(body["created_at"].is_string());
    let secret = sign::new_secret(ProviderKind::Flowglad);
    let encoded = secret.strip_prefix("whsec_").unwrap();
    assert!(base64::Engine::decode(&base64::engine::general_purpose::STANDARD, encoded).is_ok());
    assert!(sign::new_secret(ProviderKind::Kelviq).starts_with("kq_whsec_"));
}

#[test]
fn receivers_must_be_on_this_machine() {
    for ok in ["http://localhost:3000/hooks", "http://127.0.0.1:9/x", "https://[::1]:8443/"] {
        assert!(routes::receiver_url(ok).is_ok(), "{ok}");
    }
    for bad in
        ["http://example.com/hooks", "ftp://127.0.0.1/", "http://10.0.0.1/", "not a url", "http://127.0.0.1.evil.com/"]
    {
        assert!(routes::receiver_url(bad).is_err(), "{bad}");
    }
}

/// A failing receiver: Kelviq's 3 retries fall due 60 s apart on the sandbox clock, and
/// then no more; an endpoint filtering by type gets only those.
#[test]
fn failed_deliveries_are_retried_on_sandbox_time_as_documented() {
    let start = Utc.with_ymd_and_hms(2027, 1, 1, 0, 0, 0).unwrap();
    let clock = Clock::fixed(start);
    let hooks = Webhooks::new(clock.clone());
    let url = url::Url::parse("http://127.0.0.1:9/").unwrap();
    let all = hooks.register(ProviderKind::Kelviq, url.clone(), None, None);
    let only = hooks.register(ProviderKind::Kelviq, url, Some(vec!["invoice.paid".into()]), None);
    hooks.emit(ProviderKind::Kelviq, vec![Emitted::new(start, "customer.created", "c1", json!({}))]);
    let failed = || deliver::Outcome { status: Some(500), latency_ms: 1, error: None };
    let mut retries = Vec::new();
    while let Some((pending, event, endpoint)) = hooks.take_due() {
        assert_eq!(endpoint.id, all.id, "the filtering endpoint gets nothing");
        retries.push(pending.retry);
        hooks.record(&pending, &event, &endpoint, failed());
        assert!(hooks.take_due().is_none(), "the next retry waits for the clock");
        clock.set(clock.now() + Duration::seconds(60)).unwrap();
    }
    assert_eq!(retries, vec![0, 1, 2, 3]);
    let attempts = hooks.attempts_after(0, Some(&all.id));
    assert_eq!(attempts.len(), 4);
    assert!(attempts.iter().all(|a| !a.ok && a.status == Some(500)));
    assert!(hooks.attempts_after(0, Some(&only.id)).is_empty());
}

#[test]
fn a_watcher_sees_each_change_to_the_log_and_the_endpoints() {
    let hooks = Webhooks::new(Clock::fixed(Utc.with_ymd_and_hms(2026, 12, 6, 0, 0, 0).unwrap()));
    let mut watch = hooks.changes();
    assert!(!watch.has_changed().unwrap());
    hooks.emit(ProviderKind::Kelviq, vec![]);
    assert!(!watch.has_changed().unwrap(), "nothing recorded, nothing to read again");
    hooks.emit(ProviderKind::Kelviq, vec![Emitted::new(Utc::now(), "customer.created", "c1", json!({}))]);
    assert!(watch.has_changed().unwrap());
    watch.borrow_and_update();
    let endpoint = hooks.register(ProviderKind::Kelviq, "http://127.0.0.1:9/".parse().unwrap(), None, None);
    assert!(watch.has_changed().unwrap());
    watch.borrow_and_update();
    assert!(hooks.unregister(&endpoint.id));
    assert!(watch.has_changed().unwrap());
}
