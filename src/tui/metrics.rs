//! Timing figures for the bench script, written only when `TILL_METRICS=<file>` is set:
//! start to first frame, start to first customers, and key press to drawn frame.

use std::io::Write;
use std::sync::OnceLock;
use std::time::Instant;

static PROCESS_START: OnceLock<Instant> = OnceLock::new();

/// Call first thing in `main`, so figures count from process start.
pub fn mark_process_start() {
    let _ = PROCESS_START.set(Instant::now());
}

fn since_start_us() -> u128 {
    PROCESS_START.get_or_init(Instant::now).elapsed().as_micros()
}

#[derive(Default)]
pub struct Metrics {
    file: Option<std::fs::File>,
    lines: Vec<String>,
    first_frame: bool,
    first_customers: bool,
    pending_key: Option<Instant>,
}

impl Metrics {
    pub fn from_env() -> Metrics {
        let file = std::env::var_os("TILL_METRICS")
            .and_then(|p| std::fs::OpenOptions::new().create(true).append(true).open(p).ok());
        Metrics { file, ..Metrics::default() }
    }

    fn enabled(&self) -> bool {
        self.file.is_some()
    }

    pub fn key_received(&mut self) {
        if self.enabled() {
            self.pending_key = Some(Instant::now());
        }
    }

    pub fn customers_shown(&mut self) {
        if self.enabled() && !self.first_customers {
            self.first_customers = true;
            // Counted when the next frame shows them.
            self.lines.push("first_customers_pending".into());
        }
    }

    pub fn frame_drawn(&mut self) {
        if !self.enabled() {
            return;
        }
        let now = since_start_us();
        if !self.first_frame {
            self.first_frame = true;
            self.lines.push(format!("first_frame_us {now}"));
        }
        if let Some(pos) = self.lines.iter().position(|l| l == "first_customers_pending") {
            self.lines[pos] = format!("first_customers_us {now}");
        }
        if let Some(t) = self.pending_key.take() {
            self.lines.push(format!("key_to_frame_us {}", t.elapsed().as_micros()));
        }
        if self.lines.len() > 64 {
            self.flush();
        }
    }

    pub fn flush(&mut self) {
        if let Some(f) = self.file.as_mut() {
            for l in self.lines.drain(..) {
                let _ = writeln!(f, "{l}");
            }
            let _ = f.flush();
        }
    }
}
