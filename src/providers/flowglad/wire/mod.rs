//! Flowglad's JSON, field for field as in the official spec (shared/specs/flowglad/openapi.json).
//! Used by the client to decode and by the sandbox to encode, so a format fact lives here once;
//! the spec itself is the independent check (tests/conformance_flowglad.rs).
//!
//! Decoding is tolerant (every field defaults, unknown fields are ignored); encoding writes
//! every field the spec requires, `null` included, because Flowglad's response schemas are
//! closed (`additionalProperties: false`) and list nullable fields as required.

mod catalog;
mod checkout;
mod errors;
mod payments;
mod subscription;

use std::borrow::Cow;
use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::Value;

pub use catalog::*;
pub use checkout::*;
pub use errors::*;
pub use payments::*;
pub use subscription::*;

/// Epoch milliseconds, Flowglad's only timestamp format.
pub type Millis = i64;

/// `Metadata`: string (≤500 chars), number or boolean values.
pub type Metadata = BTreeMap<String, Value>;

/// The list envelope of every paginated endpoint.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct Page<T> {
    #[serde(default = "Vec::new")]
    pub data: Vec<T>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub current_cursor: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub next_cursor: Option<String>,
    #[serde(default)]
    pub has_more: bool,
    /// `number` in the spec: whole values written as floats (`3.0`) are accepted.
    #[serde(default, deserialize_with = "crate::providers::decode::count_number")]
    pub total: u64,
}

#[derive(Clone, Debug, Default, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct Customer {
    pub id: String,
    #[serde(default)]
    pub created_at: Millis,
    #[serde(default)]
    pub updated_at: Millis,
    #[serde(default)]
    pub livemode: bool,
    #[serde(default)]
    pub organization_id: String,
    #[serde(default)]
    pub email: String,
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub invoice_number_base: Option<String>,
    #[serde(default)]
    pub archived: bool,
    #[serde(default, rename = "logoURL")]
    pub logo_url: Option<String>,
    #[serde(default, rename = "iconURL")]
    pub icon_url: Option<String>,
    #[serde(default)]
    pub domain: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub billing_address: Option<Value>,
    pub external_id: String,
    #[serde(default)]
    pub user_id: Option<String>,
    #[serde(default)]
    pub pricing_model_id: String,
}

/// A listed customer read in place from its row's text: a string the row holds without
/// escapes is not copied, and the fields till does not show are checked and skipped. The same
/// contract as [`Customer`], field for field: a row one refuses, the other refuses too.
#[derive(Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ListedCustomer<'a> {
    #[serde(borrow)]
    pub id: Cow<'a, str>,
    #[serde(default)]
    pub created_at: Millis,
    #[serde(default)]
    pub updated_at: Millis,
    #[serde(default)]
    pub livemode: bool,
    #[serde(default, borrow)]
    pub organization_id: Cow<'a, str>,
    #[serde(default, borrow)]
    pub email: Cow<'a, str>,
    #[serde(default, borrow)]
    pub name: Cow<'a, str>,
    #[serde(default, borrow, deserialize_with = "crate::providers::decode::borrowed")]
    pub invoice_number_base: Option<Cow<'a, str>>,
    #[serde(default)]
    pub archived: bool,
    #[serde(default, borrow, deserialize_with = "crate::providers::decode::borrowed", rename = "logoURL")]
    pub logo_url: Option<Cow<'a, str>>,
    #[serde(default, borrow, deserialize_with = "crate::providers::decode::borrowed", rename = "iconURL")]
    pub icon_url: Option<Cow<'a, str>>,
    #[serde(default, borrow, deserialize_with = "crate::providers::decode::borrowed")]
    pub domain: Option<Cow<'a, str>>,
    #[serde(default)]
    pub billing_address: Option<serde::de::IgnoredAny>,
    #[serde(borrow)]
    pub external_id: Cow<'a, str>,
    #[serde(default, borrow, deserialize_with = "crate::providers::decode::borrowed")]
    pub user_id: Option<Cow<'a, str>>,
    #[serde(default, borrow)]
    pub pricing_model_id: Cow<'a, str>,
}

/// `{customer}`: the body of customer get and update responses.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct CustomerResponse {
    pub customer: Customer,
}

/// `POST /customers` body. `email` and `name` are required by Flowglad; they are optional
/// here so the client forwards what it has and the provider's validation speaks.
#[derive(Clone, Debug, Default, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct CustomerInsert {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub external_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none", rename = "logoURL")]
    pub logo_url: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none", rename = "iconURL")]
    pub icon_url: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub domain: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user_id: Option<String>,
}

#[derive(Clone, Debug, Default, Serialize, Deserialize, PartialEq)]
pub struct CustomerCreateRequest {
    pub customer: CustomerInsert,
}

/// `POST /customers` answers with an extra `data` wrapper, unlike every other customer call.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct CustomerCreateResponse {
    pub data: CustomerCreated,
}

/// The new customer, placed on the pricing model's default product when there is one.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct CustomerCreated {
    pub customer: Customer,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub subscription: Option<Subscription>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub subscription_items: Option<Vec<SubscriptionItem>>,
}

/// `PUT /customers/{externalId}` body: only the fields to change.
#[derive(Clone, Debug, Default, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct CustomerUpdate {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub domain: Option<String>,
}

#[derive(Clone, Debug, Default, Serialize, Deserialize, PartialEq)]
pub struct CustomerUpdateRequest {
    pub customer: CustomerUpdate,
}

/// `GET /customers/{externalId}/billing`, the rich read the docs call the source of truth.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct Billing {
    pub customer: Customer,
    #[serde(default)]
    pub subscriptions: Vec<SubscriptionDetails>,
    #[serde(default)]
    pub invoices: Vec<InvoiceWithLines>,
    #[serde(default)]
    pub payment_methods: Vec<PaymentMethod>,
    /// Purchases are not read by till; kept raw.
    #[serde(default)]
    pub purchases: Vec<Value>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub current_subscriptions: Option<Vec<SubscriptionDetails>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub current_subscription: Option<SubscriptionDetails>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub catalog: Option<PricingModelDetails>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pricing_model: Option<PricingModelDetails>,
    #[serde(default)]
    pub billing_portal_url: String,
}

/// The country is the only required part of an address.
#[derive(Clone, Debug, Default, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct Address {
    #[serde(default)]
    pub country: String,
}

#[derive(Clone, Debug, Default, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct BillingDetails {
    #[serde(default)]
    pub name: Option<String>,
    #[serde(default)]
    pub email: Option<String>,
    #[serde(default)]
    pub address: Address,
}

#[derive(Clone, Debug, Default, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct PaymentMethod {
    pub id: String,
    #[serde(default)]
    pub created_at: Millis,
    #[serde(default)]
    pub updated_at: Millis,
    #[serde(default)]
    pub livemode: bool,
    #[serde(default)]
    pub customer_id: String,
    #[serde(default)]
    pub pricing_model_id: String,
    #[serde(default)]
    pub billing_details: BillingDetails,
    /// card, link, us_bank_account, sepa_debit.
    #[serde(default, rename = "type")]
    pub kind: String,
    #[serde(default)]
    pub default: bool,
    #[serde(default)]
    pub payment_method_data: BTreeMap<String, Value>,
}
