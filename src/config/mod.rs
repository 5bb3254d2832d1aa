//! Where each provider lives: built-in production URLs, overridden by environment variables
//! (`TILL_KELVIQ_BASE_URL`, `TILL_KELVIQ_EDGE_URL`, …) and then by command-line flags.
//! A named profile (config.toml, see `profiles`) supplies defaults that the environment and
//! flags override.

pub mod hosts;
pub mod profiles;
pub mod urls;

pub use hosts::{EdgeSource, ModeMismatch};
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

/// The base URL a profile of `mode` talks to by default: Kelviq's test mode is its sandbox
/// environment (own hosts, own keys); the other providers serve both modes from one host.
pub fn default_base_url_for(kind: ProviderKind, mode: ProfileMode) -> &'static str {
    match kind {
        ProviderKind::Kelviq => hosts::kelviq_default_base(mode),
        _ => default_base_url(kind),
    }
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
    #[error(transparent)]
    HostMode(#[from] ModeMismatch),
}

/// The URLs an endpoint will use and how the edge URL was chosen (for `till info`).
#[derive(Clone, Debug, PartialEq)]
pub struct Hosts {
    pub base_url: Url,
    /// Kelviq only: the entitlements host.
    pub edge: Option<(Url, EdgeSource)>,
}

/// The edge URL: given (flag, variable or profile, named), else for Kelviq derived from the
/// core URL as the provider pairs its hosts.
fn edge_for(kind: ProviderKind, base_url: &Url, given: Option<(Url, String)>) -> Option<(Url, EdgeSource)> {
    match given {
        Some((url, from)) => Some((url, EdgeSource::Explicit(from))),
        None => (kind == ProviderKind::Kelviq).then(|| hosts::derive_edge(base_url)),
    }
}

fn env_name(kind: ProviderKind, suffix: &str) -> String {
    format!("TILL_{}_{suffix}", kind.slug().to_ascii_uppercase())
}

/// A URL from `source_name` (a flag, a variable, a profile), held to [`urls::check`] wherever
/// it came from.
fn parse_url(source_name: &str, value: &str) -> Result<Url, ConfigError> {
    urls::check(value).map_err(|reason| ConfigError::BadUrl {
        source_name: source_name.to_string(),
        // Errors are printed: URL credentials must not be.
        value: crate::providers::redact::userinfo(value).into_owned(),
        reason,
    })
}

/// A URL `till profiles add` may keep (`--base-url`, `--edge-url`): `javascript:alert(1)`, a
/// URL with a user name or password, or one with a control character was saved and only failed
/// when the profile was used; now each is refused naming the flag. The same check holds a
/// profile in config.toml, the flags and the `TILL_<PROVIDER>_*_URL` variables.
pub fn profile_url(flag: &str, value: &str) -> Result<Url, ConfigError> {
    parse_url(flag, value)
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
    let Some(hosts) = external_hosts(kind, overrides, lookup)? else { return Ok(None) };
    let key_var = env_name(kind, "KEY");
    let key = lookup(&key_var).filter(|k| !k.is_empty()).ok_or_else(|| ConfigError::MissingKey {
        provider: kind,
        url: crate::providers::redact::userinfo(hosts.base_url.as_str()).into_owned(),
        var: key_var.clone(),
    })?;
    let key = Secret::new(key).with_env_var(key_var);
    check_hosts(&format!("{kind} (from the environment)"), kind, None, &key, &hosts)?;
    let client_var = env_name(kind, "CLIENT_KEY");
    Ok(Some(Endpoint {
        edge_url: hosts.edge.map(|(url, _)| url),
        base_url: hosts.base_url,
        key,
        client_key: lookup(&client_var).filter(|k| !k.is_empty()).map(|k| Secret::new(k).with_env_var(client_var)),
        account: lookup(&env_name(kind, "ACCOUNT")).filter(|k| !k.is_empty()),
    }))
}

/// The URLs flags and `TILL_<PROVIDER>_*` variables point at, or `None` (the sandbox).
pub fn external_hosts(
    kind: ProviderKind,
    overrides: &Overrides,
    lookup: &dyn Fn(&str) -> Option<String>,
) -> Result<Option<Hosts>, ConfigError> {
    let base = pick(overrides.base_url.as_deref(), "--base-url", &env_name(kind, "BASE_URL"), lookup)?;
    let Some(base_url) = base else { return Ok(None) };
    Ok(Some(Hosts { edge: edge_for(kind, &base_url, picked_edge(kind, overrides, lookup)?), base_url }))
}

