//! Kelviq's checkout-session reads: the status words of `GET /checkout/sessions/{id}/` and
//! the list `GET /checkout/sessions/` (newest first, page/page_size; added in v1.6.2).

use chrono::{DateTime, Utc};

use super::{KELVIQ, KelviqClient, MAX_PAGE, next_link, parse_cursor, wire};
use crate::billing::{CheckoutListing, CheckoutSession, CheckoutStatus, Currency, Money};
use crate::providers::{Page, PageRequest, Result, paging};

/// Kelviq's documented session statuses: `open`, `processing`, `success`, `expired`.
pub fn status(raw: &str) -> CheckoutStatus {
    match raw {
        "open" => CheckoutStatus::Open,
        "processing" => CheckoutStatus::Processing,
        "success" | "complete" | "completed" => CheckoutStatus::Complete,
        "expired" => CheckoutStatus::Expired,
        _ => CheckoutStatus::Unknown,
    }
}

/// A session as Kelviq's detail or list describes it. Kelviq returns the hosted page's URL
/// only when the session is created, and documents no expiry.
pub fn session(raw: &wire::CheckoutSessionDetail) -> CheckoutSession {
    CheckoutSession {
        provider: KELVIQ,
        id: raw.id.clone(),
        url: None,
        status: status(&raw.status),
        raw_status: raw.status.clone(),
        expires_at: None,
        customer_id: raw.customer.as_ref().map(|c| c.customer_id.clone()).filter(|c| !c.is_empty()),
        customer_name: raw.customer.as_ref().and_then(|c| c.name.clone()).filter(|n| !n.trim().is_empty()),
        customer_email: raw.customer.as_ref().and_then(|c| c.email.clone()).filter(|e| !e.trim().is_empty()),
        subscription_id: raw.subscription.as_ref().map(|s| s.id.clone()).filter(|s| !s.is_empty()),
        estimate: None,
    }
}

/// A list row. The list states no amount; a paid session's order total is used when the
/// response carries one.
fn listing(raw: wire::CheckoutSessionDetail) -> CheckoutListing {
    let amount = raw.order.as_ref().and_then(|o| {
        let currency = Currency::from_code(o.sale_currency.as_deref().or(raw.currency.as_deref())?).ok()?;
        Money::parse(o.amount_total.as_deref()?, currency).ok()
    });
    let created_at =
        raw.created_on.as_deref().and_then(|t| DateTime::parse_from_rfc3339(t).ok()).map(|t| t.with_timezone(&Utc));
    let session = session(&raw);
    CheckoutListing {
        customer_name: session.customer_name.clone(),
        customer_email: session.customer_email.clone(),
        session,
        amount,
        created_at,
    }
}

impl KelviqClient {
    /// One page of `GET /checkout/sessions/`; the cursor is `page:page_size` as for customers.
    pub(super) async fn checkout_list(&self, page: &PageRequest) -> Result<Page<CheckoutListing>> {
        let (number, size) = parse_cursor(page.cursor.as_deref(), page.limit.min(MAX_PAGE));
        let mut q = vec![("page", number.to_string()), ("page_size", size.to_string())];
        if let Some(s) = page.search.as_deref().filter(|s| !s.is_empty()) {
            q.push(("search", s.to_string()));
        }
        let body: wire::Paginated<wire::CheckoutSessionDetail> = self.get("checkout/sessions/", &q).await?;
        let next = next_link("checkout sessions", number, body.next.as_deref())?;
        let next_cursor = next.map(|n| format!("{n}:{size}"));
        let what = "checkout sessions";
        paging::check_page(KELVIQ, what, page.cursor.as_deref(), body.results.len(), next_cursor.as_deref())?;
        Ok(Page { next_cursor, total: Some(body.count), items: body.results.into_iter().map(listing).collect() })
    }
}
