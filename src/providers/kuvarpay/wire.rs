//! KuvarPay's JSON, shared by the client (decode) and the sandbox (encode), so a format fact
//! lives here once. There is no official spec: field names follow the reference
//! (shared/providers/flowglad-kuvarpay.md, part 2) — schema pages where they exist, the
//! backend's database columns where they do not. Inferred choices are listed in
//! notes/kuvarpay.md.
//!
//! Casing is mixed on purpose, as in the reference: responses use snake_case (`approval_url`,
//! `due_date`) except the checkout-session wrapper (`checkoutSession`); the checkout request is
//! camelCase (`priceUid`, `successUrl`); subscription create/update bodies are snake_case.

use std::collections::BTreeMap;

use serde::{Deserialize, Deserializer, Serialize};
use serde_json::Value;

use crate::billing::{ChargePeriod, IntervalUnit};

/// KuvarPay's `BillingInterval` names (its backend enum: MONTHLY, YEARLY, WEEKLY, DAILY) and
/// the count, for a period it can express. One definition for the client and the sandbox.
pub fn interval_name(period: ChargePeriod) -> Option<(&'static str, u32)> {
    let (unit, count) = period.interval()?;
    let name = match unit {
        IntervalUnit::Day => "DAILY",
        IntervalUnit::Week => "WEEKLY",
        IntervalUnit::Month => "MONTHLY",
        IntervalUnit::Year => "YEARLY",
    };
    Some((name, count))
}

/// Success envelope: `{ "success": true, "data": ..., "pagination": ... }`.
#[derive(Clone, Debug, Serialize)]
pub struct Envelope<T> {
    pub success: bool,
    pub data: T,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pagination: Option<Pagination>,
}

impl<T> Envelope<T> {
    pub fn ok(data: T) -> Envelope<T> {
        Envelope { success: true, data, pagination: None }
    }

    pub fn page(data: T, pagination: Pagination) -> Envelope<T> {
        Envelope { success: true, data, pagination: Some(pagination) }
    }
}

/// Page-number paging (inferred: `?page=1&limit=20`, at most 100 per page).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Pagination {
    #[serde(default)]
    pub page: u64,
    #[serde(default)]
    pub limit: u64,
    #[serde(default)]
    pub total: u64,
    #[serde(default)]
    pub total_pages: u64,
}

/// Error envelope (inferred): `{ "success": false, "error": "...", "code": "...",
/// "details": [{ "field": "...", "message": "..." }] }`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct ErrorBody {
    #[serde(default)]
    pub success: bool,
    #[serde(default)]
    pub error: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub code: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub details: Vec<FieldDetail>,
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct FieldDetail {
    pub field: String,
    pub message: String,
}

/// Amounts are decimal strings (`"100.00"`); a number is accepted too, kept as its text.
pub fn decimal_text<'de, D: Deserializer<'de>>(de: D) -> Result<String, D::Error> {
    match Value::deserialize(de)? {
        Value::String(s) => Ok(s),
        Value::Number(n) => Ok(n.to_string()),
        other => Err(serde::de::Error::custom(format!("expected a decimal string, found {other}"))),
    }
}

