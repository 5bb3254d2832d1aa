//! A scripted console upgrade and downgrade on Flowglad, KuvarPay and Zenskar (Kelviq's are in
//! change_console.rs): the sandbox charges exactly what the preview said, and the customer's
//! subscriptions and entitlements reload afterwards.

use std::time::{Duration, Instant};

use crossterm::event::{Event, KeyCode, KeyEvent, KeyModifiers};
use ratatui::backend::TestBackend;
use till::billing::{Money, ProviderKind, Subscription};
use till::providers::{self, Http, HttpConfig};
use till::sandbox::{self, SandboxHandle, SandboxOptions};
use till::tui::app::{App, Recorder};
use till::tui::state::change::Step;
use till::tui::state::{Mode, Pane};
use till::tui::view::Theme;

struct Console {
    app: App<TestBackend>,
    sandbox: SandboxHandle,
    http: Http,
}

async fn console() -> Console {
    let dir = std::env::temp_dir().join(format!("till-change-providers-{}", std::process::id()));
    // SAFETY: every test sets the same value before anything reads it.
    unsafe { std::env::set_var("TILL_DATA_DIR", dir) };
    let sandbox = sandbox::start(SandboxOptions::default()).await.unwrap();
    let http = Http::new(HttpConfig::default()).unwrap();
    let providers = ProviderKind::ALL
        .into_iter()
        .map(|k| providers::connect(k, sandbox.endpoint(k), http.clone()).unwrap())
        .collect();
    let mut app = App::new(
        TestBackend::new(140, 40),
        providers,
        http.log().clone(),
        Mode::Sandbox,
        "test",
        Box::new(Recorder::default()),
    )
    .unwrap()
    .with_theme(Theme { color: false });
    app.start();
    app.settle(Duration::from_secs(10)).await;
    Console { app, sandbox, http }
}

impl Console {
    async fn key(&mut self, code: KeyCode) {
        self.app.handle_event(Event::Key(KeyEvent::new(code, KeyModifiers::NONE)));
        self.app.settle(Duration::from_secs(10)).await;
    }

    async fn text(&mut self, text: &str) {
        for c in text.chars() {
            self.app.handle_event(Event::Key(KeyEvent::new(KeyCode::Char(c), KeyModifiers::NONE)));
        }
        self.app.settle(Duration::from_secs(10)).await;
    }

    fn charges(&self, kind: ProviderKind) -> Vec<(String, Money)> {
        let s = self.sandbox.state();
        match kind {
            ProviderKind::Kelviq => s.kelviq.lock().unwrap().change_charges(),
            ProviderKind::Flowglad => s.flowglad.lock().unwrap().change_charges(),
            ProviderKind::KuvarPay => s.kuvarpay.lock().unwrap().change_charges(),
            ProviderKind::Zenskar => s.zenskar.lock().unwrap().change_charges(),
        }
    }

    /// The first loaded customer of `kind` with a live, untrialed, uncancelled subscription to
    /// `plan`; selects it in the console and focuses that subscription.
    async fn select(&mut self, kind: ProviderKind, plan: &str, currency: &str) -> Subscription {
        let tab = ProviderKind::ALL.iter().position(|k| *k == kind).unwrap() + 2;
        self.text(&tab.to_string()).await;
        let client = providers::connect(kind, self.sandbox.endpoint(kind), self.http.clone()).unwrap();
        let slot = tab - 2;
        let ids: Vec<String> = self.app.state.slots[slot].customers.rows.iter().map(|c| c.id.clone()).collect();
        for id in ids {
            let subs = client.list_subscriptions(&id).await.unwrap_or_default();
            let Some(sub) = subs.into_iter().find(|s| {
                s.plan_name.as_deref() == Some(plan)
                    && s.amount.is_some_and(|a| a.currency().code() == currency)
                    && s.status == till::billing::SubscriptionStatus::Active
                    && s.ends_on.is_none()
            }) else {
                continue;
            };
            self.text(":").await;
            self.text(&format!("customer {id}")).await;
            self.key(KeyCode::Enter).await;
            self.app.state.focus = Pane::Subscriptions;
            let listed = self.app.state.selected_details().and_then(|d| d.subscriptions.value.clone()).unwrap();
            self.app.state.sub_selected = listed.iter().position(|s| s.id == sub.id).unwrap();
            return sub;
        }
        panic!("no {kind} customer with a live {plan} subscription");
    }

