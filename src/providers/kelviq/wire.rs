//! Kelviq's JSON, field for field as in the official spec (shared/specs/kelviq/openapi.json).
//! Used by the client to decode and by the sandbox to encode, so a format fact lives here
//! once; the spec itself is the independent check (tests/conformance_kelviq.rs).

use std::borrow::Cow;
use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::Value;

mod errors;
mod payments;
mod webhooks;
pub use errors::*;
pub use payments::*;
pub use webhooks::*;

/// An empty JSON object, for the spec's free-form objects (`details`, `metadata`, `meter`)
/// when there is nothing to say.
pub fn empty_object() -> Value {
    Value::Object(serde_json::Map::new())
}

/// DRF-style page: `next`/`previous` are absolute URLs.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Paginated<T> {
    #[serde(default)]
    pub count: u64,
    #[serde(default)]
    pub next: Option<String>,
    #[serde(default)]
    pub previous: Option<String>,
    #[serde(default = "Vec::new")]
    pub results: Vec<T>,
}

#[derive(Clone, Debug, Default, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct BillingAddress {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub country: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub line1: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub line2: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub postal_code: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub city: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub state: Option<String>,
}

#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct CustomerResponse {
    #[serde(default)]
    pub id: String,
    pub customer_id: String,
    #[serde(default)]
    pub name: Option<String>,
    #[serde(default)]
    pub email: Option<String>,
    /// Free-form in the spec (`additionalProperties: true`, "server-added details"): kept raw.
    #[serde(default)]
    pub details: Value,
    #[serde(default)]
    pub metadata: Option<BTreeMap<String, String>>,
    #[serde(default)]
    pub billing_address: Option<BillingAddress>,
    #[serde(default)]
    pub created_on: Option<String>,
    #[serde(default)]
    pub modified_on: Option<String>,
}

/// A listed customer read in place from its page's text: a string the page holds without
/// escapes is not copied, and `details` is checked and skipped (till shows none of it). The
/// same contract as [`CustomerResponse`], field for field: a row one refuses, the other
/// refuses too, and the page is then read row by row.
#[derive(Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ListedCustomer<'a> {
    #[serde(default, borrow)]
    pub id: Cow<'a, str>,
    #[serde(borrow)]
    pub customer_id: Cow<'a, str>,
    #[serde(default, borrow, deserialize_with = "crate::providers::decode::borrowed")]
    pub name: Option<Cow<'a, str>>,
    #[serde(default, borrow, deserialize_with = "crate::providers::decode::borrowed")]
    pub email: Option<Cow<'a, str>>,
    #[serde(default)]
    pub details: serde::de::IgnoredAny,
    #[serde(default)]
    pub metadata: Option<BTreeMap<String, String>>,
    #[serde(default)]
    pub billing_address: Option<BillingAddress>,
    #[serde(default, borrow, deserialize_with = "crate::providers::decode::borrowed")]
    pub created_on: Option<Cow<'a, str>>,
    #[serde(default, borrow, deserialize_with = "crate::providers::decode::borrowed")]
    pub modified_on: Option<Cow<'a, str>>,
}

#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct CustomerCreateRequest {
    pub customer_id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub metadata: Option<BTreeMap<String, String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub billing_address: Option<BillingAddress>,
}

#[derive(Clone, Debug, Default, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct CustomerUpdateRequest {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub metadata: Option<BTreeMap<String, String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub billing_address: Option<BillingAddress>,
}

#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct CatalogPlan {
    pub identifier: String,
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub description: Option<String>,
    #[serde(default)]
    pub product: Option<String>,
    /// Free-form in the spec (`additionalProperties: true`): kept raw.
    #[serde(default)]
    pub metadata: Value,
    #[serde(default)]
    pub version: Option<u64>,
    #[serde(default)]
    pub is_latest: Option<bool>,
    #[serde(default)]
    pub is_visible: Option<bool>,
    #[serde(default)]
    pub created_on: Option<String>,
    #[serde(default)]
    pub modified_on: Option<String>,
    #[serde(default)]
    pub ordering: Option<i64>,
}

