//! Kelviq client. Core API for customers, catalog, checkout and subscriptions; the edge host
//! for entitlements. Reference: shared/providers/kelviq-zenskar.md, part 1.

mod checkout;
mod listed;
pub mod map;
pub mod payments;
mod subscriptions;
mod webhooks;
pub mod wire;

use std::collections::BTreeMap;

use async_trait::async_trait;
use futures::future::try_join_all;
use reqwest::Method;
use serde::de::DeserializeOwned;
use serde_json::Value;
use url::Url;

use super::decode;
use super::http::{ApiRequest, Http};
use super::paging::{self, PageGuard};
use super::{
    BillingProvider, Capabilities, CustomerRow, Endpoint, ErrorKind, Page, PageRequest, ProviderError, RequestPreview,
    Result, join_url,
};
use crate::billing::{
    CancelTiming, Cancellation, ChargePeriod, CheckoutRequest, CheckoutSession, CheckoutStatus, Customer,
    CustomerUpdate, Entitlement, Estimate, NewCustomer, Plan, PlanChange, ProviderKind, RowIssue, Subscription,
};

const KELVIQ: ProviderKind = ProviderKind::Kelviq;
/// Kelviq caps page_size at 100.
const MAX_PAGE: u32 = 100;

pub struct KelviqClient {
    endpoint: Endpoint,
    http: Http,
}

impl KelviqClient {
    pub fn new(endpoint: Endpoint, http: Http) -> KelviqClient {
        KelviqClient { endpoint, http }
    }

    fn request(&self, method: Method, base: &Url, path: &str, use_client_key: bool) -> ApiRequest {
        let key = if use_client_key {
            self.endpoint.client_key.as_ref().unwrap_or(&self.endpoint.key)
        } else {
            &self.endpoint.key
        };
        ApiRequest::new(KELVIQ, method, join_url(base, path)).secret_header(
            "authorization",
            format!("Bearer {}", key.expose()),
            key,
        )
    }

    fn core(&self, method: Method, path: &str) -> ApiRequest {
        self.request(method, &self.endpoint.base_url, path, false)
    }

    async fn get<T: DeserializeOwned>(&self, path: &str, query: &[(&str, String)]) -> Result<T> {
        self.http.send(self.core(Method::GET, path).query(query)).await?.json()
    }

    async fn post<B: serde::Serialize, T: DeserializeOwned>(&self, path: &str, body: &B) -> Result<T> {
        self.http.send(self.core(Method::POST, path).json(body)?).await?.json()
    }

    /// Follows `next` through every page. `next` is read for its `page` number only and the
    /// URL rebuilt on our base: older Kelviq versions returned `http://` links over HTTPS.
    async fn get_all<T: DeserializeOwned>(&self, path: &str, query: &[(&str, String)]) -> Result<Vec<T>> {
        let mut out = Vec::new();
        let mut page = 1u64;
        let mut guard = PageGuard::new(KELVIQ, path).starting_at("1");
        loop {
            let mut q = query.to_vec();
            q.push(("page", page.to_string()));
            q.push(("page_size", MAX_PAGE.to_string()));
            let body: wire::Paginated<T> = self.get(path, &q).await?;
            let rows = body.results.len();
            out.extend(body.results);
            let next = next_link(path, page, body.next.as_deref())?;
            match guard.advance(rows, next.map(|n| n.to_string()))? {
                Some(n) => page = n.parse().unwrap_or(page + 1),
                None => return Ok(out),
            }
        }
    }

