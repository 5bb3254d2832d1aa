//! Which host each mode lives on, and the check that a key never reaches a host of the other
//! mode. Facts from the providers' documentation (shared/providers/):
//! - Kelviq: production `api.kelviq.com` + `edge.api.kelviq.com`, sandbox `sandboxapi.kelviq.com`
//!   + `edge.sandboxapi.kelviq.com`; a key sent to the other environment's host gets a 401.
//! - Flowglad: one host for both modes; the key says its mode (`sk_test_…` / `sk_live_…`).
//! - KuvarPay, Zenskar: one documented host; nothing documented ties a key or host to a mode.

use url::Url;

use super::ProfileMode;
use crate::billing::ProviderKind;
use crate::providers::Secret;

/// Kelviq's (core host, edge host) pairs, production first, as the spec's servers list them.
const KELVIQ_PAIRS: [(&str, &str, ProfileMode); 2] = [
    ("api.kelviq.com", "edge.api.kelviq.com", ProfileMode::Live),
    ("sandboxapi.kelviq.com", "edge.sandboxapi.kelviq.com", ProfileMode::Test),
];

/// How the edge URL was chosen, for `till info`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum EdgeSource {
    /// Given by a flag, a variable or the profile (the source is named).
    Explicit(String),
    /// Paired with the core host as the provider documents it.
    Paired,
    /// The core host has no documented edge host: the core URL is used for both.
    SameAsCore,
    /// The embedded sandbox's layout (`/kelviq/api/v1` ↔ `/kelviq-edge/api/v1`).
    SandboxLayout,
}

impl EdgeSource {
    pub fn describe(&self) -> String {
        match self {
            EdgeSource::Explicit(from) => format!("from {from}"),
            EdgeSource::Paired => "paired with the core host as Kelviq documents it".into(),
            EdgeSource::SameAsCore => {
                "same as core: no edge host is paired with this host (set --edge-url to change)".into()
            }
            EdgeSource::SandboxLayout => "the sandbox's edge mount beside the core one".into(),
        }
    }
}

/// Kelviq's default core URL for a mode: a test profile talks to the sandbox environment.
pub fn kelviq_default_base(mode: ProfileMode) -> &'static str {
    match mode {
        ProfileMode::Live => "https://api.kelviq.com/api/v1",
        ProfileMode::Test => "https://sandboxapi.kelviq.com/api/v1",
    }
}

/// The edge URL for a Kelviq core URL when none is given.
pub fn derive_edge(core: &Url) -> (Url, EdgeSource) {
    let host = core.host_str().unwrap_or_default().to_ascii_lowercase();
    if let Some((_, edge, _)) = KELVIQ_PAIRS.iter().find(|(c, _, _)| *c == host) {
        let mut url = core.clone();
        if url.set_host(Some(edge)).is_ok() {
            return (url, EdgeSource::Paired);
        }
    }
    let path = core.path().trim_end_matches('/');
    if let Some(prefix) = path.strip_suffix("/kelviq/api/v1") {
        let mut url = core.clone();
        url.set_path(&format!("{prefix}/kelviq-edge/api/v1"));
        return (url, EdgeSource::SandboxLayout);
    }
    (core.clone(), EdgeSource::SameAsCore)
}

/// The mode a host belongs to, where the provider documents one.
pub fn host_mode(kind: ProviderKind, url: &Url) -> Option<ProfileMode> {
    let host = url.host_str()?.to_ascii_lowercase();
    match kind {
        ProviderKind::Kelviq => {
            KELVIQ_PAIRS.iter().find(|(c, e, _)| *c == host || *e == host).map(|(_, _, mode)| *mode)
        }
        _ => None,
    }
}

/// The mode a key says it is for, where the provider's keys say so (Flowglad's `sk_test_`,
/// `sk_live_`, also behind staging's `stg_`).
pub fn key_mode(kind: ProviderKind, key: &Secret) -> Option<ProfileMode> {
    if kind != ProviderKind::Flowglad {
        return None;
    }
    let k = key.expose().trim();
    let k = k.strip_prefix("stg_").unwrap_or(k);
    if k.starts_with("sk_live_") {
        Some(ProfileMode::Live)
    } else if k.starts_with("sk_test_") {
        Some(ProfileMode::Test)
    } else {
        None
    }
}

/// What `till info` says about a key's mode.
pub fn describe_key_mode(kind: ProviderKind, key: Option<&Secret>) -> String {
    match (kind, key) {
        (_, None) => "no key found".into(),
        (ProviderKind::Flowglad, Some(k)) => match key_mode(kind, k) {
            Some(mode) => format!("{} (the key's sk_{}_ prefix)", mode.label(), mode.label()),
            None => "unknown: neither sk_test_ nor sk_live_".into(),
        },
        (ProviderKind::Kelviq, Some(_)) => {
            "not written in Kelviq keys; each key works on its own environment's hosts only".into()
        }
        (_, Some(_)) => "not written in the key (no documented marker)".into(),
    }
}

