//! Provider clients behind one trait. The console and the headless commands only ever see
//! [`BillingProvider`]; URLs, JSON shapes and auth headers stay inside each provider module.

pub mod budget;
pub mod decode;
pub mod error;
pub mod flowglad;
pub mod http;
pub mod kelviq;
pub mod kuvarpay;
pub mod log;
pub mod paging;
pub mod redact;
pub mod zenskar;

use std::sync::Arc;

use async_trait::async_trait;
use chrono::Utc;
use serde::Serialize;
use url::Url;

pub use error::{ErrorKind, FieldError, ProviderError};
pub use http::{Http, HttpConfig, RequestPreview, Secret};

use crate::billing::estimate::{CurrentTerm, PricedItem, estimate_change};
use crate::billing::payments::{Payment, PortalLink, RefundOutcome, RefundRequest, UsageReceipt, UsageReport};
use crate::billing::{
    Cancellation, ChangeTiming, CheckoutRequest, CheckoutSession, Customer, CustomerUpdate, Entitlement, Estimate,
    NewCustomer, Plan, PlanChange, ProviderKind, Subscription,
};

pub type Result<T> = std::result::Result<T, ProviderError>;

/// Which operations a provider offers, so the UI can say "not offered by X" instead of failing.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Capabilities {
    pub list_customers: bool,
    /// The provider filters customers server-side by free text.
    pub search_customers: bool,
    pub get_customer: bool,
    pub create_customer: bool,
    /// No customer API: the list is derived from subscriptions and checkouts.
    pub derived_customers: bool,
    pub plans: bool,
    pub subscriptions: bool,
    pub change_plan: bool,
    /// A plan change may move the subscription to another billing interval (Flowglad keeps
    /// a subscription's interval and refuses prices of another).
    pub change_interval: bool,
    /// The provider previews a change itself; otherwise till estimates locally.
    pub native_change_preview: bool,
    pub cancel: bool,
    pub cancel_at_period_end: bool,
    pub cancel_on_date: bool,
    pub uncancel: bool,
    /// A plan change scheduled for later can be called off.
    pub cancel_scheduled_change: bool,
    pub entitlements: bool,
    pub checkout_create: bool,
    pub checkout_get: bool,
    /// A list of the account's checkout sessions (Kelviq, Flowglad).
    pub checkout_list: bool,
    /// Checkout responses include the provider's own billing estimate.
    pub native_checkout_estimate: bool,
    pub invoices: bool,
    /// Writes carry an `Idempotency-Key` the provider honours.
    pub idempotency_keys: bool,
}

/// The everyday support actions of issue 16 a provider offers (kept apart from
/// [`Capabilities`] so front ends that build that struct literally need no change). A front
/// end checks the flag to say "not offered by X" before calling; the trait's default method
/// says the same if it is called anyway.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Actions {
    /// A customer's payments or orders (`list_payments`, `get_payment`).
    pub payments: bool,
    /// Refunding a payment, fully or partly (`refund_payment`).
    pub refunds: bool,
    /// A signed link to the customer's self-service portal (`portal_link`).
    pub portal_link: bool,
    /// Reporting usage for a metered feature (`report_usage`, adding to the meter).
    pub usage_report: bool,
    /// Usage can also be set to an absolute value (Kelviq's `SET`).
    pub usage_set: bool,
    /// A customer's saved payment methods (`list_payment_methods`).
    pub payment_methods: bool,
    /// The provider's own log of webhook deliveries (`webhook_log`; Kelviq).
    pub webhook_log: bool,
}

/// A page request. `cursor` is opaque to callers: whatever the previous page returned.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct PageRequest {
    pub cursor: Option<String>,
    pub limit: u32,
    pub search: Option<String>,
    /// The caller reads every page to the list's end, so a client may ask for the next page
    /// before this one is read whole (Flowglad's cursor chain).
    pub follows: bool,
}

