use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use super::*;

fn recorder_at(path: PathBuf) -> Recorder {
    Recorder { journal: Some(Journal::at(path)), profile: "p".into(), mode: "sandbox".into(), log: RequestLog::new(10) }
}

fn recorder(dir: &Path) -> Recorder {
    recorder_at(dir.join("audit.jsonl"))
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

fn entry(id: &str, outcome: Outcome) -> Entry {
    Entry {
        id: id.into(),
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
        outcome,
        error: None,
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
    assert_eq!(journal.read().unwrap().0.len(), 4, "a start and an end line each");
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
    let rows = journal.summaries(None).unwrap().entries;
    assert_eq!(rows.iter().map(|e| e.outcome).collect::<Vec<_>>(), [Outcome::Succeeded, Outcome::Failed]);
    assert!(rows.iter().all(|e| e.before.is_none() && e.after.is_none()), "a table keeps no snapshots");
}

/// Runs an action through a recorder whose journal cannot be written; returns the error and
/// whether the action's future was ever polled (its request sent).
async fn refused(r: Recorder) -> (ProviderError, bool) {
    let sent = Arc::new(AtomicBool::new(false));
    let flag = sent.clone();
    let result: Result<(), ProviderError> = r
        .record(act("c1"), async move {
            flag.store(true, Ordering::SeqCst);
            Ok(())
        })
        .await;
    (result.unwrap_err(), sent.load(Ordering::SeqCst))
}

/// Used to log the failure and send the request anyway: money moved with no journal line.
#[tokio::test]
async fn an_unwritable_journal_refuses_the_action_before_anything_is_sent() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("not-a-dir");
    std::fs::write(&file, "").unwrap();
    let path = file.join("audit.jsonl");
    let (err, sent) = refused(recorder_at(path.clone())).await;
    assert!(!sent, "the request must not be sent");
    assert_eq!(err.kind, ErrorKind::Journal);
    let text = err.to_string();
    assert!(text.contains("refused, nothing was sent"), "{text}");
    assert!(text.contains(&file.display().to_string()), "names the file: {text}");
    assert!(text.contains("os error"), "gives the OS error: {text}");

    let no_dir = Recorder { journal: None, ..recorder(dir.path()) };
    let (err, sent) = refused(no_dir).await;
    assert!(!sent && err.to_string().contains("TILL_DATA_DIR"), "{err}");
}

/// A read-only journal: permissions do not stop root, so this one runs only as a normal user.
#[cfg(unix)]
#[tokio::test]
async fn a_read_only_journal_refuses_the_action() {
    use std::os::unix::fs::PermissionsExt;
    if rustix::process::geteuid().is_root() {
        eprintln!("skipped: root ignores file permissions");
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("audit.jsonl");
    std::fs::write(&path, "").unwrap();
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o400)).unwrap();
    let (err, sent) = refused(recorder_at(path)).await;
    assert!(!sent);
    assert!(err.to_string().contains("Permission denied"), "{err}");
}

/// A full disk: a 64 KiB tmpfs, filled (needs root, as CI has; skipped elsewhere).
#[cfg(target_os = "linux")]
#[tokio::test]
async fn a_full_disk_refuses_the_action_and_leaves_no_torn_line() {
    let Some(disk) = crate::util::files::FullDisk::mount() else { return };
    let dir = &disk.dir;
    let path = dir.path().join("audit.jsonl");
    // A journal line first, padded to fill its 4 KiB page exactly (a shorter one would leave
    // room in the page for the next line), then fill the disk.
    let mut first = entry("a0", Outcome::Succeeded);
    first.after = Some(serde_json::Value::String(String::new()));
    let bare = serde_json::to_vec(&first).unwrap().len();
    first.after = Some(serde_json::Value::String("x".repeat(4096 - 1 - bare)));
    Journal::at(path.clone()).append(&first).unwrap();
    assert_eq!(std::fs::metadata(&path).unwrap().len(), 4096);
    let len_before = std::fs::metadata(&path).unwrap().len();
    disk.fill();
    let (err, sent) = refused(recorder_at(path.clone())).await;
    assert!(!sent, "the request must not be sent");
    assert!(err.to_string().contains("No space left on device"), "{err}");
    assert_eq!(std::fs::metadata(&path).unwrap().len(), len_before, "no torn line left behind");
}

