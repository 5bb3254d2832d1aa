//! The sandbox as a target: web pages (DNS rebinding, cross-site form posts), other local
//! processes (idle sockets), and hostile request fields. Nothing here may panic the sandbox.

#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a panic is the failure report

#[path = "support/pay.rs"]
mod pay_form;
#[cfg(unix)]
#[path = "support/serve.rs"]
mod serve;

#[cfg(unix)]
use std::net::TcpStream;
use std::sync::Arc;
#[cfg(unix)]
use std::time::{Duration, Instant};

use till::billing::{ChargePeriod, CheckoutRequest, CheckoutStatus, ProviderKind};
use till::providers::{self, BillingProvider, Http, HttpConfig, PageRequest};
use till::sandbox::{self, SandboxHandle, SandboxOptions};

async fn client(sb: &SandboxHandle, kind: ProviderKind) -> Arc<dyn BillingProvider> {
    providers::connect(kind, sb.endpoint(kind), Http::new(HttpConfig::default()).unwrap()).unwrap()
}

fn kelviq_checkout(success_url: &str) -> CheckoutRequest {
    CheckoutRequest {
        plan_id: "growth".into(),
        period: Some(ChargePeriod::Monthly),
        success_url: success_url.into(),
        ..Default::default()
    }
}

#[tokio::test]
async fn only_loopback_host_names_are_answered() {
    let sb = sandbox::start(SandboxOptions::default()).await.unwrap();
    let port = sb.addr.port();
    let plans = sb.provider_url("kelviq/api/v1/catalog/plans/");
    let http = reqwest::Client::new();
    for host in ["evil.example", &format!("evil.example:{port}"), "localhost.evil.example", "127.0.0.1.nip.io"] {
        let r = http.get(plans.clone()).header("host", host).send().await.unwrap();
        assert_eq!(r.status(), 403, "{host}");
        let pay = http.post(sb.provider_url("pay/cs_x")).header("host", host).send().await.unwrap();
        assert_eq!(pay.status(), 403, "{host}: the pay form too");
    }
    for host in [format!("localhost:{port}"), format!("127.0.0.1:{port}"), format!("[::1]:{port}")] {
        let r = http.get(plans.clone()).header("host", &host).bearer_auth("kq_sandbox_server_till").send().await;
        assert_eq!(r.unwrap().status(), 200, "{host}");
    }
}

#[tokio::test]
async fn the_pay_form_needs_the_token_its_page_issued() {
    let sb = sandbox::start(SandboxOptions::default()).await.unwrap();
    let kelviq = client(&sb, ProviderKind::Kelviq).await;
    let session = kelviq.create_checkout(&kelviq_checkout("https://example.com/ok")).await.unwrap();
    let url = session.url.clone().unwrap();
    let http = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap();
    // A cross-site form post knows the URL at best, never the token.
    for form in [vec![("card", "4242 4242 4242 4242")], vec![("card", "4242 4242 4242 4242"), ("csrf", "guess")]] {
        let blind = http.post(&url).form(&form).send().await.unwrap();
        assert_eq!(blind.status(), 403);
    }
    assert_eq!(kelviq.get_checkout(&session.id).await.unwrap().status, CheckoutStatus::Open, "nothing was paid");
    assert_eq!(pay_form::submit(&http, &url, "4242 4242 4242 4242").await.status(), 303);
    assert_eq!(kelviq.get_checkout(&session.id).await.unwrap().status, CheckoutStatus::Complete);
}

/// The seeded generator made the same checkout ids on every run with the same --seed, so a
/// pay page's address was predictable.
#[tokio::test]
async fn checkout_ids_are_fresh_every_run() {
    let mut ids = Vec::new();
    for _ in 0..2 {
        let sb = sandbox::start(SandboxOptions::default()).await.unwrap();
        for kind in ProviderKind::ALL {
            let p = client(&sb, kind).await;
            let request = checkout_for(p.as_ref(), "https://example.com/ok").await;
            ids.push(p.create_checkout(&request).await.unwrap().id);
        }
    }
    for kind in 0..ProviderKind::ALL.len() {
        assert_ne!(ids[kind], ids[kind + ProviderKind::ALL.len()], "{:?}", ProviderKind::ALL[kind]);
    }
}

/// A checkout every provider accepts: its first plan's first price, its first customer.
async fn checkout_for(p: &dyn BillingProvider, success_url: &str) -> CheckoutRequest {
    let plans = p.list_plans().await.unwrap();
    let plan = plans.iter().find(|p| !p.prices.is_empty()).unwrap();
    let price = &plan.prices[0];
    let customer = p.list_customers(&PageRequest::first(1)).await.unwrap().items.remove(0);
    CheckoutRequest {
        plan_id: plan.id.clone(),
        period: Some(price.period),
        currency: Some(price.amount.currency().code().to_string()),
        customer_id: Some(customer.id.clone()),
        customer_email: Some(customer.email.clone().unwrap_or_else(|| "ann@example.com".into())),
        success_url: success_url.into(),
        cancel_url: Some("https://example.com/cart".into()),
        ..Default::default()
    }
}

/// The URL parser drops CR and LF silently, so such a URL was accepted, and paying failed
/// with a 500 after the payment was applied (the redirect header could not hold it).
#[tokio::test]
async fn a_url_with_cr_or_lf_is_refused_when_the_checkout_is_created() {
    let sb = sandbox::start(SandboxOptions::default()).await.unwrap();
    for kind in ProviderKind::ALL {
        let p = client(&sb, kind).await;
        assert!(p.create_checkout(&checkout_for(p.as_ref(), "https://example.com/ok").await).await.is_ok(), "{kind:?}");
        for bad in ["https://example.com/ok\r\nSet-Cookie: a=b", "https://example.com/\nx", "https://exa\tmple.com/"] {
            let err = p.create_checkout(&checkout_for(p.as_ref(), bad).await).await.unwrap_err();
            assert!(matches!(err.status, Some(400 | 422)), "{kind:?} {bad:?}: {err}");
        }
    }
}

/// Another local process holding many idle sockets made the sandbox run out of file
/// descriptors; every later client, the console included, then stalled for good. (Unix: the
/// limit is set with `ulimit`.)
#[cfg(unix)]
#[tokio::test]
async fn idle_sockets_do_not_stall_new_clients() {
    let data = tempfile::tempdir().unwrap();
    let server = serve::Served::start_with_file_limit(data.path(), 256);
    let addr = server.addr().to_string();
    let idle: Vec<TcpStream> = (0..300).filter_map(|_| TcpStream::connect(&addr).ok()).collect();
    assert!(idle.len() >= 250, "opened {}", idle.len());
    let started = Instant::now();
    let served = loop {
        let get = reqwest::Client::builder()
            .timeout(Duration::from_secs(2))
            .build()
            .unwrap()
            .get(format!("http://{addr}/kelviq/api/v1/catalog/plans/"))
            .bearer_auth("kq_sandbox_server_till")
            .send()
            .await;
        if let Ok(r) = get {
            break Some(r.status());
        }
        if started.elapsed() > Duration::from_secs(20) {
            break None;
        }
        tokio::time::sleep(Duration::from_millis(250)).await;
    };
    drop(server);
    drop(idle);
    assert_eq!(served.map(|s| s.as_u16()), Some(200), "a new client is served while 300 idle sockets are open");
}
