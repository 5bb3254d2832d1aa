//! The provider-neutral records the console shows. Each provider maps its wire types onto
//! these; the raw provider value is kept where normalising loses information (statuses).

use std::collections::BTreeMap;
use std::fmt;
use std::str::FromStr;

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

use super::money::Money;
use super::period::ChargePeriod;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ProviderKind {
    Kelviq,
    Flowglad,
    KuvarPay,
    Zenskar,
}

impl ProviderKind {
    pub const ALL: [ProviderKind; 4] =
        [ProviderKind::Kelviq, ProviderKind::Flowglad, ProviderKind::KuvarPay, ProviderKind::Zenskar];

    /// Lower-case slug used in paths, flags and environment variable names.
    pub fn slug(&self) -> &'static str {
        match self {
            ProviderKind::Kelviq => "kelviq",
            ProviderKind::Flowglad => "flowglad",
            ProviderKind::KuvarPay => "kuvarpay",
            ProviderKind::Zenskar => "zenskar",
        }
    }

    pub fn display_name(&self) -> &'static str {
        match self {
            ProviderKind::Kelviq => "Kelviq",
            ProviderKind::Flowglad => "Flowglad",
            ProviderKind::KuvarPay => "KuvarPay",
            ProviderKind::Zenskar => "Zenskar",
        }
    }

    /// What the provider calls the id its API addresses a customer by (see `Customer::id`).
    pub fn customer_id_name(&self) -> &'static str {
        match self {
            ProviderKind::Kelviq => "customerId",
            ProviderKind::Flowglad => "externalId",
            ProviderKind::KuvarPay => "email",
            ProviderKind::Zenskar => "id",
        }
    }
}

impl fmt::Display for ProviderKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.display_name())
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown provider {0:?} (expected one of kelviq, flowglad, kuvarpay, zenskar)")]
pub struct UnknownProvider(pub String);

impl FromStr for ProviderKind {
    type Err = UnknownProvider;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let wanted = s.trim().to_ascii_lowercase();
        ProviderKind::ALL.into_iter().find(|p| p.slug() == wanted).ok_or_else(|| UnknownProvider(s.to_string()))
    }
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Customer {
    pub provider: ProviderKind,
    /// The id the provider's API addresses the customer by (Kelviq `customerId`,
    /// Flowglad `externalId`, Zenskar UUID, KuvarPay email).
    pub id: String,
    /// A second, provider-internal id where one exists (Kelviq's UUID, Zenskar's external id).
    pub alt_id: Option<String>,
    pub name: Option<String>,
    pub email: Option<String>,
    #[serde(serialize_with = "super::timestamp::optional")]
    pub created_at: Option<DateTime<Utc>>,
    pub metadata: BTreeMap<String, String>,
    /// Values of this listed customer that could not be decoded (see `RowIssue`).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub issues: Vec<RowIssue>,
}

impl Customer {
    /// A listed customer whose row broke the contract: what could be read (the id at least, or
    /// its place in the list), and why the rest could not. It stays listed, marked.
    pub fn undecodable(
        provider: ProviderKind,
        id: String,
        name: Option<String>,
        email: Option<String>,
        issue: RowIssue,
    ) -> Customer {
        Customer {
            provider,
            id,
            alt_id: None,
            name,
            email,
            created_at: None,
            metadata: BTreeMap::new(),
            issues: vec![issue],
        }
    }

    /// Name, else email, else id: what a list row shows first.
    pub fn display_name(&self) -> &str {
        self.name.as_deref().filter(|n| !n.is_empty()).or(self.email.as_deref()).unwrap_or(&self.id)
    }
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct NewCustomer {
    pub id: String,
    pub name: Option<String>,
    pub email: Option<String>,
    #[serde(default)]
    pub metadata: BTreeMap<String, String>,
}

/// Fields to change on a customer; `None` leaves a field as it is.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct CustomerUpdate {
    pub name: Option<String>,
    pub email: Option<String>,
    /// Replaces the stored metadata where the provider keeps any.
    pub metadata: Option<BTreeMap<String, String>>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum PriceKind {
    Free,
    Paid,
    Custom,
    Usage,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Price {
    pub id: Option<String>,
    pub kind: PriceKind,
    pub period: ChargePeriod,
    pub amount: Money,
    pub trial_days: Option<u32>,
}

/// A value in a listed row that could not be decoded. The row stays in the list with what did
/// decode; the value is left out (a price dropped, an amount unknown) and the issue says which
/// value and why, so one bad value never hides the other rows. Tables mark such rows; JSON
/// carries them as `"issues": [{"path": …, "message": …}]` (absent when there are none).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct RowIssue {
    /// Where the value sits in the provider's object (`prices[pr_1].currency`, `amount`).
    pub path: String,
    pub message: String,
}

impl RowIssue {
    pub fn new(path: impl Into<String>, message: impl Into<String>) -> RowIssue {
        RowIssue { path: path.into(), message: message.into() }
    }
}

impl fmt::Display for RowIssue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.path, self.message)
    }
}

