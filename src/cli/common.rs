//! What every CLI command shares: exit codes, failures, output (tables or JSON, sanitised),
//! and the connection to a provider. A leaf of `cli`: the commands import it, it imports none.

use std::io::Write;
use std::sync::Arc;

use crate::billing::ProviderKind;
use crate::ops;
use crate::providers::{BillingProvider, ProviderError};
use crate::sandbox::SandboxHandle;

/// Documented exit codes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ExitCode {
    Ok = 0,
    Failure = 1,
    Usage = 2,
    Provider = 3,
    Auth = 4,
    Validation = 5,
}

impl ExitCode {
    pub fn for_error(e: &ProviderError) -> ExitCode {
        ExitCode::for_kind(ops::kind_of(e))
    }

    /// The documented code for each kind of operation failure (README: Exit codes).
    pub fn for_kind(kind: ops::ErrorKind) -> ExitCode {
        match kind {
            ops::ErrorKind::Usage => ExitCode::Usage,
            ops::ErrorKind::NotFound | ops::ErrorKind::Unavailable => ExitCode::Provider,
            ops::ErrorKind::Auth => ExitCode::Auth,
            ops::ErrorKind::Rejected => ExitCode::Validation,
            ops::ErrorKind::Other => ExitCode::Failure,
        }
    }
}

/// A failure to report on stderr as one line, with its exit code.
pub struct Failure {
    pub message: String,
    pub code: ExitCode,
}

impl From<ProviderError> for Failure {
    fn from(e: ProviderError) -> Failure {
        Failure { code: ExitCode::for_error(&e), message: e.to_string() }
    }
}

impl From<ops::OpsError> for Failure {
    fn from(e: ops::OpsError) -> Failure {
        Failure { code: ExitCode::for_kind(e.kind), message: e.message }
    }
}

pub(crate) fn failure(code: ExitCode, message: impl Into<String>) -> Failure {
    Failure { message: message.into(), code }
}

/// The provider to talk to, plus the embedded sandbox when one had to be started
/// (kept alive for the duration of the command).
pub(crate) struct Connection {
    pub provider: Arc<dyn BillingProvider>,
    pub log: crate::providers::log::RequestLog,
    pub sandbox: bool,
    /// The profile's name and mode ("test" / "live") for the audit journal.
    pub profile: Option<(String, &'static str)>,
    pub(crate) _sandbox: Option<SandboxHandle>,
}

/// Writes JSON or a table to stdout. A closed pipe (`| head`) is not an error worth a message.
pub(crate) fn emit<T: serde::Serialize>(json: bool, value: &T, table: impl FnOnce() -> String) -> Result<(), Failure> {
    let text = if json {
        let mut s = serde_json::to_string_pretty(value)
            .map_err(|e| failure(ExitCode::Failure, format!("could not encode JSON: {e}")))?;
        s.push('\n');
        // The same JSON value, with the C1 and bidi controls serde_json leaves raw escaped.
        crate::text::json(&s).into_owned()
    } else {
        // Tables, details and bodies hold provider-supplied text; JSON above stays exact
        // (serde_json escapes every control character anyway).
        crate::text::block(&table()).into_owned()
    };
    let mut out = std::io::stdout().lock();
    match out.write_all(text.as_bytes()).and_then(|()| out.flush()) {
        Err(e) if e.kind() != std::io::ErrorKind::BrokenPipe => {
            Err(failure(ExitCode::Failure, format!("could not write output: {e}")))
        }
        _ => Ok(()),
    }
}

/// Says on stderr that a list stopped at its default limit, how many more there are and how to
/// see them.
/// `oldest_first` names a provider that lists oldest first: then the ones not shown are the
/// newest, which the line says, since a reader expects the newest first and a customer just
/// created to be listed.
pub(crate) fn note_cut(what: &str, more: ops::customers::More, shown: usize, oldest_first: Option<ProviderKind>) {
    let (count, some) = if oldest_first.is_some() { ("newer", "newer ones") } else { ("more", "more") };
    let how_many = match more {
        ops::customers::More::None => return,
        ops::customers::More::Count(n) => format!("{n} {count}"),
        ops::customers::More::Some => some.to_string(),
    };
    let head = match oldest_first {
        Some(p) => format!("showing the oldest {shown} {what} ({p} lists oldest first)"),
        None => format!("showing the first {shown} {what}"),
    };
    eprintln!("till: {head}; {how_many} not shown (use --all, or --limit N)");
}

pub fn recorder(conn: &Connection) -> crate::audit::Recorder {
    crate::audit::Recorder {
        journal: crate::audit::default_path().map(crate::audit::Journal::at),
        profile: match (&conn.profile, conn.sandbox) {
            (Some((name, _)), _) => name.clone(),
            (None, true) => "embedded sandbox".into(),
            (None, false) => "environment".into(),
        },
        mode: match (&conn.profile, conn.sandbox) {
            (Some((_, mode)), _) => (*mode).into(),
            (None, true) => "sandbox".into(),
            (None, false) => "test".into(),
        },
        log: conn.log.clone(),
    }
}

/// An empty answer for a customer id may mean a typo: Kelviq filters by any id and answers an
/// unknown one with an empty list, which read as "no subscriptions" (exit 0). The customer is
/// then looked up (one request, only when empty), so an unknown id is a 404 (exit 3) as on the
/// providers that say so themselves.
pub async fn exists_when_empty(
    p: &dyn crate::providers::BillingProvider,
    customer: &str,
    empty: bool,
) -> Result<(), Failure> {
    if empty {
        p.get_customer(customer).await?;
    }
    Ok(())
}
