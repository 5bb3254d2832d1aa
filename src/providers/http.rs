//! The one HTTP client every provider uses: pooled keep-alive connections over rustls,
//! timeouts, a bounded retry policy, idempotency keys and the request log.
//!
//! Providers describe a request with [`ApiRequest`]; they never touch reqwest directly,
//! so retries, redaction and logging behave the same for all four.

use std::sync::{Arc, OnceLock};
use std::time::{Duration, Instant};

use bytes::Bytes;
use reqwest::Method;
use reqwest::header::{HeaderMap, HeaderName, HeaderValue};
use url::Url;

use super::error::{ErrorKind, ProviderError};
use super::log::{Exchange, LoggedHeader, RequestLog};
use super::redact::{Redactor, redact_error, redact_headers};
use crate::billing::ProviderKind;
use crate::util::SplitMix64;

/// Retry schedule: exponential backoff with full jitter, bounded in attempts and delay.
#[derive(Clone, Debug)]
pub struct RetryPolicy {
    /// Total attempts including the first; 1 disables retries.
    pub max_attempts: u32,
    pub base_delay: Duration,
    pub max_delay: Duration,
    /// A `Retry-After` longer than this is not waited for; the error goes to the user.
    pub max_retry_after: Duration,
    /// How long a request refused with 429 keeps being retried (each retry waits for the
    /// budget, which the 429s have slowed down); 429s use up no attempt meanwhile.
    pub rate_limit_patience: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        RetryPolicy {
            max_attempts: 3,
            base_delay: Duration::from_millis(200),
            max_delay: Duration::from_secs(5),
            max_retry_after: Duration::from_secs(30),
            rate_limit_patience: Duration::from_secs(20),
        }
    }
}

impl RetryPolicy {
    /// Full jitter (AWS architecture blog): uniform in `[0, min(max, base·2^(attempt-1))]`.
    fn backoff(&self, attempt: u32, rng: &mut SplitMix64) -> Duration {
        let exp = self.base_delay.saturating_mul(1u32 << attempt.saturating_sub(1).min(16));
        let cap = exp.min(self.max_delay).as_millis() as u64;
        Duration::from_millis(rng.below(cap + 1))
    }
}

#[derive(Clone, Debug)]
pub struct HttpConfig {
    pub connect_timeout: Duration,
    /// Limit for one attempt, from sending the request to the last byte of the body.
    pub request_timeout: Duration,
    pub retry: RetryPolicy,
}

impl Default for HttpConfig {
    fn default() -> Self {
        HttpConfig {
            connect_timeout: Duration::from_secs(5),
            request_timeout: Duration::from_secs(30),
            retry: RetryPolicy::default(),
        }
    }
}

/// Whether a request may be sent twice.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Idempotency {
    /// Reads: retried freely.
    Safe,
    /// A write carrying this key in the `Idempotency-Key` header; the provider deduplicates,
    /// so it is retried with the same key.
    Keyed(String),
    /// A write the provider cannot deduplicate: sent exactly once.
    Unsafe,
}

impl Idempotency {
    pub fn new_key() -> Idempotency {
        Idempotency::Keyed(uuid::Uuid::new_v4().to_string())
    }
}

/// Everything needed to send one request; providers build these.
#[derive(Clone)]
pub struct ApiRequest {
    pub provider: ProviderKind,
    pub method: Method,
    pub url: Url,
    headers: Vec<(HeaderName, String)>,
    /// Substrings that must never reach the log (the key inside `Bearer <key>`).
    secrets: Vec<Secret>,
    body: Option<Bytes>,
    pub idempotency: Idempotency,
    /// JSON fields of the response whose values grant access (a portal token): the log
    /// shows them as `[redacted]`; the caller still reads them.
    secret_fields: &'static [&'static str],
}

impl ApiRequest {
    pub fn new(provider: ProviderKind, method: Method, url: Url) -> ApiRequest {
        let idempotency =
            if method == Method::GET || method == Method::HEAD { Idempotency::Safe } else { Idempotency::Unsafe };
        ApiRequest {
            provider,
            method,
            url,
            headers: Vec::new(),
            secrets: Vec::new(),
            body: None,
            idempotency,
            secret_fields: &[],
        }
    }

    pub fn header(mut self, name: &'static str, value: impl Into<String>) -> ApiRequest {
        self.headers.push((HeaderName::from_static(name), value.into()));
        self
    }

