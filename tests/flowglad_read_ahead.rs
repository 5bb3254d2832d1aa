//! Flowglad's customer list read ahead (`providers/flowglad/ahead.rs`): while a caller reads
//! every page (`customers list --all`), the next page is asked for from the cursor at the end of
//! the body before the page is read whole. The list must come out exactly as page-by-page
//! reading gives it, each page asked for once, and a list cut at a limit must ask for no page
//! it does not show. Against the sandbox's Flowglad.

#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a panic is the failure report

mod support;

use std::ops::ControlFlow;
use std::sync::Arc;
use std::time::Duration;

use till::billing::{Customer, ProviderKind};
use till::ops::customers;
use till::providers::{self, BillingProvider, Http, HttpConfig};
use till::sandbox::{SandboxHandle, SandboxOptions, start};

const F: ProviderKind = ProviderKind::Flowglad;

async fn streamed(p: &dyn BillingProvider, limit: Option<u32>) -> Vec<Customer> {
    let mut decoder = customers::PageDecoder::new(limit);
    let mut out = Vec::new();
    customers::list_rows(p, limit, &mut |rows, changed| {
        out.extend(decoder.page(p, rows, changed));
        ControlFlow::Continue(())
    })
    .await
    .unwrap();
    out
}

/// The cursors of the customers pages the sandbox was asked for after its first `after`
/// requests, in order (`None` for the first page). Also a request read ahead and never taken
/// is counted: it reached the sandbox.
async fn customer_pages_asked(sandbox: &SandboxHandle, after: usize) -> Vec<Option<String>> {
    // What was asked for last may still be on its way.
    tokio::time::sleep(Duration::from_millis(200)).await;
    let asked = sandbox.captured().into_iter().skip(after);
    let pages = asked.filter(|c| c.path.starts_with("/flowglad/api/v1/customers?"));
    pages.map(|c| c.path.split("cursor=").nth(1).map(str::to_string)).collect()
}

fn listed_sandbox() -> SandboxOptions {
    SandboxOptions { extra_customers: 430, capture: true, ..SandboxOptions::default() }
}

#[tokio::test]
async fn a_list_read_ahead_is_the_list_read_page_by_page_each_page_asked_for_once() {
    let sandbox = start(listed_sandbox()).await.unwrap();
    let http = Http::new(HttpConfig::default()).unwrap();
    let p: Arc<dyn BillingProvider> = providers::connect(F, sandbox.endpoint(F), http.clone()).unwrap();
    let expected = support::lists::page_by_page(p.as_ref()).await;
    assert!(expected.len() > 400, "{} customers", expected.len());
    let after = sandbox.captured().len();

    let listed = streamed(p.as_ref(), None).await;
    let ids = |list: &[Customer]| list.iter().map(|c| c.id.clone()).collect::<Vec<_>>();
    assert_eq!(ids(&listed), ids(&expected));
    assert_eq!(format!("{listed:?}"), format!("{expected:?}"));
    let asked = customer_pages_asked(&sandbox, after).await;
    assert_eq!(asked.len(), expected.len().div_ceil(100), "{asked:?}");
    let mut distinct = asked.clone();
    distinct.dedup();
    assert_eq!(distinct, asked, "a page was asked for twice");
}

#[tokio::test]
async fn a_list_cut_at_a_limit_asks_for_no_page_past_it() {
    let sandbox = start(listed_sandbox()).await.unwrap();
    let http = Http::new(HttpConfig::default()).unwrap();
    let p: Arc<dyn BillingProvider> = providers::connect(F, sandbox.endpoint(F), http.clone()).unwrap();
    let listed = streamed(p.as_ref(), Some(150)).await;
    assert_eq!(listed.len(), 150);
    let asked = customer_pages_asked(&sandbox, 0).await;
    assert_eq!(asked.len(), 2, "{asked:?}");
}
