//! `till profiles …`, `--profile` on commands, and the config file's error messages, through
//! the real binary with the config dir in a tempdir and no keyring reachable.

#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a panic is the failure report

use std::path::Path;
use std::process::{Command, Output, Stdio};

use till::billing::ProviderKind;
use till::sandbox::{self, SandboxOptions};

fn till(dir: &Path, args: &[&str], extra: &[(&str, &str)]) -> Output {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_till"));
    cmd.args(args)
        .env("TILL_CONFIG_DIR", dir.join("config"))
        .env("TILL_DATA_DIR", dir.join("data"))
        .env("DBUS_SESSION_BUS_ADDRESS", "unix:path=/nonexistent/till-test-bus")
        .env_remove("TILL_PROFILE")
        .env_remove("TILL_READ_ONLY")
        .env_remove("TILL_KELVIQ_BASE_URL")
        .env_remove("TILL_ZENSKAR_BASE_URL")
        .stdin(Stdio::null());
    cmd.envs(extra.iter().copied());
    cmd.output().unwrap()
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).to_string()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).to_string()
}

#[test]
fn profiles_add_list_remove() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let o = till(d, &["profiles", "list"], &[]);
    assert_eq!((o.status.code(), stdout(&o).lines().count()), (Some(0), 1), "header only: {}", stdout(&o));
    assert!(stderr(&o).contains("no profiles"));
    let add = [
        "profiles",
        "add",
        "acme-live",
        "--provider",
        "zenskar",
        "--mode",
        "live",
        "--account",
        "org_9",
        "--read-only",
    ];
    let o = till(d, &add, &[]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(o.stdout.is_empty() && stderr(&o).contains("TILL_ACME_LIVE_KEY"), "{}", stderr(&o));
    assert_eq!(till(d, &["profiles", "add", "dev", "--provider", "kelviq"], &[]).status.code(), Some(0));
    // Adding a live, read-only profile again with fewer flags would make it a writable test
    // one: refused without --replace, saying what it is now.
    let o = till(d, &["profiles", "add", "acme-live", "--provider", "zenskar"], &[]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(stderr(&o).contains("exists (zenskar, live, read-only, account org_9): pass --replace"), "{}", stderr(&o));
    let o = till(d, &["profiles", "add", "dev", "--provider", "flowglad", "--replace"], &[]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(stderr(&o).contains("updated profile \"dev\""), "{}", stderr(&o));
    assert_eq!(till(d, &["profiles", "add", "dev", "--provider", "kelviq", "--replace"], &[]).status.code(), Some(0));
    let o = till(d, &["profiles", "list"], &[]);
    let table = stdout(&o);
    assert!(table.starts_with("NAME"), "{table}");
    let acme = table.lines().find(|l| l.starts_with("acme-live")).unwrap();
    for cell in ["zenskar", "live", "yes", "https://api.zenskar.com", "org_9"] {
        assert!(acme.contains(cell), "{acme}");
    }
    let o = till(d, &["--json", "profiles", "list"], &[]);
    let rows: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(rows[0]["name"], "acme-live");
    assert_eq!(rows[0]["provider"], "zenskar");
    assert_eq!(rows[0]["mode"], "live");
    assert_eq!(rows[0]["read_only"], true);
    assert_eq!(rows[1]["name"], "dev");
    assert_eq!(rows[1]["mode"], "test");
    let o = till(d, &["profiles", "remove", "acme-live"], &[]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let o = till(d, &["--json", "profiles", "list"], &[]);
    let rows: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(rows.as_array().map(Vec::len), Some(1));
    let o = till(d, &["profiles", "remove", "acme-live"], &[]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("no profile named \"acme-live\""), "{}", stderr(&o));
    let o = till(d, &["profiles", "add", "bad name", "--provider", "kelviq"], &[]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
}

/// A profile belongs to one provider; till asks instead of guessing one.
#[test]
fn profiles_add_without_a_provider_is_a_usage_error() {
    let dir = tempfile::tempdir().unwrap();
    let o = till(dir.path(), &["profiles", "add", "acme"], &[]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(stderr(&o).contains("pass --provider kelviq|flowglad|kuvarpay|zenskar"), "{}", stderr(&o));
    assert!(!dir.path().join("config").join("config.toml").exists(), "nothing is written");
}

/// `--base-url 'javascript:alert(1)'` was saved and failed only when the profile was used;
/// other schemes, credentials and control characters likewise. Now `profiles add` refuses each,
/// naming the flag, and writes nothing.
#[test]
fn profiles_add_refuses_a_url_it_could_never_use() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    for (flag, url, why) in [
        ("--base-url", "javascript:alert(1)", "only http and https are supported"),
        ("--base-url", "ftp://x.example/", "only http and https are supported"),
        ("--base-url", "https://alice:s3cretpw@x.example/", "holds a user name or password"),
        ("--edge-url", "https://x.example/\u{1b}]0;x\u{7}", "control character or whitespace"),
    ] {
        let o = till(d, &["profiles", "add", "p", "--provider", "kelviq", flag, url], &[]);
        let err = stderr(&o);
        assert_eq!(o.status.code(), Some(2), "{url}: {err}");
        assert!(err.starts_with(&format!("till: {flag} is not a valid URL: ")) && err.contains(why), "{err}");
        assert!(!err.contains("s3cretpw") && !err.contains('\u{1b}'), "{err}");
        assert!(!d.join("config").join("config.toml").exists(), "nothing is written");
    }
}

/// Where `till` (run by [`till`] with `d` as its home) reads config.toml, its directory made.
fn config_file(d: &std::path::Path) -> std::path::PathBuf {
    std::fs::create_dir_all(d.join("config")).unwrap();
    d.join("config/config.toml")
}

#[test]
fn malformed_config_names_file_line_and_field() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let path = config_file(d);
    std::fs::write(&path, "[profiles.acme]\nprovider = \"kelviq\"\ncolor = \"blue\"\n").unwrap();
    let o = till(d, &["--profile", "acme", "plans", "list"], &[]);
    assert_eq!(o.status.code(), Some(2));
    let err = stderr(&o);
    assert!(err.contains(&format!("{}:3: profiles.acme.color: unknown field `color`", path.display())), "{err}");
    assert_eq!(err.trim_end().lines().count(), 1, "{err}");
    assert!(o.stdout.is_empty());
    std::fs::write(&path, "[profiles.acme]\nprovider = \"stripe\"\n").unwrap();
    let err = stderr(&till(d, &["profiles", "list"], &[]));
    assert!(err.contains(":2: profiles.acme.provider: "), "{err}");
}

/// A URL `profiles add` refuses was taken from a hand-edited config.toml or a
/// `TILL_<PROVIDER>_BASE_URL`: the request went out with the password in its URL. Both are
/// refused (exit 2) before anything is sent, naming the file and line or the variable.
#[test]
fn a_base_url_profiles_add_refuses_is_refused_from_the_file_and_the_environment() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let path = config_file(d);
    let url = "http://user:s3cretpw@127.0.0.1:9/api/v1";
    std::fs::write(&path, format!("[profiles.acme]\nprovider = \"kelviq\"\nbase_url = \"{url}\"\n")).unwrap();
    let o = till(d, &["--profile", "acme", "plans", "list"], &[("TILL_ACME_KEY", "k")]);
    let err = stderr(&o);
    assert_eq!(o.status.code(), Some(2), "{err}");
    let named = format!("till: {}:3: profiles.acme.base_url: not a valid URL: ", path.display());
    assert!(err.starts_with(&named) && err.contains("user name or password"), "{err}");
    assert!(!err.contains("s3cretpw") && err.trim_end().lines().count() == 1, "{err}");
    std::fs::remove_file(&path).unwrap();
    for url in [url, "javascript:alert(1)", "http://127.0.0.1:9/api/v1\u{202e}"] {
        let o = till(d, &["plans", "list"], &[("TILL_KELVIQ_BASE_URL", url), ("TILL_KELVIQ_KEY", "k")]);
        let err = stderr(&o);
        assert_eq!(o.status.code(), Some(2), "{url}: {err}");
        assert!(err.starts_with("till: TILL_KELVIQ_BASE_URL is not a valid URL: "), "{err}");
        assert!(!err.contains("s3cretpw") && !err.contains('\u{202e}'), "{err}");
        assert!(!err.contains("embedded sandbox"), "{err}");
    }
}

/// A config.toml that is not UTF-8 was an I/O error (exit 1) naming no position; it is a
/// malformed config (exit 2, as the README's table says), named by file, line and byte.
#[test]
fn a_config_that_is_not_utf8_is_a_usage_error_naming_the_byte() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let path = config_file(d);
    std::fs::write(&path, b"\xff\xfe").unwrap();
    for args in [&["profiles", "list"][..], &["auth", "status"], &["--profile", "acme", "plans", "list"]] {
        let o = till(d, args, &[]);
        let err = stderr(&o);
        assert_eq!(o.status.code(), Some(2), "{args:?}: {err}");
        assert_eq!(
            err.trim_end(),
            format!("till: {}:1: not UTF-8 text: byte 0 is 0xFF (save config.toml as UTF-8)", path.display())
        );
    }
}

/// Without a keyring, `auth logout` printed login's advice ("the key was not saved … export
/// TILL_FG_KEY=<key> instead"); it now says nothing was removed, why, and what still holds a key.
#[test]
fn logout_without_a_keyring_says_what_was_not_removed() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    assert_eq!(till(d, &["profiles", "add", "fg", "--provider", "flowglad"], &[]).status.code(), Some(0));
    let o = till(d, &["--profile", "fg", "auth", "logout"], &[("TILL_FG_KEY", "sk_test_x")]);
    let err = stderr(&o);
    assert_eq!(o.status.code(), Some(1), "{err}");
    assert_eq!(err.trim_end().lines().count(), 1, "{err}");
    assert!(err.starts_with("till: removed no key of profile \"fg\": no OS keyring is available ("), "{err}");
    assert!(err.contains("a key saved in the keyring earlier, if any, is still there"), "{err}");
    assert!(err.contains("TILL_FG_KEY is still set in this environment"), "{err}");
    assert!(!err.contains("was not saved") && !err.contains("export"), "{err}");
}

