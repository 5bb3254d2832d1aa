//! Command-line definitions (clap). Every headless command calls the same provider code as
//! the console; stdout carries only data, everything else goes to stderr.

mod checkout;
mod console;
mod info;
mod profiles;
mod requests;
mod run;
mod table;
mod writes;

use std::path::PathBuf;
use std::time::Duration;

use clap::{Args, Parser, Subcommand};

pub use run::{ExitCode, run};

use crate::billing::{ChargePeriod, ProviderKind};

#[derive(Debug, Parser)]
#[command(
    name = "till",
    version,
    about = "A keyboard-driven billing console for Kelviq, Flowglad, KuvarPay and Zenskar."
)]
pub struct Cli {
    #[command(flatten)]
    pub global: Global,
    #[command(subcommand)]
    pub command: Option<Command>,
}

#[derive(Debug, Args)]
pub struct Global {
    /// A named profile from config.toml (provider, mode, URLs, account; key from the keyring
    /// or TILL_<PROFILE>_KEY). Without one, till runs on the embedded sandbox.
    #[arg(long, global = true, env = "TILL_PROFILE")]
    pub profile: Option<String>,
    /// Provider for headless commands, Kelviq when not given (a profile's provider wins).
    #[arg(long, short = 'p', global = true, value_parser = parse_provider)]
    pub provider: Option<ProviderKind>,
    /// Print JSON instead of a table.
    #[arg(long, global = true)]
    pub json: bool,
    /// Base URL of the provider's API (else TILL_<PROVIDER>_BASE_URL, else the embedded sandbox).
    #[arg(long, global = true)]
    pub base_url: Option<String>,
    /// Kelviq's edge host for entitlements (else TILL_KELVIQ_EDGE_URL).
    #[arg(long, global = true)]
    pub edge_url: Option<String>,
    /// Connect timeout, e.g. 5s or 500ms.
    #[arg(long, global = true, value_parser = parse_duration)]
    pub connect_timeout: Option<Duration>,
    /// Per-request timeout, e.g. 30s.
    #[arg(long, global = true, value_parser = parse_duration)]
    pub timeout: Option<Duration>,
    /// Refuse every write (checkout, change, cancel, customer create/update).
    #[arg(long, global = true, env = "TILL_READ_ONLY")]
    pub read_only: bool,
}

impl Global {
    /// The provider headless commands and flags address: `--provider`, else Kelviq.
    pub fn provider_or_default(&self) -> ProviderKind {
        self.provider.unwrap_or(ProviderKind::Kelviq)
    }
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// The interactive console (the default when no command is given).
    Console(ConsoleArgs),
    /// Where till keeps its config, data and log file.
    Info,
    /// Customers: list, get, create.
    #[command(subcommand)]
    Customers(CustomersCmd),
    /// The plan catalog with prices.
    #[command(subcommand)]
    Plans(PlansCmd),
    /// A customer's subscriptions.
    #[command(subcommand)]
    Subscriptions(SubscriptionsCmd),
    /// A customer's entitlements (feature access, meters, values).
    Entitlements {
        #[arg(long)]
        customer: String,
    },
    /// Checkout sessions: create one and get its URL, or look one up.
    #[command(subcommand)]
    Checkout(CheckoutCmd),
    /// A customer's invoices (KuvarPay and Zenskar have an invoice API).
    #[command(subcommand)]
    Invoices(InvoicesCmd),
    /// The audit journal of checkouts, plan changes and cancellations.
    Audit {
        #[arg(long)]
        customer: Option<String>,
    },
    /// The request history of past commands and console sessions (redacted), with curl.
    #[command(subcommand)]
    Requests(RequestsCmd),
    /// Named profiles in config.toml: list, add, remove.
    #[command(subcommand)]
    Profiles(ProfilesCmd),
    /// API keys in the OS keyring: login, status, logout.
    #[command(subcommand)]
    Auth(AuthCmd),
    /// Run the sandbox on its own, for pointing other tools at it.
    #[command(subcommand)]
    Sandbox(SandboxCmd),
    /// Shell completion script on stdout, e.g. `till completions bash > ~/.local/share/bash-completion/completions/till`.
    Completions {
        #[arg(value_enum)]
        shell: clap_complete::Shell,
    },
}

