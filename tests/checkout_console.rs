//! The checkout builder driven by keys in `App<TestBackend>` against the sandbox, once per
//! provider: open it, fill it, watch the preview follow, submit, pay on the hosted page over
//! HTTP, and see the new subscription in the Subscriptions pane without a refresh.

#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a panic is the failure report

mod support;

use std::time::{Duration, Instant};

use crossterm::event::{Event, KeyCode, KeyEvent, KeyModifiers};
use ratatui::backend::TestBackend;
use till::billing::{CheckoutStatus, ProviderKind};
use till::sandbox::SandboxHandle;
use till::tui::app::{App, Recorder};
use till::tui::state::Mode;
use till::tui::state::checkout::fields::FieldId;

struct Console {
    app: App<TestBackend>,
    recorder: Recorder,
    sandbox: SandboxHandle,
}

/// The shared test console (tests/support), keeping what these tests drive.
async fn console() -> Console {
    let support::console::Console { app, sandbox, recorder, .. } =
        support::console::console(Mode::Sandbox, false).await;
    Console { app, recorder, sandbox }
}

impl Console {
    async fn key(&mut self, code: KeyCode, mods: KeyModifiers) {
        self.app.handle_event(Event::Key(KeyEvent::new(code, mods)));
        self.app.settle(Duration::from_secs(10)).await;
    }

    async fn keys(&mut self, text: &str) {
        for c in text.chars() {
            self.app.handle_event(Event::Key(KeyEvent::new(KeyCode::Char(c), KeyModifiers::NONE)));
        }
        self.app.settle(Duration::from_secs(10)).await;
    }

