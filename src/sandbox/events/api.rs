//! Events caused by API calls: customer writes, plan changes, cancellations, refunds. A
//! middleware looks at each successful write and announces it with the object the API just
//! answered with — the object as the provider renders it, so the event and the API agree.
//! (The hosted page's payment and the clock's happenings announce themselves; see `super`.)

use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::Method;
use axum::middleware::Next;
use axum::response::Response;
use serde_json::Value;

use super::Emitted;
use crate::billing::ProviderKind;
use crate::sandbox::AppState;

/// What a write announces; `Cancel` depends on whether it ended the subscription now.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Announce {
    One(&'static str),
    /// (ended now, scheduled for the period end)
    Cancel(&'static str, &'static str),
}

/// The provider and the announcement for a write, by method and path (with its prefix).
fn rule(method: &Method, path: &str) -> Option<(ProviderKind, Announce)> {
    let parts: Vec<&str> = path.trim_matches('/').split('/').collect();
    use Announce::{Cancel, One};
    let post = *method == Method::POST;
    let (kind, announce) = match parts.as_slice() {
        ["kelviq", "api", "v1", "customers"] if post => (ProviderKind::Kelviq, One("customer.created")),
        ["kelviq", "api", "v1", "customers", _] if *method == Method::PATCH => {
            (ProviderKind::Kelviq, One("customer.updated"))
        }
        ["kelviq", "api", "v1", "subscriptions", _, "update"] if post => {
            (ProviderKind::Kelviq, One("subscription.plan_changed"))
        }
        ["kelviq", "api", "v1", "subscriptions", _, "cancel"] if post => {
            (ProviderKind::Kelviq, Cancel("subscription.cancelled", "subscription.updated"))
        }
        ["kelviq", "api", "v1", "refunds"] if post => (ProviderKind::Kelviq, One("refund.created")),
        ["flowglad", "api", "v1", "customers"] if post => (ProviderKind::Flowglad, One("customer.created")),
        ["flowglad", "api", "v1", "customers", _] if *method == Method::PUT => {
            (ProviderKind::Flowglad, One("customer.updated"))
        }
        ["flowglad", "api", "v1", "subscriptions", _, "adjust" | "uncancel" | "cancel-scheduled-adjustment"]
            if post =>
        {
            (ProviderKind::Flowglad, One("subscription.updated"))
        }
        ["flowglad", "api", "v1", "subscriptions", _, "cancel"] if post => {
            (ProviderKind::Flowglad, Cancel("subscription.canceled", "subscription.updated"))
        }
        ["kuvarpay", "api", "v1", "subscriptions", _] if *method == Method::PATCH => {
            (ProviderKind::KuvarPay, One("subscription.updated"))
        }
        ["kuvarpay", "api", "v1", "subscriptions", _] if *method == Method::DELETE => {
            (ProviderKind::KuvarPay, Cancel("subscription.canceled", "subscription.updated"))
        }
        ["zenskar", "customers"] if post => (ProviderKind::Zenskar, One("customer.created")),
        ["zenskar", "customers", _] if *method == Method::PATCH => (ProviderKind::Zenskar, One("customer.updated")),
        ["zenskar", "contract_v2", _, "expire"] => (ProviderKind::Zenskar, One("contract.updated")),
        _ => return None,
    };
    Some((kind, announce))
}

/// The announced object inside an answer: the first of the usual wrappers that holds an
/// object with an id, looking for a customer first only when a customer is announced (a
/// KuvarPay subscription's answer holds its customer inside `data`).
fn object<'a>(body: &'a Value, kind: &str) -> Option<(&'a Value, String)> {
    let id_of = |v: &Value| {
        ["id", "uuid", "uid", "customerId"].iter().find_map(|k| v.get(*k).and_then(Value::as_str).map(str::to_string))
    };
    let wrappers: &[&str] = if kind.starts_with("customer.") {
        &["/data/customer", "/customer", "/data", ""]
    } else {
        &["/subscription", "/data/subscription", "/data", ""]
    };
    wrappers.iter().filter_map(|p| body.pointer(p)).filter(|v| v.is_object()).find_map(|v| Some((v, id_of(v)?)))
}

fn ended(object: &Value) -> bool {
    let status = object.get("status").and_then(Value::as_str).unwrap_or_default();
    matches!(status.to_ascii_lowercase().as_str(), "canceled" | "cancelled")
}

/// What a Kelviq subscription write is compared with afterwards: the subscription and its
/// orders as they were.
#[derive(Default)]
struct Before {
    subscription: Option<Value>,
    orders: Vec<String>,
}