#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct PlanPrice {
    #[serde(default)]
    pub id: Option<String>,
    #[serde(default)]
    pub price_type: Option<String>,
    pub currency: String,
    #[serde(default)]
    pub free_trial: Option<bool>,
    #[serde(default)]
    pub trial_period: Option<u64>,
    #[serde(default)]
    pub enabled: Option<bool>,
    #[serde(default)]
    pub tax_behavior: Option<String>,
    #[serde(default)]
    pub charge_catalog_price: Vec<PlanChargeCatalogPrice>,
}

#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct PlanChargeCatalogPrice {
    /// Feature UUID; `None` for the plan's own flat price.
    #[serde(default)]
    pub feature: Option<String>,
    #[serde(default)]
    pub price_model: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reset: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub payment_type: Option<String>,
    #[serde(default)]
    pub charges: Vec<PlanCharge>,
}

#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct PlanCharge {
    /// Catalog enum: ONE_TIME, DAILY, MONTHLY, QUARTERLY, YEARLY.
    pub charge_period: String,
    /// Free-form in the spec: its shape depends on the price model (`{amount, block_size?}`
    /// for FLAT/PACKAGE, `{currency}` for tiers), so it is kept raw and read through
    /// [`FlatPriceData`] where a flat amount is expected.
    #[serde(default)]
    pub price_data: Value,
}

/// `priceData` of a FLAT charge. The amount is a JSON number here, unlike the decimal
/// strings of subscriptions and orders.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct FlatPriceData {
    #[serde(with = "crate::providers::decode::decimal_number")]
    pub amount: rust_decimal::Decimal,
}

/// `featureDetails` of a METER feature: `featureSubType` and its units. The catalog's copy is
/// free-form in the spec (kept raw in [`CatalogFeature`]); a subscription's copy declares
/// `units` only.
#[derive(Clone, Debug, Default, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct FeatureDetails {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub feature_sub_type: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub units: Option<FeatureUnits>,
}

#[derive(Clone, Debug, Default, Serialize, Deserialize, PartialEq)]
pub struct FeatureUnits {
    #[serde(default)]
    pub singular: String,
    #[serde(default)]
    pub plural: String,
}

#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct CatalogFeature {
    #[serde(default)]
    pub id: String,
    pub identifier: String,
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub description: Option<String>,
    #[serde(default)]
    pub feature_type: String,
    /// Free-form in the spec (`additionalProperties: true`); its METER shape is [`FeatureDetails`].
    #[serde(default)]
    pub feature_details: Value,
}

#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct PlanFeatureEntitlement {
    pub feature: CatalogFeature,
    #[serde(default)]
    pub details: PlanEntitlementDetails,
}

#[derive(Clone, Debug, Default, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct PlanEntitlementDetails {
    /// Boolean for BOOLEAN features, a number for CUSTOMIZABLE and METER.
    #[serde(default)]
    pub value: Value,
    #[serde(default)]
    pub has_unlimited_usage: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reset: Option<String>,
    #[serde(default)]
    pub hard_limit: Option<bool>,
}

#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct FeatureInput {
    pub identifier: String,
    pub quantity: i64,
}

#[derive(Clone, Debug, Default, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct CreateCheckoutSessionRequest {
    pub plan_identifier: String,
    pub success_url: String,
    pub charge_period: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub customer_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub features: Option<Vec<FeatureInput>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ip_address: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cancel_url: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub plans_enabled: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub currency_code: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub metadata: Option<BTreeMap<String, String>>,
}

#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct CreateCheckoutSessionResponse {
    pub checkout_url: String,
    pub checkout_session_id: String,
}

