//! Guards for following a provider's pages: a list that does not end (a repeated cursor, a
//! page that adds nothing yet says more follow, or simply too many pages) stops with an error
//! that says so, instead of sending requests forever.

use std::collections::HashSet;

use super::{ErrorKind, ProviderError};
use crate::billing::ProviderKind;

/// The most pages any list is followed for: 10,000 pages is a million rows at 100 a page,
/// more than a console or a script lists, and few enough requests to stop in minutes.
pub const MAX_PAGES: usize = 10_000;

fn runaway(provider: ProviderKind, message: String) -> ProviderError {
    ProviderError::new(provider, ErrorKind::Decode, message)
}

/// One page's own check, for callers that fetch one page at a time (the console's "load
/// more"): the next cursor must differ from the one that fetched this page, and a page that
/// says more follow must have rows. `rows` counts what the provider returned, before any
/// local filtering.
pub fn check_page(
    provider: ProviderKind,
    what: &str,
    requested: Option<&str>,
    rows: usize,
    next: Option<&str>,
) -> Result<(), ProviderError> {
    let Some(next) = next else { return Ok(()) };
    if requested == Some(next) {
        return Err(runaway(
            provider,
            format!("{what}: the provider answered cursor {next:?} with the same cursor as the next page; stopped"),
        ));
    }
    if rows == 0 {
        return Err(runaway(
            provider,
            format!("{what}: the provider sent an empty page that says more follow (next cursor {next:?}); stopped"),
        ));
    }
    Ok(())
}

/// Follows a list across pages: every cursor must be new, every page must add rows while more
/// follow, and there are at most [`MAX_PAGES`] pages.
#[derive(Debug)]
pub struct PageGuard {
    provider: ProviderKind,
    what: String,
    seen: HashSet<String>,
    pages: usize,
    max_pages: usize,
}

impl PageGuard {
    pub fn new(provider: ProviderKind, what: impl Into<String>) -> PageGuard {
        PageGuard { provider, what: what.into(), seen: HashSet::new(), pages: 0, max_pages: MAX_PAGES }
    }

    /// The cursor the first page was fetched with, so a later page pointing back at it is
    /// caught as a repeat.
    pub fn starting_at(mut self, cursor: impl Into<String>) -> PageGuard {
        self.seen.insert(cursor.into());
        self
    }

    /// A lower bound, for tests and for lists known to be short.
    pub fn with_max_pages(mut self, max_pages: usize) -> PageGuard {
        self.max_pages = max_pages.max(1);
        self
    }

    /// Records a page of a list the provider filtered locally (a search), where an empty page
    /// may still be followed by matches; only repeats and the page bound are checked here (each
    /// provider checks its raw pages itself, see [`check_page`]).
    pub fn advance_filtered(&mut self, next: Option<String>) -> Result<Option<String>, ProviderError> {
        self.advance(usize::MAX, next)
    }

    /// Records a page of `rows` rows and its next cursor; returns the cursor to fetch next, or
    /// `None` when the list has ended.
    pub fn advance(&mut self, rows: usize, next: Option<String>) -> Result<Option<String>, ProviderError> {
        self.pages += 1;
        let Some(next) = next else { return Ok(None) };
        let what = &self.what;
        if rows == 0 {
            return Err(runaway(
                self.provider,
                format!("{what}: page {} was empty but said more follow (next cursor {next:?}); stopped", self.pages),
            ));
        }
        if !self.seen.insert(next.clone()) {
            return Err(runaway(
                self.provider,
                format!("{what}: the provider repeated cursor {next:?} after {} pages; stopped", self.pages),
            ));
        }
        if self.pages >= self.max_pages {
            return Err(runaway(
                self.provider,
                format!("{what}: the list did not end after {} pages (the most till follows); stopped", self.pages),
            ));
        }
        Ok(Some(next))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const P: ProviderKind = ProviderKind::Flowglad;

    #[test]
    fn a_repeated_cursor_stops_with_an_error_naming_it() {
        let mut g = PageGuard::new(P, "customers");
        assert_eq!(g.advance(10, Some("a".into())).unwrap().as_deref(), Some("a"));
        assert_eq!(g.advance(10, Some("b".into())).unwrap().as_deref(), Some("b"));
        let err = g.advance(10, Some("a".into())).unwrap_err();
        assert!(err.message.contains("repeated cursor \"a\" after 3 pages"), "{}", err.message);
    }

    #[test]
    fn an_empty_page_that_says_more_follow_stops() {
        let err = PageGuard::new(P, "plans").advance(0, Some("x".into())).unwrap_err();
        assert!(err.message.contains("empty"), "{}", err.message);
        assert_eq!(PageGuard::new(P, "plans").advance(0, None).unwrap(), None);
    }

    #[test]
    fn pages_are_bounded() {
        let mut g = PageGuard::new(P, "customers").with_max_pages(3);
        g.advance(1, Some("1".into())).unwrap();
        g.advance(1, Some("2".into())).unwrap();
        let err = g.advance(1, Some("3".into())).unwrap_err();
        assert!(err.message.contains("did not end after 3 pages"), "{}", err.message);
    }

    #[test]
    fn one_page_check_catches_the_same_cursor_and_empty_pages() {
        assert!(check_page(P, "customers", Some("c"), 5, Some("d")).is_ok());
        assert!(check_page(P, "customers", Some("c"), 0, None).is_ok());
        assert!(check_page(P, "customers", Some("c"), 5, Some("c")).is_err());
        assert!(check_page(P, "customers", None, 0, Some("c")).is_err());
    }
}
