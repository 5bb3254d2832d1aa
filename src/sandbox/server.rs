//! How the sandbox serves connections, and who may talk to it.
//!
//! - Only loopback names in `Host` ([`loopback_host`]): a web page the operator visits cannot
//!   reach the sandbox through DNS rebinding (its requests carry the attacker's host name).
//! - A connection cap and a header-read timeout ([`Limits`]): idle sockets held open by
//!   another local process are closed after the timeout, and past the cap new sockets are
//!   closed at once instead of piling up until the process runs out of file descriptors
//!   (which stalled every later client, the console's own included).

use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::extract::Request;
use axum::http::{StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::service::TowerToHyperService;
use tokio::net::TcpListener;
use tokio::sync::{Semaphore, oneshot};

/// Connection limits. The cap stays well under macOS's default of 256 open files, since the
/// embedded sandbox shares its process with the console's own client sockets.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Limits {
    /// Connections served at once; more are closed as soon as they are accepted.
    pub max_connections: usize,
    /// A connection that has not sent a whole request head within this time is closed; this
    /// also ends idle keep-alive connections.
    pub header_read_timeout: Duration,
}

impl Default for Limits {
    fn default() -> Self {
        Limits { max_connections: 96, header_read_timeout: Duration::from_secs(5) }
    }
}

/// Accepts connections until `shutdown` fires.
pub(crate) async fn serve(listener: TcpListener, router: Router, limits: Limits, mut shutdown: oneshot::Receiver<()>) {
    let permits = Arc::new(Semaphore::new(limits.max_connections.max(1)));
    let mut http = hyper::server::conn::http1::Builder::new();
    http.timer(TokioTimer::new()).header_read_timeout(limits.header_read_timeout);
    loop {
        let stream = tokio::select! {
            _ = &mut shutdown => break,
            accepted = listener.accept() => match accepted {
                Ok((stream, _)) => stream,
                Err(e) => {
                    // Out of file descriptors, most likely: wait for some to close, never spin.
                    tracing::warn!("sandbox: accept failed: {e}");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            },
        };
        let Ok(permit) = permits.clone().try_acquire_owned() else {
            drop(stream);
            continue;
        };
        let connection = http.serve_connection(TokioIo::new(stream), TowerToHyperService::new(router.clone()));
        tokio::spawn(async move {
            let _permit = permit;
            let _ = connection.await;
        });
    }
}

/// True for `localhost`, `127.0.0.1` and `[::1]`, with or without a port.
pub fn loopback_host(host: &str) -> bool {
    let (name, port) = match host.strip_prefix('[') {
        Some(rest) => match rest.split_once(']') {
            Some(parts) => parts,
            None => return false,
        },
        None => host.find(':').map_or((host, ""), |i| (&host[..i], &host[i..])),
    };
    let port_ok = match port.strip_prefix(':') {
        None => port.is_empty(),
        Some(p) => !p.is_empty() && p.len() <= 5 && p.chars().all(|c| c.is_ascii_digit()),
    };
    port_ok && (name.eq_ignore_ascii_case("localhost") || name == "127.0.0.1" || name == "::1")
}

/// Middleware: 403 for any request whose `Host` is not a loopback name.
pub(crate) async fn require_loopback_host(request: Request, next: Next) -> Response {
    let host = request.headers().get(header::HOST).and_then(|h| h.to_str().ok());
    match host {
        Some(h) if loopback_host(h) => next.run(request).await,
        _ => (
            StatusCode::FORBIDDEN,
            [(header::CONTENT_TYPE, "application/json")],
            r#"{"error":"the till sandbox only answers requests addressed to localhost, 127.0.0.1 or [::1]"}"#,
        )
            .into_response(),
    }
}

#[cfg(test)]
mod tests {
    use super::loopback_host;

    #[test]
    fn only_loopback_names_pass() {
        for ok in ["localhost", "LOCALHOST:4010", "127.0.0.1", "127.0.0.1:80", "[::1]", "[::1]:4010"] {
            assert!(loopback_host(ok), "{ok}");
        }
        for bad in [
            "evil.example",
            "evil.example:4010",
            "localhost.evil.example",
            "127.0.0.1.nip.io:4010",
            "127.0.0.2",
            "[::2]:1",
            "[::1",
            "localhost:x",
            "localhost:",
            "0.0.0.0:4010",
            "",
        ] {
            assert!(!loopback_host(bad), "{bad}");
        }
    }
}
