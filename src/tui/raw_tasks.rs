//! The provider's own object for a detail view: every field it sent, as the request log kept
//! it (secrets already redacted there). Found by id in the newest response bodies; a customer
//! or subscription not in the log (a big page's body is kept only in part) is read again once
//! with the provider's own get, which logs a small body, then looked up again.

use serde_json::Value;

use super::state::detail::RawRead;
use super::state::messages::Msg;
use super::tasks::Tasks;
use crate::providers::log::Exchange;

/// Keys an object names itself by across the four APIs. Foreign keys (`customerId` in a
/// subscription) are left out, so a customer is looked up by the provider's own id for it.
const ID_KEYS: [&str; 3] = ["id", "identifier", "uid"];

/// The fullest object (most fields; the newest of equals) the provider sent whose id key
/// equals `id`: a catalog plan rather than the `{name, identifier}` a subscription names it by.
pub fn find_in_log(exchanges: &[Exchange], provider: crate::billing::ProviderKind, id: &str) -> Option<Value> {
    let size = |v: &Value| v.as_object().map_or(0, serde_json::Map::len);
    let mut best: Option<Value> = None;
    for e in exchanges.iter().rev().filter(|e| e.provider == provider) {
        let text = e.full_response_body.as_deref().or(e.response_body.as_deref());
        let Some(body) = text.and_then(|b| serde_json::from_str::<Value>(b).ok()) else {
            continue;
        };
        let mut found: Option<&Value> = None;
        visit(&body, id, &mut found);
        if let Some(f) = found.filter(|f| best.as_ref().is_none_or(|b| size(b) < size(f))) {
            best = Some(f.clone());
        }
    }
    best
}

fn visit<'a>(value: &'a Value, id: &str, best: &mut Option<&'a Value>) {
    match value {
        Value::Object(map) => {
            let named = ID_KEYS.iter().any(|k| map.get(*k).and_then(Value::as_str) == Some(id));
            if named && best.is_none_or(|b| b.as_object().map_or(0, serde_json::Map::len) < map.len()) {
                *best = Some(value);
            }
            map.values().for_each(|v| visit(v, id, best));
        }
        Value::Array(items) => items.iter().for_each(|v| visit(v, id, best)),
        _ => {}
    }
}

impl Tasks {
    pub(super) fn find_raw(&mut self, slot: u8, id: String, fetch: Option<RawRead>) {
        let (Some(p), tx, log) = (self.provider(slot), self.tx.clone(), self.log.clone()) else { return };
        self.spawn(async move {
            let provider = p.kind();
            // A customer is named by the provider's own id (Kelviq's uuid, Flowglad's id), or,
            // where till addresses it by that very id (Zenskar's uuid), by the id till uses.
            let also = match &fetch {
                Some(RawRead::Customer(own)) => Some(own.clone()),
                _ => None,
            };
            let look = |entries: &[Exchange]| {
                find_in_log(entries, provider, &id)
                    .or_else(|| also.as_deref().and_then(|a| find_in_log(entries, provider, a)))
            };
            let mut found = look(&log.snapshot());
            if let (None, Some(again)) = (&found, fetch) {
                // One fresh read: the newest answer, kept whole by the console's log.
                let read = match &again {
                    RawRead::Customer(id) => p.get_customer(id).await.map(|_| ()),
                    RawRead::Subscription(id) => p.get_subscription(id).await.map(|_| ()),
                    RawRead::Invoices { customer_id } => p.list_invoices(customer_id).await.map(|_| ()),
                    RawRead::Plans => p.list_plans().await.map(|_| ()),
                    RawRead::Payment(id) => p.get_payment(id).await.map(|_| ()),
                };
                if read.is_ok() {
                    found = look(&log.snapshot());
                }
            }
            let _ = tx.send(Msg::Raw { slot, id, found });
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::billing::ProviderKind;

    fn exchange(provider: ProviderKind, body: &str) -> Exchange {
        let mut e: Exchange = serde_json::from_value(serde_json::json!({
            "id": 1, "provider": "kelviq", "started_at": "2026-12-06T10:00:00Z", "method": "GET",
            "url": "http://h/x", "status": 200, "duration": 1, "request_id": null, "request_headers": [],
            "response_headers": [], "request_body": null, "request_body_size": 0, "response_body": body,
            "response_body_size": body.len(), "attempt": 1, "error": null
        }))
        .unwrap();
        e.provider = provider;
        e
    }

    #[test]
    fn the_fullest_object_with_the_id_wins_newest_first_per_provider() {
        let log = [
            exchange(ProviderKind::Kelviq, r#"{"results":[{"id":"s1","plan":{"name":"Old"},"status":"active"}]}"#),
            exchange(ProviderKind::Kelviq, r#"{"id":"s1","status":"active","amount":"18.00","currency":"EUR"}"#),
            exchange(ProviderKind::Flowglad, r#"{"id":"s1","other":"provider"}"#),
            exchange(ProviderKind::Kelviq, r#"{"results":[{"subscription":{"id":"s1"}}], "trunc"#),
        ];
        let found = find_in_log(&log, ProviderKind::Kelviq, "s1").unwrap();
        assert_eq!(found["amount"], "18.00", "the fullest Kelviq object: {found}");
        assert_eq!(find_in_log(&log, ProviderKind::Flowglad, "s1").unwrap()["other"], "provider");
        assert!(find_in_log(&log, ProviderKind::Zenskar, "s1").is_none());
        let nested = [exchange(
            ProviderKind::Kelviq,
            r#"{"plan":{"identifier":"p1"},"row":{"identifier":"p1","name":"A","version":2},"sub":{"id":"s9","customerId":"u1","plan":"p1"}}"#,
        )];
        assert_eq!(find_in_log(&nested, ProviderKind::Kelviq, "p1").unwrap()["name"], "A", "the fuller object");
        assert!(find_in_log(&nested, ProviderKind::Kelviq, "u1").is_none(), "a foreign key names no object");
    }

    #[test]
    fn a_whole_body_kept_beside_a_cut_preview_is_searched() {
        let whole = r#"{"data":[{"id":"inv_1","invoiceNumber":"TILL-1"}]}"#;
        let mut e = exchange(ProviderKind::Flowglad, &whole[..20]);
        assert!(find_in_log(std::slice::from_ref(&e), ProviderKind::Flowglad, "inv_1").is_none(), "cut JSON");
        e.full_response_body = Some(whole.into());
        assert_eq!(find_in_log(&[e], ProviderKind::Flowglad, "inv_1").unwrap()["invoiceNumber"], "TILL-1");
    }
}
