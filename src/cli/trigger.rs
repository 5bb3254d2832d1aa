//! `till trigger EVENT [--provider P] [--customer ID]`: makes the API calls (and clock moves)
//! that cause EVENT in the running sandbox, so an app listening (`till listen`) receives the
//! real sequence of events, not a canned body. `till trigger --list` shows what each provider
//! can trigger.

use clap::Args;
use serde_json::{Value, json};

use super::common::{ExitCode, Failure, emit, failure};
use crate::billing::payments::{UsageMode, UsageReport};
use crate::billing::{
    CancelTiming, Cancellation, ChangeTiming, ChargePeriod, CheckoutRequest, CustomerUpdate, EntitlementKind,
    NewCustomer, PlanChange, PriceKind,
};
use crate::billing::{Plan, ProviderKind};
use crate::providers::{self, BillingProvider, Http, HttpConfig, PageRequest};

#[derive(Debug, Args)]
pub struct TriggerArgs {
    /// The event to cause, e.g. checkout.completed, invoice.payment_failed (see --list).
    pub event: Option<String>,
    /// Show what each provider can trigger.
    #[arg(long)]
    pub list: bool,
    /// The customer to use (default: the first listed; Flowglad/Kelviq checkouts for a new one otherwise).
    #[arg(long)]
    pub customer: Option<String>,
    /// The sandbox to use (its admin token in TILL_SANDBOX_TOKEN); by default the one
    /// `till sandbox serve` recorded.
    #[arg(long)]
    pub sandbox: Option<url::Url>,
}

/// The sequence of calls that causes an event.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Recipe {
    /// A checkout paid on the hosted page with 4242 4242 4242 4242.
    Checkout,
    /// A checkout paid with 4000 0000 0000 0341, then the clock a month on: the renewal fails.
    Decline,
    /// A checkout paid, then its subscription cancelled at once.
    Cancel,
    /// A checkout paid, then its subscription cancelled at the period end.
    CancelLater,
    NewCustomer,
    UpdateCustomer,
    /// A checkout paid, then its subscription moved to another monthly plan through the API.
    PlanChange,
    /// A checkout paid, then a usage report filling a metered allowance (80% and 100%).
    UsageAlert,
}

const TRIGGERS: &[(ProviderKind, &str, Recipe)] = {
    use ProviderKind::{Flowglad, Kelviq, KuvarPay, Zenskar};
    use Recipe::{Cancel, CancelLater, Checkout, Decline, NewCustomer, PlanChange, UpdateCustomer, UsageAlert};
    &[
        (Kelviq, "checkout.completed", Checkout),
        (Kelviq, "subscription.created", Checkout),
        (Kelviq, "order.created", Checkout),
        (Kelviq, "payment_method.created", Checkout),
        (Kelviq, "invoice.created", Checkout),
        (Kelviq, "invoice.paid", Checkout),
        (Kelviq, "invoice.payment_failed", Decline),
        (Kelviq, "subscription.updated", CancelLater),
        (Kelviq, "subscription.cancelled", Cancel),
        (Kelviq, "subscription.plan_changed", PlanChange),
        (Kelviq, "feature.usage_alert", UsageAlert),
        (Kelviq, "customer.created", NewCustomer),
        (Kelviq, "customer.updated", UpdateCustomer),
        (Flowglad, "purchase.completed", Checkout),
        (Flowglad, "subscription.created", Checkout),
        (Flowglad, "payment.succeeded", Checkout),
        (Flowglad, "payment.failed", Decline),
        (Flowglad, "subscription.updated", PlanChange),
        (Flowglad, "subscription.canceled", Cancel),
        (Flowglad, "customer.created", NewCustomer),
        (Flowglad, "customer.updated", UpdateCustomer),
        (KuvarPay, "checkout_session.completed", Checkout),
        (KuvarPay, "subscription.created", Checkout),
        (KuvarPay, "payment.completed", Checkout),
        (KuvarPay, "payment.failed", Decline),
        (KuvarPay, "subscription.updated", PlanChange),
        (KuvarPay, "subscription.canceled", Cancel),
        (Zenskar, "checkout.completed", Checkout),
        (Zenskar, "contract.created", Checkout),
        (Zenskar, "contract.updated", PlanChange),
        (Zenskar, "payment.failed", Decline),
        (Zenskar, "customer.created", NewCustomer),
        (Zenskar, "customer.updated", UpdateCustomer),
    ]
};

fn list_text() -> String {
    let rows: Vec<Vec<String>> =
        TRIGGERS.iter().map(|(p, e, r)| vec![p.slug().to_string(), e.to_string(), how(*r).to_string()]).collect();
    super::table::render(&["PROVIDER", "EVENT", "HOW"], &rows)
}

