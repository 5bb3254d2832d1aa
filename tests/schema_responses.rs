//! Responses generated from the official Kelviq and Flowglad specs' JSON Schemas, for every
//! operation till uses, decoded through the client's own decoding path (`ApiResponse::json`,
//! then the provider's `map` functions, exactly as the clients call them).
//!
//! Asserted for every body: no panic; every rejection (a decode error, a mapping error or a
//! row marked undecodable) names its JSON path; and a rejection happens only for one of the
//! contract violations till documents (README, provider notes) — anything else is a bug in
//! till. The seed is printed; set `TILL_SCHEMA_SEED` to replay a failure.

#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a panic is the failure report

#[path = "support/schema_gen.rs"]
mod schema_gen;

use std::collections::BTreeMap;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::{Path, PathBuf};

use bytes::Bytes;
use chrono::Utc;
use reqwest::header::HeaderMap;
use schema_gen::{Generator, response_schema};
use serde_json::Value;
use till::billing::{Currency, ProviderKind, RowIssue};
use till::providers::http::ApiResponse;
use till::providers::{ProviderError, flowglad, kelviq};

/// Bodies per operation.
const BODIES: usize = 300;
const DEFAULT_SEED: u64 = 0x7111_5EED;

/// The contract violations till refuses on purpose, each a documented limit (README "Provider
/// notes"). A rejection whose reason is not one of these fails the test.
const DOCUMENTED: [(&str, &str); 3] = [
    // decode::count_number: a count the spec types `number`, sent with a fraction or negative.
    ("a count must be a whole number", "a count with a fraction is no count"),
    // decode::fit_u32: a count the spec leaves unbounded, beyond what a schedule can hold.
    ("beyond the 4294967295 till can schedule", "a count beyond u32 cannot be scheduled"),
    // kelviq::map::flat_amount: a plan charge whose price model has no flat amount.
    ("without an amount cannot be priced", "a plan charge without an amount would be shown as free"),
];

/// Fields without which till cannot use a row at all: the identity it addresses the row by,
/// or what a price means. The specs mark few or no response fields required (Kelviq's none),
/// so a body may leave them out; till then refuses the row, naming the field.
const IDENTITY: [(&str, &str); 12] = [
    ("id", "the row's identity (subscriptions, sessions, prices, customers)"),
    ("customerId", "Kelviq customers are addressed by their customerId"),
    ("externalId", "Flowglad customers are addressed by their externalId"),
    ("identifier", "Kelviq plans and features are addressed by their identifier"),
    ("feature", "a plan entitlement without its feature grants nothing nameable"),
    ("featureId", "an entitlement without its feature grants nothing nameable"),
    ("currency", "an amount without its currency cannot be read as money"),
    ("chargePeriod", "a price without its period cannot be charged"),
    ("checkoutUrl", "a created checkout without its URL cannot be paid"),
    ("checkoutSessionId", "a created checkout without its id cannot be followed"),
    ("checkoutSession", "the created or read checkout itself"),
    ("subscription", "the subscription the response is about"),
];

/// The documented reason a rejection matched, for the summary.
fn reason_of(message: &str) -> String {
    if let Some((needle, _)) = DOCUMENTED.iter().find(|(needle, _)| message.contains(needle)) {
        return (*needle).to_string();
    }
    match IDENTITY.iter().find(|(field, _)| message.contains(&format!("missing field `{field}`"))) {
        Some((field, _)) => format!("missing {field}"),
        None => "undocumented".to_string(),
    }
}

fn is_documented(message: &str) -> bool {
    DOCUMENTED.iter().any(|(needle, _)| message.contains(needle))
        || IDENTITY.iter().any(|(field, _)| message.contains(&format!("missing field `{field}`")))
}

#[derive(Debug)]
struct Rejection {
    path: String,
    message: String,
}

type Decode = fn(&ApiResponse) -> Result<Vec<RowIssue>, ProviderError>;

