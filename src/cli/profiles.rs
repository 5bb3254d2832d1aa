//! `till profiles …`, `till auth …`, and resolving `--profile NAME` into an endpoint whose key
//! comes from the environment or the OS keyring. Keys are read, stored and passed on; they are
//! never printed, logged or written to a file.

use std::io::{BufRead, IsTerminal};
use std::path::PathBuf;

use super::common::{ExitCode, Failure, emit, failure};
use super::{AuthCmd, Global, ProfilesCmd, table};
use crate::billing::ProviderKind;
use crate::config::profiles::{self, ConfigFile, Profile, ProfileError, ProfileMode};
use crate::config::{self, Overrides};
use crate::providers::Endpoint;
use crate::secrets::{self, OpenStore, SecretError, SecretStore};

/// The profile chosen with `--profile` (or `TILL_PROFILE`).
pub(crate) struct Active {
    pub name: String,
    pub profile: Profile,
}

fn config_err(e: ProfileError) -> Failure {
    let code = match e {
        ProfileError::Io { .. } => ExitCode::Failure,
        _ => ExitCode::Usage,
    };
    failure(code, e.to_string())
}

fn path() -> Result<PathBuf, Failure> {
    profiles::config_path().ok_or_else(|| failure(ExitCode::Failure, "no config directory (set TILL_CONFIG_DIR)"))
}

fn load() -> Result<(PathBuf, ConfigFile), Failure> {
    let path = path()?;
    let file = profiles::load(&path).map_err(config_err)?;
    Ok((path, file))
}

/// Every configured profile (an empty file when there is none).
pub(crate) fn configured() -> Result<ConfigFile, Failure> {
    load().map(|(_, file)| file)
}

pub(crate) fn active(global: &Global) -> Result<Option<Active>, Failure> {
    let Some(name) = global.profile.as_deref() else { return Ok(None) };
    let (path, file) = load()?;
    let profile = file.get(name, &path).map_err(config_err)?.clone();
    Ok(Some(Active { name: name.to_string(), profile }))
}

/// The endpoint for a profile; a missing key or a key of the wrong mode fails before any request.
pub(crate) fn endpoint(active: &Active, global: &Global, open: OpenStore<'_>) -> Result<Endpoint, Failure> {
    let lookup = |k: &str| std::env::var(k).ok();
    let name = &active.name;
    let var = secrets::env_var(name);
    let no_key = |why: String| failure(ExitCode::Auth, format!("profile {name:?} has no API key: {why}"));
    let found = match secrets::find(name, &var, open, &lookup) {
        Ok(Some(found)) => found,
        Ok(None) => return Err(no_key(format!("run `till auth login --profile {name}` or export {var}=<key>"))),
        Err(e) => return Err(no_key(format!("{e}; export {var}=<key> instead"))),
    };
    let client_key = if active.profile.provider == ProviderKind::Kelviq {
        let client_var = secrets::client_env_var(name);
        // The client key is optional: a keyring that cannot be read just means "none". A server
        // key from the environment means a script: the keyring is not consulted at all.
        let no_keyring = || Err(SecretError::Unavailable("not consulted".into()));
        let open_client: OpenStore<'_> = if found.source == secrets::KeySource::Keyring { open } else { &no_keyring };
        secrets::find(&secrets::client_account(name), &client_var, open_client, &lookup).ok().flatten().map(|f| f.key)
    } else {
        None
    };
    let overrides = Overrides { base_url: global.base_url.clone(), edge_url: global.edge_url.clone() };
    config::profile_endpoint(name, &active.profile, &overrides, &lookup, found.key, client_key).map_err(|e| {
        let code =
            if matches!(e, config::ConfigError::KeyModeMismatch { .. }) { ExitCode::Auth } else { ExitCode::Usage };
        failure(code, e.to_string())
    })
}

#[derive(serde::Serialize)]
struct ProfileRow<'a> {
    name: &'a str,
    #[serde(flatten)]
    profile: &'a Profile,
}

