//! KuvarPay client: subscription plans and prices, subscriptions (create, get, PATCH, DELETE),
//! subscription invoices and subscription checkout sessions. No customer API and no
//! entitlements; customers are derived (see [`derived`]). Reference:
//! shared/providers/flowglad-kuvarpay.md, part 2; inferred choices in notes/kuvarpay.md.

mod change;
pub mod checkout;
mod derived;
pub mod envelope;
pub mod map;
pub mod wire;

use std::sync::Arc;

use async_trait::async_trait;
use chrono::Utc;
use futures::{StreamExt, TryStreamExt, stream};
use reqwest::Method;
use serde::de::DeserializeOwned;

use super::http::{ApiRequest, Http, Idempotency, RequestPreview};
use super::paging::MAX_PAGES;
use super::{BillingProvider, Capabilities, Endpoint, ErrorKind, Page, PageRequest, ProviderError, Result, join_url};
use crate::billing::{
    CancelTiming, Cancellation, ChangeTiming, ChargePeriod, CheckoutRequest, CheckoutSession, Customer, Entitlement,
    Estimate, InvoiceRecord, NewCustomer, Plan, PlanChange, ProviderKind, RowIssue, Subscription,
};

/// An invoice's id and status, known even when the rest of it cannot be decoded.
type InvoiceHead = (String, String);
pub use map::SubscriptionInvoice;

const KUVARPAY: ProviderKind = ProviderKind::KuvarPay;
/// Largest page the client asks for (inferred cap, like most page/limit APIs).
pub const MAX_PAGE: u32 = 100;
/// Pages fetched at once when a list spans many pages.
const PARALLEL_PAGES: usize = 6;

pub fn connect(endpoint: Endpoint, http: Http) -> Result<Arc<dyn BillingProvider>> {
    Ok(Arc::new(KuvarPayClient::new(endpoint, http)))
}

pub struct KuvarPayClient {
    endpoint: Endpoint,
    http: Http,
    page_size: u32,
    customers: derived::Index,
}

/// Percent-encodes one path segment.
fn encode(segment: &str) -> Result<String> {
    crate::providers::path_segment(KUVARPAY, segment)
}

fn not_found(message: String) -> ProviderError {
    let mut e = ProviderError::new(KUVARPAY, ErrorKind::Http, message);
    e.status = Some(404);
    e
}

impl KuvarPayClient {
    pub fn new(endpoint: Endpoint, http: Http) -> KuvarPayClient {
        KuvarPayClient { endpoint, http, page_size: MAX_PAGE, customers: derived::Index::default() }
    }

    /// Smaller pages when walking lists (tests use this to cross page boundaries).
    pub fn with_page_size(mut self, size: u32) -> KuvarPayClient {
        self.page_size = size.clamp(1, MAX_PAGE);
        self
    }

    fn request(&self, method: Method, path: &str) -> ApiRequest {
        let key = &self.endpoint.key;
        let mut req = ApiRequest::new(KUVARPAY, method, join_url(&self.endpoint.base_url, path)).secret_header(
            "x-api-key",
            key.expose().to_string(),
            key,
        );
        if let Some(business) = self.endpoint.account.as_deref().filter(|b| !b.is_empty()) {
            req = req.header("x-business-id", business);
        }
        req
    }

    async fn get<T: DeserializeOwned>(&self, path: &str) -> Result<T> {
        envelope::data(&self.http.send(self.request(Method::GET, path)).await?)
    }

    /// A write with a fresh `Idempotency-Key`; retries inside [`Http::send`] reuse it, so
    /// KuvarPay replays the stored response instead of acting twice.
    async fn write<B: serde::Serialize, T: DeserializeOwned>(&self, method: Method, path: &str, body: &B) -> Result<T> {
        let req = self.request(method, path).json(body)?.idempotency(Idempotency::new_key());
        let resp = self.http.send(req).await?;
        envelope::data(&resp)
    }

    async fn page_of<T: DeserializeOwned>(
        &self,
        path: &str,
        query: &[(&str, String)],
        page: u64,
    ) -> Result<(Vec<T>, Option<wire::Pagination>)> {
        let mut q = query.to_vec();
        q.push(("page", page.to_string()));
        q.push(("limit", self.page_size.to_string()));
        envelope::list(&self.http.send(self.request(Method::GET, path).query(&q)).await?)
    }

