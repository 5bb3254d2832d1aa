//! The delivery task: takes each due delivery in order (sandbox time), signs it, POSTs it,
//! records the attempt. It runs beside the server, so no API answer waits on a receiver.
//!
//! Deliveries go one at a time, so a receiver gets events in the order they happened.

use std::time::{Duration, Instant};

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

/// Runs until the sandbox stops (the task is aborted with it).
pub async fn run(hooks: Webhooks) {
    let client = match reqwest::Client::builder().timeout(TIMEOUT).redirect(reqwest::redirect::Policy::none()).build() {
        Ok(c) => c,
        Err(_) => return,
    };
    loop {
        while let Some((pending, event, endpoint)) = hooks.take_due() {
            let timestamp = chrono::Utc::now().timestamp();
            let headers = sign::headers(&sign::Signing {
                provider: endpoint.provider,
                secret: &endpoint.secret,
                event_id: &event.id,
                event_type: &event.kind,
                timestamp,
                body: &event.body,
            });
            let outcome = post(&client, endpoint.url.clone(), headers, event.body.clone()).await;
            hooks.record(&pending, &event, &endpoint, outcome);
        }
        // Woken by a new event or a clock move; the tick lets retries fall due in real time.
        let _ = tokio::time::timeout(Duration::from_secs(1), hooks.wake.notified()).await;
    }
}

async fn post(client: &reqwest::Client, url: url::Url, headers: Vec<(&'static str, String)>, body: String) -> Outcome {
    let mut request = client.post(url).header("content-type", "application/json").header("user-agent", "till-sandbox");
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
