//! Taking over and giving back the terminal. Restore runs on quit, on Ctrl-C (a key in raw
//! mode), on SIGTERM (the loop ends normally) and from the panic hook, which covers panics in
//! any task: it restores, prints the panic, and exits, so nothing keeps drawing afterwards.

use std::io::{self, Stdout, Write};

use crossterm::event::{DisableBracketedPaste, DisableMouseCapture, EnableBracketedPaste, EnableMouseCapture};
use crossterm::execute;
use crossterm::terminal::{EnterAlternateScreen, LeaveAlternateScreen, disable_raw_mode, enable_raw_mode};
use ratatui::backend::CrosstermBackend;

pub type Backend = CrosstermBackend<Stdout>;

/// Raw mode, the alternate screen, bracketed paste and, when `mouse`, mouse capture (which
/// takes text selection away from the terminal: `--no-mouse` / `mouse = false` leave it off).
pub fn init(mouse: bool) -> io::Result<Backend> {
    install_panic_hook();
    enable_raw_mode()?;
    let mut stdout = io::stdout();
    if let Err(e) = write_init(&mut stdout, mouse) {
        restore();
        return Err(e);
    }
    Ok(CrosstermBackend::new(stdout))
}

/// The sequences that take the screen over. Bracketed paste: a paste arrives as text, never
/// as keys that could run commands.
pub fn write_init(out: &mut impl Write, mouse: bool) -> io::Result<()> {
    execute!(out, EnterAlternateScreen, EnableBracketedPaste)?;
    if mouse {
        execute!(out, EnableMouseCapture)?;
    }
    Ok(())
}

/// The sequences that give the screen back. Mouse capture is switched off whether or not it
/// was on: harmless when off, and a shell left reporting clicks is unusable.
pub fn write_restore(out: &mut impl Write) -> io::Result<()> {
    execute!(out, DisableMouseCapture, DisableBracketedPaste, LeaveAlternateScreen, crossterm::cursor::Show)
}

/// Safe to call more than once; every step is attempted even if an earlier one fails.
pub fn restore() {
    let mut stdout = io::stdout();
    let _ = write_restore(&mut stdout);
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

#[cfg(test)]
mod tests {
    use super::*;

    fn text(bytes: &[u8]) -> String {
        String::from_utf8_lossy(bytes).into_owned()
    }

    /// The xterm modes EnableMouseCapture sets: clicks, drags, any motion, and both encodings.
    const MOUSE_MODES: [&str; 5] = ["1000", "1002", "1003", "1015", "1006"];

    #[test]
    fn mouse_capture_is_asked_for_only_when_on() {
        let mut on = Vec::new();
        write_init(&mut on, true).unwrap();
        let mut off = Vec::new();
        write_init(&mut off, false).unwrap();
        for mode in MOUSE_MODES {
            assert!(text(&on).contains(&format!("\x1b[?{mode}h")), "mode {mode} not set: {:?}", text(&on));
            assert!(!text(&off).contains(&format!("\x1b[?{mode}h")), "--no-mouse set {mode}: {:?}", text(&off));
        }
        for out in [&on, &off] {
            assert!(text(out).contains("\x1b[?1049h") && text(out).contains("\x1b[?2004h"), "{:?}", text(out));
        }
    }

    #[test]
    fn restore_turns_every_mouse_mode_off_with_the_screen_and_paste() {
        let mut out = Vec::new();
        write_restore(&mut out).unwrap();
        let out = text(&out);
        for mode in MOUSE_MODES {
            assert!(out.contains(&format!("\x1b[?{mode}l")), "mode {mode} left on: {out:?}");
        }
        assert!(out.contains("\x1b[?1049l"), "alternate screen left: {out:?}");
        assert!(out.contains("\x1b[?2004l"), "bracketed paste left: {out:?}");
        assert!(out.contains("\x1b[?25h"), "cursor left hidden: {out:?}");
    }
}
