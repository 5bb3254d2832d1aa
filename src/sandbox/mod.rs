//! The embedded sandbox: a stateful emulator of the providers' HTTP APIs on loopback.
//! Each provider is mounted under its own prefix (`/kelviq/api/v1`, `/kelviq-edge/api/v1`…)
//! over one shared state, with a hosted checkout page at `/pay/{session}`.

pub mod kelviq;
pub mod pay;
pub mod seed;

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use axum::body::{Body, Bytes};
use axum::extract::{Request, State};
use axum::middleware::{self, Next};
use axum::response::Response;
use axum::routing::get;
use axum::Router;
use tokio::net::TcpListener;
use tokio::sync::oneshot;
use url::Url;

use crate::billing::ProviderKind;
use crate::providers::{Endpoint, Secret};
use pay::HostedCheckout;
use seed::{Seed, SeedError};

/// Keys the sandbox accepts. They are not secrets: they only open the local emulator.
pub mod keys {
    pub const KELVIQ_SERVER: &str = "kq_sandbox_server_till";
    pub const KELVIQ_CLIENT: &str = "kq_sandbox_client_till";
}

#[derive(Clone, Debug)]
pub struct SandboxOptions {
    /// 0 picks an ephemeral port.
    pub port: u16,
    /// Generated customers added to the seed data.
    pub extra_customers: usize,
    pub seed: u64,
    /// Added before every response, to emulate a slow provider.
    pub latency: Duration,
    /// Directory with `<provider>.json` seed files replacing the built-in ones.
    pub data_dir: Option<PathBuf>,
    /// Record every exchange for conformance tests.
    pub capture: bool,
}

