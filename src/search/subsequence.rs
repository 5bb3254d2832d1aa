//! A fuzzy needle as a subsequence of an ASCII haystack, and what each hit remembers of its
//! match: what lets a keystroke that adds a character decide most hits without reading
//! their haystacks.

use super::char_bit;

/// How many haystack bytes after a match a hit keeps.
const WINDOW: usize = 8;

/// Where a hit's match of the needle's first `stage` bytes stands in its ASCII haystack, the
/// bytes that follow, and which characters come after those (and which letters twice).
///
/// The invariant: for every needle `n` that extends the one these were found for, `n`
/// matches the haystack exactly when `n[stage..]` is a subsequence of `haystack[end..]`.
/// A read sets `end` to where the leftmost match ends (each character at its first
/// occurrence after the one before). So the next keystroke finds the added characters in
/// `window` (typing a name as written), or learns from `rest` that one is not there, or
/// that the one added letter or digit is there (or a doubled letter, "ll" of "muller",
/// from `twice`); only otherwise does it read the haystack: at a million customers,
/// reading 150,000 scattered haystacks was most of a keystroke.
#[derive(Clone, Copy, Debug)]
pub(super) struct After {
    /// One past the match; [`UNKNOWN_END`] when nothing is known (a non-ASCII haystack, a
    /// scored entry, a long haystack).
    end: u16,
    /// How many of the needle's bytes the match up to `end` covers.
    stage: u8,
    /// How many of `window` are the haystack's bytes from `end` on.
    len: u8,
    window: [u8; WINDOW],
    /// The [`char_bit`]s of the haystack after the window.
    rest: u64,
    /// The letters (bits `a`..`z` of [`char_bit`]) found at least twice after the window.
    twice: u32,
}

/// The bits of `a`..`z` in [`char_bit`].
const LETTERS: u64 = (1 << 26) - 1;

const UNKNOWN_END: u16 = u16::MAX;

/// What a hit's [`After`] says about a longer needle, without its haystack.
#[derive(Debug)]
pub(super) enum Step {
    Match(After),
    NoMatch,
    /// Only the haystack can tell.
    Read,
}

impl After {
    pub(super) const UNKNOWN: After =
        After { end: UNKNOWN_END, stage: 0, len: 0, window: [0; WINDOW], rest: 0, twice: 0 };

    /// Where the match ends and how many needle bytes it covers, when known.
    pub(super) fn position(self) -> Option<(usize, usize)> {
        (self.end != UNKNOWN_END).then_some((usize::from(self.end), usize::from(self.stage)))
    }

    /// The leftmost match of the needle's first `stage` bytes ends at `end` in `h`.
    pub(super) fn at(h: &[u8], end: usize, stage: usize) -> After {
        let (Ok(end16), Ok(stage)) = (u16::try_from(end), u8::try_from(stage)) else { return After::UNKNOWN };
        if end16 == UNKNOWN_END {
            return After::UNKNOWN;
        }
        let next = h.get(end..).unwrap_or_default();
        let len = next.len().min(WINDOW);
        let mut window = [0; WINDOW];
        window[..len].copy_from_slice(&next[..len]);
        let (once, twice) = bits_once_and_twice(&next[len..]);
        After { end: end16, stage, len: len as u8, window, rest: once, twice: (twice & LETTERS) as u32 }
    }

    /// The needle's bytes from this hit's `stage` on: `pending`. Those found in the window
    /// advance the match exactly; a character missing after it (or a letter wanted twice,
    /// found once) rules the hit out; one letter or digit present after the window, or a
    /// letter twice, matches without saying where.
    pub(super) fn step(self, pending: &[u8]) -> Step {
        if self.end == UNKNOWN_END {
            return Step::Read;
        }
        let len = usize::from(self.len);
        let (mut at, mut found) = (0, 0);
        for &c in pending {
            match self.window[at..len].iter().position(|&b| same(b, c)) {
                Some(p) => {
                    at += p + 1;
                    found += 1;
                }
                None => break,
            }
        }
        let left = &pending[found..];
        let rest = self.rest;
        let twice = u64::from(self.twice);
        let doubled = |c: u8| c.is_ascii_lowercase() && memchr::memchr_iter(c, left).nth(1).is_some();
        let missing = |c: u8| {
            let bit = char_bit(char::from(c));
            rest & bit == 0 || (doubled(c) && twice & bit == 0)
        };
        if left.iter().any(|&c| missing(c)) {
            return Step::NoMatch;
        }
        // Where the window's part of the match ends; past the window when the next
        // character is not in it (it comes later, so the match may continue from there).
        let skip = if left.is_empty() { at } else { len };
        let advanced = self.skip(skip, found);
        match left {
            [] => Step::Match(advanced),
            // A letter or a digit has a bit of its own, both cases in it, as the search has.
            [c] if c.is_ascii_lowercase() || c.is_ascii_digit() => Step::Match(advanced),
            [c, d] if c == d && c.is_ascii_lowercase() => Step::Match(advanced),
            _ => Step::Read,
        }
    }

    /// The window's first `n` bytes passed, `found` more needle bytes matched in them.
    fn skip(self, n: usize, found: usize) -> After {
        let mut window = [0; WINDOW];
        window[..WINDOW - n].copy_from_slice(&self.window[n..]);
        After {
            end: self.end + n as u16,
            stage: self.stage + found as u8,
            len: self.len - n as u8,
            window,
            rest: self.rest,
            twice: self.twice,
        }
    }
}

/// The [`char_bit`]s of `bytes`, and those found at least twice.
fn bits_once_and_twice(bytes: &[u8]) -> (u64, u64) {
    bytes.iter().fold((0, 0), |(once, twice), &b| {
        let bit = BYTE_BITS[usize::from(b & 0x7f)];
        (once | bit, twice | (once & bit))
    })
}

