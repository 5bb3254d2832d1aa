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

use chrono::{DateTime, Utc};

use super::metrics::Metrics;
use super::state::messages::Msg;
use super::state::{AppState, Dialog, Effect, Mode};
use super::tasks::Tasks;
use super::view::{self, Theme};
use crate::providers::BillingProvider;
use crate::providers::log::RequestLog;

pub use super::outside::{Outside, Recorder};

pub struct App<B: Backend> {
    pub terminal: Terminal<B>,
    pub state: AppState,
    theme: Theme,
    tasks: Tasks,
    rx: UnboundedReceiver<Msg>,
    log: RequestLog,
    dirty: bool,
    /// The clock updates are given; tests may fix it.
    clock: fn() -> DateTime<Utc>,
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
        let tasks = Tasks::new(providers.clone(), tx, recorder, outside);
        let state = AppState::new(providers, mode, profile, (size.width, size.height));
        Ok(App {
            terminal,
            state,
            theme: Theme::from_env(),
            tasks,
            rx,
            log,
            dirty: true,
            clock: Utc::now,
            metrics: Metrics::from_env(),
        })
    }

    pub fn read_only(mut self, read_only: bool) -> Self {
        self.state.read_only = read_only;
        self
    }

    /// The embedded sandbox's clock, which `:clock` reads and moves.
    pub fn sandbox_clock(mut self, clock: Arc<dyn crate::tui::sandbox_clock::SandboxClock>) -> Self {
        self.set_sandbox_clock(clock);
        self
    }

    pub fn set_sandbox_clock(&mut self, clock: Arc<dyn crate::tui::sandbox_clock::SandboxClock>) {
        self.state.clock_offset = Some(clock.read().1);
        self.tasks.clock = Some(clock);
        // Moves made by another process (`till sandbox clock advance` on `--sandbox-port`)
        // reach the console too.
        self.tasks.run(Effect::WatchClock);
    }

    /// The embedded sandbox's events, which the Events view (`e`) reads.
    pub fn set_sandbox_events(&mut self, events: Arc<dyn crate::tui::sandbox_events::SandboxEvents>) {
        self.state.sandbox_events = true;
        self.tasks.events = Some(events);
    }

    pub fn with_clock(mut self, clock: fn() -> DateTime<Utc>) -> Self {
        self.set_clock(clock);
        self
    }

    /// The clock updates are given from now on (tests move time forward with it).
    pub fn set_clock(&mut self, clock: fn() -> DateTime<Utc>) {
        self.clock = clock;
        self.state.now = clock();
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

    /// Hands every effect to the one executor.
    fn apply(&mut self, effects: Vec<Effect>) {
        for effect in effects {
            self.tasks.run(effect);
        }
        self.dirty = true;
    }

    pub fn handle_event(&mut self, event: Event) {
        let now = (self.clock)();
        match event {
            Event::Key(key) if key.kind == KeyEventKind::Press => {
                self.metrics.key_received();
                let effects = self.state.handle_key(key, now);
                self.apply(effects);
            }
            // Moves and drags arrive by the hundred and change nothing: no redraw for them.
            Event::Mouse(m) if super::state::mouse::matters(m.kind) => {
                let effects = self.state.handle_mouse(m.kind, m.column, m.row, now);
                self.apply(effects);
            }
            Event::Paste(text) => {
                let effects = self.state.handle_paste(&text, now);
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
        if let Msg::Filtered { tab, generation, .. } = &msg {
            self.tasks.filter_finished(*tab, *generation);
        }
        let customers_arrived = matches!(msg, Msg::CustomersPage { .. });
        let effects = self.state.handle_msg(msg, (self.clock)());
        if customers_arrived && self.state.row_count() > 0 {
            self.metrics.customers_shown();
        }
        // New exchanges exist whenever a result arrives; keep an open request log current.
        if self.state.dialogs.iter().any(|d| matches!(d, Dialog::Requests(_))) {
            let more = self.state.handle_msg(Msg::Requests(self.log.snapshot()), (self.clock)());
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
            self.tasks.hyperlink(&url, &cells);
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
            let wake = self.wake_in();
            tokio::select! {
                biased;
                () = &mut shutdown => break,
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
                () = tokio::time::sleep(wake.unwrap_or_default()), if wake.is_some() => {
                    // Shown data turned stale: redraw with its age (no request, no further wake).
                    self.state.now = (self.clock)();
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

    /// How long until the state wants a redraw with nothing happening (`AppState::next_wake`).
    fn wake_in(&self) -> Option<Duration> {
        let at = self.state.next_wake()?;
        Some((at - (self.clock)()).to_std().unwrap_or_default())
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
            let now = Instant::now();
            if now > deadline {
                break;
            }
            // Never past the caller's deadline: a bench settling for 1 ms measures in 1 ms steps.
            let wait = deadline.saturating_duration_since(now).min(Duration::from_millis(20));
            match tokio::time::timeout(wait, self.rx.recv()).await {
                Ok(Some(msg)) => self.handle_msg(msg),
                _ => continue,
            }
        }
        let _ = self.draw();
    }
}
