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
    let failed = || deliver::Sent {
        headers: Vec::new(),
        outcome: deliver::Outcome { status: Some(500), latency_ms: 1, error: None },
    };
    let mut retries = Vec::new();
    while let Some(claimed) = hooks.claim() {
        assert_eq!(claimed, all.id, "the filtering endpoint gets nothing");
        let (pending, event, endpoint) = hooks.take_due(&claimed).unwrap();
        retries.push(pending.retry);
        hooks.record(&pending, &event, &endpoint, failed());
        assert!(hooks.take_due(&claimed).is_none(), "the next retry waits for the clock");
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

fn sent(status: u16) -> deliver::Sent {
    deliver::Sent {
        headers: vec![("webhook-id".into(), "x".into())],
        outcome: deliver::Outcome { status: Some(status), latency_ms: 1, error: None },
    }
}

/// Everything due for one endpoint now, delivered with `status`; the retries seen.
fn drain(hooks: &Webhooks, status: u16) -> Vec<(u64, u32, bool)> {
    let mut seen = Vec::new();
    while let Some(id) = hooks.claim() {
        while let Some((p, e, ep)) = hooks.take_due(&id) {
            seen.push((e.seq, p.retry, p.redelivery));
            hooks.record(&p, &e, &ep, sent(status));
        }
    }
    seen
}

/// A redelivery is one extra attempt, due now, marked, of the same event id; it leaves the
/// original's retry schedule alone; unknown events and endpoints, and events nobody wants,
/// are refused with a reason.
#[test]
fn redelivery_queues_one_marked_attempt_and_keeps_the_retries() {
    let start = Utc.with_ymd_and_hms(2027, 1, 1, 0, 0, 0).unwrap();
    let clock = Clock::fixed(start);
    let hooks = Webhooks::new(clock.clone());
    let url = url::Url::parse("http://127.0.0.1:9/").unwrap();
    let a = hooks.register(ProviderKind::Kelviq, url.clone(), None, None);
    let b = hooks.register(ProviderKind::Kelviq, url.clone(), Some(vec!["invoice.paid".into()]), None);
    let z = hooks.register(ProviderKind::Zenskar, url, None, None);
    hooks.emit(ProviderKind::Kelviq, vec![Emitted::new(start, "customer.created", "c1", json!({}))]);
    assert_eq!(drain(&hooks, 500), vec![(1, 0, false)]);
    assert_eq!(hooks.redeliver(1, None), Ok(vec![a.id.clone()]));
    assert_eq!(drain(&hooks, 500), vec![(1, 0, true)], "due now, not retried when it fails");
    assert!(hooks.redeliver(1, Some(&b.id)).is_ok(), "a named endpoint gets it even if it filters");
    assert_eq!(hooks.redeliver(1, Some(&b.id)), Ok(vec![b.id.clone()]));
    clock.set(start + Duration::seconds(60)).unwrap();
    let mut later = drain(&hooks, 200);
    later.sort_unstable();
    assert_eq!(later, vec![(1, 0, true), (1, 0, true), (1, 1, false)], "the original's retry still runs");
    let attempts = hooks.attempts_after(0, None);
    assert!(attempts.iter().all(|x| x.event_id == attempts[0].event_id), "same event id");
    assert_eq!(attempts.iter().filter(|x| x.redelivery).count(), 3);
    assert_eq!(attempts[0].headers, vec![("webhook-id".to_string(), "x".to_string())]);
    assert!(hooks.redeliver(9, None).unwrap_err().contains("no event 9"));
    assert!(hooks.redeliver(1, Some("we_nope")).unwrap_err().contains("no endpoint we_nope"));
    assert!(hooks.redeliver(1, Some(&z.id)).unwrap_err().contains("zenskar"));
    hooks.unregister(&a.id);
    assert!(hooks.redeliver(1, None).unwrap_err().contains("no endpoint wants"));
}

/// A receiver on a free loopback port that answers 200 after `delay`, counting requests.
async fn receiver(delay: std::time::Duration) -> (url::Url, Arc<std::sync::atomic::AtomicUsize>) {
    let count = Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let seen = count.clone();
    let app = axum::Router::new().route(
        "/",
        axum::routing::post(move || {
            let seen = seen.clone();
            async move {
                tokio::time::sleep(delay).await;
                seen.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
                "ok"
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = url::Url::parse(&format!("http://{}/", listener.local_addr().unwrap())).unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    (url, count)
}

/// One receiver answers after 3 s; the other gets all its events meanwhile, in order, and
/// each attempt records the headers it sent.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_slow_receiver_holds_up_no_other_endpoint() {
    let start = Utc::now();
    let hooks = Webhooks::new(Clock::fixed(start));
    let (slow_url, slow) = receiver(std::time::Duration::from_secs(3)).await;
    let (fast_url, _) = receiver(std::time::Duration::ZERO).await;
    // The slow one registered first: a single queue would serve it first.
    let slow_ep = hooks.register(ProviderKind::Kelviq, slow_url, None, None);
    let fast_ep = hooks.register(ProviderKind::Kelviq, fast_url, None, None);
    let emitted = (1..=3).map(|i| Emitted::new(start, "customer.created", &format!("c{i}"), json!({}))).collect();
    hooks.emit(ProviderKind::Kelviq, emitted);
    let task = tokio::spawn(deliver::run(hooks.clone()));
    let began = std::time::Instant::now();
    while hooks.attempts_after(0, Some(&fast_ep.id)).len() < 3 && began.elapsed().as_secs() < 10 {
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    let fast = hooks.attempts_after(0, Some(&fast_ep.id));
    assert!(began.elapsed() < std::time::Duration::from_millis(2_500), "fast took {:?}", began.elapsed());
    assert_eq!(fast.iter().map(|a| a.object.as_str()).collect::<Vec<_>>(), ["c1", "c2", "c3"]);
    assert!(fast.iter().all(|a| a.ok));
    assert_eq!(slow.load(std::sync::atomic::Ordering::SeqCst), 0, "the slow one is still on its first");
    let names: Vec<&str> = fast[0].headers.iter().map(|(n, _)| n.as_str()).collect();
    assert_eq!(names, ["content-type", "user-agent", "webhook-id", "webhook-timestamp", "webhook-signature"]);
    assert!(!fast[0].headers.iter().any(|(_, v)| v.contains(&fast_ep.secret)));
    assert!(hooks.attempts_after(0, Some(&slow_ep.id)).is_empty());
    task.abort();
}

/// Deactivating an endpoint drops its waiting retries: an inactive endpoint receives nothing,
/// and nothing new is queued for it until it is active again.
#[test]
fn an_inactive_endpoint_gets_no_retries_and_no_new_events() {
    let start = Utc.with_ymd_and_hms(2027, 1, 1, 0, 0, 0).unwrap();
    let clock = Clock::fixed(start);
    let hooks = Webhooks::new(clock.clone());
    let ep = hooks.register(ProviderKind::Kelviq, url::Url::parse("http://127.0.0.1:9/").unwrap(), None, None);
    hooks.emit(ProviderKind::Kelviq, vec![Emitted::new(start, "customer.created", "c1", json!({}))]);
    assert_eq!(drain(&hooks, 500), vec![(1, 0, false)]);
    let off = hooks.update(&ep.id, EndpointChange { active: Some(false), ..Default::default() }).unwrap();
    assert!(!off.active);
    clock.set(start + Duration::seconds(600)).unwrap();
    hooks.emit(ProviderKind::Kelviq, vec![Emitted::new(clock.now(), "customer.updated", "c1", json!({}))]);
    assert!(hooks.claim().is_none(), "neither the retry nor the new event is sent");
    assert!(hooks.redeliver(1, Some(&ep.id)).unwrap_err().contains("inactive"));
    hooks.update(&ep.id, EndpointChange { active: Some(true), ..Default::default() }).unwrap();
    hooks.emit(ProviderKind::Kelviq, vec![Emitted::new(clock.now(), "customer.updated", "c1", json!({}))]);
    assert_eq!(drain(&hooks, 200), vec![(3, 0, false)], "active again: only what happens from now");
}

#[test]
fn previous_attributes_hold_the_changed_fields_old_values_in_snake_case() {
    let before = json!({"id": "s1", "status": "active", "endDate": null, "planId": "a"});
    let after = json!({"id": "s1", "status": "active", "endDate": "2027-02-01", "planId": "b", "newField": 1});
    let previous = envelope::previous_attributes(&before, &after).unwrap();
    assert_eq!(previous, json!({"endDate": null, "planId": "a", "newField": null}));
    assert_eq!(envelope::previous_attributes(&after, &after), None, "nothing changed: left out");
    let e = Emitted::new(Utc::now(), "subscription.updated", "s1", after).with_previous(Some(previous));
    let body: serde_json::Value = serde_json::from_str(&envelope::body(ProviderKind::Kelviq, "i", &e)).unwrap();
    assert_eq!(body["data"]["previous_attributes"], json!({"end_date": null, "plan_id": "a", "new_field": null}));
    let plain = Emitted::new(Utc::now(), "customer.created", "c1", json!({}));
    let body: serde_json::Value = serde_json::from_str(&envelope::body(ProviderKind::Kelviq, "i", &plain)).unwrap();
    assert!(body["data"].get("previous_attributes").is_none());
}

#[test]
fn recent_gives_the_newest_events_their_attempts_and_how_many_are_older() {
    let hooks = Webhooks::new(Clock::fixed(Utc.with_ymd_and_hms(2026, 12, 6, 0, 0, 0).unwrap()));
    let emitted = (0..5).map(|i| Emitted::new(Utc::now(), "customer.created", &format!("c{i}"), json!({}))).collect();
    hooks.emit(ProviderKind::Kelviq, emitted);
    let (events, attempts, older) = hooks.recent(2);
    assert_eq!(events.iter().map(|e| e.object.as_str()).collect::<Vec<_>>(), ["c3", "c4"]);
    assert!(attempts.is_empty(), "no endpoint, no attempt");
    assert_eq!(older, 3);
    assert_eq!(hooks.recent(10).2, 0);
}

/// The delivery task sleeps until the next retry falls due, and with nothing waiting it has
/// no timer at all: the console runs this sandbox in its own process, and an idle console
/// woke every second for it.
#[test]
fn the_delivery_task_waits_for_the_next_retry_and_not_at_all_when_nothing_waits() {
    let start = Utc.with_ymd_and_hms(2027, 1, 1, 0, 0, 0).unwrap();
    let clock = Clock::fixed(start);
    let hooks = Webhooks::new(clock.clone());
    assert_eq!(hooks.next_due_in(), None, "nothing registered, nothing waiting");
    hooks.register(ProviderKind::Kelviq, url::Url::parse("http://127.0.0.1:9/").unwrap(), None, None);
    assert_eq!(hooks.next_due_in(), None);
    hooks.emit(ProviderKind::Kelviq, vec![Emitted::new(start, "customer.created", "c1", json!({}))]);
    assert_eq!(hooks.next_due_in(), Some(std::time::Duration::ZERO), "due now");
    let id = hooks.claim().unwrap();
    assert_eq!(hooks.next_due_in(), None, "its endpoint's worker has it");
    let (p, e, ep) = hooks.take_due(&id).unwrap();
    hooks.record(&p, &e, &ep, sent(500));
    assert!(hooks.take_due(&id).is_none(), "the worker is done; the retry waits");
    assert_eq!(hooks.next_due_in(), Some(std::time::Duration::from_mins(1)), "Kelviq retries 60 s later");
    clock.set(start + Duration::seconds(45)).unwrap();
    assert_eq!(hooks.next_due_in(), Some(std::time::Duration::from_secs(15)));
    clock.set(start + Duration::seconds(60)).unwrap();
    assert_eq!(drain(&hooks, 200), vec![(e.seq, 1, false)]);
    assert_eq!(hooks.next_due_in(), None, "delivered: nothing waits, no timer");
}