fn how(r: Recipe) -> &'static str {
    match r {
        Recipe::Checkout => "a checkout paid on the hosted page",
        Recipe::Decline => "a checkout paid with the 0341 card, then the clock +1M (the renewal is declined)",
        Recipe::Cancel => "a checkout paid, then its subscription cancelled at once",
        Recipe::CancelLater => "a checkout paid, then its subscription cancelled at the period end",
        Recipe::NewCustomer => "a customer created",
        Recipe::UpdateCustomer => "a customer created, then renamed",
        Recipe::PlanChange => "a checkout paid, then its subscription moved to another monthly plan",
        Recipe::UsageAlert => "a checkout paid, then usage reported up to its metered allowance",
    }
}

pub async fn run(provider: Option<ProviderKind>, args: TriggerArgs, json: bool) -> Result<(), Failure> {
    if args.list {
        let value: Vec<Value> =
            TRIGGERS.iter().map(|(p, e, r)| json!({"provider": p.slug(), "event": e, "how": how(*r)})).collect();
        return emit(json, &value, list_text);
    }
    let Some(event) = args.event.as_deref() else {
        return Err(failure(
            ExitCode::Usage,
            "which event? `till trigger checkout.completed`, or `till trigger --list`",
        ));
    };
    let kind = provider.unwrap_or(ProviderKind::Kelviq);
    let Some(&(_, _, recipe)) = TRIGGERS.iter().find(|(p, e, _)| *p == kind && *e == event) else {
        return Err(failure(
            ExitCode::Usage,
            format!(
                "{} cannot trigger '{}' here; `till trigger --list` shows what can be",
                kind.slug(),
                crate::text::line(event)
            ),
        ));
    };
    let (base, token) = super::sandbox_clock::target_of(args.sandbox.as_ref())?;
    let http = Http::new(HttpConfig::default()).map_err(|e| failure(ExitCode::Failure, e.clone()))?;
    let client = providers::connect(kind, crate::sandbox::endpoint_at(&base, kind), http)
        .map_err(|e| failure(ExitCode::Failure, e.to_string()))?;
    let mut run = Run { kind, base, token, client, customer: args.customer, bought: None, steps: Vec::new() };
    run.recipe(recipe).await?;
    let steps = run.steps;
    emit(json, &json!({"provider": kind.slug(), "event": event, "steps": steps}), || {
        steps.iter().map(|s| format!("{}\n", crate::text::line(s))).collect()
    })
}

/// What the last checkout bought.
struct Bought {
    plan: String,
    customer: Option<String>,
    currency: Option<crate::billing::Currency>,
}

struct Run {
    kind: ProviderKind,
    base: url::Url,
    token: String,
    client: std::sync::Arc<dyn BillingProvider>,
    customer: Option<String>,
    /// The plan and customer of the last checkout paid (what a plan change moves away from).
    bought: Option<Bought>,
    steps: Vec<String>,
}

fn provider_failed(e: impl std::fmt::Display) -> Failure {
    failure(ExitCode::Failure, format!("the sandbox refused a step: {e}"))
}

impl Run {
    async fn recipe(&mut self, recipe: Recipe) -> Result<(), Failure> {
        match recipe {
            Recipe::Checkout => self.checkout(crate::sandbox::pay::CARD_OK).await.map(|_| ()),
            Recipe::Decline => {
                self.checkout(crate::sandbox::pay::CARD_DECLINES_LATER).await?;
                self.advance("1M").await
            }
            Recipe::PlanChange => {
                let sub = self.subscribed().await?;
                self.change_plan(&sub).await
            }
            Recipe::UsageAlert => {
                // A new customer's only subscription: its allowance is the one the
                // entitlement shows (a customer with several adds theirs up).
                if self.customer.is_none() {
                    let made = self.new_customer().await?;
                    self.customer = Some(made);
                }
                self.subscribed().await?;
                self.fill_meter().await
            }
            Recipe::Cancel | Recipe::CancelLater => {
                let sub = self.subscribed().await?;
                let timing =
                    if recipe == Recipe::Cancel { CancelTiming::Immediately } else { CancelTiming::AtPeriodEnd };
                let cancellation = Cancellation { timing, comment: Some("till trigger".into()) };
                self.client.cancel_subscription(&sub, &cancellation).await.map_err(provider_failed)?;
                self.steps.push(format!("cancelled subscription {sub} ({timing:?})"));
                Ok(())
            }
            Recipe::NewCustomer | Recipe::UpdateCustomer => {
                let made = self.new_customer().await?;
                if recipe == Recipe::UpdateCustomer {
                    let update = CustomerUpdate { name: Some("Trigger Test (renamed)".into()), ..Default::default() };
                    self.client.update_customer(&made, &update).await.map_err(provider_failed)?;
                    self.steps.push(format!("renamed customer {made}"));
                }
                Ok(())
            }
        }
    }

