//! A line on stderr saying how far a long list has got, for a person at a terminal. Against a
//! real provider, `customers list --all` over 1,001 pages at its budget's 10 requests a second
//! takes 100 s, and a table prints nothing until the last page is in: without it that is
//! 100 s of silence. Shown only after the list has taken a second, redrawn at most four times a
//! second, and erased before anything else is printed; never when stderr is not a terminal.

use std::io::Write;
use std::time::{Duration, Instant};

use crate::billing::money::group_int;

/// How long a list runs before the line appears: a short one never flickers.
const QUIET_FOR: Duration = Duration::from_secs(1);
/// The least time between two redraws.
const REDRAW_EVERY: Duration = Duration::from_millis(250);

/// Erases the line the cursor is on (`\r`, then CSI K).
const ERASE: &[u8] = b"\r\x1b[K";

pub struct Progress<W: Write> {
    /// `None` when no one is watching, or the line would get in the way (`on_stderr`).
    out: Option<W>,
    what: &'static str,
    started: Instant,
    read: u64,
    drawn_at: Option<Instant>,
}

impl Progress<std::io::Stderr> {
    /// On stderr when it is a terminal and the line cannot land on another program's screen or
    /// repeat what the output already shows: with stdout on the terminal, only while a `table`
    /// waits for its last page (JSON rows are their own progress); with stdout in a file, always;
    /// with stdout into a pipe, never (the program reading it, a pager, may own the terminal).
    pub fn on_stderr(what: &'static str, table: bool) -> Progress<std::io::Stderr> {
        use std::io::IsTerminal;
        let out = std::io::stderr();
        let stdout_shown = std::io::stdout().is_terminal();
        let watched = out.is_terminal() && if stdout_shown { table } else { stdout_is_a_file() };
        Progress::new(watched.then_some(out), what, Instant::now())
    }
}

/// Whether stdout is a file or a device (`/dev/null`) rather than a pipe or a socket, whose
/// reader may own the terminal.
#[cfg(unix)]
fn stdout_is_a_file() -> bool {
    use std::os::fd::AsFd;
    use std::os::unix::fs::FileTypeExt;
    let stdout = std::io::stdout().as_fd().try_clone_to_owned().map(std::fs::File::from);
    // Not known counts as a pipe: no line is the safe side.
    match stdout.and_then(|f| f.metadata()) {
        Ok(m) => m.file_type().is_file() || m.file_type().is_char_device(),
        Err(_) => false,
    }
}

/// Elsewhere a pipe is not told from a file: no line unless stdout is the terminal.
#[cfg(not(unix))]
fn stdout_is_a_file() -> bool {
    false
}

impl<W: Write> Progress<W> {
    pub fn new(out: Option<W>, what: &'static str, started: Instant) -> Progress<W> {
        Progress { out, what, started, read: 0, drawn_at: None }
    }

    /// `n` more rows read by `now`.
    pub fn add(&mut self, n: usize, now: Instant) {
        self.read += n as u64;
        let Some(out) = self.out.as_mut() else { return };
        let due = now.duration_since(self.started) >= QUIET_FOR
            && self.drawn_at.is_none_or(|at| now.duration_since(at) >= REDRAW_EVERY);
        if !due {
            return;
        }
        let count = group_int(i64::try_from(self.read).unwrap_or(i64::MAX));
        // A line the terminal cannot show is not worth failing the list for.
        let line = format!("till: read {count} {} so far…", self.what);
        let _ = out.write_all(ERASE).and_then(|()| out.write_all(line.as_bytes())).and_then(|()| out.flush());
        self.drawn_at = Some(now);
    }

    /// Erases the line, if it was drawn, before the output or a message is printed.
    pub fn clear(&mut self) {
        if let (Some(out), Some(_)) = (self.out.as_mut(), self.drawn_at.take()) {
            let _ = out.write_all(ERASE).and_then(|()| out.flush());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn text(p: &Progress<Vec<u8>>) -> String {
        String::from_utf8(p.out.clone().unwrap()).unwrap()
    }

    #[test]
    fn the_line_waits_a_second_redraws_at_most_four_times_a_second_and_is_erased() {
        let t0 = Instant::now();
        let mut p = Progress::new(Some(Vec::new()), "customers", t0);
        p.add(100, t0 + Duration::from_millis(500));
        assert_eq!(text(&p), "", "nothing in the first second");
        p.add(100, t0 + Duration::from_secs(1));
        assert_eq!(text(&p), "\r\x1b[Ktill: read 200 customers so far…");
        p.add(1_000, t0 + Duration::from_millis(1_100));
        assert_eq!(text(&p), "\r\x1b[Ktill: read 200 customers so far…", "not redrawn within 250 ms");
        p.add(100, t0 + Duration::from_millis(1_250));
        assert!(text(&p).ends_with("\r\x1b[Ktill: read 1,300 customers so far…"), "{}", text(&p));
        p.clear();
        assert!(text(&p).ends_with("so far…\r\x1b[K"));
        p.clear();
        assert!(text(&p).ends_with("so far…\r\x1b[K"), "erased once");
    }

    #[test]
    fn a_short_list_or_no_terminal_prints_nothing() {
        let t0 = Instant::now();
        let mut p = Progress::new(Some(Vec::new()), "customers", t0);
        p.add(50, t0 + Duration::from_millis(10));
        p.clear();
        assert_eq!(text(&p), "");
        let mut p: Progress<Vec<u8>> = Progress::new(None, "customers", t0);
        p.add(50, t0 + Duration::from_secs(5));
        p.clear();
        assert!(p.out.is_none());
    }
}
