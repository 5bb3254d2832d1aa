//! Zenskar client: customers, plans, contracts (`/contract_v2`) as subscriptions, entitlement
//! totals, the `/checkouts` family with its native billing estimates, and invoices.
//! Reference: shared/providers/kelviq-zenskar.md part 2; doubts are listed in notes/zenskar.md.

mod checkout;
mod contracts;
pub mod map;
mod portal;
pub mod wire;

use std::sync::Arc;

use async_trait::async_trait;
use chrono::{NaiveDate, Utc};
use reqwest::Method;
use serde::de::DeserializeOwned;

use super::decode;
use super::http::{ApiRequest, Http, RequestPreview};
use super::paging::{self, PageGuard};
use super::{BillingProvider, Capabilities, Endpoint, ErrorKind, Page, PageRequest, ProviderError, Result, join_url};
use crate::billing::{
    CancelTiming, Cancellation, ChangeTiming, CheckoutRequest, CheckoutSession, Customer, Entitlement, Estimate,
    NewCustomer, Plan, PlanChange, ProviderKind, RowIssue, Subscription,
};
pub use map::InvoiceSummary;

const ZENSKAR: ProviderKind = ProviderKind::Zenskar;
/// Sent on every call: it enables `order`/`expand` on customer lists (the MCP server's default).
pub const API_VERSION: &str = "20230501";
/// Page size for reading whole lists; the documented maximum on bounded lists is 100.
const MAX_PAGE: u32 = 100;

pub fn connect(endpoint: Endpoint, http: Http) -> Result<Arc<dyn BillingProvider>> {
    Ok(Arc::new(ZenskarClient::new(endpoint, http)?))
}

pub struct ZenskarClient {
    endpoint: Endpoint,
    organisation: String,
    http: Http,
}

impl ZenskarClient {
    /// Fails when the organisation id is missing: every Zenskar call needs it.
    pub fn new(endpoint: Endpoint, http: Http) -> Result<ZenskarClient> {
        let organisation = endpoint.account.clone().filter(|a| !a.trim().is_empty()).ok_or_else(|| {
            ProviderError::invalid(
                ZENSKAR,
                "Zenskar needs the organisation id (Settings → General): set TILL_ZENSKAR_ACCOUNT",
            )
        })?;
        Ok(ZenskarClient { endpoint, organisation, http })
    }

    fn request(&self, method: Method, path: &str) -> ApiRequest {
        let key = &self.endpoint.key;
        ApiRequest::new(ZENSKAR, method, join_url(&self.endpoint.base_url, path))
            .secret_header("x-api-key", key.expose().to_string(), key)
            .header("organisation", self.organisation.clone())
            .header("apiversion", API_VERSION)
    }

    async fn get<T: DeserializeOwned>(&self, path: &str, query: &[(&str, String)]) -> Result<T> {
        self.http.send(self.request(Method::GET, path).query(query)).await?.json()
    }

    async fn send_json<B: serde::Serialize, T: DeserializeOwned>(
        &self,
        method: Method,
        path: &str,
        body: &B,
    ) -> Result<T> {
        self.http.send(self.request(method, path).json(body)?).await?.json()
    }

    /// Follows `next` cursors to the end of a list, whichever envelope it uses.
    async fn get_all<T: DeserializeOwned>(&self, path: &str, query: &[(&str, String)]) -> Result<Vec<T>> {
        let mut out = Vec::new();
        let mut cursor: Option<String> = None;
        let mut guard = PageGuard::new(ZENSKAR, path);
        loop {
            let mut q = query.to_vec();
            q.push(("limit", MAX_PAGE.to_string()));
            if let Some(c) = &cursor {
                q.push(("cursor", c.clone()));
            }
            let page: wire::Page<T> = self.get(path, &q).await?;
            let rows = page.results.len();
            out.extend(page.results);
            match guard.advance(rows, page.next.filter(|n| !n.is_empty()))? {
                Some(next) => cursor = Some(next),
                None => return Ok(out),
            }
        }
    }

    /// Zenskar addresses customers by UUID; an external id is looked up first, so the console
    /// and scripts can use either.
    async fn customer_uuid(&self, id: &str) -> Result<String> {
        if map::is_uuid(id) {
            return Ok(id.to_string());
        }
        Ok(self.get_customer(id).await?.id)
    }