impl PageRequest {
    pub fn first(limit: u32) -> PageRequest {
        PageRequest { cursor: None, limit, search: None, follows: false }
    }
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Page<T> {
    pub items: Vec<T>,
    pub next_cursor: Option<String>,
    pub total: Option<u64>,
}

/// A listed customer as [`BillingProvider::list_customer_rows`] hands it over: its JSON text
/// as the provider sent it, or already decoded.
#[derive(Debug)]
pub enum CustomerRow {
    Raw(decode::RawRow),
    Decoded(Customer),
}

/// Everything a provider client needs to reach its API.
#[derive(Clone, Debug)]
pub struct Endpoint {
    pub base_url: Url,
    /// A second host where the provider splits its API (Kelviq's edge host for entitlements).
    pub edge_url: Option<Url>,
    pub key: Secret,
    /// Kelviq's optional client key for the edge host.
    pub client_key: Option<Secret>,
    /// KuvarPay's business id, Zenskar's organisation.
    pub account: Option<String>,
}

impl Endpoint {
    /// Which account the client acts on, for the console's header: the organisation or
    /// business id where the provider takes one, else the API's host (the key alone names
    /// the account, and the host tells production from staging or the sandbox).
    pub fn account_label(&self, kind: crate::billing::ProviderKind) -> String {
        let account = self.account.as_deref().map(str::trim).filter(|a| !a.is_empty());
        match (kind, account) {
            (crate::billing::ProviderKind::Zenskar, Some(a)) => format!("org {a}"),
            (crate::billing::ProviderKind::KuvarPay, Some(a)) => format!("business {a}"),
            _ => {
                let host = self.base_url.host_str().unwrap_or("?");
                self.base_url.port().map_or_else(|| host.to_string(), |p| format!("{host}:{p}"))
            }
        }
    }
}

#[async_trait]
pub trait BillingProvider: Send + Sync {
    fn kind(&self) -> ProviderKind;

    fn capabilities(&self) -> Capabilities;

    /// Which account this client acts on ([`Endpoint::account_label`]).
    fn account(&self) -> String {
        String::new()
    }

    /// Drops what the client keeps of the account's lists (a snapshot reused for paging), so
    /// the next read asks the provider: the console's `R`.
    fn forget_cached(&self) {}

    /// Which of the everyday support actions (payments, refunds, portal, usage) it offers.
    fn actions(&self) -> Actions {
        Actions::default()
    }

    /// The provider's log of webhook delivery attempts, newest first, one attempt per item.
    async fn webhook_log(&self, page: &PageRequest) -> Result<Page<crate::billing::webhooks::WebhookEvent>> {
        let _ = page;
        Err(ProviderError::unsupported(self.kind(), "a webhook delivery log"))
    }

    /// A customer's payments (Kelviq orders), newest first.
    async fn list_payments(&self, customer_id: &str) -> Result<Vec<Payment>> {
        let _ = customer_id;
        Err(ProviderError::unsupported(self.kind(), "listing payments"))
    }

    /// One payment (Kelviq order) by id, as it is now.
    async fn get_payment(&self, id: &str) -> Result<Payment> {
        let _ = id;
        Err(ProviderError::unsupported(self.kind(), "reading a payment"))
    }

    /// Refunds `request.amount` of a payment; the amount was checked by
    /// `billing::payments::refund_amount` before (ops does so).
    async fn refund_payment(&self, request: &RefundRequest) -> Result<RefundOutcome> {
        let _ = request;
        Err(ProviderError::unsupported(self.kind(), "refunding a payment"))
    }

    /// A fresh link to the customer's self-service portal; `return_url` is where the portal
    /// sends the customer back to (Zenskar requires one; the others have no such field).
    async fn portal_link(&self, customer_id: &str, return_url: Option<&str>) -> Result<PortalLink> {
        let _ = (customer_id, return_url);
        Err(ProviderError::unsupported(self.kind(), "customer portal links"))
    }

