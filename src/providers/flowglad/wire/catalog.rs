//! Pricing model → products → prices, features, usage meters and resources.

use serde::{Deserialize, Serialize};

use super::Millis;

/// Price, discriminated by `type`: `subscription` (interval), `single_payment` (none) or
/// `usage` (interval, meter, events per unit, no product). One flat struct so an unknown
/// type still decodes; every variant-specific field is written, as `null` where it does not
/// apply, which each variant of the spec's union accepts.
#[derive(Clone, Debug, Default, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct Price {
    pub id: String,
    #[serde(default)]
    pub created_at: Millis,
    #[serde(default)]
    pub updated_at: Millis,
    #[serde(default)]
    pub livemode: bool,
    #[serde(default, rename = "type")]
    pub kind: String,
    #[serde(default)]
    pub name: Option<String>,
    /// day, week, month, year.
    #[serde(default)]
    pub interval_unit: Option<String>,
    #[serde(default)]
    pub interval_count: Option<u64>,
    #[serde(default)]
    pub trial_period_days: Option<u64>,
    #[serde(default)]
    pub is_default: bool,
    /// Integer minor units (cents, yen).
    #[serde(default)]
    pub unit_price: i64,
    #[serde(default)]
    pub usage_events_per_unit: Option<u64>,
    #[serde(default)]
    pub product_id: Option<String>,
    #[serde(default)]
    pub active: bool,
    #[serde(default)]
    pub currency: String,
    #[serde(default)]
    pub slug: Option<String>,
    #[serde(default)]
    pub usage_meter_id: Option<String>,
    #[serde(default)]
    pub pricing_model_id: String,
}

pub const PRICE_SUBSCRIPTION: &str = "subscription";
pub const PRICE_SINGLE_PAYMENT: &str = "single_payment";
pub const PRICE_USAGE: &str = "usage";

/// Feature, discriminated by `type`: `toggle`, `usage_credit_grant` (amount of credits on a
/// usage meter, renewed `once` or `every_billing_period`) or `resource` (capacity of a resource).
#[derive(Clone, Debug, Default, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct Feature {
    pub id: String,
    #[serde(default)]
    pub created_at: Millis,
    #[serde(default)]
    pub updated_at: Millis,
    #[serde(default)]
    pub livemode: bool,
    #[serde(default)]
    pub organization_id: String,
    #[serde(default, rename = "type")]
    pub kind: String,
    #[serde(default)]
    pub slug: String,
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub description: String,
    #[serde(default)]
    pub amount: Option<i64>,
    #[serde(default)]
    pub usage_meter_id: Option<String>,
    #[serde(default)]
    pub renewal_frequency: Option<String>,
    #[serde(default)]
    pub pricing_model_id: String,
    #[serde(default)]
    pub resource_id: Option<String>,
    #[serde(default)]
    pub active: bool,
}

pub const FEATURE_TOGGLE: &str = "toggle";
pub const FEATURE_CREDIT_GRANT: &str = "usage_credit_grant";
pub const FEATURE_RESOURCE: &str = "resource";

/// `ProductWithPricesRecord`.
#[derive(Clone, Debug, Default, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct Product {
    pub id: String,
    #[serde(default)]
    pub created_at: Millis,
    #[serde(default)]
    pub updated_at: Millis,
    #[serde(default)]
    pub livemode: bool,
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub description: Option<String>,
    #[serde(default, rename = "imageURL")]
    pub image_url: Option<String>,
    #[serde(default)]
    pub organization_id: String,
    #[serde(default)]
    pub active: bool,
    #[serde(default)]
    pub singular_quantity_label: Option<String>,
    #[serde(default)]
    pub plural_quantity_label: Option<String>,
    #[serde(default)]
    pub pricing_model_id: String,
    #[serde(default)]
    pub default: bool,
    #[serde(default)]
    pub slug: String,
    #[serde(default)]
    pub prices: Vec<Price>,
    #[serde(default)]
    pub default_price: Option<Price>,
    #[serde(default)]
    pub features: Vec<Feature>,
}

/// `UsageMeterWithPricesRecord`.
#[derive(Clone, Debug, Default, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct UsageMeter {
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
    pub name: String,
    #[serde(default)]
    pub pricing_model_id: String,
    #[serde(default)]
    pub slug: String,
    /// sum, count_distinct_properties.
    #[serde(default)]
    pub aggregation_type: String,
    #[serde(default)]
    pub prices: Vec<Price>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub default_price: Option<Price>,
}

/// `PricingModelClientSelectSchema`, the rows of `GET /pricing-models`.
#[derive(Clone, Debug, Default, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct PricingModel {
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
    pub is_default: bool,
    #[serde(default)]
    pub name: String,
}

/// `PricingModelDetailsRecord`: the whole catalog a key can see.
#[derive(Clone, Debug, Default, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct PricingModelDetails {
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
    pub is_default: bool,
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub products: Vec<Product>,
    #[serde(default)]
    pub usage_meters: Vec<UsageMeter>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub default_product: Option<Product>,
}

#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct PricingModelResponse {
    pub pricing_model: PricingModelDetails,
}

/// A capacity (seats, projects) that `resource` features grant.
#[derive(Clone, Debug, Default, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct Resource {
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
    pub pricing_model_id: String,
    #[serde(default)]
    pub slug: String,
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub active: bool,
}

/// `GET /resources` is not paginated.
#[derive(Clone, Debug, Default, Serialize, Deserialize, PartialEq)]
pub struct ResourcesResponse {
    #[serde(default)]
    pub resources: Vec<Resource>,
}