fn opt_decimal_text<'de, D: Deserializer<'de>>(de: D) -> Result<Option<String>, D::Error> {
    match Value::deserialize(de)? {
        Value::Null => Ok(None),
        Value::String(s) => Ok(Some(s)),
        Value::Number(n) => Ok(Some(n.to_string())),
        other => Err(serde::de::Error::custom(format!("expected a decimal string, found {other}"))),
    }
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Plan {
    pub uid: String,
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub description: Option<String>,
    #[serde(default)]
    pub active: Option<bool>,
    /// Free-form in the reference (the merchant's own keys): kept raw.
    #[serde(default)]
    pub metadata: Value,
    #[serde(default)]
    pub created_at: Option<String>,
    #[serde(default)]
    pub updated_at: Option<String>,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Price {
    pub uid: String,
    #[serde(default, alias = "planUid", alias = "plan_uid")]
    pub plan_id: Option<String>,
    #[serde(deserialize_with = "decimal_text")]
    pub amount: String,
    pub currency: String,
    /// `MONTHLY` | `YEARLY` | `WEEKLY` | `DAILY` (the backend's enum); `month` etc. accepted.
    #[serde(alias = "billing_interval")]
    pub interval: String,
    #[serde(default, alias = "intervalCount")]
    pub interval_count: Option<u64>,
    #[serde(default, alias = "trialPeriodDays")]
    pub trial_period_days: Option<u64>,
    #[serde(default)]
    pub active: Option<bool>,
    #[serde(default)]
    pub created_at: Option<String>,
}

/// A customer as embedded in subscriptions and checkout sessions (there is no customer API).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct CustomerRef {
    #[serde(alias = "id")]
    pub uid: String,
    #[serde(default)]
    pub email: Option<String>,
    #[serde(default, alias = "firstName")]
    pub first_name: Option<String>,
    #[serde(default, alias = "lastName")]
    pub last_name: Option<String>,
    #[serde(default)]
    pub created_at: Option<String>,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct PlanRef {
    pub uid: String,
    #[serde(default)]
    pub name: Option<String>,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Subscription {
    #[serde(alias = "id")]
    pub uid: String,
    pub status: String,
    #[serde(default)]
    pub billing_mode: Option<String>,
    #[serde(default)]
    pub customer: Option<CustomerRef>,
    #[serde(default)]
    pub plan: Option<PlanRef>,
    #[serde(default)]
    pub price: Option<Price>,
    #[serde(default, alias = "current_price_id")]
    pub price_id: Option<String>,
    #[serde(default, deserialize_with = "opt_decimal_text")]
    pub amount: Option<String>,
    #[serde(default)]
    pub currency: Option<String>,
    #[serde(default)]
    pub current_period_start: Option<String>,
    #[serde(default)]
    pub current_period_end: Option<String>,
    #[serde(default)]
    pub trial_start: Option<String>,
    #[serde(default)]
    pub trial_end: Option<String>,
    #[serde(default)]
    pub cancel_at_period_end: bool,
    #[serde(default, alias = "canceled_at")]
    pub cancelled_at: Option<String>,
    #[serde(default)]
    pub cancellation_reason: Option<String>,
    /// Free-form in the reference (the merchant's own keys): kept raw.
    #[serde(default)]
    pub metadata: Value,
    #[serde(default)]
    pub created_at: Option<String>,
    #[serde(default)]
    pub updated_at: Option<String>,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct ChargeAttempt {
    pub uid: String,
    #[serde(deserialize_with = "decimal_text")]
    pub amount: String,
    pub currency: String,
    pub status: String,
    #[serde(default)]
    pub transaction_hash: Option<String>,
    #[serde(default)]
    pub chain: Option<String>,
    #[serde(default)]
    pub failure_reason: Option<String>,
    #[serde(default)]
    pub processed_at: Option<String>,
}

/// The subscription invoice object, field for field as the reference lists it.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct SubscriptionInvoice {
    pub uid: String,
    #[serde(default)]
    pub subscription_id: Option<String>,
    #[serde(default)]
    pub invoice_id: Option<String>,
    #[serde(deserialize_with = "decimal_text")]
    pub amount: String,
    pub currency: String,
    #[serde(default)]
    pub token_address: Option<String>,
    #[serde(default)]
    pub billing_mode: Option<String>,
    #[serde(default, deserialize_with = "opt_decimal_text")]
    pub usage_quantity: Option<String>,
    #[serde(default)]
    pub usage_description: Option<String>,
    pub status: String,
    #[serde(default)]
    pub description: Option<String>,
    #[serde(default)]
    pub due_date: Option<String>,
    #[serde(default)]
    pub paid_at: Option<String>,
    #[serde(default)]
    pub voided_at: Option<String>,
    #[serde(default)]
    pub attempt_count: Option<u64>,
    #[serde(default)]
    pub next_payment_attempt: Option<String>,
    #[serde(default)]
    pub processing: Option<bool>,
    /// Free-form in the reference (the merchant's own keys): kept raw.
    #[serde(default)]
    pub metadata: Value,
    #[serde(default)]
    pub created_at: Option<String>,
    #[serde(default)]
    pub updated_at: Option<String>,
    #[serde(default)]
    pub charge_attempts: Vec<ChargeAttempt>,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TargetPrice {
    pub target_currency: String,
    #[serde(deserialize_with = "decimal_text")]
    pub target_amount: String,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CheckoutCustomer {
    #[serde(default)]
    pub email: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub first_name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_name: Option<String>,
}

/// `POST /api/v1/subscriptions/checkout-sessions` (request example in the reference).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CreateCheckoutSessionRequest {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub price_uid: Option<String>,
    /// `FIXED` | `METERED`.
    pub billing_mode: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub target_price: Option<TargetPrice>,
    pub customer: CheckoutCustomer,
    pub success_url: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cancel_url: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub metadata: Option<BTreeMap<String, String>>,
}

/// `{ uid }` references in the create response. The guide's prose spells the session
/// `sessionUid`/`approvalUrl`; both spellings are accepted.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct UidRef {
    #[serde(alias = "id", alias = "sessionUid")]
    pub uid: String,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct SessionRef {
    #[serde(alias = "id", alias = "sessionUid")]
    pub uid: String,
    #[serde(default, alias = "approvalUrl")]
    pub approval_url: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expires_at: Option<String>,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CreateCheckoutSessionResponse {
    pub checkout_session: SessionRef,
    #[serde(default)]
    pub subscription: Option<UidRef>,
    #[serde(default)]
    pub customer: Option<UidRef>,
}

/// `GET /api/v1/subscriptions/checkout-sessions/{uid}`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct CheckoutSession {
    #[serde(alias = "id", alias = "sessionUid")]
    pub uid: String,
    pub status: String,
    #[serde(default, alias = "approvalUrl")]
    pub approval_url: Option<String>,
    #[serde(default)]
    pub billing_mode: Option<String>,
    #[serde(default, alias = "priceUid")]
    pub price_uid: Option<String>,
    #[serde(default, alias = "subscriptionUid")]
    pub subscription_uid: Option<String>,
    #[serde(default)]
    pub customer: Option<CustomerRef>,
    #[serde(default, alias = "successUrl")]
    pub success_url: Option<String>,
    #[serde(default, alias = "cancelUrl")]
    pub cancel_url: Option<String>,
    #[serde(default)]
    pub expires_at: Option<String>,
    #[serde(default)]
    pub completed_at: Option<String>,
    #[serde(default)]
    pub created_at: Option<String>,
}

/// `POST …/checkout-sessions/{uid}/confirm`: the wallet that approved (optional here).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ConfirmCheckoutSessionRequest {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub wallet_address: Option<String>,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ConfirmCheckoutSessionResponse {
    pub checkout_session: CheckoutSession,
    pub subscription: Subscription,
}

/// `POST /api/v1/subscriptions` (CreateSubscriptionRequest schema).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct CreateSubscriptionRequest {
    #[serde(default)]
    pub customer_id: String,
    #[serde(default)]
    pub price_id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub payment_method_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub trial_end: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub metadata: Option<BTreeMap<String, String>>,
}

/// `PATCH /api/v1/subscriptions/{uid}` (UpdateSubscriptionRequest schema, plus `price_id` for a
/// plan change — inferred from the create body's spelling).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct UpdateSubscriptionRequest {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cancel_at_period_end: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub trial_end: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub metadata: Option<BTreeMap<String, String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub price_id: Option<String>,
}

/// `DELETE /api/v1/subscriptions/{uid}` with a JSON body, as the guide shows.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct CancelSubscriptionRequest {
    #[serde(default)]
    pub cancel_at_period_end: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn create_response_sample_from_the_reference_decodes() {
        // The 201 sample of "Create subscription checkout session", verbatim.
        let sample = r#"{
            "checkoutSession": {"uid": "cs_1234567890abcdef", "approval_url": "https://checkout.kuvarpay.com/approve/cs_1234567890abcdef"},
            "subscription": {"uid": "sub_abcdef1234567890"},
            "customer": {"uid": "cus_fedcba0987654321"}
        }"#;
        let r: CreateCheckoutSessionResponse = serde_json::from_str(sample).unwrap();
        assert_eq!(r.checkout_session.uid, "cs_1234567890abcdef");
        assert_eq!(r.subscription.unwrap().uid, "sub_abcdef1234567890");
        // The guide's prose spelling.
        let prose =
            r#"{"checkoutSession":{"sessionUid":"cs_1","approvalUrl":"https://x/approve/cs_1","status":"pending"}}"#;
        let r: CreateCheckoutSessionResponse = serde_json::from_str(prose).unwrap();
        assert_eq!(r.checkout_session.approval_url.as_deref(), Some("https://x/approve/cs_1"));
    }

    #[test]
    fn request_example_round_trips_in_camel_case() {
        let example = r#"{"priceUid":"string","billingMode":"FIXED","targetPrice":{"targetCurrency":"NGN","targetAmount":"1000.00"},
            "customer":{"email":"user@example.com","firstName":"string","lastName":"string"},
            "successUrl":"http://example.com","cancelUrl":"http://example.com"}"#;
        let req: CreateCheckoutSessionRequest = serde_json::from_str(example).unwrap();
        assert_eq!(req.target_price.as_ref().unwrap().target_amount, "1000.00");
        let back = serde_json::to_value(&req).unwrap();
        assert_eq!(back["customer"]["firstName"], "string");
        assert_eq!(back["successUrl"], "http://example.com");
    }

    #[test]
    fn amounts_accept_strings_and_numbers_but_not_objects() {
        let p: Price =
            serde_json::from_str(r#"{"uid":"p","amount":2999,"currency":"NGN","interval":"month"}"#).unwrap();
        assert_eq!(p.amount, "2999");
        let err = serde_json::from_str::<Price>(r#"{"uid":"p","amount":{},"currency":"NGN","interval":"MONTHLY"}"#)
            .unwrap_err();
        assert!(err.to_string().contains("decimal string"), "{err}");
    }
}
