//! The embedded sandbox: a stateful emulator of the providers' HTTP APIs on loopback.
//! Each provider is mounted under its own prefix (`/kelviq/api/v1`, `/kelviq-edge/api/v1`…)
//! over one shared state, with a hosted checkout page at `/pay/{session}`.

pub mod admin;
pub mod clock;
pub mod events;
pub mod faults;
pub mod flowglad;
pub mod kelviq;
pub mod kuvarpay;
pub mod pay;
pub mod proration;
pub mod seed;
pub mod server;
pub mod zenskar;

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use axum::Router;
use axum::body::{Body, Bytes};
use axum::extract::{Request, State};
use axum::middleware::{self, Next};
use axum::response::Response;
use axum::routing::get;
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
    /// Flowglad encodes the mode in the prefix; the sandbox is test mode.
    pub const FLOWGLAD: &str = "sk_test_till_sandbox_0000000000";
    pub const KUVARPAY: &str = "kp_test_till_sandbox";
    pub const KUVARPAY_BUSINESS: &str = "biz_till_sandbox";
    pub const ZENSKAR: &str = "zk_sandbox_till";
    pub const ZENSKAR_ORGANISATION: &str = "7f3c2a9e-4b1d-4e8a-9c6f-2d5b8a1e0f34";
}

#[derive(Clone, Debug)]
pub struct SandboxOptions {
    /// 0 picks an ephemeral port.
    pub port: u16,
    /// Generated customers added to the seed data.
    pub extra_customers: usize,
    /// The one provider that gets the generated customers; `None`: every provider does.
    pub customers_on: Option<ProviderKind>,
    pub seed: u64,
    /// Added before every response, to emulate a slow provider.
    pub latency: Duration,
    /// Directory with `<provider>.json` seed files replacing the built-in ones.
    pub data_dir: Option<PathBuf>,
    /// Record every exchange for conformance tests.
    pub capture: bool,
    /// Injected misbehaviour (see `faults`); changeable at runtime via `/_admin/faults`.
    pub faults: faults::FaultSpec,
    /// Connection cap and timeouts.
    pub limits: server::Limits,
    /// Adds one customer per provider whose every text field carries terminal escape
    /// sequences (see `seed::hostile_customer`), to prove the front ends show them inertly.
    pub hostile: bool,
}

/// The most generated customers a sandbox takes (`--customers`): about 1 GB of memory at
/// roughly 4.8 KB per customer across the four providers.
pub const MAX_GENERATED_CUSTOMERS: usize = 1_000_000;

