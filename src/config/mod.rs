//! Where each provider lives: built-in production URLs, overridden by environment variables
//! (`TILL_KELVIQ_BASE_URL`, `TILL_KELVIQ_EDGE_URL`, …) and then by command-line flags.
//! A named profile (config.toml, see `profiles`) supplies defaults that the environment and
//! flags override.

pub mod profiles;

pub use profiles::{ConfigFile, Profile, ProfileMode};

use std::time::Duration;

use url::Url;

use crate::billing::ProviderKind;
use crate::providers::{Endpoint, HttpConfig, Secret};

/// Production base URLs from the providers' documentation.
pub fn default_base_url(kind: ProviderKind) -> &'static str {
    match kind {
        ProviderKind::Kelviq => "https://api.kelviq.com/api/v1",
        ProviderKind::Flowglad => "https://app.flowglad.com",
        ProviderKind::KuvarPay => "https://payment.kuvarpay.com",
        ProviderKind::Zenskar => "https://api.zenskar.com",
    }
}

pub fn default_edge_url(kind: ProviderKind) -> Option<&'static str> {
    (kind == ProviderKind::Kelviq).then_some("https://edge.api.kelviq.com/api/v1")
}

/// Overrides given on the command line; `None` means "not given".
#[derive(Clone, Debug, Default)]
pub struct Overrides {
    pub base_url: Option<String>,
    pub edge_url: Option<String>,
}

#[derive(Debug, thiserror::Error, PartialEq)]
pub enum ConfigError {
    #[error("{source_name} is not a valid URL: {value:?} ({reason})")]
    BadUrl { source_name: String, value: String, reason: String },
    #[error("{provider} is pointed at {url} but no API key is set: export {var}=<key>")]
    MissingKey { provider: ProviderKind, url: String, var: String },
    #[error("profile {profile:?} is in {mode} mode but its key starts with {prefix:?}: fix the mode or the key")]
    KeyModeMismatch { profile: String, mode: &'static str, prefix: &'static str },
}

fn env_name(kind: ProviderKind, suffix: &str) -> String {
    format!("TILL_{}_{suffix}", kind.slug().to_ascii_uppercase())
}

fn parse_url(source_name: &str, value: &str) -> Result<Url, ConfigError> {
    let bad = |reason: &str| ConfigError::BadUrl {
        source_name: source_name.to_string(),
        // Errors are printed: URL credentials must not be.
        value: crate::providers::redact::userinfo(value).into_owned(),
        reason: reason.to_string(),
    };
    let url = Url::parse(value).map_err(|e| bad(&e.to_string()))?;
    if !matches!(url.scheme(), "http" | "https") {
        return Err(bad("only http and https are supported"));
    }
    Ok(url)
}

/// A flag wins over the environment; `lookup` reads the environment (injectable for tests).
fn pick(
    flag: Option<&str>,
    flag_name: &str,
    var: &str,
    lookup: &dyn Fn(&str) -> Option<String>,
) -> Result<Option<Url>, ConfigError> {
    if let Some(v) = flag {
        return parse_url(flag_name, v).map(Some);
    }
    match lookup(var).filter(|v| !v.trim().is_empty()) {
        Some(v) => parse_url(var, &v).map(Some),
        None => Ok(None),
    }
}

/// The endpoint for a real (non-sandbox) server, or `None` when nothing points away from the
/// embedded sandbox.
pub fn external_endpoint(
    kind: ProviderKind,
    overrides: &Overrides,
    lookup: &dyn Fn(&str) -> Option<String>,
) -> Result<Option<Endpoint>, ConfigError> {
    let base = pick(overrides.base_url.as_deref(), "--base-url", &env_name(kind, "BASE_URL"), lookup)?;
    let Some(base_url) = base else { return Ok(None) };
    let edge_url = pick(overrides.edge_url.as_deref(), "--edge-url", &env_name(kind, "EDGE_URL"), lookup)?;
    let key_var = env_name(kind, "KEY");
    let key = lookup(&key_var).filter(|k| !k.is_empty()).ok_or_else(|| ConfigError::MissingKey {
        provider: kind,
        url: crate::providers::redact::userinfo(base_url.as_str()).into_owned(),
        var: key_var.clone(),
    })?;
    Ok(Some(Endpoint {
        edge_url: edge_url.or_else(|| (kind == ProviderKind::Kelviq).then(|| base_url.clone())),
        base_url,
        key: Secret::new(key),
        client_key: lookup(&env_name(kind, "CLIENT_KEY")).filter(|k| !k.is_empty()).map(Secret::new),
        account: lookup(&env_name(kind, "ACCOUNT")).filter(|k| !k.is_empty()),
    }))
}

