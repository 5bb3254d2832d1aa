//! Subscriptions (the `renews` union), their items and feature items, usage balances,
//! adjustments, previews, cancellations and invoices.

use serde::de::Error as _;
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use serde_json::{Map, Number, Value};

use super::{Metadata, Millis, Price};

/// `SubscriptionClientSelectSchema`. The spec discriminates on the boolean `renews`, which
/// serde cannot tag on, so the shared fields live here and [`Renewal`] carries the rest.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct Subscription {
    pub id: String,
    #[serde(default)]
    pub created_at: Millis,
    #[serde(default)]
    pub updated_at: Millis,
    #[serde(default)]
    pub livemode: bool,
    #[serde(default)]
    pub start_date: Millis,
    /// Flowglad's own customer id, not the external id.
    #[serde(default)]
    pub customer_id: String,
    #[serde(default)]
    pub organization_id: String,
    /// Renewing: trialing, active, past_due, unpaid, cancellation_scheduled, incomplete,
    /// incomplete_expired, canceled, paused. Non-renewing: active, canceled, credit_trial.
    #[serde(default)]
    pub status: String,
    #[serde(default)]
    pub default_payment_method_id: Option<String>,
    #[serde(default)]
    pub backup_payment_method_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub metadata: Option<Metadata>,
    #[serde(default)]
    pub canceled_at: Option<Millis>,
    #[serde(default)]
    pub cancel_scheduled_at: Option<Millis>,
    #[serde(default)]
    pub cancellation_reason: Option<String>,
    #[serde(default)]
    pub replaced_by_subscription_id: Option<String>,
    #[serde(default)]
    pub is_free_plan: Option<bool>,
    #[serde(default)]
    pub do_not_charge: Option<bool>,
    #[serde(default)]
    pub price_id: String,
    #[serde(default)]
    pub run_billing_at_period_start: Option<bool>,
    #[serde(default)]
    pub name: Option<String>,
    #[serde(default)]
    pub pricing_model_id: String,
    #[serde(default)]
    pub scheduled_adjustment_at: Option<Millis>,
    #[serde(default)]
    pub current: bool,
    #[serde(flatten)]
    pub renewal: Renewal,
}

/// The `renews` discriminator and what depends on it.
#[derive(Clone, Debug, PartialEq)]
pub enum Renewal {
    /// `renews: true`: a standard subscription with an interval and billing periods.
    Renewing(RenewingFields),
    /// `renews: false`: single payments and credit trials; no interval, no billing period.
    NonRenewing,
}

#[derive(Clone, Debug, Default, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct RenewingFields {
    /// day, week, month, year.
    #[serde(default)]
    pub interval: String,
    #[serde(default)]
    pub interval_count: u64,
    #[serde(default)]
    pub trial_end: Option<Millis>,
    #[serde(default)]
    pub current_billing_period_start: Option<Millis>,
    #[serde(default)]
    pub current_billing_period_end: Option<Millis>,
    #[serde(default)]
    pub billing_cycle_anchor_date: Option<Millis>,
}

/// Fields a non-renewing subscription must send as `null`.
const NON_RENEWING_NULLS: [&str; 6] = [
    "trialEnd",
    "currentBillingPeriodStart",
    "currentBillingPeriodEnd",
    "interval",
    "intervalCount",
    "billingCycleAnchorDate",
];

impl Serialize for Renewal {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut map = match self {
            Renewal::Renewing(fields) => match serde_json::to_value(fields).map_err(serde::ser::Error::custom)? {
                Value::Object(map) => map,
                _ => Map::new(),
            },
            Renewal::NonRenewing => NON_RENEWING_NULLS.iter().map(|k| (k.to_string(), Value::Null)).collect(),
        };
        map.insert("renews".into(), Value::Bool(matches!(self, Renewal::Renewing(_))));
        map.serialize(serializer)
    }
}

impl<'de> Deserialize<'de> for Renewal {
    /// Reads `renews`; when it is missing, an `interval` means a renewing subscription.
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let map = Map::<String, Value>::deserialize(deserializer)?;
        let renews = match map.get("renews") {
            Some(Value::Bool(b)) => *b,
            None | Some(Value::Null) => map.get("interval").is_some_and(|v| !v.is_null()),
            Some(other) => return Err(D::Error::custom(format!("renews: expected a boolean, got {other}"))),
        };
        if !renews {
            return Ok(Renewal::NonRenewing);
        }
        // Flattened fields arrive as a map, which hides their path from the outer decoder:
        // name it here so "expected …" always says which field (`intervalCount: …`).
        let fields: RenewingFields = serde_path_to_error::deserialize(Value::Object(map))
            .map_err(|e| D::Error::custom(format!("{}: {}", e.path(), e.inner())))?;
        Ok(Renewal::Renewing(fields))
    }
}

#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct SubscriptionResponse {
    pub subscription: Subscription,
}

