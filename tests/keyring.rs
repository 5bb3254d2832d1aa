//! A real Secret Service: store, read and delete a key, directly and through `till auth`.
//! `.ci/run` runs this inside `dbus-run-session` with an unlocked gnome-keyring and
//! `TILL_REQUIRE_KEYRING=1`; elsewhere it skips, saying why, when no Secret Service answers.

#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a panic is the failure report

use std::process::{Command, Output, Stdio};

use till::billing::ProviderKind;
use till::sandbox::{self, SandboxOptions};
use till::secrets::{KeyringStore, SecretStore};

/// The store, or `None` (skip) when there is none and none is required.
fn real_keyring() -> Option<KeyringStore> {
    let required = std::env::var_os("TILL_REQUIRE_KEYRING").is_some();
    let probe = KeyringStore::platform().and_then(|s| s.get("till-ci-probe").map(|_| s));
    match probe {
        Ok(store) => Some(store),
        Err(e) if required => panic!("TILL_REQUIRE_KEYRING is set but the Secret Service failed: {e}"),
        Err(e) => {
            eprintln!("skipped: no Secret Service reachable ({e}); set TILL_REQUIRE_KEYRING=1 to make this fail");
            None
        }
    }
}

#[test]
fn secret_service_stores_reads_and_deletes() {
    let Some(store) = real_keyring() else { return };
    let account = format!("till-ci-{}", uuid::Uuid::new_v4());
    assert_eq!(store.get(&account).unwrap(), None);
    store.set(&account, "sk_test_keyring_ci_1").unwrap();
    // A second connection reads what the first stored: it is in the daemon, not in our memory.
    let other = KeyringStore::platform().unwrap();
    assert_eq!(other.get(&account).unwrap().as_deref(), Some("sk_test_keyring_ci_1"));
    store.set(&account, "sk_test_keyring_ci_2").unwrap();
    assert_eq!(other.get(&account).unwrap().as_deref(), Some("sk_test_keyring_ci_2"));
    assert_eq!(other.delete(&account), Ok(true));
    assert_eq!(store.get(&account).unwrap(), None);
    assert_eq!(store.delete(&account), Ok(false));
}

fn till(dir: &std::path::Path, args: &[&str], stdin: Option<&str>) -> Output {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_till"));
    cmd.args(args)
        .env("TILL_CONFIG_DIR", dir.join("config"))
        .env("TILL_DATA_DIR", dir.join("data"))
        .env_remove("TILL_PROFILE")
        .env_remove("TILL_CI_KELVIQ_KEY")
        .stdin(if stdin.is_some() { Stdio::piped() } else { Stdio::null() })
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let mut child = cmd.spawn().unwrap();
    if let Some(text) = stdin {
        use std::io::Write;
        child.stdin.take().unwrap().write_all(text.as_bytes()).unwrap();
    }
    child.wait_with_output().unwrap()
}

fn out(o: &Output) -> String {
    format!("{}{}", String::from_utf8_lossy(&o.stdout), String::from_utf8_lossy(&o.stderr))
}

/// `till auth login` puts the key in the keyring, commands use it, `logout` removes it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn auth_login_status_logout_through_the_keyring() {
    let Some(store) = real_keyring() else { return };
    let sb = sandbox::start(SandboxOptions::default()).await.unwrap();
    let kelviq = sb.endpoint(ProviderKind::Kelviq);
    let dir = tempfile::tempdir().unwrap();
    let name = format!("ci-kelviq-{}", &uuid::Uuid::new_v4().simple().to_string()[..8]);
    let base = kelviq.base_url.to_string();
    let edge = kelviq.edge_url.as_ref().map(|u| u.to_string()).unwrap_or(base.clone());
    let add = ["profiles", "add", &name, "--provider", "kelviq", "--base-url", &base, "--edge-url", &edge];
    let add = till(dir.path(), &add, None);
    assert_eq!(add.status.code(), Some(0), "{}", out(&add));

    let login = till(dir.path(), &["--profile", &name, "auth", "login", "--stdin"], Some(kelviq.key.expose()));
    assert_eq!(login.status.code(), Some(0), "{}", out(&login));
    assert_eq!(store.get(&name).unwrap().as_deref(), Some(kelviq.key.expose()));
    let status = till(dir.path(), &["--json", "--profile", &name, "auth", "status"], None);
    let rows: serde_json::Value = serde_json::from_slice(&status.stdout).unwrap();
    assert_eq!(rows[0]["key_source"], "keyring", "{}", out(&status));
    assert!(!out(&status).contains(kelviq.key.expose()));

    let list = till(dir.path(), &["--json", "--profile", &name, "customers", "list", "--limit", "3"], None);
    assert_eq!(list.status.code(), Some(0), "{}", out(&list));
    let customers: serde_json::Value = serde_json::from_slice(&list.stdout).unwrap();
    assert_eq!(customers.as_array().map(Vec::len), Some(3));

    let logout = till(dir.path(), &["--profile", &name, "auth", "logout"], None);
    assert_eq!(logout.status.code(), Some(0), "{}", out(&logout));
    assert_eq!(store.get(&name).unwrap(), None);
    let list = till(dir.path(), &["--profile", &name, "customers", "list"], None);
    assert_eq!(list.status.code(), Some(4), "{}", out(&list));
    assert!(out(&list).contains("till auth login"), "{}", out(&list));
    sb.shutdown().await;
}