    /// Every row of a list. With a `pagination` block the pages are known up front (and capped);
    /// without one (undocumented), full pages are followed until a short one, at most
    /// [`MAX_PAGES`] of them.
    async fn get_all<T: DeserializeOwned>(&self, path: &str, query: &[(&str, String)]) -> Result<Vec<T>> {
        let (mut rows, paging) = self.page_of::<T>(path, query, 1).await?;
        let too_many = |pages: u64| {
            ProviderError::new(
                KUVARPAY,
                ErrorKind::Decode,
                format!("{path}: the list did not end within {pages} pages (the most till follows); stopped"),
            )
        };
        match paging {
            Some(p) if p.total_pages > MAX_PAGES as u64 => return Err(too_many(p.total_pages)),
            Some(p) if p.total_pages > 1 => {
                let rest: Vec<Vec<T>> = stream::iter(2..=p.total_pages)
                    .map(|n| async move { self.page_of::<T>(path, query, n).await.map(|(r, _)| r) })
                    .buffered(PARALLEL_PAGES)
                    .try_collect()
                    .await?;
                rows.extend(rest.into_iter().flatten());
            }
            Some(_) => {}
            None => {
                let mut last = rows.len();
                let mut n = 1u64;
                while last >= self.page_size as usize {
                    if n >= MAX_PAGES as u64 {
                        return Err(too_many(n));
                    }
                    n += 1;
                    let (more, _) = self.page_of::<T>(path, query, n).await?;
                    last = more.len();
                    rows.extend(more);
                }
            }
        }
        Ok(rows)
    }

    async fn derived_customers(&self, page: &PageRequest) -> Result<Arc<derived::Derived>> {
        if let Some(list) = self.customers.current(page) {
            return Ok(list);
        }
        let subs: Vec<wire::Subscription> = self.get_all("api/v1/subscriptions", &[]).await?;
        Ok(self.customers.store(&subs))
    }

    /// One customer without walking every subscription: the fresh snapshot if there is one,
    /// else the first page of that customer's subscriptions, else a checkout made here.
    async fn find_customer(&self, id: &str) -> Result<Option<Customer>> {
        if let Some(list) = self.customers.current(&PageRequest::first(1)) {
            return Ok(derived::find(&list.customers, id).cloned().or_else(|| self.customers.remembered(id)));
        }
        let filter = if id.contains('@') { "customer_email" } else { "customer_uid" };
        let (subs, _) =
            self.page_of::<wire::Subscription>("api/v1/subscriptions", &[(filter, id.to_string())], 1).await?;
        let seen: Vec<Customer> = subs
            .iter()
            .filter_map(|s| {
                Some(map::customer(s.customer.as_ref()?, s.created_at.as_deref().and_then(map::parse_datetime)))
            })
            .collect();
        Ok(derived::find(&seen, id).cloned().or_else(|| self.customers.remembered(id)))
    }

    async fn prices_of(&self, plan_uid: &str) -> Result<Vec<wire::Price>> {
        self.get_all(&format!("api/v1/subscription-plans/{}/prices", encode(plan_uid)?), &[]).await
    }

    /// The price uid for a plan, period and currency (the request's own `price_id` wins).
    async fn resolve_price(
        &self,
        plan_id: &str,
        period: Option<ChargePeriod>,
        currency: Option<&str>,
        price_id: Option<&str>,
    ) -> Result<String> {
        if let Some(id) = price_id.filter(|p| !p.is_empty()) {
            return Ok(id.to_string());
        }
        let period = period.ok_or_else(|| {
            ProviderError::invalid(KUVARPAY, "KuvarPay sells a price: give a charge period (or a price id)")
        })?;
        let prices = self.prices_of(plan_id).await?;
        let mut fitting = Vec::new();
        for p in prices.iter().filter(|p| p.active != Some(false)) {
            let price = map::price(p)?;
            if price.period == period && currency.is_none_or(|c| price.amount.currency().code().eq_ignore_ascii_case(c))
            {
                fitting.push(p.uid.clone());
            }
        }
        fitting.into_iter().next().ok_or_else(|| {
            let money = currency.map(|c| format!(" in {}", c.to_uppercase())).unwrap_or_default();
            ProviderError::invalid(KUVARPAY, format!("plan {plan_id} has no {} price{money}", period.label()))
        })
    }

    /// Completes a checkout session on the customer's behalf (after their wallet approved).
    pub async fn confirm_checkout(
        &self,
        id: &str,
        wallet_address: Option<String>,
    ) -> Result<(CheckoutSession, Subscription)> {
        let path = format!("api/v1/subscriptions/checkout-sessions/{}/confirm", encode(id)?);
        let body = wire::ConfirmCheckoutSessionRequest { wallet_address };
        let done: wire::ConfirmCheckoutSessionResponse = self.write(Method::POST, &path, &body).await?;
        self.customers.invalidate();
        Ok((map::checkout(done.checkout_session), map::subscription(done.subscription, Utc::now())?))
    }

