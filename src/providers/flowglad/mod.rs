//! Flowglad client. One key sees one pricing model; customers are addressed by your
//! `externalId`; `/customers/{externalId}/billing` is the rich read for subscriptions and
//! entitlements. Reference: shared/providers/flowglad-kuvarpay.md, part 1.

mod ahead;
mod bulk;
pub mod checkout;
pub mod entitle;
mod ids;
pub mod map;
pub mod payments;
#[cfg(test)]
mod tests;
pub mod wire;

use std::sync::{Arc, Mutex};

use async_trait::async_trait;
use chrono::Utc;
use reqwest::Method;
use serde::de::DeserializeOwned;

use super::decode;
use super::http::{ApiRequest, ApiResponse, Http, Idempotency};
use super::{
    BillingProvider, Capabilities, CustomerRow, Endpoint, Page, PageRequest, ProviderError, RequestPreview, Result,
    join_url,
};
use crate::billing::{
    CancelTiming, Cancellation, ChangeTiming, CheckoutPurpose, CheckoutRequest, CheckoutSession, Currency, Customer,
    Entitlement, Estimate, InvoiceRecord, NewCustomer, Plan, PlanChange, ProviderKind, RowIssue, Subscription,
};
use map::{Catalog, FLOWGLAD};

/// Flowglad rejects `limit` outside 1..=100.
const MAX_PAGE: u32 = 100;

/// Test or live, which Flowglad derives from the key rather than the host.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum KeyMode {
    Test,
    Live,
    /// Neither prefix: Flowglad then treats a key containing `_live_` as live.
    Unknown,
}

/// `sk_test_…` / `sk_live_…`, optionally behind staging's `stg_`.
pub fn key_mode(key: &str) -> KeyMode {
    let key = key.strip_prefix("stg_").unwrap_or(key);
    if key.starts_with("sk_test_") {
        KeyMode::Test
    } else if key.starts_with("sk_live_") || key.contains("_live_") {
        KeyMode::Live
    } else {
        KeyMode::Unknown
    }
}

pub fn connect(endpoint: Endpoint, http: Http) -> Result<Arc<dyn BillingProvider>> {
    if endpoint.key.expose().trim().is_empty() {
        return Err(ProviderError::invalid(FLOWGLAD, "no Flowglad secret key (sk_test_… or sk_live_…) is set"));
    }
    Ok(Arc::new(FlowgladClient::new(endpoint, http)))
}

pub struct FlowgladClient {
    endpoint: Endpoint,
    http: Http,
    /// The key's pricing model never changes, so it is looked up once.
    pricing_model_id: Mutex<Option<String>>,
    /// Flowglad id → external id (`ids.rs`).
    external_ids: ids::ExternalIds,
    /// The pricing model a subscription listing's pages are named with (`bulk.rs`).
    listing_catalog: Mutex<Option<Arc<Catalog>>>,
    /// The customers page asked for before the one before it was read whole (`ahead.rs`).
    ahead: ahead::ReadAhead,
}

/// A customers page's next cursor (only while `hasMore`), count and rows. The rows stay inside
/// the body ([`decode::RawRow`]): the next request waits for this, and copying each row out
/// was a hundred allocations a page. A page that does not read that way is read again with
/// copied rows, whose failure names where the envelope broke.
fn row_page(response: &ApiResponse) -> Result<(Option<String>, u64, Vec<CustomerRow>)> {
    if let Ok(page) = response.json_unchecked::<wire::Page<&serde_json::value::RawValue>>()
        && let Some(rows) = decode::RawRow::within(&response.body, &page.data)
    {
        let next = page.next_cursor.filter(|_| page.has_more);
        return Ok((next, page.total, rows.into_iter().map(CustomerRow::Raw).collect()));
    }
    let page: wire::Page<Box<serde_json::value::RawValue>> = response.json()?;
    let rows = page.data.into_iter().map(|row| CustomerRow::Raw(decode::RawRow::copied(row))).collect();
    Ok((page.next_cursor.filter(|_| page.has_more), page.total, rows))
}

/// Percent-encodes one path segment (external ids are user-chosen strings).
fn encode(segment: &str) -> Result<String> {
    crate::providers::path_segment(ProviderKind::Flowglad, segment)
}

