//! Taking over and giving back the terminal. Restore runs on quit, on Ctrl-C (a key in raw
//! mode), on SIGTERM (the loop ends normally) and from the panic hook, which covers panics in
//! any task: it restores, prints the panic, and exits, so nothing keeps drawing afterwards.

use std::io::{self, Stdout, Write};

use crossterm::event::{DisableBracketedPaste, DisableMouseCapture, EnableBracketedPaste};
use crossterm::execute;
use crossterm::terminal::{EnterAlternateScreen, LeaveAlternateScreen, disable_raw_mode, enable_raw_mode};
use ratatui::backend::CrosstermBackend;

pub type Backend = CrosstermBackend<Stdout>;

pub fn init() -> io::Result<Backend> {
    install_panic_hook();
    enable_raw_mode()?;
    let mut stdout = io::stdout();
    // Bracketed paste: a paste arrives as text, never as keys that could run commands.
    if let Err(e) = execute!(stdout, EnterAlternateScreen, EnableBracketedPaste) {
        restore();
        return Err(e);
    }
    Ok(CrosstermBackend::new(stdout))
}

/// Safe to call more than once; every step is attempted even if an earlier one fails.
pub fn restore() {
    let mut stdout = io::stdout();
    let _ = execute!(stdout, DisableMouseCapture, DisableBracketedPaste, LeaveAlternateScreen, crossterm::cursor::Show);
    let _ = disable_raw_mode();
    let _ = stdout.flush();
}

fn install_panic_hook() {
    let previous = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        restore();
        previous(info);
        eprintln!("till crashed; the terminal was restored. The log file (see `till info`) may say more.");
        std::process::exit(101);
    }));
}
