//! Subscription lists: one customer's (`?customer_id=`) and the whole account's, a page at a
//! time, for the console's summary column (`GET /subscriptions/` without a customer filter;
//! `customer_id` is optional in the spec). Neither sends `status`: without it Kelviq lists one
//! row per subscription in its latest state (no superseded or expired rows).

use serde_json::Value;

use super::{KELVIQ, KelviqClient, MAX_PAGE, map, next_link, parse_cursor, wire};
use crate::billing::{RowIssue, Subscription};
use crate::providers::{Page, PageRequest, Result, decode, paging};

/// One listed row. A row that cannot be decoded or mapped stays in the list, marked
/// (`RowIssue`): one broken row never hides the others. `customer` names the customer when the
/// row does not (a per-customer list knows whose rows it asked for).
pub(super) fn subscription_row(i: usize, row: Value, customer: Option<&str>) -> Subscription {
    let text = |key: &str| row.get(key).and_then(Value::as_str).map(str::to_string);
    let id = text("id").unwrap_or_else(|| format!("(row {})", i + 1));
    let customer = text("customerId").or_else(|| customer.map(str::to_string)).unwrap_or_default();
    let status = text("status").unwrap_or_default();
    let undecodable = |issue| Subscription::undecodable(KELVIQ, id.clone(), customer.clone(), status.clone(), issue);
    match decode::list_row::<wire::Subscription>(i, row.clone()) {
        Err((path, message)) => undecodable(RowIssue::new(path, message)),
        Ok(s) => map::subscription(s).unwrap_or_else(|e| undecodable(RowIssue::new("subscription", e.message))),
    }
}

impl KelviqClient {
    /// `GET /subscriptions/?page=&page_size=`: one page of every customer's subscriptions.
    /// The cursor is `page:page_size` like the customer list's, so a caller that changes its
    /// limit still asks the grid the cursor was counted in.
    pub(super) async fn subscriptions_page(&self, page: &PageRequest) -> Result<Page<Subscription>> {
        let (number, size) = parse_cursor(page.cursor.as_deref(), page.limit.min(MAX_PAGE));
        let q = [("page", number.to_string()), ("page_size", size.to_string())];
        let body: wire::Paginated<Value> = self.get("subscriptions/", &q).await?;
        let next = next_link("subscriptions", number, body.next.as_deref())?;
        let next_cursor = next.map(|n| format!("{n}:{size}"));
        paging::check_page(
            KELVIQ,
            "subscriptions",
            page.cursor.as_deref(),
            body.results.len(),
            next_cursor.as_deref(),
        )?;
        let items = body.results.into_iter().enumerate().map(|(i, row)| subscription_row(i, row, None)).collect();
        Ok(Page { items, next_cursor, total: Some(body.count) })
    }
}
