//! The audit journal: every money-moving action (checkout, plan change, cancel, uncancel) as
//! JSON lines appended to `audit.jsonl` in the XDG data dir. An action writes a `started` line
//! before anything is sent and a `succeeded`/`failed` line after, with the same id, so an
//! action cut short (crash, kill, lost network) shows as interrupted.

use std::io::Write;
use std::path::{Path, PathBuf};

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::billing::ProviderKind;
use crate::providers::ProviderError;
use crate::providers::log::RequestLog;

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

impl Journal {
    pub fn at(path: PathBuf) -> Journal {
        Journal { path }
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// One line per call, written with a single `write` on an append-mode file so lines from
    /// two processes never interleave.
    pub fn append(&self, entry: &Entry) -> Result<(), String> {
        if let Some(dir) = self.path.parent() {
            std::fs::create_dir_all(dir).map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
        }
        let mut line = serde_json::to_vec(entry).map_err(|e| format!("cannot encode an audit line: {e}"))?;
        line.push(b'\n');
        let mut file = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(&self.path)
            .map_err(|e| format!("cannot open {}: {e}", self.path.display()))?;
        file.write_all(&line).map_err(|e| format!("cannot write {}: {e}", self.path.display()))
    }

    /// Every line; malformed ones are reported with their line number, not skipped silently.
    pub fn read(&self) -> Result<Vec<Entry>, String> {
        let text = match std::fs::read_to_string(&self.path) {
            Ok(t) => t,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
            Err(e) => return Err(format!("cannot read {}: {e}", self.path.display())),
        };
        text.lines()
            .enumerate()
            .filter(|(_, l)| !l.trim().is_empty())
            .map(|(i, l)| serde_json::from_str(l).map_err(|e| format!("{} line {}: {e}", self.path.display(), i + 1)))
            .collect()
    }

    /// One record per action: its final line, or the start marked interrupted when no end
    /// was written. Oldest first; `customer` filters.
    pub fn actions(&self, customer: Option<&str>) -> Result<Vec<Entry>, String> {
        let mut out: Vec<Entry> = Vec::new();
        for e in self.read()? {
            if customer.is_some_and(|c| e.customer.as_deref() != Some(c)) {
                continue;
            }
            match out.iter_mut().find(|x| x.id == e.id) {
                Some(existing) => *existing = Entry { before: existing.before.take().or(e.before.clone()), ..e },
                None => out.push(e),
            }
        }
        for e in &mut out {
            if e.outcome == Outcome::Started {
                e.outcome = Outcome::Interrupted;
            }
        }
        Ok(out)
    }
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
    /// the writes it sent. A journal that cannot be written never blocks the action; the
    /// problem is logged.
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
        self.write(&entry);
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
            }
            Err(e) => {
                entry.outcome = Outcome::Failed;
                entry.error = Some(e.to_string());
            }
        }
        entry.before = None; // the start line holds it
        self.write(&entry);
        result
    }

    fn write(&self, entry: &Entry) {
        if let Some(j) = &self.journal
            && let Err(e) = j.append(entry)
        {
            tracing::error!("audit journal: {e}");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn recorder(dir: &Path) -> Recorder {
        Recorder {
            journal: Some(Journal::at(dir.join("audit.jsonl"))),
            profile: "p".into(),
            mode: "sandbox".into(),
            log: RequestLog::new(10),
        }
    }

    fn act(customer: &str) -> Action<'static> {
        Action {
            provider: ProviderKind::Kelviq,
            action: "subscription.cancel",
            customer: Some(customer.into()),
            target: Some("s1".into()),
            before: Some(serde_json::json!({"status": "active"})),
        }
    }

    #[tokio::test]
    async fn one_record_per_action_with_outcome_and_before_after() {
        let dir = tempfile::tempdir().unwrap();
        let r = recorder(dir.path());
        let ok: Result<&str, ProviderError> = r.record(act("c1"), async { Ok("canceled") }).await;
        assert!(ok.is_ok());
        let err = ProviderError::from_response(
            ProviderKind::Kelviq,
            400,
            br#"{"detail":"Subscription is already cancelled."}"#,
            None,
        );
        let failed: Result<(), _> = r.record(act("c2"), async { Err(err) }).await;
        assert!(failed.is_err());
        let journal = Journal::at(dir.path().join("audit.jsonl"));
        assert_eq!(journal.read().unwrap().len(), 4, "a start and an end line each");
        let actions = journal.actions(None).unwrap();
        assert_eq!(actions.len(), 2);
        assert_eq!(
            (actions[0].outcome, actions[0].after.clone()),
            (Outcome::Succeeded, Some(serde_json::json!("canceled")))
        );
        assert_eq!(actions[0].before, Some(serde_json::json!({"status": "active"})));
        assert_eq!(actions[1].outcome, Outcome::Failed);
        assert!(actions[1].error.as_deref().unwrap().contains("already cancelled"));
        assert_eq!(journal.actions(Some("c2")).unwrap().len(), 1);
    }

    #[test]
    fn a_start_without_an_end_reads_as_interrupted_and_bad_lines_are_named() {
        let dir = tempfile::tempdir().unwrap();
        let journal = Journal::at(dir.path().join("audit.jsonl"));
        let entry = Entry {
            id: "a1".into(),
            time: Utc::now(),
            profile: "p".into(),
            provider: ProviderKind::Zenskar,
            mode: "live".into(),
            customer: Some("c".into()),
            action: "subscription.change".into(),
            target: None,
            before: None,
            after: None,
            request_ids: vec![],
            outcome: Outcome::Started,
            error: None,
        };
        journal.append(&entry).unwrap();
        assert_eq!(journal.actions(None).unwrap()[0].outcome, Outcome::Interrupted);
        std::fs::OpenOptions::new().append(true).open(journal.path()).unwrap().write_all(b"{not json\n").unwrap();
        assert!(journal.read().unwrap_err().contains("line 2"));
    }
}
