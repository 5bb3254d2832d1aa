//! `GET /contract_v2` without a customer filter: every customer's contracts a page at a time
//! (cursor/limit, newest first, `{results, next, previous, total_count}`), for the console's
//! summary column. No status filter, as the per-customer list sends none.

use chrono::Utc;
use serde_json::Value;

use super::{MAX_PAGE, ZENSKAR, ZenskarClient, map, wire};
use crate::billing::{RowIssue, Subscription};
use crate::providers::{Page, PageRequest, Result, decode, paging};

impl ZenskarClient {
    pub(super) async fn contracts_page(&self, page: &PageRequest) -> Result<Page<Subscription>> {
        let mut q = vec![("limit", page.limit.clamp(1, MAX_PAGE).to_string())];
        if let Some(cursor) = &page.cursor {
            q.push(("cursor", cursor.clone()));
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
