//! Where API keys live: the OS keyring (keyring-core; the Secret Service over zbus on Linux),
//! or an environment variable `TILL_<PROFILE>_KEY` for scripts and machines without a keyring.
//! Keys are never written anywhere else: no config file, no log, no plain-text fallback.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use keyring_core::{CredentialStore, Error as KeyringError};

use crate::providers::Secret;

/// The keyring "service" all of till's entries are filed under.
pub const SERVICE: &str = "till";

#[derive(Clone, Debug, thiserror::Error, PartialEq)]
pub enum SecretError {
    /// No usable keyring on this machine (e.g. no D-Bus session bus or Secret Service).
    #[error("no OS keyring is available ({0})")]
    Unavailable(String),
    #[error("the keyring refused the operation ({0})")]
    Failed(String),
}

/// A place that holds secrets by account name (a profile name, or `<profile>:client`).
pub trait SecretStore: Send + Sync {
    fn get(&self, account: &str) -> Result<Option<String>, SecretError>;
    fn set(&self, account: &str, value: &str) -> Result<(), SecretError>;
    /// True when something was removed.
    fn delete(&self, account: &str) -> Result<bool, SecretError>;
}

/// The keyring account holding a profile's Kelviq client key.
pub fn client_account(profile: &str) -> String {
    format!("{profile}:client")
}

fn env_stem(profile: &str) -> String {
    let stem: String =
        profile.chars().map(|c| if c.is_ascii_alphanumeric() { c.to_ascii_uppercase() } else { '_' }).collect();
    format!("TILL_{stem}")
}

/// `TILL_<PROFILE>_KEY`, upper-cased, anything but letters and digits turned into `_`.
pub fn env_var(profile: &str) -> String {
    format!("{}_KEY", env_stem(profile))
}

/// `TILL_<PROFILE>_CLIENT_KEY` (Kelviq's optional client key).
pub fn client_env_var(profile: &str) -> String {
    format!("{}_CLIENT_KEY", env_stem(profile))
}

/// keyring-core behind our trait: the platform store in production, its mock store in tests.
pub struct KeyringStore {
    store: Arc<CredentialStore>,
}

impl KeyringStore {
    /// The platform's keyring, or `Unavailable` saying why (checked by connecting, not by guessing).
    pub fn platform() -> Result<KeyringStore, SecretError> {
        Ok(KeyringStore { store: connect_within(connect_deadline()?, native_store)? })
    }

    /// keyring-core's in-memory mock store (entries are shared for the store's lifetime).
    pub fn mock() -> Result<KeyringStore, SecretError> {
        let store = keyring_core::mock::Store::new().map_err(failed)?;
        Ok(KeyringStore { store })
    }

    fn entry(&self, account: &str) -> Result<keyring_core::Entry, SecretError> {
        self.store.build(SERVICE, account, None).map_err(classify)
    }
}

/// How long connecting to the keyring may take: 5 s, or `TILL_KEYRING_TIMEOUT` (e.g. `500ms`).
pub fn connect_deadline() -> Result<Duration, SecretError> {
    match std::env::var("TILL_KEYRING_TIMEOUT") {
        Ok(v) => {
            crate::util::duration::parse(&v).map_err(|e| SecretError::Failed(format!("TILL_KEYRING_TIMEOUT: {e}")))
        }
        Err(_) => Ok(Duration::from_secs(5)),
    }
}

/// Runs `connect` on its own thread and gives up after `deadline`: a D-Bus session that accepts
/// the connection but never answers would otherwise hang `till auth` and the console's start.
/// Only connecting is bounded; reads and writes may legitimately wait on an unlock prompt.
fn connect_within<T: Send + 'static>(
    deadline: Duration,
    connect: fn() -> Result<T, SecretError>,
) -> Result<T, SecretError> {
    let (tx, rx) = std::sync::mpsc::sync_channel(1);
    let spawned = std::thread::Builder::new().name("keyring-connect".into()).spawn(move || {
        let _ = tx.send(connect());
    });
    if let Err(e) = spawned {
        return Err(SecretError::Unavailable(format!("could not start the keyring thread: {e}")));
    }
    match rx.recv_timeout(deadline) {
        Ok(result) => result,
        Err(_) => Err(SecretError::Unavailable(format!(
            "the OS keyring did not answer within {} ms (TILL_KEYRING_TIMEOUT)",
            deadline.as_millis()
        ))),
    }
}