/// `cancel-scheduled-adjustment`'s `CancelScheduledAdjustmentOutput`.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct CancelScheduledAdjustmentOutput {
    pub subscription: Subscription,
    pub canceled_item_count: usize,
}

/// `StaticSubscriptionItemClientSelectSchemaOutput`; with `price` inside `/billing`.
#[derive(Clone, Debug, Default, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct SubscriptionItem {
    pub id: String,
    #[serde(default)]
    pub created_at: Millis,
    #[serde(default)]
    pub updated_at: Millis,
    #[serde(default)]
    pub livemode: bool,
    #[serde(default)]
    pub subscription_id: String,
    #[serde(default)]
    pub name: Option<String>,
    #[serde(default)]
    pub added_date: Millis,
    #[serde(default)]
    pub price_id: Option<String>,
    #[serde(default)]
    pub unit_price: i64,
    #[serde(default)]
    pub quantity: i64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub metadata: Option<Metadata>,
    #[serde(default, rename = "type")]
    pub kind: String,
    #[serde(default)]
    pub external_id: Option<String>,
    #[serde(default)]
    pub expired_at: Option<Millis>,
    #[serde(default)]
    pub manually_created: bool,
    #[serde(default)]
    pub pricing_model_id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub price: Option<Price>,
}

/// A feature granted to one subscription item (an entitlement), discriminated by `type`
/// like [`super::Feature`].
#[derive(Clone, Debug, Default, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct SubscriptionItemFeature {
    pub id: String,
    #[serde(default)]
    pub created_at: Millis,
    #[serde(default)]
    pub updated_at: Millis,
    #[serde(default)]
    pub livemode: bool,
    #[serde(default)]
    pub subscription_item_id: String,
    #[serde(default)]
    pub feature_id: String,
    #[serde(default)]
    pub product_feature_id: Option<String>,
    #[serde(default, rename = "type")]
    pub kind: String,
    #[serde(default)]
    pub amount: Option<i64>,
    #[serde(default)]
    pub usage_meter_id: Option<String>,
    #[serde(default)]
    pub renewal_frequency: Option<String>,
    #[serde(default)]
    pub expired_at: Option<Millis>,
    #[serde(default)]
    pub detached_at: Option<Millis>,
    #[serde(default)]
    pub detached_reason: Option<String>,
    #[serde(default)]
    pub manually_created: bool,
    #[serde(default)]
    pub pricing_model_id: String,
    #[serde(default)]
    pub resource_id: Option<String>,
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub slug: String,
}

fn zero() -> Number {
    Number::from(0)
}

/// A usage meter with the credits left on one subscription.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct UsageMeterBalance {
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
    #[serde(default)]
    pub aggregation_type: String,
    /// A JSON number; may be negative once usage exceeds the credits.
    #[serde(default = "zero")]
    pub available_balance: Number,
    #[serde(default)]
    pub subscription_id: String,
}

#[derive(Clone, Debug, Default, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct Experimental {
    #[serde(default)]
    pub feature_items: Vec<SubscriptionItemFeature>,
    #[serde(default)]
    pub usage_meter_balances: Vec<UsageMeterBalance>,
}

/// `SubscriptionDetails`: a subscription with its items (prices embedded) and entitlements.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct SubscriptionDetails {
    #[serde(flatten)]
    pub subscription: Subscription,
    #[serde(default)]
    pub subscription_items: Vec<SubscriptionItem>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub experimental: Option<Experimental>,
}

/// The simplest item form `adjust` accepts (`TerseSubscriptionItem`); the sandbox reads
/// `priceId`/`priceSlug`/`quantity` out of the fuller forms too.
#[derive(Clone, Debug, Default, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct NewSubscriptionItem {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub price_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub price_slug: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub quantity: Option<i64>,
}

pub const TIMING_IMMEDIATELY: &str = "immediately";
pub const TIMING_AT_PERIOD_END: &str = "at_end_of_current_billing_period";
pub const TIMING_AUTO: &str = "auto";

/// `adjustment`, discriminated by `timing`: immediately, at_end_of_current_billing_period, auto.
#[derive(Clone, Debug, Default, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct Adjustment {
    #[serde(default)]
    pub timing: String,
    #[serde(default)]
    pub new_subscription_items: Vec<NewSubscriptionItem>,
    /// Not part of the at-period-end variant.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub prorate_current_billing_period: Option<bool>,
}

#[derive(Clone, Debug, Default, Serialize, Deserialize, PartialEq)]
pub struct AdjustRequest {
    pub adjustment: Adjustment,
}

#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct AdjustResponse {
    pub subscription: Subscription,
    #[serde(default)]
    pub subscription_items: Vec<SubscriptionItem>,
    /// immediately or at_end_of_current_billing_period (auto resolved).
    #[serde(default)]
    pub resolved_timing: String,
    #[serde(default)]
    pub is_upgrade: bool,
}

