//! The real binary: data on stdout, one-line errors on stderr, documented exit codes.

#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a panic is the failure report

use std::io::{BufRead, BufReader};
use std::process::{Command, Output, Stdio};

fn till(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_till"))
        .args(args)
        .env_remove("TILL_KELVIQ_BASE_URL")
        .env("TILL_DATA_DIR", std::env::temp_dir().join(format!("till-test-data-{}", std::process::id())))
        .output()
        .unwrap()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).to_string()
}

/// A usage or setup error: non-zero exit, exactly one line on stderr, no panic.
fn assert_one_line_error(o: &Output, code: i32, needle: &str) {
    let err = stderr(o);
    assert_eq!(o.status.code(), Some(code), "stderr: {err}");
    assert_eq!(err.trim_end().lines().count(), 1, "one line expected: {err:?}");
    assert!(err.contains(needle), "{err:?} should mention {needle:?}");
    assert!(!err.contains("panicked"));
    assert!(o.stdout.is_empty(), "nothing on stdout");
}

#[test]
fn unknown_provider_is_a_usage_error() {
    assert_one_line_error(&till(&["--provider", "stripe", "plans", "list"]), 2, "unknown provider \"stripe\"");
}

#[test]
fn malformed_flag_values_are_usage_errors() {
    assert_one_line_error(&till(&["sandbox", "serve", "--latency", "fast"]), 2, "not a duration");
    assert_one_line_error(
        &till(&["checkout", "create", "--plan", "growth", "--feature", "seats=0"]),
        2,
        "positive whole number",
    );
    assert_one_line_error(
        &till(&["checkout", "create", "--plan", "growth", "--period", "FORTNIGHTLY"]),
        2,
        "unknown charge period",
    );
    assert_one_line_error(&till(&["customers", "list", "--timeout", "2x"]), 2, "unknown time unit");
    assert_one_line_error(&till(&["checkout", "create", "--plan", "growth", "--ip", "999.1.1.1"]), 2, "--ip");
}

/// clap's message repeats the bad value as typed: a value with terminal controls in it (ESC,
/// the one-byte CSI U+009B, CR) is shown with stand-ins, never written raw.
#[test]
fn a_usage_error_shows_a_hostile_value_with_stand_ins() {
    for args in [
        &["-p", "E\u{1b}[2J\u{9b}31m\rZ", "customers", "list"][..],
        &["customers", "list", "--limit", "1\u{9b}31m\r"],
        &["checkout", "sessions", "cus\u{9b}2J\r\u{202e}x"],
    ] {
        let o = till(args);
        let err = stderr(&o);
        assert_eq!(o.status.code(), Some(2), "{args:?}: {err}");
        assert!(!err.contains(['\u{1b}', '\u{9b}', '\r', '\u{202e}']), "{args:?}: raw control in {err:?}");
        assert_eq!(err.trim_end().lines().count(), 1, "{err:?}");
    }
}

/// An empty id was sent (`customer_id=`) and came back as the provider's 404 naming no flag.
#[test]
fn an_empty_id_is_a_usage_error_before_anything_is_sent() {
    for args in [
        &["subscriptions", "list", "--customer", ""][..],
        &["customers", "get", " "],
        &["subscriptions", "cancel", "", "--yes"],
        &["checkout", "get", ""],
        &["usage", "report", "--customer", "", "--feature", "api_calls", "--quantity", "5"],
        &["payments", "refund", " ", "--yes"],
    ] {
        let o = till(args);
        assert_one_line_error(&o, 2, "must not be empty");
        assert!(!stderr(&o).contains("embedded sandbox"), "refused before a sandbox started: {}", stderr(&o));
    }
}

/// A 100,000-character id reached reqwest, which failed with "builder error for url" (exit 3);
/// now clap refuses it as a usage error naming the argument and the limit, on one short line.
#[test]
fn an_id_past_the_limit_is_a_usage_error_naming_the_argument() {
    let long = "a".repeat(100_000);
    for (args, named) in [
        (&["customers", "get", long.as_str()][..], "for '<ID>'"),
        (&["subscriptions", "list", "--customer", long.as_str()], "for '--customer <CUSTOMER>'"),
    ] {
        let o = till(args);
        assert_one_line_error(&o, 2, &format!("{named}: an id is at most 512 characters, this one has 100,000"));
        assert!(stderr(&o).len() < 300, "the value is shown cut: {}", stderr(&o).len());
    }
}

