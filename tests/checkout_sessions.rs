//! Checkout-session lists: each provider's client against the sandbox over loopback (Kelviq
//! `GET /checkout/sessions/`, Flowglad `GET /checkout-sessions`, "not offered" by KuvarPay and
//! Zenskar), and the console's list through the real loop: created, listed, reopened with its
//! URL, paid and seen as paid.

#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a panic is the failure report

mod support;

use crossterm::event::KeyCode;
use till::billing::{ChargePeriod, CheckoutRequest, CheckoutStatus, ProviderKind};
use till::ops::checkout::sessions;
use till::providers::{self, BillingProvider, Http, HttpConfig};
use till::sandbox::{self, SandboxHandle, SandboxOptions};
use till::tui::state::{Dialog, Mode};

async fn client(kind: ProviderKind) -> (SandboxHandle, std::sync::Arc<dyn BillingProvider>) {
    let sandbox = sandbox::start(SandboxOptions::default()).await.unwrap();
    let http = Http::new(HttpConfig::default()).unwrap();
    let p = providers::connect(kind, sandbox.endpoint(kind), http).unwrap();
    (sandbox, p)
}

fn request(plan: &str, customer: Option<&str>) -> CheckoutRequest {
    CheckoutRequest {
        plan_id: plan.into(),
        period: Some(ChargePeriod::Monthly),
        customer_id: customer.map(str::to_string),
        success_url: "https://example.com/welcome".into(),
        cancel_url: Some("https://example.com/pricing".into()),
        ..Default::default()
    }
}

async fn pay(url: &str) {
    let client = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap();
    let paid = support::pay::submit(&client, url, "4242 4242 4242 4242").await;
    assert!(paid.status().is_redirection() || paid.status().is_success(), "{}", paid.status());
}

#[tokio::test]
async fn kelviq_lists_sessions_newest_first_with_customer_and_status() {
    let (_sb, kelviq) = client(ProviderKind::Kelviq).await;
    assert!(kelviq.capabilities().checkout_list);
    let customer = kelviq.list_customers(&till::providers::PageRequest::first(1)).await.unwrap().items.remove(0);
    let plan = kelviq.list_plans().await.unwrap().into_iter().find(|p| !p.periods().is_empty()).unwrap();
    let period = plan.periods()[0];
    let mut first = request(&plan.id, Some(&customer.id));
    first.period = Some(period);
    let a = kelviq.create_checkout(&first).await.unwrap();
    let b = kelviq.create_checkout(&CheckoutRequest { customer_id: None, ..first.clone() }).await.unwrap();
    let listed = sessions::list(kelviq.as_ref(), 10).await.unwrap();
    let ids: Vec<&str> = listed.iter().map(|l| l.session.id.as_str()).collect();
    assert!(ids.contains(&a.id.as_str()) && ids.contains(&b.id.as_str()), "{ids:?}");
    let row = listed.iter().find(|l| l.session.id == a.id).unwrap();
    assert_eq!(row.session.status, CheckoutStatus::Open);
    assert_eq!(row.session.customer_id.as_deref(), Some(customer.id.as_str()));
    assert_eq!(row.customer_name, customer.name, "the list names the customer");
    assert!(row.created_at.is_some());
    assert!(listed.windows(2).all(|w| w[0].created_at >= w[1].created_at), "newest first");
    // Paid, it lists as complete.
    pay(a.url.as_deref().unwrap()).await;
    let listed = sessions::list(kelviq.as_ref(), 10).await.unwrap();
    let paid = listed.iter().find(|l| l.session.id == a.id).unwrap();
    assert_eq!((paid.session.status, paid.session.raw_status.as_str()), (CheckoutStatus::Complete, "success"));
    // Page size is honoured: one per page.
    assert_eq!(sessions::list(kelviq.as_ref(), 1).await.unwrap().len(), 1);
}

#[tokio::test]
async fn flowglad_lists_sessions_with_amount_and_customer() {
    let (_sb, flowglad) = client(ProviderKind::Flowglad).await;
    assert!(flowglad.capabilities().checkout_list);
    // A paid price without a trial: the whole price is due now.
    let sold_now =
        |pr: &till::billing::Price| pr.id.is_some() && pr.trial_days.unwrap_or(0) == 0 && !pr.amount.is_zero();
    let plan = flowglad.list_plans().await.unwrap().into_iter().find(|p| p.prices.iter().any(sold_now)).unwrap();
    let price = plan.prices.iter().find(|pr| sold_now(pr)).unwrap();
    let req = CheckoutRequest {
        price_id: price.id.clone(),
        quantity: Some(3),
        success_url: "https://example.com/welcome".into(),
        cancel_url: Some("https://example.com/pricing".into()),
        ..Default::default()
    };
    let created = flowglad.create_checkout(&req).await.unwrap();
    let listed = sessions::list(flowglad.as_ref(), 50).await.unwrap();
    let row = listed.iter().find(|l| l.session.id == created.id).expect("the new session is listed");
    assert_eq!(row.session.status, CheckoutStatus::Open);
    let expected =
        till::billing::Money::new(price.amount.amount() * rust_decimal::Decimal::from(3), price.amount.currency());
    assert_eq!(row.amount, Some(expected), "price × quantity");
    assert!(row.created_at.is_some() && row.session.expires_at.is_some());
}

