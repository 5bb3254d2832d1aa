//! Ids become URL path segments: whatever an id holds, it must not change the endpoint.
//! `checkout get ..` used to send `GET /checkout/` (the URL parser resolves dot segments), and
//! `/`, `?` or `#` in an id would start a new segment, a query or a fragment.

#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a panic is the failure report

use till::billing::ProviderKind;
use till::providers::{self, ErrorKind, Http, HttpConfig};
use till::sandbox::{self, SandboxOptions};

#[tokio::test]
async fn dot_ids_are_refused_before_anything_is_sent() {
    let sb = sandbox::start(SandboxOptions { capture: true, ..Default::default() }).await.unwrap();
    for kind in ProviderKind::ALL {
        let p = providers::connect(kind, sb.endpoint(kind), Http::new(HttpConfig::default()).unwrap()).unwrap();
        for id in ["..", ".", ""] {
            let before = sb.captured().len();
            let checkout = p.get_checkout(id).await.unwrap_err();
            let subscription = p.get_subscription(id).await.unwrap_err();
            for err in [checkout, subscription] {
                assert_eq!(err.kind, ErrorKind::Invalid, "{kind:?} {id:?}: {err}");
                assert!(err.to_string().contains("not a valid id"), "{kind:?}: {err}");
            }
            assert_eq!(sb.captured().len(), before, "{kind:?} {id:?}: nothing sent");
        }
    }
}

#[tokio::test]
async fn slashes_queries_and_fragments_stay_inside_the_segment() {
    let sb = sandbox::start(SandboxOptions { capture: true, ..Default::default() }).await.unwrap();
    let id = "x/../../y?z=1#w %";
    let encoded = "x%2F..%2F..%2Fy%3Fz%3D1%23w%20%25";
    let endpoints = [
        (ProviderKind::Kelviq, "/kelviq/api/v1/checkout/sessions/", "/kelviq/api/v1/subscriptions/"),
        (ProviderKind::Flowglad, "/flowglad/api/v1/checkout-sessions/", "/flowglad/api/v1/subscriptions/"),
        (
            ProviderKind::KuvarPay,
            "/kuvarpay/api/v1/subscriptions/checkout-sessions/",
            "/kuvarpay/api/v1/subscriptions/",
        ),
        (ProviderKind::Zenskar, "/zenskar/checkouts/", "/zenskar/contract_v2/"),
    ];
    for (kind, checkout_path, subscription_path) in endpoints {
        let p = providers::connect(kind, sb.endpoint(kind), Http::new(HttpConfig::default()).unwrap()).unwrap();
        for (call, prefix) in [("checkout", checkout_path), ("subscription", subscription_path)] {
            let before = sb.captured().len();
            let result = match call {
                "checkout" => p.get_checkout(id).await.map(|_| ()),
                _ => p.get_subscription(id).await.map(|_| ()),
            };
            let err = result.unwrap_err();
            // Not found, or (Zenskar) not a UUID: either way answered by the intended endpoint.
            assert!(matches!(err.status, Some(404 | 422)), "{kind:?} {call}: {err}");
            // Only this provider's requests (another client may still be loading its catalog).
            let mount = format!("/{}/", kind.slug());
            let sent: Vec<String> =
                sb.captured()[before..].iter().map(|c| c.path.clone()).filter(|p| p.starts_with(&mount)).collect();
            let expected = format!("{prefix}{encoded}");
            assert!(
                !sent.is_empty() && sent.iter().all(|p| p.starts_with(&expected)),
                "{kind:?} {call}: sent {sent:?}, expected {expected}…"
            );
        }
    }
}

/// A 100,000-character id made a URL reqwest would not build ("builder error for url", exit 3,
/// naming neither the id nor a limit); now it is refused as an id past `MAX_ID_CHARS`.
#[tokio::test]
async fn an_id_past_the_limit_is_refused_before_anything_is_sent() {
    let sb = sandbox::start(SandboxOptions { capture: true, ..Default::default() }).await.unwrap();
    let long = "a".repeat(100_000);
    let at_limit = "a".repeat(providers::MAX_ID_CHARS);
    for kind in ProviderKind::ALL {
        let p = providers::connect(kind, sb.endpoint(kind), Http::new(HttpConfig::default()).unwrap()).unwrap();
        let before = sb.captured().len();
        let checkout = p.get_checkout(&long).await.unwrap_err();
        let subscription = p.get_subscription(&long).await.unwrap_err();
        for err in [checkout, subscription] {
            assert_eq!(err.kind, ErrorKind::Invalid, "{kind:?}: {err}");
            assert!(
                err.to_string().contains("an id is at most 512 characters, this one has 100000"),
                "{kind:?}: {err}"
            );
        }
        assert_eq!(sb.captured().len(), before, "{kind:?}: nothing sent");
        // At the limit the id is sent, and answered by the provider's endpoint.
        let err = p.get_checkout(&at_limit).await.unwrap_err();
        assert!(matches!(err.status, Some(404 | 422)), "{kind:?}: {err}");
    }
}