fn response(provider: ProviderKind, body: &Value) -> ApiResponse {
    ApiResponse {
        provider,
        status: 200,
        headers: HeaderMap::new(),
        body: Bytes::from(serde_json::to_vec(body).unwrap()),
        request_id: None,
    }
}

fn seed() -> u64 {
    std::env::var("TILL_SCHEMA_SEED").ok().and_then(|s| s.trim().parse().ok()).unwrap_or(DEFAULT_SEED)
}

fn spec(provider: &str) -> Option<Value> {
    let dir = match std::env::var_os("TILL_SPECS_DIR") {
        Some(dir) if !dir.is_empty() => PathBuf::from(dir),
        _ => Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/specs"),
    };
    let path = dir.join(provider).join("openapi.json");
    if !path.is_file() {
        assert!(std::env::var("CI").as_deref() != Ok("true"), "spec not found at {}", path.display());
        eprintln!("skipped: spec not found at {}", path.display());
        return None;
    }
    Some(serde_json::from_slice(&std::fs::read(&path).unwrap()).unwrap())
}

/// A decode error names its path as `unexpected response body at <path>: …`; anything else
/// (a mapping error) must say which field it is about as `<field>: …` or `at <field>`.
fn rejection_of(e: &ProviderError) -> Rejection {
    let text = e.message.as_str();
    let path = match text.strip_prefix("unexpected response body at ") {
        Some(rest) => rest.split(": ").next().unwrap_or("").to_string(),
        None => e.field_errors.first().map(|f| f.field.clone()).unwrap_or_default(),
    };
    Rejection { path, message: text.to_string() }
}

/// Failures grouped by kind (operation, path without indexes, message without numbers), each
/// with its count and first example, so one bug reads as one line.
#[derive(Default)]
struct Failures(BTreeMap<String, (usize, String)>);

impl Failures {
    fn push(&mut self, kind: String, example: String) {
        let kind: String = kind.chars().filter(|c| !c.is_ascii_digit()).take(160).collect();
        let entry = self.0.entry(kind).or_insert_with(|| (0, example.chars().take(600).collect()));
        entry.0 += 1;
    }
}

/// Runs every operation of one provider; returns the failures (with the seed to replay them).
fn run(provider: ProviderKind, doc: &Value, ops: &[(&str, &str, &str, Decode)], seed: u64) -> Failures {
    let mut failures = Failures::default();
    let mut rejected = BTreeMap::<String, usize>::new();
    for (index, (method, path, status, decode)) in ops.iter().enumerate() {
        let schema = response_schema(doc, method, path, status)
            .unwrap_or_else(|| panic!("{provider}: no {status} JSON response for {method} {path} in the spec"));
        let identity: Vec<&str> = IDENTITY.iter().map(|(field, _)| *field).collect();
        let mut generator = Generator::new(doc, seed.wrapping_add(index as u64)).with_identity(&identity);
        let started = std::time::Instant::now();
        for n in 0..BODIES {
            let body = generator.body(schema);
            let resp = response(provider, &body);
            if std::env::var_os("TILL_SCHEMA_GEN_ONLY").is_some() {
                continue;
            }
            let outcome = catch_unwind(AssertUnwindSafe(|| decode(&resp)));
            let rejections = match outcome {
                Err(_) => {
                    failures.push(format!("{method} {path} panicked"), format!("body #{n}: {body}"));
                    continue;
                }
                Ok(Ok(issues)) => issues.into_iter().map(|i| Rejection { path: i.path, message: i.message }).collect(),
                Ok(Err(e)) => vec![rejection_of(&e)],
            };
            for r in rejections {
                let documented = is_documented(&r.message);
                *rejected.entry(reason_of(&r.message)).or_default() += 1;
                if r.path.is_empty() || r.path == "." {
                    failures.push(format!("{method} {path}: no path: {}", r.message), format!("body #{n}: {body}"));
                } else if !documented {
                    let example = format!("body #{n}: {} — {}\n    {body}", r.path, r.message);
                    failures.push(format!("{method} {path}: {} — {}", r.path, r.message), example);
                }
            }
        }
        if std::env::var_os("TILL_SCHEMA_TIMING").is_some() {
            eprintln!("{method} {path}: {:?}", started.elapsed());
        }
    }
    let total = ops.len() * BODIES;
    eprintln!("{provider}: {} operations × {BODIES} bodies = {total}; rejections by reason: {rejected:?}", ops.len());
    failures
}

