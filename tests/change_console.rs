//! Plan changes, cancellations and their safety rails, driven by keys in `App<TestBackend>`
//! against the sandbox: preview == applied, entitlements after, one apply per confirm,
//! read-only, LIVE typed confirmation, and the audit journal.

use std::sync::Once;
use std::time::{Duration, Instant};

use crossterm::event::{Event, KeyCode, KeyEvent, KeyModifiers};
use ratatui::backend::TestBackend;
use till::audit::{Journal, Outcome};
use till::billing::{Money, ProviderKind, Subscription};
use till::providers::{self, Http, HttpConfig};
use till::sandbox::{self, SandboxHandle, SandboxOptions};
use till::tui::app::{App, Recorder};
use till::tui::state::change::Step;
use till::tui::state::{Mode, Pane};
use till::tui::view::Theme;

static DATA_DIR: Once = Once::new();

/// One journal for the whole test binary; tests read only their own customers' lines.
fn journal() -> Journal {
    let dir = std::env::temp_dir().join(format!("till-change-tests-{}", std::process::id()));
    DATA_DIR.call_once(|| {
        // SAFETY: set once, before any test reads it (every test calls this first).
        unsafe { std::env::set_var("TILL_DATA_DIR", &dir) };
    });
    Journal::at(dir.join("audit.jsonl"))
}

pub struct Console {
    pub app: App<TestBackend>,
    pub sandbox: SandboxHandle,
}

pub async fn console(mode: Mode, read_only: bool) -> Console {
    journal();
    let sandbox = sandbox::start(SandboxOptions::default()).await.unwrap();
    let http = Http::new(HttpConfig::default()).unwrap();
    let providers = ProviderKind::ALL
        .into_iter()
        .map(|k| providers::connect(k, sandbox.endpoint(k), http.clone()).unwrap())
        .collect();
    let mut app =
        App::new(TestBackend::new(140, 40), providers, http.log().clone(), mode, "test", Box::new(Recorder::default()))
            .unwrap()
            .with_theme(Theme { color: false })
            .read_only(read_only);
    app.start();
    app.settle(Duration::from_secs(10)).await;
    Console { app, sandbox }
}

impl Console {
    pub async fn key(&mut self, code: KeyCode) {
        let mods = if matches!(code, KeyCode::Char(c) if c.is_ascii_uppercase()) {
            KeyModifiers::SHIFT
        } else {
            KeyModifiers::NONE
        };
        self.app.handle_event(Event::Key(KeyEvent::new(code, mods)));
        self.app.settle(Duration::from_secs(10)).await;
    }

    pub async fn text(&mut self, text: &str) {
        for c in text.chars() {
            self.app.handle_event(Event::Key(KeyEvent::new(KeyCode::Char(c), KeyModifiers::NONE)));
        }
        self.app.settle(Duration::from_secs(10)).await;
    }

    pub fn screen(&self) -> String {
        self.app.terminal.backend().to_string()
    }

    /// Selects a customer on a provider tab and focuses the subscription with this plan.
    pub async fn select(&mut self, tab: char, customer: &str, plan: &str) -> Subscription {
        self.text(&tab.to_string()).await;
        self.text(":").await;
        self.text(&format!("customer {customer}")).await;
        self.key(KeyCode::Enter).await;
        self.app.state.focus = Pane::Subscriptions;
        let subs = self.app.state.selected_details().and_then(|d| d.subscriptions.value.clone()).unwrap_or_default();
        let i = subs
            .iter()
            .position(|s| s.plan_name.as_deref() == Some(plan) && s.status.is_live())
            .unwrap_or_else(|| panic!("no live {plan} for {customer}: {subs:?}"));
        self.app.state.sub_selected = i;
        subs[i].clone()
    }

    /// Moves the plan picker to `plan` and takes it, then takes the default period and timing.
    pub async fn choose_plan(&mut self, plan: &str) {
        let flow = self.app.state.change.as_ref().expect("change dialog open");
        let target =
            flow.options.iter().position(|o| o.plan.name == plan).unwrap_or_else(|| panic!("{plan} not offered"));
        let from = flow.plan_idx;
        for _ in from..target {
            self.key(KeyCode::Down).await;
        }
        for _ in target..from {
            self.key(KeyCode::Up).await;
        }
        self.key(KeyCode::Enter).await;
        while matches!(self.app.state.change.as_ref().map(|f| f.step), Some(Step::Period | Step::Timing)) {
            self.key(KeyCode::Enter).await;
        }
    }

    pub async fn wait_for_step(&mut self, step: Step) {
        let deadline = Instant::now() + Duration::from_secs(10);
        while self.app.state.change.as_ref().map(|f| f.step) != Some(step)
            && self.app.state.cancel.as_ref().map(|f| f.step) != Some(step)
        {
            assert!(Instant::now() < deadline, "never reached {step:?}:\n{}", self.screen());
            self.app.settle(Duration::from_millis(100)).await;
        }
    }