#[derive(Debug, Subcommand)]
pub enum ProfilesCmd {
    List,
    /// Add or replace a profile: `till profiles add NAME --provider P [--mode live] [--account ID]
    /// [--base-url URL] [--edge-url URL] [--read-only]`.
    Add {
        name: String,
        /// test or live (the console's mode badge).
        #[arg(long, default_value = "test")]
        mode: crate::config::ProfileMode,
        /// KuvarPay business id or Zenskar organisation.
        #[arg(long)]
        account: Option<String>,
    },
    /// Remove a profile (and its keys from the keyring, when one is reachable).
    Remove {
        name: String,
    },
}

#[derive(Debug, Subcommand)]
pub enum AuthCmd {
    /// Store the --profile's key in the OS keyring (read without echo, or from stdin).
    Login {
        /// Read one line from stdin (the default when stdin is not a terminal).
        #[arg(long)]
        stdin: bool,
        /// Store Kelviq's optional client key (for the edge host) instead of the server key.
        #[arg(long)]
        client_key: bool,
    },
    /// Where each profile's key comes from (keyring, environment variable or none), never the key.
    Status,
    /// Remove the --profile's keys from the OS keyring.
    Logout,
}

#[derive(Debug, Subcommand)]
pub enum CustomersCmd {
    List {
        /// Provider-side search (name, email or id).
        #[arg(long)]
        search: Option<String>,
        /// Stop after this many customers.
        #[arg(long, default_value_t = 50, value_parser = clap::value_parser!(u32).range(1..))]
        limit: u32,
        /// Fetch every page.
        #[arg(long, conflicts_with = "limit")]
        all: bool,
    },
    Get {
        id: String,
    },
    Create {
        #[arg(long)]
        id: String,
        #[arg(long)]
        name: Option<String>,
        #[arg(long)]
        email: Option<String>,
    },
    /// Change a customer's name or email.
    Update {
        id: String,
        #[arg(long)]
        name: Option<String>,
        #[arg(long)]
        email: Option<String>,
    },
}

#[derive(Debug, Subcommand)]
pub enum InvoicesCmd {
    List {
        #[arg(long)]
        customer: String,
    },
}

#[derive(Debug, Subcommand)]
pub enum RequestsCmd {
    /// The newest requests first, numbered for `requests show`.
    List {
        #[arg(long, default_value_t = 20)]
        limit: usize,
    },
    /// One request in full: headers and bodies (keys read `[redacted]`).
    Show {
        /// The number from `requests list` (1 = newest).
        number: usize,
        /// Print a curl command that repeats it (the key from `$TILL_<PROFILE>_KEY` under a profile, else `$TILL_<PROVIDER>_KEY`).
        #[arg(long)]
        curl: bool,
    },
}

#[derive(Debug, Subcommand)]
pub enum PlansCmd {
    List,
}

#[derive(Debug, Subcommand)]
pub enum SubscriptionsCmd {
    List {
        #[arg(long)]
        customer: String,
    },
    Get {
        id: String,
    },
    /// Change plan: prints the preview; applies it only with --yes.
    Change {
        id: String,
        #[arg(long)]
        plan: String,
        /// Charge period (default: the subscription's own).
        #[arg(long, value_parser = parse_period)]
        period: Option<ChargePeriod>,
        /// immediately, at-period-end or auto (what the provider allows).
        #[arg(long, default_value = "immediately", value_parser = parse_change_timing)]
        timing: crate::billing::ChangeTiming,
        /// Only print the preview (the default without --yes).
        #[arg(long)]
        preview: bool,
        #[arg(long, conflicts_with = "preview")]
        yes: bool,
    },
    /// Cancel: prints what happens; applies it only with --yes.
    Cancel {
        id: String,
        /// immediately, at-period-end or on-date (with --date).
        #[arg(long, default_value = "immediately")]
        timing: String,
        #[arg(long)]
        date: Option<chrono::NaiveDate>,
        #[arg(long)]
        yes: bool,
    },
    /// Remove a scheduled cancellation; applies it only with --yes.
    Uncancel {
        id: String,
        #[arg(long)]
        yes: bool,
    },
}