/// A given edge URL and where it came from (flag, then variable).
fn picked_edge(
    kind: ProviderKind,
    overrides: &Overrides,
    lookup: &dyn Fn(&str) -> Option<String>,
) -> Result<Option<(Url, String)>, ConfigError> {
    let var = env_name(kind, "EDGE_URL");
    let from = if overrides.edge_url.is_some() { "--edge-url".to_string() } else { var.clone() };
    Ok(pick(overrides.edge_url.as_deref(), "--edge-url", &var, lookup)?.map(|u| (u, from)))
}

/// Every host of the endpoint against `mode` (see [`hosts::check_hosts`]).
fn check_hosts(
    who: &str,
    kind: ProviderKind,
    mode: Option<ProfileMode>,
    key: &Secret,
    hosts: &Hosts,
) -> Result<(), ConfigError> {
    let mut urls: Vec<(&'static str, &Url)> = vec![("the base URL", &hosts.base_url)];
    if let Some((edge, _)) = &hosts.edge {
        urls.push(("the edge URL", edge));
    }
    Ok(hosts::check_hosts(who, kind, mode, key, &urls)?)
}

/// A profile's URLs: flags, then `TILL_<PROVIDER>_*` variables, then the profile, then the
/// provider's URLs for the profile's mode; Kelviq's edge URL paired with the core one.
pub fn profile_hosts(
    name: &str,
    profile: &Profile,
    overrides: &Overrides,
    lookup: &dyn Fn(&str) -> Option<String>,
) -> Result<Hosts, ConfigError> {
    let kind = profile.provider;
    let from_profile = |field: &str, value: &Option<String>| -> Result<Option<Url>, ConfigError> {
        value.as_deref().map(|v| parse_url(&format!("profile {name:?} {field}"), v)).transpose()
    };
    let base_url = match pick(overrides.base_url.as_deref(), "--base-url", &env_name(kind, "BASE_URL"), lookup)? {
        Some(url) => url,
        None => match from_profile("base_url", &profile.base_url)? {
            Some(url) => url,
            None => parse_url("the default base URL", default_base_url_for(kind, profile.mode))?,
        },
    };
    let given = match picked_edge(kind, overrides, lookup)? {
        Some(found) => Some(found),
        None => from_profile("edge_url", &profile.edge_url)?.map(|u| (u, format!("profile {name:?} edge_url"))),
    };
    Ok(Hosts { edge: edge_for(kind, &base_url, given), base_url })
}

/// The endpoint for a profile (URLs as [`profile_hosts`]). The key comes from `secrets`
/// (keyring or env var); it is refused before any request if it or a host is of the other mode.
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
    let hosts = profile_hosts(name, profile, overrides, lookup)?;
    check_hosts(&format!("profile {name:?}"), kind, Some(profile.mode), &key, &hosts)?;
    // Curl exports read the key from the profile's variable, whichever store it came from.
    let key = key.with_env_var(crate::secrets::env_var(name));
    let client_key = client_key.map(|k| k.with_env_var(crate::secrets::client_env_var(name)));
    let account = lookup(&env_name(kind, "ACCOUNT")).filter(|a| !a.is_empty()).or_else(|| profile.account.clone());
    Ok(Endpoint { edge_url: hosts.edge.map(|(url, _)| url), base_url: hosts.base_url, key, client_key, account })
}

