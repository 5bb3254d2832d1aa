//! `till info`, per profile: the core and edge hosts each will talk to (and why that edge
//! host), the mode each host belongs to, and what the key says about its mode. Resolved with
//! the same functions a command uses, so what info shows is what a request would do.

use super::Global;
use crate::billing::ProviderKind;
use crate::config::{self, Overrides, ProfileMode, hosts};
use crate::providers::Secret;
use crate::secrets;

fn host_note(kind: ProviderKind, url: &url::Url) -> &'static str {
    match hosts::host_mode(kind, url) {
        Some(ProfileMode::Live) => "live host",
        Some(ProfileMode::Test) => "test host",
        None if kind == ProviderKind::Kelviq => "no documented mode",
        None => "the key selects the mode",
    }
}

/// The lines for one endpoint's hosts, indented under its heading.
fn host_lines(kind: ProviderKind, found: Result<config::Hosts, config::ConfigError>) -> Vec<String> {
    match found {
        Err(e) => vec![format!("    error {e}")],
        Ok(h) => {
            let mut lines = vec![format!("    core  {} ({})", h.base_url, host_note(kind, &h.base_url))];
            match h.edge {
                Some((edge, how)) => {
                    lines.push(format!("    edge  {edge} ({}; {})", host_note(kind, &edge), how.describe()))
                }
                None => lines.push("    edge  (none: one host for every call)".into()),
            }
            lines
        }
    }
}

/// The key's mode, from the profile's variable; the keyring is read only for the profile the
/// command names (`--profile`), so `info` never waits on a keyring for every profile.
fn key_line(name: &str, kind: ProviderKind, consult_keyring: bool) -> String {
    let var = secrets::env_var(name);
    let lookup = |k: &str| std::env::var(k).ok();
    let no_keyring = || Err(secrets::SecretError::Unavailable("not consulted by info".into()));
    let open: secrets::OpenStore<'_> = if consult_keyring { &secrets::platform_store } else { &no_keyring };
    match secrets::find(name, &var, open, &lookup) {
        Ok(Some(found)) => {
            format!("    key   {}: mode {}", found.source, hosts::describe_key_mode(kind, Some(&found.key)))
        }
        Ok(None) => format!("    key   none in {var} or the keyring"),
        Err(_) if !consult_keyring => format!("    key   not in {var} (keyring read only with --profile {name})"),
        Err(e) => format!("    key   not found: {e}"),
    }
}

/// Every configured profile, then every provider pointed away from the sandbox by the
/// environment alone.
pub fn lines(global: &Global, profiles: &config::ConfigFile) -> Vec<String> {
    let overrides = Overrides { base_url: global.base_url.clone(), edge_url: global.edge_url.clone() };
    let lookup = |k: &str| std::env::var(k).ok();
    let mut out = Vec::new();
    for (name, profile) in &profiles.profiles {
        let active = global.profile.as_deref() == Some(name.as_str());
        out.push(format!(
            "  {name} ({}, {} mode){}",
            profile.provider.slug(),
            profile.mode.label(),
            if active { " [active]" } else { "" }
        ));
        out.extend(host_lines(profile.provider, config::profile_hosts(name, profile, &overrides, &lookup)));
        out.push(key_line(name, profile.provider, active));
    }
    if global.profile.is_none() {
        for kind in ProviderKind::ALL {
            out.extend(environment_lines(kind, &lookup));
        }
    }
    out
}

/// A provider the environment points away from the sandbox (`TILL_<PROVIDER>_BASE_URL`).
fn environment_lines(kind: ProviderKind, lookup: &dyn Fn(&str) -> Option<String>) -> Vec<String> {
    let none = Overrides::default();
    let hosts = match config::external_hosts(kind, &none, lookup) {
        Ok(None) => return Vec::new(),
        Ok(Some(h)) => Ok(h),
        Err(e) => Err(e),
    };
    let key_var = format!("TILL_{}_KEY", kind.slug().to_ascii_uppercase());
    let key = lookup(&key_var).filter(|k| !k.is_empty()).map(Secret::new);
    let mut out = vec![format!("  (environment) {}", kind.slug())];
    out.extend(host_lines(kind, hosts));
    out.push(format!("    key   {key_var}: mode {}", hosts::describe_key_mode(kind, key.as_ref())));
    out
}
