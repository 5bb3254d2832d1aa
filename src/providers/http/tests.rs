use super::*;

#[test]
fn backoff_stays_within_the_cap() {
    let policy = RetryPolicy {
        max_attempts: 10,
        base_delay: Duration::from_millis(100),
        max_delay: Duration::from_millis(800),
        max_retry_after: Duration::from_secs(1),
        rate_limit_patience: Duration::from_secs(1),
    };
    let mut rng = SplitMix64::new(1);
    for attempt in 1..10 {
        for _ in 0..50 {
            let d = policy.backoff(attempt, &mut rng);
            let cap = (100u64 << (attempt - 1)).min(800);
            assert!(d <= Duration::from_millis(cap), "attempt {attempt}: {d:?}");
        }
    }
}

#[test]
fn retry_after_parses_seconds_and_dates() {
    let mut h = HeaderMap::new();
    h.insert(reqwest::header::RETRY_AFTER, HeaderValue::from_static("3"));
    assert_eq!(retry_after(&h), Some(Duration::from_secs(3)));
    h.insert(reqwest::header::RETRY_AFTER, HeaderValue::from_static("Wed, 21 Oct 2015 07:28:00 GMT"));
    assert_eq!(retry_after(&h), Some(Duration::ZERO));
    h.insert(reqwest::header::RETRY_AFTER, HeaderValue::from_static("soon"));
    assert_eq!(retry_after(&h), None);
}

#[test]
fn long_retry_after_is_not_waited_for() {
    let policy = RetryPolicy::default();
    let mut rng = SplitMix64::new(1);
    let err = ProviderError::new(ProviderKind::Kelviq, ErrorKind::Http, "rate limited");
    let long = Failure { retryable: true, retry_after: Some(Duration::from_hours(1)), error: Box::new(err.clone()) };
    assert_eq!(long.retry_delay(1, &policy, &mut rng), None);
    let short = Failure { retryable: true, retry_after: Some(Duration::from_secs(1)), error: Box::new(err) };
    assert_eq!(short.retry_delay(1, &policy, &mut rng), Some(Duration::from_secs(1)));
}

#[test]
fn secrets_are_redacted_and_debug_hides_them() {
    let key = Secret::new("sk_live_abc123");
    let url = Url::parse("https://x.test/a?k=sk_live_abc123").unwrap();
    let req = ApiRequest::new(ProviderKind::Flowglad, Method::GET, url).secret_header(
        "authorization",
        key.expose().to_string(),
        &key,
    );
    assert_eq!(req.redact("Bearer sk_live_abc123"), "Bearer [redacted]");
    assert!(!format!("{req:?}").contains("sk_live_abc123"));
    assert_eq!(req.idempotency, Idempotency::Safe);
}

/// A command against the sandbox never loads the platform's root certificates; anything not
/// plain `http://` on this machine goes through the client that verifies against them.
#[tokio::test]
async fn local_http_uses_the_client_without_roots_and_everything_else_the_verifying_one() {
    let sandbox = crate::sandbox::start(crate::sandbox::SandboxOptions::default()).await.unwrap();
    let http = Http::new(HttpConfig::default()).unwrap();
    let url = sandbox.endpoint(ProviderKind::Kelviq).base_url.join("customers/").unwrap();
    let resp = http.send(ApiRequest::new(ProviderKind::Kelviq, Method::GET, url)).await;
    assert!(resp.is_ok() || resp.is_err_and(|e| e.status.is_some()), "the sandbox answered");
    assert!(http.remote.get().is_none(), "no verifying client was built for the sandbox");
    for local in ["http://127.0.0.1:9/x", "http://[::1]:9/x", "http://LOCALHOST:9/x"] {
        let chosen = http.client_for(&Url::parse(local).unwrap()).unwrap();
        assert!(std::ptr::eq(chosen, &raw const http.local), "{local}");
    }
    assert!(http.remote.get().is_none());
    for remote in ["https://127.0.0.1:9/x", "https://api.kelviq.com/x", "http://api.example.com/x", "http://10.0.0.1/x"]
    {
        let chosen = http.client_for(&Url::parse(remote).unwrap()).unwrap();
        assert!(!std::ptr::eq(chosen, &raw const http.local), "{remote}");
    }
    assert!(http.remote.get().is_some_and(Result::is_ok));
}