/// The action went through but its end line could not be written (here the journal became a
/// directory meanwhile, which stops root too): the journal will read it as interrupted, so
/// whoever ran it must hear so.
#[tokio::test]
async fn an_end_the_journal_could_not_record_is_told() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("audit.jsonl");
    let swap = path.clone();
    let done = recorder_at(path)
        .record(act("c-unrecorded"), async move {
            std::fs::remove_file(&swap).unwrap();
            std::fs::create_dir(&swap).unwrap();
            Ok::<_, ProviderError>("canceled")
        })
        .await;
    assert_eq!(done.unwrap(), "canceled", "the action's own result is untouched");
    let told = take_unrecorded();
    let ours: Vec<&String> = told.iter().filter(|m| m.contains("subscription.cancel s1 succeeded")).collect();
    assert_eq!(ours.len(), 1, "{told:?}");
    assert!(ours[0].contains("shows it as interrupted") && ours[0].contains("Is a directory"), "{}", ours[0]);
}

/// A create has no target before it runs: the journal names what it made (the checkout
/// session's id), so `till audit` shows it in the TARGET column.
#[tokio::test]
async fn a_create_is_filed_under_what_it_made() {
    let dir = tempfile::tempdir().unwrap();
    let r = recorder(dir.path());
    let act = Action { target: None, action: "checkout.create", ..act("c-create") };
    r.record(act, async { Ok::<_, ProviderError>(serde_json::json!({"id": "cs_42", "url": "https://pay"})) })
        .await
        .unwrap();
    let entries = r.journal.as_ref().unwrap().actions(Some("c-create")).unwrap();
    assert_eq!(entries.len(), 1);
    assert_eq!(entries[0].target.as_deref(), Some("cs_42"));
}

#[test]
fn a_start_without_an_end_reads_as_interrupted() {
    let dir = tempfile::tempdir().unwrap();
    let journal = Journal::at(dir.path().join("audit.jsonl"));
    journal.append(&entry("a1", Outcome::Started)).unwrap();
    assert_eq!(journal.actions(None).unwrap()[0].outcome, Outcome::Interrupted);
}

/// A torn line (full disk, the file cut by 100 bytes) used to glue itself to the next line,
/// and from then on every read failed.
#[test]
fn damage_is_skipped_and_named_and_the_next_append_is_not_swallowed() {
    let dir = tempfile::tempdir().unwrap();
    let journal = Journal::at(dir.path().join("audit.jsonl"));
    for id in ["a1", "a2"] {
        journal.append(&entry(id, Outcome::Started)).unwrap();
        journal.append(&entry(id, Outcome::Succeeded)).unwrap();
    }
    journal.append(&entry("a3", Outcome::Started)).unwrap();
    // Cut the last line short, as a full disk or a truncation would.
    let len = std::fs::metadata(journal.path()).unwrap().len();
    std::fs::OpenOptions::new().write(true).open(journal.path()).unwrap().set_len(len - 100).unwrap();
    // Garbage and a non-UTF-8 byte in the middle.
    let mut text = std::fs::read(journal.path()).unwrap();
    let second_newline = text.iter().enumerate().filter(|(_, b)| **b == b'\n').nth(1).unwrap().0;
    text.splice((second_newline + 1)..=second_newline, b"{garbage\n\xff\xfe\n".iter().copied());
    std::fs::write(journal.path(), text).unwrap();

    journal.append(&entry("a4", Outcome::Started)).unwrap();
    journal.append(&entry("a4", Outcome::Succeeded)).unwrap();
    let read = journal.read_actions(None).unwrap();
    let ids: Vec<&str> = read.entries.iter().map(|e| e.id.as_str()).collect();
    assert_eq!(ids, ["a1", "a2", "a4"], "everything else is shown, the append after the torn tail too");
    assert!(read.entries.iter().all(|e| e.outcome == Outcome::Succeeded));
    assert_eq!(read.skipped.lines, vec![3, 4, 7]);
    assert!(read.skipped.to_string().contains("skipped 3 damaged lines"), "{}", read.skipped);
}

/// 200 appends from four threads, each through its own file handle as separate processes
/// would: every line arrives whole.
#[test]
fn concurrent_appends_stay_whole_lines() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("audit.jsonl");
    let threads: Vec<_> = (0..4)
        .map(|t| {
            let journal = Journal::at(path.clone());
            std::thread::spawn(move || {
                for i in 0..50 {
                    let mut e = entry(&format!("t{t}-{i}"), Outcome::Succeeded);
                    e.after = Some(serde_json::json!({"pad": "x".repeat(5000)}));
                    journal.append(&e).unwrap();
                }
            })
        })
        .collect();
    for t in threads {
        t.join().unwrap();
    }
    let read = Journal::at(path).read_actions(None).unwrap();
    assert_eq!(read.entries.len(), 200);
    assert!(read.skipped.is_empty(), "{}", read.skipped);
}

#[cfg(unix)]
#[test]
fn the_journal_is_owner_only() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("till/audit.jsonl");
    Journal::at(path.clone()).append(&entry("a1", Outcome::Started)).unwrap();
    let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode(&path), 0o600);
    assert_eq!(mode(path.parent().unwrap()), 0o700);
}