    /// The catalog, each plan with its prices and features. Every row is decoded on its own: a
    /// plan, price or feature that breaks the spec is named on its plan (`prices[1].currency`)
    /// and the rest of the catalog still shows.
    async fn plan_catalog(&self) -> Result<Vec<Plan>> {
        let rows: Vec<Value> = self.get_all("catalog/plans/", &[]).await?;
        let loads = rows.into_iter().enumerate().map(|(i, row)| async move {
            let p = match decode::list_row::<wire::CatalogPlan>(i, row.clone()) {
                Ok(p) => p,
                Err((path, message)) => {
                    let id = text_field(&row, "identifier").unwrap_or_else(|| format!("(row {})", i + 1));
                    let name = text_field(&row, "name").unwrap_or_default();
                    return Ok(Plan::undecodable(KELVIQ, id, name, RowIssue::new(path, message)));
                }
            };
            let prices_path = format!("catalog/plans/{}/prices/", encode(&p.identifier)?);
            let features_path = format!("catalog/plans/{}/features/", encode(&p.identifier)?);
            let (prices, features) = futures::try_join!(
                self.get_all::<Value>(&prices_path, &[]),
                self.get_all::<Value>(&features_path, &[]),
            )?;
            let (prices, mut row_issues) = decode_each::<wire::PlanPrice>("prices", prices);
            let (features, feature_issues) = decode_each::<wire::PlanFeatureEntitlement>("features", features);
            row_issues.extend(feature_issues);
            let (prices, mut issues) = map::prices(&prices);
            issues.extend(row_issues);
            // A BOOLEAN set to false is listed on the plan but not granted by it.
            let features =
                features.iter().filter(|f| f.details.value != Value::Bool(false)).map(map::plan_feature).collect();
            Ok::<_, ProviderError>(map::plan(p, prices, features, issues))
        });
        try_join_all(loads).await
    }

    /// `POST /checkout/` for a request; shared by create and preview so they cannot differ.
    fn checkout_request(&self, request: &CheckoutRequest) -> Result<ApiRequest> {
        let period =
            request.period.ok_or_else(|| ProviderError::invalid(KELVIQ, "Kelviq checkout needs a charge period"))?;
        let body = wire::CreateCheckoutSessionRequest {
            plan_identifier: request.plan_id.clone(),
            success_url: request.success_url.clone(),
            charge_period: period_name(period)?.to_string(),
            customer_id: request.customer_id.clone().filter(|c| !c.is_empty()),
            features: Self::feature_inputs(&request.features),
            ip_address: request.ip_address.clone().filter(|ip| !ip.is_empty()),
            cancel_url: request.cancel_url.clone().filter(|u| !u.is_empty()),
            currency_code: request.currency.clone().filter(|c| !c.is_empty()),
            metadata: (!request.metadata.is_empty()).then(|| request.metadata.clone()),
            ..Default::default()
        };
        self.core(Method::POST, "checkout/").json(&body)
    }

    fn feature_inputs(features: &[crate::billing::FeatureQuantity]) -> Option<Vec<wire::FeatureInput>> {
        (!features.is_empty()).then(|| {
            features
                .iter()
                .map(|f| wire::FeatureInput { identifier: f.feature_id.clone(), quantity: i64::from(f.quantity) })
                .collect()
        })
    }
}

/// A string field of a row that did not decode, to name it by.
fn text_field(row: &Value, key: &str) -> Option<String> {
    row.get(key).and_then(Value::as_str).filter(|s| !s.is_empty()).map(str::to_string)
}

/// Decodes each row of a list on its own: the rows that read, and an issue per row that did not.
fn decode_each<T: DeserializeOwned>(list: &str, rows: Vec<Value>) -> (Vec<T>, Vec<RowIssue>) {
    let mut decoded = Vec::with_capacity(rows.len());
    let mut issues = Vec::new();
    for (i, row) in rows.into_iter().enumerate() {
        match decode::list_row_in::<T>(list, i, row) {
            Ok(t) => decoded.push(t),
            Err((path, message)) => issues.push(RowIssue::new(path, message)),
        }
    }
    (decoded, issues)
}

/// A listed customer, or the customer marked with why its row could not be read.
fn customer_row(index: usize, row: Value) -> Customer {
    let keys = decode::CustomerKeys { id: "customerId", name: "name", email: "email" };
    decode::customer_row(KELVIQ, ("results", index), row, &keys, map::customer)
}

