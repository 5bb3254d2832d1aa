//! Small shared helpers with no better home.

pub mod duration;
pub mod export;
pub mod files;

use std::path::PathBuf;

/// A data dir chosen by the embedding program (tests), ahead of the environment: setting an
/// environment variable from inside a running program is not safe once threads exist.
static DATA_DIR: std::sync::OnceLock<PathBuf> = std::sync::OnceLock::new();

/// Uses `dir` as the data dir for the rest of the process (the first call wins).
pub fn use_data_dir(dir: PathBuf) {
    let _ = DATA_DIR.set(dir);
}

/// A directory named by the environment variable `var`; an empty value counts as unset (it was
/// the current directory: `TILL_DATA_DIR=` wrote the journal wherever till was started).
pub fn env_dir(var: &str) -> Option<PathBuf> {
    std::env::var_os(var).filter(|v| !v.is_empty()).map(PathBuf::from)
}

/// till's data dir: the one `use_data_dir` chose, else `$TILL_DATA_DIR`, else the XDG data dir.
/// The audit journal and the request history live side by side there.
pub fn data_dir() -> Option<PathBuf> {
    if let Some(dir) = DATA_DIR.get() {
        return Some(dir.clone());
    }
    env_dir("TILL_DATA_DIR").or_else(|| directories::ProjectDirs::from("", "", "till").map(|d| d.data_dir().into()))
}

/// till's config dir: `$TILL_CONFIG_DIR`, else the XDG config dir (config.toml, presets.toml).
pub fn config_dir() -> Option<PathBuf> {
    env_dir("TILL_CONFIG_DIR").or_else(|| directories::ProjectDirs::from("", "", "till").map(|d| d.config_dir().into()))
}

/// A file in till's data dir ([`data_dir`]).
pub fn data_file(name: &str) -> Option<PathBuf> {
    data_dir().map(|d| d.join(name))
}

/// SplitMix64: a tiny, well-known PRNG. Used for retry jitter and for the sandbox's
/// deterministic data generator, where the same `--seed` must give the same customers on
/// every machine and every version (a library RNG does not promise stable streams).
#[derive(Clone, Debug)]
pub struct SplitMix64(u64);

impl SplitMix64 {
    pub fn new(seed: u64) -> SplitMix64 {
        SplitMix64(seed)
    }

    /// Seeded from the clock and a counter; for jitter, where only spread matters.
    pub fn from_entropy() -> SplitMix64 {
        use std::sync::atomic::{AtomicU64, Ordering};
        static COUNTER: AtomicU64 = AtomicU64::new(0);
        let nanos =
            std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_nanos() as u64);
        SplitMix64(nanos ^ COUNTER.fetch_add(0x9E37_79B9, Ordering::Relaxed).rotate_left(17))
    }

    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in `0..bound` (bound > 0); the modulo bias is irrelevant at these sizes.
    pub fn below(&mut self, bound: u64) -> u64 {
        if bound == 0 { 0 } else { self.next_u64() % bound }
    }

    pub fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len() as u64) as usize]
    }
}

/// Lower-cases and strips diacritics from Latin letters so "Müller" matches "muller",
/// "Nguyễn" matches "nguyen" and "Łukasz" matches "lukasz". Other scripts are only
/// lower-cased: there a mark can make another letter (が is not か).
pub fn fold_accents(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for ch in text.chars() {
        if ch.is_ascii() {
            out.push(ch.to_ascii_lowercase());
        } else if let Some(letters) = undecomposed_latin(ch) {
            out.push_str(letters);
        } else if is_latin(ch) {
            // The canonical decomposition is the base letter and its marks; the marks go.
            unicode_normalization::char::decompose_canonical(ch, |part| {
                if !is_latin_mark(part) {
                    out.extend(part.to_lowercase());
                }
            });
        } else if !is_latin_mark(ch) {
            // A mark typed or pasted on its own (decomposed text) goes too.
            out.extend(ch.to_lowercase());
        }
    }
    out
}

/// Latin letters and their accented forms (Latin-1 Supplement to Latin Extended-B, and
/// Latin Extended Additional, where Vietnamese letters such as ễ live).
fn is_latin(ch: char) -> bool {
    matches!(ch, '\u{00C0}'..='\u{024F}' | '\u{1E00}'..='\u{1EFF}')
}

/// The combining diacritical marks Latin accents decompose into.
fn is_latin_mark(ch: char) -> bool {
    matches!(ch, '\u{0300}'..='\u{036F}')
}

/// Latin letters with no canonical decomposition, as people type them without the mark.
fn undecomposed_latin(ch: char) -> Option<&'static str> {
    Some(match ch {
        'æ' | 'Æ' => "ae",
        'đ' | 'Đ' => "d",
        'ħ' | 'Ħ' => "h",
        'ı' => "i",
        'ł' | 'Ł' | 'ŀ' | 'Ŀ' => "l",
        'ø' | 'Ø' => "o",
        'œ' | 'Œ' => "oe",
        'ß' | 'ẞ' => "ss",
        'ŧ' | 'Ŧ' => "t",
        'þ' | 'Þ' => "th",
        _ => return None,
    })
}