fn report(provider: ProviderKind, failures: &Failures, seed: u64) {
    let lines: Vec<String> =
        failures.0.iter().map(|(kind, (count, example))| format!("{count} × {kind}\n  e.g. {example}")).collect();
    assert!(
        lines.is_empty(),
        "{provider}: {} kinds of failure with seed {seed} (replay: TILL_SCHEMA_SEED={seed}):\n{}",
        lines.len(),
        lines.join("\n")
    );
}

mod kelviq_ops {
    use super::*;
    use kelviq::{map, wire};

    pub fn customers(r: &ApiResponse) -> Result<Vec<RowIssue>, ProviderError> {
        r.json::<wire::Paginated<wire::CustomerResponse>>()?.results.into_iter().for_each(|c| drop(map::customer(c)));
        Ok(Vec::new())
    }
    pub fn customer(r: &ApiResponse) -> Result<Vec<RowIssue>, ProviderError> {
        drop(map::customer(r.json::<wire::CustomerResponse>()?));
        Ok(Vec::new())
    }
    pub fn plans(r: &ApiResponse) -> Result<Vec<RowIssue>, ProviderError> {
        let page = r.json::<wire::Paginated<wire::CatalogPlan>>()?;
        Ok(page.results.into_iter().flat_map(|p| map::plan(p, Vec::new(), Vec::new(), Vec::new()).issues).collect())
    }
    pub fn prices(r: &ApiResponse) -> Result<Vec<RowIssue>, ProviderError> {
        Ok(map::prices(&r.json::<wire::Paginated<wire::PlanPrice>>()?.results).1)
    }
    pub fn features(r: &ApiResponse) -> Result<Vec<RowIssue>, ProviderError> {
        r.json::<wire::Paginated<wire::PlanFeatureEntitlement>>()?
            .results
            .iter()
            .for_each(|f| drop(map::plan_feature(f)));
        Ok(Vec::new())
    }
    pub fn checkout_created(r: &ApiResponse) -> Result<Vec<RowIssue>, ProviderError> {
        r.json::<wire::CreateCheckoutSessionResponse>().map(|_| Vec::new())
    }
    pub fn checkout(r: &ApiResponse) -> Result<Vec<RowIssue>, ProviderError> {
        r.json::<wire::CheckoutSessionDetail>().map(|_| Vec::new())
    }
    /// As `list_subscriptions` does: a row that cannot be mapped stays, marked.
    pub fn subscriptions(r: &ApiResponse) -> Result<Vec<RowIssue>, ProviderError> {
        let page = r.json::<wire::Paginated<wire::Subscription>>()?;
        let mut issues = Vec::new();
        for s in page.results {
            match map::subscription(s) {
                Ok(s) => issues.extend(s.issues),
                Err(e) => issues.push(RowIssue::new(rejection_of(&e).path, e.message)),
            }
        }
        Ok(issues)
    }
    pub fn subscription(r: &ApiResponse) -> Result<Vec<RowIssue>, ProviderError> {
        Ok(map::subscription(r.json::<wire::Subscription>()?)?.issues)
    }
    pub fn updated(r: &ApiResponse) -> Result<Vec<RowIssue>, ProviderError> {
        r.json::<wire::UpdateSubscriptionResponse>().map(|_| Vec::new())
    }
    pub fn message(r: &ApiResponse) -> Result<Vec<RowIssue>, ProviderError> {
        r.json::<wire::MessageResponse>().map(|_| Vec::new())
    }
    pub fn entitlements(r: &ApiResponse) -> Result<Vec<RowIssue>, ProviderError> {
        drop(map::entitlements(r.json::<wire::CheckEntitlementsResponse>()?.entitlements, &BTreeMap::new()));
        Ok(Vec::new())
    }
}