#[test]
fn unknown_profile_and_missing_key_are_clear() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let o = till(d, &["--profile", "nope", "customers", "list"], &[]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("no profile named \"nope\""), "{}", stderr(&o));
    till(d, &["profiles", "add", "fg", "--provider", "flowglad", "--base-url", "http://127.0.0.1:9/flowglad"], &[]);
    let o = till(d, &["--profile", "fg", "customers", "list"], &[]);
    assert_eq!(o.status.code(), Some(4), "{}", stderr(&o));
    let err = stderr(&o);
    assert!(err.contains("no OS keyring is available") && err.contains("export TILL_FG_KEY"), "{err}");
    let o = till(d, &["auth", "login"], &[]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("--profile"));
    let o = till(d, &["--profile", "fg", "auth", "login", "--client-key"], &[]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("Kelviq profiles only"), "{}", stderr(&o));
    let o = till(d, &["auth", "status"], &[("TILL_FG_KEY", "sk_test_x")]);
    assert_eq!(o.status.code(), Some(0));
    assert!(stdout(&o).lines().nth(1).is_some_and(|l| l.contains("fg") && l.contains("env TILL_FG_KEY")));
    assert!(stderr(&o).contains("no OS keyring"), "{}", stderr(&o));
    let o = till(d, &["auth", "status"], &[]);
    assert!(stdout(&o).lines().nth(1).is_some_and(|l| l.contains("none")), "{}", stdout(&o));
}

