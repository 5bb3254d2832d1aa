//! Kelviq's own delivery log (`GET /webhook/logs/`), for the console's Events view on a
//! Kelviq account: every attempt of the trailing 30 days, newest first, 100 per page.

use chrono::{DateTime, Utc};

use super::{KELVIQ, KelviqClient, MAX_PAGE, next_link, parse_cursor, wire};
use crate::billing::webhooks::{WebhookAttempt, WebhookEvent, object_id};
use crate::providers::{ErrorKind, Page, PageRequest, ProviderError, Result, paging};

impl KelviqClient {
    pub(super) async fn webhook_log_page(&self, page: &PageRequest) -> Result<Page<WebhookEvent>> {
        let (number, size) = parse_cursor(page.cursor.as_deref(), page.limit.min(MAX_PAGE));
        let q = vec![("page", number.to_string()), ("page_size", size.to_string())];
        let body: wire::Paginated<wire::WebhookEventLogResponse> = self.get("webhook/logs/", &q).await?;
        let next = next_link("webhook logs", number, body.next.as_deref())?;
        let next_cursor = next.map(|n| format!("{n}:{size}"));
        paging::check_page(KELVIQ, "webhook logs", page.cursor.as_deref(), body.results.len(), next_cursor.as_deref())?;
        let items = body.results.into_iter().map(log_row).collect::<Result<Vec<_>>>()?;
        Ok(Page { next_cursor, total: Some(body.count), items })
    }
}

/// One attempt as an event carrying that attempt alone (`billing::webhooks::merge` gathers
/// them). Kelviq's log records neither headers nor latency.
fn log_row(row: wire::WebhookEventLogResponse) -> Result<WebhookEvent> {
    let time = |field: &str, text: &str| {
        DateTime::parse_from_rfc3339(text).map(|t| t.with_timezone(&Utc)).map_err(|_| {
            ProviderError::new(
                KELVIQ,
                ErrorKind::Decode,
                format!(
                    "webhook log attempt {}: `{field}` is '{}', not a date-time",
                    crate::text::line(&row.id),
                    crate::text::line(text)
                ),
            )
        })
    };
    let at = time("lastAttempt", &row.last_attempt)?;
    let created = time("createdOn", &row.created_on)?;
    let attempt = WebhookAttempt {
        id: row.id.clone(),
        endpoint: row.endpoint.clone(),
        retry: row.retry_count,
        at,
        status: row.status_code,
        ok: row.is_success,
        latency_ms: None,
        error: None,
        headers: Vec::new(),
        redelivery: false,
    };
    Ok(WebhookEvent {
        provider: crate::billing::ProviderKind::Kelviq,
        object: object_id(&row.payload),
        payload: row.payload.to_string(),
        id: row.event_id,
        kind: row.event_type,
        at: created,
        attempts: vec![attempt],
        sandbox_seq: None,
    })
}
