//! The message loop: input and task results in, pure state updates, effects out, and one
//! draw only when something changed. Generic over the ratatui backend so tests drive the
//! whole app on a `TestBackend`.

use std::io;
use std::sync::Arc;
use std::time::{Duration, Instant};

use crossterm::event::{Event, KeyEventKind};
use futures::{Stream, StreamExt};
use ratatui::Terminal;
use ratatui::backend::Backend;
use tokio::sync::mpsc::{UnboundedReceiver, unbounded_channel};

use super::metrics::Metrics;
use super::state::checkout::presets;
use super::state::checkout_flow::CheckoutMsg;
use super::state::messages::Msg;
use super::state::{AppState, Effect, Mode};
use super::tasks::Tasks;
use super::view::{self, Theme};
use crate::providers::BillingProvider;
use crate::providers::log::RequestLog;

fn presets_path() -> Result<std::path::PathBuf, String> {
    presets::path().ok_or_else(|| "no config directory for presets (set TILL_CONFIG_DIR)".to_string())
}

/// What the console does outside itself: the clipboard and the browser. Tests record instead.
pub trait Outside {
    fn copy(&mut self, text: &str);
    fn open(&mut self, url: &str);
    /// Rewrites text already drawn at (x, y) as an OSC 8 hyperlink to `url`.
    fn hyperlink(&mut self, url: &str, cells: &[(u16, u16, String)]) {
        let _ = (url, cells);
    }
}

/// Records copies and opens, for tests.
#[derive(Default, Clone)]
pub struct Recorder {
    pub log: Arc<std::sync::Mutex<Vec<String>>>,
}

impl Outside for Recorder {
    fn copy(&mut self, text: &str) {
        self.log.lock().unwrap_or_else(|p| p.into_inner()).push(format!("copy:{text}"));
    }
    fn open(&mut self, url: &str) {
        self.log.lock().unwrap_or_else(|p| p.into_inner()).push(format!("open:{url}"));
    }
}

pub struct App<B: Backend> {
    pub terminal: Terminal<B>,
    pub state: AppState,
    theme: Theme,
    tasks: Tasks,
    rx: UnboundedReceiver<Msg>,
    log: RequestLog,
    outside: Box<dyn Outside + Send>,
    dirty: bool,
    pub metrics: Metrics,
}

impl<B: Backend> App<B> {
    pub fn new(
        backend: B,
        providers: Vec<Arc<dyn BillingProvider>>,
        log: RequestLog,
        mode: Mode,
        profile: &str,
        outside: Box<dyn Outside + Send>,
    ) -> io::Result<App<B>> {
        let terminal = Terminal::new(backend).map_err(|e| io::Error::other(e.to_string()))?;
        let size = terminal.size().map_err(|e| io::Error::other(e.to_string()))?;
        let (tx, rx) = unbounded_channel();
        let mode_name = match mode {
            Mode::Sandbox => "sandbox",
            Mode::Test => "test",
            Mode::Live => "live",
        };
        let recorder = crate::audit::Recorder {
            journal: crate::audit::default_path().map(crate::audit::Journal::at),
            profile: profile.to_string(),
            mode: mode_name.into(),
            log: log.clone(),
        };
        let tasks = Tasks::new(providers.clone(), tx, recorder);
        let state = AppState::new(providers, mode, profile, (size.width, size.height));
        Ok(App {
            terminal,
            state,
            theme: Theme::from_env(),
            tasks,
            rx,
            log,
            outside,
            dirty: true,
            metrics: Metrics::from_env(),
        })
    }

    pub fn read_only(mut self, read_only: bool) -> Self {
        self.state.read_only = read_only;
        self
    }

    pub fn with_theme(mut self, theme: Theme) -> Self {
        self.theme = theme;
        self
    }

    /// Kicks off the first loads.
    pub fn start(&mut self) {
        let effects = self.state.ensure_loaded();
        self.apply(effects);
    }

    fn apply(&mut self, effects: Vec<Effect>) {
        for effect in effects {
            match effect {
                Effect::Copy(text) => self.outside.copy(&text),
                Effect::Open(url) => self.outside.open(&url),
                Effect::SnapshotRequests => {
                    let more = self.state.handle_msg(Msg::Requests(self.log.snapshot()));
                    self.apply(more);
                }
                Effect::Quit => {}
                Effect::SavePreset(preset) => {
                    let result = presets_path().and_then(|path| {
                        presets::save(&path, (*preset).clone())
                            .map(|_| format!("Saved preset {:?} in {}", preset.name, path.display()))
                    });
                    let more = self.state.handle_msg(Msg::Checkout(CheckoutMsg::PresetSaved { result }));
                    self.apply(more);
                }
                Effect::ListPresets { .. } => {
                    let result = presets_path().and_then(|path| presets::load(&path)).map(|f| f.presets);
                    let more = self.state.handle_msg(Msg::Checkout(CheckoutMsg::Presets { result }));
                    self.apply(more);
                }
                Effect::ApplyPreset { provider, name } => self.apply_preset(provider, &name),
                Effect::ShowAudit { customer } => {
                    let result = crate::audit::default_path()
                        .ok_or_else(|| "no data directory (set TILL_DATA_DIR)".to_string())
                        .and_then(|p| crate::audit::Journal::at(p).actions(Some(&customer)));
                    let more = self
                        .state
                        .handle_msg(Msg::Change(super::state::change_flow::ChangeMsg::Audit { customer, result }));
                    self.apply(more);
                }
                other => self.tasks.run(other),
            }
        }
        self.dirty = true;
    }