/// The Secret Service over D-Bus (GNOME Keyring, KWallet, KeePassXC…).
#[cfg(target_os = "linux")]
fn native_store() -> Result<Arc<CredentialStore>, SecretError> {
    let store = zbus_secret_service_keyring_store::Store::new().map_err(unavailable)?;
    Ok(store)
}

/// The user's login Keychain (the "legacy" file keychain every macOS app can use; the
/// "protected data" store needs a provisioning profile a terminal tool doesn't have).
#[cfg(target_os = "macos")]
fn native_store() -> Result<Arc<CredentialStore>, SecretError> {
    let store = apple_native_keyring_store::keychain::Store::new().map_err(unavailable)?;
    Ok(store)
}

/// Generic credentials in the Windows Credential Manager, named `<profile>.till`.
#[cfg(target_os = "windows")]
fn native_store() -> Result<Arc<CredentialStore>, SecretError> {
    let store = windows_native_keyring_store::Store::new().map_err(unavailable)?;
    Ok(store)
}

#[cfg(not(any(target_os = "linux", target_os = "macos", target_os = "windows")))]
fn native_store() -> Result<Arc<CredentialStore>, SecretError> {
    Err(SecretError::Unavailable("till has no keyring store for this platform".into()))
}

fn unavailable(e: KeyringError) -> SecretError {
    SecretError::Unavailable(e.to_string())
}

fn failed(e: KeyringError) -> SecretError {
    SecretError::Failed(e.to_string())
}

/// Platform failures (no bus, no daemon, locked collection) mean "no keyring here".
fn classify(e: KeyringError) -> SecretError {
    match e {
        KeyringError::PlatformFailure(_) | KeyringError::NoStorageAccess(_) | KeyringError::NoDefaultStore => {
            unavailable(e)
        }
        other => failed(other),
    }
}

impl SecretStore for KeyringStore {
    fn get(&self, account: &str) -> Result<Option<String>, SecretError> {
        match self.entry(account)?.get_password() {
            Ok(v) => Ok(Some(v)),
            Err(KeyringError::NoEntry) => Ok(None),
            Err(e) => Err(classify(e)),
        }
    }

    fn set(&self, account: &str, value: &str) -> Result<(), SecretError> {
        self.entry(account)?.set_password(value).map_err(classify)
    }

    fn delete(&self, account: &str) -> Result<bool, SecretError> {
        match self.entry(account)?.delete_credential() {
            Ok(()) => Ok(true),
            Err(KeyringError::NoEntry) => Ok(false),
            Err(e) => Err(classify(e)),
        }
    }
}

/// A plain in-memory store for tests.
#[derive(Default)]
pub struct MemoryStore {
    entries: Mutex<HashMap<String, String>>,
}

impl MemoryStore {
    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<String, String>> {
        // A poisoned map is still a valid map: a panicking test elsewhere must not hide keys.
        self.entries.lock().unwrap_or_else(|p| p.into_inner())
    }
}

impl SecretStore for MemoryStore {
    fn get(&self, account: &str) -> Result<Option<String>, SecretError> {
        Ok(self.lock().get(account).cloned())
    }
    fn set(&self, account: &str, value: &str) -> Result<(), SecretError> {
        self.lock().insert(account.to_string(), value.to_string());
        Ok(())
    }
    fn delete(&self, account: &str) -> Result<bool, SecretError> {
        Ok(self.lock().remove(account).is_some())
    }
}

/// Where a profile's key was found.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum KeySource {
    Env(String),
    Keyring,
    None,
}

