//! `till webhooks verify` and `till listen` as processes: deliveries signed here with the
//! RustCrypto HMAC directly (not till's verifier), forgeries refused with the reason, valid
//! ones forwarded to an app unchanged.

#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a panic is the failure report

use std::io::{BufRead, BufReader, Write};
use std::process::{Child, Command, Output, Stdio};
use std::sync::{Arc, Mutex};

use hmac::{Hmac, KeyInit, Mac};
use sha2::Sha256;

fn till(args: &[&str], secret: Option<&str>) -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_till"));
    c.args(args)
        .env_remove("TILL_WEBHOOK_SECRET")
        .env("TILL_DATA_DIR", std::env::temp_dir().join(format!("till-test-wh-{}", std::process::id())))
        .env("TILL_CONFIG_DIR", std::env::temp_dir().join(format!("till-test-wh-cfg-{}", std::process::id())));
    if let Some(s) = secret {
        c.env("TILL_WEBHOOK_SECRET", s);
    }
    c
}

fn verify(args: &[&str], secret: Option<&str>, stdin: &str) -> Output {
    let mut child =
        till(args, secret).stdin(Stdio::piped()).stdout(Stdio::piped()).stderr(Stdio::piped()).spawn().unwrap();
    // till may refuse its arguments and exit before reading stdin: a broken pipe then is not
    // the failure under test (its exit status and message are).
    if let Err(e) = child.stdin.take().unwrap().write_all(stdin.as_bytes()) {
        assert_eq!(e.kind(), std::io::ErrorKind::BrokenPipe, "{e}");
    }
    child.wait_with_output().unwrap()
}

const SVIX_SECRET: &str = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";

fn svix_request(body: &str) -> String {
    format!(
        "POST /hooks HTTP/1.1\r\nHost: example\r\nsvix-id: msg_p5jXN8AQM9LWM0D4loKWxJek\r\nsvix-timestamp: 1614265330\r\n\
         svix-signature: v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=\r\nContent-Length: {}\r\n\r\n{body}",
        body.len()
    )
}

#[test]
fn verify_accepts_svixs_published_delivery_and_refuses_it_altered_or_too_old() {
    let body = r#"{"test": 2432232314}"#;
    let ok = verify(&["webhooks", "verify", "-p", "flowglad", "--any-age"], Some(SVIX_SECRET), &svix_request(body));
    assert_eq!(ok.status.code(), Some(0), "{}", String::from_utf8_lossy(&ok.stderr));
    assert!(String::from_utf8_lossy(&ok.stdout).contains("valid"));

    let altered = verify(
        &["webhooks", "verify", "-p", "flowglad", "--any-age"],
        Some(SVIX_SECRET),
        &svix_request(r#"{"test": 2432232315}"#),
    );
    assert_eq!(altered.status.code(), Some(5));
    assert!(String::from_utf8_lossy(&altered.stderr).contains("refused: svix-signature does not match"));

    // Signed in 2021: without --any-age it is refused as a possible replay, naming its age.
    let old = verify(&["webhooks", "verify", "-p", "flowglad"], Some(SVIX_SECRET), &svix_request(body));
    assert_eq!(old.status.code(), Some(5));
    assert!(String::from_utf8_lossy(&old.stderr).contains("old (more than 300s)"));
}

/// `--json` said `"provider":"Flowglad"` where every other JSON of till is lowercase, and
/// `"again": null` for a saved request, which cannot say whether it was sent before.
#[test]
fn verify_json_names_the_provider_in_lowercase_and_claims_nothing_about_repeats() {
    let body = r#"{"test": 2432232314}"#;
    let args = ["webhooks", "verify", "-p", "flowglad", "--any-age", "--json"];
    let ok = verify(&args, Some(SVIX_SECRET), &svix_request(body));
    assert_eq!(ok.status.code(), Some(0), "{}", String::from_utf8_lossy(&ok.stderr));
    let line: serde_json::Value = serde_json::from_slice(&ok.stdout).unwrap();
    assert_eq!((&line["provider"], &line["valid"]), (&serde_json::json!("flowglad"), &serde_json::json!(true)));
    assert!(line.get("again").is_none(), "{line}");
}

#[test]
fn verify_names_what_is_missing() {
    let no_provider = verify(&["webhooks", "verify"], Some(SVIX_SECRET), &svix_request("{}"));
    assert_eq!(no_provider.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&no_provider.stderr).contains("--provider"));
    let no_secret = verify(&["webhooks", "verify", "-p", "kelviq"], None, &svix_request("{}"));
    assert_eq!(no_secret.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&no_secret.stderr).contains("TILL_WEBHOOK_SECRET"));
    let not_http = verify(&["webhooks", "verify", "-p", "kelviq"], Some("s"), "{\"type\":\"x\"}");
    assert_eq!(not_http.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&not_http.stderr).contains("stdin: no blank line"));
}

