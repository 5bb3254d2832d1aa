//! What may reach the terminal from provider data outside ratatui's buffer (which drops
//! control characters itself): hyperlinks, the clipboard and the browser.

/// The text with every control character (C0, DEL, C1) removed.
pub fn strip_controls(text: &str) -> String {
    text.chars().filter(|c| !c.is_control()).collect()
}

/// The URL if it is absolute http(s) with no control character anywhere, else `None`: only
/// such URLs are linked (OSC 8) or opened.
pub fn safe_url(url: &str) -> Option<String> {
    if url.chars().any(char::is_control) {
        return None;
    }
    let parsed = url::Url::parse(url).ok()?;
    matches!(parsed.scheme(), "http" | "https").then(|| parsed.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hostile_urls_are_refused_and_controls_stripped() {
        assert_eq!(safe_url("https://pay.example/c/1").as_deref(), Some("https://pay.example/c/1"));
        assert_eq!(safe_url("https://x/\x1b]0;pwned\x07"), None);
        assert_eq!(safe_url("javascript:alert(1)"), None);
        assert_eq!(safe_url("https://x/\u{9b}31m"), None);
        assert_eq!(strip_controls("a\x1b]52;c;SGVsbG8=\x07b\u{85}c"), "a]52;c;SGVsbG8=bc");
    }
}
