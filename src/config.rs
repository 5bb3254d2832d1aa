//! Where each provider lives: built-in production URLs, overridden by environment variables
//! (`TILL_KELVIQ_BASE_URL`, `TILL_KELVIQ_EDGE_URL`, …) and then by command-line flags.
//! Named profiles in config.toml come later (issue 7); this is the resolution they will feed.

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
}

fn env_name(kind: ProviderKind, suffix: &str) -> String {
    format!("TILL_{}_{suffix}", kind.slug().to_ascii_uppercase())
}

fn parse_url(source_name: &str, value: &str) -> Result<Url, ConfigError> {
    let bad = |reason: &str| ConfigError::BadUrl {
        source_name: source_name.to_string(),
        value: value.to_string(),
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
        url: base_url.to_string(),
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
}