/// A private session bus with no service files: nothing can answer for `org.freedesktop.secrets`.
/// `answers: false` makes a bus whose policy drops every reply, so connecting never completes.
struct BusWithoutSecretService {
    daemon: std::process::Child,
    address: String,
    _dir: tempfile::TempDir,
}

impl BusWithoutSecretService {
    fn start(answers: bool) -> Option<BusWithoutSecretService> {
        let dir = tempfile::tempdir().unwrap();
        let socket = dir.path().join("bus");
        let conf = dir.path().join("bus.conf");
        std::fs::write(
            &conf,
            format!(
                "<busconfig><type>session</type><listen>unix:path={}</listen>\
                 <policy context=\"default\"><allow send_destination=\"*\"/><allow own=\"*\"/>{}</policy></busconfig>",
                socket.display(),
                if answers { "<allow receive_sender=\"*\"/>" } else { "<deny receive_sender=\"*\"/>" }
            ),
        )
        .unwrap();
        let spawned = Command::new("dbus-daemon")
            .arg(format!("--config-file={}", conf.display()))
            .arg("--nofork")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn();
        let daemon = match spawned {
            Ok(d) => d,
            Err(e) if std::env::var_os("TILL_REQUIRE_KEYRING").is_some() => panic!("dbus-daemon: {e}"),
            Err(e) => {
                eprintln!("skipped: no dbus-daemon ({e})");
                return None;
            }
        };
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
        while !socket.exists() {
            assert!(std::time::Instant::now() < deadline, "dbus-daemon never created its socket");
            std::thread::sleep(std::time::Duration::from_millis(20));
        }
        let address = format!("unix:path={}", socket.display());
        Some(BusWithoutSecretService { daemon, address, _dir: dir })
    }
}

impl Drop for BusWithoutSecretService {
    fn drop(&mut self) {
        let _ = self.daemon.kill();
        let _ = self.daemon.wait();
    }
}