fn parse_change_timing(s: &str) -> Result<crate::billing::ChangeTiming, String> {
    match s {
        "immediately" | "now" => Ok(crate::billing::ChangeTiming::Immediately),
        "at-period-end" | "period-end" => Ok(crate::billing::ChangeTiming::AtPeriodEnd),
        "auto" => Ok(crate::billing::ChangeTiming::Auto),
        other => Err(format!("{other:?} is not one of immediately, at-period-end, auto")),
    }
}

#[derive(Debug, Subcommand)]
pub enum CheckoutCmd {
    Create(Box<CheckoutArgs>),
    Get { id: String },
}

/// Fields of a checkout session; each provider reads the ones its API defines.
#[derive(Debug, Args)]
pub struct CheckoutArgs {
    /// Plan (Kelviq plan identifier, Flowglad product slug, KuvarPay plan uid, Zenskar plan id).
    #[arg(long, default_value = "")]
    pub plan: String,
    /// ONE_TIME, MONTHLY, THREE_MONTHS, SIX_MONTHS, YEARLY (DAILY, WEEKLY, TWENTY_EIGHT_DAYS where enabled).
    #[arg(long, value_parser = parse_period)]
    pub period: Option<ChargePeriod>,
    /// A specific price (Flowglad price id or slug, KuvarPay price uid).
    #[arg(long)]
    pub price: Option<String>,
    #[arg(long, value_parser = clap::value_parser!(u32).range(1..))]
    pub quantity: Option<u32>,
    #[arg(long)]
    pub customer: Option<String>,
    #[arg(long)]
    pub customer_email: Option<String>,
    #[arg(long)]
    pub first_name: Option<String>,
    #[arg(long)]
    pub last_name: Option<String>,
    #[arg(long, default_value = "https://example.com/thanks")]
    pub success_url: String,
    #[arg(long)]
    pub cancel_url: Option<String>,
    /// Feature or product quantity as identifier=quantity, e.g. --feature seats=5 (repeatable).
    #[arg(long = "feature", value_parser = parse_feature)]
    pub features: Vec<(String, u32)>,
    #[arg(long)]
    pub currency: Option<String>,
    #[arg(long)]
    pub ip: Option<std::net::IpAddr>,
    /// Zenskar: contract start and end (YYYY-MM-DD).
    #[arg(long)]
    pub start_date: Option<chrono::NaiveDate>,
    #[arg(long)]
    pub end_date: Option<chrono::NaiveDate>,
    /// Zenskar: business entity for a guest checkout.
    #[arg(long)]
    pub business_entity: Option<String>,
    /// Zenskar: when the session stops taking payment (RFC 3339, e.g. 2026-12-01T00:00:00Z).
    #[arg(long)]
    pub expires_at: Option<chrono::DateTime<chrono::Utc>>,
    /// Zenskar: a product to switch off in this checkout (repeatable).
    #[arg(long = "disable-product")]
    pub disabled_products: Vec<String>,
    /// KuvarPay: FIXED or METERED.
    #[arg(long)]
    pub billing_mode: Option<String>,
    /// KuvarPay: amount to charge in --currency, e.g. 25000.00.
    #[arg(long)]
    pub target_amount: Option<String>,
    /// Flowglad: purchase (default), activate-subscription or add-payment-method.
    #[arg(long = "type", default_value = "purchase")]
    pub kind: String,
    /// Flowglad: the subscription an activate/add-payment-method session is for.
    #[arg(long)]
    pub subscription: Option<String>,
    /// Flowglad: keep the billing date of the customer's renewing subscription (bare flag = true).
    #[arg(long, num_args = 0..=1, default_missing_value = "true")]
    pub preserve_billing_cycle_anchor: Option<bool>,
    /// Flowglad: the name of the subscription or purchase the checkout creates.
    #[arg(long)]
    pub output_name: Option<String>,
    /// Metadata as key=value (repeatable).
    #[arg(long = "metadata", value_parser = parse_pair)]
    pub metadata: Vec<(String, String)>,
    /// Print the request body and a curl command instead of sending.
    #[arg(long)]
    pub dry_run: bool,
}

fn parse_pair(s: &str) -> Result<(String, String), String> {
    let (k, v) = s.split_once('=').ok_or_else(|| format!("{s:?} should look like key=value"))?;
    Ok((k.trim().to_string(), v.to_string()))
}

