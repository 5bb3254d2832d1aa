//! Command-line definitions (clap). Every headless command calls the same provider code as
//! the console; stdout carries only data, everything else goes to stderr.

mod args;
mod checkout;
mod common;
mod console;
mod events_feed;
mod globals;
mod info;
mod listen_sandbox;
mod payments;
mod profiles;
mod progress;
mod requests;
mod run;
mod sandbox_clock;
pub use console::{EmbeddedClock, EmbeddedEvents};
mod stream;
mod table;
mod trigger;
mod webhooks;
mod writes;

use std::path::PathBuf;
use std::time::Duration;

use clap::{Args, Parser, Subcommand};

pub(crate) use args::id_arg;
pub use args::{usage_error, usage_line};
pub use common::ExitCode;
pub use run::run;

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
    /// Leave the mouse to the terminal in the console bare `till` starts (as `till console
    /// --no-mouse` does); refused before any other command.
    #[arg(long)]
    pub no_mouse: bool,
    #[command(subcommand)]
    pub command: Option<Command>,
}

#[derive(Clone, Debug, Args)]
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
    /// How lists are printed: table (default), json (as --json) or csv (RFC 4180, for
    /// spreadsheets; list commands only).
    #[arg(long, global = true, value_enum)]
    pub output: Option<table::OutputFormat>,
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
    /// Refuse every write (checkout, change, cancel, customer create/update). TILL_READ_ONLY
    /// takes 1/0, true/false, yes/no or on/off.
    #[arg(long, global = true, env = "TILL_READ_ONLY", value_parser = clap::builder::BoolishValueParser::new())]
    pub read_only: bool,
    /// Add a customer whose every text field holds terminal escape sequences to each provider of
    /// the sandbox, to check that nothing a provider sends can drive the terminal.
    /// TILL_SANDBOX_HOSTILE takes 1/0, true/false, yes/no or on/off, like TILL_READ_ONLY.
    #[arg(long, global = true, env = "TILL_SANDBOX_HOSTILE", value_parser = clap::builder::BoolishValueParser::new())]
    pub sandbox_hostile: bool,
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
        /// The customer's id at the provider.
        #[arg(long, value_parser = id_arg)]
        customer: String,
    },
    /// Checkout sessions: create one and get its URL, or look one up.
    #[command(subcommand)]
    Checkout(CheckoutCmd),
    /// A customer's invoices (KuvarPay and Zenskar have an invoice API).
    #[command(subcommand)]
    Invoices(InvoicesCmd),
    /// A customer's payments, and refunds (Kelviq orders, Flowglad payments).
    #[command(subcommand)]
    Payments(payments::PaymentsCmd),
    /// A fresh link to the customer's self-service portal (Kelviq, Flowglad, Zenskar).
    Portal {
        /// The customer's id at the provider.
        #[arg(long, value_parser = id_arg)]
        customer: String,
        /// Where the portal sends the customer back to (Zenskar requires one).
        #[arg(long)]
        return_url: Option<String>,
    },
    /// Usage of metered features (Kelviq, Flowglad).
    #[command(subcommand)]
    Usage(payments::UsageCmd),
    /// The audit journal of checkouts, plan changes and cancellations.
    Audit {
        /// Only this customer's actions.
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
    /// Webhook deliveries: check a saved one's signature.
    #[command(subcommand)]
    Webhooks(webhooks::WebhooksCmd),
    /// Receive a provider's webhook deliveries on a local port: check each signature and
    /// timestamp, show it, refuse forgeries, forward valid ones to your app.
    Listen(webhooks::ListenArgs),
    /// Cause an event in the running sandbox with the API calls (and clock moves) that make it
    /// happen: `till trigger invoice.payment_failed -p kelviq`; `till trigger --list`.
    Trigger(trigger::TriggerArgs),
    /// Shell completion script on stdout, e.g. `till completions bash > ~/.local/share/bash-completion/completions/till`.
    Completions {
        /// The shell to complete for.
        #[arg(value_enum)]
        shell: clap_complete::Shell,
    },
}