    /// A new customer; its id.
    async fn new_customer(&mut self) -> Result<String, Failure> {
        // Unique, since Zenskar refuses a second customer with the same email.
        let tag = crate::sandbox::admin::random_token(8).to_lowercase();
        let new = NewCustomer {
            id: format!("cus_trigger_{tag}"),
            name: Some("Trigger Test".into()),
            email: Some(format!("trigger+{tag}@example.com")),
            ..Default::default()
        };
        let made = self.client.create_customer(&new).await.map_err(provider_failed)?;
        self.steps.push(format!("created customer {}", made.id));
        Ok(made.id)
    }

    /// A checkout paid with the good card, and the subscription it made.
    async fn subscribed(&mut self) -> Result<String, Failure> {
        self.checkout(crate::sandbox::pay::CARD_OK)
            .await?
            .ok_or_else(|| failure(ExitCode::Failure, "the sandbox recorded no new subscription for the checkout"))
    }

    /// Moves `sub` to another plan with a monthly paid price, at the provider's first offered
    /// timing (immediately for all four).
    async fn change_plan(&mut self, sub: &str) -> Result<(), Failure> {
        let current = self.bought.as_ref().map(|b| b.plan.clone()).unwrap_or_default();
        let currency = self.bought.as_ref().and_then(|b| b.currency);
        let plans = self.client.list_plans().await.map_err(provider_failed)?;
        let (plan, price) = plans
            .iter()
            .filter(|p| p.id != current)
            // In the checkout's currency: a provider changes a plan within one currency.
            .find_map(|p| {
                let same = |pr: &&crate::billing::Price| currency.is_none_or(|c| pr.amount.currency() == c);
                Some((p, p.prices.iter().filter(same).find(|pr| monthly_paid(pr))?))
            })
            .ok_or_else(|| failure(ExitCode::Failure, "no other monthly paid plan to change to"))?;
        let timing = self.client.change_timings().first().copied().unwrap_or(ChangeTiming::Immediately);
        let change = PlanChange {
            plan_id: plan.id.clone(),
            period: ChargePeriod::Monthly,
            price_id: price.id.clone(),
            timing,
            features: Vec::new(),
        };
        self.client.change_plan(sub, &change).await.map_err(provider_failed)?;
        self.steps.push(format!("changed subscription {sub} from plan {current} to {} ({timing:?})", plan.id));
        Ok(())
    }

    /// Reports usage of the checkout customer's first limited meter up to its allowance, in
    /// one step to 80% and one to 100%.
    async fn fill_meter(&mut self) -> Result<(), Failure> {
        let customer = self.bought.as_ref().and_then(|b| b.customer.clone()).ok_or_else(|| {
            failure(ExitCode::Failure, "the checkout named no customer to report usage for (use --customer)")
        })?;
        let ents = self.client.entitlements(&customer).await.map_err(provider_failed)?;
        let (feature, limit) = ents
            .iter()
            .find_map(|e| match e.kind {
                EntitlementKind::Meter { limit: Some(l), .. } if l > 0 => Some((e.feature_id.clone(), l)),
                _ => None,
            })
            .ok_or_else(|| failure(ExitCode::Failure, format!("{customer} has no limited meter")))?;
        for value in [limit * 4 / 5, limit] {
            let report = UsageReport {
                customer_id: customer.clone(),
                feature_id: feature.clone(),
                quantity: u64::try_from(value).unwrap_or(0),
                mode: UsageMode::Set,
            };
            self.client.report_usage(&report).await.map_err(provider_failed)?;
            self.steps.push(format!("reported {value} of {limit} {feature} for {customer}"));
        }
        Ok(())
    }

    /// Creates a checkout, pays it on the hosted page, and returns the subscription (or
    /// contract) it made, read from the sandbox's event log.
    async fn checkout(&mut self, card: &str) -> Result<Option<String>, Failure> {
        let before = self.admin_events(0).await?.last().and_then(|e| e["seq"].as_u64()).unwrap_or(0);
        let (request, currency) = self.request().await?;
        let session = self.client.create_checkout(&request).await.map_err(provider_failed)?;
        let url =
            session.url.clone().ok_or_else(|| failure(ExitCode::Failure, "the checkout has no hosted page URL"))?;
        self.steps.push(format!("created checkout {} for plan {}", session.id, request.plan_id));
        let customer = request.customer_id.clone();
        self.bought = Some(Bought { plan: request.plan_id.clone(), customer, currency });
        pay(&url, card).await?;
        self.steps.push(format!("paid it on the hosted page with {card}"));
        let made = self
            .admin_events(before)
            .await?
            .into_iter()
            .find(|e| matches!(e["type"].as_str(), Some("subscription.created" | "contract.created")));
        Ok(made.and_then(|e| e["object"].as_str().map(str::to_string)))
    }