impl Default for SandboxOptions {
    fn default() -> Self {
        SandboxOptions {
            port: 0,
            extra_customers: 0,
            customers_on: None,
            seed: 1,
            latency: Duration::ZERO,
            data_dir: None,
            capture: false,
            faults: faults::FaultSpec::default(),
            limits: server::Limits::default(),
            hostile: false,
        }
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
    #[error("{count} generated customers is more than the sandbox takes ({MAX_GENERATED_CUSTOMERS})")]
    TooManyCustomers { count: usize },
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

/// One state per provider, each behind its own lock so providers never wait on each other.
#[derive(Clone)]
pub struct AppState {
    pub kelviq: Arc<Mutex<kelviq::State>>,
    pub flowglad: Arc<Mutex<flowglad::State>>,
    pub kuvarpay: Arc<Mutex<kuvarpay::State>>,
    pub zenskar: Arc<Mutex<zenskar::State>>,
    latency: Duration,
    capture: Option<Arc<Mutex<Vec<Captured>>>>,
    faults: Arc<Mutex<faults::FaultSpec>>,
    fault_rng: Arc<Mutex<crate::util::SplitMix64>>,
    /// This run's admin API token (see `admin`).
    admin_token: Arc<str>,
    /// The hosted pay form's anti-CSRF token per checkout session (see `pay`).
    pay_tokens: Arc<Mutex<std::collections::HashMap<String, String>>>,
    /// Zenskar portal session keys → customer UUID (zenskar/portal.rs).
    portal_sessions: Arc<Mutex<std::collections::HashMap<String, String>>>,
    /// The one clock of this sandbox; each provider's state holds a clone of it.
    pub clock: clock::Clock,
    /// Held while the clock moves, so two moves never interleave their happenings.
    clock_moves: Arc<Mutex<()>>,
    /// The event log, webhook endpoints and deliveries (see `events`).
    pub webhooks: events::Webhooks,
}

/// A success or cancel URL the hosted page can redirect to: http(s) with a host and nothing
/// the URL parser would silently drop (tabs, CR, LF) or a `Location` header could not hold.
/// Every provider checks this when the checkout is created, so a bad URL is a 400 then and
/// never a failure after the payment was taken.
pub(crate) fn valid_redirect_url(text: &str) -> bool {
    crate::text::safe_url(text).is_some_and(|u| u.host().is_some())
}

pub(crate) fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    // A handler that panicked mid-update leaves state as it was at that point; keep serving.
    m.lock().unwrap_or_else(|p| p.into_inner())
}

/// A provider state that may own a hosted checkout session.
trait CheckoutOwner {
    /// Calls `f` and returns true when this provider owns `session`.
    fn visit(&self, session: &str, f: &mut dyn FnMut(&mut dyn HostedCheckout)) -> bool;
}

impl<S: HostedCheckout> CheckoutOwner for Mutex<S> {
    fn visit(&self, session: &str, f: &mut dyn FnMut(&mut dyn HostedCheckout)) -> bool {
        let mut state = lock(self);
        if state.owns_checkout(session) {
            f(&mut *state);
            true
        } else {
            false
        }
    }
}

impl AppState {
    /// Moves the clock to `to` and runs everything that falls due on the way, provider by
    /// provider, each in time order. All four states stay locked until the clock is set, so
    /// no request sees the new time with the old state (or the reverse).
    pub fn move_clock_to(&self, to: chrono::DateTime<chrono::Utc>) -> Result<Vec<clock::Happening>, clock::ClockError> {
        let _one_move_at_a_time = lock(&self.clock_moves);
        clock::check_forward(self.clock.now(), to)?;
        let (mut k, mut f, mut p, mut z) =
            (lock(&self.kelviq), lock(&self.flowglad), lock(&self.kuvarpay), lock(&self.zenskar));
        let mut happened = k.tick(to);
        happened.extend(f.tick(to));
        happened.extend(p.tick(to));
        happened.extend(z.tick(to));
        happened.sort_by_key(|h| h.at);
        self.clock.set(to)?;
        drop((k, f, p, z));
        for h in &happened {
            self.webhooks.emit(h.provider, h.events.clone());
        }
        // Retries of deliveries that fell due within the move run now.
        self.webhooks.poke();
        self.clock.announce(happened.iter().map(|h| h.provider).collect());
        Ok(happened)
    }

    fn checkout_owners(&self) -> [&dyn CheckoutOwner; 4] {
        [&*self.kelviq, &*self.flowglad, &*self.kuvarpay, &*self.zenskar]
    }

    /// Runs `f` on whichever provider owns this checkout session.
    fn with_checkout<R>(&self, session: &str, f: impl FnOnce(&mut dyn HostedCheckout) -> R) -> Option<R> {
        let mut f = Some(f);
        let mut out = None;
        for owner in self.checkout_owners() {
            let found = owner.visit(session, &mut |c| {
                if let Some(f) = f.take() {
                    out = Some(f(c));
                }
            });
            if found {
                break;
            }
        }
        out
    }
}

pub struct SandboxHandle {
    pub addr: SocketAddr,
    shutdown: Option<oneshot::Sender<()>>,
    task: Option<tokio::task::JoinHandle<()>>,
    deliveries: tokio::task::JoinHandle<()>,
    capture: Option<Arc<Mutex<Vec<Captured>>>>,
    state: AppState,
}

impl SandboxHandle {
    pub fn base_url(&self) -> Url {
        // The address is a SocketAddr we bound, so the URL is always well-formed.
        Url::parse(&format!("http://{}", self.addr))
            .unwrap_or_else(|_| unreachable!("socket address forms a valid URL"))
    }