/// `checkout create --customer` was the one id argument without the 512-character limit, and
/// it took a bidi override or an escape as part of the id; both are refused before a sandbox
/// starts or anything is sent.
#[test]
fn a_checkout_customer_is_held_to_the_id_rules_before_anything_starts() {
    let long = "a".repeat(100_000);
    for (customer, why) in [
        (long.as_str(), "an id is at most 512 characters, this one has 100,000"),
        ("cus_\u{202e}gpj.exe", "contains a control character (U+202E) at position 5"),
        ("cus\u{1b}]0;x\u{7}", "contains a control character (U+001B) at position 4"),
    ] {
        let o = till(&["checkout", "create", "--plan", "growth", "--period", "MONTHLY", "--customer", customer]);
        assert_one_line_error(&o, 2, &format!("for '--customer <CUSTOMER>': {why}"));
        assert!(!stderr(&o).contains(['\u{202e}', '\u{1b}']), "inert: {}", stderr(&o));
        assert!(!stderr(&o).contains("embedded sandbox"), "refused before a sandbox started: {}", stderr(&o));
    }
}

/// A name or e-mail written to a provider with a bidi override was stored and then read
/// reversed on every screen ("Lorenzo <U+202E>irarreF" shows as "Lorenzo Ferrari").
#[test]
fn text_written_to_a_provider_refuses_control_characters() {
    let reversed = "Lorenzo \u{202e}irarreF";
    for (args, flag) in [
        (vec!["customers", "create", "--id", "cus_new", "--name", reversed], "--name <NAME>"),
        (vec!["customers", "update", "cus_kovacs", "--email", "e\u{1b}[2J@x.hu"], "--email <EMAIL>"),
        (vec!["customers", "create", "--id", "cus_\u{2066}x"], "--id <ID>"),
        (
            vec![
                "-p",
                "kuvarpay",
                "checkout",
                "create",
                "--plan",
                "pro",
                "--period",
                "MONTHLY",
                "--first-name",
                reversed,
            ],
            "--first-name <FIRST_NAME>",
        ),
    ] {
        let o = till(&args);
        assert_one_line_error(&o, 2, &format!("for '{flag}': contains a control character (U+"));
        assert!(!stderr(&o).contains("embedded sandbox"), "refused before a sandbox started: {}", stderr(&o));
    }
}

/// An argument that is not UTF-8 was reported as clap's bare "invalid UTF-8 was detected",
/// naming neither the argument nor its position.
#[cfg(unix)]
#[test]
fn an_argument_that_is_not_utf8_is_named() {
    use std::os::unix::ffi::OsStrExt;
    let o = Command::new(env!("CARGO_BIN_EXE_till"))
        .args(["customers", "get"])
        .arg(std::ffi::OsStr::from_bytes(b"\xff\xfe"))
        .output()
        .unwrap();
    assert_one_line_error(&o, 2, r"argument 3 is not valid UTF-8 ('\xFF\xFE', for '<ID>')");
}

#[test]
fn bad_base_url_and_missing_key_are_clear() {
    assert_one_line_error(&till(&["--base-url", "ftp://x", "plans", "list"]), 2, "--base-url is not a valid URL");
    let o = Command::new(env!("CARGO_BIN_EXE_till"))
        .args(["plans", "list"])
        .env("TILL_KELVIQ_BASE_URL", "http://127.0.0.1:9/api/v1")
        .env_remove("TILL_KELVIQ_KEY")
        .output()
        .unwrap();
    assert_one_line_error(&o, 2, "export TILL_KELVIQ_KEY");
}

#[test]
fn port_in_use_is_reported() {
    let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = taken.local_addr().unwrap().port().to_string();
    assert_one_line_error(&till(&["sandbox", "serve", "--port", &port]), 1, &format!("port {port} is already in use"));
}

#[test]
fn corrupt_seed_file_names_file_and_position() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("kelviq.json"), "{\"products\": [ {\"id\": 1 ").unwrap();
    let o = till(&["sandbox", "serve", "--port", "0", "--data", dir.path().to_str().unwrap()]);
    assert_one_line_error(&o, 1, "kelviq.json is not valid");
    assert!(stderr(&o).contains("line 1"));
}

