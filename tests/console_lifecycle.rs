//! Issue 18's end-to-end story as the console shows it, per provider: a checkout paid on the
//! hosted page with the declining test card, then `:clock +1M` (the renewal's charge fails),
//! then `:clock +15d` (past the retries). At each step the console's own subscriptions pane
//! shows the state, with no key but the clock command, and the Events view lists what the
//! sandbox announced. (`tests/webhooks_e2e.rs` checks the deliveries and their signatures.)

#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a panic is the failure report

mod support;

use std::sync::Arc;
use std::time::Duration;

use crossterm::event::KeyCode;
use support::console::{Console, console};
use till::billing::{ChargePeriod, CheckoutRequest, PriceKind, ProviderKind};
use till::cli::{EmbeddedClock, EmbeddedEvents};
use till::providers::{self, BillingProvider, Http, HttpConfig, PageRequest};
use till::tui::state::{Dialog, Mode};

const DECLINING_CARD: &str = "4000 0000 0000 0341";

fn client(c: &Console, kind: ProviderKind) -> Arc<dyn BillingProvider> {
    providers::connect(kind, c.sandbox.endpoint(kind), Http::new(HttpConfig::default()).unwrap()).unwrap()
}

/// A monthly plan that charges at once, so the renewal charges the card.
async fn checkout_request(c: &Console, kind: ProviderKind) -> CheckoutRequest {
    let p = client(c, kind);
    let plans = p.list_plans().await.unwrap();
    let monthly = |pr: &till::billing::Price| {
        pr.period == ChargePeriod::Monthly && pr.kind == PriceKind::Paid && pr.trial_days.unwrap_or(0) == 0
    };
    let success_url = "https://example.com/welcome".to_string();
    match kind {
        ProviderKind::Kelviq => {
            let customer = p.list_customers(&PageRequest::first(1)).await.unwrap().items.remove(0);
            let plan = plans.iter().find(|p| p.prices.iter().any(monthly)).unwrap();
            CheckoutRequest {
                plan_id: plan.id.clone(),
                period: Some(ChargePeriod::Monthly),
                customer_id: Some(customer.id),
                success_url,
                ..Default::default()
            }
        }
        ProviderKind::Flowglad => {
            let price = plans.iter().flat_map(|p| &p.prices).find(|pr| pr.id.is_some() && monthly(pr)).unwrap();
            CheckoutRequest { price_id: price.id.clone(), success_url, ..Default::default() }
        }
        ProviderKind::KuvarPay => CheckoutRequest {
            plan_id: "plan_basic".into(),
            period: Some(ChargePeriod::Monthly),
            currency: Some("USD".into()),
            customer_email: Some("lifecycle@example.ng".into()),
            success_url,
            ..Default::default()
        },
        ProviderKind::Zenskar => {
            let plan = plans
                .iter()
                .find(|p| {
                    p.name == "Team"
                        && p.prices[0].period == ChargePeriod::Monthly
                        && p.prices[0].amount.currency().code() == "USD"
                })
                .unwrap();
            CheckoutRequest { plan_id: plan.id.clone(), success_url, ..Default::default() }
        }
    }
}

/// The subscription (Zenskar: contract) the payment made, from the sandbox's own log.
fn created_subscription(c: &Console, kind: ProviderKind) -> String {
    let created = ["subscription.created", "contract.created"];
    let events = c.sandbox.state().webhooks.events_after(0);
    let event = events.iter().find(|e| e.provider == kind && created.contains(&e.kind.as_str())).expect("announced");
    event.object.clone()
}

async fn palette(c: &mut Console, command: &str) {
    c.text(":").await;
    c.text(command).await;
    c.key(KeyCode::Enter).await;
}

/// The state the console's subscriptions pane shows for `id` once it has read it again.
async fn shown_state(c: &mut Console, id: &str) -> String {
    for _ in 0..100 {
        if let Some(s) = c.shown(id) {
            return s.raw_status;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
        c.app.settle(Duration::from_millis(50)).await;
    }
    panic!("{id} not shown: {:?}", c.app.state.selected_details().map(|d| &d.subscriptions.value))
}

async fn story(kind: ProviderKind, states: [&str; 3], failed_event: &str) {
    let mut c = console(Mode::Sandbox, false).await;
    c.app.set_sandbox_clock(Arc::new(EmbeddedClock(c.sandbox.state().clone())));
    c.app.set_sandbox_events(Arc::new(EmbeddedEvents(c.sandbox.state().webhooks.clone())));
    let p = client(&c, kind);
    let session = p.create_checkout(&checkout_request(&c, kind).await).await.unwrap();
    let http = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap();
    support::pay::submit(&http, session.url.as_deref().unwrap(), DECLINING_CARD).await;
    let id = created_subscription(&c, kind);
    let customer = p.get_subscription(&id).await.unwrap().customer_id;
    // Paid outside the console (a customer on the hosted page): R reads the tab again, as the
    // operator would.
    c.key(KeyCode::Char('R')).await;
    c.select(kind, &customer, |s| s.id == id).await;

    let mut seen = vec![shown_state(&mut c, &id).await];
    palette(&mut c, "clock +1M").await;
    palette(&mut c, "clock +1h").await;
    seen.push(shown_state(&mut c, &id).await);
    palette(&mut c, "clock +15d").await;
    seen.push(shown_state(&mut c, &id).await);
    assert_eq!(seen, states, "{kind}: the console's pane at each step");

    c.key(KeyCode::Char('e')).await;
    let Some(Dialog::Events(e)) = c.app.state.top() else { panic!("the events view") };
    let about: Vec<&str> = e.rows.iter().filter(|r| r.payload.contains(&id)).map(|r| r.kind.as_str()).rev().collect();
    assert!(about.contains(&failed_event), "{kind}: the failed charge is in the Events view: {about:?}");
    assert!(c.screen().contains(failed_event), "{kind}: and on screen:\n{}", c.screen());
}

#[tokio::test]
async fn kelviq_past_due_then_canceled_in_the_console() {
    story(ProviderKind::Kelviq, ["active", "past_due", "canceled"], "invoice.payment_failed").await;
}

#[tokio::test]
async fn flowglad_past_due_then_canceled_in_the_console() {
    story(ProviderKind::Flowglad, ["active", "past_due", "canceled"], "payment.failed").await;
}

#[tokio::test]
async fn kuvarpay_past_due_then_unpaid_in_the_console() {
    story(ProviderKind::KuvarPay, ["ACTIVE", "PAST_DUE", "UNPAID"], "payment.failed").await;
}

#[tokio::test]
async fn zenskar_stays_active_in_the_console() {
    story(ProviderKind::Zenskar, ["active", "active", "active"], "payment.failed").await;
}
