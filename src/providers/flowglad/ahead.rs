//! Reading Flowglad's customer list ahead. A cursor list is a chain: page N+1 can be asked for
//! only once page N's `nextCursor` is known, and finding it by reading the envelope whole
//! (every row's text, to reach the keys after `data`) was most of the time between one page
//! arriving and the next request leaving (`scripts/bench`, `customers list --all`). When the
//! envelope's last keys can be read from the end of the body alone ([`trailing_next`]), the next
//! page is asked for at once, before the page is read whole; the whole read must then name the
//! same cursor, or the early request is dropped and the list goes on from the cursor the whole
//! read found. Only while the caller says it reads every page ([`PageRequest::follows`]), so a
//! list cut at `--limit` never asks for a page it will not show.

use std::future::Future;
use std::pin::Pin;
use std::sync::Mutex;
use std::task::Poll;

use reqwest::Method;
use serde::Deserialize;

use super::map::FLOWGLAD;
use super::{FlowgladClient, MAX_PAGE, row_page};
use crate::providers::http::ApiResponse;
use crate::providers::{CustomerRow, Page, PageRequest, Result, paging};

/// The answer to a request already sent, to be awaited by whoever takes it.
type Answer = Pin<Box<dyn Future<Output = Result<ApiResponse>> + Send>>;

/// The one customers page asked for ahead: its cursor and size, and the request on its way.
/// Dropping it drops the request.
struct Early {
    cursor: String,
    limit: u32,
    answer: Answer,
}

#[derive(Default)]
pub(super) struct ReadAhead {
    early: Mutex<Option<Early>>,
}

impl ReadAhead {
    /// The request already on its way for exactly this page, if there is one.
    fn take(&self, cursor: Option<&str>, limit: u32) -> Option<Answer> {
        let early = self.early.lock().unwrap_or_else(std::sync::PoisonError::into_inner).take()?;
        (Some(early.cursor.as_str()) == cursor && early.limit == limit).then_some(early.answer)
    }

    fn put(&self, early: Early) {
        *self.early.lock().unwrap_or_else(std::sync::PoisonError::into_inner) = Some(early);
    }

    fn drop_early(&self) {
        self.early.lock().unwrap_or_else(std::sync::PoisonError::into_inner).take();
    }
}

/// The keys that may follow `data` in the envelope; read in place of the whole body.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Trailing {
    #[serde(default)]
    next_cursor: Option<String>,
    has_more: bool,
}

/// The next cursor as the envelope's last keys give it (`nextCursor` while `hasMore`), read
/// from the end of the body without reading the rows: `None` when that cannot be told for sure
/// that way (or there is no next page).
///
/// The last `"nextCursor":` counts only when it opens a member of the outermost object: its
/// quote follows `{` or `,` (inside a JSON string a quote is always escaped, so it is a real
/// one), and from there to the end the text is that object's remaining members, `hasMore` among
/// them, and its closing brace, which a strict parse of `{` + the rest checks. The same key
/// nested in a row (a customer's metadata) fails that parse, as its object closes before the end.
pub(super) fn trailing_next(body: &[u8]) -> Option<String> {
    let start = member_start(body, b"\"nextCursor\":")?;
    let mut rest = Vec::with_capacity(body.len() - start + 1);
    rest.push(b'{');
    rest.extend_from_slice(&body[start..]);
    let tail: Trailing = serde_json::from_slice(&rest).ok()?;
    tail.next_cursor.filter(|_| tail.has_more)
}

/// Where the last `key` (with its quotes and colon) starts, if it starts an object member.
fn member_start(body: &[u8], key: &[u8]) -> Option<usize> {
    let at = memchr::memmem::rfind(body, key)?;
    let before = body[..at].iter().rev().find(|b| !b.is_ascii_whitespace())?;
    matches!(before, b'{' | b',').then_some(at)
}

impl FlowgladClient {
    fn customers_request(&self, cursor: Option<&str>, limit: u32) -> crate::providers::http::ApiRequest {
        let mut q = vec![("limit", limit.clamp(1, MAX_PAGE).to_string())];
        if let Some(cursor) = cursor {
            q.push(("cursor", cursor.to_string()));
        }
        self.request(Method::GET, "customers").query(&q)
    }

