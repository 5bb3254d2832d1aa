//! `GET /subscriptions` (cursor/limit, oldest first, no filters): every customer's
//! subscriptions a page at a time, for the console's summary column. Rows name customers by
//! Flowglad id; customers this client has read get their external id, the rest keep the
//! Flowglad id (the console matches it against a customer's `alt_id`).

use std::sync::Arc;

use chrono::Utc;

use super::map::{self, Catalog, FLOWGLAD};
use super::{FlowgladClient, MAX_PAGE, wire};
use crate::billing::{RowIssue, Subscription};
use crate::providers::{Page, PageRequest, Result, decode, paging};

impl FlowgladClient {
    /// The pricing model that names the listed prices: read again on a listing's first page,
    /// reused by its follow-up pages, so a walk costs one catalog read rather than one a page.
    async fn listing_catalog(&self, first_page: bool) -> Result<Arc<Catalog>> {
        if !first_page && let Some(c) = self.listing_catalog.lock().unwrap_or_else(|p| p.into_inner()).clone() {
            return Ok(c);
        }
        let catalog = Arc::new(self.catalog().await?);
        *self.listing_catalog.lock().unwrap_or_else(|p| p.into_inner()) = Some(catalog.clone());
        Ok(catalog)
    }

    pub(super) async fn subscriptions_page(&self, page: &PageRequest) -> Result<Page<Subscription>> {
        let mut q = vec![("limit", page.limit.clamp(1, MAX_PAGE).to_string())];
        if let Some(cursor) = &page.cursor {
            q.push(("cursor", cursor.clone()));
        }
        let (body, catalog) = futures::try_join!(
            self.get::<wire::Page<serde_json::Value>>("subscriptions", &q),
            self.listing_catalog(page.cursor.is_none())
        )?;
        let next_cursor = body.next_cursor.clone().filter(|_| body.has_more);
        paging::check_page(FLOWGLAD, "subscriptions", page.cursor.as_deref(), body.data.len(), next_cursor.as_deref())?;
        let now = Utc::now();
        let items = body
            .data
            .into_iter()
            .enumerate()
            .map(|(i, row)| {
                let text = |key: &str| row.get(key).and_then(serde_json::Value::as_str).map(str::to_string);
                let (id, customer, status) = (
                    text("id").unwrap_or_else(|| format!("(row {})", i + 1)),
                    self.external_id(&text("customerId").unwrap_or_default()),
                    text("status").unwrap_or_default(),
                );
                // One row in a shape that breaks the spec is listed, marked; the page still shows.
                let undecodable =
                    |issue| Subscription::undecodable(FLOWGLAD, id.clone(), customer.clone(), status.clone(), issue);
                match decode::list_row_in::<wire::Subscription>("data", i, row.clone()) {
                    Err((path, message)) => undecodable(RowIssue::new(path, message)),
                    Ok(s) => map::subscription(&s, None, &catalog, customer.clone(), now)
                        .unwrap_or_else(|e| undecodable(RowIssue::new("subscription", e.message))),
                }
            })
            .collect();
        Ok(Page { items, next_cursor, total: Some(body.total) })
    }
}