    /// Two Enters before anything comes back, as an impatient operator would press them.
    pub async fn double_enter(&mut self) {
        for _ in 0..2 {
            self.app.handle_event(Event::Key(KeyEvent::new(KeyCode::Enter, KeyModifiers::NONE)));
        }
        self.app.settle(Duration::from_secs(10)).await;
    }

    pub fn kelviq_charges(&self) -> Vec<(String, Money)> {
        self.sandbox.state().kelviq.lock().unwrap().change_charges()
    }
}

#[tokio::test]
async fn kelviq_upgrade_previews_labels_and_applies_exactly_what_was_previewed() {
    let mut c = console(Mode::Sandbox, false).await;
    let before = c.select('2', "cus_mueller_maschinenbau", "Starter").await;
    c.key(KeyCode::Char('u')).await;
    let screen = c.screen();
    assert!(screen.contains("● Starter") && screen.contains("current"), "current plan marked:\n{screen}");
    assert!(screen.contains("upgrade"), "options are labelled: {screen}");
    let business =
        c.app.state.change.as_ref().unwrap().options.iter().find(|o| o.plan.name == "Business").unwrap().relation;
    assert_eq!(business.label(), "upgrade", "by price per day");
    c.choose_plan("Business").await;
    let flow = c.app.state.change.as_ref().unwrap();
    assert_eq!(flow.step, Step::Confirm);
    let preview = flow.preview.value.clone().expect("preview");
    assert!(flow.diff.iter().any(|d| d.contains("Single sign-on") && d.contains("gained")), "{:?}", flow.diff);
    let screen = c.screen();
    assert!(
        screen.contains("Starter → Business") && screen.contains("Due now") && screen.contains("Next invoice"),
        "{screen}"
    );
    assert!(screen.contains("estimated locally"));
    c.double_enter().await; // the second Enter, while applying, does nothing
    c.wait_for_step(Step::Done).await;
    let charges = c.kelviq_charges();
    assert_eq!(charges.len(), 1, "applied once");
    assert_eq!(charges[0].1, preview.current_invoice.total, "the sandbox charged what the preview said");
    let after = match &c.app.state.change.as_ref().unwrap().outcome {
        Some(Ok(s)) => s.clone(),
        other => panic!("{other:?}"),
    };
    assert_ne!(after.id, before.id, "Kelviq supersedes; the console follows the new id");
    c.key(KeyCode::Enter).await;
    let selected = c
        .app
        .state
        .selected_details()
        .and_then(|d| d.subscriptions.value.as_ref())
        .and_then(|s| s.get(c.app.state.sub_selected))
        .cloned()
        .unwrap();
    assert_eq!((selected.id, selected.plan_name.as_deref()), (after.id.clone(), Some("Business")));
    let ents = c.app.state.selected_details().and_then(|d| d.entitlements.value.clone()).unwrap();
    assert!(ents.iter().any(|e| e.feature_id == "sso" && e.has_access), "entitlements refreshed after the change");
    let lines = journal().actions(Some("cus_mueller_maschinenbau")).unwrap();
    let line = lines.iter().rev().find(|e| e.action == "subscription.change").unwrap();
    assert_eq!((line.outcome, line.target.as_deref()), (Outcome::Succeeded, Some(before.id.as_str())));
    assert!(!line.request_ids.is_empty(), "request ids of the writes are journaled");
    assert_eq!(line.after.as_ref().and_then(|a| a["id"].as_str()), Some(after.id.as_str()));
}

#[tokio::test]
async fn kelviq_downgrade_credits_what_the_preview_said() {
    let mut c = console(Mode::Sandbox, false).await;
    c.select('2', "cus_alsayed", "Business").await;
    c.key(KeyCode::Char('u')).await;
    c.choose_plan("Starter").await;
    let preview = c.app.state.change.as_ref().unwrap().preview.value.clone().unwrap();
    assert!(preview.current_invoice.total.is_negative(), "a downgrade mid-period credits");
    assert!(c.app.state.change.as_ref().unwrap().diff.iter().any(|d| d.contains("lost")));
    c.key(KeyCode::Enter).await;
    c.wait_for_step(Step::Done).await;
    assert_eq!(c.kelviq_charges().last().map(|x| x.1), Some(preview.current_invoice.total));
}

