//! `till info` names, per profile, the core and edge hosts and the key's mode; and a curl
//! export under a profile reads the profile's key variable.

#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a panic is the failure report

use std::path::Path;
use std::process::{Command, Output, Stdio};

fn till(dir: &Path, args: &[&str], extra: &[(&str, &str)]) -> Output {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_till"));
    cmd.args(args)
        .env("TILL_CONFIG_DIR", dir.join("config"))
        .env("TILL_DATA_DIR", dir.join("data"))
        .env("DBUS_SESSION_BUS_ADDRESS", "unix:path=/nonexistent/till-test-bus")
        .env_remove("TILL_PROFILE")
        .env_remove("TILL_KELVIQ_BASE_URL")
        .env_remove("TILL_KELVIQ_EDGE_URL")
        .env_remove("TILL_FLOWGLAD_BASE_URL")
        .env_remove("TILL_KUVARPAY_BASE_URL")
        .env_remove("TILL_ZENSKAR_BASE_URL")
        .stdin(Stdio::null());
    cmd.envs(extra.iter().copied());
    cmd.output().unwrap()
}

fn write_config(dir: &Path) {
    std::fs::create_dir_all(dir.join("config")).unwrap();
    std::fs::write(
        dir.join("config/config.toml"),
        "[profiles.ktest]\nprovider = \"kelviq\"\nmode = \"test\"\n\n\
         [profiles.klive]\nprovider = \"kelviq\"\nmode = \"live\"\n\n\
         [profiles.kmock]\nprovider = \"kelviq\"\nmode = \"test\"\nbase_url = \"http://mock.test:4010/api/v1\"\n\n\
         [profiles.fg]\nprovider = \"flowglad\"\nmode = \"test\"\n",
    )
    .unwrap();
}

#[test]
fn info_shows_core_and_edge_hosts_and_the_key_mode_per_profile() {
    let dir = tempfile::tempdir().unwrap();
    write_config(dir.path());
    let o = till(dir.path(), &["info"], &[("TILL_FG_KEY", "sk_test_ab_secret")]);
    let out = String::from_utf8_lossy(&o.stdout);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let section = |name: &str| -> String {
        let start = out.find(&format!("  {name} (")).unwrap_or_else(|| panic!("{name} missing:\n{out}"));
        out[start..].lines().take(4).collect::<Vec<_>>().join("\n")
    };
    let ktest = section("ktest");
    assert!(ktest.contains("core  https://sandboxapi.kelviq.com/api/v1 (test host)"), "{ktest}");
    assert!(ktest.contains("edge  https://edge.sandboxapi.kelviq.com/api/v1 (test host; paired"), "{ktest}");
    let klive = section("klive");
    assert!(klive.contains("edge  https://edge.api.kelviq.com/api/v1 (live host; paired"), "{klive}");
    let kmock = section("kmock");
    assert!(kmock.contains("edge  http://mock.test:4010/api/v1 (no documented mode; same as core"), "{kmock}");
    let fg = section("fg");
    assert!(fg.contains("core  https://app.flowglad.com/ (the key selects the mode)"), "{fg}");
    assert!(fg.contains("key   environment variable TILL_FG_KEY: mode test (the key's sk_test_ prefix)"), "{fg}");
    assert!(!out.contains("secret"), "the key itself is never shown:\n{out}");
}

/// `checkout create --dry-run` under a profile used to print `${TILL_KELVIQ_KEY}`: copied, it
/// sent an empty key or another account's.
#[test]
fn dry_run_curl_under_a_profile_reads_the_profile_key_variable() {
    let dir = tempfile::tempdir().unwrap();
    write_config(dir.path());
    let o = till(
        dir.path(),
        &[
            "--profile",
            "ktest",
            "checkout",
            "create",
            "--plan",
            "pro",
            "--period",
            "monthly",
            "--success-url",
            "https://example.com/ok",
            "--dry-run",
        ],
        &[("TILL_KTEST_KEY", "sk_secret_value"), ("TILL_KELVIQ_KEY", "other")],
    );
    let out = String::from_utf8_lossy(&o.stdout);
    assert!(o.status.success(), "{}\n{out}", String::from_utf8_lossy(&o.stderr));
    assert!(out.contains("${TILL_KTEST_KEY}"), "{out}");
    assert!(!out.contains("TILL_KELVIQ_KEY") && !out.contains("sk_secret_value"), "{out}");
    assert!(
        out.contains("https://sandboxapi.kelviq.com/api/v1/checkout/"),
        "a test profile's request goes to the sandbox host: {out}"
    );
}

/// `requests show N --curl` and the console's copy read the variable the key was set from,
/// recorded on every exchange (older history lines fall back to the provider's variable).
#[tokio::test]
async fn logged_exchanges_remember_the_key_variable() {
    use till::billing::ProviderKind;
    use till::providers::{self, Http, HttpConfig, PageRequest};
    let sb = till::sandbox::start(till::sandbox::SandboxOptions::default()).await.unwrap();
    let mut endpoint = sb.endpoint(ProviderKind::Kelviq);
    endpoint.key = endpoint.key.clone().with_env_var("TILL_ACME_KEY");
    let http = Http::new(HttpConfig::default()).unwrap();
    let kelviq = providers::connect(ProviderKind::Kelviq, endpoint, http.clone()).unwrap();
    kelviq.list_customers(&PageRequest::first(5)).await.unwrap();
    let exchange = http.log().snapshot().pop().unwrap();
    assert_eq!(exchange.key_variable(), "TILL_ACME_KEY");
    let curl = exchange.to_curl(&exchange.key_variable());
    assert!(curl.contains("Bearer ${TILL_ACME_KEY}"), "{curl}");
    let old_line = serde_json::to_value(&exchange).unwrap();
    let mut old_line = old_line.as_object().unwrap().clone();
    old_line.remove("key_variable");
    let old: till::providers::log::Exchange = serde_json::from_value(old_line.into()).unwrap();
    assert_eq!(old.key_variable(), "TILL_KELVIQ_KEY");
}
