//! Starting the interactive console: which providers, where they live, where logs go.

use std::sync::Arc;

use super::common::{ExitCode, Failure, failure};
use super::{Command, ConsoleArgs, Global};
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
    crate::util::files::private_parent(&path).ok()?;
    let file = crate::util::files::open_private_append(&path).ok()?;
    let filter = tracing_subscriber::EnvFilter::try_from_env("TILL_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    let _ = tracing_subscriber::fmt()
        .with_writer(std::sync::Mutex::new(file))
        .with_ansi(false)
        .with_env_filter(filter)
        .try_init();
    Some(path)
}

/// Where till keeps things, as text or (with `--json`) one object of the same fields.
pub fn info(global: &Global) -> Result<(), Failure> {
    let data_dir = crate::util::data_dir()
        .ok_or_else(|| failure(ExitCode::Failure, "no home directory to keep files in (set TILL_DATA_DIR)"))?;
    let path = |p: Option<std::path::PathBuf>| p.map(|p| p.display().to_string());
    let profile = super::profiles::active(global)?;
    // A config file that cannot be read is reported by the commands that need it.
    let profiles = super::profiles::configured().unwrap_or_default();
    let hosts = super::info::lines(global, &profiles);
    let mouse = profiles.mouse();
    let info = serde_json::json!({
        "version": env!("CARGO_PKG_VERSION"),
        "config_file": path(config::profiles::config_path()),
        "data_dir": data_dir.display().to_string(),
        "audit_file": path(crate::audit::default_path()),
        "requests_file": path(crate::providers::log::history_path()),
        "log_file": path(log_path()),
        "profile": profile.as_ref().map(|a| serde_json::json!({
            "name": a.name, "provider": a.profile.provider.slug(), "mode": a.profile.mode.label(),
        })),
        "hosts": hosts,
        "mouse": mouse,
    });
    super::common::emit(global.json, &info, || {
        let shown = |p: Option<std::path::PathBuf>| p.map_or_else(|| "(none)".into(), |p| p.display().to_string());
        let mut text = format!("version     {}\n", env!("CARGO_PKG_VERSION"));
        text += &format!("config file {}\n", shown(config::profiles::config_path()));
        text += &format!("data dir    {}\n", data_dir.display());
        text += &format!("audit file  {}\n", shown(crate::audit::default_path()));
        text += &format!("requests    {}\n", shown(crate::providers::log::history_path()));
        text += &format!("log file    {}\n", shown(log_path()));
        text += &match &profile {
            Some(a) => format!("profile     {} ({}, {})\n", a.name, a.profile.provider.slug(), a.profile.mode.label()),
            None => "profile     (none: the embedded sandbox)\n".to_string(),
        };
        text += if mouse {
            "mouse       on in the console (--no-mouse or mouse = false in config.toml turns it off)\n"
        } else {
            "mouse       off (mouse = false in config.toml)\n"
        };
        if !hosts.is_empty() {
            text += "hosts (per profile: core and edge host, each host's mode, the key's mode)\n";
            hosts.iter().for_each(|l| text += &format!("{l}\n"));
        }
        text
    })
}

/// Without a profile: SANDBOX when nothing points away from it; LIVE when a key says so
/// (Flowglad's `sk_live_`), else TEST.
fn env_mode(external: &[Option<crate::providers::Endpoint>]) -> Mode {
    let kinds = ProviderKind::ALL.into_iter().zip(external);
    if external.iter().all(Option::is_none) {
        Mode::Sandbox
    } else if kinds.filter_map(|(k, e)| Some((k, e.as_ref()?))).any(|(k, e)| key_says_live(k, e)) {
        Mode::Live
    } else {
        Mode::Test
    }
}

fn key_says_live(kind: ProviderKind, endpoint: &crate::providers::Endpoint) -> bool {
    kind == ProviderKind::Flowglad && endpoint.key.expose().starts_with("sk_live_")
}

fn badge(mode: config::ProfileMode) -> Mode {
    match mode {
        config::ProfileMode::Test => Mode::Test,
        config::ProfileMode::Live => Mode::Live,
    }
}

