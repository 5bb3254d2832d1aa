//! The interactive console. This is the only module that imports ratatui or crossterm.

pub mod action;
pub mod app;
pub mod bench;
mod events_tasks;
pub mod keymap;
pub mod layout;
pub mod metrics;
pub mod outside;
mod payments_tasks;
pub mod raw_tasks;
pub mod sandbox_clock;
pub mod sandbox_events;
pub mod state;
pub mod tasks;
pub mod terminal;
pub mod text;
pub mod view;
mod writes;

use std::sync::Arc;

use crossterm::event::EventStream;

use crate::providers::BillingProvider;
use crate::providers::log::RequestLog;
use app::{App, Outside};
use state::Mode;

/// Clipboard through OSC 52 (works over SSH where the terminal allows it) and the browser
/// through `open`, detached so a text-mode browser cannot block the loop.
struct RealOutside;

impl Outside for RealOutside {
    fn copy(&mut self, text: &str) {
        let _ = crossterm::execute!(std::io::stdout(), crossterm::clipboard::CopyToClipboard::to_clipboard_from(text));
    }

    /// OSC 8 around text ratatui already drew; terminals without OSC 8 just show the text.
    fn hyperlink(&mut self, url: &str, cells: &[(u16, u16, String)]) {
        if std::env::var("TERM").is_ok_and(|t| t == "dumb") {
            return;
        }
        // Only a plain http(s) URL goes inside the escape sequence.
        let Some(url) = crate::text::safe_url(url) else { return };
        use std::io::Write;
        let mut out = std::io::stdout().lock();
        for (x, y, text) in cells {
            let _ = crossterm::queue!(out, crossterm::cursor::MoveTo(*x, *y));
            let text = crate::text::line(text);
            let _ = write!(out, "\x1b]8;;{url}\x1b\\{text}\x1b]8;;\x1b\\");
        }
        let _ = out.flush();
    }

    fn open(&mut self, url: &str) {
        let url = url.to_string();
        std::thread::spawn(move || {
            if let Err(e) = open::that_detached(&url) {
                tracing::warn!("could not open {url}: {e}");
            }
        });
    }
}

/// Runs the console on the real terminal until the user quits or SIGTERM arrives; `mouse`
/// turns mouse capture on (clicks and the wheel, see `state::mouse`).
/// The embedded sandbox as the console reaches it: its clock (`:clock`) and its events (`e`).
pub struct EmbeddedSandbox {
    pub clock: Arc<dyn sandbox_clock::SandboxClock>,
    pub events: Arc<dyn sandbox_events::SandboxEvents>,
}

pub async fn run(
    providers: Vec<Arc<dyn BillingProvider>>,
    log: RequestLog,
    mode: Mode,
    profile: &str,
    read_only: bool,
    mouse: bool,
    sandbox: Option<EmbeddedSandbox>,
) -> Result<(), String> {
    let backend = terminal::init(mouse).map_err(|e| format!("cannot take over the terminal: {e}"))?;
    // From here on, every exit path must restore the terminal.
    let result = async {
        let mut app = App::new(backend, providers, log, mode, profile, Box::new(RealOutside))
            .map_err(|e| e.to_string())?
            .read_only(read_only);
        if let Some(sandbox) = sandbox {
            app = app.sandbox_clock(sandbox.clock);
            app.set_sandbox_events(sandbox.events);
        }
        app.run(EventStream::new(), shutdown_signal()).await.map_err(|e| e.to_string())
    }
    .await;
    terminal::restore();
    result
}

/// Resolves on SIGTERM, SIGINT, SIGHUP or SIGQUIT, or when the terminal hangs up (also with
/// SIGHUP ignored, as under nohup, where reads would otherwise return EOF forever).
async fn shutdown_signal() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        let kinds = [SignalKind::terminate(), SignalKind::interrupt(), SignalKind::hangup(), SignalKind::quit()];
        let mut streams: Vec<_> = kinds.into_iter().filter_map(|k| signal(k).ok()).collect();
        let signals = futures::future::select_all(streams.iter_mut().map(|s| Box::pin(s.recv())));
        let (tx, rx) = tokio::sync::oneshot::channel::<()>();
        std::thread::spawn(move || {
            wait_for_hangup();
            let _ = tx.send(());
        });
        tokio::select! {
            _ = signals => {}
            _ = rx => {}
        }
    }
    #[cfg(not(unix))]
    std::future::pending::<()>().await
}

/// Blocks until the terminal on stdin hangs up: poll(2) with no events asked reports only
/// hang-ups and errors, so this thread sleeps in the kernel until then.
#[cfg(unix)]
fn wait_for_hangup() {
    use rustix::event::{PollFd, PollFlags, poll};
    let stdin = rustix::stdio::stdin();
    loop {
        let mut fds = [PollFd::new(&stdin, PollFlags::empty())];
        match poll(&mut fds, None) {
            Ok(_) if fds[0].revents().intersects(PollFlags::HUP | PollFlags::ERR | PollFlags::NVAL) => return,
            Ok(_) => std::thread::sleep(std::time::Duration::from_millis(200)),
            Err(rustix::io::Errno::INTR) => {}
            Err(_) => return,
        }
    }
}