/// The page a `next` link points at. A link that is present but names no later page is no end
/// of the list (that would hide rows): it is refused, as a page loop would be.
fn next_link(what: &str, page: u64, next: Option<&str>) -> Result<Option<u64>> {
    let Some(link) = next.filter(|l| !l.is_empty()) else { return Ok(None) };
    match next_page_number(link) {
        Some(n) if n > page => Ok(Some(n)),
        _ => Err(ProviderError::new(
            KELVIQ,
            ErrorKind::Decode,
            format!("{what}: page {page} links to {link:?} as the next page, which is not after it; stopped"),
        )),
    }
}

/// A customers cursor: the page number and the page size it was counted in, so the next page
/// is asked with the same `page_size` whatever limit the caller passes (page N of another size
/// would repeat or skip rows).
fn parse_cursor(cursor: Option<&str>, limit: u32) -> (u64, u32) {
    let size = limit.clamp(1, MAX_PAGE);
    let Some(c) = cursor else { return (1, size) };
    match c.split_once(':') {
        Some((n, s)) => (n.parse().unwrap_or(1), s.parse().map_or(size, |s: u32| s.clamp(1, MAX_PAGE))),
        None => (c.parse().unwrap_or(1), size),
    }
}

/// `…?page=3&page_size=10` → 3.
pub fn next_page_number(next: &str) -> Option<u64> {
    let url = Url::parse(next).ok()?;
    url.query_pairs().find(|(k, _)| k == "page").and_then(|(_, v)| v.parse().ok())
}

/// Percent-encodes one path segment (customer ids are user-chosen strings).
fn encode(segment: &str) -> Result<String> {
    crate::providers::path_segment(KELVIQ, segment)
}

fn period_name(period: ChargePeriod) -> Result<&'static str> {
    period
        .kelviq_name()
        .ok_or_else(|| ProviderError::invalid(KELVIQ, format!("Kelviq has no charge period for {}", period.label())))
}

#[async_trait]
impl BillingProvider for KelviqClient {
    fn kind(&self) -> ProviderKind {
        KELVIQ
    }

    fn account(&self) -> String {
        self.endpoint.account_label(self.kind())
    }

    fn capabilities(&self) -> Capabilities {
        Capabilities {
            list_customers: true,
            search_customers: true,
            get_customer: true, // emulated: search, then exact match
            create_customer: true,
            derived_customers: false,
            plans: true,
            subscriptions: true,
            change_plan: true,
            change_interval: true,
            native_change_preview: false,
            cancel: true,
            cancel_at_period_end: true,
            cancel_on_date: true,
            uncancel: false,
            cancel_scheduled_change: false,
            entitlements: true,
            checkout_create: true,
            checkout_get: true,
            checkout_list: true,
            native_checkout_estimate: false,
            invoices: false,
            idempotency_keys: false,
        }
    }

    fn actions(&self) -> super::Actions {
        super::Actions {
            payments: true,
            refunds: true,
            portal_link: true,
            usage_report: true,
            usage_set: true,
            payment_methods: true,
            webhook_log: true,
        }
    }

    async fn webhook_log(&self, page: &PageRequest) -> Result<Page<crate::billing::webhooks::WebhookEvent>> {
        self.webhook_log_page(page).await
    }

    async fn list_payment_methods(&self, customer_id: &str) -> Result<Vec<crate::billing::payments::PaymentMethod>> {
        self.payment_methods_of(customer_id).await
    }

    async fn list_payments(&self, customer_id: &str) -> Result<Vec<crate::billing::payments::Payment>> {
        self.orders_of(customer_id).await
    }

    async fn get_payment(&self, id: &str) -> Result<crate::billing::payments::Payment> {
        self.order(id).await
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
        let rows = self.list_customer_rows(page).await?;
        let items = rows.items.into_iter().enumerate().map(|(i, row)| self.decode_customer(i, row)).collect();
        Ok(Page { items, next_cursor: rows.next_cursor, total: rows.total })
    }