#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct OrderCustomer {
    /// Empty when absent: the spec requires no field of a response, and a checkout session
    /// is still worth reading without its customer.
    #[serde(default)]
    pub customer_id: String,
    #[serde(default)]
    pub name: Option<String>,
    #[serde(default)]
    pub email: Option<String>,
}

#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct CheckoutSessionDetail {
    pub id: String,
    #[serde(default)]
    pub customer: Option<OrderCustomer>,
    #[serde(default)]
    pub currency: Option<String>,
    #[serde(default)]
    pub currency_symbol: Option<String>,
    #[serde(default)]
    pub status: String,
    #[serde(default)]
    pub created_on: Option<String>,
    /// Free-form in the spec ("selected plan/addons"); the sandbox writes [`SelectedData`].
    #[serde(default)]
    pub selected_data: Value,
    /// Free-form in the spec ("customer-supplied metadata"): kept raw.
    #[serde(default)]
    pub metadata: Value,
    #[serde(default)]
    pub trial_period: Option<u64>,
    #[serde(default)]
    pub order: Option<CheckoutSessionOrder>,
    #[serde(default)]
    pub subscription: Option<CheckoutSessionSubscription>,
    #[serde(default)]
    pub payment_method: Option<OrderPaymentMethod>,
}

/// What the sandbox records as a session's `selectedData` (the spec leaves it free-form).
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct SelectedData {
    pub plan_identifier: String,
    pub charge_period: String,
    #[serde(default)]
    pub features: BTreeMap<String, i64>,
}

#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct CheckoutSessionOrder {
    /// The order is not read by till: nothing in it is required.
    #[serde(default)]
    pub id: String,
    #[serde(default)]
    pub status: String,
    #[serde(default)]
    pub paid_at: Option<String>,
    #[serde(default)]
    pub created_on: Option<String>,
    #[serde(default)]
    pub billing_type: Option<String>,
    #[serde(default)]
    pub is_trial: bool,
    #[serde(default)]
    pub amount_subtotal: Option<String>,
    #[serde(default)]
    pub amount_discount: Option<String>,
    #[serde(default)]
    pub amount_tax: Option<String>,
    #[serde(default)]
    pub amount_total: Option<String>,
    #[serde(default)]
    pub sale_currency: Option<String>,
    #[serde(default)]
    pub sale_currency_symbol: Option<String>,
    #[serde(default)]
    pub invoice_id: Option<String>,
}

#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct CheckoutSessionSubscription {
    /// Empty when absent (the session then names no subscription).
    #[serde(default)]
    pub id: String,
    #[serde(default)]
    pub recurrence: Option<String>,
    #[serde(default)]
    pub billing_period_start_time: Option<String>,
    #[serde(default)]
    pub billing_period_end_time: Option<String>,
    #[serde(default)]
    pub start_date: Option<String>,
    #[serde(default)]
    pub end_date: Option<String>,
    #[serde(default)]
    pub status: String,
    #[serde(default)]
    pub amount: Option<String>,
    #[serde(default)]
    pub currency: Option<String>,
    #[serde(default)]
    pub trial_days_remaining: Option<u64>,
    #[serde(default)]
    pub billing_type: Option<String>,
    #[serde(default)]
    pub recurrence_unit: Option<u64>,
    #[serde(default)]
    pub recurrence_type: Option<String>,
}

#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct OrderPaymentMethod {
    #[serde(default)]
    pub payment_method_type: String,
    #[serde(default)]
    pub payment_method_name: Option<String>,
    #[serde(default)]
    pub last4: Option<String>,
}

#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct SubscriptionPlan {
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub identifier: String,
}

