//! Each provider's event envelope and event ids.
//!
//! Kelviq's is documented: `{id, type, created_at, data:{object, previous_attributes?}}` with
//! snake_case fields (its API answers in camelCase, so the object's keys are converted).
//! Flowglad documents the Svix delivery but not the body: the sandbox sends `{id, type,
//! livemode, createdAt, data}` with the object as its API renders it (inferred). KuvarPay
//! names the event in `X-KuvarPay-Event` and documents no body: `{id, event, created_at,
//! data}` (inferred). Zenskar documents neither: `{id, event_type, created_at, data}`
//! (inferred).

use serde_json::{Map, Value, json};

use super::Emitted;
use crate::billing::ProviderKind;
use crate::sandbox::admin::random_token;

/// A new event id in the provider's form: Kelviq a UUID (`webhook-id` is "the event UUID"),
/// Flowglad Svix's `msg_…`, KuvarPay and Zenskar `evt_…` (inferred).
pub fn event_id(provider: ProviderKind) -> String {
    match provider {
        ProviderKind::Kelviq => uuid::Uuid::new_v4().to_string(),
        ProviderKind::Flowglad => format!("msg_{}", random_token(27)),
        ProviderKind::KuvarPay | ProviderKind::Zenskar => format!("evt_{}", random_token(24)),
    }
}

fn iso(t: chrono::DateTime<chrono::Utc>) -> String {
    t.to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
}

/// The exact body every delivery of this event sends.
pub fn body(provider: ProviderKind, id: &str, e: &Emitted) -> String {
    let value = match provider {
        ProviderKind::Kelviq => {
            let mut data = json!({ "object": snake_keys(e.object.clone()) });
            if let Some(previous) = &e.previous {
                data["previous_attributes"] = snake_keys(previous.clone());
            }
            json!({ "id": id, "type": e.kind, "created_at": iso(e.at), "data": data })
        }
        ProviderKind::Flowglad => json!({
            "id": id,
            "type": e.kind,
            "livemode": false,
            "createdAt": e.at.timestamp_millis(),
            "data": e.object,
        }),
        ProviderKind::KuvarPay => json!({ "id": id, "event": e.kind, "created_at": iso(e.at), "data": e.object }),
        ProviderKind::Zenskar => json!({ "id": id, "event_type": e.kind, "created_at": iso(e.at), "data": e.object }),
    };
    value.to_string()
}

/// `billingPeriodEndTime` → `billing_period_end_time`, at every depth.
pub fn snake_keys(value: Value) -> Value {
    match value {
        Value::Object(map) => {
            let out: Map<String, Value> = map.into_iter().map(|(k, v)| (snake(&k), snake_keys(v))).collect();
            Value::Object(out)
        }
        Value::Array(items) => Value::Array(items.into_iter().map(snake_keys).collect()),
        other => other,
    }
}

fn snake(key: &str) -> String {
    let mut out = String::with_capacity(key.len() + 4);
    for (i, c) in key.chars().enumerate() {
        if c.is_ascii_uppercase() {
            if i > 0 {
                out.push('_');
            }
            out.push(c.to_ascii_lowercase());
        } else {
            out.push(c);
        }
    }
    out
}

/// The top-level fields of `after` whose values differ in `before`, with their old values
/// (a field `after` lacks is not reported; one `before` lacked was null). `None` when nothing
/// changed, so `previous_attributes` is left out as Kelviq leaves it out.
pub fn previous_attributes(before: &Value, after: &Value) -> Option<Value> {
    let (Value::Object(before), Value::Object(after)) = (before, after) else { return None };
    let changed: Map<String, Value> = after
        .iter()
        .filter(|(k, v)| before.get(*k) != Some(*v))
        .map(|(k, _)| (k.clone(), before.get(k).cloned().unwrap_or(Value::Null)))
        .collect();
    (!changed.is_empty()).then_some(Value::Object(changed))
}
