//! Flowglad's cursor paging: `limit` 1..=100 (default 10), an opaque base64 cursor holding
//! the last row's `{id, createdAt, direction}`, rows in ascending (createdAt, id) order.

use super::state::{ApiError, Ms};
use crate::providers::flowglad::wire;

const DEFAULT_LIMIT: usize = 10;
const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

pub fn base64_encode(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let b = [chunk[0], *chunk.get(1).unwrap_or(&0), *chunk.get(2).unwrap_or(&0)];
        let n = u32::from(b[0]) << 16 | u32::from(b[1]) << 8 | u32::from(b[2]);
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(ALPHABET[(n >> (18 - 6 * i) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

pub fn base64_decode(text: &str) -> Option<Vec<u8>> {
    let mut bits: u32 = 0;
    let mut count = 0;
    let mut out = Vec::new();
    for c in text.trim_end_matches('=').bytes() {
        let v = ALPHABET.iter().position(|&a| a == c)? as u32;
        bits = bits << 6 | v;
        count += 6;
        if count >= 8 {
            count -= 8;
            out.push((bits >> count & 0xff) as u8);
        }
    }
    Some(out)
}

pub struct PageQuery {
    pub limit: usize,
    pub cursor: Option<String>,
    /// The position after which the page starts.
    pub after: Option<(Ms, String)>,
}

fn single<'a>(raw: &'a [(String, String)], name: &str) -> Result<Option<&'a str>, ApiError> {
    let mut values = raw.iter().filter(|(k, _)| k == name).map(|(_, v)| v.as_str());
    let first = values.next();
    if values.next().is_some() {
        return Err(ApiError::Handler(format!("Multiple '{name}' values are not allowed")));
    }
    Ok(first)
}

/// Parses `limit` and `cursor` as the REST handler does, with its messages.
pub fn page_query(raw: &[(String, String)]) -> Result<PageQuery, ApiError> {
    let limit = match single(raw, "limit")? {
        None => DEFAULT_LIMIT,
        Some(v) => match v.trim().parse::<f64>() {
            Ok(n) if n.fract() == 0.0 && (1.0..=100.0).contains(&n) => n as usize,
            Ok(n) => return Err(ApiError::Handler(limit_issue(n))),
            Err(_) => {
                return Err(ApiError::Handler(zod_message(wire::ZodIssue {
                    expected: Some("number".into()),
                    code: "invalid_type".into(),
                    received: Some("NaN".into()),
                    path: limit_path(),
                    message: "Invalid input: expected number, received NaN".into(),
                    ..Default::default()
                })));
            }
        },
    };
    let cursor = single(raw, "cursor")?.map(str::to_string);
    let after = match &cursor {
        None => None,
        Some(c) => Some(decode_cursor(c).ok_or_else(|| ApiError::Handler("Invalid cursor".into()))?),
    };
    Ok(PageQuery { limit, cursor, after })
}

fn limit_path() -> Vec<wire::PathPart> {
    vec![wire::PathPart::Key("limit".into())]
}

fn limit_issue(n: f64) -> String {
    let path = limit_path();
    let issue = if n < 1.0 {
        wire::ZodIssue {
            origin: Some("number".into()),
            code: "too_small".into(),
            minimum: Some(1),
            inclusive: Some(true),
            path,
            message: "Too small: expected number to be >=1".into(),
            ..Default::default()
        }
    } else if n > 100.0 {
        wire::ZodIssue {
            origin: Some("number".into()),
            code: "too_big".into(),
            maximum: Some(100),
            inclusive: Some(true),
            path,
            message: "Too big: expected number to be <=100".into(),
            ..Default::default()
        }
    } else {
        wire::ZodIssue {
            expected: Some("int".into()),
            format: Some("safeint".into()),
            code: "invalid_type".into(),
            path,
            message: "Invalid input: expected int, received number".into(),
            ..Default::default()
        }
    };
    zod_message(issue)
}

/// A ZodError's `message`: its issues as pretty JSON, which the handler passes on as a string.
fn zod_message(issue: wire::ZodIssue) -> String {
    serde_json::to_string_pretty(&vec![issue]).unwrap_or_default()
}

/// The sandbox's own cursor (opaque to clients): the last row's sort key, base64 JSON as
/// Flowglad's cursors are.
#[derive(serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "camelCase")]
struct Cursor {
    #[serde(default = "oldest")]
    created_at: Ms,
    id: String,
    #[serde(default)]
    direction: String,
}

fn oldest() -> Ms {
    Ms::MIN
}

pub fn encode_cursor(created: Ms, id: &str) -> String {
    let cursor = Cursor { created_at: created, id: id.to_string(), direction: "forward".into() };
    base64_encode(serde_json::to_string(&cursor).unwrap_or_default().as_bytes())
}

fn decode_cursor(cursor: &str) -> Option<(Ms, String)> {
    let cursor: Cursor = serde_json::from_slice(&base64_decode(cursor)?).ok()?;
    (!cursor.id.is_empty()).then_some((cursor.created_at, cursor.id))
}

/// One page over `count` rows whose sort keys `key(i)` ascend; `render(start, end)` renders
/// only that slice, so a page of 100 costs the same with 100,000 customers.
pub fn paginate<T>(
    q: &PageQuery,
    count: usize,
    key: impl Fn(usize) -> (Ms, String),
    render: impl FnOnce(usize, usize) -> Vec<T>,
) -> wire::Page<T> {
    let start = match &q.after {
        None => 0,
        Some(after) => {
            let (mut lo, mut hi) = (0, count);
            while lo < hi {
                let mid = usize::midpoint(lo, hi);
                if key(mid) <= *after { lo = mid + 1 } else { hi = mid }
            }
            lo
        }
    };
    let end = (start + q.limit).min(count);
    let has_more = end < count;
    let next_cursor = (has_more && end > start).then(|| {
        let (created, id) = key(end - 1);
        encode_cursor(created, &id)
    });
    wire::Page {
        data: render(start, end),
        current_cursor: q.cursor.clone(),
        next_cursor,
        has_more,
        total: count as u64,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base64_round_trips() {
        for text in ["", "a", "ab", "abc", "abcd", r#"{"id":"cus_1","createdAt":17}"#] {
            let encoded = base64_encode(text.as_bytes());
            assert_eq!(base64_decode(&encoded).unwrap(), text.as_bytes(), "{encoded}");
        }
        assert_eq!(base64_encode(b"Man"), "TWFu");
        assert_eq!(base64_encode(b"Ma"), "TWE=");
        assert!(base64_decode("***").is_none());
    }

    #[test]
    fn paging_follows_the_sort_key() {
        let keys: Vec<(Ms, String)> = (0..25).map(|i| (i / 2, format!("id{i:02}"))).collect();
        let mut q = page_query(&[("limit".into(), "10".into())]).unwrap();
        let mut seen = Vec::new();
        loop {
            let page = paginate(&q, keys.len(), |i| keys[i].clone(), |a, b| (a..b).collect::<Vec<_>>());
            seen.extend(page.data);
            match page.next_cursor {
                Some(c) => q = page_query(&[("cursor".into(), c), ("limit".into(), "10".into())]).unwrap(),
                None => break,
            }
        }
        assert_eq!(seen, (0..25).collect::<Vec<_>>());
    }

    #[test]
    fn bad_paging_parameters_are_the_handlers_errors() {
        let err = |q: &[(&str, &str)]| {
            let raw: Vec<(String, String)> = q.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
            match page_query(&raw) {
                Err(ApiError::Handler(m)) => m,
                _ => panic!("expected an error for {q:?}"),
            }
        };
        assert!(err(&[("limit", "101")]).contains("too_big"));
        assert!(err(&[("limit", "0")]).contains("too_small"));
        assert_eq!(err(&[("cursor", "nope")]), "Invalid cursor");
        assert_eq!(err(&[("limit", "1"), ("limit", "2")]), "Multiple 'limit' values are not allowed");
    }
}
