//! Keys stay secret: the CLI and the console run with a canary key through a profile pointed at
//! the sandbox (which rejects it), then every file the program wrote and everything it printed
//! or drew is searched for the key. Zero occurrences.

#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a panic is the failure report

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::Duration;

use till::billing::ProviderKind;
use till::config::{self, Overrides, Profile, ProfileMode};
use till::providers::{self, Http, HttpConfig, Secret};
use till::sandbox::{self, SandboxOptions};

const CANARY: &str = "sk_test_CANARY_1234567890";
const LIVE_CANARY: &str = "sk_live_CANARY_0987654321";

struct Env {
    dir: tempfile::TempDir,
}

impl Env {
    fn new() -> Env {
        Env { dir: tempfile::tempdir().unwrap() }
    }

    fn path(&self, sub: &str) -> PathBuf {
        self.dir.path().join(sub)
    }

    fn till(&self, args: &[&str], stdin: Option<&str>, extra: &[(&str, &str)]) -> Output {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_till"));
        cmd.args(args)
            .env("HOME", self.path("home"))
            .env("XDG_CONFIG_HOME", self.path("xdg-config"))
            .env("XDG_DATA_HOME", self.path("xdg-data"))
            .env("XDG_STATE_HOME", self.path("xdg-state"))
            .env("TILL_CONFIG_DIR", self.path("config"))
            .env("TILL_DATA_DIR", self.path("data"))
            // No keyring here: the key must come from the environment and never be saved.
            .env("DBUS_SESSION_BUS_ADDRESS", "unix:path=/nonexistent/till-test-bus")
            .env_remove("TILL_PROFILE")
            .env_remove("TILL_READ_ONLY")
            .stdin(if stdin.is_some() { Stdio::piped() } else { Stdio::null() })
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        for kind in ProviderKind::ALL {
            let up = kind.slug().to_ascii_uppercase();
            for suffix in ["BASE_URL", "EDGE_URL", "KEY", "ACCOUNT", "CLIENT_KEY"] {
                cmd.env_remove(format!("TILL_{up}_{suffix}"));
            }
        }
        cmd.envs(extra.iter().copied());
        let mut child = cmd.spawn().unwrap();
        if let Some(text) = stdin {
            use std::io::Write;
            child.stdin.take().unwrap().write_all(text.as_bytes()).unwrap();
        }
        child.wait_with_output().unwrap()
    }
}

fn text(o: &Output) -> String {
    format!("{}{}", String::from_utf8_lossy(&o.stdout), String::from_utf8_lossy(&o.stderr))
}

fn files_under(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else { return };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            files_under(&path, out);
        } else {
            out.push(path);
        }
    }
}

