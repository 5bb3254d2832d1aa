//! Zenskar's JSON, as shared/providers/kelviq-zenskar.md part 2 describes it (no OpenAPI file
//! could be retrieved). Used by the client to decode and by the sandbox to encode, so a format
//! fact lives here once. Fields the reference does not name but the console needs are marked
//! [inferred] and listed in notes/zenskar.md.
//!
//! Amounts are JSON numbers in major units (`unit_amount: 49.0`, `total: 1000`); they are read
//! into `Decimal` through their shortest text form, never through arithmetic on f64.

use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

#[path = "amount.rs"]
pub mod amount;
mod errors;
mod portal;
pub use errors::*;
pub use portal::*;

/// Any list. The envelope varies by endpoint: rows in `results` or `data`, the count in
/// `total_count` or `total`; both spellings are accepted.
#[derive(Clone, Debug, Deserialize)]
pub struct Page<T> {
    #[serde(default = "Vec::new", alias = "data")]
    pub results: Vec<T>,
    #[serde(default)]
    pub next: Option<String>,
    #[serde(default)]
    pub previous: Option<String>,
    #[serde(default, alias = "total_count")]
    pub total: Option<u64>,
}

/// `GET /customers`: `{data, next, previous, total}`.
#[derive(Clone, Debug, Serialize)]
pub struct DataPage<T> {
    pub data: Vec<T>,
    pub next: Option<String>,
    pub previous: Option<String>,
    pub total: u64,
}

/// Plans, contracts, invoices, entitlements: `{results, next, previous, total_count}`.
#[derive(Clone, Debug, Serialize)]
pub struct ResultsPage<T> {
    pub results: Vec<T>,
    pub next: Option<String>,
    pub previous: Option<String>,
    pub total_count: u64,
}

#[derive(Clone, Debug, Default, Serialize, Deserialize, PartialEq)]
pub struct Address {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub line1: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub line2: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub line3: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub city: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub state: Option<String>,
    #[serde(default, rename = "zipCode", skip_serializing_if = "Option::is_none")]
    pub zip_code: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub country: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub country_code: Option<String>,
}

#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct Customer {
    pub id: String,
    #[serde(default)]
    pub external_id: Option<String>,
    #[serde(default)]
    pub customer_name: Option<String>,
    #[serde(default)]
    pub email: Option<String>,
    #[serde(default)]
    pub phone_number: Option<String>,
    #[serde(default)]
    pub address: Option<Address>,
    #[serde(default)]
    pub custom_data: Option<Map<String, Value>>,
    #[serde(default)]
    pub communications_enabled: Option<bool>,
    #[serde(default)]
    pub auto_charge_enabled: Option<bool>,
    #[serde(default)]
    pub business_entity_id: Option<String>,
    #[serde(default)]
    pub contacts: Vec<Value>,
    /// Naive ISO 8601 (`2023-01-01T00:00:00`) in the examples; UTC assumed.
    #[serde(default)]
    pub created_at: Option<String>,
    #[serde(default)]
    pub updated_at: Option<String>,
}

/// `PATCH /customers/{id}`: a partial update, the create body's fields, each optional.
#[derive(Clone, Debug, Default, Serialize, Deserialize, PartialEq)]
pub struct CustomerUpdateRequest {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub customer_name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub phone_number: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub custom_data: Option<Map<String, Value>>,
}

#[derive(Clone, Debug, Default, Serialize, Deserialize, PartialEq)]
pub struct CustomerCreateRequest {
    pub customer_name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub external_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub phone_number: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub address: Option<Address>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub custom_data: Option<Map<String, Value>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub communications_enabled: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub auto_charge_enabled: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub business_entity_id: Option<String>,
}

#[derive(Clone, Debug, Default, Serialize, Deserialize, PartialEq)]
pub struct Schedule {
    /// ISO 8601 duration: P1M, P1Y.
    #[serde(default)]
    pub duration: Option<String>,
    #[serde(default)]
    pub start_offset: Option<String>,
    #[serde(default)]
    pub trigger_type: Option<String>,
}