#[test]
fn kelviq_responses_generated_from_the_spec_decode() {
    use kelviq_ops as k;
    let Some(doc) = spec("kelviq") else { return };
    let seed = seed();
    eprintln!("schema_responses: seed {seed} (set TILL_SCHEMA_SEED to replay)");
    let ops: [(&str, &str, &str, Decode); 13] = [
        ("GET", "/customers/", "200", k::customers),
        ("POST", "/customers/", "201", k::customer),
        ("PATCH", "/customers/{customerId}/", "200", k::customer),
        ("GET", "/catalog/plans/", "200", k::plans),
        ("GET", "/catalog/plans/{identifier}/prices/", "200", k::prices),
        ("GET", "/catalog/plans/{identifier}/features/", "200", k::features),
        ("POST", "/checkout/", "201", k::checkout_created),
        ("GET", "/checkout/sessions/{session_id}/", "200", k::checkout),
        ("GET", "/subscriptions/", "200", k::subscriptions),
        ("GET", "/subscriptions/{subscriptionId}/", "200", k::subscription),
        ("POST", "/subscriptions/{subscriptionId}/update/", "200", k::updated),
        ("POST", "/subscriptions/{subscriptionId}/cancel/", "200", k::message),
        ("GET", "/entitlements/", "200", k::entitlements),
    ];
    let failures = run(ProviderKind::Kelviq, &doc, &ops, seed);
    report(ProviderKind::Kelviq, &failures, seed);
}

mod flowglad_ops {
    use super::*;
    use flowglad::map::{self, Catalog};
    use flowglad::{entitle, wire};

    fn empty_catalog() -> Catalog {
        Catalog::new(wire::PricingModelDetails::default(), Vec::new())
    }

    fn subscription_issues(
        s: &wire::Subscription,
        items: Option<&[wire::SubscriptionItem]>,
        catalog: &Catalog,
    ) -> Vec<RowIssue> {
        match map::subscription(s, items, catalog, "cus_1".into(), Utc::now()) {
            Ok(s) => s.issues,
            Err(e) => vec![RowIssue::new(rejection_of(&e).path, e.message)],
        }
    }