    /// A checkout for a monthly, paid, trial-free price of the provider's catalog.
    /// With the price's currency.
    async fn request(&self) -> Result<(CheckoutRequest, Option<crate::billing::Currency>), Failure> {
        let plans = self.client.list_plans().await.map_err(provider_failed)?;
        let monthly = |p: &&Plan| p.prices.iter().any(monthly_paid);
        let plan = plans
            .iter()
            .find(monthly)
            .ok_or_else(|| failure(ExitCode::Failure, "no monthly paid plan to check out"))?;
        let price = plan.prices.iter().find(|pr| pr.period == ChargePeriod::Monthly && pr.kind == PriceKind::Paid);
        let customer = match (&self.customer, self.kind) {
            (Some(c), _) => Some(c.clone()),
            (None, ProviderKind::Kelviq) => {
                let first = self.client.list_customers(&PageRequest::first(1)).await.map_err(provider_failed)?;
                first.items.first().map(|c| c.id.clone())
            }
            _ => None,
        };
        let mut request = CheckoutRequest {
            plan_id: plan.id.clone(),
            period: Some(ChargePeriod::Monthly),
            customer_id: customer,
            success_url: "https://example.com/welcome".into(),
            ..Default::default()
        };
        match self.kind {
            ProviderKind::Flowglad => request.price_id = price.and_then(|p| p.id.clone()),
            ProviderKind::KuvarPay => {
                request.currency = price.map(|p| p.amount.currency().code().to_string());
                request.customer_email = Some("trigger@example.com".into());
            }
            _ => {}
        }
        Ok((request, price.map(|p| p.amount.currency())))
    }

    async fn admin_events(&self, after: u64) -> Result<Vec<Value>, Failure> {
        let mut url = self.base.join("/_admin/events").map_err(|e| failure(ExitCode::Usage, e.to_string()))?;
        url.query_pairs_mut().append_pair("after", &after.to_string());
        let answer = reqwest::Client::new()
            .get(url)
            .bearer_auth(&self.token)
            .send()
            .await
            .map_err(|e| failure(ExitCode::Failure, format!("cannot reach the sandbox at {}: {e}", self.base)))?;
        if answer.status().as_u16() == 401 {
            return Err(failure(ExitCode::Auth, "the sandbox refused the admin token (TILL_SANDBOX_TOKEN?)"));
        }
        Ok(answer.json::<Vec<Value>>().await.unwrap_or_default())
    }

    async fn advance(&mut self, by: &str) -> Result<(), Failure> {
        let url = self.base.join("/_admin/clock/advance").map_err(|e| failure(ExitCode::Usage, e.to_string()))?;
        let answer = reqwest::Client::new()
            .post(url)
            .bearer_auth(&self.token)
            .json(&json!({ "by": by }))
            .send()
            .await
            .map_err(|e| failure(ExitCode::Failure, format!("cannot reach the sandbox at {}: {e}", self.base)))?;
        if !answer.status().is_success() {
            return Err(failure(ExitCode::Failure, format!("the sandbox clock did not move: {}", answer.status())));
        }
        self.steps.push(format!("moved the sandbox clock {by} on"));
        Ok(())
    }
}

/// A monthly, paid, trial-free price: checking it out charges at once.
fn monthly_paid(pr: &crate::billing::Price) -> bool {
    pr.period == ChargePeriod::Monthly && pr.kind == PriceKind::Paid && pr.trial_days.unwrap_or(0) == 0
}

/// Pays on the hosted page as a browser does: the page issues the form token, the form
/// sends it back with the card.
async fn pay(url: &str, card: &str) -> Result<(), Failure> {
    let client = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .map_err(|e| failure(ExitCode::Failure, e.to_string()))?;
    let unreachable = |e: reqwest::Error| failure(ExitCode::Failure, format!("cannot reach the hosted page: {e}"));
    let page = client.get(url).send().await.map_err(unreachable)?.text().await.map_err(unreachable)?;
    let token = page.split("name=csrf value=\"").nth(1).and_then(|rest| rest.split('"').next()).unwrap_or_default();
    let paid = client.post(url).form(&[("card", card), ("csrf", token)]).send().await.map_err(unreachable)?;
    if paid.status().is_success() || paid.status().is_redirection() {
        Ok(())
    } else {
        Err(failure(ExitCode::Failure, format!("the hosted page refused the payment ({})", paid.status())))
    }
}
