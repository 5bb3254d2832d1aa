//! The real binary in a real terminal (tmux): launch, wait for customers, filter, switch
//! provider, quit, and check the terminal is back in cooked mode. `.ci/run` installs tmux;
//! without it this test is skipped locally and fails under CI.

#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a panic is the failure report

use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

struct Tmux {
    socket: String,
}

impl Tmux {
    fn run(&self, args: &[&str]) -> String {
        let out = Command::new("tmux").arg("-S").arg(&self.socket).args(args).output().expect("tmux runs");
        String::from_utf8_lossy(&out.stdout).to_string()
    }

    fn screen(&self) -> String {
        self.run(&["capture-pane", "-p", "-t", "smoke"])
    }

    fn keys(&self, keys: &[&str]) {
        for k in keys {
            self.run(&["send-keys", "-t", "smoke", k]);
            // A lone Esc followed at once by a key would read as Alt+key.
            std::thread::sleep(Duration::from_millis(80));
        }
    }

    fn wait_for(&self, what: &str) -> String {
        self.wait_until(what, |screen| screen.contains(what))
    }

    fn wait_until(&self, what: &str, done: impl Fn(&str) -> bool) -> String {
        let deadline = Instant::now() + Duration::from_secs(15);
        loop {
            let screen = self.screen();
            if done(&screen) {
                return screen;
            }
            assert!(Instant::now() < deadline, "timed out waiting for {what:?}; screen:\n{screen}");
            std::thread::sleep(Duration::from_millis(100));
        }
    }
}

impl Drop for Tmux {
    fn drop(&mut self) {
        let _ = Command::new("tmux").arg("-S").arg(&self.socket).arg("kill-server").output();
    }
}

fn wait_for_file(path: &Path) -> String {
    let deadline = Instant::now() + Duration::from_secs(10);
    while Instant::now() < deadline {
        if let Ok(text) = std::fs::read_to_string(path)
            && !text.is_empty()
        {
            return text;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    panic!("{} never appeared: the console did not exit", path.display());
}

/// Starts the console in a fresh tmux server; after it exits the pane records its exit status
/// and `stty -a`.
fn launch(dir: &Path) -> (Tmux, std::path::PathBuf, std::path::PathBuf) {
    let stty = dir.join("stty.txt");
    let status = dir.join("status.txt");
    let tmux = Tmux { socket: dir.join("tmux.sock").display().to_string() };
    let script = format!(
        "XDG_STATE_HOME={state} TILL_DATA_DIR={state} {bin}; echo $? > {status}; stty -a > {stty}; sleep 30",
        state = dir.display(),
        bin = env!("CARGO_BIN_EXE_till"),
        status = status.display(),
        stty = stty.display()
    );
    tmux.run(&["new-session", "-d", "-s", "smoke", "-x", "120", "-y", "32", &script]);
    (tmux, status, stty)
}

fn assert_cooked(modes: &str) {
    let flags: Vec<&str> = modes.split_whitespace().collect();
    for cooked in ["icanon", "echo", "isig", "icrnl", "opost"] {
        assert!(flags.contains(&cooked), "terminal left without {cooked}: {modes}");
    }
}

fn tmux_available() -> bool {
    if Command::new("tmux").arg("-V").output().is_ok() {
        return true;
    }
    assert!(std::env::var("CI").as_deref() != Ok("true"), "tmux is required under CI (.ci/run installs it)");
    eprintln!("skipped: tmux not installed");
    false
}

#[test]
fn sigterm_restores_the_terminal() {
    if !tmux_available() {
        return;
    }
    signal_the_console("-TERM");
}

/// Starts the console, sends it `signal` from outside, and checks it exits 0 with the
/// terminal back in cooked mode.
fn signal_the_console(signal: &str) {
    let dir = tempfile::tempdir().unwrap();
    let (tmux, status, stty) = launch(dir.path());
    tmux.wait_for("Customers · ");
    // The pane runs a shell; the console is its child.
    let shell = tmux.run(&["display", "-p", "-t", "smoke", "#{pane_pid}"]).trim().to_string();
    let children = Command::new("pgrep").args(["-P", &shell]).output().expect("pgrep");
    let pid = String::from_utf8_lossy(&children.stdout).lines().next().expect("console process").to_string();
    assert!(Command::new("kill").args([signal, &pid]).status().unwrap().success());
    assert_eq!(wait_for_file(&status).trim(), "0", "{signal} ends the console cleanly");
    assert_cooked(&wait_for_file(&stty));
}

#[test]
fn console_in_a_real_terminal_starts_filters_switches_and_restores_the_terminal() {
    if !tmux_available() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let (tmux, status, stty) = launch(dir.path());

    // Every provider's seed has at least 60 customers; the All tab shows them together.
    let loaded = |screen: &str| {
        let count = screen.split("Customers · ").nth(1).and_then(|t| t.split(" of ").next());
        count.and_then(|n| n.trim().parse::<u32>().ok()).is_some_and(|n| n >= 66)
    };
    let screen = tmux.wait_until("all customers", loaded);
    assert!(screen.contains("SANDBOX"));
    tmux.keys(&["/", "m", "u", "l", "l", "e", "r"]);
    let screen = tmux.wait_for("Jürgen Müller");
    assert!(screen.contains("matching"), "{screen}");
    tmux.keys(&["Escape", "2"]);
    tmux.wait_for("Plans · Kelviq");
    tmux.keys(&["q"]);

    assert_eq!(wait_for_file(&status).trim(), "0", "clean exit");
    assert_cooked(&wait_for_file(&stty));
    let after = tmux.screen();
    assert!(!after.contains("SANDBOX"), "alternate screen left:\n{after}");
}

/// The console's pid, from a pane that `exec`s it after ignoring SIGHUP (as `nohup` does).
fn launch_ignoring_hangup(dir: &Path) -> (Tmux, u32) {
    let pid = dir.join("pid.txt");
    let tmux = Tmux { socket: dir.join("tmux.sock").display().to_string() };
    let script = format!(
        "echo $$ > {pid}; trap '' HUP; XDG_STATE_HOME={state} TILL_DATA_DIR={state} exec {bin}",
        pid = pid.display(),
        state = dir.display(),
        bin = env!("CARGO_BIN_EXE_till"),
    );
    tmux.run(&["new-session", "-d", "-s", "smoke", "-x", "120", "-y", "32", &script]);
    (tmux, wait_for_file(&pid).trim().parse().unwrap())
}

fn alive(pid: u32) -> bool {
    Command::new("kill").args(["-0", &pid.to_string()]).status().is_ok_and(|s| s.success())
}

/// Issue 14: with SIGHUP ignored, a closed terminal used to leave the console spinning at
/// 100 % CPU on `read(0) = 0`; now it notices the hang-up and exits.
#[test]
fn a_closed_terminal_ends_the_console_even_with_sighup_ignored() {
    if !tmux_available() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let (tmux, pid) = launch_ignoring_hangup(dir.path());
    tmux.wait_for("Customers · ");
    tmux.run(&["kill-server"]);
    let deadline = Instant::now() + Duration::from_secs(10);
    while alive(pid) {
        assert!(Instant::now() < deadline, "the console (pid {pid}) kept running after its terminal closed");
        std::thread::sleep(Duration::from_millis(100));
    }
}

/// SIGINT and SIGQUIT from outside end the console like SIGTERM: terminal restored, exit 0.
#[test]
fn sigint_and_sigquit_restore_the_terminal() {
    if !tmux_available() {
        return;
    }
    for signal in ["-INT", "-QUIT"] {
        signal_the_console(signal);
    }
}
