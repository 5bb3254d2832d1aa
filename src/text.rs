//! Making provider- and file-supplied text safe to show in a terminal, UI-free so both front
//! ends use the same rules.
//!
//! A terminal acts on control characters: ESC starts CSI/OSC/DCS sequences (OSC 0 sets the
//! window title, OSC 52 writes the clipboard, OSC 8 makes links), C1 controls (U+0080–U+009F)
//! are single-character forms of the same introducers on many terminals, BEL ends an OSC, CR
//! and BS overwrite what is already on the line. A customer name, an error message from a
//! provider or a line of a damaged file must never do any of that, so every such string passes
//! through [`line`] (one-line cells, titles, messages) or [`block`] (multi-line bodies) before
//! it is drawn or printed.
//!
//! Each unsafe character becomes one visible stand-in instead of vanishing, so the operator
//! sees that something odd was sent: C0 controls become their Control Pictures (ESC → `␛`,
//! BEL → `␇`), DEL becomes `␡`, C1 controls and the bidirectional overrides (which make text
//! read differently from what it is, "Trojan Source") become `�`. Text without any of them is
//! returned unchanged (and without copying). Where what exactly was sent matters (the request
//! log), [`line_escaped`] and [`block_escaped`] write those last ones as their code point
//! instead (`\u{202E}`), since `�` is also what a provider's own U+FFFD looks like.
//!
//! [`safe_url`] decides whether a provider-supplied URL may be linked (OSC 8) or opened.

use std::borrow::Cow;

use url::Url;

/// The replacement for characters without a Control Picture.
const REPLACEMENT: char = '\u{FFFD}';

/// True for every character [`line`] replaces: C0 controls (including TAB, LF, CR, ESC, BEL),
/// DEL, C1 controls, and the bidirectional embedding/override/isolate controls.
pub fn is_unsafe(c: char) -> bool {
    c.is_control() || is_bidi_control(c)
}

fn is_bidi_control(c: char) -> bool {
    matches!(c, '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}' | '\u{200E}' | '\u{200F}' | '\u{061C}')
}

/// How an unsafe character without a Control Picture (a C1 or bidi control) is shown.
#[derive(Clone, Copy)]
enum Unpictured {
    /// `�`: one column, for cells and messages laid out by width.
    Replacement,
    /// `\u{202E}`: which character it was, for the request log.
    CodePoint,
}

/// Appends the visible stand-in for an unsafe character.
fn push_stand_in(out: &mut String, c: char, unpictured: Unpictured) {
    match (c, unpictured) {
        // U+2400..U+241F are the Control Pictures for U+0000..U+001F.
        ('\u{0}'..='\u{1F}', _) => out.push(char::from_u32(0x2400 + c as u32).unwrap_or(REPLACEMENT)),
        ('\u{7F}', _) => out.push('\u{2421}'),
        (_, Unpictured::Replacement) => out.push(REPLACEMENT),
        (_, Unpictured::CodePoint) => out.push_str(&format!("\\u{{{:04X}}}", u32::from(c))),
    }
}

fn map(text: &str, keep: impl Fn(char) -> bool, unpictured: Unpictured) -> Cow<'_, str> {
    // Printable ASCII, most of what is shown, holds nothing unsafe: checked a byte at a time.
    if text.bytes().all(|b| (0x20..0x7f).contains(&b)) || !text.chars().any(|c| is_unsafe(c) && !keep(c)) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        if is_unsafe(c) && !keep(c) {
            push_stand_in(&mut out, c, unpictured);
        } else {
            out.push(c);
        }
    }
    Cow::Owned(out)
}

fn is_line_break_or_tab(c: char) -> bool {
    c == '\n' || c == '\t'
}

/// One line of terminal-safe text: every unsafe character (see [`is_unsafe`]), line breaks and
/// tabs included, replaced by a visible stand-in. Use for table cells, list rows, titles,
/// status and error messages.
pub fn line(text: &str) -> Cow<'_, str> {
    map(text, |_| false, Unpictured::Replacement)
}

/// Multi-line terminal-safe text: like [`line`] but keeps LF and TAB (a CR is still replaced,
/// since it rewrites the current line). Use for request and response bodies and whole outputs.
pub fn block(text: &str) -> Cow<'_, str> {
    map(text, is_line_break_or_tab, Unpictured::Replacement)
}

/// Like [`line`], but a C1 or bidi control is written as its code point (`\u{202E}`,
/// `\u{009B}`) rather than `�`: for the request log, whose reader must be able to tell what was
/// sent. C0 controls and DEL keep their Control Pictures, which already say which they are.
pub fn line_escaped(text: &str) -> Cow<'_, str> {
    map(text, |_| false, Unpictured::CodePoint)
}

/// [`block`] as [`line_escaped`] is to [`line`]: LF and TAB kept, C1 and bidi controls written
/// as their code points.
pub fn block_escaped(text: &str) -> Cow<'_, str> {
    map(text, is_line_break_or_tab, Unpictured::CodePoint)
}