    /// A header whose value contains `secret`; the log shows the value with the secret
    /// replaced by `[redacted]` (so `Bearer [redacted]` stays readable).
    pub fn secret_header(mut self, name: &'static str, value: String, secret: &Secret) -> ApiRequest {
        self.headers.push((HeaderName::from_static(name), value));
        if !secret.expose().is_empty() {
            self.secrets.push(secret.clone());
        }
        self
    }

    pub fn query(mut self, pairs: &[(&str, String)]) -> ApiRequest {
        {
            let mut q = self.url.query_pairs_mut();
            for (k, v) in pairs {
                q.append_pair(k, v);
            }
        }
        if self.url.query() == Some("") {
            self.url.set_query(None);
        }
        self
    }

    pub fn json<T: serde::Serialize>(mut self, body: &T) -> Result<ApiRequest, ProviderError> {
        let bytes = serde_json::to_vec(body)
            .map_err(|e| ProviderError::invalid(self.provider, format!("could not encode request body: {e}")))?;
        self.body = Some(Bytes::from(bytes));
        self.headers.push((reqwest::header::CONTENT_TYPE, "application/json".into()));
        Ok(self)
    }

    /// Marks response fields (at any depth) whose values the request log must not keep.
    pub fn secret_response_fields(mut self, fields: &'static [&'static str]) -> ApiRequest {
        self.secret_fields = fields;
        self
    }

    pub fn idempotency(mut self, idempotency: Idempotency) -> ApiRequest {
        self.idempotency = idempotency;
        self
    }

    pub fn body(&self) -> Option<&Bytes> {
        self.body.as_ref()
    }

    /// The variable the request's key was set from, when the key knows it.
    fn key_variable(&self) -> Option<String> {
        self.secrets.iter().find_map(|s| s.env_var().map(str::to_string))
    }

    fn retryable(&self) -> bool {
        !matches!(self.idempotency, Idempotency::Unsafe)
    }

    /// The request's key(s) and its URL's password, for redacting everything derived from it.
    fn redactor(&self) -> Redactor {
        let password = self.url.password().map(str::to_string);
        Redactor::new(self.secrets.iter().map(|s| s.expose().to_string()).chain(password))
    }

    fn redact(&self, text: &str) -> String {
        self.redactor().text(text)
    }
}

impl std::fmt::Debug for ApiRequest {
    /// Shows headers with secrets redacted: a request may end up in a panic message.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let headers: Vec<String> = self.headers.iter().map(|(n, v)| format!("{n}: {}", self.redact(v))).collect();
        f.debug_struct("ApiRequest")
            .field("provider", &self.provider)
            .field("method", &self.method)
            .field("url", &self.redact(self.url.as_str()))
            .field("headers", &headers)
            .field("body_len", &self.body.as_ref().map(|b| b.len()))
            .field("idempotency", &self.idempotency)
            .finish()
    }
}

/// What a request will look like on the wire, secrets redacted, for the checkout builder's
/// live preview and `--dry-run`.
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub struct RequestPreview {
    pub provider: ProviderKind,
    pub method: String,
    pub url: String,
    pub headers: Vec<LoggedHeader>,
    pub body: Option<String>,
    /// The variable the key was set from (see [`Secret::with_env_var`]).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub key_variable: Option<String>,
}

impl RequestPreview {
    /// The body pretty-printed when it is JSON, bidi and C1 controls in it written as JSON
    /// escapes (`\u202e`, the same value) rather than left for a printer to replace with `�`.
    pub fn pretty_body(&self) -> Option<String> {
        let body = self.body.as_deref()?;
        Some(
            serde_json::from_str::<serde_json::Value>(body)
                .ok()
                .and_then(|v| serde_json::to_string_pretty(&v).ok())
                .map_or_else(|| body.to_string(), |pretty| crate::text::json(&pretty).into_owned()),
        )
    }

    /// `curl` with the key read from the variable it was set from (`${TILL_<PROFILE>_KEY}`
    /// under a profile, `${TILL_<PROVIDER>_KEY}` otherwise).
    pub fn curl(&self) -> String {
        let var = self.key_variable.clone().unwrap_or_else(|| super::log::provider_key_variable(self.provider));
        super::log::curl_command(&self.method, &self.url, &self.headers, self.body.as_deref(), &var)
    }
}