/// One line for a row's issues ("prices[pr_1].currency: unknown currency code …; …").
pub fn issues_summary(issues: &[RowIssue]) -> String {
    issues.iter().map(ToString::to_string).collect::<Vec<_>>().join("; ")
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Plan {
    pub provider: ProviderKind,
    pub id: String,
    pub name: String,
    pub description: Option<String>,
    pub product: Option<String>,
    pub prices: Vec<Price>,
    /// What the plan grants, where the provider exposes it in the catalog.
    pub features: Vec<PlanFeature>,
    /// Values of this plan that could not be decoded (a price in an unknown currency is
    /// left out of `prices` and named here).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub issues: Vec<RowIssue>,
}

impl Plan {
    /// A listed plan that could not be decoded at all: its id and name where known, no prices,
    /// and the reason. It stays in the list so the other plans are not hidden by it.
    pub fn undecodable(provider: ProviderKind, id: String, name: String, issue: RowIssue) -> Plan {
        Plan {
            provider,
            id,
            name,
            description: None,
            product: None,
            prices: Vec::new(),
            features: Vec::new(),
            issues: vec![issue],
        }
    }

    pub fn price_for(&self, period: ChargePeriod, currency: Option<&str>) -> Option<&Price> {
        self.prices
            .iter()
            .find(|p| p.period == period && currency.is_none_or(|c| p.amount.currency().code().eq_ignore_ascii_case(c)))
    }

    /// The distinct periods this plan has prices for, in picker order.
    pub fn periods(&self) -> Vec<ChargePeriod> {
        let mut periods: Vec<ChargePeriod> = Vec::new();
        for p in &self.prices {
            if !periods.contains(&p.period) {
                periods.push(p.period);
            }
        }
        periods
    }
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct PlanFeature {
    pub feature_id: String,
    pub name: Option<String>,
    pub kind: EntitlementKind,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum SubscriptionStatus {
    Active,
    Trialing,
    PastDue,
    Incomplete,
    Paused,
    Canceled,
    Expired,
    Superseded,
    Draft,
    Unknown,
}

impl SubscriptionStatus {
    /// Whether the customer currently has access through this subscription.
    pub fn is_live(&self) -> bool {
        matches!(self, SubscriptionStatus::Active | SubscriptionStatus::Trialing | SubscriptionStatus::PastDue)
    }

    pub fn label(&self) -> &'static str {
        match self {
            SubscriptionStatus::Active => "active",
            SubscriptionStatus::Trialing => "trialing",
            SubscriptionStatus::PastDue => "past due",
            SubscriptionStatus::Incomplete => "incomplete",
            SubscriptionStatus::Paused => "paused",
            SubscriptionStatus::Canceled => "canceled",
            SubscriptionStatus::Expired => "expired",
            SubscriptionStatus::Superseded => "superseded",
            SubscriptionStatus::Draft => "draft",
            SubscriptionStatus::Unknown => "unknown",
        }
    }
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Subscription {
    pub provider: ProviderKind,
    pub id: String,
    pub customer_id: String,
    pub plan_id: Option<String>,
    pub plan_name: Option<String>,
    pub status: SubscriptionStatus,
    /// The provider's own status string, shown beside the normalised one.
    pub raw_status: String,
    pub amount: Option<Money>,
    pub period: ChargePeriod,
    pub started_on: Option<NaiveDate>,
    pub current_period_start: Option<DateTime<Utc>>,
    pub current_period_end: Option<DateTime<Utc>>,
    /// When access ends: a scheduled cancellation or the actual end.
    pub ends_on: Option<NaiveDate>,
    pub canceled_at: Option<DateTime<Utc>>,
    pub trial_days_remaining: Option<u32>,
    /// A change the provider has scheduled for later (a downgrade at period end), shown so an
    /// operator does not mistake the current plan for what the customer will have next.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pending_change: Option<PendingChange>,
    /// What this subscription grants, where the provider reports it per subscription (Kelviq:
    /// with the quantities bought, which the catalog's plan values do not know).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub features: Vec<PlanFeature>,
    /// Values that could not be decoded (then `amount` is `None` rather than a guess).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub issues: Vec<RowIssue>,
}

/// A plan change that takes effect later, as the provider reports it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct PendingChange {
    pub plan_id: Option<String>,
    pub plan_name: Option<String>,
    pub on: Option<NaiveDate>,
}

impl PendingChange {
    /// "→ Starter on 2027-07-23".
    pub fn phrase(&self) -> String {
        let to = self.plan_name.as_deref().or(self.plan_id.as_deref()).unwrap_or("another plan");
        match self.on {
            Some(on) => format!("→ {to} on {on}"),
            None => format!("→ {to} (scheduled)"),
        }
    }
}

impl Subscription {
    /// The date that matters now, with the verb that fits the state: "renews" only for an
    /// active subscription that will renew; "trial ends" while trialing; "cancels" for a
    /// scheduled end; "ended" once over. The console and the CLI show the same phrase.
    pub fn date_phrase(&self) -> String {
        use SubscriptionStatus as S;
        let period_end =
            self.current_period_end.filter(|_| self.period != ChargePeriod::OneTime).map(|d| d.date_naive());
        match (self.status, self.ends_on, period_end) {
            (status, Some(end), _) if status.is_live() => format!("cancels {end}"),
            (status, None, _) if status.is_live() && self.pending_change.is_some() => {
                self.pending_change.as_ref().map(PendingChange::phrase).unwrap_or_default()
            }
            (S::Canceled | S::Expired, Some(end), _) => format!("ended {end}"),
            (S::Canceled | S::Expired, None, Some(end)) => format!("ended {end}"),
            (S::Active, None, Some(renew)) => format!("renews {renew}"),
            // Said, not left blank: a blank reads as "not loaded" or "unknown".
            (S::Active, None, None) if self.period == ChargePeriod::OneTime => "one-time, never renews".into(),
            (S::Trialing, None, Some(end)) => format!("trial ends {end}"),
            (S::PastDue, None, Some(end)) => format!("payment due · period ends {end}"),
            (S::Superseded, _, _) => "replaced by a newer subscription".into(),
            (S::Incomplete, _, _) => "awaiting first payment".into(),
            (_, Some(end), _) => format!("ends {end}"),
            (_, None, Some(end)) => format!("period ends {end}"),
            _ => String::new(),
        }
    }

    /// A listed subscription that could not be decoded: what is known (id, customer, the
    /// provider's status) and the reason. Status is `Unknown`, amount and dates `None`; the
    /// period is a placeholder (one-time) that no caller should act on while `issues` is set.
    pub fn undecodable(
        provider: ProviderKind,
        id: String,
        customer_id: String,
        raw_status: String,
        issue: RowIssue,
    ) -> Subscription {
        Subscription {
            provider,
            id,
            customer_id,
            plan_id: None,
            plan_name: None,
            status: SubscriptionStatus::Unknown,
            raw_status,
            amount: None,
            period: ChargePeriod::OneTime,
            started_on: None,
            current_period_start: None,
            current_period_end: None,
            ends_on: None,
            canceled_at: None,
            trial_days_remaining: None,
            pending_change: None,
            features: Vec::new(),
            issues: vec![issue],
        }
    }

    /// Active now but set to end: the state an operator can still undo where the provider allows.
    pub fn cancel_scheduled(&self) -> bool {
        self.status.is_live() && self.ends_on.is_some()
    }
}

#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum EntitlementKind {
    Boolean,
    Meter { limit: Option<i64>, used: i64, remaining: Option<i64>, hard_limit: bool },
    Customizable { value: String },
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Entitlement {
    pub feature_id: String,
    pub name: Option<String>,
    pub has_access: bool,
    pub kind: EntitlementKind,
    pub resets_at: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct FeatureQuantity {
    pub feature_id: String,
    pub quantity: u32,
}

/// The normalised status, with the provider's own word beside it when it says something else:
/// "active", "past due (UNPAID)", "open (approved)". The console and the CLI show statuses
/// this way for subscriptions' details, invoices and checkout sessions alike.
pub fn status_text(label: &str, raw: &str) -> String {
    let plain = |s: &str| s.trim().to_lowercase().replace(['_', '-'], " ");
    if raw.trim().is_empty() || plain(raw) == plain(label) { label.to_string() } else { format!("{label} ({raw})") }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ChangeTiming {
    Immediately,
    AtPeriodEnd,
    Auto,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct PlanChange {
    pub plan_id: String,
    pub period: ChargePeriod,
    pub price_id: Option<String>,
    pub timing: ChangeTiming,
    #[serde(default)]
    pub features: Vec<FeatureQuantity>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "timing", content = "date", rename_all = "snake_case")]
pub enum CancelTiming {
    Immediately,
    AtPeriodEnd,
    OnDate(NaiveDate),
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Cancellation {
    pub timing: CancelTiming,
    pub comment: Option<String>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn provider_parses_case_insensitively_and_rejects_unknown() {
        assert_eq!("KuvarPay".parse::<ProviderKind>().unwrap(), ProviderKind::KuvarPay);
        let err = "stripe".parse::<ProviderKind>().unwrap_err();
        assert!(err.to_string().contains("stripe"));
    }

    #[test]
    fn display_name_falls_back_to_email_then_id() {
        let mut c = Customer {
            provider: ProviderKind::Kelviq,
            id: "c1".into(),
            alt_id: None,
            name: Some(String::new()),
            email: Some("a@b.c".into()),
            created_at: None,
            metadata: BTreeMap::new(),
            issues: Vec::new(),
        };
        assert_eq!(c.display_name(), "a@b.c");
        c.email = None;
        assert_eq!(c.display_name(), "c1");
    }
}

#[cfg(test)]
mod date_phrase_tests {
    use super::*;

    fn sub(status: SubscriptionStatus, ends_on: Option<NaiveDate>) -> Subscription {
        Subscription {
            provider: ProviderKind::Kelviq,
            id: "s".into(),
            customer_id: "c".into(),
            plan_id: None,
            plan_name: None,
            status,
            raw_status: String::new(),
            amount: None,
            period: ChargePeriod::Monthly,
            started_on: None,
            current_period_start: None,
            current_period_end: chrono::DateTime::from_timestamp(1_800_000_000, 0),
            ends_on,
            canceled_at: None,
            trial_days_remaining: None,
            pending_change: None,
            features: Vec::new(),
            issues: Vec::new(),
        }
    }

    #[test]
    fn only_a_renewing_subscription_says_renews() {
        use SubscriptionStatus as S;
        let end = NaiveDate::from_ymd_opt(2027, 1, 15);
        assert_eq!(sub(S::Active, None).date_phrase(), "renews 2027-01-15");
        assert_eq!(sub(S::Trialing, None).date_phrase(), "trial ends 2027-01-15");
        assert_eq!(sub(S::Active, end).date_phrase(), "cancels 2027-01-15");
        for s in [S::Superseded, S::Incomplete, S::Canceled, S::Expired, S::PastDue] {
            assert!(!sub(s, None).date_phrase().contains("renews"), "{s:?}");
        }
        let once = Subscription { period: ChargePeriod::OneTime, current_period_end: None, ..sub(S::Active, None) };
        assert_eq!(once.date_phrase(), "one-time, never renews");
    }
}

#[cfg(test)]
mod status_text_tests {
    use super::*;
    use crate::billing::{CheckoutStatus, invoice_status_label};

    #[test]
    fn the_normalised_status_leads_and_a_different_raw_word_follows() {
        assert_eq!(status_text("active", "ACTIVE"), "active");
        assert_eq!(status_text("past due", "past_due"), "past due");
        assert_eq!(status_text("past due", "UNPAID"), "past due (UNPAID)");
        assert_eq!(status_text(invoice_status_label("approved"), "approved"), "open (approved)");
        assert_eq!(status_text(invoice_status_label("PAID"), "PAID"), "paid");
        assert_eq!(status_text(invoice_status_label("discarded"), "discarded"), "void (discarded)");
        assert_eq!(status_text(invoice_status_label("weird"), "weird"), "unknown (weird)");
        assert_eq!(status_text(CheckoutStatus::Complete.label(), "COMPLETED"), "complete (COMPLETED)");
    }
}
