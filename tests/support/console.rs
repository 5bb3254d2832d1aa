//! The console as `App<TestBackend>` on the embedded sandbox, driven by keys: shared by the
//! plan-change and cancellation tests.

#![allow(dead_code)]

use std::sync::Once;
use std::time::{Duration, Instant};

use crossterm::event::{Event, KeyCode, KeyEvent, KeyModifiers};
use ratatui::backend::TestBackend;
use till::audit::Journal;
use till::billing::{Money, ProviderKind, Subscription};
use till::providers::{self, Http, HttpConfig};
use till::sandbox::{self, SandboxHandle, SandboxOptions};
use till::tui::app::{App, Recorder};
use till::tui::state::change::Step;
use till::tui::state::{Mode, Pane};
use till::tui::view::Theme;

static DATA_DIR: Once = Once::new();

/// One audit journal per test binary; tests read only their own customers' lines.
pub fn journal() -> Journal {
    let dir = std::env::temp_dir().join(format!("till-tests-{}", std::process::id()));
    DATA_DIR.call_once(|| {
        // Every console starts by calling this, before anything reads the data dir.
        till::util::use_data_dir(dir.clone());
    });
    Journal::at(dir.join("audit.jsonl"))
}

pub struct Console {
    pub app: App<TestBackend>,
    pub sandbox: SandboxHandle,
    pub http: Http,
    /// What the console copied and opened (`copy:…`, `open:…`).
    pub recorder: Recorder,
}

pub async fn console(mode: Mode, read_only: bool) -> Console {
    console_with(mode, read_only, SandboxOptions::default()).await
}

/// A console on a sandbox started with `options` (more customers, latency, faults).
pub async fn console_with(mode: Mode, read_only: bool, options: SandboxOptions) -> Console {
    console_sized(mode, read_only, options, (140, 40)).await
}

/// A console drawn at `size` from its first frame.
pub async fn console_sized(mode: Mode, read_only: bool, options: SandboxOptions, size: (u16, u16)) -> Console {
    journal();
    let sandbox = sandbox::start(options).await.unwrap();
    let http = Http::new(HttpConfig::default()).unwrap().keeping_full_bodies(till::providers::log::CONSOLE_FULL_BODIES);
    let providers = ProviderKind::ALL
        .into_iter()
        .map(|k| providers::connect(k, sandbox.endpoint(k), http.clone()).unwrap())
        .collect();
    let recorder = Recorder::default();
    let mut app = App::new(
        TestBackend::new(size.0, size.1),
        providers,
        http.log().clone(),
        mode,
        "test",
        Box::new(recorder.clone()),
    )
    .unwrap()
    .with_theme(Theme { color: false })
    .read_only(read_only);
    app.start();
    app.settle(Duration::from_secs(10)).await;
    Console { app, sandbox, http, recorder }
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

    /// Two Enters before anything comes back, as an impatient operator would press them.
    pub async fn double_enter(&mut self) {
        for _ in 0..2 {
            self.app.handle_event(Event::Key(KeyEvent::new(KeyCode::Enter, KeyModifiers::NONE)));
        }
        self.app.settle(Duration::from_secs(10)).await;
    }

    /// A Ctrl chord.
    pub async fn ctrl(&mut self, c: char) {
        self.app.handle_event(Event::Key(KeyEvent::new(KeyCode::Char(c), KeyModifiers::CONTROL)));
        self.app.settle(Duration::from_secs(10)).await;
    }

    /// The confirm key pressed twice before anything comes back: applies once.
    pub async fn confirm_twice(&mut self) {
        for _ in 0..2 {
            self.app.handle_event(Event::Key(KeyEvent::new(KeyCode::Char('s'), KeyModifiers::CONTROL)));
        }
        self.app.settle(Duration::from_secs(10)).await;
    }

    pub async fn wait_for_step(&mut self, step: Step) {
        let deadline = Instant::now() + Duration::from_secs(10);
        while self.app.state.change().map(|f| f.step) != Some(step)
            && self.app.state.cancel().map(|f| f.step) != Some(step)
        {
            assert!(Instant::now() < deadline, "never reached {step:?}:\n{}", self.screen());
            self.app.settle(Duration::from_millis(100)).await;
        }
    }

    pub fn charges(&self, kind: ProviderKind) -> Vec<(String, Money)> {
        let s = self.sandbox.state();
        match kind {
            ProviderKind::Kelviq => s.kelviq.lock().unwrap().change_charges(),
            ProviderKind::Flowglad => s.flowglad.lock().unwrap().change_charges(),
            ProviderKind::KuvarPay => s.kuvarpay.lock().unwrap().change_charges(),
            ProviderKind::Zenskar => s.zenskar.lock().unwrap().change_charges(),
        }
    }

    /// Jumps to a customer by id on a provider tab (`:customer ID`) and focuses the
    /// subscriptions pane on the subscription `pick` chooses.
    pub async fn select(
        &mut self,
        kind: ProviderKind,
        customer: &str,
        pick: impl Fn(&Subscription) -> bool,
    ) -> Subscription {
        let tab = ProviderKind::ALL.iter().position(|k| *k == kind).unwrap() + 2;
        self.text(&tab.to_string()).await;
        self.text(":").await;
        self.text(&format!("customer {customer}")).await;
        self.key(KeyCode::Enter).await;
        self.app.state.focus = Pane::Subscriptions;
        let subs = self.app.state.selected_details().and_then(|d| d.subscriptions.value.clone()).unwrap_or_default();
        let i =
            subs.iter().position(pick).unwrap_or_else(|| panic!("no matching subscription for {customer}: {subs:?}"));
        self.app.state.sub_selected = i;
        subs[i].clone()
    }

    /// In the change dialog: moves to `plan` and takes it (the Period step follows).
    pub async fn choose_plan_only(&mut self, plan: &str) {
        let flow = self.app.state.change().unwrap_or_else(|| panic!("no change dialog: {:?}", self.app.state.notice));
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
    }

    /// In the change dialog: moves to `plan`, takes it, and takes the default period and timing.
    pub async fn choose_plan(&mut self, plan: &str) {
        self.choose_plan_only(plan).await;
        while matches!(self.app.state.change().map(|f| f.step), Some(Step::Period | Step::Timing)) {
            self.key(KeyCode::Enter).await;
        }
    }

    /// The selected customer's subscription with this id, as the console shows it now.
    pub fn shown(&self, id: &str) -> Option<Subscription> {
        self.app
            .state
            .selected_details()
            .and_then(|d| d.subscriptions.value.as_ref())
            .and_then(|s| s.iter().find(|x| x.id == id).cloned())
    }
}
