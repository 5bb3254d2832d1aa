//! One request budget per provider (issue 17): under a storm of 429s from one provider every
//! request still succeeds (a 429 is retried at the budget's pace instead of failing after
//! three attempts), that provider's rate is cut and its requests wait, and the other providers
//! are not slowed at all. The request log says who waited and why.

#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a panic is the failure report

use std::sync::Arc;

use till::billing::ProviderKind;
use till::providers::budget::{Limit, Priority, with_priority};
use till::providers::{self, BillingProvider, Http, HttpConfig};
use till::sandbox::faults::FaultSpec;
use till::sandbox::{self, SandboxOptions};

fn client(sb: &sandbox::SandboxHandle, kind: ProviderKind, http: &Http) -> Arc<dyn BillingProvider> {
    providers::connect(kind, sb.endpoint(kind), http.clone()).unwrap()
}

#[tokio::test]
async fn a_429_storm_slows_only_its_provider_and_loses_no_request() {
    // The sandbox answers these 429s with `Retry-After: 1`.
    let faults = FaultSpec::parse("kelviq=ratelimit=40%:1s").unwrap();
    let sb = sandbox::start(SandboxOptions { faults, ..Default::default() }).await.unwrap();
    let http = Http::new(HttpConfig::default()).unwrap();
    let kelviq = client(&sb, ProviderKind::Kelviq, &http);
    let flowglad = client(&sb, ProviderKind::Flowglad, &http);
    assert_eq!(http.budgets().current(ProviderKind::Kelviq), None, "the sandbox is local: no limit to start with");

    let reads = (0..24).map(|i| {
        let p = if i % 2 == 0 { kelviq.clone() } else { flowglad.clone() };
        async move { p.list_customers(&providers::PageRequest::first(5)).await.map(|page| page.items.len()) }
    });
    let results = futures::future::join_all(reads).await;
    let failed: Vec<_> = results.iter().filter_map(|r| r.as_ref().err()).collect();
    assert!(failed.is_empty(), "a retry within the budget saves every read: {failed:?}");

    let cut = http.budgets().current(ProviderKind::Kelviq).expect("the 429s cut Kelviq's rate");
    assert!(cut.per_second < 24.0, "{cut:?}");
    assert_eq!(http.budgets().current(ProviderKind::Flowglad), None, "Flowglad never answered 429");
    let log = http.log().snapshot();
    let refused = log.iter().filter(|e| e.status == Some(429)).count();
    assert!(refused > 0, "the storm happened");
    let queued: Vec<_> = log.iter().filter(|e| e.queued_ms > 0).collect();
    assert!(queued.iter().all(|e| e.provider == ProviderKind::Kelviq), "only Kelviq waited");
    assert!(
        !queued.is_empty() && queued.iter().all(|e| e.queued_for.as_deref().is_some_and(|w| w.starts_with("Kelviq "))),
        "the log says why: {:?}",
        queued.iter().map(|e| &e.queued_for).collect::<Vec<_>>()
    );
}

#[tokio::test]
async fn a_profile_limit_paces_requests_and_urgent_ones_go_first() {
    let sb = sandbox::start(SandboxOptions::default()).await.unwrap();
    let http = Http::new(HttpConfig::default()).unwrap();
    http.budgets().set(ProviderKind::Zenskar, Some(Limit { per_second: 20.0, burst: 1.0 }));
    let zenskar = client(&sb, ProviderKind::Zenskar, &http);
    let start = std::time::Instant::now();
    let background = (0..6).map(|_| {
        let p = zenskar.clone();
        tokio::spawn(with_priority(Priority::Prefetch, async move {
            p.list_plans().await.map(|_| std::time::Instant::now())
        }))
    });
    let background: Vec<_> = background.collect();
    tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    let urgent = zenskar.list_plans().await.map(|_| std::time::Instant::now()).unwrap();
    let mut done = Vec::new();
    for b in background {
        done.push(b.await.unwrap().unwrap());
    }
    let elapsed = start.elapsed();
    assert!(elapsed >= std::time::Duration::from_millis(250), "7 requests at 20/s after a burst of 1: {elapsed:?}");
    let later = done.iter().filter(|t| **t > urgent).count();
    assert!(later >= 4, "the user's read overtook the queued prefetch: {later} of 6 finished after it");
}