impl Default for SandboxOptions {
    fn default() -> Self {
        SandboxOptions { port: 0, extra_customers: 0, seed: 1, latency: Duration::ZERO, data_dir: None, capture: false }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum SandboxError {
    #[error("port {port} is already in use; pick another with --port or stop the other process")]
    PortInUse { port: u16 },
    #[error("cannot listen on 127.0.0.1:{port}: {source}")]
    Bind { port: u16, source: std::io::Error },
    #[error(transparent)]
    Seed(#[from] SeedError),
}

/// One request and response as the sandbox saw them.
#[derive(Clone, Debug)]
pub struct Captured {
    pub method: String,
    /// Path and query, including the provider prefix.
    pub path: String,
    pub request_body: Bytes,
    pub status: u16,
    pub response_body: Bytes,
}

#[derive(Clone)]
pub struct AppState {
    pub kelviq: Arc<Mutex<kelviq::State>>,
    latency: Duration,
    capture: Option<Arc<Mutex<Vec<Captured>>>>,
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    // A handler that panicked mid-update leaves state as it was at that point; keep serving.
    m.lock().unwrap_or_else(|p| p.into_inner())
}

impl AppState {
    /// Runs `f` on whichever provider owns this checkout session.
    fn with_checkout<R>(&self, session: &str, f: impl FnOnce(&dyn HostedCheckout) -> R) -> Option<R> {
        let k = lock(&self.kelviq);
        k.owns_checkout(session).then(|| f(&*k))
    }

    fn with_checkout_mut<R>(&self, session: &str, f: impl FnOnce(&mut dyn HostedCheckout) -> R) -> Option<R> {
        let mut k = lock(&self.kelviq);
        if k.owns_checkout(session) { Some(f(&mut *k)) } else { None }
    }
}

pub struct SandboxHandle {
    pub addr: SocketAddr,
    shutdown: Option<oneshot::Sender<()>>,
    task: Option<tokio::task::JoinHandle<()>>,
    capture: Option<Arc<Mutex<Vec<Captured>>>>,
    state: AppState,
}

impl SandboxHandle {
    pub fn base_url(&self) -> Url {
        // The address is a SocketAddr we bound, so the URL is always well-formed.
        Url::parse(&format!("http://{}", self.addr)).unwrap_or_else(|_| unreachable!("socket address forms a valid URL"))
    }

    pub fn provider_url(&self, path: &str) -> Url {
        crate::providers::join_url(&self.base_url(), path)
    }

    /// Base URLs and sandbox keys for a provider, ready for [`crate::providers::connect`].
    pub fn endpoint(&self, kind: ProviderKind) -> Endpoint {
        match kind {
            ProviderKind::Kelviq => Endpoint {
                base_url: self.provider_url("kelviq/api/v1"),
                edge_url: Some(self.provider_url("kelviq-edge/api/v1")),
                key: Secret::new(keys::KELVIQ_SERVER),
                client_key: None,
                account: None,
            },
            other => Endpoint {
                base_url: self.provider_url(other.slug()),
                edge_url: None,
                key: Secret::new(""),
                client_key: None,
                account: None,
            },
        }
    }

    pub fn providers(&self) -> Vec<ProviderKind> {
        vec![ProviderKind::Kelviq]
    }

    /// Everything captured so far (empty unless started with `capture`).
    pub fn captured(&self) -> Vec<Captured> {
        self.capture.as_ref().map(|c| lock(c).clone()).unwrap_or_default()
    }

    pub fn state(&self) -> &AppState {
        &self.state
    }

    pub async fn shutdown(mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        if let Some(task) = self.task.take() {
            let _ = task.await;
        }
    }
}

impl Drop for SandboxHandle {
    fn drop(&mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
    }
}

fn load_seed(options: &SandboxOptions, provider: ProviderKind, builtin: &str) -> Result<Seed, SeedError> {
    let mut seed = match &options.data_dir {
        Some(dir) => Seed::load(&dir.join(format!("{}.json", provider.slug())))?,
        None => Seed::parse(builtin, &format!("assets/sandbox/{}.json (built in)", provider.slug()))?,
    };
    seed.generate_customers(options.extra_customers, options.seed);
    Ok(seed)
}

/// Starts the sandbox on 127.0.0.1 and returns once it accepts connections.
pub async fn start(options: SandboxOptions) -> Result<SandboxHandle, SandboxError> {
    let listener = TcpListener::bind(("127.0.0.1", options.port)).await.map_err(|source| match source.kind() {
        std::io::ErrorKind::AddrInUse => SandboxError::PortInUse { port: options.port },
        _ => SandboxError::Bind { port: options.port, source },
    })?;
    let addr = listener.local_addr().map_err(|source| SandboxError::Bind { port: options.port, source })?;
    let public_base = format!("http://{addr}");
    let kelviq_seed = load_seed(&options, ProviderKind::Kelviq, include_str!("../../assets/sandbox/kelviq.json"))?;
    let capture = options.capture.then(|| Arc::new(Mutex::new(Vec::new())));
    let state = AppState {
        kelviq: Arc::new(Mutex::new(kelviq::State::from_seed(&kelviq_seed, &public_base))),
        latency: options.latency,
        capture: capture.clone(),
    };
    let router = router(state.clone());
    let (tx, rx) = oneshot::channel::<()>();
    let task = tokio::spawn(async move {
        let serve = axum::serve(listener, router).with_graceful_shutdown(async {
            let _ = rx.await;
        });
        if let Err(e) = serve.await {
            tracing::error!("sandbox stopped: {e}");
        }
    });
    Ok(SandboxHandle { addr, shutdown: Some(tx), task: Some(task), capture, state })
}

fn router(state: AppState) -> Router {
    Router::new()
        .nest("/kelviq/api/v1", kelviq::core_routes(state.clone()))
        .nest("/kelviq-edge/api/v1", kelviq::edge_routes(state.clone()))
        .route("/pay/{session}", get(pay::show).post(pay::submit))
        .route("/pay/{session}/", get(pay::show).post(pay::submit))
        .layer(middleware::from_fn_with_state(state.clone(), delay_and_capture))
        .with_state(state)
}

/// Applies `--latency` and records exchanges when capturing.
async fn delay_and_capture(State(state): State<AppState>, request: Request, next: Next) -> Response {
    if !state.latency.is_zero() {
        tokio::time::sleep(state.latency).await;
    }
    let Some(capture) = state.capture.clone() else {
        return next.run(request).await;
    };
    let method = request.method().to_string();
    let path = request.uri().path_and_query().map(|p| p.to_string()).unwrap_or_default();
    let (parts, body) = request.into_parts();
    let request_body = axum::body::to_bytes(body, 16 * 1024 * 1024).await.unwrap_or_default();
    let response = next.run(Request::from_parts(parts, Body::from(request_body.clone()))).await;
    let (parts, body) = response.into_parts();
    let response_body = axum::body::to_bytes(body, 64 * 1024 * 1024).await.unwrap_or_default();
    lock(&capture).push(Captured { method, path, request_body, status: parts.status.as_u16(), response_body: response_body.clone() });
    Response::from_parts(parts, Body::from(response_body))
}