#[derive(Clone, Debug, Default, Serialize, Deserialize, PartialEq)]
pub struct PricingPeriod {
    /// ISO 8601 duration (P1M) [inferred]; words such as `monthly` are accepted too.
    #[serde(default)]
    pub cadence: Option<String>,
}

#[derive(Clone, Debug, Default, Serialize, Deserialize, PartialEq)]
pub struct PricingData {
    /// `flat_fee`, `per_unit`, ...
    #[serde(default)]
    pub pricing_type: Option<String>,
    #[serde(default)]
    pub currency: Option<String>,
    #[serde(default, with = "amount::opt")]
    pub unit_amount: Option<Decimal>,
    #[serde(default)]
    pub pricing_period: Option<PricingPeriod>,
    #[serde(default)]
    pub label: Option<String>,
    #[serde(default)]
    pub unit: Option<String>,
}

#[derive(Clone, Debug, Default, Serialize, Deserialize, PartialEq)]
pub struct PricingQuantity {
    #[serde(default, rename = "type")]
    pub kind: Option<String>,
    /// Units bought (seats); in a contract, the contract's own quantity.
    #[serde(default, with = "amount::opt")]
    pub quantity: Option<Decimal>,
    #[serde(default)]
    pub unit: Option<String>,
}

/// What a pricing grants: `type` is the entitlement type (Feature, Quantity, Credits);
/// `numeric_value` the amount granted per unit bought.
#[derive(Clone, Debug, Default, Serialize, Deserialize, PartialEq)]
pub struct Grant {
    pub entitlement_id: String,
    #[serde(default, rename = "type")]
    pub kind: Option<String>,
    #[serde(default)]
    pub label: Option<String>,
    #[serde(default)]
    pub identifier: Option<String>,
    #[serde(default, with = "amount::opt")]
    pub numeric_value: Option<Decimal>,
}

#[derive(Clone, Debug, Default, Serialize, Deserialize, PartialEq)]
pub struct Pricing {
    #[serde(default)]
    pub id: Option<String>,
    #[serde(default)]
    pub name: Option<String>,
    #[serde(default)]
    pub description: Option<String>,
    #[serde(default)]
    pub pricing_data: PricingData,
    #[serde(default)]
    pub quantity: Option<PricingQuantity>,
    #[serde(default)]
    pub grants: Vec<Grant>,
}

#[derive(Clone, Debug, Default, Serialize, Deserialize, PartialEq)]
pub struct ProductRef {
    #[serde(default)]
    pub id: Option<String>,
    #[serde(default)]
    pub name: Option<String>,
    #[serde(default, rename = "type")]
    pub kind: Option<String>,
}

/// A pricing inside a plan or contract phase. `product` and `pricing` are inlined [inferred]:
/// the reference gives phases as `pricings[{pricing_id, product_id}]` only.
#[derive(Clone, Debug, Default, Serialize, Deserialize, PartialEq)]
pub struct PhasePricing {
    #[serde(default)]
    pub id: Option<String>,
    #[serde(default)]
    pub pricing_id: Option<String>,
    #[serde(default)]
    pub product_id: Option<String>,
    #[serde(default)]
    pub plan_id: Option<String>,
    #[serde(default)]
    pub product: Option<ProductRef>,
    #[serde(default)]
    pub pricing: Option<Pricing>,
}

#[derive(Clone, Debug, Default, Serialize, Deserialize, PartialEq)]
pub struct Phase {
    #[serde(default)]
    pub id: Option<String>,
    #[serde(default)]
    pub name: Option<String>,
    /// `active`, `trial`, `pause`.
    #[serde(default)]
    pub phase_type: Option<String>,
    /// Plan phases: length as an ISO 8601 duration (a trial's P14D).
    #[serde(default)]
    pub duration: Option<String>,
    /// Contract phases: inclusive dates.
    #[serde(default)]
    pub start_date: Option<String>,
    #[serde(default)]
    pub end_date: Option<String>,
    #[serde(default)]
    pub pricings: Vec<PhasePricing>,
}