    /// A customer's saved payment methods, the default first.
    async fn list_payment_methods(&self, customer_id: &str) -> Result<Vec<crate::billing::payments::PaymentMethod>> {
        let _ = customer_id;
        Err(ProviderError::unsupported(self.kind(), "reading payment methods"))
    }

    /// Reports usage of a metered feature for a customer.
    async fn report_usage(&self, report: &UsageReport) -> Result<UsageReceipt> {
        let _ = report;
        Err(ProviderError::unsupported(self.kind(), "reporting usage"))
    }

    async fn list_customers(&self, page: &PageRequest) -> Result<Page<Customer>>;

    /// The API lists customers oldest first and offers no other order (Flowglad), so a list
    /// cut short leaves out the newest. The default: newest first (Kelviq and Zenskar by their
    /// APIs, KuvarPay's derived list by till).
    fn customers_oldest_first(&self) -> bool {
        false
    }

    /// Where the API numbers its customer pages (page numbers, offsets): the cursor of page
    /// `number` (1-based) in the grid of `first`, so pages can be fetched in parallel
    /// ([`paging::read_pages`]). `None` (the default): only a page's own cursor leads on.
    fn customer_page_cursor(&self, first: &PageRequest, number: u64) -> Option<String> {
        let _ = (first, number);
        None
    }

    /// One page of customers with its rows not yet decoded, for reading a whole list while
    /// printing it (`ops::customers::list_rows`): the page's envelope (next cursor, count) is
    /// all the next request needs, so each row is decoded by [`Self::decode_customer`] while
    /// the next page is on its way. A search (`page.search`), a provider without raw rows (the
    /// default) or one whose pages are numbered and read in parallel anyway (Kelviq, which
    /// reads a page in one pass) answers with decoded rows.
    async fn list_customer_rows(&self, page: &PageRequest) -> Result<Page<CustomerRow>> {
        let decoded = self.list_customers(page).await?;
        Ok(Page {
            items: decoded.items.into_iter().map(CustomerRow::Decoded).collect(),
            next_cursor: decoded.next_cursor,
            total: decoded.total,
        })
    }

    /// A row of [`Self::list_customer_rows`] as a customer; `index` is its place in its page,
    /// for naming a row that breaks the contract (`results[3].email: …`), as listing does. For
    /// a list read once and printed: what a provider caches from a listing for later reads
    /// (Flowglad's id map) need not be filled here.
    fn decode_customer(&self, index: usize, row: CustomerRow) -> Customer {
        match row {
            CustomerRow::Decoded(c) => c,
            CustomerRow::Raw(_) => Customer::undecodable(
                self.kind(),
                format!("(row {})", index + 1),
                None,
                None,
                crate::billing::RowIssue::new(format!("[{index}]"), "no decoder for this provider's raw rows"),
            ),
        }
    }

    /// How many pages of one list may be in flight at once: 1 unless the API numbers its
    /// pages, then what the provider's request budget allows ([`budget::Budgets::page_window`]).
    fn page_window(&self) -> usize {
        1
    }
    async fn get_customer(&self, id: &str) -> Result<Customer>;

    /// The provider's own id for the customer till names `id`, where the two differ and the
    /// provider names customers by its own id elsewhere (Flowglad's subscriptions): how the
    /// audit finds actions filed under either. `None` where there is no second id.
    async fn own_customer_id(&self, id: &str) -> Result<Option<String>> {
        let _ = id;
        Ok(None)
    }
    async fn create_customer(&self, customer: &NewCustomer) -> Result<Customer>;
    async fn update_customer(&self, id: &str, update: &CustomerUpdate) -> Result<Customer> {
        let _ = (id, update);
        Err(ProviderError::unsupported(self.kind(), "updating a customer"))
    }

    async fn list_plans(&self) -> Result<Vec<Plan>>;