    pub fn customers(r: &ApiResponse) -> Result<Vec<RowIssue>, ProviderError> {
        r.json::<wire::Page<wire::Customer>>()?.data.into_iter().for_each(|c| drop(map::customer(c)));
        Ok(Vec::new())
    }
    pub fn created(r: &ApiResponse) -> Result<Vec<RowIssue>, ProviderError> {
        drop(map::customer(r.json::<wire::CustomerCreateResponse>()?.data.customer));
        Ok(Vec::new())
    }
    pub fn customer(r: &ApiResponse) -> Result<Vec<RowIssue>, ProviderError> {
        drop(map::customer(r.json::<wire::CustomerResponse>()?.customer));
        Ok(Vec::new())
    }
    /// As `list_subscriptions`, `list_invoices` and `entitlements` read the billing body.
    pub fn billing(r: &ApiResponse) -> Result<Vec<RowIssue>, ProviderError> {
        let billing = r.json::<wire::Billing>()?;
        let model = billing.catalog.clone().or(billing.pricing_model.clone()).unwrap_or_default();
        let catalog = Catalog::new(model, Vec::new());
        let mut issues = Vec::new();
        for d in &billing.subscriptions {
            issues.extend(subscription_issues(&d.subscription, Some(&d.subscription_items), &catalog));
        }
        for i in billing.invoices.clone() {
            match map::invoice(i, "cus_1") {
                Ok(inv) => issues.extend(inv.issues),
                Err(e) => issues.push(RowIssue::new(rejection_of(&e).path, e.message)),
            }
        }
        drop(entitle::entitlements(&billing, &catalog));
        Ok(issues)
    }
    pub fn pricing_models(r: &ApiResponse) -> Result<Vec<RowIssue>, ProviderError> {
        r.json::<wire::Page<wire::PricingModel>>().map(|_| Vec::new())
    }
    pub fn pricing_model(r: &ApiResponse) -> Result<Vec<RowIssue>, ProviderError> {
        let model = r.json::<wire::PricingModelResponse>()?.pricing_model;
        Ok(Catalog::new(model, Vec::new()).plans()?.into_iter().flat_map(|p| p.issues).collect())
    }
    pub fn resources(r: &ApiResponse) -> Result<Vec<RowIssue>, ProviderError> {
        r.json::<wire::ResourcesResponse>().map(|_| Vec::new())
    }
    pub fn subscription(r: &ApiResponse) -> Result<Vec<RowIssue>, ProviderError> {
        Ok(subscription_issues(&r.json::<wire::SubscriptionResponse>()?.subscription, None, &empty_catalog()))
    }
    pub fn adjusted(r: &ApiResponse) -> Result<Vec<RowIssue>, ProviderError> {
        let a = r.json::<wire::AdjustResponse>()?;
        Ok(subscription_issues(&a.subscription, Some(&a.subscription_items), &empty_catalog()))
    }
    /// `canAdjust: false` is Flowglad's answer, not a body till failed to read: the client
    /// must report it as such.
    pub fn preview(r: &ApiResponse) -> Result<Vec<RowIssue>, ProviderError> {
        let preview = r.json::<wire::PreviewAdjustResponse>()?;
        match map::preview_estimate(&preview, Currency::from_code("USD").unwrap()) {
            Err(e) if !preview.can_adjust => {
                assert!(e.message.starts_with("Flowglad cannot make this change"), "{e}");
                Ok(Vec::new())
            }
            other => other.map(|_| Vec::new()),
        }
    }
    pub fn checkout(r: &ApiResponse) -> Result<Vec<RowIssue>, ProviderError> {
        drop(map::checkout(r.json::<wire::CheckoutSessionResponse>()?, None));
        Ok(Vec::new())
    }
}

#[test]
fn flowglad_responses_generated_from_the_spec_decode() {
    use flowglad_ops as f;
    let Some(doc) = spec("flowglad") else { return };
    let seed = seed();
    eprintln!("schema_responses: seed {seed} (set TILL_SCHEMA_SEED to replay)");
    let ops: [(&str, &str, &str, Decode); 15] = [
        ("GET", "/api/v1/customers", "200", f::customers),
        ("POST", "/api/v1/customers", "200", f::created),
        ("GET", "/api/v1/customers/{externalId}", "200", f::customer),
        ("PUT", "/api/v1/customers/{externalId}", "200", f::customer),
        ("GET", "/api/v1/customers/{externalId}/billing", "200", f::billing),
        ("GET", "/api/v1/pricing-models", "200", f::pricing_models),
        ("GET", "/api/v1/pricing-models/{id}", "200", f::pricing_model),
        ("GET", "/api/v1/resources", "200", f::resources),
        ("GET", "/api/v1/subscriptions/{id}", "200", f::subscription),
        ("POST", "/api/v1/subscriptions/{id}/adjust", "200", f::adjusted),
        ("POST", "/api/v1/subscriptions/{id}/preview-adjust", "200", f::preview),
        ("POST", "/api/v1/subscriptions/{id}/cancel", "200", f::subscription),
        ("POST", "/api/v1/subscriptions/{id}/uncancel", "200", f::subscription),
        ("POST", "/api/v1/checkout-sessions", "200", f::checkout),
        ("GET", "/api/v1/checkout-sessions/{id}", "200", f::checkout),
    ];
    let failures = run(ProviderKind::Flowglad, &doc, &ops, seed);
    report(ProviderKind::Flowglad, &failures, seed);
}