#[derive(Clone, Debug, Default, Serialize, Deserialize, PartialEq)]
pub struct Plan {
    pub id: String,
    #[serde(default)]
    pub name: String,
    /// draft | active | archived.
    #[serde(default)]
    pub status: Option<String>,
    #[serde(default)]
    pub description: Option<String>,
    #[serde(default)]
    pub currency: Option<String>,
    #[serde(default)]
    pub schedule: Option<Schedule>,
    #[serde(default)]
    pub phases: Vec<Phase>,
    #[serde(default)]
    pub created_at: Option<String>,
    #[serde(default)]
    pub updated_at: Option<String>,
}

#[derive(Clone, Debug, Default, Serialize, Deserialize, PartialEq)]
pub struct Contract {
    pub id: String,
    #[serde(default)]
    pub name: Option<String>,
    /// draft | active | paused | expired | disputed.
    #[serde(default)]
    pub status: String,
    #[serde(default)]
    pub currency: Option<String>,
    #[serde(default)]
    pub customer_id: String,
    /// The plan of the current phase [inferred].
    #[serde(default)]
    pub plan_id: Option<String>,
    #[serde(default)]
    pub description: Option<String>,
    #[serde(default)]
    pub tags: Vec<String>,
    #[serde(default)]
    pub start_date: Option<String>,
    /// Inclusive: the contract ends at 23:59:59.999999 on this day.
    #[serde(default)]
    pub end_date: Option<String>,
    #[serde(default)]
    pub anchor_date: Option<String>,
    #[serde(default)]
    pub renewal_policy: Option<String>,
    #[serde(default)]
    pub phases: Vec<Phase>,
    #[serde(default)]
    pub created_at: Option<String>,
    #[serde(default)]
    pub updated_at: Option<String>,
}

#[derive(Clone, Debug, Default, Serialize, Deserialize, PartialEq)]
pub struct ExpireRequest {
    /// `None` (null) means today.
    pub expiry_date: Option<String>,
}

#[derive(Clone, Debug, Default, Serialize, Deserialize, PartialEq)]
pub struct ProductOverride {
    /// The product whose quantity or inclusion changes [inferred key name].
    pub product_id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub quantity: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub is_enabled: Option<bool>,
}

/// `POST /checkouts` and `POST /checkouts/preview`. Dates and ids travel as strings so the
/// sandbox can answer malformed ones with pydantic-style 422s instead of failing to decode.
#[derive(Clone, Debug, Default, Serialize, Deserialize, PartialEq)]
pub struct CheckoutCreateRequest {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub plan_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub contract_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub start_date: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub end_date: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub customer_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub business_entity_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expires_at: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub success_url: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cancel_url: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub product_overrides: Option<Vec<ProductOverride>>,
}

#[derive(Clone, Debug, Default, Serialize, Deserialize, PartialEq)]
pub struct LinePeriod {
    #[serde(default)]
    pub start_date: Option<String>,
    /// Inclusive last day.
    #[serde(default)]
    pub end_date: Option<String>,
}

/// One estimated invoice line, in the shape family B's `EstimationResponseSchema` uses
/// [inferred for `/checkouts`, whose documented example carries only `total` and `currency`].
#[derive(Clone, Debug, Default, Serialize, Deserialize, PartialEq)]
pub struct EstimateLineItem {
    #[serde(default)]
    pub id: Option<String>,
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub description: Option<String>,
    #[serde(default = "one", with = "amount")]
    pub quantity: Decimal,
    #[serde(default, with = "amount::opt")]
    pub unit_price: Option<Decimal>,
    #[serde(with = "amount")]
    pub amount: Decimal,
    #[serde(default)]
    pub currency: Option<String>,
    #[serde(default)]
    pub period: Option<LinePeriod>,
}