    async fn list_customer_rows(&self, page: &PageRequest) -> Result<Page<CustomerRow>> {
        let (number, size) = parse_cursor(page.cursor.as_deref(), page.limit);
        let mut q = vec![("page", number.to_string()), ("page_size", size.to_string())];
        if let Some(s) = page.search.as_deref().filter(|s| !s.is_empty()) {
            q.push(("search", s.to_string()));
        }
        let response = self.http.send(self.core(Method::GET, "customers/").query(&q)).await?;
        // Decoded on whichever runtime worker is free: the pages of a window are polled by one
        // task, which alone decoded every page of a long list while the other core waited.
        let decoded = tokio::spawn(async move { listed::customer_page(&response) }).await;
        let (count, next, items) = decoded.map_err(|e| {
            ProviderError::new(KELVIQ, ErrorKind::Decode, format!("customers page {number}: decoding stopped: {e}"))
        })??;
        let next = next_link("customers", number, next.as_deref())?;
        let next_cursor = next.map(|n| format!("{n}:{size}"));
        paging::check_page(KELVIQ, "customers", page.cursor.as_deref(), items.len(), next_cursor.as_deref())?;
        Ok(Page { next_cursor, total: Some(count), items })
    }

    fn decode_customer(&self, index: usize, row: CustomerRow) -> Customer {
        match row {
            CustomerRow::Decoded(c) => c,
            CustomerRow::Raw(row) => {
                if let Ok(c) = serde_json::from_str::<wire::ListedCustomer>(row.text()) {
                    return map::listed_customer(c);
                }
                let keys = decode::CustomerKeys { id: "customerId", name: "name", email: "email" };
                decode::customer_row_raw(KELVIQ, ("results", index), row.text(), &keys, map::customer)
            }
        }
    }

    fn customer_page_cursor(&self, first: &PageRequest, number: u64) -> Option<String> {
        let (_, size) = parse_cursor(first.cursor.as_deref(), first.limit);
        Some(format!("{number}:{size}"))
    }

    fn page_window(&self) -> usize {
        self.http.budgets().page_window(KELVIQ)
    }

    async fn get_customer(&self, id: &str) -> Result<Customer> {
        // No GET-one endpoint: search, then require an exact customerId match.
        // Rows are read one by one, so another customer's broken row does not hide this one.
        let found: Vec<Value> = self.get_all("customers/", &[("search", id.to_string())]).await?;
        found.into_iter().enumerate().map(|(i, row)| customer_row(i, row)).find(|c| c.id == id).ok_or_else(|| {
            let mut e = ProviderError::new(KELVIQ, ErrorKind::Http, format!("no customer with customerId {id:?}"));
            e.status = Some(404);
            e
        })
    }

    async fn create_customer(&self, customer: &NewCustomer) -> Result<Customer> {
        let body = wire::CustomerCreateRequest {
            customer_id: customer.id.clone(),
            email: customer.email.clone(),
            name: customer.name.clone(),
            metadata: (!customer.metadata.is_empty()).then(|| customer.metadata.clone()),
            billing_address: None,
        };
        let created: wire::CustomerResponse = self.post("customers/", &body).await?;
        Ok(map::customer(created))
    }

    async fn update_customer(&self, id: &str, update: &CustomerUpdate) -> Result<Customer> {
        let body = wire::CustomerUpdateRequest {
            email: update.email.clone(),
            name: update.name.clone(),
            metadata: update.metadata.clone(),
            billing_address: None,
        };
        let req = self.core(Method::PATCH, &format!("customers/{}/", encode(id)?)).json(&body)?;
        let updated: wire::CustomerResponse = self.http.send(req).await?.json()?;
        Ok(map::customer(updated))
    }

    async fn list_plans(&self) -> Result<Vec<Plan>> {
        self.plan_catalog().await
    }