    /// Processes results until `done` holds (status polls are not "in flight", so wait).
    async fn wait_until(&mut self, what: &str, done: impl Fn(&App<TestBackend>) -> bool) {
        let deadline = Instant::now() + Duration::from_secs(15);
        while !done(&self.app) {
            assert!(Instant::now() < deadline, "timed out waiting for {what}:\n{}", self.screen());
            self.app.settle(Duration::from_millis(200)).await;
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    fn screen(&self) -> String {
        self.app.terminal.backend().to_string()
    }

    fn focus(&mut self, id: FieldId) {
        let b = self.app.state.checkout_mut().unwrap();
        b.focus = b.fields.iter().position(|f| f.id == id).unwrap();
    }

    fn body(&self) -> String {
        self.app
            .state
            .checkout()
            .and_then(|b| b.preview.value.as_ref())
            .and_then(|p| p.body.clone())
            .unwrap_or_default()
    }

    fn sessions(&self, kind: ProviderKind) -> usize {
        let s = self.sandbox.state();
        match kind {
            ProviderKind::Kelviq => s.kelviq.lock().unwrap().checkout_count(),
            ProviderKind::Flowglad => s.flowglad.lock().unwrap().checkout_count(),
            ProviderKind::KuvarPay => s.kuvarpay.lock().unwrap().checkout_count(),
            ProviderKind::Zenskar => s.zenskar.lock().unwrap().checkout_count(),
        }
    }

    /// Submits twice in a row (the second Enter while the first is in flight must do nothing),
    /// pays the session on the hosted page, and waits for the console to see it paid.
    async fn submit_and_pay(&mut self, kind: ProviderKind) -> String {
        let before = self.sessions(kind);
        self.app.handle_event(Event::Key(KeyEvent::new(KeyCode::Char('s'), KeyModifiers::CONTROL)));
        self.app.handle_event(Event::Key(KeyEvent::new(KeyCode::Char('s'), KeyModifiers::CONTROL)));
        self.app.settle(Duration::from_secs(10)).await;
        assert_eq!(self.sessions(kind), before + 1, "exactly one session per submit:\n{}", self.screen());
        let b = self.app.state.checkout().unwrap();
        let result = b.result.as_ref().unwrap_or_else(|| panic!("no result: {:?}\n{}", b.submit_error, self.screen()));
        let url = result.session.url.clone().expect("a checkout URL");
        assert!(self.screen().contains("Checkout created"));
        // The hyperlink is written over exactly the cells where the URL is drawn.
        let (link, cells) =
            till::tui::view::hyperlink_cells(&self.app.state, ratatui::layout::Rect::new(0, 0, 140, 40)).unwrap();
        assert_eq!(link, url);
        let buffer = self.app.terminal.backend().buffer().clone();
        let drawn: String = cells
            .iter()
            .map(|(x, y, text)| {
                (0..text.chars().count() as u16).map(|i| buffer[(x + i, *y)].symbol().to_string()).collect::<String>()
            })
            .collect();
        assert_eq!(drawn, url);
        self.key(KeyCode::Char('y'), KeyModifiers::NONE).await;
        assert_eq!(self.recorder.log.lock().unwrap().last(), Some(&format!("copy:{url}")));
        let client = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap();
        let paid = support::pay::submit(&client, &url, "4242 4242 4242 4242").await;
        assert!(paid.status().is_redirection() || paid.status().is_success(), "{}", paid.status());
        self.wait_until("the session to be paid", |app| {
            app.state
                .checkout()
                .and_then(|b| b.result.as_ref())
                .is_some_and(|r| r.session.status == CheckoutStatus::Complete)
        })
        .await;
        url
    }
}

/// After paying, closing the result shows the customer's new subscription.
async fn subscription_appears(c: &mut Console, plan_name: &str) {
    c.key(KeyCode::Esc, KeyModifiers::NONE).await;
    assert!(c.app.state.checkout().is_none());
    c.wait_until(&format!("a {plan_name} subscription"), |app| {
        app.state
            .selected_details()
            .and_then(|d| d.subscriptions.value.as_ref())
            .is_some_and(|subs| subs.iter().any(|s| s.plan_name.as_deref() == Some(plan_name) && s.status.is_live()))
    })
    .await;
}

#[tokio::test]
async fn kelviq_checkout_from_form_to_paid_subscription() {
    let mut c = console().await;
    c.keys("2").await;
    c.keys("n").await;
    assert!(c.screen().contains("New checkout · Kelviq"), "{}", c.screen());
    assert!(c.screen().contains("disabled"), "submit is disabled until a plan is chosen");
    c.focus(FieldId::Plan);
    c.keys("sta").await;
    c.key(KeyCode::Enter, KeyModifiers::NONE).await;
    assert!(c.body().contains(r#""planIdentifier":"starter""#), "{}", c.body());
    c.focus(FieldId::Plan);
    c.keys("busi").await;
    c.key(KeyCode::Enter, KeyModifiers::NONE).await;
    assert!(c.body().contains(r#""planIdentifier":"business""#), "the preview follows the form: {}", c.body());
    let estimate = c.app.state.checkout().unwrap().estimate.value.clone().unwrap();
    assert_eq!(estimate.current_invoice.total.to_string(), "€239.00");
    assert!(c.screen().contains("estimated locally"));
    c.submit_and_pay(ProviderKind::Kelviq).await;
    subscription_appears(&mut c, "Business").await;
}

#[tokio::test]
async fn flowglad_checkout_from_form_to_paid_subscription() {
    let mut c = console().await;
    c.keys("3").await;
    c.keys("n").await;
    assert!(c.screen().contains("New checkout · Flowglad"));
    let customer = c.app.state.selected_customer().unwrap().1.id.to_string();
    c.focus(FieldId::Price);
    c.keys("pro · $").await;
    c.key(KeyCode::Enter, KeyModifiers::NONE).await;
    assert!(c.body().contains(&format!(r#""customerExternalId":"{customer}""#)), "{}", c.body());
    let chosen = c.app.state.checkout().unwrap().value(FieldId::Price);
    assert!(!chosen.is_empty());
    c.submit_and_pay(ProviderKind::Flowglad).await;
    subscription_appears(&mut c, "Pro").await;
}

#[tokio::test]
async fn kuvarpay_checkout_from_form_to_paid_subscription() {
    let mut c = console().await;
    c.keys("4").await;
    c.keys("n").await;
    assert!(c.screen().contains("New checkout · KuvarPay"));
    c.focus(FieldId::Price);
    c.keys("Pro").await;
    c.key(KeyCode::Enter, KeyModifiers::NONE).await;
    assert!(c.body().contains("priceUid"), "{}", c.body());
    c.submit_and_pay(ProviderKind::KuvarPay).await;
    c.key(KeyCode::Esc, KeyModifiers::NONE).await;
    c.wait_until("a new live subscription", |app| {
        app.state.selected_details().and_then(|d| d.subscriptions.value.as_ref()).is_some_and(|subs| {
            subs.iter().any(|s| s.plan_name.as_deref().is_some_and(|n| n.starts_with("Pro")) && s.status.is_live())
        })
    })
    .await;
}

#[tokio::test]
async fn zenskar_checkout_uses_the_native_estimate_and_creates_the_contract() {
    let mut c = console().await;
    c.keys("5").await;
    c.keys("n").await;
    assert!(c.screen().contains("New checkout · Zenskar"));
    c.focus(FieldId::Plan);
    c.keys("Team").await;
    c.key(KeyCode::Enter, KeyModifiers::NONE).await;
    let plan_body = c.body();
    let b = c.app.state.checkout().unwrap();
    assert!(
        plan_body.contains("plan_id"),
        "{plan_body} {:?} {:?} {:?}",
        b.blocker(),
        b.preview.error,
        b.value(FieldId::Plan)
    );
    let estimate = c.app.state.checkout().unwrap().estimate.value.clone().expect("estimate");
    assert_eq!(estimate.source, till::billing::EstimateSource::Provider, "Zenskar's own /checkouts/preview");
    assert!(c.screen().contains("provider estimate"));
    c.submit_and_pay(ProviderKind::Zenskar).await;
    subscription_appears(&mut c, "Team").await;
}

#[tokio::test]
async fn closing_keeps_the_draft_and_fields_own_their_keys() {
    let mut c = console().await;
    c.keys("2").await;
    c.keys("n").await;
    let customer = c.app.state.checkout().unwrap().value(FieldId::Customer);
    c.focus(FieldId::SuccessUrl);
    c.keys("q/").await;
    assert!(!c.app.state.quit, "q typed into the field");
    c.focus(FieldId::Customer);
    c.keys("zz").await;
    c.key(KeyCode::Esc, KeyModifiers::NONE).await;
    assert!(c.app.state.checkout().is_none());
    c.keys("n").await;
    let b = c.app.state.checkout().unwrap();
    assert!(b.value(FieldId::SuccessUrl).ends_with("q/"), "the draft came back: {}", b.value(FieldId::SuccessUrl));
    // Issue 13: a draft never carries a customer over; the builder targets the selection.
    assert_eq!(b.value(FieldId::Customer), customer, "the customer is the selected one, not the draft's");
}

/// A paste's notice ("… more did not fit") spoke of that paste only, yet stayed under the form
/// after the field was cleared and on the result of a later create.
#[tokio::test]
async fn a_paste_notice_goes_with_the_next_edit() {
    let mut c = console().await;
    c.keys("2").await;
    c.keys("n").await;
    c.focus(FieldId::SuccessUrl);
    c.app.handle_event(Event::Paste(format!("https://example.com/{}", "a".repeat(5000))));
    c.app.settle(Duration::from_secs(10)).await;
    assert!(c.screen().contains("more did not fit"), "{}", c.screen());
    c.key(KeyCode::Backspace, KeyModifiers::NONE).await;
    assert!(!c.screen().contains("more did not fit"), "the notice outlived the edit:\n{}", c.screen());
}