    async fn list_subscriptions(&self, customer_id: &str) -> Result<Vec<Subscription>>;
    async fn get_subscription(&self, id: &str) -> Result<Subscription>;
    /// Applies a plan change and returns the subscription as it now is. The id may differ
    /// from `id` (Kelviq supersedes the old subscription); callers follow the returned one.
    async fn change_plan(&self, id: &str, change: &PlanChange) -> Result<Subscription>;
    /// What `change_plan` would charge: the provider's preview where it has one, otherwise
    /// a local estimate labelled as such.
    async fn preview_change(&self, id: &str, change: &PlanChange) -> Result<Estimate>;
    async fn cancel_subscription(&self, id: &str, cancellation: &Cancellation) -> Result<Subscription>;
    /// When a plan change may take effect, in the order a picker offers them.
    fn change_timings(&self) -> Vec<ChangeTiming> {
        vec![ChangeTiming::Immediately]
    }
    async fn uncancel_subscription(&self, id: &str) -> Result<Subscription> {
        let _ = id;
        Err(ProviderError::unsupported(self.kind(), "undoing a scheduled cancellation"))
    }

    /// Calls off a plan change scheduled for later (`Subscription::pending_change`).
    async fn cancel_scheduled_change(&self, id: &str) -> Result<Subscription> {
        let _ = id;
        Err(ProviderError::unsupported(self.kind(), "cancelling a scheduled plan change"))
    }

    async fn entitlements(&self, customer_id: &str) -> Result<Vec<Entitlement>>;

    /// A customer's invoices, newest first, where the provider has an invoice API.
    async fn list_invoices(&self, customer_id: &str) -> Result<Vec<crate::billing::InvoiceRecord>> {
        let _ = customer_id;
        Err(ProviderError::unsupported(self.kind(), "listing invoices"))
    }

    async fn create_checkout(&self, request: &CheckoutRequest) -> Result<CheckoutSession>;
    async fn get_checkout(&self, id: &str) -> Result<CheckoutSession>;

    /// The account's checkout sessions, newest first, one page at a time.
    async fn list_checkouts(&self, page: &PageRequest) -> Result<Page<crate::billing::CheckoutListing>> {
        let _ = page;
        Err(ProviderError::unsupported(self.kind(), "listing checkout sessions"))
    }

    /// The exact request `create_checkout` would send for `request`, without sending it
    /// (lookups it needs first, such as resolving a plan's products, may be made).
    async fn checkout_preview(&self, request: &CheckoutRequest) -> Result<RequestPreview> {
        let _ = request;
        Err(ProviderError::unsupported(self.kind(), "previewing the checkout request"))
    }

    /// What the customer would be charged: the provider's own estimate where it has one,
    /// otherwise computed locally from the catalog and labelled as such.
    async fn estimate_checkout(&self, request: &CheckoutRequest) -> Result<Estimate> {
        let plans = self.list_plans().await?;
        local_purchase_estimate(self.kind(), &plans, request, Utc::now().date_naive())
    }

    /// Whether [`BillingProvider::list_subscriptions_page`] lists the whole account's
    /// subscriptions (Kelviq `GET /subscriptions/`, Flowglad `GET /subscriptions`, Zenskar
    /// `GET /contract_v2`), so a list of customers gets its summaries from a few pages instead
    /// of one request per customer.
    fn bulk_subscriptions(&self) -> bool {
        false
    }

    /// One page of every customer's subscriptions, in the provider's order, for summaries.
    /// Each row's `customer_id` is the customer's [`Customer::id`], or its `alt_id` where the
    /// listing names customers by the provider's internal id (Flowglad rows of customers not
    /// read yet). `total` counts the whole listing where the provider says; `next_cursor` is
    /// `None` on the last page. A customer absent from every page has no subscription.
    async fn list_subscriptions_page(&self, page: &PageRequest) -> Result<Page<Subscription>> {
        let _ = page;
        Err(ProviderError::unsupported(self.kind(), "listing every customer's subscriptions at once"))
    }

