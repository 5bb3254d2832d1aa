//! The audit journal: every money-moving action (checkout, plan change, cancel, uncancel) as
//! JSON lines appended to `audit.jsonl` in the XDG data dir. An action writes a `started` line
//! before anything is sent and a `succeeded`/`failed` line after, with the same id, so an
//! action cut short (crash, kill, lost network) shows as interrupted.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::billing::ProviderKind;
use crate::providers::log::RequestLog;
use crate::providers::{ErrorKind, ProviderError};
use crate::util::files::{self, Skipped};

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    Started,
    Succeeded,
    Failed,
    /// Derived when reading: a start with no end.
    Interrupted,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Entry {
    /// Shared by an action's start and end lines.
    pub id: String,
    pub time: DateTime<Utc>,
    pub profile: String,
    pub provider: ProviderKind,
    pub mode: String,
    pub customer: Option<String>,
    /// `checkout.create`, `subscription.change`, `subscription.cancel`, `subscription.uncancel`.
    pub action: String,
    /// The subscription or session acted on.
    pub target: Option<String>,
    pub before: Option<Value>,
    pub after: Option<Value>,
    pub request_ids: Vec<String>,
    pub outcome: Outcome,
    pub error: Option<String>,
}

/// Where the journal lives: `$TILL_DATA_DIR/audit.jsonl`, else the XDG data dir.
pub fn default_path() -> Option<PathBuf> {
    crate::util::data_file("audit.jsonl")
}

#[derive(Clone, Debug)]
pub struct Journal {
    path: PathBuf,
}

/// What a read of the journal found: one record per action, and the damaged lines it skipped.
#[derive(Clone, Debug, Default)]
pub struct Actions {
    pub entries: Vec<Entry>,
    pub skipped: Skipped,
}

impl Journal {
    pub fn at(path: PathBuf) -> Journal {
        Journal { path }
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// One line, on disk (fsynced) when this returns: under the journal's lock, so appends
    /// from two processes never interleave, starting on a fresh line if the file ends in a
    /// torn one. The file is 0600 in a 0700 directory.
    pub fn append(&self, entry: &Entry) -> Result<(), String> {
        let mut line = serde_json::to_vec(entry).map_err(|e| format!("cannot encode an audit line: {e}"))?;
        line.push(b'\n');
        files::append_lines(&self.path, &line)
    }

    /// Every line that decodes, in order, with the numbers of those that do not.
    pub fn read(&self) -> Result<(Vec<Entry>, Skipped), String> {
        let _lock = files::FileLock::for_reading(&self.path);
        let mut lines = Vec::new();
        let skipped = files::read_json_lines(&self.path, |e: Entry| lines.push(e))?;
        Ok((lines, skipped))
    }

    /// One record per action: its final line, or the start marked interrupted when no end
    /// was written. Oldest first; `customer` filters. Streams the file once (O(lines)), and
    /// skips damaged lines rather than failing: the rest of the journal stays readable.
    pub fn read_actions(&self, customer: Option<&str>) -> Result<Actions, String> {
        self.scan(customer, true)
    }

    /// [`Journal::read_actions`] without `before` and `after`, for a table: a long journal
    /// then costs memory for its rows only, not for every snapshot it holds.
    pub fn summaries(&self, customer: Option<&str>) -> Result<Actions, String> {
        self.scan(customer, false)
    }

    fn scan(&self, customer: Option<&str>, payloads: bool) -> Result<Actions, String> {
        let _lock = files::FileLock::for_reading(&self.path);
        let mut entries: Vec<Entry> = Vec::new();
        let mut index: HashMap<String, usize> = HashMap::new();
        let skipped = files::read_json_lines(&self.path, |mut e: Entry| {
            if customer.is_some_and(|c| e.customer.as_deref() != Some(c)) {
                return;
            }
            if !payloads {
                (e.before, e.after) = (None, None);
            }
            match index.get(&e.id) {
                Some(&i) => {
                    let existing = &mut entries[i];
                    let before = existing.before.take().or_else(|| e.before.take());
                    *existing = Entry { before, ..e };
                }
                None => {
                    index.insert(e.id.clone(), entries.len());
                    entries.push(e);
                }
            }
        })?;
        for e in &mut entries {
            if e.outcome == Outcome::Started {
                e.outcome = Outcome::Interrupted;
            }
        }
        Ok(Actions { entries, skipped })
    }

    /// [`Journal::read_actions`] without the damage report (logged instead), for views that
    /// only list actions.
    pub fn actions(&self, customer: Option<&str>) -> Result<Vec<Entry>, String> {
        let actions = self.read_actions(customer)?;
        if !actions.skipped.is_empty() {
            tracing::warn!("audit journal: {}", actions.skipped);
        }
        Ok(actions.entries)
    }
}

/// Actions whose end the journal could not record, in words, until someone says so
/// ([`take_unrecorded`]). Process-wide like the journal file: the CLI warns after its command,
/// the console in its status line; the log alone may sit on the same full disk.
static UNRECORDED: std::sync::Mutex<Vec<String>> = std::sync::Mutex::new(Vec::new());

fn unrecorded_end(entry: &Entry, error: &str) {
    let what = match entry.outcome {
        Outcome::Failed => "failed",
        _ => "succeeded",
    };
    let target = entry.target.as_deref().map(|t| format!(" {t}")).unwrap_or_default();
    let message = format!(
        "the audit journal could not record that {}{target} {what} ({error}): `till audit` shows it as interrupted (journal id {})",
        entry.action, entry.id
    );
    UNRECORDED.lock().unwrap_or_else(std::sync::PoisonError::into_inner).push(message);
}

/// The actions whose end the journal could not record since the last call, in words.
pub fn take_unrecorded() -> Vec<String> {
    std::mem::take(&mut *UNRECORDED.lock().unwrap_or_else(std::sync::PoisonError::into_inner))
}

/// Who acts and where: the context every journal line carries.
#[derive(Clone)]
pub struct Recorder {
    pub journal: Option<Journal>,
    pub profile: String,
    pub mode: String,
    pub log: RequestLog,
}

/// What an action is about, for its journal lines.
pub struct Action<'a> {
    pub provider: ProviderKind,
    pub action: &'a str,
    pub customer: Option<String>,
    pub target: Option<String>,
    pub before: Option<Value>,
}