fn assert_clean(label: &str, haystack: &[u8]) {
    // The bare suffixes too: a key with its prefix stripped is still the key.
    for key in [CANARY, LIVE_CANARY, "CANARY_1234567890", "CANARY_0987654321"] {
        let found = haystack.windows(key.len()).any(|w| w == key.as_bytes());
        assert!(!found, "{label} contains the canary key {key:?}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cli_never_prints_or_writes_the_key() {
    let sb = sandbox::start(SandboxOptions::default()).await.unwrap();
    let flowglad = sb.endpoint(ProviderKind::Flowglad).base_url.to_string();
    let env = Env::new();
    let key = [("TILL_CANARY_KEY", CANARY)];
    let mut outputs = Vec::new();
    let add = env.till(&["profiles", "add", "canary", "--provider", "flowglad", "--base-url", &flowglad], None, &[]);
    assert_eq!(add.status.code(), Some(0), "{}", text(&add));
    let live = ["profiles", "add", "canary-live", "--provider", "flowglad", "--mode", "live", "--base-url", &flowglad];
    assert_eq!(env.till(&live, None, &[]).status.code(), Some(0));

    // The sandbox rejects the canary: an authentication error (4), sent with the key.
    let o = env.till(&["--profile", "canary", "customers", "list"], None, &key);
    assert_eq!(o.status.code(), Some(4), "{}", text(&o));
    outputs.push(o);
    let o = env.till(&["--profile", "canary", "--json", "plans", "list"], None, &key);
    assert_eq!(o.status.code(), Some(4), "{}", text(&o));
    outputs.push(o);
    let o = env.till(&["--profile", "canary", "checkout", "create", "--plan", "pro", "--dry-run"], None, &key);
    outputs.push(o);
    // A write that is journaled (as a failed attempt): the journal must not hold the key either.
    let o = env.till(&["--profile", "canary", "checkout", "create", "--plan", "pro"], None, &key);
    assert_eq!(o.status.code(), Some(4), "{}", text(&o));
    outputs.push(o);
    let cancel = ["--profile", "canary", "subscriptions", "cancel", "sub_x", "--yes"];
    outputs.push(env.till(&cancel, None, &key));
    // A key of the wrong mode is refused before any request, without quoting it.
    let o = env.till(&["--profile", "canary-live", "customers", "list"], None, &[("TILL_CANARY_LIVE_KEY", CANARY)]);
    assert_eq!(o.status.code(), Some(4), "{}", text(&o));
    assert!(text(&o).contains("live mode") && text(&o).contains("sk_test_"), "{}", text(&o));
    outputs.push(o);
    // No keyring: login says so, points to the variable, saves nothing.
    let o = env.till(&["--profile", "canary", "auth", "login", "--stdin"], Some(&format!("{CANARY}\n")), &[]);
    assert_eq!(o.status.code(), Some(1), "{}", text(&o));
    assert!(text(&o).contains("no OS keyring") && text(&o).contains("export TILL_CANARY_KEY"), "{}", text(&o));
    outputs.push(o);
    let o = env.till(&["auth", "status"], None, &key);
    assert!(String::from_utf8_lossy(&o.stdout).contains("env TILL_CANARY_KEY"), "{}", text(&o));
    outputs.push(o);
    outputs.push(env.till(&["--json", "auth", "status"], None, &key));
    outputs.push(env.till(&["--profile", "canary", "info"], None, &key));
    outputs.push(env.till(&["--profile", "canary", "audit"], None, &key));

    for (i, o) in outputs.iter().enumerate() {
        assert_clean(&format!("output {i} ({})", text(o)), &[o.stdout.as_slice(), o.stderr.as_slice()].concat());
    }
    let mut files = Vec::new();
    files_under(env.dir.path(), &mut files);
    assert!(files.iter().any(|f| f.ends_with("config/config.toml")), "the profile was written: {files:?}");
    let journal = std::fs::read_to_string(env.path("data/audit.jsonl")).unwrap();
    assert!(journal.contains("\"profile\":\"canary\"") && journal.contains("checkout.create"), "{journal}");
    for f in &files {
        assert_clean(&f.display().to_string(), &std::fs::read(f).unwrap());
    }
    sb.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn console_never_shows_the_key() {
    use crossterm::event::{Event, KeyCode, KeyEvent, KeyModifiers};
    use ratatui::backend::TestBackend;
    use till::tui::app::{App, Recorder};
    use till::tui::state::Mode;

    let sb = sandbox::start(SandboxOptions::default()).await.unwrap();
    let profile = Profile {
        provider: ProviderKind::Flowglad,
        mode: ProfileMode::Test,
        base_url: Some(sb.endpoint(ProviderKind::Flowglad).base_url.to_string()),
        edge_url: None,
        account: None,
        read_only: false,
        rate_limit: None,
        burst: None,
    };
    let no_env = |_: &str| None;
    let endpoint =
        config::profile_endpoint("canary", &profile, &Overrides::default(), &no_env, Secret::new(CANARY), None)
            .unwrap();
    let http = Http::new(HttpConfig::default()).unwrap();
    let provider = providers::connect(ProviderKind::Flowglad, endpoint, http.clone()).unwrap();
    let recorder = Recorder::default();
    let mut app = App::new(
        TestBackend::new(140, 40),
        vec![provider],
        http.log().clone(),
        Mode::Test,
        "canary",
        Box::new(recorder),
    )
    .unwrap();
    app.start();
    app.settle(Duration::from_secs(10)).await;
    let mut screens = vec![app.terminal.backend().to_string()];
    assert!(screens[0].contains("TEST"), "mode badge from the profile: {}", screens[0]);
    // Every pane, including the request log with its headers.
    for _ in 0..6 {
        app.handle_event(Event::Key(KeyEvent::new(KeyCode::Tab, KeyModifiers::NONE)));
        app.settle(Duration::from_secs(5)).await;
        screens.push(app.terminal.backend().to_string());
        app.handle_event(Event::Key(KeyEvent::new(KeyCode::Enter, KeyModifiers::NONE)));
        app.settle(Duration::from_secs(5)).await;
        screens.push(app.terminal.backend().to_string());
    }
    assert!(!http.log().snapshot().is_empty(), "requests were sent with the key");
    for (i, s) in screens.iter().enumerate() {
        assert_clean(&format!("screen {i}:\n{s}"), s.as_bytes());
    }
    let log = format!("{:?}", http.log().snapshot());
    assert_clean("request log", log.as_bytes());
    sb.shutdown().await;
}

/// The real binary's console on a live profile in tmux: the badge says LIVE, and neither the
/// screen nor till.log nor any other file holds the key.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn console_binary_on_a_profile_never_shows_or_logs_the_key() {
    if Command::new("tmux").arg("-V").output().is_err() {
        assert!(std::env::var("CI").as_deref() != Ok("true"), "tmux is required under CI");
        eprintln!("skipped: tmux not installed");
        return;
    }
    let sb = sandbox::start(SandboxOptions::default()).await.unwrap();
    let flowglad = sb.endpoint(ProviderKind::Flowglad).base_url.to_string();
    let env = Env::new();
    let add = ["profiles", "add", "canary", "--provider", "flowglad", "--mode", "live", "--base-url", &flowglad];
    assert_eq!(env.till(&add, None, &[]).status.code(), Some(0));
    let socket = env.path("tmux.sock").display().to_string();
    let status = env.path("status.txt");
    let script = format!(
        "env -u TILL_PROFILE TILL_CANARY_KEY={LIVE_CANARY} TILL_CONFIG_DIR={cfg} TILL_DATA_DIR={data} \
         XDG_STATE_HOME={state} HOME={home} DBUS_SESSION_BUS_ADDRESS=unix:path=/nonexistent \
         {bin} --profile canary; echo $? > {status}; sleep 30",
        cfg = env.path("config").display(),
        data = env.path("data").display(),
        state = env.path("xdg-state").display(),
        home = env.path("home").display(),
        bin = env!("CARGO_BIN_EXE_till"),
        status = status.display(),
    );
    let tmux = |args: &[&str]| {
        let out = Command::new("tmux").arg("-S").arg(&socket).args(args).output().unwrap();
        String::from_utf8_lossy(&out.stdout).to_string()
    };
    tmux(&["new-session", "-d", "-s", "canary", "-x", "120", "-y", "32", &script]);
    let mut screens = Vec::new();
    let deadline = std::time::Instant::now() + Duration::from_secs(15);
    loop {
        let screen = tmux(&["capture-pane", "-p", "-t", "canary"]);
        let done = screen.contains("LIVE") && screen.contains("canary");
        screens.push(screen);
        if done {
            break;
        }
        assert!(std::time::Instant::now() < deadline, "no LIVE badge: {:?}", screens.last());
        std::thread::sleep(Duration::from_millis(100));
    }
    std::thread::sleep(Duration::from_millis(500));
    screens.push(tmux(&["capture-pane", "-p", "-t", "canary"]));
    tmux(&["send-keys", "-t", "canary", "q"]);
    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    while std::fs::read_to_string(&status).map_or(true, |s| s.is_empty()) {
        assert!(std::time::Instant::now() < deadline, "the console did not exit");
        std::thread::sleep(Duration::from_millis(100));
    }
    let _ = Command::new("tmux").arg("-S").arg(&socket).arg("kill-server").output();
    assert!(!screens.iter().any(|s| s.contains("SANDBOX")), "a profile is not the sandbox");
    for (i, s) in screens.iter().enumerate() {
        assert_clean(&format!("screen {i}:\n{s}"), s.as_bytes());
    }
    let log = std::fs::read_to_string(env.path("xdg-state/till/till.log")).unwrap();
    assert!(log.contains("console starting"), "{log}");
    let mut files = Vec::new();
    files_under(env.dir.path(), &mut files);
    for f in files.iter().filter(|f| !f.ends_with("tmux.sock")) {
        assert_clean(&f.display().to_string(), &std::fs::read(f).unwrap_or_default());
    }
    sb.shutdown().await;
}