    /// `u`, the plan, then Enter through period and timing (the defaults: same period,
    /// immediately), then the confirm; returns the previewed amount due now.
    async fn change(&mut self, kind: ProviderKind, to: &str) -> Money {
        self.key(KeyCode::Char('u')).await;
        let flow = self.app.state.change.as_ref().unwrap_or_else(|| panic!("no dialog: {:?}", self.app.state.notice));
        let target =
            flow.options.iter().position(|o| o.plan.name == to).unwrap_or_else(|| panic!("{to} not offered on {kind}"));
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
        let flow = self.app.state.change.as_ref().unwrap();
        let preview = flow.preview.value.clone().unwrap_or_else(|| panic!("{kind} preview: {:?}", flow.preview.error));
        let before = self.charges(kind).len();
        self.app.handle_event(Event::Key(KeyEvent::new(KeyCode::Enter, KeyModifiers::NONE)));
        self.app.handle_event(Event::Key(KeyEvent::new(KeyCode::Enter, KeyModifiers::NONE)));
        let deadline = Instant::now() + Duration::from_secs(10);
        while self.app.state.change.as_ref().map(|f| f.step) != Some(Step::Done) {
            assert!(Instant::now() < deadline, "{kind}: never applied");
            self.app.settle(Duration::from_millis(100)).await;
        }
        let outcome = self.app.state.change.as_ref().unwrap().outcome.clone().unwrap();
        let after = outcome.unwrap_or_else(|e| panic!("{kind} change to {to} failed: {e}"));
        assert_eq!(after.plan_name.as_deref(), Some(to));
        let charges = self.charges(kind);
        assert_eq!(charges.len(), before + 1, "{kind}: one change applied for two Enters");
        assert_eq!(charges.last().unwrap().1, preview.current_invoice.total, "{kind}: charged what the preview said");
        self.key(KeyCode::Enter).await;
        preview.current_invoice.total
    }
}

async fn upgrade_then_downgrade(kind: ProviderKind, plan: &str, currency: &str, up: &str, down: &str) {
    let mut c = console().await;
    c.select(kind, plan, currency).await;
    let ents_before = c.app.state.selected_details().and_then(|d| d.entitlements.value.clone());
    let charged = c.change(kind, up).await;
    assert!(!charged.is_negative(), "{kind}: an upgrade does not credit");
    let now = c
        .app
        .state
        .selected_details()
        .and_then(|d| d.subscriptions.value.as_ref())
        .and_then(|s| s.get(c.app.state.sub_selected))
        .cloned()
        .unwrap();
    assert_eq!(now.plan_name.as_deref(), Some(up), "{kind}: the selection follows the changed subscription");
    if c.app.state.slots[ProviderKind::ALL.iter().position(|k| *k == kind).unwrap()].caps.entitlements {
        let ents_after = c.app.state.selected_details().and_then(|d| d.entitlements.value.clone());
        assert!(ents_after.is_some() && ents_after != ents_before, "{kind}: entitlements reloaded and changed");
    }
    c.change(kind, down).await;
}

#[tokio::test]
async fn flowglad_upgrade_and_downgrade() {
    upgrade_then_downgrade(ProviderKind::Flowglad, "Pro", "EUR", "Business", "Starter").await;
}

#[tokio::test]
async fn kuvarpay_upgrade_and_downgrade() {
    upgrade_then_downgrade(ProviderKind::KuvarPay, "Pro", "NGN", "Business", "Basic").await;
}

#[tokio::test]
async fn zenskar_upgrade_and_downgrade() {
    upgrade_then_downgrade(ProviderKind::Zenskar, "Business", "USD", "Enterprise", "Team").await;
}

#[tokio::test]
async fn kuvarpay_cancel_at_period_end_then_undo() {
    let mut c = console().await;
    let sub = c.select(ProviderKind::KuvarPay, "Pro", "NGN").await;
    c.key(KeyCode::Char('x')).await;
    let choices = c.app.state.cancel.as_ref().unwrap().choices.clone();
    assert_eq!(choices.len(), 2, "KuvarPay: now or at period end, no date");
    c.key(KeyCode::Down).await;
    c.key(KeyCode::Enter).await;
    c.key(KeyCode::Enter).await;
    let deadline = Instant::now() + Duration::from_secs(10);
    while c.app.state.cancel.as_ref().map(|f| f.step) != Some(Step::Done) {
        assert!(Instant::now() < deadline);
        c.app.settle(Duration::from_millis(100)).await;
    }
    c.key(KeyCode::Enter).await;
    let scheduled = c
        .app
        .state
        .selected_details()
        .and_then(|d| d.subscriptions.value.as_ref())
        .and_then(|s| s.iter().find(|x| x.id == sub.id).cloned())
        .unwrap();
    assert!(scheduled.cancel_scheduled(), "{scheduled:?}");
    c.key(KeyCode::Char('U')).await;
    assert!(c.app.state.cancel.as_ref().is_some_and(|f| f.undo), "{:?}", c.app.state.notice);
    c.key(KeyCode::Enter).await;
    let deadline = Instant::now() + Duration::from_secs(10);
    while c.app.state.cancel.as_ref().map(|f| f.step) != Some(Step::Done) {
        assert!(Instant::now() < deadline);
        c.app.settle(Duration::from_millis(100)).await;
    }
    c.key(KeyCode::Enter).await;
    let renewed = c
        .app
        .state
        .selected_details()
        .and_then(|d| d.subscriptions.value.as_ref())
        .and_then(|s| s.iter().find(|x| x.id == sub.id).cloned())
        .unwrap();
    assert!(!renewed.cancel_scheduled() && renewed.status.is_live(), "undone: {renewed:?}");
}