    /// `POST /subscriptions` for a customer KuvarPay already knows (by uid).
    pub async fn create_subscription(&self, request: &wire::CreateSubscriptionRequest) -> Result<Subscription> {
        let created: wire::Subscription = self.write(Method::POST, "api/v1/subscriptions", request).await?;
        self.customers.invalidate();
        map::subscription(created, Utc::now())
    }

    /// Every invoice of a subscription, newest first.
    pub async fn list_invoices(&self, subscription_id: &str) -> Result<Vec<SubscriptionInvoice>> {
        self.invoice_rows(subscription_id).await?.into_iter().map(|(_, row)| row).collect()
    }

    /// Every invoice of a subscription, each decoded on its own (with its id and status, so an
    /// undecodable one can still be listed and marked).
    async fn invoice_rows(&self, subscription_id: &str) -> Result<Vec<(InvoiceHead, Result<SubscriptionInvoice>)>> {
        let path = format!("api/v1/subscriptions/{}/subscription-invoices", encode(subscription_id)?);
        let rows: Vec<wire::SubscriptionInvoice> = self.get_all(&path, &[]).await?;
        Ok(rows.into_iter().map(|r| ((r.uid.clone(), r.status.clone()), map::invoice(r))).collect())
    }

    pub async fn get_invoice(&self, subscription_id: &str, invoice_id: &str) -> Result<SubscriptionInvoice> {
        let path =
            format!("api/v1/subscriptions/{}/subscription-invoices/{}", encode(subscription_id)?, encode(invoice_id)?);
        map::invoice(self.get(&path).await?)
    }

    async fn patch(&self, id: &str, body: &wire::UpdateSubscriptionRequest) -> Result<Subscription> {
        let updated: wire::Subscription =
            self.write(Method::PATCH, &format!("api/v1/subscriptions/{}", encode(id)?), body).await?;
        self.customers.invalidate();
        map::subscription(updated, Utc::now())
    }

    /// `POST /subscriptions/checkout-sessions` for a request, with a fresh Idempotency-Key;
    /// shared by create and preview so they cannot differ. Lookups (the price for a plan and
    /// period, a known customer's e-mail and name) happen here, in both paths alike.
    async fn checkout_request(&self, request: &CheckoutRequest) -> Result<(ApiRequest, wire::CheckoutCustomer)> {
        checkout::reject_unsupported(request)?;
        let price_uid = match checkout::billing_mode(request).as_str() {
            checkout::FIXED => {
                checkout::require_price(request)?;
                let price = self
                    .resolve_price(
                        &request.plan_id,
                        request.period,
                        request.currency.as_deref(),
                        request.price_id.as_deref(),
                    )
                    .await;
                Some(price.map_err(|e| checkout::blame(e, "period"))?)
            }
            checkout::METERED => None,
            _ => request.price_id.clone(),
        };
        let known = match request.customer_id.as_deref().filter(|_| checkout::needs_lookup(request)) {
            Some(id) => self.find_customer(id.trim()).await?,
            None => None,
        };
        let customer = checkout::customer(request, known.as_ref());
        let body = checkout::body(request, price_uid, customer.clone())?;
        let req = self
            .request(Method::POST, "api/v1/subscriptions/checkout-sessions")
            .json(&body)?
            .idempotency(Idempotency::new_key());
        Ok((req, customer))
    }
}

#[async_trait]
impl BillingProvider for KuvarPayClient {
    fn kind(&self) -> ProviderKind {
        KUVARPAY
    }

    fn account(&self) -> String {
        self.endpoint.account_label(self.kind())
    }

    fn capabilities(&self) -> Capabilities {
        Capabilities {
            list_customers: true, // derived from subscriptions and checkout sessions
            search_customers: false,
            get_customer: true, // derived
            create_customer: false,
            derived_customers: true,
            plans: true,
            subscriptions: true,
            change_plan: true,
            change_interval: true,
            native_change_preview: false,
            cancel: true,
            cancel_at_period_end: true,
            cancel_on_date: false,
            uncancel: true,
            cancel_scheduled_change: false,
            entitlements: false,
            checkout_create: true,
            checkout_get: true,
            checkout_list: false,
            native_checkout_estimate: false,
            invoices: true,
            idempotency_keys: true,
        }
    }