    fn apply_preset(&mut self, provider: crate::billing::ProviderKind, name: &str) {
        let found = presets_path()
            .and_then(|path| presets::load(&path))
            .map(|f| f.presets.into_iter().find(|p| p.provider == provider && p.name == name));
        let Some(b) = self.state.checkout.as_mut() else { return };
        match found {
            Ok(Some(preset)) => {
                b.apply_preset(&preset);
                b.notice = Some(format!("Loaded preset {name:?}"));
            }
            Ok(None) => b.notice = Some(format!("No preset {name:?}")),
            Err(e) => b.notice = Some(e),
        }
        // Revalidate and refresh the preview through the same path as typing.
        let more = self.state.refresh_checkout();
        self.apply(more);
    }

    pub fn handle_event(&mut self, event: Event) {
        match event {
            Event::Key(key) if key.kind == KeyEventKind::Press => {
                self.metrics.key_received();
                let effects = self.state.handle_key(key);
                self.apply(effects);
            }
            Event::Resize(w, h) => {
                self.state.size = (w, h);
                // After a resize terminal and buffer can disagree; start from a clean screen.
                let _ = self.terminal.clear();
                let effects = self.state.ensure_loaded();
                self.apply(effects);
            }
            _ => {}
        }
    }

    pub fn handle_msg(&mut self, msg: Msg) {
        if let Msg::Filtered { tab, .. } = &msg {
            self.tasks.filter_finished(*tab);
        }
        let customers_arrived = matches!(msg, Msg::CustomersPage { .. });
        let effects = self.state.handle_msg(msg);
        if customers_arrived && self.state.row_count() > 0 {
            self.metrics.customers_shown();
        }
        // New exchanges exist whenever a result arrives; keep an open request log current.
        if matches!(self.state.overlay, super::state::Overlay::Requests(_)) {
            let more = self.state.handle_msg(Msg::Requests(self.log.snapshot()));
            self.apply(more);
        }
        self.apply(effects);
    }

    pub fn draw(&mut self) -> io::Result<()> {
        if !self.dirty {
            return Ok(());
        }
        let state = &self.state;
        let theme = &self.theme;
        let frame = self.terminal.draw(|f| view::draw(f, state, theme)).map_err(|e| io::Error::other(e.to_string()))?;
        let area = frame.area;
        if let Some((url, cells)) = view::hyperlink_cells(&self.state, area) {
            self.outside.hyperlink(&url, &cells);
        }
        self.dirty = false;
        self.metrics.frame_drawn();
        Ok(())
    }

    /// Runs until quit, input ends or `shutdown` resolves. Draws only after a change; the
    /// spinner timer exists only while something loads, so an idle console uses no CPU.
    pub async fn run<S>(&mut self, mut input: S, shutdown: impl std::future::Future<Output = ()>) -> io::Result<()>
    where
        S: Stream<Item = io::Result<Event>> + Unpin,
    {
        tokio::pin!(shutdown);
        self.start();
        self.draw()?;
        let mut spinner = tokio::time::interval(Duration::from_millis(100));
        spinner.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);
        while !self.state.quit {
            let loading = self.state.any_loading();
            tokio::select! {
                biased;
                _ = &mut shutdown => break,
                Some(msg) = self.rx.recv() => self.handle_msg(msg),
                event = input.next() => match event {
                    Some(Ok(e)) => self.handle_event(e),
                    Some(Err(e)) => return Err(e),
                    None => break,
                },
                _ = spinner.tick(), if loading => {
                    self.state.spinner = self.state.spinner.wrapping_add(1);
                    self.dirty = true;
                }
            }
            // Batch whatever else is queued before drawing once.
            while let Ok(msg) = self.rx.try_recv() {
                self.handle_msg(msg);
            }
            self.draw()?;
        }
        self.metrics.flush();
        Ok(())
    }

    /// Test helper: processes results until no task runs and nothing is queued, then draws.
    pub async fn settle(&mut self, timeout: Duration) {
        let deadline = Instant::now() + timeout;
        loop {
            while let Ok(msg) = self.rx.try_recv() {
                self.handle_msg(msg);
            }
            if self.tasks.in_flight() == 0 && self.rx.is_empty() {
                break;
            }
            if Instant::now() > deadline {
                break;
            }
            match tokio::time::timeout(Duration::from_millis(20), self.rx.recv()).await {
                Ok(Some(msg)) => self.handle_msg(msg),
                _ => continue,
            }
        }
        let _ = self.draw();
    }
}
