//! Cursor paging as Zenskar does it: `limit` (default 10) and an opaque base64 `cursor` taken
//! from the previous answer's `next`/`previous`. Customers page by key (stable while new
//! customers arrive at the head of the list); the smaller lists page by offset.

use std::collections::HashMap;

use super::state::{ApiError, Issue};

const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

pub fn b64_encode(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let b = [chunk[0], *chunk.get(1).unwrap_or(&0), *chunk.get(2).unwrap_or(&0)];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(ALPHABET[((n >> (18 - 6 * i)) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

pub fn b64_decode(text: &str) -> Option<Vec<u8>> {
    let text = text.trim_end_matches('=');
    let mut out = Vec::with_capacity(text.len() * 3 / 4);
    let (mut acc, mut bits) = (0u32, 0u32);
    for c in text.bytes() {
        let v = ALPHABET.iter().position(|a| *a == c)? as u32;
        acc = (acc << 6) | v;
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push((acc >> bits) as u8);
            acc &= (1 << bits) - 1;
        }
    }
    Some(out)
}

/// `next` and `previous` cursors of a page.
pub type Links = (Option<String>, Option<String>);

/// Where a page starts, as a cursor says it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Cursor {
    /// Offset lists: start at this row.
    Offset(usize),
    /// Keyed lists (newest first): rows older than this key.
    Before(usize),
    /// Keyed lists: the page just newer than this key.
    After(usize),
}

impl Cursor {
    pub fn encode(self) -> String {
        let text = match self {
            Cursor::Offset(n) => format!("{{\"offset\":{n}}}"),
            Cursor::Before(k) => format!("{{\"seq__lt\":{k}}}"),
            Cursor::After(k) => format!("{{\"seq__gt\":{k}}}"),
        };
        b64_encode(text.as_bytes())
    }

    fn decode(text: &str) -> Option<Cursor> {
        let raw = String::from_utf8(b64_decode(text)?).ok()?;
        let (key, value) = raw.trim_matches(|c| c == '{' || c == '}').split_once(':')?;
        let n: usize = value.trim().parse().ok()?;
        match key.trim().trim_matches('"') {
            "offset" => Some(Cursor::Offset(n)),
            "seq__lt" => Some(Cursor::Before(n)),
            "seq__gt" => Some(Cursor::After(n)),
            _ => None,
        }
    }
}

/// `limit` and `cursor` from a query string, validated like FastAPI would.
pub fn page_params(q: &HashMap<String, String>) -> Result<(usize, Option<Cursor>), ApiError> {
    let limit = match q.get("limit") {
        None => 10,
        Some(l) => match l.parse::<i64>() {
            Err(_) => return Err(query_issue("limit", "value is not a valid integer", "type_error.integer")),
            Ok(n) if n < 1 => {
                return Err(query_issue(
                    "limit",
                    "ensure this value is greater than or equal to 1",
                    "value_error.number.not_ge",
                ));
            }
            Ok(n) if n > 100 => {
                return Err(query_issue(
                    "limit",
                    "ensure this value is less than or equal to 100",
                    "value_error.number.not_le",
                ));
            }
            Ok(n) => n as usize,
        },
    };
    let cursor = match q.get("cursor").filter(|c| !c.is_empty()) {
        None => None,
        Some(c) => Some(Cursor::decode(c).ok_or_else(|| ApiError::bad("Invalid cursor"))?),
    };
    Ok((limit, cursor))
}

pub fn query_issue(field: &str, msg: &str, kind: &str) -> ApiError {
    ApiError::Validation(vec![Issue { loc: vec!["query".into(), field.into()], msg: msg.into(), kind: kind.into() }])
}

/// One page of an offset list over `count` rows: `(start, end, next, previous)`.
pub fn offset_page(
    count: usize,
    limit: usize,
    cursor: Option<Cursor>,
) -> Result<(usize, usize, Option<String>, Option<String>), ApiError> {
    let start = match cursor {
        None => 0,
        Some(Cursor::Offset(n)) => n,
        Some(_) => return Err(ApiError::bad("Invalid cursor")),
    };
    let end = start.saturating_add(limit).min(count);
    let start = start.min(end);
    let next = (end < count).then(|| Cursor::Offset(end).encode());
    let previous = (start > 0).then(|| Cursor::Offset(start.saturating_sub(limit)).encode());
    Ok((start, end, next, previous))
}

/// One page of a keyed list, newest (highest key) first. `keys` is the number of matching rows
/// and `key_at(i)` the key of the i-th match in ascending order; returns ascending positions
/// of the page, newest first, plus `next`/`previous`.
pub fn keyed_page(
    keys: usize,
    key_at: impl Fn(usize) -> usize,
    limit: usize,
    cursor: Option<Cursor>,
) -> Result<(Vec<usize>, Links), ApiError> {
    // Number of matches with key < k, by binary search over ascending keys.
    let below = |k: usize| {
        let (mut lo, mut hi) = (0, keys);
        while lo < hi {
            let mid = usize::midpoint(lo, hi);
            if key_at(mid) < k { lo = mid + 1 } else { hi = mid }
        }
        lo
    };
    // The page is the ascending range [lo, hi), shown in reverse.
    let (lo, hi) = match cursor {
        None => (keys.saturating_sub(limit), keys),
        Some(Cursor::Before(k)) => {
            let hi = below(k);
            (hi.saturating_sub(limit), hi)
        }
        Some(Cursor::After(k)) => {
            let lo = below(k.saturating_add(1));
            (lo, lo.saturating_add(limit).min(keys))
        }
        Some(Cursor::Offset(_)) => return Err(ApiError::bad("Invalid cursor")),
    };
    let positions: Vec<usize> = (lo..hi).rev().collect();
    let next = (lo > 0 && hi > lo).then(|| Cursor::Before(key_at(lo)).encode());
    let previous = (hi < keys && hi > lo).then(|| Cursor::After(key_at(hi - 1)).encode());
    Ok((positions, (next, previous)))
}

/// SQL `ILIKE`: `%` any run, `_` any one character, case-insensitive.
pub fn ilike(pattern: &str, text: &str) -> bool {
    let p: Vec<char> = pattern.to_lowercase().chars().collect();
    let t: Vec<char> = text.to_lowercase().chars().collect();
    // Classic two-pointer wildcard match with backtracking to the last `%`.
    let (mut pi, mut ti, mut star, mut mark) = (0, 0, None, 0);
    while ti < t.len() {
        if pi < p.len() && (p[pi] == '_' || p[pi] == t[ti]) {
            pi += 1;
            ti += 1;
        } else if pi < p.len() && p[pi] == '%' {
            star = Some(pi);
            mark = ti;
            pi += 1;
        } else if let Some(s) = star {
            pi = s + 1;
            mark += 1;
            ti = mark;
        } else {
            return false;
        }
    }
    p[pi..].iter().all(|c| *c == '%')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base64_round_trips_and_matches_the_standard() {
        assert_eq!(b64_encode(b"Well areu curious"), "V2VsbCBhcmV1IGN1cmlvdXM=");
        for s in ["", "a", "ab", "abc", "{\"offset\":20}"] {
            assert_eq!(b64_decode(&b64_encode(s.as_bytes())).unwrap(), s.as_bytes());
        }
        assert_eq!(b64_decode("not base64!"), None);
        assert_eq!(Cursor::decode(&Cursor::Before(42).encode()), Some(Cursor::Before(42)));
    }

    #[test]
    fn keyed_pages_walk_both_ways_without_gaps() {
        let keys: Vec<usize> = vec![1, 4, 5, 9, 12, 13, 20];
        let at = |i: usize| keys[i];
        let (p1, (next, prev)) = keyed_page(keys.len(), at, 3, None).unwrap();
        assert_eq!(p1.iter().map(|&i| keys[i]).collect::<Vec<_>>(), [20, 13, 12]);
        assert!(prev.is_none());
        let c = Cursor::decode(&next.unwrap());
        let (p2, (next, prev)) = keyed_page(keys.len(), at, 3, c).unwrap();
        assert_eq!(p2.iter().map(|&i| keys[i]).collect::<Vec<_>>(), [9, 5, 4]);
        let back = keyed_page(keys.len(), at, 3, Cursor::decode(&prev.unwrap())).unwrap().0;
        assert_eq!(back, p1);
        let (p3, (next, _)) = keyed_page(keys.len(), at, 3, Cursor::decode(&next.unwrap())).unwrap();
        assert_eq!((p3.iter().map(|&i| keys[i]).collect::<Vec<_>>(), next), (vec![1], None));
    }

    #[test]
    fn ilike_wildcards() {
        assert!(ilike("%müller%", "Greta Müller"));
        assert!(ilike("%山田%", "山田 花子"));
        assert!(ilike("gr_ta%", "GRETA x"));
        assert!(!ilike("%zzz%", "Greta"));
        assert!(ilike("greta müller", "Greta Müller"));
        assert!(!ilike("greta", "Greta Müller"));
    }
}