#[test]
fn json_output_is_pure_data_and_the_sandbox_is_announced_on_stderr() {
    let o = till(&["customers", "list", "--limit", "3", "--json"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let rows: serde_json::Value = serde_json::from_slice(&o.stdout).expect("stdout is JSON");
    assert_eq!(rows.as_array().unwrap().len(), 3);
    assert!(rows[0]["id"].is_string() && rows[0]["provider"] == "kelviq");
    assert!(stderr(&o).contains("embedded sandbox"));
}

#[test]
fn provider_errors_exit_3_validation_5() {
    let o = till(&["subscriptions", "get", "00000000-0000-4000-8000-000000000000"]);
    assert_eq!(o.status.code(), Some(3), "{}", stderr(&o));
    assert!(stderr(&o).contains("Kelviq 404: Subscription not found."));
    let o = till(&["checkout", "create", "--plan", "nope", "--period", "MONTHLY"]);
    assert_eq!(o.status.code(), Some(5), "{}", stderr(&o));
    assert!(stderr(&o).contains("planIdentifier"));
}

#[test]
fn sandbox_serve_prints_urls_and_keys_and_serves() {
    let mut child = Command::new(env!("CARGO_BIN_EXE_till"))
        .args(["sandbox", "serve", "--port", "0", "--customers", "25"])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let first = lines.next().unwrap().unwrap();
    let kelviq = lines.next().unwrap().unwrap();
    let addr = first.trim_start_matches("till sandbox listening on http://").trim_end_matches('/').to_string();
    let response = raw_get(&addr, "/kelviq/api/v1/customers/?page_size=1", "kq_sandbox_server_till");
    child.kill().unwrap();
    let _ = child.wait();
    assert!(first.starts_with("till sandbox listening on http://127.0.0.1:"), "{first}");
    assert!(response.starts_with("HTTP/1.1 200"), "{response}");
    assert!(response.contains("\"count\":91"), "66 seeded + 25 generated: {response}");
    assert!(
        kelviq.contains("/kelviq/api/v1")
            && kelviq.contains("kq_sandbox_server_till")
            && kelviq.contains("/kelviq-edge/api/v1"),
        "{kelviq}"
    );
}

/// A bare HTTP/1.1 GET, so this test needs no HTTP client of its own.
fn raw_get(addr: &str, path: &str, key: &str) -> String {
    use std::io::{Read, Write};
    let mut stream = std::net::TcpStream::connect(addr).unwrap();
    write!(stream, "GET {path} HTTP/1.1\r\nHost: {addr}\r\nAuthorization: Bearer {key}\r\nConnection: close\r\n\r\n")
        .unwrap();
    let mut out = String::new();
    stream.read_to_string(&mut out).unwrap();
    out
}

#[test]
fn invoices_where_the_provider_has_them_and_a_clear_no_elsewhere() {
    let customers = till(&["--provider", "zenskar", "--json", "customers", "list", "--limit", "2"]);
    let rows: serde_json::Value = serde_json::from_slice(&customers.stdout).unwrap();
    let id = rows[1]["id"].as_str().unwrap().to_string();
    let o = till(&["--provider", "zenskar", "--json", "invoices", "list", "--customer", &id]);
    assert!(o.status.success(), "{}", stderr(&o));
    let invoices: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    let first = &invoices[0];
    assert_eq!(first["provider"], "zenskar");
    assert!(first["total"]["amount"].is_string() && first["status"].is_string(), "{first}");
    let o = till(&["invoices", "list", "--customer", "cus_mueller_maschinenbau"]);
    assert_eq!(o.status.code(), Some(3));
    assert!(stderr(&o).contains("listing invoices is not offered by Kelviq"));
}

/// The preview used to say "would end 2027-01-15" on providers that cannot end a subscription
/// on a chosen date; only `--yes` then failed, after a journal line.
#[test]
fn a_cancel_on_a_date_the_provider_cannot_set_is_refused_before_the_preview() {
    for provider in ["flowglad", "kuvarpay"] {
        let o = till(&[
            "-p",
            provider,
            "subscriptions",
            "cancel",
            "sub_any",
            "--timing",
            "on-date",
            "--date",
            "2099-01-15",
        ]);
        assert_eq!(o.status.code(), Some(3), "{provider}: {}", stderr(&o));
        assert!(stderr(&o).contains("cancelling on a chosen date is not offered by"), "{}", stderr(&o));
        assert!(o.stdout.is_empty(), "no preview: {}", String::from_utf8_lossy(&o.stdout));
    }
}

/// Kelviq answers an unknown customer id with empty lists: a typo read as "no subscriptions",
/// exit 0. An empty answer is now checked against the customer; a real one with nothing stays
/// an empty table.
#[test]
fn an_unknown_customer_is_a_404_not_an_empty_list() {
    for args in [
        &["-p", "kelviq", "subscriptions", "list", "--customer", "cus_typo"][..],
        &["-p", "kelviq", "entitlements", "--customer", "cus_typo"],
        &["-p", "kelviq", "payments", "list", "--customer", "cus_typo"],
    ] {
        let o = till(args);
        assert_eq!(o.status.code(), Some(3), "{args:?}: {}", stderr(&o));
        assert!(stderr(&o).contains("no customer with customerId \"cus_typo\""), "{}", stderr(&o));
    }
    let o = till(&["-p", "kelviq", "--json", "subscriptions", "list", "--customer", "cus_filosofi"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert_eq!(String::from_utf8_lossy(&o.stdout).trim(), "[]");
}

#[test]
fn completions_cover_every_command_for_bash_zsh_and_fish() {
    let bash = till(&["completions", "bash"]);
    assert_eq!(bash.status.code(), Some(0), "{}", stderr(&bash));
    let script = String::from_utf8_lossy(&bash.stdout).into_owned();
    for command in
        ["customers", "plans", "subscriptions", "entitlements", "checkout", "invoices", "audit", "profiles", "auth"]
    {
        assert!(script.contains(command), "bash completion lacks {command}");
    }
    assert!(script.contains("--profile") && script.contains("--json"), "global flags missing");
    // The script must at least parse as bash.
    let path = std::env::temp_dir().join(format!("till-completion-{}.bash", std::process::id()));
    std::fs::write(&path, &script).unwrap();
    let syntax = Command::new("bash").arg("-n").arg(&path).output().unwrap();
    std::fs::remove_file(&path).ok();
    assert!(syntax.status.success(), "bash -n: {}", String::from_utf8_lossy(&syntax.stderr));
    for shell in ["zsh", "fish"] {
        let out = till(&["completions", shell]);
        assert_eq!(out.status.code(), Some(0), "{shell}: {}", stderr(&out));
        assert!(String::from_utf8_lossy(&out.stdout).contains("subscriptions"), "{shell} completion lacks commands");
    }
    assert_one_line_error(&till(&["completions", "tcsh"]), 2, "tcsh");
}

#[test]
fn request_history_lists_shows_and_exports_curl_without_the_key() {
    let data = tempfile::tempdir().unwrap();
    let run = |args: &[&str]| {
        Command::new(env!("CARGO_BIN_EXE_till")).args(args).env("TILL_DATA_DIR", data.path()).output().unwrap()
    };
    assert_eq!(run(&["customers", "list", "--limit", "2"]).status.code(), Some(0));
    assert_eq!(run(&["--provider", "zenskar", "plans", "list"]).status.code(), Some(0));

    let list = run(&["--json", "requests", "list"]);
    assert_eq!(list.status.code(), Some(0), "{}", stderr(&list));
    let history: serde_json::Value = serde_json::from_slice(&list.stdout).unwrap();
    let history = history.as_array().unwrap();
    assert!(history.len() >= 2, "{history:?}");
    assert_eq!(history[0]["provider"], "zenskar", "newest first");
    assert_eq!(history.last().unwrap()["provider"], "kelviq");
    assert_eq!(history.last().unwrap()["status"], 200);

    let table = String::from_utf8(run(&["requests", "list", "--limit", "1"]).stdout).unwrap();
    assert_eq!(table.lines().count(), 2, "header and one row: {table}");
    assert!(table.contains("zenskar") && table.contains("GET"), "{table}");

    let show = run(&["requests", "show", &history.len().to_string()]);
    let text = String::from_utf8(show.stdout).unwrap();
    assert!(text.contains("GET http://127.0.0.1") && text.contains("[redacted]"), "{text}");
    assert!(!text.contains("kq_sandbox_server_till"), "the key leaked into the history: {text}");

    let curl = String::from_utf8(run(&["requests", "show", "1", "--curl"]).stdout).unwrap();
    assert!(curl.starts_with("curl") && curl.contains("${TILL_ZENSKAR_KEY}"), "{curl}");
    assert!(!curl.contains("zk_sandbox_till"), "{curl}");

    let file = std::fs::read_to_string(data.path().join("requests.jsonl")).unwrap();
    assert!(!file.contains("kq_sandbox_server_till") && !file.contains("zk_sandbox_till"));
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(data.path().join("requests.jsonl")).unwrap().permissions().mode();
        assert_eq!(mode & 0o077, 0, "history must be owner-only, got {mode:o}");
    }
    assert_one_line_error(&run(&["requests", "show", "999"]), 2, "no request #999");
}

/// A U+202E in a body was shown by `requests show` as `�`, which is also how a C1 control or a
/// real U+FFFD looks: what was sent could not be seen. A JSON body now shows JSON's escape, as
/// `--dry-run` and `--curl` write it.
#[test]
fn requests_show_writes_a_bidi_control_that_was_sent_visibly() {
    let data = tempfile::tempdir().unwrap();
    let run = |args: &[&str]| {
        Command::new(env!("CARGO_BIN_EXE_till"))
            .args(args)
            .env("TILL_DATA_DIR", data.path())
            .env_remove("TILL_FLOWGLAD_BASE_URL")
            .env_remove("TILL_KELVIQ_BASE_URL")
            .output()
            .unwrap()
    };
    // A name with U+202E can no longer be sent (`--name` refuses it), so it comes from the
    // provider: the hostile sandbox customer's name carries one, in Kelviq's search answer.
    let list = run(&["-p", "kelviq", "--sandbox-hostile", "customers", "list", "--search", "pwned"]);
    assert_eq!(list.status.code(), Some(0), "{}", stderr(&list));
    let show = run(&["requests", "show", "1"]);
    let text = String::from_utf8(show.stdout).unwrap();
    assert!(text.contains(r"\u202eexe.\u2066"), "the response body: {text}");
    assert!(!text.contains(['\u{202e}', '\u{fffd}']), "{text}");
}

/// Past 4 MB the history file moves to `requests.jsonl.1` (whole, replacing the one before)
/// and a new file starts: no run reads the history back or rewrites it, and `requests list`
/// reads both, newest first, at most 1,000.
#[test]
fn a_full_request_history_moves_aside_whole_and_stays_owner_only() {
    let data = tempfile::tempdir().unwrap();
    let path = data.path().join("requests.jsonl");
    let older = data.path().join("requests.jsonl.1");
    let run = |args: &[&str]| {
        Command::new(env!("CARGO_BIN_EXE_till")).args(args).env("TILL_DATA_DIR", data.path()).output().unwrap()
    };
    assert_eq!(run(&["customers", "list", "--limit", "1"]).status.code(), Some(0));
    let line = std::fs::read_to_string(&path).unwrap().lines().next().unwrap().to_string();
    // A history of 450 large exchanges (about 4.5 MB), all marked so they can be told apart.
    let old = line.replacen("\"GET\"", "\"OLD\"", 1);
    let padded = format!("{}{}\"}}", &old[..old.len() - 1], format_args!(",\"pad\":\"{}", "x".repeat(10_000)));
    let full = format!("{padded}\n").repeat(450);
    std::fs::write(&path, &full).unwrap();
    std::fs::write(&older, "older\n").unwrap();

    assert_eq!(run(&["--provider", "zenskar", "plans", "list"]).status.code(), Some(0));
    assert_eq!(std::fs::read_to_string(&older).unwrap(), full, "the full file moved aside untouched");
    let fresh = std::fs::read_to_string(&path).unwrap();
    assert!(fresh.lines().all(|l| l.contains("zenskar")), "a new file holds this run's exchanges");
    let size = fresh.len();
    assert_eq!(run(&["--provider", "zenskar", "plans", "list"]).status.code(), Some(0));
    assert!(std::fs::metadata(&path).unwrap().len() > size as u64, "the next run appends");

    let listed = run(&["requests", "list", "--all", "--json"]);
    assert_eq!(listed.status.code(), Some(0), "{}", String::from_utf8_lossy(&listed.stderr));
    let listed: Vec<serde_json::Value> = serde_json::from_slice(&listed.stdout).unwrap();
    assert!(listed.len() > 2 && listed.len() <= 452, "{} listed", listed.len());
    assert!(listed[0]["url"].as_str().unwrap().contains("zenskar"), "newest first");
    assert_eq!(listed.last().unwrap()["method"], "OLD", "the older file is read too");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        for p in [&path, &older] {
            let mode = std::fs::metadata(p).unwrap().permissions().mode();
            assert_eq!(mode & 0o077, 0, "{} stays owner-only, got {mode:o}", p.display());
        }
    }
}
