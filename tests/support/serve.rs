//! `till sandbox serve` as a child process, for the tests that drive till's CLI against it:
//! started on a free port with its own state dir, found through the record it writes there
//! (its URL and admin token), stopped by a signal, and killed when dropped so a failing test
//! leaves no process behind. Unix only: the tests stop it with signals.
//!
//! Include with `#[cfg(unix)] #[path = "support/serve.rs"] mod serve;`.

#![cfg(unix)]
#![allow(dead_code)] // each test file uses a different part

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

pub use rustix::process::Signal;

/// A running `till sandbox serve`.
pub struct Served {
    child: Child,
    data: PathBuf,
    /// Its base URL, e.g. `http://127.0.0.1:40123`, as recorded.
    pub url: String,
    /// Its admin token, as recorded.
    pub token: String,
}

impl Served {
    /// `till sandbox serve --port 0` with `data` as its state dir, once it has recorded itself.
    pub fn start(data: &Path) -> Served {
        let mut command = Command::new(env!("CARGO_BIN_EXE_till"));
        command.args(["sandbox", "serve", "--port", "0"]);
        Served::spawn(command, data)
    }

    /// As [`Served::start`], with at most `files` open file descriptors (`ulimit -n`).
    pub fn start_with_file_limit(data: &Path, files: u32) -> Served {
        let mut command = Command::new("sh");
        command
            .arg("-c")
            .arg(format!("ulimit -n {files} && exec '{}' sandbox serve --port 0", env!("CARGO_BIN_EXE_till")));
        Served::spawn(command, data)
    }

    fn spawn(mut command: Command, data: &Path) -> Served {
        let mut child = command
            .env("TILL_DATA_DIR", data)
            .env_remove("TILL_SANDBOX_TOKEN")
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("till sandbox serve starts");
        let mut first = String::new();
        BufReader::new(child.stdout.take().expect("piped stdout")).read_line(&mut first).expect("its first line");
        assert!(first.contains("listening on http://127.0.0.1:"), "{first}");
        let record = data.join("sandbox.json");
        let deadline = Instant::now() + Duration::from_secs(10);
        let (url, token) = loop {
            // The record may be seen half-written: read until it parses.
            let parsed = std::fs::read(&record).ok().and_then(|b| serde_json::from_slice::<serde_json::Value>(&b).ok());
            if let Some(r) = parsed {
                let field = |k: &str| r[k].as_str().map(str::to_string);
                if let (Some(url), Some(token)) = (field("url"), field("token")) {
                    break (url, token);
                }
            }
            assert!(Instant::now() < deadline, "serve recorded itself in {}", record.display());
            std::thread::sleep(Duration::from_millis(20));
        };
        Served { child, data: data.to_path_buf(), url, token }
    }

    /// `host:port`.
    pub fn addr(&self) -> &str {
        self.url.trim_start_matches("http://").trim_end_matches('/')
    }

    /// The record `serve` keeps in its state dir.
    pub fn record(&self) -> PathBuf {
        self.data.join("sandbox.json")
    }

    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// Sends `signal` and waits for the process to end.
    pub fn signal(&mut self, signal: Signal) {
        signal_child(&mut self.child, signal);
    }

    /// A clean stop (SIGTERM): serve removes its record.
    pub fn stop(&mut self) {
        self.signal(Signal::TERM);
    }
}

impl Drop for Served {
    fn drop(&mut self) {
        if matches!(self.child.try_wait(), Ok(None)) {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}

/// Sends `signal` to any child (`till listen`, say) and waits for it to end.
pub fn signal_child(child: &mut Child, signal: Signal) {
    let pid = rustix::process::Pid::from_raw(child.id() as i32).expect("a child's pid is positive");
    rustix::process::kill_process(pid, signal).expect("the signal is sent");
    child.wait().expect("the child ends");
}