/// The endpoint for a profile: flags, then `TILL_<PROVIDER>_*` variables, then the profile,
/// then the provider's production URLs. The key comes from `secrets` (keyring or env var).
pub fn profile_endpoint(
    name: &str,
    profile: &Profile,
    overrides: &Overrides,
    lookup: &dyn Fn(&str) -> Option<String>,
    key: Secret,
    client_key: Option<Secret>,
) -> Result<Endpoint, ConfigError> {
    let kind = profile.provider;
    check_key_mode(name, profile, &key)?;
    let from_profile = |field: &str, value: &Option<String>| -> Result<Option<Url>, ConfigError> {
        value.as_deref().map(|v| parse_url(&format!("profile {name:?} {field}"), v)).transpose()
    };
    let base_url = match pick(overrides.base_url.as_deref(), "--base-url", &env_name(kind, "BASE_URL"), lookup)? {
        Some(url) => url,
        None => match from_profile("base_url", &profile.base_url)? {
            Some(url) => url,
            None => parse_url("the default base URL", default_base_url(kind))?,
        },
    };
    let edge_url = match pick(overrides.edge_url.as_deref(), "--edge-url", &env_name(kind, "EDGE_URL"), lookup)? {
        Some(url) => Some(url),
        None => match from_profile("edge_url", &profile.edge_url)? {
            Some(url) => Some(url),
            None => default_edge_url(kind).map(|u| parse_url("the default edge URL", u)).transpose()?,
        },
    };
    let account = lookup(&env_name(kind, "ACCOUNT")).filter(|a| !a.is_empty()).or_else(|| profile.account.clone());
    Ok(Endpoint { base_url, edge_url, key, client_key, account })
}

/// Flowglad keys say their mode (`sk_live_` / `sk_test_`); a key for the other mode is refused
/// before any request is sent.
pub fn check_key_mode(name: &str, profile: &Profile, key: &Secret) -> Result<(), ConfigError> {
    if profile.provider != ProviderKind::Flowglad {
        return Ok(());
    }
    let (mode, wrong) = match profile.mode {
        ProfileMode::Test => ("test", "sk_live_"),
        ProfileMode::Live => ("live", "sk_test_"),
    };
    if key.expose().starts_with(wrong) {
        return Err(ConfigError::KeyModeMismatch { profile: name.to_string(), mode, prefix: wrong });
    }
    Ok(())
}

