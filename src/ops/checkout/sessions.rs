//! Checkout sessions listed: the provider's own list (Kelviq, Flowglad) merged with the
//! sessions this console created, which are the only ones where KuvarPay and Zenskar offer
//! no list. The console and `till checkout sessions` both read them through here.

use std::cmp::Reverse;

use crate::billing::CheckoutListing;
use crate::providers::{BillingProvider, PageRequest};

use super::super::Result;

/// The most sessions one request asks for (Kelviq and Flowglad both cap pages at 100).
pub const MAX_LIST: u32 = 100;

/// The provider's newest sessions, newest first: one page of at most `limit` (1..=100).
/// A provider without a list says so in the error: "… is not offered by KuvarPay".
pub async fn list(provider: &dyn BillingProvider, limit: u32) -> Result<Vec<CheckoutListing>> {
    let page = provider.list_checkouts(&PageRequest::first(limit.clamp(1, MAX_LIST))).await?;
    let mut sessions = page.items;
    newest_first(&mut sessions);
    Ok(sessions)
}

/// This console's sessions and the provider's, one row per session id, newest first. A
/// session in both keeps the provider's status and what only this console knows (the URL,
/// which Kelviq and Flowglad return at creation only, and the estimate's amount).
pub fn merge(own: &[CheckoutListing], listed: &[CheckoutListing]) -> Vec<CheckoutListing> {
    let mut out: Vec<CheckoutListing> = listed.to_vec();
    for mine in own {
        match out.iter_mut().find(|l| l.session.id == mine.session.id) {
            Some(l) => {
                l.session.url = l.session.url.take().or_else(|| mine.session.url.clone());
                l.session.estimate = l.session.estimate.take().or_else(|| mine.session.estimate.clone());
                l.session.expires_at = l.session.expires_at.or(mine.session.expires_at);
                l.session.customer_id = l.session.customer_id.take().or_else(|| mine.session.customer_id.clone());
                // The estimate's "due now" (nothing for a trial), not the price the session sells.
                l.amount = mine.amount.or(l.amount);
                l.customer_name = l.customer_name.take().or_else(|| mine.customer_name.clone());
                l.customer_email = l.customer_email.take().or_else(|| mine.customer_email.clone());
                l.created_at = l.created_at.or(mine.created_at);
            }
            None => out.push(mine.clone()),
        }
    }
    newest_first(&mut out);
    out
}

/// Newest first; sessions without a creation time last, then by id for a stable order.
fn newest_first(sessions: &mut [CheckoutListing]) {
    sessions.sort_by(|a, b| {
        (Reverse(a.created_at.is_some()), Reverse(a.created_at), &a.session.id).cmp(&(
            Reverse(b.created_at.is_some()),
            Reverse(b.created_at),
            &b.session.id,
        ))
    });
}

#[cfg(test)]
mod tests {
    use chrono::{TimeZone, Utc};

    use super::*;
    use crate::billing::{CheckoutSession, CheckoutStatus, Currency, Money, ProviderKind};

    fn row(id: &str, hour: Option<u32>, url: Option<&str>, status: CheckoutStatus) -> CheckoutListing {
        CheckoutListing {
            session: CheckoutSession {
                provider: ProviderKind::Kelviq,
                id: id.into(),
                url: url.map(String::from),
                status,
                raw_status: format!("{status:?}").to_lowercase(),
                expires_at: None,
                customer_id: None,
                customer_name: None,
                customer_email: None,
                subscription_id: None,
                estimate: None,
            },
            customer_name: None,
            customer_email: None,
            amount: None,
            created_at: hour.map(|h| Utc.with_ymd_and_hms(2026, 11, 21, h, 0, 0).unwrap()),
        }
    }

    #[test]
    fn own_sessions_join_the_providers_by_id_newest_first() {
        let mut mine = row("cs_2", Some(10), Some("https://pay.example/cs_2"), CheckoutStatus::Open);
        mine.amount = Some(Money::parse("18", Currency::EUR).unwrap());
        let only_mine = row("cs_9", Some(12), Some("https://pay.example/cs_9"), CheckoutStatus::Open);
        let listed = vec![
            row("cs_1", Some(9), None, CheckoutStatus::Expired),
            row("cs_2", Some(10), None, CheckoutStatus::Complete),
            row("cs_0", None, None, CheckoutStatus::Open),
        ];
        let merged = merge(&[mine, only_mine], &listed);
        let ids: Vec<&str> = merged.iter().map(|l| l.session.id.as_str()).collect();
        assert_eq!(ids, ["cs_9", "cs_2", "cs_1", "cs_0"]);
        let both = &merged[1];
        assert_eq!(both.session.status, CheckoutStatus::Complete, "the provider's status wins");
        assert_eq!(both.session.url.as_deref(), Some("https://pay.example/cs_2"), "the URL only we know stays");
        assert_eq!(both.amount.map(|m| m.to_string()), Some("€18.00".to_string()));
    }

    #[test]
    fn own_sessions_keep_the_estimates_due_now_over_the_listed_price() {
        // A 14-day trial of $12 × 3: the provider lists what it sells, the estimate what is due now.
        let mut mine = row("cs_t", Some(10), None, CheckoutStatus::Open);
        mine.amount = Some(Money::zero(Currency::USD));
        let mut listed = row("cs_t", Some(10), None, CheckoutStatus::Open);
        listed.amount = Some(Money::parse("36", Currency::USD).unwrap());
        let merged = merge(&[mine], &[listed.clone()]);
        assert_eq!(merged[0].amount.map(|m| m.to_string()).as_deref(), Some("$0.00"));
        let merged = merge(&[row("cs_t", Some(10), None, CheckoutStatus::Open)], &[listed]);
        assert_eq!(merged[0].amount.map(|m| m.to_string()).as_deref(), Some("$36.00"), "no estimate: the list's");
    }
}