/// JSON text (as serde_json writes it) with every unsafe character that is still raw written
/// as a `\uXXXX` escape. serde_json escapes C0 controls but passes DEL, C1 controls and bidi
/// controls through; outside strings JSON is plain ASCII, so this changes no value: the output
/// decodes to exactly the same data and is safe to print on a terminal.
pub fn json(text: &str) -> Cow<'_, str> {
    if !text.chars().any(is_unsafe_in_json) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 16);
    for c in text.chars() {
        if is_unsafe_in_json(c) {
            // These are all in the Basic Multilingual Plane: one \u escape each.
            out.push_str(&format!("\\u{:04x}", u32::from(c)));
        } else {
            out.push(c);
        }
    }
    Cow::Owned(out)
}

fn is_unsafe_in_json(c: char) -> bool {
    is_unsafe(c) && c != '\n'
}

/// A URL that may be shown as a link or handed to a browser: it parses as `http` or `https`
/// and the text as given has no control character, whitespace or bidi control anywhere (the
/// URL parser would silently drop tabs and newlines, and what it drops a terminal would run).
/// The returned `Url`'s `as_str()` is plain ASCII.
pub fn safe_url(text: &str) -> Option<Url> {
    if text.chars().any(|c| is_unsafe(c) || c.is_whitespace()) {
        return None;
    }
    let url = Url::parse(text).ok()?;
    matches!(url.scheme(), "http" | "https").then_some(url)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escape_sequences_lose_their_introducers() {
        let hostile = "Ann\x1b]0;pwned\x07 \x1b]52;c;aGk=\x07\x1b[2J\u{9b}31m\u{9d}x\u{90}q\r\x08\x7f";
        let safe = line(hostile);
        assert!(!safe.chars().any(is_unsafe), "{safe:?}");
        assert_eq!(safe, "Ann␛]0;pwned␇ ␛]52;c;aGk=␇␛[2J\u{FFFD}31m\u{FFFD}x\u{FFFD}q␍␈␡");
        assert_eq!(line("a\nb\tc"), "a␊b␉c");
        assert_eq!(block("a\nb\tc\r\x1b"), "a\nb\tc␍␛");
        assert_eq!(line("evil\u{202E}txt.exe"), "evil\u{FFFD}txt.exe");
    }

    #[test]
    fn escaped_text_names_the_characters_without_a_picture() {
        let hostile = "a\u{202e}b\u{9b}c\u{fffd}\x1b\r\x7f\u{2066}";
        assert_eq!(line_escaped(hostile), "a\\u{202E}b\\u{009B}c\u{fffd}␛␍␡\\u{2066}");
        assert_eq!(block_escaped("a\u{200f}\nb\tc\r"), "a\\u{200F}\nb\tc␍");
        assert_eq!(line_escaped("a\nb"), "a␊b");
        assert!(!line_escaped(hostile).chars().any(is_unsafe));
        assert!(matches!(block_escaped("Zoë 👍 €7"), Cow::Borrowed(_)));
    }

    #[test]
    fn plain_text_is_returned_unchanged_without_copying() {
        for text in ["Müller GmbH", "山田 太郎", "Zoë 👍", "€7,736.55", ""] {
            assert!(matches!(line(text), Cow::Borrowed(t) if t == text));
            assert!(matches!(block(text), Cow::Borrowed(t) if t == text));
        }
    }

    #[test]
    fn json_keeps_its_value_and_loses_raw_controls() {
        let value = serde_json::json!({"name": "Eve\u{1b}]0;x\u{7}\u{9b}2J\u{7f}\u{202e}", "n": 1});
        let text = serde_json::to_string_pretty(&value).unwrap();
        let safe = json(&text);
        assert!(!safe.chars().any(|c| is_unsafe(c) && c != '\n'), "{safe}");
        assert_eq!(serde_json::from_str::<serde_json::Value>(&safe).unwrap(), value);
        assert!(safe.contains("\\u009b") && safe.contains("\\u007f") && safe.contains("\\u202e"), "{safe}");
        assert!(matches!(json("{\n  \"a\": \"Müller\"\n}"), Cow::Borrowed(_)));
    }

    #[test]
    fn only_clean_http_urls_are_safe() {
        assert_eq!(
            safe_url("https://pay.example.com/cs_1?x=1#y").map(|u| u.to_string()),
            Some("https://pay.example.com/cs_1?x=1#y".into())
        );
        assert!(safe_url("http://127.0.0.1:4010/pay/x/").is_some());
        for bad in [
            "https://example.com/\x1b]52;c;aGk=\x07",
            "https://exa\tmple.com/",
            "https://example.com/a\nb",
            " https://example.com/",
            "https://example.com/\u{9d}",
            "javascript:alert(1)",
            "file:///etc/passwd",
            "mailto:a@b.c",
            "not a url",
            "",
        ] {
            assert!(safe_url(bad).is_none(), "{bad:?}");
        }
    }
}