    /// How many customers [`BillingProvider::list_subscriptions_of`] may name in one request:
    /// 0 where the provider cannot filter its listing by several customers (Zenskar can:
    /// `customer_id__in`). A list of customers then costs one request per this many, whatever
    /// the size of the account.
    fn subscriptions_batch(&self) -> usize {
        0
    }

    /// One page of the subscriptions of these customers (each a [`Customer::id`]), in the
    /// provider's order; each row's `customer_id` names one of them. For summaries.
    async fn list_subscriptions_of(&self, customer_ids: &[String], page: &PageRequest) -> Result<Page<Subscription>> {
        let _ = (customer_ids, page);
        Err(ProviderError::unsupported(self.kind(), "listing several customers' subscriptions at once"))
    }
}

/// A local estimate of a purchase: the plan's price for the period and currency (or the
/// price named by `price_id`), times the quantity, from the start date (today by default),
/// after the price's free trial when it has one.
pub fn local_purchase_estimate(
    provider: ProviderKind,
    plans: &[Plan],
    request: &CheckoutRequest,
    today: chrono::NaiveDate,
) -> Result<Estimate> {
    let invalid = |m: String| ProviderError::invalid(provider, m);
    let (plan, price) = match request.price_id.as_deref().filter(|id| !id.is_empty()) {
        Some(id) => plans
            .iter()
            .find_map(|p| p.prices.iter().find(|pr| pr.id.as_deref() == Some(id)).map(|pr| (p, pr)))
            .ok_or_else(|| invalid(format!("no price {id:?} in the catalog")))?,
        None => {
            let plan = plans
                .iter()
                .find(|p| p.id == request.plan_id)
                .ok_or_else(|| invalid(format!("no plan {:?} in the catalog", request.plan_id)))?;
            let period = request
                .period
                .or_else(|| plan.periods().first().copied())
                .ok_or_else(|| invalid(format!("plan {} has no prices", plan.id)))?;
            let price = plan.price_for(period, request.currency.as_deref()).ok_or_else(|| {
                invalid(format!(
                    "plan {} has no {} price{}",
                    plan.id,
                    period.label(),
                    request.currency.as_deref().map(|c| format!(" in {c}")).unwrap_or_default()
                ))
            })?;
            (plan, price)
        }
    };
    let item = PricedItem {
        description: format!("{} ({})", plan.name, price.period.label()),
        unit_amount: price.amount,
        quantity: request.quantity.unwrap_or(1).max(1),
        period: price.period,
    };
    let start = request.start_date.unwrap_or(today);
    // The catalog's free trial: nothing now, the first period when it ends.
    let trial = price.trial_days.filter(|_| price.period != crate::billing::ChargePeriod::OneTime);
    crate::billing::estimate::estimate_purchase_with_trial(&[item], start, request.end_date, trial)
        .map_err(|e| invalid(e.to_string()))
}

/// Builds the client for `kind`. One [`Http`] is shared so all providers share the
/// connection pool and the request log.
pub fn connect(kind: ProviderKind, endpoint: Endpoint, http: Http) -> Result<Arc<dyn BillingProvider>> {
    http.budgets().default_for(kind, &endpoint.base_url);
    match kind {
        ProviderKind::Kelviq => Ok(Arc::new(kelviq::KelviqClient::new(endpoint, http))),
        ProviderKind::Flowglad => flowglad::connect(endpoint, http),
        ProviderKind::KuvarPay => kuvarpay::connect(endpoint, http),
        ProviderKind::Zenskar => zenskar::connect(endpoint, http),
    }
}

/// Local proration for providers without a preview endpoint (Kelviq, KuvarPay).
pub fn local_change_estimate(current: &Subscription, plans: &[Plan], change: &PlanChange) -> Result<Estimate> {
    let provider = current.provider;
    let amount = current.amount.ok_or_else(|| {
        ProviderError::invalid(provider, format!("subscription {} has no amount to prorate", current.id))
    })?;
    let currency = amount.currency();
    let plan = plans
        .iter()
        .find(|p| p.id == change.plan_id)
        .ok_or_else(|| ProviderError::invalid(provider, format!("no plan {:?} in the catalog", change.plan_id)))?;
    let price = plan.price_for(change.period, Some(currency.code())).ok_or_else(|| {
        ProviderError::invalid(
            provider,
            format!("plan {} has no {} price in {currency}", plan.id, change.period.label()),
        )
    })?;
    let today = Utc::now().date_naive();
    let start = current.current_period_start.map(|d| d.date_naive()).or(current.started_on).unwrap_or(today);
    let end =
        current.current_period_end.map(|d| d.date_naive()).or_else(|| current.period.advance(start)).unwrap_or(today);
    let term = CurrentTerm {
        description: current.plan_name.clone().unwrap_or_else(|| "current plan".into()),
        amount,
        period_start: start,
        period_end: end,
    };
    let item = PricedItem {
        description: format!("{} ({})", plan.name, change.period.label()),
        unit_amount: price.amount,
        quantity: 1,
        period: change.period,
    };
    estimate_change(&term, &item, today, current.period == change.period)
        .map_err(|e| ProviderError::invalid(provider, e.to_string()))
}

/// The longest id till sends, in characters. Providers' own ids are well under 100 (UUIDs,
/// `cus_…`, `cs_…`); 512 leaves room for ids of your own (Flowglad's externalId) while a
/// percent-encoded id (at most 12 bytes a character) stays far below the 64 KiB URL that HTTP
/// libraries refuse to build.
pub const MAX_ID_CHARS: usize = 512;

/// One URL path segment built from an id: percent-encoded, so `/`, `?`, `#`, `%` and spaces
/// stay inside the segment. An id that is empty, `.` or `..` is refused: every URL parser
/// resolves those away (`checkout get ..` sent `GET /checkout/`), so no encoding can carry
/// them to the provider without changing the endpoint.
///
/// An id longer than [`MAX_ID_CHARS`] is refused too: percent-encoded, a 100,000-character id
/// made a URL past the 64 KiB that HTTP libraries build, and reqwest's "builder error for url"
/// named neither the id nor the limit.
pub fn path_segment(provider: crate::billing::ProviderKind, id: &str) -> Result<String> {
    if matches!(id, "" | "." | "..") {
        return Err(ProviderError::invalid(
            provider,
            format!("{id:?} is not a valid id (an empty id, \".\" or \"..\" would change the endpoint)"),
        ));
    }
    let chars = id.chars().count();
    if chars > MAX_ID_CHARS {
        return Err(ProviderError::invalid(
            provider,
            format!("an id is at most {MAX_ID_CHARS} characters, this one has {chars}"),
        ));
    }
    Ok(url::form_urlencoded::byte_serialize(id.as_bytes()).collect::<String>().replace('+', "%20"))
}

/// Joins a relative API path onto a base URL, keeping the base's own path
/// (`http://h/kelviq/api/v1` + `customers/` → `http://h/kelviq/api/v1/customers/`).
pub fn join_url(base: &Url, path: &str) -> Url {
    let mut url = base.clone();
    let joined = format!("{}/{}", base.path().trim_end_matches('/'), path.trim_start_matches('/'));
    url.set_path(&joined);
    url
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn join_keeps_prefix_and_trailing_slash() {
        let base = Url::parse("http://127.0.0.1:1/kelviq/api/v1").unwrap();
        assert_eq!(join_url(&base, "/customers/").as_str(), "http://127.0.0.1:1/kelviq/api/v1/customers/");
        let base = Url::parse("https://api.kelviq.com/api/v1/").unwrap();
        assert_eq!(
            join_url(&base, "subscriptions/x/cancel/").as_str(),
            "https://api.kelviq.com/api/v1/subscriptions/x/cancel/"
        );
    }
}
