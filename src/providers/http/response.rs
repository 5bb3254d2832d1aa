//! What a provider answered with a 2xx status, and decoding it.

use bytes::Bytes;
use reqwest::header::HeaderMap;
use serde::de::DeserializeOwned;

use crate::billing::ProviderKind;
use crate::providers::error::{ErrorKind, ProviderError};

/// A successful (2xx) response.
#[derive(Clone, Debug)]
pub struct ApiResponse {
    pub provider: ProviderKind,
    pub status: u16,
    pub headers: HeaderMap,
    pub body: Bytes,
    pub request_id: Option<String>,
}

impl ApiResponse {
    /// Decodes the body; a mismatch becomes a Decode error naming the JSON path that failed.
    pub fn json<T: DeserializeOwned>(&self) -> Result<T, ProviderError> {
        // Tracking the path costs a third of decoding a large page; it is only needed to name
        // where a body broke, so a body that decodes takes the plain way and only a failure is
        // decoded again with tracking (the error, and anything lenient there, stay as they were).
        if let Ok(decoded) = self.json_unchecked() {
            return Ok(decoded);
        }
        let de = &mut serde_json::Deserializer::from_slice(&self.body);
        serde_path_to_error::deserialize(de).map_err(|e| {
            let mut err = ProviderError::new(
                self.provider,
                ErrorKind::Decode,
                format!(
                    "unexpected response body at {}: {}",
                    crate::providers::decode::error_path(e.path(), &e.inner().to_string()),
                    e.inner()
                ),
            );
            err.status = Some(self.status);
            err.request_id = self.request_id.clone();
            err
        })
    }

    /// The body decoded without tracking where it broke, for a caller that reads a body
    /// another way when this fails. Text is checked to be UTF-8 once, up front: decoding
    /// bytes checks every string on its own, and a page of customers is mostly short strings.
    pub fn json_unchecked<'a, T: serde::Deserialize<'a>>(&'a self) -> serde_json::Result<T> {
        match std::str::from_utf8(&self.body) {
            Ok(text) => serde_json::from_str(text),
            Err(_) => serde_json::from_slice(&self.body),
        }
    }
}