    pub fn provider_url(&self, path: &str) -> Url {
        crate::providers::join_url(&self.base_url(), path)
    }

    /// Base URLs and sandbox keys for a provider, ready for [`crate::providers::connect`].
    pub fn endpoint(&self, kind: ProviderKind) -> Endpoint {
        endpoint_at(&self.base_url(), kind)
    }

    /// Providers the sandbox emulates.
    pub fn providers(&self) -> Vec<ProviderKind> {
        ProviderKind::ALL.to_vec()
    }

    /// Everything captured so far (empty unless started with `capture`).
    pub fn captured(&self) -> Vec<Captured> {
        self.capture.as_ref().map(|c| lock(c).clone()).unwrap_or_default()
    }

    pub fn state(&self) -> &AppState {
        &self.state
    }

    /// This run's admin token: send it as `Authorization: Bearer <token>` to `/_admin/…`.
    pub fn admin_token(&self) -> &str {
        &self.state.admin_token
    }

    /// Moves the clock in-process (what `POST /_admin/clock/advance` does over HTTP).
    pub fn move_clock_to(&self, to: chrono::DateTime<chrono::Utc>) -> Result<Vec<clock::Happening>, clock::ClockError> {
        self.state.move_clock_to(to)
    }

    /// Replaces the fault rules in-process (what `PUT /_admin/faults` does over HTTP).
    pub fn set_faults(&self, spec: faults::FaultSpec) {
        *lock(&self.state.faults) = spec;
    }