impl ApiRequest {
    pub fn preview(&self) -> RequestPreview {
        let redactor = self.redactor();
        let mut headers: Vec<LoggedHeader> =
            self.headers.iter().map(|(n, v)| LoggedHeader { name: n.to_string(), value: redactor.text(v) }).collect();
        if matches!(self.idempotency, Idempotency::Keyed(_)) {
            // A fresh key is made for every submit, so the preview cannot show the real one.
            headers.push(LoggedHeader { name: "idempotency-key".into(), value: "<new uuid per submit>".into() });
        }
        RequestPreview {
            provider: self.provider,
            method: self.method.to_string(),
            url: redactor.text(self.url.as_str()),
            headers,
            body: self.body.as_ref().map(|b| redactor.text(&String::from_utf8_lossy(b))),
            key_variable: self.key_variable(),
        }
    }
}

/// The shared client. Cheap to clone: reqwest's pools and the log are reference-counted.
#[derive(Clone)]
pub struct Http {
    /// For plain `http://` on this machine (the sandbox): it loads no root certificates.
    local: reqwest::Client,
    /// For every other URL, built at its first request: loading the platform's root
    /// certificates took ~5 ms of every command, also of every command against the sandbox.
    remote: Arc<OnceLock<Result<reqwest::Client, String>>>,
    config: HttpConfig,
    log: RequestLog,
    budgets: super::budget::Budgets,
}

impl Http {
    pub fn new(config: HttpConfig) -> Result<Http, String> {
        let local = client::local(&config)?;
        Ok(Http {
            local,
            remote: Arc::default(),
            config,
            log: RequestLog::new(500),
            budgets: super::budget::Budgets::default(),
        })
    }

    /// The client for `url`: the local one for `http://` to a loopback address or
    /// `localhost`, else the one that verifies against the platform's roots.
    fn client_for(&self, url: &Url) -> Result<&reqwest::Client, String> {
        if client::is_local_http(url) {
            return Ok(&self.local);
        }
        self.remote.get_or_init(|| client::remote(&self.config)).as_ref().map_err(Clone::clone)
    }

    /// The console's client: its log also keeps whole response bodies, up to `budget` bytes
    /// over the newest entries, so a detail view finds an object in a page longer than the
    /// preview.
    pub fn keeping_full_bodies(mut self, budget: usize) -> Http {
        self.log = self.log.keeping_full_bodies(budget);
        self
    }

    pub fn log(&self) -> &RequestLog {
        &self.log
    }

    /// The per-provider request budgets every request waits on.
    pub fn budgets(&self) -> &super::budget::Budgets {
        &self.budgets
    }

    pub fn config(&self) -> &HttpConfig {
        &self.config
    }

    /// Sends with retries. Non-2xx answers become [`ProviderError`]s decoded from the body.
    /// A 429 was refused before any work, so it does not use up an attempt: a request that
    /// may be sent again keeps trying, at the pace the budget sets, for the policy's
    /// `rate_limit_patience`.
    pub async fn send(&self, request: ApiRequest) -> Result<ApiResponse, ProviderError> {
        let policy = &self.config.retry;
        let mut rng = SplitMix64::from_entropy();
        let mut attempt = 1;
        let mut refused = 0;
        let started = Instant::now();
        // Built once per request: each field of the log made its own (every key in every form
        // an answer may write it), a twentieth of listing 100,000 customers.
        let redactor = request.redactor();
        loop {
            let outcome = self.attempt((&request, &redactor), attempt).await;
            let rate_limited = matches!(&outcome, Err(f) if f.error.status == Some(429));
            if rate_limited {
                refused += 1;
            }
            let can_retry = request.retryable()
                && if rate_limited {
                    started.elapsed() < policy.rate_limit_patience
                } else {
                    attempt - refused < policy.max_attempts
                };
            let wait = match &outcome {
                Ok(_) => None,
                // The budget holds a rate-limited retry (the pause, then the cut rate), so the
                // wait shows in the log as the budget's, with its reason.
                Err(failure) if can_retry && rate_limited => {
                    failure.retry_delay(attempt, policy, &mut rng).map(|_| Duration::ZERO)
                }
                Err(failure) if can_retry => failure.retry_delay(attempt, policy, &mut rng),
                Err(_) => None,
            };
            match (outcome, wait) {
                (Err(_), Some(delay)) => {
                    tokio::time::sleep(delay).await;
                    attempt += 1;
                }
                (Err(failure), None) => return Err(redact_error(*failure.error, &redactor)),
                (Ok(resp), _) => return Ok(resp),
            }
        }
    }