/// A session bus that answers but has no Secret Service: login refuses at once, names the
/// environment variable, writes nothing; the environment variable then works.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_bus_without_a_secret_service_is_reported_and_the_env_var_works() {
    let Some(bus) = BusWithoutSecretService::start(true) else { return };
    let sb = sandbox::start(SandboxOptions::default()).await.unwrap();
    let kelviq = sb.endpoint(ProviderKind::Kelviq);
    let dir = tempfile::tempdir().unwrap();
    let base = kelviq.base_url.to_string();
    let edge = kelviq.edge_url.as_ref().map(|u| u.to_string()).unwrap_or(base.clone());
    let on_bus = |args: &[&str], stdin: Option<&str>| {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_till"));
        cmd.args(args)
            .env("DBUS_SESSION_BUS_ADDRESS", &bus.address)
            .env("TILL_CONFIG_DIR", dir.path().join("config"))
            .env("TILL_DATA_DIR", dir.path().join("data"))
            .env_remove("TILL_PROFILE")
            .env_remove("TILL_NOBUS_KEY")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        let mut child = cmd.spawn().unwrap();
        use std::io::Write;
        let mut pipe = child.stdin.take().unwrap();
        pipe.write_all(stdin.unwrap_or("").as_bytes()).unwrap();
        drop(pipe);
        child.wait_with_output().unwrap()
    };
    let add =
        on_bus(&["profiles", "add", "nobus", "--provider", "kelviq", "--base-url", &base, "--edge-url", &edge], None);
    assert_eq!(add.status.code(), Some(0), "{}", out(&add));

    let login = on_bus(&["--profile", "nobus", "auth", "login", "--stdin"], Some(kelviq.key.expose()));
    assert_eq!(login.status.code(), Some(1), "{}", out(&login));
    let said = out(&login);
    assert!(said.contains("no OS keyring is available"), "{said}");
    assert!(said.contains("TILL_NOBUS_KEY"), "{said}");
    assert!(!said.contains(kelviq.key.expose()), "{said}");
    for entry in walk(dir.path()) {
        let bytes = std::fs::read(&entry).unwrap();
        let text = String::from_utf8_lossy(&bytes);
        assert!(!text.contains(kelviq.key.expose()), "the key was written to {}", entry.display());
    }

    let status = on_bus(&["--json", "--profile", "nobus", "auth", "status"], None);
    let rows: serde_json::Value = serde_json::from_slice(&status.stdout).unwrap();
    assert_eq!(rows[0]["key_source"], "none", "{}", out(&status));

    let mut with_env = Command::new(env!("CARGO_BIN_EXE_till"));
    with_env
        .args(["--json", "--profile", "nobus", "customers", "list", "--limit", "2"])
        .env("DBUS_SESSION_BUS_ADDRESS", &bus.address)
        .env("TILL_CONFIG_DIR", dir.path().join("config"))
        .env("TILL_DATA_DIR", dir.path().join("data"))
        .env("TILL_NOBUS_KEY", kelviq.key.expose());
    let list = with_env.output().unwrap();
    assert_eq!(list.status.code(), Some(0), "{}", out(&list));
    let customers: serde_json::Value = serde_json::from_slice(&list.stdout).unwrap();
    assert_eq!(customers.as_array().map(Vec::len), Some(2));
    sb.shutdown().await;
}

/// A bus that accepts the connection and never answers: till gives up after its deadline
/// (TILL_KEYRING_TIMEOUT) instead of hanging, and says what happened.
#[test]
fn a_bus_that_never_answers_is_given_up_on() {
    let Some(bus) = BusWithoutSecretService::start(false) else { return };
    let dir = tempfile::tempdir().unwrap();
    let run = |args: &[&str]| {
        Command::new(env!("CARGO_BIN_EXE_till"))
            .args(args)
            .env("DBUS_SESSION_BUS_ADDRESS", &bus.address)
            .env("TILL_KEYRING_TIMEOUT", "300ms")
            .env("TILL_CONFIG_DIR", dir.path().join("config"))
            .env("TILL_DATA_DIR", dir.path().join("data"))
            .env_remove("TILL_PROFILE")
            .stdin(Stdio::null())
            .output()
            .unwrap()
    };
    let add = run(&["profiles", "add", "mute", "--provider", "flowglad"]);
    assert_eq!(add.status.code(), Some(0), "{}", out(&add));
    let status = run(&["--profile", "mute", "auth", "status"]);
    assert_eq!(status.status.code(), Some(0), "{}", out(&status));
    assert!(out(&status).contains("did not answer within 300 ms"), "{}", out(&status));
    let bad = Command::new(env!("CARGO_BIN_EXE_till"))
        .args(["--profile", "mute", "auth", "status"])
        .env("DBUS_SESSION_BUS_ADDRESS", &bus.address)
        .env("TILL_KEYRING_TIMEOUT", "soon")
        .env("TILL_CONFIG_DIR", dir.path().join("config"))
        .env("TILL_DATA_DIR", dir.path().join("data"))
        .output()
        .unwrap();
    assert!(out(&bad).contains("TILL_KEYRING_TIMEOUT: \"soon\" is not a duration"), "{}", out(&bad));
}

/// Every file under `root`.
fn walk(root: &std::path::Path) -> Vec<std::path::PathBuf> {
    let mut files = Vec::new();
    let mut dirs = vec![root.to_path_buf()];
    while let Some(d) = dirs.pop() {
        for entry in std::fs::read_dir(&d).into_iter().flatten().flatten() {
            let path = entry.path();
            if path.is_dir() { dirs.push(path) } else { files.push(path) }
        }
    }
    files
}