pub(crate) fn run_profiles(global: &Global, cmd: ProfilesCmd) -> Result<(), Failure> {
    let (path, mut file) = load()?;
    match cmd {
        ProfilesCmd::List => {
            let rows: Vec<ProfileRow> =
                file.profiles.iter().map(|(name, profile)| ProfileRow { name, profile }).collect();
            if rows.is_empty() && !global.json {
                eprintln!(
                    "till: no profiles in {} (add one with `till profiles add NAME --provider P`)",
                    crate::text::line(&path.display().to_string())
                );
            }
            emit(global.json, &rows, || profile_table(&file))
        }
        ProfilesCmd::Add { name, mode, account, replace } => add(global, &path, file, &name, mode, account, replace),
        ProfilesCmd::Remove { name } => {
            file.get(&name, &path).map_err(config_err)?;
            file.profiles.remove(&name);
            profiles::save(&path, &file).map_err(config_err)?;
            eprintln!("till: removed profile {name:?} from {}", crate::text::line(&path.display().to_string()));
            if let Ok(store) = secrets::platform_store() {
                let _ = forget_each(store.as_ref(), &name);
            }
            Ok(())
        }
    }
}

/// `till profiles add`: every flag checked before config.toml is written.
fn add(
    global: &Global,
    path: &std::path::Path,
    mut file: ConfigFile,
    name: &str,
    mode: ProfileMode,
    account: Option<String>,
    replace: bool,
) -> Result<(), Failure> {
    profiles::validate_name(name).map_err(config_err)?;
    // Adding again with fewer flags used to turn a live, read-only profile into a
    // writable test one without a word.
    if let (Some(existing), false) = (file.profiles.get(name), replace) {
        return Err(failure(
            ExitCode::Usage,
            format!(
                "profile {name:?} exists ({}): pass --replace to replace it whole, or `till profiles remove {name}` first",
                profile_summary(existing)
            ),
        ));
    }
    for (flag, url) in [("--base-url", &global.base_url), ("--edge-url", &global.edge_url)] {
        if let Some(url) = url {
            config::profile_url(flag, url).map_err(|e| failure(ExitCode::Usage, e.to_string()))?;
        }
    }
    let Some(provider) = global.provider else {
        let known = ProviderKind::ALL.map(|k| k.slug()).join("|");
        return Err(failure(
            ExitCode::Usage,
            format!("which provider is profile {name:?} for? pass --provider {known}"),
        ));
    };
    let profile = Profile {
        provider,
        mode,
        base_url: global.base_url.clone(),
        edge_url: global.edge_url.clone(),
        account,
        read_only: global.read_only,
        // Set in config.toml by hand; adding the profile again keeps them.
        rate_limit: file.profiles.get(name).and_then(|p| p.rate_limit),
        burst: file.profiles.get(name).and_then(|p| p.burst),
    };
    let verb = if file.profiles.insert(name.to_string(), profile).is_some() { "updated" } else { "added" };
    profiles::save(path, &file).map_err(config_err)?;
    eprintln!("till: {verb} profile {name:?} in {}", crate::text::line(&path.display().to_string()));
    eprintln!("till: store its key with `till auth login --profile {name}` or export {}", secrets::env_var(name));
    Ok(())
}

fn profile_table(file: &ConfigFile) -> String {
    let rows: Vec<Vec<String>> = file
        .profiles
        .iter()
        .map(|(name, p)| {
            vec![
                name.clone(),
                p.provider.slug().to_string(),
                p.mode.label().to_string(),
                if p.read_only { "yes" } else { "no" }.to_string(),
                p.base_url.as_deref().map_or_else(
                    || config::default_base_url_for(p.provider, p.mode).to_string(),
                    |u| crate::providers::redact::userinfo(u).into_owned(),
                ),
                p.account.clone().unwrap_or_default(),
            ]
        })
        .collect();
    table::render(&["NAME", "PROVIDER", "MODE", "READ-ONLY", "BASE URL", "ACCOUNT"], &rows)
}

pub(crate) fn run_auth(global: &Global, cmd: AuthCmd) -> Result<(), Failure> {
    run_auth_with(global, cmd, &secrets::platform_store)
}

fn need_profile(global: &Global) -> Result<(String, Profile), Failure> {
    let Some(name) = global.profile.clone() else {
        return Err(failure(ExitCode::Usage, "which profile? pass --profile NAME (see `till profiles list`)"));
    };
    let (path, file) = load()?;
    let profile = file.get(&name, &path).map_err(config_err)?.clone();
    Ok((name, profile))
}