/// The console on one profile's account: that provider only, its mode on the badge.
async fn run_profile(global: &Global, active: super::profiles::Active, http: Http, mouse: bool) -> Result<(), Failure> {
    let endpoint = super::profiles::endpoint(&active, global, &crate::secrets::platform_store)?;
    super::profiles::apply_limit(&active, &http);
    let provider = providers::connect(active.profile.provider, endpoint, http.clone())?;
    let read_only = global.read_only || active.profile.read_only;
    let mode = badge(active.profile.mode);
    let result = crate::tui::run(vec![provider], http.log().clone(), mode, &active.name, read_only, mouse, None).await;
    keep_history(&http);
    result.map_err(|m| failure(ExitCode::Failure, m))
}

pub async fn run(global: &Global, args: ConsoleArgs) -> Result<(), Failure> {
    let log_file = init_logging();
    tracing::info!("console starting; log file {:?}", log_file);
    let http = Http::new(config::http_config(global.connect_timeout, global.timeout))
        .map_err(|m| failure(ExitCode::Failure, m))?
        .keeping_full_bodies(crate::providers::log::CONSOLE_FULL_BODIES);
    let mouse = mouse_wanted(&args);
    if let Some(active) = super::profiles::active(global)? {
        return run_profile(global, active, http, mouse).await;
    }
    let lookup = |k: &str| std::env::var(k).ok();
    let mut external = Vec::new();
    for kind in ProviderKind::ALL {
        // Flags name one provider (--provider); the environment can point any of them away.
        let overrides = if kind == global.provider_or_default() {
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
            hostile: global.sandbox_hostile,
            port: args.sandbox_port.unwrap_or(0),
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
    // Only a sandbox on a chosen port is recorded: it is the one meant for other tools.
    let _recorded = match (&sandbox, args.sandbox_port) {
        (Some(sb), Some(_)) => super::sandbox_clock::record(&sb.base_url(), sb.admin_token()),
        _ => None,
    };
    let mode = env_mode(&external);
    let profile = if mode == Mode::Sandbox { "embedded sandbox" } else { "environment" };
    let embedded = sandbox.as_ref().map(|sb| crate::tui::EmbeddedSandbox {
        clock: Arc::new(EmbeddedClock(sb.state().clone())),
        events: Arc::new(EmbeddedEvents(sb.state().webhooks.clone())),
    });
    let result = crate::tui::run(providers, http.log().clone(), mode, profile, global.read_only, mouse, embedded).await;
    keep_history(&http);
    if let Some(sb) = sandbox {
        sb.shutdown().await;
    }
    result.map_err(|m| failure(ExitCode::Failure, m))
}

/// The embedded sandbox's clock, as the console's `:clock` reads and moves it.
pub struct EmbeddedClock(pub crate::sandbox::AppState);

impl crate::tui::sandbox_clock::SandboxClock for EmbeddedClock {
    fn read(&self) -> (chrono::DateTime<chrono::Utc>, chrono::Duration) {
        (self.0.clock.now(), self.0.clock.offset())
    }

    fn target(&self, text: &str) -> Result<chrono::DateTime<chrono::Utc>, String> {
        use crate::sandbox::clock::{Step, parse_time};
        match text.trim().strip_prefix('+') {
            Some(step) => Step::parse(step).and_then(|s| s.after(self.0.clock.now())),
            None => parse_time(text.trim()),
        }
        .map_err(|e| e.to_string())
    }

    fn move_to(&self, to: chrono::DateTime<chrono::Utc>) -> Result<Vec<ProviderKind>, String> {
        let happened = self.0.move_clock_to(to).map_err(|e| e.to_string())?;
        Ok(happened.into_iter().map(|h| h.provider).collect())
    }

    fn moves(&self) -> tokio::sync::watch::Receiver<Vec<ProviderKind>> {
        self.0.clock.moves()
    }
}

/// The embedded sandbox's events and deliveries, as the console's Events view reads them.
pub struct EmbeddedEvents(pub crate::sandbox::events::Webhooks);

impl crate::tui::sandbox_events::SandboxEvents for EmbeddedEvents {
    fn recent(&self, limit: usize) -> crate::tui::sandbox_events::EventsRead {
        super::events_feed::recent(&self.0, limit)
    }

    fn changes(&self) -> tokio::sync::watch::Receiver<u64> {
        self.0.changes()
    }

    fn redeliver(&self, seq: u64) -> Result<Vec<String>, String> {
        self.0.redeliver(seq, None)
    }
}

/// Mouse capture: on, unless `--no-mouse` or `mouse = false` in config.toml. A config file
/// that cannot be read leaves it on (the profile commands report the file's fault).
fn mouse_wanted(args: &ConsoleArgs) -> bool {
    mouse_on(args, super::profiles::configured().map_or(true, |f| f.mouse()))
}

/// The decision itself: `--no-mouse` wins, else the config file's `mouse`.
fn mouse_on(args: &ConsoleArgs, configured: bool) -> bool {
    !args.no_mouse && configured
}

/// The console's arguments when the command line starts the console (else `None`). Bare
/// `till` is the console, so `till --no-mouse` turns the mouse off as `till console
/// --no-mouse` does; before any other command the flag would do nothing, so it is refused.
pub fn console_args(no_mouse: bool, command: Option<&Command>) -> Result<Option<ConsoleArgs>, Failure> {
    match command {
        None => Ok(Some(ConsoleArgs { no_mouse, ..ConsoleArgs::default() })),
        Some(Command::Console(args)) => Ok(Some(ConsoleArgs { no_mouse: no_mouse || args.no_mouse, ..args.clone() })),
        Some(_) if no_mouse => Err(failure(
            ExitCode::Usage,
            "--no-mouse is for the console: `till --no-mouse` or `till console --no-mouse`",
        )),
        Some(_) => Ok(None),
    }
}

/// The session's requests join the history `till requests` reads; the terminal is restored by
/// now, so a warning can go to stderr.
fn keep_history(http: &Http) {
    if let Err(e) = super::requests::record(http.log()) {
        eprintln!("till: warning: request history not saved: {}", crate::text::line(&e));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::providers::{Endpoint, Secret};

    fn endpoint(key: &str) -> Option<Endpoint> {
        let base_url = url::Url::parse("http://127.0.0.1:9/").ok()?;
        Some(Endpoint { base_url, edge_url: None, key: Secret::new(key), client_key: None, account: None })
    }

    #[test]
    fn no_mouse_reaches_the_console_from_bare_till_and_from_console_and_is_refused_elsewhere() {
        use clap::Parser;
        let args = |line: &[&str]| {
            let cli = crate::cli::Cli::try_parse_from(line).map_err(|e| e.to_string())?;
            console_args(cli.no_mouse, cli.command.as_ref()).map_err(|f| format!("{:?}: {}", f.code, f.message))
        };
        for line in
            [&["till", "--no-mouse"][..], &["till", "console", "--no-mouse"], &["till", "--no-mouse", "console"]]
        {
            let console = args(line).unwrap().unwrap();
            assert!(!mouse_on(&console, true), "{line:?}: the mouse stays off");
        }
        let console = args(&["till"]).unwrap().unwrap();
        assert!(mouse_on(&console, true), "on by default");
        assert!(!mouse_on(&console, false), "mouse = false in config.toml");
        let kept = args(&["till", "--no-mouse", "console", "--sandbox-customers", "5"]).unwrap().unwrap();
        assert_eq!(kept.sandbox_customers, 5, "the console's other flags are kept");
        assert!(args(&["till", "plans", "list"]).unwrap().is_none(), "not the console");
        let refused = args(&["till", "--no-mouse", "plans", "list"]).unwrap_err();
        assert!(refused.starts_with("Usage") && refused.contains("--no-mouse"), "{refused}");
    }

    #[test]
    fn badge_comes_from_the_profile_or_the_key() {
        assert_eq!(badge(config::ProfileMode::Live), Mode::Live);
        assert_eq!(badge(config::ProfileMode::Test), Mode::Test);
        assert_eq!(env_mode(&[None, None, None, None]), Mode::Sandbox);
        // ProviderKind::ALL order: Kelviq, Flowglad, KuvarPay, Zenskar.
        assert_eq!(ProviderKind::ALL[1], ProviderKind::Flowglad);
        assert_eq!(env_mode(&[None, endpoint("sk_test_1"), None, None]), Mode::Test);
        assert_eq!(env_mode(&[None, endpoint("sk_live_1"), None, None]), Mode::Live);
        // Only Flowglad's keys encode the mode.
        assert_eq!(env_mode(&[endpoint("sk_live_1"), None, None, None]), Mode::Test);
    }
}
