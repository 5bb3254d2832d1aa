//! `Loadable`: one thing the console reads from a provider, with its loading, error and age.

use crate::providers::ProviderError;

/// Something fetched from a provider, with its loading and error state.
#[derive(Clone, Debug)]
pub struct Loadable<T> {
    pub value: Option<T>,
    pub loading: bool,
    pub error: Option<ProviderError>,
    /// When `value` was read from the provider: how old what the screen shows is.
    pub fetched_at: Option<chrono::DateTime<chrono::Utc>>,
}

impl<T> Default for Loadable<T> {
    fn default() -> Self {
        Loadable { value: None, loading: false, error: None, fetched_at: None }
    }
}

impl<T> Loadable<T> {
    pub fn loading() -> Self {
        Loadable { value: None, loading: true, error: None, fetched_at: None }
    }

    /// The answer that arrived at `now`. A failed refresh keeps the older value on screen
    /// (marked by its age and the failure), never a blank.
    pub fn settle(&mut self, result: Result<T, ProviderError>, now: chrono::DateTime<chrono::Utc>) {
        self.loading = false;
        match result {
            Ok(v) => {
                self.value = Some(v);
                self.error = None;
                self.fetched_at = Some(now);
            }
            Err(e) => self.error = Some(e),
        }
    }

    /// Needs a request: never asked, and not being asked now.
    pub fn wanted(&self) -> bool {
        self.value.is_none() && !self.loading && self.error.is_none()
    }
}