    async fn attempt(
        &self,
        (request, redactor): (&ApiRequest, &Redactor),
        attempt: u32,
    ) -> Result<ApiResponse, Failure> {
        let waited = self.budgets.acquire(request.provider).await;
        let started_at = chrono::Utc::now();
        let start = Instant::now();
        let headers = request_headers(request)?;
        let client = self
            .client_for(&request.url)
            .map_err(|m| Failure::fatal(ProviderError::new(request.provider, ErrorKind::Transport, m)))?;
        let mut builder = client.request(request.method.clone(), request.url.clone()).headers(headers.clone());
        if let Some(body) = &request.body {
            builder = builder.body(body.clone());
        }
        let result = async {
            let resp = builder.send().await?;
            let status = resp.status().as_u16();
            let resp_headers = resp.headers().clone();
            let body = resp.bytes().await?;
            Ok::<_, reqwest::Error>((status, resp_headers, body))
        }
        .await;
        // Redacted on arrival: a provider that echoes the key (in a message, a request id, any
        // field) cannot get it into an error, the log, the journal or the screen.
        let result =
            result.map(|(status, headers, body)| (status, redact_headers(redactor, &headers), redactor.bytes(body)));
        let mut exchange = Exchange {
            id: 0,
            provider: request.provider,
            started_at,
            method: request.method.to_string(),
            url: redactor.text(request.url.as_str()),
            status: None,
            duration: start.elapsed(),
            request_id: None,
            request_headers: exchange::log_headers(redactor, &headers),
            response_headers: Vec::new(),
            request_body: request.body.as_ref().map(|b| exchange::preview(redactor, b, self.log.preview_limit())),
            request_body_size: request.body.as_ref().map_or(0, |b| b.len()),
            request_body_cut: request.body.as_ref().is_some_and(|b| b.len() > self.log.preview_limit()),
            response_body: None,
            response_body_size: 0,
            response_body_cut: false,
            attempt,
            error: None,
            key_variable: request.key_variable(),
            full_response_body: None,
            queued_ms: u64::try_from(waited.time.as_millis()).unwrap_or(u64::MAX),
            queued_for: (!waited.time.is_zero()).then_some(waited.reason),
        };
        let outcome = match result {
            Ok((status, resp_headers, body)) => {
                self.budgets.answered(request.provider, status, retry_after(&resp_headers));
                let kept = (self.log.preview_limit(), self.log.keeps_full_bodies());
                exchange::answered((request, redactor), &mut exchange, status, resp_headers, body, kept)
            }
            Err(e) => Err(exchange::unanswered((request, redactor), &mut exchange, &e, &self.config)),
        };
        self.log.push(exchange);
        outcome
    }
}

/// The headers to send, plus `Idempotency-Key` for keyed writes.
fn request_headers(request: &ApiRequest) -> Result<HeaderMap, Failure> {
    let mut headers = HeaderMap::new();
    for (name, value) in &request.headers {
        let value = HeaderValue::from_str(value).map_err(|_| {
            Failure::fatal(ProviderError::invalid(
                request.provider,
                format!("header {name} has characters HTTP does not allow"),
            ))
        })?;
        headers.append(name.clone(), value);
    }
    if let Idempotency::Keyed(key) = &request.idempotency
        && let Ok(v) = HeaderValue::from_str(key)
    {
        headers.insert(HeaderName::from_static("idempotency-key"), v);
    }
    Ok(headers)
}

/// One failed attempt and whether another may follow.
struct Failure {
    retryable: bool,
    retry_after: Option<Duration>,
    /// Boxed: failures travel through `Result`s on the hot path, where a small Err matters.
    error: Box<ProviderError>,
}

impl Failure {
    fn fatal(error: ProviderError) -> Failure {
        Failure { retryable: false, retry_after: None, error: Box::new(error) }
    }

    /// The wait before the next attempt, or `None` to give up now.
    fn retry_delay(&self, attempt: u32, policy: &RetryPolicy, rng: &mut SplitMix64) -> Option<Duration> {
        if !self.retryable {
            return None;
        }
        match self.retry_after {
            Some(wait) if wait > policy.max_retry_after => None,
            Some(wait) => Some(wait),
            None => Some(policy.backoff(attempt, rng)),
        }
    }
}

/// `Retry-After` as delta-seconds or an HTTP date.
fn retry_after(headers: &HeaderMap) -> Option<Duration> {
    let raw = headers.get(reqwest::header::RETRY_AFTER)?.to_str().ok()?.trim();
    if let Ok(secs) = raw.parse::<u64>() {
        return Some(Duration::from_secs(secs));
    }
    let when = httpdate::parse_http_date(raw).ok()?;
    Some(when.duration_since(std::time::SystemTime::now()).unwrap_or(Duration::ZERO))
}

mod client;
mod exchange;
mod response;
mod secret;
pub use response::ApiResponse;
pub use secret::Secret;

#[cfg(test)]
mod tests;
