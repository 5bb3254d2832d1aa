//! Reading a provider's customer list one page after another, as `customers list` did before
//! pages were read in parallel or ahead: what the faster readings are held equal to.

#![allow(dead_code)] // each test file uses a different part

use till::billing::Customer;
use till::providers::{BillingProvider, PageRequest};

/// Every customer, page by page (100 a page), each page asked for once the one before named it.
pub async fn page_by_page(p: &dyn BillingProvider) -> Vec<Customer> {
    let mut out = Vec::new();
    let mut request = PageRequest::first(100);
    loop {
        let page = p.list_customers(&request).await.unwrap();
        out.extend(page.items);
        match page.next_cursor {
            Some(next) => request.cursor = Some(next),
            None => return out,
        }
    }
}
