//! A real Secret Service: store, read and delete a key, directly and through `till auth`.
//! `.ci/run` runs this inside `dbus-run-session` with an unlocked gnome-keyring and
//! `TILL_REQUIRE_KEYRING=1`; elsewhere it skips, saying why, when no Secret Service answers.

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
