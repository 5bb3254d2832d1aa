//! The columns of each overlay list, for filtering, sorting and export (`listing::Tabular`).

use chrono::{DateTime, Utc};

use super::listing::{SortKey, Tabular, money_key, number_key};
use super::rows::CustomerRow;
use crate::audit::Entry;
use crate::billing::{CheckoutListing, InvoiceRecord};
use crate::providers::log::Exchange;

fn time_key(t: Option<DateTime<Utc>>) -> SortKey {
    t.map_or(SortKey::Missing, SortKey::Time)
}

fn text(value: Option<impl ToString>) -> String {
    value.map(|v| v.to_string()).unwrap_or_default()
}

impl Tabular for Exchange {
    fn columns() -> &'static [&'static str] {
        &["Time", "Provider", "Method", "Path", "Status", "Took (ms)", "Request id"]
    }

    fn cells(&self) -> Vec<String> {
        vec![
            self.started_at.format("%Y-%m-%d %H:%M:%S").to_string(),
            self.provider.display_name().to_string(),
            self.method.clone(),
            self.path().to_string(),
            self.status.map_or_else(|| "no response".to_string(), |s| s.to_string()),
            self.duration.as_millis().to_string(),
            text(self.request_id.as_deref()),
        ]
    }

    fn sort_key(&self, column: usize) -> SortKey {
        match column {
            0 => SortKey::Time(self.started_at),
            4 => self.status.map_or(SortKey::Missing, number_key),
            5 => number_key(u64::try_from(self.duration.as_millis()).unwrap_or(u64::MAX)),
            c => SortKey::Text(self.cells().get(c).cloned().unwrap_or_default().to_lowercase()),
        }
    }

    /// `5xx` (a status class), `POST` (a method), `/checkout` (a path), `queued` (waited for
    /// the provider's budget), a provider, or any text.
    fn matches_word(&self, word: &str) -> bool {
        let class = word.strip_suffix("xx").and_then(|d| d.parse::<u16>().ok()).filter(|d| (1..=5).contains(d));
        if let Some(class) = class {
            return self.status.is_some_and(|s| s / 100 == class);
        }
        if word == "error" || word == "failed" {
            return self.status.is_none_or(|s| s >= 400);
        }
        if word == "queued" || word == "waited" {
            return self.queued_ms > 0;
        }
        if word.starts_with('/') {
            return self.path().to_lowercase().contains(word);
        }
        crate::util::fold_accents(&self.cells().join(" ")).to_lowercase().contains(word)
    }
}

impl Tabular for InvoiceRecord {
    fn columns() -> &'static [&'static str] {
        &["Invoice", "Status", "Total", "Amount due", "Issued", "Due", "Subscription"]
    }

    fn cells(&self) -> Vec<String> {
        vec![
            self.number.clone().unwrap_or_else(|| self.id.clone()),
            self.status_text(),
            text(self.total),
            text(self.amount_due),
            text(self.issued_on),
            text(self.due_on),
            text(self.subscription_id.as_deref()),
        ]
    }

    fn sort_key(&self, column: usize) -> SortKey {
        match column {
            2 => money_key(self.total),
            3 => money_key(self.amount_due),
            4 => self.issued_on.map_or(SortKey::Missing, |d| SortKey::Text(d.to_string())),
            5 => self.due_on.map_or(SortKey::Missing, |d| SortKey::Text(d.to_string())),
            c => SortKey::Text(self.cells().get(c).cloned().unwrap_or_default().to_lowercase()),
        }
    }

    /// The number shows where there is one; the id the provider's API uses still finds the row.
    fn matches_word(&self, word: &str) -> bool {
        crate::util::fold_accents(&format!("{} {}", self.cells().join(" "), self.id)).contains(word)
    }
}

impl Tabular for Entry {
    fn columns() -> &'static [&'static str] {
        &["Time", "Provider", "Action", "Outcome", "Target", "Request ids"]
    }

    fn cells(&self) -> Vec<String> {
        vec![
            self.time.format("%Y-%m-%d %H:%M:%S").to_string(),
            self.provider.display_name().to_string(),
            self.action.clone(),
            format!("{:?}", self.outcome).to_lowercase(),
            text(self.target.as_deref()),
            self.request_ids.join(" "),
        ]
    }

    fn sort_key(&self, column: usize) -> SortKey {
        match column {
            0 => SortKey::Time(self.time),
            c => SortKey::Text(self.cells().get(c).cloned().unwrap_or_default().to_lowercase()),
        }
    }
}

impl Tabular for (u8, CheckoutListing) {
    fn columns() -> &'static [&'static str] {
        &["Provider", "Status", "Customer", "Amount", "Created", "Expires", "Session"]
    }

    fn cells(&self) -> Vec<String> {
        let l = &self.1;
        let customer = l.customer_name.clone().or(l.customer_email.clone()).or(l.session.customer_id.clone());
        let when = |t: Option<DateTime<Utc>>| text(t.map(|t| t.format("%Y-%m-%d %H:%M")));
        vec![
            l.session.provider.display_name().to_string(),
            l.session.status_text(),
            customer.unwrap_or_default(),
            text(l.amount),
            when(l.created_at),
            when(l.session.expires_at),
            l.session.id.clone(),
        ]
    }

    fn sort_key(&self, column: usize) -> SortKey {
        match column {
            3 => money_key(self.1.amount),
            4 => time_key(self.1.created_at),
            5 => time_key(self.1.session.expires_at),
            c => SortKey::Text(self.cells().get(c).cloned().unwrap_or_default().to_lowercase()),
        }
    }
}