    async fn plan(&self, id: &str) -> Result<wire::Plan> {
        self.get(&format!("plans/{}", encode(id)?), &[]).await
    }

    async fn contract(&self, id: &str) -> Result<wire::Contract> {
        self.get(&format!("contract_v2/{}", encode(id)?), &[]).await
    }

    /// Business entities of the organisation; a guest checkout needs one.
    pub async fn business_entities(&self) -> Result<Vec<wire::BusinessEntity>> {
        self.get_all("business_entities", &[]).await
    }

    /// `POST /checkouts/preview`: the provider's estimate for a checkout, creating nothing
    /// (the same as [`BillingProvider::estimate_checkout`]).
    pub async fn preview_checkout(&self, request: &CheckoutRequest) -> Result<Estimate> {
        let body = self.checkout_body(request).await?;
        self.preview(&body).await
    }

    async fn preview(&self, body: &wire::CheckoutCreateRequest) -> Result<Estimate> {
        let resp: wire::PreviewResponse = self.send_json(Method::POST, "checkouts/preview", body).await?;
        let effective = body.start_date.as_deref().and_then(map::parse_date).or_else(|| Some(Utc::now().date_naive()));
        map::estimate(&resp.estimates, effective)?
            .ok_or_else(|| ProviderError::new(ZENSKAR, ErrorKind::Decode, "the checkout preview carried no estimates"))
    }

    /// `POST /checkouts/{id}/confirm`: creates the contract (or applies an amendment) once the
    /// checkout is pending or paid; returns the checkout as it then is.
    pub async fn confirm_checkout(&self, id: &str) -> Result<CheckoutSession> {
        let path = format!("checkouts/{}/confirm", encode(id)?);
        let _: wire::ConfirmResponse = self.send_json(Method::POST, &path, &wire::ConfirmRequest::default()).await?;
        self.get_checkout(id).await
    }

    /// A customer's invoices and credit notes, newest first (`GET /invoices?customer_id=`,
    /// `GET /credit_notes?customer_id=`): a plan change's credit is a credit note, so without
    /// them the credit a preview promised would be nowhere to be seen.
    pub async fn list_invoices(&self, customer_id: &str) -> Result<Vec<InvoiceSummary>> {
        let uuid = self.customer_uuid(customer_id).await?;
        let query = [("customer_id", uuid.clone())];
        let (rows, notes): (Vec<wire::Invoice>, Vec<wire::CreditNote>) =
            futures::try_join!(self.get_all("invoices", &query), self.get_all("credit_notes", &query))?;
        let invoices = rows.into_iter().map(map::invoice_summary).collect::<Result<Vec<_>>>()?;
        // The filter is inferred for credit notes: another customer's are never listed here.
        let notes = notes
            .into_iter()
            .filter(|n| n.customer_id.as_deref().is_none_or(|c| c == uuid))
            .map(map::credit_note_summary)
            .collect();
        Ok(map::merge_documents(invoices, notes))
    }

    /// The amendment checkout for a plan change: `contract_id` + `plan_id` + overrides.
    async fn amendment_body(&self, id: &str, change: &PlanChange) -> Result<wire::CheckoutCreateRequest> {
        if change.timing == ChangeTiming::Auto {
            return Err(auto_unsupported());
        }
        let plan_id = change.price_id.clone().filter(|p| !p.is_empty()).unwrap_or_else(|| change.plan_id.clone());
        let (plan, contract) = futures::try_join!(self.plan(&plan_id), self.contract(id))?;
        let plan_period = map::plan(plan.clone())?.and_then(|p| p.prices.first().map(|pr| pr.period));
        if plan_period.is_some_and(|p| p != change.period) {
            return Err(ProviderError::invalid(
                ZENSKAR,
                format!(
                    "plan {plan_id} is billed {}, not {}",
                    plan_period.map(|p| p.label()).unwrap_or_default(),
                    change.period.label()
                ),
            ));
        }
        let start_date = match change.timing {
            ChangeTiming::Immediately => None,
            ChangeTiming::AtPeriodEnd => Some(map::format_date(period_end(&contract)?)),
            ChangeTiming::Auto => return Err(auto_unsupported()),
        };
        Ok(wire::CheckoutCreateRequest {
            contract_id: Some(id.to_string()),
            plan_id: Some(plan_id),
            start_date,
            product_overrides: Some(checkout::product_overrides(&plan, &change.features)?),
            ..Default::default()
        })
    }
}