    fn forget_cached(&self) {
        self.customers.invalidate();
    }

    async fn list_customers(&self, page: &PageRequest) -> Result<Page<Customer>> {
        let list = self.derived_customers(page).await?;
        Ok(derived::page(&list, page))
    }

    async fn get_customer(&self, id: &str) -> Result<Customer> {
        self.find_customer(id).await?.ok_or_else(|| {
            not_found(format!("no KuvarPay customer with e-mail or uid {id:?} in any subscription or checkout session"))
        })
    }

    async fn create_customer(&self, _customer: &NewCustomer) -> Result<Customer> {
        Err(ProviderError::unsupported(
            KUVARPAY,
            "creating a customer (KuvarPay creates customers through checkout sessions)",
        ))
    }

    async fn list_plans(&self) -> Result<Vec<Plan>> {
        let plans: Vec<wire::Plan> = self.get_all("api/v1/subscription-plans", &[]).await?;
        let loads = plans.into_iter().filter(|p| p.active != Some(false)).map(|p| async move {
            let prices = self.prices_of(&p.uid).await?;
            let (id, name) = (p.uid.clone(), p.name.clone());
            // A plan that cannot be decoded stays in the list, marked (see RowIssue).
            Ok::<_, ProviderError>(
                map::plan(p, &prices)
                    .unwrap_or_else(|e| Plan::undecodable(KUVARPAY, id, name, RowIssue::new("plan", e.message))),
            )
        });
        futures::future::try_join_all(loads).await
    }

    async fn list_subscriptions(&self, customer_id: &str) -> Result<Vec<Subscription>> {
        let filter = if customer_id.contains('@') { "customer_email" } else { "customer_uid" };
        let rows: Vec<wire::Subscription> =
            self.get_all("api/v1/subscriptions", &[(filter, customer_id.to_string())]).await?;
        // Filter again here: if the server ignores the (inferred) filter, the list stays right.
        let wanted = customer_id.trim().to_lowercase();
        let now = Utc::now();
        rows.into_iter()
            .filter(|s| {
                s.customer.as_ref().is_some_and(|c| {
                    c.uid == customer_id || c.email.as_deref().is_some_and(|e| e.trim().to_lowercase() == wanted)
                })
            })
            .map(|s| {
                let (id, status) = (s.uid.clone(), s.status.clone());
                map::subscription(s, now).unwrap_or_else(|e| {
                    let issue = RowIssue::new("subscription", e.message);
                    Subscription::undecodable(KUVARPAY, id, customer_id.to_string(), status, issue)
                })
            })
            .map(Ok)
            .collect()
    }

    async fn get_subscription(&self, id: &str) -> Result<Subscription> {
        let raw: wire::Subscription = self.get(&format!("api/v1/subscriptions/{}", encode(id)?)).await?;
        map::subscription(raw, Utc::now())
    }

    async fn change_plan(&self, id: &str, change: &PlanChange) -> Result<Subscription> {
        change::check_timing(change)?;
        if !change.features.is_empty() {
            return Err(ProviderError::invalid(KUVARPAY, "KuvarPay plans have no feature quantities"));
        }
        let current = self.get_subscription(id).await?;
        let currency = current.amount.map(|a| a.currency().code().to_string());
        let price_id = self
            .resolve_price(&change.plan_id, Some(change.period), currency.as_deref(), change.price_id.as_deref())
            .await?;
        self.patch(id, &wire::UpdateSubscriptionRequest { price_id: Some(price_id), ..Default::default() }).await
    }

    /// Only immediate changes: KuvarPay applies a new price at once.
    fn change_timings(&self) -> Vec<ChangeTiming> {
        vec![ChangeTiming::Immediately]
    }

    /// Local: KuvarPay has no preview. Shaped to what it bills (no credit for downgrades,
    /// nothing during a trial); see [`change::estimate`].
    async fn preview_change(&self, id: &str, change: &PlanChange) -> Result<Estimate> {
        change::check_timing(change)?;
        let (current, plans) = futures::try_join!(self.get_subscription(id), self.list_plans())?;
        change::estimate(&current, &plans, change, Utc::now().date_naive())
    }