/// A refused connection and a failed TLS handshake used to read the same ("could not connect …
/// is the server up?"); each now says what happened.
#[tokio::test]
async fn a_refused_connection_and_a_failed_handshake_say_what_happened() {
    let http = Http::new(HttpConfig::default()).unwrap();
    // A server that answers in plain HTTP where TLS is expected.
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let connections = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let counted = connections.clone();
    std::thread::spawn(move || {
        use std::io::Write;
        for stream in listener.incoming().take(3) {
            counted.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
            let _ = stream.and_then(|mut s| s.write_all(b"HTTP/1.1 200 OK\r\ncontent-length: 0\r\n\r\n"));
        }
    });
    let url = Url::parse(&format!("https://127.0.0.1:{port}/x")).unwrap();
    let err = http.send(ApiRequest::new(ProviderKind::Kelviq, Method::GET, url)).await.unwrap_err();
    assert_eq!(err.kind, ErrorKind::Transport);
    assert!(
        err.message.starts_with(&format!("could not set up TLS with https://127.0.0.1:{port}: ")),
        "{}",
        err.message
    );
    assert!(err.message.contains("self-signed"), "{}", err.message);
    assert_eq!(connections.load(std::sync::atomic::Ordering::SeqCst), 1, "a failed handshake is not retried");

    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = closed.local_addr().unwrap().port();
    drop(closed);
    let url = Url::parse(&format!("http://127.0.0.1:{port}/x")).unwrap();
    let err = http.send(ApiRequest::new(ProviderKind::Kelviq, Method::GET, url)).await.unwrap_err();
    assert!(err.message.starts_with(&format!("could not connect to http://127.0.0.1:{port}: ")), "{}", err.message);
    assert!(err.message.to_lowercase().contains("refused"), "{}", err.message);
    assert!(!err.message.contains("TLS"), "{}", err.message);
}

/// A local server redirecting elsewhere is not followed off this machine.
#[tokio::test]
async fn a_local_redirect_is_followed_only_to_this_machine() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    std::thread::spawn(move || {
        use std::io::{Read, Write};
        for (i, stream) in listener.incoming().take(3).enumerate() {
            let Ok(mut s) = stream else { continue };
            let mut buf = [0u8; 2048];
            let _ = s.read(&mut buf);
            let answer = if i == 0 {
                format!(
                    "HTTP/1.1 302 Found\r\nlocation: http://127.0.0.1:{port}/second\r\ncontent-length: 0\r\nconnection: close\r\n\r\n"
                )
            } else if i == 1 {
                "HTTP/1.1 302 Found\r\nlocation: https://api.example.com/x\r\ncontent-length: 0\r\nconnection: close\r\n\r\n".to_string()
            } else {
                "HTTP/1.1 200 OK\r\ncontent-length: 2\r\nconnection: close\r\n\r\n{}".to_string()
            };
            let _ = s.write_all(answer.as_bytes());
        }
    });
    let http = Http::new(HttpConfig::default()).unwrap();
    let url = Url::parse(&format!("http://127.0.0.1:{port}/first")).unwrap();
    let err = http.send(ApiRequest::new(ProviderKind::Kelviq, Method::GET, url)).await.unwrap_err();
    assert!(err.message.contains("redirected to https://api.example.com"), "{}", err.message);
    assert!(err.message.contains("only to plain http on this machine"), "{}", err.message);
    assert!(http.remote.get().is_none(), "nothing went through the verifying client");
}