impl FlowgladClient {
    pub fn new(endpoint: Endpoint, http: Http) -> FlowgladClient {
        FlowgladClient {
            endpoint,
            http,
            pricing_model_id: Mutex::new(None),
            external_ids: ids::ExternalIds::default(),
            listing_catalog: Mutex::new(None),
            ahead: ahead::ReadAhead::default(),
        }
    }

    pub fn mode(&self) -> KeyMode {
        key_mode(self.endpoint.key.expose())
    }

    fn request(&self, method: Method, path: &str) -> ApiRequest {
        let key = &self.endpoint.key;
        let url = join_url(&self.endpoint.base_url, &format!("api/v1/{path}"));
        // The bare key, as the official SDK sends it; the server also accepts `Bearer <key>`.
        ApiRequest::new(FLOWGLAD, method, url).secret_header("authorization", key.expose().to_string(), key)
    }

    async fn get<T: DeserializeOwned>(&self, path: &str, query: &[(&str, String)]) -> Result<T> {
        self.http.send(self.request(Method::GET, path).query(query)).await?.json()
    }

    /// No idempotency keys at Flowglad: writes are sent once, never retried.
    async fn send_json<B: serde::Serialize, T: DeserializeOwned>(
        &self,
        method: Method,
        path: &str,
        body: &B,
        idempotency: Idempotency,
    ) -> Result<T> {
        let request = self.request(method, path).json(body)?.idempotency(idempotency);
        self.http.send(request).await?.json()
    }

    async fn post<B: serde::Serialize, T: DeserializeOwned>(&self, path: &str, body: &B) -> Result<T> {
        self.send_json(Method::POST, path, body, Idempotency::Unsafe).await
    }

    fn remember(&self, c: &wire::Customer) {
        self.external_ids.remember(&c.id, &c.external_id);
    }

    /// A listed row as a customer, learning its ids for later reads (`remember`) or not. Read
    /// in place first (nothing copied that is not shown); a row that breaks the spec goes the
    /// owned way, which lists it marked with the field that broke.
    fn read_row(&self, index: usize, row: CustomerRow, remember: bool) -> Customer {
        let row = match row {
            CustomerRow::Decoded(c) => return c,
            CustomerRow::Raw(row) => row,
        };
        if let Ok(c) = serde_json::from_str::<wire::ListedCustomer>(row.text()) {
            if remember {
                self.external_ids.remember(&c.id, &c.external_id);
            }
            return map::listed_customer(c);
        }
        let keys = decode::CustomerKeys { id: "externalId", name: "name", email: "email" };
        decode::customer_row_raw(FLOWGLAD, ("data", index), row.text(), &keys, |c: wire::Customer| {
            if remember {
                self.remember(&c);
            }
            map::customer(c)
        })
    }

    /// The external id for a Flowglad customer id, or the Flowglad id when not yet seen.
    fn external_id(&self, flowglad_id: &str) -> String {
        self.external_ids.external_id(flowglad_id)
    }

    /// The key's pricing model: the only one a key lists (the default one if it lists several).
    async fn pricing_model_id(&self) -> Result<String> {
        if let Some(id) = self.pricing_model_id.lock().unwrap_or_else(|p| p.into_inner()).clone() {
            return Ok(id);
        }
        let page: wire::Page<wire::PricingModel> =
            self.get("pricing-models", &[("limit", MAX_PAGE.to_string())]).await?;
        let chosen = page.data.iter().find(|m| m.is_default).or(page.data.first()).map(|m| m.id.clone());
        let id = chosen.ok_or_else(|| ProviderError::invalid(FLOWGLAD, "this key sees no pricing model"))?;
        *self.pricing_model_id.lock().unwrap_or_else(|p| p.into_inner()) = Some(id.clone());
        Ok(id)
    }

    /// The pricing model, plus its resources when `resources` (only plan features need their
    /// slugs; pricing a subscription does not).
    async fn catalog_with(&self, resources: bool) -> Result<Catalog> {
        let id = self.pricing_model_id().await?;
        let path = format!("pricing-models/{}", encode(&id)?);
        let load_resources = async {
            if resources {
                self.get::<wire::ResourcesResponse>("resources", &[]).await.map(|r| r.resources)
            } else {
                Ok(Vec::new())
            }
        };
        let (model, resources) =
            futures::try_join!(self.get::<wire::PricingModelResponse>(&path, &[]), load_resources)?;
        Ok(Catalog::new(model.pricing_model, resources))
    }