/// Starter $12 monthly × 3 with a 14-day trial: the estimate and the hosted page say nothing
/// is due today, and so does the list (not the $36 the session sells).
#[tokio::test]
async fn flowglad_lists_a_trial_session_with_nothing_due_now() {
    let (_sb, flowglad) = client(ProviderKind::Flowglad).await;
    let plans = flowglad.list_plans().await.unwrap();
    let starter = plans.iter().find(|p| p.id == "starter").expect("the Starter plan");
    let price = starter.price_for(ChargePeriod::Monthly, Some("USD")).expect("Starter monthly in USD");
    assert!(price.trial_days.is_some_and(|d| d > 0), "Starter has a trial: {price:?}");
    let req = CheckoutRequest {
        price_id: price.id.clone(),
        quantity: Some(3),
        customer_id: Some("user_rivera_roofing".into()),
        ..request("starter", None)
    };
    let due_now = flowglad.estimate_checkout(&req).await.unwrap().current_invoice.total;
    assert!(due_now.is_zero(), "{due_now}");
    let created = flowglad.create_checkout(&req).await.unwrap();
    let page = reqwest::get(created.url.as_deref().unwrap()).await.unwrap().text().await.unwrap();
    assert!(page.contains(&format!("<th>Due today</th><th class=n>{due_now}</th>")), "{page}");
    let listed = sessions::list(flowglad.as_ref(), 50).await.unwrap();
    let row = listed.iter().find(|l| l.session.id == created.id).expect("the new session is listed");
    assert_eq!(row.amount, Some(due_now), "the list shows what is due now");
}

#[tokio::test]
async fn kuvarpay_and_zenskar_say_listing_is_not_offered() {
    for kind in [ProviderKind::KuvarPay, ProviderKind::Zenskar] {
        let (_sb, p) = client(kind).await;
        assert!(!p.capabilities().checkout_list, "{kind}");
        let err = sessions::list(p.as_ref(), 10).await.unwrap_err();
        assert!(
            err.message.ends_with(&format!("listing checkout sessions is not offered by {kind}")),
            "{}",
            err.message
        );
    }
}

fn tab_key(kind: ProviderKind) -> char {
    let i = ProviderKind::ALL.iter().position(|k| *k == kind).unwrap();
    char::from(b'2' + i as u8)
}

/// Created in the console, closed, found in `N`'s list beside the provider's own, reopened
/// with its URL, paid, and seen as paid in the reopened view and the list.
#[tokio::test]
async fn the_console_lists_reopens_and_watches_a_session() {
    let state = support::runner::run(Mode::Sandbox, 120, 32, |s| async move {
        s.wait_for("Customers").await;
        s.text(&tab_key(ProviderKind::Kelviq).to_string());
        s.idle().await;
        s.key(KeyCode::Char('n'));
        s.wait_for("New checkout · Kelviq").await;
        s.text("busi");
        s.key(KeyCode::Enter);
        s.idle().await;
        s.ctrl('s');
        s.wait_for("Checkout created").await;
        s.key(KeyCode::Esc);
        s.idle().await;
        s.key(KeyCode::Char('N'));
        let list = s
            .wait_until("the session listed", |sc| {
                sc.contains("Checkout sessions") && sc.contains("open") && !sc.contains("loading…") && sc.contains('€')
            })
            .await;
        assert!(list.contains("Inés Fernández") || list.contains("open"), "{list}");
        s.key(KeyCode::Enter);
        let view = s.wait_for("Checkout session · Kelviq").await;
        assert!(view.contains("http://127.0.0.1"), "the URL is back:\n{view}");
        let url = {
            let st = s.sandbox.state();
            let k = st.kelviq.lock().unwrap();
            let id = k.checkouts.keys().last().cloned().unwrap();
            drop(k);
            id
        };
        let log = s.http.log().snapshot();
        let created = log
            .iter()
            .filter(|e| e.method == "POST" && e.status.is_some_and(|c| c < 300))
            .find_map(|e| e.response_body.clone().filter(|b| b.contains(&url)))
            .unwrap();
        let at = created.find("http://127.0.0.1").unwrap();
        let pay_url = created[at..created[at..].find('"').map_or(created.len(), |e| at + e)].to_string();
        pay(&pay_url).await;
        s.wait_for("success").await;
        s.key(KeyCode::Esc);
        s.wait_until("the list shows it paid", |sc| sc.contains("Checkout sessions") && sc.contains("success")).await;
        // KuvarPay has no list: the dialog says so.
        s.key(KeyCode::Esc);
        s.text(&tab_key(ProviderKind::KuvarPay).to_string());
        s.idle().await;
        s.key(KeyCode::Char('N'));
        s.wait_for("not offered by KuvarPay").await;
    })
    .await;
    assert!(state.own_checkouts.iter().any(|(_, l)| l.session.status == CheckoutStatus::Complete));
    assert!(state.watching.is_empty(), "a paid session is no longer watched");
    assert!(matches!(state.top(), Some(Dialog::CheckoutSessions(_))));
}

/// KuvarPay FIXED with a target amount is refused under the field as the amount is typed,
/// before any submit, and the panes say they are stale.
#[tokio::test]
async fn kuvarpay_fixed_with_a_target_amount_is_refused_as_you_type() {
    support::runner::run(Mode::Sandbox, 120, 32, |s| async move {
        s.wait_for("Customers").await;
        s.text(&tab_key(ProviderKind::KuvarPay).to_string());
        s.idle().await;
        s.key(KeyCode::Char('n'));
        s.wait_for("New checkout · KuvarPay").await;
        (0..3).for_each(|_| s.key(KeyCode::Tab));
        s.text("1");
        let screen = s.wait_for("target amount is for METERED").await;
        assert!(screen.contains("stale: fix"), "{screen}");
        s.ctrl('b');
        s.wait_for("Nothing copied").await;
    })
    .await;
}