    async fn cancel_subscription(&self, id: &str, cancellation: &Cancellation) -> Result<Subscription> {
        let at_period_end = match cancellation.timing {
            CancelTiming::Immediately => false,
            CancelTiming::AtPeriodEnd => true,
            CancelTiming::OnDate(_) => {
                return Err(ProviderError::unsupported(KUVARPAY, "cancelling on a chosen date"));
            }
        };
        let body = wire::CancelSubscriptionRequest {
            cancel_at_period_end: at_period_end,
            reason: cancellation.comment.clone(),
        };
        let canceled: wire::Subscription =
            self.write(Method::DELETE, &format!("api/v1/subscriptions/{}", encode(id)?), &body).await?;
        self.customers.invalidate();
        map::subscription(canceled, Utc::now())
    }

    /// `PATCH {cancel_at_period_end: false}` would quietly succeed on a subscription with
    /// nothing scheduled, so a live one is checked first; an ended one gets KuvarPay's error.
    async fn uncancel_subscription(&self, id: &str) -> Result<Subscription> {
        let current = self.get_subscription(id).await?;
        if current.status.is_live() && !current.cancel_scheduled() {
            return Err(ProviderError::invalid(
                KUVARPAY,
                format!("subscription {id} has no scheduled cancellation to undo"),
            ));
        }
        self.patch(id, &wire::UpdateSubscriptionRequest { cancel_at_period_end: Some(false), ..Default::default() })
            .await
    }

    /// KuvarPay lists invoices per subscription: every subscription of the customer, merged.
    async fn list_invoices(&self, customer_id: &str) -> Result<Vec<crate::billing::InvoiceRecord>> {
        let subs = self.list_subscriptions(customer_id).await?;
        let mut out = Vec::new();
        for sub in subs {
            for ((id, status), row) in self.invoice_rows(&sub.id).await? {
                let i = match row {
                    Ok(i) => i,
                    Err(e) => {
                        // One invoice that cannot be decoded is listed and marked, not fatal.
                        let issue = RowIssue::new("invoice", e.message);
                        let mut record =
                            InvoiceRecord::undecodable(KUVARPAY, id, Some(sub.customer_id.clone()), status, issue);
                        record.subscription_id = Some(sub.id.clone());
                        out.push(record);
                        continue;
                    }
                };
                out.push(map::invoice_record(i, &sub.customer_id, &sub.id));
            }
        }
        out.sort_by_key(|i| std::cmp::Reverse(i.issued_on));
        Ok(out)
    }

    async fn entitlements(&self, _customer_id: &str) -> Result<Vec<Entitlement>> {
        Err(ProviderError::unsupported(KUVARPAY, "entitlements (KuvarPay plans have no features)"))
    }

    async fn create_checkout(&self, request: &CheckoutRequest) -> Result<CheckoutSession> {
        let (req, customer) = self.checkout_request(request).await?;
        let created: wire::CreateCheckoutSessionResponse = envelope::data(&self.http.send(req).await?)?;
        let customer_ref = wire::CustomerRef {
            uid: created.customer.as_ref().map(|c| c.uid.clone()).unwrap_or_default(),
            email: Some(customer.email.clone()).filter(|e| !e.is_empty()),
            first_name: customer.first_name,
            last_name: customer.last_name,
            created_at: None,
        };
        self.customers.remember(map::customer(&customer_ref, Some(Utc::now())));
        let raw_status = created.checkout_session.status.clone().unwrap_or_else(|| "PENDING".into());
        Ok(CheckoutSession {
            provider: KUVARPAY,
            id: created.checkout_session.uid,
            url: created.checkout_session.approval_url,
            status: map::checkout_status(&raw_status),
            raw_status,
            expires_at: created.checkout_session.expires_at.as_deref().and_then(map::parse_datetime),
            customer_id: Some(map::customer_key(&customer_ref)).filter(|c| !c.is_empty()),
            customer_name: None,
            customer_email: None,
            subscription_id: created.subscription.map(|s| s.uid),
            estimate: None,
        })
    }

    async fn checkout_preview(&self, request: &CheckoutRequest) -> Result<RequestPreview> {
        Ok(self.checkout_request(request).await?.0.preview())
    }

    /// Local, like the default, but trial-aware and METERED-aware (see [`checkout::estimate`]).
    async fn estimate_checkout(&self, request: &CheckoutRequest) -> Result<Estimate> {
        checkout::reject_unsupported(request)?;
        let plans =
            if checkout::billing_mode(request) == checkout::METERED { Vec::new() } else { self.list_plans().await? };
        checkout::estimate(&plans, request, Utc::now().date_naive())
    }

    async fn get_checkout(&self, id: &str) -> Result<CheckoutSession> {
        let raw: wire::CheckoutSession =
            self.get(&format!("api/v1/subscriptions/checkout-sessions/{}", encode(id)?)).await?;
        Ok(map::checkout(raw))
    }
}
