//! The delivery task: hands each endpoint with due deliveries (sandbox time) to a worker of
//! its own, which signs each delivery, POSTs it and records the attempt. It runs beside the
//! server, so no API answer waits on a receiver.
//!
//! One worker per endpoint, one delivery at a time within it: an endpoint gets its events in
//! the order they happened, and an event's retry waits for that endpoint's earlier ones; but
//! endpoints deliver independently, so one slow receiver holds up no other.

use std::time::{Duration, Instant};

use tokio::task::JoinSet;

use super::{Webhooks, sign};

/// How long a receiver has to answer (Flowglad's documented 10 s; the others' are longer or
/// undocumented).
pub const TIMEOUT: Duration = Duration::from_secs(10);

/// What one attempt got back.
#[derive(Debug, Clone)]
pub struct Outcome {
    pub status: Option<u16>,
    pub latency_ms: u64,
    pub error: Option<String>,
}

/// One attempt: the headers it sent and what came back.
#[derive(Debug, Clone)]
pub struct Sent {
    pub headers: Vec<(String, String)>,
    pub outcome: Outcome,
}

/// Runs until the sandbox stops. The workers live in a `JoinSet` owned here, so aborting
/// this task (the sandbox stopping) aborts them too.
pub async fn run(hooks: Webhooks) {
    let client = match reqwest::Client::builder().timeout(TIMEOUT).redirect(reqwest::redirect::Policy::none()).build() {
        Ok(c) => c,
        Err(_) => return,
    };
    let mut workers = JoinSet::new();
    loop {
        while let Some(endpoint) = hooks.claim() {
            workers.spawn(serve(hooks.clone(), client.clone(), endpoint));
        }
        while workers.try_join_next().is_some() {}
        // Woken by a new event, a clock move or a worker done (its retries now wait here), or
        // when the next retry falls due; with nothing waiting there is no timer at all: the
        // console runs this sandbox in its own process, and an idle console must not wake.
        match hooks.next_due_in() {
            Some(wait) => {
                let _ = tokio::time::timeout(wait, hooks.wake.notified()).await;
            }
            None => hooks.wake.notified().await,
        }
    }
}

/// Delivers one endpoint's due deliveries in order until none is left.
async fn serve(hooks: Webhooks, client: reqwest::Client, endpoint_id: String) {
    while let Some((pending, event, endpoint)) = hooks.take_due(&endpoint_id) {
        let headers = headers_for(&endpoint, &event, chrono::Utc::now().timestamp());
        let outcome = post(&client, endpoint.url.clone(), &headers, event.body.clone()).await;
        hooks.record(&pending, &event, &endpoint, Sent { headers, outcome });
    }
}

/// Every header a delivery sets, in the order sent: the content type, the user agent, then
/// the provider's signature headers. (`host` and `content-length` are the HTTP client's.)
pub fn headers_for(endpoint: &super::Endpoint, event: &super::Event, timestamp: i64) -> Vec<(String, String)> {
    let signed = sign::headers(&sign::Signing {
        provider: endpoint.provider,
        secret: &endpoint.secret,
        event_id: &event.id,
        event_type: &event.kind,
        timestamp,
        body: &event.body,
    });
    let mut all = vec![
        ("content-type".to_string(), "application/json".to_string()),
        ("user-agent".to_string(), "till-sandbox".to_string()),
    ];
    all.extend(signed.into_iter().map(|(n, v)| (n.to_string(), v)));
    all
}

async fn post(client: &reqwest::Client, url: url::Url, headers: &[(String, String)], body: String) -> Outcome {
    let mut request = client.post(url);
    for (name, value) in headers {
        request = request.header(name, value);
    }
    let started = Instant::now();
    let result = request.body(body).send().await;
    let latency_ms = u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX);
    match result {
        Ok(response) => Outcome { status: Some(response.status().as_u16()), latency_ms, error: None },
        Err(e) => {
            let why = if e.is_timeout() { "timed out".to_string() } else { "could not connect".to_string() };
            Outcome { status: None, latency_ms, error: Some(why) }
        }
    }
}
