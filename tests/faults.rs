//! The sandbox's injected faults, and what the client does about each: reads retry within a
//! bound and honour Retry-After, unkeyed writes are sent once, bad bodies are decode errors,
//! resets and slow bodies are transport errors and timeouts. Nothing panics.

#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a panic is the failure report

use std::time::{Duration, Instant};

use till::billing::{NewCustomer, ProviderKind};
use till::providers::http::RetryPolicy;
use till::providers::{self, BillingProvider, ErrorKind, Http, HttpConfig, PageRequest};
use till::sandbox::faults::FaultSpec;
use till::sandbox::{self, SandboxHandle, SandboxOptions};

async fn kelviq_with(faults: &str, timeout: Duration) -> (SandboxHandle, std::sync::Arc<dyn BillingProvider>, Http) {
    let sb = sandbox::start(SandboxOptions { faults: FaultSpec::parse(faults).unwrap(), ..Default::default() })
        .await
        .unwrap();
    let retry = RetryPolicy {
        max_attempts: 3,
        base_delay: Duration::from_millis(20),
        max_delay: Duration::from_millis(100),
        max_retry_after: Duration::from_secs(5),
        rate_limit_patience: Duration::from_millis(1500),
    };
    let http =
        Http::new(HttpConfig { connect_timeout: Duration::from_secs(2), request_timeout: timeout, retry }).unwrap();
    let client = providers::connect(ProviderKind::Kelviq, sb.endpoint(ProviderKind::Kelviq), http.clone()).unwrap();
    (sb, client, http)
}

fn attempts(http: &Http) -> Vec<Option<u16>> {
    http.log().snapshot().into_iter().map(|e| e.status).collect()
}

#[tokio::test]
async fn server_errors_on_reads_are_retried_then_reported_with_a_request_id() {
    let (_sb, kelviq, http) = kelviq_with("kelviq/customers=error=100%:503", Duration::from_secs(5)).await;
    let err = kelviq.list_customers(&PageRequest::first(10)).await.unwrap_err();
    assert_eq!((err.status, err.code.as_deref()), (Some(503), Some("SANDBOX_FAULT")));
    assert!(err.request_id.as_deref().is_some_and(|r| r.starts_with("req_sbx_")), "{err}");
    assert_eq!(attempts(&http), vec![Some(503); 3], "bounded: three attempts");
    assert!(kelviq.list_plans().await.is_ok(), "other routes are untouched");
}

#[tokio::test]
async fn unkeyed_writes_are_sent_once() {
    let (_sb, kelviq, http) = kelviq_with("kelviq/customers=error=100%:502", Duration::from_secs(5)).await;
    let err = kelviq.create_customer(&NewCustomer { id: "c_fault".into(), ..Default::default() }).await.unwrap_err();
    assert_eq!(err.status, Some(502));
    assert_eq!(attempts(&http).len(), 1, "Kelviq has no idempotency keys: a write is never repeated");
}

#[tokio::test]
async fn rate_limits_honour_retry_after() {
    let (_sb, kelviq, http) = kelviq_with("kelviq/catalog=ratelimit=100%:1s", Duration::from_secs(5)).await;
    let started = Instant::now();
    let err = kelviq.list_plans().await.unwrap_err();
    assert_eq!(err.status, Some(429));
    assert!(started.elapsed() >= Duration::from_secs(2), "waited Retry-After twice: {:?}", started.elapsed());
    assert_eq!(attempts(&http), vec![Some(429); 3]);
}

#[tokio::test]
async fn garbage_and_truncated_bodies_are_decode_errors_naming_the_provider() {
    for fault in ["garbage=100%", "truncate=100%"] {
        let (_sb, kelviq, _) = kelviq_with(&format!("kelviq/subscriptions={fault}"), Duration::from_secs(5)).await;
        let err = kelviq.list_subscriptions("cus_mueller_maschinenbau").await.unwrap_err();
        assert_eq!((err.provider, err.kind), (ProviderKind::Kelviq, ErrorKind::Decode), "{fault}: {err}");
        assert!(err.to_string().starts_with("Kelviq 200"), "{err}");
    }
}