#[tokio::test]
async fn cancel_at_period_end_then_undo_where_offered() {
    let mut c = console(Mode::Sandbox, false).await;
    let sub = c.select('2', "cus_wisniewski", "Business").await;
    c.key(KeyCode::Char('x')).await;
    c.key(KeyCode::Down).await; // at the end of the current period
    c.key(KeyCode::Enter).await;
    let screen = c.screen();
    let end = sub.current_period_end.unwrap().date_naive().to_string();
    assert!(screen.contains(&format!("Access ends {end}")), "{screen}");
    c.double_enter().await;
    c.wait_for_step(Step::Done).await;
    c.key(KeyCode::Enter).await;
    let now = c
        .app
        .state
        .selected_details()
        .and_then(|d| d.subscriptions.value.as_ref())
        .and_then(|s| s.iter().find(|x| x.id == sub.id).cloned())
        .unwrap();
    assert!(now.cancel_scheduled(), "active until {end}: {now:?}");
    c.key(KeyCode::Char('U')).await;
    assert!(c.app.state.cancel.is_none());
    assert!(c.screen().contains("not offered by Kelviq"), "{}", c.screen());
    let lines = journal().actions(Some("cus_wisniewski")).unwrap();
    assert_eq!(
        lines.iter().filter(|e| e.action == "subscription.cancel" && e.outcome == Outcome::Succeeded).count(),
        1
    );
}

#[tokio::test]
async fn a_failed_write_is_journaled_with_its_error() {
    let mut c = console(Mode::Sandbox, false).await;
    let sub = c.select('2', "cus_nordljus", "Business").await;
    // Cancel it behind the console's back, then ask the console to cancel it again.
    let immediately = till::providers::kelviq::wire::CancelSubscriptionRequest {
        cancellation_type: "IMMEDIATE".into(),
        ..Default::default()
    };
    c.sandbox.state().kelviq.lock().unwrap().cancel_subscription(&sub.id, immediately).unwrap();
    c.key(KeyCode::Char('x')).await;
    c.key(KeyCode::Enter).await;
    c.key(KeyCode::Enter).await;
    c.wait_for_step(Step::Done).await;
    assert!(c.screen().contains("Failed: Kelviq 400"), "{}", c.screen());
    let lines = journal().actions(Some("cus_nordljus")).unwrap();
    let failed = lines.iter().find(|e| e.outcome == Outcome::Failed).expect("a failed line");
    assert!(failed.error.as_deref().unwrap().contains("already cancelled"));
}

#[tokio::test]
async fn read_only_refuses_every_write_and_says_why() {
    let mut c = console(Mode::Sandbox, true).await;
    c.select('2', "cus_mueller_maschinenbau", "Starter").await;
    for key in ['u', 'x', 'U', 'n'] {
        c.key(KeyCode::Char(key)).await;
        assert!(
            c.app.state.change.is_none() && c.app.state.cancel.is_none() && c.app.state.checkout.is_none(),
            "{key} opened a write"
        );
        assert!(c.screen().contains("Read-only"), "{key}: {}", c.screen());
    }
}

#[tokio::test]
async fn live_mode_needs_the_customer_id_typed_before_applying() {
    let mut c = console(Mode::Live, false).await;
    c.select('2', "cus_mueller_maschinenbau", "Starter").await;
    c.key(KeyCode::Char('u')).await;
    c.choose_plan("Growth").await;
    assert!(c.screen().contains("LIVE: type the customer id"));
    c.key(KeyCode::Enter).await;
    assert_eq!(c.app.state.change.as_ref().unwrap().step, Step::Confirm, "Enter alone does nothing in LIVE");
    assert!(c.kelviq_charges().is_empty());
    c.text("cus_mueller_maschinenbaX").await;
    c.key(KeyCode::Enter).await;
    assert_eq!(c.app.state.change.as_ref().unwrap().step, Step::Confirm, "a wrong id does nothing");
    c.key(KeyCode::Backspace).await;
    c.text("u").await;
    c.key(KeyCode::Enter).await;
    c.wait_for_step(Step::Done).await;
    assert_eq!(c.kelviq_charges().len(), 1);
}

#[tokio::test]
async fn a_live_checkout_needs_the_customer_id_typed_too() {
    let mut c = console(Mode::Live, false).await;
    c.select('2', "cus_mueller_maschinenbau", "Starter").await;
    c.app.state.focus = Pane::Customers;
    c.key(KeyCode::Char('n')).await;
    let b = c.app.state.checkout.as_mut().unwrap();
    b.focus = b.fields.iter().position(|f| f.id == till::tui::state::checkout::fields::FieldId::Plan).unwrap();
    c.text("Growth").await;
    c.key(KeyCode::Enter).await;
    let state = c.sandbox.state().clone();
    let count = || state.kelviq.lock().unwrap().checkout_count();
    let before = count();
    let submit = KeyEvent::new(KeyCode::Char('s'), KeyModifiers::CONTROL);
    c.app.handle_event(Event::Key(submit));
    c.app.settle(Duration::from_secs(5)).await;
    assert!(c.screen().contains("LIVE checkout"), "{}", c.screen());
    c.key(KeyCode::Enter).await;
    assert_eq!(count(), before, "nothing typed: nothing sent");
    c.text("cus_mueller_maschinenbau").await;
    c.key(KeyCode::Enter).await;
    assert_eq!(count(), before + 1, "the typed id confirms");
    assert!(c.app.state.checkout.as_ref().unwrap().result.is_some());
}