fn auto_unsupported() -> ProviderError {
    ProviderError::unsupported(ZENSKAR, "choosing the change timing automatically")
}

/// Percent-encodes one path segment.
fn encode(segment: &str) -> Result<String> {
    crate::providers::path_segment(ZENSKAR, segment)
}

/// The `expiry_date` that ends a contract with its billing period ending (exclusive) on
/// `period_end`: Zenskar documents the expiry date as the last day the contract runs
/// ("taking effect at 23:59:59.999999" that day), so it is the day before. The preview
/// (`ops::subscriptions::cancel_end`) and the request both use this one rule.
pub fn expiry_for_period_end(period_end: NaiveDate) -> NaiveDate {
    map::day_before(period_end)
}

/// The end (exclusive) of the contract's current billing period.
fn period_end(contract: &wire::Contract) -> Result<NaiveDate> {
    let sub = map::subscription(contract.clone(), Utc::now().date_naive())?;
    sub.current_period_end.map(|d| d.date_naive()).ok_or_else(|| {
        ProviderError::invalid(ZENSKAR, format!("contract {} has no recurring billing period to end", contract.id))
    })
}

#[async_trait]
impl BillingProvider for ZenskarClient {
    fn kind(&self) -> ProviderKind {
        ZENSKAR
    }

    /// Only the portal: `GET /payments` and `POST /payments/{id}/refund` are named in the
    /// docs' index but no field of a payment or a refund is documented (provider notes).
    fn actions(&self) -> super::Actions {
        super::Actions { portal_link: true, payment_methods: true, ..super::Actions::default() }
    }

    async fn list_payment_methods(&self, customer_id: &str) -> Result<Vec<crate::billing::payments::PaymentMethod>> {
        self.payment_methods_of(customer_id).await
    }

    async fn portal_link(
        &self,
        customer_id: &str,
        return_url: Option<&str>,
    ) -> Result<crate::billing::payments::PortalLink> {
        self.portal(customer_id, return_url).await
    }

    fn account(&self) -> String {
        self.endpoint.account_label(self.kind())
    }

    fn capabilities(&self) -> Capabilities {
        Capabilities {
            list_customers: true,
            search_customers: true, // name or email `__ilike` filters, not free text across fields
            get_customer: true,
            create_customer: true,
            derived_customers: false,
            plans: true,
            subscriptions: true,
            change_plan: true, // checkout amendment; documented as "coming soon" for the portal
            change_interval: true,
            native_change_preview: true,
            cancel: true,
            cancel_at_period_end: true, // till computes the period end and expires on its last day
            cancel_on_date: true,
            uncancel: false,
            cancel_scheduled_change: false,
            entitlements: true,
            checkout_create: true,
            checkout_get: true,
            checkout_list: false,
            native_checkout_estimate: true,
            invoices: true,
            idempotency_keys: false, // only usage ingestion honours Idempotency-Key
        }
    }

