//! A provider that echoes the key (in an error message, a request-id header, a response field)
//! and URLs with credentials in its answers: the key and the password appear nowhere in what
//! till prints (stdout, stderr), stores (audit.jsonl, requests.jsonl, till.log) or exports
//! (curl). A base URL with credentials is refused before anything is sent, the password
//! redacted in the refusal.

#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a panic is the failure report

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use axum::Router;
use axum::body::Bytes;
use axum::http::{HeaderMap, Method, StatusCode, header};
use axum::response::{IntoResponse, Response};

const KEY: &str = "kq_live_ECHOED_0123456789abcdef";
const PASSWORD: &str = "hunter2secretpw";

/// Answers every request by echoing the key it was sent: GETs get a 401 naming the key,
/// checkout POSTs for plan `fail` a 400 naming it, other POSTs a 201 whose id and URL hold it.
/// No password: a base URL holding one is refused before anything is sent, so none reaches a
/// provider to echo.
async fn echo(method: Method, headers: HeaderMap, body: Bytes) -> Response {
    let auth = headers.get(header::AUTHORIZATION).and_then(|v| v.to_str().ok()).unwrap_or("");
    let key = auth.strip_prefix("Bearer ").unwrap_or(auth).to_string();
    let request_id = [("x-request-id", format!("req-{key}"))];
    let body = String::from_utf8_lossy(&body);
    if method == Method::GET {
        let detail = format!(r#"{{"detail":"Invalid API key {key}"}}"#);
        return (StatusCode::UNAUTHORIZED, request_id, detail).into_response();
    }
    if body.contains(r#""planIdentifier":"fail""#) {
        let detail = format!(r#"{{"detail":"plan fail is not available for key {key}","code":"{key}"}}"#);
        return (StatusCode::BAD_REQUEST, request_id, detail).into_response();
    }
    let created = format!(r#"{{"checkoutSessionId":"cs_{key}","checkoutUrl":"https://pay.example/{key}"}}"#);
    (StatusCode::CREATED, request_id, [(header::CONTENT_TYPE, "application/json")], created).into_response()
}

fn serve() -> SocketAddr {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    listener.set_nonblocking(true).unwrap();
    let addr = listener.local_addr().unwrap();
    std::thread::spawn(move || {
        let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
        rt.block_on(async move {
            let listener = tokio::net::TcpListener::from_std(listener).unwrap();
            axum::serve(listener, Router::new().fallback(echo)).await.unwrap();
        });
    });
    addr
}

fn till(home: &Path, base_url: &str, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_till"))
        .args(args)
        .env("HOME", home.join("home"))
        .env("XDG_STATE_HOME", home.join("state"))
        .env("XDG_DATA_HOME", home.join("xdg-data"))
        .env("TILL_DATA_DIR", home.join("data"))
        .env("TILL_CONFIG_DIR", home.join("config"))
        .env("TILL_KELVIQ_BASE_URL", base_url)
        .env("TILL_KELVIQ_KEY", KEY)
        .env("TILL_LOG", "debug")
        .env_remove("TILL_PROFILE")
        .env_remove("TILL_READ_ONLY")
        .output()
        .unwrap()
}

fn files_under(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).into_iter().flatten().flatten() {
        let path = entry.path();
        if path.is_dir() { files_under(&path, out) } else { out.push(path) }
    }
}

fn assert_clean(label: &str, bytes: &[u8]) {
    let text = String::from_utf8_lossy(bytes);
    for secret in [KEY, PASSWORD] {
        assert!(!text.contains(secret), "{label} holds {secret}:\n{text}");
    }
}

#[test]
fn an_echoed_key_and_url_credentials_are_never_printed_or_stored() {
    let home = tempfile::tempdir().unwrap();
    let addr = serve();
    let base = format!("http://{addr}/");
    let with_password = format!("http://alice:{PASSWORD}@{addr}/");
    let checkout = ["checkout", "create", "--plan", "pro", "--period", "MONTHLY", "--customer", "c1"];
    let failing = ["checkout", "create", "--plan", "fail", "--period", "MONTHLY", "--customer", "c1"];
    let mut outputs = vec![
        ("customers list", till(home.path(), &base, &["customers", "list"])),
        ("checkout create", till(home.path(), &base, &checkout)),
        ("failing checkout", till(home.path(), &base, &failing)),
        ("base URL with a password", till(home.path(), &with_password, &["plans", "list"])),
    ];
    let refused = String::from_utf8_lossy(&outputs[3].1.stderr).to_string();
    assert_eq!(outputs[3].1.status.code(), Some(2), "{refused}");
    assert!(refused.contains("TILL_KELVIQ_BASE_URL is not a valid URL: \"http://[redacted]@127.0.0.1:"), "{refused}");
    assert_eq!(outputs[0].1.status.code(), Some(4), "401: {}", String::from_utf8_lossy(&outputs[0].1.stderr));
    assert!(String::from_utf8_lossy(&outputs[0].1.stderr).contains("Invalid API key [redacted]"));
    assert_eq!(outputs[1].1.status.code(), Some(0), "{}", String::from_utf8_lossy(&outputs[1].1.stderr));
    assert!(String::from_utf8_lossy(&outputs[1].1.stdout).contains("https://pay.example/[redacted]"));
    assert_ne!(outputs[2].1.status.code(), Some(0));
    let list = till(home.path(), &base, &["requests", "list"]);
    let count = String::from_utf8_lossy(&list.stdout).lines().count() - 1;
    assert!(count >= 4, "{}", String::from_utf8_lossy(&list.stdout));
    for n in 1..=count {
        let n = n.to_string();
        outputs.push(("requests show", till(home.path(), &base, &["requests", "show", &n])));
        outputs.push(("requests show --curl", till(home.path(), &base, &["requests", "show", &n, "--curl"])));
    }
    outputs.push(("requests list", list));
    outputs.push(("audit", till(home.path(), &base, &["audit", "--json"])));
    for (label, o) in &outputs {
        assert_clean(&format!("{label} stdout"), &o.stdout);
        assert_clean(&format!("{label} stderr"), &o.stderr);
    }

    let journal = std::fs::read_to_string(home.path().join("data/audit.jsonl")).unwrap();
    assert!(journal.contains("cs_[redacted]") && journal.contains("for key [redacted]"), "{journal}");
    let history = std::fs::read_to_string(home.path().join("data/requests.jsonl")).unwrap();
    assert!(history.contains("req-[redacted]"), "the echoing request-id header is kept, redacted");
    let mut files = Vec::new();
    files_under(home.path(), &mut files);
    assert!(files.len() >= 2, "{files:?}");
    for file in files {
        assert_clean(&file.display().to_string(), &std::fs::read(&file).unwrap());
    }
}