impl Recorder {
    /// Journals `act` around `run`: a start line, then the outcome with the request ids of
    /// the writes it sent. The start line is on disk (fsynced) before `run` is first polled,
    /// which is when its request goes out; if it cannot be written, `run` is dropped unpolled
    /// and the action is refused: no money moves without a journal line. A failure to write
    /// the end line is logged; the start line then reads as interrupted.
    pub async fn record<T, F>(&self, act: Action<'_>, run: F) -> Result<T, ProviderError>
    where
        T: Serialize,
        F: std::future::Future<Output = Result<T, ProviderError>>,
    {
        let id = uuid::Uuid::new_v4().to_string();
        let first_log_id = self.log.next_id();
        let mut entry = Entry {
            id,
            time: Utc::now(),
            profile: self.profile.clone(),
            provider: act.provider,
            mode: self.mode.clone(),
            customer: act.customer,
            action: act.action.to_string(),
            target: act.target,
            before: act.before,
            after: None,
            request_ids: Vec::new(),
            outcome: Outcome::Started,
            error: None,
        };
        self.start(&entry)?;
        let result = run.await;
        entry.time = Utc::now();
        entry.request_ids = self
            .log
            .snapshot()
            .into_iter()
            .filter(|x| x.id >= first_log_id && x.provider == act.provider && x.method != "GET")
            .filter_map(|x| x.request_id)
            .collect();
        match &result {
            Ok(v) => {
                entry.outcome = Outcome::Succeeded;
                entry.after = serde_json::to_value(v).ok();
                // What a create made has no id before it: the end line names it.
                if entry.target.is_none() {
                    entry.target = entry.after.as_ref().and_then(|a| a.get("id")?.as_str().map(str::to_string));
                }
            }
            Err(e) => {
                entry.outcome = Outcome::Failed;
                entry.error = Some(e.to_string());
            }
        }
        entry.before = None; // the start line holds it
        if let Some(j) = &self.journal
            && let Err(e) = j.append(&entry)
        {
            tracing::error!("audit journal: the end of {} {} was not recorded: {e}", entry.action, entry.id);
            unrecorded_end(&entry, &e);
        }
        result
    }

    fn start(&self, entry: &Entry) -> Result<(), ProviderError> {
        let refused = |why: String| {
            ProviderError::new(
                entry.provider,
                ErrorKind::Journal,
                format!("{} refused, nothing was sent: the audit journal cannot be written ({why})", entry.action),
            )
        };
        let journal = self.journal.as_ref().ok_or_else(|| refused("no data directory: set TILL_DATA_DIR".into()))?;
        journal.append(entry).map_err(refused)
    }
}

#[cfg(test)]
mod tests;