    async fn catalog(&self) -> Result<Catalog> {
        self.catalog_with(false).await
    }

    pub async fn billing(&self, external_id: &str) -> Result<wire::Billing> {
        let billing: wire::Billing = self.get(&format!("customers/{}/billing", encode(external_id)?), &[]).await?;
        self.remember(&billing.customer);
        Ok(billing)
    }

    /// `PUT /customers/{externalId}`: changes only the fields given.
    pub async fn update_customer(&self, external_id: &str, update: wire::CustomerUpdate) -> Result<Customer> {
        let body = wire::CustomerUpdateRequest { customer: update };
        let path = format!("customers/{}", encode(external_id)?);
        let r: wire::CustomerResponse = self.send_json(Method::PUT, &path, &body, Idempotency::Unsafe).await?;
        self.remember(&r.customer);
        Ok(map::customer(r.customer))
    }

    fn subscription(
        &self,
        s: &wire::Subscription,
        items: Option<&[wire::SubscriptionItem]>,
        catalog: &Catalog,
    ) -> Result<Subscription> {
        map::subscription(s, items, catalog, self.external_id(&s.customer_id), Utc::now())
    }

    /// The price a plan change moves to: the explicit price id, else the plan's price for the
    /// period in the subscription's current currency.
    fn change_price<'a>(
        &self,
        catalog: &'a Catalog,
        current: &wire::Subscription,
        change: &PlanChange,
    ) -> Result<&'a wire::Price> {
        if !change.features.is_empty() {
            return Err(ProviderError::invalid(FLOWGLAD, "Flowglad plan changes take no feature quantities"));
        }
        if let Some(id) = &change.price_id {
            return catalog
                .price(id)
                .ok_or_else(|| ProviderError::invalid(FLOWGLAD, format!("no price {id:?} in the pricing model")));
        }
        let currency = catalog.price(&current.price_id).map(|p| p.currency.clone());
        catalog.resolve_price(&change.plan_id, Some(change.period), currency.as_deref())
    }

    fn adjustment(price: &wire::Price, timing: ChangeTiming) -> wire::AdjustRequest {
        let (timing, prorate) = match timing {
            ChangeTiming::Immediately => (wire::TIMING_IMMEDIATELY, Some(true)),
            ChangeTiming::AtPeriodEnd => (wire::TIMING_AT_PERIOD_END, None),
            ChangeTiming::Auto => (wire::TIMING_AUTO, Some(true)),
        };
        let item = wire::NewSubscriptionItem { price_id: Some(price.id.clone()), price_slug: None, quantity: Some(1) };
        wire::AdjustRequest {
            adjustment: wire::Adjustment {
                timing: timing.to_string(),
                new_subscription_items: vec![item],
                prorate_current_billing_period: prorate,
            },
        }
    }

    async fn current_and_catalog(&self, id: &str) -> Result<(wire::Subscription, Catalog)> {
        let path = format!("subscriptions/{}", encode(id)?);
        let (sub, catalog) = futures::try_join!(self.get::<wire::SubscriptionResponse>(&path, &[]), self.catalog())?;
        Ok((sub.subscription, catalog))
    }
}

#[async_trait]
impl BillingProvider for FlowgladClient {
    fn kind(&self) -> ProviderKind {
        FLOWGLAD
    }

    fn account(&self) -> String {
        self.endpoint.account_label(self.kind())
    }

    /// Ascending `createdAt`, then `id`: list inputs take only `cursor` and `limit`
    /// (`../shared/providers/flowglad-kuvarpay.md`, pagination).
    fn customers_oldest_first(&self) -> bool {
        true
    }

    fn capabilities(&self) -> Capabilities {
        Capabilities {
            list_customers: true,
            search_customers: false, // till filters each page locally
            get_customer: true,
            create_customer: true,
            derived_customers: false,
            plans: true,
            subscriptions: true,
            change_plan: true,
            change_interval: false,
            native_change_preview: true,
            cancel: true,
            cancel_at_period_end: true,
            cancel_on_date: false,
            uncancel: true,
            cancel_scheduled_change: true,
            entitlements: true,
            checkout_create: true,
            checkout_get: true,
            checkout_list: true,
            native_checkout_estimate: false,
            invoices: true,
            idempotency_keys: false,
        }
    }