/// A key would reach a host of the other mode.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "{who} is in {mode} mode but {what} is a {other} host ({host}): a key is never sent to a host of another mode; fix the URL or the mode"
)]
pub struct ModeMismatch {
    pub who: String,
    pub mode: &'static str,
    pub what: &'static str,
    pub other: &'static str,
    pub host: String,
}

/// Checks, before any request, that every host the endpoint uses belongs to `mode` where the
/// provider documents host modes. `mode` is the profile's; without a profile it is the key's
/// own mode when it says one, else the mode of the core host (so core and edge must agree).
pub fn check_hosts(
    who: &str,
    kind: ProviderKind,
    mode: Option<ProfileMode>,
    key: &Secret,
    hosts: &[(&'static str, &Url)],
) -> Result<(), ModeMismatch> {
    let expected = mode.or_else(|| key_mode(kind, key)).or_else(|| hosts.iter().find_map(|(_, u)| host_mode(kind, u)));
    let Some(expected) = expected else { return Ok(()) };
    for (what, url) in hosts {
        if let Some(found) = host_mode(kind, url).filter(|m| *m != expected) {
            return Err(ModeMismatch {
                who: who.to_string(),
                mode: expected.label(),
                what,
                other: found.label(),
                host: url.host_str().unwrap_or_default().to_string(),
            });
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn url(s: &str) -> Url {
        Url::parse(s).unwrap()
    }

    #[test]
    fn edge_hosts_pair_with_core_hosts_as_the_spec_lists_them() {
        let (edge, how) = derive_edge(&url("https://api.kelviq.com/api/v1"));
        assert_eq!((edge.as_str(), how), ("https://edge.api.kelviq.com/api/v1", EdgeSource::Paired));
        let (edge, how) = derive_edge(&url("https://sandboxapi.kelviq.com/api/v1"));
        assert_eq!((edge.as_str(), how), ("https://edge.sandboxapi.kelviq.com/api/v1", EdgeSource::Paired));
        let (edge, how) = derive_edge(&url("http://127.0.0.1:4010/kelviq/api/v1"));
        assert_eq!((edge.as_str(), how), ("http://127.0.0.1:4010/kelviq-edge/api/v1", EdgeSource::SandboxLayout));
        let (edge, how) = derive_edge(&url("http://mock.test:4010/api/v1"));
        assert_eq!((edge.as_str(), how), ("http://mock.test:4010/api/v1", EdgeSource::SameAsCore));
    }

    #[test]
    fn a_key_never_goes_to_a_host_of_the_other_mode() {
        let key = Secret::new("k");
        let prod = url("https://edge.api.kelviq.com/api/v1");
        let sandbox = url("https://sandboxapi.kelviq.com/api/v1");
        let err = check_hosts(
            "profile \"k\"",
            ProviderKind::Kelviq,
            Some(ProfileMode::Test),
            &key,
            &[("the edge URL", &prod)],
        )
        .unwrap_err();
        assert!(err.to_string().contains("test mode but the edge URL is a live host (edge.api.kelviq.com)"), "{err}");
        assert!(check_hosts("p", ProviderKind::Kelviq, Some(ProfileMode::Live), &key, &[("core", &sandbox)]).is_err());
        assert!(check_hosts("p", ProviderKind::Kelviq, Some(ProfileMode::Test), &key, &[("core", &sandbox)]).is_ok());
        // Without a profile, core and edge must agree.
        assert!(check_hosts("env", ProviderKind::Kelviq, None, &key, &[("core", &sandbox), ("edge", &prod)]).is_err());
        // Unknown hosts (mocks, the sandbox) have no mode to disagree with.
        let mock = url("http://mock.test/api/v1");
        assert!(check_hosts("p", ProviderKind::Kelviq, Some(ProfileMode::Live), &key, &[("core", &mock)]).is_ok());
    }

    #[test]
    fn flowglad_keys_say_their_mode() {
        assert_eq!(key_mode(ProviderKind::Flowglad, &Secret::new("sk_live_ab_x")), Some(ProfileMode::Live));
        assert_eq!(key_mode(ProviderKind::Flowglad, &Secret::new("stg_sk_test_ab_x")), Some(ProfileMode::Test));
        assert_eq!(key_mode(ProviderKind::Kelviq, &Secret::new("sk_live_x")), None);
        assert!(describe_key_mode(ProviderKind::Flowglad, Some(&Secret::new("sk_test_x"))).starts_with("test"));
    }
}
