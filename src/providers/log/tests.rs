use super::*;

fn exchange(url: &str) -> Exchange {
    Exchange {
        key_variable: None,
        id: 0,
        provider: ProviderKind::Kelviq,
        // Fixed: chrono prints 0, 3, 6 or 9 fraction digits, so `now()` made lines differ in
        // length now and then, and the size limits below sit on exact line counts.
        started_at: DateTime::from_timestamp(1_796_000_000, 123_456_789).unwrap(),
        method: "POST".into(),
        url: url.into(),
        status: Some(201),
        duration: Duration::from_millis(12),
        request_id: None,
        request_headers: vec![
            LoggedHeader { name: "authorization".into(), value: "Bearer [redacted]".into() },
            LoggedHeader { name: "content-type".into(), value: "application/json".into() },
        ],
        response_headers: vec![],
        request_body: Some(r#"{"name":"O'Brien $HOME"}"#.into()),
        request_body_size: 24,
        response_body: None,
        response_body_size: 0,
        request_body_cut: false,
        response_body_cut: false,
        attempt: 1,
        error: None,
        full_response_body: None,
        queued_ms: 0,
        queued_for: None,
    }
}

#[test]
fn whole_bodies_are_kept_newest_first_within_the_budget() {
    let log = RequestLog::new(10).keeping_full_bodies(25);
    for (i, size) in [10, 10, 10, 30].into_iter().enumerate() {
        let mut e = exchange(&format!("http://h/{i}"));
        e.full_response_body = Some("x".repeat(size).into());
        log.push(e);
    }
    let kept: Vec<Option<usize>> =
        log.snapshot().iter().map(|e| e.full_response_body.as_ref().map(|b| b.len())).collect();
    assert_eq!(kept, [None, Some(10), Some(10), None], "the 30-byte body is over budget on its own");
    let previews_only = RequestLog::new(10);
    let mut e = exchange("http://h/x");
    e.full_response_body = Some("x".into());
    previews_only.push(e);
    assert!(previews_only.snapshot()[0].full_response_body.is_none());
}

#[test]
fn ring_keeps_the_newest_entries() {
    let log = RequestLog::new(3);
    for i in 0..5 {
        log.push(exchange(&format!("http://h/{i}")));
    }
    let snap = log.snapshot();
    assert_eq!(snap.len(), 3);
    assert_eq!(snap[0].url, "http://h/2");
    assert_eq!(snap[2].id, 5);
}

#[test]
fn curl_uses_a_placeholder_and_quotes_safely() {
    let curl = exchange("http://127.0.0.1:4010/kelviq/api/v1/customers/").to_curl("TILL_KELVIQ_KEY");
    assert!(curl.contains(r#"-H "authorization: Bearer ${TILL_KELVIQ_KEY}""#), "{curl}");
    assert!(curl.contains(r#"--data-raw '{"name":"O'\''Brien $HOME"}'"#), "{curl}");
    assert!(!curl.contains("[redacted]"));
}

/// A U+202E in a body was printed as `�` (the terminal-safe stand-in), so the command shown
/// would have sent `�`; it is written `\u202e`, which JSON reads as the same character.
#[test]
fn curl_writes_bidi_and_c1_controls_in_a_json_body_as_escapes() {
    let body = "{\"name\":\"evil\u{202e}gpj.exe\u{9b}\"}";
    let curl = curl_command("POST", "http://h/x", &[], Some(body), "K");
    assert!(curl.ends_with(r#"--data-raw '{"name":"evil\u202egpj.exe\u009b"}'"#), "{curl}");
    let sent = &curl[curl.find("'{").unwrap() + 1..curl.len() - 1];
    assert_eq!(
        serde_json::from_str::<serde_json::Value>(sent).unwrap(),
        serde_json::from_str::<serde_json::Value>(body).unwrap()
    );
    // Not JSON: escapes would change the value, so the printer's stand-ins apply.
    assert!(curl_command("POST", "http://h/x", &[], Some("a=\u{202e}"), "K").contains("a=\u{202e}"));
}

fn line(e: &Exchange) -> String {
    format!("{}\n", serde_json::to_string(e).unwrap())
}

#[test]
fn newest_lines_keep_whole_exchanges_within_both_limits() {
    let batch: Vec<Exchange> = (0..3).map(|i| exchange(&format!("http://h/{i}"))).collect();
    let size = line(&batch[0]).len() as u64;
    let text = |from: usize| batch[from..].iter().map(line).collect::<String>().into_bytes();
    let newest = |max_bytes, max_lines| newest_lines(&batch, max_bytes, max_lines).unwrap().concat();
    assert_eq!(newest(100 * size, 2), text(1), "line limit");
    assert_eq!(newest(2 * size, 10), text(1), "byte limit holds two");
    assert_eq!(newest(2 * size - 1, 10), text(2));
    assert_eq!(newest(size - 1, 10), b"", "a line longer than the limit is dropped");
    assert_eq!(newest(100 * size, 10), text(0));
    assert!(newest_lines(&[], 100, 10).unwrap().is_empty());
}

/// A torn line used to swallow the next record, and one non-UTF-8 byte made the whole
/// history unreadable.
#[test]
fn history_tolerates_a_torn_tail_and_bytes_that_are_not_utf8() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("requests.jsonl");
    let good = serde_json::to_string(&exchange("http://h/old")).unwrap();
    let mut bytes = format!("{good}\n").into_bytes();
    bytes.extend_from_slice(b"{\"url\":\"\xff\"}\n");
    bytes.extend_from_slice(&good.as_bytes()[..40]);
    std::fs::write(&path, bytes).unwrap();
    let history = History::with_limits(path.clone(), 1_000_000, 100);
    history.append(&[exchange("http://h/new")]).unwrap();
    let (loaded, skipped) = history.load().unwrap();
    let urls: Vec<&str> = loaded.iter().map(|e| e.url.as_str()).collect();
    assert_eq!(urls, ["http://h/old", "http://h/new"]);
    let named = format!("skipped 2 damaged lines of {} (lines 2, 3)", path.display());
    assert_eq!(skipped, [named]);

    // Full: the damaged file moves aside whole, and its lines are still named as its own.
    let small = History::with_limits(path.clone(), 2 * good.len() as u64 + 20, 100);
    small.append(&[exchange("http://h/newest")]).unwrap();
    let (loaded, skipped) = small.load().unwrap();
    let urls: Vec<&str> = loaded.iter().map(|e| e.url.as_str()).collect();
    assert_eq!(urls, ["http://h/old", "http://h/new", "http://h/newest"]);
    assert_eq!(std::fs::read_to_string(&path).unwrap().lines().count(), 1, "a new file started");
    let named = format!("skipped 2 damaged lines of {} (lines 2, 3)", small.older_path().display());
    assert_eq!(skipped, [named]);
}

/// Four writers append and rotate at once, each through its own handles as separate
/// processes would. Appends are serialised, so a lost record shows as a gap: every
/// writer's surviving records must be a run that ends with its last one.
#[test]
fn concurrent_appends_and_rotations_lose_no_newer_record() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("requests.jsonl");
    let threads: Vec<_> = (0..4)
        .map(|t| {
            let history = History::with_limits(path.clone(), 40_000, 1_000);
            std::thread::spawn(move || {
                for i in 0..60 {
                    history.append(&[exchange(&format!("http://h/{t}/{i}"))]).unwrap();
                }
            })
        })
        .collect();
    for t in threads {
        t.join().unwrap();
    }
    let history = History::with_limits(path.clone(), 40_000, 1_000);
    let (loaded, skipped) = history.load().unwrap();
    assert!(skipped.is_empty(), "{skipped:?}");
    assert!(loaded.len() < 240, "the file was moved aside at least twice");
    let on_disk = std::fs::metadata(&path).unwrap().len() + std::fs::metadata(history.older_path()).unwrap().len();
    assert!(on_disk <= 40_000, "{on_disk} bytes");
    let mut seen: Vec<Vec<u32>> = vec![Vec::new(); 4];
    for e in &loaded {
        let mut parts = e.url.rsplit('/');
        let i: u32 = parts.next().unwrap().parse().unwrap();
        let t: usize = parts.next().unwrap().parse().unwrap();
        seen[t].push(i);
    }
    let last = loaded.last().unwrap().url.clone();
    assert!(last.ends_with("/59"), "the very last record survives: {last}");
    for (t, got) in seen.iter().enumerate() {
        if let Some(first) = got.first() {
            let run: Vec<u32> = (*first..60).collect();
            assert_eq!(got, &run, "writer {t} lost a record");
        }
    }
}

/// A run's exchanges are appended while they fit beside the file; past half the limit the
/// file moves to `.1` (replacing the one before, never read back or rewritten) and only the
/// newest exchanges that fit in one file are written; reading keeps the newest `keep`.
#[test]
fn a_full_history_moves_aside_and_reading_keeps_the_newest() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("requests.jsonl");
    // Same-length URLs, so every line is `size` bytes.
    let batch = |from: usize, n: usize| -> Vec<Exchange> {
        (from..from + n).map(|i| exchange(&format!("http://h/{i:02}"))).collect()
    };
    let urls_of = |r: &[usize]| -> Vec<String> { r.iter().map(|i| format!("http://h/{i:02}")).collect() };
    let size = line(&exchange("http://h/00")).len() as u64;
    let history = History::with_limits(path.clone(), 10 * size, 7);
    let loaded = || -> Vec<String> { history.load().unwrap().0.into_iter().map(|e| e.url).collect() };
    let lines = |p: &std::path::Path| std::fs::read_to_string(p).unwrap().lines().count();
    history.append(&batch(0, 3)).unwrap();
    history.append(&batch(3, 2)).unwrap();
    assert!(!history.older_path().exists(), "five lines fit in half of ten");
    assert_eq!(loaded(), urls_of(&[0, 1, 2, 3, 4]));
    history.append(&batch(5, 1)).unwrap();
    assert_eq!((lines(&history.older_path()), lines(&path)), (5, 1), "moved aside whole, a new file started");
    assert_eq!(loaded(), urls_of(&[0, 1, 2, 3, 4, 5]));
    history.append(&batch(6, 2)).unwrap();
    assert_eq!(loaded(), urls_of(&[1, 2, 3, 4, 5, 6, 7]), "reading keeps the newest seven");
    // A batch past one file: only its newest five are serialised and written; the file
    // before it moves aside, replacing the older one.
    history.append(&batch(8, 8)).unwrap();
    assert_eq!((lines(&history.older_path()), lines(&path)), (3, 5));
    assert_eq!(loaded(), urls_of(&[6, 7, 11, 12, 13, 14, 15]));
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        for p in [&path, &history.older_path()] {
            assert_eq!(std::fs::metadata(p).unwrap().permissions().mode() & 0o777, 0o600);
        }
    }
}

/// A symlink in place of the history is refused however full it is, never moved aside; a
/// file an older till left 0644 is tightened before it becomes `.1`; an older file that
/// cannot be read is a warning, and the newer one is still listed.
#[cfg(unix)]
#[test]
fn the_file_moved_aside_is_owner_only_and_a_symlink_is_refused() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("requests.jsonl");
    let size = line(&exchange("http://h/00")).len() as u64;
    let history = History::with_limits(path.clone(), 4 * size, 100);
    std::fs::write(&path, line(&exchange("http://h/00")).repeat(2)).unwrap();
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644)).unwrap();
    history.append(&[exchange("http://h/01")]).unwrap();
    let mode = std::fs::metadata(history.older_path()).unwrap().permissions().mode();
    assert_eq!(mode & 0o777, 0o600, "moved aside tightened");

    // `.1` replaced by a directory: unreadable, named, and the newer file still listed.
    std::fs::remove_file(history.older_path()).unwrap();
    std::fs::create_dir(history.older_path()).unwrap();
    let (loaded, warnings) = history.load().unwrap();
    assert_eq!(loaded.iter().map(|e| e.url.as_str()).collect::<Vec<_>>(), ["http://h/01"]);
    assert_eq!(warnings.len(), 1);
    assert!(warnings[0].contains("requests.jsonl.1"), "{warnings:?}");
    std::fs::remove_dir(history.older_path()).unwrap();

    let target = dir.path().join("elsewhere");
    std::fs::write(&target, line(&exchange("http://h/00")).repeat(3)).unwrap();
    std::fs::remove_file(&path).unwrap();
    std::os::unix::fs::symlink(&target, &path).unwrap();
    let err = history.append(&[exchange("http://h/02")]).unwrap_err();
    assert!(err.contains("cannot open"), "{err}");
    assert!(std::fs::symlink_metadata(&path).unwrap().file_type().is_symlink(), "left in place");
    assert!(!history.older_path().exists(), "not moved aside");
    assert_eq!(std::fs::read_to_string(&target).unwrap().lines().count(), 3, "not written through");
}