pub(crate) fn run_auth_with(global: &Global, cmd: AuthCmd, open: OpenStore<'_>) -> Result<(), Failure> {
    match cmd {
        AuthCmd::Login { stdin, client_key } => {
            let (name, profile) = need_profile(global)?;
            if client_key && profile.provider != ProviderKind::Kelviq {
                return Err(failure(ExitCode::Usage, "--client-key is for Kelviq profiles only"));
            }
            let what = if client_key { "client key" } else { "API key" };
            let var = if client_key { secrets::client_env_var(&name) } else { secrets::env_var(&name) };
            // Ask for the key only once we know there is somewhere to keep it.
            let store = open().map_err(|e| no_keyring(&e, &var))?;
            let key = read_key(&format!("{what} for profile {name}: "), stdin)?;
            if !client_key {
                config::check_key_mode(&name, &profile, &crate::providers::Secret::new(key.clone()))
                    .map_err(|e| failure(ExitCode::Auth, e.to_string()))?;
            }
            let account = if client_key { secrets::client_account(&name) } else { name.clone() };
            store.set(&account, &key).map_err(|e| no_keyring(&e, &var))?;
            eprintln!("till: saved the {what} for profile {name:?} in the OS keyring");
            Ok(())
        }
        AuthCmd::Status => status(global, open),
        AuthCmd::Logout => {
            let (name, _) = need_profile(global)?;
            let set = |var: &str| std::env::var(var).is_ok_and(|v| !v.trim().is_empty());
            let vars: Vec<String> =
                [secrets::env_var(&name), secrets::client_env_var(&name)].into_iter().filter(|v| set(v)).collect();
            let outcome = open().map_err(|e| (false, e)).and_then(|store| forget_each(store.as_ref(), &name));
            let (said, code) = logout_report(&name, &outcome, &vars);
            match code {
                ExitCode::Ok => {
                    eprintln!("till: {said}");
                    Ok(())
                }
                code => Err(failure(code, said)),
            }
        }
    }
}

/// What `auth logout` did to the keyring: each key removed, or absent, or the first refusal.
struct Forgotten {
    api_key: bool,
    client_key: bool,
}

fn forget_each(store: &dyn SecretStore, name: &str) -> Result<Forgotten, (bool, SecretError)> {
    let api_key = store.delete(name).map_err(|e| (false, e))?;
    let client_key = store.delete(&secrets::client_account(name)).map_err(|e| (api_key, e))?;
    Ok(Forgotten { api_key, client_key })
}

/// The one line `auth logout` prints, and its exit code. Without a keyring it said "the key
/// was not saved … export TILL_<PROFILE>_KEY=<key> instead", login's advice, which told a user
/// logging out to set the key; now it says what was removed, what was not and why, and which
/// key variables are still set (till uses them whatever the keyring holds).
fn logout_report(
    name: &str,
    outcome: &Result<Forgotten, (bool, SecretError)>,
    set_vars: &[String],
) -> (String, ExitCode) {
    let env = match set_vars {
        [] => String::new(),
        [var] => format!("; {var} is still set in this environment, and till uses it: unset it to log out fully"),
        vars => format!(
            "; {} are still set in this environment, and till uses them: unset them to log out fully",
            vars.join(" and ")
        ),
    };
    let (said, code) = match outcome {
        Ok(Forgotten { api_key: false, client_key: false }) => {
            (format!("the OS keyring held no key of profile {name:?}: nothing to remove"), ExitCode::Ok)
        }
        Ok(Forgotten { api_key, client_key }) => {
            let what = match (api_key, client_key) {
                (true, true) => "the API key and the client key",
                (true, false) => "the API key",
                _ => "the client key",
            };
            (format!("removed {what} of profile {name:?} from the OS keyring"), ExitCode::Ok)
        }
        Err((removed_api_key, e)) => {
            let done = if *removed_api_key {
                format!("removed the API key of profile {name:?} but not its client key")
            } else {
                format!("removed no key of profile {name:?}")
            };
            let kept = match e {
                SecretError::Unavailable(_) => "a key saved in the keyring earlier, if any, is still there",
                SecretError::Failed(_) => "the key is still in the keyring",
            };
            let why = crate::text::line(&e.to_string()).into_owned();
            // till itself stores keys nowhere else, so there is nothing on disk to remove.
            (format!("{done}: {why}, so {kept} (till stores keys only there, never on disk)"), ExitCode::Failure)
        }
    };
    (format!("{said}{env}"), code)
}

