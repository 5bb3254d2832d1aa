//! `GET /contract_v2` for the console's summary column: every customer's contracts a page at a
//! time (cursor/limit, newest first, `{results, next, previous, total_count}`), or those of a
//! list of customers (`customer_id__in`, one of the Django-style `__in` filters Zenskar documents
//! on its list endpoints). No status filter, as the per-customer list sends none.

use chrono::Utc;
use serde_json::Value;

use super::{MAX_PAGE, ZENSKAR, ZenskarClient, map, wire};
use crate::billing::{RowIssue, Subscription};
use crate::providers::{Page, PageRequest, Result, decode, paging};

/// Customer ids named in one `customer_id__in` request: 100 UUIDs make a query of about
/// 3,700 characters, well inside what servers and proxies accept in a URL.
pub(super) const CUSTOMERS_PER_REQUEST: usize = 100;

impl ZenskarClient {
    /// One page of contracts: every customer's, or (non-empty `customers`) those customers'.
    pub(super) async fn contracts_page(&self, page: &PageRequest, customers: &[String]) -> Result<Page<Subscription>> {
        let mut q = vec![("limit", page.limit.clamp(1, MAX_PAGE).to_string())];
        if let Some(cursor) = &page.cursor {
            q.push(("cursor", cursor.clone()));
        }
        if !customers.is_empty() {
            // A customer id that is no UUID would fail the whole request; the list never has one.
            let ids: Vec<&str> = customers.iter().map(String::as_str).filter(|c| map::is_uuid(c)).collect();
            if ids.is_empty() {
                return Ok(Page { items: Vec::new(), next_cursor: None, total: Some(0) });
            }
            q.push(("customer_id__in", ids.join(",")));
        }
        let body: wire::Page<Value> = self.get("contract_v2", &q).await?;
        let next_cursor = body.next.filter(|n| !n.is_empty());
        paging::check_page(ZENSKAR, "contract_v2", page.cursor.as_deref(), body.results.len(), next_cursor.as_deref())?;
        let today = Utc::now().date_naive();
        let items = body
            .results
            .into_iter()
            .enumerate()
            .map(|(i, row)| {
                let text = |key: &str| row.get(key).and_then(Value::as_str).map(str::to_string);
                let (id, customer, status) = (
                    text("id").unwrap_or_else(|| format!("(row {})", i + 1)),
                    text("customer_id").unwrap_or_default(),
                    text("status").unwrap_or_default(),
                );
                // One contract in a shape that breaks the reference is listed, marked.
                let undecodable =
                    |issue| Subscription::undecodable(ZENSKAR, id.clone(), customer.clone(), status.clone(), issue);
                match decode::list_row::<wire::Contract>(i, row.clone()) {
                    Err((path, message)) => undecodable(RowIssue::new(path, message)),
                    Ok(c) => map::subscription(c, today)
                        .unwrap_or_else(|e| undecodable(RowIssue::new("subscription", e.message))),
                }
            })
            .collect();
        Ok(Page { items, next_cursor, total: body.total })
    }
}
