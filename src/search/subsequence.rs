//! A fuzzy needle as a subsequence of an ASCII haystack, and where its leftmost match ends:
//! what lets a keystroke that adds a character test only that character.

/// Where the needle's leftmost match ends in an ASCII haystack (each character taken at its
/// first occurrence after the one before) and the bytes that follow it. A needle one
/// character longer matches exactly when that character occurs from `end` on, so the next
/// keystroke looks for one character, not the whole needle; and when it is the byte that
/// follows (typing a name as written), it does not read the haystack at all: at a million
/// customers, reading 150,000 scattered haystacks was most of a keystroke.
#[derive(Clone, Copy, Debug)]
pub(super) struct After {
    /// One past the match; [`UNKNOWN_END`] when not known (a non-ASCII haystack, a scored
    /// entry, a long haystack).
    end: u16,
    /// How many of `bytes` are the haystack's bytes from `end` on.
    len: u8,
    bytes: [u8; 5],
}

const UNKNOWN_END: u16 = u16::MAX;

impl After {
    pub(super) const UNKNOWN: After = After { end: UNKNOWN_END, len: 0, bytes: [0; 5] };

    /// One past the match, when known.
    pub(super) fn end(self) -> Option<usize> {
        (self.end != UNKNOWN_END).then_some(usize::from(self.end))
    }

    /// The match ends at `end` in `h`.
    pub(super) fn at(h: &[u8], end: usize) -> After {
        let Ok(end16) = u16::try_from(end) else { return After::UNKNOWN };
        if end16 == UNKNOWN_END {
            return After::UNKNOWN;
        }
        let next = h.get(end..).unwrap_or_default();
        let len = next.len().min(5);
        let mut bytes = [0; 5];
        bytes[..len].copy_from_slice(&next[..len]);
        After { end: end16, len: len as u8, bytes }
    }

    /// The match of the needle extended by `added`, when `added` is exactly the bytes that
    /// follow (ASCII case ignored): the leftmost match takes them where they stand.
    pub(super) fn follows(self, added: &[u8]) -> Option<After> {
        let n = added.len();
        if self.end == UNKNOWN_END || n > usize::from(self.len) {
            return None;
        }
        let same = self.bytes[..n].iter().zip(added).all(|(b, c)| b.to_ascii_lowercase() == *c);
        if !same {
            return None;
        }
        let mut bytes = [0; 5];
        bytes[..5 - n].copy_from_slice(&self.bytes[n..]);
        Some(After { end: self.end + n as u16, len: self.len - n as u8, bytes })
    }
}

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

    #[test]
    fn typing_the_bytes_that_follow_needs_no_haystack_and_anything_else_does() {
        let h = b"Anna Muller anna@example.org";
        // "mu" ends after "Mu"; "ller" follows.
        let mu = After::at(h, subsequence_end(h, 0, b"mu").unwrap());
        assert_eq!(mu.end(), Some(7));
        let mul = mu.follows(b"l").expect("an l follows");
        assert_eq!(mul.end(), subsequence_end(h, 0, b"mul"));
        let mulle = mul.follows(b"le").expect("le follows");
        assert_eq!(mulle.end(), subsequence_end(h, 0, b"mulle"));
        assert!(mulle.follows(b"x").is_none(), "not what follows");
        assert!(mu.follows(b"ller ").is_some(), "the five bytes kept");
        assert!(mu.follows(b"ller a").is_none(), "more than the bytes kept");
        assert!(After::UNKNOWN.follows(b"").is_none(), "nothing known");
        let upper = After::at(b"xMULLER", 1);
        assert_eq!(upper.follows(b"mul").and_then(After::end), Some(4), "ASCII case ignored");
    }
}