#[derive(Debug, Subcommand)]
pub enum ProfilesCmd {
    /// Every profile in config.toml.
    List,
    /// Add a profile, or replace one with --replace: `till profiles add NAME --provider P
    /// [--mode live] [--account ID] [--base-url URL] [--edge-url URL] [--read-only] [--replace]`.
    Add {
        /// The profile's name (letters, digits, - and _).
        name: String,
        /// test or live (the console's mode badge).
        #[arg(long, default_value = "test")]
        mode: crate::config::ProfileMode,
        /// KuvarPay business id or Zenskar organisation.
        #[arg(long)]
        account: Option<String>,
        /// Replace a profile of that name whole (flags not given take their defaults: mode
        /// test, not read-only); without it an existing profile is left as it is.
        #[arg(long)]
        replace: bool,
    },
    /// Remove a profile (and its keys from the keyring, when one is reachable).
    Remove {
        /// The profile to remove.
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
    /// Customers, newest first as the provider lists them, or those a search finds.
    List {
        /// Find customers by name, email or id: accents folded and fuzzy, as the console's `/`,
        /// plus the provider's own search where it has one.
        #[arg(long)]
        search: Option<String>,
        /// Stop after this many customers (default 50; a cut list says so on stderr).
        #[arg(long, value_parser = clap::value_parser!(u32).range(1..))]
        limit: Option<u32>,
        /// Fetch every page.
        #[arg(long, conflicts_with = "limit")]
        all: bool,
    },
    /// One customer by id.
    Get {
        /// The customer's id at the provider.
        #[arg(value_parser = id_arg)]
        id: String,
    },
    /// Create a customer.
    Create {
        /// The id to create it under (Flowglad: externalId).
        #[arg(long, value_parser = args::checkout_id_arg)]
        id: String,
        /// Display name.
        #[arg(long, value_parser = args::text_arg)]
        name: Option<String>,
        /// E-mail address.
        #[arg(long, value_parser = args::text_arg)]
        email: Option<String>,
    },
    /// Change a customer's name or email.
    Update {
        /// The customer's id at the provider.
        #[arg(value_parser = id_arg)]
        id: String,
        /// New display name.
        #[arg(long, value_parser = args::text_arg)]
        name: Option<String>,
        /// New e-mail address.
        #[arg(long, value_parser = args::text_arg)]
        email: Option<String>,
    },
}

#[derive(Debug, Subcommand)]
pub enum InvoicesCmd {
    /// The customer's invoices, as the provider lists them.
    List {
        /// The customer's id at the provider.
        #[arg(long, value_parser = id_arg)]
        customer: String,
    },
}

#[derive(Debug, Subcommand)]
pub enum RequestsCmd {
    /// The newest requests first, numbered for `requests show`.
    List {
        /// Show this many (default 20; a cut list says so on stderr).
        #[arg(long)]
        limit: Option<usize>,
        /// Show the whole history.
        #[arg(long, conflicts_with = "limit")]
        all: bool,
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
    /// Every plan with each of its prices (PLAN and NAME are what `--plan` accepts).
    List,
}

#[derive(Debug, Subcommand)]
pub enum SubscriptionsCmd {
    /// A customer's subscriptions.
    List {
        /// The customer's id at the provider.
        #[arg(long, value_parser = id_arg)]
        customer: String,
    },
    /// One subscription by id.
    Get {
        /// The subscription's id at the provider.
        #[arg(value_parser = id_arg)]
        id: String,
    },
    /// Change plan: prints the preview; applies it only with --yes.
    Change {
        /// The subscription to change.
        #[arg(value_parser = id_arg)]
        id: String,
        /// The new plan: its id, slug or name as `till plans list` shows it (a name several
        /// plans share is narrowed by the period and the subscription's currency).
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
        /// Apply the change (re-checked against the preview first).
        #[arg(long, conflicts_with = "preview")]
        yes: bool,
    },
    /// Cancel: prints what happens; applies it only with --yes.
    Cancel {
        /// The subscription to cancel.
        #[arg(value_parser = id_arg)]
        id: String,
        /// immediately, at-period-end or on-date (with --date).
        #[arg(long, default_value = "immediately")]
        timing: String,
        /// The last day for --timing on-date (YYYY-MM-DD, today or later).
        #[arg(long)]
        date: Option<chrono::NaiveDate>,
        /// Apply the cancellation (re-checked against the preview first).
        #[arg(long)]
        yes: bool,
    },
    /// Remove a scheduled cancellation; applies it only with --yes.
    Uncancel {
        /// The subscription whose cancellation to remove.
        #[arg(value_parser = id_arg)]
        id: String,
        /// Apply it (re-checked against the preview first).
        #[arg(long)]
        yes: bool,
    },
    /// Call off a plan change scheduled for later (a downgrade at period end); applies it only
    /// with --yes. Flowglad offers it; the others say they do not.
    CancelChange {
        /// The subscription whose scheduled change to call off.
        #[arg(value_parser = id_arg)]
        id: String,
        /// Apply it (re-checked against the preview first).
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
    /// Create a checkout session and print its URL (validated first, as the console's form).
    Create(Box<CheckoutArgs>),
    /// One checkout session by id.
    Get {
        /// The session's id at the provider.
        #[arg(value_parser = id_arg)]
        id: String,
    },
    /// The provider's checkout sessions, newest first (Kelviq, Flowglad; "not offered" elsewhere).
    Sessions {
        /// How many sessions to list (1-100).
        #[arg(long, default_value_t = 20, value_parser = clap::value_parser!(u32).range(1..=100))]
        limit: u32,
    },
}

/// Fields of a checkout session; each provider reads the ones its API defines.
#[derive(Debug, Args)]
pub struct CheckoutArgs {
    /// Plan: its id, slug or name as `till plans list` shows it (a name several plans share is
    /// narrowed by --period and --currency).
    #[arg(long, default_value = "", value_parser = args::checkout_plan_arg)]
    pub plan: String,
    /// ONE_TIME, MONTHLY, THREE_MONTHS, SIX_MONTHS, YEARLY (DAILY, WEEKLY, TWENTY_EIGHT_DAYS where enabled).
    #[arg(long, value_parser = parse_period)]
    pub period: Option<ChargePeriod>,
    /// A specific price (Flowglad price id or slug, KuvarPay price uid).
    #[arg(long, value_parser = args::checkout_id_arg)]
    pub price: Option<String>,
    /// How many of the price to sell (a whole number, at least 1).
    #[arg(long)]
    pub quantity: Option<String>,
    /// The customer's id at the provider (Flowglad: externalId; KuvarPay: the e-mail).
    #[arg(long, value_parser = args::checkout_id_arg)]
    pub customer: Option<String>,
    /// The customer's e-mail (KuvarPay needs one, or --customer).
    #[arg(long)]
    pub customer_email: Option<String>,
    /// The customer's first name (KuvarPay).
    #[arg(long, value_parser = args::text_arg)]
    pub first_name: Option<String>,
    /// The customer's last name (KuvarPay).
    #[arg(long, value_parser = args::text_arg)]
    pub last_name: Option<String>,
    /// Where the provider sends the customer after paying (absolute http(s) URL).
    #[arg(long, default_value = "https://example.com/thanks")]
    pub success_url: String,
    /// Where the provider sends the customer who cancels (absolute http(s) URL).
    #[arg(long)]
    pub cancel_url: Option<String>,
    /// Feature or product quantity as identifier=quantity, e.g. --feature seats=5 (repeatable).
    #[arg(long = "feature", value_parser = parse_feature)]
    pub features: Vec<(String, u32)>,
    /// ISO 4217 currency code, e.g. USD (KuvarPay: the target currency).
    #[arg(long)]
    pub currency: Option<String>,
    /// The buyer's IPv4 or IPv6 address (Kelviq uses it for tax and currency).
    #[arg(long)]
    pub ip: Option<String>,
    /// Zenskar: contract start (YYYY-MM-DD).
    #[arg(long)]
    pub start_date: Option<String>,
    /// Zenskar: contract end (YYYY-MM-DD), after the start; empty for evergreen.
    #[arg(long)]
    pub end_date: Option<String>,
    /// Zenskar: business entity for a guest checkout.
    #[arg(long, value_parser = args::checkout_id_arg)]
    pub business_entity: Option<String>,
    /// Zenskar: when the session stops taking payment (RFC 3339, e.g. 2026-12-01T00:00:00Z, or
    /// YYYY-MM-DD for the end of that day UTC).
    #[arg(long)]
    pub expires_at: Option<String>,
    /// Zenskar: a product to switch off in this checkout (repeatable).
    #[arg(long = "disable-product", value_parser = args::checkout_id_arg)]
    pub disabled_products: Vec<String>,
    /// KuvarPay: FIXED or METERED.
    #[arg(long)]
    pub billing_mode: Option<String>,
    /// KuvarPay: amount to charge in --currency, e.g. 25000.00.
    #[arg(long)]
    pub target_amount: Option<String>,
    /// Flowglad: purchase (default), activate-subscription or add-payment-method (the
    /// snake_case spellings are accepted too).
    #[arg(long = "type", default_value = "purchase")]
    pub kind: String,
    /// Flowglad: the subscription an activate/add-payment-method session is for.
    #[arg(long, value_parser = args::checkout_id_arg)]
    pub subscription: Option<String>,
    /// Flowglad: keep the billing date of the customer's renewing subscription (bare flag = true).
    #[arg(long, num_args = 0..=1, default_missing_value = "true")]
    pub preserve_billing_cycle_anchor: Option<bool>,
    /// Flowglad: the name of the subscription or purchase the checkout creates.
    #[arg(long, value_parser = args::text_arg)]
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

#[derive(Clone, Debug, Args, Default)]
pub struct ConsoleArgs {
    /// Generate this many extra customers in the embedded sandbox (per provider, at most 1,000,000).
    #[arg(long, default_value_t = 0, value_parser = parse_customer_count)]
    pub sandbox_customers: usize,
    /// Seed for the generated customers.
    #[arg(long, default_value_t = 1)]
    pub sandbox_seed: u64,
    /// Delay every embedded-sandbox response, e.g. 2s, to feel a slow provider.
    #[arg(long, value_parser = parse_duration)]
    pub sandbox_latency: Option<Duration>,
    /// Injected faults for the embedded sandbox (same syntax as `sandbox serve --faults`).
    #[arg(long, value_parser = crate::sandbox::faults::FaultSpec::parse)]
    pub sandbox_faults: Option<crate::sandbox::faults::FaultSpec>,
    /// Serve the embedded sandbox on this loopback port and record it, so `till sandbox clock`
    /// finds it (default: any free port, unrecorded).
    #[arg(long)]
    pub sandbox_port: Option<u16>,
    /// Leave the mouse to the terminal (text selection works; no clicks or wheel in the
    /// console). `mouse = false` in config.toml does the same for every start.
    #[arg(long)]
    pub no_mouse: bool,
}

#[derive(Debug, Subcommand)]
pub enum SandboxCmd {
    /// Serve the emulated providers until interrupted.
    Serve(ServeArgs),
    /// Show the running sandbox's clock, or move it forward: `advance 1M`, `set 2027-03-01T00:00Z`.
    Clock(sandbox_clock::ClockArgs),
}

#[derive(Debug, Args)]
pub struct ServeArgs {
    /// The loopback port to listen on (0: any free port).
    #[arg(long, default_value_t = 4010)]
    pub port: u16,
    /// Generate this many extra customers (deterministic for a given --seed; at most 1,000,000).
    #[arg(long, default_value_t = 0, value_parser = parse_customer_count)]
    pub customers: usize,
    /// Generate them for this provider only (kelviq, flowglad, kuvarpay, zenskar); default: all four.
    #[arg(long, value_parser = parse_provider)]
    pub customers_on: Option<ProviderKind>,
    /// Seed for the generated customers.
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

/// A `--customers` count within the sandbox's documented bound.
fn parse_customer_count(s: &str) -> Result<usize, String> {
    let max = crate::sandbox::MAX_GENERATED_CUSTOMERS;
    match s.trim().parse::<usize>() {
        Ok(n) if n <= max => Ok(n),
        Ok(n) => Err(format!("{n} customers is more than the sandbox generates (at most {max})")),
        Err(_) => Err(format!("{s:?} is not a number of customers (0 to {max})")),
    }
}

fn parse_provider(s: &str) -> Result<ProviderKind, String> {
    s.parse().map_err(|e: crate::billing::model::UnknownProvider| e.to_string())
}

fn parse_period(s: &str) -> Result<ChargePeriod, String> {
    ChargePeriod::parse(s).map_err(|e| e.to_string())
}

/// `5s`, `500ms`, `2m`, or a bare number of milliseconds; overflow is an error.
fn parse_duration(s: &str) -> Result<Duration, String> {
    crate::util::duration::parse(s)
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
mod tests;