#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct PreviewItem {
    #[serde(default)]
    pub name: String,
    #[serde(default = "zero")]
    pub unit_price: Number,
    #[serde(default = "zero")]
    pub quantity: Number,
    #[serde(default)]
    pub price_id: String,
}

#[derive(Clone, Debug, Default, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct PreviewPaymentMethod {
    pub id: String,
    #[serde(default, rename = "type")]
    pub kind: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last4: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub brand: Option<String>,
}

/// `preview-adjust`: what `adjust` would do, without doing it. Amounts are minor units as
/// JSON numbers; `reason` is set when `canAdjust` is false.
#[derive(Clone, Debug, Default, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct PreviewAdjustResponse {
    #[serde(default)]
    pub can_adjust: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    #[serde(default)]
    pub preview_generated_at: Millis,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub proration_amount: Option<Number>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub current_plan_total: Option<Number>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub new_plan_total: Option<Number>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub resolved_timing: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub effective_date: Option<Millis>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub is_upgrade: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub percent_through_billing_period: Option<Number>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub billing_period_end: Option<Millis>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub payment_method: Option<PreviewPaymentMethod>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub current_subscription_items: Option<Vec<PreviewItem>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub new_subscription_items: Option<Vec<PreviewItem>>,
}

/// `cancellation`, discriminated by `timing`: at_end_of_current_billing_period or immediately.
#[derive(Clone, Debug, Default, Serialize, Deserialize, PartialEq)]
pub struct CancelTiming {
    #[serde(default)]
    pub timing: String,
}

#[derive(Clone, Debug, Default, Serialize, Deserialize, PartialEq)]
pub struct CancelRequest {
    pub cancellation: CancelTiming,
}

/// Invoice, discriminated by `type` (purchase, subscription, standalone); read-only.
#[derive(Clone, Debug, Default, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct Invoice {
    pub id: String,
    #[serde(default)]
    pub created_at: Millis,
    #[serde(default)]
    pub updated_at: Millis,
    #[serde(default)]
    pub livemode: bool,
    #[serde(default)]
    pub purchase_id: Option<String>,
    #[serde(default)]
    pub invoice_number: String,
    #[serde(default)]
    pub invoice_date: Millis,
    #[serde(default)]
    pub billing_period_id: Option<String>,
    #[serde(default)]
    pub due_date: Option<Millis>,
    #[serde(default)]
    pub customer_id: String,
    #[serde(default)]
    pub organization_id: String,
    /// draft, open, paid, uncollectible, void, refunded, partially_refunded,
    /// awaiting_payment_confirmation.
    #[serde(default)]
    pub status: String,
    #[serde(default)]
    pub subscription_id: Option<String>,
    #[serde(default)]
    pub billing_run_id: Option<String>,
    #[serde(default)]
    pub billing_period_start_date: Option<Millis>,
    #[serde(default)]
    pub billing_period_end_date: Option<Millis>,
    #[serde(default)]
    pub owner_membership_id: Option<String>,
    #[serde(default, rename = "pdfURL")]
    pub pdf_url: Option<String>,
    #[serde(default, rename = "receiptPdfURL")]
    pub receipt_pdf_url: Option<String>,
    #[serde(default)]
    pub memo: Option<String>,
    #[serde(default)]
    pub bank_payment_only: Option<bool>,
    #[serde(default, rename = "type")]
    pub kind: String,
    #[serde(default)]
    pub currency: String,
    #[serde(default)]
    pub tax_amount: Option<i64>,
    #[serde(default)]
    pub subtotal: Option<i64>,
    #[serde(default)]
    pub tax_type: Option<String>,
    #[serde(default)]
    pub tax_country: Option<String>,
    #[serde(default)]
    pub tax_state: Option<String>,
    #[serde(default)]
    pub tax_rate_percentage: Option<String>,
    #[serde(default)]
    pub application_fee: Option<i64>,
    #[serde(default)]
    pub pricing_model_id: String,
}

/// Invoice line, discriminated by `type` (static, usage); `price` is minor units.
#[derive(Clone, Debug, Default, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct InvoiceLineItem {
    pub id: String,
    #[serde(default)]
    pub created_at: Millis,
    #[serde(default)]
    pub updated_at: Millis,
    #[serde(default)]
    pub livemode: bool,
    #[serde(default)]
    pub invoice_id: String,
    #[serde(default)]
    pub quantity: i64,
    #[serde(default)]
    pub price_id: Option<String>,
    #[serde(default)]
    pub description: Option<String>,
    #[serde(default)]
    pub price: i64,
    #[serde(default, rename = "type")]
    pub kind: String,
    #[serde(default)]
    pub pricing_model_id: String,
}

#[derive(Clone, Debug, Default, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct InvoiceWithLines {
    pub invoice: Invoice,
    #[serde(default)]
    pub invoice_line_items: Vec<InvoiceLineItem>,
}