fn no_keyring(e: &SecretError, var: &str) -> Failure {
    failure(
        ExitCode::Failure,
        format!("{e}: the key was not saved (till never writes keys to disk); export {var}=<key> instead"),
    )
}

/// Without echo from a terminal; one line from stdin for scripts (`--stdin` or a pipe).
fn read_key(prompt: &str, stdin: bool) -> Result<String, Failure> {
    let key = if stdin || !std::io::stdin().is_terminal() {
        let mut line = String::new();
        std::io::stdin()
            .lock()
            .read_line(&mut line)
            .map_err(|e| failure(ExitCode::Failure, format!("cannot read the key: {e}")))?;
        line
    } else {
        rpassword::prompt_password(prompt)
            .map_err(|e| failure(ExitCode::Failure, format!("cannot read the key: {e}")))?
    };
    let key = key.trim().to_string();
    if key.is_empty() {
        return Err(failure(ExitCode::Usage, "no key given"));
    }
    Ok(key)
}

#[derive(serde::Serialize)]
struct StatusRow {
    profile: String,
    provider: ProviderKind,
    mode: ProfileMode,
    /// keyring, env, or none.
    key_source: &'static str,
    /// The environment variable read, when the key comes from one.
    env_var: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    client_key_source: Option<&'static str>,
}

/// env, keyring or none: the environment variable wins, as it does when connecting.
fn source_of(account: &str, var: &str, store: &Result<Box<dyn SecretStore>, SecretError>) -> &'static str {
    if std::env::var(var).is_ok_and(|v| !v.trim().is_empty()) {
        return "env";
    }
    match store.as_ref().map(|s| s.get(account)) {
        Ok(Ok(Some(_))) => "keyring",
        _ => "none",
    }
}

fn status(global: &Global, open: OpenStore<'_>) -> Result<(), Failure> {
    let (path, file) = load()?;
    if let Some(only) = &global.profile {
        file.get(only, &path).map_err(config_err)?;
    }
    let store = open();
    if let Err(e) = &store {
        eprintln!(
            "till: {}; keys can only come from TILL_<PROFILE>_KEY environment variables",
            crate::text::line(&e.to_string())
        );
    }
    let rows: Vec<StatusRow> = file
        .profiles
        .iter()
        .filter(|(name, _)| global.profile.as_ref().is_none_or(|only| only == *name))
        .map(|(name, p)| {
            let var = secrets::env_var(name);
            let client = (p.provider == ProviderKind::Kelviq)
                .then(|| source_of(&secrets::client_account(name), &secrets::client_env_var(name), &store));
            StatusRow {
                profile: name.clone(),
                provider: p.provider,
                mode: p.mode,
                key_source: source_of(name, &var, &store),
                env_var: var,
                client_key_source: client,
            }
        })
        .collect();
    emit(global.json, &rows, || status_table(&rows))
}

fn status_table(rows: &[StatusRow]) -> String {
    let cells: Vec<Vec<String>> = rows
        .iter()
        .map(|r| {
            let key = match r.key_source {
                "env" => format!("env {}", r.env_var),
                other => other.to_string(),
            };
            vec![
                r.profile.clone(),
                r.provider.slug().to_string(),
                r.mode.label().to_string(),
                key,
                r.client_key_source.unwrap_or("-").to_string(),
            ]
        })
        .collect();
    table::render(&["PROFILE", "PROVIDER", "MODE", "KEY", "CLIENT KEY"], &cells)
}

/// The profile's `rate_limit` / `burst` become its provider's request budget.
pub fn apply_limit(active: &Active, http: &crate::providers::Http) {
    let Some(rate) = active.profile.rate_limit else { return };
    let per_second = rate.per_second();
    let burst = active.profile.burst.map_or((per_second * 2.0).max(1.0), |b| f64::from(b.get()));
    let limit = crate::providers::budget::Limit { per_second, burst };
    http.budgets().set(active.profile.provider, Some(limit));
}