    fn actions(&self) -> super::Actions {
        super::Actions {
            payments: true,
            refunds: true,
            portal_link: true,
            usage_report: true,
            usage_set: false,
            payment_methods: true,
            webhook_log: false,
        }
    }

    async fn list_payment_methods(&self, customer_id: &str) -> Result<Vec<crate::billing::payments::PaymentMethod>> {
        self.payment_methods_of(customer_id).await
    }

    async fn list_payments(&self, customer_id: &str) -> Result<Vec<crate::billing::payments::Payment>> {
        self.payments_of(customer_id).await
    }

    async fn get_payment(&self, id: &str) -> Result<crate::billing::payments::Payment> {
        self.payment(id).await
    }

    async fn refund_payment(
        &self,
        request: &crate::billing::payments::RefundRequest,
    ) -> Result<crate::billing::payments::RefundOutcome> {
        self.refund(request).await
    }

    async fn portal_link(
        &self,
        customer_id: &str,
        return_url: Option<&str>,
    ) -> Result<crate::billing::payments::PortalLink> {
        let _ = return_url;
        self.portal(customer_id).await
    }

    async fn report_usage(
        &self,
        report: &crate::billing::payments::UsageReport,
    ) -> Result<crate::billing::payments::UsageReceipt> {
        self.usage(report).await
    }

    async fn list_customers(&self, page: &PageRequest) -> Result<Page<Customer>> {
        let rows = self.customer_rows(page).await?;
        let needle = page.search.as_deref().map(|s| crate::util::fold_accents(s.trim())).filter(|s| !s.is_empty());
        let items = rows
            .items
            .into_iter()
            .enumerate()
            .map(|(i, row)| self.read_row(i, row, true))
            .filter(|c| {
                needle.as_deref().is_none_or(|n| {
                    let text =
                        [c.name.as_deref(), c.email.as_deref(), Some(c.id.as_str())].map(Option::unwrap_or_default);
                    crate::util::fold_accents(&text.join(" ")).contains(n)
                })
            })
            .collect();
        Ok(Page { items, next_cursor: rows.next_cursor, total: rows.total.filter(|_| needle.is_none()) })
    }

    /// Flowglad has no server-side search: a search goes through `list_customers`, which
    /// filters the decoded rows.
    async fn list_customer_rows(&self, page: &PageRequest) -> Result<Page<CustomerRow>> {
        if page.search.as_deref().is_some_and(|s| !s.trim().is_empty()) {
            let decoded = self.list_customers(page).await?;
            let items = decoded.items.into_iter().map(CustomerRow::Decoded).collect();
            return Ok(Page { items, next_cursor: decoded.next_cursor, total: decoded.total });
        }
        self.customer_rows(page).await
    }

    /// A list read once and printed (`customers list`): no later read in the process maps a
    /// Flowglad id by it, so the id map is not filled (it was 9 % of such a list's CPU).
    fn decode_customer(&self, index: usize, row: CustomerRow) -> Customer {
        self.read_row(index, row, false)
    }

    async fn get_customer(&self, id: &str) -> Result<Customer> {
        let r: wire::CustomerResponse = self.get(&format!("customers/{}", encode(id)?), &[]).await?;
        self.remember(&r.customer);
        Ok(map::customer(r.customer))
    }

    async fn own_customer_id(&self, id: &str) -> Result<Option<String>> {
        let r: wire::CustomerResponse = self.get(&format!("customers/{}", encode(id)?), &[]).await?;
        self.remember(&r.customer);
        Ok(Some(r.customer.id))
    }

    /// Flowglad customers carry no metadata, so `customer.metadata` is not sent.
    async fn create_customer(&self, customer: &NewCustomer) -> Result<Customer> {
        let body = wire::CustomerCreateRequest {
            customer: wire::CustomerInsert {
                email: customer.email.clone(),
                name: customer.name.clone(),
                external_id: Some(customer.id.clone()),
                ..Default::default()
            },
        };
        let created: wire::CustomerCreateResponse = self.post("customers", &body).await?;
        self.remember(&created.data.customer);
        Ok(map::customer(created.data.customer))
    }