    async fn list_subscriptions(&self, customer_id: &str) -> Result<Vec<Subscription>> {
        let rows: Vec<Value> = self.get_all("subscriptions/", &[("customer_id", customer_id.to_string())]).await?;
        Ok(rows
            .into_iter()
            .enumerate()
            .map(|(i, row)| subscriptions::subscription_row(i, row, Some(customer_id)))
            .collect())
    }

    async fn get_subscription(&self, id: &str) -> Result<Subscription> {
        let raw: wire::Subscription = self.get(&format!("subscriptions/{}/", encode(id)?), &[]).await?;
        map::subscription(raw)
    }

    async fn change_plan(&self, id: &str, change: &PlanChange) -> Result<Subscription> {
        let body = wire::UpdateSubscriptionRequest {
            plan_identifier: change.plan_id.clone(),
            charge_period: period_name(change.period)?.to_string(),
            features: Self::feature_inputs(&change.features),
            ..Default::default()
        };
        let updated: wire::UpdateSubscriptionResponse =
            self.post(&format!("subscriptions/{}/update/", encode(id)?), &body).await?;
        // The id can change (the old row becomes `superseded`): follow the returned one.
        self.get_subscription(updated.subscription_id.as_deref().filter(|s| !s.is_empty()).unwrap_or(id)).await
    }

    async fn preview_change(&self, id: &str, change: &PlanChange) -> Result<Estimate> {
        let (current, plans) = futures::try_join!(self.get_subscription(id), self.list_plans())?;
        super::local_change_estimate(&current, &plans, change)
    }

    async fn cancel_subscription(&self, id: &str, cancellation: &Cancellation) -> Result<Subscription> {
        let (kind, date) = match cancellation.timing {
            CancelTiming::Immediately => ("IMMEDIATE", None),
            CancelTiming::AtPeriodEnd => ("CURRENT_PERIOD_ENDS", None),
            CancelTiming::OnDate(d) => ("SPECIFIC_DATE", Some(d.format("%Y-%m-%d").to_string())),
        };
        let body = wire::CancelSubscriptionRequest {
            cancellation_type: kind.to_string(),
            cancellation_date: date,
            cancellation_comment: cancellation.comment.clone(),
            ..Default::default()
        };
        let _: wire::MessageResponse = self.post(&format!("subscriptions/{}/cancel/", encode(id)?), &body).await?;
        self.get_subscription(id).await
    }

    async fn entitlements(&self, customer_id: &str) -> Result<Vec<Entitlement>> {
        let edge = self.endpoint.edge_url.clone().unwrap_or_else(|| self.endpoint.base_url.clone());
        let use_client_key = self.endpoint.client_key.is_some();
        let req = self
            .request(Method::GET, &edge, "entitlements/", use_client_key)
            .query(&[("customer_id", customer_id.to_string())]);
        let body: wire::CheckEntitlementsResponse = self.http.send(req).await?.json()?;
        Ok(map::entitlements(body.entitlements, &BTreeMap::new()))
    }

    async fn create_checkout(&self, request: &CheckoutRequest) -> Result<CheckoutSession> {
        let created: wire::CreateCheckoutSessionResponse =
            self.http.send(self.checkout_request(request)?).await?.json()?;
        Ok(CheckoutSession {
            provider: KELVIQ,
            id: created.checkout_session_id,
            url: Some(created.checkout_url),
            status: CheckoutStatus::Open,
            raw_status: "open".into(),
            expires_at: None,
            customer_id: request.customer_id.clone(),
            customer_name: None,
            customer_email: None,
            subscription_id: None,
            estimate: None,
        })
    }

    async fn checkout_preview(&self, request: &CheckoutRequest) -> Result<RequestPreview> {
        Ok(self.checkout_request(request)?.preview())
    }

    async fn get_checkout(&self, id: &str) -> Result<CheckoutSession> {
        let raw: wire::CheckoutSessionDetail = self.get(&format!("checkout/sessions/{}/", encode(id)?), &[]).await?;
        Ok(checkout::session(&raw))
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
