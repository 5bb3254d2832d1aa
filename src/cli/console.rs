//! Starting the interactive console: which providers, where they live, where logs go.

use std::sync::Arc;

use super::run::{ExitCode, Failure, failure};
use super::{ConsoleArgs, Global};
use crate::billing::ProviderKind;
use crate::config::{self, Overrides};
use crate::providers::{self, BillingProvider, Http};
use crate::sandbox::{self, SandboxOptions};
use crate::tui::state::Mode;

/// `~/.local/state/till` (XDG state dir) or the platform equivalent.
pub fn log_path() -> Option<std::path::PathBuf> {
    let dirs = directories::ProjectDirs::from("", "", "till")?;
    let dir = dirs.state_dir().unwrap_or(dirs.data_local_dir()).to_path_buf();
    Some(dir.join("till.log"))
}

/// Logs go to a file: the console owns the screen. `TILL_LOG` sets the level (default info).
fn init_logging() -> Option<std::path::PathBuf> {
    let path = log_path()?;
    std::fs::create_dir_all(path.parent()?).ok()?;
    let file = std::fs::OpenOptions::new().create(true).append(true).open(&path).ok()?;
    let filter = tracing_subscriber::EnvFilter::try_from_env("TILL_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    let _ = tracing_subscriber::fmt()
        .with_writer(std::sync::Mutex::new(file))
        .with_ansi(false)
        .with_env_filter(filter)
        .try_init();
    Some(path)
}

pub fn info() -> Result<(), Failure> {
    let dirs = directories::ProjectDirs::from("", "", "till")
        .ok_or_else(|| failure(ExitCode::Failure, "no home directory to keep files in"))?;
    println!("config dir  {}", dirs.config_dir().display());
    println!("data dir    {}", dirs.data_dir().display());
    println!("log file    {}", log_path().map(|p| p.display().to_string()).unwrap_or_else(|| "(none)".into()));
    Ok(())
}

pub async fn run(global: &Global, args: ConsoleArgs) -> Result<(), Failure> {
    let log_file = init_logging();
    tracing::info!("console starting; log file {:?}", log_file);
    let http = Http::new(config::http_config(global.connect_timeout, global.timeout))
        .map_err(|m| failure(ExitCode::Failure, m))?;
    let lookup = |k: &str| std::env::var(k).ok();
    let mut external = Vec::new();
    for kind in ProviderKind::ALL {
        // Flags name one provider (--provider); the environment can point any of them away.
        let overrides = if kind == global.provider {
            Overrides { base_url: global.base_url.clone(), edge_url: global.edge_url.clone() }
        } else {
            Overrides::default()
        };
        external.push(
            config::external_endpoint(kind, &overrides, &lookup)
                .map_err(|e| failure(ExitCode::Usage, e.to_string()))?,
        );
    }
    let sandbox = if external.iter().any(Option::is_none) {
        let options = SandboxOptions {
            extra_customers: args.sandbox_customers,
            seed: args.sandbox_seed,
            latency: args.sandbox_latency.unwrap_or_default(),
            faults: args.sandbox_faults.clone().unwrap_or_default(),
            ..Default::default()
        };
        Some(sandbox::start(options).await.map_err(|e| failure(ExitCode::Failure, e.to_string()))?)
    } else {
        None
    };
    let mut providers: Vec<Arc<dyn BillingProvider>> = Vec::new();
    for (kind, endpoint) in ProviderKind::ALL.into_iter().zip(external.iter().cloned()) {
        let endpoint = match (endpoint, &sandbox) {
            (Some(e), _) => e,
            (None, Some(sb)) => sb.endpoint(kind),
            (None, None) => continue,
        };
        match providers::connect(kind, endpoint, http.clone()) {
            Ok(p) => providers.push(p),
            Err(e) => tracing::warn!("{kind} left out: {e}"),
        }
    }
    let mode = if external.iter().all(Option::is_none) { Mode::Sandbox } else { Mode::Test };
    let profile = if mode == Mode::Sandbox { "embedded sandbox" } else { "environment" };
    let result = crate::tui::run(providers, http.log().clone(), mode, profile, global.read_only).await;
    if let Some(sb) = sandbox {
        sb.shutdown().await;
    }
    result.map_err(|m| failure(ExitCode::Failure, m))
}