#[tokio::test]
async fn resets_and_slow_bodies_become_transport_errors_and_timeouts() {
    let (_sb, kelviq, http) = kelviq_with("kelviq/catalog=reset=100%", Duration::from_secs(5)).await;
    let err = kelviq.list_plans().await.unwrap_err();
    assert_eq!(err.kind, ErrorKind::Transport, "{err}");
    assert_eq!(attempts(&http).len(), 3, "a read cut short is retried");
    let (_sb, kelviq, _) = kelviq_with("kelviq/catalog=slow=100%:3s", Duration::from_millis(500)).await;
    let err = kelviq.list_plans().await.unwrap_err();
    assert_eq!(err.kind, ErrorKind::Timeout, "{err}");
}

#[tokio::test]
async fn faults_change_at_runtime_through_the_admin_endpoint() {
    let (sb, kelviq, _) = kelviq_with("", Duration::from_secs(5)).await;
    assert!(kelviq.list_plans().await.is_ok());
    let admin = reqwest::Client::new();
    let url = sb.provider_url("_admin/faults");
    let bad = admin.put(url.clone()).bearer_auth(sb.admin_token()).body("kelviq=explode=1%").send().await.unwrap();
    assert_eq!(bad.status(), 400);
    assert!(bad.text().await.unwrap().contains("unknown fault"));
    admin
        .put(url.clone())
        .bearer_auth(sb.admin_token())
        .body("kelviq=error=100%:500")
        .send()
        .await
        .unwrap()
        .error_for_status()
        .unwrap();
    assert_eq!(
        admin.get(url.clone()).bearer_auth(sb.admin_token()).send().await.unwrap().text().await.unwrap(),
        "kelviq=error=100%:500"
    );
    assert_eq!(kelviq.list_plans().await.unwrap_err().status, Some(500));
    admin.put(url).bearer_auth(sb.admin_token()).body("").send().await.unwrap().error_for_status().unwrap();
    assert!(kelviq.list_plans().await.is_ok(), "cleared");
}

#[tokio::test]
async fn the_admin_endpoint_needs_this_runs_token() {
    let (sb, kelviq, _) = kelviq_with("", Duration::from_secs(5)).await;
    let admin = reqwest::Client::new();
    let url = sb.provider_url("_admin/faults");
    assert_eq!(sb.admin_token().len(), 32);
    for token in [None, Some("wrong"), Some(&sb.admin_token()[..31])] {
        let mut put = admin.put(url.clone()).body("kelviq=error=100%:500");
        if let Some(t) = token {
            put = put.bearer_auth(t);
        }
        assert_eq!(put.send().await.unwrap().status(), 401, "{token:?}");
        assert_eq!(admin.get(url.clone()).send().await.unwrap().status(), 401);
    }
    assert!(kelviq.list_plans().await.is_ok(), "nothing changed without the token");
    let other = sandbox::start(SandboxOptions::default()).await.unwrap();
    assert_ne!(other.admin_token(), sb.admin_token(), "a fresh token per run");
    sb.set_faults(FaultSpec::parse("kelviq=error=100%:503").unwrap());
    assert_eq!(kelviq.list_plans().await.unwrap_err().status, Some(503), "in-process, no HTTP needed");
}

/// Durations that overflowed when added made the next request panic (exit 101 in the console).
#[tokio::test]
async fn overflowing_fault_durations_are_refused_and_the_sandbox_keeps_serving() {
    let (sb, kelviq, _) = kelviq_with("", Duration::from_secs(5)).await;
    let admin = reqwest::Client::new();
    let url = sb.provider_url("_admin/faults");
    for spec in [
        "kelviq=latency=18446744073709551615ms~18446744073709551615ms",
        "kelviq=latency=18446744073709551615s;*=latency=18446744073709551615s",
        "kelviq=latency=4611686018427387904m",
        "kelviq=slow=100%:18446744073709551615s",
    ] {
        let put = admin.put(url.clone()).bearer_auth(sb.admin_token()).body(spec).send().await.unwrap();
        assert_eq!(put.status(), 400, "{spec}");
        assert!(kelviq.list_plans().await.is_ok(), "still serving after {spec}");
    }
    assert!(FaultSpec::parse("kelviq=latency=60m~60m;*=latency=60m").is_ok(), "long but bounded is fine");
}

#[tokio::test]
async fn jittered_latency_delays_within_its_bounds() {
    let (_sb, kelviq, _) = kelviq_with("kelviq=latency=150ms~100ms", Duration::from_secs(5)).await;
    let started = Instant::now();
    kelviq.list_customers(&PageRequest::first(5)).await.unwrap();
    let took = started.elapsed();
    assert!(took >= Duration::from_millis(150), "{took:?}");
}