fn one() -> Decimal {
    Decimal::ONE
}

#[derive(Clone, Debug, Default, Serialize, Deserialize, PartialEq)]
pub struct InvoiceEstimate {
    #[serde(with = "amount")]
    pub total: Decimal,
    pub currency: String,
    #[serde(default, with = "amount::opt", skip_serializing_if = "Option::is_none")]
    pub subtotal: Option<Decimal>,
    #[serde(default)]
    pub line_items: Vec<EstimateLineItem>,
}

#[derive(Clone, Debug, Default, Serialize, Deserialize, PartialEq)]
pub struct Estimates {
    #[serde(default)]
    pub current_invoice: Option<InvoiceEstimate>,
    /// null when nothing recurs.
    #[serde(default)]
    pub next_invoice: Option<InvoiceEstimate>,
}

#[derive(Clone, Debug, Default, Serialize, Deserialize, PartialEq)]
pub struct PreviewResponse {
    #[serde(default)]
    pub estimates: Estimates,
}

#[derive(Clone, Debug, Default, Serialize, Deserialize, PartialEq)]
pub struct Checkout {
    pub id: String,
    #[serde(default)]
    pub organisation_id: Option<String>,
    /// open | pending | payment_succeeded | contract_created | expired (enum not fully known).
    #[serde(default)]
    pub checkout_status: String,
    #[serde(default)]
    pub plan_id: Option<String>,
    #[serde(default)]
    pub contract_id: Option<String>,
    #[serde(default)]
    pub start_date: Option<String>,
    #[serde(default)]
    pub end_date: Option<String>,
    #[serde(default)]
    pub customer_id: Option<String>,
    #[serde(default)]
    pub business_entity_id: Option<String>,
    #[serde(default)]
    pub guest_checkout: bool,
    #[serde(default)]
    pub customer_data: Option<Value>,
    #[serde(default)]
    pub estimates: Option<Estimates>,
    #[serde(default)]
    pub expires_at: Option<String>,
    #[serde(default)]
    pub success_url: Option<String>,
    #[serde(default)]
    pub cancel_url: Option<String>,
    #[serde(default)]
    pub product_overrides: Vec<ProductOverride>,
    #[serde(default)]
    pub contract: Option<CheckoutContract>,
    #[serde(default)]
    pub created_at: Option<String>,
    #[serde(default)]
    pub updated_at: Option<String>,
    /// Where the customer pays. Undocumented for this API family [inferred]: the sandbox sends
    /// `checkout_url`; the client also reads `payment_url`, `redirect_url` and `url`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub checkout_url: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub payment_url: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub redirect_url: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
}

/// The contract a checkout will create, as the reference's example shows it: `{name, phases[]}`.
#[derive(Clone, Debug, Default, Serialize, Deserialize, PartialEq)]
pub struct CheckoutContract {
    #[serde(default)]
    pub name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub currency: Option<String>,
    /// The example shows an empty list and no element shape: kept raw.
    #[serde(default)]
    pub phases: Vec<Value>,
}

impl Checkout {
    pub fn hosted_url(&self) -> Option<&str> {
        [&self.checkout_url, &self.payment_url, &self.redirect_url, &self.url]
            .into_iter()
            .find_map(|u| u.as_deref().filter(|u| !u.is_empty()))
    }
}

#[derive(Clone, Debug, Default, Serialize, Deserialize, PartialEq)]
pub struct ConfirmRequest {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub payment_method_id: Option<String>,
}

#[derive(Clone, Debug, Default, Serialize, Deserialize, PartialEq)]
pub struct ConfirmResponse {
    pub id: String,
    #[serde(default)]
    pub checkout_status: String,
    #[serde(default)]
    pub contract_id: Option<String>,
    #[serde(default)]
    pub message: Option<String>,
    #[serde(default)]
    pub created_at: Option<String>,
    #[serde(default)]
    pub updated_at: Option<String>,
}