/// A profile pointed at the sandbox, its key from `TILL_<PROFILE>_KEY`: commands run against it,
/// `info` names it, and a read-only profile refuses writes.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn profile_drives_commands_and_read_only() {
    let sb = sandbox::start(SandboxOptions::default()).await.unwrap();
    let z = sb.endpoint(ProviderKind::Zenskar);
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let base = z.base_url.to_string();
    let account = z.account.clone().unwrap_or_default();
    let add =
        ["profiles", "add", "z-ro", "--provider", "zenskar", "--base-url", &base, "--account", &account, "--read-only"];
    assert_eq!(till(d, &add, &[]).status.code(), Some(0));
    let key = [("TILL_Z_RO_KEY", z.key.expose())];
    // --provider kelviq is the default: the profile's provider wins.
    let o = till(d, &["--profile", "z-ro", "--json", "customers", "list", "--limit", "2"], &key);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let rows: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(rows[0]["provider"], "zenskar");
    assert!(!stderr(&o).contains("embedded sandbox"), "a profile is not the embedded sandbox: {}", stderr(&o));
    let o = till(d, &["--profile", "z-ro", "customers", "create", "--id", "c1"], &key);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("read-only"), "{}", stderr(&o));
    let o = till(d, &["--profile", "z-ro", "info"], &[]);
    assert!(stdout(&o).contains("profile     z-ro (zenskar, test)"), "{}", stdout(&o));
    let o = till(d, &["--profile", "z-ro", "customers", "list"], &[("TILL_Z_RO_KEY", "wrong")]);
    assert_eq!(o.status.code(), Some(4), "{}", stderr(&o));
    sb.shutdown().await;
}