    /// One page of customers, rows undecoded; checked on the rows Flowglad sent. The next page
    /// is asked for before this one is read whole where the caller follows the list.
    pub(super) async fn customer_rows(&self, page: &PageRequest) -> Result<Page<CustomerRow>> {
        let response = match self.ahead.take(page.cursor.as_deref(), page.limit) {
            Some(answer) => answer.await?,
            None => self.http.send(self.customers_request(page.cursor.as_deref(), page.limit)).await?,
        };
        let early = if page.follows { trailing_next(&response.body) } else { None };
        if let Some(next) = &early {
            self.ask_ahead(next, page.limit).await;
        }
        let read = row_page(&response).and_then(|(next_cursor, total, items)| {
            paging::check_page(FLOWGLAD, "customers", page.cursor.as_deref(), items.len(), next_cursor.as_deref())?;
            Ok(Page { items, next_cursor, total: Some(total) })
        });
        if early.is_some() && read.as_ref().map_or(true, |p| p.next_cursor != early) {
            self.ahead.drop_early();
        }
        read
    }

    /// Sends the request for the page at `cursor` and keeps its answer for the call that asks
    /// for that page. It stays on this task (at its priority): one poll hands the request to
    /// the connection's task, and yielding lets that task write it before this one goes on
    /// reading the page before it. A task of its own cost a wake of the other worker a page.
    async fn ask_ahead(&self, cursor: &str, limit: u32) {
        let http = self.http.clone();
        let request = self.customers_request(Some(cursor), limit);
        let mut answer: Answer = Box::pin(async move { http.send(request).await });
        if let Poll::Ready(done) = futures::poll!(answer.as_mut()) {
            answer = Box::pin(std::future::ready(done));
        } else {
            tokio::task::yield_now().await;
        }
        self.ahead.put(Early { cursor: cursor.to_string(), limit, answer });
    }
}

/// For the tests: the envelope as `wire::Page` would read it whole.
#[cfg(test)]
pub(super) fn whole_next(body: &[u8]) -> serde_json::Result<Option<String>> {
    let page: super::wire::Page<serde::de::IgnoredAny> = serde_json::from_slice(body)?;
    Ok(page.next_cursor.filter(|_| page.has_more))
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn the_next_cursor_is_read_from_the_end_of_a_page() {
        let body = br#"{"data":[{"id":"a","metadata":{"nextCursor":"x","hasMore":true}}],"currentCursor":"c","nextCursor":"n2","hasMore":true,"total":3}"#;
        assert_eq!(trailing_next(body).as_deref(), Some("n2"));
        let last = br#"{"data":[{"id":"a"}],"nextCursor":"n2","hasMore":false,"total":1}"#;
        assert_eq!(trailing_next(last), None);
    }

    #[test]
    fn keys_before_the_rows_or_inside_a_row_are_not_guessed_from_the_end() {
        // The envelope's own keys first, a row's metadata holding the same keys last: the
        // rows' object closes before the end, so nothing is told from the end.
        let body = br#"{"nextCursor":"real","hasMore":true,"data":[{"id":"a","metadata":{"nextCursor":"evil","hasMore":true}}]}"#;
        assert_eq!(trailing_next(body), None);
        assert_eq!(whole_next(body).unwrap().as_deref(), Some("real"));
        // A key that is the end of a longer one, written inside a string.
        let escaped = br#"{"data":[{"id":"a","note":"x\"nextCursor\":\"evil\""}],"hasMore":true}"#;
        assert_eq!(trailing_next(escaped), None);
        // `hasMore` before the rows: not among the last keys, so not told from the end.
        let before = br#"{"hasMore":true,"data":[{"id":"a"}],"nextCursor":"n2"}"#;
        assert_eq!(trailing_next(before), None);
        assert_eq!(trailing_next(br#"{"data":[],"hasMore":true,"nextCursor":"a","nextCursor":"b"}"#), None);
    }

    fn member() -> impl Strategy<Value = String> {
        let key =
            prop_oneof![Just("nextCursor"), Just("hasMore"), Just("total"), Just("data"), Just("x\\\"nextCursor")];
        let value = prop_oneof![
            Just("true".to_string()),
            Just("false".to_string()),
            Just("null".to_string()),
            "[a-z\"]{0,6}".prop_map(|s| serde_json::to_string(&s).unwrap_or_default()),
            Just(r#"{"nextCursor":"deep","hasMore":true}"#.to_string()),
            Just(r#"[{"hasMore":true},"nextCursor\":"]"#.to_string()),
        ];
        (key, value).prop_map(|(k, v)| format!("\"{k}\":{v}"))
    }

    proptest! {
        /// Whatever the envelope holds and in whatever order, the early read either says
        /// nothing or says what the whole read says.
        #[test]
        fn the_early_read_never_disagrees_with_the_whole_read(members in prop::collection::vec(member(), 0..6), spaced in any::<bool>()) {
            let body = format!("{{{}}}", members.join(if spaced { " , " } else { "," }));
            // A body the whole read refuses fails the page, whatever was read early.
            if let (Some(early), Ok(whole)) = (trailing_next(body.as_bytes()), whole_next(body.as_bytes())) {
                prop_assert_eq!(Some(early), whole, "{}", body);
            }
        }
    }
}