/// A profile in a few words, for the refusal to replace it: what replacing it would change.
fn profile_summary(p: &Profile) -> String {
    let mut parts = vec![p.provider.slug().to_string(), format!("{:?}", p.mode).to_lowercase()];
    if p.read_only {
        parts.push("read-only".into());
    }
    if let Some(account) = &p.account {
        parts.push(format!("account {}", crate::text::line(account)));
    }
    parts.join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::Parser;

    fn global() -> Global {
        super::super::Cli::try_parse_from(["till"]).unwrap().global
    }

    fn active(name: &str, provider: ProviderKind, mode: ProfileMode) -> Active {
        let profile = Profile {
            provider,
            mode,
            base_url: None,
            edge_url: None,
            account: None,
            read_only: false,
            rate_limit: None,
            burst: None,
        };
        Active { name: name.to_string(), profile }
    }

    fn store_with(pairs: &[(&str, &str)]) -> Result<Box<dyn SecretStore>, SecretError> {
        let store = secrets::KeyringStore::mock()?;
        for (k, v) in pairs {
            store.set(k, v)?;
        }
        Ok(Box::new(store))
    }

    #[test]
    fn keyring_supplies_server_and_client_keys() {
        // Unusual names so no TILL_*_KEY variable of the developer's shell interferes.
        let name = "unit-kv-7f3a";
        let open = || store_with(&[("unit-kv-7f3a", "server"), ("unit-kv-7f3a:client", "client")]);
        let Ok(e) = endpoint(&active(name, ProviderKind::Kelviq, ProfileMode::Test), &global(), &open) else {
            panic!("the keyring holds both keys")
        };
        assert_eq!((e.key.expose(), e.client_key.map(|k| k.expose().to_string())), ("server", Some("client".into())));
        let missing = endpoint(&active("unit-none-7f3a", ProviderKind::Kelviq, ProfileMode::Test), &global(), &open);
        let f = missing.err().unwrap();
        assert_eq!(f.code, ExitCode::Auth);
        assert!(f.message.contains("till auth login --profile unit-none-7f3a"), "{}", f.message);
    }

    /// Without a keyring, logout said "the key was not saved … export TILL_<PROFILE>_KEY=<key>
    /// instead" (login's advice); it now says what was and was not removed, and why.
    #[test]
    fn logout_says_what_was_removed_and_what_was_not() {
        let none = Err((false, SecretError::Unavailable("no bus".into())));
        let (said, code) = logout_report("fg", &none, &[]);
        assert_eq!(code, ExitCode::Failure);
        assert_eq!(
            said,
            "removed no key of profile \"fg\": no OS keyring is available (no bus), so a key saved in the \
             keyring earlier, if any, is still there (till stores keys only there, never on disk)"
        );
        assert!(!said.contains("saved (") && !said.contains("export"), "{said}");
        let set = ["TILL_FG_KEY".to_string()];
        let (said, _) = logout_report("fg", &none, &set);
        assert!(
            said.ends_with(
                "; TILL_FG_KEY is still set in this environment, and till uses it: unset it to log out fully"
            )
        );
        let half = Err((true, SecretError::Failed("denied".into())));
        let (said, _) = logout_report("kv", &half, &[]);
        assert!(said.starts_with("removed the API key of profile \"kv\" but not its client key: the keyring refused"));
        let both = Ok(Forgotten { api_key: true, client_key: true });
        assert_eq!(
            logout_report("kv", &both, &[]),
            ("removed the API key and the client key of profile \"kv\" from the OS keyring".into(), ExitCode::Ok)
        );
        let nothing = Ok(Forgotten { api_key: false, client_key: false });
        assert_eq!(
            logout_report("kv", &nothing, &[]).0,
            "the OS keyring held no key of profile \"kv\": nothing to remove"
        );
    }

    #[test]
    fn wrong_mode_key_fails_as_auth_without_quoting_it() {
        let open = || store_with(&[("unit-fg-7f3a", "sk_live_SECRETVALUE")]);
        let f = endpoint(&active("unit-fg-7f3a", ProviderKind::Flowglad, ProfileMode::Test), &global(), &open)
            .err()
            .unwrap();
        assert_eq!(f.code, ExitCode::Auth);
        assert!(f.message.contains("test mode") && !f.message.contains("SECRETVALUE"), "{}", f.message);
        let none = || Err(SecretError::Unavailable("no bus".into()));
        let f = endpoint(&active("unit-fg-7f3a", ProviderKind::Flowglad, ProfileMode::Test), &global(), &none)
            .err()
            .unwrap();
        assert!(f.message.contains("no OS keyring") && f.message.contains("TILL_UNIT_FG_7F3A_KEY"), "{}", f.message);
    }
}
