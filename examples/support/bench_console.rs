//! The console the request benches drive: the real `App` loop on a 120×32 `TestBackend`, over
//! HTTP to an embedded sandbox started with `options`, its data dir a temporary one named after
//! the bench. Shared by `requests_bench`, `next_customer_bench` and `storm_bench`.

use ratatui::backend::TestBackend;
use till::billing::ProviderKind;
use till::providers::{self, Http, HttpConfig};
use till::sandbox::{self, SandboxHandle, SandboxOptions};
use till::tui::app::{App, Recorder};
use till::tui::state::Mode;

/// The sandbox, the console's HTTP client (its request budget) and the started console (its
/// first loads asked, not yet answered).
pub async fn start(bench: &str, options: SandboxOptions) -> (SandboxHandle, Http, App<TestBackend>) {
    till::util::use_data_dir(std::env::temp_dir().join(format!("till-{bench}-{}", std::process::id())));
    let sandbox = sandbox::start(options).await.expect("the sandbox starts");
    let http = Http::new(HttpConfig::default()).expect("an HTTP client");
    let providers = ProviderKind::ALL
        .into_iter()
        .map(|k| providers::connect(k, sandbox.endpoint(k), http.clone()).expect("a provider client"))
        .collect();
    let mut app = App::new(
        TestBackend::new(120, 32),
        providers,
        http.log().clone(),
        Mode::Sandbox,
        "bench",
        Box::new(Recorder::default()),
    )
    .expect("the console starts");
    app.start();
    (sandbox, http, app)
}