    pub async fn shutdown(mut self) {
        self.deliveries.abort();
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
        self.deliveries.abort();
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
    }
}

/// Base URLs and sandbox keys for a provider of the sandbox at `base` (this process's or a
/// running one's), ready for [`crate::providers::connect`].
pub fn endpoint_at(base: &Url, kind: ProviderKind) -> Endpoint {
    match kind {
        ProviderKind::Kelviq => Endpoint {
            base_url: crate::providers::join_url(base, "kelviq/api/v1"),
            edge_url: Some(crate::providers::join_url(base, "kelviq-edge/api/v1")),
            key: Secret::new(keys::KELVIQ_SERVER),
            client_key: None,
            account: None,
        },
        ProviderKind::Flowglad => Endpoint {
            base_url: crate::providers::join_url(base, "flowglad"),
            edge_url: None,
            key: Secret::new(keys::FLOWGLAD),
            client_key: None,
            account: None,
        },
        ProviderKind::KuvarPay => Endpoint {
            base_url: crate::providers::join_url(base, "kuvarpay"),
            edge_url: None,
            key: Secret::new(keys::KUVARPAY),
            client_key: None,
            account: Some(keys::KUVARPAY_BUSINESS.to_string()),
        },
        ProviderKind::Zenskar => Endpoint {
            base_url: crate::providers::join_url(base, "zenskar"),
            edge_url: None,
            key: Secret::new(keys::ZENSKAR),
            client_key: None,
            account: Some(keys::ZENSKAR_ORGANISATION.to_string()),
        },
    }
}

fn load_seed(options: &SandboxOptions, provider: ProviderKind, builtin: &str) -> Result<Seed, SeedError> {
    let mut seed = match &options.data_dir {
        Some(dir) => Seed::load(&dir.join(format!("{}.json", provider.slug())))?,
        None => Seed::parse(builtin, &format!("assets/sandbox/{}.json (built in)", provider.slug()))?,
    };
    if options.customers_on.is_none_or(|only| only == provider) {
        seed.generate_customers(options.extra_customers, options.seed);
    }
    if options.hostile {
        seed.add_hostile_customer();
    }
    Ok(seed)
}

/// Starts the sandbox on 127.0.0.1 on real time and returns once it accepts connections.
pub async fn start(options: SandboxOptions) -> Result<SandboxHandle, SandboxError> {
    start_at(options, clock::Clock::real()).await
}

/// [`start`] on a given clock: tests pass [`clock::Clock::fixed`] for exact times.
pub async fn start_at(options: SandboxOptions, clock: clock::Clock) -> Result<SandboxHandle, SandboxError> {
    if options.extra_customers > MAX_GENERATED_CUSTOMERS {
        return Err(SandboxError::TooManyCustomers { count: options.extra_customers });
    }
    let listener = TcpListener::bind(("127.0.0.1", options.port)).await.map_err(|source| match source.kind() {
        std::io::ErrorKind::AddrInUse => SandboxError::PortInUse { port: options.port },
        _ => SandboxError::Bind { port: options.port, source },
    })?;
    let addr = listener.local_addr().map_err(|source| SandboxError::Bind { port: options.port, source })?;
    let public_base = format!("http://{addr}");
    // Each seed is dropped as soon as its state is built: with a million generated customers
    // the four seeds held at once were gigabytes the process kept resident afterwards.
    let kelviq = kelviq::State::from_seed_at(
        &load_seed(&options, ProviderKind::Kelviq, include_str!("../../assets/sandbox/kelviq.json"))?,
        &public_base,
        clock.clone(),
    );
    let flowglad = flowglad::State::from_seed_at(
        &load_seed(&options, ProviderKind::Flowglad, include_str!("../../assets/sandbox/flowglad.json"))?,
        &public_base,
        clock.clone(),
    );
    let kuvarpay = kuvarpay::State::from_seed_at(
        &load_seed(&options, ProviderKind::KuvarPay, include_str!("../../assets/sandbox/kuvarpay.json"))?,
        &public_base,
        clock.clone(),
    );
    let zenskar = zenskar::State::from_seed_at(
        &load_seed(&options, ProviderKind::Zenskar, include_str!("../../assets/sandbox/zenskar.json"))?,
        &public_base,
        clock.clone(),
    );
    let capture = options.capture.then(|| Arc::new(Mutex::new(Vec::new())));
    let state = AppState {
        kelviq: Arc::new(Mutex::new(kelviq)),
        flowglad: Arc::new(Mutex::new(flowglad)),
        kuvarpay: Arc::new(Mutex::new(kuvarpay)),
        zenskar: Arc::new(Mutex::new(zenskar)),
        latency: options.latency,
        capture: capture.clone(),
        faults: Arc::new(Mutex::new(options.faults.clone())),
        fault_rng: Arc::new(Mutex::new(crate::util::SplitMix64::new(options.seed))),
        admin_token: admin::random_token(32).into(),
        pay_tokens: Arc::default(),
        portal_sessions: Arc::default(),
        webhooks: events::Webhooks::new(clock.clone()),
        clock,
        clock_moves: Arc::default(),
    };
    let deliveries = tokio::spawn(events::deliver::run(state.webhooks.clone()));
    let router = router(state.clone());
    let (tx, rx) = oneshot::channel::<()>();
    let task = tokio::spawn(server::serve(listener, router, options.limits, rx));
    Ok(SandboxHandle { addr, shutdown: Some(tx), task: Some(task), deliveries, capture, state })
}

fn router(state: AppState) -> Router {
    Router::new()
        .nest("/kelviq/api/v1", kelviq::core_routes(state.clone()))
        .nest("/kelviq-edge/api/v1", kelviq::edge_routes(state.clone()))
        .nest("/flowglad", flowglad::routes(state.clone()))
        .nest("/kuvarpay", kuvarpay::routes(state.clone()))
        .nest("/zenskar", zenskar::routes(state.clone()))
        .route("/kelviq-portal/{slug}/", get(kelviq::payments::routes::portal_page))
        // Hosted pages a customer opens without an API key.
        .route("/zenskar-portal/session/{key}", get(zenskar::portal::page))
        .route("/flowglad-portal/{organization}/{customer}", get(flowglad::payments::portal_page))
        .route("/pay/{session}", get(pay::show).post(pay::submit))
        .route("/pay/{session}/", get(pay::show).post(pay::submit))
        .route("/_admin/faults", get(admin::get_faults).put(admin::put_faults))
        .route("/_admin/clock", get(admin::get_clock).put(admin::put_clock))
        .route("/_admin/clock/advance", axum::routing::post(admin::advance_clock))
        .route("/_admin/webhooks", get(events::routes::list).post(events::routes::register))
        .route("/_admin/webhooks/{id}", axum::routing::delete(events::routes::unregister))
        .route("/_admin/deliveries", get(events::routes::deliveries))
        .route("/_admin/events", get(events::routes::events))
        .route("/_admin/events/{seq}/redeliver", axum::routing::post(events::routes::redeliver))
        // Inside the faults layer: a write that an injected fault failed announces nothing.
        .layer(middleware::from_fn_with_state(state.clone(), events::api::record))
        .layer(middleware::from_fn_with_state(state.clone(), delay_and_capture))
        // Outermost: a request for another host name is refused before anything else runs.
        .layer(middleware::from_fn(server::require_loopback_host))
        .with_state(state)
}

/// Applies `--latency` and injected faults, tags every response with an `x-request-id` (so
/// errors can be traced the way real providers' can), and records exchanges when capturing.
async fn delay_and_capture(State(state): State<AppState>, request: Request, next: Next) -> Response {
    if !state.latency.is_zero() {
        tokio::time::sleep(state.latency).await;
    }
    let plan = {
        let spec = lock(&state.faults);
        if spec.is_empty() || request.uri().path().starts_with("/_admin") {
            faults::Plan::default()
        } else {
            spec.plan(request.uri().path(), &mut lock(&state.fault_rng))
        }
    };
    if !plan.delay.is_zero() {
        tokio::time::sleep(plan.delay).await;
    }
    if let Some((status, retry_after)) = plan.fail {
        return with_request_id(faults::failure(status, retry_after));
    }
    let Some(capture) = state.capture.clone() else {
        let response = next.run(request).await;
        return with_request_id(match plan.mangle {
            Some(how) => {
                let (parts, body) = response.into_parts();
                let bytes = axum::body::to_bytes(body, 64 * 1024 * 1024).await.unwrap_or_default();
                faults::mangle(Response::from_parts(parts, Body::empty()), how, bytes)
            }
            None => response,
        });
    };
    let method = request.method().to_string();
    let path = request.uri().path_and_query().map(|p| p.to_string()).unwrap_or_default();
    let (parts, body) = request.into_parts();
    let request_body = axum::body::to_bytes(body, 16 * 1024 * 1024).await.unwrap_or_default();
    let response = next.run(Request::from_parts(parts, Body::from(request_body.clone()))).await;
    let (parts, body) = response.into_parts();
    let response_body = axum::body::to_bytes(body, 64 * 1024 * 1024).await.unwrap_or_default();
    lock(&capture).push(Captured {
        method,
        path,
        request_body,
        status: parts.status.as_u16(),
        response_body: response_body.clone(),
    });
    with_request_id(Response::from_parts(parts, Body::from(response_body)))
}

fn with_request_id(mut response: Response) -> Response {
    static NEXT: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(1);
    let headers = response.headers_mut();
    if !headers.contains_key("x-request-id") {
        let n = NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        if let Ok(v) = axum::http::HeaderValue::from_str(&format!("req_sbx_{n:08x}")) {
            headers.insert("x-request-id", v);
        }
    }
    response
}
