//! Global flags apply to every command or are refused by it: a flag that would be silently
//! ignored (`till completions bash --json`) is a usage error naming the flag and the command.
//!
//! `--profile` and `--read-only` are left out: both can come from the environment
//! (`TILL_PROFILE`, `TILL_READ_ONLY`), which must not make unrelated commands fail, and a
//! read-only flag on a command that writes nothing already holds.

use super::common::{ExitCode, Failure, failure};
use super::{Command, Global, ProfilesCmd, SandboxCmd};

/// The global flags a command honours.
#[derive(Clone, Copy, Default)]
struct Honours {
    provider: bool,
    json: bool,
    urls: bool,
    timeouts: bool,
}

const ALL: Honours = Honours { provider: true, json: true, urls: true, timeouts: true };

/// The commands that print a list, which `--output csv` writes as rows.
fn lists(command: Option<&Command>) -> bool {
    use super::{CheckoutCmd, CustomersCmd, InvoicesCmd, PlansCmd, RequestsCmd, SubscriptionsCmd};
    matches!(
        command,
        Some(
            Command::Customers(CustomersCmd::List { .. })
                | Command::Plans(PlansCmd::List)
                | Command::Subscriptions(SubscriptionsCmd::List { .. })
                | Command::Invoices(InvoicesCmd::List { .. })
                | Command::Entitlements { .. }
                | Command::Checkout(CheckoutCmd::Sessions { .. })
                | Command::Requests(RequestsCmd::List { .. })
                | Command::Audit { .. }
                | Command::Profiles(ProfilesCmd::List)
                | Command::Payments(
                    super::payments::PaymentsCmd::List { .. } | super::payments::PaymentsCmd::Methods { .. }
                )
        )
    )
}

fn honours(command: Option<&Command>) -> (&'static str, Honours) {
    match command {
        // The console takes every flag but prints no JSON.
        None => ("console", Honours { json: false, ..ALL }),
        Some(Command::Console(_)) => ("console", Honours { json: false, ..ALL }),
        Some(Command::Info) => ("info", Honours { json: true, ..Honours::default() }),
        Some(Command::Audit { .. }) => ("audit", Honours { provider: true, json: true, ..Honours::default() }),
        Some(Command::Requests(_)) => ("requests", Honours { provider: true, json: true, ..Honours::default() }),
        Some(Command::Profiles(ProfilesCmd::Add { .. })) => {
            ("profiles add", Honours { provider: true, urls: true, ..Honours::default() })
        }
        Some(Command::Profiles(ProfilesCmd::List)) => ("profiles list", Honours { json: true, ..Honours::default() }),
        Some(Command::Profiles(ProfilesCmd::Remove { .. })) => ("profiles remove", Honours::default()),
        Some(Command::Auth(super::AuthCmd::Status)) => ("auth status", Honours { json: true, ..Honours::default() }),
        Some(Command::Auth(_)) => ("auth", Honours::default()),
        Some(Command::Sandbox(SandboxCmd::Serve(_))) => ("sandbox serve", Honours::default()),
        Some(Command::Completions { .. }) => ("completions", Honours::default()),
        Some(Command::Webhooks(_)) => ("webhooks", Honours { provider: true, json: true, ..Honours::default() }),
        Some(Command::Listen(_)) => ("listen", Honours { provider: true, json: true, ..Honours::default() }),
        Some(_) => ("", ALL),
    }
}

/// The command as typed, for messages ("customers get"): the variant and, for a command
/// group (`Customers(Get { … })`), the subcommand's.
fn command_name(command: Option<&Command>) -> String {
    let debug = command.map(|c| format!("{c:?}")).unwrap_or_default();
    let word = |s: &str| s.chars().take_while(char::is_ascii_alphanumeric).collect::<String>().to_lowercase();
    let first = word(&debug);
    match debug.get(first.len()..).and_then(|rest| rest.strip_prefix('(')) {
        Some(inner) if inner.starts_with(|c: char| c.is_ascii_uppercase()) => format!("{first} {}", word(inner)),
        _ => first,
    }
}

/// Refuses a global flag the command would ignore.
pub fn check(global: &Global, command: Option<&Command>) -> Result<(), Failure> {
    let (name, h) = honours(command);
    let name = if name.is_empty() { command_name(command) } else { name.to_string() };
    let output = global.output;
    let given = [
        ("--provider", global.provider.is_some(), h.provider),
        ("--json", global.json, h.json),
        ("--output json", output == Some(super::table::OutputFormat::Json), h.json),
        ("--output csv", output == Some(super::table::OutputFormat::Csv), lists(command)),
        ("--base-url", global.base_url.is_some(), h.urls),
        ("--edge-url", global.edge_url.is_some(), h.urls),
        ("--connect-timeout", global.connect_timeout.is_some(), h.timeouts),
        ("--timeout", global.timeout.is_some(), h.timeouts),
    ];
    if global.json && output.is_some_and(|o| o != super::table::OutputFormat::Json) {
        return Err(failure(ExitCode::Usage, "--json and --output csv|table contradict each other; keep one"));
    }
    match given.iter().find(|(_, set, honoured)| *set && !*honoured) {
        Some((flag, _, _)) => {
            Err(failure(ExitCode::Usage, format!("{flag} does not apply to `till {name}`; leave it out")))
        }
        None => Ok(()),
    }
}
