//! The real loop under test: `App::run` over an injected input stream and a `TestBackend`
//! shared with the script, which sends keys and waits for screen content (slumber's runner,
//! gitui's full-app tests). Nothing here calls the state directly.

#![allow(dead_code)]

use std::io;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use crossterm::event::{Event, KeyCode, KeyEvent, KeyModifiers};
use futures::channel::mpsc::{UnboundedSender, unbounded};
use ratatui::backend::{Backend, ClearType, TestBackend, WindowSize};
use ratatui::buffer::Cell;
use ratatui::layout::{Position, Size};
use till::billing::ProviderKind;
use till::providers::{self, Http, HttpConfig};
use till::sandbox::{self, SandboxHandle, SandboxOptions};
use till::tui::app::{App, Recorder};
use till::tui::state::{AppState, Mode};
use till::tui::view::Theme;

/// A `TestBackend` the loop draws on while the script reads it.
#[derive(Clone)]
pub struct Shared(pub Arc<Mutex<TestBackend>>);

impl Shared {
    fn with<T>(&self, f: impl FnOnce(&mut TestBackend) -> T) -> T {
        f(&mut self.0.lock().unwrap_or_else(|p| p.into_inner()))
    }
}

impl Backend for Shared {
    type Error = std::convert::Infallible;

    fn draw<'a, I: Iterator<Item = (u16, u16, &'a Cell)>>(&mut self, content: I) -> Result<(), Self::Error> {
        self.with(|b| b.draw(content))
    }
    fn hide_cursor(&mut self) -> Result<(), Self::Error> {
        self.with(|b| b.hide_cursor())
    }
    fn show_cursor(&mut self) -> Result<(), Self::Error> {
        self.with(|b| b.show_cursor())
    }
    fn get_cursor_position(&mut self) -> Result<Position, Self::Error> {
        self.with(|b| b.get_cursor_position())
    }
    fn set_cursor_position<P: Into<Position>>(&mut self, position: P) -> Result<(), Self::Error> {
        let p = position.into();
        self.with(|b| b.set_cursor_position(p))
    }
    fn clear(&mut self) -> Result<(), Self::Error> {
        self.with(|b| b.clear())
    }
    fn clear_region(&mut self, clear_type: ClearType) -> Result<(), Self::Error> {
        self.with(|b| b.clear_region(clear_type))
    }
    fn size(&self) -> Result<Size, Self::Error> {
        self.with(|b| b.size())
    }
    fn window_size(&mut self) -> Result<WindowSize, Self::Error> {
        self.with(|b| b.window_size())
    }
    fn flush(&mut self) -> Result<(), Self::Error> {
        self.with(|b| b.flush())
    }
}

/// What a script drives: keys in, screen out.
#[derive(Clone)]
pub struct Script {
    input: UnboundedSender<io::Result<Event>>,
    screen: Shared,
    pub sandbox: Arc<SandboxHandle>,
    pub http: Http,
}

impl Script {
    pub fn key(&self, code: KeyCode) {
        let mods = match code {
            KeyCode::Char(c) if c.is_ascii_uppercase() => KeyModifiers::SHIFT,
            _ => KeyModifiers::NONE,
        };
        let _ = self.input.unbounded_send(Ok(Event::Key(KeyEvent::new(code, mods))));
    }

    pub fn ctrl(&self, c: char) {
        let _ = self.input.unbounded_send(Ok(Event::Key(KeyEvent::new(KeyCode::Char(c), KeyModifiers::CONTROL))));
    }

    pub fn text(&self, text: &str) {
        text.chars().for_each(|c| self.key(KeyCode::Char(c)));
    }

    /// Any event, e.g. a mouse click.
    pub fn event(&self, event: Event) {
        let _ = self.input.unbounded_send(Ok(event));
    }

    pub fn paste(&self, text: &str) {
        let _ = self.input.unbounded_send(Ok(Event::Paste(text.to_string())));
    }

    pub fn screen(&self) -> String {
        self.screen.with(|b| b.to_string())
    }

    /// Every cell's symbol, as the terminal would receive them.
    pub fn symbols(&self) -> String {
        self.screen.with(|b| b.buffer().content().iter().map(|c| c.symbol().to_string()).collect())
    }

    /// Waits until the screen shows `text` (10 s at most).
    pub async fn wait_for(&self, text: &str) -> String {
        self.wait_until(text, |s| s.contains(text)).await
    }

    pub async fn wait_until(&self, what: &str, ok: impl Fn(&str) -> bool) -> String {
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            let screen = self.screen();
            if ok(&screen) {
                return screen;
            }
            assert!(Instant::now() < deadline, "never saw {what}:\n{screen}");
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }

    /// Lets the loop take every key sent so far and anything they started.
    pub async fn idle(&self) {
        tokio::time::sleep(Duration::from_millis(400)).await;
    }

    /// Ends the input stream: `App::run` returns.
    pub fn finish(&self) {
        self.input.close_channel();
    }
}

/// Runs the console on the embedded sandbox at `width`×`height` until `script` finishes, and
/// returns the final state for assertions.
pub async fn run<F, Fut>(mode: Mode, width: u16, height: u16, script: F) -> AppState
where
    F: FnOnce(Script) -> Fut,
    Fut: std::future::Future<Output = ()>,
{
    run_on(SandboxOptions::default(), mode, width, height, script).await
}

/// `run` on a sandbox started with these options.
pub async fn run_on<F, Fut>(options: SandboxOptions, mode: Mode, width: u16, height: u16, script: F) -> AppState
where
    F: FnOnce(Script) -> Fut,
    Fut: std::future::Future<Output = ()>,
{
    super::console::journal();
    let sandbox = Arc::new(sandbox::start(options).await.unwrap());
    let http = Http::new(HttpConfig::default()).unwrap();
    let providers = ProviderKind::ALL
        .into_iter()
        .map(|k| providers::connect(k, sandbox.endpoint(k), http.clone()).unwrap())
        .collect();
    let shared = Shared(Arc::new(Mutex::new(TestBackend::new(width, height))));
    let mut app = App::new(shared.clone(), providers, http.log().clone(), mode, "test", Box::new(Recorder::default()))
        .unwrap()
        .with_theme(Theme { color: false });
    let (tx, rx) = unbounded();
    let script_handle = Script { input: tx, screen: shared, sandbox, http };
    let driver = {
        let s = script_handle.clone();
        async move {
            script(s.clone()).await;
            s.finish();
        }
    };
    let (result, ()) = tokio::join!(app.run(rx, std::future::pending::<()>()), driver);
    result.unwrap();
    app.state
}