impl Tabular for crate::billing::webhooks::WebhookEvent {
    fn columns() -> &'static [&'static str] {
        &["Time", "Provider", "Type", "Object", "Delivery", "Event"]
    }

    fn cells(&self) -> Vec<String> {
        vec![
            self.at.format("%Y-%m-%d %H:%M:%S").to_string(),
            self.provider.display_name().to_string(),
            self.kind.clone(),
            self.object.clone().unwrap_or_default(),
            self.delivery_summary(),
            self.id.clone(),
        ]
    }

    fn sort_key(&self, column: usize) -> SortKey {
        match column {
            0 => SortKey::Time(self.at),
            c => SortKey::Text(self.cells().get(c).cloned().unwrap_or_default().to_lowercase()),
        }
    }

    /// The payload too: a customer's own id or email is often only there.
    fn matches_word(&self, word: &str) -> bool {
        let text = format!("{} {}", self.cells().join(" "), self.payload);
        crate::util::fold_accents(&text).to_lowercase().contains(word)
    }
}

impl Tabular for CustomerRow<'_> {
    fn columns() -> &'static [&'static str] {
        &["Name", "Email", "ID", "Provider", "Created"]
    }

    fn cells(&self) -> Vec<String> {
        vec![
            text(self.name),
            text(self.email),
            self.id.to_string(),
            self.provider.display_name().to_string(),
            text(self.created_at.map(|t| t.format("%Y-%m-%d %H:%M"))),
        ]
    }
}

impl Tabular for crate::billing::Subscription {
    fn columns() -> &'static [&'static str] {
        &["Plan", "Status", "Price", "Period", "Dates", "ID"]
    }

    fn cells(&self) -> Vec<String> {
        vec![
            self.plan_name.clone().or(self.plan_id.clone()).unwrap_or_default(),
            crate::billing::status_text(self.status.label(), &self.raw_status),
            text(self.amount),
            self.period.label(),
            self.date_phrase(),
            self.id.clone(),
        ]
    }

    fn sort_key(&self, column: usize) -> SortKey {
        match column {
            2 => money_key(self.amount),
            c => SortKey::Text(self.cells().get(c).cloned().unwrap_or_default().to_lowercase()),
        }
    }
}

impl Tabular for crate::billing::Plan {
    fn columns() -> &'static [&'static str] {
        &["Plan", "ID", "Prices"]
    }

    fn cells(&self) -> Vec<String> {
        let prices: Vec<String> = self.prices.iter().map(|p| format!("{} {}", p.amount, p.period.label())).collect();
        vec![self.name.clone(), self.id.clone(), prices.join("; ")]
    }

    /// By the lowest price (currency first), so "cheapest first" reads as expected.
    fn sort_key(&self, column: usize) -> SortKey {
        match column {
            2 => money_key(
                self.prices.iter().map(|p| p.amount).min_by_key(|m| (m.currency().code().to_string(), m.amount())),
            ),
            c => SortKey::Text(self.cells().get(c).cloned().unwrap_or_default().to_lowercase()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::billing::ProviderKind;
    use crate::tui::state::listing::ListControl;

    fn exchange(method: &str, path: &str, status: Option<u16>) -> Exchange {
        let mut e: Exchange = serde_json::from_value(serde_json::json!({
            "id": 1, "provider": "kelviq", "started_at": "2026-12-06T10:00:00Z", "method": method,
            "url": format!("http://127.0.0.1:1{path}"), "status": status, "duration": 12, "request_id": null,
            "request_headers": [], "response_headers": [], "request_body": null, "request_body_size": 0,
            "response_body": null, "response_body_size": 0, "attempt": 1, "error": null
        }))
        .unwrap();
        e.provider = ProviderKind::Kelviq;
        e
    }

    #[test]
    fn the_request_log_filters_by_status_class_method_and_path() {
        let log = [
            exchange("GET", "/kelviq/api/v1/customers/", Some(200)),
            exchange("POST", "/kelviq/api/v1/checkout/", Some(502)),
            exchange("POST", "/kelviq/api/v1/subscriptions/x/cancel/", Some(404)),
            exchange("GET", "/kelviq/api/v1/checkout/sessions/", None),
        ];
        let shown = |q: &str| ListControl { query: q.into(), ..ListControl::default() }.visible(&log);
        assert_eq!(shown("5xx"), [1]);
        assert_eq!(shown("4xx"), [2]);
        assert_eq!(shown("POST"), [1, 2]);
        assert_eq!(shown("/checkout"), [1, 3]);
        assert_eq!(shown("POST /checkout"), [1]);
        assert_eq!(shown("error"), [1, 2, 3], "4xx, 5xx and no response");
    }
}
