//! The one check a base or edge URL passes wherever it enters: `profiles add --base-url`, the
//! `--base-url` / `--edge-url` flags, `TILL_<PROVIDER>_BASE_URL` / `_EDGE_URL`, and a profile's
//! `base_url` / `edge_url` in config.toml. Only `profiles add` used to hold a URL to all of it,
//! so the same text typed into the file or a variable was sent as given.

use url::Url;

/// The URL, or why it may not be one till talks to. What the URL parser would silently drop (a
/// tab, a newline) or a terminal would act on is refused, not cleaned; a user name or password
/// is refused so that a key never sits in a URL, which is printed, logged and kept in history.
pub fn check(value: &str) -> Result<Url, String> {
    if value.chars().any(|c| crate::text::is_unsafe(c) || c.is_whitespace()) {
        return Err("it holds a control character or whitespace".into());
    }
    let url = Url::parse(value).map_err(|e| e.to_string())?;
    if !matches!(url.scheme(), "http" | "https") {
        return Err("only http and https are supported".into());
    }
    if !url.username().is_empty() || url.password().is_some() {
        return Err(
            "it holds a user name or password; keys go in the keyring or a TILL_…_KEY variable, never in a URL".into(),
        );
    }
    Ok(url)
}

/// `value` as an error quotes it: credentials cut, and quoted as Rust's `{:?}` does, so a
/// control character in it reads as an escape (`\u{202e}`).
pub fn shown(value: &str) -> String {
    format!("{:?}", crate::providers::redact::userinfo(value))
}