/// Whether haystack byte `b` is a match for needle byte `c`, as [`subsequence_end`] decides.
fn same(b: u8, c: u8) -> bool {
    b == c || (c.is_ascii_lowercase() && b == c.to_ascii_uppercase())
}

/// [`char_bit`] of every ASCII byte.
const BYTE_BITS: [u64; 128] = {
    let mut bits = [0; 128];
    let mut b = 0;
    while b < 128 {
        bits[b] = char_bit(b as u8 as char);
        b += 1;
    }
    bits
};

/// Whether the (lowercase) needle's bytes appear in order in `haystack`, ignoring ASCII case:
/// when nucleo finds a fuzzy match of an ASCII needle in an ASCII haystack.
#[cfg(test)]
pub(super) fn is_subsequence(haystack: &[u8], needle: &[u8]) -> bool {
    subsequence_end(haystack, 0, needle).is_some()
}

/// Where the needle's bytes end in `haystack[from..]` (one past the last), each taken at its
/// first occurrence after the one before, ignoring ASCII case; `None` when they do not all
/// occur in order.
pub(super) fn subsequence_end(haystack: &[u8], from: usize, needle: &[u8]) -> Option<usize> {
    let mut at = from;
    for &c in needle {
        let rest = haystack.get(at..)?;
        // memchr's vector search, as nucleo's own prefilter does: a byte loop cost more.
        let found = if c.is_ascii_lowercase() {
            memchr::memchr2(c, c.to_ascii_uppercase(), rest)
        } else {
            memchr::memchr(c, rest)
        };
        at += found? + 1;
    }
    Some(at)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn after(h: &[u8], needle: &[u8]) -> After {
        After::at(h, subsequence_end(h, 0, needle).expect("a match"), needle.len())
    }

    fn matched(step: Step) -> After {
        match step {
            Step::Match(a) => a,
            other => panic!("expected a match, got {other:?}"),
        }
    }

    #[test]
    fn the_window_advances_the_match_exactly_and_the_rest_decides_one_letter() {
        let h = b"Anna Muller anna@example.org";
        // "mu" ends after "Mu"; "ller ann" is the window.
        let mu = after(h, b"mu");
        assert_eq!(mu.position(), Some((7, 2)));
        let mul = matched(mu.step(b"l"));
        assert_eq!(mul.position(), Some((8, 3)));
        let mulle = matched(mul.step(b"le"));
        assert_eq!(mulle.position(), Some((10, 5)), "le follows");
        let mue = matched(mu.step(b"e"));
        assert_eq!(mue.position(), Some((10, 3)), "an e later in the window");
        // "q" occurs nowhere after: no match, nothing read.
        assert!(matches!(mu.step(b"q"), Step::NoMatch));
        // "g" comes after the window: a match, its place not known, the window passed.
        let mug = matched(mu.step(b"g"));
        assert_eq!(mug.position(), Some((15, 2)));
        assert!(matches!(mug.step(b"gr"), Step::Read), "two characters after the window");
        // After the window "ller ann" come "a@example.org": two a's, one l.
        assert!(matches!(mug.step(b"aa"), Step::Match(_)), "a letter twice");
        assert!(matches!(mug.step(b"ll"), Step::NoMatch), "one l is not two");
        assert!(matches!(mu.step(b"@"), Step::Read), "a shared bit is no proof");
        assert!(matches!(After::UNKNOWN.step(b"a"), Step::Read), "nothing known");
        let upper = After::at(b"xMULLER", 1, 1);
        assert_eq!(matched(upper.step(b"ul")).position(), Some((4, 3)), "ASCII case ignored");
    }

    proptest::proptest! {
        #[test]
        fn bits_once_and_twice_are_those_of_a_count(bytes in proptest::collection::vec(0u8..128, 0..40)) {
            let (once, twice) = bits_once_and_twice(&bytes);
            let count = |bit: u64| bytes.iter().filter(|&&b| BYTE_BITS[usize::from(b)] & bit != 0).count();
            for n in 0..64 {
                let bit = 1u64 << n;
                proptest::prop_assert_eq!(once & bit != 0, count(bit) >= 1);
                proptest::prop_assert_eq!(twice & bit != 0, count(bit) >= 2);
            }
        }

        /// Every step agrees with testing the longer needle on the whole haystack, and
        /// a match keeps the invariant: the next step agrees too.
        #[test]
        fn steps_agree_with_the_whole_haystack(
            h in "[abmulLMU .@0-9-]{0,30}",
            needle in "[abmu]{1,3}",
            more in proptest::collection::vec("[abmlu0-9.@M]{1,3}", 1..4),
        ) {
            let h = h.as_bytes();
            let Some(end) = subsequence_end(h, 0, needle.as_bytes()) else { return Ok(()) };
            let mut state = After::at(h, end, needle.len());
            let mut n = needle.clone();
            for m in more {
                n.push_str(&m);
                let whole = subsequence_end(h, 0, n.as_bytes()).is_some();
                let (at, stage) = state.position().expect("known");
                match state.step(&n.as_bytes()[stage..]) {
                    Step::Match(next) => { proptest::prop_assert!(whole, "{n:?} in {h:?}"); state = next; }
                    Step::NoMatch => { proptest::prop_assert!(!whole, "{n:?} in {h:?}"); return Ok(()); }
                    Step::Read => match subsequence_end(h, at, &n.as_bytes()[stage..]) {
                        Some(end) => { proptest::prop_assert!(whole); state = After::at(h, end, n.len()); }
                        None => { proptest::prop_assert!(!whole); return Ok(()); }
                    },
                }
            }
        }
    }
}