/// Timeouts from flags, else defaults.
pub fn http_config(connect_timeout: Option<Duration>, request_timeout: Option<Duration>) -> HttpConfig {
    let mut config = HttpConfig::default();
    if let Some(t) = connect_timeout {
        config.connect_timeout = t;
    }
    if let Some(t) = request_timeout {
        config.request_timeout = t;
    }
    config
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn env(pairs: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> {
        let map: HashMap<String, String> = pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
        move |k| map.get(k).cloned()
    }

    #[test]
    fn nothing_set_means_sandbox() {
        assert_eq!(
            external_endpoint(ProviderKind::Kelviq, &Overrides::default(), &env(&[])).unwrap().map(|e| e.base_url),
            None
        );
    }

    #[test]
    fn flag_beats_environment_and_key_is_required() {
        let lookup = env(&[("TILL_KELVIQ_BASE_URL", "http://env.test/api/v1"), ("TILL_KELVIQ_KEY", "k")]);
        let e = external_endpoint(
            ProviderKind::Kelviq,
            &Overrides { base_url: Some("http://flag.test/api/v1".into()), edge_url: None },
            &lookup,
        )
        .unwrap()
        .unwrap();
        assert_eq!(e.base_url.as_str(), "http://flag.test/api/v1");
        let e = external_endpoint(ProviderKind::Kelviq, &Overrides::default(), &lookup).unwrap().unwrap();
        assert_eq!(e.base_url.as_str(), "http://env.test/api/v1");
        let err = external_endpoint(
            ProviderKind::Kelviq,
            &Overrides::default(),
            &env(&[("TILL_KELVIQ_BASE_URL", "http://env.test")]),
        )
        .unwrap_err();
        assert!(err.to_string().contains("TILL_KELVIQ_KEY"));
    }

    fn profile(kind: ProviderKind, mode: ProfileMode) -> Profile {
        Profile { provider: kind, mode, base_url: None, edge_url: None, account: None, read_only: false }
    }

    #[test]
    fn profile_supplies_defaults_that_env_and_flags_override() {
        let mut p = profile(ProviderKind::Zenskar, ProfileMode::Live);
        let e = profile_endpoint("z", &p, &Overrides::default(), &env(&[]), Secret::new("k"), None).unwrap();
        assert_eq!(e.base_url.as_str(), "https://api.zenskar.com/");
        assert_eq!((e.edge_url, e.account), (None, None));
        p.base_url = Some("http://profile.test/zenskar".into());
        p.account = Some("org_profile".into());
        let e = profile_endpoint("z", &p, &Overrides::default(), &env(&[]), Secret::new("k"), None).unwrap();
        assert_eq!((e.base_url.as_str(), e.account.as_deref()), ("http://profile.test/zenskar", Some("org_profile")));
        let lookup = env(&[("TILL_ZENSKAR_BASE_URL", "http://env.test/z"), ("TILL_ZENSKAR_ACCOUNT", "org_env")]);
        let e = profile_endpoint("z", &p, &Overrides::default(), &lookup, Secret::new("k"), None).unwrap();
        assert_eq!((e.base_url.as_str(), e.account.as_deref()), ("http://env.test/z", Some("org_env")));
        let flags = Overrides { base_url: Some("http://flag.test/z".into()), edge_url: None };
        let e = profile_endpoint("z", &p, &flags, &lookup, Secret::new("k"), None).unwrap();
        assert_eq!(e.base_url.as_str(), "http://flag.test/z");
        p.base_url = Some("gopher://x".into());
        let err = profile_endpoint("z", &p, &Overrides::default(), &env(&[]), Secret::new("k"), None).unwrap_err();
        assert!(err.to_string().starts_with("profile \"z\" base_url is not a valid URL"), "{err}");
    }

    #[test]
    fn kelviq_profile_gets_the_edge_host_and_client_key() {
        let p = profile(ProviderKind::Kelviq, ProfileMode::Test);
        let e = profile_endpoint("k", &p, &Overrides::default(), &env(&[]), Secret::new("s"), Some(Secret::new("c")))
            .unwrap();
        assert_eq!(e.edge_url.unwrap().as_str(), "https://edge.api.kelviq.com/api/v1");
        assert_eq!(e.client_key.unwrap().expose(), "c");
    }

    #[test]
    fn flowglad_key_mode_must_match_the_profile() {
        let test = profile(ProviderKind::Flowglad, ProfileMode::Test);
        let live = profile(ProviderKind::Flowglad, ProfileMode::Live);
        let go = |p: &Profile, key: &str| {
            profile_endpoint("fg", p, &Overrides::default(), &env(&[]), Secret::new(key), None).map(|_| ())
        };
        assert!(go(&test, "sk_test_abc").is_ok());
        assert!(go(&live, "sk_live_abc").is_ok());
        let err = go(&test, "sk_live_SECRET").unwrap_err().to_string();
        assert!(err.contains("test mode") && err.contains("sk_live_") && !err.contains("SECRET"), "{err}");
        assert!(go(&live, "sk_test_abc").is_err());
        // Other providers do not encode the mode in the key.
        assert!(
            check_key_mode("k", &profile(ProviderKind::Kelviq, ProfileMode::Test), &Secret::new("sk_live_x")).is_ok()
        );
    }

    #[test]
    fn bad_url_names_its_source() {
        let err = external_endpoint(
            ProviderKind::Kelviq,
            &Overrides { base_url: Some("ftp://x".into()), edge_url: None },
            &env(&[]),
        )
        .unwrap_err();
        assert!(err.to_string().starts_with("--base-url is not a valid URL"), "{err}");
        let err = external_endpoint(
            ProviderKind::Kelviq,
            &Overrides::default(),
            &env(&[("TILL_KELVIQ_BASE_URL", "not a url")]),
        )
        .unwrap_err();
        assert!(err.to_string().contains("TILL_KELVIQ_BASE_URL"));
    }

    #[test]
    fn url_credentials_never_reach_an_error_message() {
        let url = "ftp://alice:s3cretpw@x.example/";
        let bad =
            external_endpoint(ProviderKind::Kelviq, &Overrides::default(), &env(&[("TILL_KELVIQ_BASE_URL", url)]));
        let missing = external_endpoint(
            ProviderKind::Kelviq,
            &Overrides::default(),
            &env(&[("TILL_KELVIQ_BASE_URL", "https://alice:s3cretpw@x.example/")]),
        );
        for err in [bad.unwrap_err().to_string(), missing.unwrap_err().to_string()] {
            assert!(!err.contains("s3cretpw") && err.contains("[redacted]@x.example"), "{err}");
        }
    }
}