#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct SubscriptionFeatureDetail {
    #[serde(default)]
    pub id: String,
    pub identifier: String,
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub description: Option<String>,
    #[serde(default)]
    pub feature_type: String,
    /// `details`, `metadata` and `meter` are bare `type: object` in the spec: kept raw.
    #[serde(default)]
    pub details: Value,
    #[serde(default)]
    pub is_archived: Option<bool>,
    #[serde(default)]
    pub metadata: Value,
    #[serde(default)]
    pub modified_on: Option<String>,
    #[serde(default)]
    pub meter: Value,
    #[serde(default)]
    pub feature_details: Option<FeatureDetails>,
    #[serde(default)]
    pub reset: Option<String>,
    #[serde(default)]
    pub reset_time: Option<String>,
    #[serde(default)]
    pub value: Option<i64>,
    #[serde(default)]
    pub hard_limit: Option<bool>,
}

#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct Subscription {
    pub id: String,
    #[serde(default)]
    pub external_subscription_id: Option<String>,
    #[serde(default)]
    pub start_date: Option<String>,
    #[serde(default)]
    pub end_date: Option<String>,
    #[serde(default)]
    pub billing_period_start_time: Option<String>,
    /// Absent for a one-time purchase (the spec types it as a date-time, not null, and requires
    /// it nowhere; its one-time charge says "not applicable").
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub billing_period_end_time: Option<String>,
    /// Decimal string such as "261.00".
    #[serde(default)]
    pub amount: Option<String>,
    #[serde(default)]
    pub recurrence: Option<String>,
    #[serde(default)]
    pub currency: Option<String>,
    #[serde(default)]
    pub status: String,
    #[serde(default)]
    pub product: Option<String>,
    #[serde(default)]
    pub plan: Option<SubscriptionPlan>,
    #[serde(default)]
    pub features: Vec<SubscriptionFeatureDetail>,
    #[serde(default)]
    pub trial_days_remaining: Option<u64>,
    #[serde(default)]
    pub customer_id: String,
    #[serde(default)]
    pub billing_type: Option<String>,
    #[serde(default)]
    pub recurrence_unit: Option<u64>,
    #[serde(default)]
    pub recurrence_type: Option<String>,
    #[serde(default)]
    pub canceled_at: Option<String>,
    #[serde(default)]
    pub cancellation_reason: Option<String>,
    #[serde(default)]
    pub cancellation_feedback: Option<String>,
    #[serde(default)]
    pub cancellation_comment: Option<String>,
}

#[derive(Clone, Debug, Default, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct UpdateSubscriptionRequest {
    pub plan_identifier: String,
    pub charge_period: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub features: Option<Vec<FeatureInput>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ip_address: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub trial_end: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub payment_behavior: Option<String>,
}

#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct UpdateSubscriptionResponse {
    /// The subscription after the change, which may be a new one. The spec requires no field;
    /// without it the client reads the subscription it changed.
    #[serde(default)]
    pub subscription_id: Option<String>,
}

#[derive(Clone, Debug, Default, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct CancelSubscriptionRequest {
    pub cancellation_type: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cancellation_date: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cancellation_feedback: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cancellation_comment: Option<String>,
}

#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct MessageResponse {
    /// Informational only; a success without it is still a success.
    #[serde(default)]
    pub message: String,
}

#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct CheckEntitlementsResponse {
    #[serde(default)]
    pub customer_id: String,
    #[serde(default)]
    pub entitlements: Vec<EntitlementDetail>,
}

#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct EntitlementDetail {
    pub feature_id: String,
    #[serde(default)]
    pub has_access: bool,
    /// Open string: BOOLEAN, METER, CUSTOMIZABLE, and "FLAG" in one spec example.
    #[serde(default)]
    pub feature_type: String,
    /// `yyyy-MM-dd HH:mm:ss`, explicitly not ISO 8601. The spec types it as a non-null
    /// string yet its own example sends null, so decoding accepts null and the sandbox omits it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reset_at: Option<String>,
    #[serde(default)]
    pub hard_limit: Option<bool>,
    #[serde(default)]
    pub usage_limit: Option<i64>,
    #[serde(default)]
    pub current_usage: Option<i64>,
    #[serde(default)]
    pub remaining: Option<i64>,
}