    async fn update_customer(&self, id: &str, update: &crate::billing::CustomerUpdate) -> Result<Customer> {
        // Flowglad keeps no customer metadata; name and email are what it can change.
        let change = wire::CustomerUpdate { email: update.email.clone(), name: update.name.clone(), domain: None };
        FlowgladClient::update_customer(self, id, change).await
    }

    async fn list_plans(&self) -> Result<Vec<Plan>> {
        self.catalog_with(true).await?.plans()
    }

    async fn list_subscriptions(&self, customer_id: &str) -> Result<Vec<Subscription>> {
        let billing = self.billing(customer_id).await?;
        let model = billing.catalog.clone().or(billing.pricing_model.clone()).unwrap_or_default();
        let catalog = Catalog::new(model, Vec::new());
        billing
            .subscriptions
            .iter()
            .map(|d| {
                let s = &d.subscription;
                let mapped =
                    map::subscription(s, Some(&d.subscription_items), &catalog, customer_id.to_string(), Utc::now());
                // A subscription that cannot be decoded stays in the list, marked.
                Ok(mapped.unwrap_or_else(|e| {
                    Subscription::undecodable(
                        map::FLOWGLAD,
                        s.id.clone(),
                        customer_id.to_string(),
                        s.status.clone(),
                        RowIssue::new("subscription", e.message),
                    )
                }))
            })
            .collect()
    }

    async fn get_subscription(&self, id: &str) -> Result<Subscription> {
        let (sub, catalog) = self.current_and_catalog(id).await?;
        self.subscription(&sub, None, &catalog)
    }

    async fn change_plan(&self, id: &str, change: &PlanChange) -> Result<Subscription> {
        let (current, catalog) = self.current_and_catalog(id).await?;
        let body = Self::adjustment(self.change_price(&catalog, &current, change)?, change.timing);
        let adjusted: wire::AdjustResponse = self.post(&format!("subscriptions/{}/adjust", encode(id)?), &body).await?;
        self.subscription(&adjusted.subscription, Some(&adjusted.subscription_items), &catalog)
    }

    /// Flowglad's three `adjust` timings; `auto` resolves to immediately for upgrades and to
    /// the period end for downgrades.
    fn change_timings(&self) -> Vec<ChangeTiming> {
        vec![ChangeTiming::Immediately, ChangeTiming::AtPeriodEnd, ChangeTiming::Auto]
    }

    async fn preview_change(&self, id: &str, change: &PlanChange) -> Result<Estimate> {
        let (current, catalog) = self.current_and_catalog(id).await?;
        let price = self.change_price(&catalog, &current, change)?;
        let currency = Currency::from_code(&price.currency)
            .map_err(|e| ProviderError::invalid(FLOWGLAD, format!("price {}: {e}", price.id)))?;
        let body = Self::adjustment(price, change.timing);
        let path = format!("subscriptions/{}/preview-adjust", encode(id)?);
        // A preview changes nothing, so it may be retried like a read.
        let preview: wire::PreviewAdjustResponse =
            self.send_json(Method::POST, &path, &body, Idempotency::Safe).await?;
        map::preview_estimate(&preview, currency)
    }

    /// Flowglad answers a repeated cancel, or an uncancel with nothing scheduled, with the
    /// subscription unchanged; till reads the subscription first and says so instead.
    async fn cancel_subscription(&self, id: &str, cancellation: &Cancellation) -> Result<Subscription> {
        let timing = match cancellation.timing {
            CancelTiming::Immediately => wire::TIMING_IMMEDIATELY,
            CancelTiming::AtPeriodEnd => wire::TIMING_AT_PERIOD_END,
            CancelTiming::OnDate(_) => return Err(ProviderError::unsupported(FLOWGLAD, "cancelling on a chosen date")),
        };
        let (current, catalog) = self.current_and_catalog(id).await?;
        map::check_cancel(&current, cancellation.timing)?;
        let body = wire::CancelRequest { cancellation: wire::CancelTiming { timing: timing.into() } };
        let r: wire::SubscriptionResponse = self.post(&format!("subscriptions/{}/cancel", encode(id)?), &body).await?;
        self.subscription(&r.subscription, None, &catalog)
    }