#[derive(Clone, Debug, Default, Serialize, Deserialize, PartialEq)]
pub struct EntitlementDefinition {
    pub id: String,
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub description: Option<String>,
    /// Feature | Quantity | Credits.
    #[serde(default)]
    pub entitlement_type: Option<String>,
    #[serde(default)]
    pub units: Option<String>,
    #[serde(default)]
    pub is_active: Option<bool>,
    #[serde(default)]
    pub product_id: Option<String>,
    #[serde(default)]
    pub created_at: Option<String>,
}

/// A row of `GET /entitlements/customer/unique/{customer_id}`.
#[derive(Clone, Debug, Default, Serialize, Deserialize, PartialEq)]
pub struct EntitlementTotal {
    pub entitlement: EntitlementDefinition,
    #[serde(default, with = "amount")]
    pub total_quantity: Decimal,
    #[serde(default, with = "amount")]
    pub total_quantity_used: Decimal,
    #[serde(default)]
    pub total_expired_entitlements: i64,
}

#[derive(Clone, Debug, Default, Serialize, Deserialize, PartialEq)]
pub struct InvoicePeriod {
    #[serde(default)]
    pub begin_date: Option<String>,
    #[serde(default)]
    pub end_date_exclusive: Option<String>,
}

#[derive(Clone, Debug, Default, Serialize, Deserialize, PartialEq)]
pub struct Invoice {
    pub id: String,
    #[serde(default)]
    pub invoice_id: Option<String>,
    #[serde(default)]
    pub customer_id: Option<String>,
    #[serde(default)]
    pub contract_id: Option<String>,
    #[serde(default)]
    pub invoice_number: Option<String>,
    #[serde(default)]
    pub invoice_period: Option<InvoicePeriod>,
    /// draft | approved | paid | partially_paid | void | ...
    #[serde(default)]
    pub status: String,
    /// Not in the documented row [inferred]; amounts are meaningless without it.
    #[serde(default)]
    pub currency: Option<String>,
    #[serde(default, with = "amount::opt")]
    pub invoice_total: Option<Decimal>,
    #[serde(default, with = "amount::opt")]
    pub net_invoice_total: Option<Decimal>,
    #[serde(default, with = "amount::opt")]
    pub amount_due: Option<Decimal>,
    #[serde(default)]
    pub invoice_url: Option<String>,
    #[serde(default)]
    pub payment_url: Option<String>,
    #[serde(default)]
    pub due_date: Option<String>,
    #[serde(default)]
    pub created_at: Option<String>,
    #[serde(default)]
    pub charged_at: Option<String>,
}

#[derive(Clone, Debug, Default, Serialize, Deserialize, PartialEq)]
pub struct BusinessEntity {
    pub id: String,
    #[serde(default)]
    pub name: Option<String>,
    #[serde(default)]
    pub currency: Option<String>,
}

/// A credit note (`GET /credit_notes`): Zenskar's correction of an approved invoice. Its
/// schema was not captured; these fields follow the invoice row's naming [inferred].
#[derive(Clone, Debug, Default, Serialize, Deserialize, PartialEq)]
pub struct CreditNote {
    pub id: String,
    #[serde(default)]
    pub credit_note_number: Option<String>,
    /// The invoice credited.
    #[serde(default)]
    pub invoice_id: Option<String>,
    #[serde(default)]
    pub customer_id: Option<String>,
    #[serde(default)]
    pub contract_id: Option<String>,
    #[serde(default)]
    pub status: String,
    #[serde(default)]
    pub currency: Option<String>,
    /// The amount credited, positive.
    #[serde(default, with = "amount::opt")]
    pub total_amount: Option<Decimal>,
    #[serde(default)]
    pub description: Option<String>,
    #[serde(default)]
    pub created_at: Option<String>,
}
