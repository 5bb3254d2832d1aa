//! `list_subscriptions_page`, the listing of every customer's subscriptions, against the
//! sandbox: every page walked, nothing repeated or skipped, grouped by customer it equals each
//! customer's own list, and (Kelviq, Flowglad) the traffic follows the official specs,
//! including the query parameters each list operation declares.

#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a panic is the failure report

mod support;

use std::collections::{BTreeMap, BTreeSet};

use serde_json::Value;
use support::openapi::Spec;
use till::billing::{ProviderKind, Subscription};
use till::providers::{self, BillingProvider, Http, HttpConfig, PageRequest};
use till::sandbox::{self, SandboxHandle, SandboxOptions};

async fn start() -> (SandboxHandle, Http) {
    let options = SandboxOptions { capture: true, extra_customers: 120, ..Default::default() };
    (sandbox::start(options).await.unwrap(), Http::new(HttpConfig::default()).unwrap())
}

/// Walks the listing `limit` rows at a time; returns the rows and the number of pages.
async fn walk(p: &dyn BillingProvider, limit: u32) -> (Vec<Subscription>, usize) {
    let mut rows = Vec::new();
    let mut page = PageRequest::first(limit);
    let mut pages = 0;
    let mut cursors = BTreeSet::new();
    loop {
        let got = p.list_subscriptions_page(&page).await.unwrap();
        pages += 1;
        assert!(got.items.len() <= limit.min(100) as usize, "{}: page of {} rows", p.kind(), got.items.len());
        let total = got.total.expect("each provider says how long its listing is");
        rows.extend(got.items);
        match got.next_cursor {
            Some(n) => {
                assert!(cursors.insert(n.clone()), "{}: cursor {n} repeated", p.kind());
                page.cursor = Some(n);
            }
            None => {
                assert_eq!(rows.len() as u64, total, "{}: rows walked vs total", p.kind());
                return (rows, pages);
            }
        }
    }
}

/// The listing, grouped by customer (id or provider-internal id), equals each customer's own
/// list, and a customer missing from it has no subscription.
async fn grouped_equals_single_reads(p: &dyn BillingProvider, rows: &[Subscription]) {
    let mut by_customer: BTreeMap<&str, BTreeSet<String>> = BTreeMap::new();
    for s in rows {
        by_customer.entry(s.customer_id.as_str()).or_default().insert(s.id.clone());
    }
    let customers = support::lists::page_by_page(p).await;
    assert!(customers.len() > 120, "{}: {} customers", p.kind(), customers.len());
    let mut with = 0;
    for c in &customers {
        let listed = by_customer
            .get(c.id.as_str())
            .or_else(|| c.alt_id.as_deref().and_then(|a| by_customer.get(a)))
            .cloned()
            .unwrap_or_default();
        let alone: BTreeSet<String> = p.list_subscriptions(&c.id).await.unwrap().into_iter().map(|s| s.id).collect();
        assert_eq!(listed, alone, "{} customer {}", p.kind(), c.id);
        with += usize::from(!listed.is_empty());
    }
    assert!(with > 20, "{}: only {with} customers have subscriptions", p.kind());
}

#[tokio::test]
async fn each_listing_walks_every_page_once_and_groups_like_single_reads() {
    let (sb, http) = start().await;
    for kind in [ProviderKind::Kelviq, ProviderKind::Flowglad, ProviderKind::Zenskar] {
        let p = providers::connect(kind, sb.endpoint(kind), http.clone()).unwrap();
        assert!(p.bulk_subscriptions(), "{kind} lists every customer's subscriptions");
        let (small, pages) = walk(p.as_ref(), 7).await;
        assert!(pages > 3, "{kind}: {pages} pages of 7");
        let ids: BTreeSet<&str> = small.iter().map(|s| s.id.as_str()).collect();
        assert_eq!(ids.len(), small.len(), "{kind}: a subscription listed twice");
        let (big, big_pages) = walk(p.as_ref(), 100).await;
        assert_eq!(big_pages, big.len().div_ceil(100).max(1), "{kind}: pages of 100");
        let big_ids: BTreeSet<&str> = big.iter().map(|s| s.id.as_str()).collect();
        assert_eq!(ids, big_ids, "{kind}: the same listing whatever the page size");
        // More than a provider's maximum is asked as its maximum.
        let capped = p.list_subscriptions_page(&PageRequest::first(500)).await.unwrap();
        assert_eq!(capped.items.len(), big.len().min(100), "{kind}: a limit of 500");
        grouped_equals_single_reads(p.as_ref(), &big).await;
    }
    let kuvarpay = providers::connect(ProviderKind::KuvarPay, sb.endpoint(ProviderKind::KuvarPay), http).unwrap();
    assert!(!kuvarpay.bulk_subscriptions());
    let err = kuvarpay.list_subscriptions_page(&PageRequest::first(10)).await.unwrap_err();
    assert!(err.to_string().contains("not offered"), "{err}");
}