fn kelviq_subscription_id(provider: ProviderKind, path: &str) -> Option<&str> {
    (provider == ProviderKind::Kelviq && path.contains("/subscriptions/"))
        .then(|| path.trim_matches('/').split('/').nth(4))?
}

/// Announces a successful write (2xx) after it is answered; everything else passes untouched.
pub async fn record(State(app): State<AppState>, request: Request, next: Next) -> Response {
    let Some((provider, announce)) = rule(request.method(), request.uri().path()) else {
        return next.run(request).await;
    };
    let path = request.uri().path().to_string();
    let before = kelviq_subscription_id(provider, &path).map_or_else(Before::default, |id| {
        let k = crate::sandbox::lock(&app.kelviq);
        Before { subscription: k.subscription_json(id), orders: k.order_ids_of(id) }
    });
    let response = next.run(request).await;
    if !response.status().is_success() {
        return response;
    }
    let (parts, body) = response.into_parts();
    let bytes = axum::body::to_bytes(body, 16 * 1024 * 1024).await.unwrap_or_default();
    let value = serde_json::from_slice::<Value>(&bytes).unwrap_or(Value::Null);
    app.webhooks.emit(provider, announced(&app, provider, announce, &path, &value, &before));
    Response::from_parts(parts, Body::from(bytes))
}

/// The events one successful write announces, in order.
fn announced(
    app: &AppState,
    provider: ProviderKind,
    announce: Announce,
    path: &str,
    value: &Value,
    before: &Before,
) -> Vec<Emitted> {
    let now = app.clock.now();
    // Kelviq answers a plan change or cancellation with a message only: the event carries
    // the subscription as Kelviq renders it now, with what the write changed.
    // A plan change supersedes the subscription: the event carries the new one, which the
    // answer names.
    let sub_id = kelviq_subscription_id(provider, path)
        .map(|id| value.get("subscriptionId").and_then(Value::as_str).unwrap_or(id).to_string());
    let rendered = sub_id.as_deref().and_then(|id| crate::sandbox::lock(&app.kelviq).subscription_json(id));
    let named = match announce {
        Announce::One(kind) | Announce::Cancel(kind, _) => kind,
    };
    let found =
        rendered.as_ref().map(|v| (v, sub_id.clone())).or_else(|| object(value, named).map(|(v, id)| (v, Some(id))));
    let Some((object, Some(id))) = found else { return Vec::new() };
    let kind = match announce {
        Announce::One(kind) => kind,
        Announce::Cancel(now_kind, _) if ended(object) => now_kind,
        Announce::Cancel(_, later) => later,
    };
    let previous = before.subscription.as_ref().and_then(|b| super::envelope::previous_attributes(b, object));
    let mut out = vec![Emitted::new(now, kind, &id, object).with_previous(previous)];
    let k = crate::sandbox::lock(&app.kelviq);
    if let Some(sub) = sub_id.as_deref() {
        // A plan change that charges makes an order.
        out.extend(k.new_order_events(sub, &before.orders));
    }
    if provider == ProviderKind::Kelviq && kind == "refund.created" {
        // The refund answer carries its order as it stands after the refund.
        if let Some(order) = value.get("order").filter(|o| o.is_object()) {
            let order_id = order.get("id").and_then(Value::as_str).unwrap_or_default();
            out.push(Emitted::new(now, "order.refunded", order_id, order));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn writes_map_to_each_providers_event_and_object() {
        let r = |m: Method, p: &str| rule(&m, p);
        assert_eq!(
            r(Method::POST, "/kelviq/api/v1/customers/"),
            Some((ProviderKind::Kelviq, Announce::One("customer.created")))
        );
        assert_eq!(r(Method::GET, "/kelviq/api/v1/customers/"), None);
        assert!(matches!(r(Method::POST, "/flowglad/api/v1/subscriptions/s1/cancel"), Some((_, Announce::Cancel(..)))));
        assert_eq!(r(Method::PATCH, "/zenskar/customers/c1").map(|x| x.0), Some(ProviderKind::Zenskar));
        let wrapped = json!({"data": {"customer": {"id": "c1"}, "subscription": null}});
        assert_eq!(object(&wrapped, "customer.created").map(|(_, id)| id), Some("c1".into()));
        let kuvar = json!({"success": true, "data": {"uid": "s1", "status": "CANCELED"}});
        let (o, id) = object(&kuvar, "subscription.canceled").unwrap();
        assert_eq!((id.as_str(), ended(o)), ("s1", true));
    }
}