    async fn list_customers(&self, page: &PageRequest) -> Result<Page<Customer>> {
        let mut q = vec![("limit", page.limit.clamp(1, MAX_PAGE).to_string())];
        if let Some(c) = page.cursor.as_deref().filter(|c| !c.is_empty()) {
            q.push(("cursor", c.to_string()));
        }
        if let Some(s) = page.search.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
            q.push(search_filter(s));
        }
        let body: wire::Page<Box<serde_json::value::RawValue>> = self.get("customers", &q).await?;
        let next_cursor = body.next.filter(|n| !n.is_empty());
        paging::check_page(ZENSKAR, "customers", page.cursor.as_deref(), body.results.len(), next_cursor.as_deref())?;
        // Each row on its own: one customer in a shape that breaks the schema is listed, marked.
        let keys = decode::CustomerKeys { id: "id", name: "customer_name", email: "email" };
        let items = body
            .results
            .iter()
            .enumerate()
            .map(|(i, row)| decode::customer_row_raw(ZENSKAR, ("data", i), row.get(), &keys, map::customer))
            .collect();
        Ok(Page { next_cursor, total: body.total, items })
    }

    async fn get_customer(&self, id: &str) -> Result<Customer> {
        if map::is_uuid(id) {
            let c: wire::Customer = self.get(&format!("customers/{}", encode(id)?), &[]).await?;
            return Ok(map::customer(c));
        }
        let q = [("external_id", id.to_string()), ("limit", "1".to_string())];
        let page: wire::Page<wire::Customer> = self.get("customers", &q).await?;
        page.results.into_iter().next().map(map::customer).ok_or_else(|| {
            let mut e = ProviderError::new(ZENSKAR, ErrorKind::Http, format!("no customer with external_id {id:?}"));
            e.status = Some(404);
            e
        })
    }

    async fn create_customer(&self, customer: &NewCustomer) -> Result<Customer> {
        let custom_data = (!customer.metadata.is_empty()).then(|| {
            customer.metadata.iter().map(|(k, v)| (k.clone(), serde_json::Value::String(v.clone()))).collect()
        });
        let body = wire::CustomerCreateRequest {
            // customer_name is required; the id stands in when no name is given.
            customer_name: customer
                .name
                .clone()
                .filter(|n| !n.trim().is_empty())
                .unwrap_or_else(|| customer.id.clone()),
            external_id: Some(customer.id.clone()).filter(|i| !i.is_empty()),
            email: customer.email.clone(),
            custom_data,
            ..Default::default()
        };
        let created: wire::Customer = self.send_json(Method::POST, "customers", &body).await?;
        Ok(map::customer(created))
    }

    /// `PATCH /customers/{uuid}` (documented: a partial update, the create body's fields).
    async fn update_customer(&self, id: &str, update: &crate::billing::CustomerUpdate) -> Result<Customer> {
        let custom_data = update
            .metadata
            .as_ref()
            .map(|m| m.iter().map(|(k, v)| (k.clone(), serde_json::Value::String(v.clone()))).collect());
        let body = wire::CustomerUpdateRequest {
            customer_name: update.name.clone(),
            email: update.email.clone(),
            phone_number: None,
            custom_data,
        };
        let uuid = self.customer_uuid(id).await?;
        let updated: wire::Customer =
            self.send_json(Method::PATCH, &format!("customers/{}", encode(&uuid)?), &body).await?;
        Ok(map::customer(updated))
    }

    async fn list_plans(&self) -> Result<Vec<Plan>> {
        let raw: Vec<wire::Plan> = self.get_all("plans", &[]).await?;
        // A plan that cannot be decoded stays in the list, marked (see RowIssue).
        Ok(raw
            .into_iter()
            .filter_map(|p| {
                let (id, name) = (p.id.clone(), p.name.clone());
                map::plan(p)
                    .unwrap_or_else(|e| Some(Plan::undecodable(ZENSKAR, id, name, RowIssue::new("plan", e.message))))
            })
            .collect())
    }

    async fn list_subscriptions(&self, customer_id: &str) -> Result<Vec<Subscription>> {
        let uuid = self.customer_uuid(customer_id).await?;
        let raw: Vec<wire::Contract> = self.get_all("contract_v2", &[("customer_id", uuid)]).await?;
        let today = Utc::now().date_naive();
        Ok(raw
            .into_iter()
            .map(|c| {
                let (id, status) = (c.id.clone(), c.status.clone());
                map::subscription(c, today).unwrap_or_else(|e| {
                    let issue = RowIssue::new("subscription", e.message);
                    Subscription::undecodable(ZENSKAR, id, customer_id.to_string(), status, issue)
                })
            })
            .collect())
    }

    async fn get_subscription(&self, id: &str) -> Result<Subscription> {
        map::subscription(self.contract(id).await?, Utc::now().date_naive())
    }

    async fn change_plan(&self, id: &str, change: &PlanChange) -> Result<Subscription> {
        let body = self.amendment_body(id, change).await?;
        let created: wire::Checkout = self.send_json(Method::POST, "checkouts", &body).await?;
        let path = format!("checkouts/{}/confirm", encode(&created.id)?);
        let confirmed: wire::ConfirmResponse =
            self.send_json(Method::POST, &path, &wire::ConfirmRequest::default()).await?;
        self.get_subscription(confirmed.contract_id.as_deref().unwrap_or(id)).await
    }

    /// An amendment starts today (no `start_date`) or on a chosen date, which till sets to the
    /// end of the current period; Zenskar has no automatic timing.
    fn change_timings(&self) -> Vec<ChangeTiming> {
        vec![ChangeTiming::Immediately, ChangeTiming::AtPeriodEnd]
    }

    async fn preview_change(&self, id: &str, change: &PlanChange) -> Result<Estimate> {
        let body = self.amendment_body(id, change).await?;
        self.preview(&body).await
    }

    async fn cancel_subscription(&self, id: &str, cancellation: &Cancellation) -> Result<Subscription> {
        // The expiry date is inclusive (the contract runs until 23:59:59 that day).
        let expiry_date = match cancellation.timing {
            CancelTiming::Immediately => None,
            CancelTiming::OnDate(d) => Some(d),
            CancelTiming::AtPeriodEnd => Some(expiry_for_period_end(period_end(&self.contract(id).await?)?)),
        };
        let body = wire::ExpireRequest { expiry_date: expiry_date.map(map::format_date) };
        let _: serde_json::Value =
            self.send_json(Method::PATCH, &format!("contract_v2/{}/expire", encode(id)?), &body).await?;
        self.get_subscription(id).await
    }

    async fn list_invoices(&self, customer_id: &str) -> Result<Vec<crate::billing::InvoiceRecord>> {
        let rows = ZenskarClient::list_invoices(self, customer_id).await?;
        Ok(rows
            .into_iter()
            .map(|i| crate::billing::InvoiceRecord {
                issues: i.issues,
                provider: ProviderKind::Zenskar,
                id: i.id,
                number: i.number,
                customer_id: i.customer_id,
                subscription_id: i.contract_id,
                // A void (or discarded) invoice owes nothing, whatever `amount_due` it kept.
                amount_due: crate::billing::amount_due(&i.status, i.total, i.amount_due),
                status: i.status,
                total: i.total,
                issued_on: i.period_start,
                due_on: i.due_on,
                url: i.url,
            })
            .collect())
    }

    async fn entitlements(&self, customer_id: &str) -> Result<Vec<Entitlement>> {
        let uuid = self.customer_uuid(customer_id).await?;
        let rows = self.get_all(&format!("entitlements/customer/unique/{}", encode(&uuid)?), &[]).await?;
        Ok(map::entitlements(rows))
    }

    async fn create_checkout(&self, request: &CheckoutRequest) -> Result<CheckoutSession> {
        let created: wire::Checkout =
            self.http.send(self.checkout_request("checkouts", request).await?).await?.json()?;
        map::checkout(created)
    }

    async fn checkout_preview(&self, request: &CheckoutRequest) -> Result<RequestPreview> {
        Ok(self.checkout_request("checkouts", request).await?.preview())
    }

    /// Zenskar's own estimate: `POST /checkouts/preview` with the body create would send.
    async fn estimate_checkout(&self, request: &CheckoutRequest) -> Result<Estimate> {
        self.preview_checkout(request).await
    }

    async fn get_checkout(&self, id: &str) -> Result<CheckoutSession> {
        let raw: wire::Checkout = self.get(&format!("checkouts/{}", encode(id)?), &[]).await?;
        map::checkout(raw)
    }

    fn bulk_subscriptions(&self) -> bool {
        true
    }

    async fn list_subscriptions_page(&self, page: &PageRequest) -> Result<Page<Subscription>> {
        self.contracts_page(page, &[]).await
    }

    fn subscriptions_batch(&self) -> usize {
        contracts::CUSTOMERS_PER_REQUEST
    }

    async fn list_subscriptions_of(&self, customer_ids: &[String], page: &PageRequest) -> Result<Page<Subscription>> {
        self.contracts_page(page, customer_ids).await
    }
}

/// Zenskar's `search` takes `field=value`, not free text: a UUID filters by id, text with `@`
/// by email, anything else by name, each case-insensitively and as a substring.
fn search_filter(text: &str) -> (&'static str, String) {
    if map::is_uuid(text) {
        ("id", text.to_string())
    } else if text.contains('@') {
        ("email__ilike", format!("%{text}%"))
    } else {
        ("customer_name__ilike", format!("%{text}%"))
    }
}