/// The query parameters a spec operation declares.
fn declared_query(spec: &Spec, template: &str) -> BTreeSet<String> {
    let op = &spec.document()["paths"][template]["get"];
    op["parameters"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|p| p["in"] == "query")
        .filter_map(|p| p["name"].as_str().map(str::to_string))
        .collect()
}

#[tokio::test]
async fn listing_traffic_follows_the_kelviq_and_flowglad_specs() {
    let (Some(kelviq_spec), Some(flowglad_spec)) = (Spec::shared("kelviq"), Spec::shared("flowglad")) else { return };
    let (sb, http) = start().await;
    for kind in [ProviderKind::Kelviq, ProviderKind::Flowglad] {
        let p = providers::connect(kind, sb.endpoint(kind), http.clone()).unwrap();
        walk(p.as_ref(), 9).await;
    }
    let mut checked = BTreeMap::<String, usize>::new();
    for ex in sb.captured() {
        let (route, query) = ex.path.split_once('?').unwrap_or((&ex.path, ""));
        let (spec, path, template) = match route {
            "/kelviq/api/v1/subscriptions/" => (kelviq_spec, "/subscriptions/", "/subscriptions/"),
            "/flowglad/api/v1/subscriptions" => (flowglad_spec, "/api/v1/subscriptions", "/api/v1/subscriptions"),
            _ => continue,
        };
        let declared = declared_query(spec, template);
        for (name, _) in url::form_urlencoded::parse(query.as_bytes()) {
            assert!(declared.contains(name.as_ref()), "{route}: {name} is not a declared parameter ({declared:?})");
        }
        let body: Value = serde_json::from_slice(&ex.response_body).unwrap();
        spec.assert_response(&ex.method, path, ex.status, &body);
        *checked.entry(route.to_string()).or_default() += 1;
    }
    assert!(checked.values().all(|n| *n > 3) && checked.len() == 2, "pages validated: {checked:?}");
}

/// Zenskar's `customer_id__in`: the contracts of exactly the customers named, paged, equal to
/// each customer's own list; a value that is no UUID is refused naming the parameter.
#[tokio::test]
async fn zenskar_lists_the_contracts_of_named_customers_only() {
    let (sandbox, http) = start().await;
    let p = providers::connect(ProviderKind::Zenskar, sandbox.endpoint(ProviderKind::Zenskar), http.clone()).unwrap();
    assert_eq!(p.subscriptions_batch(), 100);
    let customers = support::lists::page_by_page(p.as_ref()).await;
    // A batch with customers that have contracts and some that have none, in small pages.
    let mut named = Vec::new();
    let mut expected = BTreeSet::new();
    for c in &customers {
        let own = p.list_subscriptions(&c.id).await.unwrap();
        if named.len() < 12 && (own.is_empty() == (named.len() % 3 == 0)) {
            expected.extend(own.iter().map(|s| (s.customer_id.clone(), s.id.clone())));
            named.push(c.id.clone());
        }
    }
    assert_eq!(named.len(), 12);
    assert!(expected.len() > 4, "{expected:?}");
    let mut got = BTreeSet::new();
    let mut page = PageRequest::first(3);
    let mut pages = 0;
    loop {
        let answer = p.list_subscriptions_of(&named, &page).await.unwrap();
        pages += 1;
        for s in answer.items {
            assert!(named.contains(&s.customer_id), "{} is not named", s.customer_id);
            assert!(got.insert((s.customer_id, s.id)), "repeated");
        }
        match answer.next_cursor {
            Some(n) => page.cursor = Some(n),
            None => break,
        }
    }
    assert_eq!(got, expected);
    assert!(pages > 1, "paged in threes");

    let mut url = sandbox.provider_url("zenskar/contract_v2");
    url.set_query(Some("customer_id__in=not-a-uuid"));
    let answer = reqwest::Client::new()
        .get(url)
        .header("x-api-key", sandbox::keys::ZENSKAR)
        .header("organisation", sandbox::keys::ZENSKAR_ORGANISATION)
        .header("apiversion", "20230501")
        .send()
        .await
        .unwrap();
    assert_eq!(answer.status(), 422);
    assert!(answer.text().await.unwrap().contains("customer_id__in"));
}