/// Flowglad keys say their mode (`sk_live_` / `sk_test_`); a key for the other mode is refused
/// before any request is sent.
pub fn check_key_mode(name: &str, profile: &Profile, key: &Secret) -> Result<(), ConfigError> {
    match hosts::key_mode(profile.provider, key) {
        Some(found) if found != profile.mode => Err(ConfigError::KeyModeMismatch {
            profile: name.to_string(),
            mode: profile.mode.label(),
            prefix: if found == ProfileMode::Live { "sk_live_" } else { "sk_test_" },
        }),
        _ => Ok(()),
    }
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

    /// A variable or flag was held only to "http or https": a URL with a password in it, or a
    /// bidi override, was used as given. Now each is refused as `profiles add` refuses it,
    /// naming where it came from; the sandbox's loopback URLs pass.
    #[test]
    fn variables_and_flags_are_held_to_the_profiles_add_rules() {
        let kind = ProviderKind::Kelviq;
        for (url, why) in [
            ("javascript:alert(1)", "only http and https are supported"),
            ("http://user:s3cretpw@127.0.0.1:9/api/v1", "it holds a user name or password"),
            ("http://127.0.0.1:9/api/v1\u{202e}", "it holds a control character or whitespace"),
        ] {
            let given = [
                (("TILL_KELVIQ_BASE_URL", url), ("TILL_KELVIQ_KEY", "k"), None, "TILL_KELVIQ_BASE_URL"),
                (("TILL_KELVIQ_EDGE_URL", url), ("TILL_KELVIQ_BASE_URL", "http://h/v1"), None, "TILL_KELVIQ_EDGE_URL"),
                (("TILL_KELVIQ_KEY", "k"), ("TILL_KELVIQ_KEY", "k"), Some(url.to_string()), "--base-url"),
            ];
            for (a, b, flag, named) in given {
                let pairs = [a, b];
                let lookup = env(&pairs);
                let overrides = Overrides { base_url: flag, edge_url: None };
                let e = external_endpoint(kind, &overrides, &lookup).unwrap_err().to_string();
                assert!(e.starts_with(&format!("{named} is not a valid URL: ")) && e.contains(why), "{e}");
                assert!(!e.contains("s3cretpw") && !e.contains('\u{202e}'), "{e}");
                let e = profile_hosts("p", &profile(kind, ProfileMode::Test), &overrides, &lookup).unwrap_err();
                assert!(e.to_string().starts_with(&format!("{named} is not a valid URL: ")), "{e}");
            }
        }
        let lookup = env(&[("TILL_KELVIQ_BASE_URL", "http://127.0.0.1:4010/kelviq/api/v1"), ("TILL_KELVIQ_KEY", "k")]);
        assert!(external_endpoint(kind, &Overrides::default(), &lookup).unwrap().is_some());
    }

    fn profile(kind: ProviderKind, mode: ProfileMode) -> Profile {
        Profile {
            provider: kind,
            mode,
            base_url: None,
            edge_url: None,
            account: None,
            read_only: false,
            rate_limit: None,
            burst: None,
        }
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
    fn kelviq_profile_gets_the_hosts_of_its_mode_and_the_client_key() {
        let go = |p: &Profile| {
            profile_endpoint("k", p, &Overrides::default(), &env(&[]), Secret::new("s"), Some(Secret::new("c")))
                .unwrap()
        };
        // A test profile talks to Kelviq's sandbox environment, never to production.
        let e = go(&profile(ProviderKind::Kelviq, ProfileMode::Test));
        assert_eq!(e.base_url.as_str(), "https://sandboxapi.kelviq.com/api/v1");
        assert_eq!(e.edge_url.unwrap().as_str(), "https://edge.sandboxapi.kelviq.com/api/v1");
        assert_eq!(e.client_key.unwrap().expose(), "c");
        let e = go(&profile(ProviderKind::Kelviq, ProfileMode::Live));
        assert_eq!(e.edge_url.unwrap().as_str(), "https://edge.api.kelviq.com/api/v1");
    }

    /// A profile with only a base_url used to send entitlement requests (with the key) to the
    /// production edge host; with only TILL_KELVIQ_BASE_URL, to the core host.
    #[test]
    fn kelviq_edge_host_follows_the_core_host() {
        let mut p = profile(ProviderKind::Kelviq, ProfileMode::Test);
        p.base_url = Some("https://sandboxapi.kelviq.com/api/v1".into());
        let e = profile_endpoint("k", &p, &Overrides::default(), &env(&[]), Secret::new("s"), None).unwrap();
        assert_eq!(e.edge_url.unwrap().as_str(), "https://edge.sandboxapi.kelviq.com/api/v1");
        p.base_url = Some("http://mock.test:4010/api/v1".into());
        let h = profile_hosts("k", &p, &Overrides::default(), &env(&[])).unwrap();
        assert_eq!(h.edge, Some((Url::parse("http://mock.test:4010/api/v1").unwrap(), EdgeSource::SameAsCore)));
        let lookup = env(&[("TILL_KELVIQ_BASE_URL", "https://api.kelviq.com/api/v1"), ("TILL_KELVIQ_KEY", "k")]);
        let e = external_endpoint(ProviderKind::Kelviq, &Overrides::default(), &lookup).unwrap().unwrap();
        assert_eq!(e.edge_url.unwrap().as_str(), "https://edge.api.kelviq.com/api/v1");
    }

    #[test]
    fn no_key_reaches_a_host_of_the_other_mode() {
        let p = profile(ProviderKind::Kelviq, ProfileMode::Test);
        let flags = Overrides { base_url: None, edge_url: Some("https://edge.api.kelviq.com/api/v1".into()) };
        let err = profile_endpoint("k", &p, &flags, &env(&[]), Secret::new("s"), None).unwrap_err();
        assert!(matches!(err, ConfigError::HostMode(_)), "{err}");
        assert!(err.to_string().contains("edge URL is a live host"), "{err}");
        let mut live = profile(ProviderKind::Kelviq, ProfileMode::Live);
        live.base_url = Some("https://sandboxapi.kelviq.com/api/v1".into());
        assert!(profile_endpoint("k", &live, &Overrides::default(), &env(&[]), Secret::new("s"), None).is_err());
        // Without a profile: the core host's mode decides, and the edge must agree.
        let lookup = env(&[
            ("TILL_KELVIQ_BASE_URL", "https://sandboxapi.kelviq.com/api/v1"),
            ("TILL_KELVIQ_EDGE_URL", "https://edge.api.kelviq.com/api/v1"),
            ("TILL_KELVIQ_KEY", "k"),
        ]);
        assert!(external_endpoint(ProviderKind::Kelviq, &Overrides::default(), &lookup).is_err());
    }

    /// Curl exports under a profile read `${TILL_<PROFILE>_KEY}`, not `${TILL_KELVIQ_KEY}`.
    #[test]
    fn profile_keys_name_the_profile_variable() {
        let p = profile(ProviderKind::Kelviq, ProfileMode::Test);
        let e = profile_endpoint(
            "acme-prod",
            &p,
            &Overrides::default(),
            &env(&[]),
            Secret::new("s"),
            Some(Secret::new("c")),
        )
        .unwrap();
        assert_eq!(e.key.env_var(), Some("TILL_ACME_PROD_KEY"));
        assert_eq!(e.client_key.unwrap().env_var(), Some("TILL_ACME_PROD_CLIENT_KEY"));
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
        // Staging keys carry a leading `stg_`; their mode is still read.
        assert!(go(&test, "stg_sk_live_abc").is_err());
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
    fn a_profile_keeps_only_plain_http_urls() {
        assert!(profile_url("--base-url", "https://api.example.com/v1").is_ok());
        for (bad, why) in [
            ("javascript:alert(1)", "only http and https are supported"),
            ("file:///etc/passwd", "only http and https are supported"),
            ("https://alice:s3cretpw@x.example/", "holds a user name or password"),
            ("https://alice@x.example/", "holds a user name or password"),
            ("https://x.exa\tmple/", "control character or whitespace"),
            ("https://x.example/\u{202e}a", "control character or whitespace"),
            ("https://x.example/\u{1b}]0;x\u{7}", "control character or whitespace"),
            ("not a url", "control character or whitespace"),
            ("x.example", "relative URL without a base"),
        ] {
            let e = profile_url("--base-url", bad).unwrap_err().to_string();
            assert!(e.starts_with("--base-url is not a valid URL: ") && e.contains(why), "{bad:?}: {e}");
            assert!(!e.contains("s3cretpw"), "{e}");
        }
    }

    #[test]
    fn url_credentials_never_reach_an_error_message() {
        let url = "ftp://alice:s3cretpw@x.example/";
        let bad =
            external_endpoint(ProviderKind::Kelviq, &Overrides::default(), &env(&[("TILL_KELVIQ_BASE_URL", url)]));
        // An http(s) URL with a password is refused as such, before the key is looked for.
        let with_password = external_endpoint(
            ProviderKind::Kelviq,
            &Overrides::default(),
            &env(&[("TILL_KELVIQ_BASE_URL", "https://alice:s3cretpw@x.example/")]),
        );
        for err in [bad.unwrap_err().to_string(), with_password.unwrap_err().to_string()] {
            assert!(!err.contains("s3cretpw") && err.contains("[redacted]@x.example"), "{err}");
        }
    }
}