impl std::fmt::Display for KeySource {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            KeySource::Env(var) => write!(f, "environment variable {var}"),
            KeySource::Keyring => f.write_str("keyring"),
            KeySource::None => f.write_str("none"),
        }
    }
}

/// A key with where it came from.
#[derive(Debug)]
pub struct Found {
    pub key: Secret,
    pub source: KeySource,
}

/// Opens the keyring (or says why there is none); called only when the keyring is needed.
pub type OpenStore<'a> = &'a dyn Fn() -> Result<Box<dyn SecretStore>, SecretError>;

/// The platform keyring behind the trait.
pub fn platform_store() -> Result<Box<dyn SecretStore>, SecretError> {
    KeyringStore::platform().map(|s| Box::new(s) as Box<dyn SecretStore>)
}

/// The environment variable wins (explicit, per process); then the keyring. A missing key is
/// `Ok(None)` only when the keyring was asked and had nothing.
pub fn find(
    account: &str,
    var: &str,
    open: OpenStore<'_>,
    lookup: &dyn Fn(&str) -> Option<String>,
) -> Result<Option<Found>, SecretError> {
    if let Some(v) = lookup(var).filter(|v| !v.trim().is_empty()) {
        return Ok(Some(Found { key: Secret::new(v.trim()), source: KeySource::Env(var.to_string()) }));
    }
    Ok(open()?.get(account)?.map(|v| Found { key: Secret::new(v), source: KeySource::Keyring }))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn no_env(_: &str) -> Option<String> {
        None
    }

    #[test]
    fn env_var_names_are_upper_case_with_underscores() {
        assert_eq!(env_var("acme-live"), "TILL_ACME_LIVE_KEY");
        assert_eq!(env_var("dev.2"), "TILL_DEV_2_KEY");
        assert_eq!(client_env_var("kv"), "TILL_KV_CLIENT_KEY");
    }

    #[test]
    fn keyring_mock_store_round_trips_across_entries() {
        let store = KeyringStore::mock().unwrap();
        assert_eq!(store.get("acme").unwrap(), None);
        store.set("acme", "sk_test_1").unwrap();
        // A fresh entry for the same account sees it: the mock shares credentials per store.
        assert_eq!(store.get("acme").unwrap().as_deref(), Some("sk_test_1"));
        store.set(&client_account("acme"), "client").unwrap();
        assert!(store.delete("acme").unwrap());
        assert!(!store.delete("acme").unwrap());
        assert_eq!(store.get("acme").unwrap(), None);
        assert_eq!(store.get(&client_account("acme")).unwrap().as_deref(), Some("client"));
    }

    #[test]
    fn memory_store_round_trips() {
        let store = MemoryStore::default();
        store.set("a", "1").unwrap();
        assert_eq!(store.get("a").unwrap().as_deref(), Some("1"));
        assert!(store.delete("a").unwrap());
        assert_eq!(store.get("a").unwrap(), None);
    }

    #[test]
    fn env_beats_keyring_and_missing_keyring_is_reported() {
        let store = || {
            let mem = MemoryStore::default();
            mem.set("acme", "from-keyring")?;
            Ok(Box::new(mem) as Box<dyn SecretStore>)
        };
        let found = find("acme", "TILL_ACME_KEY", &store, &no_env).unwrap().unwrap();
        assert_eq!((found.key.expose(), found.source), ("from-keyring", KeySource::Keyring));
        let env = |k: &str| (k == "TILL_ACME_KEY").then(|| "from-env".to_string());
        let found = find("acme", "TILL_ACME_KEY", &store, &env).unwrap().unwrap();
        assert_eq!(found.source, KeySource::Env("TILL_ACME_KEY".into()));
        assert!(find("other", "TILL_OTHER_KEY", &store, &no_env).unwrap().is_none());
        let none = || Err(SecretError::Unavailable("no bus".into()));
        assert_eq!(find("acme", "TILL_ACME_KEY", &none, &env).unwrap().unwrap().key.expose(), "from-env");
        assert!(matches!(find("acme", "TILL_ACME_KEY", &none, &no_env), Err(SecretError::Unavailable(_))));
    }
}