/// Cuts `text` to at most `max` display columns, ending in "…" when anything was cut, so a
/// name is never chopped mid-word without a sign. Wide characters (山田) count as two.
pub fn ellipsize(text: &str, max: usize) -> String {
    let mut out = String::new();
    push_ellipsized(&mut out, text, max);
    out
}

/// Appends `text` to `out` as [`ellipsize`] cuts it, and returns the display width appended:
/// a table builds its cells side by side in one string.
pub fn push_ellipsized(out: &mut String, text: &str, max: usize) -> usize {
    use unicode_width::{UnicodeWidthChar, UnicodeWidthStr};
    // Printable ASCII is one column a byte.
    let width = if text.bytes().all(|b| (0x20..0x7f).contains(&b)) { text.len() } else { text.width() };
    if width <= max {
        out.push_str(text);
        return width;
    }
    if max == 0 {
        return 0;
    }
    let start = out.len();
    let mut used = 0;
    for ch in text.chars() {
        let w = ch.width().unwrap_or(0);
        if used + w + 1 > max {
            break;
        }
        out.push(ch);
        used += w;
    }
    out.push('…');
    out[start..].width()
}

/// The longest start of `text` that fits `width` columns, cut after a word where it can
/// (a word wider than the line is cut inside; never less than one character), and what is
/// left, its leading spaces dropped.
pub fn fit_words(text: &str, width: usize) -> (String, &str) {
    use unicode_segmentation::UnicodeSegmentation;
    use unicode_width::UnicodeWidthStr;
    let mut used = 0;
    let mut cut = text.len();
    // The last space after some word, where a line may end.
    let mut last_space = None;
    let mut seen_word = false;
    // By grapheme, measured as a terminal draws it: "❤️" (a heart and a variation selector)
    // is two columns, though its characters add up to one.
    for (i, g) in text.grapheme_indices(true) {
        let w = g.width();
        if used + w > width {
            // A space is where the line would end anyway: the word before it fits whole.
            cut = if g == " " { i } else { last_space.unwrap_or(i) };
            break;
        }
        if g == " " && seen_word {
            last_space = Some(i);
        }
        seen_word |= g != " ";
        used += w;
    }
    // At least one grapheme, so that a caller wrapping line by line always gets on.
    if cut == 0 {
        cut = text.graphemes(true).next().map_or(0, str::len);
    }
    (text[..cut].trim_end().to_string(), text[cut..].trim_start())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn words_fit_whole_up_to_the_last_column() {
        assert_eq!(fit_words("ab cd ef", 5), ("ab cd".to_string(), "ef"));
        assert_eq!(fit_words("ab cd ef", 4), ("ab".to_string(), "cd ef"));
        assert_eq!(fit_words("abcdefgh ij", 4), ("abcd".to_string(), "efgh ij"));
        // Leading spaces are no place to end a line: the first word is cut instead.
        assert_eq!(fit_words("  Customer externalId", 10), ("  Customer".to_string(), "externalId"));
        assert_eq!(fit_words("  Customerexternal", 10), ("  Customer".to_string(), "external"));
        assert_eq!(fit_words("김민준 x", 3), ("김".to_string(), "민준 x"));
        assert_eq!(fit_words("김", 1), ("김".to_string(), ""), "always one character");
        assert_eq!(fit_words("short", 80), ("short".to_string(), ""));
        // A heart with its variation selector is drawn two columns wide.
        assert_eq!(fit_words("ab ❤\u{fe0f} cd", 4), ("ab".to_string(), "❤\u{fe0f} cd"));
        assert_eq!(fit_words("❤\u{fe0f}❤\u{fe0f}", 3), ("❤\u{fe0f}".to_string(), "❤\u{fe0f}"));
    }

    #[test]
    fn splitmix_is_deterministic() {
        let a: Vec<u64> = (0..3).scan(SplitMix64::new(7), |r, _| Some(r.next_u64())).collect();
        let b: Vec<u64> = (0..3).scan(SplitMix64::new(7), |r, _| Some(r.next_u64())).collect();
        assert_eq!(a, b);
        assert_ne!(a[0], a[1]);
    }

    #[test]
    fn folds_accents_for_search() {
        assert_eq!(fold_accents("Jürgen MÜLLER"), "jurgen muller");
        assert_eq!(fold_accents("Łukasz Wróbel"), "lukasz wrobel");
        assert_eq!(fold_accents("Straße"), "strasse");
        assert_eq!(fold_accents("山田 太郎"), "山田 太郎");
        assert_eq!(fold_accents("Nguyễn Thị Hồng Đào"), "nguyen thi hong dao");
        assert_eq!(
            fold_accents("Zoltán Çelik İlker Øyvind Ærø Œuvre ąę ÿ"),
            "zoltan celik ilker oyvind aero oeuvre ae y"
        );
        assert_eq!(fold_accents("Mu\u{0308}ller"), "muller", "decomposed text");
        assert_eq!(fold_accents("がぎ Ёлка ΆΣ"), "がぎ ёлка άσ", "other scripts keep their marks");
    }
}