fn kelviq_signature(secret: &str, id: &str, ts: i64, body: &str) -> String {
    let mut mac = <Hmac<Sha256> as KeyInit>::new_from_slice(secret.as_bytes()).unwrap();
    mac.update(format!("{id}.{ts}.{body}").as_bytes());
    format!("v1,{}", hex::encode(mac.finalize().into_bytes()))
}

/// The app the deliveries are forwarded to: records each body and its signature header.
async fn app() -> (u16, Arc<Mutex<Vec<(String, String)>>>) {
    let got: Arc<Mutex<Vec<(String, String)>>> = Arc::default();
    let seen = got.clone();
    let router = axum::Router::new().route(
        "/hooks",
        axum::routing::post(move |headers: axum::http::HeaderMap, body: String| {
            let seen = seen.clone();
            async move {
                let sig = headers.get("webhook-signature").and_then(|v| v.to_str().ok()).unwrap_or("").to_string();
                seen.lock().unwrap().push((body, sig));
                axum::http::StatusCode::ACCEPTED
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    tokio::spawn(async move { axum::serve(listener, router).await.unwrap() });
    (port, got)
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

struct Killed(Child);
impl Drop for Killed {
    fn drop(&mut self) {
        let _ = self.0.kill();
    }
}

#[tokio::test]
async fn listen_forwards_a_valid_delivery_unchanged_and_refuses_a_forgery_without_forwarding() {
    let (app_port, got) = app().await;
    let port = free_port();
    let secret = "kq_whsec_listen_test";
    let forward = format!("http://127.0.0.1:{app_port}/hooks");
    let mut child =
        till(&["listen", "-p", "kelviq", "--port", &port.to_string(), "--forward-to", &forward], Some(secret))
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
    let stdout = BufReader::new(child.stdout.take().unwrap());
    let mut stderr = BufReader::new(child.stderr.take().unwrap());
    let _guard = Killed(child);
    let mut banner = String::new();
    stderr.read_line(&mut banner).unwrap();
    assert!(banner.contains(&format!("127.0.0.1:{port}")), "{banner}");

    let now = chrono::Utc::now().timestamp();
    let body = r#"{"id":"evt_9","type":"invoice.paid","created_at":"2026-12-06T10:00:00Z","data":{"object":{"id":"inv_\u001b[31m7"}}}"#;
    let client = reqwest::Client::new();
    let url = format!("http://127.0.0.1:{port}/webhooks/kelviq");
    let send = |sig: String, body: &'static str| {
        client
            .post(&url)
            .header("webhook-id", "evt_9")
            .header("webhook-timestamp", now.to_string())
            .header("webhook-signature", sig)
            .body(body)
            .send()
    };
    let valid = send(kelviq_signature(secret, "evt_9", now, body), body).await.unwrap();
    assert_eq!(valid.status().as_u16(), 202, "your app's answer goes back to the provider");
    let forged = send(kelviq_signature("kq_whsec_guess", "evt_9", now, body), body).await.unwrap();
    assert_eq!(forged.status().as_u16(), 401);
    assert!(forged.text().await.unwrap().contains("webhook-signature does not match"));

    let received = got.lock().unwrap().clone();
    assert_eq!(received.len(), 1, "the forgery never reached the app");
    assert_eq!(received[0].0, body, "the exact body");
    assert_eq!(received[0].1, kelviq_signature(secret, "evt_9", now, body), "its own signature, for the app to check");

    let mut lines = stdout.lines();
    let first = tokio::task::spawn_blocking(move || {
        let a = lines.next().unwrap().unwrap();
        let b = lines.next().unwrap().unwrap();
        (a, b)
    })
    .await
    .unwrap();
    assert!(
        first.0.contains("invoice.paid") && first.0.contains("valid") && first.0.contains("your app 202"),
        "{}",
        first.0
    );
    assert!(!first.0.contains('\u{1b}'), "the object id's escape is not printed raw: {:?}", first.0);
    assert!(first.1.contains("REFUSED: webhook-signature does not match"), "{}", first.1);
}