#[derive(Debug, Args, Default)]
pub struct ConsoleArgs {
    /// Generate this many extra customers in the embedded sandbox (per provider).
    #[arg(long, default_value_t = 0)]
    pub sandbox_customers: usize,
    #[arg(long, default_value_t = 1)]
    pub sandbox_seed: u64,
    /// Delay every embedded-sandbox response, e.g. 2s, to feel a slow provider.
    #[arg(long, value_parser = parse_duration)]
    pub sandbox_latency: Option<Duration>,
    /// Injected faults for the embedded sandbox (same syntax as `sandbox serve --faults`).
    #[arg(long, value_parser = crate::sandbox::faults::FaultSpec::parse)]
    pub sandbox_faults: Option<crate::sandbox::faults::FaultSpec>,
}

#[derive(Debug, Subcommand)]
pub enum SandboxCmd {
    /// Serve the emulated providers until interrupted.
    Serve(ServeArgs),
}

#[derive(Debug, Args)]
pub struct ServeArgs {
    #[arg(long, default_value_t = 4010)]
    pub port: u16,
    /// Generate this many extra customers (deterministic for a given --seed).
    #[arg(long, default_value_t = 0)]
    pub customers: usize,
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    /// Delay every response, e.g. 200 (milliseconds) or 2s.
    #[arg(long, value_parser = parse_duration, default_value = "0ms")]
    pub latency: Duration,
    /// Directory with <provider>.json seed files to use instead of the built-in data.
    #[arg(long)]
    pub data: Option<PathBuf>,
    /// Injected faults, e.g. 'kelviq=latency=2s,error=30%;*=ratelimit=5%:1s' (README: Fault injection).
    #[arg(long, value_parser = crate::sandbox::faults::FaultSpec::parse)]
    pub faults: Option<crate::sandbox::faults::FaultSpec>,
}

fn parse_provider(s: &str) -> Result<ProviderKind, String> {
    s.parse().map_err(|e: crate::billing::model::UnknownProvider| e.to_string())
}

fn parse_period(s: &str) -> Result<ChargePeriod, String> {
    ChargePeriod::parse(s).map_err(|e| e.to_string())
}

/// `5s`, `500ms`, `2m`, or a bare number of milliseconds.
pub fn parse_duration(s: &str) -> Result<Duration, String> {
    let t = s.trim();
    let (number, unit) = t.find(|c: char| !c.is_ascii_digit()).map_or((t, "ms"), |i| (&t[..i], &t[i..]));
    let n: u64 = number.parse().map_err(|_| format!("{s:?} is not a duration (try 500ms, 5s or 2m)"))?;
    match unit {
        "ms" => Ok(Duration::from_millis(n)),
        "s" => Ok(Duration::from_secs(n)),
        "m" => Ok(Duration::from_secs(n * 60)),
        _ => Err(format!("{s:?} has an unknown unit {unit:?} (use ms, s or m)")),
    }
}

fn parse_feature(s: &str) -> Result<(String, u32), String> {
    let (id, qty) =
        s.split_once('=').ok_or_else(|| format!("{s:?} should look like identifier=quantity, e.g. seats=5"))?;
    let qty: u32 = qty
        .trim()
        .parse()
        .ok()
        .filter(|q| *q >= 1)
        .ok_or_else(|| format!("quantity in {s:?} must be a positive whole number"))?;
    if id.trim().is_empty() {
        return Err(format!("{s:?} has no feature identifier"));
    }
    Ok((id.trim().to_string(), qty))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_and_features_parse_or_explain() {
        assert_eq!(parse_duration("250").unwrap(), Duration::from_millis(250));
        assert_eq!(parse_duration("2s").unwrap(), Duration::from_secs(2));
        assert!(parse_duration("2h").unwrap_err().contains("unknown unit"));
        assert!(parse_duration("fast").unwrap_err().contains("not a duration"));
        assert_eq!(parse_feature("seats=5").unwrap(), ("seats".into(), 5));
        assert!(parse_feature("seats=0").unwrap_err().contains("positive"));
        assert!(parse_feature("seats").unwrap_err().contains("identifier=quantity"));
    }

    #[test]
    fn cli_definition_is_consistent() {
        use clap::CommandFactory;
        Cli::command().debug_assert();
    }
}