    /// Sent without a body: the spec declares none and the server accepts an empty one here.
    async fn uncancel_subscription(&self, id: &str) -> Result<Subscription> {
        let (current, catalog) = self.current_and_catalog(id).await?;
        map::check_uncancel(&current)?;
        let request = self.request(Method::POST, &format!("subscriptions/{}/uncancel", encode(id)?));
        let r: wire::SubscriptionResponse = self.http.send(request).await?.json()?;
        self.subscription(&r.subscription, None, &catalog)
    }

    async fn cancel_scheduled_change(&self, id: &str) -> Result<Subscription> {
        let (current, catalog) = self.current_and_catalog(id).await?;
        if current.scheduled_adjustment_at.is_none() {
            return Err(ProviderError::invalid(
                FLOWGLAD,
                format!("subscription {id} has no scheduled change to cancel"),
            ));
        }
        let path = format!("subscriptions/{}/cancel-scheduled-adjustment", encode(id)?);
        let r: wire::CancelScheduledAdjustmentOutput = self.post(&path, &serde_json::json!({})).await?;
        self.subscription(&r.subscription, None, &catalog)
    }

    /// The invoices `/customers/{externalId}/billing` carries (`GET /invoices` has no customer
    /// filter: Flowglad drops unknown query parameters), newest first.
    async fn list_invoices(&self, customer_id: &str) -> Result<Vec<crate::billing::InvoiceRecord>> {
        let billing = self.billing(customer_id).await?;
        let mut invoices = billing.invoices;
        invoices.sort_by_key(|i| std::cmp::Reverse(i.invoice.invoice_date));
        Ok(invoices
            .into_iter()
            .map(|i| {
                let (id, status) = (i.invoice.id.clone(), i.invoice.status.clone());
                map::invoice(i, customer_id).unwrap_or_else(|e| {
                    InvoiceRecord::undecodable(
                        map::FLOWGLAD,
                        id,
                        Some(customer_id.to_string()),
                        status,
                        RowIssue::new("invoice", e.message),
                    )
                })
            })
            .collect())
    }

    async fn entitlements(&self, customer_id: &str) -> Result<Vec<Entitlement>> {
        let (billing, resources) =
            futures::try_join!(self.billing(customer_id), self.get::<wire::ResourcesResponse>("resources", &[]),)?;
        let model = billing.catalog.clone().or(billing.pricing_model.clone()).unwrap_or_default();
        Ok(entitle::entitlements(&billing, &Catalog::new(model, resources.resources)))
    }

    async fn create_checkout(&self, request: &CheckoutRequest) -> Result<CheckoutSession> {
        let api = self.checkout_request(request).await?;
        if let Some(CheckoutPurpose::ActivateSubscription { subscription_id }) = &request.purpose {
            self.activation_target(request, subscription_id).await?;
        }
        let created: wire::CheckoutSessionResponse = self.http.send(api).await?.json()?;
        Ok(map::checkout(created, request.customer_id.clone().filter(|c| !c.is_empty())))
    }

    async fn checkout_preview(&self, request: &CheckoutRequest) -> Result<RequestPreview> {
        Ok(self.checkout_request(request).await?.preview())
    }

    /// Always local: Flowglad has no pre-purchase preview.
    async fn estimate_checkout(&self, request: &CheckoutRequest) -> Result<Estimate> {
        self.checkout_estimate(request, Utc::now().date_naive()).await
    }

    async fn get_checkout(&self, id: &str) -> Result<CheckoutSession> {
        let r: wire::CheckoutSessionResponse = self.get(&format!("checkout-sessions/{}", encode(id)?), &[]).await?;
        let customer = r.checkout_session.customer_id.as_deref().map(|c| self.external_id(c));
        Ok(map::checkout(r, customer))
    }
    async fn list_checkouts(&self, page: &PageRequest) -> Result<Page<crate::billing::CheckoutListing>> {
        self.checkout_list(page).await
    }

    fn bulk_subscriptions(&self) -> bool {
        true
    }

    async fn list_subscriptions_page(&self, page: &PageRequest) -> Result<Page<Subscription>> {
        self.subscriptions_page(page).await
    }
}