#[test]
fn path_strips_scheme_and_host() {
    assert_eq!(exchange("http://h:1/a/b?c=1").path(), "/a/b?c=1");
}

/// A long list's pages wrote 16 KB each to the history (3.8 MB per 20,000 customers): the
/// history keeps the first 4 KB of a body, says it cut and how long the body was, and never
/// splits a character; a body that fits is written whole and unmarked.
#[test]
fn the_history_keeps_the_start_of_a_long_body_and_says_so() {
    let dir = tempfile::tempdir().unwrap();
    let history = History::with_limits(dir.path().join("requests.jsonl"), 1 << 20, 10);
    let mut long = exchange("http://h/long");
    let body = format!("{}{}", "a".repeat(HISTORY_BODY_LIMIT - 1), "é".repeat(8_000));
    long.response_body = Some(body.clone());
    long.response_body_size = 40_883;
    let mut short = exchange("http://h/short");
    short.response_body = Some(r#"{"id":"cus_1"}"#.into());
    short.response_body_size = 14;
    history.append(&[long.clone(), short.clone()]).unwrap();

    let (loaded, warnings) = history.load().unwrap();
    assert!(warnings.is_empty(), "{warnings:?}");
    // "é" is two bytes: the cut falls back to the last whole character.
    assert_eq!(loaded[0].response_body.as_deref(), Some(&body[..HISTORY_BODY_LIMIT - 1]));
    assert!(loaded[0].response_body_cut);
    assert_eq!(loaded[0].response_body_size, 40_883);
    assert_eq!((loaded[0].request_body.as_deref(), loaded[0].request_body_cut), (long.request_body.as_deref(), false));
    assert_eq!(loaded[1].response_body, short.response_body);
    assert!(!loaded[1].response_body_cut);
    let text = std::fs::read_to_string(dir.path().join("requests.jsonl")).unwrap();
    assert_eq!(text.matches("body_cut").count(), 1, "only the cut body is marked: {text}");
    // The in-memory exchange keeps its whole preview: only the history's copy is cut.
    assert_eq!(long.response_body.as_deref(), Some(body.as_str()));
}
